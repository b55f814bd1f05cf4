//! `bollwerk diff` on two scans of a real private daemon, with containers recreated, stopped,
//! removed and added between them: the diff must say exactly that, and never call something
//! resolved that was only removed, stopped or left out of the comparison.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::scan::{bollwerk, scan_snapshot, Run};

fn run(d: &PrivateDaemon, name: &str, args: &[&str]) {
    d.run_sleeping(name, &[&["--network", "none"], args].concat());
}

fn scan(d: &PrivateDaemon, out: &Path, extra: &[&str]) -> Run {
    let sock = d.socket_url();
    let mut args = vec!["scan", "--docker-host", &sock, "--format", "json"];
    args.extend_from_slice(extra);
    let r = bollwerk(&args, out);
    r.report();
    r
}

/// Runs `bollwerk diff OLD NEW --format json,terminal,html,markdown -o OUT`: (exit code,
/// terminal output, diff.json).
fn diff(old: &Path, new: &Path, out: &Path) -> (i32, String, Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .arg("diff")
        .arg(old.join("report.json"))
        .arg(new.join("report.json"))
        .args(["--format", "terminal,json,html,markdown", "-o"])
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .expect("run bollwerk diff");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.code() != Some(2),
        "bollwerk diff failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("diff.json")).unwrap()).unwrap();
    // The JSON reads back into the documented type, unknown fields refused.
    let typed: Result<bollwerk::report::diff::Diff, _> = serde_json::from_value(json.clone());
    assert!(typed.is_ok(), "diff.json: {:?}", typed.err());
    (o.status.code().unwrap_or(-1), stdout, json)
}

/// The changes of `kind` for `rule`, as instance names (`-` for a rule-level change).
fn names(d: &Value, kind: &str, rule: &str) -> Vec<String> {
    let mut out: Vec<String> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind && c["rule"] == rule)
        .map(|c| c["instance"]["name"].as_str().unwrap_or("-").to_string())
        .collect();
    out.sort();
    out
}

fn change<'a>(d: &'a Value, kind: &str, rule: &str, name: &str) -> &'a Value {
    d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind && c["rule"] == rule && c["instance"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} of {rule} for {name} in {d:#}"))
}

