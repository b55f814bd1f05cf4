//! What can go wrong making a report, a page or a fleet's files, as one type: each error
//! names the file, folder or template it concerns.

use std::path::PathBuf;

use super::fleet::inputs::InputsError;
use super::write::WriteError;

/// Why a report, page, history or fleet file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A template did not load or render (a packaging mistake, or a value it cannot show).
    #[error("{what}: {why}")]
    Template {
        /// What was being made (`cannot render the HTML report`, `HTML report template`).
        what: String,
        /// minijinja's words, causes included.
        why: String,
    },
    /// A document could not be encoded as JSON.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// The document (`the fleet report`).
        what: &'static str,
        /// serde_json's reason.
        source: serde_json::Error,
    },
    /// An output folder could not be made.
    #[error("cannot create {}: {source}", .path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A temporary part file could not be made in the output folder.
    #[error("cannot create a temporary file in {}: {source}", .dir.display())]
    TemporaryIn {
        /// The output folder.
        dir: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A temporary part file could not be written or read back.
    #[error("cannot {action} a temporary file: {source}")]
    Temporary {
        /// `write` or `read`.
        action: &'static str,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A file could not be written into place.
    #[error("cannot write {}: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// Copying a part into its document failed.
    #[error("cannot write: {0}")]
    Copy(std::io::Error),
    /// Nothing to make: no input was usable (the message lists why each was skipped).
    #[error("{0}")]
    NoInput(String),
    /// The inputs could not be listed.
    #[error(transparent)]
    Inputs(#[from] InputsError),
    /// A file could not be written atomically.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl ReportError {
    /// [`ReportError::Template`] for `what`, with minijinja's error and its causes.
    pub fn template(what: impl Into<String>) -> impl FnOnce(minijinja::Error) -> ReportError {
        let what = what.into();
        move |e| ReportError::Template {
            what,
            why: format!("{e:#}"),
        }
    }
}

impl From<ReportError> for String {
    fn from(e: ReportError) -> String {
        e.to_string()
    }
}
