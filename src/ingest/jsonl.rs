//! Fonds' own record format as JSON Lines: one [`Record`] per line, as `fonds export` writes it,
//! read one line at a time ([`parse_line`], and [`JsonlReader`] over any reader).
//!
//! A record read from JSON Lines names the JSON Lines file as its provenance (file, SHA-256,
//! line), and keeps what it says of an earlier source as a claim, in `derived_from`
//! ([`Provenance::of_json_lines`]). An export made with `--with-sources` also carries source
//! files, one per line, before the records:
//!
//! ```json
//! {"fonds_source": {"sha256": "…", "path": "frus1894Nicaragua.xml", "importer": "frus-tei", "size": 1138076, "base64": "…"}}
//! ```
//!
//! whose bytes must hash to the SHA-256 the line gives; the store keeps them, which proves the
//! claims that name them.
//!
//! Blank lines are skipped. Every other line is one record (a JSON object in the record format,
//! README, "The record format", with an `id` and a `title`) or one carried source. A file is
//! refused, whole, at its first bad line: JSON that does not parse, a value of the wrong type
//! (named by its field, `texts[0].body`, and its record), a duplicate key, a record id that is
//! not URL-safe or appears twice in the file, a control character (raw, or escaped as
//! `\u0001`), a line or a record over the limits. An empty file is a valid dump of nothing (what
//! exporting an empty archive writes), and imports no record.

use std::collections::BTreeMap;
use std::io::BufRead;

use base64::Engine;

use crate::model::{Provenance, Record};

use super::characters::{describe, refusal};
use super::id_set::IdSet;
use super::limits::{check_record, thousands};
use super::line_reader::LineReader;
use super::{CarriedSource, Diagnostic, IngestError, Parsed};

/// The key of a line carrying a source file.
pub const SOURCE_KEY: &str = "fonds_source";

/// What one line of a JSON Lines file holds.
#[derive(Debug)]
pub enum Line {
    /// A record, its provenance already the JSON Lines file's.
    Record(Box<Record>),
    /// A source file carried by an export.
    Source(CarriedSource),
}

/// The longest line, in bytes: 64 MiB, checked while the line is read (a file without
/// newlines costs at most this much memory). The longest in the corpora's export is 293 KB
/// (`frus1902app1-d7`); a record at the limits of [`super::limits`] (two 16 MiB texts) fits.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Records in one file: 10,000,000. Exporting the 25 FRUS volumes writes 10,690; an archive of a
/// million records fits ten times. The duplicate-id check keeps 16 bytes a record (about
/// 190 MB at the limit).
pub const MAX_RECORDS: usize = 10_000_000;

/// How deep JSON may nest: serde_json's own limit, 128. A record nests 3 deep.
const MAX_JSON_DEPTH: usize = 128;

/// Reads a JSON Lines file one line at a time, from any [`BufRead`]: only one line is held in
/// memory, plus 16 bytes per record read for the duplicate-id check.
///
/// Each item is a record or a carried source, or the error that ends the file (after which the
/// reader yields nothing). Lines are numbered from 1 in errors; blank lines are skipped.
/// `sha256` is the whole file's, for the records' provenance.
///
/// ```
/// use fonds::ingest::jsonl::{JsonlReader, Line};
///
/// let input = "{\"id\":\"a-1\",\"title\":\"One\"}\n\n{\"id\":\"a-2\",\"title\":2}\n";
/// let mut reader = JsonlReader::new("dump.jsonl", "ab12", input.as_bytes());
/// let Some(Ok(Line::Record(first))) = reader.next() else { panic!() };
/// assert_eq!((first.id.as_str(), first.provenance.locator.as_deref()), ("a-1", Some("line 1")));
/// let err = reader.next().unwrap().unwrap_err().to_string();
/// assert!(err.starts_with("dump.jsonl: line 3, column 21: error when parsing field `title`"), "{err}");
/// assert!(reader.next().is_none());
/// ```
pub struct JsonlReader<R> {
    name: String,
    sha256: String,
    lines: LineReader<R>,
    ids: IdSet,
    records: usize,
    unknown: UnknownFields,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads `input`, the file `name` (as it appears in errors and provenance) whose SHA-256 is
    /// `sha256`.
    pub fn new(name: &str, sha256: &str, input: R) -> Self {
        JsonlReader {
            name: name.to_string(),
            sha256: sha256.to_string(),
            lines: LineReader::new(name, input, MAX_LINE_BYTES),
            ids: IdSet::default(),
            records: 0,
            unknown: UnknownFields::default(),
            done: false,
        }
    }

