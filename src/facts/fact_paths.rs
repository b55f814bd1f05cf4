//! Which fact paths exist: read off the snapshot's own JSON Schema, so that the rule loader,
//! the evaluator and the snapshot types cannot disagree about a field's name.
//!
//! A path is walked through the schema of its root (`host` → [`HostFacts`], `daemon` →
//! [`DaemonFacts`], `container` → [`ContainerFacts`], `image` → [`ImageFacts`]): a key must be a
//! property of an object, any key of a map, a position of a list. Docker's own documents
//! (`inspect`, `version`, `info`, …) are free-form below their field, and so is what a path
//! reaches inside them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::snapshot::{ContainerFacts, DaemonFacts, HostFacts, ImageFacts};

/// One step of a fact path.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    /// A field or map key.
    Key(&'a str),
    /// A list position.
    Index,
}

/// The schemas of the four roots and their shared definitions.
struct Schemas {
    roots: BTreeMap<&'static str, Value>,
}

static SCHEMAS: LazyLock<Schemas> = LazyLock::new(|| {
    let mut roots = BTreeMap::new();
    roots.insert("host", schema_of::<HostFacts>());
    roots.insert("daemon", schema_of::<DaemonFacts>());
    roots.insert("container", schema_of::<ContainerFacts>());
    roots.insert("image", schema_of::<ImageFacts>());
    Schemas { roots }
});

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("a schema is JSON")
}

/// The fields directly below `root` (`hostname`, `files`, …), in schema order; empty for a
/// root without a schema.
pub fn fields(root: &str) -> Vec<String> {
    SCHEMAS
        .roots
        .get(root)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Whether `name` is a field directly below `root`.
pub fn is_field(root: &str, name: &str) -> bool {
    SCHEMAS
        .roots
        .get(root)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .is_some_and(|p| p.contains_key(name))
}

/// Checks that `steps` below `root` name something a snapshot can hold. The error says which
/// step is wrong and what was expected there (`unknown field 'moed' under host.files[…]:
/// expected one of exists, kind, …`).
pub fn check(root: &str, steps: &[Step]) -> Result<(), FactPathError> {
    let Some(schema) = SCHEMAS.roots.get(root) else {
        return Ok(()); // `item` and other roots are not the snapshot's.
    };
    let defs = schema.get("$defs").and_then(Value::as_object);
    let mut node = schema;
    let mut at = root.to_string();
    for step in steps {
        node = resolve(node, defs);
        if is_free(node) {
            return Ok(());
        }
        let next = match step {
            Step::Key(k) => key(node, k, &at)?,
            Step::Index => index(node, &at)?,
        };
        match step {
            Step::Key(k) if is_identifier(k) => {
                at.push('.');
                at.push_str(k);
            }
            Step::Key(_) => at.push_str("[…]"),
            Step::Index => at.push_str("[N]"),
        }
        node = next;
    }
    Ok(())
}

fn is_identifier(k: &str) -> bool {
    k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Follows `$ref` and unwraps `Option` (`anyOf: [X, null]`).
fn resolve<'s>(mut node: &'s Value, defs: Option<&'s serde_json::Map<String, Value>>) -> &'s Value {
    loop {
        if let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            match defs.and_then(|d| d.get(name)) {
                Some(def) => node = def,
                None => return node,
            }
            continue;
        }
        let alternatives = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(alts) = alternatives {
            let real: Vec<&Value> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if let [one] = real.as_slice() {
                node = one;
                continue;
            }
        }
        return node;
    }
}

/// A schema that admits any document (Docker's own JSON).
fn is_free(node: &Value) -> bool {
    match node {
        Value::Bool(true) => true,
        Value::Object(m) => {
            !m.contains_key("type")
                && !m.contains_key("properties")
                && !m.contains_key("additionalProperties")
                && !m.contains_key("items")
                && !m.contains_key("$ref")
                && !m.contains_key("enum")
                && !m.contains_key("const")
        }
        _ => false,
    }
}

fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn key<'s>(node: &'s Value, k: &str, at: &str) -> Result<&'s Value, FactPathError> {
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        if let Some(p) = props.get(k) {
            return Ok(p);
        }
        // A value with its source (`daemon.settings.icc`) reads as the value it carries.
        if props.contains_key("value") && props.contains_key("source") {
            return Ok(&props["value"]);
        }
        if !matches!(node.get("additionalProperties"), Some(v) if v.is_object() || v == &Value::Bool(true))
        {
            return Err(FactPathError::UnknownField {
                at: at.to_string(),
                field: k.to_string(),
                expected: props.keys().cloned().collect(),
            });
        }
    }
    match node.get("additionalProperties") {
        Some(v) if v.is_object() || v == &Value::Bool(true) => return Ok(v),
        _ => {}
    }
    let t = types(node);
    if t.contains(&"array") {
        return Err(FactPathError::ListWithoutPosition { at: at.to_string() });
    }
    Err(FactPathError::NoFields {
        at: at.to_string(),
        kind: match t.first() {
            Some(&"string") => "text",
            Some(&"boolean") => "true or false",
            Some(&"integer") | Some(&"number") => "a number",
            _ => "a single value",
        },
        field: k.to_string(),
    })
}

