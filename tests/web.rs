//! The web reader and JSON API, over real HTTP: the real `fonds serve` on the bundled corpus.
//!
//! One data folder is imported once per run (the bundled sample corpus plus a record of
//! hostile text); every test starts its own server on a free port and stops it when done.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A record whose every field is hostile: markup, a `</script>`, a 1 MB paragraph. (Control
/// characters no longer get this far: the importers refuse them, `tests/malformed.rs`; the
/// pages' own cleaning of them is `web::markup`'s unit test.)
fn hostile_record() -> String {
    let long = "x".repeat(1_000_000);
    serde_json::json!({
        "id": "hostile-1",
        "title": "<script>alert('title')</script> & \"quotes\"",
        "date": "1950-07",
        "type": "<b>Memo</b>",
        "summary": "\"><img src=x onerror=alert('summary')> [31m bell",
        "languages": ["ru"],
        "authors": ["</script><script>alert('author')</script>"],
        "recipients": ["<!-- -->"],
        "texts": [
            {"role": "transcript", "lang": "ru", "body": format!("<iframe src=javascript:alert(1)>\n\n{long}")},
            {"role": "translation", "lang": "en\"><script>alert('lang')</script>", "body": "</div></div><script>alert('body')</script>",
             "translators": ["<svg onload=alert('t')>"], "notes": [{"n": "<1>", "body": "<script>alert('note')</script>"}]}
        ],
        "archival_refs": [{"archive": "<A>", "fond": "1", "delo": "2", "raw": "<A> f. 1, d. 2 <script>"}],
        "citation": "</p><script>alert('citation')</script>",
        "rights": "javascript:alert('rights')",
        "source": {"name": "<Source>", "url": "javascript:alert('url')", "collection": "<Coll>/../x"},
        "extra": {"<b>key</b>": "<i>value</i>"},
    })
    .to_string()
}

/// The shared data folder: the bundled corpus and the hostile record, imported once.
fn data() -> &'static Path {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-data");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let hostile = dir.join("hostile.jsonl");
        std::fs::write(&hostile, hostile_record() + "\n").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
            .arg("--data")
            .arg(dir.join("data"))
            .arg("import")
            .arg(root().join("corpus"))
            .arg(&hostile)
            .env_remove("FONDS_DATA")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir.join("data")
    })
}

/// A running `fonds serve`, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server() -> Server {
    server_on(data(), &["--base-url", "https://fonds.test"])
}

/// `fonds --data DATA serve --addr 127.0.0.1:0 ARGS…`, once it says where it listens.
fn server_on(data: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .env_remove("FONDS_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    Server { child, addr }
}

/// An HTTP response.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!("not JSON ({e}): {}", &self.body[..self.body.len().min(500)])
        })
    }
}

impl Server {
    /// Sends `GET target` as written (not re-encoded) and reads the whole response.
    fn get(&self, target: &str) -> Response {
        self.request("GET", target)
    }

    /// Sends `METHOD target` with no body and reads the whole response.
    fn request(&self, method: &str, target: &str) -> Response {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a complete response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        if headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        Response {
            status,
            headers,
            body: String::from_utf8(body).expect("UTF-8 body"),
        }
    }

    #[track_caller]
    fn page(&self, target: &str) -> String {
        let r = self.get(target);
        assert_eq!(r.status, 200, "GET {target}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        r.body
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + size]);
        body = &body[eol + 2 + size + 2..];
    }
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in page"))
        + start.len();
    let j = s[i..].find(end).unwrap() + i;
    &s[i..j]
}

