//! Fleet reports: many hosts' `report.json` files merged into one fleet report
//! (`bollwerk report --merge`).
//!
//! Inputs are streamed: each report is read (by a few workers in parallel), folded into a
//! [`FleetHost`] (counts, scores, failing rules with instance counts) whose every format's
//! part is written at once to a temporary file, and dropped; only the fleet's [`Tally`] (per
//! rule set and per failing rule) stays in memory. The tops of the documents need those
//! totals, so they are written last and the parts stitched in (one pass over the inputs).
//!
//! Hosts whose reports follow different rule sets (benchmark, rule-set version) are grouped
//! by rule set and the grouping is named in every format; no score is ever averaged across
//! rule sets.

pub mod html;
pub mod inputs;
pub mod part;
pub mod write;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Counts, Report};
use crate::rules::result::RuleResult;
use crate::rules::Status;

/// Version of the `fleet.json` format (`schema/fleet.schema.json`).
pub const FLEET_SCHEMA_VERSION: u32 = 1;

/// The fleet summary: the JSON fleet report (`fleet.json`), documented by
/// `schema/fleet.schema.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// Format version, see [`FLEET_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The bollwerk version that merged the reports.
    pub merged_by: String,
    /// True when the hosts follow more than one rule set (then compare scores only within a
    /// rule set).
    pub mixed_rule_sets: bool,
    /// One entry per rule set (benchmark and rule-set version), with its hosts' totals.
    pub rule_sets: Vec<RuleSetGroup>,
    /// The merged hosts, by host name, then scan time.
    pub hosts: Vec<FleetHost>,
    /// Rules that fail on at least one host, those failing on most hosts first.
    pub failing_rules: Vec<FleetRule>,
    /// Inputs that could not be read as reports; they were skipped.
    pub skipped: Vec<SkippedInput>,
    /// Older reports of a host that a newer one replaced (unless `--all-runs`).
    pub superseded: Vec<String>,
}

/// A benchmark and rule-set version, and the hosts that follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetGroup {
    /// The group's label, as every format names it (`CIS Docker Benchmark v1.8.0, rules 0.1.0`).
    pub label: String,
    /// The benchmark followed.
    pub benchmark: String,
    /// The rule-set version.
    pub rules_version: String,
    /// Number of hosts.
    pub hosts: usize,
    /// Rule counts summed over the hosts.
    pub counts: Counts,
    /// Mean of the hosts' scores (0–100; see [`FleetHost::score`]) over the hosts that have
    /// one; `None` when none has.
    pub score: Option<f64>,
}

/// One host's report, folded.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetHost {
    /// The host name the report gives (untrusted text).
    pub hostname: String,
    /// A file-name-safe, unique key for the host (per-host file names, HTML anchors).
    pub key: String,
    /// The report.json it came from.
    pub source: String,
    /// The report.html beside it, when there is one.
    pub html_report: Option<String>,
    /// When its scan started.
    pub started_at: DateTime<Utc>,
    /// The bollwerk version that scanned.
    pub tool_version: String,
    /// The benchmark followed.
    pub benchmark: String,
    /// The rule-set version.
    pub rules_version: String,
    /// Label of its rule set (see [`RuleSetGroup::label`]).
    pub rule_set: String,
    /// Rule counts, as the host's own report gives them (a waived rule counts as waived, not
    /// as failed).
    pub counts: Counts,
    /// The host's score, the same as its own report, terminal summary and `history.csv` give:
    /// passed and waived rules out of decided ones (pass, fail, error, waived), 0–100, rounded
    /// down ([`Counts::score`] of its summary); `None` when nothing was decided. (The XCCDF
    /// default score, a mean of section scores, is in the host's XCCDF and ARF results.)
    pub score: Option<u32>,
    /// Per section (`1`, `2`, …, `BW`): counts and score.
    pub sections: BTreeMap<String, SectionScore>,
    /// Failed rules, waived ones (accepted risks) left out.
    pub failing: Vec<HostFailure>,
    /// Waived rules: failed, every failure covered by an exception in force (`--exceptions`).
    #[serde(default)]
    pub waived: Vec<HostFailure>,
    /// Exceptions in force on the host (`--exceptions`), one line each: id, expiry, what it
    /// waived, justification.
    pub exceptions: Vec<String>,
}

/// A section's counts and score on one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionScore {
    /// Rule counts (a waived rule counts as waived, not as failed).
    pub counts: Counts,
    /// The section's score as the host's own report gives it ([`Counts::score`] of `counts`:
    /// passed and waived rules out of decided ones, rounded down); `None` when none was
    /// decided.
    pub score: Option<u32>,
}

/// A rule that failed on a host.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostFailure {
    /// Rule id.
    pub id: String,
    /// Rule title.
    pub title: String,
    /// Failing containers or images (0 for host and daemon rules); in `failing`, those an
    /// exception in force covers are left out.
    pub failing_instances: usize,
}

/// A rule that fails on some hosts.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FleetRule {
    /// Rule id.
    pub id: String,
    /// Rule title (from the first host's report that has it).
    pub title: String,
    /// Label of the rule set; the same id in another rule set is a separate entry.
    pub rule_set: String,
    /// Hosts on which it fails (hosts where it is waived are not counted).
    pub failing_hosts: usize,
    /// Hosts of its rule set.
    pub of_hosts: usize,
}

/// An input that was not merged.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkippedInput {
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The label naming a rule set in every format.
pub fn rule_set_label(benchmark: &str, rules_version: &str) -> String {
    format!("{benchmark}, rules {rules_version}")
}

