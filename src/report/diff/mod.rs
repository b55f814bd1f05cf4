//! Two scans compared: `bollwerk diff OLD.json NEW.json`. Pure over two [`Report`]s: it reads
//! saved reports only, never the host.
//!
//! Results are joined on the rule id, and per-container and per-image results on the
//! instance's kind and name: a container is matched by its name (a container recreated under
//! the same name with a new id is the same instance, marked `recreated` with both ids), an image
//! by its reference (first tag, or id when untagged).
//!
//! What a diff says, per rule or instance present in both scans:
//! - `new-failure`: fail now, not before (an instance new in this scan that fails counts too);
//! - `resolved`: fail before, pass now (nothing else is "resolved": fail → error or
//!   notapplicable is a status change, since nothing says the fix was made);
//! - `still-failing`: fail in both;
//! - `status-changed`: any other change (pass → error, fail → notapplicable, …);
//! - `evidence-changed`: same status, but an observed value differs (the old and new values
//!   are listed);
//! - `instance-added` / `instance-removed`: a container or image in one scan only (an added
//!   one that fails is a `new-failure`).
//!
//! Rules that cannot be compared are `incomparable`, never resolved: a rule in one scan only
//! (different selection: level, include/exclude, tailoring, or a new rule set); every rule when
//! the hosts, benchmarks or rule-set versions differ; and per-container rules when one scan
//! included stopped containers (`--all`) and the other did not.
//!
//! Regressions are new failures and changes to `error` (what `--fail-on new` counts).

pub mod render;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use render::{html, line, markdown, summary_line, terminal};

use super::Report;
use crate::rules::model::{Scope, Severity, Status};
use crate::rules::result::{InstanceResult, RuleResult};

/// Version of the diff JSON format.
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// What changed between two scans: `diff.json`, documented by `schema/diff.schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Diff {
    /// Format version, see [`DIFF_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The earlier scan.
    pub old: ScanRef,
    /// The later scan.
    pub new: ScanRef,
    /// Why whole parts of the scans cannot be compared (different hosts, rule sets, `--all`).
    pub scope_notes: Vec<String>,
    /// Set when the "old" report's scan is later than the "new" one's: the reports may have
    /// been given the wrong way round, and the fixes shown then be new failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_warning: Option<String>,
    /// Results per kind of change: one per rule, or per rule and container or image, as
    /// `changes` lists them. So `instance-added` counts the results of the added containers
    /// and images that are not new failures (30 rules × 21 containers: 630), not the
    /// containers and images: `instances` counts those.
    pub counts: BTreeMap<ChangeKind, usize>,
    /// The containers and images in one scan only, each counted once whatever number of
    /// rules judged it (from `instance-added`, `instance-removed` and the new failures of
    /// added ones).
    #[serde(default)]
    pub instances: InstanceCounts,
    /// Every change, most serious first (by kind, then severity, then rule id and instance).
    pub changes: Vec<Change>,
}

/// Containers and images in one scan only, by kind, each once (matched by kind and name, as
/// results are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceCounts {
    /// Containers only the new scan has.
    pub containers_added: usize,
    /// Images only the new scan has.
    pub images_added: usize,
    /// Containers only the old scan had.
    pub containers_removed: usize,
    /// Images only the old scan had.
    pub images_removed: usize,
}

impl InstanceCounts {
    /// Counts the distinct containers and images that `changes` name as added or removed.
    fn of(changes: &[Change]) -> InstanceCounts {
        use std::collections::BTreeSet;
        let mut added = BTreeSet::new();
        let mut removed = BTreeSet::new();
        for c in changes {
            let Some(i) = &c.instance else { continue };
            match (c.old_status, c.new_status) {
                (None, Some(_)) => added.insert((i.kind.as_str(), i.name.as_str())),
                (Some(_), None) => removed.insert((i.kind.as_str(), i.name.as_str())),
                _ => false,
            };
        }
        let of_kind = |set: &BTreeSet<(&str, &str)>, kind: &str| {
            set.iter().filter(|(k, _)| *k == kind).count()
        };
        InstanceCounts {
            containers_added: of_kind(&added, "container"),
            images_added: of_kind(&added, "image"),
            containers_removed: of_kind(&removed, "container"),
            images_removed: of_kind(&removed, "image"),
        }
    }

