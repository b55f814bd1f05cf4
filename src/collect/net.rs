//! Listening TCP sockets of a process's network namespace.
//!
//! Two ways to read them, with the same result (sorted, deduplicated [`ListeningSocket`]s):
//!
//! * **netlink** (the live host, `--host-root /`): a `NETLINK_SOCK_DIAG` `inet_diag` dump of
//!   TCP sockets of both families in state `TCP_LISTEN` only (one `TCPDIAG_GETSOCK` request;
//!   one `SOCK_DIAG_BY_FAMILY` request per family where a kernel lacks it). The kernel
//!   then walks only its listening hash, never the established-connection hash that a read of
//!   `/proc/PID/net/tcp` walks whatever the namespace holds (1.5–2 ms per file on a host with
//!   262,144 buckets; a dump costs tens of microseconds). A netlink socket answers for the
//!   network namespace it was created in, so it is created by a dedicated short-lived thread
//!   that first enters the namespace with `setns(open("/proc/PID/ns/net"), CLONE_NEWNET)`.
//!   `setns` changes only that thread, which ends when its work is done and runs nothing else;
//!   no host state changes.
//! * **/proc** (the fallback): `/proc/PID/net/tcp` and `tcp6` under the host root. Used when
//!   the host root is not `/` (another tree's /proc: its namespaces are not ours to enter), and
//!   for any namespace whose netlink dump fails (not root, no `sock_diag`, …).
//!
//! [`Namespaces::read`] takes processes one by one while they are found (collection feeds it
//! each running container over a channel as soon as it is inspected) and reads each network
//! namespace once, by the inode of `/proc/PID/ns/net` (containers sharing one,
//! `--network container:X`, are read once); [`listening_of`] is the same for a list. The
//! host's own sockets ([`host_listening`]) are pid 1's; where pid 1's namespace cannot be
//! entered, a process shown to share it stands in.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::errno::Errno;
use nix::sched::CloneFlags;
use nix::sys::socket::{
    recv, sendto, setsockopt, socket, sockopt, AddressFamily, MsgFlags, NetlinkAddr, SockFlag,
    SockProtocol, SockType,
};
use nix::sys::time::TimeVal;

use super::hostfs::HostFs;
use crate::snapshot::ListeningSocket;

/// Why the listening sockets of a network namespace could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SocketsError {
    /// The namespace reader gave no answer for the process.
    #[error("no answer for process {pid}")]
    NoAnswer {
        /// The process.
        pid: u32,
    },
    /// A `/proc/PID/net` table could not be read.
    #[error("cannot read {path}: {why}")]
    Table {
        /// The table's host path.
        path: String,
        /// The system's reason.
        why: String,
    },
    /// The process's namespace file could not be opened.
    #[error("cannot open {path}: {why}")]
    OpenNamespace {
        /// `/proc/PID/ns/net`.
        path: String,
        /// The system's reason.
        why: String,
    },
    /// The namespace could not be entered.
    #[error("cannot enter {path}: {errno}")]
    EnterNamespace {
        /// `/proc/PID/ns/net`.
        path: String,
        /// The system's reason.
        errno: Errno,
    },
    /// No thread could be started to enter the namespace.
    #[error("cannot start a thread: {why}")]
    Thread {
        /// The system's reason.
        why: String,
    },
    /// The thread that entered the namespace panicked.
    #[error("the netlink thread panicked")]
    ThreadPanicked,
    /// The kernel's sock_diag interface failed or answered something unexpected.
    #[error(transparent)]
    Netlink(#[from] NetlinkError),
}

/// What went wrong asking the kernel's sock_diag interface for TCP listeners.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum NetlinkError {
    /// A message's length does not fit the datagram.
    #[error("malformed netlink message: length {len} with {left} bytes left")]
    Malformed {
        /// The length the message claims.
        len: usize,
        /// The bytes left in the datagram.
        left: usize,
    },
    /// An error message too short to hold its code.
    #[error("truncated netlink error message")]
    TruncatedError,
    /// The kernel refused the dump.
    #[error("sock_diag dump failed: {0}")]
    DumpFailed(Errno),
    /// The dump was marked inconsistent (a concurrent change).
    #[error("sock_diag dump interrupted by a concurrent change")]
    Interrupted,
    /// A socket description too short.
    #[error("truncated inet_diag_msg ({0} bytes)")]
    TruncatedMessage(usize),
    /// A socket address too short.
    #[error("truncated address")]
    TruncatedAddress,
    /// The sock_diag socket could not be opened.
    #[error("cannot open a sock_diag socket: {0}")]
    Socket(Errno),
    /// Its receive timeout could not be set.
    #[error("cannot set a receive timeout: {0}")]
    ReceiveTimeout(Errno),
    /// The request was not sent whole.
    #[error("sock_diag request cut short ({0} bytes sent)")]
    CutShort(usize),
    /// The request could not be sent.
    #[error("cannot send a sock_diag request: {0}")]
    Send(Errno),
    /// The answer could not be read.
    #[error("cannot read the sock_diag answer: {0}")]
    Receive(Errno),
    /// An answer larger than the buffer.
    #[error("sock_diag answer of {0} bytes truncated")]
    AnswerTruncated(usize),
}

