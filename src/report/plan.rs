//! `--format plan`: fixes for this host as files a person reviews and applies; bollwerk applies
//! nothing. Written into `plan/` beside the reports:
//!
//! - `daemon.json`: the daemon.json in force as written (every key the file holds, including
//!   those `docker info` reports, such as `data-root`) with the keys the failing daemon rules'
//!   `fix.daemon-json` set or remove, and `daemon.json.diff`, a unified diff of the two. A
//!   setting dockerd is given as a flag is not written to the file (dockerd refuses a key given
//!   both ways): the README says which flag to change. When the file could not be read, the
//!   proposal holds the changed keys only, and the README says to add them by hand. The file
//!   is the one the other reports name (`run.daemon_json`: a rootless daemon's is its user's);
//!   when another engine serves the API (Podman) no daemon.json is proposed;
//! - `audit.rules`: for `/etc/audit/rules.d/`, a watch (`-w PATH -k docker`) on every path a
//!   failing audit rule (1.1.x) wants watched, the path as located on this host;
//! - `containers.md`: per failing container, every failing rule; the `docker run` flags to add
//!   and to leave out and the compose keys, from the failing rules' `fix`; and, for rules with
//!   no `fix`, their finding and the remediation to follow by hand;
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

/// Every file a plan may hold, under `plan/`.
pub const FILES: [&str; 5] = [
    "daemon.json",
    "daemon.json.diff",
    "audit.rules",
    "containers.md",
    "README.md",
];

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
    // The same daemon.json the other reports name (a rootless daemon's is its user's).
    let config_file = report.daemon_json_named();
    let dockerd = snapshot.daemon.server.as_ref().is_none_or(|s| s.dockerd);
    let (current, unreadable) = daemon_json_as_written(snapshot, &config_file);
    let mut proposed = current.clone();
    let mut changed_by: Vec<String> = Vec::new();
    let mut on_command_line: Vec<FlagChange> = Vec::new();
    for r in &failing {
        let Some(rule) = rules.get(&r.id) else {
            continue;
        };
        if rule.scope == Scope::EachContainer || rule.fix.daemon_json.is_empty() {
            continue;
        }
        for (key, value) in &rule.fix.daemon_json {
            // dockerd refuses to start when a key is both a flag and in the file: a setting
            // given as a flag is changed on the command line, not added to the file.
            if let Some(flag) = snapshot
                .daemon
                .settings
                .get(key)
                .filter(|s| s.given_as_flag())
            {
                on_command_line.push(FlagChange {
                    key: key.clone(),
                    value: value.clone(),
                    now: flag.source.clone(),
                    rule: r.id.clone(),
                });
            } else if value.is_null() {
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
        &format!("{} (as written)", super::terminal::sanitize(&config_file)),
        "plan/daemon.json (proposed)",
    );

    let audit = audit_rules(&failing, rules, snapshot);
    let containers = containers_md(report, snapshot, rules);
    // What each daemon change does to the workloads, as its rule says (2.10: the images and
    // containers made before are not seen after the restart).
    let impacts: Vec<(String, String)> = changed_by
        .iter()
        .filter_map(|id| {
            let impact = rules.get(id)?.impact.clone()?;
            Some((id.clone(), impact))
        })
        .collect();
    // Failing rules no file here fixes: host and daemon rules without daemon.json keys or
    // audit watches, and image rules. containers.md lists the container rules itself.
    let by_hand: Vec<String> = failing
        .iter()
        .filter_map(|r| {
            let rule = rules.get(&r.id)?;
            let planned = !rule.fix.daemon_json.is_empty() || audit.rules.contains(&r.id);
            (rule.scope != Scope::EachContainer && !planned).then(|| {
                let failing_instances = r
                    .instances
                    .iter()
                    .filter(|i| {
                        i.status == Status::Fail && !super::exceptions::is_covered(&i.exception)
                    })
                    .count();
                match failing_instances {
                    0 => format!("{} {}", r.id, super::md_escape(&r.title)),
                    n => format!("{} {} ({n} images)", r.id, super::md_escape(&r.title)),
                }
            })
        })
        .collect();
    let daemon = DaemonPlan {
        config_file: &config_file,
        rules: &changed_by,
        impacts: &impacts,
        unreadable: unreadable.as_deref(),
        on_command_line: &on_command_line,
        dockerd,
    };
    let readme = readme(report, &daemon, audit.watches, containers.1, &by_hand);
    let mut files = vec![
        ("audit.rules".into(), audit.text),
        ("containers.md".into(), containers.0),
        ("README.md".into(), readme),
    ];
    // Another engine serves the API (Podman): no daemon.json of dockerd's is proposed.
    if dockerd {
        files.splice(
            0..0,
            [
                ("daemon.json".into(), new_text),
                ("daemon.json.diff".into(), diff),
            ],
        );
    }
    files
}

/// A daemon setting a failing rule wants changed that dockerd is given on its command line.
struct FlagChange {
    key: String,
    /// The value that passes (`null`: unset).
    value: Value,
    /// Its source now (`flag --iptables=false`).
    now: String,
    rule: String,
}

/// What the plan says about daemon.json, for its README.
struct DaemonPlan<'a> {
    config_file: &'a str,
    /// The failing rules whose fix is in daemon.json or on dockerd's command line.
    rules: &'a [String],
    /// Their impact texts: what the change does to the host's workloads.
    impacts: &'a [(String, String)],
    /// Why the file in force could not be read: the proposal then holds the changed keys only.
    unreadable: Option<&'a str>,
    on_command_line: &'a [FlagChange],
    /// Whether dockerd serves the API (not Podman): only then is a daemon.json proposed.
    dockerd: bool,
}

