//! Reports read by the tools that import them, from one scan of a private daemon:
//! - report.xccdf.xml by MITRE SAF's own converter (`saf convert xccdf_results2hdf`, npm
//!   `@mitre/saf` 1.5.3, the version that installs on node 20), as Heimdall users ingest it;
//! - report.sarif against the SARIF 2.1.0 JSON schema (the copy Microsoft's SARIF Multitool
//!   ships, checked by Python's `jsonschema`, a complete Draft 2020-12 validator) and by the
//!   Multitool's own `validate` with GitHub code scanning's ingestion rules, for this scan and
//!   for the per-rule fixtures' base snapshot (failures of every kind of host fact);
//! - report.arf.xml.bz2 (`--compress`, Foreman's upload format) unpacked by `bunzip2` and
//!   validated as ARF by OpenSCAP.
//!
//! scripts/test.sh installs the tools under `$BOLLWERK_TOOLS` (default `/opt/bollwerk-tools`):
//! npm's `@mitre/saf` and `@microsoft/sarif-multitool`, and a venv with `jsonschema`. A missing
//! tool fails the test, it never skips.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::scan::{base_snapshot, bollwerk, scan_snapshot};

/// A tool scripts/test.sh installs under `$BOLLWERK_TOOLS`, by its path there.
fn tool(path: &str) -> PathBuf {
    let tools = std::env::var_os("BOLLWERK_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/bollwerk-tools"));
    let found = tools.join(path);
    assert!(
        found.exists(),
        "{} not found: run scripts/test.sh, which installs it",
        found.display()
    );
    found
}

/// Runs a command, returning its exit status success and everything it printed.
fn run(cmd: &mut Command) -> (bool, String) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), said)
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
fn importers_read_xccdf_sarif_and_compressed_arf() {
    let saf = tool("saf/node_modules/.bin/saf");
    let multitool = tool(MULTITOOL);
    let sarif_schema = tool(SARIF_SCHEMA);
    let python = tool("venv/bin/python");
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
            "json,xccdf,sarif,arf",
            "--compress",
        ],
        out.path(),
    );
    let report = r.report();
    r.expect_instance("5.5", "priv", "fail");
    check_saf(&saf, out.path(), report);
    check_sarif(&multitool, &sarif_schema, &python, out.path(), report);
    check_compressed_arf(out.path());
}

/// A scan of the per-rule fixtures' base snapshot fails host rules of every kind: audit rules
/// (1.1.x), file trees (3.7, 3.8), daemon settings from daemon.json (2.4) and from dockerd's
/// defaults (2.15), `docker info` (2.6), and containers and images. Each result has a physical
/// location, and GitHub code scanning's rules find no error.
#[test]
fn sarif_results_of_every_kind_have_the_locations_github_code_scanning_requires() {
    let multitool = tool(MULTITOOL);
    let schema = tool(SARIF_SCHEMA);
    let dir = tempfile::tempdir().unwrap();
    let r = scan_snapshot(
        &base_snapshot(),
        dir.path(),
        "base",
        &["--format", "json,sarif"],
    );
    for (id, status) in [
        ("1.1.3", "fail"),
        ("1.1.14", "fail"),
        ("2.4", "fail"),
        ("2.6", "fail"),
        ("2.15", "fail"),
        ("3.8", "fail"),
    ] {
        r.expect(id, status);
    }
    r.expect_instance("5.14", "shop-web-1", "fail");
    let path = dir.path().join("base/report.sarif");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_physical_locations(&sarif);
    let uris = |fingerprint: &str| -> Vec<String> {
        let result = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["partialFingerprints"]["bollwerkFinding/v1"] == fingerprint)
            .unwrap_or_else(|| panic!("no result {fingerprint}"));
        result["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let p = &l["physicalLocation"];
                match p["region"]["startLine"].as_u64() {
                    Some(line) => {
                        format!("{}:{line}", p["artifactLocation"]["uri"].as_str().unwrap())
                    }
                    None => p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                }
            })
            .collect()
    };
    // A missing audit watch is fixed in the audit rules: where the host keeps its watches on
    // Docker's files, or the persistent watch found that is not loaded, at its line.
    assert_eq!(
        uris("1.1.3/host"),
        ["file:///etc/audit/rules.d/docker.rules"]
    );
    assert_eq!(
        uris("1.1.14/host"),
        ["file:///etc/audit/rules.d/docker.rules:7"]
    );
    assert_eq!(uris("2.4/host"), ["file:///etc/docker/daemon.json:15"]);
    assert_eq!(uris("2.6/host"), ["file:///etc/docker/daemon.json"]);
    assert_eq!(uris("2.15/host"), ["file:///etc/docker/daemon.json"]);
    // The entries that fail, not the folders that passed through their other branch.
    let mirror = "file:///etc/docker/certs.d/mirror.example.com%3A5000";
    assert_eq!(
        uris("3.8/host"),
        ["ca.crt", "client.cert", "client.key"].map(|f| format!("{mirror}/{f}"))
    );
    assert_eq!(uris("5.14/container/shop-web-1"), ["container/shop-web-1"]);
    let errors = multitool_errors(&multitool, &schema, &path);
    assert!(errors.is_empty(), "sarif-multitool: {errors:#?}");
}

