//! Private, throwaway `dockerd` instances for integration tests.
//!
//! [`PrivateDaemon`] starts a `dockerd` whose data root, exec root, pid file,
//! socket and log all live under one short directory `/tmp/bwt-<pid>-<n>`
//! (`D` below), so tests never talk to (or disturb) the system daemon:
//!
//! ```text
//! D/daemon.json   the scenario's daemon configuration (plus "bridge": "none")
//! D/data          --data-root
//! D/exec          --exec-root (kept short: containerd shim sockets live here)
//! D/pid           --pidfile
//! D/docker.sock   -H unix://D/docker.sock
//! D/dockerd.log   dockerd's stdout and stderr
//! ```
//!
//! Dropping the daemon (also while a test panics) removes all containers,
//! leaves any swarm, stops `dockerd`, kills left-over containerd processes,
//! unmounts everything under `D` and deletes `D`.
//!
//! The helpers need root, `dockerd` on `PATH`, the docker.io CLI at
//! [`DOCKER_CLI`] and a static busybox at [`BUSYBOX_BIN`]. When any of them is
//! missing they panic instead of skipping, so a misconfigured machine makes
//! the tests fail loudly.

use std::fs;
use std::io::Read;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The Docker CLI every helper runs. Always this absolute path: the docker.io
/// 20.10 client matches the daemon, while `/usr/local/bin/docker` (first on
/// `PATH` on some machines) is a newer client.
pub const DOCKER_CLI: &str = "/usr/bin/docker";

/// The static busybox binary copied into the test image.
pub const BUSYBOX_BIN: &str = "/bin/busybox";

/// Tag of the image that [`PrivateDaemon::import_busybox`] imports.
pub const BUSYBOX_IMAGE: &str = "local/busybox:test";

/// The default command of imported test images (`--change` instruction).
pub const BUSYBOX_DEFAULT_CMD: &str = r#"CMD ["sleep","3600"]"#;

/// Panic message (prefix) used when the test tooling is not installed.
const MISSING_TOOLING: &str =
    "dockerd not found: run scripts/test.sh, which installs docker.io, busybox-static and openscap";

/// How long [`PrivateDaemon::start_with`] waits for the socket to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `Drop` waits for dockerd to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long [`PrivateDaemon::wait_running`] polls.
const RUNNING_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound for a single docker CLI call made by a test.
const CLI_TIMEOUT: Duration = Duration::from_secs(300);
/// Upper bound for the docker CLI calls made while cleaning up or probing.
const SHORT_CLI_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of `dockerd.log` shown when the daemon fails to start.
const LOG_TAIL_LINES: usize = 30;

/// Distinguishes the daemons started by one test process.
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A private `dockerd` living entirely under its own directory `D`
/// (`/tmp/bwt-<pid>-<n>`); stopped and cleaned up on drop.
#[derive(Debug)]
pub struct PrivateDaemon {
    /// The base directory `D`.
    dir: PathBuf,
    /// The dockerd child process (reaped in `Drop`).
    child: Option<Child>,
    /// The flags it was started with beside the harness's own, for [`PrivateDaemon::restart`].
    extra_args: Vec<String>,
}

impl PrivateDaemon {
    /// Starts a private daemon configured with `daemon_json` (a JSON object
    /// written to `D/daemon.json`; `"bridge": "none"` is added unless the
    /// object sets `bridge`). Blocks until the socket answers.
    ///
    /// Panics if the tooling is missing, the daemon exits early or does not
    /// answer within 60 s (the panic shows the end of `dockerd.log`).
    pub fn start(daemon_json: Value) -> Self {
        Self::start_with(daemon_json, |_| {})
    }

    /// Like [`PrivateDaemon::start`], but runs `setup(D)` after `D` and
    /// `D/daemon.json` exist and before `dockerd` starts, e.g. to
    /// [`mount_tmpfs`] at `D/data` so the data root is its own file system.
    /// Mounts made under `D` are removed on drop.
    ///
    /// Do not set `data-root`, `exec-root`, `pidfile` or `hosts` in
    /// `daemon_json`: they are passed as flags and dockerd refuses to start
    /// when a flag and the file set the same option.
    pub fn start_with(daemon_json: Value, setup: impl FnOnce(&Path)) -> Self {
        Self::start_with_args(daemon_json, &[], setup)
    }

