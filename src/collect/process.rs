//! Finding the dockerd process behind the socket bollwerk talks to.
//!
//! Several daemons may run on one host; the right one is the one whose `-H`/`hosts` names the
//! socket (or TCP port) in use, not the first dockerd in `/proc`.

use super::daemon_config::{parse_daemon_json, parse_flags};
use super::error::HostFileError;
use super::hostfs::HostFs;
use crate::facts::daemon_settings::ROOTFUL_DAEMON_JSON;
use crate::snapshot::DaemonProcess;

/// Why no dockerd process could be told to serve the daemon's address.
#[derive(Debug, thiserror::Error)]
pub enum DockerdNotFound {
    /// `/proc` could not be listed.
    #[error(transparent)]
    Proc(#[from] HostFileError),
    /// No process runs dockerd.
    #[error("no dockerd process found in /proc")]
    NoProcess,
    /// The address is a unix socket that does not exist.
    #[error("{socket} does not exist, so no dockerd listens there")]
    NoSocket {
        /// The socket's path.
        socket: String,
    },
    /// The address is a TCP address of another host: no dockerd here serves it.
    #[error("{docker_host} is not an address of this host, so no dockerd here serves it")]
    Remote {
        /// The daemon's address.
        docker_host: String,
    },
    /// The address is TCP by a name, and the one dockerd here listens on no such port (nor
    /// through systemd's sockets): it is taken for another host's.
    #[error("no dockerd here listens on port {port} of {docker_host} (its listen addresses name other ports), so it is taken for another host's daemon")]
    NotServedHere {
        /// The daemon's address.
        docker_host: String,
        /// The port asked for.
        port: String,
    },
    /// Several dockerd run and none names the address among those it listens on.
    #[error("{} dockerd processes found, none listening on {docker_host} (pids {})", .pids.len(), pid_list(.pids))]
    Ambiguous {
        /// The daemon's address.
        docker_host: String,
        /// The dockerd processes found.
        pids: Vec<u32>,
    },
}

fn pid_list(pids: &[u32]) -> String {
    pids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The dockerd serving `docker_host`, or why none was found: the process at the other end
/// of its unix socket when that is a dockerd, else a search of `/proc`.
pub fn find_dockerd(host: &HostFs, docker_host: &str) -> Result<DaemonProcess, DockerdNotFound> {
    if let Some(found) = socket_peer(host, docker_host) {
        return Ok(found);
    }
    // No dockerd here serves another host's address: one known for certain, an IP
    // address that is none of this machine's, seen from the host's own root (in a container,
    // the host's addresses are not the container's). A name is not resolved here.
    if let Some((name, _)) = tcp_parts(docker_host) {
        let ip_literal = name.parse::<std::net::IpAddr>().is_ok();
        if ip_literal && host.root() == std::path::Path::new("/") && !is_this_host(&name) {
            return Err(DockerdNotFound::Remote {
                docker_host: docker_host.to_string(),
            });
        }
    }
    let pids = host.process_ids().map_err(|source| HostFileError::List {
        path: "/proc".into(),
        source,
    })?;
    let mut candidates = Vec::new();
    for pid in pids {
        let Some(cmdline) = command_line(host, pid) else {
            continue;
        };
        if is_dockerd(&cmdline) {
            candidates.push(DaemonProcess {
                uid: effective_uid(host, pid),
                pid,
                cmdline,
                found_by: String::new(),
            });
        }
    }
    if candidates.is_empty() {
        return Err(DockerdNotFound::NoProcess);
    }
    for mut c in candidates.clone() {
        let hosts = listen_addresses(host, &c.cmdline);
        if hosts.iter().any(|h| serves(host, h, docker_host)) {
            c.found_by = format!("/proc scan: dockerd pid {} listens on {docker_host}", c.pid);
            return Ok(c);
        }
    }
    // No dockerd serves a unix socket that does not exist: do not borrow another daemon's
    // settings then.
    if let Some(path) = docker_host.strip_prefix("unix://") {
        // Only a socket known absent: one that cannot be looked at may still be served.
        if matches!(host.presence(path), Ok(false)) {
            return Err(DockerdNotFound::NoSocket {
                socket: path.to_string(),
            });
        }
    }
    // A TCP address by a name that the one dockerd here cannot serve (no listener on that
    // port, no socket activation that could add one) is another daemon's: its settings are
    // not this dockerd's.
    if let Some((_, port)) = tcp_parts(docker_host) {
        let could_serve = |c: &DaemonProcess| {
            listen_addresses(host, &c.cmdline).iter().any(|h| {
                h.trim().starts_with("fd://")
                    || tcp_parts(h).is_some_and(|(_, listening)| listening == port)
            })
        };
        if !candidates.iter().any(could_serve) {
            return Err(DockerdNotFound::NotServedHere {
                docker_host: docker_host.to_string(),
                port,
            });
        }
    }
    if candidates.len() == 1 {
        let mut c = candidates.remove(0);
        c.found_by = format!(
            "/proc scan: the only dockerd (pid {}); its listen addresses do not name {docker_host}",
            c.pid
        );
        return Ok(c);
    }
    Err(DockerdNotFound::Ambiguous {
        docker_host: docker_host.to_string(),
        pids: candidates.iter().map(|c| c.pid).collect(),
    })
}

/// When process `pid` started, from `/proc/PID/stat` (its start in clock ticks after boot)
/// and `/proc/stat` (the boot time); the error says which could not be read or understood.
pub fn started_at(host: &HostFs, pid: u32) -> Result<std::time::SystemTime, String> {
    let path = format!("/proc/{pid}/stat");
    let stat = host
        .read_to_string(&path)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    // The fields after the command name (which may hold spaces and parentheses): state is
    // field 3, start time field 22.
    let ticks: u64 = stat
        .rfind(')')
        .and_then(|end| stat[end + 1..].split_whitespace().nth(19)?.parse().ok())
        .ok_or_else(|| format!("{path} holds no start time"))?;
    let boot: u64 = host
        .read_to_string("/proc/stat")
        .map_err(|e| format!("cannot read /proc/stat: {e}"))?
        .lines()
        .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
        .ok_or("/proc/stat holds no boot time (btime)")?;
    let per_second = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|&t| t > 0)
        .ok_or("the clock ticks per second (CLK_TCK) are not known")?;
    let millis = boot * 1000 + ticks * 1000 / per_second;
    Ok(std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis))
}

