//! bollwerk's own rules (BW-…): host kernel parameters and sockets on fixture host trees; what
//! the kernel enforces for running containers (namespaces, cgroup limits), capabilities,
//! confinement options, image age and registries, and the plaintext API port on private
//! daemons.

mod support;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use support::dockerd::{PrivateDaemon, BUSYBOX_IMAGE};
use support::fixture::HostTree;
use support::scan::{bollwerk, Run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

/// Host rules decided from the host's files alone.
const HOST_RULES: [&str; 10] = [
    "BW-KERNEL-BPF",
    "BW-KERNEL-KPTR",
    "BW-KERNEL-DMESG",
    "BW-FS-HARDLINKS",
    "BW-FS-SYMLINKS",
    "BW-KERNEL-PTRACE",
    "BW-NET-ROUTE-LOCALNET",
    "BW-NET-REDIRECTS",
    "BW-SOCKET-WORLD",
    "BW-DAEMON-TCP-2375",
];

/// Kernel parameters that matter because of the daemon's settings (icc, userns-remap).
const DAEMON_SYSCTL_RULES: &str = "BW-NET-BRIDGE-NF,BW-KERNEL-USERNS";

/// A /proc/net/tcp table listening on `addr:port` (`addr` in the kernel's hex notation).
fn tcp_table(sockets: &[(&str, u16)]) -> String {
    let mut text = String::from(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
    );
    for (i, (addr, port)) in sockets.iter().enumerate() {
        text.push_str(&format!(
            "   {i}: {addr}:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {} 1 0000000000000000 100 0 0 10 0\n",
            1000 + i
        ));
    }
    text
}

/// Writes kernel parameters under proc/sys of `tree`.
fn sysctls(tree: &HostTree, values: &[(&str, &str)]) {
    for (name, value) in values {
        let rel = format!("proc/sys/{}", name.replace('.', "/"));
        tree.write(&rel, &format!("{value}\n"), 0o644);
    }
}

fn scan_tree(tree: &HostTree) -> (tempfile::TempDir, Run) {
    scan_tree_for(tree, &HOST_RULES.join(","))
}

/// A scan of `tree` with no daemon, of the rules `include` names.
fn scan_tree_for(tree: &HostTree, include: &str) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let run = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            include,
        ],
        out.path(),
    );
    run.report();
    (out, run)
}

fn scan_daemon(d: &PrivateDaemon, include: &str, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let mut args = vec!["scan", "--docker-host", &sock, "--include", include];
    args.extend_from_slice(extra);
    let run = bollwerk(&args, out.path());
    run.report();
    (out, run)
}

/// `POST path` with a JSON body on the daemon's API socket (for what the CLI would normalise);
/// returns the response body, panicking unless the status is 2xx.
fn api_post(d: &PrivateDaemon, path: &str, body: &Value) -> String {
    let body = body.to_string();
    let mut s = UnixStream::connect(d.socket_path()).expect("connecting to the API socket");
    write!(
        s,
        "POST {path} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_string();
    assert!(
        status.split(' ').nth(1).is_some_and(|c| c.starts_with('2')),
        "POST {path}: {response}"
    );
    response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

/// The cgroup directory of `pid` for `controller` (v1), or its unified directory (v2), with
/// the cgroup version.
fn cgroup_dir(pid: &str, controller: &str) -> (PathBuf, u8) {
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        if ctrls.split(',').any(|c| c == controller) {
            return (
                PathBuf::from(format!("/sys/fs/cgroup/{controller}{path}")),
                1,
            );
        }
    }
    let path = text
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("a cgroup v1 controller line or a v2 unified line");
    (PathBuf::from(format!("/sys/fs/cgroup{path}")), 2)
}

/// Changes a running container's limits behind Docker's back, as the cgroup file system
/// allows anyone with write access to it: `memory` in bytes, `pids` as a number or "max".
fn tamper(d: &PrivateDaemon, name: &str, memory: Option<&str>, pids: Option<&str>) {
    let pid = d.docker(&["inspect", "--format", "{{.State.Pid}}", name]);
    if let Some(m) = memory {
        let (dir, v) = cgroup_dir(&pid, "memory");
        let file = dir.join(if v == 1 {
            "memory.limit_in_bytes"
        } else {
            "memory.max"
        });
        fs::write(&file, m).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    }
    if let Some(p) = pids {
        let (dir, _) = cgroup_dir(&pid, "pids");
        let file = dir.join("pids.max");
        fs::write(&file, p).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    }
}

#[test]
fn kernel_parameters_and_sockets_pass_on_a_hardened_host_tree() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    sysctls(
        &tree,
        &[
            ("kernel.unprivileged_bpf_disabled", "2"),
            ("kernel.kptr_restrict", "1"),
            ("kernel.dmesg_restrict", "1"),
            ("fs.protected_hardlinks", "1"),
            ("fs.protected_symlinks", "1"),
            ("kernel.yama.ptrace_scope", "1"),
            ("net.ipv4.conf.all.route_localnet", "0"),
            ("net.ipv4.conf.all.accept_redirects", "0"),
            ("net.ipv4.conf.all.send_redirects", "0"),
            ("net.ipv4.conf.default.send_redirects", "0"),
            ("net.ipv4.conf.eth0.send_redirects", "0"),
            ("net.ipv6.conf.all.accept_redirects", "0"),
        ],
    );
    // sshd on 22 everywhere, the TLS API on 2376: nothing on 2375.
    tree.write(
        "proc/1/net/tcp",
        &tcp_table(&[("00000000", 22), ("0100007F", 2376)]),
        0o444,
    );
    let (_o, r) = scan_tree(&tree);
    for id in HOST_RULES {
        r.expect(id, "pass");
    }
    // The values come from the tree's /proc/sys, named in the evidence.
    let ev = &r.rule("BW-KERNEL-BPF")["evidence"][0];
    assert_eq!(ev["observed"], "2");
    assert_eq!(ev["source"], "/proc/sys/kernel/unprivileged_bpf_disabled");
}

