//! The catalogue (collections, neighbours, archival files, chronology, recent and notable
//! records) through the public `Archive` API, on the bundled corpus; reads shared between
//! threads; a re-import that moves a record.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fonds::Error;
use fonds::archive::{Archive, RecordSummary};
use fonds::index::SearchRequest;
use fonds::model::Record;

const NICARAGUA: &str =
    "Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)";
const WCDA: &str = "Wilson Center Digital Archive";
const STALIN_FILE: &str = "RGASPI f. 558, op. 11, d. 334";

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(rel)
}

/// The whole bundled corpus imported into a new data folder.
fn sample() -> (tempfile::TempDir, Archive) {
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&tmp.path().join("data")).unwrap();
    let report = archive.import(&[corpus("")], |_, _, _| {}).unwrap();
    assert_eq!(report.failed().count(), 0);
    (tmp, archive)
}

fn ids(list: &[RecordSummary]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

fn all_records(archive: &Archive) -> Vec<Record> {
    let mut out = Vec::new();
    archive.export_jsonl(&mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The chronological order, written independently of the store's sort keys: the date's first
/// day (undated last), then the id split into text and numbers.
/// Undated?, first day, then the id as (text, number) pairs.
type ChronologicalKey = (bool, (i32, u8, u8), Vec<(String, u64)>);

fn chronological_key(r: &Record) -> ChronologicalKey {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = r.id.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = c.to_digit(10).unwrap() as u64;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n * 10 + d as u64;
                chars.next();
            }
            parts.push((std::mem::take(&mut text), n));
        } else {
            text.push(c);
        }
    }
    parts.push((text, 0));
    (
        r.date.is_none(),
        r.date.map(|d| d.first_day()).unwrap_or_default(),
        parts,
    )
}

/// The ids of a collection's records, as the catalogue should order them.
fn expected_order(archive: &Archive, collection: &str) -> Vec<String> {
    let mut records: Vec<Record> = all_records(archive)
        .into_iter()
        .filter(|r| {
            r.source
                .collection
                .as_deref()
                .unwrap_or(r.source.name.as_str())
                == collection
        })
        .collect();
    records.sort_by_key(chronological_key);
    records.into_iter().map(|r| r.id).collect()
}

fn whole_collection(archive: &Archive, name: &str) -> Vec<String> {
    let (count, page) = archive.collection_records(name, 0, 10_000).unwrap();
    assert_eq!(count, page.len());
    page.into_iter().map(|s| s.id).collect()
}

