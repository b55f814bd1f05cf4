//! The terminal output: a short summary (counts per section, what could not be read: each
//! error whole, wrapped to the width, errors alike but for one word as one entry), with
//! `-v` every failing or undecided rule with its instances and evidence, and always last the
//! closing block: the verdict, the first fixes grouped by cause, and the files written.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use super::fixes::{fixes, Fix};
use super::Report;
use crate::rules::result::Evidence;
use crate::rules::Status;
use crate::wording::count;

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
    super::escaped(text, false)
}

fn evidence_line(e: &Evidence<'_>) -> String {
    // Structured observations (audit rules found, say) are for report.json.
    if e.observed().is_object() {
        return sanitize(&format!(
            "{}: expected {} ({})",
            e.fact(),
            e.expected_for_people(),
            e.source()
        ));
    }
    let observed = match &*e.observed() {
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
        e.fact(),
        e.expected_for_people(),
        e.source()
    ))
}

/// How much a scan prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// `-q`: the closing line only.
    Quiet,
    /// No terminal format chosen: the closing block only.
    Closing,
    /// The default: the summary, then the closing block.
    Summary,
    /// `-v`: the summary, every failing or undecided rule, then the closing block.
    Full,
}

/// Widest line of the closing block, in terminal columns (a path given longer is shown whole).
pub const WIDTH: usize = 100;

/// Fixes listed in the closing block; the rest are counted.
pub const TOP_FIXES: usize = 5;

/// Renders what a scan prints for `view`; `written` are the report files, as given.
pub fn render(report: &Report, style: Style, view: View, written: &[String]) -> String {
    let mut out = String::new();
    match view {
        View::Quiet => return closing_line(report, written) + "\n",
        View::Closing => {}
        View::Summary => out.push_str(&summary(report, style, false)),
        View::Full => out.push_str(&summary(report, style, true)),
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&closing(report, style, written));
    out
}