/// The dockerd that created the unix socket `docker_host` names, as the kernel tells it
/// (`SO_PEERCRED`): one system call instead of reading every process's command line. `None`
/// when that is not a dockerd (systemd's socket activation creates docker.socket itself), the
/// socket cannot be reached, or the pid means something else below another host root (a
/// scanner in a container without the host's pid namespace) and the dockerd found there does
/// not name the socket.
fn socket_peer(host: &HostFs, docker_host: &str) -> Option<DaemonProcess> {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    let path = docker_host.strip_prefix("unix://")?;
    let stream = std::os::unix::net::UnixStream::connect(path).ok()?;
    let pid = u32::try_from(getsockopt(&stream, PeerCredentials).ok()?.pid()).ok()?;
    let cmdline = command_line(host, pid)?;
    if !is_dockerd(&cmdline) {
        return None;
    }
    // Below another root the pid is only trusted when that dockerd names this socket.
    if host.root() != std::path::Path::new("/")
        && !listen_addresses(host, &cmdline)
            .iter()
            .any(|h| serves(host, h, docker_host))
    {
        return None;
    }
    Some(DaemonProcess {
        uid: effective_uid(host, pid),
        pid,
        cmdline,
        found_by: format!("SO_PEERCRED of {path}: dockerd pid {pid} created the socket"),
    })
}