fn index<'s>(node: &'s Value, at: &str) -> Result<&'s Value, FactPathError> {
    if types(node).contains(&"array") {
        return Ok(node.get("items").unwrap_or(&Value::Bool(true)));
    }
    Err(FactPathError::NotAList { at: at.to_string() })
}

/// Why a fact path names nothing a snapshot can hold; `at` is the path up to the wrong step
/// (`host.files[…]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactPathError {
    /// A field the snapshot does not have at that place.
    #[error("unknown field '{field}' under {at}: expected one of {}", .expected.join(", "))]
    UnknownField {
        /// The path up to the field.
        at: String,
        /// The field named.
        field: String,
        /// The fields there are.
        expected: Vec<String>,
    },
    /// A field asked of a list.
    #[error("{at} is a list: name a position ({at}[0]) or test the whole list")]
    ListWithoutPosition {
        /// The path of the list.
        at: String,
    },
    /// A field asked of a single value.
    #[error("{at} is {kind}: it has no field '{field}'")]
    NoFields {
        /// The path of the value.
        at: String,
        /// What it is, in words ("text", "a number").
        kind: &'static str,
        /// The field named.
        field: String,
    },
    /// A position asked of something that is not a list.
    #[error("{at} is not a list: it has no positions")]
    NotAList {
        /// The path of the value.
        at: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_typed_fields_maps_and_free_documents() {
        assert!(check(
            "host",
            &[Step::Key("files"), Step::Key("/etc/x"), Step::Key("mode")]
        )
        .is_ok());
        let e = check(
            "host",
            &[Step::Key("files"), Step::Key("/etc/x"), Step::Key("moed")],
        )
        .unwrap_err();
        let FactPathError::UnknownField {
            at,
            field,
            expected,
        } = &e
        else {
            panic!("{e:?}")
        };
        assert_eq!((at.as_str(), field.as_str()), ("host.files[…]", "moed"));
        assert!(expected.iter().any(|f| f == "mode"), "{e}");
        assert!(
            e.to_string()
                .starts_with("unknown field 'moed' under host.files[…]: expected one of"),
            "{e}"
        );
        assert!(check(
            "container",
            &[
                Step::Key("inspect"),
                Step::Key("HostConfig"),
                Step::Key("Anything")
            ]
        )
        .is_ok());
        assert!(check("daemon", &[Step::Key("settings"), Step::Key("icc")]).is_ok());
        assert!(check(
            "host",
            &[Step::Key("interfaces"), Step::Index, Step::Key("name")]
        )
        .is_ok());
        assert!(check("host", &[Step::Key("hostname"), Step::Key("x")]).is_err());
        assert!(check("image", &[Step::Key("nope")]).is_err());
        assert!(is_field("container", "capabilities"));
        assert!(fields("daemon").contains(&"settings".to_string()));
    }
}
