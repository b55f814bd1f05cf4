//! The default rule set, compiled into the binary from `checks/`.

use super::loader::{parse_file, LoadError};
use super::Rule;

/// Every shipped rule file: (path below `checks/`, contents). A test keeps this list in step
/// with the files on disk.
pub const FILES: &[(&str, &str)] = &[
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
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in FILES {
        match parse_file(&format!("checks/{name}"), text) {
            Ok(mut r) => rules.append(&mut r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}
