//! The rule language's operators, in one table: the loader reads it to parse and validate
//! tests, the model builds [`Op`](super::model::Op) values from it, and checks/README.md's
//! operator table is generated from it (tests/generated_docs.rs), so the three cannot drift.

/// What an operator takes after its `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// Any TOML value, a `{ param = … }` or a `{ fact = … }`.
    Value,
    /// A list, or a `{ param = … }` holding one.
    List,
    /// A number, or a `{ param = … }` holding one.
    Number,
    /// A regular expression (a string).
    Regex,
    /// Only `true`.
    Flag,
    /// An octal mode string (`"0644"`).
    Mode,
    /// `"user"` or `"user:group"`.
    Owner,
    /// An absolute host path or a placeholder.
    AuditTarget,
}

impl Takes {
    /// How checks/README.md names the operand.
    pub fn in_docs(self) -> &'static str {
        match self {
            Takes::Value => "any value",
            Takes::List => "list",
            Takes::Number => "number",
            Takes::Regex => "regex",
            Takes::Flag => "`true`",
            Takes::Mode => "octal string (`\"0644\"`)",
            Takes::Owner => "`\"user\"` or `\"user:group\"`",
            Takes::AuditTarget => "absolute path or placeholder",
        }
    }
}

/// What an absent fact gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenAbsent {
    /// Whatever the test's `missing` says.
    Missing,
    /// Always passes.
    Pass,
    /// Always fails.
    Fail,
}

/// One operator of the rule language.
#[derive(Debug)]
pub struct Operator {
    /// As written in rule files.
    pub name: &'static str,
    /// Its operand.
    pub takes: Takes,
    /// When a test with it passes, for checks/README.md.
    pub passes_when: &'static str,
    /// What an absent fact gives; operators that decide it themselves refuse `missing`.
    pub when_absent: WhenAbsent,
}

macro_rules! op {
    ($name:literal, $takes:ident, $absent:ident, $doc:literal) => {
        Operator {
            name: $name,
            takes: Takes::$takes,
            passes_when: $doc,
            when_absent: WhenAbsent::$absent,
        }
    };
}

/// Every operator, in the order the documentation lists them.
pub const OPERATORS: &[Operator] = &[
    op!("equals", Value, Missing, "equals it (see below)"),
    op!("not-equals", Value, Missing, "does not equal it"),
    op!("in", List, Missing, "equals one of its elements"),
    op!("not-in", List, Missing, "equals none of its elements"),
    op!("matches", Regex, Missing, "matches it as text"),
    op!("not-matches", Regex, Missing, "does not match it"),
    op!(
        "contains",
        Value,
        Missing,
        "is a string holding it as a substring, a list holding it as an element, or a table with it as a key"
    ),
    op!("not-contains", Value, Missing, "the opposite of `contains`"),
    op!(
        "any-matches",
        Regex,
        Missing,
        "is a list with at least one element matching"
    ),
    op!(
        "none-matches",
        Regex,
        Missing,
        "is a list with no element matching"
    ),
    op!("present", Flag, Fail, "exists (any value)"),
    op!("absent", Flag, Pass, "never, when present"),
    op!("empty", Flag, Pass, "is `\"\"`, `[]` or `{}`"),
    op!("not-empty", Flag, Fail, "is anything else"),
    op!("gt", Number, Missing, "compares as `>`"),
    op!("ge", Number, Missing, "compares as `>=`"),
    op!("lt", Number, Missing, "compares as `<`"),
    op!("le", Number, Missing, "compares as `<=`"),
    op!(
        "mode-at-most",
        Mode,
        Missing,
        "is an octal mode with no permission bit outside the operand"
    ),
    op!(
        "owner-is",
        Owner,
        Missing,
        "is an owner (`user:group`) equal to it; a bare `user` compares the user part only"
    ),
    op!(
        "subset-of",
        List,
        Pass,
        "is a list (or one value) whose every element is in the operand; an empty list passes"
    ),
    op!(
        "contains-all",
        List,
        Missing,
        "is a list holding every element of the operand (and maybe more)"
    ),
    op!(
        "encloses-none-of",
        Value,
        Missing,
        "is a path that is none of the operand's paths (one or a list) nor a folder holding one of them"
    ),
    op!(
        "audits",
        AuditTarget,
        Missing,
        "(fact must be `host.audit`) has a watch on that path, persistent and loaded"
    ),
];

/// The keys of a check table that are not operators.
pub const CHECK_KEYS: &[&str] = &[
    "all", "any", "not", "every", "check", "fact", "missing", "unmet", "expect",
];

/// The operator called `name`.
pub fn operator(name: &str) -> Option<&'static Operator> {
    OPERATORS.iter().find(|o| o.name == name)
}

/// Every operator name, comma-separated, for messages.
pub fn operator_names() -> String {
    OPERATORS
        .iter()
        .map(|o| o.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name among `names` nearest to `word` (at most two edits away), for "did you mean".
pub fn closest<'n>(word: &str, names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    names
        .map(|n| (edits(word, n), n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The operator table of checks/README.md.
pub fn markdown() -> String {
    let mut out = String::from(
        "| Operator | Operand | Passes when the fact… | Fact absent |\n|---|---|---|---|\n",
    );
    for o in OPERATORS {
        let absent = match o.when_absent {
            WhenAbsent::Missing => "`missing`",
            WhenAbsent::Pass => "pass",
            WhenAbsent::Fail => "fail",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {absent} |\n",
            o.name,
            o.takes.in_docs(),
            o.passes_when
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::{Arg, Op, Operand};

    /// Every operator in the table builds an `Op` of the same name with the operand it
    /// declares, so the table, the loader and the evaluator agree.
    #[test]
    fn every_operator_builds_its_op() {
        let x = regex::Regex::new("x").unwrap();
        for o in OPERATORS {
            let arg = match o.takes {
                Takes::Value | Takes::List | Takes::Number => {
                    Arg::Operand(Operand::Literal(serde_json::json!([1])))
                }
                Takes::Regex => Arg::Regex(x.clone()),
                Takes::Flag => Arg::Flag,
                Takes::Mode => Arg::Mode(0o644),
                Takes::Owner => Arg::Owner("root".into()),
                Takes::AuditTarget => Arg::Target("/x".into()),
            };
            let op = Op::new(o.name, arg).unwrap_or_else(|| panic!("{} builds no Op", o.name));
            assert_eq!(op.name(), o.name);
        }
        let mut names: Vec<&str> = OPERATORS.iter().map(|o| o.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), OPERATORS.len(), "duplicate operator names");
    }

    #[test]
    fn suggests_the_nearest_name() {
        assert_eq!(
            closest("equal", OPERATORS.iter().map(|o| o.name)),
            Some("equals")
        );
        assert_eq!(closest("zzzzzz", OPERATORS.iter().map(|o| o.name)), None);
    }
}
