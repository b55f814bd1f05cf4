//! The facts model: everything bollwerk knows about a host, gathered once.
//!
//! A [`Snapshot`] is pure data (serde), written by `bollwerk collect` and replayed by
//! `bollwerk scan --snapshot`. Rules address its parts with fact paths (see `checks/README.md`):
//! `host.*`, `daemon.*`, and per instance `container.*` or `image.*`.
//!
//! Collectors never abort: a source that cannot be read leaves an entry in [`Snapshot::errors`]
//! keyed by the fact path it would have filled, and rules that need that fact report `error`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the snapshot format. Bump it on any incompatible change.
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 1;

/// All facts about one Docker host at one point in time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Format version, see [`SNAPSHOT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// bollwerk version that collected it.
    pub tool_version: String,
    /// When collection started.
    pub started_at: DateTime<Utc>,
    /// When collection finished.
    pub finished_at: DateTime<Utc>,
    /// Root of the host file system that was read (`--host-root`).
    pub host_root: String,
    /// Address of the Docker daemon that was asked.
    pub docker_host: String,
    /// Whether stopped and created containers were included (`--all`).
    pub all_containers: bool,
    /// Facts read from the host's files and kernel.
    pub host: HostFacts,
    /// Facts about the Docker daemon.
    pub daemon: DaemonFacts,
    /// One entry per container, in the daemon's list order.
    pub containers: Vec<ContainerFacts>,
    /// One entry per image.
    pub images: Vec<ImageFacts>,
    /// Facts that could not be gathered, keyed by the fact path they would have filled.
    pub errors: Vec<CollectError>,
    /// Remarks that are not errors (a container that vanished mid-scan, a tool not installed).
    pub notes: Vec<String>,
}

/// A fact that could not be gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectError {
    /// Fact path that is missing because of this error, e.g. `daemon.settings` or
    /// `host.files["/run/docker.sock"]`. Rules reading at or below it report `error`.
    pub fact: String,
    /// What failed, where, and why (one line).
    pub message: String,
}

/// Facts read from the host: files, audit rules, kernel parameters, groups, mounts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostFacts {
    /// The host's name.
    pub hostname: String,
    /// Named locations (`bin:dockerd`, `unit:docker.service`, `socket:docker`, …) resolved to
    /// host paths; `null` when nothing was found.
    pub locations: BTreeMap<String, Option<String>>,
    /// For each location, the candidate paths that were looked at, in order.
    pub searched: BTreeMap<String, Vec<String>>,
    /// File facts keyed by absolute host path (without the host root prefix).
    pub files: BTreeMap<String, FileFacts>,
    /// Linux audit rules.
    pub audit: AuditFacts,
    /// Kernel parameters from `/proc/sys`, keyed by dotted name (`kernel.kptr_restrict`).
    pub sysctl: BTreeMap<String, String>,
    /// The `docker` group and who is in it; `null` when the group does not exist.
    pub docker_group: Option<GroupFacts>,
    /// Where the Docker root directory lives; `null` when it could not be determined.
    pub docker_root: Option<DockerRootFacts>,
}

/// What `stat` says about one path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileFacts {
    /// Whether the path exists.
    pub exists: bool,
    /// `file`, `dir`, `socket`, `symlink`, `fifo`, `block`, `char`; absent when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Owner user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Owner group id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// `user:group` by name (from the host's passwd and group files; ids where unnamed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Permission bits as four octal digits, e.g. `0644`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// The path with symlinks resolved on the host, when that differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
}

/// Loaded and persistent audit rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFacts {
    /// Rules loaded in the kernel (`auditctl -l`); `null` when they could not be read.
    pub loaded: Option<Vec<AuditRule>>,
    /// Why `loaded` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_unavailable: Option<String>,
    /// Rules from `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`.
    pub persistent: Vec<AuditRule>,
}

/// One audit rule that watches a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditRule {
    /// The watched path (`-w PATH`, `-F path=PATH` or `-F dir=PATH`).
    pub path: String,
    /// Whether the rule covers everything below `path` (`-w` on a directory, `-F dir=`).
    pub recursive: bool,
    /// Permission filter (`rwxa`), absent when the rule has none (all access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    /// Where the rule came from: `auditctl -l` or `file:line`.
    pub source: String,
    /// The rule as written.
    pub text: String,
    /// `path` with symlinks resolved on the host, when that differs (`/var/run` → `/run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
}

/// The docker group and its members.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFacts {
    /// Group name (normally `docker`).
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Users with the group: listed in `/etc/group` or having it as primary group in `/etc/passwd`.
    pub members: Vec<String>,
    /// For each member, where membership comes from (`/etc/group:12`, `/etc/passwd:30 (primary group)`).
    pub sources: BTreeMap<String, String>,
}

