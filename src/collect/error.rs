//! What can go wrong while collecting, as types: each error names what it concerns (the
//! request, the daemon's address, the file, the process) so that the snapshot records a fact's
//! error in words that say where to look.
//!
//! Collection goes on past every one of these: the caller turns the error into the snapshot's
//! record for the facts it concerns (`snapshot::CollectError`, text), and the rules that read
//! those facts report `error`.

use std::time::Duration;

/// Why one request to the daemon gave no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// The request's own time (`--timeout`) ran out.
    #[error("{what}: no complete answer within {} s (--timeout)", .limit.as_secs_f64())]
    TimedOut {
        /// The request (`GET /info`).
        what: String,
        /// Its time limit.
        limit: Duration,
    },
    /// The deadline of the daemon's part of the scan (`--deadline`) came first.
    #[error("{what}: stopped when the daemon's part of the scan reached its deadline ({} s, --deadline)", .whole.as_secs_f64())]
    Deadline {
        /// The request.
        what: String,
        /// The daemon's whole part.
        whole: Duration,
    },
    /// The daemon answered with an error, or the connection failed.
    #[error("{what} failed: {why}")]
    Failed {
        /// The request.
        what: String,
        /// The daemon's or the connection's words, causes included.
        why: String,
    },
}

/// Why bollwerk could not talk to the daemon at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DaemonError {
    /// No connection, or no agreement on an API version.
    #[error("cannot reach the Docker daemon at {url}: {why}")]
    Unreachable {
        /// The daemon's address (`unix:///var/run/docker.sock`).
        url: String,
        /// Why.
        why: String,
    },
    /// The task asking the daemon ended without its answers (it panicked or was cancelled).
    #[error("daemon task failed: {0}")]
    Task(String),
    /// The daemon was still answering when the deadline of its part (and a grace) had passed.
    #[error("the Docker daemon did not finish answering by the deadline of the daemon's part ({} s, --deadline)", .whole.as_secs_f64())]
    PastDeadline {
        /// The daemon's whole part (`--deadline`).
        whole: Duration,
    },
}

/// Why a host file or folder (below `--host-root`) could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HostFileError {
    /// `stat` failed for a reason other than the path not existing.
    #[error("cannot stat {path}: {source}")]
    Stat {
        /// The host path.
        path: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A folder could not be opened or read.
    #[error("cannot list {path}: {source}")]
    List {
        /// The host path.
        path: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A file (or a kernel file under /proc or /sys) could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The host path.
        path: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A file read for a purpose could not be read.
    #[error("cannot read {path} ({purpose}): {source}")]
    ReadFor {
        /// The host path.
        path: String,
        /// Why it was read (`for users whose primary group is docker`).
        purpose: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A line of a file does not say what it should.
    #[error("{path}:{line}: {problem}")]
    BadLine {
        /// The host path.
        path: String,
        /// Its line, from 1.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A file lacks what bollwerk looks for in it (`/proc/7/cgroup names no cgroup`).
    #[error("{path} {lacks}")]
    Lacks {
        /// The host path.
        path: String,
        /// What it lacks, as a predicate.
        lacks: String,
    },
    /// A namespace link that does not read `kind:[inode]`.
    #[error("unexpected namespace link {link} -> {target}")]
    BadNamespaceLink {
        /// The link (`/proc/PID/ns/net`).
        link: String,
        /// What it points to.
        target: String,
    },
    /// No mount of the mount table holds a path.
    #[error("no mount in {table} holds {path}")]
    NoMount {
        /// The mount table (`/proc/1/mountinfo`).
        table: String,
        /// The path.
        path: String,
    },
}

impl HostFileError {
    /// [`HostFileError::Read`] of `path`.
    pub fn read(path: impl Into<String>) -> impl FnOnce(std::io::Error) -> HostFileError {
        let path = path.into();
        move |source| HostFileError::Read { path, source }
    }
}

impl From<HostFileError> for String {
    fn from(e: HostFileError) -> String {
        e.to_string()
    }
}

impl From<RequestError> for String {
    fn from(e: RequestError) -> String {
        e.to_string()
    }
}

impl From<DaemonError> for String {
    fn from(e: DaemonError) -> String {
        e.to_string()
    }
}
