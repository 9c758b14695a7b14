//! The search parameters shared by the search page and `/api/search`: parsed, checked, and
//! written back into links (facets that narrow, pages, sorting) in one canonical order.

use crate::index::{SearchRequest, Sort};
use crate::model::PartialDate;

use super::error::WebError;
use super::markup::query_string;

/// The deepest result a client may page to: tantivy collects `offset + limit` hits per query.
pub const MAX_OFFSET: usize = 10_000;
/// Hits per page on the search page.
pub const PAGE_SIZE: usize = 20;
/// The largest `limit` of `/api/search`.
pub const MAX_API_LIMIT: usize = 100;

/// A filter that a facet value sets; its URL parameter is [`Facet::param`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// Document type.
    Type,
    /// Original language (ISO 639-1).
    Lang,
    /// Decade (`1950`): a date range.
    Decade,
    /// Year: a date range.
    Year,
    /// Holding archive.
    Archive,
    /// Collection (source volume).
    Collection,
    /// Author, as written.
    Author,
    /// Recipient, as written.
    Recipient,
}

impl Facet {
    /// Every facet, in the order the search page shows them.
    pub const ALL: [Facet; 8] = [
        Facet::Type,
        Facet::Lang,
        Facet::Decade,
        Facet::Year,
        Facet::Archive,
        Facet::Collection,
        Facet::Author,
        Facet::Recipient,
    ];

    /// The URL parameter, which is also the facet's key in search results.
    pub fn param(self) -> &'static str {
        match self {
            Facet::Type => "type",
            Facet::Lang => "lang",
            Facet::Decade => "decade",
            Facet::Year => "year",
            Facet::Archive => "archive",
            Facet::Collection => "collection",
            Facet::Author => "author",
            Facet::Recipient => "recipient",
        }
    }

    /// The heading on the search page.
    pub fn label(self) -> &'static str {
        match self {
            Facet::Type => "Type",
            Facet::Lang => "Original language",
            Facet::Decade => "Decade",
            Facet::Year => "Year",
            Facet::Archive => "Archive",
            Facet::Collection => "Collection",
            Facet::Author => "Author",
            Facet::Recipient => "Recipient",
        }
    }

    fn from_param(name: &str) -> Option<Facet> {
        Facet::ALL.into_iter().find(|f| f.param() == name)
    }
}

/// A parsed search: the query, its filters, the order and where in the results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchParams {
    /// The query as typed.
    pub q: String,
    /// `from` and `to` as typed (checked to be dates).
    pub from: Option<String>,
    /// See `from`.
    pub to: Option<String>,
    /// Facet filters, at most one value per facet, in [`Facet::ALL`] order.
    pub filters: Vec<(Facet, String)>,
    /// The order of hits.
    pub sort: Sort,
    /// The page (search page), from 1.
    pub page: usize,
    /// Hits per request (API).
    pub limit: usize,
    /// Hits to skip (API cursor).
    pub offset: usize,
}

impl SearchParams {
    /// Parses a raw query string from a form: empty values are absent (an empty date field);
    /// unknown parameters are ignored; a malformed value is a [`WebError::BadRequest`] naming
    /// it.
    pub fn parse(raw: Option<&str>) -> Result<SearchParams, WebError> {
        SearchParams::parse_with(raw, false)
    }

    /// Parses a raw query string from a program (`/api/search`): as [`SearchParams::parse`],
    /// but an empty date, number or sort is malformed, as the API's description says, rather
    /// than absent. Empty text (`q=`, `type=`) is still absent.
    pub fn parse_strict(raw: Option<&str>) -> Result<SearchParams, WebError> {
        SearchParams::parse_with(raw, true)
    }

