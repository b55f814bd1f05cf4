//! Rules: the model, the loader and validator, and the pure evaluator.
//!
//! Rules are data (`checks/**/*.toml`); the default set is embedded in the binary.

pub mod benchmarks;
pub mod coverage;
pub mod embedded;
pub mod eval;
pub mod loader;
pub mod model;
pub mod params;
pub mod path;
pub mod places;
pub mod plan;
pub mod result;
pub mod template;
pub mod value;
pub mod vocabulary;

use std::cmp::Ordering;
use std::collections::BTreeMap;

pub use model::{Rule, Status};
use serde_json::Value;

/// A validated, id-ordered set of rules.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// The rules, ordered by id.
    pub rules: Vec<Rule>,
    /// How many lookup hints the evaluator keeps for these rules' fact paths.
    hint_slots: usize,
    /// The facts these rules' paths name, numbered.
    facts: path::FactNumbers,
    /// Every test's expectation, each distinct one once, by its number
    /// ([`model::Test::expectation_number`]): evidence names them by number.
    expectations: std::sync::Arc<[std::sync::Arc<model::Expectation>]>,
    /// With rules from a folder (`--checks`): the digest naming its rule files' content
    /// ([`loader::Loaded::digest`]).
    pub custom_digest: Option<String>,
}

/// Values for rule parameters (`trusted-users`, …), from flags or the config file.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// Parameter name → value.
    pub values: BTreeMap<String, Value>,
}

/// Which rules to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Highest CIS level to include (1 or 2); `None` for all.
    pub level: Option<u8>,
    /// Rule ids or section prefixes to keep; empty for all.
    pub include: Vec<String>,
    /// Rule ids or section prefixes to drop.
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether `rule` is selected.
    pub fn selects(&self, rule: &Rule) -> bool {
        let matches = |pat: &String| id_matches(&rule.id, pat);
        self.level.is_none_or(|l| rule.level <= l)
            && (self.include.is_empty() || self.include.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }

    /// The first `--include` or `--exclude` pattern (option, pattern) that names no rule of
    /// `rules`: a typo must not quietly leave a rule out of the audit (or in it).
    pub fn unknown_pattern<'s>(&'s self, rules: &RuleSet) -> Option<(&'static str, &'s str)> {
        let names_a_rule = |p: &String| rules.rules.iter().any(|r| id_matches(&r.id, p));
        [("--include", &self.include), ("--exclude", &self.exclude)]
            .into_iter()
            .find_map(|(option, patterns)| {
                let unknown = patterns.iter().find(|p| !names_a_rule(p))?;
                Some((option, unknown.as_str()))
            })
    }
}

/// True when `id` is `pattern` or lies in the section `pattern` (`5` holds `5.10`, `2.1`
/// holds `2.1.3` but not `2.10`). Patterns are typed by people: case does not matter
/// (`bw-ns` holds `BW-NS-1`).
pub fn id_matches(id: &str, pattern: &str) -> bool {
    let in_section = |rest: &str| rest.starts_with('.') || rest.starts_with('-');
    id.len() >= pattern.len()
        && id.is_char_boundary(pattern.len())
        && id[..pattern.len()].eq_ignore_ascii_case(pattern)
        && (id.len() == pattern.len() || in_section(&id[pattern.len()..]))
}

/// Orders ids numerically by component (`2.2` < `2.10`), bollwerk's own ids last.
pub fn compare_ids(a: &str, b: &str) -> Ordering {
    let key = |s: &str| -> (bool, Vec<u64>, String) {
        let numeric: Option<Vec<u64>> = s.split('.').map(|p| p.parse().ok()).collect();
        match numeric {
            Some(n) => (false, n, String::new()),
            None => (true, Vec::new(), s.to_string()),
        }
    };
    key(a).cmp(&key(b))
}

impl RuleSet {
    /// A set of `rules` (ordered by id), their fact paths numbered for the evaluator's
    /// lookup hints and, as facts, for its tables of what an instance's evidence holds.
    pub fn new(mut rules: Vec<Rule>) -> RuleSet {
        let mut next = 0;
        let mut facts = path::FactNumbers::default();
        let mut expectations = Numbering::default();
        for rule in &mut rules {
            for check in [&mut rule.applies_when, &mut rule.check]
                .into_iter()
                .flatten()
            {
                number_paths(check, &mut next, &mut facts, &mut expectations);
            }
        }
        RuleSet {
            rules,
            hint_slots: next,
            facts,
            expectations: expectations.table.into(),
            custom_digest: None,
        }
    }

    /// Every test's expectation by its number ([`model::Test::expectation_number`]).
    pub fn expectations(&self) -> &std::sync::Arc<[std::sync::Arc<model::Expectation>]> {
        &self.expectations
    }

