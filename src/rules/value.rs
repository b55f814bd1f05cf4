//! Values as rules see them, and the comparisons operators make.
//!
//! Every fact a rule reads is a node of a compact [`Doc`](crate::doc::Doc): the evaluator
//! builds one document each for the host, the daemon and every image, and one for each
//! container's facts beside its inspect document (which is one already). Rule operands
//! (literals, configuration parameters) stay `serde_json` values, as the rule files give them.
//! [`V`] borrows either, so comparing a fact with an operand copies neither.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

pub use crate::doc::Member;
use crate::doc::{KeyHint, Node};

/// A borrowed JSON value: a fact's document node or an operand's value.
#[derive(Clone, Copy, Debug)]
pub enum V<'x> {
    /// A rule operand or parameter, as loaded.
    Json(&'x Value),
    /// A fact: a node of a compact document.
    Doc(Node<'x>),
}

impl<'x> V<'x> {
    /// An object's field.
    pub fn get(self, key: &str) -> Option<V<'x>> {
        match self {
            V::Json(Value::Object(m)) => m.get(key).map(V::Json),
            V::Json(_) => None,
            V::Doc(n) => n.get(key).map(V::Doc),
        }
    }

    /// [`V::get`] with a [`KeyHint`] for documents.
    #[inline]
    pub fn get_hinted(self, key: &str, hint: &KeyHint) -> Option<V<'x>> {
        match self {
            V::Doc(n) => n.get_hinted(key, hint).map(V::Doc),
            other => other.get(key),
        }
    }

    /// An array's element.
    pub fn index(self, i: usize) -> Option<V<'x>> {
        match self {
            V::Json(Value::Array(a)) => a.get(i).map(V::Json),
            V::Json(_) => None,
            V::Doc(n) => n.index(i).map(V::Doc),
        }
    }

    /// True for `null`.
    pub fn is_null(self) -> bool {
        match self {
            V::Json(v) => v.is_null(),
            V::Doc(n) => n.is_null(),
        }
    }

    /// The string, if this is one.
    pub fn as_str(self) -> Option<&'x str> {
        match self {
            V::Json(v) => v.as_str(),
            V::Doc(n) => n.as_str(),
        }
    }

    fn as_bool(self) -> Option<bool> {
        match self {
            V::Json(v) => v.as_bool(),
            V::Doc(n) => n.as_bool(),
        }
    }

    fn as_f64(self) -> Option<f64> {
        match self {
            V::Json(v) => v.as_f64(),
            V::Doc(n) => n.as_f64(),
        }
    }

    fn is_number(self) -> bool {
        match self {
            V::Json(v) => v.is_number(),
            V::Doc(n) => n.as_number().is_some(),
        }
    }

    /// A copy as a `serde_json` value.
    pub fn to_value(self) -> Value {
        match self {
            V::Json(v) => v.clone(),
            V::Doc(n) => n.to_value(),
        }
    }

    /// `{ "value": …, "source": "…" }`: a sourced setting, with its source.
    #[inline]
    pub fn sourced(self) -> Option<(V<'x>, &'x str)> {
        match self {
            V::Json(Value::Object(m)) if m.len() == 2 => match (m.get("value"), m.get("source")) {
                (Some(v), Some(Value::String(src))) => Some((V::Json(v), src)),
                _ => None,
            },
            V::Doc(n) if n.is_object() && n.len() == 2 => {
                let src = n.get("source")?.as_str()?;
                Some((V::Doc(n.get("value")?), src))
            }
            _ => None,
        }
    }

    /// The elements of a list; nothing for `null`; the value itself otherwise.
    pub fn list(self) -> impl Iterator<Item = V<'x>> {
        let members = match self {
            V::Json(Value::Array(a)) => Members::JsonArray(a.iter().enumerate()),
            V::Doc(n) if n.is_array() => Members::Doc(n.members()),
            v if v.is_null() => Members::One(None),
            other => Members::One(Some(other)),
        };
        members.map(|(_, v)| v)
    }

    /// Elements of an array (with their index) or fields of an object (with their key); a
    /// scalar is its own single member, at index `usize::MAX`; `null` has one member too.
    pub fn members(self) -> Members<'x> {
        match self {
            V::Json(Value::Array(a)) => Members::JsonArray(a.iter().enumerate()),
            V::Json(Value::Object(m)) => Members::JsonObject(m.iter()),
            V::Doc(n) if n.is_array() => Members::Doc(n.members()),
            V::Doc(n) if n.is_object() => Members::Doc(n.members()),
            other => Members::One(Some(other)),
        }
    }

    /// Text of a scalar: strings as they are, other values as JSON.
    pub fn text(self) -> Cow<'x, str> {
        match self.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(self.to_value().to_string()),
        }
    }

    /// Empty string, list or object, or `null`.
    pub fn is_empty(self) -> bool {
        match self {
            V::Json(v) => match v {
                Value::Null => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                _ => false,
            },
            V::Doc(n) => {
                n.is_null()
                    || n.as_str().is_some_and(str::is_empty)
                    || ((n.is_array() || n.is_object()) && n.is_empty())
            }
        }
    }

    /// Equality that treats numbers by value and a string "true"/"42" like the bool or number.
    pub fn loose_eq(self, other: V<'_>) -> bool {
        // Most comparisons are a fact's text or switch against a rule's: settled by kind alone.
        if let Some(same) = self.same_kind_scalars_eq(other) {
            return same;
        }
        if let (Some(x), Some(y)) = (self.number(), other.number()) {
            return x == y;
        }
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) => return a == b,
            (Some(s), None) => return other.eq_text(s),
            (None, Some(s)) => return self.eq_text(s),
            (None, None) => {}
        }
        if self.is_null() || other.is_null() {
            return self.is_null() && other.is_null();
        }
        match (self.as_bool(), other.as_bool()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => match (self, other) {
                (V::Json(a), V::Json(b)) => a == b,
                (V::Doc(a), V::Doc(b)) => a == b,
                (V::Doc(n), V::Json(v)) | (V::Json(v), V::Doc(n)) => n == *v,
            },
            _ => false,
        }
    }

    /// Two strings or two booleans compared as [`V::loose_eq`] compares them (plain
    /// equality); `None` for any other pair.
    #[inline]
    fn same_kind_scalars_eq(self, other: V<'_>) -> Option<bool> {
        match (self.as_str(), other.as_str()) {
            (Some(a), Some(b)) => return Some(a == b),
            (Some(_), None) | (None, Some(_)) => return None,
            (None, None) => {}
        }
        match (self.as_bool(), other.as_bool()) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        }
    }

    /// Number by value (numbers only, not numeric strings).
    fn number(self) -> Option<f64> {
        if self.is_number() {
            self.as_f64()
        } else {
            None
        }
    }

    /// This non-string value compared with text `s` as [`V::loose_eq`] does.
    fn eq_text(self, s: &str) -> bool {
        if let Some(b) = self.as_bool() {
            return s.parse::<bool>().ok() == Some(b);
        }
        if self.is_number() {
            return s.parse::<f64>().ok() == self.as_f64();
        }
        false
    }

    /// Substring, list element (loosely equal) or object key.
    pub fn contains(self, needle: V<'_>) -> bool {
        match self {
            V::Json(Value::String(h)) => needle.as_str().is_some_and(|n| h.contains(n)),
            V::Json(Value::Array(a)) => a.iter().any(|v| V::Json(v).loose_eq(needle)),
            V::Json(Value::Object(o)) => needle.as_str().is_some_and(|k| o.contains_key(k)),
            V::Json(_) => false,
            V::Doc(n) => {
                if let Some(h) = n.as_str() {
                    needle.as_str().is_some_and(|s| h.contains(s))
                } else if n.is_array() {
                    n.elements().any(|v| V::Doc(v).loose_eq(needle))
                } else if n.is_object() {
                    needle.as_str().is_some_and(|k| n.get(k).is_some())
                } else {
                    false
                }
            }
        }
    }

    /// Numeric comparison; numeric strings count as numbers.
    pub fn compare(self, want: V<'_>) -> Option<Ordering> {
        let num = |v: V<'_>| match v.as_str() {
            Some(s) => s.trim().parse::<f64>().ok(),
            None => v.number(),
        };
        let (a, b) = (num(self)?, num(want)?);
        Some(a.partial_cmp(&b).unwrap_or(Ordering::Equal))
    }
}

