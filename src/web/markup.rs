//! Markup for pages: text made safe for HTML, paragraphs with their line breaks, URL parts.
//!
//! Templates escape every value themselves; what is built here is for the few places that
//! emit markup of their own (a paragraph's `<br>`s), and text cleaning for all of them.

/// `text` with characters that have no place in an HTML page (C0 and C1 controls other than
/// tab and newline, and noncharacters) replaced by U+FFFD, so hostile text cannot break it.
pub fn clean(text: &str) -> String {
    if !text.chars().any(is_forbidden) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if is_forbidden(c) { '\u{FFFD}' } else { c })
        .collect()
}

fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c as u32, 0xFDD0..=0xFDEF)
        || (c as u32 & 0xFFFE) == 0xFFFE
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

/// A paragraph as HTML: escaped, its single newlines (line breaks kept from the source) as
/// `<br>`.
pub fn paragraph(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>\n");
        }
        escape_into(&mut out, line.trim_end());
    }
    out
}

/// A paragraph of a text as an HTML block: a `<p>` ([`paragraph`]), or a `<table>` (in a
/// scrolling wrapper) for a table as the importers write one, a line per row and cells
/// separated by ` | `.
pub fn block(text: &str) -> String {
    let rows: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let is_table = rows.len() >= 2 && rows.iter().all(|r| r.contains(" | ") || r.contains(" |"));
    if !is_table {
        return format!("<p>{}</p>", paragraph(text));
    }
    let mut out = String::from("<div class=\"table-wrap\"><table><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row.split('|') {
            out.push_str("<td>");
            escape_into(&mut out, cell.trim());
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`).
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `text` as one URL path segment (everything but RFC 3986's unreserved
/// characters).
pub fn path_segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// A query string (`?a=1&b=2`, or empty) from name/value pairs, form-encoded.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let encoded = serde_urlencoded::to_string(pairs.into_iter().collect::<Vec<_>>())
        .expect("string pairs always encode");
    if encoded.is_empty() {
        encoded
    } else {
        format!("?{encoded}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            paragraph("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(
            clean("a\u{0}b\u{1b}[31m\u{9f}c\td\n"),
            "a\u{FFFD}b\u{FFFD}[31m\u{FFFD}c\td\n"
        );
        assert_eq!(paragraph("line <1>\nline 2 "), "line &lt;1&gt;<br>\nline 2");
    }

    #[test]
    fn tables_become_tables_and_prose_stays_prose() {
        assert_eq!(
            block("No. | Name. | Age\n1 | Espen, <S> | \n2 | | 16"),
            "<div class=\"table-wrap\"><table><tbody><tr><td>No.</td><td>Name.</td><td>Age</td></tr>\
             <tr><td>1</td><td>Espen, &lt;S&gt;</td><td></td></tr><tr><td>2</td><td></td><td>16</td></tr>\
             </tbody></table></div>"
        );
        assert_eq!(
            block("One line | with a bar"),
            "<p>One line | with a bar</p>"
        );
        assert_eq!(block("Two\nlines"), "<p>Two<br>\nlines</p>");
    }

    #[test]
    fn url_parts_are_encoded() {
        assert_eq!(
            path_segment("RGASPI f. 558, op. 11/d. 334"),
            "RGASPI%20f.%20558%2C%20op.%2011%2Fd.%20334"
        );
        assert_eq!(
            query_string([("q", "\"38th parallel\""), ("type", "Telegram & Cable")]),
            "?q=%2238th+parallel%22&type=Telegram+%26+Cable"
        );
        assert_eq!(query_string([]), "");
    }
}
