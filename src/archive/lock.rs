//! The data folder's writer lock: one process writes to an archive at a time.
//!
//! `fonds.lock` in the data folder is locked (an advisory `flock`) by every process that writes
//! the store or the index: an import, a reindex, and a reader that catches the index up or
//! rebuilds it. The kernel releases the lock when its holder exits, however it exits, so a
//! killed writer never leaves the archive locked. While it holds the lock, a process writes who
//! it is into the file (process id, what it does, since when) so that the next one can say
//! what it is waiting for.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "fonds.lock";

/// The writer lock of a data folder, held until dropped.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
    path: PathBuf,
    /// Whether this handle holds the lock (a handle that only looked does not).
    held: bool,
}

impl WriterLock {
    /// Takes the lock of the data folder `dir` for `purpose` (e.g. "fonds import"). If another
    /// process holds it: with `wait`, calls `on_wait` with a description of the holder, then
    /// blocks until it is released; without, fails with the description.
    pub fn acquire(
        dir: &Path,
        purpose: &str,
        wait: bool,
        on_wait: impl FnOnce(&str),
    ) -> Result<WriterLock, LockError> {
        let mut lock = WriterLock::open(dir)?;
        match lock.file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = lock.holder();
                if !wait {
                    return Err(LockError::Busy {
                        path: lock.path.clone(),
                        holder,
                    });
                }
                on_wait(&holder);
                lock.file.lock().map_err(|source| LockError::Io {
                    path: lock.path.clone(),
                    source,
                })?;
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(LockError::Io {
                    path: lock.path.clone(),
                    source,
                });
            }
        }
        lock.held = true;
        lock.write_holder(purpose);
        Ok(lock)
    }

    /// Takes the lock if it is free; `Ok(None)` if another process holds it.
    pub fn try_acquire(dir: &Path, purpose: &str) -> Result<Option<WriterLock>, LockError> {
        let mut lock = WriterLock::open(dir)?;
        match lock.file.try_lock() {
            Ok(()) => {
                lock.held = true;
                lock.write_holder(purpose);
                Ok(Some(lock))
            }
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io {
                path: lock.path.clone(),
                source,
            }),
        }
    }

    /// Who holds the lock of `dir`, as its holder wrote it ("pid 4242, fonds import, for 12 s"),
    /// or `None` when it is free (or cannot be read).
    pub fn holder_of(dir: &Path) -> Option<String> {
        let path = dir.join(LOCK_FILE);
        let lock = WriterLock {
            file: File::open(&path).ok()?,
            path,
            held: false,
        };
        match lock.file.try_lock() {
            Err(std::fs::TryLockError::WouldBlock) => Some(lock.holder()),
            _ => None,
        }
    }

    fn open(dir: &Path) -> Result<WriterLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    LockError::ReadOnly { path: path.clone() }
                }
                _ => LockError::Io {
                    path: path.clone(),
                    source,
                },
            })?;
        Ok(WriterLock {
            file,
            path,
            held: false,
        })
    }

    /// What the holder wrote into the file, for a message.
    fn holder(&self) -> String {
        let mut text = String::new();
        let _ = (&self.file).take(4096).read_to_string(&mut text);
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let mut described = match (field("pid"), field("purpose")) {
            (Some(pid), Some(purpose)) => format!("{purpose} (pid {pid})"),
            (Some(pid), None) => format!("pid {pid}"),
            _ => "another process".to_string(),
        };
        if let Some(since) = field("since").and_then(|s| s.parse::<u64>().ok()) {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                .as_secs();
            described.push_str(&format!(", running for {} s", now.saturating_sub(since)));
        }
        described
    }

    /// Writes who holds the lock into the file (best effort: it only serves messages).
    fn write_holder(&self, purpose: &str) {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let text = format!(
            "pid={}\npurpose={}\nsince={since}\n",
            std::process::id(),
            purpose.replace('\n', " ")
        );
        let mut file = &self.file;
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(text.as_bytes()));
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // The description would be stale; the lock itself goes with the file handle.
        if self.held {
            let _ = self.file.set_len(0);
        }
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it, and waiting was not asked for.
    #[error(
        "{holder} is writing to this archive (it holds {}); try again when it is done, or leave out --no-wait to wait for it",
        path.display()
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: String,
    },
    /// This process cannot write to the data folder (a read-only copy or file system, another
    /// user's archive), so it cannot take the lock, nor write what the lock guards.
    #[error(
        "{}: cannot be opened for writing: this process cannot write to the data folder (read-only, or another user's)",
        path.display()
    )]
    ReadOnly {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be opened or locked.
    #[error("{}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_next_is_told_who() {
        let dir = tempfile::tempdir().unwrap();
        let first = WriterLock::acquire(dir.path(), "fonds import", true, |_| {}).unwrap();
        assert!(
            WriterLock::try_acquire(dir.path(), "fonds reindex")
                .unwrap()
                .is_none()
        );
        let busy = WriterLock::acquire(dir.path(), "fonds reindex", false, |_| {}).unwrap_err();
        let message = busy.to_string();
        assert!(
            message.starts_with(&format!("fonds import (pid {})", std::process::id())),
            "{message}"
        );
        assert!(message.contains("fonds.lock"), "{message}");
        assert!(WriterLock::holder_of(dir.path()).is_some());
        // A waiter gets it when the holder lets go.
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                let mut told = String::new();
                let lock =
                    WriterLock::acquire(dir.path(), "fonds reindex", true, |h| told = h.into());
                (lock.is_ok(), told)
            });
            std::thread::sleep(Duration::from_millis(100));
            assert!(!waiter.is_finished());
            drop(first);
            let (got, told) = waiter.join().unwrap();
            assert!(got);
            assert!(told.contains("fonds import"), "{told}");
        });
        assert!(WriterLock::holder_of(dir.path()).is_none());
    }
}
