//! The power loss itself: the writes a journal shows were never synced are taken back.
//!
//! Run after the process that wrote the journal was killed (SIGKILL keeps the page cache, so
//! every write it made is in the files). For each file, the entries after its last sync are
//! the writes and truncations the disk may not have: undone newest first, from their undo
//! images, down to the file as it was synced; or, modelling a disk cache that reorders writes,
//! each kept, undone, or torn (some of its 512-byte sectors kept), at random. Then every
//! database's `-shm` is deleted: shared memory does not survive a power loss.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::journal::{self, Entry, Kind};

/// The unit a disk writes whole: a torn write keeps or loses whole sectors.
pub const SECTOR: u64 = 512;

/// What a power loss does to the writes that were not synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Every one is lost: each file is left as it was when it was last synced.
    Unsynced,
    /// Each one reached the disk whole, not at all, or in part (some of its sectors), at
    /// random from this seed, whatever the order they were made in: a disk cache that
    /// reorders and tears writes between two syncs.
    Reordered(u64),
}

/// What a power loss took back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LossReport {
    /// Entries in the journal.
    pub entries: u64,
    /// Whether its last entry was cut off (the process was killed while appending it).
    pub cut_off: bool,
    /// Files with writes or truncations that were not synced.
    pub files: u64,
    /// Writes and truncations a later sync of their file made durable.
    pub synced: u64,
    /// Unsynced ones taken back whole.
    pub undone: u64,
    /// Unsynced ones kept whole (only with [`Loss::Reordered`]).
    pub kept: u64,
    /// Unsynced writes kept in part (only with [`Loss::Reordered`]).
    pub torn: u64,
    /// Bytes put back as they were.
    pub bytes_restored: u64,
    /// `-shm` files deleted.
    pub shm_deleted: u64,
}