/// The document ids a results page links to, in order.
fn hit_ids(html: &str) -> Vec<String> {
    html.match_indices("<a class=\"hit-title\" href=\"/documents/")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// The number in `data-total="N"`.
fn total(html: &str) -> usize {
    between(html, "data-total=\"", "\"").parse().unwrap()
}

#[test]
fn home_says_what_the_archive_holds() {
    let s = server();
    let html = s.page("/");
    assert!(html.contains("<form class=\"search-form\" role=\"search\" action=\"/search\""));
    assert!(html.contains("<label for=\"q\">"));
    for landmark in [
        "<header class=\"site\">",
        "<main id=\"main\"",
        "<footer",
        "<nav aria-label=\"Site\">",
    ] {
        assert!(html.contains(landmark), "{landmark}");
    }
    // Counts by type, language, decade and archive, each a link to the search.
    assert!(html.contains("href=\"/search?type=Telegram\">Telegram</a> <span class=\"count\">"));
    assert!(html.contains("href=\"/search?lang=ru\">Russian</a>"));
    assert!(html.contains("href=\"/search?decade=1890\">1890s</a>"));
    assert!(html.contains("href=\"/search?archive=RGASPI\">RGASPI</a>"));
    // Collections, notable (bilingual) and recent documents.
    assert!(html.contains("Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)</a> <span class=\"meta\">138 documents"));
    let notable = between(&html, "id=\"notable-h\"", "</section>");
    assert!(notable.contains("/documents/wcda-134278"), "{notable}");
    assert!(html.contains("id=\"recent-h\""));
    // A Russian title in an English page says its language.
    assert!(
        html.contains(" lang=\"ru\">По указанию министра"),
        "no lang on a Russian title"
    );
    // The site and its search for search engines.
    let ld: Value = serde_json::from_str(between(
        &html,
        "<script type=\"application/ld+json\">",
        "</script>",
    ))
    .unwrap();
    assert_eq!(
        ld["potentialAction"]["target"]["urlTemplate"],
        "https://fonds.test/search?q={search_term_string}"
    );
}

#[test]
fn a_phrase_finds_the_seed_telegram_with_a_highlighted_snippet() {
    let s = server();
    let html = s.page("/search?q=%2238th+parallel%22");
    let ids = hit_ids(&html);
    assert!(ids.contains(&"wcda-134278".to_string()), "{ids:?}");
    let hit = between(&html, "href=\"/documents/wcda-134278\"", "</li>");
    assert!(
        hit.contains("<mark>38th parallel</mark>")
            || hit.contains("<mark>38th</mark> <mark>parallel</mark>"),
        "{hit}"
    );
    assert!(
        hit.contains("(from the translation)") || hit.contains("(from the summary)"),
        "{hit}"
    );
    assert_eq!(total(&html), ids.len());
    // Each hit says its type and collection.
    assert!(
        hit.contains("13 July 1950</time> · Telegram · Wilson Center Digital Archive"),
        "{hit}"
    );
    // The form keeps the query, escaped.
    assert!(html.contains("value=\"&#34;38th parallel&#34;\""));
}

#[test]
fn russian_morphology_works_on_the_search_page() {
    let s = server();
    let html = s.page("/search?q=%D0%A1%D1%82%D0%B0%D0%BB%D0%B8%D0%BD"); // Сталин
    let ids = hit_ids(&html);
    assert!(ids.contains(&"wcda-134278".to_string()), "{ids:?}");
    assert!(
        html.contains("<mark>Сталину</mark>") || html.contains("<mark>Сталин"),
        "no Russian highlight"
    );
}

#[test]
fn facets_narrow_and_widen_the_search() {
    let s = server();
    let all = s.page("/search?q=Nicaragua");
    let n_all = total(&all);
    assert!(n_all > 20, "{n_all}");
    // The type facet offers Telegram with its count; following it narrows to that count.
    let facet = between(&all, "id=\"facet-type\"", "</section>");
    let count: usize = between(
        facet,
        "href=\"/search?q=Nicaragua&#38;type=Telegram\">Telegram</a> <span class=\"count\">",
        "<",
    )
    .parse()
    .unwrap();
    assert!(count < n_all);
    let telegrams = s.page("/search?q=Nicaragua&type=Telegram");
    assert_eq!(total(&telegrams), count);
    assert!(telegrams.contains("aria-label=\"Remove filter Type: Telegram\""));
    assert!(telegrams.contains("<input type=\"hidden\" name=\"type\" value=\"Telegram\">"));
    // The chosen value links back to the wider search.
    assert!(
        telegrams
            .contains("<a href=\"/search?q=Nicaragua\" aria-current=\"true\" class=\"active\"")
    );
    // Decade, then year.
    assert!(!all.contains("id=\"facet-year\"") || all.contains("id=\"facet-decade\""));
    let decade = s.page("/search?q=Nicaragua&decade=1890");
    let years = between(&decade, "id=\"facet-year\"", "</section>");
    assert!(
        years.contains("href=\"/search?q=Nicaragua&#38;decade=1890&#38;year=1894\">1894</a>"),
        "{years}"
    );
    let year = s.page("/search?q=Nicaragua&decade=1890&year=1894");
    assert!(total(&year) <= total(&decade));
    // Author facet: exact names as written.
    let authors = between(&all, "id=\"facet-author\"", "</section>");
    assert!(authors.contains("author=Baker"), "{authors}");
}

#[test]
fn date_range_sorting_and_pages_have_stable_urls() {
    let s = server();
    let asc = s.page("/search?q=Nicaragua&sort=date");
    let dates: Vec<&str> = asc
        .match_indices("<time datetime=\"")
        .map(|(i, m)| &asc[i + m.len()..i + m.len() + 10])
        .collect();
    assert!(dates.len() >= 10);
    assert!(
        dates.windows(2).all(|w| w[0][..7] <= w[1][..7]),
        "{dates:?}"
    );
    let desc = s.page("/search?q=Nicaragua&sort=date-desc");
    assert_ne!(hit_ids(&asc)[0], hit_ids(&desc)[0]);
    // Pages: 20 hits each, no overlap, links to the next page.
    assert!(asc.contains("href=\"/search?q=Nicaragua&#38;sort=date&#38;page=2\" rel=\"next\""));
    let page2 = s.page("/search?q=Nicaragua&sort=date&page=2");
    let (p1, p2) = (hit_ids(&asc), hit_ids(&page2));
    assert_eq!(p1.len(), 20);
    assert!(p2.iter().all(|id| !p1.contains(id)));
    assert!(page2.contains("Showing 21–"));
    // A date range.
    let july = s.page("/search?q=&from=1950-07&to=1950-07");
    let ids = hit_ids(&july);
    assert!(
        ids.contains(&"wcda-134278".to_string()) && !ids.contains(&"wcda-113729".to_string()),
        "{ids:?}"
    );
    assert!(july.contains("Dated 1950-07 to 1950-07"));
    // A range that runs backwards is said to, and a decade is a decade.
    let backwards = s.page("/search?q=Nicaragua&from=1960&to=1950");
    assert_eq!(total(&backwards), 0);
    assert!(backwards.contains("The range runs backwards: 1960 is after 1950"));
    let decade = s.page("/search?q=Nicaragua&decade=1894");
    assert!(decade.contains("Decade: 1890s"));
    assert_eq!(
        total(&decade),
        total(&s.page("/search?q=Nicaragua&decade=1890"))
    );
}

#[test]
fn empty_and_invalid_queries_are_explained_never_a_500() {
    let s = server();
    let empty = s.page("/search");
    assert!(empty.contains("No words given"));
    assert!(total(&empty) > 100);
    let r = s.get("/search?q=auther:Stalin");
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("role=\"alert\"") && r.body.contains("auther"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"auther:Stalin\""));
    let r = s.get("/search?q=x&from=1950-13");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("`from`"), "{}", r.body);
    let long = "a".repeat(20_000);
    for q in [
        "/search?q=%FF%FE",
        "/search?q=((((",
        "/search?q=%22",
        "/search?q=AND",
        "/search?q=NOT",
        "/search?q=-",
        "/search?q=*",
        "/search?q=title:",
        "/search?q=%00%01",
        "/search?page=-1",
        "/search?page=0",
        "/search?page=abc",
        "/search?page=99999999999999999999",
        "/search?sort=x",
        "/search?q[]=x",
        "/search?%",
        "/search?&&&=&",
        "/search?type=%3Cscript%3E",
        "/search?decade=-5",
        "/search?year=99999",
        "/search?q=date_start:[x%20TO%20y]",
        "/search?q=%22%22",
        "/search?q=title:%22unclosed",
        "/search?q=a^99999999",
        "/api/search?cursor=abc",
        "/api/search?limit=0",
        "/api/search?limit=1000000",
        "/api/search?q=((",
        "/api/search?cursor=99999999",
        "/documents/%FF",
        "/documents/%2e%2e",
        "/api/documents/%FF",
        "/browse/collections/%FF",
        "/browse/collections/nope?page=x",
        "/browse/files/nope",
        "/documents/",
        "/api/",
        "/search?q=%E2%80%AE",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        format!("/search?q={long}"),
        format!("/api/search?q={long}"),
        format!("/api/search?q={}", "(".repeat(20_000)),
        format!("/search?q={}a{}", "(".repeat(40), ")".repeat(40)),
        format!("/api/search?q={}", "%22".repeat(4001)),
        format!("/api/search?q={}", "NOT+".repeat(1000)),
        format!("/api/search?q={}", "a%5E".repeat(1000)),
        format!("/api/search?q={}", "title:".repeat(600)),
        format!("/api/search?q={}", "-".repeat(4000)),
        format!("/api/search?q={}", "[a+TO+b]".repeat(400)),
    ]) {
        let r = s.get(&q);
        assert!(
            r.status < 500,
            "GET {}: {} {}",
            &q[..q.len().min(80)],
            r.status,
            &r.body[..r.body.len().min(300)]
        );
        if q.starts_with("/api/") {
            let e = r.json();
            if r.status >= 400 {
                assert!(
                    e["error"]["code"].is_string() && e["error"]["message"].is_string(),
                    "{e}"
                );
            }
        }
    }
}