#[test]
fn diff_says_what_changed_between_two_scans_of_a_daemon() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    // keep: weak in both scans. fixme: weak, then recreated with limits under the same name.
    // gone: removed between the scans. stopper: stopped (so not in a scan without --all).
    for name in ["keep", "fixme", "gone", "stopper"] {
        run(&d, name, &[]);
    }
    let first = tempfile::tempdir().unwrap();
    let r1 = scan(&d, first.path(), &[]);
    r1.expect_instance("5.11", "fixme", "fail");
    r1.expect_instance("5.4", "keep", "pass");

    d.docker(&["rm", "-f", "fixme", "gone"]);
    d.docker(&["stop", "-t", "0", "stopper"]);
    run(&d, "fixme", &["--memory", "64m", "--pids-limit", "50"]);
    // fresh: new in the second scan, and holding a capability beyond Docker's default set.
    run(&d, "fresh", &["--cap-add", "SYS_ADMIN"]);
    let second = tempfile::tempdir().unwrap();
    let r2 = scan(&d, second.path(), &[]);
    r2.expect_instance("5.11", "fixme", "pass");

    let out = tempfile::tempdir().unwrap();
    let (code, terminal, diff_json) = diff(first.path(), second.path(), out.path());
    assert_eq!(code, 1, "a new failure is a regression:\n{terminal}");

    // The recreated container is the same instance, matched by name, and its fix is resolved.
    assert_eq!(names(&diff_json, "resolved", "5.11"), vec!["fixme"]);
    assert_eq!(names(&diff_json, "resolved", "5.29"), vec!["fixme"]);
    let fixed = change(&diff_json, "resolved", "5.11", "fixme");
    assert_eq!(fixed["instance"]["recreated"], true);
    assert_ne!(fixed["instance"]["old_id"], fixed["instance"]["new_id"]);
    assert_eq!(names(&diff_json, "still-failing", "5.11"), vec!["keep"]);
    // The new container fails 5.4 and BW-CAP-DANGEROUS: new failures.
    assert_eq!(names(&diff_json, "new-failure", "5.4"), vec!["fresh"]);
    assert!(names(&diff_json, "new-failure", "5.11").contains(&"fresh".to_string()));
    // Removed and stopped containers are removed instances, never resolved.
    assert_eq!(
        names(&diff_json, "instance-removed", "5.11"),
        vec!["gone", "stopper"]
    );
    for c in diff_json["changes"].as_array().unwrap() {
        if c["kind"] == "resolved" {
            assert_eq!(c["instance"]["name"], "fixme", "only fixme was fixed: {c}");
        }
    }
    // People's formats say the same.
    assert!(terminal.contains("New failures ("), "{terminal}");
    assert!(
        terminal.contains("5.11 [medium] container fixme (recreated): fail → pass"),
        "{terminal}"
    );
    let md = std::fs::read_to_string(out.path().join("diff.md")).unwrap();
    assert!(md.contains("## Resolved ("), "{md}");
    let html = std::fs::read_to_string(out.path().join("diff.html")).unwrap();
    assert!(html.contains("container fixme (recreated)"));
    assert!(html.contains("Content-Security-Policy"));

    // A scan compared with itself: nothing but what still fails, exit 0.
    let same = tempfile::tempdir().unwrap();
    let (code, terminal, json) = diff(second.path(), second.path(), same.path());
    assert_eq!(code, 0, "{terminal}");
    let kinds: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().all(|k| *k == "still-failing"), "{terminal}");
    let failing: usize = r2.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r["instances"].as_array().unwrap().as_slice() {
            [] => usize::from(r["status"] == "fail"),
            list => list.iter().filter(|i| i["status"] == "fail").count(),
        })
        .sum();
    assert_eq!(kinds.len(), failing, "{terminal}");

    // With --all the stopped container is back: per-container rules cannot be compared with a
    // scan without it, and nothing about them is called resolved or new.
    let third = tempfile::tempdir().unwrap();
    scan(&d, third.path(), &["--all", "--level", "1"]);
    let cmp = tempfile::tempdir().unwrap();
    let (_, terminal, json) = diff(second.path(), third.path(), cmp.path());
    assert!(terminal.contains("--all"), "{terminal}");
    let changes = json["changes"].as_array().unwrap();
    let per_container: Vec<&Value> = changes.iter().filter(|c| c["rule"] == "5.11").collect();
    assert_eq!(per_container.len(), 1, "{per_container:?}");
    assert_eq!(per_container[0]["kind"], "incomparable");
    // Level-2 rules are in the old scan only: incomparable, not resolved.
    let level2 = r2.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["level"] == 2 && r["scope"] == "host")
        .expect("a level-2 host rule")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let gone: Vec<&Value> = changes.iter().filter(|c| c["rule"] == level2).collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["kind"], "incomparable");
    assert!(gone[0]["reason"]
        .as_str()
        .unwrap()
        .contains("only in the old scan"));
}

#[test]
fn diff_of_unreadable_reports_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"schema_version\": 1,\n\"tool\": 7}\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .arg("diff")
        .arg(&bad)
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("{}:2", bad.display())), "{err}");
}

#[test]
fn a_rule_that_could_not_be_decided_any_more_is_a_regression() {
    // The old scan judged 5.16 on its one container (pass); in the new one the daemon's list
    // of containers could not be read, so 5.16 is error with no instances. That is a
    // regression (the audit is incomplete), not merely "container removed".
    let base = support::scan::base_snapshot();
    let mut broken = base.clone();
    broken["containers"] = serde_json::json!([]);
    broken["errors"] = serde_json::json!([
        {"fact": "containers", "message": "GET /containers/json: timed out"}
    ]);
    let dir = tempfile::tempdir().unwrap();
    let old = scan_snapshot(&base, dir.path(), "old", &["--include", "5.16"]);
    old.expect("5.16", "pass");
    let new = scan_snapshot(&broken, dir.path(), "new", &["--include", "5.16"]);
    new.expect("5.16", "error");
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    let (code, stdout, json) = diff(&old_dir, &new_dir, &dir.path().join("diff"));
    assert_eq!(code, 1, "a regression exits 1:\n{stdout}");
    assert_eq!(names(&json, "status-changed", "5.16"), ["-"], "{json:#}");
    let rule_level = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "5.16" && c["instance"].is_null())
        .unwrap();
    assert_eq!(rule_level["new_status"], "error", "{rule_level}");
}

