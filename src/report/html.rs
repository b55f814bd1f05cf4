//! The self-contained HTML report: one file for people, with inline CSS, SVG and a small
//! optional script, and a strict Content-Security-Policy.
//!
//! The page is laid out for a reader who is no Docker expert, top to bottom: who and what was
//! audited, a score, one bar per section, a *fix first* list (one item per cause, grouped and
//! ordered by [`super::fixes`]: the first [`MAX_FIX_FIRST`] shown, the rest folded) and then
//! every rule by section.
//!
//! Safety: every host-supplied string (names, labels, evidence values, host names) reaches the
//! template as a plain string and is HTML-escaped by minijinja's auto-escaping; nothing from the
//! report is marked safe. Evidence values are JSON and are turned into text here. The only
//! values marked safe are this module's own style sheet and script, whose SHA-256 hashes the
//! page's Content-Security-Policy allows (nothing else may run or style the page).
//!
//! The template is `report-templates/report.html.j2`, with `report.css` and `report.js` beside
//! it; all three are embedded at compile time.

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use super::error::ReportError;
use super::visible as clean;
use super::{Counts, Report};
use crate::rules::model::{Assessment, Scope, Severity};
use crate::rules::result::{Evidence, InstanceResult, RuleResult};
use crate::rules::Status;
use crate::wording::count;

const TEMPLATE_NAME: &str = "report.html.j2";
const TEMPLATE: &str = include_str!("../../report-templates/report.html.j2");
pub(crate) const CSS: &str = include_str!("../../report-templates/report.css");
const SCRIPT: &str = include_str!("../../report-templates/report.js");

/// Fixes shown in the fix-first list; the rest are folded in one `<details>`.
pub const MAX_FIX_FIRST: usize = 10;

/// Undecided rules are unfolded in the full rule list only up to this many.
pub const MAX_OPEN_UNDECIDED: usize = 10;

/// Longest evidence value shown in full; longer ones are cut (report.json has them whole).
const MAX_OBSERVED_CHARS: usize = 600;

/// The template environment every HTML page of bollwerk's uses: every value HTML-escaped,
/// undefined names an error, block tags without their lines. `what` names the page in errors.
pub fn page_env(
    name: &'static str,
    source: &'static str,
    what: &str,
) -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Every text a page shows from its data is host text made visible ([`clean`]) before it
    // is escaped: the diff, history and fleet pages show host names straight from reports.
    // Our own safe texts (style sheet, script, policy) are written as they are.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(text) if !value.is_safe() => {
            minijinja::escape_formatter(out, state, &Value::from(clean(text)))
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template(name, source)
        .map_err(ReportError::template(format!("{what} template")))?;
    Ok(env)
}

/// Renders the report page.
pub fn render(report: &Report) -> Result<String, ReportError> {
    let env = page_env(TEMPLATE_NAME, TEMPLATE, "HTML report")?;
    let tmpl = env
        .get_template(TEMPLATE_NAME)
        .map_err(ReportError::template("HTML report template"))?;
    let page = Page::of(report);
    let ctx = minijinja::context! {
        page => Value::from_serialize(&page),
        // Our own constants, not host data (the CSS and script are allowed by hash in the CSP).
        css => Value::from_safe_string(CSS.to_string()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        csp => Value::from_safe_string(content_security_policy()),
    };
    tmpl.render(ctx)
        .map_err(ReportError::template("cannot render the HTML report"))
}

/// The page's Content-Security-Policy: nothing may load; only our style sheet and script
/// (by hash) apply; images only as `data:` URLs.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src data:; \
         base-uri 'none'; form-action 'none'",
        csp_hash(CSS.as_bytes()),
        csp_hash(SCRIPT.as_bytes())
    )
}

/// Everything the template shows, with all text already plain strings.
#[derive(Serialize)]
struct Page {
    title: String,
    tool: Tool,
    benchmark: String,
    profile: String,
    host: Host,
    scan: Scan,
    options: Vec<Pair>,
    score: Score,
    verdict: Verdict,
    counts: Vec<StatusCount>,
    sections: Vec<SectionView>,
    fix_first: Vec<FixView>,
    fix_more: Vec<FixView>,
    undecided: Vec<Undecided>,
    rule_sections: Vec<RuleSection>,
    collection_errors: Vec<Pair>,
    notes: Vec<String>,
    total: usize,
    exceptions: Vec<ExceptionView>,
    baseline: Option<BaselineView>,
}

/// An exception of `--exceptions` for the "Accepted risks" section.
#[derive(Serialize)]
struct ExceptionView {
    id: String,
    state: &'static str,
    state_label: &'static str,
    rules: String,
    scope: String,
    justification: String,
    owner: Option<String>,
    approved_by: Option<String>,
    reference: Option<Reference>,
    since: Option<String>,
    expires: String,
    waived: usize,
    stale: bool,
    expiring: bool,
}

