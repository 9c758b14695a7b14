//! CSV metadata with a header row: the WCDA scrape's columns, or Fonds' own field names.
//!
//! One record per row. Which columns are read is decided by the header (names compared
//! without case): a `record_id` column means the WCDA scrape's layout, an `id` column Fonds'
//! own; a file with neither is refused. Every column lands somewhere: those not named below are
//! kept in the record's `extra` under their header name. List values are a JSON array
//! (`["Japan", "Taiwan"]`) or, in Fonds' layout, items separated by `;`.
//!
//! **WCDA scrape** (`record_id`, 23 columns): `record_id` → id `wcda-<record_id>` and the
//! source's record id; `document_url` → source URL; `original_publication_date` → date (read
//! as text); `title`; `summary`; `rights`; `original_classification` → classification;
//! `authors` → authors; `associated_places` → places; `subjects_discussed` → subjects;
//! `associated_people_orgs` → people; `credits` and `donors` → credits; `language` →
//! languages (ISO 639-1); `original_upload_date` → the source's upload date; `source` →
//! archival references (the citation is parsed; a reference that does not parse is kept raw
//! with the archive named by `original_archive_title`), its "Contributed/translated by …"
//! sentences → credits and the translators; `text_body` → the English text: the transcript
//! when the original is English, else a translation into English by those translators, one
//! paragraph per line, with trailing "[1] …" footnote lines as notes;
//! `original_archive_title`, `document_contributors`, `scraped_at`, `page_number`,
//! `page_number_one_indexed`, `page_position` → `extra` (lists joined by "; ").
//!
//! **Fonds' own** (`id`): `id`, `title` (both required), `date` (ISO 8601 or as written),
//! `type`, `summary`, `languages` (names or codes), `authors`, `recipients`, `place_written`,
//! `classification`, `archival_refs` (each parsed, kept raw), `citation`, `rights`,
//! `source_name`, `source_url`, `source_record_id`, `source_uploaded`, `source_collection`,
//! `subjects`, `places`, `people`, `credits`, `transcript` and `transcript_lang`,
//! `translation`, `translation_lang` and `translators` (texts: paragraphs separated by a blank
//! line). Values are checked: a date, a language or a list that cannot be read is an error.
//!
//! Errors name the row (1 is the first row after the header) and the column.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::model::{
    ArchivalRef, Note, PartialDate, Record, Source, Text, TextRole, detect_script_lang, iso639_1,
};

use super::csv_reader::CsvRows;
use super::id_set::IdSet;
use super::limits::{MAX_FIELD_BYTES, MAX_LIST_ITEMS, check_record, thousands};
use super::wcda_page::{SOURCE_NAME, archive_abbreviation, dedup, language_codes, split_credits};
use super::{Diagnostic, IngestError, Parsed};

/// Rows in one file: 1,000,000. The WCDA scrape's sample has 11 (the whole archive is some
/// 10,000 documents).
pub const MAX_ROWS: usize = 1_000_000;

/// The columns that hold a text body (up to [`super::limits::MAX_TEXT_BYTES`]); every other
/// cell is a field ([`MAX_FIELD_BYTES`]).
const TEXT_COLUMNS: [&str; 3] = ["text_body", "transcript", "translation"];

/// Reads a CSV file with a header row: [`CsvReader`] over its bytes.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let mut reader = CsvReader::new(name, bytes);
    let records = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed {
        records,
        diagnostics: reader.diagnostics(),
        ..Parsed::default()
    })
}

