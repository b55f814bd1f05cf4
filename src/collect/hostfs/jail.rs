//! Resolving host paths inside the host root, never outside it.
//!
//! A [`Jail`] holds the host root open and resolves every host path against that descriptor;
//! no path joined onto the root is ever handed to the kernel to resolve. Symlinks are followed
//! as the host would follow them: absolute targets start again at the root, `..` never climbs
//! above it, and after [`MAX_HOPS`] symlinks resolution fails with `ELOOP` instead of handing
//! back a partly resolved path.
//!
//! Two resolvers do this, with the same answers:
//!
//! * [`Resolver::Openat2`] (used wherever the kernel has it, Linux 5.6 and later): one
//!   `openat2(2)` with `RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS` on the root descriptor; the
//!   kernel confines the walk and refuses magic links such as `/proc/PID/root`.
//! * [`Resolver::Walk`] (the fallback, chosen when a probe `openat2` on the root at start
//!   fails: `ENOSYS` on an old kernel, `EPERM` under a seccomp filter): a walk in user space,
//!   one component at a time, with `openat(O_PATH | O_NOFOLLOW)` from the directory reached so
//!   far and `readlinkat` for each symlink. A magic link is read as text and that text is
//!   resolved inside the root like any other target, so it is confined too.
//!
//! [`Jail::canonical`] (the host path with its symlinks resolved, for display) always walks,
//! since it needs the names the walk passes through.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{Mode, SFlag};

/// The most symlinks one resolution follows, as the kernel's own limit (`MAXSYMLINKS`).
pub const MAX_HOPS: usize = 40;

/// How host paths are resolved inside the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// The kernel's `openat2(RESOLVE_IN_ROOT)`.
    Openat2,
    /// A component-by-component walk in user space (where `openat2` is missing).
    Walk,
}

/// Whether the last component of a path is followed when it is a symlink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// Follow it, like `stat(2)` and `open(2)`.
    Final,
    /// Stop at it, like `lstat(2)` and `readlink(2)`.
    NotFinal,
}

/// The host root, held open, and the resolver in use.
#[derive(Debug)]
pub struct Jail {
    /// The root directory (`O_PATH`), or the errno met opening it: every resolution then fails
    /// with it.
    root: Result<OwnedFd, Errno>,
    resolver: Resolver,
}

impl Jail {
    /// Opens `root`; `resolver` `None` picks [`Resolver::Openat2`] when the kernel answers a
    /// probe, else [`Resolver::Walk`].
    pub fn new(root: &Path, resolver: Option<Resolver>) -> Jail {
        let root = nix::fcntl::open(
            root,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        );
        let resolver = resolver.unwrap_or_else(|| match &root {
            Ok(fd) => probe(fd.as_fd()),
            Err(_) => Resolver::Walk,
        });
        Jail { root, resolver }
    }

    /// The resolver in use.
    pub fn resolver(&self) -> Resolver {
        self.resolver
    }

    fn root(&self) -> io::Result<BorrowedFd<'_>> {
        match &self.root {
            Ok(fd) => Ok(fd.as_fd()),
            Err(e) => Err(io::Error::from(*e)),
        }
    }

    /// Opens host path `path` (as the host names it) with `flags` (`O_CLOEXEC` is added).
    pub fn open(&self, path: &str, follow: Follow, flags: OFlag) -> io::Result<OwnedFd> {
        let root = self.root()?;
        let flags = flags | OFlag::O_CLOEXEC;
        match self.resolver {
            Resolver::Openat2 => open_in_root(root, path, follow, flags),
            Resolver::Walk => walk_open(root, path, follow, flags),
        }
    }

    /// The host path that `path` names once its symlinks are followed; a missing tail is kept
    /// as written. `None` when resolution fails otherwise (a loop, a permission).
    pub fn canonical(&self, path: &str) -> Option<String> {
        self.resolve(path).ok()
    }

    /// [`Jail::canonical`], with the error that stopped the resolution.
    pub fn resolve(&self, path: &str) -> io::Result<String> {
        let mut walk = Walk::new(self.root()?, path);
        loop {
            match walk.step(Follow::Final) {
                Ok(Step::Next) => {}
                Ok(Step::Final(_, name)) => {
                    walk.names.push(name);
                    break;
                }
                Ok(Step::Done) => break,
                Err(Errno::ENOENT | Errno::ENOTDIR) => {
                    walk.keep_missing_tail();
                    break;
                }
                Err(e) => return Err(io::Error::from(e)),
            }
        }
        let names: Vec<_> = walk.names.iter().map(|n| n.to_string_lossy()).collect();
        Ok(format!("/{}", names.join("/")))
    }
}

/// Which resolver this kernel allows: `openat2` unless it is missing or filtered.
fn probe(root: BorrowedFd) -> Resolver {
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    match nix::fcntl::openat2(root, ".", how) {
        Ok(_) => Resolver::Openat2,
        Err(_) => Resolver::Walk,
    }
}

