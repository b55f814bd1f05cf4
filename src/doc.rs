//! A compact, read-only JSON document for the large parts of a snapshot.
//!
//! A `docker inspect` document held as a `serde_json::Value` (with `preserve_order`) costs about
//! 40 KB and 330 allocations for 5.6 KB of JSON: one map, key and value per field. A [`Doc`]
//! keeps the same tree in two allocations: a table of fixed-size entries, the children of an
//! array or object stored next to each other (after their own children: the table is built
//! depth first, straight from JSON text with [`Doc::from_slice`]), and one string buffer for
//! keys and strings. Object keys are sorted, so a field is found by binary search; a document
//! serialises with its keys in that order, as `serde_json` without `preserve_order` would.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

mod serialize;

/// A JSON document in compact form. Build it from JSON text with [`Doc::from_slice`] (or
/// deserialize it) or with [`Doc::from`] a [`Value`]; read it through [`Doc::root`].
///
/// Cloning is cheap (two reference counts): an instance's evidence keeps the documents its
/// values come from, once each, instead of copying the values (see
/// [`Sheet`](crate::rules::result::Sheet)).
#[derive(Clone)]
pub struct Doc {
    entries: Arc<[Entry]>,
    text: Arc<str>,
}

/// One value: its key in the parent object (empty span otherwise), its kind and payload.
#[derive(Clone, Copy, PartialEq)]
struct Entry {
    key_start: u32,
    key_len: u32,
    kind: Kind,
    /// String: text offset; array/object: index of the first child; number: low 32 bits.
    a: u32,
    /// String: length; array/object: number of children; number: high 32 bits.
    b: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Null,
    False,
    True,
    Unsigned,
    Signed,
    Float,
    String,
    Array,
    Object,
}

/// Offsets are u32: documents from the Docker API are far below 4 GiB.
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("a JSON document larger than 4 GiB")
}

/// Documents are equal when they hold the same JSON, however their tables are laid out.
impl PartialEq for Doc {
    fn eq(&self, other: &Doc) -> bool {
        self.root() == other.root()
    }
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Node<'_>) -> bool {
        let (a, b) = (self.entry(), other.entry());
        if a.kind != b.kind {
            return false;
        }
        match a.kind {
            Kind::Null | Kind::False | Kind::True => true,
            Kind::Unsigned | Kind::Signed | Kind::Float => a.bits() == b.bits(),
            Kind::String => self.as_str() == other.as_str(),
            Kind::Array => a.b == b.b && self.elements().zip(other.elements()).all(|(x, y)| x == y),
            Kind::Object => {
                a.b == b.b
                    && self
                        .fields()
                        .zip(other.fields())
                        .all(|((kx, x), (ky, y))| kx == ky && x == y)
            }
        }
    }
}

/// A node equals a value when it holds the same JSON (as [`Node::to_value`] would make it),
/// compared in place: nothing is copied out of the document.
impl PartialEq<Value> for Node<'_> {
    fn eq(&self, other: &Value) -> bool {
        let e = self.entry();
        match (e.kind, other) {
            (Kind::Null, Value::Null) => true,
            (Kind::False, Value::Bool(b)) => !b,
            (Kind::True, Value::Bool(b)) => *b,
            (Kind::Unsigned | Kind::Signed | Kind::Float, Value::Number(n)) => {
                self.as_number().as_ref() == Some(n)
            }
            (Kind::String, Value::String(s)) => self.as_str() == Some(s.as_str()),
            (Kind::Array, Value::Array(items)) => {
                e.b as usize == items.len() && self.elements().zip(items).all(|(x, y)| x == *y)
            }
            (Kind::Object, Value::Object(map)) => {
                // Keys are unique on both sides: as many, and each of the node's in the map.
                e.b as usize == map.len()
                    && self
                        .fields()
                        .all(|(k, x)| map.get(k).is_some_and(|y| x == *y))
            }
            _ => false,
        }
    }
}

impl From<&Value> for Doc {
    fn from(value: &Value) -> Doc {
        // A `Value` reads like JSON text: the same builder, the same document.
        Doc::deserialize(value).expect("a JSON value always reads as a document")
    }
}

