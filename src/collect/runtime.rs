//! What the kernel says about a running container: namespaces, capability sets and cgroup
//! limits, read from `/proc/PID` and the cgroup file system (v1 and v2) under the host root,
//! and its processes.
//!
//! A collection reads this for every running container, so the reads are lean:
//! `/proc/PID/cgroup` once for limits and processes ([`container`]), pseudo files without
//! `fs::read`'s extra `stat` and probe reads, and on the live host cgroup files without
//! resolving each path component (see [`HostFs::read_kernel_file`]).

use std::collections::BTreeMap;

use super::error::HostFileError;
use super::hostfs::{HostFs, KernelDir, ProcDir};
use crate::snapshot::{CgroupFacts, NamespaceFacts, RuntimeFacts};

/// Namespace kinds compared with the host's.
pub const NAMESPACES: &[&str] = &["pid", "net", "ipc", "uts", "user", "cgroup", "mnt"];

/// Namespace inodes of process `pid` by kind.
pub fn namespaces_of(host: &HostFs, pid: u32) -> Result<BTreeMap<String, u64>, HostFileError> {
    let dir = ProcDir::open(host, pid).map_err(HostFileError::read(format!("/proc/{pid}/ns")))?;
    namespace_inodes_in(&dir)
}

/// The inode a namespace link's target names: `net:[4026531992]` → 4026531992.
pub fn namespace_inode(target: &str) -> Option<u64> {
    target
        .split_once('[')
        .and_then(|(_, r)| r.strip_suffix(']')?.parse().ok())
}

