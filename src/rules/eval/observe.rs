//! What an instance's results share instead of copying: one observation per fact read
//! (`observe`), one source text per source, one subject (kind, id, name). The tables are per
//! thread and hold the instance (or host) this thread is evaluating; once its rules are all
//! evaluated, its observations become the [`Sheet`] its results' evidence names by number
//! (`take_sheet`), and `forget_observations` clears the tables for the next one. A fact a
//! rule's path names as written is found by its number in the rule set
//! ([`FactKey::Numbered`]); only facts named by text worked out at evaluation (list elements,
//! placeholders) are hashed.

use std::collections::HashMap;
use std::sync::Arc;

use arcstr::ArcStr;

use serde_json::Value;

use super::super::model::Expectation;
use super::super::result::{Evidence, EvidenceItem, Observation, Observed, Sheet, Subject};
use super::super::value::V;
use super::{Instance, Source};
use crate::doc::{Doc, Node};

/// How the tables find a fact.
#[derive(Clone, Copy)]
pub(super) enum FactKey<'k> {
    /// A fact the rule set numbered, and the name its paths share.
    Numbered(u32, &'k ArcStr),
    /// A fact named by text only.
    Named(&'k str),
    /// A fact named by a text this thread shares ([`element_fact`]).
    Shared(&'k ArcStr),
}

/// The observations made of the instance (or of the host) a thread is evaluating: the rules
/// that read the same fact share one.
struct Observations {
    /// In the order made: the instance's sheet, once its rules are evaluated.
    list: Vec<Observation>,
    /// Where in `list`, by fact number.
    numbered: Vec<Option<u32>>,
    /// The numbers filled, so that forgetting costs what was made.
    filled: Vec<u32>,
    /// Where in `list`, by fact path, for facts the rule set did not number.
    named: HashMap<ArcStr, u32, FastHash>,
    /// Expectations made for this instance's evidence alone (not a test's own).
    own: Vec<Arc<Expectation>>,
    /// The tests of the instance's results so far, each result's in one run.
    items: Vec<EvidenceItem>,
    /// The documents the observations' values are in: the instance's inspect, the host's and
    /// the daemon's facts.
    docs: Vec<Doc>,
    /// This thread's copy of each numbered fact's name, for the whole evaluation
    /// ([`Observations::name_of`]).
    names: Vec<Option<ArcStr>>,
}

impl Observations {
    fn get(&self, fact: FactKey<'_>) -> Option<u32> {
        match fact {
            FactKey::Numbered(n, _) => *self.numbered.get(n as usize)?,
            FactKey::Named(name) => self.named.get(name).copied(),
            FactKey::Shared(name) => self.named.get(name.as_str()).copied(),
        }
    }

    /// Adds `made`, an observation of `fact`; its number. A fact named by text is found by
    /// the observation's own name (one more reference to it, where a numbered fact takes none).
    fn insert(&mut self, fact: FactKey<'_>, made: Observation) -> u32 {
        let at = u32::try_from(self.list.len()).expect("fewer than 4 billion facts read");
        match fact {
            FactKey::Numbered(n, _) => {
                let slot = n as usize;
                if self.numbered.len() <= slot {
                    self.numbered.resize(slot + 1, None);
                }
                self.numbered[slot] = Some(at);
                self.filled.push(n);
            }
            FactKey::Named(_) | FactKey::Shared(_) => {
                self.named.insert(made.fact.clone(), at);
            }
        }
        self.list.push(made);
        at
    }

    /// A new observation of `fact`, `observed` from `source`; its number.
    fn make(&mut self, fact: FactKey<'_>, observed: Observed, source: Source) -> u32 {
        let name = match fact {
            FactKey::Numbered(n, shared) => self.name_of(n, shared),
            FactKey::Shared(shared) => shared.clone(),
            FactKey::Named(name) => name.into(),
        };
        let made = Observation {
            fact: name,
            // Sources are made when explaining, which is when observations are.
            source: source.unwrap_or_else(|| source_of(String::new())),
            observed,
        };
        self.insert(fact, made)
    }

    /// This thread's copy of the name of fact `n`, `shared` in the rule set: every thread
    /// counting references on the rule set's own names would move their counts from core to
    /// core at every observation. Kept for the whole evaluation.
    fn name_of(&mut self, n: u32, shared: &ArcStr) -> ArcStr {
        let at = n as usize;
        if self.names.len() <= at {
            self.names.resize(at + 1, None);
        }
        self.names[at]
            .get_or_insert_with(|| ArcStr::from(shared.as_str()))
            .clone()
    }

    fn clear(&mut self) {
        for n in self.filled.drain(..) {
            self.numbered[n as usize] = None;
        }
        self.named.clear();
        self.list.clear();
        self.own.clear();
        self.items.clear();
        self.docs.clear();
    }
}

thread_local! {
    static OBSERVED: std::cell::RefCell<Observations> = const {
        std::cell::RefCell::new(Observations {
            list: Vec::new(),
            numbered: Vec::new(),
            filled: Vec::new(),
            named: HashMap::with_hasher(FastHash::with_seed(0)),
            own: Vec::new(),
            items: Vec::new(),
            docs: Vec::new(),
            names: Vec::new(),
        })
    };
}

/// A value found, as evidence keeps it: a node of the snapshot's documents stays there (the
/// sheet keeps each document once); any other value is copied.
#[inline]
pub(super) fn held(v: V<'_>) -> Observed {
    match v {
        V::Doc(node) => Observed::InDoc {
            doc: doc_number(node),
            at: node.at(),
        },
        other => other.to_value().into(),
    }
}

/// The number on this instance's sheet of the document `node` is in: a few documents (its
/// inspect, the host's and the daemon's facts), each held once however many values it gives.
fn doc_number(node: Node<'_>) -> u32 {
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let at = o
            .docs
            .iter()
            .position(|d| node.is_in(d))
            .unwrap_or_else(|| {
                o.docs.push(node.doc().clone());
                o.docs.len() - 1
            });
        u32::try_from(at).expect("fewer than 4 billion documents")
    })
}

