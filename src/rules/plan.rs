//! What the rules ask collection to gather: host files, trees, kernel parameters and named
//! locations, written as a [`Plan`] in the facts layer's terms.

use super::model::{Check, Op};
use super::path::{FactPath, Segment};
use super::RuleSet;
use crate::facts::placeholder::{placeholders_in, prose_placeholders};
use crate::facts::plan::Plan;
use crate::snapshot::DAEMON_SOCKET_LOCATIONS;

/// Everything `rules` read from `host.files`, `host.trees`, `host.sysctl`, `host.sysctl_each`,
/// `host.daemon_sockets` and `host.socket_groups` (the locations they are made of) and audit
/// targets,
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
    if let [Segment::Key(kind), ..] = fact.segments.as_slice() {
        if kind == "daemon_sockets" || kind == "socket_groups" {
            plan.locations
                .extend(DAEMON_SOCKET_LOCATIONS.iter().map(|n| n.to_string()));
        }
    }
    if let [Segment::Key(kind), Segment::Key(key), ..] = fact.segments.as_slice() {
        let set = match kind.as_str() {
            // A location read as a fact (5.32 compares mounts with the sockets) is resolved.
            "locations" | "further_locations" => &mut plan.locations,
            planned => match plan.keys_of(planned) {
                Some(keys) => keys,
                None => return,
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_reading_the_daemon_s_sockets_has_both_placeholders_located() {
        let rule = r#"
[[rule]]
id = "BW-TEST-1"
title = "t"
description = "d"
rationale = "r"
remediation = "m"
level = 1
assessment = "automated"
severity = "high"
scope = "each-container"
references = ["x"]
check = { every = "container.inspect.Mounts", check = { fact = "item.Source", encloses-none-of = { fact = "host.daemon_sockets" }, missing = "pass" } }
"#;
        let rules = crate::rules::loader::parse_file("t.toml", rule).unwrap();
        let plan = collection_plan(&RuleSet::new(rules));
        for name in DAEMON_SOCKET_LOCATIONS {
            assert!(plan.locations.contains(name), "{name}: {plan:?}");
        }
        // The sockets' groups are read from the same places.
        let groups = rule.replace(
            r#"check = { every = "container.inspect.Mounts", check = { fact = "item.Source", encloses-none-of = { fact = "host.daemon_sockets" }, missing = "pass" } }"#,
            r#"check = { every = "host.socket_groups", check = { fact = "item.members", empty = true } }"#,
        );
        assert_ne!(groups, rule);
        let rules =
            crate::rules::loader::parse_file("t.toml", &groups.replace("each-container", "host"))
                .unwrap();
        let plan = collection_plan(&RuleSet::new(rules));
        for name in DAEMON_SOCKET_LOCATIONS {
            assert!(plan.locations.contains(name), "{name}: {plan:?}");
        }
    }
}
