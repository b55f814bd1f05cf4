//! A location that stands for several places on this host: a rule that names it is asked of
//! every place.
//!
//! `{socket:docker}` is the socket dockerd listens on, and dockerd may listen on several
//! (`-H unix:///run/docker.sock -H unix:///srv/api.sock`). Collection resolves the name to one
//! place (`host.locations`) and lists the others (`host.further_locations`). Before a rule set
//! is evaluated over such a snapshot, every test that names the location is repeated once for
//! each further place, with that place written in: each must hold (under `not`, none may).
//! So 3.16 fails when any of dockerd's sockets is open to others, and its evidence names that
//! socket. Rule files stay as written; the bound copy lives for one evaluation.

use std::collections::BTreeMap;

use super::model::{Check, Op, Operand, Test};
use super::path::FactPath;
use super::RuleSet;

/// `rules` with each test that names a location of `further` repeated for its further places;
/// `None` when no rule names one (the rule set is used as it is).
pub fn bind(rules: &RuleSet, further: &BTreeMap<String, Vec<String>>) -> Option<RuleSet> {
    let several: Vec<(&str, &[String])> = further
        .iter()
        .filter(|(_, places)| !places.is_empty())
        .map(|(name, places)| (name.as_str(), places.as_slice()))
        .collect();
    if several.is_empty() {
        return None;
    }
    let names = |c: &Check| several.iter().any(|(name, _)| check_names(c, name));
    let touched = rules
        .rules
        .iter()
        .any(|r| r.check.as_ref().is_some_and(names) || r.applies_when.as_ref().is_some_and(names));
    if !touched {
        return None;
    }
    let bound = rules
        .rules
        .iter()
        .map(|rule| {
            let mut rule = rule.clone();
            for check in [&mut rule.check, &mut rule.applies_when]
                .into_iter()
                .flatten()
            {
                for (name, places) in &several {
                    *check = expand(check, name, places, true);
                }
            }
            rule
        })
        .collect();
    Some(RuleSet::new(bound))
}

/// `check` with each test naming `{name}` joined by its copies at `places`: all must hold
/// where the check is asserted (`positive`), any may fail to hold under an odd number of `not`.
fn expand(check: &Check, name: &str, places: &[String], positive: bool) -> Check {
    match check {
        Check::All(list) => Check::All(
            list.iter()
                .map(|c| expand(c, name, places, positive))
                .collect(),
        ),
        Check::Any(list) => Check::Any(
            list.iter()
                .map(|c| expand(c, name, places, positive))
                .collect(),
        ),
        Check::Not(inner) => Check::Not(Box::new(expand(inner, name, places, !positive))),
        Check::Every {
            list,
            check: inner,
            missing,
            ..
        } => {
            let at = |list: FactPath| {
                Check::every(list, expand(inner, name, places, positive), *missing)
            };
            if !path_names(list, name) {
                return at(list.clone());
            }
            let copies = std::iter::once(list.clone())
                .chain(places.iter().map(|p| list.placed(name, p)))
                .map(at)
                .collect();
            joined(copies, positive)
        }
        Check::Test(t) if test_names(t, name) => {
            let copies = std::iter::once(Check::Test(t.clone()))
                .chain(places.iter().map(|p| Check::Test(placed_test(t, name, p))))
                .collect();
            joined(copies, positive)
        }
        Check::Test(t) => Check::Test(t.clone()),
    }
}

/// Copies that must all hold, or (negated) of which none may.
fn joined(copies: Vec<Check>, positive: bool) -> Check {
    if positive {
        Check::All(copies)
    } else {
        Check::Any(copies)
    }
}

/// `t` with `{name}` replaced by `place` in its fact, its fact operand and its audit target;
/// what it concludes when absent or unmet and the rule's own words for what it expects are
/// kept.
fn placed_test(t: &Test, name: &str, place: &str) -> Test {
    let mut op = t.op.clone();
    if let Some(Operand::Fact(other)) = op.operand_mut() {
        *other = other.placed(name, place);
    }
    if let Op::Audits(target) = &mut op {
        *target = target.replace(&format!("{{{name}}}"), place);
    }
    let own_words = t.expected_text() != t.op.expectation_in_words();
    let placed = Test::new(t.fact.placed(name, place), op, t.missing).when_unmet(t.unmet);
    if own_words {
        placed.worded(t.expected_text().to_string())
    } else {
        placed
    }
}

