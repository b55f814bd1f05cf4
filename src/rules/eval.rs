//! The evaluator: rules + snapshot → results. Pure: no I/O, no clock.
//!
//! Two entry points share one implementation:
//! * [`evaluate`] explains: every result carries its evidence and messages (reports need them);
//! * [`decide`] only decides: the status of every rule and of every container and image, with
//!   rule-level messages, building no evidence or message text for instances. It answers
//!   "what fails?" for a large host in a fraction of the time; [`evaluate_with`] explains only
//!   the findings.
//!
//! Both run the same code: text is built only when `Context::explain` is set, and statuses
//! never depend on text, so the two always agree (a test checks this over synthetic hosts).
//! Containers and images are evaluated on as many threads as there are cores.
//!
//! Every fact is read as a document node (`lookup.rs`): host and daemon documents are built
//! once per evaluation; an image's or a container's facts are documents the snapshot keeps
//! (built as collection finishes), so evidence points into them and copies no value.
//!
//! Evidence refers instead of copying (`observe.rs`): the tests of one instance (or of the
//! host) that read the same fact share one
//! [`Observation`](super::result::Observation) (a value found in a snapshot's document stays
//! there, named by the document's number and the node's place, and observations from one
//! source share its text). Once an instance's rules are all evaluated, its observations, the
//! documents their values are in, its results' tests and its
//! [`Subject`](super::result::Subject) (kind, id, name) become one
//! [`Sheet`](super::result::Sheet): each result's evidence is a run of the sheet's tests,
//! which name observations and the rule set's expectations by number (twelve bytes a test).
//! report.json writes each observation and expectation once (see `report::json`).
//!
//! Explaining writes only what a report shows: an observation is found by its fact's number
//! in the rule set, a source is written once per instance and kind, a failed test's message
//! only when it becomes the result's (`Why`), a value in a message only as far as shown
//! (`compact`), and each result's evidence is allocated once, at its size.
//!
//! Layout: this file holds the entry points, the per-instance loop and the checks and
//! operators; `lookup.rs` where a fact's value is found; `observe.rs` what an instance's
//! results share; `tests.rs` each operator and combinator over hand-made snapshots.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use serde_json::{json, Value};

use super::model::Expectation;
use super::model::{
    Check, ListExpectation, Missing, Op, Operand, Rule, Scope, Status, Test, Unmet,
};
use super::path::{render, render_onto, FactNumbers, FactPath, Root, Segment};
use super::result::{
    Evidence, EvidenceItem, EvidenceList, Found, InstanceResult, Observed, RuleResult,
};
use super::value::{Member, V};
use super::{places, Params, RuleSet};
use crate::doc::{Doc, KeyHint};
use crate::facts::placeholder::substitute;
use crate::snapshot::{AuditRule, ContainerFacts, ImageFacts, Snapshot, UnreadInstance};
use crate::wording;

/// Words for a place a remediation names that this host did not show (`bin:dockerd` → "the
/// dockerd binary").
fn generic_place(placeholder: &str) -> String {
    let (kind, name) = placeholder.split_once(':').unwrap_or(("", placeholder));
    match kind {
        "bin" => format!("the {name} binary"),
        "unit" => format!("the {name} unit file"),
        "socket" => format!("the {name} socket"),
        "config" => format!("the {name} in force"),
        "dir" if name == "docker-root" => "the Docker root directory".into(),
        "setting" => format!("the file the {name} setting names"),
        _ => format!("the {name}"),
    }
}

/// Evaluates every rule of `rules` over `snapshot`, with evidence.
pub fn evaluate(rules: &RuleSet, snapshot: &Snapshot, params: &Params) -> Vec<RuleResult> {
    let bound = places::bind(rules, &snapshot.host.further_locations);
    let rules = bound.as_ref().unwrap_or(rules);
    let facts = Facts::new(rules, snapshot, params);
    let ctx = facts.context(true);
    let refs: Vec<&Rule> = rules.rules.iter().collect();
    let instances = ctx.per_instance(&refs, |rule, inst| ctx.instance(rule, inst));
    let results = refs
        .iter()
        .zip(instances)
        .map(|(rule, inst)| ctx.rule(rule, inst))
        .collect();
    ctx.on_host_sheet(results)
}

/// How much of each result to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Evidence and messages for everything (reports that list every instance).
    All,
    /// Evidence and messages only for instances that fail or could not be decided; the others
    /// get their status with no message and no evidence (the terminal summary shows no more).
    Findings,
}

/// [`evaluate`], explaining only as much as `detail` asks for.
pub fn evaluate_with(
    rules: &RuleSet,
    snapshot: &Snapshot,
    params: &Params,
    detail: Detail,
) -> Vec<RuleResult> {
    if detail == Detail::All {
        return evaluate(rules, snapshot, params);
    }
    let bound = places::bind(rules, &snapshot.host.further_locations);
    let rules = bound.as_ref().unwrap_or(rules);
    let facts = Facts::new(rules, snapshot, params);
    let (full, fast) = (facts.context(true), facts.context(false));
    let refs: Vec<&Rule> = rules.rules.iter().collect();
    let instances = fast.per_instance(&refs, |rule, inst| {
        let result = fast.instance(rule, inst);
        if matches!(result.status, Status::Fail | Status::Error) {
            full.instance(rule, inst)
        } else {
            result
        }
    });
    let results = refs
        .iter()
        .zip(instances)
        .map(|(rule, inst)| full.rule(rule, inst))
        .collect();
    full.on_host_sheet(results)
}

/// The status of a rule and of each of its instances, without evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Overall status, as [`RuleResult::status`].
    pub status: Status,
    /// Rule-level message, as [`RuleResult::message`].
    pub message: Option<String>,
    /// For per-instance rules, each container's or image's status, in snapshot order.
    pub instances: Vec<Status>,
}

/// Decides every rule of `rules` over `snapshot` without building evidence (see the module
/// documentation). `decide(..)[i]` agrees with `evaluate(..)[i]` on every status and on the
/// rule-level message.
pub fn decide(rules: &RuleSet, snapshot: &Snapshot, params: &Params) -> Vec<Decision> {
    let bound = places::bind(rules, &snapshot.host.further_locations);
    let rules = bound.as_ref().unwrap_or(rules);
    let facts = Facts::new(rules, snapshot, params);
    let (full, fast) = (facts.context(true), facts.context(false));
    let refs: Vec<&Rule> = rules.rules.iter().collect();
    // Not explaining, the decision records no evidence: the list never allocates.
    let instances = fast.per_instance(&refs, |rule, inst| {
        fast.decide(rule, &inst, &mut Vec::new()).0
    });
    let decisions = refs
        .iter()
        .zip(instances)
        .map(|(rule, statuses)| match statuses {
            // As `rule` decides it: an engine mismatch overrides every instance.
            Some(_) if full.not_dockerd(rule).is_some() => Decision {
                status: Status::NotApplicable,
                message: full.not_dockerd(rule),
                instances: Vec::new(),
            },
            Some(statuses) => {
                let (status, message) = fast.roll_up(rule.scope, &statuses.tally);
                Decision {
                    status,
                    message,
                    instances: statuses.results,
                }
            }
            None => {
                let r = full.rule(rule, None);
                Decision {
                    status: r.status,
                    message: r.message,
                    instances: Vec::new(),
                }
            }
        })
        .collect();
    // The host rules' evidence was made for their messages only.
    forget_observations();
    decisions
}

/// Decisions (instances × rules) below this count run on the calling thread: starting
/// threads (tens of microseconds) would cost more than it saves. 100 containers × 41 rules
/// take about a millisecond to decide and ten to explain, so they are worth it.
const PARALLEL_FROM: usize = 2048;

/// One per-instance rule's results, in snapshot order, and how many have each status.
struct Column<T> {
    results: Vec<T>,
    tally: Tally,
}

impl<T: OnSheet> Column<T> {
    fn of(results: Vec<T>) -> Column<T> {
        let tally = Tally::of(results.iter().map(T::status));
        Column { results, tally }
    }
}

/// How many of a rule's instances have each status (by [`Status::badness`]): all its
/// roll-up reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally([usize; Status::ALL.len()]);

impl Tally {
    fn of(statuses: impl IntoIterator<Item = Status>) -> Tally {
        let mut tally = Tally::default();
        for s in statuses {
            tally.0[usize::from(s.badness())] += 1;
        }
        tally
    }

    fn count(&self, status: Status) -> usize {
        self.0[usize::from(status.badness())]
    }

    fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The worst status any instance has ([`Status::badness`]); notapplicable for none.
    fn worst(&self) -> Status {
        Status::ALL
            .into_iter()
            .filter(|&s| self.count(s) > 0)
            .max_by_key(|s| s.badness())
            .unwrap_or(Status::NotApplicable)
    }
}

/// ", N not checked" when `n` instances are `notchecked` beside a worse status.
fn unchecked_too(n: usize) -> String {
    match n {
        0 => String::new(),
        n => format!(", {n} not checked"),
    }
}

/// Most instances per unit of work handed to a thread (fewer when there are few instances,
/// so that the threads' shares stay even).
const BLOCK: usize = 64;

