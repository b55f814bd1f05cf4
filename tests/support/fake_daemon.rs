//! A fake Docker daemon on a unix socket that answers with documents recorded from a real
//! dockerd 20.10 (`tests/data/fake-daemon/`) and breaks where a test tells it to: an error
//! status, a connection closed without an answer, headers that never come, a body that stops.
//!
//! It speaks just enough HTTP/1.1 for bollwerk (keep-alive, `Content-Length` bodies) and
//! serves `/_ping`, `/version`, `/info`, `/networks`, `/containers/json`,
//! `/containers/{id}/json`, `/images/json`, `/images/{id}/json` and `/images/{id}/history`;
//! anything else is a 404 as dockerd gives it. Stalled connections are released when the fake
//! daemon is dropped. Started as a swarm manager ([`FakeDaemon::start_swarm_manager`]), it says
//! so in `/info`, lists the swarm's `ingress` and an encrypted overlay network beside the
//! recorded ones, and serves `/swarm`, `/nodes` and `/secrets` (written after dockerd's
//! answers: not recorded). Started with a default bridge ([`FakeDaemon::start_with_bridge`]),
//! it lists one, as dockerd with its default `bridge` setting does (the recording was made with
//! `"bridge": "none"`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How a request goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers with this status and dockerd's `{"message": …}` body.
    Status(u16),
    /// Closes the connection as soon as the request is read, without a byte of answer.
    Reset,
    /// Reads the request and never answers.
    StallHeaders,
    /// Sends the status line, headers and half the body, then nothing more.
    StallBody,
}

/// A fault for the requests whose path (version prefix and query left out) is `path`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `/containers/ID/json`, `/info`, … ; `*` for every request.
    pub path: String,
    /// What happens to them.
    pub fault: Fault,
}

/// The fake daemon; stops and releases stalled connections on drop.
pub struct FakeDaemon {
    dir: tempfile::TempDir,
    stop: Arc<AtomicBool>,
    acceptor: Option<thread::JoinHandle<()>>,
}

/// Longest a stalled connection is held (the fake daemon's drop releases it earlier).
const STALL_AT_MOST: Duration = Duration::from_secs(300);

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fake-daemon")
}

fn document(name: &str) -> Value {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The recorded containers: (full id, name) in the daemon's list order.
pub fn containers() -> Vec<(String, String)> {
    document("containers.json")
        .as_array()
        .expect("containers.json is a list")
        .iter()
        .map(|c| {
            let id = c["Id"].as_str().expect("Id").to_string();
            let name = c["Names"][0]
                .as_str()
                .expect("Names")
                .trim_start_matches('/');
            (id, name.to_string())
        })
        .collect()
}

/// The full id of the recorded container `name`.
pub fn container_id(name: &str) -> String {
    containers()
        .into_iter()
        .find(|(_, n)| n == name)
        .unwrap_or_else(|| panic!("no recorded container {name}"))
        .0
}

/// The id of the recorded image.
pub fn image_id() -> String {
    document("image.json")["Id"]
        .as_str()
        .expect("image Id")
        .to_string()
}

impl FakeDaemon {
    /// Starts serving on a socket in a new temporary folder, with `faults` applied.
    pub fn start(faults: Vec<Rule>) -> FakeDaemon {
        FakeDaemon::serving(faults, Variant::Recorded)
    }

    /// [`FakeDaemon::start`] for a daemon that manages a swarm of one node.
    pub fn start_swarm_manager(faults: Vec<Rule>) -> FakeDaemon {
        FakeDaemon::serving(faults, Variant::SwarmManager)
    }

    /// [`FakeDaemon::start`] for a daemon with a default bridge network (`docker0`, icc on).
    pub fn start_with_bridge(faults: Vec<Rule>) -> FakeDaemon {
        FakeDaemon::serving(faults, Variant::DefaultBridge)
    }

    fn serving(faults: Vec<Rule>, variant: Variant) -> FakeDaemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).expect("bind the fake daemon's socket");
        let stop = Arc::new(AtomicBool::new(false));
        let faults = Arc::new(faults);
        let acceptor = {
            let stop = stop.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(conn) = conn else { continue };
                    let (stop, faults) = (stop.clone(), faults.clone());
                    thread::spawn(move || serve(conn, &faults, &stop, variant));
                }
            })
        };
        FakeDaemon {
            dir,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `unix://…/docker.sock`.
    pub fn url(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor so that it sees the flag.
        let _ = UnixStream::connect(self.dir.path().join("docker.sock"));
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

/// Answers the requests of one connection until it closes or a fault ends it.
fn serve(conn: UnixStream, faults: &[Rule], stop: &AtomicBool, variant: Variant) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone the connection"));
    let mut out = conn;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        // Headers: only the end matters (bollwerk's GETs have no body).
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
        }
        let mut words = request_line.split_whitespace();
        let (target, version) = (words.nth(1).unwrap_or("/"), words.next().unwrap_or(""));
        let path = route_path(target);
        let fault = faults
            .iter()
            .find(|r| r.path == "*" || r.path == path)
            .map(|r| r.fault);
        let (status, body, content_type) = match fault {
            Some(Fault::Status(code)) => (
                code,
                format!("{{\"message\":\"fake daemon: status {code} for {path}\"}}\n"),
                "application/json",
            ),
            Some(Fault::Reset) => return,
            Some(Fault::StallHeaders) => return stall(stop),
            Some(Fault::StallBody) | None => {
                let (status, body, kind) = answer(&path, variant);
                (status, body, kind)
            }
        };
        let head = format!(
            "HTTP/1.1 {status} {}\r\nApi-Version: 1.41\r\nContent-Type: {content_type}\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: {}\r\n\r\n",
            reason(status),
            body.len()
        );
        if fault == Some(Fault::StallBody) {
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&body.as_bytes()[..body.len() / 2]);
            let _ = out.flush();
            return stall(stop);
        }
        if out.write_all(head.as_bytes()).is_err() || out.write_all(body.as_bytes()).is_err() {
            return;
        }
        if version == "HTTP/1.0" {
            return;
        }
    }
}

