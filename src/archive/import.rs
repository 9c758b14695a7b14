//! The write path of an import: files read and parsed on all cores, committed one by one in
//! the order given (each in one store transaction), their new and changed records handed to
//! the index; JSON Lines files too large to hold in memory are streamed.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use super::Archive;
use super::inputs::{self, InputFile};
use crate::error::{Error, Result};
use crate::index::{Index, IndexError, IndexWriter};
use crate::ingest::{self, Diagnostic, Format, IngestError};
use crate::model::Record;
use crate::store::{CHUNK_BYTES, Change, FileImport, INLINE_LIMIT, SourceFile, StoreError};
use sha2::{Digest, Sha256};

/// An import that adds at least this share of the index's documents merges its segments into
/// one when it ends (a rebuild always does).
const MERGE_SHARE: u64 = 10;
/// The stack of the threads that parse files: room for deep documents (importers bound their
/// nesting, this is the margin).
const PARSER_STACK: usize = 64 << 20;

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
    /// Records whose stored copy was damaged and was restored from this file.
    pub healed: Vec<String>,
    /// Whether the stored bytes of this file were damaged and were restored from it.
    pub source_healed: bool,
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

/// One file read and parsed, ready to commit.
struct ParsedFile {
    name: String,
    format: Option<Format>,
    result: std::result::Result<Ready, Error>,
}

/// A file ready to commit.
enum Ready {
    /// Read and parsed whole.
    Whole {
        bytes: Vec<u8>,
        parsed: ingest::Parsed,
    },
    /// A JSON Lines file too large to hold: hashed, to be read again and streamed into the
    /// store as it is parsed.
    Streamed {
        input: InputFile,
        sha256: String,
        size: u64,
    },
}

/// Records put into the store (and the index) at a time from a streamed file.
const STREAM_BATCH: usize = 512;
/// The longest line of a streamed JSON Lines file: room for a record with its texts, or a
/// carried source file of up to 190 MB.
const STREAM_LINE_LIMIT: u64 = 256 << 20;

