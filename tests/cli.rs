//! The command line: exit codes, rule listing, bad input, escaping of host text.

mod support;

use std::path::Path;
use std::process::Command;

use support::fixture::HostTree;
use support::scan::{bollwerk, command, output, run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

#[test]
fn rules_list_shows_every_rule_with_both_ids() {
    let (code, out, _) = run(&["rules", "list"]);
    assert_eq!(code, 0);
    let line = out
        .lines()
        .find(|l| l.starts_with("2.10 "))
        .expect("2.10 listed");
    assert!(line.contains("2.9"), "1.6.0 id shown: {line}");
    for id in [
        "1.1.1", "1.1.18", "2.2", "2.16", "3.1", "3.16", "4.1", "5.4", "5.5", "5.10", "5.11",
        "5.26", "5.29",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("{id} "))),
            "{id} missing:\n{out}"
        );
    }
}

#[test]
fn rules_show_prints_the_rule_or_names_the_missing_id() {
    let (code, out, _) = run(&["rules", "show", "5.5"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Remediation") && out.contains("--privileged"),
        "{out}"
    );
    let (code, _, err) = run(&["rules", "show", "9.99"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule with id '9.99'"), "{err}");
}

#[test]
fn usage_errors_exit_with_2() {
    let (code, _, err) = run(&["scan", "--level", "3"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["scan", "--fail-on", "bad"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown status 'bad'"), "{err}");
    assert!(
        err.contains("notchecked, or new"),
        "both kinds of value offered: {err}"
    );
    // An id that names no rule is refused, not quietly left out of the audit.
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/base.json");
    for option in ["--include", "--exclude"] {
        let (code, _, err) = run(&["scan", "--snapshot", base, option, "5.4,5.99"]);
        assert_eq!(code, 2, "{option}: {err}");
        assert!(
            err.contains(&format!("{option} names '5.99', which is no rule id")),
            "{option}: {err}"
        );
    }
    // Limits beyond the clock's reach are refused, not a panic (exit 101).
    for arg in ["--timeout", "--deadline"] {
        let (code, _, err) = run(&["scan", arg, "2305843009213693951"]);
        assert_eq!(code, 2, "{arg}: {err}");
        assert!(err.contains("is not in 1..=604800"), "{arg}: {err}");
    }
}

/// `bollwerk scan --snapshot tests/rules/base.json --checks CHECKS --format json EXTRA…`
/// into `out`: the embedded rules and those of the folder `checks`, over the fixtures' base.
fn scan_base_with_checks(checks: &Path, extra: &[&str], out: &Path) -> support::scan::Run {
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/base.json");
    let checks = checks.to_str().unwrap();
    let mut args = vec![
        "scan",
        "--snapshot",
        base,
        "--checks",
        checks,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    bollwerk(&args, out)
}

/// A rule file in TOML: `[[rule]]` tables of `id`, `title` and a check of `scope`.
fn rule_toml(id: &str, title: &str, scope: &str, check: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"{title}\"\ndescription = \"d\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\nassessment = \"automated\"\nseverity = \"low\"\nscope = \"{scope}\"\ncheck = {check}\n\n"
    )
}

#[test]
fn a_rule_file_with_mistakes_is_named_and_the_scan_goes_on_with_its_rules_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let icc = |op: &str| format!("{{ fact = \"daemon.settings.icc\", {op} = false }}");
    // mine.toml: a typo in the check of a rule replacing 2.2, then a good rule.
    let mine = dir.path().join("mine.toml");
    std::fs::write(
        &mine,
        rule_toml("2.2", "Our own take on icc", "daemon", &icc("equal"))
            + &rule_toml("BW-X-2", "icc off, our way", "daemon", &icc("equals")),
    )
    .unwrap();
    // Not TOML at all, but the rules it means are named by their id lines, in any of TOML's
    // spellings: a replaced default rule must not be judged by its old definition.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "[[rule]]\nid = \"BW-BROKEN-1\"\ntitle = \"unterminated\n[[rule]]\n'id' = '2.3'\n",
    )
    .unwrap();
    // A benchmark of the folder numbers a rule whose definition cannot be used: it still
    // finds the rule (an error), and the scan goes on.
    std::fs::write(
        dir.path().join("org.toml"),
        "[[benchmark]]\nname = \"org-x\"\ntitle = \"Example baseline\"\n\n[benchmark.rules]\n\"BW-TWICE-1\" = \"ORG-1\"\n",
    )
    .unwrap();
    // One id in two files: which was meant cannot be told.
    for file in ["twice-a.toml", "twice-b.toml"] {
        std::fs::write(
            dir.path().join(file),
            rule_toml("BW-TWICE-1", "Twice", "daemon", &icc("equals")),
        )
        .unwrap();
    }
    let checks = dir.path().to_str().unwrap();
    let base = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rules/base.json");
    let out = tempfile::tempdir().unwrap();
    let scan = scan_base_with_checks(dir.path(), &[], out.path());
    let err = &scan.stderr;
    // The audit did not run the rules it was given: incomplete, whatever else it found.
    assert_eq!(scan.code, 3, "{err}");
    for named in [
        format!("{}:11: unknown field `equal`", mine.display()),
        format!("{}:3:", broken.display()),
        "twice-b.toml:1: rule id 'BW-TWICE-1' is already defined at".to_string(),
    ] {
        assert!(err.contains(&named), "{named} told: {err}");
    }
    // The rule 2.2's replacement was to judge is an error under 2.2's own title, not the old
    // definition's verdict.
    let replaced = scan.rule("2.2");
    assert_eq!(replaced["status"], "error", "{replaced}");
    assert!(
        replaced["title"]
            .as_str()
            .unwrap()
            .contains("between containers"),
        "{replaced}"
    );
    assert!(
        replaced["message"]
            .as_str()
            .unwrap()
            .contains("mine.toml:11: unknown field `equal`"),
        "{replaced}"
    );
    for id in ["BW-BROKEN-1", "2.3", "BW-TWICE-1"] {
        scan.expect(id, "error");
    }
    // Everything else is judged: the good rule beside the mistake, and the default rules.
    scan.expect("BW-X-2", "pass");
    for id in ["2.1", "2.4", "5.5"] {
        assert_ne!(scan.status(id), "error", "{id}");
    }
    let notes = scan.report()["notes"].to_string();
    assert!(notes.contains("mine.toml:11:"), "{notes}");
    // Listing the rules stays strict: that is how a rule file is checked before use.
    let (code, _, err) = run(&["rules", "list", "--checks", checks]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mine.toml:11:"), "{err}");
    // A collection goes on too: the snapshot is written, and the exit code says it may lack
    // what the rules with mistakes would have read.
    let snapshot = out.path().join("snapshot.json");
    let snapshot_arg = snapshot.to_str().unwrap();
    let (code, _, err) = run(&[
        "collect",
        "--checks",
        checks,
        "--docker-host",
        NO_DAEMON,
        "-o",
        snapshot_arg,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("mine.toml:11:") && snapshot.is_file(), "{err}");
    // A file of which no rule can be told stops the scan: what it replaces cannot be known.
    std::fs::write(dir.path().join("junk.toml"), "this is not toml\n").unwrap();
    let scan_out = out.path().to_str().unwrap();
    let (code, _, err) = run(&[
        "scan",
        "--snapshot",
        base,
        "--checks",
        checks,
        "-o",
        scan_out,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("junk.toml: not TOML, and no `id = \"…\"` line in it names a rule"),
        "{err}"
    );
}

#[test]
fn an_unusable_new_rule_keeps_the_benchmarks_it_names() {
    let dir = tempfile::tempdir().unwrap();
    // A new rule, numbered in CIS 1.8.0 only, with a typo in its check.
    let typo = "{ fact = \"daemon.settings.icc\", equal = false }";
    std::fs::write(
        dir.path().join("mine.toml"),
        rule_toml("9.1", "Our own rule", "daemon", typo).replace(
            "title = ",
            "benchmarks = { \"cis-docker-1.8.0\" = \"9.1\" }\ntitle = ",
        ),
    )
    .unwrap();
    let ids = |benchmark: Option<&str>| {
        let out = tempfile::tempdir().unwrap();
        let extra: Vec<&str> = benchmark.iter().flat_map(|b| ["--benchmark", *b]).collect();
        let scan = scan_base_with_checks(dir.path(), &extra, out.path());
        assert_eq!(scan.code, 3, "{}", scan.stderr);
        scan.report()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let id = r.get("id_1_8_0").unwrap_or(&r["id"]);
                (id.as_str().unwrap().to_string(), r["status"].to_string())
            })
            .collect::<Vec<_>>()
    };
    // An error where it was declared, under its id there.
    let own = ids(None);
    assert!(own.contains(&("9.1".into(), "\"error\"".into())), "{own:?}");
    // Left out of a benchmark it was not declared for, as a usable rule would be.
    let old = ids(Some("cis-docker-1.6.0"));
    assert!(!old.iter().any(|(id, _)| id == "9.1"), "{old:?}");
    assert!(old.iter().any(|(id, _)| id == "2.2"), "{old:?}");
}

#[test]
fn checks_dir_replaces_and_adds_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        r#"
[[rule]]
id = "2.2"
title = "Our own take on icc"
description = "d"
rationale = "r"
remediation = "m"
level = 1
assessment = "automated"
severity = "low"
scope = "daemon"
check = { fact = "daemon.settings.icc", equals = false }

[[rule]]
id = "BW-LOCAL-1"
title = "Kernel pointers are hidden"
description = "d"
rationale = "r"
remediation = "m"
level = 2
assessment = "automated"
severity = "low"
scope = "host"
check = { fact = "host.sysctl[\"kernel.kptr_restrict\"]", ge = 1 }
"#,
    )
    .unwrap();
    let checks = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["rules", "show", "2.2", "--checks", checks]);
    assert_eq!(code, 0);
    assert!(out.starts_with("2.2 Our own take on icc"), "{out}");

    // The added host rule reads a sysctl the fixture provides: both outcomes.
    let tree = HostTree::new();
    tree.write("proc/sys/kernel/kptr_restrict", "1\n", 0o444);
    let o = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let args = [
        "scan",
        "--checks",
        checks,
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "--include",
        "BW",
    ];
    let r = bollwerk(&args, o.path());
    r.expect("BW-LOCAL-1", "pass");
    // The rule-set version names the rule files' content.
    let text = std::fs::read(dir.path().join("local.toml")).unwrap();
    let digest = bollwerk::rules::loader::files_digest([("local.toml", text.as_slice())]);
    assert_eq!(
        r.report()["tool"]["rules_version"],
        format!("{}+custom.{}", env!("CARGO_PKG_VERSION"), &digest[..12])
    );
    tree.write("proc/sys/kernel/kptr_restrict", "0\n", 0o444);
    let r = bollwerk(&args, o.path());
    r.expect("BW-LOCAL-1", "fail");
    // BW's daemon rules are `error` (no daemon here): an incomplete audit, exit 3.
    assert_eq!(r.code, 3);
}

#[test]
fn rule_files_linked_in_are_loaded_and_one_that_is_no_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&kept).unwrap();
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        kept.join("site.toml"),
        "[[rule]]\nid = \"BW-LINKED-1\"\ntitle = \"A rule kept elsewhere\"\ndescription = \"d\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\nassessment = \"automated\"\nseverity = \"low\"\nscope = \"daemon\"\ncheck = { fact = \"daemon.settings.icc\", equals = false }\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../kept/site.toml", rules.join("site.toml")).unwrap();
    let checks = rules.to_str().unwrap();
    let (code, out, err) = run(&["rules", "show", "BW-LINKED-1", "--checks", checks]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("BW-LINKED-1 A rule kept elsewhere"),
        "{out}"
    );
    // A dangling link that is no rule file by its name is skipped, as such files are.
    std::os::unix::fs::symlink("../kept/gone.txt", rules.join("notes.txt")).unwrap();
    let (code, _, err) = run(&["rules", "show", "BW-LINKED-1", "--checks", checks]);
    assert_eq!(code, 0, "{err}");
    // A FIFO and a link to nothing are named, not skipped.
    let fifo = rules.join("pipe.toml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    std::os::unix::fs::symlink("../kept/gone.toml", rules.join("gone.toml")).unwrap();
    let (code, _, err) = run(&["rules", "show", "BW-LINKED-1", "--checks", checks]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}: not a regular file", fifo.display())),
        "{err}"
    );
    assert!(err.contains("gone.toml"), "{err}");
}

