//! Benchmarks as data: the `[[benchmark]]` declarations of the rule files (the loader checks
//! the rules' `benchmarks` tables against them).
//!
//! A benchmark (CIS Docker 1.8.0 and 1.6.0, a DISA STIG, an organisation's own numbering) is a
//! name, a title and a table from each member rule to its id there. bollwerk's rule ids are
//! the numbers of the default benchmark (CIS Docker 1.8.0); `scan --benchmark NAME` reports
//! under another one's numbers.

/// A declared benchmark (`[[benchmark]]` in a rule file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Benchmark {
    /// The name `--benchmark` takes and rule files use (`cis-docker-1.6.0`).
    pub name: String,
    /// The title reports give it (`CIS Docker Benchmark v1.6.0`).
    pub title: String,
    /// Its version (`1.6.0`).
    pub version: Option<String>,
    /// Who publishes it (`Center for Internet Security`).
    pub publisher: Option<String>,
    /// One line for `--help` and the man page.
    pub description: Option<String>,
    /// `ident/@system` of its ids in XCCDF.
    pub ident_system: Option<String>,
    /// Whether the rule ids are this benchmark's numbers (exactly one benchmark is).
    pub default: bool,
    /// Where it was declared: `file:line`.
    pub origin: String,
    /// Its `rules` table: rule id → the rule's entry, for rules numbered from the benchmark's
    /// side (an organisation's numbering of the shipped rules, in a `--checks` folder).
    pub rules: Vec<(String, super::model::BenchmarkRef)>,
}

/// The benchmarks a rule set declares, in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Benchmarks {
    /// The declarations.
    pub list: Vec<Benchmark>,
}

impl Benchmarks {
    /// The benchmark named `name`.
    pub fn get(&self, name: &str) -> Option<&Benchmark> {
        self.list.iter().find(|b| b.name == name)
    }

    /// The benchmark whose numbers the rule ids are (CIS Docker 1.8.0 for the shipped rules).
    pub fn default_benchmark(&self) -> Option<&Benchmark> {
        self.list.iter().find(|b| b.default)
    }

    /// The declared names, in declaration order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|b| b.name.as_str()).collect()
    }

    /// The benchmark `--benchmark NAME` means, or a one-line error naming the known ones.
    pub fn resolve(&self, name: &str) -> Result<&Benchmark, UnknownBenchmark> {
        self.get(name).ok_or_else(|| UnknownBenchmark {
            name: name.to_string(),
            declared: self.names().iter().map(|n| n.to_string()).collect(),
        })
    }
}

/// A `--benchmark` the rule files do not declare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown benchmark '{name}': the rule files declare {}", .declared.join(", "))]
pub struct UnknownBenchmark {
    /// The name asked for.
    pub name: String,
    /// The names declared.
    pub declared: Vec<String>,
}

impl From<UnknownBenchmark> for String {
    fn from(e: UnknownBenchmark) -> String {
        e.to_string()
    }
}

/// The report's legacy `id_1_6_0` of a rule with these entries: its CIS 1.6.0 id where it
/// differs, `-` for a CIS 1.8.0 rule that 1.6.0 lacks, none otherwise.
pub fn legacy_id_1_6_0(id: &str, entries: &[super::model::BenchmarkRef]) -> Option<String> {
    let find = |name: &str| entries.iter().find(|e| e.benchmark == name);
    match (find(CIS_1_6_0), find(CIS_1_8_0)) {
        (Some(old), _) if old.id != id => Some(old.id.clone()),
        (None, Some(_)) => Some("-".into()),
        _ => None,
    }
}

/// The name of CIS Docker Benchmark 1.8.0, whose numbers the shipped rule ids are.
pub const CIS_1_8_0: &str = "cis-docker-1.8.0";
/// The name of CIS Docker Benchmark 1.6.0 (the reports' legacy `id_1_6_0`, and the old
/// rule-file key `id-1-6-0`).
pub const CIS_1_6_0: &str = "cis-docker-1.6.0";
