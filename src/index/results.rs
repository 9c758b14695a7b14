//! Search results: the hits (ids, display fields, snippets), the total and facet counts.

use std::collections::BTreeMap;

use serde::Serialize;

/// The answer to a [`SearchRequest`](super::SearchRequest).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SearchResults {
    /// How many records match (all pages).
    pub total: usize,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Facet counts over every match, when asked for: keys `type`, `lang`, `decade`, `year`,
    /// `archive`, `collection`, `author`, `recipient` (only those with values). Decades and
    /// years are in chronological order, the others by count, largest first (ties by value).
    /// `author` and `recipient` hold only their 20 largest values; every other facet, all.
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// What was done to make sense of a malformed query (empty when it parsed as written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One matching record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The record id.
    pub id: String,
    /// The record's title, as plain text (escape it for HTML; the snippet is escaped already).
    pub title: String,
    /// The record's date, ISO 8601 of its precision.
    pub date: Option<String>,
    /// The relevance score (0 when sorted by date).
    pub score: f32,
    /// Up to ~200 characters of the text that matched best, HTML-escaped, matches in
    /// `<mark>…</mark>`. Without a textual match, the beginning of the summary or text.
    pub snippet: String,
    /// Where the snippet comes from: `original`, `translation`, `summary` or `title`.
    pub snippet_source: Option<String>,
}

/// How many matching records have one facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value: a type, language code, decade (`1950`), year, archive, collection, author or
    /// recipient (authors and recipients exactly as written).
    pub value: String,
    /// How many matching records have it.
    pub count: u64,
}
