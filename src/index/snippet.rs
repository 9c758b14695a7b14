//! Snippets: the best ~200 characters of the field that matched, HTML-escaped, with `<mark>`.
//!
//! tantivy's `SnippetGenerator` scans the whole text and allocates for every word; a search
//! page needs ten snippets in well under a millisecond, so this highlighter keeps only the
//! query's terms, stems only words that can match them, and stops early: when one window holds
//! every term, or once it is [`SCAN_AFTER_MATCH_BYTES`] past a match.

use std::collections::{HashMap, VecDeque};
use std::ops::Range;

use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, TantivyDocument};

use super::analyzer::highlight_analyzer;
use super::schema::Fields;

/// The longest snippet, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;
/// How far past the first match the scan goes looking for a better window (one holding more of
/// the terms). 2 KiB (about a page of a telegram) rather than 8: a search page of twenty long
/// FRUS documents spent a fifth of its time tokenizing the 6 KiB beyond (`fonds bench --web`:
/// 0.75 → 0.68 ms of server CPU per search page).
const SCAN_AFTER_MATCH_BYTES: usize = 2 * 1024;

/// The highlighter of one field for one query.
struct Highlighter {
    /// The source name: `original`, `translation`, `summary`, `title`.
    name: &'static str,
    field: Field,
    analyzer: TextAnalyzer,
    /// Term text → (its index, its weight: rarer terms weigh more).
    terms: HashMap<String, (usize, f32)>,
    /// The terms' first bytes: a word starting otherwise is not looked up.
    first_bytes: [bool; 256],
}

/// The best window of a text: its span, the matches in and after it, and its score.
struct Window {
    core: Range<usize>,
    marks: Vec<Range<usize>>,
    score: f32,
}

/// The highlighters for one query: one per stored field the query has terms in.
pub(crate) struct Snippets {
    highlighters: Vec<Highlighter>,
    fields: Fields,
}

impl Snippets {
    /// Highlighters for `query`'s terms (`None` when browsing: no terms).
    pub fn new(
        searcher: &Searcher,
        query: Option<&dyn Query>,
        fields: &Fields,
    ) -> tantivy::Result<Snippets> {
        let sources = [
            ("original", fields.original),
            ("translation", fields.translation),
            ("summary", fields.summary),
            ("title", fields.title),
        ];
        let mut found = Vec::new();
        if let Some(query) = query {
            query.query_terms(&mut |term, _| found.push(term.clone()));
        }
        let mut highlighters = Vec::new();
        for (name, field) in sources {
            let mut terms = HashMap::new();
            for term in found.iter().filter(|t| t.field() == field) {
                let value = term.value();
                let Some(text) = value.as_str() else {
                    continue;
                };
                let doc_freq = searcher.doc_freq(term)?;
                if doc_freq > 0 && !text.is_empty() && !terms.contains_key(text) {
                    let weight = 1.0 / (1.0 + doc_freq as f32);
                    let index = terms.len();
                    terms.insert(text.to_string(), (index, weight));
                }
            }
            if !terms.is_empty() {
                let stems: Vec<String> = terms.keys().cloned().collect();
                let mut first_bytes = [false; 256];
                for stem in &stems {
                    first_bytes[usize::from(stem.as_bytes()[0])] = true;
                }
                highlighters.push(Highlighter {
                    name,
                    field,
                    analyzer: highlight_analyzer(&stems),
                    terms,
                    first_bytes,
                });
            }
        }
        Ok(Snippets {
            highlighters,
            fields: fields.clone(),
        })
    }

    /// The snippet of a stored document and where it comes from.
    pub fn for_doc(&self, doc: &TantivyDocument) -> (String, Option<String>) {
        // The texts first: the better window wins; summary and title only when neither
        // text matched.
        let mut best: Option<(Window, &'static str, String)> = None;
        for h in &self.highlighters {
            let is_text = h.field == self.fields.original || h.field == self.fields.translation;
            if best.is_some() && !is_text {
                break;
            }
            let text = field_text(doc, h.field);
            if text.is_empty() {
                continue;
            }
            if let Some(window) = h.best_window(&text)
                && best.as_ref().is_none_or(|(b, ..)| window.score > b.score)
            {
                best = Some((window, h.name, text));
            }
        }
        if let Some((window, name, text)) = best {
            let html = render(&text, Some(window.core), &window.marks);
            return (html, Some(name.to_string()));
        }
        // No textual match (browsing, or a match in names or refs): the opening words.
        for (name, field) in [
            ("summary", self.fields.summary),
            ("translation", self.fields.translation),
            ("original", self.fields.original),
        ] {
            let text = field_text(doc, field);
            if !text.is_empty() {
                return (render(&text, None, &[]), Some(name.to_string()));
            }
        }
        (String::new(), None)
    }
}

impl Highlighter {
    /// The window of at most [`SNIPPET_CHARS`] characters with the most (and rarest) terms.
    fn best_window(&self, text: &str) -> Option<Window> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut window: VecDeque<(Range<usize>, usize)> = VecDeque::new();
        let mut counts = vec![0usize; self.terms.len()];
        let mut best: Option<Window> = None;
        let mut first_match = None;
        // Once one window holds every term: only collect further marks up to this offset.
        let mut complete_until: Option<usize> = None;
        while let Some(token) = stream.next() {
            if let Some(until) = complete_until {
                if token.offset_from > until {
                    break;
                }
            } else if first_match.is_some_and(|m| token.offset_from > m + SCAN_AFTER_MATCH_BYTES) {
                break;
            }
            let first = token.text.as_bytes().first().copied().unwrap_or(0);
            if !self.first_bytes[usize::from(first)] {
                continue;
            }
            let Some(&(index, _)) = self.terms.get(token.text.as_str()) else {
                continue;
            };
            let range = token.offset_from..token.offset_to;
            if complete_until.is_some() {
                if let Some(best) = best.as_mut() {
                    best.marks.push(range);
                }
                continue;
            }
            first_match.get_or_insert(range.start);
            let end = range.end;
            window.push_back((range, index));
            counts[index] += 1;
            while window.len() > 1 && text[window[0].0.start..end].chars().count() > SNIPPET_CHARS {
                let (_, dropped) = window.pop_front().expect("not empty");
                counts[dropped] -= 1;
            }
            let score: f32 = self
                .terms
                .values()
                .filter(|(i, _)| counts[*i] > 0)
                .map(|(_, w)| 1.0 + w)
                .sum::<f32>()
                + window.len() as f32 * 0.01;
            if best.as_ref().is_none_or(|b| score > b.score) {
                best = Some(Window {
                    core: window[0].0.start..end,
                    marks: window.iter().map(|(r, _)| r.clone()).collect(),
                    score,
                });
            }
            if counts.iter().all(|&c| c > 0) {
                complete_until = Some(window[0].0.start + SNIPPET_CHARS * 4);
            }
        }
        best
    }
}

