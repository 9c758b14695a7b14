//! Records of the WCDA legacy JSON API (`/srv/record/<id>.json`) and its transcript assets.
//!
//! The file holds one JSON object (or an array of them, or `{"record": {…}}`), of one of these
//! kinds, told apart by their fields (the field names are those of the API, as modelled by the
//! `digitalarchive` Python client):
//!
//! - **A document** (`title`, `id`): one record `wcda-<id>`. `description` → summary,
//!   `doc_date` (`YYYYMMDD`, `00` for an unknown month or day) → date (else
//!   `frontend_doc_date` read as text), `type` → type, `languages` → languages (ISO 639-1),
//!   `creators` → authors (else `contributors`), `original_coverages` → places,
//!   `subjects` → subjects, `donors` → credits, `classifications` → classification,
//!   `rights` → rights, `collections` → the source's collection, `source` → archival
//!   references (with "Translated by …" credits → credits and translators), `transcripts` and
//!   `translations` with an HTML body → texts (stubs without a body are kept in `extra`).
//!   Every other non-empty field (`uri`, `slug`, `frontend_doc_date`, the timestamps,
//!   `repositories`, `publishers`, `media_files`, `contributors` when not used as authors…)
//!   is kept in `extra` under its own name, strings as they are and the rest as JSON.
//! - **A transcript or translation asset** (`filename` and `html`/`raw`, no `title`): one
//!   record `wcda-transcript-<asset_id>` (`wcda-translation-…` for a translation asset; the
//!   `id` when there is no `asset_id`) holding the text: the HTML made into paragraphs, the
//!   language guessed from the script, the date the first one written in the text
//!   ([`PartialDate::parse_text`]). The title is the text's heading (its first short or
//!   upper-case paragraph); a text without one is titled by its opening words, cut at about 100
//!   characters, and `extra["title_note"]` says so. The asset's other fields (`filename`,
//!   `url`, `asset_id`, timestamps…) are kept in `extra`.
//! - **A collection** (`name`, `slug`, `short_description`… and no `title`): not a document;
//!   an error says so and nothing is imported.
//!
//! HTML is read by a small routine of its own: `<style>`, `<script>` and `<head>` are dropped
//! with their content, every `<p>`, `<div>`, heading, list item or table row starts a
//! paragraph, `<br>` is a line break, blanks are collapsed and the common named entities and
//! all numeric ones are decoded.

use serde_json::{Map, Value};

use crate::model::{
    ArchivalRef, PartialDate, Record, Source, Text, TextRole, detect_script_lang, iso639_1,
};

use super::wcda_page::{CLASSIFICATIONS, SITE, SOURCE_NAME, dedup, language_codes, split_credits};
use super::{Diagnostic, IngestError, Parsed, utf8};

/// Reads a WCDA JSON file.
pub(super) fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
    let mut parsed = Parsed::default();
    let text = utf8(name, bytes, &mut parsed.diagnostics)?;
    let value = serde_json::from_str::<StrictValue>(text)
        .map_err(|e| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let bare = full.strip_suffix(&suffix).unwrap_or(&full);
            let message = if bare == "recursion limit exceeded" {
                "arrays and objects nested deeper than 128 (the limit)".to_string()
            } else {
                bare.to_string()
            };
            IngestError::malformed(
                name,
                format!("line {}, column {}", e.line(), e.column()),
                message,
            )
        })?
        .0;
    let items: Vec<(String, Value)> = match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("item {}", i + 1), v))
            .collect(),
        Value::Object(mut obj) => match obj.remove("record") {
            Some(inner @ Value::Object(_)) if !obj.contains_key("title") => {
                vec![("record".to_string(), inner)]
            }
            Some(other) => {
                obj.insert("record".to_string(), other);
                vec![("top level".to_string(), Value::Object(obj))]
            }
            None => vec![("top level".to_string(), Value::Object(obj))],
        },
        _ => {
            return Err(IngestError::malformed(
                name,
                "top level",
                "expected a WCDA record: a JSON object",
            ));
        }
    };
    for (location, item) in items {
        let Value::Object(obj) = item else {
            return Err(IngestError::malformed(
                name,
                location,
                "expected a WCDA record: a JSON object",
            ));
        };
        let record = if is_collection(&obj) {
            let title = string(obj.get("name")).unwrap_or_default();
            let id = string(obj.get("id")).unwrap_or_default();
            return Err(IngestError::malformed(
                name,
                location,
                format!(
                    "this is a WCDA collection (id {id}, \u{201c}{title}\u{201d}), not a document: \
                     it holds no record to import; import its documents instead"
                ),
            ));
        } else if obj.contains_key("title") {
            document(name, &location, &obj, &mut parsed.diagnostics)?
        } else if obj.contains_key("filename")
            && (obj.contains_key("html") || obj.contains_key("raw"))
        {
            asset(name, &location, &obj)?
        } else {
            return Err(IngestError::malformed(
                name,
                location,
                "not a WCDA record: expected a document (with `title`) or a transcript asset \
                 (with `filename` and `html`)",
            ));
        };
        parsed.records.push(record);
    }
    Ok(parsed)
}