#[test]
fn the_frus_volume_is_a_collection_in_chronological_order() {
    let (_tmp, archive) = sample();
    let collections = archive.collections().unwrap();
    let names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [NICARAGUA, WCDA]);
    let volume = &collections[0];
    assert_eq!(volume.records, 138);
    assert_eq!(volume.first_date.unwrap().to_string(), "1891-04-30");
    assert_eq!(volume.last_date.unwrap().to_string(), "1894-12-31");

    let order = whole_collection(&archive, NICARAGUA);
    assert_eq!(order, expected_order(&archive, NICARAGUA));
    // A despatch of 1891 printed as document 40 comes first; d9 and d10 share 1894-03-07 and
    // keep their numeric order; d27, whose dateline has no date, comes last.
    assert_eq!(order[0], "frus1894Nicaragua-d40");
    let at = |id: &str| order.iter().position(|o| o == id).unwrap();
    assert_eq!(at("frus1894Nicaragua-d10"), at("frus1894Nicaragua-d9") + 1);
    assert_eq!(order.last().unwrap(), "frus1894Nicaragua-d27");

    // Pages are slices of the whole order, with the total.
    let (count, page) = archive.collection_records(NICARAGUA, 130, 50).unwrap();
    assert_eq!(count, 138);
    assert_eq!(
        ids(&page),
        order[130..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let (_, page) = archive.collection_records(NICARAGUA, 10, 3).unwrap();
    assert_eq!(
        ids(&page),
        order[10..13].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let d1 = page.iter().find(|s| s.id == order[10]).unwrap();
    assert_eq!(d1.title, archive.get(&d1.id).unwrap().unwrap().title);
    assert!(
        archive
            .collection_records(NICARAGUA, 500, 10)
            .unwrap()
            .1
            .is_empty()
    );
}

#[test]
fn neighbours_link_a_record_to_the_ones_before_and_after_it() {
    let (_tmp, archive) = sample();
    let order = whole_collection(&archive, NICARAGUA);

    let n = archive.neighbours("frus1894Nicaragua-d9").unwrap();
    assert_eq!(n.collection.as_deref(), Some(NICARAGUA));
    assert_eq!((n.position, n.count), (10, 138));
    let previous = n.previous.unwrap();
    assert_eq!(previous.id, "frus1894Nicaragua-d8");
    assert_eq!(previous.title, "No. 8. Mr. Baker to Mr. Gresham.");
    assert_eq!(previous.date.unwrap().to_string(), "1894-03-06");
    assert_eq!(
        previous.doc_type,
        archive.get(&previous.id).unwrap().unwrap().doc_type
    );
    assert_eq!(n.next.unwrap().id, "frus1894Nicaragua-d10");

    // Walking `next` from the first record visits the whole collection in order.
    let mut walked = vec![order[0].clone()];
    let first = archive.neighbours(&order[0]).unwrap();
    assert_eq!(first.position, 1);
    assert!(first.previous.is_none());
    let mut next = first.next;
    while let Some(s) = next {
        let n = archive.neighbours(&s.id).unwrap();
        assert_eq!(n.position, walked.len() + 1);
        assert_eq!(n.previous.unwrap().id, *walked.last().unwrap());
        walked.push(s.id);
        next = n.next;
    }
    assert_eq!(walked, order);
    let last = archive.neighbours("frus1894Nicaragua-d27").unwrap();
    assert_eq!((last.position, last.count), (138, 138));
    assert!(last.next.is_none());

    // The WCDA records have no collection of their own: their source names one.
    let cable = archive.neighbours("wcda-134278").unwrap();
    assert_eq!(cable.collection.as_deref(), Some(WCDA));
    assert_eq!(cable.previous.unwrap().date.unwrap().to_string(), "1950");
    assert_eq!(cable.next.unwrap().id, "wcda-113729");
}

#[test]
fn the_two_stalin_telegrams_share_an_archival_file() {
    let (_tmp, archive) = sample();
    let files = archive.same_file("wcda-134278", 10).unwrap();
    assert_eq!(files.len(), 1);
    let (file, others) = &files[0];
    assert_eq!(file.key, STALIN_FILE);
    assert_eq!(
        (
            file.archive.as_str(),
            file.fond.as_deref(),
            file.opis.as_deref(),
            file.delo.as_deref()
        ),
        ("RGASPI", Some("558"), Some("11"), Some("334"))
    );
    assert_eq!(file.records, 2);
    assert_eq!(ids(others), ["wcda-113729"]);

    // 113729 also cites the Presidential Archive's copy, where it is alone; APRF sorts first.
    let files = archive.same_file("wcda-113729", 10).unwrap();
    let keys: Vec<(&str, usize, Vec<&str>)> = files
        .iter()
        .map(|(f, o)| (f.key.as_str(), f.records, ids(o)))
        .collect();
    assert_eq!(
        keys,
        [
            ("APRF f. 45, op. 1, d. 334", 1, vec![]),
            (STALIN_FILE, 2, vec!["wcda-134278"])
        ]
    );
    assert!(archive.same_file("wcda-113729", 0).unwrap()[1].1.is_empty());
    // A FRUS document cites no archival file.
    assert!(
        archive
            .same_file("frus1894Nicaragua-d1", 10)
            .unwrap()
            .is_empty()
    );

    let files = archive.archival_files().unwrap();
    let listed: Vec<(&str, usize)> = files.iter().map(|f| (f.key.as_str(), f.records)).collect();
    assert_eq!(
        listed,
        [
            ("APRF f. 45, op. 1, d. 334", 1),
            ("BArch f. B 136, d. 59748", 6),
            (STALIN_FILE, 2)
        ]
    );
    let barch = archive.file_records("BArch f. B 136, d. 59748").unwrap();
    let dates: Vec<String> = barch.iter().map(|s| s.date.unwrap().to_string()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    assert_eq!(
        ids(&archive.file_records(STALIN_FILE).unwrap()),
        ["wcda-134278", "wcda-113729"]
    );
}

#[test]
fn chronology_counts_every_dated_record_once() {
    let (_tmp, archive) = sample();
    let records = all_records(&archive);
    let mut expected: BTreeMap<i32, [usize; 13]> = BTreeMap::new();
    for r in &records {
        if let Some(d) = r.date {
            expected.entry(d.year).or_default()[d.month.unwrap_or(0) as usize] += 1;
        }
    }
    let chronology = archive.chronology().unwrap();
    let got: BTreeMap<i32, [usize; 13]> = chronology.iter().map(|y| (y.year, y.months)).collect();
    assert_eq!(got, expected);
    for y in &chronology {
        assert_eq!(y.count, y.months.iter().sum::<usize>());
    }
    let years: Vec<i32> = chronology.iter().map(|y| y.year).collect();
    assert!(years.is_sorted());
    let dated = records.iter().filter(|r| r.date.is_some()).count();
    assert_eq!(chronology.iter().map(|y| y.count).sum::<usize>(), dated);
    assert_eq!(dated, records.len() - 1, "only FRUS d27 is undated");
    let y1950 = chronology.iter().find(|y| y.year == 1950).unwrap();
    // The WCDA transcript is dated 1950 only; the two telegrams July and October.
    assert_eq!(
        (y1950.months[0], y1950.months[7], y1950.months[10]),
        (1, 1, 1)
    );
}

#[test]
fn recent_and_notable_records_come_newest_first() {
    let (_tmp, archive) = sample();
    // Folders are imported in name order; the last page imported is 001 (wcda-113729).
    let recent = archive.recent(3).unwrap();
    assert_eq!(
        ids(&recent),
        ["wcda-113729", "wcda-134278", "wcda-transcript-21170"]
    );
    assert_eq!(archive.recent(1000).unwrap().len(), 152);
    // Only the two seed pages hold both the Russian original and a translation.
    assert_eq!(
        ids(&archive.notable(10).unwrap()),
        ["wcda-113729", "wcda-134278"]
    );
    assert_eq!(ids(&archive.notable(1).unwrap()), ["wcda-113729"]);
}

#[test]
fn unknown_ids_collections_and_files_are_not_found() {
    let (_tmp, archive) = sample();
    let not_found = |r: fonds::Result<()>, what: &str| match r {
        Err(Error::NotFound { id }) => assert_eq!(id, what),
        other => panic!("{what}: expected NotFound, got {other:?}"),
    };
    not_found(archive.neighbours("wcda-999").map(drop), "wcda-999");
    not_found(archive.same_file("wcda-999", 5).map(drop), "wcda-999");
    not_found(
        archive
            .collection_records("Foreign Relations", 0, 5)
            .map(drop),
        "Foreign Relations",
    );
    not_found(
        archive
            .file_records("RGASPI f. 558, op. 11, d. 335")
            .map(drop),
        "RGASPI f. 558, op. 11, d. 335",
    );
}

#[test]
fn a_reimport_moves_a_changed_record_and_leaves_the_others_alone() {
    let (tmp, mut archive) = sample();
    // The archive's own export, with one telegram redated and given a collection, and one
    // FRUS document redated to the end of the year.
    let mut records = all_records(&archive);
    for r in &mut records {
        match r.id.as_str() {
            "wcda-134278" => {
                r.date = "1950-11-02".parse().ok();
                r.source.collection = Some("Korean War Origins, 1945-1950".into());
            }
            "frus1894Nicaragua-d9" => r.date = "1894-12-30".parse().ok(),
            // Its reference dropped: it leaves the Bundesarchiv file.
            "wcda-300237" => r.archival_refs.clear(),
            _ => {}
        }
    }
    let lines: Vec<String> = records.iter().map(Record::to_json_line).collect();
    let file = tmp.path().join("edited.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let report = archive.import(&[file], |_, _, _| {}).unwrap();
    assert_eq!(
        (
            report.totals.new,
            report.totals.changed,
            report.totals.unchanged
        ),
        (0, 3, 149)
    );
    let files: Vec<(String, usize)> = archive
        .archival_files()
        .unwrap()
        .into_iter()
        .map(|f| (f.key, f.records))
        .collect();
    assert_eq!(
        files,
        [
            ("APRF f. 45, op. 1, d. 334".to_string(), 1),
            ("BArch f. B 136, d. 59748".to_string(), 5),
            (STALIN_FILE.to_string(), 2)
        ]
    );
    assert!(archive.same_file("wcda-300237", 10).unwrap().is_empty());
    assert_eq!(
        archive
            .file_records("BArch f. B 136, d. 59748")
            .unwrap()
            .len(),
        5
    );

    // The telegram left the WCDA collection for its own.
    let wcda = whole_collection(&archive, WCDA);
    assert_eq!(wcda.len(), 13);
    assert!(!wcda.contains(&"wcda-134278".to_string()));
    assert_eq!(wcda, expected_order(&archive, WCDA));
    let moved = archive.neighbours("wcda-134278").unwrap();
    assert_eq!(
        moved.collection.as_deref(),
        Some("Korean War Origins, 1945-1950")
    );
    assert_eq!(
        (moved.position, moved.count, moved.previous, moved.next),
        (1, 1, None, None)
    );
    let korea = archive
        .collections()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Korean War Origins, 1945-1950")
        .unwrap();
    assert_eq!(korea.records, 1);
    assert_eq!(korea.first_date.unwrap().to_string(), "1950-11-02");
    // Its archival file now lists it after the October telegram.
    assert_eq!(
        ids(&archive.file_records(STALIN_FILE).unwrap()),
        ["wcda-113729", "wcda-134278"]
    );
    let y1950 = archive
        .chronology()
        .unwrap()
        .into_iter()
        .find(|y| y.year == 1950)
        .unwrap();
    assert_eq!(
        (y1950.months[7], y1950.months[10], y1950.months[11]),
        (0, 1, 1)
    );

    // d9 moved to the end of the volume, before the two documents of 31 December.
    let order = whole_collection(&archive, NICARAGUA);
    assert_eq!(order, expected_order(&archive, NICARAGUA));
    assert_eq!(order.len(), 138);
    let n = archive.neighbours("frus1894Nicaragua-d9").unwrap();
    assert_eq!(n.position, 135);
    assert_eq!(n.next.unwrap().id, "frus1894Nicaragua-d137");
    let n = archive.neighbours("frus1894Nicaragua-d8").unwrap();
    assert_eq!(n.next.unwrap().id, "frus1894Nicaragua-d10");

    // Unchanged records keep their one revision; the changed ones are the most recent.
    assert_eq!(archive.revisions("frus1894Nicaragua-d8").unwrap().len(), 1);
    assert_eq!(archive.revisions("wcda-134278").unwrap().len(), 2);
    assert_eq!(
        ids(&archive.recent(3).unwrap()),
        ["wcda-300237", "wcda-134278", "frus1894Nicaragua-d9"]
    );
    assert_eq!(archive.notable(1).unwrap()[0].id, "wcda-134278");

    // And the same holds when the archive is opened again, read-only.
    drop(archive);
    let reader = Archive::open_read_only(&tmp.path().join("data")).unwrap();
    assert_eq!(whole_collection(&reader, NICARAGUA), order);
    assert!(reader.check().unwrap().is_consistent());
}

#[test]
fn reads_run_on_many_threads_at_once() {
    let (tmp, archive) = sample();
    drop(archive);
    let archive = Arc::new(Archive::open_read_only(&tmp.path().join("data")).unwrap());
    let order = whole_collection(&archive, NICARAGUA);
    let expected: Vec<_> = order
        .iter()
        .map(|id| archive.neighbours(id).unwrap())
        .collect();
    let seat = SearchRequest {
        author: Some("Seat".into()),
        ..SearchRequest::new("")
    };
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let archive = Arc::clone(&archive);
            let order = order.clone();
            let expected = expected.clone();
            let seat = seat.clone();
            std::thread::spawn(move || {
                for round in 0..3 {
                    for (i, id) in order.iter().enumerate().skip((t + round) % 3) {
                        assert_eq!(archive.get(id).unwrap().unwrap().id, *id);
                        assert_eq!(archive.neighbours(id).unwrap(), expected[i]);
                        assert!(archive.same_file(id, 5).unwrap().is_empty());
                    }
                    assert_eq!(archive.same_file("wcda-134278", 5).unwrap()[0].0.records, 2);
                    assert_eq!(
                        archive.search(&seat).unwrap().hits[0].id,
                        "frus1894Nicaragua-d1"
                    );
                    assert_eq!(archive.chronology().unwrap().len(), 7);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn a_reader_sees_what_another_writer_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut writer = Archive::open(&data).unwrap();
    writer
        .import(
            &[corpus("wcda-pages/000_2d287dbd93c7e576.txt")],
            |_, _, _| {},
        )
        .unwrap();
    let reader = Archive::open_read_only(&data).unwrap();
    assert!(reader.get("wcda-113729").unwrap().is_none());
    writer
        .import(
            &[corpus("wcda-pages/001_6ac3a21e3d46086e.txt")],
            |_, _, _| {},
        )
        .unwrap();
    // The store answers at once; the index reader reloads when the other writer commits.
    assert!(reader.get("wcda-113729").unwrap().is_some());
    assert_eq!(
        reader.neighbours("wcda-134278").unwrap().next.unwrap().id,
        "wcda-113729"
    );
    let request = SearchRequest::new("Чжоу Эньлаю");
    let started = Instant::now();
    loop {
        let hits = reader.search(&request).unwrap().hits;
        if hits.iter().any(|h| h.id == "wcda-113729") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the reader never saw the other writer's commit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many records name each person in `field` (authors or recipients), among `records`,
/// largest first, ties by name, cut to 20: what the facet should hold.
fn people_facet(records: &[&Record], field: fn(&Record) -> &Vec<String>) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for r in records {
        let mut names: Vec<&str> = field(r).iter().map(|n| n.trim()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            *counts.entry(n.to_string()).or_default() += 1;
        }
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.truncate(20);
    counts
}

fn facet(results: &fonds::index::SearchResults, name: &str) -> Vec<(String, u64)> {
    results.facets.get(name).map_or_else(Vec::new, |values| {
        values.iter().map(|f| (f.value.clone(), f.count)).collect()
    })
}

#[test]
fn search_filters_by_author_and_recipient_exactly_and_counts_them() {
    let (_tmp, archive) = sample();
    let records = all_records(&archive);
    let search = |author: Option<&str>, recipient: Option<&str>| {
        archive
            .search(&SearchRequest {
                author: author.map(Into::into),
                recipient: recipient.map(Into::into),
                facets: true,
                limit: 1000,
                ..SearchRequest::new("")
            })
            .unwrap()
    };

    let seat = search(Some("Seat"), None);
    assert_eq!(seat.total, 1);
    assert_eq!(seat.hits[0].id, "frus1894Nicaragua-d1");
    assert_eq!(facet(&seat, "recipient"), [("Gresham".to_string(), 1)]);
    // Exact: case counts, and the surname alone is not "W. Q. Gresham".
    assert_eq!(search(Some("seat"), None).total, 0);
    assert_eq!(search(Some("Seat"), Some("Gresham")).total, 1);
    assert_eq!(search(Some("Seat"), Some("Baker")).total, 0);

    let to_gresham: Vec<&Record> = records
        .iter()
        .filter(|r| r.recipients.iter().any(|n| n == "Gresham"))
        .collect();
    let results = search(None, Some("Gresham"));
    assert_eq!(results.total, to_gresham.len());
    let mut hit_ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
    let mut want: Vec<&str> = to_gresham.iter().map(|r| r.id.as_str()).collect();
    hit_ids.sort_unstable();
    want.sort_unstable();
    assert_eq!(hit_ids, want);
    assert_eq!(
        facet(&results, "author"),
        people_facet(&to_gresham, |r| &r.authors)
    );
    assert_eq!(facet(&results, "author")[0], ("Baker".to_string(), 41));

    // Filters combine with a query and with each other; a pseudonym is matched as written.
    let stalin = archive
        .search(&SearchRequest {
            author: Some("Filippov [Stalin]".into()),
            recipient: Some("Mao Zedong".into()),
            ..SearchRequest::new("отпуск")
        })
        .unwrap();
    assert_eq!(
        stalin
            .hits
            .iter()
            .map(|h| h.id.as_str())
            .collect::<Vec<_>>(),
        ["wcda-113729"]
    );

    // Browsing everything: every recipient (there are fewer than 20), the 20 largest authors.
    let all: Vec<&Record> = records.iter().collect();
    let everything = search(None, None);
    let recipients = people_facet(&all, |r| &r.recipients);
    assert!(recipients.len() < 20);
    assert_eq!(facet(&everything, "recipient"), recipients);
    let authors = people_facet(&all, |r| &r.authors);
    assert_eq!(authors.len(), 20, "the corpus has more than 20 authors");
    assert_eq!(facet(&everything, "author"), authors);
}

#[test]
fn opening_read_only_rebuilds_an_index_of_another_schema() {
    let (tmp, archive) = sample();
    drop(archive);
    // The index as an older Fonds would have left it: another schema.
    let index_dir = tmp.path().join("data").join("index");
    std::fs::remove_dir_all(&index_dir).unwrap();
    std::fs::create_dir_all(&index_dir).unwrap();
    {
        use tantivy::schema::{Schema, TEXT};
        let mut b = Schema::builder();
        let body = b.add_text_field("body", TEXT);
        let old = tantivy::Index::create_in_dir(&index_dir, b.build()).unwrap();
        let mut w: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
        w.add_document(tantivy::doc!(body => "old")).unwrap();
        w.commit().unwrap();
    }
    let reader = Archive::open_read_only(&tmp.path().join("data")).unwrap();
    assert!(reader.check().unwrap().is_consistent());
    let seat = SearchRequest {
        author: Some("Seat".into()),
        ..SearchRequest::new("")
    };
    assert_eq!(
        reader.search(&seat).unwrap().hits[0].id,
        "frus1894Nicaragua-d1"
    );
}

/// A writer for `export_jsonl` that, at its first line, has another thread read the archive
/// while the export still holds its connection and statement.
struct ReadMeanwhile {
    archive: Arc<Archive>,
    answered: Option<Result<usize, std::sync::mpsc::RecvTimeoutError>>,
}

impl std::io::Write for ReadMeanwhile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.answered.is_none() {
            let (tx, rx) = std::sync::mpsc::channel();
            let archive = Arc::clone(&self.archive);
            std::thread::spawn(move || {
                let n = archive.neighbours("frus1894Nicaragua-d9").unwrap();
                let _ = tx.send(n.position);
            });
            self.answered = Some(rx.recv_timeout(Duration::from_secs(10)));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_read_is_answered_while_another_is_under_way() {
    let (_tmp, archive) = sample();
    let archive = Arc::new(archive);
    let mut out = ReadMeanwhile {
        archive: Arc::clone(&archive),
        answered: None,
    };
    assert_eq!(archive.export_jsonl(&mut out).unwrap(), 152);
    assert_eq!(
        out.answered,
        Some(Ok(10)),
        "the second read must not wait for the export to finish"
    );
}

#[test]
fn facets_over_several_segments_count_every_record_once() {
    // Three imports, three commits: the index has several segments, each numbering its facet
    // values in its own dictionary.
    let tmp = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(&tmp.path().join("data")).unwrap();
    for part in ["frus", "wcda-pages", "wcda-csv"] {
        let report = archive.import(&[corpus(part)], |_, _, _| {}).unwrap();
        assert_eq!(report.failed().count(), 0);
    }
    let records = all_records(&archive);
    let all: Vec<&Record> = records.iter().collect();
    let results = archive
        .search(&SearchRequest {
            facets: true,
            limit: 0,
            ..SearchRequest::new("")
        })
        .unwrap();
    // Years and decades, as a brute-force count over the stored records.
    let mut years: BTreeMap<String, u64> = BTreeMap::new();
    let mut decades: BTreeMap<String, u64> = BTreeMap::new();
    for r in &all {
        if let Some(d) = r.date {
            *years.entry(d.year.to_string()).or_default() += 1;
            *decades.entry(d.decade().to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        facet(&results, "year"),
        years.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(
        facet(&results, "decade"),
        decades.into_iter().collect::<Vec<_>>()
    );
    assert_eq!(
        facet(&results, "author"),
        people_facet(&all, |r| &r.authors)
    );
    assert_eq!(
        facet(&results, "recipient"),
        people_facet(&all, |r| &r.recipients)
    );
    // And for a query, whose matches span the segments.
    let telegrams = archive
        .search(&SearchRequest {
            facets: true,
            limit: 0,
            ..SearchRequest::new("telegram OR Nicaragua")
        })
        .unwrap();
    let total: u64 = facet(&telegrams, "collection").iter().map(|(_, n)| n).sum();
    assert_eq!(total as usize, telegrams.total);
}
