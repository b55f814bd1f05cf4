//! Collect: gather every fact once into a [`Snapshot`].
//!
//! A `Collection` runs the phases in order: start (the async runtime), ask the daemon, read
//! the daemon's configuration while it answers (dockerd's process, daemon.json, flags),
//! gather (while the daemon answers, read the host and the running containers), assemble
//! (the answers and the host's part into the snapshot), attach each container's runtime
//! facts, recheck containers that vanished meanwhile, ask `docker top` for those whose
//! processes /proc did not show, finish. Reading the host's files, daemon.json included, and
//! the running containers' `/proc` ends by the deadline (`--deadline` and a grace): what is
//! still being read then is an error; when the daemon's configuration (which locates host
//! files) is still being read at the deadline, nothing more is read on the host. What is
//! read after the daemon answered (the `/proc` of a container that restarted during the scan
//! or that a reader failed on, the listening sockets of one the namespace reader did not
//! bring back) is read by the same deadline. Left without one: the host's part when the
//! async runtime cannot start.
//!
//! A daemon taken for another host's (its address is none this host serves, see
//! [`process::find_dockerd`]) is judged by nothing of this host that concerns it: its
//! settings, its containers' `/proc` (the pids it gives are its host's) and where their bind
//! mounts lead are errors, and their processes come from `docker top`. A daemon of this host
//! in a pid namespace below the host's (rootlesskit `--pidns`) numbers its containers' processes
//! in that namespace: their pids are translated to this host's ([`pidns`]) before `/proc` is
//! read.
//!
//! One concurrency model, tokio: daemon requests run concurrently as tasks (see [`docker`]);
//! the host's files, audit rules and kernel parameters, each running container's `/proc` and
//! cgroup files, and each container's network namespace are read by blocking tasks
//! (`spawn_blocking`) fed over tokio channels as answers arrive (`/info`, each running
//! container's pid; see [`docker::Early`]); two of them share the running containers. Entering
//! a network namespace happens on a short-lived thread of its own ([`net::Namespaces::read`]),
//! as `setns` changes the thread that calls it. The host-reading threads run at a lower
//! priority (nice 10) so that the daemon's answers come first and the reading fills the gaps.
//! The snapshot is the same as reading everything one part after the other; a source that
//! fails leaves an error in the snapshot and collection goes on.

pub mod audit;
pub mod capabilities;
pub mod daemon_config;
pub mod deep;
pub mod docker;
pub mod engine;
pub mod error;
pub mod groups;
pub mod hostfs;
pub mod http;
pub mod identity;
pub mod limits;
pub mod locations;
pub mod mounts;
pub mod net;
pub mod pidns;
mod placed;
pub mod process;
pub mod rootless;
pub mod runtime;
pub mod scanner;
pub mod security_opt;
pub mod server;
pub mod socket_activation;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

pub use crate::facts::plan::Plan;
use crate::snapshot::{CollectError, HostFacts, ListeningSocket, Origin, RuntimeFacts, Snapshot};
use error::DaemonError;
use hostfs::HostFs;
pub use http::Endpoint;
use placed::{read_host_placed, DaemonView, Placed};
use rootless::DaemonEnvironment;

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Root of the host file system (`--host-root`).
    pub host_root: PathBuf,
    /// The daemon to ask.
    pub endpoint: Endpoint,
    /// Include stopped and created containers.
    pub all_containers: bool,
    /// Stream every image's file system to find setuid and setgid files (slow).
    pub deep_images: bool,
    /// How long each request to the daemon and the daemon's whole part may take; the
    /// deadline counts from when these limits were made.
    pub limits: limits::Limits,
}

/// Gathers a snapshot. `progress` is told what is being read.
pub fn collect(opts: &CollectOptions, plan: &Plan, progress: &dyn Fn(&str)) -> Snapshot {
    let mut run = match Collection::start(opts, plan, progress) {
        Ok(run) => run,
        Err(host_only) => return *host_only,
    };
    let asked = run.ask_daemon();
    run.read_daemon_config();
    let parts = run.gather(asked);
    let read = run.assemble(parts.answers, parts.host);
    let vanished = run.attach_runtime(read);
    run.recheck_vanished(vanished);
    run.ask_for_missing_processes();
    run.resolve_bind_sources();
    run.finish()
}

/// One collection, phase by phase (the methods, in the order [`collect`] calls them).
///
/// One concurrency model: tokio. Daemon requests are tasks; reading host files and each
/// container's `/proc`, cgroup and network namespace are blocking tasks (`spawn_blocking`)
/// that start while the daemon answers, fed over tokio channels, at a lower priority than the
/// daemon's part ([`yield_to_the_daemon`]). The only other threads are
/// the short-lived ones [`net::Namespaces::read`] and [`net::from_netlink`] start to enter
/// network namespaces, as `setns` changes the thread that calls it and must not touch a
/// pooled one.
struct Collection<'a> {
    opts: &'a CollectOptions,
    plan: &'a Plan,
    progress: &'a dyn Fn(&str),
    host: HostFs,
    runtime: tokio::runtime::Runtime,
    snap: Snapshot,
    /// How containers' `/proc` is read here: the host's namespaces, the daemon's pids.
    proc_view: Arc<ProcView>,
    /// dockerd's environment, read once with its process (it locates files twice when the
    /// daemon's answers change a setting locating consulted).
    daemon_env: Arc<DaemonEnvironment>,
    /// Why they are dockerd's or unknown, when they are not pid 1's.
    host_ns_note: Option<String>,
    /// Why the daemon's configuration is unknown when it was still being read at the
    /// deadline: nothing more is read on the host then.
    config_unread: Option<String>,
    /// Why the daemon is taken for another host's, when it is: its containers' host paths are
    /// that host's, not this one's.
    daemon_elsewhere: Option<String>,
}

/// Each running container's listening sockets, by pid.
type Listening = HashMap<u32, Result<Vec<ListeningSocket>, net::SocketsError>>;

/// What was read of running containers while the daemon answered.
struct ContainersRead {
    /// Their /proc and cgroup facts, by id.
    runtimes: HashMap<String, ProcRead>,
    /// Their listening sockets.
    listening: Listening,
    /// Set when the reading was still under way at the deadline: what is missing is not read
    /// again (it would wait on the same file system), it is an error.
    past_deadline: Option<String>,
}

/// The daemon's part under way, and what it hands the host readers as it answers.
struct Asked {
    task: tokio::task::JoinHandle<Result<docker::DaemonAnswers, DaemonError>>,
    /// `/info`, as soon as it is in (it may move the data root).
    info: tokio::sync::oneshot::Receiver<Option<Value>>,
    /// Each running container's id and pid, as soon as it is inspected.
    running: tokio::sync::mpsc::UnboundedReceiver<(String, u32)>,
}

/// What the host files' reader brings back: the host's basics and its located part (which
/// says what of the daemon located it, [`Placed::located_with`]).
type HostFilesRead = (HostPart, Placed);

/// The readers of running containers' /proc, cgroup files and network namespaces, under way.
struct ContainerReaders {
    /// Each reads containers from one queue as they are inspected.
    proc_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Reads each namespace whose pid the readers send.
    netns_task: tokio::task::JoinHandle<Listening>,
    /// What they read, by container id: shared, so that what was read is there even if a
    /// reader is stuck at the deadline.
    runtimes: Arc<std::sync::Mutex<HashMap<String, ProcRead>>>,
}

/// What the concurrent phase brings back.
struct Parts {
    answers: Result<docker::DaemonAnswers, DaemonError>,
    host: HostRead,
}

/// What the blocking tasks read while the daemon answered.
struct HostRead {
    /// The host's basics and its located part.
    part: Result<HostFilesRead, Unfinished>,
    /// What was read of running containers.
    containers: ContainersRead,
}

/// Why a blocking task brought nothing back.
enum Unfinished {
    /// It could not run (or panicked): its work is done again by another task where that can
    /// help, else its facts are errors.
    Failed,
    /// It was still reading at the deadline, most likely blocked on a file system that does
    /// not answer (a hung network mount): its facts are errors with this message.
    PastDeadline(String),
}

impl Unfinished {
    /// The error for the facts of a read of `what` (with its verb, [`CONFIG_READ`]) that
    /// brought nothing back.
    fn why(self, what: &str) -> String {
        match self {
            Unfinished::PastDeadline(why) => why,
            Unfinished::Failed => format!(
                "{what} not read: their reader stopped on an internal error (bollwerk printed it on stderr)"
            ),
        }
    }
}

/// What the host readers read, as their errors name it.
const CONFIG_READ: &str = "dockerd's process and daemon.json were";
/// See [`CONFIG_READ`].
const HOST_FILES: &str = "the host's files were";
/// See [`CONFIG_READ`].
const CONTAINER_FILES: &str = "running containers' /proc and cgroup files were";

/// What [`Collection::resolve_bind_sources`] reads, as its error names it.
const BIND_SOURCES: &str = "the host paths of bind mounts' sources were";

/// Each of `sources` that leads elsewhere on the host, with where; an error naming the first
/// one that cannot be resolved, since a link may hide behind what could not be read.
fn resolve_sources(
    host: &HostFs,
    sources: Vec<String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut resolved = BTreeMap::new();
    for s in sources {
        match host.resolved(&s) {
            Ok(Some(r)) => {
                resolved.insert(s, r);
            }
            Ok(None) => {}
            Err(e) => return Err(format!("cannot resolve {s}: {e}")),
        }
    }
    Ok(resolved)
}