#[test]
fn rule_file_text_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        "[[rule]]\nid = \"BW-ESC-1\"\ntitle = \"clear \\u001b[2J screen\"\ndescription = \"d\\u001b]0;owned\\u0007\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\nassessment = \"automated\"\nseverity = \"low\"\nscope = \"daemon\"\ncheck = { fact = \"daemon.settings.icc\", equals = false }\n",
    )
    .unwrap();
    let checks = dir.path().to_str().unwrap();
    for args in [
        vec!["rules", "show", "BW-ESC-1", "--checks", checks],
        vec!["rules", "list", "--checks", checks],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{args:?}: {out:?}"
        );
    }
    let (_, out, _) = run(&["rules", "show", "BW-ESC-1", "--checks", checks]);
    assert!(out.contains("clear \\u{1b}[2J screen"), "{out}");
    // A rule file whose name holds an escape, named in an error.
    let bad = dir.path().join("b\u{1b}[31mx.toml");
    std::fs::write(&bad, "[[rule]]\nid = 5\n").unwrap();
    let (code, _, err) = run(&["rules", "list", "--checks", checks]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("b\\u{1b}[31mx.toml"), "{err}");
}

#[test]
fn rules_list_rows_fit_the_width_once_rule_file_text_is_escaped() {
    // `rules list` fits its rows to 100 columns (LIST_WIDTH in src/cli.rs). This title of 30
    // characters fits as it is written, but each ESC shows as `\u{1b}`, six characters: cut
    // before escaping, the row would be some 50 columns too wide.
    let title = "\\u001bx".repeat(10) + &"t".repeat(10);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        format!("[[rule]]\nid = \"BW-ESC-2\"\ntitle = \"{title}\"\ndescription = \"d\"\nrationale = \"r\"\nremediation = \"m\"\nlevel = 1\nassessment = \"automated\"\nseverity = \"low\"\nscope = \"daemon\"\ncheck = {{ fact = \"daemon.settings.icc\", equals = false }}\n"),
    )
    .unwrap();
    let (code, out, err) = run(&["rules", "list", "--checks", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for line in out.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} characters: {line}",
            line.chars().count()
        );
    }
    let row = out
        .lines()
        .find(|l| l.starts_with("BW-ESC-2 "))
        .expect("BW-ESC-2 listed");
    assert!(row.contains("\\u{1b}x") && row.ends_with('…'), "{row}");
}

