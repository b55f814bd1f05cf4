//! `bollwerk history DIR…`: the trend of periodic scans, read from their `report.json` files
//! (never the host): score per section, counts by status and exceptions in force over time,
//! and for every rule that failed at some point when it first failed and when it was fixed.
//! A failure covered by an exception (`waived`) is not a failure here, as in the host's
//! report and the fleet: it is counted apart and shown as waived.
//!
//! Reports are read in parallel through a light view that keeps only what a history needs
//! (the results' ids, titles, statuses and waivers; not their evidence), so a year of daily
//! reports of a busy host is read in seconds in little memory. Scans are ordered by their own
//! start time, whatever the files are called.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::ReportError;
use super::exceptions::ExceptionState;
use super::fleet::inputs::ReportFileError;
use super::fleet::SkippedInput;
use super::Counts;
use crate::rules::Status;

/// Version of the `history.json` format (`schema/history.schema.json`).
pub const HISTORY_SCHEMA_VERSION: u32 = 1;

/// The history of one or more hosts: `history.json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// Format version, see [`HISTORY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// One entry per host, by host name.
    pub hosts: Vec<HostHistory>,
    /// Files that are not readable reports; they were skipped.
    pub skipped: Vec<SkippedInput>,
}

/// One host's scans and rules over time.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HostHistory {
    /// The host name the reports give.
    pub hostname: String,
    /// Which machine it is (`run.machine`), when the reports say: two machines of one name
    /// have a history each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// Its scans, oldest first.
    pub scans: Vec<ScanPoint>,
    /// Every rule that failed (not waived) in at least one scan, those failing now first,
    /// then those waived now.
    pub rules: Vec<RuleTrend>,
}

/// One scan of the host.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanPoint {
    /// When the scan started.
    pub started_at: DateTime<Utc>,
    /// The report file.
    pub file: String,
    /// Score with exceptions (0–100), `None` when nothing was decided.
    pub score: Option<u32>,
    /// Score without exceptions.
    pub score_without_exceptions: Option<u32>,
    /// Rule counts by status.
    pub counts: Counts,
    /// Score per section.
    pub sections: BTreeMap<String, Option<u32>>,
    /// Exceptions in force in that scan.
    pub exceptions_in_force: usize,
}

/// A rule that failed at some point, a failure covered by an exception (waived) not counted
/// as one: a rule only ever waived has no trend (it is in the scans' `waived` counts). Scans are matched by bollwerk's rule id (the CIS 1.8.0
/// id, `id_1_8_0` in a report that uses another benchmark's numbering), so a rule keeps its
/// trend when the numbering changes (`--benchmark cis-docker-1.6.0`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleTrend {
    /// Rule id, as the newest scan that has the rule numbers it.
    pub id: String,
    /// Title (from the newest scan that has the rule).
    pub title: String,
    /// The first scan in which it failed (not waived).
    pub first_failed: DateTime<Utc>,
    /// The last scan in which it failed (not waived).
    pub last_failed: DateTime<Utc>,
    /// The first scan after its last failure or waiver in which it passed: when it was fixed
    /// (absent while it still fails or is waived, or when it did not pass since: absent, not
    /// applicable, …).
    pub fixed: Option<DateTime<Utc>>,
    /// Whether it fails in the newest scan (a waived failure is not failing).
    pub failing_now: bool,
    /// Whether it fails in the newest scan with every failing part covered by an exception
    /// in force (an accepted risk, not fixed).
    #[serde(default)]
    pub waived_now: bool,
    /// In how many scans it failed (waived scans not counted).
    pub failed_in: usize,
    /// In how many scans it was waived.
    #[serde(default)]
    pub waived_in: usize,
}

/// What a history needs of a report; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Light {
    schema_version: u32,
    run: LightRun,
    summary: super::Summary,
    results: Vec<LightResult>,
    #[serde(default)]
    exceptions: Vec<LightException>,
}

