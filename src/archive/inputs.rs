//! The files an import is given: folders walked, links kept inside the tree, only regular files
//! read, and sizes capped.
//!
//! A path named by the user is taken as it is (a link they name is followed). Inside a folder:
//! hidden entries and README files are skipped, and so are names Fonds does not import; a
//! symbolic link is followed only when its target lies inside the folder being imported (and a
//! folder is walked once however many links lead to it, so links never loop); a FIFO, socket
//! or device is refused, never opened; a subfolder that cannot be read fails alone. Every file
//! is opened without blocking, checked to be a regular file once open, and read up to the
//! size limit of its kind.

use std::collections::HashSet;
use std::fs::{File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::ingest::{self, IngestError};

/// The largest file of each kind an import reads, by extension. Far above any real source (the
/// largest FRUS volume of the shared corpus is 4 MB; history.state.gov's largest about 30 MB).
const SIZE_LIMITS: [(&str, u64, &str); 6] = [
    (".xml", 512 << 20, "TEI XML"),
    (".txt", 64 << 20, "WCDA page"),
    (".json", 256 << 20, "JSON"),
    (".csv", 1 << 30, "CSV"),
    (".jsonl", 1 << 30, "JSON Lines"),
    (".ndjson", 1 << 30, "JSON Lines"),
];

/// A file found under the paths given to `import`.
#[derive(Debug, Clone)]
pub(super) struct InputFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its name for the user and for provenance: the path below the given path's parent.
    pub name: String,
}

/// A path that was not imported, and why.
pub(super) struct Refused {
    /// The path as shown to the user.
    pub name: String,
    /// Why it was refused.
    pub error: Error,
}

/// The files to import under `paths`, in the order given (a folder's files sorted by path),
/// each once, skipping the index folders of Fonds data folders, and the paths refused on the
/// way.
pub(super) fn collect(paths: &[PathBuf]) -> (Vec<InputFile>, Vec<Refused>) {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        collect_one(path, &mut files, &mut refused, &mut seen);
    }
    (files, refused)
}

fn refuse(refused: &mut Vec<Refused>, path: &Path, message: String) {
    refused.push(Refused {
        name: path.display().to_string(),
        error: Error::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(message),
        },
    });
}

/// A name for a file type that is neither file nor folder nor link.
fn special_kind(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    let _ = kind;
    "not a regular file"
}

fn collect_one(
    path: &Path,
    files: &mut Vec<InputFile>,
    refused: &mut Vec<Refused>,
    seen: &mut HashSet<PathBuf>,
) {
    let base = path.parent().unwrap_or(Path::new(""));
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(source) => {
            refused.push(Refused {
                name: path.display().to_string(),
                error: Error::Io {
                    path: path.display().to_string(),
                    source,
                },
            });
            return;
        }
    };
    if meta.is_file() {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.insert(canonical) {
            files.push(InputFile {
                path: path.to_path_buf(),
                name: shown_name(base, path),
            });
        }
        return;
    }
    if !meta.is_dir() {
        refuse(
            refused,
            path,
            format!(
                "{}: only regular files and folders are imported",
                special_kind(meta.file_type())
            ),
        );
        return;
    }
    let root = match std::fs::canonicalize(path) {
        Ok(r) => r,
        Err(source) => {
            refused.push(Refused {
                name: path.display().to_string(),
                error: Error::Io {
                    path: path.display().to_string(),
                    source,
                },
            });
            return;
        }
    };
    let mut walked = HashSet::from([root.clone()]);
    let mut stack = vec![path.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        // The index folder of a Fonds data folder (this archive's own, or another's) holds no
        // sources: its files would only be refused as WCDA JSON. (The data folder's other
        // files, `fonds.sqlite3*` and `fonds.lock`, have no extension Fonds imports.)
        if dir.file_name().is_some_and(|n| n == super::INDEX_DIR)
            && dir
                .parent()
                .is_some_and(|p| p.join(super::STORE_FILE).is_file())
        {
            continue;
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                refuse(
                    refused,
                    &dir,
                    format!("the folder cannot be read ({e}); its files were not imported"),
                );
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    refuse(refused, &dir, format!("the folder cannot be listed ({e})"));
                    break;
                }
            };
            let p = entry.path();
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            if file_name.starts_with('.') {
                continue;
            }
            let wanted = is_wanted(&file_name);
            let kind = match entry.file_type() {
                Ok(k) => k,
                Err(e) => {
                    if wanted {
                        refuse(refused, &p, format!("cannot be examined ({e})"));
                    }
                    continue;
                }
            };
            if kind.is_dir() {
                stack.push(p);
            } else if kind.is_file() {
                if wanted {
                    found.push(p);
                }
            } else if kind.is_symlink() {
                follow_link(
                    &p,
                    &root,
                    wanted,
                    &mut walked,
                    &mut stack,
                    &mut found,
                    refused,
                );
            } else if wanted {
                refuse(
                    refused,
                    &p,
                    format!("{}: only regular files are imported", special_kind(kind)),
                );
            }
        }
    }
    found.sort();
    for p in found {
        let canonical = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        if seen.insert(canonical) {
            let name = shown_name(base, &p);
            files.push(InputFile { path: p, name });
        }
    }
}