/// A failed rule as the fleet lists it; `uncovered_only` leaves out the failing instances an
/// exception in force covers.
fn failure(r: &RuleResult, uncovered_only: bool) -> HostFailure {
    HostFailure {
        id: r.id.clone(),
        title: r.title.clone(),
        failing_instances: r
            .instances
            .iter()
            .filter(|i| i.status == Status::Fail)
            .filter(|i| !uncovered_only || !super::exceptions::is_covered(&i.exception))
            .count(),
    }
}

impl FleetHost {
    /// Folds one report; `key` is the host's unique file-name-safe key.
    pub fn of(report: &Report, key: String, source: String, html_report: Option<String>) -> Self {
        let mut by_section: BTreeMap<String, Vec<&RuleResult>> = BTreeMap::new();
        for r in &report.results {
            by_section.entry(r.section.clone()).or_default().push(r);
        }
        let sections = by_section
            .iter()
            .map(|(name, results)| {
                let mut counts = Counts::default();
                for r in results {
                    counts.add_result(r);
                }
                let score = counts.score();
                (name.clone(), SectionScore { counts, score })
            })
            .collect();
        let failed = || report.results.iter().filter(|r| r.status == Status::Fail);
        let failing = failed()
            .filter(|r| !r.waived)
            .map(|r| failure(r, true))
            .collect();
        let waived = failed()
            .filter(|r| r.waived)
            .map(|r| failure(r, false))
            .collect();
        FleetHost {
            hostname: report.run.hostname.clone(),
            key,
            source,
            html_report,
            started_at: report.run.started_at,
            tool_version: report.tool.version.clone(),
            benchmark: report.benchmark.clone(),
            rules_version: report.tool.rules_version.clone(),
            rule_set: rule_set_label(&report.benchmark, &report.tool.rules_version),
            counts: report.summary.counts.clone(),
            score: report.summary.counts.score(),
            sections,
            failing,
            waived,
            exceptions: report
                .exceptions
                .iter()
                .filter(|e| e.state == super::exceptions::ExceptionState::InForce)
                .map(|e| {
                    format!(
                        "{} until {}, waives {}: {}",
                        e.id,
                        crate::rules::result::shown_expiry(&e.expires_as_written),
                        e.waived,
                        e.justification
                    )
                })
                .collect(),
        }
    }
}

/// Sums counts.
fn add_counts(total: &mut Counts, c: &Counts) {
    total.pass += c.pass;
    total.fail += c.fail;
    total.error += c.error;
    total.notapplicable += c.notapplicable;
    total.notchecked += c.notchecked;
    total.informational += c.informational;
    total.waived += c.waived;
}

/// The fleet's totals, gathered host by host: what the top of every fleet format shows
/// (rule sets, the rules failing on most hosts), held in memory that grows with the number of
/// rule sets and rules, never with the number of hosts.
#[derive(Debug, Default)]
pub struct Tally {
    /// Per rule set: its group, and the sum of its hosts' scores and how many hosts have one.
    groups: BTreeMap<(String, String), (RuleSetGroup, f64, usize)>,
    failing: BTreeMap<(String, String), FleetRule>,
    hosts: usize,
}

impl Tally {
    /// Counts one host.
    pub fn add(&mut self, h: &FleetHost) {
        self.hosts += 1;
        let set = (h.benchmark.clone(), h.rules_version.clone());
        let (g, sum, scored) = self.groups.entry(set).or_insert_with(|| {
            let group = RuleSetGroup {
                label: h.rule_set.clone(),
                benchmark: h.benchmark.clone(),
                rules_version: h.rules_version.clone(),
                hosts: 0,
                counts: Counts::default(),
                score: None,
            };
            (group, 0.0, 0)
        });
        if let Some(score) = h.score {
            *sum += f64::from(score);
            *scored += 1;
        }
        g.hosts += 1;
        add_counts(&mut g.counts, &h.counts);
        for f in &h.failing {
            self.failing
                .entry((h.rule_set.clone(), f.id.clone()))
                .or_insert_with(|| FleetRule {
                    id: f.id.clone(),
                    title: f.title.clone(),
                    rule_set: h.rule_set.clone(),
                    failing_hosts: 0,
                    of_hosts: 0,
                })
                .failing_hosts += 1;
        }
    }

    /// Hosts counted so far.
    pub fn hosts(&self) -> usize {
        self.hosts
    }

    /// The fleet summary; its `hosts` list is empty (the formats stream hosts as they are
    /// read, see [`write`](mod@write)).
    pub fn finish(self, mut skipped: Vec<SkippedInput>, mut superseded: Vec<String>) -> Fleet {
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        superseded.sort();
        let rule_sets: Vec<RuleSetGroup> = self
            .groups
            .into_values()
            .map(|(mut g, sum, scored)| {
                g.score = (scored > 0).then(|| sum / scored as f64);
                g
            })
            .collect();
        let mut failing_rules: Vec<FleetRule> = self.failing.into_values().collect();
        for f in &mut failing_rules {
            f.of_hosts = rule_sets
                .iter()
                .find(|g| g.label == f.rule_set)
                .map_or(0, |g| g.hosts);
        }
        failing_rules.sort_by(|a, b| {
            b.failing_hosts
                .cmp(&a.failing_hosts)
                .then_with(|| a.rule_set.cmp(&b.rule_set))
                .then_with(|| crate::rules::compare_ids(&a.id, &b.id))
        });
        Fleet {
            schema_version: FLEET_SCHEMA_VERSION,
            merged_by: env!("CARGO_PKG_VERSION").to_string(),
            mixed_rule_sets: rule_sets.len() > 1,
            rule_sets,
            hosts: Vec::new(),
            failing_rules,
            skipped,
            superseded,
        }
    }
}
