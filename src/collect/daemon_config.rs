//! The daemon's effective settings: dockerd's defaults, overridden by daemon.json, overridden
//! by dockerd's command-line flags, corrected by what `docker info` says is in force.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

pub use crate::facts::daemon_settings::{defaults, is_known_setting, DEFAULT_SOURCE};
use crate::facts::daemon_settings::{Kind, SETTINGS};
use crate::snapshot::Sourced;

/// Why a daemon.json could not be read as settings.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: malformed daemon.json: {what}")]
pub struct DaemonJsonError {
    /// Where: `file:line:column`.
    pub at: String,
    /// What is wrong there, on one line.
    pub what: String,
}

impl From<DaemonJsonError> for String {
    fn from(e: DaemonJsonError) -> String {
        e.to_string()
    }
}

/// Parses daemon.json text. Errors read `file:line:column: message`.
pub fn parse_daemon_json(
    file: &str,
    text: &str,
) -> Result<BTreeMap<String, Sourced>, DaemonJsonError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let (at, what) = crate::diag::json_error(file, text, &e);
        DaemonJsonError { at, what }
    })?;
    let Value::Object(map) = value else {
        return Err(DaemonJsonError {
            at: format!("{file}:1:1"),
            what: "the top level must be an object".into(),
        });
    };
    // A key given twice keeps its last value (serde_json, like dockerd's Go decoder), so
    // the line cited is that of its last occurrence.
    let lines = top_level_key_lines(text);
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let line = lines.get(&k).copied().unwrap_or(1);
            (
                k,
                Sourced {
                    value: v,
                    source: format!("{file}:{line}"),
                },
            )
        })
        .collect())
}

/// The settings of daemon.json (`from_file`) whose value has not the shape dockerd takes for
/// that key (`"icc": "false"`, `"hosts": "unix:///x"`), each with why. dockerd refuses to start
/// with such a file, or to reload it, so the value is not what runs: the setting is not known.
/// `null` is taken as unset, as dockerd's decoder does.
pub fn misshapen(from_file: &BTreeMap<String, Sourced>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, given) in from_file {
        let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
            continue;
        };
        let v = &given.value;
        let (fits, shape) = match setting.kind {
            Kind::Bool => (v.is_boolean(), "true or false"),
            Kind::Text => (v.is_string(), "a string"),
            Kind::List => (
                v.as_array().is_some_and(|l| l.iter().all(Value::is_string)),
                "a list of strings",
            ),
            // dockerd reads log-opts as text by name (`"max-file": 3` is refused).
            Kind::Map if key == "log-opts" => (
                v.as_object()
                    .is_some_and(|m| m.values().all(Value::is_string)),
                "an object of strings",
            ),
            Kind::Map => (v.is_object(), "an object"),
        };
        if !fits && !v.is_null() {
            let mut shown = v.to_string();
            if shown.len() > 60 {
                let cut = (0..=60)
                    .rev()
                    .find(|&i| shown.is_char_boundary(i))
                    .unwrap_or(0);
                shown.truncate(cut);
                shown.push('…');
            }
            out.push((
                key.clone(),
                format!(
                    "{}: {key} must be {shape}, not {shown} (dockerd refuses this file, so what runs is not known)",
                    given.source
                ),
            ));
        }
    }
    out
}

