//! Scans of private, real Docker daemons: a weak one (dockerd defaults) and a hardened one
//! (icc off, userns-remap, live-restore, no-new-privileges, data root on its own file system).
//! Every daemon, container and image rule is asserted per container or image.

mod support;

use support::dockerd::{mount_tmpfs, PrivateDaemon};
use support::scan::{bollwerk, bollwerk_under, scan_rules};

#[test]
fn weak_daemon_verdicts_per_rule_and_container() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    d.import_busybox_as("local/busybox:nobody", &["USER nobody"]);
    d.run_sleeping("plain", &["--network", "none"]);
    d.run_sleeping(
        "tight",
        &[
            "--network",
            "none",
            "--cap-drop",
            "ALL",
            "-m",
            "64m",
            "--pids-limit",
            "50",
            "--security-opt",
            "no-new-privileges",
        ],
    );
    d.run_sleeping(
        "nnp-one",
        &["--network", "none", "--security-opt", "no-new-privileges=1"],
    );
    d.run_sleeping("capadd", &["--network", "none", "--cap-add", "NET_ADMIN"]);
    d.run_sleeping("hostnet", &["--network", "host"]);
    // Its /dev/shm is mounted on the host, in its folder under the data root: that names a
    // container in the host's mount table, not the container bollwerk runs in.
    d.run_sleeping("shareable", &["--network", "none", "--ipc", "shareable"]);
    d.docker(&[
        "create",
        "--name",
        "priv",
        "--privileged",
        "local/busybox:test",
        "sleep",
        "1",
    ]);

    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let r = bollwerk(&["scan", "--docker-host", &sock, "--all", "-v"], out.path());
    assert_eq!(r.code, 1, "failures exit with 1:\n{}", r.stderr);

    // Daemon settings: dockerd's defaults, sourced as such.
    // The harness's "bridge": "none" leaves no default bridge for icc to act on.
    r.expect("2.2", "notapplicable");
    r.expect("2.10", "fail");
    r.expect("2.16", "fail");
    assert_eq!(
        r.rule("2.16")["evidence"][0]["source"],
        "docker info LiveRestoreEnabled"
    );

    // 1.1.1: the data root is a plain directory on the root file system.
    r.expect("1.1.1", "fail");
    // 3.15/3.16: dockerd creates its socket root:docker 0660.
    r.expect("3.15", "pass");
    r.expect("3.16", "pass");
    let ev = &r.rule("3.16")["evidence"][0];
    assert_eq!(
        ev["fact"],
        format!("host.files[\"{}\"].mode", d.socket_path().display())
    );

    // Images: no USER fails, USER nobody passes.
    r.expect_instance("4.1", "local/busybox:test", "fail");
    r.expect_instance("4.1", "local/busybox:nobody", "pass");
    r.expect("4.1", "fail");

    // Containers.
    for (rule, name, want) in [
        ("5.4", "plain", "pass"),
        ("5.4", "tight", "pass"),
        ("5.4", "capadd", "fail"),
        ("5.5", "plain", "pass"),
        ("5.5", "priv", "fail"),
        ("5.10", "plain", "pass"),
        ("5.10", "hostnet", "fail"),
        ("5.10", "priv", "pass"),
        ("5.11", "plain", "fail"),
        ("5.11", "tight", "pass"),
        ("5.26", "plain", "fail"),
        ("5.26", "tight", "pass"),
        ("5.26", "nnp-one", "pass"),
        ("5.29", "plain", "fail"),
        ("5.29", "tight", "pass"),
        ("5.16", "shareable", "pass"),
        ("BW-CGROUP-MEMORY", "tight", "pass"),
        ("BW-CGROUP-MEMORY", "plain", "pass"),
    ] {
        r.expect_instance(rule, name, want);
    }
    for rule in ["5.4", "5.5", "5.10", "5.11", "5.26", "5.29"] {
        r.expect(rule, "fail");
    }
    let run = &r.report.as_ref().expect("report.json")["run"];
    assert!(
        run.get("scanner").is_none_or(|s| s.is_null()),
        "bollwerk runs on the host, in no container: {run}"
    );

    // 5.10 looks at the kernel too: the host-network container's net namespace is the host's.
    let hostnet = r.rule("5.10")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "hostnet")
        .unwrap()
        .clone();
    let ns = hostnet["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "container.runtime.namespaces.net.shared_with_host")
        .expect("namespace evidence");
    assert_eq!(ns["observed"], true, "{hostnet}");
    assert_eq!(ns["outcome"], "fail");

    // From a cgroup namespace of its own, bollwerk sees the containers' cgroups outside it
    // (`/../docker/<id>`): their limits were not read, which is neither "limited" nor "no
    // limit".
    let out_cgns = tempfile::tempdir().unwrap();
    let r_cgns = bollwerk_under(
        &["unshare", "--cgroup"],
        &[
            "scan",
            "--docker-host",
            &sock,
            "--include",
            "BW-CGROUP-MEMORY",
        ],
        out_cgns.path(),
    );
    for name in ["tight", "plain"] {
        r_cgns.expect_instance("BW-CGROUP-MEMORY", name, "error");
    }
    let tight = r_cgns.rule("BW-CGROUP-MEMORY")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "tight")
        .unwrap()
        .to_string();
    assert!(tight.contains("--cgroupns host"), "{tight}");

    // Without --all the created container is left out.
    let out2 = tempfile::tempdir().unwrap();
    let r2 = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "5.5"],
        out2.path(),
    );
    r2.expect("5.5", "pass");
    assert_eq!(r2.code, 0, "nothing failed, exit 0: {}", r2.stdout);
    assert!(r2.rule("5.5")["instances"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["name"] != "priv"));

    // The terminal summary names the failing containers.
    assert!(r.stdout.contains("5.10"), "{}", r.stdout);
    assert!(r.stdout.contains("hostnet"), "{}", r.stdout);
}

