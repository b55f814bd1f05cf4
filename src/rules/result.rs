//! Results of evaluating rules: pure data that every report format renders.
//!
//! The results of one container, image or of the host share a [`Sheet`]: what they are about,
//! the facts their tests read (each once), the documents those values are in, and the tests.
//! A result's [`EvidenceList`] is a run of the sheet's tests, read as [`Evidence`]; report.json
//! lists each observation and expectation once ([`observations`]).

use std::borrow::Cow;
use std::sync::Arc;

use arcstr::ArcStr;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::model::Expectation;
use super::model::{Assessment, Scope, Severity, Status};
use crate::doc::{Doc, Node};

/// A fact as an evaluation read it: where it sits, where it came from and its value. Every
/// test that reads the same fact of the same host, container or image shares one, so a fact
/// read by ten rules is held, and written to report.json, once. It lives on a [`Sheet`], which
/// holds the documents its value may be in and the texts it names by number: read it through
/// [`Evidence`] ([`Evidence::fact`], [`Evidence::source`], [`Evidence::observed`]).
///
/// The fact path and the source are numbers of the sheet's texts ([`Texts`]), not texts of
/// their own: an instance's observations name a few sources and the rule set's fact paths,
/// and a number costs nothing to copy where a shared text is counted at every copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The fact path, with placeholders resolved
    /// (`host.files["/lib/systemd/system/docker.service"].mode`): a number of the sheet's texts.
    pub(crate) fact: u32,
    /// Where the value came from (`/etc/docker/daemon.json:3`, `flag --icc=false`,
    /// `docker inspect web`, `stat /run/docker.sock`, `dockerd default`): a number of the
    /// sheet's texts.
    pub(crate) source: u32,
    /// The value found; `null` when absent.
    pub observed: Observed,
}

/// Marks a text number as one of the sheet's own texts ([`Texts`]); without it, the number is
/// one of the texts the sheet shares (an evaluation's fact paths, a report's texts).
pub(crate) const OWN_TEXT: u32 = 1 << 31;

/// The texts a sheet's observations name by number: those it shares (the fact paths of the
/// rule set an evaluation numbered, or the texts of a report read back) and its own (the
/// sources of one instance's facts, and fact paths the rule set did not number).
#[derive(Clone, Copy, Debug)]
pub struct Texts<'a> {
    shared: &'a [ArcStr],
    own: &'a [ArcStr],
}

impl<'a> Texts<'a> {
    /// Texts `shared` with other sheets, then the sheet's `own`.
    pub(crate) fn new(shared: &'a [ArcStr], own: &'a [ArcStr]) -> Texts<'a> {
        Texts { shared, own }
    }

    /// Text number `n`, which an observation of this sheet names.
    fn of(self, n: u32) -> &'a str {
        let text = match n.checked_sub(OWN_TEXT) {
            Some(own) => self.own.get(own as usize),
            None => self.shared.get(n as usize),
        };
        text.expect("an observation's texts are on its sheet")
    }
}

/// A value found: a node of a document its sheet holds (a container's inspect, the host's or
/// the daemon's facts), named by numbers, or a value made for the evidence (typed facts,
/// images, older reports). Either way it reads and serialises as the JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Observed {
    /// Node `at` of the sheet's document number `doc`: kept there, not copied.
    InDoc {
        /// The document's number on the sheet.
        doc: u32,
        /// The node's place in it ([`Node::at`]).
        at: u32,
    },
    /// No value: the fact is absent (or was not read). Null in report.json; kept apart from
    /// `Made` because absent facts are common (a container without a health check, a file
    /// not there) and a boxed null was an allocation for each.
    Absent,
    /// A value of its own.
    Made(Box<Value>),
}

impl Observed {
    /// The node it names among `docs` (its sheet's), when held in one.
    pub fn node_in<'d>(&self, docs: &'d [Doc]) -> Option<Node<'d>> {
        match self {
            Observed::InDoc { doc, at } => docs.get(*doc as usize)?.node(*at),
            Observed::Absent | Observed::Made(_) => None,
        }
    }

    /// The value as found among `docs` (its sheet's): the node, or the value made; null when
    /// the documents do not have it.
    pub fn found_in<'a>(&'a self, docs: &'a [Doc]) -> Found<'a> {
        match (self, self.node_in(docs)) {
            (Observed::Made(v), _) => Found::Value(v),
            (_, Some(node)) => Found::Node(node),
            (_, None) => Found::Value(&Value::Null),
        }
    }

    /// The value, borrowed when made, built from `docs` (its sheet's) when held there; null
    /// when they do not have it.
    pub fn value_in(&self, docs: &[Doc]) -> Cow<'_, Value> {
        match self {
            Observed::Made(v) => Cow::Borrowed(v),
            Observed::Absent => Cow::Owned(Value::Null),
            held => Cow::Owned(held.node_in(docs).map_or(Value::Null, |n| n.to_value())),
        }
    }
}

impl From<Value> for Observed {
    fn from(v: Value) -> Observed {
        match v {
            Value::Null => Observed::Absent,
            v => Observed::Made(Box::new(v)),
        }
    }
}

/// Any JSON value, as the schema says.
impl JsonSchema for Observed {
    fn schema_name() -> Cow<'static, str> {
        <Value as JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Value as JsonSchema>::json_schema(generator)
    }
}

/// A value found, borrowed where it is: a node of a document, or a value of its own. It
/// serialises as the JSON value.
#[derive(Clone, Copy, Debug)]
pub enum Found<'a> {
    /// Held in a document.
    Node(Node<'a>),
    /// Made for the evidence (or null, when its document does not have it).
    Value(&'a Value),
}

impl Serialize for Found<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Found::Node(n) => n.serialize(serializer),
            Found::Value(v) => v.serialize(serializer),
        }
    }
}

