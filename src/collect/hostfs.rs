//! Reading the host's file system below a root (`--host-root`), never outside it.
//!
//! Absolute symlinks are resolved against the root, so a fixture tree or a host mounted at
//! `/host` reads the same as `/`. Files of kernel pseudo file systems, read many times per
//! collection, have lean readers: [`read_pseudo`] and [`HostFs::read_kernel_file`].

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::snapshot::FileFacts;

/// Reads a file whole, as `fs::read` does, but without its `stat` and small probe reads: a
/// system call each, that files of kernel pseudo file systems (`/proc`, `/sys`: sized 0,
/// mostly under a page) gain nothing from. Used for the many such reads per container.
pub fn read_pseudo(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    read_all(fs::File::open(path)?)
}

/// Reads an open pseudo file to its end: into a buffer on the stack first (most are far below
/// a page), so that the result is one allocation of the right size.
fn read_all(mut file: fs::File) -> io::Result<Vec<u8>> {
    let mut first = [0u8; 4096];
    let mut len = 0;
    while len < first.len() {
        match file.read(&mut first[len..]) {
            Ok(0) => return Ok(first[..len].to_vec()),
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let mut buf = first.to_vec();
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

/// One process's `/proc/PID` directory, held open so that its files are reached from it
/// (`openat`, `readlinkat`) instead of walking `/proc/PID` again for each: a container's
/// namespaces, cgroup, command line and status are read through one of these.
pub struct ProcDir {
    dir: std::os::fd::OwnedFd,
    pid: u32,
    /// `/proc/PID` as the host sees it, for error messages.
    path: String,
}

impl ProcDir {
    /// Opens `/proc/PID` below `host`'s root.
    pub fn open(host: &HostFs, pid: u32) -> io::Result<ProcDir> {
        let path = format!("/proc/{pid}");
        let dir = nix::fcntl::open(
            &host.resolve_proc(&path),
            nix::fcntl::OFlag::O_PATH
                | nix::fcntl::OFlag::O_DIRECTORY
                | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        Ok(ProcDir { dir, pid, path })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `/proc/PID/NAME` as the host sees it (for messages).
    pub fn path_of(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    /// The whole of file `name` (relative, like `ns/net` or `status`), as [`read_pseudo`].
    pub fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let fd = nix::fcntl::openat(
            &self.dir,
            name,
            nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        read_all(fs::File::from(fd))
    }

    /// [`ProcDir::read`] as text; not UTF-8 is an error.
    pub fn read_string(&self, name: &str) -> io::Result<String> {
        String::from_utf8(self.read(name)?).map_err(|_| not_utf8())
    }

    /// The target of symlink `name` (like `ns/net`).
    pub fn read_link(&self, name: &str) -> io::Result<std::ffi::OsString> {
        Ok(nix::fcntl::readlinkat(&self.dir, name)?)
    }
}

fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// [`read_pseudo`] as text; not UTF-8 is an error as with `fs::read_to_string`.
pub fn read_pseudo_string(path: impl AsRef<Path>) -> io::Result<String> {
    String::from_utf8(read_pseudo(path)?).map_err(|_| not_utf8())
}

/// The host's file system below a root directory.
#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
}

impl HostFs {
    /// Opens the host below `root`, reading its passwd and group files for names.
    pub fn new(root: &Path) -> HostFs {
        let mut fs = HostFs {
            root: root.to_path_buf(),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
        };
        fs.users = fs.id_names("/etc/passwd");
        fs.groups = fs.id_names("/etc/group");
        fs
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn id_names(&self, file: &str) -> BTreeMap<u32, String> {
        self.read_to_string(file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                let id = f.nth(1)?.parse().ok()?;
                Some((id, name.to_string()))
            })
            .collect()
    }

    /// Where host path `path` is on this machine, following symlinks inside the root.
    pub fn resolve(&self, path: &str) -> PathBuf {
        self.resolve_checked(path).unwrap_or_else(|(p, _)| p)
    }

    /// Like [`HostFs::resolve`], but a symlink loop is an error (ELOOP), given with the path
    /// reached so far.
    fn resolve_checked(&self, path: &str) -> Result<PathBuf, (PathBuf, io::Error)> {
        let mut current = self.root.clone();
        let mut pending: Vec<String> = components(path);
        pending.reverse();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                if current != self.root {
                    current.pop();
                }
                continue;
            }
            let next = current.join(&part);
            match fs::symlink_metadata(&next) {
                Ok(m) if m.file_type().is_symlink() && hops >= 40 => {
                    return Err((next, io::Error::from_raw_os_error(nix::libc::ELOOP)));
                }
                Ok(m) if m.file_type().is_symlink() => {
                    hops += 1;
                    let target = fs::read_link(&next).unwrap_or_default();
                    let target = target.to_string_lossy();
                    if target.starts_with('/') {
                        current = self.root.clone();
                    }
                    let mut more = components(&target);
                    more.reverse();
                    pending.extend(more);
                }
                _ => current = next,
            }
        }
        Ok(current)
    }

    /// Reads a host file as text.
    pub fn read_to_string(&self, path: &str) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|_| not_utf8())
    }

    /// Reads a host file. Only regular files are read: a FIFO would block the scan (opening
    /// it waits for a writer, reading it takes what the writer meant for someone else) and a
    /// device may act on being opened, so both are errors naming their kind.
    pub fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let real = self.resolve(path);
        not_special(&fs::metadata(&real)?)?;
        // O_NONBLOCK: should a FIFO take the file's place after the check, opening it
        // returns at once instead of waiting for a writer; fstat then refuses it.
        let mut file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NONBLOCK)
            .open(&real)?;
        not_special(&file.metadata()?)?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Reads a file of a kernel file system (`/sys/fs/cgroup/…`) as text. On the live host
    /// (root `/`) the kernel resolves the path, which is the walk [`HostFs::resolve`] makes
    /// there, without a `stat` per component; below another root it is resolved like any host
    /// file.
    pub fn read_kernel_file(&self, path: &str) -> io::Result<String> {
        if self.root == Path::new("/") {
            read_pseudo_string(path)
        } else {
            self.read_to_string(path)
        }
    }

    /// Lists a host directory's entry names, sorted.
    pub fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(self.resolve(path))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Whether a host path exists (following symlinks inside the root).
    pub fn exists(&self, path: &str) -> bool {
        self.resolve(path).exists()
    }

    /// Whether something is at a host path, even a broken or looping symlink.
    pub fn present(&self, path: &str) -> bool {
        fs::symlink_metadata(self.resolve(path)).is_ok()
    }

    /// The host path with symlinks resolved, when it differs from `path`.
    pub fn canonical(&self, path: &str) -> Option<String> {
        let real = self.resolve(path);
        let rel = real.strip_prefix(&self.root).ok()?;
        let host = format!("/{}", rel.display());
        (host != path).then_some(host)
    }

    /// `stat` of a host path. A missing path is `exists: false`; other failures are errors
    /// naming the path and the OS error.
    pub fn stat(&self, path: &str) -> Result<FileFacts, String> {
        let real = match self.resolve_checked(path) {
            Ok(p) => p,
            Err((p, e)) => {
                return Err(format!("cannot stat {path} (read as {}): {e}", p.display()))
            }
        };
        match fs::metadata(&real) {
            Ok(m) => {
                let (kind, _) = file_kind(m.file_type());
                let user = self
                    .users
                    .get(&m.uid())
                    .cloned()
                    .unwrap_or_else(|| m.uid().to_string());
                let group = self
                    .groups
                    .get(&m.gid())
                    .cloned()
                    .unwrap_or_else(|| m.gid().to_string());
                Ok(FileFacts {
                    exists: true,
                    kind: Some(kind.into()),
                    uid: Some(m.uid()),
                    gid: Some(m.gid()),
                    owner: Some(format!("{user}:{group}")),
                    mode: Some(format!("{:04o}", m.mode() & 0o7777)),
                    resolved: self.canonical(path),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(FileFacts {
                resolved: self.canonical(path),
                ..FileFacts::default()
            }),
            Err(e) => Err(format!(
                "cannot stat {path} (read as {}): {e}",
                real.display()
            )),
        }
    }

    /// Where a `/proc` path is, without following the final symlink (namespace links).
    pub fn resolve_proc(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }

    /// Every entry below host directory `dir` (recursively, symlinks not followed), stat'ed;
    /// `Ok(None)` when `dir` does not exist.
    pub fn tree(&self, dir: &str) -> Result<Option<BTreeMap<String, FileFacts>>, String> {
        let real = self.resolve(dir);
        if !real.is_dir() {
            return Ok(None);
        }
        let mut out = BTreeMap::new();
        for entry in walkdir::WalkDir::new(&real)
            .min_depth(1)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| format!("cannot list {dir}: {e}"))?;
            let rel = entry.path().strip_prefix(&real).unwrap_or(entry.path());
            let host_path = format!("{}/{}", dir.trim_end_matches('/'), rel.display());
            out.insert(host_path.clone(), self.stat(&host_path)?);
        }
        Ok(Some(out))
    }

    /// Name of the user with `uid` on the host.
    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.users.get(&uid).map(String::as_str)
    }
}

