//! XCCDF 1.2 results, ARF 1.1, `rules export` and tailoring, checked with the tools that
//! consume them: `../shared/conformance/validate-xccdf.sh` (xmllint XSD, oscap validate with
//! schematron, oscap info, the oscap HTML report, `oscap ds rds-validate`/`rds-split` for ARF),
//! `oscap xccdf validate` for the exported Benchmark and OpenSCAP's `autotailor` for tailoring.
//!
//! The tools must be installed (scripts/test.sh does it): a missing tool fails the test.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;
use support::scan::{base_snapshot, bollwerk, scan_snapshot, Run};

const VALIDATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/validate-xccdf.sh"
);
const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-xccdf-test.sock";
const RULE: &str = "xccdf_dev.bollwerk_rule_";

/// Panics (never skips) when a tool the tests need is missing.
fn require_tools() {
    for tool in ["oscap", "xmllint", "autotailor"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        assert!(
            found,
            "{tool} not found: run scripts/test.sh, which installs openscap-scanner, openscap-utils and libxml2-utils"
        );
    }
    assert!(
        Path::new(VALIDATE).is_file(),
        "{VALIDATE} is missing (the shared conformance kit)"
    );
}

/// Runs validate-xccdf.sh on `file`, prints its report, and asserts exit 0.
fn validate(file: &Path) -> String {
    let out = Command::new("bash")
        .arg(VALIDATE)
        .arg(file)
        .output()
        .expect("run validate-xccdf.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "validate-xccdf.sh {} failed:\n{text}",
        file.display()
    );
    assert!(text.contains("RESULT: PASS"), "{text}");
    text
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `text` without control characters, as the XML writers leave it.
fn strip_controls(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
        })
        .collect()
}

/// Asserts that `text` holds no character XML 1.0 forbids.
fn assert_xml_chars(text: &str, what: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
        })
        .collect();
    assert!(bad.is_empty(), "{what} holds control characters {bad:?}");
}

/// What the tests read back from a results document.
#[derive(Debug, Default)]
struct Xccdf {
    /// (idref, result, severity attribute, messages as (severity, text)).
    rule_results: Vec<RuleResult>,
    /// (system, maximum, value) in document order.
    scores: Vec<(String, String, String)>,
    /// (idref, value).
    set_values: Vec<(String, String)>,
    profile: Option<String>,
    targets: Vec<String>,
    target_addresses: Vec<String>,
    /// (name, type, value).
    facts: Vec<(String, String, String)>,
    /// Rule ids in Benchmark order.
    rules: Vec<String>,
    test_results: usize,
    /// Local names of the root's children, in order.
    root_children: Vec<String>,
    identity: Option<(String, String)>,
}

#[derive(Debug, Default, Clone)]
struct RuleResult {
    idref: String,
    result: String,
    severity: String,
    messages: Vec<(String, String)>,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> String {
    e.attributes()
        .filter_map(Result::ok)
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| a.unescape_value().unwrap().into_owned())
        .unwrap_or_default()
}

