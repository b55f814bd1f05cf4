//! Rule parameters: the values rules compare against (`{ param = "trusted-users" }` in rule
//! files), with their defaults. The one table the rule loader, the config file, the XCCDF
//! Values and tailoring all read.

use serde_json::{json, Value};

/// A rule parameter: its key and its default (`None`: the rule is `notchecked` until set).
pub struct ParamSpec {
    /// Key in the config file and name in rule files.
    pub name: &'static str,
    /// Value used when the config file and flags leave it unset.
    pub default: fn() -> Option<Value>,
    /// One line on what it means.
    pub doc: &'static str,
}

/// Every parameter rules may use.
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "trusted-users",
        default: || None,
        doc: "users allowed in the docker group (1.1.2); also --trusted-users",
    },
    ParamSpec {
        name: "registry-allow-list",
        default: || None,
        doc: "registries images may come from, e.g. [\"registry.example.com\", \"docker.io\"] (4.2 and bollwerk's registry rule)",
    },
    ParamSpec {
        name: "max-image-age-days",
        default: || Some(json!(30)),
        doc: "oldest acceptable image build, in days (BW-IMG-AGE); default 30",
    },
    ParamSpec {
        name: "max-restart-retries",
        default: || Some(json!(5)),
        doc: "highest on-failure restart count (5.15); default 5",
    },
    ParamSpec {
        name: "max-unused-images",
        default: || Some(json!(10)),
        doc: "images no container uses before 6.1 fails; default 10",
    },
    ParamSpec {
        name: "max-stopped-containers",
        default: || Some(json!(10)),
        doc: "stopped containers before 6.2 fails; default 10",
    },
    ParamSpec {
        name: "allowed-privileged-ports",
        default: || Some(json!([])),
        doc: "host ports below 1024 containers may publish, e.g. [80, 443] (5.8); default none",
    },
    ParamSpec {
        name: "allowed-wildcard-ports",
        default: || Some(json!([])),
        doc: "host ports that may be published on all interfaces (5.14); default none",
    },
];

/// The names of all parameters.
pub fn names() -> Vec<&'static str> {
    PARAMS.iter().map(|p| p.name).collect()
}

/// Whether `name` is a parameter rules may use.
pub fn is_known(name: &str) -> bool {
    PARAMS.iter().any(|p| p.name == name)
}

/// The spec of parameter `name`.
pub fn spec(name: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|p| p.name == name)
}
