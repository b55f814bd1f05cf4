//! CIS Docker 1.8.0 sections 5 (container runtime) and 6 (operations) against real private
//! daemons: one container per setting, asserted per rule and container. What this machine cannot
//! produce (AppArmor, SELinux, a privileged exec session, a daemon-wide unconfined seccomp
//! default) is tested on a snapshot collected from a real daemon and then minimally edited.

mod support;

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;

use serde_json::{json, Value};
use support::dockerd::{host, HostBridge, PrivateDaemon};
use support::scan::{bollwerk, Run};

/// `docker run -d --name NAME ARGS…` (ARGS end with the image and command); waits until it runs.
fn run(d: &PrivateDaemon, name: &str, args: &[&str]) {
    let mut all = vec!["run", "-d", "--name", name];
    all.extend_from_slice(args);
    d.docker(&all);
    d.wait_running(name);
}

/// Moves the process of container `name` whose command is `comm` into a new cgroup below the
/// container's (its pids cgroup on v1, its cgroup on v2).
fn move_into_a_child_cgroup(d: &PrivateDaemon, name: &str, comm: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pid = loop {
        let top = d.docker(&["top", name, "-eo", "pid,comm"]);
        let found = top.lines().find_map(|l| {
            let mut f = l.split_whitespace();
            let pid = f.next()?;
            (f.next() == Some(comm)).then(|| pid.to_string())
        });
        if let Some(pid) = found {
            break pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {comm} in {name}: {top}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let cgroups = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let folder = cgroups
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
            if controllers.split(',').any(|c| c == "pids") {
                Some(format!("/sys/fs/cgroup/pids{path}"))
            } else {
                None
            }
        })
        .or_else(|| {
            cgroups
                .lines()
                .find_map(|l| l.strip_prefix("0::").map(|p| format!("/sys/fs/cgroup{p}")))
        })
        .expect("a pids or unified cgroup");
    let child = format!("{folder}/svc");
    fs::create_dir_all(&child).unwrap();
    fs::write(format!("{child}/cgroup.procs"), &pid).unwrap();
}

/// `docker create --name NAME ARGS…`: a container that never starts (seen with --all).
fn create(d: &PrivateDaemon, name: &str, args: &[&str]) {
    let mut all = vec!["create", "--name", name];
    all.extend_from_slice(args);
    d.docker(&all);
}

/// A TCP port nobody listens on, on every address, from `range`.
fn free_port(range: std::ops::Range<u16>) -> u16 {
    range
        .clone()
        .find(|&p| {
            TcpListener::bind(("0.0.0.0", p)).is_ok() && TcpListener::bind(("::", p)).is_ok()
        })
        .unwrap_or_else(|| panic!("no free port in {range:?}"))
}