fn namespace_inodes_in(dir: &ProcDir) -> Result<BTreeMap<String, u64>, HostFileError> {
    let mut out = BTreeMap::new();
    for kind in NAMESPACES {
        let name = format!("ns/{kind}");
        let link = dir.path_of(&name);
        match dir.read_link(&name) {
            Ok(target) => {
                let t = target.to_string_lossy();
                let inode = namespace_inode(&t).ok_or_else(|| HostFileError::BadNamespaceLink {
                    link: link.clone(),
                    target: t.to_string(),
                })?;
                out.insert(kind.to_string(), inode);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && *kind == "cgroup" => {}
            Err(source) => return Err(HostFileError::Read { path: link, source }),
        }
    }
    Ok(out)
}

/// Namespaces and cgroup limits of process `pid`. Errors are per part
/// (`runtime.namespaces`, `runtime.cgroup`) so one unreadable file spoils only its facts.
pub fn collect(
    host: &HostFs,
    pid: u32,
    host_ns: Option<&BTreeMap<String, u64>>,
    errors: &mut BTreeMap<String, String>,
) -> RuntimeFacts {
    match ProcDir::open(host, pid) {
        Ok(dir) => collect_with(host, &dir, None, host_ns, &cgroup_file(&dir), errors).0,
        Err(e) => gone(pid, e, errors),
    }
}

/// The facts of a process whose `/proc/PID` cannot be opened: every part is an error.
fn gone(pid: u32, e: std::io::Error, errors: &mut BTreeMap<String, String>) -> RuntimeFacts {
    not_read(pid, format!("cannot read /proc/{pid}: {e}"), errors)
}

/// The facts of process `pid`, none read: every part is an error saying `why`.
pub fn not_read(pid: u32, why: String, errors: &mut BTreeMap<String, String>) -> RuntimeFacts {
    errors.insert("runtime.namespaces".into(), why.clone());
    errors.insert("runtime.cgroup".into(), why.clone());
    errors.insert("runtime.capabilities".into(), why);
    RuntimeFacts {
        pid,
        ..Default::default()
    }
}

/// What [`container`] read of a container's main process.
pub struct ContainerRead {
    /// Namespaces and cgroup limits.
    pub facts: RuntimeFacts,
    /// The processes of its cgroup, as [`processes`] gives them.
    pub processes: Result<Vec<serde_json::Value>, String>,
    /// `/proc/PID` does not exist (any more): the container has probably stopped since the
    /// daemon reported it running.
    pub vanished: bool,
    /// Why process `pid` here is not the container's, when it is not: nothing of it is the
    /// container's, its network namespace's sockets included.
    pub foreign: Option<String>,
}

/// [`collect`] and [`processes`] of container `id`'s process `pid`, reading `/proc/PID/cgroup`
/// once for both.
///
/// `pid` is this host's number for the process: the daemon's `State.Pid`, translated where
/// its pid namespace lies below this host's ([`super::pidns`]). A daemon on another host names
/// a process here that is not the container's. Every cgroup path of a container's processes
/// names its id (`/docker/<id>`, `docker-<id>.scope`, `libpod-<id>.scope`), so a process whose
/// cgroup does not is not read, unless it starts a pid namespace (a container without a cgroup
/// of its own).
pub fn container(
    host: &HostFs,
    id: &str,
    pid: u32,
    host_ns: Option<&BTreeMap<String, u64>>,
    errors: &mut BTreeMap<String, String>,
) -> ContainerRead {
    let dir = match ProcDir::open(host, pid) {
        Ok(dir) => dir,
        Err(e) => {
            let vanished = e.kind() == std::io::ErrorKind::NotFound;
            let facts = gone(pid, e, errors);
            return ContainerRead {
                processes: Err(errors["runtime.cgroup"].clone()),
                facts,
                vanished,
                foreign: None,
            };
        }
    };
    let cgroup = cgroup_file(&dir);
    // No cgroup of its own (rootless Docker without a cgroup driver): its cgroup is its user's,
    // shared with processes that are not the container's; its pid namespace is its own.
    let own_cgroup = cgroup.as_ref().is_ok_and(|text| text.contains(id));
    if cgroup.is_ok() && !own_cgroup && !starts_a_pid_namespace(&dir) {
        let why = format!(
            "process {pid} is not container {}'s: {} does not name the container (is the daemon on another host or in another pid namespace?)",
            &id[..12.min(id.len())],
            dir.path_of("cgroup")
        );
        return ContainerRead {
            facts: not_read(pid, why.clone(), errors),
            processes: Err(why.clone()),
            vanished: false,
            foreign: Some(why),
        };
    }
    let (facts, status) = collect_with(host, &dir, Some(id), host_ns, &cgroup, errors);
    let pids = cgroup.and_then(|text| match own_cgroup {
        true => pids_of_cgroup(host, &dir, &text, Some(id)),
        false => pids_in_namespace(host, &dir),
    });
    let processes = pids
        .and_then(|pids| describe(host, &dir, pids, status.as_deref()))
        .map_err(|e| e.to_string());
    ContainerRead {
        facts,
        processes,
        vanished: false,
        foreign: None,
    }
}

/// Whether the process in `dir` is the first of a pid namespace below this one (`NSpid:` ends
/// in 1): a container's main process is, even where its cgroup does not name the container
/// (rootless Docker without a cgroup driver, Podman with `--cgroups=disabled`); a process of
/// this host that a daemon elsewhere happens to number alike is not.
fn starts_a_pid_namespace(dir: &ProcDir) -> bool {
    super::pidns::ns_pids(dir).is_ok_and(|pids| pids.len() > 1 && pids.last() == Some(&1))
}

/// The text of `/proc/PID/cgroup`.
fn cgroup_file(dir: &ProcDir) -> Result<String, HostFileError> {
    dir.read_string("cgroup")
        .map_err(HostFileError::read(dir.path_of("cgroup")))
}

fn collect_with(
    host: &HostFs,
    dir: &ProcDir,
    container: Option<&str>,
    host_ns: Option<&BTreeMap<String, u64>>,
    cgroup_text: &Result<String, HostFileError>,
    errors: &mut BTreeMap<String, String>,
) -> (RuntimeFacts, Option<String>) {
    let mut facts = RuntimeFacts {
        pid: dir.pid(),
        ..Default::default()
    };
    match (namespace_inodes_in(dir), host_ns) {
        (Ok(ns), Some(host_ns)) => {
            facts.namespaces = ns
                .into_iter()
                .filter_map(|(kind, inode)| {
                    let host_inode = *host_ns.get(&kind)?;
                    Some((
                        kind,
                        NamespaceFacts {
                            inode,
                            host_inode,
                            shared_with_host: inode == host_inode,
                        },
                    ))
                })
                .collect();
        }
        (Err(e), _) => {
            errors.insert("runtime.namespaces".into(), e.to_string());
        }
        (Ok(_), None) => {
            errors.insert(
                "runtime.namespaces".into(),
                "the host's namespaces (/proc/1/ns) could not be read".into(),
            );
        }
    }
    // Read once: the capabilities come from it here, the process list's entry for this
    // process below (status is the dearest file of /proc to read).
    let status_path = dir.path_of("status");
    let status = dir
        .read_string("status")
        .map_err(|e| HostFileError::read(&status_path)(e).to_string());
    match status.as_ref().map_err(Clone::clone).and_then(|text| {
        super::capabilities::from_status(text).map_err(|e| format!("{status_path}: {e}"))
    }) {
        Ok(caps) => facts.capabilities = Some(caps),
        Err(e) => {
            errors.insert("runtime.capabilities".into(), e);
        }
    }
    // The snapshot records the error as text, under the fact it concerns.
    let read = match cgroup_text {
        Ok(text) => cgroup(host, dir, text, container).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match read {
        Ok(c) => facts.cgroup = Some(c),
        Err(e) => {
            errors.insert("runtime.cgroup".into(), e);
        }
    }
    (facts, status.ok())
}

/// Limits of the cgroup that `text` (`/proc/PID/cgroup`) names.
/// With the `container`'s id, from the cgroup that names the container, which the main
/// process may have left for one below (systemd's `init.scope`): the limits are set there.
fn cgroup(
    host: &HostFs,
    dir: &ProcDir,
    text: &str,
    container: Option<&str>,
) -> Result<CgroupFacts, HostFileError> {
    let file = dir.path_of("cgroup");
    let (v1, unified) = cgroup_paths(text, container);
    if let Some(outside) = v1
        .values()
        .chain(unified.as_ref())
        .find(|p| outside_namespace(p))
    {
        return Err(outside_error(file, outside));
    }
    if v1.contains_key("memory") {
        return cgroup_v1(host, &v1);
    }
    let path = unified.ok_or_else(|| HostFileError::Lacks {
        path: file,
        lacks: "names no cgroup".into(),
    })?;
    cgroup_v2(host, path)
}

/// The cgroup path of each v1 controller, and the unified (v2) path, in `text`
/// (`/proc/PID/cgroup`), each cut at the `container`'s own cgroup ([`container_root`]).
fn cgroup_paths(text: &str, container: Option<&str>) -> (BTreeMap<String, String>, Option<String>) {
    let mut v1: BTreeMap<String, String> = BTreeMap::new();
    let mut unified = None;
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (Some(_), Some(ctrls), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let path = container_root(path, container);
        if ctrls.is_empty() {
            unified = Some(path.to_string());
        }
        for c in ctrls.split(',') {
            v1.insert(c.to_string(), path.to_string());
        }
    }
    (v1, unified)
}

/// A limit's value: none for "max" and for v1's huge page-aligned "unlimited" values.
fn limit(s: Option<String>) -> Option<u64> {
    s.and_then(|s| s.parse::<u64>().ok())
        .filter(|&n| n < (1u64 << 62))
}

/// A kernel file's trimmed text; none when it does not exist.
fn absent_as_none(
    read: std::io::Result<String>,
    path: impl FnOnce() -> String,
) -> Result<Option<String>, HostFileError> {
    match read {
        Ok(s) => Ok(Some(s.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(HostFileError::Read {
            path: path(),
            source,
        }),
    }
}

/// Limits of a cgroup v1 hierarchy: each controller's files in its own folder (`v1`, by
/// controller, from [`cgroup_paths`]; it names `memory`).
fn cgroup_v1(host: &HostFs, v1: &BTreeMap<String, String>) -> Result<CgroupFacts, HostFileError> {
    let read = |ctrl: &str, name: &str| {
        let within = v1.get(ctrl).map(String::as_str).unwrap_or("/");
        let p = format!("/sys/fs/cgroup/{ctrl}{within}/{name}");
        absent_as_none(host.read_kernel_file(&p), || p.clone())
    };
    let quota = read("cpu", "cpu.cfs_quota_us")?
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|&q| q > 0)
        .map(|q| q as u64);
    Ok(CgroupFacts {
        version: 1,
        path: v1["memory"].clone(),
        memory_limit: limit(read("memory", "memory.limit_in_bytes")?),
        pids_limit: limit(read("pids", "pids.max")?),
        cpu_weight: read("cpu", "cpu.shares")?.and_then(|s| s.parse().ok()),
        cpu_quota_us: quota,
    })
}

/// Limits of a cgroup v2 folder (`path` below /sys/fs/cgroup): its files are read from the
/// folder, opened once (a folder that is gone has none of them).
fn cgroup_v2(host: &HostFs, path: String) -> Result<CgroupFacts, HostFileError> {
    let dir = format!("/sys/fs/cgroup{}", if path == "/" { "" } else { &path });
    let folder = match KernelDir::open(host, &dir) {
        Ok(folder) => Some(folder),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(HostFileError::Read { path: dir, source }),
    };
    let read = |name: &str| match &folder {
        None => Ok(None),
        Some(folder) => absent_as_none(folder.read_string(name), || folder.path_of(name)),
    };
    let quota =
        read("cpu.max")?.and_then(|s| s.split_whitespace().next().and_then(|q| q.parse().ok()));
    Ok(CgroupFacts {
        version: 2,
        path,
        memory_limit: limit(read("memory.max")?),
        pids_limit: limit(read("pids.max")?),
        cpu_weight: read("cpu.weight")?.and_then(|s| s.parse().ok()),
        cpu_quota_us: quota,
    })
}

/// The part of cgroup `path` up to the segment that names `container` (`/docker/<id>` of
/// `/docker/<id>/init.scope`): the container's own cgroup. All of `path` without an id, or
/// when no segment names it.
fn container_root<'p>(path: &'p str, container: Option<&str>) -> &'p str {
    let Some(id) = container else { return path };
    let mut end = 0;
    for segment in path.split('/') {
        end += segment.len();
        if segment.contains(id) {
            return &path[..end];
        }
        end += 1;
    }
    path
}

/// The processes of cgroup folder `dir` and of every cgroup below it, each once, in the order
/// the cgroup files list them. A folder that cannot be listed is an error: the list would look
/// whole.
fn pids_below(host: &HostFs, dir: &str) -> Result<Vec<u32>, HostFileError> {
    const PROCS: &str = "cgroup.procs";
    // Each folder is opened once, below the one above it: its process list and its folders
    // are read from it.
    let top = KernelDir::open(host, dir).map_err(HostFileError::read(format!("{dir}/{PROCS}")))?;
    let mut pids = Vec::new();
    let mut folders = vec![top];
    let mut below_top = false;
    while let Some(mut folder) = folders.pop() {
        let text = match folder.read_string(PROCS) {
            Ok(text) => text,
            // A cgroup below the container's, gone since it was listed (a unit that ended).
            Err(e) if below_top && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(HostFileError::read(folder.path_of(PROCS))(e)),
        };
        below_top = true;
        for p in text.lines().filter_map(|l| l.trim().parse::<u32>().ok()) {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
        let path = folder.path().to_string();
        let list_error = |source| HostFileError::List { path, source };
        let below = match folder.subdirs() {
            Ok(below) => below,
            Err(source) => return Err(list_error(source)),
        };
        for sub in below.into_iter().rev() {
            match folder.open_sub(&sub) {
                Ok(d) => folders.push(d),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(list_error(source)),
            }
        }
    }
    Ok(pids)
}

/// A cgroup path outside this process's cgroup namespace: `/proc/PID/cgroup` shows it from
/// the namespace's root, as `/../…`, and under `/sys/fs/cgroup` it names another place, or
/// none (a limit read there would be "no limit").
fn outside_namespace(path: &str) -> bool {
    path.split('/').any(|segment| segment == "..")
}

fn outside_error(file: String, path: &str) -> HostFileError {
    HostFileError::Lacks {
        path: file,
        lacks: format!(
            "names cgroup {path}, outside bollwerk's cgroup namespace: run bollwerk with --cgroupns host"
        ),
    }
}

/// The processes of the cgroup that `text` (process `dir`'s `/proc/PID/cgroup`) names and of
/// the cgroups below it, as `docker top` lists them: a systemd in the container runs its
/// services in cgroups of their own. With the `container`'s id, from the cgroup that names it,
/// which the main process may have left for one below (systemd's `init.scope`).
fn pids_of_cgroup(
    host: &HostFs,
    dir: &ProcDir,
    text: &str,
    container: Option<&str>,
) -> Result<Vec<u32>, HostFileError> {
    let file = dir.path_of("cgroup");
    let mut cgroup_dir = None;
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (Some(_), Some(ctrls), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let is_pids = ctrls.split(',').any(|c| c == "pids");
        if (is_pids || ctrls.is_empty()) && outside_namespace(path) {
            return Err(outside_error(file, path));
        }
        let path = container_root(path, container);
        let path = if path == "/" { "" } else { path };
        if is_pids {
            cgroup_dir = Some(format!("/sys/fs/cgroup/pids{path}"));
            break;
        }
        if ctrls.is_empty() && cgroup_dir.is_none() {
            cgroup_dir = Some(format!("/sys/fs/cgroup{path}"));
        }
    }
    let cgroup_dir = cgroup_dir.ok_or_else(|| HostFileError::Lacks {
        path: file,
        lacks: "names no pids or unified cgroup".into(),
    })?;
    pids_below(host, &cgroup_dir)
}

/// The processes in the pid namespace of `dir`'s process (one it starts), in pid order: every
/// process of `/proc` whose `ns/pid` is the same. A process that ends meanwhile is left out;
/// one whose namespace cannot be read for another reason is an error, since it may be the
/// container's, unless it lies at another depth of pid namespaces (`NSpid:`) and so cannot
/// be (pid 1 of a sandbox may hide its link even from root).
fn pids_in_namespace(host: &HostFs, dir: &ProcDir) -> Result<Vec<u32>, HostFileError> {
    let own = dir
        .read_link("ns/pid")
        .map_err(HostFileError::read(dir.path_of("ns/pid")))?;
    let depth = |d: &ProcDir| super::pidns::ns_pids(d).ok().map(|pids| pids.len());
    let own_depth = depth(dir);
    let mut pids = Vec::new();
    for p in host
        .process_ids()
        .map_err(HostFileError::read("/proc".to_string()))?
    {
        if p == dir.pid() {
            pids.push(p);
            continue;
        }
        let other = match ProcDir::open(host, p) {
            Ok(d) => d,
            Err(e) if ended(&e) => continue,
            Err(e) => return Err(HostFileError::read(format!("/proc/{p}"))(e)),
        };
        match other.read_link("ns/pid") {
            Ok(ns) if ns == own => pids.push(p),
            Ok(_) => {}
            Err(e) if ended(&e) => {}
            Err(_) if own_depth.is_some_and(|own| depth(&other).is_some_and(|d| d != own)) => {}
            Err(e) => return Err(HostFileError::read(other.path_of("ns/pid"))(e)),
        }
    }
    pids.sort_unstable();
    Ok(pids)
}

/// Whether a read of a process's `/proc` files failed because the process has ended: its
/// folder is gone, or the folder held open answers "no such process".
fn ended(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(nix::libc::ESRCH)
}

/// The processes in the cgroup of process `pid` (the container's), as objects keyed PID, USER,
/// NAME, ARGS like `docker top` gives them, read from `/proc` and the cgroup file system.
pub fn processes(host: &HostFs, pid: u32) -> Result<Vec<serde_json::Value>, HostFileError> {
    let dir = ProcDir::open(host, pid).map_err(HostFileError::read(format!("/proc/{pid}")))?;
    let pids = pids_of_cgroup(host, &dir, &cgroup_file(&dir)?, None)?;
    describe(host, &dir, pids, None)
}

/// Processes `pids` as `docker top` lists them (PID, USER, NAME, ARGS), read from `/proc`;
/// `dir` is the first one's, `status` its status file when it was read already. A process
/// that ends meanwhile is left out; one that cannot be read for another reason makes the list
/// an error: left out, it could be the process a rule looks for.
fn describe(
    host: &HostFs,
    dir: &ProcDir,
    pids: Vec<u32>,
    status: Option<&str>,
) -> Result<Vec<serde_json::Value>, HostFileError> {
    let mut out = Vec::new();
    for p in pids {
        // The container's first process is open already, its status read already.
        let (opened, fresh);
        let proc_dir = if p == dir.pid() {
            dir
        } else {
            // A process may exit while we read: skip it.
            match ProcDir::open(host, p) {
                Ok(d) => opened = d,
                Err(e) if ended(&e) => continue,
                Err(e) => return Err(HostFileError::read(format!("/proc/{p}"))(e)),
            }
            &opened
        };
        let status = match status {
            Some(known) if p == dir.pid() => known,
            _ => match proc_dir.read("status") {
                Ok(bytes) => {
                    fresh = String::from_utf8_lossy(&bytes).into_owned();
                    &fresh
                }
                Err(e) if ended(&e) => continue,
                Err(e) => return Err(HostFileError::read(proc_dir.path_of("status"))(e)),
            },
        };
        let (name, uid) = super::process::name_and_uid(status);
        let args = match proc_dir.read("cmdline") {
            Ok(raw) => super::process::arguments(&raw),
            Err(e) if ended(&e) => continue,
            Err(e) => return Err(HostFileError::read(proc_dir.path_of("cmdline"))(e)),
        };
        let user = uid
            .map(|u| {
                host.user_name(u)
                    .map(str::to_string)
                    .unwrap_or_else(|| u.to_string())
            })
            .unwrap_or_default();
        out.push(serde_json::json!({
            "PID": p.to_string(),
            "USER": user,
            "NAME": name,
            "ARGS": args.join(" "),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_process_reads_like_its_comm_file() {
        let host = HostFs::new(std::path::Path::new("/"));
        let dir = ProcDir::open(&host, std::process::id()).unwrap();
        let status = dir.read_string("status").unwrap();
        let comm = dir.read_string("comm").unwrap();
        let (name, uid) = crate::collect::process::name_and_uid(&status);
        assert_eq!(name, comm.trim_end_matches('\n'));
        assert_eq!(uid, Some(nix::unistd::geteuid().as_raw()));
        let ns = namespace_inodes_in(&dir).unwrap();
        assert!(ns.contains_key("net") && ns.contains_key("pid"), "{ns:?}");
    }

    #[test]
    fn a_process_whose_cgroup_does_not_name_the_container_is_not_read_as_its() {
        // What a daemon in another pid namespace or on another host gives: a pid that names
        // some process here, this test's own.
        let host = HostFs::new(std::path::Path::new("/"));
        let id = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
        let pid = std::process::id();
        let mut errors = BTreeMap::new();
        let read = container(&host, id, pid, None, &mut errors);
        let why = read.foreign.expect("not the container's process");
        assert!(
            why.starts_with(&format!(
                "process {pid} is not container 3f2a1b2c3d4e's: /proc/{pid}/cgroup does not name"
            )),
            "{why}"
        );
        for part in [
            "runtime.namespaces",
            "runtime.cgroup",
            "runtime.capabilities",
        ] {
            assert_eq!(errors.get(part), Some(&why), "{part}");
        }
        assert_eq!(read.processes, Err(why));
        assert!(read.facts.namespaces.is_empty() && read.facts.cgroup.is_none());
        assert!(read.facts.capabilities.is_none() && !read.vanished);
    }

    #[test]
    fn a_containers_own_cgroup_is_the_one_that_names_it() {
        let id = "3f2a1b2c3d4e";
        for (path, root) in [
            ("/docker/3f2a1b2c3d4e/init.scope", "/docker/3f2a1b2c3d4e"),
            ("/docker/3f2a1b2c3d4e", "/docker/3f2a1b2c3d4e"),
            (
                "/system.slice/docker-3f2a1b2c3d4e.scope/init.scope",
                "/system.slice/docker-3f2a1b2c3d4e.scope",
            ),
            ("/elsewhere/init.scope", "/elsewhere/init.scope"),
        ] {
            assert_eq!(container_root(path, Some(id)), root, "{path}");
        }
        assert_eq!(
            container_root("/docker/x/init.scope", None),
            "/docker/x/init.scope"
        );
    }

    /// A tree with a container's processes 100, 101 (sshd) and 102 in cgroup
    /// `/docker/abc`, each with its own pid namespace link.
    fn three_processes() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let cgroup = dir.path().join("sys/fs/cgroup/docker/abc");
        std::fs::create_dir_all(&cgroup).unwrap();
        std::fs::write(cgroup.join("cgroup.procs"), "100\n101\n102\n").unwrap();
        for (pid, name) in [(100, "sh"), (101, "sshd"), (102, "nginx")] {
            let p = dir.path().join(format!("proc/{pid}"));
            std::fs::create_dir_all(p.join("ns")).unwrap();
            std::fs::write(p.join("cgroup"), "0::/docker/abc\n").unwrap();
            std::fs::write(
                p.join("status"),
                format!("Name:\t{name}\nUid:\t0\t0\t0\t0\n"),
            )
            .unwrap();
            std::fs::write(p.join("cmdline"), format!("{name}\0")).unwrap();
            std::os::unix::fs::symlink("pid:[4026532000]", p.join("ns/pid")).unwrap();
        }
        dir
    }

    #[test]
    fn a_process_that_cannot_be_read_makes_the_list_an_error_and_one_that_ended_is_left_out() {
        let names = |dir: &tempfile::TempDir| -> Result<Vec<String>, HostFileError> {
            let listed = processes(&HostFs::new(dir.path()), 100)?;
            Ok(listed
                .iter()
                .map(|p| p["NAME"].as_str().unwrap().to_string())
                .collect())
        };
        let dir = three_processes();
        assert_eq!(names(&dir).unwrap(), ["sh", "sshd", "nginx"]);
        // 102 has ended: its folder is gone.
        std::fs::remove_dir_all(dir.path().join("proc/102")).unwrap();
        assert_eq!(names(&dir).unwrap(), ["sh", "sshd"]);
        // 101's status cannot be read: left out, the sshd would go unseen.
        let status = dir.path().join("proc/101/status");
        std::fs::remove_file(&status).unwrap();
        std::fs::create_dir(&status).unwrap();
        let e = names(&dir).unwrap_err();
        assert!(e.to_string().contains("/proc/101/status"), "{e}");
    }

    #[test]
    fn a_process_whose_namespace_cannot_be_read_is_an_error_not_another_namespaces() {
        let dir = three_processes();
        let host = HostFs::new(dir.path());
        let first = ProcDir::open(&host, 100).unwrap();
        assert_eq!(pids_in_namespace(&host, &first).unwrap(), [100, 101, 102]);
        std::fs::remove_dir_all(dir.path().join("proc/102")).unwrap();
        assert_eq!(pids_in_namespace(&host, &first).unwrap(), [100, 101]);
        // 101's `ns` is a file, not a folder: its link cannot be read.
        let ns = dir.path().join("proc/101/ns");
        std::fs::remove_dir_all(&ns).unwrap();
        std::fs::write(&ns, "").unwrap();
        let e = pids_in_namespace(&host, &first).unwrap_err();
        assert!(e.to_string().contains("/proc/101/ns/pid"), "{e}");
        // Unless its `NSpid:` puts it at another depth than the container's first process:
        // then it cannot share that namespace (this host's pid 1, say).
        let nspid = |pid: u32, ids: &str| {
            let status = dir.path().join(format!("proc/{pid}/status"));
            let text = std::fs::read_to_string(&status).unwrap();
            std::fs::write(&status, format!("{text}NSpid:\t{ids}\n")).unwrap();
        };
        nspid(100, "100\t1");
        nspid(101, "101");
        assert_eq!(pids_in_namespace(&host, &first).unwrap(), [100]);
        // At the same depth, it may be the container's: still an error.
        std::fs::write(
            dir.path().join("proc/101/status"),
            "Name:\tsshd\nNSpid:\t101\t2\n",
        )
        .unwrap();
        assert!(pids_in_namespace(&host, &first).is_err());
    }

    #[test]
    fn a_containers_first_process_is_read_though_its_cgroup_does_not_name_it() {
        // Rootless Docker without a cgroup driver: the process stays in the user's session
        // cgroup, but it is the first of its own pid namespace.
        let dir = tempfile::tempdir().unwrap();
        let proc_dir = dir.path().join("proc/4242");
        std::fs::create_dir_all(&proc_dir).unwrap();
        std::fs::write(
            proc_dir.join("cgroup"),
            "0::/user.slice/user-1000.slice/session-1.scope\n",
        )
        .unwrap();
        let status =
            |nspid: &str| format!("Name:\tsleep\nNSpid:\t{nspid}\nCapEff:\t0\nCapBnd:\t0\n");
        let host = HostFs::new(dir.path());
        let id = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
        std::fs::write(proc_dir.join("status"), status("4242\t1")).unwrap();
        let read = container(&host, id, 4242, None, &mut BTreeMap::new());
        assert!(read.foreign.is_none());
        // A process of this host's own pid namespace is not a container's first process.
        std::fs::write(proc_dir.join("status"), status("4242")).unwrap();
        let read = container(&host, id, 4242, None, &mut BTreeMap::new());
        assert!(read.foreign.is_some());
    }

    #[test]
    fn limits_are_read_where_the_container_is_though_its_first_process_moved_below() {
        // A systemd in the container moves itself to init.scope; docker set the limit on the
        // container's cgroup.
        let id = "3f2a1b2c3d4e";
        let dir = tempfile::tempdir().unwrap();
        let memory = dir.path().join("sys/fs/cgroup/memory/docker/3f2a1b2c3d4e");
        std::fs::create_dir_all(memory.join("init.scope")).unwrap();
        std::fs::write(memory.join("memory.limit_in_bytes"), "67108864\n").unwrap();
        std::fs::write(
            memory.join("init.scope/memory.limit_in_bytes"),
            "9223372036854771712\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("proc/1")).unwrap();
        let host = HostFs::new(dir.path());
        let proc = ProcDir::open(&host, 1).unwrap();
        let text = "9:memory:/docker/3f2a1b2c3d4e/init.scope\n";
        let facts = cgroup(&host, &proc, text, Some(id)).unwrap();
        assert_eq!(facts.memory_limit, Some(67108864));
        assert_eq!(facts.path, "/docker/3f2a1b2c3d4e");
    }

    #[test]
    fn a_cgroup_outside_the_scanners_cgroup_namespace_is_an_error_not_no_limit() {
        // /proc/PID/cgroup of a container's process, read from inside a private cgroup
        // namespace: its paths climb out of the namespace's root.
        let dir = tempfile::tempdir().unwrap();
        let host = HostFs::new(dir.path());
        let proc_dir = dir.path().join("proc/1");
        std::fs::create_dir_all(&proc_dir).unwrap();
        let text = "12:pids:/../../docker/abc\n9:memory:/../../docker/abc\n0::/../../docker/abc\n";
        std::fs::write(proc_dir.join("cgroup"), text).unwrap();
        let proc = ProcDir::open(&host, 1).unwrap();
        let expected = "/proc/1/cgroup names cgroup /../../docker/abc, outside bollwerk's cgroup namespace: run bollwerk with --cgroupns host";
        assert_eq!(
            cgroup(&host, &proc, text, None).unwrap_err().to_string(),
            expected
        );
        assert_eq!(
            pids_of_cgroup(&host, &proc, text, None)
                .unwrap_err()
                .to_string(),
            expected
        );
    }
}
