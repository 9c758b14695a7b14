//! The archive: the one facade over store and index, and the single write path (store, then index).
//!
//! A data folder holds `fonds.sqlite3` (the store, the source of truth) and `index/` (tantivy,
//! derived). Every write goes to the store first, in one transaction per source file, then to the
//! index. The index remembers the store's change sequence it has seen, so a write that was cut
//! off between the two is caught up the next time the archive is opened for writing, and
//! `reindex` can always rebuild it whole.
//!
//! An [`Archive`] is `Send + Sync`: reads take `&self` and run on many threads at once (each on a
//! read-only connection of the store's pool), writes take `&mut self`. The catalogue for
//! browsing (collections, neighbours, archival files, chronology) is in `catalogue.rs`.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

mod catalogue;

pub use catalogue::{
    ArchivalFile, Collection, Neighbours, RecordSummary, TypesAndCollections, YearCount,
};

use crate::error::{Error, Result};
use crate::index::{Index, IndexWriter, SearchRequest, SearchResults};
use crate::ingest::{self, Diagnostic, Format, IngestError};
use crate::model::Record;
use crate::store::{Revision, SourceFile, Store, StoreStats};

/// The store's file name inside the data folder.
pub const STORE_FILE: &str = "fonds.sqlite3";
/// The index's folder name inside the data folder.
pub const INDEX_DIR: &str = "index";

/// What happened to one file of an import.
#[derive(Debug)]
pub struct FileReport {
    /// The file as shown to the user.
    pub path: String,
    /// The format it was read as, if it was recognised.
    pub format: Option<Format>,
    /// Records new, changed and unchanged; or why nothing of the file was committed.
    pub outcome: std::result::Result<FileCounts, Error>,
    /// Warnings about the source that did not stop the import.
    pub diagnostics: Vec<Diagnostic>,
}

/// Record counts for one file or a whole import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    /// Records that were not in the archive.
    pub new: usize,
    /// Records whose content changed (a new revision; the old one is kept).
    pub changed: usize,
    /// Records already in the archive as they are.
    pub unchanged: usize,
}

/// The summary of an import.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// One report per file, in the order they were committed.
    pub files: Vec<FileReport>,
    /// Counts over all files that were committed.
    pub totals: FileCounts,
}

impl ImportReport {
    /// Files that could not be imported.
    pub fn failed(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.outcome.is_err())
    }
}

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
}

impl CheckReport {
    /// Whether store and index agree.
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.orphans.is_empty()
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
    /// Counts by type, language, decade, year, archive and collection.
    pub facets: BTreeMap<String, Vec<crate::index::FacetCount>>,
}

/// An archive in a data folder.
///
/// `Send + Sync`: share one `Arc<Archive>` between threads. Reads (`get`, `search`, the
/// catalogue, `stats`, `check`, …) take `&self` and run at once, each on a read-only SQLite
/// connection of the store's pool and the shared tantivy reader; writes (`import`, `reindex`)
/// take `&mut self`.
pub struct Archive {
    dir: PathBuf,
    store: Store,
    index: Index,
}

/// Checked at compile time: the web server shares one archive between its threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Archive>();
};

/// A file found under the paths given to `import`.
struct InputFile {
    path: PathBuf,
    /// Its name for the user and for provenance: the path below the given path's parent.
    name: String,
}

/// One file read and parsed, ready to commit.
struct ParsedFile {
    name: String,
    format: Option<Format>,
    result: std::result::Result<(Vec<u8>, ingest::Parsed), Error>,
}

