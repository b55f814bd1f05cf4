//! `bollwerk diff`'s formats for people: terminal, Markdown and HTML (the JSON is the
//! [`Diff`] itself). Host text is sanitised for the terminal, escaped for Markdown and HTML.

use crate::report::md_escape as md;
use serde_json::Value;

use super::{Change, ChangeKind, Diff};
use crate::rules::Status;

/// A value as people read it: strings bare, `nothing` for absent or null.
fn shown(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => "nothing".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// One line for a change, without its kind: `5.4 [high] container web (recreated): fail → pass:
/// title`.
pub fn line(c: &Change) -> String {
    let status = |s: Option<Status>| s.map(|s| s.as_str()).unwrap_or("absent");
    let mut out = format!("{} [{}]", c.rule, c.severity.as_str());
    if let Some(i) = &c.instance {
        out.push_str(&format!(" {} {}", i.kind, i.name));
        if i.recreated {
            out.push_str(" (recreated)");
        }
    }
    out.push_str(&format!(
        ": {} → {}: {}",
        status(c.old_status),
        status(c.new_status),
        c.title
    ));
    if let Some(r) = &c.reason {
        out.push_str(&format!(" ({r})"));
    }
    for e in &c.evidence {
        out.push_str(&format!(
            "; {} was {}, now {}",
            e.fact,
            shown(&e.old),
            shown(&e.new)
        ));
    }
    out
}

/// The diff for a terminal: scope notes, counts, then each kind's changes. Host-supplied text
/// has its control characters escaped.
pub fn terminal(d: &Diff) -> String {
    let mut out = format!(
        "bollwerk diff: {} ({}) → {} ({})\n",
        crate::report::terminal::sanitize(&d.old.hostname),
        d.old.started_at.format("%Y-%m-%d %H:%M UTC"),
        crate::report::terminal::sanitize(&d.new.hostname),
        d.new.started_at.format("%Y-%m-%d %H:%M UTC"),
    );
    for n in d.notes() {
        out.push_str(&format!("note: {}\n", crate::report::terminal::sanitize(n)));
    }
    out.push_str(&summary_line(d));
    out.push('\n');
    for kind in ChangeKind::ALL {
        let list: Vec<&Change> = d.changes.iter().filter(|c| c.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}:\n", section_heading(d, kind, list.len())));
        for c in list {
            out.push_str(&format!(
                "  {}\n",
                crate::report::terminal::sanitize(&line(c))
            ));
        }
    }
    out
}

/// `3 new failures, 1 resolved, …` (kinds with changes only), or `no changes`; led by the
/// regressions (`2 regressions (1 new error): …`) when there are any, as the exit code is.
pub fn summary_line(d: &Diff) -> String {
    let regressions = d.changes.iter().filter(|c| c.is_regression()).count();
    let errors = d
        .changes
        .iter()
        .filter(|c| c.is_regression() && c.new_status == Some(Status::Error))
        .count();
    let s = |n: usize| if n == 1 { "" } else { "s" };
    let lead = match (regressions, errors) {
        (0, _) => String::new(),
        (r, 0) => format!("{r} regression{}: ", s(r)),
        (r, e) => format!("{r} regression{} ({e} new error{}): ", s(r), s(e)),
    };
    let parts: Vec<String> = ChangeKind::ALL
        .iter()
        .filter_map(|&k| {
            if let Some((containers, images)) = instances_of(d, k) {
                let verb = if k == ChangeKind::InstanceAdded {
                    "added"
                } else {
                    "removed"
                };
                return (containers + images > 0)
                    .then(|| format!("{} {verb}", instances(containers, images)));
            }
            let n = d.counts.get(&k).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {}", k.heading().to_lowercase()))
        })
        .collect();
    if parts.is_empty() {
        "no changes".into()
    } else {
        format!("{lead}{}", parts.join(", "))
    }
}

/// The distinct containers and images a kind of change is about (added or removed), or
/// `None` for a kind about results.
fn instances_of(d: &Diff, kind: ChangeKind) -> Option<(usize, usize)> {
    let i = &d.instances;
    match kind {
        ChangeKind::InstanceAdded => Some((i.containers_added, i.images_added)),
        ChangeKind::InstanceRemoved => Some((i.containers_removed, i.images_removed)),
        _ => None,
    }
}

/// `1 container`, `15 containers and 6 images`, `0 containers`.
fn instances(containers: usize, images: usize) -> String {
    let s = |n: usize| if n == 1 { "" } else { "s" };
    match (containers, images) {
        (c, 0) => format!("{c} container{}", s(c)),
        (0, i) => format!("{i} image{}", s(i)),
        (c, i) => format!("{c} container{} and {i} image{}", s(c), s(i)),
    }
}

/// A section's heading with what it counts: `New failures (3)` (results), `Containers and
/// images added: 15 containers and 6 images (630 results besides new failures)`.
fn section_heading(d: &Diff, kind: ChangeKind, results: usize) -> String {
    let s = if results == 1 { "" } else { "s" };
    match instances_of(d, kind) {
        Some((c, i)) if kind == ChangeKind::InstanceAdded => format!(
            "{}: {} ({results} result{s} besides new failures)",
            kind.heading(),
            instances(c, i)
        ),
        Some((c, i)) => format!(
            "{}: {} ({results} result{s})",
            kind.heading(),
            instances(c, i)
        ),
        None => format!("{} ({results})", kind.heading()),
    }
}

/// The diff as Markdown (for tickets and merge requests).
pub fn markdown(d: &Diff) -> String {
    let mut out = format!(
        "# bollwerk diff: {} → {}\n\n{} ({}) → {} ({})\n\n**{}**\n",
        md(&d.old.hostname),
        md(&d.new.hostname),
        md(&d.old.file),
        d.old.started_at.format("%Y-%m-%d %H:%M UTC"),
        md(&d.new.file),
        d.new.started_at.format("%Y-%m-%d %H:%M UTC"),
        summary_line(d),
    );
    for n in d.notes() {
        out.push_str(&format!("\n> Note: {}\n", md(n)));
    }
    for kind in ChangeKind::ALL {
        let list: Vec<&Change> = d.changes.iter().filter(|c| c.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {}\n\n",
            section_heading(d, kind, list.len())
        ));
        for c in list {
            out.push_str(&format!("- {}\n", md(&line(c))));
        }
    }
    out
}

