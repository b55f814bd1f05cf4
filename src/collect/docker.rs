//! Facts from the Docker daemon API (bollard): version, info, containers, images, networks.
//!
//! All requests run concurrently: version, info, networks, the image inspects and histories
//! (at most [`MAX_IN_FLIGHT`] at once) and the container list, whose containers are inspected
//! as soon as it arrives (at most [`MAX_IN_FLIGHT`] at once), each one's exec instances right
//! after its inspect. Every answer the snapshot keeps (version, info, networks, container,
//! exec and image inspects, image histories) is fetched as JSON text through [`super::http`]
//! and kept as the daemon sent it, container inspects read straight into [`Doc`]s; through
//! bollard's typed models only for TLS endpoints and for the lists bollwerk only reads from.
//! [`Early`] hands the caller `/info` and each running container over channels as they
//! arrive, so that reading the host can start before all answers are in.
//!
//! Every request, body included, is held to [`Limits`] (`--timeout`, `--deadline`). What the
//! daemon lists but does not give (an inspect that fails or times out) comes back in
//! [`DaemonAnswers::unread`], so that its rules say `error` instead of leaving it out.

use std::collections::BTreeMap;
use std::path::Path;

use bollard::models::{ContainerSummary, ContainerSummaryStateEnum};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, TopOptionsBuilder,
};
use bollard::{ClientVersion, Docker};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedSender;

use super::daemon_config;
use super::error::{DaemonError, RequestError};
use super::http::{Endpoint, GetError, JsonGet};
use super::limits::Limits;
use crate::diag::error_chain;
use crate::doc::Doc;
use crate::snapshot::{
    ContainerFacts, ImageFacts, ImageFreshness, InventoryFacts, OverlayNetwork, SwarmFacts,
    UnreadInstance,
};

/// Requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 32;

/// What the daemon said; each part may have failed on its own.
#[derive(Debug, Default)]
pub struct DaemonAnswers {
    /// `/version`.
    pub version: Option<Value>,
    /// `/info`.
    pub info: Option<Value>,
    /// Inspected containers.
    pub containers: Vec<ContainerFacts>,
    /// Inspected images.
    pub images: Vec<ImageFacts>,
    /// Containers and images listed but not read.
    pub unread: Vec<UnreadInstance>,
    /// `/networks`.
    pub networks: Vec<Value>,
    /// (fact path, message) for parts that failed.
    pub errors: Vec<(String, String)>,
    /// Remarks (vanished containers).
    pub notes: Vec<String>,
    /// Container and image counts.
    pub inventory: InventoryFacts,
    /// Swarm details on a manager.
    pub swarm: Option<SwarmFacts>,
}

/// Connects to the daemon and agrees on an API version. The error reads
/// "cannot reach the Docker daemon at URL: why". Both requests are held to `limits`.
pub async fn connect(endpoint: &Endpoint, limits: Limits) -> Result<Docker, DaemonError> {
    let docker = client(endpoint, bollard::API_DEFAULT_VERSION, limits)?;
    if endpoint.tls_dir.is_none() {
        match ping_api_version(&endpoint.url, limits).await {
            Ok(v) if v < *bollard::API_DEFAULT_VERSION => return client(endpoint, &v, limits),
            Ok(_) => return Ok(docker),
            // Whatever failed, /version below says it in bollard's words.
            Err(_) => {}
        }
    }
    limits
        .within("GET /version", docker.negotiate_version())
        .await
        .map_err(|why| cannot_reach(endpoint, &why))?
        .map_err(|e| cannot_reach(endpoint, &error_chain(&e)))
}

/// "cannot reach the Docker daemon at URL: why".
fn cannot_reach(endpoint: &Endpoint, why: &dyn std::fmt::Display) -> DaemonError {
    DaemonError::Unreachable {
        url: endpoint.url.clone(),
        why: why.to_string(),
    }
}

/// [`Limits::within`] for a bollard request `what`: its time ran out, or it failed (the
/// daemon's words, causes included).
async fn request<T>(
    limits: Limits,
    what: &str,
    work: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, RequestError> {
    limits
        .within(what, work)
        .await?
        .map_err(|e| RequestError::Failed {
            what: what.to_string(),
            why: error_chain(&e),
        })
}

/// A client for `endpoint` (TLS when it has a certificate folder) speaking API `version`.
/// Its own timeout covers response headers only; callers hold whole requests to `limits`.
fn client(
    endpoint: &Endpoint,
    version: &ClientVersion,
    limits: Limits,
) -> Result<Docker, DaemonError> {
    let url = &endpoint.url;
    // A second more than ours, so that a stall is reported in bollwerk's words.
    let secs = limits.request.as_secs() + 1;
    if let Some(dir) = &endpoint.tls_dir {
        let dir = Path::new(dir);
        Docker::connect_with_ssl(
            url,
            &dir.join("key.pem"),
            &dir.join("cert.pem"),
            &dir.join("ca.pem"),
            secs,
            version,
        )
    } else if url.starts_with("unix://") {
        Docker::connect_with_unix(url, secs, version)
    } else if url.starts_with("tcp://") || url.starts_with("http://") {
        Docker::connect_with_http(url, secs, version)
    } else {
        return Err(cannot_reach(
            endpoint,
            &"unsupported address: expected unix://PATH or tcp://HOST:PORT",
        ));
    }
    .map_err(|e| cannot_reach(endpoint, &error_chain(&e)))
}

/// The API version a plain (unix or tcp) endpoint speaks, from the `Api-Version` header of
/// `GET /_ping`, as the docker CLI negotiates it. bollard asks `/version` instead, for which
/// dockerd runs `runc --version` and asks containerd: 7–15 ms against half a millisecond for
/// a ping, spent before any other request can go out.
async fn ping_api_version(url: &str, limits: Limits) -> Result<ClientVersion, RequestError> {
    let ask = async {
        if let Some(path) = url.strip_prefix("unix://") {
            ping(tokio::net::UnixStream::connect(path).await?).await
        } else {
            let addr = url
                .strip_prefix("tcp://")
                .or_else(|| url.strip_prefix("http://"))
                .unwrap_or(url)
                .trim_end_matches('/');
            ping(tokio::net::TcpStream::connect(addr).await?).await
        }
    };
    let failed = |why: String| RequestError::Failed {
        what: "GET /_ping".into(),
        why,
    };
    let answer = limits
        .within("GET /_ping", ask)
        .await?
        .map_err(|e| failed(e.to_string()))?;
    api_version_header(&answer).ok_or_else(|| failed("no Api-Version header in the answer".into()))
}

/// Sends `GET /_ping` (HTTP/1.0: the daemon closes the connection after answering) and reads
/// the answer, at most 64 KiB of it.
async fn ping<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
) -> std::io::Result<Vec<u8>> {
    stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    stream.take(64 * 1024).read_to_end(&mut answer).await?;
    Ok(answer)
}