/// Listening sockets in the network namespace of process `pid`.
pub fn listening(host: &HostFs, pid: u32) -> Result<Vec<ListeningSocket>, SocketsError> {
    listening_of(host, &[pid])
        .pop()
        .unwrap_or(Err(SocketsError::NoAnswer { pid }))
}

/// Listening sockets of the host's network namespace: pid 1's, else (pid 1's unreadable)
/// those of `dockerd`'s. `netns` looks up which namespace a process is in.
pub fn host_listening(
    host: &HostFs,
    dockerd: Option<u32>,
    netns: &NetnsOf,
) -> Result<Vec<ListeningSocket>, SocketsError> {
    if host.root() == Path::new("/") {
        if let Ok(sockets) = from_netlink(1) {
            return Ok(sockets);
        }
        // Pid 1's namespace cannot be entered (a sandbox hides it): a process that is shown to
        // share it, this one or dockerd, stands in, rather than the slow /proc tables.
        for pid in std::iter::once(std::process::id()).chain(dockerd) {
            if netns.same(1, pid) {
                if let Ok(sockets) = from_netlink(pid) {
                    return Ok(sockets);
                }
            }
        }
    }
    from_proc(host, 1).or_else(|e| dockerd.map_or(Err(e), |pid| listening(host, pid)))
}

/// Which network namespace each process asked about is in, each looked up once for all who
/// ask ([`host_listening`], [`sysctl_net_doubt`]). A namespace's TCP table in `/proc` is one
/// entry, whatever process it is reached through, so the inode of `/proc/PID/net/tcp`
/// identifies the namespace, also where `/proc/PID/ns/net` is not readable (it needs ptrace
/// rights over the process).
pub struct NetnsOf<'h> {
    host: &'h HostFs,
    /// By pid: the namespace's inode, or `None` when it could not be read.
    seen: std::cell::RefCell<HashMap<u32, Option<u64>>>,
}

