//! Named locations: where a binary, unit, socket or config file really is on this host.
//!
//! Rules write `{bin:dockerd}` instead of `/usr/bin/dockerd`; collection resolves each
//! placeholder by searching the host, and records what it looked at.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

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

/// The daemon's effective settings as locating reads them: each setting read, for its value
/// or for whether it is known, is remembered with what it was ([`Settings::consulted`]), so
/// that settings that change later and that locating never read do not make it read again.
pub struct Settings<'a> {
    values: &'a BTreeMap<String, Sourced>,
    /// Settings whose value is not known here, with why (a flag may set them, daemon.json
    /// changed after dockerd started); under `""`, why none is known (another host's daemon).
    unknown: &'a BTreeMap<String, String>,
    consulted: RefCell<BTreeSet<String>>,
}

impl<'a> Settings<'a> {
    /// The settings `values`, those of `unknown` not known ([`unknown_settings`]).
    pub fn new(
        values: &'a BTreeMap<String, Sourced>,
        unknown: &'a BTreeMap<String, String>,
    ) -> Settings<'a> {
        Settings {
            values,
            unknown,
            consulted: RefCell::default(),
        }
    }

    /// Setting `key`, as far as it is set.
    pub fn get(&self, key: &str) -> Option<&'a Sourced> {
        self.consulted.borrow_mut().insert(key.to_string());
        self.values.get(key)
    }

    /// Why setting `key` is not known, when it is not ([`setting_unknown`]).
    pub fn unknown(&self, key: &str) -> Option<&'a str> {
        self.consulted.borrow_mut().insert(key.to_string());
        setting_unknown(self.values, self.unknown, key)
    }

    /// The path setting `key` holds, when it is a non-empty string.
    fn named_path(&self, key: &str) -> Option<&'a str> {
        self.get(key)
            .and_then(|s| s.value.as_str())
            .filter(|p| !p.is_empty())
    }

    /// Whether `key` is on (`true`).
    fn on(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|s| s.value == serde_json::json!(true))
    }

    /// Every setting read so far, with what it was.
    pub fn consulted(&self) -> Consulted {
        let read = self.consulted.borrow();
        Consulted(
            read.iter()
                .map(|key| {
                    let value = self.values.get(key).cloned();
                    let why = setting_unknown(self.values, self.unknown, key).map(str::to_string);
                    (key.clone(), (value, why))
                })
                .collect(),
        )
    }
}

/// The settings a reading of the host consulted ([`Settings::consulted`]): each with its value
/// then and why it was not known then, when it was not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Consulted(BTreeMap<String, (Option<Sourced>, Option<String>)>);

impl Consulted {
    /// Whether settings `values`, with those of `unknown` not known, give every consulted
    /// setting as it was: then reading again with them would read the same places. Settings
    /// never consulted may have changed.
    pub fn hold_in(
        &self,
        values: &BTreeMap<String, Sourced>,
        unknown: &BTreeMap<String, String>,
    ) -> bool {
        self.0.iter().all(|(key, (value, why))| {
            values.get(key) == value.as_ref()
                && setting_unknown(values, unknown, key) == why.as_deref()
        })
    }
}

/// Facts that locations depend on.
pub struct LocationInputs<'a> {
    /// The daemon's effective settings, and which of them are not known.
    pub settings: &'a Settings<'a>,
    /// The daemon.json in effect.
    pub config_file: &'a str,
    /// The socket path bollwerk talks to, when it is a unix socket.
    pub client_socket: Option<&'a str>,
    /// The dockerd executable (`/proc/PID/exe`), when known.
    pub dockerd_exe: Option<&'a str>,
    /// Where dockerd looks for the TLS files no setting names ([`default_tls_dir`]).
    pub tls_dir: &'a str,
    /// Why dockerd's environment could not be read, when it could not: [`Self::tls_dir`] rests
    /// on it.
    pub environ_unread: Option<&'a str>,
    /// The host's PATH, where `bin:` places are looked for ([`host_path`], read once for all
    /// of them).
    pub host_path: &'a str,
    /// Why dockerd's `/proc/PID/exe` could not be read, when it could not for another reason
    /// than the process having ended: then `bin:dockerd` not found is not known absent.
    pub dockerd_exe_unread: Option<&'a str>,
    /// Why pid 1's environment could not be read ([`host_path`]): then the PATH searched may
    /// not be the host's, and a `bin:` place not found is not known absent.
    pub host_path_unread: Option<&'a str>,
}

