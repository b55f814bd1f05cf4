//! Results of evaluating rules: pure data that every report format renders.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::model::Expectation;
use super::model::{Assessment, Scope, Severity, Status};

/// A fact as an evaluation read it: where it sits, where it came from and its value. Every
/// test that reads the same fact of the same host, container or image shares one, so a fact
/// read by ten rules is held, and written to report.json, once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// The fact path, with placeholders resolved (`host.files["/lib/systemd/system/docker.service"].mode`).
    pub fact: Arc<str>,
    /// Where the value came from (`/etc/docker/daemon.json:3`, `flag --icc=false`,
    /// `docker inspect web`, `stat /run/docker.sock`, `dockerd default`).
    pub source: Arc<str>,
    /// The value found; `null` when absent.
    pub observed: Value,
}

/// What was looked at, what was found, and what was expected: one test of one fact.
///
/// The fact and the expectation are shared, not copied (see [`Observation`]). report.json
/// writes each observation once, in the report's `observations` list, and evidence names it by
/// its index there (`"observation": 12`); reports written before that, and evidence serialised
/// outside a report, carry `fact`, `observed` and `source` inline. Both forms read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    observation: Arc<Observation>,
    expectation: Arc<Expectation>,
    /// The outcome of this one test.
    pub outcome: Status,
}

impl Evidence {
    /// Evidence that `fact` (read from `source`) was `observed`, where `expected` was wanted.
    pub fn new(
        fact: String,
        observed: Value,
        expected: String,
        expected_text: String,
        source: String,
        outcome: Status,
    ) -> Evidence {
        Evidence::shared(
            Arc::new(Observation {
                fact: fact.into(),
                source: source.into(),
                observed,
            }),
            Arc::new(Expectation {
                expected,
                expected_text,
            }),
            outcome,
        )
    }

    /// Evidence over an observation and an expectation that others may share.
    pub fn shared(
        observation: Arc<Observation>,
        expectation: Arc<Expectation>,
        outcome: Status,
    ) -> Evidence {
        Evidence {
            observation,
            expectation,
            outcome,
        }
    }

    /// The fact path, with placeholders resolved.
    pub fn fact(&self) -> &str {
        &self.observation.fact
    }

    /// The value found; `null` when absent.
    pub fn observed(&self) -> &Value {
        &self.observation.observed
    }

    /// Where the value came from.
    pub fn source(&self) -> &str {
        &self.observation.source
    }

    /// The observation, shared with the other tests of the same fact.
    pub fn observation(&self) -> &Arc<Observation> {
        &self.observation
    }

    /// What the test expects, in machine form ("equal to false").
    pub fn expected(&self) -> &str {
        &self.expectation.expected
    }

    /// What the test expects, in words for people; empty in reports written before it existed.
    pub fn expected_text(&self) -> &str {
        &self.expectation.expected_text
    }

    /// What people are shown as the expectation: `expected_text`, or `expected` for reports
    /// that predate it.
    pub fn expected_for_people(&self) -> &str {
        if self.expectation.expected_text.is_empty() {
            &self.expectation.expected
        } else {
            &self.expectation.expected_text
        }
    }

    /// Replaces the observed value by `f` of it (a copy when the observation is shared), as
    /// redaction does.
    pub fn map_observed(&mut self, f: impl FnOnce(&mut Value)) {
        let mut value = self.observation.observed.clone();
        f(&mut value);
        // Unchanged, it stays shared.
        if value != self.observation.observed {
            Arc::make_mut(&mut self.observation).observed = value;
        }
    }
}

// How evidence reads and writes: inline, or by index into the report's observations.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "Evidence",
    description = "One test of one fact. In report.json the fact, its value and its source are in the report's `observations` list and `observation` is the index there (jq: `.observations[$e.observation]`); evidence written inline (older reports) carries `fact`, `observed` and `source` itself."
)]
struct EvidenceForm<'a> {
    /// Index into the report's `observations` (the fact, its source and the value found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observation: Option<u32>,
    /// The fact path, inline form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fact: Option<Cow<'a, str>>,
    /// The value found, inline form only; `null` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed: Option<Cow<'a, Value>>,
    /// What the rule expects, as a phrase in machine form ("equal to false").
    expected: Cow<'a, str>,
    /// The same expectation in words for people; empty in reports written before it existed.
    #[serde(default)]
    expected_text: Cow<'a, str>,
    /// Where the value came from, inline form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<Cow<'a, str>>,
    /// The outcome of this one test.
    outcome: Status,
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let o = &self.observation;
        let form = match observations::index_of(o) {
            Some(i) => EvidenceForm {
                observation: Some(i),
                fact: None,
                observed: None,
                source: None,
                expected: Cow::Borrowed(&self.expectation.expected),
                expected_text: Cow::Borrowed(&self.expectation.expected_text),
                outcome: self.outcome,
            },
            None => EvidenceForm {
                observation: None,
                fact: Some(Cow::Borrowed(&o.fact)),
                observed: Some(Cow::Borrowed(&o.observed)),
                source: Some(Cow::Borrowed(&o.source)),
                expected: Cow::Borrowed(&self.expectation.expected),
                expected_text: Cow::Borrowed(&self.expectation.expected_text),
                outcome: self.outcome,
            },
        };
        form.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let form = EvidenceForm::deserialize(deserializer)?;
        let expectation = Arc::new(Expectation {
            expected: form.expected.into_owned(),
            expected_text: form.expected_text.into_owned(),
        });
        let observation = match form.observation {
            Some(i) => {
                if form.fact.is_some() || form.observed.is_some() || form.source.is_some() {
                    return Err(D::Error::custom(
                        "evidence has both an `observation` index and inline fact, observed or source",
                    ));
                }
                observations::read(i).map_err(D::Error::custom)?
            }
            None => Arc::new(Observation {
                fact: form
                    .fact
                    .ok_or_else(|| D::Error::missing_field("fact"))?
                    .into(),
                source: form
                    .source
                    .ok_or_else(|| D::Error::missing_field("source"))?
                    .into(),
                observed: form.observed.map(Cow::into_owned).unwrap_or(Value::Null),
            }),
        };
        Ok(Evidence {
            observation,
            expectation,
            outcome: form.outcome,
        })
    }
}

