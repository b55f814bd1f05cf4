//! `bollwerk report --merge`: many hosts' reports become one fleet report whose every format
//! its consumer accepts (oscap ds rds-validate and validate-xccdf.sh for ARF and per-host
//! XCCDF, the Jenkins JUnit XSD, the Fleet type with unknown fields refused, headless Chromium
//! for the HTML); mixed rule sets are marked; a broken input is named and skipped; the result
//! does not depend on the order of the inputs.
//!
//! The host reports come from one real scan of a fixture host tree (no daemon); the other
//! hosts are that report with its host name, start time or rules_version edited in the JSON,
//! which is all the merge reads to tell hosts and rule sets apart.
//!
//! oscap, xmllint and chromium must be installed (scripts/test.sh does it): a missing tool
//! fails the test.

mod browser;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use browser::Chromium;
use support::fixture::HostTree;
use support::scan::bollwerk;

const VALIDATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/validate-xccdf.sh"
);
const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit-10.xsd");
const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-fleet-test.sock";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// Reports of three hosts (plus an older run of one of them and a broken file) in `dir`.
struct Inputs {
    dir: tempfile::TempDir,
}

impl Inputs {
    /// `versions` gives each of the three hosts its rules_version (None: as scanned).
    fn new(versions: [Option<&str>; 3]) -> Inputs {
        let host = HostTree::new();
        let scanned = tempfile::tempdir().unwrap();
        let run = bollwerk(
            &[
                "scan",
                "--host-root",
                &host.root_arg(),
                "--docker-host",
                NO_DAEMON,
                "--format",
                "json,html",
            ],
            scanned.path(),
        );
        let base = run.report().clone();
        let dir = tempfile::tempdir().unwrap();
        let names = ["web-01", "db-02", HOSTILE];
        for (i, (name, version)) in names.iter().zip(versions).enumerate() {
            let mut r = base.clone();
            r["run"]["hostname"] = Value::from(*name);
            r["run"]["started_at"] = Value::from(format!("2026-01-0{}T10:00:00Z", i + 2));
            if let Some(v) = version {
                r["tool"]["rules_version"] = Value::from(v);
            }
            if i == 1 {
                // db-02 was scanned with an exceptions file: one in force, one expired.
                let record = |id: &str, state: &str| {
                    serde_json::json!({
                        "id": id, "rules": ["3"], "justification": format!("{id} <reason>"),
                        "expires": "2099-02-01T00:00:00Z", "expires_as_written": "2099-01-31",
                        "status": "accepted", "state": state, "stale": false,
                        "expiring": false, "waived": 2,
                    })
                };
                r["exceptions"] =
                    serde_json::json!([record("EXC-1", "in-force"), record("EXC-2", "expired")]);
            }
            let folder = dir.path().join(format!("host{i}/2026-01-0{}", i + 2));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("report.json"), r.to_string()).unwrap();
            if i == 0 {
                // A page beside the report: the drill-down links to it.
                std::fs::copy(
                    scanned.path().join("report.html"),
                    folder.join("report.html"),
                )
                .unwrap();
                // An older run of the same host, in a dated folder: superseded.
                let mut old = r.clone();
                old["run"]["started_at"] = Value::from("2025-12-01T10:00:00Z");
                let older = dir.path().join("host0/2025-12-01");
                std::fs::create_dir_all(&older).unwrap();
                std::fs::write(older.join("report.json"), old.to_string()).unwrap();
            }
        }
        std::fs::write(
            dir.path().join("broken.json"),
            "{\"schema_version\": 1, \"run\": ",
        )
        .unwrap();
        Inputs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Every input file, sorted.
    fn files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut todo = vec![self.path().to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }
}

/// Runs `bollwerk report --merge INPUTS --format … -o OUT`; returns (exit code, stderr).
fn merge(inputs: &[PathBuf], out: &Path, extra: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .arg("report")
        .arg("--merge")
        .args(inputs)
        .args(["--format", "json,html,arf,junit,xccdf", "-o"])
        .arg(out)
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run bollwerk");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn read_fleet(out: &Path) -> bollwerk::report::fleet::Fleet {
    let text = std::fs::read_to_string(out.join("fleet.json")).unwrap();
    serde_json::from_str(&text).expect("fleet.json reads back into the Fleet type")
}

