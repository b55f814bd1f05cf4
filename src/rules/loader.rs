//! Reads rule files (TOML) and validates every field, reporting `file:line: what is wrong`.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::benchmarks::{self, Benchmark, Benchmarks};
use super::model::{
    Arg, Assessment, BenchmarkRef, Check, Fix, Missing, Op, Operand, Rule, Scope, Severity, Test,
    Unmet,
};
use super::path::{FactPath, PathError};
use super::vocabulary::{
    closest, operator, operator_names, Takes, WhenAbsent, CHECK_KEYS, OPERATORS,
};
use super::{params, template, RuleSet};
use crate::facts::fact_paths::{self, Step};
use crate::facts::placeholder::{
    balanced_braces, placeholders_in, prose_placeholders, LOCATION_KINDS,
};

/// A problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.location_and_message())]
pub struct LoadError {
    /// The file.
    pub file: String,
    /// 1-based line; 0 when the error is about the whole file or folder.
    pub line: usize,
    /// What is wrong and the expected form.
    pub message: String,
}

impl LoadError {
    /// `file:line: message`, or `file: message` when no line is meant.
    fn location_and_message(&self) -> String {
        match self.line {
            0 => format!("{}: {}", self.file, self.message),
            line => format!("{}:{line}: {}", self.file, self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    benchmark: Vec<Spanned<RawBenchmark>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBenchmark {
    name: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    description: Option<Spanned<String>>,
    #[serde(default)]
    ident_system: Option<String>,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    rules: Option<BTreeMap<String, Spanned<toml::Value>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    id: Spanned<String>,
    #[serde(default)]
    id_1_6_0: Option<Spanned<String>>,
    #[serde(default)]
    benchmarks: Option<BenchmarkTable>,
    title: Spanned<String>,
    description: String,
    rationale: String,
    #[serde(default)]
    impact: Option<String>,
    remediation: String,
    level: Spanned<i64>,
    assessment: Spanned<String>,
    severity: Spanned<String>,
    #[serde(default)]
    references: Vec<String>,
    scope: Spanned<String>,
    #[serde(default)]
    applies_when: Option<Spanned<RawCheck>>,
    #[serde(default)]
    check: Option<Spanned<RawCheck>>,
    #[serde(default)]
    informational: bool,
    #[serde(default)]
    redact: bool,
    #[serde(default)]
    requires_dockerd: bool,
    #[serde(default)]
    fix: Option<Spanned<RawFix>>,
}

/// A rule's `benchmarks` table as written.
type BenchmarkTable = Spanned<BTreeMap<String, Spanned<toml::Value>>>;

/// Where a rule is numbered, read from a rule whose other keys may hold mistakes
/// ([`recover`]): the keys of [`RawRule`] that say it, the others ignored.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawNumbering {
    #[serde(default)]
    id_1_6_0: Option<Spanned<String>>,
    #[serde(default)]
    benchmarks: Option<BenchmarkTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFix {
    #[serde(default)]
    daemon_json: Option<toml::Table>,
    #[serde(default)]
    run_add: Vec<String>,
    #[serde(default)]
    run_remove: Vec<String>,
    #[serde(default)]
    compose: Vec<String>,
}

/// A check table as written: the structural keys by name, every other key an operator
/// (validated against [`OPERATORS`](super::vocabulary::OPERATORS)).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawCheck {
    all: Option<Vec<Spanned<RawCheck>>>,
    any: Option<Vec<Spanned<RawCheck>>>,
    not: Option<Box<Spanned<RawCheck>>>,
    every: Option<Spanned<String>>,
    check: Option<Box<Spanned<RawCheck>>>,
    fact: Option<Spanned<String>>,
    missing: Option<Spanned<String>>,
    unmet: Option<Spanned<String>>,
    expect: Option<Spanned<String>>,
    #[serde(flatten)]
    operators: BTreeMap<String, toml::Value>,
}

/// Turns byte offsets into line numbers for one file.
struct Source<'a> {
    name: &'a str,
    /// Where each line break is: every rule and benchmark entry names its line, and counting
    /// from the start for each made loading the rules a square of the files' size.
    breaks: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(name: &'a str, text: &str) -> Source<'a> {
        let breaks = text
            .bytes()
            .enumerate()
            .filter_map(|(at, b)| (b == b'\n').then_some(at))
            .collect();
        Source { name, breaks }
    }

    fn line(&self, offset: usize) -> usize {
        // Line breaks before `offset`, plus one.
        self.breaks.partition_point(|&at| at < offset) + 1
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.name.to_string(),
            line: self.line(offset),
            message: message.into(),
        }
    }
}

/// What rule files hold: rules and benchmark declarations.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The `[[benchmark]]` declarations, in file order.
    pub benchmarks: Vec<Benchmark>,
    /// For rules read from a folder ([`load_dir_full`]): what names their content, the first
    /// 12 hex digits of [`files_digest`]; `None` for the embedded rules.
    pub digest: Option<String>,
    /// Rules whose definition has a mistake, read leniently ([`parse_file_lenient`]).
    pub unusable: Vec<Unusable>,
    /// Every mistake found in the files read leniently, each once.
    pub problems: Vec<LoadError>,
    /// Files of which no rule can be told (unreadable, not a regular file, not TOML and no
    /// `id` line in them): a rule they replace would be judged by its old definition, so a
    /// scan does not go on past them ([`merge_lenient`]).
    pub untold: Vec<LoadError>,
}

/// A rule of a `--checks` file that cannot be used as written: a scan reports it as `error`
/// under its id ([`super::model::Rule::invalid`]), since leaving it out would quietly change
/// the audit, and a rule it was to replace must not be judged by the old definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    /// Its id, as the file gives it.
    pub id: String,
    /// Its title, when the file gives one.
    pub title: Option<String>,
    /// Its place in each benchmark, when its `benchmarks` table (or `id-1-6-0`) can be read
    /// without a mistake; else none, and the rule is reported under every numbering (a rule
    /// no benchmark numbers): shown in too many places rather than hidden from one.
    pub benchmarks: Vec<BenchmarkRef>,
    /// Where it is defined: `file:line`.
    pub origin: String,
    /// What is wrong with it: `file:line: message`, the first of its mistakes.
    pub problem: String,
}

/// The SHA-256 (lowercase hex) of rule files, given as (path relative to their folder, bytes)
/// in the order they are read (sorted by path): for each, its path, a NUL, its length as 8
/// bytes little-endian and its bytes. Two folders get the same digest only when they hold the
/// same rule files with the same content; where the folder lies does not matter.
pub fn files_digest<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (path, bytes) in files {
        ctx.update(path.as_bytes());
        ctx.update(&[0]);
        ctx.update(&(bytes.len() as u64).to_le_bytes());
        ctx.update(bytes);
    }
    crate::digest::hex(ctx.finish().as_ref())
}

/// Parses and validates one rule file. `name` is used in messages and origins.
pub fn parse_file(name: &str, text: &str) -> Result<Vec<Rule>, Vec<LoadError>> {
    parse_file_full(name, text).map(|l| l.rules)
}