#[test]
fn the_document_page_sets_the_original_beside_its_translation() {
    let s = server();
    let html = s.page("/documents/wcda-134278");
    assert!(html.contains("<h1 id=\"doc-title\">Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking</h1>"));
    assert!(html.contains("<time datetime=\"1950-07-13\">13 July 1950</time>"));
    // Catalogue fields: authors, recipients, archival references, source, provenance.
    for field in [
        "<dt>Authors</dt>",
        "<dt>Recipients</dt>",
        "<dt>Archival references</dt>",
        "<dt>Source</dt>",
        "<dt>Provenance</dt>",
        "<dt>Classification</dt>",
    ] {
        assert!(html.contains(field), "{field}");
    }
    assert!(html.contains("RGASPI, f. 558, op. 11, d. 334, ll.0085"));
    assert!(html.contains("SHA-256 "));
    // Two columns, aligned paragraph by paragraph, each row with a citable anchor.
    let parallel = between(&html, "<div class=\"parallel\">", "</section>");
    assert!(parallel.contains("<div class=\"row\" id=\"p1\">"));
    assert!(parallel.contains("<a class=\"anchor\" href=\"#p4\""));
    let row = between(
        parallel,
        "<div class=\"row\" id=\"p2\">",
        "<div class=\"row\" id=\"p3\">",
    );
    assert!(row.contains("<div class=\"para original\" lang=\"ru\"><p>Передайте Чжоу Энляю или Мао Цзэдуну следующее :</p>"), "{row}");
    assert!(row.contains("<div class=\"para translation\" lang=\"en\"><p>Pass the following to either Zhou Enlai or Mao Zedong:</p>"), "{row}");
    // The seven header lines of the cipher telegram sit beside the one English header.
    let first = between(
        parallel,
        "<div class=\"row\" id=\"p1\">",
        "<div class=\"row\" id=\"p2\">",
    );
    assert!(
        first.contains("Совершенно секретно")
            && first.contains("СОВПОСОЛ")
            && first.contains("SPECIAL [BEIJING]"),
        "{first}"
    );
    assert!(html.contains("Translated by Gary Goldberg"));
    // Citation box, metadata for Zotero and search engines.
    let cite = between(&html, "<section id=\"cite\"", "</section>");
    assert!(cite.contains("id=\"citation-chicago\""));
    assert!(cite.contains("RGASPI"), "{cite}");
    assert!(cite.contains("data-copy=\"citation-chicago\""));
    assert!(html.contains("<meta name=\"citation_title\" content=\"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking\">"));
    assert!(
        html.contains("<link rel=\"canonical\" href=\"https://fonds.test/documents/wcda-134278\">")
    );
    let ld: Value = serde_json::from_str(between(
        &html,
        "<script type=\"application/ld+json\">",
        "</script>",
    ))
    .unwrap();
    assert!(ld.is_object(), "{ld}");
    // Its collection's previous and next, and its archival file.
    let nav = between(&html, "<nav class=\"doc-nav\"", "</nav>");
    assert!(
        nav.contains("rel=\"prev\"") && nav.contains("rel=\"next\""),
        "{nav}"
    );
    assert!(nav.contains("href=\"/documents/wcda-113729\""), "{nav}");
    assert!(html.contains("href=\"/browse/files/RGASPI%20f.%20558%2C%20op.%2011%2C%20d.%20334\""));
}