impl Doc {
    /// Parses JSON text straight into a document, without a `serde_json::Value` in between
    /// (a third of the time and no allocation per field). The same as parsing into a `Value`
    /// and taking [`Doc::from`] it.
    pub fn from_slice(json: &[u8]) -> serde_json::Result<Doc> {
        let mut de = serde_json::Deserializer::from_slice(json);
        let doc = Doc::deserialize(&mut de)?;
        de.end()?;
        Ok(doc)
    }
}

/// Builds a [`Doc`] depth first: the entries of a container's children are collected on
/// `pending` while they are read and moved into the table together, sorted by key, when the
/// container ends, so that each container's children are contiguous. The root is entry 0.
struct Builder {
    entries: Vec<Entry>,
    text: String,
    pending: Vec<Entry>,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            entries: vec![Builder::leaf(Kind::Null, 0, 0)],
            text: String::new(),
            pending: Vec::new(),
        }
    }
}

impl Builder {
    fn finish(mut self, root: Entry) -> Doc {
        self.entries[0] = root;
        Doc {
            entries: self.entries.into(),
            text: self.text.into(),
        }
    }

    fn leaf(kind: Kind, a: u32, b: u32) -> Entry {
        Entry {
            key_start: 0,
            key_len: 0,
            kind,
            a,
            b,
        }
    }

    fn string(&mut self, s: &str) -> Entry {
        let start = offset(self.text.len());
        self.text.push_str(s);
        Builder::leaf(Kind::String, start, offset(s.len()))
    }

    /// Adds `key` to the text; returns its (start, length).
    fn key(&mut self, key: &str) -> (u32, u32) {
        let start = offset(self.text.len());
        self.text.push_str(key);
        (start, offset(key.len()))
    }

    /// Ends the array whose children are `pending[mark..]`.
    fn end_array(&mut self, mark: usize) -> Entry {
        let first = offset(self.entries.len());
        let count = offset(self.pending.len() - mark);
        self.entries.extend(self.pending.drain(mark..));
        Builder::leaf(Kind::Array, first, count)
    }

    /// Ends the object whose fields are `pending[mark..]`: sorted by key, and of a key given
    /// twice the last value kept, as `serde_json` does.
    fn end_object(&mut self, mark: usize) -> Entry {
        let text = self.text.as_bytes();
        let key = |e: &Entry| &text[e.key_start as usize..(e.key_start + e.key_len) as usize];
        let fields = &mut self.pending[mark..];
        fields.sort_by(|x, y| compare_keys(key(x), key(y)));
        let first = offset(self.entries.len());
        let mut fields = self.pending.drain(mark..).peekable();
        while let Some(field) = fields.next() {
            if fields.peek().is_some_and(|next| key(next) == key(&field)) {
                continue;
            }
            self.entries.push(field);
        }
        drop(fields);
        let count = offset(self.entries.len()) - first;
        Builder::leaf(Kind::Object, first, count)
    }
}

/// Reads one JSON value into the builder, returning its entry (children already in place).
struct ValueSeed<'b>(&'b mut Builder);

impl<'de> serde::de::DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Entry;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Entry, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValueSeed<'_> {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Entry, E> {
        Ok(Builder::leaf(Kind::Null, 0, 0))
    }