/// A file type's name in the snapshot (`FileFacts::kind`) and in an error message.
fn file_kind(ft: fs::FileType) -> (&'static str, &'static str) {
    if ft.is_dir() {
        ("dir", "a directory")
    } else if ft.is_socket() {
        ("socket", "a socket")
    } else if ft.is_fifo() {
        ("fifo", "a FIFO")
    } else if ft.is_block_device() {
        ("block", "a block device")
    } else if ft.is_char_device() {
        ("char", "a character device")
    } else {
        ("file", "a regular file")
    }
}

/// An error unless `meta` is a regular file or a directory (whose reading fails by itself with
/// "Is a directory").
fn not_special(meta: &fs::Metadata) -> io::Result<()> {
    match file_kind(meta.file_type()) {
        ("file" | "dir", _) => Ok(()),
        (_, named) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file but {named}"),
        )),
    }
}

fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("run")).unwrap();
        fs::create_dir_all(root.join("var")).unwrap();
        std::os::unix::fs::symlink("/run", root.join("var/run")).unwrap();
        fs::write(root.join("run/docker.sock"), "").unwrap();
        let host = HostFs::new(root);
        assert_eq!(
            host.resolve("/var/run/docker.sock"),
            root.join("run/docker.sock")
        );
        assert!(host.stat("/var/run/docker.sock").unwrap().exists);
        assert!(!host.stat("/var/run/nothing").unwrap().exists);
        assert_eq!(host.resolve("/../../etc"), root.join("etc"));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/docker")).unwrap();
        nix::unistd::mkfifo(
            &root.join("etc/docker/daemon.json"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .unwrap();
        fs::write(root.join("etc/hostname"), "box\n").unwrap();
        let host = HostFs::new(root);
        // Before the fix this blocked in open(2) for ever.
        let e = host.read_to_string("/etc/docker/daemon.json").unwrap_err();
        assert_eq!(e.to_string(), "not a regular file but a FIFO");
        assert_eq!(host.read_to_string("/etc/hostname").unwrap(), "box\n");
        assert_eq!(
            host.read_to_string("/etc").unwrap_err().raw_os_error(),
            Some(nix::libc::EISDIR)
        );
    }
}