/// A fact as an evaluation read it: where it sits, where it came from and its value. Every
/// test that reads the same fact of the same host, container or image shares one, so a fact
/// read by ten rules is held, and written to report.json, once.
///
/// (How an [`Observation`] reads and writes in report.json's `observations` list.)
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Observation")]
#[schemars(
    description = "A fact as an evaluation read it: where it sits, where it came from and its value. Every\ntest that reads the same fact of the same host, container or image shares one, so a fact\nread by ten rules is held, and written to report.json, once."
)]
pub struct ObservationForm<'a, O> {
    /// The fact path, with placeholders resolved (`host.files["/lib/systemd/system/docker.service"].mode`).
    fact: Cow<'a, str>,
    /// Where the value came from (`/etc/docker/daemon.json:3`, `flag --icc=false`,
    /// `docker inspect web`, `stat /run/docker.sock`, `dockerd default`).
    source: Cow<'a, str>,
    /// The value found; `null` when absent.
    #[schemars(with = "Observed")]
    observed: O,
}

impl Observation {
    /// The form report.json writes, its texts and value read from `sheet` (its own).
    fn written<'a>(&'a self, sheet: &'a Sheet) -> ObservationForm<'a, Found<'a>> {
        let texts = sheet.texts();
        ObservationForm {
            fact: Cow::Borrowed(texts.of(self.fact)),
            source: Cow::Borrowed(texts.of(self.source)),
            observed: self.observed.found_in(&sheet.docs),
        }
    }
}

/// Texts made into a list, each once: the own texts of a sheet made outside an evaluation,
/// or the texts of a report read back.
#[derive(Default)]
pub(crate) struct TextList {
    list: Vec<ArcStr>,
    /// Keyed with a fixed seed, as the report pools are: the keys are one report's texts.
    numbers: std::collections::HashMap<ArcStr, u32, foldhash::fast::FixedState>,
}

impl TextList {
    /// The place of `text` in the list, added unless it is there.
    pub(crate) fn number(&mut self, text: &str) -> u32 {
        if let Some(&n) = self.numbers.get(text) {
            return n;
        }
        let n = u32::try_from(self.list.len())
            .ok()
            .filter(|&n| n < OWN_TEXT)
            .expect("fewer than 2 billion texts in one list");
        let made = ArcStr::from(text);
        self.list.push(made.clone());
        self.numbers.insert(made, n);
        n
    }

    /// The texts, in the order numbered.
    pub(crate) fn into_list(self) -> Vec<ArcStr> {
        self.list
    }
}

/// What the evidence of one container, image or of the host refers to: each fact its tests
/// read, once, the expectations of those tests, and the tests themselves. Every result of that
/// instance shares one sheet, and its evidence is a run of the sheet's tests, which name
/// observations and expectations by number: a fact read by ten rules is held (and written to
/// report.json) once, and one test takes twelve bytes.
#[derive(Debug)]
pub struct Sheet {
    /// Shared by the sheets of a report read back, which all name its `observations` list.
    observations: Arc<[Observation]>,
    /// Expectations shared beyond this sheet: an evaluation's are its rule set's (numbered
    /// when the set was made), a report's read back are the report's list.
    expectations: Arc<[Arc<Expectation>]>,
    /// Expectations made for this sheet alone, numbered after the shared ones.
    own: Box<[Arc<Expectation>]>,
    /// The tests of every result on the sheet, each result's in one run.
    items: Box<[EvidenceItem]>,
    /// The container or image the sheet's results are about; none for the host's.
    subject: Option<Subject>,
    /// The documents its observations' values are in ([`Observed::InDoc`]).
    docs: Box<[Doc]>,
    /// The texts its observations name that it shares with other sheets: the fact paths of
    /// the evaluation's rule set, or the texts of the report read back.
    shared_texts: Arc<[ArcStr]>,
    /// Its own texts: the sources of its facts and fact paths the rule set did not number.
    own_texts: Box<[ArcStr]>,
}

impl Sheet {
    /// A sheet of `observations`, with `shared` expectations and then `own` ones, and the
    /// tests `items`.
    pub(crate) fn new(
        observations: Arc<[Observation]>,
        shared: Arc<[Arc<Expectation>]>,
        own: Box<[Arc<Expectation>]>,
        items: Box<[EvidenceItem]>,
    ) -> Sheet {
        Sheet {
            observations,
            expectations: shared,
            own,
            items,
            subject: None,
            docs: Box::new([]),
            shared_texts: Arc::from([]),
            own_texts: Box::new([]),
        }
    }

    /// The same sheet, whose observations' values are in `docs`.
    pub(crate) fn in_docs(mut self, docs: Box<[Doc]>) -> Sheet {
        self.docs = docs;
        self
    }

    /// The same sheet, whose observations name the texts `shared` (with other sheets) and
    /// `own` ([`Texts`]).
    pub(crate) fn with_texts(mut self, shared: Arc<[ArcStr]>, own: Box<[ArcStr]>) -> Sheet {
        self.shared_texts = shared;
        self.own_texts = own;
        self
    }