#[test]
fn hardened_daemon_verdicts_per_rule_and_container() {
    let d = PrivateDaemon::start_with(
        serde_json::json!({
            "icc": false,
            "userns-remap": "default",
            "live-restore": true,
            "no-new-privileges": true
        }),
        |dir| mount_tmpfs(&dir.join("data")),
    );
    d.import_busybox();
    d.run_sleeping("plain", &["--network", "none"]);
    d.run_sleeping(
        "nnp-zero",
        &["--network", "none", "--security-opt", "no-new-privileges=0"],
    );
    d.run_sleeping(
        "nnp-off",
        &[
            "--network",
            "none",
            "--security-opt",
            "no-new-privileges:false",
        ],
    );
    d.run_sleeping("hostnet", &["--network", "host", "--userns", "host"]);

    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(&["scan", "--docker-host", &d.socket_url()], out.path());

    // Daemon settings come from this daemon's own daemon.json, found through its command line.
    let config = d.config_path().display().to_string();
    // No default bridge (the harness's "bridge": "none"): 2.2 does not apply.
    r.expect("2.2", "notapplicable");
    r.expect("2.15", "pass");
    let src = r.rule("2.15")["evidence"][0]["source"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        src.starts_with(&format!("{config}:")),
        "no-new-privileges should come from {config}, got {src}"
    );
    r.expect("2.10", "pass");
    r.expect("2.16", "pass");
    // 1.1.1: the data root is a tmpfs mount of its own.
    r.expect("1.1.1", "pass");

    // The daemon-wide no-new-privileges default counts, unless a container turns it off.
    r.expect_instance("5.26", "plain", "pass");
    r.expect_instance("5.26", "nnp-off", "fail");
    // Docker reads the value as Go's ParseBool: =0 is off too.
    r.expect_instance("5.26", "nnp-zero", "fail");
    r.expect_instance("5.10", "hostnet", "fail");
    r.expect_instance("5.10", "plain", "pass");
}

