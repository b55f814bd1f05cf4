//! The evaluator: rules + snapshot → results. Pure: no I/O, no clock.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::model::{Check, Missing, Op, Operand, Rule, Scope, Status, Test};
use super::path::{render, substitute, FactPath, Segment};
use super::result::{Evidence, InstanceResult, RuleResult};
use super::{Params, RuleSet};
use crate::snapshot::{AuditRule, ContainerFacts, ImageFacts, Snapshot};

/// Evaluates every rule of `rules` over `snapshot`.
pub fn evaluate(rules: &RuleSet, snapshot: &Snapshot, params: &Params) -> Vec<RuleResult> {
    let ctx = Context::new(snapshot, params);
    rules.rules.iter().map(|r| ctx.rule(r)).collect()
}

/// The outcome of a check before it becomes a status: `Skip` drops out of combinations.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Pass,
    /// Failed; the message says which fact and why.
    Fail(String),
    Skip(String),
    NotApplicable(String),
    Error(String),
    NotChecked(String),
}

impl Verdict {
    fn status(&self) -> Status {
        match self {
            Verdict::Pass => Status::Pass,
            Verdict::Fail(_) => Status::Fail,
            Verdict::Skip(_) | Verdict::NotApplicable(_) => Status::NotApplicable,
            Verdict::Error(_) => Status::Error,
            Verdict::NotChecked(_) => Status::NotChecked,
        }
    }

    fn message(&self) -> Option<String> {
        match self {
            Verdict::Pass => None,
            Verdict::Fail(m)
            | Verdict::Skip(m)
            | Verdict::NotApplicable(m)
            | Verdict::Error(m)
            | Verdict::NotChecked(m) => Some(m.clone()),
        }
    }
}

/// The instance a per-instance rule is looking at.
enum Instance<'a> {
    None,
    Container(&'a ContainerFacts, &'a Value),
    Image(&'a ImageFacts, &'a Value),
}

struct Context<'a> {
    snapshot: &'a Snapshot,
    params: &'a Params,
    host: Value,
    daemon: Value,
    /// Each container's facts other than its inspect document (read in place), built once.
    container_views: Vec<Value>,
    /// Each image's facts other than inspect and history, built once.
    image_views: Vec<Value>,
    errors: HashMap<&'a str, &'a str>,
    not_collected: HashMap<&'a str, &'a str>,
    /// Roots (`daemon`, `host`, `image`) under which some fact has an error or was not collected.
    error_roots: std::collections::HashSet<&'a str>,
    /// Whether some image has an error of its own (`images["ID"]…`).
    image_errors: bool,
}

/// The element an `every` is looking at: the root `item` inside it.
struct Item<'v> {
    value: &'v Value,
    /// Where the element sits (`container.inspect.Mounts[2]`), for evidence.
    path: String,
    source: String,
}

/// A fact read from the snapshot.
enum Lookup<'v> {
    Found {
        value: &'v Value,
        source: String,
    },
    Missing(String),
    Error(String),
    /// Left out on purpose; the message names the option that gathers it.
    NotCollected(String),
}

