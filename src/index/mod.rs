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
//! * `generation`: the index folder holds generations, one tantivy index each; `CURRENT` names
//!   the live one. A rebuild ([`Index::rebuild`]) fills a new generation and swaps it in
//!   atomically; readers switch to it by themselves ([`Index::refresh`], also done by searches
//!   at most once a second).
//! * [`IndexWriter`]: upserts and deletes, committed in batches with the store's change
//!   sequence as the commit payload, beside the id of the store the generation was built
//!   from ([`Index::state`]).
//! * [`Index::search`]: the query language (see [`SearchRequest`]), filters, date sorting,
//!   facets and snippets.
//!
//! [`Index::open`] refuses an index it cannot use — no `CURRENT`, a damaged `meta.json`, another
//! schema, the single-folder layout of earlier versions — with [`IndexError::Unusable`], which
//! tells the archive to rebuild it from the store.

pub mod analyzer;
mod directory;
mod error;
mod facet_counter;
mod generation;
mod query_parser;
mod request;
mod results;
mod schema;
mod search;
mod snippet;
mod writer;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use directory::IndexDirectory;
use tantivy::index::SegmentComponent;
use tantivy::{IndexReader, ReloadPolicy};

pub use error::IndexError;
pub use generation::Cleaned;
pub use request::{SearchRequest, Sort};
pub use results::{FacetCount, Hit, SearchResults};
pub use search::MAX_LIMIT;
pub use writer::IndexWriter;

use query_parser::FondsQueryParser;
use schema::Fields;

/// How often a search looks whether another generation became live (a rebuild by this or
/// another process).
const REFRESH_EVERY: Duration = Duration::from_secs(1);

/// What an index generation says it holds: the store it was built from and the store's change
/// sequence up to which it is complete (the payload of its last commit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexState {
    /// The id of the store the generation was built from; `None` for an index built outside
    /// an archive, or by an earlier version.
    pub store: Option<String>,
    /// The store's change sequence the generation is complete up to (0 when empty).
    pub seq: u64,
}

impl IndexState {
    /// The commit payload: `{"store": "…", "seq": N}`.
    fn payload(&self) -> String {
        serde_json::json!({"store": self.store, "seq": self.seq}).to_string()
    }

    /// Reads a commit payload: this version's JSON, or an earlier version's bare sequence.
    fn from_payload(payload: Option<&str>) -> IndexState {
        let Some(p) = payload.map(str::trim) else {
            return IndexState::default();
        };
        if let Ok(seq) = p.parse() {
            return IndexState { store: None, seq };
        }
        let v: serde_json::Value = serde_json::from_str(p).unwrap_or_default();
        IndexState {
            store: v["store"].as_str().map(str::to_string),
            seq: v["seq"].as_u64().unwrap_or(0),
        }
    }
}

/// An opened index: the live generation's reader, schema and fields.
///
/// Cheap to share between threads (`&Index` searches concurrently); clones share everything,
/// including the switch to a new generation.
#[derive(Clone)]
pub struct Index {
    shared: Arc<Shared>,
}

struct Shared {
    /// The index folder (holding `CURRENT` and the generations).
    root: PathBuf,
    /// The live generation.
    live: RwLock<Arc<Inner>>,
    /// When searches last looked at `CURRENT`.
    checked: Mutex<Instant>,
}

/// One generation: a tantivy index in its own folder.
pub(crate) struct Inner {
    /// The generation's folder.
    dir: PathBuf,
    /// Its name (`gen-000003`).
    generation: String,
    index: tantivy::Index,
    reader: IndexReader,
    fields: Fields,
    parser: FondsQueryParser,
    /// As of the last open, commit or reload.
    state: Mutex<IndexState>,
    /// The facets of all documents, for the searcher generation they were counted on.
    browse_facets: Mutex<Option<(u64, Facets)>>,
    /// The facet values of the current searcher generation, numbered across segments.
    facet_dictionary: Mutex<Option<Arc<facet_counter::FacetDictionary>>>,
}

/// Facet counts by facet name, as in [`SearchResults::facets`].
pub(crate) type Facets = BTreeMap<String, Vec<FacetCount>>;

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("root", &self.shared.root)
            .field("generation", &self.live().generation)
            .field("num_docs", &self.num_docs())
            .field("state", &self.state())
            .finish()
    }
}