#[test]
fn fail_on_sets_the_threshold_and_errors_exit_3() {
    let tree = HostTree::new();
    // dockerd's flags known: without them the TLS file rules (3.9-3.14) are errors.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let root = tree.root_arg();
    let o = tempfile::tempdir().unwrap();
    // 3.x pass on the fixture; 2.2 errors (no daemon).
    let base = ["scan", "--host-root", &root, "--docker-host", NO_DAEMON];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        bollwerk(&a, o.path()).code
    };
    assert_eq!(with(&["--include", "3"]), 0);
    assert_eq!(
        with(&["--include", "3,2.2"]),
        3,
        "errors count at the default --fail-on fail, as an audit that could not complete"
    );
    assert_eq!(with(&["--include", "3,2.2", "--fail-on", "error"]), 3);
    // Failures and errors together: 3 wins, the findings are incomplete.
    assert_eq!(with(&["--include", "1.1.1,2.2"]), 3);
    assert_eq!(
        with(&["--include", "1.1.1,2.2", "--fail-on", "informational"]),
        3
    );
    assert_eq!(
        with(&["--include", "1.1.1", "--fail-on", "error"]),
        0,
        "a failure is below error"
    );
    assert_eq!(with(&["--include", "1.1.1"]), 1);
}

#[test]
fn bad_snapshot_file_is_a_one_line_error_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    std::fs::write(&snap, "{\n  \"schema_version\": 1,\n  \"oops\": 1\n}").unwrap();
    let (code, _, err) = run(&[
        "scan",
        "--snapshot",
        snap.to_str().unwrap(),
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!("bollwerk: error: {}:3:", snap.display())),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn host_supplied_text_is_kept_exactly_in_json_and_defused_on_the_terminal() {
    let tree = HostTree::new();
    let evil = "evil\u{1b}[31m\"host\"<img src=x>";
    tree.write("etc/hostname", &format!("{evil}\n"), 0o644);
    let o = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let r = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            "3",
            "--format",
            "terminal,json",
        ],
        o.path(),
    );
    assert_eq!(r.report()["run"]["hostname"], evil);
    assert!(
        !r.stdout.contains('\u{1b}'),
        "raw escape reached the terminal: {:?}",
        r.stdout
    );
    assert!(r.stdout.contains("evil\\u{1b}[31m"), "{}", r.stdout);
}

