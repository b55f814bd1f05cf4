//! Host-side rules on fixture trees (`--host-root`), with no reachable daemon.

mod support;

use support::fixture::HostTree;
use support::scan::{bollwerk, bollwerk_unprivileged, Run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

fn scan(tree: &HostTree, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let mut args = vec!["scan", "--host-root", &root, "--docker-host", NO_DAEMON];
    args.extend_from_slice(extra);
    let run = bollwerk(&args, out.path());
    (out, run)
}

const ALL_AUDIT_RULES: &str = "\
## docker
-w /usr/bin/dockerd -k docker
-a exit,always -F path=/run/containerd -F perm=war -k docker
-w /var/lib/docker -k docker
-w /etc/docker -k docker
-w /lib/systemd/system/docker.service -k docker
-w /run/containerd/containerd.sock -k docker
-w /run/docker.sock -k docker
-w /usr/bin/containerd -k docker
-w /usr/bin/containerd-shim-runc-v2 -k docker
-w /usr/bin/runc -p wa -k docker
";

#[test]
fn well_kept_host_passes_host_rules() {
    let tree = HostTree::new();
    // dockerd's flags known: without them the TLS file rules (3.9-3.14) are errors.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    tree.write("etc/audit/rules.d/docker.rules", ALL_AUDIT_RULES, 0o640);
    tree.mountinfo(true);
    let (_o, r) = scan(
        &tree,
        &["--include", "1.1,3", "--trusted-users", "alice,bob"],
    );
    for id in ["1.1.1", "1.1.2", "3.1", "3.2", "3.15", "3.16"] {
        r.expect(id, "pass");
    }
    // The audit rules are persistent, but a fixture root's loaded rules are not this
    // machine's kernel's: not read, so the watches are left to a person, never passed.
    for id in [
        "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.11", "1.1.14",
        "1.1.17", "1.1.18",
    ] {
        r.expect(id, "notchecked");
    }
    let m = r.rule("1.1.3")["message"].as_str().unwrap_or_default();
    assert!(
        m.contains("a persistent rule watches") && m.contains("auditctl -l"),
        "{m}"
    );
    // A watch on /etc/docker covers daemon.json below it; the source names file and line.
    let ev = &r.rule("1.1.11")["evidence"][0];
    assert!(
        ev["observed"]["persistent"][0]
            .as_str()
            .unwrap()
            .contains("/etc/audit/rules.d/docker.rules:5"),
        "{ev}"
    );
    // Files that are not on this host make their rules not applicable, with the reason.
    for id in ["1.1.10", "1.1.12", "1.1.13", "1.1.15", "1.1.16"] {
        r.expect(id, "notapplicable");
    }
    assert!(r.rule("1.1.10")["message"]
        .as_str()
        .unwrap()
        .contains("/etc/default/docker does not exist"));
    assert!(r.rule("1.1.15")["message"]
        .as_str()
        .unwrap()
        .contains("not found on the host (looked at"));
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_never_rule_loaded_ahead_of_the_watches_quiets_them() {
    // augenrules loads rules.d in name order: a never rule for /etc/docker in a file read
    // before docker.rules leaves its watches (1.1.6, and 1.1.11 for daemon.json below it)
    // recording nothing; read after them, it comes too late.
    let quiet = "-a never,exit -F dir=/etc/docker -F perm=wa\n";
    // (Read after them, the watches stand: persistent, the loaded rules not read here.)
    for (file, want) in [("00-quiet.rules", "fail"), ("zz-quiet.rules", "notchecked")] {
        let tree = HostTree::new();
        tree.write("etc/audit/rules.d/docker.rules", ALL_AUDIT_RULES, 0o640);
        tree.write(&format!("etc/audit/rules.d/{file}"), quiet, 0o640);
        tree.mountinfo(true);
        let (_o, r) = scan(&tree, &["--include", "1.1.6,1.1.11,1.1.14"]);
        r.expect("1.1.6", want);
        r.expect("1.1.11", want);
        r.expect("1.1.14", "notchecked");
    }
}

#[test]
fn watches_deleted_or_switched_off_at_boot_record_nothing() {
    // A later file deletes the dockerd watch (-W): 1.1.3 fails, the others stand.
    let tree = HostTree::new();
    tree.write("etc/audit/rules.d/docker.rules", ALL_AUDIT_RULES, 0o640);
    tree.write(
        "etc/audit/rules.d/zz-tidy.rules",
        "-W /usr/bin/dockerd -k docker\n",
        0o640,
    );
    tree.mountinfo(true);
    let (_o, r) = scan(&tree, &["--include", "1.1.3,1.1.6"]);
    r.expect("1.1.3", "fail");
    r.expect("1.1.6", "notchecked");
    // The last file switches auditing off (-e 0): nothing is recorded, every watch fails.
    tree.write("etc/audit/rules.d/zz-tidy.rules", "-e 0\n", 0o640);
    let (_o, r) = scan(&tree, &["--include", "1.1.3,1.1.6"]);
    r.expect("1.1.3", "fail");
    r.expect("1.1.6", "fail");
    let m = r.rule("1.1.6")["message"].as_str().unwrap_or_default();
    assert!(
        m.contains("switch auditing off at /etc/audit/rules.d/zz-tidy.rules:1"),
        "{m}"
    );
}

#[test]
fn neglected_host_fails_host_rules() {
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    // Only an audit rule that records reads, and one that records nothing (`never`):
    // neither counts.
    tree.write(
        "etc/audit/audit.rules",
        "-w /usr/bin/runc -p r -k docker\n-a never,exit -F dir=/etc/docker -F perm=wa -k docker\n",
        0o640,
    );
    tree.write("lib/systemd/system/docker.service", "[Service]\n", 0o666);
    tree.own("lib/systemd/system/docker.service", 1000, 1000);
    tree.socket("run/docker.sock", 0o666);
    tree.own("run/docker.sock", 0, 0);
    // Host rules only (1.2 asks the daemon, which is not there: exit 3).
    let (_o, r) = scan(&tree, &["--include", "1.1,3", "--trusted-users", "alice"]);
    for id in [
        "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.11",
        "1.1.14", "1.1.17", "1.1.18", "3.1", "3.2", "3.15", "3.16",
    ] {
        r.expect(id, "fail");
    }
    assert!(r.rule("1.1.1")["message"]
        .as_str()
        .unwrap()
        .contains("separate"));
    let owner = &r.rule("3.1")["evidence"][0];
    assert_eq!(owner["observed"], "alice:alice");
    assert_eq!(
        owner["fact"],
        "host.files[\"/lib/systemd/system/docker.service\"].owner"
    );
    assert_eq!(r.rule("3.16")["evidence"][0]["observed"], "0666");
    // bob is in the group through his primary group.
    let members = &r.rule("1.1.2")["evidence"][0]["observed"];
    assert_eq!(members, &serde_json::json!(["alice", "bob"]));
    assert_eq!(r.code, 1);
}

#[test]
fn a_masked_unit_is_not_applicable_in_a_tree_without_dev() {
    // An offline copy of a host's files: no /dev, so `systemctl mask`'s links lead nowhere.
    // The vendor's units below them, which systemd does not load, would fail 3.1-3.4.
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    for unit in ["docker.service", "docker.socket"] {
        let vendor = format!("lib/systemd/system/{unit}");
        tree.write(&vendor, "[Unit]\n", 0o666);
        tree.own(&vendor, 1000, 1000);
    }
    assert!(!tree.path("dev").exists());
    // Masked in /etc, and in /run, which also hides the folders below it.
    for mask in [
        "etc/systemd/system/docker.service",
        "run/systemd/system/docker.socket",
    ] {
        std::fs::create_dir_all(tree.path(mask).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/dev/null", tree.path(mask)).unwrap();
    }
    let (_o, r) = scan(&tree, &["--include", "3.1,3.2,3.3,3.4"]);
    for (id, mask) in [
        ("3.1", "/etc/systemd/system/docker.service"),
        ("3.2", "/etc/systemd/system/docker.service"),
        ("3.3", "/run/systemd/system/docker.socket"),
        ("3.4", "/run/systemd/system/docker.socket"),
    ] {
        r.expect(id, "notapplicable");
        let ev = &r.rule(id)["evidence"][0];
        assert_eq!(
            ev["fact"],
            format!("host.files[\"{mask}\"].resolved"),
            "{id}: {ev}"
        );
        assert_eq!(ev["observed"], "/dev/null", "{id}: {ev}");
    }
}

#[test]
fn trusted_users_unset_leaves_group_membership_to_a_person() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let (_o, r) = scan(&tree, &["--include", "1.1.2"]);
    r.expect("1.1.2", "notchecked");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(
        msg.contains("alice, bob") && msg.contains("--trusted-users"),
        "{msg}"
    );
    // An empty docker group needs no list.
    tree.write("etc/group", "root:x:0:\ndocker:x:105:\n", 0o644);
    tree.write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644);
    let (_o, r) = scan(&tree, &["--include", "1.1.2"]);
    r.expect("1.1.2", "pass");
}

#[test]
fn unreadable_files_are_errors_naming_the_path() {
    let tree = HostTree::new();
    // dockerd seen in /proc: its flags, and so the sockets it listens on, are known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    // /etc/group is a directory: reading it fails with an OS error.
    std::fs::remove_file(tree.path("etc/group")).unwrap();
    std::fs::create_dir(tree.path("etc/group")).unwrap();
    // The socket is a symlink loop: stat fails with ELOOP.
    std::fs::remove_file(tree.path("run/docker.sock")).unwrap();
    std::os::unix::fs::symlink("/run/docker.sock", tree.path("run/docker.sock")).unwrap();
    let (_o, r) = scan(&tree, &["--include", "1.1.2,3.15"]);
    r.expect("1.1.2", "error");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(
        msg.contains("/etc/group") && msg.contains("Is a directory"),
        "{msg}"
    );
    r.expect("3.15", "error");
    let msg = r.rule("3.15")["message"].as_str().unwrap();
    assert!(
        msg.contains("/run/docker.sock") && msg.contains("symbolic links"),
        "{msg}"
    );
}

#[test]
fn an_unreadable_passwd_is_an_error_not_a_shorter_member_list() {
    // bob holds docker as his primary group: without passwd he would silently drop out of
    // the list, and a list of trusted users would pass.
    let tree = HostTree::new();
    // The group named where no flag can change it (dockerd is not in the tree's /proc).
    tree.write("etc/docker/daemon.json", "{\"group\": \"docker\"}\n", 0o644);
    let trusted = ["--include", "1.1.2", "--trusted-users", "alice"];
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "fail");
    std::fs::remove_file(tree.path("etc/passwd")).unwrap();
    std::fs::create_dir(tree.path("etc/passwd")).unwrap();
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "error");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(
        msg.contains("/etc/passwd") && msg.contains("Is a directory"),
        "{msg}"
    );
    // A FIFO in its place is refused at once instead of hanging the scan.
    std::fs::remove_dir(tree.path("etc/passwd")).unwrap();
    nix::unistd::mkfifo(
        &tree.path("etc/passwd"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "error");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(msg.contains("not a regular file but a FIFO"), "{msg}");
}

