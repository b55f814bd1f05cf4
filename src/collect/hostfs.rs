//! Reading the host's file system below a root (`--host-root`), never outside it.
//!
//! Every host path is resolved inside the root by [`jail`]: absolute symlinks start again at
//! the root, `..` stops there, and a path that cannot be resolved there (more than
//! [`jail::MAX_HOPS`] symlinks, a missing directory) is an error naming it, never a path the
//! kernel then resolves against the scanner's own root. The module doc of [`jail`] says which
//! resolver runs (`openat2(RESOLVE_IN_ROOT)` where the kernel has it, a careful walk where it
//! does not). Files are then read, stat'ed and listed through the descriptors it returns.
//!
//! `/proc` and `/sys` below another root are resolved the same way. On the live host (root
//! `/`) they are the scanner's own kernel's, so their files are opened directly, without a
//! resolution per component: a collection reads many of them per container ([`ProcDir`]).
//!
//! Reads are bounded: a configuration file at most [`MAX_HOST_FILE_BYTES`], a file in `/proc`
//! or `/sys` at most [`MAX_PSEUDO_FILE_BYTES`]; more is an error naming the limit. A
//! configuration file (a path outside `/proc` and `/sys`) that turns out to lie on procfs or
//! sysfs is refused: a host symlink `/etc/hostname -> /proc/self/environ` would otherwise put
//! the scanner's own environment into the report.

pub mod jail;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::fcntl::OFlag;

use super::error::HostFileError;
use crate::snapshot::FileFacts;
use jail::{Follow, Jail};
pub use jail::{Resolver, MAX_HOPS};

/// The most bytes read of one host file outside `/proc` and `/sys`: configuration files,
/// account databases and unit files are kilobytes; anything past 8 MiB is not one of them,
/// and reading it whole would cost as much memory.
pub const MAX_HOST_FILE_BYTES: u64 = 8 << 20;

/// The most bytes read of one file in `/proc` or `/sys`: the largest read is a network
/// namespace's `/proc/PID/net/tcp6` (about 150 bytes per socket, so some 400,000 sockets).
pub const MAX_PSEUDO_FILE_BYTES: u64 = 64 << 20;

/// Whether host path `path` is in `/proc` or `/sys` (after `..` is taken lexically), where
/// kernel files are expected. A path that goes on through one of /proc's links into a file
/// tree (`/proc/self/root/…`, `/proc/PID/cwd/…`, `/proc/PID/fd/N/…`) is no kernel file: it
/// is resolved like any host file, with its checks (a FIFO or device there is refused).
fn is_kernel_path(path: &str) -> bool {
    // The common case without `..`, without allocating: this runs for every per-container
    // /proc and cgroup read.
    if !path.split('/').any(|p| p == "..") {
        let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".");
        return match parts.next() {
            Some("proc") => !through_a_tree_link(parts),
            Some("sys") => true,
            _ => false,
        };
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    match parts.split_first() {
        Some((&"proc", rest)) => !through_a_tree_link(rest.iter().copied()),
        Some((&"sys", _)) => true,
        _ => false,
    }
}

/// Whether the components after `/proc` pass through a link of /proc that leads into a file
/// tree (a process's `root`, `cwd`, `fd/N` or `map_files/…`) and go on below it. Walks the
/// components without allocating: [`is_kernel_path`] runs for every kernel file read.
fn through_a_tree_link<'p>(mut after_proc: impl Iterator<Item = &'p str> + Clone) -> bool {
    while let Some(part) = after_proc.next() {
        let links_at = match part {
            "root" | "cwd" => 1,
            "fd" | "map_files" => 2,
            _ => continue,
        };
        if after_proc.clone().nth(links_at - 1).is_some() {
            return true;
        }
    }
    false
}

/// Opens a file of the live host's kernel file systems directly: the root is `/`, so the
/// kernel's own resolution is the confined one.
fn open_live(path: &str) -> io::Result<fs::File> {
    // Kernel files never block on open; whatever else is met here does not hold the scan.
    let fd = nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK,
        nix::sys::stat::Mode::empty(),
    )?;
    Ok(fs::File::from(fd))
}

/// Reads an open file to its end, at most `limit` bytes: into a buffer on the stack first (most
/// pseudo files are far below a page), so that the result is one allocation of the right size.
/// More than `limit` is an error, found without holding more than `limit` and a byte.
fn read_all(mut file: fs::File, limit: u64) -> io::Result<Vec<u8>> {
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
    file.take(limit + 1 - len as u64).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_big(limit));
    }
    Ok(buf)
}

/// The limit for a host path's reads.
fn limit_for(kernel_file: bool) -> u64 {
    if kernel_file {
        MAX_PSEUDO_FILE_BYTES
    } else {
        MAX_HOST_FILE_BYTES
    }
}

fn too_big(limit: u64) -> io::Error {
    let what = if limit == MAX_HOST_FILE_BYTES {
        "a host configuration file"
    } else {
        "a file in /proc or /sys"
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "larger than {} MiB, the most bollwerk reads of {what}: not read",
            limit >> 20
        ),
    )
}

