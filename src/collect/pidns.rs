//! Pids of a daemon in a pid namespace below this host's: rootless Docker started with
//! rootlesskit's `--pidns`, or a dockerd in a container with a pid namespace of its own.
//!
//! Such a daemon gives its containers' pids (`State.Pid`) as its own namespace numbers them.
//! This host numbers the same processes otherwise, and its process of that number is another
//! one, or none. `NSpid:` in `/proc/PID/status` lists a process's pid in each pid namespace
//! from this host's down to its own, so one pass over `/proc` finds, for each process in the
//! daemon's namespace (or one below it), its pid there and here. A process of the same depth in
//! another namespace (a second rootless daemon) is told apart by walking its namespace up to
//! the daemon's depth (`NS_GET_PARENT`) and comparing that namespace with the daemon's.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Mutex;

use super::hostfs::{HostFs, ProcDir};

/// `ioctl(fd, NS_GET_PARENT)` on a namespace file: a new descriptor of its parent namespace
/// (linux/nsfs.h: `_IO(0xb7, 0x2)`).
mod nsfs {
    nix::ioctl_none!(ns_get_parent, 0xb7, 0x2);
}
use nsfs::ns_get_parent;

/// The pid namespace of a daemon that does not share this host's: how deep below it lies, and
/// which it is. Built once per collection; the pids are read from `/proc` when first asked,
/// and once more when a pid is missing.
pub struct DaemonPids {
    /// The daemon's place in `NSpid:` lines: 0 is this host's namespace.
    depth: usize,
    /// The inode of the daemon's pid namespace.
    inode: u64,
    /// The daemon's pids → this host's, once read, and whether read again since.
    map: Mutex<Read>,
}

/// What [`DaemonPids`] read of `/proc`.
#[derive(Default)]
struct Read {
    /// The daemon's pids → this host's; `None` until first asked.
    pids: Option<Result<HashMap<u32, u32>, String>>,
    /// Read again after a pid was missing (a container started after the first reading):
    /// once per collection, so that many missing pids cost one more pass, not one each.
    again: bool,
}

impl DaemonPids {
    /// The pid namespace of dockerd, this host's process `dockerd`; `None` when it is this
    /// host's own (the daemon's pids are this host's).
    pub fn of(host: &HostFs, dockerd: u32) -> Result<Option<DaemonPids>, String> {
        let dir = ProcDir::open(host, dockerd)
            .map_err(|e| format!("cannot read /proc/{dockerd}: {e}"))?;
        let pids = ns_pids(&dir)?;
        if pids.len() <= 1 {
            return Ok(None);
        }
        let inode = namespace_inode(&dir).map_err(|e| {
            format!("cannot read the pid namespace of dockerd (pid {dockerd}): {e}")
        })?;
        Ok(Some(DaemonPids {
            depth: pids.len() - 1,
            inode,
            map: Mutex::default(),
        }))
    }

    /// This host's pid of the process the daemon numbers `pid`.
    pub fn host_pid(&self, host: &HostFs, pid: u32) -> Result<u32, String> {
        let mut read = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let found = |read: &Read| match &read.pids {
            Some(Ok(map)) => Ok(map.get(&pid).copied()),
            Some(Err(e)) => Err(e.clone()),
            None => Ok(None),
        };
        if read.pids.is_none() {
            read.pids = Some(self.read(host));
        }
        if found(&read)?.is_none() && !read.again {
            read.pids = Some(self.read(host));
            read.again = true;
        }
        found(&read)?.ok_or_else(|| {
            format!(
                "dockerd runs in a pid namespace below this host's (pid:[{}]), and no process here is its pid {pid}",
                self.inode
            )
        })
    }

    /// Every process of the daemon's namespace or one below it: its pid there → here.
    fn read(&self, host: &HostFs) -> Result<HashMap<u32, u32>, String> {
        let pids = host
            .process_ids()
            .map_err(|e| format!("cannot list /proc for the daemon's pids: {e}"))?;
        let mut map = HashMap::new();
        for here in pids {
            // A process that ends meanwhile is simply not there.
            let Ok(dir) = ProcDir::open(host, here) else {
                continue;
            };
            let Ok(pids) = ns_pids(&dir) else { continue };
            let Some(&theirs) = pids.get(self.depth) else {
                continue;
            };
            if self.holds(&dir, pids.len() - 1) {
                map.insert(theirs, here);
            }
        }
        Ok(map)
    }

