//! `--format plan`: fixes for this host as files a person reviews and applies; bollwerk applies
//! nothing. Written into `plan/` beside the reports:
//!
//! - `daemon.json`: the daemon.json in force (its keys as bollwerk read them) with the keys
//!   the failing daemon rules' `fix.daemon-json` set or remove, and `daemon.json.diff`, a
//!   unified diff of the two;
//! - `audit.rules`: for `/etc/audit/rules.d/`, a watch (`-w PATH -k docker`) on every path a
//!   failing audit rule (1.1.x) wants watched, the path as located on this host;
//! - `containers.md`: per failing container, the `docker run` flags to add and to leave out and
//!   the compose keys, from the failing rules' `fix`;
//! - `README.md`: what each file is and how to apply it after review.
//!
//! The plan is built from the report, the facts it was decided from and the rules (for their
//! `fix` data), so only `scan` writes it. Host-supplied names are quoted for the shell (single
//! quotes) and for YAML (JSON strings), and escaped for Markdown. Host text a person would load
//! or paste gets no line of its own when it holds a blank (a watch's path: auditctl splits at
//! blanks) or a control character (a container's name or image): a comment says so instead.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Report;
use crate::facts::placeholder::substitute;
use crate::rules::model::{Check, Op, Scope, Status};
use crate::rules::RuleSet;
use crate::snapshot::Snapshot;

/// The plan's files: (name under `plan/`, contents).
pub fn render(report: &Report, snapshot: &Snapshot, rules: &RuleSet) -> Vec<(String, String)> {
    let failing: Vec<&crate::rules::result::RuleResult> = report
        .results
        .iter()
        // Accepted risks are not planned away.
        .filter(|r| {
            r.status == Status::Fail
                && !r.waived
                && !(r.instances.is_empty() && super::exceptions::is_covered(&r.exception))
        })
        .collect();
    let config_file = snapshot
        .daemon
        .config_file
        .clone()
        .unwrap_or_else(|| "/etc/docker/daemon.json".into());
    let current = daemon_json_in_force(snapshot, &config_file);
    let mut proposed = current.clone();
    let mut changed_by: Vec<String> = Vec::new();
    for r in &failing {
        let Some(rule) = rules.get(&r.id) else {
            continue;
        };
        if rule.scope == Scope::EachContainer || rule.fix.daemon_json.is_empty() {
            continue;
        }
        for (key, value) in &rule.fix.daemon_json {
            if value.is_null() {
                // Not `remove`: with serde_json's preserve_order it swaps the last key into
                // the gap, and the diff would show keys moved that the plan never touched.
                proposed.shift_remove(key);
            } else {
                proposed.insert(key.clone(), value.clone());
            }
        }
        changed_by.push(r.id.clone());
    }
    let old_text = pretty(&current);
    let new_text = pretty(&proposed);
    let diff = unified_diff(
        &old_text,
        &new_text,
        &format!("{} (in force)", super::terminal::sanitize(&config_file)),
        "plan/daemon.json (proposed)",
    );

    let audit = audit_rules(&failing, rules, snapshot);
    let containers = containers_md(report, snapshot, rules);
    let readme = readme(report, &config_file, &changed_by, audit.1, containers.1);
    vec![
        ("daemon.json".into(), new_text),
        ("daemon.json.diff".into(), diff),
        ("audit.rules".into(), audit.0),
        ("containers.md".into(), containers.0),
        ("README.md".into(), readme),
    ]
}

/// The keys of the daemon.json in force, as bollwerk read them (settings whose source is that
/// file), in key order.
fn daemon_json_in_force(snapshot: &Snapshot, config_file: &str) -> Map<String, Value> {
    let prefix = format!("{config_file}:");
    snapshot
        .daemon
        .settings
        .iter()
        .filter(|(_, s)| s.source.starts_with(&prefix))
        .map(|(k, s)| (k.clone(), s.value.clone()))
        .collect()
}

