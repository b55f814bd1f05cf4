//! Man pages and JSON Schemas are generated from the code; these tests fail when the committed
//! copies are stale. Regenerate with `BOLLWERK_BLESS=1 cargo test --test generated_docs`.

use std::path::{Path, PathBuf};

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bless() -> bool {
    std::env::var_os("BOLLWERK_BLESS").is_some()
}

/// Compares `files` (name → generated text) with the folder `dir`, or rewrites it when blessing.
fn compare(dir: &Path, files: Vec<(String, String)>) {
    let mut stale = Vec::new();
    for (name, text) in &files {
        let path = dir.join(name);
        if bless() {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    on_disk.retain(|n| !files.iter().any(|(f, _)| f == n) && n != "README.md");
    assert!(
        on_disk.is_empty() || bless(),
        "files in {} that nothing generates: {on_disk:?}",
        dir.display()
    );
    assert!(
        stale.is_empty(),
        "stale generated files (run `BOLLWERK_BLESS=1 cargo test --test generated_docs`): {stale:?}"
    );
}

/// The man pages of `cmd` and its subcommands; `path` is the subcommand names below bollwerk.
fn man_pages(cmd: &clap::Command, path: &[&str], out: &mut Vec<(String, String)>) {
    let name = std::iter::once("bollwerk")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join("-");
    let mut buf = Vec::new();
    let page_cmd = cmd.clone().name(name.clone());
    clap_mangen::Man::new(page_cmd).render(&mut buf).unwrap();
    let page = with_sections(
        String::from_utf8(buf).unwrap(),
        &bollwerk::manual::sections(path),
    );
    out.push((format!("{name}.1"), page));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name());
        man_pages(sub, &sub_path, out);
    }
}

/// `page` (from clap_mangen) with `sections` (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES from
/// bollwerk::manual) after OPTIONS and SUBCOMMANDS, before VERSION as man pages order them.
fn with_sections(page: String, sections: &[bollwerk::manual::Section]) -> String {
    let mut extra = roff::Roff::new();
    for section in sections {
        extra.control("SH", [section.title]);
        for (term, text) in &section.entries {
            extra.control("TP", []);
            extra.text([roff::bold(*term)]);
            extra.text([roff::roman(*text)]);
        }
    }
    // Both come from the same roff crate: the page already defines the apostrophe string the
    // extra text uses, so the extra's copy of that preamble is left out.
    let extra = extra.render();
    let preamble: String = page.split_inclusive('\n').take(2).collect();
    let extra = extra
        .strip_prefix(&preamble)
        .expect("the page and the extra sections share roff's preamble");
    match page.find("\n.SH VERSION") {
        Some(i) => format!("{}{extra}{}", &page[..=i], &page[i + 1..]),
        None => page + extra,
    }
}

#[test]
fn man_pages_match_the_cli() {
    let mut cmd = bollwerk::cli::command();
    cmd.build();
    let mut pages = Vec::new();
    man_pages(&cmd, &[], &mut pages);
    assert!(pages.iter().any(|(n, _)| n == "bollwerk-scan.1"));
    assert!(pages.iter().any(|(n, _)| n == "bollwerk-rules-list.1"));
    for (name, page) in &pages {
        for title in ["EXIT STATUS", "EXAMPLES"] {
            assert!(
                page.contains(&format!("\n.SH \"{title}\"\n"))
                    || page.contains(&format!("\n.SH {title}\n")),
                "{name} has no {title} section"
            );
        }
    }
    compare(&manifest("man"), pages);
}

#[test]
fn json_schemas_match_the_types() {
    let report = schemars::schema_for!(bollwerk::report::Report);
    let snapshot = schemars::schema_for!(bollwerk::snapshot::Snapshot);
    let diff = schemars::schema_for!(bollwerk::report::diff::Diff);
    let fleet = schemars::schema_for!(bollwerk::report::fleet::Fleet);
    let history = schemars::schema_for!(bollwerk::report::history::History);
    compare(
        &manifest("schema"),
        vec![
            (
                "report.schema.json".into(),
                serde_json::to_string_pretty(&report).unwrap() + "\n",
            ),
            (
                "snapshot.schema.json".into(),
                serde_json::to_string_pretty(&snapshot).unwrap() + "\n",
            ),
            (
                "diff.schema.json".into(),
                serde_json::to_string_pretty(&diff).unwrap() + "\n",
            ),
            (
                "fleet.schema.json".into(),
                serde_json::to_string_pretty(&fleet).unwrap() + "\n",
            ),
            (
                "history.schema.json".into(),
                serde_json::to_string_pretty(&history).unwrap() + "\n",
            ),
        ],
    );
}

/// The operator table comes from the same table the loader reads (rules::vocabulary).
#[test]
fn operator_table_in_checks_readme_is_current() {
    let table = bollwerk::rules::vocabulary::markdown();
    let path = manifest("checks/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- operators:start -->\n", "<!-- operators:end -->");
    let i = text.find(start).expect("operators:start marker") + start.len();
    let j = text.find(end).expect("operators:end marker");
    let fresh = format!("{}{}{}", &text[..i], table, &text[j..]);
    if bless() {
        std::fs::write(&path, fresh).unwrap();
    } else {
        assert!(
            text == fresh,
            "the operator table in checks/README.md is stale: run `BOLLWERK_BLESS=1 cargo test --test generated_docs`"
        );
    }
}

#[test]
fn coverage_table_in_checks_readme_is_current() {
    let rules = bollwerk::rules::RuleSet::load(None).expect("shipped rules load");
    let table = bollwerk::rules::coverage::markdown(&rules);
    let path = manifest("checks/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- coverage:start -->\n", "<!-- coverage:end -->");
    let i = text.find(start).expect("coverage:start marker") + start.len();
    let j = text.find(end).expect("coverage:end marker");
    let fresh = format!("{}{}{}", &text[..i], table, &text[j..]);
    if bless() {
        std::fs::write(&path, fresh).unwrap();
    } else {
        assert!(
            text == fresh,
            "the coverage table in checks/README.md is stale: run `BOLLWERK_BLESS=1 cargo test --test generated_docs`"
        );
    }
}