/// The sources of `c`'s bind mounts, as inspect's Mounts give them.
fn bind_sources(c: &crate::snapshot::ContainerFacts) -> Vec<String> {
    let mut sources = docker::mount_fields(c, "bind", "Source");
    sources.retain(|s| s.starts_with('/'));
    sources.sort();
    sources.dedup();
    sources
}

/// The host facts the daemon's settings locate ([`read_host_placed`]).
const PLACED_FACTS: [&str; 7] = [
    "host.locations",
    "host.further_locations",
    "host.files",
    "host.trees",
    "host.docker_group",
    "host.socket_groups",
    "host.docker_root",
];

/// Why [`PLACED_FACTS`] are errors when the daemon's final settings came too late to locate
/// them again.
const LOCATED_TOO_EARLY: &str = "not read again: the daemon's settings came at the deadline, after these were located with the settings known before (--deadline)";

/// Why a running container's runtime facts are missing when no read failed or ran late: the
/// reader of its `/proc` did not hand them back.
const NOT_BROUGHT_BACK: &str = "not read: the reader of containers' /proc did not bring it back";

impl<'a> Collection<'a> {
    /// Starts the async runtime; without one, the host's part alone (the daemon's is an
    /// error).
    fn start(
        opts: &'a CollectOptions,
        plan: &'a Plan,
        progress: &'a dyn Fn(&str),
    ) -> Result<Collection<'a>, Box<Snapshot>> {
        let mut snap = Snapshot::new(
            &opts.host_root.to_string_lossy(),
            &opts.endpoint.url,
            opts.all_containers,
        );
        let host = HostFs::new(&opts.host_root);
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            // Named so that a profile of a scan tells its threads apart.
            .thread_name("bollwerk-collect")
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                snap.error("daemon", format!("cannot start the async runtime: {e}"));
                let basics = read_host_basics(&host, opts, plan, None);
                let unknown = unknown_settings_of(&snap);
                let view = DaemonView {
                    daemon: &snap.daemon,
                    unknown_settings: &unknown,
                    environment: &DaemonEnvironment::NoProcess,
                };
                let placed = read_host_placed(&host, opts, plan, &view);
                merge_host(&mut snap, basics, placed);
                snap.derive_facts(Origin::Collected);
                return Err(Box::new(snap));
            }
        };
        if !opts.deep_images {
            snap.not_collected.push(crate::snapshot::CollectError {
                fact: "image.special_files".into(),
                message: "image file systems were not read: scan with --deep-images to list setuid and setgid files".into(),
            });
        }
        Ok(Collection {
            opts,
            plan,
            progress,
            host,
            runtime,
            snap,
            proc_view: Arc::default(),
            daemon_env: Arc::default(),
            host_ns_note: None,
            config_unread: None,
            daemon_elsewhere: None,
        })
    }

    /// Starts the daemon's part: it needs nothing read on the host, so it answers while the
    /// host is read.
    fn ask_daemon(&self) -> Asked {
        (self.progress)("asking the Docker daemon");
        let (info_tx, info) = tokio::sync::oneshot::channel::<Option<Value>>();
        let (running_tx, running) = tokio::sync::mpsc::unbounded_channel::<(String, u32)>();
        let task = self.runtime.spawn(ask_daemon_everything(
            self.opts.clone(),
            docker::Early {
                info: Some(info_tx),
                running: Some(running_tx),
            },
        ));
        Asked {
            task,
            info,
            running,
        }
    }

    /// dockerd's process, daemon.json and flags, and the host's namespaces; read by the
    /// deadline like the rest of the host (a daemon.json on a network mount that stops
    /// answering must not hold the scan). Past it the settings are an error, and as the
    /// deadline has passed nothing more is read on the host ([`Collection::gather`]).
    fn read_daemon_config(&mut self) {
        (self.progress)("reading the daemon's configuration");
        let (host, endpoint) = (self.host.clone(), self.opts.endpoint.clone());
        // Nearly empty still: the copy costs nothing, and a reader stuck past the deadline
        // keeps it rather than the collection's own.
        let mut snap = self.snap.clone();
        let read = move || {
            let (elsewhere, environment) = read_daemon_config(&mut snap, &host, &endpoint);
            let dockerd = snap.daemon.process.as_ref().map(|p| p.pid);
            let namespaces = host_namespaces(&host, dockerd);
            let daemon_pids = dockerd.map(|pid| pidns::DaemonPids::of(&host, pid));
            (snap, namespaces, daemon_pids, elsewhere, environment)
        };
        match self.in_time(CONFIG_READ, read) {
            Ok((snap, (host_ns, note), daemon_pids, elsewhere, environment)) => {
                self.snap = snap;
                self.daemon_env = Arc::new(environment);
                self.host_ns_note = note;
                let daemon_pids = match daemon_pids {
                    Some(Ok(pids)) => pids,
                    None => None,
                    // The cgroup check still keeps another process's facts out.
                    Some(Err(why)) => {
                        let note = format!(
                            "whether dockerd shares this host's pid namespace is unknown: {why}"
                        );
                        self.snap.notes.push(note);
                        None
                    }
                };
                self.proc_view = Arc::new(ProcView {
                    host_ns,
                    daemon_pids,
                });
                self.daemon_elsewhere = elsewhere;
            }
            Err(unfinished) => {
                let past = matches!(unfinished, Unfinished::PastDeadline(_));
                let why = unfinished.why(CONFIG_READ);
                self.host_ns_note = Some(format!("host namespaces: not read: {why}"));
                self.snap.error("daemon.settings", why.clone());
                if past {
                    self.config_unread = Some(why);
                }
            }
        }
    }

    /// When the collection stops waiting, for the daemon's part and for every read of the
    /// host alike: the deadline and its grace.
    fn end(&self) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.opts.limits.deadline()) + DEADLINE_GRACE
    }

    /// The daemon task's answers; an error for the whole daemon if it is not done by
    /// [`Collection::end`] (each of its requests ends by the deadline: this is a backstop).
    fn wait_for_daemon(
        &self,
        task: tokio::task::JoinHandle<Result<docker::DaemonAnswers, DaemonError>>,
    ) -> Result<docker::DaemonAnswers, DaemonError> {
        // The spinner names what this thread waits on: the daemon, then the host readers.
        (self.progress)("waiting for the Docker daemon's answers");
        let abort = task.abort_handle();
        let end = self.end();
        // The timer is made inside the runtime, which it needs.
        let waited = self
            .runtime
            .block_on(async { tokio::time::timeout_at(end, task).await });
        match waited {
            Ok(Ok(answers)) => answers,
            Ok(Err(e)) => Err(DaemonError::Task(e.to_string())),
            Err(_) => {
                abort.abort();
                Err(DaemonError::PastDeadline {
                    whole: self.opts.limits.whole,
                })
            }
        }
    }

    /// `read` as a blocking task at the host-reading priority, waited for until
    /// [`Collection::end`]; `what` names what it reads, for the error.
    fn in_time<T: Send + 'static>(
        &self,
        what: &str,
        read: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Unfinished> {
        let task = self.spawn_host_reading(read);
        let (end, limits) = (self.end(), self.opts.limits);
        self.runtime.block_on(by_end(task, end, limits, what))
    }

    /// While the daemon answers (`asked`), reads the host (first what does not depend
    /// on the daemon, then, once `/info` is in, as it may move the data root, what the
    /// daemon's settings locate), each running container's /proc and cgroup files as soon
    /// as it is inspected, and each container's network namespace. When the daemon's
    /// configuration was still being read at the deadline, only the daemon's answers are
    /// waited for: the host's facts and the containers' runtime facts are errors.
    fn gather(&self, asked: Asked) -> Parts {
        let Asked {
            task: daemon_task,
            info: info_rx,
            running: running_rx,
        } = asked;
        if let Some(why) = &self.config_unread {
            let why = format!("not read, the deadline having passed: {why}");
            let answers = self.wait_for_daemon(daemon_task);
            let host = HostRead {
                part: Err(Unfinished::PastDeadline(why.clone())),
                containers: ContainersRead {
                    runtimes: HashMap::new(),
                    listening: Listening::new(),
                    past_deadline: Some(why),
                },
            };
            return Parts { answers, host };
        }
        let host_task = self.spawn_host_files_reader(info_rx);
        let readers = self.spawn_container_readers(running_rx);
        let answers = self.wait_for_daemon(daemon_task);
        (self.progress)("reading host files");
        let host = self.wait_for_readers(host_task, readers);
        Parts { answers, host }
    }

    /// Reads the host's basics, then, once `/info` is in (`info_rx`), what the daemon's
    /// settings locate, with the settings as `/info` corrects them and those it reports known,
    /// as [`apply_answers`] will have them.
    fn spawn_host_files_reader(
        &self,
        info_rx: tokio::sync::oneshot::Receiver<Option<Value>>,
    ) -> tokio::task::JoinHandle<HostFilesRead> {
        let (opts, plan) = (self.opts.clone(), self.plan.clone());
        let early_daemon = self.snap.daemon.clone();
        let mut settings_errors: Vec<CollectError> = (self.snap.errors.iter())
            .filter(|e| e.fact.starts_with("daemon.settings"))
            .cloned()
            .collect();
        let (host, environment) = (self.host.clone(), self.daemon_env.clone());
        self.spawn_host_reading(move || {
            let basics = read_host_basics(&host, &opts, &plan, early_daemon.process.as_ref());
            let mut daemon = early_daemon;
            if let Ok(Some(info)) = info_rx.blocking_recv() {
                let reported = daemon_config::apply_info(&mut daemon.settings, &info);
                known_from_the_daemon(&mut settings_errors, &reported);
            }
            let unknown = unknown_settings_in(&settings_errors);
            let view = DaemonView {
                daemon: &daemon,
                unknown_settings: &unknown,
                environment: &environment,
            };
            (basics, read_host_placed(&host, &opts, &plan, &view))
        })
    }

    /// Reads each running container's /proc and cgroup files as soon as it is inspected
    /// (`running_rx`), and then its network namespace.
    fn spawn_container_readers(
        &self,
        running_rx: tokio::sync::mpsc::UnboundedReceiver<(String, u32)>,
    ) -> ContainerReaders {
        let (netns_tx, netns_rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        let (host, view) = (self.host.clone(), self.proc_view.clone());
        // Two readers take running containers from one queue: after the daemon's last answer
        // the daemon is idle, and what is left of /proc and cgroup reading uses both cores.
        let running_rx = Arc::new(std::sync::Mutex::new(running_rx));
        // Shared, so that what was read is there even if a reader is stuck at the deadline.
        let runtimes = Arc::new(std::sync::Mutex::new(HashMap::new()));
        let elsewhere = self.daemon_elsewhere.is_some();
        let proc_tasks: Vec<_> = (0..PROC_READERS)
            .map(|_| {
                let (host, view) = (host.clone(), view.clone());
                let (running_rx, netns_tx) = (running_rx.clone(), netns_tx.clone());
                let runtimes = runtimes.clone();
                self.spawn_host_reading(move || {
                    // The lock is held only while waiting for the next container.
                    let next = || lock(&running_rx).blocking_recv();
                    while let Some((id, pid)) = next() {
                        // Another host's daemon numbers its own processes: a process of
                        // this host with that number is not the container's.
                        if elsewhere {
                            continue;
                        }
                        let here = view.host_pid(&host, pid);
                        if let Ok(here) = here {
                            let _ = netns_tx.send(here);
                        }
                        let read = read_runtime(&host, &id, pid, here, &view);
                        lock(&runtimes).insert(id, read);
                    }
                })
            })
            .collect();
        drop(netns_tx);
        let netns_task = self.spawn_host_reading({
            let mut netns_rx = netns_rx;
            move || {
                let pids = std::iter::from_fn(|| netns_rx.blocking_recv());
                net::Namespaces::read(&host, pids).answers(&host)
            }
        });
        ContainerReaders {
            proc_tasks,
            netns_task,
            runtimes,
        }
    }

    /// What the host's readers bring back by [`Collection::end`]: host reading ends when the
    /// daemon's part does, as a file system that stops answering must not hold the scan for
    /// ever either.
    fn wait_for_readers(
        &self,
        host_task: tokio::task::JoinHandle<HostFilesRead>,
        readers: ContainerReaders,
    ) -> HostRead {
        let (end, limits) = (self.end(), self.opts.limits);
        self.runtime.block_on(async {
            let part = by_end(host_task, end, limits, HOST_FILES).await;
            let mut past_deadline = None;
            for task in readers.proc_tasks {
                if let Err(Unfinished::PastDeadline(why)) =
                    by_end(task, end, limits, CONTAINER_FILES).await
                {
                    past_deadline = Some(why);
                }
            }
            let listening = match by_end(readers.netns_task, end, limits, CONTAINER_FILES).await {
                Ok(l) => l,
                Err(Unfinished::Failed) => Listening::new(),
                Err(Unfinished::PastDeadline(why)) => {
                    past_deadline = Some(why);
                    Listening::new()
                }
            };
            let runtimes = std::mem::take(&mut *lock(&readers.runtimes));
            let listening = by_daemon_pid(listening, &runtimes);
            HostRead {
                part,
                containers: ContainersRead {
                    runtimes,
                    listening,
                    past_deadline,
                },
            }
        })
    }

    /// Starts `read` as a blocking task at the host-reading priority
    /// ([`yield_to_the_daemon`]). tokio keeps a finished task's thread for later blocking
    /// tasks, which then run at that priority too: only this collection's work runs on them
    /// (with `--deep-images`, parsing image layers), and they end with its runtime.
    fn spawn_host_reading<T: Send + 'static>(
        &self,
        read: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.runtime.spawn_blocking(move || {
            yield_to_the_daemon();
            read()
        })
    }

    /// The daemon's answers and the host's part into the snapshot. The host's located part
    /// is read again if a daemon setting it consulted turned out different from what it was
    /// when it located the files, or known where it was not (or not where it was), or if it
    /// could not be read; returns what was read of containers meanwhile.
    fn assemble(
        &mut self,
        answers: Result<docker::DaemonAnswers, DaemonError>,
        host: HostRead,
    ) -> ContainersRead {
        apply_answers(&mut self.snap, answers);
        let host_mount_ns = self
            .proc_view
            .host_ns
            .as_ref()
            .and_then(|ns| ns.get("mnt"))
            .copied();
        set_scanner_apart(&mut self.snap, scanner::own_container_id(host_mount_ns));
        let (host_fs, opts, plan) = (self.host.clone(), self.opts.clone(), self.plan.clone());
        let daemon = self.snap.daemon.clone();
        let unknown = unknown_settings_of(&self.snap);
        let environment = self.daemon_env.clone();
        // What is read again is read by the deadline too.
        let mut located_too_early = false;
        let read = match host.part {
            // Located with the settings in force, known and unknown alike, as far as locating
            // consulted them: kept.
            Ok((basics, placed)) if placed.located_with.holds_for(&daemon, &unknown) => {
                Ok((basics, placed))
            }
            Ok((basics, placed)) if tokio::time::Instant::now() >= self.end() => {
                // The daemon's final settings came too late to locate the files again: what
                // the earlier ones located may be other files, so it is an error below; what
                // does not depend on them is kept.
                located_too_early = true;
                Ok((basics, placed))
            }
            Ok((basics, _)) => self
                .in_time(HOST_FILES, move || {
                    let view = DaemonView {
                        daemon: &daemon,
                        unknown_settings: &unknown,
                        environment: &environment,
                    };
                    read_host_placed(&host_fs, &opts, &plan, &view)
                })
                .map(|placed| (basics, placed)),
            Err(Unfinished::Failed) => self.in_time(HOST_FILES, move || {
                let view = DaemonView {
                    daemon: &daemon,
                    unknown_settings: &unknown,
                    environment: &environment,
                };
                (
                    read_host_basics(&host_fs, &opts, &plan, daemon.process.as_ref()),
                    read_host_placed(&host_fs, &opts, &plan, &view),
                )
            }),
            Err(past) => Err(past),
        };
        match read {
            Ok((basics, placed)) => merge_host(&mut self.snap, basics, placed),
            // Every host fact is an error, none a pass on facts never read.
            Err(unfinished) => self.snap.error("host", unfinished.why(HOST_FILES)),
        }
        if located_too_early {
            for fact in PLACED_FACTS {
                self.snap.error(fact, LOCATED_TOO_EARLY);
            }
        }
        host.containers
    }

    /// Runtime facts of every running container (read now for those not read meanwhile);
    /// the ids of those whose process was gone.
    fn attach_runtime(&mut self, read: ContainersRead) -> Vec<String> {
        (self.progress)("reading containers' namespaces and cgroups");
        self.snap.notes.extend(self.host_ns_note.take());
        let ContainersRead {
            mut runtimes,
            mut listening,
            past_deadline,
        } = read;
        if let Some(elsewhere) = &self.daemon_elsewhere {
            let why = format!("the daemon is taken for another host's ({elsewhere}): the processes it names are not this host's, so its containers' /proc is not read here");
            return attach_runtime(&mut self.snap, None, runtimes, &mut listening, &why);
        }
        // Past the deadline nothing more is read: what is missing is an error.
        let unread = match past_deadline {
            Some(why) => why,
            None => {
                let wanted = still_unread(&self.snap, &runtimes, &listening);
                let ids = wanted.ids.clone();
                match self.read_late(wanted) {
                    Ok(late) => {
                        late.merge_into(&ids, &mut runtimes, &mut listening);
                        NOT_BROUGHT_BACK.to_string()
                    }
                    Err(why) => why,
                }
            }
        };
        attach_runtime(&mut self.snap, None, runtimes, &mut listening, &unread)
    }

    /// [`read_late`] as a blocking task, by [`Collection::end`]; the error says why not.
    fn read_late(&self, wanted: Unread) -> Result<LateRead, String> {
        if wanted.is_empty() {
            return Ok(LateRead::default());
        }
        let (host, view) = (self.host.clone(), self.proc_view.clone());
        self.in_time(CONTAINER_FILES, move || read_late(&host, &view, &wanted))
            .map_err(|unfinished| unfinished.why(CONTAINER_FILES))
    }

    /// Asks the daemon again about containers whose process was gone: removed, restarted or
    /// stopped during the scan.
    fn recheck_vanished(&mut self, vanished: Vec<String>) {
        if vanished.is_empty() || !self.snap.daemon.reachable {
            return;
        }
        let ids = vanished.clone();
        let limits = self.opts.limits;
        (self.progress)("asking the Docker daemon again about containers that changed");
        let fresh = ask_daemon(
            &self.runtime,
            &self.opts.endpoint,
            limits,
            |docker, endpoint| async move {
                docker::inspect_containers(&docker, &endpoint, ids, limits).await
            },
        );
        if let Ok(fresh) = fresh {
            let restarted = take_rechecked(&mut self.snap, &vanished, fresh);
            let wanted = Unread::all_of(&restarted);
            let (unread, late) = match self.read_late(wanted) {
                Ok(late) => (NOT_BROUGHT_BACK.to_string(), late),
                Err(why) => (why, LateRead::default()),
            };
            attach_restarted(&mut self.snap, &restarted, late, &unread);
        }
    }

    /// Containers whose processes /proc did not show (a remote daemon, a hidden /proc): the
    /// daemon runs ps for each, so it is asked only for those.
    fn ask_for_missing_processes(&mut self) {
        let missing: Vec<usize> = (0..self.snap.containers.len())
            .filter(|&i| self.snap.containers[i].errors.contains_key("processes"))
            .collect();
        if missing.is_empty() || !self.snap.daemon.reachable {
            return;
        }
        let ids: Vec<String> = missing
            .iter()
            .map(|&i| self.snap.containers[i].id.clone())
            .collect();
        let limits = self.opts.limits;
        (self.progress)("asking the Docker daemon for containers' processes");
        let answers = ask_daemon(
            &self.runtime,
            &self.opts.endpoint,
            limits,
            |docker, _| async move { docker::top_all(&docker, ids, limits).await },
        );
        let Ok(answers) = answers else { return };
        for (&i, answer) in missing.iter().zip(answers) {
            let c = &mut self.snap.containers[i];
            match answer {
                Ok(p) => {
                    c.processes = p;
                    c.errors.remove("processes");
                }
                Err(e) => {
                    c.errors.insert("processes".into(), e.to_string());
                }
            }
        }
    }

    /// Where each container's bind mounts' sources lead on the host: inspect keeps a source as
    /// written, and one that is a symbolic link (or lies below one) mounts its target. Read by
    /// the deadline like every host file; what is not read then is an error for the
    /// containers with bind mounts.
    fn resolve_bind_sources(&mut self) {
        let wanted: Vec<(usize, Vec<String>)> = self
            .snap
            .containers
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let sources = bind_sources(c);
                (!sources.is_empty()).then_some((i, sources))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        // Another host's daemon mounts that host's paths: this one's say nothing of them.
        if let Some(elsewhere) = &self.daemon_elsewhere {
            let why = format!("the daemon is taken for another host's ({elsewhere}): where its bind mounts' sources lead there cannot be read from here");
            for (i, _) in wanted {
                let c = &mut self.snap.containers[i];
                c.errors.insert("resolved_sources".into(), why.clone());
            }
            return;
        }
        let host = self.host.clone();
        let asked = wanted.clone();
        let read = self.in_time(BIND_SOURCES, move || {
            asked
                .into_iter()
                .map(|(i, sources)| (i, resolve_sources(&host, sources)))
                .collect::<Vec<_>>()
        });
        match read {
            Ok(read) => {
                for (i, resolved) in read {
                    let c = &mut self.snap.containers[i];
                    match resolved {
                        Ok(resolved) => c.resolved_sources = resolved,
                        Err(why) => {
                            c.errors.insert("resolved_sources".into(), why);
                        }
                    }
                }
            }
            Err(unfinished) => {
                let why = unfinished.why(BIND_SOURCES);
                for (i, _) in wanted {
                    let c = &mut self.snap.containers[i];
                    c.errors.insert("resolved_sources".into(), why.clone());
                }
            }
        }
    }

    /// The facts derived from others, the documents rules read, and the end time.
    fn finish(self) -> Snapshot {
        let Collection {
            mut snap, runtime, ..
        } = self;
        // A host read past the deadline may still be blocked in the kernel: its thread is
        // left behind (it ends with the process) rather than waited for.
        runtime.shutdown_background();
        derive_all(&mut snap);
        snap.build_documents();
        snap.finished_at = Utc::now();
        snap
    }
}