/// Holds the connection open without a word until the fake daemon stops.
fn stall(stop: &AtomicBool) {
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < STALL_AT_MOST {
        thread::sleep(Duration::from_millis(20));
    }
}

/// `/v1.41/containers/json?all=1` → `/containers/json`.
fn route_path(target: &str) -> String {
    let path = target.split('?').next().unwrap_or(target);
    match path.strip_prefix("/v") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => {
            rest.find('/').map_or("/".into(), |i| rest[i..].to_string())
        }
        _ => path.to_string(),
    }
}

/// What the fake daemon answers beside the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The recorded answers.
    Recorded,
    /// A swarm manager's ([`swarm_answer`]).
    SwarmManager,
    /// With a default bridge network ([`bridge_answer`]).
    DefaultBridge,
}

/// The recorded answer to `path` (as `variant` changes it): status, body, content type.
fn answer(path: &str, variant: Variant) -> (u16, String, &'static str) {
    const JSON: &str = "application/json";
    let doc = |name: &str| (200, document(name).to_string(), JSON);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let changed = match variant {
        Variant::Recorded => None,
        Variant::SwarmManager => swarm_answer(&parts),
        Variant::DefaultBridge => bridge_answer(&parts),
    };
    if let Some(answer) = changed {
        return (200, answer.to_string(), JSON);
    }
    match parts.as_slice() {
        ["_ping"] => (200, "OK".into(), "text/plain; charset=utf-8"),
        ["version"] => doc("version.json"),
        ["info"] => doc("info.json"),
        ["networks"] => doc("networks.json"),
        ["containers", "json"] => doc("containers.json"),
        ["images", "json"] => doc("images.json"),
        ["containers", id, "json"] => match containers()
            .into_iter()
            .find(|(full, name)| full.starts_with(id) || name == id)
        {
            Some((_, name)) => doc(&format!("container-{name}.json")),
            None => not_found(&format!("No such container: {id}")),
        },
        ["images", id, what @ ("json" | "history")]
            if image_id().ends_with(id) || *id == image_id() =>
        {
            doc(if *what == "json" {
                "image.json"
            } else {
                "history.json"
            })
        }
        _ => not_found(&format!("page not found: {path}")),
    }
}

