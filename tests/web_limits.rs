//! The server under clients that would starve it, over real HTTP against the real `fonds serve`.
//!
//! A slowloris of 3,000 half-sent requests, pages that take seconds to render, a full worker
//! pool, a client that stops reading, and requests too large: through the slowloris a client
//! making 1 ms requests keeps its p99 under 50 ms (under 100 ms while renders hold every core),
//! and every connection or request that holds on too long is closed or answered. The tests run one at a time (they measure latency on a small
//! machine), over one data folder: the bundled corpus and a record with 100,000 authors.

#![cfg(unix)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use support::Served;

/// The 1 ms request: a small record, read from the store and serialized.
const QUICK: &str = "/api/documents/wcda-134278";
/// A page whose rendering takes seconds: the record with 100,000 authors, recipients, people,
/// places and subjects (about 4 s in a debug build; rendering is linear in them).
const HEAVY: &str = "/documents/many-authors";
/// The p99 the 1 ms requests must keep.
const P99_LIMIT: Duration = Duration::from_millis(50);
/// The p99 they must keep while pages render on every core: the renders, abandoned at their
/// budget, hold all the CPUs, so the 1 ms requests share them; a stall (rendering on the
/// async threads) is seconds.
const P99_LIMIT_CORES_TAKEN: Duration = Duration::from_millis(100);
/// The slowloris's connections.
const SLOW_CONNECTIONS: usize = 3000;

/// One test at a time: each measures latency, and the machine may have two cores.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The data folder: the bundled corpus and a record with 100,000 names in each of five lists
/// (the most a list may hold), imported once.
fn data() -> &'static Path {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-limits");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let list =
            |what: &str| -> Vec<String> { (0..100_000).map(|i| format!("{what} {i}")).collect() };
        let record = serde_json::json!({
            "id": "many-authors",
            "title": "A record with 100,000 authors",
            "authors": list("Author"),
            "recipients": list("Recipient"),
            "people": list("Person"),
            "places": list("Place"),
            "subjects": list("Subject"),
        });
        let jsonl = dir.join("many-authors.jsonl");
        std::fs::write(&jsonl, format!("{record}\n")).unwrap();
        let corpus = support::repo_root().join("corpus");
        support::import(&dir.join("data"), &[&corpus, &jsonl]);
        dir.join("data")
    })
}

/// An answer: status, header lines, body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends `request` (a whole request head, and body if any) on a new connection and reads the
/// answer to the end. The request should say `Connection: close`. A server that answers
/// before it has read everything (413, 431) may close the connection under the rest, so
/// failures to write or a reset are errors only when no answer came.
fn exchange(addr: &str, request: &[u8], timeout: Duration) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(timeout))?;
    let written = s.write_all(request);
    let mut raw = Vec::new();
    let read = s.read_to_end(&mut raw).map_err(|e| match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            std::io::Error::new(ErrorKind::TimedOut, format!("no answer within {timeout:?}"))
        }
        _ => e,
    });
    parse(&raw).ok_or_else(|| match (written, read) {
        (Err(e), _) | (_, Err(e)) => e,
        _ => std::io::Error::new(
            ErrorKind::InvalidData,
            format!("no HTTP answer: {:?}", String::from_utf8_lossy(&raw)),
        ),
    })
}

/// How long a test waits for any answer: every budget here is a few seconds.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the probe waits for an answer before it counts the request as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET target` on a new connection.
fn get(addr: &str, target: &str) -> Reply {
    let request = format!("GET {target} HTTP/1.1\r\nHost: fonds.test\r\nConnection: close\r\n\r\n");
    exchange(addr, request.as_bytes(), ANSWER_TIMEOUT)
        .unwrap_or_else(|e| panic!("GET {target}: {e}"))
}

fn parse(raw: &[u8]) -> Option<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// A client making the 1 ms request over and over, each on a new connection, timing each.
struct Probe {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<(Vec<Duration>, Vec<String>)>,
}

