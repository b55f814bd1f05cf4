//! The house's structure stays as designed: layers only point down, no source files import
//! each other in a circle, and no function of collection runs over 100 lines (issue #12.6).
//!
//! ```text
//! cli ──▶ report ──▶ rules ──▶ facts
//!    └──▶ collect ────────────▶ facts
//! ```
//!
//! The test reads the `use` declarations and `crate::`/`super::` paths of every file under
//! `src/` (code before `#[cfg(test)]`), resolves each to the file that defines it, and checks
//! every arrow against the table below. A module file's own `mod`/`pub use` of its children is
//! not an arrow (declaring a child is not depending on it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom up; a layer may use itself and those listed after it.
const LAYERS: &[(&str, &[&str])] = &[
    ("facts", &[]),
    ("collect", &["facts"]),
    ("rules", &["facts"]),
    ("report", &["rules", "facts"]),
    ("cli", &["report", "collect", "rules", "facts"]),
];

/// Which layer a module (its path below the crate root) belongs to.
fn layer_of(module: &[String]) -> &'static str {
    match module.first().map(String::as_str) {
        Some("facts" | "snapshot" | "doc" | "diag" | "digest" | "wording" | "secrets") => "facts",
        Some("collect") => "collect",
        Some("rules") => "rules",
        Some("report") => "report",
        Some("cli" | "config" | "manual" | "main") | None => "cli",
        Some(other) => {
            panic!("src/{other}: no layer is assigned; add it to layer_of in tests/layers.rs")
        }
    }
}

/// A source file and its module path (`["rules", "eval"]`; `[]` for lib.rs).
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    code: String,
}

fn source_files(dir: &Path, module: &[String], out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut m = module.to_vec();
            m.push(name);
            source_files(&path, &m, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut m = module.to_vec();
            if !matches!(name.as_str(), "mod" | "lib") {
                m.push(name);
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Code only: test modules may reach anywhere.
            let code = match text.find("#[cfg(test)]\nmod ") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            out.push(SourceFile {
                path,
                module: m,
                code,
            });
        }
    }
}

