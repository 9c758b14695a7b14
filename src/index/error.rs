//! The index error: user errors (a query that cannot be understood) apart from internal ones.

use std::path::PathBuf;

/// Everything that can go wrong in the full-text index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The user's query cannot be understood (a user error: show the message, exit 2 / HTTP 400).
    #[error("cannot search for `{query}`: {message}")]
    Query {
        /// The query as the user typed it.
        query: String,
        /// What is wrong with it, and how to fix it.
        message: String,
    },
    /// Another process (or another writer in this one) holds the index's write lock.
    #[error("the index at {} is being written by another process", dir.display())]
    Locked {
        /// The index directory.
        dir: PathBuf,
    },
    /// The index cannot be used as it is: there is none yet, or it is damaged, of another
    /// schema or of an earlier layout. The archive rebuilds it from the store.
    #[error("the index at {} cannot be used: {reason}", dir.display())]
    Unusable {
        /// The index folder (or the generation's).
        dir: PathBuf,
        /// Why.
        reason: String,
    },
    /// tantivy failed on the index (an internal error: the index may need rebuilding).
    #[error("index at {}: {operation} failed: {source}", dir.display())]
    Tantivy {
        /// The index directory.
        dir: PathBuf,
        /// What was being done: `open`, `commit`, `search`…
        operation: &'static str,
        /// tantivy's error.
        source: tantivy::TantivyError,
    },
    /// A file or folder of the index could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl IndexError {
    /// Whether this is the user's error (a bad query) rather than a failure of the index.
    pub fn is_user_error(&self) -> bool {
        matches!(self, IndexError::Query { .. })
    }

    /// A converter from tantivy's errors for an operation on the index in `dir`.
    pub(crate) fn tantivy<'a>(
        dir: &'a std::path::Path,
        operation: &'static str,
    ) -> impl Fn(tantivy::TantivyError) -> IndexError + Copy + 'a {
        move |source| match source {
            tantivy::TantivyError::LockFailure(..) => IndexError::Locked {
                dir: dir.to_path_buf(),
            },
            source => IndexError::Tantivy {
                dir: dir.to_path_buf(),
                operation,
                source,
            },
        }
    }
}
