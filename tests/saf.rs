//! report.xccdf.xml read by MITRE SAF's own converter (`saf convert xccdf_results2hdf`, npm
//! `@mitre/saf` 1.5.3, the version that installs on node 20), the way Heimdall users ingest it.
//!
//! The converter is installed by scripts/test.sh under `$BOLLWERK_TOOLS/saf` (default
//! `/opt/bollwerk-tools/saf`); a missing converter fails the test, it never skips.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::scan::bollwerk;

/// The `saf` command scripts/test.sh installs.
fn saf() -> PathBuf {
    let tools = std::env::var_os("BOLLWERK_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/bollwerk-tools"));
    let saf = tools.join("saf/node_modules/.bin/saf");
    assert!(
        saf.exists(),
        "{} not found: run scripts/test.sh, which installs @mitre/saf@1.5.3 there with npm",
        saf.display()
    );
    saf
}

/// Whitespace collapsed, as HTML-minded converters re-flow text.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The status SAF's XCCDF mapper gives each XCCDF result.
fn hdf_status(xccdf: &str) -> &'static str {
    match xccdf {
        "pass" | "fixed" => "passed",
        "fail" => "failed",
        "notapplicable" | "notchecked" | "notselected" | "informational" => "skipped",
        _ => "error",
    }
}

/// The control's description texts by label (`fix`, `rationale`, `check`, `warning`).
fn description(control: &Value, label: &str) -> Option<String> {
    control["descriptions"]
        .as_array()?
        .iter()
        .find(|d| d["label"] == label)
        .and_then(|d| d["data"].as_str())
        .map(flat)
}

/// The control's rule-result messages, one string each.
fn messages(control: &Value) -> Vec<String> {
    match &control["tags"]["rule_result"]["message"] {
        Value::Array(list) => list
            .iter()
            .filter_map(|m| m["text"].as_str().map(flat))
            .collect(),
        Value::Object(m) => m
            .get("text")
            .and_then(Value::as_str)
            .map(flat)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn saf_converts_every_rule_with_status_texts_and_container_messages() {
    let saf = saf();
    let d = PrivateDaemon::start(serde_json::json!({}));
    d.import_busybox();
    for (name, extra) in [
        ("plain", &["--network", "none"][..]),
        (
            "netadmin",
            &["--network", "none", "--cap-add", "NET_ADMIN"][..],
        ),
    ] {
        let mut args = vec!["run", "-d", "--name", name];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["local/busybox:test", "sleep", "3600"]);
        d.docker(&args);
        d.wait_running(name);
    }
    d.docker(&[
        "create",
        "--name",
        "priv",
        "--privileged",
        "--network",
        "none",
        "local/busybox:test",
        "sleep",
        "3600",
    ]);

    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "--format",
            "json,xccdf",
        ],
        out.path(),
    );
    let report = r.report();
    r.expect_instance("5.5", "priv", "fail");

    let hdf_path = out.path().join("hdf.json");
    let converted = Command::new(&saf)
        .args(["convert", "xccdf_results2hdf", "-i"])
        .arg(out.path().join("report.xccdf.xml"))
        .arg("-o")
        .arg(&hdf_path)
        .output()
        .expect("run saf");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&converted.stdout),
        String::from_utf8_lossy(&converted.stderr)
    );
    // The converter exits 0 even when it crashes: its output file is the proof.
    assert!(converted.status.success(), "saf failed:\n{said}");
    assert!(!said.contains("TypeError"), "saf crashed:\n{said}");
    let hdf: Value = serde_json::from_str(
        &std::fs::read_to_string(&hdf_path)
            .unwrap_or_else(|e| panic!("saf wrote no {}: {e}\n{said}", hdf_path.display())),
    )
    .expect("hdf.json is JSON");

    let controls = hdf["profiles"][0]["controls"].as_array().expect("controls");
    let results = report["results"].as_array().unwrap();
    assert_eq!(controls.len(), results.len(), "one control per rule");
    for result in results {
        let id = result["id"].as_str().unwrap();
        let xccdf_id = format!("xccdf_dev.bollwerk_rule_{id}");
        let c = controls
            .iter()
            .find(|c| c["id"] == xccdf_id.as_str())
            .unwrap_or_else(|| panic!("no control {xccdf_id}"));
        let status = result["status"].as_str().unwrap();
        assert_eq!(c["title"], result["title"], "{id}");
        assert_eq!(
            c["results"][0]["status"],
            hdf_status(status),
            "{id}: {status}"
        );
        assert_eq!(c["tags"]["severity"], result["severity"], "{id}");
        let impact = c["impact"].as_f64().unwrap();
        let expected_impact = match (status, result["severity"].as_str().unwrap()) {
            ("notapplicable" | "informational" | "notselected", _) => 0.0,
            (_, "high") => 0.7,
            (_, "medium") => 0.5,
            _ => 0.3,
        };
        assert_eq!(impact, expected_impact, "{id}");
        assert_eq!(
            c["results"][0]["code_desc"].as_str().map(flat),
            result["description"].as_str().map(flat),
            "{id}: description"
        );
        assert_eq!(
            description(c, "fix"),
            result["remediation"].as_str().map(flat),
            "{id}: fix text"
        );
        assert_eq!(
            description(c, "rationale"),
            result["rationale"].as_str().map(flat),
            "{id}: rationale"
        );
        // NIST SP 800-53 controls from the rule's references arrive as NIST tags.
        // SAF writes enhancements its own way (`IA-5 (7)` for `IA-5(7)`).
        let nist: Vec<String> = c["tags"]["nist"]
            .as_array()
            .map(|n| {
                n.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.replace(' ', ""))
                    .collect()
            })
            .unwrap_or_default();
        for reference in result["references"].as_array().unwrap() {
            if let Some(control) = reference
                .as_str()
                .and_then(|r| r.strip_prefix("NIST SP 800-53 "))
            {
                assert!(
                    nist.iter().any(|n| n == control),
                    "{id}: {control} not in {nist:?}"
                );
            }
        }
        // Every container or image a rule looked at has its own message line.
        let lines = messages(c);
        for instance in result["instances"].as_array().unwrap() {
            let name = instance["name"].as_str().unwrap();
            let wanted = format!(
                "{}: {} {name} ",
                instance["status"].as_str().unwrap(),
                instance["kind"].as_str().unwrap()
            );
            assert!(
                lines.iter().any(|l| l.starts_with(&wanted)),
                "{id}: no message {wanted:?} in {lines:?}"
            );
        }
    }
    // The failing privileged container is named in 5.5's messages.
    let c55 = controls
        .iter()
        .find(|c| c["id"] == "xccdf_dev.bollwerk_rule_5.5")
        .unwrap();
    assert!(
        messages(c55)
            .iter()
            .any(|l| l.starts_with("fail: container priv ")),
        "{:?}",
        messages(c55)
    );
}
