//! Results of evaluating rules: pure data that every report format renders.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::model::Expectation;
use super::model::{Assessment, Scope, Severity, Status};
use crate::doc::Held;

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
    pub observed: Observed,
}

/// A value found: held in the document it was read from (a container's inspect, the host's
/// or the daemon's facts), or made for the evidence (typed facts, images, older reports).
/// Either way it reads and serialises as the JSON value.
#[derive(Clone, Debug)]
pub enum Observed {
    /// Kept in its document, not copied.
    Held(Held),
    /// A value of its own.
    Made(Box<Value>),
}

impl Observed {
    /// The value, borrowed when made, built when held.
    pub fn value(&self) -> Cow<'_, Value> {
        match self {
            Observed::Held(h) => Cow::Owned(h.node().to_value()),
            Observed::Made(v) => Cow::Borrowed(v),
        }
    }
}

impl From<Value> for Observed {
    fn from(v: Value) -> Observed {
        Observed::Made(Box::new(v))
    }
}

impl PartialEq for Observed {
    fn eq(&self, other: &Observed) -> bool {
        match (self, other) {
            (Observed::Held(a), Observed::Held(b)) => a == b,
            (Observed::Made(a), Observed::Made(b)) => a == b,
            _ => self.value() == other.value(),
        }
    }
}

impl Serialize for Observed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Observed::Held(h) => h.serialize(serializer),
            Observed::Made(v) => v.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Observed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Observed::from)
    }
}

impl JsonSchema for Observed {
    fn schema_name() -> Cow<'static, str> {
        <Value as JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Value as JsonSchema>::json_schema(generator)
    }
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
                observed: observed.into(),
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
    pub fn observed(&self) -> Cow<'_, Value> {
        self.observation.observed.value()
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
        let mut value = self.observation.observed.value().into_owned();
        f(&mut value);
        // Unchanged, it stays shared.
        if *self.observation.observed.value() != value {
            Arc::make_mut(&mut self.observation).observed = value.into();
        }
    }
}