/// Why the place `name` stands for is not known on this host, when it is not: a `setting:`
/// place rests on the setting that names it, and a TLS file that no setting names on the
/// settings that make dockerd read one and on dockerd's environment ([`default_tls_dir`]).
/// Then neither the file found nor "not set" is what dockerd uses, and rules on it cannot
/// pass or be "not applicable".
pub fn unknown(name: &str, inputs: &LocationInputs) -> Option<String> {
    let unknown = |k: &str| inputs.settings.unknown(k);
    if name == "dir:docker-root" {
        return unknown("data-root").map(|why| {
            format!("{{{name}}} is not known: it is dockerd's data-root setting, which is not known: {why}")
        });
    }
    if name == "socket:docker" {
        // Its further places are the unix sockets of the `hosts` setting ([`further`]).
        return unknown("hosts").map(|why| {
            format!("{{{name}}} is not known in full: the sockets dockerd listens on are its hosts setting, which is not known: {why}")
        });
    }
    let key = name.strip_prefix("setting:")?;
    if let Some(why) = unknown(key) {
        return Some(format!("{{{name}}} is not known: {why}"));
    }
    if inputs.settings.named_path(key).is_some() {
        return None;
    }
    let (gate, _) = tls_default(key)?;
    if inputs.settings.on(gate) {
        return inputs.environ_unread.map(|why| {
            format!(
                "{{{name}}} is not known: no setting names it, so dockerd reads it from {} unless its environment (DOCKER_CERT_PATH, DOCKER_CONFIG, HOME) names another folder, and that could not be read: {why}",
                inputs.tls_dir
            )
        });
    }
    unknown(gate).map(|why| {
        format!("{{{name}}} is not known: whether dockerd reads a {key} file rests on its {gate} setting, which is not known: {why}")
    })
}

/// Why daemon setting `key` is not known, when it is not: the collection could not tell it
/// (`unknown_settings`, see [`Settings::new`]) and no flag of dockerd gave
/// it. Then neither its value nor dockerd's default may stand in for it.
pub fn setting_unknown<'u>(
    settings: &BTreeMap<String, Sourced>,
    unknown_settings: &'u BTreeMap<String, String>,
    key: &str,
) -> Option<&'u str> {
    let from_flag = settings.get(key).is_some_and(Sourced::given_as_flag);
    let why = unknown_settings.get(key);
    why.or_else(|| unknown_settings.get(""))
        .filter(|_| !from_flag)
        .map(String::as_str)
}

/// The settings whose value is not known, from the collection's errors (`daemon.settings.KEY`,
/// or `daemon.settings` for all of them), for [`Settings::new`].
pub fn unknown_settings<'e>(
    errors: impl IntoIterator<Item = (&'e str, &'e str)>,
) -> BTreeMap<String, String> {
    errors
        .into_iter()
        .filter_map(|(fact, message)| {
            let key = match fact.strip_prefix("daemon.settings") {
                Some("") => "",
                Some(rest) => rest.strip_prefix('.')?,
                None => return None,
            };
            Some((key.to_string(), message.to_string()))
        })
        .collect()
}

/// The folder where dockerd with environment `environ` (`/proc/PID/environ`, NUL-separated
/// `NAME=value`; `None` when unknown), running as user `uid`, reads `ca.pem`, `cert.pem` and
/// `key.pem` when TLS is on and no setting names them: `DOCKER_CERT_PATH`, else
/// `DOCKER_CONFIG`, else the `~/.docker` of its user (root's `/root/.docker`).
pub fn default_tls_dir(environ: Option<&[u8]>, uid: u32) -> String {
    let env = |name: &str| {
        super::rootless::env_var(environ?, name)
            .filter(|v| !v.is_empty())
            .map(|v| v.trim_end_matches('/').to_string())
    };
    env("DOCKER_CERT_PATH")
        .or_else(|| env("DOCKER_CONFIG"))
        .or_else(|| {
            (uid != 0)
                .then(|| env("HOME").map(|h| format!("{h}/.docker")))
                .flatten()
        })
        .unwrap_or_else(|| "/root/.docker".into())
}