/// MITRE SAF converts report.xccdf.xml with every rule, status, title, severity, description,
/// fix text, rationale, NIST tag and per-container message.
fn check_saf(saf: &Path, out: &Path, report: &Value) {
    let hdf_path = out.join("hdf.json");
    // SAF writes saf-cli.log into its working folder: the scan's, not the checkout.
    let (ok, said) = run(Command::new(saf)
        .current_dir(out)
        .args(["convert", "xccdf_results2hdf", "-i"])
        .arg(out.join("report.xccdf.xml"))
        .arg("-o")
        .arg(&hdf_path));
    // The converter exits 0 even when it crashes: its output file is the proof.
    assert!(ok, "saf failed:\n{said}");
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

/// The SARIF Multitool's own executable: npm's `.bin/sarif-multitool` hands its arguments to a
/// shell, which would cut `--rule-kind Gh;Sarif` at the semicolon.
const MULTITOOL: &str = "sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";
/// The SARIF 2.1.0 schema the Multitool ships.
const SARIF_SCHEMA: &str = "sarif/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json";

/// The errors `Sarif.Multitool validate` finds in `sarif`, with GitHub code scanning's
/// ingestion rules (`Gh`: GH1015 and its kin, a result without locations) beside SARIF's own.
fn multitool_errors(multitool: &Path, schema: &Path, sarif: &Path) -> Vec<Value> {
    let findings = sarif.with_extension("multitool.sarif");
    let (ok, said) = run(Command::new(multitool)
        .arg("validate")
        .arg(sarif)
        .arg("--json-schema")
        .arg(schema)
        .args(["--rule-kind", "Gh;Sarif", "--log", "ForceOverwrite", "-o"])
        .arg(&findings));
    assert!(ok, "sarif-multitool failed:\n{said}");
    let validation: Value =
        serde_json::from_str(&std::fs::read_to_string(&findings).unwrap()).unwrap();
    validation["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .cloned()
        .collect()
}

/// Every result has a location with a physical artifact (a non-empty `uri`): GitHub code
/// scanning rejects a whole upload over one result without ("expected at least one location",
/// "expected a physical location"), and the Multitool checks only the first.
fn assert_physical_locations(sarif: &Value) {
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let locations = r["locations"].as_array();
        assert!(
            locations.is_some_and(|l| !l.is_empty()
                && l.iter()
                    .all(|l| l["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .is_some_and(|u| !u.is_empty()))),
            "a result without a physical location: {r:#}"
        );
    }
}

/// report.sarif: valid against the SARIF 2.1.0 schema, no error from Microsoft's validator,
/// one result per failing instance (and per failing host or daemon rule), each with its rule,
/// and what could not be decided as notifications, not results.
fn check_sarif(multitool: &Path, schema: &Path, python: &Path, out: &Path, report: &Value) {
    let sarif_path = out.join("report.sarif");
    let (ok, said) = run(Command::new(python)
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1]))\n\
             doc = json.load(open(sys.argv[2]))\n\
             errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))\n\
             for e in errors[:20]: print(list(e.path), e.message)\n\
             sys.exit(1 if errors else 0)",
        )
        .arg(schema)
        .arg(&sarif_path));
    assert!(
        ok,
        "report.sarif does not match the SARIF 2.1.0 schema:\n{said}"
    );

    let errors = multitool_errors(multitool, schema, &sarif_path);
    assert!(errors.is_empty(), "sarif-multitool: {errors:#?}");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_physical_locations(&sarif);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let mut expected = Vec::new();
    let mut undecided = 0;
    for r in report["results"].as_array().unwrap() {
        let instances = r["instances"].as_array().unwrap();
        if instances.is_empty() {
            match r["status"].as_str().unwrap() {
                "fail" => expected.push(format!("{}/host", r["id"].as_str().unwrap())),
                "error" => undecided += 1,
                _ => {}
            }
        }
        for i in instances {
            match i["status"].as_str().unwrap() {
                "fail" => expected.push(format!(
                    "{}/{}/{}",
                    r["id"].as_str().unwrap(),
                    i["kind"].as_str().unwrap(),
                    i["name"].as_str().unwrap()
                )),
                "error" => undecided += 1,
                _ => {}
            }
        }
    }
    let mut got: Vec<String> = results
        .iter()
        .map(|r| {
            let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r["ruleId"], "ruleIndex points at its rule");
            assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
            r["partialFingerprints"]["bollwerkFinding/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "one SARIF result per failing instance or rule"
    );
    assert!(got.contains(&"5.5/container/priv".to_string()));
    let notifications = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(notifications >= undecided, "{notifications} < {undecided}");
    assert_eq!(
        run["invocations"][0]["executionSuccessful"],
        notifications == 0
    );
}

