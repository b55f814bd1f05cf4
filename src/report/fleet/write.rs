//! Merging: reads the chosen reports and writes the fleet formats.
//!
//! Workers read and render hosts in parallel; per host, while its report is in memory: its
//! fleet summary entry, `hosts/KEY.xccdf.xml` (`xccdf`, written by the worker), its ARF asset
//! and report (`arf`) and its JUnit testsuite (`junit`). The writer takes hosts in the chosen
//! order and appends their parts (and their `fleet.json` entry and `fleet.html` row and
//! drill-down) to temporary files in the output folder. After the last host each document is
//! stitched (its top with the totals, then the parts) and moved into place atomically.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::html::PageWriter;
use super::inputs::{self, ReportFileError, Selection};
use super::part::Part;
use super::{Fleet, FleetHost, SkippedInput, Tally};
use crate::report::error::ReportError;
use crate::report::xccdf::{self, xml::Xml};
use crate::report::{junit, write::atomic_write, Report};

/// Fleet formats `report --merge` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetFormat {
    /// `fleet.json`.
    Json,
    /// `fleet.html`.
    Html,
    /// `fleet.arf.xml`.
    Arf,
    /// `fleet.junit.xml`.
    Junit,
    /// `hosts/KEY.xccdf.xml`, one per host.
    Xccdf,
}

/// What to merge and where.
pub struct MergeRequest<'a> {
    /// Report files and folders.
    pub inputs: &'a [PathBuf],
    /// Formats to write.
    pub formats: &'a [FleetFormat],
    /// Output folder.
    pub output: &'a Path,
    /// Keep every report of a host, not only the newest.
    pub all_runs: bool,
}

/// Longest key taken from a host name as it is: a longer one is cut there and a hash of the
/// whole name added, so that `hosts/KEY_RUN-N.xccdf.xml` stays well within the 255 bytes a
/// file name may have.
const KEY_MAX: usize = 100;

/// A file-name-safe key: letters, digits, `.`, `-`, `_`; others become `-`. A name whose key
/// would be longer than [`KEY_MAX`] bytes is its first [`KEY_MAX`] bytes and `-` and 12 hex
/// digits of the whole name's SHA-256, so that long names that differ late stay apart.
fn safe_key(name: &str) -> String {
    let key = file_name_safe(name);
    if key.len() <= KEY_MAX {
        return key;
    }
    let hash = crate::digest::sha256_hex([name.as_bytes()], 6);
    // ASCII only: every byte is a character boundary.
    format!("{}-{hash}", &key[..KEY_MAX])
}

/// [`safe_key`] before the length cap.
fn file_name_safe(name: &str) -> String {
    let key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let key = key.trim_start_matches('.').to_string();
    if key.is_empty() {
        "host".into()
    } else {
        key
    }
}

/// Reads one full report; `buf` is the worker's buffer, reused from host to host so that a
/// thousand 5 MB files do not cost a thousand 5 MB allocations.
fn read_report(path: &Path, buf: &mut Vec<u8>) -> Result<Report, ReportFileError> {
    buf.clear();
    File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map_err(ReportFileError::Read)?;
    let report: Report =
        crate::report::from_json(buf).map_err(|e| ReportFileError::not_a_report(path, buf, &e))?;
    ReportFileError::check_version(report.schema_version)?;
    Ok(report)
}