/// Code without comments and string literals, which may name paths that are not imports.
fn strip_comments_and_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            // A char literal holding a quote would open a string above.
            '\'' if chars.clone().take(3).collect::<String>() == "\"'" => {
                chars.nth(1);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path a file names: its `use` trees expanded, and `crate::…`/`super::…` in its code.
fn named_paths(code: &str) -> Vec<String> {
    let code = strip_comments_and_strings(code);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = find_use(rest) {
        let body_start = at + rest[at..].find("use ").unwrap() + 4;
        let end = body_start + rest[body_start..].find(';').unwrap();
        let tree = without_renames(&rest[body_start..end]);
        expand_use_tree("", &tree, &mut out);
        rest = &rest[end..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        for (at, _) in code.match_indices(start) {
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let len = code[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - at);
            out.push(code[at..at + len].trim_end_matches(':').to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The next `use` declaration (`use`, `pub use`, `pub(crate) use`) at the start of a line.
fn find_use(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("use ") || t.starts_with("pub use ") || t.starts_with("pub(crate) use ") {
            return Some(offset + (line.len() - t.len()));
        }
        offset += line.len();
    }
    None
}

/// A use tree without whitespace and without its renames (`b as c` becomes `b`).
fn without_renames(tree: &str) -> String {
    let mut out = String::new();
    let mut tokens = tree.split_whitespace();
    while let Some(t) = tokens.next() {
        if t == "as" {
            let alias = tokens.next().unwrap_or("");
            out.push_str(alias.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'));
        } else {
            out.push_str(t);
        }
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand_use_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let join = |p: &str, s: &str| {
        if p.is_empty() {
            s.to_string()
        } else {
            format!("{p}::{s}")
        }
    };
    match tree.find('{') {
        Some(open) if tree.ends_with('}') => {
            let head = join(prefix, tree[..open].trim_end_matches(':'));
            let inner = &tree[open + 1..tree.len() - 1];
            let mut depth = 0;
            let mut part = String::new();
            for c in inner.chars().chain(std::iter::once(',')) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !part.is_empty() {
                            expand_use_tree(&head, &part, out);
                        }
                        part.clear();
                        continue;
                    }
                    _ => {}
                }
                part.push(c);
            }
        }
        _ => {
            out.push(join(prefix, tree.trim_end_matches("::*")));
        }
    }
}

/// The file a path names, as a module path: the longest prefix that is a known module.
fn resolve(
    from: &[String],
    path: &str,
    modules: &BTreeSet<Vec<String>>,
    children: &BTreeMap<Vec<String>, BTreeSet<String>>,
) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    let mut at: Vec<String> = match segments.next()? {
        "crate" => Vec::new(),
        "super" => from[..from.len().checked_sub(1)?].to_vec(),
        "self" => from.to_vec(),
        first => {
            // A path relative to this module names a child module, if it is one.
            if children.get(from).is_some_and(|c| c.contains(first)) {
                let mut m = from.to_vec();
                m.push(first.to_string());
                m
            } else {
                return None;
            }
        }
    };
    for s in segments {
        if s == "super" {
            at.pop();
            continue;
        }
        let mut next = at.clone();
        next.push(s.to_string());
        if modules.contains(&next) {
            at = next;
        } else {
            break;
        }
    }
    Some(at)
}

#[test]
fn layers_point_down_and_files_form_no_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&root, &[], &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut children: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for m in &modules {
        if let Some((last, parent)) = m.split_last() {
            children
                .entry(parent.to_vec())
                .or_default()
                .insert(last.clone());
        }
    }
    let file_of: BTreeMap<&Vec<String>, &Path> = files
        .iter()
        .map(|f| (&f.module, f.path.as_path()))
        .collect();
    let shown = |m: &Vec<String>| {
        file_of[m]
            .strip_prefix(root.parent().unwrap())
            .unwrap()
            .display()
            .to_string()
    };

    let mut arrows: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in &files {
        for p in named_paths(&f.code) {
            let Some(target) = resolve(&f.module, &p, &modules, &children) else {
                continue;
            };
            // Itself, or a module declaring and re-exporting its own children.
            if target == f.module || target.starts_with(&f.module) && !f.module.is_empty() {
                continue;
            }
            if f.module.is_empty() || f.module == ["main"] {
                continue; // lib.rs and main.rs declare the crate's modules.
            }
            arrows.entry(f.module.clone()).or_default().insert(target);
        }
    }

    let mut wrong = Vec::new();
    for (from, targets) in &arrows {
        let from_layer = layer_of(from);
        let allowed = LAYERS.iter().find(|(l, _)| *l == from_layer).unwrap().1;
        for to in targets {
            let to_layer = layer_of(to);
            if to_layer != from_layer && !allowed.contains(&to_layer) {
                wrong.push(format!(
                    "{} ({from_layer}) uses {} ({to_layer}): {from_layer} may use only {:?}",
                    shown(from),
                    shown(to),
                    allowed
                ));
            }
        }
    }

    // Circles: a depth-first search that reports each back edge's loop once.
    fn visit(
        m: &Vec<String>,
        arrows: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        circles: &mut Vec<Vec<Vec<String>>>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = stack.iter().position(|s| s == m) {
            circles.push(stack[at..].to_vec());
            return;
        }
        stack.push(m.clone());
        for to in arrows.get(m).into_iter().flatten() {
            visit(to, arrows, stack, done, circles);
        }
        stack.pop();
        done.insert(m.clone());
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for m in arrows.keys() {
        visit(m, &arrows, &mut Vec::new(), &mut done, &mut circles);
    }
    for c in &circles {
        let names: Vec<String> = c.iter().map(&shown).collect();
        wrong.push(format!("circle: {} -> {}", names.join(" -> "), names[0]));
    }

    assert!(
        arrows.values().map(BTreeSet::len).sum::<usize>() > 50,
        "too few arrows found: the reader of use lines is broken"
    );
    assert!(
        wrong.is_empty(),
        "the structure broke:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_finds_nested_use_trees() {
    let mut out = Vec::new();
    expand_use_tree("", "super::{model::{Check,Op},path}", &mut out);
    assert_eq!(
        out,
        ["super::model::Check", "super::model::Op", "super::path"]
    );
    let paths = named_paths(
        "// crate::x::y\nlet s = \"crate::z\";\nuse crate::a::b as c;\nf(super::d::e);\n",
    );
    assert_eq!(paths, ["crate::a::b", "super::d::e"]);
}

/// Functions longer than this in `src/collect` fail the test below (issue #12.6: a
/// collection whose phases read as short methods).
const MAX_COLLECT_FN_LINES: usize = 100;

/// What [`function_lengths`] finds in a file.
#[derive(Debug, PartialEq)]
struct Functions {
    /// Each function item outside `mod tests`: (name, first line, lines from `fn` to its
    /// closing brace).
    found: Vec<(String, usize, usize)>,
    /// Whether every brace closed and every function found its end: when not, the reader
    /// lost its place (some text it does not know), and a long function could hide.
    balanced: bool,
}

/// The function items of a whole source file. Comments, strings (plain, byte, raw), char
/// literals and raw identifiers are skipped, so braces in them do not count; a declaration
/// without a body (`fn f();`) is not a function; a `mod tests` block is left out.
fn function_lengths(code: &str) -> Functions {
    let b = code.as_bytes();
    let (mut i, mut line, mut depth) = (0, 1, 0usize);
    // Parentheses and brackets open: a `;` inside them (`-> [u8; 4]`) ends no declaration.
    let mut nested = 0usize;
    // A `fn` (or `mod tests`) seen, waiting for its body: (name, line, depth it is at).
    let mut pending: Option<(String, usize, usize)> = None;
    // Open bodies: (name, first line, depth inside the body).
    let mut open: Vec<(String, usize, usize)> = Vec::new();
    // The depth inside `mod tests`, while in it.
    let mut tests_at: Option<usize> = None;
    let mut found = Vec::new();
    // Skips to just past `end`; `escapes` for plain strings, where `\"` does not end one.
    let skip_to = |i: &mut usize, line: &mut usize, end: &[u8], escapes: bool| {
        while *i < b.len() && !b[*i..].starts_with(end) {
            if escapes && b[*i] == b'\\' {
                *i += 1;
            }
            if *i < b.len() && b[*i] == b'\n' {
                *line += 1;
            }
            *i += 1;
        }
        *i += end.len();
    };
    while i < b.len() {
        let c = b[i];
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        // A raw string: `r"`, `r#"`, `br"`, `br#"` (not the raw identifier `r#type`).
        let raw_at = match (word_start, &b[i..]) {
            (true, [b'r', ..]) => Some(i + 1),
            (true, [b'b', b'r', ..]) => Some(i + 2),
            _ => None,
        };
        let raw = raw_at.and_then(|at| {
            let hashes = b[at..].iter().take_while(|&&h| h == b'#').count();
            (b.get(at + hashes) == Some(&b'"')).then_some((at, hashes))
        });
        if b[i..].starts_with(b"//") {
            skip_to(&mut i, &mut line, b"\n", false);
            line += 1;
        } else if b[i..].starts_with(b"/*") {
            skip_to(&mut i, &mut line, b"*/", false);
        } else if let Some((at, hashes)) = raw {
            i = at + hashes + 1;
            let end = [&b"\""[..], &vec![b'#'; hashes]].concat();
            skip_to(&mut i, &mut line, &end, false);
        } else if c == b'"' {
            i += 1;
            skip_to(&mut i, &mut line, b"\"", true);
        } else if c == b'\'' && b.get(i + 1) == Some(&b'\\') {
            // An escaped char literal ('\n', '\'', '\u{7b}'): past the escaped character.
            i += 3;
            skip_to(&mut i, &mut line, b"'", false);
        } else if c == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal ('{'), not a lifetime.
            i += 3;
        } else if word_start && (b[i..].starts_with(b"fn ") || b[i..].starts_with(b"mod tests")) {
            let name: String = if b[i] == b'f' {
                code[i + 3..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            } else {
                "mod tests".into()
            };
            pending = Some((name, line, depth));
            i += 3;
        } else {
            match c {
                b'{' => {
                    depth += 1;
                    if let Some((name, at, _)) = pending.take_if(|p| p.2 + 1 == depth) {
                        if name == "mod tests" {
                            tests_at = tests_at.or(Some(depth));
                        } else {
                            open.push((name, at, depth));
                        }
                    }
                }
                b'}' => {
                    if open.last().is_some_and(|o| o.2 == depth) {
                        let (name, at, _) = open.pop().unwrap();
                        if tests_at.is_none() {
                            found.push((name, at, line - at + 1));
                        }
                    }
                    if tests_at == Some(depth) {
                        tests_at = None;
                    }
                    depth = depth.saturating_sub(1);
                }
                b'(' | b'[' => nested += 1,
                b')' | b']' => nested = nested.saturating_sub(1),
                b';' if nested == 0 && pending.as_ref().is_some_and(|p| p.2 == depth) => {
                    pending = None
                }
                b'\n' => line += 1,
                _ => {}
            }
            i += 1;
        }
    }
    Functions {
        found,
        balanced: depth == 0 && nested == 0 && open.is_empty() && pending.is_none(),
    }
}

#[test]
fn no_function_of_collection_runs_over_100_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/collect");
    let paths: Vec<PathBuf> = walk_rs(&root);
    let mut long = Vec::new();
    let mut counted = 0;
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let functions = function_lengths(&text);
        assert!(
            functions.balanced,
            "{}: the function reader lost its place (braces do not balance as it reads them)",
            path.display()
        );
        for (name, at, lines) in functions.found {
            counted += 1;
            if lines > MAX_COLLECT_FN_LINES {
                long.push(format!("{}:{at}: fn {name}: {lines} lines", path.display()));
            }
        }
    }
    assert!(
        counted > 200,
        "only {counted} functions found: the reader is broken"
    );
    assert!(
        long.is_empty(),
        "functions over {MAX_COLLECT_FN_LINES} lines; split them into steps:\n{}",
        long.join("\n")
    );
}

/// Every `.rs` file below `dir`.
fn walk_rs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_rs(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn the_function_reader_skips_braces_in_text_and_declarations() {
    let code = "trait T {\n    fn decl(&self);\n}\nfn a<'x>(s: &'x str) {\n    let c = '{';\n    let t = \"}}\";\n    let r = r#\"{\"#;\n    // }\n    if true { fn inner() {} }\n}\nfn b() -> [u8; 2] {\n    [0; 2]\n}\n";
    let found = function_lengths(code);
    assert_eq!(
        found,
        Functions {
            found: vec![
                ("inner".to_string(), 9, 1),
                ("a".to_string(), 4, 7),
                ("b".to_string(), 11, 3)
            ],
            balanced: true,
        }
    );
    // Raw strings ending in a backslash, escaped quotes, raw identifiers and raw byte strings
    // do not lose the reader its place; a test module's functions do not count.
    let code = "fn c() {\n    let p = r\"C:\\\";\n    let q = ['\\'', '{'];\n    let r#type = 1;\n    let s = br#\"{\"#;\n    let t = b\"}\";\n}\n#[cfg(test)]\nmod tests {\n    fn long() {\n    }\n}\nfn d() {}\n";
    assert_eq!(
        function_lengths(code),
        Functions {
            found: vec![("c".to_string(), 1, 7), ("d".to_string(), 13, 1)],
            balanced: true,
        }
    );
    // A brace the reader cannot place is reported, not passed over.
    assert!(!function_lengths("fn e() {\n    {\n}\n").balanced);
}
