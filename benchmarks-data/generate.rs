//! Synthetic snapshots for benchmarks: a plain module (no `main`), included by
//! `benches/evaluate.rs` with `#[path = "../benchmarks-data/generate.rs"] mod generate;`.
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
    snap.daemon.inventory = InventoryFacts {
        containers_total: containers,
        containers_running: running,
        containers_stopped: containers - running,
        images_total: images,
        images_unused: unused.len(),
        unused_images: unused,
    };
    snap.images = image_list;
    if snap.host.audit.loaded.is_none() {
        snap.notes
            .push("audit: loaded rules unavailable, persistent rules only".into());
    }
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
    serde_json::from_value(json!({
        "path": path,
        "recursive": recursive,
        "perms": perms,
        "source": source,
        "text": text,
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

    // ----------------------------------------------------------------------------------------
    // Host

    fn unit_dir(&self) -> &'static str {
        if self.debian {
            "/lib/systemd/system"
        } else {
            "/usr/lib/systemd/system"
        }
    }

    /// (placeholder, found path, kind of file) for every named location.
    fn locations(&self) -> Vec<(String, Option<String>, &'static str)> {
        let unit = self.unit_dir();
        let mut out: Vec<(String, Option<String>, &'static str)> = Vec::new();
        for bin in [
            "dockerd",
            "docker",
            "containerd",
            "containerd-shim",
            "containerd-shim-runc-v1",
            "containerd-shim-runc-v2",
            "runc",
            "docker-init",
            "docker-proxy",
        ] {
            // The legacy shim is only installed on the older, Red Hat-family host.
            let found =
                (bin != "containerd-shim" || !self.debian).then(|| format!("/usr/bin/{bin}"));
            out.push((format!("bin:{bin}"), found, "file"));
        }
        for u in ["docker.service", "docker.socket", "containerd.service"] {
            out.push((format!("unit:{u}"), Some(format!("{unit}/{u}")), "file"));
        }
        out.push((
            "socket:docker".into(),
            Some("/var/run/docker.sock".into()),
            "socket",
        ));
        out.push((
            "socket:containerd".into(),
            Some("/run/containerd/containerd.sock".into()),
            "socket",
        ));
        out.push((
            "config:daemon.json".into(),
            Some("/etc/docker/daemon.json".into()),
            "file",
        ));
        out.push((
            "config:containerd".into(),
            Some("/etc/containerd/config.toml".into()),
            "file",
        ));
        out.push((
            "dir:docker-root".into(),
            Some("/var/lib/docker".into()),
            "dir",
        ));
        for (key, path) in [
            ("tlscacert", TLS_CA),
            ("tlscert", TLS_CERT),
            ("tlskey", TLS_KEY),
        ] {
            out.push((
                format!("setting:{key}"),
                self.tls().then(|| path.to_string()),
                "file",
            ));
        }
        out
    }

    fn searched(name: &str, found: Option<&str>) -> Vec<String> {
        let (kind, what) = name.split_once(':').unwrap_or((name, ""));
        match kind {
            "bin" => {
                let mut c: Vec<String> = Vec::new();
                if what == "dockerd" {
                    c.extend(found.map(str::to_string));
                }
                for d in [
                    "/usr/local/sbin",
                    "/usr/local/bin",
                    "/usr/sbin",
                    "/usr/bin",
                    "/sbin",
                    "/bin",
                ] {
                    let p = format!("{d}/{what}");
                    if !c.contains(&p) {
                        c.push(p);
                    }
                }
                c
            }
            "unit" => UNIT_DIRS.iter().map(|d| format!("{d}/{what}")).collect(),
            "socket" if what == "docker" => {
                vec!["/var/run/docker.sock".into(), "/run/docker.sock".into()]
            }
            "socket" => vec![
                "/run/containerd/containerd.sock".into(),
                "/run/docker/containerd/containerd.sock".into(),
            ],
            _ => found.map(str::to_string).into_iter().collect(),
        }
    }

    /// The paths the audit rules look at, in rule order (1.1.3 … 1.1.18 and a few more).
    fn audit_targets(&self) -> Vec<String> {
        let unit = self.unit_dir();
        vec![
            "/usr/bin/dockerd".into(),
            "/run/containerd".into(),
            "/var/lib/docker".into(),
            "/etc/docker".into(),
            format!("{unit}/docker.service"),
            "/run/containerd/containerd.sock".into(),
            "/var/run/docker.sock".into(),
            "/etc/default/docker".into(),
            "/etc/docker/daemon.json".into(),
            "/etc/containerd/config.toml".into(),
            "/etc/sysconfig/docker".into(),
            "/usr/bin/containerd".into(),
            "/usr/bin/containerd-shim".into(),
            "/usr/bin/containerd-shim-runc-v1".into(),
            "/usr/bin/containerd-shim-runc-v2".into(),
            "/usr/bin/runc".into(),
            format!("{unit}/docker.socket"),
        ]
    }

    /// Whether audit target `k` is watched. A directory watch covers the files below it, so
    /// files under a watched directory share its knob (otherwise they could never fail).
    fn audited(&self, k: usize) -> bool {
        let knob = match k {
            8 => 3, // /etc/docker/daemon.json lies in /etc/docker
            5 => 1, // /run/containerd/containerd.sock lies in /run/containerd
            k => k,
        };
        self.secure(K_AUDIT_BASE + knob)
    }

    fn host(&self, containers: usize) -> HostFacts {
        let gid = self.docker_gid;
        let hostname = format!("docker-prod-{:02}", self.seed % 100);
        let mut h = HostFacts {
            fqdn: Some(format!("{hostname}.dc1.example.com")),
            hostname,
            os: Some(
                if self.debian {
                    "Debian GNU/Linux 12 (bookworm)"
                } else {
                    "Rocky Linux 9.2 (Blue Onyx)"
                }
                .into(),
            ),
            kernel: Some("6.1.0-13-amd64".into()),
            lsm: LsmFacts {
                apparmor: self.debian,
                selinux: !self.debian,
            },
            ..Default::default()
        };
        h.interfaces = vec![
            Interface {
                name: "eth0".into(),
                mac: Some("52:54:00:3a:91:0c".into()),
                addresses: vec!["10.20.30.41/24".into(), "fe80::5054:ff:fe3a:910c/64".into()],
            },
            Interface {
                name: "docker0".into(),
                mac: Some("02:42:5f:1e:77:a0".into()),
                addresses: vec!["172.17.0.1/16".into()],
            },
        ];
        for p in 0..containers.div_ceil(8).min(8) {
            h.interfaces.push(Interface {
                name: format!("br-{:012x}", 0x5a1e_0000_0000u64 + p as u64 * 0x1_0001),
                mac: Some(format!("02:42:8c:{p:02x}:00:01")),
                addresses: vec![format!("172.30.{p}.1/24")],
            });
        }

        // Listening sockets: sshd, node exporter, published ports, the daemon on TCP, and
        // swarm's ports when the swarm is active.
        let mut listen = vec![
            ("0.0.0.0", 22u16),
            ("::", 22),
            ("127.0.0.1", 9100),
            ("0.0.0.0", 80),
            ("0.0.0.0", 443),
            ("0.0.0.0", 8080),
        ];
        listen.push(("0.0.0.0", if self.tls() { 2376 } else { 2375 }));
        if self.swarm_active() {
            let addr = if self.alt(K_SWARM_DETAILS) {
                "10.20.30.41"
            } else {
                "::"
            };
            listen.push((addr, 2377));
            listen.push((addr, 7946));
        }
        h.listening = listen
            .into_iter()
            .map(|(address, port)| ListeningSocket {
                proto: if address.contains(':') { "tcp6" } else { "tcp" }.into(),
                address: address.into(),
                port,
                wildcard: address == "0.0.0.0" || address == "::",
            })
            .collect();

        // Located files.
        for (name, found, kind) in self.locations() {
            h.searched
                .insert(name.clone(), Self::searched(&name, found.as_deref()));
            if let Some(path) = &found {
                let facts = match name.as_str() {
                    "unit:docker.service" => {
                        owned(self.secure(K_UNIT_FILE), "file", "0644", "0664")
                    }
                    "unit:docker.socket" => {
                        owned(self.secure(K_SOCKET_UNIT), "file", "0644", "0666")
                    }
                    "socket:docker" => {
                        let (owner, g, mode) = if self.secure(K_SOCK) {
                            ("root:docker", gid, "0660")
                        } else {
                            ("root:root", 0, "0666")
                        };
                        FileFacts {
                            resolved: Some("/run/docker.sock".into()),
                            ..file("socket", 0, g, owner, mode)
                        }
                    }
                    "socket:containerd" => {
                        if self.secure(K_CONTAINERD_SOCK) {
                            file("socket", 0, 0, "root:root", "0660")
                        } else {
                            file("socket", 0, gid, "root:docker", "0666")
                        }
                    }
                    "config:daemon.json" => {
                        owned(self.secure(K_DAEMON_JSON), "file", "0644", "0664")
                    }
                    "setting:tlscacert" | "setting:tlscert" => {
                        owned(self.alt(K_TLS_FILES), "file", "0444", "0644")
                    }
                    "setting:tlskey" => owned(self.alt(K_TLS_FILES), "file", "0400", "0640"),
                    n if n.starts_with("dir:") => file("dir", 0, 0, "root:root", "0710"),
                    n if n.starts_with("bin:") => file("file", 0, 0, "root:root", "0755"),
                    _ => file(kind, 0, 0, "root:root", "0644"),
                };
                h.files.insert(path.clone(), facts);
            }
            h.locations.insert(name, found);
        }
        h.files.insert(
            "/etc/docker".into(),
            owned(self.secure(K_ETC_DOCKER), "dir", "0755", "0775"),
        );
        h.files.insert(
            "/etc/docker/certs.d".into(),
            file("dir", 0, 0, "root:root", "0755"),
        );
        for (path, f) in [
            (
                "/etc/docker/key.json",
                file("file", 0, 0, "root:root", "0600"),
            ),
            ("/run/containerd", file("dir", 0, 0, "root:root", "0711")),
            ("/etc/containerd", file("dir", 0, 0, "root:root", "0755")),
            (
                "/var/run/docker.pid",
                file("file", 0, 0, "root:root", "0644"),
            ),
        ] {
            h.files.insert(path.into(), f);
        }
        let (present, absent) = if self.debian {
            ("/etc/default/docker", "/etc/sysconfig/docker")
        } else {
            ("/etc/sysconfig/docker", "/etc/default/docker")
        };
        h.files.insert(
            present.into(),
            owned(self.secure(K_ENV_FILE), "file", "0644", "0666"),
        );
        h.files.insert(absent.into(), missing_file());

        // Registry certificates: /etc/docker/certs.d.
        let mut certs = BTreeMap::new();
        certs.insert(
            "/etc/docker/certs.d".to_string(),
            file("dir", 0, 0, "root:root", "0755"),
        );
        for reg in ["registry.example.com", "mirror.example.com:5000"] {
            let dir = format!("/etc/docker/certs.d/{reg}");
            certs.insert(dir.clone(), file("dir", 0, 0, "root:root", "0755"));
            let loose = !self.secure(K_CERTS) && reg.starts_with("mirror");
            let cert = |mode: &str| {
                if loose {
                    file("file", 1000, 1000, "deploy:deploy", "0664")
                } else {
                    file("file", 0, 0, "root:root", mode)
                }
            };
            certs.insert(format!("{dir}/ca.crt"), cert("0444"));
            certs.insert(format!("{dir}/client.key"), cert("0400"));
            certs.insert(format!("{dir}/client.cert"), cert("0444"));
        }
        h.trees.insert("/etc/docker/certs.d".into(), certs);

        h.audit = self.audit();
        let strict = self.alt(K_SYSCTL);
        let pick = |good: &'static str, bad: &'static str| if strict { good } else { bad };
        for (k, v) in [
            ("net.ipv4.ip_forward", "1"),
            ("net.ipv4.conf.all.route_localnet", pick("0", "1")),
            ("net.ipv4.conf.all.send_redirects", pick("0", "1")),
            ("net.ipv4.conf.all.accept_redirects", pick("0", "1")),
            ("net.ipv6.conf.all.accept_redirects", pick("0", "1")),
            ("net.bridge.bridge-nf-call-iptables", pick("1", "0")),
            ("kernel.kptr_restrict", pick("1", "0")),
            ("kernel.dmesg_restrict", pick("1", "0")),
            ("kernel.unprivileged_bpf_disabled", pick("2", "0")),
            ("kernel.yama.ptrace_scope", pick("1", "0")),
            ("user.max_user_namespaces", pick("95412", "0")),
            ("fs.protected_symlinks", pick("1", "0")),
            ("fs.protected_hardlinks", pick("1", "0")),
            ("fs.suid_dumpable", pick("0", "2")),
        ] {
            h.sysctl.insert(k.into(), v.into());
        }

        let mut members = vec!["alice".to_string(), "ci-runner".to_string()];
        if !self.secure(K_GROUP) {
            members.push("mallory".into());
            members.push("intern".into());
        }
        members.sort();
        let sources = members
            .iter()
            .enumerate()
            .map(|(n, m)| {
                let src = if m == "ci-runner" {
                    "/etc/passwd:31 (primary group)".to_string()
                } else {
                    format!("/etc/group:{}", 52 + n)
                };
                (m.clone(), src)
            })
            .collect();
        h.docker_group = Some(GroupFacts {
            name: "docker".into(),
            gid,
            members,
            sources,
        });

        h.docker_root = Some(if self.secure(K_ROOT_SEPARATE) {
            DockerRootFacts {
                path: "/var/lib/docker".into(),
                path_source: "docker info DockerRootDir".into(),
                mount_point: "/var/lib/docker".into(),
                fs_type: "xfs".into(),
                device: "253:3".into(),
                source: "/dev/mapper/vg0-docker".into(),
                separate: true,
                reason: "/var/lib/docker is the mount point of /dev/mapper/vg0-docker (xfs), a file system of its own".into(),
            }
        } else {
            DockerRootFacts {
                path: "/var/lib/docker".into(),
                path_source: "docker info DockerRootDir".into(),
                mount_point: "/".into(),
                fs_type: "ext4".into(),
                device: "253:0".into(),
                source: "/dev/mapper/vg0-root".into(),
                separate: false,
                reason: "/var/lib/docker lies on the root file system (/dev/mapper/vg0-root mounted at /)".into(),
            }
        });
        h
    }

    fn audit(&self) -> AuditFacts {
        // A typical CIS Linux baseline, then the Docker watches this host has.
        const BASELINE: &[&str] = &[
            "-a always,exit -F arch=b64 -S adjtimex,settimeofday -k time-change",
            "-a always,exit -F arch=b64 -S clock_settime -F a0=0x0 -k time-change",
            "-w /etc/localtime -p wa -k time-change",
            "-w /etc/group -p wa -k identity",
            "-w /etc/passwd -p wa -k identity",
            "-w /etc/gshadow -p wa -k identity",
            "-w /etc/shadow -p wa -k identity",
            "-w /etc/security/opasswd -p wa -k identity",
            "-a always,exit -F arch=b64 -S sethostname,setdomainname -k system-locale",
            "-w /etc/issue -p wa -k system-locale",
            "-w /etc/issue.net -p wa -k system-locale",
            "-w /etc/hosts -p wa -k system-locale",
            "-w /etc/network -p wa -k system-locale",
            "-w /etc/apparmor/ -p wa -k MAC-policy",
            "-w /etc/apparmor.d/ -p wa -k MAC-policy",
            "-w /var/log/faillog -p wa -k logins",
            "-w /var/log/lastlog -p wa -k logins",
            "-w /var/run/utmp -p wa -k session",
            "-w /var/log/wtmp -p wa -k logins",
            "-w /var/log/btmp -p wa -k logins",
            "-a always,exit -F arch=b64 -S chmod,fchmod,fchmodat -F auid>=1000 -F auid!=4294967295 -k perm_mod",
            "-a always,exit -F arch=b64 -S chown,fchown,fchownat,lchown -F auid>=1000 -F auid!=4294967295 -k perm_mod",
            "-a always,exit -F arch=b64 -S mount -F auid>=1000 -F auid!=4294967295 -k mounts",
            "-w /etc/sudoers -p wa -k scope",
            "-w /etc/sudoers.d/ -p wa -k scope",
            "-w /var/log/sudo.log -p wa -k actions",
            "-w /sbin/insmod -p x -k modules",
            "-w /sbin/rmmod -p x -k modules",
            "-w /sbin/modprobe -p x -k modules",
            "-a always,exit -F arch=b64 -S init_module,delete_module -k modules",
        ];
        let mut persistent = Vec::new();
        let file = "/etc/audit/rules.d/50-cis.rules";
        for (n, text) in BASELINE.iter().enumerate() {
            let mut path = None;
            let mut perms = None;
            let tokens: Vec<&str> = text.split_whitespace().collect();
            for w in tokens.windows(2) {
                match w[0] {
                    "-w" => path = Some(w[1]),
                    "-p" => perms = Some(w[1]),
                    _ => {}
                }
            }
            if let Some(p) = path {
                persistent.push(audit_rule(
                    p,
                    p.ends_with('/') || p == "/etc/network",
                    perms,
                    &format!("{file}:{}", n + 1),
                    text,
                ));
            }
        }
        let docker_file = "/etc/audit/rules.d/docker.rules";
        let mut line = 1;
        let mut missing_from_kernel = None;
        for (k, target) in self.audit_targets().iter().enumerate() {
            if !self.audited(k) {
                continue;
            }
            let is_dir = matches!(
                target.as_str(),
                "/run/containerd" | "/var/lib/docker" | "/etc/docker"
            );
            let (text, recursive, perms) = if target == "/run/containerd" {
                (
                    format!("-a exit,always -F dir={target} -F perm=war -k docker"),
                    true,
                    "war",
                )
            } else {
                (format!("-w {target} -p wa -k docker"), is_dir, "wa")
            };
            persistent.push(audit_rule(
                target,
                recursive,
                Some(perms),
                &format!("{docker_file}:{line}"),
                &text,
            ));
            line += 1;
            if k >= 11 && missing_from_kernel.is_none() {
                missing_from_kernel = Some(target.clone());
            }
        }
        // Seeds ≡ 2 (mod 4): auditctl is not installed; seeds ≡ 0 (mod 4): one watch was added
        // to rules.d but never loaded.
        let (loaded, loaded_unavailable) = if self.seed % 4 == 2 {
            (
                None,
                Some("auditctl not available: No such file or directory (os error 2)".to_string()),
            )
        } else {
            let skip = if self.seed % 4 == 0 {
                missing_from_kernel
            } else {
                None
            };
            let loaded = persistent
                .iter()
                .filter(|r| Some(&r.path) != skip.as_ref())
                .map(|r| {
                    let mut r = r.clone();
                    r.source = "auditctl -l".into();
                    r
                })
                .collect();
            (Some(loaded), None)
        };
        AuditFacts {
            loaded,
            loaded_unavailable,
            persistent,
        }
    }

    // ----------------------------------------------------------------------------------------
    // Daemon

    fn storage_driver(&self) -> &'static str {
        match (self.secure(K_STORAGE), self.debian) {
            (true, _) => "overlay2",
            (false, true) => "aufs",
            (false, false) => "devicemapper",
        }
    }

    fn daemon_json(&self) -> String {
        let mut m = Map::new();
        let log_driver = if self.secure(K_LOG_DRIVER) {
            "journald"
        } else {
            "json-file"
        };
        m.insert("log-driver".into(), json!(log_driver));
        if log_driver == "json-file" {
            m.insert(
                "log-opts".into(),
                json!({"max-size": "10m", "max-file": "3"}),
            );
        }
        m.insert("storage-driver".into(), json!(self.storage_driver()));
        if self.storage_driver() == "devicemapper" {
            m.insert(
                "storage-opts".into(),
                json!([
                    "dm.basesize=20G",
                    "dm.thinpooldev=/dev/mapper/docker-thinpool"
                ]),
            );
        }
        if self.secure(K_ULIMITS) {
            m.insert(
                "default-ulimits".into(),
                json!({"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}),
            );
        }
        m.insert(
            "registry-mirrors".into(),
            json!(["https://mirror.example.com"]),
        );
        if !self.secure(K_INSECURE_REGISTRY) {
            m.insert(
                "insecure-registries".into(),
                json!(["registry.internal:5000"]),
            );
        }
        m.insert(
            "default-address-pools".into(),
            json!([{"base": "172.30.0.0/16", "size": 24}]),
        );
        if self.secure(K_ICC) {
            m.insert("icc".into(), json!(false));
        }
        if self.secure(K_USERNS) {
            m.insert("userns-remap".into(), json!("default"));
        }
        if self.secure(K_LIVE_RESTORE) {
            m.insert("live-restore".into(), json!(true));
        }
        if self.secure(K_NO_NEW_PRIVS) {
            m.insert("no-new-privileges".into(), json!(true));
        }
        if !self.secure(K_LOG_LEVEL) {
            m.insert("debug".into(), json!(true));
            m.insert("log-level".into(), json!("debug"));
        }
        if !self.secure(K_IPTABLES) {
            m.insert("iptables".into(), json!(false));
        }
        if !self.secure(K_CGROUP_PARENT) {
            m.insert("cgroup-parent".into(), json!("/docker-workloads"));
        }
        if self.secure(K_AUTHZ) {
            m.insert("authorization-plugins".into(), json!(["opa-docker-authz"]));
        }
        m.insert(
            "userland-proxy".into(),
            json!(!self.secure(K_USERLAND_PROXY)),
        );
        if !self.secure(K_SECCOMP) {
            m.insert("seccomp-profile".into(), json!("unconfined"));
        }
        if !self.secure(K_EXPERIMENTAL) {
            m.insert("experimental".into(), json!(true));
        }
        serde_json::to_string_pretty(&Value::Object(m)).expect("daemon.json serialises")
    }

    fn info(&self, containers: usize, images: usize) -> Value {
        let running = containers * 85 / 100;
        let mut security = vec![json!("name=apparmor")];
        security.push(json!(if self.secure(K_SECCOMP) {
            "name=seccomp,profile=default"
        } else {
            "name=seccomp,profile=unconfined"
        }));
        if self.secure(K_USERNS) {
            security.push(json!("name=userns"));
        }
        if self.secure(K_ROOTLESS) {
            security.push(json!("name=rootless"));
        }
        security.push(json!("name=cgroupns"));
        let root = if self.secure(K_USERNS) {
            "/var/lib/docker/231072.231072"
        } else {
            "/var/lib/docker"
        };
        let swarm = if self.swarm_active() {
            json!({"NodeID": "q0d8kcb1hp7rpj0vf4gq7c0yi", "NodeAddr": "10.20.30.41", "LocalNodeState": "active", "ControlAvailable": true, "Error": "", "RemoteManagers": [{"NodeID": "q0d8kcb1hp7rpj0vf4gq7c0yi", "Addr": "10.20.30.41:2377"}], "Nodes": 5, "Managers": self.managers()})
        } else {
            json!({"NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "", "RemoteManagers": null})
        };
        join([
            json!({
                "ID": "7Q4M:JX3C:KZ2T:3LQD:UX4B:E6YB:RWWS:MCSI:L5PA:RDO4:2VBB:YQ2R",
                "Containers": containers,
                "ContainersRunning": running,
                "ContainersPaused": 0,
                "ContainersStopped": containers - running,
                "Images": images,
                "Driver": self.storage_driver(),
                "DriverStatus": [["Backing Filesystem", "xfs"], ["Supports d_type", "true"], ["Native Overlay Diff", "true"], ["userxattr", "false"]],
                "Plugins": {
                    "Volume": ["local"],
                    "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                    "Authorization": if self.secure(K_AUTHZ) { json!(["opa-docker-authz"]) } else { Value::Null },
                    "Log": ["awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "logentries", "splunk", "syslog"]
                },
            }),
            json!({
                "MemoryLimit": true, "SwapLimit": true, "KernelMemory": false, "KernelMemoryTCP": false,
                "CpuCfsPeriod": true, "CpuCfsQuota": true, "CPUShares": true, "CPUSet": true, "PidsLimit": true,
                "IPv4Forwarding": true, "BridgeNfIptables": true, "BridgeNfIp6tables": true,
                "Debug": !self.secure(K_LOG_LEVEL), "NFd": 212, "OomKillDisable": false, "NGoroutines": 430,
                "SystemTime": ts(self.now),
                "LoggingDriver": if self.secure(K_LOG_DRIVER) { "journald" } else { "json-file" },
                "CgroupDriver": "systemd",
                "CgroupVersion": "2",
                "NEventsListener": 0,
                "KernelVersion": "6.1.0-13-amd64",
                "OperatingSystem": if self.debian { "Debian GNU/Linux 12 (bookworm)" } else { "Rocky Linux 9.2 (Blue Onyx)" },
                "OSVersion": if self.debian { "12" } else { "9.2" },
                "OSType": "linux",
                "Architecture": "x86_64",
                "IndexServerAddress": "https://index.docker.io/v1/",
                "RegistryConfig": {
                    "AllowNondistributableArtifactsCIDRs": [],
                    "AllowNondistributableArtifactsHostnames": [],
                    "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                    "IndexConfigs": {"docker.io": {"Name": "docker.io", "Mirrors": ["https://mirror.example.com/"], "Secure": true, "Official": true}},
                    "Mirrors": ["https://mirror.example.com/"]
                },
            }),
            json!({
                "NCPU": 32,
                "MemTotal": 135_089_876_992u64,
                "GenericResources": null,
                "DockerRootDir": root,
                "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
                "Name": format!("docker-prod-{:02}", self.seed % 100),
                "Labels": [],
                "ExperimentalBuild": !self.secure(K_EXPERIMENTAL),
                "ServerVersion": self.engine_version(),
                "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "io.containerd.runtime.v1.linux": {"path": "runc"}, "runc": {"path": "runc"}},
                "DefaultRuntime": "runc",
                "Swarm": swarm,
                "LiveRestoreEnabled": self.secure(K_LIVE_RESTORE),
                "Isolation": "",
                "InitBinary": "docker-init",
                "ContainerdCommit": {"ID": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523", "Expected": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523"},
                "RuncCommit": {"ID": "v1.1.9-0-gccaecfc", "Expected": "v1.1.9-0-gccaecfc"},
                "InitCommit": {"ID": "de40ad0", "Expected": "de40ad0"},
                "SecurityOptions": security,
                "Warnings": null
            }),
        ])
    }

    /// The engine release: a supported line when the engine knob is secure, else 20.10.
    fn engine_version(&self) -> &'static str {
        if self.secure(K_ENGINE) {
            "29.0.1"
        } else {
            "20.10.24"
        }
    }

    fn version(&self) -> Value {
        let experimental = (!self.secure(K_EXPERIMENTAL)).to_string();
        json!({
            "Platform": {"Name": "Docker Engine - Community"},
            "Components": [
                {"Name": "Engine", "Version": self.engine_version(), "Details": {"ApiVersion": "1.41", "Arch": "amd64", "BuildTime": "Tue Apr  4 18:18:42 2023", "Experimental": experimental, "GitCommit": "5d6db84", "GoVersion": "go1.19.7", "KernelVersion": "6.1.0-13-amd64", "MinAPIVersion": "1.12", "Os": "linux"}},
                {"Name": "containerd", "Version": "1.6.24", "Details": {"GitCommit": "61f9fd88f79f081d64d6fa3bb1a0dc71ec870523"}},
                {"Name": "runc", "Version": "1.1.9", "Details": {"GitCommit": "v1.1.9-0-gccaecfc"}},
                {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}}
            ],
            "Version": self.engine_version(),
            "ApiVersion": "1.41",
            "MinAPIVersion": "1.12",
            "GitCommit": "5d6db84",
            "GoVersion": "go1.19.7",
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": "6.1.0-13-amd64",
            "Experimental": !self.secure(K_EXPERIMENTAL),
            "BuildTime": "2023-04-04T18:18:42.000000000+00:00"
        })
    }

    fn managers(&self) -> usize {
        if self.alt(K_SWARM_DETAILS) {
            3
        } else {
            2
        }
    }

    fn swarm(&self, networks: &[Value]) -> SwarmFacts {
        let good = self.alt(K_SWARM_DETAILS);
        let nodes: Vec<Value> = (0..5)
            .map(|n| {
                let role = if n < self.managers() { "manager" } else { "worker" };
                json!({
                    "ID": format!("q0d8kcb1hp7rpj0vf4gq7c0y{n}"),
                    "Version": {"Index": 812 + n},
                    "Spec": {"Labels": {}, "Role": role, "Availability": "active"},
                    "Description": {"Hostname": format!("docker-prod-{n:02}"), "Platform": {"Architecture": "x86_64", "OS": "linux"}, "Engine": {"EngineVersion": self.engine_version()}},
                    "Status": {"State": "ready", "Addr": format!("10.20.30.{}", 41 + n)}
                })
            })
            .collect();
        let inspect = json!({
            "ID": "b5f7p8w4g1i6e1yq0cdk8o0jl",
            "Version": {"Index": 10},
            "CreatedAt": ts(self.now - Duration::days(300)),
            "UpdatedAt": ts(self.now - Duration::days(3)),
            "Spec": {
                "Name": "default",
                "Labels": {},
                "Orchestration": {"TaskHistoryRetentionLimit": 5},
                "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0, "LogEntriesForSlowFollowers": 500, "ElectionTick": 10, "HeartbeatTick": 1},
                "Dispatcher": {"HeartbeatPeriod": 5_000_000_000u64},
                "CAConfig": {"NodeCertExpiry": if good { 2_592_000_000_000_000u64 } else { 31_536_000_000_000_000u64 }},
                "TaskDefaults": {},
                "EncryptionConfig": {"AutoLockManagers": good}
            },
            "TLSInfo": {"TrustRoot": "-----BEGIN CERTIFICATE-----\nMIIBajCCARCgAwIBAgIUb...\n-----END CERTIFICATE-----\n", "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh", "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"},
            "RootRotationInProgress": false,
            "DefaultAddrPool": ["10.0.0.0/8"],
            "SubnetSize": 24,
            "DataPathPort": 4789
        });
        let overlay_networks = bollwerk::collect::docker::overlay_networks(networks);
        SwarmFacts {
            inspect,
            nodes,
            managers: self.managers(),
            secrets: if good { 4 } else { 0 },
            overlay_networks,
        }
    }

    fn daemon(&self, containers: usize, images: usize) -> DaemonFacts {
        let config_file = "/etc/docker/daemon.json";
        let mut cmdline: Vec<String> = vec!["/usr/bin/dockerd".into(), "-H".into(), "fd://".into()];
        if self.tls() {
            for a in [
                "-H",
                "tcp://0.0.0.0:2376",
                "--tlsverify",
                "--tlscacert",
                TLS_CA,
                "--tlscert",
                TLS_CERT,
                "--tlskey",
                TLS_KEY,
            ] {
                cmdline.push(a.into());
            }
        } else {
            cmdline.push("-H".into());
            cmdline.push("tcp://0.0.0.0:2375".into());
        }
        cmdline.push("--containerd=/run/containerd/containerd.sock".into());
        let flags = daemon_config::parse_flags(&cmdline[1..]);
        let from_file = daemon_config::parse_daemon_json(config_file, &self.daemon_json())
            .expect("generated daemon.json parses");
        let mut settings = daemon_config::merge(from_file, flags.settings);
        let info = self.info(containers, images);
        daemon_config::apply_info(&mut settings, &info);

        let mut rng = Rng::new(self.seed, 0xD00D);
        let mut networks = vec![
            self.network(&mut rng, "bridge", "bridge", "172.17.0.0/16"),
            self.network(&mut rng, "host", "host", ""),
            self.network(&mut rng, "none", "null", ""),
        ];
        let projects = containers.div_ceil(8).min(PROJECTS.len() * 4);
        for p in 0..projects {
            let name = format!("{}_default", project_name(p));
            let subnet = format!("172.30.{}.0/24", p % 256);
            networks.push(self.network(&mut rng, &name, "bridge", &subnet));
        }
        let swarm = self.swarm_active().then(|| {
            for (name, encrypted) in [("ingress", false), ("backend", true), ("frontend", self.alt(K_SWARM_DETAILS))] {
                let mut n = self.network(&mut rng, name, "overlay", "10.0.1.0/24");
                n["Scope"] = json!("swarm");
                if encrypted {
                    n["Options"] = json!({"com.docker.network.driver.overlay.vxlanid_list": "4097", "encrypted": ""});
                }
                networks.push(n);
            }
            self.swarm(&networks)
        });
        DaemonFacts {
            reachable: true,
            version: Some(self.version()),
            info: Some(info),
            process: Some(DaemonProcess {
                pid: 1187,
                cmdline,
                found_by: "/proc scan: dockerd pid 1187 listens on unix:///var/run/docker.sock"
                    .into(),
                uid: Some(if self.secure(K_ROOTLESS) { 1000 } else { 0 }),
            }),
            config_file: Some(config_file.into()),
            settings,
            networks,
            swarm_state: Some(
                if self.swarm_active() {
                    "active"
                } else {
                    "inactive"
                }
                .into(),
            ),
            swarm,
            engine: bollwerk::collect::engine::support(self.engine_version(), "2026-11-28").ok(),
            ..Default::default()
        }
    }

    fn network(&self, rng: &mut Rng, name: &str, driver: &str, subnet: &str) -> Value {
        let config = if subnet.is_empty() {
            json!([])
        } else {
            let gw = subnet.replace(".0/16", ".1").replace(".0/24", ".1");
            json!([{"Subnet": subnet, "Gateway": gw.split('/').next().unwrap_or("")}])
        };
        let compose = name.ends_with("_default");
        json!({
            "Name": name,
            "Id": rng.hex(64),
            "Created": ts(self.now - Duration::days(40)),
            "Scope": "local",
            "Driver": driver,
            "EnableIPv6": false,
            "IPAM": {"Driver": "default", "Options": null, "Config": config},
            "Internal": false,
            "Attachable": compose,
            "Ingress": false,
            "ConfigFrom": {"Network": ""},
            "ConfigOnly": false,
            "Containers": {},
            "Options": if name == "bridge" {
                json!({"com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": (!self.secure(K_ICC)).to_string(), "com.docker.network.bridge.enable_ip_masquerade": "true", "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0", "com.docker.network.bridge.name": "docker0", "com.docker.network.driver.mtu": "1500"})
            } else {
                json!({})
            },
            "Labels": if compose {
                json!({"com.docker.compose.network": "default", "com.docker.compose.project": name.trim_end_matches("_default"), "com.docker.compose.version": "1.29.2"})
            } else {
                json!({})
            }
        })
    }

    // ----------------------------------------------------------------------------------------
    // Images

    fn image(&self, i: usize) -> ImageFacts {
        let mut rng = Rng::new(self.seed, 0x1_0000_0000 + i as u64);
        let id = format!("sha256:{}", rng.hex(64));
        // Image 0 is built in house; the next ones are well-known public images.
        let (repo, tag) = if (1..=BASE_IMAGES.len()).contains(&i) {
            let (r, t) = BASE_IMAGES[i - 1];
            (r.to_string(), t.to_string())
        } else {
            let team = PROJECTS[i % PROJECTS.len()];
            let svc = SERVICES[(i / PROJECTS.len()) % SERVICES.len()];
            (
                format!("registry.example.com/{team}/{svc}-{}", i / 7),
                format!("1.{}.{}", rng.below(20), rng.below(40)),
            )
        };
        let tagged = i < 2 || !rng.chance(5);
        let tags = if tagged {
            vec![format!("{repo}:{tag}")]
        } else {
            Vec::new()
        };
        let user = match i {
            0 => "app",
            1 => "",
            _ => *rng.pick(IMAGE_USERS),
        };
        // Image 0 is clean, image 1 carries every image finding; the rest are drawn.
        let (clean, dirty) = (i == 0, i == 1);
        let draw = |rng: &mut Rng, percent: u64| dirty || (!clean && rng.chance(percent));
        let created = self.now - Duration::seconds(86_400 * 3 + rng.below(86_400 * 400) as i64);
        let layers = 4 + rng.below(10) as usize;
        let secret_in_env = draw(&mut rng, 8);
        let lone_update = draw(&mut rng, 15);
        let remote_add = draw(&mut rng, 15);
        let setuid = draw(&mut rng, 55);
        let port = *rng.pick(&[80u32, 443, 3000, 5432, 6379, 8080, 8443, 9090]);
        let mut env = vec![json!(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        )];
        for e in [
            format!("APP_VERSION={tag}"),
            "LANG=C.UTF-8".into(),
            format!("GPG_KEY={}", rng.hex(40).to_uppercase()),
        ] {
            env.push(json!(e));
        }
        if secret_in_env {
            env.push(json!(format!("API_TOKEN={}", rng.hex(32))));
        }
        let healthcheck = (clean || (!dirty && rng.chance(35))).then(|| {
            json!({"Test": ["CMD-SHELL", format!("wget -qO- http://127.0.0.1:{port}/healthz || exit 1")], "Interval": 30_000_000_000u64, "Timeout": 3_000_000_000u64, "Retries": 3})
        });
        let labels = json!({
            "maintainer": "platform-team@example.com",
            "org.opencontainers.image.source": format!("https://git.example.com/{repo}"),
            "org.opencontainers.image.revision": rng.hex(40),
            "org.opencontainers.image.version": tag,
        });
        let mut config = json!({
            "Hostname": "",
            "Domainname": "",
            "User": user,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {format!("{port}/tcp"): {}},
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": env,
            "Cmd": ["/usr/local/bin/app", "serve"],
            "Image": format!("sha256:{}", rng.hex(64)),
            "Volumes": if rng.chance(30) { json!({"/data": {}}) } else { Value::Null },
            "WorkingDir": "/app",
            "Entrypoint": ["/docker-entrypoint.sh"],
            "OnBuild": null,
            "Labels": labels,
        });
        if let Some(h) = healthcheck {
            config["Healthcheck"] = h;
        }
        let mut container_config = config.clone();
        container_config["Hostname"] = json!(rng.hex(12));
        container_config["Cmd"] = json!([
            "/bin/sh",
            "-c",
            "#(nop) ",
            "CMD [\"/usr/local/bin/app\" \"serve\"]"
        ]);
        let layer_ids: Vec<Value> = (0..layers)
            .map(|_| json!(format!("sha256:{}", rng.hex(64))))
            .collect();
        let size = 5_000_000 + rng.below(900_000_000);
        let overlay = rng.hex(64);
        let inspect = json!({
            "Id": id,
            "RepoTags": tags,
            "RepoDigests": if tagged { json!([format!("{repo}@sha256:{}", rng.hex(64))]) } else { json!([]) },
            "Parent": "",
            "Comment": "",
            "Created": ts(created),
            "Container": rng.hex(64),
            "ContainerConfig": container_config,
            "DockerVersion": self.engine_version(),
            "Author": "",
            "Config": config,
            "Architecture": "amd64",
            "Os": "linux",
            "Size": size,
            "VirtualSize": size,
            "GraphDriver": {
                "Data": {
                    "LowerDir": format!("/var/lib/docker/overlay2/{}/diff:/var/lib/docker/overlay2/{}/diff", rng.hex(64), rng.hex(64)),
                    "MergedDir": format!("/var/lib/docker/overlay2/{overlay}/merged"),
                    "UpperDir": format!("/var/lib/docker/overlay2/{overlay}/diff"),
                    "WorkDir": format!("/var/lib/docker/overlay2/{overlay}/work"),
                },
                "Name": "overlay2"
            },
            "RootFS": {"Type": "layers", "Layers": layer_ids},
            "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}
        });
        const STEPS: &[&str] = &[
            "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates curl tzdata && rm -rf /var/lib/apt/lists/*",
            "/bin/sh -c #(nop) WORKDIR /app",
            "/bin/sh -c #(nop) COPY file:4f8a0e3c2a1b9d7e6f5c4b3a2918d7e6f5c4b3a2918d7e6f5c4b3a2918d7e6f in /app/ ",
            "/bin/sh -c #(nop) COPY dir:0c5a8f1e2b3d4c6a7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d in /app/static ",
            "/bin/sh -c groupadd -r app && useradd -r -g app -u 10001 app",
            "/bin/sh -c #(nop)  EXPOSE 8080/tcp",
            "/bin/sh -c #(nop)  ENV LANG=C.UTF-8",
            "/bin/sh -c pip install --no-cache-dir -r requirements.txt",
            "/bin/sh -c npm ci --omit=dev && npm cache clean --force",
            "/bin/sh -c chmod +x /docker-entrypoint.sh",
        ];
        let mut history = Vec::with_capacity(layers + 3);
        history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 9_000_000, "CreatedBy": format!("/bin/sh -c #(nop) ADD file:{} in / ", rng.hex(64)), "Tags": null, "Size": 74_000_000 + rng.below(10_000_000), "Comment": ""}));
        history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 9_000_000, "CreatedBy": "/bin/sh -c #(nop)  CMD [\"bash\"]", "Tags": null, "Size": 0, "Comment": ""}));
        for n in 0..layers {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - (layers - n) as i64 * 30, "CreatedBy": rng.pick(STEPS), "Tags": null, "Size": rng.below(50_000_000), "Comment": ""}));
        }
        if lone_update {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 20, "CreatedBy": "/bin/sh -c apt-get update", "Tags": null, "Size": 41_000_000, "Comment": ""}));
        }
        if remote_add {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp() - 10, "CreatedBy": "/bin/sh -c #(nop) ADD https://releases.example.com/tool/v2.4.1/tool-linux-amd64.tar.gz in /opt/ ", "Tags": null, "Size": 12_000_000, "Comment": ""}));
        }
        if !user.is_empty() {
            history.push(json!({"Id": "<missing>", "Created": created.timestamp(), "CreatedBy": format!("/bin/sh -c #(nop)  USER {user}"), "Tags": null, "Size": 0, "Comment": ""}));
        }
        history.push(json!({"Id": id, "Created": created.timestamp(), "CreatedBy": "/bin/sh -c #(nop)  CMD [\"/usr/local/bin/app\" \"serve\"]", "Tags": tags, "Size": 0, "Comment": ""}));
        history.reverse();
        let mut facts: ImageFacts = serde_json::from_value(json!({
            "id": id,
            "tags": tags,
            "inspect": null,
            "history": null,
        }))
        .expect("image facts match the snapshot format");
        facts.registries = bollwerk::collect::docker::registries(&facts.tags);
        facts.age_days = Some((self.now - created).num_days());
        facts.inspect = inspect;
        facts.history = Value::Array(history);
        // As with --deep-images: setuid and setgid files in the image's layers.
        let layer = |rng: &mut Rng| format!("sha256:{}", rng.hex(64));
        facts.special_files = Some(if setuid {
            let mut files = Vec::new();
            for (path, mode) in [
                ("/usr/bin/passwd", "4755"),
                ("/usr/bin/su", "4755"),
                ("/usr/bin/chsh", "4755"),
                ("/usr/bin/newgrp", "4755"),
                ("/usr/bin/chage", "2755"),
                ("/usr/bin/mount", "4755"),
            ] {
                files.push(SpecialFile {
                    path: path.into(),
                    mode: mode.into(),
                    layer: layer(&mut rng),
                });
            }
            files
        } else {
            Vec::new()
        });
        facts
    }

    // ----------------------------------------------------------------------------------------
    // Containers

    // `..Default::default()` keeps the generator compiling when the snapshot model gains fields.
    #[allow(clippy::needless_update)]
    fn container(&self, i: usize, images: &[ImageFacts]) -> ContainerFacts {
        let mut rng = Rng::new(self.seed, i as u64);
        let id = rng.hex(64);
        let project = project_name(i / 8);
        let service = SERVICES[i % SERVICES.len()];
        let name = format!("{project}-{service}-{}", i / SERVICES.len() % 1000 + 1);
        // Container 0 is hardened, container 1 is as weak as possible; the rest are drawn.
        let hardened = i == 0;
        let weak = i == 1;

        let tidy = self.secure(K_HYGIENE);
        let (tagged_id, image_ref) = if images.is_empty() {
            (None, "unknown:latest".to_string())
        } else {
            // A tidy host uses every image; otherwise only the first half is in use. Popular
            // images first: a skewed pick.
            let n = if tidy {
                images.len()
            } else {
                images.len().div_ceil(2)
            } as u64;
            let a = rng.below(n);
            let b = rng.below(n);
            let pick = if tidy && i < images.len() {
                i
            } else {
                a.min(b) as usize
            };
            let img = &images[pick];
            (
                Some(img.id.clone()),
                img.tags.first().cloned().unwrap_or_else(|| img.id.clone()),
            )
        };
        // Some containers still run an image their tag no longer points to.
        let stale_image = weak || tagged_id.is_none() || (!hardened && rng.chance(6));
        let image_id = match (&tagged_id, stale_image) {
            (Some(id), false) => id.clone(),
            _ => format!("sha256:{}", rng.hex(64)),
        };
        let current_image_id = tagged_id;
        let sshd = weak || (!hardened && rng.chance(1));
        let exec_ids: Vec<String> = if hardened || weak || rng.chance(3) {
            (0..1 + rng.below(2)).map(|_| rng.hex(64)).collect()
        } else {
            Vec::new()
        };

        let running = hardened || weak || rng.chance(if tidy { 95 } else { 70 });
        // Workers and cron jobs neither expose nor publish ports.
        let serves = !matches!(service, "worker" | "cron");
        let cgroupns_host = weak || (!hardened && rng.chance(5));
        let cgroup_parent = if weak || (!hardened && rng.chance(3)) {
            "/custom-slice"
        } else {
            ""
        };
        // Rarely the limit in force differs from the one configured (changed behind Docker's
        // back), which the BW-CGROUP rules catch.
        let limits_drift = weak || (!hardened && rng.chance(1));
        let created = self.now - Duration::seconds(3600 + rng.below(86_400 * 60) as i64);
        let started = created + Duration::milliseconds(300 + rng.below(2000) as i64);
        let pid = 4000 + i as u32 * 7;

        // Security-relevant settings.
        let privileged = weak || (!hardened && rng.chance(3));
        let cap_add: Value = if hardened {
            Value::Null
        } else if weak {
            json!(["SYS_ADMIN", "NET_ADMIN"])
        } else if rng.chance(15) {
            let n = 1 + rng.below(2) as usize;
            Value::Array((0..n).map(|_| json!(rng.pick(CAPS))).collect())
        } else if rng.chance(10) {
            json!([])
        } else {
            Value::Null
        };
        let cap_drop = if hardened || rng.chance(20) {
            json!(["ALL"])
        } else {
            Value::Null
        };
        let network_mode = if hardened {
            format!("{project}_default")
        } else if weak {
            "host".to_string()
        } else {
            match rng.below(100) {
                0..=4 => "host".to_string(),
                5..=9 => "none".to_string(),
                10..=24 => "bridge".to_string(),
                25..=27 => format!("container:{}", rng.hex(64)),
                _ => format!("{project}_default"),
            }
        };
        let host_net = network_mode == "host";
        // Rarely, a container shares the host's network namespace by other means.
        let sneaky_host_net = running && !host_net && i % 1000 == 500;
        let memory: u64 = if hardened {
            256 << 20
        } else if weak || rng.chance(40) {
            0
        } else {
            (64u64 << 20) * (1 + rng.below(32))
        };
        let pids_limit: Value = if hardened {
            json!(200)
        } else if weak {
            Value::Null
        } else {
            match rng.below(10) {
                0..=3 => Value::Null,
                4 => json!(0),
                5 => json!(-1),
                _ => json!(64 * (1 + rng.below(64))),
            }
        };
        let mut security_opt: Vec<Value> = Vec::new();
        if hardened {
            security_opt.push(json!("no-new-privileges:true"));
        } else if weak {
            security_opt.push(json!("no-new-privileges:false"));
            security_opt.push(json!("seccomp=unconfined"));
            security_opt.push(json!("apparmor=unconfined"));
        } else {
            match rng.below(20) {
                0..=5 => security_opt.push(json!("no-new-privileges")),
                6..=7 => security_opt.push(json!("no-new-privileges:true")),
                8 => security_opt.push(json!("no-new-privileges=true")),
                9 => security_opt.push(json!("no-new-privileges:false")),
                10 => security_opt.push(json!("seccomp=unconfined")),
                11 => security_opt.push(json!("label=disable")),
                12 => {
                    security_opt.push(json!("apparmor=docker-default"));
                    security_opt.push(json!("no-new-privileges"));
                }
                _ => {}
            }
        }
        let security_opt = if security_opt.is_empty() {
            Value::Null
        } else {
            Value::Array(security_opt)
        };
        let pid_mode = if weak || (!hardened && rng.chance(2)) {
            "host"
        } else {
            ""
        };
        let ipc_mode = if weak || (!hardened && rng.chance(2)) {
            "host"
        } else if rng.chance(10) {
            "shareable"
        } else {
            "private"
        };
        let uts_mode = if weak || (!hardened && rng.chance(1)) {
            "host"
        } else {
            ""
        };
        let userns_mode = if weak || (!hardened && rng.chance(1)) {
            "host"
        } else {
            ""
        };
        let readonly = hardened || (!weak && rng.chance(25));
        let user = if hardened {
            "10001:10001"
        } else if weak {
            "root"
        } else {
            *rng.pick(CONTAINER_USERS)
        };
        let apparmor = if privileged || weak {
            "unconfined"
        } else {
            "docker-default"
        };
        let restart = *rng.pick(&["no", "always", "unless-stopped", "on-failure"]);
        let nano_cpus: u64 = if hardened || rng.chance(30) {
            500_000_000 * (1 + rng.below(4))
        } else {
            0
        };

        // Mounts and binds.
        let mut binds: Vec<Value> = Vec::new();
        let mut mounts: Vec<Value> = Vec::new();
        let mut volumes = Map::new();
        if weak || rng.chance(3) {
            binds.push(json!("/var/run/docker.sock:/var/run/docker.sock"));
            mounts.push(json!({"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "Mode": "", "RW": true, "Propagation": "rprivate"}));
        }
        if weak || rng.chance(1) {
            binds.push(json!("/:/host:ro"));
            mounts.push(json!({"Type": "bind", "Source": "/", "Destination": "/host", "Mode": "ro", "RW": false, "Propagation": "rprivate"}));
        }
        if weak || (!hardened && rng.chance(3)) {
            let src = format!("/srv/{project}/shared");
            binds.push(json!(format!("{src}:/shared:rshared")));
            mounts.push(json!({"Type": "bind", "Source": src, "Destination": "/shared", "Mode": "rshared", "RW": true, "Propagation": "rshared"}));
        }
        if rng.chance(40) {
            let src = format!("/srv/{project}/config/{service}.yml");
            binds.push(json!(format!("{src}:/app/config.yml:ro")));
            mounts.push(json!({"Type": "bind", "Source": src, "Destination": "/app/config.yml", "Mode": "ro", "RW": false, "Propagation": "rprivate"}));
        }
        if matches!(service, "db" | "cache" | "search" | "queue") || rng.chance(20) {
            let vol = format!("{project}_{service}-data");
            volumes.insert("/data".into(), json!({}));
            mounts.push(json!({"Type": "volume", "Name": vol, "Source": format!("/var/lib/docker/volumes/{vol}/_data"), "Destination": "/data", "Driver": "local", "Mode": "rw", "RW": true, "Propagation": ""}));
        }

        // Ports.
        let port: u32 = match service {
            "web" | "proxy" => 80,
            "db" => 5432,
            "cache" => 6379,
            "queue" => 5672,
            "search" => 9200,
            "metrics" => 9090,
            _ => 8080,
        };
        let published = serves
            && !host_net
            && !network_mode.starts_with("container:")
            && network_mode != "none"
            && (matches!(service, "web" | "proxy" | "api" | "metrics") || rng.chance(10));
        let host_port = if service == "proxy" || weak {
            port
        } else {
            8000 + (i as u32 % 1000)
        };
        let host_ip = if rng.chance(30) { "127.0.0.1" } else { "" };
        let key = format!("{port}/tcp");
        let (port_bindings, ports) = if published {
            let bound_ip = if host_ip.is_empty() {
                "0.0.0.0"
            } else {
                host_ip
            };
            let mut live = vec![json!({"HostIp": bound_ip, "HostPort": host_port.to_string()})];
            if host_ip.is_empty() {
                live.push(json!({"HostIp": "::", "HostPort": host_port.to_string()}));
            }
            (
                json!({&key: [{"HostIp": host_ip, "HostPort": host_port.to_string()}]}),
                if running {
                    json!({&key: live})
                } else {
                    json!({})
                },
            )
        } else {
            (
                json!({}),
                if running && !host_net && serves {
                    json!({&key: null})
                } else {
                    json!({})
                },
            )
        };

        // Environment and labels.
        let mut env = vec![
            json!("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            json!("TZ=UTC"),
            json!("LANG=C.UTF-8"),
            json!(format!(
                "APP_ENV={}",
                if rng.chance(90) {
                    "production"
                } else {
                    "staging"
                }
            )),
            json!(format!("SERVICE_NAME={service}")),
        ];
        match service {
            "db" => {
                env.push(json!("POSTGRES_USER=app"));
                env.push(json!(format!("POSTGRES_PASSWORD={}", rng.hex(24))));
                env.push(json!("PGDATA=/data/pgdata"));
            }
            "cache" => env.push(json!(
                "REDIS_ARGS=--maxmemory 512mb --maxmemory-policy allkeys-lru"
            )),
            _ => {
                env.push(json!(format!(
                    "DATABASE_URL=postgres://app:{}@{project}-db-1:5432/{project}",
                    rng.hex(16)
                )));
                env.push(json!(format!("REDIS_URL=redis://{project}-cache-1:6379/0")));
                env.push(json!("LOG_LEVEL=info"));
                env.push(json!(format!(
                    "SENTRY_DSN=https://{}@sentry.example.com/{}",
                    rng.hex(32),
                    10 + i % 90
                )));
            }
        }
        let config_hash = rng.hex(64);
        let labels = json!({
            "com.docker.compose.config-hash": config_hash,
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
            "com.docker.compose.project": project,
            "com.docker.compose.project.config_files": format!("/srv/{project}/docker-compose.yml"),
            "com.docker.compose.project.working_dir": format!("/srv/{project}"),
            "com.docker.compose.service": service,
            "com.docker.compose.version": "1.29.2",
        });
        let health = !weak && (hardened || rng.chance(50));
        let healthcheck = health.then(|| {
            json!({
                "Test": ["CMD-SHELL", format!("curl -fsS http://127.0.0.1:{port}/healthz || exit 1")],
                "Interval": 30_000_000_000u64,
                "Timeout": 5_000_000_000u64,
                "StartPeriod": 10_000_000_000u64,
                "Retries": 3
            })
        });

        // State.
        let (status, exit_code, finished) = if running {
            ("running", 0, "0001-01-01T00:00:00Z".to_string())
        } else if rng.chance(15) {
            ("created", 0, "0001-01-01T00:00:00Z".to_string())
        } else {
            let code = *rng.pick(&[0, 0, 1, 137, 143]);
            (
                "exited",
                code,
                ts(started + Duration::seconds(60 + rng.below(86_400) as i64)),
            )
        };
        let mut state = json!({
            "Status": status,
            "Running": running,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": exit_code == 137 && rng.chance(50),
            "Dead": false,
            "Pid": if running { pid } else { 0 },
            "ExitCode": exit_code,
            "Error": "",
            "StartedAt": if status == "created" { "0001-01-01T00:00:00Z".to_string() } else { ts(started) },
            "FinishedAt": finished,
        });
        if health && running {
            let log: Vec<Value> = (0..1)
                .map(|n| {
                    let start = self.now - Duration::seconds(30 * (1 - n));
                    json!({"Start": ts(start), "End": ts(start + Duration::milliseconds(45)), "ExitCode": 0, "Output": "ok\n"})
                })
                .collect();
            state["Health"] = json!({"Status": "healthy", "FailingStreak": 0, "Log": log});
        }

        let dir = format!("/var/lib/docker/containers/{id}");
        let overlay = rng.hex(64);
        let host_config = join([
            json!({
                "Binds": if binds.is_empty() { Value::Null } else { Value::Array(binds) },
                "ContainerIDFile": "",
                "LogConfig": {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}},
                "NetworkMode": network_mode,
                "PortBindings": port_bindings,
                "RestartPolicy": {"Name": restart, "MaximumRetryCount": if restart == "on-failure" { 5 } else { 0 }},
                "AutoRemove": false,
                "VolumeDriver": "",
                "VolumesFrom": null,
            }),
            json!({
                "CapAdd": cap_add,
                "CapDrop": cap_drop,
                "CgroupnsMode": if cgroupns_host { "host" } else { "private" },
                "Dns": [],
                "DnsOptions": [],
                "DnsSearch": [],
                "ExtraHosts": null,
                "GroupAdd": null,
                "IpcMode": ipc_mode,
                "Cgroup": "",
                "Links": null,
                "OomScoreAdj": 0,
                "PidMode": pid_mode,
                "Privileged": privileged,
                "PublishAllPorts": false,
                "ReadonlyRootfs": readonly,
                "SecurityOpt": security_opt,
                "UTSMode": uts_mode,
                "UsernsMode": userns_mode,
            }),
            json!({
                "ShmSize": 67_108_864,
                "Runtime": "runc",
                "ConsoleSize": [0, 0],
                "Isolation": "",
                "CpuShares": 0,
                "Memory": memory,
                "NanoCpus": nano_cpus,
                "CgroupParent": cgroup_parent,
                "BlkioWeight": 0,
                "BlkioWeightDevice": [],
                "BlkioDeviceReadBps": null,
                "BlkioDeviceWriteBps": null,
                "BlkioDeviceReadIOps": null,
                "BlkioDeviceWriteIOps": null,
            }),
            json!({
                "CpuPeriod": 0,
                "CpuQuota": 0,
                "CpuRealtimePeriod": 0,
                "CpuRealtimeRuntime": 0,
                "CpusetCpus": "",
                "CpusetMems": "",
                "Devices": if weak { json!([{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"}]) } else { json!([]) },
                "DeviceCgroupRules": null,
                "DeviceRequests": null,
                "KernelMemory": 0,
                "KernelMemoryTCP": 0,
                "MemoryReservation": 0,
                "MemorySwap": if memory > 0 { json!(memory * 2) } else { json!(0) },
                "MemorySwappiness": null,
                "OomKillDisable": false,
                "PidsLimit": pids_limit,
                "Ulimits": if rng.chance(20) { json!([{"Name": "nofile", "Hard": 65536, "Soft": 65536}]) } else { Value::Null },
                "CpuCount": 0,
                "CpuPercent": 0,
                "IOMaximumIOps": 0,
                "IOMaximumBandwidth": 0,
                "MaskedPaths": if privileged { Value::Null } else { json!(["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]) },
                "ReadonlyPaths": if privileged { Value::Null } else { json!(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]) },
            }),
        ]);
        let mut config = json!({
            "Hostname": if host_net { "docker-prod".to_string() } else { id[..12].to_string() },
            "Domainname": "",
            "User": user,
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": if serves { json!({&key: {}}) } else { Value::Null },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": env,
            "Cmd": ["/usr/local/bin/app", "serve", "--port", port.to_string()],
            "Image": image_ref,
            "Volumes": if volumes.is_empty() { Value::Null } else { Value::Object(volumes) },
            "WorkingDir": "/app",
            "Entrypoint": ["/docker-entrypoint.sh"],
            "OnBuild": null,
            "Labels": labels,
        });
        if let Some(h) = healthcheck {
            config["Healthcheck"] = h;
        }
        let net_name = if network_mode.starts_with("container:") {
            None
        } else {
            Some(network_mode.clone())
        };
        let ip = format!(
            "172.{}.{}.{}",
            17 + (i / 65536) % 14,
            (i / 256) % 256,
            2 + i % 250
        );
        let mut networks = Map::new();
        if let Some(n) = &net_name {
            let bridged = !matches!(n.as_str(), "host" | "none");
            let attached = running && bridged;
            networks.insert(
                n.clone(),
                json!({
                    "IPAMConfig": null,
                    "Links": null,
                    "Aliases": if n.ends_with("_default") { json!([service, &id[..12]]) } else { Value::Null },
                    "NetworkID": rng.hex(64),
                    "EndpointID": if running { rng.hex(64) } else { String::new() },
                    "Gateway": if attached { ip.rsplit_once('.').map(|(a, _)| format!("{a}.1")).unwrap_or_default() } else { String::new() },
                    "IPAddress": if attached { ip.clone() } else { String::new() },
                    "IPPrefixLen": if attached { 16 } else { 0 },
                    "IPv6Gateway": "",
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "MacAddress": if attached { format!("02:42:ac:{:02x}:{:02x}:{:02x}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff) } else { String::new() },
                    "DriverOpts": null
                }),
            );
        }
        let sandbox = rng.hex(64);
        let network_settings = json!({
            "Bridge": "",
            "SandboxID": if running { sandbox.clone() } else { String::new() },
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": ports,
            "SandboxKey": if running { format!("/var/run/docker/netns/{}", &sandbox[..12]) } else { String::new() },
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": "",
            "Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "MacAddress": "",
            "Networks": networks,
        });
        let inspect = json!({
            "Id": id,
            "Created": ts(created),
            "Path": "/docker-entrypoint.sh",
            "Args": ["/usr/local/bin/app", "serve", "--port", port.to_string()],
            "State": state,
            "Image": image_id,
            "ResolvConfPath": format!("{dir}/resolv.conf"),
            "HostnamePath": format!("{dir}/hostname"),
            "HostsPath": format!("{dir}/hosts"),
            "LogPath": format!("{dir}/{id}-json.log"),
            "Name": format!("/{name}"),
            "RestartCount": 0,
            "Driver": "overlay2",
            "Platform": "linux",
            "MountLabel": if self.debian || privileged { String::new() } else { format!("system_u:object_r:container_file_t:s0:c{},c{}", i % 1024, (i / 1024) % 1024) },
            "ProcessLabel": if self.debian || security_opt.to_string().contains("label=disable") || privileged { String::new() } else { format!("system_u:system_r:container_t:s0:c{},c{}", i % 1024, (i / 1024) % 1024) },
            "AppArmorProfile": apparmor,
            "ExecIDs": if exec_ids.is_empty() { Value::Null } else { json!(exec_ids) },
            "HostConfig": host_config,
            "GraphDriver": {
                "Data": {
                    "LowerDir": format!("/var/lib/docker/overlay2/{overlay}-init/diff:/var/lib/docker/overlay2/{}/diff", rng.hex(64)),
                    "MergedDir": format!("/var/lib/docker/overlay2/{overlay}/merged"),
                    "UpperDir": format!("/var/lib/docker/overlay2/{overlay}/diff"),
                    "WorkDir": format!("/var/lib/docker/overlay2/{overlay}/work"),
                },
                "Name": "overlay2"
            },
            "Mounts": mounts,
            "Config": config,
            "NetworkSettings": network_settings,
        });

        // What the kernel says, for running containers.
        let mut errors = BTreeMap::new();
        let runtime = running.then(|| {
            let userns_active = self.secure(K_USERNS) && userns_mode != "host";
            let shared = |kind: &str| match kind {
                "net" => host_net || sneaky_host_net,
                "pid" => pid_mode == "host",
                "ipc" => ipc_mode == "host",
                "uts" => uts_mode == "host",
                "cgroup" => cgroupns_host,
                "user" => !userns_active,
                _ => false,
            };
            let namespaces = if i % 2500 == 1249 {
                // The container stopped between inspect and reading /proc.
                errors.insert(
                    "runtime.namespaces".to_string(),
                    format!(
                        "cannot read /proc/{pid}/ns/pid: No such file or directory (os error 2)"
                    ),
                );
                BTreeMap::new()
            } else {
                HOST_NS
                    .iter()
                    .enumerate()
                    .map(|(k, (kind, host_inode))| {
                        let inode = if shared(kind) {
                            *host_inode
                        } else {
                            4026532000 + i as u64 * 8 + k as u64
                        };
                        (
                            kind.to_string(),
                            NamespaceFacts {
                                inode,
                                host_inode: *host_inode,
                                shared_with_host: inode == *host_inode,
                            },
                        )
                    })
                    .collect()
            };
            let mut listening = Vec::new();
            if serves {
                listening.push(ListeningSocket {
                    proto: "tcp".into(),
                    address: if host_ip == "127.0.0.1" {
                        "127.0.0.1"
                    } else {
                        "0.0.0.0"
                    }
                    .into(),
                    port: port as u16,
                    wildcard: host_ip != "127.0.0.1",
                });
            }
            if sshd {
                listening.push(ListeningSocket {
                    proto: "tcp".into(),
                    address: "0.0.0.0".into(),
                    port: 22,
                    wildcard: true,
                });
            }
            RuntimeFacts {
                pid,
                namespaces,
                cgroup: Some(CgroupFacts {
                    version: 2,
                    path: format!("/system.slice/docker-{id}.scope"),
                    memory_limit: if limits_drift {
                        Some(8 << 30)
                    } else {
                        (memory > 0).then_some(memory)
                    },
                    pids_limit: if limits_drift {
                        Some(4096)
                    } else {
                        pids_limit.as_u64().filter(|&n| n > 0)
                    },
                    cpu_weight: Some(100),
                    cpu_quota_us: (nano_cpus > 0).then_some(nano_cpus / 10_000),
                }),
                listening,
                ..Default::default()
            }
        });
        // `docker top` (ps -eo pid,user,comm,args) for running containers.
        let processes: Vec<Value> = if running {
            let ps_user = if user.is_empty() || user.starts_with("root") || user.starts_with('0') {
                "root"
            } else {
                user.split(':').next().unwrap_or(user)
            };
            let mut p = vec![
                json!({"PID": pid.to_string(), "USER": ps_user, "NAME": "app", "ARGS": format!("/usr/local/bin/app serve --port {port}")}),
            ];
            for k in 0..rng.below(3) {
                p.push(json!({"PID": (pid + 1 + k as u32).to_string(), "USER": ps_user, "NAME": "app", "ARGS": format!("/usr/local/bin/app worker --id {k}")}));
            }
            if sshd {
                p.push(json!({"PID": (pid + 9).to_string(), "USER": "root", "NAME": "sshd", "ARGS": "/usr/sbin/sshd -D"}));
            }
            p
        } else {
            Vec::new()
        };
        let execs: Vec<Value> = exec_ids
            .iter()
            .enumerate()
            .map(|(k, exec_id)| {
                let privileged_exec = weak || (!hardened && k % 2 == 1);
                json!({
                    "ID": exec_id,
                    "Running": false,
                    "ExitCode": 0,
                    "ProcessConfig": {"tty": true, "entrypoint": "sh", "arguments": [], "privileged": privileged_exec, "user": if privileged_exec { "root" } else { "app" }},
                    "OpenStdin": true,
                    "OpenStderr": true,
                    "OpenStdout": true,
                    "CanRemove": false,
                    "ContainerID": id,
                    "DetachKeys": "",
                    "Pid": pid + 100 + k as u32
                })
            })
            .collect();
        let mut facts: ContainerFacts = serde_json::from_value(json!({
            "id": id,
            "name": name,
            "inspect": null,
            "runtime": null,
        }))
        .expect("container facts match the snapshot format");
        facts.inspect = Doc::from(&inspect);
        facts.runtime = runtime;
        facts.processes = processes;
        facts.execs = execs;
        facts.image_freshness = Some(ImageFreshness {
            reference: image_ref,
            running_id: image_id.clone(),
            current_id: current_image_id,
            current: !stale_image,
        });
        facts.errors = errors;
        bollwerk::collect::derive(&mut facts);
        facts
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
