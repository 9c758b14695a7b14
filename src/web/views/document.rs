//! The document page: the catalogue record, the original beside its translation paragraph by
//! paragraph, footnotes, citations, and the way to its neighbours and its archival file.

use askama::Template;

use crate::archive::{ArchivalFile, Neighbours, RecordSummary};
use crate::export::{citation, highwire, schema_org};
use crate::model::{Record, Text, TextRole, alignment};

use super::super::markup::{block, clean, paragraph, query_string};
use super::{Item, collection_href, date_long, document_href, file_href, language};

/// One value of a catalogue field: text, perhaps a link, perhaps in another language.
pub struct Value {
    /// The text.
    pub text: String,
    /// Where it links to, or empty.
    pub href: String,
    /// Its language (`lang` attribute), or empty for the page's.
    pub lang: String,
    /// Whether it is code-like (a hash, a file name): shown in monospace.
    pub code: bool,
}

impl Value {
    fn text(text: &str) -> Value {
        Value {
            text: clean(text),
            href: String::new(),
            lang: String::new(),
            code: false,
        }
    }

    fn link(text: &str, href: String) -> Value {
        Value {
            href,
            ..Value::text(text)
        }
    }

    fn code(text: &str) -> Value {
        Value {
            code: true,
            ..Value::text(text)
        }
    }
}

/// A catalogue field: a label and its values.
pub struct Field {
    /// The label ("Authors").
    pub label: String,
    /// Its values, in the source's order.
    pub values: Vec<Value>,
}

/// One row of the parallel view: paragraphs of the original beside the paragraphs of the
/// translation that render them ([`alignment::align`]).
pub struct Row {
    /// The row's number (the anchor is `p{n}`).
    pub n: usize,
    /// The original's paragraphs as HTML blocks (none when the translation's have no
    /// counterpart).
    pub original: Vec<String>,
    /// The translation's paragraphs as HTML.
    pub translation: Vec<String>,
}

/// The original beside its translation.
pub struct Parallel {
    /// The original's column heading ("Original (Russian)").
    pub original_heading: String,
    /// Its language code.
    pub original_lang: String,
    /// Its credit line, or empty.
    pub original_credit: String,
    /// The translation's column heading.
    pub translation_heading: String,
    /// Its language code.
    pub translation_lang: String,
    /// "Translated by …", or empty.
    pub translation_credit: String,
    /// The rows.
    pub rows: Vec<Row>,
}

/// A text shown on its own (the only text, or a further one beyond the parallel pair).
pub struct TextView {
    /// Its heading ("Translation (English)").
    pub heading: String,
    /// Its language code.
    pub lang: String,
    /// `original` or `translation`, for styling.
    pub class: &'static str,
    /// "Translated by …", or empty.
    pub credit: String,
    /// Its paragraphs: (anchor, HTML block).
    pub paragraphs: Vec<(String, String)>,
}

/// The footnotes of one text.
pub struct NotesView {
    /// Heading: "Notes to the original (Russian)".
    pub heading: String,
    /// Its language code.
    pub lang: String,
    /// Anchor prefix of its notes.
    pub id: String,
    /// The notes: (mark, text).
    pub notes: Vec<(String, String)>,
}

/// The record's place in its collection.
pub struct Place {
    /// The collection's name.
    pub collection: String,
    /// Its page.
    pub href: String,
    /// Position, from 1, and count.
    pub position: usize,
    /// How many records the collection holds.
    pub count: usize,
    /// The previous record.
    pub previous: Option<Item>,
    /// The next record.
    pub next: Option<Item>,
}

/// An archival file the record is in, with other records of it.
pub struct FileView {
    /// "RGASPI f. 558, op. 11, d. 334".
    pub key: String,
    /// Its page.
    pub href: String,
    /// How many records it holds (counting this one).
    pub records: usize,
    /// Other records of it (a few).
    pub items: Vec<Item>,
}

/// The document page.
#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    /// Its title.
    pub title: String,
    /// The title's language when its script tells, or empty.
    pub title_lang: String,
    /// The date for reading, and as ISO.
    pub date: String,
    /// ISO 8601 date, or empty.
    pub iso_date: String,
    /// Type, or empty.
    pub doc_type: String,
    /// The summary, or empty.
    pub summary: String,
    /// The catalogue fields, in order.
    pub fields: Vec<Field>,
    /// The parallel view, when the record has an original and a translation.
    pub parallel: Option<Parallel>,
    /// Texts shown on their own.
    pub texts: Vec<TextView>,
    /// Footnotes, per text.
    pub notes: Vec<NotesView>,
    /// The Chicago note form.
    pub cite_note: String,
    /// The Chicago bibliography form.
    pub cite_bibliography: String,
    /// The citation the source recommends, or empty.
    pub cite_source: String,
    /// The canonical URL of this page.
    pub canonical: String,
    /// Highwire and Dublin Core meta tags: (name, content).
    pub meta: Vec<(&'static str, String)>,
    /// The JSON-LD, safe inside `<script>`.
    pub json_ld: String,
    /// Its place in its collection.
    pub place: Option<Place>,
    /// Its archival files.
    pub files: Vec<FileView>,
    /// The records printed inside it (FRUS enclosures), set by the handler.
    pub enclosures: Vec<Item>,
    /// The record as JSON.
    pub api_href: String,
}

