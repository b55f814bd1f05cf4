//! CIS Docker Benchmark 1.8.0 sections 1.2, 2 and 3 end to end.
//!
//! Section 1.2 and 2 rules run against private dockerd instances configured for each scenario:
//! the defaults, a hardened daemon (with a real authorization plugin served by this test), a
//! misconfigured one, and two daemons listening on TCP, one of them with TLS client
//! verification. Where this machine cannot produce a situation at all (a supported engine
//! release, rootless mode, the aufs and devicemapper storage drivers, an unconfined daemon-wide
//! seccomp profile, which dockerd 20.10 refuses), a snapshot collected from a real private
//! daemon is edited minimally and replayed; each edit says why.
//!
//! Section 3 rules run against fixture host trees (`--host-root`) with no daemon.

mod support;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use serde_json::{json, Value};
use support::dockerd::{HostBridge, PrivateDaemon};
use support::fixture::HostTree;
use support::scan::{bollwerk, Run};

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

// ---- helpers ------------------------------------------------------------------------------

/// `bollwerk scan --docker-host URL --include IDS` (plus `extra`).
fn scan_daemon(url: &str, include: &str, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["scan", "--docker-host", url, "--include", include];
    args.extend_from_slice(extra);
    let run = bollwerk(&args, out.path());
    (out, run)
}

/// Like `support::scan::bollwerk` for a scan, with extra environment variables (TLS).
fn scan_with_env(args: &[&str], env: &[(&str, &str)]) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(args)
        .arg("-o")
        .arg(out.path())
        .arg("-q")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .output()
        .expect("run bollwerk");
    let report = fs::read_to_string(out.path().join("report.json"))
        .ok()
        .map(|t| {
            let mut r = serde_json::from_str(&t).expect("report.json is JSON");
            support::scan::inline_observations(&mut r);
            r
        });
    let run = Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        report,
        output: out.path().to_path_buf(),
    };
    (out, run)
}

/// A fixture scan of section 3 (or other host rules) with no daemon.
fn scan_tree(tree: &HostTree, include: &str) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let root = tree.root_arg();
    let args = [
        "scan",
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "--include",
        include,
    ];
    let run = bollwerk(&args, out.path());
    (out, run)
}

/// `bollwerk collect` from a daemon, as JSON.
fn collect(url: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.json");
    let file_arg = file.display().to_string();
    let run = bollwerk(
        &["collect", "--docker-host", url, "-o", &file_arg, "-q"],
        dir.path(),
    );
    assert_eq!(run.code, 0, "collect failed: {}", run.stderr);
    serde_json::from_str(&fs::read_to_string(&file).unwrap()).expect("snapshot is JSON")
}

/// `bollwerk scan --snapshot` of an (edited) snapshot.
fn scan_snapshot(snapshot: &Value, include: &str) -> (tempfile::TempDir, Run) {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("edited-snapshot.json");
    fs::write(&file, serde_json::to_string_pretty(snapshot).unwrap()).unwrap();
    let file_arg = file.display().to_string();
    let run = bollwerk(
        &["scan", "--snapshot", &file_arg, "--include", include],
        out.path(),
    );
    (out, run)
}

fn expect_all(r: &Run, ids: &[&str], status: &str) {
    for id in ids {
        r.expect(id, status);
    }
}

/// The evidence item of rule `id` whose fact is `fact`.
fn evidence<'a>(r: &'a Run, id: &str, fact: &str) -> &'a Value {
    r.rule(id)["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["fact"] == fact)
        .unwrap_or_else(|| panic!("rule {id} has no evidence for {fact}: {}", r.rule(id)))
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding an ephemeral port")
        .port()
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs the openssl command line in `dir`; a missing openssl fails the test.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("openssl not found ({e}): run scripts/test.sh, which installs the test tooling")
        });
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// TLS material for a daemon on 127.0.0.1: a CA, a server certificate and key (modes 0444,
/// 0444, 0400) and, in `client/`, what DOCKER_CERT_PATH expects (ca.pem, cert.pem, key.pem).
struct Tls {
    dir: tempfile::TempDir,
}

impl Tls {
    fn generate() -> Tls {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let days = "2";
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
                "-days",
                days,
                "-subj",
                "/CN=bollwerk test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        fs::write(
            d.join("server.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n",
        )
        .unwrap();
        fs::write(
            d.join("client.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
        )
        .unwrap();
        fs::create_dir(d.join("client")).unwrap();
        for (key, csr, cert, cn, ext) in [
            (
                "server-key.pem",
                "server.csr",
                "server-cert.pem",
                "/CN=127.0.0.1",
                "server.ext",
            ),
            (
                "client/key.pem",
                "client.csr",
                "client/cert.pem",
                "/CN=bollwerk test client",
                "client.ext",
            ),
        ] {
            openssl(
                d,
                &[
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj",
                    cn,
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca-key.pem",
                    "-CAcreateserial",
                    "-out",
                    cert,
                    "-days",
                    days,
                    "-extfile",
                    ext,
                ],
            );
        }
        fs::copy(d.join("ca.pem"), d.join("client/ca.pem")).unwrap();
        chmod(&d.join("ca.pem"), 0o444);
        chmod(&d.join("server-cert.pem"), 0o444);
        chmod(&d.join("server-key.pem"), 0o400);
        Tls { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// A Docker authorization plugin that allows every request, speaking the plugin protocol on
/// `/run/docker/plugins/NAME.sock`, where dockerd discovers plugins. It counts the requests it
/// authorized; the socket is removed on drop.
struct AllowAllAuthz {
    name: String,
    socket: PathBuf,
    authorized: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl AllowAllAuthz {
    fn start() -> AllowAllAuthz {
        let name = format!("bollwerk-test-authz-{}", std::process::id());
        let dir = Path::new("/run/docker/plugins");
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let socket = dir.join(format!("{name}.sock"));
        let _ = fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)
            .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", socket.display()));
        let authorized = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, halt) = (authorized.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let count = count.clone();
                    thread::spawn(move || serve_plugin(conn, &count));
                }
            }
        });
        AllowAllAuthz {
            name,
            socket,
            authorized,
            stop,
        }
    }
}

