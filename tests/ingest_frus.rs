//! The FRUS TEI importer on real volumes: the bundled sample and the full shared corpus.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use fonds::ingest::{Format, detect, parse};
use fonds::model::{PartialDate, Record, TextRole};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn import(path: &Path) -> Vec<Record> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(detect(name, &bytes), Some(Format::FrusTei), "{name}");
    parse(Format::FrusTei, name, &bytes)
        .unwrap_or_else(|e| panic!("{e}"))
        .records
}

fn record<'a>(records: &'a [Record], id: &str) -> &'a Record {
    records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

/// The volumes of the shared corpus, or `None` (after saying so) when it is not there.
fn shared_volumes() -> Option<Vec<PathBuf>> {
    let dir = manifest().join("../shared/corpus/frus");
    if !dir.is_dir() {
        println!("skipping: ../shared/corpus/frus not found");
        return None;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn the_bundled_nicaragua_volume_reads_completely() {
    let records = import(&manifest().join("corpus/frus/frus1894Nicaragua.xml"));
    assert_eq!(records.len(), 138);
    assert_eq!(records[0].id, "frus1894Nicaragua-d1");
    assert_eq!(records[137].id, "frus1894Nicaragua-d138");

    let d1 = record(&records, "frus1894Nicaragua-d1");
    assert_eq!(d1.title, "No. 1. Mr. Seat to Mr. Gresham.");
    assert_eq!(d1.date, PartialDate::ymd(1894, 1, 25));
    assert_eq!(d1.place_written.as_deref(), Some("Bluefields, Nicaragua"));
    assert_eq!(d1.authors, ["Seat"]);
    assert_eq!(d1.recipients, ["Gresham"]);
    assert_eq!(d1.doc_type.as_deref(), Some("Telegram"));
    assert!(
        d1.archival_refs.is_empty(),
        "[Telegram.] is not a reference"
    );
    let text = d1.text(TextRole::Transcript).unwrap();
    assert_eq!(text.lang, "en");
    assert!(
        text.body.starts_with("Honduras invading at Cape Gracias."),
        "{}",
        text.body
    );
    assert_eq!(
        text.body,
        "Honduras invading at Cape Gracias. Lives and millions property American citizens \
         unprotected. Appeal for man-of-war to Blueflelds Mosquito Reservation, at once.\n\n\
         Seat, Consular Agent,\n(and fifty citizens of the United States)."
    );
    assert_eq!(
        d1.citation.as_deref(),
        Some(
            "Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory), \
             Document 1"
        )
    );
    assert_eq!(
        d1.source.url.as_deref(),
        Some("https://history.state.gov/historicaldocuments/frus1894Nicaragua/d1")
    );
    assert_eq!(d1.source.record_id.as_deref(), Some("d1"));
    assert_eq!(
        d1.source.collection.as_deref(),
        Some("Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)")
    );
    assert_eq!(d1.extra["source_note"], "[Telegram.]");
    assert_eq!(d1.extra["doc_number"], "1");
    assert_eq!(d1.extra["pages"], "9");
    assert_eq!(
        d1.extra["dateline"],
        "Bluefields, Nicaragua, January 25, 1894."
    );
    assert_eq!(d1.provenance.importer, "frus-tei");
    assert_eq!(d1.provenance.source_file, "frus1894Nicaragua.xml");
    assert_eq!(
        d1.provenance.locator.as_deref(),
        Some("div[@xml:id='d1'], line 1296")
    );

    // A footnote goes to the notes, not the body; the enclosure is part of the body.
    let d2 = record(&records, "frus1894Nicaragua-d2");
    let text = d2.text(TextRole::Transcript).unwrap();
    assert_eq!(text.notes.len(), 1);
    assert_eq!(
        (text.notes[0].n.as_str(), text.notes[0].body.as_str()),
        ("1", "No. 1.")
    );
    assert!(text.body.starts_with(
        "Sir: I transmit for your information a copy of a telegram from our consular agent"
    ));
    assert!(
        text.body
            .contains("\n\n[Inclosure in No. 2.]\n\nMr. Herbert to Mr. Gresham.\n\n")
    );
    assert!(
        text.body
            .ends_with("H. A. Herbert,\nSecretary of the Navy.")
    );
    assert_eq!(
        d2.place_written.as_deref(),
        Some("Department of State, Washington")
    );
    assert_eq!(d2.doc_type, None);
    assert_eq!(d2.extra["pages"], "9-10");
}

#[test]
fn a_document_with_a_file_number_and_a_footnote() {
    let Some(files) = shared_volumes() else {
        return;
    };
    let path = files
        .iter()
        .find(|p| p.ends_with("frus1918Russiav03.xml"))
        .expect("frus1918Russiav03.xml in the shared corpus");
    let records = import(path);
    let d5 = record(&records, "frus1918Russiav03-d5");
    assert_eq!(
        d5.title,
        "The Ambassador in Russia (Francis) to the Secretary of State"
    );
    assert_eq!(d5.date, PartialDate::ymd(1917, 4, 21));
    assert_eq!(d5.place_written.as_deref(), Some("Petrograd"));
    assert_eq!(d5.doc_type.as_deref(), Some("Telegram"));
    assert_eq!(d5.authors, ["Francis"]);
    assert_eq!(d5.recipients, ["Secretary of State"]);
    assert_eq!(d5.archival_refs.len(), 1);
    assert_eq!(d5.archival_refs[0].raw, "File No. 861.51/135");
    assert_eq!(d5.extra["source_note"], "File No. 861.51/135\n[Telegram]");
    assert_eq!(d5.people, ["David R. Francis", "Robert Lansing"]);
    let text = d5.text(TextRole::Transcript).unwrap();
    assert_eq!(text.notes.len(), 1);
    assert_eq!(text.notes[0].n, "1");
    assert_eq!(text.notes[0].body, "Vol. i, p. 27.");
    assert!(!text.body.contains("Vol. i, p. 27."));
    assert!(
        text.body
            .starts_with("1212. For the Secretary of the Treasury:\n\n")
    );
    assert!(text.body.ends_with("\n\nFrancis"));
    // A time of day is cut off the date.
    let d1 = record(&records, "frus1918Russiav03-d1");
    assert_eq!(d1.date, PartialDate::ymd(1917, 4, 3));
    assert_eq!(d1.archival_refs[0].raw, "File No. 861.51/131");
}

#[test]
fn an_enclosure_is_a_record_after_its_host() {
    let Some(files) = shared_volumes() else {
        return;
    };
    let path = files
        .iter()
        .find(|p| p.ends_with("frus1861.xml"))
        .expect("frus1861.xml in the shared corpus");
    let records = import(path);
    assert_eq!(records.len(), 429);
    let convention = "Convention upon the subject of the rights of belligerents and neutrals \
                      in time of war";
    let at = records
        .iter()
        .position(|r| r.title.starts_with(convention))
        .expect("the convention is a record");
    let (host, enc) = (&records[at - 1], &records[at]);

    assert_eq!(host.id, "frus1861-d3");
    assert_eq!(
        host.title,
        "Mr. Seward to ministers of the United States in Great Britain, France, Russia, \
         Prussia, Austria, Belgium, Italy, and Denmark."
    );
    let host_body = &host.text(TextRole::Transcript).unwrap().body;
    assert!(host_body.contains(
        "The United States of America and her Majesty the Queen of Great Britain and Ireland, \
         being equally animated"
    ));
    assert!(!host.extra.contains_key("enclosed_in"));

    assert_eq!(enc.id, "frus1861-d3-enc1");
    assert_eq!(
        enc.title,
        "Convention upon the subject of the rights of belligerents and neutrals in time of war, \
         between the United States of America and her Majesty the Queen of Great Britain and \
         Ireland."
    );
    assert_eq!(enc.extra["enclosed_in"], "frus1861-d3");
    let body = &enc.text(TextRole::Transcript).unwrap().body;
    assert!(
        body.starts_with("The United States of America and her Majesty the Queen of Great Britain"),
        "{body}"
    );
    assert!(host_body.contains(body.as_str()));
    assert_eq!(
        enc.source.url.as_deref(),
        Some("https://history.state.gov/historicaldocuments/frus1861/d3")
    );
    assert_eq!(enc.source.record_id.as_deref(), Some("d3"));
    assert_eq!(
        enc.citation.as_deref(),
        Some(format!("{}, enclosure 1", host.citation.as_deref().unwrap()).as_str())
    );
    assert_eq!(
        enc.provenance.locator.as_deref(),
        Some("enclosure 1 of div[@xml:id='d3'], line 2879")
    );

    // The one in the front matter, outside any document, is named after its section.
    let front = record(&records, "frus1861-message-of-the-president-enc1");
    assert_eq!(front.title, "Schedule A.");
    assert!(!front.extra.contains_key("enclosed_in"));
    assert_eq!(
        front.provenance.locator.as_deref(),
        Some("enclosure 1 in div[@xml:id='message-of-the-president'], line 675")
    );
}

#[test]
fn every_shared_volume_reads_completely() {
    let Some(files) = shared_volumes() else {
        return;
    };
    assert_eq!(files.len(), 25);
    let mut ids = HashSet::new();
    let (mut total, mut dated, mut typed, mut refs, mut enclosures) = (0, 0, 0, 0, 0);
    for path in &files {
        for r in import(path) {
            total += 1;
            assert!(!r.title.trim().is_empty(), "{} has no title", r.id);
            let text = &r.texts[0];
            assert!(!text.body.trim().is_empty(), "{} has no body", r.id);
            assert!(!text.body.contains("\n\n\n"), "{}", r.id);
            assert!(fonds::ingest::is_url_safe_id(&r.id), "{}", r.id);
            dated += usize::from(r.date.is_some());
            // No FRUS document is older than the United States, nor dated after its volume
            // was printed (2017 for the newest here), whatever slips the TEI has.
            if let Some(d) = r.date {
                assert!((1776..=2017).contains(&d.year), "{}: {d}", r.id);
            }
            typed += usize::from(r.doc_type.is_some());
            refs += usize::from(!r.archival_refs.is_empty());
            let locator = r.provenance.locator.as_deref().unwrap_or_default();
            enclosures += usize::from(locator.starts_with("enclosure "));
            assert!(ids.insert(r.id.clone()), "{} twice", r.id);
        }
    }
    println!(
        "{total} documents ({enclosures} enclosures), {dated} dated, {typed} typed, \
         {refs} with archival refs"
    );
    // One record per `div[@type='document']`: 10,690 in all, of which 80 (in frus1861) are
    // enclosures inside a `frus:attachment`, without ids: 79 inside a document, one in the
    // front matter.
    assert_eq!(total, 10_690);
    assert_eq!(enclosures, 80);
    assert!(dated >= FLOOR_DATED, "only {dated} of {total} dated");
}

#[test]
fn dates_the_edition_mistyped_are_mended_from_the_text_or_the_volume() {
    let Some(files) = shared_volumes() else {
        return;
    };
    let volume = |name: &str| {
        let path = files
            .iter()
            .find(|f| f.file_name().is_some_and(|n| n == name))
            .unwrap_or_else(|| panic!("{name} in the shared corpus"));
        let bytes = std::fs::read(path).unwrap();
        parse(Format::FrusTei, name, &bytes).unwrap()
    };
    let v1864 = volume("frus1864p3.xml");
    // `<date when="0201-06-05">June 5–17, 1864.</date>`: the text's year, @when's day.
    assert_eq!(
        record(&v1864.records, "frus1864p3-d512")
            .date
            .unwrap()
            .to_string(),
        "1864-06-05"
    );
    assert!(
        v1864
            .diagnostics
            .iter()
            .any(|d| d.message.contains("0201-06-05") && d.message.contains("1864-06-05")),
        "the import says what it mended"
    );
    let v1870 = volume("frus1870.xml");
    // "November 1, 1670" printed in the 1870 volume: the volume's year.
    assert_eq!(
        record(&v1870.records, "frus1870-d200")
            .date
            .unwrap()
            .to_string(),
        "1870-11-01"
    );
    // `when="0201-06-22"` for "June 22—1 a. m." (no year in the text).
    assert_eq!(
        record(&v1870.records, "frus1870-d353")
            .date
            .unwrap()
            .to_string(),
        "1870-06-22"
    );
}

/// Documents of the shared corpus with a date: 10,117 of 10,690 as measured (52 of the 80
/// enclosures have their own date); the rest are undated in print ("[Undated.]",
/// "September 25.") or have no dateline.
const FLOOR_DATED: usize = 10_100;