fn run_ok(cmd: &mut Command, what: &str) -> String {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} ({e}): run scripts/test.sh"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{what} failed:\n{text}");
    text
}

#[test]
fn three_hosts_merge_into_formats_their_consumers_accept() {
    let inputs = Inputs::new([None, None, None]);
    let out = tempfile::tempdir().unwrap();
    let (code, stderr) = merge(&[inputs.path().to_path_buf()], out.path(), &[]);
    assert_eq!(code, 0, "merge failed:\n{stderr}");
    // The broken file is named on one line and skipped.
    let broken = inputs.path().join("broken.json");
    let line = format!(
        "bollwerk: skipped {}: not a bollwerk report",
        broken.display()
    );
    assert!(stderr.contains(&line), "broken input not named:\n{stderr}");

    let fleet = read_fleet(out.path());
    let names: Vec<&str> = fleet.hosts.iter().map(|h| h.hostname.as_str()).collect();
    assert_eq!(names.len(), 3, "hosts: {names:?}");
    for n in ["web-01", "db-02", HOSTILE] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(!fleet.mixed_rule_sets);
    assert_eq!(fleet.rule_sets.len(), 1);
    assert_eq!(fleet.skipped.len(), 1);
    assert_eq!(fleet.skipped[0].path, broken.display().to_string());
    // The older run of web-01 is replaced by the newer one and listed.
    assert_eq!(fleet.superseded.len(), 1, "{:?}", fleet.superseded);
    assert!(fleet.superseded[0].contains("2025-12-01"));
    let web = fleet.hosts.iter().find(|h| h.hostname == "web-01").unwrap();
    assert!(web.source.contains("2026-01-02"), "{}", web.source);
    assert!(
        web.html_report.is_some(),
        "report.html beside web-01's report not found"
    );
    for h in &fleet.hosts {
        if h.hostname == "db-02" {
            assert_eq!(
                h.exceptions,
                vec![
                    "EXC-1 until 2099-01-31 (end of day, UTC), waives 2: EXC-1 <reason>"
                        .to_string()
                ],
                "only the exception in force"
            );
        } else {
            assert!(h.exceptions.is_empty(), "{}", h.hostname);
        }
    }

    // ARF: one asset and one report per host, accepted by OpenSCAP.
    let arf = out.path().join("fleet.arf.xml");
    run_ok(
        Command::new("oscap").args(["ds", "rds-validate"]).arg(&arf),
        "oscap ds rds-validate",
    );
    run_ok(
        Command::new("bash").arg(VALIDATE).arg(&arf),
        "validate-xccdf.sh (ARF)",
    );
    let text = std::fs::read_to_string(&arf).unwrap();
    assert_eq!(text.matches("<arf:asset id=").count(), 3);
    assert_eq!(text.matches("<arf:report id=").count(), 3);
    assert_eq!(text.matches("<arf:report-request id=").count(), 1);
    assert_eq!(text.matches("arfvocab:isAbout").count(), 3);

    // Per-host XCCDF, each valid.
    let hosts_dir = out.path().join("hosts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&hosts_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    for f in &files {
        assert!(f.to_string_lossy().ends_with(".xccdf.xml"));
        run_ok(
            Command::new("bash").arg(VALIDATE).arg(f),
            "validate-xccdf.sh (host)",
        );
    }

    // JUnit: valid, one testsuite per host.
    let junit = out.path().join("fleet.junit.xml");
    run_ok(
        Command::new("xmllint")
            .args(["--noout", "--schema", XSD])
            .arg(&junit),
        "xmllint (JUnit XSD)",
    );
    let text = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(text.matches("<testsuite ").count(), 3);

    // HTML: quiet in Chromium, the hostile host name shown as text, a drill-down per host.
    let html = out.path().join("fleet.html");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains(HOSTILE), "host name not escaped");
    let mut chrome = Chromium::launch();
    let probe = r#"({
        hosts: document.querySelectorAll('details.host').length,
        rows: document.querySelectorAll('table.matrix tbody tr').length,
        imgs: document.querySelectorAll('main img').length,
        text: document.body.textContent,
    })"#;
    let (tab, f) = chrome.inspect(&html, 1280, 900, probe);
    f.assert_quiet("fleet.html");
    assert_eq!(f.dom["hosts"], 3);
    assert_eq!(f.dom["rows"], 3);
    assert_eq!(f.dom["imgs"], 0, "a host name became markup");
    let shown = f.dom["text"].as_str().unwrap_or_default();
    assert!(
        shown.contains(HOSTILE),
        "hostile host name not shown as text"
    );
    assert!(shown.contains("None in force"), "no exceptions section");
    assert!(shown.contains("EXC-1 until 2099-01-31 (end of day, UTC), waives 2: EXC-1 <reason>"));
    assert!(shown.contains("broken.json"), "skipped input not listed");
    chrome.close(tab);
}