fn exception_view(e: &super::exceptions::ExceptionRecord) -> ExceptionView {
    use super::exceptions::ExceptionState;
    let (state, state_label) = match e.state {
        ExceptionState::InForce => ("in-force", "in force"),
        ExceptionState::Expired => ("expired", "expired: its findings count again"),
        ExceptionState::NotYetValid => ("not-yet-valid", "not valid yet"),
        ExceptionState::NotAccepted => ("not-accepted", "not accepted"),
    };
    let mut scope = Vec::new();
    for (what, list) in [
        ("containers", &e.containers),
        ("images", &e.images),
        ("labels", &e.labels),
        ("hosts", &e.hosts),
    ] {
        if !list.is_empty() {
            scope.push(format!("{what} {}", list.join(", ")));
        }
    }
    ExceptionView {
        id: clean(&e.id),
        state,
        state_label,
        rules: clean(&e.rules.join(", ")),
        scope: if scope.is_empty() {
            "everything these rules check".into()
        } else {
            clean(&scope.join("; "))
        },
        justification: clean(&e.justification),
        owner: e.owner.as_deref().map(clean),
        approved_by: e.approved_by.as_deref().map(clean),
        reference: e.reference.as_deref().map(|t| Reference {
            text: clean(t),
            url: (t.starts_with("https://") || t.starts_with("http://")).then(|| clean(t)),
        }),
        since: e.since.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        expires: clean(&crate::rules::result::shown_expiry(&e.expires_as_written)),
        waived: e.waived,
        stale: e.stale,
        expiring: e.expiring,
    }
}

#[derive(Serialize)]
struct Tool {
    name: String,
    version: String,
    rules_version: String,
    schema_version: u32,
}

#[derive(Serialize)]
struct Host {
    hostname: String,
    fqdn: Option<String>,
    os: Option<String>,
    kernel: Option<String>,
    addresses: Vec<String>,
    daemon_version: Option<String>,
    /// The engine as [`crate::report::RunInfo::engine_label`] names it.
    engine: Option<String>,
    docker_host: String,
    host_root: String,
}

#[derive(Serialize)]
struct Scan {
    started: String,
    finished: String,
    duration: String,
}

#[derive(Serialize)]
struct Pair {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct Score {
    /// Percentage of decided rules that pass; `None` when nothing was decided.
    percent: Option<u32>,
    /// The same without exceptions (waived rules as failed), when some rule was waived.
    without_exceptions: Option<u32>,
    pass: usize,
    /// Rules waived by exceptions in force.
    waived: usize,
    decided: usize,
    /// SVG ring: the passing arc's length out of 100.
    arc: f64,
    tone: &'static str,
}

#[derive(Serialize)]
struct Verdict {
    tone: &'static str,
    headline: String,
    detail: String,
}

#[derive(Serialize)]
struct StatusCount {
    status: &'static str,
    label: &'static str,
    icon: &'static str,
    count: usize,
    help: &'static str,
}

#[derive(Serialize)]
struct SectionView {
    id: String,
    name: String,
    anchor: String,
    total: usize,
    percent: Option<u32>,
    segments: Vec<Segment>,
    parts: Vec<StatusCount>,
}

/// One coloured piece of a section bar, in SVG user units (the bar is 100 wide).
#[derive(Serialize)]
struct Segment {
    status: &'static str,
    x: f64,
    width: f64,
}

/// Undecided rules that share one reason.
#[derive(Serialize)]
struct Undecided {
    reason: String,
    rules: Vec<RuleRef>,
}

/// One item of the fix-first list: one cause, every rule it closes.
#[derive(Serialize)]
struct FixView {
    rank: usize,
    /// The rule ids, space-separated.
    rule_ids: String,
    rules: Vec<RuleRef>,
    /// Where: daemon-wide, the host, or the containers or images by name.
    reach: String,
    open: bool,
    /// The most severe rule, its failing instances limited to this fix's.
    lead: RuleView,
}

#[derive(Serialize)]
struct RuleRef {
    id: String,
    title: String,
    anchor: String,
}

#[derive(Serialize)]
struct RuleSection {
    id: String,
    name: String,
    anchor: String,
    rules: Vec<RuleView>,
}

#[derive(Serialize)]
struct RuleView {
    id: String,
    anchor: String,
    id_1_6_0: Option<String>,
    section: String,
    title: String,
    level: u8,
    assessment: &'static str,
    severity: &'static str,
    severity_label: &'static str,
    scope: &'static str,
    status: &'static str,
    label: &'static str,
    icon: &'static str,
    open: bool,
    /// Position in the fix-first list, for failed rules.
    fix_rank: Option<usize>,
    message: Option<String>,
    affected: String,
    affected_count: usize,
    description: Prose,
    rationale: Prose,
    impact: Option<Prose>,
    remediation: Prose,
    references: Vec<Reference>,
    evidence: Vec<EvidenceView>,
    failing_evidence: Vec<EvidenceView>,
    instances: Vec<InstanceView>,
    failing_instances: Vec<InstanceView>,
    search: String,
    /// "new since DATE" when the rule itself failed anew since `--baseline`.
    new_since: Option<String>,
    /// Every failure covered by an exception in force (the status stays `fail`).
    waived: bool,
    /// A rule-level result's exception, in words.
    exception: Option<String>,
}

#[derive(Serialize)]
struct InstanceView {
    kind: String,
    name: String,
    id: String,
    short_id: String,
    status: &'static str,
    label: &'static str,
    icon: &'static str,
    message: Option<String>,
    evidence: Vec<EvidenceView>,
    failing_evidence: Vec<EvidenceView>,
    /// The exception covering this failing instance (or that did until it expired), in words.
    exception: Option<String>,
    /// Covered by an exception in force.
    waived: bool,
    /// "new since DATE" when it failed anew since `--baseline`.
    new_since: Option<String>,
}

#[derive(Serialize)]
struct EvidenceView {
    /// The fact path in pieces that end after a `.` or `]`, for line breaks (`<wbr>`).
    fact: Vec<String>,
    observed: String,
    observed_kind: &'static str,
    expected: String,
    source: String,
    status: &'static str,
    label: &'static str,
    icon: &'static str,
}

#[derive(Serialize)]
struct Reference {
    text: String,
    /// Set for `http(s)://` references only (never `javascript:` and the like).
    url: Option<String>,
}

/// Paragraphs of text pieces; `code` pieces were between backticks.
type Prose = Vec<Vec<Piece>>;

#[derive(Serialize)]
struct Piece {
    code: bool,
    text: String,
}

struct StatusStyle {
    key: &'static str,
    label: &'static str,
    icon: &'static str,
    help: &'static str,
}

fn style(status: Status) -> StatusStyle {
    let (label, icon, help) = match status {
        Status::Fail => ("Failed", "✗", "The recommendation is not met: fix these."),
        Status::Error => (
            "Could not check",
            "!",
            "bollwerk could not decide; the message says why.",
        ),
        Status::Pass => ("Passed", "✓", "The recommendation is met."),
        Status::Informational => (
            "Information",
            "i",
            "Facts shown for review, without a verdict.",
        ),
        Status::NotApplicable => ("Not applicable", "–", "Does not apply to this host."),
        Status::NotChecked => (
            "Check by hand",
            "?",
            "Needs a person or a setting to decide.",
        ),
    };
    StatusStyle {
        key: status.as_str(),
        label,
        icon,
        help,
    }
}

fn severity(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::High => ("high", "High"),
        Severity::Medium => ("medium", "Medium"),
        Severity::Low => ("low", "Low"),
    }
}

