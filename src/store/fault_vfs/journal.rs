//! The undo journal: what every write of a database or WAL file overwrote, and every sync.
//!
//! An append-only file of entries, each `u32` length (little-endian) then the entry:
//!
//! | tag | then | recorded |
//! |---|---|---|
//! | `O` | kind, path | a database file was opened (its `-shm` is lost with the power) |
//! | `W` | kind, path, offset `u64`, length `u64`, size before `u64`, the bytes overwritten | before a write |
//! | `T` | kind, path, size before `u64`, new size `u64`, the bytes cut off | before a truncation |
//! | `S` | kind, path | after a sync returned: every earlier entry of the file is on disk |
//! | `D` | kind, path | before a file was deleted (taken as durable) |
//!
//! A kind is one byte (0 database, 1 WAL, 2 other); a path is a `u16` length and its bytes. The
//! bytes overwritten are those the region held that existed (a write past the end of the file
//! overwrote nothing there). Each entry goes to the file in one `write`, before the operation it
//! describes (a sync: after), so that a process killed at any point leaves a journal that undoes
//! at least what reached the file; an entry cut off at the end (killed while appending it) is
//! ignored, and so is the operation it was about, which never started. The journal is not
//! synced: a SIGKILL keeps the page cache, and the power loss is simulated on top of it.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

/// What a journaled file is to SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A main database file.
    Database = 0,
    /// A write-ahead log.
    Wal = 1,
    /// Anything else SQLite writes (journaled only if it asks).
    Other = 2,
}

impl Kind {
    fn from_byte(b: u8) -> Option<Kind> {
        match b {
            0 => Some(Kind::Database),
            1 => Some(Kind::Wal),
            2 => Some(Kind::Other),
            _ => None,
        }
    }
}

/// One journal entry, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Entry<'a> {
    /// A database file was opened.
    Opened {
        /// Its kind.
        kind: Kind,
        /// Its path, as SQLite named it.
        path: &'a [u8],
    },
    /// A write is about to be made.
    Write {
        /// The file.
        path: &'a [u8],
        /// Where.
        offset: u64,
        /// How many bytes.
        len: u64,
        /// The file's size before it.
        size_before: u64,
        /// What the region held before, as far as it existed (`size_before - offset` bytes at
        /// most).
        old: &'a [u8],
    },
    /// The file's size is about to change (a truncation, or a growth on a size hint).
    Truncate {
        /// The file.
        path: &'a [u8],
        /// The size before.
        size_before: u64,
        /// The size after.
        new_size: u64,
        /// The bytes cut off (`size_before - new_size` of them when it shrinks).
        removed: &'a [u8],
    },
    /// The file was synced: every earlier entry of it is durable.
    Sync {
        /// The file.
        path: &'a [u8],
    },
    /// The file is about to be deleted.
    Delete {
        /// The file.
        path: &'a [u8],
    },
}

impl Entry<'_> {
    /// The file the entry is about.
    pub(super) fn path(&self) -> &[u8] {
        match self {
            Entry::Opened { path, .. }
            | Entry::Write { path, .. }
            | Entry::Truncate { path, .. }
            | Entry::Sync { path }
            | Entry::Delete { path } => path,
        }
    }
}

/// The journal a process appends to, shared by all its connections.
pub(super) struct Journal {
    file: Mutex<File>,
}

impl Journal {
    /// Opens (creating if needed) the journal at `path` for appending.
    pub(super) fn open(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal {
            file: Mutex::new(file),
        })
    }

    /// Records that a database file was opened.
    pub(super) fn opened(&self, kind: Kind, path: &[u8]) -> io::Result<()> {
        self.append(b'O', kind, path, &[], &[])
    }

    /// Records a write of `len` bytes at `offset`, about to be made to a file of `size_before`
    /// bytes whose region held `old`.
    pub(super) fn write(
        &self,
        kind: Kind,
        path: &[u8],
        offset: u64,
        len: u64,
        size_before: u64,
        old: &[u8],
    ) -> io::Result<()> {
        let mut fields = [0u8; 24];
        fields[..8].copy_from_slice(&offset.to_le_bytes());
        fields[8..16].copy_from_slice(&len.to_le_bytes());
        fields[16..].copy_from_slice(&size_before.to_le_bytes());
        self.append(b'W', kind, path, &fields, old)
    }

    /// Records a change of size from `size_before` to `new_size`, cutting off `removed`.
    pub(super) fn truncate(
        &self,
        kind: Kind,
        path: &[u8],
        size_before: u64,
        new_size: u64,
        removed: &[u8],
    ) -> io::Result<()> {
        let mut fields = [0u8; 16];
        fields[..8].copy_from_slice(&size_before.to_le_bytes());
        fields[8..].copy_from_slice(&new_size.to_le_bytes());
        self.append(b'T', kind, path, &fields, removed)
    }

    /// Records that a sync of the file returned.
    pub(super) fn sync(&self, kind: Kind, path: &[u8]) -> io::Result<()> {
        self.append(b'S', kind, path, &[], &[])
    }

    /// Records that a file is about to be deleted.
    pub(super) fn delete(&self, path: &[u8]) -> io::Result<()> {
        self.append(b'D', Kind::Other, path, &[], &[])
    }

    /// Appends one entry in one write.
    fn append(
        &self,
        tag: u8,
        kind: Kind,
        path: &[u8],
        fields: &[u8],
        bytes: &[u8],
    ) -> io::Result<()> {
        let path_len = u16::try_from(path.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path too long"))?;
        let len = 2 + 2 + path.len() + fields.len() + bytes.len();
        let len32 = u32::try_from(len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "entry too large"))?;
        let mut entry = Vec::with_capacity(4 + len);
        entry.extend_from_slice(&len32.to_le_bytes());
        entry.push(tag);
        entry.push(kind as u8);
        entry.extend_from_slice(&path_len.to_le_bytes());
        entry.extend_from_slice(path);
        entry.extend_from_slice(fields);
        entry.extend_from_slice(bytes);
        // A poisoned lock only means another thread panicked between two whole entries.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&entry)
    }
}

