//! Collect: gather every fact once into a [`Snapshot`].
//!
//! Daemon requests run concurrently while the host side is read; a source that fails leaves
//! an error in the snapshot and collection goes on.

pub mod audit;
pub mod daemon_config;
pub mod docker;
pub mod groups;
pub mod hostfs;
pub mod locations;
pub mod mounts;
pub mod process;
pub mod runtime;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::Utc;
use serde_json::Value;

use crate::rules::model::{Check, Op};
use crate::rules::path::{placeholders_in, Segment};
use crate::rules::RuleSet;
use crate::snapshot::Snapshot;
pub use docker::Endpoint;
use hostfs::HostFs;

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Root of the host file system (`--host-root`).
    pub host_root: PathBuf,
    /// The daemon to ask.
    pub endpoint: Endpoint,
    /// Include stopped and created containers.
    pub all_containers: bool,
}

/// What the rules need from the host beyond the fixed facts: named locations, files, sysctls.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Placeholders to resolve (`unit:docker.service`).
    pub locations: BTreeSet<String>,
    /// File paths to stat, possibly with placeholders.
    pub files: BTreeSet<String>,
    /// Kernel parameters to read.
    pub sysctls: BTreeSet<String>,
}

impl Plan {
    /// Everything `rules` read from `host.files`, `host.sysctl` and audit targets.
    pub fn from_rules(rules: &RuleSet) -> Plan {
        let mut plan = Plan::default();
        for rule in &rules.rules {
            for check in rule.check.iter().chain(rule.applies_when.iter()) {
                plan.visit(check);
            }
        }
        plan
    }

    fn visit(&mut self, check: &Check) {
        match check {
            Check::All(l) | Check::Any(l) => l.iter().for_each(|c| self.visit(c)),
            Check::Not(c) => self.visit(c),
            Check::Test(t) => {
                self.locations.extend(t.fact.placeholders());
                if t.fact.root == "host" {
                    if let [Segment::Key(kind), Segment::Key(key), ..] = t.fact.segments.as_slice()
                    {
                        match kind.as_str() {
                            "files" => {
                                self.files.insert(key.clone());
                            }
                            "sysctl" => {
                                self.sysctls.insert(key.clone());
                            }
                            _ => {}
                        }
                    }
                }
                if let Op::Audits(target) = &t.op {
                    self.locations.extend(placeholders_in(target));
                    self.files.insert(target.clone());
                }
            }
        }
    }
}

/// Gathers a snapshot. `progress` is told what is being read.
pub fn collect(opts: &CollectOptions, plan: &Plan, progress: &dyn Fn(&str)) -> Snapshot {
    let mut snap = Snapshot::new(
        &opts.host_root.to_string_lossy(),
        &opts.endpoint.url,
        opts.all_containers,
    );
    let host = HostFs::new(&opts.host_root);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            snap.error("daemon", format!("cannot start the async runtime: {e}"));
            collect_host(&mut snap, &host, plan, opts);
            return snap;
        }
    };
    progress("asking the Docker daemon");
    let endpoint = opts.endpoint.clone();
    let all = opts.all_containers;
    let daemon_task = runtime.spawn(async move {
        let docker = docker::connect(&endpoint).await?;
        Ok::<_, String>(docker::collect(&docker, all).await)
    });

    progress("reading the daemon's configuration");
    read_daemon_config(&mut snap, &host, &opts.endpoint);

    let answers = runtime
        .block_on(daemon_task)
        .unwrap_or_else(|e| Err(format!("daemon task failed: {e}")));
    match answers {
        Ok(a) => {
            snap.daemon.reachable = true;
            snap.daemon.version = a.version;
            if let Some(info) = &a.info {
                daemon_config::apply_info(&mut snap.daemon.settings, info);
                snap.daemon.swarm_state = info
                    .pointer("/Swarm/LocalNodeState")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            snap.daemon.info = a.info;
            snap.daemon.networks = a.networks;
            snap.containers = a.containers;
            snap.images = a.images;
            for (fact, msg) in a.errors {
                snap.error(fact, msg);
            }
            snap.notes.extend(a.notes);
        }
        Err(msg) => snap.error("daemon", msg),
    }
    progress("reading host files");
    collect_host(&mut snap, &host, plan, opts);
    progress("reading containers' namespaces and cgroups");
    collect_runtime(&mut snap, &host);
    snap.finished_at = Utc::now();
    snap
}

