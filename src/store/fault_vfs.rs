//! Power loss, simulated (feature `fault-injection`, for tests): a SQLite VFS that journals
//! what every write overwrote, and the step that takes back every write not synced.
//!
//! The shim wraps SQLite's `unix` VFS. While `FONDS_FAULT_JOURNAL` names a file, a process
//! that opens a store registers it as the default VFS, and for every database and WAL file it
//! appends to that journal (see `journal.rs`): before each write, the bytes the region held and
//! the file's size; before each truncation, the bytes cut off; after each sync, that the file's
//! earlier writes are durable. Everything else (reads, locks, the shared memory of the WAL
//! index, memory maps) goes to `unix` unchanged. After the process is killed with SIGKILL,
//! [`apply_power_loss`] turns the files into what a power loss at that moment could leave.
//!
//! `FONDS_FAULT_SYNCHRONOUS` (`OFF`, `NORMAL`, `FULL` or `EXTRA`) overrides the store's
//! `synchronous` setting, so that a test can show what `FULL` prevents.

mod journal;
mod power_loss;

pub use power_loss::{Loss, LossReport, SECTOR, apply_power_loss};

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::path::Path;
use std::ptr;
use std::sync::OnceLock;

use rusqlite::ffi;

use super::StoreError;
use journal::{Journal, Kind};

/// The variable naming the journal; unset, the shim is not installed.
pub const JOURNAL_ENV: &str = "FONDS_FAULT_JOURNAL";
/// The variable overriding `synchronous`.
pub const SYNCHRONOUS_ENV: &str = "FONDS_FAULT_SYNCHRONOUS";
/// The name the shim is registered under when installed from the environment.
pub const VFS_NAME: &str = "fonds-fault";

/// The `synchronous` setting `FONDS_FAULT_SYNCHRONOUS` asks for, if it is set.
pub fn synchronous_override() -> Result<Option<String>, StoreError> {
    match std::env::var(SYNCHRONOUS_ENV) {
        Err(_) => Ok(None),
        Ok(mode) => {
            let upper = mode.to_ascii_uppercase();
            if ["OFF", "NORMAL", "FULL", "EXTRA"].contains(&upper.as_str()) {
                Ok(Some(upper))
            } else {
                Err(misuse(format!(
                    "{SYNCHRONOUS_ENV}={mode}: expected OFF, NORMAL, FULL or EXTRA"
                )))
            }
        }
    }
}

/// Installs the shim as the default VFS if `FONDS_FAULT_JOURNAL` names a journal; once per
/// process (later calls return the first one's outcome).
pub fn install_from_env() -> Result<(), StoreError> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| match std::env::var_os(JOURNAL_ENV) {
            None => Ok(()),
            Some(path) => register(VFS_NAME, Path::new(&path), true),
        })
        .clone()
        .map_err(misuse)
}

/// A store error for a simulation set up wrong.
fn misuse(message: String) -> StoreError {
    StoreError::Sqlite {
        context: "simulating power loss".into(),
        source: rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_MISUSE), Some(message)),
    }
}

