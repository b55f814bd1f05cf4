//! `--host-root` is a jail: no symlink chain, `..`, `proc` link or special file in a host tree
//! makes bollwerk read, list or report anything outside it, and reads are bounded.
//!
//! Each test builds a hostile fixture tree, runs the real binary against it (no daemon), and
//! looks at everything it wrote. Before the jail, the resolver stopped after 40 links and the
//! kernel followed the rest from the scanner's own root.

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::fixture::HostTree;

const NO_DAEMON: &str = "unix:///nonexistent/bollwerk-test.sock";

/// More links than the kernel (and bollwerk) follow in one resolution.
const TOO_MANY_LINKS: usize = 41;

/// What one run wrote: exit code, standard output and error, and every file in its output
/// folder by name.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    files: Vec<(String, String)>,
}

impl Outcome {
    /// Panics when `marker` is in anything the run wrote.
    fn assert_nowhere(&self, marker: &str) {
        assert!(!self.stdout.contains(marker), "stdout: {}", self.stdout);
        assert!(!self.stderr.contains(marker), "stderr: {}", self.stderr);
        for (name, text) in &self.files {
            assert!(!text.contains(marker), "{name} holds {marker}");
        }
    }

    /// The JSON file `name` the run wrote.
    fn json(&self, name: &str) -> Value {
        let (_, text) = self
            .files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name}: exit {}, {}", self.code, self.stderr));
        serde_json::from_str(text).unwrap()
    }
}

/// Runs bollwerk `args` with extra environment `env`, output in `out`; a run that takes
/// longer than a minute (a read waiting on a FIFO) is killed and fails the test.
fn run(args: &[&str], env: &[(&str, &str)], out: &Path) -> Outcome {
    let stdout = out.join(".stdout");
    let stderr = out.join(".stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bollwerk"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("DOCKER_HOST")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout).unwrap())
        .stderr(fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("run bollwerk");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bollwerk {args:?} still runs after a minute: a read is blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(out).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && entry.file_type().unwrap().is_file() {
            files.push((name, fs::read_to_string(entry.path()).unwrap()));
        }
    }
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: fs::read_to_string(stdout).unwrap(),
        stderr: fs::read_to_string(stderr).unwrap(),
        files,
    }
}

/// `bollwerk collect` of `tree` into `out/snap.json`.
fn collect(tree: &HostTree, out: &Path) -> Outcome {
    let root = tree.root_arg();
    let snap = out.join("snap.json").display().to_string();
    let args = [
        "collect",
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "-q",
        "-o",
        &snap,
    ];
    run(&args, &[], out)
}

/// The collection error recorded for `fact`, or a panic listing them all.
fn error_of(snapshot: &Value, fact: &str) -> String {
    snapshot["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == fact)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {fact}: {:#}", snapshot["errors"]))
        .to_string()
}

/// A token that appears nowhere unless bollwerk read what it must not.
fn marker(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("bollwerk-jail-{what}-{}-{nanos}", std::process::id())
}

#[test]
fn a_link_chain_at_etc_hostname_does_not_put_the_scanners_environment_in_reports() {
    let tree = HostTree::new();
    tree.symlink_chain("etc/hostname", TOO_MANY_LINKS, "/proc/self/environ");
    let secret = marker("env");
    let out = tempfile::tempdir().unwrap();
    let (root, dir) = (tree.root_arg(), out.path().display().to_string());
    let args = [
        "scan",
        "--host-root",
        &root,
        "--docker-host",
        NO_DAEMON,
        "--format",
        "terminal,json,html,xccdf,arf,junit",
        "-o",
        &dir,
    ];
    let outcome = run(&args, &[("BOLLWERK_CI_TOKEN", &secret)], out.path());
    assert_eq!(outcome.files.len(), 5, "{}", outcome.stderr);
    outcome.assert_nowhere(&secret);
    let report = outcome.json("report.json");
    assert_eq!(report["run"]["hostname"], "");
    let error = report["collection_errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fact"] == "host.hostname")
        .unwrap_or_else(|| panic!("{:#}", report["collection_errors"]));
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("cannot read /etc/hostname: ") && message.contains("symbolic links"),
        "{message}"
    );
}

#[test]
fn link_chains_at_daemon_json_and_certs_d_read_nothing_outside_the_root() {
    let outside = tempfile::tempdir().unwrap();
    let secret = marker("file");
    let file = outside.path().join("daemon.json");
    fs::write(&file, format!("{{\"labels\": [\"{secret}\"]}}\n")).unwrap();
    let listed = marker("listed");
    fs::write(outside.path().join(format!("{listed}.crt")), "cert").unwrap();
    let abs_file = file.display().to_string();
    let abs_dir = outside.path().display().to_string();
    // The last hop relative, climbing out with `..` as far as it takes.
    let up = "../".repeat(40);
    for (daemon_json, certs_d) in [
        (abs_file.clone(), abs_dir.clone()),
        (
            format!("{up}{}", abs_file.trim_start_matches('/')),
            format!("{up}{}", abs_dir.trim_start_matches('/')),
        ),
    ] {
        let tree = HostTree::new();
        tree.symlink_chain("etc/docker/daemon.json", TOO_MANY_LINKS, &daemon_json);
        tree.symlink_chain("etc/docker/certs.d", TOO_MANY_LINKS, &certs_d);
        let out = tempfile::tempdir().unwrap();
        let outcome = collect(&tree, out.path());
        outcome.assert_nowhere(&listed);
        outcome.assert_nowhere(&secret);
        let snap = outcome.json("snap.json");
        let error = error_of(&snap, "daemon.settings");
        assert!(
            error.starts_with("cannot read /etc/docker/daemon.json: ")
                && error.contains("symbolic links"),
            "{error}"
        );
        let error = error_of(&snap, "host.trees[\"/etc/docker/certs.d\"]");
        assert!(
            error.starts_with("cannot list /etc/docker/certs.d: ")
                && error.contains("symbolic links"),
            "{error}"
        );
        assert!(snap["host"]["trees"].get("/etc/docker/certs.d").is_none());
    }
}