    /// Spawns dockerd for this directory and waits until it answers. Starts are serialised
    /// across processes: dockerd rewrites the host's shared iptables chains at start-up, and
    /// two daemons doing so at once can fail ("No chain/target/match by that name"); such a
    /// failure is retried once.
    fn launch(&mut self, dockerd: &Path, extra_args: &[&str]) {
        let _lock = start_lock();
        for attempt in 0..2 {
            let log_path = self.log_path();
            let log = fs::File::create(&log_path)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
            let log_err = log.try_clone().expect("cloning the dockerd.log handle");
            let d = &self.dir;
            let child = Command::new(dockerd)
                .arg("--config-file")
                .arg(d.join("daemon.json"))
                .arg("--data-root")
                .arg(d.join("data"))
                .arg("--exec-root")
                .arg(d.join("exec"))
                .arg("--pidfile")
                .arg(d.join("pid"))
                .arg("-H")
                .arg(self.socket_url())
                .args(extra_args)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log_err)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", dockerd.display()));
            self.child = Some(child);
            match self.wait_ready() {
                Ok(()) => return,
                Err(msg) if attempt == 0 && msg.contains("iptables") => {
                    eprintln!(
                        "bollwerk test harness: dockerd start raced on iptables, retrying once"
                    );
                    self.child = None;
                    let _ = fs::remove_file(self.dir.join("pid"));
                }
                Err(msg) => panic!("{msg}"),
            }
        }
    }

    /// Polls `docker version` until the daemon answers; panics with the end
    /// of `dockerd.log` if dockerd exits or the start times out.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!(
                        "private dockerd in {} exited during start-up ({status}); last {LOG_TAIL_LINES} lines of {}:\n{}",
                        self.dir.display(),
                        self.log_path().display(),
                        self.log_tail(LOG_TAIL_LINES)
                    ));
                }
            }
            if self.socket_path().exists()
                && self
                    .try_docker_timeout(&["version"], SHORT_CLI_TIMEOUT)
                    .is_ok()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "private dockerd in {} did not answer on {} within {} s; last {LOG_TAIL_LINES} lines of {}:\n{}",
                    self.dir.display(),
                    self.socket_url(),
                    START_TIMEOUT.as_secs(),
                    self.log_path().display(),
                    self.log_tail(LOG_TAIL_LINES)
                ));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops dockerd and starts it again on the same directory, configuration and flags, as
    /// a restart of the service would: its containers and swarm state stay.
    pub fn restart(&mut self) {
        self.stop_dockerd();
        self.kill_leftovers();
        let args = self.extra_args.clone();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.launch(&require_tooling(), &args);
    }

    /// The daemon's base directory `D`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `D/data`, the daemon's `--data-root`.
    pub fn data_root(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `D/exec`, the daemon's `--exec-root`.
    pub fn exec_root(&self) -> PathBuf {
        self.dir.join("exec")
    }

    /// `D/daemon.json`, the configuration file passed with `--config-file`.
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("daemon.json")
    }

    /// `D/docker.sock`, the daemon's API socket.
    pub fn socket_path(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    /// The API endpoint, e.g. `unix:///tmp/bwt-123-0/docker.sock`.
    pub fn socket_url(&self) -> String {
        format!("unix://{}", self.socket_path().display())
    }

    /// `D/dockerd.log`, which receives dockerd's stdout and stderr.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("dockerd.log")
    }

    /// The last `lines` lines of `dockerd.log` (empty if it cannot be read).
    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The dockerd pid, read from `D/pid`. Panics if the pid file is missing
    /// or malformed.
    pub fn pid(&self) -> u32 {
        read_pidfile(&self.dir.join("pid")).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `/usr/bin/docker -H unix://D/docker.sock <args>` and returns its
    /// trimmed stdout; panics with the command line and stderr on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        self.try_docker(args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`PrivateDaemon::docker`], but returns `Err` (command line,
    /// exit status and stderr) instead of panicking on failure.
    pub fn try_docker(&self, args: &[&str]) -> Result<String, String> {
        self.try_docker_timeout(args, CLI_TIMEOUT)
    }

    /// Runs the docker CLI against this daemon, giving up after `timeout`.
    fn try_docker_timeout(&self, args: &[&str], timeout: Duration) -> Result<String, String> {
        let mut cmd = self.docker_command(args);
        cmd.stdin(Stdio::null());
        let described = format!("`{DOCKER_CLI} -H {} {}`", self.socket_url(), args.join(" "));
        match run_with_timeout(cmd, timeout) {
            Ok((status, stdout, _)) if status.success() => Ok(stdout.trim().to_string()),
            Ok((status, stdout, stderr)) => Err(format!(
                "{described} failed ({status}):\nstderr: {}\nstdout: {}",
                stderr.trim(),
                stdout.trim()
            )),
            Err(e) => Err(format!("{described}: {e}")),
        }
    }

    /// A `Command` for the docker CLI pointed at this daemon.
    fn docker_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(DOCKER_CLI);
        cmd.arg("-H").arg(self.socket_url()).args(args);
        cmd
    }

    /// Imports the busybox test image as [`BUSYBOX_IMAGE`]
    /// (`local/busybox:test`, default command `sleep 3600`) unless this
    /// daemon already has it, and returns the tag.
    pub fn import_busybox(&self) -> &'static str {
        self.import_busybox_as(BUSYBOX_IMAGE, &[]);
        BUSYBOX_IMAGE
    }

    /// Imports the busybox test image as `tag`, applying
    /// [`BUSYBOX_DEFAULT_CMD`] and then each of `changes` as a Dockerfile
    /// `--change` instruction (e.g. `"USER nobody"`). Does nothing if `tag`
    /// already exists on this daemon.
    ///
    /// The image contains `/bin/busybox` with `sh`, `sleep`, `true`, `cat`,
    /// `echo`, `id` and `ls` linked to it, `/etc/passwd` and `/etc/group`
    /// with `root` and `nobody` (uid/gid 65534), and an empty `/tmp`.
    pub fn import_busybox_as(&self, tag: &str, changes: &[&str]) {
        if self
            .try_docker(&["image", "inspect", "--format", "{{.Id}}", tag])
            .is_ok()
        {
            return;
        }
        let rootfs = tempfile::Builder::new()
            .prefix("rootfs-")
            .tempdir_in(&self.dir)
            .expect("creating a rootfs directory under the daemon dir");
        build_busybox_rootfs(rootfs.path());

        let mut tar = Command::new("tar")
            .arg("-C")
            .arg(rootfs.path())
            .args(["--numeric-owner", "-c", "."])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn tar: {e}"));
        let tar_out = tar.stdout.take().expect("tar stdout is piped");

        let mut args = vec!["import", "--change", BUSYBOX_DEFAULT_CMD];
        for change in changes {
            args.push("--change");
            args.push(change);
        }
        args.extend(["-", tag]);
        let mut cmd = self.docker_command(&args);
        cmd.stdin(Stdio::from(tar_out));
        let result = run_with_timeout(cmd, CLI_TIMEOUT);
        let tar_status = tar.wait().expect("waiting for tar");
        match result {
            Ok((status, _, _)) if status.success() && tar_status.success() => {}
            Ok((status, _, stderr)) => panic!(
                "importing {tag} into {} failed (docker import: {status}, tar: {tar_status}): {}",
                self.socket_url(),
                stderr.trim()
            ),
            Err(e) => panic!("importing {tag} into {}: {e}", self.socket_url()),
        }
    }

    /// `docker run -d --name NAME ARGS… local/busybox:test sleep 3600`, waiting until the
    /// container runs: the long-lived container most tests need. Returns its id.
    pub fn run_sleeping(&self, name: &str, args: &[&str]) -> String {
        let mut all = vec!["run", "-d", "--name", name];
        all.extend_from_slice(args);
        all.extend_from_slice(&[BUSYBOX_IMAGE, "sleep", "3600"]);
        let id = self.docker(&all);
        self.wait_running(name);
        id
    }

    /// Polls `docker inspect -f {{.State.Running}} <name>` until it reports
    /// `true`; panics with the container state after 10 s.
    pub fn wait_running(&self, name: &str) {
        let deadline = Instant::now() + RUNNING_TIMEOUT;
        loop {
            if let Ok(out) = self.try_docker(&["inspect", "-f", "{{.State.Running}}", name]) {
                if out == "true" {
                    return;
                }
            }
            if Instant::now() >= deadline {
                let state = self
                    .try_docker(&["inspect", "-f", "{{json .State}}", name])
                    .unwrap_or_else(|e| e);
                panic!(
                    "container {name} on {} not running after {} s; state: {state}",
                    self.socket_url(),
                    RUNNING_TIMEOUT.as_secs()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Removes containers and swarm state, while the daemon still answers.
    fn remove_workload(&self) {
        if !self.socket_path().exists() {
            return;
        }
        if let Ok(ids) = self.try_docker_timeout(&["ps", "-aq"], SHORT_CLI_TIMEOUT) {
            let ids: Vec<&str> = ids.split_whitespace().collect();
            if !ids.is_empty() {
                let mut args = vec!["rm", "-f"];
                args.extend(ids);
                if let Err(e) = self.try_docker_timeout(&args, Duration::from_secs(60)) {
                    eprintln!("bollwerk test harness: {e}");
                }
            }
        }
        let _ = self.try_docker_timeout(&["swarm", "leave", "--force"], SHORT_CLI_TIMEOUT);
        // A user-defined network's bridge (br-…) outlives its daemon: left behind, such
        // bridges hold address pools until new networks find none free.
        let _ = self.try_docker_timeout(&["network", "prune", "-f"], SHORT_CLI_TIMEOUT);
    }

    /// Sends SIGTERM to dockerd, waits up to 20 s, then SIGKILLs it; reaps
    /// the child.
    fn stop_dockerd(&mut self) {
        let child_pid = self.child.as_ref().map(Child::id);
        let pid = read_pidfile(&self.dir.join("pid")).ok().or(child_pid);
        let Some(pid) = pid else { return };

        let exited = |child: &mut Option<Child>| match child {
            Some(c) if c.id() == pid => matches!(c.try_wait(), Ok(Some(_)) | Err(_)),
            _ => !pid_alive(pid),
        };

        if !exited(&mut self.child) {
            send_signal(pid, "TERM");
            let deadline = Instant::now() + STOP_TIMEOUT;
            while !exited(&mut self.child) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(100));
            }
            if !exited(&mut self.child) {
                eprintln!(
                    "bollwerk test harness: dockerd {pid} ({}) ignored SIGTERM for {} s, sending SIGKILL",
                    self.dir.display(),
                    STOP_TIMEOUT.as_secs()
                );
                send_signal(pid, "KILL");
                let deadline = Instant::now() + Duration::from_secs(5);
                while !exited(&mut self.child) && Instant::now() < deadline {
                    thread::sleep(Duration::from_millis(50));
                }
            }
        }
        // Make sure our own child (normally the same process) is gone and reaped.
        if let Some(mut child) = self.child.take() {
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Kills containerd and shims that still refer to `D/exec`.
    fn kill_leftovers(&self) {
        let needle = format!("{}/", self.exec_root().display());
        // containerd and its shims normally exit together with dockerd; give
        // stragglers a moment before killing them.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut left = processes_mentioning(&needle);
        while !left.is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(100));
            left = processes_mentioning(&needle);
        }
        if left.is_empty() {
            return;
        }
        eprintln!(
            "bollwerk test harness: killing processes left behind by dockerd in {}: {left:?}",
            self.dir.display()
        );
        for pid in &left {
            send_signal(*pid, "KILL");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !processes_mentioning(&needle).is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PrivateDaemon {
    /// Removes containers, leaves any swarm, removes its networks, stops dockerd, kills left-over
    /// containerd processes, unmounts everything under `D` and deletes `D`.
    /// Never panics (it also runs while a test is unwinding).
    fn drop(&mut self) {
        self.remove_workload();
        self.stop_dockerd();
        self.kill_leftovers();
        unmount_under(&self.dir);
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!(
                    "bollwerk test harness: cannot remove {}: {e}",
                    self.dir.display()
                );
            }
        }
    }
}

/// Mounts a fresh tmpfs (mode 0755) at `path`, creating the directory first.
/// Use it from the `setup` of [`PrivateDaemon::start_with`] to give a daemon
/// a data root on its own file system; mounts under the daemon directory are
/// unmounted when the daemon is dropped. Panics if `mount` fails.
pub fn mount_tmpfs(path: &Path) {
    fs::create_dir_all(path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
    let path = path.to_str().expect("a UTF-8 path");
    host("mount", &["-t", "tmpfs", "-o", "mode=0755", "tmpfs", path]);
}

/// Checks that the tests can start private daemons: running as root, with
/// `dockerd` on `PATH` and the docker.io CLI at [`DOCKER_CLI`]. Returns the
/// path of `dockerd`; panics (never skips) otherwise.
pub fn require_tooling() -> PathBuf {
    let dockerd = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("dockerd"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or(None)
        .unwrap_or_else(|| panic!("{MISSING_TOOLING}"));
    if !Path::new(DOCKER_CLI).is_file() {
        panic!("{MISSING_TOOLING} ({DOCKER_CLI} is missing)");
    }
    if !nix::unistd::geteuid().is_root() {
        panic!("private dockerd instances need root: run the tests as root (scripts/test.sh)");
    }
    dockerd
}

/// Fills `root` with a minimal busybox file system for `docker import`.
pub fn build_busybox_rootfs(root: &Path) {
    if !Path::new(BUSYBOX_BIN).is_file() {
        panic!("{BUSYBOX_BIN} not found: run scripts/test.sh, which installs docker.io, busybox-static and openscap");
    }
    let bin = root.join("bin");
    let etc = root.join("etc");
    for dir in [&bin, &etc, &root.join("tmp")] {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    }
    fs::copy(BUSYBOX_BIN, bin.join("busybox"))
        .unwrap_or_else(|e| panic!("cannot copy {BUSYBOX_BIN}: {e}"));
    for applet in ["sh", "sleep", "true", "cat", "echo", "id", "ls"] {
        symlink("busybox", bin.join(applet))
            .unwrap_or_else(|e| panic!("cannot link bin/{applet}: {e}"));
    }
    fs::write(
        etc.join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    )
    .expect("writing etc/passwd");
    fs::write(etc.join("group"), "root:x:0:\nnogroup:x:65534:\n").expect("writing etc/group");
}

/// Runs `cmd` (whose stdin the caller has set) with captured stdout and
/// stderr, killing it after `timeout`. Returns (status, stdout, stderr).
fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
) -> Result<(ExitStatus, String, String), String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot spawn: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => break Err(format!("cannot wait: {e}")),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Ok(status) => Ok((status, stdout, stderr)),
        Err(e) => Err(format!("{e}; stderr: {}", stderr.trim())),
    }
}

/// Reads a pipe to the end on a helper thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// Parses a pid file.
fn read_pidfile(path: &Path) -> Result<u32, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read pid file {}: {e}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|e| format!("bad pid file {} ({text:?}): {e}", path.display()))
}

