//! The SQLite schema and its migrations.

use rusqlite::Connection;

use super::error::{Context, StoreError};

/// The newest schema version this build writes.
pub(super) const VERSION: i64 = 1;

/// Migration `n` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: [&str; 1] = [r#"
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
-- Superseded revisions, kept.
CREATE TABLE revisions (
    id        TEXT NOT NULL,
    rev       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    json      TEXT NOT NULL,
    import_id INTEGER REFERENCES imports(id),
    PRIMARY KEY (id, rev)
) STRICT;
"#];

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
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction().context("starting a migration")?;
        tx.execute_batch(sql)
            .context(&format!("migrating the schema to version {}", n + 1))?;
        tx.pragma_update(None, "user_version", n as i64 + 1)
            .context("setting the schema version")?;
        tx.commit().context("committing a migration")?;
    }
    Ok(())
}