#[test]
fn an_interface_or_the_default_that_sends_redirects_fails_though_all_does_not() {
    // The kernel sends redirects on an interface when `all` OR the interface allows it: eth0
    // set up before sysctl.d ran keeps its 1, and every new veth starts with `default`.
    let tree = HostTree::new();
    let hardened = [
        ("net.ipv4.conf.all.accept_redirects", "0"),
        ("net.ipv4.conf.all.send_redirects", "0"),
        ("net.ipv4.conf.default.send_redirects", "0"),
        ("net.ipv4.conf.eth0.send_redirects", "0"),
        ("net.ipv4.conf.lo.send_redirects", "0"),
    ];
    sysctls(&tree, &hardened);
    let run = |tree: &HostTree| scan_tree_for(tree, "BW-NET-REDIRECTS").1;
    let r = run(&tree);
    r.expect("BW-NET-REDIRECTS", "pass");
    // Every interface's value is evidence, named by the interface.
    let facts: Vec<&str> = r.rule("BW-NET-REDIRECTS")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fact"].as_str().unwrap())
        .collect();
    assert!(
        facts.contains(&"host.sysctl_each[\"net.ipv4.conf.*.send_redirects\"][\"eth0\"]"),
        "{facts:?}"
    );
    for (name, fails) in [
        ("net.ipv4.conf.eth0.send_redirects", "[\"eth0\"]"),
        ("net.ipv4.conf.default.send_redirects", "[\"default\"]"),
    ] {
        sysctls(&tree, &hardened);
        sysctls(&tree, &[(name, "1")]);
        let r = run(&tree);
        r.expect("BW-NET-REDIRECTS", "fail");
        let message = r.message("BW-NET-REDIRECTS");
        assert!(message.contains(fails), "{message}");
    }
}