// How evidence reads and writes: inline, or by index into the report's observations and
// expectations.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "Evidence",
    description = "One test of one fact. In report.json the fact, its value and its source are in the report's `observations` list and `observation` is the index there; what the test expected is in `expectations`, indexed by `expectation` (jq: `.observations[$e.observation]`). Evidence written inline (format version 1, or re-rendered reports) carries `fact`, `observed`, `source`, `expected` and `expected_text` itself."
)]
struct EvidenceForm<'a> {
    /// Index into the report's `observations` (the fact, its source and the value found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observation: Option<u32>,
    /// Index into the report's `expectations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expectation: Option<u32>,
    /// The fact path, inline form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fact: Option<Cow<'a, str>>,
    /// The value found, inline form only; `null` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observed: Option<Cow<'a, Observed>>,
    /// What the rule expects, as a phrase in machine form ("equal to false"); inline form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected: Option<Cow<'a, str>>,
    /// The same expectation in words for people; inline form only, empty in reports written
    /// before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expected_text: Option<Cow<'a, str>>,
    /// Where the value came from, inline form only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<Cow<'a, str>>,
    /// The outcome of this one test.
    outcome: Status,
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (o, x) = (&self.observation, &self.expectation);
        let mut form = EvidenceForm {
            observation: None,
            expectation: None,
            fact: None,
            observed: None,
            expected: None,
            expected_text: None,
            source: None,
            outcome: self.outcome,
        };
        match observations::indexes(o, x) {
            Some((oi, xi)) => {
                form.observation = Some(oi);
                form.expectation = Some(xi);
            }
            None => {
                form.fact = Some(Cow::Borrowed(&o.fact));
                form.observed = Some(Cow::Borrowed(&o.observed));
                form.source = Some(Cow::Borrowed(&o.source));
                form.expected = Some(Cow::Borrowed(&x.expected));
                form.expected_text = Some(Cow::Borrowed(&x.expected_text));
            }
        }
        form.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let form = EvidenceForm::deserialize(deserializer)?;
        let observation = match form.observation {
            Some(i) => {
                if form.fact.is_some() || form.observed.is_some() || form.source.is_some() {
                    return Err(D::Error::custom(
                        "evidence has both an `observation` index and inline fact, observed or source",
                    ));
                }
                observations::entry::<Observation>(i).map_err(D::Error::custom)?
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
                observed: form
                    .observed
                    .map(Cow::into_owned)
                    .unwrap_or(Value::Null.into()),
            }),
        };
        let expectation = match form.expectation {
            Some(i) => {
                if form.expected.is_some() || form.expected_text.is_some() {
                    return Err(D::Error::custom(
                        "evidence has both an `expectation` index and inline expected or expected_text",
                    ));
                }
                observations::entry::<Expectation>(i).map_err(D::Error::custom)?
            }
            None => Arc::new(Expectation {
                expected: form
                    .expected
                    .ok_or_else(|| D::Error::missing_field("expected"))?
                    .into_owned(),
                expected_text: form.expected_text.map(Cow::into_owned).unwrap_or_default(),
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
        // Each part in one of its two forms, never both.
        schema.insert(
            "allOf".into(),
            serde_json::json!([
                {"oneOf": [
                    {"required": ["observation"],
                     "not": {"anyOf": [{"required": ["fact"]}, {"required": ["observed"]}, {"required": ["source"]}]}},
                    {"required": ["fact", "observed", "source"],
                     "not": {"required": ["observation"]}}
                ]},
                {"oneOf": [
                    {"required": ["expectation"],
                     "not": {"anyOf": [{"required": ["expected"]}, {"required": ["expected_text"]}]}},
                    {"required": ["expected"],
                     "not": {"required": ["expectation"]}}
                ]}
            ]),
        );
        schema
    }
}

/// The observations and expectations of one report being written or read: written evidence
/// names its observation and expectation by index, read evidence is linked to the ones its
/// indexes name.
///
/// report.json is one serde pass over the [`Report`](crate::report::Report) type; evidence deep
/// inside it finds the lists through this thread's state, set for the duration of one write
/// ([`observations::writing`]) or one read ([`observations::reading`]). Outside them evidence
/// is written inline.
pub mod observations {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::marker::PhantomData;
    use std::sync::Arc;

    use schemars::JsonSchema;
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Expectation, Observation, RuleResult};

    /// One of a report's lists being written: its entries in order of first use, and each
    /// entry's index by address.
    pub struct Pool<T> {
        list: Vec<Arc<T>>,
        index: HashMap<*const T, u32, foldhash::fast::FixedState>,
    }

    impl<T> Default for Pool<T> {
        fn default() -> Self {
            Pool {
                list: Vec::new(),
                index: HashMap::with_hasher(foldhash::fast::FixedState::with_seed(0)),
            }
        }
    }

    impl<T> Pool<T> {
        /// Adds `entry` unless it is in already (by address).
        fn add(&mut self, entry: &Arc<T>) {
            let next = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
            if let std::collections::hash_map::Entry::Vacant(v) =
                self.index.entry(Arc::as_ptr(entry))
            {
                v.insert(next);
                self.list.push(entry.clone());
            }
        }

        fn index_of(&self, entry: &Arc<T>) -> Option<u32> {
            self.index.get(&Arc::as_ptr(entry)).copied()
        }

        /// How many entries there are.
        pub fn len(&self) -> usize {
            self.list.len()
        }

        /// True when there are none.
        pub fn is_empty(&self) -> bool {
            self.list.is_empty()
        }
    }

    /// What one write refers to: both lists in order of first use.
    #[derive(Default)]
    pub struct Pools {
        /// The observations.
        pub observations: Pool<Observation>,
        /// The expectations.
        pub expectations: Pool<Expectation>,
    }

    // The addresses are keys only, never followed: the pools hold the entries they name.
    unsafe impl Send for Pools {}
    unsafe impl Sync for Pools {}

    impl Pools {
        /// The distinct observations and expectations of `results`' evidence, in order of
        /// first use.
        pub fn of(results: &[RuleResult]) -> Pools {
            let mut pools = Pools::default();
            let evidence = || {
                results.iter().flat_map(|r| {
                    r.evidence
                        .iter()
                        .chain(r.instances.iter().flat_map(|i| i.evidence.iter()))
                })
            };
            // Room for one observation per evidence item at most: growing the table instead
            // would move every entry each time it doubles.
            pools.observations.index.reserve(evidence().count());
            for e in evidence() {
                pools.observations.add(&e.observation);
                pools.expectations.add(&e.expectation);
            }
            pools
        }
    }

    enum State {
        Idle,
        Writing(Arc<Pools>),
        /// Reading: the lists read so far.
        Reading(Read),
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

    /// Runs `write` (a serialisation of a report, or of part of one on another thread) with
    /// evidence naming the entries of `pools` by index.
    pub fn writing<T>(pools: Arc<Pools>, write: impl FnOnce() -> T) -> T {
        STATE.with(|s| *s.borrow_mut() = State::Writing(pools));
        let _reset = Reset;
        write()
    }

    /// The pools of the write under way on this thread.
    pub fn current() -> Option<Arc<Pools>> {
        STATE.with(|s| match &*s.borrow() {
            State::Writing(p) => Some(p.clone()),
            _ => None,
        })
    }

    /// Runs `read` (one deserialisation of a report) so that evidence written by index links to
    /// the report's observations and expectations.
    pub fn reading<T>(read: impl FnOnce() -> T) -> T {
        STATE.with(|s| *s.borrow_mut() = State::Reading(Read::default()));
        let _reset = Reset;
        read()
    }

    pub(super) fn indexes(o: &Arc<Observation>, x: &Arc<Expectation>) -> Option<(u32, u32)> {
        STATE.with(|s| match &*s.borrow() {
            State::Writing(p) => Some((p.observations.index_of(o)?, p.expectations.index_of(x)?)),
            _ => None,
        })
    }

    /// What a report lists once and evidence names by index.
    pub trait Listed: Serialize + DeserializeOwned + JsonSchema + Sized {
        /// The list's name in report.json (`observations`), which errors and the schema use.
        const LIST: &'static str;
        /// The pool of a write.
        fn pool(pools: &Pools) -> &Pool<Self>;
        /// This kind's list among those read so far.
        fn read(lists: &mut Read) -> &mut Vec<Arc<Self>>;
    }

    /// The lists a report read so far (it lists them before its results).
    #[derive(Default)]
    pub struct Read {
        observations: Vec<Arc<Observation>>,
        expectations: Vec<Arc<Expectation>>,
    }

    impl Listed for Observation {
        const LIST: &'static str = "observations";
        fn pool(pools: &Pools) -> &Pool<Self> {
            &pools.observations
        }
        fn read(lists: &mut Read) -> &mut Vec<Arc<Self>> {
            &mut lists.observations
        }
    }

    impl Listed for Expectation {
        const LIST: &'static str = "expectations";
        fn pool(pools: &Pools) -> &Pool<Self> {
            &pools.expectations
        }
        fn read(lists: &mut Read) -> &mut Vec<Arc<Self>> {
            &mut lists.expectations
        }
    }

    /// Entry `i` of the list being read.
    pub(super) fn entry<T: Listed>(i: u32) -> Result<Arc<T>, String> {
        let what = T::LIST.trim_end_matches('s');
        STATE.with(|s| match &mut *s.borrow_mut() {
            State::Reading(lists) => {
                let list = T::read(lists);
                list.get(i as usize).cloned().ok_or_else(|| {
                    format!(
                        "evidence names {what} {i}, but the report's {} list (which comes before its results) has {}",
                        T::LIST,
                        list.len()
                    )
                })
            }
            _ => Err(format!(
                "evidence names {what} {i} outside a report that lists its {}",
                T::LIST
            )),
        })
    }

    /// A report's `observations` or `expectations` field. It holds nothing itself: serialised,
    /// it writes the list of the write under way ([`writing`]); deserialised, it hands the list
    /// to the evidence that follows ([`reading`]), which keeps it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Field<T>(PhantomData<T>);

    impl<T> Default for Field<T> {
        fn default() -> Self {
            Field(PhantomData)
        }
    }

    /// The `observations` field.
    pub type List = Field<Observation>;
    /// The `expectations` field.
    pub type Expectations = Field<Expectation>;

    impl<T: Listed> Field<T> {
        /// True when there is nothing to write (outside [`writing`], or no evidence).
        pub fn is_empty(&self) -> bool {
            current().is_none_or(|p| T::pool(&p).is_empty())
        }
    }

    impl<T: Listed> Serialize for Field<T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match current() {
                Some(p) => serializer.collect_seq(T::pool(&p).list.iter().map(|e| &**e)),
                None => serializer.collect_seq(std::iter::empty::<T>()),
            }
        }
    }

    impl<'de, T: Listed> Deserialize<'de> for Field<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let list: Vec<Arc<T>> = Vec::<T>::deserialize(deserializer)?
                .into_iter()
                .map(Arc::new)
                .collect();
            STATE.with(|s| {
                if let State::Reading(lists) = &mut *s.borrow_mut() {
                    *T::read(lists) = list;
                }
            });
            // The evidence holds them; the report does not keep a second list.
            Ok(Field::default())
        }
    }

    impl<T: Listed> JsonSchema for Field<T> {
        fn schema_name() -> std::borrow::Cow<'static, str> {
            let mut name = T::LIST.to_string();
            name[..1].make_ascii_uppercase();
            name.into()
        }

        fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
            <Vec<T>>::json_schema(generator)
        }
    }
}