/// For a TLS file setting, the setting that makes dockerd read a file no setting names, and
/// that file's name in [`default_tls_dir`]: the CA certificate only to verify clients.
fn tls_default(key: &str) -> Option<(&'static str, &'static str)> {
    match key {
        "tlscacert" => Some(("tlsverify", "ca.pem")),
        "tlscert" => Some(("tls", "cert.pem")),
        "tlskey" => Some(("tls", "key.pem")),
        _ => None,
    }
}

/// Where a location name leads on the host ([`resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The first candidate that is there, if any.
    pub found: Option<String>,
    /// Every candidate, in the order looked at.
    pub searched: Vec<String>,
    /// Why the place is not known although it was looked for: a candidate ahead of `found`
    /// (any candidate, when none was found) could not be looked at, or, for a `bin:` place
    /// not found, what would have shown where to look (dockerd's binary, the host's PATH)
    /// could not be read. Then "not found" is not "absent".
    pub doubt: Option<String>,
}

/// Resolves `name` (`bin:dockerd`): the path found, the candidates looked at, and a
/// candidate that could not be looked at.
pub fn resolve(host: &HostFs, name: &str, inputs: &LocationInputs) -> Resolved {
    let (kind, what) = name.split_once(':').unwrap_or((name, ""));
    let mut seen = Vec::new();
    for c in candidates(kind, what, inputs) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let (mut found, mut doubt) = (None, None);
    for c in &seen {
        let present = match kind {
            "unit" => unit_at(host, c).map(|at| at.is_some()),
            _ => host.presence(c),
        };
        match present {
            Ok(true) => {
                found = Some(c.clone());
                break;
            }
            Ok(false) => {}
            Err(e) => {
                doubt.get_or_insert_with(|| format!("{c}: {e}"));
            }
        }
    }
    // A binary is the file that runs: a link on the PATH (`/usr/bin/runc` → the real runc)
    // is not what an audit watch must be on, nor what the remediation should name.
    if kind == "bin" {
        if let Some(Ok(Some(real))) = found.as_deref().map(|f| host.resolved(f)) {
            found = Some(real);
        }
    }
    if found.is_none() && doubt.is_none() && kind == "bin" {
        let exe = inputs.dockerd_exe_unread.filter(|_| what == "dockerd");
        doubt = exe
            .or(inputs.host_path_unread)
            .map(|why| format!("{why} (and it is at none of the places looked at)"));
    }
    Resolved {
        found,
        searched: seen,
        doubt,
    }
}

/// What is at a unit's path in one of systemd's unit folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitAt {
    /// A unit file (or what a link leads to).
    File,
    /// A mask: a link that leads to `/dev/null`. systemd stops its search there and loads
    /// nothing, neither the unit nor its drop-ins.
    Mask,
}

/// What is at host path `path` of a unit: `None` when nothing is there
/// ([`HostFs::presence`]). A mask, as `systemctl mask` makes it (or a relative link, or a
/// chain of links, made by hand), is told by following its links inside the root as far as
/// they lead: in a tree without /dev too (an offline copy of a host's files), where the last
/// link names a path that is not there.
pub fn unit_at(host: &HostFs, path: &str) -> std::io::Result<Option<UnitAt>> {
    if matches!(host.resolved(path), Ok(Some(target)) if target == "/dev/null") {
        return Ok(Some(UnitAt::Mask));
    }
    Ok(host.presence(path)?.then_some(UnitAt::File))
}

