//! Plain `GET`s of JSON documents from the daemon, answered as the bytes it sent.
//!
//! Container inspects are most of a collection's traffic. Through bollard each answer is
//! parsed into its typed model and then turned back into JSON for the snapshot: this client
//! hands the bytes to [`Doc::from_slice`](crate::doc::Doc::from_slice) instead, which is a third of
//! the work and keeps fields bollard's models do not know. It also keeps its connections open
//! between requests (bollard opens a new unix connection for every request), which spares
//! dockerd an accept and a goroutine per container. Unix sockets and plain TCP only; TLS
//! endpoints go through bollard.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::error::RequestError;
use super::limits::Limits;
use crate::diag::error_chain;

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

/// A keep-alive HTTP/1.1 client for one daemon endpoint.
pub struct JsonGet {
    transport: Transport,
    /// `/v1.41`: the API version agreed on.
    prefix: String,
    /// How long a request, its body included, may take.
    limits: Limits,
}

enum Transport {
    Unix(Client<hyperlocal::UnixConnector, Empty<Bytes>>, String),
    Tcp(Client<HttpConnector, Empty<Bytes>>, String),
}

/// Why a request failed: the daemon's status and message, or the transport's error.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    /// The daemon answered with a status other than 2xx.
    #[error("Docker responded with status code {0}: {1}")]
    Status(u16, String),
    /// The request's time ran out.
    #[error(transparent)]
    Limit(#[from] RequestError),
    /// No answer (connection, body).
    #[error("{0}")]
    Transport(String),
}

impl JsonGet {
    /// A client for `endpoint` speaking API `major.minor` within `limits`; `None` for TLS
    /// endpoints and addresses that are neither `unix://` nor `tcp://`/`http://`.
    pub fn new(
        endpoint: &Endpoint,
        version: &bollard::ClientVersion,
        limits: Limits,
    ) -> Option<JsonGet> {
        if endpoint.tls_dir.is_some() {
            return None;
        }
        let prefix = format!("/v{}.{}", version.major_version, version.minor_version);
        let transport = if let Some(path) = endpoint.socket_path() {
            Transport::Unix(
                Client::builder(TokioExecutor::new()).build(hyperlocal::UnixConnector),
                path.to_string(),
            )
        } else {
            let authority = endpoint
                .url
                .strip_prefix("tcp://")
                .or_else(|| endpoint.url.strip_prefix("http://"))?
                .trim_end_matches('/')
                .to_string();
            Transport::Tcp(
                Client::builder(TokioExecutor::new()).build_http(),
                authority,
            )
        };
        Some(JsonGet {
            transport,
            prefix,
            limits,
        })
    }

    /// The body of `GET {prefix}{path}` (`path` like `/containers/ID/json`), headers and body
    /// within the request's time limit.
    pub async fn get(&self, path: &str) -> Result<Bytes, GetError> {
        let what = format!("GET {path}");
        self.limits
            .within(&what, self.get_unlimited(path))
            .await
            .map_err(GetError::Limit)?
    }

    async fn get_unlimited(&self, path: &str) -> Result<Bytes, GetError> {
        let full = format!("{}{path}", self.prefix);
        let sent = match &self.transport {
            Transport::Unix(client, socket) => {
                let uri: hyper::Uri = hyperlocal::Uri::new(socket, &full).into();
                client.get(uri).await
            }
            Transport::Tcp(client, authority) => {
                let uri: hyper::Uri = format!("http://{authority}{full}")
                    .parse()
                    .map_err(|e| GetError::Transport(format!("bad request address: {e}")))?;
                client.get(uri).await
            }
        };
        let response = sent
            .map_err(|e| GetError::Transport(format!("GET {full} failed: {}", error_chain(&e))))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| {
                GetError::Transport(format!(
                    "GET {full}: reading the answer: {}",
                    error_chain(&e)
                ))
            })?
            .to_bytes();
        if status.is_success() {
            Ok(body)
        } else {
            // The daemon explains itself as {"message": "..."}.
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("message")?.as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).trim().to_string());
            Err(GetError::Status(status.as_u16(), message))
        }
    }
}