    /// Containers and images added.
    pub fn added(&self) -> usize {
        self.containers_added + self.images_added
    }

    /// Containers and images removed.
    pub fn removed(&self) -> usize {
        self.containers_removed + self.images_removed
    }
}

/// Which scan a side of the diff is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRef {
    /// The report file.
    pub file: String,
    /// The scanned host.
    pub hostname: String,
    /// Which machine it is (`run.machine`), when the report says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// The benchmark followed.
    pub benchmark: String,
    /// The rule set's version.
    pub rules_version: String,
    /// Whether stopped containers were included (`--all`).
    pub all_containers: bool,
}

/// A kind of change, in the order a reader wants them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Fails now, did not before.
    NewFailure,
    /// Any other change of status (to error, to notapplicable, …).
    StatusChanged,
    /// Failed before, passes now.
    Resolved,
    /// Fails in both scans.
    StillFailing,
    /// Same status, different observed values.
    EvidenceChanged,
    /// A container or image only the new scan has.
    InstanceAdded,
    /// A container or image only the old scan had.
    InstanceRemoved,
    /// Cannot be compared (see `reason`).
    Incomparable,
}

impl ChangeKind {
    /// Every kind, in report order.
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::NewFailure,
        ChangeKind::StatusChanged,
        ChangeKind::Resolved,
        ChangeKind::StillFailing,
        ChangeKind::EvidenceChanged,
        ChangeKind::InstanceAdded,
        ChangeKind::InstanceRemoved,
        ChangeKind::Incomparable,
    ];

    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NewFailure => "new-failure",
            ChangeKind::StatusChanged => "status-changed",
            ChangeKind::Resolved => "resolved",
            ChangeKind::StillFailing => "still-failing",
            ChangeKind::EvidenceChanged => "evidence-changed",
            ChangeKind::InstanceAdded => "instance-added",
            ChangeKind::InstanceRemoved => "instance-removed",
            ChangeKind::Incomparable => "incomparable",
        }
    }

    /// A heading for people.
    pub fn heading(self) -> &'static str {
        match self {
            ChangeKind::NewFailure => "New failures",
            ChangeKind::StatusChanged => "Other status changes",
            ChangeKind::Resolved => "Resolved",
            ChangeKind::StillFailing => "Still failing",
            ChangeKind::EvidenceChanged => "Evidence changed",
            ChangeKind::InstanceAdded => "Containers and images added",
            ChangeKind::InstanceRemoved => "Containers and images removed",
            ChangeKind::Incomparable => "Not comparable",
        }
    }
}

/// One change to one rule, or to one container or image of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Rule id.
    pub rule: String,
    /// Rule title (the new scan's, else the old one's).
    pub title: String,
    /// Rule severity.
    pub severity: Severity,
    /// The container or image, for per-instance results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<InstanceRef>,
    /// Status in the old scan (absent: not in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_status: Option<Status>,
    /// Status in the new scan (absent: not in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_status: Option<Status>,
    /// Observed values that differ, by fact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceChange>,
    /// Why it cannot be compared (for `incomparable`), or a remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A container or image as both scans name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceRef {
    /// `container` or `image`.
    pub kind: String,
    /// Container name or image reference: the join key.
    pub name: String,
    /// Its id in the old scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Its id in the new scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_id: Option<String>,
    /// The same name with another id: the container was recreated (or the tag moved).
    #[serde(default)]
    pub recreated: bool,
}

/// An observed value that differs between the scans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceChange {
    /// The fact path.
    pub fact: String,
    /// What the old scan observed (absent: the fact was not read then).
    pub old: Option<Value>,
    /// What the new scan observed (absent: not read now).
    pub new: Option<Value>,
}

impl Diff {
    /// What a reader is told before the changes: the scope notes, then the order warning.
    pub fn notes(&self) -> impl Iterator<Item = &String> {
        self.scope_notes.iter().chain(&self.order_warning)
    }

