//! The limits every record is held to, whatever its format: the length of a text or a field,
//! the items of a list.
//!
//! Each is far above anything a real source holds (measured on the 25 FRUS volumes of the
//! shared corpus, the WCDA pages, JSON and CSV, and their JSON Lines export), so that only a
//! damaged or hostile file meets one; they keep one record from costing the store, the index or
//! a reader's page without bound. The limits of each format's own structure (nesting, attributes,
//! line length, records per file) are the constants at the top of its importer.
//!
//! [`check_record`] also refuses control characters in every string of a record, the net
//! under each importer's own checks: whatever path a character took into a field (a JSON
//! `\u0001` escape inside a CSV cell, an HTML `&#1;` inside a JSON string), it is caught here.

use crate::model::Record;

use super::{IngestError, characters};

/// The longest text body (a transcript or a translation), in bytes: 16 MiB. The longest in
/// the corpora is 290 KB (`frus1902app1-d7`, a 1,045-paragraph report).
pub const MAX_TEXT_BYTES: usize = 16 << 20;

/// The longest of any other string of a record (a title, a name, a note, an `extra` value),
/// in bytes: 1 MiB. The longest in the corpora is a 3.9 KB footnote (`frus1872p2v2-d37`);
/// titles reach 361 bytes.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// The most items of one list of a record (authors, recipients, subjects, places, people,
/// credits, languages, translators, texts, archival references, `extra` fields): 100,000. The
/// longest in the corpora is 27 authors (`frus1930v01-d106`); a record of 100,000 authors is
/// the heaviest page the reader is tested on (`tests/web_limits.rs`). An importer whose reading
/// of a list costs more than a pass holds it lower (FRUS: 1,000 names a document).
pub const MAX_LIST_ITEMS: usize = 100_000;

/// The most notes of one text: 10,000. The most in the corpora is 85 (`frus1897-d198`).
pub const MAX_NOTES: usize = 10_000;

/// A number with thousands separators: `16,777,216`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Checks a record against the limits above, and (with `characters`) every string in it for
/// refused characters ([`characters`]). `place` says where the record is (`line 3`, `row 2`, a
/// locator); errors add the field: `line 3, field `texts[0].body``.
pub(crate) fn check_record(
    file: &str,
    place: &str,
    record: &Record,
    characters: bool,
) -> Result<(), IngestError> {
    let mut check = Check {
        file,
        place,
        id: &record.id,
        characters,
    };
    let r = record;
    check.field(|| "id".into(), &r.id)?;
    check.field(|| "title".into(), &r.title)?;
    for (name, value) in [
        ("type", &r.doc_type),
        ("summary", &r.summary),
        ("place_written", &r.place_written),
        ("classification", &r.classification),
        ("citation", &r.citation),
        ("rights", &r.rights),
        ("source.url", &r.source.url),
        ("source.record_id", &r.source.record_id),
        ("source.uploaded", &r.source.uploaded),
        ("source.collection", &r.source.collection),
        ("provenance.locator", &r.provenance.locator),
    ] {
        if let Some(v) = value {
            check.field(|| name.into(), v)?;
        }
    }
    check.field(|| "source.name".into(), &r.source.name)?;
    check.field(
        || "provenance.source_file".into(),
        &r.provenance.source_file,
    )?;
    check.field(|| "provenance.sha256".into(), &r.provenance.sha256)?;
    check.field(|| "provenance.importer".into(), &r.provenance.importer)?;
    for (name, list) in [
        ("languages", &r.languages),
        ("authors", &r.authors),
        ("recipients", &r.recipients),
        ("subjects", &r.subjects),
        ("places", &r.places),
        ("people", &r.people),
        ("credits", &r.credits),
    ] {
        check.list(|| name.into(), list.len(), MAX_LIST_ITEMS)?;
        for (i, item) in list.iter().enumerate() {
            check.field(|| format!("{name}[{i}]"), item)?;
        }
    }
    check.list(|| "texts".into(), r.texts.len(), MAX_LIST_ITEMS)?;
    for (i, t) in r.texts.iter().enumerate() {
        check.field(|| format!("texts[{i}].lang"), &t.lang)?;
        check.text(|| format!("texts[{i}].body"), &t.body, MAX_TEXT_BYTES)?;
        check.list(
            || format!("texts[{i}].translators"),
            t.translators.len(),
            MAX_LIST_ITEMS,
        )?;
        for (j, name) in t.translators.iter().enumerate() {
            check.field(|| format!("texts[{i}].translators[{j}]"), name)?;
        }
        check.list(|| format!("texts[{i}].notes"), t.notes.len(), MAX_NOTES)?;
        for (j, note) in t.notes.iter().enumerate() {
            check.field(|| format!("texts[{i}].notes[{j}].n"), &note.n)?;
            check.field(|| format!("texts[{i}].notes[{j}].body"), &note.body)?;
        }
    }
    check.list(
        || "archival_refs".into(),
        r.archival_refs.len(),
        MAX_LIST_ITEMS,
    )?;
    for (i, a) in r.archival_refs.iter().enumerate() {
        check.field(|| format!("archival_refs[{i}].raw"), &a.raw)?;
        for (name, value) in [
            ("archive", &a.archive),
            ("fond", &a.fond),
            ("opis", &a.opis),
            ("delo", &a.delo),
            ("folios", &a.folios),
        ] {
            if let Some(v) = value {
                check.field(|| format!("archival_refs[{i}].{name}"), v)?;
            }
        }
    }
    check.list(|| "extra".into(), r.extra.len(), MAX_LIST_ITEMS)?;
    for (key, value) in &r.extra {
        check.field(|| "extra".into(), key)?;
        check.field(|| format!("extra.{key}"), value)?;
    }
    Ok(())
}

