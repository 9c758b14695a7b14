//! The read pool: read-only SQLite connections shared by the threads that read the store.
//!
//! A `rusqlite::Connection` may move between threads but not be used by two at once, so each
//! read checks a connection out of the pool and gives it back when done. Connections are
//! opened on demand, up to [`MAX_READERS`]; a reader that finds them all in use waits for one.
//! Each keeps its own cache of prepared statements, so a warm pool prepares nothing.
//! WAL mode lets these readers run beside the writer (of this or another process): each read
//! sees the last committed state.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use super::error::{Context, StoreError};

/// The most read connections one store opens.
pub const MAX_READERS: usize = 8;
/// How much of the database file readers map into memory (SQLite's own upper bound is 2 GB).
const MMAP_BYTES: i64 = 1 << 31;
/// Prepared statements cached per connection (the store uses fewer distinct ones).
pub(super) const STATEMENT_CACHE: usize = 64;

/// Read-only connections to one database file.
pub(super) struct ReadPool {
    path: PathBuf,
    state: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Connection>,
    /// Connections open, idle or checked out.
    open: usize,
}

impl ReadPool {
    /// A pool for the database at `path`; nothing is opened yet.
    pub(super) fn new(path: PathBuf) -> ReadPool {
        ReadPool {
            path,
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// A connection of the pool: an idle one, a new one if fewer than [`MAX_READERS`] are open,
    /// or the first one given back.
    pub(super) fn get(&self) -> Result<PooledConnection<'_>, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(PooledConnection {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < MAX_READERS {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(PooledConnection {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic while holding the lock leaves the list of connections intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let shown = self.path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&self.path, flags)
            .context(&format!("opening {shown} for reading"))?;
        if self.needs_immutable(&conn)? {
            conn = Connection::open_with_flags(
                immutable_uri(&self.path),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )
            .context(&format!("opening {shown} for reading"))?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .context("setting a busy timeout")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Pages read through the memory map skip SQLite's page cache, whose mutex (one for all
        // connections in this build of SQLite) is what readers on several threads wait for.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)
            .context("mapping the database")?;
        Ok(conn)
    }
}

impl ReadPool {
    /// Whether `conn` cannot read because the database is in WAL mode, has no `-shm` file, and
    /// its folder is read-only to this process (a read-only copy or mount, another user's
    /// archive), so SQLite cannot make one. With no `-wal` either (or an empty one), the
    /// database file holds every commit: it is read as immutable. A WAL with commits in it
    /// cannot be read without its `-shm`: an error says what to do.
    fn needs_immutable(&self, conn: &Connection) -> Result<bool, StoreError> {
        let failed = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
        let read_only_folder = matches!(
            &failed,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY
                    || e.code == rusqlite::ErrorCode::CannotOpen
        );
        if !read_only_folder {
            return Ok(false);
        }
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        match std::fs::metadata(&wal) {
            // No WAL, or an empty one: the database file holds every commit.
            Err(_) => Ok(true),
            Ok(meta) if meta.len() == 0 => Ok(true),
            Ok(_) => Err(StoreError::Io {
                path: self.path.display().to_string(),
                source: std::io::Error::other(
                    "its folder is read-only to this process, and it has a WAL (fonds.sqlite3-wal) \
                     but no fonds.sqlite3-shm, which SQLite needs to read the WAL and cannot make \
                     here: copy the whole data folder somewhere writable, or run any `fonds` \
                     write command on the original first (it folds the WAL into fonds.sqlite3)",
                ),
            }),
        }
    }
}

/// What a `file:` URI's path must escape: `%`, and `?` and `#`, which would start its query
/// or fragment (SQLite's URI rules; the path's other characters, `/` included, stay).
const URI_PATH: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b'%').add(b'?').add(b'#');

/// The `file:` URI of `path` with `immutable=1`.
fn immutable_uri(path: &std::path::Path) -> String {
    format!(
        "file:{}?immutable=1",
        percent_encoding::utf8_percent_encode(&path.to_string_lossy(), URI_PATH)
    )
}

/// A connection checked out of the pool; given back when dropped.
pub(super) struct PooledConnection<'a> {
    pool: &'a ReadPool,
    conn: Option<Connection>,
}

impl Deref for PooledConnection<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a checked-out connection")
    }
}

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}

/// A connection to read with: one of the pool's, or the write connection of an in-memory store
/// (which no other connection can open).
pub(super) enum ReadConnection<'a> {
    /// Checked out of the pool.
    Pooled(PooledConnection<'a>),
    /// The in-memory store's only connection, locked.
    Writer(MutexGuard<'a, Connection>),
}

impl Deref for ReadConnection<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            ReadConnection::Pooled(c) => c,
            ReadConnection::Writer(c) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_immutable_uri_escapes_what_would_end_its_path() {
        assert_eq!(
            immutable_uri(std::path::Path::new("/data/50% off?#1/Архив/fonds.sqlite3")),
            "file:/data/50%25 off%3F%231/%D0%90%D1%80%D1%85%D0%B8%D0%B2/fonds.sqlite3?immutable=1"
        );
    }

    #[test]
    fn connections_are_reused_and_bounded_and_a_waiting_reader_gets_one_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);")
            .unwrap();
        let pool = ReadPool::new(path);
        {
            let a = pool.get().unwrap();
            let b = pool.get().unwrap();
            assert_eq!(pool.lock().open, 2);
            drop((a, b));
        }
        // Both are back and reused.
        let held: Vec<_> = (0..MAX_READERS).map(|_| pool.get().unwrap()).collect();
        assert_eq!(pool.lock().open, MAX_READERS);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let c = pool.get().unwrap();
                c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0))
                    .unwrap()
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!waiter.is_finished(), "a ninth reader must wait");
            drop(held);
            assert_eq!(waiter.join().unwrap(), 0);
        });
        assert_eq!(pool.lock().open, MAX_READERS);
        // Read-only: writing through a pooled connection fails.
        assert!(pool.get().unwrap().execute("DELETE FROM t", []).is_err());
    }
}
