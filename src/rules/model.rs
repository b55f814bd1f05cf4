//! The rule model: what a loaded, validated rule looks like.

use std::fmt;
use std::sync::Arc;

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::path::FactPath;

/// A validated rule, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// CIS Docker Benchmark 1.8.0 id (`5.5`) or bollwerk's own (`BW-…`).
    pub id: String,
    /// The CIS Docker Benchmark 1.6.0 id where it differs from `id` (`-`: the rule is in
    /// CIS 1.8.0 but not in 1.6.0), derived from `benchmarks` for the reports' `id_1_6_0`.
    pub id_1_6_0: Option<String>,
    /// The benchmarks the rule belongs to, with its id (and title, where it differs) in each:
    /// the rule files' `benchmarks` table. Empty for rules of bollwerk's or a user's own.
    pub benchmarks: Vec<BenchmarkRef>,
    /// One-line title.
    pub title: String,
    /// What the rule checks.
    pub description: String,
    /// Why it matters.
    pub rationale: String,
    /// What changes for users when the recommendation is applied.
    pub impact: Option<String>,
    /// How to fix a failure: the key, flag or command.
    pub remediation: String,
    /// CIS profile level, 1 or 2.
    pub level: u8,
    /// Whether CIS calls the recommendation automated or manual.
    pub assessment: Assessment,
    /// How bad a failure is.
    pub severity: Severity,
    /// Links to documentation and control catalogues.
    pub references: Vec<String>,
    /// What the rule looks at, and so how many results it yields.
    pub scope: Scope,
    /// When present and false, the rule is not applicable.
    pub applies_when: Option<Check>,
    /// The check; `None` for rules that need a person (`notchecked`).
    pub check: Option<Check>,
    /// Report the facts as `informational` instead of pass or fail.
    pub informational: bool,
    /// Mask the values in this rule's evidence (rules that look for secrets).
    pub redact: bool,
    /// The rule judges dockerd itself (its settings, files, release line): it is
    /// `notapplicable` when another engine (Podman) serves the API.
    pub requires_dockerd: bool,
    /// What undoes a failure, as machine-readable data for `--format plan`.
    pub fix: Fix,
    /// Where the rule was defined: `file:line`.
    pub origin: String,
    /// Why the rule cannot be evaluated: its definition in a `--checks` file has a mistake
    /// (`file:line: what is wrong`). Such a rule is `error` in every report, so that a mistake
    /// in a rule file neither stops the scan nor takes the rule out of the audit unnoticed.
    pub invalid: Option<String>,
}

/// A rule's place in one benchmark (`benchmarks."cis-docker-1.6.0" = "5.1"` in rule files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchmarkRef {
    /// The benchmark's name, as declared by a `[[benchmark]]` table (`cis-docker-1.6.0`).
    pub benchmark: String,
    /// The rule's id in that benchmark (`5.1`).
    pub id: String,
    /// The rule's title in that benchmark, where it differs from the rule's own.
    pub title: Option<String>,
    /// Where the entry was written: `file:line`.
    pub origin: String,
}

impl Rule {
    /// The rule's entry in the benchmark named `benchmark`, if it belongs to it.
    pub fn in_benchmark(&self, benchmark: &str) -> Option<&BenchmarkRef> {
        self.benchmarks.iter().find(|b| b.benchmark == benchmark)
    }

    /// The CIS section the rule belongs to: the first component of its id (`5` for `5.10`),
    /// or `BW` for bollwerk's own rules.
    pub fn section(&self) -> &str {
        self.id.split(['.', '-']).next().unwrap_or(&self.id)
    }
}

/// The CIS assessment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Assessment {
    /// CIS expects a tool to decide it.
    Automated,
    /// CIS expects a person to decide it.
    Manual,
}

/// Severity of a failure.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Hardening with little direct risk.
    Low,
    /// A weakness that helps an attacker.
    Medium,
    /// A direct path to the host or other containers.
    High,
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Host files, audit rules, kernel: one result; works without a daemon.
    Host,
    /// The daemon's settings and info: one result; needs a reachable daemon.
    Daemon,
    /// Every container: one result each.
    EachContainer,
    /// Every image: one result each.
    EachImage,
}