/// Parses and validates one rule file: its rules and its benchmark declarations. Whether the
/// benchmarks its rules name are declared is checked once all files are read ([`merge_all`]).
pub fn parse_file_full(name: &str, text: &str) -> Result<Loaded, Vec<LoadError>> {
    let src = Source::new(name, text);
    let toml_error = |e: toml::de::Error| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        vec![src.err(offset, e.message().trim().replace('\n', " "))]
    };
    let mut table = toml::de::DeTable::parse(text).map_err(toml_error)?;
    let expansions = template::expand(table.get_mut()).map_err(|problems| {
        problems
            .into_iter()
            .map(|(at, message)| src.err(at, message))
            .collect::<Vec<_>>()
    })?;
    let raw = RawFile::deserialize(toml::de::Deserializer::from(table)).map_err(toml_error)?;
    let mut loaded = Loaded::default();
    let mut errors = Vec::new();
    for (i, raw_rule) in raw.rule.into_iter().enumerate() {
        match validate_rule(&src, raw_rule) {
            Ok(rule) => loaded.rules.push(rule),
            Err(mut e) => {
                // A value the template gave: say for which rule it was expanded.
                if let Some(Some(x)) = expansions.get(i) {
                    let lines = src.line(x.extent.start)..=src.line(x.extent.end);
                    for err in e.iter_mut().filter(|err| lines.contains(&err.line)) {
                        err.message = format!(
                            "{} (template '{}', expanded for the rule at line {})",
                            err.message,
                            x.template,
                            src.line(x.rule_at)
                        );
                    }
                }
                errors.append(&mut e);
            }
        }
    }
    for raw_benchmark in raw.benchmark {
        match validate_benchmark(&src, raw_benchmark) {
            Ok(b) => loaded.benchmarks.push(b),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// [`parse_file_full`] for a scan, which goes on where it can: a rule with a mistake becomes
/// [`Unusable`] (by its id) and the file's other rules and benchmarks are kept. A file that is
/// not TOML at all, or whose templates cannot be expanded, keeps no rule; each `id = "…"` line
/// in it names a rule that is then unusable. Every mistake is in [`Loaded::problems`], with
/// the messages [`parse_file_full`] gives.
pub fn parse_file_lenient(name: &str, text: &str) -> Loaded {
    let problems = match parse_file_full(name, text) {
        Ok(loaded) => return loaded,
        Err(problems) => problems,
    };
    let src = Source::new(name, text);
    let mut loaded = Loaded::default();
    let mut problems = problems;
    if let Some(more) = recover(&src, text, &mut loaded) {
        // The whole file's reading stops at its first misshapen rule; the rules read one by
        // one name the mistakes of the others too.
        // A mistake the whole file's reading found already is said once, as it said it (with
        // the template a value came from).
        let told = |p: &LoadError, by: &LoadError| {
            (p.file.as_str(), p.line) == (by.file.as_str(), by.line)
                && by.message.starts_with(&p.message)
        };
        for p in more {
            if !problems.iter().any(|by| told(&p, by)) {
                problems.push(p);
            }
        }
        problems.sort_by_key(|p| p.line);
        for u in &mut loaded.unusable {
            if let Some(by) = problems
                .iter()
                .find(|by| by.to_string().starts_with(&u.problem))
            {
                u.problem = by.to_string();
            }
        }
    } else {
        // Nothing of the file can be trusted: the rules it seems to define are errors.
        static ID_LINE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
            // `id = "…"`, `id = '…'`, and the key quoted either way: TOML's spellings of it.
            Regex::new(
                r#"(?m)^[ \t]*(?:id|"id"|'id')[ \t]*=[ \t]*(?:"([^"\\]*)"|'([^']*)')[ \t]*(#.*)?\r?$"#,
            )
            .expect("static regex")
        });
        let first = problems
            .first()
            .map(LoadError::to_string)
            .unwrap_or_default();
        for m in ID_LINE.captures_iter(text) {
            let line = m.get(0).expect("whole match");
            let id = m.get(1).or(m.get(2)).map_or("", |id| id.as_str());
            if RULE_ID.is_match(id) {
                loaded.unusable.push(Unusable {
                    id: id.to_string(),
                    title: None,
                    benchmarks: Vec::new(),
                    origin: format!("{name}:{}", src.line(line.start())),
                    problem: first.clone(),
                });
            }
        }
        if loaded.unusable.is_empty() {
            loaded.untold.push(LoadError {
                file: name.to_string(),
                line: 0,
                message: "not TOML, and no `id = \"…\"` line in it names a rule: which rules it adds or replaces cannot be told".into(),
            });
        }
    }
    loaded.problems = problems;
    loaded
}