impl Archive {
    /// Imports files and folders (walked recursively, hidden files and unknown formats skipped).
    /// Each file is committed whole or not at all; a failed file does not stop the others.
    /// `on_file` is called as each file is committed (or fails), in order.
    pub fn import(
        &mut self,
        paths: &[PathBuf],
        mut on_file: impl FnMut(&FileReport, usize, usize),
    ) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        let (inputs, refused) = inputs::collect(paths);
        for r in refused {
            report.files.push(failed_file(r.name, None, r.error));
        }
        let total = inputs.len() + report.files.len();
        for (i, f) in report.files.iter().enumerate() {
            on_file(f, i + 1, total);
        }
        let index = self.index()?;
        let mut feed = IndexFeed::default();
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
                std::thread::Builder::new()
                    .name("fonds-parse".into())
                    .stack_size(PARSER_STACK)
                    .spawn_scoped(scope, move || {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(input) = inputs.get(i) else { break };
                            if tx.send((i, read_and_parse(input))).is_err() {
                                break;
                            }
                        }
                    })
                    .map_err(|source| Error::Io {
                        path: "a parsing thread".into(),
                        source,
                    })?;
            }
            drop(tx);
            // Commit in the order the files were named, whatever order they were parsed in.
            let mut ready = BTreeMap::new();
            let mut due = 0;
            for (i, parsed) in rx {
                ready.insert(i, parsed);
                while let Some(parsed) = ready.remove(&due) {
                    due += 1;
                    let file = self.commit_parsed(parsed, &index, &mut feed)?;
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
        self.finish_indexing(&index, feed)?;
        outcome?;
        settled?;
        Ok(report)
    }

    /// Commits the index after an import (merging its segments when the import was large), or
    /// rebuilds it if indexing failed on the way: the store has every committed file either way.
    fn finish_indexing(&mut self, index: &Index, feed: IndexFeed) -> Result<()> {
        let IndexFeed {
            writer,
            stopped,
            added,
            ..
        } = feed;
        let stopped = match (writer, stopped) {
            (_, Some(reason)) => Some(reason),
            (Some(mut writer), None) => match writer.commit(self.store.seq()?) {
                Err(e) => Some(format!("indexing failed during the import: {e}")),
                Ok(()) => {
                    // A merge that fails leaves more segments, nothing wrong: the commit stands.
                    let large = added * MERGE_SHARE >= index.num_docs();
                    let _ = writer.merge_if_needed(large);
                    let _ = writer.wait_merging_threads();
                    None
                }
            },
            (None, None) => None,
        };
        if let Some(reason) = stopped {
            self.rebuild(Some(index), Some(reason))?;
        }
        Ok(())
    }

    /// Commits one parsed file to the store, then hands its new and changed records to the index.
    /// A store error ends the import; a bad file only fails its own report; an index error
    /// stops indexing (the index is rebuilt when the import ends).
    fn commit_parsed(
        &mut self,
        parsed: ParsedFile,
        index: &Index,
        feed: &mut IndexFeed,
    ) -> Result<FileReport> {
        let ParsedFile {
            name,
            format,
            result,
        } = parsed;
        let (bytes, parsed) = match result {
            Ok(Ready::Whole { bytes, parsed }) => (bytes, parsed),
            Ok(Ready::Streamed {
                input,
                sha256,
                size,
            }) => return self.commit_streamed(&input, &sha256, size, index, feed),
            Err(e) => return Ok(failed_file(name, format, e)),
        };
        let format = format.expect("a parsed file has a format");
        let sha256 = ingest::sha256_hex(&bytes);
        let file = SourceFile {
            path: &name,
            bytes: &bytes,
            sha256: &sha256,
            importer: format.importer(),
        };
        let mut import = self.store.begin_file(
            file.path,
            file.sha256,
            file.importer,
            bytes.len() as u64,
            Some(file.bytes),
        )?;
        let mut healed_carried = false;
        for carried in &parsed.carried {
            healed_carried |= import.keep_carried_source(&carried.sha256, &carried.bytes)?;
        }
        let changes = import.put_records(&parsed.records)?;
        let mut outcome = import.finish()?;
        outcome.source_healed |= healed_carried;
        feed.upsert_changed(index, &parsed.records, &changes);
        Ok(FileReport {
            path: name,
            format: Some(format),
            outcome: Ok(FileCounts {
                new: outcome.new,
                changed: outcome.changed,
                unchanged: outcome.unchanged,
            }),
            diagnostics: parsed.diagnostics,
            healed: outcome.healed,
            source_healed: outcome.source_healed,
        })
    }

    /// Streams a large JSON Lines file into the store: read again (its bytes kept in chunks as
    /// they pass, and hashed again to make sure it is the file hashed before), parsed line by
    /// line, its records put in batches, all in one transaction. Memory stays bounded by the
    /// batch, the chunk and the longest line. The index is committed before, so that a file
    /// that fails half-way takes back only its own index changes.
    fn commit_streamed(
        &mut self,
        input: &InputFile,
        sha256: &str,
        size: u64,
        index: &Index,
        feed: &mut IndexFeed,
    ) -> Result<FileReport> {
        let name = input.name.clone();
        let format = Some(Format::Jsonl);
        let (file, _) = match inputs::open(input) {
            Ok(f) => f,
            Err(e) => return Ok(failed_file(name, format, e)),
        };
        feed.commit(self.store.seq()?);
        let mut reader = std::io::BufReader::with_capacity(1 << 20, Tee::new(file));
        let mut import =
            self.store
                .begin_file(&name, sha256, Format::Jsonl.importer(), size, None)?;
        let mut batch: Vec<Record> = Vec::with_capacity(STREAM_BATCH);
        let mut line = Vec::new();
        let mut lineno = 0usize;
        let mut healed_carried = false;
        let mut unknown = ingest::jsonl::UnknownFields::default();
        // A malformed line, a duplicate id, a file that changed: the file fails alone.
        let failure: std::result::Result<(), Error> = (|| {
            loop {
                line.clear();
                let read = (&mut reader)
                    .take(STREAM_LINE_LIMIT + 1)
                    .read_until(b'\n', &mut line)
                    .map_err(|source| Error::Io {
                        path: input.path.display().to_string(),
                        source,
                    })?;
                if read == 0 {
                    break;
                }
                lineno += 1;
                if line.len() as u64 > STREAM_LINE_LIMIT {
                    return Err(IngestError::malformed(
                        &name,
                        format!("line {lineno}"),
                        format!(
                            "longer than {} MiB, the limit for one line",
                            STREAM_LINE_LIMIT >> 20
                        ),
                    )
                    .into());
                }
                while reader.get_ref().pending.len() >= CHUNK_BYTES {
                    let chunk: Vec<u8> = reader.get_mut().pending.drain(..CHUNK_BYTES).collect();
                    import.add_chunk(&chunk)?;
                }
                let mut text = std::str::from_utf8(&line).map_err(|e| {
                    IngestError::malformed(
                        &name,
                        format!("line {lineno}, byte {}", e.valid_up_to() + 1),
                        "not valid UTF-8",
                    )
                })?;
                if lineno == 1 {
                    text = text.strip_prefix('\u{feff}').unwrap_or(text);
                }
                let text = text.strip_suffix('\n').unwrap_or(text);
                match ingest::jsonl::parse_line(&name, sha256, lineno, text)? {
                    None => {}
                    Some(ingest::jsonl::Line::Record(record)) => {
                        unknown.note(lineno, text);
                        batch.push(*record);
                        if batch.len() >= STREAM_BATCH {
                            put_batch(&mut import, &mut batch, index, feed, &name)?;
                        }
                    }
                    Some(ingest::jsonl::Line::Source(carried)) => {
                        healed_carried |=
                            import.keep_carried_source(&carried.sha256, &carried.bytes)?;
                    }
                }
            }
            put_batch(&mut import, &mut batch, index, feed, &name)?;
            let tee = reader.get_mut();
            let rest = std::mem::take(&mut tee.pending);
            if !rest.is_empty() {
                import.add_chunk(&rest)?;
            }
            let hashed = tee.finish();
            if hashed.0 != sha256 || hashed.1 != size {
                return Err(IngestError::malformed(
                    &name,
                    "the whole file",
                    "the file changed while it was being imported; import it again",
                )
                .into());
            }
            Ok(())
        })();
        match failure {
            Ok(()) => {}
            Err(e @ (Error::Ingest(_) | Error::Io { .. })) => {
                drop(import);
                feed.rollback();
                return Ok(failed_file(name, format, e));
            }
            Err(e) => {
                drop(import);
                feed.rollback();
                return Err(e);
            }
        }
        let outcome = match import.finish() {
            Ok(o) => o,
            Err(e) => {
                feed.rollback();
                return Err(e.into());
            }
        };
        Ok(FileReport {
            path: name,
            format,
            outcome: Ok(FileCounts {
                new: outcome.new,
                changed: outcome.changed,
                unchanged: outcome.unchanged,
            }),
            diagnostics: unknown.diagnostics(),
            healed: outcome.healed,
            source_healed: outcome.source_healed || healed_carried,
        })
    }
}

