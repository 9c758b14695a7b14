//! Fonds' own record format as JSON Lines: one [`Record`] per line, as `fonds export` writes it.

use crate::model::Record;

use super::{IngestError, Parsed};

/// Reads one record per non-blank line. Records keep the provenance they carry.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let text = super::utf8(name, bytes)?;
    let mut parsed = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(line).map_err(|e| {
            IngestError::malformed(
                name,
                format!("line {lineno}, column {}", e.column()),
                e.to_string(),
            )
        })?;
        let at = |msg: String| IngestError::malformed(name, format!("line {lineno}"), msg);
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
        parsed.records.push(record);
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in parsed.records.iter().enumerate() {
        if !seen.insert(r.id.as_str()) {
            return Err(IngestError::malformed(
                name,
                format!("record {}", i + 1),
                format!("record id `{}` appears more than once in this file", r.id),
            ));
        }
    }
    Ok(parsed)
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
    fn provenance_is_kept() {
        let line = br#"{"id":"a-1","title":"One","provenance":{"source_file":"f.xml","sha256":"ab","importer":"frus-tei"}}"#;
        let parsed = parse("x.jsonl", line).unwrap();
        assert_eq!(parsed.records[0].provenance.importer, "frus-tei");
    }
}