/// Whether a command line runs a program named `dockerd`.
fn is_dockerd(cmdline: &[String]) -> bool {
    cmdline
        .first()
        .is_some_and(|a| a.rsplit('/').next() == Some("dockerd"))
}

/// A process's arguments, from `/proc/PID/cmdline` under the host root; `None` when the
/// process is gone or unreadable.
pub fn command_line(host: &HostFs, pid: u32) -> Option<Vec<String>> {
    let raw = host.read(&format!("/proc/{pid}/cmdline")).ok()?;
    Some(arguments(&raw))
}

/// The arguments in the text of a `/proc/PID/cmdline` (NUL-separated).
pub fn arguments(raw: &[u8]) -> Vec<String> {
    raw.split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// A process's effective uid, from `/proc/PID/status`.
fn effective_uid(host: &HostFs, pid: u32) -> Option<u32> {
    let status = host.read_to_string(&format!("/proc/{pid}/status")).ok()?;
    name_and_uid(&status).1
}

/// A process's name (its `comm`) and effective uid from its `/proc/PID/status`: USER in
/// `docker top` (ps's `user` column) is the effective user.
pub fn name_and_uid(status: &str) -> (String, Option<u32>) {
    let (mut name, mut uid) = (String::new(), None);
    for line in status.lines() {
        if let Some(v) = line.strip_prefix("Name:") {
            name = unescape_name(v.strip_prefix('\t').unwrap_or(v));
        } else if let Some(v) = line.strip_prefix("Uid:") {
            uid = v.split_whitespace().nth(1).and_then(|u| u.parse().ok());
            break;
        }
    }
    (name, uid)
}

/// The `Name:` of a status file as the process named itself. The kernel escapes a newline and
/// a backslash in it: as `\n` and `\\` since Linux 5.x, as octal `\012` and `\134` before.
fn unescape_name(escaped: &str) -> String {
    let mut name = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(at) = rest.find('\\') {
        name.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let octal = after
            .get(..3)
            .filter(|d| d.bytes().all(|b| (b'0'..=b'7').contains(&b)))
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        rest = match (octal, after.chars().next()) {
            (Some(byte), _) => {
                name.push(char::from(byte));
                &after[3..]
            }
            (None, Some('n')) => {
                name.push('\n');
                &after[1..]
            }
            (None, Some(c)) => {
                name.push(c);
                &after[c.len_utf8()..]
            }
            (None, None) => {
                name.push('\\');
                ""
            }
        };
    }
    name.push_str(rest);
    name
}

/// The `-H` addresses of a dockerd command line, or its daemon.json `hosts`, or the default.
fn listen_addresses(host: &HostFs, cmdline: &[String]) -> Vec<String> {
    let flags = parse_flags(cmdline.get(1..).unwrap_or(&[]));
    let from = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(h) = flags.settings.get("hosts") {
        return from(&h.value);
    }
    let file = flags
        .config_file
        .unwrap_or_else(|| ROOTFUL_DAEMON_JSON.into());
    if let Ok(text) = host.read_to_string(&file) {
        if let Ok(s) = parse_daemon_json(&file, &text) {
            if let Some(h) = s.get("hosts") {
                return from(&h.value);
            }
        }
    }
    vec!["unix:///var/run/docker.sock".into(), "fd://".into()]
}

/// Whether dockerd listening on `listen` (one of its `-H`) serves `target`, the address
/// bollwerk asks: the same unix socket (resolved), or the same TCP port on the same host (a
/// listener on every address, `0.0.0.0:2376`, serves this host's own addresses only).
fn serves(host: &HostFs, listen: &str, target: &str) -> bool {
    match (tcp_parts(listen), tcp_parts(target)) {
        (Some((on, port)), Some((to, wanted))) => {
            port == wanted
                && (on == to
                    || is_localhost_of(&on, &to)
                    || is_localhost_of(&to, &on)
                    || (is_wildcard(&on) && is_this_host(&to)))
        }
        (None, None) => unix_path(host, listen) == unix_path(host, target),
        _ => false,
    }
}

/// A unix socket address's resolved path; socket activation (`fd://`) listens on the default.
fn unix_path(host: &HostFs, addr: &str) -> String {
    let path = addr
        .strip_prefix("unix://")
        .unwrap_or("/var/run/docker.sock");
    host.canonical(path).unwrap_or_else(|| path.to_string())
}

/// A TCP address's host (lower case, without IPv6 brackets; empty for none) and port (2375
/// when none is given, as dockerd takes it); `None` for unix sockets and socket activation.
fn tcp_parts(addr: &str) -> Option<(String, String)> {
    let addr = addr.trim();
    if addr.starts_with("unix://") || addr.starts_with("fd://") || addr.starts_with('/') {
        return None;
    }
    let rest = addr.split_once("://").map_or(addr, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let (name, port) = match authority.strip_prefix('[') {
        // [v6] or [v6]:port: the port only after the bracket.
        Some(bracketed) => match bracketed.split_once(']') {
            Some((name, after)) => (name, after.strip_prefix(':').unwrap_or_default()),
            None => (bracketed, ""),
        },
        None => authority.rsplit_once(':').unwrap_or((authority, "")),
    };
    let port = if port.is_empty() { "2375" } else { port };
    // dockerd listens on localhost when an address names no host (`tcp://:2376`).
    let name = if name.is_empty() { "localhost" } else { name };
    Some((name.to_ascii_lowercase(), port.to_string()))
}

/// Whether `name` is `localhost` and `ip` an address it stands for.
fn is_localhost_of(name: &str, ip: &str) -> bool {
    name == "localhost" && matches!(ip, "127.0.0.1" | "::1")
}

/// A listener's host that means every address of the machine.
fn is_wildcard(name: &str) -> bool {
    matches!(name, "0.0.0.0" | "::")
}

fn is_loopback(name: &str) -> bool {
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `name` is this machine: a loopback address, one of its interfaces' addresses, or
/// its host name.
fn is_this_host(name: &str) -> bool {
    if is_loopback(name) || is_wildcard(name) {
        return true;
    }
    if let Ok(ip) = name.parse::<std::net::IpAddr>() {
        return nix::ifaddrs::getifaddrs().is_ok_and(|mut addrs| {
            addrs.any(|a| {
                a.address.as_ref().is_some_and(|sa| {
                    sa.as_sockaddr_in().map(|v4| std::net::IpAddr::V4(v4.ip())) == Some(ip)
                        || sa.as_sockaddr_in6().map(|v6| std::net::IpAddr::V6(v6.ip())) == Some(ip)
                })
            })
        });
    }
    nix::unistd::gethostname().is_ok_and(|own| own.to_string_lossy().eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_gives_the_name_and_the_effective_uid() {
        let status = "Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(name_and_uid(status), ("sshd".to_string(), Some(0)));
        assert_eq!(name_and_uid("Name:\tx\n"), ("x".to_string(), None));
    }

    #[test]
    fn escaped_names_are_restored() {
        assert_eq!(unescape_name("plain name"), "plain name");
        assert_eq!(unescape_name(r"a\nb\\c"), "a\nb\\c");
        assert_eq!(unescape_name(r"a\012b\134c"), "a\nb\\c");
        assert_eq!(unescape_name(r"trailing\"), "trailing\\");
        assert_eq!(unescape_name("sshd: ünï"), "sshd: ünï");
    }

    #[test]
    fn a_tcp_address_is_served_by_a_dockerd_on_that_host_and_port() {
        let host = HostFs::new(std::path::Path::new("/nonexistent-root"));
        for (listen, target, served) in [
            ("tcp://127.0.0.1:23761", "tcp://127.0.0.1:23761", true),
            ("tcp://127.0.0.2:23761", "tcp://127.0.0.1:23761", false),
            ("tcp://0.0.0.0:2376", "tcp://127.0.0.1:2376", true),
            ("tcp://0.0.0.0:2376", "tcp://localhost:2376", true),
            ("tcp://0.0.0.0:2376", "tcp://prod.example.com:2376", false),
            ("tcp://0.0.0.0:2376", "tcp://192.0.2.77:2376", false),
            ("tcp://127.0.0.1:2375", "tcp://localhost:2375", true),
            ("tcp://[::1]:2375", "tcp://127.0.0.1:2375", false),
            ("tcp://[::1]:2375", "tcp://localhost:2375", true),
            ("127.0.0.1", "tcp://127.0.0.1:2375", true),
            ("tcp://[::1]", "tcp://[::1]:2375", true),
            ("tcp://[::]:2376", "tcp://[::1]:2376", true),
            ("tcp://:2376", "tcp://127.0.0.1:2376", true),
            ("tcp://:2376", "tcp://192.0.2.77:2376", false),
            ("tcp://127.0.0.1:2375", "tcp://127.0.0.1:2376", false),
            ("unix:///run/docker.sock", "tcp://127.0.0.1:2375", false),
            ("unix:///run/d.sock", "unix:///run/d.sock", true),
            ("fd://", "unix:///var/run/docker.sock", true),
        ] {
            assert_eq!(serves(&host, listen, target), served, "{listen} → {target}");
        }
    }

    #[test]
    fn a_tcp_address_is_matched_by_host_and_port_under_another_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/812")).unwrap();
        std::fs::write(
            dir.path().join("proc/812/cmdline"),
            "/usr/bin/dockerd\0-H\0tcp://0.0.0.0:2376\0",
        )
        .unwrap();
        let host = HostFs::new(dir.path());
        // Below another root (a fixture, or the host seen from a container) this machine's
        // addresses are not the host's: the only dockerd is taken, as before.
        let found = find_dockerd(&host, "tcp://192.0.2.77:2376").expect("the only dockerd");
        assert_eq!(found.pid, 812);
        let found = find_dockerd(&host, "tcp://127.0.0.1:2376").expect("the dockerd here");
        assert!(found.found_by.contains("listens on"), "{}", found.found_by);
        // A name on a port the one dockerd here does not listen on is another daemon's.
        let err = find_dockerd(&host, "tcp://buildhost.example:2380").unwrap_err();
        assert!(
            matches!(err, DockerdNotFound::NotServedHere { .. }),
            "{err}"
        );
        // Socket activation may listen anywhere: the one dockerd is still taken.
        std::fs::write(
            dir.path().join("proc/812/cmdline"),
            "/usr/bin/dockerd\0-H\0fd://\0",
        )
        .unwrap();
        let found = find_dockerd(&host, "tcp://buildhost.example:2375").expect("the only one");
        assert_eq!(found.pid, 812);
    }

    #[test]
    fn an_ip_address_of_no_interface_here_is_another_hosts() {
        // From the live root: 192.0.2.0/24 is for documentation, no machine's.
        let host = HostFs::new(std::path::Path::new("/"));
        assert!(!is_this_host("192.0.2.77"));
        assert!(is_this_host("127.0.0.1") && is_this_host("::1"));
        let err = find_dockerd(&host, "tcp://192.0.2.77:2376").unwrap_err();
        assert!(matches!(err, DockerdNotFound::Remote { .. }), "{err}");
    }

    #[test]
    fn a_socket_not_made_by_dockerd_is_searched_for_in_proc() {
        // This test process made the socket: its peer is no dockerd, so the socket does not
        // answer, and neither does a socket nobody listens on.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let host = HostFs::new(std::path::Path::new("/"));
        assert!(socket_peer(&host, &format!("unix://{}", path.display())).is_none());
        let gone = dir.path().join("gone.sock");
        assert!(socket_peer(&host, &format!("unix://{}", gone.display())).is_none());
        assert!(socket_peer(&host, "tcp://127.0.0.1:2375").is_none());
    }
}
