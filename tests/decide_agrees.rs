//! `eval::decide` (statuses only, the fast path) must agree with `eval::evaluate` (full
//! evidence) on every rule and every instance. Both run the same code with text building
//! switched off in one; this checks that no status ever depends on text.

#[allow(dead_code)]
#[path = "../benchmarks-data/generate/mod.rs"]
mod generate;

use bollwerk::rules::eval;
use bollwerk::rules::{Params, RuleSet, Status};
use bollwerk::snapshot::{CollectError, Snapshot, UnreadInstance};

fn rules() -> RuleSet {
    RuleSet::load(None).expect("embedded rules load")
}

fn assert_agree(rules: &RuleSet, snap: &Snapshot, params: &Params, what: &str) {
    let full = eval::evaluate(rules, snap, params);
    let fast = eval::decide(rules, snap, params);
    assert_eq!(full.len(), fast.len());
    let mut statuses = std::collections::BTreeSet::new();
    for (r, d) in full.iter().zip(&fast) {
        assert_eq!(r.status, d.status, "{what}: rule {}", r.id);
        assert_eq!(r.message, d.message, "{what}: rule {}", r.id);
        let instances: Vec<_> = r.instances.iter().map(|i| i.status).collect();
        assert_eq!(instances, d.instances, "{what}: rule {} instances", r.id);
        statuses.extend(instances);
        statuses.insert(r.status);
    }
    // Explaining only findings changes nothing the terminal shows.
    let findings = eval::evaluate_with(rules, snap, params, eval::Detail::Findings);
    for (r, f) in full.iter().zip(&findings) {
        assert_eq!(r.status, f.status, "{what}: rule {}", r.id);
        assert_eq!(r.message, f.message, "{what}: rule {}", r.id);
        assert_eq!(r.evidence, f.evidence, "{what}: rule {}", r.id);
        for (a, b) in r.instances.iter().zip(&f.instances) {
            assert_eq!(
                (&a.id(), a.status),
                (&b.id(), b.status),
                "{what}: rule {}",
                r.id
            );
            if matches!(a.status, Status::Fail | Status::Error) {
                assert_eq!(a, b, "{what}: rule {}", r.id);
            }
        }
    }
    // The comparison means something only if the statuses vary.
    assert!(statuses.len() >= 4, "{what}: only {statuses:?}");
}

#[test]
fn decide_agrees_with_evaluate_on_synthetic_hosts() {
    let rules = rules();
    for seed in 0..4 {
        // Over 512 containers, so that the threaded path runs too.
        let snap = generate::synthetic_snapshot(600, 30, seed);
        assert_agree(
            &rules,
            &snap,
            &generate::all_params(),
            &format!("seed {seed}"),
        );
        assert_agree(
            &rules,
            &snap,
            &Params::default(),
            &format!("seed {seed}, no parameters"),
        );
    }
}

#[test]
fn decide_agrees_when_facts_are_missing() {
    let rules = rules();
    let mut snap = generate::synthetic_snapshot(40, 5, 1);
    snap.error(
        "daemon.settings",
        "cannot parse /etc/docker/daemon.json: line 3 column 1",
    );
    snap.error("host.audit", "cannot read /etc/audit: permission denied");
    for c in snap.containers.iter_mut().step_by(3) {
        c.errors
            .insert("runtime".into(), "the container stopped".into());
        c.runtime = None;
        c.facts_changed();
    }
    assert_agree(
        &rules,
        &snap,
        &generate::all_params(),
        "with collection errors",
    );
    snap.daemon.reachable = false;
    assert_agree(&rules, &snap, &generate::all_params(), "without a daemon");
}