impl Drop for AllowAllAuthz {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.socket);
        let _ = fs::remove_file(&self.socket);
    }
}

/// Answers plugin requests on one connection (HTTP/1.1, keep-alive) until it closes.
fn serve_plugin(conn: UnixStream, authorized: &AtomicUsize) {
    let Ok(mut out) = conn.try_clone() else {
        return;
    };
    let mut input = BufReader::new(conn);
    loop {
        let mut request = String::new();
        if input.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
        let (mut length, mut chunked) = (0usize, false);
        loop {
            let mut header = String::new();
            if input.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        if chunked {
            loop {
                let mut size = String::new();
                if input.read_line(&mut size).unwrap_or(0) == 0 {
                    return;
                }
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                if input.read_exact(&mut chunk).is_err() {
                    return;
                }
                if n == 0 {
                    break;
                }
            }
        } else {
            let mut body = vec![0; length];
            if input.read_exact(&mut body).is_err() {
                return;
            }
        }
        let reply = match path.as_str() {
            "/Plugin.Activate" => r#"{"Implements":["authz"]}"#,
            "/AuthZPlugin.AuthZReq" => {
                authorized.fetch_add(1, Ordering::SeqCst);
                r#"{"Allow":true}"#
            }
            "/AuthZPlugin.AuthZRes" => r#"{"Allow":true}"#,
            _ => r#"{"Err":"not implemented"}"#,
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

// ---- section 1.2 and 2: private daemons ---------------------------------------------------

#[test]
fn default_daemon_keeps_safe_defaults_and_fails_unset_hardening() {
    let d = PrivateDaemon::start(json!({}));
    let url = d.socket_url();
    let (_o, r) = scan_daemon(&url, "1.2,2", &[]);

    r.expect("1.2.1", "notchecked");
    // Docker 20.10's upstream maintenance ended on 2023-12-10.
    r.expect("1.2.2", "fail");
    assert_eq!(
        evidence(&r, "1.2.2", "daemon.engine.end_of_life")["observed"],
        "2023-12-10"
    );
    assert!(
        r.message("1.2.2").contains("daemon.engine.supported"),
        "{}",
        r.message("1.2.2")
    );
    // dockerd runs as root here.
    r.expect("2.1", "fail");
    assert_eq!(evidence(&r, "2.1", "daemon.process.uid")["observed"], 0);
    // Safe by default.
    expect_all(
        &r,
        &[
            "2.3", "2.4", "2.5", "2.6", "2.7", "2.11", "2.12", "2.18", "2.19",
        ],
        "pass",
    );
    assert_eq!(
        evidence(&r, "2.18", "daemon.info.SecurityOptions")["observed"][0],
        "name=seccomp,profile=default",
        "the profile in force is in the evidence"
    );
    // Only a unix socket: TLS does not apply.
    r.expect("2.8", "notapplicable");
    assert!(
        r.message("2.8").contains("daemon.settings.hosts"),
        "{}",
        r.message("2.8")
    );
    // Hardening that must be switched on.
    expect_all(&r, &["2.9", "2.13", "2.14", "2.15", "2.17"], "fail");
    assert_eq!(
        evidence(&r, "2.14", "daemon.info.LoggingDriver")["observed"],
        "json-file"
    );
    assert_eq!(r.code, 1);

    // Situations this machine cannot produce, from the same daemon's snapshot, edited.
    let original = collect(&url);

    let mut s = original.clone();
    // A supported release line: every engine installable here (docker.io 20.10) is past its end
    // of life, so pretend the data says otherwise.
    s["daemon"]["engine"]["supported"] = json!(true);
    s["daemon"]["engine"]["end_of_life"] = Value::Null;
    // Rootless mode needs rootlesskit, newuidmap and an unprivileged user, none of which the
    // test machines have: add what a rootless daemon reports.
    s["daemon"]["info"]["SecurityOptions"]
        .as_array_mut()
        .unwrap()
        .push(json!("name=rootless"));
    s["daemon"]["process"]["uid"] = json!(1000);
    // The aufs driver is not in these kernels.
    s["daemon"]["info"]["Driver"] = json!("aufs");
    // dm.basesize only exists for devicemapper; overlay2 refuses to start with it.
    s["daemon"]["settings"]["storage-opts"] =
        json!({"value": ["dm.basesize=20G"], "source": "/etc/docker/daemon.json:3"});
    let (_o, r) = scan_snapshot(&s, "1.2,2");
    r.expect("1.2.2", "pass");
    r.expect("2.1", "pass");
    r.expect("2.6", "fail");
    r.expect("2.7", "pass");
    r.expect("2.12", "fail");
    assert!(
        r.message("2.12").contains("dm.basesize=20G"),
        "{}",
        r.message("2.12")
    );

    let mut s = original.clone();
    // A release line newer than bollwerk's data.
    s["daemon"]["engine"]["line"] = json!("99.0");
    s["daemon"]["engine"]["version"] = json!("99.0.1");
    s["daemon"]["engine"]["supported"] = Value::Null;
    s["daemon"]["engine"]["end_of_life"] = Value::Null;
    // devicemapper needs thin-pool devices these machines cannot provide.
    s["daemon"]["info"]["Driver"] = json!("devicemapper");
    // dockerd 20.10 rejects "seccomp-profile": "unconfined" (newer releases accept it and report
    // profile=unconfined): write what those report.
    s["daemon"]["info"]["SecurityOptions"] = json!(["name=seccomp,profile=unconfined"]);
    s["daemon"]["settings"]["seccomp-profile"] =
        json!({"value": "unconfined", "source": "/etc/docker/daemon.json:2"});
    let (_o, r) = scan_snapshot(&s, "1.2,2");
    r.expect("1.2.2", "error");
    assert!(
        r.message("1.2.2")
            .contains("daemon.engine.supported is not set"),
        "{}",
        r.message("1.2.2")
    );
    r.expect("2.6", "pass");
    r.expect("2.7", "fail");
    r.expect("2.18", "fail");

    // A daemon without seccomp at all (a kernel without it) fails too.
    let mut s = original;
    s["daemon"]["info"]["SecurityOptions"] = json!([]);
    let (_o, r) = scan_snapshot(&s, "2.18");
    r.expect("2.18", "fail");
}

#[test]
fn icc_is_judged_by_what_the_default_bridge_runs_with() {
    // Declared first, so it is deleted after the daemon that uses it has stopped. A default
    // bridge of its own (not docker0) and no firewall changes, so it cannot disturb other
    // daemons; dockerd refuses `icc: false` without iptables, so only the edit below says so.
    let name = format!("bwt2br{}", std::process::id() % 100_000);
    let _bridge = HostBridge::create(&name, "10.213.78.1/24");
    let settings = json!({"bridge": name, "iptables": false, "ip-forward": false});
    let d = PrivateDaemon::start(settings.clone());
    let url = d.socket_url();
    let (_o, r) = scan_daemon(&url, "2.2", &[]);
    r.expect("2.2", "fail");
    assert_eq!(
        evidence(&r, "2.2", "daemon.settings.icc")["source"],
        "dockerd default"
    );

    // daemon.json edited to switch icc off, dockerd not restarted: the bridge still lets
    // containers talk, and the evidence says why the file is not what counts.
    let mut edited = settings;
    edited["icc"] = json!(false);
    fs::write(d.config_path(), edited.to_string()).unwrap();
    let (_o, r) = scan_daemon(&url, "2.2", &[]);
    r.expect("2.2", "fail");
    let icc = evidence(&r, "2.2", "daemon.settings.icc");
    assert_eq!(icc["observed"], true);
    let source = icc["source"].as_str().unwrap();
    assert!(
        source.contains("com.docker.network.bridge.enable_icc=true")
            && source.contains("configured false at")
            && source.contains("not in force until dockerd restarts"),
        "{source}"
    );
}

#[test]
fn hardened_daemon_with_an_authorization_plugin_passes_daemon_rules() {
    // Declared before the daemon so it outlives it: every request, even the clean-up's, goes
    // through the plugin.
    let authz = AllowAllAuthz::start();
    let profile_dir = tempfile::tempdir().unwrap();
    let profile = profile_dir.path().join("seccomp.json");
    fs::write(
        &profile,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["add_key","keyctl","request_key"],"action":"SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let d = PrivateDaemon::start(json!({
        "icc": false,
        "log-level": "info",
        "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}},
        "no-new-privileges": true,
        "userland-proxy": false,
        "log-driver": "syslog",
        "authorization-plugins": [authz.name],
        "seccomp-profile": profile.display().to_string(),
        "live-restore": true,
    }));
    let (_o, r) = scan_daemon(&d.socket_url(), "2", &[]);
    expect_all(
        &r,
        &[
            "2.3", "2.4", "2.5", "2.6", "2.7", "2.9", "2.11", "2.12", "2.13", "2.14", "2.15",
            "2.16", "2.17", "2.18", "2.19",
        ],
        "pass",
    );
    r.expect("2.8", "notapplicable");
    // The harness runs dockerd with "bridge": "none": no default bridge, so icc has nothing
    // to apply to, and 2.2 says why rather than passing on an icc that does nothing.
    r.expect("2.2", "notapplicable");
    let why = r.message("2.2");
    assert!(
        why.contains("daemon.networks[0].Name is") && why.contains(".Name is \"host\""),
        "{why}"
    );
    assert_eq!(
        evidence(&r, "2.13", "daemon.info.Plugins.Authorization")["observed"],
        json!([authz.name])
    );
    assert!(
        authz.authorized.load(Ordering::SeqCst) > 0,
        "the daemon asked the plugin"
    );
    assert_eq!(
        evidence(&r, "2.14", "daemon.info.LoggingDriver")["observed"],
        "syslog"
    );
    // The custom profile in force is named in the evidence.
    let opts = &evidence(&r, "2.18", "daemon.info.SecurityOptions")["observed"];
    let want = format!("name=seccomp,profile={}", profile.display());
    assert!(
        opts.as_array().unwrap().iter().any(|o| o == &json!(want)),
        "{opts}"
    );
    let ulimits = evidence(&r, "2.9", "daemon.settings.default-ulimits");
    assert!(
        ulimits["source"]
            .as_str()
            .unwrap()
            .starts_with(&d.config_path().display().to_string()),
        "{ulimits}"
    );
    drop(d);
}

#[test]
fn misconfigured_daemon_fails_daemon_rules() {
    let d = PrivateDaemon::start(json!({
        "log-level": "debug",
        "iptables": false,
        "insecure-registries": ["registry.example.com:5000"],
        "cgroup-parent": "/bollwerk-test",
        "experimental": true,
    }));
    let (_o, r) = scan_daemon(&d.socket_url(), "2", &[]);
    expect_all(&r, &["2.3", "2.4", "2.5", "2.11", "2.19"], "fail");
    assert!(
        r.message("2.3").contains("\"debug\""),
        "{}",
        r.message("2.3")
    );
    assert!(
        r.message("2.5").contains("registry.example.com:5000"),
        "{}",
        r.message("2.5")
    );
    assert!(
        r.message("2.19").contains("ExperimentalBuild"),
        "{}",
        r.message("2.19")
    );
    // The rest stays decided, not errored.
    expect_all(&r, &["2.6", "2.7", "2.12", "2.18"], "pass");
}

#[test]
fn an_unreadable_config_file_is_still_the_one_file_rules_look_at() {
    // dockerd read its --config-file at start; afterwards it becomes unreadable (a symlink
    // loop), then disappears. 3.17/3.18 must speak of that file, not of the default path.
    let d = PrivateDaemon::start(json!({}));
    let config = d.config_path();
    let shown = config.display().to_string();
    fs::remove_file(&config).unwrap();
    std::os::unix::fs::symlink(&config, &config).unwrap();
    let (_o, r) = scan_daemon(&d.socket_url(), "2.2,3.17,3.18", &[]);
    // The daemon lists no default bridge (the harness's "bridge": "none"): 2.2 does not
    // apply, unreadable daemon.json or not.
    r.expect("2.2", "notapplicable");
    for id in ["3.17", "3.18"] {
        r.expect(id, "error");
        assert!(
            r.message(id).contains(&shown) && r.message(id).contains("os error 40"),
            "{id}: {}",
            r.message(id)
        );
    }

    fs::remove_file(&config).unwrap();
    let (_o, r) = scan_daemon(&d.socket_url(), "3.17,3.18", &[]);
    for id in ["3.17", "3.18"] {
        r.expect(id, "notapplicable");
        assert!(r.message(id).contains(&shown), "{id}: {}", r.message(id));
    }
    drop(d);
}

#[test]
fn tcp_daemons_are_found_by_port_and_need_tls_client_verification() {
    let tls = Tls::generate();
    let plain_port = free_port();
    let plain_url = format!("tcp://127.0.0.1:{plain_port}");
    // `debug` only on the plain daemon: its 2.3 result shows whose settings were read.
    let plain = PrivateDaemon::start_with_args(json!({"debug": true}), &["-H", &plain_url], |_| {});
    let tls_port = free_port();
    let tls_url = format!("tcp://127.0.0.1:{tls_port}");
    let (ca, cert, key) = (
        tls.path("ca.pem"),
        tls.path("server-cert.pem"),
        tls.path("server-key.pem"),
    );
    let secured = PrivateDaemon::start_with_args(
        json!({}),
        &[
            "-H",
            &tls_url,
            "--tlsverify",
            "--tlscacert",
            &ca,
            "--tlscert",
            &cert,
            "--tlskey",
            &key,
        ],
        |_| {},
    );
    let client_dir = tls.path("client");
    let tls_env = [
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", client_dir.as_str()),
    ];
    let tls_files = "2,3.9,3.10,3.11,3.12,3.13,3.14";

    // Plain TCP: reachable without certificates, and 2.8 fails.
    let (_o, r) = scan_daemon(&plain_url, "2", &[]);
    r.expect("2.8", "fail");
    assert!(
        r.message("2.8").contains("daemon.settings.tlsverify"),
        "{}",
        r.message("2.8")
    );
    // The daemon's own settings were read: the process listening on that port was found among
    // the several dockerd processes on this machine.
    r.expect("2.3", "fail");
    let debug = evidence(&r, "2.3", "daemon.settings.debug");
    assert!(
        debug["source"]
            .as_str()
            .unwrap()
            .starts_with(&plain.config_path().display().to_string()),
        "{debug}"
    );
    r.expect("2.4", "pass");

    // TLS with client verification: bollwerk connects with DOCKER_TLS_VERIFY and
    // DOCKER_CERT_PATH, the daemon rules are decided, 2.8 passes.
    let (_o, r) = scan_with_env(
        &["scan", "--docker-host", &tls_url, "--include", tls_files],
        &tls_env,
    );
    r.expect("2.8", "pass");
    r.expect("2.3", "pass");
    r.expect("2.4", "pass");
    let cacert = evidence(&r, "2.8", "daemon.settings.tlscacert");
    assert_eq!(cacert["observed"], ca.as_str());
    assert!(
        cacert["source"]
            .as_str()
            .unwrap()
            .starts_with("flag --tlscacert"),
        "{cacert}"
    );
    // The TLS files the running daemon names, on this host: owned by root, 0444/0444/0400.
    expect_all(&r, &["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"], "pass");
    assert_eq!(
        r.rule("3.14")["evidence"][0]["fact"],
        format!("host.files[\"{key}\"].mode")
    );

    // Loosened modes fail.
    chmod(Path::new(&ca), 0o664);
    chmod(Path::new(&cert), 0o644);
    chmod(Path::new(&key), 0o440);
    let (_o, r) = scan_with_env(
        &[
            "scan",
            "--docker-host",
            &tls_url,
            "--include",
            "3.9,3.10,3.11,3.12,3.13,3.14",
        ],
        &tls_env,
    );
    expect_all(&r, &["3.10", "3.12", "3.14"], "fail");
    expect_all(&r, &["3.9", "3.11", "3.13"], "pass");
    assert_eq!(r.rule("3.14")["evidence"][0]["observed"], "0440");

    // Without client certificates the TLS daemon does not answer, so daemon rules are errors.
    let (_o, r) = scan_daemon(&tls_url, "2.8", &[]);
    r.expect("2.8", "error");
    drop(secured);
    drop(plain);
}

// ---- section 3: fixture host trees --------------------------------------------------------

const CERTS_D: &str = "etc/docker/certs.d";
const REGISTRY: &str = "etc/docker/certs.d/registry.example.com:5000";

/// A host where every file section 3 names exists, owned by root with tight modes.
fn well_kept_tree() -> HostTree {
    let t = HostTree::new();
    t.write(
        "lib/systemd/system/docker.socket",
        "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=docker\n",
        0o644,
    );
    t.write(&format!("{REGISTRY}/ca.crt"), "CA\n", 0o444);
    t.write(&format!("{REGISTRY}/client.cert"), "CERT\n", 0o444);
    t.write(&format!("{REGISTRY}/client.key"), "KEY\n", 0o400);
    chmod(&t.path(CERTS_D), 0o755);
    chmod(&t.path(REGISTRY), 0o755);
    t.write("etc/docker/tls/ca.pem", "CA\n", 0o444);
    t.write("etc/docker/tls/server-cert.pem", "CERT\n", 0o444);
    t.write("etc/docker/tls/server-key.pem", "KEY\n", 0o400);
    t.write(
        "etc/docker/daemon.json",
        r#"{
  "tlsverify": true,
  "tlscacert": "/etc/docker/tls/ca.pem",
  "tlscert": "/etc/docker/tls/server-cert.pem",
  "tlskey": "/etc/docker/tls/server-key.pem"
}
"#,
        0o644,
    );
    t.write("etc/default/docker", "DOCKER_OPTS=\n", 0o644);
    t.write("etc/sysconfig/docker", "OPTIONS=\n", 0o644);
    chmod(&t.path("etc/docker"), 0o755);
    t
}

const FILE_RULES: &[&str] = &[
    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13",
    "3.14", "3.15", "3.16", "3.17", "3.18", "3.19", "3.20", "3.21", "3.22", "3.23", "3.24",
];

#[test]
fn well_kept_host_passes_every_file_rule() {
    let t = well_kept_tree();
    let (_o, r) = scan_tree(&t, "3");
    expect_all(&r, FILE_RULES, "pass");
    assert_eq!(r.code, 0, "{}", r.stdout);
    // certs.d and every entry below it were looked at: the registry directory and its three
    // files.
    let owners: Vec<&str> = r.rule("3.7")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["fact"].as_str().unwrap())
        .collect();
    assert_eq!(owners.len(), 5, "{owners:?}");
    assert!(
        owners.contains(&"host.files[\"/etc/docker/certs.d\"].owner"),
        "{owners:?}"
    );
    assert!(
        owners.contains(
            &"host.trees[\"/etc/docker/certs.d\"][\"/etc/docker/certs.d/registry.example.com:5000/client.key\"].owner"
        ),
        "{owners:?}"
    );
    // TLS files are found through the settings in daemon.json.
    assert_eq!(
        r.rule("3.14")["evidence"][0]["fact"],
        "host.files[\"/etc/docker/tls/server-key.pem\"].mode"
    );
    assert_eq!(
        r.rule("3.23")["evidence"][0]["fact"],
        "host.files[\"/run/containerd/containerd.sock\"].owner"
    );
}

