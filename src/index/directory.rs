//! The index's tantivy `Directory`: an `MmapDirectory` that can also be read where this process
//! cannot write, and by other users.
//!
//! tantivy writes its metadata (`meta.json`, `.managed.json`) through a temporary file, created
//! `0600`, so an index built by one user was unreadable to every other (a server running as
//! another account, a copy for readers): this directory gives those files the read permissions
//! of their folder, as every other file of the index has (the umask's).
//!
//! tantivy takes its meta lock (`.tantivy-meta.lock`, a file it opens for writing) even to load
//! a searcher, so an index in a read-only data folder (a read-only copy, a backup mounted
//! read-only, another user's archive) could not be searched at all. Where the lock file cannot be
//! opened for writing, this directory takes the lock on a read-only handle instead (`flock`
//! needs no write access), or, when the file does not exist, goes on without it: nobody else
//! can write to the folder either.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// An `MmapDirectory` whose locks fall back to read-only handles (see the module doc).
#[derive(Clone, Debug)]
pub(crate) struct IndexDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

impl IndexDirectory {
    /// Opens the directory at `root`.
    pub(crate) fn open(
        root: &Path,
    ) -> Result<IndexDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(IndexDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.root)?.permissions().mode() & 0o666;
            std::fs::set_permissions(self.root.join(path), std::fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            Err(LockError::IoError(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                let path = self.root.join(&lock.filepath);
                let file = match File::open(&path) {
                    Ok(file) => file,
                    // No lock file, and none can be made: no process can write here.
                    Err(missing) if missing.kind() == io::ErrorKind::NotFound => {
                        return Ok(DirectoryLock::from(Box::new(())));
                    }
                    Err(other) => return Err(LockError::wrap_io_error(other)),
                };
                if lock.is_blocking {
                    file.lock().map_err(LockError::wrap_io_error)?;
                } else if file.try_lock().is_err() {
                    return Err(LockError::LockBusy);
                }
                // Closing the handle releases the lock.
                Ok(DirectoryLock::from(Box::new(file)))
            }
            other => other,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
