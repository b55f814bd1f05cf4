//! Diagnostics shared by the layers: positions of errors in JSON files.

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
    (format!("{file}:{line}:{column}"), what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
