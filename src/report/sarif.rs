//! SARIF 2.1.0 (`report.sarif`): findings for code-scanning dashboards and importers such as
//! DefectDojo's SARIF parser.
//!
//! One run; its driver lists every evaluated rule (title, description, remediation as help,
//! severity as default level and as `security-severity`, CIS ids, references). Each failing
//! container or image is one result, and so is each failing host or daemon rule: importers
//! count findings by result. A result's `partialFingerprints` name the rule and the instance
//! (kind and name, not the container id, so a container recreated under its name is the same
//! finding). Instances are logical locations; host files, and daemon settings read from a
//! file, are physical locations (`file:///…`, with the line when the evidence has one).
//!
//! What bollwerk could not decide is not a finding: each `error` rule or instance, and each
//! collection error, is a `toolExecutionNotification` of the invocation, whose
//! `executionSuccessful` is then false. Passing, not applicable and manual rules give no result.

use serde_json::{json, Map, Value};

use super::Report;
use crate::rules::model::{Severity, Status};
use crate::rules::result::{EvidenceList, InstanceResult, RuleResult};

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";
/// The schema URI the document names (the OASIS schema as published by SchemaStore).
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// `partialFingerprints` key of a finding's identity (rule, instance kind, instance name).
pub const FINGERPRINT: &str = "bollwerkFinding/v1";

/// SARIF's level for a rule's severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning's `security-severity` (a CVSS-like score) for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The SARIF document for `report`, as pretty-printed JSON.
pub fn render(report: &Report) -> String {
    let mut rules = Vec::new();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for (index, r) in report.results.iter().enumerate() {
        rules.push(rule(r));
        match r.status {
            Status::Fail if r.instances.is_empty() => results.push(result(r, index, None)),
            Status::Fail | Status::Error => {
                for i in &r.instances {
                    match i.status {
                        Status::Fail => results.push(result(r, index, Some(i))),
                        Status::Error => notifications.push(notification(
                            &format!(
                                "{} {}: {}",
                                i.kind(),
                                i.name(),
                                i.message.as_deref().unwrap_or("could not be decided")
                            ),
                            Some((r, index)),
                        )),
                        _ => {}
                    }
                }
                if r.status == Status::Error && r.instances.is_empty() {
                    notifications.push(notification(
                        r.message.as_deref().unwrap_or("could not be decided"),
                        Some((r, index)),
                    ));
                }
            }
            _ => {}
        }
    }
    for e in &report.collection_errors {
        notifications.push(notification(
            &format!("could not collect {}: {}", e.fact, e.message),
            None,
        ));
    }
    let run = &report.run;
    let mut invocation = json!({
        "executionSuccessful": notifications.is_empty(),
        "startTimeUtc": run.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "endTimeUtc": run.finished_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "machine": run.hostname,
    });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "bollwerk",
                "fullName": format!("bollwerk {}", report.tool.version),
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": "https://bollwerk.dev/",
                "rules": rules,
            }},
            "automationDetails": {"id": format!("bollwerk/{}/", run.hostname)},
            "invocations": [invocation],
            "results": results,
            "properties": {
                "benchmark": report.benchmark,
                "hostname": run.hostname,
                "dockerHost": run.docker_host,
                "rulesVersion": report.tool.rules_version,
            },
        }],
    });
    serde_json::to_string_pretty(&doc).expect("a JSON value always serialises")
}

/// A `reportingDescriptor` for one rule.
fn rule(r: &RuleResult) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "tags".into(),
        json!(["security", "docker", format!("section-{}", r.section)]),
    );
    properties.insert(
        "security-severity".into(),
        security_severity(r.severity).into(),
    );
    properties.insert("precision".into(), "high".into());
    properties.insert("level".into(), r.level.into());
    properties.insert("assessment".into(), r.assessment.as_str().into());
    if let Some(old) = r.id_1_6_0.as_deref().filter(|o| *o != "-") {
        properties.insert("cisDocker160Id".into(), old.into());
    }
    properties.insert("references".into(), json!(r.references));
    let mut d = json!({
        "id": r.id,
        "name": rule_name(&r.title),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.description},
        "help": {
            "text": format!("{}\n\nWhy: {}", r.remediation, r.rationale),
            "markdown": format!("{}\n\n**Why:** {}", r.remediation, r.rationale),
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": properties,
    });
    if let Some(uri) = r
        .references
        .iter()
        .find(|u| u.starts_with("https://") && !u.contains(char::is_whitespace))
    {
        d["helpUri"] = uri.as_str().into();
    }
    d
}