/// The daemon.json in force as written (every key the file holds, whether or not a flag or
/// `docker info` decides what runs), in key order; and why it could not be read, when it
/// could not. A snapshot made before bollwerk kept the file as written gives the settings
/// whose source is that file.
fn daemon_json_as_written(
    snapshot: &Snapshot,
    config_file: &str,
) -> (Map<String, Value>, Option<String>) {
    if let Some(written) = &snapshot.daemon.config_as_written {
        let keys = written.iter().map(|(k, v)| (k.clone(), v.clone()));
        return (keys.collect(), None);
    }
    if let Some(e) = snapshot.errors.iter().find(|e| e.fact == "daemon.settings") {
        return (Map::new(), Some(e.message.clone()));
    }
    let prefix = format!("{config_file}:");
    let keys = snapshot
        .daemon
        .settings
        .iter()
        .filter(|(_, s)| s.source.starts_with(&prefix))
        .map(|(k, s)| (k.clone(), s.value.clone()));
    (keys.collect(), None)
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

/// The proposed `audit.rules`.
struct AuditRules {
    /// The file's text.
    text: String,
    /// How many watches it holds.
    watches: usize,
    /// The failing rules it answers: those whose check wants a path watched, whether or not
    /// the path was found on this host (the file then says so).
    rules: Vec<String>,
}

/// The audit rules file for the failing rules' `audits` tests.
fn audit_rules(
    failing: &[&crate::rules::result::RuleResult],
    rules: &RuleSet,
    snapshot: &Snapshot,
) -> AuditRules {
    let mut out = String::from(
        "# Audit watches proposed by bollwerk for the Docker files it found unwatched on this host.\n\
         # Review, then copy to /etc/audit/rules.d/docker.rules and load with `augenrules --load`.\n",
    );
    let mut seen: Vec<String> = Vec::new();
    let mut answered: Vec<String> = Vec::new();
    for r in failing {
        let Some(check) = rules.get(&r.id).and_then(|rule| rule.check.as_ref()) else {
            continue;
        };
        let mut targets = Vec::new();
        audit_targets(check, &mut targets);
        if !targets.is_empty() {
            answered.push(r.id.clone());
        }
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
    AuditRules {
        text: out,
        watches: seen.len(),
        rules: answered,
    }
}

/// Single-quoted for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Per failing container: every failing rule, the flags to add and to leave out and the
/// compose keys of those with a `fix`, the findings of those without; and how many containers.
fn containers_md(report: &Report, snapshot: &Snapshot, rules: &RuleSet) -> (String, usize) {
    #[derive(Default)]
    struct Plan {
        image: String,
        rules: Vec<String>,
        add: Vec<String>,
        remove: Vec<String>,
        compose: Vec<String>,
        /// Rules with no flag to write: (id, title, finding).
        by_hand: Vec<(String, String, String)>,
    }
    let mut by_container: BTreeMap<String, Plan> = BTreeMap::new();
    for r in &report.results {
        let Some(rule) = rules.get(&r.id) else {
            continue;
        };
        if rule.scope != Scope::EachContainer {
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
            if rule.fix.is_empty() {
                let finding = i.message.as_deref().unwrap_or_default().to_string();
                plan.by_hand.push((r.id.clone(), r.title.clone(), finding));
                continue;
            }
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
         Each failing container with every rule it fails. Add the `docker run` flags shown to \
         the container's own command line (its other options stay as they are), leave out the \
         flags listed under \"without\", and recreate it; the compose keys say the same for a \
         compose file. The rules under \"by hand\" have no flag to write: their finding says \
         what to change, and `bollwerk rules show ID` how.\n",
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
        } else {
            out.push_str(&format!(
                "\n## {}\n\nFailing rules: {}\n",
                serde_json::to_string(name).unwrap_or_default(),
                plan.rules.join(", "),
            ));
            if !plan.add.is_empty() || !plan.remove.is_empty() {
                out.push_str(&format!(
                    "\n```sh\ndocker run -d --name {} {} {}\n```\n",
                    shell_quote(name),
                    plan.add.join(" "),
                    shell_quote(&plan.image),
                ));
            }
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
        if !plan.by_hand.is_empty() {
            out.push_str("\nby hand:\n\n");
            for (id, title, finding) in &plan.by_hand {
                out.push_str(&format!(
                    "- {id} {}: {}\n",
                    super::md_escape(title),
                    super::md_escape(finding)
                ));
            }
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
    daemon: &DaemonPlan<'_>,
    watches: usize,
    containers: usize,
    by_hand: &[String],
) -> String {
    let config_file = super::md_escape(daemon.config_file);
    let rules = if daemon.rules.is_empty() {
        "(none)".to_string()
    } else {
        daemon.rules.join(", ")
    };
    let daemon_json = match daemon.unreadable {
        _ if !daemon.dockerd => "- No `daemon.json`: the API is served by another engine than \
             dockerd, which reads no daemon.json.\n"
            .to_string(),
        None => format!(
            "- `daemon.json`: {config_file} as written, with the keys the failing rules {rules} \
             set or remove; `daemon.json.diff` shows the change. Review it, copy it over \
             {config_file} and restart dockerd.\n"
        ),
        Some(why) => format!(
            "- `daemon.json`: **only the keys** the failing rules {rules} set: bollwerk could \
             not read {config_file} ({}), so this is no whole file to copy. Add these keys to \
             {config_file} by hand, then restart dockerd.\n",
            super::md_escape(why)
        ),
    };
    let mut flags = String::new();
    if !daemon.on_command_line.is_empty() {
        flags.push_str(
            "- **On dockerd's command line** (its systemd unit or drop-in, or \
             /etc/default/docker), not in daemon.json: dockerd refuses to start when a setting \
             is given both as a flag and in the file.\n",
        );
        for c in daemon.on_command_line {
            let wanted = if c.value.is_null() {
                "remove the flag".to_string()
            } else {
                format!("make it `{}`", c.value)
            };
            flags.push_str(&format!(
                "  - `{}` ({}): now {}; {wanted}.\n",
                c.key,
                c.rule,
                super::md_escape(&c.now)
            ));
        }
    }
    let mut impacts = String::new();
    if !daemon.impacts.is_empty() {
        impacts
            .push_str("- **Before restarting dockerd**, what these changes do to its workloads:\n");
        for (id, impact) in daemon.impacts {
            impacts.push_str(&format!("  - {id}: {}\n", super::md_escape(impact)));
        }
    }
    format!(
        "# bollwerk fix plan for {host}\n\n\
         Made from the scan of {time}. **Nothing was changed on the host**: these files are \
         proposals for a person to review.\n\n\
         {daemon_json}{flags}{impacts}\
         - `audit.rules`: {watches} audit watch(es) for /etc/audit/rules.d/docker.rules; load \
         them with `augenrules --load`.\n\
         - `containers.md`: {containers} container(s) to recreate with hardening flags, and \
         what to change by hand.\n{by_hand}",
        host = super::md_escape(&report.run.hostname),
        time = report.run.started_at.format("%Y-%m-%d %H:%M UTC"),
        by_hand = if by_hand.is_empty() {
            String::new()
        } else {
            format!(
                "- **By hand**, in no file here (see each rule's remediation: `bollwerk rules \
                 show ID`): {}.\n",
                by_hand.join("; ")
            )
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

    /// The plan reads the daemon.json in force from the report, as every format does, and
    /// falls back as they do when the report does not say (written before bollwerk did).
    #[test]
    fn the_plan_names_the_daemon_json_the_report_names() {
        let snapshot = Snapshot::new("/", "unix:///run/docker.sock", false);
        let mut report = Report::new(&snapshot, Vec::new(), Default::default(), None);
        let readme = |report: &Report| {
            let files = render(report, &snapshot, &RuleSet::new(Vec::new()));
            files
                .into_iter()
                .find(|(name, _)| name == "README.md")
                .unwrap()
                .1
        };
        report.run.daemon_json = Some("/srv/docker.json".into());
        let named = readme(&report);
        assert!(named.contains("copy it over /srv/docker.json"), "{named}");
        report.run.daemon_json = None;
        let default = readme(&report);
        assert!(
            default.contains("copy it over /etc/docker/daemon.json"),
            "{default}"
        );
    }

    #[test]
    fn names_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("web"), "'web'");
        assert_eq!(shell_quote("a'b; rm -rf /"), r"'a'\''b; rm -rf /'");
    }
}
