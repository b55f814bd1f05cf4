//! The daemon settings bollwerk knows: daemon.json keys, their flags, shapes and dockerd's
//! defaults. Collection reads dockerd's configuration through this table and the rule loader
//! checks `daemon.settings.KEY` against it, so both agree on what a setting is.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::snapshot::Sourced;

/// How a setting's value is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`.
    Bool,
    /// A string.
    Text,
    /// A list of strings (a repeatable flag).
    List,
    /// An object (`key=value` flags).
    Map,
}

/// A daemon.json key bollwerk understands: its flag, shape and dockerd's default.
pub struct Setting {
    /// The daemon.json key.
    pub key: &'static str,
    /// The long command-line flag, without dashes.
    pub flag: &'static str,
    /// The one-letter flag, if any.
    pub short: Option<char>,
    /// The value's shape.
    pub kind: Kind,
    /// dockerd's default.
    pub default: fn() -> Value,
}

macro_rules! setting {
    ($key:literal, $flag:literal, $short:expr, $kind:ident, $default:expr) => {
        Setting {
            key: $key,
            flag: $flag,
            short: $short,
            kind: Kind::$kind,
            default: || $default,
        }
    };
}

/// dockerd 20.10–27 settings with their documented defaults (`dockerd --help`, daemon.json
/// reference). `Value::Null` means "unset" (no default).
pub const SETTINGS: &[Setting] = &[
    setting!(
        "authorization-plugins",
        "authorization-plugin",
        None,
        List,
        json!([])
    ),
    setting!("bip", "bip", None, Text, Value::Null),
    setting!("bridge", "bridge", Some('b'), Text, Value::Null),
    setting!("cgroup-parent", "cgroup-parent", None, Text, Value::Null),
    setting!("containerd", "containerd", None, Text, Value::Null),
    setting!(
        "data-root",
        "data-root",
        Some('g'),
        Text,
        json!("/var/lib/docker")
    ),
    setting!("debug", "debug", Some('D'), Bool, json!(false)),
    setting!(
        "default-cgroupns-mode",
        "default-cgroupns-mode",
        None,
        Text,
        Value::Null
    ),
    setting!(
        "default-ipc-mode",
        "default-ipc-mode",
        None,
        Text,
        Value::Null
    ),
    setting!(
        "default-runtime",
        "default-runtime",
        None,
        Text,
        json!("runc")
    ),
    setting!("default-ulimits", "default-ulimit", None, Map, json!({})),
    setting!(
        "exec-root",
        "exec-root",
        None,
        Text,
        json!("/var/run/docker")
    ),
    setting!("exec-opts", "exec-opt", None, List, json!([])),
    setting!("experimental", "experimental", None, Bool, json!(false)),
    setting!("group", "group", Some('G'), Text, json!("docker")),
    setting!(
        "hosts",
        "host",
        Some('H'),
        List,
        json!(["unix:///var/run/docker.sock"])
    ),
    setting!("icc", "icc", None, Bool, json!(true)),
    setting!("init", "init", None, Bool, json!(false)),
    setting!(
        "insecure-registries",
        "insecure-registry",
        None,
        List,
        json!([])
    ),
    setting!("ip", "ip", None, Text, json!("0.0.0.0")),
    setting!("ip-forward", "ip-forward", None, Bool, json!(true)),
    setting!("ip-masq", "ip-masq", None, Bool, json!(true)),
    setting!("iptables", "iptables", None, Bool, json!(true)),
    setting!("ipv6", "ipv6", None, Bool, json!(false)),
    setting!("labels", "label", None, List, json!([])),
    setting!("live-restore", "live-restore", None, Bool, json!(false)),
    setting!("log-driver", "log-driver", None, Text, json!("json-file")),
    setting!("log-level", "log-level", Some('l'), Text, json!("info")),
    setting!("log-opts", "log-opt", None, Map, json!({})),
    setting!(
        "no-new-privileges",
        "no-new-privileges",
        None,
        Bool,
        json!(false)
    ),
    setting!(
        "pidfile",
        "pidfile",
        Some('p'),
        Text,
        json!("/var/run/docker.pid")
    ),
    setting!("registry-mirrors", "registry-mirror", None, List, json!([])),
    setting!("runtimes", "add-runtime", None, Map, json!({})),
    setting!(
        "seccomp-profile",
        "seccomp-profile",
        None,
        Text,
        Value::Null
    ),
    setting!(
        "selinux-enabled",
        "selinux-enabled",
        None,
        Bool,
        json!(false)
    ),
    setting!(
        "storage-driver",
        "storage-driver",
        Some('s'),
        Text,
        Value::Null
    ),
    setting!("storage-opts", "storage-opt", None, List, json!([])),
    setting!("tls", "tls", None, Bool, json!(false)),
    setting!("tlscacert", "tlscacert", None, Text, Value::Null),
    setting!("tlscert", "tlscert", None, Text, Value::Null),
    setting!("tlskey", "tlskey", None, Text, Value::Null),
    setting!("tlsverify", "tlsverify", None, Bool, json!(false)),
    setting!("userland-proxy", "userland-proxy", None, Bool, json!(true)),
    setting!("userns-remap", "userns-remap", None, Text, Value::Null),
];

/// Whether `key` is a daemon.json key bollwerk knows.
pub fn is_known_setting(key: &str) -> bool {
    SETTINGS.iter().any(|s| s.key == key)
}

/// The daemon.json a rootful dockerd reads when no `--config-file` is given: collection reads
/// it there, and reports name it when they know no other.
pub const ROOTFUL_DAEMON_JSON: &str = "/etc/docker/daemon.json";

/// Source label for defaults.
pub const DEFAULT_SOURCE: &str = "dockerd default";

/// dockerd's defaults for every known setting.
pub fn defaults() -> BTreeMap<String, Sourced> {
    SETTINGS
        .iter()
        .map(|s| {
            (
                s.key.to_string(),
                Sourced {
                    value: (s.default)(),
                    source: DEFAULT_SOURCE.into(),
                },
            )
        })
        .collect()
}
