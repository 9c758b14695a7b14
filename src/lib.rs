//! Fonds: a digital archive for historical primary sources.
//!
//! The data flows one way: [`model`] (the record) → [`ingest`] (source files to records) →
//! `store` (SQLite, the source of truth) → `index` (tantivy, derived and rebuildable) →
//! `archive` (the one facade) → the command line.
#![warn(missing_docs)]

pub mod error;
pub mod index;
pub mod ingest;
pub mod model;

pub use error::{Error, Result};