    /// The texts its observations name.
    pub(crate) fn texts(&self) -> Texts<'_> {
        Texts::new(&self.shared_texts, &self.own_texts)
    }

    /// A sheet with nothing on it but what it is about.
    fn empty() -> Sheet {
        Sheet::new(Arc::from([]), Arc::from([]), Box::new([]), Box::new([]))
    }

    /// The same sheet, about `subject`.
    pub(crate) fn about(mut self, subject: Subject) -> Sheet {
        self.subject = Some(subject);
        self
    }

    /// The container or image its results are about; none for the host's.
    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// The observations it holds.
    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    fn expectation(&self, number: u32) -> Option<&Arc<Expectation>> {
        let at = number as usize;
        match at.checked_sub(self.expectations.len()) {
            None => self.expectations.get(at),
            Some(own) => self.own.get(own),
        }
    }

    /// The evidence `item` names; `None` when a number is not on this sheet.
    fn evidence(&self, item: EvidenceItem) -> Option<Evidence<'_>> {
        Some(Evidence {
            observation: self.observations.get(item.observation as usize)?,
            expectation: self.expectation(item.expectation)?,
            outcome: item.outcome,
            docs: &self.docs,
            texts: self.texts(),
        })
    }

    /// A sheet of `items` alone, over the observations and expectations of this one.
    fn with_items(&self, items: Box<[EvidenceItem]>) -> Sheet {
        Sheet {
            observations: self.observations.clone(),
            expectations: self.expectations.clone(),
            own: self.own.clone(),
            items,
            subject: self.subject.clone(),
            docs: self.docs.clone(),
            shared_texts: self.shared_texts.clone(),
            own_texts: self.own_texts.clone(),
        }
    }
}

/// One test of one fact as a sheet holds it: the numbers of its observation and expectation,
/// and its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EvidenceItem {
    pub(crate) observation: u32,
    pub(crate) expectation: u32,
    pub(crate) outcome: Status,
}

/// The tests behind a result: a run of the tests on the sheet that the results of one
/// instance (or of the host) share. [`iter`](EvidenceList::iter) reads them as [`Evidence`].
#[derive(Clone, Default)]
pub struct EvidenceList {
    /// Set whenever `len` is not 0, and for every instance result (its sheet names what the
    /// result is about).
    sheet: Option<Arc<Sheet>>,
    start: u32,
    len: u32,
}

impl EvidenceList {
    /// The `len` tests from `start` of a sheet not made yet: the evaluator attaches it once
    /// the instance's rules are all evaluated ([`EvidenceList::attach`]).
    pub(crate) fn pending(start: u32, len: u32) -> EvidenceList {
        EvidenceList {
            sheet: None,
            start,
            len,
        }
    }

    /// Sets the sheet of a list made [`pending`](EvidenceList::pending).
    pub(crate) fn attach(&mut self, sheet: &Arc<Sheet>) {
        if self.sheet.is_none() {
            self.sheet = Some(sheet.clone());
        }
    }

    /// The same tests, on a sheet about `subject` (an instance result's names its container or
    /// image).
    fn about(mut self, subject: Subject) -> EvidenceList {
        match &mut self.sheet {
            Some(shared) => match Arc::get_mut(shared) {
                Some(sheet) => sheet.subject = Some(subject),
                None => *shared = Arc::new(shared.with_items(shared.items.clone()).about(subject)),
            },
            None => self.sheet = Some(Arc::new(Sheet::empty().about(subject))),
        }
        self
    }

    /// What the sheet is about.
    fn subject(&self) -> Option<&Subject> {
        self.sheet.as_deref()?.subject.as_ref()
    }

    /// All the tests of `sheet`, their numbers checked. (The texts its observations name are
    /// numbered where the observations are made, for the sheet they are made for: a report
    /// read back shares one list of observations among all its sheets, which checking here
    /// would walk once per list.)
    fn whole(sheet: Sheet) -> Result<EvidenceList, String> {
        for item in &sheet.items {
            if item.observation as usize >= sheet.observations.len() {
                return Err(observations::beyond::<Observation>(
                    item.observation,
                    sheet.observations.len(),
                ));
            }
            if sheet.expectation(item.expectation).is_none() {
                return Err(observations::beyond::<Expectation>(
                    item.expectation,
                    sheet.expectations.len() + sheet.own.len(),
                ));
            }
        }
        let len = u32::try_from(sheet.items.len()).map_err(|_| "too many tests in one list")?;
        Ok(EvidenceList {
            sheet: (len > 0).then(|| Arc::new(sheet)),
            start: 0,
            len,
        })
    }

    /// This list's tests on its sheet.
    fn items(&self) -> &[EvidenceItem] {
        debug_assert!(
            self.len == 0 || self.sheet.is_some(),
            "evidence whose sheet was never attached"
        );
        match &self.sheet {
            Some(sheet) => {
                let start = self.start as usize;
                sheet
                    .items
                    .get(start..start + self.len as usize)
                    .unwrap_or_default()
            }
            None => &[],
        }
    }

    /// The tests, in the order they were made.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            sheet: self.sheet.as_deref(),
            items: self.items().iter(),
        }
    }

    /// How many tests there are.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`th test.
    pub fn get(&self, i: usize) -> Option<Evidence<'_>> {
        self.sheet.as_deref()?.evidence(*self.items().get(i)?)
    }

    /// The bytes its tests take on the sheet.
    pub fn held_bytes(&self) -> usize {
        std::mem::size_of_val::<[EvidenceItem]>(self.items())
    }

    /// The sheet the tests are on (none when there are no tests).
    pub fn sheet(&self) -> Option<&Arc<Sheet>> {
        self.sheet.as_ref()
    }
}