    fn parse_with(raw: Option<&str>, strict: bool) -> Result<SearchParams, WebError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
        let mut p = SearchParams {
            page: 1,
            limit: 10,
            ..SearchParams::default()
        };
        for (name, value) in pairs {
            let value = value.trim().to_string();
            if value.is_empty() {
                let typed = matches!(
                    name.as_str(),
                    "from" | "to" | "sort" | "page" | "limit" | "cursor" | "decade" | "year"
                );
                if strict && typed {
                    return Err(WebError::parameter(format!("`{name}` is empty")));
                }
                continue;
            }
            match name.as_str() {
                "q" => p.q = value,
                "from" => p.from = Some(checked_date("from", value)?),
                "to" => p.to = Some(checked_date("to", value)?),
                "sort" => {
                    p.sort = match value.as_str() {
                        "relevance" => Sort::Relevance,
                        "date" => Sort::DateAsc,
                        "date-desc" => Sort::DateDesc,
                        _ => {
                            return Err(WebError::parameter(format!(
                                "`sort` must be `relevance`, `date` or `date-desc`, not `{value}`"
                            )));
                        }
                    }
                }
                "page" => {
                    p.page = number("page", &value, 1, MAX_OFFSET / PAGE_SIZE)?;
                }
                "limit" => p.limit = number("limit", &value, 1, MAX_API_LIMIT)?,
                "cursor" => p.offset = number("cursor", &value, 0, MAX_OFFSET)?,
                name => {
                    if let Some(facet) = Facet::from_param(name) {
                        let mut value = value;
                        if matches!(facet, Facet::Decade | Facet::Year) {
                            let n = number(name, &value, 1, 9999)?;
                            if facet == Facet::Decade {
                                // `decade=2005` is the 2000s.
                                value = (n - n % 10).max(1).to_string();
                            }
                        }
                        p.filters.retain(|(f, _)| *f != facet);
                        p.filters.push((facet, value));
                    }
                }
            }
        }
        p.filters
            .sort_by_key(|(f, _)| Facet::ALL.iter().position(|x| x == f));
        Ok(p)
    }

    /// The value of a facet filter, if set.
    pub fn filter(&self, facet: Facet) -> Option<&str> {
        self.filters
            .iter()
            .find(|(f, _)| *f == facet)
            .map(|(_, v)| v.as_str())
    }

    /// The archive's request for these parameters: `limit` hits from `offset`, with facets.
    pub fn request(&self, limit: usize, offset: usize) -> SearchRequest {
        let date = |s: &Option<String>| s.as_deref().and_then(|d| d.parse::<PartialDate>().ok());
        let mut from = date(&self.from);
        let mut to = date(&self.to);
        let year = |name| self.filter(name).and_then(|v| v.parse::<i32>().ok());
        let mut ranges = Vec::new();
        if let Some(d) = year(Facet::Decade) {
            let start = d - d.rem_euclid(10);
            ranges.push((
                PartialDate::y(start.max(1)),
                PartialDate::y((start + 9).min(9999)),
            ));
        }
        if let Some(y) = year(Facet::Year) {
            ranges.push((PartialDate::y(y), PartialDate::y(y)));
        }
        for (start, end) in ranges {
            if let Some(s) = start
                && from.is_none_or(|f| s.start_key() > f.start_key())
            {
                from = Some(s);
            }
            if let Some(e) = end
                && to.is_none_or(|t| e.end_key() < t.end_key())
            {
                to = Some(e);
            }
        }
        let value = |facet| self.filter(facet).map(str::to_string);
        SearchRequest {
            query: self.q.clone(),
            from,
            to,
            doc_type: value(Facet::Type),
            lang: value(Facet::Lang),
            archive: value(Facet::Archive),
            collection: value(Facet::Collection),
            author: value(Facet::Author),
            recipient: value(Facet::Recipient),
            limit,
            offset,
            sort: self.sort,
            facets: true,
        }
    }

    /// Whether anything narrows the search beyond the query.
    pub fn is_filtered(&self) -> bool {
        !self.filters.is_empty() || self.from.is_some() || self.to.is_some()
    }

    /// The sort's URL value.
    pub fn sort_param(&self) -> &'static str {
        match self.sort {
            Sort::Relevance => "relevance",
            Sort::DateAsc => "date",
            Sort::DateDesc => "date-desc",
        }
    }

    /// The parameters in canonical order, without the page: what every link keeps.
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut pairs = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.as_str()));
        }
        if let Some(f) = &self.from {
            pairs.push(("from", f.as_str()));
        }
        if let Some(t) = &self.to {
            pairs.push(("to", t.as_str()));
        }
        for (facet, value) in &self.filters {
            pairs.push((facet.param(), value.as_str()));
        }
        if self.sort != Sort::Relevance {
            pairs.push(("sort", self.sort_param()));
        }
        pairs
    }

    /// The search page URL of these parameters at page 1.
    pub fn href(&self) -> String {
        format!("/search{}", query_string(self.pairs()))
    }

    /// The search page URL at another page.
    pub fn href_page(&self, page: usize) -> String {
        let page = page.to_string();
        let mut pairs = self.pairs();
        if page != "1" {
            pairs.push(("page", page.as_str()));
        }
        format!("/search{}", query_string(pairs))
    }

    /// The URL with `facet` set to `value` (or cleared with `None`), from page 1. Choosing a
    /// decade clears the year; clearing the decade clears the year too.
    pub fn href_with(&self, facet: Facet, value: Option<&str>) -> String {
        let mut next = self.clone();
        next.filters
            .retain(|(f, _)| *f != facet && !(facet == Facet::Decade && *f == Facet::Year));
        if let Some(v) = value {
            next.filters.push((facet, v.to_string()));
            next.filters
                .sort_by_key(|(f, _)| Facet::ALL.iter().position(|x| x == f));
        }
        next.href()
    }

    /// The URL without the date range.
    pub fn href_without_dates(&self) -> String {
        let mut next = self.clone();
        next.from = None;
        next.to = None;
        next.href()
    }

    /// The URL with another sort.
    pub fn href_sorted(&self, sort: Sort) -> String {
        let mut next = self.clone();
        next.sort = sort;
        next.href()
    }

    /// The `/api/search` URL of these parameters with `limit` hits from `offset`.
    pub fn api_href(&self, offset: usize) -> String {
        let limit = self.limit.to_string();
        let cursor = offset.to_string();
        let mut pairs = self.pairs();
        pairs.push(("limit", limit.as_str()));
        if offset > 0 {
            pairs.push(("cursor", cursor.as_str()));
        }
        format!("/api/search{}", query_string(pairs))
    }
}

