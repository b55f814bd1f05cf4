//! JUnit XML: valid against the Jenkins xUnit plugin's JUnit schema (`tests/data/junit-10.xsd`,
//! checked with xmllint), counts that match the JSON report, one testsuite per CIS section and
//! one testcase per rule, failures that list the failing containers with their evidence.
//!
//! xmllint must be installed (scripts/test.sh does it): a missing tool fails the test.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;
use support::scan::{bollwerk, Run};

const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit-10.xsd");
const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-junit-test.sock";

/// Validates `file` against the JUnit schema; panics when xmllint is missing.
fn validate(file: &Path) {
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run xmllint ({e}): run scripts/test.sh, which installs libxml2-utils")
        });
    assert!(
        out.status.success(),
        "{} does not validate against {XSD}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One `<testcase>`.
#[derive(Debug, Default)]
struct Case {
    name: String,
    classname: String,
    /// `failure`, `error`, `skipped` or empty (passed).
    outcome: String,
    message: String,
    kind: String,
    body: String,
    system_out: String,
}

/// One `<testsuite>` with its counters.
#[derive(Debug, Default)]
struct Suite {
    name: String,
    counts: BTreeMap<String, usize>,
    timestamp: String,
    cases: Vec<Case>,
}

#[derive(Debug, Default)]
struct Junit {
    counts: BTreeMap<String, usize>,
    suites: Vec<Suite>,
}

fn attr(e: &BytesStart, name: &str) -> String {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| a.unescape_value().unwrap().into_owned())
        .unwrap_or_default()
}

fn counters(e: &BytesStart) -> BTreeMap<String, usize> {
    ["tests", "failures", "errors", "skipped"]
        .iter()
        .filter_map(|k| {
            let v = attr(e, k);
            (!v.is_empty()).then(|| (k.to_string(), v.parse().expect("a count")))
        })
        .collect()
}

fn parse(xml: &str) -> Junit {
    let mut r = Reader::from_str(xml);
    let mut j = Junit::default();
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let text = |r: &mut Reader<&[u8]>| -> String {
                    if empty {
                        return String::new();
                    }
                    let raw = r.read_text(e.name()).expect("text");
                    quick_xml::escape::unescape(&raw).unwrap().into_owned()
                };
                match name.as_str() {
                    "testsuites" => j.counts = counters(e),
                    "testsuite" => j.suites.push(Suite {
                        name: attr(e, "name"),
                        counts: counters(e),
                        timestamp: attr(e, "timestamp"),
                        cases: Vec::new(),
                    }),
                    "testcase" => j.suites.last_mut().unwrap().cases.push(Case {
                        name: attr(e, "name"),
                        classname: attr(e, "classname"),
                        ..Default::default()
                    }),
                    "failure" | "error" | "skipped" => {
                        let (message, kind) = (attr(e, "message"), attr(e, "type"));
                        let body = text(&mut r);
                        let case = j.suites.last_mut().unwrap().cases.last_mut().unwrap();
                        assert!(case.outcome.is_empty(), "one outcome per testcase");
                        case.outcome = name;
                        case.message = message;
                        case.kind = kind;
                        case.body = body;
                    }
                    "system-out" => {
                        let body = text(&mut r);
                        let case = j.suites.last_mut().unwrap().cases.last_mut().unwrap();
                        case.system_out = body;
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    j
}

/// Checks the JUnit file against the JSON report: counts overall and per section, one
/// testcase per rule with the right outcome, names and classnames.
fn check_against_json(j: &Junit, report: &Value) {
    let c = &report["summary"]["counts"];
    let n = |k: &str| c[k].as_u64().unwrap() as usize;
    assert_eq!(
        j.counts["tests"],
        report["summary"]["total"].as_u64().unwrap() as usize
    );
    assert_eq!(j.counts["failures"], n("fail"));
    assert_eq!(j.counts["errors"], n("error"));

    let results = report["results"].as_array().unwrap();
    let cases: Vec<(&Suite, &Case)> = j
        .suites
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .collect();
    assert_eq!(cases.len(), results.len(), "one testcase per rule");
    let count = |outcome: &str| cases.iter().filter(|(_, c)| c.outcome == outcome).count();
    assert_eq!(count("failure"), n("fail"));
    assert_eq!(count("error"), n("error"));
    assert_eq!(count("skipped"), n("notapplicable") + n("notchecked"));
    let skipped: usize = j.suites.iter().map(|s| s.counts["skipped"]).sum();
    assert_eq!(skipped, n("notapplicable") + n("notchecked"));

    for ((suite, case), r) in cases.iter().zip(results) {
        let section = r["section"].as_str().unwrap();
        assert_eq!(case.classname, format!("bollwerk.section-{section}"));
        assert_eq!(
            case.name,
            format!(
                "{} {}",
                r["id"].as_str().unwrap(),
                r["title"].as_str().unwrap()
            )
        );
        assert!(
            suite.name.starts_with(&format!("CIS {section} ")) || section == "BW",
            "suite {} holds section {section}",
            suite.name
        );
        let expected = match r["status"].as_str().unwrap() {
            "fail" => "failure",
            "error" => "error",
            "notapplicable" | "notchecked" => "skipped",
            _ => "",
        };
        assert_eq!(case.outcome, expected, "{}", case.name);
        if expected == "failure" || expected == "error" {
            assert_eq!(case.kind, r["status"].as_str().unwrap());
        }
        if let Some(m) = r["message"].as_str() {
            if !expected.is_empty() {
                let m: String = m.chars().filter(|c| !c.is_control()).collect();
                assert_eq!(case.message, m, "{}", case.name);
            }
        }
    }
    for s in &j.suites {
        let tally = |o: &str| s.cases.iter().filter(|c| c.outcome == o).count();
        assert_eq!(s.counts["tests"], s.cases.len(), "{}", s.name);
        assert_eq!(s.counts["failures"], tally("failure"), "{}", s.name);
        assert_eq!(s.counts["errors"], tally("error"), "{}", s.name);
        assert_eq!(s.counts["skipped"], tally("skipped"), "{}", s.name);
        // Ant/Surefire style: 2025-01-15T10:30:00.
        assert_eq!(s.timestamp.len(), 19, "{}", s.timestamp);
        assert!(
            chrono::NaiveDateTime::parse_from_str(&s.timestamp, "%Y-%m-%dT%H:%M:%S").is_ok(),
            "{}",
            s.timestamp
        );
    }
}

fn fixture_scan(tree: &HostTree) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let run = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--format",
            "json,junit",
        ],
        out.path(),
    );
    (out, run)
}