/// Sends `signal` (a name such as `TERM`) to `pid` with kill(1), ignoring
/// errors (the process may already be gone).
fn send_signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether `pid` exists and is not a zombie.
fn pid_alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name, which may contain spaces.
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].trim_start().chars().next());
    !matches!(state, None | Some('Z') | Some('X'))
}

/// Pids of live processes (other than this one) whose command line contains
/// `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|&pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|raw| {
                    let cmdline: Vec<u8> =
                        raw.iter().map(|&b| if b == 0 { b' ' } else { b }).collect();
                    String::from_utf8_lossy(&cmdline).contains(needle)
                })
                .unwrap_or(false)
        })
        .filter(|&pid| pid_alive(pid))
        .collect()
}

/// Lazily unmounts (`umount -l`) every mount at or below `dir`, deepest
/// first, ignoring errors.
fn unmount_under(dir: &Path) {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let mut points: Vec<PathBuf> = info
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|field| PathBuf::from(unescape_mountinfo(field)))
        .filter(|point| point.starts_with(dir))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    points.dedup();
    for point in points {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&point)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Decodes the `\ooo` octal escapes (space, tab, newline, backslash) used in
/// `/proc/self/mountinfo`.
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let digits = &bytes[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(value) = u8::try_from(value) {
                    out.push(value);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl PrivateDaemon {
    /// Like [`PrivateDaemon::start_with`], but passes `extra_args` to `dockerd` after the
    /// harness's own flags, e.g. a second listen address and TLS material:
    ///
    /// ```text
    /// &["-H", "tcp://127.0.0.1:PORT", "--tlsverify", "--tlscacert", CA, "--tlscert", CERT, "--tlskey", KEY]
    /// ```
    ///
    /// Use flags for settings the harness also passes as flags (`hosts`): dockerd refuses to
    /// start when daemon.json and a flag set the same option. The unix socket `D/docker.sock`
    /// is always added, so [`PrivateDaemon::docker`] and the start-up check keep working.
    pub fn start_with_args(
        daemon_json: Value,
        extra_args: &[&str],
        setup: impl FnOnce(&Path),
    ) -> Self {
        let dockerd = require_tooling();
        let dir = PathBuf::from(format!(
            "/tmp/bwt-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        if dir.exists() {
            unmount_under(&dir);
            let _ = fs::remove_dir_all(&dir);
        }
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let mut config = match daemon_json {
            Value::Object(map) => map,
            other => panic!("daemon.json for a private dockerd must be a JSON object, got {other}"),
        };
        config
            .entry("bridge")
            .or_insert_with(|| Value::String("none".into()));
        let config_path = dir.join("daemon.json");
        let text =
            serde_json::to_string_pretty(&Value::Object(config)).expect("serialising daemon.json");
        fs::write(&config_path, text + "\n")
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", config_path.display()));

        // From here on `Drop` cleans up, even if `setup` or the start panics.
        let mut daemon = PrivateDaemon {
            dir,
            child: None,
            extra_args: extra_args.iter().map(|a| a.to_string()).collect(),
        };
        setup(&daemon.dir);
        daemon.launch(&dockerd, extra_args);
        daemon
    }
}

/// Holds an exclusive lock on `/tmp/bollwerk-dockerd-start.lock` while alive.
fn start_lock() -> nix::fcntl::Flock<fs::File> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/bollwerk-dockerd-start.lock")
        .expect("open /tmp/bollwerk-dockerd-start.lock");
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| e)
        .expect("lock /tmp/bollwerk-dockerd-start.lock")
}

/// Runs a host command, panicking with its stderr on failure.
pub fn host(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd} (run scripts/test.sh): {e}"));
    assert!(
        out.status.success(),
        "{cmd} {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

/// A Linux bridge made for one test and deleted when dropped.
pub struct HostBridge(String);

impl HostBridge {
    pub fn create(name: &str, cidr: &str) -> HostBridge {
        let _ = Command::new("ip")
            .args(["link", "del", name])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .status();
        host("ip", &["link", "add", name, "type", "bridge"]);
        let bridge = HostBridge(name.to_string());
        host("ip", &["addr", "add", cidr, "dev", name]);
        host("ip", &["link", "set", name, "up"]);
        bridge
    }
}

impl Drop for HostBridge {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.0])
            .stdin(Stdio::null())
            .status();
    }
}
