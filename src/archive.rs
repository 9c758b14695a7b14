//! The archive: the one facade over store and index, and the single write path (store, then index).
//!
//! A data folder holds `fonds.sqlite3` (the store, the source of truth), `index/` (tantivy,
//! derived) and `fonds.lock`. Every write goes to the store first, in one transaction per source
//! file, then to the index. One process writes at a time: it holds the data folder's writer
//! lock (`lock.rs`), and a second writer waits for it or is refused.
//!
//! The index says which store it was built from and the store's change sequence it is complete
//! up to. Whoever opens the archive and finds the index unusable (damaged, missing, of another
//! schema), behind the store (a write cut off between the two) or from another store, repairs
//! it — catches it up, or rebuilds it in a new generation swapped in atomically — under the
//! writer lock, and says so through [`Notice`]s. A reader that cannot take the lock (an import
//! is running) searches the index as it is. `reindex` can always rebuild it whole.
//!
//! An [`Archive`] is `Send + Sync`: reads take `&self` and run on many threads at once (each on a
//! read-only connection of the store's pool), writes take `&mut self`. The catalogue for
//! browsing (collections, neighbours, archival files, chronology) is in `catalogue.rs`; finding
//! and reading the files to import in `inputs.rs`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

mod catalogue;
mod export;
mod fixity;
mod import;
mod inputs;
mod lock;

pub use catalogue::{
    ArchivalFile, Collection, Neighbours, RecordSummary, TypesAndCollections, YearCount,
};
pub use export::{CARRY_LIMIT, ExportCounts};
pub use fixity::VerifyReport;
pub use import::{FileCounts, FileReport, ImportReport};
pub use lock::{LOCK_FILE, LockError, WriterLock};

use crate::error::{Error, Result};
use crate::index::{Index, IndexError, IndexWriter, SearchRequest, SearchResults};
use crate::model::Record;
use crate::store::{Revision, Store, StoreError, StoreStats};

/// The store's file name inside the data folder.
pub const STORE_FILE: &str = "fonds.sqlite3";
/// The index's folder name inside the data folder.
pub const INDEX_DIR: &str = "index";

/// What `check` found: records missing from the index, stale in it, or there but not stored.
#[derive(Debug, Default, serde::Serialize)]
pub struct CheckReport {
    /// Records in the store.
    pub records: usize,
    /// Documents in the index.
    pub indexed: usize,
    /// Stored records the index lacks.
    pub missing: Vec<String>,
    /// Records indexed from an older revision.
    pub stale: Vec<String>,
    /// Index documents with no stored record.
    pub orphans: Vec<String>,
    /// Records indexed more than once.
    pub duplicates: Vec<String>,
    /// Index files whose checksum does not match their content (only `verify` reads them).
    pub damaged_files: Vec<String>,
}

impl CheckReport {
    /// Whether store and index agree.
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty()
            && self.stale.is_empty()
            && self.orphans.is_empty()
            && self.duplicates.is_empty()
            && self.damaged_files.is_empty()
    }
}

/// What the archive holds.
#[derive(Debug, serde::Serialize)]
pub struct Stats {
    /// The store's counts.
    pub store: StoreStats,
    /// Documents in the index.
    pub index_docs: u64,
    /// Bytes the index takes on disk.
    pub index_bytes: u64,
    /// Segments of the index.
    pub index_segments: usize,
    /// Counts by type, language, decade, year, archive and collection.
    pub facets: BTreeMap<String, Vec<crate::index::FacetCount>>,
}