/// Reads a CSV file one record at a time (one row each) from any [`BufRead`]: rows strictly
/// as RFC 4180 has them ([`super::csv_reader`]), the header first.
///
/// Each item is a record, or the error that ends the file (after which the reader yields
/// nothing). Records carry their row as their locator (`row 3`); the caller stamps the rest of
/// their provenance. A file with a header and no rows is valid and holds no record; an empty
/// file is an error.
///
/// ```
/// use fonds::ingest::CsvReader;
///
/// let csv = "id,title\na-1,One\na-2,\"Two, \"\"quoted\"\"\"\na-3,\"Three\n";
/// let mut reader = CsvReader::new("m.csv", csv.as_bytes());
/// assert_eq!(reader.next().unwrap().unwrap().title, "One");
/// assert_eq!(reader.next().unwrap().unwrap().title, "Two, \"quoted\"");
/// let err = reader.next().unwrap().unwrap_err().to_string();
/// assert_eq!(
///     err,
///     "m.csv: row 3, column \"title\" (line 4, column 5): the quote opened here is never \
///      closed: a field quoted at its start must end with a quote (a quote inside it is \
///      written twice: \"\")"
/// );
/// ```
pub struct CsvReader<R> {
    name: String,
    rows: CsvRows<R>,
    /// The header, lowercased and trimmed, once read.
    header: Option<Vec<String>>,
    wcda: bool,
    ids: IdSet,
    diagnostics: Vec<Diagnostic>,
    done: bool,
}

impl<R: BufRead> CsvReader<R> {
    /// Reads `input`, the file `name` (as it appears in errors).
    pub fn new(name: &str, input: R) -> Self {
        CsvReader {
            name: name.to_string(),
            rows: CsvRows::new(name, input),
            header: None,
            wcda: false,
            ids: IdSet::default(),
            diagnostics: Vec::new(),
            done: false,
        }
    }

    /// The warnings about what was read so far: values kept raw, U+FFFD in the text.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.diagnostics.clone();
        all.extend(self.rows.replacement_warning());
        all
    }

    /// Reads and checks the header: every column named, once; an `id` or a `record_id` column.
    fn header(&mut self) -> Result<(), IngestError> {
        let Some(row) = self.rows.next_row()? else {
            return Err(IngestError::malformed(
                &self.name,
                "line 1",
                "the file is empty: a CSV file starts with a header row naming its columns",
            ));
        };
        let header: Vec<String> = row.fields.iter().map(|h| h.trim().to_lowercase()).collect();
        for (i, h) in header.iter().enumerate() {
            if h.is_empty() {
                return Err(IngestError::malformed(
                    &self.name,
                    format!("header (line {})", row.line),
                    format!(
                        "column {} has no name: its values would have nowhere to go",
                        i + 1
                    ),
                ));
            }
            if let Some(j) = header[..i].iter().position(|other| other == h) {
                return Err(IngestError::malformed(
                    &self.name,
                    format!("header (line {})", row.line),
                    format!(
                        "the column \"{h}\" appears twice (columns {} and {}): which value \
                         would a record take?",
                        j + 1,
                        i + 1
                    ),
                ));
            }
        }
        self.wcda = header.iter().any(|h| h == "record_id");
        if !self.wcda && !header.iter().any(|h| h == "id") {
            return Err(IngestError::malformed(
                &self.name,
                "header",
                "no `id` column (Fonds' own layout) and no `record_id` column (WCDA scrape): \
                 cannot tell the records apart",
            ));
        }
        self.header = Some(header);
        Ok(())
    }

    fn read(&mut self) -> Result<Option<Record>, IngestError> {
        if self.header.is_none() {
            self.header()?;
        }
        let Some(row) = self.rows.next_row()? else {
            return Ok(None);
        };
        let n = row.number;
        if n > MAX_ROWS {
            return Err(IngestError::malformed(
                &self.name,
                format!("row {n} (line {})", row.line),
                format!(
                    "more than {} rows in one file (the limit)",
                    thousands(MAX_ROWS)
                ),
            ));
        }
        let header = self.header.as_deref().unwrap_or_default();
        // A cell that is no text body is held to a field's length before it is read (parsing
        // megabytes as archival references would take seconds, only to refuse them after).
        for (h, v) in header.iter().zip(&row.fields) {
            if v.len() > MAX_FIELD_BYTES && !TEXT_COLUMNS.contains(&h.as_str()) {
                return Err(IngestError::malformed(
                    &self.name,
                    format!("row {n}, column \"{h}\" (line {})", row.line),
                    format!(
                        "{} bytes, longer than {} MiB (the limit for a field that is no text)",
                        thousands(v.len()),
                        MAX_FIELD_BYTES >> 20
                    ),
                ));
            }
        }
        let cells = Row {
            file: &self.name,
            n,
            cells: header
                .iter()
                .zip(row.fields.iter())
                .map(|(h, v)| (h.as_str(), v.as_str()))
                .collect(),
        };
        let mut record = if self.wcda {
            wcda_row(&cells, &mut self.diagnostics)?
        } else {
            fonds_row(&cells)?
        };
        let place = format!("row {n}");
        if !self.ids.insert(&record.id) {
            return Err(IngestError::malformed(
                &self.name,
                &place,
                format!(
                    "record id `{}` appears more than once in this file (an earlier row has it too)",
                    record.id
                ),
            ));
        }
        check_record(&self.name, &place, &record, true)?;
        record.provenance.locator = Some(place);
        Ok(Some(record))
    }
}

