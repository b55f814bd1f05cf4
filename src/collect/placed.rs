//! Host facts that the daemon's settings locate: named places (`{bin:dockerd}`,
//! `{config:daemon.json}`, the sockets), the files and trees the rules name through them, the
//! groups whose members reach the daemon, the Docker root's mount and the daemon-wide seccomp
//! profile. Read after dockerd's settings are known, and read again when `/info` or the
//! networks change one of the settings they were read with ([`LocatedWith`],
//! [`super::Collection::assemble`]).

use std::collections::BTreeMap;

use super::hostfs::HostFs;
use super::rootless::{self, DaemonEnvironment};
use super::{daemon_config, groups, locations, mounts, security_opt, CollectOptions};
use crate::facts::placeholder::{placeholders_in, substitute};
use crate::facts::plan::Plan;
use crate::snapshot::{DaemonFacts, HostFacts, SeccompProfileFacts, DAEMON_SOCKET_LOCATIONS};

/// Host facts located through the daemon's settings, with their errors split around those of
/// the host's basics so that the snapshot lists errors in one fixed order.
pub(super) struct Placed {
    pub(super) facts: HostFacts,
    /// (fact path, message) of places, files and trees: listed before the basics' errors.
    pub(super) before: Vec<(String, String)>,
    /// (fact path, message) of groups, the root mount and the seccomp profile: after them.
    pub(super) after: Vec<(String, String)>,
    /// What of the daemon they were read with.
    pub(super) located_with: LocatedWith,
}

/// What of the daemon the located facts were read with: its process (pid and uid),
/// daemon.json's path and the settings consulted ([`locations::Settings::consulted`]). Read
/// again with a daemon that gives each of them the same, they would be the same facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct LocatedWith {
    process: Option<(u32, Option<u32>)>,
    config_file: Option<String>,
    settings: locations::Consulted,
}

impl LocatedWith {
    /// What of `daemon` was read, the settings read being `settings`.
    fn of(daemon: &DaemonFacts, settings: &locations::Settings) -> LocatedWith {
        LocatedWith {
            process: process_of(daemon),
            config_file: daemon.config_file.clone(),
            settings: settings.consulted(),
        }
    }

    /// Whether `daemon`, with the settings of `unknown` not known, gives dockerd's process,
    /// daemon.json's path and every consulted setting as they were (settings never consulted
    /// may differ): then what was located stands.
    pub(super) fn holds_for(
        &self,
        daemon: &DaemonFacts,
        unknown: &BTreeMap<String, String>,
    ) -> bool {
        self.process == process_of(daemon)
            && self.config_file == daemon.config_file
            && self.settings.hold_in(&daemon.settings, unknown)
    }
}

/// The pid and uid of `daemon`'s process, when it was found.
fn process_of(daemon: &DaemonFacts) -> Option<(u32, Option<u32>)> {
    daemon.process.as_ref().map(|p| (p.pid, p.uid))
}

/// What locating reads beside the host: the daemon as far as it is known, and why some of its
/// settings are not.
pub(super) struct DaemonView<'a> {
    /// Its process, settings and daemon.json. Its settings are read through a
    /// [`locations::Settings`] only, so that [`LocatedWith`] holds every one consulted.
    pub(super) daemon: &'a DaemonFacts,
    /// Settings the collection could not tell, with why ([`locations::unknown_settings`]).
    pub(super) unknown_settings: &'a BTreeMap<String, String>,
    /// dockerd's environment, read once per collection.
    pub(super) environment: &'a DaemonEnvironment,
}

/// Host facts found through the daemon's process and settings: named locations, files,
/// trees, the docker group and the sockets' groups, the Docker root mount and the seccomp
/// profile.
pub(super) fn read_host_placed(
    host: &HostFs,
    opts: &CollectOptions,
    plan: &Plan,
    view: &DaemonView,
) -> Placed {
    let mut placed = Placed {
        facts: HostFacts::default(),
        before: Vec::new(),
        after: Vec::new(),
        located_with: LocatedWith::default(),
    };
    let settings = locations::Settings::new(&view.daemon.settings, view.unknown_settings);
    placed.locate(host, opts, plan, view, &settings);
    placed.read_files_and_trees(host, plan);
    placed.read_groups(host, &settings);
    placed.read_root_and_seccomp(host, &settings);
    placed.located_with = LocatedWith::of(view.daemon, &settings);
    placed
}