    /// Whether the new scan regressed: new failures, or changes to `error`.
    pub fn has_regressions(&self) -> bool {
        self.changes.iter().any(Change::is_regression)
    }
}

impl Change {
    /// A new failure, or a change to `error` (could not be decided any more).
    pub fn is_regression(&self) -> bool {
        match self.kind {
            ChangeKind::NewFailure => true,
            ChangeKind::StatusChanged => self.new_status == Some(Status::Error),
            ChangeKind::InstanceAdded => self.new_status == Some(Status::Error),
            _ => false,
        }
    }
}

/// Compares `old` with `new` (read from `old_file` and `new_file`).
pub fn compare(old: &Report, old_file: &str, new: &Report, new_file: &str) -> Diff {
    let side = |r: &Report, file: &str| ScanRef {
        file: file.to_string(),
        hostname: r.run.hostname.clone(),
        machine: r.run.machine.clone(),
        started_at: r.run.started_at,
        benchmark: r.benchmark.clone(),
        rules_version: r.tool.rules_version.clone(),
        all_containers: r.run.options.all_containers,
    };
    let (o, n) = (side(old, old_file), side(new, new_file));
    let mut notes = Vec::new();
    let mut everything: Option<String> = None;
    if o.hostname != n.hostname {
        everything = Some(format!(
            "different hosts ({} and {})",
            o.hostname, n.hostname
        ));
    } else if let Some((a, b)) = o
        .machine
        .as_ref()
        .zip(n.machine.as_ref())
        .filter(|(a, b)| a != b)
    {
        everything = Some(format!(
            "different machines of the same name ({}: machine {a} and machine {b})",
            o.hostname
        ));
    } else if o.benchmark != n.benchmark {
        everything = Some(format!(
            "different benchmarks ({} and {})",
            o.benchmark, n.benchmark
        ));
    } else if o.rules_version != n.rules_version {
        everything = Some(format!(
            "different rule sets ({} and {})",
            o.rules_version, n.rules_version
        ));
    }
    notes.extend(everything.clone());
    // New failures would read as fixes: the reader should look at the order first.
    let order_warning = (o.started_at > n.started_at).then(|| {
        format!(
            "the old report's scan ({}) is later than the new one's ({}): are the two files given the wrong way round?",
            o.started_at.format("%Y-%m-%d %H:%M UTC"),
            n.started_at.format("%Y-%m-%d %H:%M UTC")
        )
    });
    let containers_differ = (o.all_containers != n.all_containers).then(|| {
        let (with, without) = if n.all_containers {
            ("new", "old")
        } else {
            ("old", "new")
        };
        format!(
            "the {with} scan included stopped containers (--all), the {without} did not: \
             per-container rules are not compared"
        )
    });
    notes.extend(containers_differ.clone());
    if old.run.options.params != new.run.options.params {
        notes.push(
            "rule parameters differ (config file, tailoring or flags): rules that read them \
             may differ for that reason"
                .into(),
        );
    }

    let olds: BTreeMap<&str, &RuleResult> =
        old.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let news: BTreeMap<&str, &RuleResult> =
        new.results.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut changes = Vec::new();
    for (id, &nr) in &news {
        let Some(&or) = olds.get(id) else {
            changes.push(incomparable(
                nr,
                None,
                Some(nr.status),
                "only in the new scan (a different selection or rule set)",
            ));
            continue;
        };
        let per_container = nr.scope == Scope::EachContainer || or.scope == Scope::EachContainer;
        let reason = everything
            .clone()
            .or_else(|| per_container.then(|| containers_differ.clone()).flatten());
        if let Some(reason) = reason {
            changes.push(incomparable(nr, Some(or.status), Some(nr.status), &reason));
            continue;
        }
        compare_rule(or, nr, &mut changes);
    }
    for (id, &or) in &olds {
        if !news.contains_key(id) {
            changes.push(incomparable(
                or,
                Some(or.status),
                None,
                "only in the old scan (a different selection or rule set)",
            ));
        }
    }
    changes.sort_by(|a, b| {
        (a.kind, std::cmp::Reverse(a.severity), &a.rule)
            .cmp(&(b.kind, std::cmp::Reverse(b.severity), &b.rule))
            .then_with(|| crate::rules::compare_ids(&a.rule, &b.rule))
            .then_with(|| instance_key(a).cmp(&instance_key(b)))
    });
    let mut counts = BTreeMap::new();
    for c in &changes {
        *counts.entry(c.kind).or_insert(0) += 1;
    }
    let instances = InstanceCounts::of(&changes);
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        old: o,
        new: n,
        scope_notes: notes,
        order_warning,
        counts,
        instances,
        changes,
    }
}