/// Human section names (CIS Docker Benchmark 1.8.0 chapters; `BW` is bollwerk's own).
fn section_name(id: &str) -> String {
    match id {
        "1" => "Host configuration".into(),
        "2" => "Docker daemon configuration".into(),
        "3" => "Docker daemon configuration files".into(),
        "4" => "Container images and build files".into(),
        "5" => "Container runtime".into(),
        "6" => "Docker security operations".into(),
        "7" => "Docker Swarm configuration".into(),
        "BW" => "bollwerk's own checks".into(),
        other => format!("Section {}", clean(other)),
    }
}

/// Sort key for sections: numbers in order, then the rest by name.
fn section_key(id: &str) -> (u64, String) {
    (id.parse().unwrap_or(u64::MAX), id.to_string())
}

/// Splits after each `.`, `]` and `/`, so long fact paths can wrap at sensible places.
fn break_points(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if matches!(c, '.' | ']' | '/') {
            parts.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Rule text (wrapped lines, blank-line paragraphs, `code` in backticks) as paragraphs.
fn prose(text: &str) -> Prose {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split('`')
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(|(i, t)| Piece {
                    code: i % 2 == 1,
                    text: clean(t),
                })
                .collect()
        })
        .collect()
}

/// An evidence value as text: strings as they are, the rest as compact JSON.
fn observed_text(v: &serde_json::Value) -> (String, &'static str) {
    let (text, kind) = match v {
        serde_json::Value::Null => ("nothing (not set)".to_string(), "none"),
        serde_json::Value::String(s) if s.is_empty() => ("empty text".to_string(), "none"),
        serde_json::Value::String(s) => (s.clone(), "value"),
        other => (json_text(other), "value"),
    };
    let text = if text.chars().count() > MAX_OBSERVED_CHARS {
        let cut: String = text.chars().take(MAX_OBSERVED_CHARS).collect();
        format!("{cut} … (cut here; report.json has the whole value)")
    } else {
        text
    };
    (clean(&text), kind)
}

/// JSON with a space after `,` and `:` so long values can wrap.
fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(json_text).collect();
            format!("[{}]", inner.join(", "))
        }
        serde_json::Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", serde_json::Value::from(k.as_str()), json_text(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn evidence_view(e: Evidence<'_>) -> EvidenceView {
    let st = style(e.outcome);
    let (observed, observed_kind) = observed_text(&e.observed());
    EvidenceView {
        fact: break_points(&clean(e.fact())),
        observed,
        observed_kind,
        expected: clean(e.expected_for_people()),
        source: clean(e.source()),
        status: st.key,
        label: st.label,
        icon: st.icon,
    }
}

fn is_problem(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error)
}

fn instance_view(i: &InstanceResult) -> InstanceView {
    let st = style(i.status);
    let bare = i.id().trim_start_matches("sha256:");
    let evidence: Vec<EvidenceView> = i.evidence.iter().map(evidence_view).collect();
    let failing_evidence = i
        .evidence
        .iter()
        .filter(|e| is_problem(e.outcome))
        .map(evidence_view)
        .collect();
    InstanceView {
        kind: clean(i.kind()),
        name: clean(i.name()),
        id: clean(i.id()),
        short_id: clean(&bare.chars().take(12).collect::<String>()),
        status: st.key,
        label: st.label,
        icon: st.icon,
        message: i.message.as_deref().map(clean),
        evidence,
        failing_evidence,
        exception: i.exception.as_ref().map(|e| clean(&e.sentence())),
        waived: super::exceptions::is_covered(&i.exception),
        new_since: None,
    }
}