/// Reads the usable part of a file [`parse_file_full`] refused: each `[[rule]]` table and
/// the benchmark declarations on their own, returning the mistakes found. `None` when the
/// file is not TOML or its templates cannot be expanded.
fn recover(src: &Source, text: &str, loaded: &mut Loaded) -> Option<Vec<LoadError>> {
    use serde::de::IntoDeserializer;
    use toml::de::DeValue;
    let mut table = toml::de::DeTable::parse(text).ok()?;
    template::expand(table.get_mut()).ok()?;
    let rules = match table.get_mut().remove("rule").map(Spanned::into_inner) {
        Some(DeValue::Array(rules)) => rules,
        Some(_) => return None,
        None => Default::default(),
    };
    let mut problems = Vec::new();
    match RawFile::deserialize(toml::de::Deserializer::from(table)) {
        Ok(raw) => {
            for b in raw.benchmark {
                match validate_benchmark(src, b) {
                    Ok(b) => loaded.benchmarks.push(b),
                    Err(e) => problems.push(e),
                }
            }
        }
        Err(e) => problems.push(src.err(
            e.span().map_or(0, |s| s.start),
            e.message().trim().replace('\n', " "),
        )),
    }
    for item in rules {
        let at = item.span().start;
        let text_of = |key: &str| match item.get_ref() {
            DeValue::Table(t) => match t.get(key).map(Spanned::get_ref) {
                Some(DeValue::String(s)) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        };
        let (id, title) = (text_of("id"), text_of("title"));
        // Where it is numbered, read as the id is: on its own, so that a mistake elsewhere in
        // the rule does not put it under benchmarks it was not declared for.
        let numbering = match &id {
            Some(id) => RawNumbering::deserialize(item.clone().into_deserializer())
                .ok()
                .and_then(|n| {
                    let mut wrong = Vec::new();
                    let refs = benchmark_refs(
                        src,
                        id,
                        &RULE_ID,
                        n.id_1_6_0.as_ref(),
                        n.benchmarks.as_ref(),
                        &mut wrong,
                    );
                    wrong.is_empty().then_some(refs)
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let mistakes = match Spanned::<RawRule>::deserialize(item.into_deserializer()) {
            Ok(raw) => match validate_rule(src, raw) {
                Ok(rule) => {
                    loaded.rules.push(rule);
                    continue;
                }
                Err(mistakes) => mistakes,
            },
            Err(e) => vec![src.err(
                e.span().map_or(at, |s| s.start),
                e.message().trim().replace('\n', " "),
            )],
        };
        // A rule without an id cannot be named in a report: its mistakes stay problems only.
        if let Some(id) = id.filter(|id| RULE_ID.is_match(id)) {
            loaded.unusable.push(Unusable {
                id,
                title: title
                    .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
                    .filter(|t| !t.is_empty()),
                benchmarks: numbering,
                origin: format!("{}:{}", src.name, src.line(at)),
                problem: mistakes
                    .first()
                    .map(LoadError::to_string)
                    .unwrap_or_default(),
            });
        }
        problems.extend(mistakes);
    }
    Some(problems)
}

/// A benchmark's name: what `--benchmark` takes.
static BENCHMARK_NAME: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9._-]*$").expect("static regex"));

/// A rule's id in a benchmark: CIS numbers, STIG ids (`V-235782`), an organisation's own.
static BENCHMARK_ID: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$").expect("static regex")
});

fn validate_benchmark(src: &Source, raw: Spanned<RawBenchmark>) -> Result<Benchmark, LoadError> {
    let start = raw.span().start;
    let raw = raw.into_inner();
    let name = raw.name.get_ref();
    if !BENCHMARK_NAME.is_match(name) {
        return Err(src.err(
            raw.name.span().start,
            format!("bad benchmark name '{name}': expected letters, digits, '.', '_' and '-', such as cis-docker-1.6.0"),
        ));
    }
    let one_line = |s: &Spanned<String>, what: &str| {
        let t = s.get_ref().trim();
        if t.is_empty() || t.contains('\n') {
            Err(src.err(s.span().start, format!("{what} must be one non-empty line")))
        } else {
            Ok(t.to_string())
        }
    };
    let mut members = Vec::new();
    for (rule, value) in raw.rules.iter().flatten() {
        members.push((rule.clone(), benchmark_entry(src, name, value)?));
    }
    Ok(Benchmark {
        rules: members,
        name: name.clone(),
        title: one_line(&raw.title, "title")?,
        version: raw.version,
        publisher: raw.publisher,
        description: raw
            .description
            .as_ref()
            .map(|d| one_line(d, "description"))
            .transpose()?,
        ident_system: raw.ident_system,
        default: raw.default,
        origin: format!("{}:{}", src.name, src.line(start)),
    })
}

/// A rule's `benchmarks` table (or the old key `id-1-6-0`) as entries.
fn benchmark_refs(
    src: &Source,
    id: &str,
    id_re: &Regex,
    id_1_6_0: Option<&Spanned<String>>,
    table: Option<&BenchmarkTable>,
    errors: &mut Vec<LoadError>,
) -> Vec<BenchmarkRef> {
    let mut refs = Vec::new();
    if let Some(old) = id_1_6_0 {
        if old.get_ref() != "-" && !id_re.is_match(old.get_ref()) {
            errors.push(src.err(
                old.span().start,
                format!(
                    "bad id-1-6-0 '{}': expected a CIS number such as 2.9, or \"-\" for recommendations new in 1.8.0",
                    old.get_ref()
                ),
            ));
        }
        if let Some(table) = table {
            errors.push(src.err(
                table.span().start,
                format!(
                    "id-1-6-0 is the old spelling of benchmarks.\"{}\": write one or the other",
                    benchmarks::CIS_1_6_0
                ),
            ));
        }
        // The old key: the rule's id is its CIS 1.8.0 number, `-` means not in 1.6.0.
        let origin = format!("{}:{}", src.name, src.line(old.span().start));
        refs.push(BenchmarkRef {
            benchmark: benchmarks::CIS_1_8_0.into(),
            id: id.to_string(),
            title: None,
            origin: origin.clone(),
        });
        if old.get_ref() != "-" {
            refs.push(BenchmarkRef {
                benchmark: benchmarks::CIS_1_6_0.into(),
                id: old.get_ref().clone(),
                title: None,
                origin,
            });
        }
        return refs;
    }
    let Some(table) = table else {
        return refs;
    };
    for (benchmark, value) in table.get_ref() {
        let at = value.span().start;
        if !BENCHMARK_NAME.is_match(benchmark) {
            errors.push(src.err(at, format!("bad benchmark name '{benchmark}'")));
            continue;
        }
        match benchmark_entry(src, benchmark, value) {
            Ok(entry) => refs.push(entry),
            Err(e) => errors.push(e),
        }
    }
    refs
}

/// One entry of a benchmark table: the rule's id there as a string, or `{ id, title }`.
fn benchmark_entry(
    src: &Source,
    benchmark: &str,
    value: &Spanned<toml::Value>,
) -> Result<BenchmarkRef, LoadError> {
    let at = value.span().start;
    let takes = format!(
        "benchmarks.\"{benchmark}\" takes the rule's id there as a string, or {{ id = \"…\", title = \"…\" }}"
    );
    let (bid, title) = match value.get_ref() {
        toml::Value::String(s) => (s.clone(), None),
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| *k != "id" && *k != "title") {
                return Err(src.err(
                    at,
                    format!("benchmarks.\"{benchmark}\": unknown key '{k}': expected id and title"),
                ));
            }
            match (t.get("id"), t.get("title")) {
                (Some(toml::Value::String(i)), None) => (i.clone(), None),
                (Some(toml::Value::String(i)), Some(toml::Value::String(t))) => {
                    let t = t.trim();
                    if t.is_empty() || t.contains('\n') {
                        return Err(src.err(
                            at,
                            format!("benchmarks.\"{benchmark}\": title must be one non-empty line"),
                        ));
                    }
                    (i.clone(), Some(t.to_string()))
                }
                _ => return Err(src.err(at, takes)),
            }
        }
        other => return Err(src.err(at, format!("{takes}, found {}", other.type_str()))),
    };
    if !BENCHMARK_ID.is_match(&bid) {
        return Err(src.err(
            at,
            format!("bad id '{bid}' in {benchmark}: expected letters, digits, '.', ':', '_' and '-', such as 2.9 or ORG-7"),
        ));
    }
    Ok(BenchmarkRef {
        benchmark: benchmark.to_string(),
        id: bid,
        title,
        origin: format!("{}:{}", src.name, src.line(at)),
    })
}
/// A rule's id: a CIS number or a bollwerk id. Compiled once: compiling it for each of the
/// 142 rules took a fifth of a scan's start.
static RULE_ID: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"^(\d+(\.\d+)*|BW-[A-Z0-9]+(-[A-Z0-9]+)*)$").expect("static regex")
});

fn validate_rule(src: &Source, raw: Spanned<RawRule>) -> Result<Rule, Vec<LoadError>> {
    let start = raw.span().start;
    let raw = raw.into_inner();
    let mut errors = Vec::new();
    let id_re = &*RULE_ID;
    let id = raw.id.get_ref().clone();
    if !id_re.is_match(&id) {
        errors.push(src.err(
            raw.id.span().start,
            format!("bad rule id '{id}': expected a CIS number such as 5.10 or a bollwerk id such as BW-NS-1"),
        ));
    }
    let refs = benchmark_refs(
        src,
        &id,
        id_re,
        raw.id_1_6_0.as_ref(),
        raw.benchmarks.as_ref(),
        &mut errors,
    );
    let title = raw.title.get_ref().trim().to_string();
    if title.is_empty() || title.contains('\n') {
        errors.push(src.err(raw.title.span().start, "title must be one non-empty line"));
    }
    let level = *raw.level.get_ref();
    if !(1..=2).contains(&level) {
        errors.push(src.err(
            raw.level.span().start,
            format!("level {level} is not a CIS profile level: expected 1 or 2"),
        ));
    }
    let assessment = match raw.assessment.get_ref().as_str() {
        "automated" => Assessment::Automated,
        "manual" => Assessment::Manual,
        other => {
            errors.push(src.err(
                raw.assessment.span().start,
                format!("unknown assessment '{other}': expected automated or manual"),
            ));
            Assessment::Manual
        }
    };
    let severity = match raw.severity.get_ref().as_str() {
        "low" => Severity::Low,
        "medium" => Severity::Medium,
        "high" => Severity::High,
        other => {
            errors.push(src.err(
                raw.severity.span().start,
                format!("unknown severity '{other}': expected low, medium or high"),
            ));
            Severity::Low
        }
    };
    let scope = match raw.scope.get_ref().as_str() {
        "host" => Some(Scope::Host),
        "daemon" => Some(Scope::Daemon),
        "each-container" => Some(Scope::EachContainer),
        "each-image" => Some(Scope::EachImage),
        other => {
            errors.push(src.err(
                raw.scope.span().start,
                format!(
                    "unknown scope '{other}': expected host, daemon, each-container or each-image"
                ),
            ));
            None
        }
    };
    let convert = |c: Option<Spanned<RawCheck>>, errors: &mut Vec<LoadError>| {
        let (c, scope) = (c?, scope?);
        match validate_check(src, c, scope, false) {
            Ok(c) => Some(c),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        }
    };
    let fix = match (raw.fix, scope) {
        (None, _) | (_, None) => Fix::default(),
        (Some(f), Some(scope)) => {
            let at = f.span().start;
            let f = f.into_inner();
            let container = scope == Scope::EachContainer;
            let container_fix =
                !(f.run_add.is_empty() && f.run_remove.is_empty() && f.compose.is_empty());
            if container_fix && !container {
                errors.push(src.err(
                    at,
                    "fix: run-add, run-remove and compose are for each-container rules",
                ));
            }
            let mut daemon_json = serde_json::Map::new();
            for (key, value) in f.daemon_json.unwrap_or_default() {
                if container {
                    errors.push(src.err(at, "fix: daemon-json is for host and daemon rules"));
                    break;
                }
                if !crate::facts::daemon_settings::is_known_setting(&key) {
                    errors.push(src.err(
                        at,
                        format!("fix: '{key}' is not a daemon.json key bollwerk knows"),
                    ));
                }
                // The string "remove" stands for JSON null: TOML has no null.
                let value = match value {
                    toml::Value::String(s) if s == "remove" => serde_json::Value::Null,
                    other => serde_json::to_value(other).unwrap_or(serde_json::Value::Null),
                };
                daemon_json.insert(key, value);
            }
            Fix {
                daemon_json,
                run_add: f.run_add,
                run_remove: f.run_remove,
                compose: f.compose,
            }
        }
    };
    for p in prose_placeholders(&raw.remediation) {
        if let Err(e) = check_placeholder(&p) {
            errors.push(src.err(start, format!("remediation: {e}")));
        }
    }
    let applies_when = convert(raw.applies_when, &mut errors);
    let check = convert(raw.check, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Rule {
        id_1_6_0: benchmarks::legacy_id_1_6_0(&id, &refs),
        id,
        benchmarks: refs,
        title,
        description: raw.description.trim().to_string(),
        rationale: raw.rationale.trim().to_string(),
        impact: raw.impact.map(|s| s.trim().to_string()),
        remediation: raw.remediation.trim().to_string(),
        level: level as u8,
        assessment,
        severity,
        references: raw.references,
        scope: scope.expect("checked above"),
        applies_when,
        check,
        informational: raw.informational,
        redact: raw.redact,
        requires_dockerd: raw.requires_dockerd,
        fix,
        origin: format!("{}:{}", src.name, src.line(start)),
        invalid: None,
    })
}