fn not_found(message: &str) -> (u16, String, &'static str) {
    (
        404,
        serde_json::json!({ "message": message }).to_string(),
        "application/json",
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// What a daemon with a default bridge answers differently to `parts` of the path: its
/// networks list the bridge, with icc on as dockerd's default has it.
fn bridge_answer(parts: &[&str]) -> Option<Value> {
    if parts != ["networks"] {
        return None;
    }
    let mut networks = document("networks.json");
    networks.as_array_mut()?.push(serde_json::json!({
        "Name": "bridge", "Id": "2f1d3c9a7b6e5d4c3b2a19080706050403020100ffeeddccbbaa998877665544",
        "Scope": "local", "Driver": "bridge", "EnableIPv6": false, "Internal": false,
        "Attachable": false, "Ingress": false, "Containers": {},
        "Options": {
            "com.docker.network.bridge.default_bridge": "true",
            "com.docker.network.bridge.enable_icc": "true",
            "com.docker.network.bridge.enable_ip_masquerade": "true",
            "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
            "com.docker.network.bridge.name": "docker0",
            "com.docker.network.driver.mtu": "1500"
        },
        "Labels": {}
    }));
    Some(networks)
}

/// The node's id in the fake swarm.
const NODE_ID: &str = "q0d8kcb1hp7rpj0vf4gq7c0y0";

/// What a swarm manager answers differently, or in addition, to `parts` of the path.
fn swarm_answer(parts: &[&str]) -> Option<Value> {
    let answer = match parts {
        ["info"] => {
            let mut info = document("info.json");
            info["Swarm"] = serde_json::json!({
                "NodeID": NODE_ID, "NodeAddr": "127.0.0.1", "LocalNodeState": "active",
                "ControlAvailable": true, "Error": "",
                "RemoteManagers": [{"NodeID": NODE_ID, "Addr": "127.0.0.1:2377"}],
                "Nodes": 1, "Managers": 1,
            });
            info
        }
        ["networks"] => {
            let mut networks = document("networks.json");
            let overlay = |name: &str, id: &str, ingress: bool, options: Value| {
                serde_json::json!({
                    "Name": name, "Id": id, "Created": "2024-05-02T10:00:00.000000000Z",
                    "Scope": "swarm", "Driver": "overlay", "EnableIPv6": false,
                    "IPAM": {"Driver": "default", "Options": null,
                             "Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]},
                    "Internal": false, "Attachable": false, "Ingress": ingress,
                    "ConfigFrom": {"Network": ""}, "ConfigOnly": false, "Containers": {},
                    "Options": options, "Labels": {},
                })
            };
            let list = networks.as_array_mut().expect("networks.json is a list");
            list.push(overlay(
                "ingress",
                "5xk1bdl2q6h3m9c7e0r4t8w2y",
                true,
                serde_json::json!({"com.docker.network.driver.overlay.vxlanid_list": "4096"}),
            ));
            list.push(overlay(
                "backend",
                "7n3c5v9b1m4x6z8a2s0d4f6g8",
                false,
                serde_json::json!({
                    "com.docker.network.driver.overlay.vxlanid_list": "4097",
                    "encrypted": "",
                }),
            ));
            networks
        }
        ["swarm"] => serde_json::json!({
            "ID": "b5f7p8w4g1i6e1yq0cdk8o0jl", "Version": {"Index": 10},
            "CreatedAt": "2024-05-02T09:00:00.000000000Z",
            "UpdatedAt": "2024-05-02T09:00:00.000000000Z",
            "Spec": {
                "Name": "default", "Labels": {},
                "Orchestration": {"TaskHistoryRetentionLimit": 5},
                "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0,
                         "LogEntriesForSlowFollowers": 500, "ElectionTick": 10,
                         "HeartbeatTick": 1},
                "Dispatcher": {"HeartbeatPeriod": 5000000000_u64},
                "CAConfig": {"NodeCertExpiry": 7776000000000000_u64},
                "TaskDefaults": {}, "EncryptionConfig": {"AutoLockManagers": false},
            },
            "TLSInfo": {"TrustRoot": "", "CertIssuerSubject": "", "CertIssuerPublicKey": ""},
            "RootRotationInProgress": false, "DefaultAddrPool": ["10.0.0.0/8"],
            "SubnetSize": 24, "DataPathPort": 4789,
            "JoinTokens": {"Worker": "SWMTKN-1-worker", "Manager": "SWMTKN-1-manager"},
        }),
        ["nodes"] => serde_json::json!([{
            "ID": NODE_ID, "Version": {"Index": 9},
            "CreatedAt": "2024-05-02T09:00:00.000000000Z",
            "UpdatedAt": "2024-05-02T09:00:00.000000000Z",
            "Spec": {"Labels": {}, "Role": "manager", "Availability": "active"},
            "Description": {"Hostname": "fake", "Platform": {"Architecture": "x86_64",
                            "OS": "linux"}, "Engine": {"EngineVersion": "20.10.24"}},
            "Status": {"State": "ready", "Addr": "127.0.0.1"},
            "ManagerStatus": {"Leader": true, "Reachability": "reachable",
                              "Addr": "127.0.0.1:2377"},
        }]),
        ["secrets"] => serde_json::json!([]),
        _ => return None,
    };
    Some(answer)
}