impl Assessment {
    /// The word rule files use (`assessment = "automated"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Automated => "automated",
            Assessment::Manual => "manual",
        }
    }
}

impl Severity {
    /// The word rule files use (`severity = "high"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl Scope {
    /// The word rule files use (`scope = "each-container"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Host => "host",
            Scope::Daemon => "daemon",
            Scope::EachContainer => "each-container",
            Scope::EachImage => "each-image",
        }
    }

    /// The kind of instance a per-instance scope yields.
    pub fn instance_kind(self) -> Option<&'static str> {
        match self {
            Scope::EachContainer => Some("container"),
            Scope::EachImage => Some("image"),
            Scope::Host | Scope::Daemon => None,
        }
    }
}

/// A check: a test of one fact, or a combination of checks.
#[derive(Debug, Clone)]
pub enum Check {
    /// Every sub-check must pass.
    All(Vec<Check>),
    /// At least one sub-check must pass.
    Any(Vec<Check>),
    /// The sub-check must fail.
    Not(Box<Check>),
    /// The sub-check must pass for every element of a list (or every value of a map); inside,
    /// the fact root `item` is the element.
    Every {
        /// The list.
        list: FactPath,
        /// The check for each element.
        check: Box<Check>,
        /// What an absent or empty list means (default: pass, nothing violates).
        missing: Missing,
        /// What evidence of the list itself says it expects, when there is no element to
        /// test (an absent, empty or ungathered list).
        expects: ListExpectation,
    },
    /// A test of one fact.
    Test(Test),
}

impl Check {
    /// `every` element of `list` meeting `check`; `missing` for an absent or empty list.
    pub fn every(list: FactPath, check: Check, missing: Missing) -> Check {
        Check::Every {
            list,
            check: Box::new(check),
            missing,
            expects: ListExpectation::of(missing),
        }
    }
}

/// What an `every` expects of its list, shown in the evidence of the list itself where no
/// element was tested: a container without mounts passes "no sensitive directory mounted"
/// with the empty list as its evidence, not with none.
#[derive(Debug, Clone)]
pub struct ListExpectation {
    expectation: Arc<Expectation>,
    number: Option<u32>,
}

impl ListExpectation {
    fn of(missing: Missing) -> ListExpectation {
        let (machine, words) = match missing {
            Missing::Pass => (
                "pass",
                "no element that breaks the check (none at all is fine)",
            ),
            Missing::Fail => (
                "fail",
                "elements, each meeting the check (none at all fails)",
            ),
            Missing::NotApplicable => (
                "notapplicable",
                "each element meets the check (with none, the rule does not apply)",
            ),
            Missing::Error => (
                "error",
                "each element meets the check (with none, it cannot be decided)",
            ),
            Missing::Skip => (
                "skip",
                "each element meets the check (with none, this part is left out)",
            ),
            Missing::NotChecked => (
                "notchecked",
                "each element meets the check (with none, it is not checked)",
            ),
        };
        ListExpectation {
            expectation: Arc::new(Expectation {
                expected: format!("every element meeting the check ({machine} when none)"),
                expected_text: words.to_string(),
            }),
            number: None,
        }
    }

    /// The expectation, shared.
    pub fn expectation(&self) -> &Arc<Expectation> {
        &self.expectation
    }

    /// Its number in its rule set's table, once the set has numbered it.
    pub fn number(&self) -> Option<u32> {
        self.number
    }

    /// Numbers it in `table` as [`Test::number_expectation`] does.
    pub(crate) fn number_expectation(
        &mut self,
        table: &mut Vec<Arc<Expectation>>,
        known: &mut std::collections::HashMap<Arc<Expectation>, u32>,
    ) {
        self.number = Some(numbered(&mut self.expectation, table, known));
    }
}