/// The number of the observation of `fact` this instance's evidence already holds.
#[inline]
pub(super) fn observed_before(fact: FactKey<'_>) -> Option<u32> {
    OBSERVED.with(|o| o.borrow().get(fact))
}

/// The number of the observation of `fact`, made by `make` (value, source) unless this
/// instance already has one.
pub(super) fn observe(fact: FactKey<'_>, make: impl FnOnce() -> (Observed, Source)) -> u32 {
    OBSERVED.with(|o| {
        if let Some(seen) = o.borrow().get(fact) {
            return seen;
        }
        let (observed, source) = make();
        o.borrow_mut().make(fact, observed, source)
    })
}

/// The number of a new observation of `fact`, `observed` from `source`: the caller found
/// none of this instance ([`observed_before`]).
pub(super) fn observe_unseen(fact: FactKey<'_>, observed: Observed, source: Source) -> u32 {
    OBSERVED.with(|o| o.borrow_mut().make(fact, observed, source))
}

/// The number of `expectation`, made for this instance's evidence alone: after the `shared`
/// ones of the rule set.
pub(super) fn own_expectation(shared: usize, expectation: Arc<Expectation>) -> u32 {
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        o.own.push(expectation);
        u32::try_from(shared + o.own.len() - 1).expect("fewer than 4 billion expectations")
    })
}

/// `f` of the evidence `item` names among this instance's observations and the rule set's
/// `shared` expectations.
pub(super) fn viewed<R>(
    item: EvidenceItem,
    shared: &[Arc<Expectation>],
    f: impl FnOnce(Evidence<'_>) -> R,
) -> R {
    OBSERVED.with(|o| {
        let o = o.borrow();
        let at = item.expectation as usize;
        let expectation = match at.checked_sub(shared.len()) {
            None => &shared[at],
            Some(own) => &o.own[own],
        };
        f(Evidence::of(
            &o.list[item.observation as usize],
            expectation,
            item.outcome,
            &o.docs,
        ))
    })
}

/// Replaces the value `item` observed by `mask` of it: a new observation when that changes
/// it, so that the other rules' evidence of the same fact keeps the value found.
pub(super) fn mask(item: &mut EvidenceItem, mask: impl FnOnce(&mut Value)) {
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let seen = &o.list[item.observation as usize];
        let mut value = seen.observed.value_in(&o.docs).into_owned();
        mask(&mut value);
        // A value held in a document is compared there, not built a second time.
        let unchanged = match seen.observed.node_in(&o.docs) {
            Some(node) => node == value,
            None => *seen.observed.value_in(&o.docs) == value,
        };
        if unchanged {
            return;
        }
        let masked = Observation {
            fact: seen.fact.clone(),
            source: seen.source.clone(),
            observed: value.into(),
        };
        item.observation = u32::try_from(o.list.len()).expect("fewer than 4 billion facts read");
        o.list.push(masked);
    })
}