/// The file system holding the Docker root directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DockerRootFacts {
    /// The Docker root directory (`DockerRootDir` / `data-root`).
    pub path: String,
    /// Where `path` came from.
    pub path_source: String,
    /// Mount point that contains it.
    pub mount_point: String,
    /// File system type of that mount.
    pub fs_type: String,
    /// Device (`major:minor`) of that mount.
    pub device: String,
    /// Mount source (`/dev/vdb1`, `tmpfs`, …).
    pub source: String,
    /// True when the directory is on its own file system: a mount other than `/` that is not a
    /// bind mount of the root file system.
    pub separate: bool,
    /// One sentence explaining `separate`.
    pub reason: String,
}

/// A value with the place it came from, used for effective daemon settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    /// The value in effect.
    pub value: Value,
    /// Where it came from: `/etc/docker/daemon.json:4`, `flag --icc=false`,
    /// `docker info LiveRestoreEnabled`, or `dockerd default`.
    pub source: String,
}

/// Facts about the Docker daemon.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaemonFacts {
    /// Whether the daemon answered.
    pub reachable: bool,
    /// `GET /version`.
    pub version: Option<Value>,
    /// `GET /info`.
    pub info: Option<Value>,
    /// The dockerd process serving `docker_host`, when found in `/proc`.
    pub process: Option<DaemonProcess>,
    /// The daemon.json in effect, when one was read.
    pub config_file: Option<String>,
    /// Effective settings by daemon.json key: file and flags merged, corrected by what `info`
    /// reports, dockerd's defaults where unset.
    pub settings: BTreeMap<String, Sourced>,
    /// `GET /networks`.
    pub networks: Vec<Value>,
    /// Swarm state from `info.Swarm.LocalNodeState` (`inactive`, `active`, …).
    pub swarm_state: Option<String>,
}

/// The dockerd process.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaemonProcess {
    /// Process id.
    pub pid: u32,
    /// Its command line.
    pub cmdline: Vec<String>,
    /// How it was found (`pid file /var/run/docker.pid`, `/proc scan matching -H …`).
    pub found_by: String,
}

/// One container.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerFacts {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// `GET /containers/{id}/json`, as the daemon returned it.
    pub inspect: Value,
    /// What the kernel says about its main process; `null` when it is not running.
    pub runtime: Option<RuntimeFacts>,
    /// Facts that could not be read for this container, keyed by sub-path (`runtime.cgroup`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
}

/// Kernel-side view of a running container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeFacts {
    /// Host pid of the main process.
    pub pid: u32,
    /// Namespaces by kind (`pid`, `net`, `ipc`, `uts`, `user`, `cgroup`, `mnt`).
    pub namespaces: BTreeMap<String, NamespaceFacts>,
    /// Limits read from the cgroup file system.
    pub cgroup: Option<CgroupFacts>,
}

/// One namespace of a container's main process compared with the host's (pid 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamespaceFacts {
    /// Inode of the container's namespace.
    pub inode: u64,
    /// Inode of the host's namespace of that kind.
    pub host_inode: u64,
    /// True when both are the same namespace.
    pub shared_with_host: bool,
}

/// Resource limits in force for a container, read from its cgroup.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CgroupFacts {
    /// 1 or 2.
    pub version: u8,
    /// Cgroup path of the main process (memory controller on v1).
    pub path: String,
    /// Memory limit in bytes; `null` when unlimited.
    pub memory_limit: Option<u64>,
    /// Pids limit; `null` when unlimited.
    pub pids_limit: Option<u64>,
    /// CPU weight: `cpu.shares` (v1) or `cpu.weight` (v2).
    pub cpu_weight: Option<u64>,
    /// CPU quota in microseconds per period; `null` when unlimited.
    pub cpu_quota_us: Option<u64>,
}

/// One image.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageFacts {
    /// Image id (`sha256:…`).
    pub id: String,
    /// Repository tags.
    pub tags: Vec<String>,
    /// `GET /images/{id}/json`.
    pub inspect: Value,
    /// `GET /images/{id}/history`.
    pub history: Value,
}

impl Snapshot {
    /// An empty snapshot for `host_root` and `docker_host`, stamped now.
    pub fn new(host_root: &str, docker_host: &str, all_containers: bool) -> Snapshot {
        let now = Utc::now();
        Snapshot {
            schema_version: SNAPSHOT_SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: now,
            finished_at: now,
            host_root: host_root.to_string(),
            docker_host: docker_host.to_string(),
            all_containers,
            host: HostFacts::default(),
            daemon: DaemonFacts::default(),
            containers: Vec::new(),
            images: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Records that `fact` could not be gathered.
    pub fn error(&mut self, fact: impl Into<String>, message: impl Into<String>) {
        self.errors.push(CollectError {
            fact: fact.into(),
            message: message.into(),
        });
    }
}