#[test]
fn neglected_host_fails_every_file_rule() {
    let t = well_kept_tree();
    let alice = |rel: &str| t.own(rel, 1000, 1000);
    for rel in [
        "lib/systemd/system/docker.service",
        "lib/systemd/system/docker.socket",
        "etc/docker",
        "etc/docker/tls/ca.pem",
        "etc/docker/tls/server-cert.pem",
        "etc/docker/tls/server-key.pem",
        "etc/docker/daemon.json",
        "etc/default/docker",
        "etc/sysconfig/docker",
    ] {
        alice(rel);
    }
    // One registry file with the wrong owner, another with a writable mode.
    t.own(&format!("{REGISTRY}/ca.crt"), 0, 105);
    chmod(&t.path(&format!("{REGISTRY}/client.cert")), 0o644);
    for (rel, mode) in [
        ("lib/systemd/system/docker.service", 0o664),
        ("lib/systemd/system/docker.socket", 0o666),
        ("etc/docker", 0o775),
        ("etc/docker/tls/ca.pem", 0o644),
        ("etc/docker/tls/server-cert.pem", 0o664),
        ("etc/docker/tls/server-key.pem", 0o600),
        ("etc/docker/daemon.json", 0o664),
        ("etc/default/docker", 0o666),
        ("etc/sysconfig/docker", 0o646),
    ] {
        chmod(&t.path(rel), mode);
    }
    t.socket("run/docker.sock", 0o666);
    t.own("run/docker.sock", 1000, 1000);
    t.socket("run/containerd/containerd.sock", 0o666);
    t.own("run/containerd/containerd.sock", 0, 105);

    let (_o, r) = scan_tree(&t, "3");
    expect_all(&r, FILE_RULES, "fail");
    assert_eq!(r.code, 1);
    assert!(
        r.message("3.7")
            .contains("registry.example.com:5000/ca.crt")
            && r.message("3.7").contains("root:docker"),
        "{}",
        r.message("3.7")
    );
    let failing: Vec<&Value> = r.rule("3.8")["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "fail" && e["fact"].as_str().unwrap().contains("client.cert"))
        .collect();
    assert!(!failing.is_empty(), "{}", r.rule("3.8"));
    assert_eq!(failing[0]["observed"], "0644");
    assert_eq!(r.rule("3.14")["evidence"][0]["observed"], "0600");
    assert_eq!(r.rule("3.23")["evidence"][0]["observed"], "root:docker");
    assert_eq!(r.rule("3.17")["evidence"][0]["observed"], "alice:alice");
}

#[test]
fn registry_directories_may_be_searchable_but_not_writable() {
    let t = well_kept_tree();
    // 0750 and 0700 directories are fine; files at 0400 too.
    chmod(&t.path(REGISTRY), 0o750);
    let (_o, r) = scan_tree(&t, "3.7,3.8");
    expect_all(&r, &["3.7", "3.8"], "pass");
    // A group-writable directory is not.
    chmod(&t.path(REGISTRY), 0o775);
    let (_o, r) = scan_tree(&t, "3.8");
    r.expect("3.8", "fail");
    // Nor is an executable certificate.
    chmod(&t.path(REGISTRY), 0o755);
    chmod(&t.path(&format!("{REGISTRY}/ca.crt")), 0o555);
    let (_o, r) = scan_tree(&t, "3.8");
    r.expect("3.8", "fail");
    // certs.d itself, open to everyone or owned by a user, lets them add a registry's CA.
    chmod(&t.path(&format!("{REGISTRY}/ca.crt")), 0o444);
    chmod(&t.path(CERTS_D), 0o777);
    let (_o, r) = scan_tree(&t, "3.7,3.8");
    r.expect("3.8", "fail");
    r.expect("3.7", "pass");
    chmod(&t.path(CERTS_D), 0o755);
    t.own(CERTS_D, 1000, 1000);
    let (_o, r) = scan_tree(&t, "3.7,3.8");
    r.expect("3.7", "fail");
    r.expect("3.8", "pass");
}

#[test]
fn paths_of_another_kind_than_the_rules_judge_are_errors_not_verdicts() {
    // Owners and modes that would pass: a folder where /etc/default/docker and the unit
    // should be files, a folder where the socket should be, a file where /etc/docker should
    // be a folder. None of them is what its rule is about.
    let t = HostTree::new();
    t.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    for folder in [
        "etc/default/docker",
        "run/docker.sock",
        "lib/systemd/system/docker.service",
    ] {
        let _ = fs::remove_file(t.path(folder));
        fs::create_dir_all(t.path(folder)).unwrap();
        chmod(&t.path(folder), 0o600);
    }
    t.own("run/docker.sock", 0, 105);
    fs::remove_dir_all(t.path("etc/docker")).unwrap();
    t.write("etc/docker", "", 0o644);
    let (_o, r) = scan_tree(&t, "3.1,3.2,3.5,3.6,3.15,3.16,3.19,3.20");
    for (id, path, kind, expected) in [
        ("3.1", "/lib/systemd/system/docker.service", "dir", "file"),
        ("3.2", "/lib/systemd/system/docker.service", "dir", "file"),
        ("3.5", "/etc/docker", "file", "dir"),
        ("3.6", "/etc/docker", "file", "dir"),
        ("3.15", "/var/run/docker.sock", "dir", "socket"),
        ("3.16", "/var/run/docker.sock", "dir", "socket"),
        ("3.19", "/etc/default/docker", "dir", "file"),
        ("3.20", "/etc/default/docker", "dir", "file"),
    ] {
        r.expect(id, "error");
        assert_eq!(
            r.message(id),
            format!("host.files[\"{path}\"].kind: found \"{kind}\", expected {expected}, the kind of path this rule judges"),
            "{id}"
        );
    }
}

#[test]
fn absent_files_make_file_rules_not_applicable() {
    // The fixture has no docker.socket, no certs.d, no TLS settings, no /etc/default/docker and
    // no /etc/sysconfig/docker.
    let t = HostTree::new();
    t.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    fs::remove_file(t.path("run/containerd/containerd.sock")).unwrap();
    let (_o, r) = scan_tree(&t, "3");
    expect_all(
        &r,
        &[
            "3.3", "3.4", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.19",
            "3.20", "3.21", "3.22", "3.23", "3.24",
        ],
        "notapplicable",
    );
    expect_all(&r, &["3.5", "3.6", "3.17", "3.18"], "pass");
    assert!(
        r.message("3.19")
            .contains("/etc/default/docker does not exist"),
        "{}",
        r.message("3.19")
    );
    assert!(
        r.message("3.3").contains("docker.socket"),
        "{}",
        r.message("3.3")
    );
    assert!(
        r.message("3.7")
            .contains("host.files[\"/etc/docker/certs.d\"].exists is false"),
        "{}",
        r.message("3.7")
    );
    assert!(
        r.message("3.9")
            .contains("the daemon setting tlscacert is not set"),
        "{}",
        r.message("3.9")
    );
    assert_eq!(r.code, 0, "{}", r.stdout);

    // An empty certs.d has nothing to check either; a missing daemon.json makes 3.17 and 3.18
    // not applicable.
    fs::create_dir_all(t.path(CERTS_D)).unwrap();
    fs::remove_file(t.path("etc/docker/daemon.json")).unwrap();
    let (_o, r) = scan_tree(&t, "3.7,3.8,3.17,3.18");
    expect_all(&r, &["3.7", "3.8", "3.17", "3.18"], "notapplicable");
    assert!(
        r.message("3.8").contains("is empty"),
        "{}",
        r.message("3.8")
    );

    // TLS files named in daemon.json but missing on disk: not applicable, saying where bollwerk
    // looked.
    t.write(
        "etc/docker/daemon.json",
        r#"{"tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem", "tlscert": "/etc/docker/tls/cert.pem", "tlskey": "/etc/docker/tls/key.pem"}"#,
        0o644,
    );
    let (_o, r) = scan_tree(&t, "3.9,3.14");
    expect_all(&r, &["3.9", "3.14"], "notapplicable");
    assert!(
        r.message("3.14").contains("/etc/docker/tls/key.pem"),
        "{}",
        r.message("3.14")
    );
}

#[test]
fn unit_drop_ins_are_judged_with_their_unit() {
    let t = well_kept_tree();
    let service_drop_in = "etc/systemd/system/docker.service.d/override.conf";
    let socket_drop_in = "lib/systemd/system/docker.socket.d/listen.conf";
    t.write(
        service_drop_in,
        "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd://\n",
        0o644,
    );
    t.write(socket_drop_in, "[Socket]\nSocketGroup=docker\n", 0o644);
    for dir in [
        "etc/systemd/system/docker.service.d",
        "lib/systemd/system/docker.socket.d",
    ] {
        chmod(&t.path(dir), 0o755);
    }
    let units = ["3.1", "3.2", "3.3", "3.4"];
    let (_o, r) = scan_tree(&t, "3.1,3.2,3.3,3.4");
    expect_all(&r, &units, "pass");
    let drop_in = evidence(
        &r,
        "3.1",
        "host.drop_ins[\"/etc/systemd/system/docker.service.d\"][\"/etc/systemd/system/docker.service.d/override.conf\"].owner",
    );
    assert_eq!(drop_in["outcome"], "pass", "{drop_in}");

    // What systemd does not read there is not judged: a backup, a note, a hidden file, a
    // folder's contents, whoever owns them and whoever may write them.
    for ignored in [
        "etc/systemd/system/docker.service.d/override.conf.bak",
        "etc/systemd/system/docker.service.d/README",
        "etc/systemd/system/docker.service.d/.hidden.conf",
        "lib/systemd/system/docker.socket.d/old/listen.conf",
    ] {
        t.write(ignored, "[Service]\n", 0o666);
        t.own(ignored, 1000, 1000);
    }
    let (_o, r) = scan_tree(&t, "3.1,3.2,3.3,3.4");
    expect_all(&r, &units, "pass");

    // The unit files stay as they were; a drop-in someone else owns, one others can write,
    // and a drop-in folder others can write to fail their unit's rules.
    t.own(service_drop_in, 1000, 1000);
    chmod(&t.path(socket_drop_in), 0o666);
    let (_o, r) = scan_tree(&t, "3.1,3.2,3.3,3.4");
    r.expect("3.1", "fail");
    r.expect("3.2", "pass");
    r.expect("3.3", "pass");
    r.expect("3.4", "fail");
    assert!(
        r.message("3.1").contains("override.conf"),
        "{}",
        r.message("3.1")
    );
    assert!(
        r.message("3.4").contains("listen.conf"),
        "{}",
        r.message("3.4")
    );
    chmod(&t.path(socket_drop_in), 0o644);
    chmod(&t.path("etc/systemd/system/docker.service.d"), 0o777);
    let (_o, r) = scan_tree(&t, "3.2");
    r.expect("3.2", "fail");
}

#[test]
fn a_daemon_wide_profile_that_allows_every_call_confines_nothing() {
    let profile_dir = tempfile::tempdir().unwrap();
    let profile = profile_dir.path().join("allow-all.json");
    fs::write(
        &profile,
        r#"{"defaultAction":"SCMP_ACT_LOG","syscalls":[]}"#,
    )
    .unwrap();
    let deny = profile_dir.path().join("deny.json");
    fs::write(
        &deny,
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["keyctl"],"action":"SCMP_ACT_ERRNO"}]}"#,
    )
    .unwrap();
    let d = PrivateDaemon::start(json!({"seccomp-profile": profile.display().to_string()}));
    d.import_busybox();
    d.run_sleeping("plain", &["--network", "none"]);
    let own = format!("seccomp={}", deny.display());
    d.run_sleeping("own", &["--network", "none", "--security-opt", &own]);
    let (_o, r) = scan_daemon(&d.socket_url(), "2.18,5.22", &[]);
    r.expect("2.18", "fail");
    assert!(
        r.message("2.18").contains("host.seccomp_profile"),
        "{}",
        r.message("2.18")
    );
    // Containers under the daemon's profile are not filtered; one with its own profile is.
    r.expect_instance("5.22", "plain", "fail");
    r.expect_instance("5.22", "own", "pass");

    // The profile file gone: what the daemon runs with is unknown, never a pass.
    fs::remove_file(&profile).unwrap();
    let (_o, r) = scan_daemon(&d.socket_url(), "2.18", &[]);
    r.expect("2.18", "error");
    drop(d);
}

