//! The data model: one [`Record`] per archival document, and the parts it is made of.
//!
//! Nothing here does I/O or knows about storage, indexing or the web. The JSON form of a
//! [`Record`] (serde) *is* Fonds' own record format: `fonds show --json`, the JSON Lines
//! import/export and the API all use it. Field order is fixed and empty fields are omitted, so
//! the same record always serializes to the same bytes.

pub mod alignment;
mod archival_ref;
mod date;
mod date_text;
pub mod language;
mod record;
mod text;

pub use archival_ref::ArchivalRef;
pub use date::{DatePrecision, PartialDate, month_name};
pub use language::{detect_script_lang, english_name, iso639_1};
pub use record::{Provenance, Record, Source};
pub use text::{Note, Text, TextRole};