impl<'h> NetnsOf<'h> {
    /// Looks up processes of `host`.
    pub fn new(host: &'h HostFs) -> NetnsOf<'h> {
        NetnsOf {
            host,
            seen: std::cell::RefCell::default(),
        }
    }

    /// The namespace of process `pid`, when its `/proc/PID/net/tcp` can be read.
    fn of(&self, pid: u32) -> Option<u64> {
        *self.seen.borrow_mut().entry(pid).or_insert_with(|| {
            super::hostfs::ProcDir::open(self.host, pid)
                .and_then(|d| d.inode_of("net/tcp"))
                .ok()
        })
    }

    /// Whether processes `a` and `b` are known to share a network namespace.
    fn same(&self, a: u32, b: u32) -> bool {
        matches!((self.of(a), self.of(b)), (Some(x), Some(y)) if x == y)
    }
}

/// Why `/proc/sys/net` below the host root would not show the host's network settings, when
/// it would not. The kernel answers those files for the network namespace of the process that
/// reads them, through whichever /proc they are read: a scanner in a container with a network
/// of its own (no `--network host`) reads its own settings there, not the host's. `None` when
/// this process shares the network namespace of pid 1 (or, where pid 1's is hidden, dockerd's),
/// and below a root whose /proc is not the kernel's (a tree of files is read as written).
/// `netns` looks up which namespace a process is in.
pub fn sysctl_net_doubt(host: &HostFs, dockerd: Option<u32>, netns: &NetnsOf) -> Option<String> {
    use super::hostfs::ProcDir;
    let own = host
        .read_link("/proc/self")
        .ok()
        .and_then(|t| t.to_str()?.parse::<u32>().ok());
    // Whether this /proc is the kernel's, told by the first process folder that opens: ours
    // (never hidden from us), pid 1's or dockerd's. None opens: no /proc, a tree.
    let kernels = own
        .into_iter()
        .chain(std::iter::once(1))
        .chain(dockerd)
        .find_map(|pid| ProcDir::open(host, pid).and_then(|d| d.is_kernels()).ok());
    if kernels != Some(true) {
        return None;
    }
    let Some(own_ns) = own.and_then(|pid| netns.of(pid)) else {
        return Some(
            "cannot tell which network namespace bollwerk is in (/proc/self/net/tcp cannot be read), and the kernel shows /proc/sys/net for the reader's".into(),
        );
    };
    for pid in std::iter::once(1).chain(dockerd) {
        if let Some(ns) = netns.of(pid) {
            let whose = if pid == 1 { "pid 1's" } else { "dockerd's" };
            return (ns != own_ns).then(|| {
                format!(
                    "bollwerk runs in another network namespace than the host's ({whose}), and the kernel shows /proc/sys/net for the reader's: these would be bollwerk's own settings; run it in the host's network namespace (`docker run --network host …`)"
                )
            });
        }
    }
    Some("cannot tell whether bollwerk shares the host's network namespace (neither pid 1's nor dockerd's /proc/PID/net/tcp can be read), and the kernel shows /proc/sys/net for the reader's".into())
}

/// Listening sockets in the network namespace of each of `pids`, in order, each namespace
/// read once (see [`Namespaces::read`]).
pub fn listening_of(
    host: &HostFs,
    pids: &[u32],
) -> Vec<Result<Vec<ListeningSocket>, SocketsError>> {
    let answers = Namespaces::read(host, pids.iter().copied()).answers(host);
    pids.iter()
        .map(|pid| {
            answers
                .get(pid)
                .cloned()
                .unwrap_or_else(|| from_proc(host, *pid))
        })
        .collect()
}

/// The listening sockets of processes' network namespaces, each namespace (by the inode of
/// `/proc/PID/ns/net`) read once: by netlink on the live host, else (or when that fails)
/// from `/proc`.
#[derive(Default)]
pub struct Namespaces {
    /// Each process's namespace: an index into `read`.
    of_pid: HashMap<u32, usize>,
    /// Each namespace's answer, as read through its first process.
    read: Vec<(u32, Result<Vec<ListeningSocket>, SocketsError>)>,
}

impl Namespaces {
    /// Reads the namespace of each process `pids` yields, as they come: collection feeds it
    /// the running containers while the daemon is still inspecting them. Blocks; run it as a
    /// blocking task. `setns` changes the thread that calls it, so the namespaces are
    /// entered on a thread of their own that ends with the reading, never on the caller's
    /// (a pooled one); if that thread cannot start, nothing is answered and callers read
    /// `/proc` instead.
    pub fn read(host: &HostFs, pids: impl IntoIterator<Item = u32> + Send) -> Namespaces {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("bollwerk-netns".into())
                .spawn_scoped(scope, || Namespaces::read_here(host, pids))
                .ok()
                .and_then(|reader| reader.join().ok())
                .unwrap_or_default()
        })
    }

    /// [`Namespaces::read`] on the calling thread, which it leaves in the last namespace.
    fn read_here(host: &HostFs, pids: impl IntoIterator<Item = u32>) -> Namespaces {
        let live = host.root() == Path::new("/");
        let mut found = Namespaces::default();
        let mut by_inode: HashMap<u64, usize> = HashMap::new();
        let mut buf = vec![0u8; RECV_BUFFER];
        for pid in pids {
            if found.of_pid.contains_key(&pid) {
                continue;
            }
            // On the live host the namespace's file is opened once: its inode tells
            // namespaces apart, and the same descriptor enters it.
            let opened = live.then(|| open_namespace(pid));
            let inode = match &opened {
                Some(Ok((ns, _))) => ns.metadata().ok().map(|m| m.ino()),
                Some(Err(_)) => None,
                None => netns_inode(host, pid),
            };
            if let Some(&i) = inode.and_then(|n| by_inode.get(&n)) {
                found.of_pid.insert(pid, i);
                continue;
            }
            let answer = match opened {
                Some(Ok((ns, file))) => {
                    in_namespace(&ns, &file, &mut buf).or_else(|_| from_proc(host, pid))
                }
                Some(Err(_)) | None => from_proc(host, pid),
            };
            found.of_pid.insert(pid, found.read.len());
            if let Some(n) = inode {
                by_inode.insert(n, found.read.len());
            }
            found.read.push((pid, answer));
        }
        found
    }

    /// The answers by pid. A process whose namespace could not be read through another
    /// process is read on its own, so each error names its own file.
    pub fn answers(
        self,
        host: &HostFs,
    ) -> HashMap<u32, Result<Vec<ListeningSocket>, SocketsError>> {
        self.of_pid
            .iter()
            .map(|(&pid, &i)| {
                let (first, answer) = &self.read[i];
                let answer = match answer {
                    Ok(sockets) => Ok(sockets.clone()),
                    Err(e) if pid == *first => Err(e.clone()),
                    Err(_) => from_proc(host, pid),
                };
                (pid, answer)
            })
            .collect()
    }
}

/// The inode of the network namespace of process `pid` (`net:[4026532280]`).
fn netns_inode(host: &HostFs, pid: u32) -> Option<u64> {
    let target = host.read_link(&format!("/proc/{pid}/ns/net")).ok()?;
    let t = target.to_string_lossy();
    t.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
}

