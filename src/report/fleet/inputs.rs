//! Finding and choosing the reports to merge.
//!
//! Arguments are report files or folders; a folder contributes every `*.json` file below it
//! (recursively, symbolic links not followed) that is a bollwerk report. A folder of dated
//! runs holds several reports of one host: by default only the newest (by the report's own
//! `run.started_at`, ties broken by path) is merged and the others are listed as superseded;
//! `--all-runs` keeps every report, each as its own row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::SkippedInput;

/// Why the files named as inputs could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InputsError {
    /// A file or folder named could not be read (it does not exist, say).
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A folder could not be listed.
    #[error("cannot list {}: {source}", .path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl From<InputsError> for String {
    fn from(e: InputsError) -> String {
        e.to_string()
    }
}

/// Why one input file is skipped: the reason printed after its path.
#[derive(Debug, thiserror::Error)]
pub enum ReportFileError {
    /// It could not be read.
    #[error("cannot read: {0}")]
    Read(std::io::Error),
    /// It is no bollwerk report (the parser's complaint, with its line and column).
    #[error("not a bollwerk report: {0}")]
    NotAReport(String),
    /// It is a report in a format this bollwerk does not read.
    #[error(
        "report format version {found} is not supported (this bollwerk reads versions {} to {})",
        crate::report::REPORT_SCHEMA_OLDEST,
        crate::report::REPORT_SCHEMA_VERSION
    )]
    Version {
        /// The file's `schema_version`.
        found: u32,
    },
}

impl ReportFileError {
    /// [`ReportFileError::NotAReport`] from the JSON parser's error on `bytes` of `path`.
    pub fn not_a_report(path: &Path, bytes: &[u8], e: &serde_json::Error) -> ReportFileError {
        let text = String::from_utf8_lossy(bytes);
        let (_, what) = crate::diag::json_error(&path.display().to_string(), &text, e);
        ReportFileError::NotAReport(what)
    }

    /// An error unless this bollwerk reads report format `version`.
    pub fn check_version(version: u32) -> Result<(), ReportFileError> {
        if crate::report::reads_version(version) {
            Ok(())
        } else {
            Err(ReportFileError::Version { found: version })
        }
    }
}

/// The few fields needed to choose reports, read without keeping the rest.
#[derive(Deserialize)]
struct Head {
    schema_version: u32,
    run: HeadRun,
    summary: HeadSummary,
}

/// The report's sections (`summary.sections`' keys): the fleet matrix's columns must be
/// known before its first row is written.
#[derive(Deserialize)]
struct HeadSummary {
    sections: BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct HeadRun {
    hostname: String,
    #[serde(default)]
    machine: Option<String>,
    started_at: DateTime<Utc>,
}

/// A report chosen for merging.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The file.
    pub path: PathBuf,
    /// Its host name.
    pub hostname: String,
    /// Which machine it is (`run.machine`), when the report says.
    pub machine: Option<String>,
    /// Its scan start.
    pub started_at: DateTime<Utc>,
    /// Its sections (`1`, …, `BW`).
    pub sections: Vec<String>,
    /// The host's earlier reports this one supersedes, newest first: read in its place, in
    /// this order, when it cannot be read in full (a report cut short by a full disk must not
    /// take its host off the page).
    pub earlier: Vec<PathBuf>,
}

/// What [`choose`] found.
#[derive(Debug, Default)]
pub struct Selection {
    /// Reports to merge, sorted by host name, scan time, path.
    pub chosen: Vec<Chosen>,
    /// Files that are not readable reports.
    pub skipped: Vec<SkippedInput>,
    /// Older reports of a host that a newer one replaced.
    pub superseded: Vec<String>,
}

