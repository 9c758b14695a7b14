//! Power loss, simulated: `fonds import` of real FRUS volumes killed with SIGKILL under the
//! fault-injecting VFS, then every write it had not synced taken back; each file it printed
//! "committed" must be there, whole and exact, and the archive must carry on by itself.
//!
//! Needs the `fault-injection` feature (`scripts/test.sh` turns it on):
//!
//!     cargo test --features fault-injection --test powerloss -- --nocapture
//!
//! Without it both tests skip with a message (and fail under `FONDS_TEST_TOOLS=required`, as
//! `scripts/test.sh` runs them, so that CI cannot skip them unnoticed). `FONDS_POWERLOSS_ROUNDS`
//! sets the rounds of the `synchronous=FULL` test (default 20), `FONDS_POWERLOSS_SEED` the seed
//! (printed by every run, to replay one). The control runs the same rounds with
//! `synchronous=NORMAL` and must see acknowledged files lost: the proof that the harness can see a
//! loss when there is one.

const FEATURE_MISSING: &str = "the power-loss tests need the `fault-injection` feature \
     (cargo test --features fault-injection --test powerloss)";

/// Skips (or, under `FONDS_TEST_TOOLS=required`, fails) when the feature is off.
fn feature_on() -> bool {
    if cfg!(feature = "fault-injection") {
        return true;
    }
    assert!(
        std::env::var("FONDS_TEST_TOOLS").as_deref() != Ok("required"),
        "{FEATURE_MISSING}; scripts/test.sh must pass it"
    );
    eprintln!("skipped: {FEATURE_MISSING}");
    false
}

#[test]
fn no_acknowledged_file_is_lost_in_a_power_loss() {
    if feature_on() {
        full_rounds();
    }
}

#[test]
fn with_synchronous_normal_acknowledged_files_are_lost_so_the_harness_sees_loss() {
    if feature_on() {
        normal_rounds();
    }
}

/// The store as it runs (`synchronous=FULL`, not overridden): whatever the power loss,
/// nothing acknowledged is lost.
fn full_rounds() {
    #[cfg(feature = "fault-injection")]
    {
        let rounds = harness::env_number("FONDS_POWERLOSS_ROUNDS", 20);
        let tally = harness::run(None, rounds);
        assert!(
            tally.kills > 0,
            "no import was killed while it ran: {tally}"
        );
        assert!(
            tally.files_acknowledged > 0,
            "no file was acknowledged before a kill, so nothing was checked: {tally}"
        );
        assert_eq!(
            tally.files_lost, 0,
            "synchronous=FULL lost acknowledged files: {tally}"
        );
    }
}

/// The control: NORMAL does not sync a commit, so some acknowledged files must be lost.
fn normal_rounds() {
    #[cfg(feature = "fault-injection")]
    {
        let rounds = harness::env_number("FONDS_POWERLOSS_CONTROL_ROUNDS", 8);
        let tally = harness::run(Some("NORMAL"), rounds);
        assert!(
            tally.files_lost > 0,
            "synchronous=NORMAL lost no acknowledged file in {rounds} rounds: the harness may be \
             blind to loss: {tally}"
        );
    }
}

