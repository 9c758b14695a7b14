//! Highwire Press `citation_*` and Dublin Core `DC.*` meta tags of a record, for Zotero and Google Scholar.
//!
//! The tags are the ones Zotero's Embedded Metadata translator reads (Highwire first, then Dublin
//! Core through its RDF translator) and Google Scholar's inclusion guidelines name:
//!
//! | tag | value |
//! |---|---|
//! | `citation_title`, `DC.title` | the title |
//! | `citation_author`, `DC.creator` | one per author, as written |
//! | `citation_date`, `citation_publication_date` | the date as `YYYY/MM/DD`, `YYYY/MM` or `YYYY` |
//! | `DC.date` | the date in ISO 8601 at its precision (`1950-07-13`, `1950-07`, `1950`) |
//! | `citation_language`, `DC.language` | one per language of the original (ISO 639-1) |
//! | `citation_publisher`, `DC.publisher` | the source (`source.name`) |
//! | `citation_abstract`, `DC.description` | the summary |
//! | `citation_keywords` | the subjects, joined by `; ` (Zotero splits them there) |
//! | `DC.subject` | one per subject |
//! | `citation_public_url`, `citation_abstract_html_url`, `DC.identifier` | the page's URL |
//! | `DC.type` | the document's type (Telegram, Memorandum…) |
//! | `DC.rights` | the rights statement |
//! | `DC.source` | the collection the record came in ([`Record::collection`]); Zotero reads it as the publication |
//!
//! Not emitted on purpose: `citation_archive_id` (an open-access repository's id, as arXiv's,
//! not a shelfmark; neither Zotero nor Google Scholar read it), `DC.contributor` for translators
//! (Zotero reads contributors as authors), and `DC.coverage` for the archival reference (Zotero
//! reads it as the location in the archive, but in Dublin Core it means spatial or temporal
//! coverage). Values are plain text with whitespace collapsed, not HTML-escaped: the caller
//! escapes them. Empty values are never emitted.

use crate::model::{DatePrecision, PartialDate, Record};

use super::citation::clean;

/// The meta tags of `record`, as `(name, content)` pairs in a fixed order: the Highwire tags,
/// then the Dublin Core ones. `url` is the record's page in this archive.
pub fn meta_tags(record: &Record, url: &str) -> Vec<(&'static str, String)> {
    let mut tags = Tags::default();
    let url = url.trim();
    let summary = record.summary.as_deref().unwrap_or("");
    let subjects: Vec<String> = record
        .subjects
        .iter()
        .map(|s| clean(s))
        .filter(|s| !s.is_empty())
        .collect();

    tags.push("citation_title", &record.title);
    for author in &record.authors {
        tags.push("citation_author", author);
    }
    if let Some(date) = &record.date {
        tags.push("citation_date", &slash_date(date));
        tags.push("citation_publication_date", &slash_date(date));
    }
    for lang in &record.languages {
        tags.push("citation_language", lang);
    }
    tags.push("citation_publisher", &record.source.name);
    tags.push("citation_abstract", summary);
    tags.push("citation_keywords", &subjects.join("; "));
    tags.push("citation_public_url", url);
    tags.push("citation_abstract_html_url", url);

    tags.push("DC.title", &record.title);
    for author in &record.authors {
        tags.push("DC.creator", author);
    }
    if let Some(date) = &record.date {
        tags.push("DC.date", &date.to_string());
    }
    tags.push("DC.type", record.doc_type.as_deref().unwrap_or(""));
    for lang in &record.languages {
        tags.push("DC.language", lang);
    }
    tags.push("DC.publisher", &record.source.name);
    tags.push("DC.description", summary);
    for subject in &subjects {
        tags.push("DC.subject", subject);
    }
    tags.push("DC.rights", record.rights.as_deref().unwrap_or(""));
    tags.push("DC.identifier", url);
    tags.push("DC.source", record.collection().unwrap_or(""));
    tags.0
}