/// The line of the last occurrence of each key of the top-level object in `text` (JSON already
/// known to be valid). Keys of nested objects and strings that are values do not count; a key
/// written with escapes counts under its decoded name.
fn top_level_key_lines(text: &str) -> std::collections::HashMap<String, usize> {
    let bytes = text.as_bytes();
    let mut lines = std::collections::HashMap::new();
    let (mut depth, mut line, mut expect_key) = (0usize, 1usize, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && bytes[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => expect_key = depth == 1,
            b'"' => {
                // A JSON string holds no raw newline; skip to its closing quote.
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key {
                    if let Some(key) = text
                        .get(start..=i.min(bytes.len() - 1))
                        .and_then(|raw| serde_json::from_str::<String>(raw).ok())
                    {
                        lines.insert(key, line);
                    }
                    expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

/// What dockerd's command line says.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Flags {
    /// Settings given as flags, keyed by daemon.json key.
    pub settings: BTreeMap<String, Sourced>,
    /// `--config-file`, when given.
    pub config_file: Option<String>,
}

/// How the source of a setting given on dockerd's command line begins (`flag --icc=false`).
const FLAG_SOURCE: &str = Sourced::FLAG_SOURCE;

/// Parses dockerd's arguments (without `argv[0]`). Unknown flags are kept under their own name
/// as text so nothing is lost.
pub fn parse_flags(args: &[String]) -> Flags {
    let mut flags = Flags::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let (name, inline): (String, Option<String>) = if let Some(long) = arg.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            }
        } else if let Some(short) = arg.strip_prefix('-') {
            let mut chars = short.chars();
            let Some(c) = chars.next() else { continue };
            let rest: String = chars.collect();
            let Some(s) = SETTINGS.iter().find(|s| s.short == Some(c)) else {
                continue;
            };
            let inline = match rest.strip_prefix('=') {
                Some(v) => Some(v.to_string()),
                None if rest.is_empty() => None,
                None => Some(rest),
            };
            (s.flag.to_string(), inline)
        } else {
            continue;
        };
        if name == "config-file" {
            flags.config_file = inline.or_else(|| {
                i += 1;
                args.get(i - 1).cloned()
            });
            continue;
        }
        let setting = SETTINGS
            .iter()
            .find(|s| s.flag == name || (name == "graph" && s.key == "data-root"));
        let kind = setting.map(|s| s.kind).unwrap_or(Kind::Text);
        let key = setting
            .map(|s| s.key.to_string())
            .unwrap_or_else(|| name.clone());
        let raw = match (kind, inline) {
            (_, Some(v)) => v,
            (Kind::Bool, None) => {
                // A bool flag takes no separate value: `--live-restore`.
                "true".to_string()
            }
            // An on/off flag bollwerk does not model (`--raw-logs`), or an unknown one
            // followed by another flag: it takes no value, and the next flag is read as one.
            (Kind::Text, None)
                if setting.is_none()
                    && (UNMODELLED_SWITCHES.contains(&name.as_str())
                        || args.get(i).is_none_or(|next| next.starts_with('-'))) =>
            {
                "true".to_string()
            }
            (_, None) => {
                let v = args.get(i).cloned().unwrap_or_default();
                i += 1;
                v
            }
        };
        let source = format!("{FLAG_SOURCE}--{name}={raw}");
        let value = match kind {
            Kind::Bool => go_bool(&raw).map_or_else(|| Value::String(raw.clone()), Value::Bool),
            Kind::Text => Value::String(raw),
            Kind::List => {
                let mut list = match flags.settings.get(&key) {
                    Some(Sourced {
                        value: Value::Array(a),
                        ..
                    }) => a.clone(),
                    _ => Vec::new(),
                };
                list.push(Value::String(raw));
                Value::Array(list)
            }
            Kind::Map => {
                let mut map = match flags.settings.get(&key) {
                    Some(Sourced {
                        value: Value::Object(m),
                        ..
                    }) => m.clone(),
                    _ => Map::new(),
                };
                let (k, v) = raw.split_once('=').unwrap_or((&raw, ""));
                map.insert(k.to_string(), Value::String(v.to_string()));
                Value::Object(map)
            }
        };
        flags.settings.insert(key, Sourced { value, source });
    }
    flags
}

/// dockerd's on/off flags that no setting models: they take no separate value.
const UNMODELLED_SWITCHES: &[&str] = &["raw-logs", "cri-containerd", "validate", "help", "version"];

/// An on/off value as dockerd reads it (Go's `strconv.ParseBool`): `1`, `t`, `true` and
/// their capitals are on, `0`, `f`, `false` and theirs off; anything else dockerd refuses.
fn go_bool(raw: &str) -> Option<bool> {
    match raw {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The settings [`apply_info`] corrects: unknown, not guessed, when `/info` could not be read.
pub const SETTINGS_FROM_INFO: &[&str] = &[
    "live-restore",
    "data-root",
    "storage-driver",
    "userns-remap",
    "debug",
    "insecure-registries",
    "seccomp-profile",
];

/// The settings [`apply_networks`] corrects: unknown when `/networks` could not be read.
pub const SETTINGS_FROM_NETWORKS: &[&str] = &["icc"];

/// Whether the running daemon reports setting `key` in force (`docker info` or the default
/// bridge), so that what configures it does not decide it.
pub fn reported_in_force(key: &str) -> bool {
    SETTINGS_FROM_INFO.contains(&key) || SETTINGS_FROM_NETWORKS.contains(&key)
}

/// Puts `in_force`, what the running daemon reports (`reported_by`: `docker info Debug`), as
/// setting `key` when the configuration says otherwise (daemon.json edited since dockerd
/// started, say; `configured_default` when it says nothing): the source tells both.
fn correct_to_in_force(
    settings: &mut BTreeMap<String, Sourced>,
    key: &str,
    reported_by: &str,
    in_force: Value,
    configured_default: Value,
) {
    let configured = settings.get(key);
    let configured_value = configured.map_or(&configured_default, |c| &c.value);
    if *configured_value == in_force {
        return;
    }
    let source = match configured {
        Some(c) if c.source != DEFAULT_SOURCE => format!(
            "{reported_by} (configured {} at {}: not in force until dockerd restarts)",
            c.value, c.source
        ),
        _ => reported_by.to_string(),
    };
    settings.insert(
        key.into(),
        Sourced {
            value: in_force,
            source,
        },
    );
}

/// The insecure registries in force per `docker info`: the indexes it does not reach
/// securely, then the address ranges it trusts over plain HTTP beyond the loopback ranges
/// dockerd always adds.
fn insecure_in_force(registry: &Value) -> Option<Vec<Value>> {
    let indexes = registry.get("IndexConfigs")?.as_object()?;
    let cidrs = registry.get("InsecureRegistryCIDRs")?.as_array()?;
    let names = indexes
        .iter()
        .filter(|(_, index)| index.get("Secure").and_then(Value::as_bool) == Some(false))
        .map(|(name, _)| json!(name));
    let ranges = cidrs
        .iter()
        .filter(|c| !matches!(c.as_str(), Some("127.0.0.0/8" | "::1/128")))
        .cloned();
    Some(names.chain(ranges).collect())
}

/// An insecure registry as dockerd keeps it once loaded: without an `http://` or `https://`
/// in front, `index.docker.io` as `docker.io`, an address range as its network
/// (`10.9.1.0/16` → `10.9.0.0/16`). So a spelling dockerd only tidied is not taken for a
/// setting out of force.
fn registry_as_dockerd_keeps_it(entry: &Value) -> String {
    let Some(text) = entry.as_str() else {
        return entry.to_string();
    };
    let lower = text.to_ascii_lowercase();
    let bare = ["http://", "https://"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then(|| &text[scheme.len()..]))
        .unwrap_or(text);
    if let Some(network) = network_of(bare) {
        return network;
    }
    match bare {
        "index.docker.io" => "docker.io".into(),
        other => other.to_string(),
    }
}

/// `ADDRESS/BITS` as its network address and prefix length, as Go's `net.ParseCIDR` gives it.
fn network_of(cidr: &str) -> Option<String> {
    let (address, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    match address.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            Some(format!(
                "{}/{bits}",
                std::net::Ipv4Addr::from(u32::from(a) & mask)
            ))
        }
        std::net::IpAddr::V6(a) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            Some(format!(
                "{}/{bits}",
                std::net::Ipv6Addr::from(u128::from(a) & mask)
            ))
        }
        _ => None,
    }
}

/// Whether a value of `docker info` is of the kind a field reports.
type KindOf = fn(&Value) -> bool;

/// Settings `docker info` reports as in force, with the field and the kind of value that
/// reports each.
const REPORTED_IN_FORCE: [(&str, &str, KindOf); 3] = [
    ("live-restore", "LiveRestoreEnabled", Value::is_boolean),
    ("data-root", "DockerRootDir", Value::is_string),
    ("storage-driver", "Driver", Value::is_string),
];

/// Corrects `settings` with what the running daemon reports in `docker info`; returns the
/// settings it found reported there (in force whatever configures them).
pub fn apply_info(settings: &mut BTreeMap<String, Sourced>, info: &Value) -> Vec<&'static str> {
    let mut reported = Vec::new();
    if let Some(debug) = info.get("Debug").and_then(Value::as_bool) {
        let said = "docker info Debug";
        correct_to_in_force(settings, "debug", said, json!(debug), json!(false));
        reported.push("debug");
    }
    if let Some(insecure) = info.get("RegistryConfig").and_then(insecure_in_force) {
        apply_insecure_registries(settings, insecure);
        reported.push("insecure-registries");
    }
    for (key, field, reports) in REPORTED_IN_FORCE {
        if let Some(value) = info.get(field).filter(|v| reports(v)) {
            reported.push(key);
            // Configured (in daemon.json or as a flag) and in force alike: the configuration
            // stays its source, which says where to change it, and that a flag is a flag
            // (a fix plan must not write a flag's key into daemon.json).
            let agrees = settings
                .get(key)
                .is_some_and(|c| c.source != DEFAULT_SOURCE && c.value == *value);
            if !agrees {
                let source = format!("docker info {field}");
                let value = value.clone();
                settings.insert(key.into(), Sourced { value, source });
            }
        }
    }
    if let Some(opts) = info.get("SecurityOptions").and_then(Value::as_array) {
        let names: Vec<&str> = opts.iter().filter_map(Value::as_str).collect();
        if apply_seccomp_profile(settings, &names) {
            reported.push("seccomp-profile");
        }
        apply_userns(settings, &names);
        reported.push("userns-remap");
    }
    reported
}