/// Header, counts per section, then (`full`) every failing or undecided rule, then what
/// could not be read.
fn summary(report: &Report, style: Style, full: bool) -> String {
    let mut out = String::new();
    let r = &report.run;
    let _ = writeln!(
        out,
        "bollwerk {} · {}",
        sanitize(&report.tool.version),
        sanitize(&report.benchmark)
    );
    let host = format!(
        "host {} · {} at {} · {}",
        sanitize(&r.hostname),
        sanitize(
            &r.engine_label()
                .unwrap_or_else(|| "Docker unreachable".into())
        ),
        sanitize(&r.docker_host),
        r.finished_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    // The full list (-v) keeps long text whole; the default view fits the screen.
    let cut = |text: String, width: usize| if full { text } else { fit(&text, width) };
    let _ = writeln!(out, "{}", cut(host, WIDTH));
    let c = &report.summary.counts;
    let parts: Vec<String> = Status::ALL
        .iter()
        .map(|&s| style.paint(s, &format!("{} {}", c.get(s), s)))
        .collect();
    if full {
        let _ = writeln!(
            out,
            "\n{}: {}",
            count(report.summary.total, "rule", "rules"),
            parts.join(" · ")
        );
    }
    let _ = writeln!(
        out,
        "\n  {:<8}{:>6}{:>7}{:>6}{:>7}{:>6}{:>6}",
        "section", "fail", "error", "pass", "info", "n/a", "todo"
    );
    for (section, counts) in &report.summary.sections {
        let _ = writeln!(
            out,
            "  {:<8}{:>6}{:>7}{:>6}{:>7}{:>6}{:>6}",
            sanitize(section),
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
        .filter(|_| full)
        .collect();
    if !findings.is_empty() || !shared.is_empty() {
        let _ = writeln!(out);
    }
    for (message, ids) in &shared {
        let label = style.paint(Status::Error, "ERROR");
        let head = format!(
            "{} could not be decided: ",
            count(ids.len(), "rule", "rules")
        );
        let _ = writeln!(
            out,
            "{label} {head}{}",
            fit(&sanitize(message), WIDTH - 6 - head.width())
        );
        let _ = writeln!(out, "      {}", fit(&ids.join(" "), WIDTH - 6));
    }
    for rule in findings {
        let label = style.paint(
            rule.status,
            &format!("{:<5}", rule.status.as_str().to_uppercase()),
        );
        let sev = rule.severity.as_str();
        let waived = if rule.waived { " (waived)" } else { "" };
        let new_mark = |name: Option<&str>| {
            report
                .baseline
                .as_ref()
                .and_then(|b| b.change(&rule.id, name).map(|c| (b, c)))
                .filter(|(_, c)| c.kind == super::diff::ChangeKind::NewFailure)
                .map(|(b, _)| format!(" (new since {})", b.date()))
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "{label} {:<7} {}{waived}{} [{sev}]",
            rule.id,
            sanitize(&rule.title),
            new_mark(None)
        );
        if let Some(e) = &rule.exception {
            let _ = writeln!(out, "      {}", sanitize(&e.sentence()));
        }
        let failing = |e: &Evidence<'_>| matches!(e.outcome, Status::Fail | Status::Error);
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
            let _ = writeln!(out, "      - {}", evidence_line(&e));
        }
        for inst in rule
            .instances
            .iter()
            .filter(|i| matches!(i.status, Status::Fail | Status::Error))
        {
            let short: String = inst
                .id()
                .trim_start_matches("sha256:")
                .chars()
                .take(12)
                .collect();
            let short = sanitize(&short);
            let _ = writeln!(
                out,
                "      {} {} {} ({short}){}",
                style.paint(
                    inst.status,
                    if inst.status == Status::Fail {
                        "✗"
                    } else {
                        "?"
                    }
                ),
                inst.kind(),
                sanitize(inst.name()),
                new_mark(Some(inst.name()))
            );
            if let Some(m) = inst
                .message
                .as_ref()
                .filter(|_| inst.status != Status::Fail)
            {
                let _ = writeln!(out, "          {}", sanitize(m));
            }
            if let Some(e) = &inst.exception {
                let _ = writeln!(out, "          {}", sanitize(&e.sentence()));
            }
            for e in inst
                .evidence
                .iter()
                .filter(|e| matches!(e.outcome, Status::Fail | Status::Error))
            {
                let _ = writeln!(out, "          {}", evidence_line(&e));
            }
        }
    }
    // What could not be read is why rules are undecided: written whole, wrapped to the
    // width, and errors that differ in one word (one cause, many settings) as one entry.
    if !report.collection_errors.is_empty() {
        let _ = writeln!(out, "\ncould not read:");
        let messages: Vec<String> = report
            .collection_errors
            .iter()
            .map(|e| sanitize(&e.message))
            .collect();
        for entry in alike(&messages) {
            wrap_onto(&mut out, "  - ", "    ", &entry);
        }
    }
    for n in &report.notes {
        wrap_onto(&mut out, "note: ", "      ", &sanitize(n));
    }
    out
}

/// Fewest messages alike (the same words but one) written as one entry.
const ALIKE: usize = 3;

/// `messages` with repeats counted and each set of [`ALIKE`] or more that differ in one word
/// only written once, that word as `X` and its values listed: `dockerd's flags could not be
/// read (…): a flag may set X, so … (44 alike, X: bip, bridge, …)`. In the order they came.
fn alike(messages: &[String]) -> Vec<String> {
    use std::collections::HashMap;
    // Each distinct message once, with how often it came.
    let mut distinct: Vec<(&str, usize)> = Vec::new();
    for m in messages {
        match distinct.iter_mut().find(|(d, _)| *d == m.as_str()) {
            Some((_, n)) => *n += 1,
            None => distinct.push((m, 1)),
        }
    }
    let words: Vec<Vec<&str>> = distinct
        .iter()
        .map(|(m, _)| m.split(' ').collect())
        .collect();
    // Messages by their words with one left out (the hole's place and the rest).
    type Shape<'a> = (usize, Vec<&'a str>);
    let mut shapes: HashMap<Shape, Vec<usize>> = HashMap::new();
    for (i, w) in words.iter().enumerate() {
        for hole in 0..w.len() {
            let mut rest = w.clone();
            rest[hole] = "";
            shapes.entry((hole, rest)).or_default().push(i);
        }
    }
    let mut candidates: Vec<(Shape, Vec<usize>)> = shapes
        .into_iter()
        .filter(|(_, members)| members.len() >= ALIKE)
        .collect();
    // Largest first, then by first member, then by where the hole is: the map's order is
    // random, and the same messages must group alike in every run.
    candidates.sort_by(|a, b| {
        b.1.len()
            .cmp(&a.1.len())
            .then(a.1[0].cmp(&b.1[0]))
            .then(a.0 .0.cmp(&b.0 .0))
    });
    let mut group_of: Vec<Option<usize>> = vec![None; distinct.len()];
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for ((hole, _), members) in candidates {
        let free: Vec<usize> = members
            .into_iter()
            .filter(|&i| group_of[i].is_none())
            .collect();
        if free.len() >= ALIKE {
            for &i in &free {
                group_of[i] = Some(groups.len());
            }
            groups.push((hole, free));
        }
    }
    let mut out = Vec::new();
    for (i, (message, n)) in distinct.iter().enumerate() {
        match group_of[i] {
            None if *n > 1 => out.push(format!("{message} ({n} facts)")),
            None => out.push((*message).to_string()),
            Some(g) if groups[g].1[0] == i => {
                let (hole, members) = &groups[g];
                let values: Vec<&str> = members.iter().map(|&m| words[m][*hole]).collect();
                let (lead, trail) = common_punctuation(&values);
                let mut shown = words[i].clone();
                let x = format!("{lead}X{trail}");
                shown[*hole] = &x;
                let listed: Vec<&str> = values
                    .iter()
                    .map(|v| &v[lead.len()..v.len() - trail.len()])
                    .collect();
                out.push(format!(
                    "{} ({} alike, X: {})",
                    shown.join(" "),
                    members.len(),
                    listed.join(", ")
                ));
            }
            Some(_) => {}
        }
    }
    out
}

/// The brackets and quotes every one of `values` opens with and the punctuation they all
/// end with (`(` and `),`), so that only the words that differ are listed (a path keeps its
/// `/`); never all of the shortest value.
fn common_punctuation<'a>(values: &[&'a str]) -> (&'a str, &'a str) {
    let first = values[0];
    let opening = |c: &char| "([{\"'`".contains(*c);
    let closing = |c: &char| ",.:;)]}\"'`".contains(*c);
    let mut lead: usize = first.chars().take_while(opening).map(char::len_utf8).sum();
    let mut trail: usize = first
        .chars()
        .rev()
        .take_while(closing)
        .map(char::len_utf8)
        .sum();
    for v in values {
        while lead > 0 && !v.starts_with(&first[..lead]) {
            lead = first[..lead].char_indices().last().map_or(0, |(i, _)| i);
        }
        while trail > 0 && !v.ends_with(&first[first.len() - trail..]) {
            let tail = &first[first.len() - trail..];
            trail -= tail.chars().next().map_or(trail, char::len_utf8);
        }
    }
    let shortest = values.iter().map(|v| v.len()).min().unwrap_or(0);
    if lead + trail >= shortest {
        return ("", "");
    }
    (&first[..lead], &first[first.len() - trail..])
}

