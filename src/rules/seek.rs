//! Reads one fact out of a typed value without turning the whole value into JSON.
//!
//! Rules address typed facts (`container.runtime.namespaces.net.shared_with_host`) by the names
//! serde gives them. Converting a container's typed facts to a `serde_json::Value` for every
//! evaluation cost more than evaluating the rules; [`seek`] instead drives the value's own
//! `Serialize` implementation and descends only into the field, key or element the path names,
//! so names always match the snapshot's JSON and only the value found is built.

use serde::ser::{self, Impossible, Serialize};
use serde_json::{Error, Value};

use super::path::Segment;

/// The value at `path` below `value`, as JSON; `None` when the path leads nowhere.
pub fn seek<T: Serialize + ?Sized>(value: &T, path: &[Segment]) -> Option<Value> {
    if path.is_empty() {
        return serde_json::to_value(value).ok();
    }
    value.serialize(Seek { path }).ok().flatten()
}

/// A serializer that looks for `path` (never empty) in what it is given.
struct Seek<'p> {
    path: &'p [Segment],
}

impl<'p> Seek<'p> {
    fn key(&self) -> Option<&'p str> {
        match &self.path[0] {
            Segment::Key(k) => Some(k),
            Segment::Index(_) => None,
        }
    }
}

/// Looks for the element, field or entry the path's first segment names.
struct Found<'p> {
    path: &'p [Segment],
    /// Elements seen so far (sequences), or whether the last map key matched.
    index: usize,
    matched: bool,
    found: Option<Value>,
}

impl<'p> Found<'p> {
    fn new(path: &'p [Segment]) -> Found<'p> {
        Found {
            path,
            index: 0,
            matched: false,
            found: None,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) {
        if self.found.is_none() && self.path[0] == Segment::Index(self.index) {
            self.found = seek(v, &self.path[1..]);
        }
        self.index += 1;
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, v: &T) {
        if self.found.is_none() && matches!(&self.path[0], Segment::Key(k) if k == name) {
            self.found = seek(v, &self.path[1..]);
        }
    }
}

macro_rules! nothing {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Self::Ok, Self::Error> { Ok(Default::default()) })*
    };
}

impl<'p> ser::Serializer for Seek<'p> {
    type Ok = Option<Value>;
    type Error = Error;
    type SerializeSeq = Found<'p>;
    type SerializeTuple = Found<'p>;
    type SerializeTupleStruct = Found<'p>;
    type SerializeTupleVariant = Found<'p>;
    type SerializeMap = Found<'p>;
    type SerializeStruct = Found<'p>;
    type SerializeStructVariant = Found<'p>;

    nothing!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Self::Ok, Error> {
        v.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Self::Ok, Error> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Self::Ok, Error> {
        // serde_json writes these as {"variant": value}.
        Ok(match self.key() {
            Some(k) if k == variant => seek(v, &self.path[1..]),
            _ => None,
        })
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Found<'p>, Error> {
        Ok(Found::new(self.path))
    }

    fn serialize_tuple(self, _: usize) -> Result<Found<'p>, Error> {
        Ok(Found::new(self.path))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Found<'p>, Error> {
        Ok(Found::new(self.path))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Found<'p>, Error> {
        // {"variant": [...]}: not used by the facts model; nothing is found in it.
        Ok(Found::new(&[]))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Found<'p>, Error> {
        Ok(Found::new(self.path))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Found<'p>, Error> {
        Ok(Found::new(self.path))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Found<'p>, Error> {
        Ok(Found::new(&[]))
    }
}

impl ser::SerializeSeq for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        if !self.path.is_empty() {
            self.element(v);
        }
        Ok(())
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeTuple for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeTupleStruct for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, v)
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeTupleVariant for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Error> {
        Ok(())
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(None)
    }
}

impl ser::SerializeMap for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.matched = match self.path.first() {
            Some(Segment::Key(want)) if self.found.is_none() => {
                key.serialize(KeyIs(want)).unwrap_or(false)
            }
            _ => false,
        };
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        if self.matched {
            self.found = seek(v, &self.path[1..]);
            self.matched = false;
        }
        Ok(())
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeStruct for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        if !self.path.is_empty() {
            self.field(name, v);
        }
        Ok(())
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(self.found)
    }
}

