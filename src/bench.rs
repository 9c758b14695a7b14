//! `fonds bench`: import and query speed on a real corpus, side by side with SQLite FTS5; and
//! (`web.rs`) the web server's throughput under wrk, beside a static file server.
//!
//! The peer gets the same text (title, summary, every text's body) in an FTS5 table with the
//! `unicode61` tokenizer (diacritics removed, no stemming: FTS5 has no Russian stemmer), plus a
//! plain table of dates and types for filters and facets. Every query class runs the same work on
//! both sides: the ten best hits with a highlighted snippet, and the total.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use fonds::archive::Archive;
use fonds::index::{SearchRequest, Sort};
use fonds::model::{ArchivalRef, PartialDate, Record, Source, Text, TextRole};
use rusqlite::{Connection, params};

mod child;
mod web;

/// Whether `fonds bench` also measures the web server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Web {
    /// Import and queries only (and the scale runs asked for).
    No,
    /// Everything, then the web server on the imported corpus; the report gets its section.
    Also,
    /// Only the web server: import (or reuse the import in the work folder), serve, measure,
    /// and replace the serving section of the report in place.
    Only,
}

/// What to measure.
pub struct BenchOptions {
    /// Folder of FRUS TEI volumes (or any importable corpus).
    pub corpus: PathBuf,
    /// Synthetic scale runs (documents each), e.g. 100000 and 1000000.
    pub scales: Vec<usize>,
    /// Repetitions of every query.
    pub repeat: usize,
    /// Where to write the report (markdown); also printed.
    pub out: Option<PathBuf>,
    /// Scratch folder for the data folders (deleted afterwards).
    pub work: PathBuf,
    /// The exact command line, for the report.
    pub command_line: String,
    /// Whether to measure the web server too, or only.
    pub web: Web,
    /// Seconds of each measured wrk run.
    pub web_seconds: u64,
    /// Also import one JSON Lines file of this many GB (memory and WAL of a streamed import).
    pub large_jsonl_gb: Option<f64>,
}

/// One benchmark query, in both dialects.
struct Query {
    class: &'static str,
    fonds: &'static str,
    fts5: &'static str,
    from: Option<&'static str>,
    to: Option<&'static str>,
    doc_type: Option<&'static str>,
    facets: bool,
}

const fn q(class: &'static str, fonds: &'static str, fts5: &'static str) -> Query {
    Query {
        class,
        fonds,
        fts5,
        from: None,
        to: None,
        doc_type: None,
        facets: false,
    }
}

const fn dated(fonds: &'static str, from: &'static str, to: &'static str) -> Query {
    Query {
        class: "date-filtered",
        fonds,
        fts5: fonds,
        from: Some(from),
        to: Some(to),
        doc_type: None,
        facets: false,
    }
}

const fn faceted(fonds: &'static str, doc_type: Option<&'static str>) -> Query {
    Query {
        class: "faceted",
        fonds,
        fts5: fonds,
        from: None,
        to: None,
        doc_type,
        facets: true,
    }
}