#[test]
fn a_proc_symlink_does_not_lead_to_the_scanners_proc() {
    for target in ["/proc", "../../../../../../proc"] {
        let tree = HostTree::new();
        // The Docker root named where no flag can change it: its mount is then looked up.
        tree.write(
            "etc/docker/daemon.json",
            "{\"data-root\": \"/var/lib/docker\"}\n",
            0o644,
        );
        fs::remove_dir_all(tree.path("proc")).unwrap();
        std::os::unix::fs::symlink(target, tree.path("proc")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let snap = collect(&tree, out.path()).json("snap.json");
        // Before, /proc/1/net/tcp was read from this machine's own /proc.
        let error = error_of(&snap, "host.listening");
        assert!(
            error.starts_with("cannot read /proc/1/net/tcp: ") && error.contains("symbolic links"),
            "{target}: {error}"
        );
        // Not read: no list at all, not an empty one.
        assert!(snap["host"]["listening"].is_null(), "{}", snap["host"]);
        let error = error_of(&snap, "host.docker_root");
        assert!(error.contains("/proc/1/mountinfo"), "{error}");
        // No dockerd of this machine stands in for the tree's.
        assert!(snap["daemon"]["process"].is_null(), "{}", snap["daemon"]);
        let notes = snap["notes"].to_string();
        assert!(notes.contains("cannot list /proc"), "{notes}");
    }
}

#[test]
fn special_and_oversized_files_are_errors_quickly_and_in_little_memory() {
    use nix::sys::resource::{getrusage, UsageWho};
    let tree = HostTree::new();
    // A FIFO and a socket reached through links (relative and absolute).
    nix::unistd::mkfifo(
        &tree.path("run/fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(tree.path("run/host.sock")).unwrap();
    fs::remove_file(tree.path("etc/group")).unwrap();
    std::os::unix::fs::symlink("../run/fifo", tree.path("etc/group")).unwrap();
    fs::remove_file(tree.path("etc/hostname")).unwrap();
    std::os::unix::fs::symlink("/run/host.sock", tree.path("etc/hostname")).unwrap();
    // A sparse daemon.json far past the limit: no disk space, and no memory unless read.
    fs::remove_file(tree.path("etc/docker/daemon.json")).unwrap();
    let big = fs::File::create(tree.path("etc/docker/daemon.json")).unwrap();
    big.set_len(256 << 20).unwrap();
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let outcome = collect(&tree, out.path());
    let took = started.elapsed();
    // The largest child this test process waited for; reading the file whole took 256 MiB.
    let peak_kib = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss();
    assert!(peak_kib < 128 * 1024, "peak {peak_kib} KiB");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let snap = outcome.json("snap.json");
    assert_eq!(
        error_of(&snap, "daemon.settings"),
        "cannot read /etc/docker/daemon.json: larger than 8 MiB, the most bollwerk reads of a \
         host configuration file: not read"
    );
    // The docker group is not known (daemon.json, which may name it, was not read); the FIFO
    // is refused where /etc/group is read, for the owners' names of the files.
    let group = error_of(&snap, "host.docker_group");
    assert!(
        group.contains("group setting, which is not known"),
        "{group}"
    );
    let errors = snap["errors"].to_string();
    assert!(
        errors.contains("cannot read /etc/group: not a regular file but a FIFO"),
        "{errors}"
    );
    assert_eq!(
        error_of(&snap, "host.hostname"),
        "cannot read /etc/hostname: not a regular file but a socket"
    );
}

#[test]
fn a_daemon_json_key_given_twice_cites_the_line_in_force() {
    let tree = HostTree::new();
    tree.write(
        "etc/docker/daemon.json",
        "{\n  \"icc\": true,\n  \"log-opts\": {\"max-size\": \"10m\"},\n  \"icc\": false\n}\n",
        0o644,
    );
    let out = tempfile::tempdir().unwrap();
    let snap = collect(&tree, out.path()).json("snap.json");
    let icc = &snap["daemon"]["settings"]["icc"];
    assert_eq!(icc["value"], false);
    assert_eq!(icc["source"], "/etc/docker/daemon.json:4");
}

#[test]
fn a_security_module_file_that_cannot_be_read_is_an_error_not_off() {
    // A directory where the module's switch should be: reading fails (not "not there"), so
    // whether AppArmor is on is unknown, and 5.2 must not read "off" from it.
    let tree = HostTree::new();
    fs::create_dir_all(tree.path("sys/module/apparmor/parameters/enabled")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let snap = collect(&tree, out.path()).json("snap.json");
    let error = error_of(&snap, "host.lsm.apparmor");
    assert!(
        error.starts_with("cannot read /sys/module/apparmor/parameters/enabled: "),
        "{error}"
    );
    // Not there at all: off, no error.
    let tree = HostTree::new();
    let snap = collect(&tree, out.path()).json("snap.json");
    assert_eq!(snap["host"]["lsm"]["apparmor"], false);
    assert!(
        !snap["errors"].to_string().contains("host.lsm"),
        "{}",
        snap["errors"]
    );
}