#[test]
fn malformed_daemon_json_makes_daemon_rules_error_with_position() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    // dockerd read its file at start; break it afterwards, as an admin editing it would.
    std::fs::write(
        d.config_path(),
        "{\n  \"icc\": false,\n  \"live-restore\": tru\n}\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--include",
            "2,3.15",
        ],
        out.path(),
    );
    r.expect("2.15", "error");
    let msg = r.rule("2.15")["message"].as_str().unwrap().to_string();
    let config = d.config_path().display().to_string();
    assert!(
        msg.starts_with(&format!("{config}:3:")),
        "message names file:line:column: {msg}"
    );
    // Host rules still run.
    r.expect("3.15", "pass");
    assert_eq!(
        r.code, 3,
        "errors count with the default --fail-on, as an incomplete audit"
    );
}

#[test]
fn snapshot_replay_gives_the_same_verdicts() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    d.run_sleeping("plain", &["--network", "none"]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let c = bollwerk(
        &[
            "collect",
            "--docker-host",
            &d.socket_url(),
            "-o",
            snap.to_str().unwrap(),
            "-q",
        ],
        dir.path(),
    );
    assert_eq!(c.code, 0, "{}", c.stderr);
    let live = bollwerk(
        &["scan", "--docker-host", &d.socket_url()],
        &dir.path().join("live"),
    );
    // The daemon goes away; the snapshot still holds every fact.
    drop(d);
    let replay = bollwerk(
        &["scan", "--snapshot", snap.to_str().unwrap()],
        &dir.path().join("replay"),
    );
    let statuses = |r: &support::scan::Run| -> Vec<(String, String)> {
        r.report()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["id"].as_str().unwrap().to_string(),
                    x["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(statuses(&live), statuses(&replay));
    assert_eq!(replay.instance("5.11", "plain"), "fail");
}

#[test]
fn container_removed_between_list_and_inspect_is_skipped_with_a_note() {
    use bollwerk::collect::docker::{connect, inspect_containers, list_container_ids};
    use bollwerk::collect::limits::Limits;
    use bollwerk::collect::Endpoint;
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    d.run_sleeping("stays", &["--network", "none"]);
    d.run_sleeping("goes", &["--network", "none"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let endpoint = Endpoint {
        url: d.socket_url(),
        tls_dir: None,
    };
    let docker = rt
        .block_on(connect(&endpoint, Limits::default()))
        .expect("connect");
    let ids = rt
        .block_on(list_container_ids(&docker, false, Limits::default()))
        .expect("list");
    assert_eq!(ids.len(), 2);
    d.docker(&["rm", "-f", "goes"]);
    let bollwerk::collect::docker::Gathered {
        found: facts,
        errors,
        notes,
    } = rt.block_on(inspect_containers(
        &docker,
        &endpoint,
        ids,
        Limits::default(),
    ));
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].name, "stays");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("was removed during the scan; skipped"),
        "{notes:?}"
    );
}

#[test]
fn inspect_documents_are_kept_as_the_daemon_sent_them_over_unix_and_tcp() {
    use bollwerk::collect::docker::{collect, connect, Early};
    use bollwerk::collect::limits::Limits;
    use bollwerk::collect::Endpoint;
    use bollwerk::doc::Doc;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("an ephemeral port")
        .port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    let d = PrivateDaemon::start_with_args(serde_json::json!({}), &["-H", &tcp], |_| {});
    d.import_busybox();
    d.run_sleeping(
        "labelled",
        &[
            "--network",
            "none",
            "--label",
            "note=<b>\"quoted\" & ünïcode</b>",
        ],
    );
    // What the docker CLI prints is the daemon's document (in an array).
    let cli = |args: &[&str]| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(&d.docker(args)).unwrap();
        v[0].clone()
    };
    let container = Doc::from(&cli(&["inspect", "labelled"]));
    let image = cli(&["image", "inspect", "local/busybox:test"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    for url in [d.socket_url(), tcp] {
        let endpoint = Endpoint {
            url: url.clone(),
            tls_dir: None,
        };
        let docker = rt
            .block_on(connect(&endpoint, Limits::default()))
            .expect("connect");
        let answers = rt.block_on(collect(
            &docker,
            &endpoint,
            false,
            Early::default(),
            Limits::default(),
        ));
        assert!(answers.errors.is_empty(), "{url}: {:?}", answers.errors);
        assert_eq!(answers.containers.len(), 1, "{url}");
        assert_eq!(answers.containers[0].name, "labelled");
        assert!(
            answers.containers[0].inspect == container,
            "{url}: the container differs from docker inspect:\n{}\n{}",
            answers.containers[0].inspect.to_value(),
            container.to_value()
        );
        assert_eq!(answers.images.len(), 1, "{url}");
        assert_eq!(answers.images[0].inspect, image, "{url}: the image");
        let info = answers.info.as_ref().expect("info");
        assert_eq!(info["Containers"], 1, "{url}: {info}");
        assert!(
            answers.version.is_some() && !answers.networks.is_empty(),
            "{url}"
        );
    }
}

#[test]
fn an_unused_socket_path_borrows_no_other_daemons_settings() {
    // A daemon runs, but bollwerk is pointed at a socket nothing listens on: the running
    // dockerd's command line and daemon.json must not stand in for the missing one.
    let d = PrivateDaemon::start(serde_json::json!({ "icc": false }));
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let missing = format!("unix://{}/nothing.sock", dir.path().display());
    let collect = |url: &str| -> serde_json::Value {
        let c = bollwerk(
            &[
                "collect",
                "--docker-host",
                url,
                "-q",
                "-o",
                snap.to_str().unwrap(),
            ],
            dir.path(),
        );
        assert_eq!(c.code, 0, "{}", c.stderr);
        serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap()
    };
    let s = collect(&missing);
    assert!(
        s["daemon"]["process"].is_null(),
        "{}",
        s["daemon"]["process"]
    );
    assert_eq!(s["daemon"]["settings"]["icc"]["source"], "dockerd default");
    // Pointed at the right socket, the same daemon is found.
    let s = collect(&d.socket_url());
    assert_eq!(s["daemon"]["process"]["pid"], d.pid());
    // Found through the socket itself, not by reading every process's command line.
    let found_by = s["daemon"]["process"]["found_by"].as_str().unwrap_or("");
    assert!(found_by.starts_with("SO_PEERCRED of "), "{found_by}");
    assert_eq!(s["daemon"]["settings"]["icc"]["value"], false);
}

#[test]
fn containers_that_stop_restart_or_go_during_a_scan_are_recorded_as_they_are_now() {
    use bollwerk::collect::docker::{connect, inspect_containers};
    use bollwerk::collect::hostfs::HostFs;
    use bollwerk::collect::limits::Limits;
    use bollwerk::collect::{
        collect, recheck_vanished, runtime, CollectOptions, Endpoint, ProcView,
    };
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    let names = ["quitter", "bouncer", "goner", "stayer"];
    for name in names {
        d.run_sleeping(name, &["--network", "none"]);
    }
    let endpoint = Endpoint {
        url: d.socket_url(),
        tls_dir: None,
    };
    let rules = bollwerk::rules::RuleSet::load(None).expect("embedded rules");
    let opts = CollectOptions {
        host_root: "/".into(),
        endpoint: endpoint.clone(),
        all_containers: true,
        deep_images: false,
        limits: bollwerk::collect::limits::Limits::default(),
    };
    let with_all = collect(
        &opts,
        &bollwerk::rules::plan::collection_plan(&rules),
        &|_| {},
    );
    let find = |snap: &bollwerk::snapshot::Snapshot, name: &str| {
        snap.containers.iter().find(|c| c.name == name).cloned()
    };
    let ids_by_name: std::collections::HashMap<&str, String> = names
        .iter()
        .map(|&n| (n, find(&with_all, n).expect(n).id))
        .collect();
    let id = |name: &str| ids_by_name[name].clone();
    let pid = |snap: &bollwerk::snapshot::Snapshot, name: &str| {
        find(snap, name).and_then(|c| c.runtime).map(|r| r.pid)
    };
    let (quitter_pid, bouncer_pid) = (pid(&with_all, "quitter"), pid(&with_all, "bouncer"));
    let stayer_pid = pid(&with_all, "stayer");
    assert!(quitter_pid.is_some() && bouncer_pid.is_some());

    // Between the daemon's answers and the /proc reads: one stops, one restarts, one goes.
    d.docker(&["stop", "-t", "0", "quitter"]);
    d.docker(&["restart", "-t", "0", "bouncer"]);
    d.wait_running("bouncer");
    d.docker(&["rm", "-f", "goner"]);
    let host = HostFs::new(std::path::Path::new("/"));
    let mut errors = std::collections::BTreeMap::new();
    let read = runtime::container(
        &host,
        &id("quitter"),
        quitter_pid.unwrap(),
        None,
        &mut errors,
    );
    assert!(read.vanished, "a stopped container's process is gone");

    let ids: Vec<String> = ["quitter", "bouncer", "goner"].map(id).to_vec();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let docker = rt
        .block_on(connect(&endpoint, Limits::default()))
        .expect("connect");
    let view = ProcView {
        host_ns: runtime::namespaces_of(&host, d.pid()).ok(),
        daemon_pids: None,
    };
    let mut without_all = with_all.clone();
    without_all.all_containers = false;
    let mut with_all = with_all;
    for snap in [&mut with_all, &mut without_all] {
        let fresh = rt.block_on(inspect_containers(
            &docker,
            &endpoint,
            ids.clone(),
            Limits::default(),
        ));
        recheck_vanished(snap, &host, &view, &ids, fresh);
    }

    let noted = |snap: &bollwerk::snapshot::Snapshot, name: &str, what: &str| {
        let note = format!("container {} {what}", id(name));
        assert!(snap.notes.contains(&note), "{note:?} in {:?}", snap.notes);
    };
    for snap in [&with_all, &without_all] {
        assert!(find(snap, "goner").is_none());
        noted(snap, "goner", "was removed during the scan; skipped");
        // Read again under its new process.
        let bouncer = find(snap, "bouncer").expect("bouncer");
        let now = bouncer.runtime.as_ref().expect("runtime facts").pid;
        assert_ne!(Some(now), bouncer_pid);
        assert_eq!(
            bouncer.inspect.to_value()["State"]["Pid"],
            serde_json::json!(now)
        );
        assert!(!bouncer.processes.is_empty() && bouncer.errors.is_empty());
        noted(snap, "bouncer", "restarted during the scan; read again");
        assert_eq!(pid(snap, "stayer"), stayer_pid);
    }
    // A stopped container is what --all lists; without it, it would not have been listed.
    let quitter = find(&with_all, "quitter").expect("kept with --all");
    assert_eq!(quitter.inspect.to_value()["State"]["Running"], false);
    assert!(quitter.runtime.is_none() && quitter.processes.is_empty());
    assert!(quitter.errors.is_empty(), "{:?}", quitter.errors);
    noted(
        &with_all,
        "quitter",
        "stopped during the scan; its settings are those of the stopped container",
    );
    assert!(find(&without_all, "quitter").is_none());
    noted(&without_all, "quitter", "stopped during the scan; skipped");
}

#[test]
fn dockerd_flags_are_read_as_dockerd_reads_them() {
    // `--no-new-privileges=0` is off (Go's ParseBool), and `--raw-logs`, an on/off flag no
    // setting models, takes no value: the flag after it is read.
    let d = PrivateDaemon::start_with_args(
        serde_json::json!({}),
        &[
            "--no-new-privileges=0",
            "--raw-logs",
            "--userland-proxy=false",
        ],
        |_| {},
    );
    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "2.15,2.17"],
        out.path(),
    );
    r.expect("2.15", "fail");
    r.expect("2.17", "pass");
    assert_eq!(
        r.rule("2.17")["evidence"][0]["source"],
        "flag --userland-proxy=false"
    );
}

