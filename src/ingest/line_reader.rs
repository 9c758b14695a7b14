//! Lines read one at a time from any reader: bounded in length while they are read, and each
//! checked for UTF-8 and refused characters before it is handed on.

use std::io::BufRead;

use super::limits::thousands;
use super::{Diagnostic, IngestError, characters};

/// One line of a file, without its line ending.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// The line's number, from 1.
    pub number: u64,
    /// The line, checked: UTF-8 without refused characters (the file's byte-order mark, on line
    /// 1, is left out).
    pub text: &'a str,
    /// The ending the line had: `"\n"`, `"\r\n"`, or `""` for a last line without one.
    pub ending: &'static str,
}

/// Reads lines of at most `max` bytes each from a [`BufRead`], never holding more than one.
///
/// A line longer than `max` is an error as soon as its `max + 1`-th byte is read, so a file of
/// gigabytes without a newline costs `max` bytes of memory, not gigabytes. A carriage return
/// before the newline is part of the ending, not the line.
pub(crate) struct LineReader<R> {
    name: String,
    input: R,
    max: usize,
    buf: Vec<u8>,
    number: u64,
    /// U+FFFD met so far, and where the first was.
    replacements: usize,
    first_replacement: Option<String>,
}

impl<R: BufRead> LineReader<R> {
    /// Reads `input`, the file `name`, in lines of at most `max` bytes.
    pub(crate) fn new(name: &str, input: R, max: usize) -> Self {
        LineReader {
            name: name.to_string(),
            input,
            max,
            buf: Vec::new(),
            number: 0,
            replacements: 0,
            first_replacement: None,
        }
    }

    /// The next line, or `None` at the end of the file.
    pub(crate) fn next_line(&mut self) -> Result<Option<Line<'_>>, IngestError> {
        self.buf.clear();
        let number = self.number + 1;
        let mut newline = false;
        loop {
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(IngestError::Unreadable {
                        file: self.name.clone(),
                        location: format!("line {number}"),
                        source,
                    });
                }
            };
            if available.is_empty() {
                break;
            }
            let (take, found) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            // The limit counts the line without its ending; one byte more is allowed for a `\r`.
            if self.buf.len() + take > self.max + 1 {
                return Err(IngestError::malformed(
                    &self.name,
                    format!("line {number}"),
                    format!(
                        "a line longer than {} bytes (the limit)",
                        thousands(self.max)
                    ),
                ));
            }
            self.buf.extend_from_slice(&available[..take]);
            self.input.consume(take + usize::from(found));
            if found {
                newline = true;
                break;
            }
        }
        if !newline && self.buf.is_empty() {
            return Ok(None);
        }
        self.number = number;
        let mut ending = if newline { "\n" } else { "" };
        if newline && self.buf.last() == Some(&b'\r') {
            self.buf.pop();
            ending = "\r\n";
        }
        if self.buf.len() > self.max {
            return Err(IngestError::malformed(
                &self.name,
                format!("line {number}"),
                format!(
                    "a line longer than {} bytes (the limit)",
                    thousands(self.max)
                ),
            ));
        }
        let mut bytes = &self.buf[..];
        if number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => return Err(self.not_utf8(number, bytes, e)),
        };
        let scan = characters::scan(text);
        if let Some((at, c)) = scan.refused {
            return Err(IngestError::malformed(
                &self.name,
                super::line_column_from(text.as_bytes(), at, number),
                super::refused_message(text.as_bytes(), c),
            ));
        }
        if let Some(at) = scan.first_replacement {
            self.replacements += scan.replacements;
            if self.first_replacement.is_none() {
                self.first_replacement = Some(super::line_column_from(text.as_bytes(), at, number));
            }
        }
        Ok(Some(Line {
            number,
            text,
            ending,
        }))
    }

    fn not_utf8(&self, number: u64, bytes: &[u8], e: std::str::Utf8Error) -> IngestError {
        // The whole-file message, with the line numbered in the file.
        let err = super::utf8(&self.name, bytes, &mut Vec::new())
            .err()
            .unwrap_or_else(|| IngestError::malformed(&self.name, "", e.to_string()));
        match err {
            IngestError::Malformed {
                file,
                location: _,
                message,
            } => IngestError::malformed(
                file,
                super::line_column_from(bytes, e.valid_up_to(), number),
                message,
            ),
            other => other,
        }
    }

    /// The warning for the U+FFFD met so far, if any.
    pub(crate) fn replacement_warning(&self) -> Option<Diagnostic> {
        let location = self.first_replacement.clone()?;
        Some(super::replacement_warning(location, self.replacements))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Result<Vec<(u64, String, &'static str)>, String> {
        let mut r = LineReader::new("f", input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().map_err(|e| e.to_string())? {
            out.push((l.number, l.text.to_string(), l.ending));
        }
        Ok(out)
    }

    #[test]
    fn lines_keep_their_numbers_and_endings() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFa\r\n\nb", 10).unwrap(),
            [
                (1, "a".into(), "\r\n"),
                (2, "".into(), "\n"),
                (3, "b".into(), "")
            ]
        );
        assert_eq!(lines(b"", 10).unwrap(), []);
    }

    #[test]
    fn long_lines_bad_bytes_and_controls_are_named() {
        assert_eq!(lines(b"0123456789\r\n", 10).unwrap().len(), 1);
        assert_eq!(
            lines(b"ok\n0123456789a\n", 10).unwrap_err(),
            "f: line 2: a line longer than 10 bytes (the limit)"
        );
        // Never more than the limit is held: an endless line fails at once.
        let endless = std::io::BufReader::new(std::io::repeat(b'x'));
        let mut r = LineReader::new("zero", endless, 1 << 16);
        assert!(r.next_line().is_err());
        let err = lines(b"a\nb\xe9t\xe9\n", 10).unwrap_err();
        assert!(
            err.starts_with("f: line 2, column 2: not valid UTF-8: the byte 0xE9"),
            "{err}"
        );
        assert_eq!(
            lines(b"a\nb\x01\n", 10).unwrap_err(),
            "f: line 2, column 2: a control character (U+0001) is not allowed in imported text"
        );
    }
}
