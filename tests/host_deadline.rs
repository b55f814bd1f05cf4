//! A host file system that stops answering (a hung NFS or FUSE mount under the host root)
//! must not hold a scan for ever, nor let a rule pass on facts never read: at `--deadline`
//! the host's facts become errors and the scan finishes.
//!
//! The hung file system is real: the fixture's `/etc/audit` (or `/etc/docker`, or the cgroup
//! file system) is a FUSE mount (`bindfs`) whose daemon is stopped with SIGSTOP, so every
//! access to it waits in the kernel for an answer that does not come, as on a network mount
//! whose server is gone.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

/// A bindfs mount of `source` at `at`, run in the foreground so that its process is ours to
/// stop and continue; unmounted when dropped.
struct FuseMount {
    child: Child,
    at: PathBuf,
}

impl FuseMount {
    /// Mounts, or says why it cannot on this machine; `options` go to bindfs.
    fn new(source: &Path, at: &Path, options: &[&str]) -> Result<FuseMount, String> {
        if !Path::new("/dev/fuse").exists() {
            return Err("/dev/fuse is missing: this machine cannot mount FUSE file systems".into());
        }
        let child = Command::new("bindfs")
            .arg("-f")
            .args(options)
            .arg(source)
            .arg(at)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!("cannot run bindfs ({e}): run scripts/test.sh, which installs it")
            })?;
        let mut mount = FuseMount {
            child,
            at: at.to_path_buf(),
        };
        let waited = Instant::now();
        while !mount.mounted() {
            if let Ok(Some(status)) = mount.child.try_wait() {
                return Err(format!(
                    "bindfs ended ({status}) without mounting {}",
                    at.display()
                ));
            }
            if waited.elapsed() > Duration::from_secs(20) {
                return Err(format!("bindfs did not mount {} in 20 s", at.display()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(mount)
    }

    fn mounted(&self) -> bool {
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let at = self.at.to_string_lossy();
        mounts.lines().any(|l| l.split(' ').nth(4) == Some(&*at))
    }

    fn signal(&self, signal: &str) -> bool {
        Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for FuseMount {
    fn drop(&mut self) {
        // No assertion here: a panic while unwinding would abort and leave the mount hung.
        self.signal("CONT");
        let _ = Command::new("fusermount3").arg("-u").arg(&self.at).status();
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The deadline of scans that meet a stopped mount: short, so that the tests end soon.
const STUCK: &str = "2";

/// The deadline of scans that meet none: long enough for a loaded machine.
const ANSWERING: &str = "10";

/// A folder holding only `file` (with `text`), mounted with bindfs at the tree's folder `rel`;
/// the folder is kept alive beside the mount. `None`, after saying why, where this machine
/// cannot mount FUSE file systems.
fn mounted_file(
    tree: &HostTree,
    rel: &str,
    file: &str,
    text: &str,
) -> Option<(tempfile::TempDir, FuseMount)> {
    let source = tempfile::tempdir().expect("tempdir");
    std::fs::write(source.path().join(file), text).expect("write the mounted file");
    std::fs::create_dir_all(tree.path(rel)).expect("mkdir the mount point");
    match FuseMount::new(source.path(), &tree.path(rel), &[]) {
        Ok(mount) => Some((source, mount)),
        Err(why) => {
            eprintln!("SKIP: {why}");
            None
        }
    }
}

/// `bollwerk scan` of `tree` without a daemon, with `deadline` (seconds), killed (and the test
/// failed) if it is still running after 30 s: the deadline and its 5 s of grace, with ample
/// room for a slow machine (this bounds a hang, it does not time the scan).
fn scan(tree: &HostTree, deadline: &str, out: &Path) -> Value {
    scan_of(tree, NO_DAEMON, deadline, out)
}

/// [`scan`] with the daemon at `docker_host`.
fn scan_of(tree: &HostTree, docker_host: &str, deadline: &str, out: &Path) -> Value {
    let mut child = support::scan::command(&[
        "scan",
        "--host-root",
        &tree.root_arg(),
        "--docker-host",
        docker_host,
        "--timeout",
        "1",
        "--deadline",
        deadline,
        "--format",
        "json",
        "-q",
    ])
    .arg("-o")
    .arg(out)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("run bollwerk");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait for bollwerk").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "bollwerk scan was still running 30 s after it started, with --deadline {deadline}"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(out.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is JSON")
}

fn result<'r>(report: &'r Value, id: &str) -> &'r Value {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

#[test]
fn a_host_file_system_that_stops_answering_ends_in_errors_at_the_deadline() {
    let tree = HostTree::new();
    let audit = "-w /usr/bin/dockerd -k docker\n";
    let Some((_source, mount)) = mounted_file(&tree, "etc/audit", "audit.rules", audit) else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");

    // Answering, the audit rules are read: dockerd has a persistent watch (the fixture root's
    // loaded rules are not read, so a person checks them: notchecked, not error).
    let answering = scan(&tree, ANSWERING, &out.path().join("answering"));
    assert_eq!(
        result(&answering, "1.1.3")["status"],
        "notchecked",
        "{:#}",
        result(&answering, "1.1.3")
    );

    // Stopped, every access to /etc/audit waits for ever.
    assert!(mount.signal("STOP"), "kill -STOP bindfs");
    let stuck = scan(&tree, STUCK, &out.path().join("stuck"));
    let rule = result(&stuck, "1.1.3");
    assert_eq!(rule["status"], "error", "{rule:#}");
    let message = rule["message"].as_str().unwrap_or_default();
    assert!(message.contains("--deadline"), "{message}");
    // No host rule passes or is found not to apply on facts never read.
    for r in stuck["results"].as_array().expect("results") {
        if r["scope"] == "host" {
            assert!(
                r["status"] == "error" || r["status"] == "notchecked",
                "{} is {} though the host was not read",
                r["id"],
                r["status"]
            );
        }
    }
    drop(mount);
}

/// daemon.json is read before the rest of the host (its settings locate files the rules
/// check): on a mount that stops answering it must not hold the scan either, nor let a rule on
/// the daemon's settings or on the file's owner and mode pass. The daemon (a private one) is
/// asked meanwhile.
#[test]
fn a_daemon_json_that_stops_answering_ends_in_errors_at_the_deadline() {
    let d = PrivateDaemon::start(json!({}));
    let tree = HostTree::new();
    std::fs::remove_file(tree.path("etc/docker/daemon.json")).expect("rm daemon.json");
    // icc is named in the file: with no dockerd in the tree's /proc (its flags unknown) and no
    // default bridge to report it (the private daemon runs with "bridge": "none"), only the
    // file tells it.
    let Some((_source, mount)) =
        mounted_file(&tree, "etc/docker", "daemon.json", "{\"icc\": true}\n")
    else {
        return;
    };
    let out = tempfile::tempdir().expect("tempdir");

    // Answering, daemon.json is read: root owns it and only root writes it; it leaves
    // inter-container communication on (no dockerd in the tree's /proc: its settings are the
    // file's and docker info's).
    let answering = scan_of(
        &tree,
        &d.socket_url(),
        ANSWERING,
        &out.path().join("answering"),
    );
    for id in ["3.17", "3.18"] {
        let rule = result(&answering, id);
        assert_eq!(rule["status"], "pass", "{rule:#}");
    }
    // The daemon lists no default bridge ("bridge": "none"): nothing for icc to act on,
    // whatever dockerd's unread flags say.
    let icc = result(&answering, "2.2");
    assert_eq!(icc["status"], "notapplicable", "{icc:#}");

    // Stopped, reading daemon.json waits for ever.
    assert!(mount.signal("STOP"), "kill -STOP bindfs");
    let stuck = scan_of(&tree, &d.socket_url(), STUCK, &out.path().join("stuck"));
    // The daemon answered: its own facts are there.
    let swarm = result(&stuck, "7.1");
    assert_ne!(swarm["status"], "error", "{swarm:#}");
    // The daemon's networks say there is no default bridge: 2.2 does not apply, stuck
    // daemon.json or not.
    let icc = result(&stuck, "2.2");
    assert_eq!(icc["status"], "notapplicable", "{icc:#}");
    for id in ["3.17", "3.18"] {
        let rule = result(&stuck, id);
        assert_eq!(rule["status"], "error", "{rule:#}");
        let message = rule["message"].as_str().unwrap_or_default();
        assert!(message.contains("--deadline"), "{id}: {message}");
    }
    drop(mount);
}

/// A bind mount (the real /proc in a fixture tree), unmounted when dropped.
struct BindMount(PathBuf);

impl BindMount {
    /// Mounts, or says why it cannot on this machine (as [`FuseMount::new`]).
    fn new(source: &str, at: &Path) -> Result<BindMount, String> {
        let ok = Command::new("mount")
            .arg("--bind")
            .arg(source)
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!(
                "mount --bind {source} {} failed: the test needs root",
                at.display()
            ));
        }
        Ok(BindMount(at.to_path_buf()))
    }
}

impl Drop for BindMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Each running container's `/proc` and cgroup files are read while the daemon answers: a
/// cgroup file system that stops answering makes that container's runtime facts errors at the
/// deadline (its namespaces are not passed on a read that never ended), and the scan ends.
#[test]
fn a_container_whose_cgroup_files_stop_answering_is_an_error_at_the_deadline() {
    let d = PrivateDaemon::start(json!({}));
    d.import_busybox();
    d.run_sleeping("web", &["--network", "none"]);
    // The tree's /proc is this machine's, its cgroup file system a FUSE mount of this one's.
    let tree = HostTree::new();
    std::fs::remove_dir_all(tree.path("proc")).expect("rm the tree's proc");
    std::fs::create_dir_all(tree.path("proc")).expect("mkdir proc");
    std::fs::create_dir_all(tree.path("sys/fs/cgroup")).expect("mkdir sys/fs/cgroup");
    let _proc = match BindMount::new("/proc", &tree.path("proc")) {
        Ok(m) => m,
        Err(why) => {
            eprintln!("SKIP: {why}");
            return;
        }
    };
    // direct_io: cgroup files say they are empty until read.
    let cgroups = Path::new("/sys/fs/cgroup");
    let mount = match FuseMount::new(cgroups, &tree.path("sys/fs/cgroup"), &["-o", "direct_io"]) {
        Ok(m) => m,
        Err(why) => {
            eprintln!("SKIP: {why}");
            return;
        }
    };
    let out = tempfile::tempdir().expect("tempdir");
    let instance = |report: &Value| -> Value {
        let rule = result(report, "BW-NS-PID");
        rule["instances"]
            .as_array()
            .and_then(|all| all.iter().find(|i| i["name"] == "web"))
            .cloned()
            .unwrap_or_else(|| panic!("no instance web in {rule:#}"))
    };

    // Answering, the container's namespaces are read: it has its own pid namespace.
    let answering = scan_of(
        &tree,
        &d.socket_url(),
        ANSWERING,
        &out.path().join("answering"),
    );
    let web = instance(&answering);
    assert_eq!(web["status"], "pass", "{web:#}");

    // Stopped, reading the container's cgroup files waits for ever.
    assert!(mount.signal("STOP"), "kill -STOP bindfs");
    let stuck = scan_of(&tree, &d.socket_url(), STUCK, &out.path().join("stuck"));
    let web = instance(&stuck);
    assert_eq!(web["status"], "error", "{web:#}");
    let message = web["message"].as_str().unwrap_or_default();
    assert!(message.contains("--deadline"), "{message}");
    drop(mount);
}