#[test]
fn mixed_rule_sets_are_marked_in_every_format() {
    let inputs = Inputs::new([None, Some("0.0.9"), None]);
    let out = tempfile::tempdir().unwrap();
    let (code, stderr) = merge(&[inputs.path().to_path_buf()], out.path(), &[]);
    assert_eq!(code, 0, "merge failed:\n{stderr}");
    let fleet = read_fleet(out.path());
    assert!(fleet.mixed_rule_sets);
    assert_eq!(fleet.rule_sets.len(), 2);
    let db = fleet.hosts.iter().find(|h| h.hostname == "db-02").unwrap();
    assert!(db.rule_set.ends_with("rules 0.0.9"), "{}", db.rule_set);
    assert_eq!(
        fleet
            .rule_sets
            .iter()
            .map(|g| g.hosts)
            .collect::<Vec<_>>()
            .iter()
            .sum::<usize>(),
        3
    );
    let html = std::fs::read_to_string(out.path().join("fleet.html")).unwrap();
    assert!(html.contains("id=\"mixed-rule-sets\""), "no mixed banner");
    let arf = std::fs::read_to_string(out.path().join("fleet.arf.xml")).unwrap();
    assert_eq!(arf.matches("<arf:report-request id=").count(), 2);
    assert!(
        arf.contains("rules 0.0.9"),
        "ARF does not name the rule sets"
    );
    let junit = std::fs::read_to_string(out.path().join("fleet.junit.xml")).unwrap();
    assert!(junit.contains("db-02 (CIS Docker Benchmark v1.8.0, rules 0.0.9)"));
    run_ok(
        Command::new("oscap")
            .args(["ds", "rds-validate"])
            .arg(out.path().join("fleet.arf.xml")),
        "oscap ds rds-validate (mixed)",
    );
}

#[test]
fn merging_does_not_depend_on_input_order() {
    let inputs = Inputs::new([None, Some("0.0.9"), None]);
    let files = inputs.files();
    let mut reversed = files.clone();
    reversed.reverse();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(merge(&files, a.path(), &[]).0, 0);
    assert_eq!(merge(&reversed, b.path(), &[]).0, 0);
    for name in [
        "fleet.json",
        "fleet.html",
        "fleet.arf.xml",
        "fleet.junit.xml",
    ] {
        let x = std::fs::read(a.path().join(name)).unwrap();
        let y = std::fs::read(b.path().join(name)).unwrap();
        assert!(x == y, "{name} differs with the inputs in another order");
    }
}

/// Host names longer than a file name may be (255 bytes) are merged: their per-host files
/// are named by the name's first 100 bytes and a hash of the whole, so two long names that
/// differ only at the end keep files of their own, with and without `--all-runs`.
#[test]
fn hosts_with_names_longer_than_a_file_name_merge() {
    let inputs = Inputs::new([None, None, None]);
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(inputs.path().join("host0/2026-01-02/report.json")).unwrap(),
    )
    .unwrap();
    let long = "h".repeat(300);
    let names = [long.clone(), format!("{long}x")];
    for (i, name) in names.iter().enumerate() {
        let mut r = base.clone();
        r["run"]["hostname"] = Value::from(name.as_str());
        r["run"]["machine"] = Value::Null;
        let folder = inputs.path().join(format!("long{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("report.json"), r.to_string()).unwrap();
    }
    for extra in [&[][..], &["--all-runs"][..]] {
        let out = tempfile::tempdir().unwrap();
        let (code, stderr) = merge(&[inputs.path().to_path_buf()], out.path(), extra);
        assert_eq!(code, 0, "{extra:?}: {stderr}");
        let fleet = read_fleet(out.path());
        let keys: Vec<&str> = fleet
            .hosts
            .iter()
            .filter(|h| h.hostname.starts_with(&long))
            .map(|h| h.key.as_str())
            .collect();
        assert_eq!(keys.len(), 2, "{extra:?}: {keys:?}");
        assert_ne!(keys[0], keys[1]);
        for key in keys {
            assert!(
                key.starts_with(&"h".repeat(100)) && key.len() < 150,
                "{key}"
            );
            let file = out.path().join("hosts").join(format!("{key}.xccdf.xml"));
            assert!(file.is_file(), "{} is missing", file.display());
        }
        for entry in std::fs::read_dir(out.path().join("hosts")).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(name.len() <= 255, "{name:?}");
        }
    }
}