/// The rows `row(i)` of `(0..n)`, each `width` values long, turned into `width` columns of
/// `n` values, each then made into `finish` of it; on as many threads as there are cores when
/// `n × width` reaches `from`. Threads take blocks of rows from a shared counter, so a thread
/// slowed by other work on the machine does not hold up the others, and move each finished
/// block into the columns at once: all rows are never held beside all columns (with evidence,
/// that would be a second copy of every result). They then finish the columns, one each.
fn par_columns<T: Send, C: Send>(
    n: usize,
    width: usize,
    from: usize,
    finish: impl Fn(Vec<T>) -> C + Sync,
    row: impl Fn(usize) -> Vec<T> + Sync,
) -> Vec<C> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    if n.saturating_mul(width) < from || threads < 2 {
        let mut columns: Vec<Vec<T>> = (0..width).map(|_| Vec::with_capacity(n)).collect();
        for i in 0..n {
            for (column, value) in columns.iter_mut().zip(row(i)) {
                column.push(value);
            }
        }
        return columns.into_iter().map(finish).collect();
    }
    let block = (n / (threads * 8)).clamp(1, BLOCK);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Slots filled out of order, block by block; `Option<T>` is as large as `T` for results
    // (their `Arc`s leave a niche), so unwrapping them below reuses the same memory.
    let slots: std::sync::Mutex<Vec<Vec<Option<T>>>> = std::sync::Mutex::new(
        (0..width)
            .map(|_| std::iter::repeat_with(|| None).take(n).collect())
            .collect(),
    );
    let (row, next, slots_ref) = (&row, &next, &slots);
    let work = move || loop {
        let start = next.fetch_add(block, std::sync::atomic::Ordering::Relaxed);
        if start >= n {
            return;
        }
        let rows: Vec<Vec<T>> = (start..(start + block).min(n)).map(row).collect();
        let mut slots = slots_ref.lock().unwrap_or_else(|p| p.into_inner());
        for (offset, values) in rows.into_iter().enumerate() {
            for (column, value) in slots.iter_mut().zip(values) {
                column[start + offset] = Some(value);
            }
        }
    };
    on_threads(threads, work);
    // Unwrapping and finishing go over every value once more: on every core too.
    let filled: Vec<std::sync::Mutex<Option<Vec<Option<T>>>>> = slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|column| std::sync::Mutex::new(Some(column)))
        .collect();
    let finished: Vec<std::sync::Mutex<Option<C>>> =
        filled.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (filled, finished, finish, next) = (&filled, &finished, &finish, &next);
    on_threads(threads.min(width), move || loop {
        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Some(slot) = filled.get(c) else {
            return;
        };
        let column = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        let values = column
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.expect("every row was evaluated"))
            .collect();
        *finished[c].lock().unwrap_or_else(|p| p.into_inner()) = Some(finish(values));
    });
    finished
        .iter()
        .map(|f| {
            f.lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .expect("every column was finished")
        })
        .collect()
}

/// Runs `work` on `threads` threads, the calling thread one of them (one fewer to start);
/// a panic in any is raised again here.
fn on_threads(threads: usize, work: impl Fn() + Sync) {
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        work();
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

/// Marks the failed tests of an `any`'s alternatives tried before the one that holds as
/// `notapplicable`: the alternative was not the one that applies (a folder's "0444 or
/// stricter" where a folder may be 0755). They stay in the evidence, naming what was tried,
/// but no report takes them for what fails (SARIF's locations, the fix list's cause).
fn not_taken(tried: &mut [EvidenceItem]) {
    for e in tried.iter_mut().filter(|e| e.outcome == Status::Fail) {
        e.outcome = Status::NotApplicable;
    }
}

/// Why a fact path's placeholders were not all replaced by places ([`Context::concrete`]).
#[derive(Debug)]
enum Unplaced {
    /// This placeholder found nothing on the host.
    NotFound(String),
    /// Where a placeholder is rests on what collection could not read: its collection error.
    InDoubt(String),
}

/// The outcome of a check before it becomes a status: `Skip` drops out of combinations.
/// Messages are empty when the context does not explain.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Pass,
    /// Failed; the message says which fact and why.
    Fail(Why),
    Skip(String),
    NotApplicable(String),
    Error(String),
    NotChecked(String),
}

impl Verdict {
    fn status(&self) -> Status {
        match self {
            Verdict::Pass => Status::Pass,
            Verdict::Fail(_) => Status::Fail,
            Verdict::Skip(_) | Verdict::NotApplicable(_) => Status::NotApplicable,
            Verdict::Error(_) => Status::Error,
            Verdict::NotChecked(_) => Status::NotChecked,
        }
    }

    /// The message; `ev` is the evidence recorded so far, which a failure may name.
    fn message(self, ev: Recorded<'_>) -> Option<String> {
        match self {
            Verdict::Pass => None,
            Verdict::Fail(why) => Some(why.text(ev)),
            Verdict::Skip(m)
            | Verdict::NotApplicable(m)
            | Verdict::Error(m)
            | Verdict::NotChecked(m) => Some(m),
        }
    }
}

thread_local! {
    /// The evidence of the decision under way on this thread (see [`Context::instance`]).
    static EVIDENCE: std::cell::Cell<Vec<EvidenceItem>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Why a check failed: a message, the evidence it recorded (at that index of the decision's
/// evidence), or the reasons each check of an `any` failed for. Most failures never reach a
/// message (an `any` that another test passes, a `not`, all but the first failure of an
/// `all`), so their message is written only when shown.
#[derive(Debug, Clone, PartialEq)]
enum Why {
    Text(String),
    Evidence(usize),
    AllOf(Vec<Why>),
    /// A `not` whose check holds, with the evidence it recorded last.
    Holds(Option<usize>),
}

impl Why {
    fn text(self, ev: Recorded<'_>) -> String {
        match self {
            Why::Text(m) => m,
            Why::Evidence(i) => ev.fail_message(i).unwrap_or_default(),
            why @ (Why::AllOf(_) | Why::Holds(_)) => {
                let mut text = String::new();
                why.text_onto(ev, &mut text);
                text
            }
        }
    }

    /// Appends [`Why::text`] to `out`.
    fn text_onto(self, ev: Recorded<'_>, out: &mut String) {
        match self {
            Why::Text(m) => out.push_str(&m),
            Why::Evidence(i) => {
                ev.with(i, |e| fail_message_onto(out, &e));
            }
            Why::AllOf(reasons) => {
                for (i, why) in reasons.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str("; and ");
                    }
                    why.text_onto(ev, out);
                }
            }
            Why::Holds(last) => {
                let written = last.and_then(|i| {
                    ev.with(i, |e| {
                        out.push_str(e.fact());
                        out.push_str(": found ");
                        compact_onto(out, seen(&e));
                        out.push_str(", which must not be ");
                        out.push_str(e.expected_for_people());
                    })
                });
                if written.is_none() {
                    out.push_str("a condition that must not hold holds");
                }
            }
        }
    }
}

/// The evidence a decision has recorded so far, with the rule set's expectations its items
/// name: what its messages are written from.
#[derive(Clone, Copy)]
struct Recorded<'x> {
    items: &'x [EvidenceItem],
    shared: &'x [Arc<Expectation>],
    /// The rule set's fact paths, which observations of numbered facts name.
    names: &'x [arcstr::ArcStr],
}

impl Recorded<'_> {
    /// `f` of the `i`th item's evidence.
    fn with<R>(&self, i: usize, f: impl FnOnce(Evidence<'_>) -> R) -> Option<R> {
        Some(viewed(*self.items.get(i)?, self.shared, self.names, f))
    }

    /// "fact: found X, expected Y" for the `i`th item, a failed test.
    fn fail_message(&self, i: usize) -> Option<String> {
        self.with(i, |e| fail_message(&e))
    }

    /// Appends why a precondition did not hold to `out`: the facts it read.
    fn applies_reason_onto(&self, out: &mut String) {
        for i in 0..self.items.len() {
            self.with(i, |e| {
                if i > 0 {
                    out.push_str("; ");
                }
                out.push_str(e.fact());
                out.push_str(" is ");
                compact_onto(out, seen(&e));
            });
        }
    }
}

/// A decision's message. Most are a failed test's evidence or the facts a precondition read:
/// a result's is written into a buffer the thread reuses and copied only when no result said
/// it before (see [`Context::instance`]).
enum Message {
    /// Written already.
    Text(String),
    /// "fact: found X, expected Y" of the decision's evidence at this index.
    Failed(usize),
    /// "does not apply: " and the facts the decision's evidence read.
    NotApplying,
}