/// The tests, as their evidence reads (the sheet holds far more).
impl std::fmt::Debug for EvidenceList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for EvidenceList {
    fn eq(&self, other: &EvidenceList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// One test's evidence made outside an evaluation (tests, tools): a list of them gets a sheet
/// of its own, on which equal observations, texts and expectations are held once.
#[derive(Debug, Clone, PartialEq)]
pub struct Tested {
    /// The fact path, with placeholders resolved.
    pub fact: String,
    /// Where the value came from.
    pub source: String,
    /// The value found; `null` when absent.
    pub observed: Value,
    /// What the test expected.
    pub expectation: Expectation,
    /// Its outcome.
    pub outcome: Status,
}

impl Tested {
    /// Evidence that `fact` (read from `source`) was `observed`, where `expected` was wanted.
    pub fn new(
        fact: &str,
        observed: Value,
        expected: &str,
        expected_text: &str,
        source: &str,
        outcome: Status,
    ) -> Tested {
        Tested {
            fact: fact.to_string(),
            source: source.to_string(),
            observed,
            expectation: Expectation {
                expected: expected.to_string(),
                expected_text: expected_text.to_string(),
            },
            outcome,
        }
    }
}

impl FromIterator<Tested> for EvidenceList {
    fn from_iter<I: IntoIterator<Item = Tested>>(tests: I) -> EvidenceList {
        let mut observations: Vec<Observation> = Vec::new();
        let mut expectations: Vec<Arc<Expectation>> = Vec::new();
        let mut texts = TextList::default();
        let mut items = Vec::new();
        for t in tests {
            let seen = Observation {
                fact: OWN_TEXT + texts.number(&t.fact),
                source: OWN_TEXT + texts.number(&t.source),
                observed: t.observed.into(),
            };
            let observation = number_of(&mut observations, seen, |a, b| a == b);
            let expectation = number_of(&mut expectations, Arc::new(t.expectation), |a, b| {
                **a == **b
            });
            items.push(EvidenceItem {
                observation,
                expectation,
                outcome: t.outcome,
            });
        }
        let sheet = Sheet::new(
            observations.into(),
            Arc::from([]),
            expectations.into(),
            items.into(),
        )
        .with_texts(Arc::from([]), texts.into_list().into());
        EvidenceList::whole(sheet).expect("numbers made for the sheet")
    }
}

/// The number of `entry` in `list`, added unless an equal one is there.
fn number_of<T>(list: &mut Vec<T>, entry: T, same: impl Fn(&T, &T) -> bool) -> u32 {
    let at = list
        .iter()
        .position(|e| same(e, &entry))
        .unwrap_or_else(|| {
            list.push(entry);
            list.len() - 1
        });
    u32::try_from(at).expect("fewer than 4 billion tests in one list")
}

impl<'a> IntoIterator for &'a EvidenceList {
    type Item = Evidence<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The tests of an [`EvidenceList`], as [`Evidence`].
#[derive(Clone)]
pub struct Iter<'a> {
    sheet: Option<&'a Sheet>,
    items: std::slice::Iter<'a, EvidenceItem>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Evidence<'a>;
    fn next(&mut self) -> Option<Evidence<'a>> {
        let item = self.items.next()?;
        Some(
            self.sheet?
                .evidence(*item)
                .expect("a list's numbers are on its sheet"),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let item = self.items.next_back()?;
        Some(
            self.sheet?
                .evidence(*item)
                .expect("a list's numbers are on its sheet"),
        )
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// What was looked at, what was found, and what was expected: one test of one fact, read off
/// its list's [`Sheet`].
///
/// report.json writes each observation and expectation once, in the report's `observations`
/// and `expectations` lists, and evidence names them by index there (`"observation": 12`);
/// reports written before that, and evidence serialised outside a report, carry `fact`,
/// `observed` and `source` inline. Both forms read back.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    observation: &'a Observation,
    expectation: &'a Arc<Expectation>,
    /// The outcome of this one test.
    pub outcome: Status,
    /// The documents of the observation's sheet.
    docs: &'a [Doc],
    /// The texts of the observation's sheet.
    texts: Texts<'a>,
}

impl<'a> Evidence<'a> {
    /// The evidence of `observation` tested against `expectation`; its sheet holds `docs` and
    /// `texts`.
    pub(crate) fn of(
        observation: &'a Observation,
        expectation: &'a Arc<Expectation>,
        outcome: Status,
        docs: &'a [Doc],
        texts: Texts<'a>,
    ) -> Evidence<'a> {
        Evidence {
            observation,
            expectation,
            outcome,
            docs,
            texts,
        }
    }

    /// The node the value is, when it is held in a document.
    pub fn observed_node(&self) -> Option<Node<'a>> {
        self.observation.observed.node_in(self.docs)
    }

    /// The value found, borrowed where it is.
    pub fn found(&self) -> Found<'a> {
        self.observation.observed.found_in(self.docs)
    }

    /// The fact path, with placeholders resolved.
    pub fn fact(&self) -> &'a str {
        self.texts.of(self.observation.fact)
    }

    /// The value found; `null` when absent.
    pub fn observed(&self) -> Cow<'a, Value> {
        self.observation.observed.value_in(self.docs)
    }

    /// Where the value came from.
    pub fn source(&self) -> &'a str {
        self.texts.of(self.observation.source)
    }

    /// The observation, shared with the other tests of the same fact.
    pub fn observation(&self) -> &'a Observation {
        self.observation
    }

    /// What the test expects, in machine form ("equal to false").
    pub fn expected(&self) -> &'a str {
        &self.expectation.expected
    }

    /// What the test expects, in words for people; empty in reports written before it existed.
    pub fn expected_text(&self) -> &'a str {
        &self.expectation.expected_text
    }

    /// What people are shown as the expectation: `expected_text`, or `expected` for reports
    /// that predate it.
    pub fn expected_for_people(&self) -> &'a str {
        if self.expectation.expected_text.is_empty() {
            &self.expectation.expected
        } else {
            &self.expectation.expected_text
        }
    }
}

