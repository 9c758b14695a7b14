//! The search page: the form, the hits with their snippets, facets that narrow, pages.

use askama::Template;

use crate::archive::TypesAndCollections;

use crate::index::{SearchResults, Sort};
use crate::model::PartialDate;

use super::super::markup::clean;
use super::super::params::{MAX_OFFSET, PAGE_SIZE, SearchParams};
use super::{FacetBox, date_long, document_href, facet_boxes, facet_label};

/// One hit.
pub struct HitView {
    /// The document's page.
    pub href: String,
    /// Its title.
    pub title: String,
    /// Its date for reading.
    pub date: String,
    /// ISO date, or empty.
    pub iso_date: String,
    /// The snippet as HTML (escaped, matches in `<mark>`).
    pub snippet_html: String,
    /// Where the snippet is from: "from the translation", or empty.
    pub snippet_source: String,
    /// The document's type, or empty.
    pub doc_type: String,
    /// Its collection, or empty.
    pub collection: String,
    /// The title's language when its script tells, or empty.
    pub lang: String,
    /// The snippet's language when its script tells, or empty.
    pub snippet_lang: String,
}

/// A chosen filter, with the link that removes it.
pub struct Chip {
    /// "Type: Telegram".
    pub label: String,
    /// The search without it.
    pub remove_href: String,
}

/// A sort choice.
pub struct SortOption {
    /// Its URL value.
    pub value: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Whether it is the current one.
    pub selected: bool,
    /// The search sorted so.
    pub href: String,
}

/// A link to another page of results.
pub struct PageLink {
    /// Its number.
    pub n: usize,
    /// Its URL.
    pub href: String,
    /// Whether it is the page shown.
    pub current: bool,
}

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    /// The query as typed.
    pub q: String,
    /// The date range as typed.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// Chosen facet filters, kept by the form as hidden fields: (param, value).
    pub hidden: Vec<(&'static str, String)>,
    /// Sort choices.
    pub sorts: Vec<SortOption>,
    /// How many documents match; `None` when there is nothing to show (an error).
    pub total: Option<usize>,
    /// "Showing 1–20 of 134 documents".
    pub showing: String,
    /// The hits.
    pub hits: Vec<HitView>,
    /// The facets.
    pub facets: Vec<FacetBox>,
    /// The chosen filters.
    pub chips: Vec<Chip>,
    /// Pages around the current one.
    pub pages: Vec<PageLink>,
    /// The previous page, or empty.
    pub prev_href: String,
    /// The next page, or empty.
    pub next_href: String,
    /// What the page says about the query: empty query, lenient parsing.
    pub notes: Vec<String>,
    /// Why the search could not run, or empty.
    pub error: String,
    /// The same search as JSON.
    pub api_href: String,
}

const SORTS: [(Sort, &str, &str); 3] = [
    (Sort::Relevance, "relevance", "Relevance"),
    (Sort::DateAsc, "date", "Date, oldest first"),
    (Sort::DateDesc, "date-desc", "Date, newest first"),
];

impl SearchPage {
    /// The form alone, with an error that kept the search from running.
    pub fn failed(params: &SearchParams, raw_q: &str, error: String) -> SearchPage {
        let mut page = SearchPage::form(params);
        if page.q.is_empty() {
            page.q = clean(raw_q);
        }
        page.error = error;
        page
    }

    fn form(params: &SearchParams) -> SearchPage {
        SearchPage {
            q: clean(&params.q),
            from: params.from.as_deref().map(clean).unwrap_or_default(),
            to: params.to.as_deref().map(clean).unwrap_or_default(),
            hidden: params
                .filters
                .iter()
                .map(|(f, v)| (f.param(), clean(v)))
                .collect(),
            sorts: SORTS
                .iter()
                .map(|(s, value, label)| SortOption {
                    value,
                    label,
                    selected: *s == params.sort,
                    href: params.href_sorted(*s),
                })
                .collect(),
            total: None,
            showing: String::new(),
            hits: Vec::new(),
            facets: Vec::new(),
            chips: chips(params),
            pages: Vec::new(),
            prev_href: String::new(),
            next_href: String::new(),
            notes: Vec::new(),
            error: String::new(),
            api_href: params.api_href(0),
        }
    }