impl Probe {
    fn start(addr: &str) -> Probe {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let (stop, addr) = (Arc::clone(&stop), addr.to_string());
            move || {
                let request = format!(
                    "GET {QUICK} HTTP/1.1\r\nHost: fonds.test\r\nConnection: close\r\n\r\n"
                );
                let (mut times, mut failures) = (Vec::new(), Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    match exchange(&addr, request.as_bytes(), PROBE_TIMEOUT) {
                        Ok(r) if r.status == 200 => times.push(started.elapsed()),
                        Ok(r) => failures.push(format!("{} {}", r.status, r.text())),
                        Err(e) => failures.push(e.to_string()),
                    }
                    // About a hundred requests a second: a steady reader, not a load test.
                    thread::sleep(Duration::from_millis(10));
                }
                (times, failures)
            }
        });
        Probe { stop, thread }
    }

    /// Stops the client; asserts that every request was answered 200, that there were at
    /// least `at_least`, and that their p99 is under `limit`. Returns (p50, p99, count).
    #[track_caller]
    fn finish(self, during: &str, at_least: usize, limit: Duration) -> (Duration, Duration, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let (mut times, failures) = self.thread.join().unwrap();
        assert!(
            failures.is_empty(),
            "{during}: {} of the 1 ms requests failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
        assert!(
            times.len() >= at_least,
            "{during}: only {} 1 ms requests were answered (at least {at_least} expected); the \
             slowest took {:?}",
            times.len(),
            times.iter().max()
        );
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).min(times.len()) - 1];
        let (p50, p99) = (at(0.50), at(0.99));
        println!(
            "{during}: {} requests of {QUICK}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            times.len(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3
        );
        assert!(
            p99 < limit,
            "{during}: the 1 ms requests' p99 is {p99:?} (p50 {p50:?}, {} requests); it must \
             stay under {limit:?}",
            times.len()
        );
        (p50, p99, times.len())
    }
}

/// The sockets of process `pid` (Linux; `None` elsewhere).
fn sockets_of(pid: u32) -> Option<usize> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    Some(
        fds.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count(),
    )
}

/// The soft and hard open-file limits of process `pid` (Linux; `None` elsewhere).
fn open_file_limits(pid: u32) -> Option<(String, String)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    Some((fields[3].to_string(), fields[4].to_string()))
}

/// Whether the server has closed `s` (EOF or reset) by `deadline`.
fn closed_by(s: &mut TcpStream, deadline: Instant) -> bool {
    let mut byte = [0u8; 1];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut byte) {
            Ok(0) => return true,
            Ok(_) => continue, // an answer (none is expected); keep reading to the close
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true, // reset
        }
    }
}

