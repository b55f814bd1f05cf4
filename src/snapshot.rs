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

use crate::doc::Doc;
use crate::facts::placeholder::READ_FILE_PLACES;

/// Version of the snapshot format. Bump it on any incompatible change.
/// Version 2 adds [`Snapshot::unread`]; a version 1 snapshot reads as one with none.
pub const SNAPSHOT_SCHEMA_VERSION: u32 = 2;

/// The oldest snapshot format this bollwerk still reads.
pub const SNAPSHOT_SCHEMA_OLDEST: u32 = 1;

/// Parses the text of a snapshot file as `scan --snapshot` reads it. `name` is used in
/// messages; errors are one line naming the file, and the version is checked.
pub fn parse(name: &str, text: &str) -> Result<Snapshot, SnapshotError> {
    let version_error = |version| SnapshotError::Version {
        file: name.to_string(),
        version,
    };
    let snap: Snapshot = serde_json::from_str(text).map_err(|e| {
        // A newer format fails on its new fields first: say which version it is instead.
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        match serde_json::from_str::<Version>(text) {
            Ok(v) if v.schema_version > SNAPSHOT_SCHEMA_VERSION => version_error(v.schema_version),
            _ => {
                let (at, what) = crate::diag::json_error(name, text, &e);
                SnapshotError::NotASnapshot { at, what }
            }
        }
    })?;
    if !(SNAPSHOT_SCHEMA_OLDEST..=SNAPSHOT_SCHEMA_VERSION).contains(&snap.schema_version) {
        return Err(version_error(snap.schema_version));
    }
    // Derived, so that a snapshot written before the fact existed has it too.
    let mut snap = snap;
    snap.derive_facts(Origin::File);
    Ok(snap)
}

/// Where a [`Snapshot`] comes from, as [`Snapshot::derive_facts`] needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Gathered now by `bollwerk collect` or `scan`.
    Collected,
    /// Read from a snapshot file, which an older bollwerk may have written or a person
    /// trimmed: the facts it lacks are marked not collected rather than read as empty.
    File,
}

/// Why a snapshot file could not be read; each names the file (and line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Not JSON, or not a snapshot's JSON.
    #[error("{at}: not a bollwerk snapshot: {what}")]
    NotASnapshot {
        /// `file:line:column`.
        at: String,
        /// What is wrong there, on one line.
        what: String,
    },
    /// A format version this bollwerk does not read.
    #[error("{file}: snapshot format version {version} is not supported (this bollwerk reads versions {SNAPSHOT_SCHEMA_OLDEST} to {SNAPSHOT_SCHEMA_VERSION})")]
    Version {
        /// The file.
        file: String,
        /// The version it declares.
        version: u32,
    },
}

impl From<SnapshotError> for String {
    fn from(e: SnapshotError) -> String {
        e.to_string()
    }
}

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
    /// Containers and images the daemon listed but bollwerk could not read (their inspect
    /// failed or timed out): every per-instance rule of their kind is `error` for each.
    #[serde(default)]
    pub unread: Vec<UnreadInstance>,
    /// Facts that could not be gathered, keyed by the fact path they would have filled.
    pub errors: Vec<CollectError>,
    /// Remarks that are not errors (a container that vanished mid-scan, a tool not installed).
    pub notes: Vec<String>,
    /// The container bollwerk ran in, when it ran in one: left out of `containers` (the
    /// scanner is not judged as a workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner: Option<ScannerContainer>,
    /// Facts left out on purpose (`image.special_files` without `--deep-images`), with the
    /// option that gathers them; rules reading them are `notchecked`.
    #[serde(default)]
    pub not_collected: Vec<CollectError>,
}

/// A container or image the daemon named in its list but whose facts could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnreadInstance {
    /// `container` or `image`.
    pub kind: String,
    /// Full id.
    pub id: String,
    /// Name (containers, without the leading `/`) or first tag (images) from the daemon's
    /// list; the id when the list gave none.
    pub name: String,
    /// Why it could not be read (one line).
    pub message: String,
}

/// The container bollwerk itself ran in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScannerContainer {
    /// Its full id.
    pub id: String,
    /// Its name (empty when the daemon did not list it).
    pub name: String,
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
    /// Fully qualified name, when the host's files give one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    /// Which machine this is, across scans and renames: 16 hex digits of a SHA-256 of
    /// /etc/machine-id (the id itself is not written: systemd asks that it stay private).
    /// Absent when the host has no readable machine id. Two hosts with the same name are told
    /// apart by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Operating system (`PRETTY_NAME` of /etc/os-release).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Kernel release (/proc/sys/kernel/osrelease).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Network interfaces with their MAC and IP addresses (loopback left out).
    #[serde(default)]
    pub interfaces: Vec<Interface>,
    /// Named locations (`bin:dockerd`, `unit:docker.service`, `socket:docker`, …) resolved to
    /// host paths; `null` when nothing was found.
    pub locations: BTreeMap<String, Option<String>>,
    /// For each location, the candidate paths that were looked at, in order.
    pub searched: BTreeMap<String, Vec<String>>,
    /// The other places a location stands for beside the one in `locations`, for names that
    /// may stand for several (`socket:docker`: every further unix socket dockerd listens on
    /// that exists here). A rule that names the location is asked of each place.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub further_locations: BTreeMap<String, Vec<String>>,
    /// Every unix socket found here through which the daemon is controlled: the Docker
    /// socket and every further one dockerd listens on (`socket:docker`), and the containerd
    /// socket it uses (`socket:containerd`). Derived from `locations` and `further_locations`
    /// ([`Snapshot::derive_host_facts`]) when a snapshot is collected or read; an error where
    /// one of those is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daemon_sockets: Vec<String>,
    /// File facts keyed by absolute host path (without the host root prefix).
    pub files: BTreeMap<String, FileFacts>,
    /// Every file and directory below a directory rules name (`/etc/docker/certs.d`), keyed by
    /// that directory, then by path; `null` for a directory that does not exist. A directory
    /// without an entry was never looked at.
    #[serde(default)]
    pub trees: BTreeMap<String, Option<BTreeMap<String, FileFacts>>>,
    /// For each directory of [`trees`](HostFacts::trees), the entries systemd would read from
    /// it as a unit's drop-ins (`docker.service.d/*.conf`): the regular files (or links to one)
    /// directly in it whose name ends in `.conf` and does not start with a dot. systemd reads
    /// nothing else there (an `override.conf.bak`, a `README`, a folder named `x.conf`, a file
    /// in a folder below). `null` for a directory that
    /// does not exist. Derived from `trees` when a snapshot is collected or read
    /// ([`Snapshot::derive_host_facts`]): a rule reading it has the directory walked, and an
    /// error of the walk is an error here too.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drop_ins: BTreeMap<String, Option<BTreeMap<String, FileFacts>>>,
    /// Linux security modules available on the host.
    #[serde(default)]
    pub lsm: LsmFacts,
    /// TCP sockets listening in the host's network namespace. Absent when they could not be
    /// read (an error), or from a snapshot file without them (made or trimmed by hand: not
    /// collected): a rule reading them is then `error` or `notchecked`, never judged on a
    /// host that listens nowhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listening: Option<Vec<ListeningSocket>>,
    /// Linux audit rules.
    pub audit: AuditFacts,
    /// Kernel parameters from `/proc/sys`, keyed by dotted name (`kernel.kptr_restrict`);
    /// `null` for one this kernel does not have. A name without an entry was never read.
    pub sysctl: BTreeMap<String, Option<String>>,
    /// Kernel parameters that a rule names with one `*` for a name that varies
    /// (`net.ipv4.conf.*.send_redirects`: one per network interface, and `all` and `default`),
    /// keyed by that name, then by each name the `*` stands for: every entry of the
    /// `/proc/sys` folder at the `*` that has the parameter.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctl_each: BTreeMap<String, BTreeMap<String, String>>,
    /// The `docker` group and who is in it; `null` when the group does not exist.
    pub docker_group: Option<GroupFacts>,
    /// For each socket of [`daemon_sockets`](HostFacts::daemon_sockets) whose mode lets its
    /// group connect (group write), keyed by path: the group that owns it (by the socket's gid)
    /// and who is in it. It can differ from `docker_group`: systemd gives the sockets it hands
    /// dockerd (`-H fd://`) `SocketGroup=`'s group, dockerd gives those it makes itself its
    /// `group` setting, and containerd's socket is normally group root. A socket whose mode
    /// keeps its group out has no entry.
    /// Absent from a snapshot written before bollwerk read it, or collected for rules that
    /// do not read it: then it is not collected, and a rule reading it `notchecked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_groups: Option<BTreeMap<String, GroupFacts>>,
    /// Where the Docker root directory lives; `null` when it could not be determined.
    pub docker_root: Option<DockerRootFacts>,
    /// The daemon-wide seccomp profile, when dockerd's `seccomp-profile` setting names a file
    /// (absent otherwise: Docker's built-in profile, or `unconfined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seccomp_profile: Option<SeccompProfileFacts>,
}

