//! The crate error: every layer's error, converted with `#[from]`.

use crate::index::IndexError;
use crate::ingest::IngestError;

/// Everything that can go wrong in Fonds.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source file could not be imported.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The full-text index failed, or a query could not be understood.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// A `Result` with the crate [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
