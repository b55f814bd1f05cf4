//! The capabilities a container holds, and how they compare with Docker's default set.
//!
//! A running container's first process says what the kernel granted (`/proc/PID/status`); a
//! container that does not run is worked out from its settings the way Docker applies them.
//! The capability names and Docker's default set are data: `checks/data/linux-capabilities.toml`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::doc::Node;
use crate::snapshot::{CapabilityFacts, ContainerFacts, ProcessCapabilities};

/// The capability data, embedded.
pub const DATA: &str = include_str!("../../checks/data/linux-capabilities.toml");

/// `checks/data/linux-capabilities.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    /// Capability names in the kernel's bit order.
    kernel: Vec<String>,
    /// Where the default set comes from.
    docker_default_from: String,
    /// Docker's default set.
    docker_default: Vec<String>,
}

fn data() -> &'static Data {
    static DATA_PARSED: OnceLock<Data> = OnceLock::new();
    DATA_PARSED.get_or_init(|| {
        // Embedded at build time and parsed by a unit test: it cannot fail at run time.
        toml::from_str(DATA).expect("checks/data/linux-capabilities.toml parses")
    })
}

/// A capability name as Docker and the kernel spell it, in one form: upper case, no `CAP_`.
pub fn normalise(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

/// Every capability the kernel knows, in bit order.
pub fn all() -> &'static [String] {
    &data().kernel
}

/// Docker's default set.
pub fn docker_default() -> &'static [String] {
    &data().docker_default
}

/// The names of the bits set in `mask` (a CapEff/CapBnd value), in bit order; a bit beyond
/// the known names is given as its number.
pub fn names_of(mask: u64) -> Vec<String> {
    (0..64)
        .filter(|bit| mask & (1u64 << bit) != 0)
        .map(|bit| all().get(bit).cloned().unwrap_or_else(|| bit.to_string()))
        .collect()
}

/// Why a `/proc/PID/status` text gave no capability sets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatusError {
    /// The line for a set is missing.
    #[error("no {key} line")]
    NoLine {
        /// `CapEff` or `CapBnd`.
        key: &'static str,
    },
    /// The line does not hold a hexadecimal mask.
    #[error("{key} is not a hexadecimal mask: {line}")]
    NotAMask {
        /// `CapEff` or `CapBnd`.
        key: &'static str,
        /// What the line holds.
        line: String,
    },
}

/// Why a container's capabilities are not known: its running process's sets could not be
/// read (the error recorded for `runtime.capabilities`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{why}")]
pub struct CapabilitiesUnknown {
    /// The container's name.
    pub container: String,
    /// Why, as recorded.
    pub why: String,
}

/// CapEff and CapBnd of a `/proc/PID/status` text.
pub fn from_status(status: &str) -> Result<ProcessCapabilities, StatusError> {
    let mask = |key: &'static str| -> Result<u64, StatusError> {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .ok_or(StatusError::NoLine { key })?;
        u64::from_str_radix(line.trim_start_matches(':').trim(), 16).map_err(|_| {
            StatusError::NotAMask {
                key,
                line: line.trim().to_string(),
            }
        })
    };
    Ok(ProcessCapabilities {
        effective: names_of(mask("CapEff")?),
        bounding: names_of(mask("CapBnd")?),
    })
}

/// What a container with these HostConfig settings holds, as Docker grants it: everything
/// when privileged; the explicit `Capabilities` list when set; otherwise the default set (none
/// of it after `CapDrop` ALL) without `CapDrop`, plus `CapAdd` (ALL adds every capability).
pub fn from_host_config(host_config: Option<Node<'_>>) -> Vec<String> {
    let field = |key: &str| -> Option<Vec<String>> {
        let list = host_config?.get(key)?;
        list.is_array().then(|| {
            list.elements()
                .filter_map(|n| n.as_str().map(normalise))
                .collect()
        })
    };
    let privileged = host_config
        .and_then(|h| h.get("Privileged"))
        .and_then(|p| p.as_bool())
        .unwrap_or(false);
    if privileged {
        return all().to_vec();
    }
    if let Some(explicit) = field("Capabilities").filter(|c| !c.is_empty()) {
        return in_kernel_order(explicit);
    }
    let (add, drop) = (
        field("CapAdd").unwrap_or_default(),
        field("CapDrop").unwrap_or_default(),
    );
    let mut held: Vec<String> = if add.iter().any(|c| c == "ALL") {
        all().to_vec()
    } else if drop.iter().any(|c| c == "ALL") {
        Vec::new()
    } else {
        docker_default().to_vec()
    };
    held.retain(|c| !drop.contains(c) || add.contains(c));
    held.extend(add.into_iter().filter(|c| c != "ALL"));
    in_kernel_order(held)
}

/// `caps` without repeats, in the kernel's order (unknown names last, as written).
fn in_kernel_order(mut caps: Vec<String>) -> Vec<String> {
    let rank = |c: &String| all().iter().position(|k| k == c).unwrap_or(usize::MAX);
    caps.sort_by_key(rank);
    caps.dedup();
    caps
}

