//! Exceptions: accepted risks with an owner, a justification and an expiry, kept in a TOML file
//! beside the rules (`scan --exceptions FILE`).
//!
//! An exception never changes a verdict. A failing result it covers keeps its `fail` status
//! and gains the exception (id, justification, expiry); a rule whose every failing part is
//! covered is `waived`: the summary counts it apart from the failures, the score is given with
//! and without exceptions, `--fail-on` does not count it, XCCDF records it as passed with a message naming the accepted
//! risk (not an `<override>`, which OpenSCAP's schematron answers by rejecting the document).
//! An exception that has expired covers nothing: the finding counts again and every format
//! says "exception EXC-7 expired on DATE".
//!
//! Dates: `expires = 2027-01-31` (a TOML date) means the end of that day in UTC: the exception
//! applies until 2027-02-01T00:00:00Z, whatever the machine's time zone. A timestamp
//! (`expires = 2027-01-31T18:00:00+01:00`) applies until that instant. `since` is the same,
//! counted from the start of its day.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Report, Summary};
pub use crate::rules::result::AppliedException;
use crate::rules::result::RuleResult;
use crate::rules::{RuleSet, Status};
use crate::snapshot::Snapshot;

/// Where an exception stands in this scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ExceptionState {
    /// Accepted and within its dates: it covers what it selects.
    InForce,
    /// Past its expiry: it covers nothing.
    Expired,
    /// Not yet valid (`since` is in the future): it covers nothing.
    NotYetValid,
    /// Proposed or rejected: only accepted exceptions apply.
    NotAccepted,
}

/// An exception of the file and what it did in this scan (`report.json`'s `exceptions`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRecord {
    /// Unique id (`EXC-7`).
    pub id: String,
    /// Rule ids and section prefixes it covers.
    pub rules: Vec<String>,
    /// Container name globs it is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
    /// Image reference globs it is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// `key=value` labels it is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Host name globs it is limited to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who owns the risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Who approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// A ticket or document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// From when it applies (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// When it stops applying (RFC 3339, UTC).
    pub expires: DateTime<Utc>,
    /// The expiry as written (`2027-01-31` means the end of that day, UTC).
    pub expires_as_written: String,
    /// `proposed`, `accepted` or `rejected` (accepted when the file does not say).
    pub status: String,
    /// Where it stands in this scan.
    pub state: ExceptionState,
    /// In force but it covered no failing result: the finding is gone or the selectors are
    /// wrong.
    pub stale: bool,
    /// In force and expiring within `--warn-expiring` days.
    pub expiring: bool,
    /// Results it waived (rule-level results and instances).
    pub waived: usize,
}

/// A parsed, validated exceptions file.
#[derive(Debug, Clone, Default)]
pub struct Exceptions {
    /// The file, as named.
    pub file: String,
    entries: Vec<Entry>,
}

/// One exception of the file, validated.
#[derive(Debug, Clone)]
struct Entry {
    record: ExceptionRecord,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    exception: Vec<toml::Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    id: toml::Spanned<String>,
    rules: toml::Spanned<Vec<String>>,
    #[serde(default)]
    containers: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    labels: Option<toml::Spanned<Vec<String>>>,
    #[serde(default)]
    hosts: Vec<String>,
    justification: Option<toml::Spanned<String>>,
    owner: Option<String>,
    approved_by: Option<String>,
    reference: Option<String>,
    since: Option<toml::Spanned<toml::Value>>,
    expires: Option<toml::Spanned<toml::Value>>,
    status: Option<toml::Spanned<String>>,
}

/// Why an exceptions file cannot be used: the file, the line to blame and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ExceptionsError {
    /// The file could not be read.
    #[error("{file}: cannot read the exceptions file: {source}")]
    Read {
        /// The file.
        file: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// An exception (or the TOML holding it) is not valid.
    #[error("{file}:{line}: {what}")]
    Invalid {
        /// The file.
        file: String,
        /// The line to blame, from 1.
        line: usize,
        /// What is wrong and what to write instead.
        what: String,
    },
    /// An exception's `since` or `expires` is not an instant bollwerk can judge by.
    #[error("{file}:{line}: exception '{id}': `{field}` {problem}")]
    Time {
        /// The file.
        file: String,
        /// The line to blame, from 1.
        line: usize,
        /// The exception's id.
        id: String,
        /// `since` or `expires`.
        field: &'static str,
        /// What is wrong with the value.
        #[source]
        problem: TimeProblem,
    },
}