/// `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` relative to `root`. The kernel answers
/// `EAGAIN` when a concurrent rename might have let `..` out; that is tried again a few times.
fn open_in_root(root: BorrowedFd, path: &str, follow: Follow, flags: OFlag) -> io::Result<OwnedFd> {
    let flags = match follow {
        Follow::Final => flags,
        Follow::NotFinal => flags | OFlag::O_NOFOLLOW,
    };
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() { "." } else { relative };
    let how = OpenHow::new()
        .flags(flags)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let mut tries = 0;
    loop {
        match nix::fcntl::openat2(root, relative, how) {
            Err(Errno::EAGAIN) if tries < 8 => tries += 1,
            other => return other.map_err(io::Error::from),
        }
    }
}

/// The user-space resolver: [`Walk`] to the last component, then opens that (without
/// following it, as the walk already has) with `flags`.
fn walk_open(root: BorrowedFd, path: &str, follow: Follow, flags: OFlag) -> io::Result<OwnedFd> {
    let mut walk = Walk::new(root, path);
    loop {
        match walk.step(follow)? {
            Step::Next => {}
            Step::Final(fd, name) => {
                // The O_PATH descriptor the walk holds is what a bare O_PATH open wants.
                if (flags - OFlag::O_CLOEXEC - OFlag::O_NOFOLLOW) == OFlag::O_PATH {
                    return Ok(fd);
                }
                // Opened again by name in the same directory: O_NOFOLLOW keeps a symlink
                // swapped in meanwhile from being followed by the kernel.
                return Ok(nix::fcntl::openat(
                    walk.dir(),
                    name.as_os_str(),
                    flags | OFlag::O_NOFOLLOW,
                    Mode::empty(),
                )?);
            }
            Step::Done => {
                return Ok(nix::fcntl::openat(walk.dir(), ".", flags, Mode::empty())?);
            }
        }
    }
}

/// One step of the walk.
enum Step {
    /// A component was taken (a directory entered, `..` or a symlink expanded).
    Next,
    /// The last component, not to be followed further: its `O_PATH` descriptor and name,
    /// in the directory [`Walk::dir`].
    Final(OwnedFd, OsString),
    /// Nothing is left: the path names the directory [`Walk::dir`].
    Done,
}

/// A resolution in progress: the directories entered below the root (each held open, so that
/// `..` goes back to the very directory it came through and never above the root), the
/// components still to take and the symlinks followed so far.
struct Walk<'a> {
    root: BorrowedFd<'a>,
    dirs: Vec<OwnedFd>,
    names: Vec<OsString>,
    /// Components still to take, the next one last.
    pending: Vec<OsString>,
    /// The component a step failed on, for [`Walk::keep_missing_tail`].
    failed: Option<OsString>,
    hops: usize,
}

impl<'a> Walk<'a> {
    fn new(root: BorrowedFd<'a>, path: &str) -> Walk<'a> {
        let mut pending = components_of(OsStr::new(path));
        pending.reverse();
        Walk {
            root,
            dirs: Vec::new(),
            names: Vec::new(),
            pending,
            failed: None,
            hops: 0,
        }
    }

    /// The directory reached so far.
    fn dir(&self) -> BorrowedFd<'_> {
        self.dirs.last().map_or(self.root, |d| d.as_fd())
    }

    fn step(&mut self, follow: Follow) -> Result<Step, Errno> {
        let Some(part) = self.pending.pop() else {
            return Ok(Step::Done);
        };
        if part == ".." {
            // At the root, `..` is the root itself.
            self.dirs.pop();
            self.names.pop();
            return Ok(Step::Next);
        }
        let fd = match nix::fcntl::openat(
            self.dir(),
            part.as_os_str(),
            OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(e) => {
                self.failed = Some(part);
                return Err(e);
            }
        };
        let kind = SFlag::from_bits_truncate(nix::sys::stat::fstat(&fd)?.st_mode) & SFlag::S_IFMT;
        let last = self.pending.is_empty();
        if kind == SFlag::S_IFLNK && (!last || follow == Follow::Final) {
            self.hops += 1;
            if self.hops > MAX_HOPS {
                self.failed = Some(part);
                return Err(Errno::ELOOP);
            }
            // An O_PATH descriptor of the link itself: no window for a swap by name.
            let target = nix::fcntl::readlinkat(&fd, "")?;
            let target = target.as_bytes();
            if target.first() == Some(&b'/') {
                self.dirs.clear();
                self.names.clear();
            }
            let mut more = components_of(OsStr::from_bytes(target));
            more.reverse();
            self.pending.extend(more);
            return Ok(Step::Next);
        }
        if last {
            return Ok(Step::Final(fd, part));
        }
        if kind != SFlag::S_IFDIR {
            self.failed = Some(part);
            return Err(Errno::ENOTDIR);
        }
        self.dirs.push(fd);
        self.names.push(part);
        Ok(Step::Next)
    }

    /// After a component was not found: the rest of the path kept as written (`..` taken
    /// lexically), for display.
    fn keep_missing_tail(&mut self) {
        let rest = self
            .failed
            .take()
            .into_iter()
            .chain(self.pending.drain(..).rev());
        for part in rest.collect::<Vec<_>>() {
            if part == ".." {
                self.names.pop();
            } else {
                self.names.push(part);
            }
        }
    }
}

/// The names and `..` of a path; `.`, empty parts and the leading `/` dropped.
fn components_of(path: &OsStr) -> Vec<OsString> {
    use std::path::Component;
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}