/// What container `c` holds and what of it lies beyond Docker's default set: when it runs, its
/// first process's bounding set and what its settings give every process `docker exec` starts
/// in it (the first process may have dropped some from its own bounding set; the container
/// still holds them); else from its settings. An error when it runs but its capability sets
/// could not be read.
pub fn of_container(c: &ContainerFacts) -> Result<CapabilityFacts, CapabilitiesUnknown> {
    if let Some(e) = c.errors.get("runtime.capabilities") {
        return Err(CapabilitiesUnknown {
            container: c.name.clone(),
            why: e.clone(),
        });
    }
    let read = c
        .runtime
        .as_ref()
        .and_then(|r| Some((r.pid, r.capabilities.as_ref()?)));
    let (held, source) = match read {
        Some((pid, process)) => {
            let mut held = process.bounding.clone();
            let configured = from_host_config(c.inspect.pointer("/HostConfig"));
            let beyond: Vec<String> = configured
                .into_iter()
                .filter(|cap| !held.contains(cap))
                .collect();
            let source = if beyond.is_empty() {
                format!("/proc/{pid}/status CapBnd of container {}", c.name)
            } else {
                format!(
                    "/proc/{pid}/status CapBnd of container {}, and {} from docker inspect {} (Privileged, CapAdd, CapDrop): what docker exec gives",
                    c.name,
                    beyond.join(", "),
                    c.name
                )
            };
            held.extend(beyond);
            (in_kernel_order(held), source)
        }
        // Not running (or a snapshot made before bollwerk read the sets).
        None => (
            from_host_config(c.inspect.pointer("/HostConfig")),
            format!(
                "docker inspect {}: Privileged, Capabilities, CapDrop, CapAdd applied to Docker's default set ({})",
                c.name,
                data().docker_default_from
            ),
        ),
    };
    let added_beyond_default = held
        .iter()
        .filter(|c| !docker_default().contains(c))
        .cloned()
        .collect();
    Ok(CapabilityFacts {
        held,
        added_beyond_default,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn computed(host_config: serde_json::Value) -> Vec<String> {
        let doc = crate::doc::Doc::from(&host_config);
        from_host_config(Some(doc.root()))
    }

    #[test]
    fn the_data_parses_and_names_the_default_set_in_the_kernel_list() {
        assert_eq!(all().len(), 41);
        assert_eq!(docker_default().len(), 14);
        assert!(docker_default().iter().all(|c| all().contains(c)));
    }

    #[test]
    fn a_default_containers_bounding_set_is_dockers_default() {
        // CapBnd of a default container on Docker Engine 20.10.24.
        let mut seen = names_of(0xa80425fb);
        let mut default = docker_default().to_vec();
        seen.sort();
        default.sort();
        assert_eq!(seen, default);
        assert_eq!(names_of(1 << 21 | 1 << 45), vec!["SYS_ADMIN", "45"]);
    }

    #[test]
    fn a_running_container_holds_what_docker_exec_gives_though_its_first_process_dropped_it() {
        // Its entrypoint dropped SYS_ADMIN from its own bounding set; `docker exec` still gives
        // it to every process it starts.
        let default = docker_default_sorted();
        let container = |cap_add: serde_json::Value| -> ContainerFacts {
            serde_json::from_value(serde_json::json!({
                "id": "c1", "name": "capdrop",
                "inspect": {"State": {"Running": true, "Pid": 7}, "HostConfig": {"CapAdd": cap_add}},
                "runtime": {"pid": 7, "namespaces": {},
                            "capabilities": {"effective": [], "bounding": default}},
            }))
            .expect("a container's facts")
        };
        let facts = of_container(&container(serde_json::json!(["CAP_SYS_ADMIN"]))).unwrap();
        assert_eq!(facts.added_beyond_default, ["SYS_ADMIN"]);
        assert!(facts.held.contains(&"SYS_ADMIN".to_string()));
        assert_eq!(
            facts.source,
            "/proc/7/status CapBnd of container capdrop, and SYS_ADMIN from docker inspect capdrop (Privileged, CapAdd, CapDrop): what docker exec gives"
        );
        // Nothing beyond its bounding set: the kernel's word alone.
        let facts = of_container(&container(serde_json::json!(null))).unwrap();
        assert!(facts.added_beyond_default.is_empty());
        assert_eq!(facts.source, "/proc/7/status CapBnd of container capdrop");
    }

    #[test]
    fn status_masks_are_read() {
        let status = "Name:\tsleep\nCapInh:\t0000000000000000\nCapEff:\t0000000000000400\nCapBnd:\t0000000000200400\n";
        let caps = from_status(status).unwrap();
        assert_eq!(caps.effective, vec!["NET_BIND_SERVICE"]);
        assert_eq!(caps.bounding, vec!["NET_BIND_SERVICE", "SYS_ADMIN"]);
        assert!(from_status("CapEff:\tzz\nCapBnd:\t0\n").is_err());
        assert!(from_status("Name:\tx\n").is_err());
    }

    #[test]
    fn settings_are_applied_the_way_docker_applies_them() {
        assert_eq!(computed(json!({})), docker_default_sorted());
        assert_eq!(
            computed(json!({"CapDrop": ["ALL"], "CapAdd": ["CAP_NET_BIND_SERVICE"]})),
            vec!["NET_BIND_SERVICE"]
        );
        assert_eq!(
            computed(json!({"CapDrop": ["all"], "CapAdd": ["sys_admin"]})),
            vec!["SYS_ADMIN"]
        );
        let added = computed(json!({"CapAdd": ["NET_ADMIN"], "CapDrop": ["MKNOD"]}));
        assert!(added.contains(&"NET_ADMIN".to_string()) && !added.contains(&"MKNOD".to_string()));
        assert_eq!(computed(json!({"Privileged": true})).len(), 41);
        assert_eq!(
            computed(json!({"CapAdd": ["ALL"], "CapDrop": ["SYS_ADMIN"]})).len(),
            40
        );
        assert_eq!(
            computed(json!({"Capabilities": ["CAP_KILL", "CAP_CHOWN"]})),
            vec!["CHOWN", "KILL"]
        );
    }

    fn docker_default_sorted() -> Vec<String> {
        in_kernel_order(docker_default().to_vec())
    }
}
