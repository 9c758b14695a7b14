//! Fixity of what the store keeps: SQLite's own integrity check, and every source's bytes and
//! every record revision read back and checked against the hashes recorded when they were kept.
//!
//! Nothing here fails on damage: damage is what is being looked for, so each check reports what
//! it found (and a part of the database that cannot even be read is reported, not raised).

use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};

use super::error::Context;
use super::{Store, StoreError, content_hash, parse_record};

/// One stored thing that is not what was kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Damage {
    /// What: `source <sha256>`, `record <id>`, `record <id> revision <n>`, `database`.
    pub what: String,
    /// The source file's name(s) as imported, or the record's source file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// What is wrong.
    pub problem: String,
}

/// What reading everything back found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreFixity {
    /// SQLite's `integrity_check`: empty when it says "ok".
    pub sqlite: Vec<String>,
    /// Source files read back.
    pub sources: u64,
    /// Their bytes.
    pub source_bytes: u64,
    /// Current records read back.
    pub records: u64,
    /// Superseded revisions read back.
    pub old_revisions: u64,
    /// Everything found damaged.
    pub damage: Vec<Damage>,
    /// Records whose provenance names source bytes the store does not hold: `(id, sha256)`.
    pub unheld_sources: Vec<(String, String)>,
    /// Records read from JSON Lines whose claimed first source (`derived_from`) is held, and
    /// so verified with the sources.
    pub claims_proven: u64,
    /// Records whose claimed first source is not held: `(id, sha256)`. Not damage: a claim
    /// that this archive cannot prove.
    pub claims_unproven: Vec<(String, String)>,
}

