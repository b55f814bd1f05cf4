//! Reports: the [`Report`] data (the JSON format) and its renderers.
//!
//! Every renderer reads only a `Report`; none gathers facts.

pub mod baseline;
pub mod diff;
pub mod error;
pub mod exceptions;
pub mod fixes;
pub mod fleet;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod plan;
pub mod sarif;
pub mod tailoring;
pub mod terminal;
pub mod write;
pub mod xccdf;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::facts::daemon_settings::ROOTFUL_DAEMON_JSON;
use crate::rules::result::{observations, RuleResult};
use crate::rules::Status;
use crate::snapshot::{CollectError, Snapshot};
pub use json::{from_json, write_json};

/// Version of the JSON report format. Bump it on any incompatible change. Version 2 writes each
/// observed fact once, in `observations`, and evidence refers to it by index.
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// The oldest report format this bollwerk still reads (version 1: evidence inline).
pub const REPORT_SCHEMA_OLDEST: u32 = 1;

/// True when this bollwerk reads reports of format `version`.
pub fn reads_version(version: u32) -> bool {
    (REPORT_SCHEMA_OLDEST..=REPORT_SCHEMA_VERSION).contains(&version)
}

/// The benchmark bollwerk's CIS rules follow.
pub const BENCHMARK: &str = "CIS Docker Benchmark v1.8.0";

/// Results under the numbering of the benchmark `benchmark`, as the rules' `benchmarks` tables
/// give it: a rule in that benchmark takes its id there (and its title there, where the table
/// gives one), keeping bollwerk's rule id in `id_1_8_0`; a rule in other benchmarks only is
/// left out (CIS 1.8.0 recommendations that 1.6.0 lacks); a rule in no benchmark (bollwerk's
/// own, a user's own) stays as it is. `id_1_6_0` goes: the numbering is now the report's.
pub fn renumber(
    results: Vec<RuleResult>,
    rules: &crate::rules::RuleSet,
    benchmark: &str,
) -> Vec<RuleResult> {
    let mut out: Vec<RuleResult> = results
        .into_iter()
        .filter_map(|mut r| {
            r.id_1_6_0 = None;
            let Some(rule) = rules.get(&r.id) else {
                return Some(r);
            };
            match rule.in_benchmark(benchmark) {
                Some(entry) => {
                    r.id_1_8_0 = Some(std::mem::replace(&mut r.id, entry.id.clone()));
                    if let Some(title) = &entry.title {
                        r.title = title.clone();
                    }
                }
                None if rule.benchmarks.is_empty() => {}
                None => return None,
            }
            r.section = r.id.split(['.', '-']).next().unwrap_or(&r.id).to_string();
            Some(r)
        })
        .collect();
    out.sort_by(|a, b| crate::rules::compare_ids(&a.id, &b.id));
    out
}

/// The numbering of a report made with `--benchmark NAME` other than the default one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Numbering {
    /// The benchmark's name, as `--benchmark` takes it (`cis-docker-1.6.0`).
    pub benchmark: String,
    /// `ident/@system` of its ids in XCCDF, when the benchmark declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ident_system: Option<String>,
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
    /// Whose numbers the results' ids are, when not bollwerk's rule ids (`--benchmark`):
    /// each result then keeps its rule id in `id_1_8_0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numbering: Option<Numbering>,
    /// Facts about the run.
    pub run: RunInfo,
    /// Counts per status, overall and per section.
    pub summary: Summary,
    /// The facts evidence refers to, each once: fact path, source and the value found.
    /// Evidence names one by its index here (`"observation": 12`), so a fact read by many rules
    /// is written once; this list comes before `results` so that a reader meets it first.
    /// Absent when evidence is written inline (schema version 1, and `bollwerk report`'s
    /// re-rendering of such reports).
    #[serde(default, skip_serializing_if = "observations::List::is_empty")]
    pub observations: observations::List,
    /// What evidence expected, each once (`expected` in machine form, `expected_text` in
    /// words): evidence names one by its index here (`"expectation": 3`). Absent, like
    /// `observations`, when evidence is written inline.
    #[serde(default, skip_serializing_if = "observations::Expectations::is_empty")]
    pub expectations: observations::Expectations,
    /// One result per rule, in rule id order.
    #[serde(serialize_with = "json::results")]
    pub results: Vec<RuleResult>,
    /// Facts that could not be gathered.
    pub collection_errors: Vec<CollectError>,
    /// Remarks from collection.
    pub notes: Vec<String>,
    /// Rules the tailoring's profile leaves out (`--tailoring`): not evaluated, kept so that
    /// XCCDF results can record them as `notselected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_selected: Vec<RuleText>,
    /// The exceptions of `--exceptions` and what each did in this scan (absent without one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<exceptions::ExceptionRecord>,
    /// What changed since `--baseline` (absent without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<baseline::Baseline>,
}