/// The daemon's part: connect, ask everything, and with `--deep-images` each image's files.
async fn ask_daemon_everything(
    opts: CollectOptions,
    early: docker::Early,
) -> Result<docker::DaemonAnswers, DaemonError> {
    let (endpoint, limits) = (&opts.endpoint, opts.limits);
    let docker = docker::connect(endpoint, limits).await?;
    let mut answers = docker::collect(&docker, endpoint, opts.all_containers, early, limits).await;
    if opts.deep_images {
        for img in &mut answers.images {
            match deep::special_files(&docker, &img.id, limits).await {
                Ok(files) => img.special_files = Some(files),
                Err(e) => answers.errors.push((
                    format!("images[\"{}\"].special_files", img.id),
                    e.to_string(),
                )),
            }
        }
    }
    Ok(answers)
}

/// The facts derived from others as collection finishes: each container's
/// ([`derive`]), then the snapshot's ([`Snapshot::derive_facts`]), the same list that
/// reading a snapshot file applies.
fn derive_all(snap: &mut Snapshot) {
    snap.containers.iter_mut().for_each(derive);
    snap.derive_facts(Origin::Collected);
}

/// Fills in the facts bollwerk works out from a container's others: the capabilities it
/// holds ([`capabilities::of_container`]) and its security options told apart
/// ([`security_opt::of_host_config`]). Call it once its inspect document and runtime facts
/// are in. A container whose inspect has no HostConfig object gets neither: they, and its
/// HostConfig, are errors of it, which [`Snapshot::derive_facts`] records
/// ([`ContainerFacts::mark_missing_host_config`]).
///
/// [`ContainerFacts::mark_missing_host_config`]: crate::snapshot::ContainerFacts::mark_missing_host_config
pub fn derive(c: &mut crate::snapshot::ContainerFacts) {
    // Without a HostConfig they would be Docker's defaults, not the container's.
    if c.host_config_missing().is_some() {
        return;
    }
    c.facts_changed();
    match capabilities::of_container(c) {
        Ok(caps) => c.capabilities = Some(caps),
        Err(e) => {
            c.errors.insert("capabilities".into(), e.to_string());
        }
    }
    let (security_opt, unreadable) = security_opt::of_host_config(c.inspect.pointer("/HostConfig"));
    c.security_opt = Some(security_opt);
    if let Some(why) = unreadable {
        c.errors
            .insert("security_opt.seccomp_allows_every_call".into(), why);
    }
}