/// Writes `text` whole, wrapped at spaces to [`WIDTH`] columns: `first` before its first
/// line, `then` before the others. A word wider than a line is split where the line ends.
fn wrap_onto(out: &mut String, first: &str, then: &str, text: &str) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split(' ') {
        let room = WIDTH.saturating_sub(line.width() + usize::from(!empty));
        if !empty && word.width() > room {
            let _ = writeln!(out, "{line}");
            line = then.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        let mut rest = word;
        while line.width() + rest.width() > WIDTH && WIDTH > then.width() + 1 {
            let room = WIDTH - line.width();
            let mut used = 0;
            let at = rest
                .char_indices()
                .find(|&(_, c)| {
                    used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                    used > room
                })
                .map_or(rest.len(), |(i, _)| i);
            if at == 0 {
                break;
            }
            line.push_str(&rest[..at]);
            let _ = writeln!(out, "{line}");
            line = then.to_string();
            rest = &rest[at..];
        }
        line.push_str(rest);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

/// `text` cut to `width` terminal columns, with `…` where it was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The verdict in words: counts by status (zeros left out, failures always shown) and the
/// score.
fn verdict(report: &Report) -> String {
    let c = &report.summary.counts;
    let mut parts = vec![format!("{} failed", c.fail)];
    if c.waived > 0 {
        parts.push(format!("{} waived", c.waived));
    }
    if c.error > 0 {
        parts.push(format!("{} undecided", c.error));
    }
    parts.push(format!("{} passed", c.pass));
    if c.notapplicable > 0 {
        parts.push(format!("{} n/a", c.notapplicable));
    }
    // Rules for a person apart from those that lack a setting or a tool: each of the latter
    // says what it needs.
    let (by_hand, open) = report.notchecked_split();
    if by_hand > 0 {
        parts.push(format!("{by_hand} by hand"));
    }
    if open > 0 {
        parts.push(format!("{open} not checked"));
    }
    if c.informational > 0 {
        parts.push(format!("{} info", c.informational));
    }
    // The score without exceptions is in the exceptions' block: the verdict stays one line.
    let score = match c.score() {
        Some(p) => format!("score {p}%"),
        None => "no score: nothing decided".to_string(),
    };
    format!(
        "{} of {} · {score}",
        parts.join(", "),
        count(report.summary.total, "rule", "rules")
    )
}

/// The file a reader should open first: the HTML page, else the first file written.
fn main_file(written: &[String]) -> Option<&String> {
    written
        .iter()
        .find(|p| p.ends_with(".html"))
        .or(written.first())
}

/// `-q`: one line, the verdict and where the report is.
pub fn closing_line(report: &Report, written: &[String]) -> String {
    let mut line = format!("bollwerk: {}", verdict(report));
    if let Some(main) = main_file(written) {
        let _ = write!(line, " · report: {}", sanitize(main));
        if written.len() > 1 {
            let _ = write!(line, " (+{} more)", written.len() - 1);
        }
    }
    line
}

/// What a fix reaches: daemon-wide, the host, or its containers or images by name.
fn reach(fix: &Fix, width: usize) -> String {
    if fix.daemon_wide {
        return "daemon-wide".to_string();
    }
    let Some(first) = fix.instances.first() else {
        return "host".to_string();
    };
    let kind = first.kind();
    let names: Vec<String> = fix.instances.iter().map(|i| sanitize(i.name())).collect();
    let head = count(fix.instances.len(), kind, &format!("{kind}s"));
    fit(&format!("{head}: {}", names.join(", ")), width)
}

/// The first paragraph of a remediation on one line, without the backticks that mark code.
fn first_step(remediation: &str) -> String {
    let paragraph: Vec<&str> = remediation
        .trim()
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    sanitize(&paragraph.join(" ").replace('`', ""))
}

/// Since the baseline: the summary of changes, then the new failures and the fixes by name.
fn baseline_block(out: &mut String, report: &Report) {
    use super::diff::ChangeKind;
    let Some(b) = &report.baseline else {
        return;
    };
    let _ = writeln!(
        out,
        "{}",
        fit(
            &format!("\nSince the baseline of {}: {}", b.date(), b.summary()),
            WIDTH
        )
    );
    if !b.scope_notes.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            fit(&format!("  {}", sanitize(&b.scope_notes.join("; "))), WIDTH)
        );
    }
    let shown: Vec<_> = b
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::NewFailure | ChangeKind::Resolved))
        .collect();
    for c in shown.iter().take(TOP_FIXES) {
        let word = if c.kind == ChangeKind::NewFailure {
            "new  "
        } else {
            "fixed"
        };
        let what = match &c.instance {
            Some(i) => format!("{} {}", i.kind, sanitize(&i.name)),
            None => "this host".to_string(),
        };
        let line = format!("  {word} {} {} · {what}", c.rule, sanitize(&c.title));
        let _ = writeln!(out, "{}", fit(&line, WIDTH));
    }
    if shown.len() > TOP_FIXES {
        let _ = writeln!(
            out,
            "  and {} more: see report.json's baseline",
            shown.len() - TOP_FIXES
        );
    }
}

