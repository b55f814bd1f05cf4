//! Rule templates: a family of near-identical rules written once.
//!
//! A rule file may hold `[[template]]` tables: a `name`, the `parameters` it takes, and rule
//! keys every rule made from it gets, whose strings may hold `{{parameter}}`. A `[[rule]]` with
//! `template = "NAME"` and `with = { parameter = "value", … }` gets the template's keys with
//! the values put in, beside its own keys (a key may come from one side only). Expansion
//! happens on the parsed document before the rules are read, and every value keeps its place
//! in the file, so an error in a value the template gave names the template's line (and the
//! rule it was expanded for), an error in the rule's own keys the rule's line.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A template as written: its body (rule keys) and where it stands.
struct Template<'i> {
    parameters: Vec<String>,
    body: Vec<(Spanned<Cow<'i, str>>, Spanned<DeValue<'i>>)>,
    /// First and last byte of the template's keys and values.
    extent: Range<usize>,
}

/// Where a rule came from a template: for messages about the template's values.
#[derive(Debug, Clone)]
pub struct Expansion {
    /// The template's name.
    pub template: String,
    /// Byte range of the template in the file.
    pub extent: Range<usize>,
    /// Byte offset of the rule (its `[[rule]]`).
    pub rule_at: usize,
}

/// An error at a byte offset.
pub type Problem = (usize, String);

/// Expands the `[[template]]` instances among the `[[rule]]` tables of `doc`, removing the
/// templates. Returns, per rule in file order, whether and from what it was expanded.
pub fn expand(doc: &mut DeTable<'_>) -> Result<Vec<Option<Expansion>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let templates = match doc.remove("template") {
        Some(t) => read_templates(t, &mut problems),
        None => BTreeMap::new(),
    };
    let mut expansions = Vec::new();
    if let Some(rules) = doc.get_mut("rule") {
        let span = rules.span();
        if let DeValue::Array(rules) = rules.get_mut() {
            for rule in rules.iter_mut() {
                expansions.push(expand_rule(rule, &templates, &mut problems));
            }
        } else {
            problems.push((
                span.start,
                "`rule` must be a list of [[rule]] tables".into(),
            ));
        }
    }
    if problems.is_empty() {
        Ok(expansions)
    } else {
        Err(problems)
    }
}

fn read_templates<'i>(
    value: Spanned<DeValue<'i>>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Template<'i>> {
    let mut out = BTreeMap::new();
    let at = value.span().start;
    let DeValue::Array(list) = value.into_inner() else {
        problems.push((
            at,
            "`template` must be a list of [[template]] tables".into(),
        ));
        return out;
    };
    for t in list {
        let t_span = t.span();
        let DeValue::Table(table) = t.into_inner() else {
            problems.push((t_span.start, "a template is a [[template]] table".into()));
            continue;
        };
        let mut name = None;
        let mut parameters = Vec::new();
        let mut body = Vec::new();
        let mut extent = t_span.start..t_span.start;
        for (key, value) in table {
            let span = value.span();
            extent.start = extent.start.min(key.span().start);
            extent.end = extent.end.max(span.end);
            match key.get_ref().as_ref() {
                "name" => match value.get_ref().as_str() {
                    Some(n) if !n.is_empty() => name = Some((n.to_string(), span.start)),
                    _ => problems.push((span.start, "a template's `name` is a string".into())),
                },
                "parameters" => match value.get_ref().as_array() {
                    Some(list) => {
                        for p in list.iter() {
                            match p.get_ref().as_str() {
                                Some(p) if is_parameter_name(p) => parameters.push(p.to_string()),
                                _ => problems.push((
                                    p.span().start,
                                    "template parameters are names of letters, digits and '-', e.g. parameters = [\"path\", \"owner\"]".into(),
                                )),
                            }
                        }
                    }
                    None => problems.push((
                        span.start,
                        "`parameters` is a list of names, e.g. parameters = [\"path\", \"owner\"]"
                            .into(),
                    )),
                },
                "template" | "with" => problems.push((
                    span.start,
                    format!(
                        "`{}` belongs to a rule made from a template, not to the template",
                        key.get_ref()
                    ),
                )),
                _ => body.push((key, value)),
            }
        }
        let Some((name, name_at)) = name else {
            problems.push((t_span.start, "a template needs a `name`".into()));
            continue;
        };
        for (_, value) in &body {
            for (at, used) in placeholders(value) {
                if !parameters.contains(&used) {
                    problems.push((
                        at,
                        format!(
                            "template '{name}' uses {{{{{used}}}}}, which is not one of its parameters: {}",
                            list_or_none(&parameters)
                        ),
                    ));
                }
            }
        }
        if out.contains_key(&name) {
            problems.push((
                name_at,
                format!("template '{name}' is defined twice in this file"),
            ));
            continue;
        }
        out.insert(
            name,
            Template {
                parameters,
                body,
                extent,
            },
        );
    }
    out
}

