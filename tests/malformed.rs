//! The malformed corpus (`tests/malformed/`, described in its README): every case through the
//! real `fonds` binary, each alone in a fresh data folder and all together in one import, plus
//! the huge inputs, made here rather than committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/malformed")
}

/// Runs `fonds --data DATA ARGS…`.
fn fonds(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("FONDS_DATA")
        .output()
        .expect("the fonds binary runs")
}

/// What a case must do.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    /// Import, with this many records.
    Ok(u64),
    /// Fail, alone.
    Error,
}

/// One line of `expected.tsv`.
#[derive(Debug, Clone)]
struct Case {
    file: String,
    expect: Expect,
    /// A part of the error (or, for `Ok`, of a warning; may be empty).
    message: String,
}

fn cases() -> Vec<Case> {
    let manifest = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                cols.len() >= 3,
                "expected.tsv: a line without 3 columns: {line:?}"
            );
            let expect = match cols[1] {
                "error" => Expect::Error,
                ok => Expect::Ok(
                    ok.strip_prefix("ok ")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or_else(|| panic!("expected.tsv: `ok N` or `error`: {line:?}")),
                ),
            };
            assert!(
                expect != Expect::Error || !cols[2].is_empty(),
                "expected.tsv: an error case names a part of its message: {line:?}"
            );
            Case {
                file: cols[0].to_string(),
                expect,
                message: cols[2].to_string(),
            }
        })
        .collect()
}

/// Every file under `dir`, relative to it, with `/`.
fn files(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, base, out);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push(rel);
        }
    }
}

#[test]
fn every_case_has_an_expectation_and_every_expectation_a_case() {
    let mut found = Vec::new();
    files(&corpus(), &corpus(), &mut found);
    found.retain(|f| f != "README.md" && f != "expected.tsv");
    found.sort();
    let mut listed: Vec<String> = cases().into_iter().map(|c| c.file).collect();
    listed.sort();
    let unlisted: Vec<&String> = found.iter().filter(|f| !listed.contains(f)).collect();
    let missing: Vec<&String> = listed.iter().filter(|f| !found.contains(f)).collect();
    assert!(
        unlisted.is_empty(),
        "cases without a line in expected.tsv: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "lines of expected.tsv without a file: {missing:?}"
    );
    let mut unique = listed.clone();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a case listed twice");
    assert!(listed.len() >= 200, "the corpus has {} cases", listed.len());
}

/// The `records` and `source_files` a data folder's store holds.
fn stored(data: &Path) -> (u64, u64) {
    let out = fonds(data, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        v["store"]["records"].as_u64().unwrap(),
        v["store"]["source_files"].as_u64().unwrap(),
    )
}

