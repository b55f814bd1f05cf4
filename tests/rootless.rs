//! Rootless Docker for real: Debian's dockerd-rootless.sh (rootlesskit, host network since
//! this machine gives ordinary users no /dev/net/tun for slirp4netns) run by an ordinary user
//! created for the test, with its runtime dir and home in temp folders. bollwerk, run as that
//! user with no DOCKER_HOST, finds the socket under $XDG_RUNTIME_DIR, reads the user's
//! ~/.config/docker/daemon.json, records rootless and passes 2.1.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const USER: &str = "bollwerk-rootless";
const SETUP: &str = "/usr/share/docker.io/contrib/dockerd-rootless.sh";
const PATH: &str =
    "/usr/share/docker.io/contrib:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The test user's uid and gid, creating the user (with subordinate ids) when absent.
fn test_user() -> (u32, u32) {
    // The tests of this file run on threads of one process: two that both found no user both
    // ran useradd, and on a fresh machine one of them lost the user another had just made
    // (rootlesskit then met "unknown userid"). One at a time.
    static MADE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = MADE.lock().unwrap_or_else(|p| p.into_inner());
    let lookup = || nix::unistd::User::from_name(USER).ok().flatten();
    if lookup().is_none() {
        let ok = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .status()
            .expect("run useradd");
        assert!(ok.success(), "useradd {USER} failed");
    }
    for file in ["/etc/subuid", "/etc/subgid"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if !text.lines().any(|l| l.starts_with(&format!("{USER}:"))) {
            let line = format!("{USER}:400000:65536\n");
            std::fs::write(file, text + &line).expect("add subordinate ids");
        }
    }
    let u = lookup().expect("test user exists");
    (u.uid.as_raw(), u.gid.as_raw())
}

/// A rootless dockerd; stopped (rootlesskit and everything under it) on drop.
struct RootlessDaemon {
    child: Child,
}

impl Drop for RootlessDaemon {
    fn drop(&mut self) {
        // `kill -- -PGID` signals the whole group: rootlesskit, its child, dockerd.
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill").args([sig, "--", &group]).status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        signal("-KILL");
        let _ = self.child.wait();
    }
}

fn owned_dir(path: &Path, uid: u32, gid: u32) -> PathBuf {
    std::fs::create_dir_all(path).unwrap();
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).unwrap();
    path.to_path_buf()
}

fn as_user(cmd: &mut Command, uid: u32, gid: u32, runtime: &Path, home: &Path) {
    cmd.uid(uid)
        .gid(gid)
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", runtime)
        .env("NO_COLOR", "1");
}