#[test]
fn an_interface_that_routes_loopback_or_accepts_redirects_fails_though_all_does_not() {
    // route_localnet and IPv4 accept_redirects (on an interface that does not forward) hold
    // where `all` OR the interface has them; IPv6 reads the interface's own value. dockerd
    // without its userland proxy sets route_localnet on its bridge.
    let tree = HostTree::new();
    let hardened = [
        ("net.ipv4.conf.all.route_localnet", "0"),
        ("net.ipv4.conf.docker0.route_localnet", "0"),
        ("net.ipv4.conf.all.accept_redirects", "0"),
        ("net.ipv4.conf.eth0.accept_redirects", "0"),
        ("net.ipv4.conf.all.send_redirects", "0"),
        ("net.ipv6.conf.all.accept_redirects", "0"),
        ("net.ipv6.conf.eth0.accept_redirects", "0"),
    ];
    let include = "BW-NET-ROUTE-LOCALNET,BW-NET-REDIRECTS";
    sysctls(&tree, &hardened);
    let r = scan_tree_for(&tree, include).1;
    r.expect("BW-NET-ROUTE-LOCALNET", "pass");
    r.expect("BW-NET-REDIRECTS", "pass");
    for (name, id, fails) in [
        (
            "net.ipv4.conf.docker0.route_localnet",
            "BW-NET-ROUTE-LOCALNET",
            "[\"docker0\"]",
        ),
        (
            "net.ipv4.conf.eth0.accept_redirects",
            "BW-NET-REDIRECTS",
            "net.ipv4.conf.*.accept_redirects\"][\"eth0\"]",
        ),
        (
            "net.ipv6.conf.eth0.accept_redirects",
            "BW-NET-REDIRECTS",
            "net.ipv6.conf.*.accept_redirects\"][\"eth0\"]",
        ),
    ] {
        sysctls(&tree, &hardened);
        sysctls(&tree, &[(name, "1")]);
        let r = scan_tree_for(&tree, include).1;
        r.expect(id, "fail");
        let message = r.message(id);
        assert!(message.contains(fails), "{message}");
    }
}

#[test]
fn kernel_parameters_and_sockets_fail_on_a_weak_host_tree() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    sysctls(
        &tree,
        &[
            ("kernel.unprivileged_bpf_disabled", "0"),
            ("kernel.kptr_restrict", "0"),
            ("kernel.dmesg_restrict", "0"),
            ("fs.protected_hardlinks", "0"),
            ("fs.protected_symlinks", "0"),
            ("kernel.yama.ptrace_scope", "0"),
            ("net.ipv4.conf.all.route_localnet", "1"),
            ("net.ipv4.conf.all.accept_redirects", "0"),
            ("net.ipv4.conf.all.send_redirects", "1"),
        ],
    );
    // `chmod 666` on the sockets, and a plaintext API on 2375 (IPv6 wildcard).
    tree.socket("run/docker.sock", 0o666);
    tree.socket("run/containerd/containerd.sock", 0o666);
    tree.write(
        "proc/1/net/tcp6",
        &tcp_table(&[("00000000000000000000000000000000", 2375)]),
        0o444,
    );
    tree.write("proc/1/net/tcp", &tcp_table(&[("00000000", 22)]), 0o444);
    let (_o, r) = scan_tree(&tree);
    for id in HOST_RULES {
        r.expect(id, "fail");
    }
    // send_redirects alone is enough to fail BW-NET-REDIRECTS.
    assert!(
        r.message("BW-NET-REDIRECTS").contains("send_redirects"),
        "{}",
        r.message("BW-NET-REDIRECTS")
    );
    // Either world-accessible socket fails BW-SOCKET-WORLD; here both do.
    let failed: Vec<&Value> = r.rule("BW-SOCKET-WORLD")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "fail")
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
}

#[test]
fn absent_kernel_features_and_sockets_are_not_applicable_or_errors_never_passes() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    // No /proc/sys, no sockets, no readable /proc/1/net/tcp, no daemon.
    tree.write("etc/docker/daemon.json", "{\"icc\": false}\n", 0o644);
    fs::remove_file(tree.path("run/docker.sock")).unwrap();
    fs::remove_file(tree.path("run/containerd/containerd.sock")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let include = format!("{},{DAEMON_SYSCTL_RULES}", HOST_RULES.join(","));
    let r = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            &include,
        ],
        out.path(),
    );
    // No bpf() system call, no Yama, no sockets: nothing to check.
    for id in ["BW-KERNEL-BPF", "BW-KERNEL-PTRACE", "BW-SOCKET-WORLD"] {
        r.expect(id, "notapplicable");
    }
    // Parameters every kernel has cannot be decided when they cannot be read, nor can the
    // listening sockets or the rules that depend on the daemon's settings.
    for id in [
        "BW-KERNEL-KPTR",
        "BW-KERNEL-DMESG",
        "BW-FS-HARDLINKS",
        "BW-FS-SYMLINKS",
        "BW-NET-ROUTE-LOCALNET",
        "BW-NET-REDIRECTS",
        "BW-DAEMON-TCP-2375",
        "BW-NET-BRIDGE-NF",
        "BW-KERNEL-USERNS",
    ] {
        r.expect(id, "error");
    }
    assert!(
        r.message("BW-NET-BRIDGE-NF").contains("nonexistent"),
        "{}",
        r.message("BW-NET-BRIDGE-NF")
    );
}

