//! The real server and the external test tools, shared by the browser and API-schema tests.
//!
//! [`DemoServer`] runs `fonds --data TMP demo --addr 127.0.0.1:0` and waits for its `listening on`
//! line; dropping it kills the server, on a panic too. [`Tools`] finds the programs a test needs
//! outside Rust (Chromium, Node and playwright-core, schemathesis): when one is missing the test is
//! skipped with a message, unless `FONDS_TEST_TOOLS=required` (set by `scripts/test.sh`), which
//! makes it fail instead. [`run_bounded`] runs one of them with a time limit.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long `fonds demo` may take to import the sample corpus and bind.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root (where `Cargo.toml` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `fonds demo` server on a free loopback port, over a data folder of its own.
pub struct DemoServer {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    child: Child,
    log: Arc<Mutex<String>>,
    _data: tempfile::TempDir,
}

impl DemoServer {
    /// Starts `fonds --data TMP demo --addr 127.0.0.1:0` and waits for `listening on URL`.
    ///
    /// Panics with everything the server printed if it exits or stays silent too long.
    pub fn start() -> DemoServer {
        let data = tempfile::tempdir().expect("a temporary data folder");
        let mut child = Command::new(env!("CARGO_BIN_EXE_fonds"))
            .arg("--data")
            .arg(data.path())
            .args(["demo", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start `fonds demo`");
        let log = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines_rx) = mpsc::channel();
        drain(
            child.stdout.take().unwrap(),
            "",
            Arc::clone(&log),
            Some(lines_tx),
        );
        drain(
            child.stderr.take().unwrap(),
            "[stderr] ",
            Arc::clone(&log),
            None,
        );

        // From here on the guard owns the child: a panic below still kills it.
        let mut server = DemoServer {
            url: String::new(),
            child,
            log,
            _data: data,
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines_rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        let url = url.trim().trim_end_matches('/');
                        assert!(
                            url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
                            "`fonds demo` printed an unexpected address: {line:?}\n{}",
                            server.output()
                        );
                        server.url = url.to_string();
                        return server;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "`fonds demo` printed no `listening on` line within {}s; its output:\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    server.output()
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Stdout closed: the server ended (or closed stdout) without binding.
                    thread::sleep(Duration::from_millis(200));
                    let status = match server.child.try_wait() {
                        Ok(Some(status)) => status.to_string(),
                        _ => "still running".to_string(),
                    };
                    panic!(
                        "`fonds demo` closed stdout before a `listening on` line ({status}); \
                         its output:\n{}",
                        server.output()
                    )
                }
            }
        }
    }

    /// Everything the server printed so far, stderr lines marked `[stderr]`.
    pub fn output(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Panics with the server's output if it is no longer running.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "the server ended during the test ({status}); its output:\n{}",
                self.output()
            );
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies `from` line by line into `log` (each prefixed) and, if given, into `lines`.
fn drain(
    from: impl Read + Send + 'static,
    prefix: &'static str,
    log: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) {
    thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            {
                let mut log = log.lock().unwrap();
                log.push_str(prefix);
                log.push_str(&line);
                log.push('\n');
            }
            if let Some(tx) = &lines {
                let _ = tx.send(line);
            }
        }
    });
}

/// What a run of an external program gave.
pub struct Outcome {
    /// Its exit status, or `None` if it was killed at the time limit.
    pub status: Option<ExitStatus>,
    /// Its stdout then its stderr.
    pub output: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Outcome {
    /// Whether it exited 0 in time.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// "exit status: 1", or "killed after 180s".
    pub fn describe(&self) -> String {
        match self.status {
            Some(status) => status.to_string(),
            None => format!("killed after {}s (time limit)", self.elapsed.as_secs()),
        }
    }
}

/// Runs `command` to its end, or kills it after `limit`; its output is collected meanwhile.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Outcome {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let read_all = |mut from: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().unwrap()));
    let stderr = read_all(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        match child.try_wait().expect("wait for a child process") {
            Some(status) => break Some(status),
            None if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => thread::sleep(Duration::from_millis(100)),
        }
    };
    let mut output = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !err.is_empty() {
        output.push_str("\n--- stderr ---\n");
        output.push_str(&err);
    }
    Outcome {
        status,
        output,
        elapsed: started.elapsed(),
    }
}

/// The external programs a test needs, found or missing.
pub struct Tools {
    test: &'static str,
    missing: Vec<String>,
}

impl Tools {
    /// Starts the search for the tools of `test` (named in messages, e.g. "browser tests").
    pub fn new(test: &'static str) -> Tools {
        Tools {
            test,
            missing: Vec::new(),
        }
    }

    /// The file named by `$var`, or else `default`; noted as missing (with `what`) if absent.
    pub fn file(&mut self, var: &str, default: PathBuf, what: &str) -> PathBuf {
        let path = std::env::var_os(var).map_or(default, PathBuf::from);
        let path = if path.is_relative() {
            repo_root().join(path)
        } else {
            path
        };
        if !path.exists() {
            self.missing
                .push(format!("{what} (no {}; set ${var})", path.display()));
        }
        path
    }