/// A free port above 1024 chosen by the kernel.
fn free_high_port() -> u16 {
    loop {
        let p = TcpListener::bind(("0.0.0.0", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if TcpListener::bind(("::", p)).is_ok() {
            return p;
        }
    }
}

/// Asserts each (rule, container, status).
fn expect_all(r: &Run, cases: &[(&str, &str, &str)]) {
    for (rule, name, want) in cases {
        r.expect_instance(rule, name, want);
    }
}

const IMG: &str = "local/busybox:test";

#[test]
fn runtime_and_operations_rules_per_container_on_a_plain_daemon() {
    let d = PrivateDaemon::start(json!({}));
    d.import_busybox();
    d.import_busybox_as("local/busybox:nobody", &["USER nobody"]);
    // An image no container uses (6.1), and a second tag of the test image (5.28).
    d.import_busybox_as("local/unused:1", &["LABEL unused=yes"]);
    d.docker(&["tag", IMG, "local/fresh:1"]);
    d.docker(&["network", "create", "n1"]);
    let privileged_port = free_port(900..1000).to_string();
    let high_port = free_high_port().to_string();
    let local_port = free_high_port().to_string();

    // A directory that is a shared mount (5.20), a script that runs as `sshd` (5.7).
    let shared = d.dir().join("shared-src");
    fs::create_dir_all(&shared).unwrap();
    let shared_s = shared.display().to_string();
    host("mount", &["--bind", &shared_s, &shared_s]);
    host("mount", &["--make-shared", &shared_s]);
    let sshd_dir = d.dir().join("sshd-bin");
    fs::create_dir_all(&sshd_dir).unwrap();
    fs::write(sshd_dir.join("sshd"), "#!/bin/sh\nsleep 3600\n").unwrap();
    fs::set_permissions(sshd_dir.join("sshd"), fs::Permissions::from_mode(0o755)).unwrap();
    let sshd_mount = format!("{}:/opt/s:ro", sshd_dir.display());
    let sock_mount = format!("{}:/var/run/docker.sock", d.socket_path().display());
    let shared_mount = format!("{shared_s}:/mnt:shared");

    let none = ["--network", "none"];
    run(
        &d,
        "tight",
        &[
            "--network",
            "none",
            "--read-only",
            "--cpus",
            "0.5",
            "--restart",
            "on-failure:3",
            "--health-cmd",
            "true",
            "-m",
            "64m",
            "--pids-limit",
            "50",
            "--security-opt",
            "no-new-privileges",
            "--cap-drop",
            "ALL",
            IMG,
        ],
    );
    run(&d, "loose", &[none[0], none[1], "--restart", "always", IMG]);
    // No --network on a daemon without a default bridge ("bridge": "none"): inspect keeps a
    // "bridge" entry without a network id, and the container has loopback alone (5.30).
    run(&d, "nodefaultbridge", &[IMG]);
    run(
        &d,
        "cpushares",
        &[none[0], none[1], "--cpu-shares", "512", IMG],
    );
    run(
        &d,
        "ports",
        &[
            "--network",
            "n1",
            "-p",
            &format!("{privileged_port}:80"),
            "-p",
            &format!("{high_port}:8080"),
            IMG,
        ],
    );
    run(
        &d,
        "portsok",
        &[
            "--network",
            "n1",
            "-p",
            &format!("127.0.0.1:{local_port}:8080"),
            IMG,
        ],
    );
    run(
        &d,
        "hostns",
        &[
            none[0], none[1], "--pid", "host", "--ipc", "host", "--uts", "host", IMG,
        ],
    );
    run(
        &d,
        "mounts",
        &[
            none[0],
            none[1],
            "-v",
            "/etc:/host-etc:ro",
            "-v",
            &sock_mount,
            IMG,
        ],
    );
    run(
        &d,
        "seccomp",
        &[
            none[0],
            none[1],
            "--security-opt",
            "seccomp=unconfined",
            IMG,
        ],
    );
    run(&d, "shared", &[none[0], none[1], "-v", &shared_mount, IMG]);
    run(
        &d,
        "sshd",
        &[none[0], none[1], "-v", &sshd_mount, IMG, "/opt/s/sshd"],
    );
    // 5.7 again, with the sshd in a cgroup below the container's, as a systemd in the container
    // runs its services: docker top lists it, and so must the reading of /proc.
    run(
        &d,
        "nestedsshd",
        &[none[0], none[1], "-v", &sshd_mount, IMG],
    );
    d.docker(&["exec", "-d", "nestedsshd", "/opt/s/sshd"]);
    move_into_a_child_cgroup(&d, "nestedsshd", "sshd");
    run(
        &d,
        "listener",
        &[
            none[0], none[1], IMG, "busybox", "httpd", "-f", "-p", "8089",
        ],
    );
    run(&d, "nobodyc", &[none[0], none[1], "local/busybox:nobody"]);
    run(&d, "zeros", &[none[0], none[1], "local/busybox:nobody"]);
    // 5.28: the container runs the image local/fresh:1 named when it started; then the tag moves.
    run(&d, "stale", &[none[0], none[1], "local/fresh:1"]);
    d.docker(&["tag", "local/busybox:nobody", "local/fresh:1"]);
    // 5.23/5.24: the daemon lists exec sessions only while they run.
    d.docker(&["exec", "-d", "-u", "root", "loose", "sleep", "600"]);
    d.docker(&["exec", "-d", "-u", "nobody", "tight", "sleep", "600"]);
    d.docker(&["exec", "-d", "nobodyc", "sleep", "600"]);
    // uid 0 spelt with two zeros is root too.
    d.docker(&["exec", "-d", "-u", "00", "zeros", "sleep", "600"]);

    create(
        &d,
        "dev",
        &[none[0], none[1], "--device", "/dev/null:/dev/xnull", IMG],
    );
    create(
        &d,
        "ulim",
        &[none[0], none[1], "--ulimit", "nofile=512:1024", IMG],
    );
    create(
        &d,
        "cgparent",
        &[none[0], none[1], "--cgroup-parent", "/bwtest", IMG],
    );
    create(
        &d,
        "onfail9",
        &[none[0], none[1], "--restart", "on-failure:9", IMG],
    );
    create(
        &d,
        "onfail0",
        &[none[0], none[1], "--restart", "on-failure", IMG],
    );
    create(
        &d,
        "createdport",
        &["--network", "n1", "-p", "444:443", IMG],
    );
    // 5.4: what a container holds against Docker's default set, read from /proc when it runs
    // and worked out from its settings when it does not.
    let drop_all = ["--network", "none", "--cap-drop", "ALL", "--cap-add"];
    run(
        &d,
        "capnbs",
        &[&drop_all[..], &["NET_BIND_SERVICE", IMG]].concat(),
    );
    run(
        &d,
        "capsysadmin",
        &[&drop_all[..], &["SYS_ADMIN", IMG]].concat(),
    );
    run(
        &d,
        "capnetadmin",
        &[none[0], none[1], "--cap-add", "NET_ADMIN", IMG],
    );
    create(
        &d,
        "capnbsidle",
        &[&drop_all[..], &["net_bind_service", IMG]].concat(),
    );
    create(
        &d,
        "capsysadminidle",
        &[&drop_all[..], &["SYS_ADMIN", IMG]].concat(),
    );
    create(&d, "privileged", &[none[0], none[1], "--privileged", IMG]);
    // Named volumes the local driver binds to the host's /etc and /run (inspect shows their
    // folders under the data root as the Source), and an ordinary one, each mounted by a
    // running container (6.2 counts this daemon's stopped ones).
    for (volume, device, container) in [
        ("etcvol", Some("/etc"), "etcvolume"),
        ("runvol", Some("/run"), "runvolume"),
        ("plainvol", None, "plainvolume"),
    ] {
        let device = device.map(|p| format!("device={p}"));
        let mut args = vec!["volume", "create"];
        if let Some(device) = &device {
            args.extend([
                "--driver",
                "local",
                "-o",
                "type=none",
                "-o",
                "o=bind",
                "-o",
                device,
            ]);
        }
        args.push(volume);
        d.docker(&args);
        let mount = format!("{volume}:/x:ro");
        run(&d, container, &[none[0], none[1], "-v", &mount, IMG]);
    }

    // Bind mounts of symbolic links: inspect shows the link, the kernel mounted its target.
    let links = tempfile::tempdir().unwrap();
    fs::create_dir(links.path().join("data")).unwrap();
    for (link, target, container) in [
        ("etc-link", std::path::PathBuf::from("/etc"), "etclink"),
        ("run-link", std::path::PathBuf::from("/run"), "runlink"),
        ("data-link", links.path().join("data"), "plainlink"),
    ] {
        let at = links.path().join(link);
        std::os::unix::fs::symlink(&target, &at).unwrap();
        let mount = format!("{}:/x:ro", at.display());
        run(&d, container, &[none[0], none[1], "-v", &mount, IMG]);
    }

    // The folder holding this daemon's socket (not one of the usual ones).
    let socket_dir = d
        .socket_url()
        .trim_start_matches("unix://")
        .trim_end_matches("/docker.sock")
        .to_string();
    let mount = format!("{socket_dir}:/x:ro");
    run(&d, "sockdir", &[none[0], none[1], "-v", &mount, IMG]);
    // The folder of the containerd this daemon started under its exec root (no
    // docker.sock in it, no usual name): whoever reaches containerd.sock runs containers too.
    let containerd_dir = d.exec_root().join("containerd");
    assert!(
        containerd_dir.join("containerd.sock").exists(),
        "this daemon uses a containerd of its own under {}",
        containerd_dir.display()
    );
    let mount = format!("{}:/x:ro", containerd_dir.display());
    run(&d, "containerddir", &[none[0], none[1], "-v", &mount, IMG]);

    let sock = d.socket_url();
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--all", "--include", "5,6"],
        &out.path().join("defaults"),
    );

    r.expect("5.1", "pass");
    // No AppArmor, no SELinux on this host.
    r.expect("5.2", "notapplicable");
    r.expect("5.3", "notapplicable");
    assert!(
        r.instance_message("5.2", "loose")
            .contains("host.lsm.apparmor"),
        "{}",
        r.instance_message("5.2", "loose")
    );

    expect_all(
        &r,
        &[
            ("5.4", "loose", "pass"),
            ("5.4", "tight", "pass"),
            ("5.4", "capnbs", "pass"),
            ("5.4", "capnbsidle", "pass"),
            ("5.4", "capsysadmin", "fail"),
            ("5.4", "capsysadminidle", "fail"),
            ("5.4", "capnetadmin", "fail"),
            // Privileged holds every capability because it is privileged: 5.5 judges it, 5.4
            // says it does not apply.
            ("5.4", "privileged", "notapplicable"),
            ("5.5", "privileged", "fail"),
            ("5.5", "capsysadmin", "pass"),
            ("5.6", "mounts", "fail"),
            ("5.6", "etcvolume", "fail"),
            ("5.6", "plainvolume", "pass"),
            ("5.32", "runvolume", "fail"),
            ("5.32", "etcvolume", "pass"),
            ("5.32", "plainvolume", "pass"),
            ("5.6", "etclink", "fail"),
            ("5.32", "etclink", "pass"),
            ("5.32", "runlink", "fail"),
            ("5.6", "plainlink", "pass"),
            ("5.32", "plainlink", "pass"),
            ("5.32", "sockdir", "fail"),
            ("5.32", "containerddir", "fail"),
            ("5.6", "shared", "pass"),
            ("5.6", "sshd", "pass"),
            ("5.6", "loose", "pass"),
            ("5.7", "sshd", "fail"),
            ("5.7", "nestedsshd", "fail"),
            ("5.7", "loose", "pass"),
            ("5.7", "listener", "pass"),
            ("5.7", "dev", "notapplicable"),
            ("5.8", "ports", "fail"),
            ("5.8", "portsok", "pass"),
            ("5.8", "createdport", "fail"),
            ("5.8", "loose", "pass"),
            ("5.9", "listener", "informational"),
            ("5.9", "loose", "informational"),
            ("5.12", "tight", "pass"),
            ("5.12", "cpushares", "pass"),
            ("5.12", "loose", "fail"),
            ("5.13", "tight", "pass"),
            ("5.13", "loose", "fail"),
            ("5.14", "ports", "fail"),
            ("5.14", "portsok", "pass"),
            ("5.14", "createdport", "fail"),
            ("5.14", "loose", "pass"),
            ("5.15", "tight", "pass"),
            ("5.15", "cpushares", "pass"),
            ("5.15", "loose", "fail"),
            ("5.15", "onfail9", "fail"),
            ("5.15", "onfail0", "fail"),
            ("5.16", "hostns", "fail"),
            ("5.16", "loose", "pass"),
            ("5.16", "dev", "pass"),
            ("5.17", "hostns", "fail"),
            ("5.17", "loose", "pass"),
            ("5.18", "dev", "fail"),
            ("5.18", "loose", "pass"),
            ("5.19", "ulim", "fail"),
            ("5.19", "loose", "pass"),
            ("5.20", "shared", "fail"),
            ("5.20", "mounts", "pass"),
            ("5.20", "loose", "pass"),
            ("5.21", "hostns", "fail"),
            ("5.21", "loose", "pass"),
            ("5.22", "seccomp", "fail"),
            ("5.22", "loose", "pass"),
            ("5.23", "loose", "pass"),
            ("5.23", "nobodyc", "pass"),
            ("5.23", "cpushares", "notapplicable"),
            ("5.24", "loose", "fail"),
            ("5.24", "tight", "pass"),
            ("5.24", "nobodyc", "pass"),
            ("5.24", "zeros", "fail"),
            ("5.24", "cpushares", "notapplicable"),
            ("5.25", "cgparent", "fail"),
            ("5.25", "loose", "pass"),
            ("5.27", "tight", "pass"),
            ("5.27", "loose", "fail"),
            ("5.28", "stale", "fail"),
            ("5.28", "loose", "pass"),
            ("5.28", "nobodyc", "pass"),
            ("5.30", "loose", "pass"),
            ("5.30", "ports", "pass"),
            ("5.30", "nodefaultbridge", "pass"),
            ("5.31", "loose", "pass"),
            ("5.32", "mounts", "fail"),
            ("5.32", "loose", "pass"),
        ],
    );
    // The messages point at the offending item.
    for (rule, name, needle) in [
        ("5.4", "capsysadmin", "[\"SYS_ADMIN\"]"),
        ("5.4", "capsysadminidle", "[\"SYS_ADMIN\"]"),
        ("5.4", "capnetadmin", "[\"NET_ADMIN\"]"),
        ("5.6", "mounts", "/etc"),
        ("5.7", "sshd", "sshd"),
        ("5.8", "ports", privileged_port.as_str()),
        ("5.15", "onfail9", "MaximumRetryCount"),
        ("5.20", "shared", "shared"),
        ("5.24", "loose", "root"),
        ("5.32", "mounts", "docker.sock"),
    ] {
        let m = r.instance_message(rule, name);
        assert!(m.contains(needle), "{rule} {name}: {m}");
    }
    let why = r.instance_message("5.4", "privileged");
    assert!(why.contains("HostConfig.Privileged is true"), "{why}");
    // 5.4 reads the kernel's bounding set of a running container, the settings of another.
    let source = |name: &str| r.instance_evidence("5.4", name)[0]["source"].to_string();
    assert!(
        source("capsysadmin").contains("CapBnd"),
        "{}",
        source("capsysadmin")
    );
    assert!(
        source("capsysadminidle").contains("CapDrop"),
        "{}",
        source("capsysadminidle")
    );
    // 5.16: the kernel's view agrees with PidMode.
    assert!(r
        .instance_evidence("5.16", "hostns")
        .iter()
        .any(
            |e| e["fact"] == "container.runtime.namespaces.pid.shared_with_host"
                && e["observed"] == true
        ));
    // 5.9 lists what listens inside the container.
    assert!(
        r.instance_evidence("5.9", "listener")
            .iter()
            .any(|e| e["fact"] == "container.runtime.listening"
                && e["observed"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|s| s["port"] == 8089))),
        "{:#?}",
        r.instance_evidence("5.9", "listener")
    );
    r.expect("5.9", "informational");

    // Section 6 with the default thresholds (10 and 10): one unused image, nine stopped.
    r.expect("6.1", "pass");
    let unused = r.rule("6.1")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "daemon.inventory.unused_images")
        .expect("6.1 lists the unused images")["observed"]
        .clone();
    assert_eq!(unused, json!(["local/unused:1"]));
    r.expect("6.2", "pass");

    // Parameters from the config file.
    let cfg = out.path().join("bollwerk.toml");
    fs::write(
        &cfg,
        format!(
            "max-restart-retries = 10\n\
             allowed-privileged-ports = [{privileged_port}, 444]\n\
             allowed-wildcard-ports = [{privileged_port}, {high_port}, 444]\n\
             max-unused-images = 0\n\
             max-stopped-containers = 0\n"
        ),
    )
    .unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--all",
            "--include",
            "5.8,5.14,5.15,6",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &out.path().join("config"),
    );
    expect_all(
        &r,
        &[
            ("5.8", "ports", "pass"),
            ("5.8", "createdport", "pass"),
            ("5.14", "ports", "pass"),
            ("5.14", "createdport", "pass"),
            ("5.14", "portsok", "pass"),
            ("5.15", "onfail9", "pass"),
            ("5.15", "onfail0", "fail"),
            ("5.15", "loose", "fail"),
        ],
    );
    r.expect("6.1", "fail");
    r.expect("6.2", "fail");
    assert_eq!(r.rule("6.2")["evidence"][0]["observed"], 9);

    // 5.1: the same daemon joins a swarm of its own.
    let swarm_port = free_high_port().to_string();
    d.docker(&[
        "swarm",
        "init",
        "--advertise-addr",
        "127.0.0.1",
        "--listen-addr",
        &format!("127.0.0.1:{swarm_port}"),
    ]);
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "5.1"],
        &out.path().join("swarm"),
    );
    r.expect("5.1", "fail");
    assert_eq!(r.rule("5.1")["evidence"][0]["observed"], "active");
}