/// The number of `expectation` in `table`, which gets it unless an equal one is there (then
/// shared: `expectation` becomes that one).
fn numbered(
    expectation: &mut Arc<Expectation>,
    table: &mut Vec<Arc<Expectation>>,
    known: &mut std::collections::HashMap<Arc<Expectation>, u32>,
) -> u32 {
    let number = *known.entry(expectation.clone()).or_insert_with(|| {
        table.push(expectation.clone());
        u32::try_from(table.len() - 1).expect("fewer than 4 billion expectations")
    });
    *expectation = table[number as usize].clone();
    number
}

impl Check {
    /// Its tests, depth first.
    pub fn tests(&self) -> Vec<&Test> {
        let mut out = Vec::new();
        self.visit(&mut |part| {
            if let Part::Test(t) = part {
                out.push(t);
            }
        });
        out
    }

    /// Every fact path it reads: each `every` list, each test's fact and fact operand.
    pub fn fact_paths(&self) -> Vec<&FactPath> {
        let mut out = Vec::new();
        self.visit(&mut |part| match part {
            Part::List(list) => out.push(list),
            Part::Test(t) => {
                out.push(&t.fact);
                if let Some(Operand::Fact(other)) = t.op.operand() {
                    out.push(other);
                }
            }
        });
        out
    }

    fn visit<'c>(&'c self, on: &mut impl FnMut(Part<'c>)) {
        match self {
            Check::All(l) | Check::Any(l) => l.iter().for_each(|c| c.visit(on)),
            Check::Not(c) => c.visit(on),
            Check::Every { list, check, .. } => {
                on(Part::List(list));
                check.visit(on);
            }
            Check::Test(t) => on(Part::Test(t)),
        }
    }
}

/// What [`Check::visit`] meets: a test, or the list of an `every`.
enum Part<'c> {
    Test(&'c Test),
    List(&'c FactPath),
}

/// What a test expects, made once per test of a rule and shared by its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// A phrase in machine form ("equal to false", "no element matching /…/").
    pub expected: String,
    /// The same in words for people ("no dangerous capability added"); empty in reports
    /// written before it existed.
    #[serde(default)]
    pub expected_text: String,
}

/// A test of one fact with one operator.
#[derive(Clone)]
pub struct Test {
    /// The fact to read.
    pub fact: FactPath,
    /// What the fact must satisfy.
    pub op: Op,
    /// What to conclude when the fact is absent or null.
    pub missing: Missing,
    /// What to conclude when the fact is there but does not meet the operator.
    pub unmet: Unmet,
    /// [`Op::expectation`] and what people read (the rule's own `expect` text, else
    /// [`Op::expectation_in_words`]), made once and shared by the evidence of every instance.
    expectation: Arc<Expectation>,
    /// The expectation's number in its rule set's table ([`RuleSet::expectations`](super::RuleSet::expectations)).
    expectation_number: Option<u32>,
}

/// The test as written: the number its rule set gave its expectation is not part of what it
/// says.
impl std::fmt::Debug for Test {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Test")
            .field("fact", &self.fact)
            .field("op", &self.op)
            .field("missing", &self.missing)
            .field("unmet", &self.unmet)
            .field("expectation", &self.expectation)
            .finish_non_exhaustive()
    }
}

impl Test {
    /// A test of `fact` with `op`.
    pub fn new(fact: FactPath, op: Op, missing: Missing) -> Test {
        Test {
            expectation: Arc::new(Expectation {
                expected: op.expectation(),
                expected_text: op.expectation_in_words(),
            }),
            fact,
            op,
            missing,
            unmet: Unmet::Fail,
            expectation_number: None,
        }
    }

    /// The same test, concluding `unmet` when its fact is there but does not meet it.
    pub fn when_unmet(mut self, unmet: Unmet) -> Test {
        self.unmet = unmet;
        self
    }

    /// Numbers this test's expectation in `table`: one equal to it that is there already
    /// gives its number, and is shared.
    pub(crate) fn number_expectation(
        &mut self,
        table: &mut Vec<Arc<Expectation>>,
        known: &mut std::collections::HashMap<Arc<Expectation>, u32>,
    ) {
        self.expectation_number = Some(numbered(&mut self.expectation, table, known));
    }

    /// The number of this test's expectation in its rule set, once the set has numbered it.
    pub fn expectation_number(&self) -> Option<u32> {
        self.expectation_number
    }

