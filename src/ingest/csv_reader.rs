//! A strict CSV reader (RFC 4180): rows one at a time from any reader, every field quoted whole
//! or not at all, every row as long as the header.
//!
//! A field is either plain (no quote in it) or quoted whole (`"a, ""b"""`), its quotes doubled
//! inside; a quoted field may run over lines. Rows end at LF or CRLF. What lenient readers
//! guess at is an error naming the row, the column and the line: a quote opened and never
//! closed (which would swallow the rest of the file into one field), a quote inside a plain
//! field, text after a closing quote, a row with more or fewer fields than the header. Empty
//! lines between rows are skipped.

use std::io::BufRead;

use super::IngestError;
use super::limits::{MAX_TEXT_BYTES, thousands};
use super::line_reader::LineReader;

/// Fields in one row (columns): 1,000. The WCDA scrape has 23.
pub const MAX_FIELDS: usize = 1_000;

/// The length of one field, in bytes: 16 MiB, as a text body's (a field may hold one). The
/// longest in the corpus is 22 KB (a WCDA `text_body`).
pub const MAX_FIELD_BYTES: usize = MAX_TEXT_BYTES;

/// The length of one line, in bytes: 64 MiB (a quoted field may run over many lines, each
/// within this, the whole within [`MAX_FIELD_BYTES`]).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// One row: its fields, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvRow {
    /// 0 for the header, then 1 for the first row after it.
    pub number: usize,
    /// The line it starts on.
    pub line: u64,
    pub fields: Vec<String>,
}

/// Where a row's parse is: at a field's start, in a plain field, in a quoted one, or just
/// after a quote inside a quoted one (a closing quote, or the first of two).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Plain,
    Quoted,
    QuoteInQuoted,
}

/// Reads CSV rows strictly, the header first.
pub(crate) struct CsvRows<R> {
    name: String,
    lines: LineReader<R>,
    header: Vec<String>,
    rows: usize,
}

impl<R: BufRead> CsvRows<R> {
    pub(crate) fn new(name: &str, input: R) -> Self {
        CsvRows {
            name: name.to_string(),
            lines: LineReader::new(name, input, MAX_LINE_BYTES),
            header: Vec::new(),
            rows: 0,
        }
    }

    /// The warnings about what was read so far (U+FFFD in the text).
    pub(crate) fn replacement_warning(&self) -> Option<super::Diagnostic> {
        self.lines.replacement_warning()
    }

