//! The full-text index through its public API, on real documents from the bundled corpus.

use std::path::{Path, PathBuf};

use fonds::index::{Index, IndexError, SearchRequest, SearchResults, Sort};
use fonds::model::{ArchivalRef, PartialDate, Record, Source, Text, TextRole};

fn corpus(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The text of `page` between the line starting with `from` and the line starting with `to`.
fn between(page: &str, from: &str, to: &str) -> String {
    let start = page.find(from).unwrap_or_else(|| panic!("no `{from}`"));
    let end = start
        + page[start..]
            .find(to)
            .unwrap_or_else(|| panic!("no `{to}`"));
    Text::join_paragraphs(page[start..end].split("\n\n"))
}

fn text(role: TextRole, lang: &str, body: String) -> Text {
    Text {
        role,
        lang: lang.into(),
        body,
        translators: vec![],
        notes: vec![],
    }
}

fn date(s: &str) -> Option<PartialDate> {
    Some(s.parse().unwrap())
}

/// WCDA 134278: Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking.
fn cable_3355() -> Record {
    let page = corpus("wcda-pages/000_2d287dbd93c7e576.txt");
    Record {
        id: "wcda-134278".into(),
        title: "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking".into(),
        date: date("1950-07-13"),
        doc_type: Some("Telegram".into()),
        summary: Some(between(&page, "Stalin tells Mao", "\n\nOriginal Language")),
        languages: vec!["ru".into()],
        authors: vec!["Filippov [Stalin]".into()],
        recipients: vec!["Soviet Ambassador, Peking".into()],
        texts: vec![
            text(
                TextRole::Transcript,
                "ru",
                between(&page, "Совершенно секретно", "[...]"),
            ),
            text(
                TextRole::Translation,
                "en",
                between(&page, "SPECIAL [BEIJING]", "Copy N1"),
            ),
        ],
        archival_refs: vec![ArchivalRef {
            archive: Some("RGASPI".into()),
            fond: Some("558".into()),
            opis: Some("11".into()),
            delo: Some("334".into()),
            folios: Some("85".into()),
            raw: "RGASPI, f. 558, op. 11, d. 334, ll.0085".into(),
        }],
        source: Source {
            name: "Wilson Center Digital Archive".into(),
            collection: Some("Korean War Origins, 1945-1950".into()),
            ..Source::default()
        },
        ..Record::default()
    }
}

/// WCDA 113729: Ciphered Telegram, Filippov [Stalin] to Mao Zedong and Zhou Enlai.
fn telegram_1_october() -> Record {
    let page = corpus("wcda-pages/001_6ac3a21e3d46086e.txt");
    Record {
        id: "wcda-113729".into(),
        title: "Ciphered Telegram, Filippov [Stalin] to Mao Zedong and Zhou Enlai (via Roshchin)"
            .into(),
        date: date("1950-10-01"),
        doc_type: Some("Telegram".into()),
        summary: Some(between(
            &page,
            "Telegram from Stalin to Mao",
            "\n\nAuthor(s)",
        )),
        languages: vec!["ru".into()],
        authors: vec!["Filippov [Stalin]".into()],
        recipients: vec!["Mao Zedong".into(), "Zhou Enlai".into()],
        texts: vec![
            text(
                TextRole::Transcript,
                "ru",
                between(&page, "Передано т.Булганину", "Transmitted to Bulganin"),
            ),
            text(
                TextRole::Translation,
                "en",
                between(
                    &page,
                    "Transmitted to Bulganin",
                    "Telegram from Stalin to Mao",
                ),
            ),
        ],
        archival_refs: vec![
            ArchivalRef {
                archive: Some("APRF".into()),
                fond: Some("45".into()),
                opis: Some("1".into()),
                delo: Some("334".into()),
                folios: Some("99-103".into()),
                raw: "APRF, fond 45, opis 1, delo 334, listy 99-103".into(),
            },
            ArchivalRef {
                archive: Some("RGASPI".into()),
                raw: "RGASPI f. 558, Op. 11, D. 334, pp. 97-98".into(),
                ..ArchivalRef::default()
            },
        ],
        source: Source {
            name: "Wilson Center Digital Archive".into(),
            collection: Some("Korean War, 1950-1953".into()),
            ..Source::default()
        },
        ..Record::default()
    }
}

/// Strips tags and collapses white space (a crude TEI reader for tests only).
fn strip_tags(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The documents of a FRUS TEI volume, crudely: head as title, first `@when` as date, the
/// rest as an English original.
fn frus_records(xml: &str, volume: &str, collection: &str) -> Vec<Record> {
    let mut records = Vec::new();
    for chunk in xml.split("<div type=\"document\"").skip(1) {
        let chunk = chunk.split("<div type=\"chapter\"").next().unwrap();
        let Some(id) = chunk
            .split("xml:id=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        else {
            continue;
        };
        let title = chunk
            .split("<head>")
            .nth(1)
            .and_then(|s| s.split("</head>").next())
            .map(strip_tags)
            .unwrap_or_default();
        let when = chunk
            .split("when=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|w| w.parse::<PartialDate>().ok());
        let body = strip_tags(chunk.split_once('>').map_or(chunk, |(_, rest)| rest));
        records.push(Record {
            id: format!("{volume}-{id}"),
            title,
            date: when,
            doc_type: Some("Despatch".into()),
            languages: vec!["en".into()],
            texts: vec![text(TextRole::Transcript, "en", body)],
            source: Source {
                name: "Foreign Relations of the United States".into(),
                collection: Some(collection.into()),
                ..Source::default()
            },
            ..Record::default()
        });
    }
    records
}

fn nicaragua() -> Vec<Record> {
    frus_records(
        &corpus("frus/frus1894Nicaragua.xml"),
        "frus1894Nicaragua",
        "Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)",
    )
}

/// A record with hostile markup in its text, known only to the month, of another type.
fn hostile() -> Record {
    Record {
        id: "test-hostile".into(),
        title: "Memorandum on the <script> incident".into(),
        date: date("1950-07"),
        doc_type: Some("Memorandum".into()),
        languages: vec!["en".into()],
        texts: vec![text(
            TextRole::Transcript,
            "en",
            "The attacker wrote <script>alert('divisions')</script> & left.".into(),
        )],
        ..Record::default()
    }
}

/// An undated record with folded names.
fn undated() -> Record {
    Record {
        id: "test-undated".into(),
        title: "Notes of Satō Eisaku on Zhou".into(),
        doc_type: Some("Note".into()),
        languages: vec!["ja".into()],
        people: vec!["Ёлкин".into()],
        texts: vec![text(
            TextRole::Transcript,
            "ja",
            "佐藤栄作は周恩来と会談した。".into(),
        )],
        ..Record::default()
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    index: Index,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    let index = Index::open_or_create(&path).unwrap();
    {
        let mut w = index.writer().unwrap();
        let mut records = vec![cable_3355(), telegram_1_october(), hostile(), undated()];
        records.extend(nicaragua().into_iter().take(20));
        for (i, r) in records.iter().enumerate() {
            w.upsert(r, &format!("hash-{i}")).unwrap();
        }
        w.commit(42).unwrap();
    }
    Fixture {
        _dir: dir,
        path,
        index,
    }
}

fn search(index: &Index, query: &str) -> SearchResults {
    index
        .search(&SearchRequest {
            limit: 100,
            ..SearchRequest::new(query)
        })
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn ids(results: &SearchResults) -> Vec<&str> {
    let mut ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn russian_queries_find_every_case_of_a_name() {
    let f = fixture();
    // The Russian text has only the dative «Сталину».
    for q in ["Сталин", "Сталину", "Сталиным", "Сталина"] {
        let r = search(&f.index, &format!("original:{q}"));
        assert_eq!(ids(&r), ["wcda-134278"], "{q}");
    }
    // «Чжоу Эньлаю» (dative, as in the 1 October telegram) finds the nominative and back.
    assert_eq!(ids(&search(&f.index, "\"Чжоу Эньлай\"")), ["wcda-113729"]);
    assert_eq!(
        ids(&search(&f.index, "Цзэдун")),
        ["wcda-113729", "wcda-134278"]
    );
}

#[test]
fn english_stems_and_folding() {
    let f = fixture();
    let r = search(&f.index, "division");
    assert!(ids(&r).contains(&"wcda-134278"), "{r:?}");
    assert!(ids(&r).contains(&"wcda-113729"));
    assert_eq!(
        ids(&search(&f.index, "ZHOU")),
        ids(&search(&f.index, "zhou"))
    );
    assert!(ids(&search(&f.index, "Sato")).contains(&"test-undated"));
    assert_eq!(ids(&search(&f.index, "names:Елкин")), ["test-undated"]);
    assert_eq!(ids(&search(&f.index, "周恩来")), ["test-undated"]);
    assert!(
        search(&f.index, "周来").hits.is_empty(),
        "CJK is matched as a phrase"
    );
}

#[test]
fn phrases_keep_word_order() {
    let f = fixture();
    let r = search(&f.index, "\"38th parallel\"");
    assert_eq!(ids(&r), ["wcda-113729", "wcda-134278"]);
    assert!(search(&f.index, "\"parallel 38th\"").hits.is_empty());
}

#[test]
fn boolean_operators() {
    let f = fixture();
    assert_eq!(ids(&search(&f.index, "Shanghai pilots")), ["wcda-134278"]);
    assert_eq!(
        ids(&search(&f.index, "Shanghai AND Bulganin")),
        Vec::<&str>::new()
    );
    assert_eq!(
        ids(&search(&f.index, "Shanghai OR Bulganin")),
        ["wcda-113729", "wcda-134278"]
    );
    assert_eq!(
        ids(&search(&f.index, "parallel NOT Shanghai")),
        ["wcda-113729"]
    );
    assert_eq!(
        ids(&search(&f.index, "parallel -Shanghai")),
        ["wcda-113729"]
    );
    // `AND NOT` and a group of exclusions: every document but the excluded ones.
    assert_eq!(
        ids(&search(&f.index, "parallel AND NOT Shanghai")),
        ["wcda-113729"]
    );
    assert_eq!(
        ids(&search(&f.index, "parallel AND (NOT Shanghai)")),
        ["wcda-113729"]
    );
    let all = search(&f.index, "*").total;
    let not_shanghai = search(&f.index, "NOT Shanghai").total;
    assert_eq!(not_shanghai, all - 1);
    assert_eq!(
        search(&f.index, "Bulganin OR NOT Shanghai").total,
        not_shanghai
    );
}

#[test]
fn field_queries_and_aliases() {
    let f = fixture();
    assert_eq!(ids(&search(&f.index, "title:Ciphered")), ["wcda-113729"]);
    assert_eq!(
        ids(&search(&f.index, "type:telegram")),
        ["wcda-113729", "wcda-134278"]
    );
    assert_eq!(ids(&search(&f.index, "type:Memorandum")), ["test-hostile"]);
    assert_eq!(
        ids(&search(&f.index, "author:Filippov recipient:Mao")),
        ["wcda-113729"]
    );
    assert_eq!(ids(&search(&f.index, "archive:APRF")), ["wcda-113729"]);
    assert_eq!(ids(&search(&f.index, "lang:ja")), ["test-undated"]);
    assert_eq!(ids(&search(&f.index, "body:Bulganin")), ["wcda-113729"]);
    assert_eq!(
        ids(&search(&f.index, "date_start:[19500801 TO 19501231]")),
        ["wcda-113729"]
    );
    assert_eq!(ids(&search(&f.index, "Title:Ciphered")), ["wcda-113729"]);
    // Title matches rank above body matches.
    let r = search(&f.index, "Ciphered OR Jemulpo OR Shanghai");
    assert_eq!(r.hits[0].id, "wcda-113729");
}

#[test]
fn empty_query_browses_with_filters_by_date() {
    let f = fixture();
    let all = search(&f.index, "");
    assert_eq!(all.total, 24);
    assert_eq!(search(&f.index, "*").total, 24);
    // Browsing is oldest first, undated last.
    assert_eq!(all.hits[0].date.as_deref(), Some("1894-01-25"));
    assert_eq!(all.hits.last().unwrap().id, "test-undated");
    let r = f
        .index
        .search(&SearchRequest {
            doc_type: Some("TELEGRAM".into()),
            sort: Sort::DateDesc,
            ..SearchRequest::default()
        })
        .unwrap();
    let got: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(got, ["wcda-113729", "wcda-134278"]);
    assert_eq!(r.hits[0].date.as_deref(), Some("1950-10-01"));
}

#[test]
fn date_ranges_overlap_partial_dates() {
    let f = fixture();
    let range = |from: &str, to: &str| {
        let r = f
            .index
            .search(&SearchRequest {
                from: date(from),
                to: date(to),
                limit: 100,
                ..SearchRequest::default()
            })
            .unwrap();
        ids(&r).into_iter().map(String::from).collect::<Vec<_>>()
    };
    // The month-precision record (1950-07) overlaps a range ending on 1 July.
    assert_eq!(range("1950-06-01", "1950-07-01"), ["test-hostile"]);
    assert_eq!(range("1950-07-20", "1950-07-31"), ["test-hostile"]);
    assert_eq!(
        range("1950", "1950"),
        ["test-hostile", "wcda-113729", "wcda-134278"]
    );
    assert_eq!(range("1950-08", "1950-09"), Vec::<String>::new());
    let open_end = f
        .index
        .search(&SearchRequest {
            from: date("1950-09"),
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(ids(&open_end), ["wcda-113729"]);
    // Undated records are outside every range.
    assert!(!range("0001", "9999").contains(&"test-undated".to_string()));
}

#[test]
fn facets_count_the_whole_filtered_result() {
    let f = fixture();
    let r = f
        .index
        .search(&SearchRequest {
            facets: true,
            limit: 1,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(r.hits.len(), 1);
    let count = |facet: &str, value: &str| {
        r.facets[facet]
            .iter()
            .find(|c| c.value == value)
            .map_or(0, |c| c.count)
    };
    assert_eq!(count("type", "Telegram"), 2);
    assert_eq!(count("type", "Despatch"), 20);
    assert_eq!(r.facets["type"][0].value, "Despatch", "largest first");
    assert_eq!(count("lang", "ru"), 2);
    assert_eq!(count("decade", "1950"), 3);
    assert_eq!(count("decade", "1890"), 20);
    assert_eq!(count("year", "1894"), 20);
    assert_eq!(r.facets["decade"][0].value, "1890", "chronological");
    assert_eq!(count("archive", "RGASPI"), 2);
    assert_eq!(count("archive", "APRF"), 1);
    assert_eq!(count("collection", "Korean War, 1950-1953"), 1);

    let filtered = f
        .index
        .search(&SearchRequest {
            query: "parallel".into(),
            archive: Some("rgaspi".into()),
            collection: Some("Korean War, 1950-1953".into()),
            facets: true,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(filtered.total, 1);
    assert_eq!(filtered.facets["archive"].len(), 2);
    // Paging past the end, and absurd limits, are harmless.
    let far = f
        .index
        .search(&SearchRequest {
            offset: usize::MAX,
            limit: usize::MAX,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!((far.total, far.hits.len()), (24, 0));
    let page2 = f
        .index
        .search(&SearchRequest {
            offset: 20,
            limit: usize::MAX,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(page2.hits.len(), 4);
    let no_facets = search(&f.index, "parallel");
    assert!(no_facets.facets.is_empty());

    // Browsing facets are cached per index generation: a commit is seen.
    let browse = SearchRequest {
        facets: true,
        ..SearchRequest::default()
    };
    assert_eq!(f.index.search(&browse).unwrap().facets, r.facets);
    {
        let mut w = f.index.writer().unwrap();
        w.delete("wcda-113729").unwrap();
        w.commit(43).unwrap();
    }
    let after = f.index.search(&browse).unwrap();
    assert_eq!(after.total, 23);
    assert!(!after.facets["archive"].iter().any(|c| c.value == "APRF"));
}

#[test]
fn snippets_highlight_and_escape() {
    let f = fixture();
    let r = search(&f.index, "Jemulpo");
    let hit = &r.hits[0];
    assert!(
        hit.snippet.contains("<mark>Jemulpo</mark>"),
        "{}",
        hit.snippet
    );
    assert_eq!(hit.snippet_source.as_deref(), Some("translation"));
    assert!(hit.snippet.chars().count() < 220, "{}", hit.snippet);

    let r = search(&f.index, "Чемульпо");
    assert_eq!(r.hits[0].snippet_source.as_deref(), Some("original"));
    assert!(r.hits[0].snippet.contains("<mark>Чемульпо</mark>"));

    let r = search(&f.index, "attacker");
    let s = &r.hits[0].snippet;
    assert!(s.contains("<mark>attacker</mark>"), "{s}");
    assert!(s.contains("&lt;script&gt;"), "{s}");
    assert!(!s.contains("<script>"), "{s}");

    let r = search(&f.index, "title:incident");
    assert_eq!(r.hits[0].snippet_source.as_deref(), Some("title"));
    assert!(r.hits[0].snippet.contains("&lt;script&gt;"));
    assert!(!r.hits[0].snippet.contains("<script>"));

    // Browsing shows the opening of the summary.
    let r = f
        .index
        .search(&SearchRequest {
            doc_type: Some("telegram".into()),
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(r.hits[0].snippet_source.as_deref(), Some("summary"));
    assert!(r.hits[0].snippet.starts_with("Stalin tells Mao"));
}

#[test]
fn json_has_the_documented_shape() {
    let f = fixture();
    let r = search(&f.index, "Bulganin");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["total"], 1);
    let hit = &json["hits"][0];
    for key in ["id", "title", "date", "score", "snippet", "snippet_source"] {
        assert!(hit.get(key).is_some(), "{key} in {hit}");
    }
    assert!(json["facets"].is_object());
    assert!(json.get("warnings").is_none());
}

#[test]
fn upsert_replaces_and_entries_list_hashes() {
    let f = fixture();
    let mut changed = cable_3355();
    changed.title = "Cable No. 3355 (revised title)".into();
    {
        let mut w = f.index.writer().unwrap();
        w.upsert(&changed, "hash-new").unwrap();
        w.upsert(&changed, "hash-newer").unwrap();
        w.delete("test-hostile").unwrap();
        w.commit(43).unwrap();
    }
    assert_eq!(f.index.num_docs(), 23);
    let r = search(&f.index, "id:wcda-134278");
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].title, "Cable No. 3355 (revised title)");
    assert!(search(&f.index, "attacker").hits.is_empty());

    let entries = f.index.entries().unwrap();
    assert_eq!(entries.len(), 23);
    assert!(
        entries.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted, unique"
    );
    assert!(entries.contains(&("wcda-134278".into(), "hash-newer".into())));
    assert!(entries.contains(&("wcda-113729".into(), "hash-1".into())));
}

#[test]
fn last_seq_round_trips_through_reopening() {
    let f = fixture();
    assert_eq!(f.index.last_seq(), 42);
    assert!(f.index.size_bytes().unwrap() > 10_000);
    drop(f.index);
    let reopened = Index::open_or_create(&f.path).unwrap();
    assert_eq!(reopened.last_seq(), 42);
    assert_eq!(reopened.num_docs(), 24);
    // Analyzers are registered again on open: stemming still works.
    assert_eq!(ids(&search(&reopened, "Сталиным")), ["wcda-134278"]);
    {
        let mut w = reopened.writer().unwrap();
        w.delete_all().unwrap();
        w.commit(0).unwrap();
    }
    assert_eq!(reopened.num_docs(), 0);
    assert_eq!(reopened.last_seq(), 0);
    let fresh = tempfile::tempdir().unwrap();
    assert_eq!(
        Index::open_or_create(&fresh.path().join("a/b"))
            .unwrap()
            .last_seq(),
        0
    );
}

/// An old-schema tantivy index with one document, committed with payload "99".
fn old_schema_index(dir: &Path) {
    use tantivy::schema::{Schema, TEXT};
    let mut b = Schema::builder();
    let body = b.add_text_field("body", TEXT);
    let old = tantivy::Index::create_in_dir(dir, b.build()).unwrap();
    let mut w: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
    w.add_document(tantivy::doc!(body => "old")).unwrap();
    let mut prepared = w.prepare_commit().unwrap();
    prepared.set_payload("99");
    prepared.commit().unwrap();
}

fn unusable_reason(root: &Path) -> String {
    match Index::open(root) {
        Err(IndexError::Unusable { reason, .. }) => reason,
        Err(e) => panic!("expected Unusable, got {e}"),
        Ok(_) => panic!("expected Unusable, got an index"),
    }
}

#[test]
fn indexes_that_cannot_be_used_are_refused_and_rebuilt_beside_them() {
    // The single-folder layout of earlier versions.
    let dir = tempfile::tempdir().unwrap();
    old_schema_index(dir.path());
    std::fs::write(dir.path().join("unrelated.txt"), "kept").unwrap();
    assert!(unusable_reason(dir.path()).contains("earlier version"));
    assert!(
        Index::open_or_create(dir.path()).is_err(),
        "never silently emptied"
    );
    let index = Index::build(dir.path(), Some("store-a"), |w| {
        w.upsert(&hostile(), "h")?;
        Ok::<_, IndexError>(7)
    })
    .unwrap();
    let state = index.state();
    assert_eq!((state.store.as_deref(), state.seq), (Some("store-a"), 7));
    assert_eq!(ids(&search(&index, "attacker")), ["test-hostile"]);
    let cleaned = index.clean().unwrap();
    assert!(cleaned.files >= 3, "the old layout's files: {cleaned:?}");
    assert!(!dir.path().join("meta.json").exists());
    assert!(dir.path().join("unrelated.txt").exists());
    // Reopened, it is the same.
    let reopened = Index::open(dir.path()).unwrap();
    assert_eq!(reopened.state(), state);
    assert_eq!(reopened.num_docs(), 1);

    // A generation of another schema, and damaged ones.
    let gen_dir = dir.path().join(reopened.generation());
    drop((index, reopened));
    for f in std::fs::read_dir(&gen_dir).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    old_schema_index(&gen_dir);
    assert!(unusable_reason(dir.path()).contains("another index schema"));
    std::fs::write(gen_dir.join("meta.json"), b"{\"segments\": [tru").unwrap();
    unusable_reason(dir.path());
    std::fs::remove_file(gen_dir.join("meta.json")).unwrap();
    assert!(unusable_reason(dir.path()).contains("no meta.json"));
    std::fs::write(dir.path().join("CURRENT"), "\u{0}garbage").unwrap();
    assert!(unusable_reason(dir.path()).contains("does not name a generation"));
    std::fs::remove_file(dir.path().join("CURRENT")).unwrap();
    std::fs::remove_dir_all(&gen_dir).unwrap();
    assert_eq!(unusable_reason(dir.path()), "there is no index yet");
}

#[test]
fn a_rebuild_is_swapped_in_whole_and_readers_follow_it() {
    let f = fixture();
    let reader = Index::open(&f.path).unwrap();
    assert_eq!(reader.num_docs(), 24);
    let first = reader.generation();
    // A rebuild that fails half-way leaves the live generation as it was.
    let failed: Result<(), IndexError> = f.index.rebuild(Some("s"), |w| {
        w.upsert(&hostile(), "h")?;
        Err(IndexError::Unusable {
            dir: f.path.clone(),
            reason: "stopped".into(),
        })
    });
    assert!(failed.is_err());
    assert_eq!(f.index.generation(), first);
    assert_eq!(Index::open(&f.path).unwrap().num_docs(), 24);
    // One that completes is live for this handle at once, and for others at their next check.
    f.index
        .rebuild(Some("s"), |w| {
            w.upsert(&hostile(), "h")?;
            Ok::<_, IndexError>(3)
        })
        .unwrap();
    assert_ne!(f.index.generation(), first);
    assert_eq!(f.index.num_docs(), 1);
    assert_eq!(reader.generation(), first, "not yet looked");
    assert!(reader.refresh().unwrap());
    assert_eq!(reader.num_docs(), 1);
    assert_eq!(reader.state().seq, 3);
    // The failed build's folder and the old generation are garbage now.
    let cleaned = f.index.clean().unwrap();
    assert!(cleaned.files > 0);
    let generations: Vec<_> = std::fs::read_dir(&f.path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    assert_eq!(generations, [f.index.generation()]);
    // The reader still answers from its mapped files after they were removed.
    assert_eq!(ids(&search(&reader, "attacker")), ["test-hostile"]);
}

#[test]
fn the_index_is_shared_between_threads() {
    fn shared<T: Send + Sync + Clone>() {}
    shared::<Index>();
    let f = fixture();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let index = f.index.clone();
            std::thread::spawn(move || search(&index, "parallel").total)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 2);
    }
}

#[test]
fn one_writer_at_a_time() {
    let f = fixture();
    let _w = f.index.writer().unwrap();
    let err = f.index.writer().unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
}

#[test]
fn bad_queries() {
    let f = fixture();
    let err = f
        .index
        .search(&SearchRequest::new("auther:Stalin"))
        .unwrap_err();
    assert!(err.is_user_error());
    match &err {
        IndexError::Query { query, message } => {
            assert_eq!(query, "auther:Stalin");
            assert!(message.contains("auther"), "{message}");
            assert!(message.contains("author"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let err = f
        .index
        .search(&SearchRequest::new("date_start:[abc TO 1950]"))
        .unwrap_err();
    assert!(matches!(err, IndexError::Query { .. }), "{err:?}");

    // A time is not a field.
    assert!(f.index.search(&SearchRequest::new("10:30")).is_ok());
    // A lone apostrophe is fine, and possessives match the name.
    let r = search(&f.index, "Stalin's telegram");
    assert!(r.warnings.is_empty());
    assert_eq!(ids(&r), ["wcda-113729"]);
    // Malformed but meaningful: searched leniently, with a warning.
    let r = search(&f.index, "Stalin's \"38th");
    assert!(!r.warnings.is_empty());
    assert!(r.total >= 1, "{r:?}");
}

#[test]
fn author_and_recipient_filters_and_facets_keep_names_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open_or_create(dir.path()).unwrap();
    // One joint recipient written with a slash, as some finding aids write them.
    let mut joint = telegram_1_october();
    joint.recipients = vec!["Mao Zedong/Zhou Enlai".into()];
    {
        let mut w = index.writer().unwrap();
        w.upsert(&cable_3355(), "h1").unwrap();
        w.upsert(&joint, "h2").unwrap();
        for (i, r) in nicaragua().iter().take(20).enumerate() {
            w.upsert(r, &format!("n{i}")).unwrap();
        }
        w.commit(1).unwrap();
    }
    let run = |author: Option<&str>, recipient: Option<&str>| {
        index
            .search(&SearchRequest {
                author: author.map(Into::into),
                recipient: recipient.map(Into::into),
                facets: true,
                limit: 100,
                ..SearchRequest::default()
            })
            .unwrap()
    };
    let values = |r: &SearchResults, facet: &str| -> Vec<(String, u64)> {
        r.facets[facet]
            .iter()
            .map(|c| (c.value.clone(), c.count))
            .collect()
    };
    let stalin = run(Some("Filippov [Stalin]"), None);
    assert_eq!(ids(&stalin), ["wcda-113729", "wcda-134278"]);
    assert_eq!(
        values(&stalin, "recipient"),
        [
            ("Mao Zedong/Zhou Enlai".to_string(), 1),
            ("Soviet Ambassador, Peking".to_string(), 1)
        ]
    );
    assert_eq!(
        ids(&run(None, Some("Mao Zedong/Zhou Enlai"))),
        ["wcda-113729"]
    );
    assert_eq!(run(None, Some("Mao Zedong")).total, 0);
    assert_eq!(run(Some("filippov [stalin]"), None).total, 0, "exact");
    assert_eq!(run(Some("  Filippov [Stalin] "), None).total, 2);
    let both = run(Some("Filippov [Stalin]"), Some("Soviet Ambassador, Peking"));
    assert_eq!(ids(&both), ["wcda-134278"]);
    assert_eq!(
        values(&both, "author"),
        [("Filippov [Stalin]".to_string(), 1)]
    );

    // Browsing: authors largest first, cut to 20 values.
    let all = run(None, None);
    let authors = values(&all, "author");
    let expected = {
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for r in nicaragua().iter().take(20).chain([&cable_3355(), &joint]) {
            let mut names: Vec<&str> = r.authors.iter().map(|a| a.trim()).collect();
            names.sort_unstable();
            names.dedup();
            for a in names {
                *counts.entry(a.to_string()).or_default() += 1;
            }
        }
        let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts.truncate(20);
        counts
    };
    assert_eq!(authors, expected);
    assert!(authors.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn a_word_with_a_star_finds_every_word_it_begins() {
    let f = fixture();
    // tantivy's parser alone finds nothing for one word with `*`.
    let nicaragua = search(&f.index, "Nicaragua").total;
    assert!(nicaragua > 5);
    assert!(search(&f.index, "nicarag*").total >= nicaragua);
    assert_eq!(
        ids(&search(&f.index, "Nicarag* AND original:Сталин*")),
        Vec::<&str>::new()
    );
    // Russian: the prefix of a name in any case.
    assert_eq!(ids(&search(&f.index, "original:Стали*")), ["wcda-134278"]);
    assert_eq!(
        ids(&search(&f.index, "Мао Цзэ*")),
        ["wcda-113729", "wcda-134278"]
    );
    // A whole word with a star, longer than its stem (`secretary` is indexed `secretari`).
    let secretary = search(&f.index, "secretary");
    assert!(secretary.total > 0);
    for id in ids(&secretary) {
        assert!(ids(&search(&f.index, "secretary*")).contains(&id), "{id}");
    }
    // Snippets mark the words found.
    let r = search(&f.index, "nicarag*");
    assert!(
        r.hits.iter().any(|h| h.snippet.contains("<mark>Nicaragua")),
        "{:?}",
        r.hits[0].snippet
    );
    // Quoted phrases with a star stay tantivy's phrase prefixes.
    assert!(search(&f.index, "\"Mosquito Reser\"*").total > 0);
}