#[test]
fn unreachable_daemon_still_evaluates_host_rules() {
    let tree = HostTree::new();
    // dockerd's flags are known (without them, the Docker root 1.1.1 judges would not be).
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let (_o, r) = scan(&tree, &[]);
    for id in ["2.2", "2.10", "4.1", "5.5", "5.29"] {
        r.expect(id, "error");
        let msg = r.rule(id)["message"].as_str().unwrap();
        assert!(
            msg.starts_with(&format!("cannot reach the Docker daemon at {NO_DAEMON}: ")),
            "{msg}"
        );
    }
    r.expect("3.1", "pass");
    r.expect("1.1.1", "fail");
    assert_eq!(
        r.code, 3,
        "errors make the exit code 3: the audit could not complete"
    );
    assert_eq!(r.report()["run"]["hostname"], "fixture-host");
    // One cause, one line: the terminal groups the daemon rules it could not decide.
    let grouped = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("ERROR") && l.contains("cannot reach the Docker daemon"))
        .count();
    assert_eq!(grouped, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("rules could not be decided"),
        "{}",
        r.stdout
    );
    assert!(r.report()["run"]["daemon_version"].is_null());
}

#[test]
fn a_scan_changes_nothing_on_the_host() {
    let tree = HostTree::new();
    tree.write("etc/audit/rules.d/docker.rules", ALL_AUDIT_RULES, 0o640);
    let before = tree.fingerprint();
    let (out, r) = scan(&tree, &[]);
    assert!(r.report.is_some());
    assert_eq!(before, tree.fingerprint());
    // Only report.json lands in the output folder: the temporary file was renamed into place.
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["report.json".to_string()]);
}