/// A seccomp profile file read from the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeccompProfileFacts {
    /// The file, as the setting names it.
    pub path: String,
    /// Whether it lets every system call through: its default action allows or only logs, and
    /// none of its rules refuses, kills, traps or traces a call.
    pub allows_every_call: bool,
}

/// Which Linux security modules the host kernel offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LsmFacts {
    /// AppArmor is enabled (`/sys/module/apparmor/parameters/enabled` is `Y`).
    pub apparmor: bool,
    /// SELinux is enabled (`/sys/fs/selinux/enforce` exists).
    pub selinux: bool,
}

/// A listening TCP socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListeningSocket {
    /// `tcp` or `tcp6`.
    pub proto: String,
    /// Local address (`0.0.0.0`, `::`, `127.0.0.1`).
    pub address: String,
    /// Local port.
    pub port: u16,
    /// True when bound to every address (`0.0.0.0` or `::`).
    pub wildcard: bool,
}

/// A network interface of the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// Interface name (`eth0`).
    pub name: String,
    /// MAC address (`02:42:ac:11:00:02`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// IPv4 and IPv6 addresses.
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// What `stat` says about one path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileFacts {
    /// Whether the path exists.
    pub exists: bool,
    /// `file`, `dir`, `socket`, `fifo`, `block`, `char`: the kind of what a link leads to;
    /// absent when missing (a link that leads nowhere too).
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
    /// Rules loaded in the kernel (`auditctl -l`); `null` when they could not be read, empty
    /// when the kernel records nothing (`loaded_disabled_by`).
    pub loaded: Option<Vec<AuditRule>>,
    /// Why `loaded` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_unavailable: Option<String>,
    /// Why `loaded` is empty though rules may be loaded: auditing is switched off in the
    /// kernel (`auditctl -s` reports `enabled 0`), so no loaded rule records anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_disabled_by: Option<String>,
    /// Rules from `/etc/audit/audit.rules` and `/etc/audit/rules.d/*.rules`; empty when those
    /// files switch auditing off (`persistent_disabled_by`).
    pub persistent: Vec<AuditRule>,
    /// Where the persistent rules switch auditing off (`-e 0`, read last): `file:line (rule)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_disabled_by: Option<String>,
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
    /// The object the kernel watches, when that is not `path` as written: `path` with the
    /// symlinks of its folders resolved on the host (`/var/run/docker.sock` →
    /// `/run/docker.sock`). Its last component is not followed: a watch on a symlink watches
    /// the link, not what it points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// The rule records only some events on its path (other fields than path, dir, perm,
    /// arch and key, such as `-F auid=1000` or `-F exe=…`, or a syscall list other than
    /// `-S all`): it does not count as a watch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrowed: bool,
}

/// A group that may control the daemon (the docker group, a socket's group) and its members.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFacts {
    /// Group name (normally `docker`).
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Users with the group: listed in `/etc/group` or having it as primary group in
    /// `/etc/passwd`, but for accounts of uid 0 (they control the daemon without it).
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

impl FileFacts {
    /// A [`FileFacts::kind`] in words, for messages: `dir` is "a directory".
    pub fn kind_named(kind: &str) -> &str {
        match kind {
            "file" => "a regular file",
            "dir" => "a directory",
            "socket" => "a socket",
            "fifo" => "a FIFO",
            "block" => "a block device",
            "char" => "a character device",
            other => other,
        }
    }
}

impl Sourced {
    /// How the source of a setting given on dockerd's command line begins (`flag --icc=false`).
    pub const FLAG_SOURCE: &'static str = "flag ";

    /// Whether the setting was given on dockerd's command line. Such a value is in force
    /// whatever daemon.json holds: dockerd refuses to start when both set a key.
    pub fn given_as_flag(&self) -> bool {
        self.source.starts_with(Self::FLAG_SOURCE)
    }
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
    /// The daemon.json in effect: dockerd's `--config-file`, else the default path when
    /// something is there (even if it could not be read).
    pub config_file: Option<String>,
    /// That daemon.json as written: its keys and values as the file holds them, before flags
    /// and `docker info` decide what is in force (empty when there is no file). Absent when
    /// it could not be read or parsed, and in snapshots made before bollwerk kept it. A fix
    /// plan starts from it, so that keys `docker info` reports (`data-root`) stay in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_as_written: Option<BTreeMap<String, Value>>,
    /// Effective settings by daemon.json key: file and flags merged, corrected by what `info`
    /// reports, dockerd's defaults where unset.
    pub settings: BTreeMap<String, Sourced>,
    /// `GET /networks`.
    pub networks: Vec<Value>,
    /// Swarm state from `info.Swarm.LocalNodeState` (`inactive`, `active`, …).
    pub swarm_state: Option<String>,
    /// Swarm details when this node is an active manager. On a locked node (`swarm_state`
    /// `locked`) the snapshot's errors hold `daemon.swarm` instead
    /// ([`Snapshot::mark_locked_swarm`]).
    #[serde(default)]
    pub swarm: Option<SwarmFacts>,
    /// Counts of containers and images, and which images no container uses. Absent when the
    /// daemon was not reached (an error), or from a snapshot file without them (made or
    /// trimmed by hand: not collected): a rule reading them is then `error` or `notchecked`,
    /// never judged on zeros.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryFacts>,
    /// The engine's release line and its support status, from bollwerk's dated release data
    /// (dockerd only).
    #[serde(default)]
    pub engine: Option<EngineSupport>,
    /// Which engine serves the API (dockerd or Podman) and whether it runs rootless.
    #[serde(default)]
    pub server: Option<ServerFacts>,
}