/// Sorted and without duplicates, as both readers return them.
fn finish(mut sockets: Vec<ListeningSocket>) -> Vec<ListeningSocket> {
    sockets.sort_by(|a, b| (a.port, &a.address).cmp(&(b.port, &b.address)));
    sockets.dedup();
    sockets
}

fn listening_socket(proto: &str, address: IpAddr, port: u16) -> ListeningSocket {
    ListeningSocket {
        proto: proto.to_string(),
        wildcard: address.is_unspecified(),
        address: address.to_string(),
        port,
    }
}

// ---------------------------------------------------------------------------------------------
// /proc/PID/net/tcp

/// Listening sockets of process `pid` from `/proc/PID/net/tcp` and `tcp6` under the host root.
pub fn from_proc(host: &HostFs, pid: u32) -> Result<Vec<ListeningSocket>, SocketsError> {
    let mut out = Vec::new();
    for proto in ["tcp", "tcp6"] {
        let file = format!("/proc/{pid}/net/{proto}");
        let text = match host.read_to_string(&file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && proto == "tcp6" => continue,
            Err(e) => {
                return Err(SocketsError::Table {
                    path: file,
                    why: e.to_string(),
                })
            }
        };
        out.extend(parse(proto, &text));
    }
    Ok(finish(out))
}

/// Parses a `/proc/net/tcp` table, keeping sockets in state LISTEN (0A).
pub fn parse(proto: &str, text: &str) -> Vec<ListeningSocket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.get(3) != Some(&"0A") {
                return None;
            }
            let (addr, port) = f.get(1)?.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            Some(listening_socket(proto, decode(addr)?, port))
        })
        .collect()
}