/// Sets `pointer` in `doc` to `value`, panicking when the place does not exist.
fn set(doc: &mut Value, pointer: &str, value: Value) {
    *doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the snapshot has no {pointer}")) = value;
}

/// The index of container `name` in the snapshot.
fn container_index(snap: &Value, name: &str) -> usize {
    snap["containers"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name} in the snapshot"))
}

#[test]
fn lsm_exec_and_daemon_seccomp_rules_on_a_real_and_an_edited_snapshot() {
    let d = PrivateDaemon::start(json!({}));
    d.import_busybox();
    let profile = d.dir().join("seccomp.json");
    fs::write(
        &profile,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let profile_opt = format!("seccomp={}", profile.display());
    // A profile that refuses nothing: the kernel shows a filter (Seccomp: 2) all the same.
    let allow_all = d.dir().join("allow-all.json");
    fs::write(
        &allow_all,
        "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": []\n}\n",
    )
    .unwrap();
    let allow_all_opt = format!("seccomp:{}", allow_all.display());
    run(&d, "c1", &["--network", "none", IMG]);
    run(
        &d,
        "c2",
        &["--network", "none", "--security-opt", &profile_opt, IMG],
    );
    run(
        &d,
        "c3",
        &["--network", "none", "--security-opt", &allow_all_opt, IMG],
    );
    d.docker(&["exec", "-d", "c1", "sleep", "600"]);
    // label=disable: added by Docker for --pid host, chosen by the user for nolabel.
    run(&d, "pidhost", &["--network", "none", "--pid", "host", IMG]);
    run(
        &d,
        "nolabel",
        &["--network", "none", "--security-opt", "label=disable", IMG],
    );

    let dir = tempfile::tempdir().unwrap();
    let snap_path = dir.path().join("snap.json");
    let c = bollwerk(
        &[
            "collect",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "-q",
            "-o",
            snap_path.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(c.code, 0, "{}", c.stderr);
    drop(d);
    let include = ["--include", "5.2,5.3,5.16,5.22,5.23,BW-SECOPT-UNCONFINED"];

    // As collected: no LSM here, the exec session is not privileged, seccomp is on.
    let mut args = vec!["scan", "--snapshot", snap_path.to_str().unwrap()];
    args.extend_from_slice(&include);
    let r = bollwerk(&args, &dir.path().join("real"));
    r.expect("5.2", "notapplicable");
    r.expect("5.3", "notapplicable");
    expect_all(
        &r,
        &[
            ("5.22", "c1", "pass"),
            ("5.22", "c2", "pass"),
            ("5.22", "c3", "fail"),
            ("BW-SECOPT-UNCONFINED", "c1", "pass"),
            ("BW-SECOPT-UNCONFINED", "c2", "pass"),
            ("BW-SECOPT-UNCONFINED", "c3", "fail"),
            ("5.23", "c1", "pass"),
            ("5.23", "c2", "notapplicable"),
        ],
    );
    let why = r.instance_message("5.22", "c3");
    assert!(why.contains("lets every call through"), "{why}");

    // Edited: this machine has neither AppArmor nor SELinux, cannot start a privileged exec
    // session (CAP_MAC_OVERRIDE is missing from the bounding set), and dockerd 20.10 refuses
    // `"seccomp-profile": "unconfined"`; so the snapshot is changed to what such hosts report.
    let mut snap: Value = serde_json::from_str(&fs::read_to_string(&snap_path).unwrap()).unwrap();
    let (i1, i2) = (container_index(&snap, "c1"), container_index(&snap, "c2"));
    // Both run with SELinux's label switched off; only nolabel chose it.
    for name in ["pidhost", "nolabel"] {
        let i = container_index(&snap, name);
        set(
            &mut snap,
            &format!("/containers/{i}/inspect/ProcessLabel"),
            json!(""),
        );
    }
    set(&mut snap, "/host/lsm/apparmor", json!(true));
    set(&mut snap, "/host/lsm/selinux", json!(true));
    set(
        &mut snap,
        &format!("/containers/{i1}/inspect/AppArmorProfile"),
        json!("docker-default"),
    );
    set(
        &mut snap,
        &format!("/containers/{i2}/inspect/AppArmorProfile"),
        json!(""),
    );
    set(
        &mut snap,
        &format!("/containers/{i1}/inspect/ProcessLabel"),
        json!("system_u:system_r:container_t:s0:c101,c202"),
    );
    set(
        &mut snap,
        &format!("/containers/{i1}/execs/0/ProcessConfig/privileged"),
        json!(true),
    );
    set(
        &mut snap,
        "/daemon/info/SecurityOptions",
        json!(["name=seccomp,profile=unconfined"]),
    );
    let edited = dir.path().join("edited.json");
    fs::write(&edited, serde_json::to_string(&snap).unwrap()).unwrap();
    let mut args = vec!["scan", "--snapshot", edited.to_str().unwrap()];
    args.extend_from_slice(&include);
    let r = bollwerk(&args, &dir.path().join("edited"));
    expect_all(
        &r,
        &[
            ("5.2", "c1", "pass"),
            ("5.2", "c2", "fail"),
            ("5.3", "c1", "pass"),
            ("5.3", "c2", "fail"),
            ("5.3", "nolabel", "fail"),
            // The user did not choose label=disable: Docker added it for --pid host, which
            // 5.16 judges.
            ("5.3", "pidhost", "notapplicable"),
            ("5.16", "pidhost", "fail"),
            ("5.16", "nolabel", "pass"),
            // The daemon's default is unconfined: only a container with its own profile is
            // filtered.
            ("5.22", "c1", "fail"),
            ("5.22", "c2", "pass"),
            ("5.22", "c3", "fail"),
            ("5.23", "c1", "fail"),
            ("5.23", "c2", "notapplicable"),
        ],
    );
    assert!(r.instance_message("5.23", "c1").contains("privileged"));
    let why = r.instance_message("5.3", "pidhost");
    assert!(
        why.contains("label=disable (added by Docker because of --pid host)"),
        "{why}"
    );
    // A snapshot saved before bollwerk derived these facts is judged the same way.
    for c in snap["containers"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        c.remove("capabilities");
        c.remove("security_opt");
        if let Some(runtime) = c.get_mut("runtime").and_then(Value::as_object_mut) {
            runtime.remove("capabilities");
        }
    }
    let older = dir.path().join("older.json");
    fs::write(&older, serde_json::to_string(&snap).unwrap()).unwrap();
    let mut args = vec!["scan", "--snapshot", older.to_str().unwrap()];
    args.extend_from_slice(&include);
    let old = bollwerk(&args, &dir.path().join("older"));
    for name in ["c1", "c2", "pidhost", "nolabel"] {
        assert_eq!(old.instance("5.3", name), r.instance("5.3", name), "{name}");
    }
    let nolabel = r.instance_message("5.3", "nolabel");
    assert!(nolabel.contains("ProcessLabel"), "{nolabel}");
    let chosen = r.instance_evidence("5.3", "nolabel");
    assert!(
        chosen
            .iter()
            .any(|e| e["fact"] == "container.security_opt.chosen"
                && e["observed"] == json!(["label=disable"])
                && e["outcome"] == "fail"),
        "{chosen:#?}"
    );
}

#[test]
fn remapped_daemon_with_its_own_default_bridge() {
    // Declared first, so it is deleted after the daemon that uses it has stopped.
    let name = format!("bwt5br{}", std::process::id() % 100_000);
    let _bridge = HostBridge::create(&name, "10.213.77.1/24");
    // A default bridge of its own (not docker0) and no firewall or forwarding changes, so it
    // cannot disturb other daemons on this host.
    let d = PrivateDaemon::start(json!({
        "bridge": name,
        "iptables": false,
        "ip-forward": false,
        "userns-remap": "default",
    }));
    d.import_busybox();
    run(&d, "onbridge", &[IMG]);
    // Only created: no network id yet, but it joins the default bridge once started.
    create(&d, "createdonbridge", &[IMG]);
    run(
        &d,
        "hostuser",
        &["--network", "none", "--userns", "host", IMG],
    );
    run(&d, "isolated", &["--network", "none", IMG]);
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "--include",
            "5.30,5.31",
        ],
        out.path(),
    );
    expect_all(
        &r,
        &[
            ("5.30", "onbridge", "fail"),
            ("5.30", "createdonbridge", "fail"),
            ("5.30", "hostuser", "pass"),
            ("5.30", "isolated", "pass"),
            ("5.31", "onbridge", "pass"),
            ("5.31", "hostuser", "fail"),
            ("5.31", "isolated", "pass"),
        ],
    );
}

