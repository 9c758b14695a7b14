//! The WCDA importers (page text, legacy JSON, CSV) on the bundled real files.

use fonds::ingest::{Format, Parsed, detect, parse};
use fonds::model::{ArchivalRef, DatePrecision, Record, TextRole};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn import(rel: &str, format: Format) -> Parsed {
    let bytes = read(rel);
    assert_eq!(detect(rel, &bytes), Some(format), "{rel}");
    parse(format, rel, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn only_record(rel: &str, format: Format) -> Record {
    let mut parsed = import(rel, format);
    assert_eq!(parsed.records.len(), 1, "{rel}");
    parsed.records.remove(0)
}

fn reference(
    archive: &str,
    fond: &str,
    opis: &str,
    delo: &str,
    folios: &str,
    raw: &str,
) -> ArchivalRef {
    ArchivalRef {
        archive: Some(archive.into()),
        fond: Some(fond.into()),
        opis: Some(opis.into()),
        delo: Some(delo.into()),
        folios: Some(folios.into()),
        raw: raw.into(),
    }
}

const FURNITURE: [&str; 7] = [
    "Skip to content",
    "Document Information",
    "Citation:",
    "Original Language:",
    "**",
    "[...]",
    "Contents:",
];

fn assert_no_furniture(record: &Record) {
    let json = record.to_json_line();
    for f in FURNITURE {
        assert!(!json.contains(f), "`{f}` in {}", record.id);
    }
}

#[test]
fn page_layout_1_cable_3355() {
    let r = only_record(
        "corpus/wcda-pages/000_2d287dbd93c7e576.txt",
        Format::WcdaPage,
    );
    assert_eq!(r.id, "wcda-134278");
    assert_eq!(
        r.title,
        "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking"
    );
    let date = r.date.unwrap();
    assert_eq!(date.to_string(), "1950-07-13");
    assert_eq!(date.precision(), DatePrecision::Day);
    assert_eq!(r.doc_type.as_deref(), Some("Telegram"));
    assert_eq!(r.languages, ["ru"]);
    assert!(
        r.summary
            .as_deref()
            .unwrap()
            .starts_with("Stalin tells Mao that the British")
    );
    assert!(
        r.summary
            .as_deref()
            .unwrap()
            .ends_with("help train Chinese forces.")
    );
    assert_eq!(r.authors, ["Filippov [Stalin]"]);
    assert_eq!(r.recipients, ["the Soviet Ambassador, Peking"]);
    assert_eq!(r.classification.as_deref(), Some("Совершенно секретно"));

    assert_eq!(r.texts.len(), 2);
    let t = r.text(TextRole::Transcript).unwrap();
    assert_eq!(t.lang, "ru");
    let paras: Vec<&str> = t.paragraphs().collect();
    assert_eq!(paras[0], "Совершенно секретно");
    assert_eq!(paras[1], "ШИФРТЕЛЕГРАММА No 3305");
    assert!(paras.contains(&"ФИЛИППОВ"));
    assert!(paras.contains(&"=====\n====="));
    assert_eq!(*paras.last().unwrap(), "Экз. N 3—тов, Молотову");
    assert!(t.translators.is_empty());
    assert_eq!(t.notes.len(), 1);
    assert_eq!(
        t.notes[0].body,
        "[РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85]"
    );
    assert!(!t.body.contains("РГАСПИ"));

    let en = r.text(TextRole::Translation).unwrap();
    assert_eq!(en.lang, "en");
    assert_eq!(en.translators, ["Gary Goldberg"]);
    let paras: Vec<&str> = en.paragraphs().collect();
    assert_eq!(
        paras[0],
        "SPECIAL [BEIJING]\nTO THE SOVIET AMBASSADOR Only by landline and cipher"
    );
    assert_eq!(
        *paras.last().unwrap(),
        "Copy N1 to Cde. Stalin\nCopy N2 to Cde. Stalin\nCopy N3 to Cde. Molotov"
    );
    assert!(paras.contains(&"Filippov [Stalin]"));

    assert_eq!(
        r.archival_refs,
        [
            reference(
                "RGASPI",
                "558",
                "11",
                "334",
                "85",
                "RGASPI, f. 558, op. 11, d. 334, ll.0085"
            ),
            reference(
                "RGASPI",
                "558",
                "11",
                "334",
                "85",
                "РГАСПИ.ФН 558, ОП. N 11, Д N 334. Л. N 85"
            ),
        ]
    );
    assert_eq!(
        r.archival_refs[0].file_key().as_deref(),
        Some("RGASPI f. 558, op. 11, d. 334")
    );
    assert_eq!(
        r.citation.as_deref(),
        Some(
            "\"Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking\", July 13, 1950, Wilson Center Digital Archive, RGASPI, f. 558, op. 11, d. 334, ll.0085. Translated by Gary Goldberg. https://wilson-center-digital-archive.dvincitest.com/document/134278"
        )
    );
    assert_eq!(r.source.name, "Wilson Center Digital Archive");
    assert_eq!(
        r.source.url.as_deref(),
        Some("https://wilson-center-digital-archive.dvincitest.com/document/134278")
    );
    assert_eq!(r.source.record_id.as_deref(), Some("134278"));
    assert_eq!(r.source.uploaded, None);
    assert_eq!(r.credits, ["Translated by Gary Goldberg."]);
    assert!(r.rights.is_none());
    assert!(r.extra.is_empty(), "{:?}", r.extra);
    assert_eq!(r.provenance.importer, "wcda-page");
    assert_no_furniture(&r);
}

#[test]
fn page_layout_2_ciphered_telegram() {
    let parsed = import(
        "corpus/wcda-pages/001_6ac3a21e3d46086e.txt",
        Format::WcdaPage,
    );
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let r = &parsed.records[0];
    assert_eq!(r.id, "wcda-113729");
    assert_eq!(
        r.title,
        "Ciphered Telegram, Filippov [Stalin] to Mao Zedong and Zhou Enlai (via Roshchin)"
    );
    let date = r.date.unwrap();
    assert_eq!(date.to_string(), "1950-10-01");
    assert_eq!(date.precision(), DatePrecision::Day);
    assert_eq!(r.doc_type.as_deref(), Some("Telegram"));
    assert_eq!(r.languages, ["ru"]);
    assert_eq!(
        r.summary.as_deref(),
        Some(
            "Telegram from Stalin to Mao and Zhou Enlai asking that they consider moving 5-6 divisions of Chinese volunteers to the China-DPRK border in order to give the North Koreans cover under which to reorganize their troops. Stalin explicitly states that he will not mention this idea to the North Koreans."
        )
    );
    assert_eq!(r.authors, ["Filippov [Stalin]"]);
    assert_eq!(r.recipients, ["Mao Zedong", "Zhou Enlai"]);
    assert_eq!(
        r.extra.get("transmitted_via").map(String::as_str),
        Some("Roshchin")
    );
    assert_eq!(r.extra.len(), 1);

    assert_eq!(r.texts.len(), 2);
    let t = r.text(TextRole::Transcript).unwrap();
    assert_eq!(t.lang, "ru");
    let paras: Vec<&str> = t.paragraphs().collect();
    assert_eq!(paras[0], "Передано т.Булганину [из Сочи]");
    assert_eq!(paras[1], "1.X..50 г.");
    assert!(paras.contains(&"ФИЛИППОВ"));
    assert_eq!(*paras.last().unwrap(), "1 октября  1950 г.");
    let en = r.text(TextRole::Translation).unwrap();
    assert_eq!(en.lang, "en");
    let paras: Vec<&str> = en.paragraphs().collect();
    assert_eq!(paras[0], "Transmitted to Bulganin");
    assert_eq!(*paras.last().unwrap(), "1 October 1950");
    assert!(paras.contains(&"F I L I P P O V [STALIN]"));
    assert!(
        !en.body.contains("Telegram from Stalin to Mao"),
        "summary in the translation"
    );
    assert!(en.translators.is_empty());

    assert_eq!(
        r.archival_refs,
        [
            reference(
                "APRF",
                "45",
                "1",
                "334",
                "99-103",
                "APRF, fond 45, opis 1, delo 334, listy 99-103"
            ),
            reference(
                "RGASPI",
                "558",
                "11",
                "334",
                "97-98",
                "RGASPI f. 558, Op. 11, D. 334, pp. 97-98"
            ),
        ]
    );
    assert!(
        r.rights
            .as_deref()
            .unwrap()
            .starts_with("The History and Public Policy Program welcomes reuse")
    );
    assert!(
        r.rights
            .as_deref()
            .unwrap()
            .ends_with("HAPP@wilsoncenter.org.")
    );
    assert_eq!(r.source.name, "Wilson Center Digital Archive");
    assert_eq!(
        r.source.url.as_deref(),
        Some("https://digitalarchive.wilsoncenter.org/document/113729")
    );
    assert_eq!(r.source.record_id.as_deref(), Some("113729"));
    assert_eq!(r.source.uploaded.as_deref(), Some("2011-11-20"));
    assert!(r.citation.is_none());
    assert_no_furniture(r);
    let json = r.to_json_line();
    for label in ["Author(s)", "Original Uploaded Date", "Record ID"] {
        assert!(!json.contains(label), "{label}");
    }
}

#[test]
fn page_errors_name_the_file() {
    let err = parse(Format::WcdaPage, "empty.txt", b"")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("empty.txt: line 1:"), "{err}");
    let err = parse(Format::WcdaPage, "bad.txt", b"July 13, 1950\n\xff\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("bad.txt: line 2, column 1: not valid UTF-8: the byte 0xFF"),
        "{err}"
    );
    let page =
        "Skip to content\n\nOctober 1, 1950\n\nA title\n\nText.\n\nAuthor(s):\n\nType\n\nLetter\n";
    let err = parse(Format::WcdaPage, "noid.txt", page.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("noid.txt: ") && err.contains("record id"),
        "{err}"
    );
}

#[test]
fn legacy_json_transcript_asset() {
    let r = only_record("corpus/wcda-json/transcript.json", Format::WcdaJson);
    assert_eq!(r.id, "wcda-transcript-21170");
    assert!(
        r.title
            .starts_with("По указанию министра иностранных дел СССР тов. Вышинского")
    );
    assert!(
        r.title.ends_with('…') && r.title.chars().count() <= 101,
        "{}",
        r.title
    );
    assert!(r.extra["title_note"].contains("opening words"));
    let date = r.date.unwrap();
    assert_eq!(
        (date.to_string(), date.precision()),
        ("1950".to_string(), DatePrecision::Year)
    );
    assert_eq!(r.languages, ["ru"]);
    assert_eq!(r.texts.len(), 1);
    let t = &r.texts[0];
    assert_eq!((t.role, t.lang.as_str()), (TextRole::Transcript, "ru"));
    let paras: Vec<&str> = t.paragraphs().collect();
    assert_eq!(paras.len(), 21);
    assert_eq!(
        paras[0],
        "По указанию министра иностранных дел СССР тов. Вышинского 1 января посетил председателя Центрального народного правительства Китай-ской Народной Республики тов. Мао Цзэдуна."
    );
    assert!(
        paras[6].starts_with("«Состояние моего здоровья"),
        "{}",
        paras[6]
    );
    assert_eq!(paras[19], "Посол СССР в Китае");
    assert_eq!(paras[20], "Н. Рощин");
    for p in &paras {
        assert!(
            !p.contains('<') && !p.contains("cs366E2583") && !p.contains("&raquo;"),
            "{p}"
        );
        assert!(!p.contains("  "), "{p}");
    }
    assert_eq!(r.source.name, "Wilson Center Digital Archive");
    assert_eq!(
        r.source.url.as_deref(),
        Some("https://digitalarchive.wilsoncenter.org/transcripts/33548.html")
    );
    assert_eq!(r.source.uploaded.as_deref(), Some("2017-10-13"));
    for (k, v) in [
        ("filename", "TranscriptFile_110404.html"),
        ("url", "/transcripts/33548.html"),
        ("asset_id", "21170"),
        ("id", "33548"),
        ("source_created_at", "2017-10-13 15:57:30"),
        ("source_updated_at", "2017-10-13 15:57:42"),
    ] {
        assert_eq!(r.extra.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(!r.extra.contains_key("raw") && !r.extra.contains_key("html"));
    assert_eq!(r.provenance.importer, "wcda-json");
}

#[test]
fn legacy_json_collection_is_refused() {
    let rel = "tests/fixtures/wcda-collection.json";
    let bytes = read(rel);
    assert_eq!(detect(rel, &bytes), Some(Format::WcdaJson));
    let err = parse(Format::WcdaJson, rel, &bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("tests/fixtures/wcda-collection.json: "),
        "{err}"
    );
    assert!(
        err.contains("WCDA collection") && err.contains("not a document"),
        "{err}"
    );
    assert!(err.contains("491"), "{err}");
}

#[test]
fn csv_scrape_all_eleven_records() {
    let parsed = import("corpus/wcda-csv/wilson_archive_sample.csv", Format::Csv);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let ids: Vec<&str> = parsed.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "wcda-300653",
            "wcda-300641",
            "wcda-300640",
            "wcda-300639",
            "wcda-300638",
            "wcda-300242",
            "wcda-300241",
            "wcda-300240",
            "wcda-300239",
            "wcda-300238",
            "wcda-300237",
        ]
    );
    let langs: Vec<&str> = parsed
        .records
        .iter()
        .map(|r| r.languages[0].as_str())
        .collect();
    assert_eq!(
        langs,
        [
            "en", "ja", "ja", "ja", "ja", "de", "de", "de", "de", "de", "de"
        ]
    );
    for (i, r) in parsed.records.iter().enumerate() {
        assert_eq!(r.languages.len(), 1, "{}", r.id);
        assert_eq!(r.source.name, "Wilson Center Digital Archive");
        assert_eq!(r.source.record_id.as_deref(), Some(&r.id[5..]));
        assert!(
            r.source
                .url
                .as_deref()
                .unwrap()
                .starts_with("https://digitalarchive.wilsoncenter.org/document/")
        );
        assert!(
            r.source.uploaded.is_some() && r.date.is_some() && r.summary.is_some(),
            "{}",
            r.id
        );
        assert!(
            r.rights
                .as_deref()
                .unwrap()
                .contains("HAPP@wilsoncenter.org")
        );
        assert_eq!(r.texts.len(), 1);
        assert_eq!(r.texts[0].lang, "en");
        assert_eq!(r.archival_refs.len(), 1, "{}", r.id);
        assert_eq!(
            r.provenance.locator.as_deref(),
            Some(format!("row {}", i + 1).as_str())
        );
        assert_eq!(r.provenance.importer, "csv");
        for key in [
            "scraped_at",
            "page_number",
            "page_number_one_indexed",
            "page_position",
            "original_archive_title",
        ] {
            assert!(r.extra.contains_key(key), "{} {key}", r.id);
        }
    }

    // The English original: its text is the transcript.
    let nehru = &parsed.records[0];
    assert_eq!(
        nehru.title,
        "Letter, Jawaharlal Nehru to All Provincial Premiers"
    );
    assert_eq!(nehru.date.unwrap().to_string(), "1949-04-01");
    assert_eq!(nehru.authors, ["Nehru, Jawaharlal"]);
    assert_eq!(nehru.classification.as_deref(), Some("Secret"));
    assert_eq!(nehru.texts[0].role, TextRole::Transcript);
    assert_eq!(nehru.texts[0].paragraphs().next(), Some("Secret."));
    assert_eq!(
        nehru.archival_refs[0].raw,
        "Nehru Memorial Museum and Library, File No. JNSG, vol. 21-1"
    );
    assert_eq!(nehru.archival_refs[0].archive.as_deref(), Some("NMML"));

    // A Japanese original, translated.
    let japan = &parsed.records[1];
    assert_eq!(japan.texts[0].role, TextRole::Translation);
    assert_eq!(japan.texts[0].translators, ["Stephen Mercado"]);
    assert_eq!(
        japan.people,
        ["Satō, Eisaku", "Chiang, Ching-kuo (Jiang Jingguo)"]
    );
    assert_eq!(
        japan.credits,
        [
            "This document was made possible with support from Chun & Jane Chiu Family Foundation",
            "Contributed by Robert Hoppens and translated by Stephen Mercado.",
            "Chun & Jane Chiu Family Foundation",
        ]
    );
    let statement = &parsed.records[4];
    let date = statement.date.unwrap();
    assert_eq!(
        (date.to_string(), date.precision()),
        ("1967-11".to_string(), DatePrecision::Month)
    );

    // A German original: Kohl and Blair at Chequers.
    let kohl = &parsed.records[5];
    assert_eq!(
        kohl.title,
        "The Chancellor's [Helmut Kohl's] Meeting with British PM Blair on 20 October 1997, 10.30 a.m. - 3 p.m. in Chequers"
    );
    assert_eq!(kohl.date.unwrap().to_string(), "1997-10-31");
    assert_eq!(kohl.languages, ["de"]);
    assert!(kohl.authors.is_empty());
    assert_eq!(kohl.places, ["Germany", "Great Britain"]);
    assert_eq!(
        kohl.subjects,
        [
            "Germany--Foreign relations--Great Britain",
            "Europe--Economic integration"
        ]
    );
    assert_eq!(kohl.people, ["Bitterlich, Joachim"]);
    assert_eq!(
        kohl.archival_refs,
        [ArchivalRef {
            archive: Some("BArch".into()),
            fond: Some("B 136".into()),
            opis: None,
            delo: Some("59748".into()),
            folios: Some("403-410".into()),
            raw: "BArch, B 136/59748, 403-410".into(),
        }]
    );
    assert_eq!(
        kohl.archival_refs[0].file_key().as_deref(),
        Some("BArch f. B 136, d. 59748")
    );
    assert_eq!(
        kohl.credits,
        ["Contributed, transcribed, and translated by Stephan Kieninger."]
    );
    let t = &kohl.texts[0];
    assert_eq!((t.role, t.lang.as_str()), (TextRole::Translation, "en"));
    assert_eq!(t.translators, ["Stephan Kieninger"]);
    assert!(
        t.paragraphs()
            .next()
            .unwrap()
            .starts_with("MD J. Bitterlich")
    );
    assert_eq!(t.paragraphs().last(), Some("(Bitterlich)"));
    assert_eq!(t.notes.len(), 1);
    assert_eq!(
        (t.notes[0].n.as_str(), t.notes[0].body.as_str()),
        ("1", "BArch, B 136/59748, 403-410.")
    );
    assert_eq!(
        kohl.extra.get("document_contributors").map(String::as_str),
        Some("Kohl, Helmut; Blair, Anthony Charles Lynton (\"Tony\")")
    );
    assert_eq!(
        kohl.extra.get("original_archive_title").map(String::as_str),
        Some("German Federal Archives (BArch)")
    );
    assert_eq!(kohl.source.uploaded.as_deref(), Some("2023-10-03"));
    assert!(kohl.classification.is_none());
    // All the Kohl memoranda are from one file of the Federal Archives.
    let keys: Vec<String> = parsed.records[5..]
        .iter()
        .map(|r| r.archival_refs[0].file_key().unwrap())
        .collect();
    assert!(keys.iter().all(|k| k == "BArch f. B 136, d. 59748"));
}

#[test]
fn csv_without_ids_is_refused() {
    let err = parse(Format::Csv, "x.csv", b"title,date\nA,1950\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("x.csv: header: no `id` column"), "{err}");
    let err = parse(Format::Csv, "x.csv", b"record_id,title\n1,One\n,Two\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "x.csv: row 2, column \"record_id\": empty, but every record needs it"
    );
}
