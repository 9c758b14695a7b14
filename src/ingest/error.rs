//! The ingest layer's error: a file that cannot be read as its format, named with the place.

/// Why a file could not be imported. Nothing of such a file is committed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file is not well-formed for its format, or misses what every record needs.
    #[error("{file}: {location}: {message}")]
    Malformed {
        /// The file, as the user named it.
        file: String,
        /// Where: `line 12, column 4`, `div[@xml:id='d12']`, `row 3, column "title"`.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read to its end (an I/O error while an importer was streaming it).
    #[error("{file}: {location}: could not be read: {source}")]
    Unreadable {
        /// The file, as the user named it.
        file: String,
        /// How far reading got: `line 12`.
        location: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// Fonds does not know how to read the file.
    #[error(
        "{file}: not a format Fonds imports (WCDA page .txt, FRUS TEI .xml, WCDA .json, .csv, .jsonl)"
    )]
    UnknownFormat {
        /// The file, as the user named it.
        file: String,
    },
}

impl IngestError {
    /// A [`IngestError::Malformed`] error.
    pub fn malformed(
        file: impl Into<String>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        IngestError::Malformed {
            file: file.into(),
            location: location.into(),
            message: message.into(),
        }
    }
}
