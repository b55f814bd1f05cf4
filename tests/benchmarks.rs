//! Benchmarks as data: `[[benchmark]]` declarations and the rules' `benchmarks` tables are
//! checked with `file:line` errors, and a benchmark added purely as data (a `--checks` folder)
//! is one `scan --benchmark` reports under, in JSON and XCCDF.

mod support;

use std::path::{Path, PathBuf};

use bollwerk::rules::loader::LoadError;
use bollwerk::rules::RuleSet;
use support::scan::run;

/// A valid rule whose line 3 is free for a `benchmarks` table (`{B}` is replaced).
const RULE: &str = r#"[[rule]]
id = "{ID}"
{B}
title = "A rule for tests"
description = "What it checks."
rationale = "Why it matters."
remediation = "How to fix it."
level = 1
assessment = "automated"
severity = "low"
scope = "host"
check = { fact = "host.hostname", equals = "box" }
"#;

fn rule(id: &str, benchmarks: &str) -> String {
    RULE.replace("{ID}", id).replace("{B}", benchmarks)
}

/// Writes `files` (name → text) into a fresh temporary directory.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The errors of loading the shipped rules with `dir` as `--checks`.
fn load_errors(dir: &Path) -> Vec<LoadError> {
    RuleSet::load_with_benchmarks(Some(dir)).expect_err("the folder should be rejected")
}

/// Asserts exactly one error, in `file` at `line`, whose message holds every part.
fn assert_one(errors: &[LoadError], file: &Path, line: usize, parts: &[&str]) {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(e.file, file.display().to_string(), "{e}");
    assert_eq!(e.line, line, "{e}");
    for p in parts {
        assert!(e.message.contains(p), "message lacks {p:?}: {e}");
    }
}

#[test]
fn shipped_rules_number_every_cis_recommendation_in_the_declared_benchmarks() {
    let (set, benchmarks) = RuleSet::load_with_benchmarks(None).expect("shipped rules load");
    assert_eq!(benchmarks.names(), ["cis-docker-1.8.0", "cis-docker-1.6.0"]);
    assert_eq!(
        benchmarks.default_benchmark().map(|b| b.name.as_str()),
        Some("cis-docker-1.8.0")
    );
    let old = benchmarks.get("cis-docker-1.6.0").unwrap();
    assert_eq!(old.title, "CIS Docker Benchmark v1.6.0");
    for r in &set.rules {
        let cis = r.in_benchmark("cis-docker-1.8.0").map(|e| e.id.as_str());
        if r.id.starts_with("BW-") {
            assert!(r.benchmarks.is_empty(), "{} is bollwerk's own", r.id);
        } else {
            assert_eq!(cis, Some(r.id.as_str()), "{} ({})", r.id, r.origin);
        }
    }
    let cis_rules = set.rules.iter().filter(|r| !r.benchmarks.is_empty());
    assert_eq!(cis_rules.count(), 118, "all of CIS Docker 1.8.0");
    // The crosswalk as the reports' id_1_6_0 gives it: moved, new in 1.8.0, unchanged.
    let old_id = |id: &str| set.get(id).unwrap().id_1_6_0.clone();
    assert_eq!(old_id("5.2").as_deref(), Some("5.1"));
    assert_eq!(old_id("5.1").as_deref(), Some("7.1"));
    assert_eq!(old_id("2.7").as_deref(), Some("-"));
    assert_eq!(old_id("1.1.1"), None);
    assert_eq!(old_id("BW-CAP-DANGEROUS"), None);
}