/// Starts Debian's dockerd-rootless.sh as the test user under `base`, with `extra` environment
/// (`DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS`, …) and a daemon.json of `log-level` warn, and waits
/// for its socket: the daemon, its runtime dir, home and socket.
fn start_rootless(
    base: &Path,
    uid: u32,
    gid: u32,
    extra: &[(&str, &str)],
) -> (RootlessDaemon, PathBuf, PathBuf, PathBuf) {
    assert!(
        Path::new(SETUP).is_file(),
        "{SETUP} missing: docker.io ships it"
    );
    assert!(
        Path::new("/usr/bin/rootlesskit").is_file(),
        "rootlesskit missing: run scripts/test.sh, which installs it"
    );
    std::fs::set_permissions(base, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runtime = owned_dir(&base.join("run"), uid, gid);
    let home = owned_dir(&base.join("home"), uid, gid);
    let config_dir = owned_dir(&home.join(".config/docker"), uid, gid);
    let config = config_dir.join("daemon.json");
    std::fs::write(&config, "{\n  \"log-level\": \"warn\"\n}\n").unwrap();
    std::os::unix::fs::chown(&config, Some(uid), Some(gid)).unwrap();
    let data = owned_dir(&base.join("data"), uid, gid);

    let mut cmd = Command::new(SETUP);
    as_user(&mut cmd, uid, gid, &runtime, &home);
    cmd.env("DOCKERD_ROOTLESS_ROOTLESSKIT_NET", "host")
        .env("DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER", "none")
        .envs(extra.iter().copied())
        .arg("--data-root")
        .arg(data.join("root"))
        .arg("--exec-root")
        .arg(data.join("exec"))
        .arg("--pidfile")
        .arg(data.join("pid"))
        .args(["--bridge", "none", "--iptables=false"])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(base.join("log")).unwrap());
    let daemon = RootlessDaemon {
        child: cmd.spawn().expect("start dockerd-rootless.sh"),
    };
    let socket = runtime.join("docker.sock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        let log = std::fs::read_to_string(base.join("log")).unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "rootless dockerd did not come up in 60 s:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    (daemon, runtime, home, socket)
}

#[test]
fn rootless_docker_is_found_and_judged_by_its_own_daemon_json() {
    let (uid, gid) = test_user();
    let base = tempfile::Builder::new()
        .prefix("bollwerk-rootless-")
        .tempdir()
        .unwrap();
    let (daemon, runtime, home, socket) = start_rootless(base.path(), uid, gid, &[]);
    let config = home.join(".config/docker/daemon.json");

    // bollwerk as the daemon's user, as that user would run it: no DOCKER_HOST, no flag.
    let out = owned_dir(&base.path().join("out"), uid, gid);
    let snap = out.join("snap.json");
    let mut collect = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    as_user(&mut collect, uid, gid, &runtime, &home);
    let o = collect
        .args(["collect", "-q", "-o"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "collect: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    assert_eq!(s["docker_host"], format!("unix://{}", socket.display()));
    let d = &s["daemon"];
    assert_eq!(d["server"]["rootless"], true, "{}", d["server"]);
    assert_eq!(d["process"]["uid"], uid);
    assert_eq!(d["config_file"], config.display().to_string());
    assert_eq!(d["settings"]["log-level"]["value"], "warn");
    assert_eq!(
        d["settings"]["log-level"]["source"],
        format!("{}:2", config.display())
    );

    let mut scan = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
    as_user(&mut scan, uid, gid, &runtime, &home);
    let o = scan
        .args([
            "scan",
            "--include",
            "2.1,2.3",
            "--format",
            "terminal,json",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("(rootless) at unix://"), "{stdout}");
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let status = |id: &str| {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .map(|x| x["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("2.1"), "pass");
    // The rootless daemon.json sets log-level warn: 2.3 judges that file, not /etc/docker.
    assert_eq!(status("2.3"), "fail");
    drop(daemon);
}

/// The host pid of the process that is pid 1 of a pid namespace whose parent numbers it
/// `theirs` (`NSpid: HOST … THEIRS 1`).
fn host_pid_of(theirs: u32) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let here: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let status = std::fs::read_to_string(format!("/proc/{here}/status")).ok()?;
        let pids: Vec<&str> = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))?
            .split_whitespace()
            .collect();
        let n = pids.len();
        (n >= 3 && pids[n - 1] == "1" && pids[n - 2] == theirs.to_string()).then_some(here)
    })
}

#[test]
fn a_rootless_daemon_in_a_pid_namespace_of_its_own_has_its_pids_translated() {
    // rootlesskit --pidns: dockerd numbers its containers' processes in its own pid namespace,
    // and this host's process of that number is another one, or none.
    let (uid, gid) = test_user();
    let base = tempfile::Builder::new()
        .prefix("bollwerk-rootless-pidns-")
        .tempdir()
        .unwrap();
    let flags = [("DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS", "--pidns")];
    let (daemon, _runtime, _home, socket) = start_rootless(base.path(), uid, gid, &flags);
    let host = format!("unix://{}", socket.display());
    let docker = |args: &[&str]| {
        let o = Command::new(support::dockerd::DOCKER_CLI)
            .arg("-H")
            .arg(&host)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let rootfs = base.path().join("rootfs");
    support::dockerd::build_busybox_rootfs(&rootfs);
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(&rootfs)
        .args(["--numeric-owner", "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let imported = Command::new(support::dockerd::DOCKER_CLI)
        .arg("-H")
        .arg(&host)
        .args(["import", "-", "local/busybox:pidns"])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(tar.wait().unwrap().success(), "tar");
    assert!(imported.status.success(), "{imported:?}");
    docker(&[
        "run",
        "-d",
        "--name",
        "pidns-sleeper",
        "local/busybox:pidns",
        "sleep",
        "3600",
    ]);
    let theirs: u32 = docker(&["inspect", "-f", "{{.State.Pid}}", "pidns-sleeper"])
        .parse()
        .unwrap();
    let here = host_pid_of(theirs).expect("the container's process on this host");
    assert_ne!(
        here, theirs,
        "the daemon's pid namespace numbers it otherwise"
    );

    // bollwerk as root, as an auditor runs it against the user's daemon.
    let snap_file = base.path().join("snap.json");
    let o = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(["collect", "-q", "--docker-host", &host, "-o"])
        .arg(&snap_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&snap_file).unwrap()).unwrap();
    let c = s["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pidns-sleeper")
        .expect("the container");
    assert!(
        c["errors"].is_null() || c["errors"] == serde_json::json!({}),
        "{}",
        c["errors"]
    );
    let runtime = &c["runtime"];
    assert_eq!(runtime["pid"], here, "{runtime}");
    let own_ns = std::fs::read_link(format!("/proc/{here}/ns/net")).unwrap();
    let own_ns = own_ns.to_string_lossy();
    let inode = runtime["namespaces"]["net"]["inode"].as_u64().unwrap();
    assert!(own_ns.contains(&inode.to_string()), "{own_ns} vs {runtime}");
    assert_eq!(runtime["namespaces"]["pid"]["shared_with_host"], false);
    // Its processes are its own: the sleep, not every process of its user's cgroup.
    let processes = c["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 1, "{processes:?}");
    assert_eq!(processes[0]["PID"], here.to_string());
    assert!(processes[0]["ARGS"]
        .as_str()
        .unwrap()
        .contains("sleep 3600"));
    drop(daemon);
}