    /// The next row (the header first), or `None` at the end of the file.
    pub(crate) fn next_row(&mut self) -> Result<Option<CsvRow>, IngestError> {
        let number = self.rows;
        let at = Fields {
            name: &self.name,
            header: &self.header,
        };
        let mut fields: Vec<String> = Vec::new();
        let mut field = String::new();
        let mut state = State::FieldStart;
        let mut start_line = None;
        // Where the open quote is: line and column.
        let mut opened = (0u64, 0usize);
        loop {
            let Some(line) = self.lines.next_line()? else {
                if state == State::Quoted {
                    return Err(IngestError::malformed(
                        at.name,
                        at.place(number, fields.len(), opened.0, Some(opened.1)),
                        "the quote opened here is never closed: a field quoted at its start \
                         must end with a quote (a quote inside it is written twice: \"\")",
                    ));
                }
                return Ok(None);
            };
            let (n, text, ending) = (line.number, line.text, line.ending);
            if state == State::FieldStart && fields.is_empty() && text.is_empty() {
                continue;
            }
            start_line.get_or_insert(n);
            let column = |i: usize| text[..i].chars().count() + 1;
            let mut plain_from = 0;
            let mut quoted_from = 0;
            for (i, b) in text.bytes().enumerate() {
                match (state, b) {
                    (State::FieldStart, b'"') => {
                        state = State::Quoted;
                        opened = (n, column(i));
                        quoted_from = i + 1;
                    }
                    (State::FieldStart | State::Plain, b',') => {
                        if state == State::Plain {
                            field.push_str(&text[plain_from..i]);
                        }
                        at.push(&mut fields, &mut field, number, n)?;
                        state = State::FieldStart;
                    }
                    (State::FieldStart, _) => {
                        state = State::Plain;
                        plain_from = i;
                    }
                    (State::Plain, b'"') => {
                        return Err(IngestError::malformed(
                            at.name,
                            at.place(number, fields.len(), n, Some(column(i))),
                            "a quote inside a field that does not start with one: quote the \
                             whole field and write the quote twice (\"a \"\"b\"\" c\")",
                        ));
                    }
                    (State::Plain, _) => {}
                    (State::Quoted, b'"') => {
                        field.push_str(&text[quoted_from..i]);
                        state = State::QuoteInQuoted;
                    }
                    (State::Quoted, _) => {}
                    (State::QuoteInQuoted, b'"') => {
                        field.push('"');
                        state = State::Quoted;
                        quoted_from = i + 1;
                    }
                    (State::QuoteInQuoted, b',') => {
                        at.push(&mut fields, &mut field, number, n)?;
                        state = State::FieldStart;
                    }
                    (State::QuoteInQuoted, _) => {
                        return Err(IngestError::malformed(
                            at.name,
                            at.place(number, fields.len(), n, Some(column(i))),
                            "text after the closing quote of a quoted field (a quote inside \
                             a quoted field is written twice: \"\")",
                        ));
                    }
                }
            }
            match state {
                State::Quoted => {
                    // The line ending is part of the field; the row goes on.
                    field.push_str(&text[quoted_from..]);
                    field.push_str(if ending.is_empty() { "\n" } else { ending });
                    if field.len() > MAX_FIELD_BYTES {
                        return Err(at.too_long(number, fields.len(), n));
                    }
                    continue;
                }
                State::Plain => field.push_str(&text[plain_from..]),
                State::FieldStart | State::QuoteInQuoted => {}
            }
            at.push(&mut fields, &mut field, number, n)?;
            break;
        }
        let line = start_line.unwrap_or(1);
        if number == 0 {
            self.header = fields.clone();
        } else if fields.len() != self.header.len() {
            return Err(IngestError::malformed(
                at.name,
                format!("row {number} (line {line})"),
                format!(
                    "the row has {} fields but the header has {}",
                    fields.len(),
                    self.header.len()
                ),
            ));
        }
        self.rows += 1;
        Ok(Some(CsvRow {
            number,
            line,
            fields,
        }))
    }
}

/// Names a row's fields in errors: the file and its header.
struct Fields<'a> {
    name: &'a str,
    header: &'a [String],
}

impl Fields<'_> {
    /// A field's place: `row 2, column "title" (line 3, column 9)`.
    fn place(&self, row: usize, field: usize, line: u64, column: Option<usize>) -> String {
        let row = if row == 0 {
            "header".to_string()
        } else {
            format!("row {row}")
        };
        let col = match self.header.get(field) {
            Some(h) if !h.trim().is_empty() => format!("column \"{}\"", h.trim()),
            _ => format!("column {}", field + 1),
        };
        match column {
            Some(c) => format!("{row}, {col} (line {line}, column {c})"),
            None => format!("{row}, {col} (line {line})"),
        }
    }

    fn push(
        &self,
        fields: &mut Vec<String>,
        field: &mut String,
        row: usize,
        line: u64,
    ) -> Result<(), IngestError> {
        if field.len() > MAX_FIELD_BYTES {
            return Err(self.too_long(row, fields.len(), line));
        }
        if fields.len() == MAX_FIELDS {
            return Err(IngestError::malformed(
                self.name,
                format!(
                    "{} (line {line})",
                    if row == 0 {
                        "header".to_string()
                    } else {
                        format!("row {row}")
                    }
                ),
                format!(
                    "more than {} fields in one row (the limit)",
                    thousands(MAX_FIELDS)
                ),
            ));
        }
        fields.push(std::mem::take(field));
        Ok(())
    }

    fn too_long(&self, row: usize, field: usize, line: u64) -> IngestError {
        IngestError::malformed(
            self.name,
            self.place(row, field, line, None),
            format!(
                "a field longer than {} MiB (the limit)",
                MAX_FIELD_BYTES >> 20
            ),
        )
    }
}
