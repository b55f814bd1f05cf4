//! `scan --format plan`: the proposed files are read back and applied where a test can apply
//! them: daemon.json parsed as JSON, the audit rules put into a fixture host's
//! /etc/audit/rules.d and scanned again by bollwerk's own reader, the container flags used to
//! recreate a container on a private daemon. Remediation texts name this host's paths.

mod support;

use std::path::Path;

use serde_json::Value;

use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;
use support::scan::{base_snapshot, bollwerk, scan_rules, scan_snapshot};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `docker run` flags `containers.md` proposes for container `name` (between its name and
/// its image).
fn proposed_flags(md: &str, name: &str) -> Vec<String> {
    let section = md
        .split(&format!("## \"{name}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("no section for {name} in:\n{md}"));
    let line = section
        .lines()
        .find(|l| l.starts_with("docker run "))
        .expect("a docker run line");
    let after = line
        .split_once(&format!("--name '{name}' "))
        .expect("the container's name")
        .1;
    let flags = after.rsplit_once(" '").expect("the image, quoted").0;
    flags.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_plan_fixes_what_the_scan_found_on_a_real_daemon() {
    // storage-driver is a key `docker info` reports in force (Driver): the plan must keep it
    // in the file all the same, or the restarted daemon would lose its images and containers.
    let d = PrivateDaemon::start(serde_json::json!({"log-level": "info", "storage-driver": "vfs"}));
    d.import_busybox();
    d.run_sleeping("web", &["--network", "none"]);
    d.docker(&[
        "create",
        "--name",
        "hostroot",
        "-v",
        "/:/host",
        "local/busybox:test",
    ]);
    let out = tempfile::tempdir().unwrap();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &d.socket_url(),
            "--all",
            "--format",
            "terminal,json,plan",
        ],
        out.path(),
    );
    r.expect("2.16", "fail");
    r.expect_instance("5.11", "web", "fail");
    let plan = out.path().join("plan");

    // daemon.json: the file in force with its keys, plus the fixes of the failing rules.
    let config = d.config_path();
    let proposed: Value = serde_json::from_str(&read(&plan.join("daemon.json")))
        .expect("the proposed daemon.json is JSON");
    let in_force: Value = serde_json::from_str(&read(&config)).unwrap();
    for (key, value) in in_force.as_object().unwrap() {
        assert_eq!(&proposed[key], value, "{key} is kept");
    }
    assert_eq!(proposed["live-restore"], true, "2.16's fix");
    assert_eq!(proposed["no-new-privileges"], true, "2.15's fix");
    // The harness's daemon has no default bridge ("bridge": "none"): 2.2 does not apply, so
    // no icc is proposed.
    assert_eq!(
        proposed.get("icc"),
        in_force.get("icc"),
        "no icc without a default bridge"
    );
    let diff = read(&plan.join("daemon.json.diff"));
    assert!(
        diff.starts_with(&format!("--- {} (as written)\n", config.display())),
        "{diff}"
    );
    assert!(diff.contains("+  \"live-restore\": true"), "{diff}");
    // Remediation names the daemon.json in force, not a generic one.
    assert!(
        r.rule("2.16")["remediation"]
            .as_str()
            .unwrap()
            .contains(&config.display().to_string()),
        "{}",
        r.rule("2.16")["remediation"]
    );
    assert!(r.stdout.contains("plan/containers.md"), "{}", r.stdout);
    assert!(read(&plan.join("README.md")).contains("Nothing was changed on the host"));

    // The container flags recreate `web` hardened: its failing rules now pass.
    let md = read(&plan.join("containers.md"));
    let flags = proposed_flags(&md, "web");
    assert!(flags.contains(&"--memory".to_string()), "{flags:?}");
    // Every failing rule of a container is listed, those without flags to write by hand with
    // their finding: hostroot's -v /:/host fails 5.6 and 5.32, which no flag fixes.
    let hostroot = md
        .split("## \"hostroot\"")
        .nth(1)
        .expect("a section for hostroot")
        .split("\n## ")
        .next()
        .unwrap();
    for id in ["5.6", "5.32"] {
        assert!(
            hostroot
                .lines()
                .any(|l| l.starts_with(&format!("- {id} ")) && l.contains("found \"/\"")),
            "{id} by hand, with its finding:\n{hostroot}"
        );
    }
    assert!(!hostroot.contains("docker.sock"), "{hostroot}");
    let mut args = vec!["run", "-d", "--name", "web2", "--network", "none"];
    args.extend(flags.iter().map(String::as_str));
    args.extend(["local/busybox:test", "sleep", "3600"]);
    d.docker(&args);
    d.wait_running("web2");
    let again = tempfile::tempdir().unwrap();
    let r2 = bollwerk(
        &["scan", "--docker-host", &d.socket_url(), "--format", "json"],
        again.path(),
    );
    for id in ["5.4", "5.11", "5.12", "5.13", "5.26", "5.29"] {
        r2.expect_instance(id, "web2", "pass");
        r2.expect_instance(id, "web", if id == "5.4" { "pass" } else { "fail" });
    }
}

#[test]
fn the_proposed_audit_rules_satisfy_the_audit_checks_on_a_fixture_host() {
    let tree = HostTree::new();
    // Docker's files where this host has them: dockerd in /usr/sbin, not /usr/bin.
    tree.write("usr/sbin/dockerd", "#!/bin/sh\n", 0o755);
    tree.write("usr/bin/containerd", "#!/bin/sh\n", 0o755);
    tree.write("usr/bin/runc", "#!/bin/sh\n", 0o755);
    tree.write("etc/docker/daemon.json", "{}\n", 0o644);
    tree.write("lib/systemd/system/docker.service", "[Service]\n", 0o644);
    tree.write(
        "etc/audit/rules.d/other.rules",
        "-w /etc/passwd -k identity\n",
        0o640,
    );
    let root = tree.root_arg();
    let scan = |dir: &Path| {
        bollwerk(
            &[
                "scan",
                "--host-root",
                &root,
                "--docker-host",
                "unix:///nonexistent/bollwerk-plan.sock",
                "--include",
                "1.1",
                "--format",
                "json,plan",
            ],
            dir,
        )
    };
    let first = tempfile::tempdir().unwrap();
    let r = scan(first.path());
    let failing: Vec<String> = r.report()["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "fail")
        .filter(|x| !["1.1.1", "1.1.2"].contains(&x["id"].as_str().unwrap()))
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect();
    for id in ["1.1.3", "1.1.6", "1.1.7", "1.1.11", "1.1.14", "1.1.18"] {
        assert!(
            failing.contains(&id.to_string()),
            "{id} fails first: {failing:?}"
        );
    }
    // The remediation and the rules name the located dockerd.
    assert!(r.rule("1.1.3")["remediation"]
        .as_str()
        .unwrap()
        .contains("-w /usr/sbin/dockerd -k docker"));
    let rules = read(&first.path().join("plan/audit.rules"));
    assert!(
        rules.contains("-w /usr/sbin/dockerd -k docker\n"),
        "{rules}"
    );
    assert!(!rules.contains("/usr/bin/dockerd"), "{rules}");
    // audit.rules answers every audit rule, even one whose path is not found: the README
    // leaves none of them to be done by hand.
    let readme = read(&first.path().join("plan/README.md"));
    let by_hand = readme.split("**By hand**").nth(1).unwrap_or_default();
    for id in &failing {
        assert!(!by_hand.contains(&format!("{id} ")), "{readme}");
    }

    tree.write("etc/audit/rules.d/docker.rules", &rules, 0o640);
    let second = tempfile::tempdir().unwrap();
    let r2 = scan(second.path());
    // The proposed watches are in place: no longer failing. A fixture root's loaded rules
    // are not this machine's kernel's, so the watches are left to a person, not passed.
    for id in &failing {
        r2.expect(id, "notchecked");
    }
    assert!(read(&second.path().join("plan/audit.rules")).contains("No audit watch is missing"));
}

/// A key the plan removes (rule 2.5's `insecure-registries`) with keys after it: the proposed
/// daemon.json keeps the others in their order, and the diff shows the removal alone.
#[test]
fn removing_a_daemon_json_key_leaves_the_others_in_place() {
    let mut snapshot = base_snapshot();
    snapshot["daemon"]["settings"]["insecure-registries"] = serde_json::json!({
        "value": ["reg.example.com:5000"], "source": "/etc/docker/daemon.json:3",
    });
    let dir = tempfile::tempdir().unwrap();
    let r = scan_snapshot(
        &snapshot,
        dir.path(),
        "insecure",
        &["--include", "2.5", "--format", "json,plan"],
    );
    r.expect("2.5", "fail");
    let plan = dir.path().join("insecure/plan");
    let keys = |text: &str| -> Vec<String> {
        let v: Value = serde_json::from_str(text).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    let diff = read(&plan.join("daemon.json.diff"));
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        removed,
        [
            "-  \"insecure-registries\": [",
            "-    \"reg.example.com:5000\"",
            "-  ],"
        ],
        "{diff}"
    );
    assert!(added.is_empty(), "{diff}");
    // The daemon.json in force, as the plan writes it: the settings read from it, by key.
    let mut others: Vec<String> = snapshot["daemon"]["settings"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, s)| {
            *k != "insecure-registries"
                && s["source"]
                    .as_str()
                    .unwrap()
                    .starts_with("/etc/docker/daemon.json:")
        })
        .map(|(k, _)| k.clone())
        .collect();
    others.sort();
    assert!(others.len() > 2, "keys after the removed one: {others:?}");
    let proposed = keys(&read(&plan.join("daemon.json")));
    assert_eq!(proposed, others, "the other keys, in their order");
}

/// A key dockerd is given as a flag that `docker info` also reports (live-restore): the plan
/// leaves it to the command line, or the restarted dockerd would refuse the file.
#[test]
fn a_flag_docker_info_reports_stays_on_the_command_line() {
    let d = PrivateDaemon::start_with_args(
        serde_json::json!({"log-level": "info"}),
        &["--live-restore=false"],
        |_| {},
    );
    let (r, out) = scan_rules(&d.socket_url(), "2.16", &["--format", "json,plan"]);
    r.expect("2.16", "fail");
    assert_eq!(
        r.rule("2.16")["evidence"][0]["source"],
        "flag --live-restore=false"
    );
    let plan = out.path().join("plan");
    let proposed: Value = serde_json::from_str(&read(&plan.join("daemon.json"))).unwrap();
    assert!(proposed.get("live-restore").is_none(), "{proposed}");
    let readme = read(&plan.join("README.md"));
    assert!(
        readme.contains("`live-restore` (2.16): now flag --live-restore=false; make it `true`"),
        "{readme}"
    );
}

/// A setting dockerd is given as a flag is changed on its command line, not added to the
/// file (dockerd refuses a key given both ways); keys `docker info` reports stay as written;
/// a daemon.json that could not be read gives the changed keys only, with a warning.
#[test]
fn the_plan_leaves_flags_on_the_command_line_and_keeps_the_file_as_written() {
    let mut snapshot = base_snapshot();
    let settings = &mut snapshot["daemon"]["settings"];
    settings["icc"] = serde_json::json!({"value": true, "source": "flag --icc=true"});
    settings["live-restore"] =
        serde_json::json!({"value": false, "source": "docker info LiveRestoreEnabled"});
    // 2.3 has no fix to write: the README lists it by hand.
    settings["log-level"] =
        serde_json::json!({"value": "debug", "source": "/etc/docker/daemon.json:4"});
    settings["data-root"] =
        serde_json::json!({"value": "/srv/docker", "source": "docker info DockerRootDir"});
    snapshot["daemon"]["config_as_written"] = serde_json::json!({
        "data-root": "/srv/docker", "live-restore": false, "log-level": "info",
    });
    let dir = tempfile::tempdir().unwrap();
    let r = scan_snapshot(
        &snapshot,
        dir.path(),
        "flags",
        &["--include", "2.2,2.3,2.10,2.16", "--format", "json,plan"],
    );
    r.expect("2.2", "fail");
    r.expect("2.16", "fail");
    let plan = dir.path().join("flags/plan");
    let proposed: Value = serde_json::from_str(&read(&plan.join("daemon.json"))).unwrap();
    assert_eq!(
        proposed,
        serde_json::json!({
            "data-root": "/srv/docker",
            "live-restore": true,
            "log-level": "info",
            "userns-remap": "default",
        }),
        "as written, 2.10's and 2.16's fixes, and no icc: it is a flag"
    );
    let readme = read(&plan.join("README.md"));
    assert!(
        readme.contains("`icc` (2.2): now flag --icc=true; make it `false`"),
        "{readme}"
    );

    r.expect("2.3", "fail");
    let by_hand = readme
        .split("**By hand**")
        .nth(1)
        .expect("the failing rules no file fixes");
    assert!(by_hand.contains("2.3 Set the daemon"), "{readme}");
    assert!(!by_hand.contains("2.2 "), "{readme}");
    // Remapping hides the images and containers made before: the README says so first.
    let before = readme
        .split("**Before restarting dockerd**")
        .nth(1)
        .expect("the impacts of the daemon changes");
    assert!(
        before.contains("2.10: dockerd keeps images and containers apart per mapping"),
        "{readme}"
    );

    // daemon.json could not be read: no whole file to copy over.
    let mut unreadable = base_snapshot();
    unreadable["daemon"]["settings"] = serde_json::json!({});
    unreadable["errors"] = serde_json::json!([{
        "fact": "daemon.settings",
        "message": "/etc/docker/daemon.json:2:5: expected `:`",
    }]);
    let r = scan_snapshot(
        &unreadable,
        dir.path(),
        "unreadable",
        &["--include", "2.16", "--format", "json,plan"],
    );
    r.expect("2.16", "error");
    let readme = read(&dir.path().join("unreadable/plan/README.md"));
    assert!(readme.contains("**only the keys**"), "{readme}");
}

/// The plan proposes the daemon.json the other reports name: a rootless daemon's is its
/// user's. When another engine serves the API (Podman) there is none to propose, and one an
/// earlier plan left in the same folder is removed.
#[test]
fn the_plan_s_daemon_json_is_the_audited_daemon_s() {
    let mut rootless = base_snapshot();
    let user_file = "/home/rl/.config/docker/daemon.json";
    rootless["daemon"]["server"] = serde_json::json!({
        "product": "Docker Engine", "version": "27.0.1", "dockerd": true, "rootless": true,
    });
    rootless["daemon"]["config_file"] = Value::Null;
    rootless["host"]["locations"]["config:daemon.json"] = Value::Null;
    rootless["host"]["searched"]["config:daemon.json"] = serde_json::json!([user_file]);
    rootless["daemon"]["settings"]["icc"] =
        serde_json::json!({"value": true, "source": "dockerd default"});
    let dir = tempfile::tempdir().unwrap();
    let r = scan_snapshot(
        &rootless,
        dir.path(),
        "plan",
        &["--include", "2.2", "--format", "json,plan"],
    );
    r.expect("2.2", "fail");
    let plan = dir.path().join("plan/plan");
    let diff = read(&plan.join("daemon.json.diff"));
    assert!(
        diff.starts_with(&format!("--- {user_file} (as written)")),
        "{diff}"
    );
    assert!(read(&plan.join("README.md")).contains(&format!("copy it over {user_file}")));

    let mut podman = base_snapshot();
    podman["daemon"]["server"] = serde_json::json!({
        "product": "Podman", "version": "4.3.1", "dockerd": false, "rootless": false,
    });
    let r = scan_snapshot(&podman, dir.path(), "plan", &["--format", "json,plan"]);
    assert!(r.report()["results"].is_array());
    assert!(
        !plan.join("daemon.json").exists(),
        "no daemon.json for Podman, none left over"
    );
    assert!(!plan.join("daemon.json.diff").exists());
    let readme = read(&plan.join("README.md"));
    assert!(readme.contains("No `daemon.json`"), "{readme}");
}

#[test]
fn report_refuses_to_write_a_plan_without_the_facts() {
    let tree = HostTree::new();
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    bollwerk(
        &[
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            "unix:///nonexistent/bollwerk-plan.sock",
            "--format",
            "json",
        ],
        out.path(),
    );
    let again = out.path().join("again");
    let r = bollwerk(
        &[
            "report",
            out.path().join("report.json").to_str().unwrap(),
            "--format",
            "plan",
            "-o",
            again.to_str().unwrap(),
        ],
        &again,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("bollwerk scan --format plan"),
        "{}",
        r.stderr
    );
}

#[test]
fn host_text_cannot_add_audit_rules_or_reach_a_terminal_through_the_plan() {
    let mut snapshot = support::scan::base_snapshot();
    // A located path that would add rules of its own (delete all, switch auditing off), and
    // names that would drive a terminal that shows the plan.
    snapshot["host"]["locations"]["dir:docker-root"] =
        Value::from("/var/lib/docker -k x\n-D\n-e 0\n#");
    snapshot["host"]["hostname"] = Value::from("evil\u{1b}]0;T\u{7}\n# Heading");
    let container = &mut snapshot["containers"][0];
    container["name"] = Value::from("web\u{1b}[2J");
    container["inspect"]["Name"] = Value::from("/web\u{1b}[2J");
    container["inspect"]["HostConfig"]["Privileged"] = Value::from(true);
    let dir = tempfile::tempdir().unwrap();
    let run =
        support::scan::scan_snapshot(&snapshot, dir.path(), "out", &["--format", "json,plan"]);
    run.expect_instance("5.5", "web\u{1b}[2J", "fail");
    let plan = dir.path().join("out/plan");
    let audit = read(&plan.join("audit.rules"));
    for line in audit.lines() {
        assert!(
            line.starts_with('#') || line.starts_with("-w /"),
            "a line that is no watch: {line:?} in\n{audit}"
        );
    }
    assert!(
        audit.contains("{dir:docker-root} holds a blank or a control character"),
        "{audit}"
    );
    for file in [
        "audit.rules",
        "containers.md",
        "README.md",
        "daemon.json.diff",
        "daemon.json",
    ] {
        let text = std::fs::read_to_string(plan.join(file)).unwrap_or_default();
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\r']),
            "{file} holds a raw control character:\n{text:?}"
        );
    }
    let readme = read(&plan.join("README.md"));
    assert!(!readme.contains("\n# Heading"), "{readme}");
}
