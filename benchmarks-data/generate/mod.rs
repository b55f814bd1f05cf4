//! Synthetic snapshots for benchmarks: a plain module (no `main`), included by
//! `benches/evaluate.rs` with `#[path = "../benchmarks-data/generate/mod.rs"] mod generate;`.
//! One file per part of the host: `host.rs`, `daemon.rs`, `images.rs`, `containers.rs`; this
//! one holds the knobs, the PRNG and [`synthetic_snapshot`], which puts the parts together.
//!
//! [`synthetic_snapshot`] builds a [`Snapshot`] as `bollwerk collect` would write it for a busy
//! Docker 20.10 host: container inspect documents in the shape of `docker inspect` (about
//! 4–6 KB of JSON each), image inspect and history documents, runtime facts (namespaces,
//! cgroup v2 limits) for running containers, host facts (located binaries, units and sockets,
//! stat results, audit rules, the docker group, the Docker root mount) and the daemon's
//! effective settings as `Sourced` values, merged by bollwerk's own `daemon_config` code from a
//! generated daemon.json, dockerd command line and `docker info`.
//!
//! Everything is derived from `seed` with a small PRNG, so the same arguments give the same
//! snapshot (timestamps included).
//!
//! Mix of secure and insecure settings:
//! * per container and per image, settings are drawn at random; container 0 is hardened and
//!   container 1 is as weak as possible (image 0 names a user, image 1 runs as root), so every
//!   per-instance rule sees both passing and failing instances even in tiny snapshots;
//! * host and daemon facts are single-valued, so they follow a "knob" pattern: knob `j` is
//!   secure when `(j + seed)` is even, so seeds 0 and 1 flip every knob. Seeds 0–1 describe a
//!   Debian-family host and seeds 2–3 a Red Hat-family one (`/etc/default/docker` versus
//!   `/etc/sysconfig/docker`, legacy `containerd-shim`, AppArmor versus SELinux); facts that
//!   exist only in some seeds (TLS files, swarm details) use knobs that flip between seeds s and
//!   s + 2. Across seeds 0..4 every host and daemon rule both passes and fails.

use std::collections::BTreeMap;

use bollwerk::collect::daemon_config;
use bollwerk::collect::locations::UNIT_DIRS;
use bollwerk::doc::Doc;
use bollwerk::snapshot::{
    AuditFacts, AuditRule, CgroupFacts, ContainerFacts, DaemonFacts, DaemonProcess,
    DockerRootFacts, FileFacts, GroupFacts, HostFacts, ImageFacts, ImageFreshness, Interface,
    InventoryFacts, ListeningSocket, LsmFacts, NamespaceFacts, RuntimeFacts, Snapshot, SpecialFile,
    SwarmFacts,
};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

mod containers;
mod daemon;
mod host;
mod images;

/// Values for every rule parameter, so that no rule is left `notchecked` for want of one.
pub fn all_params() -> bollwerk::rules::Params {
    let mut p = bollwerk::rules::Params::default();
    for (name, value) in [
        ("trusted-users", json!(["alice", "ci-runner"])),
        ("registry-allow-list", json!(["registry.example.com"])),
        ("max-image-age-days", json!(180)),
        ("max-restart-retries", json!(5)),
        ("max-unused-images", json!(5)),
        ("max-stopped-containers", json!(10)),
        ("allowed-privileged-ports", json!([443])),
        ("allowed-wildcard-ports", json!([80, 443])),
    ] {
        p.values.insert(name.into(), value);
    }
    p
}

/// What the synthetic hosts of seeds 0–3 show of the rules with a check ([`coverage`]).
pub struct Coverage {
    /// How many rules have a check.
    pub checked: usize,
    /// Each rule that does not both pass and fail there (an informational one: that never
    /// reports), with the statuses seen (`2.5 (pass)`).
    pub gaps: Vec<String>,
    /// How many rules also see error instances.
    pub with_errors: usize,
}

/// Evaluates `rules` over small synthetic hosts of seeds 0–3: every rule with a check should
/// pass somewhere and fail somewhere (a rule over instances counts its instances' statuses).
pub fn coverage(rules: &bollwerk::rules::RuleSet, params: &bollwerk::rules::Params) -> Coverage {
    use bollwerk::rules::Status;
    use std::collections::BTreeSet;
    let mut seen: BTreeMap<String, BTreeSet<Status>> = BTreeMap::new();
    for seed in 0..4 {
        let snap = synthetic_snapshot(48, 12, seed);
        for r in bollwerk::rules::eval::evaluate(rules, &snap, params) {
            let set = seen.entry(r.id.clone()).or_default();
            if r.instances.is_empty() {
                set.insert(r.status);
            }
            set.extend(r.instances.iter().map(|i| i.status));
        }
    }
    let checked: Vec<_> = rules.rules.iter().filter(|r| r.check.is_some()).collect();
    let gaps = checked
        .iter()
        .filter(|r| {
            let s = &seen[&r.id];
            match r.informational {
                true => !s.contains(&Status::Informational),
                false => !(s.contains(&Status::Pass) && s.contains(&Status::Fail)),
            }
        })
        .map(|r| {
            let s: Vec<&str> = seen[&r.id].iter().map(|s| s.as_str()).collect();
            format!("{} ({})", r.id, s.join("/"))
        })
        .collect();
    Coverage {
        checked: checked.len(),
        gaps,
        with_errors: seen.values().filter(|s| s.contains(&Status::Error)).count(),
    }
}

