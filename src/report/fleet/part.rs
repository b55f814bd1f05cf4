//! Temporary part files: pieces of a fleet document written as hosts are read and stitched
//! together once the totals that head the document are known.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::report::error::ReportError;

/// A temporary part file in the output folder, removed when dropped.
pub struct Part {
    file: BufWriter<tempfile::NamedTempFile>,
}

impl Part {
    /// A new, empty part in `dir`.
    pub fn new(dir: &Path) -> Result<Part, ReportError> {
        let file = tempfile::Builder::new()
            .prefix(".bollwerk-merge-")
            .tempfile_in(dir)
            .map_err(|source| ReportError::TemporaryIn {
                dir: dir.to_path_buf(),
                source,
            })?;
        Ok(Part {
            file: BufWriter::new(file),
        })
    }

    /// Appends `text`.
    pub fn push(&mut self, text: &str) -> Result<(), ReportError> {
        self.file
            .write_all(text.as_bytes())
            .map_err(|source| ReportError::Temporary {
                action: "write",
                source,
            })
    }

    /// Appends `other` (streamed, never whole in memory).
    pub fn append(&mut self, other: Part) -> Result<(), ReportError> {
        other.copy_into(&mut self.file)
    }

    /// Moves the part into place as `path`, atomically (readers see the old or the whole new
    /// file), with the mode of the file it replaces or 0600 (as [`crate::report::write`]).
    pub fn persist(self, path: &Path) -> Result<(), ReportError> {
        let failed = |source| ReportError::File {
            path: path.to_path_buf(),
            source,
        };
        let temp = self.file.into_inner().map_err(|e| failed(e.into_error()))?;
        crate::report::write::put_in_place(temp, path).map_err(failed)
    }

    /// Copies the part to `out`.
    pub fn copy_into(self, out: &mut impl Write) -> Result<(), ReportError> {
        let temp = self.file.into_inner().map_err(|e| ReportError::Temporary {
            action: "write",
            source: e.into_error(),
        })?;
        let mut reader = temp.reopen().map_err(|source| ReportError::Temporary {
            action: "read",
            source,
        })?;
        std::io::copy(&mut reader, out).map_err(ReportError::Copy)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_persisted_part_is_private_or_keeps_the_mode_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("fleet.json");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let write = |text: &str| {
            let mut part = Part::new(dir.path()).unwrap();
            part.push(text).unwrap();
            part.persist(&target).unwrap();
        };
        write("1");
        assert_eq!(mode(&target), 0o600);
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        write("2");
        assert_eq!(mode(&target), 0o644);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "2");
    }
}