/// Items in one JSON array, and members of one object: 100,000, as a record's lists
/// ([`super::limits::MAX_LIST_ITEMS`]). The longest list in the WCDA records is a few dozen.
const MAX_JSON_ITEMS: usize = 100_000;

/// A JSON value read strictly: an object with a key twice is an error (serde_json's `Value`
/// keeps the last silently), and so is an array or object of more than [`MAX_JSON_ITEMS`].
/// Nesting is bounded by serde_json's recursion limit (128).
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            if items.len() == MAX_JSON_ITEMS {
                return Err(serde::de::Error::custom(format!(
                    "an array of more than {} items (the limit)",
                    super::limits::thousands(MAX_JSON_ITEMS)
                )));
            }
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut obj = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if obj.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key `{key}` appears twice in one object: which value is meant?"
                )));
            }
            if obj.len() == MAX_JSON_ITEMS {
                return Err(serde::de::Error::custom(format!(
                    "an object of more than {} members (the limit)",
                    super::limits::thousands(MAX_JSON_ITEMS)
                )));
            }
            let StrictValue(v) = map.next_value()?;
            obj.insert(key, v);
        }
        Ok(Value::Object(obj))
    }
}

fn is_collection(obj: &Map<String, Value>) -> bool {
    let model = string(obj.get("model")).unwrap_or_default();
    model.eq_ignore_ascii_case("collection")
        || (!obj.contains_key("title")
            && obj.contains_key("name")
            && [
                "slug",
                "short_description",
                "no_of_documents",
                "thumb_src",
                "main_src",
            ]
            .iter()
            .any(|k| obj.contains_key(*k)))
}