/// The `Api-Version` header of an HTTP response, as `major.minor`.
fn api_version_header(response: &[u8]) -> Option<ClientVersion> {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = std::str::from_utf8(&response[..end]).ok()?;
    let mut lines = head.split("\r\n");
    if !lines.next()?.split_whitespace().nth(1)?.starts_with('2') {
        return None;
    }
    let value = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("api-version")
            .then(|| value.trim())
    })?;
    let (major, minor) = value.split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(
        e,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Where answers go as they arrive, before [`collect`] returns, so that work depending on
/// them (reading the host, each container's `/proc`) can start early. The channels close
/// when `collect` returns.
#[derive(Default)]
pub struct Early {
    /// Given `/info` (`None` when it failed).
    pub info: Option<tokio::sync::oneshot::Sender<Option<Value>>>,
    /// Given the id and pid of each running container as soon as it is inspected.
    pub running: Option<UnboundedSender<(String, u32)>>,
}

/// The answers as they come back from the requests [`collect`] makes at once.
struct Asked {
    version: Result<Value, Failure>,
    info: Result<Value, Failure>,
    listed: Result<Vec<ContainerSummary>, RequestError>,
    inspected: Gathered<ContainerFacts>,
    images: (Gathered<ImageFacts>, Vec<UnreadInstance>),
    networks: Result<Value, Failure>,
    volumes: Result<Value, Failure>,
}

/// Asks the daemon for everything, concurrently, each request held to `limits`; `early` is
/// given some answers at once.
pub async fn collect(
    docker: &Docker,
    endpoint: &Endpoint,
    all_containers: bool,
    early: Early,
    limits: Limits,
) -> DaemonAnswers {
    let raw = JsonGet::new(endpoint, &docker.client_version(), limits);
    let asked = ask_at_once(docker, raw.as_ref(), all_containers, early, limits).await;
    let mut out = DaemonAnswers::default();
    record_version(&mut out, asked.version);
    record_info(&mut out, asked.info);
    record_networks(&mut out, asked.networks);
    record_objects(&mut out, asked.listed, asked.inspected, asked.images);
    record_bound_volumes(&mut out.containers, asked.volumes);
    let swarm_manager = out.info.as_ref().is_some_and(|i| {
        i.pointer("/Swarm/ControlAvailable")
            .and_then(Value::as_bool)
            == Some(true)
    });
    if swarm_manager {
        match swarm(docker, &out.networks, limits).await {
            Ok(s) => out.swarm = Some(s),
            Err(e) => out.errors.push(("daemon.swarm".into(), e.to_string())),
        }
    }
    out
}

/// Every request [`collect`] needs, at once: containers are inspected as soon as they are
/// listed, and each one's exec instances as soon as it is inspected, while version, info,
/// images and networks are asked for.
async fn ask_at_once(
    docker: &Docker,
    raw: Option<&JsonGet>,
    all_containers: bool,
    early: Early,
    limits: Limits,
) -> Asked {
    let Early {
        info: on_info,
        running,
    } = early;
    let containers = async {
        let listed = list_containers(docker, limits).await;
        let wanted: Vec<String> = listed
            .iter()
            .flatten()
            .filter(|c| {
                all_containers || c.state.as_ref().map(|s| s.to_string()) == Some("running".into())
            })
            .filter_map(|c| c.id.clone())
            .collect();
        let inspected = inspect_all(docker, raw, limits, wanted, true, running.as_ref()).await;
        (listed, inspected)
    };
    let info = async {
        let info = ask_value(raw, limits, "/info", docker.info()).await;
        if let Some(tx) = on_info {
            let _ = tx.send(info.as_ref().ok().cloned());
        }
        info
    };
    let (version, info, (listed, inspected), images, networks, volumes) = tokio::join!(
        ask_value(raw, limits, "/version", docker.version()),
        info,
        containers,
        images(docker, raw, limits),
        ask_value(raw, limits, "/networks", docker.list_networks(None)),
        ask_value(
            raw,
            limits,
            "/volumes",
            docker.list_volumes(None::<bollard::query_parameters::ListVolumesOptions>)
        ),
    );
    Asked {
        version,
        info,
        listed,
        inspected,
        images,
        networks,
        volumes,
    }
}

fn record_version(out: &mut DaemonAnswers, version: Result<Value, Failure>) {
    match version {
        Ok(v) => out.version = Some(v),
        Err(e) => {
            let message = format!("GET /version failed: {}", e.why);
            // The engine's release line comes from the version.
            out.errors.push(("daemon.engine".into(), message.clone()));
            out.errors.push(("daemon.version".into(), message));
        }
    }
}

fn record_info(out: &mut DaemonAnswers, info: Result<Value, Failure>) {
    match info {
        Ok(v) => out.info = Some(v),
        Err(e) => {
            let message = format!("GET /info failed: {}", e.why);
            // What /info would have told or corrected is not known either.
            let derived = ["daemon.swarm_state".to_string(), "daemon.swarm".to_string()];
            let settings = daemon_config::SETTINGS_FROM_INFO
                .iter()
                .map(|k| format!("daemon.settings.{k}"));
            for fact in ["daemon.info".to_string()]
                .into_iter()
                .chain(derived)
                .chain(settings)
            {
                out.errors.push((fact, message.clone()));
            }
        }
    }
}

/// Keeps the networks, or records them and the settings they tell as errors (the overlay
/// networks made of them: [`crate::snapshot::Snapshot::mark_overlay_networks_of_failed_networks`]).
fn record_networks(out: &mut DaemonAnswers, networks: Result<Value, Failure>) {
    let networks = match networks {
        Ok(Value::Array(n)) => Ok(n),
        Ok(other) => Err(format!("GET /networks did not answer a list: {other}")),
        Err(e) => Err(format!("GET /networks failed: {}", e.why)),
    };
    match networks {
        Ok(n) => out.networks = n,
        Err(message) => {
            let settings = daemon_config::SETTINGS_FROM_NETWORKS
                .iter()
                .map(|k| format!("daemon.settings.{k}"));
            for fact in ["daemon.networks".to_string()].into_iter().chain(settings) {
                out.errors.push((fact, message.clone()));
            }
        }
    }
}

/// Containers and images, and what is derived from both (inventory, image freshness).
fn record_objects(
    out: &mut DaemonAnswers,
    listed: Result<Vec<ContainerSummary>, RequestError>,
    inspected: Gathered<ContainerFacts>,
    images: (Gathered<ImageFacts>, Vec<UnreadInstance>),
) {
    let (
        Gathered {
            found: mut image_facts,
            errors: mut i_errors,
            notes: mut i_notes,
        },
        mut unread_images,
    ) = images;
    let images_incomplete =
        i_errors.iter().any(|(fact, _)| fact == "images") || !unread_images.is_empty();
    if images_incomplete {
        // Unused images cannot be told when some images are unknown.
        for fact in ["images_total", "images_unused", "unused_images"] {
            i_errors.push((
                format!("daemon.inventory.{fact}"),
                "not every image the daemon has could be read (see the errors for images)".into(),
            ));
        }
    }
    out.errors.append(&mut i_errors);
    out.notes.append(&mut i_notes);
    let summaries = match listed {
        Ok(l) => l,
        Err(e) => {
            out.errors.push(("containers".into(), e.to_string()));
            out.errors.push(("daemon.inventory".into(), e.to_string()));
            Vec::new()
        }
    };
    out.inventory = inventory(&summaries, &mut image_facts);
    if let Some(why) = unknown_state(&summaries) {
        for fact in ["containers_running", "containers_stopped"] {
            out.errors
                .push((format!("daemon.inventory.{fact}"), why.clone()));
        }
    }
    let Gathered {
        found: mut containers,
        errors: mut c_errors,
        notes: mut c_notes,
    } = inspected;
    out.unread = unread_containers(&summaries, &c_errors);
    out.unread.append(&mut unread_images);
    out.errors.append(&mut c_errors);
    out.notes.append(&mut c_notes);
    for c in &mut containers {
        c.image_freshness = freshness(&c.inspect, &image_facts);
        // Not finding the image a reference points to means nothing when some were not read.
        let unresolved = c
            .image_freshness
            .as_ref()
            .is_some_and(|f| f.current_id.is_none());
        if images_incomplete && unresolved {
            c.image_freshness = None;
            c.errors.insert(
                "image_freshness".into(),
                "where its image reference points now is unknown: not every image the daemon has could be read".into(),
            );
        }
    }
    joined_modes(&mut containers, &out.unread);
    out.containers = containers;
    out.images = image_facts;
}

/// The host path each named volume of the local driver is bound to (`type=none`, `o=bind`,
/// `device=PATH`), by name, from `GET /volumes`.
fn bound_volume_devices(answer: &Value) -> Result<BTreeMap<String, String>, String> {
    let volumes = match answer.get("Volumes") {
        Some(Value::Array(v)) => v.as_slice(),
        // The daemon answers null when there is no volume.
        Some(Value::Null) | None => &[],
        Some(other) => return Err(format!("GET /volumes: Volumes is not a list: {other}")),
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    let mut bound = BTreeMap::new();
    for v in volumes {
        let options = v.get("Options").unwrap_or(&Value::Null);
        let binds =
            text(options, "o").is_some_and(|o| o.split(',').any(|f| f == "bind" || f == "rbind"));
        if text(v, "Driver").as_deref() != Some("local") || !binds {
            continue;
        }
        if let (Some(name), Some(device)) = (text(v, "Name"), text(options, "device")) {
            bound.insert(name, device);
        }
    }
    Ok(bound)
}

/// Field `field` of each of `c`'s mounts of type `kind` (`bind`, `volume`), as inspect's
/// Mounts give them.
pub(super) fn mount_fields(c: &ContainerFacts, kind: &str, field: &str) -> Vec<String> {
    let Some(mounts) = c.inspect.pointer("/Mounts") else {
        return Vec::new();
    };
    mounts
        .elements()
        .filter(|m| m.get("Type").and_then(|t| t.as_str()) == Some(kind))
        .filter_map(|m| m.get(field).and_then(|v| v.as_str()).map(str::to_string))
        .collect()
}

/// Fills each container's [`ContainerFacts::bound_volumes`] from the daemon's volumes; when
/// they could not be read, the fact is an error for every container that mounts a volume.
fn record_bound_volumes(containers: &mut [ContainerFacts], volumes: Result<Value, Failure>) {
    let devices = volumes
        .map_err(|e| format!("GET /volumes failed: {}", e.why))
        .and_then(|answer| bound_volume_devices(&answer));
    for c in containers {
        let names = mount_fields(c, "volume", "Name");
        match &devices {
            Ok(devices) => {
                for name in names {
                    if let Some(device) = devices.get(&name) {
                        c.bound_volumes.insert(name, device.clone());
                    }
                }
            }
            Err(why) if !names.is_empty() => {
                c.errors.insert("bound_volumes".into(), why.clone());
            }
            Err(_) => {}
        }
    }
}

/// The settings that may name another container whose namespace a container joins, by the
/// name [`ContainerFacts::joins`] gives them.
const JOINABLE: [(&str, &str); 3] = [
    ("network", "/HostConfig/NetworkMode"),
    ("pid", "/HostConfig/PidMode"),
    ("ipc", "/HostConfig/IpcMode"),
];

/// Fills each container's [`ContainerFacts::joins`]: for a mode `container:X`, X's own mode,
/// followed through further `container:` modes (at most a few steps; a loop gives nothing).
/// When a container on the way was listed but could not be read (`unread`), or its inspect
/// has no HostConfig, where the chain ends is unknown: `joins.KIND` is then an error of the
/// joining container, so that the rules reading it say so instead of passing on nothing.
fn joined_modes(containers: &mut [ContainerFacts], unread: &[UnreadInstance]) {
    let modes: Vec<[Option<String>; 3]> = containers
        .iter()
        .map(|c| {
            JOINABLE.map(|(_, at)| {
                c.inspect
                    .pointer(at)
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
        })
        .collect();
    // Found by full id or name at once (a host where most containers join a pod's first one
    // asks for thousands); a short id, rarer, by a search.
    let by_key: std::collections::HashMap<&str, usize> = containers
        .iter()
        .enumerate()
        .flat_map(|(i, c)| [(c.id.as_str(), i), (c.name.as_str(), i)])
        .collect();
    let find = |reference: &str| -> Option<usize> {
        by_key
            .get(reference)
            .or_else(|| by_key.get(reference.trim_start_matches('/')))
            .copied()
            .or_else(|| (containers.iter()).position(|c| refers_to(reference, &c.id, &c.name)))
    };
    // A container the daemon listed and bollwerk could not read, by the same references.
    let unread_as = |reference: &str| -> Option<&UnreadInstance> {
        (unread.iter())
            .filter(|u| u.kind == "container")
            .find(|u| refers_to(reference, &u.id, &u.name))
    };
    let no_host_config: Vec<Option<String>> = containers
        .iter()
        .map(ContainerFacts::host_config_missing)
        .collect();
    let mut joins: Vec<BTreeMap<String, Vec<String>>> = vec![BTreeMap::new(); containers.len()];
    let mut unknown: Vec<Vec<(String, String)>> = vec![Vec::new(); containers.len()];
    for (i, own) in modes.iter().enumerate() {
        for (k, (kind, _)) in JOINABLE.iter().enumerate() {
            let mut mode = own[k].clone();
            let mut steps = 0;
            let mut joined = false;
            while let Some(target) = mode.as_deref().and_then(|m| m.strip_prefix("container:")) {
                steps += 1;
                match find(target) {
                    Some(j) if steps <= 8 => {
                        if let Some(why) = &no_host_config[j] {
                            let name = &containers[j].name;
                            unknown[i].push((
                                kind.to_string(),
                                format!(
                                    "it takes the {kind} namespace of container {name}, and {why}"
                                ),
                            ));
                            mode = None;
                            break;
                        }
                        mode = modes[j][k].clone();
                        joined = true;
                    }
                    Some(_) => {
                        mode = None;
                        break;
                    }
                    None => {
                        if let Some(u) = unread_as(target) {
                            unknown[i].push((
                                kind.to_string(),
                                format!(
                                    "it takes the {kind} namespace of container {}, which could not be read: {}",
                                    u.name, u.message
                                ),
                            ));
                        }
                        mode = None;
                        break;
                    }
                }
            }
            if let (true, Some(mode)) = (joined, mode) {
                joins[i].insert(kind.to_string(), vec![mode]);
            }
        }
    }
    for ((c, j), unknown) in containers.iter_mut().zip(joins).zip(unknown) {
        c.joins = j;
        for (kind, why) in unknown {
            c.errors.insert(format!("joins.{kind}"), why);
        }
    }
}

/// Whether `reference` (the X of a mode `container:X`) names the container with full id `id`
/// and name `name`: its full id or name, either with a leading `/`, or a prefix of its id of
/// at least 12 characters (a short id).
fn refers_to(reference: &str, id: &str, name: &str) -> bool {
    let bare = reference.trim_start_matches('/');
    [reference, bare].contains(&id)
        || [reference, bare].contains(&name)
        || (reference.len() >= 12 && id.starts_with(reference))
}

async fn list_containers(
    docker: &Docker,
    limits: Limits,
) -> Result<Vec<ContainerSummary>, RequestError> {
    let opts = ListContainersOptionsBuilder::new().all(true).build();
    let list = docker.list_containers(Some(opts));
    request(limits, "GET /containers/json", list).await
}

/// The containers whose inspect failed (`errors`, keyed by [`container_fact`]), named as the
/// daemon's list (`summaries`) names them.
fn unread_containers(
    summaries: &[ContainerSummary],
    errors: &[(String, String)],
) -> Vec<UnreadInstance> {
    summaries
        .iter()
        .filter_map(|c| {
            let id = c.id.as_deref()?;
            let (_, message) = errors
                .iter()
                .find(|(fact, _)| *fact == container_fact(id))?;
            let name = c
                .names
                .iter()
                .flatten()
                .next()
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_else(|| id.to_string());
            Some(UnreadInstance {
                kind: "container".into(),
                id: id.to_string(),
                name,
                message: message.clone(),
            })
        })
        .collect()
}

/// Counts containers and images and marks images no container uses.
/// Tags (or ids, when untagged) of the images no container uses (`containers` already counted).
pub fn unused_images(images: &[ImageFacts]) -> Vec<String> {
    images
        .iter()
        .filter(|i| i.containers == 0)
        .map(|i| i.tags.first().cloned().unwrap_or_else(|| i.id.clone()))
        .collect()
}

fn inventory(summaries: &[ContainerSummary], images: &mut [ImageFacts]) -> InventoryFacts {
    let in_state = |wanted: fn(&ContainerSummaryStateEnum) -> bool| {
        summaries
            .iter()
            .filter(|c| c.state.as_ref().is_some_and(wanted))
            .count()
    };
    let running = in_state(|s| *s == ContainerSummaryStateEnum::RUNNING);
    let stopped = in_state(is_stopped);
    for img in images.iter_mut() {
        img.containers = summaries
            .iter()
            .filter(|c| c.image_id.as_deref() == Some(&img.id))
            .count();
    }
    let unused = unused_images(images);
    InventoryFacts {
        containers_total: summaries.len(),
        containers_running: running,
        containers_stopped: stopped,
        images_total: images.len(),
        images_unused: unused.len(),
        unused_images: unused,
    }
}

/// Whether a container in `state` (as the container list gives it) is stopped: exited,
/// created and never started, or dead. Paused, restarting, removing and stopping containers
/// are not, nor running ones.
fn is_stopped(state: &ContainerSummaryStateEnum) -> bool {
    use ContainerSummaryStateEnum::{CREATED, DEAD, EXITED};
    matches!(state, EXITED | CREATED | DEAD)
}

/// Why the containers cannot be counted by state: the first one `summaries` gives no state.
fn unknown_state(summaries: &[ContainerSummary]) -> Option<String> {
    let c = summaries
        .iter()
        .find(|c| matches!(c.state, None | Some(ContainerSummaryStateEnum::EMPTY)))?;
    let name = c
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/'))
        .or(c.id.as_deref())
        .unwrap_or("?");
    Some(format!(
        "the list of containers gives no state for container {name}: running and stopped ones cannot be counted"
    ))
}

/// Processes of container `id` through the daemon (`GET /containers/{id}/top`), as objects
/// keyed PID, USER, NAME, ARGS: the fallback when its processes cannot be read from `/proc`.
pub async fn top(docker: &Docker, id: &str, limits: Limits) -> Result<Vec<Value>, RequestError> {
    let opts = TopOptionsBuilder::new()
        .ps_args("-eo pid=PID -o user=USER -o comm=NAME -o args=ARGS")
        .build();
    let what = format!("GET /containers/{id}/top");
    let t = request(limits, &what, docker.top_processes(id, Some(opts))).await?;
    let titles = t.titles.unwrap_or_default();
    Ok(t.processes
        .unwrap_or_default()
        .into_iter()
        .map(|row| {
            let map: serde_json::Map<String, Value> = titles
                .iter()
                .zip(row)
                .map(|(k, v)| (k.clone(), Value::String(v)))
                .collect();
            Value::Object(map)
        })
        .collect())
}

/// [`top`] of each of `ids`, concurrently (at most [`MAX_IN_FLIGHT`] at once), in order.
pub async fn top_all(
    docker: &Docker,
    ids: Vec<String>,
    limits: Limits,
) -> Vec<Result<Vec<Value>, RequestError>> {
    stream::iter(ids)
        .map(|id| async move { top(docker, &id, limits).await })
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await
}

/// Normalises an image reference the way the daemon stores tags (`nginx` → `nginx:latest`).
fn normalise_reference(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if reference.contains('@') || last.contains(':') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

fn freshness(inspect: &Doc, images: &[ImageFacts]) -> Option<ImageFreshness> {
    let reference = inspect.pointer("/Config/Image")?.as_str()?.to_string();
    let running_id = inspect.pointer("/Image")?.as_str()?.to_string();
    let current_id = if reference.starts_with("sha256:") || is_id_of(&reference, &running_id) {
        Some(running_id.clone())
    } else if let Some((_, digest)) = reference.split_once('@') {
        // Pinned by digest: the image whose repository digests hold it, which is what runs
        // unless the local copy was replaced.
        images
            .iter()
            .find(|i| {
                i.inspect
                    .get("RepoDigests")
                    .and_then(Value::as_array)
                    .is_some_and(|d| {
                        d.iter()
                            .filter_map(Value::as_str)
                            .any(|d| d.ends_with(&format!("@{digest}")))
                    })
            })
            .map(|i| i.id.clone())
    } else {
        let wanted = normalise_reference(&reference);
        let short = wanted
            .strip_prefix("docker.io/library/")
            .or_else(|| wanted.strip_prefix("docker.io/"));
        images
            .iter()
            .find(|i| {
                i.tags
                    .iter()
                    .any(|t| *t == wanted || Some(t.as_str()) == short)
            })
            .map(|i| i.id.clone())
    };
    let current = current_id.as_deref() == Some(running_id.as_str());
    Some(ImageFreshness {
        reference,
        running_id,
        current_id,
        current,
    })
}

/// Whether `reference` (a container's Config.Image) names an image by its id, short or long
/// (`3f2a1b2c3d4e`, 12 to 64 hex digits), and that id is `running_id`'s beginning.
fn is_id_of(reference: &str, running_id: &str) -> bool {
    let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
    (12..=64).contains(&hex.len())
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && running_id
            .strip_prefix("sha256:")
            .unwrap_or(running_id)
            .starts_with(hex)
}

/// The overlay networks among `networks` (`GET /networks` documents), the swarm's ingress
/// network left out, with whether each encrypts its data plane.
pub fn overlay_networks(networks: &[Value]) -> Vec<OverlayNetwork> {
    networks
        .iter()
        .filter(|n| n.get("Driver").and_then(Value::as_str) == Some("overlay"))
        .filter(|n| !is_ingress(n))
        .map(|n| OverlayNetwork {
            name: n
                .get("Name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            encrypted: n.pointer("/Options/encrypted").is_some(),
        })
        .collect()
}

/// Whether `network` (a `GET /networks` document) is the swarm's routing mesh: its `Ingress`
/// flag says so (API 1.29 and later, where it may have any name); without the flag, it is the
/// one named `ingress`, the only one older daemons have.
fn is_ingress(network: &Value) -> bool {
    match network.get("Ingress").and_then(Value::as_bool) {
        Some(ingress) => ingress,
        None => network.get("Name").and_then(Value::as_str) == Some("ingress"),
    }
}

async fn swarm(
    docker: &Docker,
    networks: &[Value],
    limits: Limits,
) -> Result<SwarmFacts, RequestError> {
    let (inspect, nodes, secrets) = tokio::join!(
        request(limits, "GET /swarm", docker.inspect_swarm()),
        request(limits, "GET /nodes", docker.list_nodes(None)),
        request(limits, "GET /secrets", docker.list_secrets(None))
    );
    let (inspect, nodes, secrets) = (inspect?, nodes?, secrets?.len());
    let nodes: Vec<Value> = nodes.iter().map(to_value).collect();
    let managers = nodes
        .iter()
        .filter(|n| n.pointer("/Spec/Role").and_then(Value::as_str) == Some("manager"))
        .count();
    let overlay_networks = overlay_networks(networks);
    Ok(SwarmFacts {
        inspect: to_value(&inspect),
        nodes,
        managers,
        secrets,
        overlay_networks,
    })
}

/// What asking for many objects gave.
#[derive(Debug)]
pub struct Gathered<T> {
    /// The objects found.
    pub found: Vec<T>,
    /// (fact path, message) for those the daemon could not give.
    pub errors: Vec<(String, String)>,
    /// Notes for those it no longer knows (removed meanwhile).
    pub notes: Vec<String>,
}

impl<T> Default for Gathered<T> {
    fn default() -> Gathered<T> {
        Gathered {
            found: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Ids of running containers, or of all containers when `all`.
pub async fn list_container_ids(
    docker: &Docker,
    all: bool,
    limits: Limits,
) -> Result<Vec<String>, RequestError> {
    let opts = ListContainersOptionsBuilder::new().all(all).build();
    let list = docker.list_containers(Some(opts));
    let list = request(limits, "GET /containers/json", list).await?;
    Ok(list.into_iter().filter_map(|c| c.id).collect())
}

/// Inspects `ids` concurrently. A container that is gone by then (removed between list and
/// inspect) is skipped with a note; other failures are errors for that container.
pub async fn inspect_containers(
    docker: &Docker,
    endpoint: &Endpoint,
    ids: Vec<String>,
    limits: Limits,
) -> Gathered<ContainerFacts> {
    let raw = JsonGet::new(endpoint, &docker.client_version(), limits);
    inspect_all(docker, raw.as_ref(), limits, ids, false, None).await
}

/// The fact path under which a container the daemon could not describe is recorded.
pub fn container_fact(id: &str) -> String {
    format!("containers[\"{id}\"]")
}

/// Why a request failed.
struct Failure {
    /// The daemon no longer knows the object (404).
    gone: bool,
    /// What went wrong, without saying which request.
    why: String,
}

/// The daemon's answer to `GET path`: the JSON text as sent when `raw` is there, else
/// bollard's typed answer from `typed` (not started otherwise), for TLS endpoints.
enum Answer<T> {
    Text(bytes::Bytes),
    Typed(T),
}

async fn ask<T>(
    raw: Option<&JsonGet>,
    limits: Limits,
    path: &str,
    typed: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<Answer<T>, Failure> {
    match raw {
        Some(raw) => raw.get(path).await.map(Answer::Text).map_err(|e| Failure {
            gone: matches!(e, GetError::Status(404, _)),
            why: e.to_string(),
        }),
        None => match limits.within(&format!("GET {path}"), typed).await {
            Ok(answer) => answer.map(Answer::Typed).map_err(|e| Failure {
                gone: is_not_found(&e),
                why: error_chain(&e),
            }),
            Err(why) => Err(Failure {
                gone: false,
                why: why.to_string(),
            }),
        },
    }
}

/// [`ask`], the answer as a JSON value.
async fn ask_value<T: serde::Serialize>(
    raw: Option<&JsonGet>,
    limits: Limits,
    path: &str,
    typed: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<Value, Failure> {
    match ask(raw, limits, path, typed).await? {
        Answer::Text(body) => serde_json::from_slice(&body).map_err(not_json),
        Answer::Typed(t) => Ok(to_value(&t)),
    }
}

fn not_json(e: serde_json::Error) -> Failure {
    Failure {
        gone: false,
        why: format!("the answer is not JSON: {e}"),
    }
}

/// One container's inspect document, read straight into a [`Doc`] when its text is there.
async fn inspect_one(
    docker: &Docker,
    raw: Option<&JsonGet>,
    limits: Limits,
    id: &str,
) -> Result<Doc, Failure> {
    let path = format!("/containers/{id}/json");
    match ask(raw, limits, &path, docker.inspect_container(id, None)).await? {
        Answer::Text(body) => Doc::from_slice(&body).map_err(not_json),
        Answer::Typed(inspect) => Ok(Doc::from(to_value(&inspect))),
    }
}

/// [`inspect_containers`], and with `execs` each container's exec instances (those that can
/// be inspected) right after its inspect, in the same slot of the [`MAX_IN_FLIGHT`].
/// `running` is given each running container's id and pid as soon as it is inspected.
async fn inspect_all(
    docker: &Docker,
    raw: Option<&JsonGet>,
    limits: Limits,
    ids: Vec<String>,
    execs: bool,
    running: Option<&UnboundedSender<(String, u32)>>,
) -> Gathered<ContainerFacts> {
    let results: Vec<_> = stream::iter(ids)
        .map(|id| async move {
            let r = inspect_one(docker, raw, limits, &id).await;
            if let (Some(tx), Ok(inspect)) = (running, &r) {
                let state = inspect.root().get("State");
                let pid = state.and_then(|s| s.get("Pid")?.as_u64()).unwrap_or(0);
                let runs = state.and_then(|s| s.get("Running")?.as_bool()) == Some(true);
                if runs && pid > 0 {
                    // The receiver may be gone (it stopped reading): nothing more to tell then.
                    let _ = tx.send((id.clone(), pid as u32));
                }
            }
            let (mut docs, mut exec_error) = (Vec::new(), None);
            if let (true, Ok(inspect)) = (execs, &r) {
                let exec_ids: Vec<String> = inspect
                    .root()
                    .get("ExecIDs")
                    .map(|ids| {
                        ids.elements()
                            .filter_map(|e| e.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                for e in exec_ids {
                    let path = format!("/exec/{e}/json");
                    match ask_value(raw, limits, &path, docker.inspect_exec(&e)).await {
                        Ok(doc) => docs.push(doc),
                        // An exec that ended meanwhile is gone, not unread.
                        Err(Failure { gone: true, .. }) => {}
                        Err(Failure { why, .. }) => {
                            exec_error = Some(format!("cannot inspect exec instance {e}: {why}"))
                        }
                    }
                }
            }
            (id, r, docs, exec_error)
        })
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let mut out = Gathered::default();
    for (id, r, execs, exec_error) in results {
        match r {
            Ok(inspect) => {
                let name = inspect
                    .root()
                    .get("Name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string();
                out.found.push(ContainerFacts {
                    id,
                    name,
                    inspect,
                    runtime: None,
                    processes: Vec::new(),
                    execs,
                    image_freshness: None,
                    capabilities: None,
                    security_opt: None,
                    joins: BTreeMap::new(),
                    bound_volumes: BTreeMap::new(),
                    resolved_sources: BTreeMap::new(),
                    errors: exec_error
                        .map(|e| [("execs".to_string(), e)].into())
                        .unwrap_or_default(),
                    built: Default::default(),
                });
            }
            Err(Failure { gone: true, .. }) => out.notes.push(format!(
                "container {id} was removed during the scan; skipped"
            )),
            Err(Failure { why, .. }) => out.errors.push((
                container_fact(&id),
                format!("cannot inspect container {id}: {why}"),
            )),
        }
    }
    out
}

/// The registry of each tag: the first path component when it looks like a host
/// (has a dot or a port, or is `localhost`), else Docker Hub.
pub fn registries(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags
        .iter()
        .filter(|t| t.as_str() != "<none>:<none>" && t.as_str() != "<none>@<none>")
        .map(|t| match t.split_once('/') {
            Some((first, _))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                first.to_string()
            }
            _ => "docker.io".to_string(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every image with its inspect and history, and the images listed but not read.
async fn images(
    docker: &Docker,
    raw: Option<&JsonGet>,
    limits: Limits,
) -> (Gathered<ImageFacts>, Vec<UnreadInstance>) {
    let opts = ListImagesOptionsBuilder::new().all(false).build();
    let listed = request(limits, "GET /images/json", docker.list_images(Some(opts))).await;
    let list = match listed {
        Ok(l) => l,
        Err(e) => {
            let errors = vec![("images".into(), e.to_string())];
            return (
                Gathered {
                    errors,
                    ..Gathered::default()
                },
                Vec::new(),
            );
        }
    };
    let results: Vec<_> = stream::iter(list)
        .map(|summary| async move {
            let id = &summary.id;
            let (inspect_path, history_path) = (
                format!("/images/{id}/json"),
                format!("/images/{id}/history"),
            );
            let (inspect, history) = tokio::join!(
                ask_value(raw, limits, &inspect_path, docker.inspect_image(id)),
                ask_value(raw, limits, &history_path, docker.image_history(id))
            );
            (summary, inspect, history)
        })
        .buffered(MAX_IN_FLIGHT / 2)
        .collect()
        .await;
    let mut out = Gathered::default();
    let mut unread = Vec::new();
    for (summary, inspect, history) in results {
        let id = summary.id.clone();
        match (inspect, history) {
            (Ok(i), Ok(h)) => out.found.push(ImageFacts {
                id,
                registries: registries(
                    &summary
                        .repo_tags
                        .iter()
                        .chain(&summary.repo_digests)
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                tags: summary
                    .repo_tags
                    .into_iter()
                    .filter(|t| t != "<none>:<none>")
                    .collect(),
                age_days: None,
                containers: 0,
                special_files: None,
                masked_secrets: 0,
                inspect: i,
                history: h,
                built: Default::default(),
            }),
            (Err(e), _) | (_, Err(e)) if e.gone => out
                .notes
                .push(format!("image {id} was removed during the scan; skipped")),
            (Err(e), _) | (_, Err(e)) => {
                let message = format!("cannot inspect image {id}: {}", e.why);
                out.errors
                    .push((format!("images[\"{id}\"]"), message.clone()));
                let name = summary
                    .repo_tags
                    .iter()
                    .find(|t| *t != "<none>:<none>")
                    .cloned()
                    .unwrap_or_else(|| id.clone());
                unread.push(UnreadInstance {
                    kind: "image".into(),
                    id,
                    name,
                    message,
                });
            }
        }
    }
    (out, unread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopped_containers_are_exited_created_or_dead_not_paused_or_restarting() {
        let listed = |states: &[&str]| -> Vec<ContainerSummary> {
            states
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    serde_json::from_value(serde_json::json!({
                        "Id": format!("c{i}"), "Names": [format!("/c{i}")], "State": s,
                    }))
                    .unwrap()
                })
                .collect()
        };
        let summaries = listed(&[
            "running",
            "paused",
            "restarting",
            "removing",
            "exited",
            "created",
            "dead",
        ]);
        let counted = inventory(&summaries, &mut []);
        assert_eq!(counted.containers_total, 7);
        assert_eq!(counted.containers_running, 1);
        assert_eq!(counted.containers_stopped, 3);
        assert_eq!(unknown_state(&summaries), None);
        // A container the list gives no state: neither count is known.
        let mut without = listed(&["exited", "running"]);
        without[1].state = None;
        let why = unknown_state(&without).unwrap();
        assert!(why.contains("container c1"), "{why}");
        let empty = listed(&["", "exited"]);
        assert!(unknown_state(&empty).unwrap().contains("container c0"));
    }

    #[test]
    fn the_ingress_network_is_told_by_its_flag_not_its_name() {
        let networks = serde_json::json!([
            {"Name": "mesh", "Driver": "overlay", "Ingress": true, "Options": {}},
            {"Name": "ingress", "Driver": "overlay", "Ingress": false, "Options": {}},
            {"Name": "backend", "Driver": "overlay", "Ingress": false,
             "Options": {"encrypted": ""}},
            {"Name": "bridge", "Driver": "bridge", "Ingress": false, "Options": {}},
        ]);
        let found: Vec<(String, bool)> = overlay_networks(networks.as_array().unwrap())
            .into_iter()
            .map(|n| (n.name, n.encrypted))
            .collect();
        // A replaced ingress network under another name is left out; a network that took the
        // name `ingress` afterwards is an overlay network like any other.
        assert_eq!(
            found,
            [
                ("ingress".to_string(), false),
                ("backend".to_string(), true)
            ]
        );
        // A daemon older than API 1.29 has no flag: its ingress network is named `ingress`.
        let old = serde_json::json!([
            {"Name": "ingress", "Driver": "overlay", "Options": {}},
            {"Name": "web", "Driver": "overlay", "Options": {}},
        ]);
        let names: Vec<String> = overlay_networks(old.as_array().unwrap())
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(names, ["web"]);
    }

    #[test]
    fn volumes_bound_to_host_paths_are_found_by_their_options() {
        let answer = serde_json::json!({"Volumes": [
            {"Name": "etcvol", "Driver": "local",
             "Options": {"type": "none", "o": "bind", "device": "/etc"}},
            {"Name": "rvol", "Driver": "local",
             "Options": {"type": "none", "o": "ro,rbind", "device": "/usr"}},
            {"Name": "plain", "Driver": "local", "Options": null},
            {"Name": "nfs", "Driver": "local",
             "Options": {"type": "nfs", "o": "addr=10.0.0.1", "device": ":/export"}},
            {"Name": "plugin", "Driver": "other", "Options": {"o": "bind", "device": "/etc"}},
        ]});
        let bound = bound_volume_devices(&answer).unwrap();
        assert_eq!(
            bound.into_iter().collect::<Vec<_>>(),
            vec![
                ("etcvol".to_string(), "/etc".to_string()),
                ("rvol".to_string(), "/usr".to_string())
            ]
        );
        assert!(bound_volume_devices(&serde_json::json!({"Volumes": null}))
            .unwrap()
            .is_empty());

        let inspect = |mounts: serde_json::Value| -> ContainerFacts {
            serde_json::from_value(serde_json::json!({
                "id": "c", "name": "c", "runtime": null, "inspect": {"Mounts": mounts},
            }))
            .expect("container facts")
        };
        let mut containers = vec![
            inspect(serde_json::json!([{"Type": "volume", "Name": "etcvol"},
                {"Type": "bind", "Source": "/srv"}])),
            inspect(serde_json::json!([{"Type": "bind", "Source": "/srv"}])),
        ];
        record_bound_volumes(&mut containers, Ok(answer));
        assert_eq!(containers[0].bound_volumes["etcvol"], "/etc");
        assert!(containers[1].bound_volumes.is_empty());
        // Volumes that cannot be listed leave the fact unknown where a volume is mounted.
        let failed = Err(Failure {
            gone: false,
            why: "timed out".into(),
        });
        let mut containers = vec![
            inspect(serde_json::json!([{"Type": "volume", "Name": "etcvol"}])),
            inspect(serde_json::json!([{"Type": "bind", "Source": "/srv"}])),
        ];
        record_bound_volumes(&mut containers, failed);
        assert_eq!(
            containers[0].errors["bound_volumes"],
            "GET /volumes failed: timed out"
        );
        assert!(containers[1].errors.is_empty());
    }

    #[test]
    fn joined_namespaces_are_followed_by_id_name_and_short_id_to_the_end() {
        let c = |id: &str, name: &str, net: &str, pid: &str| -> ContainerFacts {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": name, "runtime": null,
                "inspect": {"HostConfig": {"NetworkMode": net, "PidMode": pid}},
            }))
            .expect("container facts")
        };
        let host_id = "a".repeat(64);
        let mut cs = vec![
            c(&host_id, "x-host", "host", "host"),
            c(&"b".repeat(64), "by-name", "container:x-host", ""),
            c(
                &"c".repeat(64),
                "by-short-id",
                "none",
                &format!("container:{}", &host_id[..12]),
            ),
            c(
                &"d".repeat(64),
                "chained",
                &format!("container:{}", "b".repeat(64)),
                "",
            ),
            c(
                &"e".repeat(64),
                "loop-a",
                &format!("container:{}", "f".repeat(64)),
                "",
            ),
            c(
                &"f".repeat(64),
                "loop-b",
                &format!("container:{}", "e".repeat(64)),
                "",
            ),
            c(&"9".repeat(64), "gone", "container:nobody", ""),
        ];
        joined_modes(&mut cs, &[]);
        let joins = |i: usize| serde_json::to_value(&cs[i].joins).unwrap();
        assert_eq!(joins(0), serde_json::json!({}));
        assert_eq!(joins(1), serde_json::json!({"network": ["host"]}));
        assert_eq!(joins(2), serde_json::json!({"pid": ["host"]}));
        assert_eq!(joins(3), serde_json::json!({"network": ["host"]}));
        assert_eq!(joins(4), serde_json::json!({}), "a loop leads nowhere");
        assert_eq!(
            joins(6),
            serde_json::json!({}),
            "an unknown container, nothing"
        );
        assert!(cs.iter().all(|c| c.errors.is_empty()));
    }

    #[test]
    fn joining_a_container_that_cannot_be_read_leaves_the_join_unknown() {
        let c = |id: &str, name: &str, inspect: serde_json::Value| -> ContainerFacts {
            serde_json::from_value(serde_json::json!({
                "id": id, "name": name, "runtime": null, "inspect": inspect,
            }))
            .expect("container facts")
        };
        let joining = |target: &str| serde_json::json!({"HostConfig": {"NetworkMode": "none", "PidMode": format!("container:{target}")}});
        let mut cs = vec![
            c(
                &"a".repeat(64),
                "no-host-config",
                serde_json::json!({"HostConfig": null}),
            ),
            c(&"b".repeat(64), "joins-a", joining("no-host-config")),
            c(&"c".repeat(64), "joins-vanished", joining(&"9".repeat(64))),
            c(&"d".repeat(64), "joins-b", joining("joins-a")),
        ];
        let unread = [UnreadInstance {
            kind: "container".into(),
            id: "9".repeat(64),
            name: "vanished".into(),
            message: "GET /containers/999/json: no such container".into(),
        }];
        joined_modes(&mut cs, &unread);
        for (i, about) in [
            (1, "no-host-config"),
            (2, "vanished"),
            (3, "no-host-config"),
        ] {
            assert!(cs[i].joins.is_empty(), "{}", cs[i].name);
            let why = cs[i].errors.get("joins.pid").unwrap_or_else(|| {
                panic!(
                    "{}: no error for its pid join: {:?}",
                    cs[i].name, cs[i].errors
                )
            });
            assert!(why.contains(about), "{why}");
        }
        assert!(cs[0].errors.is_empty() && cs[0].joins.is_empty());
    }

    #[test]
    fn an_image_named_by_short_id_digest_or_tag_is_judged_by_what_it_names() {
        let running = format!("sha256:3f2a1b2c3d4e{}d0", "0".repeat(50));
        let other = format!("sha256:{}d0", "9".repeat(62));
        let image = |id: &str, tags: &[&str], digests: &[&str]| -> ImageFacts {
            serde_json::from_value(serde_json::json!({
                "id": id, "tags": tags, "inspect": {"RepoDigests": digests},
                "history": [], "registries": [], "containers": 1,
            }))
            .expect("image facts")
        };
        let images = [
            image(&running, &["local/app:1"], &["reg.example/app@sha256:aaaa"]),
            image(&other, &["d0"], &[]),
        ];
        let current = |reference: &str| {
            let inspect = Doc::from(&serde_json::json!({
                "Config": {"Image": reference}, "Image": running,
            }));
            freshness(&inspect, &images).map(|f| f.current)
        };
        // A short id is the running image's beginning, not its end.
        assert_eq!(current("3f2a1b2c3d4e"), Some(true));
        // A tag that happens to be the end of the running id is a tag: it names another image.
        assert_eq!(current("d0"), Some(false));
        // Pinned by digest: the image holding that digest.
        assert_eq!(current("reg.example/app@sha256:aaaa"), Some(true));
        assert_eq!(current("local/app:1"), Some(true));
    }

    #[test]
    fn reads_the_api_version_header() {
        let ok = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK";
        let v = api_version_header(ok).expect("a version");
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        let lower = b"HTTP/1.0 200 OK\r\napi-version:1.24\r\n\r\n";
        assert_eq!(api_version_header(lower).map(|v| v.minor_version), Some(24));
        for bad in [
            &b"HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nApi-Version: 1.41",
            b"HTTP/1.1 200 OK\r\nApi-Version: one\r\n\r\n",
            b"",
        ] {
            assert!(api_version_header(bad).is_none(), "{:?}", bad);
        }
    }

    #[tokio::test]
    async fn pings_a_tcp_endpoint_for_its_version() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 256];
            let n = s.read(&mut request).await.unwrap();
            assert!(request[..n].starts_with(b"GET /_ping "));
            s.write_all(b"HTTP/1.0 200 OK\r\nApi-Version: 1.40\r\n\r\nOK")
                .await
                .unwrap();
        });
        let v = ping_api_version(&format!("tcp://{addr}"), Limits::default())
            .await
            .unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 40));
        server.await.unwrap();
        let closed = ping_api_version("unix:///nonexistent/docker.sock", Limits::default()).await;
        assert!(closed.is_err());
    }
}
