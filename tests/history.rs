//! `bollwerk history`: real scans of a fixture host tree changed between them (a unit file's
//! mode and owner, an exception), stored under folder names that sort against their times;
//! the history orders them by the scans' own times and dates every rule's first failure and
//! fix, in JSON (read back into its type), CSV and an HTML page whose host text is escaped.

mod browser;
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use support::fixture::HostTree;
use support::scan::bollwerk;

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-history-test.sock";
const UNIT: &str = "lib/systemd/system/docker.service";
const HOSTILE: &str = "other<script>alert(1)</script>";

fn scan(host: &HostTree, out: &Path, extra: &[&str]) {
    let root = host.root_arg();
    let mut args = vec![
        "scan",
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "--include",
        "3.1,3.2",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let r = bollwerk(&args, out);
    r.report();
    // Scans a second apart: their start times order them.
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

fn history(inputs: &[&Path], out: &Path, extra: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .arg("history")
        .args(inputs)
        .args(["-o"])
        .arg(out)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn history_dates_first_failures_and_fixes_by_the_scans_own_times() {
    let host = HostTree::new();
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path();
    // Folder names sort against the scans' times: z is the first scan, a the last.
    host.write(UNIT, "[Service]\n", 0o666);
    scan(&host, &runs.join("z-first"), &[]); // 3.2 fails, 3.1 passes
    host.own(UNIT, 1000, 1000);
    scan(&host, &runs.join("m-second"), &[]); // both fail
    host.write(UNIT, "[Service]\n", 0o644);
    let exceptions = runs.join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"E1\"\nrules = [\"3.1\"]\njustification = \"moving\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    let e = exceptions.display().to_string();
    scan(&host, &runs.join("c-third"), &["--exceptions", &e]); // 3.2 fixed, 3.1 waived
    scan(&host, &runs.join("a-fourth"), &[]); // 3.1 still failing
                                              // Another host's report among them, with a hostile name, and a broken file.
    let mut other: Value =
        serde_json::from_str(&std::fs::read_to_string(runs.join("a-fourth/report.json")).unwrap())
            .unwrap();
    other["run"]["hostname"] = Value::from(HOSTILE);
    std::fs::create_dir_all(runs.join("other")).unwrap();
    std::fs::write(runs.join("other/report.json"), other.to_string()).unwrap();
    std::fs::write(runs.join("broken.json"), "{ not json").unwrap();
    std::fs::remove_file(&exceptions).unwrap();

    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = history(&[runs], out.path(), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "skipped {}: not a bollwerk report",
            runs.join("broken.json").display()
        )),
        "{stderr}"
    );
    let text = std::fs::read_to_string(out.path().join("history.json")).unwrap();
    let typed: Result<bollwerk::report::history::History, _> = serde_json::from_str(&text);
    assert!(typed.is_ok(), "history.json: {:?}", typed.err());
    let h: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        h["hosts"].as_array().unwrap().len(),
        2,
        "one series per host"
    );
    let me = h["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["hostname"] == "fixture-host")
        .unwrap();
    let scans = me["scans"].as_array().unwrap();
    let files: Vec<&str> = scans.iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 4);
    for (f, want) in files
        .iter()
        .zip(["z-first", "m-second", "c-third", "a-fourth"])
    {
        assert!(f.contains(want), "ordered by start time: {files:?}");
    }
    assert_eq!(scans[2]["exceptions_in_force"], 1);
    assert_eq!(scans[2]["counts"]["waived"], 1);
    assert_eq!(scans[0]["score"], 50);
    let rule = |id: &str| {
        me["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in {me:#}"))
            .clone()
    };
    let r32 = rule("3.2");
    assert_eq!(r32["first_failed"], scans[0]["started_at"]);
    assert_eq!(r32["fixed"], scans[2]["started_at"]);
    assert_eq!(r32["failing_now"], false);
    assert_eq!(r32["failed_in"], 2);
    let r31 = rule("3.1");
    assert_eq!(r31["first_failed"], scans[1]["started_at"]);
    assert_eq!(r31["failing_now"], true);
    assert!(r31["fixed"].is_null());
    assert_eq!(r31["failed_in"], 2, "a waived scan is not a failure");
    assert_eq!(r31["waived_in"], 1);
    assert_eq!(r31["waived_now"], false);
    assert_eq!(r31["last_failed"], scans[3]["started_at"]);

    // CSV: a header and a row per scan; a row per rule that failed.
    let csv = std::fs::read_to_string(out.path().join("history.csv")).unwrap();
    assert!(
        csv.starts_with("host,started_at,file,score,score_without_exceptions,pass,fail,waived,")
    );
    assert_eq!(csv.lines().count(), 1 + 4 + 1);
    let rules = std::fs::read_to_string(out.path().join("history-rules.csv")).unwrap();
    assert!(
        rules
            .lines()
            .any(|l| l.starts_with("fixture-host,3.1,") && l.ends_with(",true,2,false,1")),
        "{rules}"
    );
    // HTML: charts as inline SVG, the hostile host name as text.
    let html = std::fs::read_to_string(out.path().join("history.html")).unwrap();
    assert!(html.matches("<svg").count() >= 6, "three charts per host");
    assert!(html.contains("<polyline class=\"line c0\" points=\""));
    assert!(!html.contains("<script>"), "host name not escaped");
    assert!(html.contains("other&lt;script&gt;"));
    assert!(stdout.contains("fixture-host: 4 scans"), "{stdout}");
    // The page, as a browser reads it: no console message (CSP, markup), the charts drawn,
    // the hostile host name shown as text.
    let mut chrome = browser::Chromium::launch();
    let probe = r#"({
        charts: document.querySelectorAll('figure.chart svg polyline').length,
        scripts: document.querySelectorAll('script').length,
        text: document.body.textContent,
    })"#;
    let (tab, f) = chrome.inspect(&out.path().join("history.html"), 1280, 900, probe);
    f.assert_quiet("history.html");
    assert!(f.dom["charts"].as_u64().unwrap() >= 6, "{:?}", f.dom);
    assert_eq!(f.dom["scripts"], 0, "host text became a script");
    assert!(f.dom["text"].as_str().unwrap_or_default().contains(HOSTILE));
    chrome.close(tab);

    // --host keeps one host.
    let one = tempfile::tempdir().unwrap();
    let (code, _, _) = history(
        &[runs],
        one.path(),
        &["--host", "fixture-host", "--format", "json"],
    );
    assert_eq!(code, 0);
    let h: Value =
        serde_json::from_str(&std::fs::read_to_string(one.path().join("history.json")).unwrap())
            .unwrap();
    assert_eq!(h["hosts"].as_array().unwrap().len(), 1);
    assert!(
        !one.path().join("history.html").exists(),
        "only the formats asked for"
    );
    // No report at all: one line, exit 2.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) = history(&[empty.path()], one.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no bollwerk report found"), "{stderr}");
}

