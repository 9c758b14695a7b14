//! Index generations: every full build of the index is a folder of its own, swapped in atomically.
//!
//! The index folder holds `CURRENT`, a one-line file naming the live generation (`gen-000003`),
//! and that generation's folder, a tantivy index. A rebuild writes the next generation's folder
//! beside the live one, commits and syncs it, then replaces `CURRENT` by a rename (atomic on
//! POSIX file systems) and syncs the folder: a reader sees either the old generation or the new
//! one, never a half-built one, and a rebuild killed half-way leaves the live generation as it
//! was. Everything else in the index folder — generations that are not live, a `CURRENT.tmp`,
//! the files of the single-folder layout of earlier versions — is garbage, and so are the files
//! of a live generation that its `meta.json` does not reference (left by a writer killed during
//! a commit or a merge). [`clean`] and [`clean_segments`] remove them; callers do so only while
//! they hold the data folder's writer lock, so no writer is using them.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file naming the live generation.
pub(crate) const CURRENT: &str = "CURRENT";
/// The name of every generation folder: this prefix and six digits or more.
const PREFIX: &str = "gen-";

/// What a clean-up removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Files removed (counting those inside removed folders).
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Cleaned {
    fn add(&mut self, other: Cleaned) {
        self.files += other.files;
        self.bytes += other.bytes;
    }
}

/// The generation number in a folder name (`gen-000003` → 3).
fn number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(PREFIX)?;
    (digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The folder name of generation `n`.
fn name(n: u64) -> String {
    format!("{PREFIX}{n:06}")
}

/// The live generation's folder name, as `CURRENT` gives it: `Ok(None)` when there is no
/// `CURRENT`, an error when it is unreadable or names no generation (its content, for the
/// message).
pub(crate) fn current(root: &Path) -> Result<Option<String>, String> {
    let path = root.join(CURRENT);
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let text = String::from_utf8_lossy(&text);
    let live = text.trim();
    if number(live).is_none() {
        return Err(format!(
            "{} does not name a generation (it holds {:?})",
            path.display(),
            live.chars().take(40).collect::<String>()
        ));
    }
    Ok(Some(live.to_string()))
}

/// The folder for a new generation: one past the highest number under `root`, created empty
/// (a leftover folder of that name, from a killed rebuild, is removed first).
pub(crate) fn create_next(root: &Path) -> std::io::Result<(String, PathBuf)> {
    std::fs::create_dir_all(root)?;
    let mut highest = 0;
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        if let Some(n) = entry.file_name().to_str().and_then(number) {
            highest = highest.max(n);
        }
    }
    let next = name(highest + 1);
    let dir = root.join(&next);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir(&dir)?;
    Ok((next, dir))
}

/// Makes `generation` the live one: syncs its files, writes `CURRENT.tmp`, syncs it, renames it
/// over `CURRENT` and syncs the index folder, so that after a crash `CURRENT` names either the
/// old generation or this complete one.
pub(crate) fn publish(root: &Path, generation: &str) -> std::io::Result<()> {
    let dir = root.join(generation);
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.is_file() {
            File::open(&path)?.sync_all()?;
        }
    }
    sync_dir(&dir)?;
    let tmp = root.join(format!("{CURRENT}.tmp"));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(generation.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, root.join(CURRENT))?;
    sync_dir(root)
}

/// Syncs a folder, so that the names created, renamed or removed in it are durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes everything under `root` but `CURRENT` and the live generation `live`: other
/// generations, `CURRENT.tmp`, and tantivy's files of the earlier single-folder layout.
/// Files it does not recognise are left alone.
pub(crate) fn clean(root: &Path, live: &str) -> std::io::Result<Cleaned> {
    let mut cleaned = Cleaned::default();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() && number(name).is_some() && name != live {
            cleaned.add(remove_tree(&path)?);
        } else if kind.is_file() && (name == "CURRENT.tmp" || is_tantivy_file(name)) {
            cleaned.add(remove_file(&path)?);
        }
    }
    Ok(cleaned)
}