#[test]
fn a_docker_group_named_by_gid_is_the_group_of_that_gid() {
    // dockerd's `group` takes a gid too; membership goes by gid, on every line that has it.
    let tree = HostTree::new();
    tree.write("etc/docker/daemon.json", "{\"group\": \"105\"}\n", 0o644);
    tree.write(
        "etc/group",
        "root:x:0:\ndocker:x:105:mallory\ndockerops:x:105:eve\n",
        0o644,
    );
    tree.write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644);
    let (_o, r) = scan(&tree, &["--include", "1.1.2", "--trusted-users", "alice"]);
    r.expect("1.1.2", "fail");
    let members = &r.rule("1.1.2")["evidence"][0]["observed"];
    assert_eq!(members, &serde_json::json!(["eve", "mallory"]));
}

#[test]
fn every_socket_s_group_is_judged_not_only_the_docker_group() {
    // systemd hands dockerd /run/docker.sock (SocketGroup=docker: alice, and bob by his
    // primary group), and dockerd makes /run/own.sock itself, with its own `group`: staff,
    // where mallory is. mallory controls the daemon through it.
    let tree = HostTree::new();
    tree.write(
        "etc/docker/daemon.json",
        "{\"hosts\": [\"fd://\", \"unix:///run/own.sock\"], \"group\": \"staff\"}\n",
        0o644,
    );
    tree.write(
        "etc/group",
        "root:x:0:\nalice:x:1000:\ndocker:x:105:alice\nstaff:x:50:mallory\n",
        0o644,
    );
    tree.write(
        "lib/systemd/system/docker.socket",
        "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=docker\n",
        0o644,
    );
    tree.socket("run/own.sock", 0o660);
    tree.own("run/own.sock", 0, 50);
    let trusted = ["--include", "1.1.2", "--trusted-users", "alice,bob"];
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "fail");
    let evidence = r.rule("1.1.2")["evidence"].as_array().unwrap().clone();
    let of = |fact: &str| {
        evidence
            .iter()
            .find(|e| e["fact"] == fact)
            .unwrap_or_else(|| panic!("no evidence for {fact}: {evidence:?}"))
            .clone()
    };
    let own = of("host.socket_groups[\"/run/own.sock\"].members");
    assert_eq!(own["observed"], serde_json::json!(["mallory"]), "{own}");
    assert_eq!(own["outcome"], "fail", "{own}");
    assert!(
        own["source"].as_str().unwrap().contains("/etc/group"),
        "{own}"
    );
    let handed = of("host.socket_groups[\"/run/docker.sock\"].members");
    assert_eq!(
        handed["observed"],
        serde_json::json!(["alice", "bob"]),
        "{handed}"
    );
    assert!(r.rule("1.1.2")["message"]
        .as_str()
        .unwrap()
        .contains("mallory"));

    // A mode that keeps the group out: staff cannot connect, and nobody else is untrusted.
    std::fs::set_permissions(
        tree.path("run/own.sock"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "pass");

    // containerd's socket is group root, and eve is in group root: she controls containerd,
    // which is root. root itself (uid 0) is no member that matters.
    tree.write(
        "etc/group",
        "root:x:0:eve\nalice:x:1000:\ndocker:x:105:alice\nstaff:x:50:mallory\n",
        0o644,
    );
    tree.own("run/containerd/containerd.sock", 0, 0);
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "fail");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(msg.contains("eve") && !msg.contains("root"), "{msg}");

    // A socket that cannot be stat'ed leaves its group unknown: an error, never a pass.
    std::fs::remove_file(tree.path("run/own.sock")).unwrap();
    std::os::unix::fs::symlink("/run/own.sock", tree.path("run/own.sock")).unwrap();
    tree.write(
        "etc/group",
        "root:x:0:\nalice:x:1000:\ndocker:x:105:alice\n",
        0o644,
    );
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "error");
}