/// A snapshot of a host with `containers` containers (70–95 % of them running, by seed) made
/// from `images` images, deterministic in `seed`.
pub fn synthetic_snapshot(containers: usize, images: usize, seed: u64) -> Snapshot {
    let g = Gen::new(seed);
    let mut snap = Snapshot::new("/", "unix:///var/run/docker.sock", true);
    snap.started_at = g.now;
    snap.finished_at = g.now + Duration::milliseconds(1800 + containers as i64 / 4);
    snap.host = g.host(containers);
    let mut image_list: Vec<ImageFacts> = (0..images).map(|i| g.image(i)).collect();
    snap.daemon = g.daemon(containers, images);
    snap.containers = (0..containers)
        .map(|i| g.container(i, &image_list))
        .collect();
    // What the collector derives from the container list: use counts and the inventory.
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &snap.containers {
        if let Some(id) = c.inspect.pointer("/Image").and_then(|n| n.as_str()) {
            *uses.entry(id).or_default() += 1;
        }
    }
    for img in &mut image_list {
        img.containers = uses.get(img.id.as_str()).copied().unwrap_or(0);
    }
    let running = snap
        .containers
        .iter()
        .filter(|c| c.runtime.is_some())
        .count();
    let unused = bollwerk::collect::docker::unused_images(&image_list);
    snap.daemon.inventory = Some(InventoryFacts {
        containers_total: containers,
        containers_running: running,
        containers_stopped: containers - running,
        images_total: images,
        images_unused: unused.len(),
        unused_images: unused,
    });
    snap.images = image_list;
    if snap.host.audit.loaded.is_none() {
        snap.notes
            .push("audit: loaded rules unavailable, persistent rules only".into());
    }
    // As collection does when it finishes.
    snap.build_documents();
    snap
}

/// splitmix64: small, fast, good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `n` lowercase hex digits.
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }
}

const PROJECTS: &[&str] = &[
    "shop",
    "billing",
    "auth",
    "search",
    "ledger",
    "mailer",
    "reports",
    "inventory",
    "gateway",
    "chat",
    "media",
    "analytics",
    "payments",
    "crm",
    "wiki",
    "builds",
];
const SERVICES: &[&str] = &[
    "web", "api", "worker", "db", "cache", "proxy", "cron", "queue", "search", "metrics",
];
const BASE_IMAGES: &[(&str, &str)] = &[
    ("nginx", "1.25.3"),
    ("postgres", "15.4"),
    ("redis", "7.2-alpine"),
    ("rabbitmq", "3.12-management"),
    ("elasticsearch", "8.10.2"),
    ("prom/prometheus", "v2.47.0"),
    ("grafana/grafana", "10.1.4"),
    ("traefik", "v2.10"),
    ("node", "20-bookworm-slim"),
    ("python", "3.12-slim"),
    ("golang", "1.21"),
    ("alpine", "3.18"),
    ("debian", "bookworm-slim"),
    ("mysql", "8.1"),
    ("memcached", "1.6"),
];
const IMAGE_USERS: &[&str] = &[
    "",
    "",
    "",
    "root",
    "0",
    "0:0",
    "app",
    "1000",
    "10001:10001",
    "nobody",
    "node",
    "www-data",
];
const CONTAINER_USERS: &[&str] = &["", "", "", "", "", "root", "0", "1000:1000", "app", "65534"];
const CAPS: &[&str] = &[
    "NET_ADMIN",
    "SYS_ADMIN",
    "SYS_PTRACE",
    "NET_RAW",
    "IPC_LOCK",
    "SYS_TIME",
    "NET_BIND_SERVICE",
];

/// Host namespace inodes (pid 1).
const HOST_NS: &[(&str, u64)] = &[
    ("cgroup", 4026531835),
    ("ipc", 4026531839),
    ("mnt", 4026531841),
    ("net", 4026531840),
    ("pid", 4026531836),
    ("user", 4026531837),
    ("uts", 4026531838),
];