/// Registers a shim named `name` that journals to `journal`, as the default VFS or not. A
/// connection uses it when opened with its name (or, when it is the default, always).
pub fn register(name: &str, journal: &Path, make_default: bool) -> Result<(), String> {
    let shown = || {
        format!(
            "the fault-injecting VFS `{name}` (journal {})",
            journal.display()
        )
    };
    let journal = Journal::open(journal).map_err(|e| format!("{}: {e}", shown()))?;
    let c_name = CString::new(name).map_err(|_| format!("{}: a NUL in the name", shown()))?;
    let unix = c"unix";
    // SAFETY: `sqlite3_vfs_find` takes a NUL-terminated name and returns a pointer to a
    // registered VFS, which SQLite never frees, or null.
    let real = unsafe { ffi::sqlite3_vfs_find(unix.as_ptr()) };
    if real.is_null() {
        return Err(format!("{}: SQLite has no `unix` VFS", shown()));
    }
    // SAFETY: `real` is a valid, never-freed VFS (above); its fields are read, not changed.
    let vfs = unsafe {
        let r = &*real;
        ffi::sqlite3_vfs {
            iVersion: r.iVersion,
            szOsFile: (std::mem::size_of::<FaultFile>() as c_int) + r.szOsFile,
            mxPathname: r.mxPathname,
            pNext: ptr::null_mut(),
            zName: c_name.into_raw(),
            pAppData: Box::into_raw(Box::new(Shim { real, journal })).cast(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            // The `unix` VFS ignores its VFS argument in all of these (SQLite 3.50, os_unix.c:
            // `UNUSED_PARAMETER(NotUsed)`), so they are shared as they are.
            xAccess: r.xAccess,
            xFullPathname: r.xFullPathname,
            xDlOpen: r.xDlOpen,
            xDlError: r.xDlError,
            xDlSym: r.xDlSym,
            xDlClose: r.xDlClose,
            xRandomness: r.xRandomness,
            xSleep: r.xSleep,
            xCurrentTime: r.xCurrentTime,
            xGetLastError: r.xGetLastError,
            xCurrentTimeInt64: r.xCurrentTimeInt64,
            xSetSystemCall: r.xSetSystemCall,
            xGetSystemCall: r.xGetSystemCall,
            xNextSystemCall: r.xNextSystemCall,
        }
    };
    // Registered VFSes live as long as the process: the box is leaked on purpose.
    let vfs = Box::into_raw(Box::new(vfs));
    // SAFETY: `vfs` points to a fully initialised VFS that is never freed or moved, and whose
    // methods follow SQLite's VFS contract (below).
    let rc = unsafe { ffi::sqlite3_vfs_register(vfs, c_int::from(make_default)) };
    if rc != ffi::SQLITE_OK {
        return Err(format!("{}: sqlite3_vfs_register failed ({rc})", shown()));
    }
    Ok(())
}

/// The shim's state, behind its VFS's `pAppData`.
struct Shim {
    /// The `unix` VFS.
    real: *mut ffi::sqlite3_vfs,
    journal: Journal,
}

/// An open file of the shim. SQLite allocates `szOsFile` bytes for it: this struct, then the
/// `unix` VFS's own file structure, which `real` points to.
#[repr(C)]
struct FaultFile {
    /// What SQLite sees: the shim's methods.
    base: ffi::sqlite3_file,
    /// The `unix` file, right after this struct.
    real: *mut ffi::sqlite3_file,
    /// The journal, for a database or WAL file; null for the files not journaled.
    journal: *const Journal,
    kind: Kind,
    /// The path SQLite opened it by (empty when not journaled).
    path: Vec<u8>,
}

/// The shim's I/O methods: each forwards to the `unix` file's, journaling writes,
/// truncations and syncs first (a sync: after).
static IO_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: Some(x_fetch),
    xUnfetch: Some(x_unfetch),
};

/// The `unix` VFS's methods for an open file, and the file. SQLite calls a file's methods
/// only between a successful `xOpen` and `xClose`, which is when they are valid.
///
/// # Safety
/// `file` must be a `FaultFile` opened by [`x_open`] and not yet closed.
unsafe fn real(
    file: *mut ffi::sqlite3_file,
) -> (&'static ffi::sqlite3_io_methods, *mut ffi::sqlite3_file) {
    // SAFETY: per the contract, `file` is an open `FaultFile` whose `real` file was opened by
    // the `unix` VFS, so its `pMethods` points to `unix`'s static methods.
    unsafe {
        let real = (*file.cast::<FaultFile>()).real;
        (&*(*real).pMethods, real)
    }
}

/// The journal and what to call the file in it, if the file is journaled.
///
/// # Safety
/// As for [`real`].
unsafe fn journaled<'a>(file: *mut ffi::sqlite3_file) -> Option<(&'a Journal, Kind, &'a [u8])> {
    // SAFETY: per the contract, `file` is an open `FaultFile`; its journal, when set, belongs
    // to a registered (never freed) shim.
    unsafe {
        let f = &*file.cast::<FaultFile>();
        f.journal.as_ref().map(|j| (j, f.kind, f.path.as_slice()))
    }
}

/// The size of the `unix` file, or SQLite's error code.
///
/// # Safety
/// As for [`real`].
unsafe fn size_of_real(file: *mut ffi::sqlite3_file) -> Result<u64, c_int> {
    let mut size: ffi::sqlite3_int64 = 0;
    // SAFETY: per the contract; `size` outlives the call.
    let rc = unsafe {
        let (m, r) = real(file);
        m.xFileSize.expect("unix has xFileSize")(r, &mut size)
    };
    if rc == ffi::SQLITE_OK {
        Ok(size.max(0) as u64)
    } else {
        Err(rc)
    }
}