/// Replaced documents an import queues before it stops indexing and rebuilds the index when it
/// ends instead: tantivy keeps every deletion in memory until the commit (about a kilobyte
/// each), and an import commits the index only when it ends (or before a streamed file).
const MAX_PENDING_DELETES: u64 = 100_000;

/// The index's side of an import: its writer, opened at the first change, and why it stopped,
/// if it did (the first error it met, or too many replaced documents), after which nothing more
/// is indexed and the index is rebuilt when the import ends.
#[derive(Default)]
struct IndexFeed {
    writer: Option<IndexWriter>,
    stopped: Option<String>,
    added: u64,
    /// Documents added since the last commit.
    uncommitted: u64,
    /// Documents replaced since the last commit.
    deletes: u64,
}

impl IndexFeed {
    /// Hands the records of `records` that `changes` names to the index: new ones added, changed
    /// ones replacing their old document.
    fn upsert_changed(&mut self, index: &Index, records: &[Record], changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        let changed: std::collections::HashMap<&str, &Change> =
            changes.iter().map(|c| (c.id.as_str(), c)).collect();
        self.upsert(
            index,
            records.iter().filter_map(|r| {
                changed
                    .get(r.id.as_str())
                    .map(|c| (r, c.hash.as_str(), c.new))
            }),
        );
    }

    /// Commits what was added so far, as complete up to the store's change `seq`.
    fn commit(&mut self, seq: u64) {
        if self.uncommitted == 0 {
            return;
        }
        if let Some(writer) = &mut self.writer
            && let Err(e) = writer.commit(seq)
        {
            self.stop(format!("indexing failed during the import: {e}"));
        }
        self.uncommitted = 0;
        self.deletes = 0;
    }

    /// Stops indexing, for the index to be rebuilt when the import ends.
    fn stop(&mut self, reason: String) {
        self.stopped.get_or_insert(reason);
        self.writer = None;
    }

    /// Takes back what was added since the last commit (a streamed file that failed).
    fn rollback(&mut self) {
        if let Some(writer) = &mut self.writer
            && let Err(e) = writer.rollback()
        {
            self.stop(format!("indexing failed during the import: {e}"));
        }
        self.added -= self.uncommitted.min(self.added);
        self.uncommitted = 0;
        self.deletes = 0;
    }

    fn upsert<'a>(
        &mut self,
        index: &Index,
        records: impl Iterator<Item = (&'a Record, &'a str, bool)>,
    ) {
        if self.stopped.is_some() {
            return;
        }
        let result = (|| {
            let writer = match &mut self.writer {
                Some(w) => w,
                None => self.writer.insert(index.writer()?),
            };
            for (record, hash, new) in records {
                if new {
                    writer.add(record, hash)?;
                } else {
                    writer.upsert(record, hash)?;
                    self.deletes += 1;
                }
                self.added += 1;
                self.uncommitted += 1;
            }
            Ok::<(), IndexError>(())
        })();
        if let Err(e) = result {
            self.stop(format!("indexing failed during the import: {e}"));
        } else if self.deletes > MAX_PENDING_DELETES {
            self.stop(format!(
                "the import replaced more than {MAX_PENDING_DELETES} records; a new index is quicker to build than to patch"
            ));
        }
    }
}