/// `ask` on a new connection to the daemon, for the questions that come after the first
/// round of answers; an error when the daemon cannot be reached any more.
fn ask_daemon<T, F, Fut>(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Endpoint,
    limits: limits::Limits,
    ask: F,
) -> Result<T, DaemonError>
where
    F: FnOnce(bollard::Docker, Endpoint) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let endpoint = endpoint.clone();
    runtime.block_on(async move {
        let docker = docker::connect(&endpoint, limits).await?;
        Ok(ask(docker, endpoint).await)
    })
}

/// The nice value of the threads that read the host while the daemon answers (0 is the
/// default, 19 the lowest priority).
const HOST_READING_NICE: i32 = 10;

/// Lowers the calling thread's priority, so that while the daemon answers, dockerd and the
/// thread waiting for it get the CPU first and reading the host fills the gaps: on a busy
/// machine the answers then come as fast as they would without the host reading, which has
/// to be done anyway. Linux keeps a nice value per thread (threads it starts inherit it), and
/// raising it needs no privilege; it is never lowered (a scan run with `nice` stays there),
/// and failing to change it is harmless, so errors are ignored.
fn yield_to_the_daemon() {
    use nix::libc::{getpriority, id_t, setpriority, PRIO_PROCESS};
    let tid = nix::unistd::gettid().as_raw() as id_t;
    // SAFETY: getpriority and setpriority take integers only and touch no memory of this
    // process; errno is this thread's.
    unsafe {
        nix::errno::Errno::clear();
        let now = getpriority(PRIO_PROCESS, tid);
        if nix::errno::Errno::last_raw() == 0 && now < HOST_READING_NICE {
            setpriority(PRIO_PROCESS, tid, HOST_READING_NICE);
        }
    }
}

/// `m` locked; a reader that panicked while holding it left the value whole (a map or a
/// queue receiver, changed by whole operations only).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Blocking tasks reading running containers' `/proc` and cgroup files: two, as the runtime
/// has two worker threads and the machines we measure on two cores.
const PROC_READERS: usize = 2;

/// Time the daemon's part and the host reads get beyond the deadline to hand back what they
/// have ([`Collection::end`]): each daemon request ends by the deadline, so for the daemon
/// this is only a backstop.
const DEADLINE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// What the blocking `task` read, if it ends by `end`; the error says why not: `what` (with
/// its verb, "the host's files were") was still being read, `limits` names the deadline.
async fn by_end<T>(
    task: tokio::task::JoinHandle<T>,
    end: tokio::time::Instant,
    limits: limits::Limits,
    what: &str,
) -> Result<T, Unfinished> {
    match tokio::time::timeout_at(end, task).await {
        Ok(Ok(read)) => Ok(read),
        Ok(Err(_)) => Err(Unfinished::Failed),
        Err(_) => Err(Unfinished::PastDeadline(format!(
            "{what} still being read at the deadline (--deadline {} s, then {} s of grace): a file system under the host root does not answer",
            limits.whole.as_secs(),
            DEADLINE_GRACE.as_secs()
        ))),
    }
}

