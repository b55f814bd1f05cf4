//! A private Podman API service for tests: `podman system service` on its own socket, with
//! its own storage root, run root and tmp dir in a temporary folder, so it shares nothing
//! with any other Podman or dockerd on the machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::dockerd::build_busybox_rootfs;

/// The podman binary Debian's `podman` package installs.
pub const PODMAN: &str = "/usr/bin/podman";

/// A running `podman system service`; stopped and its containers removed on drop.
pub struct PrivatePodman {
    dir: tempfile::TempDir,
    service: Child,
}

impl PrivatePodman {
    /// Starts the service and waits until its socket answers. Panics (never skips) when
    /// podman is missing: scripts/test.sh installs it.
    pub fn start() -> PrivatePodman {
        assert!(
            Path::new(PODMAN).is_file(),
            "{PODMAN} not found: run scripts/test.sh, which installs podman"
        );
        let dir = tempfile::Builder::new()
            .prefix("bollwerk-podman-")
            .tempdir()
            .expect("temp dir for podman");
        let mut pm = PrivatePodman {
            service: Command::new(PODMAN)
                .args(Self::storage_args(dir.path()))
                .args(["system", "service", "--time=0"])
                .arg(format!(
                    "unix://{}",
                    dir.path().join("podman.sock").display()
                ))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start podman system service"),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while pm.try_podman(&["version"]).is_err() {
            assert!(
                Instant::now() < deadline,
                "podman service did not answer in 30 s"
            );
            if let Ok(Some(status)) = pm.service.try_wait() {
                panic!("podman system service exited: {status}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        pm
    }

    fn storage_args(dir: &Path) -> Vec<String> {
        let sub = |name: &str| dir.join(name).display().to_string();
        vec![
            "--root".into(),
            sub("root"),
            "--runroot".into(),
            sub("run"),
            "--tmpdir".into(),
            sub("tmp"),
        ]
    }

    /// The socket as a URL for `--docker-host`.
    pub fn socket_url(&self) -> String {
        format!("unix://{}", self.dir.path().join("podman.sock").display())
    }

    /// Runs `podman --url SOCKET ARGS`, through the service.
    pub fn try_podman(&self, args: &[&str]) -> Result<String, String> {
        let o = Command::new(PODMAN)
            .args(["--url", &self.socket_url()])
            .args(args)
            .output()
            .map_err(|e| format!("cannot run podman: {e}"))?;
        if o.status.success() {
            Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&o.stderr).into_owned())
        }
    }

    /// [`Self::try_podman`], panicking with podman's message on failure.
    pub fn podman(&self, args: &[&str]) -> String {
        self.try_podman(args)
            .unwrap_or_else(|e| panic!("podman {args:?} failed: {e}"))
    }

    /// Imports a busybox file system as `tag` (`podman import`).
    pub fn import_busybox(&self, tag: &str) {
        let rootfs = self.dir.path().join("rootfs");
        build_busybox_rootfs(&rootfs);
        let tar = self.dir.path().join("rootfs.tar");
        let status = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .args(["--numeric-owner", "-cf"])
            .arg(&tar)
            .arg(".")
            .status()
            .expect("run tar");
        assert!(status.success(), "tar of the busybox rootfs failed");
        self.podman(&["import", &tar.display().to_string(), tag]);
    }

    /// Where the service keeps its files.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for PrivatePodman {
    fn drop(&mut self) {
        let _ = self.try_podman(&["rm", "--all", "--force"]);
        let _ = self.service.kill();
        let _ = self.service.wait();
        // Layers may still be mounted under the private root: unmount them before the folder goes.
        let _ = Command::new(PODMAN)
            .args(Self::storage_args(self.dir.path()))
            .args(["system", "reset", "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