/// Why the value of `since` or `expires` is not an instant.
#[derive(Debug, thiserror::Error)]
pub enum TimeProblem {
    /// Neither a TOML date-time nor a string.
    #[error("must be a date (2027-01-31) or an RFC 3339 time, found {found}")]
    Type {
        /// The TOML type found (`integer`, `array`, …).
        found: &'static str,
    },
    /// A date-time without an offset from UTC.
    #[error("'{written}' has no time zone offset: add Z or +01:00, so it does not depend on the machine's time zone")]
    NoOffset {
        /// The value as written.
        written: String,
    },
    /// Text that is neither a date nor an RFC 3339 time.
    #[error("'{written}' is not a date (2027-01-31) or an RFC 3339 time")]
    Unreadable {
        /// The value as written.
        written: String,
    },
}

impl From<ExceptionsError> for String {
    fn from(e: ExceptionsError) -> String {
        e.to_string()
    }
}

impl Exceptions {
    /// Reads and validates `path` against the rule ids of `rules`. Errors read
    /// `FILE:LINE: what is wrong`.
    pub fn load(path: &Path, rules: &RuleSet) -> Result<Exceptions, ExceptionsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ExceptionsError::Read {
            file: name.clone(),
            source,
        })?;
        Exceptions::parse(&name, &text, rules)
    }

    /// Parses exceptions text; `name` is used in messages.
    pub fn parse(name: &str, text: &str, rules: &RuleSet) -> Result<Exceptions, ExceptionsError> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let invalid = |line: usize, what: String| ExceptionsError::Invalid {
            file: name.to_string(),
            line,
            what,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line(s.start)).unwrap_or(1);
            invalid(at, e.message().trim().replace('\n', " "))
        })?;
        let mut entries: Vec<Entry> = Vec::new();
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for spanned in raw.exception {
            let at = line(spanned.span().start);
            let e = spanned.into_inner();
            let err = |offset: usize, m: String| invalid(line(offset), m);
            let id = e.id.get_ref().trim().to_string();
            if id.is_empty() {
                return Err(err(
                    e.id.span().start,
                    "the exception's `id` is empty".into(),
                ));
            }
            if let Some(first) = ids.insert(id.clone(), at) {
                return Err(err(
                    e.id.span().start,
                    format!("duplicate exception id '{id}' (first at line {first})"),
                ));
            }
            if e.rules.get_ref().is_empty() {
                return Err(err(
                    e.rules.span().start,
                    format!(
                        "exception '{id}' covers no rule: give rule ids or sections in `rules`"
                    ),
                ));
            }
            for r in e.rules.get_ref() {
                if !covers_known_rule(r, rules) {
                    return Err(err(
                        e.rules.span().start,
                        format!("exception '{id}': unknown rule '{r}': give a rule id (5.4, BW-CAP-DANGEROUS) or a section (5)"),
                    ));
                }
            }
            for l in e.labels.iter().flat_map(|l| l.get_ref()) {
                if !l.contains('=') || l.starts_with('=') {
                    return Err(err(
                        e.labels.as_ref().map_or(0, |l| l.span().start),
                        format!("exception '{id}': label '{l}' must read key=value"),
                    ));
                }
            }
            let justification = match &e.justification {
                Some(j) if !j.get_ref().trim().is_empty() => j.get_ref().trim().to_string(),
                Some(j) => {
                    return Err(err(
                        j.span().start,
                        format!("exception '{id}': the justification is empty: say why the risk is accepted"),
                    ))
                }
                None => {
                    return Err(invalid(
                        at,
                        format!("exception '{id}' has no justification: say why the risk is accepted"),
                    ))
                }
            };
            let Some(expires) = &e.expires else {
                return Err(invalid(
                    at,
                    format!("exception '{id}' has no `expires`: every exception ends (a date such as 2027-01-31, or an RFC 3339 time)"),
                ));
            };
            let time = |offset: usize, field: &'static str| {
                let id = id.clone();
                move |problem: TimeProblem| ExceptionsError::Time {
                    file: name.to_string(),
                    line: line(offset),
                    id,
                    field,
                    problem,
                }
            };
            let (expires_at, expires_as_written) = instant(expires.get_ref(), Edge::End)
                .map_err(time(expires.span().start, "expires"))?;
            let since = match &e.since {
                Some(s) => Some(
                    instant(s.get_ref(), Edge::Start)
                        .map_err(time(s.span().start, "since"))?
                        .0,
                ),
                None => None,
            };
            if since.is_some_and(|s| s >= expires_at) {
                return Err(err(
                    expires.span().start,
                    format!("exception '{id}' expires before it starts (`since` is later)"),
                ));
            }
            let status = match &e.status {
                None => "accepted".to_string(),
                Some(s) if matches!(s.get_ref().as_str(), "proposed" | "accepted" | "rejected") => {
                    s.get_ref().clone()
                }
                Some(s) => {
                    return Err(err(
                        s.span().start,
                        format!(
                            "exception '{id}': unknown status '{}': expected proposed, accepted or rejected",
                            s.get_ref()
                        ),
                    ))
                }
            };
            entries.push(Entry {
                record: ExceptionRecord {
                    id,
                    rules: e.rules.into_inner(),
                    containers: e.containers,
                    images: e.images,
                    labels: e.labels.map(|l| l.into_inner()).unwrap_or_default(),
                    hosts: e.hosts,
                    justification,
                    owner: e.owner,
                    approved_by: e.approved_by,
                    reference: e.reference,
                    since,
                    expires: expires_at,
                    expires_as_written,
                    status,
                    state: ExceptionState::NotAccepted,
                    stale: false,
                    expiring: false,
                    waived: 0,
                },
            });
        }
        Ok(Exceptions {
            file: name.to_string(),
            entries,
        })
    }

    /// Number of exceptions in the file.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Which end of a day a bare date stands for.
