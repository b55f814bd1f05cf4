//! Results of evaluating rules: pure data that every report format renders.

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
}

/// The result of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleResult {
    /// CIS Docker Benchmark 1.8.0 id, or bollwerk's own (`BW-…`).
    pub id: String,
    /// CIS Docker Benchmark 1.6.0 id where it differs (`-` for recommendations new in 1.8.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_1_6_0: Option<String>,
    /// The CIS 1.8.0 id, set only when the report uses 1.6.0 numbering.
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
}