fn failed_file(path: String, format: Option<Format>, error: Error) -> FileReport {
    FileReport {
        path,
        format,
        outcome: Err(error),
        diagnostics: Vec::new(),
        healed: Vec::new(),
        source_healed: false,
    }
}

/// Reads and parses one file; a panic in an importer (a bug) fails that file alone.
fn read_and_parse(input: &InputFile) -> ParsedFile {
    let name = input.name.clone();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_file(input)));
    match caught {
        Ok(parsed) => parsed,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            ParsedFile {
                name: name.clone(),
                format: None,
                result: Err(IngestError::malformed(
                    name,
                    "the whole file",
                    format!(
                        "the importer failed on this file ({what}); this is a bug in Fonds, please report it with the file"
                    ),
                )
                .into()),
            }
        }
    }
}

fn parse_file(input: &InputFile) -> ParsedFile {
    let name = input.name.clone();
    if is_json_lines(&name) {
        match hash_if_large(input) {
            Ok(None) => {}
            Ok(Some((sha256, size))) => {
                return ParsedFile {
                    name,
                    format: Some(Format::Jsonl),
                    result: Ok(Ready::Streamed {
                        input: input.clone(),
                        sha256,
                        size,
                    }),
                };
            }
            Err(e) => {
                return ParsedFile {
                    name,
                    format: None,
                    result: Err(e),
                };
            }
        }
    }
    let bytes = match inputs::read(input) {
        Ok(b) => b,
        Err(e) => {
            return ParsedFile {
                name,
                format: None,
                result: Err(e),
            };
        }
    };
    let Some(format) = ingest::detect(&name, &bytes) else {
        let error = if bytes.iter().all(u8::is_ascii_whitespace) {
            IngestError::malformed(
                &name,
                "the whole file",
                "the file is empty (or blank): there is nothing to import",
            )
        } else {
            IngestError::UnknownFormat { file: name.clone() }
        };
        return ParsedFile {
            name,
            format: None,
            result: Err(error.into()),
        };
    };
    let result = ingest::parse(format, &name, &bytes)
        .map(|parsed| Ready::Whole { bytes, parsed })
        .map_err(Error::from);
    ParsedFile {
        name,
        format: Some(format),
        result,
    }
}

fn is_json_lines(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".jsonl") || lower.ends_with(".ndjson")
}

/// The SHA-256 and size of a file too large to hold in memory (above the store's inline limit),
/// read once; `None` for a smaller one.
fn hash_if_large(input: &InputFile) -> Result<Option<(String, u64)>> {
    let (file, len) = inputs::open(input)?;
    if len <= INLINE_LIMIT {
        return Ok(None);
    }
    let mut tee = Tee::new(file);
    tee.keep = false;
    std::io::copy(&mut tee, &mut std::io::sink()).map_err(|source| Error::Io {
        path: input.path.display().to_string(),
        source,
    })?;
    Ok(Some(tee.finish()))
}

/// A reader that hashes what it reads and keeps it for the store until taken.
struct Tee<R> {
    inner: R,
    /// Bytes read and not yet taken (when `keep`).
    pending: Vec<u8>,
    keep: bool,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Tee<R> {
    fn new(inner: R) -> Tee<R> {
        Tee {
            inner,
            pending: Vec::new(),
            keep: true,
            hasher: Sha256::new(),
            read: 0,
        }
    }

    /// The SHA-256 (lowercase hex) and the number of the bytes read.
    fn finish(&mut self) -> (String, u64) {
        let digest = std::mem::take(&mut self.hasher).finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        (hex, self.read)
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if self.keep {
            self.pending.extend_from_slice(&buf[..n]);
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// Puts a streamed file's batch of records into the store and the index; a duplicate id is the
/// file's error, named with its line.
fn put_batch(
    import: &mut FileImport<'_>,
    batch: &mut Vec<Record>,
    index: &Index,
    feed: &mut IndexFeed,
    name: &str,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let changes = match import.put_records(batch) {
        Ok(c) => c,
        Err(StoreError::Duplicate { id }) => {
            let line = batch
                .iter()
                .rev()
                .find(|r| r.id == id)
                .and_then(|r| r.provenance.locator.clone())
                .unwrap_or_default();
            return Err(IngestError::malformed(
                name,
                line,
                format!("record id `{id}` appears more than once in this file"),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    feed.upsert_changed(index, batch, &changes);
    batch.clear();
    Ok(())
}
