//! Fact paths: `daemon.settings.icc`, `host.files["{unit:docker.service}"].mode`,
//! `container.inspect.HostConfig.CapAdd`.
//!
//! A path is a root (`host`, `daemon`, `container`, `image`) followed by segments: a name
//! after a dot, `["key"]` for keys holding dots or slashes, or `[N]` for a list index.
//! Keys may hold placeholders `{kind:name}` that stand for host paths found at collection
//! time (see [`crate::facts::placeholder`]).

use std::fmt;

use crate::facts::placeholder::{balanced_braces, placeholders_in};

/// One step of a fact path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// What a fact path's root names, decided once at parse time (evaluation asks for every test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// `host`
    Host,
    /// `daemon`
    Daemon,
    /// `container`
    Container,
    /// `image`
    Image,
    /// `item`, the element inside `every`
    Item,
    /// Anything else (rejected by the loader).
    Other,
}

impl Root {
    /// The kind of root `name` is.
    pub fn of(name: &str) -> Root {
        match name {
            "host" => Root::Host,
            "daemon" => Root::Daemon,
            "container" => Root::Container,
            "image" => Root::Image,
            "item" => Root::Item,
            _ => Root::Other,
        }
    }
}

/// The distinct facts a rule set's paths name (by their rendering), numbered from 0: the
/// evaluator finds the observation an instance already made of a fact by this number,
/// instead of hashing the path's text at every test.
#[derive(Debug, Clone, Default)]
pub struct FactNumbers {
    /// Shared by the observations of each fact.
    names: Vec<arcstr::ArcStr>,
    /// Keys of their own: looking a text up reads them, not the shared names (see
    /// [`FactPath::rendered`]).
    by_name: std::collections::HashMap<Box<str>, u32, foldhash::fast::FixedState>,
}

impl FactNumbers {
    /// The number of `rendered`, given now if it has none, and the rendering to share.
    fn number(&mut self, rendered: &arcstr::ArcStr) -> (u32, arcstr::ArcStr) {
        if let Some(&n) = self.by_name.get(rendered.as_str()) {
            return (n, self.names[n as usize].clone());
        }
        let n = u32::try_from(self.names.len()).expect("fewer than 4 billion fact paths");
        self.names.push(rendered.clone());
        self.by_name.insert(rendered.as_str().into(), n);
        (n, rendered.clone())
    }

    /// How many facts are numbered.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when none is.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names of the facts, by number: what evidence names numbered facts by.
    pub fn names(&self) -> &[arcstr::ArcStr] {
        &self.names
    }

    /// The number of the fact that renders as `name`, if a path reads it.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
}

/// A parsed fact path.
#[derive(Clone)]
pub struct FactPath {
    /// The root name.
    pub root: String,
    /// The steps below the root.
    pub segments: Vec<Segment>,
    text: String,
    /// Whether some key holds a placeholder (decided once; evaluation asks for every test).
    has_placeholders: bool,
    kind: Root,
    /// Where this path's lookup hints start in the evaluator's table, one per segment:
    /// [`RuleSet::new`](super::RuleSet::new) numbers the paths of its rules. The path itself
    /// is immutable data; the hints (where a key was last found) belong to the evaluator.
    slot: Option<u32>,
    /// The fact's number in its rule set, shared with every path that reads alike (see
    /// [`FactNumbers`]).
    number: Option<u32>,
    /// [`render`] of root and segments, made once (evidence names the fact on every test);
    /// in a rule set, one allocation for all paths that read alike, which [`FactNumbers`]
    /// holds: evidence names the fact by its number there.
    rendered: arcstr::ArcStr,
    /// The same text, read on every test: an `ArcStr` keeps its length beside the count that
    /// sharing it moves, so reading the shared one would wait on the other threads' counts.
    shown: std::sync::Arc<str>,
}

/// Two paths are equal when their text is: the rest is derived from it.
impl PartialEq for FactPath {
    fn eq(&self, other: &FactPath) -> bool {
        self.text == other.text
    }
}

impl Eq for FactPath {}