impl<'a> Context<'a> {
    fn new(snapshot: &'a Snapshot, params: &'a Params) -> Context<'a> {
        Context {
            snapshot,
            params,
            host: serde_json::to_value(&snapshot.host).unwrap_or(Value::Null),
            daemon: serde_json::to_value(&snapshot.daemon).unwrap_or(Value::Null),
            container_views: snapshot
                .containers
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id,
                        "name": c.name,
                        "runtime": c.runtime,
                        "processes": c.processes,
                        "execs": c.execs,
                        "image_freshness": c.image_freshness,
                    })
                })
                .collect(),
            image_views: snapshot
                .images
                .iter()
                .map(|i| {
                    json!({
                        "id": i.id,
                        "tags": i.tags,
                        "registries": i.registries,
                        "age_days": i.age_days,
                        "containers": i.containers,
                        "special_files": i.special_files,
                    })
                })
                .collect(),
            errors: snapshot
                .errors
                .iter()
                .map(|e| (e.fact.as_str(), e.message.as_str()))
                .collect(),
            not_collected: snapshot
                .not_collected
                .iter()
                .map(|e| (e.fact.as_str(), e.message.as_str()))
                .collect(),
            error_roots: snapshot
                .errors
                .iter()
                .chain(&snapshot.not_collected)
                .map(|e| e.fact.split(['.', '[']).next().unwrap_or(""))
                .collect(),
            image_errors: snapshot
                .errors
                .iter()
                .any(|e| e.fact.starts_with("images[")),
        }
    }

    fn rule(&self, rule: &Rule) -> RuleResult {
        let mut result = RuleResult {
            id: rule.id.clone(),
            id_1_6_0: rule.id_1_6_0.clone(),
            id_1_8_0: None,
            section: rule.section().to_string(),
            title: rule.title.clone(),
            level: rule.level,
            assessment: rule.assessment,
            severity: rule.severity,
            scope: rule.scope,
            status: Status::NotChecked,
            message: None,
            evidence: Vec::new(),
            instances: Vec::new(),
            description: rule.description.clone(),
            rationale: rule.rationale.clone(),
            impact: rule.impact.clone(),
            remediation: rule.remediation.clone(),
            references: rule.references.clone(),
        };
        let needs_daemon = rule.scope != Scope::Host;
        if rule.check.is_none() {
            // A manual rule that cannot apply here (no swarm, say) is notapplicable, not a task.
            let decidable = !needs_daemon || self.snapshot.daemon.reachable;
            let rule_level = matches!(rule.scope, Scope::Host | Scope::Daemon);
            if let (Some(cond), true, true) = (&rule.applies_when, decidable, rule_level) {
                let mut evidence = Vec::new();
                if let Verdict::Fail(_) = self.check(cond, &Instance::None, None, &mut evidence) {
                    result.status = Status::NotApplicable;
                    result.message = Some(format!("does not apply: {}", applies_reason(&evidence)));
                    result.evidence = evidence;
                    return result;
                }
            }
            result.message =
                Some("needs a person: follow the description and remediation to assess it".into());
            return result;
        }
        if needs_daemon && !self.snapshot.daemon.reachable {
            result.status = Status::Error;
            result.message = Some(self.daemon_error());
            return result;
        }
        match rule.scope {
            Scope::Host | Scope::Daemon => {
                let (status, message, evidence) = self.decide(rule, &Instance::None);
                result.status = status;
                result.message = message;
                result.evidence = evidence;
            }
            Scope::EachContainer => {
                result.instances = self
                    .snapshot
                    .containers
                    .iter()
                    .zip(&self.container_views)
                    .map(|(c, view)| {
                        self.instance(
                            rule,
                            "container",
                            &c.id,
                            &c.name,
                            Instance::Container(c, view),
                        )
                    })
                    .collect();
                self.roll_up(&mut result, "containers");
            }
            Scope::EachImage => {
                result.instances = self
                    .snapshot
                    .images
                    .iter()
                    .zip(&self.image_views)
                    .map(|(i, view)| {
                        let name = i.tags.first().cloned().unwrap_or_else(|| i.id.clone());
                        self.instance(rule, "image", &i.id, &name, Instance::Image(i, view))
                    })
                    .collect();
                self.roll_up(&mut result, "images");
            }
        }
        result
    }

    fn daemon_error(&self) -> String {
        self.errors
            .get("daemon")
            .map(|m| m.to_string())
            .unwrap_or_else(|| {
                format!(
                    "cannot reach the Docker daemon at {}",
                    self.snapshot.docker_host
                )
            })
    }

    fn instance(
        &self,
        rule: &Rule,
        kind: &str,
        id: &str,
        name: &str,
        inst: Instance,
    ) -> InstanceResult {
        let (status, message, evidence) = self.decide(rule, &inst);
        InstanceResult {
            kind: kind.to_string(),
            id: id.to_string(),
            name: name.to_string(),
            status,
            message,
            evidence,
        }
    }

    /// The rule's status is the worst of its instances'.
    fn roll_up(&self, result: &mut RuleResult, noun: &str) {
        if result.instances.is_empty() {
            result.status = Status::NotApplicable;
            let which = if noun == "containers" && !self.snapshot.all_containers {
                "no running containers (use --all to include stopped ones)".to_string()
            } else {
                format!("no {noun}")
            };
            result.message = Some(which);
            return;
        }
        result.status = result
            .instances
            .iter()
            .map(|i| i.status)
            .max_by_key(|s| s.badness())
            .unwrap_or(Status::NotApplicable);
        let count = |s: Status| result.instances.iter().filter(|i| i.status == s).count();
        let total = result.instances.len();
        result.message = match result.status {
            Status::Pass => None,
            Status::Fail => Some(format!("{} of {total} {noun} fail", count(Status::Fail))),
            Status::Error => Some(format!(
                "{} of {total} {noun} could not be decided",
                count(Status::Error)
            )),
            Status::NotApplicable => Some(format!("applies to none of the {total} {noun}")),
            other => Some(format!("{} of {total} {noun} are {other}", count(other))),
        };
    }

    fn decide(&self, rule: &Rule, inst: &Instance) -> (Status, Option<String>, Vec<Evidence>) {
        let mut evidence = Vec::new();
        if let Some(cond) = &rule.applies_when {
            match self.check(cond, inst, None, &mut evidence) {
                Verdict::Pass => {}
                Verdict::Fail(_) => {
                    let why = applies_reason(&evidence);
                    return (
                        Status::NotApplicable,
                        Some(format!("does not apply: {why}")),
                        evidence,
                    );
                }
                v => return (v.status(), v.message(), evidence),
            }
            evidence.clear();
        }
        let check = rule.check.as_ref().expect("manual rules return earlier");
        let verdict = self.check(check, inst, None, &mut evidence);
        let mut status = verdict.status();
        let mut message = verdict.message();
        if rule.redact {
            for e in &mut evidence {
                redact(&mut e.observed);
            }
            if status == Status::Fail {
                message = evidence
                    .iter()
                    .find(|e| e.outcome == Status::Fail)
                    .map(fail_message);
            }
        }
        if rule.informational && matches!(status, Status::Pass | Status::Fail) {
            status = Status::Informational;
        }
        (status, message, evidence)
    }

    fn check<'v>(
        &'v self,
        check: &Check,
        inst: &'v Instance<'v>,
        item: Option<&Item<'v>>,
        ev: &mut Vec<Evidence>,
    ) -> Verdict {
        match check {
            Check::Test(t) => self.test(t, inst, item, ev),
            Check::Not(inner) => match self.check(inner, inst, item, ev) {
                Verdict::Pass => Verdict::Fail(match ev.last() {
                    Some(e) => format!(
                        "{}: found {}, which must not be {}",
                        e.fact,
                        compact(&e.observed),
                        e.expected
                    ),
                    None => "a condition that must not hold holds".into(),
                }),
                Verdict::Fail(_) => Verdict::Pass,
                other => other,
            },
            Check::All(list) => {
                let vs: Vec<Verdict> = list.iter().map(|c| self.check(c, inst, item, ev)).collect();
                combine(vs, true)
            }
            Check::Any(list) => {
                let vs: Vec<Verdict> = list.iter().map(|c| self.check(c, inst, item, ev)).collect();
                combine(vs, false)
            }
            Check::Every {
                list,
                check,
                missing,
            } => self.every(list, check, *missing, inst, item, ev),
        }
    }

    fn every<'v>(
        &'v self,
        list: &FactPath,
        check: &Check,
        missing: Missing,
        inst: &'v Instance<'v>,
        item: Option<&Item<'v>>,
        ev: &mut Vec<Evidence>,
    ) -> Verdict {
        let segs = match self.concrete(list) {
            Ok(s) => s,
            Err(ph) => return missing_verdict(missing, self.unresolved(&ph), Verdict::Pass),
        };
        let list_text = self.fact_text(&list.root, &segs, item);
        let (value, source) = match self.lookup(&list.root, &segs, inst, item) {
            Lookup::Error(m) => return Verdict::Error(m),
            Lookup::NotCollected(m) => return Verdict::NotChecked(m),
            Lookup::Missing(_) => {
                let why = self.missing_reason(&list.root, &segs, &list_text);
                return missing_verdict(missing, why, Verdict::Pass);
            }
            Lookup::Found { value, source } => (value, source),
        };
        // Elements are borrowed from the snapshot; only their place in evidence is built.
        let elements: Vec<(String, &'v Value)> = match value {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{list_text}[{i}]"), v))
                .collect(),
            Value::Object(m) => m
                .iter()
                .map(|(k, v)| (format!("{list_text}[\"{k}\"]"), v))
                .collect(),
            other => vec![(list_text.clone(), other)],
        };
        if elements.is_empty() {
            return missing_verdict(missing, format!("{list_text} is empty"), Verdict::Pass);
        }
        let verdicts: Vec<Verdict> = elements
            .into_iter()
            .map(|(path, value)| {
                let it = Item {
                    value,
                    path,
                    source: source.clone(),
                };
                self.check(check, inst, Some(&it), ev)
            })
            .collect();
        combine(verdicts, true)
    }

    /// How a fact path reads in evidence: `item` replaced by the element's place.
    fn fact_text(&self, root: &str, segs: &[Segment], item: Option<&Item<'_>>) -> String {
        match (root, item) {
            ("item", Some(it)) => {
                let rest = render("", segs);
                format!("{}{}", it.path, rest)
            }
            _ => render(root, segs),
        }
    }

    fn test<'v>(
        &'v self,
        t: &Test,
        inst: &'v Instance<'v>,
        item: Option<&Item<'v>>,
        ev: &mut Vec<Evidence>,
    ) -> Verdict {
        let concrete = match self.concrete(&t.fact) {
            Ok(p) => p,
            Err(placeholder) => {
                let why = self.unresolved(&placeholder);
                return self.on_missing(
                    t,
                    &t.fact.to_string(),
                    Value::Null,
                    "host search".into(),
                    why,
                    ev,
                );
            }
        };
        let fact_text = self.fact_text(&t.fact.root, &concrete, item);
        let lookup = self.lookup(&t.fact.root, &concrete, inst, item);
        let (observed, source) = match lookup {
            Lookup::Error(m) => {
                ev.push(evidence(
                    &fact_text,
                    Value::Null,
                    t,
                    "collection error".into(),
                    Status::Error,
                ));
                return Verdict::Error(m);
            }
            Lookup::NotCollected(m) => {
                ev.push(evidence(
                    &fact_text,
                    Value::Null,
                    t,
                    "not collected".into(),
                    Status::NotChecked,
                ));
                return Verdict::NotChecked(m);
            }
            Lookup::Missing(source) => {
                let why = self.missing_reason(&t.fact.root, &concrete, &fact_text);
                return self.on_missing(t, &fact_text, Value::Null, source, why, ev);
            }
            Lookup::Found { value, source } => (value, source),
        };
        let outcome = match &t.op {
            Op::Audits(target) => return self.audits(t, target, observed, &fact_text, ev),
            op => {
                let resolve = |o: &Operand| self.operand(o, inst, item);
                self.apply(op, observed, &resolve)
            }
        };
        let verdict = match outcome {
            Ok(true) => Verdict::Pass,
            Ok(false) => Verdict::Fail(String::new()),
            Err(v) => v,
        };
        push_evidence(
            ev,
            evidence(&fact_text, observed.clone(), t, source, verdict.status()),
            verdict,
        )
    }

    fn on_missing(
        &self,
        t: &Test,
        fact: &str,
        observed: Value,
        source: String,
        why: String,
        ev: &mut Vec<Evidence>,
    ) -> Verdict {
        let verdict = match &t.op {
            Op::Absent | Op::Empty => Verdict::Pass,
            Op::Present | Op::NotEmpty => Verdict::Fail(String::new()),
            Op::SubsetOf(_) => Verdict::Pass,
            _ => match t.missing {
                Missing::Fail => Verdict::Fail(String::new()),
                Missing::Pass => Verdict::Pass,
                Missing::NotApplicable => Verdict::NotApplicable(why),
                Missing::Error => Verdict::Error(why),
                Missing::Skip => Verdict::Skip(why),
                Missing::NotChecked => Verdict::NotChecked(why),
            },
        };
        push_evidence(
            ev,
            evidence(fact, observed, t, source, verdict.status()),
            verdict,
        )
    }

    /// The path's segments with placeholders replaced by host paths; Err names the first
    /// placeholder that found nothing.
    fn concrete(&self, fact: &FactPath) -> Result<Vec<Segment>, String> {
        fact.segments
            .iter()
            .map(|s| match s {
                Segment::Key(k) if k.contains('{') => {
                    substitute(k, |name| self.location(name)).map(Segment::Key)
                }
                other => Ok(other.clone()),
            })
            .collect()
    }

    fn location(&self, name: &str) -> Option<String> {
        self.snapshot.host.locations.get(name).cloned().flatten()
    }

    fn unresolved(&self, placeholder: &str) -> String {
        if let Some(key) = placeholder.strip_prefix("setting:") {
            let unset = self
                .snapshot
                .host
                .searched
                .get(placeholder)
                .is_none_or(|s| s.is_empty());
            if unset {
                return format!("the daemon setting {key} is not set");
            }
        }
        match self.snapshot.host.searched.get(placeholder) {
            Some(paths) if !paths.is_empty() => {
                format!(
                    "{{{placeholder}}} not found on the host (looked at {})",
                    paths.join(", ")
                )
            }
            _ => format!("{{{placeholder}}} was not located in this snapshot"),
        }
    }

    fn missing_reason(&self, root: &str, segs: &[Segment], fact: &str) -> String {
        if root == "host" {
            if let [Segment::Key(files), Segment::Key(path), ..] = segs {
                if files == "files" {
                    return match self.snapshot.host.files.get(path) {
                        Some(f) if !f.exists => format!("{path} does not exist"),
                        Some(_) => format!("{fact} is not set"),
                        None => format!("{path} was not collected in this snapshot"),
                    };
                }
            }
        }
        format!("{fact} is not set")
    }

    fn lookup<'v>(
        &'v self,
        root: &str,
        segs: &[Segment],
        inst: &'v Instance<'v>,
        item: Option<&Item<'v>>,
    ) -> Lookup<'v> {
        // Collection errors at or above this fact make it undecidable. Most snapshots have
        // none under most roots: skip the prefix walk then, it dominates evaluation time.
        let container_errors = matches!(inst, Instance::Container(c, _) if root == "container" && !c.errors.is_empty());
        let image_errors = root == "image" && self.image_errors;
        let walk = self.error_roots.contains(root) || container_errors || image_errors;
        let mut prefix = root.to_string();
        if let Some(m) = self.errors.get(prefix.as_str()) {
            return Lookup::Error(m.to_string());
        }
        for i in 0..if walk { segs.len() } else { 0 } {
            prefix = render(root, &segs[..=i]);
            if let Some(m) = self.errors.get(prefix.as_str()) {
                return Lookup::Error(m.to_string());
            }
            if let Some(m) = self.not_collected.get(prefix.as_str()) {
                return Lookup::NotCollected(m.to_string());
            }
            if let (Instance::Image(img, _), "image") = (inst, root) {
                let global = format!(
                    "images[\"{}\"]{}",
                    img.id,
                    prefix.trim_start_matches("image")
                );
                if let Some(m) = self.errors.get(global.as_str()) {
                    return Lookup::Error(m.to_string());
                }
            }
            if let Instance::Container(c, _) = inst {
                if root == "container" {
                    let local = prefix.trim_start_matches("container.");
                    if let Some(m) = c.errors.get(local) {
                        return Lookup::Error(format!("container {}: {m}", c.name));
                    }
                }
            }
        }
        let (start, rest, source): (&Value, &[Segment], String) = match (root, inst) {
            ("item", _) => match item {
                Some(it) => (it.value, segs, it.source.clone()),
                None => return Lookup::Error("`item` used outside `every`".into()),
            },
            ("host", _) => (&self.host, segs, host_source(segs)),
            ("daemon", _) => (&self.daemon, segs, daemon_source(segs)),
            ("container", Instance::Container(c, view)) => match segs.first() {
                Some(Segment::Key(k)) if k == "inspect" => {
                    (&c.inspect, &segs[1..], format!("docker inspect {}", c.name))
                }
                _ => {
                    let src = match &c.runtime {
                        Some(r) => format!("/proc/{} of container {}", r.pid, c.name),
                        None => format!("container {}", c.name),
                    };
                    (view, segs, src)
                }
            },
            ("image", Instance::Image(i, view)) => {
                let name = i.tags.first().unwrap_or(&i.id);
                match segs.first() {
                    Some(Segment::Key(k)) if k == "inspect" => (
                        &i.inspect,
                        &segs[1..],
                        format!("docker image inspect {name}"),
                    ),
                    Some(Segment::Key(k)) if k == "history" => (
                        &i.history,
                        &segs[1..],
                        format!("docker image history {name}"),
                    ),
                    _ => (view, segs, format!("image {name}")),
                }
            }
            _ => return Lookup::Error(format!("fact root '{root}' has no value in this scope")),
        };
        let mut cur = start;
        for s in rest {
            let next = match (s, cur) {
                (Segment::Key(k), Value::Object(m)) => m.get(k),
                (Segment::Index(i), Value::Array(a)) => a.get(*i),
                _ => None,
            };
            match next {
                Some(v) => cur = v,
                None => return Lookup::Missing(source),
            }
        }
        // A sourced value ({value, source}) carries its own provenance.
        if let Value::Object(m) = cur {
            if m.len() == 2 {
                if let (Some(v), Some(Value::String(src))) = (m.get("value"), m.get("source")) {
                    return if v.is_null() {
                        Lookup::Missing(src.clone())
                    } else {
                        Lookup::Found {
                            value: v,
                            source: src.clone(),
                        }
                    };
                }
            }
        }
        if cur.is_null() {
            return Lookup::Missing(source);
        }
        Lookup::Found { value: cur, source }
    }

    fn param(&self, name: &str) -> Option<&Value> {
        self.params.values.get(name)
    }

    fn operand<'v>(
        &'v self,
        o: &Operand,
        inst: &'v Instance<'v>,
        item: Option<&Item<'v>>,
    ) -> Result<Value, Verdict> {
        match o {
            Operand::Literal(v) => Ok(v.clone()),
            Operand::Param(p) => self.param(p).cloned().ok_or_else(|| {
                let flag = if p == "trusted-users" { " (or --trusted-users)" } else { "" };
                Verdict::NotChecked(format!(
                    "parameter {p} is not set: set {p} in the config file (--config){flag} to decide"
                ))
            }),
            Operand::Fact(path) => {
                let segs = self.concrete(path).map_err(|ph| Verdict::Error(self.unresolved(&ph)))?;
                match self.lookup(&path.root, &segs, inst, item) {
                    Lookup::Found { value, .. } => Ok(value.clone()),
                    Lookup::Missing(_) => Ok(Value::Null),
                    Lookup::Error(m) => Err(Verdict::Error(m)),
                    Lookup::NotCollected(m) => Err(Verdict::NotChecked(m)),
                }
            }
        }
    }

    fn apply(
        &self,
        op: &Op,
        observed: &Value,
        operand: &dyn Fn(&Operand) -> Result<Value, Verdict>,
    ) -> Result<bool, Verdict> {
        Ok(match op {
            Op::Equals(o) => loose_eq(observed, &operand(o)?),
            Op::NotEquals(o) => !loose_eq(observed, &operand(o)?),
            Op::In(o) => as_list(&operand(o)?).iter().any(|v| loose_eq(observed, v)),
            Op::NotIn(o) => !as_list(&operand(o)?).iter().any(|v| loose_eq(observed, v)),
            Op::Matches(r) => r.is_match(&as_text(observed)),
            Op::NotMatches(r) => !r.is_match(&as_text(observed)),
            Op::Contains(o) => contains(observed, &operand(o)?),
            Op::NotContains(o) => !contains(observed, &operand(o)?),
            Op::AnyMatches(r) => as_list(observed).iter().any(|v| r.is_match(&as_text(v))),
            Op::NoneMatches(r) => !as_list(observed).iter().any(|v| r.is_match(&as_text(v))),
            Op::Present => true,
            Op::Absent => false,
            Op::Empty => is_empty(observed),
            Op::NotEmpty => !is_empty(observed),
            Op::Gt(o) => compare(observed, &operand(o)?)?.is_gt(),
            Op::Ge(o) => compare(observed, &operand(o)?)?.is_ge(),
            Op::Lt(o) => compare(observed, &operand(o)?)?.is_lt(),
            Op::Le(o) => compare(observed, &operand(o)?)?.is_le(),
            Op::ModeAtMost(max) => {
                let text = as_text(observed);
                let mode = u32::from_str_radix(&text, 8)
                    .map_err(|_| Verdict::Error(format!("mode '{text}' is not octal")))?;
                mode & !max == 0
            }
            Op::OwnerIs(want) => {
                let have = as_text(observed);
                match want.split_once(':') {
                    Some(_) => have == *want,
                    None => have.split(':').next() == Some(want.as_str()),
                }
            }
            Op::SubsetOf(o) => {
                let members = as_list(observed);
                if members.is_empty() {
                    return Ok(true);
                }
                let allowed = operand(o).map_err(|v| match v {
                    Verdict::NotChecked(m) => Verdict::NotChecked(format!(
                        "found {}; {m}",
                        members.iter().map(as_text).collect::<Vec<_>>().join(", ")
                    )),
                    other => other,
                })?;
                let allowed = as_list(&allowed);
                members
                    .iter()
                    .all(|m| allowed.iter().any(|a| loose_eq(m, a)))
            }
            Op::Audits(_) => unreachable!("handled by Context::audits"),
        })
    }

    fn audits(
        &self,
        t: &Test,
        target: &str,
        observed: &Value,
        fact: &str,
        ev: &mut Vec<Evidence>,
    ) -> Verdict {
        let target = match substitute(target, |n| self.location(n)) {
            Ok(p) => p,
            Err(ph) => {
                let why = self.unresolved(&ph);
                return self.on_missing(t, fact, Value::Null, "host search".into(), why, ev);
            }
        };
        let mut aliases = vec![target.clone()];
        if let Some(f) = self.snapshot.host.files.get(&target) {
            if !f.exists {
                let why = format!("{target} does not exist");
                return self.on_missing(t, fact, Value::Null, format!("stat {target}"), why, ev);
            }
            aliases.extend(f.resolved.clone());
        }
        let audit = &self.snapshot.host.audit;
        let covering = |rules: &[AuditRule]| -> Vec<String> {
            rules
                .iter()
                .filter(|r| aliases.iter().any(|a| audit_covers(r, a)))
                .map(|r| format!("{} ({})", r.text, r.source))
                .collect()
        };
        let persistent = covering(&audit.persistent);
        let loaded = audit.loaded.as_deref().map(covering);
        let pass = !persistent.is_empty() && loaded.as_ref().is_none_or(|l| !l.is_empty());
        let observed_summary = json!({
            "path": target,
            "loaded": match &loaded {
                Some(l) => json!(l),
                None => json!(format!("unavailable: {}", audit.loaded_unavailable.as_deref().unwrap_or("not read"))),
            },
            "persistent": persistent,
        });
        let _ = observed;
        let source = if loaded.is_some() {
            "auditctl -l and /etc/audit rules".to_string()
        } else {
            "/etc/audit rules (loaded rules unavailable)".to_string()
        };
        let verdict = if pass {
            Verdict::Pass
        } else {
            let loaded_text = match &loaded {
                Some(l) if l.is_empty() => "none loaded".to_string(),
                Some(_) => "loaded".to_string(),
                None => "loaded rules unavailable".to_string(),
            };
            let persistent_text = if persistent.is_empty() {
                "none persistent"
            } else {
                "persistent"
            };
            Verdict::Fail(format!(
                "no audit rule records writes to {target} ({loaded_text}, {persistent_text})"
            ))
        };
        ev.push(Evidence {
            fact: fact.to_string(),
            observed: observed_summary,
            expected: format!("an audit watch on {target}, loaded and persistent"),
            source,
            outcome: verdict.status(),
        });
        verdict
    }
}