/// The kernel prints addresses as little-endian 32-bit words in hex.
fn decode(hex: &str) -> Option<IpAddr> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let mut ordered = Vec::with_capacity(bytes.len());
    for word in bytes.chunks(4) {
        ordered.extend(word.iter().rev());
    }
    match ordered.len() {
        4 => Some(Ipv4Addr::new(ordered[0], ordered[1], ordered[2], ordered[3]).into()),
        16 => {
            let arr: [u8; 16] = ordered.try_into().ok()?;
            Some(Ipv6Addr::from(arr).into())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// NETLINK_SOCK_DIAG

// From <linux/netlink.h>, <linux/sock_diag.h>, <linux/inet_diag.h>, <netinet/tcp.h>.
const NLMSG_HDRLEN: usize = 16;
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ROOT: u16 = 0x100;
const NLM_F_MATCH: u16 = 0x200;
const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
const NLM_F_DUMP_INTR: u16 = 0x10;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// The older `inet_diag` request type: it dumps TCP sockets of both address families at once.
const TCPDIAG_GETSOCK: u16 = 18;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IPPROTO_TCP: u8 = 6;
const TCP_LISTEN: u8 = 10;
/// `struct inet_diag_req_v2`: family, protocol, ext, pad, states, `inet_diag_sockid` (48).
const INET_DIAG_REQ_V2_LEN: usize = 56;
/// `struct inet_diag_msg`: family, state, timer, retrans, `inet_diag_sockid` (48), expires,
/// rqueue, wqueue, uid, inode.
const INET_DIAG_MSG_LEN: usize = 72;
/// Length of a dump request: header and `inet_diag_req_v2`.
pub const REQUEST_LEN: usize = NLMSG_HDRLEN + INET_DIAG_REQ_V2_LEN;
/// `struct inet_diag_req`: family, src_len, dst_len, ext, `inet_diag_sockid` (48), states, dbs.
const INET_DIAG_REQ_LEN: usize = 60;
/// Length of a `TCPDIAG_GETSOCK` dump request: header and `inet_diag_req`.
pub const BOTH_FAMILIES_REQUEST_LEN: usize = NLMSG_HDRLEN + INET_DIAG_REQ_LEN;
/// Room for one datagram of a dump: the kernel fills at most 32 KiB per read.
const RECV_BUFFER: usize = 64 * 1024;

/// A `SOCK_DIAG_BY_FAMILY` dump request for the TCP sockets of `family` (`AF_INET` 2,
/// `AF_INET6` 10) in state LISTEN, any address, port and interface.
pub fn dump_request(family: u8, seq: u32) -> [u8; REQUEST_LEN] {
    let mut m = dump_header::<REQUEST_LEN>(SOCK_DIAG_BY_FAMILY, seq);
    // struct inet_diag_req_v2; the socket id stays zero (a wildcard for dumps).
    m[16] = family;
    m[17] = IPPROTO_TCP;
    m[20..24].copy_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    m
}

/// A `TCPDIAG_GETSOCK` dump request for the TCP sockets of both address families in state
/// LISTEN: the kernel answers it with `AF_UNSPEC` and walks its listening hash once, where two
/// `SOCK_DIAG_BY_FAMILY` requests walk it twice (about 30 µs a walk, for each namespace).
pub fn both_families_request(seq: u32) -> [u8; BOTH_FAMILIES_REQUEST_LEN] {
    let mut m = dump_header::<BOTH_FAMILIES_REQUEST_LEN>(TCPDIAG_GETSOCK, seq);
    // struct inet_diag_req: the family is ignored for dumps; the socket id stays zero.
    m[16] = AF_INET;
    m[68..72].copy_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    m
}

/// A zeroed dump request of `LEN` bytes whose `struct nlmsghdr` (host byte order) asks the
/// kernel (`nlmsg_pid` 0) for a dump of `kind` with sequence number `seq`.
fn dump_header<const LEN: usize>(kind: u16, seq: u32) -> [u8; LEN] {
    let mut m = [0u8; LEN];
    m[0..4].copy_from_slice(&(LEN as u32).to_ne_bytes());
    m[4..6].copy_from_slice(&kind.to_ne_bytes());
    m[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    m
}

/// Whether a dump needs more datagrams.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// No `NLMSG_DONE` yet: read on.
    More,
    /// The dump is complete.
    Done,
}

/// Parses one datagram of the answer to the dump with sequence number `seq`, adding its
/// listening sockets to `out`. Messages of other sequence numbers are skipped.
pub fn parse_reply(
    buf: &[u8],
    seq: u32,
    out: &mut Vec<ListeningSocket>,
) -> Result<Progress, NetlinkError> {
    let mut rest = buf;
    while rest.len() >= NLMSG_HDRLEN {
        let u16_at = |i: usize| u16::from_ne_bytes([rest[i], rest[i + 1]]);
        let u32_at =
            |i: usize| u32::from_ne_bytes([rest[i], rest[i + 1], rest[i + 2], rest[i + 3]]);
        let len = u32_at(0) as usize;
        let (kind, flags, msg_seq) = (u16_at(4), u16_at(6), u32_at(8));
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Err(NetlinkError::Malformed {
                len,
                left: rest.len(),
            });
        }
        let payload = &rest[NLMSG_HDRLEN..len];
        if msg_seq == seq {
            match kind {
                NLMSG_DONE => return Ok(Progress::Done),
                NLMSG_ERROR => {
                    let code = payload
                        .get(..4)
                        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                        .ok_or(NetlinkError::TruncatedError)?;
                    if code == 0 {
                        // An acknowledgement: nothing follows.
                        return Ok(Progress::Done);
                    }
                    return Err(NetlinkError::DumpFailed(Errno::from_raw(
                        code.saturating_neg(),
                    )));
                }
                NLMSG_NOOP => {}
                SOCK_DIAG_BY_FAMILY | TCPDIAG_GETSOCK => {
                    // inet_diag never marks its dumps inconsistent; if a kernel did, the answer
                    // would be incomplete, so let the caller read /proc instead.
                    if flags & NLM_F_DUMP_INTR != 0 {
                        return Err(NetlinkError::Interrupted);
                    }
                    out.extend(decode_diag_msg(payload)?);
                }
                _ => {}
            }
        }
        // Messages are aligned to 4 bytes.
        rest = rest.get((len + 3) & !3..).unwrap_or_default();
    }
    Ok(Progress::More)
}

/// One `struct inet_diag_msg`: the socket it describes when it is a TCP listener of a known
/// family. Port and address are in network byte order.
fn decode_diag_msg(p: &[u8]) -> Result<Option<ListeningSocket>, NetlinkError> {
    if p.len() < INET_DIAG_MSG_LEN {
        return Err(NetlinkError::TruncatedMessage(p.len()));
    }
    let (family, state) = (p[0], p[1]);
    if state != TCP_LISTEN {
        return Ok(None);
    }
    let port = u16::from_be_bytes([p[4], p[5]]);
    let src: [u8; 16] = p[8..24]
        .try_into()
        .map_err(|_| NetlinkError::TruncatedAddress)?;
    Ok(match family {
        AF_INET => Some(listening_socket(
            "tcp",
            Ipv4Addr::new(src[0], src[1], src[2], src[3]).into(),
            port,
        )),
        AF_INET6 => Some(listening_socket("tcp6", Ipv6Addr::from(src).into(), port)),
        _ => None,
    })
}

/// Listening sockets of process `pid`'s network namespace by netlink only (no fallback), on a
/// thread of its own: needs root (`CAP_SYS_ADMIN`) and the live host's `/proc`.
pub fn from_netlink(pid: u32) -> Result<Vec<ListeningSocket>, SocketsError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("bollwerk-netns".into())
            .spawn_scoped(scope, || in_namespace_of(pid, &mut vec![0u8; RECV_BUFFER]))
            .map_err(|e| SocketsError::Thread { why: e.to_string() })?
            .join()
            .map_err(|_| SocketsError::ThreadPanicked)?
    })
}