/// The path as written: its numbering for the evaluator's hints is not part of what it says.
impl std::fmt::Debug for FactPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactPath")
            .field("root", &self.root)
            .field("segments", &self.segments)
            .field("text", &self.text)
            .finish_non_exhaustive()
    }
}

/// A fact path that does not parse: the text and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad fact path '{text}': {why} (expected e.g. daemon.settings.icc or host.files[\"/etc/docker\"].mode)")]
pub struct PathError {
    /// The path as written.
    pub text: String,
    /// What is wrong.
    pub why: String,
}

impl From<PathError> for String {
    fn from(e: PathError) -> String {
        e.to_string()
    }
}

impl FactPath {
    /// Parses `text`, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<FactPath, PathError> {
        let bad = |why: &str| {
            Err(PathError {
                text: text.to_string(),
                why: why.to_string(),
            })
        };
        let mut chars = text.char_indices().peekable();
        let mut segments = Vec::new();
        let mut name = String::new();
        let mut root: Option<String> = None;
        let push = |name: &mut String, root: &mut Option<String>, segs: &mut Vec<Segment>| {
            if root.is_none() {
                *root = Some(std::mem::take(name));
            } else {
                segs.push(Segment::Key(std::mem::take(name)));
            }
        };
        let mut expect_name = true;
        while let Some((_, c)) = chars.next() {
            match c {
                '.' => {
                    if name.is_empty() {
                        if expect_name {
                            return bad("empty segment");
                        }
                    } else {
                        push(&mut name, &mut root, &mut segments);
                    }
                    expect_name = true;
                }
                '[' => {
                    if !name.is_empty() {
                        push(&mut name, &mut root, &mut segments);
                    } else if root.is_none() {
                        return bad("a path starts with a root name");
                    }
                    match chars.peek() {
                        Some((_, '"')) => {
                            chars.next();
                            let mut key = String::new();
                            let mut closed = false;
                            for (_, c) in chars.by_ref() {
                                if c == '"' {
                                    closed = true;
                                    break;
                                }
                                key.push(c);
                            }
                            if !closed || chars.next().map(|(_, c)| c) != Some(']') {
                                return bad("unterminated [\"key\"]");
                            }
                            if !balanced_braces(&key) {
                                return bad("a placeholder is {kind:name}, with both braces");
                            }
                            segments.push(Segment::Key(key));
                        }
                        _ => {
                            let mut digits = String::new();
                            let mut closed = false;
                            for (_, c) in chars.by_ref() {
                                if c == ']' {
                                    closed = true;
                                    break;
                                }
                                digits.push(c);
                            }
                            match digits.parse::<usize>() {
                                Ok(i) if closed => segments.push(Segment::Index(i)),
                                _ => return bad("[...] holds a quoted key or a list index"),
                            }
                        }
                    }
                    expect_name = false;
                }
                c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                    name.push(c);
                    expect_name = false;
                }
                other => return bad(&format!("unexpected character '{other}'")),
            }
        }
        if !name.is_empty() {
            push(&mut name, &mut root, &mut segments);
        } else if expect_name {
            return bad("ends with a dot");
        }
        let Some(root) = root else {
            return bad("empty path");
        };
        let has_placeholders = segments
            .iter()
            .any(|s| matches!(s, Segment::Key(k) if k.contains('{')));
        let rendered = render(&root, &segments);
        Ok(FactPath {
            shown: rendered.as_str().into(),
            rendered: rendered.into(),
            kind: Root::of(&root),
            slot: None,
            number: None,
            root,
            segments,
            text: text.to_string(),
            has_placeholders,
        })
    }

    /// The first key below the root (`settings` in `daemon.settings.icc`).
    pub fn first_key(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// What the root names.
    pub fn root_kind(&self) -> Root {
        self.kind
    }

    /// Whether some key holds a placeholder (`{unit:docker.service}`).
    pub fn has_placeholders(&self) -> bool {
        self.has_placeholders
    }

    /// The path written back in canonical form (as [`render`] writes it).
    pub fn rendered(&self) -> &str {
        &self.shown
    }

    /// [`FactPath::rendered`], the allocation [`FactNumbers`] holds for every path that reads
    /// alike.
    pub fn rendered_shared(&self) -> &arcstr::ArcStr {
        &self.rendered
    }

    /// Where the evaluator keeps the lookup hint of segment `i`, when the path is numbered.
    pub fn hint_slot(&self, i: usize) -> Option<usize> {
        self.slot.map(|s| s as usize + i)
    }

    /// The number [`FactPath::number_fact`] gave this path.
    pub fn fact_number(&self) -> Option<u32> {
        self.number
    }

    /// Numbers this path among the facts of its rule set: a path that reads like one numbered
    /// before gets its number and shares its rendering.
    pub fn number_fact(&mut self, facts: &mut FactNumbers) {
        let (number, shared) = facts.number(&self.rendered);
        self.number = Some(number);
        self.rendered = shared;
    }

    /// Numbers this path's hints from `next`, and moves `next` past them.
    pub fn number_hints(&mut self, next: &mut usize) {
        self.slot = u32::try_from(*next).ok();
        *next += self.segments.len();
    }

    /// The same path with the placeholder `{name}` written as `place` in every key (the other
    /// placeholders are kept); not numbered.
    pub fn placed(&self, name: &str, place: &str) -> FactPath {
        let braced = format!("{{{name}}}");
        let segments: Vec<Segment> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Key(k) => Segment::Key(k.replace(&braced, place)),
                other => other.clone(),
            })
            .collect();
        let has_placeholders = segments
            .iter()
            .any(|s| matches!(s, Segment::Key(k) if k.contains('{')));
        let rendered = render(&self.root, &segments);
        FactPath {
            shown: rendered.as_str().into(),
            text: rendered.clone(),
            rendered: rendered.into(),
            kind: self.kind,
            slot: None,
            number: None,
            root: self.root.clone(),
            segments,
            has_placeholders,
        }
    }

    /// Placeholders (`unit:docker.service`) named in this path's keys.
    pub fn placeholders(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Key(k) => Some(placeholders_in(k)),
                Segment::Index(_) => None,
            })
            .flatten()
            .collect()
    }
}

