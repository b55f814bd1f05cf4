//! XCCDF 1.2 results and benchmark, and ARF 1.1, written with quick-xml.
//!
//! The shapes follow `../shared/conformance/xccdf-notes.md` (what OpenSCAP 1.3.7, Heimdall
//! and Foreman accept):
//!
//! - [`results`]: ONE document, a `Benchmark` (status, title, description, reference,
//!   platform, version, metadata, scoring models, the Level 1 and Level 2 `Profile`s, one
//!   `Value` per rule parameter, one `Group` per CIS section holding its `Rule`s) whose last
//!   child is exactly one `TestResult`.
//! - [`benchmark`]: the same Benchmark without a TestResult (`bollwerk rules export`), e.g. as
//!   input for OpenSCAP's `autotailor`.
//! - [`arf`]: ARF 1.1 with the host as asset, the Benchmark as report-request and the
//!   TestResult as report, linked by `arfvocab:createdFor` and `arfvocab:isAbout`.
//!
//! Per-container and per-image rules get ONE rule-result per Rule (option A of the notes):
//! the result is the rule's status and every instance is one `<message>` line, failing ones
//! first. Scores (`urn:xccdf:scoring:default`, then `urn:xccdf:scoring:flat`) are computed
//! here as the notes' section 6 describes, all weights 1.0. No `<override>` is ever written.
//! Every string goes through [`xml::clean`], so host-supplied text with control characters
//! (ANSI escapes in names, evidence, hostnames) cannot make the output invalid XML, and
//! direction overrides in it are shown as `\u{202e}`, not applied.
//!
//! Identifiers are stable across runs and versions: `xccdf_dev.bollwerk_rule_<id>`,
//! `xccdf_dev.bollwerk_group_section-<n>`, `xccdf_dev.bollwerk_benchmark_cis-docker-1.8.0`,
//! `xccdf_dev.bollwerk_profile_level1` / `_level2`, `xccdf_dev.bollwerk_value_<param>` and
//! `xccdf_dev.bollwerk_testresult_scan-<start time>`.

pub mod xml;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value as Json;

use super::Report;
use crate::rules::model::{Rule, Severity, Status};
use crate::rules::params::{self, PARAMS};
use crate::rules::result::{Evidence, InstanceResult, RuleResult};
use crate::rules::RuleSet;
use xml::Xml;

/// The XCCDF 1.2 namespace.
pub const XCCDF_NS: &str = "http://checklists.nist.gov/xccdf/1.2";
/// The reverse-DNS part of every XCCDF id bollwerk writes.
pub const ID_NAMESPACE: &str = "dev.bollwerk";
/// Prefix of Rule ids; the bollwerk rule id follows (`xccdf_dev.bollwerk_rule_5.4`).
pub const RULE_PREFIX: &str = "xccdf_dev.bollwerk_rule_";
/// Prefix of Group ids; `section-<n>` follows.
pub const GROUP_PREFIX: &str = "xccdf_dev.bollwerk_group_";
/// Prefix of Value ids; the parameter name follows (`xccdf_dev.bollwerk_value_trusted-users`).
pub const VALUE_PREFIX: &str = "xccdf_dev.bollwerk_value_";
/// The Benchmark's id.
pub const BENCHMARK_ID: &str = "xccdf_dev.bollwerk_benchmark_cis-docker-1.8.0";
/// The Level 1 profile (level-1 rules selected, level-2 rules not).
pub const PROFILE_LEVEL1: &str = "xccdf_dev.bollwerk_profile_level1";
/// The Level 2 profile (every rule selected).
pub const PROFILE_LEVEL2: &str = "xccdf_dev.bollwerk_profile_level2";
/// `ident/@system` for CIS Docker Benchmark 1.8.0 ids.
pub const CIS_IDENT_SYSTEM: &str = "https://www.cisecurity.org/benchmark/docker";
/// `ident/@system` for CIS Docker Benchmark 1.6.0 ids (written where they differ).
pub const CIS_1_6_0_IDENT_SYSTEM: &str = "https://www.cisecurity.org/benchmark/docker/1.6.0";
/// `reference/@href` of NIST SP 800-53 controls, whose text is then the control id alone
/// (`AC-6`), as ComplianceAsCode writes them: importers (MITRE SAF) read NIST tags from it.
pub const NIST_800_53_HREF: &str = "https://csrc.nist.gov/pubs/sp/800/53/r5/upd1/final";
/// `reference/@href` of references that are neither links nor a known catalogue: every
/// reference carries an `href`, as MITRE SAF's converter crashes on one without.
pub const OTHER_REFERENCE_HREF: &str = "https://bollwerk.dev/xccdf/reference";

const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub(crate) const ARF_NS: &str = "http://scap.nist.gov/schema/asset-reporting-format/1.1";
pub(crate) const CORE_NS: &str = "http://scap.nist.gov/schema/reporting-core/1.1";
pub(crate) const AI_NS: &str = "http://scap.nist.gov/schema/asset-identification/1.1";
pub(crate) const ARFVOCAB_NS: &str =
    "http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#";
/// A CPE 2.2 URI platform: it also yields the one benign schematron warning that keeps
/// OpenSCAP 1.3's validator from reporting a finding-free document as invalid.
const PLATFORM: &str = "cpe:/a:docker:docker";
/// Base of the URIs bollwerk coins for facts and its check system.
const URI_BASE: &str = "https://bollwerk.dev/xccdf/";
const FACT_NS: &str = "https://bollwerk.dev/xccdf/fact/";
/// `check/@system`: bollwerk's own rule engine (not OVAL or SCE, so tools only display it).
const CHECK_SYSTEM: &str = "https://bollwerk.dev/xccdf/check";
const DEFAULT_MODEL: &str = "urn:xccdf:scoring:default";
const FLAT_MODEL: &str = "urn:xccdf:scoring:flat";
const WEIGHT: &str = "1.0";
/// ARF ids.
const ARF_REQUEST_ID: &str = "collection1";
const ARF_ASSET_ID: &str = "asset0";
const ARF_REPORT_ID: &str = "xccdf1";

/// The title of a CIS Docker Benchmark 1.8.0 section (`BW` for bollwerk's own rules).
pub fn section_title(section: &str) -> String {
    match section {
        "1" => "Host Configuration".into(),
        "2" => "Docker daemon configuration".into(),
        "3" => "Docker daemon configuration files".into(),
        "4" => "Container Images and Build File".into(),
        "5" => "Container Runtime".into(),
        "6" => "Docker Security Operations".into(),
        "7" => "Docker Swarm Configuration".into(),
        "BW" => "bollwerk checks beyond the CIS Benchmark".into(),
        other => format!("Section {other}"),
    }
}

/// A label naming a section and its title: `CIS 5 Container Runtime`,
/// `BW bollwerk checks beyond the CIS Benchmark`.
pub fn section_label(section: &str) -> String {
    if section.chars().all(|c| c.is_ascii_digit()) {
        format!("CIS {section} {}", section_title(section))
    } else {
        format!("{section} {}", section_title(section))
    }
}