#[test]
fn all_runs_keeps_every_report_and_nothing_readable_is_an_error() {
    let inputs = Inputs::new([None, None, None]);
    let out = tempfile::tempdir().unwrap();
    let (code, stderr) = merge(&[inputs.path().to_path_buf()], out.path(), &["--all-runs"]);
    assert_eq!(code, 0, "{stderr}");
    let fleet = read_fleet(out.path());
    assert_eq!(fleet.hosts.len(), 4, "--all-runs keeps the older run");
    assert!(fleet.superseded.is_empty());

    let broken = inputs.path().join("broken.json");
    let out = tempfile::tempdir().unwrap();
    let (code, stderr) = merge(std::slice::from_ref(&broken), out.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    // Without --merge, several inputs are refused with the way to merge them.
    let files = inputs.files();
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .arg("report")
        .args(&files[..2])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("add --merge"));
    assert!(
        stderr.contains("no report to merge") && stderr.contains("broken.json"),
        "{stderr}"
    );
}

#[test]
fn a_newest_report_cut_short_gives_way_to_the_hosts_earlier_one() {
    let inputs = Inputs::new([None, None, None]);
    // web-01's newest report was cut short (a full disk): its head reads, the rest does not.
    let newest = inputs.path().join("host0/2026-01-02/report.json");
    let text = std::fs::read(&newest).unwrap();
    std::fs::write(&newest, &text[..text.len() / 2]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, stderr) = merge(&[inputs.path().to_path_buf()], out.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let fleet = read_fleet(out.path());
    let web = fleet
        .hosts
        .iter()
        .find(|h| h.hostname == "web-01")
        .expect("web-01 stays on the page");
    assert!(web.source.contains("2025-12-01"), "{}", web.source);
    assert!(
        fleet
            .skipped
            .iter()
            .any(|s| s.path == newest.display().to_string()),
        "{:?}",
        fleet.skipped
    );
    assert!(fleet.superseded.is_empty(), "{:?}", fleet.superseded);
}

/// The address of the drill-down link to a host's report.html in `page` (as the browser reads
/// it: entities and percent-escapes decoded).
fn page_links(page: &str) -> Vec<String> {
    page.split("page: <a href=\"")
        .skip(1)
        .map(|rest| {
            let href = rest.split('"').next().unwrap().replace("&#x2f;", "/");
            let bytes = href.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let escaped = href
                    .get(i + 1..i + 3)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                if let (b'%', Some(b)) = (bytes[i], escaped) {
                    out.push(b);
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect()
}

#[test]
fn a_hosts_link_leads_to_its_page_from_the_output_folder() {
    // Reports in folders whose names a URL would misread (`#` starts a fragment, `?` a
    // query), merged from another folder into a nested output folder: each link is relative
    // to the folder fleet.html is in, its segments percent-encoded.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    let base = support::scan::base_snapshot();
    for (name, host) in [("runs/dc1#a", "host-a"), ("runs/dc2?b 50%", "host-b")] {
        let mut snap = base.clone();
        snap["host"]["hostname"] = Value::from(host);
        support::scan::scan_snapshot(&snap, dir.path(), name, &["--format", "json,html"]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .current_dir(dir.path())
        .args(["report", "--merge", "runs", "--format", "json,html", "-o"])
        .arg("out/fleet")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out/fleet");
    let page = std::fs::read_to_string(out.join("fleet.html")).unwrap();
    let links = page_links(&page);
    assert_eq!(links.len(), 2, "{links:?}");
    for link in &links {
        assert!(link.starts_with("../../runs/"), "{link}");
        assert!(
            out.join(link).is_file(),
            "{link} leads nowhere from {out:?}"
        );
    }
    assert!(page.contains("dc1%23a"), "`#` not encoded");
    assert!(
        page.contains("dc2%3Fb%2050%25"),
        "`?`, space or `%` not encoded"
    );
}

/// `attr="N"` of an XML start tag's text.
fn attr(tag: &str, name: &str) -> usize {
    let at = tag.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
    tag[at..].split('"').next().unwrap().parse().unwrap()
}

#[test]
fn waived_rules_count_in_the_fleet_as_in_the_hosts_own_report() {
    // One host scanned with an exceptions file that covers every failure of section 3 and of
    // 5.14, another without: the fleet's counts per host and per section, the rule set's
    // totals, the rules failing on most hosts, the page's drill-down and the JUnit suites all
    // count an accepted risk as the host's own report does: waived, not failed.
    let dir = tempfile::tempdir().unwrap();
    let exc = dir.path().join("exc.toml");
    std::fs::write(
        &exc,
        "[[exception]]\nid = \"EXC-1\"\nrules = [\"3\", \"5.14\"]\njustification = \"Accepted.\"\n\
         owner = \"ops@example.com\"\nexpires = 2099-01-31\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    let base = support::scan::base_snapshot();
    let mut other = base.clone();
    other["host"]["hostname"] = Value::from("plain-host");
    let exc_arg = exc.to_str().unwrap();
    let with = support::scan::scan_snapshot(
        &base,
        dir.path(),
        "runs/with",
        &["--format", "json", "--exceptions", exc_arg],
    );
    let without =
        support::scan::scan_snapshot(&other, dir.path(), "runs/without", &["--format", "json"]);
    let out = dir.path().join("out");
    let (code, stderr) = merge(&[dir.path().join("runs")], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let fleet = read_fleet(&out);

    let ids = |run: &support::scan::Run, waived: bool| -> Vec<String> {
        run.report()["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail" && r["waived"].as_bool().unwrap_or(false) == waived)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let waived_ids = ids(&with, true);
    assert!(waived_ids.contains(&"3.3".to_string()), "{waived_ids:?}");
    assert!(waived_ids.contains(&"5.14".to_string()), "{waived_ids:?}");
    let mut rules = 0;
    for (run, name) in [(&with, "docker-prod-00"), (&without, "plain-host")] {
        let h = fleet.hosts.iter().find(|h| h.hostname == name).unwrap();
        let summary = &run.report()["summary"];
        assert_eq!(
            serde_json::to_value(&h.counts).unwrap(),
            summary["counts"],
            "{name}"
        );
        for (section, s) in &h.sections {
            let own = &summary["sections"][section];
            assert_eq!(
                serde_json::to_value(&s.counts).unwrap(),
                *own,
                "{name} {section}"
            );
        }
        let failing: Vec<&str> = h.failing.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(failing, ids(run, false), "{name}: failed rules");
        let waived: Vec<&str> = h.waived.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(waived, ids(run, true), "{name}: waived rules");
        rules += run.report()["results"].as_array().unwrap().len();
    }
    // Section 3 has no failure left: it scores 100, as in the host's own report.
    let h = fleet
        .hosts
        .iter()
        .find(|h| h.hostname == "docker-prod-00")
        .unwrap();
    let s3 = &h.sections["3"];
    assert_eq!((s3.counts.fail, s3.counts.score()), (0, Some(100)));
    assert!(s3.counts.waived > 0);
    assert_eq!(serde_json::to_value(s3.score).unwrap(), Value::from(100));
    // Every rule of every host is in the rule set's totals, the waived ones as waived.
    let g = &fleet.rule_sets[0].counts;
    let total =
        g.pass + g.fail + g.error + g.notapplicable + g.notchecked + g.informational + g.waived;
    assert_eq!(total, rules);
    assert_eq!(g.waived, waived_ids.len());
    // A rule waived on one host and failing on the other fails on one host.
    let r33 = fleet.failing_rules.iter().find(|r| r.id == "3.3").unwrap();
    assert_eq!((r33.failing_hosts, r33.of_hosts), (1, 2));

    // The page's drill-down lists the waived rules as accepted risks, not as failed.
    let page = std::fs::read_to_string(out.join("fleet.html")).unwrap();
    let block = page
        .split("<details class=\"host\" id=\"host-docker-prod-00\">")
        .nth(1)
        .unwrap()
        .split("</details>")
        .next()
        .unwrap();
    let (failed, rest) = block
        .split_once("<h4>Accepted risks (waived)</h4>")
        .unwrap();
    assert!(
        !failed.contains("<li>3.3 ") && !failed.contains("<li>5.14 "),
        "{failed}"
    );
    assert!(
        rest.contains("<li>3.3 ") && rest.contains("<li>5.14 "),
        "{rest}"
    );

    // JUnit: each suite's counts are its testcases', a waived rule `<skipped>`, and the
    // top's are their sums.
    let junit = std::fs::read_to_string(out.join("fleet.junit.xml")).unwrap();
    let mut suites = junit.split("<testsuite ");
    let top = suites.next().unwrap();
    let top = &top[top.find("<testsuites ").unwrap()..];
    let (mut failures, mut errors, mut tests) = (0, 0, 0);
    for suite in suites {
        let tag = suite.split('>').next().unwrap();
        let name = tag.split('"').nth(1).unwrap();
        assert_eq!(
            attr(tag, "failures"),
            suite.matches("<failure ").count(),
            "{name}"
        );
        assert_eq!(
            attr(tag, "errors"),
            suite.matches("<error ").count(),
            "{name}"
        );
        assert_eq!(
            attr(tag, "skipped"),
            suite.matches("<skipped ").count(),
            "{name}"
        );
        assert_eq!(
            attr(tag, "tests"),
            suite.matches("<testcase ").count(),
            "{name}"
        );
        failures += attr(tag, "failures");
        errors += attr(tag, "errors");
        tests += attr(tag, "tests");
    }
    assert_eq!(attr(top, "failures"), failures);
    assert_eq!(attr(top, "errors"), errors);
    assert_eq!(attr(top, "tests"), tests);
}

#[test]
fn a_hosts_fleet_score_is_the_score_of_its_own_report() {
    // The score a host's own report, terminal summary and history.csv give (passed and waived
    // rules of decided ones, rounded down) is the one fleet.json and fleet.html show, per
    // host and per section; the rule set's score is the mean of its hosts'. It is not the
    // XCCDF default score (the mean of section scores), which differs for these hosts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("runs")).unwrap();
    let base = support::scan::base_snapshot();
    let mut other = base.clone();
    other["host"]["hostname"] = Value::from("other-host");
    other["containers"][0]["inspect"]["HostConfig"]["Privileged"] = Value::from(true);
    let runs = [
        support::scan::scan_snapshot(&base, dir.path(), "runs/a", &["--format", "json"]),
        support::scan::scan_snapshot(&other, dir.path(), "runs/b", &["--format", "json"]),
    ];
    let out = dir.path().join("out");
    let (code, stderr) = merge(&[dir.path().join("runs")], &out, &[]);
    assert_eq!(code, 0, "{stderr}");
    let fleet: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet.json")).unwrap()).unwrap();
    let page = std::fs::read_to_string(out.join("fleet.html")).unwrap();
    let score = |c: &Value| {
        let n = |k: &str| c[k].as_u64().unwrap();
        let decided = n("pass") + n("fail") + n("error") + n("waived");
        (decided > 0).then(|| (n("pass") + n("waived")) * 100 / decided)
    };
    let mut scores = Vec::new();
    for run in &runs {
        let report = run.report();
        let name = report["run"]["hostname"].as_str().unwrap();
        let own = score(&report["summary"]["counts"]).unwrap();
        // The terminal summary of the scan says the same.
        assert!(
            run.stdout.contains(&format!("score {own}%")),
            "{name}: {}",
            run.stdout
        );
        let h = fleet["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["hostname"] == name)
            .unwrap();
        assert_eq!(h["score"], Value::from(own), "{name}");
        for (section, counts) in report["summary"]["sections"].as_object().unwrap() {
            assert_eq!(
                h["sections"][section]["score"],
                Value::from(score(counts)),
                "{name} section {section}"
            );
        }
        assert!(
            page.contains(&format!("{name}: score {own}, ")),
            "fleet.html does not show {name}'s score {own}"
        );
        scores.push(own as f64);
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert_eq!(fleet["rule_sets"][0]["score"], Value::from(mean));
}