/// dockerd's process, daemon.json and flags → effective settings (before `info`).
/// Returns why the daemon is taken for another host's, when it is, and dockerd's environment.
fn read_daemon_config(
    snap: &mut Snapshot,
    host: &HostFs,
    endpoint: &Endpoint,
) -> (Option<String>, DaemonEnvironment) {
    let mut flags = daemon_config::Flags::default();
    let mut flags_unread = None;
    match process::find_dockerd(host, &endpoint.url) {
        Ok(p) => {
            flags = daemon_config::parse_flags(p.cmdline.get(1..).unwrap_or(&[]));
            snap.daemon.process = Some(p);
        }
        // Another host's daemon: this machine's daemon.json is not its configuration.
        Err(
            e @ (process::DockerdNotFound::Remote { .. }
            | process::DockerdNotFound::NotServedHere { .. }),
        ) => {
            snap.error(
                "daemon.settings",
                format!("{e}: its daemon.json and flags cannot be read from here"),
            );
            snap.daemon.settings = daemon_config::merge(BTreeMap::new(), BTreeMap::new());
            return (Some(e.to_string()), DaemonEnvironment::NoProcess);
        }
        Err(e) => {
            snap.notes.push(format!(
                "dockerd process: {e}; settings come from daemon.json and docker info"
            ));
            flags_unread = Some(e.to_string());
        }
    }
    let environment = DaemonEnvironment::of(host, snap.daemon.process.as_ref());
    let explicit = flags.config_file.is_some();
    let file = flags.config_file.clone().unwrap_or_else(|| {
        let process = snap.daemon.process.as_ref();
        rootless::default_config_file(host, process, endpoint.socket_path(), &environment)
    });
    let read = host.read_to_string(&file);
    // dockerd's own --config-file is the file in effect even when it cannot be read, so that
    // rules on its owner and mode look at it and not at the default path.
    if explicit || !matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
        snap.daemon.config_file = Some(file.clone());
    }
    let from_file = match read {
        Ok(text) => match daemon_config::parse_daemon_json(&file, &text) {
            Ok(s) => Some(s),
            Err(e) => {
                snap.error("daemon.settings", e);
                None
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Some(BTreeMap::new()),
        Err(e) => {
            snap.error("daemon.settings", format!("cannot read {file}: {e}"));
            None
        }
    };
    snap.daemon.config_as_written = from_file.as_ref().map(|keys| {
        keys.iter()
            .map(|(k, s)| (k.clone(), s.value.clone()))
            .collect()
    });
    let mut from_file = from_file.unwrap_or_default();
    for (key, why) in daemon_config::misshapen(&from_file) {
        from_file.remove(&key);
        snap.error(format!("daemon.settings.{key}"), why);
    }
    let edited = edited_since_start(snap, host, &file, &from_file);
    snap.daemon.settings = daemon_config::merge(from_file, flags.settings);
    for (key, message) in edited {
        snap.error(format!("daemon.settings.{key}"), message);
    }
    // `-H fd://` listens where systemd's docker.socket says.
    if let Err(e) = socket_activation::expand_fd_hosts(host, &mut snap.daemon.settings) {
        // The unit names the sockets' group too: whose members control the daemon is unknown.
        snap.error("host.docker_group", e.clone());
        snap.error("daemon.settings.hosts", e);
    }
    if let Some(why) = flags_unread {
        flag_defaults_unknown(snap, &why);
    }
    (None, environment)
}

/// The settings of daemon.json (`file`, read as `from_file`) that may not be in force because
/// the file was changed after dockerd started, or because whether it was could not be told
/// (dockerd's start time or the file's modification time could not be read), each with why:
/// dockerd reads it at start (and some keys on SIGHUP), so what it holds now is not known to
/// be what runs. Settings that `docker info` or the networks report in force are left to them.
fn edited_since_start(
    snap: &Snapshot,
    host: &HostFs,
    file: &str,
    from_file: &BTreeMap<String, crate::snapshot::Sourced>,
) -> Vec<(String, String)> {
    let Some(p) = &snap.daemon.process else {
        return Vec::new();
    };
    let keys: Vec<&String> = (from_file.keys())
        .filter(|k| !daemon_config::reported_in_force(k))
        .collect();
    if keys.is_empty() {
        return Vec::new();
    }
    let changed = host
        .modified(file)
        .map_err(|e| format!("cannot read the modification time of {file}: {e}"));
    let why = match (process::started_at(host, p.pid), changed) {
        // A second of slack: the start time is counted in clock ticks.
        (Ok(started), Ok(changed)) if changed <= started + std::time::Duration::from_secs(1) => {
            return Vec::new();
        }
        (Ok(started), Ok(changed)) => {
            let at = |t: std::time::SystemTime| {
                chrono::DateTime::<chrono::Utc>::from(t)
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            };
            format!(
                "{file} was changed at {}, after dockerd (pid {}) started at {}",
                at(changed),
                p.pid,
                at(started)
            )
        }
        (Err(why), _) | (_, Err(why)) => format!(
            "whether {file} was changed after dockerd (pid {}) started could not be told ({why})",
            p.pid
        ),
    };
    keys.into_iter()
        .map(|k| {
            let message = format!("{why}: its {k} may not be in force (restart dockerd, or send it SIGHUP for the settings it reloads)");
            (k.clone(), message)
        })
        .collect()
}

/// Without dockerd's command line, a setting daemon.json leaves at dockerd's default may be
/// set by a flag: its value is unknown, an error (daemon.json's own values stand, as dockerd
/// refuses a flag and a daemon.json key for the same setting). Settings `docker info` and the
/// networks report in force are left to them.
fn flag_defaults_unknown(snap: &mut Snapshot, why: &str) {
    let unknown: Vec<String> = snap
        .daemon
        .settings
        .iter()
        .filter(|(_, s)| s.source == daemon_config::DEFAULT_SOURCE)
        .map(|(key, _)| key.clone())
        .collect();
    for key in unknown {
        // Those the daemon reports in force are known again once it does ([`apply_answers`]).
        snap.error(
            format!("daemon.settings.{key}"),
            format!("{FLAGS_UNREAD} ({why}): a flag may set {key}, so dockerd's default is not known to be in force"),
        );
    }
}

/// How [`flag_defaults_unknown`]'s errors begin.
const FLAGS_UNREAD: &str = "dockerd's flags could not be read";

/// Drops [`flag_defaults_unknown`]'s errors on `keys` from `errors` (the snapshot's): the
/// daemon reported them in force.
fn known_from_the_daemon(errors: &mut Vec<CollectError>, keys: &[&str]) {
    errors.retain(|e| {
        let reported = e
            .fact
            .strip_prefix("daemon.settings.")
            .is_some_and(|k| keys.contains(&k));
        !(reported && e.message.starts_with(FLAGS_UNREAD))
    });
}

/// Host facts that do not depend on the daemon's settings, and the errors met reading them.
struct HostPart {
    facts: HostFacts,
    /// (fact path, message).
    errors: Vec<(String, String)>,
}

/// Host facts that do not depend on the daemon's settings: identity, security modules,
/// listening sockets, audit rules and kernel parameters. `dockerd` is the daemon's process
/// when it was found.
fn read_host_basics(
    host: &HostFs,
    opts: &CollectOptions,
    plan: &Plan,
    dockerd: Option<&crate::snapshot::DaemonProcess>,
) -> HostPart {
    let live = opts.host_root == std::path::Path::new("/");
    let mut facts = HostFacts::default();
    let mut errors = Vec::new();
    identity::collect(host, live, &mut facts, &mut errors);

    // Security modules: a file that is not there says the module is off; one that cannot be
    // read says nothing, and the rules that ask are errors.
    let apparmor = "/sys/module/apparmor/parameters/enabled";
    match host.read_to_string(apparmor) {
        Ok(v) => facts.lsm.apparmor = v.trim() == "Y",
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => facts.lsm.apparmor = false,
        Err(e) => errors.push((
            "host.lsm.apparmor".into(),
            format!("cannot read {apparmor}: {e}"),
        )),
    }
    let selinux = "/sys/fs/selinux/enforce";
    match host.stat(selinux) {
        Ok(f) => facts.lsm.selinux = f.exists,
        Err(e) => errors.push(("host.lsm.selinux".into(), e.to_string())),
    }

    // Listening sockets of the host's network namespace: pid 1's, else dockerd's. Which
    // namespace a process is in is looked up once for them and the kernel parameters.
    let netns = net::NetnsOf::new(host);
    match net::host_listening(host, dockerd.map(|p| p.pid), &netns) {
        Ok(l) => facts.listening = Some(l),
        Err(e) => errors.push(("host.listening".into(), e.to_string())),
    }

    // Audit rules; loaded ones only for the real root.
    facts.audit = audit::collect(host, live, &mut errors);

    // Kernel parameters. Those of the network are the reader's network namespace's.
    let is_net = |key: &String| key.starts_with("net.");
    let net_doubt = (plan.sysctls.iter().chain(&plan.sysctl_each).any(is_net))
        .then(|| net::sysctl_net_doubt(host, dockerd.map(|p| p.pid), &netns))
        .flatten();
    let foreign = |key: &String| is_net(key).then(|| net_doubt.clone()).flatten();
    for key in &plan.sysctls {
        if let Some(why) = foreign(key) {
            errors.push((format!("host.sysctl[\"{key}\"]"), why));
            continue;
        }
        let file = crate::facts::sysctl_file(key, None);
        match host.read_to_string(&file) {
            Ok(v) => {
                facts.sysctl.insert(key.clone(), Some(v.trim().to_string()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                facts.sysctl.insert(key.clone(), None);
            }
            Err(e) => errors.push((
                format!("host.sysctl[\"{key}\"]"),
                format!("cannot read {file}: {e}"),
            )),
        }
    }
    for key in &plan.sysctl_each {
        if let Some(why) = foreign(key) {
            errors.push((format!("host.sysctl_each[\"{key}\"]"), why));
            continue;
        }
        match sysctl_each(host, key) {
            Ok(values) => {
                facts.sysctl_each.insert(key.clone(), values);
            }
            Err(e) => errors.push((format!("host.sysctl_each[\"{key}\"]"), e)),
        }
    }
    HostPart { facts, errors }
}

/// Kernel parameter `key`, written with one `*` step (`net.ipv4.conf.*.send_redirects`), for
/// every entry of the `/proc/sys` folder at the `*` that has it, by the entry's name. Empty
/// when the folder does not exist; an error names the folder or file that cannot be read.
fn sysctl_each(host: &HostFs, key: &str) -> Result<BTreeMap<String, String>, String> {
    let steps: Vec<&str> = key.split('.').collect();
    let Some(star) = steps.iter().position(|s| *s == "*") else {
        return Err(format!("{key} has no `*` step"));
    };
    let folder = crate::facts::sysctl_file(&steps[..star].join("."), None);
    let names = match host.list_dir(&folder) {
        Ok(names) => names,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("cannot list {folder}: {e}")),
    };
    let mut values = BTreeMap::new();
    for name in names {
        let file = crate::facts::sysctl_file(key, Some(&name));
        match host.read_to_string(&file) {
            Ok(v) => {
                values.insert(name, v.trim().to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {file}: {e}")),
        }
    }
    Ok(values)
}

/// The daemon settings the collection could not tell (see [`locations::unknown_settings`]).
fn unknown_settings_of(snap: &Snapshot) -> BTreeMap<String, String> {
    unknown_settings_in(&snap.errors)
}

/// The daemon settings that `errors` say could not be told.
fn unknown_settings_in(errors: &[CollectError]) -> BTreeMap<String, String> {
    locations::unknown_settings(errors.iter().map(|e| (e.fact.as_str(), e.message.as_str())))
}

/// Puts both parts of the host's facts into the snapshot, errors in a fixed order: files and
/// trees, then listening sockets, audit and kernel parameters, then group and root mount.
fn merge_host(snap: &mut Snapshot, basics: HostPart, placed: Placed) {
    let HostPart { mut facts, errors } = basics;
    let Placed {
        facts: p,
        before,
        after,
        located_with: _,
    } = placed;
    facts.locations = p.locations;
    facts.searched = p.searched;
    facts.further_locations = p.further_locations;
    facts.files = p.files;
    facts.trees = p.trees;
    facts.docker_group = p.docker_group;
    facts.socket_groups = p.socket_groups;
    facts.docker_root = p.docker_root;
    facts.seccomp_profile = p.seccomp_profile;
    snap.host = facts;
    for (fact, message) in before.into_iter().chain(errors).chain(after) {
        snap.error(fact, message);
    }
}

/// Takes the container bollwerk runs in (`own`, when it runs in one) out of the containers
/// rules judge: it is the scanner, named in the snapshot and a note, not a workload.
pub fn set_scanner_apart(snap: &mut Snapshot, own: Option<String>) {
    let Some(id) = own else {
        return;
    };
    let name = snap
        .containers
        .iter()
        .position(|c| c.id == id)
        .map(|at| snap.containers.remove(at).name);
    snap.unread.retain(|u| u.id != id);
    let name = name.unwrap_or_default();
    snap.notes.push(format!(
        "bollwerk runs in container {} ({}): the scanner's own container is not scored",
        if name.is_empty() { "?" } else { &name },
        &id[..12.min(id.len())]
    ));
    snap.scanner = Some(crate::snapshot::ScannerContainer { id, name });
}

/// The daemon's answers (or why there are none) into the snapshot.
fn apply_answers(snap: &mut Snapshot, answers: Result<docker::DaemonAnswers, DaemonError>) {
    let a = match answers {
        Ok(a) => a,
        Err(e) => return snap.error("daemon", e.to_string()),
    };
    snap.daemon.reachable = true;
    snap.daemon.version = a.version;
    if let Some(info) = &a.info {
        let reported = daemon_config::apply_info(&mut snap.daemon.settings, info);
        known_from_the_daemon(&mut snap.errors, &reported);
        snap.daemon.swarm_state = info
            .pointer("/Swarm/LocalNodeState")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    snap.daemon.info = a.info;
    snap.daemon.server = server::identify(snap.daemon.version.as_ref(), snap.daemon.info.as_ref());
    if daemon_config::apply_networks(&mut snap.daemon.settings, &a.networks) {
        known_from_the_daemon(&mut snap.errors, &["icc"]);
    }
    if snap.daemon.server.as_ref().is_some_and(|s| !s.dockerd) {
        // dockerd's defaults, daemon.json and flags describe no daemon behind this API, nor
        // do the errors met reading them.
        snap.daemon.settings.clear();
        snap.daemon.config_file = None;
        snap.daemon.config_as_written = None;
        snap.errors
            .retain(|e| e.fact != "daemon.settings" && !e.fact.starts_with("daemon.settings."));
    }
    snap.daemon.networks = a.networks;
    snap.daemon.inventory = Some(a.inventory);
    snap.daemon.swarm = a.swarm;
    snap.containers = a.containers;
    snap.images = a.images;
    snap.unread = a.unread;
    let now = snap.started_at;
    for img in &mut snap.images {
        img.age_days = img
            .inspect
            .get("Created")
            .and_then(Value::as_str)
            .and_then(|c| chrono::DateTime::parse_from_rfc3339(c).ok())
            .map(|c| (now - c.with_timezone(&Utc)).num_days());
    }
    let version = snap
        .daemon
        .version
        .as_ref()
        .and_then(|v| v.get("Version"))
        .and_then(Value::as_str);
    // The release data is dockerd's: another engine's version says nothing about it.
    let is_dockerd = snap.daemon.server.as_ref().is_none_or(|s| s.dockerd);
    if let Some(version) = version.filter(|_| is_dockerd) {
        let today = now.format("%Y-%m-%d").to_string();
        match engine::support(version, &today) {
            Ok(s) => {
                if s.supported.is_none() {
                    snap.error(
                        "daemon.engine.supported",
                        format!(
                            "release line {} is not in bollwerk's release data (checks/data/docker-engine-releases.toml, as of {})",
                            s.line, s.data_as_of
                        ),
                    );
                }
                snap.daemon.engine = Some(s)
            }
            Err(e) => snap.error("daemon.engine", e.to_string()),
        }
    }
    for (fact, msg) in a.errors {
        snap.error(fact, msg);
    }
    // The swarm's marks made of these answers are derived with the others as collection
    // finishes ([`derive_all`]).
    snap.notes.extend(a.notes);
}

/// The host's namespaces, to compare containers' with: pid 1's, or where those are hidden (a
/// sandbox, a container with the host mounted) dockerd's; with a note when not pid 1's.
fn host_namespaces(
    host: &HostFs,
    dockerd: Option<u32>,
) -> (Option<BTreeMap<String, u64>>, Option<String>) {
    match runtime::namespaces_of(host, 1) {
        Ok(ns) => (Some(ns), None),
        Err(e1) => match dockerd.map(|pid| runtime::namespaces_of(host, pid)) {
            Some(Ok(ns)) => (
                Some(ns),
                Some(format!(
                    "host namespaces: {e1}; compared with dockerd's (pid {}) instead",
                    dockerd.unwrap_or(0)
                )),
            ),
            Some(Err(e2)) => (None, Some(format!("host namespaces: {e1}; {e2}"))),
            None => (None, Some(format!("host namespaces: {e1}"))),
        },
    }
}

/// What /proc and the cgroup file system say about a container's process `pid`: its
/// namespaces and cgroup limits, its processes, and the errors met (by fact).
struct ProcRead {
    pid: u32,
    facts: RuntimeFacts,
    processes: Result<Vec<Value>, String>,
    errors: BTreeMap<String, String>,
    /// `/proc/PID` is not there: the container may have stopped since it was inspected.
    vanished: bool,
    /// Why `/proc/PID` is not the container's process, when it is not.
    foreign: Option<String>,
}

fn read_runtime(
    host: &HostFs,
    id: &str,
    pid: u32,
    here: Result<u32, String>,
    view: &ProcView,
) -> ProcRead {
    let mut errors = BTreeMap::new();
    let here = match here {
        Ok(here) => here,
        Err(why) => {
            // Whichever process has that number here is not the container's.
            let facts = runtime::not_read(pid, why.clone(), &mut errors);
            return ProcRead {
                pid,
                facts,
                processes: Err(why.clone()),
                errors,
                vanished: false,
                foreign: Some(why),
            };
        }
    };
    let read = runtime::container(host, id, here, view.host_ns.as_ref(), &mut errors);
    ProcRead {
        pid,
        facts: read.facts,
        processes: read.processes,
        errors,
        vanished: read.vanished,
        foreign: read.foreign,
    }
}

/// How containers' `/proc` is read on this host: the host's namespaces to compare theirs with,
/// and, where the daemon's pid namespace is not this host's, the translation of its pids.
#[derive(Default)]
pub struct ProcView {
    /// The host's namespaces (pid 1's or dockerd's), by kind.
    pub host_ns: Option<BTreeMap<String, u64>>,
    /// The daemon's pid namespace, when it lies below this host's.
    pub daemon_pids: Option<pidns::DaemonPids>,
}

impl ProcView {
    /// This host's pid of the process the daemon numbers `pid`.
    pub fn host_pid(&self, host: &HostFs, pid: u32) -> Result<u32, String> {
        match &self.daemon_pids {
            Some(pids) => pids.host_pid(host, pid),
            None => Ok(pid),
        }
    }
}

/// Listening sockets read by this host's pids (`listening`), keyed by the daemon's pids as
/// `runtimes` pair them (the same numbers unless the daemon's pid namespace is another).
fn by_daemon_pid(listening: Listening, runtimes: &HashMap<String, ProcRead>) -> Listening {
    let theirs: HashMap<u32, u32> = runtimes
        .values()
        .filter(|r| r.facts.pid != r.pid)
        .map(|r| (r.facts.pid, r.pid))
        .collect();
    if theirs.is_empty() {
        return listening;
    }
    listening
        .into_iter()
        .filter_map(|(here, answer)| theirs.get(&here).map(|&pid| (pid, answer)))
        .collect()
}

/// Running containers still to be read once the daemon answered (by pid): the `/proc` of
/// those not read meanwhile (or read under another pid, restarted since), and the listening
/// sockets of those the namespace reader did not bring back.
#[derive(Debug, Clone, Default)]
struct Unread {
    /// The containers whose `/proc` is to be read: (id, pid).
    ids: Vec<(String, u32)>,
    /// The pids whose listening sockets are to be read.
    sockets: Vec<u32>,
}

impl Unread {
    /// Everything of `containers` (id, pid).
    fn all_of(containers: &[(String, u32)]) -> Unread {
        Unread {
            ids: containers.to_vec(),
            sockets: containers.iter().map(|(_, pid)| *pid).collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.sockets.is_empty()
    }
}

/// What [`Unread`] named, read.
#[derive(Default)]
struct LateRead {
    /// By pid.
    runtimes: HashMap<u32, ProcRead>,
    listening: Listening,
}

impl LateRead {
    /// Moves what was read into the maps of what was read early: runtimes by container id
    /// (`ids`, as [`Unread::ids`]), listening sockets by pid.
    fn merge_into(
        mut self,
        ids: &[(String, u32)],
        runtimes: &mut HashMap<String, ProcRead>,
        listening: &mut Listening,
    ) {
        for (id, pid) in ids {
            if let Some(read) = self.runtimes.remove(pid) {
                runtimes.insert(id.clone(), read);
            }
        }
        listening.extend(self.listening);
    }
}

/// What [`attach_runtime`] needs that was not read while the daemon answered (`read`, by
/// container id; `listening`, by pid).
fn still_unread(
    snap: &Snapshot,
    read: &HashMap<String, ProcRead>,
    listening: &Listening,
) -> Unread {
    let mut unread = Unread::default();
    for c in &snap.containers {
        let Some(pid) = running_pid(c) else { continue };
        if read.get(&c.id).is_none_or(|r| r.pid != pid) {
            unread.ids.push((c.id.clone(), pid));
        }
        if !listening.contains_key(&pid) {
            unread.sockets.push(pid);
        }
    }
    unread
}

/// Reads what `wanted` names, on this thread: each container's `/proc` and cgroup files,
/// and the listening sockets (one netlink dump per network namespace).
fn read_late(host: &HostFs, view: &ProcView, wanted: &Unread) -> LateRead {
    let runtimes = wanted
        .ids
        .iter()
        .map(|(id, pid)| {
            let here = view.host_pid(host, *pid);
            (*pid, read_runtime(host, id, *pid, here, view))
        })
        .collect();
    // Read by this host's pids, kept by the daemon's.
    let (theirs, here): (Vec<u32>, Vec<u32>) = wanted
        .sockets
        .iter()
        .filter_map(|&pid| Some((pid, view.host_pid(host, pid).ok()?)))
        .unzip();
    let listening = theirs
        .into_iter()
        .zip(net::listening_of(host, &here))
        .collect();
    LateRead {
        runtimes,
        listening,
    }
}

/// Attaches runtime facts, processes and listening sockets to every running container (or to
/// those of `only`): from `read` (by container id) and `listening` (by pid). Nothing is read
/// here; what is missing is an error saying `unread` (why it was not read). Returns the ids
/// of containers whose process was gone.
fn attach_runtime(
    snap: &mut Snapshot,
    only: Option<&BTreeSet<&str>>,
    mut read: HashMap<String, ProcRead>,
    listening: &mut Listening,
    unread: &str,
) -> Vec<String> {
    let mut vanished = Vec::new();
    for c in &mut snap.containers {
        if only.is_some_and(|ids| !ids.contains(c.id.as_str())) {
            continue;
        }
        let Some(pid) = running_pid(c) else { continue };
        match read.remove(&c.id) {
            Some(r) if r.pid == pid => {
                let sockets = listening.remove(&pid);
                if attach_one(c, r, sockets, unread) {
                    vanished.push(c.id.clone());
                }
            }
            _ => {
                c.errors.insert("runtime".into(), unread.into());
                c.errors.insert("processes".into(), unread.into());
            }
        }
    }
    vanished
}

/// [`attach_runtime`] for one container: what was read of its process, and its listening
/// sockets (`None`: not read, for the reason `unread`). True when its process was gone.
fn attach_one(
    c: &mut crate::snapshot::ContainerFacts,
    proc_read: ProcRead,
    listening: Option<Result<Vec<ListeningSocket>, net::SocketsError>>,
    unread: &str,
) -> bool {
    let ProcRead {
        mut facts,
        processes,
        errors,
        vanished,
        foreign,
        ..
    } = proc_read;
    c.errors.extend(errors);
    match listening {
        // The sockets of another process's network namespace are not the container's.
        _ if foreign.is_some() => {
            c.errors
                .insert("runtime.listening".into(), foreign.unwrap_or_default());
        }
        Some(Ok(l)) => facts.listening = l,
        Some(Err(e)) => {
            c.errors.insert("runtime.listening".into(), e.to_string());
        }
        None => {
            c.errors.insert("runtime.listening".into(), unread.into());
        }
    }
    match processes {
        Ok(p) => c.processes = p,
        // Left empty: the caller asks the daemon instead.
        Err(e) => {
            c.errors.insert("processes".into(), e);
        }
    }
    c.runtime = Some(facts);
    vanished
}

/// Containers whose process was gone when /proc was read (`ids`) have stopped, restarted or
/// been removed since the daemon listed them. `fresh` is what the daemon says of them now
/// ([`docker::inspect_containers`]); each is recorded as it is now, with a note, instead of
/// with errors for a process that no longer exists, and one that restarted is read again
/// (on this thread; a collection reads it by its deadline). A stopped container stays only
/// in a snapshot of all containers (`--all`), as it would have been listed then.
pub fn recheck_vanished(
    snap: &mut Snapshot,
    host: &HostFs,
    view: &ProcView,
    ids: &[String],
    fresh: docker::Gathered<crate::snapshot::ContainerFacts>,
) {
    let restarted = take_rechecked(snap, ids, fresh);
    let late = read_late(host, view, &Unread::all_of(&restarted));
    attach_restarted(snap, &restarted, late, NOT_BROUGHT_BACK);
}

/// [`recheck_vanished`] up to reading: records each container as it is now and returns those
/// that restarted, to be read again: (id, pid).
fn take_rechecked(
    snap: &mut Snapshot,
    ids: &[String],
    fresh: docker::Gathered<crate::snapshot::ContainerFacts>,
) -> Vec<(String, u32)> {
    let docker::Gathered {
        found: fresh,
        errors,
        notes,
    } = fresh;
    let mut fresh: HashMap<String, crate::snapshot::ContainerFacts> =
        fresh.into_iter().map(|c| (c.id.clone(), c)).collect();
    let failed: BTreeSet<String> = errors.into_iter().map(|(fact, _)| fact).collect();
    // Asked for, neither found nor failed: the daemon no longer knows them.
    let removed: BTreeSet<&str> = ids
        .iter()
        .filter(|id| {
            !fresh.contains_key(id.as_str()) && !failed.contains(&docker::container_fact(id))
        })
        .map(String::as_str)
        .collect();
    let all = snap.all_containers;
    let mut new_notes = Vec::new();
    let mut restarted = Vec::new();
    snap.containers.retain_mut(|c| {
        if removed.contains(c.id.as_str()) {
            return false;
        }
        // Not asked about, or the daemon could not say: as read.
        let Some(now) = fresh.remove(&c.id) else {
            return true;
        };
        let before = running_pid(c);
        match running_pid(&now) {
            Some(pid) if Some(pid) == before => true,
            Some(pid) => {
                new_notes.push(format!(
                    "container {} restarted during the scan; read again",
                    c.id
                ));
                take_fresh(c, now);
                restarted.push((c.id.clone(), pid));
                true
            }
            None if all => {
                new_notes.push(format!(
                    "container {} stopped during the scan; its settings are those of the stopped container",
                    c.id
                ));
                take_fresh(c, now);
                true
            }
            None => {
                new_notes.push(format!(
                    "container {} stopped during the scan; skipped",
                    c.id
                ));
                false
            }
        }
    });
    snap.notes.extend(notes);
    snap.notes.extend(new_notes);
    restarted
}

/// Attaches what was read again of the `restarted` containers ([`take_rechecked`]); what is
/// missing is an error saying `unread`.
fn attach_restarted(
    snap: &mut Snapshot,
    restarted: &[(String, u32)],
    late: LateRead,
    unread: &str,
) {
    let (mut runtimes, mut listening) = (HashMap::new(), Listening::new());
    late.merge_into(restarted, &mut runtimes, &mut listening);
    let only: BTreeSet<&str> = restarted.iter().map(|(id, _)| id.as_str()).collect();
    attach_runtime(snap, Some(&only), runtimes, &mut listening, unread);
}

/// Replaces a container's settings by a fresh inspect, dropping what was read of its old process.
fn take_fresh(c: &mut crate::snapshot::ContainerFacts, now: crate::snapshot::ContainerFacts) {
    c.runtime = None;
    c.processes.clear();
    c.errors
        .retain(|fact, _| !fact.starts_with("runtime") && fact != "processes");
    c.inspect = now.inspect;
    c.execs = now.execs;
}

/// The pid of a running container's first process.
fn running_pid(c: &crate::snapshot::ContainerFacts) -> Option<u32> {
    let running = c
        .inspect
        .pointer("/State/Running")
        .and_then(|n| n.as_bool())
        .unwrap_or(false);
    let pid = c
        .inspect
        .pointer("/State/Pid")
        .and_then(|n| n.as_u64())
        .unwrap_or(0) as u32;
    (running && pid != 0).then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bind_source_that_cannot_be_resolved_is_an_error_not_itself() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("srv/data")).unwrap();
        std::os::unix::fs::symlink("/etc", root.path().join("srv/conf")).unwrap();
        // A loop of links: where /srv/loop/x leads is unknown.
        std::os::unix::fs::symlink("/srv/loop", root.path().join("srv/loop")).unwrap();
        let host = HostFs::new(root.path());
        let sources = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            resolve_sources(&host, sources(&["/srv/data", "/srv/conf"])),
            Ok(BTreeMap::from([(
                "/srv/conf".to_string(),
                "/etc".to_string()
            )]))
        );
        let e = resolve_sources(&host, sources(&["/srv/data", "/srv/loop/x"])).unwrap_err();
        assert!(e.starts_with("cannot resolve /srv/loop/x: "), "{e}");
    }

    #[test]
    fn what_was_not_read_early_is_read_late_or_is_an_error_saying_why() {
        let container = |id: &str, pid: u32| -> crate::snapshot::ContainerFacts {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": id, "runtime": null,
                "inspect": {"State": {"Running": pid != 0, "Pid": pid}},
            }))
            .expect("a container's facts")
        };
        let proc_read = |pid| ProcRead {
            pid,
            facts: RuntimeFacts::default(),
            processes: Ok(Vec::new()),
            errors: BTreeMap::new(),
            vanished: false,
            foreign: None,
        };
        let mut snap = Snapshot::new("/", "unix:///run/docker.sock", false);
        snap.containers = [
            ("early", 11),
            ("restarted", 12),
            ("unread", 13),
            ("stopped", 0),
        ]
        .map(|(id, pid)| container(id, pid))
        .to_vec();
        // Read while the daemon answered: one under its pid, one under its old pid.
        let mut read: HashMap<String, ProcRead> = HashMap::from([
            ("early".into(), proc_read(11)),
            ("restarted".into(), proc_read(99)),
        ]);
        let mut listening = Listening::from([(11, Ok(Vec::new()))]);

        let wanted = still_unread(&snap, &read, &listening);
        assert_eq!(
            wanted.ids,
            [("restarted".into(), 12), ("unread".into(), 13)]
        );
        assert_eq!(wanted.sockets, [12, 13]);
        // Read late: one container's /proc and no listening sockets.
        let late = LateRead {
            runtimes: HashMap::from([(12, proc_read(12))]),
            listening: Listening::new(),
        };
        late.merge_into(&wanted.ids, &mut read, &mut listening);
        let vanished = attach_runtime(&mut snap, None, read, &mut listening, "WHY");

        assert!(vanished.is_empty());
        let c = |id: &str| snap.containers.iter().find(|c| c.id == id).expect(id);
        assert!(c("early").runtime.is_some() && c("early").errors.is_empty());
        assert!(c("restarted").runtime.is_some());
        assert_eq!(c("restarted").errors["runtime.listening"], "WHY");
        assert!(c("unread").runtime.is_none(), "nothing made up for it");
        assert_eq!(c("unread").errors["runtime"], "WHY");
        assert_eq!(c("unread").errors["processes"], "WHY");
        assert!(c("stopped").errors.is_empty() && c("stopped").runtime.is_none());
    }

    #[test]
    fn a_container_without_a_host_config_derives_nothing_and_its_settings_are_errors() {
        let container = |host_config: Option<serde_json::Value>| {
            let mut inspect = serde_json::json!({"State": {"Running": false, "Pid": 0}});
            if let Some(h) = host_config {
                inspect["HostConfig"] = h;
            }
            let c: crate::snapshot::ContainerFacts = serde_json::from_value(
                serde_json::json!({"id": "c", "name": "web", "runtime": null, "inspect": inspect}),
            )
            .expect("a container's facts");
            // As collection finishes.
            let mut snap = Snapshot::new("/", "unix:///x.sock", true);
            snap.containers.push(c);
            derive_all(&mut snap);
            snap.containers.pop().expect("the container")
        };
        let fine = container(Some(serde_json::json!({"SecurityOpt": ["label=disable"]})));
        assert!(fine.errors.is_empty(), "{:?}", fine.errors);
        assert!(fine.capabilities.is_some() && fine.security_opt.is_some());
        for (host_config, what) in [
            (Some(serde_json::Value::Null), "it is null"),
            (None, "it is absent"),
            (Some(serde_json::json!([])), "it is not an object"),
        ] {
            let c = container(host_config);
            assert!(
                c.capabilities.is_none() && c.security_opt.is_none(),
                "made up"
            );
            for key in ["inspect.HostConfig", "capabilities", "security_opt"] {
                let e = &c.errors[key];
                assert!(
                    e.contains("no HostConfig") && e.contains(what),
                    "{key}: {e}"
                );
            }
        }
    }

    #[test]
    fn a_snapshot_read_back_has_the_marks_collection_derived() {
        let mut snap = Snapshot::new("/", "unix:///x.sock", true);
        snap.daemon.swarm = Some(crate::snapshot::SwarmFacts::default());
        snap.error("daemon.networks", "GET /networks failed: reset");
        snap.daemon.swarm_state = Some("locked".into());
        let container = serde_json::json!({"id": "c", "name": "web", "runtime": null,
            "inspect": {"State": {"Running": false, "Pid": 0}}});
        snap.containers
            .push(serde_json::from_value(container).expect("a container's facts"));
        snap.host.locations.insert(
            "setting:tlscacert".into(),
            Some("/etc/docker/ca.pem".into()),
        );
        let folder = crate::snapshot::FileFacts {
            exists: true,
            kind: Some("dir".into()),
            ..Default::default()
        };
        snap.host.files.insert("/etc/docker/ca.pem".into(), folder);
        derive_all(&mut snap);
        let facts = |s: &Snapshot| s.errors.iter().map(|e| e.fact.clone()).collect::<Vec<_>>();
        assert_eq!(
            facts(&snap),
            [
                "daemon.networks",
                "host.files[\"/etc/docker/ca.pem\"]",
                "daemon.swarm.overlay_networks",
                "daemon.swarm",
            ]
        );
        assert!(snap.containers[0].errors.contains_key("inspect.HostConfig"));
        let text = serde_json::to_string(&snap).expect("a snapshot's JSON");
        let read = crate::snapshot::parse("s.json", &text).expect("a snapshot");
        assert_eq!(facts(&read), facts(&snap));
        assert_eq!(read.containers[0].errors, snap.containers[0].errors);
    }

    /// The nice value of the calling thread.
    fn nice() -> i32 {
        let tid = nix::unistd::gettid().as_raw() as nix::libc::id_t;
        // SAFETY: as in `yield_to_the_daemon`.
        unsafe { nix::libc::getpriority(nix::libc::PRIO_PROCESS, tid) }
    }

    #[test]
    fn host_reading_threads_yield_to_the_daemon_and_only_theirs() {
        let (before, after, spawned) = std::thread::spawn(|| {
            let before = nice();
            yield_to_the_daemon();
            let after = nice();
            // Threads it starts (the namespace reader) inherit it.
            let spawned = std::thread::spawn(nice).join().unwrap();
            (before, after, spawned)
        })
        .join()
        .unwrap();
        assert_eq!(after, before.max(HOST_READING_NICE));
        assert_eq!(spawned, after);
        // The test's own thread is untouched: the value is per thread.
        assert_eq!(nice(), before);
    }
}
