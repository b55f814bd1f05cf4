//! Diagnostics shared by the layers: positions of errors in JSON files, errors with their
//! causes.

/// (`file:line:column`, message) for a serde_json error in `text`.
///
/// serde_json appends " at line L column C" to its messages and puts errors found at a line
/// break at column 0 of the next line; this points at the end of the line that holds the
/// mistake instead and keeps the position in front, where editors look for it.
pub fn json_error(file: &str, text: &str, e: &serde_json::Error) -> (String, String) {
    let what = e.to_string();
    let what = what
        .rsplit_once(" at line ")
        .map_or(what.as_str(), |(w, _)| w);
    let (line, column) = match (e.line(), e.column()) {
        (l, 0) if l > 1 => (
            l - 1,
            text.lines().nth(l - 2).map_or(0, |t| t.chars().count()),
        ),
        lc => lc,
    };
    // Columns count from 1: an empty file or line has its mistake at column 1, not 0.
    let column = column.max(1);
    (format!("{file}:{line}:{column}"), escape_controls(what))
}

/// `text` with its control characters written as Rust escapes (`\n`, `\u{1b}`). serde quotes
/// the file's own keys in its messages, and a key may hold a newline or a terminal escape
/// sequence: escaped, the error stays one line and shows the key as it is written.
fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// An error's message followed by those of its causes that it does not already contain.
/// HTTP clients word the failure and leave the reason to the cause: hyper's "client error
/// (Connect)" alone does not say that the connection was refused.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        cause = c.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_quoted_in_a_message_stay_on_one_line() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            _a: Option<u8>,
        }
        // Found by the snapshot fuzzer: an unknown key holding an escaped newline.
        let text = "{\"all_co\\ntainers\": false}";
        let e = serde_json::from_str::<Strict>(text).unwrap_err();
        let (_, m) = json_error("f.json", text, &e);
        assert_eq!(m, "unknown field `all_co\\ntainers`, expected `_a`");
        let text = "{\"\\u001b[31mred\": 1}";
        let e = serde_json::from_str::<Strict>(text).unwrap_err();
        let (_, m) = json_error("f.json", text, &e);
        assert_eq!(m, "unknown field `\\u{1b}[31mred`, expected `_a`");
    }

    #[test]
    fn points_at_the_line_with_the_mistake() {
        let text = "{\n  \"a\": tru\n}";
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        let (at, m) = json_error("f.json", text, &e);
        assert_eq!(at, "f.json:2:10");
        assert!(!m.contains(" at line "), "{m}");
    }

    #[test]
    fn an_empty_file_is_wrong_at_its_first_column() {
        let e = serde_json::from_str::<serde_json::Value>("").unwrap_err();
        assert_eq!(json_error("f.json", "", &e).0, "f.json:1:1");
        let text = "{\n\n";
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        assert_eq!(json_error("f.json", text, &e).0, "f.json:2:1");
    }

    #[test]
    fn causes_are_named_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let refused = std::io::Error::from_raw_os_error(nix::libc::ECONNREFUSED);
        let text = refused.to_string();
        assert_eq!(
            error_chain(&Outer(refused)),
            format!("client error (Connect): {text}")
        );
        // A cause already in the message is not repeated.
        let plain = std::io::Error::from_raw_os_error(nix::libc::ENOENT);
        assert_eq!(error_chain(&plain), plain.to_string());
    }
}