#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

/// The instant a TOML date or time stands for, and the text as written. A bare date's end
/// is the next midnight in UTC (the exception applies through that whole day); a date-time
/// needs an offset, or it would depend on the machine's time zone.
fn instant(v: &toml::Value, edge: Edge) -> Result<(DateTime<Utc>, String), TimeProblem> {
    let written = match v {
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::String(s) => s.clone(),
        other => {
            return Err(TimeProblem::Type {
                found: other.type_str(),
            })
        }
    };
    if let Ok(day) = NaiveDate::parse_from_str(&written, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        return Ok(match edge {
            Edge::Start => (start, written),
            Edge::End => (start + Duration::days(1), written),
        });
    }
    match DateTime::parse_from_rfc3339(&written) {
        Ok(t) => Ok((t.with_timezone(&Utc), written)),
        Err(_) if is_local_time(&written) => Err(TimeProblem::NoOffset { written }),
        Err(_) => Err(TimeProblem::Unreadable { written }),
    }
}

/// A date-time without offset (`2027-01-31T18:00:00`, TOML's local date-time).
fn is_local_time(text: &str) -> bool {
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .any(|f| chrono::NaiveDateTime::parse_from_str(text, f).is_ok())
}

/// Whether `pattern` (a rule id or a section prefix) names at least one rule of `rules`.
fn covers_known_rule(pattern: &str, rules: &RuleSet) -> bool {
    rules.rules.iter().any(|r| rule_matches(pattern, &r.id))
}

/// Whether `pattern` covers rule `id`: the id itself, or a section prefix (`5`, `5.`,
/// `1.1`, `BW`), never a partial number (`5.1` does not cover `5.10`).
pub fn rule_matches(pattern: &str, id: &str) -> bool {
    let p = pattern.trim_end_matches(['.', '-']);
    id == p
        || id
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(['.', '-']))
}

/// Glob matching with `*` (any run of characters) and `?` (one character).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// What an instance offers to selectors.
struct Subject<'a> {
    name: &'a str,
    /// Image references: an image's tags, or a container's image.
    images: Vec<String>,
    labels: BTreeMap<String, String>,
}

