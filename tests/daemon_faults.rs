//! A daemon that fails, stalls or drops connections: every container and image it names is
//! either read or `error` in every rule of its scope, never a silent pass or "no containers";
//! the scan ends within its deadline, writes its reports and exits 3 (could not complete).
//!
//! Runs bollwerk against [`support::fake_daemon`] (documents recorded from a real dockerd
//! 20.10: containers `plain`, `priv` (privileged) and `hardened`, one image) with a fixture
//! host tree, `--timeout 1`, and bounds each run's wall time. An inspect answer without a
//! HostConfig, which no dockerd gives, is tested on an edited snapshot.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::fake_daemon::{container_id, containers, image_id, FakeDaemon, Fault, Rule};
use support::fixture::HostTree;
use support::scan::{bollwerk, Run};

/// A scan of the fake daemon with `faults`, `--all`, `extra` and `--timeout 1` unless `extra`
/// sets it; returns the run and how long it took.
fn scan(faults: Vec<Rule>, extra: &[&str]) -> (Run, Duration, tempfile::TempDir) {
    let fake = FakeDaemon::start(faults);
    let tree = fake_host(&fake);
    let out = tempfile::tempdir().unwrap();
    let (url, root) = (fake.url(), tree.root_arg());
    let mut args = vec!["scan", "--docker-host", &url, "--host-root", &root, "--all"];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "1"]);
    }
    args.extend_from_slice(extra);
    let started = Instant::now();
    let run = bollwerk(&args, out.path());
    (run, started.elapsed(), out)
}

/// A fixture host whose /proc shows the fake daemon's dockerd: its flags are known (without
/// them, every setting daemon.json leaves at a default would be an error), and it started
/// after every daemon.json a test writes (else what that holds is not known to be in force).
fn fake_host(fake: &FakeDaemon) -> HostTree {
    let tree = HostTree::new();
    tree.write(
        "proc/4242/cmdline",
        &format!("/usr/bin/dockerd\0-H\0{}\0", fake.url()),
        0o444,
    );
    tree.dockerd_started(std::time::SystemTime::now() + Duration::from_secs(3600));
    tree
}

fn fault(path: &str, fault: Fault) -> Vec<Rule> {
    vec![Rule {
        path: path.to_string(),
        fault,
    }]
}

/// Rules evaluated once per container (or image), manual ones left out.
fn per_instance_rules<'r>(run: &'r Run, scope: &str) -> Vec<&'r Value> {
    let rules: Vec<&Value> = run.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == scope && r["status"] != "notchecked")
        .collect();
    assert!(rules.len() > 5, "{scope}: only {} rules", rules.len());
    rules
}

/// Every per-container rule has an `error` instance for `name` whose message contains
/// `why`, and instances for the other containers that are not `error`.
fn assert_unread_container(run: &Run, name: &str, why: &str) {
    let id = container_id(name);
    for rule in per_instance_rules(run, "each-container") {
        let instances = rule["instances"].as_array().unwrap();
        assert_eq!(instances.len(), containers().len(), "rule {}", rule["id"]);
        let unread = instances
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("rule {}: no instance for {name}", rule["id"]));
        assert_eq!(unread["status"], "error", "rule {}", rule["id"]);
        assert_eq!(unread["kind"], "container");
        assert_eq!(unread["id"], id.as_str());
        let message = unread["message"].as_str().unwrap();
        assert!(message.contains(why), "rule {}: {message}", rule["id"]);
        for other in instances.iter().filter(|i| i["name"] != name) {
            assert_ne!(other["status"], "error", "rule {}: {other}", rule["id"]);
        }
        assert!(
            rule["status"] == "error" || rule["status"] == "fail",
            "rule {}: {}",
            rule["id"],
            rule["status"]
        );
    }
    // The privileged container's rule: never a pass when it was not read.
    if name == "priv" {
        assert_eq!(run.status("5.5"), "error");
    }
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn a_healthy_fake_daemon_is_read_whole() {
    let (run, took, _out) = scan(Vec::new(), &[]);
    assert!(took < Duration::from_secs(20), "{took:?}");
    run.expect_instance("5.5", "priv", "fail");
    run.expect_instance("5.5", "plain", "pass");
    for rule in per_instance_rules(&run, "each-container") {
        for i in rule["instances"].as_array().unwrap() {
            assert_ne!(i["status"], "error", "rule {}: {i}", rule["id"]);
        }
    }
    let errors = run.report()["collection_errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .all(|e| !e["fact"].as_str().unwrap().starts_with("containers")),
        "{errors:?}"
    );
}