/// Enters the network namespace of `pid` (on the calling thread, which must be dedicated to
/// this) and dumps its TCP listeners.
fn in_namespace_of(pid: u32, buf: &mut [u8]) -> Result<Vec<ListeningSocket>, SocketsError> {
    let (ns, file) = open_namespace(pid)?;
    in_namespace(&ns, &file, buf)
}

/// The network namespace file of `pid` on the live host, open, and its path.
fn open_namespace(pid: u32) -> Result<(std::fs::File, String), SocketsError> {
    let file = format!("/proc/{pid}/ns/net");
    match std::fs::File::open(&file) {
        Ok(ns) => Ok((ns, file)),
        Err(e) => Err(SocketsError::OpenNamespace {
            path: file,
            why: e.to_string(),
        }),
    }
}

/// Enters network namespace `ns` (opened from `file`) on the calling thread, which must be
/// dedicated to this, and dumps its TCP listeners.
fn in_namespace(
    ns: &std::fs::File,
    file: &str,
    buf: &mut [u8],
) -> Result<Vec<ListeningSocket>, SocketsError> {
    nix::sched::setns(ns, CloneFlags::CLONE_NEWNET).map_err(|errno| {
        SocketsError::EnterNamespace {
            path: file.to_string(),
            errno,
        }
    })?;
    let sock = diag_socket()?;
    let mut out = Vec::new();
    if dump(&sock, &both_families_request(1), 1, buf, &mut out).is_err() {
        // A kernel without the older request type: one request per family.
        out.clear();
        for (seq, family) in [(2, AF_INET), (3, AF_INET6)] {
            dump(&sock, &dump_request(family, seq), seq, buf, &mut out)?;
        }
    }
    Ok(finish(out))
}

/// A `NETLINK_SOCK_DIAG` socket in the calling thread's network namespace.
fn diag_socket() -> Result<OwnedFd, NetlinkError> {
    let sock = socket(
        AddressFamily::Netlink,
        SockType::Datagram,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkSockDiag,
    )
    .map_err(NetlinkError::Socket)?;
    // A dump answers at once; never wait forever on a kernel that does not.
    setsockopt(&sock, sockopt::ReceiveTimeout, &TimeVal::new(5, 0))
        .map_err(NetlinkError::ReceiveTimeout)?;
    Ok(sock)
}