/// The diff as one self-contained HTML page; every value is escaped by minijinja.
pub fn html(d: &Diff) -> Result<String, crate::report::error::ReportError> {
    let env = crate::report::html::page_env(
        "diff.html.j2",
        include_str!("../../../report-templates/diff.html.j2"),
        "diff HTML",
    )?;
    let sections: Vec<Value> = ChangeKind::ALL
        .iter()
        .filter_map(|&kind| {
            let lines: Vec<String> = d
                .changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(line)
                .collect();
            (!lines.is_empty()).then(|| {
                serde_json::json!({"heading": section_heading(d, kind, lines.len()), "kind": kind.as_str(), "lines": lines})
            })
        })
        .collect();
    let ctx = minijinja::context! {
        old => minijinja::Value::from_serialize(&d.old),
        new => minijinja::Value::from_serialize(&d.new),
        old_time => d.old.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        new_time => d.new.started_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        summary => summary_line(d),
        notes => minijinja::Value::from_serialize(d.notes().collect::<Vec<_>>()),
        sections => minijinja::Value::from_serialize(&sections),
        // Our own style sheet, as the CSP's hash allows it: escaping it would block it.
        css => minijinja::Value::from_safe_string(crate::report::html::CSS.to_string()),
        csp => minijinja::Value::from_safe_string(crate::report::html::content_security_policy()),
    };
    env.get_template("diff.html.j2")
        .and_then(|t| t.render(ctx))
        .map_err(|e| crate::report::error::ReportError::Template {
            what: "cannot render the diff".into(),
            why: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_host_text() {
        assert_eq!(md("a|b *c* <x>\n`y`"), "a\\|b \\*c\\* \\<x\\> \\`y\\`");
        assert_eq!(md("x &amp; ~~y~~"), "x \\&amp; \\~\\~y\\~\\~");
    }
}
