//! The characters no imported text may hold, found with their place in the file.
//!
//! Refused everywhere, in every format, whether written raw or as an escape (`&#1;` in XML or
//! HTML, `\u0001` in JSON):
//!
//! - **control characters**: C0 (U+0000–U+001F) except TAB, LF and CR; DEL (U+007F); C1
//!   (U+0080–U+009F). No source in the corpora holds one (the 25 FRUS volumes, the WCDA pages,
//!   JSON and CSV were checked); where they appear, a file was damaged, or is not text, or was
//!   decoded with the wrong encoding (C1 controls are what Windows-1252 quotes become when read
//!   as Latin-1).
//! - **noncharacters U+FFFE and U+FFFF**: outside XML's `Char` production, and what a UTF-16
//!   byte-order mark read the wrong way round becomes.
//! - **a byte-order mark (U+FEFF) past the start of the file**: invisible, it splits the word
//!   it stands in (search no longer finds it), and it is almost always the start of a second
//!   file joined onto the first. At the very start it is a byte-order mark and is skipped.
//!
//! Allowed, with one warning per file: **U+FFFD**, the replacement character. It is a real
//! character and sources do hold it, but it says that the text was decoded lossily before it
//! reached Fonds, which the archivist should know. Lone surrogates cannot occur: Rust strings
//! hold none, and the JSON reader refuses `\uD800` escapes (see `jsonl.rs`).

/// Why a character may not stand in imported text, or `None` when it may.
pub(crate) fn refusal(c: char) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' => None,
        '\0' => Some("a NUL character"),
        '\u{1}'..='\u{1f}' | '\u{7f}' => Some("a control character"),
        '\u{80}'..='\u{9f}' => Some("a C1 control character"),
        '\u{feff}' => Some("a byte-order mark past the start of the file"),
        '\u{fffe}' | '\u{ffff}' => Some("a noncharacter"),
        _ => None,
    }
}

/// A refused character named for a message: "a control character (U+0001)".
pub(crate) fn describe(c: char) -> String {
    let what = refusal(c).unwrap_or("a character");
    format!("{what} (U+{:04X})", u32::from(c))
}

/// What [`scan`] found in a text: the first refused character and the replacement characters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The byte offset and the character of the first refused character.
    pub refused: Option<(usize, char)>,
    /// How many U+FFFD the text holds (counted up to the first refused character).
    pub replacements: usize,
    /// The byte offset of the first U+FFFD.
    pub first_replacement: Option<usize>,
}

/// Whether a byte may start a character [`scan`] must look at: a C0 control other than TAB,
/// LF, CR; DEL; `0xC2` (C1 controls are `C2 80`–`C2 9F`); `0xEF` (U+FEFF, U+FFFD, U+FFFE, U+FFFF).
#[inline]
fn suspect(b: u8) -> bool {
    // Bitwise, not short-circuit, so that a block's test compiles to vector compares.
    ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        | (b == 0x7f)
        | (b == 0xc2)
        | (b == 0xef)
}

/// Looks through a text for refused characters and replacement characters, in one pass.
///
/// Blocks of 64 bytes are tested at once for a byte that may start one (the test compiles to
/// vector compares), so plain text costs about what `str::from_utf8` does.
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut found = Scan::default();
    let mut block_start = 0;
    for block in bytes.chunks(64) {
        if block.iter().fold(0u8, |any, &b| any | u8::from(suspect(b))) != 0 {
            for (i, &b) in block.iter().enumerate() {
                if !suspect(b) {
                    continue;
                }
                let at = block_start + i;
                // `at` starts a character: suspect bytes are ASCII or UTF-8 lead bytes.
                let Some(c) = text[at..].chars().next() else {
                    continue;
                };
                if c == '\u{fffd}' {
                    found.replacements += 1;
                    found.first_replacement.get_or_insert(at);
                } else if refusal(c).is_some() {
                    found.refused = Some((at, c));
                    return found;
                }
            }
        }
        block_start += block.len();
    }
    found
}

/// The first refused character of a decoded string (a field, an attribute value), with its
/// byte offset.
pub(crate) fn first_refused(text: &str) -> Option<(usize, char)> {
    scan(text).refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_marks_are_found_where_they_are() {
        assert_eq!(scan("plain\ttext\r\nок «ё»").refused, None);
        for (text, at, c) in [
            ("ab\0c", 2, '\0'),
            ("a\u{1}", 1, '\u{1}'),
            ("x\u{7f}", 1, '\u{7f}'),
            ("«\u{85}»", 2, '\u{85}'),
            ("a\u{feff}b", 1, '\u{feff}'),
            ("\u{fffe}", 0, '\u{fffe}'),
            ("ok\u{ffff}", 2, '\u{ffff}'),
        ] {
            assert_eq!(scan(text).refused, Some((at, c)), "{text:?}");
        }
        // Past the first block of 64 bytes too.
        let long = format!("{}\u{b}", "é".repeat(100));
        assert_eq!(scan(&long).refused, Some((200, '\u{b}')));
    }

    #[test]
    fn replacement_characters_are_counted_not_refused() {
        let s = scan("a\u{fffd}b\u{fffd}");
        assert_eq!(
            (s.refused, s.replacements, s.first_replacement),
            (None, 2, Some(1))
        );
        assert_eq!(describe('\u{1}'), "a control character (U+0001)");
        assert_eq!(describe('\u{9c}'), "a C1 control character (U+009C)");
    }
}
