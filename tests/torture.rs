//! Crash torture: imports, reindexes and exports of real sources killed with SIGKILL at random
//! moments, and after every kill the archive checked as its users would rely on it.
//!
//! Each round runs one operation of the real `fonds` binary and kills it after a random delay
//! (or lets it finish, when it is quicker). Then:
//! - every file the import acknowledged (`fonds import --json` printed it `"committed"`) is in
//!   the store whole and exact: each of its records' JSON is byte for byte the reference's (an
//!   import of the same files that nobody killed);
//! - no file is half-committed: of every input file, all records or none are there;
//! - `fonds check` passes (repairing the index first if the kill left it unusable or behind,
//!   which it says) and the next operation works without any manual repair;
//! - an export killed half-way leaves no partial file, and export is deterministic.
//!
//! At the end of each series of rounds in one data folder, a last import without a kill must
//! give exactly the reference export, `fonds verify` must pass, and the index folder must hold
//! only the live generation.
//!
//! `FONDS_TORTURE_ROUNDS` (default 50) sets the number of rounds, `FONDS_TORTURE_SEED` replays a
//! run. The sources are the bundled corpus (a FRUS volume, WCDA pages, JSON and CSV) and JSON
//! Lines files cut from it, plus three FRUS volumes of `../shared/corpus/frus` when present.
//! `scripts/torture.sh` runs the documented long run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A small deterministic generator (xorshift64*), seeded from the clock unless replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

fn fonds(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fonds"));
    c.arg("--data").arg(data).env_remove("FONDS_DATA");
    c
}

#[track_caller]
fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "fonds failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every record of an export, by id.
fn records(export: &str) -> BTreeMap<String, String> {
    export
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            (v["id"].as_str().unwrap().to_string(), line.to_string())
        })
        .collect()
}

fn export(data: &Path) -> String {
    ok(fonds(data).arg("export").output().unwrap())
}

/// The sources: real files of every format, and JSON Lines files cut from them (new ids, so
/// they are records of their own) so that an import commits many files. The cut files come in
/// two versions (`cut/` and `cut-v2/`, the same names, every title changed), so that rounds
/// also make revisions.
fn inputs(work: &Path) -> Vec<PathBuf> {
    let corpus = root().join("corpus");
    let mut files = vec![
        corpus.join("frus/frus1894Nicaragua.xml"),
        corpus.join("wcda-pages/000_2d287dbd93c7e576.txt"),
        corpus.join("wcda-pages/001_6ac3a21e3d46086e.txt"),
        corpus.join("wcda-json/transcript.json"),
        corpus.join("wcda-csv/wilson_archive_sample.csv"),
    ];
    let shared = root().join("../shared/corpus/frus");
    if shared.is_dir() {
        for v in ["frus1861", "frus1870", "frus1918Russiav03"] {
            let p = shared.join(format!("{v}.xml"));
            if p.is_file() {
                files.push(p);
            }
        }
    } else {
        eprintln!(
            "note: {} not found: tortured on the bundled corpus only",
            shared.display()
        );
    }
    let first = work.join("cut-from");
    ok(fonds(&first)
        .arg("import")
        .args(&files[..5])
        .output()
        .unwrap());
    let lines: Vec<String> = export(&first)
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["id"] = format!("copy-{}", v["id"].as_str().unwrap()).into();
            v.to_string()
        })
        .collect();
    let (cut, cut2) = (work.join("cut"), work.join("cut-v2"));
    std::fs::create_dir_all(&cut).unwrap();
    std::fs::create_dir_all(&cut2).unwrap();
    for (i, part) in lines.chunks(10).enumerate() {
        let name = format!("part-{i:02}.jsonl");
        std::fs::write(cut.join(&name), part.join("\n") + "\n").unwrap();
        let revised: Vec<String> = part
            .iter()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).unwrap();
                v["title"] = format!("{} (revised)", v["title"].as_str().unwrap()).into();
                v.to_string()
            })
            .collect();
        std::fs::write(cut2.join(&name), revised.join("\n") + "\n").unwrap();
        files.push(cut.join(&name));
    }
    files
}

/// The second version of a file, if it has one.
fn revised(file: &Path) -> Option<PathBuf> {
    let parent = file.parent()?;
    let name = file.file_name()?;
    (parent.file_name()? == "cut").then(|| parent.with_file_name("cut-v2").join(name))
}