impl PartialEq for Evidence<'_> {
    fn eq(&self, other: &Evidence<'_>) -> bool {
        self.outcome == other.outcome
            && self.fact() == other.fact()
            && self.source() == other.source()
            && **self.expectation == **other.expectation
            && self.observed() == other.observed()
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
    #[schemars(with = "Option<Observed>")]
    observed: Option<Cow<'a, Value>>,
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

impl Serialize for Evidence<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = &**self.expectation;
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
        form.fact = Some(Cow::Borrowed(self.fact()));
        form.observed = Some(self.observed());
        form.source = Some(Cow::Borrowed(self.source()));
        form.expected = Some(Cow::Borrowed(&x.expected));
        form.expected_text = Some(Cow::Borrowed(&x.expected_text));
        form.serialize(serializer)
    }
}

/// During a write of report.json ([`observations::writing`]) each test names its observation
/// and expectation by index; otherwise it is written inline.
impl Serialize for EvidenceList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        observations::with_current(|pools| match (&self.sheet, pools) {
            (Some(sheet), Some(pools)) => {
                use serde::ser::{Error, SerializeSeq};
                let at = pools.numbers_of(sheet).map_err(S::Error::custom)?;
                let mut seq = serializer.serialize_seq(Some(self.len()))?;
                for item in self.items() {
                    let (Some(observation), Some(expectation)) = at.indexes(pools, sheet, *item)
                    else {
                        return Err(S::Error::custom(
                            "evidence names an observation or expectation the report's lists were not made from",
                        ));
                    };
                    seq.serialize_element(&EvidenceForm {
                        observation: Some(observation),
                        expectation: Some(expectation),
                        fact: None,
                        observed: None,
                        expected: None,
                        expected_text: None,
                        source: None,
                        outcome: item.outcome,
                    })?;
                }
                seq.end()
            }
            _ => serializer.collect_seq(self),
        })
    }
}

impl<'de> Deserialize<'de> for EvidenceList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let forms = Vec::<EvidenceForm<'static>>::deserialize(deserializer)?;
        observations::linked(forms).map_err(D::Error::custom)
    }
}

/// Evidence as the schema describes it: each part in one of its two forms, never both.
impl JsonSchema for Evidence<'_> {
    fn schema_name() -> Cow<'static, str> {
        "Evidence".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = EvidenceForm::json_schema(generator);
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

/// A list of evidence is an array of [`Evidence`] in the schema, as it was before lists had
/// sheets.
impl JsonSchema for EvidenceList {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "EvidenceList".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Vec<Evidence<'static>>>::json_schema(generator)
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
    use std::borrow::Cow;
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::marker::PhantomData;
    use std::sync::Arc;

    use schemars::JsonSchema;
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    use super::{
        EvidenceForm, EvidenceItem, EvidenceList, Expectation, Observation, ObservationForm,
        RuleResult, Sheet, TextList,
    };

    /// One of a report's lists being written: its entries in order of first use, each with
    /// its sheet (which holds its documents and texts). The entries live on the sheets
    /// [`Pools`] holds.
    pub struct Pool<T> {
        list: Vec<(*const T, *const Sheet)>,
    }

    impl<T> Default for Pool<T> {
        fn default() -> Self {
            Pool { list: Vec::new() }
        }
    }

    impl<T> Pool<T> {
        /// Appends `entry`, of `sheet`, and returns its index.
        fn push(&mut self, entry: &T, sheet: &Sheet) -> u32 {
            let next = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
            self.list.push((entry, sheet));
            next
        }

        /// How many entries there are.
        pub fn len(&self) -> usize {
            self.list.len()
        }

        /// True when there are none.
        pub fn is_empty(&self) -> bool {
            self.list.is_empty()
        }

        /// The entries, in order, each with its sheet.
        pub fn iter(&self) -> impl Iterator<Item = (&T, &Sheet)> {
            // Safe: every entry lives on a sheet `Pools::sheets` holds, and sheets do not
            // change once made.
            self.list.iter().map(|(e, d)| unsafe { (&**e, &**d) })
        }
    }

    /// Not yet named by any evidence (a slot's value in [`Pools`]).
    const UNNAMED: u32 = u32::MAX;

    /// The first of `list`'s slots in `slots`, made when the list is first met (`firsts`, by
    /// its address). An empty list has no slots, and is not recorded: its address may be
    /// where another list's allocation starts.
    fn first_slot<T>(
        list: &[T],
        firsts: &mut HashMap<*const T, u32, foldhash::fast::FixedState>,
        slots: &mut Vec<u32>,
    ) -> u32 {
        if list.is_empty() {
            return 0;
        }
        *firsts.entry(list.as_ptr()).or_insert_with(|| {
            let first = u32::try_from(slots.len()).expect("fewer than 4 billion entries");
            slots.resize(slots.len() + list.len(), UNNAMED);
            first
        })
    }

    /// Where one sheet's numbers are looked up in [`Pools`]: the first slot of its
    /// observations and of its shared expectations.
    #[derive(Clone, Copy)]
    pub struct SheetSlots {
        observations: u32,
        expectations: u32,
    }

    impl SheetSlots {
        /// The report's indexes of `item`'s observation and expectation, on `sheet`.
        pub(in crate::rules::result) fn indexes(
            self,
            pools: &Pools,
            sheet: &Sheet,
            item: EvidenceItem,
        ) -> (Option<u32>, Option<u32>) {
            // A number beyond its list has no slot: the next list's would be read otherwise.
            let slot = |slots: &[u32], first: u32, n: u32, len: usize| {
                ((n as usize) < len)
                    .then(|| slots.get((first + n) as usize).copied())
                    .flatten()
                    .filter(|&i| i != UNNAMED)
            };
            let observation = slot(
                &pools.observation_slots,
                self.observations,
                item.observation,
                sheet.observations.len(),
            );
            let shared = sheet.expectations.len() as u32;
            let expectation = match item.expectation.checked_sub(shared) {
                None => slot(
                    &pools.expectation_slots,
                    self.expectations,
                    item.expectation,
                    sheet.expectations.len(),
                ),
                Some(own) => sheet
                    .own
                    .get(own as usize)
                    .and_then(|x| pools.own_expectations.get(&Arc::as_ptr(x)).copied()),
            };
            (observation, expectation)
        }
    }