    /// Whether the process of `dir`, whose pid namespace lies `level` below this host's, is in
    /// the daemon's namespace or one below it.
    fn holds(&self, dir: &ProcDir, level: usize) -> bool {
        let Ok(mut ns) = dir.open_namespace("pid") else {
            return false;
        };
        for _ in self.depth..level {
            // SAFETY: the ioctl takes a namespace descriptor we own and returns a new one,
            // which `OwnedFd` then owns.
            match unsafe { ns_get_parent(ns.as_raw_fd()) } {
                Ok(parent) => ns = unsafe { OwnedFd::from_raw_fd(parent) },
                Err(_) => return false,
            }
        }
        nix::sys::stat::fstat(&ns).is_ok_and(|st| st.st_ino == self.inode)
    }
}

/// The pids of `dir`'s process from this host's namespace down to its own (`NSpid:`); just its
/// pid here on a kernel too old to say.
pub(super) fn ns_pids(dir: &ProcDir) -> Result<Vec<u32>, String> {
    let status = dir
        .read_string("status")
        .map_err(|e| format!("cannot read {}: {e}", dir.path_of("status")))?;
    let listed = status.lines().find_map(|l| l.strip_prefix("NSpid:"));
    match listed {
        Some(pids) => pids
            .split_whitespace()
            .map(|p| {
                p.parse()
                    .map_err(|_| format!("{}: bad NSpid line", dir.path_of("status")))
            })
            .collect(),
        None => Ok(vec![dir.pid()]),
    }
}

/// The inode of `dir`'s process's pid namespace.
fn namespace_inode(dir: &ProcDir) -> std::io::Result<u64> {
    let ns = dir.open_namespace("pid")?;
    Ok(nix::sys::stat::fstat(&ns)?.st_ino)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The child of `parent` (this host's pid), waiting for it to appear.
    fn child_of(parent: u32) -> u32 {
        for _ in 0..200 {
            let found = std::fs::read_dir("/proc").unwrap().find_map(|e| {
                let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
                let ppid = status.lines().find_map(|l| l.strip_prefix("PPid:"))?;
                (ppid.trim() == parent.to_string()).then_some(pid)
            });
            if let Some(pid) = found {
                return pid;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("process {parent} started no child");
    }

    #[test]
    fn a_nested_namespace_s_pids_are_found_here_even_when_started_later() {
        if !nix::unistd::geteuid().is_root() {
            // scripts/test.sh, which CI runs, runs as root.
            eprintln!("SKIP: creating a pid namespace needs root");
            return;
        }
        use std::process::{Command, Stdio};
        // `unshare --pid --fork`: its child is pid 1 of a new pid namespace, standing in for
        // a dockerd there.
        let mut unshare = Command::new("unshare")
            .args(["--pid", "--fork", "--kill-child", "sleep", "30"])
            .stdout(Stdio::null())
            .spawn()
            .expect("unshare (util-linux)");
        let first = child_of(unshare.id());
        let host = HostFs::new(std::path::Path::new("/"));
        let pids = DaemonPids::of(&host, first)
            .unwrap()
            .expect("a namespace below this host's");
        assert_eq!(pids.host_pid(&host, 1), Ok(first));
        // A process that enters the namespace after the first reading is found by a second.
        let mut nsenter = Command::new("nsenter")
            .args(["--target", &first.to_string(), "--pid", "sleep", "30"])
            .spawn()
            .expect("nsenter (util-linux)");
        let later = child_of(nsenter.id());
        let dir = ProcDir::open(&host, later).unwrap();
        let theirs = *ns_pids(&dir).unwrap().last().unwrap();
        assert_ne!(theirs, later);
        assert_eq!(pids.host_pid(&host, theirs), Ok(later));
        // A pid nobody has there is an error, not this host's process of that number.
        let none = pids.host_pid(&host, 4_000_000).unwrap_err();
        assert!(
            none.contains("no process here is its pid 4000000"),
            "{none}"
        );
        for child in [&mut nsenter, &mut unshare] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    #[test]
    fn a_process_of_this_host_s_namespace_needs_no_translation() {
        let host = HostFs::new(std::path::Path::new("/"));
        let me = std::process::id();
        assert!(DaemonPids::of(&host, me).unwrap().is_none());
    }
}