fn is_parameter_name(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "it has none".into()
    } else {
        names.join(", ")
    }
}

/// Every `{{name}}` in the strings of `value`, with the offset of the string holding it.
fn placeholders(value: &Spanned<DeValue<'_>>) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    match value.get_ref() {
        DeValue::String(s) => {
            let mut rest = s.as_ref();
            while let Some(start) = rest.find("{{") {
                let after = &rest[start + 2..];
                match after.find("}}") {
                    Some(end) => {
                        out.push((value.span().start, after[..end].to_string()));
                        rest = &after[end + 2..];
                    }
                    None => break,
                }
            }
        }
        DeValue::Array(list) => list.iter().for_each(|v| out.extend(placeholders(v))),
        DeValue::Table(t) => t.values().for_each(|v| out.extend(placeholders(v))),
        _ => {}
    }
    out
}

/// `value` with every `{{name}}` of its strings replaced; spans stay.
fn substitute<'i>(
    value: &Spanned<DeValue<'i>>,
    with: &BTreeMap<String, String>,
) -> Spanned<DeValue<'i>> {
    let span = value.span();
    let v = match value.get_ref() {
        DeValue::String(s) => {
            let mut text = s.to_string();
            for (name, v) in with {
                text = text.replace(&format!("{{{{{name}}}}}"), v);
            }
            DeValue::String(Cow::Owned(text))
        }
        DeValue::Array(list) => DeValue::Array(list.iter().map(|v| substitute(v, with)).collect()),
        DeValue::Table(t) => {
            let mut out = DeTable::new();
            for (k, v) in t.iter() {
                out.insert(k.clone(), substitute(v, with));
            }
            DeValue::Table(out)
        }
        other => other.clone(),
    };
    Spanned::new(span, v)
}

fn expand_rule<'i>(
    rule: &mut Spanned<DeValue<'i>>,
    templates: &BTreeMap<String, Template<'i>>,
    problems: &mut Vec<Problem>,
) -> Option<Expansion> {
    let rule_span = rule.span();
    let DeValue::Table(table) = rule.get_mut() else {
        return None;
    };
    let name_value = table.remove("template")?;
    let with_value = table.remove("with");
    let Some(name) = name_value.get_ref().as_str().map(str::to_string) else {
        problems.push((
            name_value.span().start,
            "`template` names a [[template]] of this file".into(),
        ));
        return None;
    };
    let Some(template) = templates.get(&name) else {
        let known: Vec<String> = templates.keys().cloned().collect();
        problems.push((
            name_value.span().start,
            format!(
                "no template '{name}' in this file: {}",
                if known.is_empty() {
                    "it defines none (templates are [[template]] tables of the same file)"
                        .to_string()
                } else {
                    format!("expected one of {}", known.join(", "))
                }
            ),
        ));
        return None;
    };
    // The values of the parameters: exactly those the template takes, each a one-line string.
    let mut with = BTreeMap::new();
    let with_at = with_value
        .as_ref()
        .map_or(name_value.span().start, |w| w.span().start);
    if let Some(w) = &with_value {
        match w.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    if !template.parameters.iter().any(|p| p == k.get_ref().as_ref()) {
                        problems.push((
                            v.span().start,
                            format!(
                                "template '{name}' has no parameter '{}': it takes {}",
                                k.get_ref(),
                                list_or_none(&template.parameters)
                            ),
                        ));
                        continue;
                    }
                    match v.get_ref().as_str() {
                        Some(s) if !s.contains('\n') => {
                            with.insert(k.get_ref().to_string(), s.to_string());
                        }
                        _ => problems.push((
                            v.span().start,
                            format!("template parameter '{}' takes a one-line string", k.get_ref()),
                        )),
                    }
                }
            }
            _ => problems.push((
                w.span().start,
                "`with` is a table of the template's parameters, e.g. with = { path = \"/etc/docker\" }"
                    .into(),
            )),
        }
    }
    let missing: Vec<&str> = template
        .parameters
        .iter()
        .filter(|p| !with.contains_key(*p))
        .map(String::as_str)
        .collect();
    if !missing.is_empty()
        && matches!(
            with_value.as_ref().map(|w| w.get_ref()),
            None | Some(DeValue::Table(_))
        )
    {
        problems.push((
            with_at,
            format!(
                "template '{name}' needs a value for {} in `with = {{ … }}`",
                missing.join(", ")
            ),
        ));
    }
    for (key, value) in &template.body {
        if let Some(own) = table.get(key.get_ref().as_ref()) {
            problems.push((
                own.span().start,
                format!(
                    "`{}` comes from template '{name}': a rule made from it may not set it again",
                    key.get_ref()
                ),
            ));
            continue;
        }
        table.insert(key.clone(), substitute(value, &with));
    }
    Some(Expansion {
        template: name,
        extent: template.extent.clone(),
        rule_at: rule_span.start,
    })
}