impl Placed {
    /// Resolves every place the plan names (and the places of its files' placeholders).
    fn locate(
        &mut self,
        host: &HostFs,
        opts: &CollectOptions,
        plan: &Plan,
        view: &DaemonView,
        settings: &locations::Settings,
    ) {
        let daemon = view.daemon;
        let socket = opts.endpoint.socket_path();
        let config_file = daemon.config_file.clone().unwrap_or_else(|| {
            rootless::default_config_file(host, daemon.process.as_ref(), socket, view.environment)
        });
        // Where dockerd's binary is, from its process; why that could not be read, when it
        // could not for another reason than the process having ended.
        let (exe, exe_unread) = match &daemon.process {
            Some(p) => match host.read_link(&format!("/proc/{}/exe", p.pid)) {
                Ok(target) => (Some(target.to_string_lossy().into_owned()), None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, None),
                Err(e) => (None, Some(format!("/proc/{}/exe: {e}", p.pid))),
            },
            None => (None, None),
        };
        let uid = daemon.process.as_ref().and_then(|p| p.uid).unwrap_or(0);
        let tls_dir = locations::default_tls_dir(view.environment.bytes(), uid);
        let (host_path, path_unread) = locations::host_path(host);
        let inputs = locations::LocationInputs {
            settings,
            config_file: &config_file,
            client_socket: socket,
            dockerd_exe: exe.as_deref(),
            tls_dir: &tls_dir,
            environ_unread: view.environment.unread(),
            host_path: &host_path,
            dockerd_exe_unread: exe_unread.as_deref(),
            host_path_unread: path_unread.as_deref(),
        };
        let mut wanted = plan.locations.clone();
        for f in &plan.files {
            wanted.extend(placeholders_in(f));
        }
        for name in wanted {
            // Resolved all the same: the search shows where the default would be.
            if let Some(why) = locations::unknown(&name, &inputs) {
                self.before
                    .push((format!("host.locations[\"{name}\"]"), why));
            }
            let locations::Resolved {
                found,
                searched,
                doubt,
            } = locations::resolve(host, &name, &inputs);
            if let Some(why) = doubt {
                // A place ahead of the one found (or of none) could not be looked at, or where
                // to look could not be read: which file the rules should judge is not known.
                self.before.push((
                    format!("host.locations[\"{name}\"]"),
                    format!("where {{{name}}} is could not be told: {why}"),
                ));
            }
            if let Some(places) = locations::further(host, &name, &inputs, found.as_deref()) {
                self.facts.further_locations.insert(name.clone(), places);
            }
            self.facts.locations.insert(name.clone(), found);
            self.facts.searched.insert(name, searched);
        }
    }

    /// Stats the plan's files at every place their placeholders stand for, and lists every
    /// entry below its trees.
    fn read_files_and_trees(&mut self, host: &HostFs, plan: &Plan) {
        for template in &plan.files {
            for path in placed_paths(template, &self.facts) {
                match host.stat(&path) {
                    Ok(f) => {
                        if let Some(why) = host.owner_in_doubt(&f) {
                            self.before
                                .push((format!("host.files[\"{path}\"].owner"), why));
                        }
                        self.facts.files.insert(path, f);
                    }
                    Err(e) => self
                        .before
                        .push((format!("host.files[\"{path}\"]"), e.to_string())),
                }
            }
        }
        for template in &plan.trees {
            let located = |n: &str| self.facts.locations.get(n).cloned().flatten();
            let Ok(dir) = substitute(template, located) else {
                continue;
            };
            match host.tree(&dir) {
                Ok(entries) => {
                    // An entry's owner not known spoils the tree's facts: its items carry no
                    // errors of their own.
                    let doubt = entries
                        .iter()
                        .flatten()
                        .find_map(|(p, f)| host.owner_in_doubt(f).map(|why| format!("{p}: {why}")));
                    if let Some(why) = doubt {
                        self.before.push((format!("host.trees[\"{dir}\"]"), why));
                    }
                    self.facts.trees.insert(dir, entries);
                }
                Err(e) => self
                    .before
                    .push((format!("host.trees[\"{dir}\"]"), e.to_string())),
            }
        }
    }

    /// The docker group (dockerd's `group` setting names it), and the groups of the daemon's
    /// sockets, which may differ from it (`-H fd://` beside a socket of dockerd's own;
    /// containerd's socket). `/etc/group` and `/etc/passwd` are those the host read once for
    /// the owners' names ([`HostFs::accounts`]).
    fn read_groups(&mut self, host: &HostFs, settings: &locations::Settings) {
        let accounts = groups::Accounts::of(host);
        let facts = &mut self.facts;
        if DAEMON_SOCKET_LOCATIONS
            .iter()
            .all(|name| facts.locations.contains_key(*name))
        {
            facts.derive_daemon_sockets();
            match accounts.of_sockets(host, &facts.daemon_sockets) {
                Ok(g) => facts.socket_groups = Some(g),
                Err(e) => self
                    .after
                    .push(("host.socket_groups".into(), e.to_string())),
            }
        }
        // dockerd's default group stands only where the setting is known to be unset.
        if let Some(why) = settings.unknown("group") {
            self.after.push((
                "host.docker_group".into(),
                format!("the docker group is dockerd's group setting, which is not known: {why}"),
            ));
            return;
        }
        let group = settings
            .get("group")
            .and_then(|s| s.value.as_str())
            .unwrap_or("docker");
        match accounts.group(group) {
            Ok(g) => self.facts.docker_group = g,
            Err(e) => self.after.push(("host.docker_group".into(), e.to_string())),
        }
    }

