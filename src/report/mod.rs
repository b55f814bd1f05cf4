//! Reports: the [`Report`] data (the JSON format) and its renderers.
//!
//! Every renderer reads only a `Report`; none gathers facts.

pub mod fleet;
pub mod html;
pub mod junit;
pub mod sarif;
pub mod tailoring;
pub mod terminal;
pub mod write;
pub mod xccdf;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rules::result::RuleResult;
use crate::rules::Status;
use crate::snapshot::{CollectError, Snapshot};

/// Version of the JSON report format. Bump it on any incompatible change.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// The benchmark bollwerk's CIS rules follow.
pub const BENCHMARK: &str = "CIS Docker Benchmark v1.8.0";

/// The earlier benchmark `--benchmark cis-docker-1.6.0` reports against.
pub const BENCHMARK_1_6_0: &str = "CIS Docker Benchmark v1.6.0";

/// Results under CIS Docker 1.6.0 numbering: each CIS rule takes its 1.6.0 id (the 1.8.0 id is
/// kept in `id_1_8_0`), rules new in 1.8.0 (`id-1-6-0 = "-"`) are left out, bollwerk's own
/// rules stay as they are.
pub fn renumber_1_6_0(results: Vec<RuleResult>) -> Vec<RuleResult> {
    let mut out: Vec<RuleResult> = results
        .into_iter()
        .filter(|r| r.id_1_6_0.as_deref() != Some("-"))
        .map(|mut r| {
            if let Some(old) = r.id_1_6_0.take() {
                r.id_1_8_0 = Some(std::mem::replace(&mut r.id, old));
            } else if !r.id.starts_with("BW") {
                r.id_1_8_0 = Some(r.id.clone());
            }
            r.section = r.id.split(['.', '-']).next().unwrap_or(&r.id).to_string();
            r
        })
        .collect();
    out.sort_by(|a, b| crate::rules::compare_ids(&a.id, &b.id));
    out
}

/// A scan's results: the JSON report (`report.json`), documented by `schema/report.schema.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Format version, see [`REPORT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The tool.
    pub tool: ToolInfo,
    /// The benchmark followed.
    pub benchmark: String,
    /// Facts about the run.
    pub run: RunInfo,
    /// Counts per status, overall and per section.
    pub summary: Summary,
    /// One result per rule, in rule id order.
    pub results: Vec<RuleResult>,
    /// Facts that could not be gathered.
    pub collection_errors: Vec<CollectError>,
    /// Remarks from collection.
    pub notes: Vec<String>,
}

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    /// `bollwerk`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Version of the rule set (the tool's version for the embedded rules, plus `+custom` when
    /// `--checks` added rules).
    pub rules_version: String,
}

/// Facts about the run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    /// The audited host's name.
    pub hostname: String,
    /// Its fully qualified name, when known.
    pub fqdn: Option<String>,
    /// Its operating system.
    pub os: Option<String>,
    /// Its kernel release.
    pub kernel: Option<String>,
    /// Its network interfaces and addresses.
    pub interfaces: Vec<crate::snapshot::Interface>,
    /// Docker Engine version, when the daemon answered.
    pub daemon_version: Option<String>,
    /// The daemon's address.
    pub docker_host: String,
    /// The host root that was read.
    pub host_root: String,
    /// When fact collection started.
    pub started_at: DateTime<Utc>,
    /// When fact collection finished.
    pub finished_at: DateTime<Utc>,
    /// The options that shaped this run.
    pub options: RunOptions,
    /// The account that ran the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<RunUser>,
}

/// Who ran a scan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunUser {
    /// User name (the uid when it has none).
    pub name: String,
    /// Effective user id.
    pub uid: u32,
}

impl RunUser {
    /// The effective user of this process.
    pub fn current() -> RunUser {
        let uid = nix::unistd::geteuid();
        let name = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| uid.to_string());
        RunUser {
            name,
            uid: uid.as_raw(),
        }
    }
}

