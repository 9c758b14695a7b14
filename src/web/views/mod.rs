//! Views: what the templates show, built from records, results and catalogue entries.
//!
//! Every string a view holds is plain text that the template escapes, except fields named
//! `*_html`, which are built here from escaped parts ([`markup`](super::markup)).

pub mod browse;
pub mod document;
pub mod error;
pub mod home;
pub mod search;

use crate::archive::RecordSummary;
use crate::index::FacetCount;
use crate::model::{PartialDate, english_name};

use super::markup::{clean, path_segment};
use super::params::{Facet, SearchParams};

/// The name of month `m` (1-12).
pub fn month_name(m: u8) -> &'static str {
    crate::model::month_name(m).unwrap_or("")
}

/// A date for reading: "13 July 1950", "July 1950", "1950"; "undated" without one.
pub fn date_long(date: Option<&PartialDate>) -> String {
    match date {
        None => "undated".to_string(),
        Some(d) => match (d.month, d.day) {
            (Some(m), Some(day)) => format!("{day} {} {}", month_name(m), d.year),
            (Some(m), None) => format!("{} {}", month_name(m), d.year),
            _ => d.year.to_string(),
        },
    }
}

/// A language for reading: "Russian" for `ru`, the code itself when unknown.
pub fn language(code: &str) -> String {
    english_name(code).unwrap_or_else(|| clean(code))
}

/// The language of a title or name written in another script than the page's English
/// (`ru` for Cyrillic, `zh`, `ja`, `ko`…), for its `lang` attribute; empty for Latin script,
/// whose language the script does not tell.
pub fn script_lang(text: &str) -> String {
    // Latin script in ASCII, the common case, says nothing more.
    if text.is_ascii() {
        return String::new();
    }
    match crate::model::detect_script_lang(text) {
        Some("en") | None => String::new(),
        Some(code) => code.to_string(),
    }
}

/// The page of a document.
pub fn document_href(id: &str) -> String {
    format!("/documents/{}", path_segment(id))
}

/// The page of a collection.
pub fn collection_href(name: &str) -> String {
    format!("/browse/collections/{}", path_segment(name))
}

/// The page of an archival file.
pub fn file_href(key: &str) -> String {
    format!("/browse/files/{}", path_segment(key))
}

/// A record in a list: a link with its date and type.
pub struct Item {
    /// Its page.
    pub href: String,
    /// Its title.
    pub title: String,
    /// Its date for reading.
    pub date: String,
    /// Its date as ISO 8601, for `<time datetime>`; empty when undated.
    pub iso_date: String,
    /// Its type, or empty.
    pub doc_type: String,
    /// The title's language when its script tells (`ru`), or empty.
    pub lang: String,
}

impl Item {
    /// The item of a catalogue summary.
    pub fn of(s: &RecordSummary) -> Item {
        Item {
            href: document_href(&s.id),
            title: clean(&s.title),
            date: date_long(s.date.as_ref()),
            iso_date: s.date.map(|d| d.to_string()).unwrap_or_default(),
            doc_type: s.doc_type.as_deref().map(clean).unwrap_or_default(),
            lang: script_lang(&s.title),
        }
    }
}

/// One facet value as a link that narrows the search (or, when chosen, widens it again).
pub struct FacetLink {
    /// What it shows: "Telegram", "Russian", "1950s".
    pub label: String,
    /// How many documents have it.
    pub count: u64,
    /// The search with this value chosen, or without it when it is chosen.
    pub href: String,
    /// Whether it is chosen.
    pub active: bool,
}

/// A facet's box on a page.
pub struct FacetBox {
    /// Its heading.
    pub label: &'static str,
    /// Its id, for `aria-labelledby`.
    pub id: &'static str,
    /// Its values.
    pub links: Vec<FacetLink>,
}

/// A facet value's label: languages by name, decades as "1950s".
pub fn facet_label(facet: Facet, value: &str) -> String {
    match facet {
        Facet::Lang => language(value),
        Facet::Decade => format!("{}s", clean(value)),
        _ => clean(value),
    }
}

/// The facet boxes of a search's results, each value linking to the narrowed search. Years
/// are shown once a decade is chosen (or when all results fall in one decade).
pub fn facet_boxes(
    params: &SearchParams,
    facets: &std::collections::BTreeMap<String, Vec<FacetCount>>,
) -> Vec<FacetBox> {
    let decades = facets.get("decade").map_or(0, Vec::len);
    Facet::ALL
        .into_iter()
        .filter(|f| {
            *f != Facet::Year
                || params.filter(Facet::Decade).is_some()
                || decades == 1
                || params.filter(Facet::Year).is_some()
        })
        .filter_map(|facet| {
            let counts = facets.get(facet.param())?;
            let chosen = params.filter(facet);
            let links = counts
                .iter()
                .map(|c| {
                    let active = chosen == Some(c.value.as_str());
                    FacetLink {
                        label: facet_label(facet, &c.value),
                        count: c.count,
                        href: params.href_with(facet, (!active).then_some(c.value.as_str())),
                        active,
                    }
                })
                .collect::<Vec<_>>();
            (!links.is_empty()).then_some(FacetBox {
                label: facet.label(),
                id: facet.param(),
                links,
            })
        })
        .collect()
}