/// Simulates a power loss over the files the journal at `journal` describes, then deletes the
/// journal (it cannot be applied twice). The process that wrote it must be dead.
pub fn apply_power_loss(journal: &Path, loss: Loss) -> io::Result<LossReport> {
    let bytes = std::fs::read(journal)?;
    let (entries, cut_off) = journal::parse(&bytes)?;
    let mut report = LossReport {
        entries: entries.len() as u64,
        cut_off,
        ..LossReport::default()
    };
    // Each file's entries since its last sync; a deleted file starts again empty.
    let mut pending: BTreeMap<&[u8], Vec<&Entry>> = BTreeMap::new();
    let mut databases = Vec::new();
    for entry in &entries {
        let path = entry.path();
        match entry {
            Entry::Opened {
                kind: Kind::Database,
                ..
            } => databases.push(path),
            Entry::Opened { .. } => {}
            Entry::Write { .. } | Entry::Truncate { .. } => {
                pending.entry(path).or_default().push(entry)
            }
            Entry::Sync { .. } => {
                report.synced += pending.remove(path).map_or(0, |p| p.len() as u64);
            }
            Entry::Delete { .. } => {
                pending.remove(path);
            }
        }
    }
    let mut random = match loss {
        Loss::Unsynced => None,
        Loss::Reordered(seed) => Some(SplitMix(seed)),
    };
    for (path, entries) in &pending {
        report.files += 1;
        let fates = fates(entries, random.as_mut());
        let path = Path::new(std::ffi::OsStr::from_bytes(path));
        lose(path, entries, &fates, &mut report)?;
    }
    databases.sort();
    databases.dedup();
    for db in databases {
        let mut shm = db.to_vec();
        shm.extend_from_slice(b"-shm");
        match std::fs::remove_file(Path::new(std::ffi::OsStr::from_bytes(&shm))) {
            Ok(()) => report.shm_deleted += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::remove_file(journal)?;
    Ok(report)
}

/// What reached the disk of one unsynced write or truncation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    Lost,
    Kept,
    /// Per sector of the write, in order: kept or not.
    Torn(Vec<bool>),
}

impl Fate {
    fn any_kept(&self) -> bool {
        match self {
            Fate::Lost => false,
            Fate::Kept => true,
            Fate::Torn(sectors) => sectors.contains(&true),
        }
    }
}

/// What reached the disk of each of one file's unsynced `entries`: nothing, or at random.
fn fates(entries: &[&Entry], random: Option<&mut SplitMix>) -> Vec<Fate> {
    let Some(rng) = random else {
        return vec![Fate::Lost; entries.len()];
    };
    entries
        .iter()
        .map(|entry| match (rng.below(3), entry) {
            (0, _) => Fate::Lost,
            (1, _) => Fate::Kept,
            (_, Entry::Write { offset, len, .. }) => {
                Fate::Torn(sectors(*offset, *len).map(|_| rng.below(2) == 1).collect())
            }
            // A size changes whole.
            _ if rng.below(2) == 1 => Fate::Kept,
            _ => Fate::Lost,
        })
        .collect()
}

/// Takes back what did not reach the disk of one file's unsynced `entries` (in the order they
/// were made), as `fates` says.
fn lose(
    path: &Path,
    entries: &[&Entry],
    fates: &[Fate],
    report: &mut LossReport,
) -> io::Result<()> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        // Deleted since without a journal entry (not by SQLite): nothing to take back.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    // The size the file is left with: after the last change that reached the disk at all.
    let size_after = |i: usize| -> io::Result<u64> {
        match entries.get(i + 1) {
            Some(next) => Ok(size_before(next)),
            None => Ok(file.metadata()?.len()),
        }
    };
    let final_size = match fates.iter().rposition(Fate::any_kept) {
        Some(i) => size_after(i)?,
        None => size_before(entries[0]),
    };
    // Newest first: a byte kept by a later change is not taken back by an earlier one's undo.
    let mut kept = Ranges::default();
    for (entry, fate) in entries.iter().zip(fates).rev() {
        match (entry, fate) {
            (
                Entry::Write {
                    offset, len, old, ..
                },
                _,
            ) => {
                for (n, (start, end)) in sectors(*offset, *len).enumerate() {
                    let reached = match fate {
                        Fate::Lost => false,
                        Fate::Kept => true,
                        Fate::Torn(s) => s[n],
                    };
                    if reached {
                        kept.add(start, end);
                    } else {
                        report.bytes_restored += restore(&file, &kept, start, end, *offset, old)?;
                    }
                }
            }
            (
                Entry::Truncate {
                    size_before,
                    new_size,
                    removed,
                    ..
                },
                Fate::Lost,
            ) => {
                if size_before > new_size {
                    report.bytes_restored +=
                        restore(&file, &kept, *new_size, *size_before, *new_size, removed)?;
                }
            }
            (
                Entry::Truncate {
                    size_before,
                    new_size,
                    ..
                },
                _,
            ) => kept.add(*size_before.min(new_size), u64::MAX),
            _ => unreachable!("only writes and truncations are pending"),
        }
        match fate {
            Fate::Lost => report.undone += 1,
            Fate::Kept => report.kept += 1,
            Fate::Torn(_) => report.torn += 1,
        }
    }
    file.set_len(final_size)
}

fn size_before(entry: &Entry) -> u64 {
    match entry {
        Entry::Write { size_before, .. } | Entry::Truncate { size_before, .. } => *size_before,
        _ => unreachable!("only writes and truncations are pending"),
    }
}

/// The pieces of `[offset, offset + len)` cut at sector boundaries.
fn sectors(offset: u64, len: u64) -> impl Iterator<Item = (u64, u64)> {
    let end = offset + len;
    let mut at = offset;
    std::iter::from_fn(move || {
        (at < end).then(|| {
            let next = ((at / SECTOR + 1) * SECTOR).min(end);
            let piece = (at, next);
            at = next;
            piece
        })
    })
}

/// Puts back the bytes of `[start, end)` that no later change kept, from `old` (what the file
/// held from `old_at` on; bytes past it did not exist, and come back as zeros). Returns how
/// many bytes it wrote.
fn restore(
    file: &std::fs::File,
    kept: &Ranges,
    start: u64,
    end: u64,
    old_at: u64,
    old: &[u8],
) -> io::Result<u64> {
    let mut written = 0;
    let old_end = old_at + old.len() as u64;
    for (a, b) in kept.gaps(start, end) {
        let mut bytes = vec![0; (b - a) as usize];
        let (from, to) = (a.max(old_at), b.min(old_end));
        if from < to {
            bytes[(from - a) as usize..(to - a) as usize]
                .copy_from_slice(&old[(from - old_at) as usize..(to - old_at) as usize]);
        }
        file.write_all_at(&bytes, a)?;
        written += b - a;
    }
    Ok(written)
}