/// Reads host path `path` through `jail`. Only regular files (and directories, whose reading
/// fails by itself with "Is a directory") are opened for reading: the file is first reached
/// with `O_PATH`, which has no effect on a FIFO or device, and checked; a FIFO would block the
/// scan (opening it waits for a writer, reading it takes what the writer meant for someone
/// else) and a device may act on being opened.
fn read_in(jail: &Jail, path: &str) -> io::Result<Vec<u8>> {
    let kernel_file = is_kernel_path(path);
    let limit = limit_for(kernel_file);
    let probe = fs::File::from(jail.open(path, Follow::Final, OFlag::O_PATH)?);
    let seen = probe.metadata()?;
    not_special(&seen)?;
    if !kernel_file {
        not_on_kernel_fs(&probe)?;
    }
    if seen.is_file() && seen.len() > limit {
        return Err(too_big(limit));
    }
    // O_NONBLOCK: should a FIFO take the file's place after the check, opening it returns at
    // once instead of waiting for a writer; the check below then refuses it.
    let file =
        fs::File::from(jail.open(path, Follow::Final, OFlag::O_RDONLY | OFlag::O_NONBLOCK)?);
    let opened = file.metadata()?;
    not_special(&opened)?;
    if (opened.dev(), opened.ino()) != (seen.dev(), seen.ino()) {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "replaced while being read; scan again",
        ));
    }
    read_all(file, limit)
}

/// The target of symlink `path` (not followed), reached through `jail`.
fn read_link_in(jail: &Jail, path: &str) -> io::Result<std::ffi::OsString> {
    let link = jail.open(path, Follow::NotFinal, OFlag::O_PATH)?;
    match nix::fcntl::readlinkat(&link, "") {
        Ok(target) => Ok(target),
        // The file is there (it was opened), so "not found" means it is no symlink.
        Err(nix::errno::Errno::ENOENT) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{path} is not a symbolic link"),
        )),
        Err(e) => Err(e.into()),
    }
}

/// An error when `file` lies on procfs or sysfs: no configuration file does, and one that
/// resolves there (a host symlink to `/proc/self/environ`) would show the scanner's own state.
fn not_on_kernel_fs(file: &fs::File) -> io::Result<()> {
    use nix::sys::statfs::{fstatfs, PROC_SUPER_MAGIC, SYSFS_MAGIC};
    let kind = fstatfs(file)?.filesystem_type();
    let name = if kind == PROC_SUPER_MAGIC {
        "procfs"
    } else if kind == SYSFS_MAGIC {
        "sysfs"
    } else {
        return Ok(());
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "resolves onto {name}, where no configuration file lives: refused, so that this \
             scanner's own state cannot reach the report"
        ),
    ))
}

/// One process's `/proc/PID` directory, held open so that its files are reached from it
/// (`openat`, `readlinkat`) instead of walking `/proc/PID` again for each: a container's
/// namespaces, cgroup, command line and status are read through one of these. Below another
/// root than `/`, each file is resolved inside that root instead.
pub struct ProcDir {
    dir: OwnedFd,
    pid: u32,
    /// `/proc/PID` as the host sees it, for error messages.
    path: String,
    /// The host root's jail, below another root than `/`.
    confined: Option<Arc<Jail>>,
}

impl ProcDir {
    /// Opens `/proc/PID` below `host`'s root.
    pub fn open(host: &HostFs, pid: u32) -> io::Result<ProcDir> {
        let path = format!("/proc/{pid}");
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let (dir, confined) = if host.live {
            let dir = nix::fcntl::open(path.as_str(), flags, nix::sys::stat::Mode::empty())?;
            (dir, None)
        } else {
            let dir = host.jail.open(&path, Follow::Final, flags)?;
            (dir, Some(host.jail.clone()))
        };
        Ok(ProcDir {
            dir,
            pid,
            path,
            confined,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `/proc/PID/NAME` as the host sees it (for messages).
    pub fn path_of(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    /// The whole of file `name` (relative, like `ns/net` or `status`), at most
    /// [`MAX_PSEUDO_FILE_BYTES`].
    pub fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        if let Some(jail) = &self.confined {
            return read_in(jail, &self.path_of(name));
        }
        let fd = nix::fcntl::openat(
            &self.dir,
            name,
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?;
        read_all(fs::File::from(fd), MAX_PSEUDO_FILE_BYTES)
    }

    /// [`ProcDir::read`] as text; not UTF-8 is an error.
    pub fn read_string(&self, name: &str) -> io::Result<String> {
        String::from_utf8(self.read(name)?).map_err(|_| not_utf8())
    }

    /// Namespace file `ns/KIND`, open (for `ioctl`s on the namespace itself). Opened from the
    /// held directory: in the kernel's /proc the link leads to the namespace, never to a path.
    /// Below another root than `/` that holds only where its /proc is the kernel's (a host's
    /// /proc mounted into a container); in a tree of plain files `ns/KIND` could be a symlink
    /// to anywhere outside the root, a FIFO or a device, so it is not opened there.
    pub fn open_namespace(&self, kind: &str) -> io::Result<OwnedFd> {
        if !self.is_kernels()? {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "{}: this /proc is not the kernel's, so it holds no namespace to open",
                    self.path_of(&format!("ns/{kind}"))
                ),
            ));
        }
        Ok(nix::fcntl::openat(
            &self.dir,
            format!("ns/{kind}").as_str(),
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )?)
    }

    /// Whether this is the kernel's /proc, not a tree of files standing for one (a fixture).
    pub fn is_kernels(&self) -> io::Result<bool> {
        use nix::sys::statfs::{fstatfs, PROC_SUPER_MAGIC};
        Ok(self.confined.is_none() || fstatfs(&self.dir)?.filesystem_type() == PROC_SUPER_MAGIC)
    }

    /// The inode number of `name` (relative, like `net/tcp`), links followed.
    pub fn inode_of(&self, name: &str) -> io::Result<u64> {
        let flags = OFlag::O_PATH | OFlag::O_CLOEXEC;
        let fd = match &self.confined {
            Some(jail) => jail.open(&self.path_of(name), Follow::Final, flags)?,
            None => nix::fcntl::openat(&self.dir, name, flags, nix::sys::stat::Mode::empty())?,
        };
        Ok(nix::sys::stat::fstat(&fd)?.st_ino)
    }

    /// The target of symlink `name` (like `ns/net`).
    pub fn read_link(&self, name: &str) -> io::Result<std::ffi::OsString> {
        if let Some(jail) = &self.confined {
            return read_link_in(jail, &self.path_of(name));
        }
        Ok(nix::fcntl::readlinkat(&self.dir, name)?)
    }
}

/// A folder of a kernel file system (a cgroup's), held open on the live host so that its files
/// and folders are reached from it (`openat`) instead of walking the whole path again for each:
/// on cgroup v2 one folder holds a container's limits and its process list. Below another root
/// than `/`, each is resolved inside that root like any host path.
pub struct KernelDir<'h> {
    host: &'h HostFs,
    /// The folder, open, on the live host: files are opened from it and it is listed itself.
    dir: Option<nix::dir::Dir>,
    /// Its host path, for messages and below another root.
    path: String,
}

