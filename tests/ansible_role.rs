//! The Ansible role in `deploy/ansible/` against real hosts, run by real ansible-core.
//!
//! Three inventory hosts, each with its own private dockerd and its own fixture host tree
//! (its own `/etc/hostname`, so every report says which host it came from):
//!
//! - `local-a` and `local-b`: Ansible's local connection;
//! - `ssh-c`: real SSH, Debian's `sshd` started here on 127.0.0.1 and a free port, with its own
//!   host key, a generated client key in its own `authorized_keys` and a `known_hosts` made from
//!   the host key (host key checking stays on).
//!
//! The playbook runs twice. The test checks what lands on the controller (a temp folder): one
//! dated folder per run, one folder per host with its report.json (right hostname, daemon,
//! host root and options; a container only its daemon has), the snapshot only where asked,
//! folders 0700 and files 0600; what stays on the hosts (the binary only, or nothing with
//! `bollwerk_remove_after`; host trees untouched); that placing the binary again changes
//! nothing; that a host whose scan fails (a refused option in run 2) fails with bollwerk's
//! reason and keeps no scratch folder while the others are fetched; and the merge play: run when the controller's bollwerk has `report --merge`,
//! otherwise refused with a message that says what to do. `ansible-lint` must find nothing in
//! `deploy/ansible/`.
//!
//! scripts/test.sh installs ansible-core and ansible-lint into
//! `$BOLLWERK_TOOLS/ansible-venv` (default `/opt/bollwerk-tools`) and openssh-server; a
//! missing tool fails the test, it never skips.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use support::dockerd::PrivateDaemon;
use support::fixture::HostTree;

/// Debian's OpenSSH server.
const SSHD: &str = "/usr/sbin/sshd";
/// How long sshd may take to accept connections.
const SSHD_START_TIMEOUT: Duration = Duration::from_secs(20);
/// The dated folder name the playbook uses: the controller's UTC time at the start of a run.
const RUN_ID_SHAPE: &str = "YYYY-MM-DDTHHMMSSZ";

/// The repository's `deploy/ansible` folder.
fn ansible_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/ansible")
}

/// The venv scripts/test.sh fills with ansible-core and ansible-lint.
fn venv_bin() -> PathBuf {
    let tools = std::env::var_os("BOLLWERK_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/bollwerk-tools"));
    let bin = tools.join("ansible-venv/bin");
    for tool in ["ansible-playbook", "ansible-lint"] {
        assert!(
            bin.join(tool).exists(),
            "{} not found: run scripts/test.sh, which installs ansible-core and ansible-lint",
            bin.join(tool).display()
        );
    }
    bin
}

/// A command from the venv with Ansible's state kept in `home` (no `~/.ansible`), colour off.
fn ansible_command(tool: &str, home: &Path) -> Command {
    let bin = venv_bin();
    let mut cmd = Command::new(bin.join(tool));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path)
        .env("HOME", home)
        .env("ANSIBLE_HOME", home.join("ansible"))
        .env("ANSIBLE_LOCAL_TEMP", home.join("ansible/tmp"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .stdin(Stdio::null());
    cmd
}

/// The command's output, panicking when it cannot start.
fn output(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// Everything a command printed, for failure messages.
fn printed(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Debian's sshd on 127.0.0.1 with its own configuration, host key and authorized key, all in
/// a temp folder; stopped on drop.
struct TestSshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Child,
}

impl TestSshd {
    fn start() -> TestSshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} not found: run scripts/test.sh, which installs openssh-server"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        for key in ["host_key", "client_key"] {
            let o = output({
                let mut c = Command::new("ssh-keygen");
                c.args(["-q", "-t", "ed25519", "-N", "", "-C", key, "-f"])
                    .arg(d.join(key));
                c
            });
            assert!(o.status.success(), "ssh-keygen: {}", printed(&o));
        }
        fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        // A free port: bind to port 0, note what the kernel chose, let it go for sshd.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let host_pub = fs::read_to_string(d.join("host_key.pub")).unwrap();
        let mut key_fields = host_pub.split_whitespace();
        let (kind, key) = (key_fields.next().unwrap(), key_fields.next().unwrap());
        fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {kind} {key}\n"),
        )
        .unwrap();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
             AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n",
            d = d.display()
        );
        fs::write(d.join("sshd_config"), config).unwrap();
        // sshd refuses to start without its privilege separation folder, which Debian's
        // service unit creates at boot (a runtime folder on tmpfs).
        fs::create_dir_all("/run/sshd").expect("create /run/sshd");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}"));
        let mut sshd = TestSshd { dir, port, child };
        let deadline = Instant::now() + SSHD_START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = sshd.child.try_wait() {
                panic!("sshd exited ({status}): {}", sshd.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd does not listen on 127.0.0.1:{port}: {}",
                sshd.log()
            );
            thread::sleep(Duration::from_millis(100));
        }
        sshd
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Inventory variables that reach this sshd as root with the generated key, the host key
    /// checked against our known_hosts and no lingering control masters.
    fn inventory_vars(&self) -> Value {
        let d = self.dir.path().display();
        json!({
            "ansible_host": "127.0.0.1",
            "ansible_port": self.port,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": format!("{d}/client_key"),
            "ansible_ssh_common_args": format!(
                "-o UserKnownHostsFile={d}/known_hosts -o StrictHostKeyChecking=yes"
            ),
            "ansible_ssh_args": "-o ControlMaster=no -o ControlPath=none",
        })
    }
}