impl<R: BufRead> Iterator for CsvReader<R> {
    type Item = Result<Record, IngestError>;

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

/// One row's cells by column name, in header order.
struct Row<'a> {
    file: &'a str,
    n: usize,
    cells: Vec<(&'a str, &'a str)>,
}

impl Row<'_> {
    /// A cell's trimmed value; `None` when absent or empty.
    fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .iter()
            .find(|(h, _)| *h == column)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first of several column names present with a value.
    fn any(&self, columns: &[&str]) -> Option<&str> {
        columns.iter().find_map(|c| self.get(c))
    }

    fn error(&self, column: &str, message: impl Into<String>) -> IngestError {
        IngestError::malformed(
            self.file,
            format!("row {}, column \"{column}\"", self.n),
            message,
        )
    }

    fn location(&self, column: &str) -> String {
        format!("row {}, column \"{column}\"", self.n)
    }

    /// A required cell.
    fn required(&self, column: &str) -> Result<&str, IngestError> {
        self.get(column)
            .ok_or_else(|| self.error(column, "empty, but every record needs it"))
    }

    /// A list cell: a JSON array of strings, or (with `split`) items separated by `;`.
    fn list(&self, column: &str, split: bool) -> Result<Vec<String>, IngestError> {
        let items = self.list_items(column, split)?;
        if items.len() > MAX_LIST_ITEMS {
            return Err(self.error(
                column,
                format!(
                    "{} items, more than {} (the limit)",
                    thousands(items.len()),
                    thousands(MAX_LIST_ITEMS)
                ),
            ));
        }
        Ok(items)
    }

    fn list_items(&self, column: &str, split: bool) -> Result<Vec<String>, IngestError> {
        let Some(v) = self.get(column) else {
            return Ok(Vec::new());
        };
        if v.starts_with('[') {
            let items: Vec<String> = serde_json::from_str(v)
                .map_err(|e| self.error(column, format!("not a JSON array of strings: {e}")))?;
            return Ok(items
                .into_iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect());
        }
        Ok(if split {
            v.split(';')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        } else {
            vec![v.to_string()]
        })
    }

    /// The cells of columns not in `used`, for `extra`.
    fn rest(&self, used: &[&str]) -> BTreeMap<String, String> {
        self.cells
            .iter()
            .filter(|(h, v)| !used.contains(h) && !h.is_empty() && !v.trim().is_empty())
            .map(|(h, v)| (h.to_string(), v.trim().to_string()))
            .collect()
    }
}

/// The WCDA scrape's columns read by name; all others go to `extra`.
const WCDA_COLUMNS: &[&str] = &[
    "record_id",
    "document_url",
    "original_publication_date",
    "title",
    "credits",
    "text_body",
    "summary",
    "authors",
    "associated_places",
    "subjects_discussed",
    "associated_people_orgs",
    "source",
    "original_upload_date",
    "language",
    "rights",
    "original_classification",
    "donors",
];

