//! Self-test of the private-dockerd test harness in `tests/support`.

mod support;

use std::path::Path;

use support::dockerd::PrivateDaemon;

/// Starts a daemon, runs and creates containers, and checks that dropping the
/// daemon stops it and removes its directory.
#[test]
fn private_daemon_starts_runs_containers_and_cleans_up() {
    let daemon = PrivateDaemon::start(serde_json::json!({}));
    let dir = daemon.dir().to_path_buf();
    let pid = daemon.pid();
    assert!(daemon.socket_url().starts_with("unix:///tmp/bwt-"));
    assert!(Path::new(&format!("/proc/{pid}")).exists());

    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("daemon.json")).unwrap()).unwrap();
    assert_eq!(config["bridge"], "none");

    let image = daemon.import_busybox();
    assert_eq!(image, "local/busybox:test");
    // Importing again is a no-op.
    daemon.import_busybox();
    daemon.import_busybox_as("local/busybox:nobody", &["USER nobody"]);
    assert_eq!(
        daemon.docker(&[
            "image",
            "inspect",
            "-f",
            "{{.Config.User}}",
            "local/busybox:nobody"
        ]),
        "nobody"
    );

    daemon.docker(&[
        "run",
        "-d",
        "--name",
        "t1",
        "--network",
        "none",
        image,
        "sleep",
        "300",
    ]);
    daemon.wait_running("t1");
    assert_eq!(
        daemon.docker(&["inspect", "-f", "{{.State.Running}}", "t1"]),
        "true"
    );
    assert_eq!(
        daemon
            .docker(&["exec", "t1", "cat", "/etc/passwd"])
            .lines()
            .count(),
        2
    );

    daemon.docker(&["create", "--privileged", "--name", "t2", image]);
    assert_eq!(
        daemon.docker(&["inspect", "-f", "{{.HostConfig.Privileged}}", "t2"]),
        "true"
    );
    assert!(daemon
        .try_docker(&["inspect", "no-such-container"])
        .is_err());

    drop(daemon);
    assert!(!dir.exists(), "{} still exists", dir.display());
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "dockerd {pid} still exists"
    );
}
