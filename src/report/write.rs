//! Writing report files atomically: a temporary file in the same folder, renamed into place.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so readers see either the old file or the whole new one.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    atomic_write_with(path, |out| out.write_all(bytes))
}

/// [`atomic_write`] of what `write` streams into a buffered writer, so that a large file
/// never has to be held in memory whole.
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bollwerk-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    write(&mut out)
        .and_then(|_| out.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    drop(out);
    tmp.as_file()
        .sync_all()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// `bytes` compressed with bzip2 at the best level (Foreman's OpenSCAP smart proxy takes ARF
/// reports as bzip2).
pub fn bzip2(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}