/// Follows a link met inside the folder `root`: only to a file or folder inside `root`.
fn follow_link(
    link: &Path,
    root: &Path,
    wanted: bool,
    walked: &mut HashSet<PathBuf>,
    stack: &mut Vec<PathBuf>,
    found: &mut Vec<PathBuf>,
    refused: &mut Vec<Refused>,
) {
    let target = match std::fs::canonicalize(link) {
        Ok(t) => t,
        Err(e) => {
            if wanted {
                refuse(
                    refused,
                    link,
                    format!("a symbolic link that leads nowhere ({e}): not followed"),
                );
            }
            return;
        }
    };
    let meta = match std::fs::metadata(&target) {
        Ok(m) => m,
        Err(e) => {
            if wanted {
                refuse(refused, link, format!("cannot be examined ({e})"));
            }
            return;
        }
    };
    if !target.starts_with(root) {
        if wanted || meta.is_dir() {
            refuse(
                refused,
                link,
                format!(
                    "a symbolic link to {}, outside the folder being imported: not followed",
                    target.display()
                ),
            );
        }
        return;
    }
    if meta.is_dir() {
        // Walked once, whichever way it is reached: links cannot make a loop.
        if walked.insert(target) {
            stack.push(link.to_path_buf());
        }
    } else if meta.is_file() {
        if wanted {
            found.push(link.to_path_buf());
        }
    } else if wanted {
        refuse(
            refused,
            link,
            format!(
                "a symbolic link to {}: only regular files are imported",
                special_kind(meta.file_type())
            ),
        );
    }
}

/// Whether a file met in a folder is one to import: an importable extension, not a README.
fn is_wanted(file_name: &str) -> bool {
    let is_readme = Path::new(file_name)
        .file_stem()
        .is_some_and(|s| s.to_string_lossy().eq_ignore_ascii_case("readme"));
    !is_readme && ingest::is_importable_name(file_name)
}

fn shown_name(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The size limit for a file of this name, and what the kind is called.
pub(super) fn size_limit(name: &str) -> (u64, &'static str) {
    let lower = name.to_ascii_lowercase();
    SIZE_LIMITS
        .iter()
        .find(|(ext, _, _)| lower.ends_with(ext))
        .map(|&(_, limit, kind)| (limit, kind))
        .unwrap_or((64 << 20, "source"))
}

/// Opens a file to import: without blocking (a FIFO put in place of a file cannot hang the
/// import), and only if it is a regular file.
pub(super) fn open(input: &InputFile) -> Result<(File, u64), Error> {
    let io = |source| Error::Io {
        path: input.path.display().to_string(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(&input.path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other(format!(
            "{}: only regular files are imported",
            special_kind(meta.file_type())
        ))));
    }
    Ok((file, meta.len()))
}

/// Reads a whole file to import, refusing one larger than its kind's limit (checked before
/// reading, and again while reading, for a file that grows).
pub(super) fn read(input: &InputFile) -> Result<Vec<u8>, Error> {
    let (file, len) = open(input)?;
    let (limit, kind) = size_limit(&input.name);
    let too_large = || -> Error {
        IngestError::malformed(
            input.name.clone(),
            "the whole file",
            format!(
                "larger than {} MiB, the limit for a {kind} file",
                limit >> 20
            ),
        )
        .into()
    };
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: input.path.display().to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn names(files: &[InputFile]) -> Vec<&str> {
        files.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn links_stay_inside_the_tree_and_special_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/one.jsonl"), "{}").unwrap();
        std::fs::write(root.join("a/b/two.xml"), "<x/>").unwrap();
        std::fs::write(root.join("README.md"), "").unwrap();
        std::fs::write(root.join("notes.doc"), "").unwrap();
        std::fs::write(dir.path().join("outside.jsonl"), "{}").unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, root.join(name)).unwrap()
        };
        link(&dir.path().join("outside.jsonl"), "out.jsonl");
        link(Path::new("/dev/zero"), "zero.jsonl");
        link(Path::new("/proc/self"), "proc");
        link(&root.join("a"), "loop");
        link(&root.join("a/one.jsonl"), "again.jsonl");
        std::os::unix::fs::symlink(&root, root.join("a/b/up")).unwrap();
        link(Path::new("/nonexistent"), "broken.json");
        let fifo = root.join("pipe.jsonl");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let (files, refused) = collect(std::slice::from_ref(&root));
        assert_eq!(names(&files), ["in/a/b/two.xml", "in/a/one.jsonl"]);
        let mut why: Vec<String> = refused
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    Path::new(&r.name).file_name().unwrap().to_string_lossy(),
                    r.error
                )
            })
            .collect();
        why.sort();
        assert_eq!(why.len(), 5, "{why:#?}");
        assert!(
            why[0].starts_with("broken.json: ") && why[0].contains("leads nowhere"),
            "{why:?}"
        );
        assert!(
            why[1].contains("out.jsonl") && why[1].contains("outside the folder"),
            "{why:?}"
        );
        assert!(
            why[2].starts_with("pipe.jsonl: ") && why[2].contains("a FIFO"),
            "{why:?}"
        );
        assert!(
            why[3].starts_with("proc: ") && why[3].contains("outside the folder"),
            "{why:?}"
        );
        assert!(
            why[4].starts_with("zero.jsonl: ") && why[4].contains("outside the folder"),
            "{why:?}"
        );

        // Named directly, a FIFO is refused too, and opening one never blocks.
        let (files, refused) = collect(std::slice::from_ref(&fifo));
        assert!(files.is_empty());
        assert!(
            refused[0].error.to_string().contains("a FIFO"),
            "{}",
            refused[0].error
        );
        let input = InputFile {
            path: fifo,
            name: "pipe.jsonl".into(),
        };
        assert!(read(&input).unwrap_err().to_string().contains("a FIFO"));
    }

    #[test]
    fn files_larger_than_their_limit_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.txt");
        let f = File::create(&path).unwrap();
        f.set_len((64 << 20) + 1).unwrap(); // sparse: nothing is written
        let err = read(&InputFile {
            path,
            name: "huge.txt".into(),
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "huge.txt: the whole file: larger than 64 MiB, the limit for a WCDA page file"
        );
    }
}