#[test]
fn a_failed_inspect_is_an_error_instance_in_every_container_rule() {
    let path = format!("/containers/{}/json", container_id("priv"));
    let formats = "terminal,json,html,xccdf,arf,junit";
    let (run, _, out) = scan(
        fault(&path, Fault::Status(500)),
        &["--format", formats, "-v"],
    );
    assert_unread_container(&run, "priv", "status code 500");
    // Every format renders the unread container.
    for file in [
        "report.html",
        "report.xccdf.xml",
        "report.arf.xml",
        "report.junit.xml",
    ] {
        let text = std::fs::read_to_string(out.path().join(file)).expect(file);
        assert!(text.contains(&container_id("priv")[..12]), "{file}");
    }
    assert!(run.stdout.contains("5.5"), "{}", run.stdout);
}

#[test]
fn a_connection_closed_mid_inspect_is_an_error_instance() {
    let path = format!("/containers/{}/json", container_id("priv"));
    let (run, _, _out) = scan(fault(&path, Fault::Reset), &[]);
    assert_unread_container(&run, "priv", "cannot inspect container");
}

#[test]
fn a_body_that_stops_ends_at_the_timeout() {
    let path = format!("/containers/{}/json", container_id("priv"));
    let (run, took, _out) = scan(fault(&path, Fault::StallBody), &[]);
    assert_unread_container(&run, "priv", "no complete answer within 1 s");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[test]
fn headers_that_never_come_end_at_the_timeout() {
    let path = format!("/containers/{}/json", container_id("plain"));
    let (run, took, _out) = scan(fault(&path, Fault::StallHeaders), &[]);
    assert_unread_container(&run, "plain", "no complete answer within 1 s");
    run.expect_instance("5.5", "priv", "fail");
    assert_eq!(run.status("5.5"), "fail");
    assert_eq!(
        run.message("5.5"),
        "1 of 3 containers fails, 1 could not be decided"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[test]
fn a_failed_container_list_makes_every_container_rule_error() {
    for f in [Fault::Status(500), Fault::Reset, Fault::StallBody] {
        let (run, took, _out) = scan(fault("/containers/json", f), &[]);
        for rule in per_instance_rules(&run, "each-container") {
            assert_eq!(rule["status"], "error", "{f:?}: rule {}", rule["id"]);
            let message = rule["message"].as_str().unwrap();
            assert!(
                message.contains("list of containers could not be read"),
                "{f:?}: {message}"
            );
        }
        // What the list feeds (counts of stopped containers) is not decided either.
        assert_eq!(run.status("6.2"), "error", "{f:?}");
        // Images were read.
        run.expect_instance("4.1", "local/busybox:test", "fail");
        assert_eq!(run.code, 3, "{f:?}: {}", run.stderr);
        assert!(took < Duration::from_secs(15), "{f:?}: {took:?}");
    }
}

#[test]
fn a_failed_image_list_or_inspect_makes_image_rules_error() {
    let (run, _, _out) = scan(fault("/images/json", Fault::Reset), &[]);
    for rule in per_instance_rules(&run, "each-image") {
        assert_eq!(rule["status"], "error", "rule {}", rule["id"]);
    }
    assert_eq!(run.status("6.1"), "error");
    assert_eq!(run.code, 3);
    // Whether a container's tag still points to its image needs the images: not guessed.
    let instance = run.instance_result("5.28", "plain");
    assert_eq!(instance["status"], "error", "{instance}");

    let path = format!("/images/{}/history", image_id());
    let (run, _, _out) = scan(fault(&path, Fault::StallHeaders), &[]);
    for rule in per_instance_rules(&run, "each-image") {
        let instances = rule["instances"].as_array().unwrap();
        assert_eq!(instances.len(), 1, "rule {}", rule["id"]);
        assert_eq!(instances[0]["status"], "error", "rule {}", rule["id"]);
        assert_eq!(instances[0]["name"], "local/busybox:test");
    }
    assert_eq!(run.status("6.1"), "error");
    // Containers were read.
    run.expect_instance("5.5", "priv", "fail");
}

#[test]
fn a_daemon_that_stops_answering_ends_the_scan_by_its_deadline() {
    // Every request stalls: the ping, the lists, everything.
    let (run, took, out) = scan(fault("*", Fault::StallHeaders), &["--deadline", "3"]);
    assert!(took < Duration::from_secs(15), "{took:?}");
    for id in ["2.2", "4.1", "5.5"] {
        assert_eq!(run.status(id), "error", "{id}");
    }
    // Host rules are still decided, and the report is written.
    run.expect("3.1", "pass");
    assert!(out.path().join("report.json").exists());
    assert_eq!(run.code, 3);
}

#[test]
fn a_stalled_info_is_an_error_for_what_it_feeds_only() {
    let (run, took, _out) = scan(fault("/info", Fault::StallBody), &[]);
    assert!(took < Duration::from_secs(15), "{took:?}");
    let errors = run.report()["collection_errors"].as_array().unwrap();
    let info = errors
        .iter()
        .find(|e| e["fact"] == "daemon.info")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert!(
        info["message"].as_str().unwrap().contains("within 1 s"),
        "{info}"
    );
    run.expect_instance("5.5", "priv", "fail");
    assert_eq!(run.code, 3);
    // What /info tells or corrects is not guessed: swarm rules do not become "no swarm",
    // live-restore, userns-remap, debug and insecure registries are not taken from defaults.
    for id in [
        "2.3",
        "2.5",
        "2.10",
        "2.16",
        "7.1",
        "7.2",
        "BW-KERNEL-USERNS",
    ] {
        assert_eq!(run.status(id), "error", "{id}: {}", run.message(id));
    }
    // Settings read from the host's daemon.json and defaults alone still decide.
    run.expect("2.4", "pass");
}

#[test]
fn failed_networks_leave_icc_undecided() {
    let (run, _, _out) = scan(fault("/networks", Fault::Status(500)), &[]);
    assert_eq!(run.status("2.2"), "error", "{}", run.message("2.2"));
    assert_eq!(run.code, 3);
}

#[test]
fn failed_networks_leave_the_overlay_networks_of_a_swarm_undecided() {
    let judged = |faults: Vec<Rule>| {
        let fake = FakeDaemon::start_swarm_manager(faults);
        let [overlay] = judged_rules(&fake, &fake_host(&fake), ["7.3"]);
        overlay
    };
    // Read: the ingress network is left out, the other overlay network is encrypted.
    let (status, message) = judged(Vec::new());
    assert_eq!(status, "pass", "{message}");
    // Not read: no overlay network is known, which is not none.
    for f in [Fault::Status(500), Fault::Reset] {
        let (status, message) = judged(fault("/networks", f));
        assert_eq!(status, "error", "{f:?}: {message}");
        assert!(message.contains("GET /networks"), "{f:?}: {message}");
    }
}

#[test]
fn the_deadline_cuts_requests_shorter_than_their_timeout() {
    // The inspect would get 20 s; the daemon's part has 2.
    let path = format!("/containers/{}/json", container_id("priv"));
    let (run, took, _out) = scan(
        fault(&path, Fault::StallBody),
        &["--timeout", "20", "--deadline", "2"],
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_unread_container(&run, "priv", "deadline (2 s, --deadline)");
}

#[test]
fn unread_instances_are_kept_in_the_snapshot_and_replayed() {
    let path = format!("/containers/{}/json", container_id("priv"));
    let fake = FakeDaemon::start(fault(&path, Fault::Status(500)));
    let tree = fake_host(&fake);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let (url, root, snap_arg) = (fake.url(), tree.root_arg(), snap.display().to_string());
    let collected = bollwerk(
        &[
            "collect",
            "--docker-host",
            &url,
            "--host-root",
            &root,
            "--all",
            "--timeout",
            "1",
            "-o",
            &snap_arg,
        ],
        dir.path(),
    );
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["unread"][0]["name"], "priv");
    assert_eq!(doc["unread"][0]["kind"], "container");

    let out = tempfile::tempdir().unwrap();
    let replayed = bollwerk(&["scan", "--snapshot", &snap_arg], out.path());
    assert_unread_container(&replayed, "priv", "status code 500");

    // A version 1 snapshot (no `unread`) still reads; its containers are all it knew of.
    doc["schema_version"] = 1.into();
    doc.as_object_mut().unwrap().remove("unread");
    std::fs::write(&snap, doc.to_string()).unwrap();
    let old = bollwerk(&["scan", "--snapshot", &snap_arg], out.path());
    assert_eq!(old.code, 3, "{}", old.stderr);
    run_has_no_instance(&old, "5.5", "priv");
}

fn run_has_no_instance(run: &Run, rule: &str, name: &str) {
    let instances = run.rule(rule)["instances"].as_array().unwrap();
    assert!(instances.iter().all(|i| i["name"] != name), "{instances:?}");
}

/// `scan` of the fake daemon and `tree` with only `ids`: each rule's status and message.
fn judged_rules<const N: usize>(
    fake: &FakeDaemon,
    tree: &HostTree,
    ids: [&str; N],
) -> [(String, String); N] {
    let (url, root, include) = (fake.url(), tree.root_arg(), ids.join(","));
    let out = tempfile::tempdir().unwrap();
    let args = [
        "scan",
        "--docker-host",
        &url,
        "--host-root",
        &root,
        "--include",
        &include,
    ];
    let r = bollwerk(&args, out.path());
    ids.map(|id| {
        let rule = r.rule(id);
        (
            rule["status"].as_str().unwrap().to_string(),
            rule["message"].as_str().unwrap_or("").to_string(),
        )
    })
}

#[test]
fn a_daemon_json_value_dockerd_would_refuse_is_an_error_not_a_setting() {
    let fake = FakeDaemon::start(Vec::new());
    let tree = fake_host(&fake);
    let judged = |json: &str| {
        tree.write("etc/docker/daemon.json", json, 0o644);
        judged_rules(&fake, &tree, ["2.4", "2.15", "2.17"])
    };
    // As dockerd takes them: decided. (iptables, not icc: the recorded daemon has no default
    // bridge, so 2.2 does not apply to it.)
    let good =
        judged("{\"iptables\": true, \"no-new-privileges\": true, \"userland-proxy\": false}\n");
    assert!(good.iter().all(|(s, _)| s == "pass"), "{good:?}");
    // Strings where dockerd takes true or false: it refuses the file, so what runs is unknown.
    let bad = judged(
        "{\"iptables\": \"true\",\n \"no-new-privileges\": \"true\",\n \"userland-proxy\": \"false\"}\n",
    );
    for ((status, message), (key, line)) in bad.iter().zip([
        ("iptables", 1),
        ("no-new-privileges", 2),
        ("userland-proxy", 3),
    ]) {
        assert_eq!(status, "error", "{key}: {message}");
        assert!(
            message.contains(&format!("daemon.json:{line}: {key} must be true or false")),
            "{message}"
        );
    }
}

#[test]
fn a_docker_root_is_known_from_docker_info_and_unknown_when_it_fails() {
    // No dockerd in the tree's /proc: only docker info tells the Docker root.
    let judged = |faults: Vec<Rule>| {
        let fake = FakeDaemon::start(faults);
        let [root] = judged_rules(&fake, &HostTree::new(), ["1.1.1"]);
        root
    };
    // Answered: the recorded daemon's root lies on the tree's root file system.
    let (status, message) = judged(Vec::new());
    assert_eq!(status, "fail", "{message}");
    // /info fails: the root the host part first located with is not known to be dockerd's.
    let (status, message) = judged(fault("/info", Fault::Status(500)));
    assert_eq!(status, "error", "{message}");
    assert!(message.contains("data-root"), "{message}");
}

#[test]
fn a_container_whose_inspect_has_no_host_config_is_error_in_the_rules_that_read_it() {
    // An edited or truncated snapshot, or an API other than Docker's: containers whose
    // inspect has HostConfig null, absent or not an object beside a normal one. Their settings
    // are unknown: rules reading them (or the facts bollwerk derives from them, which the file
    // still holds) are `error` for them, never a pass on defaults; the normal one is judged.
    let mut snap = support::scan::base_snapshot();
    let normal = snap["containers"][0].clone();
    let name = normal["name"].as_str().unwrap().to_string();
    let broken: Vec<(&str, Option<Value>)> = vec![
        ("no-hostconfig", Some(Value::Null)),
        ("hostconfig-absent", None),
        ("hostconfig-text", Some(Value::from("private"))),
    ];
    for (i, (broken_name, host_config)) in broken.iter().enumerate() {
        let mut c = normal.clone();
        let id = format!("{:0<64}", format!("bad{i}"));
        c["id"] = Value::from(id.as_str());
        c["name"] = Value::from(*broken_name);
        c["inspect"]["Id"] = Value::from(id.as_str());
        c["inspect"]["Name"] = Value::from(format!("/{broken_name}"));
        let inspect = c["inspect"].as_object_mut().unwrap();
        match host_config {
            Some(v) => inspect.insert("HostConfig".into(), v.clone()),
            None => inspect.remove("HostConfig"),
        };
        snap["containers"].as_array_mut().unwrap().push(c);
    }
    let dir = tempfile::tempdir().unwrap();
    let run = support::scan::scan_snapshot(&snap, dir.path(), "out", &["--format", "json"]);
    let named = ["5.5", "5.16", "5.17", "5.21", "5.22"];
    for id in named {
        for (broken_name, _) in &broken {
            run.expect_instance(id, broken_name, "error");
            let m = run.instance_message(id, broken_name);
            assert!(
                m.contains(&format!("container {broken_name}")) && m.contains("no HostConfig"),
                "rule {id}, {broken_name}: {m}"
            );
        }
        run.expect_instance(id, &name, "pass");
    }
    // No rule judges one of them on those facts: each is an error in its evidence. (A rule
    // may still decide without them: 5.2 passes on the AppArmor profile their inspect gives.)
    let reads = |e: &Value| {
        let fact = e["fact"].as_str().unwrap_or("");
        [
            "container.inspect.HostConfig",
            "container.capabilities",
            "container.security_opt",
        ]
        .iter()
        .any(|d| fact.starts_with(d))
    };
    let unknown = |e: &Value| reads(e) && e["outcome"] != "error";
    let mut erred = Vec::new();
    for rule in per_instance_rules(&run, "each-container") {
        let id = rule["id"].as_str().unwrap();
        for (broken_name, _) in &broken {
            let status = run.instance(id, broken_name);
            let evidence = run.instance_evidence(id, broken_name);
            assert!(
                !evidence.iter().any(unknown),
                "rule {id}, {broken_name}: {status} on unknown facts: {evidence:#?}"
            );
            if status == "error" {
                erred.push(id.to_string());
            }
        }
    }
    // What bollwerk derives from HostConfig, and the snapshot file still holds, is unknown too.
    for id in named.iter().chain(&["5.4"]) {
        assert!(erred.iter().any(|c| c == id), "{id} not among {erred:?}");
    }
}
