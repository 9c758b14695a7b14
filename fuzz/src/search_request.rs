//! Search requests generated from the query language's tokens, run on a small index of the
//! bundled corpus built once per process.
//!
//! A query is a sequence of words (English, Russian, CJK, stems and prefixes `nicarag*` that
//! the index holds), fields (every alias, unknown ones, `10:30`), quoted phrases with slop or a
//! prefix, operators (`AND`, `OR`, `NOT`, `&&`, `||`, `-`, `+`), groups in parentheses, boosts,
//! ranges, sets, regular expressions and stray syntax characters, with now and then arbitrary
//! text. The request's filters, paging and sort come from the fuzzer too, `limit` and `offset`
//! up to `usize::MAX`.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use fonds::index::{Index, SearchRequest, Sort};
use fonds::ingest::{self, Format};
use fonds::model::PartialDate;

/// Words, some in the index (stems, prefixes), some not.
const WORDS: &[&str] = &[
    "Stalin",
    "Сталин",
    "Сталину",
    "Стали*",
    "Mao",
    "Peking",
    "Nicaragua",
    "nicarag*",
    "Nicaraguan",
    "Bluefields",
    "Gresham",
    "Mosquito",
    "reserve",
    "secretary*",
    "secretar*",
    "telegram",
    "divisions",
    "the",
    "a",
    "1894",
    "1950",
    "10:30",
    "ё",
    "Ёлка",
    "café",
    "CAFE\u{301}",
    "中国",
    "毛泽东",
    "x*",
    "*",
    "?",
    "a*b",
    "**",
    "Stalin's",
    "RGASPI",
    "558",
    "ll.0085",
    "d1",
    "frus1894Nicaragua-d1",
    "wcda-134278",
];

/// Field names: every alias, the body aliases, and some that do not exist.
const FIELDS: &[&str] = &[
    "title",
    "summary",
    "original",
    "transcript",
    "translation",
    "names",
    "name",
    "author",
    "authors",
    "recipient",
    "recipients",
    "person",
    "people",
    "place",
    "places",
    "subject",
    "subjects",
    "refs",
    "ref",
    "citation",
    "type",
    "lang",
    "language",
    "archive",
    "id",
    "date_start",
    "date_end",
    "body",
    "text",
    "TITLE",
    "Date_Start",
    "auther",
    "hash",
    "facets",
    "date",
    "10",
    "",
    "a.b",
];

const OPERATORS: &[&str] = &["AND", "OR", "NOT", "&&", "||", "-", "+", "!", "and", "or"];

/// Ranges, sets and regular expressions, which need a field before them.
const FIELD_VALUES: &[&str] = &[
    "[19500101 TO 19501231]",
    "{19500101 TO 19501231}",
    "[* TO 19000101]",
    "[19500101 TO *]",
    "[a TO z]",
    "[z TO a]",
    ">=19500101",
    "<18950101",
    ">x",
    "IN [Telegram Memorandum]",
    "IN []",
    "/stal.*/",
    "/(a|b)*c{1000}/",
    "/[/",
    "*",
    "\"Record of Conversation\"",
    "ru",
    "Telegram",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
];

/// Characters of the grammar, alone.
const SYNTAX: &[&str] = &[
    "(", ")", "\"", "'", ":", "^", "~", "*", "?", "\\", "[", "]", "{", "}", "/", "<", ">", "=",
    "!", "&", "|", "+", "-", ",", ";", "\u{0}", "\u{feff}",
];

struct Generator<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    out: String,
}