#[test]
fn a_benchmark_no_file_declares_is_an_error_at_its_line() {
    let dir = dir_with(&[(
        "mine.toml",
        &rule("9.1", r#"benchmarks = { "cis-docker-9.9.9" = "1.1" }"#),
    )]);
    let errors = load_errors(dir.path());
    assert_one(
        &errors,
        &dir.path().join("mine.toml"),
        3,
        &[
            "unknown benchmark 'cis-docker-9.9.9'",
            "cis-docker-1.8.0, cis-docker-1.6.0",
        ],
    );
}

#[test]
fn two_rules_with_one_id_in_a_benchmark_are_an_error() {
    let text = format!(
        "{}\n{}",
        rule("9.1", r#"benchmarks = { "cis-docker-1.6.0" = "9.9" }"#),
        rule("9.2", r#"benchmarks = { "cis-docker-1.6.0" = "9.9" }"#)
    );
    let dir = dir_with(&[("mine.toml", &text)]);
    let file = dir.path().join("mine.toml");
    let errors = load_errors(dir.path());
    assert_one(
        &errors,
        &file,
        16,
        &[
            "cis-docker-1.6.0 id '9.9' is already given to rule 9.1",
            &format!("{}:3", file.display()),
        ],
    );
    // Also against a shipped rule: 5.1 is the 1.6.0 id of the shipped 5.2.
    let dir = dir_with(&[(
        "mine.toml",
        &rule("9.1", r#"benchmarks = { "cis-docker-1.6.0" = "5.1" }"#),
    )]);
    let errors = load_errors(dir.path());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("'5.1' is already given to rule 5.2")
            || errors[0]
                .message
                .contains("'5.1' is already given to rule 9.1"),
        "{}",
        errors[0]
    );
}

#[test]
fn in_the_default_benchmark_a_rules_id_is_its_own() {
    let dir = dir_with(&[(
        "mine.toml",
        &rule("9.1", r#"benchmarks = { "cis-docker-1.8.0" = "9.2" }"#),
    )]);
    assert_one(
        &load_errors(dir.path()),
        &dir.path().join("mine.toml"),
        3,
        &[
            "rule 9.1 has the id '9.2' in cis-docker-1.8.0",
            "write \"9.1\"",
        ],
    );
}

#[test]
fn benchmark_tables_are_checked_where_they_are_written() {
    let bad = [
        (
            r#"benchmarks = { "cis-docker-1.6.0" = 2 }"#,
            "takes the rule's id there as a string",
        ),
        (
            r#"benchmarks = { "cis-docker-1.6.0" = "two nine" }"#,
            "bad id 'two nine' in cis-docker-1.6.0",
        ),
        (
            r#"benchmarks = { "cis-docker-1.6.0" = { id = "2.9", name = "x" } }"#,
            "unknown key 'name'",
        ),
    ];
    for (line, want) in &bad {
        let text = rule("9.1", line);
        let errors = bollwerk::rules::loader::parse_file("t.toml", &text).expect_err("rejected");
        assert_eq!(errors.len(), 1, "{line}: {errors:#?}");
        assert_eq!(errors[0].line, 3, "{}", errors[0]);
        assert!(errors[0].message.contains(want), "{}", errors[0]);
    }
    // The old key and the table together: one says what the other does.
    let text = rule(
        "9.1",
        "id-1-6-0 = \"2.9\"\nbenchmarks = { \"cis-docker-1.6.0\" = \"2.9\" }",
    );
    let errors = bollwerk::rules::loader::parse_file("t.toml", &text).expect_err("rejected");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("old spelling"), "{}", errors[0]);
}

#[test]
fn declarations_are_checked_too() {
    // Declared twice, here and in the shipped checks/benchmarks.toml.
    let twice = "# again\n[[benchmark]]\nname = \"cis-docker-1.6.0\"\ntitle = \"Again\"\n";
    let dir = dir_with(&[("b.toml", twice)]);
    assert_one(
        &load_errors(dir.path()),
        &dir.path().join("b.toml"),
        2,
        &["benchmark 'cis-docker-1.6.0' is already declared at checks/benchmarks.toml:"],
    );
    // A second default.
    let second = "[[benchmark]]\nname = \"mine\"\ntitle = \"Mine\"\ndefault = true\n";
    let dir = dir_with(&[("b.toml", second)]);
    assert_one(
        &load_errors(dir.path()),
        &dir.path().join("b.toml"),
        1,
        &["declared the default, but 'cis-docker-1.8.0' already is"],
    );
    // A rules table naming no rule.
    let stray = "[[benchmark]]\nname = \"mine\"\ntitle = \"Mine\"\n\n[benchmark.rules]\n\"2.1\" = \"M-1\"\n\"9.99\" = \"M-2\"\n";
    let dir = dir_with(&[("b.toml", stray)]);
    assert_one(
        &load_errors(dir.path()),
        &dir.path().join("b.toml"),
        7,
        &["mine: no rule '9.99' to number"],
    );
    // A rules table numbering a rule its own table already numbers there.
    let both = format!(
        "{}\n[[benchmark]]\nname = \"mine\"\ntitle = \"Mine\"\n\n[benchmark.rules]\n\"9.1\" = \"M-2\"\n",
        rule("9.1", r#"benchmarks = { "mine" = "M-1" }"#)
    );
    let dir = dir_with(&[("b.toml", &both)]);
    let file = dir.path().join("b.toml");
    assert_one(
        &load_errors(dir.path()),
        &file,
        19,
        &[&format!(
            "rule 9.1 already has an id in mine at {}:3",
            file.display()
        )],
    );
}

// ---- the command line ---------------------------------------------------------------------

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An organisation's numbering as data: a benchmark declared in a `--checks` folder that
/// numbers three shipped rules from its own side (one with a title of its own) and one rule
/// of the folder from the rule's side.
const ORG_X: &str = r#"[[benchmark]]
name = "org-x"
title = "Example Corp Docker Baseline 2.0"
version = "2.0"
publisher = "Example Corp"
ident-system = "https://example.com/baselines/docker"

[benchmark.rules]
"2.1" = "ORG-NET-1"
"3.1" = { id = "ORG-FILE-1", title = "The Docker unit belongs to root" }
"BW-CAP-DANGEROUS" = "ORG-RUN-7"

[[rule]]
id = "BW-ORG-MOTD"
benchmarks = { "org-x" = "ORG-HOST-9" }
title = "The host has a message of the day"
description = "Example Corp's hosts greet their users."
rationale = "House rule."
remediation = "Write /etc/motd."
level = 1
assessment = "automated"
severity = "low"
scope = "host"
check = { fact = "host.files[\"/etc/motd\"].exists", equals = true, missing = "fail" }
"#;

#[test]
fn a_benchmark_added_as_data_numbers_the_json_and_xccdf_reports() {
    let checks = dir_with(&[("org.toml", ORG_X)]);
    let out = tempfile::tempdir().unwrap();
    let snapshot = manifest("tests/rules/base.json");
    let (code, _, err) = run(&[
        "scan",
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--checks",
        checks.path().to_str().unwrap(),
        "--benchmark",
        "org-x",
        "--format",
        "json,xccdf",
        "--output",
        out.path().to_str().unwrap(),
        "--quiet",
    ]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["benchmark"], "Example Corp Docker Baseline 2.0");
    assert_eq!(report["numbering"]["benchmark"], "org-x");
    let results = report["results"].as_array().unwrap();
    let by_id = |id: &str| {
        results
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result {id}"))
    };
    for (org, rule) in [
        ("ORG-NET-1", "2.1"),
        ("ORG-FILE-1", "3.1"),
        ("ORG-RUN-7", "BW-CAP-DANGEROUS"),
        ("ORG-HOST-9", "BW-ORG-MOTD"),
    ] {
        let r = by_id(org);
        assert_eq!(r["id_1_8_0"], rule, "{org} keeps its rule id");
        assert_eq!(r["section"], "ORG");
    }
    assert_eq!(
        by_id("ORG-FILE-1")["title"],
        "The Docker unit belongs to root"
    );
    assert_eq!(
        by_id("ORG-NET-1")["title"],
        "Run the Docker daemon as a non-root user where possible"
    );
    // CIS rules org-x does not number are left out; bollwerk's own rules stay.
    assert!(results.iter().all(|r| r["id"] != "5.2" && r["id"] != "2.1"));
    assert!(results.iter().any(|r| r["id"] == "BW-NS-PID"));
    assert!(results.iter().all(|r| r.get("id_1_6_0").is_none()));

    // XCCDF keeps bollwerk's rule ids and names org-x's as idents of its system.
    let xccdf = std::fs::read_to_string(out.path().join("report.xccdf.xml")).unwrap();
    for (org, rule) in [("ORG-NET-1", "2.1"), ("ORG-RUN-7", "BW-CAP-DANGEROUS")] {
        let ident = format!("<ident system=\"https://example.com/baselines/docker\">{org}</ident>");
        assert!(xccdf.contains(&ident), "no {ident}");
        let rule_el = format!("<Rule id=\"xccdf_dev.bollwerk_rule_{rule}\"");
        let at = xccdf
            .find(&rule_el)
            .unwrap_or_else(|| panic!("no {rule_el}"));
        let end = at + xccdf[at..].find("</Rule>").unwrap();
        assert!(
            xccdf[at..end].contains(&ident),
            "{rule}'s Rule lacks {ident}"
        );
    }
    assert!(
        xccdf.contains("<title>bollwerk: Docker host audit following the Example Corp Docker Baseline 2.0</title>"),
        "benchmark title"
    );
}

#[test]
fn an_unknown_benchmark_is_one_line_naming_the_known_ones() {
    let checks = dir_with(&[("org.toml", ORG_X)]);
    let (code, out, err) = run(&[
        "scan",
        "--snapshot",
        manifest("tests/rules/base.json").to_str().unwrap(),
        "--checks",
        checks.path().to_str().unwrap(),
        "--benchmark",
        "org-y",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown benchmark 'org-y': the rule files declare cis-docker-1.8.0, cis-docker-1.6.0, org-x"),
        "{err}"
    );
}

#[test]
fn rules_show_writes_the_benchmarks_table_as_rule_files_do() {
    let checks = dir_with(&[("org.toml", ORG_X)]);
    let (code, out, err) = run(&[
        "rules",
        "show",
        "3.1",
        "--checks",
        checks.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().any(|l| l
            == r#"benchmarks = { "cis-docker-1.8.0" = "3.1", "cis-docker-1.6.0" = "3.1", "org-x" = { id = "ORG-FILE-1", title = "The Docker unit belongs to root" } }"#),
        "{out}"
    );
}
