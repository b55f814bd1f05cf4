//! What an instance's results share instead of copying: one observation per fact read
//! (`observe`), one text per source, one subject (kind, id, name). The tables are per
//! thread and hold the instance (or host) this thread is evaluating; once its rules are all
//! evaluated, its observations become the [`Sheet`] its results' evidence names by number
//! (`take_sheet`), and `forget_observations` clears the tables for the next one. A fact a
//! rule's path names as written is found by its number in the rule set
//! ([`FactKey::Numbered`]); only facts named by text worked out at evaluation (list elements,
//! placeholders) are hashed.
//!
//! Observations name their fact path and source by number ([`Texts`]): a numbered fact by its
//! number in the rule set, whose paths every sheet of the evaluation shares; a source, or a
//! fact path the rule set did not number, by its place among the instance's own texts, each
//! held once however many observations name it. So making an observation counts no
//! references: a source shared by sixty observations is copied onto the sheet once.

use std::collections::HashMap;
use std::sync::Arc;

use arcstr::ArcStr;

use serde_json::Value;

use super::super::model::Expectation;
use super::super::result::{
    Evidence, EvidenceItem, Observation, Observed, Sheet, Subject, Texts, OWN_TEXT,
};
use super::super::value::V;
use super::{Instance, Source};
use crate::doc::{Doc, Node};

/// How the tables find a fact.
#[derive(Clone, Copy)]
pub(super) enum FactKey<'k> {
    /// A fact the rule set numbered: evidence names it by that number.
    Numbered(u32),
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
    /// The instance's own texts ([`Texts`]): its sources, and the fact paths the rule set did
    /// not number.
    texts: Vec<ArcStr>,
    /// The number of the instance's source of each kind ([`SourceKind`]), once made.
    kinds: [Option<u32>; SOURCE_KINDS],
    /// The number of the source of each numbered host or daemon fact, once the instance names it.
    fact_sources: Vec<Option<u32>>,
    /// The fact numbers set in `fact_sources`, so that forgetting costs what was made.
    fact_sources_filled: Vec<u32>,
    /// The number of each source the instance's evaluation wrote, by its text.
    sources: HashMap<ArcStr, u32, FastHash>,
    /// The number of each source held in a document ([`held_source`]), by address and length.
    held: HashMap<(usize, usize), u32, FastHash>,
    /// This thread's copy of the rule set's fact paths, which the sheets it makes this
    /// evaluation share: every thread counting references on one list would move its count
    /// from core to core at every sheet. Made with the first sheet.
    shared: Option<Arc<[ArcStr]>>,
}

impl Observations {
    fn get(&self, fact: FactKey<'_>) -> Option<u32> {
        match fact {
            FactKey::Numbered(n) => *self.numbered.get(n as usize)?,
            FactKey::Named(name) => self.named.get(name).copied(),
            FactKey::Shared(name) => self.named.get(name.as_str()).copied(),
        }
    }

    /// A new observation of `fact`, `observed` from `source`; its number. A numbered fact is
    /// named by its number in the rule set; a fact named by text gets its path among the
    /// instance's own texts, and is found by it.
    fn make(&mut self, fact: FactKey<'_>, observed: Observed, source: Source) -> u32 {
        let at = u32::try_from(self.list.len()).expect("fewer than 4 billion facts read");
        let fact = match fact {
            FactKey::Numbered(n) => {
                let slot = n as usize;
                if self.numbered.len() <= slot {
                    self.numbered.resize(slot + 1, None);
                }
                self.numbered[slot] = Some(at);
                self.filled.push(n);
                n
            }
            FactKey::Shared(name) => self.own_name(name.clone(), at),
            FactKey::Named(name) => self.own_name(ArcStr::from(name), at),
        };
        // Sources are made when explaining, which is when observations are.
        let source = source.unwrap_or_else(|| self.source_written(""));
        self.list.push(Observation {
            fact,
            source,
            observed,
        });
        at
    }

    /// Adds `name`, the path of a fact the rule set did not number, observed as number `at`:
    /// its number among the instance's texts.
    fn own_name(&mut self, name: ArcStr, at: u32) -> u32 {
        self.named.insert(name.clone(), at);
        self.own_text(name)
    }

