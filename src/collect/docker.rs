//! Facts from the Docker daemon API (bollard): version, info, containers, images, networks.
//!
//! All requests run concurrently, bounded by [`MAX_IN_FLIGHT`].

use std::path::Path;

use bollard::query_parameters::{ListContainersOptionsBuilder, ListImagesOptionsBuilder};
use bollard::Docker;
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::snapshot::{ContainerFacts, ImageFacts};

/// Requests in flight at once.
pub const MAX_IN_FLIGHT: usize = 32;

/// Where to reach the daemon.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// `unix:///var/run/docker.sock`, `tcp://host:2376`, …
    pub url: String,
    /// TLS material directory (`DOCKER_CERT_PATH`) when TLS is on.
    pub tls_dir: Option<String>,
}

impl Endpoint {
    /// The unix socket path, for unix endpoints.
    pub fn socket_path(&self) -> Option<&str> {
        self.url.strip_prefix("unix://")
    }
}

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
    /// `/networks`.
    pub networks: Vec<Value>,
    /// (fact path, message) for parts that failed.
    pub errors: Vec<(String, String)>,
    /// Remarks (vanished containers).
    pub notes: Vec<String>,
}

/// Connects to the daemon and agrees on an API version. The error reads
/// "cannot reach the Docker daemon at URL: why".
pub async fn connect(endpoint: &Endpoint) -> Result<Docker, String> {
    let fail = |e: &dyn std::fmt::Display| {
        format!("cannot reach the Docker daemon at {}: {e}", endpoint.url)
    };
    let docker = if let Some(dir) = &endpoint.tls_dir {
        let dir = Path::new(dir);
        Docker::connect_with_ssl(
            &endpoint.url,
            &dir.join("key.pem"),
            &dir.join("cert.pem"),
            &dir.join("ca.pem"),
            60,
            bollard::API_DEFAULT_VERSION,
        )
    } else if endpoint.url.starts_with("unix://") {
        Docker::connect_with_unix(&endpoint.url, 60, bollard::API_DEFAULT_VERSION)
    } else if endpoint.url.starts_with("tcp://") || endpoint.url.starts_with("http://") {
        Docker::connect_with_http(&endpoint.url, 60, bollard::API_DEFAULT_VERSION)
    } else {
        return Err(fail(
            &"unsupported address: expected unix://PATH or tcp://HOST:PORT",
        ));
    }
    .map_err(|e| fail(&e))?;
    docker.negotiate_version().await.map_err(|e| fail(&e))
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

/// Asks the daemon for everything, concurrently.
pub async fn collect(docker: &Docker, all_containers: bool) -> DaemonAnswers {
    let version = docker.version();
    let info = docker.info();
    let containers = containers(docker, all_containers);
    let images = images(docker);
    let networks = docker.list_networks(None);
    let (version, info, containers, images, networks) =
        tokio::join!(version, info, containers, images, networks);
    let mut out = DaemonAnswers::default();
    match version {
        Ok(v) => out.version = Some(to_value(&v)),
        Err(e) => out
            .errors
            .push(("daemon.version".into(), format!("GET /version failed: {e}"))),
    }
    match info {
        Ok(v) => out.info = Some(to_value(&v)),
        Err(e) => out
            .errors
            .push(("daemon.info".into(), format!("GET /info failed: {e}"))),
    }
    match networks {
        Ok(n) => out.networks = n.iter().map(to_value).collect(),
        Err(e) => out.errors.push((
            "daemon.networks".into(),
            format!("GET /networks failed: {e}"),
        )),
    }
    let (c, mut c_errors, mut c_notes) = containers;
    out.containers = c;
    out.errors.append(&mut c_errors);
    out.notes.append(&mut c_notes);
    let (i, mut i_errors, mut i_notes) = images;
    out.images = i;
    out.errors.append(&mut i_errors);
    out.notes.append(&mut i_notes);
    out
}

type Gathered<T> = (Vec<T>, Vec<(String, String)>, Vec<String>);

async fn containers(docker: &Docker, all: bool) -> Gathered<ContainerFacts> {
    match list_container_ids(docker, all).await {
        Ok(ids) => inspect_containers(docker, ids).await,
        Err(e) => (Vec::new(), vec![("containers".into(), e)], Vec::new()),
    }
}

/// Ids of running containers, or of all containers when `all`.
pub async fn list_container_ids(docker: &Docker, all: bool) -> Result<Vec<String>, String> {
    let opts = ListContainersOptionsBuilder::new().all(all).build();
    let list = docker
        .list_containers(Some(opts))
        .await
        .map_err(|e| format!("GET /containers/json failed: {e}"))?;
    Ok(list.into_iter().filter_map(|c| c.id).collect())
}

/// Inspects `ids` concurrently. A container that is gone by then (removed between list and
/// inspect) is skipped with a note; other failures are errors for that container.
pub async fn inspect_containers(
    docker: &Docker,
    ids: Vec<String>,
) -> (Vec<ContainerFacts>, Vec<(String, String)>, Vec<String>) {
    let results: Vec<_> = stream::iter(ids)
        .map(|id| async move {
            let r = docker.inspect_container(&id, None).await;
            (id, r)
        })
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let (mut facts, mut errors, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for (id, r) in results {
        match r {
            Ok(inspect) => {
                let name = inspect
                    .name
                    .clone()
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string();
                facts.push(ContainerFacts {
                    id,
                    name,
                    inspect: to_value(&inspect),
                    runtime: None,
                    errors: Default::default(),
                });
            }
            Err(e) if is_not_found(&e) => notes.push(format!(
                "container {id} was removed during the scan; skipped"
            )),
            Err(e) => errors.push((
                format!("containers[\"{id}\"]"),
                format!("cannot inspect container {id}: {e}"),
            )),
        }
    }
    (facts, errors, notes)
}

async fn images(docker: &Docker) -> Gathered<ImageFacts> {
    let opts = ListImagesOptionsBuilder::new().all(false).build();
    let list = match docker.list_images(Some(opts)).await {
        Ok(l) => l,
        Err(e) => {
            return (
                Vec::new(),
                vec![("images".into(), format!("GET /images/json failed: {e}"))],
                Vec::new(),
            )
        }
    };
    let results: Vec<_> = stream::iter(list)
        .map(|summary| async move {
            let (inspect, history) = tokio::join!(
                docker.inspect_image(&summary.id),
                docker.image_history(&summary.id)
            );
            (summary, inspect, history)
        })
        .buffered(MAX_IN_FLIGHT / 2)
        .collect()
        .await;
    let (mut facts, mut errors, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for (summary, inspect, history) in results {
        let id = summary.id.clone();
        match (inspect, history) {
            (Ok(i), Ok(h)) => facts.push(ImageFacts {
                id,
                tags: summary
                    .repo_tags
                    .into_iter()
                    .filter(|t| t != "<none>:<none>")
                    .collect(),
                inspect: to_value(&i),
                history: to_value(&h),
            }),
            (Err(e), _) | (_, Err(e)) if is_not_found(&e) => {
                notes.push(format!("image {id} was removed during the scan; skipped"))
            }
            (Err(e), _) | (_, Err(e)) => errors.push((
                format!("images[\"{id}\"]"),
                format!("cannot inspect image {id}: {e}"),
            )),
        }
    }
    (facts, errors, notes)
}