/// The link from a page written in the folder `page_dir` to the file `target`: a relative
/// address (`../runs/dc1%23a/report.html`), each path segment percent-encoded, so that it
/// leads to the file wherever the command ran and whatever its folders are named (`#`, `?`,
/// `%`, spaces). Both paths are made absolute, symbolic links resolved, first.
pub fn relative_href(page_dir: &Path, target: &Path) -> String {
    use std::path::Component;
    let absolute = |p: &Path| {
        p.canonicalize()
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let (from, to) = (absolute(page_dir), absolute(target));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut segments: Vec<String> = vec!["..".to_string(); from.len() - common];
    for c in &to[common..] {
        segments.push(match c {
            Component::ParentDir => "..".to_string(),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => continue,
            Component::Normal(name) => percent_encode(name),
        });
    }
    segments.join("/")
}

/// A path segment for a URL ([`crate::report::percent_encoded`], `/` encoded too).
fn percent_encode(segment: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    crate::report::percent_encoded(segment.as_bytes(), b"")
}

/// One host's JUnit testsuite and its counts, counted as its testcases show them (a waived
/// failure is `<skipped>`, as in the host's own report.junit.xml).
fn junit_suite(
    report: &Report,
    host: &FleetHost,
    id: usize,
    messages: &xccdf::Messages,
) -> (String, junit::Tally) {
    let mut tally = junit::Tally::default();
    for r in &report.results {
        tally.add(r);
    }
    let mut x = Xml::fragment();
    x.open(
        "testsuite",
        &[
            ("name", &format!("{} ({})", host.hostname, host.rule_set)),
            ("tests", &tally.tests.to_string()),
            ("failures", &tally.failures.to_string()),
            ("errors", &tally.errors.to_string()),
            ("skipped", &tally.skipped.to_string()),
            ("time", "0.000"),
            (
                "timestamp",
                &host.started_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            ("hostname", &host.key),
            ("id", &id.to_string()),
        ],
    );
    x.open("properties", &[]);
    for (name, value) in [
        ("benchmark", host.benchmark.as_str()),
        ("rules.version", host.rules_version.as_str()),
        ("rule.set", host.rule_set.as_str()),
        ("bollwerk.version", host.tool_version.as_str()),
        ("report", host.source.as_str()),
    ] {
        x.empty("property", &[("name", name), ("value", value)]);
    }
    x.close("properties");
    for r in &report.results {
        junit::testcase_with(
            &mut x,
            r,
            &format!("bollwerk.{}.section-{}", host.key, r.section),
            messages.of_rule(r),
        );
    }
    x.close("testsuite");
    (x.finish(), tally)
}

/// What a worker made of one chosen report.
enum HostDone {
    /// Merged: its summary and its parts of the fleet documents.
    Merged(Box<HostParts>),
    /// Not readable as a report (nor any earlier report of its host).
    Skipped(Vec<SkippedInput>),
}

/// One host's summary and parts.
struct HostParts {
    host: FleetHost,
    /// The link from fleet.html to the host's report.html, when there is one.
    html_href: Option<String>,
    /// (asset id, `ai:computing-device`, report id, TestResult) for ARF.
    arf: Option<(String, String, String, String)>,
    /// (testsuite, its counts) for JUnit.
    junit: Option<(String, junit::Tally)>,
    /// Newer reports of the host that could not be read, when an earlier one was read in
    /// their place.
    unread: Vec<SkippedInput>,
    /// The earlier report read in the chosen one's place, when one was.
    read_instead: Option<String>,
}

/// The Benchmark fragment of each rule set for the fleet ARF's report-requests, taken from
/// the rule set's first host in the chosen order whichever worker gets there first.
#[derive(Default)]
struct RequestClaims {
    by_rule_set: std::sync::Mutex<BTreeMap<String, (usize, String)>>,
}

impl RequestClaims {
    /// Whether the host at `index` should make its rule set's fragment (no earlier host did).
    fn wanted(&self, rule_set: &str, index: usize) -> bool {
        let claims = self
            .by_rule_set
            .lock()
            .expect("no worker panics holding it");
        claims.get(rule_set).is_none_or(|(at, _)| *at > index)
    }

    /// Records the fragment of the host at `index`, unless an earlier host's is in.
    fn offer(&self, rule_set: &str, index: usize, fragment: String) {
        let mut claims = self
            .by_rule_set
            .lock()
            .expect("no worker panics holding it");
        let entry = claims
            .entry(rule_set.to_string())
            .or_insert((usize::MAX, String::new()));
        if index < entry.0 {
            *entry = (index, fragment);
        }
    }

    fn into_fragments(self) -> BTreeMap<String, String> {
        self.by_rule_set
            .into_inner()
            .expect("no worker panics holding it")
            .into_iter()
            .map(|(label, (_, fragment))| (label, fragment))
            .collect()
    }
}

/// Reads one chosen report and makes its summary and per-host parts; writes its
/// `hosts/KEY.xccdf.xml` itself. An unreadable report is skipped; a failed write stops the
/// merge.
fn fold_host(
    req: &MergeRequest,
    c: &inputs::Chosen,
    key: String,
    index: usize,
    claims: &RequestClaims,
    buf: &mut Vec<u8>,
) -> Result<HostDone, ReportError> {
    let wants = |f: FleetFormat| req.formats.contains(&f);
    // The newest report of the host, else the newest earlier one that reads.
    let mut unread = Vec::new();
    let mut read = None;
    for path in std::iter::once(&c.path).chain(&c.earlier) {
        match read_report(path, buf) {
            Ok(r) => {
                read = Some((path, r));
                break;
            }
            Err(reason) => unread.push(SkippedInput {
                path: path.display().to_string(),
                reason: reason.to_string(),
            }),
        }
    }
    let Some((path, report)) = read else {
        return Ok(HostDone::Skipped(unread));
    };
    let read_instead = (path != &c.path).then(|| path.display().to_string());
    let html = path.with_file_name("report.html");
    let html = html.is_file().then_some(html);
    let html_href = html.as_deref().map(|p| relative_href(req.output, p));
    let host = FleetHost::of(
        &report,
        key,
        path.display().to_string(),
        html.map(|p| p.display().to_string()),
    );
    // Made once for the three XML formats that show them, and only for them.
    let messages =
        if wants(FleetFormat::Xccdf) || wants(FleetFormat::Arf) || wants(FleetFormat::Junit) {
            xccdf::Messages::for_fleet(&report)
        } else {
            xccdf::Messages::default()
        };
    if wants(FleetFormat::Xccdf) {
        let path = req
            .output
            .join("hosts")
            .join(format!("{}.xccdf.xml", host.key));
        atomic_write(&path, xccdf::results_with(&report, &messages).as_bytes())?;
    }
    let arf = wants(FleetFormat::Arf).then(|| {
        if claims.wanted(&host.rule_set, index) {
            claims.offer(&host.rule_set, index, xccdf::arf_request_benchmark(&report));
        }
        let asset_id = format!("asset{index}");
        let report_id = format!("xccdf{index}");
        let tr_id = format!(
            "xccdf_dev.bollwerk_testresult_{}-{}",
            host.key,
            report.run.started_at.format("%Y%m%dT%H%M%SZ")
        );
        let (asset, result) = xccdf::arf_host_parts(&report, &asset_id, &tr_id, &messages);
        (asset_id, asset, report_id, result)
    });
    let junit = wants(FleetFormat::Junit).then(|| junit_suite(&report, &host, index, &messages));
    Ok(HostDone::Merged(Box::new(HostParts {
        host,
        html_href,
        arf,
        junit,
        unread,
        read_instead,
    })))
}

/// Merges the reports; returns the fleet summary (its `skipped` lists unreadable inputs).
pub fn merge(req: &MergeRequest) -> Result<Merged, ReportError> {
    let files = inputs::files(req.inputs)?;
    let Selection {
        chosen,
        mut skipped,
        mut superseded,
    } = inputs::choose(&files, req.all_runs);
    let wants = |f: FleetFormat| req.formats.contains(&f);
    let folder = |path: &Path| {
        std::fs::create_dir_all(path).map_err(|source| ReportError::Folder {
            path: path.to_path_buf(),
            source,
        })
    };
    folder(req.output)?;
    if wants(FleetFormat::Xccdf) {
        folder(&req.output.join("hosts"))?;
    }
    let mut arf_assets = Part::new(req.output)?;
    let mut arf_reports = Part::new(req.output)?;
    let mut junit_suites = Part::new(req.output)?;
    // Rule set label -> request id, numbered in the order the rule sets first appear.
    let mut request_ids: BTreeMap<String, String> = BTreeMap::new();
    let claims = RequestClaims::default();
    let mut relationships: Vec<(String, String, String)> = Vec::new();
    let mut tally = Tally::default();
    let mut json_hosts = wants(FleetFormat::Json)
        .then(|| Part::new(req.output))
        .transpose()?;
    let sections: Vec<String> = chosen
        .iter()
        .flat_map(|c| c.sections.iter().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut page = wants(FleetFormat::Html)
        .then(|| PageWriter::new(req.output, &sections))
        .transpose()?;
    let mut total = junit::Tally::default();

    // Keys come from the chosen reports' heads, in order, before any report is read, so that
    // workers can name per-host files on their own.
    let mut used_keys: BTreeMap<String, usize> = BTreeMap::new();
    let work: Vec<(usize, &inputs::Chosen, String)> = chosen
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let mut key = safe_key(&c.hostname);
            if req.all_runs {
                key = format!("{key}_{}", c.started_at.format("%Y%m%dT%H%M%SZ"));
            }
            let n = used_keys.entry(key.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                key = format!("{key}-{n}");
            }
            (index, c, key)
        })
        .collect();

    // Hosts are read and rendered by workers in parallel; their parts are written here in the
    // chosen order (a reorder buffer of at most a few hosts), so the output does not depend
    // on timing.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    // At most `window` hosts are read ahead of the one written next: memory stays the same
    // whatever the number of hosts, and a slow host cannot let the others pile up.
    let window = 2 * workers;
    let (job_tx, job_rx) = std::sync::mpsc::channel::<usize>();
    let job_rx = std::sync::Mutex::new(job_rx);
    let outcome: Result<(), ReportError> = std::thread::scope(|scope| {
        // Owned here, so that returning on an error closes it and the workers stop.
        let job_tx = job_tx;
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<HostDone, ReportError>)>();
        for _ in 0..workers {
            let tx = tx.clone();
            let (work, job_rx, claims) = (&work, &job_rx, &claims);
            scope.spawn(move || {
                let mut buf = Vec::new();
                loop {
                    let job = job_rx.lock().expect("no worker panics holding it").recv();
                    let Ok(i) = job else {
                        break; // every job handed out
                    };
                    let (index, c, key) = &work[i];
                    let done = fold_host(req, c, key.clone(), *index, claims, &mut buf);
                    if tx.send((i, done)).is_err() {
                        break; // the writer stopped on an error
                    }
                }
            });
        }
        drop(tx);
        let mut handed = 0;
        while handed < work.len().min(window) {
            job_tx.send(handed).expect("workers wait for jobs");
            handed += 1;
        }
        let mut waiting: BTreeMap<usize, Result<HostDone, ReportError>> = BTreeMap::new();
        let mut expected = 0;
        while expected < work.len() {
            let Ok((i, done)) = rx.recv() else {
                break;
            };
            waiting.insert(i, done);
            while let Some(done) = waiting.remove(&expected) {
                expected += 1;
                if handed < work.len() {
                    job_tx.send(handed).expect("workers wait for jobs");
                    handed += 1;
                }
                let done = match done? {
                    HostDone::Skipped(s) => {
                        skipped.extend(s);
                        continue;
                    }
                    HostDone::Merged(d) => d,
                };
                skipped.extend(done.unread.iter().cloned());
                if let Some(instead) = &done.read_instead {
                    superseded.retain(|p| p != instead);
                }
                if let Some((asset_id, asset, report_id, result)) = done.arf {
                    let next_id = format!("collection{}", request_ids.len() + 1);
                    let request = request_ids
                        .entry(done.host.rule_set.clone())
                        .or_insert(next_id)
                        .clone();
                    arf_assets.push(&format!(
                        "<arf:asset id=\"{asset_id}\">\n{asset}</arf:asset>\n"
                    ))?;
                    arf_reports.push(&format!(
                        "<arf:report id=\"{report_id}\">\n<arf:content>\n{result}</arf:content>\n</arf:report>\n"
                    ))?;
                    relationships.push((report_id, request, asset_id));
                }
                if let Some((suite, tally)) = done.junit {
                    junit_suites.push(&suite)?;
                    total.absorb(&tally);
                }
                if let Some(part) = json_hosts.as_mut() {
                    push_json_host(part, &done.host, tally.hosts() == 0)?;
                }
                if let Some(page) = page.as_mut() {
                    page.add(&done.host, done.html_href.as_deref())?;
                }
                tally.add(&done.host);
            }
        }
        drop(job_tx);
        Ok(())
    });
    outcome?;
    // Rule set label -> (request id, Benchmark fragment of its first host).
    let mut fragments = claims.into_fragments();
    let requests: BTreeMap<String, (String, String)> = request_ids
        .into_iter()
        .map(|(label, id)| {
            let fragment = fragments.remove(&label).unwrap_or_default();
            (label, (id, fragment))
        })
        .collect();
    if tally.hosts() == 0 {
        let why: Vec<String> = skipped
            .iter()
            .map(|s| format!("{}: {}", s.path, s.reason))
            .collect();
        return Err(ReportError::NoInput(format!(
            "no report to merge{}{}",
            if why.is_empty() { "" } else { ":\n" },
            why.join("\n")
        )));
    }
    let merged = tally.hosts();
    let fleet = tally.finish(skipped, superseded);

    if wants(FleetFormat::Arf) {
        let mut doc = Part::new(req.output)?;
        let mut head = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        head.push_str(&format!(
            "<!-- bollwerk {} fleet ARF 1.1 report: {} hosts, rule sets: {} -->\n",
            fleet.merged_by,
            merged,
            comment_safe(
                &fleet
                    .rule_sets
                    .iter()
                    .map(|g| g.label.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        ));
        head.push_str(&format!(
            "<arf:asset-report-collection xmlns:arf=\"{}\" xmlns:core=\"{}\" xmlns:ai=\"{}\">\n",
            xccdf::ARF_NS,
            xccdf::CORE_NS,
            xccdf::AI_NS
        ));
        head.push_str(&format!(
            "<core:relationships xmlns:arfvocab=\"{}\">\n",
            xccdf::ARFVOCAB_NS
        ));
        for (report_id, request, asset) in &relationships {
            for (kind, object) in [
                ("arfvocab:createdFor", request),
                ("arfvocab:isAbout", asset),
            ] {
                head.push_str(&format!(
                    "<core:relationship type=\"{kind}\" subject=\"{report_id}\"><core:ref>{object}</core:ref></core:relationship>\n"
                ));
            }
        }
        head.push_str("</core:relationships>\n<arf:report-requests>\n");
        let mut requests: Vec<&(String, String)> = requests.values().collect();
        requests.sort();
        for (id, benchmark) in requests {
            head.push_str(&format!(
                "<arf:report-request id=\"{id}\">\n<arf:content>\n{benchmark}</arf:content>\n</arf:report-request>\n"
            ));
        }
        head.push_str("</arf:report-requests>\n<arf:assets>\n");
        doc.push(&head)?;
        doc.append(arf_assets)?;
        doc.push("</arf:assets>\n<arf:reports>\n")?;
        doc.append(arf_reports)?;
        doc.push("</arf:reports>\n</arf:asset-report-collection>\n")?;
        doc.persist(&req.output.join("fleet.arf.xml"))?;
    }
    if wants(FleetFormat::Junit) {
        let mut doc = Part::new(req.output)?;
        let mut x = Xml::new();
        x.comment("bollwerk fleet JUnit report");
        doc.push(&x.finish())?;
        let name = format!(
            "bollwerk fleet audit of {} hosts ({})",
            merged,
            fleet
                .rule_sets
                .iter()
                .map(|g| g.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let mut open = Xml::fragment();
        open.empty(
            "testsuites",
            &[
                ("name", &name),
                ("tests", &total.tests.to_string()),
                ("failures", &total.failures.to_string()),
                ("errors", &total.errors.to_string()),
            ],
        );
        // An empty element's text without its `/>`, so that the suites go inside it.
        let open = open.finish();
        let open = open.trim_end().trim_end_matches("/>").to_string() + ">\n";
        doc.push(&open)?;
        doc.append(junit_suites)?;
        doc.push("</testsuites>\n")?;
        doc.persist(&req.output.join("fleet.junit.xml"))?;
    }
    if let Some(part) = json_hosts {
        write_json(&fleet, part, req.output)?;
    }
    if let Some(page) = page {
        page.finish(&fleet, &req.output.join("fleet.html"))?;
    }
    Ok(Merged {
        hosts: merged,
        fleet,
    })
}

/// What a merge wrote: the number of hosts merged and the fleet summary (whose `hosts` list
/// is empty: hosts were streamed into the files).
pub struct Merged {
    /// Hosts merged.
    pub hosts: usize,
    /// Rule sets, failing rules, skipped and superseded inputs.
    pub fleet: Fleet,
}

/// Appends one host to the `hosts` array of fleet.json, as `to_vec_pretty` of the whole
/// document would have written it (four more spaces of indent).
fn push_json_host(part: &mut Part, host: &FleetHost, first: bool) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(host).map_err(|source| ReportError::Encode {
        what: "the fleet report",
        source,
    })?;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    if !first {
        out.push_str(",\n");
    }
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("    ");
        out.push_str(line);
    }
    part.push(&out)
}

/// Writes fleet.json: `fleet` (without hosts) with the streamed hosts spliced into its
/// `hosts` array.
fn write_json(fleet: &Fleet, hosts: Part, dir: &Path) -> Result<(), ReportError> {
    let head = serde_json::to_string_pretty(fleet).map_err(|source| ReportError::Encode {
        what: "the fleet report",
        source,
    })?;
    // A real newline precedes the key: strings in JSON hold newlines only escaped.
    let empty = "\n  \"hosts\": [],";
    let (before, after) = head
        .split_once(empty)
        .ok_or_else(|| ReportError::Template {
            what: "fleet.json".into(),
            why: "the hosts array has no place".into(),
        })?;
    let mut doc = Part::new(dir)?;
    doc.push(before)?;
    doc.push("\n  \"hosts\": [\n")?;
    doc.append(hosts)?;
    doc.push("\n  ],")?;
    doc.push(after)?;
    doc.persist(&dir.join("fleet.json"))
}

/// Text fit for an XML comment (no `--`).
fn comment_safe(text: &str) -> String {
    let mut out = String::new();
    for c in crate::report::xccdf::xml::clean(text).chars() {
        if c == '-' && out.ends_with('-') {
            out.push(' ');
        }
        out.push(c);
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_file_name_safe() {
        assert_eq!(safe_key("web-01.example.org"), "web-01.example.org");
        assert_eq!(safe_key("../etc/passwd"), "-etc-passwd");
        assert_eq!(safe_key(""), "host");
        assert!(!safe_key("a/b\"<x>").contains(['/', '"', '<']));
    }

    #[test]
    fn long_names_are_cut_and_told_apart_by_a_hash() {
        let long = "h".repeat(300);
        let key = safe_key(&long);
        assert_eq!(key.len(), KEY_MAX + 13, "{key}");
        assert!(key.starts_with(&"h".repeat(KEY_MAX)), "{key}");
        assert_eq!(safe_key(&long), key, "the same name, the same key");
        assert_ne!(safe_key(&format!("{long}x")), key);
        // Non-ASCII names are cut after the mapping to `-`, on a character boundary.
        let key = safe_key(&"é".repeat(200));
        assert!(key.len() == KEY_MAX + 13 && key.is_ascii(), "{key}");
        let name = "a".repeat(KEY_MAX);
        assert_eq!(
            safe_key(&name),
            name,
            "a name of the limit's length stays whole"
        );
    }

    #[test]
    fn links_are_relative_to_the_page_and_percent_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("fleet/out");
        let report = dir.path().join("runs/dc1#a b?c%/report.html");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(report.parent().unwrap()).unwrap();
        std::fs::write(&report, "").unwrap();
        assert_eq!(
            relative_href(&out, &report),
            "../../runs/dc1%23a%20b%3Fc%25/report.html"
        );
        // The same from a relative output folder: what the command's folder was is no part
        // of the link.
        let here = std::env::current_dir().unwrap();
        let rel_out = pathdiff(&out, &here);
        assert_eq!(
            relative_href(&rel_out, &report),
            "../../runs/dc1%23a%20b%3Fc%25/report.html"
        );
        assert_eq!(
            relative_href(dir.path(), &report),
            "runs/dc1%23a%20b%3Fc%25/report.html"
        );
    }

    /// `path` relative to `base` (both absolute), with `..` as needed.
    fn pathdiff(path: &Path, base: &Path) -> PathBuf {
        let base: Vec<_> = base.components().collect();
        let path: Vec<_> = path.components().collect();
        let common = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
        let mut out = PathBuf::new();
        for _ in common..base.len() {
            out.push("..");
        }
        for c in &path[common..] {
            out.push(c);
        }
        out
    }
}