#[test]
fn a_registry_folder_that_is_a_symbolic_link_is_judged_through_it() {
    // dockerd reads certs.d/HOST through a link (one set of certificates for several names):
    // the files it uses are the link target's, named under the link.
    let t = well_kept_tree();
    fs::remove_dir_all(t.path(REGISTRY)).unwrap();
    t.write("srv/registry-certs/ca.crt", "CA\n", 0o444);
    t.write("srv/registry-certs/client.key", "KEY\n", 0o400);
    chmod(&t.path("srv/registry-certs"), 0o755);
    std::os::unix::fs::symlink("/srv/registry-certs", t.path(REGISTRY)).unwrap();
    // A link back to certs.d itself: listed one level, the walk ends.
    std::os::unix::fs::symlink("/etc/docker/certs.d", t.path(&format!("{CERTS_D}/loop"))).unwrap();
    let (_o, r) = scan_tree(&t, "3.7,3.8");
    expect_all(&r, &["3.7", "3.8"], "pass");
    let key = format!("host.trees[\"/etc/docker/certs.d\"][\"/{REGISTRY}/client.key\"].mode");
    assert_eq!(evidence(&r, "3.8", &key)["observed"], "0400");

    chmod(&t.path("srv/registry-certs/client.key"), 0o644);
    t.own("srv/registry-certs/ca.crt", 1000, 1000);
    let (_o, r) = scan_tree(&t, "3.7,3.8");
    expect_all(&r, &["3.7", "3.8"], "fail");
    assert!(
        r.message("3.8")
            .contains("registry.example.com:5000/client.key"),
        "{}",
        r.message("3.8")
    );
    assert!(
        r.message("3.7")
            .contains("registry.example.com:5000/ca.crt"),
        "{}",
        r.message("3.7")
    );
}