fn validate_check(
    src: &Source,
    raw: Spanned<RawCheck>,
    scope: Scope,
    in_every: bool,
) -> Result<Check, Vec<LoadError>> {
    let at = raw.span().start;
    let raw = raw.into_inner();
    let err = |m: String| vec![src.err(at, m)];
    let combinators = [
        raw.all.is_some(),
        raw.any.is_some(),
        raw.not.is_some(),
        raw.every.is_some(),
        raw.fact.is_some(),
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if combinators != 1 {
        return Err(err(
            "a check has exactly one of `all`, `any`, `not`, `every` (with `check`) or `fact` (with an operator)".into(),
        ));
    }
    if let Some(unknown) = raw.operators.keys().find(|k| operator(k).is_none()) {
        let quoted = |names: &mut dyn Iterator<Item = &str>| {
            names
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let hint = closest(
            unknown,
            CHECK_KEYS
                .iter()
                .copied()
                .chain(OPERATORS.iter().map(|o| o.name)),
        )
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
        return Err(err(format!(
            "unknown field `{unknown}`{hint}: expected {} or an operator: {}",
            quoted(&mut CHECK_KEYS.iter().copied()),
            quoted(&mut OPERATORS.iter().map(|o| o.name))
        )));
    }
    if raw.fact.is_none() && !raw.operators.is_empty() {
        return Err(err(
            "operators belong to a `fact` test: `all`, `any`, `not` and `every` take none".into(),
        ));
    }
    let decides_absence = raw
        .operators
        .keys()
        .any(|k| operator(k).is_some_and(|o| o.when_absent != WhenAbsent::Missing));
    if raw.missing.is_some() && decides_absence {
        return Err(err(
            "`missing` has no effect with present, absent, empty, not-empty or subset-of: they decide absent facts themselves".into(),
        ));
    }
    if raw.expect.is_some() && raw.fact.is_none() {
        return Err(err(
            "`expect` words the expectation of a `fact` test; put it beside `fact`".into(),
        ));
    }
    if raw.unmet.is_some() && raw.fact.is_none() {
        return Err(err(
            "`unmet` says what a `fact` test concludes when it does not hold; put it beside `fact`"
                .into(),
        ));
    }
    if raw.missing.is_some() && raw.fact.is_none() && raw.every.is_none() {
        return Err(err(
            "`missing` belongs to a `fact` test or to `every`".into()
        ));
    }
    if raw.check.is_some() && raw.every.is_none() {
        return Err(err(
            "`check` belongs to `every`: every = \"LIST\", check = { … }".into(),
        ));
    }
    let children = |list: Vec<Spanned<RawCheck>>| -> Result<Vec<Check>, Vec<LoadError>> {
        if list.is_empty() {
            return Err(err("`all` and `any` need at least one check".into()));
        }
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for c in list {
            match validate_check(src, c, scope, in_every) {
                Ok(c) => out.push(c),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    };
    if let Some(list) = raw.all {
        return children(list).map(Check::All);
    }
    if let Some(list) = raw.any {
        return children(list).map(Check::Any);
    }
    if let Some(inner) = raw.not {
        return validate_check(src, *inner, scope, in_every).map(|c| Check::Not(Box::new(c)));
    }
    let missing = keyword(src, "missing", MISSING, raw.missing.as_ref())?;
    if let Some(list) = raw.every {
        let at = list.span().start;
        let list = FactPath::parse(list.get_ref()).map_err(|m| vec![src.err(at, m)])?;
        check_fact_root(&list, scope, in_every).map_err(|m| vec![src.err(at, m)])?;
        let Some(inner) = raw.check else {
            return Err(err(format!(
                "`every = \"{list}\"` needs `check = {{ … }}` to test each element"
            )));
        };
        let check = validate_check(src, *inner, scope, true)?;
        // Nothing in the list means nothing violates the check, unless the rule says otherwise.
        let missing = if raw.missing.is_some() {
            missing
        } else {
            Missing::Pass
        };
        return Ok(Check::every(list, check, missing));
    }
    let fact_spanned = raw.fact.expect("counted above");
    let fact_at = fact_spanned.span().start;
    let fact = FactPath::parse(fact_spanned.get_ref()).map_err(|m| vec![src.err(fact_at, m)])?;
    check_fact_root(&fact, scope, in_every).map_err(|m| vec![src.err(fact_at, m)])?;
    for p in fact.placeholders() {
        check_placeholder(&p).map_err(|m| vec![src.err(fact_at, m)])?;
    }

    let operand = |v: toml::Value| -> Result<Operand, TestProblem> {
        if let toml::Value::Table(t) = &v {
            return match (t.len(), t.get("param"), t.get("fact")) {
                (1, Some(toml::Value::String(p)), _) if params::is_known(p) => {
                    Ok(Operand::Param(p.clone()))
                }
                (1, Some(toml::Value::String(p)), _) => {
                    Err(TestProblem::UnknownParam { param: p.clone() })
                }
                (1, _, Some(toml::Value::String(f))) => {
                    let path = FactPath::parse(f)?;
                    check_fact_root(&path, scope, in_every)?;
                    Ok(Operand::Fact(path))
                }
                _ => Err(TestProblem::TableOperand),
            };
        }
        serde_json::to_value(v)
            .map(Operand::Literal)
            .map_err(TestProblem::Literal)
    };
    let list_operand = |v: toml::Value, op: &str| -> Result<Operand, TestProblem> {
        let o = operand(v)?;
        match &o {
            Operand::Literal(serde_json::Value::Array(_))
            | Operand::Param(_)
            | Operand::Fact(_) => Ok(o),
            _ => Err(TestProblem::NotList { op: op.to_string() }),
        }
    };
    let number_operand = |v: toml::Value, op: &str| -> Result<Operand, TestProblem> {
        let o = operand(v)?;
        match &o {
            Operand::Literal(serde_json::Value::Number(_))
            | Operand::Param(_)
            | Operand::Fact(_) => Ok(o),
            _ => Err(TestProblem::NotNumber { op: op.to_string() }),
        }
    };
    let regex =
        |r: String| Regex::new(&r).map_err(|source| TestProblem::Regex { pattern: r, source });
    let flag = |b: bool, op: &str| {
        if b {
            Ok(())
        } else {
            Err(TestProblem::OnlyTrue { op: op.to_string() })
        }
    };

    if raw.operators.len() != 1 {
        return Err(err(format!(
            "the test of '{fact}' needs exactly one operator, found {}: expected one of {}",
            raw.operators.len(),
            operator_names()
        )));
    }
    let (name, value) = raw.operators.into_iter().next().expect("one");
    let spec = operator(&name).expect("checked above");
    let text = |v: toml::Value, what: &'static str| match v {
        toml::Value::String(s) => Ok(s),
        other => Err(TestProblem::NotString {
            op: name.clone(),
            what,
            found: other.type_str(),
        }),
    };
    let arg = match spec.takes {
        Takes::Value => operand(value).map(Arg::Operand),
        Takes::List => list_operand(value, &name).map(Arg::Operand),
        Takes::Number => number_operand(value, &name).map(Arg::Operand),
        Takes::Regex => text(value, "a regular expression")
            .and_then(regex)
            .map(Arg::Regex),
        Takes::Flag => match value {
            toml::Value::Boolean(b) => flag(b, &name).map(|_| Arg::Flag),
            other => Err(TestProblem::NotTrue {
                op: name.clone(),
                found: other.type_str(),
            }),
        },
        Takes::Mode => text(value, "an octal mode").and_then(|m| {
            u32::from_str_radix(&m, 8)
                .ok()
                .filter(|&n| n <= 0o7777 && !m.is_empty())
                .map(Arg::Mode)
                .ok_or(TestProblem::Mode { mode: m })
        }),
        Takes::Owner => text(value, "an owner").and_then(|o| {
            let ok = !o.is_empty() && o.split(':').count() <= 2 && !o.split(':').any(str::is_empty);
            if ok {
                Ok(Arg::Owner(o))
            } else {
                Err(TestProblem::Owner { owner: o })
            }
        }),
        Takes::AuditTarget => text(value, "a host path").and_then(|p| {
            let bad = placeholders_in(&p)
                .into_iter()
                .find_map(|ph| check_placeholder(&ph).err());
            match bad {
                Some(m) => Err(TestProblem::Fact(m)),
                None if !balanced_braces(&p) => Err(TestProblem::AuditsBraces { path: p }),
                None if p.starts_with('/') || p.starts_with('{') => Ok(Arg::Target(p)),
                None => Err(TestProblem::AuditsRelative { path: p }),
            }
        }),
    };
    let op = arg
        .map(|a| Op::new(&name, a).expect("the vocabulary and Op::new agree (tested)"))
        .map_err(|p| err(p.to_string()))?;
    if matches!(op, Op::Audits(_))
        && (fact.root != "host" || fact.segments.len() != 1 || fact.first_key() != Some("audit"))
    {
        return Err(err("`audits` applies to the fact host.audit".into()));
    }
    let unmet = keyword(src, "unmet", UNMET, raw.unmet.as_ref())?;
    if unmet != Unmet::Fail && matches!(op, Op::Audits(_)) {
        return Err(err(
            "`unmet` does not go with `audits`, whose failures say which watch is missing".into(),
        ));
    }
    let test = Test::new(fact, op, missing).when_unmet(unmet);
    match raw.expect {
        Some(words) => {
            let at = words.span().start;
            let words =
                expect_text(words.into_inner()).map_err(|p| vec![src.err(at, p.to_string())])?;
            Ok(Check::Test(test.worded(words)))
        }
        None => Ok(Check::Test(test)),
    }
}

/// Longest `expect` text: it is shown in a table cell beside the observed value.
const EXPECT_MAX_CHARS: usize = 160;

/// A test's `expect` text, checked: one non-empty line of readable length.
fn expect_text(words: String) -> Result<String, TestProblem> {
    let words = words.trim().to_string();
    if words.is_empty() {
        return Err(TestProblem::ExpectEmpty);
    }
    if words.contains(['\n', '\r']) {
        return Err(TestProblem::ExpectLines);
    }
    let chars = words.chars().count();
    if chars > EXPECT_MAX_CHARS {
        return Err(TestProblem::ExpectLong { chars });
    }
    Ok(words)
}

/// Why the value of a `fact` test's operator, or its `expect` words, cannot be used. The
/// loader reports it as a [`LoadError`] at the test's line.
#[derive(Debug, thiserror::Error)]
enum TestProblem {
    /// A `{ param = "name" }` operand naming no parameter bollwerk has.
    #[error("unknown parameter '{param}': expected one of {}", params::names().join(", "))]
    UnknownParam {
        /// The name given.
        param: String,
    },
    /// A `{ fact = "path" }` operand whose path does not parse.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A fact path (an operand's, or a placeholder of `audits`) the rule cannot read.
    #[error(transparent)]
    Fact(#[from] FactProblem),
    /// A table operand that is neither `{ param = … }` nor `{ fact = … }`.
    #[error("a table operand must be {{ param = \"name\" }} or {{ fact = \"path\" }}")]
    TableOperand,
    /// A literal operand that has no JSON form.
    #[error("value cannot be used: {0}")]
    Literal(#[source] serde_json::Error),
    /// An operator that compares with a list was given something else.
    #[error("`{op}` takes a list, e.g. {op} = [\"a\", \"b\"]")]
    NotList {
        /// The operator.
        op: String,
    },
    /// An operator that compares with a number was given something else.
    #[error("`{op}` takes a number, e.g. {op} = 0")]
    NotNumber {
        /// The operator.
        op: String,
    },
    /// A regular expression that does not compile.
    #[error("bad regular expression /{pattern}/: {}", .source.to_string().lines().last().unwrap_or(""))]
    Regex {
        /// The expression as written.
        pattern: String,
        /// Why it does not compile (its last line is shown).
        source: regex::Error,
    },
    /// A flag operator (`present`, `empty`, …) set to false.
    #[error("`{op}` only takes true (write the opposite operator instead)")]
    OnlyTrue {
        /// The operator.
        op: String,
    },
    /// A flag operator given something other than a boolean.
    #[error("`{op}` only takes true, found {found}")]
    NotTrue {
        /// The operator.
        op: String,
        /// The TOML type given.
        found: &'static str,
    },
    /// An operator that takes a string was given another type.
    #[error("`{op}` takes {what} as a string, found {found}")]
    NotString {
        /// The operator.
        op: String,
        /// What the string holds (`a regular expression`, `an octal mode`, …).
        what: &'static str,
        /// The TOML type given.
        found: &'static str,
    },
    /// A file mode that is not octal digits up to 7777.
    #[error("bad mode '{mode}': expected octal digits such as \"0644\"")]
    Mode {
        /// The mode as written.
        mode: String,
    },
    /// An owner that is not `user` or `user:group`.
    #[error("bad owner '{owner}': expected user or user:group, e.g. \"root:root\"")]
    Owner {
        /// The owner as written.
        owner: String,
    },
    /// An `audits` path with a placeholder missing a brace.
    #[error("`audits` path '{path}': a placeholder is {{kind:name}}, with both braces")]
    AuditsBraces {
        /// The path as written.
        path: String,
    },
    /// An `audits` path that is neither absolute nor a placeholder.
    #[error("`audits` takes an absolute host path or a placeholder, found '{path}'")]
    AuditsRelative {
        /// The path as written.
        path: String,
    },
    /// `expect` with no words.
    #[error("`expect` is empty: say in words what the fact must be")]
    ExpectEmpty,
    /// `expect` of several lines.
    #[error("`expect` must be one line")]
    ExpectLines,
    /// `expect` longer than a table cell shows.
    #[error("`expect` is {chars} characters long: keep it to {EXPECT_MAX_CHARS} (the description has room for more)")]
    ExpectLong {
        /// Its length in characters.
        chars: usize,
    },
}

/// The words `unmet` takes.
const UNMET: &[(&str, Unmet)] = &[("fail", Unmet::Fail), ("error", Unmet::Error)];

/// The words `missing` takes.
const MISSING: &[(&str, Missing)] = &[
    ("fail", Missing::Fail),
    ("pass", Missing::Pass),
    ("notapplicable", Missing::NotApplicable),
    ("error", Missing::Error),
    ("skip", Missing::Skip),
    ("notchecked", Missing::NotChecked),
];

/// The value the word `raw` names among `words`, for the check key `key`; the default when
/// the key is not given, an error at the word naming the words it takes otherwise.
fn keyword<T: Copy + Default>(
    src: &Source,
    key: &str,
    words: &[(&str, T)],
    raw: Option<&Spanned<String>>,
) -> Result<T, Vec<LoadError>> {
    let Some(word) = raw else {
        return Ok(T::default());
    };
    if let Some((_, value)) = words.iter().find(|(w, _)| w == word.get_ref()) {
        return Ok(*value);
    }
    let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
    let expected = match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    Err(vec![src.err(
        word.span().start,
        format!("unknown {key} '{}': expected {expected}", word.get_ref()),
    )])
}

/// Why a rule cannot read a fact path it names: the path (as written) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactProblem {
    /// A placeholder that is not `{kind:name}` with a known kind.
    #[error("bad placeholder '{{{placeholder}}}': expected {{kind:name}} with kind one of {}", LOCATION_KINDS.join(", "))]
    Placeholder {
        /// The placeholder, without braces.
        placeholder: String,
    },
    /// A kernel parameter written with dots as path steps.
    #[error(
        "fact '{fact}': kernel parameters are dotted names, write host.sysctl[\"name.with.dots\"]"
    )]
    DottedSysctl {
        /// The path.
        fact: String,
    },
    /// `item` outside `every`.
    #[error("fact '{fact}': the root `item` only exists inside `every`")]
    ItemOutsideEvery {
        /// The path.
        fact: String,
    },
    /// A root this rule's scope has no value for.
    #[error("fact '{fact}' starts with '{root}', which a rule of this scope cannot read: expected one of {}", .allowed.join(", "))]
    Root {
        /// The path.
        fact: String,
        /// Its root.
        root: String,
        /// The roots the scope reads.
        allowed: Vec<&'static str>,
    },
    /// A field the snapshot does not have, below the root or deeper.
    #[error("fact '{fact}': {why}")]
    Unknown {
        /// The path.
        fact: String,
        /// Which step is wrong and what was expected there.
        why: String,
    },
    /// A daemon setting dockerd does not have.
    #[error(
        "fact '{fact}': '{setting}' is not a daemon.json key bollwerk knows (see `dockerd --help`)"
    )]
    Setting {
        /// The path.
        fact: String,
        /// The setting named.
        setting: String,
    },
}

