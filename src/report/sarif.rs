//! SARIF 2.1.0 (`report.sarif`): findings for code-scanning dashboards and importers such as
//! DefectDojo's SARIF parser.
//!
//! One run; its driver lists every evaluated rule (title, description, remediation as help,
//! severity as default level and as `security-severity`, CIS ids, references). Each failing
//! container or image is one result, and so is each failing host or daemon rule: importers
//! count findings by result. A result's `partialFingerprints` name the rule and the instance
//! (kind and name, not the container id, so a container recreated under its name is the same
//! finding). Every result has a physical location, as GitHub code scanning requires: a
//! container or image is the relative artifact `container/NAME` (`image/NAME`) and a logical
//! location; a host or daemon failure is the host files its evidence names (`file:///…`, with
//! the line of a daemon setting read from daemon.json), else the daemon.json in force for the
//! audited daemon (`run.daemon_json`: a rootless daemon's is under its user's home). A missing
//! audit watch is fixed in the audit rules, not in the file to watch: it is located at the
//! persistent watch its evidence found (with its line), else in the rules file the report's
//! audit evidence names most, else at the file to watch.
//!
//! Host text is shown as the HTML report shows it: control and invisible format characters
//! (a direction override in a container name) are written as `\u{202e}`.
//!
//! What bollwerk could not decide is not a finding: each `error` rule or instance, and each
//! collection error, is a `toolExecutionNotification` of the invocation, whose
//! `executionSuccessful` is then false. Passing, not applicable and manual rules give no result.

use serde_json::{json, Map, Value};