/// What is wrong with one case run alone, if anything.
fn check_alone(case: &Case, path: &Path) -> Option<String> {
    let data = tempfile::tempdir().unwrap();
    let out = fonds(data.path(), &["import", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (records, sources) = stored(data.path());
    let problem = match &case.expect {
        Expect::Ok(n) => {
            let warned = case.message.is_empty()
                || stderr
                    .lines()
                    .any(|l| l.starts_with("warning: ") && l.contains(&case.message));
            if out.status.code() != Some(0) {
                Some(format!("exit {:?}, wanted 0", out.status.code()))
            } else if !stdout.starts_with(&format!("1 files (0 failed), {n} records")) {
                Some(format!("wanted {n} records: {stdout}"))
            } else if records != *n {
                Some(format!("the store holds {records} records, wanted {n}"))
            } else if !warned {
                Some(format!("no warning with {:?}", case.message))
            } else {
                None
            }
        }
        Expect::Error => {
            let error = stderr
                .lines()
                .find(|l| l.starts_with("error: "))
                .unwrap_or_default();
            if out.status.code() != Some(1) {
                Some(format!("exit {:?}, wanted 1", out.status.code()))
            } else if !error.starts_with(&format!("error: {name}: ")) {
                Some(format!(
                    "the error does not start with the file's name: {error:?}"
                ))
            } else if !error.contains(&case.message) {
                Some(format!("the error lacks {:?}: {error:?}", case.message))
            } else if (records, sources) != (0, 0) {
                Some(format!(
                    "a failed file left {records} records and {sources} source files in the store"
                ))
            } else {
                None
            }
        }
    };
    problem.map(|p| format!("{}: {p}\n  stderr: {}", case.file, stderr.trim()))
}

#[test]
fn each_case_alone_does_what_expected_tsv_says() {
    let cases = cases();
    let next = Mutex::new(cases.iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some(case) = next.lock().unwrap().next() else {
                        break;
                    };
                    if let Some(f) = check_alone(case, &corpus().join(&case.file)) {
                        failures.lock().unwrap().push(f);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases did not do what expected.tsv says:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_whole_corpus_in_one_import_fails_each_bad_file_alone() {
    let data = tempfile::tempdir().unwrap();
    let out = fonds(data.path(), &["import", corpus().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let cases = cases();
    let bad = cases.iter().filter(|c| c.expect == Expect::Error).count();
    let records: u64 = cases
        .iter()
        .map(|c| match c.expect {
            Expect::Ok(n) => n,
            Expect::Error => 0,
        })
        .sum();
    assert!(
        stdout.starts_with(&format!(
            "{} files ({bad} failed), {records} records: {records} new",
            cases.len()
        )),
        "{stdout}"
    );
    // Each bad file is named with its own error.
    for case in cases.iter().filter(|c| c.expect == Expect::Error) {
        let prefix = format!("error: malformed/{}: ", case.file);
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&prefix) && l.contains(&case.message)),
            "no {prefix}…{:?} in the batch's errors",
            case.message
        );
    }
    assert_eq!(stored(data.path()).0, records);
    // The archive is whole: every stored record is in the index.
    let check = fonds(data.path(), &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// Inputs too big to commit, made in a temporary folder: each with the error it must give.
#[test]
fn huge_inputs_fail_at_their_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mib = 1 << 20;
    let volume = |docs: &str| {
        format!(
            "<?xml version=\"1.0\"?>\n<TEI xmlns=\"http://www.tei-c.org/ns/1.0\" xml:id=\"frusHuge\">\
             <text><body>{docs}</body></text></TEI>\n"
        )
    };
    let made: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "line-65mib.jsonl",
            vec![b'x'; 65 * mib],
            "line 1: a line longer than 67,108,864 bytes (the limit)",
        ),
        (
            "body-17mib.jsonl",
            format!(
                "{{\"id\":\"huge-1\",\"title\":\"T\",\"texts\":[{{\"role\":\"transcript\",\"lang\":\"en\",\"body\":\"{}\"}}]}}\n",
                "a".repeat(17 * mib)
            )
            .into_bytes(),
            "line 1, field `texts[0].body`: record `huge-1`: 17,825,792 bytes, longer than 16 MiB (the limit)",
        ),
        (
            "title-2mib.jsonl",
            format!("{{\"id\":\"huge-2\",\"title\":\"{}\"}}\n", "t".repeat(2 * mib)).into_bytes(),
            "line 1, field `title`: record `huge-2`: 2,097,152 bytes, longer than 1 MiB (the limit)",
        ),
        (
            "attributes-100000.xml",
            volume(&format!(
                "<div type=\"document\" xml:id=\"d1\"><p{}>x</p></div>",
                (0..100_000).map(|i| format!(" a{i}=\"v\"")).collect::<String>()
            ))
            .into_bytes(),
            "more than 64 attributes on one element (the limit)",
        ),
        (
            "elements-200001.xml",
            volume(&format!(
                "<div type=\"document\" xml:id=\"d1\"><p>{}</p></div>",
                "<lb/>".repeat(200_000)
            ))
            .into_bytes(),
            "more than 200,000 elements in one div[@type='document'] (the limit); it started at line 2",
        ),
        (
            "text-17mib.xml",
            volume(&format!(
                "<div type=\"document\" xml:id=\"d1\"><head>H</head><p>{}</p></div>",
                "word ".repeat(17 * mib / 5)
            ))
            .into_bytes(),
            "field `texts[0].body`: record `frusHuge-d1`: 17,825,789 bytes, longer than 16 MiB (the limit)",
        ),
        (
            "field-17mib.csv",
            format!("id,title\nhuge-3,\"{}\"\n", "t".repeat(17 * mib)).into_bytes(),
            "row 1, column \"title\" (line 2): a field longer than 16 MiB (the limit)",
        ),
        // Parsed as archival references, 16 MiB took seconds before being refused.
        (
            "source-2mib.csv",
            format!("record_id,title,source\n5,T,\"{}\"\n", "Word ".repeat(2 * mib / 5 + 1))
                .into_bytes(),
            "row 1, column \"source\" (line 2): 2,097,155 bytes, longer than 1 MiB (the limit for a field that is no text)",
        ),
        (
            "source-2mib.json",
            format!(
                "{{\"id\": 6, \"title\": \"T\", \"source\": \"{}\"}}",
                "Word ".repeat(2 * mib / 5 + 1)
            )
            .into_bytes(),
            "top level, field `source`: 2,097,154 bytes, longer than 1 MiB (the limit)",
        ),
        (
            "authors-100001.jsonl",
            format!(
                "{{\"id\":\"huge-4\",\"title\":\"T\",\"authors\":[{}\"A\"]}}\n",
                "\"A\",".repeat(100_000)
            )
            .into_bytes(),
            "line 1, field `authors`: record `huge-4`: 100,001 items, more than 100,000 (the limit)",
        ),
        (
            "extra-100001.jsonl",
            format!(
                "{{\"id\":\"huge-5\",\"title\":\"T\",\"extra\":{{{}\"k\":\"v\"}}}}\n",
                (0..100_000).map(|i| format!("\"k{i}\":\"v\",")).collect::<String>()
            )
            .into_bytes(),
            "line 1, field `extra`: record `huge-5`: 100,001 items, more than 100,000 (the limit)",
        ),
        (
            "cell-100001-items.csv",
            format!("id,title,authors\nhuge-6,T,{}A\n", "A;".repeat(100_000)).into_bytes(),
            "row 1, column \"authors\": 100,001 items, more than 100,000 (the limit)",
        ),
        (
            "array-100001.json",
            format!("[{}0]", "0,".repeat(100_000)).into_bytes(),
            "an array of more than 100,000 items (the limit)",
        ),
        (
            "columns-100000.csv",
            format!("id,title,{}\n", (0..100_000).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",")).into_bytes(),
            "header (line 1): more than 1,000 fields in one row (the limit)",
        ),
    ];
    let page = |body: &str, source: &str| {
        format!(
            "Skip to content\n\nOctober 1, 1950\n\nLetter, A to B\n\n{body}\n\n\
             Document Information\n\nSource\n\n{source}\n\nRecord ID\n\n123\n"
        )
        .into_bytes()
    };
    let made = made.into_iter().map(|(n, b, m)| (n, b, m, Expect::Error)).chain([
        (
            "page-20mib.txt",
            page(&"word ".repeat(4 * mib), "RGASPI."),
            "record `wcda-123`, field `texts[0].body`: 20,971,519 bytes, longer than 16 MiB (the limit)",
            Expect::Error,
        ),
        // 200,000 blanks in a source: the credits were sought from every position (minutes).
        (
            "page-blank-source.txt",
            page("Text.", &format!("RGASPI.{}Translated by X.", " ".repeat(200_000))),
            "",
            Expect::Ok(1),
        ),
    ]);
    for (name, bytes, message, expect) in made {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let case = Case {
            file: name.to_string(),
            expect,
            message: message.to_string(),
        };
        if let Some(failure) = check_alone(&case, &path) {
            panic!("{failure}");
        }
        std::fs::remove_file(&path).unwrap();
    }
}

/// Filesystem oddities, made at run time (they cannot be committed): FIFOs, sockets, devices,
/// links out of the tree, into it, in a loop and to nowhere, a folder with a file's name, a
/// sparse file past its limit. One import of the folder must end (no FIFO may hang it), fail
/// each odd thing alone, naming it, and import the good files once each.
#[cfg(unix)]
#[test]
fn filesystem_oddities_fail_alone_and_never_hang_the_import() {
    use std::os::unix::fs::symlink;
    let top = tempfile::tempdir().unwrap();
    let root = top.path().join("in");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::create_dir_all(root.join("folder.jsonl")).unwrap();
    std::fs::write(
        root.join("good.jsonl"),
        "{\"id\":\"fs-1\",\"title\":\"Good\"}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("folder.jsonl/inner.jsonl"),
        "{\"id\":\"fs-2\",\"title\":\"Inside a folder named like a file\"}\n",
    )
    .unwrap();
    std::fs::write(
        top.path().join("outside.jsonl"),
        "{\"id\":\"fs-3\",\"title\":\"Out\"}\n",
    )
    .unwrap();
    let fifo = root.join("pipe.jsonl");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let _socket = std::os::unix::net::UnixListener::bind(root.join("socket.jsonl")).unwrap();
    symlink("/dev/zero", root.join("zero.jsonl")).unwrap();
    symlink("/dev/null", root.join("null.xml")).unwrap();
    symlink("/proc/self", root.join("proc")).unwrap();
    symlink(top.path().join("outside.jsonl"), root.join("out.jsonl")).unwrap();
    symlink("/nonexistent/nowhere.json", root.join("broken.json")).unwrap();
    symlink(&root, root.join("sub/up")).unwrap();
    symlink(root.join("good.jsonl"), root.join("sub/again.jsonl")).unwrap();
    std::fs::File::create(root.join("huge.txt"))
        .unwrap()
        .set_len(65 << 20)
        .unwrap();

    let data = top.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(&data)
        .arg("import")
        .arg(&root)
        .arg("/dev/null")
        .arg(top.path().join("missing.jsonl"))
        .env_remove("FONDS_DATA")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the import hung on a filesystem oddity");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for (name, why) in [
        ("pipe.jsonl", "a FIFO: only regular files are imported"),
        ("socket.jsonl", "a socket: only regular files are imported"),
        (
            "zero.jsonl",
            "a symbolic link to /dev/zero, outside the folder being imported",
        ),
        (
            "null.xml",
            "a symbolic link to /dev/null, outside the folder being imported",
        ),
        ("proc", "outside the folder being imported"),
        ("out.jsonl", "outside the folder being imported"),
        ("broken.json", "a symbolic link that leads nowhere"),
        (
            "huge.txt",
            "larger than 64 MiB, the limit for a WCDA page file",
        ),
        (
            "/dev/null",
            "a device: only regular files and folders are imported",
        ),
        ("missing.jsonl", "No such file or directory"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("error: ") && l.contains(name) && l.contains(why)),
            "{name}: expected an error saying {why:?}; stderr:\n{stderr}"
        );
    }
    // The good files, once each (the link to one inside the tree is the same file; the link
    // back up the tree is not walked again).
    assert!(stdout.contains("(10 failed), 2 records: 2 new"), "{stdout}");
    let (records, _) = stored(&data);
    assert_eq!(records, 2);
}
