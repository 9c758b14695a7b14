//! The SQLite store: the source of truth for records, their revisions and the source files.
//!
//! One database file in the data folder, in WAL mode. Each imported file is committed in one
//! transaction: its bytes (kept by SHA-256), an import row, and the records it brought. A record
//! whose content is unchanged is left alone; a changed one gets a new revision and the old one is
//! kept. Every change takes the next number of a store-wide sequence, which the index records so
//! it can catch up with what it missed. The same transaction keeps the catalogue (collections
//! in chronological order, archival files, dates) in step with the records; positions within
//! collections are renumbered once per import, by [`Store::settle_catalogue`].
//!
//! A [`Store`] is `Send + Sync`: writes take `&mut self` and go through the one write
//! connection; reads take `&self` and check a read-only connection out of a small pool, so
//! any number of threads read at once, beside the writer.

mod catalogue;
mod error;
#[cfg(feature = "fault-injection")]
pub mod fault_vfs;
mod fixity;
mod import;
mod read_pool;
mod schema;

pub use catalogue::{
    ArchivalFile, Collection, Neighbours, RecordSummary, SameFile, TypesAndCollections, YearCount,
};
pub use error::StoreError;
pub use fixity::{Damage, StoreFixity};
pub use import::{CHUNK_BYTES, FileImport, INLINE_LIMIT};
pub use read_pool::MAX_READERS;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};

use crate::ingest::sha256_hex;
use crate::model::Record;
use error::Context;
use read_pool::{ReadConnection, ReadPool};

/// Bytes the WAL file is cut back to after a checkpoint.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// A source file about to be committed with its records.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// The path as the user gave it.
    pub path: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
    /// The file's SHA-256, lowercase hex.
    pub sha256: &'a str,
    /// The importer that read it.
    pub importer: &'a str,
}

/// A record that an import added or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The record's id.
    pub id: String,
    /// Its content hash.
    pub hash: String,
    /// Its place in the store's change sequence.
    pub seq: u64,
    /// Whether the record was not in the store before (so not in an index that is in step).
    pub new: bool,
}

/// What committing one file did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOutcome {
    /// Records that were not in the store.
    pub new: usize,
    /// Records whose content changed: a new revision, the old one kept.
    pub changed: usize,
    /// Records already stored with the same content.
    pub unchanged: usize,
    /// The new and changed records, for the index.
    pub changes: Vec<Change>,
    /// Unchanged records whose stored JSON was damaged (it no longer had the content its hash
    /// names) and was restored from this file.
    pub healed: Vec<String>,
    /// Whether the file's stored bytes were damaged and were restored from this file.
    pub source_healed: bool,
}

/// A stored revision of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The revision number, from 1.
    pub rev: u64,
    /// The content hash.
    pub hash: String,
    /// The record as it was.
    pub record: Record,
}

/// Counts of what the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreStats {
    /// Records (current revisions).
    pub records: u64,
    /// Superseded revisions kept.
    pub old_revisions: u64,
    /// Distinct source files kept.
    pub source_files: u64,
    /// Their bytes.
    pub source_bytes: u64,
    /// Imports that changed something.
    pub imports: u64,
    /// The store's change sequence.
    pub seq: u64,
}

/// The content hash of a record: SHA-256 of its JSON without provenance.
pub fn content_hash(record: &Record) -> String {
    sha256_hex(record.content_json().as_bytes())
}

/// The SQLite store.
pub struct Store {
    /// The write connection: `None` when opened read-only. Behind a mutex only so that the
    /// store is `Sync`; writers hold `&mut self` and never wait on it, and only an in-memory
    /// store reads through it.
    writer: Option<Mutex<Connection>>,
    /// Read-only connections to the database file; `None` for an in-memory store.
    readers: Option<ReadPool>,
}