/// The XCCDF id of a bollwerk rule.
pub fn rule_id(id: &str) -> String {
    format!("{RULE_PREFIX}{}", id_part(id))
}

/// The XCCDF id of a section's Group.
pub fn group_id(section: &str) -> String {
    format!("{GROUP_PREFIX}section-{}", id_part(section))
}

/// The XCCDF id of a rule parameter's Value.
pub fn value_id(param: &str) -> String {
    format!("{VALUE_PREFIX}{}", id_part(param))
}

/// Keeps an id component an NCName tail: letters, digits, `.`, `-` and `_`; anything else
/// becomes `-`.
fn id_part(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

/// What the Benchmark says about one rule, built from a [`Rule`] (export) or a
/// [`RuleResult`] (results), so that both write the same Rule elements.
struct RuleMeta<'a> {
    /// bollwerk's rule id (the CIS 1.8.0 id or `BW-…`), whatever numbering the report uses:
    /// XCCDF ids and tailoring files refer to it.
    id: &'a str,
    /// The rule's id in another benchmark where it differs (never `-`): the CIS 1.6.0 id, or
    /// under `--benchmark` that benchmark's.
    id_1_6_0: Option<&'a str>,
    /// `ident/@system` of `id_1_6_0`.
    alt_system: std::borrow::Cow<'a, str>,
    section: String,
    title: &'a str,
    description: &'a str,
    rationale: &'a str,
    impact: Option<&'a str>,
    remediation: &'a str,
    level: u8,
    severity: Severity,
    references: &'a [String],
}

/// A CIS 1.6.0 id worth writing: present, not `-` (new in 1.8.0), different from `id`.
fn old_id<'a>(id: &str, old: Option<&'a str>) -> Option<&'a str> {
    old.filter(|o| *o != "-" && !o.is_empty() && *o != id)
}

impl<'a> From<&'a Rule> for RuleMeta<'a> {
    fn from(r: &'a Rule) -> Self {
        RuleMeta {
            id: &r.id,
            id_1_6_0: old_id(&r.id, r.id_1_6_0.as_deref()),
            alt_system: CIS_1_6_0_IDENT_SYSTEM.into(),
            section: r.section().to_string(),
            title: &r.title,
            description: &r.description,
            rationale: &r.rationale,
            impact: r.impact.as_deref(),
            remediation: &r.remediation,
            level: r.level,
            severity: r.severity,
            references: &r.references,
        }
    }
}

impl<'a> From<&'a RuleResult> for RuleMeta<'a> {
    fn from(r: &'a RuleResult) -> Self {
        let (id, old) = ids(r);
        RuleMeta {
            id,
            id_1_6_0: old,
            alt_system: CIS_1_6_0_IDENT_SYSTEM.into(),
            section: r.section.clone(),
            title: &r.title,
            description: &r.description,
            rationale: &r.rationale,
            impact: r.impact.as_deref(),
            remediation: &r.remediation,
            level: r.level,
            severity: r.severity,
            references: &r.references,
        }
    }
}

impl<'a> From<&'a super::RuleText> for RuleMeta<'a> {
    fn from(r: &'a super::RuleText) -> Self {
        RuleMeta {
            id: &r.id,
            id_1_6_0: old_id(&r.id, r.id_1_6_0.as_deref()),
            alt_system: CIS_1_6_0_IDENT_SYSTEM.into(),
            section: r.section.clone(),
            title: &r.title,
            description: &r.description,
            rationale: &r.rationale,
            impact: r.impact.as_deref(),
            remediation: &r.remediation,
            level: r.level,
            severity: r.severity,
            references: &r.references,
        }
    }
}

/// A rule of a report's Benchmark: evaluated, or left out by the tailoring.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Evaluated(&'a RuleResult),
    NotSelected(&'a super::RuleText),
}

impl Entry<'_> {
    fn section(&self) -> &str {
        match self {
            Entry::Evaluated(r) => &r.section,
            Entry::NotSelected(r) => &r.section,
        }
    }
}

/// Every rule a report's Benchmark holds: its results, then those the tailoring left out.
/// The Benchmark's Groups and the TestResult's rule-results both follow this list grouped by
/// section, so that they come in the same order.
fn entries(report: &Report) -> Vec<Entry<'_>> {
    report
        .results
        .iter()
        .map(Entry::Evaluated)
        .chain(report.not_selected.iter().map(Entry::NotSelected))
        .collect()
}

/// The Rule texts of [`entries`].
fn report_rules(report: &Report) -> Vec<RuleMeta<'_>> {
    entries(report)
        .into_iter()
        .map(|e| match e {
            Entry::Evaluated(r) => RuleMeta {
                alt_system: alt_system(report),
                ..RuleMeta::from(r)
            },
            Entry::NotSelected(r) => RuleMeta::from(r),
        })
        .collect()
}

/// `ident/@system` of the other id [`ids`] gives for the results of `report`: the system its
/// `--benchmark` declares (a URN of its name if it declares none), else CIS 1.6.0's.
fn alt_system(report: &Report) -> std::borrow::Cow<'_, str> {
    match &report.numbering {
        Some(n) => match &n.ident_system {
            Some(system) => system.as_str().into(),
            None => format!("urn:bollwerk:benchmark:{}", n.benchmark).into(),
        },
        None => CIS_1_6_0_IDENT_SYSTEM.into(),
    }
}

/// A result's bollwerk rule id and its CIS 1.6.0 id (where it differs), for reports in
/// either numbering: under 1.6.0 numbering `id` is the 1.6.0 id and `id_1_8_0` bollwerk's.
fn ids(r: &RuleResult) -> (&str, Option<&str>) {
    match r.id_1_8_0.as_deref() {
        Some(canonical) => (canonical, old_id(canonical, Some(&r.id))),
        None => (&r.id, old_id(&r.id, r.id_1_6_0.as_deref())),
    }
}

/// Items grouped by section, sections in order of first appearance, items in their order.
fn by_section<T>(items: &[T], section: impl Fn(&T) -> &str) -> Vec<(String, Vec<&T>)> {
    let mut groups: Vec<(String, Vec<&T>)> = Vec::new();
    for item in items {
        let s = section(item);
        match groups.iter_mut().find(|(name, _)| name == s) {
            Some((_, members)) => members.push(item),
            None => groups.push((s.to_string(), vec![item])),
        }
    }
    groups
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
    }
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Facts about the Benchmark that differ between results and export.
struct BenchmarkHead<'a> {
    /// The benchmark followed (`CIS Docker Benchmark v1.8.0`).
    benchmark: &'a str,
    /// The rule set's version.
    version: &'a str,
    /// The tailoring's Profile, written beside Level 1 and 2 so that results can name it.
    tailored: Option<Tailored<'a>>,
}

/// A tailoring's Profile as results record it: its id, the profile it extends, and the rules
/// it leaves out.
struct Tailored<'a> {
    id: &'a str,
    extends: Option<&'a str>,
    not_selected: Vec<&'a str>,
}