/// A container or image that per-instance results are about. The evaluator makes one per
/// instance, and every rule's result for that instance shares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// `container` or `image`.
    pub kind: String,
    /// Full id.
    pub id: String,
    /// Container name or first image tag (the id when untagged).
    pub name: String,
}

impl Subject {
    /// A subject, shared.
    pub fn shared(kind: &str, id: &str, name: &str) -> Arc<Subject> {
        Arc::new(Subject {
            kind: kind.to_string(),
            id: id.to_string(),
            name: name.to_string(),
        })
    }
}

/// The result for one container or image. report.json writes its subject's kind, id and name
/// as fields of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceResult {
    /// The container or image, shared by the instance's results in every rule.
    pub subject: Arc<Subject>,
    /// Its status.
    pub status: Status,
    /// Why, when the status is not pass. Results with the same message share its text
    /// (a large host has hundreds of thousands of messages and a few thousand distinct ones).
    pub message: Option<Arc<str>>,
    /// The tests behind the status.
    pub evidence: Vec<Evidence>,
    /// The exception that covers this failing instance, or that did until it expired
    /// (`--exceptions`); the status stays the true one.
    pub exception: Option<Box<AppliedException>>,
}

impl InstanceResult {
    /// `container` or `image`.
    pub fn kind(&self) -> &str {
        &self.subject.kind
    }