    /// The facts these rules' paths name, numbered ([`FactPath::fact_number`](path::FactPath::fact_number)).
    pub fn fact_numbers(&self) -> &path::FactNumbers {
        &self.facts
    }

    /// How many lookup hints the evaluator keeps for these rules (one per segment of every
    /// fact path they read); a path numbered beyond it has none.
    pub fn hint_slots(&self) -> usize {
        self.hint_slots
    }

    /// The embedded default rules, plus the rules of `extra_dir` (added or replacing by id).
    pub fn load(extra_dir: Option<&std::path::Path>) -> Result<RuleSet, Vec<loader::LoadError>> {
        Self::load_with_benchmarks(extra_dir).map(|(set, _)| set)
    }

    /// [`RuleSet::load`], with the benchmarks the embedded rule files and `extra_dir` declare.
    pub fn load_with_benchmarks(
        extra_dir: Option<&std::path::Path>,
    ) -> Result<(RuleSet, benchmarks::Benchmarks), Vec<loader::LoadError>> {
        let base = embedded::default_loaded()?;
        let extra = match extra_dir {
            Some(dir) => loader::load_dir_full(dir)?,
            None => loader::Loaded::default(),
        };
        loader::merge_all(base, extra)
    }

    /// [`RuleSet::load_with_benchmarks`] for a scan, which goes on where it can: a rule of
    /// `extra_dir` with a mistake is kept as an [`invalid`](model::Rule::invalid) rule (an
    /// `error` in every report) and the mistakes come back beside the set. An error only when
    /// `extra_dir` is no folder, or the benchmark declarations do not fit together.
    pub fn load_for_scan(
        extra_dir: Option<&std::path::Path>,
    ) -> Result<(RuleSet, benchmarks::Benchmarks, Vec<loader::LoadError>), Vec<loader::LoadError>>
    {
        let base = embedded::default_loaded()?;
        let extra = match extra_dir {
            Some(dir) => loader::load_dir_lenient(dir)?,
            None => loader::Loaded::default(),
        };
        loader::merge_lenient(base, extra)
    }

    /// The rule with exactly this id (ids from files: tailoring, reports).
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rule a person means by `typed`: the id in any case (`bw-cap-dangerous`), an exact
    /// match first should two ids differ only in case.
    pub fn lookup(&self, typed: &str) -> Option<&Rule> {
        self.get(typed)
            .or_else(|| self.rules.iter().find(|r| r.id.eq_ignore_ascii_case(typed)))
    }

    /// What the rules marked `redact` look for: the patterns of their tests that fail on a
    /// match (`not-matches`, `none-matches`, or `matches` under a `not`). A string one of them
    /// matches is a secret; `collect` masks it in the snapshot as the report masks evidence.
    pub fn secret_patterns(&self) -> Vec<&regex::Regex> {
        fn walk<'r>(check: &'r model::Check, negated: bool, out: &mut Vec<&'r regex::Regex>) {
            use model::{Check, Op};
            match check {
                Check::All(cs) | Check::Any(cs) => cs.iter().for_each(|c| walk(c, negated, out)),
                Check::Not(c) => walk(c, !negated, out),
                Check::Every { check, .. } => walk(check, negated, out),
                Check::Test(t) => match (&t.op, negated) {
                    (Op::NotMatches(r) | Op::NoneMatches(r), false)
                    | (Op::Matches(r) | Op::AnyMatches(r), true) => out.push(r),
                    _ => {}
                },
            }
        }
        let mut out = Vec::new();
        for rule in self.rules.iter().filter(|r| r.redact) {
            if let Some(check) = &rule.check {
                walk(check, false, &mut out);
            }
        }
        out
    }

    /// Keeps only the selected rules.
    pub fn select(mut self, selection: &Selection) -> RuleSet {
        self.rules.retain(|r| selection.selects(r));
        self
    }
}

/// The expectations of a rule set's tests, each distinct one numbered once.
#[derive(Default)]
struct Numbering {
    table: Vec<std::sync::Arc<model::Expectation>>,
    known: std::collections::HashMap<std::sync::Arc<model::Expectation>, u32>,
}

