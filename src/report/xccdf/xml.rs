//! A small XML writer over quick-xml that keeps every document well-formed: attribute values
//! are escaped (`& < > " '`), text only where XML needs it (`& < >`: quotes stay quotes, as
//! converters that keep an element's raw text, like MITRE SAF's for titles, show it), and
//! [`clean`] removes the characters XML 1.0 forbids even as
//! character references (control characters such as the ESC of ANSI colour codes) and shows
//! invisible format characters (direction overrides and isolates, zero-width characters) as
//! `\u{202e}`, as the HTML report does: legal XML, but a viewer of the document, or of the
//! HTML OpenSCAP makes of it, would show host text reordered or hidden ("Trojan Source").

use std::borrow::Cow;

use crate::report::is_invisible_format;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// Whether XML may carry `c`: not U+0000–U+001F other than tab, LF and CR, not U+FFFE or
/// U+FFFF. C1 controls (U+007F–U+009F, e.g. the one-character CSI U+009B) are legal XML but
/// are terminal controls just the same, so they are dropped too.
fn allowed(c: char) -> bool {
    !matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{B}'
            | '\u{C}'
            | '\u{E}'..='\u{1F}'
            | '\u{7F}'..='\u{9F}'
            | '\u{FFFE}'
            | '\u{FFFF}'
    )
}

/// `text` without the characters XML 1.0 forbids: U+0000–U+001F other than tab, LF and CR,
/// U+FFFE and U+FFFF; C1 controls (U+007F–U+009F) go too. Invisible format characters
/// ([`is_invisible_format`]) are written as `\u{202e}`.
pub fn clean(text: &str) -> Cow<'_, str> {
    // Most text is printable ASCII: decide it byte by byte before decoding characters.
    let plain_ascii = text
        .bytes()
        .all(|b| (0x20..0x7F).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'));
    if plain_ascii || text.chars().all(|c| allowed(c) && !is_invisible_format(c)) {
        Cow::Borrowed(text)
    } else {
        let mut out = String::with_capacity(text.len() + 16);
        for c in text.chars().filter(|&c| allowed(c)) {
            if is_invisible_format(c) {
                out.extend(c.escape_unicode());
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }
}

/// Text content as XML carries it, in one pass: the characters [`clean`] removes are
/// dropped, those it shows escaped, and `& < >` escaped (what `partial_escape(clean(text))`
/// gives, without the second scan and copy: message text is most of a fleet's XML).
pub fn text_content(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        let (len, replacement) = if b < 0x80 {
            let r = match b {
                b'&' => Some(Ok("&amp;")),
                b'<' => Some(Ok("&lt;")),
                b'>' => Some(Ok("&gt;")),
                b'\t' | b'\n' | b'\r' => None,
                0..=0x1F | 0x7F => Some(Ok("")),
                _ => None,
            };
            (1, r)
        } else {
            let c = text[i..].chars().next().expect("a char starts here");
            let r = if !allowed(c) {
                Some(Ok(""))
            } else if is_invisible_format(c) {
                Some(Err(c))
            } else {
                None
            };
            (c.len_utf8(), r)
        };
        if let Some(r) = replacement {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            o.push_str(&text[start..i]);
            match r {
                Ok(r) => o.push_str(r),
                Err(c) => o.extend(c.escape_unicode()),
            }
            start = i + len;
        }
        i += len;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[start..]);
            Cow::Owned(o)
        }
    }
}

/// An indented XML document being written to memory. Every attribute value and text node
/// goes through [`clean`] and is escaped by quick-xml; element and attribute names are the
/// caller's constants.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

/// Writing to a `Vec<u8>` cannot fail; quick-xml still returns `io::Result`.
const IN_MEMORY: &str = "writing XML to memory cannot fail";

