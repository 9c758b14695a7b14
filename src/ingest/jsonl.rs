//! Fonds' own record format as JSON Lines: one [`Record`] per line, as `fonds export` writes it.
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

use base64::Engine;

use crate::model::{Provenance, Record};

use super::{CarriedSource, IngestError, Parsed};

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

/// Reads one record per non-blank line (and the source files an export carries).
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let mut parsed = Parsed::default();
    let text = super::utf8(name, bytes, &mut parsed.diagnostics)?;
    let sha256 = super::sha256_hex(bytes);
    for (i, line) in text.lines().enumerate() {
        match parse_line(name, &sha256, i + 1, line)? {
            None => {}
            Some(Line::Record(record)) => parsed.records.push(*record),
            Some(Line::Source(source)) => parsed.carried.push(source),
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &parsed.records {
        if !seen.insert(r.id.as_str()) {
            return Err(IngestError::malformed(
                name,
                r.provenance.locator.clone().unwrap_or_default(),
                format!("record id `{}` appears more than once in this file", r.id),
            ));
        }
    }
    Ok(parsed)
}

/// Reads line `lineno` of the JSON Lines file `name` (whose SHA-256 is `sha256`): `None` for a
/// blank line.
pub fn parse_line(
    name: &str,
    sha256: &str,
    lineno: usize,
    line: &str,
) -> Result<Option<Line>, IngestError> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.trim().is_empty() {
        return Ok(None);
    }
    let at = |msg: String| IngestError::malformed(name, format!("line {lineno}"), msg);
    if line
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with(&format!("\"{SOURCE_KEY}\"")))
    {
        return carried_source(name, lineno, line).map(|s| Some(Line::Source(s)));
    }
    let mut record: Record = serde_json::from_str(line).map_err(|e| {
        IngestError::malformed(
            name,
            format!("line {lineno}, column {}", e.column()),
            e.to_string(),
        )
    })?;
    if record.id.trim().is_empty() {
        return Err(at("the record has no `id`".into()));
    }
    if record.title.trim().is_empty() {
        return Err(at(format!("record `{}` has no `title`", record.id)));
    }
    if !super::is_url_safe_id(&record.id) {
        return Err(at(format!(
            "record id `{}` is not URL-safe (letters, digits, `-`, `_`, `.` only)",
            record.id
        )));
    }
    let claimed = std::mem::take(&mut record.provenance);
    record.provenance = Provenance::of_json_lines(claimed, name, sha256, lineno);
    Ok(Some(Line::Record(Box::new(record))))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named() {
        let input = b"{\"id\":\"a-1\",\"title\":\"One\"}\n\n{\"id\":\"a-2\",\"title\":}\n";
        let err = parse("dump.jsonl", input).unwrap_err().to_string();
        assert!(err.starts_with("dump.jsonl: line 3, column"), "{err}");
    }

    #[test]
    fn records_without_a_title_are_refused() {
        let err = parse("x.jsonl", b"{\"id\":\"a-1\",\"title\":\" \"}")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "x.jsonl: line 1: record `a-1` has no `title`");
    }

    #[test]
    fn the_file_is_the_provenance_and_the_earlier_source_a_claim() {
        let line = br#"{"id":"a-1","title":"One","provenance":{"source_file":"f.xml","sha256":"ab","importer":"frus-tei","locator":"div[@xml:id='d1']"}}"#;
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
            ("f.xml", "ab")
        );
        assert!(first.derived_from.is_none());
        // Exported and read again: still the first source, not the intermediate file.
        let again = parsed.records[0].to_json_line();
        let parsed = parse("y.jsonl", again.as_bytes()).unwrap();
        let p = &parsed.records[0].provenance;
        assert_eq!(p.source_file, "y.jsonl");
        assert_eq!(p.derived_from.as_deref().unwrap().source_file, "f.xml");
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