/// A row of the WCDA scrape.
fn wcda_row(row: &Row<'_>, diagnostics: &mut Vec<Diagnostic>) -> Result<Record, IngestError> {
    let record_id = row.required("record_id")?.to_string();
    let mut r = Record {
        id: format!("wcda-{record_id}"),
        title: row.required("title")?.to_string(),
        summary: row.get("summary").map(str::to_string),
        rights: row.get("rights").map(str::to_string),
        classification: row.get("original_classification").map(str::to_string),
        authors: row.list("authors", false)?,
        places: row.list("associated_places", false)?,
        subjects: row.list("subjects_discussed", false)?,
        people: row.list("associated_people_orgs", false)?,
        ..Record::default()
    };
    r.extra = row.rest(WCDA_COLUMNS);
    for column in ["original_archive_title", "document_contributors"] {
        if row.get(column).is_some() {
            r.extra
                .insert(column.to_string(), row.list(column, false)?.join("; "));
        }
    }

    if let Some(d) = row.get("original_publication_date") {
        r.date = PartialDate::parse_text(d);
        if r.date.is_none() {
            diagnostics.push(Diagnostic {
                location: row.location("original_publication_date"),
                message: format!("`{d}` is not a date; kept in extra"),
            });
            r.extra
                .insert("original_publication_date".to_string(), d.to_string());
        }
    }

    let languages = row.list("language", false)?.join(", ");
    let (codes, unknown) = language_codes(&languages);
    r.languages = codes;
    if !unknown.is_empty() {
        diagnostics.push(Diagnostic {
            location: row.location("language"),
            message: format!("unknown language: {}", unknown.join(", ")),
        });
        r.extra.insert("language".to_string(), unknown.join("; "));
    }

    let mut credits = row.list("credits", false)?;
    let mut translators = Vec::new();
    if let Some(source) = row.get("source") {
        let (refs_part, source_credits, names) = split_credits(source);
        let archive_title = row.list("original_archive_title", false)?;
        let archive = archive_title.first().map(|t| archive_abbreviation(t));
        let mut refs = ArchivalRef::parse_all(refs_part);
        if refs.is_empty() && !refs_part.is_empty() {
            refs.push(ArchivalRef {
                raw: refs_part.trim_end_matches('.').to_string(),
                ..ArchivalRef::default()
            });
        }
        for reference in &mut refs {
            if reference.archive.is_none() {
                reference.archive.clone_from(&archive);
            }
        }
        r.archival_refs = refs;
        credits.extend(source_credits);
        translators = names;
    }
    credits.extend(row.list("donors", false)?);
    r.credits = dedup(credits);

    if let Some(body) = row.get("text_body") {
        let original_en = r.languages.is_empty() || r.languages.iter().any(|l| l == "en");
        let (body, notes) = body_and_footnotes(body);
        r.texts.push(Text {
            role: if original_en {
                TextRole::Transcript
            } else {
                TextRole::Translation
            },
            lang: "en".to_string(),
            body,
            translators: if original_en {
                Vec::new()
            } else {
                dedup(translators)
            },
            notes,
        });
    }

    let uploaded = row.get("original_upload_date");
    r.source = Source {
        name: SOURCE_NAME.to_string(),
        url: row.get("document_url").map(str::to_string),
        record_id: Some(record_id),
        uploaded: uploaded
            .map(|u| PartialDate::parse_text(u).map_or_else(|| u.to_string(), |d| d.to_string())),
        collection: None,
    };
    Ok(r)
}

/// A scraped body: one paragraph per line; trailing "[1] …" lines become notes.
fn body_and_footnotes(text: &str) -> (String, Vec<Note>) {
    let mut lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut notes = Vec::new();
    while let Some(last) = lines.last() {
        let Some((mark, rest)) = last
            .strip_prefix('[')
            .and_then(|l| l.split_once(']'))
            .filter(|(mark, rest)| {
                !mark.is_empty()
                    && mark.chars().all(|c| c.is_ascii_digit())
                    && !rest.trim().is_empty()
            })
        else {
            break;
        };
        notes.push(Note {
            n: mark.to_string(),
            body: rest.trim().to_string(),
        });
        lines.pop();
    }
    notes.reverse();
    (Text::join_paragraphs(lines), notes)
}