fn credit(text: &Text) -> String {
    if text.translators.is_empty() {
        String::new()
    } else {
        format!("Translated by {}", clean(&text.translators.join(", ")))
    }
}

fn heading(text: &Text) -> String {
    let role = match text.role {
        TextRole::Transcript => "Original",
        TextRole::Translation => "Translation",
    };
    if text.lang.is_empty() {
        role.to_string()
    } else {
        format!("{role} ({})", language(&text.lang))
    }
}

/// "Original (Russian)" → "original (Russian)".
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The label of a field the source holds beyond the record's own (`extra`), by its name.
fn extra_label(name: &str) -> String {
    match name {
        "dateline" => "Dateline".into(),
        "doc_number" => "Document number".into(),
        "source_note" => "Source note".into(),
        "frus_subtype" => "FRUS document type".into(),
        "date_source" => "Date taken from".into(),
        "pages" => "Pages".into(),
        "enclosed_in" => "Enclosed in".into(),
        "original_archive" => "Original archive".into(),
        "transmitted_via" => "Transmitted via".into(),
        other => {
            let spaced = clean(other).replace('_', " ");
            let mut chars = spaced.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn class(text: &Text) -> &'static str {
    match text.role {
        TextRole::Transcript => "original",
        TextRole::Translation => "translation",
    }
}

fn search_link(param: &str, value: &str) -> String {
    format!("/search{}", query_string([(param, value)]))
}

impl DocumentPage {
    /// Builds the page of `record`, with its place in its collection and its archival files.
    pub fn new(
        record: &Record,
        neighbours: &Neighbours,
        files: &[(ArchivalFile, Vec<RecordSummary>)],
        base_url: &str,
    ) -> DocumentPage {
        let canonical = format!("{base_url}{}", document_href(&record.id));
        let (parallel, texts) = texts(record);
        let notes = record
            .texts
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.notes.is_empty())
            .map(|(k, t)| NotesView {
                heading: format!("Notes to the {}", lowercase_first(&heading(t))),
                lang: clean(&t.lang),
                id: format!("t{}-n", k + 1),
                // A note printed once per mention ("* Had not returned…" 85 times) is listed
                // once.
                notes: {
                    let mut seen = std::collections::HashSet::new();
                    t.notes
                        .iter()
                        .filter(|n| seen.insert((n.n.as_str(), n.body.as_str())))
                        .map(|n| (clean(&n.n), paragraph(&n.body)))
                        .collect()
                },
            })
            .collect();
        let n = neighbours;
        let place = n.collection.as_deref().map(|collection| Place {
            collection: clean(collection),
            href: collection_href(collection),
            position: n.position,
            count: n.count,
            previous: n.previous.as_ref().map(Item::of),
            next: n.next.as_ref().map(Item::of),
        });
        let files = files
            .iter()
            .map(|(f, items)| FileView {
                key: clean(&f.key),
                href: file_href(&f.key),
                records: f.records,
                items: items.iter().map(Item::of).collect(),
            })
            .collect();
        let json_ld = schema_org::json_ld_script(&schema_org::json_ld(record, &canonical));
        DocumentPage {
            title: clean(&record.title),
            title_lang: super::script_lang(&record.title),
            date: date_long(record.date.as_ref()),
            iso_date: record.date.map(|d| d.to_string()).unwrap_or_default(),
            doc_type: record.doc_type.as_deref().map(clean).unwrap_or_default(),
            summary: record.summary.as_deref().map(clean).unwrap_or_default(),
            fields: fields(record),
            parallel,
            texts,
            notes,
            cite_note: clean(&citation::chicago_note(record, &canonical)),
            cite_bibliography: clean(&citation::chicago_bibliography(record, &canonical)),
            cite_source: record.citation.as_deref().map(clean).unwrap_or_default(),
            meta: highwire::meta_tags(record, &canonical)
                .into_iter()
                .map(|(k, v)| (k, clean(&v)))
                .collect(),
            json_ld,
            canonical,
            place,
            files,
            enclosures: Vec::new(),
            api_href: format!("/api{}", document_href(&record.id)),
        }
    }
}

/// The parallel pair (the first transcript and the first translation) and the texts shown on
/// their own.
fn texts(record: &Record) -> (Option<Parallel>, Vec<TextView>) {
    let original = record
        .texts
        .iter()
        .position(|t| t.role == TextRole::Transcript);
    let translation = record
        .texts
        .iter()
        .position(|t| t.role == TextRole::Translation);
    let mut parallel = None;
    let mut shown_alone: Vec<usize> = (0..record.texts.len()).collect();
    if let (Some(o), Some(t)) = (original, translation) {
        let (ot, tt) = (&record.texts[o], &record.texts[t]);
        let left: Vec<&str> = ot.paragraphs().collect();
        let right: Vec<&str> = tt.paragraphs().collect();
        let rows = alignment::align(&left, &right)
            .into_iter()
            .enumerate()
            .map(|(i, g)| Row {
                n: i + 1,
                original: left[g.original].iter().map(|p| block(p)).collect(),
                translation: right[g.translation].iter().map(|p| block(p)).collect(),
            })
            .collect();
        parallel = Some(Parallel {
            original_heading: heading(ot),
            original_lang: clean(&ot.lang),
            original_credit: credit(ot),
            translation_heading: heading(tt),
            translation_lang: clean(&tt.lang),
            translation_credit: credit(tt),
            rows,
        });
        shown_alone.retain(|k| *k != o && *k != t);
    }
    let texts = shown_alone
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let t = &record.texts[k];
            // The first text on its own, when there is no pair, takes the plain `p{n}` anchors.
            let prefix = if parallel.is_none() && i == 0 {
                "p".to_string()
            } else {
                format!("t{}-p", k + 1)
            };
            TextView {
                heading: heading(t),
                lang: clean(&t.lang),
                class: class(t),
                credit: credit(t),
                paragraphs: t
                    .paragraphs()
                    .enumerate()
                    .map(|(j, p)| (format!("{prefix}{}", j + 1), block(p)))
                    .collect(),
            }
        })
        .collect();
    (parallel, texts)
}