/// A document record.
fn document(
    file: &str,
    location: &str,
    obj: &Map<String, Value>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Record, IngestError> {
    let at = |field: &str, msg: &str| {
        IngestError::malformed(file, format!("{location}, field `{field}`"), msg)
    };
    let id = string(obj.get("id")).ok_or_else(|| at("id", "the document has no id"))?;
    let title = string(obj.get("title"))
        .map(|t| collapse(&decode_entities(&t)))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| at("title", "the document has no title"))?;
    let mut r = Record {
        id: format!("wcda-{id}"),
        title,
        ..Record::default()
    };
    let mut used = vec!["id", "title"];
    let mut translators = Vec::new();

    used.push("description");
    r.summary = string(obj.get("description"))
        .map(|d| Text::join_paragraphs(html_paragraphs(&d)))
        .filter(|d| !d.is_empty());

    used.push("doc_date");
    let doc_date = string(obj.get("doc_date"));
    r.date = doc_date
        .as_deref()
        .and_then(compact_date)
        .or_else(|| string(obj.get("frontend_doc_date")).and_then(|d| PartialDate::parse_text(&d)));
    if r.date.is_none()
        && let Some(d) = doc_date
    {
        diagnostics.push(Diagnostic {
            location: format!("{location}, field `doc_date`"),
            message: format!("`{d}` is not a date; kept in extra"),
        });
        used.pop();
    }

    used.push("type");
    r.doc_type = names(obj.get("type")).into_iter().next();

    used.push("languages");
    for lang in list(obj.get("languages")) {
        let code = string(lang.get("id"))
            .and_then(|c| iso639_1(&c))
            .or_else(|| names(Some(&lang)).first().and_then(|n| iso639_1(n)));
        match code {
            Some(c) if !r.languages.iter().any(|l| l == c) => r.languages.push(c.to_string()),
            Some(_) => {}
            None => {
                let (codes, unknown) = language_codes(&names(Some(&lang)).join(", "));
                r.languages.extend(codes);
                if !unknown.is_empty() {
                    diagnostics.push(Diagnostic {
                        location: format!("{location}, field `languages`"),
                        message: format!("unknown language: {}", unknown.join(", ")),
                    });
                }
            }
        }
    }

    used.extend(["creators", "contributors"]);
    let creators = names(obj.get("creators"));
    let contributors = names(obj.get("contributors"));
    if creators.is_empty() {
        r.authors = contributors;
    } else {
        r.authors = creators;
        if !contributors.is_empty() {
            used.pop();
        }
    }

    used.push("original_coverages");
    r.places = names(obj.get("original_coverages"));
    used.push("subjects");
    r.subjects = names(obj.get("subjects"));
    used.push("donors");
    r.credits = names(obj.get("donors"));
    used.push("classifications");
    r.classification = Some(names(obj.get("classifications")).join("; ")).filter(|c| !c.is_empty());

    used.push("rights");
    let rights: Vec<String> = list(obj.get("rights"))
        .iter()
        .filter_map(|v| match v {
            Value::Object(o) => string(o.get("rights"))
                .map(|t| Text::join_paragraphs(html_paragraphs(&t)))
                .filter(|t| !t.is_empty())
                .or_else(|| string(o.get("name"))),
            other => string(Some(other)),
        })
        .collect();
    r.rights = Some(rights.join("\n\n")).filter(|t| !t.is_empty());

    used.push("collections");
    r.source.collection = Some(names(obj.get("collections")).join("; ")).filter(|c| !c.is_empty());

    used.push("source");
    if let Some(source) = string(obj.get("source")) {
        // Held to a field's length before it is parsed for references (which takes about a
        // second a megabyte).
        if source.len() > super::limits::MAX_FIELD_BYTES {
            return Err(at(
                "source",
                &format!(
                    "{} bytes, longer than {} MiB (the limit)",
                    super::limits::thousands(source.len()),
                    super::limits::MAX_FIELD_BYTES >> 20
                ),
            ));
        }
        let source = collapse(&Text::join_paragraphs(html_paragraphs(&source)));
        let (refs_part, credits, names) = split_credits(&source);
        let refs = ArchivalRef::parse_all(refs_part);
        if refs.is_empty() && !refs_part.is_empty() {
            r.archival_refs.push(ArchivalRef {
                raw: refs_part.trim_end_matches('.').to_string(),
                ..ArchivalRef::default()
            });
        } else {
            r.archival_refs.extend(refs);
        }
        r.credits.extend(credits);
        translators.extend(names);
    }
    r.credits = dedup(std::mem::take(&mut r.credits));
    let translators = dedup(translators);

    for (key, role) in [
        ("transcripts", TextRole::Transcript),
        ("translations", TextRole::Translation),
    ] {
        let mut stubs = Vec::new();
        for item in list(obj.get(key)) {
            let body = ["html", "raw"]
                .iter()
                .find_map(|k| string(item.get(*k)))
                .map(|h| Text::join_paragraphs(html_paragraphs(&h)))
                .filter(|b| !b.is_empty());
            let Some(body) = body else {
                stubs.push(item.clone());
                continue;
            };
            let lang = item
                .get("language")
                .and_then(|l| {
                    string(l.get("id"))
                        .and_then(|c| iso639_1(&c))
                        .or_else(|| names(Some(l)).first().and_then(|n| iso639_1(n)))
                })
                .or_else(|| detect_script_lang(&body))
                .unwrap_or("und");
            r.texts.push(Text {
                role,
                lang: lang.to_string(),
                body,
                translators: if role == TextRole::Translation {
                    translators.clone()
                } else {
                    Vec::new()
                },
                notes: Vec::new(),
            });
        }
        if !stubs.is_empty() {
            r.extra
                .insert(key.to_string(), Value::Array(stubs).to_string());
        }
    }
    used.extend(["transcripts", "translations"]);

    let created = string(obj.get("source_created_at"));
    r.source = Source {
        name: SOURCE_NAME.to_string(),
        url: Some(format!("{SITE}/document/{id}")),
        record_id: Some(id),
        uploaded: created.as_deref().and_then(day_of),
        collection: r.source.collection.take(),
    };
    keep_rest(obj, &used, &mut r);
    Ok(r)
}