    fn visit_none<E>(self) -> Result<Entry, E> {
        Ok(Builder::leaf(Kind::Null, 0, 0))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Entry, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Entry, E> {
        Ok(Builder::leaf(
            if v { Kind::True } else { Kind::False },
            0,
            0,
        ))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Entry, E> {
        let (kind, a, b) = number_parts(&Number::from(v));
        Ok(Builder::leaf(kind, a, b))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Entry, E> {
        let (kind, a, b) = number_parts(&Number::from(v));
        Ok(Builder::leaf(kind, a, b))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Entry, E> {
        // Like `Value`: a non-finite float is null.
        Ok(match Number::from_f64(v) {
            Some(n) => {
                let (kind, a, b) = number_parts(&n);
                Builder::leaf(kind, a, b)
            }
            None => Builder::leaf(Kind::Null, 0, 0),
        })
    }

    fn visit_str<E>(self, v: &str) -> Result<Entry, E> {
        Ok(self.0.string(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
        let b = self.0;
        let mark = b.pending.len();
        while let Some(e) = seq.next_element_seed(ValueSeed(b))? {
            b.pending.push(e);
        }
        Ok(b.end_array(mark))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let b = self.0;
        let mark = b.pending.len();
        while let Some((start, len)) = map.next_key_seed(KeySeed(b))? {
            let mut e = map.next_value_seed(ValueSeed(b))?;
            e.key_start = start;
            e.key_len = len;
            b.pending.push(e);
        }
        Ok(b.end_object(mark))
    }
}

/// Reads an object key into the builder's text.
struct KeySeed<'b>(&'b mut Builder);

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (u32, u32);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(u32, u32), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed<'_> {
    type Value = (u32, u32);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, v: &str) -> Result<(u32, u32), E> {
        Ok(self.0.key(v))
    }
}

impl From<Value> for Doc {
    fn from(value: Value) -> Doc {
        Doc::from(&value)
    }
}

impl Default for Doc {
    /// The document `null`.
    fn default() -> Doc {
        Doc::from(&Value::Null)
    }
}

fn number_parts(n: &Number) -> (Kind, u32, u32) {
    let (kind, bits) = if let Some(u) = n.as_u64() {
        (Kind::Unsigned, u)
    } else if let Some(i) = n.as_i64() {
        (Kind::Signed, i as u64)
    } else {
        (Kind::Float, n.as_f64().unwrap_or(0.0).to_bits())
    };
    (kind, bits as u32, (bits >> 32) as u32)
}

impl Entry {
    fn bits(&self) -> u64 {
        u64::from(self.a) | (u64::from(self.b) << 32)
    }
}

impl Doc {
    /// The top-level value.
    pub fn root(&self) -> Node<'_> {
        Node { doc: self, at: 0 }
    }

    /// The value `at` names ([`Node::at`]), if this document has it.
    pub fn node(&self, at: u32) -> Option<Node<'_>> {
        ((at as usize) < self.entries.len()).then_some(Node { doc: self, at })
    }

    /// The value at a JSON pointer (`/State/Pid`), as [`Value::pointer`].
    pub fn pointer(&self, pointer: &str) -> Option<Node<'_>> {
        self.root().pointer(pointer)
    }

    /// The document as a `serde_json` value.
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    /// Reads the whole document once, front to back, so that the lookups that follow find it
    /// in the CPU cache: the hardware prefetcher follows a sequential read, not the jumps of a
    /// binary search. Evaluating all rules over one container reads its document hundreds of
    /// times; without this, cache misses on first touch were most of the evaluation time.
    pub fn warm(&self) {
        let mut sum = 0u32;
        for e in self.entries.iter().step_by(3) {
            sum = sum.wrapping_add(e.a);
        }
        for chunk in self.text.as_bytes().chunks(64) {
            sum = sum.wrapping_add(u32::from(chunk[0]));
        }
        std::hint::black_box(sum);
    }

    /// Asks the CPU to start loading the document into its caches and returns at once: called
    /// for the next container while this one is evaluated, so that its first lookups do not
    /// wait for memory. A hint only; on other CPUs it does nothing.
    pub fn prefetch(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
            let entries = (
                self.entries.as_ptr().cast::<i8>(),
                std::mem::size_of_val(&*self.entries),
            );
            let text = (self.text.as_ptr().cast::<i8>(), self.text.len());
            for (start, len) in [entries, text] {
                for offset in (0..len).step_by(64) {
                    // SAFETY: a prefetch reads nothing and cannot fault; the address is
                    // inside a live allocation.
                    unsafe { _mm_prefetch::<_MM_HINT_T1>(start.wrapping_add(offset)) };
                }
            }
        }
    }

    /// Bytes held on the heap.
    pub fn heap_size(&self) -> usize {
        std::mem::size_of_val(&*self.entries) + self.text.len()
    }

    fn slice(&self, start: u32, len: u32) -> &str {
        &self.text[start as usize..(start + len) as usize]
    }
}

