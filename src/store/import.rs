//! One source file committed in one transaction: its bytes, its import row and its records.
//!
//! [`Store::begin_file`] opens the transaction; the records are put in batches (so a file of
//! millions of records never has to be held in memory), the bytes either given whole or added
//! in chunks as the file is read; [`FileImport::finish`] commits, and dropping a `FileImport`
//! unfinished rolls everything back. A file that changes nothing (its bytes already kept and
//! intact, every record unchanged and intact) writes nothing.
//!
//! Bytes up to [`INLINE_LIMIT`] are kept in one row of `sources`; larger ones in
//! `source_chunks`, [`CHUNK_BYTES`] a row, with the `sources` row counting them. Kept bytes
//! found damaged (not the file's bytes, under the file's SHA-256) and records whose stored
//! JSON no longer has the content its hash names are restored from the file, and reported.

use rusqlite::{OptionalExtension, Transaction, params};

use super::catalogue::{Entry, Maintenance, OldEntry};
use super::error::Context;
use super::{Change, FileOutcome, Store, StoreError, content_hash, json_has_hash};
use crate::model::Record;

/// Sources up to this size are kept in one row.
pub const INLINE_LIMIT: u64 = 16 << 20;
/// The size of each chunk of a larger source.
pub const CHUNK_BYTES: usize = 4 << 20;

/// A source file being committed.
pub struct FileImport<'s> {
    tx: Transaction<'s>,
    path: String,
    sha256: String,
    importer: String,
    size: u64,
    /// Whether the bytes go to chunks (added with [`FileImport::add_chunk`]).
    chunked: bool,
    /// What the store held under this SHA-256 when the import began.
    held: Held,
    /// The next chunk's number.
    next_chunk: i64,
    /// Whether every chunk so far matched what was held.
    chunks_intact: bool,
    seq: u64,
    import_id: Option<i64>,
    catalogue: Maintenance,
    outcome: FileOutcome,
    /// Whether duplicate ids are checked here (streamed files; a whole file is checked by its
    /// importer).
    check_duplicates: bool,
}

/// What the store held under a file's SHA-256 when its import began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// Nothing.
    Nothing,
    /// The same bytes, whole.
    Intact,
    /// Bytes that are not the file's: damaged since they were kept.
    Damaged,
    /// Chunked bytes, compared chunk by chunk as the file is read.
    Chunks,
}