/// Whether `s` is still open (nothing to read, no EOF), without waiting.
fn still_open(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let open = matches!(s.peek(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock);
    s.set_nonblocking(false).unwrap();
    open
}

#[test]
fn a_slowloris_of_3000_connections_starves_no_one_and_is_closed_by_the_header_timeout() {
    let _one = one_at_a_time();
    // This process holds the 3,000 connections; the server, their other ends.
    let needed = SLOW_CONNECTIONS as u64 + 500;
    if let Err(why) = support::open_files_at_least(needed) {
        let _ = writeln!(
            std::io::stderr(),
            "skipping the slowloris test: {why} (by this test and by the server)"
        );
        return;
    }
    let header_timeout = Duration::from_secs(5);
    // The server starts with the common default soft limit of 1,024: it must raise it itself,
    // or accept() fails at ~1,000 connections and the 1 ms requests wait.
    let server = Served::start_with_open_files(
        data(),
        &["--header-timeout", "5", "--idle-timeout", "30"],
        1024,
    );
    if let Some((soft, hard)) = open_file_limits(server.pid()) {
        assert_eq!(soft, hard, "the server did not raise its open-file limit");
    }
    for _ in 0..20 {
        assert_eq!(get(&server.addr, QUICK).status, 200);
    }
    // The same requests without the slowloris, for comparison.
    let quiet = Probe::start(&server.addr);
    thread::sleep(Duration::from_millis(1500));
    quiet.finish("with no other client", 50, P99_LIMIT);
    let probe = Probe::start(&server.addr);
    thread::sleep(Duration::from_millis(300));

    // 3,000 connections, each with a request begun and never finished.
    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..SLOW_CONNECTIONS)
        .map(|i| {
            let mut s = TcpStream::connect(&server.addr)
                .unwrap_or_else(|e| panic!("slow connection {i}: {e}\n{}", server.output()));
            s.write_all(b"GET /api/documents/wcda-134278 HTTP/1.1\r\nHost: fonds.test\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    let all_open = opened.elapsed();
    println!("{SLOW_CONNECTIONS} slow connections opened in {all_open:?}");

    // The server holds them all: accepted, not left in the kernel's queue.
    if sockets_of(server.pid()).is_some() {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut held = 0;
        while Instant::now() < deadline {
            held = sockets_of(server.pid()).unwrap_or(0);
            if held > SLOW_CONNECTIONS {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        assert!(
            held > SLOW_CONNECTIONS,
            "the server holds {held} sockets, not the {SLOW_CONNECTIONS} slow connections"
        );
    }

    // Held until just before the header timeout: none is closed early.
    let before_timeout = (opened + header_timeout)
        .checked_sub(Duration::from_millis(1000))
        .unwrap();
    thread::sleep(before_timeout.saturating_duration_since(Instant::now()));
    let open = slow.iter().filter(|s| still_open(s)).count();
    assert_eq!(
        open, SLOW_CONNECTIONS,
        "slow connections were closed before the header timeout"
    );

    // Then every one is closed by the header timeout (with a margin for a busy machine).
    let deadline = opened + all_open + header_timeout + Duration::from_secs(3);
    let lingering = slow
        .iter_mut()
        .map(|s| closed_by(s, deadline))
        .filter(|closed| !closed)
        .count();
    let closed_after = opened.elapsed();
    assert_eq!(
        lingering, 0,
        "{lingering} of {SLOW_CONNECTIONS} half-sent requests were still open {:?} after they \
         were opened, with a header timeout of {header_timeout:?}",
        closed_after
    );
    println!("all slow connections closed {closed_after:?} after they were opened");
    drop(slow);

    // The 1 ms requests ran throughout: while the connections were opened, held and closed.
    thread::sleep(Duration::from_millis(300));
    probe.finish("under a slowloris of 3,000 connections", 200, P99_LIMIT);
}

#[test]
fn a_page_that_takes_seconds_stalls_no_one_and_is_cut_at_its_budget() {
    let _one = one_at_a_time();
    let budget = Duration::from_secs(3);
    // As many heavy pages at once as the server has async threads (one per core): rendered on
    // those threads, they would stop every other request. Two workers stay free for the rest.
    let heavies = thread::available_parallelism().map_or(2, usize::from);
    let workers = (heavies + 2).to_string();
    let mut server = Served::start(data(), &["--request-timeout", "3", "--workers", &workers]);
    for _ in 0..20 {
        assert_eq!(get(&server.addr, QUICK).status, 200);
    }
    let probe = Probe::start(&server.addr);
    thread::sleep(Duration::from_millis(300));

    // The heavy pages are asked for beside the 1 ms requests; their work may go on after
    // their answers.
    let heavy: Vec<_> = (0..heavies)
        .map(|_| {
            let addr = server.addr.clone();
            thread::spawn(move || {
                let started = Instant::now();
                let reply = get(&addr, HEAVY);
                (reply, started.elapsed())
            })
        })
        .collect();
    thread::sleep(budget + Duration::from_secs(2));
    probe.finish(
        &format!("while {heavies} pages take seconds to render"),
        200,
        P99_LIMIT_CORES_TAKEN,
    );

    for heavy in heavy {
        let (heavy, took) = heavy.join().unwrap();
        println!("{HEAVY}: {} after {took:?}", heavy.status);
        assert!(
            took < budget + Duration::from_secs(1),
            "{HEAVY} was answered after {took:?}, past its budget of {budget:?}"
        );
        match heavy.status {
            200 => assert!(heavy.text().contains("Author 99999")),
            503 => {
                assert!(
                    took >= budget - Duration::from_millis(100),
                    "503 after {took:?}, before the budget: {}",
                    heavy.text()
                );
                assert_eq!(heavy.header("retry-after"), Some("3"));
                assert_eq!(
                    heavy.header("content-type"),
                    Some("text/html; charset=utf-8")
                );
                assert!(
                    heavy.text().contains("took longer than the 3 s"),
                    "{}",
                    heavy.text()
                );
            }
            other => panic!("{HEAVY}: {other} {}", heavy.text()),
        }
    }

    // Ctrl-C or SIGTERM still stops the server promptly, work in the background or not.
    let status = server.terminate(Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "after SIGTERM the server ended with {status:?}; its output:\n{}",
        server.output()
    );
}

#[test]
fn a_full_worker_pool_answers_503_at_once_and_assets_still_flow() {
    let _one = one_at_a_time();
    let budget = Duration::from_secs(2);
    let server = Served::start(data(), &["--workers", "1", "--request-timeout", "2"]);
    assert_eq!(get(&server.addr, QUICK).status, 200);
    // The heavy page takes the only worker for seconds.
    let heavy = thread::spawn({
        let addr = server.addr.clone();
        move || get(&addr, HEAVY).status
    });
    thread::sleep(Duration::from_millis(500));

    // 100 requests at once: 64 may wait for the worker (until their budget), the rest are
    // refused at once.
    let asked = Instant::now();
    let answers: Vec<(Reply, Duration)> = (0..100)
        .map(|_| {
            let addr = server.addr.clone();
            thread::spawn(move || {
                let r = get(&addr, QUICK);
                (r, asked.elapsed())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let css_started = Instant::now();
    let css = get(&server.addr, "/assets/fonds.css");
    let css_took = css_started.elapsed();
    assert_eq!(heavy.join().unwrap(), 503);

    let mut at_once = 0;
    for (r, took) in &answers {
        assert_eq!(r.status, 503, "{}", r.text());
        assert_eq!(r.json()["error"]["code"], "unavailable");
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        if *took < Duration::from_millis(1000) {
            at_once += 1;
            assert_eq!(retry, 1, "{}", r.text());
            assert!(
                r.text().contains("as many requests as it can"),
                "{}",
                r.text()
            );
        } else {
            assert!(
                *took < budget + Duration::from_secs(2),
                "answered after {took:?}"
            );
            assert_eq!(retry, 2, "{}", r.text());
            assert!(
                r.text().contains("took longer than the 2 s"),
                "{}",
                r.text()
            );
        }
    }
    assert!(
        (30..=40).contains(&at_once),
        "{at_once} of 100 requests were refused at once; 36 should be (1 worker, 64 waiting)"
    );
    // The async threads are free: a static asset is answered at once.
    assert_eq!(css.status, 200);
    assert!(
        css_took < Duration::from_millis(200),
        "the style sheet took {css_took:?}"
    );
}

#[test]
fn a_client_that_stops_reading_is_cut_off_after_the_idle_timeout() {
    let _one = one_at_a_time();
    let idle = Duration::from_secs(2);
    let server = Served::start(data(), &["--idle-timeout", "2"]);
    let one = get(&server.addr, "/openapi.json").body.len();
    // Ask for ~20 MB of answers in one go (pipelined), more than the sockets' buffers hold,
    // and read none of it.
    let requests = 20_000_000 / one;
    let mut s = TcpStream::connect(&server.addr).unwrap();
    let pipelined = "GET /openapi.json HTTP/1.1\r\nHost: fonds.test\r\n\r\n".repeat(requests);
    s.write_all(pipelined.as_bytes()).unwrap();
    thread::sleep(idle + Duration::from_secs(2));
    // Now read: what was buffered arrives, then the close, long before all the answers.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut received = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let ended = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                break false;
            }
            Err(_) => break true,
        }
    };
    let answered = received
        .windows(15)
        .filter(|w| w == b"HTTP/1.1 200 OK")
        .count();
    println!(
        "a client that stopped reading for {:?} then received {answered} of {requests} answers \
         ({} bytes); the connection {}",
        idle + Duration::from_secs(2),
        received.len(),
        if ended { "was closed" } else { "stayed open" }
    );
    assert!(
        ended,
        "the connection was still open after {idle:?} of no progress"
    );
    assert!(
        answered < requests,
        "all {requests} answers arrived: the stalled connection was not cut"
    );
}

#[test]
fn requests_too_large_are_refused_with_413_414_and_431() {
    let _one = one_at_a_time();
    let server = Served::start(data(), &[]);
    let s = &server.addr;
    let send = |request: String| exchange(s, request.as_bytes(), ANSWER_TIMEOUT).unwrap();

    // 413: a declared body over 64 KiB, before routing (POST would otherwise be 405).
    let r = send(
        "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n"
            .into(),
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "body_too_large");
    assert!(r.text().contains("10000000 bytes"), "{}", r.text());
    let r = send(
        "GET /documents/wcda-134278 HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\nConnection: close\r\n\r\n"
            .into(),
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    // A small body is no reason to refuse: the method is.
    let r = send(
        "POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\nConnection: close\r\n\r\nverb=Identify"
            .into(),
    );
    assert_eq!(r.status, 405);

    // 414: a target over 8 KiB, as JSON under /api/ and as a page elsewhere.
    let long_q = "x".repeat(9000);
    let r = get(s, &format!("/api/search?q={long_q}"));
    assert_eq!(r.status, 414, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "uri_too_long");
    let r = get(s, &format!("/search?q={long_q}"));
    assert_eq!(r.status, 414);
    assert!(r.text().contains("That address is too long"));
    assert!(r.header("content-security-policy").is_some());
    // Just under the limit is answered.
    let r = get(s, &format!("/documents/wcda-134278?x={}", "x".repeat(8000)));
    assert_eq!(r.status, 200, "{}", r.text());

    // 431: header fields over 16 KiB, answered by the server's error table...
    let big = "v".repeat(20_000);
    let r = send(format!(
        "GET /api/collections HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(r.status, 431, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "headers_too_large");
    // ...and past what a connection buffers (64 KiB) or 100 fields, by the HTTP parser.
    let huge = "v".repeat(200_000);
    let r = send(format!(
        "GET /api/collections HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(r.status, 431);
    let many: String = (0..150).map(|i| format!("X-F{i}: 1\r\n")).collect();
    let r = send(format!(
        "GET /api/collections HTTP/1.1\r\nHost: x\r\n{many}Connection: close\r\n\r\n"
    ));
    assert_eq!(r.status, 431);
    // Ordinary headers pass.
    assert_eq!(get(s, "/api/collections").status, 200);
}
