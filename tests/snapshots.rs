//! Snapshots of every serialized output of the command line: the record format (`show --json`)
//! for a record of each importer, and the search JSON (scores redacted).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(rel)
}

fn fonds(data: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fonds"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("FONDS_DATA")
        .output()
        .expect("the fonds binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["import".to_string()];
    for rel in ["wcda-pages", "wcda-json", "wcda-csv", "frus"] {
        args.push(corpus(rel).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fonds(dir.path(), &args);
    dir
}

fn first_id_with_importer(data: &Path, importer: &str) -> String {
    let dump = fonds(data, &["export", "--format", "jsonl"]);
    dump.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["provenance"]["importer"] == importer)
        .unwrap_or_else(|| panic!("no record from the {importer} importer"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn record_format_of_each_importer() {
    let data = sample();
    let d = data.path();
    for id in ["wcda-134278", "wcda-113729", "frus1894Nicaragua-d1"] {
        insta::assert_snapshot!(format!("show_json_{id}"), fonds(d, &["show", "--json", id]));
    }
    let transcript = first_id_with_importer(d, "wcda-json");
    insta::assert_snapshot!(
        "show_json_wcda_json_transcript",
        fonds(d, &["show", "--json", &transcript])
    );
    let csv = first_id_with_importer(d, "csv");
    insta::assert_snapshot!(
        "show_json_first_csv_record",
        fonds(d, &["show", "--json", &csv])
    );
}

#[test]
fn search_json() {
    let data = sample();
    let d = data.path();
    for (name, args) in [
        ("search_stalin_dative", vec!["search", "--json", "Сталину"]),
        (
            "search_phrase_38th_parallel",
            vec!["search", "--json", "\"38th parallel\""],
        ),
        (
            "search_filtered_telegrams_1894",
            vec![
                "search",
                "--json",
                "Bluefields",
                "--type",
                "Telegram",
                "--from",
                "1894-01",
                "--to",
                "1894-02",
                "--limit",
                "3",
            ],
        ),
    ] {
        let v: Value = serde_json::from_str(&fonds(d, &args)).unwrap();
        insta::assert_json_snapshot!(name, v, { ".hits[].score" => "[score]" });
    }
}