/// What one input file brings: its records' ids.
fn ids_by_file(reference: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, line) in reference {
        let v: Value = serde_json::from_str(line).unwrap();
        let file = v["provenance"]["source_file"].as_str().unwrap().to_string();
        by_file.entry(file).or_default().insert(id.clone());
    }
    by_file
}

/// The torture's folder: removed when the test passes, kept (and named) when it fails, with
/// the history of the rounds.
struct Workspace(PathBuf);

impl Workspace {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "torture: the data folders are kept in {} (history.txt: what each round did)",
                self.0.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Appends a line to the history of the rounds.
fn log(work: &Path, line: &str) {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(work.join("history.txt"))
        .unwrap();
    writeln!(f, "{line}").unwrap();
}

#[derive(Default, Debug)]
struct Tally {
    rounds: u64,
    kills: u64,
    acknowledged_files: u64,
    records_checked: u64,
    records_lost: u64,
    repairs_said: u64,
    exports_checked: u64,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Import = 0,
    Reindex = 1,
    Export = 2,
}

/// Runs `command`, killing it with SIGKILL after `delay` if it has not finished; returns its
/// output and whether it was killed.
fn run_killed(mut command: Command, delay: Duration) -> (Output, bool) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let mut killed = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() >= delay {
            child.kill().unwrap(); // SIGKILL
            killed = true;
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let output = Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    (output, killed)
}

#[test]
fn kills_at_random_moments_lose_nothing_acknowledged_and_need_no_repair_by_hand() {
    let rounds: u64 = std::env::var("FONDS_TORTURE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let seed: u64 = std::env::var("FONDS_TORTURE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("torture: {rounds} rounds, FONDS_TORTURE_SEED={seed}");
    let mut rng = Rng(seed);
    // Kept when the test fails, for a look at what the kills left.
    let work =
        Workspace(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("torture-{seed}")));
    let _ = std::fs::remove_dir_all(work.path());
    std::fs::create_dir_all(work.path()).unwrap();
    let files = inputs(work.path());

    // The reference: the same files imported by nobody's kill, and how long that takes.
    let reference_dir = work.path().join("reference");
    let started = Instant::now();
    ok(fonds(&reference_dir)
        .arg("import")
        .args(&files)
        .output()
        .unwrap());
    let import_time = started.elapsed();
    let reference_export = export(&reference_dir);
    let reference = records(&reference_export);
    let by_file = ids_by_file(&reference);
    let revised_files: Vec<PathBuf> = files.iter().filter_map(|f| revised(f)).collect();
    let revised_dir = work.path().join("reference-v2");
    ok(fonds(&revised_dir)
        .arg("import")
        .args(&revised_files)
        .output()
        .unwrap());
    let reference_v2 = records(&export(&revised_dir));
    let started = Instant::now();
    ok(fonds(&reference_dir).arg("reindex").output().unwrap());
    let reindex_time = started.elapsed();
    eprintln!(
        "torture: {} files, {} records; a clean import takes {import_time:?}, a reindex {reindex_time:?}",
        files.len(),
        reference.len()
    );

    let mut tally = Tally::default();
    // How long each operation last ran to its end here, to kill it somewhere inside.
    let mut typical = [import_time, reindex_time, reindex_time];
    let series_length = 10;
    let mut data = PathBuf::new();
    for round in 0..rounds {
        if round % series_length == 0 {
            if round > 0 {
                finish_series(&data, &files, &reference_export);
            }
            data = work.path().join(format!("series-{round}"));
        }
        tally.rounds += 1;
        let op = match rng.below(10) {
            0..=5 => Op::Import,
            6..=7 => Op::Reindex,
            _ => Op::Export,
        };
        let slot = op as usize;
        let delay = Duration::from_micros(rng.below(typical[slot].as_micros() as u64 * 6 / 5 + 1));
        let dump = data.join("dump.jsonl");
        let _ = std::fs::remove_file(&dump);
        let mut command = fonds(&data);
        match op {
            Op::Import => {
                // Each cut file in one of its versions, in a random order.
                let mut chosen: Vec<PathBuf> = files
                    .iter()
                    .map(|f| match revised(f) {
                        Some(v2) if rng.below(2) == 0 => v2,
                        _ => f.clone(),
                    })
                    .collect();
                rng.shuffle(&mut chosen);
                command.args(["import", "--json"]).args(&chosen);
            }
            Op::Reindex => {
                command.arg("reindex");
            }
            Op::Export => {
                command.args(["export", "--out"]).arg(&dump);
            }
        }
        if !data.join("fonds.sqlite3").exists() && !matches!(op, Op::Import) {
            // Nothing to reindex or export yet: import instead, unkilled.
            ok(fonds(&data)
                .arg("import")
                .args(&files[..1])
                .output()
                .unwrap());
        }
        let started = Instant::now();
        let (out, killed) = run_killed(command, delay);
        log(
            work.path(),
            &format!(
                "round {round} in {}: {op:?}, {} after {delay:?}; stderr: {}",
                data.display(),
                if killed { "killed" } else { "finished" },
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
        tally.kills += u64::from(killed);
        if !killed {
            ok(out.clone());
            typical[slot] = started.elapsed();
        }

        // The files acknowledged as committed.
        let acknowledged: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["status"] == "committed")
            .map(|v| v["file"].as_str().unwrap().to_string())
            .collect();
        tally.acknowledged_files += acknowledged.len() as u64;

        // `check` repairs what the kill left (and says so), then finds store and index agree.
        if !data.join("fonds.sqlite3").exists() {
            assert!(acknowledged.is_empty());
            continue;
        }
        let check = fonds(&data).arg("check").output().unwrap();
        let said = String::from_utf8_lossy(&check.stderr);
        tally.repairs_said += u64::from(said.contains("note: the index"));
        log(
            work.path(),
            &format!("round {round}: check: {}", said.trim()),
        );
        let check_out = ok(check);
        assert!(
            check_out.contains("ok: store and index agree"),
            "round {round} (seed {seed}): {check_out}"
        );

        // Acknowledged files whole and exact; every file all or nothing.
        let now_export = export(&data);
        let now = records(&now_export);
        for (file, ids) in &by_file {
            let present = ids.iter().filter(|id| now.contains_key(*id)).count();
            assert!(
                present == 0 || present == ids.len(),
                "round {round} (seed {seed}): {file} is half-committed: {present} of {} records",
                ids.len()
            );
            // Every record of a file is of one version of it: a commit is whole.
            let versions: BTreeSet<u8> = ids
                .iter()
                .filter_map(|id| now.get(id))
                .map(|line| u8::from(line.contains("(revised)")))
                .collect();
            assert!(
                versions.len() <= 1,
                "round {round} (seed {seed}): {file} mixes two versions"
            );
            if acknowledged.iter().any(|a| a == file) {
                for id in ids {
                    tally.records_checked += 1;
                    let expected = [reference.get(id), reference_v2.get(id)];
                    match now.get(id) {
                        Some(line) if expected.contains(&Some(line)) => {}
                        Some(line) => panic!(
                            "round {round} (seed {seed}): {id} is neither version of {file}:\n{line}"
                        ),
                        None => {
                            tally.records_lost += 1;
                            eprintln!(
                                "round {round} (seed {seed}): {id} of {file} was acknowledged and is lost"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(
            tally.records_lost, 0,
            "round {round} (seed {seed}) lost records"
        );
        // Export is deterministic, and a killed one left no partial file.
        assert_eq!(
            now_export,
            export(&data),
            "round {round}: export is deterministic"
        );
        if matches!(op, Op::Export) && dump.exists() {
            tally.exports_checked += 1;
            assert!(
                std::fs::read_to_string(&dump).unwrap() == now_export,
                "round {round} (seed {seed}): the export file is partial"
            );
        }
    }
    finish_series(&data, &files, &reference_export);
    eprintln!("torture: {tally:?}");
    assert_eq!(tally.records_lost, 0);
    assert!(
        tally.kills * 2 >= tally.rounds,
        "most rounds should kill something: {tally:?}"
    );
}

/// A last import nobody kills gives the reference exactly; `verify` passes; the index folder
/// holds only the live generation.
fn finish_series(data: &Path, files: &[PathBuf], reference_export: &str) {
    ok(fonds(data).arg("import").args(files).output().unwrap());
    assert_eq!(
        export(data),
        reference_export,
        "the finished series differs"
    );
    let verified = ok(fonds(data).arg("verify").output().unwrap());
    assert!(verified.contains("ok: every source file"), "{verified}");
    let mut entries: Vec<String> = std::fs::read_dir(data.join("index"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    entries.sort();
    assert_eq!(
        entries.len(),
        2,
        "garbage left in the index folder: {entries:?}"
    );
    assert_eq!(entries[0], "CURRENT");
    assert!(entries[1].starts_with("gen-"), "{entries:?}");
}