#[test]
fn tls_files_dockerd_finds_by_itself_are_judged() {
    // tlsverify with no file named: dockerd reads ca.pem, cert.pem and key.pem from root's
    // ~/.docker (DOCKER_CERT_PATH unset), so those are the files 3.9-3.14 judge.
    let t = well_kept_tree();
    t.dockerd(NO_DAEMON, Some(&["PATH=/usr/bin:/bin", "HOME=/root"]));
    t.write("etc/docker/daemon.json", "{\"tlsverify\": true}\n", 0o644);
    t.write("root/.docker/ca.pem", "CA\n", 0o444);
    t.write("root/.docker/cert.pem", "CERT\n", 0o444);
    t.write("root/.docker/key.pem", "KEY\n", 0o400);
    let tls = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"];
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &tls, "pass");
    let key = evidence(&r, "3.14", "host.files[\"/root/.docker/key.pem\"].mode");
    assert_eq!(key["observed"], "0400", "{key}");

    chmod(&t.path("root/.docker/key.pem"), 0o644);
    t.own("root/.docker/ca.pem", 1000, 1000);
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &["3.9", "3.14"], "fail");
    expect_all(&r, &["3.10", "3.11", "3.12", "3.13"], "pass");
}

#[test]
fn tls_files_resting_on_flags_or_an_environment_not_read_are_errors() {
    let tls = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"];
    // No TLS in daemon.json and dockerd's flags unknown (no dockerd in /proc): a flag may turn
    // TLS on and name the files, so "not applicable" would be a guess.
    let t = HostTree::new();
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &tls, "error");
    let m = r.message("3.9");
    assert!(
        m.contains("{setting:tlscacert} is not known") && m.contains("flags could not be read"),
        "{m}"
    );
    // The same host with its dockerd known: no TLS, nothing to judge.
    t.dockerd(NO_DAEMON, Some(&["HOME=/root"]));
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &tls, "notapplicable");

    // TLS on with no file named, files in the default folder, and dockerd's environment
    // (which may move that folder) unreadable: the default files are not known to be its.
    let t = well_kept_tree();
    t.dockerd(NO_DAEMON, None);
    t.write("etc/docker/daemon.json", "{\"tlsverify\": true}\n", 0o644);
    t.write("root/.docker/ca.pem", "CA\n", 0o444);
    t.write("root/.docker/cert.pem", "CERT\n", 0o444);
    t.write("root/.docker/key.pem", "KEY\n", 0o400);
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &tls, "error");
    let m = r.message("3.13");
    assert!(
        m.contains("/root/.docker") && m.contains("/proc/4242/environ"),
        "{m}"
    );
    // Files daemon.json names are known without the environment.
    t.write(
        "etc/docker/daemon.json",
        "{\"tlsverify\": true, \"tlscacert\": \"/root/.docker/ca.pem\", \"tlscert\": \"/root/.docker/cert.pem\", \"tlskey\": \"/root/.docker/key.pem\"}\n",
        0o644,
    );
    let (_o, r) = scan_tree(&t, &tls.join(","));
    expect_all(&r, &tls, "pass");
}
