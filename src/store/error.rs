//! The store layer's error.

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed while doing `context`.
    #[error("store: {context}: {source}")]
    Sqlite {
        /// What the store was doing.
        context: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A file of the store could not be created, synced or renamed.
    #[error("store: {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A stored record could not be read back.
    #[error("store: record `{id}` is corrupt: {message}")]
    Corrupt {
        /// The record's id.
        id: String,
        /// What is wrong with it.
        message: String,
    },
    /// The data folder was made by a development build whose schema version 1 lacked the
    /// catalogue (nothing was released with it).
    #[error(
        "store: {path} was made by an earlier development build of Fonds (no catalogue); import its sources into a new data folder"
    )]
    Outdated {
        /// The database file.
        path: String,
    },
    /// SQLite cannot read the database's schema: the file is damaged.
    #[error(
        "store: DAMAGED database {path}: SQLite cannot read its schema ({message}); restore fonds.sqlite3 from a backup, or import the original files into a new data folder (docs/RELIABILITY.md, \"Fixity\")"
    )]
    Damaged {
        /// The database file.
        path: String,
        /// SQLite's error.
        message: String,
    },
    /// The database file exists but holds no schema yet (being created by another process, or
    /// its creation was cut off).
    #[error("store: {path} is not created yet")]
    NotCreated {
        /// The database file.
        path: String,
    },
    /// A record id met a second time in one streamed file.
    #[error("record id `{id}` appears more than once in this file")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// A write to a store opened read-only.
    #[error("store: opened read-only; writing needs the archive opened for writing")]
    ReadOnly,
    /// The data folder was written by a newer Fonds.
    #[error("store: {path} has schema version {found}; this Fonds reads up to {supported}")]
    SchemaTooNew {
        /// The database file.
        path: String,
        /// The version found.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
}

/// Adds what the store was doing to a SQLite error.
pub(crate) trait Context<T> {
    /// Wraps the error with `context`.
    fn context(self, context: &str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn context(self, context: &str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            context: context.to_string(),
            source,
        })
    }
}

impl StoreError {
    /// A SQLite error that says the file is corrupt or not a database becomes
    /// [`StoreError::Damaged`], which says what to do.
    pub(super) fn damaged_if_corrupt(self, path: &std::path::Path) -> StoreError {
        match self {
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, message),
                ..
            } if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            ) =>
            {
                StoreError::Damaged {
                    path: path.display().to_string(),
                    message: message.unwrap_or_else(|| e.to_string()),
                }
            }
            other => other,
        }
    }
}
