//! A container's security options told apart: those chosen for it, and those Docker adds by
//! itself.
//!
//! Docker Engine appends `label=disable` to HostConfig.SecurityOpt when a container shares
//! the host's process or IPC namespace or is privileged (moby `daemon.generateSecurityOpt`;
//! seen on 20.10.24 with SELinux off as well), and it does not repeat an entry already there.
//! A user who wrote `label=disable` beside `--pid host` therefore looks the same as one who did
//! not; either way the cause is the shared namespace or `--privileged`, which other rules judge.
//!
//! The Docker client reads the file of `--security-opt seccomp=profile.json` and sends its
//! content, which the daemon keeps as `seccomp={…}`. A profile that lets every call through
//! leaves the container as unconfined as `seccomp=unconfined` does, though the kernel shows a
//! filter: so the profile is read too.

use crate::doc::Node;
use crate::snapshot::SecurityOptFacts;

/// The settings that make Docker add `label=disable`, as the command line spells them.
fn label_disabling_setting(host_config: Node<'_>) -> Option<&'static str> {
    let mode = |key: &str| host_config.get(key).and_then(|m| m.as_str()) == Some("host");
    if host_config.get("Privileged").and_then(|p| p.as_bool()) == Some(true) {
        Some("--privileged")
    } else if mode("PidMode") {
        Some("--pid host")
    } else if mode("IpcMode") {
        Some("--ipc host")
    } else {
        None
    }
}

/// The seccomp actions that let a call through: `SCMP_ACT_LOG` only logs it.
const LETTING_THROUGH: [&str; 2] = ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"];

/// Whether seccomp `profile` (Docker's JSON format) lets every system call through: its
/// `defaultAction` lets calls through and none of its `syscalls` rules takes another action.
/// An error says what makes the profile unreadable (dockerd refuses such a profile when the
/// container starts).
pub fn lets_every_call_through(profile: &str) -> Result<bool, String> {
    let profile: serde_json::Value = serde_json::from_str(profile)
        .map_err(|e| format!("its seccomp profile is not JSON: {e}"))?;
    // Whether the action under `key` lets calls through; `what` names the part for the error.
    let lets_through = |v: &serde_json::Value, key: &str, what: &str| -> Result<bool, String> {
        match v.get(key) {
            Some(serde_json::Value::String(a)) => Ok(LETTING_THROUGH.contains(&a.as_str())),
            _ => Err(format!(
                "its seccomp profile has {what} without a text {key}"
            )),
        }
    };
    if !lets_through(&profile, "defaultAction", "a top level")? {
        return Ok(false);
    }
    let rules = match profile.get("syscalls") {
        None | Some(serde_json::Value::Null) => return Ok(true),
        Some(serde_json::Value::Array(rules)) => rules,
        Some(_) => return Err("its seccomp profile's syscalls is not a list".into()),
    };
    for rule in rules {
        if !lets_through(rule, "action", "a syscalls rule")? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The seccomp profile an option carries (`seccomp={…}` or `seccomp:{…}`), when it carries
/// one: not `unconfined` (judged by its name) nor `builtin` (Docker's default).
fn seccomp_profile(option: &str) -> Option<&str> {
    let value = option
        .strip_prefix("seccomp=")
        .or_else(|| option.strip_prefix("seccomp:"))?;
    value.trim_start().starts_with('{').then_some(value)
}

/// HostConfig.SecurityOpt of `host_config`, split into what was chosen and what Docker added,
/// and whether a seccomp profile chosen lets every call through; with why not, when a profile
/// cannot be read (that fact is then unknown).
pub fn of_host_config(host_config: Option<Node<'_>>) -> (SecurityOptFacts, Option<String>) {
    let options: Vec<String> = host_config
        .and_then(|h| h.get("SecurityOpt"))
        .map(|list| {
            list.elements()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let cause = host_config.and_then(label_disabling_setting);
    let mut facts = SecurityOptFacts::default();
    for opt in options {
        match cause {
            // Docker's own entry is the exact `label=disable`; the user's `label:disable` stays
            // theirs, as Docker appended its own beside it.
            Some(cause) if opt == "label=disable" && facts.label_disabled_by.is_none() => {
                facts
                    .added_by_docker
                    .push(format!("{opt} (added by Docker because of {cause})"));
                facts.label_disabled_by = Some(cause.to_string());
            }
            _ => facts.chosen.push(opt),
        }
    }
    let mut unreadable = None;
    for profile in facts.chosen.iter().filter_map(|o| seccomp_profile(o)) {
        match lets_every_call_through(profile) {
            Ok(all) => facts.seccomp_allows_every_call |= all,
            Err(why) => unreadable = Some(format!("HostConfig.SecurityOpt: {why}")),
        }
    }
    (facts, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split(host_config: serde_json::Value) -> SecurityOptFacts {
        let doc = crate::doc::Doc::from(&host_config);
        of_host_config(Some(doc.root())).0
    }

    #[test]
    fn a_profile_that_refuses_nothing_lets_every_call_through() {
        let allows = |p: &str| lets_every_call_through(p);
        assert_eq!(
            allows(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}"#),
            Ok(true)
        );
        assert_eq!(allows(r#"{"defaultAction":"SCMP_ACT_LOG"}"#), Ok(true));
        assert_eq!(
            allows(
                r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_LOG"}]}"#
            ),
            Ok(true)
        );
        // A deny list still refuses something; an allow list refuses what it does not name.
        assert_eq!(
            allows(
                r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}"#
            ),
            Ok(false)
        );
        assert_eq!(
            allows(
                r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}"#
            ),
            Ok(false)
        );
        assert!(allows("{not json").unwrap_err().contains("not JSON"));
        assert!(allows(r#"{"syscalls":[]}"#).is_err());
        assert!(
            allows(r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"]}]}"#).is_err()
        );
    }

    #[test]
    fn a_chosen_allow_all_profile_is_found_in_either_spelling() {
        let allow_all = r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}"#;
        assert!(split(json!({"SecurityOpt": [allow_all]})).seccomp_allows_every_call);
        let colon = allow_all.replacen('=', ":", 1);
        assert!(split(json!({"SecurityOpt": [colon]})).seccomp_allows_every_call);
        let deny = r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}"#;
        assert!(!split(json!({"SecurityOpt": [deny]})).seccomp_allows_every_call);
        for named in ["seccomp=unconfined", "seccomp=builtin", "no-new-privileges"] {
            assert!(!split(json!({"SecurityOpt": [named]})).seccomp_allows_every_call);
        }
        let doc = crate::doc::Doc::from(&json!({"SecurityOpt": ["seccomp={oops"]}));
        let (_, why) = of_host_config(Some(doc.root()));
        assert!(why
            .unwrap()
            .starts_with("HostConfig.SecurityOpt: its seccomp profile is not JSON"));
    }

    #[test]
    fn label_disable_that_docker_adds_is_told_apart() {
        let pid_host = split(
            json!({"PidMode": "host", "SecurityOpt": ["no-new-privileges", "label=disable"]}),
        );
        assert_eq!(pid_host.chosen, vec!["no-new-privileges"]);
        assert_eq!(pid_host.label_disabled_by.as_deref(), Some("--pid host"));
        assert_eq!(
            pid_host.added_by_docker,
            vec!["label=disable (added by Docker because of --pid host)"]
        );
        let privileged = split(json!({"Privileged": true, "SecurityOpt": ["label=disable"]}));
        assert_eq!(
            privileged.label_disabled_by.as_deref(),
            Some("--privileged")
        );
        let ipc = split(json!({"IpcMode": "host", "SecurityOpt": ["label=disable"]}));
        assert_eq!(ipc.label_disabled_by.as_deref(), Some("--ipc host"));
    }

    #[test]
    fn a_users_own_label_disable_stays_theirs() {
        let own = split(json!({"PidMode": "private", "SecurityOpt": ["label=disable"]}));
        assert_eq!(own.chosen, vec!["label=disable"]);
        assert!(own.added_by_docker.is_empty() && own.label_disabled_by.is_none());
        // Docker appends its `label=disable` after the user's older spelling.
        let both =
            split(json!({"PidMode": "host", "SecurityOpt": ["label:disable", "label=disable"]}));
        assert_eq!(both.chosen, vec!["label:disable"]);
        assert_eq!(both.label_disabled_by.as_deref(), Some("--pid host"));
        assert!(split(json!({})).chosen.is_empty());
    }
}