impl Index {
    /// Opens the live generation of the index in `root`, or says why it cannot be used
    /// ([`IndexError::Unusable`]: no index yet, `CURRENT` damaged or naming a missing
    /// generation, a damaged generation, another schema, the layout of an earlier version).
    pub fn open(root: &Path) -> Result<Index, IndexError> {
        let unusable = |reason: String| IndexError::Unusable {
            dir: root.to_path_buf(),
            reason,
        };
        let live = match generation::current(root) {
            Ok(Some(live)) => live,
            Ok(None) if root.join("meta.json").exists() => {
                return Err(unusable(
                    "it has the single-folder layout of an earlier version of Fonds".into(),
                ));
            }
            Ok(None) => return Err(unusable("there is no index yet".into())),
            Err(reason) => return Err(unusable(reason)),
        };
        let inner = Inner::open(&root.join(&live), &live).map_err(|e| match e {
            IndexError::Locked { .. } | IndexError::Unusable { .. } => e,
            other => unusable(other.to_string()),
        })?;
        Ok(Index::around(root, Arc::new(inner)))
    }

    /// Opens the index in `root`, or creates an empty first generation (built from no store)
    /// when there is none. For tools and tests: an archive opens with [`Index::open`] and
    /// rebuilds from its store what it cannot use.
    pub fn open_or_create(root: &Path) -> Result<Index, IndexError> {
        match generation::current(root) {
            Ok(None) if !root.join("meta.json").exists() => {
                let inner = Inner::create(root, None)?.publish(root)?;
                Ok(Index::around(root, inner))
            }
            _ => Index::open(root),
        }
    }

    /// Builds a new index in `root` from scratch: a new generation, built from the store
    /// `store`, which `fill` fills (returning the store's change sequence it is complete up
    /// to), committed, merged into one segment, synced and made live. The live generation, if
    /// any, is untouched until the new one is complete. Returns the new index.
    pub fn build<E: From<IndexError>>(
        root: &Path,
        store: Option<&str>,
        fill: impl FnOnce(&mut IndexWriter) -> Result<u64, E>,
    ) -> Result<Index, E> {
        if root.exists() && !root.is_dir() {
            return Err(IndexError::Io {
                path: root.to_path_buf(),
                source: std::io::Error::other(
                    "this is where the index folder belongs, but it is not a folder: move it \
                     away, and the next command rebuilds the index from the store",
                ),
            }
            .into());
        }
        let built = Inner::create(root, store.map(str::to_string))?;
        let inner = built.fill_and_publish(root, fill)?;
        Ok(Index::around(root, inner))
    }

    /// Rebuilds this index as [`Index::build`] does, and switches this handle (and its clones)
    /// to the new generation.
    pub fn rebuild<E: From<IndexError>>(
        &self,
        store: Option<&str>,
        fill: impl FnOnce(&mut IndexWriter) -> Result<u64, E>,
    ) -> Result<(), E> {
        let root = &self.shared.root;
        let built = Inner::create(root, store.map(str::to_string))?;
        let inner = built.fill_and_publish(root, fill)?;
        self.switch_to(inner);
        Ok(())
    }

    fn around(root: &Path, inner: Arc<Inner>) -> Index {
        Index {
            shared: Arc::new(Shared {
                root: root.to_path_buf(),
                live: RwLock::new(inner),
                checked: Mutex::new(Instant::now()),
            }),
        }
    }

