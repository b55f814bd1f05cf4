//! `scan --baseline OLD.json`: this scan compared with an earlier report of the host, so that
//! a nightly job alerts on change (`--fail-on new`) and the reports say what is new and what
//! was fixed since. The comparison is `bollwerk diff`'s ([`super::diff::compare`]); this
//! module keeps what a report shows of it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::diff::{Change, ChangeKind, Diff};
use super::exceptions::is_covered;
use super::Report;
use crate::rules::Status;

/// What changed since the baseline (`report.json`'s `baseline`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The baseline report file.
    pub file: String,
    /// The host it scanned.
    pub hostname: String,
    /// When its scan started.
    pub started_at: DateTime<Utc>,
    /// Why parts could not be compared (other host, rule set, `--all`).
    pub scope_notes: Vec<String>,
    /// Counts per kind of change (as `bollwerk diff` counts them).
    pub counts: BTreeMap<ChangeKind, usize>,
    /// New failures and new errors not covered by an exception in force: what
    /// `--fail-on new` counts.
    pub regressions: usize,
    /// New failures, fixes and other status changes, most serious first (still-failing and
    /// evidence-only changes are in `counts`; `bollwerk diff` lists them all).
    pub changes: Vec<Change>,
}

impl Baseline {
    /// The record of `diff` (baseline → `report`), with regressions counted against
    /// `report`'s exceptions.
    pub fn of(diff: Diff, report: &Report) -> Baseline {
        let regressions = diff
            .changes
            .iter()
            .filter(|c| c.is_regression() && !accepted(c, report))
            .count();
        Baseline {
            file: diff.old.file,
            hostname: diff.old.hostname,
            started_at: diff.old.started_at,
            scope_notes: diff.scope_notes,
            counts: diff.counts,
            regressions,
            changes: diff
                .changes
                .into_iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        ChangeKind::NewFailure | ChangeKind::Resolved | ChangeKind::StatusChanged
                    ) || (c.kind == ChangeKind::InstanceAdded
                        && matches!(c.new_status, Some(Status::Fail | Status::Error)))
                })
                .collect(),
        }
    }

    /// Whether a regression is to `error` (the audit is incomplete in a new way).
    pub fn has_new_errors(&self, report: &Report) -> bool {
        self.changes.iter().any(|c| {
            c.is_regression() && c.new_status == Some(Status::Error) && !accepted(c, report)
        })
    }

    /// The change of `kind` for rule `rule` and instance `name` (`None`: the rule itself).
    pub fn change(&self, rule: &str, name: Option<&str>) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.rule == rule && c.instance.as_ref().map(|i| i.name.as_str()) == name)
    }

    /// When the baseline scan ran, as reports show it.
    pub fn date(&self) -> String {
        self.started_at.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// One line for people: "3 new failures, 2 fixed, 1 other change".
    pub fn summary(&self) -> String {
        let n = |k: ChangeKind| self.counts.get(&k).copied().unwrap_or(0);
        let mut parts = vec![
            format!(
                "{} new failure{}",
                n(ChangeKind::NewFailure),
                plural(n(ChangeKind::NewFailure))
            ),
            format!("{} fixed", n(ChangeKind::Resolved)),
        ];
        if n(ChangeKind::StatusChanged) > 0 {
            parts.push(format!(
                "{} other status change{}",
                n(ChangeKind::StatusChanged),
                plural(n(ChangeKind::StatusChanged))
            ));
        }
        if n(ChangeKind::Incomparable) > 0 {
            parts.push(format!("{} not comparable", n(ChangeKind::Incomparable)));
        }
        parts.join(", ")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Whether a new failure is covered by an exception in force in `report`. `c.rule` is the
/// report's own id: under another benchmark's numbering a result's bollwerk id
/// (`id_1_8_0`) may be another result's id (1.6.0's 5.4 is 1.8.0's 5.5), so only `id` names
/// the result.
fn accepted(c: &Change, report: &Report) -> bool {
    let Some(r) = report.results.iter().find(|r| r.id == c.rule) else {
        return false;
    };
    match &c.instance {
        None => r.waived || is_covered(&r.exception),
        Some(i) => r
            .instances
            .iter()
            .find(|x| x.name() == i.name && x.kind() == i.kind)
            .is_some_and(|x| x.status == Status::Fail && is_covered(&x.exception)),
    }
}