/// What a rule says about itself, without a result: for rules a tailoring leaves out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    /// Rule id (CIS 1.8.0 numbering or `BW-…`).
    pub id: String,
    /// The CIS 1.6.0 id where it differs (`-`: new in 1.8.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_1_6_0: Option<String>,
    /// Section (`5`, `BW`).
    pub section: String,
    /// One-line title.
    pub title: String,
    /// CIS profile level (1 or 2).
    pub level: u8,
    /// Severity.
    pub severity: crate::rules::model::Severity,
    /// What is checked.
    pub description: String,
    /// Why it matters.
    pub rationale: String,
    /// What changes once applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// How to fix a failure.
    pub remediation: String,
    /// Sources.
    pub references: Vec<String>,
}

impl From<&crate::rules::Rule> for RuleText {
    fn from(r: &crate::rules::Rule) -> Self {
        RuleText {
            id: r.id.clone(),
            id_1_6_0: r.id_1_6_0.clone(),
            section: r.section().to_string(),
            title: r.title.clone(),
            level: r.level,
            severity: r.severity,
            description: r.description.clone(),
            rationale: r.rationale.clone(),
            impact: r.impact.clone(),
            remediation: r.remediation.clone(),
            references: r.references.clone(),
        }
    }
}

/// The tool that wrote the report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    /// `bollwerk`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Version of the rule set: the tool's version for the embedded rules; with `--checks`,
    /// plus `+custom.` and 12 hex digits of a SHA-256 over the folder's rule files (their
    /// paths within it and their bytes, sorted by path), so that different rule files make a
    /// different version (`0.1.0+custom.3f9a1c0e4b2d`).
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
    /// Which machine it is ([`crate::snapshot::HostFacts::machine`]), when known: reports of
    /// two machines with the same name are not taken for one host's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Its operating system.
    pub os: Option<String>,
    /// Its kernel release.
    pub kernel: Option<String>,
    /// Its network interfaces and addresses.
    pub interfaces: Vec<crate::snapshot::Interface>,
    /// Docker Engine version, when the daemon answered.
    pub daemon_version: Option<String>,
    /// The engine serving the API (Docker Engine or Podman, rootless or not), when it answered.
    #[serde(default)]
    pub server: Option<crate::snapshot::ServerFacts>,
    /// The container bollwerk ran in (not scored), when it ran in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner: Option<crate::snapshot::ScannerContainer>,
    /// The daemon's address.
    pub docker_host: String,
    /// The daemon.json in force for the audited dockerd, as collection found it: its
    /// `--config-file`, else its default path (a rootless daemon's under its user's
    /// `$XDG_CONFIG_HOME` or `~/.config`), whether or not a file is there. Absent when not
    /// known: no dockerd behind the API, or a report written before bollwerk recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daemon_json: Option<String>,
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
    /// The tailoring's Profile id (results name it as their profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tailoring_profile: Option<String>,
    /// The bollwerk profile the tailoring's Profile extends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tailoring_extends: Option<String>,
    /// `--config`: bollwerk's config file.
    #[serde(default)]
    pub config: Option<String>,
    /// `--exceptions` (or the config file's `exceptions`): the exceptions file applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceptions: Option<String>,
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
    /// Rules that failed with every failing part covered by an exception in force
    /// (`--exceptions`); they are not counted in `fail`.
    #[serde(default)]
    pub waived: usize,
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

    /// Adds one rule's result: a waived failure counts as waived, not as failed.
    pub fn add_result(&mut self, r: &RuleResult) {
        if r.waived {
            self.waived += 1;
        } else {
            self.add(r.status);
        }
    }

    /// Percentage of decided rules (pass, fail, error, waived) that pass or are waived,
    /// rounded down so that 99.6 % does not read as a perfect 100 %; `None` when nothing was
    /// decided. Without exceptions this is the plain pass rate.
    pub fn score(&self) -> Option<u32> {
        let decided = self.pass + self.fail + self.error + self.waived;
        (decided > 0).then(|| ((self.pass + self.waived) * 100 / decided) as u32)
    }

    /// [`Counts::score`] as if no exception applied: waived rules count as failed.
    pub fn score_without_exceptions(&self) -> Option<u32> {
        let decided = self.pass + self.fail + self.error + self.waived;
        (decided > 0).then(|| (self.pass * 100 / decided) as u32)
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
            s.counts.add_result(r);
            s.sections
                .entry(r.section.clone())
                .or_default()
                .add_result(r);
        }
        s
    }
}