impl From<FactProblem> for String {
    fn from(e: FactProblem) -> String {
        e.to_string()
    }
}

fn check_fact_root(fact: &FactPath, scope: Scope, in_every: bool) -> Result<(), FactProblem> {
    for p in fact.placeholders() {
        check_placeholder(&p)?;
    }
    let text = || fact.to_string();
    if fact.root == "host" && fact.first_key() == Some("sysctl") && fact.segments.len() > 2 {
        return Err(FactProblem::DottedSysctl { fact: text() });
    }
    if fact.root == "item" {
        return if in_every {
            Ok(())
        } else {
            Err(FactProblem::ItemOutsideEvery { fact: text() })
        };
    }
    let allowed_roots: &[&str] = match scope {
        Scope::Host => &["host", "daemon"],
        Scope::Daemon => &["host", "daemon"],
        Scope::EachContainer => &["host", "daemon", "container"],
        Scope::EachImage => &["host", "daemon", "image"],
    };
    if !allowed_roots.contains(&fact.root.as_str()) {
        return Err(FactProblem::Root {
            fact: text(),
            root: fact.root.clone(),
            allowed: allowed_roots.to_vec(),
        });
    }
    let first = fact.first_key().unwrap_or("");
    if !fact_paths::is_field(&fact.root, first) {
        return Err(FactProblem::Unknown {
            fact: text(),
            why: format!(
                "unknown field '{first}' under {}: expected one of {}",
                fact.root,
                fact_paths::fields(&fact.root).join(", ")
            ),
        });
    }
    let steps: Vec<Step> = fact
        .segments
        .iter()
        .map(|s| match s {
            super::path::Segment::Key(k) => Step::Key(k),
            super::path::Segment::Index(_) => Step::Index,
        })
        .collect();
    fact_paths::check(&fact.root, &steps).map_err(|m| FactProblem::Unknown {
        fact: text(),
        why: m.to_string(),
    })?;
    if fact.root == "daemon" && fact.first_key() == Some("settings") {
        if let Some(super::path::Segment::Key(setting)) = fact.segments.get(1) {
            if !crate::facts::daemon_settings::is_known_setting(setting) {
                return Err(FactProblem::Setting {
                    fact: text(),
                    setting: setting.clone(),
                });
            }
        }
    }
    Ok(())
}