/// The tags collected so far.
#[derive(Default)]
struct Tags(Vec<(&'static str, String)>);

impl Tags {
    /// Adds a tag with `value`'s whitespace collapsed, unless that leaves it empty.
    fn push(&mut self, name: &'static str, value: &str) {
        let value = clean(value);
        if !value.is_empty() {
            self.0.push((name, value));
        }
    }
}

/// The date as Highwire writes it, to its precision: `1950/07/13`, `1950/07`, `1950`.
fn slash_date(date: &PartialDate) -> String {
    match (date.precision(), date.month, date.day) {
        (DatePrecision::Day, Some(m), Some(d)) => format!("{:04}/{m:02}/{d:02}", date.year),
        (DatePrecision::Day | DatePrecision::Month, Some(m), _) => {
            format!("{:04}/{m:02}", date.year)
        }
        _ => format!("{:04}", date.year),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::corpus;

    const PAGE: &str = "https://fonds.example/documents/wcda-134278";

    fn values<'a>(tags: &'a [(&'static str, String)], name: &str) -> Vec<&'a str> {
        tags.iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn wcda_telegram_tags() {
        let tags = meta_tags(&corpus::record("wcda-134278"), PAGE);
        assert_eq!(
            values(&tags, "citation_title"),
            ["Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking"]
        );
        assert_eq!(values(&tags, "citation_author"), ["Filippov [Stalin]"]);
        assert_eq!(values(&tags, "citation_date"), ["1950/07/13"]);
        assert_eq!(values(&tags, "citation_publication_date"), ["1950/07/13"]);
        assert_eq!(values(&tags, "DC.date"), ["1950-07-13"]);
        assert_eq!(values(&tags, "citation_language"), ["ru"]);
        assert_eq!(
            values(&tags, "citation_publisher"),
            ["Wilson Center Digital Archive"]
        );
        assert_eq!(values(&tags, "citation_public_url"), [PAGE]);
        assert_eq!(values(&tags, "citation_abstract_html_url"), [PAGE]);
        assert_eq!(values(&tags, "DC.type"), ["Telegram"]);
        assert_eq!(
            values(&tags, "DC.source"),
            ["Wilson Center Digital Archive"]
        );
        assert!(values(&tags, "citation_abstract")[0].starts_with("Stalin tells Mao"));
        // The page gives no subjects, rights or recipients' tag: nothing empty is emitted.
        assert!(values(&tags, "citation_keywords").is_empty());
        assert!(values(&tags, "DC.rights").is_empty());
        assert!(tags.iter().all(|(_, v)| !v.trim().is_empty()));
        assert!(tags.iter().all(|(n, _)| *n != "citation_archive_id"));
    }

    #[test]
    fn dates_keep_their_precision() {
        let d = |s: &str| slash_date(&s.parse().unwrap());
        assert_eq!(d("1950-07-13"), "1950/07/13");
        assert_eq!(d("1950-07"), "1950/07");
        assert_eq!(d("1950"), "1950");
        let mut r = corpus::record("wcda-134278");
        r.date = "1950-07".parse().ok();
        let tags = meta_tags(&r, PAGE);
        assert_eq!(values(&tags, "citation_date"), ["1950/07"]);
        assert_eq!(values(&tags, "DC.date"), ["1950-07"]);
    }

    #[test]
    fn undated_and_authorless_records_leave_their_tags_out() {
        let r = Record {
            id: "x-1".into(),
            title: "Untitled\n  note".into(),
            ..Record::default()
        };
        assert_eq!(
            meta_tags(&r, ""),
            [
                ("citation_title", "Untitled note".to_string()),
                ("DC.title", "Untitled note".to_string())
            ]
        );
        let undated = meta_tags(&corpus::record("frus1894Nicaragua-d27"), PAGE);
        assert!(values(&undated, "citation_date").is_empty());
        assert!(values(&undated, "DC.date").is_empty());
    }

    #[test]
    fn subjects_are_one_keywords_tag_and_several_dc_subjects() {
        let mut r = corpus::record("wcda-134278");
        r.subjects = vec![
            "Korean War, 1950-1953".into(),
            " ".into(),
            "Aviation".into(),
        ];
        let tags = meta_tags(&r, PAGE);
        assert_eq!(
            values(&tags, "citation_keywords"),
            ["Korean War, 1950-1953; Aviation"]
        );
        assert_eq!(
            values(&tags, "DC.subject"),
            ["Korean War, 1950-1953", "Aviation"]
        );
    }

    #[test]
    fn frus_volume_is_the_dc_source() {
        let tags = meta_tags(&corpus::record("frus1894Nicaragua-d1"), PAGE);
        assert_eq!(
            values(&tags, "DC.source"),
            ["Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)"]
        );
        assert_eq!(
            values(&tags, "DC.rights"),
            ["Public domain (U.S. Government work)."]
        );
        assert_eq!(values(&tags, "citation_author"), ["Seat"]);
    }

    #[test]
    fn snapshots() {
        for id in ["wcda-134278", "frus1894Nicaragua-d1"] {
            let r = corpus::record(id);
            let url = format!("https://fonds.example/documents/{id}");
            let lines: String = meta_tags(&r, &url)
                .iter()
                .map(|(name, content)| format!("{name}: {content}\n"))
                .collect();
            insta::assert_snapshot!(format!("{id}_meta_tags"), lines);
        }
    }
}