/// Parses the parts of an XCCDF results document (or an ARF) the tests look at.
fn parse_xccdf(xml: &str) -> Xccdf {
    let mut r = Reader::from_str(xml);
    let mut x = Xccdf::default();
    let mut depth = 0usize;
    let mut root_depth = None;
    let mut current: Option<RuleResult> = None;
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "Benchmark" && root_depth.is_none() {
                    root_depth = Some(depth);
                } else if root_depth.is_some_and(|d| d + 1 == depth) {
                    x.root_children.push(name.clone());
                }
                let text = |r: &mut Reader<&[u8]>| -> String {
                    if empty {
                        return String::new();
                    }
                    let raw = r.read_text(e.name()).expect("element text");
                    quick_xml::escape::unescape(&raw).unwrap().into_owned()
                };
                match name.as_str() {
                    "Rule" => x.rules.push(attr(e, "id")),
                    "TestResult" => x.test_results += 1,
                    "rule-result" => {
                        current = Some(RuleResult {
                            idref: attr(e, "idref"),
                            severity: attr(e, "severity"),
                            ..Default::default()
                        })
                    }
                    "result" => {
                        let t = text(&mut r);
                        current.as_mut().expect("result in rule-result").result = t;
                        continue;
                    }
                    "message" => {
                        let sev = attr(e, "severity");
                        let t = text(&mut r);
                        current
                            .as_mut()
                            .expect("message in rule-result")
                            .messages
                            .push((sev, t));
                        continue;
                    }
                    "score" => {
                        let (sys, max) = (attr(e, "system"), attr(e, "maximum"));
                        let t = text(&mut r);
                        x.scores.push((sys, max, t));
                        continue;
                    }
                    "set-value" => {
                        let id = attr(e, "idref");
                        let t = text(&mut r);
                        x.set_values.push((id, t));
                        continue;
                    }
                    "profile" => x.profile = Some(attr(e, "idref")),
                    "target" => {
                        let t = text(&mut r);
                        x.targets.push(t);
                        continue;
                    }
                    "target-address" => {
                        let t = text(&mut r);
                        x.target_addresses.push(t);
                        continue;
                    }
                    "fact" => {
                        let (n, ty) = (attr(e, "name"), attr(e, "type"));
                        let t = text(&mut r);
                        x.facts.push((n, ty, t));
                        continue;
                    }
                    "identity" => {
                        let p = attr(e, "privileged");
                        let t = text(&mut r);
                        x.identity = Some((t, p));
                        continue;
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(ref e) => {
                depth -= 1;
                if e.local_name().as_ref() == b"rule-result" {
                    x.rule_results.push(current.take().unwrap());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    x
}

/// The scores the notes' section 6 prescribes, from the JSON results:
/// (default, flat, flat maximum).
fn expected_scores(results: &[Value]) -> (f64, f64, f64) {
    let mut sections: Vec<(String, usize, usize)> = Vec::new();
    for r in results {
        let s = r["section"].as_str().unwrap().to_string();
        let status = r["status"].as_str().unwrap();
        let counted = matches!(status, "pass" | "fail" | "error") as usize;
        let passed = (status == "pass") as usize;
        match sections.iter_mut().find(|(name, _, _)| *name == s) {
            Some(e) => {
                e.1 += counted;
                e.2 += passed;
            }
            None => sections.push((s, counted, passed)),
        }
    }
    let groups: Vec<f64> = sections
        .iter()
        .filter(|(_, c, _)| *c > 0)
        .map(|(_, c, p)| 100.0 * *p as f64 / *c as f64)
        .collect();
    let default = if groups.is_empty() {
        0.0
    } else {
        groups.iter().sum::<f64>() / groups.len() as f64
    };
    let counted: usize = sections.iter().map(|s| s.1).sum();
    let passed: usize = sections.iter().map(|s| s.2).sum();
    (default, passed as f64, counted as f64)
}

/// Checks the TestResult against the JSON report: one rule-result per result in order,
/// statuses one to one, severities, scores, no override.
fn check_against_json(xml: &str, x: &Xccdf, report: &Value) {
    let results = report["results"].as_array().unwrap();
    assert_eq!(x.test_results, 1, "exactly one TestResult");
    assert_eq!(
        x.root_children.last().map(String::as_str),
        Some("TestResult"),
        "TestResult is the Benchmark's last child: {:?}",
        x.root_children
    );
    assert!(!xml.contains("<override"), "no override is ever written");
    assert_eq!(x.rule_results.len(), results.len());
    assert_eq!(
        x.rules,
        x.rule_results
            .iter()
            .map(|r| r.idref.clone())
            .collect::<Vec<_>>(),
        "rule-results follow Benchmark order"
    );
    for (rr, r) in x.rule_results.iter().zip(results) {
        assert_eq!(rr.idref, format!("{RULE}{}", r["id"].as_str().unwrap()));
        assert_eq!(rr.result, r["status"].as_str().unwrap(), "{}", rr.idref);
        assert_eq!(rr.severity, r["severity"].as_str().unwrap(), "{}", rr.idref);
        if let Some(m) = r["message"].as_str() {
            let m = strip_controls(m);
            assert!(
                rr.messages.iter().any(|(_, t)| t.contains(&m)),
                "{}: rule message {m:?} missing from {:?}",
                rr.idref,
                rr.messages
            );
        }
        if matches!(r["status"].as_str(), Some("error")) {
            assert!(
                rr.messages.iter().any(|(s, _)| s == "error"),
                "{}: an error result says why with severity error: {:?}",
                rr.idref,
                rr.messages
            );
        }
    }
    let (default, flat, flat_max) = expected_scores(results);
    assert_eq!(x.scores.len(), 2, "{:?}", x.scores);
    assert_eq!(x.scores[0].0, "urn:xccdf:scoring:default");
    assert_eq!(x.scores[0].1.parse::<f64>().unwrap(), 100.0);
    assert_eq!(x.scores[0].2, format!("{default:.6}"));
    assert_eq!(x.scores[1].0, "urn:xccdf:scoring:flat");
    assert_eq!(x.scores[1].1, format!("{flat_max:.6}"));
    assert_eq!(x.scores[1].2, format!("{flat:.6}"));
    for (name, ty, _) in &x.facts {
        assert_eq!(ty, "string", "fact {name} has type string");
    }
}

fn report_version(report: &Value) -> &str {
    report["tool"]["version"].as_str().unwrap()
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

#[test]
fn daemon_scan_writes_valid_xccdf_and_arf_with_instance_messages_and_scores() {
    require_tools();
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    let capadd = d.run_sleeping("capadd", &["--network", "none", "--cap-add", "NET_ADMIN"]);
    let plain = d.run_sleeping("plain", &["--network", "none"]);

    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--all",
            "--trusted-users",
            "alice",
            "--format",
            "json,xccdf,arf,junit",
        ],
        out.path(),
    );
    assert_eq!(r.code, 1, "failures exit with 1:\n{}", r.stderr);
    r.expect("5.4", "fail");
    r.expect_instance("5.4", "capadd", "fail");
    r.expect_instance("5.4", "plain", "pass");

    let xccdf_path = out.path().join("report.xccdf.xml");
    let arf_path = out.path().join("report.arf.xml");
    validate(&xccdf_path);
    validate(&arf_path);

    let xml = read(&xccdf_path);
    let x = parse_xccdf(&xml);
    check_against_json(&xml, &x, r.report());

    // Per-container rule: ONE rule-result, one message per container, the failing one first.
    let rr = x
        .rule_results
        .iter()
        .find(|rr| rr.idref == format!("{RULE}5.4"))
        .unwrap();
    assert_eq!(rr.result, "fail");
    let lines: Vec<&(String, String)> = rr
        .messages
        .iter()
        .filter(|(_, t)| t.contains(": container "))
        .collect();
    assert_eq!(lines.len(), 2, "{:?}", rr.messages);
    assert_eq!(lines[0].0, "warning");
    assert_eq!(
        lines[0].1,
        format!(
            "fail: container capadd (id {}): container.capabilities.added_beyond_default: found [\"NET_ADMIN\"], expected no capability beyond Docker's default set",
            short(&capadd)
        )
    );
    assert_eq!(lines[1].0, "info");
    assert!(
        lines[1]
            .1
            .starts_with(&format!("pass: container plain (id {})", short(&plain))),
        "{:?}",
        lines[1]
    );

    // The scanner as a CPE 2.2 URI naming bollwerk and its version.
    assert!(xml.contains(&format!(
        "test-system=\"cpe:/a:bollwerk:bollwerk:{}\"",
        report_version(r.report())
    )));
    // The run: target, identity (the tests run as root), trusted-users, facts.
    let report = r.report();
    assert_eq!(x.targets, vec![report["run"]["hostname"].as_str().unwrap()]);
    assert_eq!(x.identity, Some(("root".to_string(), "true".to_string())));
    assert!(x.profile.is_none(), "no level was selected");
    assert!(
        x.set_values
            .iter()
            .any(|(id, v)| id == "xccdf_dev.bollwerk_value_trusted-users" && v == "alice"),
        "{:?}",
        x.set_values
    );
    let version = report["run"]["daemon_version"].as_str().unwrap();
    assert!(
        x.facts.iter().any(|(_, _, v)| v == version),
        "{:?}",
        x.facts
    );
    for iface in report["run"]["interfaces"].as_array().unwrap() {
        if let Some(mac) = iface["mac"].as_str() {
            assert!(
                x.facts
                    .iter()
                    .any(|(n, _, v)| n == "urn:xccdf:fact:ethernet:MAC"
                        && v.eq_ignore_ascii_case(mac)),
                "MAC {mac} in {:?}",
                x.facts
            );
        }
        for a in iface["addresses"].as_array().unwrap() {
            let ip: std::net::IpAddr = a.as_str().unwrap().parse().unwrap();
            if !ip.is_loopback() {
                assert!(x.target_addresses.contains(&ip.to_string()), "{ip}");
            }
        }
    }

    // The ARF carries the same TestResult and every IPv6 address with all 8 groups.
    let arf = read(&arf_path);
    let a = parse_xccdf(&arf);
    assert_eq!(a.rule_results.len(), x.rule_results.len());
    assert_eq!(a.scores, x.scores);
    for v6 in arf.split("<ai:ip-v6>").skip(1) {
        let addr = v6.split('<').next().unwrap();
        assert_eq!(addr.split(':').count(), 8, "{addr}");
    }
    assert!(arf.contains("type=\"arfvocab:createdFor\""));
    assert!(arf.contains("type=\"arfvocab:isAbout\""));

    // `bollwerk report` renders the same Report into identical bytes.
    let other = out.path().join("other");
    let again = bollwerk(
        &[
            "report",
            out.path().join("report.json").to_str().unwrap(),
            "--format",
            "xccdf,arf",
            "-o",
            other.to_str().unwrap(),
        ],
        &other,
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(read(&other.join("report.xccdf.xml")), xml);
    assert_eq!(read(&other.join("report.arf.xml")), arf);
}

/// A fixture host whose name holds an ANSI colour escape, a bell and markup.
fn evil_host() -> HostTree {
    let tree = HostTree::new();
    tree.write(
        "etc/hostname",
        "evil\u{1b}[31m</script>\u{7}host_01\n",
        0o644,
    );
    tree.write("sys/class/net/eth0/address", "02:42:ac:11:00:02\n", 0o644);
    tree
}

fn fixture_scan(tree: &HostTree, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let mut args = vec!["scan", "--host-root", &root, "--docker-host", NO_DAEMON];
    args.extend_from_slice(extra);
    let run = bollwerk(&args, out.path());
    (out, run)
}

#[test]
fn control_characters_from_the_host_are_stripped_and_documents_stay_valid() {
    require_tools();
    let tree = evil_host();
    let (out, r) = fixture_scan(&tree, &["--format", "json,xccdf,arf,junit"]);
    let report = r.report();
    let hostname = report["run"]["hostname"].as_str().unwrap();
    assert!(
        hostname.contains('\u{1b}') && hostname.contains('\u{7}'),
        "the fixture's control characters reach the report: {hostname:?}"
    );
    // Daemon rules cannot be decided without a daemon.
    r.expect("2.2", "error");

    for name in ["report.xccdf.xml", "report.arf.xml", "report.junit.xml"] {
        assert_xml_chars(&read(&out.path().join(name)), name);
    }
    validate(&out.path().join("report.xccdf.xml"));
    validate(&out.path().join("report.arf.xml"));

    let xml = read(&out.path().join("report.xccdf.xml"));
    let x = parse_xccdf(&xml);
    check_against_json(&xml, &x, report);
    assert_eq!(x.targets, vec!["evil[31m</script>host_01".to_string()]);
    assert!(
        x.facts
            .iter()
            .any(|(n, _, v)| n == "urn:xccdf:fact:ethernet:MAC" && v == "02:42:AC:11:00:02"),
        "{:?}",
        x.facts
    );
    let arf = read(&out.path().join("report.arf.xml"));
    assert!(
        arf.contains("<ai:hostname>evil-31m--script-host-01</ai:hostname>"),
        "the ARF host name fits ai:hostname's pattern"
    );
    assert!(arf.contains("<ai:mac-address>02:42:AC:11:00:02</ai:mac-address>"));

    // The scan's remarks (here: the unreachable daemon) are target facts that OpenSCAP reads
    // without an "unknown element" warning, as TestResult `remark`s gave.
    let daemon_error = report["collection_errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "daemon")
        .expect("a collection error on the daemon");
    assert!(
        x.facts.iter().any(
            |(n, _, v)| n == "https://bollwerk.dev/xccdf/fact/collection_error"
                && v.contains(daemon_error["message"].as_str().unwrap())
        ),
        "{:?}",
        x.facts
    );
    let html = out.path().join("oscap.html");
    let oscap = Command::new("oscap")
        .args(["xccdf", "generate", "report", "--output"])
        .arg(&html)
        .arg(out.path().join("report.xccdf.xml"))
        .output()
        .expect("run oscap");
    let said = String::from_utf8_lossy(&oscap.stderr);
    assert!(oscap.status.success(), "{said}");
    assert!(!said.contains("unknown element"), "{said}");
}

/// A container whose name, and the host path it mounts, hold a right-to-left override and a
/// left-to-right isolate (a "Trojan Source" name): XCCDF, ARF, JUnit and SARIF show them as
/// `\u{202e}`, as the HTML report does, and the XML documents still validate. Raw, they
/// would reach OpenSCAP's HTML report and code scanning's pages, showing the text reordered.
#[test]
fn direction_overrides_from_the_host_are_shown_escaped_in_xml_and_sarif() {
    require_tools();
    let name = "web\u{202e}gpj.exe\u{2066}-1";
    let source = "/etc/\u{202e}evil\u{2066}";
    let mut snapshot = base_snapshot();
    let c = &mut snapshot["containers"][0];
    c["name"] = name.into();
    c["inspect"]["Name"] = format!("/{name}").into();
    c["inspect"]["Mounts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "Type": "bind", "Source": source, "Destination": "/host", "Mode": "rw",
            "RW": true, "Propagation": "rprivate",
        }));
    c["inspect"]["HostConfig"]["Binds"] = serde_json::json!([format!("{source}:/host:rw")]);
    let dir = tempfile::tempdir().unwrap();
    let r = scan_snapshot(
        &snapshot,
        dir.path(),
        "bidi",
        &["--format", "json,html,xccdf,arf,junit,sarif"],
    );
    // The mount is a sensitive host directory's: its path is in the evidence.
    r.expect_instance("5.6", name, "fail");
    let out = dir.path().join("bidi");
    let invisible = |c: char| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    for file in [
        "report.html",
        "report.xccdf.xml",
        "report.arf.xml",
        "report.junit.xml",
        "report.sarif",
    ] {
        let text = read(&out.join(file));
        let raw: Vec<char> = text.chars().filter(|&c| invisible(c)).collect();
        assert!(raw.is_empty(), "{file} holds {raw:?} raw");
        // JSON writes the backslash of `\u{202e}` as `\\`.
        let shown = |t: &str| {
            if file.ends_with(".sarif") {
                t.replace('\\', "\\\\")
            } else {
                t.to_string()
            }
        };
        assert!(
            text.contains(&shown("web\\u{202e}gpj.exe\\u{2066}-1"))
                && text.contains(&shown("\\u{202e}evil\\u{2066}")),
            "{file} shows the name and the path escaped"
        );
    }
    validate(&out.join("report.xccdf.xml"));
    validate(&out.join("report.arf.xml"));
}

/// The first rule the Level 1 profile of an exported Benchmark leaves out (a level-2 rule).
fn first_level2_rule(benchmark: &str) -> String {
    let level1 = benchmark
        .split("<Profile id=\"xccdf_dev.bollwerk_profile_level1\">")
        .nth(1)
        .and_then(|s| s.split("</Profile>").next())
        .expect("Level 1 profile");
    let at = level1
        .find("\" selected=\"false\"")
        .expect("a rule Level 1 does not select");
    let start = level1[..at].rfind("idref=\"").unwrap() + "idref=\"".len();
    level1[start..at].to_string()
}

#[test]
fn exported_benchmark_validates_and_autotailor_tailoring_applies() {
    require_tools();
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("bollwerk.xccdf.xml");
    let e = bollwerk(
        &["rules", "export", "-o", bench.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(e.code, 0, "{}", e.stderr);

    // The export has no TestResult, so validate-xccdf.sh (which renders results) does not
    // apply; oscap validates it with XSD and schematron. One benign warning (the cpe:/
    // platform) keeps oscap 1.3.7 from calling a finding-free document invalid.
    let v = Command::new("oscap")
        .args(["xccdf", "validate"])
        .arg(&bench)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    eprintln!("oscap xccdf validate {}:\n{text}", bench.display());
    assert_eq!(v.status.code(), Some(0), "{text}");
    assert!(!text.contains("Error"), "{text}");
    let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("Warning:")).collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("cpe:/"), "{text}");
    let xsd = Command::new("xmllint")
        .args([
            "--noout",
            "--schema",
            "/usr/share/openscap/schemas/xccdf/1.2/xccdf_1.2.xsd",
        ])
        .arg(&bench)
        .output()
        .unwrap();
    assert!(
        xsd.status.success(),
        "{}",
        String::from_utf8_lossy(&xsd.stderr)
    );
    let info = Command::new("oscap")
        .arg("info")
        .arg(&bench)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("xccdf_dev.bollwerk_profile_level1")
            && info.contains("xccdf_dev.bollwerk_profile_level2"),
        "{info}"
    );
    let exported = read(&bench);
    assert!(!exported.contains("<TestResult"));
    assert!(exported.contains("<Value id=\"xccdf_dev.bollwerk_value_trusted-users\""));

    // A tailoring made by OpenSCAP's autotailor: Level 1, without 5.4, plus one level-2 rule,
    // trusted-users = alice.
    let extra = first_level2_rule(&exported);
    let tailoring = dir.path().join("tailoring.xml");
    let t = Command::new("autotailor")
        .args([
            "--id-namespace",
            "dev.bollwerk",
            "--unselect",
            "xccdf_dev.bollwerk_rule_5.4",
            "--select",
            &extra,
            "--var-value",
            "xccdf_dev.bollwerk_value_trusted-users=alice",
            "--new-profile-id",
            "xccdf_dev.bollwerk_profile_level1_tailored",
            "-o",
        ])
        .arg(&tailoring)
        .arg(&bench)
        .arg("xccdf_dev.bollwerk_profile_level1")
        .output()
        .unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));

    let tree = HostTree::new();
    let tail_arg = tailoring.to_str().unwrap().to_string();
    let (out, r) = fixture_scan(
        &tree,
        &["--tailoring", &tail_arg, "--format", "json,xccdf,arf"],
    );
    let report = r.report();
    let extra_id = extra.strip_prefix(RULE).unwrap();
    let ids: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"5.4"), "5.4 is unselected: {ids:?}");
    assert!(ids.contains(&extra_id), "{extra_id} is selected: {ids:?}");
    for res in report["results"].as_array().unwrap() {
        assert!(
            res["level"] == 1 || res["id"] == extra_id,
            "level 1 only, except the tailoring's own selection: {res}"
        );
    }
    assert_eq!(report["run"]["options"]["level"], 1);
    assert_eq!(
        report["run"]["options"]["trusted_users"],
        serde_json::json!(["alice"])
    );
    let xml = read(&out.path().join("report.xccdf.xml"));
    let x = parse_xccdf(&xml);
    // The results name the tailored profile, which the Benchmark holds beside Level 1 and 2,
    // and record every rule it leaves out as notselected, in Benchmark order.
    assert_eq!(
        x.profile.as_deref(),
        Some("xccdf_dev.bollwerk_profile_level1_tailored")
    );
    assert!(xml.contains(
        "<Profile id=\"xccdf_dev.bollwerk_profile_level1_tailored\" extends=\"xccdf_dev.bollwerk_profile_level1\">"
    ));
    let not_selected: Vec<&RuleResult> = x
        .rule_results
        .iter()
        .filter(|rr| rr.result == "notselected")
        .collect();
    assert!(
        not_selected
            .iter()
            .any(|rr| rr.idref == format!("{RULE}5.4")),
        "5.4 is recorded as notselected"
    );
    assert_eq!(
        x.rule_results.len(),
        ids.len() + not_selected.len(),
        "a rule-result for every rule of the rule set"
    );
    assert_eq!(
        x.rule_results.len(),
        report["not_selected"].as_array().unwrap().len() + ids.len()
    );
    assert_eq!(
        x.rules,
        x.rule_results
            .iter()
            .map(|r| r.idref.clone())
            .collect::<Vec<_>>(),
        "rule-results follow Benchmark order"
    );
    assert!(
        x.set_values
            .iter()
            .any(|(id, v)| id == "xccdf_dev.bollwerk_value_trusted-users" && v == "alice"),
        "{:?}",
        x.set_values
    );
    validate(&out.path().join("report.xccdf.xml"));
    validate(&out.path().join("report.arf.xml"));
}

