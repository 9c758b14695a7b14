//! Replays the fuzzers' committed corpora and crash regressions through the fuzz targets'
//! own bodies (`fuzz/src/lib.rs`, included here as a module), uninstrumented, in the ordinary
//! `cargo test`: every file must pass without a panic and within [`BUDGET`].
//!
//! `fuzz/corpus/<target>/` holds the minimized corpus of each target, `fuzz/regressions/<target>/`
//! the inputs that once crashed, hung or broke a property (each named in
//! docs/RELIABILITY.md, "Fuzzing"). A folder named after no target fails the test, so that a
//! renamed target cannot silently stop being replayed.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod fuzz_targets;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The most one input may take here: far above what any takes (a millisecond or so, in this
/// unoptimised build), far below a hang.
const BUDGET: Duration = Duration::from_secs(2);

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file under `fuzz/<kind>/<target>/`, by target.
fn inputs(kind: &str) -> Vec<(String, PathBuf)> {
    let root = fuzz_dir().join(kind);
    let mut out = Vec::new();
    let Ok(targets) = std::fs::read_dir(&root) else {
        return out;
    };
    for target in targets {
        let target = target.unwrap().path();
        if !target.is_dir() {
            continue;
        }
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (name.clone(), f)));
    }
    out
}

/// Runs each input through its target; returns how many ran. A panic fails the test with the
/// file's path; so does an input over [`BUDGET`].
fn replay(kind: &str) -> usize {
    let all = inputs(kind);
    // Untimed: the `query` target builds its index on its first call.
    for (_, run) in fuzz_targets::TARGETS {
        run(&[]);
    }
    let mut slow = Vec::new();
    for (target, path) in &all {
        let Some((_, run)) = fuzz_targets::TARGETS.iter().find(|(n, _)| n == target) else {
            panic!("{}: no fuzz target is named `{target}`", path.display());
        };
        let data = std::fs::read(path).unwrap();
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(|| run(&data));
        let took = start.elapsed();
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{}: the target panicked: {message}", path.display());
        }
        if took > BUDGET {
            slow.push(format!("{} ({took:?})", path.display()));
        }
    }
    assert!(slow.is_empty(), "inputs over {BUDGET:?}: {slow:#?}");
    all.len()
}

#[test]
fn every_committed_corpus_file_passes_its_target() {
    let n = replay("corpus");
    // Every target has a corpus.
    for (target, _) in fuzz_targets::TARGETS {
        assert!(
            fuzz_dir().join("corpus").join(target).is_dir(),
            "fuzz/corpus/{target} is missing"
        );
    }
    assert!(n > 0);
}

#[test]
fn every_crash_regression_passes_its_target() {
    replay("regressions");
}

/// Prints what a target makes of one input (a crash found by the fuzzer, say):
/// `FUZZ_SHOW=query:fuzz/artifacts/query/crash-… cargo test --test fuzz_corpus show -- --ignored --nocapture`.
#[test]
#[ignore = "a tool: run with FUZZ_SHOW=<target>:<file>"]
fn show() {
    let spec = std::env::var("FUZZ_SHOW").expect("FUZZ_SHOW=<target>:<file>");
    let (target, file) = spec.split_once(':').expect("FUZZ_SHOW=<target>:<file>");
    let data = std::fs::read(file).unwrap();
    println!("{}", fuzz_targets::show(target, &data));
    let run = fuzz_targets::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .unwrap()
        .1;
    run(&data);
}
