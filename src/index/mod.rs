//! The full-text index (tantivy): schema, analyzers, queries, snippets, facets; derived, rebuildable.
//!
//! The SQLite store is the source of truth; this index is built from it and can be thrown away
//! and rebuilt at any time. It knows no SQL: it is given [`Record`](crate::model::Record)s with
//! the store's content hash of each revision, and answers with ids, the stored display fields
//! (title, date) and HTML snippets — never records.
//!
//! * [`analyzer`]: the multilingual `fonds` analyzer (Russian and English stemming, diacritic
//!   and `ё` folding, CJK unigrams) and the `keyword` analyzer. They are registered every time
//!   an index is opened (tantivy does not persist them).
//! * `schema`: the fields and the document built from a record (field table there).
//! * [`IndexWriter`]: upserts and deletes, committed in batches with the store's change
//!   sequence as the commit payload ([`Index::last_seq`]).
//! * [`Index::search`]: the query language (see [`SearchRequest`]), filters, date sorting,
//!   facets and snippets.
//!
//! If the schema on disk differs from this version's (an upgrade), [`Index::open_or_create`]
//! deletes the old index and starts an empty one with `last_seq() == 0`, which tells the
//! archive to rebuild it from the store.

pub mod analyzer;
mod error;
mod facet_counter;
mod query_parser;
mod request;
mod results;
mod schema;
mod search;
mod snippet;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tantivy::directory::MmapDirectory;
use tantivy::{IndexReader, ReloadPolicy};

pub use error::IndexError;
pub use request::{SearchRequest, Sort};
pub use results::{FacetCount, Hit, SearchResults};
pub use search::MAX_LIMIT;
pub use writer::IndexWriter;

use query_parser::FondsQueryParser;
use schema::Fields;

/// An opened index: its reader, schema and fields.
///
/// Cheap to share between threads (`&Index` searches concurrently); clones share everything.
#[derive(Clone)]
pub struct Index {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    dir: PathBuf,
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
    parser: FondsQueryParser,
    last_seq: AtomicU64,
    /// The facets of all documents, for the searcher generation they were counted on.
    browse_facets: Mutex<Option<(u64, Facets)>>,
    /// The facet values of the current searcher generation, numbered across segments.
    facet_dictionary: Mutex<Option<Arc<facet_counter::FacetDictionary>>>,
    /// Whether opening replaced an index of another schema.
    replaced: bool,
}

/// Facet counts by facet name, as in [`SearchResults::facets`].
pub(crate) type Facets = BTreeMap<String, Vec<FacetCount>>;

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dir", &self.inner.dir)
            .field("num_docs", &self.num_docs())
            .field("last_seq", &self.last_seq())
            .finish()
    }
}

impl Index {
    /// Opens the index in `dir`, creating the folder and an empty index if needed, and
    /// registers the analyzers. An index with another schema is replaced by an empty one.
    pub fn open_or_create(dir: &Path) -> Result<Index, IndexError> {
        let io = |source| IndexError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = Fields::build();
        let open_dir = || {
            MmapDirectory::open(dir).map_err(|e| IndexError::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(e.to_string()),
            })
        };
        let t = IndexError::tantivy;
        let mmap = open_dir()?;
        let exists = tantivy::Index::exists(&mmap).map_err(|e| IndexError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let mut replaced = false;
        let index = if exists {
            let index = tantivy::Index::open(mmap).map_err(t(dir, "open"))?;
            if index.schema() == schema {
                index
            } else {
                drop(index);
                remove_index_files(dir)?;
                replaced = true;
                tantivy::Index::create(open_dir()?, schema, Default::default())
                    .map_err(t(dir, "create"))?
            }
        } else {
            tantivy::Index::create(mmap, schema, Default::default()).map_err(t(dir, "create"))?
        };
        analyzer::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(t(dir, "open a reader"))?;
        let parser = FondsQueryParser::new(&index, &fields);
        let inner = Inner {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            parser,
            last_seq: AtomicU64::new(0),
            browse_facets: Mutex::new(None),
            facet_dictionary: Mutex::new(None),
            replaced,
        };
        inner
            .last_seq
            .store(inner.load_last_seq()?, Ordering::SeqCst);
        Ok(Index {
            inner: Arc::new(inner),
        })
    }

