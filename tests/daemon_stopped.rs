//! A real dockerd stopped (`SIGSTOP`) or killed (`SIGKILL`) while bollwerk scans it: the scan
//! ends within its deadline, writes its report, and every container the daemon has is either
//! read or an `error` instance in every per-container rule, whichever moment the signal lands;
//! the privileged container is never a pass.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::dockerd::{host, PrivateDaemon};
use support::fixture::HostTree;

/// Created containers besides the privileged one: enough that inspecting them takes a while.
const CONTAINERS: usize = 60;

/// A daemon with [`CONTAINERS`] plain created containers and one privileged (`priv`); returns
/// it and the ids of all its containers.
fn daemon_with_containers() -> (PrivateDaemon, BTreeSet<String>) {
    // Debug logging: the log then names each request, which tells when to send the signal.
    let d = PrivateDaemon::start(serde_json::json!({ "debug": true }));
    let image = d.import_busybox();
    d.docker(&[
        "create",
        "--name",
        "priv",
        "--privileged",
        "--network",
        "none",
        image,
    ]);
    for i in 0..CONTAINERS {
        let name = format!("c{i}");
        d.docker(&["create", "--name", &name, "--network", "none", image]);
    }
    let ids = d.docker(&["ps", "-aq", "--no-trunc"]);
    let ids: BTreeSet<String> = ids.split_whitespace().map(str::to_string).collect();
    assert_eq!(ids.len(), CONTAINERS + 1);
    (d, ids)
}

/// How many container inspects dockerd has logged.
fn inspects_logged(d: &PrivateDaemon) -> usize {
    let log = std::fs::read_to_string(d.log_path()).unwrap_or_default();
    log.lines()
        .filter(|l| {
            l.contains("Calling GET /v") && l.contains("/containers/") && l.contains("/json")
        })
        .filter(|l| !l.contains("/containers/json"))
        .count()
}

/// Starts a scan of `d` (`--all --timeout 1 --deadline 4`), sends dockerd `signal` once it has
/// logged `inspects` more container inspects (at most 10 s later), and waits for the scan at
/// most `bound`. Returns its exit code and report.
fn scan_and_signal(
    d: &PrivateDaemon,
    signal: &str,
    inspects: usize,
    bound: Duration,
) -> (i32, Value) {
    let tree = HostTree::new();
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(["scan", "--docker-host", &d.socket_url(), "--host-root"])
        .arg(tree.root())
        .args([
            "--all",
            "--timeout",
            "1",
            "--deadline",
            "4",
            "--format",
            "json",
            "-q",
            "-o",
        ])
        .arg(out.path())
        .env_remove("DOCKER_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bollwerk");
    let started = Instant::now();
    let before = inspects_logged(d);
    while inspects_logged(d) < before + inspects && started.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(2));
    }
    let pid = d.pid().to_string();
    host("kill", &[&format!("-{signal}"), &pid]);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for bollwerk") {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            if signal == "STOP" {
                host("kill", &["-CONT", &pid]);
            }
            panic!("the scan did not end within {bound:?} after SIG{signal}");
        }
        thread::sleep(Duration::from_millis(50));
    };
    eprintln!("SIG{signal}: the scan took {:?}", started.elapsed());
    if signal == "STOP" {
        host("kill", &["-CONT", &pid]);
    }
    let text = std::fs::read_to_string(out.path().join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json after SIG{signal} (exit {code}): {e}"));
    (
        code,
        serde_json::from_str(&text).expect("report.json is JSON"),
    )
}

/// The invariant: in every per-container rule each container the daemon has is an instance,
/// read or `error` (or, when the list itself was not read or the daemon not reached, the rule
/// is `error`); none is left out, and the privileged one never passes.
fn assert_read_or_error(report: &Value, all: &BTreeSet<String>, code: i32, what: &str) {
    let mut errors = 0;
    let rules = report["results"].as_array().unwrap();
    for rule in rules
        .iter()
        .filter(|r| r["scope"] == "each-container" && r["status"] != "notchecked")
    {
        let instances = rule["instances"].as_array().unwrap();
        if instances.is_empty() {
            assert_eq!(
                rule["status"], "error",
                "{what}: rule {} {rule}",
                rule["id"]
            );
            errors += 1;
            continue;
        }
        let ids: BTreeSet<String> = instances
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            &ids, all,
            "{what}: rule {}: instances differ from the daemon's containers",
            rule["id"]
        );
        errors += instances.iter().filter(|i| i["status"] == "error").count();
    }
    let five_five = rules.iter().find(|r| r["id"] == "5.5").expect("5.5");
    assert_ne!(five_five["status"], "pass", "{what}");
    assert_ne!(five_five["status"], "notapplicable", "{what}");
    if let Some(p) = five_five["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "priv")
    {
        assert!(
            p["status"] == "fail" || p["status"] == "error",
            "{what}: {p}"
        );
    }
    // Errors make an incomplete audit; with none the findings exit 1.
    assert_eq!(
        code,
        if errors > 0 { 3 } else { 1 },
        "{what}: {errors} errors"
    );
    let unread = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "5.5")
        .map_or(0, |r| {
            r["instances"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["status"] == "error")
                .count()
        });
    eprintln!(
        "{what}: {errors} error results, {unread} of {} containers unread in 5.5, exit {code}",
        all.len()
    );
}

#[test]
fn a_daemon_stopped_mid_scan_ends_the_scan_with_errors_for_what_was_not_read() {
    let (d, all) = daemon_with_containers();
    // Before the first inspect (the lists may or may not be in), and amid the inspects.
    for inspects in [0, 8] {
        let what = format!("SIGSTOP after {inspects} inspects");
        let (code, report) = scan_and_signal(&d, "STOP", inspects, Duration::from_secs(20));
        assert_read_or_error(&report, &all, code, &what);
    }
}

#[test]
fn a_daemon_killed_mid_scan_ends_the_scan_with_errors_for_what_was_not_read() {
    let (d, all) = daemon_with_containers();
    let (code, report) = scan_and_signal(&d, "KILL", 8, Duration::from_secs(20));
    assert_read_or_error(&report, &all, code, "SIGKILL after 8 inspects");
}