impl Store {
    /// Begins the import of one source file of `size` bytes with this SHA-256: the bytes are
    /// given whole with `bytes`, or, with `None`, added in order with
    /// [`FileImport::add_chunk`] (for a file too large to hold in memory).
    pub fn begin_file(
        &mut self,
        path: &str,
        sha256: &str,
        importer: &str,
        size: u64,
        bytes: Option<&[u8]>,
    ) -> Result<FileImport<'_>, StoreError> {
        let tx = self.writer()?.transaction().context("starting an import")?;
        let seq: u64 = tx
            .query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .context("reading the change sequence")?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        // The sequence is never behind the records (a `meta` row lost or rewound outside
        // Fonds would otherwise make every later change collide with an earlier one).
        let highest: i64 = tx
            .query_row("SELECT coalesce(max(seq), 0) FROM records", [], |r| {
                r.get(0)
            })
            .context("reading the change sequence")?;
        let seq = seq.max(highest.max(0) as u64);
        let stored: Option<(i64, i64)> = tx
            .query_row(
                "SELECT size, chunks FROM sources WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("looking up the source file")?;
        let held = match stored {
            None => Held::Nothing,
            Some((_, chunks)) if chunks != 0 => Held::Chunks,
            Some(_) => {
                let kept: Vec<u8> = tx
                    .query_row(
                        "SELECT bytes FROM sources WHERE sha256 = ?1",
                        [sha256],
                        |r| r.get(0),
                    )
                    .context("reading the kept bytes")?;
                let intact = match bytes {
                    Some(bytes) => kept == bytes,
                    // Kept whole, now given in chunks: intact if they hash right.
                    None => crate::ingest::sha256_hex(&kept) == sha256,
                };
                if intact { Held::Intact } else { Held::Damaged }
            }
        };
        let mut import = FileImport {
            tx,
            path: path.to_string(),
            sha256: sha256.to_string(),
            importer: importer.to_string(),
            size,
            chunked: bytes.is_none(),
            held,
            next_chunk: 0,
            chunks_intact: true,
            seq,
            import_id: None,
            catalogue: Maintenance::default(),
            outcome: FileOutcome::default(),
            check_duplicates: bytes.is_none(),
        };
        match (held, bytes) {
            (Held::Nothing, bytes) => import.insert_source(bytes)?,
            (Held::Damaged, Some(bytes)) => {
                import
                    .tx
                    .execute(
                        "UPDATE sources SET size = ?2, bytes = ?3, chunks = 0 WHERE sha256 = ?1",
                        params![sha256, bytes.len() as i64, bytes],
                    )
                    .context(&format!("restoring the bytes of {path}"))?;
                import.outcome.source_healed = true;
            }
            (Held::Damaged, None) => {
                // Rewritten from the chunks to come.
                import
                    .tx
                    .execute(
                        "UPDATE sources SET size = ?2, bytes = X'', chunks = -1 WHERE sha256 = ?1",
                        params![sha256, size as i64],
                    )
                    .context(&format!("restoring the bytes of {path}"))?;
                import.held = Held::Nothing;
                import.outcome.source_healed = true;
            }
            (Held::Intact | Held::Chunks, _) => {}
        }
        if import.check_duplicates {
            import
                .tx
                .execute_batch(
                    "CREATE TEMP TABLE IF NOT EXISTS import_ids (id TEXT PRIMARY KEY) WITHOUT ROWID;
                     DELETE FROM import_ids;",
                )
                .context("preparing the check of duplicate ids")?;
        }
        Ok(import)
    }
}

