//! The `fonds` binary, driven as a user would: real files in, real output checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(rel: &str) -> PathBuf {
    root().join("corpus").join(rel)
}

/// Runs `fonds --data DATA ARGS…` and returns its output.
fn fonds(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("FONDS_DATA")
        .output()
        .expect("the fonds binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "fonds failed: {}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn json(o: Output) -> Value {
    serde_json::from_str(&ok(o)).expect("valid JSON on stdout")
}

fn import(data: &Path, paths: &[&Path]) -> Output {
    let mut args = vec!["import"];
    let strs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(strs.iter().map(String::as_str));
    fonds(data, &args)
}

fn search_ids(data: &Path, args: &[&str]) -> (u64, Vec<String>) {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let v = json(fonds(data, &all));
    let ids = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    (v["total"].as_u64().unwrap(), ids)
}

/// An archive with the bundled sample corpus, built once per test.
fn sample_archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(import(
        dir.path(),
        &[
            &corpus("wcda-pages"),
            &corpus("frus"),
            &corpus("wcda-json"),
            &corpus("wcda-csv"),
        ],
    ));
    assert!(out.contains("0 failed"), "{out}");
    dir
}

#[test]
fn import_prints_a_summary_and_show_gives_the_whole_record() {
    let data = tempfile::tempdir().unwrap();
    let out = ok(import(
        data.path(),
        &[&corpus("wcda-pages"), &corpus("frus/frus1894Nicaragua.xml")],
    ));
    assert!(
        out.starts_with("3 files (0 failed), 140 records: 140 new, 0 changed, 0 unchanged"),
        "{out}"
    );

    let r = json(fonds(data.path(), &["show", "wcda-134278", "--json"]));
    assert_eq!(r["id"], "wcda-134278");
    assert_eq!(
        r["title"],
        "Cable No. 3355, Filippov [Stalin] to the Soviet Ambassador, Peking"
    );
    assert_eq!(r["date"], "1950-07-13");
    assert_eq!(r["languages"], serde_json::json!(["ru"]));
    let texts = r["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 2);
    assert_eq!(
        (&texts[0]["role"], &texts[0]["lang"]),
        (&"transcript".into(), &"ru".into())
    );
    assert_eq!(
        (&texts[1]["role"], &texts[1]["lang"]),
        (&"translation".into(), &"en".into())
    );
    assert_eq!(
        texts[1]["translators"],
        serde_json::json!(["Gary Goldberg"])
    );
    assert!(
        texts[0]["body"].as_str().unwrap().contains("\n\n"),
        "paragraphs kept"
    );
    let rgaspi = r["archival_refs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["archive"] == "RGASPI")
        .expect("an RGASPI ref");
    assert_eq!(
        (
            &rgaspi["fond"],
            &rgaspi["opis"],
            &rgaspi["delo"],
            &rgaspi["folios"]
        ),
        (&"558".into(), &"11".into(), &"334".into(), &"85".into())
    );
    assert_eq!(r["source"]["name"], "Wilson Center Digital Archive");
    assert_eq!(r["source"]["record_id"], "134278");
    assert_eq!(r["provenance"]["importer"], "wcda-page");
    assert_eq!(r["provenance"]["sha256"].as_str().unwrap().len(), 64);
    let whole = r.to_string();
    for furniture in [
        "Skip to content",
        "Document Information",
        "Citation:",
        "Original Language:",
    ] {
        assert!(
            !whole.contains(furniture),
            "page furniture `{furniture}` leaked into the record"
        );
    }

    let f = json(fonds(
        data.path(),
        &["show", "frus1894Nicaragua-d1", "--json"],
    ));
    assert_eq!(f["date"], "1894-01-25");
    assert_eq!(f["provenance"]["source_file"], "frus1894Nicaragua.xml");
    assert!(
        f["texts"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Honduras invading at Cape Gracias.")
    );

    let human = ok(fonds(data.path(), &["show", "wcda-113729"]));
    assert!(
        human.contains("Transcript (ru)") && human.contains("Translation (en)"),
        "{human}"
    );

    let missing = fonds(data.path(), &["show", "wcda-999"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no record with id `wcda-999`"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn search_understands_russian_and_english_morphology_phrases_and_filters() {
    let data = sample_archive();
    let d = data.path();
    // Russian morphology: the dative Сталину (as written in wcda-134278) also finds the
    // instrumental Сталиным (the only form in the 1950 transcript), and the nominative finds both.
    for query in ["Сталину", "Сталин", "СТАЛИНЫМ"] {
        let (_, ids) = search_ids(d, &[query]);
        assert!(
            ids.contains(&"wcda-134278".to_string())
                && ids.contains(&"wcda-transcript-21170".to_string()),
            "{query}: {ids:?}"
        );
    }
    // English stemming: "division" finds "divisions".
    let (_, ids) = search_ids(d, &["division"]);
    assert!(ids.contains(&"wcda-134278".to_string()), "{ids:?}");
    // A phrase, and the same words out of order.
    let (n, ids) = search_ids(d, &["\"38th parallel\""]);
    assert!(
        n >= 2 && ids.contains(&"wcda-113729".to_string()),
        "{ids:?}"
    );
    let (n, _) = search_ids(d, &["\"parallel 38th\""]);
    assert_eq!(n, 0);
    // Boolean operators.
    let (with_not, ids) = search_ids(d, &["parallel AND NOT Jemulpo"]);
    assert!(
        ids.contains(&"wcda-134278".to_string()) && !ids.contains(&"wcda-113729".to_string()),
        "{ids:?}"
    );
    let (either, _) = search_ids(d, &["Jemulpo OR Bluefields"]);
    assert!(either > with_not.min(1));
    // Field queries, type and date filters.
    let (_, ids) = search_ids(d, &["title:Filippov"]);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let (n_all, _) = search_ids(d, &["Bluefields"]);
    let (n_tel, ids) = search_ids(d, &["Bluefields", "--type", "telegram"]);
    assert!(n_tel > 0 && n_tel < n_all, "{n_tel} of {n_all}");
    assert!(ids.contains(&"frus1894Nicaragua-d1".to_string()));
    let (n, ids) = search_ids(d, &["Korea", "--from", "1950-07", "--to", "1950-07"]);
    assert_eq!((n, ids), (1, vec!["wcda-134278".to_string()]));
    let (n, _) = search_ids(d, &["Korea", "--lang", "ru"]);
    assert_eq!(n, 2);

    // The JSON shape: total, hits with id/title/date/score/snippet, facets.
    let v = json(fonds(d, &["search", "--json", "Сталину"]));
    let hit = &v["hits"][0];
    for key in ["id", "title", "date", "score", "snippet"] {
        assert!(hit.get(key).is_some(), "hit lacks `{key}`: {hit}");
    }
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>"), "{hit}");
    let facets = v["facets"].as_object().unwrap();
    for key in ["type", "lang", "decade"] {
        assert!(facets.contains_key(key), "facets lack `{key}`: {facets:?}");
    }

    // The human form highlights and counts.
    let out = ok(fonds(d, &["search", "Mosquito", "--limit", "3"]));
    assert!(out.contains("documents match; showing 1-3"), "{out}");
}

#[test]
fn reimport_changes_nothing_and_a_changed_source_makes_a_revision() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let page = src.path().join("page.txt");
    let original = std::fs::read_to_string(corpus("wcda-pages/001_6ac3a21e3d46086e.txt")).unwrap();
    std::fs::write(&page, &original).unwrap();
    ok(import(data.path(), &[&page]));
    let before = json(fonds(data.path(), &["stats", "--json"]));
    let again = ok(import(data.path(), &[&page]));
    assert!(again.contains("0 new, 0 changed, 1 unchanged"), "{again}");
    assert_eq!(
        json(fonds(data.path(), &["stats", "--json"]))["store"],
        before["store"]
    );

    std::fs::write(
        &page,
        original.replace("I await your reply.", "I await your early reply."),
    )
    .unwrap();
    let changed = ok(import(data.path(), &[&page]));
    assert!(
        changed.contains("0 new, 1 changed, 0 unchanged"),
        "{changed}"
    );
    let revs = ok(fonds(data.path(), &["show", "wcda-113729", "--revisions"]));
    assert!(
        revs.contains("revision 1") && revs.contains("revision 2"),
        "{revs}"
    );
    let (_, ids) = search_ids(data.path(), &["\"early reply\""]);
    assert_eq!(ids, ["wcda-113729"]);
    let stats = json(fonds(data.path(), &["stats", "--json"]));
    assert_eq!(stats["store"]["old_revisions"], 1);
    assert_eq!(
        stats["store"]["source_files"], 2,
        "both versions of the source are kept"
    );
}

#[test]
fn a_malformed_file_is_rejected_whole_and_the_others_still_import() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    // A FRUS volume cut off in the middle of a document: well-formed up to there.
    let xml = std::fs::read_to_string(corpus("frus/frus1894Nicaragua.xml")).unwrap();
    let cut = xml.find("xml:id=\"d40\"").unwrap();
    let broken = src.path().join("broken.xml");
    std::fs::write(
        &broken,
        format!("{}<p>unclosed</div></body></text></TEI>", &xml[..cut + 200]),
    )
    .unwrap();
    // A JSON Lines file whose third line is not a record.
    let jsonl = src.path().join("records.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\":\"t-1\",\"title\":\"One\"}\n{\"id\":\"t-2\",\"title\":\"Two\"}\n{\"id\":\"t-3\",\"title\":3}\n",
    )
    .unwrap();
    let out = import(data.path(), &[&broken, &jsonl, &corpus("wcda-pages")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed file makes the exit code non-zero"
    );
    let err = stderr(&out);
    assert!(
        err.contains("broken.xml: line "),
        "the error names the file and line: {err}"
    );
    assert!(err.contains("records.jsonl: line 3"), "{err}");
    assert!(
        stdout(&out).contains("4 files (2 failed), 2 records: 2 new"),
        "{}",
        stdout(&out)
    );
    let stats = json(fonds(data.path(), &["stats", "--json"]));
    assert_eq!(
        stats["store"]["records"], 2,
        "nothing of the broken files was committed"
    );
    assert!(!fonds(data.path(), &["show", "t-1"]).status.success());
    assert!(
        !fonds(data.path(), &["show", "frus1894Nicaragua-d1"])
            .status
            .success()
    );

    let unknown = src.path().join("notes.bin");
    std::fs::write(&unknown, [0u8, 159, 146, 150]).unwrap();
    let out = import(data.path(), &[&unknown]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("notes.bin: not a format Fonds imports"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_index_that_cannot_be_used_is_rebuilt_by_the_next_command_which_says_so() {
    let data = sample_archive();
    let d = data.path();
    let ok_check = ok(fonds(d, &["check"]));
    assert!(ok_check.contains("ok: store and index agree"), "{ok_check}");
    let (n_before, _) = search_ids(d, &["Nicaragua"]);
    let stored = json(fonds(d, &["stats", "--json"]))["store"]["records"]
        .as_u64()
        .unwrap();
    assert!(stored > 150);
    let live = || {
        let name = std::fs::read_to_string(d.join("index/CURRENT")).unwrap();
        d.join("index").join(name.trim())
    };

    // Gone altogether: `check` rebuilds it, says so on standard error, and finds it sound.
    std::fs::remove_dir_all(d.join("index")).unwrap();
    let out = fonds(d, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "note: the index was rebuilt from the store (there is no index yet): {stored} records"
        )),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("ok: store and index agree"));

    // A damaged meta.json: `show` and `export` do not need the index at all, `search` rebuilds.
    std::fs::write(live().join("meta.json"), "{\"segments\": [{\"segment_id\":").unwrap();
    assert!(ok(fonds(d, &["show", "frus1894Nicaragua-d1"])).contains("Nicaragua"));
    assert!(fonds(d, &["export"]).status.success());
    let out = fonds(d, &["search", "Nicaragua", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: the index was rebuilt from the store"),
        "{}",
        stderr(&out)
    );
    let results: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(results["total"].as_u64().unwrap(), n_before);

    // CURRENT damaged, and the garbage of killed writers: a half-built generation, a stray
    // delete file of the live one. An import repairs and cleans before it writes.
    let stray = live().join("0123456789abcdef0123456789abcdef.7.del");
    std::fs::write(&stray, "x").unwrap();
    std::fs::create_dir(d.join("index/gen-000099")).unwrap();
    std::fs::write(d.join("index/gen-000099/meta.json"), "{}").unwrap();
    let transcript = corpus("wcda-json/transcript.json");
    let out = import(d, &[&transcript]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: removed 2 files"),
        "{}",
        stderr(&out)
    );
    assert!(!stray.exists() && !d.join("index/gen-000099").exists());
    std::fs::write(d.join("index/CURRENT"), "gen-999999\n").unwrap();
    let out = fonds(d, &["search", "Nicaragua"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no meta.json"), "{}", stderr(&out));
    assert!(ok(fonds(d, &["check"])).contains("ok: store and index agree"));

    // `reindex` builds a new generation and swaps it in.
    let before = live();
    let out = ok(fonds(d, &["reindex"]));
    assert!(
        out.contains(&format!("reindexed {stored} records")),
        "{out}"
    );
    assert_ne!(live(), before);
    assert!(!before.exists(), "the old generation is removed");
    assert!(ok(fonds(d, &["check"])).contains("ok: store and index agree"));
    assert_eq!(search_ids(d, &["Nicaragua"]).0, n_before);
}

#[test]
fn an_index_left_behind_by_an_interrupted_write_is_caught_up_by_the_next_command() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let d = data.path();
    let page = src.path().join("page.txt");
    let original = std::fs::read_to_string(corpus("wcda-pages/001_6ac3a21e3d46086e.txt")).unwrap();
    std::fs::write(&page, &original).unwrap();
    ok(import(d, &[&page]));
    // Keep the index as it was, change the record, then put the old index back: as if the
    // store had committed and the index write had been cut off.
    let saved = src.path().join("saved-index");
    copy_dir(&d.join("index"), &saved);
    std::fs::write(
        &page,
        original.replace("I await your reply.", "I await your prompt reply."),
    )
    .unwrap();
    ok(import(d, &[&page]));
    std::fs::remove_dir_all(d.join("index")).unwrap();
    copy_dir(&saved, &d.join("index"));

    // A search catches it up first, and says so.
    let out = fonds(d, &["search", "\"prompt reply\"", "--json"]);
    assert!(
        stderr(&out).contains("note: the index was behind the store (changes 2 to 2 were not indexed: a write was cut off); indexed 1 records"),
        "{}",
        stderr(&out)
    );
    let results: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(results["hits"][0]["id"], "wcda-113729");
    let out = fonds(d, &["check"]);
    assert!(stdout(&out).contains("ok: store and index agree"));
    assert!(
        stderr(&out).is_empty(),
        "nothing left to repair: {}",
        stderr(&out)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Exports the archive in `data` with its sources to `data/dump.jsonl`; returns the bytes.
fn export_with_sources(data: &Path) -> Vec<u8> {
    let dump = data.join("dump.jsonl");
    let out = fonds(
        data,
        &["export", "--with-sources", "--out", dump.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::read(&dump).unwrap()
}

/// Export with the sources, import into an empty data folder, export again: the same source
/// files, the same records, each now naming the export it was read from (file, SHA-256, line)
/// and deriving from its first source, every claim proven by `verify`. A third round gives the
/// second's bytes back, but for the SHA-256 of the export each was read from.
fn assert_round_trip(sources: &[&Path]) -> usize {
    let [first, second, third] = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let out = ok(import(first.path(), sources));
    assert!(out.contains("(0 failed)"), "{out}");
    let dump1 = export_with_sources(first.path());
    assert_eq!(
        dump1,
        export_with_sources(first.path()),
        "export is deterministic"
    );

    let out = ok(import(second.path(), &[&first.path().join("dump.jsonl")]));
    assert!(out.contains("(0 failed)"), "{out}");
    let dump2 = export_with_sources(second.path());
    let sha1 = fonds::ingest::sha256_hex(&dump1);
    let (text1, text2) = (
        String::from_utf8(dump1).unwrap(),
        String::from_utf8(dump2.clone()).unwrap(),
    );
    let is_source = |l: &&str| l.starts_with("{\"fonds_source\"");
    let sources1: Vec<&str> = text1.lines().filter(is_source).collect();
    assert!(!sources1.is_empty());
    assert_eq!(
        sources1,
        text2.lines().filter(is_source).collect::<Vec<_>>()
    );
    let records1: Vec<Value> = text1
        .lines()
        .filter(|l| !is_source(l))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records2: Vec<Value> = text2
        .lines()
        .filter(|l| !is_source(l))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records1.len(), records2.len());
    for (i, (mut r1, mut r2)) in records1.into_iter().zip(records2).enumerate() {
        let (p1, p2) = (r1["provenance"].take(), r2["provenance"].take());
        assert_eq!(r1, r2, "the same content");
        assert_eq!(p2["derived_from"], p1, "derives from the original source");
        assert_eq!(p2["source_file"], "dump.jsonl");
        assert_eq!(p2["sha256"], sha1.as_str());
        assert_eq!(p2["importer"], "jsonl");
        assert_eq!(
            p2["locator"],
            format!("line {}", sources1.len() + i + 1).as_str()
        );
    }
    let ids: Vec<String> = text2
        .lines()
        .filter(|l| !is_source(l))
        .map(|l| l.split('"').nth(3).unwrap().to_string())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "sorted by id, each once"
    );
    let verified = ok(fonds(second.path(), &["verify"]));
    assert!(
        verified.contains(&format!(
            "{} records read from JSON Lines claim a first source whose bytes are held: proven",
            ids.len()
        )),
        "{verified}"
    );
    assert!(verified.contains("ok: every source file"), "{verified}");

    // A third round: the second export's bytes, but for the export each record was read from.
    ok(import(third.path(), &[&second.path().join("dump.jsonl")]));
    let dump3 = String::from_utf8(export_with_sources(third.path())).unwrap();
    assert_eq!(
        dump3,
        text2.replace(&sha1, &fonds::ingest::sha256_hex(&dump2))
    );
    // The re-imported archive searches the same.
    for q in ["Сталину", "\"38th parallel\"", "treaty"] {
        assert_eq!(
            search_ids(first.path(), &[q]).0,
            search_ids(second.path(), &[q]).0,
            "{q}"
        );
    }
    ids.len()
}

#[test]
fn export_without_sources_keeps_claims_that_verify_calls_unproven() {
    let [first, second] = [(); 2].map(|()| tempfile::tempdir().unwrap());
    ok(import(first.path(), &[&corpus("wcda-pages")]));
    let dump = first.path().join("plain.jsonl");
    ok(fonds(
        first.path(),
        &["export", "--out", dump.to_str().unwrap()],
    ));
    ok(import(second.path(), &[&dump]));
    let out = fonds(second.path(), &["verify"]);
    assert!(
        out.status.success(),
        "claims are not damage: {}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("2 records read from JSON Lines claim a first source whose bytes are not held: unproven claims"),
        "{}",
        stdout(&out)
    );
    let record = json(fonds(second.path(), &["show", "wcda-134278", "--json"]));
    assert_eq!(record["provenance"]["source_file"], "plain.jsonl");
    assert_eq!(
        record["provenance"]["derived_from"]["source_file"],
        "wcda-pages/000_2d287dbd93c7e576.txt"
    );
    // Exporting again with sources cannot carry what is not held, and says so.
    let out = fonds(second.path(), &["export", "--with-sources"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: wcda-pages/000_2d287dbd93c7e576.txt")
            && stderr(&out).contains("not carried"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn jsonl_round_trip_on_the_sample_corpus_keeps_records_sources_and_proven_provenance() {
    let n = assert_round_trip(&[
        &corpus("wcda-pages"),
        &corpus("frus"),
        &corpus("wcda-json"),
        &corpus("wcda-csv"),
    ]);
    assert!(n > 150, "{n}");
}

#[test]
fn jsonl_round_trip_on_the_whole_frus_corpus_keeps_records_sources_and_proven_provenance() {
    let frus = root().join("../shared/corpus/frus");
    if !frus.is_dir() {
        eprintln!(
            "skipping: {} not found (the full FRUS corpus lives outside the project)",
            frus.display()
        );
        return;
    }
    assert_eq!(assert_round_trip(&[&frus]), 10_690);
}

#[test]
fn demo_imports_the_bundled_corpus_once_and_says_what_to_try() {
    let data = tempfile::tempdir().unwrap();
    let first = ok(fonds(data.path(), &["demo", "--no-serve"]));
    assert!(
        first.contains("(0 failed)") && first.contains("fonds --data"),
        "{first}"
    );
    let second = ok(fonds(data.path(), &["demo", "--no-serve"]));
    assert!(second.contains(" 0 new, 0 changed"), "{second}");
    let (n, _) = search_ids(data.path(), &["Nicaragua"]);
    assert!(n > 100);
}

#[test]
fn commands_on_an_empty_data_folder_explain_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let out = fonds(&data.path().join("nothing"), &["search", "Stalin"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no archive in"), "{}", stderr(&out));
    let bad = fonds(data.path(), &["search", "x", "--from", "July 1950"]);
    assert!(!bad.status.success());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::io::Read;
    let data = sample_archive();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data.path())
        .args(["export", "--format", "jsonl"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read the first line's start (the export is far larger than a pipe's buffer), then close.
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    assert!(
        first.starts_with(b"{\"id\":"),
        "{:?}",
        String::from_utf8_lossy(&first)
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");

    // Every command that prints, its reader gone before it writes (`fonds stats | head -c1`
    // used to panic): a closed pipe is the reader's choice, not a failure.
    for args in [
        &["stats"][..],
        &["stats", "--json"],
        &["check"],
        &["verify"],
        &["search", "Nicaragua"],
        &["show", "frus1894Nicaragua-d1"],
        &["export", "--with-sources"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fonds"))
            .arg("--data")
            .arg(data.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// The page of the database file holding the root of the b-tree `name` (an index or table).
fn root_page(db: &Path, name: &str) -> (u64, u64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let page_size: u64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let root: u64 = conn
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap();
    (page_size, root)
}

#[test]
fn verify_finds_every_kind_of_damage_and_reimporting_the_source_heals_it() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let frus = corpus("frus/frus1894Nicaragua.xml");
    let page = corpus("wcda-pages/000_2d287dbd93c7e576.txt");
    ok(import(d, &[&frus, &page]));
    let out = ok(fonds(d, &["verify"]));
    assert!(
        out.contains("ok: every source file, record, database page and index file is intact"),
        "{out}"
    );
    let records = json(fonds(d, &["stats", "--json"]))["store"]["records"].clone();
    assert!(
        out.contains(&format!("read back {records} records")),
        "{out}"
    );

    // A flipped byte in a source, in a record's JSON; a record broken outright; one edited
    // through SQL with its hash left as it was.
    let db = d.join("fonds.sqlite3");
    let frus_sha = fonds::ingest::sha256_hex(&std::fs::read(&frus).unwrap());
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let bytes: Vec<u8> = conn
            .query_row(
                "SELECT bytes FROM sources WHERE sha256 = ?1",
                [&frus_sha],
                |r| r.get(0),
            )
            .unwrap();
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 2] ^= 0x01;
        conn.execute(
            "UPDATE sources SET bytes = ?2 WHERE sha256 = ?1",
            rusqlite::params![frus_sha, flipped],
        )
        .unwrap();
        conn.execute_batch(
            "UPDATE records SET json = replace(json, 'Mr. Seat', 'Mr. Sear') WHERE id = 'frus1894Nicaragua-d1';
             UPDATE records SET json = substr(json, 1, 40) WHERE id = 'frus1894Nicaragua-d2';
             UPDATE records SET json = replace(json, '\"Telegram\"', '\"Letter\"') WHERE id = 'wcda-134278';",
        )
        .unwrap();
    }
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    for expected in [
        format!("DAMAGED source {frus_sha} (frus1894Nicaragua.xml): its"),
        "DAMAGED record frus1894Nicaragua-d1 (frus1894Nicaragua.xml): its content no longer has the hash".into(),
        "DAMAGED record frus1894Nicaragua-d2: its JSON is no longer a record".into(),
        "DAMAGED record wcda-134278 (000_2d287dbd93c7e576.txt): its content no longer has the hash".into(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }
    let report: Value = serde_json::from_str(&stdout(&fonds(d, &["verify", "--json"]))).unwrap();
    assert_eq!(report["damage"].as_array().unwrap().len(), 4, "{report:#}");
    // The quick check does not see it, and says what it does not cover.
    let quick = ok(fonds(d, &["check"]));
    assert!(
        quick.contains("not checked here: the source files' bytes"),
        "{quick}"
    );

    // Re-importing the original files heals every one of them, and says so.
    let out = import(d, &[&frus, &page]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("healed: frus1894Nicaragua.xml: the stored bytes of this file were damaged"),
        "{err}"
    );
    assert!(
        err.contains("healed: frus1894Nicaragua.xml: 2 records damaged in the store, restored"),
        "{err}"
    );
    assert!(
        err.contains("healed: 000_2d287dbd93c7e576.txt: 1 record damaged in the store"),
        "{err}"
    );
    assert!(
        stdout(&out).contains("0 new, 0 changed"),
        "{}",
        stdout(&out)
    );
    assert!(ok(fonds(d, &["verify"])).contains("ok: every source file"));
    assert!(ok(fonds(d, &["show", "wcda-134278"])).contains("Telegram"));

    // Damage SQLite's own structures: zero the root page of one of its indexes.
    let (page_size, root) = root_page(&db, "catalogue_by_seq");
    let mut file = std::fs::read(&db).unwrap();
    let at = (page_size * (root - 1)) as usize;
    file[at..at + page_size as usize].fill(0);
    std::fs::write(&db, file).unwrap();
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("DAMAGED database: SQLite's integrity check:"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

/// A JSON Lines file of `n` records of about 7 KB each (over 16 MiB for 2,500: streamed).
fn big_jsonl(path: &Path, n: usize, tail: &str) {
    use std::io::Write as _;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let body = "Совершенно секретно. The Soviet Ambassador reports from Peking. ".repeat(100);
    for i in 0..n {
        let record = serde_json::json!({
            "id": format!("big-{i:06}"), "title": format!("Telegram {i}"), "date": "1950-07-13",
            "texts": [{"role": "transcript", "lang": "ru", "body": format!("{body} {i}")}],
        });
        writeln!(w, "{record}").unwrap();
    }
    w.write_all(tail.as_bytes()).unwrap();
    w.flush().unwrap();
}

#[test]
fn a_json_lines_file_too_large_to_hold_is_streamed_all_or_nothing() {
    let data = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let d = data.path();
    let big = src.path().join("big.jsonl");
    // A bad last line: nothing of the file is kept, in the store or the index.
    big_jsonl(&big, 2_500, "{\"id\": \"big-x\", \"title\": 12}\n");
    assert!(std::fs::metadata(&big).unwrap().len() > 16 << 20);
    ok(import(d, &[&corpus("wcda-json/transcript.json")]));
    let out = import(d, &[&big]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("big.jsonl: line 2501, column"),
        "{}",
        stderr(&out)
    );
    assert_eq!(json(fonds(d, &["stats", "--json"]))["store"]["records"], 1);
    assert_eq!(search_ids(d, &["Peking", "--limit", "1"]).0, 0);
    // A duplicate id at the end, far from the first.
    big_jsonl(
        &big,
        2_500,
        "{\"id\": \"big-000007\", \"title\": \"Again\"}\n",
    );
    let out = import(d, &[&big]);
    assert!(
        stderr(&out)
            .contains("big.jsonl: line 2501: record id `big-000007` appears more than once"),
        "{}",
        stderr(&out)
    );
    assert_eq!(json(fonds(d, &["stats", "--json"]))["store"]["records"], 1);

    big_jsonl(&big, 2_500, "");
    let out = ok(import(d, &[&big]));
    assert!(out.contains("2500 new"), "{out}");
    assert_eq!(search_ids(d, &["Peking", "--limit", "1"]).0, 2_500);
    let shown = json(fonds(d, &["show", "big-002499", "--json"]));
    assert_eq!(shown["provenance"]["locator"], "line 2500");
    assert!(ok(fonds(d, &["verify"])).contains("ok: every source file"));
    let out = ok(import(d, &[&big]));
    assert!(out.contains("0 new, 0 changed, 2500 unchanged"), "{out}");

    // A damaged chunk of its kept bytes is found, and healed by importing it again.
    {
        let conn = rusqlite::Connection::open(d.join("fonds.sqlite3")).unwrap();
        let n = conn
            .execute(
                "UPDATE source_chunks SET bytes = zeroblob(length(bytes)) WHERE n = 2",
                [],
            )
            .unwrap();
        assert_eq!(n, 1, "one chunk of one chunked source");
    }
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("(big.jsonl): its"),
        "{}",
        stdout(&out)
    );
    let out = import(d, &[&big]);
    assert!(
        stderr(&out).contains("healed: big.jsonl: the stored bytes of this file were damaged"),
        "{}",
        stderr(&out)
    );
    assert!(ok(fonds(d, &["verify"])).contains("ok: every source file"));
}

#[test]
fn one_writer_at_a_time_the_next_waits_or_refuses_and_readers_go_on() {
    let data = sample_archive();
    let d = data.path();
    let src = tempfile::tempdir().unwrap();
    let page = src.path().join("note.jsonl");
    std::fs::write(&page, r#"{"id":"note-1","title":"A note"}"#).unwrap();
    let holder =
        fonds::archive::WriterLock::acquire(d, "a test holding the lock", false, |_| {}).unwrap();
    // --no-wait: refused at once, naming who writes.
    let out = fonds(d, &["import", "--no-wait", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "a test holding the lock (pid {}), running for",
            std::process::id()
        )) && stderr(&out).contains("is writing to this archive"),
        "{}",
        stderr(&out)
    );
    // Readers do not wait for writers.
    assert!(search_ids(d, &["Nicaragua"]).0 > 0);
    // A writer waits, says for whom, and goes on when the lock is let go.
    let waiting = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(d)
        .args(["import", page.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(holder);
    let out = waiting.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: waiting for a test holding the lock"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("1 new"), "{}", stdout(&out));
}

#[test]
fn concurrent_first_imports_into_a_new_folder_both_succeed() {
    for _ in 0..3 {
        let data = tempfile::tempdir().unwrap();
        let d = data.path().join("new");
        let spawn = |rel: &str| {
            Command::new(env!("CARGO_BIN_EXE_fonds"))
                .arg("--data")
                .arg(&d)
                .args(["import", corpus(rel).to_str().unwrap()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("wcda-pages"), spawn("wcda-csv"));
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            assert!(!stderr(&out).contains("locked"), "{}", stderr(&out));
        }
        let stats = json(fonds(&d, &["stats", "--json"]));
        assert_eq!(stats["store"]["records"], 13, "{stats}");
        assert!(ok(fonds(&d, &["check"])).contains("ok: store and index agree"));
    }
}

#[test]
fn an_unreadable_subfolder_fails_alone_and_the_rest_imports() {
    // Permissions bind everyone but root: as root, the import runs as `nobody` (setpriv, in
    // util-linux), which must then own the data folder.
    let top = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let src = top.path().join("in");
    std::fs::create_dir_all(src.join("locked")).unwrap();
    std::fs::create_dir_all(src.join("open")).unwrap();
    std::fs::copy(
        corpus("wcda-json/transcript.json"),
        src.join("open/transcript.json"),
    )
    .unwrap();
    std::fs::write(src.join("locked/note.jsonl"), r#"{"id":"n-1","title":"N"}"#).unwrap();
    for dir in [&src, &src.join("open")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(src.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let data = top.path().join("data");
    let out = fonds_as_reader(&data, &["import", src.to_str().unwrap()]);
    std::fs::set_permissions(src.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("locked: the folder cannot be read (Permission denied"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("2 files (1 failed), 1 records: 1 new"),
        "{}",
        stdout(&out)
    );
}

/// Whether this process runs as root (whom permissions do not bind).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    })
}

/// `fonds --data DATA ARGS…` as a user who cannot write to DATA: `nobody` when this runs as root.
fn fonds_as_reader(data: &Path, args: &[&str]) -> Output {
    let mut command = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(env!("CARGO_BIN_EXE_fonds"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_fonds"))
    };
    command
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("FONDS_DATA")
        .output()
        .expect("setpriv (util-linux) runs fonds as another user")
}

#[test]
fn a_data_folder_this_process_cannot_write_to_is_still_read_searched_and_verified() {
    use std::os::unix::fs::PermissionsExt;
    let top = tempfile::tempdir().unwrap();
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = top.path().join("data");
    ok(import(&data, &[&corpus("frus"), &corpus("wcda-pages")]));
    // Read-only to its owner too, so that the test binds a non-root user as well.
    let read_only = |dir: &Path| {
        for entry in std::fs::read_dir(dir.join("index")).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o555)).unwrap();
            }
        }
        for d in [dir.join("index"), dir.to_path_buf()] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
    };
    read_only(&data);
    let check = |what: &str| {
        for args in [
            &["search", "Nicaragua", "--limit", "1"][..],
            &["verify"],
            &["check"],
            &["stats"],
            &["show", "wcda-134278"],
        ] {
            let out = fonds_as_reader(&data, args);
            assert!(
                out.status.success(),
                "{what}: fonds {args:?} failed: {}\n{}",
                stdout(&out),
                stderr(&out)
            );
        }
        let out = fonds_as_reader(&data, &["search", "Nicaragua", "--json"]);
        let total = serde_json::from_str::<Value>(&stdout(&out)).unwrap()["total"].clone();
        assert!(total.as_u64().unwrap() > 100, "{what}: {total}");
    };
    check("with the WAL and its index");
    // A copy without `-wal` and `-shm`: SQLite cannot make them in a read-only folder.
    for d in [&data, &data.join("index")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for name in ["fonds.sqlite3-wal", "fonds.sqlite3-shm", "fonds.lock"] {
        let _ = std::fs::remove_file(data.join(name));
    }
    read_only(&data);
    check("without the WAL");
    // An empty WAL without its -shm is read as well; one with commits in it is explained.
    for d in [&data, &data.join("index")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(data.join("fonds.sqlite3-wal"), b"").unwrap();
    read_only(&data);
    check("with an empty WAL and no -shm");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("fonds.sqlite3-wal"), b"not empty").unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = fonds_as_reader(&data, &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has a WAL (fonds.sqlite3-wal) but no fonds.sqlite3-shm"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_file(data.join("fonds.sqlite3-wal")).unwrap();
    // A writer is told why it cannot write.
    let out = fonds_as_reader(&data, &["import", corpus("wcda-csv").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("cannot be opened for writing: this process cannot write to the data folder"),
        "{}",
        stderr(&out)
    );
    for d in [&data, &data.join("index")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn verify_reads_the_index_files_and_the_catalogue_and_a_search_rebuilds_a_damaged_index() {
    let data = sample_archive();
    let d = data.path();
    // Damage every stored-fields file of the live index in the middle.
    let current = std::fs::read_to_string(d.join("index/CURRENT")).unwrap();
    let live = d.join("index").join(current.trim());
    let mut damaged = 0;
    for entry in std::fs::read_dir(&live).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "store") {
            let mut bytes = std::fs::read(&p).unwrap();
            let at = bytes.len() / 2;
            for b in &mut bytes[at..at + 64] {
                *b ^= 0xff;
            }
            std::fs::write(&p, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0);
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("DAMAGED index file "), "{text}");
    assert!(
        text.contains(
            "the store is intact (every source file, record and database page); the index is not"
        ),
        "{text}"
    );
    // A search that reads every stored document trips on the damage, and rebuilds.
    let out = fonds(d, &["search", "*", "--limit", "200", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: the index was rebuilt from the store (1 of its files failed their checksum"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        ok(fonds(d, &["verify"]))
            .contains("ok: every source file, record, database page and index file is intact")
    );

    // The catalogue against the records; a source missing; a record deleted outside Fonds.
    let page = corpus("wcda-pages/000_2d287dbd93c7e576.txt");
    let page_sha = fonds::ingest::sha256_hex(&std::fs::read(&page).unwrap());
    {
        let conn = rusqlite::Connection::open(d.join("fonds.sqlite3")).unwrap();
        conn.execute_batch(&format!(
            "UPDATE catalogue SET title = 'FORGED' WHERE id = 'wcda-134278';
             DELETE FROM catalogue WHERE id = 'frus1894Nicaragua-d3';
             DELETE FROM records WHERE id = 'frus1894Nicaragua-d4';
             PRAGMA foreign_keys = OFF;
             DELETE FROM sources WHERE sha256 = '{page_sha}';"
        ))
        .unwrap();
    }
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for expected in [
        "DAMAGED catalogue entry wcda-134278: it differs from its record in: title".to_string(),
        "DAMAGED catalogue entry frus1894Nicaragua-d3: missing (the record is kept)".into(),
        "DAMAGED catalogue entry frus1894Nicaragua-d4: its record is missing: it was deleted outside Fonds".into(),
        format!("DAMAGED source {page_sha} (wcda-pages/000_2d287dbd93c7e576.txt): missing: the store no longer holds the bytes that 1 record was imported from (wcda-134278)"),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }
    // Re-importing the files restores the bytes and the record (indexed once, though the
    // index still held it); reindex rewrites the catalogue.
    ok(import(d, &[&page, &corpus("frus/frus1894Nicaragua.xml")]));
    let text = ok(fonds(d, &["check"]));
    assert!(text.contains("ok: store and index agree"), "{text}");
    ok(fonds(d, &["reindex"]));
    let text = ok(fonds(d, &["verify"]));
    assert!(text.contains("ok: every source file"), "{text}");
    assert!(ok(fonds(d, &["show", "frus1894Nicaragua-d4"])).contains("frus1894Nicaragua-d4"));
}

#[test]
fn a_damaged_store_is_named_as_such_and_a_damaged_record_stops_an_export() {
    let data = sample_archive();
    let d = data.path();
    let db = d.join("fonds.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("UPDATE records SET json = '{' WHERE id = 'wcda-134278'", [])
            .unwrap();
    }
    let out_file = d.join("export.jsonl");
    let out = fonds(d, &["export", "--out", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("record `wcda-134278` is corrupt: its stored JSON does not read back"),
        "{}",
        stderr(&out)
    );
    assert!(!out_file.exists(), "a failed export leaves no file");

    // A damaged schema page: every command says the database is damaged.
    let mut bytes = std::fs::read(&db).unwrap();
    for b in &mut bytes[100..116] {
        *b ^= 0xff;
    }
    std::fs::write(&db, bytes).unwrap();
    for args in [
        &["verify"][..],
        &["search", "x"],
        &["import", "/nonexistent"],
    ] {
        let out = fonds(d, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("DAMAGED database")
                && stderr(&out).contains("restore fonds.sqlite3 from a backup"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn export_out_follows_a_link_and_writes_into_a_fifo_without_replacing_it() {
    let data = sample_archive();
    let d = data.path();
    let expected = ok(fonds(d, &["export"]));
    // A symbolic link: the file it names gets the export; the link stays a link.
    let target = d.join("target.jsonl");
    std::fs::write(&target, "old").unwrap();
    let link = d.join("link.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ok(fonds(d, &["export", "--out", link.to_str().unwrap()]));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), expected);
    // A FIFO: written into, still a FIFO afterwards.
    let fifo = d.join("pipe.jsonl");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    ok(fonds(d, &["export", "--out", fifo.to_str().unwrap()]));
    assert_eq!(reader.join().unwrap(), expected);
    // Standard output, however named and wherever it goes: appended to, never replaced.
    let log = d.join("log.txt");
    std::fs::write(&log, "kept\n").unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg("\"$0\" --data \"$1\" export --out /dev/stdout >> \"$2\"")
        .arg(env!("CARGO_BIN_EXE_fonds"))
        .arg(d)
        .arg(&log)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("kept\n{expected}")
    );
    // Refused, changing nothing: the archive's own files, a link to nothing, a folder.
    let store = d.join("fonds.sqlite3");
    let before = std::fs::read(&store).unwrap();
    std::os::unix::fs::symlink(&store, d.join("innocent.jsonl")).unwrap();
    for (out, why) in [
        (store.clone(), "one of the archive's own files"),
        (d.join("innocent.jsonl"), "one of the archive's own files"),
        (
            d.join("nowhere.jsonl"),
            "a symbolic link that leads nowhere",
        ),
        (d.join("index"), "a folder, not a file to write"),
    ] {
        if out.ends_with("nowhere.jsonl") {
            std::os::unix::fs::symlink(d.join("no/such.jsonl"), &out).unwrap();
        }
        let o = fonds(d, &["export", "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{out:?}");
        assert!(stderr(&o).contains(why), "{out:?}: {}", stderr(&o));
    }
    assert_eq!(std::fs::read(&store).unwrap(), before);
    // A private file stays private.
    use std::os::unix::fs::PermissionsExt;
    let private = d.join("private.jsonl");
    std::fs::write(&private, "").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    ok(fonds(d, &["export", "--out", private.to_str().unwrap()]));
    assert_eq!(
        std::fs::metadata(&private).unwrap().permissions().mode() & 0o777,
        0o600
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

#[test]
fn a_query_may_start_with_a_minus_and_a_folder_holding_a_data_folder_imports_without_it() {
    let data = sample_archive();
    let d = data.path();
    let (all, _) = search_ids(d, &["--", "*"]);
    let (with, _) = search_ids(d, &["Nicaragua"]);
    let out = ok(fonds(d, &["search", "-Nicaragua", "--limit", "1"]));
    assert!(
        out.contains(&format!("{} documents match", all - with)),
        "{out}"
    );
    let out = ok(fonds(d, &["search", "Nicaragua", "--limit", "0"]));
    assert!(
        out.contains(&format!("{with} documents match; none shown (--limit 0")),
        "{out}"
    );
    // A folder with the sources and, inside it, the data folder.
    let top = tempfile::tempdir().unwrap();
    copy_dir(&corpus("wcda-json"), &top.path().join("wcda-json"));
    let inner = top.path().join("fonds-data");
    ok(import(&inner, &[&corpus("wcda-csv")]));
    let out = ok(import(&inner, &[top.path()]));
    assert!(out.contains("(0 failed)"), "{out}");
    // Sources kept in the data folder itself are imported (its index is not).
    let both = tempfile::tempdir().unwrap();
    copy_dir(&corpus("wcda-pages"), both.path());
    ok(import(both.path(), &[&corpus("wcda-csv")]));
    let out = ok(import(both.path(), &[both.path()]));
    assert!(out.contains("2 files (0 failed)"), "{out}");
}

#[test]
fn verify_finds_lost_records_and_bookkeeping_and_reindex_names_what_it_forgets() {
    let data = sample_archive();
    let d = data.path();
    let db = d.join("fonds.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DELETE FROM records WHERE id = 'frus1894Nicaragua-d3';
             DELETE FROM catalogue WHERE id = 'frus1894Nicaragua-d3';
             UPDATE records SET rev = 3 WHERE id = 'wcda-134278';
             UPDATE chronology SET records = 99;",
        )
        .unwrap();
    }
    let out = fonds(d, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    for expected in [
        "MISSING record frus1894Nicaragua-d3: the index holds it but the store does not",
        "DAMAGED record wcda-134278: its history is incomplete: it is at revision 3, with 0 earlier revisions kept",
        "DAMAGED catalogue chronology: ",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Reindex says what it is about to forget.
    let out = fonds(d, &["reindex"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("held 1 record that the store does not (frus1894Nicaragua-d3); Fonds never deletes a record"),
        "{}",
        stderr(&out)
    );
    // A change sequence rewound outside Fonds is found, and an import still works: it
    // continues after the records.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'seq'", [])
            .unwrap();
    }
    let text = stdout(&fonds(d, &["verify"]));
    assert!(
        text.contains("DAMAGED store metadata: the change sequence is at 1, behind the records'"),
        "{text}"
    );
    let note = root().join("tests/malformed/valid/jsonl-crlf-ok.jsonl");
    ok(import(d, &[&note]));
    // An emptied store is damage, not a new archive: nothing is rebuilt over the index.
    std::fs::write(&db, b"").unwrap();
    for args in [&["stats"][..], &["import", note.to_str().unwrap()]] {
        let out = fonds(d, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("DAMAGED database") && stderr(&out).contains("the file is empty"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
}
