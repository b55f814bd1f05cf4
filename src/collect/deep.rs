//! `--deep-images`: the setuid and setgid files of an image, read by streaming `docker save`
//! output through a tar reader (nothing is written to disk).
//!
//! The outer archive holds each layer as a tar (`<id>/layer.tar` in Docker's format,
//! `blobs/sha256/<digest>` in the OCI layout); every layer's entries are scanned in turn.

use std::io::Read;

use bollard::Docker;
use futures_util::StreamExt;

use super::error::RequestError;
use super::limits::Limits;
use crate::snapshot::SpecialFile;

/// Why an image's files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ImageFilesError {
    /// What the daemon sent does not start as a tar archive.
    #[error("not an image archive: {0}")]
    NotAnArchive(std::io::Error),
    /// The archive broke off or is malformed (a failed or stalled download shows here too).
    #[error("bad image archive: {0}")]
    Bad(std::io::Error),
    /// The thread reading the archive ended without an answer.
    #[error("reading image {id}: {why}")]
    Reader {
        /// The image.
        id: String,
        /// Why.
        why: String,
    },
}

/// Reads chunks sent by the async side as one byte stream.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, RequestError>>,
    current: bytes::Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Files with the setuid or setgid bit in any layer of image `id`. The stream may run long
/// for a large image, so `--timeout` bounds each wait for the next chunk (a stall), and the
/// deadline of the daemon's part bounds the whole.
pub async fn special_files(
    docker: &Docker,
    id: &str,
    limits: Limits,
) -> Result<Vec<SpecialFile>, ImageFilesError> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let parse = tokio::task::spawn_blocking(move || {
        scan_save_stream(ChannelReader {
            rx,
            current: bytes::Bytes::new(),
        })
    });
    let mut stream = docker.export_image(id);
    let what = format!("GET /images/{id}/get");
    loop {
        let item = match limits.within(&what, stream.next()).await {
            Ok(None) => break,
            Ok(Some(chunk)) => chunk.map_err(|e| RequestError::Failed {
                what: what.clone(),
                why: e.to_string(),
            }),
            Err(stalled) => Err(stalled),
        };
        let failed = item.is_err();
        // The reader stops early on a parse error; then nobody listens, and that is fine.
        if tx.send(item).await.is_err() || failed {
            break;
        }
    }
    drop(tx);
    parse.await.map_err(|e| ImageFilesError::Reader {
        id: id.to_string(),
        why: e.to_string(),
    })?
}

/// Scans a `docker save` archive.
pub fn scan_save_stream(reader: impl Read) -> Result<Vec<SpecialFile>, ImageFilesError> {
    let mut outer = tar::Archive::new(reader);
    let mut found = Vec::new();
    let entries = outer.entries().map_err(ImageFilesError::NotAnArchive)?;
    for entry in entries {
        let entry = entry.map_err(ImageFilesError::Bad)?;
        let name = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let is_layer = name.ends_with("layer.tar") || name.starts_with("blobs/");
        if !is_layer || entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let layer = name.trim_end_matches("/layer.tar").to_string();
        let mut inner = tar::Archive::new(entry);
        // Blobs that are not tars (configs, manifests) fail on their first header: skip them.
        let Ok(inner_entries) = inner.entries() else {
            continue;
        };
        for file in inner_entries {
            let Ok(file) = file else { break };
            let Ok(mode) = file.header().mode() else {
                continue;
            };
            if mode & 0o6000 != 0 && file.header().entry_type().is_file() {
                let path = file
                    .path()
                    .map(|p| format!("/{}", p.display().to_string().trim_start_matches("./")))
                    .unwrap_or_default();
                found.push(SpecialFile {
                    path,
                    mode: format!("{:04o}", mode & 0o7777),
                    layer: layer.clone(),
                });
            }
        }
    }
    found.sort_by(|a, b| (&a.path, &a.layer).cmp(&(&b.path, &b.layer)));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(files: &[(&str, u32)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, mode) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_mode(*mode);
            h.set_cksum();
            b.append_data(&mut h, path, &[][..]).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn finds_setuid_files_in_nested_layers() {
        let layer = tar_with(&[
            ("bin/su", 0o4755),
            ("bin/ls", 0o755),
            ("usr/bin/wall", 0o2755),
        ]);
        let mut outer = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(layer.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        outer
            .append_data(&mut h, "abc/layer.tar", &layer[..])
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        h.set_cksum();
        outer
            .append_data(&mut h, "manifest.json", &b"[]"[..])
            .unwrap();
        let found = scan_save_stream(&outer.into_inner().unwrap()[..]).unwrap();
        let paths: Vec<_> = found
            .iter()
            .map(|f| (f.path.as_str(), f.mode.as_str(), f.layer.as_str()))
            .collect();
        assert_eq!(
            paths,
            vec![("/bin/su", "4755", "abc"), ("/usr/bin/wall", "2755", "abc")]
        );
    }
}