fn check_placeholder(p: &str) -> Result<(), FactProblem> {
    match p.split_once(':') {
        Some((kind, name)) if LOCATION_KINDS.contains(&kind) && !name.is_empty() => Ok(()),
        _ => Err(FactProblem::Placeholder {
            placeholder: p.to_string(),
        }),
    }
}

/// Reads every `*.toml` file below `dir` (sorted) as rule files.
pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, Vec<LoadError>> {
    load_dir_full(dir).map(|l| l.rules)
}

/// Reads every `*.toml` file below `dir` (sorted) as rule files: rules and benchmarks. Any
/// mistake in them is an error.
pub fn load_dir_full(dir: &Path) -> Result<Loaded, Vec<LoadError>> {
    let loaded = load_dir_lenient(dir)?;
    if loaded.problems.is_empty() {
        Ok(loaded)
    } else {
        Err(loaded.problems)
    }
}

/// [`load_dir_full`] for a scan, which goes on where it can: each file is read with
/// [`parse_file_lenient`], and a file that cannot be read is one of [`Loaded::problems`].
/// An error only when `dir` is no folder: then nothing of it can be meant.
pub fn load_dir_lenient(dir: &Path) -> Result<Loaded, Vec<LoadError>> {
    let mut loaded = Loaded::default();
    let mut errors = Vec::new();
    if !dir.is_dir() {
        let what = if dir.exists() {
            "not a directory"
        } else {
            "no such directory"
        };
        return Err(vec![LoadError {
            file: dir.display().to_string(),
            line: 0,
            message: format!("{what}: --checks takes a folder of *.toml rule files"),
        }]);
    }
    // Links are followed (a rule file kept elsewhere and linked in is a rule file); walkdir
    // names a loop of them as an error.
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let e = match entry {
            Ok(e) => e,
            Err(err) => {
                // A dangling link named notes.txt, or one in data/, is no rule file: skipped
                // as such files are. A folder that cannot be read may hold rule files.
                let not_rules = err.path().is_some_and(|p| {
                    p.extension().is_some_and(|x| x != "toml")
                        || p.strip_prefix(dir).is_ok_and(|r| r.starts_with("data"))
                });
                if not_rules {
                    continue;
                }
                loaded.untold.push(LoadError {
                    file: err
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    line: 0,
                    message: format!("cannot read: {err}"),
                });
                continue;
            }
        };
        let toml = e.path().extension().is_some_and(|x| x == "toml");
        // `data/` holds data files rules use (release tables), not rules.
        let data = e
            .path()
            .strip_prefix(dir)
            .is_ok_and(|r| r.starts_with("data"));
        if !toml || data || e.file_type().is_dir() {
            continue;
        }
        if !e.file_type().is_file() {
            // A FIFO or a device would be rules quietly not loaded: named instead.
            loaded.untold.push(LoadError {
                file: e.path().display().to_string(),
                line: 0,
                message: "not a regular file".into(),
            });
            continue;
        }
        files.push(e.into_path());
    }
    files.sort();
    let mut read: Vec<(String, String)> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut l = parse_file_lenient(&name, &text);
                loaded.rules.append(&mut l.rules);
                loaded.benchmarks.append(&mut l.benchmarks);
                loaded.unusable.append(&mut l.unusable);
                loaded.untold.append(&mut l.untold);
                errors.append(&mut l.problems);
                // A file with a mistake is part of what names the rule set too: editing it
                // changes what the scan judges.
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                read.push((relative.display().to_string(), text));
            }
            Err(e) => loaded.untold.push(LoadError {
                file: name,
                line: 0,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    let digest = files_digest(read.iter().map(|(p, t)| (p.as_str(), t.as_bytes())));
    loaded.digest = Some(digest[..12].to_string());
    for e in &loaded.untold {
        if !errors.contains(e) {
            errors.push(e.clone());
        }
    }
    loaded.problems = errors;
    Ok(loaded)
}

/// Builds a rule set from `base` with `extra` added; an extra rule with a base rule's id
/// replaces it. Duplicate ids within one source are errors naming both places.
pub fn merge(base: Vec<Rule>, extra: Vec<Rule>) -> Result<RuleSet, Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut check_unique = |rules: &[Rule]| {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for r in rules {
            if let Some(first) = seen.get(r.id.as_str()) {
                let (file, line) = split_origin(&r.origin);
                errors.push(LoadError {
                    file,
                    line,
                    message: format!("rule id '{}' is already defined at {first}", r.id),
                });
            } else {
                seen.insert(&r.id, &r.origin);
            }
        }
    };
    check_unique(&base);
    check_unique(&extra);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rules = base;
    for r in extra {
        match rules.iter_mut().find(|b| b.id == r.id) {
            Some(slot) => *slot = r,
            None => rules.push(r),
        }
    }
    rules.sort_by(|a, b| super::compare_ids(&a.id, &b.id));
    Ok(RuleSet::new(rules))
}

