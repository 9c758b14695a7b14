//! The index schema: which field holds what of a [`Record`], and the document built from one.
//!
//! | field | kind | from the record |
//! |---|---|---|
//! | `id` | raw, stored, fast | `id` (the unique key: updates delete by it) |
//! | `hash` | raw, stored, fast | the store's content hash of the revision (for `fonds check`) |
//! | `title` | text, stored | `title` |
//! | `summary` | text, stored | `summary` |
//! | `original` | text, stored | every transcript's body, then its notes |
//! | `translation` | text, stored | every translation's body, then its notes |
//! | `names` | text | authors, recipients, people, places, subjects, place written, translators, credits |
//! | `refs` | text | archival references (raw and parts), citation, classification, source name, id and collection |
//! | `type` | keyword | `type` |
//! | `lang` | keyword | `languages` and the texts' languages |
//! | `archive` | keyword | `archival_refs[].archive` |
//! | `author_exact`, `recipient_exact` | raw (exact, case kept) | `authors`, `recipients` as written, trimmed (the `author`/`recipient` filters) |
//! | `date_start`, `date_end` | i64, indexed, fast | the date's first and last day as `yyyymmdd`; absent without a date |
//! | `date` | stored | the date as written (ISO 8601 of its precision) |
//! | `facets` | facet | `/type/T`, `/lang/L`, `/decade/1950/1953`, `/archive/A`, `/collection/C` ([`Record::collection`]: the source's collection, else its name), `/author/A`, `/recipient/R` |
//!
//! Facet values are path segments taken whole (`Facet::from_path`), so a value holding `/`
//! ("Molotov/Vyshinsky") stays one value and comes back as written.
//!
//! Text fields use the `fonds` analyzer with positions (phrases work everywhere); keyword
//! fields use the `keyword` analyzer (one folded token per value, so `type:telegram` matches
//! `Telegram`).

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::schema::{Facet, NumericOptions};

use super::analyzer::{FONDS, KEYWORD};
use crate::model::{Record, TextRole};

/// The fields of the index, by role.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub hash: Field,
    pub title: Field,
    pub summary: Field,
    pub original: Field,
    pub translation: Field,
    pub names: Field,
    pub refs: Field,
    pub doc_type: Field,
    pub lang: Field,
    pub archive: Field,
    pub author: Field,
    pub recipient: Field,
    pub date_start: Field,
    pub date_end: Field,
    pub date: Field,
    pub facets: Field,
}

/// Field names, as used in queries and in the schema.
pub(crate) mod names {
    pub const ID: &str = "id";
    pub const HASH: &str = "hash";
    pub const TITLE: &str = "title";
    pub const SUMMARY: &str = "summary";
    pub const ORIGINAL: &str = "original";
    pub const TRANSLATION: &str = "translation";
    pub const NAMES: &str = "names";
    pub const REFS: &str = "refs";
    pub const TYPE: &str = "type";
    pub const LANG: &str = "lang";
    pub const ARCHIVE: &str = "archive";
    pub const AUTHOR_EXACT: &str = "author_exact";
    pub const RECIPIENT_EXACT: &str = "recipient_exact";
    pub const DATE_START: &str = "date_start";
    pub const DATE_END: &str = "date_end";
    pub const DATE: &str = "date";
    pub const FACETS: &str = "facets";
}