#[test]
fn the_daemon_s_sockets_are_not_known_in_full_while_its_flags_are_not() {
    // dockerd is not in the tree's /proc: its flags are unknown, and a `-H unix://…` among
    // them would be a socket whose owner, mode and group no rule has seen. (The group is
    // named in daemon.json, where no flag can change it.)
    let tree = HostTree::new();
    tree.write("etc/docker/daemon.json", "{\"group\": \"docker\"}\n", 0o644);
    let include = [
        "--include",
        "1.1.2,3.15,3.16",
        "--trusted-users",
        "alice,bob",
    ];
    let (_o, r) = scan(&tree, &include);
    for id in ["1.1.2", "3.15", "3.16"] {
        r.expect(id, "error");
        let msg = r.rule(id)["message"].as_str().unwrap();
        assert!(msg.contains("hosts setting"), "{id}: {msg}");
    }
    // Seen, with no -H beyond the socket in use: every socket is known.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let (_o, r) = scan(&tree, &include);
    for id in ["1.1.2", "3.15", "3.16"] {
        r.expect(id, "pass");
    }
    // daemon.json names the hosts itself (dockerd refuses a flag for it too): known again.
    std::fs::remove_dir_all(tree.path("proc/4242")).unwrap();
    tree.write(
        "etc/docker/daemon.json",
        "{\"hosts\": [\"unix:///run/docker.sock\"], \"group\": \"docker\"}\n",
        0o644,
    );
    let (_o, r) = scan(&tree, &include);
    r.expect("3.15", "pass");
}