    /// The page of `results` for `params`; `details` holds the hits' types and collections.
    pub fn new(
        params: &SearchParams,
        results: &SearchResults,
        details: &TypesAndCollections,
    ) -> SearchPage {
        let mut page = SearchPage::form(params);
        let offset = (params.page - 1) * PAGE_SIZE;
        page.total = Some(results.total);
        page.showing = if results.hits.is_empty() {
            if results.total == 0 {
                "No documents match.".to_string()
            } else {
                format!(
                    "No documents on page {}: {} documents match.",
                    params.page, results.total
                )
            }
        } else {
            format!(
                "Showing {}–{} of {} document{}",
                offset + 1,
                offset + results.hits.len(),
                results.total,
                if results.total == 1 { "" } else { "s" }
            )
        };
        page.hits = results
            .hits
            .iter()
            .map(|h| HitView {
                doc_type: details
                    .get(&h.id)
                    .and_then(|(t, _)| t.as_deref())
                    .map(clean)
                    .unwrap_or_default(),
                collection: details
                    .get(&h.id)
                    .and_then(|(_, c)| c.as_deref())
                    .map(clean)
                    .unwrap_or_default(),
                href: document_href(&h.id),
                title: clean(&h.title),
                lang: super::script_lang(&h.title),
                snippet_lang: super::script_lang(&h.snippet),
                date: date_long(h.date.as_deref().and_then(|d| d.parse().ok()).as_ref()),
                iso_date: h.date.as_deref().map(clean).unwrap_or_default(),
                snippet_html: h.snippet.clone(),
                snippet_source: match h.snippet_source.as_deref() {
                    Some("original") => "from the original".to_string(),
                    Some("translation") => "from the translation".to_string(),
                    Some("summary") => "from the summary".to_string(),
                    Some("title") => "from the title".to_string(),
                    _ => String::new(),
                },
            })
            .collect();
        page.facets = facet_boxes(params, &results.facets);
        let pages = results
            .total
            .div_ceil(PAGE_SIZE)
            .min(MAX_OFFSET / PAGE_SIZE);
        if pages > 1 {
            let first = params.page.saturating_sub(4).max(1);
            let last = (first + 8).min(pages);
            page.pages = (first..=last)
                .map(|n| PageLink {
                    n,
                    href: params.href_page(n),
                    current: n == params.page,
                })
                .collect();
            if params.page > 1 {
                page.prev_href = params.href_page(params.page - 1);
            }
            if params.page < pages {
                page.next_href = params.href_page(params.page + 1);
            }
        }
        if params.q.trim().is_empty() || params.q.trim() == "*" {
            page.notes.push(if params.is_filtered() {
                "No words given: showing every document that matches the filters.".to_string()
            } else {
                "No words given: showing every document in the archive. Type words to search \
                 the titles, summaries, originals and translations."
                    .to_string()
            });
        }
        page.notes.extend(results.warnings.iter().map(|w| clean(w)));
        let date = |d: &Option<String>| d.as_deref().and_then(|d| d.parse::<PartialDate>().ok());
        if let (Some(from), Some(to)) = (date(&params.from), date(&params.to))
            && from.start_key() > to.end_key()
        {
            page.notes.push(format!(
                "The range runs backwards: {from} is after {to}, so no document can fall in it."
            ));
        }
        if results.total > MAX_OFFSET {
            page.notes.push(format!(
                "Only the first {MAX_OFFSET} of {} documents can be paged through: narrow the \
                 search, or reverse the sort to reach the others.",
                results.total
            ));
        }
        page.api_href = {
            let mut p = params.clone();
            p.limit = PAGE_SIZE;
            p.api_href(offset)
        };
        page
    }
}

fn chips(params: &SearchParams) -> Vec<Chip> {
    let mut chips: Vec<Chip> = params
        .filters
        .iter()
        .map(|(facet, value)| Chip {
            label: format!("{}: {}", facet.label(), facet_label(*facet, value)),
            remove_href: params.href_with(*facet, None),
        })
        .collect();
    if params.from.is_some() || params.to.is_some() {
        chips.push(Chip {
            label: format!(
                "Dated {}",
                match (&params.from, &params.to) {
                    (Some(f), Some(t)) => format!("{} to {}", clean(f), clean(t)),
                    (Some(f), None) => format!("from {}", clean(f)),
                    (None, Some(t)) => format!("up to {}", clean(t)),
                    (None, None) => String::new(),
                }
            ),
            remove_href: params.href_without_dates(),
        });
    }
    chips
}
