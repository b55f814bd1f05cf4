//! CIS section 7 (Docker Swarm) on private daemons in swarm mode: every rule is notapplicable
//! outside a swarm, manager-only rules are notapplicable on a worker, and each automated rule
//! passes and fails on a real cluster.

mod support;

use std::net::TcpListener;
use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};
use support::dockerd::PrivateDaemon;
use support::scan::{bollwerk, Run};

/// Rules that decide something (the others are manual).
const CHECKED: [&str; 6] = ["7.1", "7.2", "7.3", "7.4", "7.5", "7.7"];
/// Rules that only a manager can decide.
const MANAGER_ONLY: [&str; 5] = ["7.1", "7.3", "7.4", "7.5", "7.7"];
/// Manual rules: notapplicable outside a swarm, notchecked (a person decides) inside one.
const MANUAL: [&str; 3] = ["7.6", "7.8", "7.9"];

/// 7.2 reads the host's listening sockets, which every daemon on the machine shares: the test
/// that binds swarm ports to every interface must not run while another one expects none.
static SWARM_PORTS: Mutex<()> = Mutex::new(());

fn swarm_ports() -> MutexGuard<'static, ()> {
    SWARM_PORTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding an ephemeral port")
        .port()
}

/// Scans section 7 of daemon `d`.
fn scan(d: &PrivateDaemon) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let sock = d.socket_url();
    let run = bollwerk(
        &["scan", "--docker-host", &sock, "--include", "7"],
        out.path(),
    );
    run.report();
    (out, run)
}

/// `docker swarm init` on 127.0.0.1 with a free management port, which it returns.
fn init_swarm(d: &PrivateDaemon) -> u16 {
    let port = free_port();
    d.docker(&[
        "swarm",
        "init",
        "--advertise-addr",
        "127.0.0.1",
        "--listen-addr",
        &format!("127.0.0.1:{port}"),
    ]);
    port
}

#[test]
fn swarm_rules_do_not_apply_outside_a_swarm_and_decide_on_managers() {
    let _ports = swarm_ports();
    let a = PrivateDaemon::start(json!({}));

    // Not in a swarm: nothing applies, nothing passes.
    let (_o, r) = scan(&a);
    for id in CHECKED {
        r.expect(id, "notapplicable");
        assert!(
            r.message(id).contains("daemon.swarm_state is \"inactive\""),
            "{id}: {}",
            r.message(id)
        );
    }
    for id in MANUAL {
        r.expect(id, "notapplicable");
    }

    // A fresh single-manager swarm with Docker's defaults and one encrypted overlay network.
    let port_a = init_swarm(&a);
    a.docker(&[
        "network",
        "create",
        "-d",
        "overlay",
        "--opt",
        "encrypted",
        "sealed",
    ]);
    let (_o, r) = scan(&a);
    r.expect("7.1", "pass");
    assert_eq!(r.evidence("7.1")[0]["observed"], 1, "one manager");
    // 7.2 saw the management port, bound to 127.0.0.1 only.
    r.expect("7.2", "pass");
    assert!(
        r.evidence("7.2")
            .iter()
            .any(|e| e["fact"].as_str().unwrap_or("").ends_with(".port")
                && e["observed"] == json!(port_a)),
        "7.2 evidence lacks the swarm port {port_a}: {:#?}",
        r.evidence("7.2")
    );
    r.expect("7.3", "pass");
    r.expect("7.4", "fail");
    r.expect("7.5", "fail");
    // Docker's default node certificate validity is exactly 90 days: the limit passes.
    r.expect("7.7", "pass");
    assert_eq!(
        r.evidence("7.7")[0]["observed"],
        json!(7_776_000_000_000_000u64)
    );
    // Rotating the unlock key only matters once autolock is on.
    r.expect("7.6", "notapplicable");
    for id in ["7.8", "7.9"] {
        r.expect(id, "notchecked");
    }

    // Autolock and a secret fix 7.5 and 7.4; a plain overlay network and 100-day node
    // certificates break 7.3 and 7.7.
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "s3cr3t").unwrap();
    a.docker(&[
        "secret",
        "create",
        "db-password",
        secret.path().to_str().unwrap(),
    ]);
    a.docker(&[
        "swarm",
        "update",
        "--autolock=true",
        "--cert-expiry",
        "2400h",
    ]);
    a.docker(&["network", "create", "-d", "overlay", "plain"]);
    let (_o, r) = scan(&a);
    r.expect("7.3", "fail");
    assert!(
        r.evidence("7.3").iter().any(|e| e["outcome"] == "fail"
            && e["fact"]
                .as_str()
                .unwrap_or("")
                .starts_with("daemon.swarm.overlay_networks[")),
        "{:#?}",
        r.evidence("7.3")
    );
    r.expect("7.4", "pass");
    r.expect("7.5", "pass");
    r.expect("7.6", "notchecked");
    r.expect("7.7", "fail");
    r.expect("7.1", "pass");
    r.expect("7.2", "pass");

    // A worker: manager-only rules do not apply there, 7.2 still does.
    let b = PrivateDaemon::start(json!({}));
    let token = a.docker(&["swarm", "join-token", "-q", "worker"]);
    let port_b = free_port();
    b.docker(&[
        "swarm",
        "join",
        "--token",
        &token,
        "--advertise-addr",
        "127.0.0.1",
        "--listen-addr",
        &format!("127.0.0.1:{port_b}"),
        &format!("127.0.0.1:{port_a}"),
    ]);
    let (_o, r) = scan(&b);
    for id in MANAGER_ONLY {
        r.expect(id, "notapplicable");
        assert!(
            r.message(id)
                .contains("daemon.info.Swarm.ControlAvailable is false"),
            "{id}: {}",
            r.message(id)
        );
    }
    r.expect("7.2", "pass");

    // Promoting the worker makes two managers: no more fault tolerance than one, so 7.1 fails.
    let node_b = b.docker(&["info", "--format", "{{.Swarm.NodeID}}"]);
    a.docker(&["node", "promote", &node_b]);
    let (_o, r) = scan(&a);
    r.expect("7.1", "fail");
    assert!(
        r.message("7.1").contains("daemon.swarm.managers: found 2"),
        "{}",
        r.message("7.1")
    );
}