#[test]
fn a_frus_document_keeps_its_footnotes_apart() {
    let s = server();
    let list = s.page("/browse/collections/Foreign%20Relations%20of%20the%20United%20States%2C%201894%2C%20Nicaragua%20%28Mosquito%20Territory%29");
    assert!(list.contains("138 documents, in chronological order"));
    assert!(list.contains("rel=\"next\""));
    // Find a document with notes by walking the list.
    let ids: Vec<String> = list
        .match_indices("href=\"/documents/")
        .map(|(i, m)| {
            let rest = &list[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(ids.len(), 50);
    let with_notes = ids
        .iter()
        .map(|id| s.page(&format!("/documents/{id}")))
        .find(|html| html.contains("<aside class=\"notes\""))
        .expect("a FRUS document with footnotes");
    let text = between(&with_notes, "<section class=\"text ", "</section>");
    let notes = between(&with_notes, "<aside class=\"notes\"", "</aside>");
    assert!(text.contains("id=\"p1\""));
    assert!(
        notes.contains("<ul class=\"note-list\" lang=\"en\">"),
        "{notes}"
    );
    // A note's text is not in the body.
    let first_note = between(notes, "<li id=\"t1-n1\">", "</li>");
    let note_text = first_note.rsplit("</span> ").next().unwrap();
    assert!(!text.contains(note_text), "{note_text}");
}

#[test]
fn unknown_documents_are_a_friendly_404() {
    let s = server();
    let r = s.get("/documents/wcda-999999999");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<h1>Not found</h1>") && r.body.contains("wcda-999999999"));
    assert!(r.body.contains("href=\"/search\""));
    let r = s.get("/api/documents/wcda-999999999");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["error"]["code"], "not_found");
    let r = s.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<main id=\"main\""));
}