/// Byte order of two keys. Keys are short and usually differ early: a plain loop beats a
/// call to `memcmp`, which field lookups would otherwise spend most of their time in.
#[inline]
fn compare_keys(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Where a key was last found among its siblings, for [`Node::get_hinted`]. Shared by the
/// threads that evaluate one path: a stale hint costs one comparison, never a wrong answer.
#[derive(Default)]
pub struct KeyHint(std::sync::atomic::AtomicU32);

impl Clone for KeyHint {
    fn clone(&self) -> KeyHint {
        KeyHint(std::sync::atomic::AtomicU32::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

impl fmt::Debug for KeyHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHint")
    }
}

/// Whether two keys are equal, eight bytes at a time (keys are short: this beats `memcmp`'s
/// call and a byte loop alike).
#[inline]
fn same_key(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in x.by_ref().zip(y.by_ref()) {
        if p != q {
            return false;
        }
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

/// A value inside a [`Doc`]: cheap to copy, borrowed from the document.
#[derive(Clone, Copy)]
pub struct Node<'d> {
    doc: &'d Doc,
    at: u32,
}

impl<'d> Node<'d> {
    /// Where this value sits in its document; [`Doc::node`] finds it again.
    pub fn at(&self) -> u32 {
        self.at
    }

    /// The document this value is in.
    pub fn doc(&self) -> &'d Doc {
        self.doc
    }

    /// Whether this value is one of `doc`'s (the same document, not an equal one).
    pub fn is_in(&self, doc: &Doc) -> bool {
        Arc::ptr_eq(&self.doc.entries, &doc.entries)
    }

    fn entry(&self) -> &'d Entry {
        &self.doc.entries[self.at as usize]
    }

    fn children(&self) -> std::ops::Range<u32> {
        let e = self.entry();
        match e.kind {
            Kind::Array | Kind::Object => e.a..e.a + e.b,
            _ => 0..0,
        }
    }

    fn key_bytes(&self) -> &'d [u8] {
        let e = self.entry();
        &self.doc.text.as_bytes()[e.key_start as usize..(e.key_start + e.key_len) as usize]
    }

    fn key(&self) -> &'d str {
        let e = self.entry();
        self.doc.slice(e.key_start, e.key_len)
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.entry().kind == Kind::Null
    }

    /// True for an array.
    pub fn is_array(&self) -> bool {
        self.entry().kind == Kind::Array
    }

    /// True for an object.
    pub fn is_object(&self) -> bool {
        self.entry().kind == Kind::Object
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.entry().kind {
            Kind::True => Some(true),
            Kind::False => Some(false),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&'d str> {
        let e = self.entry();
        (e.kind == Kind::String).then(|| self.doc.slice(e.a, e.b))
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<Number> {
        let e = self.entry();
        match e.kind {
            Kind::Unsigned => Some(Number::from(e.bits())),
            Kind::Signed => Some(Number::from(e.bits() as i64)),
            Kind::Float => Number::from_f64(f64::from_bits(e.bits())),
            _ => None,
        }
    }

    /// The number as `f64`, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        let e = self.entry();
        match e.kind {
            Kind::Unsigned => Some(e.bits() as f64),
            Kind::Signed => Some(e.bits() as i64 as f64),
            Kind::Float => Some(f64::from_bits(e.bits())),
            _ => None,
        }
    }

    /// The number as `u64`, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        let e = self.entry();
        match e.kind {
            Kind::Unsigned => Some(e.bits()),
            _ => None,
        }
    }

    /// Number of elements or fields (0 for scalars).
    pub fn len(&self) -> usize {
        self.children().len()
    }

    /// True when [`Node::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An object's field.
    pub fn get(&self, key: &str) -> Option<Node<'d>> {
        if !self.is_object() {
            return None;
        }
        let range = self.children();
        let (mut lo, mut hi) = (range.start, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let node = Node {
                doc: self.doc,
                at: mid,
            };
            match compare_keys(node.key_bytes(), key.as_bytes()) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Some(node),
            }
        }
        None
    }

    /// [`Node::get`], trying first the position `hint` remembers. Documents of one shape (every
    /// `docker inspect` of one daemon) keep a field at the same position among its siblings, so
    /// one key comparison usually replaces a binary search; `hint` learns from each miss.
    pub fn get_hinted(&self, key: &str, hint: &KeyHint) -> Option<Node<'d>> {
        let e = self.entry();
        if e.kind != Kind::Object {
            return None;
        }
        let guess = hint.0.load(std::sync::atomic::Ordering::Relaxed);
        if guess < e.b {
            let node = Node {
                doc: self.doc,
                at: e.a + guess,
            };
            if same_key(node.key_bytes(), key.as_bytes()) {
                return Some(node);
            }
        }
        let found = self.get(key)?;
        hint.0
            .store(found.at - e.a, std::sync::atomic::Ordering::Relaxed);
        Some(found)
    }

    /// An array's element.
    pub fn index(&self, i: usize) -> Option<Node<'d>> {
        if !self.is_array() || i >= self.len() {
            return None;
        }
        Some(Node {
            doc: self.doc,
            at: self.entry().a + offset(i),
        })
    }

    /// An array's elements (nothing for other kinds).
    pub fn elements(&self) -> impl Iterator<Item = Node<'d>> + 'd {
        let doc = self.doc;
        let range = if self.is_array() {
            self.children()
        } else {
            0..0
        };
        range.map(move |at| Node { doc, at })
    }

    /// An object's fields in key order (nothing for other kinds).
    pub fn fields(&self) -> impl Iterator<Item = (&'d str, Node<'d>)> + 'd {
        let doc = self.doc;
        let range = if self.is_object() {
            self.children()
        } else {
            0..0
        };
        range.map(move |at| {
            let n = Node { doc, at };
            (n.key(), n)
        })
    }

    /// An array's elements with their index, or an object's fields with their key.
    pub fn members(&self) -> Members<'d> {
        let keyed = self.is_object();
        let range = match self.entry().kind {
            Kind::Array | Kind::Object => self.children(),
            _ => 0..0,
        };
        Members {
            doc: self.doc,
            first: range.start,
            range,
            keyed,
        }
    }

    /// The value at a JSON pointer below this one.
    pub fn pointer(&self, pointer: &str) -> Option<Node<'d>> {
        if pointer.is_empty() {
            return Some(*self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut cur = *self;
        for token in rest.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            cur = if cur.is_array() {
                cur.index(token.parse().ok()?)?
            } else {
                cur.get(&token)?
            };
        }
        Some(cur)
    }

    /// This value as a `serde_json` value.
    pub fn to_value(&self) -> Value {
        let e = self.entry();
        match e.kind {
            Kind::Null => Value::Null,
            Kind::False => Value::Bool(false),
            Kind::True => Value::Bool(true),
            Kind::Unsigned | Kind::Signed | Kind::Float => {
                self.as_number().map_or(Value::Null, Value::Number)
            }
            Kind::String => Value::String(self.doc.slice(e.a, e.b).to_string()),
            Kind::Array => Value::Array(self.elements().map(|n| n.to_value()).collect()),
            Kind::Object => Value::Object(
                self.fields()
                    .map(|(k, n)| (k.to_string(), n.to_value()))
                    .collect(),
            ),
        }
    }
}