    /// The warnings about what was read so far: replacement characters (U+FFFD) in the text,
    /// and fields that are not part of the record format (ignored).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self.lines.replacement_warning().into_iter().collect();
        all.extend(self.unknown.diagnostics());
        all
    }

    /// The next record or carried source, `None` at the end of the file.
    fn read(&mut self) -> Result<Option<Line>, IngestError> {
        loop {
            let Some(line) = self.lines.next_line()? else {
                return Ok(None);
            };
            let name = self.name.as_str();
            let number = line.number as usize;
            let record = match parse_line(name, &self.sha256, number, line.text)? {
                None => continue,
                Some(Line::Record(record)) => record,
                Some(source) => return Ok(Some(source)),
            };
            self.unknown.note(number, line.text);
            self.records += 1;
            if self.records > MAX_RECORDS {
                return Err(IngestError::malformed(
                    name,
                    format!("line {number}"),
                    format!(
                        "more than {} records in one file (the limit)",
                        thousands(MAX_RECORDS)
                    ),
                ));
            }
            if !self.ids.insert(&record.id) {
                return Err(IngestError::malformed(
                    name,
                    format!("line {number}"),
                    format!(
                        "record id `{}` appears more than once in this file (an earlier line has it too)",
                        record.id
                    ),
                ));
            }
            return Ok(Some(Line::Record(record)));
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Line, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.read().transpose();
        if !matches!(item, Some(Ok(_))) {
            self.done = true;
        }
        item
    }
}

/// The top-level fields of the record format: what a line may hold besides them is ignored,
/// and [`UnknownFields`] says so.
const RECORD_FIELDS: &[&str] = &[
    "id",
    "title",
    "date",
    "type",
    "summary",
    "languages",
    "authors",
    "recipients",
    "place_written",
    "classification",
    "texts",
    "archival_refs",
    "citation",
    "rights",
    "source",
    "subjects",
    "places",
    "people",
    "credits",
    "extra",
    "provenance",
];

/// The fields of a file's records that are not part of the record format, which the import
/// ignores: a warning for each (a `"text"` for `"texts"` would otherwise lose a transcript
/// without a word). At most [`MAX_UNKNOWN_NAMES`] names are kept, each cut to 60 characters;
/// the rest are counted.
#[derive(Debug, Default)]
pub struct UnknownFields {
    /// Each unknown field: the first line it is on, and how many lines have it.
    seen: BTreeMap<String, (usize, usize)>,
    /// Lines with unknown fields beyond the names kept.
    more: usize,
}

/// How many distinct unknown field names one file's warnings name.
const MAX_UNKNOWN_NAMES: usize = 20;

impl UnknownFields {
    /// Notes the unknown top-level fields of record line `lineno`.
    pub fn note(&mut self, lineno: usize, line: &str) {
        let Ok(keys) = serde_json::from_str::<BTreeMap<String, serde::de::IgnoredAny>>(line) else {
            return;
        };
        for key in keys.into_keys() {
            if RECORD_FIELDS.contains(&key.as_str()) {
                continue;
            }
            let key: String = key.chars().take(60).collect();
            if let Some(entry) = self.seen.get_mut(&key) {
                entry.1 += 1;
            } else if self.seen.len() < MAX_UNKNOWN_NAMES {
                self.seen.insert(key, (lineno, 1));
            } else {
                self.more += 1;
            }
        }
    }

    /// One warning per unknown field (and one for those beyond the names kept).
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all: Vec<Diagnostic> = self
            .seen
            .iter()
            .map(|(key, (first, lines))| {
                let hint = RECORD_FIELDS
                    .iter()
                    .find(|known| is_likely_meant(known, key))
                    .map(|known| format!(" (did you mean `{known}`?)"))
                    .unwrap_or_default();
                Diagnostic {
                    location: format!("line {first}"),
                    message: format!(
                        "`{}` is not a field of the record format, and was ignored{}{hint}",
                        key.escape_debug(),
                        if *lines > 1 {
                            format!(" on {} lines", thousands(*lines))
                        } else {
                            String::new()
                        }
                    ),
                }
            })
            .collect();
        if self.more > 0 {
            all.push(Diagnostic {
                location: "the whole file".into(),
                message: format!(
                    "{} more fields outside the record format were ignored",
                    thousands(self.more)
                ),
            });
        }
        all
    }
}