fn evidence(fact: &str, observed: Value, t: &Test, source: String, outcome: Status) -> Evidence {
    Evidence {
        fact: fact.to_string(),
        observed,
        expected: t.op.expectation(),
        source,
        outcome,
    }
}

/// The verdict for an absent or empty list under `every`.
fn missing_verdict(missing: Missing, why: String, default: Verdict) -> Verdict {
    match missing {
        Missing::Fail => Verdict::Fail(why),
        Missing::Pass => default,
        Missing::NotApplicable => Verdict::NotApplicable(why),
        Missing::Error => Verdict::Error(why),
        Missing::Skip => Verdict::Skip(why),
        Missing::NotChecked => Verdict::NotChecked(why),
    }
}

/// Combines verdicts for `all` (`conjunction`) or `any`.
fn combine(vs: Vec<Verdict>, conjunction: bool) -> Verdict {
    if conjunction {
        if let Some(v) = vs.iter().find(|v| matches!(v, Verdict::Fail(_))) {
            return v.clone();
        }
    } else if vs.contains(&Verdict::Pass) {
        return Verdict::Pass;
    }
    let first = |pick: fn(&Verdict) -> bool| vs.iter().find(|v| pick(v)).cloned();
    if let Some(v) = first(|v| matches!(v, Verdict::Error(_))) {
        return v;
    }
    if let Some(v) = first(|v| matches!(v, Verdict::NotChecked(_))) {
        return v;
    }
    if let Some(v) = first(|v| matches!(v, Verdict::NotApplicable(_))) {
        return v;
    }
    let decided: Vec<&Verdict> = vs
        .iter()
        .filter(|v| !matches!(v, Verdict::Skip(_)))
        .collect();
    if decided.is_empty() {
        return vs
            .into_iter()
            .next()
            .unwrap_or(Verdict::Skip("nothing to check".into()));
    }
    if conjunction {
        Verdict::Pass
    } else {
        let reasons: Vec<&str> = decided
            .iter()
            .filter_map(|v| match v {
                Verdict::Fail(m) => Some(m.as_str()),
                _ => None,
            })
            .collect();
        Verdict::Fail(reasons.join("; and "))
    }
}