#[derive(Deserialize)]
struct LightRun {
    hostname: String,
    #[serde(default)]
    machine: Option<String>,
    started_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct LightResult {
    id: String,
    /// bollwerk's id, when the report numbers rules after another benchmark.
    #[serde(default)]
    id_1_8_0: Option<String>,
    title: String,
    status: Status,
    /// A failure covered by an exception in force (absent in reports without exceptions).
    #[serde(default)]
    waived: bool,
}

/// Where a rule stands in one scan, for its trend.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    Failed,
    Waived,
    Passed,
    /// Error, not applicable, not checked, …: neither failed nor fixed.
    Other,
}

impl LightResult {
    /// The id that names the rule whatever the report's numbering.
    fn key(&self) -> &str {
        self.id_1_8_0.as_deref().unwrap_or(&self.id)
    }

    /// A waived failure is waived, not failed, as [`Counts::add_result`] counts it.
    fn standing(&self) -> Standing {
        match (self.status, self.waived) {
            (Status::Fail, true) => Standing::Waived,
            (Status::Fail, false) => Standing::Failed,
            (Status::Pass, _) => Standing::Passed,
            _ => Standing::Other,
        }
    }
}

#[derive(Deserialize)]
struct LightException {
    state: ExceptionState,
}

/// A report read for the history.
struct Read {
    file: String,
    light: Light,
}

fn read(path: &Path, buf: &mut Vec<u8>) -> Result<Light, ReportFileError> {
    use std::io::Read as _;
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map_err(ReportFileError::Read)?;
    let light: Light =
        serde_json::from_slice(buf).map_err(|e| ReportFileError::not_a_report(path, buf, &e))?;
    ReportFileError::check_version(light.schema_version)?;
    Ok(light)
}