/// A set of byte ranges, kept sorted and merged.
#[derive(Debug, Default)]
struct Ranges(Vec<(u64, u64)>);

impl Ranges {
    fn add(&mut self, start: u64, end: u64) {
        let (mut start, mut end) = (start, end);
        let mut merged = Vec::with_capacity(self.0.len() + 1);
        for &(a, b) in &self.0 {
            if b < start || a > end {
                merged.push((a, b));
            } else {
                start = start.min(a);
                end = end.max(b);
            }
        }
        merged.push((start, end));
        merged.sort_unstable();
        self.0 = merged;
    }

    /// The parts of `[start, end)` outside the set.
    fn gaps(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut at = start;
        for &(a, b) in &self.0 {
            if b <= at {
                continue;
            }
            if a >= end {
                break;
            }
            if a > at {
                out.push((at, a));
            }
            at = at.max(b);
            if at >= end {
                break;
            }
        }
        if at < end {
            out.push((at, end));
        }
        out
    }
}

/// SplitMix64: enough randomness to pick fates, and reproducible from a seed.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fault_vfs::journal::Journal;
    use std::fs::File;

    /// A file written through the journal as the shim writes one, with every state it has
    /// been in since its last sync.
    struct Disk {
        file: File,
        name: Vec<u8>,
        journal: Journal,
        /// The content at the last sync, then after each change since.
        states: Vec<Vec<u8>>,
        /// The changes since the last sync: a write's offset and bytes, or a new size.
        changes: Vec<(u64, Option<Vec<u8>>)>,
    }

    impl Disk {
        fn new(dir: &Path) -> Disk {
            let path = dir.join("db-wal");
            Disk {
                file: OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .unwrap(),
                name: path.as_os_str().as_bytes().to_vec(),
                journal: Journal::open(&dir.join("journal")).unwrap(),
                states: vec![Vec::new()],
                changes: Vec::new(),
            }
        }

        fn content(&self) -> Vec<u8> {
            std::fs::read(std::ffi::OsStr::from_bytes(&self.name)).unwrap()
        }

        fn write(&mut self, offset: u64, bytes: &[u8]) {
            let size = self.file.metadata().unwrap().len();
            let content = self.content();
            let old_end = (offset + bytes.len() as u64).min(size);
            let old = content
                .get(offset as usize..old_end as usize)
                .unwrap_or(&[]);
            self.journal
                .write(Kind::Wal, &self.name, offset, bytes.len() as u64, size, old)
                .unwrap();
            self.file.write_all_at(bytes, offset).unwrap();
            self.states.push(self.content());
            self.changes.push((offset, Some(bytes.to_vec())));
        }

        fn truncate(&mut self, size: u64) {
            let content = self.content();
            let removed = content.get(size as usize..).unwrap_or(&[]);
            self.journal
                .truncate(Kind::Wal, &self.name, content.len() as u64, size, removed)
                .unwrap();
            self.file.set_len(size).unwrap();
            self.states.push(self.content());
            self.changes.push((size, None));
        }

        fn sync(&mut self) {
            self.journal.sync(Kind::Wal, &self.name).unwrap();
            self.states = vec![self.content()];
            self.changes.clear();
        }
    }

    /// Random writes (some overlapping, some past the end), truncations and syncs.
    fn scribble(disk: &mut Disk, rng: &mut SplitMix, ops: usize) {
        for _ in 0..ops {
            match rng.below(10) {
                0 => disk.sync(),
                1 => disk.truncate(rng.below(6000)),
                _ => {
                    let len = 1 + rng.below(1500) as usize;
                    let byte = 1 + rng.below(255) as u8;
                    disk.write(rng.below(8000), &vec![byte; len]);
                }
            }
        }
    }

    #[test]
    fn every_unsynced_change_is_undone_down_to_the_last_sync() {
        for seed in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let mut disk = Disk::new(dir.path());
            let mut rng = SplitMix(seed);
            scribble(&mut disk, &mut rng, 200);
            let synced = disk.states[0].clone();
            let report = apply_power_loss(&dir.path().join("journal"), Loss::Unsynced).unwrap();
            assert_eq!(disk.content(), synced, "seed {seed}: {report:?}");
            assert_eq!(report.undone as usize, disk.states.len() - 1, "seed {seed}");
            assert!(
                !dir.path().join("journal").exists(),
                "the journal is consumed"
            );
        }
    }

    /// What the disk holds if, of the changes since the last sync, only what `fates` says
    /// reached it: made again, forward, from the content at the last sync.
    fn replay(disk: &Disk, fates: &[Fate]) -> Vec<u8> {
        let mut content = disk.states[0].clone();
        for ((at, bytes), fate) in disk.changes.iter().zip(fates) {
            match bytes {
                Some(bytes) => {
                    for (n, (a, b)) in sectors(*at, bytes.len() as u64).enumerate() {
                        let reached = match fate {
                            Fate::Lost => false,
                            Fate::Kept => true,
                            Fate::Torn(s) => s[n],
                        };
                        if reached {
                            if (content.len() as u64) < b {
                                content.resize(b as usize, 0);
                            }
                            content[a as usize..b as usize]
                                .copy_from_slice(&bytes[(a - at) as usize..(b - at) as usize]);
                        }
                    }
                }
                None if *fate == Fate::Kept => content.resize(*at as usize, 0),
                None => {}
            }
        }
        let size = match fates.iter().rposition(Fate::any_kept) {
            Some(i) => disk.states[i + 1].len(),
            None => disk.states[0].len(),
        };
        content.resize(size, 0);
        content
    }

    #[test]
    fn a_reordered_loss_leaves_exactly_what_the_changes_that_reached_the_disk_make() {
        let (mut torn, mut kept) = (0, 0);
        for seed in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let mut disk = Disk::new(dir.path());
            let mut rng = SplitMix(seed);
            scribble(&mut disk, &mut rng, 60);
            let bytes = std::fs::read(dir.path().join("journal")).unwrap();
            let (entries, _) = journal::parse(&bytes).unwrap();
            let since_sync = entries
                .iter()
                .rposition(|e| matches!(e, Entry::Sync { .. }))
                .map_or(0, |i| i + 1);
            let pending: Vec<&Entry> = entries[since_sync..].iter().collect();
            if pending.is_empty() {
                continue;
            }
            let fates = fates(&pending, Some(&mut SplitMix(seed)));
            let expected = replay(&disk, &fates);
            let mut report = LossReport::default();
            let path = Path::new(std::ffi::OsStr::from_bytes(&disk.name));
            lose(path, &pending, &fates, &mut report).unwrap();
            assert_eq!(disk.content(), expected, "seed {seed}: {fates:?}");
            torn += report.torn;
            kept += report.kept;
        }
        assert!(torn > 0 && kept > 0, "no write was torn or kept in 40 runs");
    }

    #[test]
    fn synced_writes_stay_and_the_shared_memory_goes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("fonds.sqlite3");
        std::fs::write(&db, b"").unwrap();
        std::fs::write(dir.path().join("fonds.sqlite3-shm"), b"index").unwrap();
        let journal = Journal::open(&dir.path().join("journal")).unwrap();
        let name = db.as_os_str().as_bytes();
        journal.opened(Kind::Database, name).unwrap();
        journal.write(Kind::Database, name, 0, 4, 0, b"").unwrap();
        std::fs::write(&db, b"kept").unwrap();
        journal.sync(Kind::Database, name).unwrap();
        let report = apply_power_loss(&dir.path().join("journal"), Loss::Unsynced).unwrap();
        assert_eq!(std::fs::read(&db).unwrap(), b"kept");
        assert_eq!(
            (report.synced, report.undone, report.shm_deleted),
            (1, 0, 1)
        );
        assert!(!dir.path().join("fonds.sqlite3-shm").exists());
    }

    #[test]
    fn ranges_merge_and_leave_the_gaps_between() {
        let mut r = Ranges::default();
        r.add(10, 20);
        r.add(30, 40);
        r.add(20, 25);
        assert_eq!(r.0, [(10, 25), (30, 40)]);
        assert_eq!(r.gaps(0, 50), [(0, 10), (25, 30), (40, 50)]);
        assert_eq!(r.gaps(12, 24), []);
        assert_eq!(
            sectors(500, 1100).collect::<Vec<_>>(),
            [(500, 512), (512, 1024), (1024, 1536), (1536, 1600)]
        );
    }
}