/// The instance a per-instance rule is looking at.
#[derive(Clone, Copy)]
enum Instance<'a> {
    None,
    /// A container read.
    Container(&'a ContainerFacts),
    /// An image read.
    Image(&'a ImageFacts),
    /// A container or image the daemon listed but that could not be read: `error` in every
    /// rule of its scope.
    Unread(&'a UnreadInstance),
}

/// What every evaluation reads, prepared once.
struct Facts<'a> {
    snapshot: &'a Snapshot,
    params: &'a Params,
    /// Where each key of each rule's fact paths was last found (by
    /// [`FactPath::hint_slot`]): the instances' documents share their layout, so the next
    /// lookup usually finds the key there without a search.
    hints: Box<[KeyHint]>,
    /// Host and daemon facts as documents, so that every lookup is a binary search.
    host: Doc,
    daemon: Doc,
    errors: HashMap<&'a str, &'a str>,
    not_collected: HashMap<&'a str, &'a str>,
    /// Roots (`daemon`, `host`, `image`) under which some fact has an error or was not
    /// collected: a handful, so a list beats hashing on every lookup.
    error_roots: Vec<Root>,
    /// Whether some image has an error of its own (`images["ID"]…`).
    image_errors: bool,
    /// The facts the rules' paths name, numbered (the rule set's own table).
    fact_numbers: &'a FactNumbers,
    /// The expectations of the rule set's tests, by number: the sheets' shared ones.
    expectations: &'a Arc<[Arc<Expectation>]>,
    /// Containers and images listed but not read, each after the ones that were.
    unread_containers: Vec<&'a UnreadInstance>,
    unread_images: Vec<&'a UnreadInstance>,
}

impl<'a> Facts<'a> {
    /// A context over these facts that builds evidence and messages when `explain` is set.
    fn context(&self, explain: bool) -> Context<'_, 'a> {
        Context {
            facts: self,
            explain,
        }
    }

    fn new(rules: &'a RuleSet, snapshot: &'a Snapshot, params: &'a Params) -> Facts<'a> {
        forget_observations();
        forget_evaluation();
        Facts {
            snapshot,
            params,
            fact_numbers: rules.fact_numbers(),
            expectations: rules.expectations(),
            hints: (0..rules.hint_slots())
                .map(|_| KeyHint::default())
                .collect(),
            host: Doc::of(&snapshot.host).unwrap_or_default(),
            daemon: Doc::of(&snapshot.daemon).unwrap_or_default(),
            errors: snapshot
                .errors
                .iter()
                .map(|e| (e.fact.as_str(), e.message.as_str()))
                .collect(),
            not_collected: snapshot
                .not_collected
                .iter()
                .map(|e| (e.fact.as_str(), e.message.as_str()))
                .collect(),
            error_roots: {
                let mut roots: Vec<Root> = Vec::new();
                for e in snapshot.errors.iter().chain(&snapshot.not_collected) {
                    let root = e.fact.split(['.', '[']).next().unwrap_or("");
                    let kind = Root::of(root);
                    if !roots.contains(&kind) {
                        roots.push(kind);
                    }
                }
                roots
            },
            image_errors: snapshot
                .errors
                .iter()
                .any(|e| e.fact.starts_with("images[")),
            unread_containers: snapshot
                .unread
                .iter()
                .filter(|u| u.kind == "container")
                .collect(),
            unread_images: snapshot
                .unread
                .iter()
                .filter(|u| u.kind == "image")
                .collect(),
        }
    }
}

/// The facts, and whether to build evidence and messages.
#[derive(Clone, Copy)]
struct Context<'f, 'a> {
    facts: &'f Facts<'a>,
    explain: bool,
}

impl<'a> Deref for Context<'_, 'a> {
    type Target = Facts<'a>;

    fn deref(&self) -> &Facts<'a> {
        self.facts
    }
}

/// The element an `every` is looking at: the root `item` inside it.
struct Item<'v> {
    value: V<'v>,
    /// The list's path in evidence (empty when not explaining) and the element's place in
    /// it: evidence names a fact of the element as both, written once per fact read.
    list: &'v str,
    /// Whether `list` is a rule's own path, named alike for every instance.
    named_alike: bool,
    member: Member<'v>,
    source: Source,
}

impl Item<'_> {
    /// Appends where the element sits (`container.inspect.Mounts[2]`) to `out`.
    fn place_onto(&self, out: &mut String) {
        use std::fmt::Write;
        out.push_str(self.list);
        let _ = match self.member {
            Member::Index(usize::MAX) => Ok(()),
            Member::Index(i) => write!(out, "[{i}]"),
            Member::Key(k) => write!(out, "[\"{k}\"]"),
        };
    }
}

/// How a fact reads in evidence: a rule's own path, a list element's fact named alike for
/// every instance (with its number, when a rule's path names it too), or written for this test.
enum FactText<'p> {
    Borrowed(&'p str),
    Shared(arcstr::ArcStr, Option<u32>),
    Owned(String),
}

impl Deref for FactText<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            FactText::Borrowed(b) => b,
            FactText::Shared(s, _) => s,
            FactText::Owned(o) => o,
        }
    }
}

/// Where a value came from (`docker inspect web`), as evidence names it: the number of its
/// text on the instance's sheet, shared by the observations from the same source, and `None`
/// when the context does not explain.
type Source = Option<u32>;

/// A fact read from the snapshot.
enum Lookup<'v> {
    Found {
        value: V<'v>,
        source: Source,
    },
    Missing(Source),
    Error(String),
    /// Left out on purpose; the message names the option that gathers it.
    NotCollected(String),
}

/// Folds the verdicts of `all` or `any` as they come.
struct Combination {
    conjunction: bool,
    explain: bool,
    fail: Option<Verdict>,
    pass: bool,
    error: Option<Verdict>,
    not_checked: Option<Verdict>,
    not_applicable: Option<Verdict>,
    first_skip: Option<Verdict>,
    decided: bool,
    reasons: Vec<Why>,
}

impl Combination {
    fn new(conjunction: bool, explain: bool) -> Combination {
        Combination {
            conjunction,
            explain,
            fail: None,
            pass: false,
            error: None,
            not_checked: None,
            not_applicable: None,
            first_skip: None,
            decided: false,
            reasons: Vec::new(),
        }
    }

    /// Adds one verdict; true when the rest need not be evaluated: the outcome can no longer
    /// change. While explaining, an `all` that fails goes on, so that its evidence names every
    /// reason to fix; an `any` that holds stops there, as the test that holds is its evidence
    /// and what the others would say adds nothing to it.
    fn add(&mut self, v: Verdict) -> bool {
        match v {
            Verdict::Pass => {
                self.pass = true;
                self.decided = true;
            }
            Verdict::Fail(why) => {
                self.decided = true;
                if !self.conjunction && self.explain {
                    self.reasons.push(why.clone());
                }
                if self.fail.is_none() {
                    self.fail = Some(Verdict::Fail(why));
                }
            }
            Verdict::Skip(_) => {
                if self.first_skip.is_none() {
                    self.first_skip = Some(v);
                }
            }
            Verdict::Error(_) => {
                self.error.get_or_insert(v);
            }
            Verdict::NotChecked(_) => {
                self.not_checked.get_or_insert(v);
            }
            Verdict::NotApplicable(_) => {
                self.not_applicable.get_or_insert(v);
            }
        }
        if self.conjunction {
            !self.explain && self.fail.is_some()
        } else {
            self.pass
        }
    }

    /// The combined verdict.
    fn verdict(self) -> Verdict {
        if self.conjunction {
            if let Some(f) = self.fail {
                return f;
            }
        } else if self.pass {
            return Verdict::Pass;
        }
        if let Some(v) = self.error.or(self.not_checked).or(self.not_applicable) {
            return v;
        }
        if !self.decided {
            return self
                .first_skip
                .unwrap_or(Verdict::Skip("nothing to check".into()));
        }
        if self.conjunction {
            Verdict::Pass
        } else {
            // A reason each test of an `any` failed for, written into one text if shown.
            Verdict::Fail(Why::AllOf(self.reasons))
        }
    }
}

impl<'f, 'a> Context<'f, 'a> {
    /// The source `make` names, when explaining: shared with the instance's (or the host's)
    /// other observations from it.
    fn source(&self, make: impl FnOnce() -> String) -> Source {
        self.explain.then(|| source_of(make()))
    }

    /// The source of the host's or the daemon's fact `path` reads, when explaining: the same
    /// for every instance, so made once per evaluation (on this thread) when the rule set
    /// numbers the path, instead of once per instance.
    fn fact_source(&self, path: &FactPath, make: impl FnOnce() -> String) -> Source {
        if !self.explain {
            return None;
        }
        Some(match path.fact_number() {
            // Its segments are the path's own, which name the same fact for every instance.
            Some(n) if !path.has_placeholders() => fact_source(n, make),
            _ => source_of(make()),
        })
    }

    /// The source a sourced value carries (`/etc/docker/daemon.json:3`), when explaining: a
    /// text in a document the evaluation reads throughout, made into a shared one once.
    fn held_source(&self, text: &str) -> Source {
        self.explain.then(|| held_source(text))
    }

    /// The source of one of the instance's own kinds (`docker inspect web`), when explaining:
    /// made once per instance, not once per fact.
    fn instance_source(&self, kind: SourceKind, make: impl FnOnce(&mut String)) -> Source {
        self.explain.then(|| instance_source(kind, make))
    }

    /// Builds text only when explaining.
    fn text(&self, make: impl FnOnce() -> String) -> String {
        if self.explain {
            make()
        } else {
            String::new()
        }
    }

    /// The number of instances `rule` is evaluated on one by one, or `None` when it has one
    /// result for the whole host (rule-level, manual, or no daemon).
    fn instance_count(&self, rule: &Rule) -> Option<usize> {
        if rule.check.is_none() || !self.snapshot.daemon.reachable {
            return None;
        }
        match rule.scope {
            Scope::EachContainer | Scope::EachImage => Some(self.instances_in(rule.scope)),
            Scope::Host | Scope::Daemon => None,
        }
    }

    /// How many containers or images (`scope`) the daemon named: those read, then those not.
    fn instances_in(&self, scope: Scope) -> usize {
        match scope {
            Scope::EachContainer => self.snapshot.containers.len() + self.unread_containers.len(),
            Scope::EachImage => self.snapshot.images.len() + self.unread_images.len(),
            Scope::Host | Scope::Daemon => 0,
        }
    }