/// Reads every report below `inputs` (files or folders) in parallel and builds the history
/// of the hosts named in `hosts` (every host when empty). Unreadable files are skipped and
/// listed; it fails only when no report is left.
pub fn build(inputs: &[PathBuf], hosts: &[String]) -> Result<History, ReportError> {
    let files = super::fleet::inputs::files(inputs)?;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, Result<Light, ReportFileError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (files, next) = (&files, &next);
                scope.spawn(move || {
                    let mut buf = Vec::new();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(path) = files.get(i) else {
                            break out;
                        };
                        out.push((i, read(path, &mut buf)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a history worker does not panic"))
            .collect()
    });
    outcomes.sort_by_key(|(i, _)| *i);
    let mut skipped = Vec::new();
    let mut reads = Vec::new();
    for (i, outcome) in outcomes {
        let file = files[i].display().to_string();
        match outcome {
            Ok(light) => {
                if hosts.is_empty() || hosts.contains(&light.run.hostname) {
                    reads.push(Read { file, light });
                }
            }
            Err(reason) => skipped.push(SkippedInput {
                path: file,
                reason: reason.to_string(),
            }),
        }
    }
    // A host is its name and its machine (see `HostHistory::machine`, and
    // [`crate::report::hosts_of`] for reports that do not name their machine).
    let ids: Vec<_> = reads
        .iter()
        .map(|r| (r.light.run.hostname.clone(), r.light.run.machine.clone()))
        .collect();
    let mut by_host: BTreeMap<(String, Option<String>), Vec<Read>> = BTreeMap::new();
    for (host, read) in crate::report::hosts_of(&ids).into_iter().zip(reads) {
        by_host.entry(host).or_default().push(read);
    }
    if by_host.is_empty() {
        let why = if hosts.is_empty() {
            "no bollwerk report found".to_string()
        } else {
            format!("no report of host {} found", hosts.join(", "))
        };
        return Err(ReportError::NoInput(why));
    }
    Ok(History {
        schema_version: HISTORY_SCHEMA_VERSION,
        hosts: by_host
            .into_iter()
            .map(|((hostname, machine), reads)| host_history(hostname, machine, reads))
            .collect(),
        skipped,
    })
}

impl History {
    /// How the tables name `host`: its name, and its machine where another host of this
    /// history has the same name.
    pub fn named(&self, host: &HostHistory) -> String {
        let shared = self
            .hosts
            .iter()
            .filter(|h| h.hostname == host.hostname)
            .count()
            > 1;
        match (&host.machine, shared) {
            (_, false) => host.hostname.clone(),
            (Some(m), true) => format!("{} (machine {m})", host.hostname),
            (None, true) => format!("{} (machine not recorded)", host.hostname),
        }
    }
}

fn host_history(hostname: String, machine: Option<String>, mut reads: Vec<Read>) -> HostHistory {
    // The scans' own times order them; the file name breaks ties.
    reads.sort_by(|a, b| (a.light.run.started_at, &a.file).cmp(&(b.light.run.started_at, &b.file)));
    let scans: Vec<ScanPoint> = reads
        .iter()
        .map(|r| {
            let s = &r.light.summary;
            ScanPoint {
                started_at: r.light.run.started_at,
                file: r.file.clone(),
                score: s.counts.score(),
                score_without_exceptions: s.counts.score_without_exceptions(),
                counts: s.counts.clone(),
                sections: s
                    .sections
                    .iter()
                    .map(|(k, c)| (k.clone(), c.score()))
                    .collect(),
                exceptions_in_force: r
                    .light
                    .exceptions
                    .iter()
                    .filter(|e| e.state == ExceptionState::InForce)
                    .count(),
            }
        })
        .collect();
    // Per rule, by bollwerk's id, whether it failed or not: its id and title as the newest
    // scan that has it gives them, when it failed and was waived, and when it passed after.
    #[derive(Default)]
    struct Track<'r> {
        id: &'r str,
        title: &'r str,
        first_failed: Option<DateTime<Utc>>,
        last_failed: Option<DateTime<Utc>>,
        /// The last scan in which it failed or was waived.
        last_unresolved: Option<DateTime<Utc>>,
        fixed: Option<DateTime<Utc>>,
        failed_in: usize,
        waived_in: usize,
    }
    let mut tracks: BTreeMap<&str, Track> = BTreeMap::new();
    for r in &reads {
        let at = r.light.run.started_at;
        for res in &r.light.results {
            let t = tracks.entry(res.key()).or_default();
            (t.id, t.title) = (&res.id, &res.title);
            match res.standing() {
                Standing::Failed => {
                    t.first_failed.get_or_insert(at);
                    t.last_failed = Some(at);
                    t.last_unresolved = Some(at);
                    t.failed_in += 1;
                    t.fixed = None;
                }
                Standing::Waived => {
                    t.last_unresolved = Some(at);
                    t.waived_in += 1;
                    t.fixed = None;
                }
                Standing::Passed => {
                    if t.fixed.is_none() && t.last_unresolved.is_some_and(|u| at > u) {
                        t.fixed = Some(at);
                    }
                }
                Standing::Other => {}
            }
        }
    }
    let newest: BTreeMap<&str, Standing> = reads
        .last()
        .map(|r| {
            r.light
                .results
                .iter()
                .map(|x| (x.key(), x.standing()))
                .collect()
        })
        .unwrap_or_default();
    let mut rules: Vec<RuleTrend> = tracks
        .into_iter()
        .filter_map(|(key, t)| {
            let now = newest.get(key).copied();
            Some(RuleTrend {
                first_failed: t.first_failed?,
                last_failed: t.last_failed?,
                id: t.id.to_string(),
                title: t.title.to_string(),
                fixed: t.fixed,
                failing_now: now == Some(Standing::Failed),
                waived_now: now == Some(Standing::Waived),
                failed_in: t.failed_in,
                waived_in: t.waived_in,
            })
        })
        .collect();
    rules.sort_by(|a, b| {
        b.failing_now
            .cmp(&a.failing_now)
            .then_with(|| b.waived_now.cmp(&a.waived_now))
            .then_with(|| crate::rules::compare_ids(&a.id, &b.id))
    });
    HostHistory {
        hostname,
        machine,
        scans,
        rules,
    }
}

/// A CSV field, quoted when it must be (RFC 4180), and never starting a formula when a
/// spreadsheet opens it (host text is untrusted).
fn csv(field: &str) -> String {
    // Host names and titles come from hosts: their controls and direction overrides shown.
    let field = super::visible(field);
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

fn opt(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// `history.csv`: one row per scan, with a score column per section.
pub fn scans_csv(h: &History) -> String {
    let sections: BTreeSet<&String> = h
        .hosts
        .iter()
        .flat_map(|x| x.scans.iter().flat_map(|s| s.sections.keys()))
        .collect();
    let mut out = String::from(
        "host,started_at,file,score,score_without_exceptions,pass,fail,waived,error,notapplicable,notchecked,informational,exceptions_in_force",
    );
    for s in &sections {
        out.push_str(&format!(",section_{}", csv(s)));
    }
    out.push_str("\r\n");
    for host in &h.hosts {
        let name = csv(&h.named(host));
        for s in &host.scans {
            let c = &s.counts;
            out.push_str(&format!(
                "{name},{},{},{},{},{},{},{},{},{},{},{},{}",
                s.started_at.format("%Y-%m-%dT%H:%M:%SZ"),
                csv(&s.file),
                opt(s.score),
                opt(s.score_without_exceptions),
                c.pass,
                c.fail,
                c.waived,
                c.error,
                c.notapplicable,
                c.notchecked,
                c.informational,
                s.exceptions_in_force
            ));
            for sec in &sections {
                out.push(',');
                out.push_str(&opt(s.sections.get(*sec).copied().flatten()));
            }
            out.push_str("\r\n");
        }
    }
    out
}

/// `history-rules.csv`: one row per rule that failed at some point.
pub fn rules_csv(h: &History) -> String {
    let mut out = String::from(
        "host,rule,title,first_failed,last_failed,fixed,failing_now,failed_in,waived_now,waived_in\r\n",
    );
    let day = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for host in &h.hosts {
        let name = csv(&h.named(host));
        for r in &host.rules {
            out.push_str(&format!(
                "{name},{},{},{},{},{},{},{},{},{}\r\n",
                csv(&r.id),
                csv(&r.title),
                day(&r.first_failed),
                day(&r.last_failed),
                r.fixed.as_ref().map(day).unwrap_or_default(),
                r.failing_now,
                r.failed_in,
                r.waived_now,
                r.waived_in
            ));
        }
    }
    out
}

/// A line chart as inline SVG: one polyline per series over the scans' times. Only numbers
/// and our own labels go into the markup; series names are escaped by the template.
#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    /// The y axis' top value.
    max: u32,
    series: Vec<Series>,
    /// Labels of the first and last scan.
    from: String,
    to: String,
}

#[derive(Serialize)]
struct Series {
    name: String,
    class: String,
    /// `x,y x,y …`
    points: String,
    last: String,
}

const CHART_W: u32 = 720;
const CHART_H: u32 = 200;

fn chart(scans: &[ScanPoint], max: Option<u32>, series: Vec<(String, Vec<Option<f64>>)>) -> Chart {
    let top = max.unwrap_or_else(|| {
        series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .fold(1.0f64, |m, v| m.max(*v))
            .ceil() as u32
    });
    let n = scans.len().max(2) - 1;
    let x = |i: usize| f64::from(CHART_W) * i as f64 / n as f64;
    let y = |v: f64| f64::from(CHART_H) - f64::from(CHART_H) * v / f64::from(top.max(1));
    Chart {
        width: CHART_W,
        height: CHART_H,
        max: top,
        from: scans
            .first()
            .map(|s| s.started_at.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        to: scans
            .last()
            .map(|s| s.started_at.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        series: series
            .into_iter()
            .enumerate()
            .map(|(k, (name, values))| Series {
                class: format!("c{}", k % 8),
                points: values
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
                    .collect::<Vec<_>>()
                    .join(" "),
                last: values
                    .iter()
                    .rev()
                    .flatten()
                    .next()
                    .map(|v| format!("{v:.0}"))
                    .unwrap_or_else(|| "–".into()),
                name,
            })
            .collect(),
    }
}

/// The HTML page: per host, the three charts and the rules table.
pub fn html(h: &History) -> Result<String, ReportError> {
    const NAME: &str = "history.html.j2";
    const TEMPLATE: &str = include_str!("../../report-templates/history.html.j2");
    #[derive(Serialize)]
    struct HostView<'a> {
        host: &'a HostHistory,
        scores: Chart,
        counts: Chart,
        exceptions: Chart,
    }
    let views: Vec<HostView> = h
        .hosts
        .iter()
        .map(|host| {
            let sections: BTreeSet<&String> =
                host.scans.iter().flat_map(|s| s.sections.keys()).collect();
            let mut score_series = vec![(
                "overall".to_string(),
                host.scans.iter().map(|s| s.score.map(f64::from)).collect(),
            )];
            for sec in sections {
                score_series.push((
                    format!("section {sec}"),
                    host.scans
                        .iter()
                        .map(|s| s.sections.get(sec).copied().flatten().map(f64::from))
                        .collect(),
                ));
            }
            let count_series = [Status::Fail, Status::Error, Status::Pass]
                .into_iter()
                .map(|st| {
                    (
                        st.as_str().to_string(),
                        host.scans
                            .iter()
                            .map(|s| Some(s.counts.get(st) as f64))
                            .collect(),
                    )
                })
                .chain(std::iter::once((
                    "waived".to_string(),
                    host.scans
                        .iter()
                        .map(|s| Some(s.counts.waived as f64))
                        .collect(),
                )))
                .collect();
            HostView {
                host,
                scores: chart(&host.scans, Some(100), score_series),
                counts: chart(&host.scans, None, count_series),
                exceptions: chart(
                    &host.scans,
                    None,
                    vec![(
                        "exceptions in force".to_string(),
                        host.scans
                            .iter()
                            .map(|s| Some(s.exceptions_in_force as f64))
                            .collect(),
                    )],
                ),
            }
        })
        .collect();
    let env = super::html::page_env(NAME, TEMPLATE, "history HTML")?;
    let ctx = minijinja::context! {
        hosts => minijinja::Value::from_serialize(&views),
        skipped => minijinja::Value::from_serialize(&h.skipped),
        version => env!("CARGO_PKG_VERSION"),
        css => minijinja::Value::from_safe_string(super::html::CSS.to_string()),
        csp => minijinja::Value::from_safe_string(super::html::content_security_policy()),
    };
    env.get_template(NAME)
        .and_then(|t| t.render(ctx))
        .map_err(ReportError::template("cannot render the history page"))
}

/// Writes the chosen formats into `dir` (atomically each).
pub fn write(
    h: &History,
    dir: &Path,
    json: bool,
    csv_files: bool,
    page: bool,
) -> Result<Vec<String>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Folder {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), ReportError> {
        let path = dir.join(name);
        super::write::atomic_write(&path, bytes)?;
        written.push(path.display().to_string());
        Ok(())
    };
    if page {
        put("history.html", html(h)?.as_bytes())?;
    }
    if json {
        let text = serde_json::to_vec_pretty(h).map_err(|source| ReportError::Encode {
            what: "the history",
            source,
        })?;
        put("history.json", &text)?;
    }
    if csv_files {
        put("history.csv", scans_csv(h).as_bytes())?;
        put("history-rules.csv", rules_csv(h).as_bytes())?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        // A host name's direction override or escape is shown, not obeyed by the viewer.
        assert_eq!(csv("web\u{202e}gpj.exe"), "web\\u{202e}gpj.exe");
        assert_eq!(csv("a\u{1b}[31m"), "a\\u{1b}[31m");
    }
}