    /// Adds `text` to the instance's own texts; its number.
    fn own_text(&mut self, text: ArcStr) -> u32 {
        let at = u32::try_from(self.texts.len())
            .ok()
            .filter(|&at| at < OWN_TEXT)
            .expect("fewer than 2 billion texts on one sheet");
        self.texts.push(text);
        OWN_TEXT + at
    }

    /// The number of source `text`, added unless the instance names it already (two facts
    /// may come from one source: `stat /etc/default/docker`).
    fn source_text(&mut self, text: ArcStr) -> u32 {
        if let Some(&n) = self.sources.get(text.as_str()) {
            return n;
        }
        let n = self.own_text(text.clone());
        self.sources.insert(text, n);
        n
    }

    /// The number of source `text`, added unless the instance names it already.
    fn source_written(&mut self, text: &str) -> u32 {
        match self.sources.get(text) {
            Some(&n) => n,
            None => self.source_text(ArcStr::from(text)),
        }
    }

    /// The texts the instance's observations name, over the rule set's fact paths `names`.
    fn texts<'a>(&'a self, names: &'a [ArcStr]) -> Texts<'a> {
        Texts::new(names, &self.texts)
    }

    fn clear(&mut self) {
        for n in self.filled.drain(..) {
            self.numbered[n as usize] = None;
        }
        for n in self.fact_sources_filled.drain(..) {
            self.fact_sources[n as usize] = None;
        }
        self.named.clear();
        self.list.clear();
        self.own.clear();
        self.items.clear();
        self.docs.clear();
        self.texts.clear();
        self.kinds = [None; SOURCE_KINDS];
        self.sources.clear();
        self.held.clear();
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
            texts: Vec::new(),
            kinds: [None; SOURCE_KINDS],
            fact_sources: Vec::new(),
            fact_sources_filled: Vec::new(),
            sources: HashMap::with_hasher(FastHash::with_seed(0)),
            held: HashMap::with_hasher(FastHash::with_seed(0)),
            shared: None,
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

/// `f` of the evidence `item` names among this instance's observations, the rule set's
/// `shared` expectations and its fact paths `names`.
pub(super) fn viewed<R>(
    item: EvidenceItem,
    shared: &[Arc<Expectation>],
    names: &[ArcStr],
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
            o.texts(names),
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
            fact: seen.fact,
            source: seen.source,
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
/// `shared` expectations and its fact paths `names`, about `subject`: `None` when there is
/// neither evidence nor a subject. The tables are cleared.
pub(super) fn take_sheet(
    shared: &Arc<[Arc<Expectation>]>,
    names: &[ArcStr],
    subject: Option<Subject>,
) -> Option<Arc<Sheet>> {
    let names_given = names.len();
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let sheet = (!o.items.is_empty() || subject.is_some()).then(|| {
            // Moved into allocations of their exact size; the lists keep their room for the
            // next instance.
            let observations: Arc<[Observation]> = o.list.drain(..).collect();
            let own: Box<[Arc<Expectation>]> = o.own.drain(..).collect();
            let items: Box<[EvidenceItem]> = o.items.drain(..).collect();
            let docs: Box<[Doc]> = o.docs.drain(..).collect();
            let texts: Box<[ArcStr]> = o.texts.drain(..).collect();
            let names = o
                .shared
                .get_or_insert_with(|| names.iter().cloned().collect())
                .clone();
            // The copy is of this evaluation's rule set: forget_evaluation drops it between two.
            debug_assert_eq!(names.len(), names_given);
            let sheet = Sheet::new(observations, shared.clone(), own, items)
                .in_docs(docs)
                .with_texts(names, texts);
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
struct SharedTexts(std::cell::RefCell<HashMap<ArcStr, (), FastHash>>);

impl SharedTexts {
    const fn new() -> SharedTexts {
        SharedTexts(std::cell::RefCell::new(HashMap::with_hasher(
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

    /// Forgets them all, and the room they took.
    fn forget(&self) {
        *self.0.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0));
    }
}

/// The number of `source` among the instance's (or the host's) texts, shared with its other
/// observations from the same source.
pub(super) fn source_of(source: String) -> u32 {
    OBSERVED.with(|o| o.borrow_mut().source_written(&source))
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
    /// Where this thread writes an instance's source before copying it.
    static SOURCE_BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The number of the instance's source of `kind` among its texts, made by `make` the first
/// time (its slot is what shares it; the table of other sources is not needed).
pub(super) fn instance_source(kind: SourceKind, make: impl FnOnce(&mut String)) -> u32 {
    let slot = kind as usize;
    if let Some(n) = OBSERVED.with(|o| o.borrow().kinds[slot]) {
        return n;
    }
    let text = written(&SOURCE_BUFFER, make, |text| ArcStr::from(text));
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let n = o.source_text(text);
        o.kinds[slot] = Some(n);
        n
    })
}

thread_local! {
    /// The sources of the host's and the daemon's numbered facts, by fact number: the same
    /// for every instance that reads them.
    static FACT_SOURCES: std::cell::RefCell<Vec<Option<ArcStr>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The number among the instance's texts of the source of numbered fact `n` (the host's or
/// the daemon's), made by `make` the first time this evaluation (on this thread) reads it, and
/// copied onto the instance's texts the first time the instance names it.
pub(super) fn fact_source(n: u32, make: impl FnOnce() -> String) -> u32 {
    let at = n as usize;
    if let Some(known) = OBSERVED.with(|o| o.borrow().fact_sources.get(at).copied().flatten()) {
        return known;
    }
    let text = FACT_SOURCES.with(|s| {
        let mut sources = s.borrow_mut();
        if sources.len() <= at {
            sources.resize(at + 1, None);
        }
        sources[at].get_or_insert_with(|| make().into()).clone()
    });
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let number = o.source_text(text);
        if o.fact_sources.len() <= at {
            o.fact_sources.resize(at + 1, None);
        }
        o.fact_sources[at] = Some(number);
        o.fact_sources_filled.push(n);
        number
    })
}

thread_local! {
    /// Shared copies of texts held in the evaluation's documents, by address and length: a
    /// daemon setting's source is read alike by every instance.
    static HELD_SOURCES: std::cell::RefCell<HashMap<(usize, usize), ArcStr, FastHash>> =
        const { std::cell::RefCell::new(HashMap::with_hasher(FastHash::with_seed(0))) };
}

/// The number among the instance's texts of source `text`, a text in a document this
/// evaluation reads throughout (a snapshot's, or the daemon's facts): copied the first time
/// this evaluation (on this thread) reads it there, and onto the instance's texts the first
/// time the instance names it.
pub(super) fn held_source(text: &str) -> u32 {
    let at = (text.as_ptr() as usize, text.len());
    if let Some(known) = OBSERVED.with(|o| o.borrow().held.get(&at).copied()) {
        return known;
    }
    let made = HELD_SOURCES.with(|h| {
        if let Some(made) = h.borrow().get(&at) {
            return made.clone();
        }
        let made = ArcStr::from(text);
        h.borrow_mut().insert(at, made.clone());
        made
    });
    OBSERVED.with(|o| {
        let mut o = o.borrow_mut();
        let number = o.source_text(made);
        o.held.insert(at, number);
        number
    })
}

thread_local! {
    /// The messages of this evaluation's instance results, each text once.
    static MESSAGES: SharedTexts = const { SharedTexts::new() };
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
    MESSAGES.with(SharedTexts::forget);
    OBSERVED.with(|o| o.borrow_mut().shared = None);
    FACT_SOURCES.with(|s| s.borrow_mut().clear());
    HELD_SOURCES.with(|h| *h.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
    ELEMENT_FACTS.with(|e| *e.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
    KEYED_FACTS.with(|k| *k.borrow_mut() = HashMap::with_hasher(FastHash::with_seed(0)));
}

/// Forgets this thread's observations: the next ones are of another instance.
pub(super) fn forget_observations() {
    OBSERVED.with(|o| o.borrow_mut().clear());
}
