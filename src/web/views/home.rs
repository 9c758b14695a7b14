//! The home page: what the archive holds, a search box, recent and notable documents,
//! collections.

use askama::Template;

use crate::archive::{Collection, RecordSummary};
use crate::export::schema_org;
use crate::index::SearchResults;

use super::super::markup::clean;
use super::super::params::{Facet, SearchParams};
use super::{FacetBox, Item, collection_href, date_long, facet_boxes};

/// A collection in a list.
pub struct CollectionItem {
    /// Its name.
    pub name: String,
    /// Its page.
    pub href: String,
    /// How many documents it holds.
    pub records: usize,
    /// "1894–1895", or empty.
    pub span: String,
}

impl CollectionItem {
    /// The list entry of a collection.
    pub fn of(c: &Collection) -> CollectionItem {
        let span = match (&c.first_date, &c.last_date) {
            (Some(a), Some(b)) if a.year == b.year => a.year.to_string(),
            (Some(a), Some(b)) => format!("{}–{}", a.year, b.year),
            (Some(a), None) | (None, Some(a)) => date_long(Some(a)),
            (None, None) => String::new(),
        };
        CollectionItem {
            name: clean(&c.name),
            href: collection_href(&c.name),
            records: c.records,
            span,
        }
    }
}

/// Collections for reading: oldest first (by their first date; undated last), then by name
/// regardless of case.
pub fn chronological(collections: &[Collection]) -> Vec<CollectionItem> {
    let mut sorted: Vec<&Collection> = collections.iter().collect();
    sorted.sort_by_cached_key(|c| {
        (
            c.first_date.is_none(),
            c.first_date.map(|d| d.start_key()),
            c.name.to_lowercase(),
        )
    });
    sorted.into_iter().map(CollectionItem::of).collect()
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Documents in the archive.
    pub total: usize,
    /// Counts by type, language, decade and archive, each linking to a search.
    pub facets: Vec<FacetBox>,
    /// Recently added or changed.
    pub recent: Vec<Item>,
    /// Documents with an original and a translation.
    pub notable: Vec<Item>,
    /// Every collection.
    pub collections: Vec<CollectionItem>,
    /// The home page's canonical URL.
    pub canonical: String,
    /// schema.org JSON-LD of the site and its search, safe inside `<script>`.
    pub json_ld: String,
}

impl HomePage {
    /// Builds the page from the whole archive's facet counts and the catalogue.
    pub fn new(
        all: &SearchResults,
        recent: &[RecordSummary],
        notable: &[RecordSummary],
        collections: &[Collection],
        base_url: &str,
    ) -> HomePage {
        let params = SearchParams::default();
        let facets = facet_boxes(&params, &all.facets)
            .into_iter()
            .filter(|b| {
                [Facet::Type, Facet::Lang, Facet::Decade, Facet::Archive]
                    .iter()
                    .any(|f| f.param() == b.id)
            })
            .map(|mut b| {
                // Decades are few and in order: all of them; of the others, the 12 largest.
                if b.id != Facet::Decade.param() {
                    b.links.truncate(12);
                }
                b
            })
            .collect();
        HomePage {
            total: all.total,
            facets,
            recent: recent.iter().map(Item::of).collect(),
            notable: notable.iter().map(Item::of).collect(),
            collections: chronological(collections),
            canonical: format!("{base_url}/"),
            json_ld: schema_org::json_ld_script(&serde_json::json!({
                "@context": "https://schema.org",
                "@type": "WebSite",
                "name": "Fonds",
                "url": format!("{base_url}/"),
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {
                        "@type": "EntryPoint",
                        "urlTemplate": format!("{base_url}/search?q={{search_term_string}}"),
                    },
                    "query-input": "required name=search_term_string",
                },
            })),
        }
    }
}