/// Reads `len` bytes at `offset` of the `unix` file (which holds them all).
///
/// # Safety
/// As for [`real`].
unsafe fn read_real(file: *mut ffi::sqlite3_file, offset: u64, len: u64) -> Result<Vec<u8>, c_int> {
    let mut buf = vec![0u8; len as usize];
    if len == 0 {
        return Ok(buf);
    }
    let amt = c_int::try_from(len).map_err(|_| ffi::SQLITE_IOERR_READ)?;
    // SAFETY: per the contract; `buf` holds `amt` bytes.
    let rc = unsafe {
        let (m, r) = real(file);
        m.xRead.expect("unix has xRead")(r, buf.as_mut_ptr().cast(), amt, offset as i64)
    };
    if rc == ffi::SQLITE_OK {
        Ok(buf)
    } else {
        Err(ffi::SQLITE_IOERR_READ)
    }
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite passes our registered VFS (whose `pAppData` is a leaked `Shim`) and
    // `szOsFile` bytes at `file`, 8-byte aligned, for us to fill: a `FaultFile` followed by
    // room for the `unix` file.
    unsafe {
        let shim = &*(*vfs).pAppData.cast::<Shim>();
        let this = file.cast::<FaultFile>();
        let real = file
            .cast::<u8>()
            .add(std::mem::size_of::<FaultFile>())
            .cast();
        let kind = if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 {
            Kind::Database
        } else if flags & ffi::SQLITE_OPEN_WAL != 0 {
            Kind::Wal
        } else {
            Kind::Other
        };
        let journal = kind != Kind::Other && !name.is_null();
        ptr::write(
            this,
            FaultFile {
                base: ffi::sqlite3_file {
                    pMethods: ptr::null(),
                },
                real,
                journal: if journal { &shim.journal } else { ptr::null() },
                kind,
                path: if journal {
                    CStr::from_ptr(name).to_bytes().to_vec()
                } else {
                    Vec::new()
                },
            },
        );
        let rc =
            (*shim.real).xOpen.expect("unix has xOpen")(shim.real, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK || (*real).pMethods.is_null() {
            // SQLite does not close a file whose open failed (its `pMethods` is null): drop
            // ours here.
            ptr::drop_in_place(this);
            return rc;
        }
        if journal && kind == Kind::Database && shim.journal.opened(kind, &(*this).path).is_err() {
            let m = &*(*real).pMethods;
            m.xClose.expect("unix has xClose")(real);
            ptr::drop_in_place(this);
            return ffi::SQLITE_CANTOPEN;
        }
        (*this).base.pMethods = &IO_METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_delete(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    // SAFETY: SQLite passes our registered VFS and a NUL-terminated path.
    unsafe {
        let shim = &*(*vfs).pAppData.cast::<Shim>();
        if !name.is_null()
            && shim
                .journal
                .delete(CStr::from_ptr(name).to_bytes())
                .is_err()
        {
            return ffi::SQLITE_IOERR_DELETE;
        }
        (*shim.real).xDelete.expect("unix has xDelete")(shim.real, name, sync_dir)
    }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes an open file once; after this it never uses it again, so ours is
    // dropped in place.
    unsafe {
        let (m, r) = real(file);
        let rc = m.xClose.expect("unix has xClose")(r);
        ptr::drop_in_place(file.cast::<FaultFile>());
        (*file).pMethods = ptr::null();
        rc
    }
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amt: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xRead.expect("unix has xRead")(r, buf, amt, offset)
    }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amt: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: `file` is open (SQLite's contract); the undo image is read from the `unix` file
    // before the write is forwarded with SQLite's own arguments.
    unsafe {
        if let Some((journal, kind, path)) = journaled(file) {
            let (offset, len) = (offset.max(0) as u64, amt.max(0) as u64);
            let size = match size_of_real(file) {
                Ok(s) => s,
                Err(_) => return ffi::SQLITE_IOERR_WRITE,
            };
            let old_len = size.saturating_sub(offset).min(len);
            let old = match read_real(file, offset, old_len) {
                Ok(b) => b,
                Err(_) => return ffi::SQLITE_IOERR_WRITE,
            };
            if journal.write(kind, path, offset, len, size, &old).is_err() {
                return ffi::SQLITE_IOERR_WRITE;
            }
        }
        let (m, r) = real(file);
        m.xWrite.expect("unix has xWrite")(r, buf, amt, offset)
    }
}

/// Journals a change of size to `new_size` before it is made.
///
/// # Safety
/// As for [`real`].
unsafe fn journal_resize(file: *mut ffi::sqlite3_file, new_size: u64) -> Result<(), c_int> {
    // SAFETY: per the contract.
    unsafe {
        let Some((journal, kind, path)) = journaled(file) else {
            return Ok(());
        };
        let size = size_of_real(file)?;
        if size == new_size {
            return Ok(());
        }
        let removed = read_real(file, new_size.min(size), size.saturating_sub(new_size))?;
        journal
            .truncate(kind, path, size, new_size, &removed)
            .map_err(|_| ffi::SQLITE_IOERR_TRUNCATE)
    }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: `file` is open (SQLite's contract); the cut-off bytes are journaled first.
    unsafe {
        if let Err(rc) = journal_resize(file, size.max(0) as u64) {
            return rc;
        }
        let (m, r) = real(file);
        m.xTruncate.expect("unix has xTruncate")(r, size)
    }
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: `file` is open (SQLite's contract); the sync is journaled once it returned.
    unsafe {
        let (m, r) = real(file);
        let rc = m.xSync.expect("unix has xSync")(r, flags);
        if rc == ffi::SQLITE_OK
            && let Some((journal, kind, path)) = journaled(file)
            && journal.sync(kind, path).is_err()
        {
            return ffi::SQLITE_IOERR_FSYNC;
        }
        rc
    }
}

unsafe extern "C" fn x_file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xFileSize.expect("unix has xFileSize")(r, size)
    }
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xLock.expect("unix has xLock")(r, level)
    }
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xUnlock.expect("unix has xUnlock")(r, level)
    }
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xCheckReservedLock.expect("unix has xCheckReservedLock")(r, out)
    }
}