fn check_names(check: &Check, name: &str) -> bool {
    check.fact_paths().into_iter().any(|p| path_names(p, name))
        || check.tests().into_iter().any(|t| audits_name(t, name))
}

fn test_names(t: &Test, name: &str) -> bool {
    let in_operand = matches!(t.op.operand(), Some(Operand::Fact(p)) if path_names(p, name));
    path_names(&t.fact, name) || in_operand || audits_name(t, name)
}

fn audits_name(t: &Test, name: &str) -> bool {
    matches!(&t.op, Op::Audits(target) if target.contains(&format!("{{{name}}}")))
}

fn path_names(path: &FactPath, name: &str) -> bool {
    path.has_placeholders() && path.placeholders().iter().any(|p| p == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::Missing;

    fn test(fact: &str, op: Op) -> Check {
        Check::Test(Test::new(FactPath::parse(fact).unwrap(), op, Missing::Fail))
    }

    fn facts_of(check: &Check) -> Vec<String> {
        match check {
            Check::All(l) | Check::Any(l) => l.iter().flat_map(facts_of).collect(),
            Check::Not(c) => facts_of(c),
            Check::Every { list, check, .. } => {
                let mut v = vec![list.rendered().to_string()];
                v.extend(facts_of(check));
                v
            }
            Check::Test(t) => match &t.op {
                Op::Audits(target) => vec![format!("{} {target}", t.fact.rendered())],
                _ => vec![t.fact.rendered().to_string()],
            },
        }
    }

    fn further() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([(
            "socket:docker".to_string(),
            vec!["/srv/api.sock".to_string()],
        )])
    }

    #[test]
    fn a_test_naming_the_location_is_asked_of_every_place() {
        let check = test(r#"host.files["{socket:docker}"].mode"#, Op::Present);
        let bound = expand(&check, "socket:docker", &further()["socket:docker"], true);
        assert!(
            matches!(bound, Check::All(ref l) if l.len() == 2),
            "{bound:?}"
        );
        assert_eq!(
            facts_of(&bound),
            [
                r#"host.files["{socket:docker}"].mode"#,
                r#"host.files["/srv/api.sock"].mode"#
            ]
        );
    }

    #[test]
    fn under_not_no_place_may_hold() {
        let check = Check::Not(Box::new(test(
            r#"host.files["{socket:docker}"].mode"#,
            Op::Present,
        )));
        let bound = expand(&check, "socket:docker", &further()["socket:docker"], true);
        let Check::Not(inner) = bound else {
            panic!("{bound:?}")
        };
        assert!(
            matches!(*inner, Check::Any(ref l) if l.len() == 2),
            "{inner:?}"
        );
    }

    #[test]
    fn audit_targets_and_other_names_are_placed_too() {
        let audits = test("host.audit", Op::Audits("{socket:docker}".into()));
        let other = test(r#"host.files["{bin:dockerd}"].mode"#, Op::Present);
        let bound = expand(
            &Check::All(vec![audits, other]),
            "socket:docker",
            &further()["socket:docker"],
            true,
        );
        assert_eq!(
            facts_of(&bound),
            [
                "host.audit {socket:docker}",
                "host.audit /srv/api.sock",
                r#"host.files["{bin:dockerd}"].mode"#
            ]
        );
    }

    #[test]
    fn a_rule_set_naming_no_such_location_is_used_as_it_is() {
        let rules = RuleSet::load(None).unwrap();
        assert!(bind(&rules, &BTreeMap::new()).is_none());
        let none = BTreeMap::from([("socket:docker".to_string(), Vec::new())]);
        assert!(bind(&rules, &none).is_none());
        let bound = bind(&rules, &further()).expect("3.15 names the socket");
        let rule = |set: &RuleSet| {
            let r = set.rules.iter().find(|r| r.id == "3.16").unwrap();
            facts_of(r.check.as_ref().unwrap())
        };
        assert_eq!(rule(&rules).len(), 1);
        assert!(
            rule(&bound).contains(&r#"host.files["/srv/api.sock"].mode"#.to_string()),
            "{:?}",
            rule(&bound)
        );
    }
}
