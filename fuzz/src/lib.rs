//! The bodies of Fonds' fuzz targets: one function per target, from the fuzzer's bytes to a
//! call of the library's public API, with the properties every answer must have.
//!
//! Each `fuzz_targets/<name>.rs` is one line calling the function of the same name here, and
//! `tests/fuzz_corpus.rs` (in the main package, which includes this file as a module) replays
//! every committed corpus and regression file through [`TARGETS`] in the ordinary `cargo test`.
//! A target fails by panicking: on a panic of the library itself, or when an answer breaks a
//! property the API promises (ids URL-safe and unique, records that serialize to the same bytes
//! after a round trip, dates that print as they parse, internal errors for a user's query).
//!
//! Raw-byte targets take the bytes as the file (or the text); the structured ones
//! (`frus_grammar`, `wcda_json_grammar`, `query`) read them with [`arbitrary::Unstructured`]
//! as a sequence of choices in a grammar, so that nearly every input is a well-formed TEI
//! volume, a WCDA JSON record or a query, and the fuzzer spends its time inside the importer
//! or the parser rather than in its syntax checks.

mod search_request;
mod tei_volume;
mod wcda_record;

use arbitrary::Unstructured;
use fonds::ingest::{self, Format};
use fonds::model::{ArchivalRef, PartialDate, Record};

/// A target's body: the fuzzer's bytes in, a panic for a bug.
pub type Target = fn(&[u8]);

/// Every target, by name (the name of its `fuzz_targets/` file and of its corpus folder).
pub const TARGETS: &[(&str, Target)] = &[
    ("frus_tei", frus_tei),
    ("frus_grammar", frus_grammar),
    ("wcda_page", wcda_page),
    ("wcda_json", wcda_json),
    ("wcda_json_grammar", wcda_json_grammar),
    ("csv", csv),
    ("jsonl", jsonl),
    ("detect", detect),
    ("query", query),
    ("date", date),
    ("archival_ref", archival_ref),
];

/// What a target makes of an input, for reading a crash: the generated TEI volume, WCDA JSON
/// or search request of a structured target, the bytes as text for the others.
pub fn show(target: &str, data: &[u8]) -> String {
    let mut u = Unstructured::new(data);
    match target {
        "frus_grammar" => tei_volume::generate(&mut u),
        "wcda_json_grammar" => wcda_record::generate(&mut u),
        "query" => format!("{:#?}", search_request::generate(&mut u)),
        _ => String::from_utf8_lossy(data).into_owned(),
    }
}

/// The FRUS TEI importer on raw bytes (seeded with real FRUS documents).
pub fn frus_tei(data: &[u8]) {
    import(Format::FrusTei, "fuzz.xml", data);
}

/// The FRUS TEI importer on a volume generated from a grammar of the elements and attributes
/// it reads ([`tei_volume`]).
pub fn frus_grammar(data: &[u8]) {
    let xml = tei_volume::generate(&mut Unstructured::new(data));
    import(Format::FrusTei, "fuzz.xml", xml.as_bytes());
}

/// The WCDA page importer (text saved from a document page) on raw bytes.
pub fn wcda_page(data: &[u8]) {
    import(Format::WcdaPage, "fuzz.txt", data);
}

/// The WCDA legacy-API JSON importer on raw bytes.
pub fn wcda_json(data: &[u8]) {
    import(Format::WcdaJson, "fuzz.json", data);
}

/// The WCDA JSON importer on a record generated with the API's field names and shapes, and
/// values of every JSON type ([`wcda_record`]).
pub fn wcda_json_grammar(data: &[u8]) {
    let json = wcda_record::generate(&mut Unstructured::new(data));
    import(Format::WcdaJson, "fuzz.json", json.as_bytes());
}

/// The CSV importer on raw bytes.
pub fn csv(data: &[u8]) {
    import(Format::Csv, "fuzz.csv", data);
}

/// The JSON Lines importer (Fonds' own record format) on raw bytes.
pub fn jsonl(data: &[u8]) {
    import(Format::Jsonl, "fuzz.jsonl", data);
}

/// Format detection and then the importer it names, as `fonds import` does: the bytes up to
/// the first newline are the file's name, the rest its content.
pub fn detect(data: &[u8]) {
    let (name, bytes) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let name = String::from_utf8_lossy(name);
    if let Some(format) = ingest::detect(&name, bytes) {
        assert_eq!(Format::from_importer(format.importer()), Some(format));
        import(format, &name, bytes);
    }
}

/// A search on a small index of the bundled corpus, built once per process: a query built
/// from the query language's tokens, with filters, paging and sorting ([`search_request`]).
/// The answer is results, or a user's error: never an internal error, never more hits than
/// asked for.
pub fn query(data: &[u8]) {
    let request = search_request::generate(&mut Unstructured::new(data));
    search_request::run(&request);
}

/// The date parsers: ISO 8601 (`PartialDate::from_str`) and dates in text
/// (`PartialDate::parse_text_all`, `parse_text`).
pub fn date(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(d) = text.parse::<PartialDate>() {
        check_date(&d);
    }
    let all = PartialDate::parse_text_all(&text);
    let mut end = 0;
    for (d, range) in &all {
        assert!(
            end <= range.start && range.start < range.end && range.end <= text.len(),
            "date ranges out of order or out of the text: {all:?}"
        );
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        end = range.end;
        check_date(d);
    }
    assert_eq!(PartialDate::parse_text(&text), all.first().map(|(d, _)| *d));
}

/// The archival-reference parser: `ArchivalRef::parse_all`, `parse` and `file_key`.
pub fn archival_ref(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let all = ArchivalRef::parse_all(&text);
    for r in &all {
        let _ = r.file_key();
        let json = serde_json::to_string(r).expect("an ArchivalRef serializes");
        let back: ArchivalRef = serde_json::from_str(&json).expect("an ArchivalRef reads back");
        assert_eq!(&back, r);
    }
    let one = ArchivalRef::parse(&text);
    assert_eq!(one.is_some(), all.len() == 1);
}

/// A date prints as it parses, and its range is not empty.
fn check_date(d: &PartialDate) {
    let printed = d.to_string();
    assert_eq!(printed.parse::<PartialDate>().as_ref(), Ok(d), "{printed}");
    assert!(d.start_key() <= d.end_key(), "{printed}");
}

/// Runs one importer as `fonds import` does, and checks what it returns.
fn import(format: Format, name: &str, bytes: &[u8]) {
    match ingest::parse(format, name, bytes) {
        Ok(parsed) => check_records(&parsed.records),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// What every imported record must be: a URL-safe id, once in its file, and a JSON form that
/// reads back into the same bytes (export → import → export is byte-identical).
fn check_records(records: &[Record]) {
    let mut seen = std::collections::HashSet::new();
    for r in records {
        assert!(ingest::is_url_safe_id(&r.id), "id {:?}", r.id);
        assert!(seen.insert(r.id.as_str()), "id {:?} twice", r.id);
        let json = serde_json::to_string(r).expect("a record serializes");
        let back: Record = serde_json::from_str(&json).expect("a record reads back");
        let again = serde_json::to_string(&back).expect("a record serializes");
        assert_eq!(
            json, again,
            "the JSON form of {:?} does not round-trip",
            r.id
        );
    }
}