#[test]
fn debug_and_insecure_registries_are_those_dockerd_runs_with() {
    // Started with them on, then daemon.json emptied without a restart: dockerd still runs
    // in debug mode and trusts the registry over plain HTTP.
    let d = PrivateDaemon::start(serde_json::json!({
        "debug": true,
        "insecure-registries": ["myreg.example:5000", "10.9.0.0/16"],
    }));
    std::fs::write(d.config_path(), "{}").unwrap();
    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let r = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "2.3,2.5"],
        out.path(),
    );
    r.expect("2.3", "fail");
    r.expect("2.5", "fail");
    let evidence = r.rule("2.5")["evidence"].to_string();
    assert!(
        evidence.contains("docker info RegistryConfig"),
        "{evidence}"
    );
    assert!(
        evidence.contains("myreg.example:5000") && evidence.contains("10.9.0.0/16"),
        "{evidence}"
    );
}

#[test]
fn a_tcp_listener_written_as_dockerd_also_reads_it_is_judged_by_2_8() {
    // dockerd trims the address and takes one without a scheme as TCP: this daemon listens on
    // plain TCP, unverified.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spaced = format!(" tcp://127.0.0.1:{port}");
    let d = PrivateDaemon::start_with_args(serde_json::json!({}), &["-H", &spaced], |_| {});
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "dockerd listens on {port}"
    );
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &["scan", "--docker-host", &d.socket_url(), "--include", "2.8"],
        out.path(),
    );
    r.expect("2.8", "fail");
}

