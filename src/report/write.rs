//! Writing report files atomically: a temporary file in the same folder, renamed into place.
//!
//! A new report file has mode 0600 (owner only: reports describe the host's weak points); one
//! that replaces a file of the same user keeps that file's mode (without write rights for
//! others), so a report its owner opened up (0644 for a web server, say) or kept private stays
//! so on the next run ([`mode_for`]).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a report file could not be written: the file (or folder) and the system's reason.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The folder could not be made.
    #[error("cannot create {}: {source}", .dir.display())]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No temporary file could be made beside the file.
    #[error("cannot create a temporary file in {}: {source}", .dir.display())]
    Temporary {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing, syncing or renaming it into place failed.
    #[error("cannot write {}: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<WriteError> for String {
    fn from(e: WriteError) -> String {
        e.to_string()
    }
}

/// The mode of a new report file: readable and writable by its owner only.
const NEW_FILE_MODE: u32 = 0o600;

/// The mode a report written to `path` gets: the read and execute bits of the regular file it
/// replaces, and its owner's write bit, when this process's user owns it; else
/// [`NEW_FILE_MODE`]. Another user who could write into the folder could otherwise lay out a
/// world-readable file for the next report to take its mode from; and no report is left
/// writable by others. A symbolic link is replaced by the report, not followed, so its own
/// mode (always 0777) does not count.
pub(crate) fn mode_for(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    match std::fs::symlink_metadata(path) {
        Ok(old) if old.file_type().is_file() && old.uid() == nix::unistd::geteuid().as_raw() => {
            old.permissions().mode() & 0o755
        }
        _ => NEW_FILE_MODE,
    }
}

/// Puts `tmp`, a written temporary file beside `path`, in its place: the mode [`mode_for`]
/// says, on disk (fsync), then renamed over `path`, so that readers see the old file or the
/// whole new one.
pub(crate) fn put_in_place(tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    let file = tmp.as_file();
    file.set_permissions(std::fs::Permissions::from_mode(mode_for(path)))?;
    file.sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `bytes` to `path` so readers see either the old file or the whole new one.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    atomic_write_with(path, |out| out.write_all(bytes))
}

/// [`atomic_write`] of what `write` streams into a buffered writer, so that a large file
/// never has to be held in memory whole.
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| WriteError::Folder {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bollwerk-")
        .tempfile_in(dir)
        .map_err(|source| WriteError::Temporary {
            dir: dir.to_path_buf(),
            source,
        })?;
    let file_error = |source| WriteError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    write(&mut out)
        .and_then(|_| out.flush())
        .map_err(file_error)?;
    drop(out);
    put_in_place(tmp, path).map_err(file_error)
}

/// `bytes` compressed with bzip2 at the best level (Foreman's OpenSCAP smart proxy takes ARF
/// reports as bzip2).
pub fn bzip2(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_or_folder_they_concern() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        // A folder cannot be made below a plain file.
        let below = file.join("sub").join("report.json");
        let e = atomic_write(&below, b"{}").unwrap_err();
        assert!(matches!(&e, WriteError::Folder { dir, .. } if dir == &file.join("sub")));
        assert!(e
            .to_string()
            .starts_with(&format!("cannot create {}", file.join("sub").display())));
        // A stream that fails is a failure to write the file, which stays as it was.
        let target = dir.path().join("report.json");
        let e =
            atomic_write_with(&target, |_| Err(std::io::Error::other("disk on fire"))).unwrap_err();
        assert!(matches!(&e, WriteError::File { path, .. } if path == &target));
        assert!(!target.exists());
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_new_report_is_private_and_a_replaced_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        atomic_write(&target, b"1").unwrap();
        assert_eq!(mode(&target), 0o600, "a new file");
        for kept in [0o600, 0o640, 0o644, 0o400] {
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(kept)).unwrap();
            atomic_write(&target, b"2").unwrap();
            assert_eq!(mode(&target), kept, "replacing a {kept:o} file");
            assert_eq!(std::fs::read(&target).unwrap(), b"2");
        }
        // Set-id bits are not carried over to a report, nor write rights for others.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o4750)).unwrap();
        atomic_write_with(&target, |out| out.write_all(b"3")).unwrap();
        assert_eq!(mode(&target), 0o750);
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o666)).unwrap();
        atomic_write(&target, b"4").unwrap();
        assert_eq!(mode(&target), 0o644);
    }

    #[test]
    fn a_file_of_another_user_lends_no_mode() {
        // Someone who may write into the output folder lays out a readable file first.
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        std::fs::write(&target, "laid out").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let other = nix::unistd::Uid::from_raw(nix::unistd::geteuid().as_raw() ^ 1);
        if let Err(e) = nix::unistd::chown(&target, Some(other), None) {
            // Giving a file away needs root; scripts/test.sh (and CI) run the tests as root.
            assert!(
                !nix::unistd::geteuid().is_root(),
                "root could not chown: {e}"
            );
            eprintln!("skipped: giving a file to another user needs root ({e})");
            return;
        }
        atomic_write(&target, b"{}").unwrap();
        assert_eq!(mode(&target), 0o600);
    }

    #[test]
    fn a_replaced_symlink_does_not_lend_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "x").unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("report.json");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        atomic_write(&link, b"{}").unwrap();
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_file(), "the link is replaced");
        assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
        assert_eq!(std::fs::read(&elsewhere).unwrap(), b"x");
    }
}