impl Drop for TestSshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One audited host of the inventory.
struct TestHost {
    name: &'static str,
    hostname: &'static str,
    daemon: PrivateDaemon,
    tree: HostTree,
    remote_dir: PathBuf,
}

impl TestHost {
    fn new(name: &'static str, hostname: &'static str, scratch: &Path) -> TestHost {
        let daemon = PrivateDaemon::start(json!({}));
        let tree = HostTree::new();
        tree.write("etc/hostname", &format!("{hostname}\n"), 0o644);
        TestHost {
            name,
            hostname,
            daemon,
            tree,
            remote_dir: scratch.join(format!("remote-{name}")),
        }
    }

    fn vars(&self) -> Value {
        json!({
            "ansible_python_interpreter": "/usr/bin/python3",
            "bollwerk_docker_host": self.daemon.socket_url(),
            "bollwerk_host_root": self.tree.root_arg(),
            "bollwerk_remote_dir": self.remote_dir,
        })
    }
}

/// One `ansible-playbook` run: its exit status and what its default callback printed.
/// (ansible-core 2.19 ships no json callback; that lives in the ansible.posix collection.)
struct PlaybookRun {
    success: bool,
    log: String,
}

impl PlaybookRun {
    /// The lines printed under the task named `task` (`TASK [role : task]`).
    fn task_lines(&self, task: &str) -> Vec<&str> {
        let mut lines = self.log.lines();
        let header = format!(" : {task}]");
        lines
            .find(|l| l.starts_with("TASK [") && l.contains(&header))
            .unwrap_or_else(|| panic!("no task {task:?} in the run:\n{}", self.log));
        lines
            .take_while(|l| !l.starts_with("TASK [") && !l.starts_with("PLAY "))
            .collect()
    }

    /// Whether the task named `task` changed `host` (any loop item counts); panics when
    /// the task did not run there.
    fn changed(&self, task: &str, host: &str) -> bool {
        let lines = self.task_lines(task);
        let on = |status: &str| {
            let exact = format!("{status}: [{host}]");
            let delegated = format!("{status}: [{host} ->");
            lines
                .iter()
                .any(|l| l.starts_with(&exact) || l.starts_with(&delegated))
        };
        assert!(
            on("ok") || on("changed"),
            "task {task:?} did not run on {host}:\n{}",
            self.log
        );
        on("changed")
    }

    /// `host`'s count of `what` (failed, unreachable, …) in the PLAY RECAP.
    fn recap(&self, host: &str, what: &str) -> u32 {
        let line = self
            .log
            .lines()
            .skip_while(|l| !l.starts_with("PLAY RECAP"))
            .find(|l| l.split_whitespace().next() == Some(host))
            .unwrap_or_else(|| panic!("{host} is not in the recap:\n{}", self.log));
        let key = format!("{what}=");
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(key.as_str()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {what} in {line:?}"))
    }
}

/// The playbook over `inventory` with `extra_vars`.
fn run_playbook(home: &Path, inventory: &Path, extra_vars: &Value) -> PlaybookRun {
    let vars_file = home.join("extra-vars.json");
    fs::write(&vars_file, extra_vars.to_string()).unwrap();
    let mut cmd = ansible_command("ansible-playbook", home);
    cmd.arg("-i")
        .arg(inventory)
        .arg("-e")
        .arg(format!("@{}", vars_file.display()))
        .arg(ansible_dir().join("scan.yml"));
    let o = output(cmd);
    PlaybookRun {
        success: o.status.success(),
        log: printed(&o),
    }
}

/// The run folders under `dest` (the merge's `-fleet` folders left out).
fn run_folders(dest: &Path) -> BTreeSet<String> {
    fs::read_dir(dest)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.ends_with("-fleet"))
                .collect()
        })
        .unwrap_or_default()
}

