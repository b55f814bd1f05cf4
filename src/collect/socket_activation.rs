//! systemd socket activation: what `-H fd://` listens on.
//!
//! Distribution packages start dockerd as `dockerd -H fd://`: systemd opens the sockets of
//! docker.socket and hands them over, so the daemon's flags name no address. What it listens
//! on is in the unit's `ListenStream=` lines, where an administrator may have added a TCP port
//! (`ListenStream=0.0.0.0:2375`, a common way to "open the API"). Those addresses are added to
//! the `hosts` setting, so that the rules on TCP listeners (2.8) and on the sockets (3.15,
//! 3.16, 5.32) judge them.
//!
//! systemd, not dockerd, also gives those sockets their group (`SocketGroup=`): dockerd's own
//! `group` setting applies only to sockets it creates. Where the unit names a group, it is
//! the `group` setting in force, so that the docker group's members (1.1.2) are that group's.

use std::collections::BTreeMap;

use serde_json::Value;

use super::hostfs::HostFs;
use super::locations::{unit_at, UnitAt, UNIT_DIRS};
use crate::snapshot::{has_drop_in_name, is_drop_in, Sourced};

/// The unit whose sockets dockerd receives.
const SOCKET_UNIT: &str = "docker.socket";

/// Adds to `hosts` the addresses docker.socket listens on, when `hosts` has an `fd://` entry,
/// and makes the unit's `SocketGroup=`, when it names one, the `group` setting.
/// Returns an error naming the file when the unit or one of its drop-ins cannot be read.
pub fn expand_fd_hosts(
    host: &HostFs,
    settings: &mut BTreeMap<String, Sourced>,
) -> Result<(), String> {
    let activated = match settings.get("hosts").map(|h| &h.value) {
        Some(Value::Array(list)) => list
            .iter()
            .any(|h| h.as_str().is_some_and(|h| h.trim().starts_with("fd://"))),
        _ => false,
    };
    if !activated {
        return Ok(());
    }
    let Some(unit) = socket_unit(host)? else {
        return Ok(());
    };
    if let Some((group, file)) = unit.group {
        settings.insert(
            "group".into(),
            Sourced {
                value: Value::String(group),
                source: format!("SocketGroup= of {file} (dockerd listens on fd://)"),
            },
        );
    }
    let (listeners, files) = (unit.listeners, unit.listen_files);
    let Some(Sourced {
        value: Value::Array(list),
        source,
    }) = settings.get_mut("hosts")
    else {
        return Ok(());
    };
    let mut added = false;
    for address in listeners.iter().filter_map(|l| as_docker_address(l)) {
        let address = Value::String(address);
        if !list.contains(&address) {
            list.push(address);
            added = true;
        }
    }
    if added {
        *source = format!(
            "{source}, fd:// through ListenStream of {}",
            files.join(", ")
        );
    }
    Ok(())
}

/// What docker.socket says, its drop-ins applied.
#[derive(Default)]
struct SocketUnit {
    /// The `ListenStream=` values.
    listeners: Vec<String>,
    /// The unit files that set them.
    listen_files: Vec<String>,
    /// The `SocketGroup=` in force and the file that set it; `None` when none names a group
    /// (or the last one is empty, which restores systemd's default).
    group: Option<(String, String)>,
}

/// docker.socket with its drop-ins applied; `None` when the unit is on none of systemd's
/// unit paths, or masked there (systemd then opens none of its sockets).
fn socket_unit(host: &HostFs) -> Result<Option<SocketUnit>, String> {
    let mut unit = None;
    for path in UNIT_DIRS.iter().map(|d| format!("{d}/{SOCKET_UNIT}")) {
        match unit_at(host, &path) {
            Ok(Some(UnitAt::File)) => {
                unit = Some(path);
                break;
            }
            Ok(Some(UnitAt::Mask)) => return Ok(None),
            Ok(None) => {}
            // A unit directory that cannot be looked at may hold the unit in force.
            Err(e) => return Err(format!("cannot look for {path}: {e}")),
        }
    }
    let Some(unit) = unit else {
        return Ok(None);
    };
    let mut read = SocketUnit::default();
    for file in std::iter::once(unit).chain(drop_ins(host)?) {
        let text = host
            .read_to_string(&file)
            .map_err(|e| format!("cannot read {file}: {e}"))?;
        if read_socket_section(&text, &file, &mut read) {
            read.listen_files.push(file);
        }
    }
    Ok(Some(read))
}

