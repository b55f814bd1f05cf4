//! The terminal summary: counts per status and section, then every failing or undecided rule
//! with its instances and evidence.

use std::fmt::Write;

use super::Report;
use crate::rules::result::Evidence;
use crate::rules::Status;

/// Rendering choices.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

impl Style {
    fn paint(&self, status: Status, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match status {
            Status::Fail => "1;31",
            Status::Error => "1;35",
            Status::Pass => "32",
            Status::NotChecked => "33",
            Status::Informational => "36",
            Status::NotApplicable => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

/// Makes host-supplied text safe for a terminal: control characters (ANSI escapes included)
/// and invisible format characters (direction overrides) are shown as `\u{..}` instead of
/// being interpreted.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || super::is_invisible_format(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn evidence_line(e: &Evidence) -> String {
    // Structured observations (audit rules found, say) are for report.json.
    if e.observed.is_object() {
        return sanitize(&format!(
            "{}: expected {} ({})",
            e.fact, e.expected, e.source
        ));
    }
    let observed = match &e.observed {
        serde_json::Value::Null => "nothing".to_string(),
        // JSON form, as lists and objects are shown: quotes inside are escaped.
        other => other.to_string(),
    };
    let observed = if observed.chars().count() > 160 {
        format!("{}…", observed.chars().take(160).collect::<String>())
    } else {
        observed
    };
    sanitize(&format!(
        "{}: found {observed}, expected {} ({})",
        e.fact, e.expected, e.source
    ))
}

/// Renders the summary.
pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let r = &report.run;
    let _ = writeln!(
        out,
        "bollwerk {} · {}",
        report.tool.version, report.benchmark
    );
    let _ = writeln!(
        out,
        "host {} · {} at {} · {}",
        sanitize(&r.hostname),
        sanitize(
            &r.engine_label()
                .unwrap_or_else(|| "Docker unreachable".into())
        ),
        sanitize(&r.docker_host),
        r.finished_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    let c = &report.summary.counts;
    let parts: Vec<String> = Status::ALL
        .iter()
        .map(|&s| style.paint(s, &format!("{} {}", c.get(s), s)))
        .collect();
    let _ = writeln!(
        out,
        "\n{} rules: {}",
        report.summary.total,
        parts.join(" · ")
    );
    let _ = writeln!(
        out,
        "\n  {:<8}{:>6}{:>7}{:>6}{:>7}{:>6}{:>6}",
        "section", "fail", "error", "pass", "info", "n/a", "todo"
    );
    for (section, counts) in &report.summary.sections {
        let _ = writeln!(
            out,
            "  {:<8}{:>6}{:>7}{:>6}{:>7}{:>6}{:>6}",
            section,
            counts.fail,
            counts.error,
            counts.pass,
            counts.informational,
            counts.notapplicable,
            counts.notchecked
        );
    }
    // Rule-level errors that share one cause (an unreachable daemon) are listed once.
    let mut shared: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in report
        .results
        .iter()
        .filter(|r| r.status == Status::Error && r.instances.is_empty())
    {
        let m = r.message.as_deref().unwrap_or("");
        match shared.iter_mut().find(|(msg, _)| *msg == m) {
            Some((_, ids)) => ids.push(&r.id),
            None => shared.push((m, vec![&r.id])),
        }
    }
    shared.retain(|(_, ids)| ids.len() > 3);
    let grouped = |r: &crate::rules::result::RuleResult| {
        r.status == Status::Error
            && r.instances.is_empty()
            && shared.iter().any(|(m, _)| Some(*m) == r.message.as_deref())
    };
    let findings: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Error) && !grouped(r))
        .collect();
    if !findings.is_empty() || !shared.is_empty() {
        let _ = writeln!(out);
    }
    for (message, ids) in &shared {
        let label = style.paint(Status::Error, "ERROR");
        let _ = writeln!(
            out,
            "{label} {} rules could not be decided: {}",
            ids.len(),
            sanitize(message)
        );
        let _ = writeln!(out, "      {}", ids.join(" "));
    }
    for rule in findings {
        let label = style.paint(
            rule.status,
            &format!("{:<5}", rule.status.as_str().to_uppercase()),
        );
        let sev = format!("{:?}", rule.severity).to_lowercase();
        let _ = writeln!(out, "{label} {:<7} {} [{sev}]", rule.id, rule.title);
        let failing = |e: &&Evidence| matches!(e.outcome, Status::Fail | Status::Error);
        if let Some(m) = rule.message.as_ref().filter(|_| {
            rule.evidence.iter().filter(failing).count() == 0 || rule.status == Status::Error
        }) {
            let _ = writeln!(out, "      {}", sanitize(m));
        }
        for e in rule
            .evidence
            .iter()
            .filter(|e| matches!(e.outcome, Status::Fail | Status::Error))
        {
            let _ = writeln!(out, "      - {}", evidence_line(e));
        }
        for inst in rule
            .instances
            .iter()
            .filter(|i| matches!(i.status, Status::Fail | Status::Error))
        {
            let short: String = inst
                .id
                .trim_start_matches("sha256:")
                .chars()
                .take(12)
                .collect();
            let _ = writeln!(
                out,
                "      {} {} {} ({short})",
                style.paint(
                    inst.status,
                    if inst.status == Status::Fail {
                        "✗"
                    } else {
                        "?"
                    }
                ),
                inst.kind,
                sanitize(&inst.name)
            );
            if let Some(m) = inst
                .message
                .as_ref()
                .filter(|_| inst.status != Status::Fail)
            {
                let _ = writeln!(out, "          {}", sanitize(m));
            }
            for e in inst
                .evidence
                .iter()
                .filter(|e| matches!(e.outcome, Status::Fail | Status::Error))
            {
                let _ = writeln!(out, "          {}", evidence_line(e));
            }
        }
    }
    if !report.collection_errors.is_empty() {
        let _ = writeln!(out, "\ncould not read:");
        for e in &report.collection_errors {
            let _ = writeln!(out, "  - {}", sanitize(&e.message));
        }
    }
    for n in &report.notes {
        let _ = writeln!(out, "note: {}", sanitize(n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("a\x1b[31mb\n"), "a\\u{1b}[31mb\\u{a}");
    }

    #[test]
    fn direction_overrides_are_escaped_and_other_letters_kept() {
        assert_eq!(
            sanitize("web\u{202E}gnp.exe\u{2066}x\u{FEFF}"),
            "web\\u{202e}gnp.exe\\u{2066}x\\u{feff}"
        );
        assert_eq!(sanitize("Grüße, 東京 ✓"), "Grüße, 東京 ✓");
    }
}