#[test]
fn a_socket_group_set_in_docker_socket_is_the_docker_group() {
    // dockerd -H fd:// gets its socket from systemd, which gives it SocketGroup=, not
    // dockerd's `group`: staff's members control the daemon, the docker group's do not.
    let tree = HostTree::new();
    tree.write(
        "etc/docker/daemon.json",
        "{\"hosts\": [\"fd://\"], \"group\": \"docker\"}\n",
        0o644,
    );
    tree.write(
        "etc/group",
        "root:x:0:\nalice:x:1000:\ndocker:x:105:alice\nstaff:x:50:mallory\n",
        0o644,
    );
    let unit = "lib/systemd/system/docker.socket";
    tree.write(
        unit,
        "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=staff\n",
        0o644,
    );
    let trusted = ["--include", "1.1.2", "--trusted-users", "alice,bob"];
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "fail");
    let ev = &r.rule("1.1.2")["evidence"][0];
    assert_eq!(ev["observed"], serde_json::json!(["mallory"]), "{ev}");

    // A later drop-in that gives the socket back to the docker group: alice and bob.
    let drop_in = "etc/systemd/system/docker.socket.d/group.conf";
    tree.write(drop_in, "[Socket]\nSocketGroup=docker\n", 0o644);
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "pass");

    // A folder named like a drop-in is none: systemd reads regular files only, so the
    // unit's own SocketGroup=staff stands.
    std::fs::remove_file(tree.path(drop_in)).unwrap();
    std::fs::create_dir(tree.path(drop_in)).unwrap();
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "fail");

    // A drop-in that cannot be read (a link to itself): the socket's group is unknown, never
    // the default.
    std::fs::remove_dir(tree.path(drop_in)).unwrap();
    std::os::unix::fs::symlink("group.conf", tree.path(drop_in)).unwrap();
    let (_o, r) = scan(&tree, &trusted);
    r.expect("1.1.2", "error");
    let msg = r.rule("1.1.2")["message"].as_str().unwrap();
    assert!(msg.contains("group.conf"), "{msg}");
}

#[test]
fn a_binary_not_found_where_its_place_could_not_be_read_is_an_error_not_n_a() {
    // dockerd and runc outside the usual PATH: only dockerd's /proc/PID/exe and pid 1's PATH
    // lead to them.
    let tree = HostTree::new();
    std::fs::remove_file(tree.path("usr/bin/dockerd")).unwrap();
    std::fs::remove_file(tree.path("usr/bin/runc")).unwrap();
    tree.write("opt/docker/dockerd", "#!/bin/sh\n", 0o755);
    tree.write("opt/bin/runc", "#!/bin/sh\n", 0o755);
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let exe = tree.path("proc/4242/exe");
    let environ = tree.path("proc/1/environ");
    let decided = |tree: &HostTree| {
        let (_o, r) = scan(tree, &["--include", "1.1.3,1.1.18"]);
        let status = |id: &str| r.rule(id)["status"].as_str().unwrap().to_string();
        (status("1.1.3"), status("1.1.18"), r)
    };

    // Both readable: both binaries are found, and their watches are decided.
    std::os::unix::fs::symlink("/opt/docker/dockerd", &exe).unwrap();
    tree.write("proc/1/environ", "PATH=/opt/bin:/usr/bin\0", 0o400);
    let (dockerd, runc, _) = decided(&tree);
    assert!(
        !["notapplicable", "error"].contains(&dockerd.as_str()),
        "{dockerd}"
    );
    assert!(
        !["notapplicable", "error"].contains(&runc.as_str()),
        "{runc}"
    );

    // Neither can be read (folders where the files should be): not found is not absent.
    std::fs::remove_file(&exe).unwrap();
    std::fs::create_dir(&exe).unwrap();
    std::fs::remove_file(&environ).unwrap();
    std::fs::create_dir(&environ).unwrap();
    let (dockerd, runc, r) = decided(&tree);
    assert_eq!((dockerd.as_str(), runc.as_str()), ("error", "error"));
    let said = |id: &str| r.rule(id)["message"].as_str().unwrap().to_string();
    assert!(
        said("1.1.3").contains("/proc/4242/exe"),
        "{}",
        said("1.1.3")
    );
    assert!(
        said("1.1.18").contains("/proc/1/environ"),
        "{}",
        said("1.1.18")
    );
}