impl<'h> KernelDir<'h> {
    /// Opens host folder `path` (`/sys/fs/cgroup/…`).
    pub fn open(host: &'h HostFs, path: &str) -> io::Result<KernelDir<'h>> {
        let dir = if host.live && is_kernel_path(path) {
            let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
            let fd = nix::fcntl::open(path, flags, nix::sys::stat::Mode::empty())?;
            Some(nix::dir::Dir::from_fd(fd)?)
        } else {
            // Below another root: the folder must be there, as on the live host.
            if !host.is_dir(path) {
                return Err(io::Error::from(io::ErrorKind::NotFound));
            }
            None
        };
        Ok(KernelDir {
            host,
            dir,
            path: path.trim_end_matches('/').to_string(),
        })
    }

    /// The folder's host path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The host path of `name` in this folder (for messages).
    pub fn path_of(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    /// The text of file `name` in this folder, at most [`MAX_PSEUDO_FILE_BYTES`].
    pub fn read_string(&self, name: &str) -> io::Result<String> {
        let Some(dir) = &self.dir else {
            return self.host.read_kernel_file(&self.path_of(name));
        };
        let flags = OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
        let fd = nix::fcntl::openat(dir, name, flags, nix::sys::stat::Mode::empty())?;
        let bytes = read_all(fs::File::from(fd), MAX_PSEUDO_FILE_BYTES)?;
        String::from_utf8(bytes).map_err(|_| not_utf8())
    }

    /// The folders in this folder, sorted.
    pub fn subdirs(&mut self) -> io::Result<Vec<String>> {
        match &mut self.dir {
            Some(dir) => folder_names(dir, &self.path, self.host),
            None => self.host.subdirs(&self.path),
        }
    }

    /// Folder `name` in this folder, open.
    pub fn open_sub(&self, name: &str) -> io::Result<KernelDir<'h>> {
        let path = self.path_of(name);
        let Some(dir) = &self.dir else {
            return KernelDir::open(self.host, &path);
        };
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW;
        let sub = nix::fcntl::openat(dir, name, flags, nix::sys::stat::Mode::empty())?;
        Ok(KernelDir {
            host: self.host,
            dir: Some(nix::dir::Dir::from_fd(sub)?),
            path,
        })
    }
}

/// The names of the folders listed by `dir` (host folder `path`), sorted: from the entries'
/// types where the file system gives them (cgroup and proc file systems do), else by opening
/// each.
fn folder_names(dir: &mut nix::dir::Dir, path: &str, host: &HostFs) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in dir.iter() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy();
        if name == "." || name == ".." {
            continue;
        }
        let is_dir = match entry.file_type() {
            Some(t) => t == nix::dir::Type::Directory,
            None => host.is_dir(&format!("{path}/{name}")),
        };
        if is_dir {
            names.push(name.into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// The names by id in a passwd or group file as `read`; none when it could not be read
/// ([`AccountFiles::unread`] says why).
fn id_names(read: &io::Result<String>) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    let Ok(text) = read else {
        return names;
    };
    for line in text.lines() {
        let mut f = line.split(':');
        let (Some(name), Some(Ok(id))) = (f.next(), f.nth(1).map(str::parse)) else {
            continue;
        };
        // Two names for one id: the first line's, as the system's own lookup gives it.
        names.entry(id).or_insert_with(|| name.to_string());
    }
    names
}

fn not_utf8() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}

/// The host's `/etc/passwd` and `/etc/group`, each read once when the [`HostFs`] is opened,
/// for the names of owners and for whoever else asks (group members, a user's home): as
/// read, or why not.
#[derive(Debug)]
pub struct AccountFiles {
    /// `/etc/passwd`.
    pub passwd: io::Result<String>,
    /// `/etc/group`.
    pub group: io::Result<String>,
}

impl AccountFiles {
    /// Why /etc/passwd or /etc/group could not be read (passwd's reason first), when one could
    /// not: then an id without a name may well have one ([`HostFs::owner_in_doubt`]).
    pub fn unread(&self) -> Option<String> {
        [("/etc/passwd", &self.passwd), ("/etc/group", &self.group)]
            .into_iter()
            .find_map(|(file, read)| {
                read.as_ref()
                    .err()
                    .map(|e| format!("cannot read {file}: {e}"))
            })
    }
}

/// The host's file system below a root directory.
#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
    /// The root is `/`: `/proc` and `/sys` are this machine's own.
    live: bool,
    jail: Arc<Jail>,
    accounts: Arc<AccountFiles>,
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
}