#[test]
fn container_rules_read_namespaces_cgroups_capabilities_and_confinement() {
    let d = PrivateDaemon::start(json!({}));
    d.import_busybox();
    let none = ["--network", "none"];
    d.run_sleeping("plain", &none);
    // Namespaces shared with the host, one kind each.
    d.run_sleeping("hostpid", &["--network", "none", "--pid", "host"]);
    d.run_sleeping("hostipc", &["--network", "none", "--ipc", "host"]);
    d.run_sleeping("hostuts", &["--network", "none", "--uts", "host"]);
    d.run_sleeping("hostnet", &["--network", "host"]);
    d.run_sleeping("cghost", &["--network", "none", "--cgroupns", "host"]);
    d.run_sleeping("cgpriv", &["--network", "none", "--cgroupns", "private"]);
    // Limits: kept, and changed behind Docker's back.
    let limited = ["--network", "none", "-m", "64m", "--pids-limit", "50"];
    d.run_sleeping("limited", &limited);
    d.run_sleeping("raised", &limited);
    tamper(&d, "raised", Some("134217728"), Some("max"));
    d.run_sleeping("capped", &none);
    tamper(&d, "capped", Some("67108864"), Some("20"));
    // Capabilities.
    d.run_sleeping("sysadmin", &["--network", "none", "--cap-add", "SYS_ADMIN"]);
    d.run_sleeping(
        "harmless",
        &[
            "--network",
            "none",
            "--cap-add",
            "NET_BIND_SERVICE",
            "--cap-add",
            "CHOWN",
        ],
    );
    d.docker(&[
        "create",
        "--name",
        "allcaps",
        "--network",
        "none",
        "--cap-add",
        "ALL",
        BUSYBOX_IMAGE,
    ]);
    // API clients may send names without CAP_ and in lower case; the CLI would normalise them.
    api_post(
        &d,
        "/v1.41/containers/create?name=rawcap",
        &json!({
            "Image": BUSYBOX_IMAGE,
            "Cmd": ["sleep", "3600"],
            "HostConfig": {"NetworkMode": "none", "CapAdd": ["sys_ptrace"]},
        }),
    );
    d.docker(&["start", "rawcap"]);
    d.wait_running("rawcap");
    assert_eq!(
        d.docker(&[
            "inspect",
            "--format",
            "{{json .HostConfig.CapAdd}}",
            "rawcap"
        ]),
        r#"["sys_ptrace"]"#
    );
    // Confinement switched off.
    for (name, opt) in [
        ("noseccomp", "seccomp=unconfined"),
        ("noapparmor", "apparmor=unconfined"),
        ("nomask", "systempaths=unconfined"),
        ("nolabel", "label=disable"),
        ("spctype", "label=type:spc_t"),
    ] {
        d.run_sleeping(name, &["--network", "none", "--security-opt", opt]);
    }
    // The bare `disable`: the CLI refuses it, but dockerd takes it from the API (compose
    // passes it on) and drops the SELinux label.
    api_post(
        &d,
        "/v1.41/containers/create?name=baredisable",
        &json!({
            "Image": BUSYBOX_IMAGE,
            "Cmd": ["sleep", "3600"],
            "HostConfig": { "NetworkMode": "none", "SecurityOpt": ["disable"] },
        }),
    );
    d.docker(&["start", "baredisable"]);
    d.wait_running("baredisable");
    // An API client may send its own, shorter lists: here /proc/kcore and /proc/sys are
    // left out. Docker keeps what it is sent.
    api_post(
        &d,
        "/v1.41/containers/create?name=shortmask",
        &json!({
            "Image": BUSYBOX_IMAGE,
            "Cmd": ["sleep", "3600"],
            "HostConfig": {
                "NetworkMode": "none",
                "MaskedPaths": ["/proc/asound", "/proc/acpi", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                    "/sys/firmware"],
                "ReadonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"],
            },
        }),
    );
    d.docker(&["start", "shortmask"]);
    d.wait_running("shortmask");
    assert!(!d
        .docker(&[
            "inspect",
            "--format",
            "{{json .HostConfig.MaskedPaths}}",
            "shortmask"
        ])
        .contains("/proc/kcore"));
    // A stopped container with a host namespace: the kernel has nothing to say about it.
    d.docker(&[
        "create",
        "--name",
        "idle",
        "--pid",
        "host",
        "--network",
        "none",
        BUSYBOX_IMAGE,
    ]);
    // Privileged containers cannot start here; created, they are judged from their settings.
    d.docker(&[
        "create",
        "--name",
        "privileged",
        "--privileged",
        "--network",
        "none",
        BUSYBOX_IMAGE,
    ]);
    // Docker adds label=disable by itself for --pid host, --ipc host and --privileged.
    for name in ["hostpid", "hostipc", "idle", "privileged"] {
        let opts = d.docker(&[
            "inspect",
            "--format",
            "{{json .HostConfig.SecurityOpt}}",
            name,
        ]);
        assert_eq!(opts, r#"["label=disable"]"#, "{name}");
    }

    let (out, r) = scan_daemon(
        &d,
        "BW-NS,BW-CGROUP,BW-CAP,BW-SECOPT,BW-NET-BRIDGE-NF,BW-KERNEL-USERNS",
        &["--all", "--format", "terminal,json,html"],
    );
    for (rule, name, want) in [
        ("BW-NS-PID", "plain", "pass"),
        ("BW-NS-PID", "hostpid", "fail"),
        ("BW-NS-PID", "hostipc", "pass"),
        ("BW-NS-PID", "idle", "notapplicable"),
        ("BW-NS-IPC", "plain", "pass"),
        ("BW-NS-IPC", "hostipc", "fail"),
        ("BW-NS-IPC", "idle", "notapplicable"),
        ("BW-NS-UTS", "plain", "pass"),
        ("BW-NS-UTS", "hostuts", "fail"),
        ("BW-NS-NET", "plain", "pass"),
        ("BW-NS-NET", "hostnet", "fail"),
        ("BW-NS-NET", "hostpid", "pass"),
        ("BW-NS-CGROUP", "cgpriv", "pass"),
        ("BW-NS-CGROUP", "cghost", "fail"),
        ("BW-NS-CGROUP", "idle", "notapplicable"),
        // Without userns-remap every container shares the host's user namespace by design.
        ("BW-NS-USER", "plain", "notapplicable"),
        ("BW-CGROUP-MEMORY", "plain", "pass"),
        ("BW-CGROUP-MEMORY", "limited", "pass"),
        ("BW-CGROUP-MEMORY", "raised", "fail"),
        ("BW-CGROUP-MEMORY", "capped", "fail"),
        ("BW-CGROUP-MEMORY", "idle", "notapplicable"),
        ("BW-CGROUP-PIDS", "plain", "pass"),
        ("BW-CGROUP-PIDS", "limited", "pass"),
        ("BW-CGROUP-PIDS", "raised", "fail"),
        ("BW-CGROUP-PIDS", "capped", "fail"),
        ("BW-CAP-DANGEROUS", "plain", "pass"),
        ("BW-CAP-DANGEROUS", "harmless", "pass"),
        ("BW-CAP-DANGEROUS", "sysadmin", "fail"),
        ("BW-CAP-DANGEROUS", "allcaps", "fail"),
        ("BW-CAP-DANGEROUS", "rawcap", "fail"),
        // Privileged holds every capability because it is privileged: CIS 5.5 judges that.
        ("BW-CAP-DANGEROUS", "privileged", "notapplicable"),
        ("BW-SECOPT-UNCONFINED", "plain", "pass"),
        // label=disable that Docker added is not the user's choice; the namespace rules
        // judge its cause.
        ("BW-SECOPT-UNCONFINED", "hostpid", "pass"),
        ("BW-SECOPT-UNCONFINED", "hostipc", "pass"),
        ("BW-SECOPT-UNCONFINED", "idle", "pass"),
        // Privileged turns confinement off, and CIS 5.5 judges that; label=disable that came
        // with it is not counted against the user either.
        ("BW-SECOPT-UNCONFINED", "privileged", "notapplicable"),
        ("BW-SECOPT-UNCONFINED", "noseccomp", "fail"),
        ("BW-SECOPT-UNCONFINED", "noapparmor", "fail"),
        ("BW-SECOPT-UNCONFINED", "nomask", "fail"),
        ("BW-SECOPT-UNCONFINED", "shortmask", "fail"),
        ("BW-SECOPT-UNCONFINED", "nolabel", "fail"),
        ("BW-SECOPT-UNCONFINED", "spctype", "fail"),
        ("BW-SECOPT-UNCONFINED", "baredisable", "fail"),
    ] {
        r.expect_instance(rule, name, want);
    }
    for rule in ["BW-SECOPT-UNCONFINED", "BW-CAP-DANGEROUS"] {
        let why = r.instance_message(rule, "privileged");
        assert!(
            why.contains("HostConfig.Privileged is true"),
            "{rule}: {why}"
        );
    }
    // What is held is judged, from /proc for a running container: SYS_ADMIN and SYS_PTRACE
    // are named, in whatever spelling they were added.
    for (name, capability) in [("sysadmin", "SYS_ADMIN"), ("rawcap", "SYS_PTRACE")] {
        let m = r.instance_message("BW-CAP-DANGEROUS", name);
        assert!(m.contains(capability), "{name}: {m}");
        let ev = &r.instance_evidence("BW-CAP-DANGEROUS", name)[0];
        assert!(ev["source"].as_str().unwrap().contains("CapBnd"), "{ev}");
    }
    // People read expectations in words; report.json keeps the machine form.
    let ev = &r.instance_evidence("BW-CAP-DANGEROUS", "sysadmin")[0];
    assert!(
        ev["expected"]
            .as_str()
            .unwrap()
            .starts_with("no element matching /"),
        "{ev}"
    );
    let words = "no capability that leads to the host";
    assert!(
        ev["expected_text"].as_str().unwrap().starts_with(words),
        "{ev}"
    );
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let rerendered = tempfile::tempdir().unwrap();
    let report_json = out.path().join("report.json");
    let again = bollwerk(
        &[
            "report",
            report_json.to_str().unwrap(),
            "--format",
            "html,terminal",
            "-o",
            rerendered.path().to_str().unwrap(),
        ],
        rerendered.path(),
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let html_again = std::fs::read_to_string(rerendered.path().join("report.html")).unwrap();
    for (what, text) in [
        ("terminal", &r.stdout),
        ("html", &html),
        ("re-rendered html", &html_again),
        ("re-rendered terminal", &again.stdout),
    ] {
        assert!(text.contains(words), "{what} lacks the words:\n{text}");
        for regex in ["(?i)", "^(", "matching /"] {
            assert!(!text.contains(regex), "{what} shows {regex}:\n{text}");
        }
    }
    // icc on (dockerd's default) and no remapping: their kernel parameters do not matter.
    r.expect("BW-NET-BRIDGE-NF", "notapplicable");
    assert!(
        r.message("BW-NET-BRIDGE-NF")
            .contains("daemon.settings.icc is true"),
        "{}",
        r.message("BW-NET-BRIDGE-NF")
    );
    r.expect("BW-KERNEL-USERNS", "notapplicable");
    // The kernel's view is what is compared: the shared namespace's inode is the host's.
    let hostpid = r.rule("BW-NS-PID")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "hostpid")
        .unwrap()
        .clone();
    let ev = &hostpid["evidence"][0];
    assert_eq!(
        ev["fact"],
        "container.runtime.namespaces.pid.shared_with_host"
    );
    assert!(ev["source"].as_str().unwrap().starts_with("/proc/"), "{ev}");
    // The raised limit is what the cgroup says, not what docker inspect says.
    let raised = r.rule("BW-CGROUP-MEMORY")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "raised")
        .unwrap()
        .clone();
    assert!(
        raised["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["observed"] == json!(134_217_728)),
        "{raised:#}"
    );
    let idle = r.rule("BW-NS-PID")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "idle")
        .unwrap()
        .clone();
    assert!(
        idle["message"]
            .as_str()
            .unwrap()
            .contains("container.inspect.State.Running is false"),
        "{idle:#}"
    );
}