/// The drop-ins of docker.socket systemd reads, in the order it applies them (by name). A
/// name in a unit directory of higher priority hides the same name below it, whatever its
/// kind, and is read only when a regular file (`x.conf -> /dev/null` masks, a folder named
/// `x.conf` is no file); systemd skips hidden names and those not ending in `.conf`.
fn drop_ins(host: &HostFs) -> Result<Vec<String>, String> {
    // By name: the path to read, or `None` where the entry of highest priority is not read.
    let mut drop_ins: BTreeMap<String, Option<String>> = BTreeMap::new();
    for dir in UNIT_DIRS.iter().rev() {
        let folder = format!("{dir}/{SOCKET_UNIT}.d");
        let names = match host.list_dir(&folder) {
            Ok(names) => names,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot list {folder}: {e}")),
        };
        for name in names.into_iter().filter(|n| has_drop_in_name(n)) {
            let path = format!("{folder}/{name}");
            // Stat'ed inside the root, a link followed there: the kind systemd would find.
            let kind = host.stat(&path).map_err(|e| e.to_string())?.kind;
            let read = is_drop_in(&name, kind.as_deref()).then_some(path);
            drop_ins.insert(name, read);
        }
    }
    Ok(drop_ins.into_values().flatten().collect())
}

/// Applies the `ListenStream=` and `SocketGroup=` lines of `text`'s `[Socket]` section (from
/// `file`) to `unit` (an empty value clears what came before, as systemd does); whether it
/// had any `ListenStream=`.
fn read_socket_section(text: &str, file: &str, unit: &mut SocketUnit) -> bool {
    let listeners = &mut unit.listeners;
    let mut in_socket = false;
    let mut any = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_socket = line == "[Socket]";
            continue;
        }
        if !in_socket || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        if key.trim() == "SocketGroup" {
            unit.group = (!value.is_empty()).then(|| (value.to_string(), file.to_string()));
            continue;
        }
        if key.trim() != "ListenStream" {
            continue;
        }
        any = true;
        if value.is_empty() {
            listeners.clear();
        } else {
            listeners.push(value.replace("%t", "/run").replace("%%", "%"));
        }
    }
    any
}