/// Marks the rule and its instances that failed anew since the baseline.
fn mark_new(view: &mut RuleView, r: &RuleResult, baseline: Option<&super::baseline::Baseline>) {
    let Some(b) = baseline else {
        return;
    };
    let new = |name: Option<&str>| {
        b.change(&r.id, name)
            .filter(|c| c.kind == super::diff::ChangeKind::NewFailure)
            .map(|_| format!("new since {}", b.date()))
    };
    view.new_since = new(None);
    for i in view
        .instances
        .iter_mut()
        .chain(view.failing_instances.iter_mut())
    {
        // Views hold cleaned names; the baseline holds the report's.
        let raw = r
            .instances
            .iter()
            .find(|x| clean(x.name()) == i.name)
            .map(|x| x.name());
        i.new_since = raw.and_then(|n| new(Some(n)));
    }
    if view.new_since.is_none() && view.instances.iter().any(|i| i.new_since.is_some()) {
        view.new_since = Some(format!("new failures since {}", b.date()));
    }
}

/// The "Since the baseline" card.
#[derive(Serialize)]
struct BaselineView {
    date: String,
    file: String,
    summary: String,
    notes: Vec<String>,
    new: Vec<ChangeView>,
    fixed: Vec<ChangeView>,
    other: Vec<ChangeView>,
}

#[derive(Serialize)]
struct ChangeView {
    rule: String,
    anchor: String,
    title: String,
    what: String,
    from: String,
    to: String,
}

fn baseline_view(b: &super::baseline::Baseline) -> BaselineView {
    use super::diff::ChangeKind;
    let view = |c: &super::diff::Change| ChangeView {
        rule: clean(&c.rule),
        anchor: format!("rule-{}", clean(&c.rule)),
        title: clean(&c.title),
        what: match &c.instance {
            Some(i) => clean(&format!("{} {}", i.kind, i.name)),
            None => "this host".into(),
        },
        from: c.old_status.map_or("–", |s| s.as_str()).to_string(),
        to: c.new_status.map_or("–", |s| s.as_str()).to_string(),
    };
    let of = |kinds: &[ChangeKind]| -> Vec<ChangeView> {
        b.changes
            .iter()
            .filter(|c| kinds.contains(&c.kind))
            .map(view)
            .collect()
    };
    BaselineView {
        date: b.date(),
        file: clean(&b.file),
        summary: b.summary(),
        notes: b.scope_notes.iter().map(|n| clean(n)).collect(),
        new: of(&[ChangeKind::NewFailure, ChangeKind::InstanceAdded]),
        fixed: of(&[ChangeKind::Resolved]),
        other: of(&[ChangeKind::StatusChanged]),
    }
}

fn fix_view(rank: usize, fix: &super::fixes::Fix) -> FixView {
    let reach = if fix.daemon_wide {
        "the whole Docker daemon".to_string()
    } else if let Some(first) = fix.instances.first() {
        let kind = first.kind();
        let names: Vec<&str> = fix.instances.iter().map(|i| i.name()).collect();
        clean(&format!(
            "{}: {}",
            count(fix.instances.len(), kind, &format!("{kind}s")),
            names.join(", ")
        ))
    } else {
        "this host".to_string()
    };
    let mut lead = rule_view(fix.lead());
    lead.failing_instances.retain(|v| {
        fix.instances
            .iter()
            .any(|i| clean(i.id()) == v.id && clean(i.kind()) == v.kind)
    });
    FixView {
        rank,
        rule_ids: clean(&fix.rule_ids().join(" ")),
        rules: fix
            .rules
            .iter()
            .map(|r| RuleRef {
                id: clean(&r.id),
                title: clean(&r.title),
                anchor: format!("rule-{}", clean(&r.id)),
            })
            .collect(),
        reach,
        // High and medium severity unfolded; low ones folded unless among the first three.
        open: fix.severity != Severity::Low || rank <= 3,
        lead: RuleView {
            fix_rank: Some(rank),
            ..lead
        },
    }
}

fn rule_view(r: &RuleResult) -> RuleView {
    let st = style(r.status);
    let (sev, sev_label) = severity(r.severity);
    let failing_instances: Vec<InstanceView> = r
        .instances
        .iter()
        .filter(|i| is_problem(i.status))
        .map(instance_view)
        .collect();
    let kind = r.scope.instance_kind().unwrap_or("item");
    let (affected, affected_count) = match r.scope {
        Scope::Host => ("this host".to_string(), 1),
        Scope::Daemon => ("the Docker daemon".to_string(), 1),
        Scope::EachContainer | Scope::EachImage => {
            let bad = r
                .instances
                .iter()
                .filter(|i| i.status == Status::Fail)
                .count();
            let all = r.instances.len();
            let text = if all == 0 {
                format!("no {kind}s found")
            } else if bad == 0 {
                count(all, kind, &format!("{kind}s"))
            } else {
                format!("{bad} of {}", count(all, kind, &format!("{kind}s")))
            };
            (text, bad)
        }
    };
    let scope = match r.scope {
        Scope::Host => "the host",
        Scope::Daemon => "the Docker daemon",
        Scope::EachContainer => "each container",
        Scope::EachImage => "each image",
    };
    let mut search = format!("{} {}", r.id, r.title);
    for i in &r.instances {
        search.push(' ');
        search.push_str(i.name());
    }
    RuleView {
        id: clean(&r.id),
        anchor: format!("rule-{}", clean(&r.id)),
        id_1_6_0: r.id_1_6_0.as_deref().map(clean),
        section: clean(&r.section),
        title: clean(&r.title),
        level: r.level,
        assessment: match r.assessment {
            Assessment::Automated => "automated",
            Assessment::Manual => "manual",
        },
        severity: sev,
        severity_label: sev_label,
        scope,
        status: st.key,
        label: st.label,
        icon: st.icon,
        open: is_problem(r.status),
        fix_rank: None,
        message: r.message.as_deref().map(clean),
        affected,
        affected_count,
        description: prose(&r.description),
        rationale: prose(&r.rationale),
        impact: r.impact.as_deref().map(prose),
        remediation: prose(&r.remediation),
        references: r
            .references
            .iter()
            .map(|t| Reference {
                text: clean(t),
                url: (t.starts_with("https://") || t.starts_with("http://")).then(|| clean(t)),
            })
            .collect(),
        evidence: r.evidence.iter().map(evidence_view).collect(),
        failing_evidence: r
            .evidence
            .iter()
            .filter(|e| is_problem(e.outcome))
            .map(evidence_view)
            .collect(),
        instances: {
            // Problems first, otherwise in report order.
            let mut all: Vec<&InstanceResult> = r.instances.iter().collect();
            all.sort_by_key(|i| !is_problem(i.status));
            all.into_iter().map(instance_view).collect()
        },
        failing_instances,
        search: clean(&search.to_lowercase()),
        new_since: None,
        waived: r.waived,
        exception: r.exception.as_ref().map(|e| clean(&e.sentence())),
    }
}