fn pretty(map: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(&Value::Object(map.clone())).expect("JSON values serialise") + "\n"
}

/// A unified diff of two texts, one hunk holding every line (the files are small).
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a == b {
        return String::new();
    }
    // Longest common subsequence table, then walk it.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = format!(
        "--- {old_name}\n+++ {new_name}\n@@ -1,{} +1,{} @@\n",
        a.len(),
        b.len()
    );
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!(" {}\n", a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push_str(&format!("+{}\n", b[j]));
            j += 1;
        } else {
            out.push_str(&format!("-{}\n", a[i]));
            i += 1;
        }
    }
    out
}

/// Every path an audit rule's check wants watched (`audits` tests).
fn audit_targets(check: &Check, out: &mut Vec<String>) {
    match check {
        Check::All(list) | Check::Any(list) => list.iter().for_each(|c| audit_targets(c, out)),
        Check::Not(c) => audit_targets(c, out),
        Check::Every { check, .. } => audit_targets(check, out),
        Check::Test(t) => {
            if let Op::Audits(target) = &t.op {
                out.push(target.clone());
            }
        }
    }
}

/// The audit rules file and how many watches it holds.
fn audit_rules(
    failing: &[&crate::rules::result::RuleResult],
    rules: &RuleSet,
    snapshot: &Snapshot,
) -> (String, usize) {
    let mut out = String::from(
        "# Audit watches proposed by bollwerk for the Docker files it found unwatched on this host.\n\
         # Review, then copy to /etc/audit/rules.d/docker.rules and load with `augenrules --load`.\n",
    );
    let mut seen: Vec<String> = Vec::new();
    for r in failing {
        let Some(check) = rules.get(&r.id).and_then(|rule| rule.check.as_ref()) else {
            continue;
        };
        let mut targets = Vec::new();
        audit_targets(check, &mut targets);
        for t in targets {
            let located = substitute(&t, |name| {
                snapshot.host.locations.get(name).cloned().flatten()
            });
            match located {
                // One rule a line, split at blanks by auditctl: a path with a blank or a line
                // break cannot be watched this way, and would add rules of its own.
                Ok(path) if path.contains(char::is_whitespace) || super::has_control(&path) => out
                    .push_str(&format!(
                        "# {}: the path located for {t} holds a blank or a control character; \
                         no watch proposed (write it by hand)\n",
                        r.id
                    )),
                Ok(path) if !seen.contains(&path) => {
                    out.push_str(&format!("-w {path} -k docker\n"));
                    seen.push(path);
                }
                Ok(_) => {}
                Err(p) => out.push_str(&format!(
                    "# {}: {{{p}}} was not found on this host; no watch proposed\n",
                    r.id
                )),
            }
        }
    }
    if seen.is_empty() {
        out.push_str("# No audit watch is missing.\n");
    }
    (out, seen.len())
}

