//! Snippets: the best ~200 characters of the field that matched, HTML-escaped, with `<mark>`.

use std::collections::BTreeMap;

use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{Searcher, TantivyDocument};

use super::schema::Fields;

/// The longest snippet, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Snippet generators for one query: one per stored text field the query has terms in.
pub(crate) struct Snippets {
    /// `(source name, field, generator)` in order of preference.
    generators: Vec<(&'static str, Field, SnippetGenerator)>,
    fields: Fields,
}

impl Snippets {
    /// Generators for `query`'s terms (a `match_all` query has none).
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
        let mut terms: BTreeMap<Field, BTreeMap<String, f32>> = BTreeMap::new();
        if let Some(query) = query {
            let mut found = Vec::new();
            query.query_terms(&mut |term, _| found.push(term.clone()));
            for term in found {
                if !sources.iter().any(|(_, f)| *f == term.field()) {
                    continue;
                }
                let Some(text) = term.value().as_str().map(str::to_string) else {
                    continue;
                };
                let doc_freq = searcher.doc_freq(&term)?;
                if doc_freq > 0 {
                    terms
                        .entry(term.field())
                        .or_default()
                        .insert(text, 1.0 / (1.0 + doc_freq as f32));
                }
            }
        }
        let mut generators = Vec::new();
        for (name, field) in sources {
            if let Some(field_terms) = terms.remove(&field) {
                let tokenizer = searcher.index().tokenizer_for_field(field)?;
                generators.push((
                    name,
                    field,
                    SnippetGenerator::new(field_terms, tokenizer, field, SNIPPET_CHARS),
                ));
            }
        }
        Ok(Snippets {
            generators,
            fields: fields.clone(),
        })
    }

    /// The snippet of a stored document and where it comes from.
    pub fn for_doc(&self, doc: &TantivyDocument) -> (String, Option<String>) {
        // The texts: the one with the most highlighted matches wins; summary and title only
        // when neither text matched.
        let mut best: Option<(usize, &'static str, String, Snippet)> = None;
        for (name, field, generator) in &self.generators {
            let is_text = *field == self.fields.original || *field == self.fields.translation;
            if best.is_some() && !is_text {
                break;
            }
            let text = field_text(doc, *field);
            if text.is_empty() {
                continue;
            }
            let snippet = generator.snippet(&text);
            let hits = snippet.highlighted().len();
            if hits > 0 && best.as_ref().is_none_or(|(n, ..)| hits > *n) {
                best = Some((hits, name, text, snippet));
            }
        }
        if let Some((_, name, text, mut snippet)) = best {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let range = snippet.fragment_range();
            let mut html = String::new();
            if range.start > 0 {
                html.push('…');
            }
            html.push_str(snippet.to_html().trim());
            if range.end < text.len() {
                html.push('…');
            }
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
                return (
                    escape(&opening(&text, SNIPPET_CHARS)),
                    Some(name.to_string()),
                );
            }
        }
        (String::new(), None)
    }
}

/// A stored field's values joined by a space (as tantivy's `snippet_from_doc` does).
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

/// The first `max_chars` characters of `text`, cut at a word boundary, with `…` if cut.
fn opening(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some((cut, _)) => {
            let head = &text[..cut];
            let head = head
                .rfind(char::is_whitespace)
                .map_or(head, |ws| &head[..ws])
                .trim_end();
            format!("{head}…")
        }
    }
}

/// Escapes text for HTML (the same escaping tantivy applies to snippets).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openings_cut_at_a_word_and_escape() {
        assert_eq!(opening("short", 10), "short");
        assert_eq!(opening("one two three", 9), "one two…");
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#x27;");
    }
}
