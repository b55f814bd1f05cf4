//! Podman behind its Docker-compatible socket, for real (Debian's podman on a private socket):
//! every report names Podman, rules on dockerd itself are notapplicable with the reason, and
//! container rules judge Podman's inspect documents.

mod support;

use support::podman::PrivatePodman;
use support::scan::bollwerk;

#[test]
fn podman_is_recognised_and_judged_by_its_own_facts() {
    let pm = PrivatePodman::start();
    pm.import_busybox("localhost/busybox:test");
    // Containers are created, not started: created ones carry every inspect field a rule reads.
    for (name, extra) in [
        ("priv", &["--privileged"][..]),
        ("hostnet", &["--network", "host"][..]),
        ("plain", &[][..]),
    ] {
        let mut args = vec!["create", "--name", name];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["localhost/busybox:test", "sleep", "1000"]);
        pm.podman(&args);
    }
    let out = tempfile::tempdir().unwrap();
    let sock = pm.socket_url();
    let r = bollwerk(
        &[
            "scan",
            "--docker-host",
            &sock,
            "--all",
            "--format",
            "terminal,json,html,xccdf,junit",
        ],
        out.path(),
    );
    let version = pm.podman(&["version", "--format", "{{.Server.Version}}"]);
    let engine = format!("Podman {version}");

    // Every report says which engine it judged.
    let run = &r.report()["run"];
    assert_eq!(run["server"]["product"], "Podman", "{run}");
    assert_eq!(run["server"]["dockerd"], false);
    let read = |f: &str| std::fs::read_to_string(out.path().join(f)).unwrap();
    assert!(read("report.html").contains(&engine), "HTML names {engine}");
    let xccdf = read("report.xccdf.xml");
    assert!(
        xccdf.contains(&format!("fact/engine\" type=\"string\">{engine}<")),
        "XCCDF target-facts name {engine}"
    );
    assert!(read("report.junit.xml").contains(&format!("name=\"engine\" value=\"{engine}\"")));
    assert!(
        r.stdout.contains(&format!("· {engine} at unix://")),
        "{}",
        r.stdout
    );

    // Rules on dockerd itself do not apply, and say why.
    let why = format!("the API is served by {engine}, not dockerd");
    for id in ["1.2.2", "2.1", "2.2", "2.14", "3.17", "1.1.3"] {
        r.expect(id, "notapplicable");
        assert_eq!(r.message(id), why, "rule {id}");
    }

    // Podman fills every container's Ulimits with its defaults: 5.19 cannot tell overrides.
    r.expect("5.19", "notapplicable");
    assert_eq!(r.message("5.19"), why);
    // dockerd's settings are not Podman's: none is reported, so 5.26 judges the containers.
    assert_eq!(r.report()["run"]["server"]["version"], version.as_str());
    r.expect_instance("5.26", "plain", "fail");

    // A daemon.json on the host is dockerd's, not Podman's: its keys (and the secrets they may
    // hold) stay out of the snapshot.
    let tree = support::fixture::HostTree::new();
    tree.write(
        "etc/docker/daemon.json",
        "{\"log-opts\": {\"splunk-token\": \"SECRET-TOKEN-1234\"}}\n",
        0o600,
    );
    let snapshot = out.path().join("podman-snapshot.json");
    let c = bollwerk(
        &[
            "collect",
            "--docker-host",
            &sock,
            "--host-root",
            &tree.root_arg(),
            "-o",
            snapshot.to_str().unwrap(),
        ],
        out.path(),
    );
    let text = std::fs::read_to_string(&snapshot)
        .unwrap_or_else(|e| panic!("no snapshot ({e}):\n{}", c.stderr));
    assert!(
        !text.contains("SECRET-TOKEN-1234"),
        "daemon.json kept for Podman"
    );

    // Container rules read Podman's inspect documents.
    r.expect_instance("5.5", "priv", "fail");
    r.expect_instance("5.5", "plain", "pass");
    r.expect_instance("5.10", "hostnet", "fail");
    r.expect_instance("5.10", "plain", "pass");
    r.expect_instance("5.10", "priv", "pass");
}