    fn switch_to(&self, inner: Arc<Inner>) {
        *self.shared.live.write().unwrap_or_else(|e| e.into_inner()) = inner;
        *self
            .shared
            .checked
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// The live generation, after looking (at most once a second) whether another became live.
    pub(crate) fn live(&self) -> Arc<Inner> {
        let due = {
            let mut checked = self
                .shared
                .checked
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let due = checked.elapsed() >= REFRESH_EVERY;
            if due {
                *checked = Instant::now();
            }
            due
        };
        if due {
            // A generation that cannot be opened is not switched to; the live one still answers.
            let _ = self.switch_if_replaced();
        }
        Arc::clone(&self.shared.live.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Switches to the generation `CURRENT` names if it is not the live one; true if it did.
    fn switch_if_replaced(&self) -> Result<bool, IndexError> {
        let root = &self.shared.root;
        let named = generation::current(root).map_err(|reason| IndexError::Unusable {
            dir: root.clone(),
            reason,
        })?;
        let live = self
            .shared
            .live
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .generation
            .clone();
        match named {
            Some(name) if name != live => {
                let inner = Inner::open(&root.join(&name), &name)?;
                self.switch_to(Arc::new(inner));
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Brings this handle up to date: switches to a generation another process (or another
    /// handle) made live, and re-reads the live generation's commit ([`Index::state`]).
    /// Returns true if it switched generations.
    pub fn refresh(&self) -> Result<bool, IndexError> {
        let switched = self.switch_if_replaced()?;
        self.live().reload()?;
        Ok(switched)
    }

    /// The live generation's only writer (tantivy allows one per index; a second call fails
    /// with [`IndexError::Locked`] while the first is alive). Two indexing threads, 192 MB of
    /// heap. Call [`Index::clean`] first when no other writer can be running.
    pub fn writer(&self) -> Result<IndexWriter, IndexError> {
        IndexWriter::new(self.live())
    }

    /// The live generation's files whose content no longer matches the checksum tantivy wrote
    /// in their footer (a CRC32 per file), sorted; empty when every file is intact. Reads every
    /// file of the index once.
    pub fn damaged_files(&self) -> Result<Vec<PathBuf>, IndexError> {
        let inner = self.live();
        let damaged = inner
            .index
            .validate_checksum()
            .map_err(IndexError::tantivy(
                &inner.dir,
                "validate the files' checksums",
            ))?;
        let mut files: Vec<PathBuf> = damaged.into_iter().map(|f| inner.dir.join(f)).collect();
        files.sort();
        Ok(files)
    }

    /// Removes the garbage of killed writers: generations that are not live, files of the
    /// earlier layout, and files of the live generation that its last commit does not use
    /// (a writer killed during a commit or merge leaves them, and a later commit could trip on
    /// their names). Only call it when no writer can be running: the archive does so while it
    /// holds the data folder's writer lock.
    pub fn clean(&self) -> Result<Cleaned, IndexError> {
        let inner = self.live();
        let root = &self.shared.root;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| IndexError::Io { path, source }
        };
        let mut cleaned = generation::clean(root, &inner.generation).map_err(io(root))?;
        let metas = inner
            .index
            .load_metas()
            .map_err(IndexError::tantivy(&inner.dir, "read the last commit"))?;
        let mut living = HashSet::new();
        for segment in &metas.segments {
            for component in [
                SegmentComponent::Postings,
                SegmentComponent::Positions,
                SegmentComponent::FastFields,
                SegmentComponent::FieldNorms,
                SegmentComponent::Terms,
                SegmentComponent::Store,
                SegmentComponent::TempStore,
                SegmentComponent::Delete,
            ] {
                living.insert(segment.relative_path(component));
            }
        }
        let inside = generation::clean_segments(&inner.dir, &living).map_err(io(&inner.dir))?;
        cleaned.files += inside.files;
        cleaned.bytes += inside.bytes;
        Ok(cleaned)
    }

    /// Every live document as `(id, hash)`, sorted by id: what `fonds check` compares with the
    /// store. Read from fast fields, so no stored document is decompressed.
    pub fn entries(&self) -> Result<Vec<(String, String)>, IndexError> {
        let inner = self.live();
        let searcher = inner.reader.searcher();
        let t = IndexError::tantivy(&inner.dir, "list entries");
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

    /// What the live generation holds: the store it was built from and the change sequence it
    /// is complete up to. As of the last open, commit, [`Index::reload`] or [`Index::refresh`].
    pub fn state(&self) -> IndexState {
        self.live()
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The store's change sequence up to which this index is complete (see [`Index::state`]).
    pub fn last_seq(&self) -> u64 {
        self.state().seq
    }

    /// The live generation's folder name (`gen-000003`).
    pub fn generation(&self) -> String {
        self.live().generation.clone()
    }

    /// The number of live documents the reader sees.
    pub fn num_docs(&self) -> u64 {
        self.live().reader.searcher().num_docs()
    }

    /// The number of segments of the live generation.
    pub fn num_segments(&self) -> usize {
        self.live().reader.searcher().segment_readers().len()
    }

    /// Bytes on disk of the live generation.
    pub fn size_bytes(&self) -> Result<u64, IndexError> {
        let dir = self.live().dir.clone();
        let io = |source| IndexError::Io {
            path: dir.clone(),
            source,
        };
        let mut total = 0;
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let meta = entry.map_err(io)?.metadata().map_err(io)?;
            if meta.is_file() {
                total += meta.len();
            }
        }
        Ok(total)
    }

    /// Makes the reader see the latest commit of the live generation (also done by
    /// [`IndexWriter::commit`], and shortly after another process commits) and re-reads
    /// [`Index::state`].
    pub fn reload(&self) -> Result<(), IndexError> {
        self.live().reload()
    }

    /// The index folder (holding the generations).
    pub fn dir(&self) -> &Path {
        &self.shared.root
    }
}

/// A generation being built: its index and its writer, not yet live.
struct Built {
    inner: Arc<Inner>,
    writer: IndexWriter,
}

impl Built {
    /// Fills the new generation, commits it with the sequence `fill` returns, merges it into
    /// one segment, and makes it live.
    fn fill_and_publish<E: From<IndexError>>(
        mut self,
        root: &Path,
        fill: impl FnOnce(&mut IndexWriter) -> Result<u64, E>,
    ) -> Result<Arc<Inner>, E> {
        let seq = fill(&mut self.writer)?;
        self.writer.commit(seq)?;
        self.writer.merge_all()?;
        Ok(self.publish(root)?)
    }

    /// Makes the generation live (its writer is released first).
    fn publish(self, root: &Path) -> Result<Arc<Inner>, IndexError> {
        let Built { inner, writer } = self;
        writer.wait_merging_threads()?;
        generation::publish(root, &inner.generation).map_err(|source| IndexError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        inner.reload()?;
        Ok(inner)
    }
}

impl Inner {
    /// Opens the generation in `dir`.
    fn open(dir: &Path, generation: &str) -> Result<Inner, IndexError> {
        let unusable = |reason: String| IndexError::Unusable {
            dir: dir.to_path_buf(),
            reason,
        };
        if !dir.join("meta.json").is_file() {
            return Err(unusable(format!(
                "CURRENT names generation {generation}, which has no meta.json"
            )));
        }
        let mmap = IndexDirectory::open(dir).map_err(|e| unusable(e.to_string()))?;
        let index = tantivy::Index::open(mmap).map_err(|e| unusable(e.to_string()))?;
        let (schema, fields) = Fields::build();
        if index.schema() != schema {
            return Err(unusable(
                "it was made by a version of Fonds with another index schema".into(),
            ));
        }
        Inner::around(dir, generation, index, fields)
    }

    /// Creates the next generation under `root`, empty, with a writer; not live yet.
    fn create(root: &Path, store: Option<String>) -> Result<Built, IndexError> {
        let (generation, dir) = generation::create_next(root).map_err(|source| IndexError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        let (schema, fields) = Fields::build();
        let t = IndexError::tantivy;
        let mmap = IndexDirectory::open(&dir).map_err(|e| IndexError::Io {
            path: dir.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let index =
            tantivy::Index::create(mmap, schema, Default::default()).map_err(t(&dir, "create"))?;
        let inner = Inner::around(&dir, &generation, index, fields)?;
        *inner.state.lock().unwrap_or_else(|e| e.into_inner()) = IndexState { store, seq: 0 };
        let inner = Arc::new(inner);
        let writer = IndexWriter::new(Arc::clone(&inner))?;
        Ok(Built { inner, writer })
    }

    fn around(
        dir: &Path,
        generation: &str,
        index: tantivy::Index,
        fields: Fields,
    ) -> Result<Inner, IndexError> {
        let t = IndexError::tantivy;
        analyzer::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(t(dir, "open a reader"))?;
        let parser = FondsQueryParser::new(&index, &fields);
        let inner = Inner {
            dir: dir.to_path_buf(),
            generation: generation.to_string(),
            index,
            reader,
            fields,
            parser,
            state: Mutex::new(IndexState::default()),
            browse_facets: Mutex::new(None),
            facet_dictionary: Mutex::new(None),
        };
        *inner.state.lock().unwrap_or_else(|e| e.into_inner()) = inner.load_state()?;
        Ok(inner)
    }

    fn load_state(&self) -> Result<IndexState, IndexError> {
        let metas = self
            .index
            .load_metas()
            .map_err(IndexError::tantivy(&self.dir, "read the commit payload"))?;
        Ok(IndexState::from_payload(metas.payload.as_deref()))
    }

    fn reload(&self) -> Result<(), IndexError> {
        self.reader
            .reload()
            .map_err(IndexError::tantivy(&self.dir, "reload"))?;
        let state = self.load_state()?;
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
        Ok(())
    }
}