impl HostFs {
    /// Opens the host below `root`, reading its passwd and group files ([`AccountFiles`]). The
    /// resolver is `openat2` when the kernel has it, else the walk (see [`Resolver`]). A root
    /// that cannot be opened makes every read fail with the reason.
    pub fn new(root: &Path) -> HostFs {
        HostFs::open(root, None)
    }

    /// [`HostFs::new`] with the resolver chosen (tests use both).
    pub fn with_resolver(root: &Path, resolver: Resolver) -> HostFs {
        HostFs::open(root, Some(resolver))
    }

    fn open(root: &Path, resolver: Option<Resolver>) -> HostFs {
        let mut fs = HostFs {
            root: root.to_path_buf(),
            live: root == Path::new("/"),
            jail: Arc::new(Jail::new(root, resolver)),
            // These three are read below, through the jail.
            accounts: Arc::new(AccountFiles {
                passwd: Err(io::ErrorKind::NotFound.into()),
                group: Err(io::ErrorKind::NotFound.into()),
            }),
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
        };
        let accounts = AccountFiles {
            passwd: fs.read_to_string("/etc/passwd"),
            group: fs.read_to_string("/etc/group"),
        };
        (fs.users, fs.groups) = (id_names(&accounts.passwd), id_names(&accounts.group));
        fs.accounts = Arc::new(accounts);
        fs
    }