    /// The `i`th instance of `rule`'s scope: the read ones first, then the unread.
    fn instance_at(&self, rule: &Rule, i: usize) -> Instance<'a> {
        let (containers, images) = (&self.snapshot.containers, &self.snapshot.images);
        match rule.scope {
            Scope::EachContainer if i < containers.len() => Instance::Container(&containers[i]),
            Scope::EachContainer => Instance::Unread(self.unread_containers[i - containers.len()]),
            Scope::EachImage if i < images.len() => Instance::Image(&images[i]),
            Scope::EachImage => Instance::Unread(self.unread_images[i - images.len()]),
            Scope::Host | Scope::Daemon => Instance::None,
        }
    }

    /// Why the daemon's list of `scope`'s instances is missing, when it could not be read:
    /// then no instance is known and the rule cannot be decided.
    fn list_error(&self, scope: Scope) -> Option<&'a str> {
        let fact = match scope {
            Scope::EachContainer => "containers",
            Scope::EachImage => "images",
            Scope::Host | Scope::Daemon => return None,
        };
        self.errors.get(fact).copied()
    }

    /// For every rule evaluated instance by instance, `f` of each instance in snapshot order;
    /// `None` for the others. Instances are the outer loop: one container's documents stay in
    /// the CPU cache while all rules read them, which matters more than anything else here.
    ///
    /// Every fact a rule reads is a node of a document the snapshot holds (an inspect, or
    /// [`ContainerFacts::facts_doc`] and [`ImageFacts::facts_doc`], built with the snapshot),
    /// so evidence points at the node and copies no value.
    fn per_instance<T: Send + OnSheet>(
        &self,
        rules: &[&Rule],
        f: impl Fn(&Rule, Instance<'_>) -> T + Sync,
    ) -> Vec<Option<Column<T>>> {
        let mut out: Vec<Option<Column<T>>> = rules.iter().map(|_| None).collect();
        for scope in [Scope::EachContainer, Scope::EachImage] {
            let chosen: Vec<usize> = (0..rules.len())
                .filter(|&i| rules[i].scope == scope && self.instance_count(rules[i]).is_some())
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let n = self.instances_in(scope);
            // Explaining an evaluation costs several times deciding it: threads pay off sooner.
            let from = if T::ON_SHEET {
                PARALLEL_FROM / 4
            } else {
                PARALLEL_FROM
            };
            let columns = par_columns(n, chosen.len(), from, Column::of, |i| {
                let read_container =
                    scope == Scope::EachContainer && i < self.snapshot.containers.len();
                if read_container {
                    self.snapshot.containers[i].inspect.warm();
                    // The next container's documents load while this one is evaluated: most
                    // of a decision's time was waiting for them on first touch.
                    if let Some(next) = self.snapshot.containers.get(i + 1) {
                        next.inspect.prefetch();
                        next.facts_doc().prefetch();
                    }
                }
                forget_observations();
                let mut results = chosen
                    .iter()
                    .map(|&r| f(rules[r], self.instance_at(rules[r], i)))
                    .collect::<Vec<T>>();
                // The instance's observations are all made: its results share them, and its
                // subject.
                if T::ON_SHEET {
                    let about = subject(&self.instance_at(rules[chosen[0]], i));
                    if let Some(sheet) =
                        take_sheet(self.expectations, self.fact_numbers.names(), Some(about))
                    {
                        results.iter_mut().for_each(|r| r.attach(&sheet));
                    }
                }
                results
            });
            for (&r, column) in chosen.iter().zip(columns) {
                out[r] = Some(column);
            }
        }
        // Host and daemon rules come next on this thread, which may have evaluated instances;
        // the instances' messages are all made.
        forget_observations();
        forget_evaluation();
        out
    }

    /// The result of `rule`; `instances` holds its per-instance results when it has them.
    fn rule(&self, rule: &Rule, instances: Option<Column<InstanceResult>>) -> RuleResult {
        let mut result = RuleResult {
            id: rule.id.clone(),
            id_1_6_0: rule.id_1_6_0.clone(),
            id_1_8_0: None,
            section: rule.section().to_string(),
            title: rule.title.clone(),
            level: rule.level,
            assessment: rule.assessment,
            severity: rule.severity,
            scope: rule.scope,
            status: Status::NotChecked,
            message: None,
            evidence: EvidenceList::default(),
            instances: Vec::new(),
            description: rule.description.clone(),
            rationale: rule.rationale.clone(),
            impact: rule.impact.clone(),
            remediation: self.remediation(rule),
            references: rule.references.clone(),
            exception: None,
            waived: false,
        };
        // Before anything else: a rule whose definition is unusable decides nothing.
        if let Some(why) = &rule.invalid {
            result.status = Status::Error;
            result.message = Some(why.clone());
            return result;
        }
        if let Some(why) = self.not_dockerd(rule) {
            result.status = Status::NotApplicable;
            result.message = Some(why);
            return result;
        }
        let needs_daemon = rule.scope != Scope::Host;
        if rule.check.is_none() {
            // A manual rule that cannot apply here (no swarm, say) is notapplicable, not a task.
            let decidable = !needs_daemon || self.snapshot.daemon.reachable;
            let rule_level = matches!(rule.scope, Scope::Host | Scope::Daemon);
            if let (Some(cond), true, true) = (&rule.applies_when, decidable, rule_level) {
                let mut evidence = Vec::new();
                if let Verdict::Fail(_) = self.check(cond, &Instance::None, None, &mut evidence) {
                    result.status = Status::NotApplicable;
                    result.message = Some(self.said(Message::NotApplying, &evidence));
                    result.evidence = pending(&mut evidence);
                    return result;
                }
            }
            result.message =
                Some("needs a person: follow the description and remediation to assess it".into());
            return result;
        }
        if needs_daemon && !self.snapshot.daemon.reachable {
            result.status = Status::Error;
            result.message = Some(self.daemon_error());
            return result;
        }
        match instances {
            None => {
                let mut evidence = Vec::new();
                let (status, message) = self.decide(rule, &Instance::None, &mut evidence);
                result.status = status;
                result.message = message.map(|m| self.said(m, &evidence));
                result.evidence = pending(&mut evidence);
            }
            Some(instances) => {
                (result.status, result.message) = self.roll_up(rule.scope, &instances.tally);
                result.instances = instances.results;
            }
        }
        result
    }

    /// Why a rule on dockerd itself does not apply: another engine serves the API.
    fn not_dockerd(&self, rule: &Rule) -> Option<String> {
        let server = self.snapshot.daemon.server.as_ref()?;
        (rule.requires_dockerd && !server.dockerd).then(|| {
            format!(
                "the API is served by {} {}, not dockerd",
                server.product, server.version
            )
        })
    }

    fn daemon_error(&self) -> String {
        self.errors
            .get("daemon")
            .map(|m| m.to_string())
            .unwrap_or_else(|| {
                format!(
                    "cannot reach the Docker daemon at {}",
                    self.snapshot.docker_host
                )
            })
    }

    fn instance(&self, rule: &Rule, inst: Instance) -> InstanceResult {
        // Made in a list this thread reuses, then moved into one of its exact size: kept for
        // the whole report, with no room to spare and no reallocation on the way (most
        // instances hold one or two).
        let mut scratch = EVIDENCE.take();
        let (status, message) = self.decide(rule, &inst, &mut scratch);
        let message = message.map(|m| self.said_shared(m, &scratch));
        let evidence = pending(&mut scratch);
        EVIDENCE.set(scratch);
        // Its subject is on the sheet attached once the instance's rules are all evaluated.
        InstanceResult {
            status,
            message,
            evidence,
            exception: None,
        }
    }

    /// The rule's status is the worst of its instances'.
    fn roll_up(&self, scope: Scope, statuses: &Tally) -> (Status, Option<String>) {
        let (one, many) = if scope == Scope::EachContainer {
            ("container", "containers")
        } else {
            ("image", "images")
        };
        if let Some(why) = self.list_error(scope) {
            return (
                Status::Error,
                Some(format!(
                    "the daemon's list of {many} could not be read: {why}"
                )),
            );
        }
        if statuses.total() == 0 {
            let which = if scope == Scope::EachContainer && !self.snapshot.all_containers {
                "no running containers (use --all to include stopped ones)".to_string()
            } else {
                format!("no {many}")
            };
            return (Status::NotApplicable, Some(which));
        }
        let status = statuses.worst();
        let count = |s: Status| statuses.count(s);
        let total = statuses.total();
        // "1 of 1 container fails", "2 of 3 containers fail": the noun agrees with the total,
        // the verb with the count.
        let of_total = |n: usize| format!("{n} of {}", wording::count(total, one, many));
        let message = match status {
            Status::Pass => None,
            // A failure outranks errors; the message still says the picture is incomplete.
            Status::Fail => {
                let n = count(Status::Fail);
                let fails = format!("{} {}", of_total(n), wording::agree(n, "fails", "fail"));
                Some(match count(Status::Error) {
                    0 => format!("{fails}{}", unchecked_too(count(Status::NotChecked))),
                    errors => format!(
                        "{fails}, {errors} could not be decided{}",
                        unchecked_too(count(Status::NotChecked))
                    ),
                })
            }
            Status::Error => Some(format!(
                "{} could not be decided{}",
                of_total(count(Status::Error)),
                unchecked_too(count(Status::NotChecked))
            )),
            Status::NotApplicable if total == 1 => {
                Some(format!("does not apply to the only {one}"))
            }
            Status::NotApplicable => Some(format!("applies to none of the {total} {many}")),
            other => {
                let n = count(other);
                Some(format!(
                    "{} {} {other}",
                    of_total(n),
                    wording::agree(n, "is", "are")
                ))
            }
        };
        (status, message)
    }

    /// The status of `rule` for `inst` and its message; the tests behind them go into
    /// `evidence` (empty when called).
    fn decide(
        &self,
        rule: &Rule,
        inst: &Instance,
        evidence: &mut Vec<EvidenceItem>,
    ) -> (Status, Option<Message>) {
        if let Instance::Unread(u) = inst {
            return (
                Status::Error,
                Some(Message::Text(self.text(|| u.message.clone()))),
            );
        }
        if let Some(cond) = &rule.applies_when {
            match self.check(cond, inst, None, evidence) {
                Verdict::Pass => {}
                Verdict::Fail(_) => return (Status::NotApplicable, Some(Message::NotApplying)),
                v => {
                    let status = v.status();
                    return (
                        status,
                        v.message(self.recorded(evidence)).map(Message::Text),
                    );
                }
            }
            evidence.clear();
        }
        let check = rule.check.as_ref().expect("manual rules return earlier");
        let verdict = self.check(check, inst, None, evidence);
        let mut status = verdict.status();
        // Messages are written from the evidence after it is masked.
        if rule.redact {
            for e in evidence.iter_mut() {
                mask(e, crate::secrets::mask_all);
            }
        }
        let message = if rule.redact && status == Status::Fail && self.explain {
            evidence
                .iter()
                .position(|e| e.outcome == Status::Fail)
                .map(Message::Failed)
        } else {
            match verdict {
                Verdict::Fail(Why::Evidence(i)) => Some(Message::Failed(i)),
                v => v.message(self.recorded(evidence)).map(Message::Text),
            }
        };
        if rule.informational && matches!(status, Status::Pass | Status::Fail) {
            status = Status::Informational;
        }
        (status, message)
    }

    fn check(
        &self,
        check: &Check,
        inst: &Instance<'_>,
        item: Option<&Item<'_>>,
        ev: &mut Vec<EvidenceItem>,
    ) -> Verdict {
        match check {
            Check::Test(t) => self.test(t, inst, item, ev),
            Check::Not(inner) => match self.check(inner, inst, item, ev) {
                Verdict::Pass if self.explain => Verdict::Fail(Why::Holds(ev.len().checked_sub(1))),
                Verdict::Pass => Verdict::Fail(Why::Text(String::new())),
                Verdict::Fail(_) => Verdict::Pass,
                other => other,
            },
            Check::All(list) | Check::Any(list) => {
                let conjunction = matches!(check, Check::All(_));
                let mut combination = Combination::new(conjunction, self.explain);
                let start = ev.len();
                for c in list {
                    let tried = ev.len();
                    if combination.add(self.check(c, inst, item, ev)) {
                        if !conjunction {
                            not_taken(&mut ev[start..tried]);
                        }
                        break;
                    }
                }
                combination.verdict()
            }
            Check::Every {
                list,
                check,
                missing,
                expects,
            } => self.every(
                Every {
                    list,
                    check,
                    missing: *missing,
                    expects,
                },
                inst,
                item,
                ev,
            ),
        }
    }

    /// An `every`: where no element can be tested (the list is absent, empty, not gathered
    /// or not located), the verdict comes with evidence of the list itself, as a test's
    /// would, so that a pass on a container without mounts shows the empty list it read.
    fn every(
        &self,
        every: Every<'_>,
        inst: &Instance<'_>,
        item: Option<&Item<'_>>,
        ev: &mut Vec<EvidenceItem>,
    ) -> Verdict {
        let Every {
            list,
            check,
            missing,
            expects,
        } = every;
        let mut of_list = |fact: FactKey<'_>, observed: Observed, source: Source, v: Verdict| {
            let outcome = v.status();
            self.record(ev, v, || {
                let expectation = self.list_expectation(expects);
                self.evidence_of(fact, observed, source, expectation, outcome)
            })
        };
        let segs = match self.concrete(list) {
            Ok(s) => s,
            Err(Unplaced::InDoubt(why)) => {
                let fact = self.text(|| list.to_string());
                let source = self.source(|| "collection error".into());
                return of_list(
                    self.named_key(&fact),
                    Observed::Absent,
                    source,
                    Verdict::Error(why),
                );
            }
            Err(Unplaced::NotFound(ph)) => {
                // As a test's: a place in doubt is a collection error, one that is not there
                // was searched for.
                let fact = self.text(|| list.to_string());
                let (verdict, source) = match self.unlocated(inst) {
                    Some(v) => (v, self.source(|| "collection error".into())),
                    None => (
                        missing_verdict(missing, || self.unresolved(&ph), Verdict::Pass),
                        self.source(|| "host search".into()),
                    ),
                };
                return of_list(self.named_key(&fact), Observed::Absent, source, verdict);
            }
        };
        let list_text = self.fact_text(list, &segs, item);
        let key = self.fact_key(list, &list_text);
        let (value, source) = match self.lookup(list, &segs, inst, item) {
            Lookup::Error(m) => {
                let source = self.source(|| "collection error".into());
                return of_list(key, Observed::Absent, source, Verdict::Error(m));
            }
            Lookup::NotCollected(m) => {
                let source = self.source(|| "not collected".into());
                return of_list(key, Observed::Absent, source, Verdict::NotChecked(m));
            }
            Lookup::Missing(source) => {
                let why = || self.text(|| self.missing_reason(&list.root, &segs, &list_text));
                let verdict = missing_verdict(missing, why, Verdict::Pass);
                return of_list(key, Observed::Absent, source, verdict);
            }
            Lookup::Found { value, source } => (value, source),
        };
        // Elements are borrowed; only their place in evidence is built, and only to explain.
        let mut elements = value.members().peekable();
        if elements.peek().is_none() {
            let why = || self.text(|| format!("{} is empty", &*list_text));
            let verdict = missing_verdict(missing, why, Verdict::Pass);
            return of_list(key, held(value), source, verdict);
        }
        let mut combination = Combination::new(true, self.explain);
        // The list named as a rule wrote it, or an element's list named once for the whole
        // evaluation: its elements' facts are named alike for every instance, so their names
        // are made once.
        let named_alike = matches!(list_text, FactText::Borrowed(_) | FactText::Shared(..));
        for (member, value) in elements {
            let it = Item {
                value,
                list: &list_text,
                named_alike,
                member,
                source,
            };
            if combination.add(self.check(check, inst, Some(&it), ev)) {
                break;
            }
        }
        combination.verdict()
    }

    /// How a fact path reads in evidence: `item` replaced by the element's place,
    /// placeholders by what they stand for.
    /// Empty when not explaining; borrowed from the path when it has no placeholder or item.
    fn fact_text<'p>(
        &self,
        path: &'p FactPath,
        segs: &[Segment],
        item: Option<&Item<'_>>,
    ) -> FactText<'p> {
        if !self.explain {
            return FactText::Borrowed("");
        }
        let write = |it: &Item<'_>| {
            let mut text = String::with_capacity(it.list.len() + 32);
            it.place_onto(&mut text);
            render_onto(&mut text, segs);
            text
        };
        match (path.root_kind(), item) {
            (Root::Item, Some(it)) => match it.member {
                // `container.inspect.Mounts[2].Source`, as for every container: made once.
                Member::Index(i) if it.named_alike && !path.has_placeholders() => {
                    let at = (
                        it.list.as_ptr() as usize,
                        it.list.len(),
                        i,
                        path as *const _ as usize,
                    );
                    let (name, number) = element_fact(at, || {
                        let text = write(it);
                        let number = self.fact_numbers.get(&text);
                        (text, number)
                    });
                    FactText::Shared(name, number)
                }
                // `container.inspect.NetworkSettings.Ports["80/tcp"]`: most keys come back
                // in other instances, so the name is made once per key.
                Member::Key(key) if it.named_alike && !path.has_placeholders() => {
                    let at = (
                        it.list.as_ptr() as usize,
                        it.list.len(),
                        path as *const _ as usize,
                    );
                    let (name, number) = keyed_element_fact(at, key, || {
                        let text = write(it);
                        let number = self.fact_numbers.get(&text);
                        (text, number)
                    });
                    FactText::Shared(name, number)
                }
                _ => FactText::Owned(write(it)),
            },
            _ if !path.has_placeholders() => FactText::Borrowed(path.rendered()),
            _ => FactText::Owned(render(&path.root, segs)),
        }
    }

    /// How the observation tables find the fact `path` reads, named `text` in evidence: by
    /// its number when the text is the path's own rendering (the same string, not a copy), or
    /// names a numbered fact.
    fn fact_key<'k>(&'k self, path: &'k FactPath, text: &'k FactText<'k>) -> FactKey<'k> {
        match text {
            FactText::Shared(_, Some(n)) => FactKey::Numbered(*n),
            FactText::Shared(name, None) => FactKey::Shared(name),
            FactText::Borrowed(b) => match path.fact_number() {
                Some(n) if std::ptr::eq(*b, path.rendered()) => FactKey::Numbered(n),
                _ => self.named_key(b),
            },
            FactText::Owned(o) => self.named_key(o),
        }
    }

    /// The key of the fact named `text` (a numbered one when a rule's path names it too, so
    /// that both share one observation). Evidence is only made when explaining.
    fn named_key<'k>(&'k self, text: &'k str) -> FactKey<'k> {
        if !self.explain {
            return FactKey::Named(text);
        }
        match self.fact_numbers.get(text) {
            Some(n) => FactKey::Numbered(n),
            None => FactKey::Named(text),
        }
    }

    fn test(
        &self,
        t: &Test,
        inst: &Instance<'_>,
        item: Option<&Item<'_>>,
        ev: &mut Vec<EvidenceItem>,
    ) -> Verdict {
        let concrete = match self.concrete(&t.fact) {
            Ok(p) => p,
            Err(Unplaced::InDoubt(why)) => {
                let fact = self.text(|| t.fact.to_string());
                return self.record(ev, Verdict::Error(why), || {
                    let source = self.source(|| "collection error".into());
                    self.evidence(self.named_key(&fact), t, source, Status::Error)
                });
            }
            Err(Unplaced::NotFound(placeholder)) => {
                let fact = self.text(|| t.fact.to_string());
                if let Some(verdict) = self.unlocated(inst) {
                    let outcome = verdict.status();
                    return self.record(ev, verdict, || {
                        let source = self.source(|| "collection error".into());
                        self.evidence(self.named_key(&fact), t, source, outcome)
                    });
                }
                let why = self.unresolved(&placeholder);
                let source = self.source(|| "host search".into());
                return self.on_missing(t, self.named_key(&fact), source, || why, ev);
            }
        };
        let fact_text = self.fact_text(&t.fact, &concrete, item);
        let key = self.fact_key(&t.fact, &fact_text);
        // A fact this instance's evidence already holds needs no source text again.
        let seen = if self.explain {
            observed_before(key)
        } else {
            None
        };
        let quiet = Context {
            explain: false,
            ..*self
        };
        let looker = if seen.is_some() { &quiet } else { self };
        let lookup = looker.lookup(&t.fact, &concrete, inst, item);
        let (observed, source) = match lookup {
            Lookup::Error(m) => {
                return self.record(ev, Verdict::Error(m), || {
                    self.evidence(
                        key,
                        t,
                        self.source(|| "collection error".into()),
                        Status::Error,
                    )
                })
            }
            Lookup::NotCollected(m) => {
                return self.record(ev, Verdict::NotChecked(m), || {
                    self.evidence(
                        key,
                        t,
                        self.source(|| "not collected".into()),
                        Status::NotChecked,
                    )
                })
            }
            Lookup::Missing(source) => {
                let why = || self.text(|| self.missing_reason(&t.fact.root, &concrete, &fact_text));
                return self.on_missing(t, key, source, why, ev);
            }
            Lookup::Found { value, source } => (value, source),
        };
        let outcome = match &t.op {
            Op::Audits(target) => return self.audits(t, target, &fact_text, ev),
            op => self.apply(op, observed, &|o: &Operand| self.operand(o, inst, item)),
        };
        let verdict = match outcome {
            Ok(true) => Verdict::Pass,
            Ok(false) if t.unmet == Unmet::Error => Verdict::Error(self.text(|| {
                // The failure's words, as an error: the fact is not what the rule can judge.
                format!(
                    "{}: found {}, expected {}",
                    &*fact_text,
                    compact(observed),
                    t.expected_text()
                )
            })),
            Ok(false) => Verdict::Fail(Why::Text(String::new())),
            Err(v) => v,
        };
        let outcome = verdict.status();
        self.record(ev, verdict, || {
            let observation = seen.unwrap_or_else(|| observe_unseen(key, held(observed), source));
            EvidenceItem {
                observation,
                expectation: self.expectation_of(t),
                outcome,
            }
        })
    }

    /// Records the evidence `make` builds when explaining; a failure without a message names
    /// that evidence, which writes the message if it is shown (see [`Why`]).
    fn record(
        &self,
        ev: &mut Vec<EvidenceItem>,
        verdict: Verdict,
        make: impl FnOnce() -> EvidenceItem,
    ) -> Verdict {
        if !self.explain {
            return verdict;
        }
        let e = make();
        let verdict = match verdict {
            // Named, not written: most failures of single tests are never shown.
            Verdict::Fail(Why::Text(m)) if m.is_empty() => Verdict::Fail(Why::Evidence(ev.len())),
            v => v,
        };
        ev.push(e);
        verdict
    }

    fn on_missing(
        &self,
        t: &Test,
        fact: FactKey<'_>,
        source: Source,
        why: impl FnOnce() -> String,
        ev: &mut Vec<EvidenceItem>,
    ) -> Verdict {
        // Why the fact is missing is written only for the verdicts that say it.
        let verdict = match &t.op {
            Op::Absent | Op::Empty => Verdict::Pass,
            Op::Present | Op::NotEmpty => Verdict::Fail(Why::Text(String::new())),
            Op::SubsetOf(_) => Verdict::Pass,
            _ => match t.missing {
                Missing::Fail => Verdict::Fail(Why::Text(String::new())),
                Missing::Pass => Verdict::Pass,
                Missing::NotApplicable => Verdict::NotApplicable(why()),
                Missing::Error => Verdict::Error(why()),
                Missing::Skip => Verdict::Skip(why()),
                Missing::NotChecked => Verdict::NotChecked(why()),
            },
        };
        let outcome = verdict.status();
        self.record(ev, verdict, || self.evidence(fact, t, source, outcome))
    }

    /// The path's segments with placeholders replaced by host paths (borrowed when it has
    /// none); Err says which placeholder found nothing, or why where one is is in doubt.
    fn concrete<'p>(
        &self,
        fact: &'p FactPath,
    ) -> Result<std::borrow::Cow<'p, [Segment]>, Unplaced> {
        if !fact.has_placeholders() {
            return Ok(std::borrow::Cow::Borrowed(&fact.segments));
        }
        if let Some(why) = self.place_in_doubt(&fact.placeholders()) {
            return Err(Unplaced::InDoubt(why));
        }
        fact.segments
            .iter()
            .map(|s| match s {
                Segment::Key(k) if k.contains('{') => substitute(k, |name| self.location(name))
                    .map(Segment::Key)
                    .map_err(|unresolved| Unplaced::NotFound(unresolved.0)),
                other => Ok(other.clone()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(std::borrow::Cow::Owned)
    }

    /// A rule's remediation with this host's paths in place of its placeholders
    /// (`{bin:dockerd}` → `/usr/sbin/dockerd`); a place not found here reads as generic words
    /// ("the dockerd binary"), never as a guessed path.
    fn remediation(&self, rule: &Rule) -> String {
        let mut text = rule.remediation.clone();
        for p in crate::facts::placeholder::prose_placeholders(&rule.remediation) {
            let value = self.location(&p).unwrap_or_else(|| generic_place(&p));
            text = text.replace(&format!("{{{p}}}"), &value);
        }
        text
    }

    fn location(&self, name: &str) -> Option<String> {
        self.snapshot.host.locations.get(name).cloned().flatten()
    }

    /// The collection error of one of the places `names` (`host.locations["setting:tlscacert"]`):
    /// where it is rests on settings or an environment that could not be read, so neither the
    /// file found there nor "not set" is known to be what dockerd uses.
    fn place_in_doubt(&self, names: &[String]) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        names.iter().find_map(|name| {
            let key = format!("host.locations[\"{name}\"]");
            self.errors.get(key.as_str()).map(|m| m.to_string())
        })
    }

    /// The verdict for a placeholder left unresolved because the host's facts, among which
    /// placeholders are located, could not be read: the collection error a lookup of them
    /// meets, never "not located".
    fn unlocated(&self, inst: &Instance<'_>) -> Option<Verdict> {
        // Placeholders are found in `host.locations`: an error there, or on the whole host,
        // leaves "found nowhere" unknown.
        let locations = [Segment::Key("locations".into())];
        match self.collection_error(Root::Host, "host", &locations, inst)? {
            Lookup::Error(m) => Some(Verdict::Error(m)),
            Lookup::NotCollected(m) => Some(Verdict::NotChecked(m)),
            Lookup::Missing(_) | Lookup::Found { .. } => None,
        }
    }

    fn unresolved(&self, placeholder: &str) -> String {
        if let Some(key) = placeholder.strip_prefix("setting:") {
            let unset = self
                .snapshot
                .host
                .searched
                .get(placeholder)
                .is_none_or(|s| s.is_empty());
            if unset {
                return format!("the daemon setting {key} is not set");
            }
        }
        match self.snapshot.host.searched.get(placeholder) {
            Some(paths) if !paths.is_empty() => {
                format!(
                    "{{{placeholder}}} not found on the host (looked at {})",
                    paths.join(", ")
                )
            }
            _ => format!("{{{placeholder}}} was not located in this snapshot"),
        }
    }

    fn param(&self, name: &str) -> Option<&'f Value> {
        self.facts.params.values.get(name)
    }

    /// An operand's value, borrowed: literals and parameters from the rules and the
    /// configuration, facts from their documents.
    fn operand<'v>(
        &'v self,
        o: &'f Operand,
        inst: &Instance<'v>,
        item: Option<&Item<'v>>,
    ) -> Result<V<'v>, Verdict>
    where
        'f: 'v,
    {
        match o {
            Operand::Literal(v) => Ok(V::Json(v)),
            Operand::Param(p) => self.param(p).map(V::Json).ok_or_else(|| {
                let flag = if p == "trusted-users" { " (or --trusted-users)" } else { "" };
                Verdict::NotChecked(self.text(|| format!(
                    "parameter {p} is not set: set {p} in the config file (--config){flag} to decide"
                )))
            }),
            Operand::Fact(path) => {
                let segs = self.concrete(path).map_err(|u| match u {
                    Unplaced::InDoubt(why) => Verdict::Error(why),
                    Unplaced::NotFound(ph) => Verdict::Error(self.unresolved(&ph)),
                })?;
                match self.lookup(path, &segs, inst, item) {
                    Lookup::Found { value, .. } => Ok(value),
                    Lookup::Missing(_) => Ok(V::Json(&Value::Null)),
                    Lookup::Error(m) => Err(Verdict::Error(m)),
                    Lookup::NotCollected(m) => Err(Verdict::NotChecked(m)),
                }
            }
        }
    }

    fn apply<'o>(
        &self,
        op: &'f Op,
        observed: V<'_>,
        operand: &dyn Fn(&'f Operand) -> Result<V<'o>, Verdict>,
    ) -> Result<bool, Verdict> {
        let compare = |o: &'f Operand| -> Result<std::cmp::Ordering, Verdict> {
            let want = operand(o)?;
            observed.compare(want).ok_or_else(|| {
                Verdict::Error(self.text(|| {
                    format!(
                        "cannot compare {} with {} as numbers",
                        compact(observed),
                        compact(want)
                    )
                }))
            })
        };
        let listed = |o: &'f Operand| -> Result<bool, Verdict> {
            let want = operand(o)?;
            let found = want.list().any(|v| observed.loose_eq(v));
            Ok(found)
        };
        Ok(match op {
            Op::Equals(o) => observed.loose_eq(operand(o)?),
            Op::NotEquals(o) => !observed.loose_eq(operand(o)?),
            Op::In(o) => listed(o)?,
            Op::NotIn(o) => !listed(o)?,
            Op::Matches(r) => r.is_match(&observed.text()),
            Op::NotMatches(r) => !r.is_match(&observed.text()),
            Op::Contains(o) => observed.contains(operand(o)?),
            Op::NotContains(o) => !observed.contains(operand(o)?),
            Op::AnyMatches(r) => observed.list().any(|v| r.is_match(&v.text())),
            Op::NoneMatches(r) => !observed.list().any(|v| r.is_match(&v.text())),
            Op::Present => true,
            Op::Absent => false,
            Op::Empty => observed.is_empty(),
            Op::NotEmpty => !observed.is_empty(),
            Op::Gt(o) => compare(o)?.is_gt(),
            Op::Ge(o) => compare(o)?.is_ge(),
            Op::Lt(o) => compare(o)?.is_lt(),
            Op::Le(o) => compare(o)?.is_le(),
            Op::ModeAtMost(max) => {
                let text = observed.text();
                let mode = u32::from_str_radix(&text, 8).map_err(|_| {
                    Verdict::Error(self.text(|| format!("mode '{text}' is not octal")))
                })?;
                mode & !max == 0
            }
            Op::OwnerIs(want) => {
                let have = observed.text();
                match want.split_once(':') {
                    Some(_) => have == *want,
                    None => have.split(':').next() == Some(want.as_str()),
                }
            }
            Op::SubsetOf(o) => {
                let members: Vec<V<'_>> = observed.list().collect();
                if members.is_empty() {
                    return Ok(true);
                }
                let allowed = operand(o).map_err(|v| match v {
                    Verdict::NotChecked(m) => Verdict::NotChecked(self.text(|| {
                        format!(
                            "found {}; {m}",
                            members
                                .iter()
                                .map(|m| m.text().into_owned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })),
                    other => other,
                })?;
                members
                    .iter()
                    .all(|m| allowed.list().any(|a| m.loose_eq(a)))
            }
            Op::ContainsAll(o) => {
                // A list kept in the operand's order (Docker's own) matches element by
                // element; the search over the whole list is for the rest.
                let mut in_step = observed.list();
                operand(o)?.list().all(|want| {
                    in_step.next().is_some_and(|have| have.loose_eq(want))
                        || observed.list().any(|have| have.loose_eq(want))
                })
            }
            Op::EnclosesNoneOf(o) => {
                let Some(path) = observed.as_str() else {
                    return Err(Verdict::Error(self.text(|| {
                        format!("found {}, which is not a path", compact(observed))
                    })));
                };
                let held = operand(o)?;
                let encloses = |inner: &str| {
                    let outer = path.trim_end_matches('/');
                    let inner = inner.trim_end_matches('/');
                    outer.is_empty()
                        || inner == outer
                        || inner
                            .strip_prefix(outer)
                            .is_some_and(|r| r.starts_with('/'))
                };
                !held.list().filter_map(|v| v.as_str()).any(encloses)
            }
            Op::Audits(_) => unreachable!("handled by Context::audits"),
        })
    }

    fn audits(&self, t: &Test, target: &str, fact: &str, ev: &mut Vec<EvidenceItem>) -> Verdict {
        // What the evidence shows is the watches on one target: a fact of its own.
        let fact_of = |target: &str| format!("{fact}[{}]", Value::from(target));
        if let Some(why) = self.place_in_doubt(&crate::facts::placeholder::placeholders_in(target))
        {
            let fact = fact_of(target);
            return self.record(ev, Verdict::Error(why), || {
                let source = self.source(|| "collection error".into());
                self.evidence(self.named_key(&fact), t, source, Status::Error)
            });
        }
        let target = match substitute(target, |n| self.location(n)) {
            Ok(p) => p,
            Err(ph) => {
                let why = self.unresolved(&ph.0);
                let fact = fact_of(target);
                let source = self.source(|| "host search".into());
                return self.on_missing(t, self.named_key(&fact), source, || why, ev);
            }
        };
        let fact = &fact_of(&target);
        // The object a watch must be on: the target with every symlink resolved (a watch on a
        // link watches the link, not the file it points to).
        let mut object = target.clone();
        if let Some(f) = self.snapshot.host.files.get(&target) {
            if !f.exists {
                let why = format!("{target} does not exist");
                let source = self.source(|| format!("stat {target}"));
                return self.on_missing(t, self.named_key(fact), source, || why, ev);
            }
            if let Some(real) = &f.resolved {
                object.clone_from(real);
            }
        }
        let audit = &self.snapshot.host.audit;
        let covering = |rules: &[AuditRule]| -> Vec<String> {
            rules
                .iter()
                .filter(|r| audit_covers(r, &object))
                .map(|r| format!("{} ({})", r.text, r.source))
                .collect()
        };
        let persistent = covering(&audit.persistent);
        let loaded = audit.loaded.as_deref().map(covering);
        // Loaded rules in a kernel whose auditing is off record nothing (`loaded` is empty).
        let not_recording = audit
            .loaded_disabled_by
            .as_deref()
            .filter(|_| loaded.is_some())
            .map(|why| format!("none recording: {why}"));
        let pass = !persistent.is_empty() && loaded.as_ref().is_none_or(|l| !l.is_empty());
        let verdict = if pass && loaded.is_none() {
            // Persistent, but whether the kernel holds the watch now is unknown: a failure to
            // read the loaded rules is an error; not reading them (another host's root) leaves
            // the rule to a person.
            let why = audit.loaded_unavailable.as_deref().unwrap_or("not read");
            match self.errors.get("host.audit.loaded") {
                Some(error) => Verdict::Error(self.text(|| {
                    format!("a persistent rule watches {target}, but the loaded rules could not be read: {error}")
                })),
                None => Verdict::NotChecked(self.text(|| {
                    format!("a persistent rule watches {target}; the loaded rules were not read ({why}): check `auditctl -l` on the host")
                })),
            }
        } else if pass {
            Verdict::Pass
        } else {
            Verdict::Fail(Why::Text(self.text(|| {
                let loaded_text = match (&not_recording, &loaded) {
                    (Some(off), _) => off.clone(),
                    (None, Some(l)) if l.is_empty() => "none loaded".to_string(),
                    (None, Some(_)) => "loaded".to_string(),
                    (None, None) => "loaded rules unavailable".to_string(),
                };
                let persistent_text = match &audit.persistent_disabled_by {
                    Some(at) => format!("persistent rules switch auditing off at {at}"),
                    None if persistent.is_empty() => "none persistent".to_string(),
                    None => "persistent".to_string(),
                };
                let real = if object == target {
                    String::new()
                } else {
                    format!(" (a link to {object}, which is what a watch must be on)")
                };
                // Rules on the object that record too little, named as nothing covers it.
                let too_little: Vec<String> = audit
                    .persistent
                    .iter()
                    .chain(audit.loaded.iter().flatten())
                    .filter(|r| audit_watches(r, &object) && !audit_covers(r, &object))
                    .map(|r| format!("{} ({})", r.text, r.source))
                    .collect();
                let short = if too_little.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; recording only some events or access types, which does not count: {}",
                        too_little.join("; ")
                    )
                };
                format!(
                    "no audit rule records writes and attribute changes to {target}{real} ({loaded_text}, {persistent_text}){short}"
                )
            })))
        };
        let outcome = verdict.status();
        self.record(ev, verdict, || {
            let expectation = Arc::new(Expectation {
                expected: format!("an audit watch on {target}, loaded and persistent"),
                expected_text: format!("an audit watch on {target}, loaded and persistent"),
            });
            let observed = json!({
                "path": target,
                "loaded": match (&not_recording, &loaded) {
                    (Some(off), _) => json!(off),
                    (None, Some(l)) => json!(l),
                    (None, None) => json!(format!("unavailable: {}", audit.loaded_unavailable.as_deref().unwrap_or("not read"))),
                },
                "persistent": persistent,
            });
            let source = if not_recording.is_some() {
                "auditctl -s and /etc/audit rules"
            } else if loaded.is_some() {
                "auditctl -l and /etc/audit rules"
            } else {
                "/etc/audit rules (loaded rules unavailable)"
            };
            EvidenceItem {
                observation: observe(self.named_key(fact), || {
                    (observed.into(), Some(source_of(source.to_string())))
                }),
                expectation: own_expectation(self.expectations.len(), expectation),
                outcome,
            }
        })
    }

    /// Evidence that `fact` was not found (or not read), for test `t`.
    fn evidence(
        &self,
        fact: FactKey<'_>,
        t: &Test,
        source: Source,
        outcome: Status,
    ) -> EvidenceItem {
        self.evidence_of(
            fact,
            Observed::Absent,
            source,
            self.expectation_of(t),
            outcome,
        )
    }

    /// Evidence of `fact`, `observed` from `source` unless this instance's evidence holds it
    /// already, against expectation number `expectation`.
    fn evidence_of(
        &self,
        fact: FactKey<'_>,
        observed: Observed,
        source: Source,
        expectation: u32,
        outcome: Status,
    ) -> EvidenceItem {
        EvidenceItem {
            observation: observe(fact, || (observed, source)),
            expectation,
            outcome,
        }
    }

    /// The number of `t`'s expectation: the rule set's, or one made for this instance when
    /// the test is not of the rule set being evaluated.
    fn expectation_of(&self, t: &Test) -> u32 {
        self.numbered(t.expectation(), t.expectation_number())
    }

    /// The number of what an `every` expects of its list, as [`Context::expectation_of`].
    fn list_expectation(&self, expects: &ListExpectation) -> u32 {
        self.numbered(expects.expectation(), expects.number())
    }

    fn numbered(&self, expectation: &Arc<Expectation>, number: Option<u32>) -> u32 {
        match number {
            Some(n)
                if self
                    .expectations
                    .get(n as usize)
                    .is_some_and(|x| Arc::ptr_eq(x, expectation)) =>
            {
                n
            }
            _ => own_expectation(self.expectations.len(), expectation.clone()),
        }
    }

    /// The text of `message`, written from the decision's evidence `items`; empty when not
    /// explaining.
    fn said(&self, message: Message, items: &[EvidenceItem]) -> String {
        match message {
            Message::Text(m) => m,
            _ if !self.explain => String::new(),
            m => {
                let mut out = String::new();
                self.write_said(&m, items, &mut out);
                out
            }
        }
    }

    /// [`Context::said`], shared with the results of this evaluation that say the same:
    /// written into this thread's buffer, and copied only when new.
    fn said_shared(&self, message: Message, items: &[EvidenceItem]) -> arcstr::ArcStr {
        match message {
            Message::Text(m) => shared_message(m),
            _ if !self.explain => shared_message(String::new()),
            m => shared_message_written(|out| self.write_said(&m, items, out)),
        }
    }

    /// Appends the text of `message` to `out`, written from the decision's evidence `items`.
    fn write_said(&self, message: &Message, items: &[EvidenceItem], out: &mut String) {
        let recorded = self.recorded(items);
        match message {
            Message::Text(m) => out.push_str(m),
            Message::Failed(i) => {
                recorded.with(*i, |e| fail_message_onto(out, &e));
            }
            Message::NotApplying => {
                out.push_str("does not apply: ");
                recorded.applies_reason_onto(out);
            }
        }
    }

    /// The evidence `items` records, readable for messages.
    fn recorded<'x>(&'x self, items: &'x [EvidenceItem]) -> Recorded<'x> {
        Recorded {
            items,
            shared: self.expectations,
            names: self.fact_numbers.names(),
        }
    }

    /// `results`, their rule-level evidence on the sheet of the host's observations.
    fn on_host_sheet(&self, mut results: Vec<RuleResult>) -> Vec<RuleResult> {
        if let Some(sheet) = take_sheet(self.expectations, self.fact_numbers.names(), None) {
            for r in &mut results {
                r.evidence.attach(&sheet);
            }
        }
        forget_observations();
        results
    }
}