/// A transcript (or translation) asset.
fn asset(file: &str, location: &str, obj: &Map<String, Value>) -> Result<Record, IngestError> {
    let html = ["html", "raw"]
        .iter()
        .find_map(|k| string(obj.get(*k)))
        .unwrap_or_default();
    let paragraphs = html_paragraphs(&html);
    if paragraphs.is_empty() {
        return Err(IngestError::malformed(
            file,
            format!("{location}, field `html`"),
            "the asset holds no text",
        ));
    }
    let key = string(obj.get("asset_id"))
        .or_else(|| string(obj.get("id")))
        .ok_or_else(|| {
            IngestError::malformed(file, location, "the asset has neither `asset_id` nor `id`")
        })?;
    let translation = obj.contains_key("language");
    let role = if translation {
        TextRole::Translation
    } else {
        TextRole::Transcript
    };
    let body = Text::join_paragraphs(&paragraphs);
    let lang = obj
        .get("language")
        .and_then(|l| names(Some(l)).first().and_then(|n| iso639_1(n)))
        .or_else(|| detect_script_lang(&body))
        .unwrap_or("und");
    let mut r = Record {
        id: format!("wcda-{}-{key}", role.as_str()),
        date: PartialDate::parse_text(&body),
        ..Record::default()
    };
    match heading(&paragraphs) {
        Some(h) => r.title = h,
        None => {
            r.title = opening_words(&paragraphs[0], 100);
            r.extra.insert(
                "title_note".to_string(),
                "supplied by Fonds from the opening words of the text, which has no heading"
                    .to_string(),
            );
        }
    }
    r.classification = paragraphs.iter().take(5).find_map(|p| {
        CLASSIFICATIONS
            .contains(&p.trim_end_matches('.').to_lowercase().as_str())
            .then(|| p.clone())
    });
    if !translation && lang != "und" {
        r.languages.push(lang.to_string());
    }
    r.texts.push(Text {
        role,
        lang: lang.to_string(),
        body,
        translators: Vec::new(),
        notes: Vec::new(),
    });
    let url = string(obj.get("url")).map(|u| {
        if u.starts_with('/') {
            format!("{SITE}{u}")
        } else {
            u
        }
    });
    r.source = Source {
        name: SOURCE_NAME.to_string(),
        url,
        record_id: None,
        uploaded: string(obj.get("source_created_at"))
            .as_deref()
            .and_then(day_of),
        collection: None,
    };
    keep_rest(obj, &["html", "raw"], &mut r);
    Ok(r)
}

/// Keeps every non-empty field not in `used` in the record's `extra`.
fn keep_rest(obj: &Map<String, Value>, used: &[&str], r: &mut Record) {
    for (key, value) in obj {
        if used.contains(&key.as_str()) {
            continue;
        }
        let kept = match value {
            Value::Null => continue,
            Value::String(s) if s.trim().is_empty() => continue,
            Value::Array(a) if a.is_empty() => continue,
            Value::Object(o) if o.is_empty() => continue,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        r.extra.insert(key.clone(), kept);
    }
}

/// A string or a number as a trimmed string; `None` when absent or blank.
fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The items of a list field (a single object counts as a list of one).
fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    }
}

/// The names in a field: objects' `name` (or `value`, `title`), or plain strings.
fn names(v: Option<&Value>) -> Vec<String> {
    list(v)
        .iter()
        .filter_map(|item| match item {
            Value::Object(o) => ["name", "value", "title"]
                .iter()
                .find_map(|k| string(o.get(*k))),
            other => string(Some(other)),
        })
        .map(|n| collapse(&decode_entities(&n)))
        .collect()
}

/// `19500713` → 1950-07-13; `19500700` → 1950-07; `19500000` → 1950; ISO dates too.
fn compact_date(s: &str) -> Option<PartialDate> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = s[..4].parse().ok()?;
        let m: u8 = s[4..6].parse().ok()?;
        let d: u8 = s[6..].parse().ok()?;
        return match (m, d) {
            (0, _) => PartialDate::y(y),
            (m, 0) => PartialDate::ym(y, m),
            (m, d) => PartialDate::ymd(y, m, d),
        };
    }
    s.parse().ok()
}

