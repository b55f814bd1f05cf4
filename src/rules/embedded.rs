//! The default rule set, compiled into the binary from `checks/`.

use super::benchmarks::Benchmarks;
use super::loader::{parse_file_full, LoadError, Loaded};
use super::Rule;

/// Every shipped rule file: (path below `checks/`, contents). A test keeps this list in step
/// with the files on disk.
pub const FILES: &[(&str, &str)] = &[
    (
        "benchmarks.toml",
        include_str!("../../checks/benchmarks.toml"),
    ),
    (
        "cis-docker-1.8.0/1-host.toml",
        include_str!("../../checks/cis-docker-1.8.0/1-host.toml"),
    ),
    (
        "cis-docker-1.8.0/2-daemon.toml",
        include_str!("../../checks/cis-docker-1.8.0/2-daemon.toml"),
    ),
    (
        "cis-docker-1.8.0/3-files.toml",
        include_str!("../../checks/cis-docker-1.8.0/3-files.toml"),
    ),
    (
        "cis-docker-1.8.0/4-images.toml",
        include_str!("../../checks/cis-docker-1.8.0/4-images.toml"),
    ),
    (
        "cis-docker-1.8.0/5-runtime.toml",
        include_str!("../../checks/cis-docker-1.8.0/5-runtime.toml"),
    ),
    (
        "cis-docker-1.8.0/6-operations.toml",
        include_str!("../../checks/cis-docker-1.8.0/6-operations.toml"),
    ),
    (
        "cis-docker-1.8.0/7-swarm.toml",
        include_str!("../../checks/cis-docker-1.8.0/7-swarm.toml"),
    ),
    (
        "bollwerk/bw.toml",
        include_str!("../../checks/bollwerk/bw.toml"),
    ),
];

/// Parses the embedded rules.
pub fn default_rules() -> Result<Vec<Rule>, Vec<LoadError>> {
    default_loaded().map(|l| l.rules)
}

/// Parses the embedded rule files: rules and benchmark declarations.
pub fn default_loaded() -> Result<Loaded, Vec<LoadError>> {
    let mut loaded = Loaded::default();
    let mut errors = Vec::new();
    for (name, text) in FILES {
        match parse_file_full(&format!("checks/{name}"), text) {
            Ok(mut l) => {
                loaded.rules.append(&mut l.rules);
                loaded.benchmarks.append(&mut l.benchmarks);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// The benchmarks the embedded rule files declare (for `--help`, man pages and completions;
/// a scan also knows those of `--checks`). Empty should the embedded files not parse.
pub fn declared_benchmarks() -> &'static Benchmarks {
    static DECLARED: std::sync::LazyLock<Benchmarks> = std::sync::LazyLock::new(|| {
        let list = FILES
            .iter()
            .filter_map(|(name, text)| parse_file_full(&format!("checks/{name}"), text).ok())
            .flat_map(|l| l.benchmarks)
            .collect();
        Benchmarks { list }
    });
    &DECLARED
}