#[cfg(feature = "fault-injection")]
mod harness {
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock, mpsc};
    use std::time::{Duration, Instant, SystemTime};

    use fonds::archive::{Archive, OpenOptions, Repair};
    use fonds::store::fault_vfs::{self, Loss, LossReport};
    use serde_json::Value;

    /// The notices that say the index was repaired (`fonds::archive::Notice`).
    const REPAIRED: [&str; 2] = [
        "the index was behind the store",
        "the index was rebuilt from the store",
    ];

    pub fn env_number(name: &str, default: usize) -> usize {
        match std::env::var(name) {
            Ok(v) => v
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v}: expected a number")),
            Err(_) => default,
        }
    }

    /// What the rounds saw.
    #[derive(Debug, Default)]
    pub struct Tally {
        sync: String,
        seed: u64,
        rounds: usize,
        /// Imports started under the shim.
        imports: usize,
        /// Of them, killed by SIGKILL while they ran.
        pub kills: usize,
        /// Files printed "committed" before a kill.
        pub files_acknowledged: usize,
        /// Their records compared with the reference.
        records_checked: usize,
        /// Acknowledged files absent after the power loss, and their records.
        pub files_lost: usize,
        records_lost: usize,
        /// Files committed but not yet printed when the kill came (present, and exact).
        unacknowledged_present: usize,
        /// Writes and truncations the power losses took back, kept, tore.
        undone: u64,
        kept: u64,
        torn: u64,
        bytes_restored: u64,
        /// Index files removed or cut short after the kill, and indexes damaged outright.
        index_files_lost: usize,
        index_rolled_back: usize,
        index_damaged: usize,
        /// Times the next command said it caught the index up or rebuilt it.
        index_repairs: usize,
        /// Lost files by the position of the acknowledgement the kill followed.
        lost_after_ack: BTreeMap<usize, usize>,
        seconds: f64,
    }

    impl std::fmt::Display for Tally {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "synchronous={} seed={}: {} rounds, {} imports under the shim, {} killed; \
                 {} files acknowledged, {} records checked; {} acknowledged files lost ({} records){}; \
                 {} files committed but not yet acknowledged, present and exact; \
                 power losses undid {} writes, kept {}, tore {} ({:.1} MB put back); \
                 index: {} files lost, {} commits lost (meta.json back to an earlier one), {} \
                 damaged outright, {} repairs said so; {:.0} s",
                self.sync,
                self.seed,
                self.rounds,
                self.imports,
                self.kills,
                self.files_acknowledged,
                self.records_checked,
                self.files_lost,
                self.records_lost,
                if self.lost_after_ack.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (by the acknowledgement killed after: {:?})",
                        self.lost_after_ack
                    )
                },
                self.unacknowledged_present,
                self.undone,
                self.kept,
                self.torn,
                self.bytes_restored as f64 / 1e6,
                self.index_files_lost,
                self.index_rolled_back,
                self.index_damaged,
                self.index_repairs,
                self.seconds,
            )
        }
    }

    /// The volumes imported: the bundled one, and the two smallest of the shared corpus.
    fn volumes() -> &'static [PathBuf] {
        static VOLUMES: OnceLock<Vec<PathBuf>> = OnceLock::new();
        VOLUMES.get_or_init(|| {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let bundled = root.join("corpus/frus/frus1894Nicaragua.xml");
            let mut shared: Vec<(u64, PathBuf)> =
                std::fs::read_dir(root.join("../shared/corpus/frus"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "xml")
                            && p.file_name() != bundled.file_name()
                    })
                    .map(|p| (std::fs::metadata(&p).map_or(u64::MAX, |m| m.len()), p))
                    .collect();
            shared.sort();
            if shared.is_empty() {
                eprintln!(
                    "note: ../shared/corpus/frus is not there: only the bundled volume is imported"
                );
            }
            std::iter::once(bundled)
                .chain(shared.into_iter().take(2).map(|(_, p)| p))
                .collect()
        })
    }

    /// The archive made without faults: every record's exported line, the records of each file,
    /// and how long the import took.
    struct Reference {
        lines: BTreeMap<String, String>,
        files: BTreeMap<String, Vec<String>>,
        seconds: f64,
    }

    fn reference() -> &'static Reference {
        static REFERENCE: OnceLock<Reference> = OnceLock::new();
        REFERENCE.get_or_init(|| {
            let data = tempfile::tempdir().unwrap();
            let started = Instant::now();
            let out = ok(fonds(data.path(), &import_args()));
            let seconds = started.elapsed().as_secs_f64();
            let lines = export(data.path()).expect("the reference exports");
            let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (id, line) in &lines {
                let record: Value = serde_json::from_str(line).unwrap();
                let file = record["provenance"]["source_file"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{id} names no source file"));
                files.entry(file.to_string()).or_default().push(id.clone());
            }
            // Each file the import reported is known by the records it brought.
            let reported: BTreeMap<String, usize> = out
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["status"] == "committed")
                .map(|v| {
                    (
                        v["file"].as_str().unwrap().to_string(),
                        v["new"].as_u64().unwrap() as usize,
                    )
                })
                .collect();
            assert_eq!(reported.len(), volumes().len(), "{out}");
            for (file, new) in &reported {
                assert_eq!(files.get(file).map(Vec::len), Some(*new), "{file}");
            }
            assert_eq!(files.len(), reported.len());
            Reference {
                lines,
                files,
                seconds,
            }
        })
    }

    fn import_args() -> Vec<String> {
        let mut args = vec!["import".to_string(), "--json".to_string()];
        args.extend(volumes().iter().map(|p| p.display().to_string()));
        args
    }

    /// `fonds --data DATA ARGS…`, without faults.
    fn fonds(data: &Path, args: &[String]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fonds"));
        cmd.arg("--data").arg(data).args(args);
        clean_env(&mut cmd);
        cmd.output().expect("the fonds binary runs")
    }

    fn clean_env(cmd: &mut Command) {
        cmd.env_remove("FONDS_DATA")
            .env_remove(fault_vfs::JOURNAL_ENV)
            .env_remove(fault_vfs::SYNCHRONOUS_ENV);
    }

    #[track_caller]
    fn ok(o: Output) -> String {
        assert!(
            o.status.success(),
            "fonds failed: {}\nstdout: {}\nstderr: {}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }

    /// Every record's line of `fonds export`, by id; `None` when there is no archive yet.
    fn export(data: &Path) -> Option<BTreeMap<String, String>> {
        let o = fonds(data, &["export".into(), "--format".into(), "jsonl".into()]);
        if !o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no archive") {
            return None;
        }
        let out = ok(o);
        Some(
            out.lines()
                .map(|line| {
                    let v: Value = serde_json::from_str(line).unwrap();
                    (v["id"].as_str().unwrap().to_string(), line.to_string())
                })
                .collect(),
        )
    }

    /// When to kill the import.
    #[derive(Debug, Clone, Copy)]
    enum Kill {
        /// This long after it started.
        At(Duration),
        /// Right after it acknowledged its `n`th file, plus a little.
        AfterAck(usize, Duration),
    }

    /// What a killed import printed.
    struct Killed {
        /// Files printed "committed", in order.
        acknowledged: Vec<String>,
        /// Whether SIGKILL ended it (or it had finished).
        killed: bool,
        /// The live index generation's `meta.json` as it changed while the import ran.
        metas: Vec<(PathBuf, Vec<u8>)>,
    }

    /// Runs the import under the shim (with `synchronous` overridden to `sync`, if given) and
    /// kills it as `kill` says.
    fn import_killed(data: &Path, journal: &Path, sync: Option<&str>, kill: Kill) -> Killed {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fonds"));
        cmd.arg("--data").arg(data).args(import_args());
        clean_env(&mut cmd);
        if let Some(sync) = sync {
            cmd.env(fault_vfs::SYNCHRONOUS_ENV, sync);
        }
        let mut child = cmd
            .env(fault_vfs::JOURNAL_ENV, journal)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fonds import");
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = {
            let (stop, root) = (Arc::clone(&stop), data.join("index"));
            std::thread::spawn(move || watch_meta(&root, &stop))
        };
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line.clone());
                lines.push(line);
            }
            lines
        });
        match kill {
            Kill::At(after) => std::thread::sleep(after.saturating_sub(started.elapsed())),
            Kill::AfterAck(n, extra) => {
                let mut seen = 0;
                while seen < n {
                    match rx.recv() {
                        Ok(line) if line.contains(r#""status":"committed""#) => seen += 1,
                        Ok(_) => {}
                        Err(_) => break, // it ended
                    }
                }
                std::thread::sleep(extra);
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        let metas = watcher.join().unwrap();
        let lines = reader.join().unwrap();
        let mut acknowledged = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str::<Value>(line) {
                Ok(v) if v["status"] == "committed" => {
                    acknowledged.push(v["file"].as_str().unwrap().to_string())
                }
                Ok(_) => {}
                // Only the last line can have been cut by the kill.
                Err(e) => assert_eq!(i + 1, lines.len(), "line {i} is not JSON ({e}): {line}"),
            }
        }
        assert!(
            status.signal() == Some(libc::SIGKILL) || status.success(),
            "the import failed on its own: {status}: {lines:?}"
        );
        Killed {
            acknowledged,
            killed: status.signal() == Some(libc::SIGKILL),
            metas,
        }
    }

    /// The live generation's `meta.json` under the index folder `root`.
    fn live_meta(root: &Path) -> Option<PathBuf> {
        let live = std::fs::read_to_string(root.join("CURRENT")).ok()?;
        Some(root.join(live.trim()).join("meta.json"))
    }

    /// Every version of the live `meta.json` seen until `stop`, polled (tantivy replaces it
    /// by a rename, so each read is one whole version).
    fn watch_meta(root: &Path, stop: &AtomicBool) -> Vec<(PathBuf, Vec<u8>)> {
        let mut seen: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        loop {
            let last = stop.load(Ordering::Relaxed);
            if let Some(meta) = live_meta(root)
                && let Ok(bytes) = std::fs::read(&meta)
                && seen.last().is_none_or(|(p, b)| *p != meta || *b != bytes)
            {
                seen.push((meta, bytes));
            }
            if last {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// What the index lost in the power loss. Files written after its last commit (newer than
    /// `CURRENT` and the live generation's `meta.json`; tantivy syncs a segment's files before
    /// it commits) are deleted, cut short or kept, at random; files replaced by a rename
    /// (`meta.json`, `.managed.json`, `CURRENT`) are kept whole. Then, one time in three,
    /// `meta.json` goes back to an earlier version seen in `metas` (tantivy does not sync the
    /// folder after renaming it into place, so the rename may be lost): an older commit, whose
    /// segments may since have been merged away. With `damage`, beyond that model, the live
    /// `meta.json` is cut in half or `CURRENT` deleted: the index is unusable and must be
    /// rebuilt. Returns how many files were touched, and whether `meta.json` went back.
    fn lose_index(
        data: &Path,
        rng: &mut Rng,
        metas: &[(PathBuf, Vec<u8>)],
        damage: bool,
    ) -> (usize, bool) {
        let root = data.join("index");
        let live = std::fs::read_to_string(root.join("CURRENT"))
            .ok()
            .map(|s| root.join(s.trim()));
        let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let committed = [
            mtime(&root.join("CURRENT")),
            live.as_ref().and_then(|l| mtime(&l.join("meta.json"))),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut touched = 0;
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if ["meta.json", ".managed.json", "CURRENT"].contains(&name.as_str())
                || mtime(&path).is_none_or(|t| t <= committed)
            {
                continue;
            }
            match rng.below(3) {
                0 => {
                    std::fs::remove_file(&path).unwrap();
                    touched += 1;
                }
                1 => {
                    let len = std::fs::metadata(&path).unwrap().len();
                    let cut = rng.below(len / 4096 + 1) * 4096;
                    if cut < len {
                        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                        f.set_len(cut).unwrap();
                        touched += 1;
                    }
                }
                _ => {}
            }
        }
        let mut rolled_back = false;
        if let Some(meta) = live_meta(&root)
            && rng.below(3) == 0
        {
            let now = std::fs::read(&meta).ok();
            let earlier: Vec<_> = metas
                .iter()
                .filter(|(p, b)| *p == meta && Some(b) != now.as_ref())
                .collect();
            if !earlier.is_empty() {
                let (_, bytes) = earlier[rng.below(earlier.len() as u64) as usize];
                std::fs::write(&meta, bytes).unwrap();
                rolled_back = true;
            }
        }
        if damage {
            match (&live, rng.below(2)) {
                (Some(live), 0) if live.join("meta.json").exists() => {
                    let meta = live.join("meta.json");
                    let len = std::fs::metadata(&meta).unwrap().len();
                    let f = std::fs::OpenOptions::new().write(true).open(&meta).unwrap();
                    f.set_len(len / 2).unwrap();
                }
                _ => {
                    let _ = std::fs::remove_file(root.join("CURRENT"));
                }
            }
        }
        (touched, rolled_back)
    }

    /// Whether the index lacks something the store has, or cannot be used: the next command
    /// must then repair it, and say so. Asked the way a server opens an archive, which never
    /// repairs on reading.
    fn index_needs_repair(data: &Path) -> bool {
        let options = OpenOptions {
            repair: Repair::InMaintenance,
            ..OpenOptions::default()
        };
        match Archive::open_read_only_with(data, options) {
            Ok(archive) => archive.check().map_or(true, |c| !c.is_consistent()),
            Err(_) => false, // no store yet: nothing to index
        }
    }

    /// Checks what a power loss left against the reference: every record present is exact,
    /// every file is there whole or not at all, and the `acknowledged` ones are there (a lost
    /// one is counted; FULL then fails). Returns the files present.
    fn check_store(
        data: &Path,
        acknowledged: &BTreeSet<String>,
        sync: &str,
        round: &str,
        tally: &mut Tally,
        lost_after: Option<usize>,
    ) -> BTreeSet<String> {
        let reference = reference();
        let exported = export(data).unwrap_or_default();
        for (id, line) in &exported {
            let expected = reference
                .lines
                .get(id)
                .unwrap_or_else(|| panic!("{round}: record {id} is not in the reference"));
            assert_eq!(
                line, expected,
                "{round}: record {id} differs from the reference"
            );
        }
        let mut present = BTreeSet::new();
        for (file, ids) in &reference.files {
            let there = ids.iter().filter(|id| exported.contains_key(*id)).count();
            assert!(
                there == 0 || there == ids.len(),
                "{round}: {file} is half-committed: {there} of its {} records are there",
                ids.len()
            );
            if there > 0 {
                present.insert(file.clone());
            }
            if acknowledged.contains(file) {
                if there == 0 {
                    tally.files_lost += 1;
                    tally.records_lost += ids.len();
                    if let Some(n) = lost_after {
                        *tally.lost_after_ack.entry(n).or_default() += 1;
                    }
                    eprintln!("{round}: synchronous={sync}: acknowledged {file} was lost");
                } else {
                    tally.records_checked += ids.len();
                }
            }
        }
        present
    }

    /// Rounds of: import under the shim, SIGKILL, power loss, checks; then the next commands.
    /// `sync` overrides the store's `synchronous` (FULL); without it, any acknowledged file lost
    /// fails the test at once.
    pub fn run(sync: Option<&str>, rounds: usize) -> Tally {
        let shown = sync.unwrap_or("the store's own (FULL)");
        let seed = match std::env::var("FONDS_POWERLOSS_SEED") {
            Ok(s) => s.parse().expect("FONDS_POWERLOSS_SEED: a number"),
            Err(_) => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64,
        };
        eprintln!(
            "power loss, synchronous={shown}: seed {seed} (FONDS_POWERLOSS_SEED={seed} replays it)"
        );
        let mut rng = Rng(seed ^ if sync.is_none() { 0 } else { 0x5eed });
        let reference = reference();
        let started = Instant::now();
        let files = volumes().len();
        let mut tally = Tally {
            sync: shown.into(),
            seed,
            rounds,
            ..Tally::default()
        };
        let tmp = tempfile::tempdir().unwrap();
        for r in 0..rounds {
            let data = tmp.path().join(format!("round-{r}"));
            let journal = tmp.path().join(format!("journal-{r}"));
            let mut acknowledged = BTreeSet::new();
            let mut last_present = BTreeSet::new();
            // Every fourth round, a second killed import on what the first left.
            let imports = if r % 4 == 3 { 2 } else { 1 };
            for i in 0..imports {
                let round = format!("round {r}, import {}", i + 1);
                // Half the kills right after an acknowledgement (each position in turn: the
                // moment NORMAL has not synced yet), half at any moment of the import.
                let kill = if (r + i) % 2 == 0 {
                    Kill::AfterAck((r / 2 + i) % files + 1, Duration::from_millis(rng.below(5)))
                } else {
                    let span = reference.seconds * 1.2;
                    Kill::At(Duration::from_secs_f64(span * rng.unit()))
                };
                let loss = if rng.below(3) == 0 {
                    Loss::Reordered(rng.next())
                } else {
                    Loss::Unsynced
                };
                let killed = import_killed(&data, &journal, sync, kill);
                tally.imports += 1;
                tally.kills += usize::from(killed.killed);
                tally.files_acknowledged += killed.acknowledged.len();
                acknowledged.extend(killed.acknowledged.iter().cloned());
                if journal.exists() {
                    let report: LossReport = fault_vfs::apply_power_loss(&journal, loss)
                        .unwrap_or_else(|e| panic!("{round}: applying the power loss: {e}"));
                    tally.undone += report.undone;
                    tally.kept += report.kept;
                    tally.torn += report.torn;
                    tally.bytes_restored += report.bytes_restored;
                } else {
                    // It never opened the store: the power still takes the shared memory.
                    let _ = std::fs::remove_file(data.join("fonds.sqlite3-shm"));
                }
                let damage = rng.below(5) == 0;
                let (lost, rolled_back) = lose_index(&data, &mut rng, &killed.metas, damage);
                tally.index_files_lost += lost;
                tally.index_rolled_back += usize::from(rolled_back);
                tally.index_damaged += usize::from(damage);

                let lost_after = match kill {
                    Kill::AfterAck(n, _) if killed.acknowledged.len() == n => Some(n),
                    _ => None,
                };
                let present =
                    check_store(&data, &acknowledged, shown, &round, &mut tally, lost_after);
                tally.unacknowledged_present += present.difference(&acknowledged).count();
                if sync.is_none() {
                    let lost: Vec<_> = acknowledged.difference(&present).collect();
                    assert!(
                        lost.is_empty(),
                        "{round}: acknowledged files lost with synchronous=FULL: {lost:?} \
                         ({kill:?}, {loss:?}, seed {seed})"
                    );
                }
                // What the power loss took is not acknowledged any more: it may come back.
                acknowledged.retain(|f| present.contains(f));
                last_present = present;
            }
            // The next import, without faults, repairs the index by itself (and says so),
            // and completes the archive: then it is the reference exactly, and verified.
            let round = format!("round {r}, the import after");
            let needs_repair = index_needs_repair(&data);
            let import = fonds(&data, &import_args());
            let stderr = String::from_utf8_lossy(&import.stderr).into_owned();
            let out = ok(import);
            let said = REPAIRED.iter().any(|n| stderr.contains(n));
            assert!(
                said || !needs_repair || last_present.is_empty(),
                "{round}: the index needed repair and the import did not say so: {stderr}"
            );
            tally.index_repairs += usize::from(said);
            let committed = out
                .lines()
                .filter(|l| l.contains(r#""status":"committed""#))
                .count();
            assert_eq!(committed, files, "{round}: {out}");
            let verify = fonds(&data, &["verify".into(), "--json".into()]);
            let report: Value = serde_json::from_str(&ok(verify))
                .unwrap_or_else(|e| panic!("{round}: verify --json: {e}"));
            assert!(
                report["sqlite"].as_array().is_some_and(Vec::is_empty),
                "{round}: SQLite's integrity check: {report}"
            );
            let exported = export(&data).expect("an archive");
            assert!(
                exported == reference.lines,
                "{round}: the export differs from the reference ({} records, {} expected)",
                exported.len(),
                reference.lines.len()
            );
            std::fs::remove_dir_all(&data).unwrap();
        }
        tally.seconds = started.elapsed().as_secs_f64();
        eprintln!("power loss: {tally}");
        tally
    }

    /// SplitMix64: reproducible choices from the printed seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }

        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }
}
