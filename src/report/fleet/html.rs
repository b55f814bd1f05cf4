//! The fleet HTML page (`fleet.html`): one self-contained file like `report.html`, with the
//! same style sheet and Content-Security-Policy, and no script.
//!
//! It stays readable at 500 hosts: hosts are rows (sections are the ~8 columns), grouped by rule
//! set and paged into folded blocks of [`HOSTS_PER_PAGE`]; each host's drill-down is a folded
//! block with an anchor. All host-supplied text is escaped by minijinja's auto-escaping; nothing
//! from a report is marked safe.
//!
//! The page is written as hosts are read: each host's matrix row (a page of rows at a time)
//! and drill-down go to part files at once, and the top of the page, which needs the fleet's
//! totals, is rendered last with a marker where each part goes. Memory holds one page of rows
//! per rule set, whatever the number of hosts.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Value};

use crate::report::error::ReportError;
use serde::Serialize;

use super::part::Part;
use super::{Fleet, FleetHost};

const TEMPLATE_NAME: &str = "fleet.html.j2";
const TEMPLATE: &str = include_str!("../../../report-templates/fleet.html.j2");
const PAGE_NAME: &str = "fleet-page.html.j2";
const PAGE: &str = include_str!("../../../report-templates/fleet-page.html.j2");
const HOST_NAME: &str = "fleet-host.html.j2";
const HOST: &str = include_str!("../../../report-templates/fleet-host.html.j2");

/// Host rows per folded block of the matrix.
pub const HOSTS_PER_PAGE: usize = 50;

/// Where the parts go in the rendered top of the page. Host text cannot forge one: it is
/// escaped, so it never holds `<!--`.
const HOSTS_MARK: &str = "<!--bollwerk:hosts-->";

fn rows_mark(group: usize) -> String {
    format!("<!--bollwerk:rows:{group}-->")
}

/// One host row: its sections' scores in the fleet's section order.
#[derive(Serialize)]
struct Row {
    host: RowHost,
    cells: Vec<Option<String>>,
}

/// What a row shows of its host.
#[derive(Serialize)]
struct RowHost {
    key: String,
    hostname: String,
    score: Option<u32>,
    rules_version: String,
}

/// One rule set's rows: the pages written so far and the page being filled.
struct GroupRows {
    part: Part,
    page: Vec<Row>,
    written: usize,
}

/// The fleet page, written host by host.
pub struct PageWriter {
    env: Environment<'static>,
    dir: std::path::PathBuf,
    /// (section id, title), the matrix's columns.
    sections: Vec<(String, String)>,
    groups: BTreeMap<String, GroupRows>,
    details: Part,
}

impl PageWriter {
    /// A page whose matrix has a column per section of `sections` (every section of every
    /// chosen report); parts go to temporary files in `dir`.
    pub fn new(dir: &Path, sections: &[String]) -> Result<PageWriter, ReportError> {
        let mut env = crate::report::html::page_env(TEMPLATE_NAME, TEMPLATE, "fleet HTML")?;
        for (name, source) in [(PAGE_NAME, PAGE), (HOST_NAME, HOST)] {
            env.add_template(name, source)
                .map_err(ReportError::template(format!("fleet HTML template {name}")))?;
        }
        Ok(PageWriter {
            env,
            dir: dir.to_path_buf(),
            sections: sections
                .iter()
                .map(|s| (s.clone(), crate::report::xccdf::section_title(s)))
                .collect(),
            groups: BTreeMap::new(),
            details: Part::new(dir)?,
        })
    }