/// Where an element sits in its list or object.
#[derive(Clone, Copy, Debug)]
pub enum Member<'x> {
    /// Position in an array.
    Index(usize),
    /// Key in an object.
    Key(&'x str),
}

/// Iterator of [`Node::members`].
pub struct Members<'d> {
    doc: &'d Doc,
    first: u32,
    range: std::ops::Range<u32>,
    keyed: bool,
}

impl<'d> Iterator for Members<'d> {
    type Item = (Member<'d>, Node<'d>);

    fn next(&mut self) -> Option<Self::Item> {
        let at = self.range.next()?;
        let node = Node { doc: self.doc, at };
        let member = if self.keyed {
            Member::Key(node.key())
        } else {
            Member::Index((at - self.first) as usize)
        };
        Some((member, node))
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.entry();
        match e.kind {
            Kind::Null => s.serialize_unit(),
            Kind::False => s.serialize_bool(false),
            Kind::True => s.serialize_bool(true),
            Kind::Unsigned => s.serialize_u64(e.bits()),
            Kind::Signed => s.serialize_i64(e.bits() as i64),
            Kind::Float => s.serialize_f64(f64::from_bits(e.bits())),
            Kind::String => s.serialize_str(self.doc.slice(e.a, e.b)),
            Kind::Array => {
                let mut seq = s.serialize_seq(Some(self.len()))?;
                for n in self.elements() {
                    seq.serialize_element(&n)?;
                }
                seq.end()
            }
            Kind::Object => {
                let mut map = s.serialize_map(Some(self.len()))?;
                for (k, n) in self.fields() {
                    map.serialize_entry(k, &n)?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.root().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        use serde::de::DeserializeSeed;
        let mut b = Builder::default();
        let root = ValueSeed(&mut b).deserialize(d)?;
        Ok(b.finish(root))
    }
}

impl fmt::Debug for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl schemars::JsonSchema for Doc {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        <Value as schemars::JsonSchema>::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        <Value as schemars::JsonSchema>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "Id": "abc",
            "State": {"Running": true, "Pid": 4242, "ExitCode": -1, "Ratio": 0.5},
            "HostConfig": {"CapAdd": ["NET_ADMIN", "SYS_TIME"], "Privileged": false,
                           "Memory": 0, "Devices": null, "Empty": {}, "List": []},
            "Config": {"Labels": {"a/b": "x", "z": "</script>", "": "empty key"}},
            "Unicode": "grüße ✓"
        })
    }