/// Removes the files of a generation's folder that its committed `meta.json` does not use:
/// segment files of segments it does not list, delete files of another opstamp, tantivy's
/// temporary files. `living` is the set of file names the committed segments use.
pub(crate) fn clean_segments(dir: &Path, living: &HashSet<PathBuf>) -> std::io::Result<Cleaned> {
    let mut cleaned = Cleaned::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(name) = file_name.to_str() else {
            continue;
        };
        let segment_file = is_tantivy_file(name)
            && !matches!(name, "meta.json" | ".managed.json")
            && !name.ends_with(".lock");
        if segment_file && entry.file_type()?.is_file() && !living.contains(Path::new(name)) {
            cleaned.add(remove_file(&entry.path())?);
        }
    }
    Ok(cleaned)
}

/// Whether a file name is one of tantivy's: `meta.json`, `.managed.json`, its lock files, or a
/// segment component (`<uuid>.idx`, `<uuid>.<opstamp>.del`, …).
fn is_tantivy_file(name: &str) -> bool {
    const COMPONENTS: [&str; 9] = [
        ".idx",
        ".pos",
        ".term",
        ".store",
        ".temp",
        ".fast",
        ".fieldnorm",
        ".del",
        ".store.temp",
    ];
    name == "meta.json"
        || name == ".managed.json"
        || (name.starts_with(".tantivy-") && name.ends_with(".lock"))
        || name.split_once('.').is_some_and(|(stem, _)| {
            stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
        }) && COMPONENTS.iter().any(|ext| name.ends_with(ext))
}

fn remove_file(path: &Path) -> std::io::Result<Cleaned> {
    let bytes = path.metadata().map(|m| m.len()).unwrap_or(0);
    match std::fs::remove_file(path) {
        Ok(()) => Ok(Cleaned { files: 1, bytes }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Cleaned::default()),
        Err(e) => Err(e),
    }
}

fn remove_tree(dir: &Path) -> std::io::Result<Cleaned> {
    let mut cleaned = Cleaned::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            cleaned.add(remove_tree(&entry.path())?);
        } else {
            cleaned.add(remove_file(&entry.path())?);
        }
    }
    std::fs::remove_dir(dir)?;
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_numbered_published_and_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(current(root), Ok(None));
        let (first, path) = create_next(root).unwrap();
        assert_eq!(first, "gen-000001");
        std::fs::write(path.join("meta.json"), "{}").unwrap();
        publish(root, &first).unwrap();
        assert_eq!(current(root), Ok(Some(first.clone())));
        // A rebuild killed half-way, a stray CURRENT.tmp, files of the old layout, a file of
        // someone else's.
        let (second, path) = create_next(root).unwrap();
        assert_eq!(second, "gen-000002");
        std::fs::write(path.join("0123456789abcdef0123456789abcdef.idx"), "x").unwrap();
        std::fs::write(root.join("CURRENT.tmp"), "gen-000002").unwrap();
        std::fs::write(root.join("meta.json"), "{}").unwrap();
        std::fs::write(root.join("notes.txt"), "mine").unwrap();
        let cleaned = clean(root, &first).unwrap();
        assert_eq!(cleaned.files, 3);
        assert!(!root.join(&second).exists());
        assert!(root.join(&first).join("meta.json").exists());
        assert!(root.join("notes.txt").exists());
        // The next generation never reuses a number still on disk.
        assert_eq!(create_next(root).unwrap().0, "gen-000002");
        std::fs::write(root.join(CURRENT), "../../etc").unwrap();
        assert!(
            current(root)
                .unwrap_err()
                .contains("does not name a generation")
        );
    }

    #[test]
    fn unused_segment_files_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let live = "0123456789abcdef0123456789abcdef";
        let dead = "fedcba9876543210fedcba9876543210";
        for name in [
            format!("{live}.idx"),
            format!("{live}.3.del"),
            format!("{live}.4.del"),
            format!("{dead}.store"),
            "meta.json".into(),
            ".managed.json".into(),
            ".tantivy-writer.lock".into(),
            "README".into(),
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let living: HashSet<PathBuf> = [format!("{live}.idx"), format!("{live}.3.del")]
            .into_iter()
            .map(PathBuf::from)
            .collect();
        let cleaned = clean_segments(dir.path(), &living).unwrap();
        assert_eq!(cleaned.files, 2);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".managed.json",
                ".tantivy-writer.lock",
                format!("{live}.3.del").as_str(),
                format!("{live}.idx").as_str(),
                "README",
                "meta.json",
            ]
        );
    }
}
