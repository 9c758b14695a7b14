//! Importers: one module per source format, each a pure function from bytes to records.
//!
//! [`detect`] names the format of a file from its name and first bytes; [`parse`] runs the
//! importer and stamps every record with its [`Provenance`](crate::model::Provenance) (file, SHA-256, importer). No
//! importer does I/O: the caller reads the file, and decides what to commit.

mod characters;
mod csv;
pub mod csv_reader;
mod error;
mod frus;
mod id_set;
pub mod jsonl;
pub mod limits;
mod line_reader;
mod wcda_json;
mod wcda_page;

pub use csv::CsvReader;
pub use error::IngestError;
pub use jsonl::JsonlReader;

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
///
/// A file in UTF-16 is given to the importer its extension names, which refuses it with a
/// word on its encoding.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
    let lower = name.to_ascii_lowercase();
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Some(Format::Jsonl);
    }
    if lower.ends_with(".xml") || head.starts_with("<?xml") || head.starts_with("<TEI") {
        // A UTF-16 volume cannot be told by its head; the importer says what it is.
        let utf16 = lower.ends_with(".xml") && looks_like_utf16(bytes);
        return (utf16 || head.contains("tei-c.org/ns/1.0")).then_some(Format::FrusTei);
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
    // A FRUS record's strings come from text already checked as it was read (raw, and every
    // reference as it was resolved): only their lengths are checked again.
    let characters = format != Format::FrusTei;
    for record in &parsed.records {
        let place = match &record.provenance.locator {
            Some(locator) => locator.clone(),
            None => format!("record `{}`", record.id),
        };
        limits::check_record(name, &place, record, characters)?;
    }
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

/// The bytes as UTF-8 without a byte-order mark, checked for refused characters
/// ([`characters`]); a warning is added to `diagnostics` when the text holds U+FFFD.
///
/// Errors name the line and column: of the first byte that is not UTF-8 (with a word on what
/// the file may be instead: UTF-16, Latin-1), or of the first refused character.
pub(crate) fn utf8<'a>(
    name: &str,
    bytes: &'a [u8],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<&'a str, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(name, bytes, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_characters(name, text, 1, diagnostics)?;
    Ok(text)
}

/// Checks a text for refused characters ([`characters::scan`]): an error naming the line
/// (counted from `first_line`) and column of the first, a warning for U+FFFD.
pub(crate) fn check_characters(
    name: &str,
    text: &str,
    first_line: u64,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), IngestError> {
    let scan = characters::scan(text);
    if let Some((at, c)) = scan.refused {
        return Err(IngestError::malformed(
            name,
            line_column_from(text.as_bytes(), at, first_line),
            refused_message(text.as_bytes(), c),
        ));
    }
    if let Some(at) = scan.first_replacement {
        diagnostics.push(replacement_warning(
            line_column_from(text.as_bytes(), at, first_line),
            scan.replacements,
        ));
    }
    Ok(())
}

/// The warning for text holding U+FFFD, placed at the first.
pub(crate) fn replacement_warning(location: String, count: usize) -> Diagnostic {
    let (n, them) = if count == 1 {
        ("1 replacement character".to_string(), "it is")
    } else {
        (format!("{count} replacement characters"), "they are")
    };
    Diagnostic {
        location,
        message: format!(
            "{n} (U+FFFD), the first here: the text was decoded lossily before it came to \
             Fonds; {them} kept as written"
        ),
    }
}

/// Why a refused character is refused, with a hint at what the file may be.
pub(crate) fn refused_message(bytes: &[u8], c: char) -> String {
    let what = characters::describe(c);
    if c == '\0' && looks_like_utf16(bytes) {
        return format!(
            "{what}: the file looks like UTF-16 without a byte-order mark; Fonds reads UTF-8 \
             only (convert it first, e.g. `iconv -f UTF-16LE -t UTF-8`)"
        );
    }
    if c == '\u{feff}' {
        return format!("{what}: was another file joined on here?");
    }
    format!("{what} is not allowed in imported text")
}

/// Whether the bytes look like UTF-16: a UTF-16 byte-order mark, or ASCII with a zero byte
/// beside every character at the start.
pub(crate) fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    head.len() >= 4
        && (head.chunks(2).all(|p| p[0] != 0 && p[1] == 0)
            || head.chunks(2).all(|p| p[0] == 0 && p[1] != 0))
}

/// The error for bytes that are not UTF-8, at the first bad byte.
fn not_utf8(name: &str, bytes: &[u8], e: std::str::Utf8Error) -> IngestError {
    if looks_like_utf16(bytes) {
        return IngestError::malformed(
            name,
            "line 1",
            "the file is UTF-16 (it has a UTF-16 byte-order mark or zero bytes between its \
             letters); Fonds reads UTF-8 only: convert it first, e.g. `iconv -f UTF-16 -t UTF-8`",
        );
    }
    let at = e.valid_up_to();
    let message = match e.error_len() {
        Some(_) => format!(
            "not valid UTF-8: the byte 0x{:02X} starts no UTF-8 character here; Fonds reads \
             UTF-8 only (is the file Latin-1 or Windows-1252? convert it first, e.g. \
             `iconv -f WINDOWS-1252 -t UTF-8`)",
            bytes[at]
        ),
        None => "not valid UTF-8: the file ends in the middle of a character (cut short?)".into(),
    };
    IngestError::malformed(name, line_column(bytes, at), message)
}

/// `line L, column C` of a byte offset: lines from 1, columns counting characters from 1.
pub(crate) fn line_column(bytes: &[u8], pos: usize) -> String {
    line_column_from(bytes, pos, 1)
}

/// [`line_column`] for bytes whose first line is line `first_line` of the file.
pub(crate) fn line_column_from(bytes: &[u8], pos: usize, first_line: u64) -> String {
    let pos = pos.min(bytes.len());
    let before = &bytes[..pos];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + first_line;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    format!("line {line}, column {column}")
}