/// Checked at compile time: the web server shares one store between threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Store>();
};

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        refuse_empty(path)?;
        Store::open_unchecked(path).map_err(|e| e.damaged_if_corrupt(path))
    }

    fn open_unchecked(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        #[cfg(feature = "fault-injection")]
        fault_vfs::install_from_env()?;
        if !path.exists() {
            create(path)?;
        }
        let mut conn = Connection::open(path).context(&format!("opening {shown}"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .context("setting a busy timeout")?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .context("enabling WAL")?;
        // FULL: every commit syncs the WAL before it returns, so an import acknowledged to the
        // user survives a power loss (NORMAL may lose the last commits). It costs one fsync per
        // source file, which imports hardly feel (docs/RELIABILITY.md).
        let synchronous = "FULL";
        // Lowered only by a test that shows what FULL prevents (tests/powerloss.rs).
        #[cfg(feature = "fault-injection")]
        let synchronous =
            &fault_vfs::synchronous_override()?.unwrap_or_else(|| synchronous.to_string());
        conn.pragma_update(None, "synchronous", synchronous)
            .context("setting synchronous")?;
        // After a checkpoint, the WAL file is cut back to this size rather than kept as large
        // as the largest import made it.
        conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
            .context("limiting the WAL's size")?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .context("enabling foreign keys")?;
        conn.set_prepared_statement_cache_capacity(read_pool::STATEMENT_CACHE);
        schema::migrate(&mut conn, &shown)?;
        Ok(Store {
            writer: Some(Mutex::new(conn)),
            readers: Some(ReadPool::new(path.to_path_buf())),
        })
    }

    /// Opens an existing database for reading only; it must exist. Writing to it fails.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        refuse_empty(path)?;
        Store::open_read_only_unchecked(path).map_err(|e| e.damaged_if_corrupt(path))
    }

    fn open_read_only_unchecked(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        #[cfg(feature = "fault-injection")]
        fault_vfs::install_from_env()?;
        let store = Store {
            writer: None,
            readers: Some(ReadPool::new(path.to_path_buf())),
        };
        let found: i64 = store
            .reader()?
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .context(&format!("reading the schema version of {shown}"))?;
        if found > schema::VERSION {
            return Err(StoreError::SchemaTooNew {
                path: shown,
                found,
                supported: schema::VERSION,
            });
        }
        if found == 0 {
            // Created but not yet migrated (another process is creating it right now, or was
            // killed while it did): there is nothing to read yet.
            return Err(StoreError::NotCreated { path: shown });
        }
        schema::check_catalogue(&*store.reader()?, &shown)?;
        Ok(store)
    }

    /// A fresh store in memory, for tests (reads share its one connection).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let mut conn = Connection::open_in_memory().context("opening an in-memory store")?;
        schema::migrate(&mut conn, ":memory:")?;
        Ok(Store {
            writer: Some(Mutex::new(conn)),
            readers: None,
        })
    }

    /// A connection to read with: one of the pool's, or an in-memory store's only one.
    fn reader(&self) -> Result<ReadConnection<'_>, StoreError> {
        match (&self.readers, &self.writer) {
            (Some(pool), _) => pool.get().map(ReadConnection::Pooled),
            (None, Some(writer)) => Ok(ReadConnection::Writer(
                writer.lock().unwrap_or_else(|e| e.into_inner()),
            )),
            (None, None) => unreachable!("a store has a reader or a writer"),
        }
    }

    /// The write connection; an error for a store opened read-only.
    fn writer(&mut self) -> Result<&mut Connection, StoreError> {
        match &mut self.writer {
            Some(conn) => Ok(conn.get_mut().unwrap_or_else(|e| e.into_inner())),
            None => Err(StoreError::ReadOnly),
        }
    }

    /// Commits one source file and its records in one transaction, with their catalogue
    /// entries (see [`Store::begin_file`], for files too large to hold in memory). If nothing
    /// changes (the same bytes, every record unchanged and intact), nothing is written. Call
    /// [`Store::settle_catalogue`] when the import ends.
    pub fn commit_file(
        &mut self,
        file: SourceFile<'_>,
        records: &[Record],
    ) -> Result<FileOutcome, StoreError> {
        let mut import = self.begin_file(
            file.path,
            file.sha256,
            file.importer,
            file.bytes.len() as u64,
            Some(file.bytes),
        )?;
        let changes = import.put_records(records)?;
        let mut outcome = import.finish()?;
        outcome.changes = changes;
        Ok(outcome)
    }

    /// The current revision of a record.
    pub fn get(&self, id: &str) -> Result<Option<Record>, StoreError> {
        self.get_json(id)?
            .map(|json| parse_record(id, &json))
            .transpose()
    }

    /// The current revision of a record, as stored (one JSON line).
    pub fn get_json(&self, id: &str) -> Result<Option<String>, StoreError> {
        self.reader()?
            .prepare_cached("SELECT json FROM records WHERE id = ?1")
            .context("preparing a record read")?
            .query_row([id], |r| r.get(0))
            .optional()
            .context(&format!("reading record `{id}`"))
    }

    /// Every revision of a record, oldest first, the current one last.
    pub fn revisions(&self, id: &str) -> Result<Vec<Revision>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT rev, hash, json FROM revisions WHERE id = ?1
                 UNION ALL SELECT rev, hash, json FROM records WHERE id = ?1 ORDER BY rev",
            )
            .context("preparing a revision read")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .context(&format!("reading the revisions of `{id}`"))?;
        let mut out = Vec::new();
        for row in rows {
            let (rev, hash, json) = row.context(&format!("reading the revisions of `{id}`"))?;
            out.push(Revision {
                rev: rev as u64,
                hash,
                record: parse_record(id, &json)?,
            });
        }
        Ok(out)
    }

    /// Calls `f` with every current record (and its hash and sequence) whose sequence is above
    /// `after_seq`, in id order (byte order).
    pub fn for_each_record(
        &self,
        after_seq: u64,
        mut f: impl FnMut(Record, &str, u64) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.for_each_json(after_seq, |id, json, hash, seq| {
            f(parse_record(id, json)?, hash, seq)
        })
    }

    /// Calls `f` with every current record's id, stored JSON line, hash and sequence, for
    /// records whose sequence is above `after_seq`, in id order (byte order).
    pub fn for_each_json(
        &self,
        after_seq: u64,
        mut f: impl FnMut(&str, &str, &str, u64) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached("SELECT id, json, hash, seq FROM records WHERE seq > ?1 ORDER BY id")
            .context("preparing a scan")?;
        let mut rows = stmt.query([after_seq as i64]).context("scanning records")?;
        while let Some(row) = rows.next().context("scanning records")? {
            let id: String = row.get(0).context("scanning records")?;
            let json: String = row.get(1).context("scanning records")?;
            let hash: String = row.get(2).context("scanning records")?;
            let seq: i64 = row.get(3).context("scanning records")?;
            f(&id, &json, &hash, seq as u64)?;
        }
        Ok(())
    }

    /// `(id, hash)` of every current record, in id order.
    pub fn entries(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached("SELECT id, hash FROM records ORDER BY id")
            .context("preparing a scan")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .context("scanning records")?;
        rows.collect::<Result<_, _>>().context("scanning records")
    }

    /// The store's identity, made when it was created (`None` for a store of schema version 1
    /// opened read-only before a writer migrated it).
    pub fn store_id(&self) -> Result<Option<String>, StoreError> {
        self.reader()?
            .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
                r.get(0)
            })
            .optional()
            .context("reading the store's id")
    }

    /// Copies the WAL into the database and truncates it, so that later processes do not
    /// replay it. Waits up to 2 s for readers of older snapshots; if they stay, the WAL is
    /// checkpointed as far as it can be and left for the next time (nothing is lost either way).
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        let conn = self.writer()?;
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .context("setting a busy timeout")?;
        let result = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .context("checkpointing the WAL");
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .context("setting a busy timeout")?;
        result
    }

    /// The last number of the change sequence (0 for an empty store).
    pub fn seq(&self) -> Result<u64, StoreError> {
        let seq: Option<String> = self
            .reader()?
            .query_row("SELECT value FROM meta WHERE key = 'seq'", [], |r| r.get(0))
            .optional()
            .context("reading the change sequence")?;
        Ok(seq.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// What the store holds.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let conn = self.reader()?;
        let count = |sql: &str| -> Result<u64, StoreError> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .context("counting")
        };
        Ok(StoreStats {
            records: count("SELECT count(*) FROM records")?,
            old_revisions: count("SELECT count(*) FROM revisions")?,
            source_files: count("SELECT count(*) FROM sources")?,
            source_bytes: count("SELECT coalesce(sum(size), 0) FROM sources")?,
            imports: count("SELECT count(*) FROM imports")?,
            seq: count(
                "SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta WHERE key = 'seq'",
            )?,
        })
    }

    /// The kept bytes of a source file, by SHA-256 (chunks put together).
    pub fn source_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut bytes = None;
        self.for_each_source_chunk(sha256, |chunk| {
            bytes.get_or_insert_with(Vec::new).extend_from_slice(chunk);
        })?;
        Ok(bytes)
    }

    /// The size of the kept source file with this SHA-256, if it is kept.
    pub fn source_size(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        self.reader()?
            .query_row(
                "SELECT size FROM sources WHERE sha256 = ?1",
                [sha256],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|s| s.map(|s| s as u64))
            .context(&format!("reading source {sha256}"))
    }

    /// Calls `f` with the kept bytes of a source file in order, a chunk at a time (once with
    /// all of them for a source kept in one row); `Ok(false)` if no source has this SHA-256.
    pub fn for_each_source_chunk(
        &self,
        sha256: &str,
        mut f: impl FnMut(&[u8]),
    ) -> Result<bool, StoreError> {
        let conn = self.reader()?;
        let ctx = format!("reading source {sha256}");
        let chunks: Option<i64> = conn
            .query_row(
                "SELECT chunks FROM sources WHERE sha256 = ?1",
                [sha256],
                |r| r.get(0),
            )
            .optional()
            .context(&ctx)?;
        match chunks {
            None => Ok(false),
            Some(0) => {
                let mut stmt = conn
                    .prepare_cached("SELECT bytes FROM sources WHERE sha256 = ?1")
                    .context(&ctx)?;
                let mut rows = stmt.query([sha256]).context(&ctx)?;
                if let Some(row) = rows.next().context(&ctx)? {
                    f(row
                        .get_ref(0)
                        .and_then(|v| Ok(v.as_blob()?))
                        .context(&ctx)?);
                }
                Ok(true)
            }
            Some(_) => {
                let mut stmt = conn
                    .prepare_cached("SELECT bytes FROM source_chunks WHERE sha256 = ?1 ORDER BY n")
                    .context(&ctx)?;
                let mut rows = stmt.query([sha256]).context(&ctx)?;
                while let Some(row) = rows.next().context(&ctx)? {
                    f(row
                        .get_ref(0)
                        .and_then(|v| Ok(v.as_blob()?))
                        .context(&ctx)?);
                }
                Ok(true)
            }
        }
    }
}