/// Fonds' own columns read by name; all others go to `extra`.
const FONDS_COLUMNS: &[&str] = &[
    "id",
    "title",
    "date",
    "type",
    "doc_type",
    "summary",
    "languages",
    "language",
    "authors",
    "recipients",
    "place_written",
    "classification",
    "archival_refs",
    "citation",
    "rights",
    "source_name",
    "source_url",
    "source_record_id",
    "source_uploaded",
    "source_collection",
    "subjects",
    "places",
    "people",
    "credits",
    "transcript",
    "transcript_lang",
    "translation",
    "translation_lang",
    "translators",
];

/// A row in Fonds' own field names.
fn fonds_row(row: &Row<'_>) -> Result<Record, IngestError> {
    let date = match row.get("date") {
        None => None,
        Some(d) => Some(
            d.parse::<PartialDate>()
                .ok()
                .or_else(|| PartialDate::parse_text(d))
                .ok_or_else(|| row.error("date", format!("`{d}` is not a date")))?,
        ),
    };
    let language_column = if row.get("languages").is_some() {
        "languages"
    } else {
        "language"
    };
    let mut languages = Vec::new();
    for name in row.list(language_column, true)? {
        let code = iso639_1(&name)
            .ok_or_else(|| row.error(language_column, format!("unknown language `{name}`")))?;
        if !languages.iter().any(|l| l == code) {
            languages.push(code.to_string());
        }
    }
    let mut archival_refs = Vec::new();
    for raw in row.list("archival_refs", true)? {
        let refs = ArchivalRef::parse_all(&raw);
        if refs.is_empty() {
            archival_refs.push(ArchivalRef {
                raw,
                ..ArchivalRef::default()
            });
        } else {
            archival_refs.extend(refs);
        }
    }
    let mut texts = Vec::new();
    for (column, role) in [
        ("transcript", TextRole::Transcript),
        ("translation", TextRole::Translation),
    ] {
        let Some(body) = row.get(column) else {
            continue;
        };
        let lang_column = format!("{column}_lang");
        let lang = match row.get(&lang_column) {
            Some(l) => iso639_1(l)
                .ok_or_else(|| row.error(&lang_column, format!("unknown language `{l}`")))?,
            None if role == TextRole::Transcript && !languages.is_empty() => languages[0].as_str(),
            None => detect_script_lang(body).unwrap_or("und"),
        }
        .to_string();
        texts.push(Text {
            role,
            lang,
            body: Text::join_paragraphs(body.split("\n\n")),
            translators: if role == TextRole::Translation {
                row.list("translators", true)?
            } else {
                Vec::new()
            },
            notes: Vec::new(),
        });
    }
    let text = |c: &str| row.get(c).map(str::to_string);
    Ok(Record {
        id: row.required("id")?.to_string(),
        title: row.required("title")?.to_string(),
        date,
        doc_type: row.any(&["type", "doc_type"]).map(str::to_string),
        summary: text("summary"),
        languages,
        authors: row.list("authors", true)?,
        recipients: row.list("recipients", true)?,
        place_written: text("place_written"),
        classification: text("classification"),
        texts,
        archival_refs,
        citation: text("citation"),
        rights: text("rights"),
        source: Source {
            name: text("source_name").unwrap_or_default(),
            url: text("source_url"),
            record_id: text("source_record_id"),
            uploaded: text("source_uploaded"),
            collection: text("source_collection"),
        },
        subjects: row.list("subjects", true)?,
        places: row.list("places", true)?,
        people: row.list("people", true)?,
        credits: row.list("credits", true)?,
        extra: row.rest(FONDS_COLUMNS),
        ..Record::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonds_columns_by_hand() {
        let csv = "id,title,date,type,languages,authors,archival_refs,transcript,translation,translators,box\n\
                   doc-1,A letter,13 July 1950,Letter,\"Russian; English\",\"[\"\"Filippov [Stalin]\"\"]\",\"RGASPI, f. 558, op. 11, d. 334, l. 85; Private papers\",\"Текст.\n\nВторой.\",Text.,Gary Goldberg,12\n";
        let parsed = parse("m.csv", csv.as_bytes()).unwrap();
        let r = &parsed.records[0];
        assert_eq!(r.id, "doc-1");
        assert_eq!(r.date.unwrap().to_string(), "1950-07-13");
        assert_eq!(r.doc_type.as_deref(), Some("Letter"));
        assert_eq!(r.languages, ["ru", "en"]);
        assert_eq!(r.authors, ["Filippov [Stalin]"]);
        assert_eq!(r.archival_refs.len(), 2);
        assert_eq!(r.archival_refs[0].folios.as_deref(), Some("85"));
        assert_eq!(r.archival_refs[1].raw, "Private papers");
        assert_eq!(r.texts[0].lang, "ru");
        assert_eq!(r.texts[0].paragraphs().count(), 2);
        assert_eq!(r.texts[1].translators, ["Gary Goldberg"]);
        assert_eq!(r.extra.get("box").map(String::as_str), Some("12"));
        assert_eq!(r.provenance.locator.as_deref(), Some("row 1"));
    }

    #[test]
    fn bad_cells_are_named_by_row_and_column() {
        let err = parse("m.csv", b"id,title,date\na,A,1950\nb,B,someday\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.csv: row 2, column \"date\": `someday` is not a date"
        );
        let err = parse("m.csv", b"id,title,languages\na,A,Klingon\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.csv: row 1, column \"languages\": unknown language `Klingon`"
        );
        let err = parse("m.csv", b"id,title\na,\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "m.csv: row 1, column \"title\": empty, but every record needs it"
        );
        let err = parse("m.csv", b"id,title,authors\na,A,\"[\"\"x\"\"\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("m.csv: row 1, column \"authors\": not a JSON array of strings"),
            "{err}"
        );
        let err = parse("m.csv", b"id,title\na,A,extra\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.csv: row 1 (line 2): the row has 3 fields but the header has 2"
        );
    }

    #[test]
    fn quoting_is_strict_and_rows_are_as_long_as_the_header() {
        let err = |csv: &str| parse("m.csv", csv.as_bytes()).unwrap_err().to_string();
        // The probe's case: an unterminated quote no longer swallows the next row.
        assert_eq!(
            err("id,title\na-1,\"Unclosed\na-2,Two\n"),
            "m.csv: row 1, column \"title\" (line 2, column 5): the quote opened here is never \
             closed: a field quoted at its start must end with a quote (a quote inside it is \
             written twice: \"\")"
        );
        assert!(err("id,title\na-1,say \"hi\"\n").starts_with(
            "m.csv: row 1, column \"title\" (line 2, column 9): a quote inside a field that does not start with one"
        ));
        assert!(err("id,title\na-1,\"One\" x\n").starts_with(
            "m.csv: row 1, column \"title\" (line 2, column 10): text after the closing quote"
        ));
        assert_eq!(
            err("id,title\na-1\n"),
            "m.csv: row 1 (line 2): the row has 1 fields but the header has 2"
        );
        assert!(err("id,title,id\n").contains("the column \"id\" appears twice (columns 1 and 3)"));
        assert!(err("id,,title\n").contains("column 2 has no name"));
        assert!(err("").starts_with("m.csv: line 1: the file is empty"));
        assert!(err("id,title\na,A\na,B\n").contains("record id `a` appears more than once"));
        // CRLF, a BOM, blank lines, quoted line breaks and doubled quotes are fine; a header
        // alone holds no record.
        let ok = parse(
            "m.csv",
            "\u{feff}id,title\r\n\r\na-1,\"Two\r\nlines, \"\"quoted\"\"\"\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(ok.records[0].title, "Two\r\nlines, \"quoted\"");
        assert!(parse("m.csv", b"id,title\n").unwrap().records.is_empty());
    }

    #[test]
    fn a_csv_without_ids_is_refused() {
        let err = parse("m.csv", b"title,date\nA,1950\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("m.csv: header: no `id` column"), "{err}");
    }

    #[test]
    fn footnote_lines_become_notes() {
        let (body, notes) =
            body_and_footnotes("Text.\n(Bitterlich)\n  [1] BArch, B 136/59748, 403-410.");
        assert_eq!(body, "Text.\n\n(Bitterlich)");
        assert_eq!(
            notes,
            [Note {
                n: "1".into(),
                body: "BArch, B 136/59748, 403-410.".into()
            }]
        );
    }
}