    fn render(&self, name: &str, ctx: Value) -> Result<String, ReportError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(ReportError::template("cannot render the fleet HTML report"))
    }

    /// Adds one host: its drill-down now, its row with its rule set's next page. `html_href`
    /// is the link from the page to the host's report.html (relative to the page's folder,
    /// percent-encoded), when there is one.
    pub fn add(&mut self, host: &FleetHost, html_href: Option<&str>) -> Result<(), ReportError> {
        let details = self.render(
            HOST_NAME,
            minijinja::context! { h => Value::from_serialize(host), html_href },
        )?;
        self.details.push(&details)?;
        let row = Row {
            host: RowHost {
                key: host.key.clone(),
                hostname: host.hostname.clone(),
                score: host.score,
                rules_version: host.rules_version.clone(),
            },
            cells: self
                .sections
                .iter()
                .map(|(s, _)| {
                    host.sections
                        .get(s)
                        .and_then(|c| c.score)
                        .map(|v| v.to_string())
                })
                .collect(),
        };
        if !self.groups.contains_key(&host.rule_set) {
            let part = Part::new(&self.dir)?;
            self.groups.insert(
                host.rule_set.clone(),
                GroupRows {
                    part,
                    page: Vec::new(),
                    written: 0,
                },
            );
        }
        let group = self.groups.get_mut(&host.rule_set).expect("inserted above");
        group.page.push(row);
        if group.page.len() == HOSTS_PER_PAGE {
            let label = host.rule_set.clone();
            self.flush(&label)?;
        }
        Ok(())
    }

    /// Writes the rule set's filled page.
    fn flush(&mut self, label: &str) -> Result<(), ReportError> {
        let Some(group) = self.groups.get_mut(label) else {
            return Ok(());
        };
        if group.page.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut group.page);
        let first = group.written + 1;
        let last = group.written + rows.len();
        let open = group.written == 0;
        group.written = last;
        let html = self.render(
            PAGE_NAME,
            minijinja::context! {
                first, last, open,
                rows => Value::from_serialize(&rows),
                sections => Value::from_serialize(&self.sections),
            },
        )?;
        self.groups
            .get_mut(label)
            .expect("checked above")
            .part
            .push(&html)
    }

    /// Writes the page to `path` (atomically): the top rendered with `fleet`'s totals, each
    /// rule set's rows and the hosts' drill-downs stitched in.
    pub fn finish(mut self, fleet: &Fleet, path: &Path) -> Result<(), ReportError> {
        let labels: Vec<String> = self.groups.keys().cloned().collect();
        for label in &labels {
            self.flush(label)?;
        }
        // Groups in the fleet's rule set order, each with its marker.
        #[derive(Serialize)]
        struct Group<'a> {
            set: &'a super::RuleSetGroup,
            score: String,
            rows: Value,
        }
        let groups: Vec<Group> = fleet
            .rule_sets
            .iter()
            .enumerate()
            .map(|(i, set)| Group {
                set,
                score: set
                    .score
                    .map_or_else(|| "–".to_string(), |s| format!("{s:.0}")),
                rows: Value::from_safe_string(rows_mark(i)),
            })
            .collect();
        let ctx = minijinja::context! {
            fleet => Value::from_serialize(fleet),
            host_count => fleet.rule_sets.iter().map(|g| g.hosts).sum::<usize>(),
            groups => Value::from_serialize(&groups),
            sections => Value::from_serialize(&self.sections),
            host_details => Value::from_safe_string(HOSTS_MARK.to_string()),
            // Our own constants, not host data (the CSS is allowed by hash in the CSP).
            css => Value::from_safe_string(crate::report::html::CSS.to_string()),
            csp => Value::from_safe_string(crate::report::html::content_security_policy()),
        };
        let top = self.render(TEMPLATE_NAME, ctx)?;

        let mut doc = Part::new(&self.dir)?;
        let mut rest = top.as_str();
        for (i, set) in fleet.rule_sets.iter().enumerate() {
            let mark = rows_mark(i);
            let (before, after) = rest
                .split_once(&mark)
                .ok_or_else(|| ReportError::Template {
                    what: "fleet HTML template".into(),
                    why: "a rule set's rows have no place".into(),
                })?;
            doc.push(before)?;
            if let Some(group) = self.groups.remove(&set.label) {
                doc.append(group.part)?;
            }
            rest = after;
        }
        let (before, after) = rest
            .split_once(HOSTS_MARK)
            .ok_or_else(|| ReportError::Template {
                what: "fleet HTML template".into(),
                why: "the hosts have no place".into(),
            })?;
        doc.push(before)?;
        doc.append(self.details)?;
        doc.push(after)?;
        doc.persist(path)
    }
}