/// The exceptions' news: how many are in force and what they waived, then each that expired,
/// expires soon, or covers nothing.
fn exceptions_block(out: &mut String, report: &Report) {
    use super::exceptions::ExceptionState;
    if report.exceptions.is_empty() {
        return;
    }
    let of = |state: ExceptionState| report.exceptions.iter().filter(move |e| e.state == state);
    let waived: usize = report.exceptions.iter().map(|e| e.waived).sum();
    let mut head = format!(
        "\nExceptions: {} in force, waiving {}",
        of(ExceptionState::InForce).count(),
        count(waived, "finding", "findings")
    );
    let c = &report.summary.counts;
    if let (true, Some(without)) = (c.waived > 0, c.score_without_exceptions()) {
        let _ = write!(head, " (score without them {without}%)");
    }
    for (state, word) in [
        (ExceptionState::Expired, "expired"),
        (ExceptionState::NotYetValid, "not yet valid"),
        (ExceptionState::NotAccepted, "not accepted"),
    ] {
        let n = of(state).count();
        if n > 0 {
            let _ = write!(head, ", {n} {word}");
        }
    }
    let _ = writeln!(out, "{}", fit(&head, WIDTH));
    for e in &report.exceptions {
        let id = sanitize(&e.id);
        let when = sanitize(&crate::rules::result::shown_expiry(&e.expires_as_written));
        let line = if e.state == ExceptionState::Expired {
            format!("  {id} expired on {when}: its findings count again")
        } else if e.stale {
            format!("  {id} waives nothing: the finding is gone or its selectors miss")
        } else if e.expiring {
            format!("  {id} expires {when}: renew or fix")
        } else {
            continue;
        };
        let _ = writeln!(out, "{}", fit(&line, WIDTH));
    }
}