/// Whether the unknown field `key` is likely a misspelling of `known`: the same but for case,
/// or (for names of 4 characters or more) one or two letters apart.
fn is_likely_meant(known: &str, key: &str) -> bool {
    if key.eq_ignore_ascii_case(known) {
        return true;
    }
    let len = key.chars().count();
    (4..=40).contains(&len) && edit_distance(known, key) <= if len < 6 { 1 } else { 2 }
}

/// Levenshtein distance, for short field names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Reads a whole JSON Lines file held in memory: [`JsonlReader`] over its bytes.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let sha256 = super::sha256_hex(bytes);
    let mut reader = JsonlReader::new(name, &sha256, bytes);
    let mut parsed = Parsed::default();
    for line in reader.by_ref() {
        match line? {
            Line::Record(record) => parsed.records.push(*record),
            Line::Source(source) => parsed.carried.push(source),
        }
    }
    parsed.diagnostics = reader.diagnostics();
    Ok(parsed)
}

/// Reads line `lineno` of the JSON Lines file `name` (whose SHA-256 is `sha256`): `None` for a
/// blank line. The line is checked for refused characters (raw and escaped), its record
/// against the limits ([`super::limits`]); its provenance is made the JSON Lines file's.
pub fn parse_line(
    name: &str,
    sha256: &str,
    lineno: usize,
    line: &str,
) -> Result<Option<Line>, IngestError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.len() > MAX_LINE_BYTES {
        // [`JsonlReader`] stops reading at the limit; a caller reading lines itself may not.
        return Err(IngestError::malformed(
            name,
            format!("line {lineno}"),
            format!(
                "a line longer than {} bytes (the limit)",
                thousands(MAX_LINE_BYTES)
            ),
        ));
    }
    if line.trim().is_empty() {
        return Ok(None);
    }
    let at = |column: usize| format!("line {lineno}, column {column}");
    if let Some((i, c)) = super::characters::first_refused(line) {
        return Err(IngestError::malformed(
            name,
            at(line[..i].chars().count() + 1),
            super::refused_message(line.as_bytes(), c),
        ));
    }
    if line
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with(&format!("\"{SOURCE_KEY}\"")))
    {
        return carried_source(name, lineno, line).map(|s| Some(Line::Source(s)));
    }
    if let Some((i, c)) = refused_escape(line) {
        return Err(IngestError::malformed(
            name,
            at(line[..i].chars().count() + 1),
            format!(
                "the escape `{}` is {}, which is not allowed in imported text",
                &line[i..i + 6],
                describe(c)
            ),
        ));
    }
    if let Some(first) = line.trim_start().chars().next()
        && first != '{'
    {
        return Err(IngestError::malformed(
            name,
            at(line.len() - line.trim_start().len() + 1),
            format!(
                "a line holds one record, a JSON object `{{…}}`; this one starts with `{first}`"
            ),
        ));
    }
    let mut record: Record =
        serde_json::from_str(line).map_err(|e| json_error(name, lineno, line, &e))?;
    let place = format!("line {lineno}");
    let fail = |msg: String| IngestError::malformed(name, &place, msg);
    if record.id.trim().is_empty() {
        return Err(fail("the record has no `id`".into()));
    }
    if record.title.trim().is_empty() {
        return Err(fail(format!("record `{}` has no `title`", record.id)));
    }
    if !super::is_url_safe_id(&record.id) {
        return Err(fail(format!(
            "record id `{}` is not URL-safe (letters, digits, `-`, `_`, `.` only, at most 200)",
            record.id.chars().take(200).collect::<String>()
        )));
    }
    let mut claimed = std::mem::take(&mut record.provenance);
    check_claimed_sha256(&mut claimed.sha256, "provenance.sha256", &record.id).map_err(&fail)?;
    if let Some(first) = claimed.derived_from.as_deref_mut() {
        check_claimed_sha256(
            &mut first.sha256,
            "provenance.derived_from.sha256",
            &record.id,
        )
        .map_err(&fail)?;
    }
    record.provenance = Provenance::of_json_lines(claimed, name, sha256, lineno);
    check_record(name, &place, &record, true)?;
    Ok(Some(Line::Record(Box::new(record))))
}