impl Fields {
    /// Builds the schema and its fields.
    pub fn build() -> (Schema, Fields) {
        let text = |stored: bool| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(FONDS)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let keyword = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD)
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::Basic),
        );
        let date_key = NumericOptions::default().set_indexed().set_fast();
        let mut b = Schema::builder();
        let fields = Fields {
            id: b.add_text_field(names::ID, STRING | STORED | FAST),
            hash: b.add_text_field(names::HASH, STRING | STORED | FAST),
            title: b.add_text_field(names::TITLE, text(true)),
            summary: b.add_text_field(names::SUMMARY, text(true)),
            original: b.add_text_field(names::ORIGINAL, text(true)),
            translation: b.add_text_field(names::TRANSLATION, text(true)),
            names: b.add_text_field(names::NAMES, text(false)),
            refs: b.add_text_field(names::REFS, text(false)),
            doc_type: b.add_text_field(names::TYPE, keyword.clone()),
            lang: b.add_text_field(names::LANG, keyword.clone()),
            archive: b.add_text_field(names::ARCHIVE, keyword),
            author: b.add_text_field(names::AUTHOR_EXACT, STRING),
            recipient: b.add_text_field(names::RECIPIENT_EXACT, STRING),
            date_start: b.add_i64_field(names::DATE_START, date_key.clone()),
            date_end: b.add_i64_field(names::DATE_END, date_key),
            date: b.add_text_field(names::DATE, STORED),
            facets: b.add_facet_field(names::FACETS, FacetOptions::default()),
        };
        (b.build(), fields)
    }

    /// The index document for one revision of a record.
    pub fn document(&self, record: &Record, hash: &str) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, &record.id);
        doc.add_text(self.hash, hash);
        doc.add_text(self.title, &record.title);
        if let Some(summary) = &record.summary {
            doc.add_text(self.summary, summary);
        }
        let mut langs: Vec<&str> = record.languages.iter().map(|l| l.trim()).collect();
        for text in &record.texts {
            let field = match text.role {
                TextRole::Transcript => self.original,
                TextRole::Translation => self.translation,
            };
            doc.add_text(field, &text.body);
            for note in &text.notes {
                doc.add_text(field, &note.body);
            }
            for translator in &text.translators {
                doc.add_text(self.names, translator);
            }
            if text.role == TextRole::Transcript {
                langs.push(text.lang.trim());
            }
        }
        for name in record
            .authors
            .iter()
            .chain(&record.recipients)
            .chain(&record.people)
            .chain(&record.places)
            .chain(&record.subjects)
            .chain(record.place_written.as_ref())
            .chain(&record.credits)
        {
            doc.add_text(self.names, name);
        }
        for r in &record.archival_refs {
            doc.add_text(self.refs, &r.raw);
            for part in [&r.archive, &r.fond, &r.opis, &r.delo, &r.folios]
                .into_iter()
                .flatten()
            {
                doc.add_text(self.refs, part);
            }
        }
        for extra in [
            &record.citation,
            &record.classification,
            &record.source.record_id,
            &record.source.collection,
        ]
        .into_iter()
        .flatten()
        {
            doc.add_text(self.refs, extra);
        }
        if !record.source.name.is_empty() {
            doc.add_text(self.refs, &record.source.name);
        }

        let mut facet = |path: &[&str]| doc.add_facet(self.facets, Facet::from_path(path));
        if let Some(t) = record.doc_type.as_deref().filter(|t| !t.trim().is_empty()) {
            facet(&["type", t.trim()]);
        }
        langs.retain(|l| !l.is_empty());
        langs.sort_unstable();
        langs.dedup();
        for lang in &langs {
            facet(&["lang", lang]);
        }
        if let Some(date) = &record.date {
            facet(&["decade", &date.decade().to_string(), &date.year.to_string()]);
        }
        let mut archives: Vec<&str> = record
            .archival_refs
            .iter()
            .filter_map(|r| r.archive.as_deref().map(str::trim))
            .filter(|a| !a.is_empty())
            .collect();
        archives.sort_unstable();
        archives.dedup();
        for archive in &archives {
            facet(&["archive", archive]);
        }
        if let Some(c) = record.collection() {
            facet(&["collection", c]);
        }

        for (kind, field, people) in [
            ("author", self.author, &record.authors),
            ("recipient", self.recipient, &record.recipients),
        ] {
            let mut people: Vec<&str> = people
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .collect();
            people.sort_unstable();
            people.dedup();
            for person in people {
                doc.add_facet(self.facets, Facet::from_path([kind, person]));
                doc.add_text(field, person);
            }
        }

        if let Some(t) = &record.doc_type {
            doc.add_text(self.doc_type, t.trim());
        }
        for lang in langs {
            doc.add_text(self.lang, lang);
        }
        for archive in archives {
            doc.add_text(self.archive, archive);
        }
        if let Some(date) = &record.date {
            doc.add_i64(self.date_start, date.start_key());
            doc.add_i64(self.date_end, date.end_key());
            doc.add_text(self.date, date.to_string());
        }
        doc
    }
}