fn percent(pass: usize, decided: usize) -> Option<u32> {
    // Rounded down so that 99.6 % does not read as a perfect 100 %.
    (decided > 0).then(|| (pass * 100 / decided) as u32)
}

fn status_counts(c: &Counts, keep_zero: bool) -> Vec<StatusCount> {
    let mut out: Vec<StatusCount> = Status::ALL
        .iter()
        .filter(|&&s| keep_zero || c.get(s) > 0)
        .map(|&s| {
            let st = style(s);
            StatusCount {
                status: st.key,
                label: st.label,
                icon: st.icon,
                count: c.get(s),
                help: st.help,
            }
        })
        .collect();
    // Failed rules whose every failure an exception accepts: counted apart, right after the
    // failures, never among the passes.
    if c.waived > 0 {
        let at = out
            .iter()
            .position(|p| p.status == "fail")
            .map_or(0, |i| i + 1);
        out.insert(
            at,
            StatusCount {
                status: "waived",
                label: "Waived",
                icon: "≈",
                count: c.waived,
                help:
                    "Failed, every failure accepted by an exception in force (see Accepted risks).",
            },
        );
    }
    out
}

fn section_view(id: &str, c: &Counts) -> SectionView {
    let total: usize = Status::ALL.iter().map(|&s| c.get(s)).sum::<usize>() + c.waived;
    let mut x = 0.0;
    let mut segments = Vec::new();
    let pieces = Status::ALL.iter().flat_map(|&s| {
        let own = (s.as_str(), c.get(s));
        let waived = (s == Status::Fail).then_some(("waived", c.waived));
        std::iter::once(own).chain(waived)
    });
    for (key, n) in pieces {
        if n == 0 || total == 0 {
            continue;
        }
        let width = n as f64 * 100.0 / total as f64;
        segments.push(Segment {
            status: key,
            x: (x * 100.0_f64).round() / 100.0,
            width: (width * 100.0_f64).round() / 100.0,
        });
        x += width;
    }
    SectionView {
        id: clean(id),
        name: section_name(id),
        anchor: format!("section-{}", clean(id)),
        total,
        percent: percent(c.pass + c.waived, c.pass + c.fail + c.error + c.waived),
        segments,
        parts: status_counts(c, false),
    }
}

/// Undecided rules grouped by their message (one unreachable daemon explains many rules),
/// in order of first appearance.
fn undecided(report: &Report) -> Vec<Undecided> {
    let mut groups: Vec<Undecided> = Vec::new();
    for r in report.results.iter().filter(|r| r.status == Status::Error) {
        let reason = clean(r.message.as_deref().unwrap_or("no reason given"));
        let rule = RuleRef {
            id: clean(&r.id),
            title: clean(&r.title),
            anchor: format!("rule-{}", clean(&r.id)),
        };
        match groups.iter_mut().find(|g| g.reason == reason) {
            Some(g) => g.rules.push(rule),
            None => groups.push(Undecided {
                reason,
                rules: vec![rule],
            }),
        }
    }
    groups
}

fn profile(level: Option<u8>) -> String {
    match level {
        None => "All levels (Level 1 and Level 2)".into(),
        Some(1) => "Level 1".into(),
        Some(n) => format!("Level {n} (includes the lower levels)"),
    }
}