    /// What one write refers to: both lists in order of first use, and each test's index in
    /// them. Numbering looks up each sheet once (by address), then each test by its numbers
    /// on the sheet: a slot per observation of each distinct observations list (a sheet's, or
    /// the one list the sheets of a report read back share), and per shared expectation.
    #[derive(Default)]
    pub struct Pools {
        /// The observations.
        pub observations: Pool<Observation>,
        /// The expectations.
        pub expectations: Pool<Expectation>,
        /// Each sheet's first slots.
        sheet_slots: HashMap<*const Sheet, SheetSlots, foldhash::fast::FixedState>,
        /// The first slot of each distinct list of observations, by the list's address.
        observation_lists: HashMap<*const Observation, u32, foldhash::fast::FixedState>,
        /// The first slot of each distinct list of shared expectations, by its address.
        expectation_lists: HashMap<*const Arc<Expectation>, u32, foldhash::fast::FixedState>,
        /// The report's index of each observation slot.
        observation_slots: Vec<u32>,
        /// The report's index of each shared expectation slot.
        expectation_slots: Vec<u32>,
        /// The report's index of each expectation made for one sheet, by address (a sheet's
        /// own expectations may be shared with other sheets).
        own_expectations: HashMap<*const Expectation, u32, foldhash::fast::FixedState>,
        /// The sheets the entries live on, kept for as long as the pools.
        sheets: Vec<Arc<Sheet>>,
    }

    // The entries are on sheets the pools hold, which nothing changes.
    unsafe impl Send for Pools {}
    unsafe impl Sync for Pools {}

    impl Pools {
        /// The distinct observations and expectations of `results`' evidence, in order of
        /// first use.
        pub fn of(results: &[RuleResult]) -> Pools {
            let mut pools = Pools::default();
            let lists = results.iter().flat_map(|r| {
                std::iter::once(&r.evidence).chain(r.instances.iter().map(|i| &i.evidence))
            });
            for list in lists {
                let Some(sheet) = list.sheet() else { continue };
                let at = pools.slots_for(sheet);
                for item in list.items() {
                    pools.name(sheet, at, *item);
                }
            }
            pools
        }

        /// The first slots of `sheet`, given when it is first met.
        fn slots_for(&mut self, sheet: &Arc<Sheet>) -> SheetSlots {
            if let Some(at) = self.sheet_slots.get(&Arc::as_ptr(sheet)) {
                return *at;
            }
            let at = SheetSlots {
                observations: first_slot(
                    &sheet.observations,
                    &mut self.observation_lists,
                    &mut self.observation_slots,
                ),
                expectations: first_slot(
                    &sheet.expectations,
                    &mut self.expectation_lists,
                    &mut self.expectation_slots,
                ),
            };
            self.sheet_slots.insert(Arc::as_ptr(sheet), at);
            self.sheets.push(sheet.clone());
            at
        }

        /// Lists `item`'s observation and expectation, on `sheet`, unless they are listed.
        fn name(&mut self, sheet: &Sheet, at: SheetSlots, item: EvidenceItem) {
            let slot = (at.observations + item.observation) as usize;
            if let (Some(o), Some(i)) = (
                sheet.observations.get(item.observation as usize),
                self.observation_slots.get_mut(slot),
            ) {
                if *i == UNNAMED {
                    *i = self.observations.push(o, sheet);
                }
            }
            let shared = sheet.expectations.len() as u32;
            match item.expectation.checked_sub(shared) {
                None => {
                    let slot = (at.expectations + item.expectation) as usize;
                    if let (Some(x), Some(i)) = (
                        sheet.expectations.get(item.expectation as usize),
                        self.expectation_slots.get_mut(slot),
                    ) {
                        if *i == UNNAMED {
                            *i = self.expectations.push(x, sheet);
                        }
                    }
                }
                Some(own) => {
                    if let Some(x) = sheet.own.get(own as usize) {
                        let pool = &mut self.expectations;
                        self.own_expectations
                            .entry(Arc::as_ptr(x))
                            .or_insert_with(|| pool.push(x, sheet));
                    }
                }
            }
        }

        /// The first slots of `sheet`, which [`Pools::of`] met: an error for evidence it
        /// did not number (a report's results changed between numbering and writing).
        pub(in crate::rules::result) fn numbers_of(
            &self,
            sheet: &Arc<Sheet>,
        ) -> Result<SheetSlots, &'static str> {
            self.sheet_slots
                .get(&Arc::as_ptr(sheet))
                .copied()
                .ok_or("evidence on a sheet the report's lists were not made from")
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