#[test]
fn hostile_text_is_shown_escaped() {
    let s = server();
    let r = s.get("/documents/hostile-1");
    assert_eq!(r.status, 200);
    let html = &r.body;
    assert!(html.len() > 1_000_000);
    for bad in [
        "<script>alert",
        "<img src=x",
        "<iframe",
        "<svg onload",
        "<b>key</b>",
        "<i>value</i>",
        "<!-- -->",
        "href=\"javascript:",
    ] {
        assert!(!html.contains(bad), "unescaped {bad}");
    }
    assert!(html.contains("&#60;script&#62;alert(&#39;title&#39;)&#60;/script&#62;"));
    // The JSON-LD stays one script element that parses.
    let ld = between(html, "<script type=\"application/ld+json\">", "</script>");
    assert!(serde_json::from_str::<Value>(ld).is_ok(), "{ld}");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the JSON-LD and the page's own script only"
    );
    // The page is whole: it ends as it should.
    assert!(html.trim_end().ends_with("</html>"));
    // In search results and in lists too.
    let results = s.page("/search?q=alert");
    assert!(!results.contains("<script>alert"));
    let home = s.page("/");
    assert!(!home.contains("<script>alert") && !home.contains("<Coll>"));
}

#[test]
fn the_api_answers_as_the_command_line_does() {
    let s = server();
    let r = s.get("/api/documents/wcda-134278");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let shown = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data())
        .args(["show", "wcda-134278", "--json"])
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(r.json(), shown);
    // Search: the `fonds search --json` shape, and a cursor that pages through every hit once.
    let first = s.get("/api/search?q=Nicaragua&limit=40").json();
    let total = first["total"].as_u64().unwrap() as usize;
    assert!(total > 40);
    for key in [
        "type",
        "lang",
        "decade",
        "year",
        "collection",
        "author",
        "recipient",
    ] {
        assert!(first["facets"][key].is_array(), "facet {key}");
    }
    let stalin = s.get("/api/search?q=Stalin").json();
    assert_eq!(
        stalin["facets"]["archive"][0]["value"], "RGASPI",
        "{}",
        stalin["facets"]
    );
    let hit = &first["hits"][0];
    for key in ["id", "title", "date", "score", "snippet", "snippet_source"] {
        assert!(hit.get(key).is_some(), "hit field {key}");
    }
    let mut seen = std::collections::HashSet::new();
    let mut page = first;
    loop {
        for h in page["hits"].as_array().unwrap() {
            assert!(
                seen.insert(h["id"].as_str().unwrap().to_string()),
                "a hit twice"
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => {
                page = s
                    .get(&format!("/api/search?q=Nicaragua&limit=40&cursor={c}"))
                    .json()
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    // A prefix that stands for too many words is searched for the first of them, with a warning.
    let s_star = s.get("/api/search?q=s*").json();
    assert!(s_star["total"].as_u64().unwrap() > 100);
    assert!(
        s_star["warnings"][0]
            .as_str()
            .unwrap()
            .contains("`s*` stands for more than 200 words"),
        "{}",
        s_star["warnings"]
    );
    // Errors are JSON with a code.
    let r = s.get("/api/search?q=auther:x");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "invalid_query");
    let r = s.get("/api/search?sort=best");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "invalid_parameter");
    // Other methods: 405 with Allow, as JSON under /api/.
    let r = s.request("POST", "/api/search?q=x");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET,HEAD"));
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");
    // Collections.
    let c = s.get("/api/collections").json();
    let names: Vec<&str> = c["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Wilson Center Digital Archive"),
        "{names:?}"
    );
    assert_eq!(
        s.get("/api/collections")
            .header("access-control-allow-origin"),
        Some("*")
    );
}