/// `--compress` writes report.arf.xml.bz2 only; bunzip2 gives an ARF OpenSCAP validates.
fn check_compressed_arf(out: &Path) {
    assert!(!out.join("report.arf.xml").exists());
    let packed = out.join("report.arf.xml.bz2");
    let (ok, said) = run(Command::new("bunzip2").arg("--keep").arg(&packed));
    assert!(ok, "bunzip2 {}: {said}", packed.display());
    let (ok, said) = run(Command::new("oscap")
        .args(["ds", "rds-validate"])
        .arg(out.join("report.arf.xml")));
    assert!(ok, "oscap ds rds-validate:\n{said}");
}

/// A waived rule as Heimdall gets it from SAF's converter: the override's new result
/// (passed), with the exception named in the rule-result's messages.
#[test]
fn saf_reads_a_waived_rule() {
    let saf = tool("saf/node_modules/.bin/saf");
    let host = support::fixture::HostTree::new();
    host.write(
        "lib/systemd/system/docker.service",
        "[Service]\nExecStart=/usr/bin/dockerd\n",
        0o666,
    );
    let dir = tempfile::tempdir().unwrap();
    let exceptions = dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nid = \"EXC-1\"\nrules = [\"3.2\"]\njustification = \"Rewritten hourly by configuration management.\"\napproved-by = \"ciso@example.com\"\nexpires = 2099-01-31\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let root = host.root_arg();
    let e = exceptions.display().to_string();
    let r = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            "unix:///nonexistent/x.sock",
            "--include",
            "3.1,3.2",
            "--format",
            "json,xccdf",
            "--exceptions",
            &e,
        ],
        &out,
    );
    assert_eq!(r.rule("3.2")["waived"], true);
    let hdf = out.join("hdf.json");
    let o = Command::new(&saf)
        .args(["convert", "xccdf_results2hdf", "-i"])
        .arg(out.join("report.xccdf.xml"))
        .arg("-o")
        .arg(&hdf)
        // SAF writes saf-cli.log into its working folder: the scan's, not the checkout.
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        hdf.is_file(),
        "saf wrote nothing: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let h: Value = serde_json::from_str(&std::fs::read_to_string(&hdf).unwrap()).unwrap();
    let control = h["profiles"][0]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["id"]
                .as_str()
                .is_some_and(|id| id.ends_with("3_2") || id.ends_with("3.2"))
        })
        .unwrap_or_else(|| panic!("no control for 3.2 in {h:#}"))
        .clone();
    assert_eq!(control["results"][0]["status"], "passed", "{control:#}");
    assert!(
        messages(&control)
            .iter()
            .any(|m| m.contains("waived by EXC-1")),
        "{control:#}"
    );
}
