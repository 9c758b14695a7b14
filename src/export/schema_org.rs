//! schema.org JSON-LD of a record (a `CreativeWork` and `ArchiveComponent`), and its safe form inside an HTML `<script>`.
//!
//! | property | from |
//! |---|---|
//! | `@id`, `url` | the record's page in this archive |
//! | `identifier` | the record id |
//! | `name` | the title |
//! | `dateCreated` | the date, ISO 8601 at its precision (`1950-07-13`, `1950-07`, `1950`) |
//! | `genre` | the document's type |
//! | `abstract` | the summary |
//! | `inLanguage` | the languages of the original (else of the transcripts) |
//! | `author`, `recipient` | `Person`s, names as written |
//! | `translator` | `Person`s: the translators of the translations |
//! | `workTranslation` | one `CreativeWork` per translation: its `inLanguage` and `translator`s |
//! | `locationCreated` | a `Place`: where the document was written |
//! | `holdingArchive` | an `ArchiveOrganization` per distinct archive of the archival references |
//! | `itemLocation` | the archival references as written (schema.org: `Text`, `Place` or `PostalAddress`) |
//! | `isPartOf` | a `Collection`: [`Record::collection`] |
//! | `publisher` | an `Organization`: the source |
//! | `sameAs` | the source's own page, when it is another page |
//! | `copyrightNotice` | the rights statement (`license` instead when it is a URL: schema.org wants a URL or `CreativeWork` there) |
//! | `keywords` | the subjects |
//! | `contentLocation` | a `Place` per place the document is about |
//! | `about` | a `Thing` per person or organisation it is about (the sources do not say which) |
//!
//! `recipient` is defined on schema.org's `Message`, not `CreativeWork`; it is used here anyway,
//! since typing telegrams as `Message` makes Zotero save them as e-mails. Lists are always
//! arrays (`locationCreated`, `isPartOf` and `publisher` are one object each); empty fields are
//! left out.

use serde_json::{Map, Value, json};

use crate::model::{Record, TextRole};

use super::citation::translators;

/// The schema.org description of `record` as a JSON-LD object. `url` is the record's page in
/// this archive: the object's `@id` and `url`.
pub fn json_ld(record: &Record, url: &str) -> Value {
    let mut o = Object::default();
    o.set("@context", json!("https://schema.org"));
    o.set("@type", json!(["CreativeWork", "ArchiveComponent"]));
    o.text("@id", url);
    o.text("url", url);
    o.text("identifier", &record.id);
    o.text("name", &record.title);
    if let Some(date) = &record.date {
        o.set("dateCreated", json!(date.to_string()));
    }
    o.text("genre", record.doc_type.as_deref().unwrap_or(""));
    o.text("abstract", record.summary.as_deref().unwrap_or(""));
    let languages = if record.languages.is_empty() {
        distinct(
            record
                .texts
                .iter()
                .filter(|t| t.role == TextRole::Transcript)
                .map(|t| t.lang.as_str()),
        )
    } else {
        distinct(record.languages.iter().map(String::as_str))
    };
    o.list("inLanguage", languages.into_iter().map(Value::String));
    o.list("author", named("Person", &record.authors));
    o.list("recipient", named("Person", &record.recipients));
    o.list("translator", named("Person", &translators(record)));
    o.list(
        "workTranslation",
        record
            .texts
            .iter()
            .filter(|t| t.role == TextRole::Translation)
            .map(|t| {
                let mut w = Object::default();
                w.set("@type", json!("CreativeWork"));
                w.text("inLanguage", &t.lang);
                w.list("translator", named("Person", &t.translators));
                w.into_value()
            }),
    );
    if let Some(place) = record.place_written.as_deref().map(str::trim)
        && !place.is_empty()
    {
        o.set("locationCreated", json!({"@type": "Place", "name": place}));
    }
    let archives = distinct(
        record
            .archival_refs
            .iter()
            .filter_map(|r| r.archive.as_deref()),
    );
    o.list("holdingArchive", named("ArchiveOrganization", &archives));
    let locations = distinct(record.archival_refs.iter().map(|r| r.raw.as_str()));
    o.list("itemLocation", locations.into_iter().map(Value::String));
    if let Some(collection) = record.collection() {
        o.set(
            "isPartOf",
            json!({"@type": "Collection", "name": collection}),
        );
    }
    if !record.source.name.trim().is_empty() {
        o.set(
            "publisher",
            json!({"@type": "Organization", "name": record.source.name.trim()}),
        );
    }
    if let Some(same) = record.source.url.as_deref().map(str::trim)
        && !same.is_empty()
        && same != url.trim()
    {
        o.set("sameAs", json!(same));
    }
    if let Some(rights) = record.rights.as_deref().map(str::trim) {
        let is_url = rights.starts_with("https://") || rights.starts_with("http://");
        let key = if is_url { "license" } else { "copyrightNotice" };
        o.text(key, rights);
    }
    o.list(
        "keywords",
        distinct(record.subjects.iter().map(String::as_str))
            .into_iter()
            .map(Value::String),
    );
    o.list("contentLocation", named("Place", &record.places));
    o.list("about", named("Thing", &record.people));
    o.into_value()
}