/// Creates a store at `path` whole or not at all: made under another name (WAL mode set, schema
/// migrated, closed), then renamed into place, so that a creation cut off leaves no database
/// half made (a first import killed at once used to leave a rollback journal that read-only
/// commands could not roll back). A leftover of a creation cut off is removed first; the caller
/// holds the data folder's writer lock.
fn create(path: &Path) -> Result<(), StoreError> {
    let shown = path.display().to_string();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = std::path::PathBuf::from(tmp);
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = tmp.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    {
        let mut conn = Connection::open(&tmp).context(&format!("creating {shown}"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .context("enabling WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")
            .context("setting synchronous")?;
        schema::migrate(&mut conn, &shown)?;
        conn.close()
            .map_err(|(_, e)| e)
            .context(&format!("creating {shown}"))?;
    }
    let io = |source: std::io::Error| StoreError::Io {
        path: shown.clone(),
        source,
    };
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
    }
    Ok(())
}

/// A store file of 0 bytes is damaged: Fonds makes a store under another name and renames it
/// into place with its schema, so it never exists empty (SQLite would take it for a new
/// database, and a writer would start a new archive over the lost one).
fn refuse_empty(path: &Path) -> Result<(), StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == 0 => Err(StoreError::Damaged {
            path: path.display().to_string(),
            message: "the file is empty (0 bytes)".into(),
        }),
        _ => Ok(()),
    }
}