    /// The same test, whose expectation people read as `words` (a rule's `expect` text).
    pub fn worded(mut self, words: String) -> Test {
        Arc::make_mut(&mut self.expectation).expected_text = words;
        self.expectation_number = None;
        self
    }

    /// What the operator expects, in its machine form ([`Op::expectation`]): report.json's
    /// `expected`.
    pub fn expected(&self) -> &str {
        &self.expectation.expected
    }

    /// What the test expects, in words for people: the rule's `expect` text when it has one,
    /// else [`Op::expectation_in_words`]. The terminal and HTML show this.
    pub fn expected_text(&self) -> &str {
        &self.expectation.expected_text
    }

    /// Both expectations, shared.
    pub fn expectation(&self) -> &Arc<Expectation> {
        &self.expectation
    }
}

/// A value in a rule, or the name of a parameter set by the user.
#[derive(Debug, Clone)]
pub enum Operand {
    /// Written in the rule.
    Literal(Value),
    /// Taken from the parameters (`--trusted-users`, the config file).
    Param(String),
    /// Another fact of the same scope (`{ fact = "container.inspect.HostConfig.Memory" }`).
    Fact(FactPath),
}

impl Operand {
    /// The operand as people read it: values without JSON quoting, lists as `a, b`, a
    /// parameter as "the configured NAME".
    pub fn in_words(&self) -> String {
        match self {
            Operand::Literal(v) => value_in_words(v),
            Operand::Param(p) => format!("the configured {p}"),
            Operand::Fact(p) => format!("the value of {p}"),
        }
    }
}

/// A rule's literal value as people read it.
fn value_in_words(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::String(s) if s.is_empty() => "empty text".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "an empty list".into(),
        Value::Array(a) => a.iter().map(value_in_words).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Literal(v) => write!(f, "{v}"),
            Operand::Param(p) => write!(f, "parameter {p}"),
            Operand::Fact(p) => write!(f, "the value of {p}"),
        }
    }
}

/// The closed set of operators (documented in `checks/README.md`).
#[derive(Debug, Clone)]
pub enum Op {
    /// Equal to the value.
    Equals(Operand),
    /// Not equal to the value.
    NotEquals(Operand),
    /// One of the listed values.
    In(Operand),
    /// None of the listed values.
    NotIn(Operand),
    /// A string matching the regular expression.
    Matches(Regex),
    /// A string not matching the regular expression.
    NotMatches(Regex),
    /// A list holding the value, or a string holding the substring.
    Contains(Operand),
    /// The opposite of `contains`.
    NotContains(Operand),
    /// A list with at least one string matching the regular expression.
    AnyMatches(Regex),
    /// A list with no string matching the regular expression.
    NoneMatches(Regex),
    /// Present and not null.
    Present,
    /// Absent or null.
    Absent,
    /// Absent, null, `""`, `[]` or `{}`.
    Empty,
    /// Present and not empty.
    NotEmpty,
    /// A number greater than the value.
    Gt(Operand),
    /// A number greater than or equal to the value.
    Ge(Operand),
    /// A number less than the value.
    Lt(Operand),
    /// A number less than or equal to the value.
    Le(Operand),
    /// A file mode granting no permission beyond these bits.
    ModeAtMost(u32),
    /// A file owner (`user` or `user:group`).
    OwnerIs(String),
    /// A list whose every element is in the value list.
    SubsetOf(Operand),
    /// A list holding every element of the value list.
    ContainsAll(Operand),
    /// A path that is none of the value's paths nor a folder above one.
    EnclosesNoneOf(Operand),
    /// An audit rule set (`host.audit`) that watches this host path (placeholders allowed).
    Audits(String),
}

/// An operator's operand once parsed, by what the operator takes
/// ([`Takes`](super::vocabulary::Takes)).
#[derive(Debug)]
pub enum Arg {
    /// A value, list or number (literal, parameter or fact).
    Operand(Operand),
    /// A compiled regular expression.
    Regex(Regex),
    /// `true`.
    Flag,
    /// A file mode.
    Mode(u32),
    /// `user` or `user:group`.
    Owner(String),
    /// A host path or placeholder.
    Target(String),
}