/// Every field the record holds, in the order of a catalogue record.
fn fields(r: &Record) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut push = |label: &str, values: Vec<Value>| {
        if !values.is_empty() {
            fields.push(Field {
                label: label.to_string(),
                values,
            });
        }
    };
    let list = |items: &[String], param: Option<&str>| -> Vec<Value> {
        items
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| match param {
                Some(p) => Value::link(s, search_link(p, s.trim())),
                None => Value::text(s),
            })
            .collect()
    };
    push(
        "Date",
        r.date
            .map(|d| vec![Value::text(&format!("{} ({d})", date_long(Some(&d))))])
            .unwrap_or_default(),
    );
    push(
        "Type",
        r.doc_type
            .iter()
            .map(|t| Value::link(t, search_link("type", t)))
            .collect(),
    );
    push("Authors", list(&r.authors, Some("author")));
    push("Recipients", list(&r.recipients, Some("recipient")));
    push(
        "Place written",
        r.place_written.iter().map(|p| Value::text(p)).collect(),
    );
    push(
        "Classification",
        r.classification.iter().map(|c| Value::text(c)).collect(),
    );
    push(
        "Original language",
        r.languages
            .iter()
            .map(|l| Value::link(&language(l), search_link("lang", l)))
            .collect(),
    );
    push(
        "Archival references",
        r.archival_refs
            .iter()
            .map(|a| match a.file_key() {
                Some(key) => Value::link(&a.raw, file_href(&key)),
                None => Value::text(&a.raw),
            })
            .collect(),
    );
    push(
        "Collection",
        r.collection()
            .map(|c| vec![Value::link(c, collection_href(c))])
            .unwrap_or_default(),
    );
    let s = &r.source;
    let mut source = Vec::new();
    if !s.name.trim().is_empty() {
        source.push(Value::text(&s.name));
    }
    if let Some(url) = s
        .url
        .as_deref()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
    {
        source.push(Value::link(url, url.to_string()));
    } else if let Some(url) = &s.url {
        source.push(Value::text(url));
    }
    push("Source", source);
    push(
        "Source record id",
        s.record_id.iter().map(|v| Value::code(v)).collect(),
    );
    push(
        "Published by the source",
        s.uploaded.iter().map(|v| Value::text(v)).collect(),
    );
    push("Subjects", list(&r.subjects, None));
    push("Places", list(&r.places, None));
    push("People", list(&r.people, None));
    push("Credits", list(&r.credits, None));
    push("Rights", r.rights.iter().map(|v| Value::text(v)).collect());
    for (name, value) in &r.extra {
        let value = if name == "enclosed_in" {
            Value::link(value, document_href(value.trim()))
        } else {
            Value::text(value)
        };
        push(&extra_label(name), vec![value]);
    }
    let p = &r.provenance;
    let mut provenance = vec![Value::code(&p.source_file)];
    if !p.sha256.is_empty() {
        provenance.push(Value::code(&format!("SHA-256 {}", p.sha256)));
    }
    if !p.importer.is_empty() {
        provenance.push(Value::text(&format!("read by the {} importer", p.importer)));
    }
    if let Some(l) = &p.locator {
        provenance.push(Value::code(&format!("at {l}")));
    }
    if !p.source_file.is_empty() {
        push("Provenance", provenance);
    }
    push("Fonds id", vec![Value::code(&r.id)]);
    fields
}
