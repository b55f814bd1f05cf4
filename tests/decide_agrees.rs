//! `eval::decide` (statuses only, the fast path) must agree with `eval::evaluate` (full
//! evidence) on every rule and every instance. Both run the same code with text building
//! switched off in one; this checks that no status ever depends on text.

#[allow(dead_code)]
#[path = "../benchmarks-data/generate.rs"]
mod generate;

use bollwerk::rules::eval;
use bollwerk::rules::{Params, RuleSet, Status};
use bollwerk::snapshot::Snapshot;

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
                (&a.id, a.status),
                (&b.id, b.status),
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