/// The fixed query set: 60 queries in five classes, on the vocabulary of FRUS 1861–1936.
const QUERIES: &[Query] = &[
    q("term", "treaty", "treaty"),
    q("term", "Nicaragua", "nicaragua"),
    q("term", "consul", "consul"),
    q("term", "indemnity", "indemnity"),
    q("term", "railway", "railway"),
    q("term", "Bolsheviks", "bolsheviks"),
    q("term", "tariff", "tariff"),
    q("term", "extradition", "extradition"),
    q("term", "missionaries", "missionaries"),
    q("term", "boundary", "boundary"),
    q("term", "cotton", "cotton"),
    q("term", "Japan", "japan"),
    q("term", "Peking", "peking"),
    q("term", "navy", "navy"),
    q("term", "immigration", "immigration"),
    q(
        "phrase",
        "\"most favored nation\"",
        "\"most favored nation\"",
    ),
    q("phrase", "\"Secretary of State\"", "\"secretary of state\""),
    q("phrase", "\"Chinese Government\"", "\"chinese government\""),
    q("phrase", "\"claims commission\"", "\"claims commission\""),
    q("phrase", "\"good offices\"", "\"good offices\""),
    q("phrase", "\"Monroe Doctrine\"", "\"monroe doctrine\""),
    q("phrase", "\"open door\"", "\"open door\""),
    q("phrase", "\"Red Cross\"", "\"red cross\""),
    q("phrase", "\"American citizens\"", "\"american citizens\""),
    q("phrase", "\"peace conference\"", "\"peace conference\""),
    q(
        "phrase",
        "\"Mosquito Reservation\"",
        "\"mosquito reservation\"",
    ),
    q("phrase", "\"have the honor to\"", "\"have the honor to\""),
    q("boolean", "treaty AND Japan", "treaty AND japan"),
    q("boolean", "consul OR minister", "consul OR minister"),
    q(
        "boolean",
        "railway AND China AND NOT Russia",
        "railway AND china NOT russia",
    ),
    q("boolean", "tariff OR customs", "tariff OR customs"),
    q(
        "boolean",
        "Bolsheviks AND Petrograd",
        "bolsheviks AND petrograd",
    ),
    q("boolean", "war AND NOT civil", "war NOT civil"),
    q("boolean", "extradition OR asylum", "extradition OR asylum"),
    q("boolean", "navy AND coal", "navy AND coal"),
    q("boolean", "cotton AND export", "cotton AND export"),
    q(
        "boolean",
        "missionaries AND (murder OR riot)",
        "missionaries AND (murder OR riot)",
    ),
    q(
        "boolean",
        "Spain AND Cuba AND NOT insurgents",
        "spain AND cuba NOT insurgents",
    ),
    dated("treaty", "1861", "1870"),
    dated("consul", "1894", "1894"),
    dated("Germany", "1917", "1919"),
    dated("Nicaragua", "1894-01", "1894-06"),
    dated("Russia", "1918-01", "1918-12"),
    dated("tariff", "1925", "1936"),
    dated("Japan", "1901", "1930"),
    dated("indemnity", "1901-01", "1901-12"),
    dated("railway", "1920", "1936"),
    dated("claims", "1870", "1885"),
    dated("Mexico", "1930", "1936"),
    dated("arbitration", "1897", "1902"),
    faceted("treaty", None),
    faceted("consul", None),
    faceted("Russia", None),
    faceted("Japan", None),
    faceted("Nicaragua", None),
    faceted("indemnity", Some("Telegram")),
    faceted("war", None),
    faceted("railway", None),
    faceted("China", Some("Telegram")),
    faceted("navy", None),
];

const CLASSES: [&str; 5] = ["term", "phrase", "boolean", "date-filtered", "faceted"];