    /// The index's only writer (tantivy allows one per index; a second call fails with
    /// [`IndexError::Locked`] while the first is alive). Two indexing threads, 192 MB of heap.
    pub fn writer(&self) -> Result<IndexWriter, IndexError> {
        IndexWriter::new(self.inner.clone())
    }

    /// Every live document as `(id, hash)`, sorted by id: what `fonds check` compares with the
    /// store. Read from fast fields, so no stored document is decompressed.
    pub fn entries(&self) -> Result<Vec<(String, String)>, IndexError> {
        let searcher = self.inner.reader.searcher();
        let t = IndexError::tantivy(&self.inner.dir, "list entries");
        let io = |e: std::io::Error| t(tantivy::TantivyError::from(e));
        let mut out = Vec::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.str(schema::names::ID).map_err(t)?;
            let hashes = fast.str(schema::names::HASH).map_err(t)?;
            let (Some(ids), Some(hashes)) = (ids, hashes) else {
                continue;
            };
            // Every term of the segment in ordinal order, read in one pass over each
            // dictionary (looking ordinals up one by one costs a block decode each).
            let all_terms = |column: &tantivy::columnar::StrColumn| {
                let mut terms = Vec::with_capacity(column.num_terms());
                let mut stream = column.dictionary().stream()?;
                while stream.advance() {
                    terms.push(String::from_utf8_lossy(stream.key()).into_owned());
                }
                Ok::<_, std::io::Error>(terms)
            };
            let (id_terms, hash_terms) = (
                all_terms(&ids).map_err(io)?,
                all_terms(&hashes).map_err(io)?,
            );
            let term = |terms: &[String], ord: Option<u64>| {
                ord.and_then(|o| terms.get(o as usize))
                    .cloned()
                    .unwrap_or_default()
            };
            for doc in segment.doc_ids_alive() {
                out.push((
                    term(&id_terms, ids.term_ords(doc).next()),
                    term(&hash_terms, hashes.term_ords(doc).next()),
                ));
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// Whether opening this index replaced one of another schema (by an empty one, to be
    /// rebuilt from the store).
    pub fn was_replaced(&self) -> bool {
        self.inner.replaced
    }

    /// The store's change sequence up to which this index is complete: the payload of the last
    /// commit (0 for a new or replaced index). As of the last open, commit or [`Index::reload`].
    pub fn last_seq(&self) -> u64 {
        self.inner.last_seq.load(Ordering::SeqCst)
    }

    /// The number of live documents the reader sees.
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Bytes on disk of the index directory.
    pub fn size_bytes(&self) -> Result<u64, IndexError> {
        let dir = &self.inner.dir;
        let io = |source| IndexError::Io {
            path: dir.clone(),
            source,
        };
        let mut total = 0;
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let meta = entry.map_err(io)?.metadata().map_err(io)?;
            if meta.is_file() {
                total += meta.len();
            }
        }
        Ok(total)
    }

    /// Makes the reader see the latest commit (also done by [`IndexWriter::commit`], and
    /// shortly after another process commits) and re-reads [`Index::last_seq`].
    pub fn reload(&self) -> Result<(), IndexError> {
        self.inner.reload()
    }

    /// The index directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

impl Inner {
    fn load_last_seq(&self) -> Result<u64, IndexError> {
        let metas = self
            .index
            .load_metas()
            .map_err(IndexError::tantivy(&self.dir, "read the commit payload"))?;
        Ok(metas
            .payload
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0))
    }

    fn reload(&self) -> Result<(), IndexError> {
        self.reader
            .reload()
            .map_err(IndexError::tantivy(&self.dir, "reload"))?;
        self.last_seq.store(self.load_last_seq()?, Ordering::SeqCst);
        Ok(())
    }
}

/// Removes an index of another schema: tantivy's files only, and only in an index folder.
fn remove_index_files(dir: &Path) -> Result<(), IndexError> {
    let io = |source| IndexError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let tantivy_file = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".lock")
            || [
                ".idx",
                ".pos",
                ".term",
                ".store",
                ".temp",
                ".fast",
                ".fieldnorm",
                ".del",
            ]
            .iter()
            .any(|ext| name.ends_with(ext));
        if tantivy_file && path.is_file() {
            std::fs::remove_file(&path).map_err(|source| IndexError::Io { path, source })?;
        }
    }
    Ok(())
}
