//! The reader in headless Chromium: `tests/browser/reader.test.mjs` against a real `fonds demo`.
//!
//! Needs Node.js, Debian's Chromium (`$FONDS_CHROMIUM`, default `/usr/bin/chromium`) and
//! playwright-core in `tests/browser/node_modules` (`$FONDS_BROWSER_DIR`); `scripts/test.sh`
//! installs them. Without them this test skips, or fails under `FONDS_TEST_TOOLS=required`.
//! Screenshots land in `target/screenshots/`.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use support::{DemoServer, Tools, repo_root, run_bounded, shown};

/// The Node script's own watchdog stops it at 120 s; this is the backstop.
const BROWSER_TIME_LIMIT: Duration = Duration::from_secs(180);

#[test]
fn reader_in_headless_chromium() {
    let mut tools = Tools::new("browser tests");
    let node = tools.program("node", "Node.js");
    let chromium = tools.file(
        "FONDS_CHROMIUM",
        PathBuf::from("/usr/bin/chromium"),
        "Chromium",
    );
    let dir = tools.file(
        "FONDS_BROWSER_DIR",
        PathBuf::from("tests/browser"),
        "the browser tests",
    );
    let script = dir.join("reader.test.mjs");
    tools.path(
        dir.join("node_modules/playwright-core/package.json"),
        "playwright-core (`npm ci --prefix tests/browser`)",
    );
    if !tools.ready() {
        return;
    }

    let mut server = DemoServer::start();
    let screenshots = repo_root().join("target/screenshots");
    // No screenshot of an earlier run is left to be mistaken for this one's.
    let _ = std::fs::remove_dir_all(&screenshots);
    let run = run_bounded(
        Command::new(&node)
            .arg("--test-reporter=spec")
            .arg(&script)
            .arg(&server.url)
            .arg(&screenshots)
            .env("FONDS_CHROMIUM", &chromium)
            .env("NO_COLOR", "1")
            .current_dir(&dir),
        BROWSER_TIME_LIMIT,
    );
    server.assert_running();
    assert!(
        run.success(),
        "browser tests failed against {} ({}):\n{}\n--- server output ---\n{}",
        server.url,
        run.describe(),
        run.output,
        server.output()
    );
    eprintln!(
        "browser tests passed in {:.1}s; screenshots in {}",
        run.elapsed.as_secs_f64(),
        shown(&screenshots)
    );
}
