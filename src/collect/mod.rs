//! Collect: gather every fact once into a [`Snapshot`].
//!
//! Daemon requests run concurrently while the host side is read; a source that fails leaves
//! an error in the snapshot and collection goes on.

pub mod audit;
pub mod daemon_config;
pub mod deep;
pub mod docker;
pub mod engine;
pub mod groups;
pub mod hostfs;
pub mod identity;
pub mod locations;
pub mod mounts;
pub mod net;
pub mod process;
pub mod runtime;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::Utc;
use serde_json::Value;

use crate::rules::model::{Check, Op, Operand};
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
    /// Stream every image's file system to find setuid and setgid files (slow).
    pub deep_images: bool,
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
    /// Directories whose every file to stat (recursively), possibly with placeholders.
    pub trees: BTreeSet<String>,
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

    /// Records the host files, trees and sysctls a fact path names.
    fn note_host_fact(&mut self, fact: &crate::rules::path::FactPath) {
        self.locations.extend(fact.placeholders());
        if fact.root != "host" {
            return;
        }
        if let [Segment::Key(kind), Segment::Key(key), ..] = fact.segments.as_slice() {
            let set = match kind.as_str() {
                "files" => &mut self.files,
                "trees" => &mut self.trees,
                "sysctl" => &mut self.sysctls,
                _ => return,
            };
            set.insert(key.clone());
        }
    }

    fn visit(&mut self, check: &Check) {
        match check {
            Check::All(l) | Check::Any(l) => l.iter().for_each(|c| self.visit(c)),
            Check::Not(c) => self.visit(c),
            Check::Every { list, check, .. } => {
                self.note_host_fact(list);
                self.visit(check);
            }
            Check::Test(t) => {
                self.note_host_fact(&t.fact);
                if let Some(Operand::Fact(other)) = t.op.operand() {
                    self.note_host_fact(other);
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
    let deep = opts.deep_images;
    let daemon_task = runtime.spawn(async move {
        let docker = docker::connect(&endpoint).await?;
        let mut answers = docker::collect(&docker, all).await;
        if deep {
            for img in &mut answers.images {
                match deep::special_files(&docker, &img.id).await {
                    Ok(files) => img.special_files = Some(files),
                    Err(e) => answers
                        .errors
                        .push((format!("images[\"{}\"].special_files", img.id), e)),
                }
            }
        }
        Ok::<_, String>(answers)
    });

    if !opts.deep_images {
        snap.not_collected.push(crate::snapshot::CollectError {
            fact: "image.special_files".into(),
            message: "image file systems were not read: scan with --deep-images to list setuid and setgid files".into(),
        });
    }
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
            snap.daemon.inventory = a.inventory;
            snap.daemon.swarm = a.swarm;
            snap.containers = a.containers;
            snap.images = a.images;
            let now = snap.started_at;
            for img in &mut snap.images {
                img.age_days = img
                    .inspect
                    .get("Created")
                    .and_then(Value::as_str)
                    .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
                    .map(|c| (now - c.with_timezone(&Utc)).num_days());
            }
            let version = snap
                .daemon
                .version
                .as_ref()
                .and_then(|v| v.get("Version"))
                .and_then(Value::as_str);
            if let Some(version) = version {
                let today = now.format("%Y-%m-%d").to_string();
                match engine::support(version, &today) {
                    Ok(s) => {
                        if s.supported.is_none() {
                            snap.error(
                                "daemon.engine.supported",
                                format!(
                                    "release line {} is not in bollwerk's release data (checks/data/docker-engine-releases.toml, as of {})",
                                    s.line, s.data_as_of
                                ),
                            );
                        }
                        snap.daemon.engine = Some(s)
                    }
                    Err(e) => snap.error("daemon.engine", e),
                }
            }
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
    // Containers whose processes /proc did not show (a remote daemon, a hidden /proc): ask
    // the daemon, which runs ps for each, so only for those.
    let missing: Vec<usize> = (0..snap.containers.len())
        .filter(|&i| snap.containers[i].errors.contains_key("processes"))
        .collect();
    if !missing.is_empty() && snap.daemon.reachable {
        let endpoint = opts.endpoint.clone();
        let ids: Vec<String> = missing
            .iter()
            .map(|&i| snap.containers[i].id.clone())
            .collect();
        let answers = runtime.block_on(async move {
            let docker = docker::connect(&endpoint).await?;
            let mut out = Vec::new();
            for id in ids {
                out.push(docker::top(&docker, &id).await);
            }
            Ok::<_, String>(out)
        });
        if let Ok(answers) = answers {
            for (&i, answer) in missing.iter().zip(answers) {
                let c = &mut snap.containers[i];
                match answer {
                    Ok(p) => {
                        c.processes = p;
                        c.errors.remove("processes");
                    }
                    Err(e) => {
                        c.errors.insert("processes".into(), e);
                    }
                }
            }
        }
    }
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
    let live = opts.host_root == std::path::Path::new("/");
    identity::collect(host, live, &mut snap.host);

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

    // Trees: every entry below a directory.
    for template in &plan.trees {
        let Ok(dir) = crate::rules::path::substitute(template, |n| {
            snap.host.locations.get(n).cloned().flatten()
        }) else {
            continue;
        };
        match host.tree(&dir) {
            Ok(Some(entries)) => {
                snap.host.trees.insert(dir, entries);
            }
            Ok(None) => {}
            Err(e) => snap.error(format!("host.trees[\"{dir}\"]"), e),
        }
    }

    // Security modules.
    snap.host.lsm.apparmor = host
        .read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|v| v.trim() == "Y");
    snap.host.lsm.selinux = host.exists("/sys/fs/selinux/enforce");

    // Listening sockets of the host's network namespace: pid 1's, else dockerd's.
    let dockerd = snap.daemon.process.as_ref().map(|p| p.pid);
    match net::listening(host, 1)
        .or_else(|e| dockerd.map_or(Err(e), |pid| net::listening(host, pid)))
    {
        Ok(l) => snap.host.listening = l,
        Err(e) => snap.error("host.listening", e),
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
    // Each running container's /proc and cgroup files, read on a few threads: reading
    // /proc/PID/net/tcp costs the kernel a walk of its socket table, so this is the slow part.
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let chunk = snap.containers.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in snap.containers.chunks_mut(chunk) {
            let host_ns = host_ns.as_ref();
            scope.spawn(move || {
                for c in part {
                    read_container_runtime(c, host, host_ns);
                }
            });
        }
    });
}

/// Namespaces, cgroup limits, listening sockets and processes of one running container.
fn read_container_runtime(
    c: &mut crate::snapshot::ContainerFacts,
    host: &HostFs,
    host_ns: Option<&BTreeMap<String, u64>>,
) {
    let running = c
        .inspect
        .pointer("/State/Running")
        .and_then(|n| n.as_bool())
        .unwrap_or(false);
    let pid = c
        .inspect
        .pointer("/State/Pid")
        .and_then(|n| n.as_u64())
        .unwrap_or(0) as u32;
    if !running || pid == 0 {
        return;
    }
    let mut facts = runtime::collect(host, pid, host_ns, &mut c.errors);
    match net::listening(host, pid) {
        Ok(l) => facts.listening = l,
        Err(e) => {
            c.errors.insert("runtime.listening".into(), e);
        }
    }
    match runtime::processes(host, pid) {
        Ok(p) => c.processes = p,
        // Left empty: the caller asks the daemon instead.
        Err(e) => {
            c.errors.insert("processes".into(), e);
        }
    }
    c.runtime = Some(facts);
}
