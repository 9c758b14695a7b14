//! Fonds: a digital archive for historical primary sources.
//!
//! The data flows one way: [`model`] (the record) → [`ingest`] (source files to records) →
//! `store` (SQLite, the source of truth) → `index` (tantivy, derived and rebuildable) →
//! `archive` (the one facade) → the command line.
//!
//! ```
//! use fonds::archive::Archive;
//! use fonds::index::SearchRequest;
//!
//! # fn main() -> fonds::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let (data, sources) = (tmp.path().join("data"), tmp.path().join("in.jsonl"));
//! // One record in Fonds' own JSON Lines format, as an archivist might write it by hand.
//! std::fs::write(&sources, r#"{"id":"note-1","title":"Записка Сталину","date":"1950-07","languages":["ru"],"texts":[{"role":"transcript","lang":"ru","body":"Товарищу Сталину."}]}"#).unwrap();
//!
//! let mut archive = Archive::open(&data)?; // creates the store and the index
//! let report = archive.import(&[sources], |_file, _done, _total| {})?;
//! assert_eq!(report.totals.new, 1);
//!
//! // Russian morphology: the nominative finds the dative.
//! let results = archive.search(&SearchRequest::new("Сталин"))?;
//! assert_eq!(results.hits[0].id, "note-1");
//! assert_eq!(archive.get("note-1")?.unwrap().date.unwrap().to_string(), "1950-07");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod archive;
pub mod error;
pub mod export;
pub mod index;
pub mod ingest;
pub mod model;
pub mod store;
pub mod web;

pub use error::{Error, Result};