impl Xml {
    /// A document starting with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn new() -> Xml {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .expect(IN_MEMORY);
        Xml { w }
    }

    /// A fragment without XML declaration, to be stitched into a larger document.
    pub fn fragment() -> Xml {
        Xml {
            w: Writer::new_with_indent(Vec::new(), b' ', 2),
        }
    }

    fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, clean(v).as_ref()));
        }
        s
    }

    /// `<name attrs…>`; close it with [`Xml::close`].
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.w
            .write_event(Event::Start(Self::start(name, attrs)))
            .expect(IN_MEMORY);
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .expect(IN_MEMORY);
    }

    /// `<name attrs…/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.w
            .write_event(Event::Empty(Self::start(name, attrs)))
            .expect(IN_MEMORY);
    }

    /// `<name attrs…>text</name>` on one line (the text itself may span lines).
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.w
            .write_event(Event::Start(Self::start(name, attrs)))
            .expect(IN_MEMORY);
        self.w
            .write_event(Event::Text(BytesText::from_escaped(text_content(text))))
            .expect(IN_MEMORY);
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .expect(IN_MEMORY);
    }

    /// `<!-- text -->`, with `--` (forbidden in comments) broken up.
    pub fn comment(&mut self, text: &str) {
        let mut safe = String::new();
        for c in clean(text).chars() {
            if c == '-' && safe.ends_with('-') {
                safe.push(' ');
            }
            safe.push(c);
        }
        if safe.ends_with('-') {
            safe.push(' ');
        }
        self.w
            .write_event(Event::Comment(BytesText::from_escaped(format!(" {safe} "))))
            .expect(IN_MEMORY);
    }

    /// The document, ending with a newline.
    pub fn finish(self) -> String {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        // Only `&str` went in, so the bytes are UTF-8.
        String::from_utf8(bytes).expect("XML built from str is UTF-8")
    }
}

impl Default for Xml {
    fn default() -> Xml {
        Xml::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_removed_and_markup_escaped() {
        let mut x = Xml::new();
        x.leaf(
            "a",
            &[("b", "x\u{1b}[31m\"<y>\u{0}")],
            "tab\there\u{1b}[0m </script>&\u{FFFF}\u{9b}",
        );
        let s = x.finish();
        assert!(!s.contains('\u{1b}') && !s.contains('\u{0}') && !s.contains('\u{FFFF}'));
        assert!(!s.contains('\u{9b}'));
        assert!(s.contains("b=\"x[31m&quot;&lt;y&gt;\""), "{s}");
        assert!(s.contains(">tab\there[0m &lt;/script&gt;&amp;</a>"), "{s}");
    }

    /// The one-pass text escaping gives what cleaning then escaping gave.
    #[test]
    fn text_content_is_clean_then_partial_escape() {
        for t in [
            "",
            "plain",
            "a & b < c > d \" '",
            "tab\tnl\ncr\r",
            "\u{1b}[31mred\u{1b}[0m",
            "ü € 😀 \u{9b}x\u{7f}y\u{FFFE}\u{FFFF}z\u{0}",
            "<<&&>>",
            "web\u{202e}lmth.exe\u{2066}<b>\u{2069}\u{200b}\u{feff}",
        ] {
            assert_eq!(
                text_content(t),
                quick_xml::escape::partial_escape(&*clean(t)),
                "{t:?}"
            );
        }
    }

    #[test]
    fn invisible_format_characters_are_shown_escaped() {
        let mut x = Xml::new();
        x.leaf(
            "a",
            &[("b", "x\u{202e}y\u{2066}")],
            "web\u{202e}gpj.exe\u{2066}&\u{200b}",
        );
        x.comment("c\u{2067}d");
        let s = x.finish();
        assert!(!s.chars().any(is_invisible_format), "{s:?}");
        assert!(s.contains("b=\"x\\u{202e}y\\u{2066}\""), "{s}");
        assert!(
            s.contains(">web\\u{202e}gpj.exe\\u{2066}&amp;\\u{200b}</a>"),
            "{s}"
        );
        assert!(s.contains("c\\u{2067}d"), "{s}");
    }

    #[test]
    fn comments_never_hold_double_hyphens() {
        let mut x = Xml::new();
        x.comment("run with --all ---");
        let s = x.finish();
        assert!(s.contains("<!-- run with - -all - - -  -->"), "{s}");
    }
}