/// The fragment around `core` (or the text's opening), escaped, with the `marks` inside it in
/// `<mark>`, and `…` where text was cut.
fn render(text: &str, core: Option<Range<usize>>, marks: &[Range<usize>]) -> String {
    let (span_start, span_end) = core.map_or((0, 0), |c| (c.start, c.end));
    let used = text[span_start..span_end].chars().count();
    let spare = SNIPPET_CHARS.saturating_sub(used);
    let before = if span_end == 0 { 0 } else { spare / 3 };
    // Start `before` characters back, at a word start.
    let mut start = text[..span_start]
        .char_indices()
        .rev()
        .take(before)
        .last()
        .map_or(span_start, |(i, _)| i);
    if start > 0
        && let Some((ws, c)) = text[start..span_start]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
    {
        start += ws + c.len_utf8();
    }
    start += text[start..span_start].len() - text[start..span_start].trim_start().len();
    // End after the remaining characters, at a word end.
    let after = SNIPPET_CHARS.saturating_sub(used + text[start..span_start].chars().count());
    let mut end = text[span_end..]
        .char_indices()
        .nth(after)
        .map_or(text.len(), |(i, _)| span_end + i);
    if end < text.len()
        && let Some(ws) = text[span_end..end].rfind(char::is_whitespace)
    {
        end = span_end + ws;
    }

    let mut html = String::with_capacity(end - start + 32);
    if start > 0 {
        html.push('…');
    }
    let mut marks: Vec<Range<usize>> = marks
        .iter()
        .filter(|m| m.start >= start && m.end <= end)
        .cloned()
        .collect();
    marks.sort_by_key(|m| m.start);
    let mut at = start;
    let mut i = 0;
    while i < marks.len() {
        // Adjacent marks (a CJK phrase, one character per token) become one.
        let mut mark = marks[i].clone();
        while i + 1 < marks.len() && marks[i + 1].start <= mark.end {
            i += 1;
            mark.end = mark.end.max(marks[i].end);
        }
        if mark.start >= at {
            escape_into(&text[at..mark.start], &mut html);
            html.push_str("<mark>");
            escape_into(&text[mark.clone()], &mut html);
            html.push_str("</mark>");
            at = mark.end;
        }
        i += 1;
    }
    escape_into(&text[at..end], &mut html);
    let trimmed = html.trim_end().len();
    html.truncate(trimmed);
    if end < text.len() {
        html.push('…');
    }
    html
}

/// A stored field's values joined by a space.
fn field_text(doc: &TantivyDocument, field: Field) -> String {
    let mut text = String::new();
    for value in doc.get_all(field) {
        if let Some(s) = value.as_str() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(s.trim());
        }
    }
    text
}

/// Escapes text for HTML element content and attribute values, and folds every run of white
/// space (line and paragraph breaks) into one space.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            c if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openings_cut_at_a_word_and_escape() {
        assert_eq!(render("short <b>", None, &[]), "short &lt;b&gt;");
        assert_eq!(render("one\n\n  two", None, &[]), "one two");
        let long = "word ".repeat(100);
        let r = render(&long, None, &[]);
        assert!(r.ends_with("word…"), "{r}");
        assert!(r.chars().count() <= SNIPPET_CHARS + 1);
    }

    #[test]
    fn marks_are_wrapped_merged_and_escaped() {
        let text = "a <x> 周恩来 b";
        let marks = [2..5, 6..9, 9..12, 12..15];
        assert_eq!(
            render(text, Some(2..15), &marks),
            "a <mark>&lt;x&gt;</mark> <mark>周恩来</mark> b"
        );
    }

    #[test]
    fn context_is_cut_at_words() {
        let text = format!("{} target {}", "before ".repeat(60), "after ".repeat(60));
        let at = text.find("target").unwrap();
        let r = render(&text, Some(at..at + 6), std::slice::from_ref(&(at..at + 6)));
        assert!(r.starts_with("…before"), "{r}");
        assert!(r.ends_with("after…"), "{r}");
        assert!(r.contains("<mark>target</mark>"));
        assert!(r.chars().count() <= SNIPPET_CHARS + 15, "{r}");
        // Non-ASCII white space at the cut.
        let text = format!("{}周 target", "x\u{3000}".repeat(100));
        let at = text.find("target").unwrap();
        let r = render(&text, Some(at..at + 6), std::slice::from_ref(&(at..at + 6)));
        assert!(r.starts_with("…x x"), "{r}");
        assert!(r.ends_with("周 <mark>target</mark>"), "{r}");
    }
}