fn instance_key(c: &Change) -> (String, String) {
    c.instance
        .as_ref()
        .map(|i| (i.kind.clone(), i.name.clone()))
        .unwrap_or_default()
}

fn incomparable(r: &RuleResult, old: Option<Status>, new: Option<Status>, why: &str) -> Change {
    Change {
        kind: ChangeKind::Incomparable,
        rule: r.id.clone(),
        title: r.title.clone(),
        severity: r.severity,
        instance: None,
        old_status: old,
        new_status: new,
        evidence: Vec::new(),
        reason: Some(why.to_string()),
    }
}

/// The change of one status (rule-level or one instance), `None` when nothing changed.
fn status_change(old: Status, new: Status) -> Option<ChangeKind> {
    match (old, new) {
        (Status::Fail, Status::Fail) => Some(ChangeKind::StillFailing),
        (Status::Fail, Status::Pass) => Some(ChangeKind::Resolved),
        (_, Status::Fail) => Some(ChangeKind::NewFailure),
        (a, b) if a != b => Some(ChangeKind::StatusChanged),
        _ => None,
    }
}

/// Observed values that differ, by fact (first observation of each fact on each side).
fn evidence_changes(
    old: &crate::rules::result::EvidenceList,
    new: &crate::rules::result::EvidenceList,
) -> Vec<EvidenceChange> {
    let first = |list: &crate::rules::result::EvidenceList| {
        let mut m: BTreeMap<String, Value> = BTreeMap::new();
        for e in list {
            m.entry(e.fact().to_string())
                .or_insert_with(|| e.observed().into_owned());
        }
        m
    };
    let (o, n) = (first(old), first(new));
    let mut out = Vec::new();
    for fact in o.keys().chain(n.keys().filter(|k| !o.contains_key(*k))) {
        let (a, b) = (o.get(fact), n.get(fact));
        if a != b {
            out.push(EvidenceChange {
                fact: fact.clone(),
                old: a.cloned(),
                new: b.cloned(),
            });
        }
    }
    out
}