#[test]
fn two_machines_of_one_name_are_two_hosts_in_the_history_and_the_fleet() {
    let host = HostTree::new();
    let id = "5f2a0e3c9d8b4a7e8f1c2b3a4d5e6f70";
    host.write("etc/machine-id", &format!("{id}\n"), 0o444);
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    scan(&host, &runs.join("a"), &[]);
    let text = std::fs::read_to_string(runs.join("a/report.json")).unwrap();
    let mut report: Value = serde_json::from_str(&text).unwrap();
    let machine = report["run"]["machine"].as_str().unwrap().to_string();
    assert_eq!(machine.len(), 16, "{machine}");
    assert!(!text.contains(id), "the machine id itself is not written");
    // A clone of the machine under the same name, scanned a day later.
    report["run"]["machine"] = Value::from("00112233aabbccdd");
    report["run"]["started_at"] = Value::from("2099-01-01T10:00:00Z");
    std::fs::create_dir_all(runs.join("b")).unwrap();
    std::fs::write(runs.join("b/report.json"), report.to_string()).unwrap();

    let out = dir.path().join("history");
    let (code, stdout, stderr) = history(&[&runs], &out, &["--format", "json,csv"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let h: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("history.json")).unwrap()).unwrap();
    let series: Vec<(&str, &str, usize)> = h["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let scans = x["scans"].as_array().unwrap().len();
            (
                x["hostname"].as_str().unwrap(),
                x["machine"].as_str().unwrap(),
                scans,
            )
        })
        .collect();
    assert_eq!(
        series,
        [
            ("fixture-host", "00112233aabbccdd", 1),
            ("fixture-host", machine.as_str(), 1)
        ]
    );
    let csv = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert!(
        csv.contains(&format!("fixture-host (machine {machine}),")),
        "{csv}"
    );
    // The terminal's lines tell the two apart too.
    assert!(
        stdout.contains(&format!("fixture-host (machine {machine}): 1 scans"))
            && stdout.contains("fixture-host (machine 00112233aabbccdd): 1 scans"),
        "{stdout}"
    );

    // The fleet keeps both: neither supersedes the other.
    let fleet_out = dir.path().join("fleet");
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(["report", "--merge"])
        .arg(&runs)
        .args(["--format", "json", "-o"])
        .arg(&fleet_out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fleet: Value =
        serde_json::from_str(&std::fs::read_to_string(fleet_out.join("fleet.json")).unwrap())
            .unwrap();
    assert_eq!(
        fleet["hosts"].as_array().unwrap().len(),
        2,
        "{}",
        fleet["superseded"]
    );
    assert_eq!(fleet["superseded"], serde_json::json!([]));
}