/// A claimed source's SHA-256: empty, or 64 hexadecimal digits (lowercased here).
fn check_claimed_sha256(sha256: &mut str, field: &str, id: &str) -> Result<(), String> {
    if sha256.is_empty() {
        return Ok(());
    }
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "record `{id}`: `{field}` is `{}`, not a SHA-256 (64 hexadecimal digits); leave it out if the source's hash is not known",
            sha256.chars().take(80).collect::<String>()
        ));
    }
    sha256.make_ascii_lowercase();
    Ok(())
}

/// A `{"fonds_source": {…}}` line: its bytes decoded and checked against its SHA-256.
fn carried_source(name: &str, lineno: usize, line: &str) -> Result<CarriedSource, IngestError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Carried {
        sha256: String,
        #[serde(default)]
        path: String,
        #[serde(default)]
        importer: String,
        size: u64,
        base64: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapper {
        fonds_source: Carried,
    }
    let at = |msg: String| IngestError::malformed(name, format!("line {lineno}"), msg);
    let c = serde_json::from_str::<Wrapper>(line)
        .map_err(|e| {
            IngestError::malformed(
                name,
                format!("line {lineno}, column {}", e.column()),
                format!("a carried source file: {e}"),
            )
        })?
        .fonds_source;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(c.base64.as_bytes())
        .map_err(|e| at(format!("the carried source file's base64 is broken: {e}")))?;
    let computed = super::sha256_hex(&bytes);
    if computed != c.sha256 {
        return Err(at(format!(
            "the carried source file's bytes hash to {computed}, not to the SHA-256 {} it gives",
            c.sha256
        )));
    }
    if bytes.len() as u64 != c.size {
        return Err(at(format!(
            "the carried source file has {} bytes, not the {} it gives",
            bytes.len(),
            c.size
        )));
    }
    Ok(CarriedSource {
        sha256: c.sha256,
        path: c.path,
        importer: c.importer,
        bytes,
    })
}

/// The first `\uXXXX` escape of a JSON text that stands for a refused character, with its byte
/// offset. (Surrogates are left to the JSON parser, which refuses lone ones.)
fn refused_escape(line: &str) -> Option<(usize, char)> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = line[from..].find('\\') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'u')
            && let Some(hex) = line.get(at + 2..at + 6)
            && let Ok(code) = u32::from_str_radix(hex, 16)
            && let Some(c) = char::from_u32(code)
            && refusal(c).is_some()
        {
            return Some((at, c));
        }
        // Past the escaped character: `\\u0001` is a backslash, then text. It may be any
        // character (`\в` in a broken line), so step over all of its bytes.
        from = at + 1 + line[at + 1..].chars().next().map_or(0, char::len_utf8);
    }
    None
}

/// A JSON error in words, placed by line and column, naming the field and the record when the
/// JSON is well-formed but a value is not what the record format wants.
fn json_error(name: &str, number: usize, line: &str, e: &serde_json::Error) -> IngestError {
    let place = format!("line {number}, column {}", e.column());
    let bare = bare_message(e);
    let message = match e.classify() {
        serde_json::error::Category::Data => {
            let mut de = serde_json::Deserializer::from_str(line);
            let field = match serde_path_to_error::deserialize::<_, Record>(&mut de) {
                Err(err) => err.path().to_string(),
                Ok(_) => String::new(),
            };
            let id = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string))
                .map(|id| format!(" in record `{}`", id.chars().take(200).collect::<String>()))
                .unwrap_or_default();
            if field.is_empty() || field == "." {
                format!("{bare}{id}")
            } else {
                format!("error when parsing field `{field}`{id}: {bare}")
            }
        }
        _ if bare == "recursion limit exceeded" => {
            format!("arrays and objects nested deeper than {MAX_JSON_DEPTH} (the limit)")
        }
        _ if bare.contains("surrogate") || bare == "unexpected end of hex escape" => format!(
            "{bare}: a `\\uD800`–`\\uDFFF` escape must be one half of a surrogate pair, and \
             this one is alone"
        ),
        _ => bare,
    };
    IngestError::malformed(name, place, message)
}