/// The closing block: verdict, the first fixes by cause, the files written. Every line fits
/// [`WIDTH`] columns except a written path longer than that (shown whole to stay usable).
pub fn closing(report: &Report, style: Style, written: &[String]) -> String {
    let mut out = String::new();
    let rule = "─".repeat(WIDTH);
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(
        out,
        "{}",
        fit(&format!("bollwerk: {}", verdict(report)), WIDTH)
    );
    let fixes = fixes(&report.results);
    if !fixes.is_empty() {
        let closed: usize = fixes.iter().map(|f| f.findings).sum();
        let _ = writeln!(
            out,
            "\nFix first ({} {} {}):",
            count(fixes.len(), "fix", "fixes"),
            if fixes.len() == 1 { "closes" } else { "close" },
            count(closed, "failed finding", "failed findings")
        );
        for (n, fix) in fixes.iter().take(TOP_FIXES).enumerate() {
            let sev = format!("{:?}", fix.severity).to_lowercase();
            let number = format!("{:>3}. ", n + 1);
            let title = fit(&sanitize(&fix.lead().title), WIDTH - 5 - 8);
            let _ = writeln!(
                out,
                "{number}{} {title}",
                style.paint(Status::Fail, &format!("{sev:<7}"))
            );
            let ids = fix.rule_ids().join(" ");
            let ids = fit(&sanitize(&ids), WIDTH / 2);
            let indent = "     ";
            let used = indent.len() + ids.width() + 3;
            let _ = writeln!(
                out,
                "{indent}{ids} · {}",
                reach(fix, WIDTH.saturating_sub(used))
            );
            let _ = writeln!(
                out,
                "{indent}→ {}",
                fit(
                    &first_step(&fix.lead().remediation),
                    WIDTH - indent.len() - 2
                )
            );
        }
        if fixes.len() > TOP_FIXES {
            let rest = count(fixes.len() - TOP_FIXES, "more fix", "more fixes");
            let line = match main_file(written) {
                Some(main) => format!("  and {rest}: see {}", sanitize(main)),
                None => format!("  and {rest}: run with -v for every finding"),
            };
            let _ = writeln!(out, "{line}");
        }
    } else if report.summary.counts.fail == 0 {
        let _ = writeln!(out, "\nNothing to fix: no rule failed.");
    }
    exceptions_block(&mut out, report);
    baseline_block(&mut out, report);
    if !written.is_empty() {
        let _ = writeln!(out);
        for (n, path) in written.iter().enumerate() {
            let label = if n == 0 { "Written:" } else { "" };
            let _ = writeln!(out, "{label:<9}{}", sanitize(path));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::result::RuleResult;

    /// A report with one failed per-container rule on a container called `name`.
    fn one_failure(name: &str) -> Report {
        one_failure_of(name, "c1")
    }

    fn one_failure_of(name: &str, id: &str) -> Report {
        let rule: RuleResult = serde_json::from_value(serde_json::json!({
            "id": "5.4", "section": "5", "title": "Containers add no capabilities", "level": 1,
            "assessment": "automated", "severity": "high", "scope": "each-container",
            "status": "fail", "evidence": [], "description": "", "rationale": "",
            "remediation": "Remove `--cap-add`\nand recreate it.\n\nMore.", "references": [],
            "instances": [{ "kind": "container", "id": id, "name": name, "status": "fail",
                "evidence": [{ "fact": "container.inspect.HostConfig.CapAdd",
                    "observed": ["SYS_ADMIN"], "expected": "empty", "source": "docker inspect",
                    "outcome": "fail" }] }]
        }))
        .unwrap();
        let results = vec![rule];
        Report {
            schema_version: super::super::REPORT_SCHEMA_VERSION,
            tool: super::super::ToolInfo {
                name: "bollwerk".into(),
                version: "0".into(),
                rules_version: "0".into(),
            },
            benchmark: "B".into(),
            numbering: None,
            run: serde_json::from_value(serde_json::json!({
                "hostname": "h", "fqdn": null, "os": null, "kernel": null, "interfaces": [],
                "daemon_version": "27.0", "docker_host": "unix:///s", "host_root": "/",
                "started_at": "2025-01-01T00:00:00Z", "finished_at": "2025-01-01T00:00:01Z",
                "options": { "all_containers": false, "level": 1, "include": [], "exclude": [],
                             "checks_dir": null, "snapshot": null, "trusted_users": null }
            }))
            .unwrap(),
            summary: super::super::Summary::of(&results),
            observations: Default::default(),
            expectations: Default::default(),
            results,
            collection_errors: vec![],
            notes: vec![],
            not_selected: Vec::new(),
            exceptions: Vec::new(),
            baseline: None,
        }
    }

    #[test]
    fn messages_alike_group_the_same_way_every_time() {
        // Two groups of three tie on size and first member: the hole's place decides, not the
        // order a hash map happens to give.
        let messages: Vec<String> = [
            "A set icc B",
            "A set hosts B",
            "A set tls B",
            "C set icc B",
            "D set icc B",
        ]
        .map(String::from)
        .to_vec();
        let first = alike(&messages);
        for _ in 0..20 {
            assert_eq!(alike(&messages), first);
        }
        assert!(
            first[0].starts_with("X set icc B (3 alike, X: A, C, D)"),
            "{first:?}"
        );
    }

    #[test]
    fn what_could_not_be_read_is_written_whole_and_errors_of_one_cause_once() {
        let mut report = one_failure("web");
        let cause = "dockerd's flags could not be read (/srv/a/very/long/path/to/the/socket/that/is/named/in/full.sock does not exist, so no dockerd listens there)";
        let error = |fact: &str, message: String| crate::snapshot::CollectError {
            fact: fact.into(),
            message,
        };
        for key in ["icc", "hosts", "tlscert", "live-restore"] {
            report.collection_errors.push(error(
                &format!("daemon.settings.{key}"),
                format!("{cause}: a flag may set {key}, so dockerd's default is not known"),
            ));
        }
        let unreachable = format!(
            "cannot reach the Docker daemon at unix:///srv/x.sock: {}the last words",
            "a reason the OS gave, long enough to pass the width ".repeat(3)
        );
        report
            .collection_errors
            .push(error("daemon", unreachable.clone()));
        for _ in 0..2 {
            report
                .collection_errors
                .push(error("host.daemon_sockets", "hosts is not known".into()));
        }
        let text = summary(&report, Style { color: false }, false);
        let listed = &text[text.find("could not read:").unwrap()..];
        for line in listed.lines() {
            assert!(line.width() <= WIDTH, "{} columns: {line}", line.width());
        }
        let entries: Vec<String> = listed
            .split("\n  - ")
            .skip(1)
            .map(|e| {
                e.lines()
                    .map(str::trim)
                    .take_while(|l| !l.starts_with("note:"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(entries.len(), 3, "{listed}");
        assert_eq!(
            entries[0],
            format!(
                "{cause}: a flag may set X, so dockerd's default is not known \
                 (4 alike, X: icc, hosts, tlscert, live-restore)"
            ),
            "{listed}"
        );
        assert_eq!(
            entries[1], unreachable,
            "the root cause is never cut: {listed}"
        );
        assert_eq!(entries[2], "hosts is not known (2 facts)", "{listed}");

        // Paths keep their slashes; the colon after them is the sentence's.
        let read = |p: &str| format!("cannot read {p}: Permission denied (os error 13)");
        let paths = ["/etc/a", "/etc/b", "/etc/c"].map(read);
        assert_eq!(
            alike(&paths),
            ["cannot read X: Permission denied (os error 13) (3 alike, X: /etc/a, /etc/b, /etc/c)"]
        );
    }

    #[test]
    fn the_closing_block_counts_in_words_and_defuses_long_hostile_names() {
        let name = format!("evil\u{1b}[31m\u{202e}{}", "東".repeat(80));
        let report = one_failure(&name);
        let written = ["out/report.json".to_string()];
        let text = closing(&report, Style { color: false }, &written);
        assert!(
            text.contains("bollwerk: 1 failed, 0 passed of 1 rule · score 0%"),
            "{text}"
        );
        assert!(
            text.contains("Fix first (1 fix closes 1 failed finding):"),
            "{text}"
        );
        assert!(
            text.contains("5.4 · 1 container: evil\\u{1b}[31m\\u{202e}東東"),
            "{text}"
        );
        assert!(
            text.contains("→ Remove --cap-add and recreate it.\n"),
            "{text}"
        );
        assert!(text.ends_with("Written: out/report.json\n"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
        for line in text.lines() {
            assert!(line.width() <= WIDTH, "{} columns: {line}", line.width());
        }
        assert_eq!(
            closing_line(&report, &written),
            "bollwerk: 1 failed, 0 passed of 1 rule · score 0% · report: out/report.json"
        );
    }

    #[test]
    fn the_verdict_counts_rules_for_a_person_apart_from_those_lacking_a_setting() {
        let mut report = one_failure("web");
        let notchecked = |id: &str, evidence: serde_json::Value| -> RuleResult {
            serde_json::from_value(serde_json::json!({
                "id": id, "section": "1", "title": "t", "level": 1, "assessment": "manual",
                "severity": "low", "scope": "host", "status": "notchecked",
                "message": "m", "evidence": evidence, "instances": [], "description": "",
                "rationale": "", "remediation": "", "references": []
            }))
            .unwrap()
        };
        report
            .results
            .push(notchecked("1.2.1", serde_json::json!([])));
        report.results.push(notchecked(
            "1.1.2",
            serde_json::json!([{ "fact": "host.docker_group.members", "observed": ["alice"],
                "expected": "a subset of trusted-users", "source": "/etc/group",
                "outcome": "notchecked" }]),
        ));
        // Per image, undecided without --deep-images: its instances say so.
        let mut deep = notchecked("4.8", serde_json::json!([]));
        deep.scope = crate::rules::model::Scope::EachImage;
        deep.instances = vec![serde_json::from_value(serde_json::json!({
            "kind": "image", "id": "sha256:1", "name": "app:1", "status": "notchecked",
            "message": "image file systems were not read: scan with --deep-images",
            "evidence": [] }))
        .unwrap()];
        report.results.push(deep);
        report.summary = super::super::Summary::of(&report.results);
        assert_eq!(
            closing_line(&report, &[]),
            "bollwerk: 1 failed, 0 passed, 1 by hand, 2 not checked of 4 rules · score 0%"
        );
        report.results.pop();
        report.results.pop();
        report.summary = super::super::Summary::of(&report.results);
        assert_eq!(
            closing_line(&report, &[]),
            "bollwerk: 1 failed, 0 passed, 1 by hand of 2 rules · score 0%"
        );
    }

    #[test]
    fn a_report_read_back_cannot_drive_the_terminal() {
        // Everything here comes from a report file or the host: none may reach a TTY raw.
        let evil = "x\u{1b}]0;PWN\u{7}\u{1b}[2J\r";
        let mut report = one_failure_of("web", &format!("{evil}1234567890"));
        report.tool.version = evil.into();
        report.benchmark = evil.into();
        let counts = report.summary.sections.remove("5").expect("section 5");
        report.summary.sections.insert(evil.into(), counts);
        let text = summary(&report, Style { color: false }, true);
        assert!(text.contains("x\\u{1b}]0;PWN"), "{text}");
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
            "{text:?}"
        );
    }

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
