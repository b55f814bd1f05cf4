//! Reading XCCDF 1.2 tailoring files, such as OpenSCAP's `autotailor` writes for the
//! Benchmark of `bollwerk rules export`:
//!
//! ```xml
//! <xccdf-1.2:Tailoring xmlns:xccdf-1.2="http://checklists.nist.gov/xccdf/1.2" id="…">
//!   <xccdf-1.2:benchmark href="file:///…/bollwerk.xccdf.xml"/>
//!   <xccdf-1.2:version time="…">1</xccdf-1.2:version>
//!   <xccdf-1.2:Profile id="…_customized" extends="xccdf_dev.bollwerk_profile_level1">
//!     <xccdf-1.2:title override="false"/>
//!     <xccdf-1.2:select idref="xccdf_dev.bollwerk_rule_5.4" selected="false"/>
//!     <xccdf-1.2:set-value idref="xccdf_dev.bollwerk_value_trusted-users">alice</xccdf-1.2:set-value>
//!   </xccdf-1.2:Profile>
//! </xccdf-1.2:Tailoring>
//! ```
//!
//! `@extends` names bollwerk's Level 1 or Level 2 profile, `select` a bollwerk rule,
//! `set-value` a rule parameter. Anything bollwerk cannot apply faithfully (unknown ids,
//! group selections, `refine-rule`/`refine-value`, several profiles, other namespaces,
//! malformed XML) is an error naming the file, the line when known, and the problem, on
//! one line.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use serde_json::Value as Json;

use super::xccdf::{
    BENCHMARK_ID, GROUP_PREFIX, PROFILE_LEVEL1, PROFILE_LEVEL2, RULE_PREFIX, VALUE_PREFIX, XCCDF_NS,
};
use crate::rules::params;

/// What a tailoring file asks for.
#[derive(Debug, Clone, Default)]
pub struct Tailoring {
    /// The tailored Profile's id, as results record it (`…_customized`).
    pub profile: String,
    /// The bollwerk profile it extends, when it names one.
    pub extends: Option<String>,
    /// The CIS level of the profile it extends (Level 1 or 2), when it names one.
    pub level: Option<u8>,
    /// Explicit selections by bollwerk rule id (`5.10` → false).
    pub selected: BTreeMap<String, bool>,
    /// Values by parameter name (`trusted-users` → "alice,bob").
    pub values: BTreeMap<String, String>,
}

impl Tailoring {
    /// The values as rule parameters, shaped like the config file's: a number for numeric
    /// parameters (`max-image-age-days`), otherwise a list split at commas and white space,
    /// whose whole-number items become numbers for parameters that default to a list (port
    /// lists). [`read`] has already checked that every value converts.
    pub fn param_values(&self) -> BTreeMap<String, Json> {
        self.values
            .iter()
            .filter_map(|(name, text)| Some((name.clone(), param_value(name, text).ok()?)))
            .collect()
    }
}

/// Converts the text of a `set-value` into the parameter's JSON shape.
fn param_value(name: &str, text: &str) -> Result<Json, TailoringProblem> {
    let default = params::spec(name).and_then(|p| (p.default)());
    match default {
        Some(Json::Number(_)) => {
            let t = text.trim();
            if let Ok(n) = t.parse::<u64>() {
                Ok(Json::from(n))
            } else {
                t.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .map(Json::from)
                    .ok_or_else(|| TailoringProblem::NotANumber {
                        param: name.to_string(),
                        value: t.to_string(),
                    })
            }
        }
        other => {
            let numbers = matches!(other, Some(Json::Array(_)));
            Ok(Json::Array(
                text.split([',', ' ', '\t', '\n', '\r'])
                    .filter(|item| !item.is_empty())
                    .map(|item| match item.parse::<i64>() {
                        Ok(n) if numbers => Json::from(n),
                        _ => Json::from(item),
                    })
                    .collect(),
            ))
        }
    }
}

const XCCDF_1_1_NS: &str = "http://checklists.nist.gov/xccdf/1.1";

/// Why a tailoring file cannot be applied: it names the file (and line where one is to
/// blame) and what is wrong, on one line.
#[derive(Debug, thiserror::Error)]
pub enum TailoringError {
    /// The file could not be read.
    #[error("cannot read tailoring file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// It is not an XCCDF 1.2 tailoring file bollwerk can apply.
    #[error("{at}: not a usable XCCDF 1.2 tailoring file: {}", one_line(what))]
    Unusable {
        /// `file` or `file:line`.
        at: String,
        /// What is wrong (shown on one line).
        #[source]
        what: TailoringProblem,
    },
}