/// Iterator of [`V::members`].
pub enum Members<'x> {
    /// A `serde_json` array.
    JsonArray(std::iter::Enumerate<std::slice::Iter<'x, Value>>),
    /// A `serde_json` object.
    JsonObject(serde_json::map::Iter<'x>),
    /// An array or object of a [`Doc`](crate::doc::Doc).
    Doc(crate::doc::Members<'x>),
    /// A scalar.
    One(Option<V<'x>>),
}

impl<'x> Iterator for Members<'x> {
    type Item = (Member<'x>, V<'x>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Members::JsonArray(it) => it.next().map(|(i, v)| (Member::Index(i), V::Json(v))),
            Members::JsonObject(it) => it.next().map(|(k, v)| (Member::Key(k), V::Json(v))),
            Members::Doc(it) => it.next().map(|(m, n)| (m, V::Doc(n))),
            Members::One(v) => v.take().map(|v| (Member::Index(usize::MAX), v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use serde_json::json;

    /// Every operation gives the same answer on a `Value` and on the same `Doc`.
    #[test]
    fn json_and_doc_agree() {
        let samples = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(42),
            json!(-3),
            json!(2.5),
            json!("42"),
            json!("true"),
            json!("false"),
            json!(""),
            json!("abc"),
            json!([]),
            json!(["a", 1, true]),
            json!({}),
            json!({"a": 1}),
            json!({"value": false, "source": "flag --icc=false"}),
        ];
        let docs: Vec<Doc> = samples.iter().map(Doc::from).collect();
        for (a, da) in samples.iter().zip(&docs) {
            let (ja, na) = (V::Json(a), V::Doc(da.root()));
            assert_eq!(ja.is_empty(), na.is_empty(), "{a}");
            if !a.is_object() {
                // Objects print with their keys sorted in a Doc.
                assert_eq!(ja.text(), na.text(), "{a}");
            }
            assert_eq!(ja.list().count(), na.list().count(), "{a}");
            assert_eq!(ja.sourced().map(|s| s.1), na.sourced().map(|s| s.1), "{a}");
            for (b, db) in samples.iter().zip(&docs) {
                let (jb, nb) = (V::Json(b), V::Doc(db.root()));
                assert_eq!(ja.loose_eq(jb), na.loose_eq(nb), "{a} == {b}");
                assert_eq!(ja.loose_eq(jb), na.loose_eq(jb), "{a} == {b}");
                assert_eq!(ja.contains(jb), na.contains(nb), "{a} contains {b}");
                assert_eq!(ja.compare(jb), na.compare(nb), "{a} cmp {b}");
            }
        }
    }

    #[test]
    fn loose_equality() {
        let eq = |a: Value, b: Value| V::Json(&a).loose_eq(V::Json(&b));
        assert!(eq(json!(1), json!(1.0)));
        assert!(eq(json!("true"), json!(true)));
        assert!(eq(json!(false), json!("false")));
        assert!(eq(json!("42"), json!(42)));
        assert!(!eq(json!("42"), json!("42.0")));
        assert!(!eq(json!(null), json!(false)));
        assert!(eq(json!(["a"]), json!(["a"])));
        assert!(!eq(json!(0), json!(false)));
        assert!(eq(json!("x"), json!("x")) && !eq(json!("x"), json!("y")));
        assert!(eq(json!(true), json!(true)) && !eq(json!(true), json!(false)));
        assert!(!eq(json!("1"), json!(true)) && !eq(json!(null), json!("null")));
        // Lists and objects: a fact in a document against an operand, either way round.
        let fact = crate::doc::Doc::from(&json!({"a": [1, "x"]}));
        let (same, other) = (json!({"a": [1, "x"]}), json!({"a": [1, "y"]}));
        assert!(V::Doc(fact.root()).loose_eq(V::Json(&same)));
        assert!(V::Json(&same).loose_eq(V::Doc(fact.root())));
        assert!(!V::Doc(fact.root()).loose_eq(V::Json(&other)));
        assert!(V::Doc(fact.root()).loose_eq(V::Doc(fact.root())));
    }
}