#[test]
fn every_spelling_of_every_address_and_publish_all_fail_5_14() {
    // Docker keeps a created container's host address as written; it listens on every
    // address once started. -P publishes every exposed port on every address. The containers
    // are only created: this daemon leaves iptables alone, so that its network does not race
    // with the other tests' daemons over the host's shared chains. Its default bridge is one
    // of its own, with a default binding address (`ip`): an empty host address there is that
    // address, not every address, while on another network it is every address.
    let name = format!("bwt6br{}", std::process::id() % 100_000);
    let _bridge = HostBridge::create(&name, "10.213.79.1/24");
    let d = PrivateDaemon::start(json!({
        "bridge": name,
        "ip": "127.0.0.1",
        "iptables": false,
        "ip-forward": false,
    }));
    d.import_busybox();
    d.docker(&["network", "create", "n1"]);
    create(&d, "defaultbridge", &["-p", "18094:80", IMG]);
    create(&d, "emptyonn1", &["--network", "n1", "-p", "18095:80", IMG]);
    let net = ["--network", "n1"];
    create(
        &d,
        "v6zero",
        &[&net[..], &["-p", "[::0]:18091:80", IMG]].concat(),
    );
    create(
        &d,
        "mapped",
        &[&net[..], &["-p", "[::ffff:0.0.0.0]:18092:80", IMG]].concat(),
    );
    create(
        &d,
        "publishall",
        &[&net[..], &["--expose", "80", "-P", IMG]].concat(),
    );
    create(
        &d,
        "v6local",
        &[&net[..], &["-p", "[::1]:18093:80", IMG]].concat(),
    );
    let (r, _out) = support::scan::scan_rules(&d.socket_url(), "5.14", &["--all"]);
    expect_all(
        &r,
        &[
            ("5.14", "v6zero", "fail"),
            ("5.14", "mapped", "fail"),
            ("5.14", "publishall", "fail"),
            ("5.14", "v6local", "pass"),
            ("5.14", "defaultbridge", "pass"),
            ("5.14", "emptyonn1", "fail"),
        ],
    );
}