impl fmt::Display for FactPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Writes `root` and `segments` back as path text (used for resolved paths in evidence).
pub fn render(root: &str, segments: &[Segment]) -> String {
    let len = segments
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.len() + 4,
            Segment::Index(_) => 8,
        })
        .sum::<usize>();
    let mut out = String::with_capacity(root.len() + len);
    out.push_str(root);
    render_onto(&mut out, segments);
    out
}

/// Appends `segments` to `out` as [`render`] writes them after the root.
pub fn render_onto(out: &mut String, segments: &[Segment]) {
    use std::fmt::Write;
    for s in segments {
        match s {
            Segment::Key(k)
                if !k.is_empty()
                    && k.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') =>
            {
                out.push('.');
                out.push_str(k);
            }
            Segment::Key(k) => {
                out.push_str("[\"");
                out.push_str(k);
                out.push_str("\"]");
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotted_and_bracketed_paths() {
        let p = FactPath::parse(r#"host.files["{unit:docker.service}"].mode"#).unwrap();
        assert_eq!(p.root, "host");
        assert_eq!(
            p.segments,
            vec![
                Segment::Key("files".into()),
                Segment::Key("{unit:docker.service}".into()),
                Segment::Key("mode".into())
            ]
        );
        assert_eq!(p.placeholders(), vec!["unit:docker.service".to_string()]);
        let p = FactPath::parse("container.inspect.Mounts[0].Source").unwrap();
        assert_eq!(p.segments[2], Segment::Index(0));
        assert_eq!(p.segments[3], Segment::Key("Source".into()));
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["", "a..b", "a.", ".a", "a[\"x\"", "a[x]", "a b", "[1]"] {
            assert!(FactPath::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn renders_back() {
        let segs = vec![Segment::Key("files".into()), Segment::Key("/etc/x".into())];
        assert_eq!(render("host", &segs), r#"host.files["/etc/x"]"#);
    }
}