/// The engine behind the Docker API, as its own answers name it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerFacts {
    /// `Docker Engine` or `Podman`.
    pub product: String,
    /// Its version (`20.10.24+dfsg1`, `4.3.1`).
    pub version: String,
    /// True when dockerd serves the API: rules on dockerd's settings and files apply.
    pub dockerd: bool,
    /// True when it runs rootless (`info.SecurityOptions` holds `name=rootless`).
    pub rootless: bool,
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
    /// Effective user id of the process (0 unless the daemon runs rootless).
    #[serde(default)]
    pub uid: Option<u32>,
}

/// Swarm facts from a manager node.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SwarmFacts {
    /// `GET /swarm` (cluster spec: CA configuration, encryption, autolock).
    pub inspect: Value,
    /// `GET /nodes`.
    pub nodes: Vec<Value>,
    /// Number of manager nodes.
    pub managers: usize,
    /// Number of swarm secrets.
    pub secrets: usize,
    /// Overlay networks (name, encrypted).
    pub overlay_networks: Vec<OverlayNetwork>,
}

/// An overlay network.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayNetwork {
    /// Network name.
    pub name: String,
    /// Whether its data plane is encrypted (`--opt encrypted`).
    pub encrypted: bool,
}

/// Counts of containers and images on the daemon, whatever `--all` says.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryFacts {
    /// All containers.
    pub containers_total: usize,
    /// Running containers.
    pub containers_running: usize,
    /// Stopped containers: exited, created (never started) or dead. Paused, restarting and
    /// removing ones are neither running nor stopped.
    pub containers_stopped: usize,
    /// Images.
    pub images_total: usize,
    /// Images no container (running or not) uses.
    pub images_unused: usize,
    /// Tags (or ids) of the unused images.
    pub unused_images: Vec<String>,
}

/// Where the engine's release line stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineSupport {
    /// The engine version (`20.10.24+dfsg1`).
    pub version: String,
    /// Its release line (`20.10`).
    pub line: String,
    /// End of upstream support for that line, when known (`2023-12-10`).
    pub end_of_life: Option<String>,
    /// True when the line is still supported at collection time; `null` when the line is not in
    /// the data.
    pub supported: Option<bool>,
    /// The data file's date.
    pub data_as_of: String,
}

/// One container.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerFacts {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// `GET /containers/{id}/json`, as the daemon returned it (held compactly: a busy host
    /// has thousands; keys serialise sorted).
    pub inspect: Doc,
    /// What the kernel says about its main process; `null` when it is not running.
    pub runtime: Option<RuntimeFacts>,
    /// Its processes as objects with keys `PID`, `USER`, `NAME` (the command name) and `ARGS`
    /// (the command line), read from its cgroup and `/proc` (`GET /containers/{id}/top` where
    /// those cannot be read); empty when it is not running.
    #[serde(default)]
    pub processes: Vec<Value>,
    /// Its exec instances (`GET /exec/{id}/json` for each of inspect's ExecIDs).
    #[serde(default)]
    pub execs: Vec<Value>,
    /// Whether its image reference (Config.Image) still points to the image it runs.
    #[serde(default)]
    pub image_freshness: Option<ImageFreshness>,
    /// The capabilities it holds, judged against Docker's default set; `null` in snapshots
    /// written before bollwerk derived it.
    #[serde(default)]
    pub capabilities: Option<CapabilityFacts>,
    /// Its security options (HostConfig.SecurityOpt) told apart: those chosen for it and those
    /// Docker added by itself; `null` in snapshots written before bollwerk derived it.
    #[serde(default)]
    pub security_opt: Option<SecurityOptFacts>,
    /// For each namespace it takes from another container (`--network container:X`,
    /// `--pid container:X`, `--ipc container:X`, keyed `network`, `pid`, `ipc`): a list of one,
    /// that container's own mode for it, followed to the end of the chain (`host` when X
    /// shares the host's). A list, so that rules read it with `every` and containers that join
    /// none record no evidence. Read from the settings, so it holds for containers that are
    /// not running too; absent when X is unknown to the daemon. When X was listed but could
    /// not be read, or its inspect has no HostConfig, `joins.KIND` is one of [`Self::errors`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub joins: BTreeMap<String, Vec<String>>,
    /// For each named volume it mounts that the local driver binds to a host path
    /// (`docker volume create -o type=none -o o=bind -o device=/etc`), keyed by the volume's
    /// name: that path (`GET /volumes`). Inspect's Mounts give such a volume's Source as its
    /// folder under the Docker root, but the files are the host path's. Absent when it mounts
    /// none, so that rules read it with `every` and record no evidence for other containers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bound_volumes: BTreeMap<String, String>,
    /// For each bind mount whose source is a symbolic link or lies below one, keyed by the
    /// source inspect's Mounts give (the path as written, `-v /srv/conf:/c`): the host path it
    /// resolves to, which is what the kernel mounted (`/etc` when /srv/conf links there).
    /// Absent when no source resolves elsewhere, so that rules read it with `every` and record
    /// no evidence for other containers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resolved_sources: BTreeMap<String, String>,
    /// Facts that could not be read for this container, keyed by sub-path (`runtime.cgroup`;
    /// `inspect.HostConfig` and the facts derived from it when its inspect has no HostConfig
    /// object).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// The facts above other than inspect, as the document rules read ([`Self::facts_doc`]).
    #[serde(skip)]
    pub built: BuiltDoc,
}

/// The facts worked out from a container's HostConfig besides the inspect's own (see
/// [`crate::collect::derive`]): unknown when it has none.
const FROM_HOST_CONFIG: [&str; 2] = ["capabilities", "security_opt"];

