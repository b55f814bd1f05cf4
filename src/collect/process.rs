//! Finding the dockerd process behind the socket bollwerk talks to.
//!
//! Several daemons may run on one host; the right one is the one whose `-H`/`hosts` names the
//! socket (or TCP port) in use, not the first dockerd in `/proc`.

use super::daemon_config::{parse_daemon_json, parse_flags};
use super::hostfs::{read_pseudo, read_pseudo_string, HostFs};
use crate::snapshot::DaemonProcess;

/// The dockerd serving `docker_host`, or why none was found.
pub fn find_dockerd(host: &HostFs, docker_host: &str) -> Result<DaemonProcess, String> {
    let entries = host
        .list_dir("/proc")
        .map_err(|e| format!("cannot list /proc: {e}"))?;
    let mut candidates = Vec::new();
    for name in entries {
        let Ok(pid) = name.parse::<u32>() else {
            continue;
        };
        let Ok(raw) = read_pseudo(host.resolve_proc(&format!("/proc/{pid}/cmdline"))) else {
            continue;
        };
        let cmdline: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_dockerd = cmdline
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some("dockerd"));
        if is_dockerd {
            let uid = read_pseudo_string(host.resolve_proc(&format!("/proc/{pid}/status")))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|v| v.split_whitespace().nth(1).and_then(|u| u.parse().ok()))
                });
            candidates.push(DaemonProcess {
                uid,
                pid,
                cmdline,
                found_by: String::new(),
            });
        }
    }
    if candidates.is_empty() {
        return Err("no dockerd process found in /proc".into());
    }
    let target = normalise(host, docker_host);
    for mut c in candidates.clone() {
        let hosts = listen_addresses(host, &c.cmdline);
        if hosts.iter().any(|h| normalise(host, h) == target) {
            c.found_by = format!("/proc scan: dockerd pid {} listens on {docker_host}", c.pid);
            return Ok(c);
        }
    }
    // No dockerd serves a unix socket that does not exist: do not borrow another daemon's
    // settings then.
    if let Some(path) = docker_host.strip_prefix("unix://") {
        if !host.present(path) {
            return Err(format!(
                "{path} does not exist, so no dockerd listens there"
            ));
        }
    }
    if candidates.len() == 1 {
        let mut c = candidates.remove(0);
        c.found_by = format!(
            "/proc scan: the only dockerd (pid {}); its listen addresses do not name {docker_host}",
            c.pid
        );
        return Ok(c);
    }
    Err(format!(
        "{} dockerd processes found, none listening on {docker_host} (pids {})",
        candidates.len(),
        candidates
            .iter()
            .map(|c| c.pid.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The `-H` addresses of a dockerd command line, or its daemon.json `hosts`, or the default.
fn listen_addresses(host: &HostFs, cmdline: &[String]) -> Vec<String> {
    let flags = parse_flags(cmdline.get(1..).unwrap_or(&[]));
    let from = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(h) = flags.settings.get("hosts") {
        return from(&h.value);
    }
    let file = flags
        .config_file
        .unwrap_or_else(|| "/etc/docker/daemon.json".into());
    if let Ok(text) = host.read_to_string(&file) {
        if let Ok(s) = parse_daemon_json(&file, &text) {
            if let Some(h) = s.get("hosts") {
                return from(&h.value);
            }
        }
    }
    vec!["unix:///var/run/docker.sock".into(), "fd://".into()]
}

/// Comparable form of an address: a unix socket's resolved path, or `tcp:PORT`.
fn normalise(host: &HostFs, addr: &str) -> String {
    if addr == "fd://" || addr.starts_with("fd://") {
        // Socket activation: systemd's docker.socket listens on the default path.
        return normalise(host, "unix:///var/run/docker.sock");
    }
    if let Some(path) = addr.strip_prefix("unix://") {
        let real = host.resolve(path);
        return format!("unix:{}", real.display());
    }
    let rest = addr.split("://").nth(1).unwrap_or(addr);
    let port = rest
        .rsplit(':')
        .next()
        .unwrap_or("2375")
        .trim_end_matches('/');
    format!("tcp:{port}")
}