/// Corrects `insecure-registries` to those `docker info` names (`insecure`), unless they are
/// the configured ones.
fn apply_insecure_registries(settings: &mut BTreeMap<String, Sourced>, insecure: Vec<Value>) {
    // Compared as sets, each as dockerd writes it: it lists them in its own order.
    let mut in_force: Vec<String> = insecure.iter().map(registry_as_dockerd_keeps_it).collect();
    in_force.sort();
    let mut configured: Vec<String> = settings
        .get("insecure-registries")
        .and_then(|s| s.value.as_array())
        .map(|a| a.iter().map(registry_as_dockerd_keeps_it).collect())
        .unwrap_or_default();
    configured.sort();
    if in_force != configured {
        correct_to_in_force(
            settings,
            "insecure-registries",
            "docker info RegistryConfig",
            Value::Array(insecure),
            json!([]),
        );
    }
}

/// Corrects `seccomp-profile` by `docker info`'s security options (`names`):
/// `name=seccomp,profile=default` (Docker's built-in one), `unconfined` or the file dockerd
/// read at start.
fn apply_seccomp_profile(settings: &mut BTreeMap<String, Sourced>, names: &[&str]) -> bool {
    let profile = names.iter().find_map(|o| {
        let mut fields = o.split(',');
        (fields.next() == Some("name=seccomp"))
            .then(|| fields.find_map(|f| f.strip_prefix("profile=")))
            .flatten()
    });
    if let Some(profile) = profile {
        let in_force = match profile {
            "default" | "builtin" => Value::Null,
            other => json!(other),
        };
        let said = "docker info SecurityOptions name=seccomp";
        correct_to_in_force(settings, "seccomp-profile", said, in_force, Value::Null);
    }
    profile.is_some()
}