/// Options recorded for repeatability.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// `--all`.
    pub all_containers: bool,
    /// `--level`.
    pub level: Option<u8>,
    /// `--include`.
    pub include: Vec<String>,
    /// `--exclude`.
    pub exclude: Vec<String>,
    /// `--checks`.
    pub checks_dir: Option<String>,
    /// `--snapshot`: the replayed snapshot file.
    pub snapshot: Option<String>,
    /// `--trusted-users` (or the tailoring's value).
    pub trusted_users: Option<Vec<String>>,
    /// `--tailoring`: the XCCDF tailoring file applied.
    #[serde(default)]
    pub tailoring: Option<String>,
    /// `--config`: bollwerk's config file.
    #[serde(default)]
    pub config: Option<String>,
    /// The rule parameters in force (defaults, config file, flags).
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}

/// Status counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Rules that passed.
    pub pass: usize,
    /// Rules that failed.
    pub fail: usize,
    /// Rules that could not be decided.
    pub error: usize,
    /// Rules that do not apply.
    pub notapplicable: usize,
    /// Rules that need a person or a parameter.
    pub notchecked: usize,
    /// Rules that report facts only.
    pub informational: usize,
}

impl Counts {
    /// Adds one rule with `status`.
    pub fn add(&mut self, status: Status) {
        *match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Error => &mut self.error,
            Status::NotApplicable => &mut self.notapplicable,
            Status::NotChecked => &mut self.notchecked,
            Status::Informational => &mut self.informational,
        } += 1;
    }

    /// The count for `status`.
    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Error => self.error,
            Status::NotApplicable => self.notapplicable,
            Status::NotChecked => self.notchecked,
            Status::Informational => self.informational,
        }
    }
}

/// Counts overall and per section.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Number of rules evaluated.
    pub total: usize,
    /// Counts over all rules.
    pub counts: Counts,
    /// Counts per section (`1`, `2`, …, `BW`).
    pub sections: BTreeMap<String, Counts>,
}

impl Summary {
    /// Counts `results`.
    pub fn of(results: &[RuleResult]) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Default::default()
        };
        for r in results {
            s.counts.add(r.status);
            s.sections
                .entry(r.section.clone())
                .or_default()
                .add(r.status);
        }
        s
    }
}

impl Report {
    /// Builds a report from a snapshot and its results.
    pub fn new(snapshot: &Snapshot, results: Vec<RuleResult>, options: RunOptions) -> Report {
        let daemon_version = snapshot
            .daemon
            .version
            .as_ref()
            .and_then(|v| v.get("Version"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let version = env!("CARGO_PKG_VERSION").to_string();
        let rules_version = if options.checks_dir.is_some() {
            format!("{version}+custom")
        } else {
            version.clone()
        };
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: ToolInfo {
                name: "bollwerk".into(),
                version,
                rules_version,
            },
            benchmark: BENCHMARK.into(),
            run: RunInfo {
                hostname: snapshot.host.hostname.clone(),
                fqdn: snapshot.host.fqdn.clone(),
                os: snapshot.host.os.clone(),
                kernel: snapshot.host.kernel.clone(),
                interfaces: snapshot.host.interfaces.clone(),
                daemon_version,
                docker_host: snapshot.docker_host.clone(),
                host_root: snapshot.host_root.clone(),
                started_at: snapshot.started_at,
                finished_at: snapshot.finished_at,
                options,
                user: Some(RunUser::current()),
            },
            summary: Summary::of(&results),
            results,
            collection_errors: snapshot.errors.clone(),
            notes: snapshot
                .notes
                .iter()
                .cloned()
                .chain(
                    snapshot
                        .not_collected
                        .iter()
                        .map(|n| format!("not collected: {}", n.message)),
                )
                .collect(),
        }
    }

    /// Whether any rule's status is at or above `threshold` in the order
    /// pass < notapplicable < informational < notchecked < fail < error
    /// (`--fail-on fail`, the default, also counts errors: an undecided audit is not clean).
    pub fn has_findings(&self, threshold: Status) -> bool {
        self.results
            .iter()
            .any(|r| fail_on_rank(r.status) >= fail_on_rank(threshold))
    }
}

/// Rank used by `--fail-on`.
pub fn fail_on_rank(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::NotApplicable => 1,
        Status::Informational => 2,
        Status::NotChecked => 3,
        Status::Fail => 4,
        Status::Error => 5,
    }
}

/// Characters that change how the text around them is shown without being seen: direction
/// overrides and isolates (a name could show reversed, as in "Trojan Source"), zero-width
/// characters, line and paragraph separators, the byte order mark.
pub(crate) fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}
