//! A `fonds` command run as a child process and measured: wall time and peak memory (the
//! kernel's `ru_maxrss` of that child alone, by `wait4`), and the page cache dropped for cold
//! runs where the machine allows it.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What a measured run gave.
pub struct Measured {
    /// Its output.
    pub output: Output,
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// Peak resident memory, in bytes: the process's own (anonymous) memory and the pages of
    /// files it maps (the index, read back when segments merge), which the kernel may reclaim.
    pub peak_rss: u64,
    /// Peak anonymous memory (`RssAnon`, sampled every 100 ms), in bytes: what the process
    /// allocated, without the mapped files.
    pub peak_anon: u64,
}

/// Runs `command` to its end; fails if it fails.
pub fn run(mut command: Command) -> Result<Measured> {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting fonds")?;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let pid = child.id() as libc::pid_t;
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = std::thread::spawn({
        let sampling = sampling.clone();
        move || {
            let mut peak = 0u64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                // The command itself, or the process the shell of a memory limit execs.
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
                    let anon = status
                        .lines()
                        .find_map(|l| l.strip_prefix("RssAnon:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                        .unwrap_or(0);
                    peak = peak.max(anon * 1024);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        }
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing only the two locals passed.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        bail!("waiting for fonds: {}", std::io::Error::last_os_error());
    }
    let elapsed = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak_anon = sampler.join().unwrap_or(0);
    let output = Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(status),
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    };
    if !output.status.success() {
        bail!(
            "fonds failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(Measured {
        output,
        elapsed,
        // Linux reports kilobytes.
        peak_rss: usage.ru_maxrss as u64 * 1024,
        peak_anon,
    })
}

/// Writes the dirty pages out and drops the page cache, so that the next run reads from disk;
/// false where that is not allowed (not root, or /proc/sys read-only).
pub fn drop_caches() -> bool {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
    std::fs::write("/proc/sys/vm/drop_caches", "3\n").is_ok()
}