#[test]
fn bad_tailoring_files_stop_the_scan_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let tree = HostTree::new();
    let cases: [(&str, &str, &str); 5] = [
        ("malformed.xml", "<Tailoring xmlns=\"http://checklists.nist.gov/xccdf/1.2\">\n<Profile id=\"xccdf_x_profile_p\">\n</Tailoring>\n", "malformed XML"),
        (
            "unknown-rule.xml",
            "<Tailoring xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_x_tailoring_t\">\n<Profile id=\"xccdf_x_profile_p\" extends=\"xccdf_dev.bollwerk_profile_level1\">\n<title>t</title>\n<select idref=\"xccdf_org.example_rule_5.4\" selected=\"false\"/>\n</Profile>\n</Tailoring>\n",
            "unknown rule 'xccdf_org.example_rule_5.4'",
        ),
        (
            "other-namespace.xml",
            "<Tailoring xmlns=\"http://example.org/not-xccdf\"><Profile id=\"p\"/></Tailoring>",
            "expected <Tailoring> in http://checklists.nist.gov/xccdf/1.2",
        ),
        (
            "unknown-profile.xml",
            "<Tailoring xmlns=\"http://checklists.nist.gov/xccdf/1.2\">\n<Profile id=\"p\" extends=\"xccdf_org.ssgproject.content_profile_cis\"/>\n</Tailoring>\n",
            "unknown profile",
        ),
        (
            "bad-profile-id.xml",
            "<Tailoring xmlns=\"http://checklists.nist.gov/xccdf/1.2\">\n<Profile id=\"my profile\" extends=\"xccdf_dev.bollwerk_profile_level1\"/>\n</Tailoring>\n",
            "is not an XCCDF 1.2 profile id",
        ),
    ];
    for (name, text, what) in cases {
        let path: PathBuf = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (out, r) = fixture_scan(&tree, &["--tailoring", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{name}: exit 2\n{}", r.stderr);
        let stderr = r.stderr.trim();
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert!(stderr.contains(path.to_str().unwrap()), "{name}: {stderr}");
        assert!(stderr.contains(what), "{name}: {stderr}");
        assert!(
            !out.path().join("report.json").exists(),
            "{name}: nothing is scanned"
        );
    }
    // Lines are named when known.
    let (_o, r) = fixture_scan(
        &tree,
        &[
            "--tailoring",
            dir.path().join("unknown-rule.xml").to_str().unwrap(),
        ],
    );
    assert!(r.stderr.contains("unknown-rule.xml:4:"), "{}", r.stderr);
}

/// A waived rule beside every other rule: XCCDF 1.2 records an accepted deviation as an
/// `<override>`, but OpenSCAP's schematron then rejects every other rule-result; the document
/// must stay valid, the rule count as passed and the accepted risk be said in a message.
#[test]
fn a_waived_rule_leaves_the_whole_scan_valid() {
    require_tools();
    let dir = tempfile::tempdir().unwrap();
    let exceptions = dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"EXC-1\"\nrules = [\"2.1\"]\njustification = \"Rootless mode is planned <next quarter>.\"\napproved-by = \"ciso@example.com\"\nexpires = 2099-01-31\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/base.json");
    let r = bollwerk(
        &[
            "scan",
            "--snapshot",
            base,
            "--exceptions",
            exceptions.to_str().unwrap(),
            "--format",
            "json,xccdf,arf",
        ],
        &out,
    );
    assert_eq!(
        r.rule("2.1")["waived"],
        true,
        "2.1 fails in the base snapshot"
    );
    let xml = std::fs::read_to_string(out.join("report.xccdf.xml")).unwrap();
    assert!(!xml.contains("<override"), "no override");
    let at = xml
        .find(&format!("<rule-result idref=\"{RULE}2.1\""))
        .unwrap();
    let rule_result = &xml[at..at + xml[at..].find("</rule-result>").unwrap()];
    assert!(
        rule_result.contains("<result>pass</result>"),
        "{rule_result}"
    );
    assert!(
        rule_result.contains("Accepted risk (EXC-1, by ciso@example.com): the rule failed and counts as passed. Rootless mode is planned &lt;next quarter&gt;."),
        "{rule_result}"
    );
    validate(&out.join("report.xccdf.xml"));
    validate(&out.join("report.arf.xml"));
}
