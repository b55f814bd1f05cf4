//! Temporary part files: pieces of a fleet document written as hosts are read and stitched
//! together once the totals that head the document are known.

use std::io::{BufWriter, Write};
use std::path::Path;

/// A temporary part file in the output folder, removed when dropped.
pub struct Part {
    file: BufWriter<tempfile::NamedTempFile>,
}

impl Part {
    /// A new, empty part in `dir`.
    pub fn new(dir: &Path) -> Result<Part, String> {
        let file = tempfile::Builder::new()
            .prefix(".bollwerk-merge-")
            .tempfile_in(dir)
            .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
        Ok(Part {
            file: BufWriter::new(file),
        })
    }

    /// Appends `text`.
    pub fn push(&mut self, text: &str) -> Result<(), String> {
        self.file
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write a temporary file: {e}"))
    }

    /// Appends `other` (streamed, never whole in memory).
    pub fn append(&mut self, other: Part) -> Result<(), String> {
        other.copy_into(&mut self.file)
    }

    /// Moves the part into place as `path`, atomically (readers see the old or the whole new
    /// file).
    pub fn persist(self, path: &Path) -> Result<(), String> {
        let temp = self
            .file
            .into_inner()
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        temp.persist(path)
            .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
        Ok(())
    }

    /// Copies the part to `out`.
    pub fn copy_into(self, out: &mut impl Write) -> Result<(), String> {
        let temp = self
            .file
            .into_inner()
            .map_err(|e| format!("cannot write a temporary file: {e}"))?;
        let mut reader = temp
            .reopen()
            .map_err(|e| format!("cannot read a temporary file: {e}"))?;
        std::io::copy(&mut reader, out).map_err(|e| format!("cannot write: {e}"))?;
        Ok(())
    }
}