#[test]
fn config_file_sets_parameters_and_bad_keys_name_the_line() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let root = tree.root_arg();
    let o = tempfile::tempdir().unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/bollwerk.example.toml");
    // The example trusts alice and deploy; the fixture's docker group also holds bob.
    let r = bollwerk(
        &[
            "scan",
            "--config",
            example,
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            "1.1.2",
        ],
        o.path(),
    );
    r.expect("1.1.2", "fail");
    assert_eq!(
        r.report()["run"]["options"]["params"]["max-image-age-days"],
        30
    );
    assert_eq!(
        r.report()["run"]["options"]["trusted_users"],
        serde_json::json!(["alice", "deploy"])
    );
    // The flag wins over the file.
    let r = bollwerk(
        &[
            "scan",
            "--config",
            example,
            "--trusted-users",
            "alice,bob",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            "1.1.2",
        ],
        o.path(),
    );
    r.expect("1.1.2", "pass");

    let bad = o.path().join("bad.toml");
    std::fs::write(&bad, "max-image-age-days = 3\nmax-image-age = 7\n").unwrap();
    let (code, _, err) = run(&[
        "scan",
        "--config",
        bad.to_str().unwrap(),
        "--docker-host",
        NO_DAEMON,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("{}:2: unknown key 'max-image-age'", bad.display())),
        "{err}"
    );
}

