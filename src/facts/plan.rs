//! The collection plan: which host facts beyond the fixed ones to gather. The rules write it
//! (see `rules::plan`) in the terms of the facts layer, so collection never reads a rule.

use std::collections::BTreeSet;

/// The host facts gathered per key a plan names (`host.files["/etc/docker"]`,
/// `host.sysctl["kernel.kptr_restrict"]`, `host.sysctl_each[…]`, `host.trees[…]`). For every key
/// it names, collection leaves an entry (`exists: false` or null when nothing is there), or an
/// error: a key without an entry was never looked at, which says nothing about the host.
/// `host.drop_ins[DIR]` is made from the walk of `DIR` (`host.trees[DIR]`), so a rule reading
/// it has `DIR` walked.
pub const PLANNED_HOST_FACTS: [&str; 5] = ["files", "trees", "drop_ins", "sysctl", "sysctl_each"];

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

impl Plan {
    /// The keys to gather under `host.<fact>`, for one of [`PLANNED_HOST_FACTS`].
    pub fn keys_of(&mut self, fact: &str) -> Option<&mut BTreeSet<String>> {
        match fact {
            "files" => Some(&mut self.files),
            // A folder's drop-ins are picked from its walk.
            "trees" | "drop_ins" => Some(&mut self.trees),
            "sysctl" => Some(&mut self.sysctls),
            "sysctl_each" => Some(&mut self.sysctl_each),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_planned_host_fact_has_its_keys_in_the_plan() {
        let mut plan = Plan::default();
        for fact in PLANNED_HOST_FACTS {
            plan.keys_of(fact)
                .unwrap_or_else(|| panic!("{fact}"))
                .insert(fact.into());
        }
        assert_eq!(plan.files.len() + plan.trees.len(), 3);
        assert_eq!(plan.sysctls.len() + plan.sysctl_each.len(), 2);
        assert!(plan.keys_of("locations").is_none());
    }
}