#[test]
fn remapping_daemon_with_icc_off_decides_user_namespace_and_its_kernel_parameters() {
    let d = PrivateDaemon::start(json!({"userns-remap": "default", "icc": false}));
    d.import_busybox();
    d.run_sleeping("remapped", &["--network", "none"]);
    d.run_sleeping("hostuser", &["--network", "none", "--userns", "host"]);
    let (_o, r) = scan_daemon(&d, "BW-NS-USER,BW-SECOPT-UNCONFINED", &[]);
    r.expect_instance("BW-NS-USER", "remapped", "pass");
    r.expect_instance("BW-NS-USER", "hostuser", "fail");
    r.expect_instance("BW-SECOPT-UNCONFINED", "remapped", "pass");

    // The daemon's settings with the kernel parameters of a fixture host: the tree's
    // daemon.json matches this daemon's (bollwerk finds no dockerd in the tree's /proc, so it
    // reads the tree's configuration; docker info confirms the remapping).
    let sock = d.socket_url();
    let scan_with = |values: &[(&str, &str)]| {
        let tree = HostTree::new();
        tree.write(
            "etc/docker/daemon.json",
            "{\"userns-remap\": \"default\", \"icc\": false}\n",
            0o644,
        );
        sysctls(&tree, values);
        let out = tempfile::tempdir().unwrap();
        let root = tree.root_arg();
        let run = bollwerk(
            &[
                "scan",
                "--host-root",
                &root,
                "--docker-host",
                &sock,
                "--include",
                DAEMON_SYSCTL_RULES,
            ],
            out.path(),
        );
        run.report();
        (out, run)
    };
    let (_o, r) = scan_with(&[
        ("net.bridge.bridge-nf-call-iptables", "1"),
        ("user.max_user_namespaces", "15000"),
    ]);
    r.expect("BW-NET-BRIDGE-NF", "pass");
    r.expect("BW-KERNEL-USERNS", "pass");
    let (_o, r) = scan_with(&[
        ("net.bridge.bridge-nf-call-iptables", "0"),
        ("user.max_user_namespaces", "0"),
    ]);
    r.expect("BW-NET-BRIDGE-NF", "fail");
    r.expect("BW-KERNEL-USERNS", "fail");
    // br_netfilter not loaded: the parameter does not exist, and that fails with the reason.
    let (_o, r) = scan_with(&[("user.max_user_namespaces", "15000")]);
    r.expect("BW-NET-BRIDGE-NF", "fail");
    assert!(
        r.message("BW-NET-BRIDGE-NF").contains("found nothing"),
        "{}",
        r.message("BW-NET-BRIDGE-NF")
    );
    r.expect("BW-KERNEL-USERNS", "pass");

    // dockerd 20.10 cannot run with "seccomp-profile": "unconfined" (it looks for a file of
    // that name; dockerd 23 accepts it), so that setting is tested on this daemon's snapshot
    // with only the setting's value edited.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snapshot.json");
    let collected = bollwerk(
        &[
            "collect",
            "--docker-host",
            &sock,
            "-o",
            snap.to_str().unwrap(),
            "-q",
        ],
        dir.path(),
    );
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let mut snapshot: Value = serde_json::from_str(&fs::read_to_string(&snap).unwrap()).unwrap();
    snapshot["daemon"]["settings"]["seccomp-profile"] =
        json!({"value": "unconfined", "source": "/etc/docker/daemon.json:3"});
    fs::write(&snap, snapshot.to_string()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--snapshot",
            snap.to_str().unwrap(),
            "--include",
            "BW-SECOPT-UNCONFINED",
        ],
        out.path(),
    );
    for name in ["remapped", "hostuser"] {
        r.expect_instance("BW-SECOPT-UNCONFINED", name, "fail");
    }
    let msg = r.rule("BW-SECOPT-UNCONFINED")["instances"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("daemon.settings.seccomp-profile"), "{msg}");
}