#[test]
fn another_hosts_daemon_is_not_judged_by_this_hosts_daemon_json() {
    // 192.0.2.0/24 is for documentation: no interface of this machine has it.
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            "tcp://192.0.2.77:2376",
            "--timeout",
            "1",
            "--include",
            "2.15,2.17",
        ],
        out.path(),
    );
    r.expect("2.15", "error");
    r.expect("2.17", "error");
    let errors = r.report.as_ref().expect("report.json")["collection_errors"].to_string();
    assert!(
        errors.contains("tcp://192.0.2.77:2376 is not an address of this host"),
        "{errors}"
    );
}

#[test]
fn every_unix_socket_dockerd_listens_on_is_judged() {
    // dockerd listens on its harness socket and on a second one, which is opened to others
    // and given to a container: 3.16, BW-SOCKET-WORLD and 5.32 must see the second socket.
    let extra = tempfile::tempdir().unwrap();
    let api = extra.path().join("api.sock");
    let api_text = api.display().to_string();
    let d = PrivateDaemon::start_with_args(
        serde_json::json!({}),
        &["-H", &format!("unix://{api_text}")],
        |_| {},
    );
    assert!(api.exists(), "dockerd made {api_text}");
    d.import_busybox();
    let mount = format!("{api_text}:/run/api.sock");
    d.run_sleeping("api-user", &["--network", "none", "-v", &mount]);
    d.run_sleeping("plain", &["--network", "none"]);
    let sock = d.socket_url();
    let scan = || scan_rules(&sock, "3.15,3.16,5.32,BW-SOCKET-WORLD", &[]);
    let mode_fact = format!("host.files[\"{api_text}\"].mode");
    let facts = |r: &support::scan::Run, id: &str| -> Vec<String> {
        r.evidence(id)
            .iter()
            .map(|e| e["fact"].as_str().unwrap_or_default().to_string())
            .collect()
    };

    std::fs::set_permissions(&api, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let (r, _out) = scan();
    r.expect("3.16", "fail");
    assert!(
        r.message("3.16").contains(&api_text),
        "{}",
        r.message("3.16")
    );
    r.expect("BW-SOCKET-WORLD", "fail");
    r.expect_instance("5.32", "api-user", "fail");
    r.expect_instance("5.32", "plain", "pass");

    // Closed again: both sockets are checked, and both are named in the evidence.
    std::fs::set_permissions(&api, std::os::unix::fs::PermissionsExt::from_mode(0o660)).unwrap();
    let (r, _out) = scan();
    r.expect("3.16", "pass");
    r.expect("3.15", "pass");
    let own = format!("host.files[\"{}\"].mode", d.socket_path().display());
    let checked = facts(&r, "3.16");
    assert!(
        checked.contains(&own) && checked.contains(&mode_fact),
        "{checked:?}"
    );
    assert!(
        facts(&r, "3.15").iter().any(|f| f.contains(&api_text)),
        "{:?}",
        facts(&r, "3.15")
    );
}

#[test]
fn a_registry_mirror_over_plain_http_fails_2_5() {
    let d = PrivateDaemon::start(serde_json::json!({
        "registry-mirrors": ["http://192.0.2.2:5999"],
    }));
    let (r, _out) = scan_rules(&d.socket_url(), "2.5", &[]);
    r.expect("2.5", "fail");
    assert!(
        r.message("2.5").contains("http://192.0.2.2:5999"),
        "{}",
        r.message("2.5")
    );
}

#[test]
fn a_log_level_in_capitals_is_the_level_dockerd_runs_at() {
    // dockerd reads log levels in any case: INFO is info, and 2.3 passes.
    let d = PrivateDaemon::start(serde_json::json!({ "log-level": "INFO" }));
    let (r, _out) = scan_rules(&d.socket_url(), "2.3", &[]);
    r.expect("2.3", "pass");
}

#[test]
fn without_dockerds_command_line_its_defaults_are_not_taken_as_in_force() {
    // The daemon runs with --cgroup-parent and a TCP listener; bollwerk sees the host through
    // a root that has its daemon.json but no /proc, so dockerd's flags cannot be read. The
    // settings daemon.json leaves unset are unknown: error, not dockerd's defaults.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    let d = PrivateDaemon::start_with_args(
        serde_json::json!({}),
        &["--cgroup-parent", "/bwparent", "-H", &tcp],
        |_| {},
    );
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/docker")).unwrap();
    std::fs::write(root.path().join("etc/docker/daemon.json"), "{}\n").unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (r, _out) = scan_rules(&d.socket_url(), "2.8,2.11", &["--host-root", root_arg]);
    r.expect("2.11", "error");
    r.expect("2.8", "error");
    assert!(
        r.message("2.11")
            .contains("dockerd's flags could not be read"),
        "{}",
        r.message("2.11")
    );
}