#[test]
fn fixture_host_junit_validates_and_counts_match_the_json_report() {
    let tree = HostTree::new();
    tree.write("etc/hostname", "ci\u{1b}[1mhost\u{1b}[0m\n", 0o644);
    let (out, r) = fixture_scan(&tree);
    let report = r.report();
    let c = &report["summary"]["counts"];
    // Every outcome is exercised: host rules fail, daemon rules err, missing files skip.
    for k in ["fail", "error", "notapplicable"] {
        assert!(c[k].as_u64().unwrap() > 0, "no {k} result: {c}");
    }
    assert!(report["run"]["hostname"]
        .as_str()
        .unwrap()
        .contains('\u{1b}'));

    let path = out.path().join("report.junit.xml");
    validate(&path);
    let xml = std::fs::read_to_string(&path).unwrap();
    assert!(
        !xml.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        "control characters are stripped"
    );
    assert!(xml.contains("hostname=\"ci[1mhost[0m\""), "{xml}");
    let j = parse(&xml);
    check_against_json(&j, report);
    assert_eq!(j.suites[0].name, "CIS 1 Host Configuration");

    // An error names why: the daemon could not be reached.
    let daemon_case = j
        .suites
        .iter()
        .flat_map(|s| &s.cases)
        .find(|c| c.name.starts_with("2.2 "))
        .unwrap();
    assert_eq!(daemon_case.outcome, "error");
    assert!(
        daemon_case
            .message
            .contains(NO_DAEMON.trim_start_matches("unix://")),
        "{daemon_case:?}"
    );
}

#[test]
fn daemon_scan_failures_list_each_failing_container_with_evidence() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    for (name, extra) in [
        ("capadd", vec!["--cap-add", "NET_ADMIN"]),
        ("plain", vec![]),
    ] {
        let mut args = vec!["run", "-d", "--name", name, "--network", "none"];
        args.extend(extra);
        args.extend(["local/busybox:test", "sleep", "3600"]);
        d.docker(&args);
        d.wait_running(name);
    }
    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--all",
            "--format",
            "json,junit",
        ],
        out.path(),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.expect("5.4", "fail");
    let path = out.path().join("report.junit.xml");
    validate(&path);
    let j = parse(&std::fs::read_to_string(&path).unwrap());
    check_against_json(&j, r.report());

    let suite = j
        .suites
        .iter()
        .find(|s| s.name == "CIS 5 Container Runtime")
        .expect("section 5 suite");
    let case = suite
        .cases
        .iter()
        .find(|c| c.name.starts_with("5.4 "))
        .unwrap();
    assert_eq!(case.classname, "bollwerk.section-5");
    assert_eq!(case.outcome, "failure");
    assert_eq!(case.kind, "fail");
    assert_eq!(case.message, "1 of 2 containers fails");
    assert!(
        case.body.contains(
            "fail: container capadd (id ") && case.body.contains(
            "container.capabilities.added_beyond_default: found [\"NET_ADMIN\"], expected no capability beyond Docker's default set"
        ),
        "{}",
        case.body
    );
    assert!(case.body.contains("Remediation: "), "{}", case.body);
    assert!(!case.body.contains("container plain"), "{}", case.body);
    assert!(
        case.system_out.contains("pass: container plain"),
        "{case:?}"
    );
}