impl FileImport<'_> {
    /// Inserts the `sources` row: with the bytes, or empty with its chunks to come (`chunks` is
    /// -1 until [`FileImport::finish`] counts them).
    fn insert_source(&mut self, bytes: Option<&[u8]>) -> Result<(), StoreError> {
        let (inline, chunks): (&[u8], i64) = match bytes {
            Some(b) => (b, 0),
            None => (&[], -1),
        };
        self.tx
            .execute(
                "INSERT INTO sources (sha256, size, bytes, chunks) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sha256) DO NOTHING",
                params![self.sha256, self.size as i64, inline, chunks],
            )
            .context(&format!("keeping the bytes of {}", self.path))?;
        Ok(())
    }

    /// Adds the next chunk of the file's bytes (an import begun without the bytes). Chunks
    /// should be [`CHUNK_BYTES`] long, the last one shorter.
    pub fn add_chunk(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        let n = self.next_chunk;
        self.next_chunk += 1;
        match self.held {
            Held::Nothing => self.write_chunk(n, chunk),
            Held::Chunks => {
                let kept: Option<Vec<u8>> = self
                    .tx
                    .prepare_cached("SELECT bytes FROM source_chunks WHERE sha256 = ?1 AND n = ?2")
                    .and_then(|mut s| {
                        s.query_row(params![self.sha256, n], |r| r.get(0))
                            .optional()
                    })
                    .context("reading a kept chunk")?;
                if kept.as_deref() != Some(chunk) {
                    self.chunks_intact = false;
                    self.write_chunk(n, chunk)?;
                }
                Ok(())
            }
            Held::Intact | Held::Damaged => Ok(()),
        }
    }

    fn write_chunk(&mut self, n: i64, chunk: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO source_chunks (sha256, n, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sha256, n) DO UPDATE SET bytes = excluded.bytes",
            )
            .and_then(|mut s| s.execute(params![self.sha256, n, chunk]))
            .context(&format!("keeping the bytes of {}", self.path))?;
        Ok(())
    }

    /// The import's row, inserted the first time something is written.
    fn import_id(&mut self) -> Result<i64, StoreError> {
        if let Some(id) = self.import_id {
            return Ok(id);
        }
        self.tx
            .execute(
                "INSERT INTO imports (path, sha256, importer, imported_at, records_new, records_changed, records_unchanged)
                 VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 0, 0, 0)",
                params![self.path, self.sha256, self.importer],
            )
            .context(&format!("recording the import of {}", self.path))?;
        let id = self.tx.last_insert_rowid();
        self.import_id = Some(id);
        Ok(id)
    }

    /// Puts a batch of the file's records: new ones added, changed ones given a new revision
    /// (the old one kept), unchanged ones left alone (or restored, if their stored JSON was
    /// damaged). Returns the new and changed records, for the index. A record id met twice in
    /// a streamed file is [`StoreError::Duplicate`].
    pub fn put_records(&mut self, records: &[Record]) -> Result<Vec<Change>, StoreError> {
        let mut pending = Vec::new();
        for record in records {
            if self.check_duplicates {
                let fresh = self
                    .tx
                    .prepare_cached(
                        "INSERT INTO import_ids (id) VALUES (?1) ON CONFLICT DO NOTHING",
                    )
                    .and_then(|mut s| s.execute([&record.id]))
                    .context("checking for duplicate ids")?;
                if fresh == 0 {
                    return Err(StoreError::Duplicate {
                        id: record.id.clone(),
                    });
                }
            }
            let hash = content_hash(record);
            let found: Option<(u64, String, OldEntry, String)> = self
                .tx
                .prepare_cached(
                    "SELECT r.rev, r.hash, c.collection, c.sort_key, c.year, c.month, r.json
                     FROM records r LEFT JOIN catalogue c ON c.id = r.id WHERE r.id = ?1",
                )
                .context("preparing a lookup")?
                .query_row([&record.id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        OldEntry {
                            collection: r.get(2)?,
                            sort_key: r.get(3)?,
                            year: r.get(4)?,
                            month: r.get(5)?,
                        },
                        r.get(6)?,
                    ))
                })
                .optional()
                .context(&format!("looking up record `{}`", record.id))?;
            match found {
                Some((_, old, _, json)) if old == hash => {
                    self.outcome.unchanged += 1;
                    let line = record.to_json_line();
                    if json != line && !json_has_hash(&record.id, &json, &old) {
                        // The stored JSON no longer has the content its hash names (damaged or
                        // edited since): this file's record, of that very content, restores it.
                        self.import_id()?;
                        self.tx
                            .execute(
                                "UPDATE records SET json = ?2 WHERE id = ?1",
                                params![record.id, line],
                            )
                            .context(&format!("restoring record `{}`", record.id))?;
                        self.outcome.healed.push(record.id.clone());
                    }
                }
                Some((rev, _, old, _)) => {
                    self.outcome.changed += 1;
                    pending.push((record, hash, Some((rev, old))));
                }
                None => {
                    self.outcome.new += 1;
                    pending.push((record, hash, None));
                }
            }
        }
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let import_id = self.import_id()?;
        let mut changes = Vec::with_capacity(pending.len());
        for (record, hash, old) in pending {
            if old.is_some() {
                self.tx
                    .prepare_cached(
                        "INSERT INTO revisions (id, rev, hash, json, import_id)
                         SELECT id, rev, hash, json, import_id FROM records WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute([&record.id]))
                    .context(&format!("keeping the old revision of `{}`", record.id))?;
            }
            self.seq += 1;
            let rev = old.as_ref().map_or(1, |(r, _)| r + 1);
            self.tx
                .prepare_cached(
                    "INSERT INTO records (id, rev, seq, hash, json, import_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, seq = excluded.seq,
                        hash = excluded.hash, json = excluded.json, import_id = excluded.import_id",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        record.id,
                        rev as i64,
                        self.seq as i64,
                        hash,
                        record.to_json_line(),
                        import_id
                    ])
                })
                .context(&format!("writing record `{}`", record.id))?;
            let entry = Entry::of(record);
            self.catalogue.replace(
                &self.tx,
                record,
                self.seq,
                old.as_ref().map(|(_, o)| o),
                &entry,
            )?;
            changes.push(Change {
                id: record.id.clone(),
                hash,
                seq: self.seq,
                new: rev == 1,
            });
        }
        Ok(changes)
    }

    /// Keeps the bytes of another source carried inside this file (an export made with its
    /// sources): added if not held, restored if held damaged. The caller has checked that they
    /// hash to `sha256`. Returns whether kept bytes were restored.
    pub fn keep_carried_source(&mut self, sha256: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        let kept: Option<(i64, Option<Vec<u8>>)> = self
            .tx
            .query_row(
                "SELECT chunks, CASE WHEN chunks = 0 THEN bytes END FROM sources WHERE sha256 = ?1",
                [sha256],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .context("looking up a carried source")?;
        let restore = match kept {
            Some((0, Some(b))) if b == bytes => return Ok(false),
            Some(_) => true,
            None => false,
        };
        self.import_id()?;
        self.tx
            .execute("DELETE FROM source_chunks WHERE sha256 = ?1", [sha256])
            .context("replacing a carried source")?;
        self.tx
            .execute(
                "INSERT INTO sources (sha256, size, bytes, chunks) VALUES (?1, ?2, ?3, 0)
                 ON CONFLICT (sha256) DO UPDATE SET size = excluded.size, bytes = excluded.bytes, chunks = 0",
                params![sha256, bytes.len() as i64, bytes],
            )
            .context("keeping a carried source")?;
        Ok(restore)
    }

    /// The counts so far.
    pub fn outcome(&self) -> &FileOutcome {
        &self.outcome
    }

    /// Commits the file (or, if it changed nothing, writes nothing) and returns what it did.
    pub fn finish(mut self) -> Result<FileOutcome, StoreError> {
        if self.chunked {
            let chunks = self.next_chunk;
            match self.held {
                Held::Nothing => {
                    self.tx
                        .execute(
                            "UPDATE sources SET chunks = ?2 WHERE sha256 = ?1",
                            params![self.sha256, chunks],
                        )
                        .context("counting the chunks kept")?;
                }
                Held::Chunks if !self.chunks_intact => {
                    // Kept whole before (or damaged): now in chunks, whole and intact.
                    self.tx
                        .execute(
                            "UPDATE sources SET size = ?2, bytes = X'', chunks = ?3 WHERE sha256 = ?1",
                            params![self.sha256, self.size as i64, chunks],
                        )
                        .context("restoring the bytes")?;
                    self.tx
                        .execute(
                            "DELETE FROM source_chunks WHERE sha256 = ?1 AND n >= ?2",
                            params![self.sha256, chunks],
                        )
                        .context("restoring the bytes")?;
                    self.outcome.source_healed = true;
                }
                _ => {}
            }
        }
        let wrote_source = self.held == Held::Nothing || self.outcome.source_healed;
        if self.import_id.is_none() && !wrote_source {
            return Ok(self.outcome);
        }
        let import_id = self.import_id()?;
        let o = &self.outcome;
        self.tx
            .execute(
                "UPDATE imports SET records_new = ?2, records_changed = ?3, records_unchanged = ?4
                 WHERE id = ?1",
                params![
                    import_id,
                    o.new as i64,
                    o.changed as i64,
                    o.unchanged as i64
                ],
            )
            .context("counting the import")?;
        let catalogue = std::mem::take(&mut self.catalogue);
        catalogue.finish(&self.tx)?;
        self.tx
            .execute(
                "INSERT INTO meta (key, value) VALUES ('seq', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [self.seq.to_string()],
            )
            .context("advancing the change sequence")?;
        self.tx
            .commit()
            .context(&format!("committing {}", self.path))?;
        Ok(self.outcome)
    }
}