/// The daemon.json in force for the snapshot's dockerd ([`RunInfo::daemon_json`]): the file
/// read, else the place `{config:daemon.json}` stands for (found, or the one candidate looked
/// at: dockerd's default for this daemon, where nothing is).
fn daemon_json_in_force(snapshot: &Snapshot) -> Option<String> {
    if snapshot.daemon.server.as_ref().is_some_and(|s| !s.dockerd) {
        return None;
    }
    const PLACE: &str = "config:daemon.json";
    let host = &snapshot.host;
    snapshot
        .daemon
        .config_file
        .clone()
        .or_else(|| host.locations.get(PLACE).cloned().flatten())
        .or_else(|| match host.searched.get(PLACE).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        })
}

/// `/path/file:12` → (`/path/file`, 12); an absolute path alone → (path, none). Evidence
/// sources are written so (`/etc/docker/daemon.json:4`); anything else is not a file.
pub(crate) fn file_and_line(source: &str) -> Option<(String, Option<u64>)> {
    let source = source.trim();
    if !source.starts_with('/') || source.contains(char::is_whitespace) {
        return None;
    }
    match source.rsplit_once(':') {
        Some((path, line)) if line.parse::<u64>().is_ok_and(|n| n > 0) => {
            Some((path.to_string(), line.parse().ok()))
        }
        _ => Some((source.to_string(), None)),
    }
}

impl RunInfo {
    /// The engine as every report names it: `Podman 4.3.1`, `Docker Engine 27.0.1 (rootless)`,
    /// or `Docker 20.10` for reports written before bollwerk told engines apart; `None` when
    /// the daemon did not answer.
    pub fn engine_label(&self) -> Option<String> {
        match &self.server {
            Some(s) => Some(format!(
                "{} {}{}",
                s.product,
                s.version,
                if s.rootless { " (rootless)" } else { "" }
            )),
            None => self.daemon_version.as_ref().map(|v| format!("Docker {v}")),
        }
    }
}

impl Report {
    /// The daemon.json in force, as every format names it: the one the run recorded
    /// ([`RunInfo::daemon_json`]: a rootless daemon's is under its user's home), else (a
    /// report written before bollwerk recorded it) the file a daemon setting in the evidence
    /// was read from, else dockerd's default.
    pub(crate) fn daemon_json_named(&self) -> String {
        self.run
            .daemon_json
            .clone()
            .or_else(|| {
                self.results
                    .iter()
                    .flat_map(|r| r.evidence.iter())
                    .filter(|e| e.fact().starts_with("daemon.settings."))
                    .find_map(|e| match file_and_line(e.source()) {
                        Some((path, Some(_))) => Some(path),
                        _ => None,
                    })
            })
            .unwrap_or_else(|| ROOTFUL_DAEMON_JSON.to_string())
    }

    /// The `notchecked` rules as people are told them: (for a person to check, left open for
    /// want of a parameter, an option or a fact; [`RuleResult::needs_a_person`]).
    pub fn notchecked_split(&self) -> (usize, usize) {
        let all = self.summary.counts.notchecked;
        let by_hand = self
            .results
            .iter()
            .filter(|r| r.needs_a_person())
            .count()
            .min(all);
        (by_hand, all - by_hand)
    }