#[test]
fn host_text_in_the_markdown_diff_shows_as_typed() {
    // A published port's host address as a host may report it: an entity and a struck-through
    // span. In diff.md every markup character of it is escaped, `&` and `~` included, so a
    // Markdown viewer shows the text as it was, not "&" and struck-through words.
    let base = support::scan::base_snapshot();
    let mut changed = base.clone();
    changed["containers"][0]["inspect"]["NetworkSettings"]["Ports"]["80/tcp"][0]["HostIp"] =
        Value::from("x &amp; ~~struck~~");
    let dir = tempfile::tempdir().unwrap();
    scan_snapshot(&base, dir.path(), "old", &["--include", "5.14"]);
    scan_snapshot(&changed, dir.path(), "new", &["--include", "5.14"]);
    let out = dir.path().join("diff");
    diff(&dir.path().join("old"), &dir.path().join("new"), &out);
    let md = std::fs::read_to_string(out.join("diff.md")).unwrap();
    assert!(md.contains("now x \\&amp; \\~\\~struck\\~\\~"), "{md}");
    assert!(!md.contains(" &amp;") && !md.contains(" ~~"), "{md}");
}

#[test]
fn different_custom_rule_files_are_different_rule_sets() {
    // Two `--checks` folders with the same rule id, one failing on this host and one passing
    // (an edited rule file): the rule sets differ, so the diff says so and calls nothing
    // resolved. The same files in another folder are the same rule set.
    let dir = tempfile::tempdir().unwrap();
    let rule = |hostname: &str| {
        format!(
            "[[rule]]\nid = \"BW-LOCAL-1\"\ntitle = \"The host has its name\"\n\
             description = \"d\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\n\
             assessment = \"automated\"\nseverity = \"low\"\nscope = \"host\"\n\
             check = {{ fact = \"host.hostname\", equals = \"{hostname}\" }}\n"
        )
    };
    let folder = |name: &str, text: &str| {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("local.toml"), text).unwrap();
        d.to_str().unwrap().to_string()
    };
    let (a, b, again) = (
        folder("rules-a", &rule("elsewhere")),
        folder("rules-b", &rule("docker-prod-00")),
        folder("rules-a-copy", &rule("elsewhere")),
    );
    let base = support::scan::base_snapshot();
    let scan = |name: &str, checks: &str| {
        scan_snapshot(
            &base,
            dir.path(),
            name,
            &[
                "--checks",
                checks,
                "--include",
                "BW-LOCAL-1",
                "--format",
                "json",
            ],
        )
    };
    let (old, new, copy) = (scan("old", &a), scan("new", &b), scan("copy", &again));
    old.expect("BW-LOCAL-1", "fail");
    new.expect("BW-LOCAL-1", "pass");
    let version = |r: &Run| {
        r.report()["tool"]["rules_version"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let prefix = format!("{}+custom.", env!("CARGO_PKG_VERSION"));
    for v in [version(&old), version(&new)] {
        let digest = v.strip_prefix(&prefix).unwrap_or_else(|| panic!("{v}"));
        assert!(
            digest.len() == 12 && digest.bytes().all(|c| c.is_ascii_hexdigit()),
            "{v}"
        );
    }
    assert_ne!(version(&old), version(&new), "different rule files");
    assert_eq!(
        version(&old),
        version(&copy),
        "the same rule files elsewhere"
    );

    let (_, stdout, json) = diff(
        &dir.path().join("old"),
        &dir.path().join("new"),
        &dir.path().join("diff"),
    );
    let notes = json["scope_notes"].to_string();
    assert!(notes.contains("different rule sets"), "{notes}\n{stdout}");
    assert!(
        names(&json, "resolved", "BW-LOCAL-1").is_empty(),
        "{stdout}"
    );
}

#[test]
fn two_machines_of_one_name_are_not_compared_as_one_host() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap = support::scan::base_snapshot();
    snap["host"]["machine"] = Value::from("00112233aabbccdd");
    let old = scan_snapshot(&snap, dir.path(), "old", &["--format", "json"]);
    // A clone under the same name, with a privileged container the first has not.
    snap["host"]["machine"] = Value::from("99887766ffeeddcc");
    snap["containers"][0]["inspect"]["HostConfig"]["Privileged"] = Value::from(true);
    let new = scan_snapshot(&snap, dir.path(), "new", &["--format", "json"]);
    assert_eq!(old.report()["run"]["machine"], "00112233aabbccdd");
    assert_eq!(new.report()["run"]["machine"], "99887766ffeeddcc");
    let (_, stdout, json) = diff(
        &dir.path().join("old"),
        &dir.path().join("new"),
        &dir.path().join("diff"),
    );
    let notes = json["scope_notes"].to_string();
    assert!(
        notes.contains("different machines of the same name"),
        "{notes}\n{stdout}"
    );
    assert!(
        names(&json, "new-failure", "5.5").is_empty(),
        "another machine's finding is no regression: {stdout}"
    );
    assert!(!names(&json, "incomparable", "5.5").is_empty(), "{stdout}");
}