impl Page {
    fn of(report: &Report) -> Page {
        let run = &report.run;
        let c = &report.summary.counts;
        let decided = c.pass + c.fail + c.error + c.waived;
        let pct = percent(c.pass + c.waived, decided);
        let tone = match pct {
            None => "none",
            Some(p) if p >= 90 && c.fail == 0 => "good",
            Some(p) if p >= 60 => "warn",
            Some(_) => "bad",
        };
        let score = Score {
            percent: pct,
            without_exceptions: (c.waived > 0)
                .then(|| c.score_without_exceptions())
                .flatten(),
            pass: c.pass,
            waived: c.waived,
            decided,
            arc: if decided == 0 {
                0.0
            } else {
                ((c.pass + c.waived) as f64 * 1000.0 / decided as f64).round() / 10.0
            },
            tone,
        };

        // Waived rules are accepted risks, not problems to fix.
        let failed: Vec<&RuleResult> = report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail && !r.waived)
            .collect();
        let by_severity = |s: Severity| failed.iter().filter(|r| r.severity == s).count();
        let (tone, headline, mut detail) = if c.fail > 0 {
            let mut parts = Vec::new();
            for (s, name) in [
                (Severity::High, "high"),
                (Severity::Medium, "medium"),
                (Severity::Low, "low"),
            ] {
                let n = by_severity(s);
                if n > 0 {
                    parts.push(format!("{n} {name}"));
                }
            }
            (
                if by_severity(Severity::High) > 0 {
                    "bad"
                } else {
                    "warn"
                },
                format!("{} to fix", count(c.fail, "problem", "problems")),
                vec![format!(
                    "By severity: {}. Start with the “Fix first” list below: the most serious problems come first.",
                    parts.join(", ")
                )],
            )
        } else if c.error > 0 {
            (
                "warn",
                "No failed rules, but some could not be checked".to_string(),
                vec![],
            )
        } else {
            (
                "good",
                "No problems found".to_string(),
                vec!["Every rule bollwerk could decide passed.".to_string()],
            )
        };
        if c.error > 0 {
            detail.push(format!(
                "{} could not be checked: see “Could not check”.",
                count(c.error, "rule", "rules")
            ));
        }
        let (by_hand, lacking) = report.notchecked_split();
        if by_hand > 0 {
            detail.push(format!(
                "{} need{} a person to check {} (“Check by hand”).",
                count(by_hand, "rule", "rules"),
                if by_hand == 1 { "s" } else { "" },
                if by_hand == 1 { "it" } else { "them" }
            ));
        }
        if lacking > 0 {
            detail.push(format!(
                "{} left open for want of a parameter, an option such as --deep-images or a fact this scan did not gather (listed under “Check by hand”; the messages say which).",
                count(lacking, "rule was", "rules were")
            ));
        }
        let verdict = Verdict {
            tone,
            headline,
            detail: detail.join(" "),
        };

        let mut section_ids: Vec<&String> = report.summary.sections.keys().collect();
        section_ids.sort_by_key(|s| section_key(s));
        let sections = section_ids
            .iter()
            .map(|id| section_view(id, &report.summary.sections[*id]))
            .collect();

        let mut rule_section_ids: Vec<String> =
            report.results.iter().map(|r| r.section.clone()).collect();
        rule_section_ids.sort_by_key(|s| section_key(s));
        rule_section_ids.dedup();
        let fixes = super::fixes::fixes(&report.results);
        let fix_rank = |r: &RuleResult| {
            fixes
                .iter()
                .position(|f| f.rules.iter().any(|x| std::ptr::eq(*x, r)))
                .map(|p| p + 1)
        };
        let mut fix_views: Vec<FixView> = fixes
            .iter()
            .enumerate()
            .map(|(n, f)| fix_view(n + 1, f))
            .collect();
        let fix_more = fix_views.split_off(fix_views.len().min(MAX_FIX_FIRST));
        let rule_sections = rule_section_ids
            .iter()
            .map(|id| RuleSection {
                id: clean(id),
                name: section_name(id),
                anchor: format!("rules-{}", clean(id)),
                rules: {
                    // Failed, then undecided rules first; each group in rule id order. Failed
                    // ones are folded (the fix-first list shows them); undecided ones are open
                    // unless there are many (then one cause, such as an unreachable daemon,
                    // usually explains them all, and "Could not check" groups them).
                    let mut rules: Vec<&RuleResult> =
                        report.results.iter().filter(|r| &r.section == id).collect();
                    rules.sort_by_key(|r| match r.status {
                        Status::Fail => 0,
                        Status::Error => 1,
                        _ => 2,
                    });
                    rules
                        .into_iter()
                        .map(|r| {
                            let mut view = RuleView {
                                fix_rank: fix_rank(r),
                                open: r.status == Status::Error && c.error <= MAX_OPEN_UNDECIDED,
                                ..rule_view(r)
                            };
                            mark_new(&mut view, r, report.baseline.as_ref());
                            view
                        })
                        .collect()
                },
            })
            .collect();

