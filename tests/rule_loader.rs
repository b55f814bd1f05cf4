//! The rule loader: every validation error names the right line and says what is wrong; the
//! shipped rules load and are complete; `--checks` directories add and replace rules by id.

use std::collections::BTreeSet;
use std::path::Path;

use bollwerk::rules::loader::{load_dir, merge, parse_file, LoadError};
use bollwerk::rules::model::{Check, Missing, Op, Operand, Scope};
use bollwerk::rules::RuleSet;

/// A valid rule, one field per line, so a test can swap one line and know its number:
///
/// ```text
///  1 [[rule]]            5 rationale      9 severity     13 check
///  2 id                  6 remediation   10 scope
///  3 title               7 level         11 references
///  4 description         8 assessment    12 impact
/// ```
const BASE: &str = r#"[[rule]]
id = "9.1"
title = "A rule for tests"
description = "What it checks."
rationale = "Why it matters."
remediation = "How to fix it."
level = 1
assessment = "automated"
severity = "low"
scope = "host"
references = ["CIS Docker Benchmark 1.8.0 §9.1"]
impact = "None."
check = { fact = "host.hostname", equals = "box" }
"#;

/// BASE with the line that starts with `key =` replaced by `line` (same line count when `line`
/// is one line).
fn with(key: &str, line: &str) -> String {
    let prefix = format!("{key} =");
    let mut found = false;
    let out: Vec<&str> = BASE
        .lines()
        .map(|l| {
            if l.starts_with(&prefix) {
                found = true;
                line
            } else {
                l
            }
        })
        .collect();
    assert!(found, "BASE has no line for {key}");
    out.join("\n") + "\n"
}

/// BASE with its check line replaced.
fn with_check(check: &str) -> String {
    with("check", &format!("check = {check}"))
}

/// BASE without the line for `key` (later lines move up by one).
fn without(key: &str) -> String {
    let prefix = format!("{key} =");
    let out: Vec<&str> = BASE.lines().filter(|l| !l.starts_with(&prefix)).collect();
    assert_eq!(
        out.len() + 1,
        BASE.lines().count(),
        "BASE has no line for {key}"
    );
    out.join("\n") + "\n"
}

/// Parses `text` expecting exactly one error, and returns it.
fn one_error(text: &str) -> LoadError {
    let errors = parse_file("test.toml", text).expect_err("the file should be rejected");
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    errors.into_iter().next().unwrap()
}

/// Asserts `text` is rejected with one error on `line` whose message contains every part.
fn assert_error(text: &str, line: usize, parts: &[&str]) -> LoadError {
    let e = one_error(text);
    assert_eq!(e.file, "test.toml");
    assert_eq!(e.line, line, "wrong line for {e}");
    for p in parts {
        assert!(e.message.contains(p), "message lacks {p:?}: {e}");
    }
    e
}

/// Writes `files` (name → text) into a fresh temporary directory.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

// ---- the positive cases -------------------------------------------------------------------

#[test]
fn base_rule_of_these_tests_is_valid() {
    let rules = parse_file("test.toml", BASE).expect("BASE is valid");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].id, "9.1");
    assert_eq!(rules[0].impact.as_deref(), Some("None."));
}

#[test]
fn valid_minimal_rule_parses_with_origin_file_and_line_of_its_header() {
    let text = r#"# a comment

[[rule]]
id = "BW-TEST-1"
title = "  Minimal  "
description = "d"
rationale = "r"
remediation = "fix"
level = 2
assessment = "manual"
severity = "high"
scope = "each-container"
check = { fact = "container.inspect.HostConfig.Privileged", equals = false, missing = "pass" }
"#;
    let rules = parse_file("dir/minimal.toml", text).expect("valid");
    assert_eq!(rules.len(), 1);
    let r = &rules[0];
    assert_eq!(r.origin, "dir/minimal.toml:3");
    assert_eq!(r.title, "Minimal", "title is trimmed");
    assert_eq!(r.level, 2);
    assert_eq!(r.scope, Scope::EachContainer);
    assert!(r.references.is_empty(), "references default to none");
    assert!(r.impact.is_none() && r.id_1_6_0.is_none() && r.applies_when.is_none());
    assert!(!r.informational);
    match &r.check {
        Some(Check::Test(t)) => {
            assert_eq!(
                t.fact.to_string(),
                "container.inspect.HostConfig.Privileged"
            );
            assert_eq!(t.missing, Missing::Pass);
            assert!(
                matches!(&t.op, Op::Equals(Operand::Literal(v)) if v == &serde_json::json!(false))
            );
        }
        other => panic!("expected one test, got {other:?}"),
    }
}

#[test]
fn second_rule_in_a_file_has_the_origin_of_its_own_header() {
    let text = format!("{BASE}\n{}", BASE.replace("\"9.1\"", "\"9.2\""));
    let rules = parse_file("two.toml", &text).expect("valid");
    let origins: Vec<&str> = rules.iter().map(|r| r.origin.as_str()).collect();
    assert_eq!(origins, ["two.toml:1", "two.toml:15"]);
}