#[test]
fn the_openapi_document_describes_every_api_route() {
    let s = server();
    let spec = s.get("/openapi.json").json();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().unwrap();
    for p in [
        "/api/documents/{id}",
        "/api/search",
        "/api/collections",
        "/openapi.json",
    ] {
        assert!(paths.contains_key(p), "{p} not described");
    }
    for p in paths.keys() {
        let url = p.replace("{id}", "wcda-134278");
        let r = s.get(&url);
        assert_eq!(r.status, 200, "{url}");
    }
    // Every declared parameter of search is one the server reads: a bad value is refused.
    for (param, bad) in [
        ("from", "x"),
        ("to", "x"),
        ("sort", "x"),
        ("limit", "0"),
        ("cursor", "x"),
        ("decade", "x"),
        ("year", "x"),
    ] {
        let r = s.get(&format!("/api/search?{param}={bad}"));
        assert_eq!(r.status, 400, "{param}={bad}");
    }
}

#[test]
fn browse_by_date_collection_and_archival_file() {
    let s = server();
    let dates = s.page("/browse/dates");
    assert!(
        dates.contains("<a href=\"/search?year=1894&#38;sort=date\">1894</a>"),
        "chronology"
    );
    assert!(
        dates.contains("<a href=\"/search?from=1950-07&#38;to=1950-07&#38;sort=date\">July</a>")
    );
    let collections = s.page("/browse/collections");
    assert!(
        collections.contains("href=\"/browse/collections/Wilson%20Center%20Digital%20Archive\"")
    );
    let files = s.page("/browse/files");
    assert!(
        files.contains(">RGASPI f. 558, op. 11, d. 334</a>"),
        "files"
    );
    let file = s.page("/browse/files/RGASPI%20f.%20558%2C%20op.%2011%2C%20d.%20334");
    assert!(file.contains("href=\"/documents/wcda-134278\""));
    assert_eq!(s.get("/browse/collections/No%20such").status, 404);
    let index = s.page("/browse");
    assert!(index.contains("href=\"/browse/dates\""));
}