/// Sends one dump request (with sequence number `seq`) and reads its answer to the end.
fn dump(
    sock: &OwnedFd,
    request: &[u8],
    seq: u32,
    buf: &mut [u8],
    out: &mut Vec<ListeningSocket>,
) -> Result<(), NetlinkError> {
    let kernel = NetlinkAddr::new(0, 0);
    loop {
        match sendto(sock.as_raw_fd(), request, &kernel, MsgFlags::empty()) {
            Ok(n) if n == request.len() => break,
            Ok(n) => return Err(NetlinkError::CutShort(n)),
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(NetlinkError::Send(e)),
        }
    }
    loop {
        // MSG_TRUNC: the datagram's real length, to notice one larger than the buffer.
        let n = match recv(sock.as_raw_fd(), buf, MsgFlags::MSG_TRUNC) {
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(NetlinkError::Receive(e)),
        };
        if n > buf.len() {
            return Err(NetlinkError::AnswerTruncated(n));
        }
        if parse_reply(&buf[..n], seq, out)? == Progress::Done {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_sockets() {
        let v4 = "  sl  local_address rem_address   st\n   0: 00000000:0016 00000000:0000 0A 0\n   1: 0100007F:1F90 00000000:0000 0A 0\n   2: 0100007F:1F91 0100007F:C350 01 0\n";
        let s = parse("tcp", v4);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].address.as_str(), s[0].port, s[0].wildcard),
            ("0.0.0.0", 22, true)
        );
        assert_eq!(
            (s[1].address.as_str(), s[1].port, s[1].wildcard),
            ("127.0.0.1", 8080, false)
        );
        let v6 = "  sl\n   0: 00000000000000000000000000000000:0911 00000000000000000000000000000000:0000 0A 0\n   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 0\n";
        let s = parse("tcp6", v6);
        assert_eq!(
            (s[0].address.as_str(), s[0].port, s[0].wildcard),
            ("::", 2321, true)
        );
        assert_eq!(
            (s[1].address.as_str(), s[1].port, s[1].wildcard),
            ("::ffff:127.0.0.1", 80, false)
        );
    }

    /// The /proc fallback, as used for a host root other than `/`: tables of a fixture tree.
    #[test]
    fn reads_proc_tables_below_another_root() {
        let root = tempfile::tempdir().unwrap();
        let net = root.path().join("proc/4242/net");
        std::fs::create_dir_all(&net).unwrap();
        std::fs::write(
            net.join("tcp"),
            "  sl  local_address rem_address   st\n   0: 0100007F:1F90 00000000:0000 0A 0\n   1: 00000000:0016 00000000:0000 0A 0\n",
        )
        .unwrap();
        // No tcp6 (IPv6 off): not an error.
        let host = HostFs::new(root.path());
        let s = listening(&host, 4242).unwrap();
        let got: Vec<_> = s
            .iter()
            .map(|s| (s.proto.as_str(), s.address.as_str(), s.port, s.wildcard))
            .collect();
        assert_eq!(
            got,
            [
                ("tcp", "0.0.0.0", 22, true),
                ("tcp", "127.0.0.1", 8080, false)
            ]
        );
        // Two pids, one of them missing: answers in order, the error names the file.
        let both = listening_of(&host, &[4243, 4242]);
        let e = both[0].as_ref().unwrap_err();
        assert!(matches!(e, SocketsError::Table { path, .. } if path == "/proc/4243/net/tcp"));
        assert!(e.to_string().starts_with("cannot read /proc/4243/net/tcp"));
        assert_eq!(both[1].as_ref().unwrap(), &s);
    }

    #[test]
    fn builds_a_listen_only_dump_request() {
        let m = dump_request(AF_INET6, 7);
        assert_eq!(m.len(), 72);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 72);
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), 20);
        assert_eq!(u16::from_ne_bytes(m[6..8].try_into().unwrap()), 0x301);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 7);
        assert_eq!(u32::from_ne_bytes(m[12..16].try_into().unwrap()), 0);
        assert_eq!((m[16], m[17], m[18], m[19]), (10, 6, 0, 0));
        assert_eq!(u32::from_ne_bytes(m[20..24].try_into().unwrap()), 1 << 10);
        assert!(m[24..].iter().all(|&b| b == 0), "any address and port");
    }

    #[test]
    fn builds_a_both_families_dump_request() {
        let m = both_families_request(9);
        assert_eq!(m.len(), 76);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 76);
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), 18);
        assert_eq!(u16::from_ne_bytes(m[6..8].try_into().unwrap()), 0x301);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 9);
        assert!(m[17..68].iter().all(|&b| b == 0), "any address and port");
        assert_eq!(u32::from_ne_bytes(m[68..72].try_into().unwrap()), 1 << 10);
        assert_eq!(u32::from_ne_bytes(m[72..76].try_into().unwrap()), 0);
    }

    /// A netlink message of `kind` with `payload`, padded to 4 bytes.
    fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend(((NLMSG_HDRLEN + payload.len()) as u32).to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend(flags.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(0u32.to_ne_bytes());
        m.extend(payload);
        while m.len() % 4 != 0 {
            m.push(0);
        }
        m
    }

    /// An `inet_diag_msg` for a socket of `family` in `state` on `addr`:`port`.
    fn diag_msg(family: u8, state: u8, addr: &[u8], port: u16) -> Vec<u8> {
        let mut p = vec![0u8; INET_DIAG_MSG_LEN];
        p[0] = family;
        p[1] = state;
        p[4..6].copy_from_slice(&port.to_be_bytes());
        p[6..8].copy_from_slice(&4321u16.to_be_bytes());
        p[8..8 + addr.len()].copy_from_slice(addr);
        p[68..72].copy_from_slice(&99u32.to_ne_bytes());
        p
    }

    const MULTI: u16 = 0x2;

    #[test]
    fn parses_a_multi_part_dump() {
        let loopback6: [u8; 16] = Ipv6Addr::LOCALHOST.octets();
        let mut first = message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            5,
            &diag_msg(AF_INET, TCP_LISTEN, &[0, 0, 0, 0], 22),
        );
        // An established socket (state 1) is not a listener.
        first.extend(message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            5,
            &diag_msg(AF_INET, 1, &[10, 0, 0, 1], 40000),
        ));
        // A stale message of another request is skipped.
        first.extend(message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            4,
            &diag_msg(AF_INET, TCP_LISTEN, &[1, 2, 3, 4], 1),
        ));
        let mut out = Vec::new();
        assert_eq!(parse_reply(&first, 5, &mut out), Ok(Progress::More));
        let mut second = message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            5,
            &diag_msg(AF_INET6, TCP_LISTEN, &loopback6, 8080),
        );
        second.extend(message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            5,
            &diag_msg(AF_INET, TCP_LISTEN, &[127, 0, 0, 1], 8080),
        ));
        second.extend(message(NLMSG_DONE, MULTI, 5, &0i32.to_ne_bytes()));
        assert_eq!(parse_reply(&second, 5, &mut out), Ok(Progress::Done));
        // Sorted by port, then address, as the /proc reader sorts them.
        let got: Vec<_> = finish(out)
            .into_iter()
            .map(|s| (s.proto, s.address, s.port, s.wildcard))
            .collect();
        assert_eq!(
            got,
            [
                ("tcp".into(), "0.0.0.0".into(), 22, true),
                ("tcp".into(), "127.0.0.1".into(), 8080, false),
                ("tcp6".into(), "::1".into(), 8080, false),
            ]
        );
        // The v6 wildcard.
        let mut out = Vec::new();
        let any = message(
            SOCK_DIAG_BY_FAMILY,
            MULTI,
            1,
            &diag_msg(AF_INET6, TCP_LISTEN, &[0; 16], 2375),
        );
        assert_eq!(parse_reply(&any, 1, &mut out), Ok(Progress::More));
        assert_eq!((out[0].address.as_str(), out[0].wildcard), ("::", true));
    }

    #[test]
    fn reports_netlink_errors_and_malformed_answers() {
        // NLMSG_ERROR carries -errno and the request's header.
        let mut payload = (-(Errno::EPERM as i32)).to_ne_bytes().to_vec();
        payload.extend(&dump_request(AF_INET, 3)[..NLMSG_HDRLEN]);
        let err = parse_reply(&message(NLMSG_ERROR, 0, 3, &payload), 3, &mut Vec::new());
        let err = err.unwrap_err();
        assert_eq!(err, NetlinkError::DumpFailed(Errno::EPERM));
        assert!(err.to_string().contains("EPERM"));
        // An acknowledgement ends the answer.
        let ack = message(NLMSG_ERROR, 0, 3, &0i32.to_ne_bytes());
        assert_eq!(parse_reply(&ack, 3, &mut Vec::new()), Ok(Progress::Done));
        // A length beyond the datagram, a truncated inet_diag_msg, an interrupted dump.
        let mut long = message(NLMSG_DONE, 0, 3, &[0; 4]);
        long[0] = 200;
        assert!(parse_reply(&long, 3, &mut Vec::new()).is_err());
        let short = message(SOCK_DIAG_BY_FAMILY, MULTI, 3, &[2, 10, 0, 0]);
        assert!(matches!(
            parse_reply(&short, 3, &mut Vec::new()),
            Err(NetlinkError::TruncatedMessage(_))
        ));
        let intr = message(
            SOCK_DIAG_BY_FAMILY,
            MULTI | NLM_F_DUMP_INTR,
            3,
            &diag_msg(AF_INET, TCP_LISTEN, &[0; 4], 22),
        );
        assert!(parse_reply(&intr, 3, &mut Vec::new()).is_err());
        // Nothing but a NOOP: read on.
        let noop = message(NLMSG_NOOP, 0, 3, &[]);
        assert_eq!(parse_reply(&noop, 3, &mut Vec::new()), Ok(Progress::More));
    }

    /// As root on a live host: the netlink dump of our own namespace sees a listener we open,
    /// as does /proc, and the reader answers once per namespace. One `TCPDIAG_GETSOCK` dump
    /// alone (without the fallback to one request per family) sees both families.
    #[test]
    fn netlink_sees_our_own_listener() {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: needs root to enter a network namespace");
            return;
        }
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        let v6 = std::net::TcpListener::bind(("::1", 0)).unwrap();
        let sock = diag_socket().unwrap();
        let (mut buf, mut one_dump) = (vec![0u8; RECV_BUFFER], Vec::new());
        dump(&sock, &both_families_request(1), 1, &mut buf, &mut one_dump).unwrap();
        for (proto, listener) in [("tcp", &l), ("tcp6", &v6)] {
            let p = listener.local_addr().unwrap().port();
            assert!(
                one_dump.iter().any(|s| s.proto == proto && s.port == p),
                "{proto} port {p} in {one_dump:?}"
            );
        }
        let ours = |s: &[ListeningSocket]| {
            s.iter()
                .any(|s| s.port == port && s.address == "127.0.0.1" && !s.wildcard)
        };
        let pid = std::process::id();
        let via_netlink = from_netlink(pid).unwrap();
        assert!(ours(&via_netlink), "{via_netlink:?}");
        let live = HostFs::new(Path::new("/"));
        assert!(ours(&from_proc(&live, pid).unwrap()));
        let both = listening_of(&live, &[pid, pid]);
        assert!(ours(both[0].as_ref().unwrap()) && ours(both[1].as_ref().unwrap()));
        // The host's sockets are ours when we share pid 1's namespace.
        let netns = NetnsOf::new(&live);
        assert!(netns.same(pid, pid));
        if netns.same(1, pid) {
            assert!(ours(&host_listening(&live, None, &netns).unwrap()));
        }
    }

    #[test]
    fn processes_that_do_not_exist_share_no_namespace() {
        let live = HostFs::new(Path::new("/"));
        let netns = NetnsOf::new(&live);
        assert!(!netns.same(std::process::id(), u32::MAX));
        // Looked up once: what was seen stands for the next to ask.
        assert_eq!(netns.seen.borrow().get(&u32::MAX), Some(&None));
    }
}