impl ContainerFacts {
    /// Why its inspect gives no HostConfig object (`null`, absent or not an object, which only
    /// an edited or truncated snapshot or an API other than Docker's gives): then none of its
    /// settings is known, and taking them as Docker's defaults would pass rules on nothing.
    pub fn host_config_missing(&self) -> Option<String> {
        let what = match self.inspect.pointer("/HostConfig") {
            Some(h) if h.is_object() => return None,
            Some(h) if h.is_null() => "it is null",
            Some(_) => "it is not an object",
            None => "it is absent",
        };
        Some(format!(
            "its docker inspect has no HostConfig ({what}): its settings cannot be read"
        ))
    }

    /// When its inspect has no HostConfig object, records `inspect.HostConfig` and the facts
    /// derived from it as errors of this container (any values of those a file held are
    /// dropped), so that every rule reading them reports `error` for it rather than judging
    /// defaults. Returns whether it did.
    pub fn mark_missing_host_config(&mut self) -> bool {
        let Some(why) = self.host_config_missing() else {
            return false;
        };
        for key in std::iter::once("inspect.HostConfig").chain(FROM_HOST_CONFIG) {
            self.errors.insert(key.to_string(), why.clone());
        }
        (self.capabilities, self.security_opt) = (None, None);
        self.facts_changed();
        true
    }

    /// Its facts other than the inspect document (which is one already), as one compact
    /// document with the snapshot's field names: what rules read below `container.` besides
    /// `inspect`, so that every fact a rule reads is a [`Doc`] node and evidence can point
    /// at it. Built the first time it is read (collection reads it as it finishes, see
    /// [`Snapshot::build_documents`]) and kept; call [`Self::facts_changed`] after changing
    /// the facts.
    pub fn facts_doc(&self) -> &Doc {
        self.built.get_or_build(|| self.build_facts_doc())
    }

    /// Forgets the document [`Self::facts_doc`] built: the facts were changed.
    pub fn facts_changed(&mut self) {
        self.built.forget();
    }

    fn build_facts_doc(&self) -> Doc {
        // Destructured in full: a field added to ContainerFacts must be placed here too.
        let ContainerFacts {
            id,
            name,
            inspect: _,
            runtime,
            processes,
            execs,
            image_freshness,
            capabilities,
            security_opt,
            joins,
            bound_volumes,
            resolved_sources,
            errors,
            built: _,
        } = self;
        #[derive(Serialize)]
        struct Rest<'a> {
            id: &'a str,
            name: &'a str,
            runtime: &'a Option<RuntimeFacts>,
            processes: &'a [Value],
            execs: &'a [Value],
            image_freshness: &'a Option<ImageFreshness>,
            capabilities: &'a Option<CapabilityFacts>,
            security_opt: &'a Option<SecurityOptFacts>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            joins: &'a BTreeMap<String, Vec<String>>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            bound_volumes: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            resolved_sources: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            errors: &'a BTreeMap<String, String>,
        }
        let rest = Rest {
            id,
            name,
            runtime,
            processes,
            execs,
            image_freshness,
            capabilities,
            security_opt,
            joins,
            bound_volumes,
            resolved_sources,
            errors,
        };
        Doc::of(&rest).unwrap_or_default()
    }
}

/// The capabilities a container holds (names without `CAP_`, upper case, in the kernel's
/// order).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CapabilityFacts {
    /// What it holds: the bounding set of its first process when it runs (what any process in
    /// it can have), else worked out from HostConfig (Privileged, Capabilities, CapDrop,
    /// CapAdd) and Docker's default set.
    pub held: Vec<String>,
    /// The capabilities in `held` that Docker's default set does not have.
    pub added_beyond_default: Vec<String>,
    /// Where `held` comes from (`/proc/PID/status CapBnd`, or the HostConfig settings).
    pub source: String,
}

/// A container's security options told apart.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityOptFacts {
    /// The options chosen for it: HostConfig.SecurityOpt without those Docker added itself.
    pub chosen: Vec<String>,
    /// Options Docker added by itself, each with the setting that made it add it:
    /// `label=disable (added by Docker because of --pid host)`.
    pub added_by_docker: Vec<String>,
    /// The setting that made Docker turn SELinux labelling off (`--pid host`, `--ipc host`,
    /// `--privileged`), when one did.
    pub label_disabled_by: Option<String>,
    /// Whether a seccomp profile chosen for it (`--security-opt seccomp=profile.json`, kept as
    /// `seccomp={…}`) lets every system call through: its default action allows or only logs,
    /// and none of its rules refuses, kills, traps or traces a call. The kernel then shows a
    /// filter (`Seccomp: 2`) that filters nothing. False in snapshots written before bollwerk
    /// read profiles.
    #[serde(default)]
    pub seccomp_allows_every_call: bool,
}

/// A container's image reference compared with the image it runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageFreshness {
    /// The reference it was created from (`nginx:1.25`).
    pub reference: String,
    /// The image id it runs.
    pub running_id: String,
    /// The image id the reference points to now, when the daemon has it.
    pub current_id: Option<String>,
    /// True when both are the same image.
    pub current: bool,
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
    /// TCP sockets listening in the container's network namespace.
    #[serde(default)]
    pub listening: Vec<ListeningSocket>,
    /// The capability sets of the main process (`/proc/PID/status`).
    #[serde(default)]
    pub capabilities: Option<ProcessCapabilities>,
}

/// Capability sets of a process, by name (without `CAP_`, in the kernel's order).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcessCapabilities {
    /// CapEff: what it can use now (empty for a process running as a user other than root).
    pub effective: Vec<String>,
    /// CapBnd: the most it or any process it starts can ever have.
    pub bounding: Vec<String>,
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
    /// Cgroup path of the container (memory controller on v1): the cgroup that names it, which
    /// its main process may have left for one below.
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
    /// Registries its tags come from (`docker.io`, `registry.example.com:5000`).
    #[serde(default)]
    pub registries: Vec<String>,
    /// Days since it was built, at collection time.
    #[serde(default)]
    pub age_days: Option<i64>,
    /// Number of containers (running or not) using it.
    #[serde(default)]
    pub containers: usize,
    /// Files with the setuid or setgid bit, from every layer; `null` unless collected with
    /// `--deep-images`.
    #[serde(default)]
    pub special_files: Option<Vec<SpecialFile>>,
    /// How many of its strings were masked as secrets when the snapshot was saved (see
    /// `bollwerk collect --keep-secrets`); 0 when nothing was masked.
    #[serde(default)]
    pub masked_secrets: usize,
    /// The facts above as the document rules read ([`Self::facts_doc`]).
    #[serde(skip)]
    pub built: BuiltDoc,
}

impl ImageFacts {
    /// All its facts as one compact document, as rules read them below `image.`. Built the
    /// first time it is read and kept; call [`Self::facts_changed`] after changing the facts.
    pub fn facts_doc(&self) -> &Doc {
        self.built
            .get_or_build(|| Doc::of(self).unwrap_or_default())
    }

    /// Forgets the document [`Self::facts_doc`] built: the facts were changed.
    pub fn facts_changed(&mut self) {
        self.built.forget();
    }
}