#[test]
fn a_rule_keeps_its_trend_when_the_numbering_changes() {
    // The same host, unchanged, scanned with CIS 1.8.0's numbering and a week later with
    // 1.6.0's (`--benchmark cis-docker-1.6.0`): every rule is matched by bollwerk's id, so
    // nothing is called fixed or new; each trend shows the id the newest scan uses.
    let dir = tempfile::tempdir().unwrap();
    let mut snap = support::scan::base_snapshot();
    snap["containers"][0]["inspect"]["HostConfig"]["Privileged"] = Value::from(true);
    snap["started_at"] = Value::from("2026-11-28T09:00:00Z");
    let old = support::scan::scan_snapshot(&snap, dir.path(), "w1", &["--format", "json"]);
    snap["started_at"] = Value::from("2026-12-05T09:00:00Z");
    let new = support::scan::scan_snapshot(
        &snap,
        dir.path(),
        "w2",
        &["--format", "json", "--benchmark", "cis-docker-1.6.0"],
    );
    // The privileged container fails the same rule under two ids.
    let privileged = |run: &support::scan::Run| -> String {
        run.report()["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["title"].as_str().unwrap().contains("rivileged") && r["status"] == "fail")
            .expect("a failing rule on privileged containers")["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (old_id, new_id) = (privileged(&old), privileged(&new));
    assert_ne!(old_id, new_id, "the numberings should differ for this rule");
    let out = dir.path().join("out");
    let (code, _, stderr) = history(&[&dir.path().join("w1"), &dir.path().join("w2")], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let h: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("history.json")).unwrap()).unwrap();
    let rules = h["hosts"][0]["rules"].as_array().unwrap();
    let failing = new.report()["summary"]["counts"]["fail"].as_u64().unwrap();
    assert_eq!(rules.len() as u64, failing, "{rules:#?}");
    for t in rules {
        assert!(t["fixed"].is_null(), "{t}");
        assert_eq!(t["failed_in"], 2, "{t}");
        assert_eq!(t["failing_now"], true, "{t}");
        assert_eq!(t["first_failed"], "2026-11-28T09:00:00Z", "{t}");
    }
    // The privileged rule's trend has the id the newest scan gives it.
    let t = rules
        .iter()
        .find(|t| t["id"] == new_id.as_str())
        .unwrap_or_else(|| panic!("no trend with id {new_id}: {rules:#?}"));
    assert!(t["title"].as_str().unwrap().contains("rivileged"), "{t}");
}

#[test]
fn a_waived_failure_is_neither_failing_nor_fixed_and_a_later_pass_fixes_it() {
    // 3.1 (the unit file's owner) fails, is then waived by an exception in force, then
    // passes: the history counts the waived scan as waived, not failed, as the host's report
    // and the fleet do, and dates the fix to the pass.
    let host = HostTree::new();
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path();
    host.write(UNIT, "[Service]\n", 0o644);
    host.own(UNIT, 1000, 1000);
    scan(&host, &runs.join("1-failed"), &[]);
    let exceptions = runs.join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"E1\"\nrules = [\"3.1\"]\njustification = \"moving\"\nexpires = 2099-01-01\n",
    )
    .unwrap();
    let e = exceptions.display().to_string();
    scan(&host, &runs.join("2-waived"), &["--exceptions", &e]);
    let waived: Value =
        serde_json::from_str(&std::fs::read_to_string(runs.join("2-waived/report.json")).unwrap())
            .unwrap();
    let r = waived["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "3.1")
        .unwrap();
    assert_eq!(
        (&r["status"], &r["waived"]),
        (&Value::from("fail"), &Value::from(true))
    );

    let trend = |inputs: &[&Path], out: &Path| -> (Value, Value, String, String, String) {
        let (code, stdout, stderr) = history(inputs, out, &[]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        let h: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("history.json")).unwrap())
                .unwrap();
        let me = &h["hosts"][0];
        let r31 = me["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "3.1")
            .unwrap_or_else(|| panic!("3.1 not in {me:#}"))
            .clone();
        let rules = std::fs::read_to_string(out.join("history-rules.csv")).unwrap();
        let html = std::fs::read_to_string(out.join("history.html")).unwrap();
        (me["scans"].clone(), r31, rules, html, stdout)
    };

    // Waived now: not failing, not fixed, shown as waived.
    let out = dir.path().join("out-waived");
    let (scans, r31, rules, html, stdout) =
        trend(&[&runs.join("1-failed"), &runs.join("2-waived")], &out);
    assert_eq!(r31["failing_now"], false, "{r31}");
    assert_eq!(r31["waived_now"], true, "{r31}");
    assert_eq!(r31["failed_in"], 1, "{r31}");
    assert_eq!(r31["waived_in"], 1, "{r31}");
    assert_eq!(r31["first_failed"], scans[0]["started_at"]);
    assert_eq!(r31["last_failed"], scans[0]["started_at"]);
    assert!(r31["fixed"].is_null(), "waived is not fixed: {r31}");
    assert!(
        rules.starts_with(
            "host,rule,title,first_failed,last_failed,fixed,failing_now,failed_in,waived_now,waived_in\r\n"
        ),
        "{rules}"
    );
    assert!(
        rules
            .lines()
            .any(|l| l.starts_with("fixture-host,3.1,") && l.ends_with(",,false,1,true,1")),
        "{rules}"
    );
    assert!(html.contains("<tr class=\"waived\"><td>3.1</td>"), "{html}");
    assert!(html.contains("waived (accepted risk)"), "{html}");
    assert!(
        stdout.contains("0 rules failing now, 1 waived now, 0 fixed"),
        "{stdout}"
    );

    // Then it passes: fixed at that scan, after the waiver.
    host.own(UNIT, 0, 0);
    scan(&host, &runs.join("3-passed"), &[]);
    std::fs::remove_file(&exceptions).unwrap();
    let out = dir.path().join("out-passed");
    let (scans, r31, rules, _, _) = trend(&[runs], &out);
    assert_eq!(scans.as_array().unwrap().len(), 3);
    assert_eq!(r31["failing_now"], false, "{r31}");
    assert_eq!(r31["waived_now"], false, "{r31}");
    assert_eq!(r31["failed_in"], 1, "{r31}");
    assert_eq!(r31["waived_in"], 1, "{r31}");
    assert_eq!(r31["last_failed"], scans[0]["started_at"]);
    assert_eq!(r31["fixed"], scans[2]["started_at"], "{r31}");
    assert!(
        rules
            .lines()
            .any(|l| l.starts_with("fixture-host,3.1,") && l.ends_with(",false,1,false,1")),
        "{rules}"
    );

    // A report of a bollwerk before `waived` existed reads as not waived.
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(runs.join("2-waived/report.json")).unwrap())
            .unwrap();
    for r in old["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("waived");
    }
    let older = dir.path().join("older");
    std::fs::create_dir_all(&older).unwrap();
    std::fs::write(older.join("report.json"), old.to_string()).unwrap();
    let out = dir.path().join("out-older");
    let (_, r31, _, _, _) = trend(&[&older], &out);
    assert_eq!(
        (&r31["failing_now"], &r31["waived_now"]),
        (&Value::from(true), &Value::from(false))
    );
}