#[test]
fn a_container_joined_to_one_on_the_hosts_namespaces_shares_them_running_or_not() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    d.run_sleeping(
        "x-host",
        &["--network", "host", "--pid", "host", "--ipc", "host"],
    );
    d.run_sleeping("z-own", &["--network", "none", "--ipc", "shareable"]);
    for (name, args) in [
        ("y-net", vec!["--network", "container:x-host"]),
        (
            "y-pid",
            vec!["--network", "none", "--pid", "container:x-host"],
        ),
        (
            "y-ipc",
            vec!["--network", "none", "--ipc", "container:x-host"],
        ),
        (
            "y-own",
            vec!["--network", "container:z-own", "--ipc", "container:z-own"],
        ),
    ] {
        let mut all = vec!["create", "--name", name];
        all.extend(args);
        all.extend(["local/busybox:test", "sleep", "60"]);
        d.docker(&all);
    }
    let (r, _out) = scan_rules(&d.socket_url(), "5.10,5.16,5.17", &["--all"]);
    r.expect_instance("5.10", "y-net", "fail");
    r.expect_instance("5.16", "y-pid", "fail");
    r.expect_instance("5.17", "y-ipc", "fail");
    for rule in ["5.10", "5.16", "5.17"] {
        r.expect_instance(rule, "y-own", "pass");
    }
}

#[test]
fn a_daemon_json_changed_after_dockerd_started_is_not_taken_as_in_force() {
    // Started with defaults; then daemon.json gains hardening dockerd never read (these keys
    // do not reload): 2.15 and 2.17 must not pass on it.
    let d = PrivateDaemon::start(serde_json::json!({}));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    std::fs::write(
        d.config_path(),
        r#"{"bridge": "none", "no-new-privileges": true, "userland-proxy": false}"#,
    )
    .unwrap();
    let (r, _out) = scan_rules(&d.socket_url(), "2.15,2.17", &[]);
    for id in ["2.15", "2.17"] {
        r.expect(id, "error");
        assert!(
            r.message(id).contains("after dockerd (pid"),
            "{id}: {}",
            r.message(id)
        );
    }
}