/// A document built from typed facts the first time it is read, then kept, so that an
/// instance's facts are one document for every evaluation of the snapshot and evidence can
/// point into it instead of copying values out. Not serialised: a snapshot read back builds
/// it again. A copy starts without it, since the copy may be changed before it is read.
#[derive(Default)]
pub struct BuiltDoc(std::sync::OnceLock<Doc>);

impl BuiltDoc {
    fn get_or_build(&self, build: impl FnOnce() -> Doc) -> &Doc {
        self.0.get_or_init(build)
    }

    fn forget(&mut self) {
        self.0.take();
    }
}

impl Clone for BuiltDoc {
    fn clone(&self) -> BuiltDoc {
        BuiltDoc::default()
    }
}

impl std::fmt::Debug for BuiltDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0.get() {
            Some(_) => "BuiltDoc(built)",
            None => "BuiltDoc(not built)",
        })
    }
}

/// A setuid or setgid file in an image layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialFile {
    /// Path inside the image.
    pub path: String,
    /// Mode, four octal digits (`4755`).
    pub mode: String,
    /// The layer that holds it.
    pub layer: String,
}

/// The error of `daemon.swarm` on a node whose swarm is locked ([`Snapshot::mark_locked_swarm`]).
pub const SWARM_LOCKED: &str = "the node is locked: unlock it (docker swarm unlock) and scan again";

/// Whether systemd reads the entry `name` of a unit's drop-in folder (`docker.service.d`),
/// whose kind is `kind` (as [`FileFacts::kind`] gives it, a symlink followed): a regular file
/// with a drop-in's name ([`has_drop_in_name`]). A folder, socket or device named `x.conf` is
/// not read, nor is a link that leads nowhere.
pub fn is_drop_in(name: &str, kind: Option<&str>) -> bool {
    has_drop_in_name(name) && kind == Some("file")
}

/// Whether `name` is a drop-in's name: directly in the folder (no `/`), ending in `.conf`, not
/// hidden (systemd skips names that start with a dot). An entry so named, whatever its kind,
/// hides the entry of the same name in a drop-in folder of lower priority (a link to
/// `/dev/null` masks a vendor's drop-in); it is read only when [`is_drop_in`].
pub fn has_drop_in_name(name: &str) -> bool {
    name.ends_with(".conf") && !name.starts_with('.') && !name.contains('/')
}

/// The locations [`HostFacts::daemon_sockets`] is made of.
pub const DAEMON_SOCKET_LOCATIONS: [&str; 2] = ["socket:docker", "socket:containerd"];

impl HostFacts {
    /// Sets [`HostFacts::drop_ins`] from [`HostFacts::trees`]: for each directory walked, the
    /// entries directly in it that systemd reads as drop-ins ([`is_drop_in`]).
    pub fn derive_drop_ins(&mut self) {
        self.drop_ins = self
            .trees
            .iter()
            .map(|(dir, entries)| {
                let read = entries.as_ref().map(|entries| {
                    let folder = format!("{}/", dir.trim_end_matches('/'));
                    entries
                        .iter()
                        .filter(|(path, f)| {
                            path.strip_prefix(&folder)
                                .is_some_and(|name| is_drop_in(name, f.kind.as_deref()))
                        })
                        .map(|(path, f)| (path.clone(), f.clone()))
                        .collect()
                });
                (dir.clone(), read)
            })
            .collect();
    }

    /// Sets [`HostFacts::daemon_sockets`] from the places of [`DAEMON_SOCKET_LOCATIONS`] found,
    /// each once, in that order.
    pub fn derive_daemon_sockets(&mut self) {
        let mut sockets: Vec<String> = Vec::new();
        for name in DAEMON_SOCKET_LOCATIONS {
            let found = self.locations.get(name).cloned().flatten();
            let further = self.further_locations.get(name).into_iter().flatten();
            for place in found.iter().chain(further) {
                if !sockets.contains(place) {
                    sockets.push(place.clone());
                }
            }
        }
        self.daemon_sockets = sockets;
    }
}

impl Snapshot {
    /// Builds every container's and image's facts document now, so that evaluating the
    /// snapshot only reads them: collection calls it once the facts are in. Containers are
    /// shared out over the cores when there are many (a few microseconds each).
    pub fn build_documents(&self) {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let share = self.containers.len().div_ceil(threads).max(256);
        std::thread::scope(|scope| {
            let mut shares = self.containers.chunks(share);
            let mine = shares.next();
            for other in shares {
                let build = move || {
                    other.iter().for_each(|c| {
                        c.facts_doc();
                    })
                };
                // No thread to be had (a pids limit): the documents are built when first read.
                let _ = std::thread::Builder::new().spawn_scoped(scope, build);
            }
            mine.into_iter().flatten().for_each(|c| {
                c.facts_doc();
            });
        });
        for i in &self.images {
            i.facts_doc();
        }
    }

    /// Applies every fact and error derived from the snapshot's other facts, in order: the
    /// host's ([`Self::derive_host_facts`]), the swarm's overlay networks where the networks
    /// failed ([`Self::mark_overlay_networks_of_failed_networks`]), a locked swarm
    /// ([`Self::mark_locked_swarm`]), and each container without a HostConfig
    /// ([`ContainerFacts::mark_missing_host_config`]); for a snapshot read from a file, also the
    /// facts it lacks (`mark_facts_not_in_file`).
    ///
    /// One list for collection (once every fact is in) and for reading a file, so that a
    /// snapshot read back is judged as it was when collected: a mark added here applies to
    /// both. (The facts worked out from a container's inspect, its capabilities and security
    /// options, are collection's: `collect::derive` makes them as it finishes, and the CLI
    /// makes them for a file written before they existed, as this layer calls no collection.)
    /// Each mark leaves an error that is there already alone, so applying them again changes
    /// nothing.
    pub fn derive_facts(&mut self, origin: Origin) {
        self.derive_host_facts();
        self.mark_overlay_networks_of_failed_networks();
        self.mark_locked_swarm();
        // Collection reads some facts only for the rules that need them: only a file can lack
        // one that a rule reads.
        if origin == Origin::File {
            self.mark_facts_not_in_file();
        }
        // Facts derived from a HostConfig the inspect does not have are unknown, whatever a
        // file says.
        for c in &mut self.containers {
            c.mark_missing_host_config();
        }
    }

    /// Sets the host facts derived from others ([`HostFacts::derive_daemon_sockets`]). Where a
    /// fact they are made of is a collection error (the locations, or one of the places), the
    /// derived fact is that error too: a list made of what could not be read is not a short
    /// list. The same holds for `host.socket_groups`, read from those places. And
    /// [`HostFacts::drop_ins`] from the trees walked, an error where the walk was one. Part of
    /// [`Self::derive_facts`], which is what collection and reading a file call.
    pub fn derive_host_facts(&mut self) {
        self.host.derive_daemon_sockets();
        // Both are made of the sockets' locations.
        for derived in ["host.daemon_sockets", "host.socket_groups"] {
            self.mark_made_of_sockets(derived);
        }
        self.host.derive_drop_ins();
        self.mark_drop_ins_of_failed_trees();
        self.mark_located_files_of_another_kind();
    }

