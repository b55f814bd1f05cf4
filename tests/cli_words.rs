//! The command line's words: `rules show` in the rule files' words, `rules list` within 100
//! columns, rule ids matched whatever their case, counts with the noun in the right number.

mod support;

use support::fixture::HostTree;
use support::scan::{bollwerk, run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

#[test]
fn rules_show_speaks_the_rule_files_words() {
    let (code, out, err) = run(&["rules", "show", "5.2"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        r#"benchmarks = { "cis-docker-1.8.0" = "5.2", "cis-docker-1.6.0" = "5.1" }"#,
        "level = 1",
        "assessment = \"automated\"",
        "severity = \"medium\"",
        "scope = \"each-container\"",
    ] {
        assert!(
            out.lines().any(|l| l == line),
            "no line `{line}` in:\n{out}"
        );
    }
    // Rust's names for the same things must not leak out.
    for debug in ["EachContainer", "Automated", "Medium"] {
        assert!(!out.contains(debug), "{debug} in:\n{out}");
    }
    // Every line of this kind is the same `key = value` as in the file it came from.
    let origin = out
        .lines()
        .find_map(|l| l.strip_prefix("defined at "))
        .expect("origin line");
    let (file, _) = origin.rsplit_once(':').expect("file:line");
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .expect("the rule file named");
    assert!(text.contains("scope = \"each-container\""));
}

#[test]
fn rules_show_takes_ids_in_any_case() {
    let (code, upper, _) = run(&["rules", "show", "BW-CAP-DANGEROUS"]);
    assert_eq!(code, 0);
    let (code, lower, err) = run(&["rules", "show", "bw-cap-dangerous"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lower, upper);
    assert!(lower.starts_with("BW-CAP-DANGEROUS "), "{lower}");
}

#[test]
fn rules_list_fits_100_columns_with_every_shipped_rule() {
    let (code, out, _) = run(&["rules", "list"]);
    assert_eq!(code, 0);
    let rules = bollwerk::rules::RuleSet::load(None).expect("shipped rules load");
    let shipped: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
    assert!(shipped.len() > 100, "the shipped rules: {}", shipped.len());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        shipped.len() + 1,
        "a header and one line per rule"
    );
    for line in &lines {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let longest = shipped.iter().max_by_key(|id| id.len()).unwrap();
    for id in &shipped {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} is not listed whole"));
        if id == longest {
            // The longest id sets the column; its title still shows, cut or not.
            assert!(line.len() > 70, "{line}");
        }
    }
    let cut: Vec<&&str> = lines.iter().filter(|l| l.ends_with('…')).collect();
    assert!(!cut.is_empty(), "long titles are cut with an ellipsis");
    // A title that fits is shown whole.
    let (_, show, _) = run(&["rules", "show", "5.2"]);
    let title = show.lines().next().unwrap().strip_prefix("5.2 ").unwrap();
    let line = lines.iter().find(|l| l.starts_with("5.2 ")).unwrap();
    assert!(
        line.ends_with(title) || line.ends_with('…'),
        "5.2's title whole or cut: {line}"
    );
}

/// The ids a scan reported.
fn reported_ids(args: &[&str]) -> Vec<String> {
    let tree = HostTree::new();
    let root = tree.root_arg();
    let o = tempfile::tempdir().unwrap();
    let mut all = vec!["scan", "--host-root", &root, "--docker-host", NO_DAEMON];
    all.extend_from_slice(args);
    let r = bollwerk(&all, o.path());
    r.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn include_and_exclude_take_ids_in_any_case() {
    assert_eq!(
        reported_ids(&[
            "--include",
            "bw-fs,Bw-Kernel-Bpf",
            "--exclude",
            "bw-fs-symlinks"
        ]),
        vec!["BW-FS-HARDLINKS", "BW-KERNEL-BPF"]
    );
    assert_eq!(
        reported_ids(&["--include", "BW-FS", "--exclude", "BW-FS-SYMLINKS"]),
        vec!["BW-FS-HARDLINKS"]
    );
}

/// A snapshot of the fixture host and a reachable daemon running `containers` (name, added
/// capabilities), made by `bollwerk collect` and then given the containers.
fn snapshot_with(dir: &std::path::Path, containers: &[(&str, &[&str])]) -> String {
    let tree = HostTree::new();
    let path = dir.join("snap.json");
    let (code, _, err) = run(&[
        "collect",
        "-q",
        "--host-root",
        &tree.root_arg(),
        "--docker-host",
        NO_DAEMON,
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    snap["daemon"]["reachable"] = true.into();
    snap["errors"] = serde_json::json!([]);
    snap["containers"] = containers
        .iter()
        .map(|(name, caps)| {
            let id = format!("{name:0<64}");
            serde_json::json!({
                "id": id, "name": name, "runtime": null,
                "inspect": {"Id": id, "Name": format!("/{name}"), "State": {"Running": true},
                            "HostConfig": {"CapAdd": caps}},
            })
        })
        .collect();
    std::fs::write(&path, snap.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn counts_take_the_noun_in_the_right_number() {
    let dir = tempfile::tempdir().unwrap();
    let scan = |snap: &str| {
        let o = tempfile::tempdir().unwrap();
        // -v: the per-rule list, whose heading counts the rules.
        bollwerk(
            &["scan", "--snapshot", snap, "--include", "5.4", "-v"],
            o.path(),
        )
    };
    let one = scan(&snapshot_with(dir.path(), &[("a", &["NET_ADMIN"])]));
    assert_eq!(one.rule("5.4")["message"], "1 of 1 container fails");
    assert!(one.stdout.contains("\n1 rule: "), "{}", one.stdout);
    let three = scan(&snapshot_with(
        dir.path(),
        &[("a", &["NET_ADMIN"]), ("b", &[]), ("c", &["SYS_ADMIN"])],
    ));
    assert_eq!(three.rule("5.4")["message"], "2 of 3 containers fail");
    let some = scan(&snapshot_with(
        dir.path(),
        &[("a", &["NET_ADMIN"]), ("b", &[]), ("c", &[])],
    ));
    assert_eq!(some.rule("5.4")["message"], "1 of 3 containers fails");
    let two_rules = {
        let o = tempfile::tempdir().unwrap();
        let snap = snapshot_with(dir.path(), &[("a", &[])]);
        bollwerk(
            &["scan", "--snapshot", &snap, "--include", "5.3,5.4"],
            o.path(),
        )
    };
    // The closing line counts the rules too.
    assert!(
        two_rules.stdout.contains(" of 2 rules · "),
        "{}",
        two_rules.stdout
    );
    assert!(one.stdout.contains(" of 1 rule · "), "{}", one.stdout);
    // 5.3 (SELinux) applies only where SELinux is on, so to none of the one container.
    assert_eq!(
        two_rules.rule("5.3")["message"],
        "does not apply to the only container"
    );
}