    /// `f` of the pools of the write under way on this thread, borrowed (a list of evidence
    /// asks for each list: cloning the shared pools there would make the writing threads
    /// contend for its count).
    pub fn with_current<T>(f: impl FnOnce(Option<&Pools>) -> T) -> T {
        STATE.with(|s| match &*s.borrow() {
            State::Writing(p) => f(Some(p)),
            _ => f(None),
        })
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

    /// What a report lists once and evidence names by index.
    pub trait Listed: Sized {
        /// The list's name in report.json (`observations`), which errors and the schema use.
        const LIST: &'static str;
        /// How an entry reads (and what the schema describes).
        type Form: DeserializeOwned + JsonSchema;
        /// The pool of a write.
        fn pool(pools: &Pools) -> &Pool<Self>;
        /// Writes `entry`, of `sheet`.
        fn write<S: Serializer>(&self, sheet: &Sheet, serializer: S) -> Result<S::Ok, S::Error>;
        /// Keeps the list read for the evidence that follows.
        fn keep(list: Vec<Self::Form>, lists: &mut Read);
    }

    /// The lists a report read so far (it lists them before its results), and the sheet they
    /// make once evidence names them: each list of evidence gets a sheet of its tests over
    /// the report's observations and expectations.
    #[derive(Default)]
    pub struct Read {
        observations: Vec<Observation>,
        /// The texts the observations name, each once.
        texts: TextList,
        expectations: Vec<Arc<Expectation>>,
        sheet: Option<Arc<Sheet>>,
    }

    impl Read {
        /// The report's lists as a sheet without tests, made when evidence first names them.
        fn sheet(&mut self) -> Arc<Sheet> {
            self.sheet
                .get_or_insert_with(|| {
                    let texts = std::mem::take(&mut self.texts).into_list();
                    Arc::new(
                        Sheet::new(
                            std::mem::take(&mut self.observations).into(),
                            std::mem::take(&mut self.expectations).into(),
                            Box::new([]),
                            Box::new([]),
                        )
                        .with_texts(texts.into(), Box::new([])),
                    )
                })
                .clone()
        }
    }

    impl Listed for Observation {
        const LIST: &'static str = "observations";
        type Form = ObservationForm<'static, Value>;
        fn pool(pools: &Pools) -> &Pool<Self> {
            &pools.observations
        }
        fn write<S: Serializer>(&self, sheet: &Sheet, serializer: S) -> Result<S::Ok, S::Error> {
            self.written(sheet).serialize(serializer)
        }
        fn keep(list: Vec<Self::Form>, lists: &mut Read) {
            // A report's sources repeat (`docker inspect web` for each fact of one
            // container): each text is held once.
            let texts = &mut lists.texts;
            lists.observations = list
                .into_iter()
                .map(|form| Observation {
                    fact: texts.number(&form.fact),
                    source: texts.number(&form.source),
                    observed: form.observed.into(),
                })
                .collect();
        }
    }

    impl Listed for Expectation {
        const LIST: &'static str = "expectations";
        type Form = Expectation;
        fn pool(pools: &Pools) -> &Pool<Self> {
            &pools.expectations
        }
        fn write<S: Serializer>(&self, _: &Sheet, serializer: S) -> Result<S::Ok, S::Error> {
            self.serialize(serializer)
        }
        fn keep(list: Vec<Self>, lists: &mut Read) {
            lists.expectations = list.into_iter().map(Arc::new).collect();
        }
    }

    /// An entry of a list being written, with its sheet.
    struct Entry<'a, T>(&'a T, &'a Sheet);

    impl<T: Listed> Serialize for Entry<'_, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.0.write(self.1, serializer)
        }
    }

    /// The list of evidence `forms` describe: on the report's sheet when every form names its
    /// entries by index, else on a sheet of its own.
    pub(super) fn linked(forms: Vec<EvidenceForm<'static>>) -> Result<EvidenceList, String> {
        if forms.is_empty() {
            return Ok(EvidenceList::default());
        }
        let indexed = |f: &EvidenceForm| {
            f.observation.is_some()
                && f.expectation.is_some()
                && f.fact.is_none()
                && f.observed.is_none()
                && f.source.is_none()
                && f.expected.is_none()
                && f.expected_text.is_none()
        };
        let report = if forms
            .iter()
            .any(|f| f.observation.is_some() || f.expectation.is_some())
        {
            Some(report_sheet()?)
        } else {
            None
        };
        if let (Some(sheet), true) = (&report, forms.iter().all(indexed)) {
            let items = forms
                .iter()
                .map(|f| EvidenceItem {
                    observation: f.observation.unwrap_or_default(),
                    expectation: f.expectation.unwrap_or_default(),
                    outcome: f.outcome,
                })
                .collect();
            // Their numbers are checked against the report's lists there.
            return EvidenceList::whole(sheet.with_items(items));
        }
        // Inline evidence (or a mix): a sheet of its own.
        let mut list = Vec::with_capacity(forms.len());
        for f in forms {
            let (fact, source, observed) = match f.observation {
                Some(i) => {
                    if f.fact.is_some() || f.observed.is_some() || f.source.is_some() {
                        return Err("evidence has both an `observation` index and inline fact, observed or source".into());
                    }
                    let sheet = report.as_ref().expect("made for indexed evidence");
                    let o = sheet
                        .observations
                        .get(i as usize)
                        .ok_or_else(|| beyond::<Observation>(i, sheet.observations.len()))?;
                    let texts = sheet.texts();
                    (
                        texts.of(o.fact).to_string(),
                        texts.of(o.source).to_string(),
                        o.observed.value_in(&sheet.docs).into_owned(),
                    )
                }
                None => (
                    f.fact.ok_or("missing field `fact`")?.into_owned(),
                    f.source.ok_or("missing field `source`")?.into_owned(),
                    f.observed.map_or(Value::Null, Cow::into_owned),
                ),
            };
            let expectation = match f.expectation {
                Some(i) => {
                    if f.expected.is_some() || f.expected_text.is_some() {
                        return Err("evidence has both an `expectation` index and inline expected or expected_text".into());
                    }
                    let sheet = report.as_ref().expect("made for indexed evidence");
                    (**sheet
                        .expectation(i)
                        .ok_or_else(|| beyond::<Expectation>(i, sheet.expectations.len()))?)
                    .clone()
                }
                None => Expectation {
                    expected: f.expected.ok_or("missing field `expected`")?.into_owned(),
                    expected_text: f.expected_text.map(Cow::into_owned).unwrap_or_default(),
                },
            };
            list.push(super::Tested {
                fact,
                source,
                observed,
                expectation,
                outcome: f.outcome,
            });
        }
        Ok(list.into_iter().collect())
    }