/// Where a place of `kind` (`bin`, `unit`, …) named `what` may be, in the order looked at
/// (the table in checks/README.md's "Placeholders").
fn candidates(kind: &str, what: &str, inputs: &LocationInputs) -> Vec<String> {
    match kind {
        "bin" => {
            let mut c = Vec::new();
            if what == "dockerd" {
                c.extend(inputs.dockerd_exe.map(str::to_string));
            }
            let path = format!("{}:{DEFAULT_PATH}", inputs.host_path);
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
        "setting" => match (inputs.settings.named_path(what), tls_default(what)) {
            (Some(path), _) => vec![path.to_string()],
            (None, Some((gate, file))) if inputs.settings.on(gate) => {
                vec![format!("{}/{file}", inputs.tls_dir)]
            }
            _ => Vec::new(),
        },
        "dir" if what == "docker-root" => {
            let root = inputs
                .settings
                .get("data-root")
                .and_then(|s| s.value.as_str());
            vec![root.unwrap_or("/var/lib/docker").to_string()]
        }
        _ => Vec::new(),
    }
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

/// The host's PATH: pid 1's environment, else `/etc/environment`, else the usual default;
/// and why pid 1's environment could not be read, when it is there but could not be (then
/// the PATH searched may not be the host's: a binary not found on it is not known absent).
pub fn host_path(host: &HostFs) -> (String, Option<String>) {
    let unread = match host.read("/proc/1/environ") {
        Ok(env) => {
            for var in env.split(|&b| b == 0) {
                if let Some(p) = var.strip_prefix(b"PATH=") {
                    return (String::from_utf8_lossy(p).into_owned(), None);
                }
            }
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(format!("/proc/1/environ: {e}")),
    };
    (host_path_of_files(host), unread)
}

/// The host's PATH where pid 1's environment does not give it.
fn host_path_of_files(host: &HostFs) -> String {
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
    use serde_json::json;

    /// What locating reads of a daemon with `settings` and nothing else known: dockerd's
    /// defaults, the default PATH, root's TLS folder, everything it reads read.
    fn inputs<'a>(settings: &'a Settings<'a>) -> LocationInputs<'a> {
        LocationInputs {
            settings,
            config_file: "/etc/docker/daemon.json",
            client_socket: None,
            dockerd_exe: None,
            tls_dir: "/root/.docker",
            environ_unread: None,
            host_path: DEFAULT_PATH,
            dockerd_exe_unread: None,
            host_path_unread: None,
        }
    }

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
        let none = BTreeMap::new();
        let read = Settings::new(&settings, &none);
        let inputs = LocationInputs {
            client_socket: Some("/run/docker.sock"),
            ..inputs(&read)
        };
        let host = HostFs::new(root.path());
        let found = resolve(&host, "socket:docker", &inputs).found;
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
        let read = Settings::new(&settings, &none);
        let inputs = LocationInputs {
            settings: &read,
            ..inputs
        };
        assert_eq!(
            further(&host, "socket:docker", &inputs, found.as_deref()),
            Some(vec!["/srv/file/api.sock".to_string()])
        );
    }

    #[test]
    fn a_binary_not_found_is_in_doubt_when_where_to_look_could_not_be_read() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("usr/bin")).unwrap();
        std::fs::write(root.path().join("usr/bin/runc"), b"").unwrap();
        let host = HostFs::new(root.path());
        let (settings, none) = (BTreeMap::new(), BTreeMap::new());
        let read = Settings::new(&settings, &none);
        let plain = LocationInputs {
            host_path: "/usr/bin",
            ..inputs(&read)
        };
        // Where to look was read: not found is absent.
        let r = resolve(&host, "bin:dockerd", &plain);
        assert_eq!((r.found, r.doubt), (None, None));
        // dockerd's binary could not be read: only dockerd is in doubt.
        let exe_unread = LocationInputs {
            dockerd_exe_unread: Some("/proc/7/exe: Permission denied"),
            ..plain
        };
        let why = resolve(&host, "bin:dockerd", &exe_unread).doubt.unwrap();
        assert!(why.starts_with("/proc/7/exe: Permission denied"), "{why}");
        assert_eq!(resolve(&host, "bin:containerd", &exe_unread).doubt, None);
        // The host's PATH could not be read: every binary not found is in doubt, one found
        // is not.
        let path_unread = LocationInputs {
            host_path_unread: Some("/proc/1/environ: Permission denied"),
            ..plain
        };
        let why = resolve(&host, "bin:containerd", &path_unread)
            .doubt
            .unwrap();
        assert!(why.contains("/proc/1/environ"), "{why}");
        let runc = resolve(&host, "bin:runc", &path_unread);
        assert_eq!(runc.found.as_deref(), Some("/usr/bin/runc"));
        assert_eq!(runc.doubt, None);
    }

    #[test]
    fn a_unit_masked_by_a_link_to_dev_null_is_found_in_a_tree_without_dev() {
        let root = tempfile::tempdir().unwrap();
        let at = |p: &str| root.path().join(p.trim_start_matches('/'));
        for dir in UNIT_DIRS {
            std::fs::create_dir_all(at(dir)).unwrap();
        }
        for unit in [
            "docker.service",
            "docker.socket",
            "containerd.service",
            "containerd.socket",
            "chained.service",
        ] {
            std::fs::write(at(&format!("/lib/systemd/system/{unit}")), "[Unit]\n").unwrap();
        }
        // `systemctl mask`, in /etc and in /run; no /dev in the tree, so the links dangle.
        let mask = |path: &str| std::os::unix::fs::symlink("/dev/null", at(path)).unwrap();
        mask("/etc/systemd/system/docker.service");
        mask("/run/systemd/system/docker.socket");
        // Masks made by hand: a relative link, and a chain of links.
        std::os::unix::fs::symlink(
            "../../../dev/null",
            at("/etc/systemd/system/containerd.socket"),
        )
        .unwrap();
        std::os::unix::fs::symlink("/dev/null", at("/etc/mask")).unwrap();
        std::os::unix::fs::symlink("/etc/mask", at("/run/systemd/system/chained.service")).unwrap();
        // A link to another file that is not there is no mask: it is passed over.
        std::os::unix::fs::symlink("/nowhere", at("/etc/systemd/system/containerd.service"))
            .unwrap();
        assert!(!at("/dev").exists());
        let host = HostFs::new(root.path());
        let (settings, none) = (BTreeMap::new(), BTreeMap::new());
        let read = Settings::new(&settings, &none);
        let inputs = inputs(&read);
        let found = |name: &str| resolve(&host, name, &inputs).found;
        for (name, mask) in [
            ("unit:docker.service", "/etc/systemd/system/docker.service"),
            ("unit:docker.socket", "/run/systemd/system/docker.socket"),
            (
                "unit:containerd.socket",
                "/etc/systemd/system/containerd.socket",
            ),
            (
                "unit:chained.service",
                "/run/systemd/system/chained.service",
            ),
        ] {
            assert_eq!(found(name).as_deref(), Some(mask), "{name}");
            // Its facts say what the unit templates test for a mask (3.1-3.4).
            let facts = host.stat(mask).unwrap();
            assert_eq!(facts.resolved.as_deref(), Some("/dev/null"), "{name}");
            assert_eq!(
                facts.kind, None,
                "{name}: a link that leads nowhere has no kind"
            );
        }
        assert_eq!(
            found("unit:containerd.service").as_deref(),
            Some("/lib/systemd/system/containerd.service")
        );
    }

    /// Settings as daemon.json would give them.
    fn from_daemon_json(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, Sourced> {
        pairs
            .iter()
            .map(|(k, v)| {
                let s = Sourced {
                    value: v.clone(),
                    source: "/etc/docker/daemon.json:1".into(),
                };
                (k.to_string(), s)
            })
            .collect()
    }

    #[test]
    fn what_was_located_stands_unless_a_setting_it_consulted_changed() {
        let settings =
            from_daemon_json(&[("data-root", json!("/srv/docker")), ("icc", json!(true))]);
        let unknown = unknown_settings([
            ("daemon.settings.hosts", "a flag may set hosts"),
            ("daemon.settings.icc", "a flag may set icc"),
        ]);
        let read = Settings::new(&settings, &unknown);
        assert_eq!(read.get("data-root").unwrap().value, json!("/srv/docker"));
        assert_eq!(read.unknown("hosts"), Some("a flag may set hosts"));
        // A setting looked at that is not set is consulted too: being set later moves places.
        assert!(read.get("exec-root").is_none());
        let consulted = read.consulted();
        assert!(consulted.hold_in(&settings, &unknown));
        // icc, never consulted, told by the daemon (known now) with another value: stands.
        let mut told = settings.clone();
        told.insert(
            "icc".into(),
            Sourced {
                value: json!(false),
                source: "docker network inspect bridge".into(),
            },
        );
        let mut told_unknown = unknown.clone();
        told_unknown.remove("icc");
        assert!(consulted.hold_in(&told, &told_unknown));
        // A consulted setting with another value, or the same from another source: read again.
        let mut moved = settings.clone();
        moved.get_mut("data-root").unwrap().value = json!("/var/lib/docker");
        assert!(!consulted.hold_in(&moved, &unknown));
        let mut resourced = settings.clone();
        resourced.get_mut("data-root").unwrap().source = "docker info DockerRootDir".into();
        assert!(!consulted.hold_in(&resourced, &unknown));
        // Set where it was not.
        let mut set = settings.clone();
        set.insert(
            "exec-root".into(),
            Sourced {
                value: json!("/srv/exec"),
                source: "docker info".into(),
            },
        );
        assert!(!consulted.hold_in(&set, &unknown));
        // Known where it was not, unknown where it was known, or unknown for another reason.
        let mut hosts_known = unknown.clone();
        hosts_known.remove("hosts");
        assert!(!consulted.hold_in(&settings, &hosts_known));
        let mut root_unknown = unknown.clone();
        root_unknown.insert("data-root".into(), "changed after dockerd started".into());
        assert!(!consulted.hold_in(&settings, &root_unknown));
        let mut hosts_why = unknown.clone();
        hosts_why.insert("hosts".into(), "another reason".into());
        assert!(!consulted.hold_in(&settings, &hosts_why));
        let none_known = unknown_settings([("daemon.settings", "another host's daemon")]);
        assert!(!consulted.hold_in(&settings, &none_known));
        // Nothing consulted: nothing to change.
        let nothing = Settings::new(&settings, &unknown).consulted();
        assert!(nothing.hold_in(&BTreeMap::new(), &none_known));
    }

    #[test]
    fn tls_files_no_setting_names_are_dockerd_s_defaults() {
        assert_eq!(default_tls_dir(None, 0), "/root/.docker");
        let env = b"PATH=/bin\0DOCKER_CERT_PATH=/etc/docker/tls/\0HOME=/root\0";
        assert_eq!(default_tls_dir(Some(env), 0), "/etc/docker/tls");
        assert_eq!(
            default_tls_dir(Some(b"HOME=/home/ci\0"), 1000),
            "/home/ci/.docker"
        );
        assert_eq!(default_tls_dir(Some(b"HOME=/root\0"), 0), "/root/.docker");

        let root = tempfile::tempdir().unwrap();
        let host = HostFs::new(root.path());
        let on = from_daemon_json;
        let searched = |settings: &BTreeMap<String, Sourced>, name: &str| {
            let none = BTreeMap::new();
            let read = Settings::new(settings, &none);
            let inputs = LocationInputs {
                tls_dir: "/etc/docker/tls",
                ..inputs(&read)
            };
            resolve(&host, name, &inputs).searched
        };
        let verifying = on(&[("tls", json!(true)), ("tlsverify", json!(true))]);
        assert_eq!(
            searched(&verifying, "setting:tlscacert"),
            ["/etc/docker/tls/ca.pem"]
        );
        assert_eq!(
            searched(&verifying, "setting:tlskey"),
            ["/etc/docker/tls/key.pem"]
        );
        // Not verifying clients: no CA certificate; no TLS: no file at all.
        let tls_only = on(&[("tls", json!(true)), ("tlsverify", json!(false))]);
        assert!(searched(&tls_only, "setting:tlscacert").is_empty());
        assert_eq!(
            searched(&tls_only, "setting:tlscert"),
            ["/etc/docker/tls/cert.pem"]
        );
        assert!(searched(&on(&[]), "setting:tlscert").is_empty());
        // A file a setting names is that file.
        let named = on(&[("tls", json!(true)), ("tlskey", json!("/srv/k.pem"))]);
        assert_eq!(searched(&named, "setting:tlskey"), ["/srv/k.pem"]);
    }

    #[test]
    fn a_tls_file_resting_on_unknown_settings_or_environment_is_unknown() {
        let settings = from_daemon_json;
        let flags_unread = unknown_settings([
            ("daemon.settings.tlscacert", "a flag may set tlscacert"),
            ("daemon.settings.tlsverify", "a flag may set tlsverify"),
            ("host.files", "not a setting"),
        ]);
        assert_eq!(flags_unread.len(), 2);
        let why = |settings: &BTreeMap<String, Sourced>,
                   settings_unknown: &BTreeMap<String, String>,
                   environ: Option<&str>,
                   name: &str| {
            let read = Settings::new(settings, settings_unknown);
            let inputs = LocationInputs {
                environ_unread: environ,
                ..inputs(&read)
            };
            unknown(name, &inputs)
        };
        let none = BTreeMap::new();
        let plain = settings(&[]);
        // The setting itself unknown.
        let w = why(&plain, &flags_unread, None, "setting:tlscacert").unwrap();
        assert!(w.contains("a flag may set tlscacert"), "{w}");
        // Not named, and the setting that would make dockerd read the default unknown.
        let w = why(&plain, &flags_unread, None, "setting:tlskey");
        assert_eq!(w, None, "tls is known here (only tlsverify is not)");
        let tls_unknown = unknown_settings([("daemon.settings.tls", "a flag may set tls")]);
        let w = why(&plain, &tls_unknown, None, "setting:tlskey").unwrap();
        assert!(
            w.contains("rests on its tls setting") && w.contains("a flag may set tls"),
            "{w}"
        );
        // The default file in use, the environment that could move it unread.
        let verifying = settings(&[("tls", json!(true)), ("tlsverify", json!(true))]);
        let w = why(
            &verifying,
            &none,
            Some("permission denied"),
            "setting:tlscacert",
        )
        .unwrap();
        assert!(
            w.contains("/root/.docker") && w.contains("permission denied"),
            "{w}"
        );
        assert_eq!(why(&verifying, &none, None, "setting:tlscacert"), None);
        // A file named in daemon.json is known though the environment is not.
        let named = settings(&[("tls", json!(true)), ("tlskey", json!("/srv/k.pem"))]);
        assert_eq!(why(&named, &none, Some("gone"), "setting:tlskey"), None);
        // No setting is known (another host's daemon), and other kinds of place.
        let all = unknown_settings([("daemon.settings", "another host's daemon")]);
        assert!(why(&named, &all, None, "setting:tlskey").is_some());
        assert_eq!(why(&plain, &all, None, "bin:dockerd"), None);
        // The Docker socket's further places are the hosts setting's.
        let hosts_unknown = unknown_settings([("daemon.settings.hosts", "a flag may set hosts")]);
        let w = why(&plain, &hosts_unknown, None, "socket:docker").unwrap();
        assert!(
            w.contains("hosts setting") && w.contains("a flag may set hosts"),
            "{w}"
        );
        assert!(why(&plain, &all, None, "socket:docker").is_some());
        assert_eq!(why(&plain, &flags_unread, None, "socket:docker"), None);
        // Given on dockerd's command line, a setting is known whatever daemon.json holds.
        let mut flagged = plain.clone();
        flagged.insert(
            "hosts".into(),
            Sourced {
                value: json!(["unix:///srv/d.sock"]),
                source: "flag --host=unix:///srv/d.sock".into(),
            },
        );
        let malformed = unknown_settings([("daemon.settings", "daemon.json:3:21: malformed")]);
        assert_eq!(why(&flagged, &malformed, None, "socket:docker"), None);
        assert!(why(&plain, &malformed, None, "socket:docker").is_some());
    }
}
