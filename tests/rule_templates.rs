//! Rule templates (`[[template]]`, `template = "NAME"`, `with = { … }`): the shipped file
//! owner and mode rules made from them are the rules they were when written out one by one,
//! and mistakes in templates and in the rules made from them name their file and line.

use bollwerk::rules::loader::parse_file;
use bollwerk::rules::model::{Check, Scope};
use bollwerk::rules::RuleSet;

/// The owner and mode rules of checks/cis-docker-1.8.0/3-files.toml as they were written
/// before templates: id, path, operator, value. Each had `scope = "host"`,
/// `requires-dockerd = true` and `check = { fact = "host.files[\"PATH\"].owner|mode",
/// OPERATOR = "VALUE", missing = "notapplicable" }`; since, each is `error` for a path of
/// another kind than it judges ([`kind_judged`]).
const WRITTEN_OUT: &[(&str, &str, &str, &str)] = &[
    ("3.1", r#"{unit:docker.service}"#, "owner-is", "root:root"),
    ("3.2", r#"{unit:docker.service}"#, "mode-at-most", "0644"),
    ("3.3", r#"{unit:docker.socket}"#, "owner-is", "root:root"),
    ("3.4", r#"{unit:docker.socket}"#, "mode-at-most", "0644"),
    ("3.5", r#"/etc/docker"#, "owner-is", "root:root"),
    ("3.6", r#"/etc/docker"#, "mode-at-most", "0755"),
    ("3.9", r#"{setting:tlscacert}"#, "owner-is", "root:root"),
    ("3.10", r#"{setting:tlscacert}"#, "mode-at-most", "0444"),
    ("3.11", r#"{setting:tlscert}"#, "owner-is", "root:root"),
    ("3.12", r#"{setting:tlscert}"#, "mode-at-most", "0444"),
    ("3.13", r#"{setting:tlskey}"#, "owner-is", "root:root"),
    ("3.14", r#"{setting:tlskey}"#, "mode-at-most", "0400"),
    ("3.15", r#"{socket:docker}"#, "owner-is", "root:docker"),
    ("3.16", r#"{socket:docker}"#, "mode-at-most", "0660"),
    ("3.17", r#"{config:daemon.json}"#, "owner-is", "root:root"),
    ("3.18", r#"{config:daemon.json}"#, "mode-at-most", "0644"),
    ("3.19", r#"/etc/default/docker"#, "owner-is", "root:root"),
    ("3.20", r#"/etc/default/docker"#, "mode-at-most", "0644"),
    ("3.21", r#"/etc/sysconfig/docker"#, "mode-at-most", "0644"),
    ("3.22", r#"/etc/sysconfig/docker"#, "owner-is", "root:root"),
    ("3.23", r#"{socket:containerd}"#, "owner-is", "root:root"),
    ("3.24", r#"{socket:containerd}"#, "mode-at-most", "0660"),
];

/// The rules of [`WRITTEN_OUT`] made from the unit templates, which test drop-ins too.
const UNIT_RULES: &[&str] = &["3.1", "3.2", "3.3", "3.4"];

/// The kind of path the rule on `path` judges: a folder, a socket or a regular file.
fn kind_judged(path: &str) -> &'static str {
    match path {
        "/etc/docker" => "dir",
        p if p.starts_with("{socket:") => "socket",
        _ => "file",
    }
}

/// A rule written out the old way, with this check and the precondition on its path's kind.
fn written_out(path: &str, op: &str, value: &str) -> bollwerk::rules::Rule {
    let property = if op == "owner-is" { "owner" } else { "mode" };
    let kind = kind_judged(path);
    let kind_test = format!(
        r#"{{ fact = "host.files[\"{path}\"].kind", equals = "{kind}", missing = "pass", unmet = "error", expect = "{kind}, the kind of path this rule judges" }}"#
    );
    // A unit masked by a link to /dev/null is not applicable; the mask decides first.
    let applies_when = if path.starts_with("{unit:") {
        format!(
            r#"{{ all = [{{ fact = "host.files[\"{path}\"].resolved", not-equals = "/dev/null", missing = "pass", expect = "not /dev/null (a masked unit, which systemd does not load)" }}, {kind_test}] }}"#
        )
    } else {
        kind_test
    };
    let text = format!(
        r#"[[rule]]
id = "9.1"
title = "t"
description = "d"
rationale = "r"
remediation = "x"
level = 1
assessment = "automated"
severity = "high"
scope = "host"
requires-dockerd = true
applies-when = {applies_when}
check = {{ fact = "host.files[\"{path}\"].{property}", {op} = "{value}", missing = "notapplicable" }}
"#
    );
    parse_file("old.toml", &text)
        .expect("the old form is valid")
        .remove(0)
}

#[test]
fn shipped_template_rules_are_the_rules_they_were_written_out() {
    let set = RuleSet::load(None).expect("shipped rules load");
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("checks/cis-docker-1.8.0/3-files.toml"),
    )
    .unwrap();
    assert_eq!(
        file.matches("\ntemplate = ").count(),
        WRITTEN_OUT.len(),
        "every owner and mode rule of one file is made from a template"
    );
    for (id, path, op, value) in WRITTEN_OUT {
        let rule = set.get(id).expect("shipped rule");
        let old = written_out(path, op, value);
        assert_eq!(rule.scope, Scope::Host, "{id}");
        assert!(rule.requires_dockerd, "{id}");
        // The unit rules go on to the unit's drop-in folders: their first test is the one
        // written out, and each folder is tested after it.
        let made = match &rule.check {
            Some(Check::All(tests)) if UNIT_RULES.contains(id) => {
                assert_eq!(tests.len(), 11, "{id}: the unit and five drop-in folders");
                format!("{:?}", tests.first())
            }
            check => format!("{check:?}"),
        };
        assert_eq!(
            made,
            format!("{:?}", old.check),
            "{id}: the check the template makes"
        );
        assert_eq!(
            format!("{:?}", rule.applies_when),
            format!("{:?}", old.applies_when),
            "{id}: the kind of path it judges"
        );
        assert!(!rule.informational && !rule.redact);
        assert!(
            rule.origin
                .starts_with("checks/cis-docker-1.8.0/3-files.toml:"),
            "{id}: the origin is the rule's own line: {}",
            rule.origin
        );
    }
}

/// Two templates and a rule made from `file-mode`, one key per line:
///
/// ```text
///  1 [[template]]        7 [[template]]          13 [[rule]]
///  2 name                8 name                  14 id
///  3 parameters          9 parameters            15 template
///  4 scope              10 scope                 16 with
///  5 check              11 check                 17 title …
/// ```
const FILE: &str = r#"[[template]]
name = "file-owner"
parameters = ["path", "owner"]
scope = "host"
check = { fact = "host.files[\"{{path}}\"].owner", owner-is = "{{owner}}", missing = "notapplicable" }

[[template]]
name = "file-mode"
parameters = ["path", "mode"]
scope = "host"
check = { fact = "host.files[\"{{path}}\"].mode", mode-at-most = "{{mode}}", missing = "notapplicable" }

[[rule]]
id = "9.1"
template = "file-mode"
with = { path = "/etc/x", mode = "0644" }
title = "t"
description = "d"
rationale = "r"
remediation = "x"
level = 1
assessment = "automated"
severity = "low"
"#;

/// FILE with the line starting with `prefix` replaced by `line`.
fn with_line(prefix: &str, line: &str) -> String {
    assert!(FILE.lines().any(|l| l.starts_with(prefix)), "{prefix}");
    FILE.lines()
        .map(|l| if l.starts_with(prefix) { line } else { l })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Asserts one error on `line` whose message holds every part.
fn assert_error(text: &str, line: usize, parts: &[&str]) {
    let errors = parse_file("t.toml", text).expect_err("the file should be rejected");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, "t.toml");
    assert_eq!(errors[0].line, line, "{}", errors[0]);
    for p in parts {
        assert!(errors[0].message.contains(p), "lacks {p:?}: {}", errors[0]);
    }
}

#[test]
fn a_rule_from_a_template_gets_its_keys_with_the_values_put_in() {
    let rules = parse_file("t.toml", FILE).expect("valid");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].origin, "t.toml:13");
    assert_eq!(
        format!("{:?}", rules[0].check),
        format!("{:?}", written_out("/etc/x", "mode-at-most", "0644").check)
    );
}

#[test]
fn mistakes_in_templates_and_their_rules_name_the_line() {
    // The rule's side.
    assert_error(
        &with_line("template =", r#"template = "file-group""#),
        15,
        &[
            "no template 'file-group' in this file",
            "file-mode, file-owner",
        ],
    );
    assert_error(
        &with_line("with =", r#"with = { path = "/etc/x" }"#),
        16,
        &["template 'file-mode' needs a value for mode"],
    );
    assert_error(
        &with_line(
            "with =",
            r#"with = { path = "/etc/x", mode = "0644", owner = "root" }"#,
        ),
        16,
        &["template 'file-mode' has no parameter 'owner': it takes path, mode"],
    );
    assert_error(
        &with_line("title =", "scope = \"daemon\""),
        17,
        &["`scope` comes from template 'file-mode'"],
    );
    // A value the template gives is wrong for this rule: the template's line, and the rule's.
    let wrong_mode = with_line("with =", r#"with = { path = "/etc/x", mode = "0999" }"#);
    let expanded = "(template 'file-mode', expanded for the rule at line 13)";
    assert_error(&wrong_mode, 11, &["bad mode '0999'", expanded]);
    // Read as a scan reads --checks: the same one mistake, said once, and the rule's error
    // says where the value came from too.
    let lenient = bollwerk::rules::loader::parse_file_lenient("t.toml", &wrong_mode);
    assert_eq!(lenient.problems.len(), 1, "{:#?}", lenient.problems);
    assert_eq!(lenient.unusable.len(), 1);
    assert!(
        lenient.unusable[0].problem.contains(expanded),
        "{}",
        lenient.unusable[0].problem
    );
    // The template's side.
    let text = with_line(
        "parameters = [\"path\", \"mode\"]",
        "parameters = [\"path\"]",
    )
    .replace(
        r#"with = { path = "/etc/x", mode = "0644" }"#,
        r#"with = { path = "/etc/x" }"#,
    );
    assert_error(
        &text,
        11,
        &["template 'file-mode' uses {{mode}}, which is not one of its parameters: path"],
    );
    // A name given twice: the second template is not taken (the rule then misses `mode`).
    let errors = parse_file(
        "t.toml",
        &with_line("name = \"file-owner\"", "name = \"file-mode\""),
    )
    .expect_err("rejected");
    assert_eq!(errors[0].line, 8, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("template 'file-mode' is defined twice"),
        "{errors:#?}"
    );
}