impl Store {
    /// Runs SQLite's `integrity_check`, re-hashes every source's bytes, and re-reads every
    /// record revision (current and old): it must parse, be the record its row says, and have
    /// the content hash recorded beside it. `on_progress` is told of each source and record
    /// read (for a progress bar).
    pub fn verify(&self, mut on_progress: impl FnMut(u64)) -> Result<StoreFixity, StoreError> {
        let conn = self.reader()?;
        let mut fixity = StoreFixity::default();
        let damaged = |what: String, file: Option<String>, problem: String| Damage {
            what,
            file,
            problem,
        };
        // SQLite's own check of every page, index and constraint.
        match integrity_messages(&conn) {
            Ok(messages) => fixity.sqlite = messages,
            Err(e) => fixity.sqlite.push(format!("the check could not run: {e}")),
        }
        let file_of = |sha256: &str| -> Option<String> {
            let mut names: Vec<String> = conn
                .prepare_cached("SELECT DISTINCT path FROM imports WHERE sha256 = ?1 ORDER BY path")
                .and_then(|mut s| {
                    s.query_map([sha256], |r| r.get(0))?
                        .collect::<Result<Vec<String>, _>>()
                })
                .unwrap_or_default();
            names.dedup();
            (!names.is_empty()).then(|| names.join(", "))
        };

        // Every source's bytes against the SHA-256 it is kept under, a chunk at a time.
        let scanned = (|| -> rusqlite::Result<()> {
            let listed: Vec<(String, i64, i64)> = conn
                .prepare("SELECT sha256, size, chunks FROM sources ORDER BY sha256")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            for (sha256, size, chunks) in listed {
                fixity.sources += 1;
                on_progress(1);
                let mut hasher = Sha256::new();
                let mut read = 0u64;
                let mut feed = |bytes: &[u8]| {
                    hasher.update(bytes);
                    read += bytes.len() as u64;
                };
                let sql = if chunks == 0 {
                    "SELECT bytes FROM sources WHERE sha256 = ?1"
                } else {
                    "SELECT bytes FROM source_chunks WHERE sha256 = ?1 ORDER BY n"
                };
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query([&sha256])?;
                let mut pieces = 0i64;
                while let Some(row) = rows.next()? {
                    feed(row.get_ref(0)?.as_blob().unwrap_or_default());
                    pieces += 1;
                }
                fixity.source_bytes += read;
                let computed = hex(&hasher.finalize());
                let problem = if chunks > 0 && pieces != chunks {
                    Some(format!("{pieces} of its {chunks} chunks are kept"))
                } else if chunks < 0 {
                    Some("its chunks were never counted: its import was cut off".to_string())
                } else if computed != sha256 {
                    Some(format!(
                        "its {read} bytes no longer hash to the SHA-256 they were kept under (they hash to {computed}); re-import the original file to restore them"
                    ))
                } else if size != read as i64 {
                    Some(format!("{read} bytes are kept but {size} were recorded"))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    fixity.damage.push(damaged(
                        format!("source {sha256}"),
                        file_of(&sha256),
                        problem,
                    ));
                }
            }
            Ok(())
        })();
        if let Err(e) = scanned {
            fixity.damage.push(damaged(
                "sources".into(),
                None,
                format!("the table of source files cannot be read to the end: {e}"),
            ));
        }

        // Every revision, current and old.
        // Catalogue entries that disagree with their intact records, told after the records.
        let mut catalogue_damage = Vec::new();
        // The file each source missing from the store was imported as (its first record's).
        let mut unheld_files: std::collections::HashMap<String, String> = Default::default();
        for (table, current, seq) in [("records", true, "seq"), ("revisions", false, "0")] {
            let scanned = (|| -> rusqlite::Result<()> {
                let mut stmt = conn.prepare(&format!(
                    "SELECT id, rev, hash, json, {seq} FROM {table} ORDER BY id, rev"
                ))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let id: String = row.get(0)?;
                    let rev: i64 = row.get(1)?;
                    let hash: String = row.get(2)?;
                    let json = row.get_ref(3)?.as_str().map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            3,
                            rusqlite::types::Type::Text,
                            Box::new(e),
                        )
                    });
                    on_progress(1);
                    if current {
                        fixity.records += 1;
                    } else {
                        fixity.old_revisions += 1;
                    }
                    let what = if current {
                        format!("record {id}")
                    } else {
                        format!("record {id} revision {rev}")
                    };
                    let problem = match json {
                        Err(e) => Some((None, format!("its JSON cannot be read: {e}"))),
                        Ok(json) => match parse_record(&id, json) {
                            Err(e) => Some((None, format!("its JSON is no longer a record: {e}"))),
                            Ok(record) => {
                                let file = Some(record.provenance.source_file.clone())
                                    .filter(|f| !f.is_empty());
                                let computed = content_hash(&record);
                                if record.id != id {
                                    Some((
                                        file,
                                        format!("its JSON is of another record, `{}`", record.id),
                                    ))
                                } else if computed != hash {
                                    Some((
                                        file,
                                        format!(
                                            "its content no longer has the hash recorded for it ({hash}; it hashes to {computed}): it was damaged or edited outside Fonds"
                                        ),
                                    ))
                                } else {
                                    if current {
                                        let seq: i64 = row.get(4)?;
                                        if let Some(problem) =
                                            Store::entry_disagreement(&conn, &record, seq)?
                                        {
                                            catalogue_damage.push(damaged(
                                                format!("catalogue entry {id}"),
                                                None,
                                                problem,
                                            ));
                                        }
                                        let p = &record.provenance;
                                        if !p.sha256.is_empty()
                                            && !self.holds_source(&conn, &p.sha256)?
                                        {
                                            fixity
                                                .unheld_sources
                                                .push((id.clone(), p.sha256.clone()));
                                            if !p.source_file.is_empty() {
                                                unheld_files
                                                    .entry(p.sha256.clone())
                                                    .or_insert_with(|| p.source_file.clone());
                                            }
                                        }
                                        if let Some(first) = p.derived_from.as_deref()
                                            && !first.sha256.is_empty()
                                        {
                                            if self.holds_source(&conn, &first.sha256)? {
                                                fixity.claims_proven += 1;
                                            } else {
                                                fixity
                                                    .claims_unproven
                                                    .push((id.clone(), first.sha256.clone()));
                                            }
                                        }
                                    }
                                    None
                                }
                            }
                        },
                    };
                    if let Some((file, problem)) = problem {
                        fixity.damage.push(damaged(what, file, problem));
                    }
                }
                Ok(())
            })();
            if let Err(e) = scanned {
                fixity.damage.push(damaged(
                    table.into(),
                    None,
                    format!("the table `{table}` cannot be read to the end: {e}"),
                ));
            }
        }
        // The store's own bookkeeping: its id, a change sequence not behind its records, every
        // record's history complete, and every reference held (`foreign_key_check`).
        let bookkeeping = (|| -> rusqlite::Result<Vec<(String, String)>> {
            let mut found = Vec::new();
            let meta = |key: &str| -> rusqlite::Result<Option<String>> {
                conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()
            };
            if meta("store_id")?.is_none_or(|v| v.is_empty()) {
                found.push(("store metadata".into(), "the store's id is missing".into()));
            }
            let seq: u64 = meta("seq")?.and_then(|v| v.parse().ok()).unwrap_or(0);
            let highest: i64 =
                conn.query_row("SELECT coalesce(max(seq), 0) FROM records", [], |r| {
                    r.get(0)
                })?;
            if (highest.max(0) as u64) > seq {
                found.push((
                    "store metadata".into(),
                    format!("the change sequence is at {seq}, behind the records' {highest}"),
                ));
            }
            let mut stmt = conn.prepare(
                "SELECT r.id, r.rev, (SELECT count(*) FROM revisions v WHERE v.id = r.id),
                    (SELECT coalesce(max(v.rev), 0) FROM revisions v WHERE v.id = r.id)
                 FROM records r
                 WHERE r.rev - 1 != (SELECT count(*) FROM revisions v WHERE v.id = r.id)
                    OR r.rev <= (SELECT coalesce(max(v.rev), 0) FROM revisions v WHERE v.id = r.id)
                 ORDER BY r.id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            for row in rows {
                let (id, rev, kept, last) = row?;
                found.push((
                    format!("record {id}"),
                    format!(
                        "its history is incomplete: it is at revision {rev}, with {kept} earlier revisions kept (the last numbered {last}); revisions were deleted or renumbered outside Fonds"
                    ),
                ));
            }
            let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut broken: std::collections::BTreeMap<(String, String), u64> = Default::default();
            for row in rows {
                let (table, _, parent) = row?;
                *broken.entry((table, parent)).or_default() += 1;
            }
            for ((table, parent), n) in broken {
                found.push((
                    format!("table {table}"),
                    format!("{n} of its rows refer to rows of `{parent}` that are missing (deleted outside Fonds)"),
                ));
            }
            Ok(found)
        })();
        match bookkeeping {
            Ok(found) => {
                for (what, problem) in found {
                    fixity.damage.push(damaged(what, None, problem));
                }
            }
            Err(e) => fixity.damage.push(damaged(
                "store metadata".into(),
                None,
                format!("the store's bookkeeping cannot be read: {e}"),
            )),
        }
        // Records deleted outside Fonds: older revisions kept, no current one.
        let orphaned = conn
            .prepare(
                "SELECT id, count(*) FROM revisions WHERE id NOT IN (SELECT id FROM records)
                 GROUP BY id ORDER BY id",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()
            });
        match orphaned {
            Ok(ids) => {
                for (id, revisions) in ids {
                    fixity.damage.push(damaged(
                        format!("record {id}"),
                        None,
                        format!(
                            "its current revision is missing ({revisions} older kept): it was deleted outside Fonds; re-import its source file to restore it"
                        ),
                    ));
                }
            }
            Err(e) => fixity.damage.push(damaged(
                "revisions".into(),
                None,
                format!("the table `revisions` cannot be read: {e}"),
            )),
        }
        // Source bytes that records were imported from, missing from the store.
        let mut unheld: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (id, sha256) in &fixity.unheld_sources {
            unheld.entry(sha256).or_default().push(id);
        }
        let missing: Vec<Damage> = unheld
            .into_iter()
            .map(|(sha256, ids)| {
                let file = unheld_files.get(sha256).cloned();
                let shown: Vec<&str> = ids.iter().take(5).copied().collect();
                damaged(
                    format!("source {sha256}"),
                    file,
                    format!(
                        "missing: the store no longer holds the bytes that {} {} imported from ({}{}); re-import the file to restore them",
                        ids.len(),
                        if ids.len() == 1 { "record was" } else { "records were" },
                        shown.join(", "),
                        if ids.len() > 5 { ", …" } else { "" }
                    ),
                )
            })
            .collect();
        fixity.damage.extend(missing);
        // The catalogue against the records it is derived from.
        fixity.damage.extend(catalogue_damage);
        match Store::catalogue_leftovers(&conn) {
            Ok(found) => {
                for (what, problem) in found {
                    fixity.damage.push(damaged(what, None, problem));
                }
            }
            Err(e) => fixity.damage.push(damaged(
                "catalogue".into(),
                None,
                format!("the catalogue cannot be compared with the records: {e}"),
            )),
        }
        Ok(fixity)
    }

    /// Whether the store holds the bytes of the source with this SHA-256.
    fn holds_source(&self, conn: &rusqlite::Connection, sha256: &str) -> rusqlite::Result<bool> {
        Ok(conn
            .prepare_cached("SELECT 1 FROM sources WHERE sha256 = ?1")?
            .query_row([sha256], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// SQLite's `integrity_check` alone: an empty list when it says "ok".
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        integrity_messages(&*self.reader()?).context("running SQLite's integrity check")
    }
}

fn integrity_messages(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let messages = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(messages.into_iter().filter(|m| m != "ok").collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;
    use crate::store::SourceFile;

    #[test]
    fn damage_to_sources_and_records_is_found_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let record = |id: &str, title: &str| Record {
            id: id.into(),
            title: title.into(),
            ..Record::default()
        };
        let bytes = b"the source";
        let sha = crate::ingest::sha256_hex(bytes);
        store
            .commit_file(
                SourceFile {
                    path: "in.jsonl",
                    bytes,
                    sha256: &sha,
                    importer: "jsonl",
                },
                &[record("a", "One"), record("b", "Two"), record("c", "Three")],
            )
            .unwrap();
        let clean = store.verify(|_| {}).unwrap();
        assert_eq!((clean.sources, clean.records), (1, 3));
        assert!(
            clean.damage.is_empty() && clean.sqlite.is_empty(),
            "{clean:?}"
        );

        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "UPDATE sources SET bytes = CAST('the sourcE' AS BLOB);
             UPDATE records SET json = replace(json, 'One', 'Onf') WHERE id = 'a';
             UPDATE records SET json = '{\"id\": \"b\", \"title\": ' WHERE id = 'b';
             UPDATE records SET json = replace(json, '\"c\"', '\"d\"') WHERE id = 'c';",
        )
        .unwrap();
        let found = store.verify(|_| {}).unwrap();
        let what: Vec<&str> = found.damage.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(
            what,
            [
                format!("source {sha}").as_str(),
                "record a",
                "record b",
                "record c"
            ]
        );
        assert_eq!(found.damage[0].file.as_deref(), Some("in.jsonl"));
        assert!(found.damage[1].problem.contains("no longer has the hash"));
        assert!(found.damage[2].problem.contains("no longer a record"));
        assert!(found.damage[3].problem.contains("another record, `d`"));
    }
}