// Observations, sources and subjects an instance's results share: see observe.rs.
mod lookup;
mod observe;
use observe::{
    element_fact, fact_source, forget_evaluation, forget_observations, held, held_source,
    instance_source, keyed_element_fact, mask, observe, observe_unseen, observed_before,
    own_expectation, shared_message, shared_message_written, source_of, subject, take_sheet,
    viewed, FactKey, SourceKind,
};

/// The evidence of one result, `made` (emptied): its tests go onto the sheet of the instance
/// (or host) being evaluated, which is attached once its rules are all evaluated.
fn pending(made: &mut Vec<EvidenceItem>) -> EvidenceList {
    let (start, len) = observe::keep_items(made);
    EvidenceList::pending(start, len)
}

/// A per-instance result, whose evidence names the observations of its instance: they
/// become a sheet once the instance's rules are all evaluated.
trait OnSheet {
    /// Whether the results have a sheet (decisions do not).
    const ON_SHEET: bool = false;

    /// The instance's status.
    fn status(&self) -> Status;

    /// Points the result's evidence at its instance's `sheet`.
    fn attach(&mut self, _sheet: &Arc<super::result::Sheet>) {}
}

/// A decision has no evidence.
impl OnSheet for Status {
    fn status(&self) -> Status {
        *self
    }
}

