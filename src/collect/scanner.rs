//! The container bollwerk itself runs in, when it runs in one: found from its own
//! `/proc/self/cgroup` (cgroup v1 `/docker/<id>`, v2 `docker-<id>.scope`) and
//! `/proc/self/mountinfo` (the daemon bind-mounts `/var/lib/docker/containers/<id>/hostname`
//! and friends into every container). That container is the scanner, not a workload: collect
//! takes it out of the containers rules judge and names it in the snapshot.
//!
//! These are the scanner's own files, read directly, not below `--host-root`.

/// The 64-hex-digit container id in `text` after one of the markers that name a Docker
/// container in cgroup paths and mount sources.
fn id_after_marker(text: &str) -> Option<String> {
    for marker in ["/docker/", "docker-", "/containers/"] {
        let mut rest = text;
        while let Some(at) = rest.find(marker) {
            let tail = &rest[at + marker.len()..];
            let id: String = tail.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            if id.len() == 64 {
                return Some(id);
            }
            rest = tail;
        }
    }
    None
}

/// The id of the container this process runs in, from the texts of its `/proc/self/cgroup`
/// and `/proc/self/mountinfo`; `None` outside a Docker container.
pub fn container_id_from(cgroup: &str, mountinfo: &str) -> Option<String> {
    cgroup
        .lines()
        .find_map(id_after_marker)
        .or_else(|| mountinfo.lines().find_map(id_after_marker))
}

/// The id of the container bollwerk runs in, if any.
pub fn own_container_id() -> Option<String> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    container_id_from(&cgroup, &mountinfo)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

    #[test]
    fn finds_the_id_in_cgroup_v1_v2_and_mountinfo() {
        assert_eq!(
            container_id_from(&format!("12:pids:/docker/{ID}\n"), ""),
            Some(ID.into())
        );
        assert_eq!(
            container_id_from(&format!("0::/system.slice/docker-{ID}.scope\n"), ""),
            Some(ID.into())
        );
        let mountinfo = format!(
            "512 500 254:1 /var/lib/docker/containers/{ID}/hostname /etc/hostname rw - ext4 /dev/vda rw\n"
        );
        assert_eq!(container_id_from("0::/\n", &mountinfo), Some(ID.into()));
    }

    #[test]
    fn a_host_process_is_in_no_container() {
        assert_eq!(
            container_id_from(
                "0::/user.slice\n9:pids:/\n",
                "22 1 0:21 / /proc rw - proc proc rw\n"
            ),
            None
        );
        // A short hex run after a marker is not an id.
        assert_eq!(container_id_from("1:pids:/docker/abc\n", ""), None);
    }
}