/// Numbers the fact paths of `check` (their hints from `next`, their facts in `facts`) and
/// its tests' expectations.
fn number_paths(
    check: &mut model::Check,
    next: &mut usize,
    facts: &mut path::FactNumbers,
    expectations: &mut Numbering,
) {
    use model::{Check, Operand};
    let mut number = |p: &mut path::FactPath| {
        p.number_hints(next);
        p.number_fact(facts);
    };
    match check {
        Check::All(list) | Check::Any(list) => {
            for c in list {
                number_paths(c, next, facts, expectations);
            }
        }
        Check::Not(inner) => number_paths(inner, next, facts, expectations),
        Check::Every {
            list,
            check,
            expects,
            ..
        } => {
            number(list);
            number_paths(check, next, facts, expectations);
            expects.number_expectation(&mut expectations.table, &mut expectations.known);
        }
        Check::Test(t) => {
            number(&mut t.fact);
            if let Some(Operand::Fact(other)) = t.op.operand_mut() {
                number(other);
            }
            t.number_expectation(&mut expectations.table, &mut expectations.known);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_sets_fact_paths_get_hint_slots_of_their_own_and_facts_numbers_they_share() {
        let rules = RuleSet::load(None).expect("embedded rules load");
        let paths: Vec<&path::FactPath> = rules
            .rules
            .iter()
            .flat_map(|r| r.applies_when.iter().chain(&r.check))
            .flat_map(model::Check::fact_paths)
            .collect();
        let mut slots: Vec<(usize, usize)> = paths
            .iter()
            .map(|p| (p.hint_slot(0).expect("numbered"), p.segments.len()))
            .collect();
        slots.sort_unstable();
        // Back to back, no overlap, and the table holds exactly them.
        let mut next = 0;
        for (start, len) in &slots {
            assert_eq!(*start, next);
            next += len;
        }
        assert_eq!(next, rules.hint_slots());
        assert!(slots.len() > 200, "{} paths", slots.len());
        // Paths that read alike have one fact number and one rendering; others differ.
        let facts = rules.fact_numbers();
        for p in &paths {
            let n = p.fact_number().expect("numbered");
            let found = facts.get(p.rendered()).expect("named");
            assert_eq!(found, n, "{}", p.rendered());
            let name = &facts.names()[found as usize];
            assert!(arcstr::ArcStr::ptr_eq(name, p.rendered_shared()));
        }
        let distinct: std::collections::HashSet<&str> =
            paths.iter().map(|p| p.rendered()).collect();
        assert_eq!(facts.len(), distinct.len());
        assert!(
            distinct.len() < paths.len(),
            "some facts are read by several paths"
        );
        // A path parsed on its own has no slot and no number: the evaluator reads it without a
        // hint and names its fact by text.
        let alone = path::FactPath::parse("host.hostname").unwrap();
        assert_eq!(alone.hint_slot(0), None);
        assert_eq!(alone.fact_number(), None);
    }

    #[test]
    fn secret_patterns_come_from_redacting_rules_only() {
        let rules = RuleSet::load(None).expect("embedded rules load");
        let patterns = rules.secret_patterns();
        let is_secret = |s: &str| patterns.iter().any(|r| r.is_match(s));
        assert!(is_secret("DB_PASSWORD=s3cret"));
        assert!(is_secret("AKIAABCDEFGHIJKLMNOP"));
        assert!(!is_secret("PATH=/usr/bin"));
        assert!(!is_secret("DB_PASSWORD_FILE=/run/secrets/db"));
    }

    #[test]
    fn ids_order_numerically() {
        let mut ids = vec!["2.10", "BW-A", "2.2", "10.1", "1.1.18", "1.1.3"];
        ids.sort_by(|a, b| compare_ids(a, b));
        assert_eq!(ids, vec!["1.1.3", "1.1.18", "2.2", "2.10", "10.1", "BW-A"]);
    }

    #[test]
    fn section_prefixes_match_whole_components() {
        assert!(id_matches("5.10", "5"));
        assert!(id_matches("2.1", "2.1"));
        assert!(!id_matches("2.10", "2.1"));
        assert!(id_matches("1.1.3", "1.1"));
        assert!(id_matches("BW-NS-1", "BW"));
    }

    #[test]
    fn typed_ids_match_in_any_case() {
        assert!(id_matches("BW-CAP-DANGEROUS", "bw-cap-dangerous"));
        assert!(id_matches("BW-NS-1", "bw"));
        assert!(id_matches("BW-NS-1", "Bw-Ns"));
        assert!(!id_matches("BW-NS-10", "bw-ns-1"));
        assert!(!id_matches("BW", "BW-NS"));
        assert!(!id_matches("5.1", "é"));
    }

    #[test]
    fn lookup_finds_a_rule_whatever_the_case() {
        let rules = RuleSet::load(None).expect("shipped rules load");
        let want = rules.get("BW-CAP-DANGEROUS").expect("shipped rule");
        let found = rules
            .lookup("bw-cap-dangerous")
            .expect("found in lower case");
        assert_eq!(found.id, want.id);
        assert!(rules.get("bw-cap-dangerous").is_none(), "get stays exact");
        assert!(rules.lookup("bw-cap-dangerou").is_none());
    }
}