/// Moves the tests of one result (`made`, emptied) onto this instance's sheet: their run
/// there, as (start, length).
pub(super) fn keep_items(made: &mut Vec<EvidenceItem>) -> (u32, u32) {
    OBSERVED.with(|o| {
        let items = &mut o.borrow_mut().items;
        let start = u32::try_from(items.len()).expect("fewer than 4 billion tests");
        let len = u32::try_from(made.len()).expect("fewer than 4 billion tests");
        items.append(made);
        (start, len)
    })
}

/// The sheet of the instance (or host) this thread has evaluated, over the rule set's
/// `shared` expectations and about `subject`: `None` when there is neither evidence nor a
/// subject. The tables are cleared.
pub(super) fn take_sheet(
    shared: &Arc<[Arc<Expectation>]>,
    subject: Option<Subject>,
) -> Option<Arc<Sheet>> {
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let sheet = (!o.items.is_empty() || subject.is_some()).then(|| {
            // Moved into allocations of their exact size; the lists keep their room for the
            // next instance.
            let observations: Arc<[Observation]> = o.list.drain(..).collect();
            let own: Box<[Arc<Expectation>]> = o.own.drain(..).collect();
            let items: Box<[EvidenceItem]> = o.items.drain(..).collect();
            let docs: Box<[Doc]> = o.docs.drain(..).collect();
            let sheet = Sheet::new(observations, shared.clone(), own, items).in_docs(docs);
            Arc::new(match subject {
                Some(s) => sheet.about(s),
                None => sheet,
            })
        });
        o.clear();
        sheet
    })
}

/// Texts made once and shared by everything that says the same.
struct Texts(std::cell::RefCell<HashMap<ArcStr, (), FastHash>>);

impl Texts {
    const fn new() -> Texts {
        Texts(std::cell::RefCell::new(HashMap::with_hasher(
            FastHash::with_seed(0),
        )))
    }

    /// `text`, or the equal one made before; copied only when new.
    fn share(&self, text: &str) -> ArcStr {
        if let Some((known, ())) = self.0.borrow().get_key_value(text) {
            return known.clone();
        }
        let made = ArcStr::from(text);
        self.0.borrow_mut().insert(made.clone(), ());
        made
    }

    /// Forgets them, keeping the room for the next ones.
    fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// Forgets them all, and the room they took.
    fn forget(&self) {
        *self.0.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0));
    }
}

thread_local! {
    /// The sources of this instance's observations: most of its facts come from one or two
    /// (`docker inspect web`), so their observations share the text.
    static SOURCES: Texts = const { Texts::new() };
}

/// `source`, shared with the instance's (or the host's) other observations from the same
/// source.
pub(super) fn source_of(source: String) -> ArcStr {
    SOURCES.with(|s| s.share(&source))
}

/// The hasher of this thread's tables: their keys are fact paths and sources of one instance,
/// a few dozen, where SipHash's resistance to chosen keys buys nothing.
type FastHash = foldhash::fast::FixedState;

/// The subject of `inst` (kind, id, name), which its sheet holds for all its results.
pub(super) fn subject(inst: &Instance) -> Subject {
    let (kind, id, name): (&str, &str, &str) = match inst {
        Instance::Container(c) => ("container", &c.id, &c.name),
        Instance::Image(i) => ("image", &i.id, i.tags.first().unwrap_or(&i.id)),
        Instance::Unread(u) => (&u.kind, &u.id, &u.name),
        Instance::None => ("", "", ""),
    };
    Subject::new(kind, id, name)
}