impl OnSheet for InstanceResult {
    const ON_SHEET: bool = true;

    fn status(&self) -> Status {
        self.status
    }

    fn attach(&mut self, sheet: &Arc<super::result::Sheet>) {
        self.evidence.attach(sheet);
    }
}

/// An `every` node's parts.
struct Every<'c> {
    list: &'c FactPath,
    check: &'c Check,
    missing: Missing,
    expects: &'c ListExpectation,
}

/// The verdict for an absent or empty list under `every`.
fn missing_verdict(missing: Missing, why: impl FnOnce() -> String, default: Verdict) -> Verdict {
    match missing {
        // The reason is written only when the verdict says it.
        Missing::Pass => default,
        Missing::Fail => Verdict::Fail(Why::Text(why())),
        Missing::NotApplicable => Verdict::NotApplicable(why()),
        Missing::Error => Verdict::Error(why()),
        Missing::Skip => Verdict::Skip(why()),
        Missing::NotChecked => Verdict::NotChecked(why()),
    }
}

/// The value `e` found, as rules see it (borrowed from its document when held there).
fn seen<'e>(e: &Evidence<'e>) -> V<'e> {
    match e.found() {
        Found::Node(node) => V::Doc(node),
        Found::Value(v) => V::Json(v),
    }
}