    /// The host's `/etc/passwd` and `/etc/group`, as read when it was opened.
    pub fn accounts(&self) -> &AccountFiles {
        &self.accounts
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The resolver in use.
    pub fn resolver(&self) -> Resolver {
        self.jail.resolver()
    }

    /// Why the owner [`HostFs::stat`] gave `f` is not known, when it is not: a uid or gid
    /// without a name while /etc/passwd or /etc/group could not be read (`root:0` may be
    /// `root:root`).
    pub fn owner_in_doubt(&self, f: &FileFacts) -> Option<String> {
        let unnamed = f.uid.is_some_and(|u| !self.users.contains_key(&u))
            || f.gid.is_some_and(|g| !self.groups.contains_key(&g));
        if !unnamed {
            return None;
        }
        let why = self.accounts.unread()?;
        Some(format!("the owner's names are not known: {why}"))
    }

    /// Reads a host file as text.
    pub fn read_to_string(&self, path: &str) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|_| not_utf8())
    }

    /// Reads a host file, resolved inside the root. Only regular files are read (a FIFO,
    /// socket or device is an error naming its kind), at most [`MAX_HOST_FILE_BYTES`] (in
    /// `/proc` and `/sys`: [`MAX_PSEUDO_FILE_BYTES`]); a file outside `/proc` and `/sys` that
    /// lies on procfs or sysfs is refused.
    pub fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        if self.live && is_kernel_path(path) {
            return read_all(open_live(path)?, MAX_PSEUDO_FILE_BYTES);
        }
        read_in(&self.jail, path)
    }

    /// Reads a file of a kernel file system (`/sys/fs/cgroup/…`, `/proc/…`) as text: on the
    /// live host opened directly, without a resolution per component; below another root
    /// resolved inside it like any host file.
    pub fn read_kernel_file(&self, path: &str) -> io::Result<String> {
        self.read_to_string(path)
    }

    /// The target of the symlink at host path `path` (the last component not followed), such
    /// as `/proc/PID/exe` or `/proc/PID/ns/net`.
    pub fn read_link(&self, path: &str) -> io::Result<std::ffi::OsString> {
        if self.live && is_kernel_path(path) {
            return Ok(nix::fcntl::readlink(path)?);
        }
        read_link_in(&self.jail, path)
    }

    /// Lists a host directory's entry names, sorted.
    pub fn list_dir(&self, path: &str) -> io::Result<Vec<String>> {
        let fd = self
            .jail
            .open(path, Follow::Final, OFlag::O_RDONLY | OFlag::O_DIRECTORY)?;
        let mut names = entry_names(fd)?;
        names.sort();
        Ok(names)
    }

    /// The names of the folders in host folder `path`, sorted: from the entries' types where
    /// the file system gives them (cgroup and proc file systems do), else by opening each.
    pub fn subdirs(&self, path: &str) -> io::Result<Vec<String>> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let fd = if self.live && is_kernel_path(path) {
            // As for reading kernel files on the live host: no resolution per component.
            nix::fcntl::open(path, flags, nix::sys::stat::Mode::empty())?
        } else {
            self.jail.open(path, Follow::Final, flags)?
        };
        folder_names(&mut nix::dir::Dir::from_fd(fd)?, path, self)
    }

    /// Whether a host path is a directory (following symlinks inside the root).
    pub fn is_dir(&self, path: &str) -> bool {
        self.jail
            .open(path, Follow::Final, OFlag::O_PATH | OFlag::O_DIRECTORY)
            .is_ok()
    }

    /// Whether something is at a host path: `Ok(true)` when it resolves or is a symlink loop,
    /// `Ok(false)` when nothing is there (a component is missing or is not a folder), and the
    /// error when that cannot be told (a folder the scanner may not search): "not found" must
    /// mean looked at and absent.
    pub fn presence(&self, path: &str) -> io::Result<bool> {
        match self.jail.open(path, Follow::Final, OFlag::O_PATH) {
            Ok(_) => Ok(true),
            Err(e) => match e.raw_os_error() {
                Some(nix::libc::ELOOP) => Ok(true),
                Some(nix::libc::ENOENT | nix::libc::ENOTDIR) => Ok(false),
                _ => Err(e),
            },
        }
    }

    /// The host path with symlinks resolved, when it differs from `path`.
    pub fn canonical(&self, path: &str) -> Option<String> {
        self.jail.canonical(path).filter(|c| c != path)
    }

    /// [`HostFs::canonical`], with the error when `path` cannot be resolved (a loop of links,
    /// a folder the scanner may not search): then where it leads is unknown, not `path`.
    pub fn resolved(&self, path: &str) -> io::Result<Option<String>> {
        Ok(Some(self.jail.resolve(path)?).filter(|c| c != path))
    }

    /// When a host file was last changed.
    pub fn modified(&self, path: &str) -> io::Result<std::time::SystemTime> {
        let fd = self.jail.open(path, Follow::Final, OFlag::O_PATH)?;
        fs::File::from(fd).metadata()?.modified()
    }

    /// `stat` of a host path. A missing path is `exists: false`; other failures are errors
    /// naming the path and the OS error.
    pub fn stat(&self, path: &str) -> Result<FileFacts, HostFileError> {
        let failed = |source| HostFileError::Stat {
            path: path.to_string(),
            source,
        };
        let fd = match self.jail.open(path, Follow::Final, OFlag::O_PATH) {
            Ok(fd) => fd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(FileFacts {
                    resolved: self.canonical(path),
                    ..FileFacts::default()
                })
            }
            Err(e) => return Err(failed(e)),
        };
        let m = fs::File::from(fd).metadata().map_err(failed)?;
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

    /// Every entry below host directory `dir`, recursively, stat'ed; `Ok(None)` when `dir`
    /// does not exist or is no directory. The entries of a directory a symbolic link leads to
    /// are listed too, one level, under the link's own path: what a program that reads the
    /// folder through the link finds (dockerd reads `certs.d/HOST` through one). Nothing below
    /// those entries is walked, so a link to `/` lists `/`'s entries and no more, and a loop of
    /// links ends. The walk goes from directory descriptor to directory descriptor, and a
    /// link is resolved inside the root, so it never leaves the root.
    pub fn tree(&self, dir: &str) -> Result<Option<BTreeMap<String, FileFacts>>, HostFileError> {
        let top = match self
            .jail
            .open(dir, Follow::Final, OFlag::O_RDONLY | OFlag::O_DIRECTORY)
        {
            Ok(fd) => fd,
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(nix::libc::ENOENT | nix::libc::ENOTDIR)
                ) =>
            {
                return Ok(None)
            }
            Err(source) => {
                return Err(HostFileError::List {
                    path: dir.to_string(),
                    source,
                })
            }
        };
        let mut out = BTreeMap::new();
        self.tree_into(top, dir.trim_end_matches('/'), true, &mut out)?;
        Ok(Some(out))
    }

    /// Adds the entries below open directory `fd` (host path `host_dir`) to `out`, and with
    /// `descend` those below its directories.
    fn tree_into(
        &self,
        fd: OwnedFd,
        host_dir: &str,
        descend: bool,
        out: &mut BTreeMap<String, FileFacts>,
    ) -> Result<(), HostFileError> {
        let listed = |source: io::Error| HostFileError::List {
            path: host_dir.to_string(),
            source,
        };
        let parent = fd.try_clone().map_err(listed)?;
        let mut names = entry_names(fd).map_err(listed)?;
        names.sort();
        for name in names {
            let host_path = format!("{host_dir}/{name}");
            let facts = self.stat(&host_path)?;
            // Followed to the end: a link to a directory says `dir`.
            let leads_to_dir = facts.kind.as_deref() == Some("dir");
            out.insert(host_path.clone(), facts);
            if !descend {
                continue;
            }
            // Only a real directory is entered, by name from its parent and without
            // following a symlink, so the walk stays below `host_dir`.
            let child = nix::fcntl::openat(
                &parent,
                name.as_str(),
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            );
            match child {
                Ok(child) => self.tree_into(child, &host_path, true, out)?,
                // A symbolic link to a directory (inside the root) is walked under its path;
                // anything else is no directory.
                Err(nix::errno::Errno::ENOTDIR | nix::errno::Errno::ELOOP) if leads_to_dir => {
                    let target = self.jail.open(
                        &host_path,
                        Follow::Final,
                        OFlag::O_RDONLY | OFlag::O_DIRECTORY,
                    );
                    if let Ok(target) = target {
                        self.tree_into(target, &host_path, false, out)?;
                    }
                }
                Err(nix::errno::Errno::ENOTDIR | nix::errno::Errno::ELOOP) => {}
                Err(e) => {
                    return Err(HostFileError::List {
                        path: host_path,
                        source: io::Error::other(e),
                    })
                }
            }
        }
        Ok(())
    }

    /// The ids of the processes in the host's `/proc`, in the order listed.
    pub fn process_ids(&self) -> io::Result<Vec<u32>> {
        Ok(self
            .list_dir("/proc")?
            .iter()
            .filter_map(|name| name.parse().ok())
            .collect())
    }

    /// Name of the user with `uid` on the host.
    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.users.get(&uid).map(String::as_str)
    }
}

