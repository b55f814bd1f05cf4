//! Results of evaluating rules: pure data that every report format renders.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{Assessment, Scope, Severity, Status};

/// What was looked at, what was found, and what was expected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The fact path, with placeholders resolved (`host.files["/lib/systemd/system/docker.service"].mode`).
    pub fact: String,
    /// The value found; `null` when absent.
    pub observed: Value,
    /// What the rule expects, as a phrase in machine form ("equal to false",
    /// "no element matching /…/").
    pub expected: String,
    /// The same expectation in words for people ("no dangerous capability added"): the
    /// terminal and HTML show it (see [`Evidence::expected_for_people`]). Empty in reports
    /// written before it existed.
    #[serde(default)]
    pub expected_text: String,
    /// Where the value came from (`/etc/docker/daemon.json:3`, `flag --icc=false`,
    /// `docker inspect web`, `stat /run/docker.sock`, `dockerd default`).
    pub source: String,
    /// The outcome of this one test.
    pub outcome: Status,
}

impl Evidence {
    /// What people are shown as the expectation: `expected_text`, or `expected` for reports
    /// that predate it.
    pub fn expected_for_people(&self) -> &str {
        if self.expected_text.is_empty() {
            &self.expected
        } else {
            &self.expected_text
        }
    }
}

/// The result for one container or image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceResult {
    /// `container` or `image`.
    pub kind: String,
    /// Full id.
    pub id: String,
    /// Container name or first image tag (the id when untagged).
    pub name: String,
    /// Its status.
    pub status: Status,
    /// Why, when the status is not pass or fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The tests behind the status.
    pub evidence: Vec<Evidence>,
    /// The exception that covers this failing instance, or that did until it expired
    /// (`--exceptions`); the status stays the true one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<AppliedException>,
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleResult {
    /// CIS Docker Benchmark 1.8.0 id, or bollwerk's own (`BW-…`); under `--benchmark` (see
    /// the report's `numbering`) the rule's id in that benchmark.
    pub id: String,
    /// CIS Docker Benchmark 1.6.0 id where it differs (`-` for recommendations new in 1.8.0);
    /// absent when the report has a `numbering`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_1_6_0: Option<String>,
    /// bollwerk's rule id (the CIS 1.8.0 id of CIS rules), set only when the report uses
    /// another benchmark's numbering (`numbering`) and the rule is in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_1_8_0: Option<String>,
    /// Section (`1`, `2`, …, `BW`).
    pub section: String,
    /// One-line title.
    pub title: String,
    /// CIS profile level.
    pub level: u8,
    /// CIS assessment status.
    pub assessment: Assessment,
    /// Severity of a failure.
    pub severity: Severity,
    /// What the rule looks at.
    pub scope: Scope,
    /// Overall status: for per-instance rules, the worst of the instances.
    pub status: Status,
    /// Why, for statuses other than pass; a summary for per-instance failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Evidence of rule-level (host, daemon) checks.
    pub evidence: Vec<Evidence>,
    /// One result per container or image for per-instance rules.
    pub instances: Vec<InstanceResult>,
    /// What the rule checks.
    pub description: String,
    /// Why it matters.
    pub rationale: String,
    /// What applying it changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// How to fix it.
    pub remediation: String,
    /// Documentation and control references.
    pub references: Vec<String>,
    /// For rule-level (host, daemon) results: the exception that covers the failure, or that
    /// did until it expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<AppliedException>,
    /// True when the rule failed and every failing part is covered by an exception in force:
    /// the status stays `fail`, the summary counts the rule as waived.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
}

/// An exception as a result carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliedException {
    /// The exception's id.
    pub id: String,
    /// Why the risk is accepted.
    pub justification: String,
    /// When it stops applying (RFC 3339, UTC).
    pub expires: DateTime<Utc>,
    /// The expiry as the file wrote it (`2027-01-31` means the end of that day, UTC).
    pub expires_as_written: String,
    /// True when it has expired: it no longer covers the result, which counts again.
    #[serde(default)]
    pub expired: bool,
}

impl AppliedException {
    /// "exception EXC-7 expired on 2027-01-31 (end of day, UTC)" or "waived by EXC-7 until …".
    pub fn sentence(&self) -> String {
        if self.expired {
            format!(
                "exception {} expired on {}",
                self.id,
                shown_expiry(&self.expires_as_written)
            )
        } else {
            format!(
                "waived by {} until {}: {}",
                self.id,
                shown_expiry(&self.expires_as_written),
                self.justification
            )
        }
    }
}

/// A date as people read it: a bare date is the end of that day in UTC.
pub fn shown_expiry(written: &str) -> String {
    if written.len() == 10 {
        format!("{written} (end of day, UTC)")
    } else {
        written.to_string()
    }
}