impl JsonSchema for Evidence {
    fn schema_name() -> Cow<'static, str> {
        "Evidence".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = EvidenceForm::json_schema(generator);
        // One of the two forms, never both.
        schema.insert(
            "oneOf".into(),
            serde_json::json!([
                {"required": ["observation"],
                 "not": {"anyOf": [{"required": ["fact"]}, {"required": ["observed"]}, {"required": ["source"]}]}},
                {"required": ["fact", "observed", "source"],
                 "not": {"required": ["observation"]}}
            ]),
        );
        schema
    }
}

/// The observations of one report being written or read: written evidence names its
/// observation by index, read evidence is linked to the observation its index names.
///
/// report.json is one serde pass over the [`Report`](crate::report::Report) type; evidence deep
/// inside it finds the list through this thread's state, set for the duration of one write
/// ([`observations::writing`]) or one read ([`observations::reading`]). Outside them evidence
/// is written inline.
pub mod observations {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Evidence, Observation};

    enum State {
        Idle,
        /// Writing: the list, and each observation's index by address.
        Writing(Vec<Arc<Observation>>, HashMap<*const Observation, u32>),
        /// Reading: the list read so far (the report lists observations before results).
        Reading(Vec<Arc<Observation>>),
    }

    thread_local! {
        static STATE: RefCell<State> = const { RefCell::new(State::Idle) };
    }

    /// Restores the idle state when a write or read ends, however it ends.
    struct Reset;

    impl Drop for Reset {
        fn drop(&mut self) {
            STATE.with(|s| *s.borrow_mut() = State::Idle);
        }
    }

    /// The distinct observations `evidence` refers to, in order of first use.
    pub fn collect<'e>(evidence: impl Iterator<Item = &'e Evidence>) -> Vec<Arc<Observation>> {
        let mut seen: HashMap<*const Observation, ()> = HashMap::new();
        let mut list = Vec::new();
        for e in evidence {
            if seen.insert(Arc::as_ptr(&e.observation), ()).is_none() {
                list.push(e.observation.clone());
            }
        }
        list
    }

    /// Runs `write` (one serialisation of a report) with evidence naming the observations of
    /// `list` by index.
    pub fn writing<T>(list: Vec<Arc<Observation>>, write: impl FnOnce() -> T) -> T {
        let index = list
            .iter()
            .enumerate()
            .map(|(i, o)| (Arc::as_ptr(o), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        STATE.with(|s| *s.borrow_mut() = State::Writing(list, index));
        let _reset = Reset;
        write()
    }

    /// Runs `read` (one deserialisation of a report) so that evidence written by index links to
    /// the report's observations.
    pub fn reading<T>(read: impl FnOnce() -> T) -> T {
        STATE.with(|s| *s.borrow_mut() = State::Reading(Vec::new()));
        let _reset = Reset;
        read()
    }

    pub(super) fn index_of(o: &Arc<Observation>) -> Option<u32> {
        STATE.with(|s| match &*s.borrow() {
            State::Writing(_, index) => index.get(&Arc::as_ptr(o)).copied(),
            _ => None,
        })
    }

    pub(super) fn read(i: u32) -> Result<Arc<Observation>, String> {
        STATE.with(|s| match &*s.borrow() {
            State::Reading(list) => list.get(i as usize).cloned().ok_or_else(|| {
                format!(
                    "evidence names observation {i}, but the report's observations list (which comes before its results) has {}",
                    list.len()
                )
            }),
            _ => Err(format!(
                "evidence names observation {i} outside a report that lists its observations"
            )),
        })
    }

    /// A report's `observations` field. It holds nothing itself: serialised, it writes the list
    /// of the write under way ([`writing`]); deserialised, it hands the list to the evidence
    /// that follows ([`reading`]), which keeps it.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct List;

    impl List {
        /// True when there is nothing to write (outside [`writing`], or no evidence).
        pub fn is_empty(&self) -> bool {
            STATE.with(|s| match &*s.borrow() {
                State::Writing(list, _) => list.is_empty(),
                _ => true,
            })
        }
    }

    impl Serialize for List {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            STATE.with(|s| match &*s.borrow() {
                State::Writing(list, _) => serializer.collect_seq(list.iter().map(|o| &**o)),
                _ => serializer.collect_seq(std::iter::empty::<Observation>()),
            })
        }
    }

    impl<'de> Deserialize<'de> for List {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let list: Vec<Arc<Observation>> = Vec::<Observation>::deserialize(deserializer)?
                .into_iter()
                .map(Arc::new)
                .collect();
            STATE.with(|s| {
                if let State::Reading(held) = &mut *s.borrow_mut() {
                    held.clone_from(&list);
                }
            });
            // The evidence holds them; the report does not keep a second list.
            Ok(List)
        }
    }

    impl schemars::JsonSchema for List {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            "Observations".into()
        }

        fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
            <Vec<Observation>>::json_schema(generator)
        }
    }
}

/// The result for one container or image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstanceResult {
    /// `container` or `image`.
    pub kind: Arc<str>,
    /// Full id.
    pub id: Arc<str>,
    /// Container name or first image tag (the id when untagged). The three are shared by the
    /// instance's results in every rule.
    pub name: Arc<str>,
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
