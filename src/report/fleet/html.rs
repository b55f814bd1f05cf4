//! The fleet HTML page (`fleet.html`): one self-contained file like `report.html`, with the
//! same style sheet and Content-Security-Policy, and no script.
//!
//! It stays readable at 500 hosts: hosts are rows (sections are the ~8 columns), grouped by rule
//! set and paged into folded blocks of [`HOSTS_PER_PAGE`]; each host's drill-down is a folded
//! block with an anchor. All host-supplied text is escaped by minijinja's auto-escaping; nothing
//! from a report is marked safe.

use std::collections::BTreeSet;

use minijinja::Value;
use serde::Serialize;

use super::Fleet;

const TEMPLATE_NAME: &str = "fleet.html.j2";
const TEMPLATE: &str = include_str!("../../../report-templates/fleet.html.j2");

/// Host rows per folded block of the matrix.
pub const HOSTS_PER_PAGE: usize = 50;

/// One block of host rows.
#[derive(Serialize)]
struct Page<'a> {
    first: usize,
    last: usize,
    hosts: Vec<Row<'a>>,
}

/// One host row: its sections' scores in the fleet's section order.
#[derive(Serialize)]
struct Row<'a> {
    host: &'a super::FleetHost,
    cells: Vec<Option<String>>,
}

/// One rule set's part of the matrix.
#[derive(Serialize)]
struct Group<'a> {
    set: &'a super::RuleSetGroup,
    score: String,
    pages: Vec<Page<'a>>,
}

/// Renders the fleet page.
pub fn render(fleet: &Fleet) -> Result<String, String> {
    let env = crate::report::html::page_env(TEMPLATE_NAME, TEMPLATE, "fleet HTML")?;
    let tmpl = env
        .get_template(TEMPLATE_NAME)
        .map_err(|e| format!("fleet HTML template: {e:#}"))?;
    let sections: Vec<String> = fleet
        .hosts
        .iter()
        .flat_map(|h| h.sections.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let groups: Vec<Group> = fleet
        .rule_sets
        .iter()
        .map(|set| {
            let hosts: Vec<Row> = fleet
                .hosts
                .iter()
                .filter(|h| h.rule_set == set.label)
                .map(|host| Row {
                    host,
                    cells: sections
                        .iter()
                        .map(|s| {
                            host.sections
                                .get(s)
                                .and_then(|c| c.score)
                                .map(|v| format!("{v:.0}"))
                        })
                        .collect(),
                })
                .collect();
            let mut pages = Vec::new();
            let mut rest = hosts.into_iter().peekable();
            let mut first = 1;
            while rest.peek().is_some() {
                let block: Vec<Row> = rest.by_ref().take(HOSTS_PER_PAGE).collect();
                let last = first + block.len() - 1;
                pages.push(Page {
                    first,
                    last,
                    hosts: block,
                });
                first = last + 1;
            }
            Group {
                set,
                score: format!("{:.0}", set.score),
                pages,
            }
        })
        .collect();
    let section_titles: Vec<(String, String)> = sections
        .iter()
        .map(|s| (s.clone(), crate::report::xccdf::section_title(s)))
        .collect();
    let ctx = minijinja::context! {
        fleet => Value::from_serialize(fleet),
        groups => Value::from_serialize(&groups),
        sections => Value::from_serialize(&section_titles),
        // Our own constants, not host data (the CSS is allowed by hash in the CSP).
        css => Value::from_safe_string(crate::report::html::CSS.to_string()),
        csp => Value::from_safe_string(crate::report::html::content_security_policy()),
    };
    tmpl.render(ctx)
        .map_err(|e| format!("cannot render the fleet HTML report: {e:#}"))
}
