//! JUnit XML for CI servers (Jenkins' JUnit plugin, GitLab, GitHub test reporters).
//!
//! One `<testsuite>` per CIS section (`CIS 5 Container Runtime`), one `<testcase>` per rule
//! (classname `bollwerk.section-5`, name `5.10 Containers do not share …`):
//!
//! | rule status | testcase content |
//! |---|---|
//! | pass, informational | nothing but `<system-out>` with the evidence |
//! | fail | `<failure message="…" type="fail">` listing each failing container or image with its evidence, and the remediation; passing ones in `<system-out>` |
//! | error | `<error message="…" type="error">` with the reasons |
//! | notapplicable, notchecked | `<skipped message="reason"/>` |
//!
//! `<testsuites>` carries tests/failures/errors and `<testsuite>` also skipped (the Jenkins
//! JUnit schema has no `skipped` on `<testsuites>`). Timestamps are the scan's start in UTC,
//! written the way Ant and Surefire write them (`2025-01-15T10:30:00`). Every string goes
//! through the XCCDF writer's control-character filter, so the file stays valid XML.

use super::xccdf::xml::Xml;
use super::xccdf::{message_lines, section_label};
use super::Report;
use crate::rules::result::RuleResult;
use crate::rules::Status;

/// Counts of one suite (or all), as its testcases show them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Testcases.
    pub tests: usize,
    /// `<failure>`s.
    pub failures: usize,
    /// `<error>`s.
    pub errors: usize,
    /// `<skipped>`s.
    pub skipped: usize,
}

impl Tally {
    /// Counts `r` as its testcase shows it: a waived failure is `<skipped>`.
    pub fn add(&mut self, r: &RuleResult) {
        self.tests += 1;
        if r.waived {
            self.skipped += 1;
            return;
        }
        match r.status {
            Status::Fail => self.failures += 1,
            Status::Error => self.errors += 1,
            Status::NotApplicable | Status::NotChecked => self.skipped += 1,
            Status::Pass | Status::Informational => {}
        }
    }

    /// Adds another tally's counts (a fleet's suites into its `<testsuites>`).
    pub fn absorb(&mut self, other: &Tally) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

/// One testsuite per section, one testcase per rule.
pub fn render(report: &Report) -> String {
    let run = &report.run;
    let mut sections: Vec<(String, Vec<&RuleResult>)> = Vec::new();
    for r in &report.results {
        match sections.iter_mut().find(|(s, _)| *s == r.section) {
            Some((_, members)) => members.push(r),
            None => sections.push((r.section.clone(), vec![r])),
        }
    }
    let mut total = Tally::default();
    for r in &report.results {
        total.add(r);
    }
    let duration = (run.finished_at - run.started_at)
        .to_std()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let timestamp = run.started_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let hostname = if run.hostname.is_empty() {
        "localhost"
    } else {
        run.hostname.as_str()
    };

    let mut x = Xml::new();
    x.open(
        "testsuites",
        &[
            (
                "name",
                &format!("bollwerk {} audit of {hostname}", report.benchmark),
            ),
            ("tests", &total.tests.to_string()),
            ("failures", &total.failures.to_string()),
            ("errors", &total.errors.to_string()),
            ("time", &format!("{duration:.3}")),
        ],
    );
    for (index, (section, members)) in sections.iter().enumerate() {
        let mut tally = Tally::default();
        for r in members {
            tally.add(r);
        }
        x.open(
            "testsuite",
            &[
                ("name", &section_label(section)),
                ("tests", &tally.tests.to_string()),
                ("failures", &tally.failures.to_string()),
                ("errors", &tally.errors.to_string()),
                ("skipped", &tally.skipped.to_string()),
                ("time", "0.000"),
                ("timestamp", &timestamp),
                ("hostname", hostname),
                ("id", &index.to_string()),
            ],
        );
        x.open("properties", &[]);
        let engine = run.engine_label().unwrap_or_default();
        for (name, value) in [
            ("benchmark", report.benchmark.as_str()),
            ("bollwerk.version", report.tool.version.as_str()),
            ("rules.version", report.tool.rules_version.as_str()),
            ("docker.host", run.docker_host.as_str()),
            ("engine", engine.as_str()),
            ("host.root", run.host_root.as_str()),
        ] {
            x.empty("property", &[("name", name), ("value", value)]);
        }
        x.close("properties");
        for r in members {
            testcase(&mut x, r, &format!("bollwerk.section-{section}"));
        }
        x.close("testsuite");
    }
    x.close("testsuites");
    x.finish()
}

/// One `<testcase>` for a rule; `classname` groups it (`bollwerk.section-5`).
pub fn testcase(x: &mut Xml, r: &RuleResult, classname: &str) {
    testcase_with(x, r, classname, &message_lines(r));
}

/// [`testcase`] with the rule's message lines already made.
pub fn testcase_with(x: &mut Xml, r: &RuleResult, classname: &str, all: &[(&str, String)]) {
    let name = format!("{} {}", r.id, r.title);
    x.open(
        "testcase",
        &[("name", &name), ("classname", classname), ("time", "0")],
    );
    let lines: Vec<&str> = all.iter().map(|(_, text)| text.as_str()).collect();
    let summary = r
        .message
        .clone()
        .or_else(|| lines.first().map(|l| l.to_string()))
        .unwrap_or_else(|| r.status.to_string());
    if r.waived {
        // An accepted risk: not a failure to act on, but not hidden either.
        let by = r
            .exception
            .iter()
            .chain(r.instances.iter().filter_map(|i| i.exception.as_ref()))
            .find(|e| !e.expired)
            .map(|e| e.sentence())
            .unwrap_or_else(|| "waived".into());
        x.empty("skipped", &[("message", &by)]);
        if !lines.is_empty() {
            x.leaf("system-out", &[], &lines.join("\n"));
        }
        x.close("testcase");
        return;
    }
    match r.status {
        Status::Fail | Status::Error => {
            // The failing (or undecided) instances and evidence make the body; passing
            // ones go to system-out.
            let (bad, good): (Vec<_>, Vec<_>) = all.iter().partition(|(sev, _)| *sev != "info");
            let mut body = bad
                .iter()
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let element = if r.status == Status::Fail {
                body.push_str(&format!("\n\nRemediation: {}", r.remediation.trim()));
                "failure"
            } else {
                "error"
            };
            x.leaf(
                element,
                &[("message", &summary), ("type", r.status.as_str())],
                body.trim(),
            );
            if !good.is_empty() {
                let out: Vec<&str> = good.iter().map(|(_, text)| text.as_str()).collect();
                x.leaf("system-out", &[], &out.join("\n"));
            }
        }
        Status::NotApplicable | Status::NotChecked => {
            x.empty("skipped", &[("message", &summary)]);
            if lines.len() > 1 {
                x.leaf("system-out", &[], &lines.join("\n"));
            }
        }
        Status::Pass | Status::Informational => {
            if !lines.is_empty() {
                x.leaf("system-out", &[], &lines.join("\n"));
            }
        }
    }
    x.close("testcase");
}
