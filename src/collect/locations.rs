//! Named locations: where a binary, unit, socket or config file really is on this host.
//!
//! Rules write `{bin:dockerd}` instead of `/usr/bin/dockerd`; collection resolves each
//! placeholder by searching the host, and records what it looked at.

use std::collections::BTreeMap;

use serde_json::Value;

use super::hostfs::HostFs;
pub use crate::facts::placeholder::LOCATION_KINDS;
use crate::snapshot::Sourced;

/// systemd's unit search path, highest priority first.
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Facts that locations depend on.
pub struct LocationInputs<'a> {
    /// The daemon's effective settings.
    pub settings: &'a BTreeMap<String, Sourced>,
    /// The daemon.json in effect.
    pub config_file: &'a str,
    /// The socket path bollwerk talks to, when it is a unix socket.
    pub client_socket: Option<&'a str>,
    /// The dockerd executable (`/proc/PID/exe`), when known.
    pub dockerd_exe: Option<&'a str>,
}

/// Resolves `name` (`bin:dockerd`): the path found (or `None`) and the candidates looked at.
pub fn resolve(
    host: &HostFs,
    name: &str,
    inputs: &LocationInputs,
) -> (Option<String>, Vec<String>) {
    let (kind, what) = name.split_once(':').unwrap_or((name, ""));
    let candidates: Vec<String> = match kind {
        "bin" => {
            let mut c = Vec::new();
            if what == "dockerd" {
                c.extend(inputs.dockerd_exe.map(str::to_string));
            }
            let path = format!("{}:{DEFAULT_PATH}", host_path(host));
            c.extend(
                path.split(':')
                    .filter(|d| d.starts_with('/'))
                    .map(|d| format!("{}/{what}", d.trim_end_matches('/'))),
            );
            c
        }
        "unit" => UNIT_DIRS.iter().map(|d| format!("{d}/{what}")).collect(),
        "socket" if what == "docker" => {
            let mut c: Vec<String> = inputs
                .client_socket
                .map(str::to_string)
                .into_iter()
                .collect();
            if let Some(Value::Array(hosts)) = inputs.settings.get("hosts").map(|s| &s.value) {
                c.extend(
                    hosts
                        .iter()
                        .filter_map(Value::as_str)
                        .filter_map(|h| h.strip_prefix("unix://"))
                        .map(str::to_string),
                );
            }
            c.push("/var/run/docker.sock".into());
            c.push("/run/docker.sock".into());
            c
        }
        "socket" if what == "containerd" => {
            let mut c: Vec<String> = inputs
                .settings
                .get("containerd")
                .and_then(|s| s.value.as_str())
                .map(str::to_string)
                .into_iter()
                .collect();
            c.push("/run/containerd/containerd.sock".into());
            // A containerd that dockerd starts itself lives under its exec root.
            if let Some(exec_root) = inputs
                .settings
                .get("exec-root")
                .and_then(|s| s.value.as_str())
            {
                c.push(format!(
                    "{}/containerd/containerd.sock",
                    exec_root.trim_end_matches('/')
                ));
            }
            c.push("/run/docker/containerd/containerd.sock".into());
            c
        }
        "config" if what == "daemon.json" => vec![inputs.config_file.to_string()],
        "config" if what == "containerd" => vec!["/etc/containerd/config.toml".into()],
        "setting" => inputs
            .settings
            .get(what)
            .and_then(|s| s.value.as_str())
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .into_iter()
            .collect(),
        "dir" if what == "docker-root" => {
            let root = inputs
                .settings
                .get("data-root")
                .and_then(|s| s.value.as_str());
            vec![root.unwrap_or("/var/lib/docker").to_string()]
        }
        _ => Vec::new(),
    };
    let mut seen = Vec::new();
    for c in candidates {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let found = seen.iter().find(|c| host.present(c)).cloned();
    (found, seen)
}

/// The host's PATH: pid 1's environment, else `/etc/environment`, else the usual default.
fn host_path(host: &HostFs) -> String {
    if let Ok(env) = host.read("/proc/1/environ") {
        for var in env.split(|&b| b == 0) {
            if let Some(p) = var.strip_prefix(b"PATH=") {
                return String::from_utf8_lossy(p).into_owned();
            }
        }
    }
    if let Ok(text) = host.read_to_string("/etc/environment") {
        for line in text.lines() {
            if let Some(p) = line.trim().strip_prefix("PATH=") {
                return p.trim_matches('"').to_string();
            }
        }
    }
    DEFAULT_PATH.to_string()
}