/// `value` serialized so that it can stand inside an HTML `<script type="application/ld+json">`
/// element whatever its strings hold: `<`, `>` and `&` are written `\u003c`, `\u003e`,
/// `\u0026`, and U+2028 and U+2029 `\u2028`, `\u2029`. No `</script>` or `<!--` can then
/// appear, and the text is still JSON that parses back to `value`.
pub fn json_ld_script(value: &Value) -> String {
    let json = serde_json::to_string(value).expect("a JSON value always serializes");
    // These characters can only occur inside strings, where a \u escape means the same.
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON object being built, in insertion order (serde_json's `preserve_order`).
#[derive(Default)]
struct Object(Map<String, Value>);

impl Object {
    fn set(&mut self, key: &str, value: Value) {
        self.0.insert(key.to_string(), value);
    }

    /// Sets a string, trimmed, unless it is empty.
    fn text(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if !value.is_empty() {
            self.set(key, Value::String(value.to_string()));
        }
    }

    /// Sets an array, unless it is empty.
    fn list(&mut self, key: &str, values: impl IntoIterator<Item = Value>) {
        let values: Vec<Value> = values.into_iter().collect();
        if !values.is_empty() {
            self.set(key, Value::Array(values));
        }
    }

    fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// `{"@type": kind, "name": name}` for every non-empty name, each once.
fn named(kind: &str, names: &[String]) -> Vec<Value> {
    distinct(names.iter().map(String::as_str))
        .into_iter()
        .map(|name| json!({"@type": kind, "name": name}))
        .collect()
}

/// The trimmed, non-empty strings, each once, in order.
fn distinct<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty() && seen.insert(*item))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::corpus;

    const PAGE: &str = "https://fonds.example/documents/wcda-134278";

    #[test]
    fn wcda_telegram() {
        let v = json_ld(&corpus::record("wcda-134278"), PAGE);
        assert_eq!(v["@context"], "https://schema.org");
        assert_eq!(v["@type"], json!(["CreativeWork", "ArchiveComponent"]));
        assert_eq!(v["@id"], PAGE);
        assert_eq!(v["url"], PAGE);
        assert_eq!(v["identifier"], "wcda-134278");
        assert_eq!(v["dateCreated"], "1950-07-13");
        assert_eq!(v["genre"], "Telegram");
        assert_eq!(v["inLanguage"], json!(["ru"]));
        assert_eq!(
            v["author"],
            json!([{"@type": "Person", "name": "Filippov [Stalin]"}])
        );
        assert_eq!(
            v["recipient"],
            json!([{"@type": "Person", "name": "the Soviet Ambassador, Peking"}])
        );
        assert_eq!(
            v["translator"],
            json!([{"@type": "Person", "name": "Gary Goldberg"}])
        );
        assert_eq!(
            v["workTranslation"],
            json!([{"@type": "CreativeWork", "inLanguage": "en",
                    "translator": [{"@type": "Person", "name": "Gary Goldberg"}]}])
        );
        // Two spellings of one reference: one archive, both references as written.
        assert_eq!(
            v["holdingArchive"],
            json!([{"@type": "ArchiveOrganization", "name": "RGASPI"}])
        );
        assert_eq!(
            v["itemLocation"],
            json!([
                "RGASPI, f. 558, op. 11, d. 334, ll.0085",
                "РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85"
            ])
        );
        assert_eq!(
            v["isPartOf"],
            json!({"@type": "Collection", "name": "Wilson Center Digital Archive"})
        );
        assert_eq!(
            v["sameAs"],
            "https://wilson-center-digital-archive.dvincitest.com/document/134278"
        );
        assert!(v.get("copyrightNotice").is_none());
        assert!(v.get("keywords").is_none());
    }

    #[test]
    fn frus_document() {
        let v = json_ld(&corpus::record("frus1894Nicaragua-d1"), PAGE);
        assert_eq!(
            v["isPartOf"]["name"],
            "Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)"
        );
        assert_eq!(
            v["publisher"],
            json!({"@type": "Organization", "name": "Foreign Relations of the United States"})
        );
        assert_eq!(
            v["copyrightNotice"],
            "Public domain (U.S. Government work)."
        );
        assert_eq!(
            v["locationCreated"],
            json!({"@type": "Place", "name": "Bluefields, Nicaragua"})
        );
        assert!(v.get("holdingArchive").is_none());
        assert!(v.get("translator").is_none());
    }

    #[test]
    fn empty_fields_are_left_out() {
        let r = Record {
            id: "x-1".into(),
            title: "Untitled".into(),
            ..Record::default()
        };
        assert_eq!(
            json_ld(&r, ""),
            json!({
                "@context": "https://schema.org",
                "@type": ["CreativeWork", "ArchiveComponent"],
                "identifier": "x-1",
                "name": "Untitled"
            })
        );
        let undated = json_ld(&corpus::record("frus1894Nicaragua-d27"), PAGE);
        assert!(undated.get("dateCreated").is_none());
    }

    #[test]
    fn places_people_subjects_and_licence_urls() {
        let mut r = corpus::record("wcda-134278");
        r.places = vec!["Beijing".into(), "Beijing".into()];
        r.people = vec!["Zhou Enlai".into()];
        r.subjects = vec!["Korean War, 1950-1953".into()];
        r.rights = Some("https://creativecommons.org/licenses/by/4.0/".into());
        let v = json_ld(&r, PAGE);
        assert_eq!(
            v["contentLocation"],
            json!([{"@type": "Place", "name": "Beijing"}])
        );
        assert_eq!(
            v["about"],
            json!([{"@type": "Thing", "name": "Zhou Enlai"}])
        );
        assert_eq!(v["keywords"], json!(["Korean War, 1950-1953"]));
        assert_eq!(v["license"], "https://creativecommons.org/licenses/by/4.0/");
        assert!(v.get("copyrightNotice").is_none());
    }

    #[test]
    fn hostile_text_cannot_leave_the_script_element() {
        let mut r = corpus::record("wcda-134278");
        r.title = "</script><script>alert(1)</script>".into();
        r.summary = Some("<!-- a & b --> \u{2028} line \u{2029} para </SCRIPT >".into());
        r.authors = vec!["Filippov</script>".into()];
        let value = json_ld(&r, PAGE);
        let script = json_ld_script(&value);
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!script.contains(bad), "{bad:?} in {script}");
        }
        assert!(script.contains(r"\u003c/script\u003e\u003cscript\u003ealert(1)"));
        let back: Value = serde_json::from_str(&script).unwrap();
        assert_eq!(back, value);
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn snapshots() {
        for id in ["wcda-134278", "frus1894Nicaragua-d1"] {
            let r = corpus::record(id);
            let url = format!("https://fonds.example/documents/{id}");
            insta::assert_json_snapshot!(format!("{id}_json_ld"), json_ld(&r, &url));
        }
    }
}