/// The kinds of source an instance's facts come from (`docker inspect web`, `/proc/812 of
/// container web`): each is one text for all the instance's observations from it.
#[derive(Clone, Copy)]
pub(super) enum SourceKind {
    /// The container's or image's inspect.
    Inspect,
    /// The image's history.
    History,
    /// The facts bollwerk gathered beside the inspect (/proc, the image's own).
    Facts,
    /// The container's capabilities, worked out.
    Capabilities,
    /// The container's security options, Docker's own set apart. Stays last:
    /// [`SOURCE_KINDS`] counts from it.
    SecurityOpt,
}

/// How many kinds there are: the last one's index, plus one.
const SOURCE_KINDS: usize = SourceKind::SecurityOpt as usize + 1;

thread_local! {
    /// The instance's source of each kind, once made.
    static INSTANCE_SOURCES: std::cell::RefCell<[Option<ArcStr>; SOURCE_KINDS]> =
        const { std::cell::RefCell::new([const { None }; SOURCE_KINDS]) };
}

thread_local! {
    /// Where this thread writes an instance's source before copying it.
    static SOURCE_BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The instance's source of `kind`, made by `make` the first time (its slot is what shares
/// it; the table of other sources is not needed).
pub(super) fn instance_source(kind: SourceKind, make: impl FnOnce(&mut String)) -> ArcStr {
    INSTANCE_SOURCES.with(|s| {
        s.borrow_mut()[kind as usize]
            .get_or_insert_with(|| written(&SOURCE_BUFFER, make, |text| ArcStr::from(text)))
            .clone()
    })
}

thread_local! {
    /// The sources of the host's and the daemon's numbered facts, by fact number: the same
    /// for every instance that reads them.
    static FACT_SOURCES: std::cell::RefCell<Vec<Option<ArcStr>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The source of numbered fact `n` (the host's or the daemon's), made by `make` the first time
/// this evaluation (on this thread) reads it.
pub(super) fn fact_source(n: u32, make: impl FnOnce() -> String) -> ArcStr {
    FACT_SOURCES.with(|s| {
        let mut sources = s.borrow_mut();
        let at = n as usize;
        if sources.len() <= at {
            sources.resize(at + 1, None);
        }
        sources[at].get_or_insert_with(|| make().into()).clone()
    })
}

thread_local! {
    /// Shared copies of texts held in the evaluation's documents, by address and length: a
    /// daemon setting's source is read alike by every instance.
    static HELD_SOURCES: std::cell::RefCell<HashMap<(usize, usize), ArcStr, FastHash>> =
        const { std::cell::RefCell::new(HashMap::with_hasher(FastHash::with_seed(0))) };
}

/// A shared copy of `text`, a text in a document this evaluation reads throughout (a
/// snapshot's, or the daemon's facts): made the first time this evaluation (on this thread)
/// reads it there.
pub(super) fn held_source(text: &str) -> ArcStr {
    HELD_SOURCES.with(|h| {
        let at = (text.as_ptr() as usize, text.len());
        if let Some(made) = h.borrow().get(&at) {
            return made.clone();
        }
        let made = ArcStr::from(text);
        h.borrow_mut().insert(at, made.clone());
        made
    })
}

thread_local! {
    /// The messages of this evaluation's instance results, each text once.
    static MESSAGES: Texts = const { Texts::new() };
}

/// `message`, shared with the results of this evaluation (on this thread) that say the same:
/// most instances fail or do not apply for the reasons others do.
pub(super) fn shared_message(message: String) -> ArcStr {
    MESSAGES.with(|m| m.share(&message))
}

thread_local! {
    /// Where this thread writes a message before looking it up.
    static MESSAGE_BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The message `write` writes, shared with the results of this evaluation (on this thread)
/// that say the same: written into a buffer the thread reuses, and copied only when new.
pub(super) fn shared_message_written(write: impl FnOnce(&mut String)) -> ArcStr {
    written(&MESSAGE_BUFFER, write, |text| {
        MESSAGES.with(|m| m.share(text))
    })
}

/// `keep` of the text `write` writes into `buffer`, which this thread reuses: the text is
/// copied only as far as `keep` copies it. (Messages and sources have a buffer each, so that
/// writing one never waits on the other.)
fn written<R>(
    buffer: &'static std::thread::LocalKey<std::cell::RefCell<String>>,
    write: impl FnOnce(&mut String),
    keep: impl FnOnce(&str) -> R,
) -> R {
    buffer.with(|b| {
        let mut out = b.borrow_mut();
        out.clear();
        write(&mut out);
        keep(&out)
    })
}

/// Where an element's fact sits: the list's text (address and length: a rule's own path, so
/// the same for the whole evaluation), the element's index, and the test's path (address).
type ElementAt = (usize, usize, usize, usize);

thread_local! {
    /// The names of list elements' facts, and their numbers when a rule's path names them too:
    /// `container.inspect.Mounts[2].Source` reads alike for every container.
    static ELEMENT_FACTS: std::cell::RefCell<HashMap<ElementAt, (ArcStr, Option<u32>), FastHash>> =
        const { std::cell::RefCell::new(HashMap::with_hasher(FastHash::with_seed(0))) };
}

/// The name of the element's fact at `at` and its number, made by `make` the first time this
/// evaluation (on this thread) reads it.
pub(super) fn element_fact(
    at: ElementAt,
    make: impl FnOnce() -> (String, Option<u32>),
) -> (ArcStr, Option<u32>) {
    ELEMENT_FACTS.with(|e| {
        if let Some((name, number)) = e.borrow().get(&at) {
            return (name.clone(), *number);
        }
        let (text, number) = make();
        let name = ArcStr::from(text);
        e.borrow_mut().insert(at, (name.clone(), number));
        (name, number)
    })
}

/// Where a keyed element's fact sits, beside its key: the list's text (address and length)
/// and the test's path (address), as for [`ElementAt`].
type KeyedAt = (usize, usize, usize);

/// A fact's name and its number when a rule's path names it too, by its element's key.
type ByKey = HashMap<Box<str>, (ArcStr, Option<u32>), FastHash>;

thread_local! {
    /// The names of keyed elements' facts and their numbers, by where they sit and then by
    /// key: `container.inspect.NetworkSettings.Ports["80/tcp"]` reads alike in every container
    /// that publishes port 80.
    static KEYED_FACTS: std::cell::RefCell<HashMap<KeyedAt, ByKey, FastHash>> =
        const { std::cell::RefCell::new(HashMap::with_hasher(FastHash::with_seed(0))) };
}

/// The name of the fact at `at` of the element under `key` and its number, made by `make`
/// the first time this evaluation (on this thread) reads it.
pub(super) fn keyed_element_fact(
    at: KeyedAt,
    key: &str,
    make: impl FnOnce() -> (String, Option<u32>),
) -> (ArcStr, Option<u32>) {
    KEYED_FACTS.with(|k| {
        if let Some((name, number)) = k.borrow().get(&at).and_then(|keys| keys.get(key)) {
            return (name.clone(), *number);
        }
        let (text, number) = make();
        let name = ArcStr::from(text);
        k.borrow_mut()
            .entry(at)
            .or_insert_with(|| HashMap::with_hasher(FastHash::with_seed(0)))
            .insert(key.into(), (name.clone(), number));
        (name, number)
    })
}

/// Forgets what this thread kept for one evaluation (messages, fact names): an evaluation
/// starts or has ended (the names are keyed by numbers and addresses in its rule set).
pub(super) fn forget_evaluation() {
    MESSAGES.with(Texts::forget);
    OBSERVED.with(|o| o.borrow_mut().names.clear());
    FACT_SOURCES.with(|s| s.borrow_mut().clear());
    HELD_SOURCES.with(|h| *h.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
    ELEMENT_FACTS.with(|e| *e.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
    KEYED_FACTS.with(|k| *k.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
}

/// Forgets this thread's observations: the next ones are of another instance.
pub(super) fn forget_observations() {
    INSTANCE_SOURCES.with(|s| *s.borrow_mut() = [const { None }; SOURCE_KINDS]);
    OBSERVED.with(|o| o.borrow_mut().clear());
    SOURCES.with(Texts::clear);
}