#[test]
fn rule_without_check_loads_as_a_manual_rule() {
    let rules = parse_file("test.toml", &without("check")).expect("valid");
    assert!(rules[0].check.is_none());
}

#[test]
fn missing_defaults_to_fail_and_params_become_param_operands() {
    let text = with_check(
        r#"{ fact = "host.docker_group.members", subset-of = { param = "trusted-users" } }"#,
    );
    let rules = parse_file("test.toml", &text).expect("valid");
    match &rules[0].check {
        Some(Check::Test(t)) => {
            assert_eq!(t.missing, Missing::Fail);
            assert!(matches!(&t.op, Op::SubsetOf(Operand::Param(p)) if p == "trusted-users"));
        }
        other => panic!("expected one test, got {other:?}"),
    }
}

#[test]
fn every_operator_and_placeholder_kind_is_accepted() {
    let checks = [
        r#"{ fact = "daemon.settings.icc", equals = false }"#,
        r#"{ fact = "daemon.settings.log-driver", not-equals = "none" }"#,
        r#"{ fact = "daemon.settings.log-level", in = ["info", "warn"] }"#,
        r#"{ fact = "daemon.settings.log-level", not-in = ["debug"] }"#,
        r#"{ fact = "daemon.settings.userns-remap", matches = "^default$" }"#,
        r#"{ fact = "daemon.settings.userns-remap", not-matches = "^root" }"#,
        r#"{ fact = "daemon.settings.hosts", contains = "unix:///var/run/docker.sock" }"#,
        r#"{ fact = "daemon.settings.hosts", not-contains = "tcp://0.0.0.0:2375" }"#,
        r#"{ fact = "daemon.settings.hosts", any-matches = "^unix://" }"#,
        r#"{ fact = "daemon.settings.hosts", none-matches = "^tcp://" }"#,
        r#"{ fact = "daemon.settings.tlscacert", present = true }"#,
        r#"{ fact = "daemon.settings.seccomp-profile", absent = true }"#,
        r#"{ fact = "daemon.settings.insecure-registries", empty = true }"#,
        r#"{ fact = "daemon.settings.userns-remap", not-empty = true }"#,
        r#"{ fact = "host.sysctl[\"kernel.kptr_restrict\"]", gt = 0 }"#,
        r#"{ fact = "host.sysctl[\"kernel.kptr_restrict\"]", ge = 1 }"#,
        r#"{ fact = "host.sysctl[\"kernel.kptr_restrict\"]", lt = 3 }"#,
        r#"{ fact = "host.sysctl[\"kernel.kptr_restrict\"]", le = 2.5 }"#,
        r#"{ fact = "host.files[\"{unit:docker.service}\"].mode", mode-at-most = "0644" }"#,
        r#"{ fact = "host.files[\"{socket:docker}\"].owner", owner-is = "root:docker" }"#,
        r#"{ fact = "host.files[\"{config:daemon.json}\"].owner", owner-is = "root" }"#,
        r#"{ fact = "host.docker_group.members", subset-of = ["root"] }"#,
        r#"{ fact = "host.audit", audits = "{bin:dockerd}" }"#,
        r#"{ fact = "host.audit", audits = "{dir:docker-root}" }"#,
        r#"{ fact = "host.audit", audits = "/etc/docker" }"#,
        r#"{ not = { fact = "daemon.settings.icc", equals = true } }"#,
        r#"{ any = [{ fact = "host.hostname", empty = true }, { fact = "daemon.reachable", equals = true }] }"#,
    ];
    for c in checks {
        let text = with_check(c);
        if let Err(e) = parse_file("test.toml", &text) {
            panic!("{c} should load: {e:?}");
        }
    }
}

// ---- one test per loader error ------------------------------------------------------------