    /// The mount the Docker root lies on, and the daemon-wide seccomp profile.
    fn read_root_and_seccomp(&mut self, host: &HostFs, settings: &locations::Settings) {
        self.read_root(host, settings);
        if let Some(why) = settings.unknown("seccomp-profile") {
            self.after.push((
                "host.seccomp_profile".into(),
                format!("the daemon-wide seccomp profile is dockerd's seccomp-profile setting, which is not known: {why}"),
            ));
            return;
        }
        let profile = settings
            .get("seccomp-profile")
            .and_then(|s| s.value.as_str());
        match profile.map(|p| seccomp_profile(host, p)) {
            Some(Ok(read)) => self.facts.seccomp_profile = read,
            Some(Err(e)) => self.after.push(("host.seccomp_profile".into(), e)),
            None => {}
        }
    }

    /// The mount the Docker root lies on.
    fn read_root(&mut self, host: &HostFs, settings: &locations::Settings) {
        // dockerd's default root stands only where the setting is known to be unset.
        if let Some(why) = settings.unknown("data-root") {
            self.after.push((
                "host.docker_root".into(),
                format!(
                    "the Docker root is dockerd's data-root setting, which is not known: {why}"
                ),
            ));
            return;
        }
        let (root, source) = settings
            .get("data-root")
            .and_then(|s| s.value.as_str().map(|v| (v.to_string(), s.source.clone())))
            .unwrap_or_else(|| {
                (
                    "/var/lib/docker".into(),
                    daemon_config::DEFAULT_SOURCE.into(),
                )
            });
        // dockerd works in the folder a link there leads to (`docker info` reports it so; the
        // default or a daemon.json value may be the link).
        let resolved = match host.resolved(&root) {
            Ok(Some(real)) => Ok((
                real.clone(),
                format!("{source}; {root} is a link to {real}"),
            )),
            Ok(None) => Ok((root, source)),
            Err(e) => Err(format!("cannot resolve {root}: {e}")),
        };
        let read = resolved.and_then(|(root, source)| {
            mounts::docker_root(host, &root, &source).map_err(|e| e.to_string())
        });
        match read {
            Ok(f) => self.facts.docker_root = Some(f),
            Err(e) => self.after.push(("host.docker_root".into(), e)),
        }
    }
}

/// The daemon-wide seccomp profile that setting value `profile` names: none for Docker's
/// built-in one or `unconfined`, else the file, read under the host root. A path that is not
/// absolute names no file bollwerk can tell (dockerd resolved it from its own working
/// folder): an error, like a file that cannot be read or parsed.
fn seccomp_profile(host: &HostFs, profile: &str) -> Result<Option<SeccompProfileFacts>, String> {
    if matches!(profile, "unconfined" | "builtin" | "default") {
        return Ok(None);
    }
    if !profile.starts_with('/') {
        return Err(format!(
            "the seccomp profile {profile} is not an absolute path: which file dockerd read is not known"
        ));
    }
    let text = host
        .read_to_string(profile)
        .map_err(|e| format!("cannot read {profile}: {e}"))?;
    let allows_every_call =
        security_opt::lets_every_call_through(&text).map_err(|why| format!("{profile}: {why}"))?;
    Ok(Some(SeccompProfileFacts {
        path: profile.to_string(),
        allows_every_call,
    }))
}

/// `template` with its placeholders replaced by the places found (nothing when one was not
/// found), then once more for each further place a placeholder stands for.
fn placed_paths(template: &str, facts: &HostFacts) -> Vec<String> {
    let primary = |n: &str| facts.locations.get(n).cloned().flatten();
    let Ok(first) = substitute(template, primary) else {
        return Vec::new();
    };
    let mut paths = vec![first];
    for name in placeholders_in(template) {
        for place in facts.further_locations.get(&name).into_iter().flatten() {
            let at = |n: &str| {
                if n == name {
                    Some(place.clone())
                } else {
                    primary(n)
                }
            };
            if let Ok(path) = substitute(template, at) {
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_wide_seccomp_profile_is_read_or_an_error_never_absent() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc/docker")).unwrap();
        std::fs::write(
            root.path().join("etc/docker/allow.json"),
            r#"{"defaultAction":"SCMP_ACT_ALLOW"}"#,
        )
        .unwrap();
        let host = HostFs::new(root.path());
        let read = seccomp_profile(&host, "/etc/docker/allow.json")
            .unwrap()
            .unwrap();
        assert!(read.allows_every_call);
        for builtin in ["unconfined", "builtin", "default"] {
            assert_eq!(seccomp_profile(&host, builtin), Ok(None));
        }
        let relative = seccomp_profile(&host, "profiles/allow.json").unwrap_err();
        assert!(relative.contains("not an absolute path"), "{relative}");
        let missing = seccomp_profile(&host, "/etc/docker/none.json").unwrap_err();
        assert!(
            missing.starts_with("cannot read /etc/docker/none.json"),
            "{missing}"
        );
    }
}
