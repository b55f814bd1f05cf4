//! A container's security options told apart: those chosen for it, and those Docker adds by
//! itself.
//!
//! Docker Engine appends `label=disable` to HostConfig.SecurityOpt when a container shares
//! the host's process or IPC namespace or is privileged (moby `daemon.generateSecurityOpt`;
//! seen on 20.10.24 with SELinux off as well), and it does not repeat an entry already there.
//! A user who wrote `label=disable` beside `--pid host` therefore looks the same as one who did
//! not; either way the cause is the shared namespace or `--privileged`, which other rules judge.

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

/// HostConfig.SecurityOpt of `host_config`, split into what was chosen and what Docker added.
pub fn of_host_config(host_config: Option<Node<'_>>) -> SecurityOptFacts {
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
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn split(host_config: serde_json::Value) -> SecurityOptFacts {
        let doc = crate::doc::Doc::from(&host_config);
        of_host_config(Some(doc.root()))
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