#[test]
fn benchmark_1_6_0_reports_under_the_old_numbering() {
    let tree = HostTree::new();
    let root = tree.root_arg();
    let o = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--benchmark",
            "cis-docker-1.6.0",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            "2.10,2.16,3.1",
        ],
        o.path(),
    );
    assert_eq!(r.report()["benchmark"], "CIS Docker Benchmark v1.6.0");
    let ids: Vec<(String, String)> = r.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_string(),
                x["id_1_8_0"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            ("2.9".into(), "2.10".into()),
            ("2.15".into(), "2.16".into()),
            ("3.1".into(), "3.1".into())
        ]
    );
}

#[test]
fn docker_host_in_the_environment_does_not_clash_with_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let snap = dir.path().join("snap.json");
    let tree = HostTree::new();
    let root = tree.root_arg();
    let (code, _, err) = run(&[
        "collect",
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "-o",
        snap.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = output(
        command(&[
            "scan",
            "--snapshot",
            snap.to_str().unwrap(),
            "-o",
            out,
            "-q",
        ])
        .env("DOCKER_HOST", NO_DAEMON),
    );
    assert_ne!(code, 2, "{err}");
    assert!(dir.path().join("report.json").is_file(), "{err}");
    // Given on the command line, the two still exclude each other.
    let (code, _, err) = run(&[
        "scan",
        "--snapshot",
        snap.to_str().unwrap(),
        "--docker-host",
        NO_DAEMON,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn a_host_root_that_is_not_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-root");
    let (code, out, err) = run(&[
        "scan",
        "--host-root",
        missing.to_str().unwrap(),
        "--docker-host",
        NO_DAEMON,
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        err.trim(),
        format!(
            "bollwerk: error: --host-root {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
    assert!(!dir.path().join("report.json").exists());
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let snap = dir.path().join("snap.json");
    let (code, _, err) = run(&[
        "collect",
        "--host-root",
        file.to_str().unwrap(),
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a directory"), "{err}");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    // `bollwerk rules list | head -1`, made certain: the pipe's read end is closed before
    // bollwerk starts, so its first write already meets a closed pipe (it used to panic).
    let (read_end, write_end) = nix::unistd::pipe().unwrap();
    drop(read_end);
    let (code, _, err) =
        output(command(&["rules", "list"]).stdout(std::process::Stdio::from(write_end)));
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
}

#[test]
fn a_refused_connection_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("dead.sock");
    // Bound but never listening: connecting is refused.
    let s = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::Stream,
        nix::sys::socket::SockFlag::empty(),
        None,
    )
    .unwrap();
    nix::sys::socket::bind(
        std::os::fd::AsRawFd::as_raw_fd(&s),
        &nix::sys::socket::UnixAddr::new(&sock).unwrap(),
    )
    .unwrap();
    let url = format!("unix://{}", sock.display());
    let tree = HostTree::new();
    let root = tree.root_arg();
    let o = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            &url,
            "--include",
            "2.2",
        ],
        o.path(),
    );
    r.expect("2.2", "error");
    let msg = r.rule("2.2")["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains(&format!("cannot reach the Docker daemon at {url}"))
            && msg.contains("Connection refused"),
        "{msg}"
    );
}

/// A snapshot of the fixture host with no daemon: host rules fail (audit rules, file modes),
/// daemon rules are undecided.
fn fixture_snapshot(dir: &std::path::Path) -> std::path::PathBuf {
    let tree = HostTree::new();
    let snap = dir.join("snap.json");
    let (code, _, err) = run(&[
        "collect",
        "--host-root",
        &tree.root_arg(),
        "--docker-host",
        NO_DAEMON,
        "-o",
        snap.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    snap
}

/// `text` without ANSI colour sequences and carriage returns (a pty turns `\n` into `\r\n`).
fn plain(text: &str) -> String {
    let colour = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    colour.replace_all(text, "").replace('\r', "")
}

/// The lines from the closing block's rule (a line of 100 `─`) to the end.
fn closing_block(out: &str) -> Vec<&str> {
    let lines: Vec<&str> = out.lines().collect();
    let start = lines
        .iter()
        .rposition(|l| *l == "─".repeat(100))
        .unwrap_or_else(|| panic!("no closing block:\n{out}"));
    lines[start..].to_vec()
}

#[test]
fn a_scan_on_a_real_terminal_ends_with_the_closing_block_in_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    let snap = fixture_snapshot(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let cmd = format!(
        "{} scan --snapshot {} -o {} --format terminal,json,html",
        env!("CARGO_BIN_EXE_bollwerk"),
        snap.display(),
        out.display()
    );
    // util-linux `script` runs the command on a new pseudo-terminal and copies the screen.
    let (code, screen, err) = output(
        Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("NO_COLOR")
            .env_remove("DOCKER_HOST"),
    );
    // The snapshot's daemon was unreachable: rules are undecided, the audit incomplete (3).
    assert_eq!(code, 3, "{screen}{err}");
    assert!(
        screen.contains("\x1b["),
        "a terminal gets colours: {screen}"
    );
    let screen = plain(&screen);
    for line in screen.lines() {
        let width = unicode_width::UnicodeWidthStr::width(line);
        assert!(width <= 100, "{width} columns: {line:?}");
    }
    let block = closing_block(&screen);
    assert!(block[1].starts_with("bollwerk: ") && block[1].contains(" failed, "));
    assert!(block[1].contains("score "), "{}", block[1]);
    assert!(
        block.iter().any(|l| l.starts_with("Fix first (")),
        "{block:?}"
    );
    // The files written are named last, and they are there.
    let written: Vec<&str> = block
        .iter()
        .skip_while(|l| !l.starts_with("Written:"))
        .map(|l| l.trim_start_matches("Written:").trim())
        .collect();
    let expected = [out.join("report.json"), out.join("report.html")];
    assert_eq!(
        written,
        expected
            .iter()
            .map(|p| p.to_str().unwrap())
            .collect::<Vec<_>>(),
        "{screen}"
    );
    assert!(expected.iter().all(|p| p.is_file()));
    // Fewer lines than the full list, which -v prints.
    let (_, verbose, _) = run(&[
        "scan",
        "--snapshot",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-v",
    ]);
    assert!(
        screen.lines().count() < verbose.lines().count(),
        "default {} lines, -v {}",
        screen.lines().count(),
        verbose.lines().count()
    );
}

#[test]
fn quiet_prints_one_line_and_verbose_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let snap = fixture_snapshot(dir.path());
    let out = dir.path().to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--snapshot", snap.to_str().unwrap(), "-o", out];
        args.extend_from_slice(extra);
        let (code, stdout, err) = run(&args);
        assert_eq!(code, 3, "{stdout}{err}");
        stdout
    };
    let quiet = scan(&["-q"]);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(quiet.starts_with("bollwerk: ") && quiet.contains(" failed, "));
    assert!(
        quiet.contains(&format!("report: {out}/report.json")),
        "{quiet}"
    );

    let default = scan(&[]);
    let verbose = scan(&["-v"]);
    let rule_lines = |text: &str| text.lines().filter(|l| l.starts_with("FAIL ")).count();
    assert_eq!(rule_lines(&default), 0, "{default}");
    assert!(rule_lines(&verbose) > 3, "{verbose}");
    // Both end with the same closing block.
    assert_eq!(closing_block(&default), closing_block(&verbose));
    let (code, _, err) = run(&["scan", "--snapshot", snap.to_str().unwrap(), "-q", "-v"]);
    assert_eq!(code, 2, "-q and -v exclude each other: {err}");
}

#[test]
fn files_only_formats_still_print_the_closing_block() {
    let dir = tempfile::tempdir().unwrap();
    let snap = fixture_snapshot(dir.path());
    let out = dir.path().to_str().unwrap();
    let (code, stdout, err) = run(&[
        "scan",
        "--snapshot",
        snap.to_str().unwrap(),
        "-o",
        out,
        "--format",
        "json,html",
    ]);
    assert_eq!(code, 3, "{err}");
    let block = closing_block(&stdout);
    assert_eq!(
        block.len(),
        stdout.lines().count(),
        "only the block: {stdout}"
    );
    assert!(block[1].starts_with("bollwerk: "), "{stdout}");
    assert!(stdout.contains(&format!("Written: {out}/report.json\n")));
    assert!(stdout.contains(&format!("         {out}/report.html\n")));
    assert!(stdout.contains("Fix first ("), "{stdout}");
}

#[test]
fn facts_a_snapshot_file_lacks_are_not_checked_never_judged_on_nothing() {
    // A snapshot made or trimmed by hand may lack the daemon's counts of containers and
    // images or the host's listening sockets: the rules reading them are notchecked, not
    // passed on zero counts and a host that listens nowhere.
    let inventory = ["6.1", "6.2"];
    let listening = ["7.2", "BW-DAEMON-TCP-2375"];
    let include = [inventory, listening].concat().join(",");
    let args = ["--format", "json", "--include", include.as_str()];
    let mut whole = support::scan::base_snapshot();
    // A swarm node, so that 7.2 applies.
    whole["daemon"]["swarm_state"] = "active".into();
    let dir = tempfile::tempdir().unwrap();
    let scan = |name: &str, snap: &serde_json::Value| {
        support::scan::scan_snapshot(snap, dir.path(), name, &args)
    };
    // Present: decided.
    let run = scan("whole", &whole);
    for id in inventory.iter().chain(&listening) {
        run.expect(id, "pass");
    }
    for (fact, lacking, kept) in [
        ("inventory", inventory, listening),
        ("listening", listening, inventory),
    ] {
        let mut snap = whole.clone();
        let part = if fact == "inventory" {
            "daemon"
        } else {
            "host"
        };
        snap[part].as_object_mut().unwrap().remove(fact).unwrap();
        let run = scan(fact, &snap);
        for id in lacking {
            run.expect(id, "notchecked");
            let message = run.message(id);
            assert!(message.contains("not in this snapshot"), "{id}: {message}");
        }
        for id in kept {
            run.expect(id, "pass");
        }
    }
}

#[test]
fn a_kernel_setting_of_a_vlan_interface_is_read_from_its_file() {
    // sysctl writes interface eth0.100's settings as net.ipv4.conf.eth0/100.…: a slash in a
    // level stands for a dot, so the file is …/conf/eth0.100/rp_filter.
    let tree = HostTree::new();
    tree.write("proc/sys/net/ipv4/conf/eth0.100/rp_filter", "1\n", 0o644);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vlan.toml"),
        rule_toml(
            "BW-VLAN-1",
            "VLAN 100 filters reverse paths",
            "host",
            "{ fact = \"host.sysctl[\\\"net.ipv4.conf.eth0/100.rp_filter\\\"]\", equals = 1 }",
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let scan = bollwerk(
        &[
            "scan",
            "--host-root",
            &tree.root_arg(),
            "--docker-host",
            NO_DAEMON,
            "--checks",
            dir.path().to_str().unwrap(),
            "--include",
            "BW-VLAN-1",
            "--format",
            "json",
        ],
        out.path(),
    );
    scan.expect("BW-VLAN-1", "pass");
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let r = scan.rule("BW-VLAN-1");
    assert_eq!(
        r["evidence"][0]["source"], "/proc/sys/net/ipv4/conf/eth0.100/rp_filter",
        "{r}"
    );
}
