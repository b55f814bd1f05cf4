//! The fix-first list: failed findings grouped by the cause a person would fix, shared by the
//! terminal's closing block and the HTML report.
//!
//! A finding is one failed rule on one container or image (or on the host). Its cause is the
//! fact its first failing evidence reads: `container.inspect.HostConfig.PidMode` for 5.16 on a
//! `--pid host` container. Findings on one instance with the same cause are one fix, listing
//! every rule it closes; instances whose fixes close the same rules for the same cause share
//! one item. Facts under `daemon.` are daemon-wide: one setting, one fix for the whole host.
//!
//! Runtime ground truth has the same cause as the setting that produced it: the kernel's
//! namespace facts (`container.runtime.namespaces.pid.shared_with_host`) are read as the
//! inspect setting that asks for them (`HostConfig.PidMode`). This is a property of the facts,
//! not of a rule, so it lives in one table here ([`cause_of`]) rather than in every rule file;
//! custom rules on the same facts group the same way without saying so.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use super::exceptions::is_covered;
use crate::rules::model::Severity;
use crate::rules::result::{Evidence, EvidenceList, InstanceResult, RuleResult};
use crate::rules::{compare_ids, Status};

/// One thing to fix and every failed finding fixing it closes.
#[derive(Debug, Clone)]
pub struct Fix<'a> {
    /// The deciding fact (a fact path, instance-independent), or the rule id when no failing
    /// evidence names a fact.
    pub cause: String,
    /// The cause is a daemon setting: one change fixes it for the whole host.
    pub daemon_wide: bool,
    /// The highest severity among the rules.
    pub severity: Severity,
    /// The rules the fix closes: highest severity first, then by id.
    pub rules: Vec<&'a RuleResult>,
    /// The containers or images concerned, in report order (empty for host and daemon rules).
    pub instances: Vec<&'a InstanceResult>,
    /// How many failed findings (rule × instance) the fix closes.
    pub findings: usize,
}

impl Fix<'_> {
    /// The rule whose title and remediation stand for the fix.
    pub fn lead(&self) -> &RuleResult {
        self.rules[0]
    }

    /// The rule ids, in the order of [`Fix::rules`].
    pub fn rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }
}

/// Inspect settings whose effect the runtime facts observe: namespace → HostConfig key.
const NAMESPACE_SETTINGS: &[(&str, &str)] = &[
    ("pid", "PidMode"),
    ("ipc", "IpcMode"),
    ("net", "NetworkMode"),
    ("uts", "UTSMode"),
    ("user", "UsernsMode"),
    ("cgroup", "CgroupnsMode"),
];

/// The cause a fact stands for: runtime namespace facts map to the inspect setting behind them.
pub fn cause_of(fact: &str) -> String {
    if let Some(rest) = fact.strip_prefix("container.runtime.namespaces.") {
        if let Some((ns, _)) = rest.split_once('.') {
            if let Some((_, key)) = NAMESPACE_SETTINGS.iter().find(|(n, _)| *n == ns) {
                return format!("container.inspect.HostConfig.{key}");
            }
        }
    }
    // One audit watch per file, one fix for all of them: the audit rules.
    if fact.starts_with("host.audit[") {
        return "host.audit".to_string();
    }
    fact.to_string()
}

fn first_failing(evidence: &EvidenceList) -> Option<Evidence<'_>> {
    evidence.iter().find(|e| e.outcome == Status::Fail)
}

/// One failed rule on one instance (or on the host).
struct Finding<'a> {
    rule: &'a RuleResult,
    instance: Option<&'a InstanceResult>,
    cause: String,
}

fn findings(results: &[RuleResult]) -> Vec<Finding<'_>> {
    let mut out = Vec::new();
    // Accepted risks (failures covered by an exception in force) are not fixes to make.
    let accepted =
        |r: &RuleResult| r.waived || (r.instances.is_empty() && is_covered(&r.exception));
    for rule in results
        .iter()
        .filter(|r| r.status == Status::Fail && !accepted(r))
    {
        let failed: Vec<&InstanceResult> = rule
            .instances
            .iter()
            .filter(|i| i.status == Status::Fail && !is_covered(&i.exception))
            .collect();
        if failed.is_empty() && !rule.instances.iter().any(|i| i.status == Status::Fail) {
            let cause = first_failing(&rule.evidence)
                .map(|e| cause_of(e.fact()))
                .unwrap_or_else(|| rule.id.clone());
            out.push(Finding {
                rule,
                instance: None,
                cause,
            });
        }
        for inst in failed {
            let cause = first_failing(&inst.evidence)
                .or_else(|| first_failing(&rule.evidence))
                .map(|e| cause_of(e.fact()))
                .unwrap_or_else(|| rule.id.clone());
            out.push(Finding {
                rule,
                instance: Some(inst),
                cause,
            });
        }
    }
    out
}

