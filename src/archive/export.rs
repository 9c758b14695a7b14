//! Exports: every record in Fonds' JSON Lines format, sorted by id, and with `with_sources` the
//! source files the records were first read from, carried before them (see `ingest::jsonl`).

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine;

use super::Archive;
use crate::error::{Error, Result};
use crate::ingest::jsonl::SOURCE_KEY;

/// The largest source file an export carries: the largest that its JSON Lines reader takes
/// back in one line (base64 makes 4 bytes of 3).
pub const CARRY_LIMIT: u64 = 190 << 20;

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportCounts {
    /// Records written.
    pub records: u64,
    /// Source files carried.
    pub sources: u64,
    /// Sources the records were first read from that the store does not hold (their claims
    /// came from JSON Lines without them), so could not be carried: SHA-256 and file name.
    pub not_held: Vec<(String, String)>,
}

impl Archive {
    /// Writes every record as one JSON line, in id order; returns how many.
    pub fn export_jsonl(&self, out: &mut dyn Write) -> Result<u64> {
        Ok(self.export_jsonl_with(out, false)?.records)
    }

    /// Writes every record as one JSON line, in id order; with `with_sources`, first the bytes
    /// of every source file the records were first read from (their `derived_from`, else their
    /// own source), one line each, in SHA-256 order. The same store always gives the same bytes.
    /// Every record is read back and checked against its content hash on the way: a damaged
    /// one fails the export, by id.
    pub fn export_jsonl_with(
        &self,
        out: &mut dyn Write,
        with_sources: bool,
    ) -> Result<ExportCounts> {
        let io = |source| Error::Io {
            path: "export".into(),
            source,
        };
        let mut counts = ExportCounts::default();
        if with_sources {
            let mut firsts: BTreeMap<String, (String, String)> = BTreeMap::new();
            self.store.for_each_record(0, |record, _, _| {
                let p = record
                    .provenance
                    .derived_from
                    .as_deref()
                    .unwrap_or(&record.provenance);
                if !p.sha256.is_empty() {
                    firsts
                        .entry(p.sha256.clone())
                        .or_insert_with(|| (p.source_file.clone(), p.importer.clone()));
                }
                Ok(())
            })?;
            for (sha256, (path, importer)) in firsts {
                match self.store.source_size(&sha256)? {
                    None => counts.not_held.push((sha256, path)),
                    Some(size) if size > CARRY_LIMIT => {
                        return Err(Error::Io {
                            path: path.clone(),
                            source: std::io::Error::other(format!(
                                "{size} bytes: too large to carry in a JSON Lines export (the limit is {} MiB); export without --with-sources",
                                CARRY_LIMIT >> 20
                            )),
                        });
                    }
                    Some(size) => {
                        write_source(out, &sha256, &path, &importer, size, |f| {
                            self.store.for_each_source_chunk(&sha256, f).map(|_| ())
                        })
                        .map_err(|e| match e {
                            Carry::Io(e) => io(e),
                            Carry::Store(e) => e.into(),
                        })?;
                        counts.sources += 1;
                    }
                }
            }
        }
        let mut io_error = None;
        self.store.for_each_json(0, |id, json, hash, _| {
            // A record damaged in the store would make the whole export unimportable (an import
            // is all-or-nothing per file): refuse it, naming it.
            if !crate::store::json_has_hash(id, json, hash) {
                return Err(crate::store::StoreError::Corrupt {
                    id: id.to_string(),
                    message:
                        "its stored JSON does not read back into a record with its content hash; \
                              the export stopped there (to a file given by --out, nothing is \
                              written; `fonds verify` lists the damage; re-importing its source \
                              file heals it)"
                            .into(),
                });
            }
            if io_error.is_none() {
                if let Err(e) = out
                    .write_all(json.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                {
                    io_error = Some(e);
                }
                counts.records += 1;
            }
            Ok(())
        })?;
        match io_error {
            Some(e) => Err(io(e)),
            None => Ok(counts),
        }
    }
}

/// Why carrying a source failed.
enum Carry {
    Io(std::io::Error),
    Store(crate::store::StoreError),
}

/// Writes one `{"fonds_source": {…}}` line, encoding the bytes as they are read, a chunk at a
/// time (base64 in groups of three bytes, the remainder carried to the next chunk).
fn write_source(
    out: &mut dyn Write,
    sha256: &str,
    path: &str,
    importer: &str,
    size: u64,
    read: impl FnOnce(&mut dyn FnMut(&[u8])) -> std::result::Result<(), crate::store::StoreError>,
) -> std::result::Result<(), Carry> {
    let head =
        serde_json::json!({"sha256": sha256, "path": path, "importer": importer, "size": size})
            .to_string();
    let head = head.strip_suffix('}').expect("a JSON object");
    write!(out, "{{\"{SOURCE_KEY}\": {head}, \"base64\": \"").map_err(Carry::Io)?;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut rest: Vec<u8> = Vec::new();
    let mut failed = None;
    read(&mut |chunk: &[u8]| {
        if failed.is_some() {
            return;
        }
        rest.extend_from_slice(chunk);
        let whole = rest.len() - rest.len() % 3;
        if let Err(e) = out.write_all(engine.encode(&rest[..whole]).as_bytes()) {
            failed = Some(e);
        }
        rest.drain(..whole);
    })
    .map_err(Carry::Store)?;
    if let Some(e) = failed {
        return Err(Carry::Io(e));
    }
    out.write_all(engine.encode(&rest).as_bytes())
        .and_then(|()| out.write_all(b"\"}}\n"))
        .map_err(Carry::Io)
}