impl ser::SerializeStructVariant for Found<'_> {
    type Ok = Option<Value>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn end(self) -> Result<Option<Value>, Error> {
        Ok(None)
    }
}

/// Whether a map key serialises to the string `.0` (keys are strings in the facts model).
struct KeyIs<'k>(&'k str);

impl ser::Serializer for KeyIs<'_> {
    type Ok = bool;
    type Error = Error;
    type SerializeSeq = Impossible<bool, Error>;
    type SerializeTuple = Impossible<bool, Error>;
    type SerializeTupleStruct = Impossible<bool, Error>;
    type SerializeTupleVariant = Impossible<bool, Error>;
    type SerializeMap = Impossible<bool, Error>;
    type SerializeStruct = Impossible<bool, Error>;
    type SerializeStructVariant = Impossible<bool, Error>;

    fn serialize_str(self, v: &str) -> Result<bool, Error> {
        Ok(v == self.0)
    }

    fn serialize_u64(self, v: u64) -> Result<bool, Error> {
        Ok(self.0.parse() == Ok(v))
    }

    fn serialize_i64(self, v: i64) -> Result<bool, Error> {
        Ok(self.0.parse() == Ok(v))
    }

    fn serialize_u32(self, v: u32) -> Result<bool, Error> {
        self.serialize_u64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<bool, Error> {
        self.serialize_i64(v.into())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<bool, Error> {
        Ok(v == self.0)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<bool, Error> {
        v.serialize(self)
    }

    nothing!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<bool, Error> {
        Ok(false)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Error> {
        Ok(false)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(ser::Error::custom("not a key"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("not a key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::path::FactPath;
    use crate::snapshot::{NamespaceFacts, RuntimeFacts};
    use std::collections::BTreeMap;

    fn at<T: Serialize>(v: &T, path: &str) -> Option<Value> {
        let text = if path.starts_with('[') {
            format!("x{path}")
        } else {
            format!("x.{path}")
        };
        let p = FactPath::parse(&text).unwrap();
        seek(v, &p.segments)
    }

    #[test]
    fn agrees_with_to_value_on_every_path() {
        let mut namespaces = BTreeMap::new();
        namespaces.insert(
            "net".to_string(),
            NamespaceFacts {
                inode: 4026531840,
                host_inode: 4026531840,
                shared_with_host: true,
            },
        );
        let facts = RuntimeFacts {
            pid: 42,
            namespaces,
            cgroup: None,
            listening: vec![crate::snapshot::ListeningSocket {
                proto: "tcp".into(),
                address: "0.0.0.0".into(),
                port: 22,
                wildcard: true,
            }],
            capabilities: None,
        };
        let whole = serde_json::to_value(&facts).unwrap();
        for path in [
            "pid",
            "namespaces",
            "namespaces.net",
            "namespaces.net.shared_with_host",
            "namespaces.net.inode",
            "cgroup",
            "listening",
            "listening[0]",
            "listening[0].port",
            "listening[0].wildcard",
        ] {
            let pointer = format!("/{}", path.replace(['.', '['], "/").replace(']', ""));
            assert_eq!(at(&facts, path).as_ref(), whole.pointer(&pointer), "{path}");
        }
        for missing in [
            "nope",
            "namespaces.pid",
            "listening[1]",
            "pid.x",
            "namespaces.net.x",
        ] {
            assert_eq!(at(&facts, missing), None, "{missing}");
        }
        assert_eq!(seek(&facts, &[]), Some(whole));
    }

    #[test]
    fn descends_into_json_values() {
        let v = serde_json::json!([{"PID": "1", "ARGS": "sshd -D"}]);
        assert_eq!(at(&v, "[0].ARGS"), Some(Value::String("sshd -D".into())));
        assert_eq!(at(&v, "[0].USER"), None);
    }
}