    /// Why evidence naming entry `i` of a list of `len` cannot be read.
    pub(super) fn beyond<T: Listed>(i: u32, len: usize) -> String {
        format!(
            "evidence names {} {i}, but the report's {} list (which comes before its results) has {len}",
            T::LIST.trim_end_matches('s'),
            T::LIST
        )
    }

    /// The sheet of the report being read.
    fn report_sheet() -> Result<Arc<Sheet>, String> {
        STATE.with(|s| match &mut *s.borrow_mut() {
            State::Reading(lists) => Ok(lists.sheet()),
            _ => Err("evidence names an observation or expectation by index outside a report that lists its observations".into()),
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
                Some(p) => serializer.collect_seq(T::pool(&p).iter().map(|(e, d)| Entry(e, d))),
                None => serializer.collect_seq(std::iter::empty::<Entry<'_, T>>()),
            }
        }
    }

    impl<'de, T: Listed> Deserialize<'de> for Field<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            use serde::de::Error;
            let list = Vec::<T::Form>::deserialize(deserializer)?;
            STATE.with(|s| {
                if let State::Reading(lists) = &mut *s.borrow_mut() {
                    if lists.sheet.is_some() {
                        return Err(D::Error::custom(format!(
                            "the report's {} list comes after evidence that names it",
                            T::LIST
                        )));
                    }
                    T::keep(list, lists);
                }
                Ok(())
            })?;
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
            <Vec<T::Form>>::json_schema(generator)
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
    /// The subject of `kind`, `id` and `name`.
    pub fn new(kind: &str, id: &str, name: &str) -> Subject {
        Subject {
            kind: kind.to_string(),
            id: id.to_string(),
            name: name.to_string(),
        }
    }
}

/// What an instance result whose sheet names nothing is about.
static NO_SUBJECT: Subject = Subject {
    kind: String::new(),
    id: String::new(),
    name: String::new(),
};

/// The result for one container or image. report.json writes its subject's kind, id and name
/// as fields of their own. The subject is on the sheet its evidence is on, which every result
/// of the instance shares ([`InstanceResult::subject`]).
#[derive(Clone)]
pub struct InstanceResult {
    /// Its status.
    pub status: Status,
    /// Why, when the status is not pass. Results with the same message share its text
    /// (a large host has hundreds of thousands of messages and a few thousand distinct ones).
    pub message: Option<ArcStr>,
    /// The tests behind the status.
    pub evidence: EvidenceList,
    /// The exception that covers this failing instance, or that did until it expired
    /// (`--exceptions`); the status stays the true one.
    pub exception: Option<Box<AppliedException>>,
}

impl InstanceResult {
    /// The result for `subject` of `status`, with `message` and `evidence`.
    pub fn new(
        subject: Subject,
        status: Status,
        message: Option<ArcStr>,
        evidence: EvidenceList,
    ) -> InstanceResult {
        InstanceResult {
            status,
            message,
            evidence: evidence.about(subject),
            exception: None,
        }
    }

    /// The container or image, kept on the sheet of the instance's results.
    pub fn subject(&self) -> &Subject {
        self.evidence.subject().unwrap_or(&NO_SUBJECT)
    }

    /// `container` or `image`.
    pub fn kind(&self) -> &str {
        &self.subject().kind
    }

    /// Full id.
    pub fn id(&self) -> &str {
        &self.subject().id
    }

    /// Container name or first image tag (the id when untagged).
    pub fn name(&self) -> &str {
        &self.subject().name
    }
}

impl std::fmt::Debug for InstanceResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceResult")
            .field("subject", self.subject())
            .field("status", &self.status)
            .field("message", &self.message)
            .field("evidence", &self.evidence)
            .field("exception", &self.exception)
            .finish()
    }
}

impl PartialEq for InstanceResult {
    fn eq(&self, other: &InstanceResult) -> bool {
        self.subject() == other.subject()
            && self.status == other.status
            && self.message == other.message
            && self.evidence == other.evidence
            && self.exception == other.exception
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
    evidence: Cow<'a, EvidenceList>,
    /// The exception that covers this failing instance, or that did until it expired
    /// (`--exceptions`); the status stays the true one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exception: Option<Cow<'a, AppliedException>>,
}

impl Serialize for InstanceResult {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        InstanceForm {
            kind: Cow::Borrowed(self.kind()),
            id: Cow::Borrowed(self.id()),
            name: Cow::Borrowed(self.name()),
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
        let subject = Subject {
            kind: form.kind.into_owned(),
            id: form.id.into_owned(),
            name: form.name.into_owned(),
        };
        let mut result = InstanceResult::new(
            subject,
            form.status,
            form.message.map(|m| ArcStr::from(m.as_ref())),
            form.evidence.into_owned(),
        );
        result.exception = form.exception.map(|e| Box::new(e.into_owned()));
        Ok(result)
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
    pub evidence: EvidenceList,
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

impl RuleResult {
    /// True for a rule a person has to check: `notchecked`, with nothing looked at (no
    /// evidence, no instances), as a rule without an automated check is. A rule whose check
    /// ran but could not decide is `notchecked` too, with evidence of what it lacked (a
    /// parameter such as `trusted-users`, a fact this scan did not gather) or with instances
    /// that say it (a fact only `--deep-images` gathers): every test, and every `every` with
    /// no element to test, leaves evidence of what it read (`tests/decide_agrees.rs` keeps
    /// that so).
    pub fn needs_a_person(&self) -> bool {
        self.status == Status::NotChecked && self.evidence.is_empty() && self.instances.is_empty()
    }
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