/// The operand of an operator that takes one, borrowed as `$op` is (shared or mutable).
macro_rules! operand_of {
    ($op:expr) => {
        match $op {
            Op::Equals(o)
            | Op::NotEquals(o)
            | Op::In(o)
            | Op::NotIn(o)
            | Op::Contains(o)
            | Op::NotContains(o)
            | Op::Gt(o)
            | Op::Ge(o)
            | Op::Lt(o)
            | Op::Le(o)
            | Op::SubsetOf(o)
            | Op::ContainsAll(o)
            | Op::EnclosesNoneOf(o) => Some(o),
            _ => None,
        }
    };
}

impl Op {
    /// The operator `name` of [`OPERATORS`](super::vocabulary::OPERATORS) with its operand;
    /// `None` when the two do not go together.
    pub fn new(name: &str, arg: Arg) -> Option<Op> {
        Some(match (name, arg) {
            ("equals", Arg::Operand(o)) => Op::Equals(o),
            ("not-equals", Arg::Operand(o)) => Op::NotEquals(o),
            ("in", Arg::Operand(o)) => Op::In(o),
            ("not-in", Arg::Operand(o)) => Op::NotIn(o),
            ("matches", Arg::Regex(r)) => Op::Matches(r),
            ("not-matches", Arg::Regex(r)) => Op::NotMatches(r),
            ("contains", Arg::Operand(o)) => Op::Contains(o),
            ("not-contains", Arg::Operand(o)) => Op::NotContains(o),
            ("any-matches", Arg::Regex(r)) => Op::AnyMatches(r),
            ("none-matches", Arg::Regex(r)) => Op::NoneMatches(r),
            ("present", Arg::Flag) => Op::Present,
            ("absent", Arg::Flag) => Op::Absent,
            ("empty", Arg::Flag) => Op::Empty,
            ("not-empty", Arg::Flag) => Op::NotEmpty,
            ("gt", Arg::Operand(o)) => Op::Gt(o),
            ("ge", Arg::Operand(o)) => Op::Ge(o),
            ("lt", Arg::Operand(o)) => Op::Lt(o),
            ("le", Arg::Operand(o)) => Op::Le(o),
            ("mode-at-most", Arg::Mode(m)) => Op::ModeAtMost(m),
            ("owner-is", Arg::Owner(o)) => Op::OwnerIs(o),
            ("subset-of", Arg::Operand(o)) => Op::SubsetOf(o),
            ("contains-all", Arg::Operand(o)) => Op::ContainsAll(o),
            ("encloses-none-of", Arg::Operand(o)) => Op::EnclosesNoneOf(o),
            ("audits", Arg::Target(t)) => Op::Audits(t),
            _ => return None,
        })
    }

    /// The operator's operand, for operators that take one, to change.
    pub fn operand_mut(&mut self) -> Option<&mut Operand> {
        operand_of!(self)
    }

    /// The operator's operand, for operators that take one.
    pub fn operand(&self) -> Option<&Operand> {
        operand_of!(self)
    }