/// One record being checked.
struct Check<'a> {
    file: &'a str,
    place: &'a str,
    id: &'a str,
    /// Whether to look for refused characters too.
    characters: bool,
}

impl Check<'_> {
    fn error(&self, field: impl FnOnce() -> String, message: String) -> IngestError {
        let field = field();
        IngestError::malformed(
            self.file,
            format!("{}, field `{field}`", self.place),
            message,
        )
    }

    /// "record `x`: ", unless the place names the record already.
    fn record(&self) -> String {
        if self.place.starts_with("record `") || self.id.is_empty() {
            String::new()
        } else {
            format!(
                "record `{}`: ",
                self.id.chars().take(200).collect::<String>()
            )
        }
    }

    fn field(&mut self, name: impl FnOnce() -> String, value: &str) -> Result<(), IngestError> {
        self.text(name, value, MAX_FIELD_BYTES)
    }

    fn text(
        &mut self,
        name: impl FnOnce() -> String,
        value: &str,
        limit: usize,
    ) -> Result<(), IngestError> {
        if value.len() > limit {
            return Err(self.error(
                name,
                format!(
                    "{}{} bytes, longer than {} MiB (the limit)",
                    self.record(),
                    thousands(value.len()),
                    limit >> 20
                ),
            ));
        }
        if !self.characters {
            return Ok(());
        }
        if let Some((at, c)) = characters::first_refused(value) {
            let column = value[..at].chars().count() + 1;
            return Err(self.error(
                name,
                format!(
                    "{}{} at character {column} of the field",
                    self.record(),
                    characters::describe(c)
                ),
            ));
        }
        Ok(())
    }

    fn list(
        &mut self,
        name: impl FnOnce() -> String,
        len: usize,
        limit: usize,
    ) -> Result<(), IngestError> {
        if len > limit {
            return Err(self.error(
                name,
                format!(
                    "{}{} items, more than {} (the limit)",
                    self.record(),
                    thousands(len),
                    thousands(limit)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Note, Text, TextRole};

    fn record() -> Record {
        Record {
            id: "x-1".into(),
            title: "T".into(),
            ..Record::default()
        }
    }

    #[test]
    fn limits_and_characters_name_the_field() {
        assert!(check_record("f", "line 1", &record(), true).is_ok());
        let mut r = record();
        r.authors = vec!["A".into(); MAX_LIST_ITEMS + 1];
        assert_eq!(
            check_record("f.jsonl", "line 3", &r, true)
                .unwrap_err()
                .to_string(),
            "f.jsonl: line 3, field `authors`: record `x-1`: 100,001 items, more than 100,000 (the limit)"
        );
        let mut r = record();
        r.texts.push(Text {
            role: TextRole::Transcript,
            lang: "en".into(),
            body: "ok".into(),
            translators: vec![],
            notes: vec![Note {
                n: "1".into(),
                body: "a\u{1}b".into(),
            }],
        });
        assert_eq!(
            check_record("f.csv", "row 2", &r, true)
                .unwrap_err()
                .to_string(),
            "f.csv: row 2, field `texts[0].notes[0].body`: record `x-1`: a control character \
             (U+0001) at character 2 of the field"
        );
        let mut r = record();
        r.title = "t".repeat(MAX_FIELD_BYTES + 1);
        let err = check_record("f", "row 1", &r, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "field `title`: record `x-1`: 1,048,577 bytes, longer than 1 MiB (the limit)"
            ),
            "{err}"
        );
        assert_eq!(thousands(16 << 20), "16,777,216");
        assert_eq!(thousands(999), "999");
    }
}