#[test]
fn a_place_a_scanner_without_root_may_not_look_at_is_an_error_not_n_a() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |tree: &HostTree, rel: &str, mode: u32| {
        std::fs::set_permissions(tree.path(rel), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    // The first folder of the default PATH, where a dockerd would win over /usr/bin's.
    std::fs::create_dir_all(tree.path("usr/local/sbin")).unwrap();
    mode(&tree, "", 0o755);
    let decided = |tree: &HostTree| {
        let out = tempfile::tempdir().unwrap();
        let root = tree.root_arg();
        let args = [
            "scan",
            "--host-root",
            &root,
            "--docker-host",
            NO_DAEMON,
            "--include",
            "1.1.3,3.17,3.18",
        ];
        let r = bollwerk_unprivileged(&args, &out.path().join("report"));
        let status = |id: &str| r.rule(id)["status"].as_str().unwrap().to_string();
        let said = |id: &str| r.rule(id)["message"].as_str().unwrap_or("").to_string();
        let got = ["1.1.3", "3.17", "3.18"].map(|id| (status(id), said(id)));
        (got, r)
    };

    // Every place open to look at: the rules are decided on what is there.
    let ([dockerd, owner, perms], r) = decided(&tree);
    assert_eq!(dockerd.0, "fail", "{dockerd:?} {}", r.stdout);
    assert_eq!((owner.0.as_str(), perms.0.as_str()), ("pass", "pass"));

    // /etc/docker and /usr/local/sbin closed to the scanner: where daemon.json and dockerd
    // are cannot be told, which is not "not found".
    mode(&tree, "etc/docker", 0o700);
    mode(&tree, "usr/local/sbin", 0o700);
    let ([dockerd, owner, perms], _r) = decided(&tree);
    for (status, message) in [&owner, &perms] {
        assert_eq!(status, "error", "{message}");
        assert!(
            message.contains("/etc/docker/daemon.json") && message.contains("ermission denied"),
            "{message}"
        );
    }
    assert_eq!(dockerd.0, "error", "{}", dockerd.1);
    assert!(
        dockerd.1.contains("/usr/local/sbin/dockerd"),
        "{}",
        dockerd.1
    );
}

#[test]
fn a_watch_on_a_link_to_a_binary_is_not_a_watch_on_the_binary() {
    // runc on the PATH is a link to the file that runs (as on NixOS, or with alternatives).
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    std::fs::remove_file(tree.path("usr/bin/runc")).unwrap();
    tree.write("usr/sbin/runc.real", "#!/bin/sh\n", 0o755);
    std::os::unix::fs::symlink("/usr/sbin/runc.real", tree.path("usr/bin/runc")).unwrap();
    let judged = |rules: &str| {
        tree.write("etc/audit/rules.d/docker.rules", rules, 0o640);
        let (_o, r) = scan(&tree, &["--include", "1.1.18"]);
        let rule = r.rule("1.1.18").clone();
        (
            rule["status"].as_str().unwrap().to_string(),
            rule["message"].as_str().unwrap_or("").to_string(),
            rule["remediation"].as_str().unwrap_or("").to_string(),
        )
    };
    // The kernel watches the link itself: writes to the binary are not recorded.
    let (status, message, remediation) = judged("-w /usr/bin/runc -p wa -k docker\n");
    assert_eq!(status, "fail", "{message}");
    assert!(
        remediation.contains("-w /usr/sbin/runc.real"),
        "{remediation}"
    );
    // On the binary itself: watched (the loaded rules of another root are not read).
    let (status, message, _) = judged("-w /usr/sbin/runc.real -p wa -k docker\n");
    assert_eq!(status, "notchecked", "{message}");
}

#[test]
fn a_docker_root_that_is_a_link_is_judged_where_it_leads() {
    // /var/lib/docker is a link to /srv/docker, a file system of its own.
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    std::fs::remove_dir(tree.path("var/lib/docker")).unwrap();
    std::fs::create_dir_all(tree.path("srv/docker")).unwrap();
    std::os::unix::fs::symlink("/srv/docker", tree.path("var/lib/docker")).unwrap();
    tree.write(
        "proc/1/mountinfo",
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n40 27 254:16 / /srv/docker rw,relatime - xfs /dev/vdb1 rw\n",
        0o444,
    );
    let (_o, r) = scan(&tree, &["--include", "1.1.1"]);
    let rule = r.rule("1.1.1");
    assert_eq!(rule["status"], "pass", "{}", rule["message"]);
    // The same link to a folder of the root file system fails.
    tree.write(
        "proc/1/mountinfo",
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n40 27 254:16 / /var/lib/docker rw,relatime - xfs /dev/vdb1 rw\n",
        0o444,
    );
    let (_o, r) = scan(&tree, &["--include", "1.1.1"]);
    assert_eq!(r.rule("1.1.1")["status"], "fail");
}

#[test]
fn a_daemon_json_that_cannot_be_read_leaves_no_default_group_or_root_to_judge() {
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    tree.mountinfo(true);
    let include = ["--include", "1.1.1,1.1.2", "--trusted-users", "alice,bob"];
    // Read: dockerd's defaults (the docker group, /var/lib/docker) are in force.
    let (_o, r) = scan(&tree, &include);
    r.expect("1.1.1", "pass");
    r.expect("1.1.2", "pass");
    // Malformed: it may name another group and root (dockerd would not start with it as it
    // is, but what it started with is not known either).
    tree.write(
        "etc/docker/daemon.json",
        "{\"group\": \"staff\", \"data-root\": \"/srv/d\",\n",
        0o644,
    );
    let (_o, r) = scan(&tree, &include);
    for id in ["1.1.1", "1.1.2"] {
        r.expect(id, "error");
        let msg = r.rule(id)["message"].as_str().unwrap();
        assert!(msg.contains("daemon.json"), "{id}: {msg}");
    }
}

#[test]
fn an_owner_whose_names_cannot_be_read_is_an_error_not_a_wrong_owner() {
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let include = ["--include", "3.17,3.18"];
    let (_o, r) = scan(&tree, &include);
    r.expect("3.17", "pass");
    // /etc/group cannot be read (a folder where it should be): gid 0 has no name here, which
    // does not make daemon.json's owner "root:0".
    std::fs::remove_file(tree.path("etc/group")).unwrap();
    std::fs::create_dir(tree.path("etc/group")).unwrap();
    let (_o, r) = scan(&tree, &include);
    r.expect("3.17", "error");
    let msg = r.rule("3.17")["message"].as_str().unwrap();
    assert!(msg.contains("cannot read /etc/group"), "{msg}");
    // The mode does not rest on names.
    r.expect("3.18", "pass");
}

#[test]
fn a_docker_root_that_no_flag_and_no_daemon_tells_is_an_error() {
    // No dockerd in the tree's /proc (its flags unknown) and no daemon to ask: a --data-root
    // flag may put the root anywhere, so /var/lib/docker's own mount proves nothing.
    let tree = HostTree::new();
    tree.mountinfo(true);
    let (_o, r) = scan(&tree, &["--include", "1.1.1"]);
    r.expect("1.1.1", "error");
    let msg = r.rule("1.1.1")["message"].as_str().unwrap();
    assert!(msg.contains("data-root"), "{msg}");
    // dockerd's flags read: its default stands.
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let (_o, r) = scan(&tree, &["--include", "1.1.1"]);
    r.expect("1.1.1", "pass");
}

/// How many times a file is read, told by inotify: each read is a run of `IN_ACCESS` events
/// (one read may take several `read` calls, and inotify merges events that repeat) ended by
/// the file's `IN_CLOSE_NOWRITE`.
struct ReadCounter {
    fd: std::os::fd::OwnedFd,
}

impl ReadCounter {
    fn watch(path: &std::path::Path) -> ReadCounter {
        use nix::libc;
        use std::os::fd::FromRawFd;
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: plain system calls on a new descriptor and a NUL-terminated path.
        unsafe {
            let fd = libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC);
            assert!(
                fd >= 0,
                "inotify_init1: {}",
                std::io::Error::last_os_error()
            );
            let mask = libc::IN_ACCESS | libc::IN_CLOSE_NOWRITE;
            let wd = libc::inotify_add_watch(fd, name.as_ptr(), mask);
            assert!(
                wd >= 0,
                "inotify_add_watch: {}",
                std::io::Error::last_os_error()
            );
            ReadCounter {
                fd: std::os::fd::OwnedFd::from_raw_fd(fd),
            }
        }
    }

    /// The reads since the watch began (the events are taken).
    fn reads(&self) -> usize {
        use std::io::Read;
        let mut events = Vec::new();
        let mut file = std::fs::File::from(self.fd.try_clone().unwrap());
        let mut buf = [0u8; 4096];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let mut at = 0;
                    while at + 16 <= n {
                        let mask = u32::from_ne_bytes(buf[at + 4..at + 8].try_into().unwrap());
                        let len = u32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap());
                        events.push(mask);
                        at += 16 + len as usize;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("reading inotify events: {e}"),
            }
        }
        let access = nix::libc::IN_ACCESS;
        let mut runs = 0;
        let mut in_run = false;
        for mask in events {
            if mask & access != 0 && !in_run {
                runs += 1;
            }
            in_run = mask & access != 0;
        }
        runs
    }
}