/// The entry names of open directory `fd`, without `.` and `..`, in the order read.
fn entry_names(fd: OwnedFd) -> io::Result<Vec<String>> {
    let mut dir = nix::dir::Dir::from_fd(fd)?;
    let mut names = Vec::new();
    for entry in dir.iter() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy();
        if name != "." && name != ".." {
            names.push(name.into_owned());
        }
    }
    Ok(names)
}

/// A file type's name in the snapshot (`FileFacts::kind`) and in an error message.
fn file_kind(ft: fs::FileType) -> (&'static str, &'static str) {
    let kind = if ft.is_dir() {
        "dir"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_fifo() {
        "fifo"
    } else if ft.is_block_device() {
        "block"
    } else if ft.is_char_device() {
        "char"
    } else {
        "file"
    };
    (kind, FileFacts::kind_named(kind))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_with_two_names_is_named_as_the_system_names_it() {
        // The system's lookup takes the first line with the id.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/group"), "root:x:0:\nadmins:x:0:\n").unwrap();
        let host = HostFs::new(dir.path());
        assert_eq!(host.user_name(0), Some("root"));
        assert_eq!(host.groups.get(&0).map(String::as_str), Some("root"));
    }
    use std::os::unix::fs::symlink;

    const BOTH: [Resolver; 2] = [Resolver::Openat2, Resolver::Walk];

    /// A host root in `base/root`, with a secret file beside it (outside the root) at
    /// `base/secret`.
    fn tree() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("root");
        fs::create_dir_all(root.join("etc/docker")).unwrap();
        fs::create_dir_all(root.join("run")).unwrap();
        let secret = base.path().join("secret");
        fs::write(&secret, "SECRET outside the root\n").unwrap();
        (base, root, secret)
    }

    /// A chain of `links` symlinks at `root/rel`, through `root/chain/N`, the last pointing at
    /// `target`; links alternate between absolute and relative targets.
    fn chain(root: &Path, rel: &str, links: usize, target: &str) {
        fs::create_dir_all(root.join("chain")).unwrap();
        let at = |i: usize| {
            if i == 0 {
                root.join(rel)
            } else {
                root.join(format!("chain/{i}"))
            }
        };
        for i in 0..links {
            let next = if i + 1 == links {
                target.to_string()
            } else if i % 2 == 0 {
                format!("/chain/{}", i + 1)
            } else {
                // From chain/N (or from the starting link's own directory, for i = 0).
                format!("../chain/{}", i + 1)
            };
            let _ = fs::remove_file(at(i));
            symlink(next, at(i)).unwrap();
        }
    }

    fn errno(e: &io::Error) -> Option<i32> {
        e.raw_os_error()
    }

    #[test]
    fn kernel_paths_are_told_after_dot_dot() {
        assert!(is_kernel_path("/proc/1/mountinfo"));
        assert!(is_kernel_path("//./sys/fs/cgroup"));
        assert!(is_kernel_path("/etc/../proc/sys/kernel/osrelease"));
        assert!(!is_kernel_path("/proc/../etc/shadow"));
        assert!(!is_kernel_path("/etc/hostname"));
        assert!(!is_kernel_path("/processes"));
        // Through a process's links into a file tree: no kernel file.
        assert!(!is_kernel_path("/proc/self/root/tmp/daemon.json"));
        assert!(!is_kernel_path("/proc/7/cwd/x"));
        assert!(!is_kernel_path("/proc/7/task/7/root/etc/passwd"));
        assert!(!is_kernel_path("/proc/7/fd/3/x"));
        assert!(!is_kernel_path("/etc/../proc/1/root/x"));
        // The links themselves, and files named alike, are the kernel's.
        assert!(is_kernel_path("/proc/7/root"));
        assert!(is_kernel_path("/proc/7/fd/3"));
        assert!(is_kernel_path("/proc/sys/kernel/cwd_like"));
    }

    #[test]
    fn a_fifo_reached_through_a_process_root_link_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("daemon.json");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        // A rootless daemon's user names their config folder this way.
        let path = format!("/proc/self/root{}", fifo.display());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(HostFs::new(Path::new("/")).read(&path).map(|_| ()));
        });
        let read = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the read waited for a writer");
        assert!(read.is_err(), "a FIFO was read as a file");
    }

    #[test]
    fn absolute_symlinks_stay_inside_the_root() {
        for resolver in BOTH {
            let (_base, root, _) = tree();
            fs::create_dir_all(root.join("var")).unwrap();
            symlink("/run", root.join("var/run")).unwrap();
            fs::write(root.join("run/docker.sock"), "").unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            assert_eq!(host.resolver(), resolver);
            assert_eq!(
                host.canonical("/var/run/docker.sock").as_deref(),
                Some("/run/docker.sock")
            );
            assert!(host.stat("/var/run/docker.sock").unwrap().exists);
            let missing = host.stat("/var/run/nothing").unwrap();
            assert!(!missing.exists);
            assert_eq!(missing.resolved.as_deref(), Some("/run/nothing"));
            assert_eq!(host.canonical("/../../etc").as_deref(), Some("/etc"));
            assert!(host.is_dir("/../../etc/docker"), "{resolver:?}");
        }
    }

    #[test]
    fn links_out_of_the_root_resolve_inside_it() {
        for resolver in BOTH {
            let (_base, root, secret) = tree();
            let abs = secret.display().to_string();
            // Relative, absolute, and `..` above the root: all land inside the root, where
            // there is no such file.
            symlink("../../../../../../../../secret", root.join("etc/relative")).unwrap();
            symlink(&abs, root.join("etc/absolute")).unwrap();
            symlink(format!("/../../../..{abs}"), root.join("etc/dotdot")).unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            for link in ["/etc/relative", "/etc/absolute", "/etc/dotdot"] {
                let e = host.read(link).unwrap_err();
                assert_eq!(
                    e.kind(),
                    io::ErrorKind::NotFound,
                    "{resolver:?} {link}: {e}"
                );
                assert!(!host.presence(link).unwrap(), "{resolver:?} {link}");
            }
            assert_eq!(host.canonical("/etc/relative").as_deref(), Some("/secret"));
            // A file of that name inside the root is what they name.
            fs::write(root.join("secret"), "inside\n").unwrap();
            assert_eq!(host.read_to_string("/etc/relative").unwrap(), "inside\n");
        }
    }

    #[test]
    fn forty_links_are_followed_and_the_41st_is_an_error() {
        for resolver in BOTH {
            let (_base, root, secret) = tree();
            let abs = secret.display().to_string();
            fs::create_dir_all(root.join(abs.trim_start_matches('/')).parent().unwrap()).unwrap();
            fs::write(root.join(abs.trim_start_matches('/')), "inside\n").unwrap();
            chain(&root, "etc/hostname", MAX_HOPS, &abs);
            let host = HostFs::with_resolver(&root, resolver);
            assert_eq!(
                host.read_to_string("/etc/hostname").unwrap(),
                "inside\n",
                "{resolver:?}"
            );
            // One more link: before, the resolver stopped at the 41st and the kernel
            // followed it out of the root to the secret.
            chain(&root, "etc/hostname", MAX_HOPS + 1, &abs);
            let host = HostFs::with_resolver(&root, resolver);
            let e = host.read("/etc/hostname").unwrap_err();
            assert_eq!(errno(&e), Some(nix::libc::ELOOP), "{resolver:?}: {e}");
            assert!(host
                .stat("/etc/hostname")
                .unwrap_err()
                .to_string()
                .contains("symbolic links"));
            // Something is there (a loop of links), though it cannot be opened.
            assert!(host.presence("/etc/hostname").unwrap());
            assert_eq!(host.canonical("/etc/hostname"), None);
            // A directory at the end of such a chain is not listed either.
            fs::create_dir_all(root.join("etc/docker")).unwrap();
            chain(&root, "etc/docker/certs.d", MAX_HOPS + 1, "/");
            let e = host.list_dir("/etc/docker/certs.d").unwrap_err();
            assert_eq!(errno(&e), Some(nix::libc::ELOOP));
            let e = host.tree("/etc/docker/certs.d").unwrap_err().to_string();
            assert!(e.starts_with("cannot list /etc/docker/certs.d: "), "{e}");
        }
    }

    #[test]
    fn a_proc_symlink_does_not_lead_to_this_machines_proc() {
        for resolver in BOTH {
            for target in ["/proc", "../../../../../proc"] {
                let (_base, root, _) = tree();
                symlink(target, root.join("proc")).unwrap();
                let host = HostFs::with_resolver(&root, resolver);
                let e = host.read("/proc/1/mountinfo").unwrap_err();
                assert_eq!(
                    errno(&e),
                    Some(nix::libc::ELOOP),
                    "{resolver:?} {target}: {e}"
                );
                assert!(host.list_dir("/proc").is_err());
                assert!(host.read_link("/proc/1/exe").is_err());
                assert!(ProcDir::open(&host, std::process::id()).is_err());
            }
        }
    }

    #[test]
    fn proc_files_of_a_tree_are_read_inside_it() {
        for resolver in BOTH {
            let (_base, root, secret) = tree();
            fs::create_dir_all(root.join("proc/7/ns")).unwrap();
            fs::write(root.join("proc/7/status"), "Name:\tdockerd\n").unwrap();
            symlink("net:[4026531992]", root.join("proc/7/ns/net")).unwrap();
            // A status that points out of the tree names a file inside it instead.
            symlink(&secret, root.join("proc/7/cgroup")).unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let dir = ProcDir::open(&host, 7).unwrap();
            assert_eq!(dir.read_string("status").unwrap(), "Name:\tdockerd\n");
            assert_eq!(dir.read_link("ns/net").unwrap(), "net:[4026531992]");
            let e = dir.read("cgroup").unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound, "{resolver:?}: {e}");
            assert_eq!(
                host.read_link("/proc/7/ns/net").unwrap(),
                "net:[4026531992]"
            );
        }
    }

    #[test]
    fn a_trees_namespace_link_is_not_opened() {
        for resolver in BOTH {
            let (base, root, _secret) = tree();
            // `ns` leads out of the root, to a folder whose `pid` is a FIFO: opened, it would
            // be outside the jail and wait for a writer.
            let outside = base.path().join("outside");
            fs::create_dir_all(&outside).unwrap();
            nix::unistd::mkfifo(&outside.join("pid"), nix::sys::stat::Mode::S_IRWXU).unwrap();
            fs::create_dir_all(root.join("proc/7")).unwrap();
            symlink(&outside, root.join("proc/7/ns")).unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let dir = ProcDir::open(&host, 7).unwrap();
            let e = dir.open_namespace("pid").unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{resolver:?}: {e}");
            assert!(e.to_string().contains("/proc/7/ns/pid"), "{e}");
        }
        // The kernel's /proc below another root (a host's mounted into a container) still
        // gives the namespace.
        let host = HostFs::new(Path::new("/proc/self/root"));
        let dir = ProcDir::open(&host, std::process::id()).unwrap();
        let ns = dir.open_namespace("pid").unwrap();
        let want = fs::metadata("/proc/self/ns/pid").unwrap();
        assert_eq!(
            nix::sys::stat::fstat(&ns).unwrap().st_ino,
            std::os::unix::fs::MetadataExt::ino(&want)
        );
    }

    #[test]
    fn a_configuration_file_on_procfs_is_refused_even_on_the_live_host() {
        for resolver in BOTH {
            // Root `/`: a link in a temporary folder to this process's environment.
            let dir = tempfile::tempdir().unwrap();
            let link = dir.path().join("hostname");
            symlink("/proc/self/environ", &link).unwrap();
            let host = HostFs::with_resolver(Path::new("/"), resolver);
            let e = host.read(&link.display().to_string()).unwrap_err();
            assert!(e.to_string().contains("resolves onto procfs"), "{e}");
            let sys = dir.path().join("sys");
            symlink("/sys/kernel/uevent_seqnum", &sys).unwrap();
            let e = host.read(&sys.display().to_string()).unwrap_err();
            assert!(e.to_string().contains("resolves onto sysfs"), "{e}");
            // The kernel's own files are read where they belong.
            assert!(host
                .read_to_string("/proc/self/status")
                .unwrap()
                .starts_with("Name:"));
            assert!(host.read_to_string("/proc/sys/kernel/osrelease").is_ok());
        }
    }

    #[test]
    fn reads_stop_at_the_limit() {
        for resolver in BOTH {
            let (_base, root, _) = tree();
            let big = fs::File::create(root.join("etc/docker/daemon.json")).unwrap();
            // Sparse: no disk space, and no memory unless read whole.
            big.set_len(MAX_HOST_FILE_BYTES + 1).unwrap();
            fs::write(root.join("etc/docker/small.json"), "{}").unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let e = host.read("/etc/docker/daemon.json").unwrap_err();
            assert_eq!(
                e.to_string(),
                "larger than 8 MiB, the most bollwerk reads of a host configuration file: not read"
            );
            assert_eq!(host.read("/etc/docker/small.json").unwrap(), b"{}");
        }
        // A file that grows past its size at open is cut off by the read itself.
        let (_base, root, _) = tree();
        fs::write(root.join("etc/small"), vec![b'x'; 10_000]).unwrap();
        let e = read_all(fs::File::open(root.join("etc/small")).unwrap(), 5_000).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            read_all(fs::File::open(root.join("etc/small")).unwrap(), 10_000)
                .unwrap()
                .len(),
            10_000
        );
    }

    #[test]
    fn links_to_fifos_and_sockets_are_refused_without_waiting() {
        for resolver in BOTH {
            let (_base, root, _) = tree();
            nix::unistd::mkfifo(
                &root.join("run/fifo"),
                nix::sys::stat::Mode::from_bits_truncate(0o644),
            )
            .unwrap();
            let _listener = std::os::unix::net::UnixListener::bind(root.join("run/sock")).unwrap();
            symlink("/run/fifo", root.join("etc/docker/daemon.json")).unwrap();
            symlink("../../run/sock", root.join("etc/docker/other.json")).unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let e = host.read("/etc/docker/daemon.json").unwrap_err();
            assert_eq!(e.to_string(), "not a regular file but a FIFO");
            let e = host.read("/etc/docker/other.json").unwrap_err();
            assert_eq!(e.to_string(), "not a regular file but a socket");
            assert_eq!(
                host.stat("/etc/docker/other.json").unwrap().kind.as_deref(),
                Some("socket")
            );
        }
    }

    #[test]
    fn a_tree_does_not_follow_symlinks_out() {
        for resolver in BOTH {
            let (_base, root, secret) = tree();
            let certs = root.join("etc/docker/certs.d/registry:5000");
            fs::create_dir_all(&certs).unwrap();
            fs::write(certs.join("ca.crt"), "cert").unwrap();
            symlink(secret.parent().unwrap(), certs.join("outside")).unwrap();
            symlink("/", root.join("etc/docker/certs.d/top")).unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let tree = host.tree("/etc/docker/certs.d").unwrap().unwrap();
            let names: Vec<&str> = tree.keys().map(String::as_str).collect();
            // A link to a folder is listed one level under its own path, resolved inside the
            // root: `top` lists the root's entries, and nothing below them.
            assert_eq!(
                names,
                [
                    "/etc/docker/certs.d/registry:5000",
                    "/etc/docker/certs.d/registry:5000/ca.crt",
                    "/etc/docker/certs.d/registry:5000/outside",
                    "/etc/docker/certs.d/top",
                    "/etc/docker/certs.d/top/etc",
                    "/etc/docker/certs.d/top/run",
                ]
            );
            // The link is stat'ed inside the root: the folder it names is not there.
            assert!(!tree["/etc/docker/certs.d/registry:5000/outside"].exists);
            assert_eq!(host.tree("/etc/nothing").unwrap(), None);
        }
    }

    #[test]
    fn a_file_where_a_directory_should_be_is_an_error() {
        for resolver in BOTH {
            let (_base, root, _) = tree();
            fs::write(root.join("etc/file"), "x").unwrap();
            let host = HostFs::with_resolver(&root, resolver);
            let e = host.read("/etc/file/below").unwrap_err();
            assert_eq!(errno(&e), Some(nix::libc::ENOTDIR), "{resolver:?}");
        }
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