/// `what`'s text on one line: runs of white space (a line break in a value, in the XML
/// parser's words) become one space.
fn one_line(what: &TailoringProblem) -> String {
    what.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is wrong in a tailoring file, where [`TailoringError::Unusable`] has found it.
#[derive(Debug, thiserror::Error)]
pub enum TailoringProblem {
    /// The text is not well-formed XML.
    #[error("malformed XML: {0}")]
    Malformed(#[source] quick_xml::Error),
    /// An element prefix has no namespace declaration.
    #[error("undeclared namespace prefix '{prefix}'")]
    UndeclaredPrefix {
        /// The prefix.
        prefix: String,
    },
    /// A second element at the top level.
    #[error("more than one root element")]
    SecondRoot,
    /// The root is in the XCCDF 1.1 namespace.
    #[error(
        "XCCDF 1.1 is not supported; bollwerk reads XCCDF 1.2 tailoring (namespace {XCCDF_NS})"
    )]
    Xccdf11,
    /// The root is an XCCDF 1.2 Benchmark.
    #[error("this is an XCCDF Benchmark, not a tailoring file (make one with autotailor)")]
    Benchmark,
    /// The root is not an XCCDF 1.2 Tailoring.
    #[error(
        "the root element is <{element}> in namespace {}, expected <Tailoring> in {XCCDF_NS}",
        .namespace.as_deref().unwrap_or("(none)")
    )]
    Root {
        /// The root's local name.
        element: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
    },
    /// An element below the root is not in the XCCDF 1.2 namespace.
    #[error(
        "element <{element}> in namespace {} is not XCCDF 1.2 (expected {XCCDF_NS})",
        .namespace.as_deref().unwrap_or("(none)")
    )]
    Namespace {
        /// The element's local name.
        element: String,
        /// Its namespace, if it has one.
        namespace: Option<String>,
    },
    /// An element inside a `set-value`, which holds text only.
    #[error("unexpected element <{element}> inside <set-value>")]
    ElementInValue {
        /// The element's local name.
        element: String,
    },
    /// An element where XCCDF tailoring has none of its kind.
    #[error("unexpected element <{element}> in <{parent}>")]
    Unexpected {
        /// The element's local name.
        element: String,
        /// The local name of the element holding it.
        parent: String,
    },
    /// A Profile element bollwerk does not apply (`refine-rule`, `refine-value`,
    /// `set-complex-value`).
    #[error("<{element}> is not supported (use select and set-value)")]
    Unsupported {
        /// The element's local name.
        element: String,
    },
    /// An attribute that cannot be read.
    #[error("malformed attribute: {0}")]
    Attribute(#[source] quick_xml::events::attributes::AttrError),
    /// An attribute value that cannot be unescaped.
    #[error("malformed attribute {name}: {source}")]
    AttributeValue {
        /// The attribute.
        name: String,
        /// quick-xml's reason.
        source: quick_xml::Error,
    },
    /// A required attribute is absent or empty.
    #[error("<{element}> lacks the {attribute} attribute")]
    MissingAttribute {
        /// The element (`Profile`, `select`, `set-value`).
        element: String,
        /// The attribute (`id`, `idref`, `selected`).
        attribute: String,
    },
    /// Text that cannot be decoded.
    #[error("cannot decode text: {0}")]
    Decode(#[source] quick_xml::encoding::EncodingError),
    /// An entity XML does not predefine.
    #[error("unknown entity &{name};")]
    Entity {
        /// The entity's name.
        name: String,
    },
    /// A character reference that names no character.
    #[error("bad character reference: {0}")]
    CharRef(#[source] quick_xml::Error),
    /// A document type declaration.
    #[error("a DOCTYPE is not allowed in a tailoring file")]
    DocType,
    /// The text stops before an element is closed.
    #[error("the file ends inside <{element}>")]
    Unclosed {
        /// The innermost open element.
        element: String,
    },
    /// No element at all.
    #[error("the file holds no XML element")]
    Empty,
    /// The Tailoring has no Profile.
    #[error("the Tailoring holds no Profile")]
    NoProfile,
    /// The `benchmark` element names another benchmark.
    #[error("it tailors benchmark '{id}', not bollwerk's {BENCHMARK_ID}")]
    OtherBenchmark {
        /// The benchmark id it names.
        id: String,
    },
    /// A second Profile.
    #[error("it holds more than one Profile; bollwerk applies exactly one")]
    SecondProfile,
    /// The Profile extends a profile bollwerk does not have.
    #[error(
        "the Profile extends unknown profile '{profile}' (bollwerk's are {PROFILE_LEVEL1} and \
         {PROFILE_LEVEL2})"
    )]
    UnknownProfile {
        /// The profile it extends.
        profile: String,
    },
    /// The Profile id does not have XCCDF 1.2's form.
    #[error(
        "the Profile id '{id}' is not an XCCDF 1.2 profile id (xccdf_NAMESPACE_profile_NAME, \
         no spaces or colons), which results must name"
    )]
    ProfileId {
        /// The Profile's id.
        id: String,
    },
    /// A `select` whose `selected` is not a boolean.
    #[error("select {idref}: selected=\"{selected}\" is not a boolean (true or false)")]
    NotBoolean {
        /// The selected rule.
        idref: String,
        /// The value of `selected`.
        selected: String,
    },
    /// A `select` of a group.
    #[error(
        "select {idref}: selecting whole groups is not supported; select rules \
         ({RULE_PREFIX}<id>)"
    )]
    Group {
        /// The group's id.
        idref: String,
    },
    /// A `select` of a rule bollwerk does not have.
    #[error(
        "select names unknown rule '{idref}' (bollwerk's rule ids look like {RULE_PREFIX}5.4)"
    )]
    UnknownRule {
        /// The id it names.
        idref: String,
    },
    /// A `set-value` of a value bollwerk does not have.
    #[error(
        "set-value names unknown value '{idref}' (bollwerk's values: {})",
        value_ids()
    )]
    UnknownValue {
        /// The id it names.
        idref: String,
    },
    /// A `set-value` of a numeric parameter that is not a number of at least 0.
    #[error("the value of {param} must be a number of at least 0, not '{value}'")]
    NotANumber {
        /// The parameter.
        param: String,
        /// The value, trimmed.
        value: String,
    },
}