    #[test]
    fn a_node_equals_a_value_when_it_holds_the_same_json() {
        let values = [
            json!(null),
            json!(true),
            json!(false),
            json!(1),
            json!(-1),
            json!(1.0),
            json!("1"),
            json!([1, "a", [null]]),
            json!([1, "a"]),
            json!({"a": 1, "b": {"c": [true]}}),
            json!({"b": {"c": [true]}, "a": 2}),
            json!({"a": 1}),
            json!({}),
            json!([]),
        ];
        for x in &values {
            let doc = Doc::from(x);
            for y in &values {
                // As comparing the copy would say, without making it.
                assert_eq!(doc.root() == *y, doc.to_value() == *y, "{x} against {y}");
            }
        }
        let doc = Doc::from_slice(br#"{"b": 1, "a": [2], "b": 3}"#).expect("JSON");
        assert!(
            doc.root() == json!({"a": [2], "b": 3}),
            "the last of a repeated key"
        );
    }

    #[test]
    fn round_trips_every_kind() {
        let v = sample();
        let doc = Doc::from(&v);
        assert_eq!(doc.to_value(), v);
        let text = serde_json::to_string(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        let again: Doc = serde_json::from_str(&text).unwrap();
        assert!(again == doc);
    }

    #[test]
    fn parses_text_as_a_value_would() {
        let v = sample();
        let text = serde_json::to_vec(&v).unwrap();
        let parsed = Doc::from_slice(&text).unwrap();
        assert!(parsed == Doc::from(&v));
        assert_eq!(parsed.to_value(), v);
        // Escapes, a repeated key (the last wins, as in serde_json), numbers of every kind.
        let odd = br#"{"b":1,"a":"x\u00e9\n","b":2,"n":[-3,1.5,18446744073709551615,null,true]}"#;
        let expected: Value = serde_json::from_slice(odd).unwrap();
        let doc = Doc::from_slice(odd).unwrap();
        assert_eq!(doc.to_value(), expected);
        assert_eq!(doc.root().get("b").and_then(|n| n.as_u64()), Some(2));
        assert_eq!(doc.root().len(), 3);
        assert!(Doc::from_slice(b"{\"a\": 1} trailing").is_err());
        assert!(Doc::from_slice(b"{\"a\": ").is_err());
    }

    #[test]
    fn hinted_lookups_agree_with_binary_search() {
        // Documents of different shapes share one hint: every answer must still be right.
        let docs = [
            Doc::from(&sample()),
            Doc::from(&json!({"Id": "x", "HostConfig": {"Privileged": true}})),
            Doc::from(&json!({"A": 1, "B": 2, "C": 3, "HostConfig": {"CapAdd": null}})),
            Doc::from(&json!(["not", "an", "object"])),
            Doc::from(&json!({})),
        ];
        let (outer, inner) = (KeyHint::default(), KeyHint::default());
        for _ in 0..2 {
            for doc in &docs {
                for (key, field) in [("HostConfig", "Privileged"), ("HostConfig", "CapAdd")] {
                    let plain = doc.root().get(key).and_then(|n| n.get(field));
                    let hinted = doc
                        .root()
                        .get_hinted(key, &outer)
                        .and_then(|n| n.get_hinted(field, &inner));
                    assert_eq!(
                        plain.map(|n| n.to_value()),
                        hinted.map(|n| n.to_value()),
                        "{key}.{field} in {:?}",
                        doc.to_value()
                    );
                }
                for key in ["Id", "Unicode", "Zzz", "", "A"] {
                    let plain = doc.root().get(key).map(|n| n.to_value());
                    let hinted = doc.root().get_hinted(key, &outer).map(|n| n.to_value());
                    assert_eq!(plain, hinted, "{key}");
                }
            }
        }
    }

    #[test]
    fn same_key_compares_every_byte() {
        assert!(same_key(b"", b""));
        assert!(same_key(b"HostConfig", b"HostConfig"));
        assert!(same_key(b"CpuRealtimeRuntime", b"CpuRealtimeRuntime"));
        assert!(!same_key(b"CpuRealtimeRuntime", b"CpuRealtimeRuntimf"));
        assert!(!same_key(b"CpuRealtimePeriod", b"CpuRealtimeRuntime"));
        assert!(!same_key(b"Cpu", b"Cpus"));
        assert!(!same_key(b"abcdefgh", b"abcdefgX"));
    }

    #[test]
    fn finds_fields_elements_and_pointers() {
        let doc = Doc::from(&sample());
        let root = doc.root();
        assert_eq!(root.get("Id").and_then(|n| n.as_str()), Some("abc"));
        assert_eq!(
            doc.pointer("/State/Pid").and_then(|n| n.as_u64()),
            Some(4242)
        );
        assert_eq!(
            doc.pointer("/State/ExitCode").and_then(|n| n.as_f64()),
            Some(-1.0)
        );
        assert_eq!(
            doc.pointer("/State/Ratio").and_then(|n| n.as_f64()),
            Some(0.5)
        );
        assert_eq!(
            doc.pointer("/State/Running").and_then(|n| n.as_bool()),
            Some(true)
        );
        assert_eq!(
            doc.pointer("/HostConfig/CapAdd/1").and_then(|n| n.as_str()),
            Some("SYS_TIME")
        );
        assert_eq!(
            doc.pointer("/Config/Labels/a~1b").and_then(|n| n.as_str()),
            Some("x")
        );
        assert_eq!(
            doc.pointer("/Config/Labels/").and_then(|n| n.as_str()),
            Some("empty key")
        );
        assert!(doc.pointer("/HostConfig/Devices").unwrap().is_null());
        assert!(doc.pointer("/HostConfig/Nope").is_none());
        assert!(doc.pointer("/HostConfig/CapAdd/2").is_none());
        assert!(root
            .get("State")
            .unwrap()
            .get("Pid")
            .unwrap()
            .get("x")
            .is_none());
        assert_eq!(
            doc.pointer("/Unicode").and_then(|n| n.as_str()),
            Some("grüße ✓")
        );
        let caps: Vec<_> = doc
            .pointer("/HostConfig/CapAdd")
            .unwrap()
            .elements()
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(caps, ["NET_ADMIN", "SYS_TIME"]);
        let keys: Vec<_> = root.fields().map(|(k, _)| k).collect();
        assert_eq!(keys, ["Config", "HostConfig", "Id", "State", "Unicode"]);
        assert!(doc.pointer("/HostConfig/Empty").unwrap().is_empty());
        assert_eq!(doc.pointer("/HostConfig/List").unwrap().len(), 0);
    }

    #[test]
    fn is_smaller_than_a_value() {
        let doc = Doc::from(&sample());
        let json_len = serde_json::to_string(&sample()).unwrap().len();
        assert!(
            doc.heap_size() < 3 * json_len,
            "{} vs {json_len}",
            doc.heap_size()
        );
    }
}
