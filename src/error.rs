//! The crate error: every layer's error, converted with `#[from]`.

use crate::archive::LockError;
use crate::index::IndexError;
use crate::ingest::IngestError;
use crate::store::StoreError;

/// Everything that can go wrong in Fonds.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A source file could not be imported.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The index failed, or a query could not be understood.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Another process is writing to the archive (or its lock file cannot be used).
    #[error(transparent)]
    Lock(#[from] LockError),
    /// There is no archive in the data folder yet.
    #[error("no archive in {dir}: import something first (`fonds import PATH` or `fonds demo`)")]
    NoArchive {
        /// The data folder.
        dir: String,
    },
    /// A record that is not in the archive (or, from the catalogue, an unknown collection
    /// name or archival file key).
    #[error("no record with id `{id}`")]
    NotFound {
        /// The id (or collection name, or file key) asked for.
        id: String,
    },
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
