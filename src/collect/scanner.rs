//! The container bollwerk itself runs in, when it runs in one: found from its own
//! `/proc/self/cgroup` (cgroup v1 `/docker/<id>`, v2 `docker-<id>.scope`) and
//! `/proc/self/mountinfo` (the daemon bind-mounts `/var/lib/docker/containers/<id>/hostname`
//! and friends into every container). That container is the scanner, not a workload: collect
//! takes it out of the containers rules judge and names it in the snapshot.
//!
//! These are the scanner's own files, read directly, not below `--host-root`.

/// Markers that name a Docker container in a cgroup path: v1 `/docker/<id>`, v2
/// `docker-<id>.scope`.
const CGROUP_MARKERS: [&str; 2] = ["/docker/", "docker-"];

/// Files the daemon bind-mounts into every container from the container's own folder under
/// its data root (`<data-root>/containers/<id>/hostname`).
const CONTAINER_FILES: [&str; 3] = ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"];

/// The 64-hex-digit container id in `text` after one of `markers`.
fn id_after_marker(text: &str, markers: &[&str]) -> Option<String> {
    for marker in markers {
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

/// The id of the container whose files are mounted on this process's `/etc/hostname`,
/// `/etc/hosts` or `/etc/resolv.conf`, from the text of its mountinfo. Only those mount
/// points count: a host's own table names containers too (a container with
/// `--ipc shareable` has its `/dev/shm` mounted at `<data-root>/containers/<id>/mounts/shm`
/// on the host), and the process reading it is in none of them.
fn id_in_mountinfo(mountinfo: &str) -> Option<String> {
    mountinfo.lines().find_map(|line| {
        // "ID PARENT MAJOR:MINOR ROOT MOUNT-POINT …": ROOT is what is mounted, as a path in
        // its own file system.
        let mut fields = line.split(' ');
        let root = fields.nth(3)?;
        let mount_point = fields.next()?;
        if !CONTAINER_FILES.contains(&mount_point) {
            return None;
        }
        id_after_marker(root, &["/containers/"])
    })
}

/// The id of the container this process runs in, from the texts of its `/proc/self/cgroup`
/// and `/proc/self/mountinfo`; `None` outside a Docker container.
pub fn container_id_from(cgroup: &str, mountinfo: &str) -> Option<String> {
    cgroup
        .lines()
        .find_map(|line| id_after_marker(line, &CGROUP_MARKERS))
        .or_else(|| id_in_mountinfo(mountinfo))
}

/// The id of the container bollwerk runs in, if any. `host_mount_ns` is the inode of the
/// host's mount namespace, when known: a process in it is in no container (each has its own),
/// and its mount table, which holds every container's root file system, is not read.
pub fn own_container_id(host_mount_ns: Option<u64>) -> Option<String> {
    let cgroup = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let own_mount_ns = std::fs::read_link("/proc/self/ns/mnt")
        .ok()
        .and_then(|target| super::runtime::namespace_inode(&target.to_string_lossy()));
    let in_host_mounts = host_mount_ns.is_some() && own_mount_ns == host_mount_ns;
    let mountinfo = if in_host_mounts {
        String::new()
    } else {
        std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default()
    };
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

    #[test]
    fn a_containers_folder_mounted_on_the_host_is_not_the_scanners_container() {
        // A host's own table: a container started with --ipc shareable has its /dev/shm
        // mounted in its folder, and overlay roots name layers.
        let host = format!(
            "2369 45 0:1118 / /var/lib/docker/containers/{ID}/mounts/shm rw - tmpfs shm rw\n\
             2370 45 0:1119 / /var/lib/docker/overlay2/{ID}/merged rw - overlay overlay rw\n"
        );
        assert_eq!(container_id_from("0::/user.slice\n", &host), None);
        // The container's own table: its /etc/hosts comes from that folder.
        let inside = format!(
            "600 500 254:1 /lib/docker/containers/{ID}/hosts /etc/hosts rw - ext4 /dev/vdb rw\n"
        );
        assert_eq!(container_id_from("0::/\n", &inside), Some(ID.into()));
    }
}
