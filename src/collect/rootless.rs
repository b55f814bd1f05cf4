//! Where a rootless dockerd keeps its daemon.json: `$XDG_CONFIG_HOME/docker/daemon.json`
//! (default `~/.config/docker/daemon.json`) of the user running it, not `/etc/docker`; and
//! dockerd's environment ([`DaemonEnvironment`]), which tells that file and where dockerd
//! looks for its TLS files, read once per collection.

use crate::collect::hostfs::HostFs;
use crate::facts::daemon_settings::ROOTFUL_DAEMON_JSON;
use crate::snapshot::DaemonProcess;

/// dockerd's environment (`/proc/PID/environ`), read once per collection: it tells where a
/// rootless dockerd's daemon.json is ([`default_config_file`]) and where dockerd looks for
/// its TLS files ([`super::locations::default_tls_dir`]). Kept in memory only: an
/// environment may hold secrets, and no report shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum DaemonEnvironment {
    /// dockerd's process was not found: there is no environment to read.
    #[default]
    NoProcess,
    /// NUL-separated `NAME=value` pairs.
    Read(Vec<u8>),
    /// Why it could not be read (`cannot read /proc/PID/environ: …`).
    Unread(String),
}

impl DaemonEnvironment {
    /// The environment of `process`, read under the host root.
    pub fn of(host: &HostFs, process: Option<&DaemonProcess>) -> DaemonEnvironment {
        let Some(p) = process else {
            return DaemonEnvironment::NoProcess;
        };
        let file = format!("/proc/{}/environ", p.pid);
        match host.read(&file) {
            Ok(bytes) => DaemonEnvironment::Read(bytes),
            Err(e) => DaemonEnvironment::Unread(format!("cannot read {file}: {e}")),
        }
    }

    /// The pairs, when read.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            DaemonEnvironment::Read(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Why the process's environment could not be read, when it could not.
    pub fn unread(&self) -> Option<&str> {
        match self {
            DaemonEnvironment::Unread(why) => Some(why),
            _ => None,
        }
    }
}

/// The daemon.json dockerd reads when no `--config-file` is given: the rootful path, or for a
/// dockerd running as an ordinary user, that user's, found from the process's environment
/// (`XDG_CONFIG_HOME`, else `HOME`) or else the user's home in the host's `/etc/passwd`.
/// When the process was not found, the owner of the API socket (`socket`) tells the user.
pub fn default_config_file(
    host: &HostFs,
    process: Option<&DaemonProcess>,
    socket: Option<&str>,
    environment: &DaemonEnvironment,
) -> String {
    use std::os::unix::fs::MetadataExt;
    let uid = match process {
        Some(p) => p.uid,
        None => socket
            .and_then(|s| std::fs::metadata(s).ok())
            .map(|m| m.uid()),
    };
    let Some(uid) = uid.filter(|&u| u != 0) else {
        return ROOTFUL_DAEMON_JSON.into();
    };
    let environ = environment.bytes().unwrap_or_default();
    let var = |name: &str| {
        env_var(environ, name)
            .filter(|v| v.starts_with('/'))
            .map(str::to_string)
    };
    if let Some(config_home) = var("XDG_CONFIG_HOME") {
        return format!("{}/docker/daemon.json", config_home.trim_end_matches('/'));
    }
    let home = var("HOME").or_else(|| {
        let passwd = host.accounts().passwd.as_ref().ok()?;
        home_of(passwd, uid)
    });
    match home {
        Some(home) => format!("{}/.config/docker/daemon.json", home.trim_end_matches('/')),
        None => ROOTFUL_DAEMON_JSON.into(),
    }
}

/// The value of variable `name` in a process's environment (`/proc/PID/environ`: NUL-separated
/// `NAME=value`).
pub fn env_var<'e>(environ: &'e [u8], name: &str) -> Option<&'e str> {
    environ
        .split(|b| *b == 0)
        .filter_map(|kv| std::str::from_utf8(kv).ok())
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

/// The home directory of `uid` in an `/etc/passwd` text.
fn home_of(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() >= 6 && fields[2].parse() == Ok(uid)).then(|| fields[5].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_comes_from_passwd_by_uid() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nana:x:1001:1001::/home/ana:/bin/sh\n";
        assert_eq!(home_of(passwd, 1001).as_deref(), Some("/home/ana"));
        assert_eq!(home_of(passwd, 1002), None);
    }

    #[test]
    fn a_rootless_daemon_s_file_comes_from_the_environment_handed_in() {
        // No /proc under this root: the environment handed in is the only one there is.
        let host = HostFs::new(std::path::Path::new("/nonexistent-bollwerk-root"));
        let p = DaemonProcess {
            pid: 4242,
            uid: Some(1001),
            ..Default::default()
        };
        let env = |pairs: &str| DaemonEnvironment::Read(pairs.replace(' ', "\0").into_bytes());
        assert_eq!(
            default_config_file(
                &host,
                Some(&p),
                None,
                &env("HOME=/home/ana XDG_CONFIG_HOME=/cfg/")
            ),
            "/cfg/docker/daemon.json"
        );
        assert_eq!(
            default_config_file(&host, Some(&p), None, &env("HOME=/home/ana")),
            "/home/ana/.config/docker/daemon.json"
        );
        // Unread, and no /etc/passwd to fall back on.
        let unread = DaemonEnvironment::of(&host, Some(&p));
        let why = unread.unread().unwrap();
        assert!(why.starts_with("cannot read /proc/4242/environ: "), "{why}");
        assert_eq!(
            default_config_file(&host, Some(&p), None, &unread),
            ROOTFUL_DAEMON_JSON
        );
        assert_eq!(
            DaemonEnvironment::of(&host, None),
            DaemonEnvironment::NoProcess
        );
    }

    #[test]
    fn a_rootful_or_unknown_daemon_reads_etc_docker() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-bollwerk-root"));
        assert_eq!(
            default_config_file(&host, None, None, &DaemonEnvironment::NoProcess),
            ROOTFUL_DAEMON_JSON
        );
        let p = DaemonProcess {
            pid: 1,
            uid: Some(0),
            ..Default::default()
        };
        assert_eq!(
            default_config_file(
                &host,
                Some(&p),
                None,
                &DaemonEnvironment::of(&host, Some(&p))
            ),
            ROOTFUL_DAEMON_JSON
        );
    }

    #[test]
    fn without_the_process_the_socket_owner_tells_whose_daemon_json() {
        // A real socket owned by an ordinary user, and a host tree that knows that user.
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("etc")).unwrap();
        std::fs::write(
            root.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\nrl:x:4321:4321::/home/rl:/bin/sh\n",
        )
        .unwrap();
        let host = HostFs::new(root.path());
        let sock = sock.to_str().unwrap();
        assert_eq!(
            default_config_file(&host, None, Some(sock), &DaemonEnvironment::NoProcess),
            ROOTFUL_DAEMON_JSON
        );
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(sock, Some(4321), None).unwrap();
            assert_eq!(
                default_config_file(&host, None, Some(sock), &DaemonEnvironment::NoProcess),
                "/home/rl/.config/docker/daemon.json"
            );
        }
    }
}
