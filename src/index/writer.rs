//! The index writer: upserts and deletes by record id, committed in batches with a payload.

use std::sync::Arc;

use tantivy::{TantivyDocument, Term};

use super::{IndexError, IndexState, Inner};
use crate::model::Record;

/// Indexing threads (the box has two cores; the store's work runs alongside).
const THREADS: usize = 2;
/// The writer's memory budget, shared by its threads.
const HEAP_BYTES: usize = 192 * 1024 * 1024;
/// More segments than this are merged into one when a writer commits.
pub const MAX_SEGMENTS: usize = 8;

/// The index's writer. Changes become visible (and durable) at [`IndexWriter::commit`];
/// dropping the writer without committing discards them.
pub struct IndexWriter {
    inner: Arc<Inner>,
    writer: tantivy::IndexWriter<TantivyDocument>,
}

impl std::fmt::Debug for IndexWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

impl IndexWriter {
    pub(crate) fn new(inner: Arc<Inner>) -> Result<IndexWriter, IndexError> {
        let writer = inner
            .index
            .writer_with_num_threads(THREADS, HEAP_BYTES)
            .map_err(IndexError::tantivy(&inner.dir, "open the writer"))?;
        // No merges in the background: the archive merges when an import ends
        // ([`IndexWriter::merge_if_needed`]), so that no merge runs when the writer is dropped
        // or asked to merge everything.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok(IndexWriter { inner, writer })
    }

    fn id_term(&self, id: &str) -> Term {
        Term::from_field_text(self.inner.fields.id, id)
    }

    /// Adds a record's revision, replacing any document with the same id. `hash` is the store's
    /// content hash of this revision.
    pub fn upsert(&mut self, record: &Record, hash: &str) -> Result<(), IndexError> {
        let doc = self.inner.fields.document(record, hash);
        self.writer.delete_term(self.id_term(&record.id));
        self.writer
            .add_document(doc)
            .map_err(IndexError::tantivy(&self.inner.dir, "add a document"))?;
        Ok(())
    }

    /// Adds a record's revision that the index does not hold (a new record, or any record of a
    /// rebuild). Unlike [`IndexWriter::upsert`] it queues no deletion, which tantivy keeps in
    /// memory until the commit (about a kilobyte each): a first import of millions of records
    /// stays within the writer's memory budget. Should the last commit hold the id all the
    /// same (a record deleted from the store outside Fonds, then imported again), it replaces
    /// it, so that no record is ever indexed twice.
    pub fn add(&mut self, record: &Record, hash: &str) -> Result<(), IndexError> {
        let term = self.id_term(&record.id);
        let searcher = self.inner.reader.searcher();
        if searcher.num_docs() > 0
            && searcher
                .doc_freq(&term)
                .map_err(IndexError::tantivy(&self.inner.dir, "look up an id"))?
                > 0
        {
            return self.upsert(record, hash);
        }
        let doc = self.inner.fields.document(record, hash);
        self.writer
            .add_document(doc)
            .map_err(IndexError::tantivy(&self.inner.dir, "add a document"))?;
        Ok(())
    }

    /// Removes the document of a record id (nothing happens if there is none).
    pub fn delete(&mut self, id: &str) -> Result<(), IndexError> {
        self.writer.delete_term(self.id_term(id));
        Ok(())
    }

    /// Removes every document (for a rebuild; visible at the next commit).
    pub fn delete_all(&mut self) -> Result<(), IndexError> {
        self.writer
            .delete_all_documents()
            .map_err(IndexError::tantivy(&self.inner.dir, "delete all documents"))?;
        Ok(())
    }

    /// Commits every change so far, recording `last_seq` (the store's change sequence the index
    /// is now complete up to) with the generation's store id as the commit payload, then
    /// reloads the reader.
    pub fn commit(&mut self, last_seq: u64) -> Result<(), IndexError> {
        let t = IndexError::tantivy(&self.inner.dir, "commit");
        let state = IndexState {
            store: self
                .inner
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .store
                .clone(),
            seq: last_seq,
        };
        let mut prepared = self.writer.prepare_commit().map_err(&t)?;
        prepared.set_payload(&state.payload());
        prepared.commit().map_err(t)?;
        self.inner.reload()
    }

    /// Discards every change since the last commit.
    pub fn rollback(&mut self) -> Result<(), IndexError> {
        self.writer
            .rollback()
            .map_err(IndexError::tantivy(&self.inner.dir, "roll back"))?;
        Ok(())
    }

    /// Merges the committed segments into one and waits for it (after a large import or a
    /// rebuild: fewer segments, faster and colder-start searches). Nothing to do with one.
    pub fn merge_all(&mut self) -> Result<(), IndexError> {
        let t = IndexError::tantivy(&self.inner.dir, "merge segments");
        let ids = self.inner.index.searchable_segment_ids().map_err(t)?;
        if ids.len() > 1 {
            self.writer.merge(&ids).wait().map_err(t)?;
            self.inner.reload()?;
        }
        Ok(())
    }

    /// After a commit: merges all segments into one when there are more than [`MAX_SEGMENTS`],
    /// or when `large` (a commit that added a good share of the index). Returns whether it
    /// merged.
    pub fn merge_if_needed(&mut self, large: bool) -> Result<bool, IndexError> {
        let segments = self.num_segments()?;
        if segments > MAX_SEGMENTS || (large && segments > 1) {
            self.merge_all()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The number of segments the last commit holds.
    pub fn num_segments(&self) -> Result<usize, IndexError> {
        Ok(self
            .inner
            .index
            .searchable_segment_ids()
            .map_err(IndexError::tantivy(&self.inner.dir, "list segments"))?
            .len())
    }

    /// Waits for background segment merges to finish and releases the writer (optional: merges
    /// otherwise continue until the writer is dropped).
    pub fn wait_merging_threads(self) -> Result<(), IndexError> {
        let dir = self.inner.dir.clone();
        self.writer
            .wait_merging_threads()
            .map_err(IndexError::tantivy(&dir, "merge segments"))
    }
}