/// Checks the rules' `benchmarks` tables against the declarations: every benchmark named is
/// declared, no two rules share an id within one benchmark, and in the default benchmark a
/// rule's id is its own.
fn validate_benchmarks(rules: &[Rule], benchmarks: &Benchmarks) -> Result<(), Vec<LoadError>> {
    let mut errors = Vec::new();
    let err = |origin: &str, message: String| {
        let (file, line) = split_origin(origin);
        LoadError {
            file,
            line,
            message,
        }
    };
    let mut defaults = benchmarks.list.iter().filter(|b| b.default);
    if let (Some(first), Some(second)) = (defaults.next(), defaults.next()) {
        errors.push(err(
            &second.origin,
            format!(
                "benchmark '{}' is declared the default, but '{}' already is (at {}): the rule ids are one benchmark's numbers",
                second.name, first.name, first.origin
            ),
        ));
    }
    let mut seen: BTreeMap<(&str, &str), (&str, &str)> = BTreeMap::new();
    for rule in rules {
        for entry in &rule.benchmarks {
            let Some(benchmark) = benchmarks.get(&entry.benchmark) else {
                errors.push(err(
                    &entry.origin,
                    format!(
                        "unknown benchmark '{}': declare it in a [[benchmark]] table, or use one of {}",
                        entry.benchmark,
                        benchmarks.names().join(", ")
                    ),
                ));
                continue;
            };
            if benchmark.default && entry.id != rule.id {
                errors.push(err(
                    &entry.origin,
                    format!(
                        "rule {} has the id '{}' in {}, whose numbers are the rule ids: write \"{}\"",
                        rule.id, entry.id, entry.benchmark, rule.id
                    ),
                ));
            }
            let key = (entry.benchmark.as_str(), entry.id.as_str());
            match seen.get(&key) {
                Some((other, at)) => errors.push(err(
                    &entry.origin,
                    format!(
                        "{} id '{}' is already given to rule {other} at {at}",
                        entry.benchmark, entry.id
                    ),
                )),
                None => {
                    seen.insert(key, (&rule.id, &entry.origin));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// [`merge`] for rules with their benchmarks: the declarations of both (a name declared
/// twice is an error), checked against the rules' `benchmarks` tables.
pub fn merge_all(base: Loaded, extra: Loaded) -> Result<(RuleSet, Benchmarks), Vec<LoadError>> {
    let mut list = base.benchmarks;
    let mut errors = Vec::new();
    for b in extra.benchmarks {
        match list.iter().find(|d| d.name == b.name) {
            Some(first) => {
                let (file, line) = split_origin(&b.origin);
                errors.push(LoadError {
                    file,
                    line,
                    message: format!(
                        "benchmark '{}' is already declared at {}",
                        b.name, first.origin
                    ),
                });
            }
            None => list.push(b),
        }
    }
    let digest = extra.digest.clone();
    let mut set = merge(base.rules, extra.rules)?;
    set.custom_digest = digest;
    // The rules tables of declarations: entries of the rules they name.
    for b in &list {
        for (rule_id, entry) in &b.rules {
            let (file, line) = split_origin(&entry.origin);
            let Some(rule) = set.rules.iter_mut().find(|r| &r.id == rule_id) else {
                errors.push(LoadError {
                    file,
                    line,
                    message: format!(
                        "{}: no rule '{rule_id}' to number (see `bollwerk rules list`)",
                        b.name
                    ),
                });
                continue;
            };
            if let Some(other) = rule.in_benchmark(&b.name) {
                errors.push(LoadError {
                    file,
                    line,
                    message: format!(
                        "rule {rule_id} already has an id in {} at {}",
                        b.name, other.origin
                    ),
                });
                continue;
            }
            rule.benchmarks.push(entry.clone());
            rule.id_1_6_0 = benchmarks::legacy_id_1_6_0(&rule.id, &rule.benchmarks);
        }
    }
    let declared = Benchmarks { list };
    if let Err(mut e) = validate_benchmarks(&set.rules, &declared) {
        errors.append(&mut e);
    }
    if errors.is_empty() {
        Ok((set, declared))
    } else {
        Err(errors)
    }
}

/// [`merge_all`] for a scan, which goes on where it can. Rules of `extra` that cannot be used
/// ([`Loaded::unusable`], or one id defined twice there) are kept as rules that are
/// [`invalid`](super::model::Rule::invalid): one replacing a default rule keeps that rule's
/// texts and numbers, so the report shows it where the auditor looks for it. The mistakes are
/// returned beside the set. Mistakes in benchmark declarations and numbering are still errors:
/// they change what every result's id means.
pub fn merge_lenient(
    base: Loaded,
    mut extra: Loaded,
) -> Result<(RuleSet, Benchmarks, Vec<LoadError>), Vec<LoadError>> {
    if !extra.untold.is_empty() {
        return Err(extra.problems);
    }
    let mut problems = std::mem::take(&mut extra.problems);
    let mut unusable = std::mem::take(&mut extra.unusable);
    // An id given twice: which definition was meant cannot be told, so neither is used.
    let mut origins: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &extra.rules {
        origins
            .entry(r.id.clone())
            .or_default()
            .push(r.origin.clone());
    }
    for (id, at) in origins.iter().filter(|(_, at)| at.len() > 1) {
        let (file, line) = split_origin(&at[1]);
        let problem = LoadError {
            file,
            line,
            message: format!(
                "rule id '{id}' is already defined at {}: neither definition is used",
                at[0]
            ),
        };
        let definitions: Vec<&Rule> = extra.rules.iter().filter(|r| &r.id == id).collect();
        let title = definitions.first().map(|r| r.title.clone());
        // Where the definitions agree on its numbering, it stays; else it is shown under
        // every numbering.
        let numbering = |r: &Rule| -> Vec<(String, String, Option<String>)> {
            r.benchmarks
                .iter()
                .map(|b| (b.benchmark.clone(), b.id.clone(), b.title.clone()))
                .collect()
        };
        let benchmarks = match definitions.split_first() {
            Some((first, others)) if others.iter().all(|r| numbering(r) == numbering(first)) => {
                first.benchmarks.clone()
            }
            _ => Vec::new(),
        };
        unusable.push(Unusable {
            id: id.clone(),
            title,
            benchmarks,
            origin: at[1].clone(),
            problem: problem.to_string(),
        });
        problems.push(problem);
    }
    // A usable definition beside an unusable one of the same id is not the whole intent.
    extra
        .rules
        .retain(|r| !unusable.iter().any(|u| u.id == r.id));
    // The unusable rules join `extra` before the merge: one replacing a default rule takes
    // its texts and numbers, and the benchmark tables that number it find it.
    for u in unusable {
        if extra.rules.iter().any(|r| r.id == u.id) {
            continue; // An id unusable twice: once is enough.
        }
        let why = format!(
            "its definition cannot be used, so it was not evaluated: {}",
            u.problem
        );
        let rule = match base.rules.iter().find(|r| r.id == u.id) {
            Some(default) => Rule {
                invalid: Some(why),
                applies_when: None,
                check: None,
                origin: u.origin,
                ..default.clone()
            },
            None => Rule {
                id_1_6_0: benchmarks::legacy_id_1_6_0(&u.id, &u.benchmarks),
                benchmarks: u.benchmarks,
                title: u
                    .title
                    .unwrap_or_else(|| format!("Rule {} (definition unusable)", u.id)),
                id: u.id,
                description: String::new(),
                rationale: String::new(),
                impact: None,
                remediation: "Correct the rule file at the place named in this result's message (`bollwerk rules list --checks DIR` names every mistake).".into(),
                level: 1,
                assessment: Assessment::Automated,
                severity: Severity::High,
                references: Vec::new(),
                scope: Scope::Host,
                applies_when: None,
                check: None,
                informational: false,
                redact: false,
                requires_dockerd: false,
                fix: Fix::default(),
                origin: u.origin,
                invalid: Some(why),
            },
        };
        extra.rules.push(rule);
    }
    let (set, benchmarks) = merge_all(base, extra)?;
    Ok((set, benchmarks, problems))
}

fn split_origin(origin: &str) -> (String, usize) {
    match origin.rsplit_once(':') {
        Some((f, l)) => (f.to_string(), l.parse().unwrap_or(0)),
        None => (origin.to_string(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_file_lenient, Source};

    /// A `[[rule]]` of `id` whose check is `check`.
    fn rule(id: &str, check: &str) -> String {
        format!(
            "[[rule]]\nid = \"{id}\"\ntitle = \"T {id}\"\ndescription = \"d\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\nassessment = \"automated\"\nseverity = \"low\"\nscope = \"daemon\"\ncheck = {check}\n\n"
        )
    }

    #[test]
    fn read_leniently_a_rule_with_a_mistake_is_unusable_and_its_neighbours_are_kept() {
        let good = "{ fact = \"daemon.settings.icc\", equals = false }";
        let typo = "{ fact = \"daemon.settings.icc\", equal = false }";
        let text = rule("BW-A-1", good) + &rule("BW-B-1", typo) + &rule("BW-C-1", good);
        let l = parse_file_lenient("f.toml", &text);
        let ids: Vec<&str> = l.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["BW-A-1", "BW-C-1"]);
        assert_eq!(l.unusable.len(), 1);
        let u = &l.unusable[0];
        assert_eq!(
            (u.id.as_str(), u.title.as_deref()),
            ("BW-B-1", Some("T BW-B-1"))
        );
        assert_eq!(u.origin, "f.toml:13");
        assert!(
            u.problem.starts_with("f.toml:23: unknown field `equal`"),
            "{u:?}"
        );
        assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
        // A rule missing a key, which stops the file's reading as a whole, is found as well.
        let text =
            rule("BW-A-1", good).replace("title = \"T BW-A-1\"\n", "") + &rule("BW-B-1", typo);
        let l = parse_file_lenient("f.toml", &text);
        let lines: Vec<usize> = l.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [1, 22], "{:?}", l.problems);
        assert_eq!(
            l.unusable.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
            ["BW-A-1", "BW-B-1"]
        );
    }

    #[test]
    fn read_leniently_an_unusable_rule_keeps_the_numbering_it_declares() {
        let typo = "{ fact = \"daemon.settings.icc\", equal = false }";
        let numbered = |id: &str, numbering: &str| {
            rule(id, typo).replace("title = ", &format!("{numbering}\ntitle = "))
        };
        let text = numbered("9.1", r#"benchmarks = { "cis-docker-1.8.0" = "9.1" }"#)
            + &numbered("9.2", r#"id-1-6-0 = "8.2""#)
            + &numbered("9.3", r#"benchmarks = { "cis-docker-1.8.0" = 9 }"#)
            + &rule("9.4", typo);
        let l = parse_file_lenient("f.toml", &text);
        let numbering: Vec<(&str, Vec<(&str, &str)>)> = l
            .unusable
            .iter()
            .map(|u| {
                let b = u.benchmarks.iter();
                (
                    u.id.as_str(),
                    b.map(|b| (b.benchmark.as_str(), b.id.as_str())).collect(),
                )
            })
            .collect();
        assert_eq!(
            numbering,
            [
                ("9.1", vec![("cis-docker-1.8.0", "9.1")]),
                (
                    "9.2",
                    vec![("cis-docker-1.8.0", "9.2"), ("cis-docker-1.6.0", "8.2")]
                ),
                // A numbering with a mistake of its own is not trusted, nor is one not given.
                ("9.3", vec![]),
                ("9.4", vec![]),
            ]
        );
    }

    #[test]
    fn read_leniently_a_file_that_is_not_toml_names_the_rules_its_id_lines_give() {
        let text = "[[rule]]\nid = \"BW-A-1\"\ntitle = \"open\n  id = \"5.4\"  # here\nid = \"not an id\"\n";
        let l = parse_file_lenient("f.toml", text);
        assert!(l.rules.is_empty());
        let named: Vec<(&str, &str)> = l
            .unusable
            .iter()
            .map(|u| (u.id.as_str(), u.origin.as_str()))
            .collect();
        assert_eq!(named, [("BW-A-1", "f.toml:2"), ("5.4", "f.toml:4")]);
        assert_eq!(l.problems.len(), 1);
        assert!(l
            .unusable
            .iter()
            .all(|u| u.problem == l.problems[0].to_string()));
    }

    #[test]
    fn an_offset_is_on_the_line_of_the_breaks_before_it() {
        let text = "a = 1\nb = 2\n\nc = 3";
        let src = Source::new("f.toml", text);
        let line = |needle: &str| src.line(text.find(needle).expect("in the text"));
        assert_eq!((line("a"), line("b"), line("c")), (1, 2, 4));
        assert_eq!(src.line(5), 1, "a line's own break is on it");
        assert_eq!(src.line(0), 1);
        assert_eq!(src.line(text.len() + 10), 4, "past the end: the last line");
    }
}
