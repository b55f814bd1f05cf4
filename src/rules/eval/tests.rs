//! The operators and combinators one by one, over hand-made snapshots: each operator with
//! a case it passes and one it fails, absent facts, and the roll-up of instance statuses.
//! The per-rule fixtures (tests/rule_fixtures.rs) test the shipped rules as wholes.

use std::sync::Arc;

use arcstr::ArcStr;

use super::*;
use crate::rules::loader::parse_file;
use crate::rules::result::Observed;

/// A rule of `scope` whose check is the inline TOML table `check`.
fn rule(scope: &str, check: &str) -> Rule {
    rule_when(scope, None, check)
}

/// [`rule`], with the inline TOML table `applies_when` as its precondition when given.
fn rule_when(scope: &str, applies_when: Option<&str>, check: &str) -> Rule {
    let applies_when = applies_when.map_or(String::new(), |w| format!("applies-when = {w}\n"));
    let text = format!(
        r#"[[rule]]
id = "BW-TEST"
title = "A rule under test"
description = "What it checks."
rationale = "Why."
remediation = "How to fix it."
level = 1
assessment = "automated"
severity = "low"
scope = "{scope}"
references = []
{applies_when}check = {check}
"#
    );
    let mut rules = parse_file("test.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    rules.pop().expect("one rule")
}

/// [`rule`], with the id `id`.
fn rule_named(id: &str, scope: &str, check: &str) -> Rule {
    let mut r = rule(scope, check);
    r.id = id.into();
    r
}

/// A snapshot whose daemon answered with `info` as its `/info`.
fn daemon_with(info: Value) -> Snapshot {
    let mut snap = Snapshot::new("/", "unix:///var/run/docker.sock", true);
    snap.daemon.reachable = true;
    snap.daemon.info = Some(info);
    snap
}

/// A snapshot holding one container per `inspect` document.
fn containers(inspects: &[Value]) -> Snapshot {
    let mut snap = daemon_with(json!({}));
    snap.containers = inspects
        .iter()
        .enumerate()
        .map(|(i, inspect)| {
            serde_json::from_value(json!({
                "id": format!("{i:064x}"), "name": format!("c{i}"),
                "inspect": inspect, "runtime": null,
            }))
            .expect("container facts")
        })
        .collect();
    snap
}

fn status(rule: &Rule, snap: &Snapshot) -> Status {
    let rules = RuleSet::new(vec![rule.clone()]);
    let full = evaluate(&rules, snap, &Params::default()).remove(0);
    let fast = decide(&rules, snap, &Params::default()).remove(0);
    assert_eq!(full.status, fast.status, "evaluate and decide agree");
    full.status
}

/// `check` over a daemon whose `/info` field `X` is `value`.
fn on(check: &str, value: Value) -> Status {
    status(&rule("daemon", check), &daemon_with(json!({ "X": value })))
}

#[test]
fn rules_reading_the_same_fact_share_one_observation() {
    let privileged = |id: &str| {
        let mut r = rule(
            "each-container",
            r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#,
        );
        r.id = id.into();
        r
    };
    let rules = RuleSet::new(vec![privileged("BW-A"), privileged("BW-B")]);
    let snap = containers(&[
        json!({"HostConfig": {"Privileged": true}}),
        json!({"HostConfig": {"Privileged": false}}),
    ]);
    let results = evaluate(&rules, &snap, &Params::default());
    for i in 0..2 {
        let a = results[0].instances[i].evidence.get(0).expect("evidence");
        let b = results[1].instances[i].evidence.get(0).expect("evidence");
        assert!(
            std::ptr::eq(a.observation(), b.observation()),
            "instance {i}"
        );
        assert_eq!(*a.observed(), json!(i == 0));
    }
    // Two containers' facts are two observations, however alike their paths.
    let (first, second) = (&results[0].instances[0], &results[0].instances[1]);
    assert!(!std::ptr::eq(
        first.evidence.get(0).expect("evidence").observation(),
        second.evidence.get(0).expect("evidence").observation()
    ));
}

#[test]
fn an_instances_results_share_one_sheet_and_each_holds_its_own_run_of_tests() {
    let privileged = rule_named(
        "BW-A",
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#,
    );
    let both = rule_named(
        "BW-B",
        "each-container",
        r#"{ all = [
            { fact = "container.inspect.HostConfig.Privileged", equals = false },
            { fact = "container.inspect.HostConfig.PidMode", not-equals = "host" },
        ] }"#,
    );
    let rules = RuleSet::new(vec![privileged, both]);
    let snap = containers(&[
        json!({"HostConfig": {"Privileged": false, "PidMode": ""}}),
        json!({"HostConfig": {"Privileged": true, "PidMode": "host"}}),
    ]);
    let results = evaluate(&rules, &snap, &Params::default());
    for i in 0..2 {
        let (a, b) = (
            &results[0].instances[i].evidence,
            &results[1].instances[i].evidence,
        );
        let (sa, sb) = (a.sheet().expect("a sheet"), b.sheet().expect("a sheet"));
        assert!(Arc::ptr_eq(sa, sb), "instance {i}: one sheet");
        // Two facts read, each once, though three tests read them.
        assert_eq!(sa.observations().len(), 2, "instance {i}");
        let facts: Vec<&str> = b.iter().map(|e| e.fact()).collect();
        assert_eq!(a.len(), 1);
        // Explaining, an `all` records every test, the failing instance's too.
        let want = [
            "container.inspect.HostConfig.Privileged",
            "container.inspect.HostConfig.PidMode",
        ];
        assert_eq!(facts, want, "instance {i}");
    }
    // Each container has a sheet of its own.
    let (s0, s1) = (
        results[0].instances[0].evidence.sheet().expect("sheet"),
        results[0].instances[1].evidence.sheet().expect("sheet"),
    );
    assert!(!Arc::ptr_eq(s0, s1));
}