    /// Full id.
    pub fn id(&self) -> &str {
        &self.subject.id
    }

    /// Container name or first image tag (the id when untagged).
    pub fn name(&self) -> &str {
        &self.subject.name
    }
}

// How an instance result reads and writes: the subject's fields flat beside the result's.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "The result for one container or image.")]
struct InstanceForm<'a> {
    /// `container` or `image`.
    kind: Cow<'a, str>,
    /// Full id.
    id: Cow<'a, str>,
    /// Container name or first image tag (the id when untagged). The three are shared by the
    /// instance's results in every rule.
    name: Cow<'a, str>,
    /// Its status.
    status: Status,
    /// Why, when the status is not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Cow<'a, str>>,
    /// The tests behind the status.
    evidence: Cow<'a, [Evidence]>,
    /// The exception that covers this failing instance, or that did until it expired
    /// (`--exceptions`); the status stays the true one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exception: Option<Cow<'a, AppliedException>>,
}

impl Serialize for InstanceResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        InstanceForm {
            kind: Cow::Borrowed(&self.subject.kind),
            id: Cow::Borrowed(&self.subject.id),
            name: Cow::Borrowed(&self.subject.name),
            status: self.status,
            message: self.message.as_deref().map(Cow::Borrowed),
            evidence: Cow::Borrowed(&self.evidence),
            exception: self.exception.as_deref().map(Cow::Borrowed),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for InstanceResult {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let form = InstanceForm::deserialize(deserializer)?;
        Ok(InstanceResult {
            subject: Arc::new(Subject {
                kind: form.kind.into_owned(),
                id: form.id.into_owned(),
                name: form.name.into_owned(),
            }),
            status: form.status,
            message: form.message.map(|m| Arc::from(m.as_ref())),
            evidence: form.evidence.into_owned(),
            exception: form.exception.map(|e| Box::new(e.into_owned())),
        })
    }
}

impl JsonSchema for InstanceResult {
    fn schema_name() -> Cow<'static, str> {
        "InstanceResult".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        InstanceForm::json_schema(generator)
    }
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
    pub exception: Option<Box<AppliedException>>,
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