/// Whether `json` reads back into the record `id` whose content hash is `hash`.
pub fn json_has_hash(id: &str, json: &str, hash: &str) -> bool {
    parse_record(id, json).is_ok_and(|r| r.id == id && content_hash(&r) == hash)
}

fn parse_record(id: &str, json: &str) -> Result<Record, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, title: &str) -> Record {
        Record {
            id: id.into(),
            title: title.into(),
            ..Record::default()
        }
    }

    fn file<'a>(bytes: &'a [u8], sha: &'a str) -> SourceFile<'a> {
        SourceFile {
            path: "f.jsonl",
            bytes,
            sha256: sha,
            importer: "jsonl",
        }
    }

    #[test]
    fn a_store_of_the_first_development_schema_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fonds.sqlite3");
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE records (id TEXT PRIMARY KEY, rev INTEGER NOT NULL,
                    seq INTEGER NOT NULL UNIQUE, hash TEXT NOT NULL, json TEXT NOT NULL,
                    import_id INTEGER) STRICT;
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        for opened in [Store::open(&path), Store::open_read_only(&path)] {
            match opened {
                Err(e @ StoreError::Outdated { .. }) => {
                    assert!(e.to_string().contains("fonds.sqlite3"), "{e}")
                }
                Err(e) => panic!("expected Outdated, got {e}"),
                Ok(_) => panic!("expected Outdated, got a store"),
            }
        }
        // A current store opens both ways.
        drop(Store::open(&dir.path().join("new.sqlite3")).unwrap());
        Store::open_read_only(&dir.path().join("new.sqlite3")).unwrap();
    }

    #[test]
    fn reimport_changes_nothing_and_a_change_keeps_the_old_revision() {
        let mut store = Store::open_in_memory().unwrap();
        let a = store
            .commit_file(file(b"1", "s1"), &[record("a", "One"), record("b", "Two")])
            .unwrap();
        assert_eq!((a.new, a.changed, a.unchanged), (2, 0, 0));
        let before = store.stats().unwrap();
        let again = store
            .commit_file(file(b"1", "s1"), &[record("a", "One"), record("b", "Two")])
            .unwrap();
        assert_eq!((again.new, again.changed, again.unchanged), (0, 0, 2));
        assert_eq!(store.stats().unwrap(), before);
        let changed = store
            .commit_file(file(b"2", "s2"), &[record("a", "One, revised")])
            .unwrap();
        assert_eq!((changed.new, changed.changed, changed.unchanged), (0, 1, 0));
        assert_eq!(changed.changes[0].seq, 3);
        let revs = store.revisions("a").unwrap();
        assert_eq!(
            revs.iter()
                .map(|r| (r.rev, r.record.title.as_str()))
                .collect::<Vec<_>>(),
            [(1, "One"), (2, "One, revised")]
        );
        assert_eq!(store.get("a").unwrap().unwrap().title, "One, revised");
        assert_eq!(store.stats().unwrap().source_files, 2);
    }
}