impl<'a> Tailored<'a> {
    fn of(report: &'a Report) -> Option<Tailored<'a>> {
        Some(Tailored {
            id: report.run.options.tailoring_profile.as_deref()?,
            extends: report.run.options.tailoring_extends.as_deref(),
            not_selected: report.not_selected.iter().map(|r| r.id.as_str()).collect(),
        })
    }
}

/// Writes the Benchmark; `test_result` writes its last children (the TestResult), if any.
fn write_benchmark(
    x: &mut Xml,
    head: &BenchmarkHead,
    rules: &[RuleMeta],
    test_result: Option<&dyn Fn(&mut Xml)>,
) {
    x.open(
        "Benchmark",
        &[
            ("xmlns", XCCDF_NS),
            ("xmlns:dc", DC_NS),
            ("id", BENCHMARK_ID),
            ("resolved", "true"),
            ("xml:lang", "en"),
        ],
    );
    x.leaf("status", &[], "accepted");
    x.leaf(
        "title",
        &[],
        &format!(
            "bollwerk: Docker host audit following the {}",
            head.benchmark
        ),
    );
    x.leaf(
        "description",
        &[],
        &format!(
            "Automated audit of a Docker Engine host, its daemon, containers and images by \
             bollwerk, following the {}. Rule ids are the benchmark's section numbers; ids \
             starting with BW are bollwerk's own checks. Each Group is one section of the \
             benchmark.",
            head.benchmark
        ),
    );
    x.leaf("reference", &[("href", CIS_IDENT_SYSTEM)], head.benchmark);
    x.empty("platform", &[("idref", PLATFORM)]);
    x.leaf("version", &[], head.version);
    x.open("metadata", &[]);
    x.leaf("dc:creator", &[], "bollwerk");
    x.leaf("dc:publisher", &[], "bollwerk");
    x.leaf("dc:source", &[], head.benchmark);
    x.close("metadata");
    x.empty("model", &[("system", DEFAULT_MODEL)]);
    x.empty("model", &[("system", FLAT_MODEL)]);

    for (profile, level, title, description) in [
        (
            PROFILE_LEVEL1,
            1u8,
            "CIS Level 1 - Docker",
            "Level 1 recommendations: practical, prudent settings that do not noticeably reduce \
             the usefulness of the host. Level 2 rules are not selected.",
        ),
        (
            PROFILE_LEVEL2,
            2u8,
            "CIS Level 2 - Docker",
            "Level 1 and Level 2 recommendations: defence in depth for environments that \
             need more security, possibly at the cost of functionality.",
        ),
    ] {
        x.open("Profile", &[("id", profile)]);
        x.leaf("title", &[], title);
        x.leaf("description", &[], description);
        for r in rules {
            let selected = if r.level <= level { "true" } else { "false" };
            x.empty(
                "select",
                &[("idref", &rule_id(r.id)), ("selected", selected)],
            );
        }
        x.close("Profile");
    }
    if let Some(t) = &head.tailored {
        let mut attrs = vec![("id", t.id)];
        if let Some(base) = t.extends {
            attrs.push(("extends", base));
        }
        x.open("Profile", &attrs);
        x.leaf("title", &[], &format!("Tailored profile {}", t.id));
        x.leaf(
            "description",
            &[],
            "The profile of the tailoring file the scan applied (--tailoring): the rules it \
             leaves out are recorded as notselected.",
        );
        for r in rules {
            let selected = if t.not_selected.contains(&r.id) {
                "false"
            } else {
                "true"
            };
            x.empty(
                "select",
                &[("idref", &rule_id(r.id)), ("selected", selected)],
            );
        }
        x.close("Profile");
    }

    for spec in PARAMS {
        let param = &spec.name;
        let default = (spec.default)();
        let kind = match default {
            Some(Json::Number(_)) => "number",
            _ => "string",
        };
        x.open("Value", &[("id", &value_id(param)), ("type", kind)]);
        x.leaf("title", &[], param);
        x.leaf(
            "description",
            &[],
            &format!(
                "Rule parameter {param}: {}. Lists are comma-separated. Set it with \
                 bollwerk's config file or a tailoring file (set-value).",
                spec.doc
            ),
        );
        x.leaf(
            "value",
            &[],
            &default.as_ref().map(param_text).unwrap_or_default(),
        );
        x.close("Value");
    }

    for (section, members) in by_section(rules, |r| &r.section) {
        x.open("Group", &[("id", &group_id(&section))]);
        x.leaf("title", &[], &section_label(&section));
        x.leaf(
            "description",
            &[],
            &format!(
                "Section {section} of the {}: {}.",
                head.benchmark,
                section_title(&section)
            ),
        );
        for r in members {
            write_rule(x, r);
        }
        x.close("Group");
    }

    if let Some(write) = test_result {
        write(x);
    }
    x.close("Benchmark");
}

/// A parameter value as XCCDF text: lists comma-separated, strings as they are.
fn param_text(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(items) => items
            .iter()
            .map(|i| match i {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// The ids of a rule: its CIS 1.8.0 id (bollwerk's CIS rule ids are), and `alt`, its id in
/// another benchmark where it differs, under that benchmark's `system`.
fn idents(x: &mut Xml, id: &str, alt: Option<&str>, system: &str) {
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        x.leaf("ident", &[("system", CIS_IDENT_SYSTEM)], id);
    }
    if let Some(other) = alt {
        x.leaf("ident", &[("system", system)], other);
    }
}

/// `<check>` naming the bollwerk rule that decides the XCCDF Rule.
fn check(x: &mut Xml, id: &str) {
    x.open("check", &[("system", CHECK_SYSTEM)]);
    x.empty(
        "check-content-ref",
        &[("href", &format!("{URI_BASE}rules")), ("name", id)],
    );
    x.close("check");
}

/// `xml:lang` on a Rule's text elements. The Benchmark's own `xml:lang` is inherited by XML's
/// rules, but MITRE SAF's converter reads fix text and rationale only from elements that carry
/// attributes, so each says its language itself.
const LANG: (&str, &str) = ("xml:lang", "en");

/// A rule file reference as XCCDF `reference` (href, text): a link is its own href; `NIST SP
/// 800-53 AC-6` becomes the control id under the catalogue's href; `CIS Docker Benchmark
/// 1.8.0 §5.4` keeps its text under the benchmark's href; anything else keeps its text under
/// [`OTHER_REFERENCE_HREF`].
pub fn reference_parts(reference: &str) -> (&str, &str) {
    let text = reference.trim();
    if (text.starts_with("https://") || text.starts_with("http://"))
        && !text.contains(char::is_whitespace)
    {
        (text, text)
    } else if let Some(control) = text.strip_prefix("NIST SP 800-53 ") {
        (NIST_800_53_HREF, control.trim())
    } else if text.starts_with("CIS Docker Benchmark") {
        (CIS_IDENT_SYSTEM, text)
    } else {
        (OTHER_REFERENCE_HREF, text)
    }
}

fn write_rule(x: &mut Xml, r: &RuleMeta) {
    x.open(
        "Rule",
        &[
            ("id", &rule_id(r.id)),
            ("selected", "true"),
            ("severity", severity_str(r.severity)),
            ("weight", WEIGHT),
            ("role", "full"),
        ],
    );
    x.leaf("title", &[LANG], r.title);
    x.leaf("description", &[LANG], r.description);
    if let Some(impact) = r.impact {
        x.leaf("warning", &[("category", "functionality"), LANG], impact);
    }
    for reference in r.references {
        let (href, text) = reference_parts(reference);
        x.leaf("reference", &[("href", href)], text);
    }
    x.leaf("rationale", &[LANG], r.rationale);
    idents(x, r.id, r.id_1_6_0, &r.alt_system);
    // NIST controls as idents too: MITRE SAF takes a control's NIST tags from its `ident`
    // elements whenever it has any (the CIS ids), and never reads the references then.
    for reference in r.references {
        if let (NIST_800_53_HREF, control) = reference_parts(reference) {
            x.leaf("ident", &[("system", NIST_800_53_HREF)], control);
        }
    }
    x.leaf("fixtext", &[LANG], r.remediation);
    check(x, r.id);
    x.close("Rule");
}

/// XCCDF 1.2 results: the Benchmark holding the evaluated rules, with exactly one
/// TestResult as its last child.
pub fn results(report: &Report) -> String {
    results_with(report, &Messages::of(report))
}

/// [`results`] with message lines already made.
pub fn results_with(report: &Report, messages: &Messages) -> String {
    let mut x = Xml::new();
    x.comment(&format!(
        "bollwerk {} XCCDF 1.2 results for {}",
        report.tool.version, report.run.hostname
    ));
    let metas = report_rules(report);
    let head = BenchmarkHead {
        benchmark: &report.benchmark,
        version: &report.tool.rules_version,
        tailored: Tailored::of(report),
    };
    write_benchmark(
        &mut x,
        &head,
        &metas,
        Some(&|x: &mut Xml| write_test_result(x, report, None, messages)),
    );
    x.finish()
}

/// The Benchmark alone, for `bollwerk rules export`: every rule of `rules`, the profiles
/// and values, no TestResult.
pub fn benchmark(rules: &RuleSet) -> String {
    let mut x = Xml::new();
    x.comment(&format!(
        "bollwerk {} rule set as an XCCDF 1.2 Benchmark",
        env!("CARGO_PKG_VERSION")
    ));
    let metas: Vec<RuleMeta> = rules.rules.iter().map(RuleMeta::from).collect();
    let head = BenchmarkHead {
        benchmark: super::BENCHMARK,
        version: env!("CARGO_PKG_VERSION"),
        tailored: None,
    };
    write_benchmark(&mut x, &head, &metas, None);
    x.finish()
}

/// The TestResult's id: stable for one report (derived from the scan's start time).
pub fn test_result_id(report: &Report) -> String {
    format!(
        "xccdf_dev.bollwerk_testresult_scan-{}",
        report.run.started_at.format("%Y%m%dT%H%M%SZ")
    )
}

/// The account identity written into the TestResult: (name, privileged).
///
/// The report does not record who ran the scan, so this is the account rendering it,
/// which for `scan` is the account that scanned.
/// Who ran the scan, from the report (older reports: whoever renders it).
fn identity(report: &Report) -> (String, bool) {
    let user = report
        .run
        .user
        .clone()
        .unwrap_or_else(super::RunUser::current);
    let privileged = user.uid == 0;
    (user.name, privileged)
}

/// The addresses of the host, loopback and unparsable ones left out, in report order.
fn addresses(report: &Report) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for i in &report.run.interfaces {
        for a in &i.addresses {
            if let Some(ip) = parse_ip(a) {
                if !ip.is_loopback() && !out.contains(&ip) {
                    out.push(ip);
                }
            }
        }
    }
    out
}

/// Parses an address, ignoring a zone (`%eth0`) or prefix length (`/64`).
fn parse_ip(a: &str) -> Option<IpAddr> {
    a.split(['%', '/']).next()?.trim().parse().ok()
}

/// An IPv6 address with all 8 groups, as ARF's `ai:ip-v6` pattern demands.
fn ipv6_full(ip: &Ipv6Addr) -> String {
    ip.segments()
        .iter()
        .map(|s| format!("{s:x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// A host name that fits ARF's `ai:hostname` pattern `[\w\-]+(\.[\w\-]+)*`: control
/// characters dropped, other characters outside letters, digits and `-` replaced by `-`,
/// empty labels removed. `None` when nothing is left.
pub fn arf_hostname(name: &str) -> Option<String> {
    let cleaned = xml::clean(name);
    let labels: Vec<String> = cleaned
        .split('.')
        .map(|label| {
            label
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .filter(|l| !l.is_empty())
        .collect();
    (!labels.is_empty()).then(|| labels.join("."))
}

/// The XCCDF result value of a status (one to one).
fn result_str(s: Status) -> &'static str {
    s.as_str()
}

/// `<message>` severity for a status.
fn message_severity(s: Status) -> &'static str {
    match s {
        Status::Fail => "warning",
        Status::Error => "error",
        _ => "info",
    }
}

/// Longest value a message shows, in characters.
const SHOWN_CHARS: usize = 160;

/// A value as messages show it: strings quoted, null as `nothing`, long ones shortened.
/// Large values (a whole mount list) are written only as far as they are shown.
fn compact(v: &Json) -> String {
    /// Takes characters until it holds one more than is shown, then refuses the rest.
    struct Bounded {
        text: String,
        chars: usize,
    }
    impl std::fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for c in s.chars() {
                if self.chars > SHOWN_CHARS {
                    return Err(std::fmt::Error);
                }
                self.text.push(c);
                self.chars += 1;
            }
            Ok(())
        }
    }
    let mut out = Bounded {
        text: String::new(),
        chars: 0,
    };
    use std::fmt::Write as _;
    // An Err only means the value was longer than is shown.
    let _ = match v {
        Json::Null => out.write_str("nothing"),
        Json::String(s) => write!(out, "\"{s}\""),
        other => write!(out, "{other}"),
    };
    if out.chars > SHOWN_CHARS {
        let cut: String = out.text.chars().take(SHOWN_CHARS).collect();
        format!("{cut}…")
    } else {
        out.text
    }
}

fn evidence_text(e: &Evidence<'_>) -> String {
    let mut out = String::new();
    push_evidence(&mut out, e);
    out
}

/// Appends [`evidence_text`] of `e` to `out`.
fn push_evidence(out: &mut String, e: &Evidence<'_>) {
    out.push_str(e.fact());
    out.push_str(": found ");
    out.push_str(&compact(&e.observed()));
    out.push_str(", expected ");
    out.push_str(e.expected_for_people());
}

/// One message line for an instance:
/// `fail: container web (id 3f2a1b2c3d4e): container.inspect.HostConfig.Privileged: found
/// true, expected equal to false`.
pub fn instance_line(i: &InstanceResult) -> String {
    let mut out = instance_line_plain(i);
    if let Some(e) = &i.exception {
        out.push_str(" [");
        out.push_str(&e.sentence());
        out.push(']');
    }
    out
}

fn instance_line_plain(i: &InstanceResult) -> String {
    let mut out = String::with_capacity(160);
    out.push_str(i.status.as_str());
    out.push_str(": ");
    out.push_str(i.kind());
    out.push(' ');
    out.push_str(i.name());
    // The short id: 12 hex digits, without `sha256:`.
    out.push_str(" (id ");
    let id = i.id().strip_prefix("sha256:").unwrap_or(i.id());
    out.extend(id.chars().take(12));
    out.push(')');
    let matching = || i.evidence.iter().filter(|e| e.outcome == i.status);
    let mut details: Box<dyn Iterator<Item = Evidence<'_>>> = match i.status {
        Status::Pass | Status::Fail if matching().next().is_some() => Box::new(matching()),
        _ => match &i.message {
            Some(m) => {
                out.push_str(": ");
                out.push_str(m);
                return out;
            }
            None => Box::new(i.evidence.iter()),
        },
    };
    if let Some(first) = details.next() {
        out.push_str(": ");
        push_evidence(&mut out, &first);
        for e in details {
            out.push_str("; ");
            push_evidence(&mut out, &e);
        }
    }
    out
}

/// The message lines of a rule's result as (XCCDF message severity, text): the rule's
/// message, then one line per container or image (failing ones first) or, for host and
/// daemon rules, one line per piece of evidence (failing ones first).
pub fn message_lines(r: &RuleResult) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(e) = &r.exception {
        out.push(("info", e.sentence()));
    }
    if r.instances.is_empty() {
        // A failure's message is often its evidence's own sentence; say it once.
        if let Some(m) = r
            .message
            .as_ref()
            .filter(|m| !r.evidence.iter().any(|e| evidence_text(&e) == **m))
        {
            out.push((message_severity(r.status), m.clone()));
        }
        let mut evidence: Vec<Evidence<'_>> = r.evidence.iter().collect();
        evidence.sort_by_key(|e| std::cmp::Reverse(e.outcome.badness()));
        for e in evidence {
            out.push((
                message_severity(e.outcome),
                format!(
                    "{}: {} (source: {})",
                    e.outcome,
                    evidence_text(&e),
                    e.source()
                ),
            ));
        }
    } else {
        if let Some(m) = &r.message {
            out.push((message_severity(r.status), m.clone()));
        }
        let mut instances: Vec<&InstanceResult> = r.instances.iter().collect();
        instances.sort_by_key(|i| std::cmp::Reverse(i.status.badness()));
        for i in instances {
            out.push((message_severity(i.status), instance_line(i)));
        }
    }
    out
}

/// [`message_lines`] of `r` with the lines of instances that passed, do not apply, need a
/// person or only inform replaced by one line counting them.
fn fleet_lines(r: &RuleResult) -> Vec<(&'static str, String)> {
    if r.instances.is_empty() {
        return message_lines(r);
    }
    let mut out = Vec::new();
    if let Some(m) = &r.message {
        out.push((message_severity(r.status), m.clone()));
    }
    let mut instances: Vec<&InstanceResult> = r.instances.iter().collect();
    instances.sort_by_key(|i| std::cmp::Reverse(i.status.badness()));
    let mut others: BTreeMap<Status, usize> = BTreeMap::new();
    for i in instances {
        if matches!(i.status, Status::Fail | Status::Error) {
            out.push((message_severity(i.status), instance_line(i)));
        } else {
            *others.entry(i.status).or_default() += 1;
        }
    }
    if !others.is_empty() {
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|s| others.get(s).map(|n| format!("{n} {s}")))
            .collect();
        out.push((
            "info",
            format!(
                "also {} (containers and images, listed one by one in the host's own report)",
                counts.join(", ")
            ),
        ));
    }
    out
}

