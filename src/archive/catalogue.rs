//! The catalogue: collections, archival files, chronology and a record's neighbours, for browsing.
//!
//! A **collection** is what a record came in: its `source.collection` (a FRUS volume, a WCDA
//! collection) or, without one, its `source.name`; records with neither are in no collection.
//! Within a collection records are in **chronological order**: by the date's first day, undated
//! last, ties by id with digit runs compared as numbers (`d9` before `d10`).
//! An **archival file** is an archive's fond/opis/delo ([`ArchivalRef::file_key`](crate::model::ArchivalRef::file_key)); a record is in
//! every file its references name.

use super::Archive;
use crate::error::{Error, Result};

pub use crate::store::{
    ArchivalFile, Collection, Neighbours, RecordSummary, TypesAndCollections, YearCount,
};

/// The `NotFound` error for an id, collection name or file key.
fn not_found(what: &str) -> Error {
    Error::NotFound {
        id: what.to_string(),
    }
}

impl Archive {
    /// Every collection, by name.
    pub fn collections(&self) -> Result<Vec<Collection>> {
        Ok(self.store.collections()?)
    }

    /// A page of a collection's records in chronological order, and how many it holds in all.
    /// An unknown collection is `Error::NotFound`.
    pub fn collection_records(
        &self,
        name: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<RecordSummary>)> {
        self.store
            .collection_records(name, offset, limit)?
            .ok_or_else(|| not_found(name))
    }

    /// The record's previous and next records in its collection. An unknown id is
    /// `Error::NotFound`.
    pub fn neighbours(&self, id: &str) -> Result<Neighbours> {
        self.store.neighbours(id)?.ok_or_else(|| not_found(id))
    }

    /// For each archival file the record is in (by archive, fond, opis, delo), the other
    /// records of that file (chronological, at most `limit` per file; the list is empty when
    /// the record is alone in it) and how many there are in all ([`ArchivalFile::records`],
    /// counting this record). An unknown id is `Error::NotFound`.
    pub fn same_file(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<Vec<(ArchivalFile, Vec<RecordSummary>)>> {
        self.store
            .same_file(id, limit)?
            .ok_or_else(|| not_found(id))
    }

    /// Every archival file, by archive, then fond, opis and delo (numbers compared as numbers).
    pub fn archival_files(&self) -> Result<Vec<ArchivalFile>> {
        Ok(self.store.archival_files()?)
    }

    /// The records of one archival file, chronological. An unknown key is `Error::NotFound`.
    pub fn file_records(&self, key: &str) -> Result<Vec<RecordSummary>> {
        self.store.file_records(key)?.ok_or_else(|| not_found(key))
    }

    /// The type and collection of each of `ids` in the archive, by id (for lists of hits).
    pub fn types_and_collections(&self, ids: &[&str]) -> Result<TypesAndCollections> {
        Ok(self.store.types_and_collections(ids)?)
    }

    /// Records by year and month, oldest first; undated records are not counted.
    pub fn chronology(&self) -> Result<Vec<YearCount>> {
        Ok(self.store.chronology()?)
    }

    /// The records most recently added or changed, newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<RecordSummary>> {
        Ok(self.store.recent(limit)?)
    }

    /// Records that hold both an original and a translation, newest import first: the ones
    /// the reader shows side by side.
    pub fn notable(&self, limit: usize) -> Result<Vec<RecordSummary>> {
        Ok(self.store.notable(limit)?)
    }
}