#[test]
fn what_the_daemon_s_settings_locate_is_read_once_when_its_flags_are_not_read() {
    // No dockerd in the tree's /proc: its flags are unknown (each setting daemon.json leaves
    // at a default is an error), and a daemon (fake, recorded from dockerd 20.10) tells some
    // of them: `docker info` the data root and others, the default bridge icc. Locating reads
    // the host's PATH (/etc/environment, pid 1's environment being absent here) once `/info`
    // is in, and knows what it tells; icc, which the networks tell later, locates nothing.
    // What locating found is kept, not read again.
    let fake = support::fake_daemon::FakeDaemon::start_with_bridge(Vec::new());
    let tree = HostTree::new();
    tree.write("etc/environment", "PATH=/usr/bin:/bin\n", 0o644);
    let reads = ReadCounter::watch(&tree.path("etc/environment"));
    let out = tempfile::tempdir().unwrap();
    let (url, root) = (fake.url(), tree.root_arg());
    let r = bollwerk(
        &["scan", "--docker-host", &url, "--host-root", &root],
        out.path(),
    );
    assert!(r.report.is_some());
    assert_eq!(reads.reads(), 1, "{}", r.stderr);
    // Located with the data root `docker info` gives (not on a mount of its own here), not
    // left unknown as an unread flag left it before `/info` came.
    r.expect("1.1.1", "fail");
    let m = r.message("1.1.1");
    assert!(m.contains("docker_root"), "{m}");
}

