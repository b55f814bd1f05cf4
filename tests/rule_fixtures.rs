//! Per-rule fixtures: every automated rule has a passing and a failing case, each a small
//! patch over one base snapshot (`tests/rules/base.json`), evaluated in-process. No daemon,
//! no root, no host tree: the whole suite runs in milliseconds (see tests/README.md).
//!
//! A case file `tests/rules/<rule id>.json` holds:
//!
//! ```json
//! { "pass": { "set": { "/daemon/settings/icc": false }, "remove": [], "instances": [] },
//!   "fail": { "set": { "/daemon/settings/icc": true } } }
//! ```
//!
//! `set` maps JSON pointers (RFC 6901) into the base snapshot to the value they take, `remove`
//! lists pointers to delete, and `instances` (per-instance rules) is the status every container
//! or image of the patched snapshot must get. The case's name is the status the rule must get.
//! `pass` and `fail` may also hold a list of cases, each its own patch over the base: for a rule
//! with edge cases that one case cannot show together (a spelling that must fail beside the
//! plain one). Optional `error`, `notapplicable` and `notchecked` cases (one or a list) pin
//! facts on which the rule must give that status rather than a verdict.
//!
//! Every rule whose check is automated must have both cases, or the test fails naming it.
//! `BOLLWERK_BLESS=1 cargo test --test rule_fixtures` proposes the missing ones: for each rule
//! without a case it looks for a synthetic host (benchmarks-data/generate/) on which the rule
//! gets the wanted status and shrinks the difference from the base to the fewest facts that
//! still give it. Review what it writes before committing: a proposal records what the
//! evaluator says today, and a wrong verdict is a bug to fix, not a fixture to keep.

#[allow(dead_code)]
#[path = "../benchmarks-data/generate/mod.rs"]
mod generate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bollwerk::rules::eval;
use bollwerk::rules::model::Scope;
use bollwerk::rules::{Params, Rule, RuleSet, Status};
use bollwerk::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One case: a patch over the base snapshot and the instance statuses it must give.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// JSON pointer → the value it takes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    set: BTreeMap<String, Value>,
    /// JSON pointers to delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    remove: Vec<String>,
    /// Per-instance rules: the status of each container or image, in snapshot order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    instances: Vec<Status>,
}

/// The cases of one rule, by the status they must give: one case each, or a list.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleCases {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    pass: Vec<Case>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    fail: Vec<Case>,
    /// Rules that report facts without a verdict (`informational = true`) have this one
    /// case instead of the two.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    informational: Vec<Case>,
    /// Optional cases where the rule cannot decide, or does not apply: facts that must not
    /// read as a pass or a failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    error: Vec<Case>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    notapplicable: Vec<Case>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_more", serialize_with = "one_or_list")]
    notchecked: Vec<Case>,
}

/// The statuses a case file may hold cases for beside those [`wanted`]: never required.
const OPTIONAL: [Status; 3] = [Status::Error, Status::NotApplicable, Status::NotChecked];

/// Reads a case or a list of cases (each read on its own, so that a misspelt key is named).
fn one_or_more<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Case>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(list) => list
            .into_iter()
            .enumerate()
            .map(|(i, c)| serde_json::from_value(c).map_err(|e| format!("case {i}: {e}")))
            .collect(),
        one => serde_json::from_value(one)
            .map(|c| vec![c])
            .map_err(|e| e.to_string()),
    }
    .map_err(serde::de::Error::custom)
}

/// Writes one case as itself and several as a list.
fn one_or_list<S: serde::Serializer>(cases: &[Case], s: S) -> Result<S::Ok, S::Error> {
    match cases {
        [one] => one.serialize(s),
        more => more.serialize(s),
    }
}

/// The cases `rule` must have: pass and fail, or informational for a rule without a verdict.
fn wanted(rule: &Rule) -> &'static [Status] {
    if rule.informational {
        &[Status::Informational]
    } else {
        &[Status::Pass, Status::Fail]
    }
}

impl RuleCases {
    fn slot(&mut self, status: Status) -> &mut Vec<Case> {
        match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Error => &mut self.error,
            Status::NotApplicable => &mut self.notapplicable,
            Status::NotChecked => &mut self.notchecked,
            _ => &mut self.informational,
        }
    }
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules")
}