#[test]
fn toml_syntax_error_names_its_line() {
    let text = with("title", r#"title = "no closing quote"#);
    let e = assert_error(&text, 3, &["string"]);
    assert!(e.to_string().starts_with("test.toml:3: "), "{e}");
}

#[test]
fn unknown_top_level_key_is_rejected() {
    let text = format!("{BASE}\n[[rules]]\nid = \"9.2\"\n");
    assert_error(&text, 15, &["unknown field `rules`", "`rule`"]);
}

#[test]
fn unknown_field_in_a_rule_is_rejected() {
    let text = with("title", r#"titel = "A rule for tests""#);
    assert_error(&text, 3, &["unknown field `titel`", "`title`"]);
}

#[test]
fn missing_required_field_is_reported_at_the_rule() {
    let text = without("remediation");
    assert_error(&text, 1, &["missing field `remediation`"]);
}

#[test]
fn bad_rule_id_is_rejected() {
    let text = with("id", r#"id = "5.x""#);
    assert_error(&text, 2, &["bad rule id '5.x'", "5.10", "BW-NS-1"]);
}

#[test]
fn bad_id_1_6_0_is_rejected() {
    let text = with("id", "id = \"9.1\"\nid-1-6-0 = \"two.nine\"");
    assert_error(&text, 3, &["bad id-1-6-0 'two.nine'", "2.9"]);
}

#[test]
fn empty_title_is_rejected() {
    let text = with("title", r#"title = "   ""#);
    assert_error(&text, 3, &["title must be one non-empty line"]);
}

#[test]
fn multi_line_title_is_rejected() {
    let text = with("title", r#"title = "first line\nsecond line""#);
    assert_error(&text, 3, &["title must be one non-empty line"]);
}

#[test]
fn level_3_is_rejected() {
    let text = with("level", "level = 3");
    assert_error(&text, 7, &["level 3", "expected 1 or 2"]);
}

#[test]
fn unknown_assessment_is_rejected() {
    let text = with("assessment", r#"assessment = "automatic""#);
    assert_error(
        &text,
        8,
        &["unknown assessment 'automatic'", "automated or manual"],
    );
}

#[test]
fn unknown_severity_is_rejected() {
    let text = with("severity", r#"severity = "critical""#);
    assert_error(
        &text,
        9,
        &["unknown severity 'critical'", "low, medium or high"],
    );
}

#[test]
fn unknown_scope_is_rejected() {
    let text = with("scope", r#"scope = "each-volume""#);
    assert_error(
        &text,
        10,
        &[
            "unknown scope 'each-volume'",
            "host, daemon, each-container or each-image",
        ],
    );
}

#[test]
fn check_with_both_fact_and_all_is_rejected() {
    let text = with_check(
        r#"{ fact = "host.hostname", equals = "box", all = [{ fact = "host.hostname", present = true }] }"#,
    );
    assert_error(
        &text,
        13,
        &["a check has exactly one of `all`, `any`, `not`", "`fact`"],
    );
}

#[test]
fn check_with_any_and_not_is_rejected() {
    let text = with_check(
        r#"{ any = [{ fact = "host.hostname", present = true }], not = { fact = "host.hostname", empty = true } }"#,
    );
    assert_error(
        &text,
        13,
        &["a check has exactly one of `all`, `any`, `not`", "`fact`"],
    );
}

#[test]
fn empty_all_is_rejected() {
    let text = with_check("{ all = [] }");
    assert_error(&text, 13, &["need at least one check"]);
}

#[test]
fn test_without_operator_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname" }"#);
    assert_error(
        &text,
        13,
        &[
            "test of 'host.hostname' needs exactly one operator, found 0",
            "mode-at-most",
        ],
    );
}

#[test]
fn test_with_two_operators_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equals = "a", not-equals = "b" }"#);
    assert_error(&text, 13, &["needs exactly one operator, found 2"]);
}

#[test]
fn unknown_operator_key_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equal = 1 }"#);
    assert_error(&text, 13, &["unknown field `equal`", "`equals`"]);
}

#[test]
fn malformed_fact_path_is_rejected() {
    let text = with_check(r#"{ fact = "host..hostname", present = true }"#);
    assert_error(
        &text,
        13,
        &["bad fact path 'host..hostname'", "empty segment"],
    );
}

#[test]
fn fact_root_outside_the_scope_is_rejected() {
    let text =
        with_check(r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#);
    assert_error(
        &text,
        13,
        &[
            "starts with 'container'",
            "cannot read",
            "expected one of host, daemon",
        ],
    );
}

#[test]
fn image_fact_in_a_container_rule_is_rejected() {
    let text = with("scope", r#"scope = "each-container""#).replace(
        r#"check = { fact = "host.hostname", equals = "box" }"#,
        r#"check = { fact = "image.inspect.Config.User", not-empty = true }"#,
    );
    assert_error(
        &text,
        13,
        &["starts with 'image'", "host, daemon, container"],
    );
}

#[test]
fn unknown_field_under_a_root_is_rejected() {
    let text =
        with_check(r#"{ fact = "host.filez[\"/etc/docker\"].mode", mode-at-most = "0755" }"#);
    assert_error(
        &text,
        13,
        &["unknown field 'filez' under host", "files", "sysctl"],
    );
}

/// Below the first field the snapshot's schema decides: a typo deep in a typed fact is caught
/// at load time, while Docker's own documents stay free-form.
#[test]
fn unknown_field_deep_in_a_typed_fact_is_rejected() {
    let text =
        with_check(r#"{ fact = "host.files[\"/etc/docker\"].moed", mode-at-most = "0755" }"#);
    assert_error(
        &text,
        13,
        &["unknown field 'moed' under host.files[…]", "mode", "owner"],
    );
    let text = with_check(r#"{ fact = "host.hostname.first", equals = "x" }"#);
    assert_error(
        &text,
        13,
        &["host.hostname is text: it has no field 'first'"],
    );
    let text = with_check(r#"{ fact = "host.docker_group.memberz", present = true }"#);
    assert_error(
        &text,
        13,
        &["unknown field 'memberz' under host.docker_group"],
    );
    let ok = with_check(r#"{ fact = "host.interfaces[0].name", present = true }"#);
    assert!(parse_file("t.toml", &ok).is_ok());
}

#[test]
fn unknown_daemon_setting_is_rejected() {
    let text = with_check(r#"{ fact = "daemon.settings.icc2", equals = false }"#);
    assert_error(&text, 13, &["'icc2' is not a daemon.json key"]);
}

#[test]
fn bad_placeholder_kind_in_a_fact_is_rejected() {
    let text = with_check(r#"{ fact = "host.files[\"{foo:bar}\"].mode", mode-at-most = "0644" }"#);
    assert_error(
        &text,
        13,
        &[
            "bad placeholder '{foo:bar}'",
            "bin, unit, socket, config, dir",
        ],
    );
}

#[test]
fn bad_regular_expression_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", matches = "(unclosed" }"#);
    assert_error(
        &text,
        13,
        &["bad regular expression /(unclosed/", "unclosed group"],
    );
}

#[test]
fn non_octal_mode_is_rejected() {
    let text = with_check(r#"{ fact = "host.files[\"/etc/docker\"].mode", mode-at-most = "999" }"#);
    assert_error(&text, 13, &["bad mode '999'", "octal"]);
}

#[test]
fn owner_without_user_is_rejected() {
    let text = with_check(r#"{ fact = "host.files[\"/etc/docker\"].owner", owner-is = ":root" }"#);
    assert_error(&text, 13, &["bad owner ':root'", "user:group"]);
}

#[test]
fn in_with_a_non_list_is_rejected() {
    let text = with_check(r#"{ fact = "daemon.settings.log-level", in = "info" }"#);
    assert_error(&text, 13, &["`in` takes a list"]);
}

#[test]
fn gt_with_a_string_is_rejected() {
    let text = with_check(r#"{ fact = "host.sysctl[\"kernel.kptr_restrict\"]", gt = "1" }"#);
    assert_error(&text, 13, &["`gt` takes a number"]);
}

#[test]
fn unknown_param_is_rejected() {
    let text =
        with_check(r#"{ fact = "host.docker_group.members", subset-of = { param = "nope" } }"#);
    assert_error(&text, 13, &["unknown parameter 'nope'", "trusted-users"]);
}

#[test]
fn table_operand_other_than_param_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equals = { value = "x" } }"#);
    assert_error(&text, 13, &["{ param = \"name\" }"]);
}

#[test]
fn present_false_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", present = false }"#);
    assert_error(&text, 13, &["`present` only takes true"]);
}

#[test]
fn audits_on_a_fact_other_than_host_audit_is_rejected() {
    let text = with_check(r#"{ fact = "host.files[\"/etc/docker\"]", audits = "/etc/docker" }"#);
    assert_error(&text, 13, &["`audits` applies to the fact host.audit"]);
}

#[test]
fn audits_with_a_relative_path_is_rejected() {
    let text = with_check(r#"{ fact = "host.audit", audits = "etc/docker" }"#);
    assert_error(
        &text,
        13,
        &["absolute host path or a placeholder", "'etc/docker'"],
    );
}

#[test]
fn audits_with_a_bad_placeholder_is_rejected() {
    let text = with_check(r#"{ fact = "host.audit", audits = "{binary:dockerd}" }"#);
    assert_error(&text, 13, &["bad placeholder '{binary:dockerd}'"]);
}

#[test]
fn missing_on_a_combinator_is_rejected() {
    let text =
        with_check(r#"{ all = [{ fact = "host.hostname", present = true }], missing = "pass" }"#);
    assert_error(
        &text,
        13,
        &["`missing` belongs to a `fact` test or to `every`"],
    );
}

#[test]
fn every_without_check_is_rejected() {
    let text = with_check(r#"{ every = "host.interfaces" }"#);
    assert_error(&text, 13, &["`every = \"host.interfaces\"` needs `check"]);
}

#[test]
fn check_without_every_is_rejected() {
    let text = with_check(
        r#"{ fact = "host.hostname", present = true, check = { fact = "host.os", present = true } }"#,
    );
    assert_error(&text, 13, &["`check` belongs to `every`"]);
}

#[test]
fn every_over_a_fact_outside_the_scope_is_rejected() {
    let text = with_check(
        r#"{ every = "container.inspect.Mounts", check = { fact = "item.Source", present = true } }"#,
    );
    assert_error(&text, 13, &["starts with 'container'", "cannot read"]);
}

#[test]
fn item_root_outside_every_is_rejected() {
    let text = with_check(r#"{ fact = "item.name", present = true }"#);
    assert_error(&text, 13, &["the root `item` only exists inside `every`"]);
}

#[test]
fn fact_operand_outside_the_scope_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equals = { fact = "container.name" } }"#);
    assert_error(
        &text,
        13,
        &["fact 'container.name' starts with 'container'"],
    );
}

#[test]
fn malformed_fact_operand_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equals = { fact = "host..fqdn" } }"#);
    assert_error(&text, 13, &["bad fact path 'host..fqdn'"]);
}

#[test]
fn every_with_item_facts_and_nested_every_loads() {
    let text = with_check(
        r#"{ every = "host.interfaces", check = { all = [
  { fact = "item.name", not-empty = true },
  { every = "item.addresses", check = { fact = "item", not-matches = "^169\\.254\\." } },
] } }"#,
    );
    let rules = parse_file("test.toml", &text).expect("valid");
    match &rules[0].check {
        Some(Check::Every { list, missing, .. }) => {
            assert_eq!(list.to_string(), "host.interfaces");
            assert_eq!(
                *missing,
                Missing::Pass,
                "an empty list passes unless told otherwise"
            );
        }
        other => panic!("expected every, got {other:?}"),
    }
}

#[test]
fn id_1_6_0_dash_marks_a_recommendation_new_in_1_8_0() {
    let text = with("id", "id = \"9.1\"\nid-1-6-0 = \"-\"");
    let rules = parse_file("test.toml", &text).expect("valid");
    assert_eq!(rules[0].id_1_6_0.as_deref(), Some("-"));
}

#[test]
fn unknown_missing_value_is_rejected() {
    let text = with_check(r#"{ fact = "host.hostname", equals = "box", missing = "ignore" }"#);
    assert_error(
        &text,
        13,
        &[
            "unknown missing 'ignore'",
            "expected fail, pass, notapplicable, error",
        ],
    );
}

#[test]
fn unmet_takes_fail_or_error_and_belongs_to_a_fact_test() {
    let text = with_check(r#"{ fact = "host.hostname", equals = "box", unmet = "error" }"#);
    match &parse_file("test.toml", &text).expect("valid")[0].check {
        Some(Check::Test(t)) => assert_eq!(t.unmet, bollwerk::rules::model::Unmet::Error),
        other => panic!("{other:?}"),
    }
    let text = with_check(r#"{ fact = "host.hostname", equals = "box", unmet = "pass" }"#);
    assert_error(
        &text,
        13,
        &["unknown unmet 'pass'", "expected fail or error"],
    );
    let text =
        with_check(r#"{ all = [{ fact = "host.hostname", present = true }], unmet = "error" }"#);
    assert_error(&text, 13, &["`unmet` says what a `fact` test concludes"]);
    let text =
        with_check(r#"{ fact = "host.audit", audits = "/usr/bin/dockerd", unmet = "error" }"#);
    assert_error(&text, 13, &["`unmet` does not go with `audits`"]);
}

#[test]
fn error_in_a_nested_check_names_the_line_of_that_check() {
    let text = with_check(
        r#"{ all = [
  { fact = "host.hostname", present = true },
  { any = [
    { fact = "daemon.settings.icc", equals = false },
    { fact = "daemon.settings.icc", equals = false, missing = "maybe" },
  ] },
] }"#,
    );
    assert_error(&text, 17, &["unknown missing 'maybe'"]);
}

#[test]
fn error_in_applies_when_is_reported() {
    let text = with(
        "impact",
        r#"applies-when = { fact = "host.hostname", exists = true }"#,
    );
    assert_error(&text, 12, &["unknown field `exists`"]);
}

#[test]
fn duplicate_id_in_one_directory_names_the_first_place() {
    let dir = dir_with(&[
        ("a.toml", BASE),
        ("sub/b.toml", &format!("# again\n{BASE}")),
    ]);
    let rules = load_dir(dir.path()).expect("each file is valid on its own");
    let errors = merge(Vec::new(), rules).expect_err("duplicate id");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let first = dir.path().join("a.toml").display().to_string();
    let second = dir.path().join("sub/b.toml").display().to_string();
    assert_eq!(errors[0].file, second);
    assert_eq!(errors[0].line, 2);
    assert_eq!(
        errors[0].message,
        format!("rule id '9.1' is already defined at {first}:1")
    );
    // The same through RuleSet::load, as `--checks DIR` does it.
    let errors = RuleSet::load(Some(dir.path())).expect_err("duplicate id");
    assert!(
        errors[0].message.contains("already defined at"),
        "{errors:?}"
    );
}

#[test]
fn duplicate_id_in_one_file_is_rejected() {
    let text = format!("{BASE}{BASE}");
    let rules = parse_file("dup.toml", &text).expect("each rule is valid");
    let errors = merge(rules, Vec::new()).expect_err("duplicate id");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "dup.toml:14: rule id '9.1' is already defined at dup.toml:1"
    );
}

#[test]
fn load_dir_on_a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let errors = load_dir(&missing).expect_err("missing directory");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file, missing.display().to_string());
    assert_eq!(errors[0].line, 0);
    // No line is meant: none is shown.
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}: no such directory: --checks takes a folder of *.toml rule files",
            missing.display()
        )
    );
}

#[test]
fn load_dir_on_a_file_is_an_error() {
    let dir = dir_with(&[("rules.toml", BASE)]);
    let errors = load_dir(&dir.path().join("rules.toml")).expect_err("a file, not a folder");
    assert!(
        errors[0].message.contains("not a directory"),
        "{}",
        errors[0]
    );
}

#[test]
fn load_dir_reads_only_toml_files_recursively() {
    let dir = dir_with(&[
        ("README.md", "not a rule file"),
        ("notes.txt", "[[rule]] broken"),
        ("deep/er/x.toml", BASE),
    ]);
    let rules = load_dir(dir.path()).expect("only x.toml is read");
    assert_eq!(rules.len(), 1);
    assert!(rules[0].origin.ends_with("x.toml:1"), "{}", rules[0].origin);
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    // Rule 1 (lines 1-13): bad level and bad severity. Rule 2 (from line 15): bad scope and,
    // inside `all`, a bad regex and an unknown daemon setting.
    let first = BASE
        .replace("level = 1", "level = 0")
        .replace("severity = \"low\"", "severity = \"urgent\"");
    let second = BASE.replace("\"9.1\"", "\"9.2\"").replace(
        r#"check = { fact = "host.hostname", equals = "box" }"#,
        r#"check = { all = [
  { fact = "host.hostname", matches = "[" },
  { fact = "daemon.settings.nope", equals = 1 },
] }"#,
    );
    let text = format!("{first}\n{second}");
    let errors = parse_file("many.toml", &text).expect_err("invalid");
    let got: Vec<(usize, &str)> = errors
        .iter()
        .map(|e| (e.line, e.message.split(':').next().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (7, "level 0 is not a CIS profile level"),
            (9, "unknown severity 'urgent'"),
            (28, "bad regular expression /[/"),
            (29, "fact 'daemon.settings.nope'"),
        ],
        "{errors:#?}"
    );
}

#[test]
fn errors_in_several_files_of_a_directory_are_all_reported() {
    let dir = dir_with(&[
        ("a.toml", &with("level", "level = 9")),
        ("b.toml", &with("scope", r#"scope = "cluster""#)),
        ("c.toml", &BASE.replace("\"9.1\"", "\"9.3\"")),
    ]);
    let errors = load_dir(dir.path()).expect_err("two bad files");
    let got: Vec<String> = errors
        .iter()
        .map(|e| {
            let name = Path::new(&e.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            format!("{name}:{}", e.line)
        })
        .collect();
    assert_eq!(got, ["a.toml:7", "b.toml:10"], "{errors:#?}");
}

// ---- --checks and the shipped rules -------------------------------------------------------

#[test]
fn checks_dir_replaces_an_embedded_rule_by_id_and_adds_a_new_one() {
    let embedded = RuleSet::load(None).expect("embedded rules load");
    let replacement = BASE
        .replace("\"9.1\"", "\"2.2\"")
        .replace("A rule for tests", "Local icc policy")
        .replace("scope = \"host\"", "scope = \"daemon\"");
    let new = BASE.replace("\"9.1\"", "\"BW-LOCAL-1\"");
    let dir = dir_with(&[("local.toml", &format!("{replacement}\n{new}"))]);

    let set = RuleSet::load(Some(dir.path())).expect("merged");
    assert_eq!(set.rules.len(), embedded.rules.len() + 1);
    let replaced = set.get("2.2").expect("2.2 still there");
    assert_eq!(replaced.title, "Local icc policy");
    let local = dir.path().join("local.toml").display().to_string();
    assert_eq!(replaced.origin, format!("{local}:1"));
    let added = set.get("BW-LOCAL-1").expect("new rule added");
    assert_eq!(added.origin, format!("{local}:15"));
    let position = |id: &str| set.rules.iter().position(|r| r.id == id).unwrap();
    let last_cis = set
        .rules
        .iter()
        .rposition(|r| !r.id.starts_with("BW-"))
        .unwrap();
    assert!(
        position("BW-LOCAL-1") > last_cis,
        "bollwerk ids sort after CIS ids"
    );
    assert!(
        position("2.2") < last_cis,
        "2.2 keeps its place among CIS ids"
    );
    // Every other embedded rule is untouched.
    for r in &embedded.rules {
        if r.id != "2.2" {
            assert_eq!(
                set.get(&r.id).map(|x| &x.origin),
                Some(&r.origin),
                "{}",
                r.id
            );
        }
    }
}

#[test]
fn every_shipped_rule_loads_and_is_documented() {
    let set = RuleSet::load(None).unwrap_or_else(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("shipped rules do not load:\n{}", list.join("\n"))
    });
    assert!(!set.rules.is_empty());
    let mut ids = BTreeSet::new();
    for r in &set.rules {
        assert!(ids.insert(r.id.clone()), "duplicate id {}", r.id);
        for (field, text) in [
            ("title", &r.title),
            ("description", &r.description),
            ("rationale", &r.rationale),
            ("remediation", &r.remediation),
        ] {
            assert!(
                !text.trim().is_empty(),
                "{} ({}) has an empty {field}",
                r.id,
                r.origin
            );
        }
        assert!(
            !r.references.is_empty(),
            "{} ({}) has no reference",
            r.id,
            r.origin
        );
        if r.id.starts_with("BW-") {
            assert!(r.origin.starts_with("checks/bollwerk/"), "{}", r.origin);
        } else {
            assert!(
                r.origin.starts_with("checks/cis-docker-1.8.0/"),
                "{}",
                r.origin
            );
            let want = format!("CIS Docker Benchmark 1.8.0 §{}", r.id);
            assert!(
                r.references.iter().any(|x| x == &want),
                "{} ({}) lacks the reference {want:?}: {:?}",
                r.id,
                r.origin,
                r.references
            );
        }
    }
}

#[test]
fn shipped_rules_sit_in_the_file_of_their_cis_section() {
    let set = RuleSet::load(None).expect("loads");
    for r in &set.rules {
        if r.id.starts_with("BW-") {
            continue;
        }
        let file = r.origin.rsplit_once(':').unwrap().0;
        let name = Path::new(file).file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with(&format!("{}-", r.section())),
            "{} is defined in {file}",
            r.id
        );
    }
}

/// The folder below `checks/` that holds data files rather than rules.
const DATA_DIR: &str = "data";

#[test]
fn embedded_file_list_matches_the_toml_files_under_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    // checks/data/ holds reference tables the collectors embed (engine release dates), not
    // rules; every other *.toml below checks/ is a rule file.
    let on_disk: BTreeSet<String> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_entry(|e| e.path() != root.join(DATA_DIR))
        .map(|e| e.expect("checks/ is readable"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| {
            e.path()
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let embedded: BTreeSet<String> = bollwerk::rules::embedded::FILES
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(
        embedded.len(),
        bollwerk::rules::embedded::FILES.len(),
        "FILES lists a file twice"
    );
    assert_eq!(
        embedded, on_disk,
        "src/rules/embedded.rs FILES must list exactly the *.toml files under checks/"
    );
}

#[test]
fn load_error_displays_as_file_colon_line_colon_message() {
    let e = LoadError {
        file: "checks/x.toml".into(),
        line: 12,
        message: "what is wrong".into(),
    };
    assert_eq!(e.to_string(), "checks/x.toml:12: what is wrong");
}

// ---- known loader defects (run with `cargo test --test rule_loader -- --ignored`) ----------

#[test]
fn third_duplicate_id_names_the_first_place() {
    let text = format!("{BASE}{BASE}{BASE}");
    let rules = parse_file("dup.toml", &text).expect("each rule is valid");
    let errors = merge(rules, Vec::new()).expect_err("duplicate id");
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "dup.toml:14: rule id '9.1' is already defined at dup.toml:1",
            "dup.toml:27: rule id '9.1' is already defined at dup.toml:1",
        ]
    );
}

#[test]
fn unterminated_placeholder_is_rejected() {
    let text = with_check(
        r#"{ fact = "host.files[\"{unit:docker.service\"].mode", mode-at-most = "0644" }"#,
    );
    assert_error(&text, 13, &["placeholder"]);
    let text = with_check(r#"{ fact = "host.audit", audits = "{bin:dockerd" }"#);
    assert_error(&text, 13, &["placeholder"]);
}

#[test]
fn fact_operand_is_accepted_by_comparisons() {
    for op in ["gt", "ge", "lt", "le"] {
        let text = with_check(&format!(
            r#"{{ fact = "container.inspect.HostConfig.MemoryReservation", {op} = {{ fact = "container.inspect.HostConfig.Memory" }} }}"#
        ))
        .replace("scope = \"host\"", "scope = \"each-container\"");
        if let Err(e) = parse_file("test.toml", &text) {
            panic!("{op} with a fact operand should load: {e:?}");
        }
    }
}

#[test]
fn operator_beside_a_combinator_is_rejected() {
    let text = with_check(r#"{ all = [{ fact = "host.hostname", present = true }], equals = 1 }"#);
    one_error(&text);
    let text = with_check(
        r#"{ every = "host.interfaces", check = { fact = "item.name", present = true }, equals = 1 }"#,
    );
    one_error(&text);
}

#[test]
fn bad_placeholder_in_every_or_fact_operand_is_rejected() {
    let text = with_check(
        r#"{ every = "host.trees[\"{foo:bar}\"]", check = { fact = "item.mode", mode-at-most = "0644" } }"#,
    );
    assert_error(&text, 13, &["bad placeholder '{foo:bar}'"]);
    let text = with_check(
        r#"{ fact = "host.hostname", equals = { fact = "host.files[\"{foo:bar}\"].owner" } }"#,
    );
    assert_error(&text, 13, &["bad placeholder '{foo:bar}'"]);
}

#[test]
fn image_special_files_is_a_known_image_field() {
    let text = with("scope", r#"scope = "each-image""#).replace(
        r#"check = { fact = "host.hostname", equals = "box" }"#,
        r#"check = { fact = "image.special_files", empty = true }"#,
    );
    if let Err(e) = parse_file("test.toml", &text) {
        panic!("image.special_files should load: {e:?}");
    }
}

// ---- expectations in words ------------------------------------------------------------------

/// Every test of `check`, depth first.
fn tests_of(check: &Check) -> Vec<&bollwerk::rules::model::Test> {
    match check {
        Check::Test(t) => vec![t],
        Check::All(list) | Check::Any(list) => list.iter().flat_map(tests_of).collect(),
        Check::Not(inner) => tests_of(inner),
        Check::Every { check, .. } => tests_of(check),
    }
}

#[test]
fn expect_words_a_tests_expectation_and_json_keeps_the_machine_form() {
    let rules = parse_file(
        "test.toml",
        &with_check(
            r#"{ fact = "host.hostname", matches = '^(?i)box$', expect = "  the name box  " }"#,
        ),
    )
    .unwrap();
    let t = tests_of(rules[0].check.as_ref().unwrap())[0];
    assert_eq!(t.expected_text(), "the name box");
    assert_eq!(t.expected(), "matching /^(?i)box$/");
}

#[test]
fn expect_must_be_one_short_non_empty_line_beside_a_fact() {
    assert_error(
        &with_check(r#"{ fact = "host.hostname", equals = "box", expect = " " }"#),
        13,
        &["`expect` is empty"],
    );
    assert_error(
        &with_check(r#"{ fact = "host.hostname", equals = "box", expect = "a\nb" }"#),
        13,
        &["`expect` must be one line"],
    );
    assert_error(
        &with_check(&format!(
            r#"{{ fact = "host.hostname", equals = "box", expect = "{}" }}"#,
            "x".repeat(161)
        )),
        13,
        &["161 characters", "160"],
    );
    assert_error(
        &with_check(r#"{ all = [{ fact = "host.hostname", equals = "box" }], expect = "x" }"#),
        13,
        &["`expect`", "beside `fact`"],
    );
}

#[test]
fn every_operator_has_words_without_json_quotes_or_patterns() {
    let cases = [
        (r#"equals = "json-file""#, "equal to json-file"),
        (r#"not-equals = []"#, "anything but an empty list"),
        (r#"in = ["info", "warn"]"#, "one of info, warn"),
        (r#"not-in = [""]"#, "none of empty text"),
        (
            r#"matches = '^(?i)x$'"#,
            "a value of the form the rule describes",
        ),
        (
            r#"none-matches = '^(a|b)$'"#,
            "no entry of the form the rule describes",
        ),
        (r#"absent = true"#, "not set"),
        (r#"empty = true"#, "empty or not set"),
        (r#"le = 5"#, "at most 5"),
        (r#"mode-at-most = "644""#, "mode at most 0644"),
        (r#"owner-is = "root:root""#, "owned by root:root"),
        (
            r#"subset-of = { param = "trusted-users" }"#,
            "only members of the configured trusted-users",
        ),
    ];
    for (op, words) in cases {
        let rules = parse_file(
            "test.toml",
            &with_check(&format!(r#"{{ fact = "host.hostname", {op} }}"#)),
        )
        .unwrap_or_else(|e| panic!("{op}: {e:?}"));
        let t = tests_of(rules[0].check.as_ref().unwrap())[0];
        assert_eq!(t.expected_text(), words, "{op}");
    }
}

#[test]
fn no_shipped_expectation_shows_a_regular_expression() {
    let rules = RuleSet::load(None).unwrap();
    let regex_syntax = ["(?i)", "^(", "$", "\\b", "\\s", "[^", "/^", "|"];
    let mut shown = 0;
    for rule in &rules.rules {
        for check in rule.check.iter().chain(rule.applies_when.iter()) {
            for t in tests_of(check) {
                shown += 1;
                let words = t.expected_text();
                assert!(
                    !regex_syntax.iter().any(|s| words.contains(s)),
                    "{}: {} is shown as {words:?}",
                    rule.id,
                    t.fact
                );
                let pattern_op = matches!(
                    t.op,
                    Op::Matches(_) | Op::NotMatches(_) | Op::AnyMatches(_) | Op::NoneMatches(_)
                );
                assert!(
                    !pattern_op || !words.contains("the form the rule describes"),
                    "{}: the pattern test of {} needs `expect` words",
                    rule.id,
                    t.fact
                );
            }
        }
    }
    assert!(shown > 200, "only {shown} tests seen");
}

// ---- fix data and remediation placeholders (`--format plan`) ------------------------------

#[test]
fn fix_data_is_validated_with_its_line() {
    // daemon.json keys must be dockerd's.
    assert_error(
        &with("impact", "fix = { daemon-json = { not-a-key = true } }"),
        12,
        &["fix", "'not-a-key' is not a daemon.json key"],
    );
    // docker run flags only for per-container rules.
    assert_error(
        &with("impact", "fix = { run-add = [\"--memory 1g\"] }"),
        12,
        &["run-add", "each-container"],
    );
    assert_error(
        &with("impact", "fix = { daemon-jsn = { icc = false } }"),
        12,
        &["daemon-jsn"],
    );
    let ok = parse_file(
        "test.toml",
        &with(
            "impact",
            "fix = { daemon-json = { icc = false, cgroup-parent = \"remove\" } }",
        ),
    )
    .expect("a daemon.json fix loads");
    assert_eq!(ok[0].fix.daemon_json["icc"], serde_json::json!(false));
    assert!(
        ok[0].fix.daemon_json["cgroup-parent"].is_null(),
        "remove → null"
    );
}

#[test]
fn remediation_placeholders_must_name_a_location_kind() {
    assert_error(
        &with("remediation", "remediation = \"Watch {binary:dockerd}.\""),
        1,
        &["remediation", "binary:dockerd"],
    );
    // Other braces are text.
    parse_file(
        "test.toml",
        &with(
            "remediation",
            "remediation = \"Set {\\\"icc\\\": false} in {config:daemon.json}.\"",
        ),
    )
    .expect("JSON in prose and a known placeholder load");
}
