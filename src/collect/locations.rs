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

/// The places beside `found` that `name` stands for, for the names that may stand for several:
/// `socket:docker` is every unix socket dockerd listens on (its `hosts`, and the socket
/// bollwerk talks to) that exists here. `None` for every other name. A path that is `found`,
/// or another listed one, under another spelling (`/var/run` → `/run`) is left out.
pub fn further(
    host: &HostFs,
    name: &str,
    inputs: &LocationInputs,
    found: Option<&str>,
) -> Option<Vec<String>> {
    if name != "socket:docker" {
        return None;
    }
    let hosts = match inputs.settings.get("hosts").map(|s| &s.value) {
        Some(Value::Array(hosts)) => hosts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let listening = inputs.client_socket.into_iter().chain(
        hosts
            .into_iter()
            .filter_map(|h| h.trim().strip_prefix("unix://")),
    );
    let real = |p: &str| host.canonical(p).unwrap_or_else(|| p.to_string());
    let mut seen: Vec<String> = found.map(real).into_iter().collect();
    let mut places = Vec::new();
    for path in listening {
        // A socket that is not there is no place; one that cannot be looked at is, and its
        // stat (with the files) records why, so the rules that ask are errors, not passes.
        if !path.starts_with('/') || matches!(host.stat(path), Ok(f) if !f.exists) {
            continue;
        }
        let identity = real(path);
        if !seen.contains(&identity) {
            seen.push(identity);
            places.push(path.to_string());
        }
    }
    Some(places)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Sourced;

    #[test]
    fn every_further_socket_dockerd_listens_on_is_a_place_of_its_own() {
        let root = tempfile::tempdir().unwrap();
        let at = |p: &str| root.path().join(p.trim_start_matches('/'));
        for dir in ["/run", "/srv", "/var"] {
            std::fs::create_dir_all(at(dir)).unwrap();
        }
        for file in ["/run/docker.sock", "/srv/api.sock"] {
            std::fs::write(at(file), b"").unwrap();
        }
        // /var/run is /run: its docker.sock is the same file, not a further place.
        std::os::unix::fs::symlink("/run", at("/var/run")).unwrap();
        let settings = BTreeMap::from([(
            "hosts".to_string(),
            Sourced {
                value: serde_json::json!([
                    "unix:///var/run/docker.sock",
                    " unix:///srv/api.sock",
                    "unix:///gone.sock",
                    "tcp://127.0.0.1:2376",
                ]),
                source: "flag -H".into(),
            },
        )]);
        let inputs = LocationInputs {
            settings: &settings,
            config_file: "/etc/docker/daemon.json",
            client_socket: Some("/run/docker.sock"),
            dockerd_exe: None,
        };
        let host = HostFs::new(root.path());
        let (found, _) = resolve(&host, "socket:docker", &inputs);
        assert_eq!(found.as_deref(), Some("/run/docker.sock"));
        assert_eq!(
            further(&host, "socket:docker", &inputs, found.as_deref()),
            Some(vec!["/srv/api.sock".to_string()])
        );
        assert_eq!(further(&host, "bin:dockerd", &inputs, None), None);

        // A socket whose path cannot be looked at (here a file stands where a folder should;
        // for a scanner that is not root, a folder it may not enter) is still a place, so
        // that its stat error reaches the rules.
        std::fs::write(at("/srv/file"), b"").unwrap();
        let settings = BTreeMap::from([(
            "hosts".to_string(),
            Sourced {
                value: serde_json::json!(["unix:///srv/file/api.sock"]),
                source: "flag -H".into(),
            },
        )]);
        let inputs = LocationInputs {
            settings: &settings,
            ..inputs
        };
        assert_eq!(
            further(&host, "socket:docker", &inputs, found.as_deref()),
            Some(vec!["/srv/file/api.sock".to_string()])
        );
    }
}