fn by_severity_then_id(a: &&RuleResult, b: &&RuleResult) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| compare_ids(&a.id, &b.id))
}

/// Groups the failed findings of `results` into fixes, most urgent first: by severity, then
/// daemon-wide fixes, then fixes closing more findings, then by their first rule id.
pub fn fixes(results: &[RuleResult]) -> Vec<Fix<'_>> {
    let all = findings(results);
    // Per instance (None: the host), the rules each cause fails.
    let mut per_instance: BTreeMap<(Option<&str>, &str), Vec<&RuleResult>> = BTreeMap::new();
    let mut instance_of: BTreeMap<&str, &InstanceResult> = BTreeMap::new();
    let mut daemon: BTreeMap<&str, Fix> = BTreeMap::new();
    for f in &all {
        if f.cause.starts_with("daemon.") {
            let fix = daemon.entry(f.cause.as_str()).or_insert_with(|| Fix {
                cause: f.cause.clone(),
                daemon_wide: true,
                severity: f.rule.severity,
                rules: Vec::new(),
                instances: Vec::new(),
                findings: 0,
            });
            fix.findings += 1;
            if !fix.rules.iter().any(|r| std::ptr::eq(*r, f.rule)) {
                fix.rules.push(f.rule);
            }
            if let Some(i) = f.instance {
                if !fix.instances.iter().any(|x| x.id() == i.id()) {
                    fix.instances.push(i);
                }
            }
            continue;
        }
        let inst = f.instance.map(|i| i.id());
        if let Some(i) = f.instance {
            instance_of.insert(i.id(), i);
        }
        per_instance
            .entry((inst, f.cause.as_str()))
            .or_default()
            .push(f.rule);
    }
    // Instances with the same cause and the same rules share one item.
    let mut items: Vec<Fix> = daemon.into_values().collect();
    let mut order: Vec<(Option<&str>, &str)> = per_instance.keys().copied().collect();
    // Report order of instances, so that an item lists them as the report does: each
    // instance's first finding, found in one pass (a search per comparison made sorting the
    // findings of 400 containers a sixth of a scan's time).
    let mut first: HashMap<Option<&str>, usize> = HashMap::new();
    for (at, f) in all.iter().enumerate() {
        first.entry(f.instance.map(|i| i.id())).or_insert(at);
    }
    let position = |id: Option<&str>| first.get(&id).copied().unwrap_or(usize::MAX);
    order.sort_by_key(|(inst, cause)| (position(*inst), *cause));
    let mut shared: BTreeMap<(String, Vec<&str>), usize> = BTreeMap::new();
    for key in order {
        let rules = &per_instance[&key];
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        let (inst, cause) = key;
        let at = *shared.entry((cause.to_string(), ids)).or_insert_with(|| {
            items.push(Fix {
                cause: cause.to_string(),
                daemon_wide: false,
                severity: rules[0].severity,
                rules: rules.clone(),
                instances: Vec::new(),
                findings: 0,
            });
            items.len() - 1
        });
        let fix = &mut items[at];
        fix.findings += rules.len();
        if let Some(i) = inst.and_then(|id| instance_of.get(id)) {
            fix.instances.push(i);
        }
    }
    for fix in &mut items {
        fix.rules.sort_by(by_severity_then_id);
        fix.severity = fix.rules[0].severity;
    }
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.daemon_wide.cmp(&a.daemon_wide))
            .then_with(|| b.findings.cmp(&a.findings))
            .then_with(|| compare_ids(&a.lead().id, &b.lead().id))
            .then_with(|| a.cause.cmp(&b.cause))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::model::{Assessment, Scope};
    use crate::rules::result::Tested;
    use serde_json::json;

    fn ev(fact: &str, outcome: Status) -> Tested {
        Tested::new(fact, json!("x"), "y", "", "test", outcome)
    }

    fn container(name: &str, facts: &[&str]) -> InstanceResult {
        InstanceResult::new(
            crate::rules::result::Subject::new("container", &format!("id-{name}"), name),
            if facts.is_empty() {
                Status::Pass
            } else {
                Status::Fail
            },
            None,
            facts.iter().map(|f| ev(f, Status::Fail)).collect(),
        )
    }

    fn rule(id: &str, severity: Severity, instances: Vec<InstanceResult>) -> RuleResult {
        let failed = instances.iter().any(|i| i.status == Status::Fail);
        RuleResult {
            id: id.into(),
            id_1_6_0: None,
            id_1_8_0: None,
            section: id.split(['.', '-']).next().unwrap().into(),
            title: format!("title of {id}"),
            level: 1,
            assessment: Assessment::Automated,
            severity,
            scope: Scope::EachContainer,
            status: if failed { Status::Fail } else { Status::Pass },
            message: None,
            evidence: EvidenceList::default(),
            instances,
            description: String::new(),
            rationale: String::new(),
            impact: None,
            remediation: "fix it".into(),
            references: vec![],
            exception: None,
            waived: false,
        }
    }

    fn daemon_rule(id: &str, severity: Severity, fact: &str) -> RuleResult {
        RuleResult {
            scope: Scope::Daemon,
            status: Status::Fail,
            evidence: [ev(fact, Status::Fail)].into_iter().collect(),
            ..rule(id, severity, vec![])
        }
    }

    const PID: &str = "container.inspect.HostConfig.PidMode";
    const PID_NS: &str = "container.runtime.namespaces.pid.shared_with_host";
    const CAPS: &str = "container.inspect.HostConfig.CapAdd";

    #[test]
    fn pid_host_is_one_fix_listing_5_16_and_bw_ns_pid() {
        let results = vec![
            rule(
                "5.16",
                Severity::High,
                vec![container("web", &[]), container("top", &[PID, PID_NS])],
            ),
            rule(
                "BW-NS-PID",
                Severity::High,
                vec![container("web", &[]), container("top", &[PID_NS])],
            ),
        ];
        let fixes = fixes(&results);
        assert_eq!(fixes.len(), 1, "{fixes:?}");
        assert_eq!(fixes[0].rule_ids(), ["5.16", "BW-NS-PID"]);
        assert_eq!(fixes[0].cause, PID);
        assert_eq!(fixes[0].findings, 2);
        let names: Vec<&str> = fixes[0].instances.iter().map(|i| i.name()).collect();
        assert_eq!(names, ["top"]);
    }

    #[test]
    fn added_sys_admin_is_one_fix_listing_5_4_and_bw_cap_dangerous() {
        let results = vec![
            rule("5.4", Severity::High, vec![container("admin", &[CAPS])]),
            rule(
                "BW-CAP-DANGEROUS",
                Severity::High,
                vec![container("admin", &[CAPS])],
            ),
            rule(
                "5.5",
                Severity::High,
                vec![container(
                    "admin",
                    &["container.inspect.HostConfig.Privileged"],
                )],
            ),
        ];
        let fixes = fixes(&results);
        let ids: Vec<Vec<&str>> = fixes.iter().map(Fix::rule_ids).collect();
        // The CapAdd fix closes two findings, so it comes before Privileged's one.
        assert_eq!(ids, vec![vec!["5.4", "BW-CAP-DANGEROUS"], vec!["5.5"]]);
    }

    #[test]
    fn instances_share_an_item_only_when_the_same_rules_fail() {
        let results = vec![
            rule(
                "5.4",
                Severity::High,
                vec![container("a", &[CAPS]), container("b", &[CAPS])],
            ),
            rule(
                "BW-CAP-DANGEROUS",
                Severity::High,
                vec![container("a", &[CAPS]), container("b", &[])],
            ),
            rule(
                "5.16",
                Severity::High,
                vec![container("c", &[PID]), container("d", &[PID])],
            ),
        ];
        let fixes = fixes(&results);
        let seen: Vec<(Vec<&str>, Vec<&str>)> = fixes
            .iter()
            .map(|f| (f.rule_ids(), f.instances.iter().map(|i| i.name()).collect()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (vec!["5.4", "BW-CAP-DANGEROUS"], vec!["a"]),
                (vec!["5.16"], vec!["c", "d"]),
                (vec!["5.4"], vec!["b"]),
            ]
        );
    }

    #[test]
    fn a_daemon_wide_fix_comes_first_and_groups_across_the_host() {
        let seccomp = "daemon.settings.seccomp-profile";
        let results = vec![
            daemon_rule("2.2", Severity::Medium, "daemon.settings.icc"),
            rule(
                "5.16",
                Severity::High,
                vec![container("c", &[PID]), container("d", &[PID])],
            ),
            daemon_rule("2.16", Severity::High, seccomp),
            rule(
                "BW-SECOPT-UNCONFINED",
                Severity::High,
                vec![container("c", &[seccomp]), container("d", &[seccomp])],
            ),
        ];
        let fixes = fixes(&results);
        let ids: Vec<Vec<&str>> = fixes.iter().map(Fix::rule_ids).collect();
        assert_eq!(
            ids,
            vec![
                vec!["2.16", "BW-SECOPT-UNCONFINED"],
                vec!["5.16"],
                vec!["2.2"]
            ]
        );
        assert!(fixes[0].daemon_wide);
        assert_eq!(fixes[0].findings, 3);
        assert_eq!(fixes[0].instances.len(), 2);
    }

    #[test]
    fn passing_and_undecided_rules_make_no_fix() {
        let mut undecided = rule("5.1", Severity::High, vec![]);
        undecided.status = Status::Error;
        let results = vec![
            undecided,
            rule("5.2", Severity::High, vec![container("a", &[])]),
        ];
        assert!(fixes(&results).is_empty());
    }
}