/// serde_json's message without the " at line L column C" it appends.
fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn fields_outside_the_record_format_are_ignored_with_a_warning() {
        let input = b"{\"id\":\"a-1\",\"title\":\"One\",\"text\":\"lost\"}\n{\"id\":\"a-2\",\"title\":\"Two\",\"text\":\"lost\",\"x_note\":1}\n";
        let parsed = parse("x.jsonl", input).unwrap();
        assert_eq!(parsed.records.len(), 2);
        let warnings: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.location, d.message))
            .collect();
        assert_eq!(
            warnings,
            [
                "line 1: `text` is not a field of the record format, and was ignored on 2 lines (did you mean `texts`?)",
                "line 2: `x_note` is not a field of the record format, and was ignored",
            ]
        );
    }

    #[test]
    fn unknown_field_warnings_are_capped_and_hint_only_at_near_misses() {
        let mut line =
            String::from("{\"id\":\"a-1\",\"title\":\"One\",\"TEXTS\":1,\"\":2,\"f0\":3");
        for i in 0..100 {
            line.push_str(&format!(",\"x{i:03}\":{i}"));
        }
        line.push('}');
        let parsed = parse("x.jsonl", line.as_bytes()).unwrap();
        let warnings: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(warnings.len(), MAX_UNKNOWN_NAMES + 1, "{warnings:?}");
        assert!(warnings.contains(
            &"`TEXTS` is not a field of the record format, and was ignored (did you mean `texts`?)"
        ));
        assert!(warnings.contains(&"`` is not a field of the record format, and was ignored"));
        assert!(warnings.contains(&"`f0` is not a field of the record format, and was ignored"));
        assert!(
            warnings.contains(&"83 more fields outside the record format were ignored"),
            "{warnings:?}"
        );
    }

    #[test]
    fn every_field_a_record_serializes_to_is_a_field_of_the_record_format() {
        // Guards RECORD_FIELDS against a field added to `Record`: the bundled corpus, whose
        // records use every field between them, exported and read back without a warning.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                let name = path.display().to_string();
                let Some(format) = crate::ingest::detect(&name, &bytes) else {
                    continue;
                };
                let Ok(parsed) = crate::ingest::parse(format, &name, &bytes) else {
                    continue;
                };
                for record in parsed.records {
                    let value = serde_json::to_value(&record).unwrap();
                    seen.extend(value.as_object().unwrap().keys().cloned());
                }
            }
        }
        for key in &seen {
            assert!(
                RECORD_FIELDS.contains(&key.as_str()),
                "`{key}` is missing from RECORD_FIELDS"
            );
        }
        assert!(seen.len() >= 15, "{seen:?}");
    }

    use super::*;

    fn err(input: &str) -> String {
        parse("x.jsonl", input.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn a_backslash_before_a_multibyte_character_is_an_error_not_a_panic() {
        // Found by the jsonl fuzz target: the escape scan stepped into the middle of `в`.
        assert_eq!(refused_escape("{\"ad\\\u{432}\\u0001"), Some((7, '\u{1}')));
        assert_eq!(refused_escape("\\\u{432}"), None);
        assert_eq!(refused_escape("a\\"), None);
        assert!(err("{\"ad\\\\\\\u{432}\u{430}\"}").starts_with("x.jsonl: line 1"));
    }

    #[test]
    fn a_bad_line_is_named() {
        let input = b"{\"id\":\"a-1\",\"title\":\"One\"}\n\n{\"id\":\"a-2\",\"title\":}\n";
        let err = parse("dump.jsonl", input).unwrap_err().to_string();
        assert!(err.starts_with("dump.jsonl: line 3, column"), "{err}");
    }

    #[test]
    fn records_without_a_title_are_refused() {
        assert_eq!(
            err("{\"id\":\"a-1\",\"title\":\" \"}"),
            "x.jsonl: line 1: record `a-1` has no `title`"
        );
    }

    #[test]
    fn wrong_types_name_the_field_and_the_record() {
        assert_eq!(
            err(r#"{"id":"a-1","title":"T","authors":"Stalin"}"#),
            "x.jsonl: line 1, column 42: error when parsing field `authors` in record `a-1`: \
             invalid type: string \"Stalin\", expected a sequence"
        );
        assert_eq!(
            err(r#"{"id":"a-1","title":"T","texts":[{"role":"transcript","lang":"en","body":5}]}"#),
            "x.jsonl: line 1, column 74: error when parsing field `texts[0].body` in record \
             `a-1`: invalid type: integer `5`, expected a string"
        );
        assert!(err(r#"{"id":"a-1","title":"T","title":"U"}"#).contains("duplicate field `title`"));
        assert!(err(r#"{"id":"a-1","title":null}"#).contains("field `title`"));
        assert!(err(r#"{"id":"a-1","title":"T","date":1e999}"#).contains("number out of range"));
    }

    #[test]
    fn escapes_of_controls_and_lone_surrogates_are_refused() {
        assert_eq!(
            err("{\"id\":\"a-1\",\"title\":\"a\\u0007\"}"),
            "x.jsonl: line 1, column 23: the escape `\\u0007` is a control character (U+0007), \
             which is not allowed in imported text"
        );
        // An escaped backslash before `u` is no escape.
        assert!(parse("x.jsonl", br#"{"id":"a-1","title":"C:\\u0007"}"#).is_ok());
        assert!(err(r#"{"id":"a-1","title":"\uD800"}"#).contains("alone"));
    }

    #[test]
    fn duplicate_ids_and_deep_json_are_refused() {
        assert_eq!(
            err("{\"id\":\"a-1\",\"title\":\"T\"}\n{\"id\":\"a-1\",\"title\":\"U\"}\n"),
            "x.jsonl: line 2: record id `a-1` appears more than once in this file (an earlier \
             line has it too)"
        );
        // Deep JSON: in a field of the record, a wrong type; in a field the format does not
        // have, skipped by serde_json without recursion.
        let deep = |field: &str| {
            format!(
                "{{\"id\":\"a-1\",\"title\":\"T\",\"{field}\":{}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
        };
        assert!(err(&deep("authors")).contains("error when parsing field `authors[0]`"));
        assert!(parse("x.jsonl", deep("unknown").as_bytes()).is_ok());
        assert!(parse("x.jsonl", b"").unwrap().records.is_empty());
    }

    #[test]
    fn the_file_is_the_provenance_and_the_earlier_source_a_claim() {
        let line = br#"{"id":"a-1","title":"One","provenance":{"source_file":"f.xml","sha256":"AB00000000000000000000000000000000000000000000000000000000000000","importer":"frus-tei","locator":"div[@xml:id='d1']"}}"#;
        let parsed = parse("x.jsonl", line).unwrap();
        let p = &parsed.records[0].provenance;
        assert_eq!(
            (p.source_file.as_str(), p.importer.as_str()),
            ("x.jsonl", "jsonl")
        );
        assert_eq!(p.sha256, crate::ingest::sha256_hex(line));
        assert_eq!(p.locator.as_deref(), Some("line 1"));
        let first = p.derived_from.as_deref().unwrap();
        assert_eq!(
            (first.source_file.as_str(), first.sha256.as_str()),
            (
                "f.xml",
                "ab00000000000000000000000000000000000000000000000000000000000000"
            )
        );
        assert!(first.derived_from.is_none());
        // Exported and read again: still the first source, not the intermediate file.
        let again = parsed.records[0].to_json_line();
        let parsed = parse("y.jsonl", again.as_bytes()).unwrap();
        let p = &parsed.records[0].provenance;
        assert_eq!(p.source_file, "y.jsonl");
        assert_eq!(p.derived_from.as_deref().unwrap().source_file, "f.xml");
        // A claim must be a SHA-256.
        let short = br#"{"id":"a-1","title":"One","provenance":{"source_file":"f.xml","sha256":"00","importer":"frus-tei"}}"#;
        let e = parse("x.jsonl", short).unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("`provenance.sha256` is `00`, not a SHA-256"),
            "{e}"
        );
        // A hand-made record claims nothing.
        let parsed = parse("z.jsonl", br#"{"id":"a-1","title":"One"}"#).unwrap();
        assert!(parsed.records[0].provenance.derived_from.is_none());
    }

    #[test]
    fn carried_sources_are_checked_against_their_hash() {
        let bytes = b"<TEI/>";
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let sha = crate::ingest::sha256_hex(bytes);
        let good = format!(
            r#"{{"fonds_source": {{"sha256": "{sha}", "path": "v.xml", "importer": "frus-tei", "size": 6, "base64": "{b64}"}}}}"#
        );
        let parsed = parse("e.jsonl", good.as_bytes()).unwrap();
        assert_eq!(parsed.carried[0].bytes, bytes);
        assert!(parsed.records.is_empty());
        let bad = good.replace(
            &b64,
            &base64::engine::general_purpose::STANDARD.encode(b"<TEI/ "),
        );
        let err = parse("e.jsonl", bad.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains("e.jsonl: line 1: the carried source file's bytes hash to"),
            "{err}"
        );
    }
}
