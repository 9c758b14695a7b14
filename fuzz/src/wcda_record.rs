//! WCDA legacy-API JSON records generated from the API's field names and shapes, driven by the
//! fuzzer's choices.
//!
//! A record is a document (`title`, `id`, …), a transcript asset (`filename`, `html`), a
//! collection, an array of these or `{"record": …}`. Each field holds the shape the API gives
//! it (a string, a list of `{"id", "name"}` objects, a list of assets with an HTML body) or,
//! now and then, any other JSON value: wrong types, nulls, numbers, nested arrays. HTML bodies
//! are built from tags and entities the importer's HTML reader handles (`<p>`, `<br>`,
//! `<style>`, numeric and named entities, some broken).

use arbitrary::Unstructured;
use serde_json::{Map, Value};

/// The fields the importer reads, and others the API has.
const FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "doc_date",
    "frontend_doc_date",
    "type",
    "languages",
    "creators",
    "contributors",
    "original_coverages",
    "subjects",
    "donors",
    "classifications",
    "rights",
    "collections",
    "source",
    "transcripts",
    "translations",
    "source_created_at",
    "source_updated_at",
    "first_published_at",
    "filename",
    "html",
    "raw",
    "asset_id",
    "url",
    "language",
    "name",
    "slug",
    "short_description",
    "no_of_documents",
    "model",
    "uri",
    "repositories",
    "publishers",
    "media_files",
    "value",
    "record",
    "title_note",
    "",
];

/// Strings: dates, ids, names and languages as the API writes them, and odd ones.
const STRINGS: &[&str] = &[
    "134278",
    "33548",
    "19500713",
    "19500700",
    "19500000",
    "19501332",
    "1950",
    "July 13, 1950",
    "13 июля 1950 г.",
    "2017-10-13 15:57:30",
    "2017-13-45 99:99:99",
    "Telegram",
    "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking",
    "Russian",
    "ru",
    "rus",
    "en",
    "English",
    "Klingon",
    "Filippov [Stalin]",
    "Mao Zedong",
    "RGASPI, f. 558, op. 11, d. 334, ll.0085. Translated by Gary Goldberg.",
    "Archive of the President of the Russian Federation (APRF), fond 45, opis 1, delo 334, listy 99-103. Contributed by Kathryn Weathersby.",
    "Top Secret",
    "Совершенно секретно",
    "collection",
    "Collection",
    "TranscriptFile_110404.html",
    "/transcripts/33548.html",
    "21170",
    "..",
    "a/b",
    "wcda 1",
    "",
    " ",
    "\u{0}",
];

/// Pieces of HTML bodies.
const HTML: &[&str] = &[
    "<p>",
    "</p>",
    "<p class=\"cs366E2583\">",
    "<span>",
    "</span>",
    "<br>",
    "<br/>",
    "<div>",
    "</div>",
    "<h1>",
    "</h1>",
    "<li>",
    "<tr><td>a</td><td>b</td></tr>",
    "<style type=\"text/css\">.x{a:b}</style>",
    "<style>",
    "<script>alert(1)</script>",
    "<head><title>t</title></head>",
    "<!-- comment -->",
    "<",
    ">",
    "&amp;",
    "&nbsp;",
    "&laquo;",
    "&mdash;",
    "&#1057;",
    "&#x421;",
    "&#0;",
    "&#xD800;",
    "&#99999999999;",
    "&#x;",
    "&unknown;",
    "&",
    "Совершенно секретно",
    "ШИФРТЕЛЕГРАММА No 3305",
    "Товарищу Сталину.",
    "Comrade Stalin,",
    "1 октября 1950 г.",
    "13.7.50",
    "1.X.50",
    "[РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85]",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\u{a0}",
];

struct Generator<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    budget: usize,
}

impl Generator<'_, '_> {
    fn string(&mut self) -> String {
        if self.u.ratio(3, 4).unwrap_or(true) {
            self.u.choose(STRINGS).unwrap_or(&"").to_string()
        } else {
            let s: String = self.u.arbitrary().unwrap_or_default();
            s.chars().take(40).collect()
        }
    }

    fn html(&mut self) -> String {
        let mut out = String::new();
        let n = self.u.int_in_range(0..=12).unwrap_or(0);
        for _ in 0..n {
            if self.u.ratio(5, 6).unwrap_or(true) {
                out.push_str(self.u.choose(HTML).unwrap_or(&""));
            } else {
                out.push_str(&self.string());
            }
        }
        out
    }

