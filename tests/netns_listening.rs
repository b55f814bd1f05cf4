//! Listening sockets inside real containers' network namespaces: found by the netlink
//! `sock_diag` path (from a thread that enters the namespace), by the `/proc/PID/net/tcp`
//! fallback, and by a full collection, once per namespace shared by two containers.

mod support;

use std::path::PathBuf;

use bollwerk::collect::hostfs::HostFs;
use bollwerk::collect::Endpoint;
use bollwerk::collect::{collect, net, CollectOptions};
use bollwerk::snapshot::ListeningSocket;
use support::dockerd::PrivateDaemon;

const PORT: u16 = 8093;

fn has_port(sockets: &[ListeningSocket]) -> bool {
    sockets.iter().any(|s| s.port == PORT && s.wildcard)
}

#[test]
fn listening_sockets_of_containers_by_netlink_and_proc() {
    let d = PrivateDaemon::start(serde_json::json!({}));
    let image = d.import_busybox();
    let port = PORT.to_string();
    // Its own network namespace (only loopback), an HTTP server on every address, and a
    // second container sharing that namespace.
    d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "none",
        image,
        "busybox",
        "httpd",
        "-f",
        "-p",
        &port,
    ]);
    d.wait_running("web");
    d.docker(&[
        "run",
        "-d",
        "--name",
        "sidecar",
        "--network",
        "container:web",
        image,
        "sleep",
        "3600",
    ]);
    d.wait_running("sidecar");
    let pid = |name: &str| -> u32 {
        d.docker(&["inspect", "-f", "{{.State.Pid}}", name])
            .parse()
            .unwrap()
    };
    let (web, sidecar) = (pid("web"), pid("sidecar"));
    let host = HostFs::new(std::path::Path::new("/"));

    // httpd may need a moment to bind.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let via_netlink = loop {
        let s = net::from_netlink(web).expect("netlink sock_diag from inside the namespace");
        if has_port(&s) || std::time::Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(has_port(&via_netlink), "netlink: {via_netlink:?}");
    // Nothing of the host's leaks in: the namespace holds only the server.
    assert!(
        via_netlink.iter().all(|s| s.port == PORT),
        "netlink: {via_netlink:?}"
    );

    // The /proc fallback reads the same table.
    let via_proc = net::from_proc(&host, web).expect("/proc/PID/net/tcp");
    assert_eq!(via_proc, via_netlink);

    // The sidecar shares the namespace: one read answers both.
    let both = net::listening_of(&host, &[web, sidecar]);
    assert_eq!(both[0].as_ref().unwrap(), &via_netlink);
    assert_eq!(both[1].as_ref().unwrap(), &via_netlink);

    // A full collection puts the socket into both containers' runtime facts, without errors.
    let opts = CollectOptions {
        host_root: PathBuf::from("/"),
        endpoint: Endpoint {
            url: d.socket_url(),
            tls_dir: None,
        },
        all_containers: false,
        deep_images: false,
        limits: bollwerk::collect::limits::Limits::default(),
    };
    let rules = bollwerk::rules::RuleSet::load(None).unwrap();
    let snap = collect(
        &opts,
        &bollwerk::rules::plan::collection_plan(&rules),
        &|_| {},
    );
    assert!(snap.daemon.reachable, "{:?}", snap.errors);
    for name in ["web", "sidecar"] {
        let c = snap
            .containers
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} collected"));
        assert!(c.errors.is_empty(), "{name}: {:?}", c.errors);
        let runtime = c.runtime.as_ref().expect("runtime facts");
        assert!(
            has_port(&runtime.listening),
            "{name}: {:?}",
            runtime.listening
        );
        assert!(!c.processes.is_empty(), "{name}: processes read from /proc");
    }
}

/// bollwerk's report.json after `bollwerk scan` of the live host's BW-NET-REDIRECTS, run as
/// `wrapper` says (`unshare …`), with no daemon: that rule's status and message.
fn redirects_verdict(wrapper: &[&str], host_root: &str) -> (String, String) {
    let out = tempfile::tempdir().unwrap();
    let script = format!(
        "{} scan --host-root {host_root} --include BW-NET-REDIRECTS --docker-host unix:///nonexistent/bollwerk.sock --format json -q -o {}",
        env!("CARGO_BIN_EXE_bollwerk"),
        out.path().display()
    );
    // The mount of the host root, when there is one, lives in the wrapper's mount namespace.
    let mount = if host_root == "/" {
        String::new()
    } else {
        format!("mount --rbind / {host_root} && ")
    };
    let status = std::process::Command::new(wrapper[0])
        .args(&wrapper[1..])
        .args(["sh", "-c", &format!("{mount}{script}")])
        .status()
        .unwrap();
    assert!(status.code().is_some(), "{wrapper:?} ran");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("report.json")).unwrap()).unwrap();
    let r = &report["results"][0];
    assert_eq!(r["id"], "BW-NET-REDIRECTS");
    (
        r["status"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn network_kernel_settings_seen_from_another_network_namespace_are_errors() {
    // /proc/sys/net shows the reader's network namespace, through any /proc: a scanner in a
    // network of its own would judge its own settings, whatever the host's are.
    let host_root = tempfile::tempdir().unwrap();
    let mounted = host_root.path().to_str().unwrap();
    for (wrapper, root) in [
        (&["unshare", "--net"][..], "/"),
        (&["unshare", "--net", "--mount"][..], mounted),
    ] {
        let (status, message) = redirects_verdict(wrapper, root);
        assert_eq!(status, "error", "{wrapper:?} {root}: {message}");
        assert!(
            message.contains("another network namespace than the host's (pid 1's)")
                && message.contains("--network host"),
            "{message}"
        );
    }
    // In the host's namespace the settings are judged, through either root.
    for (wrapper, root) in [(&["env"][..], "/"), (&["unshare", "--mount"][..], mounted)] {
        let (status, message) = redirects_verdict(wrapper, root);
        assert!(
            status == "pass" || status == "fail",
            "{wrapper:?} {root}: {status}: {message}"
        );
    }
}
