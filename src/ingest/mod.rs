//! Importers: one module per source format, each a pure function from bytes to records.
//!
//! [`detect`] names the format of a file from its name and first bytes; [`parse`] runs the
//! importer and stamps every record with its [`Provenance`](crate::model::Provenance) (file, SHA-256, importer). No
//! importer does I/O: the caller reads the file, and decides what to commit.

mod csv;
mod error;
mod frus;
pub mod jsonl;
mod wcda_json;
mod wcda_page;

pub use error::IngestError;

use sha2::{Digest, Sha256};

use crate::model::Record;

/// A source format Fonds can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A Wilson Center Digital Archive document page saved as text (both page layouts).
    WcdaPage,
    /// A FRUS TEI P5 volume: one record per `div[@type='document']`.
    FrusTei,
    /// A record from the WCDA legacy JSON API (`/srv/record/*.json` or a transcript asset).
    WcdaJson,
    /// CSV metadata with a header row (the WCDA scrape's columns, or Fonds' own field names).
    Csv,
    /// JSON Lines in Fonds' own record format, one record per line.
    Jsonl,
}

impl Format {
    /// The importer's name, as recorded in provenance.
    pub fn importer(self) -> &'static str {
        match self {
            Format::WcdaPage => "wcda-page",
            Format::FrusTei => "frus-tei",
            Format::WcdaJson => "wcda-json",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Every format, in the order [`detect`] tries them.
    pub const ALL: [Format; 5] = [
        Format::Jsonl,
        Format::FrusTei,
        Format::WcdaJson,
        Format::Csv,
        Format::WcdaPage,
    ];

    /// The format named by an importer name (`frus-tei`, `jsonl`…).
    pub fn from_importer(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.importer() == name)
    }
}

/// A problem in a source that did not stop the import: a field that could not be parsed and was
/// kept raw, a document without a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where: a line (`line 12`), an element (`div[@xml:id='d12']`), a field.
    pub location: String,
    /// What is odd.
    pub message: String,
}

/// What an importer made of one file.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// The records, in source order.
    pub records: Vec<Record>,
    /// Warnings about the source; the records are still good.
    pub diagnostics: Vec<Diagnostic>,
    /// Source files the file carries (a JSON Lines export made with its sources).
    pub carried: Vec<CarriedSource>,
}

/// A source file carried inside another (a JSON Lines export made with `--with-sources`), its
/// bytes checked against its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarriedSource {
    /// The SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// The file's name as it was first imported.
    pub path: String,
    /// The importer that first read it.
    pub importer: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Names the format of a file from its name and content, or `None` if Fonds does not read it.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Some(Format::Jsonl);
    }
    if lower.ends_with(".xml") || head.starts_with("<?xml") || head.starts_with("<TEI") {
        return head.contains("tei-c.org/ns/1.0").then_some(Format::FrusTei);
    }
    if lower.ends_with(".json") || head.starts_with('{') {
        return Some(Format::WcdaJson);
    }
    if lower.ends_with(".csv") {
        return Some(Format::Csv);
    }
    if lower.ends_with(".txt") {
        return Some(Format::WcdaPage);
    }
    None
}

/// Whether a file found in a folder looks like something to import, by its extension alone
/// (`.txt`, `.xml`, `.json`, `.csv`, `.jsonl`, `.ndjson`); [`detect`] then decides on its content.
pub fn is_importable_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".txt", ".xml", ".json", ".csv", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// Runs the importer for `format` on one file's bytes. `name` is the file's name as the user
/// gave it; it appears in errors and in every record's provenance.
///
/// Every record gets this file's name, SHA-256 and importer as its provenance; a record read
/// from JSON Lines keeps the source it claims as `derived_from` (see [`jsonl`]).
pub fn parse(format: Format, name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let mut parsed = match format {
        Format::WcdaPage => wcda_page::parse(name, bytes)?,
        Format::FrusTei => frus::parse(name, bytes)?,
        Format::WcdaJson => wcda_json::parse(name, bytes)?,
        Format::Csv => csv::parse(name, bytes)?,
        Format::Jsonl => return jsonl::parse(name, bytes),
    };
    let sha256 = sha256_hex(bytes);
    for record in &mut parsed.records {
        record.provenance.source_file = name.to_string();
        record.provenance.sha256.clone_from(&sha256);
        record.provenance.importer = format.importer().to_string();
    }
    check_ids(name, &parsed.records)?;
    Ok(parsed)
}

/// Every id must be URL-safe and appear once in a file.
fn check_ids(name: &str, records: &[Record]) -> Result<(), IngestError> {
    let mut seen = std::collections::HashSet::new();
    for r in records {
        let location = r
            .provenance
            .locator
            .clone()
            .unwrap_or_else(|| format!("record `{}`", r.id));
        if !is_url_safe_id(&r.id) {
            return Err(IngestError::malformed(
                name,
                location,
                format!(
                    "record id `{}` is not URL-safe (letters, digits, `-`, `_`, `.` only)",
                    r.id
                ),
            ));
        }
        if !seen.insert(r.id.as_str()) {
            return Err(IngestError::malformed(
                name,
                location,
                format!("record id `{}` appears more than once in this file", r.id),
            ));
        }
    }
    Ok(())
}

/// Whether an id may be used as is in a URL path segment: ASCII letters, digits, `-`, `_`, `.`.
pub fn is_url_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id != "."
        && id != ".."
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The bytes as UTF-8 without a byte-order mark, or an error naming the first bad line.
pub(crate) fn utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        IngestError::malformed(name, format!("line {line}"), "not valid UTF-8")
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}