    /// `{"id": …, "name": …}`, as the API gives languages, creators, subjects…
    fn named(&mut self) -> Value {
        let mut obj = Map::new();
        for key in ["id", "name", "value", "rights"] {
            if self.u.ratio(1, 2).unwrap_or(false) {
                let v = self.value_of(key, 1);
                obj.insert(key.to_string(), v);
            }
        }
        Value::Object(obj)
    }

    /// A value of the shape the API gives `field`, or now and then any value.
    fn value_of(&mut self, field: &str, depth: usize) -> Value {
        if self.budget == 0 {
            return Value::Null;
        }
        self.budget -= 1;
        if self.u.ratio(1, 8).unwrap_or(false) {
            return self.any(depth);
        }
        match field {
            "description" | "html" | "raw" | "source" | "short_description" => {
                Value::String(self.html())
            }
            "languages" | "creators" | "contributors" | "original_coverages" | "subjects"
            | "donors" | "classifications" | "rights" | "collections" | "repositories"
            | "publishers" | "type" => {
                let n = self.u.int_in_range(0..=3).unwrap_or(0);
                Value::Array((0..n).map(|_| self.named()).collect())
            }
            "transcripts" | "translations" | "media_files" => {
                let n = self.u.int_in_range(0..=2).unwrap_or(0);
                Value::Array((0..n).map(|_| self.asset(depth + 1)).collect())
            }
            "language" => self.named(),
            "record" if depth < 3 => self.object(depth + 1),
            _ => Value::String(self.string()),
        }
    }

    fn asset(&mut self, depth: usize) -> Value {
        let mut obj = Map::new();
        for key in [
            "id", "filename", "html", "raw", "asset_id", "language", "url",
        ] {
            if self.u.ratio(1, 2).unwrap_or(false) {
                let v = self.value_of(key, depth);
                obj.insert(key.to_string(), v);
            }
        }
        Value::Object(obj)
    }

    /// Any JSON value.
    fn any(&mut self, depth: usize) -> Value {
        match self.u.int_in_range(0..=7).unwrap_or(0) {
            0 => Value::Null,
            1 => Value::Bool(self.u.arbitrary().unwrap_or(false)),
            2 => Value::from(self.u.arbitrary::<i64>().unwrap_or(0)),
            3 => serde_json::Number::from_f64(self.u.arbitrary::<f64>().unwrap_or(0.5))
                .map_or(Value::Null, Value::Number),
            4 if depth < 4 => {
                let n = self.u.int_in_range(0..=3).unwrap_or(0);
                Value::Array((0..n).map(|_| self.any(depth + 1)).collect())
            }
            5 if depth < 4 => self.object(depth + 1),
            _ => Value::String(self.string()),
        }
    }

    /// A record: some of the fields, each with a value.
    fn object(&mut self, depth: usize) -> Value {
        let mut obj = Map::new();
        let n = self.u.int_in_range(0..=14).unwrap_or(0);
        for _ in 0..n {
            let field = *self.u.choose(FIELDS).unwrap_or(&"id");
            let v = self.value_of(field, depth);
            obj.insert(field.to_string(), v);
        }
        // Most records are documents or assets: give them what makes them so.
        match self.u.int_in_range(0..=3).unwrap_or(0) {
            0 => {
                obj.entry("title")
                    .or_insert_with(|| Value::String("T".into()));
                obj.entry("id").or_insert_with(|| Value::String("1".into()));
            }
            1 => {
                obj.entry("filename")
                    .or_insert_with(|| Value::String("f.html".into()));
                obj.entry("html")
                    .or_insert_with(|| Value::String("<p>Text</p>".into()));
            }
            _ => {}
        }
        Value::Object(obj)
    }
}

/// A WCDA JSON file's text from the fuzzer's choices.
pub(crate) fn generate(u: &mut Unstructured<'_>) -> String {
    let mut g = Generator { u, budget: 300 };
    let value = match g.u.int_in_range(0..=5).unwrap_or(0) {
        0 => {
            let n = g.u.int_in_range(0..=4).unwrap_or(0);
            Value::Array((0..n).map(|_| g.object(1)).collect())
        }
        1 => {
            let mut wrapper = Map::new();
            let inner = g.object(1);
            wrapper.insert("record".into(), inner);
            Value::Object(wrapper)
        }
        2 => g.any(0),
        _ => g.object(0),
    };
    if g.u.ratio(1, 10).unwrap_or(false) {
        // Broken JSON: the text cut short.
        let text = value.to_string();
        let cut = g.u.int_in_range(0..=text.len()).unwrap_or(0);
        let cut = (0..=cut)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        return text[..cut].to_string();
    }
    value.to_string()
}