    /// Makes `host.files["P"]` an error where P is located through one of the
    /// [`READ_FILE_PLACES`] (daemon.json, containerd's config, a TLS file) but is a folder, a
    /// socket or another kind than a regular file (a link is followed): the daemon cannot read
    /// it, and the owner and mode rules would otherwise judge it as a file (and a person told
    /// to `chmod 644` a folder). Other places may name a folder (`setting:data-root`).
    fn mark_located_files_of_another_kind(&mut self) {
        let marks: Vec<(String, String)> = self
            .host
            .locations
            .iter()
            .filter(|(place, _)| READ_FILE_PLACES.contains(&place.as_str()))
            .filter_map(|(place, path)| {
                let path = path.as_ref()?;
                let kind = self.host.files.get(path)?.kind.as_deref()?;
                (kind != "file").then(|| {
                    let what = FileFacts::kind_named(kind);
                    (
                        format!("host.files[\"{path}\"]"),
                        format!("{path} ({{{place}}}) is not a regular file but {what}: the daemon cannot read it, and its owner and mode are not a file's"),
                    )
                })
            })
            .collect();
        for (fact, message) in marks {
            self.error_unless_one(fact, message);
        }
    }

    /// Makes `host.drop_ins["DIR"]` the error of the walk of `DIR` where that walk failed (an
    /// error at `host.trees["DIR"]` or below it; one at `host.trees` makes `host.drop_ins` that
    /// error), unless it is one already: the drop-ins of a folder that could not be listed are
    /// not none.
    fn mark_drop_ins_of_failed_trees(&mut self) {
        let marks: Vec<(String, String)> = self
            .errors
            .iter()
            .filter_map(|e| {
                let derived = if e.fact == "host.trees" {
                    "host.drop_ins".to_string()
                } else {
                    let dir = e.fact.strip_prefix("host.trees[\"")?;
                    let dir = &dir[..dir.find("\"]")?];
                    format!("host.drop_ins[\"{dir}\"]")
                };
                Some((derived, e.message.clone()))
            })
            .collect();
        for (fact, message) in marks {
            self.error_unless_one(fact, message);
        }
    }

    /// Makes `daemon.swarm` the error [`SWARM_LOCKED`] on a node whose swarm is locked
    /// (`daemon.swarm_state` is `locked`: a manager under autolock, restarted, waiting for
    /// `docker swarm unlock`), unless it holds an error already. Such a node is in a swarm but
    /// tells nothing about it, so the swarm rules cannot decide: they read this error rather
    /// than finding the node outside any swarm.
    pub fn mark_locked_swarm(&mut self) {
        if self.daemon.swarm_state.as_deref() == Some("locked") {
            self.error_unless_one("daemon.swarm", SWARM_LOCKED);
        }
    }