/// Something the archive did or waited for on its own, for the user to know.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Another process holds the writer lock; this one waits for it.
    Waiting {
        /// Who holds it.
        holder: String,
    },
    /// The index was behind the store (a write was cut off between the two) and caught up.
    CaughtUp {
        /// Records indexed.
        records: u64,
        /// The change sequence the index had reached.
        from: u64,
        /// The store's change sequence.
        to: u64,
    },
    /// The index was rebuilt from the store: it could not be used as it was, or patching it
    /// would have cost more.
    Rebuilt {
        /// Why.
        reason: String,
        /// Records indexed.
        records: u64,
        /// How long it took.
        seconds: f64,
    },
    /// Files left by killed writers were removed from the index folder.
    Cleaned {
        /// Files removed.
        files: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// The index is behind the store while another process writes: searches miss the newest
    /// changes until it commits.
    Behind {
        /// Changes the index has not seen.
        changes: u64,
        /// The process writing.
        holder: String,
    },
    /// Records the old index or the catalogue held and the store does not: lost from the
    /// store, since Fonds never deletes one (told by a reindex before it forgets them).
    Vanished {
        /// Their ids.
        ids: Vec<String>,
    },
    /// The index is behind the store, and this process cannot write to the data folder (a
    /// read-only copy, another user's archive): searches miss the newest changes.
    CannotCatchUp {
        /// Changes the index has not seen.
        changes: u64,
    },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Waiting { holder } => {
                write!(f, "waiting for {holder} to finish writing to this archive")
            }
            Notice::CaughtUp { records, from, to } => write!(
                f,
                "the index was behind the store (changes {} to {to} were not indexed: a write was cut off); indexed {records} records",
                from + 1
            ),
            Notice::Rebuilt {
                reason,
                records,
                seconds,
            } => write!(
                f,
                "the index was rebuilt from the store ({reason}): {records} records in {seconds:.2} s"
            ),
            Notice::Cleaned { files, bytes } => write!(
                f,
                "removed {files} files ({:.1} MB) left in the index by interrupted writers",
                *bytes as f64 / 1e6
            ),
            Notice::Behind { changes, holder } => write!(
                f,
                "the index is {changes} changes behind the store while {holder} writes; searches miss them until it is done"
            ),
            Notice::Vanished { ids } => write!(
                f,
                "the index or the catalogue held {} record{} that the store does not ({}{}); Fonds never deletes a record, so {} lost from the store: re-import the source {} to restore {}",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.iter().take(10).cloned().collect::<Vec<_>>().join(", "),
                if ids.len() > 10 { ", …" } else { "" },
                if ids.len() == 1 {
                    "it was"
                } else {
                    "they were"
                },
                if ids.len() == 1 { "file" } else { "files" },
                if ids.len() == 1 { "it" } else { "them" },
            ),
            Notice::CannotCatchUp { changes } => write!(
                f,
                "the index is {changes} changes behind the store, and this process cannot write to the data folder to catch it up: searches miss them (run any `fonds` command as the archive's owner)"
            ),
        }
    }
}

/// Who is told of [`Notice`]s.
pub type NoticeSink = Arc<dyn Fn(&Notice) + Send + Sync>;

/// When the index is repaired if it needs to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Repair {
    /// When the index is first needed, waiting for the writer lock if another process holds
    /// it (command-line tools).
    #[default]
    WhenNeeded,
    /// Only in [`Archive::maintain`] (a server: requests never wait for a rebuild; an index
    /// that cannot be used answers [`IndexError::Unusable`] until it is rebuilt).
    InMaintenance,
}

/// How an archive is opened.
#[derive(Clone)]
pub struct OpenOptions {
    /// Whether a writer waits for another writer to finish (true), or fails with
    /// [`LockError::Busy`].
    pub wait: bool,
    /// What this process is, for another's "waiting for" message: `fonds import`.
    pub purpose: String,
    /// When to repair the index (read-only archives; a writer always repairs on opening).
    pub repair: Repair,
    /// Told of waits and repairs.
    pub notices: Option<NoticeSink>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            wait: true,
            purpose: "fonds".into(),
            repair: Repair::WhenNeeded,
            notices: None,
        }
    }
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("wait", &self.wait)
            .field("purpose", &self.purpose)
            .field("repair", &self.repair)
            .finish_non_exhaustive()
    }
}