/// Every result's [`message_lines`], made once per report: XCCDF, ARF and JUnit show the same
/// lines, and making them is most of the cost of writing those formats.
#[derive(Default)]
pub struct Messages<'r> {
    by_rule: std::collections::HashMap<&'r str, Vec<(&'static str, String)>>,
}

impl<'r> Messages<'r> {
    /// The message lines of every result of `report`.
    pub fn of(report: &'r Report) -> Messages<'r> {
        Messages {
            by_rule: report
                .results
                .iter()
                .map(|r| (r.id.as_str(), message_lines(r)))
                .collect(),
        }
    }

    /// The lines of every result of `report` as a fleet shows them: per-container and
    /// per-image rules keep the lines of instances that failed or could not be checked and
    /// say how many others there were in one line; host and daemon rules keep every line. A
    /// fleet of a thousand hosts would otherwise carry a few million lines saying "pass";
    /// each host's own report still lists every instance.
    pub fn for_fleet(report: &'r Report) -> Messages<'r> {
        Messages {
            by_rule: report
                .results
                .iter()
                .map(|r| (r.id.as_str(), fleet_lines(r)))
                .collect(),
        }
    }

    /// The fleet lines of one result (see [`Messages::for_fleet`]).
    pub fn for_fleet_result(r: &RuleResult) -> Vec<(&'static str, String)> {
        fleet_lines(r)
    }

    /// The lines of `r` (none for a result of another report).
    pub fn of_rule(&self, r: &RuleResult) -> &[(&'static str, String)] {
        self.by_rule.get(r.id.as_str()).map_or(&[], Vec::as_slice)
    }
}

/// Whether a result counts in scoring (pass, fail, error).
fn counted(s: Status) -> bool {
    matches!(s, Status::Pass | Status::Fail | Status::Error)
}

/// Scores of the results: (default score out of 100, flat score, flat maximum), computed as
/// `xccdf-notes.md` section 6 describes with every weight 1.0. Default: a rule scores 100
/// when it passes and 0 when it fails or errs; a Group is the mean of its counted rules; the
/// Benchmark is the mean of the Groups that counted anything. Flat: passed rules out of
/// counted rules.
/// A waived rule (every failure covered by an exception in force) scores as passed, as its
/// rule-result says (its messages name the exception).
pub fn scores(results: &[RuleResult]) -> (f64, f64, f64) {
    scores_of(
        results
            .iter()
            .map(|r| (r.section.as_str(), scored_status(r))),
    )
}

/// The status a rule scores with: a waived failure as passed.
pub fn scored_status(r: &RuleResult) -> Status {
    if r.waived {
        Status::Pass
    } else {
        r.status
    }
}

/// [`scores`] of (section, status) pairs, for callers that hold only those.
pub fn scores_of<'s>(results: impl Iterator<Item = (&'s str, Status)>) -> (f64, f64, f64) {
    // (section, passed, counted), in order of first appearance.
    let mut sections: Vec<(&str, usize, usize)> = Vec::new();
    for (section, status) in results {
        let at = match sections.iter().position(|(s, _, _)| *s == section) {
            Some(at) => at,
            None => {
                sections.push((section, 0, 0));
                sections.len() - 1
            }
        };
        if counted(status) {
            sections[at].2 += 1;
            if status == Status::Pass {
                sections[at].1 += 1;
            }
        }
    }
    let mut group_scores = Vec::new();
    let (mut flat, mut flat_max) = (0.0, 0.0);
    for (_, passed, counted) in sections {
        if counted == 0 {
            continue;
        }
        group_scores.push(100.0 * passed as f64 / counted as f64);
        flat += passed as f64;
        flat_max += counted as f64;
    }
    let default = if group_scores.is_empty() {
        0.0
    } else {
        group_scores.iter().sum::<f64>() / group_scores.len() as f64
    };
    (default, flat, flat_max)
}

fn decimal(v: f64) -> String {
    format!("{v:.6}")
}

/// Writes the TestResult; `arf` (asset id, TestResult id) declares the namespace on it and
/// links it to that ARF asset.
fn write_test_result(x: &mut Xml, report: &Report, arf: Option<(&str, &str)>, messages: &Messages) {
    let run = &report.run;
    let tr_id = match arf {
        Some((_, id)) => id.to_string(),
        None => test_result_id(report),
    };
    let start = time(&run.started_at);
    let end = time(&run.finished_at);
    // A CPE 2.2 URI, the form STIG-oriented importers parse (`cpe:/a:vendor:product:version`).
    let test_system = format!("cpe:/a:bollwerk:bollwerk:{}", report.tool.version);
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if arf.is_some() {
        attrs.push(("xmlns", XCCDF_NS));
    }
    attrs.extend([
        ("id", tr_id.as_str()),
        ("start-time", start.as_str()),
        ("end-time", end.as_str()),
        ("test-system", test_system.as_str()),
        ("version", report.tool.rules_version.as_str()),
    ]);
    x.open("TestResult", &attrs);
    x.empty(
        "benchmark",
        &[("href", &format!("#{BENCHMARK_ID}")), ("id", BENCHMARK_ID)],
    );
    x.leaf("title", &[], &format!("bollwerk scan of {}", run.hostname));
    let (user, privileged) = identity(report);
    x.leaf(
        "identity",
        &[
            ("authenticated", "true"),
            ("privileged", if privileged { "true" } else { "false" }),
        ],
        &user,
    );
    match (&run.options.tailoring_profile, run.options.level) {
        (Some(tailored), _) => x.empty("profile", &[("idref", tailored)]),
        (None, Some(1)) => x.empty("profile", &[("idref", PROFILE_LEVEL1)]),
        (None, Some(2)) => x.empty("profile", &[("idref", PROFILE_LEVEL2)]),
        _ => {}
    }
    let target = if run.hostname.trim().is_empty() {
        "unknown host"
    } else {
        run.hostname.as_str()
    };
    x.leaf("target", &[], target);
    let ips = addresses(report);
    for ip in &ips {
        x.leaf("target-address", &[], &ip.to_string());
    }
    x.open("target-facts", &[]);
    let fact = |x: &mut Xml, name: &str, value: &str| {
        x.leaf("fact", &[("name", name), ("type", "string")], value);
    };
    fact(
        x,
        "urn:xccdf:fact:asset:identifier:host_name",
        &run.hostname,
    );
    if let Some(fqdn) = &run.fqdn {
        fact(x, "urn:xccdf:fact:asset:identifier:fqdn", fqdn);
    }
    for ip in &ips {
        let kind = if ip.is_ipv4() { "ipv4" } else { "ipv6" };
        fact(
            x,
            &format!("urn:xccdf:fact:asset:identifier:{kind}"),
            &ip.to_string(),
        );
    }
    let mut macs: Vec<String> = Vec::new();
    for i in &run.interfaces {
        if let Some(mac) = i.mac.as_deref().filter(|m| valid_mac(m)) {
            let mac = mac.to_ascii_uppercase();
            if !macs.contains(&mac) {
                fact(x, "urn:xccdf:fact:ethernet:MAC", &mac);
                macs.push(mac);
            }
        }
    }
    if let Some(os) = &run.os {
        fact(x, &format!("{FACT_NS}os"), os);
    }
    if let Some(kernel) = &run.kernel {
        fact(x, &format!("{FACT_NS}kernel"), kernel);
    }
    if let Some(v) = &run.daemon_version {
        fact(x, &format!("{FACT_NS}docker_engine_version"), v);
    }
    if let Some(engine) = run.engine_label() {
        fact(x, &format!("{FACT_NS}engine"), &engine);
    }
    fact(x, &format!("{FACT_NS}docker_host"), &run.docker_host);
    fact(x, &format!("{FACT_NS}host_root"), &run.host_root);
    // The scan's own remarks travel as facts: OpenSCAP reads a TestResult's `remark`
    // elements with a warning ("unknown element"), facts it reads and shows.
    if let Some(t) = &run.options.tailoring {
        fact(x, &format!("{FACT_NS}tailoring_file"), t);
    }
    for e in &report.collection_errors {
        fact(
            x,
            &format!("{FACT_NS}collection_error"),
            &format!("could not collect {}: {}", e.fact, e.message),
        );
    }
    for n in &report.notes {
        fact(x, &format!("{FACT_NS}note"), n);
    }
    x.close("target-facts");
    if let Some((asset, _)) = arf {
        x.empty(
            "target-id-ref",
            &[("system", AI_NS), ("href", ""), ("name", asset)],
        );
    }
    let mut values: Vec<(String, String)> = run
        .options
        .params
        .iter()
        .filter(|(name, v)| params::is_known(name) && !v.is_null())
        .map(|(name, v)| (name.clone(), param_text(v)))
        .collect();
    if let Some(users) = &run.options.trusted_users {
        if !values.iter().any(|(name, _)| name == "trusted-users") {
            values.insert(0, ("trusted-users".into(), users.join(",")));
        }
    }
    for (name, value) in values {
        x.leaf("set-value", &[("idref", &value_id(&name))], &value);
    }

    let time_attr = end.clone();
    let all = entries(report);
    for (_, members) in by_section(&all, |e| e.section()) {
        for entry in members {
            let r = match entry {
                Entry::Evaluated(r) => r,
                Entry::NotSelected(r) => {
                    write_not_selected(x, r, &time_attr);
                    continue;
                }
            };
            x.open(
                "rule-result",
                &[
                    ("idref", &rule_id(ids(r).0)),
                    ("role", "full"),
                    ("severity", severity_str(r.severity)),
                    ("time", &time_attr),
                    ("weight", WEIGHT),
                ],
            );
            // A waived rule scores as passed, and a message records the accepted risk. No
            // `<override>`: OpenSCAP's schematron then rejects every other rule-result
            // (xccdf-notes.md, 5).
            x.leaf("result", &[], result_str(scored_status(r)));
            let (id, old) = ids(r);
            idents(x, id, old, &alt_system(report));
            if let Some(line) = r.waived.then(|| accepted_risk(r, report)).flatten() {
                x.leaf("message", &[("severity", "info")], &line);
            }
            for (severity, text) in messages.of_rule(r) {
                x.leaf("message", &[("severity", severity)], text);
            }
            check(x, ids(r).0);
            x.close("rule-result");
        }
    }

    let (default, flat, flat_max) = scores(&report.results);
    x.leaf(
        "score",
        &[("system", DEFAULT_MODEL), ("maximum", &decimal(100.0))],
        &decimal(default),
    );
    x.leaf(
        "score",
        &[("system", FLAT_MODEL), ("maximum", &decimal(flat_max))],
        &decimal(flat),
    );
    x.close("TestResult");
}

/// What XCCDF would say in an `<override>` of a waived rule, as one line: it failed, and it
/// counts as passed by the authority of the exceptions in force that cover it (their ids,
/// the approver or owner, the justification, the expiry).
fn accepted_risk(r: &RuleResult, report: &Report) -> Option<String> {
    let in_force = || {
        r.exception
            .iter()
            .chain(r.instances.iter().filter_map(|i| i.exception.as_ref()))
            .filter(|e| !e.expired)
    };
    let e = in_force().next()?;
    let mut ids: Vec<&str> = in_force().map(|e| e.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    let authority = report
        .exceptions
        .iter()
        .find(|x| x.id == e.id)
        .and_then(|x| x.approved_by.clone().or_else(|| x.owner.clone()))
        .unwrap_or_else(|| "bollwerk exceptions file".to_string());
    Some(format!(
        "Accepted risk ({}, by {authority}): the rule failed and counts as passed. {} Expires {}.",
        ids.join(", "),
        e.justification,
        crate::rules::result::shown_expiry(&e.expires_as_written)
    ))
}

/// The rule-result of a rule the tailoring left out: `notselected`.
fn write_not_selected(x: &mut Xml, r: &super::RuleText, time: &str) {
    x.open(
        "rule-result",
        &[
            ("idref", &rule_id(&r.id)),
            ("role", "full"),
            ("severity", severity_str(r.severity)),
            ("time", time),
            ("weight", WEIGHT),
        ],
    );
    x.leaf("result", &[], "notselected");
    idents(
        x,
        &r.id,
        old_id(&r.id, r.id_1_6_0.as_deref()),
        CIS_1_6_0_IDENT_SYSTEM,
    );
    check(x, &r.id);
    x.close("rule-result");
}

/// ARF 1.1: the host as `asset0`, the Benchmark as report-request `collection1`, the
/// TestResult as report `xccdf1`, linked by `arfvocab:createdFor` (report → request) and
/// `arfvocab:isAbout` (report → asset).
pub fn arf(report: &Report) -> String {
    let mut x = Xml::new();
    x.comment(&format!(
        "bollwerk {} ARF 1.1 report for {}",
        report.tool.version, report.run.hostname
    ));
    x.open(
        "arf:asset-report-collection",
        &[
            ("xmlns:arf", ARF_NS),
            ("xmlns:core", CORE_NS),
            ("xmlns:ai", AI_NS),
        ],
    );
    x.open("core:relationships", &[("xmlns:arfvocab", ARFVOCAB_NS)]);
    for (kind, object) in [
        ("arfvocab:createdFor", ARF_REQUEST_ID),
        ("arfvocab:isAbout", ARF_ASSET_ID),
    ] {
        x.open(
            "core:relationship",
            &[("type", kind), ("subject", ARF_REPORT_ID)],
        );
        x.leaf("core:ref", &[], object);
        x.close("core:relationship");
    }
    x.close("core:relationships");

    x.open("arf:report-requests", &[]);
    x.open("arf:report-request", &[("id", ARF_REQUEST_ID)]);
    x.open("arf:content", &[]);
    let metas = report_rules(report);
    let head = BenchmarkHead {
        benchmark: &report.benchmark,
        version: &report.tool.rules_version,
        tailored: Tailored::of(report),
    };
    write_benchmark(&mut x, &head, &metas, None);
    x.close("arf:content");
    x.close("arf:report-request");
    x.close("arf:report-requests");

    x.open("arf:assets", &[]);
    x.open("arf:asset", &[("id", ARF_ASSET_ID)]);
    write_asset(&mut x, report);
    x.close("arf:asset");
    x.close("arf:assets");

    x.open("arf:reports", &[]);
    x.open("arf:report", &[("id", ARF_REPORT_ID)]);
    x.open("arf:content", &[]);
    write_test_result(
        &mut x,
        report,
        Some((ARF_ASSET_ID, &test_result_id(report))),
        &Messages::of(report),
    );
    x.close("arf:content");
    x.close("arf:report");
    x.close("arf:reports");
    x.close("arf:asset-report-collection");
    x.finish()
}

/// One host's parts of a fleet ARF document, as fragments: its `ai:computing-device` (for
/// asset `asset_id`) and its TestResult (id `test_result_id`, linked to that asset).
pub fn arf_host_parts(
    report: &Report,
    asset_id: &str,
    test_result_id: &str,
    messages: &Messages,
) -> (String, String) {
    let mut asset = Xml::fragment();
    write_asset(&mut asset, report);
    let mut result = Xml::fragment();
    write_test_result(
        &mut result,
        report,
        Some((asset_id, test_result_id)),
        messages,
    );
    (asset.finish(), result.finish())
}

/// The Benchmark of `report`'s rule set as a fragment, for a fleet ARF's report-request.
pub fn arf_request_benchmark(report: &Report) -> String {
    let mut x = Xml::fragment();
    let metas = report_rules(report);
    let head = BenchmarkHead {
        benchmark: &report.benchmark,
        version: &report.tool.rules_version,
        tailored: Tailored::of(report),
    };
    write_benchmark(&mut x, &head, &metas, None);
    x.finish()
}

/// `ai:computing-device`: one connection per address (with its interface's MAC) or per MAC
/// without address, then the FQDN and the host name.
fn write_asset(x: &mut Xml, report: &Report) {
    let run = &report.run;
    let mut connections: Vec<(Option<IpAddr>, Option<String>)> = Vec::new();
    let mut seen: Vec<IpAddr> = Vec::new();
    for i in &run.interfaces {
        let mac = i
            .mac
            .as_deref()
            .filter(|m| valid_mac(m))
            .map(str::to_ascii_uppercase);
        let mut any = false;
        for a in &i.addresses {
            if let Some(ip) = parse_ip(a).filter(|ip| !ip.is_loopback() && !seen.contains(ip)) {
                seen.push(ip);
                connections.push((Some(ip), mac.clone()));
                any = true;
            }
        }
        if !any && mac.is_some() {
            connections.push((None, mac));
        }
    }
    x.open("ai:computing-device", &[]);
    if !connections.is_empty() {
        x.open("ai:connections", &[]);
        for (ip, mac) in &connections {
            x.open("ai:connection", &[]);
            if let Some(ip) = ip {
                x.open("ai:ip-address", &[]);
                match ip {
                    IpAddr::V4(v4) => x.leaf("ai:ip-v4", &[], &v4.to_string()),
                    IpAddr::V6(v6) => x.leaf("ai:ip-v6", &[], &ipv6_full(v6)),
                }
                x.close("ai:ip-address");
            }
            if let Some(mac) = mac {
                x.leaf("ai:mac-address", &[], mac);
            }
            x.close("ai:connection");
        }
        x.close("ai:connections");
    }
    if let Some(fqdn) = run.fqdn.as_deref().and_then(arf_hostname) {
        x.leaf("ai:fqdn", &[], &fqdn);
    }
    if let Some(name) = arf_hostname(&run.hostname) {
        x.leaf("ai:hostname", &[], &name);
    }
    x.close("ai:computing-device");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounded writer shows exactly what formatting the whole value and cutting it did.
    #[test]
    fn compact_shows_the_first_160_characters() {
        let whole = |v: &Json| {
            let s = match v {
                Json::Null => "nothing".to_string(),
                Json::String(s) => format!("\"{s}\""),
                other => other.to_string(),
            };
            if s.chars().count() > 160 {
                format!("{}…", s.chars().take(160).collect::<String>())
            } else {
                s
            }
        };
        let long: Vec<String> = (0..500).map(|i| format!("/mnt/ü{i}")).collect();
        for v in [
            Json::Null,
            serde_json::json!("short"),
            serde_json::json!("x".repeat(159)),
            serde_json::json!("x".repeat(158)),
            serde_json::json!("é".repeat(400)),
            serde_json::json!(long),
            serde_json::json!({"a": [1, 2, 3]}),
        ] {
            assert_eq!(compact(&v), whole(&v));
        }
    }

    #[test]
    fn ipv6_has_all_eight_groups() {
        let ip: Ipv6Addr = "fd00::10".parse().unwrap();
        assert_eq!(ipv6_full(&ip), "fd00:0:0:0:0:0:0:10");
        assert_eq!(
            parse_ip("fe80::1%eth0"),
            Some("fe80::1".parse::<IpAddr>().unwrap())
        );
    }

    #[test]
    fn hostnames_fit_the_arf_pattern() {
        assert_eq!(
            arf_hostname("evil\u{1b}[31m_host.example..org").as_deref(),
            Some("evil-31m-host.example.org")
        );
        assert_eq!(arf_hostname("\u{1b}"), None);
        assert_eq!(arf_hostname("..."), None);
    }

    #[test]
    fn ids_are_ncname_tails() {
        assert_eq!(rule_id("5.10"), "xccdf_dev.bollwerk_rule_5.10");
        assert_eq!(group_id("BW"), "xccdf_dev.bollwerk_group_section-BW");
        assert_eq!(rule_id("a b:c"), "xccdf_dev.bollwerk_rule_a-b-c");
    }

    fn result(id: &str, section: &str, status: &str, extra: serde_json::Value) -> RuleResult {
        let mut v = serde_json::json!({
            "id": id, "section": section, "title": "t", "level": 1,
            "assessment": "automated", "severity": "medium", "scope": "host",
            "status": status, "evidence": [], "instances": [], "description": "d",
            "rationale": "r", "remediation": "f", "references": []
        });
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn scores_follow_the_notes_sample() {
        // xccdf-notes.md section 6: host group (100 + 0) / 2 = 50, runtime 0, benchmark 25;
        // flat 1 of 3.
        let none = serde_json::json!({});
        let results = vec![
            result("1.1.1", "1", "pass", none.clone()),
            result("1.1.2", "1", "informational", none.clone()),
            result("1.1.3", "1", "error", none.clone()),
            result("1.2.1", "1", "notchecked", none.clone()),
            result("5.2", "5", "notapplicable", none.clone()),
            result("5.5", "5", "fail", none.clone()),
        ];
        assert_eq!(scores(&results), (25.0, 1.0, 3.0));
        assert_eq!(decimal(25.0), "25.000000");
        assert_eq!(scores(&results[3..5]), (0.0, 0.0, 0.0));
    }

    #[test]
    fn xccdf_ids_stay_bollwerk_ids_under_1_6_0_numbering() {
        let r = result("2.9", "2", "pass", serde_json::json!({"id_1_8_0": "2.10"}));
        assert_eq!(ids(&r), ("2.10", Some("2.9")));
        let r = result("2.10", "2", "pass", serde_json::json!({"id_1_6_0": "2.9"}));
        assert_eq!(ids(&r), ("2.10", Some("2.9")));
        let r = result("2.1", "2", "pass", serde_json::json!({"id_1_6_0": "-"}));
        assert_eq!(ids(&r), ("2.1", None));
        let r = result("5.5", "5", "pass", serde_json::json!({"id_1_8_0": "5.5"}));
        assert_eq!(ids(&r), ("5.5", None));
    }

    #[test]
    fn instance_lines_put_the_evidence_after_the_container() {
        let r = result(
            "5.5",
            "5",
            "fail",
            serde_json::json!({"scope": "each-container", "message": "1 of 2 containers fail",
                "instances": [
                {"kind": "container", "id": "aaaaaaaaaaaaaaaaaaaa", "name": "ok", "status": "pass",
                 "evidence": [{"fact": "container.inspect.HostConfig.Privileged", "observed": false,
                   "expected": "equal to false", "source": "docker inspect ok", "outcome": "pass"}]},
                {"kind": "container", "id": "3f2a1b2c3d4e5f", "name": "web", "status": "fail",
                 "evidence": [{"fact": "container.inspect.HostConfig.Privileged", "observed": true,
                   "expected": "equal to false", "source": "docker inspect web", "outcome": "fail"}]}
            ]}),
        );
        let lines = message_lines(&r);
        assert_eq!(lines[0], ("warning", "1 of 2 containers fail".to_string()));
        assert_eq!(
            lines[1],
            (
                "warning",
                "fail: container web (id 3f2a1b2c3d4e): container.inspect.HostConfig.Privileged: \
                 found true, expected equal to false"
                    .to_string()
            )
        );
        assert_eq!(lines[2].0, "info");
        assert!(lines[2]
            .1
            .starts_with("pass: container ok (id aaaaaaaaaaaa): "));
    }

    /// A fleet keeps the failing instances' lines and counts the others in one line; host
    /// rules keep every line.
    #[test]
    fn fleet_lines_count_instances_that_did_not_fail() {
        let instance = |name: &str, status: &str| {
            serde_json::json!({"kind": "container", "id": format!("{name}0000000000000"),
                "name": name, "status": status,
                "evidence": [{"fact": "container.inspect.HostConfig.Privileged",
                  "observed": status == "fail", "expected": "equal to false",
                  "source": "docker inspect", "outcome": status}]})
        };
        let r = result(
            "5.5",
            "5",
            "fail",
            serde_json::json!({"scope": "each-container", "message": "1 of 4 containers fail",
                "instances": [instance("a", "pass"), instance("b", "fail"),
                              instance("c", "pass"), instance("d", "notapplicable")]}),
        );
        let lines = Messages::for_fleet_result(&r);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0].1, "1 of 4 containers fail");
        assert!(lines[1].1.starts_with("fail: container b "), "{lines:?}");
        assert_eq!(
            lines[2],
            (
                "info",
                "also 2 pass, 1 notapplicable (containers and images, listed one by one in the \
                 host's own report)"
                    .to_string()
            )
        );
        let host = result("1.1.1", "1", "pass", serde_json::json!({"scope": "host"}));
        assert_eq!(Messages::for_fleet_result(&host), message_lines(&host));
    }

    #[test]
    fn macs_are_checked() {
        assert!(valid_mac("02:42:ac:11:00:02"));
        assert!(!valid_mac("02:42:ac:11:00"));
        assert!(!valid_mac("zz:42:ac:11:00:02"));
    }
}