#[test]
fn pages_carry_security_headers_and_work_without_script() {
    let s = server();
    let r = s.get("/documents/wcda-134278");
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    // No inline script or handler: everything works without JavaScript, and the CSP holds.
    assert!(!r.body.contains(" onclick=") && !r.body.contains("<script>"));
    let css = s.get("/assets/fonds.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains(":focus-visible"));
}

#[test]
fn snapshots_of_the_document_page_and_the_json_shapes() {
    let s = server();
    let html = s.page("/documents/wcda-113729");
    let main = between(&html, "<main id=\"main\" tabindex=\"-1\">", "</main>");
    let head = between(&html, "<head>", "</head>");
    insta::assert_snapshot!("document_page_head_wcda-113729", head);
    insta::assert_snapshot!("document_page_main_wcda-113729", main);
    let mut search = s.get("/api/search?q=%2238th+parallel%22&limit=3").json();
    for hit in search["hits"].as_array_mut().unwrap() {
        hit["score"] = Value::from("[score]");
    }
    insta::assert_json_snapshot!("api_search_38th_parallel", search);
    insta::assert_json_snapshot!("api_collections", s.get("/api/collections").json());
}

#[test]
fn a_frus_host_lists_its_enclosures_and_an_enclosure_links_its_host() {
    let volume = root().join("../shared/corpus/frus/frus1861.xml");
    if !volume.is_file() {
        println!("skipping: ../shared/corpus/frus/frus1861.xml not found");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-enclosures");
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(&dir)
        .arg("import")
        .arg(&volume)
        .env_remove("FONDS_DATA")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = server_on(&dir, &[]);
    let host = s.page("/documents/frus1861-d10");
    let list = between(&host, "id=\"enclosures-h\"", "</section>");
    assert!(
        list.contains("href=\"/documents/frus1861-d10-enc1\""),
        "{list}"
    );
    let enclosure = s.page("/documents/frus1861-d10-enc1");
    assert!(enclosure.contains(
        "<dt>Enclosed in</dt>\n    <dd><a href=\"/documents/frus1861-d10\">frus1861-d10</a></dd>"
    ));
    // A document with no enclosure lists none.
    assert!(
        !s.page("/documents/frus1861-d1")
            .contains("id=\"enclosures-h\"")
    );
}

/// Asks `/api/search?q=QUERY` until `done` says the total is right, for at most 10 s.
fn wait_for_total(server: &Server, query: &str, done: impl Fn(u64) -> bool) -> u64 {
    let started = std::time::Instant::now();
    loop {
        let r = server.get(&format!("/api/search?q={query}&limit=1"));
        let total = if r.status == 200 {
            r.json()["total"].as_u64().unwrap()
        } else {
            u64::MAX
        };
        if done(total) || started.elapsed() > Duration::from_secs(10) {
            return total;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_running_server_follows_the_index_whoever_writes_it_and_repairs_it_when_no_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(&d)
        .arg("import")
        .arg(root().join("corpus/frus"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let server = server_on(&d, &[]);
    let nicaragua = wait_for_total(&server, "Nicaragua", |t| t > 0);
    assert!(nicaragua > 100 && nicaragua != u64::MAX);

    // What a killed import leaves: its file committed to the store, the index never told.
    {
        let _lock =
            fonds::archive::WriterLock::acquire(&d, "a killed import", true, |_| {}).unwrap();
        let mut store = fonds::store::Store::open(&d.join("fonds.sqlite3")).unwrap();
        let record: fonds::model::Record =
            serde_json::from_str(r#"{"id":"late-1","title":"A telegram about Zanzibar"}"#).unwrap();
        let bytes = record.to_json_line().into_bytes();
        let sha256 = fonds::ingest::sha256_hex(&bytes);
        store
            .commit_file(
                fonds::store::SourceFile {
                    path: "late.jsonl",
                    bytes: &bytes,
                    sha256: &sha256,
                    importer: "jsonl",
                },
                &[record],
            )
            .unwrap();
    }
    assert_eq!(server.get("/api/documents/late-1").status, 200);
    assert_eq!(
        wait_for_total(&server, "Zanzibar", |t| t == 1),
        1,
        "the server catches the index up once no one writes"
    );

    // Another process rebuilds the index in a new generation: the server follows.
    let generation = || std::fs::read_to_string(d.join("index/CURRENT")).unwrap();
    let before = generation();
    let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(&d)
        .arg("reindex")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_ne!(generation(), before);
    assert_eq!(wait_for_total(&server, "Zanzibar", |t| t == 1), 1);
    assert_eq!(
        wait_for_total(&server, "Nicaragua", |t| t == nicaragua),
        nicaragua
    );

    // The index taken away altogether: the server keeps answering and rebuilds it.
    std::fs::remove_dir_all(d.join("index")).unwrap();
    assert_eq!(wait_for_total(&server, "Zanzibar", |t| t == 1), 1);
    let started = std::time::Instant::now();
    while !d.join("index/CURRENT").exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.join("index/CURRENT").exists(), "rebuilt by the server");
    assert_eq!(
        wait_for_total(&server, "Nicaragua", |t| t == nicaragua),
        nicaragua
    );
}
