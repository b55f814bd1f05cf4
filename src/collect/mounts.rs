//! Whether the Docker root directory sits on its own file system (CIS 1.1.1).

use super::error::HostFileError;
use super::hostfs::HostFs;
use crate::snapshot::DockerRootFacts;

/// One line of `/proc/1/mountinfo`.
#[derive(Debug, Clone)]
struct Mount {
    device: String,
    root: String,
    mount_point: String,
    fs_type: String,
    source: String,
}

fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            let f: Vec<&str> = left.split(' ').collect();
            let r: Vec<&str> = right.split(' ').collect();
            Some(Mount {
                device: f.get(2)?.to_string(),
                root: unescape(f.get(3)?),
                mount_point: unescape(f.get(4)?),
                fs_type: r.first()?.to_string(),
                source: r.get(1).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

fn contains(mount_point: &str, path: &str) -> bool {
    mount_point == "/"
        || path == mount_point
        || path.starts_with(&format!("{}/", mount_point.trim_end_matches('/')))
}

/// Finds the mount holding `path` in the host's `/proc/1/mountinfo`.
pub fn docker_root(
    host: &HostFs,
    path: &str,
    path_source: &str,
) -> Result<DockerRootFacts, HostFileError> {
    let text = host
        .read_to_string("/proc/1/mountinfo")
        .map_err(HostFileError::read("/proc/1/mountinfo"))?;
    let mounts = parse_mountinfo(&text);
    // The last matching mount wins: later mounts cover earlier ones.
    let holder = mounts
        .iter()
        .filter(|m| contains(&m.mount_point, path))
        .max_by_key(|m| m.mount_point.len())
        .ok_or_else(|| HostFileError::NoMount {
            table: "/proc/1/mountinfo".into(),
            path: path.to_string(),
        })?;
    let root_fs = mounts.iter().rev().find(|m| m.mount_point == "/");
    let (separate, reason) = if holder.mount_point == "/" {
        (false, format!("{path} is on the root file system"))
    } else if root_fs.is_some_and(|r| r.device == holder.device) {
        (
            false,
            format!(
                "{} is a bind mount of {} from the root file system (device {})",
                holder.mount_point, holder.root, holder.device
            ),
        )
    } else if holder.mount_point.trim_end_matches('/') != path.trim_end_matches('/') {
        // A file system mounted above the Docker root (/var) is shared with whatever else
        // lives there (logs): Docker filling it stops them too. CIS asks for a mount at the
        // Docker root itself.
        (
            false,
            format!(
                "{path} is on {} ({}, {}), which holds more than the Docker root: no file system is mounted at {path} itself",
                holder.mount_point, holder.fs_type, holder.source
            ),
        )
    } else {
        (
            true,
            format!(
                "{path} is on {} ({}, {}), apart from /",
                holder.mount_point, holder.fs_type, holder.source
            ),
        )
    };
    Ok(DockerRootFacts {
        path: path.to_string(),
        path_source: path_source.to_string(),
        mount_point: holder.mount_point.clone(),
        fs_type: holder.fs_type.clone(),
        device: holder.device.clone(),
        source: holder.source.clone(),
        separate,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = "27 1 254:0 / / rw - ext4 /dev/vda rw\n40 27 254:0 /srv/docker /var/lib/docker rw - ext4 /dev/vda rw\n41 27 254:16 / /data rw - xfs /dev/vdb rw\n";

    fn host_with(info: &str) -> (tempfile::TempDir, HostFs) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/1")).unwrap();
        std::fs::write(dir.path().join("proc/1/mountinfo"), info).unwrap();
        let host = HostFs::new(dir.path());
        (dir, host)
    }

    #[test]
    fn bind_mount_of_root_is_not_separate() {
        let (_d, host) = host_with(INFO);
        let f = docker_root(&host, "/var/lib/docker", "default").unwrap();
        assert!(!f.separate, "{}", f.reason);
        assert!(f.reason.contains("bind mount"));
    }

    #[test]
    fn own_device_is_separate_and_root_is_not() {
        let (_d, host) = host_with(INFO);
        assert!(docker_root(&host, "/data", "x").unwrap().separate);
        assert!(!docker_root(&host, "/opt/docker", "x").unwrap().separate);
    }

    #[test]
    fn a_file_system_mounted_above_the_docker_root_is_shared_not_separate() {
        // /var on its own device, nothing mounted at /var/lib/docker: Docker shares /var
        // with the logs.
        let (_d, host) = host_with(
            "27 1 254:0 / / rw - ext4 /dev/vda rw
30 27 254:17 / /var rw - ext4 /dev/vdb1 rw
",
        );
        let f = docker_root(&host, "/var/lib/docker", "default").unwrap();
        assert!(!f.separate, "{}", f.reason);
        assert!(f
            .reason
            .contains("no file system is mounted at /var/lib/docker itself"));
    }
}
