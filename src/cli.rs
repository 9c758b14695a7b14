//! The subcommands of `fonds`: the command-line contract later tools and tests rely on.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::sync::Arc;

use fonds::archive::{Archive, FileReport, Notice, OpenOptions, Repair};
use fonds::index::{SearchRequest, SearchResults, Sort};
use fonds::model::{PartialDate, Record};
use fonds::web::Limits;

/// `println!` that returns an error (a closed pipe: `fonds stats | head -c1`) instead of
/// panicking.
macro_rules! outln {
    () => {
        writeln!(std::io::stdout().lock())?
    };
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// Fonds: a digital archive for historical primary sources.
#[derive(Parser)]
#[command(name = "fonds", version, about, long_about = None)]
struct Cli {
    /// The data folder (store and index).
    #[arg(
        long,
        global = true,
        env = "FONDS_DATA",
        default_value = "./fonds-data"
    )]
    data: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import files and folders: WCDA pages (.txt), FRUS TEI (.xml), WCDA JSON, CSV, JSON Lines.
    Import {
        /// Files or folders (walked recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// If another process is writing to the archive, fail at once instead of waiting.
        #[arg(long)]
        no_wait: bool,
        /// Print one JSON object per file as it is committed (or fails), then a summary object:
        /// for scripts that must know which files are safely in the store.
        #[arg(long)]
        json: bool,
    },
    /// Show one record, whole.
    Show {
        /// The record's id, e.g. wcda-134278 or frus1894Nicaragua-d1.
        id: String,
        /// Print the record in Fonds' JSON record format.
        #[arg(long)]
        json: bool,
        /// List the record's revisions too.
        #[arg(long)]
        revisions: bool,
    },
    /// Search the archive: words, "phrases", AND/OR/NOT, -word, title:, type:, lang:.
    Search {
        /// The query; empty or `*` matches everything (use with filters). It may start with
        /// `-` (`fonds search -nicaragua --type Telegram`).
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Only documents dated on or after this date (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        from: Option<String>,
        /// Only documents dated on or before this date (YYYY, YYYY-MM or YYYY-MM-DD).
        #[arg(long)]
        to: Option<String>,
        /// Only documents of this type (Telegram, Letter…).
        #[arg(long = "type")]
        doc_type: Option<String>,
        /// Only documents whose original is in this language (ISO 639-1: ru, en…).
        #[arg(long)]
        lang: Option<String>,
        /// Only documents held by this archive (RGASPI, APRF…).
        #[arg(long)]
        archive: Option<String>,
        /// Only documents of this collection (a FRUS volume's title…).
        #[arg(long)]
        collection: Option<String>,
        /// Only documents by this author, as written ("Filippov [Stalin]").
        #[arg(long)]
        author: Option<String>,
        /// Only documents to this recipient, as written.
        #[arg(long)]
        recipient: Option<String>,
        /// How many hits to show.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// How many hits to skip (for paging).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Order of the hits.
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Print `{"total", "hits", "facets"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export every record, sorted by id.
    Export {
        /// The output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Write to this file instead of standard output (written beside it under another name
        /// and renamed when complete, so a cut-off export never leaves a partial file, with the
        /// permissions of the file it replaces; a symbolic link is followed; standard output, a
        /// FIFO or a device is written into directly; the archive's own files are refused).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Carry the source files the records were first read from, so that importing the
        /// export keeps their bytes and proves the records' provenance.
        #[arg(long)]
        with_sources: bool,
    },
    /// Rebuild the search index from the store (in a new generation, swapped in when complete).
    Reindex {
        /// If another process is writing to the archive, fail at once instead of waiting.
        #[arg(long)]
        no_wait: bool,
    },
    /// Verify the fixity of everything kept: SQLite's integrity check, every source's SHA-256,
    /// every record's content hash, and the index against the store (exit 1 on damage).
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// If another process is writing to the archive, fail at once instead of waiting for
        /// it (verify keeps writers out while it reads, so that it compares a still archive).
        #[arg(long)]
        no_wait: bool,
    },
    /// The quick check: records missing from the index or stale in it (`verify` checks all).
    Check {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// What the archive holds.
    Stats {
        /// Print the counts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the archive: the web reader and the JSON API.
    Serve {
        /// The address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// The archive's public address for citations and links (default: http:// and the
        /// address listened on).
        #[arg(long)]
        base_url: Option<String>,
        /// The most connections open at once; more wait in the kernel's queue. Lowered, with a
        /// note, to leave 256 descriptors under the open-file limit (itself raised to the hard
        /// limit at start).
        #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
        /// Seconds a client may take to send a request's head, counted from when its connection
        /// opens or its previous answer is sent (so also how long a kept-alive connection may
        /// wait idle).
        #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        header_timeout: u64,
        /// Seconds a connection may stay with no byte moving either way while none of its
        /// requests is being worked on (a client that stops reading its answer).
        #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        idle_timeout: u64,
        /// Seconds one request may take, from its head to its answer; past that it is answered
        /// 503 with Retry-After.
        #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout: u64,
        /// How many requests' archive reads, searches and rendering run at once, on threads of
        /// their own (default: the number of cores, at least 4); up to 64 more per thread wait,
        /// and past that requests are answered 503 at once.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        workers: Option<u32>,
    },
    /// Import the bundled sample corpus into the data folder (once), then serve it.
    Demo {
        /// The address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Only import the sample corpus and print what to try; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Measure import and query speed on a corpus, side by side with SQLite FTS5; with `--web`,
    /// also the web server under wrk (`--web-only`: just that, replacing its section of `--out`).
    Bench {
        /// The corpus to import (a folder of FRUS TEI volumes).
        #[arg(long, default_value = "../shared/corpus/frus")]
        corpus: PathBuf,
        /// Also run a synthetic scale test with this many documents (repeatable).
        #[arg(long = "scale")]
        scales: Vec<usize>,
        /// Runs of every query.
        #[arg(long, default_value_t = 20)]
        repeat: usize,
        /// Write the report here (markdown), e.g. docs/PERFORMANCE.md.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Scratch folder for the benchmark's data folders.
        #[arg(long, default_value = "./fonds-bench")]
        work: PathBuf,
        /// Also measure the web server: `fonds serve` under wrk (64 connections), document and
        /// search pages, beside nginx and `python3 -m http.server` serving one page as a file.
        /// Needs wrk (`apt-get install wrk`).
        #[arg(long)]
        web: bool,
        /// Only the web measurement: imports the corpus into `--work` (or reuses that import),
        /// and replaces the "Serving" section of `--out` in place, keeping the others.
        #[arg(long, conflicts_with = "scales")]
        web_only: bool,
        /// Seconds of each wrk run (after a 2 s warm-up).
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Also import one synthetic JSON Lines file of this many GB, measuring the peak memory
        /// and the WAL of a streamed import (needs about 6 times that much free disk: the
        /// file, the store and the WAL).
        #[arg(long)]
        large_jsonl_gb: Option<f64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    /// Best match first.
    Relevance,
    /// Oldest first.
    Date,
    /// Newest first.
    DateDesc,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    /// JSON Lines in Fonds' record format.
    Jsonl,
}

/// Runs the command line; the exit code says whether anything failed.
pub fn run() -> Result<ExitCode> {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let data = cli.data;
    // What this process is, for another's "waiting for" message: `fonds import`.
    let purpose = format!("fonds {}", matches.subcommand_name().unwrap_or_default());
    // Waits and repairs are told on standard error, where they do not mix with results.
    let options = |wait: bool| OpenOptions {
        wait,
        purpose: purpose.clone(),
        repair: Repair::WhenNeeded,
        notices: Some(Arc::new(|n: &Notice| eprintln!("note: {n}"))),
    };
    let read_only = || Archive::open_read_only_with(&data, options(true));
    // A server never makes a request wait for a repair: it repairs in the background.
    let for_serving = || {
        Archive::open_read_only_with(
            &data,
            OpenOptions {
                repair: Repair::InMaintenance,
                ..options(true)
            },
        )
    };
    match cli.command {
        Command::Import {
            paths,
            no_wait,
            json,
        } => {
            let mut archive = Archive::open_with(&data, options(!no_wait))?;
            if json {
                import_json(&mut archive, &paths)
            } else {
                import(&mut archive, &paths)
            }
        }
        Command::Show {
            id,
            json,
            revisions,
        } => {
            let archive = read_only()?;
            let record = archive
                .get(&id)?
                .ok_or(fonds::Error::NotFound { id: id.clone() })?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", record.to_json_pretty())?;
            } else {
                print_record(&mut out, &record)?;
            }
            if revisions {
                for rev in archive.revisions(&id)? {
                    writeln!(
                        out,
                        "revision {}  {}  from {}",
                        rev.rev, rev.hash, rev.record.provenance.source_file
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            from,
            to,
            doc_type,
            lang,
            archive: held_by,
            collection,
            author,
            recipient,
            limit,
            offset,
            sort,
            json,
        } => {
            let archive = read_only()?;
            let request = SearchRequest {
                query,
                from: parse_date("--from", from)?,
                to: parse_date("--to", to)?,
                doc_type,
                lang,
                archive: held_by,
                collection,
                author,
                recipient,
                limit,
                offset,
                sort: match sort {
                    SortArg::Relevance => Sort::Relevance,
                    SortArg::Date => Sort::DateAsc,
                    SortArg::DateDesc => Sort::DateDesc,
                },
                facets: true,
            };
            let results = archive.search(&request)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer(&mut out, &results)?;
                writeln!(out)?;
            } else {
                print_results(&mut out, &results, offset, limit)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            format: ExportFormat::Jsonl,
            out,
            with_sources,
        } => {
            let archive = read_only()?;
            let counts = match out {
                Some(path) => write_atomically(&path, &data, |w| {
                    Ok(archive.export_jsonl_with(w, with_sources)?)
                })?,
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    let counts = archive.export_jsonl_with(&mut w, with_sources)?;
                    w.flush()?;
                    counts
                }
            };
            if with_sources {
                eprintln!(
                    "exported {} records and {} source files",
                    counts.records, counts.sources
                );
                for (sha256, path) in &counts.not_held {
                    eprintln!(
                        "warning: {path} ({sha256}) is not held by this archive, so it was not carried: the records that claim it keep the claim unproven"
                    );
                }
            } else {
                eprintln!("exported {} records", counts.records);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex { no_wait } => {
            let mut archive = Archive::open_with(&data, options(!no_wait))?;
            let started = std::time::Instant::now();
            let n = archive.reindex()?;
            outln!(
                "reindexed {n} records in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { json } => {
            let archive = read_only()?;
            let report = archive.check()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                outln!(
                    "{} records stored, {} indexed",
                    report.records,
                    report.indexed
                );
                for (what, ids) in [
                    ("missing from the index", &report.missing),
                    ("stale in the index", &report.stale),
                    ("in the index but not stored", &report.orphans),
                    ("indexed more than once", &report.duplicates),
                ] {
                    if !ids.is_empty() {
                        outln!("{} {what}: {}", records(ids.len()), preview(ids));
                    }
                }
                if report.is_consistent() {
                    outln!("ok: store and index agree");
                } else {
                    outln!("run `fonds reindex` to rebuild the index from the store");
                }
                outln!(
                    "not checked here: the source files' bytes, the records' contents, the database's pages (`fonds verify` checks them all)"
                );
            }
            Ok(if report.is_consistent() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Verify { json, no_wait } => {
            let mut archive = Archive::open_read_only_with(&data, options(!no_wait))?;
            archive.exclude_writers()?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} verified {pos} items")
                    .expect("a valid template"),
            );
            let report = archive.verify(|n| bar.inc(n))?;
            bar.finish_and_clear();
            if json {
                outln!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_verify(&report)?;
            }
            Ok(if report.is_intact() && report.index_agrees() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Stats { json } => {
            let archive = read_only()?;
            let stats = archive.stats()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                let s = &stats.store;
                outln!("records        {}", s.records);
                outln!("old revisions  {}", s.old_revisions);
                outln!(
                    "source files   {} ({:.1} MB kept)",
                    s.source_files,
                    s.source_bytes as f64 / 1e6
                );
                outln!("imports        {}", s.imports);
                outln!(
                    "index          {} documents, {:.1} MB, {} segments",
                    stats.index_docs,
                    stats.index_bytes as f64 / 1e6,
                    stats.index_segments
                );
                for (facet, counts) in &stats.facets {
                    let shown: Vec<String> = counts
                        .iter()
                        .take(8)
                        .map(|c| format!("{} {}", c.value, c.count))
                        .collect();
                    outln!("{facet:<14} {}", shown.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            addr,
            base_url,
            max_connections,
            header_timeout,
            idle_timeout,
            request_timeout,
            workers,
        } => {
            let limits = Limits {
                max_connections: max_connections as usize,
                header_timeout: Duration::from_secs(header_timeout),
                idle_timeout: Duration::from_secs(idle_timeout),
                request_timeout: Duration::from_secs(request_timeout),
                workers: workers.map_or(Limits::default().workers, |w| w as usize),
            };
            serve(for_serving()?, &addr, base_url, limits)
        }
        Command::Demo { addr, no_serve } => {
            let code = demo(&data, options(true))?;
            if no_serve || code != ExitCode::SUCCESS {
                return Ok(code);
            }
            outln!();
            serve(for_serving()?, &addr, None, Limits::default())
        }
        Command::Bench {
            corpus,
            scales,
            repeat,
            out,
            work,
            web,
            web_only,
            duration,
            large_jsonl_gb,
        } => {
            let command_line = std::iter::once("fonds".to_string())
                .chain(std::env::args().skip(1))
                .collect::<Vec<_>>()
                .join(" ");
            crate::bench::run(&crate::bench::BenchOptions {
                corpus,
                scales,
                repeat,
                out,
                work,
                command_line,
                web: if web_only {
                    crate::bench::Web::Only
                } else if web {
                    crate::bench::Web::Also
                } else {
                    crate::bench::Web::No
                },
                web_seconds: duration,
                large_jsonl_gb,
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Serves the archive until Ctrl-C; prints `listening on URL` once bound (tests and scripts
/// read that line).
fn serve(
    archive: Archive,
    addr: &str,
    base_url: Option<String>,
    limits: Limits,
) -> Result<ExitCode> {
    fonds::web::serve(archive, addr, base_url, limits, |bound| {
        println!("listening on http://{bound}");
        let _ = std::io::stdout().flush();
    })
    .with_context(|| format!("serving on {addr}"))?;
    Ok(ExitCode::SUCCESS)
}

fn parse_date(flag: &str, value: Option<String>) -> Result<Option<PartialDate>> {
    value
        .map(|v| {
            v.parse::<PartialDate>()
                .with_context(|| format!("{flag} {v}: expected YYYY, YYYY-MM or YYYY-MM-DD"))
        })
        .transpose()
}

fn preview(ids: &[String]) -> String {
    let mut s = ids.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 10 {
        s.push_str(", …");
    }
    s
}

/// Imports with a progress bar on a terminal and a summary at the end.
fn import(archive: &mut Archive, paths: &[PathBuf]) -> Result<ExitCode> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} files  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let report = archive.import(paths, |file: &FileReport, done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(file.path.clone());
        if let Err(e) = &file.outcome {
            bar.suspend(|| eprintln!("error: {e}"));
        }
        if file.source_healed {
            bar.suspend(|| {
                eprintln!(
                    "healed: {}: the stored bytes of this file were damaged; restored from it",
                    file.path
                )
            });
        }
        if !file.healed.is_empty() {
            bar.suspend(|| {
                eprintln!(
                    "healed: {}: {} damaged in the store, restored from this file: {}",
                    file.path,
                    records(file.healed.len()),
                    preview(&file.healed)
                )
            });
        }
        for d in &file.diagnostics {
            bar.suspend(|| eprintln!("warning: {}: {}: {}", file.path, d.location, d.message));
        }
    })?;
    bar.finish_and_clear();
    let failed = report.failed().count();
    let t = report.totals;
    outln!(
        "{} files ({} failed), {} records: {} new, {} changed, {} unchanged, in {:.2} s",
        report.files.len(),
        failed,
        t.new + t.changed + t.unchanged,
        t.new,
        t.changed,
        t.unchanged,
        started.elapsed().as_secs_f64()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Where an export goes.
enum OutTarget {
    /// This process's own standard output (`/dev/stdout`, `/proc/self/fd/1`, however reached).
    Stdout,
    /// Not a regular file (a FIFO, a character device): written into as it is.
    Special(PathBuf),
    /// A regular file, new or replaced whole: written beside it and renamed over it, with the
    /// permissions of the file it replaces.
    File {
        path: PathBuf,
        permissions: Option<std::fs::Permissions>,
    },
}

/// Decides where `--out PATH` writes, refusing what would destroy something: a folder, a link
/// that leads nowhere, and any file inside the data folder `data` (the archive's own store).
fn out_target(path: &std::path::Path, data: &std::path::Path) -> Result<OutTarget> {
    use std::os::unix::fs::MetadataExt;
    let shown = path.display();
    let followed = std::fs::metadata(path);
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match &followed {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && link => {
            anyhow::bail!("{shown}: a symbolic link that leads nowhere; give the file itself")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(anyhow::anyhow!("{shown}: {e}")),
        Ok(meta) => {
            let stdout = stdout_identity();
            if stdout.is_some_and(|(dev, ino)| (dev, ino) == (meta.dev(), meta.ino())) {
                return Ok(OutTarget::Stdout);
            }
            if meta.is_dir() {
                anyhow::bail!("{shown}: a folder, not a file to write");
            }
            if !meta.is_file() {
                return Ok(OutTarget::Special(path.to_path_buf()));
            }
        }
    }
    // A regular file, or a new one: the real place of the file a link names.
    let real = match &followed {
        Ok(_) => std::fs::canonicalize(path).with_context(|| format!("{shown}"))?,
        Err(_) => {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => std::path::Path::new("."),
            };
            let folder = std::fs::canonicalize(parent).map_err(|e| {
                anyhow::anyhow!(
                    "{shown}: its folder {} cannot be used: {e}",
                    parent.display()
                )
            })?;
            folder.join(
                path.file_name()
                    .with_context(|| format!("{shown}: not a file name"))?,
            )
        }
    };
    if let Ok(data) = std::fs::canonicalize(data) {
        let own = real.starts_with(data.join("index"))
            || (real.parent() == Some(data.as_path())
                && real
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("fonds.sqlite3") || n == "fonds.lock"));
        if own {
            anyhow::bail!(
                "{shown}: one of the archive's own files (in {}); write the export elsewhere",
                data.display()
            );
        }
    }
    Ok(OutTarget::File {
        path: real,
        permissions: followed.ok().map(|m| m.permissions()),
    })
}

/// The device and inode of this process's standard output, if it is open.
fn stdout_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Writes `--out PATH` through `write` (see [`out_target`]): a regular file is written into a
/// temporary file beside it, synced, and renamed over it only when complete, so that a
/// cut-off export never leaves a partial file; standard output, a FIFO or a device is written
/// into directly.
fn write_atomically<T>(
    path: &std::path::Path,
    data: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    let (target, permissions) = match out_target(path, data)? {
        OutTarget::Stdout => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            let value = write(&mut w)?;
            w.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(value);
        }
        OutTarget::Special(special) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&special)
                .with_context(|| format!("opening {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let value = write(&mut w)?;
            w.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            return Ok(value);
        }
        OutTarget::File { path, permissions } => (path, permissions),
    };
    let file_name = target
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = target.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let file = std::fs::File::create(&tmp).with_context(|| {
            format!("writing {} (beside it, {})", path.display(), tmp.display())
        })?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let mut w = std::io::BufWriter::new(file);
        let value = write(&mut w)?;
        let file = w
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", tmp.display()))?;
        file.sync_all()
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &target).with_context(|| format!("writing {}", path.display()))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The text report of `verify`.
fn print_verify(report: &fonds::archive::VerifyReport) -> Result<()> {
    let s = &report.store;
    outln!(
        "read back {} records, {} old revisions and {} source files ({:.1} MB) in {:.2} s",
        s.records,
        s.old_revisions,
        s.sources,
        s.source_bytes as f64 / 1e6,
        report.seconds
    );
    for message in &s.sqlite {
        outln!("DAMAGED database: SQLite's integrity check: {message}");
    }
    for d in report.damage() {
        let file = d
            .file
            .as_ref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        outln!("DAMAGED {}{file}: {}", d.what, d.problem);
    }
    if s.claims_proven > 0 {
        outln!(
            "{} records read from JSON Lines claim a first source whose bytes are held: proven",
            s.claims_proven
        );
    }
    if !s.claims_unproven.is_empty() {
        let ids: Vec<String> = s.claims_unproven.iter().map(|(id, _)| id.clone()).collect();
        outln!(
            "{} records read from JSON Lines claim a first source whose bytes are not held: unproven claims, not damage ({})",
            ids.len(),
            preview(&ids)
        );
    }
    let index = &report.index;
    if let Some(e) = &report.index_error {
        outln!("index: could not be compared with the store: {e}");
    }
    for id in &index.orphans {
        outln!(
            "MISSING record {id}: the index holds it but the store does not; Fonds never deletes a record, so it was lost from the store: re-import its source file (before `fonds reindex`, which forgets it)"
        );
    }
    for (what, ids) in [
        ("missing from the index", &index.missing),
        ("stale in the index", &index.stale),
        ("indexed more than once", &index.duplicates),
    ] {
        if !ids.is_empty() {
            outln!("index: {} {what}: {}", records(ids.len()), preview(ids));
        }
    }
    for file in &index.damaged_files {
        outln!("DAMAGED index file {file}: its content does not match its checksum");
    }
    if !report.index_agrees() {
        outln!(
            "run `fonds reindex` to rebuild the index from the store (the index is derived: nothing kept is lost with it)"
        );
    }
    let derived_only = !report.damage().is_empty()
        && s.sqlite.is_empty()
        && s.unheld_sources.is_empty()
        && report.index.orphans.is_empty()
        && report.damage().iter().all(|d| {
            d.what.starts_with("catalogue ") && !d.problem.starts_with("its record is missing")
        });
    if derived_only {
        outln!(
            "the records and source files are intact; the catalogue derived from them is not: `fonds reindex` rewrites it"
        );
        return Ok(());
    }
    match (report.is_intact(), report.index_agrees()) {
        (true, true) => {
            outln!("ok: every source file, record, database page and index file is intact")
        }
        (true, false) => outln!(
            "the store is intact (every source file, record and database page); the index is not"
        ),
        (false, _) => outln!(
            "the archive is damaged: re-import the original files named above to restore their bytes and records, or restore fonds.sqlite3 from a backup (docs/RELIABILITY.md)"
        ),
    }
    Ok(())
}

/// "1 record", "2 records".
fn records(n: usize) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}

/// Imports printing one JSON object per file as it is committed (or fails), flushed at once, then
/// a summary object. A file reported `"committed"` is durably in the store.
fn import_json(archive: &mut Archive, paths: &[PathBuf]) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut write_error = None;
    let report = archive.import(paths, |file: &FileReport, _, _| {
        let mut line = serde_json::json!({"file": file.path});
        match &file.outcome {
            Ok(counts) => {
                line["status"] = "committed".into();
                line["format"] = file.format.map(|f| f.importer()).into();
                line["new"] = counts.new.into();
                line["changed"] = counts.changed.into();
                line["unchanged"] = counts.unchanged.into();
                if !file.healed.is_empty() {
                    line["healed"] = file.healed.clone().into();
                }
                if file.source_healed {
                    line["source_healed"] = true.into();
                }
            }
            Err(e) => {
                line["status"] = "failed".into();
                line["error"] = e.to_string().into();
            }
        }
        if !file.diagnostics.is_empty() {
            line["warnings"] = file
                .diagnostics
                .iter()
                .map(|d| format!("{}: {}", d.location, d.message))
                .collect::<Vec<_>>()
                .into();
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            write_error.get_or_insert(e);
        }
    })?;
    if let Some(e) = write_error {
        return Err(e.into());
    }
    let failed = report.failed().count();
    let t = report.totals;
    outln!(
        "{}",
        serde_json::json!({
            "files": report.files.len(), "failed": failed,
            "new": t.new, "changed": t.changed, "unchanged": t.unchanged,
            "seconds": started.elapsed().as_secs_f64(),
        })
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The sample corpus, built into the binary so that `fonds demo` works from any folder.
const SAMPLE_CORPUS: &[(&str, &[u8])] = &[
    ("README.md", include_bytes!("../corpus/README.md")),
    (
        "wcda-pages/000_2d287dbd93c7e576.txt",
        include_bytes!("../corpus/wcda-pages/000_2d287dbd93c7e576.txt"),
    ),
    (
        "wcda-pages/001_6ac3a21e3d46086e.txt",
        include_bytes!("../corpus/wcda-pages/001_6ac3a21e3d46086e.txt"),
    ),
    (
        "wcda-json/transcript.json",
        include_bytes!("../corpus/wcda-json/transcript.json"),
    ),
    (
        "wcda-csv/wilson_archive_sample.csv",
        include_bytes!("../corpus/wcda-csv/wilson_archive_sample.csv"),
    ),
    (
        "frus/frus1894Nicaragua.xml",
        include_bytes!("../corpus/frus/frus1894Nicaragua.xml"),
    ),
];

fn demo(data: &std::path::Path, options: OpenOptions) -> Result<ExitCode> {
    let corpus = data.join("sample-corpus");
    for (name, bytes) in SAMPLE_CORPUS {
        let path = corpus.join(name);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
        if std::fs::read(&path).ok().as_deref() != Some(*bytes) {
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let mut archive = Archive::open_with(data, options)?;
    let code = import(&mut archive, &[corpus])?;
    let data = data.display();
    outln!();
    outln!("The sample archive is in {data}. Try:");
    outln!(
        "  fonds --data {data} search 'Сталину'            # Russian morphology: finds Сталин, Сталина…"
    );
    outln!("  fonds --data {data} search '\"38th parallel\"'     # a phrase, in the translations");
    outln!("  fonds --data {data} search 'divisions AND Korea' --from 1950-07 --to 1950-12");
    outln!("  fonds --data {data} search 'Mosquito' --type Telegram --sort date");
    outln!(
        "  fonds --data {data} show wcda-134278            # the whole record; --json for the record format"
    );
    outln!("  fonds --data {data} show frus1894Nicaragua-d1");
    outln!("  fonds --data {data} stats");
    outln!("  fonds --data {data} serve                     # the web reader and the JSON API");
    Ok(code)
}

fn print_results(
    out: &mut impl Write,
    results: &SearchResults,
    offset: usize,
    limit: usize,
) -> Result<()> {
    // Highlights in bold on a terminal (unless NO_COLOR is set); piped output stays plain text,
    // since brackets or asterisks would be mistaken for the editors' own `[Stalin]`.
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for (i, hit) in results.hits.iter().enumerate() {
        writeln!(
            out,
            "{:>3}. {}  {}  ({:.2})",
            offset + i + 1,
            hit.id,
            hit.date.as_deref().unwrap_or("undated"),
            hit.score
        )?;
        writeln!(out, "     {}", hit.title)?;
        if !hit.snippet.is_empty() {
            let source = hit
                .snippet_source
                .as_deref()
                .map(|s| format!("[{s}] "))
                .unwrap_or_default();
            writeln!(
                out,
                "     {source}{}",
                terminal_snippet(&hit.snippet, color)
            )?;
        }
    }
    let shown = results.hits.len();
    if shown == 0 && results.total > 0 {
        writeln!(
            out,
            "{} documents match; none shown (--limit {limit} --offset {offset})",
            results.total
        )?;
    } else if shown == 0 {
        writeln!(out, "no documents match")?;
    } else {
        writeln!(
            out,
            "{} documents match; showing {}-{}",
            results.total,
            offset + 1,
            offset + shown
        )?;
    }
    for (facet, counts) in &results.facets {
        if counts.is_empty() {
            continue;
        }
        let shown: Vec<String> = counts
            .iter()
            .take(6)
            .map(|c| format!("{} {}", c.value, c.count))
            .collect();
        writeln!(out, "  {facet}: {}", shown.join(", "))?;
    }
    Ok(())
}

/// Turns an HTML snippet (`<mark>` highlights, escaped text) into terminal text.
fn terminal_snippet(html: &str, color: bool) -> String {
    let (on, off) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    html.replace("<mark>", on)
        .replace("</mark>", off)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .replace('\n', " ")
}

fn print_record(out: &mut impl Write, r: &Record) -> Result<()> {
    let line = |out: &mut dyn Write, label: &str, value: &str| -> std::io::Result<()> {
        if value.is_empty() {
            Ok(())
        } else {
            writeln!(out, "{label:<15}{value}")
        }
    };
    writeln!(out, "{}", r.title)?;
    writeln!(out, "{}", "=".repeat(r.title.chars().count().min(78)))?;
    line(out, "id", &r.id)?;
    line(
        out,
        "date",
        &r.date.map(|d| d.to_string()).unwrap_or_default(),
    )?;
    line(out, "type", r.doc_type.as_deref().unwrap_or(""))?;
    line(out, "languages", &r.languages.join(", "))?;
    line(out, "authors", &r.authors.join("; "))?;
    line(out, "recipients", &r.recipients.join("; "))?;
    line(out, "written at", r.place_written.as_deref().unwrap_or(""))?;
    line(
        out,
        "classification",
        r.classification.as_deref().unwrap_or(""),
    )?;
    for a in &r.archival_refs {
        let parts: Vec<String> = [
            ("archive", &a.archive),
            ("f.", &a.fond),
            ("op.", &a.opis),
            ("d.", &a.delo),
            ("l.", &a.folios),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref().map(|v| {
                if *k == "archive" {
                    v.clone()
                } else {
                    format!("{k} {v}")
                }
            })
        })
        .collect();
        let parsed = if parts.is_empty() {
            String::new()
        } else {
            format!("  [{}]", parts.join(", "))
        };
        line(out, "archival ref", &format!("{}{parsed}", a.raw))?;
    }
    line(out, "source", &r.source.name)?;
    line(out, "source url", r.source.url.as_deref().unwrap_or(""))?;
    line(
        out,
        "source id",
        r.source.record_id.as_deref().unwrap_or(""),
    )?;
    line(out, "uploaded", r.source.uploaded.as_deref().unwrap_or(""))?;
    line(
        out,
        "collection",
        r.source.collection.as_deref().unwrap_or(""),
    )?;
    line(out, "subjects", &r.subjects.join("; "))?;
    line(out, "places", &r.places.join("; "))?;
    line(out, "people", &r.people.join("; "))?;
    for c in &r.credits {
        line(out, "credit", c)?;
    }
    for (k, v) in &r.extra {
        line(out, k, v)?;
    }
    line(
        out,
        "provenance",
        &format!(
            "{} ({}, sha256 {})",
            r.provenance.source_file, r.provenance.importer, r.provenance.sha256
        ),
    )?;
    if let Some(s) = &r.summary {
        writeln!(out, "\nSummary\n-------\n{s}")?;
    }
    for t in &r.texts {
        let heading = format!(
            "{} ({})",
            if t.role == fonds::model::TextRole::Transcript {
                "Transcript"
            } else {
                "Translation"
            },
            t.lang
        );
        writeln!(out, "\n{heading}\n{}", "-".repeat(heading.chars().count()))?;
        if !t.translators.is_empty() {
            writeln!(out, "Translated by {}\n", t.translators.join(", "))?;
        }
        writeln!(out, "{}", t.body)?;
        for n in &t.notes {
            writeln!(out, "  [{}] {}", n.n, n.body)?;
        }
    }
    if let Some(c) = &r.citation {
        writeln!(out, "\nCitation\n--------\n{c}")?;
    }
    if let Some(rights) = &r.rights {
        writeln!(out, "\nRights\n------\n{rights}")?;
    }
    Ok(())
}