/// Records `e`; a failure takes its message from the evidence.
fn push_evidence(ev: &mut Vec<Evidence>, e: Evidence, verdict: Verdict) -> Verdict {
    let verdict = match verdict {
        Verdict::Fail(m) if m.is_empty() => Verdict::Fail(fail_message(&e)),
        v => v,
    };
    ev.push(e);
    verdict
}

/// Why a precondition did not hold: the facts it read.
fn applies_reason(evidence: &[Evidence]) -> String {
    evidence
        .iter()
        .map(|e| format!("{} is {}", e.fact, compact(&e.observed)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Masks every string in `v`: `NAME=value` keeps its name, other text its first four characters.
fn redact(v: &mut Value) {
    match v {
        Value::String(s) => {
            let n = s.chars().count();
            *s = match s.split_once('=') {
                Some((name, _)) if !name.is_empty() && name.len() < 64 => {
                    format!("{name}=[redacted]")
                }
                _ if n > 8 => format!(
                    "{}…[redacted, {n} characters]",
                    s.chars().take(4).collect::<String>()
                ),
                _ => "[redacted]".into(),
            };
        }
        Value::Array(a) => a.iter_mut().for_each(redact),
        Value::Object(o) => o.values_mut().for_each(redact),
        _ => {}
    }
}

/// "fact: found X, expected Y" for a failed test.
fn fail_message(e: &Evidence) -> String {
    format!(
        "{}: found {}, expected {}",
        e.fact,
        compact(&e.observed),
        e.expected
    )
}

/// Whether audit rule `r` records writes to `target`.
pub fn audit_covers(r: &AuditRule, target: &str) -> bool {
    let under = |p: &str| {
        p == target || (r.recursive && target.starts_with(&format!("{}/", p.trim_end_matches('/'))))
    };
    let path_ok = under(&r.path) || r.resolved.as_deref().is_some_and(under);
    let perms_ok = r
        .perms
        .as_deref()
        .is_none_or(|p| p.contains('w') || p.contains('a'));
    path_ok && perms_ok
}

fn host_source(segs: &[Segment]) -> String {
    match segs {
        [Segment::Key(a), Segment::Key(p), ..] if a == "files" => format!("stat {p}"),
        [Segment::Key(a), Segment::Key(k), ..] if a == "sysctl" => {
            format!("/proc/sys/{}", k.replace('.', "/"))
        }
        [Segment::Key(a), ..] if a == "docker_group" => "/etc/group and /etc/passwd".into(),
        [Segment::Key(a), ..] if a == "docker_root" => "/proc/1/mountinfo".into(),
        _ => render("host", segs),
    }
}

fn daemon_source(segs: &[Segment]) -> String {
    match segs.first() {
        Some(Segment::Key(k)) if k == "info" => "docker info".into(),
        Some(Segment::Key(k)) if k == "version" => "docker version".into(),
        _ => render("daemon", segs),
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Short rendering of a value for messages.
fn compact(v: &Value) -> String {
    let s = match v {
        Value::Null => "nothing".to_string(),
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Equality that treats numbers by value and a string "true"/"42" like the bool or number.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(s), Value::Bool(b)) | (Value::Bool(b), Value::String(s)) => {
            s.parse::<bool>().ok() == Some(*b)
        }
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.parse::<f64>().ok() == n.as_f64()
        }
        _ => a == b,
    }
}

fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(h), Value::String(n)) => h.contains(n.as_str()),
        (Value::Array(a), n) => a.iter().any(|v| loose_eq(v, n)),
        (Value::Object(o), Value::String(k)) => o.contains_key(k),
        _ => false,
    }
}

fn compare(observed: &Value, want: &Value) -> Result<std::cmp::Ordering, Verdict> {
    let num = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (num(observed), num(want)) {
        (Some(a), Some(b)) => Ok(a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)),
        _ => Err(Verdict::Error(format!(
            "cannot compare {} with {} as numbers",
            compact(observed),
            compact(want)
        ))),
    }
}
