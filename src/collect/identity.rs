//! Who the host is: name, FQDN, operating system, kernel and network addresses (for report
//! target facts and the ARF asset).

use std::collections::BTreeMap;

use super::hostfs::HostFs;
use crate::snapshot::{HostFacts, Interface};

/// Fills the identity fields of `facts`. Addresses are read from the kernel only when
/// `live` (the host root is `/`); otherwise MAC addresses come from `/sys/class/net`. An
/// `/etc/hostname` that exists but cannot be read is an error in `errors` (fact
/// `host.hostname`), never a name; the live host's kernel still names itself then.
pub fn collect(
    host: &HostFs,
    live: bool,
    facts: &mut HostFacts,
    errors: &mut Vec<(String, String)>,
) {
    let from_file = match host.read_to_string("/etc/hostname") {
        Ok(text) => Some(text.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            errors.push((
                "host.hostname".into(),
                format!("cannot read /etc/hostname: {e}"),
            ));
            None
        }
    };
    facts.hostname = from_file
        .filter(|s| !s.is_empty())
        .or_else(|| {
            live.then(|| {
                nix::unistd::gethostname()
                    .ok()
                    .map(|h| h.to_string_lossy().into_owned())
            })
            .flatten()
        })
        .unwrap_or_default();
    facts.fqdn = fqdn(host, &facts.hostname);
    facts.machine = host
        .read_to_string("/etc/machine-id")
        .ok()
        .and_then(|id| machine(&id));
    facts.os = host.read_to_string("/etc/os-release").ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim().trim_matches('"').to_string())
    });
    facts.kernel = host
        .read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    facts.interfaces = interfaces(host, live);
}

/// [`HostFacts::machine`] of the text of /etc/machine-id: a digest made for bollwerk, so the
/// id itself stays private (as systemd's `sd_id128_get_machine_app_specific` does). `None`
/// for an empty file (a machine whose id is made at first boot).
pub fn machine(machine_id: &str) -> Option<String> {
    let id = machine_id.trim();
    if id.is_empty() {
        return None;
    }
    Some(crate::digest::sha256_hex(
        [&b"bollwerk machine\0"[..], id.as_bytes()],
        8,
    ))
}

fn fqdn(host: &HostFs, hostname: &str) -> Option<String> {
    if hostname.contains('.') {
        return Some(hostname.to_string());
    }
    let short = hostname.split('.').next()?;
    host.read_to_string("/etc/hosts")
        .ok()?
        .lines()
        .find_map(|l| {
            let names: Vec<&str> = l.split('#').next()?.split_whitespace().skip(1).collect();
            if names.contains(&short) {
                names
                    .iter()
                    .find(|n| n.contains('.') && n.starts_with(short))
                    .map(|n| n.to_string())
            } else {
                None
            }
        })
}

fn interfaces(host: &HostFs, live: bool) -> Vec<Interface> {
    let mut by_name: BTreeMap<String, Interface> = BTreeMap::new();
    for name in host.list_dir("/sys/class/net").unwrap_or_default() {
        if name == "lo" {
            continue;
        }
        let mac = host
            .read_to_string(&format!("/sys/class/net/{name}/address"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|m| m.len() == 17 && m != "00:00:00:00:00:00");
        by_name.insert(
            name.clone(),
            Interface {
                name,
                mac,
                addresses: Vec::new(),
            },
        );
    }
    if live {
        if let Ok(addrs) = nix::ifaddrs::getifaddrs() {
            for a in addrs {
                if a.interface_name == "lo" {
                    continue;
                }
                let Some(addr) = a.address else { continue };
                let ip = if let Some(v4) = addr.as_sockaddr_in() {
                    v4.ip().to_string()
                } else if let Some(v6) = addr.as_sockaddr_in6() {
                    v6.ip().to_string()
                } else {
                    continue;
                };
                by_name
                    .entry(a.interface_name.clone())
                    .or_insert_with(|| Interface {
                        name: a.interface_name.clone(),
                        ..Default::default()
                    })
                    .addresses
                    .push(ip);
            }
        }
    }
    by_name.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_is_named_by_a_digest_that_keeps_its_id_private() {
        let id = "5f2a0e3c9d8b4a7e8f1c2b3a4d5e6f70";
        let named = machine(&format!("{id}\n")).unwrap();
        assert_eq!(named.len(), 16);
        assert!(named.chars().all(|c| c.is_ascii_hexdigit()), "{named}");
        assert!(!id.contains(&named));
        // The same machine is named the same on every scan; another differently.
        assert_eq!(machine(id), Some(named.clone()));
        assert_ne!(machine("5f2a0e3c9d8b4a7e8f1c2b3a4d5e6f71"), Some(named));
        // A machine whose id is made at first boot has none yet.
        assert_eq!(machine("\n"), None);
    }
}