/// Single-quoted for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Per failing container: flags to add and to leave out, compose keys; and how many containers.
fn containers_md(report: &Report, snapshot: &Snapshot, rules: &RuleSet) -> (String, usize) {
    #[derive(Default)]
    struct Plan {
        image: String,
        rules: Vec<String>,
        add: Vec<String>,
        remove: Vec<String>,
        compose: Vec<String>,
    }
    let mut by_container: BTreeMap<String, Plan> = BTreeMap::new();
    for r in &report.results {
        let Some(rule) = rules.get(&r.id) else {
            continue;
        };
        if rule.fix.is_empty() || rule.scope != Scope::EachContainer {
            continue;
        }
        for i in r
            .instances
            .iter()
            .filter(|i| i.status == Status::Fail && !super::exceptions::is_covered(&i.exception))
        {
            let plan = by_container.entry(i.name().to_string()).or_default();
            if plan.image.is_empty() {
                plan.image = snapshot
                    .containers
                    .iter()
                    .find(|c| c.id == i.id())
                    .and_then(|c| c.inspect.pointer("/Config/Image"))
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| "IMAGE".into());
            }
            plan.rules.push(r.id.clone());
            for (list, items) in [
                (&mut plan.add, &rule.fix.run_add),
                (&mut plan.remove, &rule.fix.run_remove),
                (&mut plan.compose, &rule.fix.compose),
            ] {
                for item in items {
                    if !list.contains(item) {
                        list.push(item.clone());
                    }
                }
            }
        }
    }
    let mut out = String::from(
        "# Containers to recreate hardened\n\n\
         Each failing container with the `docker run` flags its failing rules ask for. Add them \
         to the container's own command line (its other options stay as they are), leave out \
         the flags listed under \"without\", and recreate it; the compose keys say the same for \
         a compose file.\n",
    );
    for (name, plan) in &by_container {
        if super::has_control(name) || super::has_control(&plan.image) {
            // Docker allows no such name: a command line with it is not one to paste.
            out.push_str(&format!(
                "\n## {}\n\nFailing rules: {}\n\nIts name or image holds control characters: \
                 recreate it by hand with `{}`.\n",
                super::md_escape(name),
                plan.rules.join(", "),
                plan.add.join(" "),
            ));
            continue;
        }
        out.push_str(&format!(
            "\n## {}\n\nFailing rules: {}\n\n```sh\ndocker run -d --name {} {} {}\n```\n",
            serde_json::to_string(name).unwrap_or_default(),
            plan.rules.join(", "),
            shell_quote(name),
            plan.add.join(" "),
            shell_quote(&plan.image),
        ));
        if !plan.remove.is_empty() {
            out.push_str(&format!("\nwithout: `{}`\n", plan.remove.join("`, `")));
        }
        if !plan.compose.is_empty() {
            out.push_str(&format!(
                "\n```yaml\nservices:\n  {}:\n{}\n```\n",
                serde_json::to_string(name).unwrap_or_default(),
                plan.compose
                    .iter()
                    .map(|k| format!("    {k}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    if by_container.is_empty() {
        out.push_str("\nNo container needs recreating.\n");
    }
    let n = by_container.len();
    (out, n)
}

fn readme(
    report: &Report,
    config_file: &str,
    daemon_rules: &[String],
    watches: usize,
    containers: usize,
) -> String {
    format!(
        "# bollwerk fix plan for {host}\n\n\
         Made from the scan of {time}. **Nothing was changed on the host**: these files are \
         proposals for a person to review.\n\n\
         - `daemon.json`: {config_file} as bollwerk read it, with the keys the failing rules \
         {rules} set or remove; `daemon.json.diff` shows the change. Review it, copy it over \
         {config_file} and restart dockerd (keys given as flags on dockerd's command line win \
         over the file: remove them there too).\n\
         - `audit.rules`: {watches} audit watch(es) for /etc/audit/rules.d/docker.rules; load \
         them with `augenrules --load`.\n\
         - `containers.md`: {containers} container(s) to recreate with hardening flags.\n",
        host = super::md_escape(&report.run.hostname),
        config_file = super::md_escape(config_file),
        time = report.run.started_at.format("%Y-%m-%d %H:%M UTC"),
        rules = if daemon_rules.is_empty() {
            "(none)".to_string()
        } else {
            daemon_rules.join(", ")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_show_changed_lines_only_as_changes() {
        let d = unified_diff(
            "{\n  \"a\": 1\n}\n",
            "{\n  \"a\": 1,\n  \"b\": 2\n}\n",
            "old",
            "new",
        );
        assert_eq!(
            d,
            "--- old\n+++ new\n@@ -1,3 +1,4 @@\n {\n-  \"a\": 1\n+  \"a\": 1,\n+  \"b\": 2\n }\n"
        );
        assert_eq!(unified_diff("x\n", "x\n", "a", "b"), "");
    }

    #[test]
    fn names_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("web"), "'web'");
        assert_eq!(shell_quote("a'b; rm -rf /"), r"'a'\''b; rm -rf /'");
    }
}