/// An archive in a data folder.
///
/// `Send + Sync`: share one `Arc<Archive>` between threads. Reads (`get`, `search`, the
/// catalogue, `stats`, `check`, …) take `&self` and run at once, each on a read-only SQLite
/// connection of the store's pool and the shared tantivy reader; writes (`import`, `reindex`)
/// take `&mut self`, and an archive opened for writing holds the data folder's writer lock.
pub struct Archive {
    dir: PathBuf,
    store: Store,
    /// The index, once opened (at once for a writer, when first needed for a reader).
    index: RwLock<Option<Index>>,
    /// Held by an archive opened for writing, for its whole life.
    lock: Option<WriterLock>,
    options: OpenOptions,
    /// A search failed on damaged index files: [`Archive::maintain`] rebuilds the index.
    suspect: AtomicBool,
}

/// Checked at compile time: the web server shares one archive between its threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Archive>();
};

/// How the index compares with the store.
enum IndexFit {
    /// Built from this store, complete up to its last change.
    InStep,
    /// Built from this store, but `changes` behind it.
    Behind { from: u64 },
    /// Not to be used: built from another store, or ahead of this one.
    Foreign(String),
}

impl Archive {
    /// Opens the archive in `dir` for reading and writing, creating it if needed: takes the
    /// writer lock (waiting for another writer), and brings the index in step with the store.
    pub fn open(dir: &Path) -> Result<Archive> {
        Archive::open_with(dir, OpenOptions::default())
    }

    /// [`Archive::open`] with options: whether to wait for another writer, what to call this
    /// process in the lock, and who is told of waits and repairs.
    pub fn open_with(dir: &Path, options: OpenOptions) -> Result<Archive> {
        refuse_non_folder(dir)?;
        create_data_folder(dir)?;
        let lock = WriterLock::acquire(dir, &options.purpose, options.wait, |holder| {
            notify(
                &options,
                Notice::Waiting {
                    holder: holder.to_string(),
                },
            )
        })?;
        let store = Store::open(&dir.join(STORE_FILE))?;
        let mut archive = Archive {
            dir: dir.to_path_buf(),
            store,
            index: RwLock::new(None),
            lock: Some(lock),
            options,
            suspect: AtomicBool::new(false),
        };
        archive.store.settle_catalogue()?;
        let index = archive.repair_index()?;
        *archive.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
        Ok(archive)
    }

    /// Opens an existing archive for reading: searching, showing, exporting, checking. Nothing is
    /// written to the store, so it can run beside an import. The index is opened when first
    /// needed; if it must be repaired then, this takes the writer lock for the repair (see
    /// [`Repair`]).
    pub fn open_read_only(dir: &Path) -> Result<Archive> {
        Archive::open_read_only_with(dir, OpenOptions::default())
    }