impl Generator<'_, '_> {
    fn pick(&mut self, list: &[&'static str]) -> &'static str {
        self.u.choose(list).copied().unwrap_or("")
    }

    fn word(&mut self) {
        if self.u.ratio(5, 6).unwrap_or(true) {
            let w = self.pick(WORDS);
            self.out.push_str(w);
        } else {
            let s: String = self.u.arbitrary().unwrap_or_default();
            self.out.extend(s.chars().take(16));
        }
    }

    fn phrase(&mut self) {
        self.out.push('"');
        let n = self.u.int_in_range(0..=4).unwrap_or(0);
        for i in 0..n {
            if i > 0 {
                self.out.push(' ');
            }
            self.word();
        }
        if self.u.ratio(1, 8).unwrap_or(false) {
            return; // unclosed
        }
        self.out.push('"');
        match self.u.int_in_range(0..=5).unwrap_or(0) {
            0 => self.out.push('*'),
            1 => {
                let slop = self.u.int_in_range(0..=u32::MAX).unwrap_or(0);
                self.out.push_str(&format!("~{slop}"));
            }
            _ => {}
        }
    }

    /// One term of the query, at `depth` groups deep.
    fn term(&mut self, depth: usize) {
        match self.u.int_in_range(0..=13).unwrap_or(0) {
            0..=3 => self.word(),
            4 | 5 => {
                let f = self.pick(FIELDS);
                self.out.push_str(f);
                self.out.push(':');
                match self.u.int_in_range(0..=3).unwrap_or(0) {
                    0 => self.phrase(),
                    1 => {
                        let v = self.pick(FIELD_VALUES);
                        self.out.push_str(v);
                    }
                    _ => self.word(),
                }
            }
            6 => self.phrase(),
            7 => {
                let op = self.pick(OPERATORS);
                self.out.push_str(op);
            }
            8 if depth < 6 => {
                self.out.push('(');
                self.query(depth + 1);
                if self.u.ratio(7, 8).unwrap_or(true) {
                    self.out.push(')');
                }
            }
            9 => {
                self.word();
                let boost = self.pick(&["^2", "^0.5", "^0", "^-1", "^1e309", "^", "^x", "~2"]);
                self.out.push_str(boost);
            }
            10 => {
                let s = self.pick(SYNTAX);
                self.out.push_str(s);
            }
            11 => {
                let op = self.pick(&["-", "+", "NOT "]);
                self.out.push_str(op);
                self.word();
            }
            _ => self.word(),
        }
    }

    fn query(&mut self, depth: usize) {
        let n = self.u.int_in_range(0..=6).unwrap_or(0);
        for i in 0..n {
            if i > 0 && self.u.ratio(7, 8).unwrap_or(true) {
                self.out.push(' ');
            }
            self.term(depth);
        }
    }

    fn date(&mut self) -> Option<PartialDate> {
        if self.u.ratio(2, 3).unwrap_or(true) {
            return None;
        }
        let year = self.u.int_in_range(1..=9999).unwrap_or(1950);
        let month = self.u.int_in_range(1..=12).unwrap_or(1);
        let day = self.u.int_in_range(1..=31).unwrap_or(1);
        match self.u.int_in_range(0..=2).unwrap_or(0) {
            0 => PartialDate::y(year),
            1 => PartialDate::ym(year, month),
            _ => PartialDate::ymd(year, month, day),
        }
    }

    fn filter(&mut self, values: &[&'static str]) -> Option<String> {
        match self.u.int_in_range(0..=7).unwrap_or(0) {
            0 => Some(self.pick(values).to_string()),
            1 => self.u.arbitrary::<String>().ok(),
            _ => None,
        }
    }

    fn number(&mut self) -> usize {
        match self.u.int_in_range(0..=7).unwrap_or(0) {
            0 => 0,
            1 => usize::MAX,
            2 => self.u.arbitrary().unwrap_or(0),
            3 => self.u.int_in_range(0..=2000).unwrap_or(0),
            _ => self.u.int_in_range(0..=20).unwrap_or(10),
        }
    }
}

/// A search request from the fuzzer's choices.
pub(crate) fn generate(u: &mut Unstructured<'_>) -> SearchRequest {
    let mut g = Generator {
        u,
        out: String::new(),
    };
    g.query(0);
    let query = std::mem::take(&mut g.out);
    SearchRequest {
        query,
        from: g.date(),
        to: g.date(),
        doc_type: g.filter(&["Telegram", "telegram", "Memorandum", ""]),
        lang: g.filter(&["ru", "en", "RU", "xx"]),
        archive: g.filter(&["RGASPI", "APRF", "rgaspi"]),
        collection: g.filter(&[
            "Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)",
            "Wilson Center Digital Archive",
            "/",
        ]),
        author: g.filter(&["Filippov [Stalin]", "W. Q. Gresham", " Gresham "]),
        recipient: g.filter(&["Soviet Ambassador, Peking", "Mr. Baker"]),
        limit: g.number(),
        offset: g.number(),
        sort: *g
            .u
            .choose(&[Sort::Relevance, Sort::DateAsc, Sort::DateDesc])
            .unwrap_or(&Sort::Relevance),
        facets: g.u.arbitrary().unwrap_or(false),
    }
}

/// The bundled corpus's files, as the index's documents.
const CORPUS: &[(&str, &[u8])] = &[
    (
        "000_2d287dbd93c7e576.txt",
        include_bytes!("../../corpus/wcda-pages/000_2d287dbd93c7e576.txt"),
    ),
    (
        "001_6ac3a21e3d46086e.txt",
        include_bytes!("../../corpus/wcda-pages/001_6ac3a21e3d46086e.txt"),
    ),
    (
        "transcript.json",
        include_bytes!("../../corpus/wcda-json/transcript.json"),
    ),
    (
        "wilson_archive_sample.csv",
        include_bytes!("../../corpus/wcda-csv/wilson_archive_sample.csv"),
    ),
    (
        "frus1894Nicaragua.xml",
        include_bytes!("../../corpus/frus/frus1894Nicaragua.xml"),
    ),
];

/// The index of the bundled corpus (built on the first call). Its folder is deleted as soon as
/// the index is open: the open files stay readable, and no fuzzing process leaves one behind.
pub(crate) fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("fonds-fuzz-index-")
            .tempdir()
            .expect("a temporary folder");
        let index = Index::open_or_create(dir.path()).expect("an empty index");
        let mut writer = index.writer().expect("the index writer");
        for (name, bytes) in CORPUS {
            let format = ingest::detect(name, bytes).unwrap_or(Format::Jsonl);
            let parsed = ingest::parse(format, name, bytes).expect("the bundled corpus imports");
            for record in &parsed.records {
                writer.upsert(record, "fuzz").expect("a record is indexed");
            }
        }
        writer.commit(1).expect("the index commits");
        writer.wait_merging_threads().expect("merges finish");
        drop(dir);
        index
    })
}

/// Runs one request and checks its answer.
pub(crate) fn run(request: &SearchRequest) {
    match index().search(request) {
        Ok(results) => {
            assert!(
                results.hits.len() <= request.limit.min(fonds::index::MAX_LIMIT),
                "{} hits for limit {}",
                results.hits.len(),
                request.limit
            );
            assert!(results.hits.len() <= results.total);
        }
        Err(e) => assert!(
            e.is_user_error(),
            "an internal error for the request {request:?}: {e}"
        ),
    }
}
