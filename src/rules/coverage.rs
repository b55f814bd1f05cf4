//! The coverage table of a rule set (Markdown), kept in `checks/README.md` by a test.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::model::{Assessment, Check, Operand};
use super::RuleSet;

/// The facts a check reads, in order of first use.
pub fn facts_read(check: &Check) -> Vec<String> {
    fn walk(c: &Check, out: &mut Vec<String>, prefix: Option<&str>) {
        let mut push = |s: String| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        match c {
            Check::All(l) | Check::Any(l) => l.iter().for_each(|c| walk(c, out, prefix)),
            Check::Not(c) => walk(c, out, prefix),
            Check::Every { list, check, .. } => {
                let name = list.to_string();
                push(name.clone());
                walk(check, out, Some(&name));
            }
            Check::Test(t) => {
                let show = |p: &super::path::FactPath| match (p.root.as_str(), prefix) {
                    ("item", Some(list)) => {
                        format!("{list}[*]{}", p.to_string().trim_start_matches("item"))
                    }
                    _ => p.to_string(),
                };
                push(show(&t.fact));
                if let Some(Operand::Fact(other)) = t.op.operand() {
                    push(show(other));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(check, &mut out, None);
    out
}

/// A Markdown table: one row per rule, then counts per section.
pub fn markdown(rules: &RuleSet) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| id | 1.6.0 | title | level | CIS | bollwerk | decided by |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for r in &rules.rules {
        let cis = match r.assessment {
            Assessment::Automated => "automated",
            Assessment::Manual => "manual",
        };
        let (ours, facts) = match &r.check {
            Some(c) => {
                let facts: Vec<String> = facts_read(c)
                    .into_iter()
                    .map(|f| format!("`{}`", f.replace('|', "\\|")))
                    .collect();
                (
                    if r.informational {
                        "informational"
                    } else {
                        "automated"
                    },
                    facts.join(", "),
                )
            }
            None => ("notchecked", "a person (see remediation)".to_string()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {cis} | {ours} | {facts} |",
            r.id,
            r.id_1_6_0.as_deref().unwrap_or(&r.id),
            r.title.replace('|', "\\|"),
            r.level
        );
    }
    let sections: BTreeSet<&str> = rules.rules.iter().map(|r| r.section()).collect();
    let _ = writeln!(
        out,
        "\n| section | rules | decided automatically | notchecked |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let (mut total, mut auto) = (0, 0);
    let mut sections: Vec<&str> = sections.into_iter().collect();
    sections.sort_by(|a, b| super::compare_ids(a, b));
    for s in sections {
        let in_s: Vec<_> = rules.rules.iter().filter(|r| r.section() == s).collect();
        let a = in_s.iter().filter(|r| r.check.is_some()).count();
        total += in_s.len();
        auto += a;
        let _ = writeln!(out, "| {s} | {} | {a} | {} |", in_s.len(), in_s.len() - a);
    }
    let _ = writeln!(out, "| all | {total} | {auto} | {} |", total - auto);
    out
}