    /// The operator's name as written in rule files.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Equals(_) => "equals",
            Op::NotEquals(_) => "not-equals",
            Op::In(_) => "in",
            Op::NotIn(_) => "not-in",
            Op::Matches(_) => "matches",
            Op::NotMatches(_) => "not-matches",
            Op::Contains(_) => "contains",
            Op::NotContains(_) => "not-contains",
            Op::AnyMatches(_) => "any-matches",
            Op::NoneMatches(_) => "none-matches",
            Op::Present => "present",
            Op::Absent => "absent",
            Op::Empty => "empty",
            Op::NotEmpty => "not-empty",
            Op::Gt(_) => "gt",
            Op::Ge(_) => "ge",
            Op::Lt(_) => "lt",
            Op::Le(_) => "le",
            Op::ModeAtMost(_) => "mode-at-most",
            Op::OwnerIs(_) => "owner-is",
            Op::SubsetOf(_) => "subset-of",
            Op::ContainsAll(_) => "contains-all",
            Op::EnclosesNoneOf(_) => "encloses-none-of",
            Op::Audits(_) => "audits",
        }
    }

    /// "expected …" sentence for evidence.
    pub fn expectation(&self) -> String {
        match self {
            Op::Equals(v) => format!("equal to {v}"),
            Op::NotEquals(v) => format!("not equal to {v}"),
            Op::In(v) => format!("one of {v}"),
            Op::NotIn(v) => format!("none of {v}"),
            Op::Matches(r) => format!("matching /{r}/"),
            Op::NotMatches(r) => format!("not matching /{r}/"),
            Op::Contains(v) => format!("containing {v}"),
            Op::NotContains(v) => format!("not containing {v}"),
            Op::AnyMatches(r) => format!("an element matching /{r}/"),
            Op::NoneMatches(r) => format!("no element matching /{r}/"),
            Op::Present => "present".into(),
            Op::Absent => "absent".into(),
            Op::Empty => "empty or unset".into(),
            Op::NotEmpty => "set and not empty".into(),
            Op::Gt(v) => format!("greater than {v}"),
            Op::Ge(v) => format!("at least {v}"),
            Op::Lt(v) => format!("less than {v}"),
            Op::Le(v) => format!("at most {v}"),
            Op::ModeAtMost(m) => format!("mode {m:04o} or more restrictive"),
            Op::OwnerIs(o) => format!("owned by {o}"),
            Op::SubsetOf(v) => format!("only members of {v}"),
            Op::ContainsAll(v) => format!("containing every one of {v}"),
            Op::EnclosesNoneOf(v) => format!("neither {v} nor a folder holding it"),
            Op::Audits(p) => format!("an audit watch on {p}, loaded and persistent"),
        }
    }

    /// The expectation in words for people (terminal, HTML): no JSON quoting and no regular
    /// expressions. A regex operator can only say that a pattern applies; rules that use one
    /// give their own words with `expect`.
    pub fn expectation_in_words(&self) -> String {
        match self {
            Op::Equals(v) => format!("equal to {}", v.in_words()),
            Op::NotEquals(v) => format!("anything but {}", v.in_words()),
            Op::In(v) => format!("one of {}", v.in_words()),
            Op::NotIn(v) => format!("none of {}", v.in_words()),
            Op::Matches(_) => "a value of the form the rule describes".into(),
            Op::NotMatches(_) => "a value not of the form the rule describes".into(),
            Op::Contains(v) => format!("containing {}", v.in_words()),
            Op::NotContains(v) => format!("not containing {}", v.in_words()),
            Op::AnyMatches(_) => "an entry of the form the rule describes".into(),
            Op::NoneMatches(_) => "no entry of the form the rule describes".into(),
            Op::Present => "set".into(),
            Op::Absent => "not set".into(),
            Op::Empty => "empty or not set".into(),
            Op::NotEmpty => "set and not empty".into(),
            Op::Gt(v) => format!("more than {}", v.in_words()),
            Op::Ge(v) => format!("at least {}", v.in_words()),
            Op::Lt(v) => format!("less than {}", v.in_words()),
            Op::Le(v) => format!("at most {}", v.in_words()),
            Op::ModeAtMost(m) => format!("mode at most {m:04o}"),
            Op::OwnerIs(o) => format!("owned by {o}"),
            Op::SubsetOf(v) => format!("only members of {}", v.in_words()),
            Op::ContainsAll(v) => format!("containing every one of {}", v.in_words()),
            Op::EnclosesNoneOf(v) => format!("neither {} nor a folder holding it", v.in_words()),
            Op::Audits(p) => format!("an audit watch on {p}, loaded and persistent"),
        }
    }
}

/// What a test concludes when its fact is absent or null.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Missing {
    /// The test fails (default).
    #[default]
    Fail,
    /// The test passes (the unset default is safe).
    Pass,
    /// The rule does not apply (e.g. the file does not exist).
    NotApplicable,
    /// The rule cannot be decided.
    Error,
    /// The test is left out of its combination; a check whose tests are all skipped is not
    /// applicable.
    Skip,
    /// The rule needs a person or an option to decide (e.g. a fact only `--deep-images`
    /// gathers).
    NotChecked,
}