#[test]
fn a_daemon_json_not_known_to_be_older_than_dockerd_is_not_known_in_force() {
    // dockerd reads daemon.json at start: a setting it holds (here the group whose members
    // control the daemon) is in force when the file is older than the process, which
    // /proc/PID/stat tells.
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    tree.write("etc/docker/daemon.json", "{\"group\": \"docker\"}\n", 0o644);
    let include = ["--include", "1.1.2", "--trusted-users", "alice,bob"];
    let (_o, r) = scan(&tree, &include);
    r.expect("1.1.2", "pass");
    // Changed after dockerd started: what runs may be the file as it was.
    let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    tree.dockerd_started(long_ago);
    let (_o, r) = scan(&tree, &include);
    r.expect("1.1.2", "error");
    let m = r.message("1.1.2");
    assert!(
        m.contains("was changed at") && m.contains("after dockerd (pid 4242)"),
        "{m}"
    );
    // dockerd's start cannot be read (a folder where /proc/4242/stat should be: unreadable
    // even to root): whether the file changed since is not known, nor is the setting.
    std::fs::remove_file(tree.path("proc/4242/stat")).unwrap();
    std::fs::create_dir(tree.path("proc/4242/stat")).unwrap();
    let (_o, r) = scan(&tree, &include);
    r.expect("1.1.2", "error");
    let m = r.message("1.1.2");
    assert!(
        m.contains("could not be told") && m.contains("cannot read /proc/4242/stat"),
        "{m}"
    );
    // Nor when the process's folder holds no stat at all.
    std::fs::remove_dir(tree.path("proc/4242/stat")).unwrap();
    let (_o, r) = scan(&tree, &include);
    r.expect("1.1.2", "error");
}

#[test]
fn the_host_s_accounts_are_read_once_for_owners_and_groups() {
    // /etc/passwd and /etc/group name the files' owners and list the docker group's members
    // and each socket's group's: one read of each serves all of them.
    let tree = HostTree::new();
    tree.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let passwd = ReadCounter::watch(&tree.path("etc/passwd"));
    let group = ReadCounter::watch(&tree.path("etc/group"));
    let (_o, r) = scan(
        &tree,
        &["--include", "1.1.2,3.15", "--trusted-users", "alice,bob"],
    );
    r.expect("1.1.2", "pass");
    r.expect("3.15", "pass");
    assert_eq!((passwd.reads(), group.reads()), (1, 1));
}