/// A `ListenStream=` value as a dockerd address: a path as `unix://PATH`, a port or
/// `ADDRESS:PORT` as `tcp://…` (a port alone listens on every address). Abstract sockets,
/// vsock and netlink addresses are left out.
fn as_docker_address(listen: &str) -> Option<String> {
    if listen.starts_with('/') {
        return Some(format!("unix://{listen}"));
    }
    if listen.starts_with('@') || listen.contains("vsock:") {
        return None;
    }
    if listen.chars().all(|c| c.is_ascii_digit()) {
        return Some(format!("tcp://[::]:{listen}"));
    }
    let (_, port) = listen.rsplit_once(':')?;
    port.chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("tcp://{listen}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &std::path::Path, path: &str, text: &str) {
        let at = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, text).unwrap();
    }

    fn hosts(list: Value) -> BTreeMap<String, Sourced> {
        BTreeMap::from([(
            "hosts".to_string(),
            Sourced {
                value: list,
                source: "flag --host=fd://".into(),
            },
        )])
    }

    #[test]
    fn fd_hosts_listen_where_docker_socket_says() {
        let root = tempfile::tempdir().unwrap();
        write(
            root.path(),
            "/lib/systemd/system/docker.socket",
            "[Unit]\nDescription=Docker Socket\n[Socket]\nListenStream=%t/docker.sock\nSocketMode=0660\n",
        );
        // An administrator's drop-in adds a plaintext TCP port.
        write(
            root.path(),
            "/etc/systemd/system/docker.socket.d/tcp.conf",
            "[Socket]\n# open the API\nListenStream=0.0.0.0:2375\nListenStream=2376\n",
        );
        let host = HostFs::new(root.path());
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(
            settings["hosts"].value,
            serde_json::json!([
                "fd://",
                "unix:///run/docker.sock",
                "tcp://0.0.0.0:2375",
                "tcp://[::]:2376"
            ])
        );
        assert_eq!(
            settings["hosts"].source,
            "flag --host=fd://, fd:// through ListenStream of /lib/systemd/system/docker.socket, /etc/systemd/system/docker.socket.d/tcp.conf"
        );

        // An empty ListenStream= in a later drop-in resets the list.
        write(
            root.path(),
            "/etc/systemd/system/docker.socket.d/zz-only-unix.conf",
            "[Socket]\nListenStream=\nListenStream=/run/docker.sock\n",
        );
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(
            settings["hosts"].value,
            serde_json::json!(["fd://", "unix:///run/docker.sock"])
        );
    }

    #[test]
    fn files_systemd_does_not_read_as_drop_ins_are_left_out() {
        let root = tempfile::tempdir().unwrap();
        write(
            root.path(),
            "/lib/systemd/system/docker.socket",
            "[Socket]\nListenStream=/run/docker.sock\n",
        );
        // A hidden drop-in, a backup and a note: systemd reads none of them.
        for ignored in [".tcp.conf", "tcp.conf.bak", "README"] {
            write(
                root.path(),
                &format!("/etc/systemd/system/docker.socket.d/{ignored}"),
                "[Socket]\nListenStream=0.0.0.0:2375\n",
            );
        }
        let host = HostFs::new(root.path());
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(
            settings["hosts"].value,
            serde_json::json!(["fd://", "unix:///run/docker.sock"])
        );
    }

    #[test]
    fn entries_named_like_drop_ins_that_are_no_files_are_not_read() {
        let root = tempfile::tempdir().unwrap();
        write(
            root.path(),
            "/lib/systemd/system/docker.socket",
            "[Socket]\nListenStream=/run/docker.sock\n",
        );
        let folder = "/etc/systemd/system/docker.socket.d";
        write(
            root.path(),
            &format!("{folder}/tcp.conf"),
            "[Socket]\nListenStream=2375\n",
        );
        // A folder named like a drop-in, beside the real one: systemd does not read it.
        std::fs::create_dir_all(root.path().join(format!("{}/x.conf", &folder[1..]))).unwrap();
        // A drop-in masked by a link to /dev/null hides the vendor's of the same name.
        write(
            root.path(),
            "/lib/systemd/system/docker.socket.d/vendor.conf",
            "[Socket]\nListenStream=2376\n",
        );
        // The device cannot be made without privileges; a FIFO is no regular file either.
        std::fs::create_dir_all(root.path().join("dev")).unwrap();
        nix::unistd::mkfifo(&root.path().join("dev/null"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        std::os::unix::fs::symlink(
            "/dev/null",
            root.path().join(format!("{}/vendor.conf", &folder[1..])),
        )
        .unwrap();
        let host = HostFs::new(root.path());
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(
            settings["hosts"].value,
            serde_json::json!(["fd://", "unix:///run/docker.sock", "tcp://[::]:2375"])
        );
    }

    #[test]
    fn a_masked_socket_unit_opens_no_sockets() {
        let root = tempfile::tempdir().unwrap();
        write(
            root.path(),
            "/lib/systemd/system/docker.socket",
            "[Socket]\nListenStream=2375\n",
        );
        // Masked in /run: systemd loads neither the vendor's unit nor its drop-ins. The tree
        // has no /dev, so the link leads nowhere; on a live host it leads to the device.
        write(
            root.path(),
            "/lib/systemd/system/docker.socket.d/group.conf",
            "[Socket]\nSocketGroup=staff\n",
        );
        std::fs::create_dir_all(root.path().join("run/systemd/system")).unwrap();
        std::os::unix::fs::symlink(
            "/dev/null",
            root.path().join("run/systemd/system/docker.socket"),
        )
        .unwrap();
        let host = HostFs::new(root.path());
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(settings["hosts"].value, serde_json::json!(["fd://"]));
        assert!(!settings.contains_key("group"));
        // With /dev/null there (a FIFO stands in for the device), the mask is not read either.
        std::fs::create_dir_all(root.path().join("dev")).unwrap();
        nix::unistd::mkfifo(&root.path().join("dev/null"), nix::sys::stat::Mode::S_IRUSR).unwrap();
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(settings["hosts"].value, serde_json::json!(["fd://"]));
    }

    #[test]
    fn hosts_without_fd_are_left_as_they_are() {
        let root = tempfile::tempdir().unwrap();
        write(
            root.path(),
            "/lib/systemd/system/docker.socket",
            "[Socket]\nListenStream=2375\n",
        );
        let host = HostFs::new(root.path());
        let mut settings = hosts(serde_json::json!(["unix:///var/run/docker.sock"]));
        expand_fd_hosts(&host, &mut settings).unwrap();
        assert_eq!(
            settings["hosts"].value,
            serde_json::json!(["unix:///var/run/docker.sock"])
        );
        // No unit: nothing to add, and no error.
        let empty = tempfile::tempdir().unwrap();
        let mut settings = hosts(serde_json::json!(["fd://"]));
        expand_fd_hosts(&HostFs::new(empty.path()), &mut settings).unwrap();
        assert_eq!(settings["hosts"].value, serde_json::json!(["fd://"]));
    }

    #[test]
    fn listen_stream_values_as_dockerd_addresses() {
        for (listen, want) in [
            ("/run/docker.sock", Some("unix:///run/docker.sock")),
            ("2375", Some("tcp://[::]:2375")),
            ("127.0.0.1:2375", Some("tcp://127.0.0.1:2375")),
            ("[::1]:2376", Some("tcp://[::1]:2376")),
            ("@docker", None),
            ("vsock:2:2375", None),
        ] {
            assert_eq!(as_docker_address(listen).as_deref(), want, "{listen}");
        }
    }
}
