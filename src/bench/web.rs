//! `fonds bench --web`: `fonds serve` under wrk, beside nginx and `python3 -m http.server`.
//!
//! Everything runs on 127.0.0.1 as child processes of the bench: the server (this binary's
//! `serve`, on port 0, read from its `listening on` line), wrk (64 connections, 2 threads, a
//! warm-up run, then the measured run), and the static servers, each serving one real document
//! page saved as a file: the ceiling of what any server can do for a page on this machine. wrk
//! reads its requests from Lua scripts written to the work folder (the paths, cycled from a
//! different offset on each thread), and prints its figures in one `FONDS_WRK {json}` line.
//! Every child is stopped when its guard drops, on success or error.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fonds::archive::Archive;
use serde::Deserialize;

use super::{BenchOptions, FRUS_DATA, QUERIES, Rng, import_corpus, machine, today};

/// Open connections, as the issue asks.
const CONNECTIONS: usize = 64;
/// wrk threads: one per core of the target machine.
const THREADS: usize = 2;
/// Seconds of the warm-up run before each measured run.
const WARM_UP: u64 = 2;
/// Different document pages the document run cycles through.
const DOCUMENTS: usize = 2_000;
/// The heading of the report's section (found by its prefix when replaced in place).
const HEADING: &str = "## Serving (wrk, 64 connections)";
const HEADING_PREFIX: &str = "## Serving (wrk";
/// How long a child server may take to accept connections.
const STARTUP: Duration = Duration::from_secs(60);
/// The targets of the issue.
const TARGET_DOCUMENTS: f64 = 5_000.0;
const TARGET_SEARCHES: f64 = 1_000.0;
const TARGET_P99_MS: f64 = 50.0;
const TARGET_MEMORY_MB: f64 = 200.0;

/// Fails, saying how to install it, when wrk is not on the PATH.
pub fn check_wrk() -> Result<()> {
    match Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "the web benchmark needs wrk, which is not on the PATH: install it with \
             `apt-get install wrk` (Debian, Ubuntu), `dnf install wrk` (Fedora) or \
             `brew install wrk` (macOS), or build it from https://github.com/wg/wrk"
        ),
        Err(e) => Err(e).context("running wrk --version"),
    }
}

/// `fonds bench --web-only`: reuses the work folder's import of the corpus (or makes it, and
/// keeps it for the next run), measures, prints the section and replaces it in `--out`.
pub fn run_only(opts: &BenchOptions) -> Result<()> {
    let data = opts.work.join(FRUS_DATA);
    let store = data.join(fonds::archive::STORE_FILE);
    let ids = if store.is_file() {
        eprintln!(
            "bench: reusing the import in {} (delete it to import again)",
            data.display()
        );
        let archive = Archive::open_read_only(&data)?;
        ids_of(&archive)?
    } else {
        let _ = std::fs::remove_dir_all(&data);
        let (archive, _) = import_corpus(&opts.corpus, &data)?;
        ids_of(&archive)?
    };
    if ids.is_empty() {
        bail!("{}: the archive holds no documents", data.display());
    }
    let mut section = format!(
        "{HEADING}\n\n- machine: {}\n- date: {}\n\n",
        machine(),
        today()
    );
    section.push_str(&measure(opts, &data, ids)?);
    print!("{section}");
    if let Some(out) = &opts.out {
        let old = std::fs::read_to_string(out).unwrap_or_else(|_| "# Performance\n\n".into());
        std::fs::write(out, replace_section(&old, &section))
            .with_context(|| format!("writing {}", out.display()))?;
        eprintln!("bench: wrote the serving section of {}", out.display());
    }
    Ok(())
}

/// The report with its serving section replaced by `section` (or `section` appended).
fn replace_section(report: &str, section: &str) -> String {
    let start = report
        .match_indices(HEADING_PREFIX)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || report[..i].ends_with('\n'));
    match start {
        Some(start) => {
            let end = report[start + 1..]
                .find("\n## ")
                .map_or(report.len(), |i| start + 1 + i + 1);
            format!("{}{}{}", &report[..start], section, &report[end..])
        }
        None => {
            let mut out = report.trim_end().to_string();
            out.push_str("\n\n");
            out.push_str(section);
            out
        }
    }
}

