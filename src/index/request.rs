//! A search request: the query string, its filters, sorting, paging and whether to count facets.

use crate::model::PartialDate;

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (BM25). For an empty query (browsing), oldest first, as [`Sort::DateAsc`].
    #[default]
    Relevance,
    /// Oldest first by the date's first day; undated records last.
    DateAsc,
    /// Newest first by the date's first day; undated records last.
    DateDesc,
}

/// What to search for.
///
/// # Query language
///
/// Words are stemmed and folded by the `fonds` analyzer and all must match (AND by default),
/// each in any of title (boost 2), summary (1.5), original, translation, names and refs.
/// Supported: `"phrases"`, `AND`, `OR`, `NOT`, `-word`, `+word`, `(groups)`, `word^2`,
/// `word*` (every word it begins: `nicarag*`, `Стали*`; at most 200 per field, with a warning
/// beyond), `"a phra"*`, `"Stalin Mao"~5` (the words at most 5 positions apart; a phrase of
/// three or more words takes at most `~2`, with a warning), and field queries:
///
/// | write | searches |
/// |---|---|
/// | `title:`, `summary:`, `original:`, `translation:` | that field |
/// | `body:`, `text:` | original or translation |
/// | `names:`, `author:`, `recipient:`, `person:`, `people:`, `place:`, `subject:` | names |
/// | `refs:`, `ref:`, `citation:` | archival references and citation |
/// | `type:`, `lang:` / `language:`, `archive:` | exact values, case-insensitive (`type:"Record of Conversation"`) |
/// | `id:` | a record id, exactly |
/// | `date_start:[19500101 TO 19501231]` | numeric ranges on the `yyyymmdd` keys |
///
/// An empty query, or `*`, matches every record (browse with filters). A query that cannot be
/// parsed (an unclosed quote, a dangling `AND`) is searched leniently, with a warning in
/// [`SearchResults::warnings`](super::SearchResults::warnings); an unknown field
/// (`auther:Stalin`) is an [`IndexError::Query`](super::IndexError::Query) naming the
/// fields that exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The query, in the language above.
    pub query: String,
    /// Only records whose date range overlaps `[from's first day, to's last day]`; records
    /// without a date are left out when `from` or `to` is given.
    pub from: Option<PartialDate>,
    /// See `from`.
    pub to: Option<PartialDate>,
    /// Only records of this type (case-insensitive, exact: `Telegram`).
    pub doc_type: Option<String>,
    /// Only records in this language (ISO 639-1: `ru`).
    pub lang: Option<String>,
    /// Only records held by this archive (`RGASPI`), as in the archival references.
    pub archive: Option<String>,
    /// Only records of this collection, by its exact name: the source's collection title, or
    /// the source's name for records without one, as the catalogue names collections.
    pub collection: Option<String>,
    /// Only records with this author, exactly as written (`Filippov [Stalin]`): case and
    /// punctuation count, surrounding space does not; a value of the `author` facet.
    pub author: Option<String>,
    /// Only records with this recipient, exactly as written (as `author`).
    pub recipient: Option<String>,
    /// How many hits to return (at most [`MAX_LIMIT`](super::MAX_LIMIT); 0 for only the total
    /// and facets).
    pub limit: usize,
    /// How many hits to skip (paging).
    pub offset: usize,
    /// The order of hits.
    pub sort: Sort,
    /// Whether to count facets over the whole filtered result set.
    pub facets: bool,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: String::new(),
            from: None,
            to: None,
            doc_type: None,
            lang: None,
            archive: None,
            collection: None,
            author: None,
            recipient: None,
            limit: 10,
            offset: 0,
            sort: Sort::Relevance,
            facets: false,
        }
    }
}

impl SearchRequest {
    /// A request for `query` with the defaults: 10 hits, by relevance, no filters, no facets.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        }
    }
}
