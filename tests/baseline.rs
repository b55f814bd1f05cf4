//! `scan --baseline OLD.json [--fail-on new]` on a real private daemon: a nightly job alerts on
//! change, not on the accepted state, and the reports mark what is new and what was fixed.

mod browser;
mod support;

use std::path::Path;

use support::dockerd::PrivateDaemon;
use support::scan::{bollwerk, Run};

fn run(d: &PrivateDaemon, name: &str, args: &[&str]) {
    d.run_sleeping(name, &[&["--network", "none"], args].concat());
}

fn scan(d: &PrivateDaemon, out: &Path, extra: &[&str]) -> Run {
    let sock = d.socket_url();
    let mut args = vec![
        "scan",
        "--docker-host",
        &sock,
        "--include",
        "5.4,5.11",
        "-v",
    ];
    args.extend_from_slice(extra);
    bollwerk(&args, out)
}

fn baseline_of(dir: &Path) -> String {
    dir.join("report.json").display().to_string()
}

#[test]
fn fail_on_new_alerts_on_regressions_only_and_reports_mark_them() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    run(&d, "keep", &["--cap-add", "SYS_ADMIN"]);
    run(&d, "fixme", &["--cap-add", "SYS_ADMIN"]);
    let first = tempfile::tempdir().unwrap();
    let r1 = scan(&d, first.path(), &["--format", "json"]);
    r1.expect_instance("5.4", "fixme", "fail");
    assert_eq!(r1.code, 1);

    // fixme is recreated without the capability; fresh is new and holds it.
    d.docker(&["rm", "-f", "fixme"]);
    run(&d, "fixme", &[]);
    run(&d, "fresh", &["--cap-add", "SYS_ADMIN"]);
    let second = tempfile::tempdir().unwrap();
    let base1 = baseline_of(first.path());
    let r2 = scan(
        &d,
        second.path(),
        &[
            "--format",
            "json,html,terminal",
            "--baseline",
            &base1,
            "--fail-on",
            "new",
        ],
    );
    assert_eq!(r2.code, 1, "a new failure is a regression:\n{}", r2.stdout);
    let b = &r2.report()["baseline"];
    assert_eq!(b["file"], base1.as_str());
    assert!(b["regressions"].as_u64().unwrap() >= 1, "{b:#}");
    let has = |kind: &str, rule: &str, name: &str| {
        b["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == kind && c["rule"] == rule && c["instance"]["name"] == name)
    };
    assert!(has("new-failure", "5.4", "fresh"), "{b:#}");
    assert!(has("resolved", "5.4", "fixme"), "{b:#}");
    assert!(
        !has("new-failure", "5.4", "keep"),
        "keep failed before: not new"
    );
    // Terminal: the summary and the marks.
    assert!(
        r2.stdout.contains("Since the baseline of "),
        "{}",
        r2.stdout
    );
    assert!(r2.stdout.contains("new   5.4 "), "{}", r2.stdout);
    assert!(r2.stdout.contains("fixed 5.4 "), "{}", r2.stdout);
    assert!(r2.stdout.contains("container fresh ("), "{}", r2.stdout);
    assert!(r2.stdout.contains("(new since "), "{}", r2.stdout);
    // HTML: the card, the fix listed though it passes now, names escaped.
    let html = std::fs::read_to_string(second.path().join("report.html")).unwrap();
    assert!(html.contains("id=\"since-baseline\""));
    assert!(html.contains("Fixed since the baseline"));
    assert!(
        html.contains("container fixme: fail → pass"),
        "fixed container not listed"
    );
    assert!(html.contains("<span class=\"new-mark\">new since "));
    let mut chrome = browser::Chromium::launch();
    let probe = r#"({
        fixed: document.querySelectorAll('#since-baseline li').length,
        marks: document.querySelectorAll('.new-mark').length,
    })"#;
    let (tab, f) = chrome.inspect(&second.path().join("report.html"), 1280, 900, probe);
    f.assert_quiet("report.html with a baseline");
    assert!(f.dom["fixed"].as_u64().unwrap() >= 2, "{:?}", f.dom);
    assert!(f.dom["marks"].as_u64().unwrap() >= 1, "{:?}", f.dom);
    chrome.close(tab);
    assert!(
        html.contains("container fresh: – → fail")
            || html.contains("container fresh: pass → fail")
            || html.contains("container fresh:"),
        "new container not listed"
    );

    // Nothing changed since the second scan: failures remain, but --fail-on new passes.
    let third = tempfile::tempdir().unwrap();
    let base2 = baseline_of(second.path());
    let r3 = scan(
        &d,
        third.path(),
        &["--format", "json", "--baseline", &base2, "--fail-on", "new"],
    );
    assert_eq!(r3.code, 0, "no regression:\n{}", r3.stdout);
    assert_eq!(r3.report()["baseline"]["regressions"], 0);
    let r3b = scan(
        &d,
        third.path(),
        &["--format", "json", "--baseline", &base2],
    );
    assert_eq!(
        r3b.code, 1,
        "without --fail-on new the failures still count"
    );

    // A new failure an exception covers is accepted, not a regression (monitoring fails 5.4
    // and 5.11 like any container here: the exception must cover both).
    run(&d, "monitoring", &["--cap-add", "SYS_ADMIN"]);
    let exc = tempfile::tempdir().unwrap();
    let file = exc.path().join("exceptions.toml");
    std::fs::write(
        &file,
        "[[exception]]\nid = \"EXC-1\"\nrules = [\"5.4\", \"5.11\"]\ncontainers = [\"monitoring\"]\njustification = \"agent\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    let fourth = tempfile::tempdir().unwrap();
    let r4 = scan(
        &d,
        fourth.path(),
        &[
            "--format",
            "json",
            "--baseline",
            &base2,
            "--fail-on",
            "new",
            "--exceptions",
            &file.display().to_string(),
        ],
    );
    assert_eq!(
        r4.code, 0,
        "a waived new failure is no regression:\n{}",
        r4.stdout
    );
}