/// Latencies of one class, both engines.
#[derive(Default)]
struct ClassTimes {
    fonds: Vec<Duration>,
    fts5: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

/// The peer: SQLite FTS5 over the same text.
struct Fts5 {
    conn: Connection,
}

impl Fts5 {
    fn create(path: &Path) -> Result<Fts5> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
             CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, title TEXT NOT NULL,
                                type TEXT, lang TEXT, decade INTEGER, date_start INTEGER, date_end INTEGER);
             CREATE INDEX docs_dates ON docs (date_start, date_end);
             CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, tokenize = 'unicode61 remove_diacritics 2');",
        )?;
        Ok(Fts5 { conn })
    }

    fn insert_all(&mut self, records: &[Record]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut docs =
                tx.prepare("INSERT INTO docs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
            let mut fts = tx
                .prepare("INSERT INTO fts (rowid, title, summary, body) VALUES (?1, ?2, ?3, ?4)")?;
            for (i, r) in records.iter().enumerate() {
                let rowid = i as i64 + 1;
                let body: Vec<&str> = r.texts.iter().map(|t| t.body.as_str()).collect();
                docs.execute(params![
                    rowid,
                    r.id,
                    r.title,
                    r.doc_type,
                    r.languages.first(),
                    r.date.map(|d| d.decade()),
                    r.date.map(|d| d.start_key()),
                    r.date.map(|d| d.end_key()),
                ])?;
                fts.execute(params![
                    rowid,
                    r.title,
                    r.summary.as_deref().unwrap_or(""),
                    body.join("\n\n")
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Top ten with snippets, and the total; facet counts when asked.
    fn search(&self, query: &Query) -> Result<usize> {
        let (from, to) = date_keys(query);
        let filter = "(?2 IS NULL OR d.date_end >= ?2) AND (?3 IS NULL OR d.date_start <= ?3) AND (?4 IS NULL OR d.type = ?4)";
        let mut top = self.conn.prepare_cached(&format!(
            "SELECT d.id, d.title, snippet(fts, 2, '<mark>', '</mark>', '…', 24) FROM fts JOIN docs d ON d.rowid = fts.rowid
             WHERE fts MATCH ?1 AND {filter} ORDER BY rank LIMIT 10"
        ))?;
        let rows: Vec<(String, String, String)> = top
            .query_map(params![query.fts5, from, to, query.doc_type], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut count = self.conn.prepare_cached(&format!(
            "SELECT count(*) FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?1 AND {filter}"
        ))?;
        let total: i64 =
            count.query_row(params![query.fts5, from, to, query.doc_type], |r| r.get(0))?;
        if query.facets {
            for column in ["type", "lang", "decade"] {
                let mut facet = self.conn.prepare_cached(&format!(
                    "SELECT d.{column}, count(*) FROM fts JOIN docs d ON d.rowid = fts.rowid
                     WHERE fts MATCH ?1 AND {filter} GROUP BY d.{column} ORDER BY 2 DESC"
                ))?;
                let n = facet
                    .query_map(params![query.fts5, from, to, query.doc_type], |r| {
                        r.get::<_, i64>(1)
                    })?
                    .count();
                std::hint::black_box(n);
            }
        }
        std::hint::black_box(&rows);
        Ok(total as usize)
    }
}

fn date_keys(query: &Query) -> (Option<i64>, Option<i64>) {
    let parse =
        |s: Option<&str>| s.map(|s| s.parse::<PartialDate>().expect("a valid benchmark date"));
    (
        parse(query.from).map(|d| d.start_key()),
        parse(query.to).map(|d| d.end_key()),
    )
}

fn request(query: &Query) -> SearchRequest {
    let parse =
        |s: Option<&str>| s.map(|s| s.parse::<PartialDate>().expect("a valid benchmark date"));
    SearchRequest {
        query: query.fonds.to_string(),
        from: parse(query.from),
        to: parse(query.to),
        doc_type: query.doc_type.map(str::to_string),
        limit: 10,
        facets: query.facets,
        sort: Sort::Relevance,
        ..SearchRequest::default()
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or_else(
            || "?".into(),
            |kb| format!("{:.0} GiB", kb / 1024.0 / 1024.0),
        );
    format!(
        "{cpu}, {cores} cores, {mem} RAM, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Runs the whole benchmark and writes the report.
pub fn run(opts: &BenchOptions) -> Result<()> {
    if !opts.corpus.is_dir() {
        bail!(
            "{}: no such corpus folder (the FRUS volumes are in ../shared/corpus/frus)",
            opts.corpus.display()
        );
    }
    std::fs::create_dir_all(&opts.work)
        .with_context(|| format!("creating {}", opts.work.display()))?;
    if opts.web != Web::No {
        web::check_wrk()?;
    }
    if opts.web == Web::Only {
        return web::run_only(opts);
    }
    let mut report = String::new();
    writeln!(report, "# Performance\n")?;
    writeln!(
        report,
        "Measured by `fonds bench` (release build). Command:\n\n    {}\n",
        opts.command_line
    )?;
    writeln!(report, "- machine: {}", machine())?;
    writeln!(report, "- date: {}", today())?;
    writeln!(
        report,
        "- fonds {} (tantivy 0.27) vs SQLite {} FTS5 (`unicode61 remove_diacritics 2`), same text, same process\n",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version()
    )?;

    // 1. The real corpus.
    let data = opts.work.join(FRUS_DATA);
    let _ = std::fs::remove_dir_all(&data);
    let corpus_bytes = dir_size(&opts.corpus);
    let started = Instant::now();
    let (archive, docs) = import_corpus(&opts.corpus, &data)?;
    let import_time = started.elapsed();
    let records = all_records(&archive)?;

    let fts_path = opts.work.join("fts5.sqlite3");
    let _ = std::fs::remove_file(&fts_path);
    let started = Instant::now();
    let mut fts = Fts5::create(&fts_path)?;
    fts.insert_all(&records)?;
    let fts_time = started.elapsed();

    let index_bytes = dir_size(&data.join(fonds::archive::INDEX_DIR));
    let store_bytes = file_size(&data.join(fonds::archive::STORE_FILE));
    let fts_bytes = file_size(&fts_path);
    let secs = import_time.as_secs_f64();
    writeln!(
        report,
        "## Import and index: {} ({} documents, {:.1} MB)\n",
        opts.corpus.display(),
        docs,
        corpus_bytes as f64 / 1e6
    )?;
    writeln!(
        report,
        "| | fonds (parse + SQLite store + tantivy index) | FTS5 (insert of already-parsed text) |"
    )?;
    writeln!(report, "|---|---|---|")?;
    writeln!(
        report,
        "| time | {:.2} s | {:.2} s |",
        secs,
        fts_time.as_secs_f64()
    )?;
    writeln!(
        report,
        "| documents/s | {:.0} | {:.0} |",
        docs as f64 / secs,
        docs as f64 / fts_time.as_secs_f64()
    )?;
    writeln!(
        report,
        "| MB/s of source | {:.1} | – |",
        corpus_bytes as f64 / 1e6 / secs
    )?;
    writeln!(
        report,
        "| index size | {:.1} MB ({:.0} bytes/document) | {:.1} MB for table + FTS ({:.0} bytes/document) |",
        index_bytes as f64 / 1e6,
        index_bytes as f64 / docs as f64,
        fts_bytes as f64 / 1e6,
        fts_bytes as f64 / docs as f64
    )?;
    writeln!(
        report,
        "| store (records, revisions, source bytes) | {:.1} MB | – |\n",
        store_bytes as f64 / 1e6
    )?;

    // 2. Queries.
    let times = time_queries(&archive, &fts, opts.repeat)?;
    writeln!(
        report,
        "## Queries ({} queries × {} runs each, after one warm-up run)\n",
        QUERIES.len(),
        opts.repeat
    )?;
    writeln!(
        report,
        "Each run: the ten best hits with a highlighted snippet, and the total; the faceted class also counts facets (fonds: type, language, decade, year, archive, collection, author, recipient; FTS5: type, language, decade by GROUP BY).\n"
    )?;
    writeln!(
        report,
        "| class | queries | fonds p50 ms | fonds p99 ms | FTS5 p50 ms | FTS5 p99 ms | FTS5/fonds (p50) |"
    )?;
    writeln!(report, "|---|---|---|---|---|---|---|")?;
    let mut all = ClassTimes::default();
    for class in CLASSES {
        let mut t = times
            .get(class)
            .map(|t| (t.fonds.clone(), t.fts5.clone()))
            .unwrap_or_default();
        t.0.sort();
        t.1.sort();
        let n = QUERIES.iter().filter(|q| q.class == class).count();
        let (f50, f99, s50, s99) = (
            percentile(&t.0, 50.0),
            percentile(&t.0, 99.0),
            percentile(&t.1, 50.0),
            percentile(&t.1, 99.0),
        );
        writeln!(
            report,
            "| {class} | {n} | {} | {} | {} | {} | {:.1}× |",
            ms(f50),
            ms(f99),
            ms(s50),
            ms(s99),
            s50.as_secs_f64() / f50.as_secs_f64().max(1e-9)
        )?;
        all.fonds.extend(t.0);
        all.fts5.extend(t.1);
    }
    all.fonds.sort();
    all.fts5.sort();
    let (f50, f99, s50, s99) = (
        percentile(&all.fonds, 50.0),
        percentile(&all.fonds, 99.0),
        percentile(&all.fts5, 50.0),
        percentile(&all.fts5, 99.0),
    );
    writeln!(
        report,
        "| **all** | {} | **{}** | **{}** | {} | {} | {:.1}× |\n",
        QUERIES.len(),
        ms(f50),
        ms(f99),
        ms(s50),
        ms(s99),
        s50.as_secs_f64() / f50.as_secs_f64().max(1e-9)
    )?;
    writeln!(
        report,
        "FTS5 has no Russian stemming: `Сталину` does not find `Сталин` there; in fonds it does.\n"
    )?;

    // 3. Reading document pages.
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let pages = time_pages(&archive, ids.clone(), opts.repeat.min(5))?;
    writeln!(
        report,
        "## Reading a document page ({} documents × {} runs)\n",
        docs,
        opts.repeat.min(5)
    )?;
    writeln!(
        report,
        "What the web reader asks the archive for one document page: `get` (the record), `neighbours` (its place in its collection, previous and next) and `same_file(id, 10)` (the other documents of its archival files), every document in a shuffled order.\n"
    )?;
    writeln!(
        report,
        "| p50 ms | p99 ms | mean ms | pages/s, 1 thread | pages/s, {} threads |",
        pages.threads
    )?;
    writeln!(report, "|---|---|---|---|---|")?;
    let mean = pages.one.iter().sum::<Duration>() / pages.one.len().max(1) as u32;
    writeln!(
        report,
        "| {} | {} | {} | {:.0} | {:.0} |\n",
        ms(percentile(&pages.one, 50.0)),
        ms(percentile(&pages.one, 99.0)),
        ms(mean),
        1.0 / mean.as_secs_f64().max(1e-9),
        pages.per_second
    )?;
    drop(archive);

    // 4. The web server on the same data folder.
    if opts.web == Web::Also {
        report.push_str(&web::measure(opts, &data, ids)?);
    }

    // 5. Synthetic scale runs.
    if !opts.scales.is_empty() {
        writeln!(
            report,
            "## Scale (synthetic documents of about 2 KB, words drawn from the corpus' vocabulary by frequency)\n"
        )?;
        writeln!(
            report,
            "Volumes of 10,000 documents (one JSON Lines file of about 20 MB each, so streamed into the store), each document in an archival file of 20, imported by `fonds import` in a child process. Page: `get` + `neighbours` + `same_file(id, 10)` of 10,000 random documents. `fonds search` is a whole process, `search 'treaty AND Japan' --limit 10`: cold with the page cache dropped before each run ({}), warm without; median of 5.\n",
            if child::drop_caches() {
                "`echo 3 > /proc/sys/vm/drop_caches` after `sync`"
            } else {
                "not allowed on this machine: these cold runs had the cache warm"
            }
        )?;
        writeln!(
            report,
            "| documents | import time | documents/s | import peak memory: own / with mapped files | WAL after import | index size | bytes/document | segments | query p50 ms | query p99 ms | cold `fonds search` | warm `fonds search` | page p50 / p99 ms |"
        )?;
        writeln!(
            report,
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        )?;
        let vocabulary = Vocabulary::from_records(&records);
        for &n in &opts.scales {
            let row = scale_run(opts, &vocabulary, n)?;
            writeln!(report, "{row}")?;
            eprintln!("bench: {row}");
        }
        writeln!(report)?;
    }

    // 6. One large JSON Lines file, streamed.
    if let Some(gb) = opts.large_jsonl_gb {
        writeln!(
            report,
            "## A large JSON Lines file
"
        )?;
        writeln!(
            report,
            "One file of synthetic records as above, imported by `fonds import` in a child process: it is hashed, then streamed into one store transaction (its bytes kept in 4 MiB chunks, its records put 512 at a time), so memory does not grow with the file. Peak memory: the process's own (`RssAnon`, sampled every 100 ms), and with the index files it maps (`ru_maxrss`: the final merge reads every segment through the map; those pages are the kernel's to reclaim). The WAL is what is left after the import's checkpoint.\n"
        )?;
        writeln!(
            report,
            "| file | records | import time | MB/s | peak own memory | peak with mapped files | WAL after import | store |"
        )?;
        writeln!(report, "|---|---|---|---|---|---|---|---|")?;
        let vocabulary = Vocabulary::from_records(&records);
        let row = large_file_run(opts, &vocabulary, gb)?;
        writeln!(report, "{row}\n")?;
        eprintln!("bench: {row}");
    }
    print!("{report}");
    if let Some(out) = &opts.out {
        std::fs::write(out, &report).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("bench: wrote {}", out.display());
    }
    drop(fts);
    let _ = std::fs::remove_dir_all(&data);
    for suffix in ["", "-wal", "-shm"] {
        let mut path = fts_path.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The data folder of the real corpus inside the work folder.
const FRUS_DATA: &str = "frus-data";

/// Imports the corpus into a new data folder; every file must import. Returns the archive,
/// open for writing, and the number of documents.
fn import_corpus(corpus: &Path, data: &Path) -> Result<(Archive, usize)> {
    eprintln!("bench: importing {} …", corpus.display());
    let mut archive = Archive::open(data)?;
    let imported = archive.import(&[corpus.to_path_buf()], |_, _, _| {})?;
    if let Some(failed) = imported.failed().next() {
        bail!(
            "{}: {}",
            failed.path,
            failed
                .outcome
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default()
        );
    }
    let docs = imported.totals.new + imported.totals.changed + imported.totals.unchanged;
    Ok((archive, docs))
}

fn today() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn all_records(archive: &Archive) -> Result<Vec<Record>> {
    let mut lines = Vec::new();
    archive.export_jsonl(&mut lines)?;
    String::from_utf8(lines)?
        .lines()
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

fn time_queries(
    archive: &Archive,
    fts: &Fts5,
    repeat: usize,
) -> Result<BTreeMap<&'static str, ClassTimes>> {
    let mut times: BTreeMap<&str, ClassTimes> = BTreeMap::new();
    for query in QUERIES {
        let req = request(query);
        archive
            .search(&req)
            .with_context(|| format!("fonds: {}", query.fonds))?;
        fts.search(query)
            .with_context(|| format!("fts5: {}", query.fts5))?;
        let t = times.entry(query.class).or_default();
        for _ in 0..repeat {
            let started = Instant::now();
            std::hint::black_box(archive.search(&req)?);
            t.fonds.push(started.elapsed());
            let started = Instant::now();
            std::hint::black_box(fts.search(query)?);
            t.fts5.push(started.elapsed());
        }
    }
    Ok(times)
}

/// What reading document pages costs: `get` + `neighbours` + `same_file(id, 10)` for every id
/// (in a shuffled order, so the caches see no pattern), once to warm up and `repeat` times
/// measured on one thread; then the same pages on every core at once, for throughput.
struct PageTimes {
    /// Sorted latencies of one page (one thread).
    one: Vec<Duration>,
    /// Pages per second with one reader thread per core.
    per_second: f64,
    threads: usize,
}

fn time_pages(archive: &Archive, mut ids: Vec<String>, repeat: usize) -> Result<PageTimes> {
    let mut rng = Rng(0x05ee_d0fb_a9e5);
    for i in (1..ids.len()).rev() {
        ids.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let page = |id: &str| -> Result<()> {
        let record = archive.get(id)?.context("a listed id")?;
        std::hint::black_box(record);
        std::hint::black_box(archive.neighbours(id)?);
        std::hint::black_box(archive.same_file(id, 10)?);
        Ok(())
    };
    for id in &ids {
        page(id)?;
    }
    let mut one = Vec::with_capacity(ids.len() * repeat);
    for _ in 0..repeat {
        for id in &ids {
            let started = Instant::now();
            page(id)?;
            one.push(started.elapsed());
        }
    }
    one.sort();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let ids = &ids;
                let page = &page;
                scope.spawn(move || -> Result<()> {
                    for _ in 0..repeat {
                        for id in ids.iter().skip(t).step_by(threads) {
                            page(id)?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for w in workers {
            w.join().expect("a page reader panicked")?;
        }
        Ok(())
    })?;
    let per_second = (ids.len() * repeat) as f64 / started.elapsed().as_secs_f64();
    Ok(PageTimes {
        one,
        per_second,
        threads,
    })
}

/// Words of the real corpus with their frequencies, to draw synthetic text from.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<u64>,
    titles: Vec<String>,
}

impl Vocabulary {
    fn from_records(records: &[Record]) -> Vocabulary {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for r in records {
            for t in &r.texts {
                for w in t
                    .body
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                {
                    *counts.entry(w.to_string()).or_default() += 1;
                }
            }
        }
        let mut words = Vec::with_capacity(counts.len());
        let mut cumulative = Vec::with_capacity(counts.len());
        let mut total = 0;
        for (w, c) in counts {
            total += c;
            words.push(w);
            cumulative.push(total);
        }
        Vocabulary {
            words,
            cumulative,
            titles: records.iter().map(|r| r.title.clone()).collect(),
        }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = *self.cumulative.last().unwrap_or(&1);
        let x = rng.next() % total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.words[i.min(self.words.len() - 1)]
    }
}

/// A small deterministic generator (xorshift64*), so every run makes the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Synthetic record `i` of volume `file`: about 2 KB of words drawn from the vocabulary by
/// frequency, a date between 1861 and 1936, a type, an archival file of 20 documents.
fn synthetic_record(vocab: &Vocabulary, rng: &mut Rng, i: usize, file: usize) -> Record {
    let types = ["Telegram", "Letter", "Memorandum", "Despatch", "Note"];
    let mut paragraphs = Vec::new();
    let mut len = 0;
    while len < 2000 {
        let words: Vec<&str> = (0..40).map(|_| vocab.word(rng)).collect();
        let p = words.join(" ");
        len += p.len() + 2;
        paragraphs.push(p);
    }
    let year = 1861 + (rng.next() % 76) as i32;
    let month = 1 + (rng.next() % 12) as u8;
    let day = 1 + (rng.next() % 28) as u8;
    let delo = (i / 20).to_string();
    Record {
        id: format!("syn-{i:07}"),
        source: Source {
            name: "Synthetic".into(),
            collection: Some(format!("Synthetic volume {file}")),
            ..Source::default()
        },
        archival_refs: vec![ArchivalRef {
            archive: Some("SYN".into()),
            fond: Some((i % 7).to_string()),
            opis: Some("1".into()),
            raw: format!("SYN f. {}, op. 1, d. {delo}", i % 7),
            delo: Some(delo),
            folios: None,
        }],
        title: vocab.titles[(rng.next() as usize) % vocab.titles.len().max(1)].clone(),
        date: PartialDate::ymd(year, month, day),
        doc_type: Some(types[(rng.next() % 5) as usize].to_string()),
        languages: vec!["en".into()],
        texts: vec![Text {
            role: TextRole::Transcript,
            lang: "en".into(),
            body: Text::join_paragraphs(paragraphs),
            translators: vec![],
            notes: vec![],
        }],
        ..Record::default()
    }
}

/// Writes one JSON Lines file of about `gb` GB of synthetic records and imports it with
/// `fonds import` in a child process: time, peak memory, WAL left, store size.
fn large_file_run(opts: &BenchOptions, vocab: &Vocabulary, gb: f64) -> Result<String> {
    let path = opts.work.join("large.jsonl");
    let data = opts.work.join("large-data");
    let _ = std::fs::remove_dir_all(&data);
    let target = (gb * 1e9) as u64;
    eprintln!("bench: writing {gb} GB of JSON Lines …");
    let mut rng = Rng(0x5eed_1a26e);
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let (mut written, mut n) = (0u64, 0usize);
    while written < target {
        let line = synthetic_record(vocab, &mut rng, n, n / 10_000).to_json_line();
        writeln!(w, "{line}")?;
        written += line.len() as u64 + 1;
        n += 1;
    }
    w.flush()?;
    drop(w);
    eprintln!(
        "bench: importing {n} records from {:.2} GB …",
        written as f64 / 1e9
    );
    let mut import = Command::new(std::env::current_exe()?);
    import.arg("--data").arg(&data).arg("import").arg(&path);
    let measured = child::run(import)?;
    let wal = file_size(&data.join(format!("{}-wal", fonds::archive::STORE_FILE)));
    let store = file_size(&data.join(fonds::archive::STORE_FILE));
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(&data);
    Ok(format!(
        "| {:.2} GB | {n} | {:.1} s | {:.1} MB/s | {:.0} MB | {:.0} MB | {:.1} MB | {:.2} GB |",
        written as f64 / 1e9,
        measured.elapsed.as_secs_f64(),
        written as f64 / 1e6 / measured.elapsed.as_secs_f64(),
        measured.peak_anon as f64 / 1e6,
        measured.peak_rss as f64 / 1e6,
        wal as f64 / 1e6,
        store as f64 / 1e9,
    ))
}

/// Writes `n` synthetic records as JSON Lines files of 10,000 records each, imports them through
/// the real import path, and measures size, query latency and a cold `fonds search`.
fn scale_run(opts: &BenchOptions, vocab: &Vocabulary, n: usize) -> Result<String> {
    let src = opts.work.join(format!("synthetic-{n}"));
    let data = opts.work.join(format!("synthetic-{n}-data"));
    let _ = std::fs::remove_dir_all(&src);
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&src)?;
    eprintln!("bench: generating {n} synthetic documents …");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let per_file = 10_000;
    for file in 0..n.div_ceil(per_file) {
        let path = src.join(format!("part-{file:04}.jsonl"));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for i in file * per_file..((file + 1) * per_file).min(n) {
            let record = synthetic_record(vocab, &mut rng, i, file);
            writeln!(w, "{}", record.to_json_line())?;
        }
        w.flush()?;
    }
    eprintln!("bench: importing {n} synthetic documents …");
    let exe = std::env::current_exe()?;
    let fonds = |args: &[&str]| {
        let mut c = Command::new(&exe);
        c.arg("--data").arg(&data).args(args);
        c
    };
    let mut import = fonds(&["import"]);
    import.arg(&src);
    let imported = child::run(import)?;
    let import_time = imported.elapsed;
    let wal_bytes = file_size(&data.join(format!("{}-wal", fonds::archive::STORE_FILE)));
    let index_bytes = dir_size(&data.join(fonds::archive::INDEX_DIR));
    let stats: serde_json::Value =
        serde_json::from_slice(&child::run(fonds(&["stats", "--json"]))?.output.stdout)?;
    let segments = stats["index_segments"].as_u64().unwrap_or(0);
    let archive = Archive::open_read_only(&data)?;
    let mut lat = Vec::new();
    for query in QUERIES {
        let req = request(query);
        archive.search(&req)?;
        for _ in 0..opts.repeat.min(10) {
            let started = Instant::now();
            std::hint::black_box(archive.search(&req)?);
            lat.push(started.elapsed());
        }
    }
    let mut rng = Rng(0x00de_c0de ^ n as u64);
    let sample: Vec<String> = (0..10_000.min(n))
        .map(|_| format!("syn-{:07}", rng.next() % n as u64))
        .collect();
    let pages = time_pages(&archive, sample, 1)?;
    drop(archive);
    lat.sort();
    let search = || fonds(&["search", "treaty AND Japan", "--limit", "10"]);
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        child::drop_caches();
        cold.push(child::run(search())?.elapsed);
    }
    child::run(search())?;
    for _ in 0..5 {
        warm.push(child::run(search())?.elapsed);
    }
    cold.sort();
    warm.sort();
    let _ = std::fs::remove_dir_all(&src);
    let _ = std::fs::remove_dir_all(&data);
    Ok(format!(
        "| {n} | {:.1} s | {:.0} | {:.0} / {:.0} MB | {:.1} MB | {:.1} MB | {:.0} | {segments} | {} | {} | {} ms | {} ms | {} / {} |",
        import_time.as_secs_f64(),
        n as f64 / import_time.as_secs_f64(),
        imported.peak_anon as f64 / 1e6,
        imported.peak_rss as f64 / 1e6,
        wal_bytes as f64 / 1e6,
        index_bytes as f64 / 1e6,
        index_bytes as f64 / n as f64,
        ms(percentile(&lat, 50.0)),
        ms(percentile(&lat, 99.0)),
        ms(cold[2]),
        ms(warm[2]),
        ms(percentile(&pages.one, 50.0)),
        ms(percentile(&pages.one, 99.0)),
    ))
}
