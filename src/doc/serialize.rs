//! [`Doc::of`]: a document built straight from a typed value through its `Serialize`
//! implementation, with no `serde_json::Value` in between.
//!
//! The evaluator turns the snapshot's typed facts (a container's runtime, capabilities and
//! processes; the host's files; the daemon's settings) into documents once per evaluation, so
//! that every fact a rule reads is a document node. Going through a `Value` first costs an
//! allocation per field and string and a second walk; this writes the builder's table and text
//! directly. The document is the one `Doc::from(serde_json::to_value(v)?)` would give (a test
//! checks it field by field).

use serde::ser::{self, Serialize};
use serde_json::{Error, Number};

use super::{number_parts, Builder, Doc, Entry, Kind};

impl Doc {
    /// The document of `value`, as `serde_json` would write it: built straight from its
    /// `Serialize` implementation. Fails where `serde_json::to_value` fails (a map key that is
    /// not a string, number or unit variant).
    pub fn of<T: Serialize + ?Sized>(value: &T) -> Result<Doc, Error> {
        let mut builder = Builder::default();
        let root = value.serialize(Into(&mut builder))?;
        Ok(builder.finish(root))
    }
}

/// Serialises one value into the builder, returning its entry (children already in place).
struct Into<'b>(&'b mut Builder);

fn number(n: Number) -> Entry {
    let (kind, a, b) = number_parts(&n);
    Builder::leaf(kind, a, b)
}

fn null() -> Entry {
    Builder::leaf(Kind::Null, 0, 0)
}

/// An array being written: its elements are `pending[mark..]`.
struct Array<'b> {
    b: &'b mut Builder,
    mark: usize,
    /// For a tuple variant, the variant's name: the array is the value of a one-field object.
    variant: Option<(u32, u32)>,
}

/// An object being written: its fields are `pending[mark..]`.
struct Object<'b> {
    b: &'b mut Builder,
    mark: usize,
    /// The key given to `serialize_key`, waiting for its value.
    key: Option<(u32, u32)>,
    /// For a struct variant, the variant's name.
    variant: Option<(u32, u32)>,
}

/// Wraps `inner` as the only field of an object, under `variant` (serde's externally tagged
/// enums: `{"Variant": …}`).
fn tagged(b: &mut Builder, variant: (u32, u32), mut inner: Entry) -> Entry {
    inner.key_start = variant.0;
    inner.key_len = variant.1;
    let mark = b.pending.len();
    b.pending.push(inner);
    b.end_object(mark)
}

impl<'b> Array<'b> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let e = v.serialize(Into(self.b))?;
        self.b.pending.push(e);
        Ok(())
    }

    fn end(self) -> Entry {
        let array = self.b.end_array(self.mark);
        match self.variant {
            Some(v) => tagged(self.b, v, array),
            None => array,
        }
    }
}

impl<'b> Object<'b> {
    fn field<T: Serialize + ?Sized>(&mut self, key: (u32, u32), v: &T) -> Result<(), Error> {
        let mut e = v.serialize(Into(self.b))?;
        e.key_start = key.0;
        e.key_len = key.1;
        self.b.pending.push(e);
        Ok(())
    }

    fn end(self) -> Entry {
        let object = self.b.end_object(self.mark);
        match self.variant {
            Some(v) => tagged(self.b, v, object),
            None => object,
        }
    }
}

impl<'b> ser::Serializer for Into<'b> {
    type Ok = Entry;
    type Error = Error;
    type SerializeSeq = Array<'b>;
    type SerializeTuple = Array<'b>;
    type SerializeTupleStruct = Array<'b>;
    type SerializeTupleVariant = Array<'b>;
    type SerializeMap = Object<'b>;
    type SerializeStruct = Object<'b>;
    type SerializeStructVariant = Object<'b>;

    fn serialize_bool(self, v: bool) -> Result<Entry, Error> {
        Ok(Builder::leaf(
            if v { Kind::True } else { Kind::False },
            0,
            0,
        ))
    }

    fn serialize_i8(self, v: i8) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_i16(self, v: i16) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_i32(self, v: i32) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_i64(self, v: i64) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_u8(self, v: u8) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_u16(self, v: u16) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_u32(self, v: u32) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_u64(self, v: u64) -> Result<Entry, Error> {
        Ok(number(Number::from(v)))
    }

    fn serialize_f32(self, v: f32) -> Result<Entry, Error> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Entry, Error> {
        // Like `Value`: a non-finite float is null.
        Ok(Number::from_f64(v).map_or_else(null, number))
    }

