//! The collection plan: which host facts beyond the fixed ones to gather. The rules write it
//! (see `rules::plan`) in the terms of the facts layer, so collection never reads a rule.

use std::collections::BTreeSet;

/// What the rules need from the host beyond the fixed facts: named locations, files, sysctls.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Placeholders to resolve (`unit:docker.service`).
    pub locations: BTreeSet<String>,
    /// File paths to stat, possibly with placeholders.
    pub files: BTreeSet<String>,
    /// Kernel parameters to read.
    pub sysctls: BTreeSet<String>,
    /// Kernel parameters named with one `*` (`net.ipv4.conf.*.send_redirects`), to read for
    /// every name the `*` stands for.
    pub sysctl_each: BTreeSet<String>,
    /// Directories whose every file to stat (recursively), possibly with placeholders.
    pub trees: BTreeSet<String>,
}
