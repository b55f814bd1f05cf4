//! Fixture host trees for `--host-root`: a few files with chosen owners and modes.

use std::fs;
use std::os::unix::fs::{chown, symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A host tree in a temporary folder.
pub struct HostTree {
    dir: tempfile::TempDir,
}

impl HostTree {
    /// A minimal Debian-like host: users, groups (docker = 105 with alice; bob has it as
    /// primary group), docker.service, the socket, binaries, daemon.json, /var/run -> /run.
    pub fn new() -> HostTree {
        let t = HostTree {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        t.write("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:105::/home/bob:/bin/sh\n", 0o644);
        t.write(
            "etc/group",
            "root:x:0:\nalice:x:1000:\ndocker:x:105:alice\n",
            0o644,
        );
        t.write("etc/hostname", "fixture-host\n", 0o644);
        t.write(
            "lib/systemd/system/docker.service",
            "[Service]\nExecStart=/usr/bin/dockerd\n",
            0o644,
        );
        t.socket("run/docker.sock", 0o660);
        t.own("run/docker.sock", 0, 105);
        fs::create_dir_all(t.path("var")).unwrap();
        symlink("/run", t.path("var/run")).unwrap();
        for bin in [
            "usr/bin/dockerd",
            "usr/bin/containerd",
            "usr/bin/runc",
            "usr/bin/containerd-shim-runc-v2",
        ] {
            t.write(bin, "#!/bin/sh\n", 0o755);
        }
        t.socket("run/containerd/containerd.sock", 0o660);
        t.write("etc/docker/daemon.json", "{}\n", 0o644);
        fs::create_dir_all(t.path("var/lib/docker")).unwrap();
        t.mountinfo(false);
        t
    }

    /// Where `rel` is on this machine.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The tree's root, for `--host-root`.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The root as a string argument.
    pub fn root_arg(&self) -> String {
        self.root().display().to_string()
    }

    /// Writes `rel` with `mode`, creating parents.
    pub fn write(&self, rel: &str, text: &str, mode: u32) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Makes `rel` a unix socket with `mode` (replacing what is there), creating parents: the
    /// socket rules judge a socket, and a regular file in its place is an error to them.
    pub fn socket(&self, rel: &str, mode: u32) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = fs::remove_file(&p);
        // Nobody listens: the socket file stays once the listener is dropped.
        drop(std::os::unix::net::UnixListener::bind(&p).expect("bind a fixture socket"));
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Sets owner ids of `rel`.
    pub fn own(&self, rel: &str, uid: u32, gid: u32) {
        chown(self.path(rel), Some(uid), Some(gid)).unwrap();
    }

    /// Makes `rel` the first of a chain of `links` symlinks whose last points at `target`:
    /// the first link and every second one absolute, the others relative, all inside the
    /// tree (in `.chains/`), as a host set up to lead a scanner astray would.
    pub fn symlink_chain(&self, rel: &str, links: usize, target: &str) {
        let dir = format!(".chains/{}", rel.replace('/', "_"));
        fs::create_dir_all(self.path(&dir)).unwrap();
        let link = |i: usize| {
            if i == 0 {
                self.path(rel)
            } else {
                self.path(&format!("{dir}/{i}"))
            }
        };
        fs::create_dir_all(self.path(rel).parent().unwrap()).unwrap();
        for i in 0..links {
            let next = match i {
                _ if i + 1 == links => target.to_string(),
                _ if i % 2 == 0 => format!("/{dir}/{}", i + 1),
                _ => (i + 1).to_string(),
            };
            if fs::symlink_metadata(link(i)).is_ok_and(|m| m.is_dir()) {
                fs::remove_dir_all(link(i)).unwrap();
            } else {
                let _ = fs::remove_file(link(i));
            }
            symlink(next, link(i)).unwrap();
        }
    }

    /// Writes a dockerd process (pid 4242) serving `url` with `environ` (`NAME=value` pairs),
    /// or with an environment that cannot be read when `None`: the scan then knows dockerd's
    /// flags (without them, every setting daemon.json leaves at a default is an error). It
    /// started an hour from now ([`HostTree::dockerd_started`]), so that daemon.json, whenever
    /// the test writes it, is what it runs with.
    pub fn dockerd(&self, url: &str, environ: Option<&[&str]>) {
        self.write(
            "proc/4242/cmdline",
            &format!("/usr/bin/dockerd\0-H\0{url}\0"),
            0o444,
        );
        self.dockerd_started(SystemTime::now() + Duration::from_secs(3600));
        match environ {
            Some(vars) => {
                let text: String = vars.iter().map(|v| format!("{v}\0")).collect();
                self.write("proc/4242/environ", &text, 0o400);
            }
            // A folder where the file should be: unreadable even to root.
            None => fs::create_dir_all(self.path("proc/4242/environ")).unwrap(),
        }
    }

    /// Writes the start time of dockerd (pid 4242) as the kernel tells it: its
    /// `/proc/PID/stat` (the start in clock ticks after boot) and the boot time in
    /// `/proc/stat`, a day before `at`.
    pub fn dockerd_started(&self, at: SystemTime) {
        let at = at.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
            .unwrap()
            .unwrap() as u64;
        let boot = at - 86_400;
        self.write("proc/stat", &format!("cpu  1 2 3 4\nbtime {boot}\n"), 0o444);
        // 52 fields; the 22nd is the start time.
        let mut fields = vec!["0".to_string(); 50];
        fields[0] = "S".into();
        fields[19] = (86_400 * ticks).to_string();
        self.write(
            "proc/4242/stat",
            &format!("4242 (dockerd) {}\n", fields.join(" ")),
            0o444,
        );
    }

    /// Writes /proc/1/mountinfo: `/` only, or also /var/lib/docker on its own device.
    pub fn mountinfo(&self, separate_docker_root: bool) {
        let mut text = String::from("27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
        if separate_docker_root {
            text.push_str("40 27 254:16 / /var/lib/docker rw,relatime - xfs /dev/vdb1 rw\n");
        } else {
            text.push_str(
                "40 27 254:0 /srv/docker /var/lib/docker rw,relatime - ext4 /dev/vda rw\n",
            );
        }
        self.write("proc/1/mountinfo", &text, 0o444);
    }

    /// Every path with its mode, size and modification time: to prove a scan changed nothing.
    pub fn fingerprint(&self) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(self.root())
            .into_iter()
            .filter_map(|e| e.ok())
            .map(|e| {
                let m = fs::symlink_metadata(e.path()).unwrap();
                format!(
                    "{} {:o} {} {:?}",
                    e.path().display(),
                    m.permissions().mode(),
                    m.len(),
                    m.modified().ok()
                )
            })
            .collect();
        out.sort();
        out
    }
}