#[test]
fn the_summary_leads_with_regressions_and_a_swapped_pair_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap = support::scan::base_snapshot();
    snap["started_at"] = Value::from("2026-11-28T09:00:00Z");
    scan_snapshot(&snap, dir.path(), "old", &["--format", "json"]);
    // A day later a container is privileged.
    snap["started_at"] = Value::from("2026-11-29T09:00:00Z");
    snap["containers"][0]["inspect"]["HostConfig"]["Privileged"] = Value::from(true);
    scan_snapshot(&snap, dir.path(), "new", &["--format", "json"]);
    let (code, stdout, json) = diff(
        &dir.path().join("old"),
        &dir.path().join("new"),
        &dir.path().join("diff"),
    );
    assert_eq!(code, 1, "{stdout}");
    let regressions = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "new-failure")
        .count();
    assert!(regressions > 0, "{stdout}");
    let plural = if regressions == 1 { "" } else { "s" };
    assert!(
        stdout.contains(&format!("{regressions} regression{plural}: ")),
        "{stdout}"
    );
    // Given the wrong way round, the fixes it shows are named as suspect.
    let (_, stdout, json) = diff(
        &dir.path().join("new"),
        &dir.path().join("old"),
        &dir.path().join("swapped"),
    );
    let warning = json["order_warning"].as_str().unwrap_or_default();
    assert!(warning.contains("wrong way round"), "{json}");
    assert!(stdout.contains("wrong way round"), "{stdout}");
    // Every rule was compared: the order is no scope note.
    assert_eq!(json["scope_notes"], serde_json::json!([]), "{json}");
}

#[test]
fn added_and_removed_containers_and_images_are_counted_once_each() {
    // Three containers more and the one image gone: every rule on containers and images has
    // a result for each, but the diff counts containers and images, and names the results as
    // results.
    let base = support::scan::base_snapshot();
    let mut grown = base.clone();
    let first = base["containers"][0].clone();
    let mut containers = vec![first.clone()];
    for n in 1..=3 {
        let mut c = first.clone();
        let id = format!("{n}{}", &first["id"].as_str().unwrap()[1..]);
        c["id"] = Value::from(id.clone());
        c["inspect"]["Id"] = Value::from(id);
        c["name"] = Value::from(format!("extra-{n}"));
        c["inspect"]["Name"] = Value::from(format!("/extra-{n}"));
        containers.push(c);
    }
    grown["containers"] = Value::from(containers);
    grown["images"] = serde_json::json!([]);
    let dir = tempfile::tempdir().unwrap();
    scan_snapshot(&base, dir.path(), "old", &["--include", "4,5"]);
    scan_snapshot(&grown, dir.path(), "new", &["--include", "4,5"]);
    let out = dir.path().join("diff");
    let (_, terminal, json) = diff(&dir.path().join("old"), &dir.path().join("new"), &out);
    assert_eq!(
        json["instances"],
        serde_json::json!({"containers_added": 3, "images_added": 0, "containers_removed": 0, "images_removed": 1}),
        "{json:#}"
    );
    // The results are many more, and named so.
    let added_results = json["counts"]["instance-added"].as_u64().unwrap();
    assert!(added_results > 3, "{json:#}");
    let heading = format!(
        "Containers and images added: 3 containers ({added_results} results besides new failures):"
    );
    assert!(terminal.contains(&heading), "{terminal}");
    assert!(
        terminal.contains("Containers and images removed: 1 image ("),
        "{terminal}"
    );
    let summary = terminal.lines().nth(1).unwrap();
    assert!(
        summary.contains("3 containers added") && summary.contains("1 image removed"),
        "{summary}"
    );
    assert!(!summary.contains(&format!("{added_results} ")), "{summary}");
    let md = std::fs::read_to_string(out.join("diff.md")).unwrap();
    assert!(
        md.contains("## Containers and images added: 3 containers ("),
        "{md}"
    );
    let html = std::fs::read_to_string(out.join("diff.html")).unwrap();
    assert!(
        html.contains("Containers and images added: 3 containers ("),
        "{html}"
    );
}
