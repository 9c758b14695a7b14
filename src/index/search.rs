//! Searching: the parsed query with its filters, the page of hits, the total and the facets.

use std::ops::Bound;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, TantivyDocument, Term};

use super::analyzer::fold_keyword;
use super::facet_counter::{self, FacetCounter};
use super::schema::names;
use super::snippet::Snippets;
use super::{Hit, Index, IndexError, SearchRequest, SearchResults, Sort};

/// The most hits one request returns (a larger `limit` is cut to this).
pub const MAX_LIMIT: usize = 1000;

impl Index {
    /// Runs a search: the query (see [`SearchRequest`] for the language) with the request's
    /// filters; returns the total, the requested page of hits with snippets and, if asked,
    /// the facet counts over all matches.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, IndexError> {
        let inner = self.live();
        let fields = &inner.fields;
        let t = IndexError::tantivy(&inner.dir, "search");
        let searcher = inner.reader.searcher();
        let parsed = inner.parser.parse(&req.query, &searcher)?;

        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        let keyword = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, &fold_keyword(value)),
                IndexRecordOption::Basic,
            ))
        };
        if let Some(from) = &req.from {
            filters.push(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(fields.date_end, from.start_key())),
                Bound::Unbounded,
            )));
        }
        if let Some(to) = &req.to {
            filters.push(Box::new(RangeQuery::new(
                Bound::Unbounded,
                Bound::Included(Term::from_field_i64(fields.date_start, to.end_key())),
            )));
        }
        if let Some(v) = non_empty(&req.doc_type) {
            filters.push(keyword(fields.doc_type, v));
        }
        if let Some(v) = non_empty(&req.lang) {
            filters.push(keyword(fields.lang, v));
        }
        if let Some(v) = non_empty(&req.archive) {
            filters.push(keyword(fields.archive, v));
        }
        if let Some(v) = non_empty(&req.collection) {
            filters.push(Box::new(TermQuery::new(
                Term::from_facet(fields.facets, &Facet::from_path(["collection", v])),
                IndexRecordOption::Basic,
            )));
        }
        // Exact, as written (only surrounding space trimmed, as when indexed).
        for (field, value) in [
            (fields.author, non_empty(&req.author)),
            (fields.recipient, non_empty(&req.recipient)),
        ] {
            if let Some(v) = value {
                filters.push(Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                )));
            }
        }
        let text_query = (!parsed.match_all).then(|| parsed.query.box_clone());
        // Browsing everything (the landing page) counts facets over the whole index: counted
        // once per index generation.
        let browse_all = parsed.match_all && filters.is_empty();
        let query: Box<dyn Query> = if filters.is_empty() {
            parsed.query
        } else {
            let mut clauses = vec![(Occur::Must, parsed.query)];
            clauses.extend(filters.into_iter().map(|f| {
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(f, 0.0)) as Box<dyn Query>,
                )
            }));
            Box::new(BooleanQuery::new(clauses))
        };

        let order = match req.sort {
            Sort::Relevance if parsed.match_all => Some(Order::Asc),
            Sort::Relevance => None,
            Sort::DateAsc => Some(Order::Asc),
            Sort::DateDesc => Some(Order::Desc),
        };
        let generation = searcher.generation().generation_id();
        let cached = if browse_all && req.facets {
            let cache = inner
                .browse_facets
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            cache
                .as_ref()
                .filter(|(g, _)| *g == generation)
                .map(|(_, facets)| facets.clone())
        } else {
            None
        };
        let dictionary = if req.facets && cached.is_none() {
            Some(inner.facet_dictionary(&searcher).map_err(&t)?)
        } else {
            None
        };
        let facets = dictionary.clone().map(FacetCounter::new);
        // Bounded so that a hostile `limit` or `offset` cannot make the collector allocate
        // without end: past the last document there is nothing to collect anyway.
        let offset = req.offset.min(searcher.num_docs() as usize);
        let limit = req.limit.min(MAX_LIMIT);
        let top = TopDocs::for_doc_range(offset..offset + limit);
        let (page, total, tally): (Vec<(f32, DocAddress)>, usize, _) = match order {
            _ if limit == 0 => {
                let (total, tally) = searcher.search(&query, &(Count, facets)).map_err(&t)?;
                (Vec::new(), total, tally)
            }
            None => searcher
                .search(&query, &(top.order_by_score(), Count, facets))
                .map_err(&t)?,
            Some(order) => {
                let by_date = top.order_by_fast_field::<i64>(names::DATE_START, order);
                let (page, total, tally) = searcher
                    .search(&query, &(by_date, Count, facets))
                    .map_err(&t)?;
                let page = page.into_iter().map(|(_, addr)| (0.0, addr)).collect();
                (page, total, tally)
            }
        };

        let snippets = if page.is_empty() {
            None
        } else {
            Some(Snippets::new(&searcher, text_query.as_deref(), fields).map_err(&t)?)
        };
        let mut hits = Vec::with_capacity(page.len());
        for (score, addr) in page {
            let doc: TantivyDocument = searcher.doc(addr).map_err(&t)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_string))
            };
            let (snippet, snippet_source) = snippets
                .as_ref()
                .map(|s| s.for_doc(&doc))
                .unwrap_or_default();
            hits.push(Hit {
                id: text(fields.id).unwrap_or_default(),
                title: text(fields.title).unwrap_or_default(),
                date: text(fields.date),
                score,
                snippet,
                snippet_source,
            });
        }
        let facets = match (cached, tally, &dictionary) {
            (Some(facets), ..) => facets,
            (None, Some(tally), Some(dictionary)) => {
                let facets = facet_counter::group(dictionary, &tally);
                if browse_all {
                    *inner
                        .browse_facets
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some((generation, facets.clone()));
                }
                facets
            }
            _ => Default::default(),
        };
        Ok(SearchResults {
            total,
            hits,
            facets,
            warnings: parsed.warnings,
        })
    }
}

impl super::Inner {
    /// The facet dictionary of `searcher`'s generation: the one kept, or one built now (once
    /// per generation, on the first faceted search after the index was reloaded).
    fn facet_dictionary(
        &self,
        searcher: &tantivy::Searcher,
    ) -> tantivy::Result<std::sync::Arc<facet_counter::FacetDictionary>> {
        let generation = searcher.generation().generation_id();
        let mut kept = self
            .facet_dictionary
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(d) = kept.as_ref().filter(|d| d.generation() == generation) {
            return Ok(std::sync::Arc::clone(d));
        }
        let built = std::sync::Arc::new(facet_counter::FacetDictionary::build(searcher)?);
        // A search still on an older searcher does not replace a newer generation's.
        if kept.as_ref().is_none_or(|d| d.generation() < generation) {
            *kept = Some(std::sync::Arc::clone(&built));
        }
        Ok(built)
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