/// `name` has the playbook's run folder shape, e.g. 2026-12-04T235717Z.
fn is_run_id(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == RUN_ID_SHAPE.len()
        && RUN_ID_SHAPE.bytes().zip(b).all(|(shape, c)| match shape {
            b'Y' | b'M' | b'D' | b'H' | b'S' => c.is_ascii_digit(),
            _ => shape == *c,
        })
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Names of the files directly in `dir`.
fn file_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether the controller's bollwerk (the one under test) can merge reports.
fn bollwerk_can_merge() -> bool {
    let o = output({
        let mut c = Command::new(env!("CARGO_BIN_EXE_bollwerk"));
        c.args(["report", "--help"]);
        c
    });
    String::from_utf8_lossy(&o.stdout).contains("--merge")
}

#[test]
fn ansible_lint_finds_nothing_in_the_role() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = ansible_command("ansible-lint", home.path());
    cmd.current_dir(ansible_dir())
        .args(["--offline", "--strict", "scan.yml", "roles/bollwerk"]);
    let o = output(cmd);
    assert!(o.status.success(), "ansible-lint:\n{}", printed(&o));
}

#[test]
fn playbook_scans_three_hosts_and_brings_the_reports_home() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let s = scratch.path();
    let home = s.join("controller-home");
    let dest = s.join("reports");
    fs::create_dir_all(&home).unwrap();

    // The hosts get a stripped copy: the debug build is ~180 MB, copied to three hosts twice.
    let binary = s.join("bollwerk");
    fs::copy(env!("CARGO_BIN_EXE_bollwerk"), &binary).unwrap();
    let o = output({
        let mut c = Command::new("strip");
        c.arg(&binary);
        c
    });
    assert!(o.status.success(), "strip: {}", printed(&o));

    let hosts = [
        TestHost::new("local-a", "docker-a.example", s),
        TestHost::new("local-b", "docker-b.example", s),
        TestHost::new("ssh-c", "docker-c.example", s),
    ];
    // A container only daemon A has: its report, and no other, must name it.
    let image = hosts[0].daemon.import_busybox();
    hosts[0].daemon.docker(&[
        "run",
        "-d",
        "--network",
        "none",
        "--name",
        "only-on-a",
        image,
    ]);
    hosts[0].daemon.wait_running("only-on-a");
    let config = s.join("bollwerk.toml");
    fs::write(&config, "trusted-users = [\"ops\"]\n").unwrap();
    let trees_before: Vec<Vec<String>> = hosts.iter().map(|h| h.tree.fingerprint()).collect();

    let sshd = TestSshd::start();
    let mut vars: Vec<Value> = hosts.iter().map(TestHost::vars).collect();
    for (key, value) in [
        ("ansible_connection", json!("local")),
        ("bollwerk_scan_options", json!(["--level", "1"])),
    ] {
        vars[0][key] = value;
    }
    vars[1]["ansible_connection"] = json!("local");
    vars[1]["bollwerk_config_file"] = json!(config);
    // Host B also carries an exceptions file: the role copies it and passes --exceptions.
    let exceptions = s.join("exceptions.toml");
    fs::write(
        &exceptions,
        "[[exception]]\nid = \"EXC-ANSIBLE\"\nrules = [\"1\"]\njustification = \"Host hardening is tracked in the OS baseline.\"\nexpires = 2099-12-31\n",
    )
    .unwrap();
    vars[1]["bollwerk_exceptions_file"] = json!(exceptions);
    for (key, value) in sshd.inventory_vars().as_object().unwrap() {
        vars[2][key] = value.clone();
    }
    vars[2]["bollwerk_fetch_snapshot"] = json!(true);
    vars[2]["bollwerk_remove_after"] = json!(true);
    let inventory = s.join("inventory.yml");
    let write_inventory = |vars: &[Value]| {
        let mut inventory_hosts = serde_json::Map::new();
        for (host, v) in hosts.iter().zip(vars) {
            inventory_hosts.insert(host.name.to_string(), v.clone());
        }
        fs::write(
            &inventory,
            json!({"bollwerk": {"hosts": inventory_hosts}}).to_string(),
        )
        .unwrap();
    };
    write_inventory(&vars);

    let can_merge = bollwerk_can_merge();
    let extra_vars = |merge: bool| {
        json!({
            "bollwerk_binary_src": binary,
            "bollwerk_controller_binary": env!("CARGO_BIN_EXE_bollwerk"),
            "bollwerk_controller_dest": dest,
            "bollwerk_formats": ["json", "html"],
            "bollwerk_become": false,
            // Ansible's own module files on every host, the controller too: not in ~root.
            "ansible_remote_tmp": s.join("ansible-remote-tmp"),
            "bollwerk_merge": merge,
        })
    };

    // Run 1 asks for the merge; a bollwerk without `report --merge` must refuse it clearly,
    // after the hosts' reports are home.
    let first = run_playbook(&home, &inventory, &extra_vars(true));
    if can_merge {
        assert!(first.success, "first run failed:\n{}", first.log);
    } else {
        assert!(
            !first.success,
            "merge without report --merge passed:\n{}",
            first.log
        );
        assert!(
            first.log.contains("has no 'report --merge'")
                && first.recap("localhost", "failed") == 1
                && first.log.contains("bollwerk_merge=false"),
            "the merge refusal does not say what to do:\n{}",
            first.log
        );
        for host in &hosts {
            assert_eq!(
                first.recap(host.name, "failed"),
                0,
                "{}:\n{}",
                host.name,
                first.log
            );
            assert_eq!(first.recap(host.name, "unreachable"), 0, "{}", host.name);
        }
    }
    let runs = run_folders(&dest);
    assert_eq!(runs.len(), 1, "one run, one dated folder: {runs:?}");
    let run1 = runs.iter().next().unwrap().clone();
    assert!(is_run_id(&run1), "{run1} is not shaped {RUN_ID_SHAPE}");
    let run_dir = dest.join(&run1);
    assert_eq!(mode(&run_dir), 0o700);
    assert_eq!(
        file_names(&run_dir),
        hosts.iter().map(|h| h.name.to_string()).collect(),
        "one folder per inventory host"
    );

    for host in &hosts {
        let dir = run_dir.join(host.name);
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        let mut expected: BTreeSet<String> =
            ["report.json", "report.html"].map(String::from).into();
        if host.name == "ssh-c" {
            expected.insert("snapshot.json".into());
        }
        assert_eq!(file_names(&dir), expected, "{}", dir.display());
        for file in &expected {
            assert_eq!(mode(&dir.join(file)), 0o600, "{}/{file}", dir.display());
        }
        let report = read_json(&dir.join("report.json"));
        let run = &report["run"];
        assert_eq!(run["hostname"], host.hostname, "{}", host.name);
        if host.name == "local-b" {
            assert_eq!(
                report["exceptions"][0]["id"], "EXC-ANSIBLE",
                "--exceptions not passed"
            );
            assert_eq!(report["exceptions"][0]["state"], "in-force");
            assert!(
                run["options"]["exceptions"]
                    .as_str()
                    .is_some_and(|f| f.ends_with("exceptions.toml")),
                "{}",
                run["options"]
            );
        } else {
            assert!(report.get("exceptions").is_none(), "{}", host.name);
        }
        assert_eq!(
            run["docker_host"],
            host.daemon.socket_url(),
            "{}",
            host.name
        );
        assert!(
            run["daemon_version"].is_string(),
            "{}: no daemon answered",
            host.name
        );
        let text = report.to_string();
        assert_eq!(
            text.contains("only-on-a"),
            host.name == "local-a",
            "{}: the container on daemon A",
            host.name
        );
        let options = &run["options"];
        assert_eq!(
            options["level"],
            if host.name == "local-a" {
                json!(1)
            } else {
                Value::Null
            },
            "{}: bollwerk_scan_options",
            host.name
        );
        assert_eq!(
            options["config"].is_string() && options["params"].to_string().contains("\"ops\""),
            host.name == "local-b",
            "{}: bollwerk_config_file ({options})",
            host.name
        );
        match host.name {
            "ssh-c" => {
                // Scanned from the snapshot it fetched: the same facts, the same daemon.
                assert!(options["snapshot"].is_string(), "{options}");
                assert_eq!(run["host_root"], Value::from(host.tree.root_arg()));
                let snapshot = read_json(&dir.join("snapshot.json"));
                assert_eq!(snapshot["docker_host"], host.daemon.socket_url());
                assert!(
                    !host.remote_dir.exists(),
                    "bollwerk_remove_after left {}",
                    host.remote_dir.display()
                );
            }
            _ => {
                assert!(options["snapshot"].is_null(), "{options}");
                assert_eq!(run["host_root"], Value::from(host.tree.root_arg()));
                // Only the binary (and the config and exceptions files it was given) stays;
                // the scratch folder is gone.
                let mut kept: BTreeSet<String> = ["bollwerk".to_string()].into();
                if host.name == "local-b" {
                    kept.insert("config.toml".into());
                    kept.insert("exceptions.toml".into());
                }
                assert_eq!(
                    file_names(&host.remote_dir),
                    kept,
                    "{}",
                    host.remote_dir.display()
                );
            }
        }
    }
    if can_merge {
        let fleet = dest.join(format!("{run1}-fleet"));
        assert!(fleet.join("fleet.json").exists(), "no merged fleet.json");
        assert!(fleet.join("fleet.html").exists(), "no merged fleet.html");
        let merged = fs::read_to_string(fleet.join("fleet.json")).unwrap();
        for host in &hosts {
            assert!(
                merged.contains(host.hostname),
                "merge lacks {}",
                host.hostname
            );
        }
    } else {
        eprintln!(
            "ansible_role: {} has no `report --merge`: the merge play's refusal was checked, \
             not a merged report",
            env!("CARGO_BIN_EXE_bollwerk")
        );
    }

    // Run 2 (no merge): a second dated folder; the binary already in place is not copied
    // again, while ssh-c (cleaned up after run 1) gets it anew. local-b's scan is given an
    // option bollwerk refuses: that host fails with bollwerk's reason and leaves no scratch
    // folder, the others are scanned and fetched all the same.
    vars[1]["bollwerk_scan_options"] = json!(["--level", "7"]);
    write_inventory(&vars);
    thread::sleep(Duration::from_millis(1100));
    let second = run_playbook(&home, &inventory, &extra_vars(false));
    assert!(
        !second.success,
        "a failed host must fail the run:\n{}",
        second.log
    );
    assert_eq!(second.recap("local-b", "failed"), 1, "{}", second.log);
    assert!(
        second.log.contains("7 is not in 1..=2"),
        "local-b's failure does not show bollwerk's reason:\n{}",
        second.log
    );
    let runs = run_folders(&dest);
    assert_eq!(runs.len(), 2, "two runs, two dated folders: {runs:?}");
    let run2 = runs.iter().find(|r| **r != run1).unwrap();
    assert!(is_run_id(run2), "{run2}");
    assert_eq!(
        file_names(&dest.join(run2)),
        ["local-a", "ssh-c"].map(String::from).into(),
        "hosts with reports in run 2"
    );
    assert_eq!(
        file_names(&hosts[1].remote_dir),
        ["bollwerk", "config.toml", "exceptions.toml"]
            .map(String::from)
            .into(),
        "local-b's scratch folder after its failed scan"
    );
    for host in &hosts {
        if host.name != "local-b" {
            assert_eq!(second.recap(host.name, "failed"), 0, "{}", second.log);
            let report = read_json(&dest.join(run2).join(host.name).join("report.json"));
            assert_eq!(report["run"]["hostname"], host.hostname);
        }
        let copied_first = first.changed("Place the bollwerk binary on the host", host.name);
        let copied_again = second.changed("Place the bollwerk binary on the host", host.name);
        assert!(
            copied_first,
            "{}: run 1 did not place the binary",
            host.name
        );
        assert_eq!(
            copied_again,
            host.name == "ssh-c",
            "{}: placing the binary again",
            host.name
        );
    }
    assert!(!dest.join(format!("{run2}-fleet")).exists());

    // The audited host trees are exactly as before both runs.
    for (host, before) in hosts.iter().zip(trees_before) {
        assert_eq!(
            host.tree.fingerprint(),
            before,
            "{} host tree changed",
            host.name
        );
    }
    drop(sshd);
}