impl Archive {
    /// Opens the archive in `dir` for reading and writing, creating it if needed, and brings the
    /// index up to date with the store.
    pub fn open(dir: &Path) -> Result<Archive> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        let store = Store::open(&dir.join(STORE_FILE))?;
        let index = Index::open_or_create(&dir.join(INDEX_DIR))?;
        let mut archive = Archive {
            dir: dir.to_path_buf(),
            store,
            index,
        };
        archive.catch_up()?;
        Ok(archive)
    }

    /// Opens an existing archive for reading: searching, showing, exporting, checking. Nothing is
    /// written to the store, so it can run beside an import. One exception for the index: if
    /// it was made by a version of Fonds with another index schema, it is replaced and rebuilt
    /// from the store here (unless an import holds the index's writer: then searches find
    /// nothing until the archive is next opened for writing).
    pub fn open_read_only(dir: &Path) -> Result<Archive> {
        let db = dir.join(STORE_FILE);
        if !db.is_file() {
            return Err(Error::NoArchive {
                dir: dir.display().to_string(),
            });
        }
        let store = Store::open_read_only(&db)?;
        let index = Index::open_or_create(&dir.join(INDEX_DIR))?;
        if index.was_replaced() {
            match index.writer() {
                Ok(writer) => {
                    index_records(&store, writer, 0)?;
                }
                Err(crate::index::IndexError::Locked { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Archive {
            dir: dir.to_path_buf(),
            store,
            index,
        })
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Renumbers collections an interrupted import left unsettled, and indexes what the store
    /// changed since the index last committed.
    fn catch_up(&mut self) -> Result<()> {
        self.store.settle_catalogue()?;
        let store_seq = self.store.seq()?;
        let index_seq = self.index.last_seq();
        if index_seq == store_seq {
            return Ok(());
        }
        if index_seq > store_seq {
            // The index is from another store: rebuild it.
            self.reindex()?;
            return Ok(());
        }
        index_records(&self.store, self.index.writer()?, index_seq)?;
        Ok(())
    }

    /// Imports files and folders (walked recursively, hidden files and unknown formats skipped).
    /// Each file is committed whole or not at all; a failed file does not stop the others.
    /// `on_file` is called as each file is committed (or fails), in order.
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        mut on_file: impl FnMut(&FileReport, usize, usize),
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let mut inputs = Vec::new();
        for path in paths {
            if let Err(e) = collect_files(path, &mut inputs) {
                report.files.push(FileReport {
                    path: path.display().to_string(),
                    format: None,
                    outcome: Err(e),
                    diagnostics: Vec::new(),
                });
            }
        }
        let total = inputs.len() + report.files.len();
        for (i, f) in report.files.iter().enumerate() {
            on_file(f, i + 1, total);
        }
        let mut writer: Option<IndexWriter> = None;
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(inputs.len().max(1));
        let next = AtomicUsize::new(0);
        let inputs = &inputs;
        let outcome: Result<()> = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<(usize, ParsedFile)>();
            for _ in 0..workers {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(i) else { break };
                        if tx.send((i, read_and_parse(input))).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // Commit in the order the files were named, whatever order they were parsed in.
            let mut ready = BTreeMap::new();
            let mut due = 0;
            for (i, parsed) in rx {
                ready.insert(i, parsed);
                while let Some(parsed) = ready.remove(&due) {
                    due += 1;
                    let file = self.commit_parsed(parsed, &mut writer)?;
                    if let Ok(counts) = &file.outcome {
                        report.totals.new += counts.new;
                        report.totals.changed += counts.changed;
                        report.totals.unchanged += counts.unchanged;
                    }
                    on_file(&file, report.files.len() + 1, total);
                    report.files.push(file);
                }
            }
            Ok(())
        });
        // Renumber the collections this import changed, once each, whatever stopped it.
        let settled = self.store.settle_catalogue();
        if let Some(mut writer) = writer {
            writer.commit(self.store.seq()?)?;
        }
        outcome?;
        settled?;
        Ok(report)
    }

    /// Commits one parsed file to the store, then hands its new and changed records to the index.
    /// A store error ends the import; a bad file only fails its own report.
    fn commit_parsed(
        &mut self,
        parsed: ParsedFile,
        writer: &mut Option<IndexWriter>,
    ) -> Result<FileReport> {
        let ParsedFile {
            name,
            format,
            result,
        } = parsed;
        let (bytes, parsed) = match result {
            Ok(ok) => ok,
            Err(e) => {
                return Ok(FileReport {
                    path: name,
                    format,
                    outcome: Err(e),
                    diagnostics: Vec::new(),
                });
            }
        };
        let format = format.expect("a parsed file has a format");
        let sha256 = ingest::sha256_hex(&bytes);
        let file = SourceFile {
            path: &name,
            bytes: &bytes,
            sha256: &sha256,
            importer: format.importer(),
        };
        let outcome = self.store.commit_file(file, &parsed.records)?;
        if !outcome.changes.is_empty() {
            let writer = match writer {
                Some(w) => w,
                None => writer.insert(self.index.writer()?),
            };
            let changed: std::collections::HashMap<&str, &str> = outcome
                .changes
                .iter()
                .map(|c| (c.id.as_str(), c.hash.as_str()))
                .collect();
            for record in &parsed.records {
                if let Some(hash) = changed.get(record.id.as_str()) {
                    writer.upsert(record, hash)?;
                }
            }
        }
        let counts = FileCounts {
            new: outcome.new,
            changed: outcome.changed,
            unchanged: outcome.unchanged,
        };
        Ok(FileReport {
            path: name,
            format: Some(format),
            outcome: Ok(counts),
            diagnostics: parsed.diagnostics,
        })
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

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        Ok(self.index.search(request)?)
    }

    /// Writes every record as one JSON line, in id order; returns how many.
    pub fn export_jsonl(&self, out: &mut dyn Write) -> Result<u64> {
        let mut n = 0;
        let mut io_error = None;
        self.store.for_each_json(0, |_, json, _, _| {
            if io_error.is_none() {
                if let Err(e) = out
                    .write_all(json.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                {
                    io_error = Some(e);
                }
                n += 1;
            }
            Ok(())
        })?;
        if let Some(source) = io_error {
            return Err(Error::Io {
                path: "export".into(),
                source,
            });
        }
        Ok(n)
    }

    /// Rebuilds the index from the store; returns the number of records indexed.
    pub fn reindex(&mut self) -> Result<u64> {
        let mut writer = self.index.writer()?;
        writer.delete_all()?;
        index_records(&self.store, writer, 0)
    }

    /// Compares store and index record by record.
    pub fn check(&self) -> Result<CheckReport> {
        let stored = self.store.entries()?;
        let indexed: BTreeMap<String, String> = self.index.entries()?.into_iter().collect();
        let mut report = CheckReport {
            records: stored.len(),
            indexed: indexed.len(),
            ..CheckReport::default()
        };
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
        let all = SearchRequest {
            facets: true,
            limit: 0,
            ..SearchRequest::default()
        };
        let results = self.index.search(&all)?;
        Ok(Stats {
            store: self.store.stats()?,
            index_docs: self.index.num_docs(),
            index_bytes: self.index.size_bytes()?,
            facets: results.facets,
        })
    }
}

/// Indexes every stored record changed after `after_seq` and commits with the store's sequence
/// as read before them (so what changes meanwhile is caught up later); returns how many.
fn index_records(store: &Store, mut writer: IndexWriter, after_seq: u64) -> Result<u64> {
    let seq = store.seq()?;
    let mut n = 0;
    store.for_each_record(after_seq, |record, hash, _| {
        n += 1;
        writer
            .upsert(&record, hash)
            .map_err(|e| crate::store::StoreError::Corrupt {
                id: record.id.clone(),
                message: format!("could not be indexed: {e}"),
            })
    })?;
    writer.commit(seq)?;
    Ok(n)
}

/// Adds `path` (a file, or every file below a folder, sorted) to `out`.
fn collect_files(path: &Path, out: &mut Vec<InputFile>) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    if meta.is_file() {
        out.push(InputFile {
            path: path.to_path_buf(),
            name: shown_name(base, path),
        });
        return Ok(());
    }
    let mut stack = vec![path.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
            let p = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if hidden {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p);
            }
        }
    }
    found.sort();
    for p in found {
        let name = shown_name(base, &p);
        let is_readme = p
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case("readme"));
        if !is_readme && ingest::is_importable_name(&name) {
            out.push(InputFile { path: p, name });
        }
    }
    Ok(())
}

fn shown_name(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read_and_parse(input: &InputFile) -> ParsedFile {
    let name = input.name.clone();
    let bytes = match std::fs::read(&input.path) {
        Ok(b) => b,
        Err(source) => {
            return ParsedFile {
                name,
                format: None,
                result: Err(Error::Io {
                    path: input.path.display().to_string(),
                    source,
                }),
            };
        }
    };
    let Some(format) = ingest::detect(&name, &bytes) else {
        return ParsedFile {
            name: name.clone(),
            format: None,
            result: Err(IngestError::UnknownFormat { file: name }.into()),
        };
    };
    let result = ingest::parse(format, &name, &bytes)
        .map(|parsed| (bytes, parsed))
        .map_err(Error::from);
    ParsedFile {
        name,
        format: Some(format),
        result,
    }
}