        let mut options = vec![Pair {
            label: "Containers".into(),
            value: if run.options.all_containers {
                "all, stopped ones included (--all)".into()
            } else {
                "running only".into()
            },
        }];
        let mut opt = |label: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                options.push(Pair {
                    label: label.into(),
                    value: clean(&v),
                });
            }
        };
        opt("Only rules", Some(run.options.include.join(", ")));
        opt("Skipped rules", Some(run.options.exclude.join(", ")));
        opt("Tailoring file", run.options.tailoring.clone());
        opt("Extra rules from", run.options.checks_dir.clone());
        opt("Replayed snapshot", run.options.snapshot.clone());
        opt(
            "Trusted docker users",
            run.options.trusted_users.as_ref().map(|u| u.join(", ")),
        );

        let duration_ms = (run.finished_at - run.started_at).num_milliseconds().max(0);
        let hostname = clean(&run.hostname);
        Page {
            title: format!("Docker security audit of {hostname}"),
            tool: Tool {
                name: clean(&report.tool.name),
                version: clean(&report.tool.version),
                rules_version: clean(&report.tool.rules_version),
                schema_version: report.schema_version,
            },
            benchmark: clean(&report.benchmark),
            profile: profile(run.options.level),
            host: Host {
                hostname,
                fqdn: run.fqdn.as_deref().map(clean),
                os: run.os.as_deref().map(clean),
                kernel: run.kernel.as_deref().map(clean),
                // The addresses that identify the host: no loopback, no link-local, no
                // container veth ends (report.json lists them all).
                addresses: run
                    .interfaces
                    .iter()
                    .filter(|i| i.name != "lo" && !i.name.starts_with("veth"))
                    .flat_map(|i| {
                        i.addresses
                            .iter()
                            .filter(|a| !a.to_ascii_lowercase().starts_with("fe80:"))
                            .map(move |a| clean(&format!("{a} ({})", i.name)))
                    })
                    .collect(),
                daemon_version: run.daemon_version.as_deref().map(clean),
                engine: run.engine_label().as_deref().map(clean),
                docker_host: clean(&run.docker_host),
                host_root: clean(&run.host_root),
            },
            scan: Scan {
                started: run.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                finished: run.finished_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                duration: format!("{:.1} s", duration_ms as f64 / 1000.0),
            },
            options,
            score,
            verdict,
            counts: status_counts(c, true),
            sections,
            fix_first: fix_views,
            fix_more,
            undecided: undecided(report),
            rule_sections,
            collection_errors: report
                .collection_errors
                .iter()
                .map(|e| Pair {
                    label: clean(&e.fact),
                    value: clean(&e.message),
                })
                .collect(),
            notes: report.notes.iter().map(|n| clean(n)).collect(),
            exceptions: report.exceptions.iter().map(exception_view).collect(),
            baseline: report.baseline.as_ref().map(baseline_view),
            total: report.summary.total,
        }
    }
}