    fn serialize_char(self, v: char) -> Result<Entry, Error> {
        Ok(self.0.string(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<Entry, Error> {
        Ok(self.0.string(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Entry, Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        Ok(Array::end(seq))
    }

    fn serialize_none(self) -> Result<Entry, Error> {
        Ok(null())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Entry, Error> {
        v.serialize(self)
    }

    fn serialize_unit(self) -> Result<Entry, Error> {
        Ok(null())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Entry, Error> {
        Ok(null())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<Entry, Error> {
        Ok(self.0.string(v))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Entry, Error> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Entry, Error> {
        let b = self.0;
        let key = b.key(variant);
        let inner = v.serialize(Into(b))?;
        Ok(tagged(b, key, inner))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'b>, Error> {
        let mark = self.0.pending.len();
        Ok(Array {
            b: self.0,
            mark,
            variant: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Array<'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Array<'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Array<'b>, Error> {
        let key = self.0.key(variant);
        let mark = self.0.pending.len();
        Ok(Array {
            b: self.0,
            mark,
            variant: Some(key),
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Object<'b>, Error> {
        let mark = self.0.pending.len();
        Ok(Object {
            b: self.0,
            mark,
            key: None,
            variant: None,
        })
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Object<'b>, Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Object<'b>, Error> {
        let key = self.0.key(variant);
        let mark = self.0.pending.len();
        Ok(Object {
            b: self.0,
            mark,
            key: None,
            variant: Some(key),
        })
    }
}

/// The four array-like `Serialize*` traits: each element or field is pushed in turn.
macro_rules! array_like {
    ($($trait:ident :: $add:ident),*) => {$(
        impl ser::$trait for Array<'_> {
            type Ok = Entry;
            type Error = Error;

            fn $add<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.push(v)
            }

            fn end(self) -> Result<Entry, Error> {
                Ok(Array::end(self))
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Object<'_> {
    type Ok = Entry;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeyInto(self.b))?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ser::Error::custom("a map value without its key"))?;
        self.field(key, v)
    }

    fn end(self) -> Result<Entry, Error> {
        Ok(Object::end(self))
    }
}

/// The two struct-like `Serialize*` traits: each field is written under its name.
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = Entry;
            type Error = Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                name: &'static str,
                v: &T,
            ) -> Result<(), Error> {
                let key = self.b.key(name);
                self.field(key, v)
            }

            fn end(self) -> Result<Entry, Error> {
                Ok(Object::end(self))
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

/// Writes a map key into the builder's text, as `serde_json` accepts keys: strings, and
/// numbers, chars, bools and unit variants as their text.
struct KeyInto<'b>(&'b mut Builder);

impl KeyInto<'_> {
    fn text(self, s: &str) -> Result<(u32, u32), Error> {
        Ok(self.0.key(s))
    }
}

fn key_must_be_a_string() -> Error {
    ser::Error::custom("key must be a string")
}

impl ser::Serializer for KeyInto<'_> {
    type Ok = (u32, u32);
    type Error = Error;
    type SerializeSeq = ser::Impossible<(u32, u32), Error>;
    type SerializeTuple = ser::Impossible<(u32, u32), Error>;
    type SerializeTupleStruct = ser::Impossible<(u32, u32), Error>;
    type SerializeTupleVariant = ser::Impossible<(u32, u32), Error>;
    type SerializeMap = ser::Impossible<(u32, u32), Error>;
    type SerializeStruct = ser::Impossible<(u32, u32), Error>;
    type SerializeStructVariant = ser::Impossible<(u32, u32), Error>;

    fn serialize_str(self, v: &str) -> Result<(u32, u32), Error> {
        self.text(v)
    }

    fn serialize_char(self, v: char) -> Result<(u32, u32), Error> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_bool(self, v: bool) -> Result<(u32, u32), Error> {
        self.text(if v { "true" } else { "false" })
    }

    fn serialize_i8(self, v: i8) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_i16(self, v: i16) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_i32(self, v: i32) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_i64(self, v: i64) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_u8(self, v: u8) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_u16(self, v: u16) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_u32(self, v: u32) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_u64(self, v: u64) -> Result<(u32, u32), Error> {
        self.text(&v.to_string())
    }

    fn serialize_f32(self, _: f32) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_f64(self, _: f64) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(u32, u32), Error> {
        self.text(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(u32, u32), Error> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(u32, u32), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::{json, Value};

    use super::*;

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, String),
        Struct { b: bool, z: Option<f64> },
    }

    #[derive(Serialize)]
    struct Everything {
        text: String,
        letter: char,
        negative: i64,
        big: u64,
        float: f32,
        not_finite: f64,
        nothing: Option<u8>,
        unit: (),
        bytes: Vec<u8>,
        pair: (u8, &'static str),
        shapes: Vec<Shape>,
        by_number: BTreeMap<u32, &'static str>,
        by_name: BTreeMap<String, Value>,
        json: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    }

    #[test]
    fn builds_what_serde_json_would_on_every_kind_of_value() {
        let v = Everything {
            text: "a \"quoted\" line\n".into(),
            letter: 'ß',
            negative: -7,
            big: u64::MAX,
            float: 1.5,
            not_finite: f64::NAN,
            nothing: None,
            unit: (),
            bytes: vec![0, 255],
            pair: (1, "x"),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(-1, "t".into()),
                Shape::Struct { b: true, z: None },
            ],
            by_number: BTreeMap::from([(10, "ten"), (2, "two")]),
            by_name: BTreeMap::from([("zeta".into(), json!([1, {"y": 2, "x": 1}]))]),
            json: json!({"b": null, "a": [true, 2.25, "s"], "c": {}}),
            skipped: None,
        };
        let direct = Doc::of(&v).unwrap();
        let through_value = Doc::from(serde_json::to_value(&v).unwrap());
        assert!(direct == through_value);
        assert_eq!(direct.to_value(), serde_json::to_value(&v).unwrap());
        assert_eq!(
            direct
                .pointer("/shapes/3/Struct/b")
                .and_then(|n| n.as_bool()),
            Some(true)
        );
        assert_eq!(
            direct.pointer("/by_number/10").and_then(|n| n.as_str()),
            Some("ten")
        );
    }

    #[test]
    fn a_key_that_is_not_text_fails_as_in_serde_json() {
        let m = BTreeMap::from([(vec![1u8], 1)]);
        assert!(serde_json::to_value(&m).is_err());
        assert!(Doc::of(&m).is_err());
    }
}