#[test]
fn a_fact_reached_through_a_list_and_named_by_a_path_is_one_observation() {
    // One rule names the fact as written (found by its number), the other reaches it as an
    // element of a list (named by text at evaluation): the same fact, one observation.
    let mut by_path = rule("daemon", r#"{ fact = "daemon.info.L[1].n", lt = 3 }"#);
    by_path.id = "BW-A".into();
    let mut by_list = rule(
        "daemon",
        r#"{ every = "daemon.info.L", check = { fact = "item.n", lt = 3 } }"#,
    );
    by_list.id = "BW-B".into();
    let rules = RuleSet::new(vec![by_path, by_list]);
    let snap = daemon_with(json!({ "L": [{ "n": 1 }, { "n": 2 }] }));
    let results = evaluate(&rules, &snap, &Params::default());
    let (a, b) = (&results[0].evidence, &results[1].evidence);
    assert_eq!((a.len(), b.len()), (1, 2));
    let (a, b) = (
        a.get(0).expect("a"),
        [b.get(0).expect("b0"), b.get(1).expect("b1")],
    );
    assert_eq!(a.fact(), "daemon.info.L[1].n");
    assert_eq!(b[1].fact(), "daemon.info.L[1].n");
    assert!(std::ptr::eq(a.observation(), b[1].observation()));
    assert!(!std::ptr::eq(b[0].observation(), b[1].observation()));
}

#[test]
fn each_operator_passes_and_fails() {
    use Status::{Fail, Pass};
    let cases: &[(&str, Value, Value)] = &[
        (
            r#"{ fact = "daemon.info.X", equals = 1 }"#,
            json!(1),
            json!(2),
        ),
        (
            r#"{ fact = "daemon.info.X", not-equals = 1 }"#,
            json!(2),
            json!(1),
        ),
        (
            r#"{ fact = "daemon.info.X", in = ["a", "b"] }"#,
            json!("b"),
            json!("c"),
        ),
        (
            r#"{ fact = "daemon.info.X", not-in = ["a", "b"] }"#,
            json!("c"),
            json!("a"),
        ),
        (
            r#"{ fact = "daemon.info.X", matches = '^ab+$' }"#,
            json!("abb"),
            json!("ba"),
        ),
        (
            r#"{ fact = "daemon.info.X", not-matches = '^ab+$' }"#,
            json!("ba"),
            json!("ab"),
        ),
        (
            r#"{ fact = "daemon.info.X", contains = "x" }"#,
            json!(["x", "y"]),
            json!(["y"]),
        ),
        (
            r#"{ fact = "daemon.info.X", contains = "ell" }"#,
            json!("hello"),
            json!("help"),
        ),
        (
            r#"{ fact = "daemon.info.X", not-contains = "x" }"#,
            json!(["y"]),
            json!(["x"]),
        ),
        (
            r#"{ fact = "daemon.info.X", any-matches = '^s' }"#,
            json!(["a", "sb"]),
            json!(["a"]),
        ),
        (
            r#"{ fact = "daemon.info.X", none-matches = '^s' }"#,
            json!(["a"]),
            json!(["s"]),
        ),
        (
            r#"{ fact = "daemon.info.X", present = true }"#,
            json!(0),
            Value::Null,
        ),
        (
            r#"{ fact = "daemon.info.X", absent = true }"#,
            Value::Null,
            json!(0),
        ),
        (
            r#"{ fact = "daemon.info.X", empty = true }"#,
            json!([]),
            json!(["a"]),
        ),
        (
            r#"{ fact = "daemon.info.X", not-empty = true }"#,
            json!({"a": 1}),
            json!({}),
        ),
        (r#"{ fact = "daemon.info.X", gt = 5 }"#, json!(6), json!(5)),
        (r#"{ fact = "daemon.info.X", ge = 5 }"#, json!(5), json!(4)),
        (r#"{ fact = "daemon.info.X", lt = 5 }"#, json!(4), json!(5)),
        (r#"{ fact = "daemon.info.X", le = 5 }"#, json!(5), json!(6)),
        (
            r#"{ fact = "daemon.info.X", mode-at-most = "0644" }"#,
            json!("0600"),
            json!("0664"),
        ),
        (
            r#"{ fact = "daemon.info.X", owner-is = "root:root" }"#,
            json!("root:root"),
            json!("root:docker"),
        ),
        (
            r#"{ fact = "daemon.info.X", subset-of = ["a", "b"] }"#,
            json!(["b"]),
            json!(["b", "c"]),
        ),
        (
            r#"{ fact = "daemon.info.X", contains-all = ["a", "b"] }"#,
            json!(["c", "b", "a"]),
            json!(["a", "c"]),
        ),
        (
            r#"{ fact = "daemon.info.X", encloses-none-of = ["/run/d.sock", "/srv/api/d.sock"] }"#,
            json!("/srv/apix"),
            json!("/srv/"),
        ),
        (
            r#"{ fact = "daemon.info.X", encloses-none-of = "/run/d.sock" }"#,
            json!("/run/d.sock.d"),
            json!("/"),
        ),
        (
            r#"{ fact = "daemon.info.X", encloses-none-of = "/run/d.sock" }"#,
            json!("/srv/run"),
            json!("/run/d.sock"),
        ),
    ];
    for (check, good, bad) in cases {
        assert_eq!(on(check, good.clone()), Pass, "{check} over {good}");
        assert_eq!(on(check, bad.clone()), Fail, "{check} over {bad}");
    }
}

#[test]
fn an_absent_fact_gives_what_missing_says_and_an_unread_one_is_an_error() {
    let absent = || daemon_with(json!({}));
    let with = |missing: &str| {
        let check = format!(r#"{{ fact = "daemon.info.X", equals = 1{missing} }}"#);
        status(&rule("daemon", &check), &absent())
    };
    assert_eq!(with(""), Status::Fail, "absent fails by default");
    assert_eq!(with(r#", missing = "pass""#), Status::Pass);
    assert_eq!(with(r#", missing = "error""#), Status::Error);
    assert_eq!(
        with(r#", missing = "notapplicable""#),
        Status::NotApplicable
    );
    // A fact that could not be read is not an absent one: error, even where absent passes.
    let mut unread = daemon_with(json!({ "X": 1 }));
    unread.daemon.info = None;
    unread.error("daemon.info", "GET /info: connection refused");
    let check = r#"{ fact = "daemon.info.X", equals = 1, missing = "pass" }"#;
    assert_eq!(status(&rule("daemon", check), &unread), Status::Error);
}

#[test]
fn combinators_combine() {
    let (one, two) = (
        r#"{ fact = "daemon.info.A", equals = 1 }"#,
        r#"{ fact = "daemon.info.B", equals = 1 }"#,
    );
    let snap = daemon_with(json!({ "A": 1, "B": 2 }));
    let all = format!("{{ all = [{one}, {two}] }}");
    let any = format!("{{ any = [{one}, {two}] }}");
    let not_b = format!("{{ not = {two} }}");
    let not_a = format!("{{ not = {one} }}");
    assert_eq!(status(&rule("daemon", &all), &snap), Status::Fail);
    assert_eq!(status(&rule("daemon", &any), &snap), Status::Pass);
    assert_eq!(status(&rule("daemon", &not_b), &snap), Status::Pass);
    assert_eq!(status(&rule("daemon", &not_a), &snap), Status::Fail);
    let both = daemon_with(json!({ "A": 1, "B": 1 }));
    assert_eq!(status(&rule("daemon", &all), &both), Status::Pass);
    let neither = daemon_with(json!({ "A": 0, "B": 0 }));
    assert_eq!(status(&rule("daemon", &any), &neither), Status::Fail);
}

/// The facts the evidence of `check`'s result over `snap` names, in order.
fn evidence_facts(check: &str, snap: &Snapshot) -> Vec<String> {
    let rules = RuleSet::new(vec![rule("daemon", check)]);
    let result = evaluate(&rules, snap, &Params::default()).remove(0);
    result
        .evidence
        .iter()
        .map(|e| e.fact().to_string())
        .collect()
}

/// The outcomes of the evidence of `check`'s result over `snap`, in order.
fn evidence_outcomes(check: &str, snap: &Snapshot) -> Vec<Status> {
    let rules = RuleSet::new(vec![rule("daemon", check)]);
    let result = evaluate(&rules, snap, &Params::default()).remove(0);
    result.evidence.iter().map(|e| e.outcome).collect()
}

#[test]
fn an_any_that_holds_shows_the_test_that_holds_and_an_all_that_fails_every_reason() {
    let (a, b, c) = (
        r#"{ fact = "daemon.info.A", equals = 1 }"#,
        r#"{ fact = "daemon.info.B", equals = 1 }"#,
        r#"{ fact = "daemon.info.C", equals = 1 }"#,
    );
    let snap = daemon_with(json!({ "A": 0, "B": 1, "C": 0 }));
    // A fails, B holds: C would add nothing to the pass. A, the alternative not taken, is
    // notapplicable, so that no report takes it for what fails.
    let any = format!("{{ any = [{a}, {b}, {c}] }}");
    assert_eq!(
        evidence_facts(&any, &snap),
        ["daemon.info.A", "daemon.info.B"]
    );
    assert_eq!(
        evidence_outcomes(&any, &snap),
        [Status::NotApplicable, Status::Pass]
    );
    // Under an `all` that fails for another reason, the same.
    let under_all = format!("{{ all = [{c}, {{ any = [{a}, {b}] }}] }}");
    assert_eq!(
        evidence_outcomes(&under_all, &snap),
        [Status::Fail, Status::NotApplicable, Status::Pass]
    );
    // Every reason to fix, past the first failure.
    let all = format!("{{ all = [{a}, {b}, {c}] }}");
    assert_eq!(
        evidence_facts(&all, &snap),
        ["daemon.info.A", "daemon.info.B", "daemon.info.C"]
    );
    // An `any` that fails shows each alternative it tried.
    let none = daemon_with(json!({ "A": 0, "B": 0, "C": 0 }));
    assert_eq!(
        evidence_facts(&any, &none),
        ["daemon.info.A", "daemon.info.B", "daemon.info.C"]
    );
}

#[test]
fn a_precondition_leaves_evidence_only_when_it_does_not_hold() {
    let rules = RuleSet::new(vec![rule_when(
        "daemon",
        Some(
            r#"{ all = [{ fact = "daemon.info.On", equals = true }, { fact = "daemon.info.Also", equals = true }] }"#,
        ),
        r#"{ fact = "daemon.info.X", equals = 1 }"#,
    )]);
    let facts = |info: Value| {
        let result = evaluate(&rules, &daemon_with(info), &Params::default()).remove(0);
        let facts: Vec<String> = result
            .evidence
            .iter()
            .map(|e| e.fact().to_string())
            .collect();
        (result.status, facts)
    };
    assert_eq!(
        facts(json!({ "On": true, "Also": true, "X": 1 })),
        (Status::Pass, vec!["daemon.info.X".to_string()])
    );
    // Not holding, it is the evidence of why the rule does not apply: both its reasons.
    assert_eq!(
        facts(json!({ "On": false, "Also": false, "X": 1 })),
        (
            Status::NotApplicable,
            vec!["daemon.info.On".to_string(), "daemon.info.Also".to_string()]
        )
    );
}

#[test]
fn every_checks_each_element() {
    let check = r#"{ every = "daemon.info.L", check = { fact = "item.n", lt = 3 } }"#;
    let r = rule("daemon", check);
    let on_list = |l: Value| status(&r, &daemon_with(json!({ "L": l })));
    assert_eq!(on_list(json!([{ "n": 1 }, { "n": 2 }])), Status::Pass);
    assert_eq!(on_list(json!([{ "n": 1 }, { "n": 3 }])), Status::Fail);
    assert_eq!(on_list(json!([])), Status::Pass, "nothing violates");
}

#[test]
fn an_every_with_no_element_to_test_shows_the_list_it_read() {
    // Mounts of a container that has none, or whose Mounts are absent, or not gathered.
    let mounts = rule(
        "each-container",
        r#"{ every = "container.inspect.Mounts", check = { fact = "item.Source", not-equals = "/" } }"#,
    );
    let mut snap = containers(&[
        json!({"Mounts": []}),
        json!({}),
        json!({"Mounts": [{"Source": "/"}]}),
    ]);
    snap.containers[1]
        .errors
        .insert("inspect.Mounts".into(), "cut short".into());
    let rules = RuleSet::new(vec![mounts]);
    let result = evaluate(&rules, &snap, &Params::default()).remove(0);
    let shown = |i: usize| {
        let evidence: Vec<_> = result.instances[i].evidence.iter().collect();
        assert_eq!(evidence.len(), 1, "instance {i}: {evidence:?}");
        let e = &evidence[0];
        (
            result.instances[i].status,
            e.fact().to_string(),
            e.observed().into_owned(),
            e.source().to_string(),
            e.expected_for_people().to_string(),
            e.outcome,
        )
    };
    assert_eq!(
        shown(0),
        (
            Status::Pass,
            "container.inspect.Mounts".into(),
            json!([]),
            "docker inspect c0".into(),
            "no element that breaks the check (none at all is fine)".into(),
            Status::Pass
        )
    );
    // Not read: an error, with the list named as what could not be read.
    let (status, fact, observed, source, _, outcome) = shown(1);
    assert_eq!((status, outcome), (Status::Error, Status::Error));
    assert_eq!(
        (fact.as_str(), observed, source.as_str()),
        ("container.inspect.Mounts", Value::Null, "collection error")
    );
    // With elements, each element's test is the evidence, as before.
    let (status, fact, ..) = shown(2);
    assert_eq!(
        (status, fact.as_str()),
        (Status::Fail, "container.inspect.Mounts[0].Source")
    );
}

#[test]
fn instance_statuses_roll_up_to_the_worst() {
    let r = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false, missing = "error" }"#,
    );
    let good = json!({ "HostConfig": { "Privileged": false } });
    let bad = json!({ "HostConfig": { "Privileged": true } });
    let unknown = json!({ "HostConfig": {} });
    let rules = RuleSet::new(vec![r.clone()]);
    let judge = |inspects: &[Value]| {
        let result = evaluate(&rules, &containers(inspects), &Params::default()).remove(0);
        let each: Vec<Status> = result.instances.iter().map(|i| i.status).collect();
        (result.status, each)
    };
    use Status::{Error, Fail, NotApplicable, Pass};
    assert_eq!(
        judge(&[good.clone(), good.clone()]),
        (Pass, vec![Pass, Pass])
    );
    assert_eq!(
        judge(&[good.clone(), bad.clone()]),
        (Fail, vec![Pass, Fail])
    );
    assert_eq!(
        judge(&[good.clone(), unknown.clone()]),
        (Error, vec![Pass, Error])
    );
    assert_eq!(
        judge(&[bad, unknown.clone()]),
        (Fail, vec![Fail, Error]),
        "a known failure outranks"
    );
    assert_eq!(
        judge(&[]).0,
        NotApplicable,
        "no container, nothing to judge"
    );

    // An instance left to a person outranks the others' pass or notapplicable: the rule was
    // not checked for all of them.
    let r = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false, missing = "notchecked" }"#,
    );
    let rules = RuleSet::new(vec![r]);
    let judge = |inspects: &[Value]| {
        let result = evaluate(&rules, &containers(inspects), &Params::default()).remove(0);
        (result.status, result.message)
    };
    let (status, message) = judge(&[good.clone(), unknown.clone()]);
    assert_eq!(status, Status::NotChecked);
    assert_eq!(message.as_deref(), Some("1 of 2 containers is notchecked"));
    let (status, message) = judge(&[json!({ "HostConfig": { "Privileged": true } }), unknown]);
    assert_eq!(status, Fail);
    assert_eq!(
        message.as_deref(),
        Some("1 of 2 containers fails, 1 not checked")
    );
}

#[test]
fn rows_become_columns_in_order_on_one_thread_and_on_many() {
    // Below PARALLEL_FROM on the calling thread, above it in blocks on every core; each value
    // must land in its row's place whatever order the blocks finish in.
    for (n, width) in [(3, 4), (5_000, 7), (BLOCK * 3 + 5, 41)] {
        let columns = par_columns(
            n,
            width,
            PARALLEL_FROM,
            |c| c,
            |i| (0..width).map(|c| format!("{i}:{c}")).collect::<Vec<_>>(),
        );
        assert_eq!(columns.len(), width);
        for (c, column) in columns.iter().enumerate() {
            assert_eq!(column.len(), n, "column {c} of {n} rows");
            for (i, v) in column.iter().enumerate() {
                assert_eq!(v, &format!("{i}:{c}"));
            }
        }
    }
}

#[test]
fn a_tally_counts_each_status_and_names_the_worst() {
    use Status::*;
    let tally = Tally::of([Pass, NotApplicable, Error, Pass, Error]);
    assert_eq!((tally.count(Pass), tally.count(Error)), (2, 2));
    assert_eq!((tally.count(Fail), tally.total()), (0, 5));
    assert_eq!(tally.worst(), Error, "an error outranks a pass");
    assert_eq!(
        Tally::of([Error, Fail]).worst(),
        Fail,
        "a failure outranks all"
    );
    assert_eq!(Tally::of([]).worst(), NotApplicable, "nothing to judge");
    assert_eq!(Tally::of([NotChecked]).worst(), NotChecked);
    assert_eq!(
        Tally::of([Pass, NotChecked, NotApplicable]).worst(),
        NotChecked
    );
}

#[test]
fn columns_are_finished_on_every_thread_in_order() {
    // The finishing step runs on the threads too; each column's own, in column order.
    let (n, width) = (5_000, 7);
    let finished: Vec<usize> = par_columns(
        n,
        width,
        PARALLEL_FROM,
        |c: Vec<usize>| c.iter().sum::<usize>(),
        |i| (0..width).map(|c| i * c).collect::<Vec<_>>(),
    );
    let sum = n * (n - 1) / 2;
    assert_eq!(
        finished,
        (0..width).map(|c| sum * c).collect::<Vec<usize>>()
    );
}

#[test]
fn messages_show_a_value_cut_to_its_first_characters() {
    // The same text whether the value is a rule's operand or a fact in a document (whose
    // objects keep their keys sorted).
    let shown = |v: Value| {
        let doc = Doc::from_slice(v.to_string().as_bytes()).expect("valid JSON");
        let (from_json, from_doc) = (compact(V::Json(&v)), compact(V::Doc(doc.root())));
        if !v.is_object() {
            assert_eq!(from_json, from_doc);
        }
        from_json
    };
    assert_eq!(shown(Value::Null), "nothing");
    assert_eq!(shown(json!("abc")), "\"abc\"");
    assert_eq!(
        shown(json!({"b": 1, "a": [true, 2.5]})),
        r#"{"b":1,"a":[true,2.5]}"#
    );
    // A long list: 120 characters of its rendering, then an ellipsis.
    let long: Vec<String> = (0..200).map(|i| format!("VAR{i}=x")).collect();
    let whole = serde_json::to_string(&long).unwrap();
    let cut = shown(json!(long));
    assert_eq!(cut, format!("{}…", &whole[..120]));
    // Cut by characters, never inside one, also when the writer stopped inside one.
    let wide = vec!["äöü€".repeat(40); 3];
    let whole: String = serde_json::to_string(&wide).unwrap();
    let cut = shown(json!(wide));
    assert_eq!(cut.chars().count(), 121);
    assert_eq!(
        cut,
        format!("{}…", whole.chars().take(120).collect::<String>())
    );
    let at_most = "x".repeat(118);
    assert_eq!(shown(json!(at_most)), format!("\"{at_most}\""));
    assert!(shown(json!(format!("{at_most}y"))).ends_with("y…"));
}

#[test]
fn a_failure_names_the_tests_that_failed_in_its_message() {
    let message = |check: &str, info: Value| {
        let rules = RuleSet::new(vec![rule("daemon", check)]);
        let r = evaluate(&rules, &daemon_with(info), &Params::default()).remove(0);
        assert_eq!(r.status, Status::Fail);
        r.message.expect("a failure says why")
    };
    let (a, b, c) = (
        r#"{ fact = "daemon.info.A", equals = 1 }"#,
        r#"{ fact = "daemon.info.B", equals = 1 }"#,
        r#"{ fact = "daemon.info.C", equals = "x" }"#,
    );
    let found = json!({ "A": 2, "B": 3, "C": "y" });
    // `all`: the first failure; the ones after it are recorded, not shown.
    assert_eq!(
        message(&format!("{{ all = [{a}, {b}] }}"), found.clone()),
        "daemon.info.A: found 2, expected equal to 1"
    );
    // `any`: every failure, joined.
    assert_eq!(
        message(&format!("{{ any = [{a}, {c}] }}"), found.clone()),
        "daemon.info.A: found 2, expected equal to 1; and daemon.info.C: found \"y\", expected equal to x"
    );
    // Nested: a `not` that passes inside an `all`, then the failure that counts.
    assert_eq!(
        message(
            &format!("{{ all = [{{ not = {a} }}, {{ any = [{b}] }}] }}"),
            found.clone()
        ),
        "daemon.info.B: found 3, expected equal to 1"
    );
    // `every`: the first element that fails.
    assert_eq!(
        message(
            r#"{ every = "daemon.info.L", check = { fact = "item.n", lt = 3 } }"#,
            json!({ "L": [{ "n": 1 }, { "n": 5 }, { "n": 7 }] })
        ),
        "daemon.info.L[1].n: found 5, expected less than 3"
    );
    // `not`: the test that held, with what it found.
    assert_eq!(
        message(
            r#"{ not = { fact = "daemon.info.C", equals = "y" } }"#,
            found.clone()
        ),
        "daemon.info.C: found \"y\", which must not be equal to y"
    );
    // An `any` inside an `all` whose first failure comes before it: only that one is shown;
    // an `any` inside an `any`: its reasons among the others, in order.
    assert_eq!(
        message(
            &format!("{{ all = [{b}, {{ any = [{a}, {c}] }}] }}"),
            found.clone()
        ),
        "daemon.info.B: found 3, expected equal to 1"
    );
    assert_eq!(
        message(&format!("{{ any = [{b}, {{ any = [{a}, {c}] }}] }}"), found.clone()),
        "daemon.info.B: found 3, expected equal to 1; and daemon.info.A: found 2, expected equal to 1; and daemon.info.C: found \"y\", expected equal to x"
    );
}

#[test]
fn an_instances_observations_from_one_source_share_its_text() {
    let mut privileged = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#,
    );
    privileged.id = "BW-A".into();
    let mut pid = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.PidMode", not-equals = "host" }"#,
    );
    pid.id = "BW-B".into();
    let rules = RuleSet::new(vec![privileged, pid]);
    let snap = containers(&[
        json!({"HostConfig": {"Privileged": false, "PidMode": ""}}),
        json!({"HostConfig": {"Privileged": true, "PidMode": "host"}}),
    ]);
    let results = evaluate(&rules, &snap, &Params::default());
    // The source's text, and where it is held.
    let source = |rule: usize, instance: usize| {
        let e = results[rule].instances[instance]
            .evidence
            .get(0)
            .expect("evidence");
        (e.source().to_string(), e.source().as_ptr())
    };
    for i in 0..2 {
        assert_eq!(source(0, i).0, format!("docker inspect c{i}"));
        // One text on the instance's sheet, which both rules' observations name.
        assert_eq!(source(0, i).1, source(1, i).1, "instance {i}");
    }
    // Each instance names its own source.
    assert_ne!(source(0, 0).1, source(0, 1).1);
}

#[test]
fn evidence_points_into_the_snapshots_documents_and_copies_no_value() {
    let mut by_name = rule(
        "each-container",
        r#"{ fact = "container.name", equals = "c0" }"#,
    );
    by_name.id = "BW-A".into();
    let mut by_inspect = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#,
    );
    by_inspect.id = "BW-B".into();
    let rules = RuleSet::new(vec![by_name, by_inspect]);
    let snap = containers(&[json!({"HostConfig": {"Privileged": false}})]);
    let results = evaluate(&rules, &snap, &Params::default());
    let evidence = |r: usize| results[r].instances[0].evidence.get(0).expect("evidence");
    // The container's name is in its facts document, which the snapshot keeps: the evidence
    // names its node.
    let name = evidence(0);
    assert!(matches!(
        name.observation().observed,
        Observed::InDoc { .. }
    ));
    assert!(name
        .observed_node()
        .is_some_and(|n| n.is_in(snap.containers[0].facts_doc())));
    assert_eq!(*name.observed(), json!("c0"));
    // So does the inspect's value, and the sheet holds each document once.
    let privileged = evidence(1);
    assert!(privileged
        .observed_node()
        .is_some_and(|n| n.is_in(&snap.containers[0].inspect)));
    assert_eq!(*privileged.observed(), json!(false));

    // An image's facts are all in its facts document.
    let rules = RuleSet::new(vec![rule(
        "each-image",
        r#"{ fact = "image.inspect.Config.User", equals = "app" }"#,
    )]);
    let mut snap = daemon_with(json!({}));
    snap.images = vec![serde_json::from_value(json!({
        "id": "sha256:1", "tags": ["app:1"], "inspect": {"Config": {"User": "app"}}, "history": [],
    }))
    .expect("image facts")];
    let results = evaluate(&rules, &snap, &Params::default());
    let e = results[0].instances[0].evidence.get(0).expect("evidence");
    assert!(e
        .observed_node()
        .is_some_and(|n| n.is_in(snap.images[0].facts_doc())));
    assert_eq!(*e.observed(), json!("app"));
}

#[test]
fn facts_changed_after_an_evaluation_are_read_by_the_next() {
    let rules = RuleSet::new(vec![rule(
        "each-container",
        r#"{ fact = "container.name", equals = "c0" }"#,
    )]);
    let mut snap = containers(&[json!({"HostConfig": {}})]);
    let status = |snap: &Snapshot| evaluate(&rules, snap, &Params::default())[0].status;
    assert_eq!(status(&snap), Status::Pass);
    // A copy starts without the document, so a copy changed is read as changed.
    let mut copy = snap.clone();
    copy.containers[0].name = "other".into();
    assert_eq!(status(&copy), Status::Fail);
    // Changed in place, the facts are read again once the change is told.
    snap.containers[0].name = "other".into();
    snap.containers[0].facts_changed();
    assert_eq!(status(&snap), Status::Fail);
}

#[test]
fn instances_that_fail_alike_share_their_message() {
    let r = rule(
        "each-container",
        r#"{ fact = "container.inspect.HostConfig.Privileged", equals = false }"#,
    );
    let rules = RuleSet::new(vec![r]);
    let snap = containers(&[
        json!({"HostConfig": {"Privileged": true}}),
        json!({"HostConfig": {"Privileged": true}}),
        json!({"HostConfig": {"Privileged": "yes"}}),
    ]);
    let results = evaluate(&rules, &snap, &Params::default());
    let message = |i: usize| {
        results[0].instances[i]
            .message
            .clone()
            .expect("a failure says why")
    };
    assert_eq!(
        &*message(0),
        "container.inspect.HostConfig.Privileged: found true, expected equal to false"
    );
    assert!(ArcStr::ptr_eq(&message(0), &message(1)));
    assert!(message(2).contains("found \"yes\""));
}

#[test]
fn a_placeholder_left_unlocated_because_the_host_was_not_read_is_an_error() {
    let rules = RuleSet::new(vec![rule(
        "host",
        r#"{ fact = "host.files[\"{unit:docker.service}\"].mode", equals = "0644" }"#,
    )]);
    // Read and not found: decided as the test's `missing` says (a failure by default).
    let mut snap = daemon_with(json!({}));
    let results = evaluate(&rules, &snap, &Params::default());
    assert_eq!(results[0].status, Status::Fail);
    // Not read at all: the unit was never looked for, so nothing is known.
    snap.error("host", "host files were still being read at the deadline");
    let results = evaluate(&rules, &snap, &Params::default());
    assert_eq!(results[0].status, Status::Error);
    assert!(results[0]
        .message
        .as_deref()
        .is_some_and(|m| m.contains("at the deadline")));
}

#[test]
fn a_placeholder_left_unlocated_when_the_locations_are_in_doubt_is_an_error() {
    // The host was read, but where things are is in doubt (located with settings the daemon
    // replaced too late): a placeholder found nowhere is not known to be absent.
    let absent = rule(
        "host",
        r#"{ fact = "host.files[\"{unit:docker.service}\"]", absent = true }"#,
    );
    let each = rule(
        "host",
        r#"{ every = "host.trees[\"{unit:docker.service}\"]", missing = "notapplicable", check = { fact = "item.owner", owner-is = "root:root" } }"#,
    );
    // The list's evidence names where it was looked for, as a test's does.
    let list_source = |snap: &Snapshot| {
        let result = evaluate(&RuleSet::new(vec![each.clone()]), snap, &Params::default());
        let evidence: Vec<_> = result[0].evidence.iter().collect();
        assert_eq!(evidence.len(), 1, "{evidence:?}");
        (evidence[0].source().to_string(), evidence[0].outcome)
    };
    let mut snap = daemon_with(json!({}));
    assert_eq!(status(&absent, &snap), Status::Pass);
    assert_eq!(status(&each, &snap), Status::NotApplicable);
    assert_eq!(
        list_source(&snap),
        ("host search".into(), Status::NotApplicable)
    );
    snap.error(
        "host.locations",
        "located with settings the daemon replaced",
    );
    assert_eq!(status(&absent, &snap), Status::Error);
    assert_eq!(status(&each, &snap), Status::Error);
    assert_eq!(
        list_source(&snap),
        ("collection error".into(), Status::Error)
    );
}

#[test]
fn a_place_in_doubt_is_an_error_wherever_a_rule_names_it() {
    // Where {setting:tlscacert} is rests on flags that could not be read: a test, a list, an
    // operand and an audit target naming it are errors, found there or not.
    let name = "setting:tlscacert";
    let test = rule(
        "host",
        r#"{ fact = "host.files[\"{setting:tlscacert}\"]", absent = true }"#,
    );
    let each = rule(
        "host",
        r#"{ every = "host.trees[\"{setting:tlscacert}\"]", missing = "notapplicable", check = { fact = "item.owner", owner-is = "root:root" } }"#,
    );
    let operand = rule(
        "host",
        r#"{ fact = "host.hostname", not-equals = { fact = "host.files[\"{setting:tlscacert}\"].owner" } }"#,
    );
    let audit = rule(
        "host",
        r#"{ fact = "host.audit", audits = "{setting:tlscacert}" }"#,
    );
    let mut snap = daemon_with(json!({}));
    snap.host.locations.insert(name.into(), None);
    assert_eq!(status(&test, &snap), Status::Pass);
    assert_eq!(status(&each, &snap), Status::NotApplicable);
    snap.error(
        format!("host.locations[\"{name}\"]"),
        "dockerd's flags could not be read",
    );
    for r in [&test, &each, &operand, &audit] {
        assert_eq!(status(r, &snap), Status::Error, "{:?}", r.check);
    }
}

#[test]
fn an_error_at_or_above_a_fact_spoils_it_and_not_its_siblings() {
    // A container's own error, an image's error under its place in the snapshot, and a
    // daemon fact's: each at a key above the fact read, and none beside it.
    let mut snap = containers(&[json!({"Config": {"User": "x", "Env": ["x"]}})]);
    snap.containers[0]
        .errors
        .insert("inspect.Config.Env".into(), "cannot read".into());
    snap.containers[0].facts_changed();
    snap.images = vec![serde_json::from_value(json!({
        "id": "sha256:1", "tags": ["app:1"],
        "inspect": {"Config": {"User": "x", "Labels": {"a": "x"}}}, "history": [],
    }))
    .expect("image facts")];
    snap.error(
        "images[\"sha256:1\"].inspect.Config.Labels",
        "cannot read the labels",
    );
    snap.daemon.info = Some(json!({"Swarm": {"a": "x"}, "Other": "x"}));
    snap.error("daemon.info.Swarm", "cannot read the swarm");
    for (scope, fact, want) in [
        (
            "each-container",
            "container.inspect.Config.Env[0]",
            Status::Error,
        ),
        (
            "each-container",
            "container.inspect.Config.Env",
            Status::Error,
        ),
        (
            "each-container",
            "container.inspect.Config.User",
            Status::Pass,
        ),
        ("each-image", "image.inspect.Config.Labels.a", Status::Error),
        ("each-image", "image.inspect.Config.User", Status::Pass),
        ("daemon", "daemon.info.Swarm.a", Status::Error),
        ("daemon", "daemon.info.Other", Status::Pass),
    ] {
        let check = format!(r#"{{ fact = "{fact}", equals = "x" }}"#);
        assert_eq!(status(&rule(scope, &check), &snap), want, "{fact}");
    }
}

#[test]
fn an_element_under_a_key_is_named_by_its_key_in_every_instance() {
    // A table of lists, walked by a nested `every` (published ports): each element's fact is
    // named by its own key and place, made once per key and shared by the instances that
    // have that key; a rule naming one of them by its path reads the same observation.
    let walk = rule_named(
        "BW-A",
        "each-container",
        r#"{ every = "container.inspect.P", check = { every = "item", check = { fact = "item.HostIp", not-equals = "0.0.0.0" } } }"#,
    );
    let by_path = rule_named(
        "BW-B",
        "each-container",
        r#"{ fact = "container.inspect.P[\"80/tcp\"][1].HostIp", not-equals = "0.0.0.0" }"#,
    );
    let rules = RuleSet::new(vec![walk, by_path]);
    let snap = containers(&[
        json!({"P": {"80/tcp": [{"HostIp": "127.0.0.1"}, {"HostIp": "0.0.0.0"}]}}),
        json!({"P": {"80/tcp": [{"HostIp": "::1"}, {"HostIp": "10.0.0.1"}], "443/tcp": [{"HostIp": "0.0.0.0"}]}}),
    ]);
    let results = evaluate(&rules, &snap, &Params::default());
    let facts = |i: usize| -> Vec<String> {
        results[0].instances[i]
            .evidence
            .iter()
            .map(|e| format!("{} = {}", e.fact(), e.observed()))
            .collect()
    };
    assert_eq!(
        facts(0),
        [
            r#"container.inspect.P["80/tcp"][0].HostIp = "127.0.0.1""#,
            r#"container.inspect.P["80/tcp"][1].HostIp = "0.0.0.0""#,
        ]
    );
    assert_eq!(
        facts(1),
        [
            r#"container.inspect.P["443/tcp"][0].HostIp = "0.0.0.0""#,
            r#"container.inspect.P["80/tcp"][0].HostIp = "::1""#,
            r#"container.inspect.P["80/tcp"][1].HostIp = "10.0.0.1""#,
        ]
    );
    let (first, second) = (
        results[0].instances[0].evidence.get(1).expect("evidence"),
        results[0].instances[1].evidence.get(2).expect("evidence"),
    );
    // One text, held once for both instances.
    assert!(std::ptr::eq(first.fact(), second.fact()));
    for i in 0..2 {
        let walked = results[0].instances[i]
            .evidence
            .iter()
            .find(|e| e.fact() == r#"container.inspect.P["80/tcp"][1].HostIp"#);
        let named = results[1].instances[i].evidence.get(0).expect("evidence");
        assert!(std::ptr::eq(
            walked.expect("walked").observation(),
            named.observation()
        ));
    }
}

#[test]
fn a_watch_whose_loaded_rules_are_unknown_is_never_a_pass() {
    let r = rule(
        "host",
        r#"{ fact = "host.audit", audits = "/usr/bin/dockerd" }"#,
    );
    let mut snap = daemon_with(json!({}));
    snap.host.audit.persistent = vec![crate::snapshot::AuditRule {
        path: "/usr/bin/dockerd".into(),
        recursive: false,
        perms: Some("wa".into()),
        source: "/etc/audit/rules.d/docker.rules:1".into(),
        text: "-w /usr/bin/dockerd -p wa".into(),
        resolved: None,
        narrowed: false,
    }];
    // Not read (another host's root): left to a person.
    snap.host.audit.loaded_unavailable = Some("--host-root is not /".into());
    assert_eq!(status(&r, &snap), Status::NotChecked);
    // Read and failed: an error.
    snap.error("host.audit.loaded", "auditctl -l failed: permission denied");
    assert_eq!(status(&r, &snap), Status::Error);
    // Read: the loaded rules decide.
    snap.errors.clear();
    snap.host.audit.loaded = Some(snap.host.audit.persistent.clone());
    assert_eq!(status(&r, &snap), Status::Pass);
    snap.host.audit.loaded = Some(Vec::new());
    assert_eq!(status(&r, &snap), Status::Fail);
    // Switched off in the kernel: nothing loaded records, and the message says why.
    snap.host.audit.loaded_disabled_by = Some("auditctl -s: enabled 0".into());
    let results = evaluate(&RuleSet::new(vec![r.clone()]), &snap, &Params::default());
    assert_eq!(results[0].status, Status::Fail);
    let message = results[0].message.as_deref().unwrap_or_default();
    assert!(
        message.contains("none recording: auditctl -s: enabled 0"),
        "{message}"
    );
}

#[test]
fn a_watch_counts_only_on_the_real_object_recording_writes_and_attribute_changes() {
    let r = rule(
        "host",
        r#"{ fact = "host.audit", audits = "/usr/bin/runc" }"#,
    );
    let mut snap = daemon_with(json!({}));
    // /usr/bin/runc is a link to the binary that runs.
    snap.host.files.insert(
        "/usr/bin/runc".into(),
        serde_json::from_value(json!({
            "exists": true, "kind": "file", "uid": 0, "gid": 0, "owner": "root:root",
            "mode": "0755", "resolved": "/usr/sbin/runc.real"
        }))
        .unwrap(),
    );
    let watch =
        |text: &str, path: &str, perms: Option<&str>, narrowed: bool| crate::snapshot::AuditRule {
            path: path.into(),
            recursive: false,
            perms: perms.map(String::from),
            source: "f:1".into(),
            text: text.into(),
            resolved: None,
            narrowed,
        };
    let judged = |snap: &mut Snapshot, rules: Vec<crate::snapshot::AuditRule>| {
        snap.host.audit.persistent = rules.clone();
        snap.host.audit.loaded = Some(rules);
        let results = evaluate(&RuleSet::new(vec![r.clone()]), snap, &Params::default());
        let message = results[0].message.clone().unwrap_or_default();
        (results[0].status, message)
    };
    let real = "/usr/sbin/runc.real";
    assert_eq!(
        judged(&mut snap, vec![watch("-w real", real, Some("wa"), false)]).0,
        Status::Pass
    );
    assert_eq!(
        judged(&mut snap, vec![watch("-w real", real, None, false)]).0,
        Status::Pass
    );
    // On the link: the kernel watches the link, not the binary.
    let (status, message) = judged(
        &mut snap,
        vec![watch("-w link", "/usr/bin/runc", Some("wa"), false)],
    );
    assert_eq!(status, Status::Fail);
    assert!(
        message.contains("a link to /usr/sbin/runc.real"),
        "{message}"
    );
    // Attribute changes or writes left out, or only some events recorded: no watch.
    for too_little in [
        watch("-w real -p a", real, Some("a"), false),
        watch("-w real -p w", real, Some("w"), false),
        watch(
            "-a always,exit -F path=real -F auid=1000",
            real,
            Some("wa"),
            true,
        ),
    ] {
        let (status, message) = judged(&mut snap, vec![too_little.clone()]);
        assert_eq!(status, Status::Fail, "{}", too_little.text);
        assert!(message.contains(&too_little.text), "{message}");
    }
}

#[test]
fn a_file_never_stat_ed_is_not_checked_not_absent() {
    // Collection stats every file the rules name and records one that is not there as
    // `exists: false`. A snapshot collected for other rules has no entry: that file was never
    // looked at, so neither "absent" nor a `missing` policy may decide on it.
    let absent = rule(
        "host",
        r#"{ fact = "host.files[\"/etc/x.conf\"].exists", equals = false }"#,
    );
    let owner = rule(
        "host",
        r#"{ fact = "host.files[\"/etc/x.conf\"].owner", owner-is = "root:root", missing = "pass" }"#,
    );
    let mut snap = daemon_with(json!({}));
    assert_eq!(status(&absent, &snap), Status::NotChecked);
    assert_eq!(status(&owner, &snap), Status::NotChecked);
    snap.host.files.insert(
        "/etc/x.conf".into(),
        crate::snapshot::FileFacts {
            exists: false,
            ..Default::default()
        },
    );
    assert_eq!(status(&absent, &snap), Status::Pass);
    assert_eq!(status(&owner, &snap), Status::Pass);
}

#[test]
fn an_absent_fact_is_observed_as_null_with_no_value_of_its_own() {
    let rules = RuleSet::new(vec![rule(
        "each-container",
        r#"{ fact = "container.inspect.Config.Healthcheck", present = true }"#,
    )]);
    let snap = containers(&[json!({"Config": {}})]);
    let results = evaluate(&rules, &snap, &Params::default());
    assert_eq!(results[0].instances[0].status, Status::Fail);
    let e = results[0].instances[0].evidence.get(0).expect("evidence");
    // Nothing allocated for the absence, and it reads (and is written) as null.
    assert_eq!(e.observation().observed, Observed::Absent);
    assert_eq!(*e.observed(), Value::Null);
    assert_eq!(Observed::from(Value::Null), Observed::Absent);
}

#[test]
fn a_redacted_value_gets_an_observation_of_its_own_and_an_unchanged_one_is_shared() {
    let mut secret = rule(
        "each-container",
        r#"{ fact = "container.inspect.Config.Env", not-contains = "PASSWORD=hunter2" }"#,
    );
    secret.id = "BW-SECRET".into();
    secret.redact = true;
    let mut plain = rule(
        "each-container",
        r#"{ fact = "container.inspect.Config.Env", not-contains = "PASSWORD=hunter2" }"#,
    );
    plain.id = "BW-PLAIN".into();
    let mut numeric = rule(
        "each-container",
        r#"{ fact = "container.inspect.Config.Uid", equals = 0 }"#,
    );
    numeric.id = "BW-NUMBER".into();
    numeric.redact = true;
    let mut number_read = rule(
        "each-container",
        r#"{ fact = "container.inspect.Config.Uid", equals = 0 }"#,
    );
    number_read.id = "BW-NUMBER-READ".into();
    let rules = RuleSet::new(vec![secret, plain, numeric, number_read]);
    let snap = containers(&[json!({"Config": {"Env": ["PASSWORD=hunter2"], "Uid": 0}})]);
    let results = evaluate(&rules, &snap, &Params::default());
    let evidence = |r: usize| results[r].instances[0].evidence.get(0).expect("evidence");
    // The redacted rule's evidence holds the masked list; the other rule's the value found.
    assert_eq!(*evidence(0).observed(), json!(["PASSWORD=[redacted]"]));
    assert_eq!(*evidence(1).observed(), json!(["PASSWORD=hunter2"]));
    assert!(evidence(1).observed_node().is_some());
    // Masking leaves a number as it is: both rules share the observation in the document.
    assert_eq!(*evidence(2).observed(), json!(0));
    assert!(std::ptr::eq(
        evidence(2).observation(),
        evidence(3).observation()
    ));
    assert!(evidence(2).observed_node().is_some());
}

#[test]
fn a_kernel_parameter_or_folder_never_read_is_not_checked_not_absent() {
    // As for files: collection leaves an entry (null) for every kernel parameter and folder
    // tree it looked for and did not find. One without an entry was never looked at.
    let sysctl = rule(
        "host",
        r#"{ fact = 'host.sysctl["kernel.x"]', ge = 1, missing = "notapplicable" }"#,
    );
    let tree = rule(
        "host",
        r#"{ every = 'host.trees["/etc/x.d"]', missing = "pass", check = { fact = "item.owner", owner-is = "root:root" } }"#,
    );
    let mut snap = daemon_with(json!({}));
    assert_eq!(status(&sysctl, &snap), Status::NotChecked);
    assert_eq!(status(&tree, &snap), Status::NotChecked);
    snap.host.sysctl.insert("kernel.x".into(), None);
    snap.host.trees.insert("/etc/x.d".into(), None);
    assert_eq!(status(&sysctl, &snap), Status::NotApplicable);
    assert_eq!(status(&tree, &snap), Status::Pass);
    snap.host.sysctl.insert("kernel.x".into(), Some("0".into()));
    assert_eq!(status(&sysctl, &snap), Status::Fail);
}

#[test]
fn facts_from_one_source_name_one_text_on_their_sheet() {
    // Two facts of one file come from one `stat`: the host's sheet holds its text once.
    let r = rule(
        "host",
        r#"{ all = [
            { fact = "host.files[\"/etc/x.conf\"].mode", equals = "0644" },
            { fact = "host.files[\"/etc/x.conf\"].owner", owner-is = "root:root" },
        ] }"#,
    );
    let mut snap = daemon_with(json!({}));
    snap.host.files.insert(
        "/etc/x.conf".into(),
        crate::snapshot::FileFacts {
            exists: true,
            mode: Some("0644".into()),
            owner: Some("root:root".into()),
            ..Default::default()
        },
    );
    let results = evaluate(&RuleSet::new(vec![r]), &snap, &Params::default());
    let evidence = &results[0].evidence;
    assert_eq!(evidence.len(), 2, "{evidence:?}");
    let (mode, owner) = (evidence.get(0).unwrap(), evidence.get(1).unwrap());
    assert_ne!(mode.fact(), owner.fact());
    assert_eq!(mode.source(), owner.source());
    assert!(std::ptr::eq(mode.source(), owner.source()), "one text");
}