#[test]
fn swarm_ports_on_every_interface_fail_7_2() {
    let _ports = swarm_ports();
    // The default management port, so the wildcard socket is found even when another daemon
    // on this machine holds the gossip port 7946.
    drop(TcpListener::bind("0.0.0.0:2377").unwrap_or_else(|e| {
        panic!("port 2377 must be free for this test (is a swarm running on this machine?): {e}")
    }));
    let c = PrivateDaemon::start(json!({}));
    c.docker(&[
        "swarm",
        "init",
        "--advertise-addr",
        "127.0.0.1",
        "--listen-addr",
        "0.0.0.0:2377",
    ]);
    let (_o, r) = scan(&c);
    r.expect("7.2", "fail");
    // The failing socket is the management port on a wildcard address.
    let ev = r.evidence("7.2");
    let observed = |fact: &str| {
        ev.iter()
            .find(|e| e["fact"] == fact)
            .map(|e| e["observed"].clone())
    };
    let wildcard_ports: Vec<Value> = ev
        .iter()
        .filter(|e| e["outcome"] == "fail" && e["observed"] == json!(true))
        .filter_map(|e| {
            e["fact"]
                .as_str()?
                .strip_suffix(".wildcard")
                .map(String::from)
        })
        .filter_map(|socket| observed(&format!("{socket}.port")))
        .collect();
    assert!(wildcard_ports.contains(&json!(2377)), "{ev:#?}");
    // The rest of the cluster checks are unaffected by the listen address.
    r.expect("7.1", "pass");
}

#[test]
fn a_locked_manager_is_in_a_swarm_and_says_to_unlock_it() {
    let _ports = swarm_ports();
    let mut a = PrivateDaemon::start(json!({}));
    init_swarm(&a);
    // Autolock on, then dockerd restarted: the manager waits for `docker swarm unlock`.
    a.docker(&["swarm", "update", "--autolock=true"]);
    a.restart();
    let state = a.docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    assert_eq!(state.trim(), "locked");
    let (_o, r) = scan(&a);
    // No rule calls it a node outside a swarm; those that decide cannot, and say why.
    for id in CHECKED {
        r.expect(id, "error");
        assert_eq!(
            r.message(id),
            "the node is locked: unlock it (docker swarm unlock) and scan again",
            "{id}"
        );
    }
    for id in MANUAL {
        r.expect(id, "notchecked");
    }
}