/// The labels and image references of every container and image, by id.
fn subjects(snapshot: &Snapshot) -> BTreeMap<String, (Vec<String>, BTreeMap<String, String>)> {
    let mut out = BTreeMap::new();
    for c in &snapshot.containers {
        let config = c.inspect.root().get("Config");
        let image = config
            .and_then(|n| n.get("Image"))
            .and_then(|n| n.as_str().map(str::to_string));
        let labels = config
            .and_then(|n| n.get("Labels"))
            .map(|l| {
                l.fields()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(c.id.clone(), (image.into_iter().collect(), labels));
    }
    for i in &snapshot.images {
        let labels = i
            .inspect
            .pointer("/Config/Labels")
            .and_then(|l| l.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(i.id.clone(), (i.tags.clone(), labels));
    }
    out
}

impl ExceptionRecord {
    /// Whether it limits itself to some containers or images.
    fn selects_instances(&self) -> bool {
        !(self.containers.is_empty() && self.images.is_empty() && self.labels.is_empty())
    }

    /// Whether it covers an instance of `kind` (`container`, `image`). Every selector given
    /// must match; within one, any entry.
    fn covers(&self, kind: &str, s: &Subject) -> bool {
        let containers = self.containers.is_empty()
            || (kind == "container" && self.containers.iter().any(|g| glob(g, s.name)));
        let images = self.images.is_empty()
            || self.images.iter().any(|g| {
                s.images.iter().any(|r| glob(g, r)) || (kind == "image" && glob(g, s.name))
            });
        let labels = self.labels.is_empty()
            || self.labels.iter().any(|l| {
                let (k, v) = l.split_once('=').unwrap_or((l, ""));
                s.labels.get(k).is_some_and(|have| have == v)
            });
        containers && images && labels
    }
}

/// Applies `exceptions` to `report` at time `now`: marks covered failing results, records
/// every exception's state, recounts the summary. `warn_days` decides which exceptions in
/// force are listed as expiring soon.
pub fn apply(
    report: &mut Report,
    exceptions: &Exceptions,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    warn_days: u32,
) {
    let subjects = subjects(snapshot);
    let hostname = report.run.hostname.clone();
    let mut records: Vec<ExceptionRecord> = exceptions
        .entries
        .iter()
        .map(|e| {
            let mut r = e.record.clone();
            r.state = if r.status != "accepted" {
                ExceptionState::NotAccepted
            } else if now >= r.expires {
                ExceptionState::Expired
            } else if r.since.is_some_and(|s| now < s) {
                ExceptionState::NotYetValid
            } else {
                ExceptionState::InForce
            };
            r.expiring = r.state == ExceptionState::InForce
                && r.expires - now <= Duration::days(i64::from(warn_days));
            r
        })
        .collect();
    for result in &mut report.results {
        apply_to_rule(result, &mut records, &subjects, &hostname);
    }
    for r in &mut records {
        r.stale = r.state == ExceptionState::InForce && r.waived == 0;
    }
    report.exceptions = records;
    report.summary = Summary::of(&report.results);
}

/// The first exception (in file order) of `records` that covers a failing part: in force
/// ones first, then expired ones (so that the report can say which expired).
fn pick<'r>(
    records: &'r mut [ExceptionRecord],
    rule: &str,
    host: &str,
    fits: impl Fn(&ExceptionRecord) -> bool,
) -> Option<&'r mut ExceptionRecord> {
    let candidate = |r: &ExceptionRecord| {
        r.rules.iter().any(|p| rule_matches(p, rule))
            && (r.hosts.is_empty() || r.hosts.iter().any(|g| glob(g, host)))
            && fits(r)
    };
    let at = records
        .iter()
        .position(|r| r.state == ExceptionState::InForce && candidate(r))
        .or_else(|| {
            records
                .iter()
                .position(|r| r.state == ExceptionState::Expired && candidate(r))
        })?;
    Some(&mut records[at])
}

fn applied(r: &ExceptionRecord) -> AppliedException {
    AppliedException {
        id: r.id.clone(),
        justification: r.justification.clone(),
        expires: r.expires,
        expires_as_written: r.expires_as_written.clone(),
        expired: r.state == ExceptionState::Expired,
    }
}

fn apply_to_rule(
    result: &mut RuleResult,
    records: &mut [ExceptionRecord],
    subjects: &BTreeMap<String, (Vec<String>, BTreeMap<String, String>)>,
    host: &str,
) {
    let id = result.id_1_8_0.clone().unwrap_or_else(|| result.id.clone());
    if result.instances.is_empty() {
        if result.status != Status::Fail {
            return;
        }
        if let Some(r) = pick(records, &id, host, |r| !r.selects_instances()) {
            if r.state == ExceptionState::InForce {
                r.waived += 1;
            }
            result.exception = Some(Box::new(applied(r)));
        }
    } else {
        for inst in result
            .instances
            .iter_mut()
            .filter(|i| i.status == Status::Fail)
        {
            let (images, labels) = subjects.get(inst.id()).cloned().unwrap_or_default();
            let subject = Subject {
                name: inst.name(),
                images,
                labels,
            };
            let kind = inst.kind();
            if let Some(r) = pick(records, &id, host, |r| r.covers(kind, &subject)) {
                if r.state == ExceptionState::InForce {
                    r.waived += 1;
                }
                inst.exception = Some(Box::new(applied(r)));
            }
        }
    }
    result.waived = is_waived(result);
    // Every failure waived, but instances the rule could not decide remain: the rule is what
    // they are, not waived (a waiver covers a known failure, never an unknown).
    if let Some(undecided) = undecided_behind_waivers(result) {
        result.status = undecided;
    }
}

/// Whether `r` failed, every failing part carries an exception in force, and no instance is
/// left undecided (`error` or `notchecked`).
pub fn is_waived(r: &RuleResult) -> bool {
    if r.status != Status::Fail {
        return false;
    }
    if r.instances.is_empty() {
        is_covered(&r.exception)
    } else {
        all_failures_covered(r) && undecided(r).is_none()
    }
}

/// The worst undecided status of `r`'s instances when all its failures are waived.
fn undecided_behind_waivers(r: &RuleResult) -> Option<Status> {
    (r.status == Status::Fail && !r.instances.is_empty() && all_failures_covered(r))
        .then(|| undecided(r))
        .flatten()
}

fn all_failures_covered(r: &RuleResult) -> bool {
    let mut failing = r.instances.iter().filter(|i| i.status == Status::Fail);
    let first = failing.next();
    first.is_some_and(|i| is_covered(&i.exception)) && failing.all(|i| is_covered(&i.exception))
}

/// The worst of `r`'s instances that could not be decided: `error`, else `notchecked`.
fn undecided(r: &RuleResult) -> Option<Status> {
    [Status::Error, Status::NotChecked]
        .into_iter()
        .find(|s| r.instances.iter().any(|i| i.status == *s))
}

/// Whether the failing instance or rule-level result carries an exception in force.
pub fn is_covered(e: &Option<Box<AppliedException>>) -> bool {
    e.as_ref().is_some_and(|e| !e.expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob("monitoring-*", "monitoring-exporter"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob(
            "registry.example.com/*:*",
            "registry.example.com/app:1.2"
        ));
        assert!(!glob("web", "web-1"));
    }

    #[test]
    fn sections_cover_their_rules_and_numbers_stay_whole() {
        assert!(rule_matches("5", "5.10"));
        assert!(rule_matches("5.", "5.4"));
        assert!(rule_matches("5.4", "5.4"));
        assert!(!rule_matches("5.1", "5.10"));
        assert!(rule_matches("1.1", "1.1.3"));
        assert!(rule_matches("BW", "BW-CAP-DANGEROUS"));
        assert!(!rule_matches("BW-CAP", "BW-CAPS"));
    }

    fn record(toml_text: &str) -> ExceptionRecord {
        let rules = crate::rules::RuleSet::load(None).expect("shipped rules");
        let mut e = Exceptions::parse("x.toml", toml_text, &rules).unwrap();
        let mut r = e.entries.remove(0).record;
        r.state = ExceptionState::InForce;
        r
    }

    /// Selectors: every one given must match (hosts, images, labels), any entry of one.
    #[test]
    fn selectors_must_all_match() {
        let r = record(
            "[[exception]]\nid = \"A\"\nrules = [\"5\"]\nimages = [\"registry.example.com/*\"]\nlabels = [\"team=ops\", \"team=sec\"]\nhosts = [\"web-*\"]\njustification = \"j\"\nexpires = 2099-01-01\n",
        );
        let labels = |v: &str| BTreeMap::from([("team".to_string(), v.to_string())]);
        let subject = |image: &str, team: &str| Subject {
            name: "c1",
            images: vec![image.to_string()],
            labels: labels(team),
        };
        assert!(r.covers("container", &subject("registry.example.com/app:1", "sec")));
        assert!(
            !r.covers("container", &subject("docker.io/app:1", "sec")),
            "image"
        );
        assert!(
            !r.covers("container", &subject("registry.example.com/app:1", "dev")),
            "label"
        );
        let mut records = vec![r];
        assert!(pick(&mut records, "5.4", "web-01", |_| true).is_some());
        assert!(
            pick(&mut records, "5.4", "db-01", |_| true).is_none(),
            "host"
        );
        assert!(
            pick(&mut records, "4.1", "web-01", |_| true).is_none(),
            "rule"
        );
    }

    #[test]
    fn a_bare_date_ends_at_the_next_midnight_utc() {
        let (end, written) = instant(
            &"2027-01-31"
                .parse::<toml::Value>()
                .unwrap_or(toml::Value::String("2027-01-31".into())),
            Edge::End,
        )
        .unwrap();
        assert_eq!(written, "2027-01-31");
        assert_eq!(end.to_rfc3339(), "2027-02-01T00:00:00+00:00");
        let (t, _) = instant(
            &toml::Value::String("2027-01-31T18:00:00+01:00".into()),
            Edge::End,
        )
        .unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-31T17:00:00+00:00");
        assert!(instant(
            &toml::Value::String("2027-01-31T18:00:00".into()),
            Edge::End
        )
        .unwrap_err()
        .to_string()
        .contains("no time zone offset"));
    }
}