fn ids_of(archive: &Archive) -> Result<Vec<String>> {
    Ok(super::all_records(archive)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// One row of the table.
struct Row {
    what: String,
    run: WrkRun,
    cpu: CpuUse,
}

/// Serves `data` and measures it; returns the report's serving section (with its heading when
/// the whole report is written; `run_only` adds the heading, machine and date itself).
pub fn measure(opts: &BenchOptions, data: &Path, mut ids: Vec<String>) -> Result<String> {
    let work = opts.work.join("web");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let seconds = opts.web_seconds.max(1);

    // The document pages: a shuffled sample of real ids.
    let mut rng = Rng(0x0077_0eb5_eed5);
    for i in (1..ids.len()).rev() {
        ids.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    ids.truncate(DOCUMENTS);
    let documents: Vec<String> = ids
        .iter()
        .map(|id| format!("/documents/{}", fonds::web::path_segment(id)))
        .collect();
    let searches: Vec<String> = QUERIES.iter().map(search_path).collect();

    eprintln!("bench: serving {} …", data.display());
    let exe = std::env::current_exe().context("finding the fonds binary")?;
    let server = Server::start(&exe, data, &work)?;
    let addr = server.addr;
    let rss_started = Memory::of(server.pid())?;
    let quiet = CpuSample::take(None);
    std::thread::sleep(Duration::from_secs(1));
    let before = CpuUse::since(&quiet, None);
    if before.all_cores > 0.25 {
        eprintln!(
            "bench: warning: other processes keep {:.2} of the cores busy; the figures will be low",
            before.all_cores
        );
    }

    // Every path must answer 200 before it is measured (a fast 404 would flatter the figures).
    let mut sizes = Vec::with_capacity(documents.len());
    for path in &documents {
        let body = get_ok(addr, path)?;
        sizes.push((body.len(), path.clone(), body));
    }
    let mut search_bytes = 0;
    for path in &searches {
        search_bytes += get_ok(addr, path)?.len();
    }
    sizes.sort_by_key(|(len, _, _)| *len);
    let mean_page = sizes.iter().map(|(len, _, _)| len).sum::<usize>() / sizes.len().max(1);
    // The ceiling's file: the page of median size.
    let (page_len, page_path, page) = sizes.swap_remove(sizes.len() / 2);
    drop(sizes);
    let static_dir = work.join("static");
    std::fs::create_dir_all(&static_dir)?;
    std::fs::write(static_dir.join("page.html"), &page)?;

    let mut rows = Vec::new();
    let script = write_script(&work, "documents", &documents)?;
    eprintln!(
        "bench: wrk, {} document pages ({seconds} s) …",
        documents.len()
    );
    let (run, cpu) = wrk(&work, addr, &script, seconds, server.pid())?;
    rows.push(Row {
        what: format!(
            "fonds: document pages ({} different, mean {:.1} KB)",
            documents.len(),
            mean_page as f64 / 1e3
        ),
        run,
        cpu,
    });
    let script = write_script(&work, "searches", &searches)?;
    eprintln!(
        "bench: wrk, {} search pages ({seconds} s) …",
        searches.len()
    );
    let (run, cpu) = wrk(&work, addr, &script, seconds, server.pid())?;
    rows.push(Row {
        what: format!(
            "fonds: search pages with facets ({} queries, mean {:.1} KB)",
            searches.len(),
            search_bytes as f64 / searches.len().max(1) as f64 / 1e3
        ),
        run,
        cpu,
    });
    let script = write_script(&work, "one-document", std::slice::from_ref(&page_path))?;
    eprintln!("bench: wrk, one document page ({seconds} s) …");
    let (run, cpu) = wrk(&work, addr, &script, seconds, server.pid())?;
    rows.push(Row {
        what: format!(
            "fonds: one document page, `{page_path}` ({:.1} KB)",
            page_len as f64 / 1e3
        ),
        run,
        cpu,
    });
    let memory = Memory::of(server.pid())?;
    drop(server);

    // The ceilings: the same page as a file.
    let file_script = write_script(&work, "file", &["/page.html".to_string()])?;
    let mut ceiling = None;
    let mut skipped = Vec::new();
    match Nginx::start(&work, &static_dir)? {
        Some(nginx) => {
            check_same(nginx.addr, &page, "nginx")?;
            eprintln!("bench: wrk, nginx serving the page as a file ({seconds} s) …");
            let (run, cpu) = wrk(&work, nginx.addr, &file_script, seconds, nginx.guard.pid())?;
            ceiling = Some(run.per_second());
            rows.push(Row {
                what: format!("nginx {}: the same page as a file (ceiling)", nginx.version),
                run,
                cpu,
            });
        }
        None => skipped.push("nginx (not installed: `apt-get install nginx-light`)"),
    }
    match Python::start(&static_dir)? {
        Some(python) => {
            check_same(python.addr, &page, "python3 -m http.server")?;
            eprintln!("bench: wrk, python3 -m http.server serving the page ({seconds} s) …");
            let (run, cpu) = wrk(
                &work,
                python.addr,
                &file_script,
                seconds,
                python.guard.pid(),
            )?;
            rows.push(Row {
                what: format!("{}: `-m http.server`, the same file", python.version),
                run,
                cpu,
            });
        }
        None => skipped.push("python3 -m http.server (no python3)"),
    }

    let mut s = String::new();
    if opts.web == super::Web::Also {
        writeln!(s, "{HEADING}\n")?;
    }
    writeln!(
        s,
        "`fonds serve` on the imported corpus, in a child process of the bench; wrk in another \
         ({THREADS} threads, {CONNECTIONS} connections, a {WARM_UP} s warm-up, then {seconds} s \
         measured), on the same machine, so wrk takes part of the 2 cores from the server (and \
         from nginx alike). Document pages cycle through {} shuffled ids, search pages through \
         the {} queries above (every search page counts all eight facets); each wrk thread \
         starts at its own offset. The ceiling is nginx (`worker_processes 2`, `access_log \
         off`) serving the page of median size as a file. Command:\n",
        documents.len(),
        searches.len()
    )?;
    writeln!(s, "    {}\n", opts.command_line)?;
    writeln!(
        s,
        "and for each run (after the same with `-d{WARM_UP}s`):\n\n    \
         wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --timeout 5s --latency -s <work>/web/<run>.lua http://127.0.0.1:<port>\n"
    )?;
    writeln!(
        s,
        "| what | requests/s | p50 ms | p99 ms | vs ceiling | server CPU ms/request | cores busy: server / wrk / others | errors |"
    )?;
    writeln!(s, "|---|---|---|---|---|---|---|---|")?;
    for row in &rows {
        let vs = ceiling.map_or_else(
            || "–".to_string(),
            |c| format!("{:.2}×", row.run.per_second() / c.max(1e-9)),
        );
        writeln!(
            s,
            "| {} | {:.0} | {:.2} | {:.2} | {vs} | {:.3} | {:.2} / {:.2} / {:.2} | {} |",
            row.what,
            row.run.per_second(),
            row.run.p50_us / 1e3,
            row.run.p99_us / 1e3,
            row.cpu.server_cores * 1e3 / row.run.per_second().max(1e-9),
            row.cpu.server_cores,
            row.cpu.wrk_cores,
            row.cpu.other_cores(),
            row.run.errors()
        )?;
    }
    writeln!(s)?;
    writeln!(
        s,
        "Server CPU: user + system time of the server's processes (nginx: master and workers) \
         over the measured run, per request; it does not depend much on what else runs. Cores \
         busy: of the {} cores, what the server, wrk and any other process on the machine used \
         during the run (a busy machine lowers requests/s and raises the latencies); in the \
         second before the runs, other processes kept {:.2} cores busy.\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        before.all_cores
    )?;
    if !skipped.is_empty() {
        writeln!(s, "Not measured: {}.\n", skipped.join(", "))?;
    }
    writeln!(
        s,
        "Server memory (`/proc/PID/status` after the runs): peak {:.1} MB (`VmHWM`), now {:.1} MB \
         (`VmRSS`: {:.1} MB anonymous, {:.1} MB mapped files — the index and the store); \
         {:.1} MB when it had started. `VmRSS` counts a page once per mapping of it, and each of \
         the server's SQLite read connections maps the store on its own: counted once per page \
         (`Pss`, `/proc/PID/smaps_rollup`), the server holds {:.1} MB now.\n",
        memory.hwm_kb as f64 / 1024.0,
        memory.rss_kb as f64 / 1024.0,
        memory.anon_kb as f64 / 1024.0,
        memory.file_kb as f64 / 1024.0,
        rss_started.rss_kb as f64 / 1024.0,
        memory.pss_kb as f64 / 1024.0,
    )?;
    let docs = &rows[0].run;
    let search = &rows[1].run;
    let mark = |ok: bool| if ok { "met" } else { "**missed**" };
    writeln!(s, "| target | measured | |\n|---|---|---|")?;
    writeln!(
        s,
        "| ≥ {TARGET_DOCUMENTS:.0} document pages/s | {:.0} | {} |",
        docs.per_second(),
        mark(docs.per_second() >= TARGET_DOCUMENTS)
    )?;
    writeln!(
        s,
        "| ≥ {TARGET_SEARCHES:.0} searches/s with facets | {:.0} | {} |",
        search.per_second(),
        mark(search.per_second() >= TARGET_SEARCHES)
    )?;
    let p99 = docs.p99_us.max(search.p99_us) / 1e3;
    writeln!(
        s,
        "| p99 < {TARGET_P99_MS:.0} ms (both) | {p99:.2} ms | {} |",
        mark(p99 < TARGET_P99_MS)
    )?;
    let peak = memory.hwm_kb as f64 / 1024.0;
    writeln!(
        s,
        "| server memory < {TARGET_MEMORY_MB:.0} MB | {peak:.1} MB peak | {} |\n",
        mark(peak < TARGET_MEMORY_MB)
    )?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(s)
}

/// The search page URL of a benchmark query.
fn search_path(query: &super::Query) -> String {
    let mut path = format!("/search?q={}", fonds::web::path_segment(query.fonds));
    for (name, value) in [
        ("from", query.from),
        ("to", query.to),
        ("type", query.doc_type),
    ] {
        if let Some(v) = value {
            write!(path, "&{name}={}", fonds::web::path_segment(v)).expect("writing to a String");
        }
    }
    path
}

/// Writes a wrk script that requests `paths` in turn (each thread from its own offset) and
/// prints the run's figures as one `FONDS_WRK {json}` line.
fn write_script(work: &Path, name: &str, paths: &[String]) -> Result<PathBuf> {
    let mut lua = String::from(
        "-- Written by `fonds bench --web`: cycles through these paths, each thread from its own offset.\nlocal paths = {\n",
    );
    for p in paths {
        debug_assert!(!p.contains(['"', '\\', '\n']));
        writeln!(lua, "  \"{p}\",")?;
    }
    lua.push_str(
        r#"}
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
local i = nil
function request()
  if i == nil then i = ((offset or 0) * 7919) % #paths end
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'FONDS_WRK {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"p50_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"#,
    );
    let path = work.join(format!("{name}.lua"));
    std::fs::write(&path, lua).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// wrk's figures of one run, from the script's `done()`.
#[derive(Deserialize)]
struct WrkRun {
    requests: f64,
    duration_us: f64,
    #[allow(dead_code)]
    bytes: f64,
    p50_us: f64,
    p99_us: f64,
    #[allow(dead_code)]
    max_us: f64,
    connect: f64,
    read: f64,
    write: f64,
    /// Responses with a status of 400 or more.
    status: f64,
    timeout: f64,
}

impl WrkRun {
    fn per_second(&self) -> f64 {
        self.requests / (self.duration_us / 1e6).max(1e-9)
    }

    /// Failed requests, as wrk counts them (none is written `0`).
    fn errors(&self) -> String {
        let parts: Vec<String> = [
            ("status ≥ 400", self.status),
            ("connect", self.connect),
            ("read", self.read),
            ("write", self.write),
            ("timeout", self.timeout),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(what, n)| format!("{n:.0} {what}"))
        .collect();
        if parts.is_empty() {
            "0".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A warm-up run, then the measured one, with the CPU the server (`pid` and its children)
/// and the whole machine used meanwhile.
fn wrk(
    work: &Path,
    addr: SocketAddr,
    script: &Path,
    seconds: u64,
    pid: u32,
) -> Result<(WrkRun, CpuUse)> {
    run_wrk(work, addr, script, WARM_UP)?;
    let start = CpuSample::take(Some(pid));
    let run = run_wrk(work, addr, script, seconds)?;
    let cpu = CpuUse::since(&start, Some(pid));
    if run.requests == 0.0 {
        bail!("wrk made no requests to {addr}");
    }
    Ok((run, cpu))
}

/// CPU time so far: the machine's busy and total ticks (`/proc/stat`), a process tree's, and
/// the bench's finished children's (wrk).
struct CpuSample {
    at: Instant,
    busy: u64,
    total: u64,
    process: u64,
    children: u64,
}

/// Cores kept busy between a sample and now.
struct CpuUse {
    /// By the server (the process and its children).
    server_cores: f64,
    /// By the bench's children that finished meanwhile (wrk).
    wrk_cores: f64,
    /// By everything on the machine.
    all_cores: f64,
}

impl CpuSample {
    fn take(pid: Option<u32>) -> CpuSample {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        let total: u64 = ticks.iter().take(8).sum();
        // idle and iowait are the 4th and 5th.
        let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
        CpuSample {
            at: Instant::now(),
            busy: total - idle,
            total,
            process: pid.map_or(0, process_tree_ticks),
            children: stat_fields("self").map_or(0, |f| field_ticks(&f, 13) + field_ticks(&f, 14)),
        }
    }
}

impl CpuUse {
    fn since(start: &CpuSample, pid: Option<u32>) -> CpuUse {
        let end = CpuSample::take(pid);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let ticks = (end.total - start.total).max(1) as f64;
        let seconds = end.at.duration_since(start.at).as_secs_f64().max(1e-9);
        let per_second = |t: u64| t as f64 / clock_ticks() / seconds;
        CpuUse {
            server_cores: per_second(end.process.saturating_sub(start.process)),
            wrk_cores: per_second(end.children.saturating_sub(start.children)),
            all_cores: (end.busy - start.busy) as f64 / ticks * cores,
        }
    }

    /// What the server and wrk did not use.
    fn other_cores(&self) -> f64 {
        (self.all_cores - self.server_cores - self.wrk_cores).max(0.0)
    }
}

/// The fields of `/proc/{pid}/stat` after the command name: state (field 3) is the first.
fn stat_fields(pid: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn field_ticks(fields: &[String], i: usize) -> u64 {
    fields.get(i).and_then(|f| f.parse().ok()).unwrap_or(0)
}

/// Clock ticks per second of `/proc` (`getconf CLK_TCK`; 100 on Linux), asked once.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User + system ticks of a process and its children (nginx's workers), from `/proc`.
fn process_tree_ticks(pid: u32) -> u64 {
    // utime and stime are fields 14 and 15.
    let own =
        stat_fields(&pid.to_string()).map_or(0, |f| field_ticks(&f, 11) + field_ticks(&f, 12));
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    own + children
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .map(process_tree_ticks)
        .sum::<u64>()
}

fn run_wrk(work: &Path, addr: SocketAddr, script: &Path, seconds: u64) -> Result<WrkRun> {
    let out_path = work.join("wrk.out");
    let err_path = work.join("wrk.err");
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-t{THREADS}"))
        .arg(format!("-c{CONNECTIONS}"))
        .arg(format!("-d{seconds}s"))
        .args(["--timeout", "5s", "--latency", "-s"])
        .arg(script)
        .arg(format!("http://{addr}"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?);
    let child = Guard::spawn("wrk", &mut cmd)?;
    let status = child.wait(Duration::from_secs(seconds + 30))?;
    let out = std::fs::read_to_string(&out_path).unwrap_or_default();
    if !status.success() {
        bail!(
            "wrk failed ({status}): {}{}",
            out,
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
    }
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("FONDS_WRK "))
        .with_context(|| format!("wrk printed no FONDS_WRK line:\n{out}"))?;
    serde_json::from_str(line).with_context(|| format!("wrk's line: {line}"))
}

/// A child process, stopped (SIGTERM, then SIGKILL after 5 s) when dropped.
struct Guard {
    name: &'static str,
    child: Option<Child>,
}

impl Guard {
    fn spawn(name: &'static str, cmd: &mut Command) -> Result<Guard> {
        let child = cmd.spawn().with_context(|| format!("starting {name}"))?;
        Ok(Guard {
            name,
            child: Some(child),
        })
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits for the child to exit by itself, at most `limit`.
    fn wait(mut self, limit: Duration) -> Result<std::process::ExitStatus> {
        let mut child = self.child.take().expect("a running child");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("{} did not finish within {} s", self.name, limit.as_secs());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether the child has exited already.
    fn exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_none_or(|c| matches!(c.try_wait(), Ok(Some(_))))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        // SIGTERM first: nginx's master stops its workers then (a SIGKILL would orphan them).
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("bench: {} did not stop on SIGTERM; killing it", self.name);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// `fonds serve` as a child process.
struct Server {
    guard: Guard,
    addr: SocketAddr,
}

impl Server {
    fn start(exe: &Path, data: &Path, work: &Path) -> Result<Server> {
        let log = work.join("serve.log");
        let mut cmd = Command::new(exe);
        cmd.arg("--data")
            .arg(data)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?);
        let mut guard = Guard::spawn("fonds serve", &mut cmd)?;
        let stdout = guard
            .child
            .as_mut()
            .and_then(|c| c.stdout.take())
            .context("the server's stdout")?;
        // Read the `listening on` line, then keep draining stdout so the server never blocks.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("listening on http://")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let addr = match rx.recv_timeout(STARTUP) {
            Ok(addr) => addr
                .parse()
                .with_context(|| format!("fonds serve said it listens on `{addr}`"))?,
            Err(_) => {
                let exited = guard.exited();
                bail!(
                    "fonds serve {} without saying `listening on`; its log ({}):\n{}",
                    if exited { "exited" } else { "went 60 s" },
                    log.display(),
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        Ok(Server { guard, addr })
    }

    fn pid(&self) -> u32 {
        self.guard.pid()
    }
}

/// nginx serving the static folder, as a child process (not a daemon).
struct Nginx {
    guard: Guard,
    addr: SocketAddr,
    version: String,
}

impl Nginx {
    /// Starts nginx, or `None` when it is not installed.
    fn start(work: &Path, root: &Path) -> Result<Option<Nginx>> {
        let Some((exe, version)) = ["nginx", "/usr/sbin/nginx"].into_iter().find_map(|exe| {
            let out = Command::new(exe).arg("-v").output().ok()?;
            let v = String::from_utf8_lossy(&out.stderr);
            let version = v.trim().rsplit('/').next().unwrap_or("").to_string();
            Some((exe, version))
        }) else {
            return Ok(None);
        };
        let work = std::path::absolute(work)?;
        let root = std::path::absolute(root)?;
        let port = free_port()?;
        let tmp = work.join("nginx-tmp");
        std::fs::create_dir_all(&tmp)?;
        let conf = format!(
            "# Written by `fonds bench --web`: the ceiling, one page as a file.
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ text/html html; }}
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
            work = work.display(),
            tmp = tmp.display(),
            root = root.display(),
        );
        let conf_path = work.join("nginx.conf");
        std::fs::write(&conf_path, conf)?;
        let mut cmd = Command::new(exe);
        cmd.arg("-p")
            .arg(&work)
            .arg("-e")
            .arg(work.join("nginx-error.log"))
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(work.join("nginx.stderr"))?);
        let mut guard = Guard::spawn("nginx", &mut cmd)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_for(&mut guard, addr, &work.join("nginx.stderr"))?;
        Ok(Some(Nginx {
            guard,
            addr,
            version,
        }))
    }
}

/// `python3 -m http.server` on the static folder, as a child process.
struct Python {
    guard: Guard,
    addr: SocketAddr,
    version: String,
}

impl Python {
    /// Starts it, or `None` when there is no python3.
    fn start(root: &Path) -> Result<Option<Python>> {
        let Ok(out) = Command::new("python3").arg("--version").output() else {
            return Ok(None);
        };
        if !out.status.success() {
            return Ok(None);
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let port = free_port()?;
        let log = root.with_file_name("python.log");
        let mut cmd = Command::new("python3");
        cmd.args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
        let mut guard = Guard::spawn("python3 -m http.server", &mut cmd)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_for(&mut guard, addr, &log)?;
        Ok(Some(Python {
            guard,
            addr,
            version,
        }))
    }
}

/// A port that was free a moment ago (for servers that cannot report the one they bound).
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until `addr` accepts connections, at most [`STARTUP`].
fn wait_for(guard: &mut Guard, addr: SocketAddr, log: &Path) -> Result<()> {
    let deadline = Instant::now() + STARTUP;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if guard.exited() || Instant::now() > deadline {
            bail!(
                "{} did not start on {addr}: {}",
                guard.name,
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Checks that a static server answers `/page.html` with exactly the saved page.
fn check_same(addr: SocketAddr, page: &[u8], name: &str) -> Result<()> {
    let body = get_ok(addr, "/page.html").with_context(|| format!("{name} on {addr}"))?;
    if body != page {
        bail!(
            "{name} on {addr} answered /page.html with {} bytes, not the {} saved",
            body.len(),
            page.len()
        );
    }
    Ok(())
}

/// GET over HTTP/1.1 (one connection per request); the body of a 200, else an error.
fn get_ok(addr: SocketAddr, path: &str) -> Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .with_context(|| format!("reading http://{addr}{path}"))?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("http://{addr}{path}: no HTTP response"))?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let body = response[split + 4..].to_vec();
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if status != "200" {
        bail!(
            "http://{addr}{path} answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        );
    }
    if head.contains("transfer-encoding: chunked") {
        return dechunk(&body).with_context(|| format!("http://{addr}{path}: chunked body"));
    }
    Ok(body)
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("a chunk size line")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .context("a chunk size")?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size + 2 {
            bail!("a chunk cut short");
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

/// A process's memory, from `/proc/PID/status` (kB).
struct Memory {
    hwm_kb: u64,
    rss_kb: u64,
    anon_kb: u64,
    file_kb: u64,
    /// `Pss` of `/proc/PID/smaps_rollup`: each resident page divided by the number of
    /// mappings of it, so a page of the store mapped by several SQLite connections counts once.
    pss_kb: u64,
}

impl Memory {
    fn of(pid: u32) -> Result<Memory> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let pss_kb = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        Ok(Memory {
            hwm_kb: field("VmHWM:"),
            rss_kb: field("VmRSS:"),
            anon_kb: field("RssAnon:"),
            file_kb: field("RssFile:"),
            pss_kb,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_in_place() {
        let report = "# Performance\n\n## Queries\n\nq\n\n## Serving (wrk, 64 connections)\n\nold\n\n## Scale\n\ns\n";
        let new = replace_section(report, "## Serving (wrk, 64 connections)\n\nnew\n\n");
        assert_eq!(
            new,
            "# Performance\n\n## Queries\n\nq\n\n## Serving (wrk, 64 connections)\n\nnew\n\n## Scale\n\ns\n"
        );
        let last = replace_section(
            "# P\n\n## Serving (wrk, 2)\n\nold\n",
            "## Serving (wrk, 64)\n\nnew\n",
        );
        assert_eq!(last, "# P\n\n## Serving (wrk, 64)\n\nnew\n");
    }

    #[test]
    fn a_missing_section_is_appended() {
        assert_eq!(
            replace_section("# P\n\n## Queries\n\nq\n", "## Serving (wrk, 64)\n\nnew\n"),
            "# P\n\n## Queries\n\nq\n\n## Serving (wrk, 64)\n\nnew\n"
        );
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            fonds::web::path_segment("frus1861-d12-enc1"),
            "frus1861-d12-enc1"
        );
        assert_eq!(
            fonds::web::path_segment("\"open door\" AND (a/b)"),
            "%22open%20door%22%20AND%20%28a%2Fb%29"
        );
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
    }
}