/// dockerd's process, daemon.json and flags → effective settings (before `info`).
fn read_daemon_config(snap: &mut Snapshot, host: &HostFs, endpoint: &Endpoint) {
    let mut flags = daemon_config::Flags::default();
    match process::find_dockerd(host, &endpoint.url) {
        Ok(p) => {
            flags = daemon_config::parse_flags(p.cmdline.get(1..).unwrap_or(&[]));
            snap.daemon.process = Some(p);
        }
        Err(e) => snap.notes.push(format!(
            "dockerd process: {e}; settings come from daemon.json and docker info"
        )),
    }
    let explicit = flags.config_file.is_some();
    let file = flags
        .config_file
        .clone()
        .unwrap_or_else(|| "/etc/docker/daemon.json".into());
    let from_file = match host.read_to_string(&file) {
        Ok(text) => {
            snap.daemon.config_file = Some(file.clone());
            match daemon_config::parse_daemon_json(&file, &text) {
                Ok(s) => s,
                Err(e) => {
                    snap.error("daemon.settings", e);
                    BTreeMap::new()
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => BTreeMap::new(),
        Err(e) => {
            snap.error("daemon.settings", format!("cannot read {file}: {e}"));
            BTreeMap::new()
        }
    };
    snap.daemon.settings = daemon_config::merge(from_file, flags.settings);
}

fn collect_host(snap: &mut Snapshot, host: &HostFs, plan: &Plan, opts: &CollectOptions) {
    snap.host.hostname = host
        .read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            nix::unistd::gethostname()
                .ok()
                .map(|h| h.to_string_lossy().into_owned())
        })
        .unwrap_or_default();

    // Locations.
    let config_file = snap
        .daemon
        .config_file
        .clone()
        .unwrap_or_else(|| "/etc/docker/daemon.json".into());
    let exe = snap.daemon.process.as_ref().and_then(|p| {
        std::fs::read_link(host.resolve_proc(&format!("/proc/{}/exe", p.pid)))
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    });
    let inputs = locations::LocationInputs {
        settings: &snap.daemon.settings,
        config_file: &config_file,
        client_socket: opts.endpoint.socket_path(),
        dockerd_exe: exe.as_deref(),
    };
    let mut wanted = plan.locations.clone();
    for f in &plan.files {
        wanted.extend(placeholders_in(f));
    }
    for name in wanted {
        let (found, searched) = locations::resolve(host, &name, &inputs);
        snap.host.locations.insert(name.clone(), found);
        snap.host.searched.insert(name, searched);
    }

    // Files.
    for template in &plan.files {
        let Ok(path) = crate::rules::path::substitute(template, |n| {
            snap.host.locations.get(n).cloned().flatten()
        }) else {
            continue;
        };
        match host.stat(&path) {
            Ok(f) => {
                snap.host.files.insert(path, f);
            }
            Err(e) => snap.error(format!("host.files[\"{path}\"]"), e),
        }
    }

    // Audit rules; loaded ones only for the real root.
    let mut errors = Vec::new();
    snap.host.audit = audit::collect(
        host,
        opts.host_root == std::path::Path::new("/"),
        &mut errors,
    );
    for (f, m) in errors {
        snap.error(f, m);
    }

    // Kernel parameters.
    for key in &plan.sysctls {
        let file = format!("/proc/sys/{}", key.replace('.', "/"));
        match host.read_to_string(&file) {
            Ok(v) => {
                snap.host.sysctl.insert(key.clone(), v.trim().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => snap.error(
                format!("host.sysctl[\"{key}\"]"),
                format!("cannot read {file}: {e}"),
            ),
        }
    }

    // The docker group (dockerd's `group` setting names it).
    let group = snap
        .daemon
        .settings
        .get("group")
        .and_then(|s| s.value.as_str())
        .unwrap_or("docker")
        .to_string();
    match groups::collect(host, &group) {
        Ok(g) => snap.host.docker_group = g,
        Err(e) => snap.error("host.docker_group", e),
    }

    // Docker root mount.
    let (root, source) = snap
        .daemon
        .settings
        .get("data-root")
        .and_then(|s| s.value.as_str().map(|v| (v.to_string(), s.source.clone())))
        .unwrap_or_else(|| {
            (
                "/var/lib/docker".into(),
                daemon_config::DEFAULT_SOURCE.into(),
            )
        });
    match mounts::docker_root(host, &root, &source) {
        Ok(f) => snap.host.docker_root = Some(f),
        Err(e) => snap.error("host.docker_root", e),
    }
}

fn collect_runtime(snap: &mut Snapshot, host: &HostFs) {
    // The host's namespaces are pid 1's; where those are hidden (a sandbox, a container with
    // the host mounted), dockerd's own namespaces stand for the host's.
    let dockerd = snap.daemon.process.as_ref().map(|p| p.pid);
    let host_ns = match runtime::namespaces_of(host, 1) {
        Ok(ns) => Some(ns),
        Err(e1) => match dockerd.map(|pid| runtime::namespaces_of(host, pid)) {
            Some(Ok(ns)) => {
                snap.notes.push(format!(
                    "host namespaces: {e1}; compared with dockerd's (pid {}) instead",
                    dockerd.unwrap_or(0)
                ));
                Some(ns)
            }
            Some(Err(e2)) => {
                snap.notes.push(format!("host namespaces: {e1}; {e2}"));
                None
            }
            None => {
                snap.notes.push(format!("host namespaces: {e1}"));
                None
            }
        },
    };
    for c in &mut snap.containers {
        let running = c
            .inspect
            .pointer("/State/Running")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let pid = c
            .inspect
            .pointer("/State/Pid")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if running && pid > 0 {
            c.runtime = Some(runtime::collect(
                host,
                pid as u32,
                host_ns.as_ref(),
                &mut c.errors,
            ));
        }
    }
}