/// The day of a timestamp: "2017-10-13 15:57:30" → "2017-10-13".
fn day_of(timestamp: &str) -> Option<String> {
    let day = timestamp.get(..10)?;
    day.parse::<PartialDate>().ok().map(|d| d.to_string())
}

/// The text's heading: the first of its first three paragraphs that is short and either in
/// capitals or without a closing full stop, skipping classification markings.
fn heading(paragraphs: &[String]) -> Option<String> {
    paragraphs.iter().take(3).find_map(|p| {
        let flat = collapse(p);
        let letters: Vec<char> = flat.chars().filter(|c| c.is_alphabetic()).collect();
        let upper = letters.iter().filter(|c| c.is_uppercase()).count();
        let marking = CLASSIFICATIONS.contains(&flat.trim_end_matches('.').to_lowercase().as_str());
        let capitals = upper * 10 >= letters.len() * 7;
        let open = !flat.ends_with(['.', ',', ';', ':', '!', '?', '»', '"']);
        (letters.len() >= 4
            && !marking
            && flat.chars().count() <= 200
            && (capitals || (open && flat.chars().count() <= 120)))
            .then_some(flat)
    })
}

/// The opening words of a paragraph, cut at a word boundary near `max` characters, with "…".
fn opening_words(p: &str, max: usize) -> String {
    let flat = collapse(p);
    if flat.chars().count() <= max {
        return flat;
    }
    let mut out = String::new();
    for word in flat.split(' ') {
        if !out.is_empty() && out.chars().count() + 1 + word.chars().count() > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.trim_end_matches([',', ';', ':', '.']).to_string() + "…"
}

/// Collapses every run of blanks to one space and trims.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tags that start a new paragraph.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "body",
    "html",
    "pre",
    "hr",
    "dd",
    "dt",
    "dl",
    "center",
];

/// Tags dropped with everything inside them.
const DROPPED_TAGS: &[&str] = &["style", "script", "head", "title", "noscript"];

/// The paragraphs of an HTML text: tags removed, entities decoded, blanks collapsed; `<br>`
/// kept as a line break within a paragraph.
pub(super) fn html_paragraphs(html: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut dropping: Option<String> = None;
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |e| &comment[e + 3..]);
            continue;
        }
        let is_tag = rest.starts_with('<')
            && rest[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if is_tag {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let inner = rest[1..end].trim_end_matches('>');
            rest = &rest[end..];
            let closing = inner.starts_with('/');
            let name = inner
                .trim_start_matches('/')
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if let Some(dropped) = &dropping {
                if closing && name == *dropped {
                    dropping = None;
                }
                continue;
            }
            if DROPPED_TAGS.contains(&name.as_str()) && !closing && !inner.ends_with('/') {
                dropping = Some(name);
            } else if name == "br" {
                current.push('\n');
            } else if BLOCK_TAGS.contains(&name.as_str()) {
                flush(&mut current, &mut paragraphs);
            }
            continue;
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('<').map_or(rest.len(), |p| p + first);
        if dropping.is_none() {
            for c in rest[..next].chars() {
                current.push(if c.is_whitespace() { ' ' } else { c });
            }
        }
        rest = &rest[next..];
    }
    flush(&mut current, &mut paragraphs);
    paragraphs
}

/// Ends the paragraph being built: decoded, each line's blanks collapsed, blank lines dropped.
fn flush(current: &mut String, paragraphs: &mut Vec<String>) {
    let decoded = decode_entities(current);
    current.clear();
    let lines: Vec<String> = decoded
        .split('\n')
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect();
    if !lines.is_empty() {
        paragraphs.push(lines.join("\n"));
    }
}

/// The longest name of an HTML character reference (`&CounterClockwiseContourIntegral;`).
const MAX_ENTITY_NAME: usize = 32;