    /// Builds a report from a snapshot and its results; `custom_rules` is the digest of the
    /// `--checks` rule files ([`RuleSet::custom_digest`](crate::rules::RuleSet)), which the
    /// rule-set version names.
    pub fn new(
        snapshot: &Snapshot,
        results: Vec<RuleResult>,
        options: RunOptions,
        custom_rules: Option<&str>,
    ) -> Report {
        let daemon_version = snapshot
            .daemon
            .version
            .as_ref()
            .and_then(|v| v.get("Version"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let version = env!("CARGO_PKG_VERSION").to_string();
        let rules_version = match custom_rules {
            Some(digest) => format!("{version}+custom.{digest}"),
            None => version.clone(),
        };
        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: ToolInfo {
                name: "bollwerk".into(),
                version,
                rules_version,
            },
            benchmark: BENCHMARK.into(),
            numbering: None,
            run: RunInfo {
                hostname: snapshot.host.hostname.clone(),
                fqdn: snapshot.host.fqdn.clone(),
                machine: snapshot.host.machine.clone(),
                os: snapshot.host.os.clone(),
                kernel: snapshot.host.kernel.clone(),
                interfaces: snapshot.host.interfaces.clone(),
                daemon_version,
                server: snapshot.daemon.server.clone(),
                scanner: snapshot.scanner.clone(),
                docker_host: snapshot.docker_host.clone(),
                daemon_json: daemon_json_in_force(snapshot),
                host_root: snapshot.host_root.clone(),
                started_at: snapshot.started_at,
                finished_at: snapshot.finished_at,
                options,
                user: Some(RunUser::current()),
            },
            summary: Summary::of(&results),
            observations: Default::default(),
            expectations: Default::default(),
            results,
            collection_errors: snapshot.errors.clone(),
            not_selected: Vec::new(),
            exceptions: Vec::new(),
            baseline: None,
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

/// Exit code of a scan with nothing at or above `--fail-on`.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code of a scan with findings (`fail`, or a lower status `--fail-on` names).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code of a scan that could not complete: some rule `--fail-on` counts is `error`.
pub const EXIT_INCOMPLETE: u8 = 3;

/// The exit code for `results` under `--fail-on threshold`: [`EXIT_INCOMPLETE`] when a
/// counted rule or instance is `error` (it wins over findings: the list of findings is then incomplete),
/// else [`EXIT_FINDINGS`] when any rule is counted, else [`EXIT_CLEAN`].
pub fn exit_code(results: &[RuleResult], threshold: Status) -> u8 {
    let counted = |s: Status| fail_on_rank(s) >= fail_on_rank(threshold);
    // An instance in error under a failing rule still leaves the audit incomplete. Failures
    // covered by an exception in force are accepted: they do not count.
    let statuses = results.iter().flat_map(|r| {
        let accepted = r.waived || (r.instances.is_empty() && exceptions::is_covered(&r.exception));
        let rule = (!accepted).then_some(r.status);
        rule.into_iter().chain(
            r.instances
                .iter()
                .filter(|i| !(i.status == Status::Fail && exceptions::is_covered(&i.exception)))
                .map(|i| i.status),
        )
    });
    let mut code = EXIT_CLEAN;
    for status in statuses.filter(|&s| counted(s)) {
        if status == Status::Error {
            return EXIT_INCOMPLETE;
        }
        code = EXIT_FINDINGS;
    }
    code
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

/// Escapes host text for Markdown prose, a table cell or a list item: line breaks become
/// spaces, control and direction characters are shown as `\u{..}` (as on a terminal), and
/// markup characters get a backslash (CommonMark allows one before any ASCII punctuation):
/// `&` so that an entity such as `&amp;` shows as typed, `~` so that `~~text~~` is not struck
/// through.
pub(crate) fn md_escape(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let mut out = String::new();
    for c in terminal::sanitize(&one_line).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The host each report is of, for grouping reports by host: its name and machine
/// (`run.machine`). A report that does not name its machine (written before reports did) is
/// of the one machine its name's other reports name, when they name just one; else it stays
/// apart. Two different machines of one name are never one host.
pub(crate) fn hosts_of(reports: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
    let mut machines: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for (name, machine) in reports {
        if let Some(m) = machine {
            machines.entry(name).or_default().insert(m);
        }
    }
    reports
        .iter()
        .map(|(name, machine)| {
            let only = machines
                .get(name.as_str())
                .filter(|m| m.len() == 1)
                .and_then(|m| m.iter().next())
                .map(|m| m.to_string());
            (name.clone(), machine.clone().or(only))
        })
        .collect()
}

/// `bytes` for a URI: every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// and those of `keep` (`/` for a whole path) as `%XX`.
pub(crate) fn percent_encoded(bytes: &[u8], keep: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether host text holds characters a terminal would act on or hide (controls, direction
/// overrides): such text is not written where a person would paste or load it.
pub(crate) fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || is_invisible_format(c))
}

/// Host text made visible: control and invisible format characters (which could hide or
/// reorder text, see [`is_invisible_format`]) are shown as `\u{..}`; newlines and tabs stay.
/// For texts of several lines: HTML pages (escaped later, in the template) and the terminal's
/// rule texts and error messages.
pub(crate) fn visible(text: &str) -> String {
    escaped(text, true)
}

/// `text` with control characters (all, or all but newlines and tabs when `keep_layout`) and
/// invisible format characters written as `\u{..}`: [`visible`], and
/// [`terminal::sanitize`] for one-line text.
pub(crate) fn escaped(text: &str, keep_layout: bool) -> String {
    text.chars()
        .map(|c| {
            let layout = keep_layout && (c == '\n' || c == '\t');
            if is_invisible_format(c) || (c.is_control() && !layout) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_report_without_its_machine_is_of_the_one_machine_of_its_name() {
        let id = |name: &str, m: Option<&str>| (name.to_string(), m.map(String::from));
        let reports = [
            id("web", None),
            id("web", Some("aa")),
            id("db", None),
            id("db", Some("bb")),
            id("db", Some("cc")),
            id("cache", None),
        ];
        assert_eq!(
            super::hosts_of(&reports),
            [
                // Written before reports named their machine: web's one machine.
                id("web", Some("aa")),
                id("web", Some("aa")),
                // Two machines are called db: which one is not known, so it stays apart.
                id("db", None),
                id("db", Some("bb")),
                id("db", Some("cc")),
                id("cache", None),
            ]
        );
    }

    use super::*;
    use crate::rules::result::Tested;

    /// A report with one rule whose two instances' evidence share one observation per instance,
    /// and a rule-level piece of evidence.
    fn shared_report() -> Report {
        let snap = Snapshot::new("/", "unix:///var/run/docker.sock", true);
        let mut r = result("fail", &["fail", "pass"]);
        let first = Tested::new(
            "container.inspect.HostConfig.CapAdd",
            serde_json::json!(["SYS_ADMIN"]),
            "no element in [\"SYS_ADMIN\"]",
            "no dangerous capability added",
            "docker inspect c",
            Status::Fail,
        );
        // The same fact, tested again: one observation on the list's sheet.
        let same_fact = Tested {
            expectation: crate::rules::result::Expectation {
                expected: "empty".into(),
                expected_text: "nothing added".into(),
            },
            ..first.clone()
        };
        r.instances[0].evidence = [first, same_fact].into_iter().collect();
        r.instances[1].evidence = [Tested::new(
            "container.inspect.HostConfig.CapAdd",
            serde_json::Value::Null,
            "empty",
            "",
            "docker inspect d",
            Status::Pass,
        )]
        .into_iter()
        .collect();
        Report::new(&snap, vec![r], RunOptions::default(), None)
    }

    #[test]
    fn report_json_writes_each_observation_once_and_reads_back() {
        let report = shared_report();
        let mut out = Vec::new();
        write_json(&report, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["observations"].as_array().unwrap().len(), 2, "{v:#}");
        let evidence = &v["results"][0]["instances"][0]["evidence"];
        assert_eq!(evidence[0]["observation"], 0);
        assert_eq!(evidence[1]["observation"], 0);
        assert!(evidence[0].get("observed").is_none());
        assert!(evidence[0].get("expected").is_none());
        assert_eq!(v["expectations"].as_array().unwrap().len(), 3, "{v:#}");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
        assert!(
            at("observations") < at("results"),
            "observations come first"
        );

        let back = from_json(&out).unwrap();
        let ev = &back.results[0].instances[0].evidence;
        assert_eq!(ev, &report.results[0].instances[0].evidence);
        assert!(std::ptr::eq(
            ev.get(0).unwrap().observation(),
            ev.get(1).unwrap().observation()
        ));
        assert_eq!(
            *back.results[0].instances[1]
                .evidence
                .get(0)
                .unwrap()
                .observed(),
            serde_json::Value::Null
        );
    }

    #[test]
    fn report_json_lists_only_the_observations_its_evidence_names() {
        // An evaluation's host sheet holds the observations of every host and daemon rule;
        // a report of one of those rules lists only that rule's, each once, by index.
        let rules = crate::rules::RuleSet::load(None).unwrap();
        let snap = Snapshot::new("/nonexistent", "unix:///var/run/docker.sock", true);
        let params = crate::rules::Params::default();
        let all = crate::rules::eval::evaluate(&rules, &snap, &params);
        let one = all
            .iter()
            .find(|r| r.evidence.len() >= 2)
            .expect("a rule with evidence")
            .clone();
        let on_sheet = one.evidence.sheet().unwrap().observations().len();
        let named: std::collections::BTreeSet<*const _> = one
            .evidence
            .iter()
            .map(|e| e.observation() as *const _)
            .collect();
        assert!(named.len() < on_sheet, "{} of {on_sheet}", named.len());
        let report = Report::new(&snap, vec![one.clone()], RunOptions::default(), None);
        let mut out = Vec::new();
        write_json(&report, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["observations"].as_array().unwrap().len(), named.len());
        let indexes: Vec<u64> = v["results"][0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["observation"].as_u64().unwrap())
            .collect();
        // Numbered in order of first use: each index is one seen before or the next.
        let mut next = 0;
        for &i in &indexes {
            assert!(i <= next, "{indexes:?}");
            next += u64::from(i == next);
        }
        let back = from_json(&out).unwrap();
        assert_eq!(back.results[0].evidence, one.evidence);
    }

    #[test]
    fn rules_written_on_several_threads_keep_their_order() {
        let mut report = shared_report();
        let one = report.results[0].clone();
        report.results = (0..300)
            .map(|i| {
                let mut r = one.clone();
                r.id = format!("BW-{i:03}");
                // Uneven sizes, so that threads finish out of order.
                r.description = "x".repeat((i * 7919) % 5000);
                r
            })
            .collect();
        let mut out = Vec::new();
        write_json(&report, &mut out).unwrap();
        let back = from_json(&out).unwrap();
        let ids: Vec<&str> = back.results.iter().map(|r| r.id.as_str()).collect();
        let want: Vec<String> = (0..300).map(|i| format!("BW-{i:03}")).collect();
        assert_eq!(ids, want);
        assert_eq!(back.results[299].instances, report.results[299].instances);
    }

    #[test]
    fn inline_evidence_of_older_reports_still_reads() {
        let report = shared_report();
        // Outside `write_json`, evidence is written inline: the form of format version 1.
        let mut v = serde_json::to_value(&report).unwrap();
        assert!(v.get("observations").is_none());
        assert_eq!(
            v["results"][0]["instances"][0]["evidence"][0]["observed"],
            serde_json::json!(["SYS_ADMIN"])
        );
        v["schema_version"] = 1.into();
        let back = from_json(&serde_json::to_vec(&v).unwrap()).unwrap();
        assert!(reads_version(back.schema_version));
        assert_eq!(back.results[0].instances, report.results[0].instances);
    }

    #[test]
    fn an_observation_index_out_of_range_is_an_error() {
        let mut out = Vec::new();
        write_json(&shared_report(), &mut out).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["results"][0]["instances"][0]["evidence"][0]["observation"] = 7.into();
        let e = from_json(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains("names observation 7"), "{e}");
        // Both forms at once is refused too.
        v["results"][0]["instances"][0]["evidence"][0]["observation"] = 0.into();
        v["results"][0]["instances"][0]["evidence"][0]["fact"] = "x".into();
        assert!(from_json(&serde_json::to_vec(&v).unwrap()).is_err());
    }

    fn result(status: &str, instances: &[&str]) -> RuleResult {
        let instances: Vec<serde_json::Value> = instances
            .iter()
            .map(|s| serde_json::json!({"kind": "container", "id": "c", "name": "c", "status": s, "evidence": []}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": "5.5", "section": "5", "title": "t", "level": 1,
            "assessment": "automated", "severity": "high", "scope": "each-container",
            "status": status, "evidence": [], "instances": instances, "description": "d",
            "rationale": "r", "remediation": "f", "references": []
        }))
        .unwrap()
    }

    #[test]
    fn exit_code_tells_incomplete_audits_from_findings() {
        let pass = result("pass", &["pass"]);
        let fail = result("fail", &["fail", "pass"]);
        let error = result("error", &["error"]);
        // A failing rule whose other instance could not be read: findings, and incomplete.
        let fail_and_unread = result("fail", &["fail", "error"]);
        let code = |r: &[&RuleResult], t: Status| {
            let owned: Vec<RuleResult> = r.iter().map(|&x| x.clone()).collect();
            exit_code(&owned, t)
        };
        assert_eq!(code(&[&pass], Status::Fail), EXIT_CLEAN);
        assert_eq!(code(&[&pass, &fail], Status::Fail), EXIT_FINDINGS);
        assert_eq!(code(&[&fail, &error], Status::Fail), EXIT_INCOMPLETE);
        assert_eq!(code(&[&fail_and_unread], Status::Fail), EXIT_INCOMPLETE);
        // --fail-on error counts errors only.
        assert_eq!(code(&[&fail], Status::Error), EXIT_CLEAN);
        assert_eq!(code(&[&fail, &error], Status::Error), EXIT_INCOMPLETE);
        // --fail-on pass counts everything.
        assert_eq!(code(&[&pass], Status::Pass), EXIT_FINDINGS);
    }
}