    /// `path` (relative to the repository root); noted as missing (with `what`) if absent.
    pub fn path(&mut self, path: PathBuf, what: &str) -> PathBuf {
        let path = if path.is_relative() {
            repo_root().join(path)
        } else {
            path
        };
        if !path.exists() {
            self.missing.push(format!("{what} (no {})", path.display()));
        }
        path
    }

    /// `program` if `program --version` runs; noted as missing (with `what`) otherwise.
    pub fn program(&mut self, program: &str, what: &str) -> PathBuf {
        let runs = Command::new(program)
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !runs {
            self.missing
                .push(format!("{what} (`{program} --version` does not run)"));
        }
        PathBuf::from(program)
    }

    /// Whether every tool was found. If not: with `FONDS_TEST_TOOLS=required` this panics naming
    /// what is missing; otherwise it prints `skipping …` and returns false.
    pub fn ready(self) -> bool {
        if self.missing.is_empty() {
            return true;
        }
        let missing = self.missing.join("; ");
        if std::env::var("FONDS_TEST_TOOLS").as_deref() == Ok("required") {
            panic!(
                "{} need tools that are missing: {missing}. FONDS_TEST_TOOLS=required, so this \
                 fails instead of skipping; `scripts/test.sh` installs them (as root for Chromium)",
                self.test
            );
        }
        // Straight to stderr, not `eprintln!`: the test harness would hide it in a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipping {}: {missing}; run scripts/test.sh",
            self.test
        );
        false
    }
}

/// `path` relative to the repository root, for messages.
pub fn shown(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A `fonds --data DATA serve --addr 127.0.0.1:0 ARGS…` on a free loopback port, over a data
/// folder the test made; dropping it kills the server, on a panic too.
pub struct Served {
    /// `127.0.0.1:PORT`.
    pub addr: String,
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts the server and waits for its `listening on` line.
    pub fn start(data: &Path, args: &[&str]) -> Served {
        Served::spawn(data, args, None)
    }

    /// Starts the server with its soft open-file limit lowered to `soft` (the hard limit as
    /// the test's), to see what the server makes of a low limit.
    pub fn start_with_open_files(data: &Path, args: &[&str], soft: u64) -> Served {
        Served::spawn(data, args, Some(soft))
    }

    fn spawn(data: &Path, args: &[&str], soft_open_files: Option<u64>) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fonds"));
        command
            .arg("--data")
            .arg(data)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env_remove("FONDS_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        if let Some(soft) = soft_open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only getrlimit and setrlimit run, which are
            // async-signal-safe, on a struct of this closure's own.
            unsafe {
                command.pre_exec(move || {
                    let mut limit = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    limit.rlim_cur = soft as libc::rlim_t;
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().expect("start `fonds serve`");
        let log = Arc::new(Mutex::new(String::new()));
        let (lines_tx, lines_rx) = mpsc::channel();
        drain(
            child.stdout.take().unwrap(),
            "",
            Arc::clone(&log),
            Some(lines_tx),
        );
        drain(
            child.stderr.take().unwrap(),
            "[stderr] ",
            Arc::clone(&log),
            None,
        );
        let mut served = Served {
            addr: String::new(),
            child,
            log,
        };
        loop {
            match lines_rx.recv_timeout(STARTUP_TIMEOUT) {
                Ok(line) => {
                    if let Some(addr) = line.strip_prefix("listening on http://") {
                        served.addr = addr.trim().trim_end_matches('/').to_string();
                        return served;
                    }
                }
                Err(e) => panic!(
                    "`fonds serve` printed no `listening on` line ({e:?}); its output:\n{}",
                    served.output()
                ),
            }
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server printed so far, stderr lines marked `[stderr]`.
    pub fn output(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the server to exit, at most `limit`: its exit status, or
    /// `None` if it was still running (it is then killed when dropped).
    #[cfg(unix)]
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill only sends a signal, to our own child.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fonds --data DATA import PATHS…`, which must succeed.
pub fn import(data: &Path, paths: &[&Path]) {
    let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data)
        .arg("import")
        .args(paths)
        .env_remove("FONDS_DATA")
        .output()
        .expect("run `fonds import`");
    assert!(
        out.status.success(),
        "`fonds import` failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Raises this process's soft open-file limit to its hard limit, and returns it if it is at
/// least `needed`; otherwise the reason it cannot be had.
#[cfg(unix)]
pub fn open_files_at_least(needed: u64) -> Result<u64, String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!(
            "cannot read the open-file limit: {}",
            std::io::Error::last_os_error()
        ));
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not everywhere
    let soft = limit.rlim_cur as u64;
    if soft >= needed {
        Ok(soft)
    } else {
        Err(format!(
            "the open-file limit is {soft} (hard {}), and {needed} are needed; raise it with \
             `ulimit -n {needed}`",
            limit.rlim_max
        ))
    }
}