/// Loads a copy of `image` whose creation date is `created`, tagged `tag`: what an image
/// built long ago looks like (docker import and build always stamp the current time).
fn load_backdated(d: &PrivateDaemon, image: &str, tag: &str, created: &str) {
    let work = tempfile::tempdir().unwrap();
    let saved = work.path().join("saved.tar");
    let tree = work.path().join("tree");
    fs::create_dir(&tree).unwrap();
    d.docker(&["save", "-o", saved.to_str().unwrap(), image]);
    tar(&["-C", tree.to_str().unwrap(), "-xf", saved.to_str().unwrap()]);
    let manifest_path = tree.join("manifest.json");
    let mut manifest: Value =
        serde_json::from_str(&fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let config_name = manifest[0]["Config"].as_str().unwrap().to_string();
    let mut config: Value =
        serde_json::from_str(&fs::read_to_string(tree.join(&config_name)).unwrap()).unwrap();
    config["created"] = json!(created);
    if let Some(history) = config["history"].as_array_mut() {
        for h in history {
            h["created"] = json!(created);
        }
    }
    fs::remove_file(tree.join(&config_name)).unwrap();
    let _ = fs::remove_file(tree.join("repositories"));
    fs::write(tree.join("backdated.json"), config.to_string()).unwrap();
    manifest[0]["Config"] = json!("backdated.json");
    manifest[0]["RepoTags"] = json!([tag]);
    fs::write(&manifest_path, manifest.to_string()).unwrap();
    let edited = work.path().join("edited.tar");
    tar(&[
        "-C",
        tree.to_str().unwrap(),
        "-cf",
        edited.to_str().unwrap(),
        ".",
    ]);
    d.docker(&["load", "-i", edited.to_str().unwrap()]);
}

fn tar(args: &[&str]) {
    let out = Command::new("tar")
        .args(args)
        .output()
        .expect("running tar");
    assert!(
        out.status.success(),
        "tar {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn config_file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn image_age_and_registry_rules_follow_the_config_file() {
    let d = PrivateDaemon::start(json!({}));
    d.import_busybox();
    load_backdated(&d, BUSYBOX_IMAGE, "local/old:test", "2001-02-03T04:05:06Z");
    d.import_busybox_as("registry.example.com:5000/team/app:1", &["LABEL team=app"]);
    let fresh = BUSYBOX_IMAGE;
    let old = "local/old:test";
    let foreign = "registry.example.com:5000/team/app:1";

    // Defaults: images up to 30 days pass; no allow-list, so registries are not checked.
    let (_o, r) = scan_daemon(&d, "BW-IMG", &[]);
    r.expect_instance("BW-IMG-AGE", fresh, "pass");
    r.expect_instance("BW-IMG-AGE", foreign, "pass");
    r.expect_instance("BW-IMG-AGE", old, "fail");
    r.expect("BW-IMG-REGISTRY", "notchecked");
    let first = &r.rule("BW-IMG-REGISTRY")["instances"][0];
    assert!(
        first["message"]
            .as_str()
            .unwrap_or_default()
            .contains("registry-allow-list is not set"),
        "{first:#}"
    );

    let dir = tempfile::tempdir().unwrap();
    // A lenient age and Docker Hub only.
    let lenient = config_file(
        dir.path(),
        "lenient.toml",
        "max-image-age-days = 100000\nregistry-allow-list = [\"docker.io\"]\n",
    );
    let (_o, r) = scan_daemon(&d, "BW-IMG", &["--config", &lenient]);
    for image in [fresh, old, foreign] {
        r.expect_instance("BW-IMG-AGE", image, "pass");
    }
    r.expect_instance("BW-IMG-REGISTRY", fresh, "pass");
    r.expect_instance("BW-IMG-REGISTRY", old, "pass");
    r.expect_instance("BW-IMG-REGISTRY", foreign, "fail");

    // Zero days: only images built today pass; both registries allowed.
    let strict = config_file(
        dir.path(),
        "strict.toml",
        "max-image-age-days = 0\nregistry-allow-list = [\"docker.io\", \"registry.example.com:5000\"]\n",
    );
    let (_o, r) = scan_daemon(&d, "BW-IMG", &["--config", &strict]);
    r.expect_instance("BW-IMG-AGE", fresh, "pass");
    r.expect_instance("BW-IMG-AGE", old, "fail");
    for image in [fresh, old, foreign] {
        r.expect_instance("BW-IMG-REGISTRY", image, "pass");
    }
}

#[test]
fn plaintext_api_port_2375_fails_wherever_it_listens() {
    drop(TcpListener::bind("0.0.0.0:2375").unwrap_or_else(|e| {
        panic!("port 2375 must be free for this test (is a Docker API listening on it?): {e}")
    }));
    // This machine, before: nothing on 2375.
    let out = tempfile::tempdir().unwrap();
    let live = bollwerk(
        &[
            "scan",
            "--docker-host",
            NO_DAEMON,
            "--include",
            "BW-DAEMON-TCP-2375",
        ],
        out.path(),
    );
    live.expect("BW-DAEMON-TCP-2375", "pass");

    // A daemon serving its API on 127.0.0.1:2375 without TLS.
    let d = PrivateDaemon::start_with_args(json!({}), &["-H", "tcp://127.0.0.1:2375"], |_| {});
    let (_o, r) = scan_daemon(&d, "BW-DAEMON-TCP-2375", &[]);
    r.expect("BW-DAEMON-TCP-2375", "fail");
    let failed: Vec<Value> = r.rule("BW-DAEMON-TCP-2375")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "fail")
        .cloned()
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["observed"], 2375);
    assert!(
        failed[0]["fact"]
            .as_str()
            .unwrap()
            .starts_with("host.listening["),
        "{failed:#?}"
    );
}