    /// [`Archive::open_read_only`] with options.
    pub fn open_read_only_with(dir: &Path, options: OpenOptions) -> Result<Archive> {
        refuse_non_folder(dir)?;
        let db = dir.join(STORE_FILE);
        let no_archive = || Error::NoArchive {
            dir: dir.display().to_string(),
        };
        if !db.is_file() {
            return Err(no_archive());
        }
        let store = match Store::open_read_only(&db) {
            Err(StoreError::NotCreated { .. }) => return Err(no_archive()),
            other => other?,
        };
        Ok(Archive {
            dir: dir.to_path_buf(),
            store,
            index: RwLock::new(None),
            lock: None,
            options,
            suspect: AtomicBool::new(false),
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn index_dir(&self) -> PathBuf {
        self.dir.join(INDEX_DIR)
    }

    fn notify(&self, notice: Notice) {
        notify(&self.options, notice);
    }

    /// The index, opened when first needed (and repaired as the options say).
    fn index(&self) -> Result<Index> {
        if let Some(index) = self
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            return Ok(index.clone());
        }
        let mut slot = self.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = slot.as_ref() {
            return Ok(index.clone());
        }
        let index = self.open_index()?;
        *slot = Some(index.clone());
        Ok(index)
    }

    /// Opens the index for a reader: as it is when it fits the store (or is behind while a
    /// writer works); otherwise repaired under the writer lock, when the options allow.
    fn open_index(&self) -> Result<Index> {
        if self.lock.is_some() {
            return self.repair_index();
        }
        let opened = Index::open(&self.index_dir());
        if let Ok(index) = &opened {
            match self.fit(index)? {
                IndexFit::InStep => return Ok(index.clone()),
                IndexFit::Behind { .. } if self.options.repair == Repair::InMaintenance => {
                    return Ok(index.clone());
                }
                IndexFit::Behind { from } => {
                    match WriterLock::try_acquire(&self.dir, &self.options.purpose) {
                        Ok(Some(_lock)) => return self.repair_index(),
                        Err(LockError::ReadOnly { .. }) => {
                            self.notify(Notice::CannotCatchUp {
                                changes: self.store.seq()?.saturating_sub(from),
                            });
                            return Ok(index.clone());
                        }
                        _ => {}
                    }
                    // Someone is writing (and will index what it wrote), or the data folder
                    // cannot be locked by this process: search what is indexed.
                    self.notify(Notice::Behind {
                        changes: self.store.seq()?.saturating_sub(from),
                        holder: WriterLock::holder_of(&self.dir)
                            .unwrap_or_else(|| "another process".into()),
                    });
                    return Ok(index.clone());
                }
                IndexFit::Foreign(_) => {}
            }
        }
        if self.options.repair == Repair::InMaintenance {
            return Err(match opened {
                Err(e) => e.into(),
                Ok(_) => IndexError::Unusable {
                    dir: self.index_dir(),
                    reason: "it was built from another store; it is being rebuilt".into(),
                }
                .into(),
            });
        }
        let why = match &opened {
            Err(IndexError::Unusable { reason, .. }) => reason.clone(),
            Err(e) => e.to_string(),
            Ok(_) => "the index was built from another store".to_string(),
        };
        let _lock = self.lock_for_repair(&why)?;
        self.repair_index()
    }

    /// How the index compares with the store.
    fn fit(&self, index: &Index) -> Result<IndexFit> {
        let state = index.state();
        let (store_id, seq) = (self.store.store_id()?, self.store.seq()?);
        Ok(if state.store != store_id {
            IndexFit::Foreign("it was built from another store".into())
        } else if state.seq > seq {
            IndexFit::Foreign(format!(
                "it has seen {} changes, the store only {seq}: the store was restored from an older copy",
                state.seq
            ))
        } else if state.seq < seq {
            IndexFit::Behind { from: state.seq }
        } else {
            IndexFit::InStep
        })
    }

    /// Opens the index and brings it in step with the store: removes what killed writers left,
    /// catches it up, or rebuilds it. The caller holds the writer lock.
    fn repair_index(&self) -> Result<Index> {
        let index = match Index::open(&self.index_dir()) {
            Ok(index) => index,
            Err(IndexError::Unusable { reason, .. }) => {
                let quiet = reason == "there is no index yet" && self.store.seq()? == 0;
                let (index, _) = self.rebuild(None, (!quiet).then_some(reason))?;
                return Ok(index);
            }
            Err(e) => return Err(e.into()),
        };
        let cleaned = index.clean()?;
        if cleaned.files > 0 {
            self.notify(Notice::Cleaned {
                files: cleaned.files,
                bytes: cleaned.bytes,
            });
        }
        match self.fit(&index)? {
            IndexFit::InStep => {}
            IndexFit::Behind { from } => {
                if let Err(e) = self.catch_up(&index, from) {
                    if !matches!(e, Error::Index(_)) {
                        return Err(e);
                    }
                    self.rebuild(Some(&index), Some(format!("catching it up failed: {e}")))?;
                }
            }
            IndexFit::Foreign(reason) => {
                self.rebuild(Some(&index), Some(reason))?;
            }
        }
        Ok(index)
    }

    /// Indexes the records changed after `from`, and commits.
    fn catch_up(&self, index: &Index, from: u64) -> Result<()> {
        let to = self.store.seq()?;
        let mut writer = index.writer()?;
        let records = index_from_store(&self.store, &mut writer, from, false)?;
        writer.commit(to)?;
        let _ = writer.merge_if_needed(false);
        self.notify(Notice::CaughtUp { records, from, to });
        Ok(())
    }

    /// Builds a new index generation from the whole store and makes it live (switching `index`
    /// to it, or opening it), then removes the old generation. Says so when `reason` is given.
    fn rebuild(&self, index: Option<&Index>, reason: Option<String>) -> Result<(Index, u64)> {
        let started = Instant::now();
        let store_id = self.store.store_id()?;
        let mut records = 0;
        let fill = |writer: &mut IndexWriter| -> Result<u64> {
            let seq = self.store.seq()?;
            records = index_from_store(&self.store, writer, 0, true)?;
            Ok(seq)
        };
        let index = match index {
            Some(index) => {
                index.rebuild(store_id.as_deref(), fill)?;
                index.clone()
            }
            None => Index::build(&self.index_dir(), store_id.as_deref(), fill)?,
        };
        // The old generation, and any garbage: no writer runs (the caller holds the lock).
        index.clean()?;
        if let Some(reason) = reason {
            self.notify(Notice::Rebuilt {
                reason,
                records,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        Ok((index, records))
    }

    /// For a long-running reader (the web server), every second or two: switches to an index
    /// generation another process made live, sees its newest commit, and, when the index does
    /// not fit the store and no other process is writing, repairs it under the writer lock.
    pub fn maintain(&self) -> Result<()> {
        let current = self.index.read().unwrap_or_else(|e| e.into_inner()).clone();
        if self.suspect.load(Ordering::Relaxed)
            && let Some(index) = &current
        {
            let damaged = index.damaged_files()?;
            if damaged.is_empty() {
                self.suspect.store(false, Ordering::Relaxed);
            } else if let Ok(Some(_lock)) =
                WriterLock::try_acquire(&self.dir, &self.options.purpose)
            {
                self.rebuild_damaged_locked(index, &damaged)?;
                return Ok(());
            }
        }
        let index = match current {
            Some(index) => index.refresh().is_ok().then_some(index),
            None => Index::open(&self.index_dir()).ok(),
        };
        if let Some(index) = index
            && matches!(self.fit(&index)?, IndexFit::InStep)
        {
            let mut slot = self.index.write().unwrap_or_else(|e| e.into_inner());
            if slot.is_none() {
                *slot = Some(index);
            }
            return Ok(());
        }
        let Ok(Some(_lock)) = WriterLock::try_acquire(&self.dir, &self.options.purpose) else {
            return Ok(());
        };
        let index = self.repair_index()?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
        Ok(())
    }

    /// The current revision of a record.
    pub fn get(&self, id: &str) -> Result<Option<Record>> {
        Ok(self.store.get(id)?)
    }

    /// Every revision of a record, oldest first.
    pub fn revisions(&self, id: &str) -> Result<Vec<Revision>> {
        Ok(self.store.revisions(id)?)
    }

    /// The kept bytes of a source file, by SHA-256.
    pub fn source_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.store.source_bytes(sha256)?)
    }

    /// Runs a search. When tantivy fails on the index (not on the query) and the index's files
    /// fail their checksums, the index is rebuilt from the store, saying so, and the search is
    /// run again; a server ([`Repair::InMaintenance`]) leaves the rebuild to [`Archive::maintain`].
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let index = self.index()?;
        match index.search(request) {
            Err(e @ IndexError::Tantivy { .. }) => {
                let damaged = match index.damaged_files() {
                    Ok(files) if !files.is_empty() => files,
                    _ => return Err(e.into()),
                };
                self.suspect.store(true, Ordering::Relaxed);
                if self.options.repair == Repair::InMaintenance {
                    return Err(e.into());
                }
                let index = self.rebuild_damaged(&index, &damaged)?;
                Ok(index.search(request)?)
            }
            other => Ok(other?),
        }
    }

    /// Rebuilds an index whose files are damaged, under the writer lock (waiting for a writer).
    fn rebuild_damaged(&self, index: &Index, damaged: &[PathBuf]) -> Result<Index> {
        let _lock = if self.lock.is_some() {
            None
        } else {
            Some(self.lock_for_repair(&format!("its file {} is damaged", damaged[0].display()))?)
        };
        self.rebuild_damaged_locked(index, damaged)
    }

    /// [`Archive::rebuild_damaged`] for a caller that holds the writer lock.
    fn rebuild_damaged_locked(&self, index: &Index, damaged: &[PathBuf]) -> Result<Index> {
        let reason = format!(
            "{} of its files failed their checksum: {}",
            damaged.len(),
            damaged
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (index, _) = self.rebuild(Some(index), Some(reason))?;
        self.suspect.store(false, Ordering::Relaxed);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index.clone());
        Ok(index)
    }

    /// Takes the writer lock to repair the index (waiting for a writer, and saying so); in a
    /// data folder this process cannot write to, an error that says what needed repairing.
    fn lock_for_repair(&self, why: &str) -> Result<WriterLock> {
        WriterLock::acquire(&self.dir, &self.options.purpose, true, |holder| {
            self.notify(Notice::Waiting {
                holder: holder.to_string(),
            })
        })
        .map_err(|e| match e {
            LockError::ReadOnly { path } => IndexError::Unusable {
                dir: self.index_dir(),
                reason: format!(
                    "{why}, and this process cannot write to the data folder to rebuild it \
                     ({} cannot be opened for writing); run `fonds reindex` as the archive's \
                     owner, or on a writable copy",
                    path.display()
                ),
            }
            .into(),
            other => other.into(),
        })
    }

    /// Keeps writers out while this reader works, as `verify` does so that an import does not
    /// change the store under it: takes the writer lock (waiting for a writer as the options
    /// say), and repairs the index when it is first opened. In a data folder this process
    /// cannot write to, it reads the archive as it is.
    pub fn exclude_writers(&mut self) -> Result<()> {
        if self.lock.is_some() {
            return Ok(());
        }
        let options = &self.options;
        match WriterLock::acquire(&self.dir, &options.purpose, options.wait, |holder| {
            notify(
                options,
                Notice::Waiting {
                    holder: holder.to_string(),
                },
            )
        }) {
            Ok(lock) => self.lock = Some(lock),
            Err(LockError::ReadOnly { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Rebuilds the index from the store in a new generation, swapped in when complete (searches
    /// go on on the old one meanwhile, in this and other processes); returns the number of
    /// records indexed.
    ///
    /// The catalogue (collections, archival files, chronology), also derived from the records,
    /// is rewritten from them first, in one transaction.
    ///
    /// Fonds never deletes a record, so an id the old index or the catalogue holds and the
    /// store does not was lost from the store: those ids are told ([`Notice::Vanished`])
    /// before the rebuild forgets them.
    pub fn reindex(&mut self) -> Result<u64> {
        let current = self.index.read().unwrap_or_else(|e| e.into_inner()).clone();
        let stored: HashSet<String> = self
            .store
            .entries()?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut vanished: Vec<String> = self.store.catalogue_ids()?;
        if let Some(index) = &current
            && let Ok(entries) = index.entries()
        {
            vanished.extend(entries.into_iter().map(|(id, _)| id));
        }
        vanished.retain(|id| !stored.contains(id));
        vanished.sort();
        vanished.dedup();
        if !vanished.is_empty() {
            self.notify(Notice::Vanished { ids: vanished });
        }
        self.store.rebuild_catalogue()?;
        let (index, records) = self.rebuild(current.as_ref(), None)?;
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
        Ok(records)
    }

    /// Compares store and index record by record.
    pub fn check(&self) -> Result<CheckReport> {
        let index = self.index()?;
        let stored = self.store.entries()?;
        let entries = index.entries()?;
        let mut report = CheckReport {
            records: stored.len(),
            indexed: entries.len(),
            ..CheckReport::default()
        };
        report.duplicates = entries
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[0].0.clone())
            .collect();
        report.duplicates.dedup();
        let indexed: BTreeMap<String, String> = entries.into_iter().collect();
        let mut seen = HashSet::new();
        for (id, hash) in &stored {
            seen.insert(id.as_str());
            match indexed.get(id) {
                None => report.missing.push(id.clone()),
                Some(h) if h != hash => report.stale.push(id.clone()),
                Some(_) => {}
            }
        }
        report.orphans = indexed
            .keys()
            .filter(|id| !seen.contains(id.as_str()))
            .cloned()
            .collect();
        Ok(report)
    }

    /// Counts of what the archive holds.
    pub fn stats(&self) -> Result<Stats> {
        let index = self.index()?;
        let all = SearchRequest {
            facets: true,
            limit: 0,
            ..SearchRequest::default()
        };
        let results = index.search(&all)?;
        Ok(Stats {
            store: self.store.stats()?,
            index_docs: index.num_docs(),
            index_bytes: index.size_bytes()?,
            index_segments: index.num_segments(),
            facets: results.facets,
        })
    }
}

impl Drop for Archive {
    /// A writer checkpoints the WAL as it lets go: later processes need not replay it.
    fn drop(&mut self) {
        if self.lock.is_some() {
            let _ = self.store.checkpoint();
        }
    }
}

/// A data folder path that names something other than a folder.
fn refuse_non_folder(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => Err(Error::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(
                "not a folder: the data folder (--data, or $FONDS_DATA) must be a folder",
            ),
        }),
        _ => Ok(()),
    }
}

/// Creates the data folder if needed, durably: the folders made are synced into their parents,
/// so that a power loss soon after the first import cannot lose the folder itself.
fn create_data_folder(dir: &Path) -> Result<()> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d);
        at = d.parent();
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for made in missing.iter().rev() {
        if let Some(parent) = made.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::File::open(parent)
                .and_then(|f| f.sync_all())
                .map_err(io(parent))?;
        }
    }
    Ok(())
}

fn notify(options: &OpenOptions, notice: Notice) {
    if let Some(sink) = &options.notices {
        sink(&notice);
    }
}

/// Indexes every stored record changed after `after_seq` (all of them for 0); returns how many.
/// Into a `fresh` index (a new generation) records are only added; otherwise each replaces
/// its old document. The caller commits.
fn index_from_store(
    store: &Store,
    writer: &mut IndexWriter,
    after_seq: u64,
    fresh: bool,
) -> Result<u64> {
    let mut n = 0;
    let mut failed = None;
    let scanned = store.for_each_record(after_seq, |record, hash, _| {
        n += 1;
        let indexed = if fresh {
            writer.add(&record, hash)
        } else {
            writer.upsert(&record, hash)
        };
        if let Err(e) = indexed {
            failed = Some(e);
            return Err(StoreError::Corrupt {
                id: record.id.clone(),
                message: "indexing stopped".into(),
            });
        }
        Ok(())
    });
    match failed {
        Some(e) => Err(e.into()),
        None => scanned.map(|()| n).map_err(Error::from),
    }
}
