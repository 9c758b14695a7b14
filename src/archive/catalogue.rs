//! The catalogue: collections, archival files, chronology and a record's neighbours, for browsing.
//!
//! A **collection** is what a record came in: its `source.collection` (a FRUS volume, a WCDA
//! collection) or, without one, its `source.name`; records with neither are in no collection.
//! Within a collection records are in **chronological order**: by the date's first day, undated
//! last, ties by id with digit runs compared as numbers (`d9` before `d10`).
//! An **archival file** is an archive's fond/opis/delo ([`ArchivalRef::file_key`](crate::model::ArchivalRef::file_key)); a record is in
//! every file its references name.

use serde::Serialize;

use super::Archive;
use crate::error::Result;
use crate::model::PartialDate;

/// A record in a list or a link: enough to show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// The record id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date, of its precision.
    pub date: Option<PartialDate>,
    /// Its type (Telegram, Letter…).
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
}

/// A collection and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Its name (the source's collection title, or the source's name).
    pub name: String,
    /// How many records it holds.
    pub records: usize,
    /// The earliest date of its records.
    pub first_date: Option<PartialDate>,
    /// The latest date of its records.
    pub last_date: Option<PartialDate>,
}

/// A record's place in its collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Neighbours {
    /// The collection, if the record is in one (then the fields below are set).
    pub collection: Option<String>,
    /// The record's position in it, from 1.
    pub position: usize,
    /// How many records the collection holds.
    pub count: usize,
    /// The record before it.
    pub previous: Option<RecordSummary>,
    /// The record after it.
    pub next: Option<RecordSummary>,
}

/// An archival file (archive, fond, opis, delo) and how many records it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivalFile {
    /// The file's key, as [`ArchivalRef::file_key`](crate::model::ArchivalRef::file_key) writes it: `RGASPI f. 558, op. 11, d. 334`.
    pub key: String,
    /// The archive (`RGASPI`).
    pub archive: String,
    /// Fond, opis and delo where given.
    pub fond: Option<String>,
    /// See `fond`.
    pub opis: Option<String>,
    /// See `fond`.
    pub delo: Option<String>,
    /// How many records it holds.
    pub records: usize,
}

/// How many records fall in one year, and in each of its months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// Records dated in it (any precision).
    pub count: usize,
    /// `months[0]`: dated to the year only; `months[m]`: dated in month `m` (1-12).
    pub months: [usize; 13],
}

impl Archive {
    /// Every collection, by name.
    pub fn collections(&self) -> Result<Vec<Collection>> {
        todo!("catalogue")
    }

    /// A page of a collection's records in chronological order, and how many it holds in all.
    /// An unknown collection is `Error::NotFound`.
    pub fn collection_records(
        &self,
        name: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<RecordSummary>)> {
        let _ = (name, offset, limit);
        todo!("catalogue")
    }

    /// The record's previous and next records in its collection. An unknown id is
    /// `Error::NotFound`.
    pub fn neighbours(&self, id: &str) -> Result<Neighbours> {
        let _ = id;
        todo!("catalogue")
    }

    /// For each archival file the record is in, the other records of that file (chronological,
    /// at most `limit` per file) and how many there are in all.
    pub fn same_file(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<Vec<(ArchivalFile, Vec<RecordSummary>)>> {
        let _ = (id, limit);
        todo!("catalogue")
    }

    /// Every archival file, by archive, then fond, opis and delo (numbers compared as numbers).
    pub fn archival_files(&self) -> Result<Vec<ArchivalFile>> {
        todo!("catalogue")
    }

    /// The records of one archival file, chronological. An unknown key is `Error::NotFound`.
    pub fn file_records(&self, key: &str) -> Result<Vec<RecordSummary>> {
        let _ = key;
        todo!("catalogue")
    }

    /// Records by year and month, oldest first; undated records are not counted.
    pub fn chronology(&self) -> Result<Vec<YearCount>> {
        todo!("catalogue")
    }

    /// The records most recently added or changed, newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<RecordSummary>> {
        let _ = limit;
        todo!("catalogue")
    }

    /// Records that hold both an original and a translation, newest import first: the ones
    /// the reader shows side by side.
    pub fn notable(&self, limit: usize) -> Result<Vec<RecordSummary>> {
        let _ = limit;
        todo!("catalogue")
    }
}