/// Decodes HTML character references: every named one of HTML5's list (2,231 names, by the
/// html-escape crate: `&mdash;`, `&laquo;`, `&NotEqualTilde;`…) and all numeric ones
/// (`&#1040;`, `&#x410;`), control characters included, so that the record's check refuses
/// them by name. Unknown or malformed references are left as written.
pub(super) fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        // A reference is short: look for its `;` among the next few bytes only (searching the
        // whole rest for each `&` would make "&&&&…" quadratic).
        let window = &rest.as_bytes()[1..rest.len().min(MAX_ENTITY_NAME + 2)];
        let decoded = window
            .iter()
            .position(|&b| b == b';')
            .filter(|&e| e <= MAX_ENTITY_NAME)
            .and_then(|e| {
                let name = &rest[1..1 + e];
                let text = if let Some(num) = name.strip_prefix('#') {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)?.to_string()
                } else {
                    match html_escape::decode_html_entities(&rest[..e + 2]) {
                        std::borrow::Cow::Owned(text) => text,
                        std::borrow::Cow::Borrowed(_) => return None,
                    }
                };
                Some((text, e + 2))
            });
        match decoded {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_paragraphs() {
        let html = "<html><head><title>T</title></head><body><p>\r\n\t<style type=\"text/css\">.a{x:y}</style>\
                    <span><p class=\"a\"><span>First</span><span> 1 </span>line.</p><p>Second<br/>line &laquo;q&raquo;&nbsp;&amp; &#1040;&#x411;</p></span></p>\
                    <script>var x = '<p>no</p>';</script><!-- <p>comment</p> --><div>a &lt; b</div></body></html>";
        assert_eq!(
            html_paragraphs(html),
            ["First 1 line.", "Second\nline «q» & АБ", "a < b"]
        );
    }

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            decode_entities("&quot;x&quot; &mdash; &#8220;y&#8221;"),
            "\"x\" — \u{201c}y\u{201d}"
        );
        assert_eq!(
            decode_entities("AT&T &bogus; & &#xZZ;"),
            "AT&T &bogus; & &#xZZ;"
        );
    }

    #[test]
    fn compact_dates_keep_their_precision() {
        assert_eq!(compact_date("19500713").unwrap().to_string(), "1950-07-13");
        assert_eq!(compact_date("19500700").unwrap().to_string(), "1950-07");
        assert_eq!(compact_date("19500000").unwrap().to_string(), "1950");
        assert_eq!(
            compact_date("1950-07-13").unwrap().to_string(),
            "1950-07-13"
        );
        assert!(compact_date("19501340").is_none());
    }

    #[test]
    fn headings_and_opening_words() {
        let ps = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            heading(&ps(&[
                "СЕКРЕТНО",
                "ЗАПИСЬ БЕСЕДЫ\nс тов. Мао Цзэдуном",
                "Текст."
            ]))
            .as_deref(),
            Some("ЗАПИСЬ БЕСЕДЫ с тов. Мао Цзэдуном")
        );
        assert_eq!(
            heading(&ps(&["A long sentence that ends with a stop."])),
            None
        );
        assert_eq!(opening_words("one two three four", 9), "one two…");
    }

    #[test]
    fn a_minimal_document_record() {
        let json = r#"{"id": 113729, "title": "Ciphered Telegram, Filippov [Stalin] to Mao Zedong",
            "description": "<p>Telegram from Stalin.</p>", "doc_date": "19501001",
            "frontend_doc_date": "October 1, 1950", "slug": "ciphered-telegram",
            "uri": "/srv/record/113729.json",
            "source_created_at": "2011-11-20 10:00:00", "source_updated_at": "2012-01-01 00:00:00",
            "first_published_at": "2011-11-20 10:00:00",
            "source": "APRF, fond 45, opis 1, delo 334, listy 99-103. Translated by Alexandre Mansourov.",
            "type": {"id": "7", "name": "Telegram"},
            "rights": [{"id": "1", "name": "CWIHP", "rights": "<p>Reuse welcomed.</p>"}],
            "languages": [{"id": "rus", "name": "Russian"}],
            "donors": [{"id": "3", "name": "Leon Levy Foundation"}],
            "subjects": [{"id": "9", "name": "Korean War, 1950-1953"}],
            "transcripts": [{"id": "1", "filename": "t.html", "html": "<p>Пекин Совпосол</p>"}],
            "translations": [{"id": "2", "filename": "e.html", "language": {"id": "eng", "name": "English"}, "html": "<p>To BEIJING</p>"}],
            "media_files": [{"id": "5", "filename": "scan.pdf", "path": "/assets/5.pdf"}],
            "contributors": [{"id": "8", "name": "Stalin, Joseph, 1879-1953"}],
            "creators": [],
            "original_coverages": [{"id": "4", "name": "China", "uri": "x"}],
            "collections": [{"id": "2", "name": "Korean War Origins", "slug": "kwo"}],
            "repositories": [{"id": "6", "name": "Archive of the President of the Russian Federation (APRF)"}],
            "publishers": [], "classifications": [{"id": "1", "name": "Top Secret"}]}"#;
        let parsed = parse("r.json", json.as_bytes()).unwrap();
        let r = &parsed.records[0];
        assert_eq!(r.id, "wcda-113729");
        assert_eq!(r.date.unwrap().to_string(), "1950-10-01");
        assert_eq!(r.summary.as_deref(), Some("Telegram from Stalin."));
        assert_eq!(r.doc_type.as_deref(), Some("Telegram"));
        assert_eq!(r.languages, ["ru"]);
        assert_eq!(r.authors, ["Stalin, Joseph, 1879-1953"]);
        assert_eq!(r.places, ["China"]);
        assert_eq!(r.subjects, ["Korean War, 1950-1953"]);
        assert_eq!(
            r.credits,
            ["Leon Levy Foundation", "Translated by Alexandre Mansourov."]
        );
        assert_eq!(r.classification.as_deref(), Some("Top Secret"));
        assert_eq!(r.rights.as_deref(), Some("Reuse welcomed."));
        assert_eq!(r.source.collection.as_deref(), Some("Korean War Origins"));
        assert_eq!(r.source.uploaded.as_deref(), Some("2011-11-20"));
        assert_eq!(r.archival_refs[0].archive.as_deref(), Some("APRF"));
        assert_eq!(r.archival_refs[0].folios.as_deref(), Some("99-103"));
        assert_eq!(r.texts.len(), 2);
        assert_eq!(
            (r.texts[0].role, r.texts[0].lang.as_str()),
            (TextRole::Transcript, "ru")
        );
        assert_eq!(r.texts[1].lang, "en");
        assert_eq!(r.texts[1].translators, ["Alexandre Mansourov"]);
        for key in [
            "slug",
            "uri",
            "frontend_doc_date",
            "media_files",
            "repositories",
            "first_published_at",
        ] {
            assert!(r.extra.contains_key(key), "{key}");
        }
        assert!(!r.extra.contains_key("publishers"));
        assert!(!r.extra.contains_key("contributors"));
    }

    #[test]
    fn duplicate_keys_long_arrays_and_deep_json_are_refused() {
        let err = |json: &str| parse("x.json", json.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            err("{\"id\": 1, \"title\": \"A\", \"title\": \"B\"}"),
            "x.json: line 1, column 31: the key `title` appears twice in one object: which \
             value is meant?"
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            err(&deep),
            "x.json: line 1, column 128: arrays and objects nested deeper than 128 (the limit)"
        );
        let long = format!("[{}0]", "0,".repeat(MAX_JSON_ITEMS));
        assert!(err(&long).contains("an array of more than 100,000 items (the limit)"));
        // A control character by an HTML reference lands in a field and is named there.
        let nul = r#"{"id": 1, "title": "T", "description": "<p>a&#1;b</p>"}"#;
        let e = crate::ingest::parse(crate::ingest::Format::WcdaJson, "x.json", nul.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("record `wcda-1`, field `summary`: a control character (U+0001)"),
            "{e}"
        );
        assert_eq!(decode_entities(&"&".repeat(5)), "&&&&&");
        // HTML5's whole list, not a hand-picked few: the longest name, a two-character value,
        // Cyrillic and typographic names.
        assert_eq!(
            decode_entities(
                "&CounterClockwiseContourIntegral; &NotEqualTilde; &ZHcy;&iecy; &laquo;&hellip;&raquo; &frac12;"
            ),
            "\u{2233} \u{2242}\u{338} Же «…» ½"
        );
    }

    #[test]
    fn bad_json_is_named_with_its_place() {
        let err = parse("x.json", b"{\"id\": 1,\n \"title\": }")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json: line 2, column"), "{err}");
        let err = parse("x.json", b"[1]").unwrap_err().to_string();
        assert_eq!(err, "x.json: item 1: expected a WCDA record: a JSON object");
        let err = parse("x.json", b"{\"id\": 1, \"title\": \" \"}")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "x.json: top level, field `title`: the document has no title"
        );
    }
}