/// The CSP source of an inline block: base64 of its SHA-256 (ring and base64 are the crates
/// bollard's TLS stack already builds).
fn csp_hash(data: &[u8]) -> String {
    use base64::Engine;
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hashes_match_known_values() {
        assert_eq!(
            csp_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            csp_hash(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    /// Asserts that the text of the page's `<style>` element is the style sheet its CSP
    /// allows by hash: otherwise browsers drop the whole sheet.
    pub(crate) fn assert_style_allowed(html: &str, what: &str) {
        let start = html.find("<style>").expect("a style element") + "<style>".len();
        let end = start + html[start..].find("</style>").expect("the style's end");
        let allowed = format!(
            "style-src 'sha256-{}'",
            csp_hash(&html.as_bytes()[start..end])
        );
        assert!(
            html.contains(&allowed),
            "{what}: the style sheet as written is not the one the CSP allows \
             (escaped on the way in?)"
        );
    }

    #[test]
    fn every_page_style_sheet_is_the_one_its_policy_allows() {
        let report = sample();
        assert_style_allowed(&render(&report).unwrap(), "report.html");
        let diff = crate::report::diff::compare(&report, "old.json", &report, "new.json");
        assert_style_allowed(&crate::report::diff::html(&diff).unwrap(), "diff.html");
    }

    #[test]
    fn pages_show_host_text_that_could_hide_or_reorder_itself_as_escapes() {
        let mut report = sample();
        report.run.hostname = "web\u{202e}gnp.exe\u{1b}[2J".into();
        let diff = crate::report::diff::compare(&report, "old.json", &report, "new.json");
        for (what, page) in [
            ("report.html", render(&report).unwrap()),
            ("diff.html", crate::report::diff::html(&diff).unwrap()),
        ] {
            assert!(page.contains("web\\u{202e}gnp.exe\\u{1b}[2J"), "{what}");
            assert!(!page.contains(['\u{202e}', '\u{1b}']), "{what}");
        }
    }

    #[test]
    fn prose_splits_code_and_paragraphs() {
        let p = prose("Run `a b`\nthen\n\n`c`");
        assert_eq!(p.len(), 2);
        assert!(!p[0][0].code && p[0][0].text == "Run ");
        assert!(p[0][1].code && p[0][1].text == "a b");
        assert!(p[0][2].text == " then");
        assert!(p[1][0].code && p[1][0].text == "c");
    }

    #[test]
    fn json_values_read_as_text() {
        let v = serde_json::json!({"a": [1, "x\"y"], "b": null});
        assert_eq!(json_text(&v), r#"{"a": [1, "x\"y"], "b": null}"#);
        assert_eq!(observed_text(&serde_json::json!("<b>")).0, "<b>");
        assert_eq!(observed_text(&serde_json::Value::Null).1, "none");
    }

    fn rule(
        id: &str,
        severity: &str,
        scope: &str,
        status: &str,
        instances: serde_json::Value,
    ) -> serde_json::Value {
        serde_json::json!({
            "id": id, "section": id.split('.').next().unwrap(), "title": format!("Rule {id}"),
            "level": 1, "assessment": "automated", "severity": severity, "scope": scope,
            "status": status, "evidence": [], "instances": instances,
            "description": "Checks `x`.", "rationale": "Because.", "remediation": "Run `fix --now`.",
            "references": ["https://example.org/a", "javascript:alert(1)"]
        })
    }

    fn instance(name: &str, status: &str, observed: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            // One id per container: the fix-first list tells containers apart by id.
            "kind": "container", "id": format!("0123456789abcdef-{name}"), "name": name, "status": status,
            "evidence": [{ "fact": "container.inspect.X", "observed": observed,
                           "expected": "equal to false", "source": "docker inspect", "outcome": status }]
        })
    }

    fn sample() -> Report {
        let results = vec![
            rule("1.1", "low", "host", "fail", serde_json::json!([])),
            rule(
                "5.1",
                "high",
                "each-container",
                "fail",
                serde_json::json!([
                    instance(
                        "<img src=x onerror=alert(1)>",
                        "fail",
                        serde_json::json!("</script><b>")
                    ),
                    instance("ok", "pass", serde_json::json!(false)),
                ]),
            ),
            rule(
                "5.2",
                "high",
                "each-container",
                "fail",
                serde_json::json!([
                    instance("a", "fail", serde_json::json!(true)),
                    instance("b", "fail", serde_json::json!({"k": "<i>"})),
                ]),
            ),
            rule(
                "5.3",
                "medium",
                "each-container",
                "pass",
                serde_json::json!([]),
            ),
        ];
        let results: Vec<RuleResult> = results
            .into_iter()
            .map(|r| serde_json::from_value(r).unwrap())
            .collect();
        Report {
            schema_version: crate::report::REPORT_SCHEMA_VERSION,
            tool: crate::report::ToolInfo {
                name: "bollwerk".into(),
                version: "0".into(),
                rules_version: "0".into(),
            },
            benchmark: "B".into(),
            numbering: None,
            run: serde_json::from_value(serde_json::json!({
                "hostname": "h\u{202e}<script>", "fqdn": null, "os": null, "kernel": null,
                "interfaces": [], "daemon_version": "27.0", "docker_host": "unix:///s",
                "host_root": "/", "started_at": "2025-01-01T00:00:00Z",
                "finished_at": "2025-01-01T00:00:01Z",
                "options": { "all_containers": false, "level": 1, "include": [], "exclude": [],
                             "checks_dir": null, "snapshot": null, "trusted_users": null }
            }))
            .unwrap(),
            summary: crate::report::Summary::of(&results),
            observations: Default::default(),
            expectations: Default::default(),
            results,
            collection_errors: vec![],
            notes: vec!["<note>".into()],
            not_selected: Vec::new(),
            exceptions: Vec::new(),
            baseline: None,
        }
    }

    #[test]
    fn host_text_is_escaped_and_fixes_are_ordered() {
        let html = render(&sample()).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<img") && !html.contains("<b>") && !html.contains("<i>"));
        assert!(!html.contains("<note>") && !html.contains("<script>alert"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(
            html.contains("h\\u{202e}&lt;script&gt;"),
            "bidi override shown, tag escaped"
        );
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(!html.contains("href=\"javascript:"));
        assert!(html.contains("<code>fix --now</code>"));
        // 5.2 (high, two containers) before 5.1 (high, one) before 1.1 (low).
        let at = |ids: &str| html.find(&format!("data-rules=\"{ids}\"")).unwrap();
        assert!(at("5.2") < at("5.1") && at("5.1") < at("1.1"));
        assert!(!html.contains("data-rules=\"5.3\""));
        // Score: 1 passed of 4 decided.
        assert!(html.contains(">25%</text>"));
    }

    #[test]
    fn rules_for_a_person_are_told_apart_from_rules_that_lack_a_setting() {
        let mut report = sample();
        let person = rule("1.2", "low", "host", "notchecked", serde_json::json!([]));
        // Checked, and undecided for want of a parameter: its evidence says what was looked at.
        let mut setting = rule("1.3", "low", "host", "notchecked", serde_json::json!([]));
        setting["evidence"] = serde_json::json!([{ "fact": "host.docker_group.members",
            "observed": ["alice"], "expected": "a subset of trusted-users",
            "source": "/etc/group", "outcome": "notchecked" }]);
        report.results.extend(
            [person, setting]
                .into_iter()
                .map(|r| serde_json::from_value::<RuleResult>(r).unwrap()),
        );
        report.summary = crate::report::Summary::of(&report.results);
        let html = render(&report).unwrap();
        assert!(
            html.contains("1 rule needs a person to check it (“Check by hand”)."),
            "{html}"
        );
        assert!(html.contains(
            "1 rule was left open for want of a parameter, an option such as --deep-images or a fact this scan did not gather (listed under “Check by hand”; the messages say which)."
        ));
        report.results.retain(|r| r.id != "1.3");
        report.summary = crate::report::Summary::of(&report.results);
        assert!(!render(&report).unwrap().contains("left open for want of"));
    }

    #[test]
    fn the_score_caption_counts_in_the_right_number() {
        let mut report = sample();
        assert!(render(&report)
            .unwrap()
            .contains("1 of 4 decided rules passed"));
        report.results.retain(|r| r.id == "5.3");
        report.summary = crate::report::Summary::of(&report.results);
        assert!(render(&report)
            .unwrap()
            .contains("1 of 1 decided rule passed"));
    }

    #[test]
    fn csp_hashes_match_the_inlined_style_and_script() {
        let html = render(&sample()).unwrap();
        let csp = content_security_policy();
        assert!(html.contains(&format!("content=\"{csp}\"")));
        assert!(html.contains(&format!("<style>{CSS}</style>")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(csp.contains(&csp_hash(CSS.as_bytes())));
    }

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(clean("a\u{1b}[1m\u{202e}b\nc"), "a\\u{1b}[1m\\u{202e}b\nc");
        assert_eq!(clean("ng\u{200b}inx\u{feff}"), "ng\\u{200b}inx\\u{feff}");
    }
}