/// "fact: found X, expected Y" for a failed test.
fn fail_message(e: &Evidence) -> String {
    let mut out = String::new();
    fail_message_onto(&mut out, e);
    out
}

/// Appends [`fail_message`] of `e` to `out`.
fn fail_message_onto(out: &mut String, e: &Evidence) {
    out.push_str(e.fact());
    out.push_str(": found ");
    compact_onto(out, seen(e));
    out.push_str(", expected ");
    out.push_str(e.expected_for_people());
}

/// Whether audit rule `r` records writes and attribute changes to the object at `target`
/// (the target with every symlink resolved): the object the rule watches ([`AuditRule::resolved`],
/// else its path) is `target` or, for a recursive rule, holds it; its permission filter takes
/// in `w` and `a`; and it is not narrowed to some events.
pub fn audit_covers(r: &AuditRule, target: &str) -> bool {
    let perms_ok = r
        .perms
        .as_deref()
        .is_none_or(|p| p.contains('w') && p.contains('a'));
    audit_watches(r, target) && perms_ok && !r.narrowed
}

/// Whether audit rule `r` is on the object at `target` or, recursive, on a folder holding it,
/// whatever it records.
fn audit_watches(r: &AuditRule, target: &str) -> bool {
    let watched = r
        .resolved
        .as_deref()
        .unwrap_or(&r.path)
        .trim_end_matches('/');
    let target = target.trim_end_matches('/');
    // A recursive rule on `/` (watched "") holds every absolute target.
    target == watched
        || (r.recursive
            && target
                .strip_prefix(watched)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// Short rendering of a value for messages: at most [`COMPACT_CHARS`] characters, then `…`.
/// Written straight from the document, and only as far as shown: a long list is not copied
/// or rendered whole to show its beginning.
fn compact(v: V<'_>) -> String {
    let mut out = String::new();
    compact_onto(&mut out, v);
    out
}

thread_local! {
    /// Where this thread renders a value before [`compact_onto`] copies what is shown: kept,
    /// so that a message costs no allocation of its own.
    static RENDERED: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Appends [`compact`] of `v` to `out`.
fn compact_onto(out: &mut String, v: V<'_>) {
    if v.is_null() {
        out.push_str("nothing");
        return;
    }
    let start = out.len();
    if let Some(s) = v.as_str() {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        let mut bytes = RENDERED.take();
        bytes.clear();
        let mut rendered = Bounded(bytes);
        // Only a full buffer stops the writer; what it holds is all that is shown.
        let _ = match v {
            V::Json(j) => serde_json::to_writer(&mut rendered, j),
            V::Doc(n) => serde_json::to_writer(&mut rendered, &n),
        };
        let bytes = rendered.0;
        out.push_str(match std::str::from_utf8(&bytes) {
            Ok(t) => t,
            // Cut inside a character: the part before it has more than enough characters.
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        });
        RENDERED.set(bytes);
    }
    if let Some((cut, _)) = out[start..].char_indices().nth(COMPACT_CHARS) {
        out.truncate(start + cut);
        out.push('…');
    }
}

/// The most characters of a value a message shows.
const COMPACT_CHARS: usize = 120;

/// A writer that keeps the first bytes written, enough for one character more than
/// [`COMPACT_CHARS`] (four bytes each at most), and refuses the rest.
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (COMPACT_CHARS + 1) * 4 - self.0.len();
        let n = buf.len().min(room);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