/// A rule's `name`: its title in PascalCase, letters and digits only (SARIF asks for an
/// identifier-like name beside the opaque id).
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// The evidence of a failure, one clause per failing piece: `fact: found X, expected Y`.
fn failing_evidence(evidence: &EvidenceList) -> String {
    evidence
        .iter()
        .filter(|e| e.outcome == Status::Fail)
        .map(|e| {
            format!(
                "{}: found {}, expected {}",
                e.fact(),
                e.observed(),
                e.expected()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One finding: a failing rule (`instance` `None`) or one failing container or image of it.
fn result(r: &RuleResult, index: usize, instance: Option<&InstanceResult>) -> Value {
    let (what, evidence, identity, locations) = match instance {
        Some(i) => (
            format!("{} {}", i.kind(), i.name()),
            &i.evidence,
            format!("{}/{}/{}", r.id, i.kind(), i.name()),
            vec![json!({"logicalLocations": [{
                "name": i.name(),
                "fullyQualifiedName": format!("{}/{}", i.kind(), i.name()),
                "kind": "object",
                "properties": {"id": i.id()},
            }]})],
        ),
        None => (
            "this host".to_string(),
            &r.evidence,
            format!("{}/host", r.id),
            physical_locations(&r.evidence),
        ),
    };
    let detail = failing_evidence(evidence);
    let message = match (detail.is_empty(), instance.and_then(|i| i.message.as_ref())) {
        (false, _) => format!("{}: {} ({detail})", what, r.title),
        (true, Some(m)) => format!("{}: {} ({m})", what, r.title),
        (true, None) => match &r.message {
            Some(m) => format!("{}: {} ({m})", what, r.title),
            None => format!("{}: {}", what, r.title),
        },
    };
    let mut out = json!({
        "ruleId": r.id,
        "ruleIndex": index,
        "level": level(r.severity),
        "kind": "fail",
        "message": {"text": message},
        "partialFingerprints": {FINGERPRINT: identity},
        "properties": {"evidence": evidence},
    });
    if !locations.is_empty() {
        out["locations"] = Value::Array(locations);
    }
    // An accepted risk stays a result, suppressed by the exception that covers it (SARIF
    // 2.1.0 §3.35: an external suppression with its justification).
    let exception = match instance {
        Some(i) => i.exception.as_ref(),
        None => r.exception.as_ref(),
    };
    if let Some(e) = exception.filter(|e| !e.expired) {
        out["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": e.sentence(),
            "properties": {"exception": e.id, "expires": e.expires},
        }]);
    }
    out
}

/// Host files a rule-level failure read (`host.files["/etc/…"]`) and daemon settings read
/// from a file (source `/etc/docker/daemon.json:4`) as physical locations.
fn physical_locations(evidence: &EvidenceList) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for e in evidence.iter().filter(|e| e.outcome == Status::Fail) {
        let location = if let Some(path) = e
            .fact()
            .strip_prefix("host.files[\"")
            .and_then(|rest| rest.split_once("\"]"))
            .map(|(path, _)| path)
        {
            Some((path.to_string(), None))
        } else {
            file_and_line(e.source())
        };
        let Some((path, line)) = location else {
            continue;
        };
        let mut physical = json!({"artifactLocation": {"uri": file_uri(&path)}});
        if let Some(line) = line {
            physical["region"] = json!({"startLine": line});
        }
        let l = json!({"physicalLocation": physical});
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// `/path/file:12` → (`/path/file`, 12); an absolute path alone → (path, none).
fn file_and_line(source: &str) -> Option<(String, Option<u64>)> {
    let source = source.trim();
    if !source.starts_with('/') || source.contains(char::is_whitespace) {
        return None;
    }
    match source.rsplit_once(':') {
        Some((path, line)) if line.parse::<u64>().is_ok_and(|n| n > 0) => {
            Some((path.to_string(), line.parse().ok()))
        }
        _ => Some((source.to_string(), None)),
    }
}

/// A host path as a `file://` URI, with the characters URIs reserve percent-encoded.
fn file_uri(path: &str) -> String {
    let mut uri = String::from("file://");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// A `notification` of something bollwerk could not decide, tied to its rule when it has one.
fn notification(text: &str, rule: Option<(&RuleResult, usize)>) -> Value {
    let mut n = json!({"level": "error", "message": {"text": text}});
    if let Some((r, index)) = rule {
        n["associatedRule"] = json!({"id": r.id, "index": index});
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case_identifiers() {
        assert_eq!(
            rule_name("Containers add no Linux capabilities"),
            "ContainersAddNoLinuxCapabilities"
        );
        assert_eq!(
            rule_name("Audit changes to containerd's state (1.1.4)"),
            "AuditChangesToContainerdSState114"
        );
    }

    #[test]
    fn sources_with_lines_become_regions() {
        assert_eq!(
            file_and_line("/etc/docker/daemon.json:4"),
            Some(("/etc/docker/daemon.json".into(), Some(4)))
        );
        assert_eq!(
            file_and_line("/etc/docker/daemon.json"),
            Some(("/etc/docker/daemon.json".into(), None))
        );
        assert_eq!(file_and_line("dockerd default"), None);
        assert_eq!(file_and_line("flag --icc=false"), None);
        assert_eq!(file_uri("/etc/a b#c"), "file:///etc/a%20b%23c".to_string());
    }
}