/// Reads a journal back: its entries in order, then whether its last entry was cut off.
pub(super) fn parse(bytes: &[u8]) -> io::Result<(Vec<Entry<'_>>, bool)> {
    let invalid = |at: usize, what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("journal byte {at}: {what}"),
        )
    };
    let mut entries = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(len) = bytes.get(at..at + 4) else {
            return Ok((entries, true));
        };
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        let Some(body) = bytes.get(at + 4..at + 4 + len) else {
            return Ok((entries, true));
        };
        if body.len() < 4 {
            return Err(invalid(at, "an entry shorter than its header"));
        }
        let (tag, kind) = (body[0], body[1]);
        let kind = Kind::from_byte(kind).ok_or_else(|| invalid(at, "an unknown kind"))?;
        let path_len = u16::from_le_bytes([body[2], body[3]]) as usize;
        let path = body
            .get(4..4 + path_len)
            .ok_or_else(|| invalid(at, "a path past the entry"))?;
        let rest = &body[4 + path_len..];
        let u64_at = |i: usize| -> io::Result<u64> {
            rest.get(i * 8..i * 8 + 8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
                .ok_or_else(|| invalid(at, "fields past the entry"))
        };
        entries.push(match tag {
            b'O' => Entry::Opened { kind, path },
            b'W' => Entry::Write {
                path,
                offset: u64_at(0)?,
                len: u64_at(1)?,
                size_before: u64_at(2)?,
                old: &rest[24..],
            },
            b'T' => Entry::Truncate {
                path,
                size_before: u64_at(0)?,
                new_size: u64_at(1)?,
                removed: &rest[16..],
            },
            b'S' => Entry::Sync { path },
            b'D' => Entry::Delete { path },
            _ => return Err(invalid(at, "an unknown tag")),
        });
        at += 4 + len;
    }
    Ok((entries, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_written_and_a_cut_off_last_entry_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let journal = Journal::open(&path).unwrap();
        journal.opened(Kind::Database, b"/d/db").unwrap();
        journal
            .write(Kind::Wal, b"/d/db-wal", 32, 4120, 40, b"old!....")
            .unwrap();
        journal
            .truncate(Kind::Wal, b"/d/db-wal", 10, 4, b"cutoff")
            .unwrap();
        journal.sync(Kind::Wal, b"/d/db-wal").unwrap();
        journal.delete(b"/d/db-wal").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let (entries, cut) = parse(&bytes).unwrap();
        assert!(!cut);
        assert_eq!(
            entries,
            [
                Entry::Opened {
                    kind: Kind::Database,
                    path: b"/d/db"
                },
                Entry::Write {
                    path: b"/d/db-wal",
                    offset: 32,
                    len: 4120,
                    size_before: 40,
                    old: b"old!...."
                },
                Entry::Truncate {
                    path: b"/d/db-wal",
                    size_before: 10,
                    new_size: 4,
                    removed: b"cutoff"
                },
                Entry::Sync { path: b"/d/db-wal" },
                Entry::Delete { path: b"/d/db-wal" },
            ]
        );
        // Killed while appending the last entry: it is dropped, the others stay.
        let (entries, cut) = parse(&bytes[..bytes.len() - 3]).unwrap();
        assert!(cut);
        assert_eq!(entries.len(), 4);
        // A damaged journal is an error, not a silent partial reading.
        let mut damaged = bytes.clone();
        damaged[4] = b'?';
        assert!(parse(&damaged).is_err());
    }
}