// Host and daemon knobs. Knob `j` is secure when `(j + seed)` is even ([`Gen::secure`]); the
// "alternate" knobs, used for facts that only exist in some seeds (TLS files need TCP, swarm
// details need an active swarm, sysctls matter when icc or userns-remap is on), are secure when
// `(j + seed / 2)` is even ([`Gen::alt`]), so they differ between seeds s and s + 2.
const K_ROOT_SEPARATE: usize = 0; // 1.1.1
const K_GROUP: usize = 1; // 1.1.2
const K_UNIT_FILE: usize = 2; // 3.1, 3.2
const K_SOCKET_UNIT: usize = 3; // 3.3, 3.4
const K_SOCK: usize = 4; // 3.15, 3.16
const K_CONTAINERD_SOCK: usize = K_SOCK; // 3.23, 3.24; with K_SOCK: BW-SOCKET-WORLD
const K_ICC: usize = 6; // 2.2
const K_USERNS: usize = 7; // 2.10
const K_LIVE_RESTORE: usize = 8; // 2.16
const K_NO_NEW_PRIVS: usize = 9; // 2.15, 5.26
const K_ENGINE: usize = 10; // 1.2.2
const K_ROOTLESS: usize = 11; // 2.1
const K_LOG_LEVEL: usize = 12; // 2.3
const K_IPTABLES: usize = 13; // 2.4
const K_INSECURE_REGISTRY: usize = 14; // 2.5
const K_STORAGE: usize = 15; // 2.6, 2.7, 2.12
const K_TCP: usize = 16; // 2.8, BW-DAEMON-TCP-2375
const K_ULIMITS: usize = 17; // 2.9
const K_CGROUP_PARENT: usize = 18; // 2.11
const K_AUTHZ: usize = 19; // 2.13
const K_LOG_DRIVER: usize = 20; // 2.14
const K_USERLAND_PROXY: usize = 21; // 2.17
const K_SECCOMP: usize = 22; // 2.18, 5.22
const K_EXPERIMENTAL: usize = 23; // 2.19
const K_ETC_DOCKER: usize = 24; // 3.5, 3.6
const K_CERTS: usize = 25; // 3.7, 3.8
const K_DAEMON_JSON: usize = 26; // 3.17, 3.18
const K_ENV_FILE: usize = 27; // 3.19–3.22
const K_SWARM: usize = 28; // 5.1, 7.*
const K_HYGIENE: usize = 29; // 6.1, 6.2
const K_SYSCTL: usize = 30; // alt: BW-KERNEL-*, BW-FS-*, BW-NET-*
const K_TLS_FILES: usize = 31; // alt: 3.9–3.14
const K_SWARM_DETAILS: usize = 32; // alt: 7.*
const K_AUDIT_BASE: usize = 33; // 1.1.3–1.1.18, one knob per audit target

struct Gen {
    seed: u64,
    debian: bool,
    now: DateTime<Utc>,
    docker_gid: u32,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn file(kind: &str, uid: u32, gid: u32, owner: &str, mode: &str) -> FileFacts {
    FileFacts {
        exists: true,
        kind: Some(kind.into()),
        uid: Some(uid),
        gid: Some(gid),
        owner: Some(owner.into()),
        mode: Some(mode.into()),
        ..Default::default()
    }
}

/// A root-owned file when `ok`, else one owned by someone else with a looser `bad_mode`.
fn owned(ok: bool, kind: &str, mode: &str, bad_mode: &str) -> FileFacts {
    if ok {
        file(kind, 0, 0, "root:root", mode)
    } else {
        file(kind, 1000, 0, "deploy:root", bad_mode)
    }
}

fn missing_file() -> FileFacts {
    FileFacts {
        exists: false,
        ..Default::default()
    }
}

fn audit_rule(
    path: &str,
    recursive: bool,
    perms: Option<&str>,
    source: &str,
    text: &str,
) -> AuditRule {
    // The synthetic hosts have /var/run → /run, as collection would see it: a watch below
    // /var/run is on the object below /run.
    let resolved = path
        .strip_prefix("/var/run/")
        .map(|rest| format!("/run/{rest}"));
    serde_json::from_value(json!({
        "path": path,
        "recursive": recursive,
        "perms": perms,
        "source": source,
        "text": text,
        "resolved": resolved,
    }))
    .expect("audit rule matches the snapshot format")
}

const TLS_CA: &str = "/etc/docker/tls/ca.pem";
const TLS_CERT: &str = "/etc/docker/tls/server-cert.pem";
const TLS_KEY: &str = "/etc/docker/tls/server-key.pem";

impl Gen {
    fn new(seed: u64) -> Gen {
        let now = DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .expect("valid timestamp")
            .with_timezone(&Utc);
        Gen {
            seed,
            debian: (seed / 2) % 2 == 0,
            now,
            docker_gid: 998,
        }
    }

    fn secure(&self, knob: usize) -> bool {
        (knob as u64).wrapping_add(self.seed) % 2 == 0
    }

    fn alt(&self, knob: usize) -> bool {
        (knob as u64).wrapping_add(self.seed / 2) % 2 == 0
    }

    fn swarm_active(&self) -> bool {
        !self.secure(K_SWARM)
    }

    fn tls(&self) -> bool {
        self.secure(K_TCP)
    }
}

/// The objects in `parts` merged into one, keys in order (keeps `json!` invocations small
/// enough for the default recursion limit).
fn join<const N: usize>(parts: [Value; N]) -> Value {
    let mut out = Map::new();
    for part in parts {
        if let Value::Object(m) = part {
            out.extend(m);
        }
    }
    Value::Object(out)
}

/// Compose project name for group `p` of 8 containers.
fn project_name(p: usize) -> String {
    let base = PROJECTS[p % PROJECTS.len()];
    match p / PROJECTS.len() {
        0 => base.to_string(),
        n => format!("{base}{}", n + 1),
    }
}
