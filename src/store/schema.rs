//! The SQLite schema and its migrations.

use rusqlite::Connection;

use super::error::{Context, StoreError};

/// The newest schema version this build writes.
pub(super) const VERSION: i64 = 3;

/// Migration `n` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; 3] = [
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
-- Every source file ever imported, by content: the bytes are kept losslessly.
CREATE TABLE sources (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
) STRICT;
-- Each import of a file that changed something.
CREATE TABLE imports (
    id                INTEGER PRIMARY KEY,
    path              TEXT NOT NULL,
    sha256            TEXT NOT NULL REFERENCES sources(sha256),
    importer          TEXT NOT NULL,
    imported_at       TEXT NOT NULL,
    records_new       INTEGER NOT NULL,
    records_changed   INTEGER NOT NULL,
    records_unchanged INTEGER NOT NULL
) STRICT;
-- The current revision of every record. `seq` grows with every change, so the index can
-- catch up from the last sequence it saw; `hash` is the SHA-256 of the record's content.
CREATE TABLE records (
    id        TEXT PRIMARY KEY,
    rev       INTEGER NOT NULL,
    seq       INTEGER NOT NULL UNIQUE,
    hash      TEXT NOT NULL,
    json      TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id)
) STRICT;
-- The catalogue entry of every current record, derived from its JSON in the same transaction
-- and kept narrow (renumbering a collection rewrites these rows, never the JSON):
-- its summary (title, date, type); `collection` (`source.collection`, else `source.name`,
-- else NULL); `sort_key`, which orders a collection chronologically (see
-- `catalogue::sort_key`); `pos`, its place in the collection from 1; `year`/`month` of its
-- date (month NULL when only the year is known); `bilingual`, 1 when it holds both an
-- original and a translation; `seq`, as in `records`.
CREATE TABLE catalogue (
    id         TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    title      TEXT NOT NULL,
    date       TEXT,
    doc_type   TEXT,
    collection TEXT,
    sort_key   TEXT NOT NULL,
    pos        INTEGER,
    year       INTEGER,
    month      INTEGER,
    bilingual  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX catalogue_by_collection_order ON catalogue (collection, sort_key) WHERE collection IS NOT NULL;
CREATE INDEX catalogue_by_collection_pos ON catalogue (collection, pos) WHERE collection IS NOT NULL;
CREATE INDEX catalogue_by_seq ON catalogue (seq);
CREATE INDEX catalogue_bilingual ON catalogue (seq) WHERE bilingual = 1;
-- One row per collection: how many records it holds and its first and last dates (of its
-- first and last dated records in chronological order). `dirty_from`, when set, is the first
-- sort key from which positions are out of date: an import changed the collection there, and
-- renumbers it once when it ends (`Store::settle_catalogue`); until then reads count.
CREATE TABLE collections (
    name       TEXT PRIMARY KEY,
    records    INTEGER NOT NULL,
    first_date TEXT,
    last_date  TEXT,
    dirty_from TEXT
) STRICT;
CREATE INDEX collections_dirty ON collections (name) WHERE dirty_from IS NOT NULL;
-- Archival files (archive, fond, opis, delo), keyed as `ArchivalRef::file_key` writes them;
-- `order_key` sorts them by archive, fond, opis and delo, numbers as numbers.
CREATE TABLE files (
    key       TEXT PRIMARY KEY,
    archive   TEXT NOT NULL,
    fond      TEXT,
    opis      TEXT,
    delo      TEXT,
    order_key TEXT NOT NULL,
    records   INTEGER NOT NULL
) STRICT;
CREATE INDEX files_in_order ON files (order_key);
-- Which records each archival file holds, in the records' chronological order.
CREATE TABLE file_records (
    file_key TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    id       TEXT NOT NULL,
    PRIMARY KEY (file_key, sort_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX file_records_by_record ON file_records (id);
-- Dated records by year and month (0: dated to the year only).
CREATE TABLE chronology (
    year    INTEGER NOT NULL,
    month   INTEGER NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (year, month)
) STRICT, WITHOUT ROWID;
-- Superseded revisions, kept.
CREATE TABLE revisions (
    id        TEXT NOT NULL,
    rev       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    json      TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id),
    PRIMARY KEY (id, rev)
) STRICT;
"#,
    // Version 2: the store's identity, which the index records, so that an index built from
    // another store (a data folder put together from two) is known and rebuilt.
    r#"
INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))))
    ON CONFLICT (key) DO NOTHING;
"#,
    // Version 3: sources too large for one row (a JSON Lines file of gigabytes) are kept in
    // chunks; `sources.chunks` counts them (0: the bytes are in `sources.bytes`).
    r#"
ALTER TABLE sources ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
CREATE TABLE source_chunks (
    sha256 TEXT NOT NULL REFERENCES sources(sha256),
    n      INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (sha256, n)
) STRICT;
"#,
];

/// Fails with [`StoreError::Outdated`] for a database of version 1 made before the catalogue
/// columns were part of it.
pub(super) fn check_catalogue(conn: &Connection, path: &str) -> Result<(), StoreError> {
    match conn.prepare("SELECT sort_key, pos, bilingual FROM catalogue LIMIT 0") {
        Ok(_) => Ok(()),
        // The table or its columns are missing: a database of an earlier development build.
        Err(rusqlite::Error::SqliteFailure(_, Some(message)))
            if message.starts_with("no such table") || message.starts_with("no such column") =>
        {
            Err(StoreError::Outdated {
                path: path.to_string(),
            })
        }
        // Anything else is a database SQLite cannot read (a damaged header or schema page).
        Err(e) => Err(StoreError::Damaged {
            path: path.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Brings the database to [`VERSION`], one migration per transaction.
pub(super) fn migrate(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .context("reading the schema version")?;
    if found > VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_string(),
            found,
            supported: VERSION,
        });
    }
    if found >= 1 {
        check_catalogue(conn, path)?;
    }
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction().context("starting a migration")?;
        tx.execute_batch(sql)
            .context(&format!("migrating the schema to version {}", n + 1))?;
        tx.pragma_update(None, "user_version", n as i64 + 1)
            .context("setting the schema version")?;
        tx.commit().context("committing a migration")?;
    }
    check_catalogue(conn, path)
}