#[test]
fn fail_on_new_needs_a_readable_baseline() {
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            "unix:///nonexistent/x.sock",
            "--fail-on",
            "new",
        ],
        out.path(),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--fail-on new counts regressions against a baseline"),
        "{}",
        r.stderr
    );
    let bad = out.path().join("old.json");
    std::fs::write(&bad, "{\"schema_version\": 1,\n \"tool\": 3}").unwrap();
    let b = bad.display().to_string();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            "unix:///nonexistent/x.sock",
            "--baseline",
            &b,
        ],
        out.path(),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&format!("{b}:2:")), "{}", r.stderr);
    assert!(r.report.is_none(), "nothing is scanned");
}

/// deploy/periodic/bollwerk-nightly keeps dated reports and compares each run with the last;
/// the systemd units that run it pass `systemd-analyze verify`.
#[test]
fn the_nightly_script_keeps_dated_reports_and_alerts_on_change_only() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    run(&d, "keep", &["--cap-add", "SYS_ADMIN"]);
    let reports = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/periodic/bollwerk-nightly"
    );
    let nightly = || {
        std::process::Command::new(script)
            .args(["--docker-host", &d.socket_url(), "--include", "5.4"])
            .env("BOLLWERK_REPORTS", reports.path())
            .env("BOLLWERK", env!("CARGO_BIN_EXE_bollwerk"))
            .env_remove("DOCKER_HOST")
            .output()
            .unwrap()
    };
    let first = nightly();
    assert_eq!(
        first.status.code(),
        Some(1),
        "the first run counts every failure"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100)); // a new dated folder
    let second = nightly();
    assert_eq!(
        second.status.code(),
        Some(0),
        "nothing changed: no alert\n{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let mut runs: Vec<_> = std::fs::read_dir(reports.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runs[1].join("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["baseline"]["file"],
        runs[0].join("report.json").display().to_string()
    );
    run(&d, "fresh", &["--cap-add", "SYS_ADMIN"]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(nightly().status.code(), Some(1), "a new failure alerts");

    // The units, with ExecStart pointing at the script, are valid for systemd.
    let units = tempfile::tempdir().unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/periodic");
    for unit in ["bollwerk-audit.service", "bollwerk-audit.timer"] {
        let text = std::fs::read_to_string(format!("{dir}/{unit}"))
            .unwrap()
            .replace("/usr/local/bin/bollwerk-nightly", script);
        std::fs::write(units.path().join(unit), text).unwrap();
    }
    let o = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(units.path().join("bollwerk-audit.service"))
        .arg(units.path().join("bollwerk-audit.timer"))
        .output()
        .expect(
            "systemd-analyze (Debian's systemd package) must be installed: run scripts/test.sh",
        );
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && !said.contains("bollwerk-audit"),
        "systemd-analyze verify: {said}"
    );
}

#[test]
fn under_another_numbering_an_exception_covers_only_its_own_rule() {
    // Under CIS 1.6.0 numbering, "5.4" is bollwerk's 5.5 (privileged) and "5.5" bollwerk's
    // 5.6 (sensitive host folders). An exception on bollwerk's 5.5 waives the first only.
    let dir = tempfile::tempdir().unwrap();
    let exceptions = dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"EXC-PRIV\"\nrules = [\"5.5\"]\ncontainers = [\"shop-web-1\"]\n\
         justification = \"The device agent needs it.\"\nowner = \"ops@example.com\"\n\
         expires = 2099-01-31\n",
    )
    .unwrap();
    let exceptions = exceptions.display().to_string();
    let mut old = support::scan::base_snapshot();
    old["containers"][0]["inspect"]["HostConfig"]["Privileged"] = true.into();
    let mut new = old.clone();
    new["containers"][0]["inspect"]["Mounts"] = serde_json::json!([{
        "Type": "bind", "Source": "/etc", "Destination": "/host-etc", "Mode": "ro",
        "RW": false, "Propagation": "rprivate"
    }]);
    let numbering = ["--benchmark", "cis-docker-1.6.0", "--format", "json"];
    let scan = |snapshot: &serde_json::Value, name: &str, extra: &[&str]| {
        let args = [&numbering[..], &["--exceptions", &exceptions], extra].concat();
        support::scan::scan_snapshot(snapshot, dir.path(), name, &args)
    };
    let first = scan(&old, "old", &[]);
    first.expect_instance("5.4", "shop-web-1", "fail");
    let base = baseline_of(&dir.path().join("old"));
    let second = scan(&new, "new", &["--baseline", &base, "--fail-on", "new"]);
    second.expect_instance("5.5", "shop-web-1", "fail");
    let report = second.report.as_ref().unwrap();
    assert_eq!(
        report["baseline"]["regressions"], 1,
        "{}",
        report["baseline"]
    );
    assert_eq!(second.code, 1, "{}", second.stdout);
}