#[test]
fn decide_agrees_when_the_daemon_named_what_it_did_not_give() {
    let rules = rules();
    let mut snap = generate::synthetic_snapshot(40, 5, 2);
    for (kind, n) in [("container", 3), ("image", 2)] {
        for i in 0..n {
            snap.unread.push(UnreadInstance {
                kind: kind.into(),
                id: format!("{kind}-{i}"),
                name: format!("unread-{kind}-{i}"),
                message: format!("cannot inspect {kind} {i}: no complete answer within 1 s"),
            });
        }
    }
    let params = generate::all_params();
    assert_agree(&rules, &snap, &params, "with unread instances");
    // Every per-instance rule has each unread one as an `error` instance, with the reason.
    let results = eval::evaluate(&rules, &snap, &params);
    let mut per_instance = 0;
    for r in results.iter().filter(|r| !r.instances.is_empty()) {
        per_instance += 1;
        let unread: Vec<_> = r
            .instances
            .iter()
            .filter(|i| i.name().starts_with("unread-"))
            .collect();
        assert!(unread.len() == 3 || unread.len() == 2, "rule {}", r.id);
        for i in unread {
            assert_eq!(i.status, Status::Error, "rule {} {}", r.id, i.name());
            assert!(i
                .message
                .as_deref()
                .unwrap_or("")
                .contains("cannot inspect"));
            assert_eq!(
                i.kind(),
                if i.id().starts_with("container") {
                    "container"
                } else {
                    "image"
                }
            );
        }
        // The worst of its instances: a failing one can outrank the unread.
        assert!(
            matches!(r.status, Status::Error | Status::Fail),
            "rule {}",
            r.id
        );
    }
    assert!(per_instance > 30, "{per_instance} per-instance rules");
    let five_five = results.iter().find(|r| r.id == "5.5").expect("5.5");
    assert_eq!(five_five.instances.len(), 43);
    snap.error(
        "containers",
        "GET /containers/json failed: connection reset",
    );
    snap.error("images", "GET /images/json failed: status 500");
    snap.containers.clear();
    snap.images.clear();
    snap.unread.clear();
    assert_agree(&rules, &snap, &params, "with failed lists");
    // No instance is known: every rule over containers or images is `error`, not
    // "no containers", and says which list failed.
    let results = eval::evaluate(&rules, &snap, &params);
    let by_scope = |scope: &str| {
        results
            .iter()
            .filter(|r| serde_json::to_value(r.scope).unwrap() == scope)
            .filter(|r| r.status != Status::NotChecked)
            .collect::<Vec<_>>()
    };
    for (scope, list) in [("each-container", "containers"), ("each-image", "images")] {
        let rules = by_scope(scope);
        assert!(rules.len() > 3, "{scope}: {}", rules.len());
        for r in rules {
            assert_eq!(r.status, Status::Error, "rule {}", r.id);
            let message = r.message.as_deref().unwrap_or("");
            assert!(
                message.contains(&format!("list of {list} could not be read")),
                "{message}"
            );
        }
    }
}

#[test]
fn decide_agrees_behind_podman() {
    // Per-instance rules marked requires-dockerd (5.19) are notapplicable as a whole on both paths.
    let rules = rules();
    let mut snap = generate::synthetic_snapshot(40, 5, 2);
    snap.daemon.server = Some(bollwerk::snapshot::ServerFacts {
        product: "Podman".into(),
        version: "4.3.1".into(),
        dockerd: false,
        rootless: false,
    });
    assert_agree(&rules, &snap, &generate::all_params(), "behind Podman");
}

/// The synthetic hosts are what the agreement above and the benchmark evaluate: they mean
/// something only if every rule with a check meets both outcomes on them (an informational
/// rule reports). A generator change that hides an outcome fails here, not only in a
/// benchmark's printout.
#[test]
fn every_checked_rule_both_passes_and_fails_over_the_synthetic_seeds() {
    let coverage = generate::coverage(&rules(), &generate::all_params());
    assert!(
        coverage.checked > 100,
        "{} rules with a check",
        coverage.checked
    );
    assert!(
        coverage.gaps.is_empty(),
        "rules missing an outcome: {:?}",
        coverage.gaps
    );
}

/// Reports count the `notchecked` rules a person has to assess apart from those whose check
/// could not decide ([`bollwerk::rules::result::RuleResult::needs_a_person`]), by what a result
/// holds: that must single out exactly the rules without a check, whatever the host.
#[test]
fn only_rules_without_a_check_read_as_needing_a_person() {
    let rules = rules();
    // Checks that could not decide, with evidence of their own (1.1.2 without trusted-users)
    // or through their instances (4.8 without image file systems).
    let (mut with_evidence, mut through_instances) = (0, 0);
    for seed in 0..4 {
        let mut snap = generate::synthetic_snapshot(40, 5, seed);
        // As a scan without --deep-images leaves it: per-image rules undecided, per image.
        snap.not_collected.push(CollectError {
            fact: "image.special_files".into(),
            message: "image file systems were not read".into(),
        });
        for params in [generate::all_params(), Params::default()] {
            for reachable in [true, false] {
                snap.daemon.reachable = reachable;
                for r in eval::evaluate(&rules, &snap, &params) {
                    let rule = rules.rules.iter().find(|x| x.id == r.id).expect("a rule");
                    let without_check = rule.check.is_none() && r.status == Status::NotChecked;
                    assert_eq!(r.needs_a_person(), without_check, "seed {seed}: {}", r.id);
                    if r.status == Status::NotChecked && !without_check {
                        with_evidence += usize::from(!r.evidence.is_empty());
                        through_instances += usize::from(!r.instances.is_empty());
                    }
                }
            }
        }
    }
    assert!(
        with_evidence > 0 && through_instances > 0,
        "{with_evidence} {through_instances}"
    );
}