/// What a test concludes when its fact is there but does not meet the operator (`unmet` in
/// rule files).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unmet {
    /// The test fails (default).
    #[default]
    Fail,
    /// The rule cannot be decided: the fact is not of the kind the rule judges (a folder
    /// where a file is meant), and judging it as one would mislead.
    Error,
}

/// The result of a rule or instance.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The recommendation is met.
    Pass,
    /// The recommendation is not met.
    Fail,
    /// Could not be decided; the message says why.
    Error,
    /// Does not apply to this host; the message says why.
    NotApplicable,
    /// Needs a person (manual) or a parameter; the message says what.
    NotChecked,
    /// Facts reported without a verdict.
    Informational,
}

impl Status {
    /// All statuses in report order.
    pub const ALL: [Status; 6] = [
        Status::Fail,
        Status::Error,
        Status::Pass,
        Status::Informational,
        Status::NotApplicable,
        Status::NotChecked,
    ];

    /// Rank for "the worst of" when instance results roll up into a rule's: fail > error >
    /// notchecked > pass > notapplicable > informational. A rule passes only when every
    /// instance it applies to was checked: one that a person still has to look at
    /// (notchecked) outranks the others' pass. (XCCDF's AND table ranks notchecked lowest, but
    /// it combines a rule's checks; here each instance is the rule asked of one container.)
    pub fn badness(self) -> u8 {
        match self {
            Status::Fail => 5,
            Status::Error => 4,
            Status::NotChecked => 3,
            Status::Pass => 2,
            Status::NotApplicable => 1,
            Status::Informational => 0,
        }
    }

    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::NotApplicable => "notapplicable",
            Status::NotChecked => "notchecked",
            Status::Informational => "informational",
        }
    }
}

/// Rule-file words for display: what `rules show` prints is what a rule file says.
macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Assessment, Severity, Scope);

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name bollwerk does not have (`--fail-on`, a report's JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status '{name}': expected one of fail, error, pass, informational, notapplicable, notchecked")]
pub struct UnknownStatus {
    /// The name given.
    pub name: String,
}

impl Status {
    /// The status called `name`, the word [`Status::as_str`] gives (`fail`, `notapplicable`).
    pub fn from_name(name: &str) -> Result<Status, UnknownStatus> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == name)
            .ok_or_else(|| UnknownStatus {
                name: name.to_string(),
            })
    }
}

impl std::str::FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Status, Self::Err> {
        Status::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words shown to people are the words of the rule files and of report.json.
    #[test]
    fn display_words_are_the_serialised_words() {
        fn same<T: Serialize + fmt::Display>(v: T) {
            assert_eq!(serde_json::to_value(&v).unwrap(), v.to_string());
        }
        [Assessment::Automated, Assessment::Manual]
            .into_iter()
            .for_each(same);
        [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .for_each(same);
        [
            Scope::Host,
            Scope::Daemon,
            Scope::EachContainer,
            Scope::EachImage,
        ]
        .into_iter()
        .for_each(same);
        Status::ALL.into_iter().for_each(same);
    }
}

/// A rule's fix as data (`fix = { … }` in rule files): what `--format plan` proposes. Each part
/// is optional; a rule without one is left to its remediation text.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Fix {
    /// daemon.json keys and the values that pass the rule; `null` removes a key.
    pub daemon_json: serde_json::Map<String, serde_json::Value>,
    /// `docker run` flags a hardened container gets (`--memory 512m`).
    pub run_add: Vec<String>,
    /// `docker run` flags to leave out (`--pid host`).
    pub run_remove: Vec<String>,
    /// The compose file's keys for the same (`mem_limit: 512m`, or `pid: host` to remove).
    pub compose: Vec<String>,
}

impl Fix {
    /// Whether the rule carries no fix data.
    pub fn is_empty(&self) -> bool {
        self.daemon_json.is_empty()
            && self.run_add.is_empty()
            && self.run_remove.is_empty()
            && self.compose.is_empty()
    }
}