fn checked_date(name: &str, value: String) -> Result<String, WebError> {
    match value.parse::<PartialDate>() {
        Ok(_) => Ok(value),
        Err(e) => Err(WebError::parameter(format!("`{name}`: {e}"))),
    }
}

/// A whole number from `min` to `max`, or the error naming the parameter.
pub(crate) fn number(name: &str, value: &str, min: usize, max: usize) -> Result<usize, WebError> {
    match value.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(WebError::parameter(format!(
            "`{name}` must be a whole number from {min} to {max}, not `{value}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_links_keep_them() {
        let p = SearchParams::parse(Some(
            "q=%2238th+parallel%22&from=&type=Telegram&decade=1950&sort=date&page=2&utm=x",
        ))
        .unwrap();
        assert_eq!(p.q, "\"38th parallel\"");
        assert_eq!(p.from, None);
        assert_eq!(p.page, 2);
        assert_eq!(p.filter(Facet::Type), Some("Telegram"));
        let r = p.request(20, 20);
        assert_eq!(r.from.unwrap().to_string(), "1950");
        assert_eq!(r.to.unwrap().to_string(), "1959");
        assert_eq!(
            p.href_page(3),
            "/search?q=%2238th+parallel%22&type=Telegram&decade=1950&sort=date&page=3"
        );
        assert_eq!(
            p.href_with(Facet::Year, Some("1950")),
            "/search?q=%2238th+parallel%22&type=Telegram&decade=1950&year=1950&sort=date"
        );
        assert_eq!(
            p.href_with(Facet::Decade, None),
            "/search?q=%2238th+parallel%22&type=Telegram&sort=date"
        );
    }

    #[test]
    fn a_year_inside_a_range_narrows_it() {
        let p = SearchParams::parse(Some("from=1950-07&to=1953&year=1950")).unwrap();
        let r = p.request(10, 0);
        assert_eq!(r.from.unwrap().to_string(), "1950-07");
        assert_eq!(r.to.unwrap().to_string(), "1950");
    }

    #[test]
    fn programs_may_not_send_empty_typed_values() {
        assert!(SearchParams::parse(Some("from=&to=&q=")).is_ok());
        let e = SearchParams::parse_strict(Some("q=&to=")).unwrap_err();
        assert_eq!(e.to_string(), "`to` is empty");
        assert!(SearchParams::parse_strict(Some("q=&type=")).is_ok());
    }

    #[test]
    fn bad_values_are_named() {
        for (raw, needle) in [
            ("from=1950-13", "`from`"),
            ("sort=best", "`sort`"),
            ("page=0", "`page`"),
            ("page=99999999999999999999999", "`page`"),
            ("cursor=-1", "`cursor`"),
            ("year=abc", "`year`"),
        ] {
            let e = SearchParams::parse(Some(raw)).unwrap_err();
            assert!(e.to_string().contains(needle), "{raw}: {e}");
            assert_eq!(e.code(), "invalid_parameter");
        }
    }
}