fn base() -> Value {
    let path = dir().join("base.json");
    if !path.exists() && std::env::var_os("BOLLWERK_BLESS").is_some() {
        // One container and one image of synthetic host 0: small, and every fact present.
        let snap = generate::synthetic_snapshot(1, 1, 0);
        std::fs::create_dir_all(dir()).expect("tests/rules");
        let text = serde_json::to_string_pretty(&snap).expect("serialises") + "\n";
        std::fs::write(&path, text).expect("write base");
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn rules() -> RuleSet {
    RuleSet::load(None).expect("embedded rules load")
}

fn params() -> Params {
    generate::all_params()
}

/// The rules the fixtures must cover: every rule whose check is automated.
fn automated(rules: &RuleSet) -> Vec<&Rule> {
    rules.rules.iter().filter(|r| r.check.is_some()).collect()
}

fn case_path(id: &str) -> PathBuf {
    dir().join(format!("{id}.json"))
}

fn read_cases(id: &str) -> Option<RuleCases> {
    let path = case_path(id);
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Splits a JSON pointer into its unescaped tokens.
fn tokens(pointer: &str) -> Vec<String> {
    assert!(
        pointer.starts_with('/'),
        "{pointer}: a JSON pointer starts with /"
    );
    pointer[1..]
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Sets `pointer` in `doc` to `value`, adding the last key to an object if it is missing.
fn set(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let toks = tokens(pointer);
    let (last, parents) = toks.split_last().expect("non-empty pointer");
    let mut at = doc;
    for t in parents {
        at = match at {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| format!("{pointer}: {t} is not in the base snapshot"))?;
    }
    match at {
        Value::Object(m) => {
            m.insert(last.clone(), value);
        }
        Value::Array(a) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("{pointer}: not an index"))?;
            match i.cmp(&a.len()) {
                std::cmp::Ordering::Less => a[i] = value,
                std::cmp::Ordering::Equal => a.push(value),
                std::cmp::Ordering::Greater => {
                    return Err(format!("{pointer}: index past the end"))
                }
            }
        }
        _ => return Err(format!("{pointer}: parent is not an object or array")),
    }
    Ok(())
}

/// Removes `pointer` from `doc`.
fn remove(doc: &mut Value, pointer: &str) -> Result<(), String> {
    let toks = tokens(pointer);
    let (last, parents) = toks.split_last().expect("non-empty pointer");
    let parent = format!(
        "/{}",
        parents
            .iter()
            .map(|t| t.replace('~', "~0").replace('/', "~1"))
            .collect::<Vec<_>>()
            .join("/")
    );
    let at = if parents.is_empty() {
        Some(doc)
    } else {
        doc.pointer_mut(&parent)
    };
    let gone = match at {
        Some(Value::Object(m)) => m.remove(last).is_some(),
        Some(Value::Array(a)) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    };
    gone.then_some(())
        .ok_or_else(|| format!("{pointer}: not in the base snapshot"))
}

/// Orders pointers token by token, array indexes by number (`/a/2` before `/a/10`).
fn order_key(pointer: &str) -> Vec<(u64, String)> {
    tokens(pointer)
        .into_iter()
        .map(|t| (t.parse().unwrap_or(u64::MAX), t))
        .collect()
}

/// The base snapshot with `case` applied.
fn patched(base: &Value, case: &Case) -> Result<Snapshot, String> {
    let mut doc = base.clone();
    // Array elements in index order, so that each added one lands at the end.
    let mut sets: Vec<(&String, &Value)> = case.set.iter().collect();
    sets.sort_by_key(|(p, _)| order_key(p));
    for (pointer, value) in sets {
        set(&mut doc, pointer, value.clone())?;
    }
    // Highest index first, so that removing array elements does not shift the next ones.
    let mut removals = case.remove.clone();
    removals.sort_by_key(|p| std::cmp::Reverse(order_key(p)));
    for pointer in &removals {
        remove(&mut doc, pointer)?;
    }
    // As `scan --snapshot` reads one: derived facts made, facts it lacks marked.
    bollwerk::snapshot::parse("patched snapshot", &doc.to_string()).map_err(|e| e.to_string())
}

/// The rule's status and its instances' statuses over `snap`.
fn judge(rule: &Rule, snap: &Snapshot, params: &Params) -> (Status, Vec<Status>) {
    let one = RuleSet::new(vec![rule.clone()]);
    let result = eval::evaluate(&one, snap, params)
        .pop()
        .expect("one result per rule");
    let instances = result.instances.iter().map(|i| i.status).collect();
    (result.status, instances)
}

/// Checks one case (`name`: its place in a list of cases, or empty); returns what went wrong.
fn check_case(
    rule: &Rule,
    want: Status,
    name: &str,
    case: &Case,
    base: &Value,
    params: &Params,
) -> Option<String> {
    let snap = match patched(base, case) {
        Ok(s) => s,
        Err(e) => return Some(format!("{} {want:?}{name}: {e}", rule.id)),
    };
    let (status, instances) = judge(rule, &snap, params);
    if status != want {
        return Some(format!(
            "{} {want:?} case{name}: the rule is {status:?}",
            rule.id
        ));
    }
    if instances != case.instances {
        return Some(format!(
            "{} {want:?} case{name}: instances are {instances:?}, the case expects {:?}",
            rule.id, case.instances
        ));
    }
    None
}

#[test]
fn every_automated_rule_passes_and_fails_on_its_fixtures() {
    let started = Instant::now();
    let (rules, base, params) = (rules(), base(), params());
    if std::env::var_os("BOLLWERK_BLESS").is_some() {
        propose::missing_cases(&rules, &base, &params);
    }
    let mut missing = Vec::new();
    let mut jobs = Vec::new();
    for rule in automated(&rules) {
        let mut found = read_cases(&rule.id).unwrap_or_default();
        for &want in wanted(rule).iter().chain(&OPTIONAL) {
            let cases = std::mem::take(found.slot(want));
            if cases.is_empty() && !OPTIONAL.contains(&want) {
                missing.push(format!("{} ({want:?})", rule.id));
            }
            let several = cases.len() > 1;
            for (i, case) in cases.into_iter().enumerate() {
                // Cases of a list are named by their place in it.
                let name = if several {
                    format!(" {i}")
                } else {
                    String::new()
                };
                jobs.push((rule, want, name, case));
            }
        }
    }
    // The cases are independent: share them out over the cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let share = jobs.len().div_ceil(threads).max(1);
    let wrong: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(share)
            .map(|chunk| {
                let (base, params) = (&base, &params);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|(rule, want, name, case)| {
                            check_case(rule, *want, name, case, base, params)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let cases = jobs.len();
    assert!(
        missing.is_empty(),
        "{} automated rules lack a fixture case in tests/rules/ (add them; \
         BOLLWERK_BLESS=1 cargo test --test rule_fixtures proposes some): {}",
        missing.len(),
        missing.join(", ")
    );
    assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
    eprintln!("{cases} rule fixture cases in {:?}", started.elapsed());
}

#[test]
fn no_fixture_names_a_rule_that_does_not_exist() {
    let rules = rules();
    for entry in std::fs::read_dir(dir()).expect("tests/rules") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(id) = name.strip_suffix(".json") else {
            continue;
        };
        if id == "base" {
            continue;
        }
        let rule = rules.get(id);
        assert!(
            rule.is_some_and(|r| r.check.is_some()),
            "tests/rules/{name}: no automated rule {id}"
        );
    }
}

#[test]
fn a_case_that_names_a_fact_the_base_lacks_is_refused() {
    let base = base();
    let case = Case {
        set: [("/daemon/no_such_part/x".to_string(), Value::Bool(true))].into(),
        ..Case::default()
    };
    let err = patched(&base, &case).expect_err("bad pointer refused");
    assert!(err.contains("no_such_part"), "{err}");
}

#[test]
fn a_status_holds_one_case_or_a_list_and_a_misspelt_key_is_named() {
    let one: RuleCases =
        serde_json::from_str(r#"{ "pass": { "instances": ["pass"] } }"#).expect("one case reads");
    assert_eq!(one.pass.len(), 1);
    let text = r#"{ "fail": [ { "instances": ["fail"] }, { "remove": ["/x"] } ] }"#;
    let list: RuleCases = serde_json::from_str(text).expect("a list reads");
    assert_eq!(list.fail.len(), 2);
    assert_eq!(list.fail[1].remove, ["/x"]);
    // Written back as read: one case as itself, several as a list.
    let again = serde_json::to_value(&one).expect("serialises");
    assert!(again["pass"].is_object(), "{again}");
    assert!(serde_json::to_value(&list).expect("serialises")["fail"].is_array());
    // The statuses other than a verdict are optional, and read the same way.
    let other: RuleCases = serde_json::from_str(r#"{ "error": {}, "notapplicable": [{}, {}] }"#)
        .expect("optional statuses read");
    assert_eq!((other.error.len(), other.notapplicable.len()), (1, 2));
    let err = serde_json::from_str::<RuleCases>(r#"{ "fail": [ { "sett": {} } ] }"#)
        .expect_err("unknown key refused");
    assert!(err.to_string().contains("sett"), "{err}");
}

/// A locked swarm node (a manager under autolock, waiting for `docker swarm unlock`) is in a
/// swarm: no rule of section 7 may call it outside one. Those with a check say how to go on;
/// the manual ones still need a person. Outside a swarm they all stay notapplicable.
#[test]
fn a_locked_swarm_node_is_not_a_node_outside_a_swarm() {
    let (rules, base, params) = (rules(), base(), params());
    let locked = Case {
        set: [
            ("/daemon/swarm_state", "locked"),
            ("/daemon/info/Swarm/LocalNodeState", "locked"),
        ]
        .into_iter()
        .map(|(p, v)| (p.to_string(), Value::from(v)))
        .collect(),
        ..Case::default()
    };
    let outside = patched(&base, &Case::default()).expect("the base");
    let locked = patched(&base, &locked).expect("a locked node");
    let section: Vec<&Rule> = rules.rules.iter().filter(|r| r.section() == "7").collect();
    assert_eq!(section.len(), 9);
    for rule in section {
        let one = RuleSet::new(vec![rule.clone()]);
        let judged = |snap: &Snapshot| eval::evaluate(&one, snap, &params).pop().expect("one");
        assert_eq!(
            judged(&outside).status,
            Status::NotApplicable,
            "{}",
            rule.id
        );
        let r = judged(&locked);
        if rule.check.is_some() {
            assert_eq!(r.status, Status::Error, "{}", rule.id);
            assert_eq!(
                r.message.as_deref(),
                Some(bollwerk::snapshot::SWARM_LOCKED),
                "{}",
                rule.id
            );
        } else {
            assert_eq!(r.status, Status::NotChecked, "{}: {:?}", rule.id, r.message);
        }
    }
}

/// A path the owner and mode rules judge as a regular file (or a folder, or a socket) that is
/// of another kind is `error`, with a message naming the path and what it is, not a verdict
/// on an owner and mode that are not the ones the rule is about.
#[test]
fn a_path_of_another_kind_than_the_rule_judges_is_an_error_naming_it() {
    let (rules, base, params) = (rules(), base(), params());
    let folder = serde_json::json!({"exists": true, "kind": "dir", "uid": 0, "gid": 0,
        "owner": "root:root", "mode": "0644"});
    let case = Case {
        set: [
            (
                "/host/files/~1etc~1default~1docker".to_string(),
                folder.clone(),
            ),
            (
                "/host/files/~1lib~1systemd~1system~1docker.service".to_string(),
                folder,
            ),
        ]
        .into_iter()
        .collect(),
        ..Case::default()
    };
    let snap = patched(&base, &case).expect("folders where files are meant");
    for (id, path) in [
        ("3.19", "/etc/default/docker"),
        ("3.20", "/etc/default/docker"),
        ("3.1", "/lib/systemd/system/docker.service"),
        ("3.2", "/lib/systemd/system/docker.service"),
    ] {
        let one = RuleSet::new(vec![rules.get(id).expect("shipped rule").clone()]);
        let r = eval::evaluate(&one, &snap, &params)
            .pop()
            .expect("one result");
        assert_eq!(r.status, Status::Error, "{id}: {:?}", r.message);
        assert_eq!(
            r.message.as_deref(),
            Some(
                format!(
                    "host.files[\"{path}\"].kind: found \"dir\", expected file, the kind of path this rule judges"
                )
                .as_str()
            ),
            "{id}"
        );
    }
}

/// Proposals for missing cases (`BOLLWERK_BLESS=1`), from synthetic hosts, shrunk.
mod propose {
    use super::*;

    /// How many synthetic hosts to try per rule and status.
    const SEEDS: u64 = 400;

    /// Every leaf where `to` differs from `from`, as a patch from `from` to `to`.
    fn diff(from: &Value, to: &Value, at: &str, out: &mut Case) {
        match (from, to) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    match a.get(k) {
                        Some(old) => diff(old, v, &p, out),
                        None => {
                            out.set.insert(p, v.clone());
                        }
                    }
                }
                for k in a.keys().filter(|k| !b.contains_key(*k)) {
                    out.remove
                        .push(format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")));
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                for (i, (x, y)) in a.iter().zip(b).enumerate() {
                    diff(x, y, &format!("{at}/{i}"), out);
                }
                for (i, y) in b.iter().enumerate().skip(a.len()) {
                    out.set.insert(format!("{at}/{i}"), y.clone());
                }
                for i in b.len()..a.len() {
                    out.remove.push(format!("{at}/{i}"));
                }
            }
            _ if from == to => {}
            _ => {
                out.set.insert(at.to_string(), to.clone());
            }
        }
    }

    /// One change of a patch: a pointer set or removed.
    #[derive(Clone)]
    enum Change {
        Set(String, Value),
        Remove(String),
    }

    fn case_of(changes: &[Change]) -> Case {
        let mut case = Case::default();
        for c in changes {
            match c {
                Change::Set(p, v) => {
                    case.set.insert(p.clone(), v.clone());
                }
                Change::Remove(p) => case.remove.push(p.clone()),
            }
        }
        case
    }

    /// Drops changes one at a time while the rule keeps the wanted status.
    fn shrink(rule: &Rule, want: Status, full: Case, base: &Value, params: &Params) -> Case {
        let mut changes: Vec<Change> = full
            .set
            .into_iter()
            .map(|(p, v)| Change::Set(p, v))
            .chain(full.remove.into_iter().map(Change::Remove))
            .collect();
        let holds = |changes: &[Change]| {
            patched(base, &case_of(changes))
                .map(|s| judge(rule, &s, params).0 == want)
                .unwrap_or(false)
        };
        // Halves first (most of a host's differences are irrelevant), then one by one.
        let mut chunk = changes.len().div_ceil(2).max(1);
        loop {
            let mut i = 0;
            while i < changes.len() {
                let mut trial = changes.clone();
                trial.drain(i..(i + chunk).min(changes.len()));
                if holds(&trial) {
                    changes = trial;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        let mut case = case_of(&changes);
        let snap = patched(base, &case).expect("shrunk case applies");
        case.instances = judge(rule, &snap, params).1;
        case
    }

    /// What the base must become for `rule` to be `want`, taken from a synthetic `host` where
    /// it is: the whole host for host and daemon rules; for per-instance rules the base with
    /// its one container (or image) replaced by the host's first instance that is `want`.
    fn transplant(
        rule: &Rule,
        want: Status,
        host: &Snapshot,
        base: &Value,
        params: &Params,
    ) -> Option<Value> {
        let (status, instances) = judge(rule, host, params);
        let host_value = serde_json::to_value(host).expect("snapshot serialises");
        let list = match rule.scope {
            Scope::EachContainer => "containers",
            Scope::EachImage => "images",
            Scope::Host | Scope::Daemon => return (status == want).then_some(host_value),
        };
        let k = instances.iter().position(|s| *s == want)?;
        let mut target = base.clone();
        target[list][0] = host_value[list][k].clone();
        let snap: Snapshot = serde_json::from_value(target.clone()).ok()?;
        (judge(rule, &snap, params).0 == want).then_some(target)
    }

    /// Writes a proposal for each missing case it can find a synthetic host for.
    pub fn missing_cases(rules: &RuleSet, base: &Value, params: &Params) {
        for rule in automated(rules) {
            let mut cases = read_cases(&rule.id).unwrap_or_default();
            let mut changed = false;
            for &want in wanted(rule) {
                let slot = cases.slot(want);
                if !slot.is_empty() {
                    continue;
                }
                let unpatched = patched(base, &Case::default()).expect("base parses");
                if judge(rule, &unpatched, params).0 == want {
                    let instances = judge(rule, &unpatched, params).1;
                    *slot = vec![Case {
                        instances,
                        ..Case::default()
                    }];
                    changed = true;
                    continue;
                }
                let sizes = [(1, 1), (2, 2), (12, 7)];
                let hosts = sizes
                    .iter()
                    .flat_map(|&size| (0..SEEDS).map(move |s| (size, s)));
                for ((containers, images), seed) in hosts {
                    let host = generate::synthetic_snapshot(containers, images, seed);
                    let Some(target) = transplant(rule, want, &host, base, params) else {
                        continue;
                    };
                    let mut full = Case::default();
                    diff(base, &target, "", &mut full);
                    *slot = vec![shrink(rule, want, full, base, params)];
                    changed = true;
                    break;
                }
            }
            if changed {
                let text = serde_json::to_string_pretty(&cases).expect("serialises") + "\n";
                std::fs::write(case_path(&rule.id), text).expect("write case");
            }
        }
    }
}