use super::{file_and_line, Report};
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
    let places = Places::of(report);
    for (index, r) in report.results.iter().enumerate() {
        rules.push(rule(r));
        match r.status {
            Status::Fail if r.instances.is_empty() => results.push(result(r, index, None, &places)),
            Status::Fail | Status::Error => {
                for i in &r.instances {
                    match i.status {
                        Status::Fail => results.push(result(r, index, Some(i), &places)),
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
    let mut doc = json!({
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
    make_visible(&mut doc);
    serde_json::to_string_pretty(&doc).expect("a JSON value always serialises")
}

/// Every string of `doc`, keys too, with control and invisible format characters shown as
/// `\u{202e}` ([`super::visible`], as in the HTML report): JSON would carry a direction
/// override in a container name raw, and code scanning's pages would show the name reordered.
fn make_visible(doc: &mut Value) {
    match doc {
        Value::String(s) if super::has_control(s) => *s = super::visible(s),
        Value::Array(list) => list.iter_mut().for_each(make_visible),
        Value::Object(map) if map.keys().any(|k| super::has_control(k)) => {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, mut v)| {
                    make_visible(&mut v);
                    (super::visible(&k), v)
                })
                .collect();
        }
        Value::Object(map) => map.values_mut().for_each(make_visible),
        _ => {}
    }
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
/// Every result has a location with a physical artifact, as GitHub code scanning requires
/// (it rejects a whole upload over one result without): host files the evidence names, else
/// the daemon.json in force, where a daemon setting is changed ([`Places`]).
fn result(
    r: &RuleResult,
    index: usize,
    instance: Option<&InstanceResult>,
    places: &Places,
) -> Value {
    let (what, evidence, identity, locations) = match instance {
        Some(i) => (
            format!("{} {}", i.kind(), i.name()),
            &i.evidence,
            format!("{}/{}/{}", r.id, i.kind(), i.name()),
            vec![json!({
                "physicalLocation": {"artifactLocation": {
                    "uri": instance_uri(i.kind(), i.name()),
                }},
                "logicalLocations": [{
                    "name": i.name(),
                    "fullyQualifiedName": format!("{}/{}", i.kind(), i.name()),
                    "kind": "object",
                    "properties": {"id": i.id()},
                }],
            })],
        ),
        None => (
            "this host".to_string(),
            &r.evidence,
            format!("{}/host", r.id),
            physical_locations(&r.evidence, places),
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
        "locations": locations,
        "partialFingerprints": {FINGERPRINT: identity},
        "properties": {"evidence": evidence},
    });
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

/// A container's or image's artifact: the relative URI `container/NAME` (`image/NAME`, the
/// image name's slashes kept), stable across scans as long as the name is, which code
/// scanning shows as the alert's path.
fn instance_uri(kind: &str, name: &str) -> String {
    format!("{}/{}", encode(kind), encode(name))
}

/// The files a host or daemon finding is fixed in, as the report knows them.
struct Places {
    /// The daemon.json in force, as every format names it ([`Report::daemon_json_named`]).
    daemon_json: String,
    /// The audit rules file the host keeps its watches on Docker's files in: the one the
    /// persistent watches of the report's audit evidence name most (the first of those named
    /// as often); none when no evidence names one.
    audit_rules: Option<String>,
}

impl Places {
    fn of(report: &Report) -> Places {
        let daemon_json = report.daemon_json_named();
        let evidence = report.results.iter().flat_map(|r| r.evidence.iter());
        let mut named: Vec<(String, usize)> = Vec::new();
        for e in evidence.filter(|e| is_audit_fact(e.fact())) {
            for (file, _) in persistent_watches(&e.observed()) {
                match named.iter_mut().find(|(f, _)| *f == file) {
                    Some((_, n)) => *n += 1,
                    None => named.push((file, 1)),
                }
            }
        }
        // The first of the most named: `max_by_key` would take the last.
        let most = named.iter().map(|(_, n)| *n).max();
        let audit_rules = named
            .into_iter()
            .find(|(_, n)| Some(*n) == most)
            .map(|(f, _)| f);
        Places {
            daemon_json,
            audit_rules,
        }
    }
}

/// Whether `fact` is the evidence of an `audits` test: `host.audit["/usr/bin/dockerd"]`.
fn is_audit_fact(fact: &str) -> bool {
    fact.starts_with("host.audit[")
}

/// The persistent watches an `audits` test's observation names, as (file, line): its
/// `persistent` entries are `RULE (FILE:LINE)`.
fn persistent_watches(observed: &Value) -> Vec<(String, Option<u64>)> {
    observed["persistent"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|entry| {
            let (_, source) = entry.rsplit_once(" (")?;
            file_and_line(source.strip_suffix(')')?)
        })
        .collect()
}

/// The host files a rule-level failure read, as physical locations: the paths its failing
/// evidence names (`host.files["/etc/…"]`, `host.trees[…]["/etc/…"]`, kernel settings under
/// `/proc/sys`, …), daemon settings read from a file with their line (source
/// `/etc/docker/daemon.json:4`), and the daemon.json in force for other daemon facts or when
/// nothing else names a file. A missing audit watch (`host.audit["/usr/bin/dockerd"]`) is
/// fixed in the audit rules, not in the file watched: its location is the persistent watch
/// it found (a watch not loaded, with its line), else the rules file the host keeps its
/// other watches in, else, when no evidence names one, the file watched.
fn physical_locations(evidence: &EvidenceList, places: &Places) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let push = |out: &mut Vec<Value>, path: &str, line: Option<u64>| {
        let mut physical = json!({"artifactLocation": {"uri": file_uri(path)}});
        if let Some(line) = line {
            physical["region"] = json!({"startLine": line});
        }
        let l = json!({"physicalLocation": physical});
        if !out.contains(&l) {
            out.push(l);
        }
    };
    let mut daemon = false;
    for e in evidence.iter().filter(|e| e.outcome == Status::Fail) {
        if is_audit_fact(e.fact()) {
            let watches = persistent_watches(&e.observed());
            for (file, line) in &watches {
                push(&mut out, file, *line);
            }
            if watches.is_empty() {
                // No watch found: the rules file the host keeps its watches in, else the
                // file to watch.
                if let Some(path) = places.audit_rules.clone().or_else(|| fact_file(e.fact())) {
                    push(&mut out, &path, None);
                }
            }
        } else if let Some(path) = fact_file(e.fact()) {
            push(&mut out, &path, None);
        } else if let Some((path, line)) = file_and_line(e.source()) {
            push(&mut out, &path, line);
        } else {
            daemon |= e.fact().starts_with("daemon.") || e.fact().starts_with("host.listening");
        }
    }
    // Once, and not beside a line of the same file.
    let uri = file_uri(&places.daemon_json);
    if (daemon || out.is_empty())
        && !out
            .iter()
            .any(|l| l["physicalLocation"]["artifactLocation"]["uri"] == uri.as_str())
    {
        push(&mut out, &places.daemon_json, None);
    }
    out
}

/// The host file a fact is about, from its path: `host.files["/p"]…`, `host.trees["/r"]["/p"]…`
/// and `host.drop_ins["/r"]["/p"]…` (`/p`), `host.audit["/p"]`, `host.socket_groups["/p"]…`, `host.sysctl["a.b"]`
/// (`/proc/sys/a/b`), `host.sysctl_each["a.*.b"]["eth0"]` (`/proc/sys/a/eth0/b`) and
/// `host.docker_group…` (`/etc/group`).
fn fact_file(fact: &str) -> Option<String> {
    use crate::rules::path::{FactPath, Segment};
    let path = FactPath::parse(fact).ok()?;
    if path.root != "host" {
        return None;
    }
    let key = |i: usize| match path.segments.get(i) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let absolute = |k: Option<&str>| k.filter(|k| k.starts_with('/')).map(str::to_string);
    match key(0)? {
        "files" | "audit" | "socket_groups" => absolute(key(1)),
        "trees" | "drop_ins" => absolute(key(2)).or_else(|| absolute(key(1))),
        "sysctl" => Some(crate::facts::sysctl_file(key(1)?, None)),
        "sysctl_each" => Some(crate::facts::sysctl_file(key(1)?, key(2))),
        "docker_group" => Some("/etc/group".into()),
        _ => None,
    }
}

/// A host path as a `file://` URI, with the characters URIs reserve percent-encoded.
fn file_uri(path: &str) -> String {
    format!("file://{}", encode_path(path))
}

/// `text` with every byte but unreserved ones and `/` percent-encoded.
fn encode_path(text: &str) -> String {
    super::percent_encoded(text.as_bytes(), b"/")
}

/// A relative URI path of `text`'s `/`-separated parts, each [`encode_path`]d. A part of dots
/// alone (`..`) is shown in brackets (`(..)`): percent-encoding its dots would not do, since a
/// consumer that normalises the URI decodes them again (RFC 3986, 6.2.2.2) and the part climbs.
fn encode(text: &str) -> String {
    text.split('/')
        .map(|part| {
            if !part.is_empty() && part.bytes().all(|b| b == b'.') {
                encode_path(&format!("({part})"))
            } else {
                encode_path(part)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
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
    use crate::facts::daemon_settings::ROOTFUL_DAEMON_JSON;

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

    #[test]
    fn host_facts_name_their_files() {
        let file = |fact: &str| fact_file(fact);
        assert_eq!(
            file("host.files[\"/etc/docker\"].mode"),
            Some("/etc/docker".into())
        );
        assert_eq!(
            file(
                "host.trees[\"/etc/docker/certs.d\"][\"/etc/docker/certs.d/r:5000/ca.crt\"].owner"
            ),
            Some("/etc/docker/certs.d/r:5000/ca.crt".into())
        );
        assert_eq!(
            file("host.drop_ins[\"/etc/systemd/system/docker.service.d\"][\"/etc/systemd/system/docker.service.d/x.conf\"].mode"),
            Some("/etc/systemd/system/docker.service.d/x.conf".into())
        );
        assert_eq!(
            file("host.audit[\"/usr/bin/dockerd\"]"),
            Some("/usr/bin/dockerd".into())
        );
        assert_eq!(
            file("host.socket_groups[\"/run/containerd/containerd.sock\"].members"),
            Some("/run/containerd/containerd.sock".into())
        );
        assert_eq!(
            file("host.sysctl[\"kernel.kptr_restrict\"]"),
            Some("/proc/sys/kernel/kptr_restrict".into())
        );
        assert_eq!(
            file("host.sysctl_each[\"net.ipv4.conf.*.send_redirects\"][\"eth0.100\"]"),
            Some("/proc/sys/net/ipv4/conf/eth0.100/send_redirects".into())
        );
        assert_eq!(
            file("host.sysctl[\"net.ipv4.conf.eth0/100.rp_filter\"]"),
            Some("/proc/sys/net/ipv4/conf/eth0.100/rp_filter".into())
        );
        assert_eq!(file("host.docker_group.members"), Some("/etc/group".into()));
        assert_eq!(file("host.lsm.selinux"), None);
        assert_eq!(file("daemon.settings.icc"), None);
        assert_eq!(file("host.files[\"relative\"].mode"), None);
    }

    /// A host rule `id` of `status` with `evidence` written inline.
    fn host_rule(id: &str, status: &str, evidence: Value) -> RuleResult {
        serde_json::from_value(json!({
            "id": id, "section": "1", "title": "t", "level": 1, "assessment": "automated",
            "severity": "high", "scope": "host", "status": status, "evidence": evidence,
            "instances": [], "description": "d", "rationale": "r", "remediation": "f",
            "references": []
        }))
        .expect("a rule result")
    }

    /// An `audits` test's evidence on `target`, with the persistent watches it found.
    fn watch(target: &str, persistent: &[&str], outcome: &str) -> Value {
        json!({
            "fact": format!("host.audit[\"{target}\"]"),
            "observed": {"path": target, "loaded": [], "persistent": persistent},
            "expected": format!("an audit watch on {target}, loaded and persistent"),
            "expected_text": format!("an audit watch on {target}, loaded and persistent"),
            "source": "auditctl -l and /etc/audit rules",
            "outcome": outcome,
        })
    }

    /// The locations of rule `id`'s results in the SARIF of `report`: URI and start line.
    fn locations_of(report: &Report, id: &str) -> Vec<(String, Option<u64>)> {
        let doc: Value = serde_json::from_str(&render(report)).expect("SARIF is JSON");
        doc["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["ruleId"] == id)
            .flat_map(|r| r["locations"].as_array().expect("locations").clone())
            .map(|l| {
                let p = &l["physicalLocation"];
                let uri = p["artifactLocation"]["uri"].as_str().expect("a URI");
                (uri.to_string(), p["region"]["startLine"].as_u64())
            })
            .collect()
    }

    fn report_of(snapshot: &crate::snapshot::Snapshot, results: Vec<RuleResult>) -> Report {
        Report::new(snapshot, results, Default::default(), None)
    }

    #[test]
    fn a_missing_audit_watch_is_located_in_the_audit_rules() {
        let snap = crate::snapshot::Snapshot::new("/", "unix:///run/docker.sock", false);
        let docker_rules = "/etc/audit/rules.d/docker.rules";
        let results = vec![
            // No watch at all on dockerd.
            host_rule(
                "1.1.3",
                "fail",
                json!([watch("/usr/bin/dockerd", &[], "fail")]),
            ),
            // A persistent watch on containerd that is not loaded.
            host_rule(
                "1.1.4",
                "fail",
                json!([watch(
                    "/usr/bin/containerd",
                    &[&format!(
                        "-w /usr/bin/containerd -k docker ({docker_rules}:7)"
                    )],
                    "fail"
                )]),
            ),
            // Where the host keeps its watches: docker.rules twice, audit.rules once.
            host_rule(
                "1.1.5",
                "pass",
                json!([watch(
                    "/var/lib/docker",
                    &[&format!("-w /var/lib/docker -k docker ({docker_rules}:2)")],
                    "pass"
                )]),
            ),
            host_rule(
                "1.1.6",
                "pass",
                json!([watch(
                    "/etc/docker",
                    &[
                        "-w /etc/docker -k docker (/etc/audit/audit.rules:9)",
                        &format!("-w /etc/docker -k docker ({docker_rules}:3)"),
                    ],
                    "pass"
                )]),
            ),
        ];
        let report = report_of(&snap, results.clone());
        let uri = format!("file://{docker_rules}");
        assert_eq!(locations_of(&report, "1.1.3"), [(uri.clone(), None)]);
        assert_eq!(locations_of(&report, "1.1.4"), [(uri, Some(7))]);
        // Where no evidence names a rules file, the file that should be watched.
        let report = report_of(&snap, results[..1].to_vec());
        assert_eq!(
            locations_of(&report, "1.1.3"),
            [("file:///usr/bin/dockerd".to_string(), None)]
        );
    }

    #[test]
    fn a_rootless_daemon_s_finding_is_located_in_its_own_daemon_json() {
        let mut snap =
            crate::snapshot::Snapshot::new("/", "unix:///run/user/1000/docker.sock", false);
        snap.daemon.server = Some(crate::snapshot::ServerFacts {
            product: "Docker Engine".into(),
            version: "27.0.1".into(),
            dockerd: true,
            rootless: true,
        });
        // No daemon.json there: dockerd's defaults, and the one place it would read.
        let own = "/home/rl/.config/docker/daemon.json";
        snap.host
            .locations
            .insert("config:daemon.json".into(), None);
        snap.host
            .searched
            .insert("config:daemon.json".into(), vec![own.into()]);
        let icc = json!([{
            "fact": "daemon.settings.icc", "observed": true, "expected": "equal to false",
            "expected_text": "equal to false", "source": "dockerd default", "outcome": "fail",
        }]);
        let report = report_of(&snap, vec![host_rule("2.2", "fail", icc.clone())]);
        assert_eq!(report.run.daemon_json.as_deref(), Some(own));
        assert_eq!(
            locations_of(&report, "2.2"),
            [(format!("file://{own}"), None)]
        );
        // The file read, when there is one, is the one in force.
        snap.daemon.config_file = Some("/srv/docker.json".into());
        let report = report_of(&snap, vec![host_rule("2.2", "fail", icc.clone())]);
        assert_eq!(
            locations_of(&report, "2.2"),
            [("file:///srv/docker.json".to_string(), None)]
        );
        // Not known (an older report): the file a setting was read from, else the default.
        let mut report = report_of(&snap, vec![host_rule("2.2", "fail", icc)]);
        report.run.daemon_json = None;
        assert_eq!(
            locations_of(&report, "2.2"),
            [(format!("file://{ROOTFUL_DAEMON_JSON}"), None)]
        );
    }

    #[test]
    fn instances_are_relative_artifacts_that_do_not_climb() {
        assert_eq!(instance_uri("container", "web-1"), "container/web-1");
        assert_eq!(
            instance_uri("image", "registry.example.com/shop/web:1.0"),
            "image/registry.example.com/shop/web%3A1.0"
        );
        assert_eq!(
            instance_uri("container", "../x y"),
            "container/%28..%29/x%20y"
        );
        assert_eq!(instance_uri("image", "./."), "image/%28.%29/%28.%29");
    }
}