unsafe extern "C" fn x_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: `file` is open (SQLite's contract); for a size hint, `arg` points to the size
    // SQLite wants (an `i64`). A growth it may cause is journaled first.
    unsafe {
        if op == ffi::SQLITE_FCNTL_SIZE_HINT && !arg.is_null() {
            let hint = (*arg.cast::<i64>()).max(0) as u64;
            match size_of_real(file) {
                Ok(size) if hint > size => {
                    if let Err(rc) = journal_resize(file, hint) {
                        return rc;
                    }
                }
                Ok(_) => {}
                Err(rc) => return rc,
            }
        }
        let (m, r) = real(file);
        m.xFileControl.expect("unix has xFileControl")(r, op, arg)
    }
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: forwarded to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xSectorSize.expect("unix has xSectorSize")(r)
    }
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: forwarded to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        m.xDeviceCharacteristics
            .expect("unix has xDeviceCharacteristics")(r)
    }
}

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        match m.xShmMap {
            Some(f) => f(r, page, page_size, extend, out),
            None => ffi::SQLITE_IOERR_SHMMAP,
        }
    }
}

unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        match m.xShmLock {
            Some(f) => f(r, offset, n, flags),
            None => ffi::SQLITE_IOERR_SHMLOCK,
        }
    }
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: forwarded to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        if let Some(f) = m.xShmBarrier {
            f(r)
        }
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        match m.xShmUnmap {
            Some(f) => f(r, delete),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn x_fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amt: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file. (SQLite only
    // reads through the maps it fetches; writes go through `xWrite`.)
    unsafe {
        let (m, r) = real(file);
        match m.xFetch {
            Some(f) => f(r, offset, amt, out),
            None => {
                *out = ptr::null_mut();
                ffi::SQLITE_OK
            }
        }
    }
}

unsafe extern "C" fn x_unfetch(file: *mut ffi::sqlite3_file, offset: i64, p: *mut c_void) -> c_int {
    // SAFETY: forwarded with SQLite's own arguments to the open `unix` file.
    unsafe {
        let (m, r) = real(file);
        match m.xUnfetch {
            Some(f) => f(r, offset, p),
            None => ffi::SQLITE_OK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};

    /// Writes one row synced (FULL) and one not (OFF) through a shim named `vfs`, leaves the
    /// connection open as a killed process would, applies `loss`, and returns the rows a fresh
    /// connection finds in a copy of the files (the copy: this process still holds the
    /// originals' locks and shared memory).
    fn rows_after_power_loss(vfs: &str, second: &str, loss: Loss) -> Vec<i64> {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal");
        register(vfs, &journal, false).unwrap();
        let db = dir.path().join("db.sqlite3");
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        let conn = Connection::open_with_flags_and_vfs(&db, flags, vfs).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
        )
        .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA synchronous = {second}; INSERT INTO t VALUES (2);"
        ))
        .unwrap();
        // Killed: nothing is closed or checkpointed.
        std::mem::forget(conn);
        let report = apply_power_loss(&journal, loss).unwrap();
        assert_eq!(report.shm_deleted, 1, "{report:?}");
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        for name in ["db.sqlite3", "db.sqlite3-wal"] {
            std::fs::copy(dir.path().join(name), copy.join(name)).unwrap();
        }
        let conn = Connection::open(copy.join("db.sqlite3")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let mut stmt = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_commit_not_synced_is_lost_and_a_synced_one_kept() {
        assert_eq!(
            rows_after_power_loss("fault-test-off", "OFF", Loss::Unsynced),
            [1]
        );
        assert_eq!(
            rows_after_power_loss("fault-test-full", "FULL", Loss::Unsynced),
            [1, 2]
        );
    }

    #[test]
    fn a_reordered_loss_leaves_whole_commits() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..12 {
            let rows =
                rows_after_power_loss(&format!("fault-test-{seed}"), "OFF", Loss::Reordered(seed));
            assert!(rows == [1] || rows == [1, 2], "seed {seed}: {rows:?}");
            seen.insert(rows);
        }
        assert_eq!(
            seen.len(),
            2,
            "12 reordered losses all ended the same: {seen:?}"
        );
    }
}