fn compare_rule(or: &RuleResult, nr: &RuleResult, out: &mut Vec<Change>) {
    let base = |kind, instance, old, new, evidence| Change {
        kind,
        rule: nr.id.clone(),
        title: nr.title.clone(),
        severity: nr.severity,
        instance,
        old_status: old,
        new_status: new,
        evidence,
        reason: None,
    };
    if or.instances.is_empty() && nr.instances.is_empty() {
        let evidence = evidence_changes(&or.evidence, &nr.evidence);
        let kind = status_change(or.status, nr.status)
            .or_else(|| (!evidence.is_empty()).then_some(ChangeKind::EvidenceChanged));
        if let Some(kind) = kind {
            let evidence =
                if kind == ChangeKind::StillFailing || kind == ChangeKind::EvidenceChanged {
                    evidence
                } else {
                    Vec::new()
                };
            out.push(base(kind, None, Some(or.status), Some(nr.status), evidence));
        }
        return;
    }
    // One side has instances and the other none (a list the daemon could not give, a rule
    // that no longer applies to any): the rule's own status changed too, and that change is
    // what says the audit is now incomplete (pass → error) or newly failing.
    if or.instances.is_empty() != nr.instances.is_empty() {
        if let Some(kind) = status_change(or.status, nr.status) {
            if kind != ChangeKind::StillFailing {
                out.push(base(
                    kind,
                    None,
                    Some(or.status),
                    Some(nr.status),
                    Vec::new(),
                ));
            }
        }
    }
    fn key(i: &InstanceResult) -> (&str, &str) {
        (i.kind(), i.name())
    }
    let olds: BTreeMap<(&str, &str), &InstanceResult> =
        or.instances.iter().map(|i| (key(i), i)).collect();
    let news: BTreeMap<(&str, &str), &InstanceResult> =
        nr.instances.iter().map(|i| (key(i), i)).collect();
    for (k, &ni) in &news {
        match olds.get(k) {
            Some(&oi) => {
                let instance = InstanceRef {
                    kind: ni.kind().to_string(),
                    name: ni.name().to_string(),
                    old_id: Some(oi.id().to_string()),
                    new_id: Some(ni.id().to_string()),
                    recreated: oi.id() != ni.id(),
                };
                let evidence = evidence_changes(&oi.evidence, &ni.evidence);
                let kind = status_change(oi.status, ni.status)
                    .or_else(|| (!evidence.is_empty()).then_some(ChangeKind::EvidenceChanged));
                if let Some(kind) = kind {
                    let evidence = if kind == ChangeKind::StillFailing
                        || kind == ChangeKind::EvidenceChanged
                    {
                        evidence
                    } else {
                        Vec::new()
                    };
                    out.push(base(
                        kind,
                        Some(instance),
                        Some(oi.status),
                        Some(ni.status),
                        evidence,
                    ));
                }
            }
            None => {
                let kind = if ni.status == Status::Fail {
                    ChangeKind::NewFailure
                } else {
                    ChangeKind::InstanceAdded
                };
                let instance = InstanceRef {
                    kind: ni.kind().to_string(),
                    name: ni.name().to_string(),
                    old_id: None,
                    new_id: Some(ni.id().to_string()),
                    recreated: false,
                };
                let mut c = base(kind, Some(instance), None, Some(ni.status), Vec::new());
                c.reason = Some(format!("{} not in the old scan", ni.kind()));
                out.push(c);
            }
        }
    }
    for (k, &oi) in &olds {
        if !news.contains_key(k) {
            let instance = InstanceRef {
                kind: oi.kind().to_string(),
                name: oi.name().to_string(),
                old_id: Some(oi.id().to_string()),
                new_id: None,
                recreated: false,
            };
            let mut c = base(
                ChangeKind::InstanceRemoved,
                Some(instance),
                Some(oi.status),
                None,
                Vec::new(),
            );
            c.reason = Some(format!("{} not in the new scan", oi.kind()));
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fail_to_pass_is_resolved() {
        use Status::*;
        assert_eq!(status_change(Fail, Pass), Some(ChangeKind::Resolved));
        assert_eq!(status_change(Fail, Fail), Some(ChangeKind::StillFailing));
        assert_eq!(status_change(Pass, Fail), Some(ChangeKind::NewFailure));
        assert_eq!(status_change(Error, Fail), Some(ChangeKind::NewFailure));
        // Nothing says a fix was made: a change of status, not a resolution.
        assert_eq!(status_change(Fail, Error), Some(ChangeKind::StatusChanged));
        assert_eq!(
            status_change(Fail, NotApplicable),
            Some(ChangeKind::StatusChanged)
        );
        assert_eq!(status_change(Pass, Pass), None);
    }

    #[test]
    fn changes_to_error_are_regressions() {
        let c = |kind, new| Change {
            kind,
            rule: "5.5".into(),
            title: "t".into(),
            severity: Severity::High,
            instance: None,
            old_status: Some(Status::Pass),
            new_status: Some(new),
            evidence: Vec::new(),
            reason: None,
        };
        assert!(c(ChangeKind::NewFailure, Status::Fail).is_regression());
        assert!(c(ChangeKind::StatusChanged, Status::Error).is_regression());
        assert!(!c(ChangeKind::StatusChanged, Status::NotApplicable).is_regression());
        assert!(!c(ChangeKind::Incomparable, Status::Fail).is_regression());
    }
}