#[test]
fn another_host_s_daemon_leaves_where_bind_mounts_lead_an_error() {
    // A daemon reached over TCP that no dockerd of the host tree serves (the tree's listens on
    // a unix socket only) is taken for another host's: its bind mounts' sources are that
    // host's paths, and its pids that host's processes; following either here would judge
    // other files and other processes.
    let port = free_high_port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    let d = PrivateDaemon::start_with_args(json!({}), &["-H", &tcp], |_| {});
    d.import_busybox();
    let shared = tempfile::tempdir().unwrap();
    let mount = format!("{}:/x:ro", shared.path().display());
    run(&d, "bound", &["--network", "none", "-v", &mount, IMG]);
    run(&d, "unbound", &["--network", "none", IMG]);
    let tree = support::fixture::HostTree::new();
    tree.dockerd("unix:///run/docker.sock", Some(&["HOME=/root"]));
    let root = tree.root_arg();
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &tcp,
            "--host-root",
            &root,
            "--include",
            "5.7,5.10,5.32",
        ],
        out.path(),
    );
    r.expect_instance("5.32", "bound", "error");
    let m = r.instance_message("5.32", "bound");
    assert!(m.contains("taken for another host's"), "{m}");
    r.expect_instance("5.32", "unbound", "pass");
    // Its pids are not this host's: no /proc is read for them, whatever runs here under
    // those numbers; the processes come from the daemon (`docker top`).
    for name in ["bound", "unbound"] {
        r.expect_instance("5.10", name, "error");
        let m = r.instance_message("5.10", name);
        assert!(m.contains("not this host's"), "{m}");
        r.expect_instance("5.7", name, "pass");
    }
}
