//! The browse pages: the chronology by year and month, collections, archival files.

use askama::Template;

use crate::archive::{ArchivalFile, Collection, RecordSummary, YearCount};

use super::super::markup::{clean, query_string};
use super::home::CollectionItem;
use super::{Item, file_href, month_name};

/// A year of the chronology, with its months.
pub struct YearView {
    /// The year.
    pub year: i32,
    /// Documents dated in it.
    pub count: usize,
    /// The search for the year, by date.
    pub href: String,
    /// Months with documents: (name, count, search).
    pub months: Vec<(&'static str, usize, String)>,
    /// Documents dated to the year only.
    pub year_only: usize,
}

/// The chronology.
#[derive(Template)]
#[template(path = "browse_dates.html")]
pub struct DatesPage {
    /// The years, oldest first.
    pub years: Vec<YearView>,
}

impl DatesPage {
    /// Builds the chronology.
    pub fn new(years: &[YearCount]) -> DatesPage {
        DatesPage {
            years: years
                .iter()
                .map(|y| {
                    let year = y.year.to_string();
                    YearView {
                        year: y.year,
                        count: y.count,
                        href: format!(
                            "/search{}",
                            query_string([("year", year.as_str()), ("sort", "date")])
                        ),
                        months: (1..=12u8)
                            .filter(|m| y.months[usize::from(*m)] > 0)
                            .map(|m| {
                                let ym = format!("{:04}-{m:02}", y.year);
                                (
                                    month_name(m),
                                    y.months[usize::from(m)],
                                    format!(
                                        "/search{}",
                                        query_string([
                                            ("from", ym.as_str()),
                                            ("to", ym.as_str()),
                                            ("sort", "date")
                                        ])
                                    ),
                                )
                            })
                            .collect(),
                        year_only: y.months[0],
                    }
                })
                .collect(),
        }
    }
}

/// The list of collections.
#[derive(Template)]
#[template(path = "browse_collections.html")]
pub struct CollectionsPage {
    /// Every collection.
    pub collections: Vec<CollectionItem>,
}

impl CollectionsPage {
    /// Builds the list.
    pub fn new(collections: &[Collection]) -> CollectionsPage {
        CollectionsPage {
            collections: super::home::chronological(collections),
        }
    }
}

/// A list of documents: a collection's page or an archival file's.
#[derive(Template)]
#[template(path = "browse_list.html")]
pub struct ListPage {
    /// What the list is: "Collection", "Archival file".
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// How many documents it holds in all.
    pub total: usize,
    /// The position of the first shown, from 1.
    pub first: usize,
    /// The documents shown.
    pub items: Vec<Item>,
    /// The previous page, or empty.
    pub prev_href: String,
    /// The next page, or empty.
    pub next_href: String,
    /// The search restricted to it, or empty.
    pub search_href: String,
}

impl ListPage {
    /// A page of a collection.
    pub fn collection(
        name: &str,
        total: usize,
        offset: usize,
        page_size: usize,
        records: &[RecordSummary],
        href: &str,
    ) -> ListPage {
        let page = offset / page_size + 1;
        let at = |p: usize| {
            if p == 1 {
                href.to_string()
            } else {
                format!("{href}?page={p}")
            }
        };
        ListPage {
            kind: "Collection",
            name: clean(name),
            total,
            first: offset + 1,
            items: records.iter().map(Item::of).collect(),
            prev_href: if page > 1 {
                at(page - 1)
            } else {
                String::new()
            },
            next_href: if offset + records.len() < total {
                at(page + 1)
            } else {
                String::new()
            },
            search_href: format!("/search{}", query_string([("collection", name)])),
        }
    }

    /// An archival file.
    pub fn file(key: &str, records: &[RecordSummary]) -> ListPage {
        ListPage {
            kind: "Archival file",
            name: clean(key),
            total: records.len(),
            first: 1,
            items: records.iter().map(Item::of).collect(),
            prev_href: String::new(),
            next_href: String::new(),
            search_href: String::new(),
        }
    }
}

/// An archive's files in the list of archival files.
pub struct ArchiveFiles {
    /// The archive.
    pub archive: String,
    /// Its files: (key, page, documents).
    pub files: Vec<(String, String, usize)>,
}

/// The list of archival files, by archive.
#[derive(Template)]
#[template(path = "browse_files.html")]
pub struct FilesPage {
    /// The archives, each with its files.
    pub archives: Vec<ArchiveFiles>,
}

impl FilesPage {
    /// Builds the list (files come ordered by archive).
    pub fn new(files: &[ArchivalFile]) -> FilesPage {
        let mut archives: Vec<ArchiveFiles> = Vec::new();
        for f in files {
            if archives
                .last()
                .is_none_or(|a| a.archive != clean(&f.archive))
            {
                archives.push(ArchiveFiles {
                    archive: clean(&f.archive),
                    files: Vec::new(),
                });
            }
            if let Some(a) = archives.last_mut() {
                a.files.push((clean(&f.key), file_href(&f.key), f.records));
            }
        }
        FilesPage { archives }
    }
}

/// The browse index.
#[derive(Template)]
#[template(path = "browse.html")]
pub struct BrowsePage {
    /// Collections.
    pub collections: usize,
    /// Archival files.
    pub files: usize,
    /// Years with dated documents.
    pub years: usize,
}