/// Sets `userns-remap` by whether `docker info`'s security options (`names`) list
/// `name=userns`, keeping the configured mapping where it is in force.
fn apply_userns(settings: &mut BTreeMap<String, Sourced>, names: &[&str]) {
    let userns = names
        .iter()
        .any(|o| o.split(',').any(|kv| kv == "name=userns"));
    let configured = settings
        .get("userns-remap")
        .and_then(|s| s.value.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let (value, source) = match (userns, configured) {
        (true, Some(v)) => {
            let src = settings["userns-remap"].source.clone();
            (
                json!(v),
                format!("{src}, in force per docker info SecurityOptions"),
            )
        }
        (true, None) => (
            json!("(in force, mapping not found in the configuration)"),
            "docker info SecurityOptions name=userns".into(),
        ),
        (false, Some(_)) => (
            Value::Null,
            "docker info SecurityOptions (configured but not in force: restart dockerd)".into(),
        ),
        (false, None) => (
            Value::Null,
            "docker info SecurityOptions (no name=userns)".into(),
        ),
    };
    settings.insert("userns-remap".into(), Sourced { value, source });
}

/// Corrects `icc` by the default bridge network, which dockerd set up at start with the value
/// then in force (`com.docker.network.bridge.enable_icc`): daemon.json may have been edited
/// since without a restart. Left as configured when the two agree, or when there is no default
/// bridge (`"bridge": "none"`).
pub fn apply_networks(settings: &mut BTreeMap<String, Sourced>, networks: &[Value]) -> bool {
    const KEY: &str = "com.docker.network.bridge.enable_icc";
    let Some(in_force) = networks
        .iter()
        .find(|n| n["Name"] == "bridge" && n["Driver"] == "bridge")
        .and_then(|n| n["Options"][KEY].as_str())
        .and_then(|v| v.parse::<bool>().ok())
    else {
        return false;
    };
    let said = format!("docker network inspect bridge: {KEY}={in_force}");
    // dockerd's default is on.
    correct_to_in_force(settings, "icc", &said, json!(in_force), json!(true));
    true
}

/// Merges defaults, file and flags (later wins), then works out the defaults dockerd derives
/// from other settings ([`derive_tls_defaults`]).
pub fn merge(
    file: BTreeMap<String, Sourced>,
    flags: BTreeMap<String, Sourced>,
) -> BTreeMap<String, Sourced> {
    let mut out = defaults();
    out.extend(file);
    out.extend(flags);
    derive_tls_defaults(&mut out);
    out
}

/// dockerd's defaults that depend on TLS: `tlsverify` given at all turns `tls` on; with `tls`
/// on, `tlsverify` is on unless set, and a daemon given no `hosts` listens on
/// `tcp://localhost:2376` instead of the unix socket.
fn derive_tls_defaults(settings: &mut BTreeMap<String, Sourced>) {
    let set = |s: &BTreeMap<String, Sourced>, key: &str| {
        s.get(key)
            .filter(|v| v.source != DEFAULT_SOURCE)
            .map(|v| (v.value.clone(), v.source.clone()))
    };
    let verify = set(settings, "tlsverify");
    let tls = set(settings, "tls");
    let tls_on = match (&tls, &verify) {
        (Some((Value::Bool(true), _)), _) => true,
        (None, Some((_, source))) => {
            settings.insert(
                "tls".into(),
                Sourced {
                    value: json!(true),
                    source: format!("implied by tlsverify ({source})"),
                },
            );
            true
        }
        _ => false,
    };
    if !tls_on {
        return;
    }
    let because = format!(
        "{DEFAULT_SOURCE} with tls on ({})",
        settings.get("tls").map(|t| t.source.as_str()).unwrap_or("")
    );
    if verify.is_none() {
        settings.insert(
            "tlsverify".into(),
            Sourced {
                value: json!(true),
                source: because.clone(),
            },
        );
    }
    if settings
        .get("hosts")
        .is_none_or(|h| h.source == DEFAULT_SOURCE)
    {
        settings.insert(
            "hosts".into(),
            Sourced {
                value: json!(["tcp://localhost:2376"]),
                source: because,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn flags_map_to_daemon_json_keys() {
        let f = parse_flags(&args(
            "-H unix:///tmp/x.sock --host=tcp://0.0.0.0:2376 --icc=false --live-restore --userns-remap default --config-file /etc/d.json --default-ulimit nofile=100:200 -D",
        ));
        assert_eq!(f.config_file.as_deref(), Some("/etc/d.json"));
        assert_eq!(
            f.settings["hosts"].value,
            json!(["unix:///tmp/x.sock", "tcp://0.0.0.0:2376"])
        );
        assert_eq!(f.settings["icc"].value, json!(false));
        assert_eq!(f.settings["icc"].source, "flag --icc=false");
        assert_eq!(f.settings["live-restore"].value, json!(true));
        assert_eq!(f.settings["userns-remap"].value, json!("default"));
        assert_eq!(
            f.settings["default-ulimits"].value,
            json!({"nofile": "100:200"})
        );
        assert_eq!(f.settings["debug"].value, json!(true));
    }

    #[test]
    fn on_off_flags_read_as_dockerd_reads_them() {
        let f = parse_flags(&args(
            "--tlsverify=0 --iptables=F --no-new-privileges=FALSE --icc=1 --live-restore=t",
        ));
        for (key, on) in [
            ("tlsverify", false),
            ("iptables", false),
            ("no-new-privileges", false),
            ("icc", true),
            ("live-restore", true),
        ] {
            assert_eq!(f.settings[key].value, json!(on), "{key}");
        }
        assert_eq!(f.settings["tlsverify"].source, "flag --tlsverify=0");
    }

    #[test]
    fn a_flag_bollwerk_does_not_model_takes_no_flag_as_its_value() {
        let f = parse_flags(&args(
            "--raw-logs -H tcp://127.0.0.1:2375 --some-future-switch --config-file /d.json --cri-containerd /not-a-value -H unix:///d.sock --some-future-text v1",
        ));
        assert_eq!(
            f.settings["hosts"].value,
            json!(["tcp://127.0.0.1:2375", "unix:///d.sock"])
        );
        assert_eq!(f.config_file.as_deref(), Some("/d.json"));
        assert_eq!(f.settings["raw-logs"].value, json!("true"));
        assert_eq!(f.settings["some-future-switch"].value, json!("true"));
        assert_eq!(f.settings["cri-containerd"].value, json!("true"));
        // An unknown flag with a value still takes it.
        assert_eq!(f.settings["some-future-text"].value, json!("v1"));
    }

    #[test]
    fn daemon_json_records_lines_and_reports_position_of_errors() {
        let text = "{\n  \"bridge\": \"none\",\n  \"icc\": false\n}\n";
        let s = parse_daemon_json("/etc/docker/daemon.json", text).unwrap();
        assert_eq!(s["icc"].source, "/etc/docker/daemon.json:3");
        let err =
            parse_daemon_json("/etc/docker/daemon.json", "{\n  \"icc\": tru e\n}").unwrap_err();
        assert!(err.at.starts_with("/etc/docker/daemon.json:2:"), "{err}");
        let err = err.to_string();
        assert!(err.starts_with("/etc/docker/daemon.json:2:"), "{err}");
        assert!(!err.contains(" at line "), "{err}");
    }

    #[test]
    fn a_key_given_twice_cites_the_line_of_the_value_in_force() {
        let text = "{\n  \"icc\": true,\n  \"log-opts\": {\"icc\": \"x\"},\n  \"labels\": [\"icc\"],\n  \"\\u0069cc\": false\n}\n";
        let s = parse_daemon_json("/etc/docker/daemon.json", text).unwrap();
        assert_eq!(s["icc"].value, json!(false));
        assert_eq!(s["icc"].source, "/etc/docker/daemon.json:5");
        assert_eq!(s["log-opts"].source, "/etc/docker/daemon.json:3");
        let twice = "{\"debug\": true,\n\"debug\": false}";
        let s = parse_daemon_json("f", twice).unwrap();
        assert_eq!(s["debug"].value, json!(false));
        assert_eq!(s["debug"].source, "f:2");
    }

    #[test]
    fn info_overrides_configuration() {
        let mut s = merge(BTreeMap::new(), BTreeMap::new());
        apply_info(
            &mut s,
            &json!({"LiveRestoreEnabled": true, "SecurityOptions": ["name=seccomp,profile=default"]}),
        );
        assert_eq!(s["live-restore"].value, json!(true));
        assert!(s["userns-remap"].value.is_null());
        assert!(s["seccomp-profile"].value.is_null());
    }

    #[test]
    fn settings_info_reports_alike_keep_the_flag_or_file_that_configures_them() {
        let flags = parse_flags(&["--live-restore=false".into(), "--data-root=/srv/d".into()]);
        let file =
            parse_daemon_json("/etc/docker/daemon.json", "{\"storage-driver\": \"vfs\"}").unwrap();
        let mut s = merge(file, flags.settings);
        apply_info(
            &mut s,
            &json!({"LiveRestoreEnabled": false, "DockerRootDir": "/srv/d", "Driver": "vfs"}),
        );
        assert!(
            s["live-restore"].given_as_flag(),
            "{}",
            s["live-restore"].source
        );
        assert!(s["data-root"].given_as_flag(), "{}", s["data-root"].source);
        assert_eq!(s["storage-driver"].source, "/etc/docker/daemon.json:1");
        // In force otherwise (the file edited since), or only at dockerd's default: docker info.
        apply_info(&mut s, &json!({"Driver": "overlay2"}));
        assert_eq!(s["storage-driver"].source, "docker info Driver");
        let mut defaults = merge(BTreeMap::new(), BTreeMap::new());
        apply_info(&mut defaults, &json!({"LiveRestoreEnabled": false}));
        assert_eq!(
            defaults["live-restore"].source,
            "docker info LiveRestoreEnabled"
        );
    }

    #[test]
    fn the_seccomp_profile_in_force_is_the_one_docker_info_names() {
        let file = parse_daemon_json(
            "/etc/docker/daemon.json",
            "{\"seccomp-profile\": \"/etc/docker/new.json\"}",
        )
        .unwrap();
        let with = |profile: &str| {
            let mut s = merge(file.clone(), BTreeMap::new());
            let opt = format!("name=seccomp,profile={profile}");
            apply_info(
                &mut s,
                &json!({ "SecurityOptions": ["name=apparmor", opt] }),
            );
            s["seccomp-profile"].clone()
        };
        // daemon.json edited since dockerd started: the file it read is the one in force.
        let old = with("/etc/docker/old.json");
        assert_eq!(old.value, json!("/etc/docker/old.json"));
        assert!(
            old.source.starts_with("docker info SecurityOptions"),
            "{}",
            old.source
        );
        assert!(old.source.contains("not in force"), "{}", old.source);
        let same = with("/etc/docker/new.json");
        assert_eq!(same.source, "/etc/docker/daemon.json:1");
        assert!(with("default").value.is_null());
        assert_eq!(with("unconfined").value, json!("unconfined"));
    }

    #[test]
    fn debug_and_insecure_registries_in_force_are_dockers_own() {
        let file = parse_daemon_json(
            "/etc/docker/daemon.json",
            "{\"debug\": false, \"insecure-registries\": [\"10.9.0.0/16\", \"myreg:5000\"]}",
        )
        .unwrap();
        let info = |debug: bool, cidrs: Value| {
            json!({"Debug": debug, "RegistryConfig": {
                "InsecureRegistryCIDRs": cidrs,
                "IndexConfigs": {
                    "docker.io": {"Name": "docker.io", "Secure": true, "Official": true},
                    "myreg:5000": {"Name": "myreg:5000", "Secure": false, "Official": false}
                }
            }})
        };
        // Agreeing (dockerd's own loopback ranges aside): the configuration stays the source.
        let mut s = merge(file.clone(), BTreeMap::new());
        apply_info(
            &mut s,
            &info(false, json!(["::1/128", "10.9.0.0/16", "127.0.0.0/8"])),
        );
        assert_eq!(s["debug"].source, "/etc/docker/daemon.json:1");
        assert_eq!(s["insecure-registries"].source, "/etc/docker/daemon.json:1");
        // daemon.json edited since dockerd started: what it runs with wins.
        let edited = parse_daemon_json("/etc/docker/daemon.json", "{}").unwrap();
        let mut s = merge(edited, BTreeMap::new());
        apply_info(&mut s, &info(true, json!(["10.9.0.0/16", "127.0.0.0/8"])));
        assert_eq!(s["debug"].value, json!(true));
        assert_eq!(s["debug"].source, "docker info Debug");
        assert_eq!(
            s["insecure-registries"].value,
            json!(["myreg:5000", "10.9.0.0/16"])
        );
        assert_eq!(
            s["insecure-registries"].source,
            "docker info RegistryConfig"
        );
        let mut s = merge(file, BTreeMap::new());
        apply_info(&mut s, &info(true, json!(["127.0.0.0/8"])));
        assert!(
            s["debug"].source.starts_with(
                "docker info Debug (configured false at /etc/docker/daemon.json:1: not in force"
            ),
            "{}",
            s["debug"].source
        );
        assert_eq!(s["insecure-registries"].value, json!(["myreg:5000"]));

        // Spellings dockerd only tidies (a scheme in front, a range not at its network
        // address) are the configuration in force, not a change since dockerd started.
        let tidied = parse_daemon_json(
            "/etc/docker/daemon.json",
            "{\"insecure-registries\": [\"10.9.1.0/16\", \"HTTP://myreg:5000\"]}",
        )
        .unwrap();
        let mut s = merge(tidied, BTreeMap::new());
        apply_info(&mut s, &info(false, json!(["10.9.0.0/16", "127.0.0.0/8"])));
        assert_eq!(s["insecure-registries"].source, "/etc/docker/daemon.json:1");
    }

    #[test]
    fn tls_on_means_verified_clients_and_tcp_2376_unless_said_otherwise() {
        let file = |text: &str| parse_daemon_json("/etc/docker/daemon.json", text).unwrap();
        // tls alone: clients verified, listening on localhost:2376.
        let s = merge(file("{\"tls\": true}"), BTreeMap::new());
        assert_eq!(s["tlsverify"].value, json!(true));
        assert_eq!(
            s["tlsverify"].source,
            "dockerd default with tls on (/etc/docker/daemon.json:1)"
        );
        assert_eq!(s["hosts"].value, json!(["tcp://localhost:2376"]));
        // tlsverify said off stays off; the default listener is still TCP.
        let s = merge(
            file("{\"tls\": true, \"tlsverify\": false}"),
            BTreeMap::new(),
        );
        assert_eq!(s["tlsverify"].value, json!(false));
        assert_eq!(s["hosts"].value, json!(["tcp://localhost:2376"]));
        // --tlsverify turns tls on; hosts given are kept.
        let s = merge(
            BTreeMap::new(),
            parse_flags(&args("--tlsverify -H unix:///run/d.sock")).settings,
        );
        assert_eq!(s["tls"].value, json!(true));
        assert_eq!(s["hosts"].value, json!(["unix:///run/d.sock"]));
        // No TLS: dockerd's defaults as they are.
        let s = merge(BTreeMap::new(), BTreeMap::new());
        assert_eq!(s["tlsverify"].value, json!(false));
        assert_eq!(s["hosts"].value, json!(["unix:///var/run/docker.sock"]));
    }

    #[test]
    fn registries_read_as_dockerd_keeps_them() {
        for (written, kept) in [
            ("https://myreg:5000", "myreg:5000"),
            ("index.docker.io", "docker.io"),
            ("10.9.1.7/16", "10.9.0.0/16"),
            ("fd00::1/8", "fd00::/8"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("myreg", "myreg"),
        ] {
            assert_eq!(
                registry_as_dockerd_keeps_it(&json!(written)),
                kept,
                "{written}"
            );
        }
    }

    #[test]
    fn the_default_bridge_says_which_icc_is_in_force() {
        let file = parse_daemon_json("/etc/docker/daemon.json", "{\"icc\": false}").unwrap();
        let bridge = |icc: &str| {
            vec![
                json!({"Name": "host", "Driver": "host", "Options": {}}),
                json!({"Name": "bridge", "Driver": "bridge",
                       "Options": {"com.docker.network.bridge.enable_icc": icc}}),
            ]
        };
        // Agreeing: the configuration stays the source.
        let mut s = merge(file.clone(), BTreeMap::new());
        apply_networks(&mut s, &bridge("false"));
        assert_eq!(s["icc"].source, "/etc/docker/daemon.json:1");
        // Edited after dockerd started: the running value wins, and the source says why.
        let mut s = merge(file, BTreeMap::new());
        apply_networks(&mut s, &bridge("true"));
        assert_eq!(s["icc"].value, json!(true));
        assert!(
            s["icc"]
                .source
                .contains("configured false at /etc/docker/daemon.json:1")
                && s["icc"].source.contains("restarts"),
            "{}",
            s["icc"].source
        );
        // No default bridge: nothing to go by.
        let mut s = merge(BTreeMap::new(), BTreeMap::new());
        apply_networks(&mut s, &bridge("false")[..1]);
        assert_eq!(s["icc"].source, "dockerd default");
    }

    #[test]
    fn values_of_a_shape_dockerd_refuses_are_named_with_their_line() {
        let text = "{\"hosts\": \"unix:///srv/api.sock\",\n\"icc\": false,\n\"labels\": [\"a\", 1],\n\"log-opts\": {\"max-file\": 3},\n\"bip\": null,\n\"no-such-key\": 5}\n";
        let parsed = parse_daemon_json("/etc/docker/daemon.json", text).unwrap();
        let found = misshapen(&parsed);
        let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["hosts", "labels", "log-opts"]);
        assert_eq!(
            found[0].1,
            "/etc/docker/daemon.json:1: hosts must be a list of strings, not \"unix:///srv/api.sock\" (dockerd refuses this file, so what runs is not known)"
        );
    }
}
