//! What the rules ask collection to gather: host files, trees, kernel parameters and named
//! locations, written as a [`Plan`] in the facts layer's terms.

use super::model::{Check, Op};
use super::path::{FactPath, Segment};
use super::RuleSet;
use crate::facts::placeholder::{placeholders_in, prose_placeholders};
use crate::facts::plan::Plan;

/// Everything `rules` read from `host.files`, `host.trees`, `host.sysctl`, `host.sysctl_each`
/// and audit targets,
/// and the places their remediation texts name (shown as this host has them).
pub fn collection_plan(rules: &RuleSet) -> Plan {
    let mut plan = Plan::default();
    for rule in &rules.rules {
        for check in rule.check.iter().chain(rule.applies_when.iter()) {
            visit(&mut plan, check);
        }
        plan.locations.extend(prose_placeholders(&rule.remediation));
    }
    plan
}

/// Records the host files, trees and sysctls a fact path names.
fn note_host_fact(plan: &mut Plan, fact: &FactPath) {
    plan.locations.extend(fact.placeholders());
    if fact.root != "host" {
        return;
    }
    if let [Segment::Key(kind), Segment::Key(key), ..] = fact.segments.as_slice() {
        let set = match kind.as_str() {
            "files" => &mut plan.files,
            "trees" => &mut plan.trees,
            "sysctl" => &mut plan.sysctls,
            "sysctl_each" => &mut plan.sysctl_each,
            // A location read as a fact (5.32 compares mounts with the sockets) is resolved.
            "locations" | "further_locations" => &mut plan.locations,
            _ => return,
        };
        set.insert(key.clone());
    }
}

fn visit(plan: &mut Plan, check: &Check) {
    for path in check.fact_paths() {
        note_host_fact(plan, path);
    }
    for t in check.tests() {
        if let Op::Audits(target) = &t.op {
            plan.locations.extend(placeholders_in(target));
            plan.files.insert(target.clone());
        }
    }
}