    /// Marks as not collected the facts a snapshot file lacks that collection reads only for
    /// rules that need them, that an older bollwerk did not read (`host.socket_groups`), or
    /// that a file made or trimmed by hand left out (`host.listening`, `daemon.inventory`):
    /// absent, they would read as empty. One that is an error (or under one) stays that.
    fn mark_facts_not_in_file(&mut self) {
        let absent = [
            (
                "host.socket_groups",
                self.host.socket_groups.is_none(),
                "the groups of the daemon's sockets are not in this snapshot (written by an older bollwerk, or for rules that do not read them): collect again",
            ),
            (
                "host.listening",
                self.host.listening.is_none(),
                "the host's listening sockets are not in this snapshot: collect again",
            ),
            (
                "daemon.inventory",
                self.daemon.inventory.is_none(),
                "the counts of containers and images are not in this snapshot: collect again",
            ),
        ];
        for (fact, missing, message) in absent {
            let known = |e: &CollectError| {
                fact == e.fact
                    || fact
                        .strip_prefix(e.fact.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            };
            let marked = self.errors.iter().chain(&self.not_collected).any(known);
            if missing && !marked {
                self.not_collected.push(CollectError {
                    fact: fact.into(),
                    message: message.into(),
                });
            }
        }
    }

    /// Makes a swarm manager's overlay networks the error of `GET /networks` they are made
    /// of, where it is one and they are not an error already ([`Self::derive_facts`]: one
    /// written before this holds an empty list for them).
    pub fn mark_overlay_networks_of_failed_networks(&mut self) {
        if self.daemon.swarm.is_none() {
            return;
        }
        if let Some(why) = self.errors.iter().find(|e| e.fact == "daemon.networks") {
            let message = why.message.clone();
            self.error_unless_one("daemon.swarm.overlay_networks", message);
        }
    }

    /// Makes `derived` the error of the daemon's sockets' locations, where they are one and it
    /// is not an error already.
    fn mark_made_of_sockets(&mut self, derived: &str) {
        let made_of = |fact: &str| {
            ["host.locations", "host.further_locations"]
                .iter()
                .any(|kind| {
                    fact == *kind
                        || DAEMON_SOCKET_LOCATIONS
                            .iter()
                            .any(|name| fact == format!("{kind}[\"{name}\"]"))
                })
        };
        if let Some(why) = self.errors.iter().find(|e| made_of(&e.fact)) {
            let message = why.message.clone();
            self.error_unless_one(derived, message);
        }
    }

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
            unread: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
            scanner: None,
            not_collected: Vec::new(),
        }
    }

    /// Records that `fact` could not be gathered.
    pub fn error(&mut self, fact: impl Into<String>, message: impl Into<String>) {
        self.errors.push(CollectError {
            fact: fact.into(),
            message: message.into(),
        });
    }

    /// Records that `fact` could not be gathered, unless an error is recorded for it already:
    /// a fact has one error, the first found (the facts derived from others, marked again each
    /// time a snapshot is read, are not added twice).
    fn error_unless_one(&mut self, fact: impl Into<String>, message: impl Into<String>) {
        let fact = fact.into();
        if !self.errors.iter().any(|e| e.fact == fact) {
            self.error(fact, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_with_a_newline_gives_a_one_line_error_naming_the_file() {
        // The snapshot fuzzer's first find: serde quoted the key, newline and all.
        let text = "{\"schema_version\": 1, \"all_co\\ntainers\": false}";
        let e = parse("s.json", text).unwrap_err();
        assert!(
            matches!(&e, SnapshotError::NotASnapshot { at, .. } if at.starts_with("s.json:1:"))
        );
        let e = e.to_string();
        assert!(e.starts_with("s.json:1:"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("unknown field `all_co\\ntainers`"), "{e}");
    }

    #[test]
    fn a_locked_swarm_node_has_its_swarm_as_an_error_that_says_to_unlock_it() {
        let swarm_errors = |s: &Snapshot| {
            s.errors
                .iter()
                .filter(|e| e.fact == "daemon.swarm")
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
        };
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        for state in ["inactive", "active"] {
            snap.daemon.swarm_state = Some(state.into());
            let read = parse("s.json", &serde_json::to_string(&snap).unwrap()).unwrap();
            assert!(swarm_errors(&read).is_empty(), "{state}");
        }
        // A snapshot written without it (an older bollwerk) has it once read, and only once
        // when read again.
        snap.daemon.swarm_state = Some("locked".into());
        let read = parse("s.json", &serde_json::to_string(&snap).unwrap()).unwrap();
        assert_eq!(swarm_errors(&read), [SWARM_LOCKED]);
        let again = parse("s.json", &serde_json::to_string(&read).unwrap()).unwrap();
        assert_eq!(swarm_errors(&again), [SWARM_LOCKED]);
        // An error of its own (GET /info failed) stays the one.
        snap.error("daemon.swarm", "GET /info failed: timeout");
        snap.mark_locked_swarm();
        assert_eq!(swarm_errors(&snap), ["GET /info failed: timeout"]);
    }

    #[test]
    fn the_daemon_s_sockets_are_every_docker_and_containerd_socket_found_once() {
        let mut h = HostFacts::default();
        h.derive_daemon_sockets();
        assert!(h.daemon_sockets.is_empty());
        h.locations
            .insert("socket:docker".into(), Some("/run/docker.sock".into()));
        h.locations.insert("socket:containerd".into(), None);
        h.locations
            .insert("unit:docker.socket".into(), Some("/lib/x".into()));
        h.further_locations.insert(
            "socket:docker".into(),
            vec!["/srv/api.sock".into(), "/run/docker.sock".into()],
        );
        h.derive_daemon_sockets();
        assert_eq!(h.daemon_sockets, ["/run/docker.sock", "/srv/api.sock"]);
        h.locations.insert(
            "socket:containerd".into(),
            Some("/srv/exec/containerd/containerd.sock".into()),
        );
        h.derive_daemon_sockets();
        assert_eq!(
            h.daemon_sockets,
            [
                "/run/docker.sock",
                "/srv/api.sock",
                "/srv/exec/containerd/containerd.sock"
            ]
        );
    }

    #[test]
    fn drop_ins_are_the_conf_files_systemd_reads_and_an_error_where_the_walk_is() {
        let dir = "/etc/systemd/system/docker.service.d";
        let file = FileFacts {
            exists: true,
            kind: Some("file".into()),
            ..FileFacts::default()
        };
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        let entries = [
            "a.conf",
            "a.conf.bak",
            "README",
            ".hidden.conf",
            "old",
            "old/b.conf",
        ]
        .map(|name| (format!("{dir}/{name}"), file.clone()));
        // A folder named like a drop-in is none: systemd takes files.
        let folder = FileFacts {
            kind: Some("dir".into()),
            ..file.clone()
        };
        let entries = entries
            .into_iter()
            .chain([(format!("{dir}/folder.conf"), folder)]);
        snap.host.trees.insert(dir.into(), Some(entries.collect()));
        snap.host
            .trees
            .insert("/run/systemd/system/docker.service.d".into(), None);
        snap.host.trees.insert(
            "/lib/systemd/system/docker.service.d".into(),
            Some(BTreeMap::new()),
        );
        snap.error(
            "host.trees[\"/lib/systemd/system/docker.service.d\"]",
            "/lib/systemd/system/docker.service.d/x.conf: owner 1234 has no name",
        );
        // Not walked, and its walk failed: no entry, and an error.
        snap.error(
            "host.trees[\"/usr/lib/systemd/system/docker.service.d\"]",
            "cannot list /usr/lib/systemd/system/docker.service.d: Permission denied",
        );
        let read = parse("s.json", &serde_json::to_string(&snap).unwrap()).unwrap();
        let read_in = |d: &str| {
            read.host.drop_ins[d]
                .as_ref()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        assert_eq!(read_in(dir), Some(vec![format!("{dir}/a.conf")]));
        assert_eq!(read_in("/run/systemd/system/docker.service.d"), None);
        let errors: Vec<(&str, &str)> = read
            .errors
            .iter()
            .filter(|e| e.fact.starts_with("host.drop_ins"))
            .map(|e| (e.fact.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (
                    "host.drop_ins[\"/lib/systemd/system/docker.service.d\"]",
                    "/lib/systemd/system/docker.service.d/x.conf: owner 1234 has no name"
                ),
                (
                    "host.drop_ins[\"/usr/lib/systemd/system/docker.service.d\"]",
                    "cannot list /usr/lib/systemd/system/docker.service.d: Permission denied"
                ),
            ]
        );
        // Read again, they are not added twice.
        let again = parse("s.json", &serde_json::to_string(&read).unwrap()).unwrap();
        assert_eq!(again.errors.len(), read.errors.len());
        assert!(has_drop_in_name("override.conf") && !has_drop_in_name(".override.conf"));
        assert!(!has_drop_in_name("override.conf~") && !has_drop_in_name("sub/override.conf"));
        let file = Some("file");
        assert!(is_drop_in("override.conf", file) && !is_drop_in(".override.conf", file));
        for other in [Some("dir"), Some("socket"), Some("char"), None] {
            assert!(!is_drop_in("override.conf", other), "{other:?}");
        }
    }

    #[test]
    fn only_places_of_files_the_daemon_reads_must_be_regular_files() {
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        let folder = FileFacts {
            exists: true,
            kind: Some("dir".into()),
            ..FileFacts::default()
        };
        // A user's rule may well name the data-root, a folder, through its setting.
        for (place, path) in [
            ("setting:data-root", "/var/lib/docker"),
            ("setting:tlscacert", "/etc/docker/ca.pem"),
        ] {
            snap.host.locations.insert(place.into(), Some(path.into()));
            snap.host.files.insert(path.into(), folder.clone());
        }
        snap.derive_host_facts();
        let marked: Vec<_> = snap.errors.iter().map(|e| e.fact.as_str()).collect();
        assert_eq!(marked, ["host.files[\"/etc/docker/ca.pem\"]"]);
        assert_eq!(
            snap.errors[0].message,
            "/etc/docker/ca.pem ({setting:tlscacert}) is not a regular file but a directory: the daemon cannot read it, and its owner and mode are not a file's"
        );
    }

    #[test]
    fn the_daemon_s_sockets_are_an_error_where_their_places_are() {
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        snap.host
            .locations
            .insert("socket:docker".into(), Some("/run/docker.sock".into()));
        snap.error("host.locations", "located with settings that came too late");
        let text = serde_json::to_string(&snap).unwrap();
        let read = parse("s.json", &text).unwrap();
        assert_eq!(read.host.daemon_sockets, ["/run/docker.sock"]);
        let derived: Vec<_> = read
            .errors
            .iter()
            .filter(|e| e.fact == "host.daemon_sockets")
            .collect();
        assert_eq!(derived.len(), 1, "{:?}", read.errors);
        assert_eq!(
            derived[0].message,
            "located with settings that came too late"
        );
        // Read again, it is not added twice.
        let again = parse("s.json", &serde_json::to_string(&read).unwrap()).unwrap();
        assert_eq!(again.errors.len(), read.errors.len());
        // Errors elsewhere leave it alone.
        let mut fine = Snapshot::new("/", "unix:///run/docker.sock", false);
        fine.error("host.files[\"/etc/docker\"]", "permission denied");
        fine.derive_host_facts();
        assert!(fine.errors.iter().all(|e| e.fact != "host.daemon_sockets"));
        // The sockets' groups, read from the same places, carry the same error.
        assert_eq!(
            read.errors
                .iter()
                .filter(|e| e.fact == "host.socket_groups")
                .count(),
            1,
            "{:?}",
            read.errors
        );
    }

    #[test]
    fn socket_groups_not_read_are_not_collected_never_an_empty_table() {
        // An older snapshot has no socket_groups: rules reading it are notchecked.
        let text = serde_json::to_string(&Snapshot::new("/", "unix:///x.sock", false)).unwrap();
        let old = parse("s.json", &text).unwrap();
        let marked: Vec<_> = old
            .not_collected
            .iter()
            .filter(|e| e.fact == "host.socket_groups")
            .collect();
        assert_eq!(marked.len(), 1, "{:?}", old.not_collected);
        assert!(marked[0].message.contains("older bollwerk"));
        // Read again, it is not added twice.
        let again = parse("s.json", &serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(again.not_collected.len(), old.not_collected.len());
        // Read, even with no socket whose group may connect, it is a fact.
        let mut read = Snapshot::new("/", "unix:///run/docker.sock", false);
        read.host.socket_groups = Some(BTreeMap::new());
        let read = parse("s.json", &serde_json::to_string(&read).unwrap()).unwrap();
        assert!(read
            .not_collected
            .iter()
            .all(|e| e.fact != "host.socket_groups"));
    }

    #[test]
    fn counts_and_sockets_a_file_lacks_are_not_collected_unless_they_are_errors() {
        let not_collected = |snap: &Snapshot| -> Vec<String> {
            let text = serde_json::to_string(snap).unwrap();
            let read = parse("s.json", &text).unwrap();
            read.not_collected.iter().map(|e| e.fact.clone()).collect()
        };
        // Neither in the file: not collected, never zero counts and no socket.
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        let lacking = not_collected(&snap);
        assert!(
            lacking.contains(&"daemon.inventory".to_string()),
            "{lacking:?}"
        );
        assert!(
            lacking.contains(&"host.listening".to_string()),
            "{lacking:?}"
        );
        // In it, even empty: facts.
        snap.daemon.inventory = Some(InventoryFacts::default());
        snap.host.listening = Some(Vec::new());
        let lacking = not_collected(&snap);
        assert!(
            lacking
                .iter()
                .all(|f| f != "daemon.inventory" && f != "host.listening"),
            "{lacking:?}"
        );
        // Not read when collected (the daemon not reached, the sockets unreadable): they stay
        // the errors they are.
        let mut failed = Snapshot::new("/", "unix:///run/docker.sock", false);
        failed.error("daemon", "cannot reach the Docker daemon");
        failed.error("host.listening", "cannot read /proc/1/net/tcp");
        let lacking = not_collected(&failed);
        assert!(
            lacking
                .iter()
                .all(|f| f != "daemon.inventory" && f != "host.listening"),
            "{lacking:?}"
        );
        // An error on another fact whose name begins alike is no error on them.
        let mut other = Snapshot::new("/", "unix:///run/docker.sock", false);
        other.error("daemon.inv", "something else");
        other.error("host.listening_other", "something else");
        assert_eq!(
            not_collected(&other),
            not_collected(&Snapshot::new("/", "u", false))
        );
    }

    #[test]
    fn overlay_networks_made_of_failed_networks_are_that_error() {
        // Written before collection recorded it: the swarm's overlay networks an empty list
        // beside the failed /networks.
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        snap.daemon.swarm = Some(SwarmFacts::default());
        snap.error("daemon.networks", "GET /networks failed: timed out");
        let read = parse("s.json", &serde_json::to_string(&snap).unwrap()).unwrap();
        let overlay: Vec<_> = read
            .errors
            .iter()
            .filter(|e| e.fact == "daemon.swarm.overlay_networks")
            .collect();
        assert_eq!(overlay.len(), 1, "{:?}", read.errors);
        assert_eq!(overlay[0].message, "GET /networks failed: timed out");
        // Read again, it is not added twice.
        let again = parse("s.json", &serde_json::to_string(&read).unwrap()).unwrap();
        assert_eq!(again.errors.len(), read.errors.len());
        // Not a swarm manager: nothing to mark.
        snap.daemon.swarm = None;
        let read = parse("s.json", &serde_json::to_string(&snap).unwrap()).unwrap();
        assert!(read
            .errors
            .iter()
            .all(|e| e.fact != "daemon.swarm.overlay_networks"));
    }

    #[test]
    fn a_newer_format_names_file_and_version() {
        let e = parse("s.json", "{\"schema_version\": 99}").unwrap_err();
        assert_eq!(
            e,
            SnapshotError::Version {
                file: "s.json".into(),
                version: 99
            }
        );
    }

    #[test]
    fn a_containers_facts_document_is_its_json_without_inspect() {
        let c: ContainerFacts = serde_json::from_value(serde_json::json!({
            "id": "abc", "name": "web",
            "inspect": {"Id": "abc", "HostConfig": {"Privileged": true}},
            "runtime": RuntimeFacts::default(),
            "processes": [{"PID": "42", "USER": "root", "NAME": "sh", "ARGS": "sh"}],
            "execs": [],
            "capabilities": {"held": ["CHOWN"], "added_beyond_default": [], "source": "x"},
            "errors": {"runtime.cgroup": "unreadable"}
        }))
        .unwrap();
        let mut want = serde_json::to_value(&c).unwrap();
        want.as_object_mut().unwrap().remove("inspect");
        assert_eq!(c.facts_doc().to_value(), want);
        let image: ImageFacts = serde_json::from_value(serde_json::json!({
            "id": "sha256:1", "tags": ["a:1"], "inspect": {"Config": {"User": ""}},
            "history": [{"CreatedBy": "sh"}]
        }))
        .unwrap();
        assert_eq!(
            image.facts_doc().to_value(),
            serde_json::to_value(&image).unwrap()
        );
    }
}