/// Every file named by `args`: files as given, folders walked for `*.json`, sorted and
/// without duplicates. A missing argument is an error naming it.
pub fn files(args: &[PathBuf]) -> Result<Vec<PathBuf>, InputsError> {
    let mut out = Vec::new();
    for a in args {
        let meta = std::fs::metadata(a).map_err(|source| InputsError::Read {
            path: a.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(a, &mut out)?;
        } else {
            out.push(a.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputsError> {
    let listing = |source| InputsError::List {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(listing)? {
        let entry = entry.map_err(listing)?;
        let kind = entry.file_type().map_err(|source| InputsError::Read {
            path: entry.path(),
            source,
        })?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads the head of each file and chooses the reports to merge.
pub fn choose(files: &[PathBuf], all_runs: bool) -> Selection {
    let mut sel = Selection::default();
    let mut heads = Vec::new();
    for path in files {
        match read_head(path) {
            Ok(head) => heads.push(head),
            Err(reason) => sel.skipped.push(SkippedInput {
                path: path.display().to_string(),
                reason: reason.to_string(),
            }),
        }
    }
    // A host is its name and its machine: two machines of one name are two hosts
    // ([`crate::report::hosts_of`]).
    let ids: Vec<_> = heads
        .iter()
        .map(|h| (h.hostname.clone(), h.machine.clone()))
        .collect();
    let mut by_host: BTreeMap<(String, Option<String>), Vec<Chosen>> = BTreeMap::new();
    for (host, head) in crate::report::hosts_of(&ids).into_iter().zip(heads) {
        by_host.entry(host).or_default().push(head);
    }
    for (_, mut runs) in by_host {
        runs.sort_by(|a, b| (a.started_at, &a.path).cmp(&(b.started_at, &b.path)));
        if !all_runs {
            let mut newest = runs.pop().expect("a host has at least one report");
            newest.earlier = runs.drain(..).rev().map(|r| r.path).collect();
            sel.superseded
                .extend(newest.earlier.iter().map(|p| p.display().to_string()));
            runs.push(newest);
        }
        sel.chosen.extend(runs);
    }
    sel
}

/// How much of a report [`read_head`] reads first: bollwerk writes `schema_version`, `run`
/// and `summary` before the results, within the first few kilobytes.
const HEAD_BYTES: u64 = 64 * 1024;

fn read_head(path: &Path) -> Result<Chosen, ReportFileError> {
    let head = match head_of_prefix(path)? {
        Some(head) => head,
        // Not in the first part (a report written by another tool, or a broken one): read
        // it all, which also names what is wrong.
        None => {
            let text = std::fs::read(path).map_err(ReportFileError::Read)?;
            serde_json::from_slice(&text)
                .map_err(|e| ReportFileError::not_a_report(path, &text, &e))?
        }
    };
    ReportFileError::check_version(head.schema_version)?;
    Ok(Chosen {
        path: path.to_path_buf(),
        hostname: head.run.hostname,
        machine: head.run.machine,
        started_at: head.run.started_at,
        sections: head.summary.sections.into_keys().collect(),
        earlier: Vec::new(),
    })
}

/// The head from the first [`HEAD_BYTES`] of the file, when both fields are found there. The
/// rest of the document is not parsed (the full read of the merge checks it).
fn head_of_prefix(path: &Path) -> Result<Option<Head>, ReportFileError> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    use std::io::Read;

    /// Reads top-level keys until it has both fields, then stops (the parser's complaint
    /// about the unfinished document is expected and ignored).
    struct Find<'a>(&'a mut (Option<u32>, Option<HeadRun>, Option<HeadSummary>));
    impl<'de> DeserializeSeed<'de> for Find<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Find<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a bollwerk report")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "schema_version" => self.0 .0 = Some(map.next_value()?),
                    "run" => self.0 .1 = Some(map.next_value()?),
                    "summary" => self.0 .2 = Some(map.next_value()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                if self.0 .0.is_some() && self.0 .1.is_some() && self.0 .2.is_some() {
                    return Ok(());
                }
            }
            Ok(())
        }
    }

    let mut prefix = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut prefix))
        .map_err(ReportFileError::Read)?;
    let mut found = (None, None, None);
    let mut de = serde_json::Deserializer::from_slice(&prefix);
    let _ = Find(&mut found).deserialize(&mut de);
    Ok(match found {
        (Some(schema_version), Some(run), Some(summary)) => Some(Head {
            schema_version,
            run,
            summary,
        }),
        _ => None,
    })
}