/// The XCCDF ids of bollwerk's values, comma-separated.
fn value_ids() -> String {
    params::names()
        .iter()
        .map(|p| format!("{VALUE_PREFIX}{p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<TailoringError> for String {
    fn from(e: TailoringError) -> String {
        e.to_string()
    }
}

/// Reads and checks a tailoring file; errors name the file and what is wrong.
pub fn read(path: &Path) -> Result<Tailoring, TailoringError> {
    let text = std::fs::read_to_string(path).map_err(|source| TailoringError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_named(&path.display().to_string(), &text)
}

/// Checks the text of a tailoring file; `name` is used in messages, which are one line
/// reading `name[:line]: not a usable XCCDF 1.2 tailoring file: what`.
pub fn parse_named(name: &str, text: &str) -> Result<Tailoring, TailoringError> {
    parse(text).map_err(|f| {
        let at = match f.offset {
            Some(offset) => format!("{name}:{}", line_of(text, offset)),
            None => name.to_string(),
        };
        TailoringError::Unusable { at, what: f.what }
    })
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: u64) -> usize {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// A problem and where (byte offset) it was found.
#[derive(Debug)]
struct Failure {
    offset: Option<u64>,
    what: TailoringProblem,
}

/// What the parser is inside of.
enum Mode {
    /// Elements are checked.
    Normal,
    /// Inside an element whose content is ignored (title, metadata, …), at this depth.
    Skip(usize),
    /// Reading the text of a `set-value` for this parameter.
    Value { param: String, text: String },
}

/// Parses the text of a tailoring file.
fn parse(text: &str) -> Result<Tailoring, Failure> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = NsReader::from_str(text);
    let mut out = Tailoring::default();
    // Local names of the open XCCDF elements.
    let mut stack: Vec<String> = Vec::new();
    let mut mode = Mode::Normal;
    let mut seen_root = false;
    let mut profiles = 0usize;

    loop {
        let event = reader
            .read_resolved_event()
            .map(|(ns, event)| (namespace(ns), event));
        let pos = reader.buffer_position();
        let fail = |what: TailoringProblem| Failure {
            offset: Some(pos.saturating_sub(1)),
            what,
        };
        let (ns, event) = match event {
            Ok(pair) => pair,
            Err(e) => {
                return Err(Failure {
                    offset: Some(reader.error_position()),
                    what: TailoringProblem::Malformed(e),
                })
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match &mut mode {
                    Mode::Skip(_) => {
                        if !empty {
                            stack.push(local);
                        }
                        continue;
                    }
                    Mode::Value { .. } => {
                        return Err(fail(TailoringProblem::ElementInValue { element: local }))
                    }
                    Mode::Normal => {}
                }
                let ns = ns.map_err(&fail)?;
                if stack.is_empty() {
                    if seen_root {
                        return Err(fail(TailoringProblem::SecondRoot));
                    }
                    seen_root = true;
                    check_root(ns.as_deref(), &local).map_err(&fail)?;
                    if !empty {
                        stack.push(local);
                    }
                    continue;
                }
                if ns.as_deref() != Some(XCCDF_NS) {
                    return Err(fail(TailoringProblem::Namespace {
                        element: local,
                        namespace: ns,
                    }));
                }
                let parent = stack.last().map(String::as_str).unwrap_or_default();
                let next = element(parent, &local, e, &mut out, &mut profiles).map_err(&fail)?;
                if !empty {
                    mode = match next {
                        Next::Check => Mode::Normal,
                        Next::Skip => Mode::Skip(stack.len()),
                        Next::Value(param) => Mode::Value {
                            param,
                            text: String::new(),
                        },
                    };
                    stack.push(local);
                } else if let Next::Value(param) = next {
                    out.values.insert(param, String::new());
                }
            }
            Event::End(_) => {
                stack.pop();
                match &mut mode {
                    Mode::Skip(depth) if *depth == stack.len() => mode = Mode::Normal,
                    Mode::Value { param, text } => {
                        let value = text.trim().to_string();
                        param_value(param, &value).map_err(&fail)?;
                        out.values.insert(std::mem::take(param), value);
                        mode = Mode::Normal;
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Mode::Value { text, .. } = &mut mode {
                    let s = t
                        .xml_content()
                        .map_err(|e| fail(TailoringProblem::Decode(e)))?;
                    text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Mode::Value { text, .. } = &mut mode {
                    let s = t.decode().map_err(|e| fail(TailoringProblem::Decode(e)))?;
                    text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Mode::Value { text, .. } = &mut mode {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = r.decode().unwrap_or_default().into_owned();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .map(str::to_string)
                                .ok_or_else(|| fail(TailoringProblem::Entity { name }))?
                        }
                        Err(e) => return Err(fail(TailoringProblem::CharRef(e))),
                    };
                    text.push_str(&c);
                }
            }
            Event::DocType(_) => return Err(fail(TailoringProblem::DocType)),
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(fail(TailoringProblem::Unclosed {
                        element: open.clone(),
                    }));
                }
                break;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !seen_root {
        return Err(Failure {
            offset: None,
            what: TailoringProblem::Empty,
        });
    }
    if profiles == 0 {
        return Err(Failure {
            offset: None,
            what: TailoringProblem::NoProfile,
        });
    }
    Ok(out)
}

/// The namespace an element is in: `Ok(None)` for no namespace, `Err` for an undeclared
/// prefix.
fn namespace(ns: ResolveResult) -> Result<Option<String>, TailoringProblem> {
    match ns {
        ResolveResult::Bound(n) => Ok(Some(String::from_utf8_lossy(n.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(TailoringProblem::UndeclaredPrefix {
            prefix: String::from_utf8_lossy(&prefix).into_owned(),
        }),
    }
}

/// Whether the root element is an XCCDF 1.2 Tailoring.
fn check_root(ns: Option<&str>, local: &str) -> Result<(), TailoringProblem> {
    match (ns, local) {
        (Some(XCCDF_NS), "Tailoring") => Ok(()),
        (Some(XCCDF_1_1_NS), _) => Err(TailoringProblem::Xccdf11),
        (Some(XCCDF_NS), "Benchmark") => Err(TailoringProblem::Benchmark),
        (ns, _) => Err(TailoringProblem::Root {
            element: local.to_string(),
            namespace: ns.map(str::to_string),
        }),
    }
}

/// What to do with an element's content.
enum Next {
    /// Check the child elements.
    Check,
    /// Ignore the content.
    Skip,
    /// Read the text as the value of this parameter.
    Value(String),
}

/// The value of attribute `name` of `e`, unescaped.
fn attr(e: &BytesStart, name: &str) -> Result<Option<String>, TailoringProblem> {
    for a in e.attributes() {
        let a = a.map_err(TailoringProblem::Attribute)?;
        if a.key.as_ref() == name.as_bytes() {
            let v = a
                .unescape_value()
                .map_err(|source| TailoringProblem::AttributeValue {
                    name: name.to_string(),
                    source,
                })?;
            return Ok(Some(v.trim().to_string()));
        }
    }
    Ok(None)
}

/// The value of attribute `name` of `element`, which must be there and not empty.
fn required(e: &BytesStart, element: &str, name: &str) -> Result<String, TailoringProblem> {
    attr(e, name)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| TailoringProblem::MissingAttribute {
            element: element.to_string(),
            attribute: name.to_string(),
        })
}

/// Whether `id` has XCCDF 1.2's form for Profile ids: `xccdf_NS_profile_NAME`, an NCName.
fn is_profile_id(id: &str) -> bool {
    let ncname = id
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !id.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
    let shaped = id
        .strip_prefix("xccdf_")
        .and_then(|rest| rest.split_once("_profile_"))
        .is_some_and(|(ns, name)| !ns.is_empty() && !ns.contains('_') && !name.is_empty());
    ncname && shaped
}

/// Checks one XCCDF element below the root and records what it asks for.
fn element(
    parent: &str,
    local: &str,
    e: &BytesStart,
    out: &mut Tailoring,
    profiles: &mut usize,
) -> Result<Next, TailoringProblem> {
    match (parent, local) {
        ("Tailoring", "status" | "dc-status" | "version" | "metadata" | "signature") => {
            Ok(Next::Skip)
        }
        ("Tailoring", "benchmark") => {
            if let Some(id) = attr(e, "id")? {
                if id != BENCHMARK_ID {
                    return Err(TailoringProblem::OtherBenchmark { id });
                }
            }
            Ok(Next::Skip)
        }
        ("Tailoring", "Profile") => {
            *profiles += 1;
            if *profiles > 1 {
                return Err(TailoringProblem::SecondProfile);
            }
            out.profile = required(e, "Profile", "id")?;
            out.extends = attr(e, "extends")?.filter(|x| !x.is_empty());
            out.level = match attr(e, "extends")?.as_deref() {
                None | Some("") => None,
                Some(PROFILE_LEVEL1) => Some(1),
                Some(PROFILE_LEVEL2) => Some(2),
                Some(other) => {
                    return Err(TailoringProblem::UnknownProfile {
                        profile: other.to_string(),
                    })
                }
            };
            if !is_profile_id(&out.profile) {
                return Err(TailoringProblem::ProfileId {
                    id: out.profile.clone(),
                });
            }
            Ok(Next::Check)
        }
        (
            "Profile",
            "status" | "dc-status" | "version" | "title" | "description" | "reference" | "platform"
            | "metadata" | "signature",
        ) => Ok(Next::Skip),
        ("Profile", "select") => {
            let idref = required(e, "select", "idref")?;
            let selected = match required(e, "select", "selected")?.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => {
                    return Err(TailoringProblem::NotBoolean {
                        idref,
                        selected: other.to_string(),
                    })
                }
            };
            match idref.strip_prefix(RULE_PREFIX) {
                Some(id) if !id.is_empty() => {
                    out.selected.insert(id.to_string(), selected);
                    Ok(Next::Skip)
                }
                _ if idref.starts_with(GROUP_PREFIX) => Err(TailoringProblem::Group { idref }),
                _ => Err(TailoringProblem::UnknownRule { idref }),
            }
        }
        ("Profile", "set-value") => {
            let idref = required(e, "set-value", "idref")?;
            match idref.strip_prefix(VALUE_PREFIX) {
                Some(param) if params::is_known(param) => Ok(Next::Value(param.into())),
                _ => Err(TailoringProblem::UnknownValue { idref }),
            }
        }
        ("Profile", "refine-value" | "refine-rule" | "set-complex-value") => {
            Err(TailoringProblem::Unsupported {
                element: local.to_string(),
            })
        }
        (parent, local) => Err(TailoringProblem::Unexpected {
            element: local.to_string(),
            parent: parent.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTOTAILOR: &str = r#"<xccdf-1.2:Tailoring xmlns:xccdf-1.2="http://checklists.nist.gov/xccdf/1.2" id="xccdf_auto_tailoring_default"><xccdf-1.2:benchmark href="file:///tmp/b.xml" /><xccdf-1.2:version time="2025-01-01T00:00:00">1</xccdf-1.2:version><xccdf-1.2:Profile id="xccdf_dev.bollwerk_profile_level1_customized" extends="xccdf_dev.bollwerk_profile_level1"><xccdf-1.2:title override="false" /><xccdf-1.2:select idref="xccdf_dev.bollwerk_rule_5.4" selected="false" /><xccdf-1.2:select idref="xccdf_dev.bollwerk_rule_2.2" selected="true" /><xccdf-1.2:set-value idref="xccdf_dev.bollwerk_value_trusted-users">alice,b&amp;b</xccdf-1.2:set-value></xccdf-1.2:Profile></xccdf-1.2:Tailoring>"#;

    #[test]
    fn autotailor_output_is_read() {
        let t = parse(AUTOTAILOR).unwrap();
        assert_eq!(t.level, Some(1));
        assert_eq!(t.selected.get("5.4"), Some(&false));
        assert_eq!(t.selected.get("2.2"), Some(&true));
        assert_eq!(
            t.values.get("trusted-users").map(String::as_str),
            Some("alice,b&b")
        );
        assert_eq!(
            t.param_values()["trusted-users"],
            serde_json::json!(["alice", "b&b"])
        );
    }

    #[test]
    fn values_take_the_parameters_shape() {
        assert_eq!(
            param_value("max-image-age-days", " 7 ").unwrap(),
            serde_json::json!(7)
        );
        assert!(param_value("max-image-age-days", "soon").is_err());
        assert_eq!(
            param_value("allowed-privileged-ports", "80, 443").unwrap(),
            serde_json::json!([80, 443])
        );
        assert_eq!(
            param_value("trusted-users", "alice bob").unwrap(),
            serde_json::json!(["alice", "bob"])
        );
        let bad = AUTOTAILOR.replace(
            "value_trusted-users\">alice,b&amp;b",
            "value_max-image-age-days\">soon",
        );
        let f = parse(&bad).unwrap_err();
        assert!(
            f.what.to_string().contains("must be a number"),
            "{}",
            f.what
        );
    }

    #[test]
    fn problems_are_reported_with_lines() {
        let bad = AUTOTAILOR
            .replace("rule_5.4", "rulez_5.4")
            .replace("><", ">\n<");
        let f = parse(&bad).unwrap_err();
        assert!(
            f.what
                .to_string()
                .contains("unknown rule 'xccdf_dev.bollwerk_rulez_5.4'"),
            "{}",
            f.what
        );
        assert_eq!(line_of(&bad, f.offset.unwrap()), 6);

        let f = parse(&AUTOTAILOR.replace("value_trusted-users", "value_x")).unwrap_err();
        assert!(f.what.to_string().contains("unknown value"), "{}", f.what);
        let f = parse(&AUTOTAILOR.replace("profile_level1\"", "profile_level3\"")).unwrap_err();
        assert!(f.what.to_string().contains("unknown profile"), "{}", f.what);
        let f = parse(&AUTOTAILOR.replace("xccdf/1.2", "xccdf/1.1")).unwrap_err();
        assert!(f.what.to_string().contains("XCCDF 1.1"), "{}", f.what);
        let f = parse(&AUTOTAILOR.replace("</xccdf-1.2:Profile>", "")).unwrap_err();
        assert!(f.what.to_string().contains("malformed XML"), "{}", f.what);
        let f = parse("<a").unwrap_err();
        assert!(f.what.to_string().contains("malformed XML"), "{}", f.what);
        let f = parse("").unwrap_err();
        assert!(f.what.to_string().contains("no XML element"), "{}", f.what);
        let f = parse(&AUTOTAILOR.replace(
            "<xccdf-1.2:title override=\"false\" />",
            "<x:title xmlns:x=\"urn:other\"/>",
        ))
        .unwrap_err();
        assert!(f.what.to_string().contains("not XCCDF 1.2"), "{}", f.what);
        let f = parse(&AUTOTAILOR.replace("rule_5.4", "group_section-5")).unwrap_err();
        assert!(f.what.to_string().contains("groups"), "{}", f.what);
    }
}
