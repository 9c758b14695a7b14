//! The catalogue tables: collections, chronological order, archival files and dates, kept in
//! step with the records inside each import's transaction, and the lookups that read them.
//!
//! What a record contributes (its [`Entry`]) is derived from the record alone. When a file is
//! committed, every new or changed record's entry replaces its old one in the same
//! transaction: its `catalogue` row (narrow, apart from the JSON), the `chronology` counts, its
//! `file_records` rows, and the count and dates of each collection it left or joined, which is
//! marked out of order from the first place that moved (`collections.dirty_from`). At the end
//! of an import [`Store::settle_catalogue`] renumbers each such collection once from there
//! (rows before keep their `pos`; only positions that changed are written), so a collection
//! imported file by file costs one renumbering, not one per file.
//!
//! Every read is a search in an index: a record's neighbours are the next sort keys down and
//! up in its collection, its position is its `pos`, a page of a collection starts at
//! `pos > offset`. While a collection awaits renumbering (during an import), positions and
//! pages of its changed part are counted instead, exact but in time linear in the position.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

use super::Store;
use super::error::{Context, StoreError};
use crate::model::{PartialDate, Record, TextRole};

/// A record in a list or a link: enough to show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// The record id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date, of its precision.
    pub date: Option<PartialDate>,
    /// Its type (Telegram, Letter…).
    #[serde(rename = "type")]
    pub doc_type: Option<String>,
}

/// A collection and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// Its name (the source's collection title, or the source's name).
    pub name: String,
    /// How many records it holds.
    pub records: usize,
    /// The earliest date of its records (of its first dated record in chronological order).
    pub first_date: Option<PartialDate>,
    /// The latest date of its records (of its last dated record in chronological order).
    pub last_date: Option<PartialDate>,
}

/// A record's place in its collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Neighbours {
    /// The collection, if the record is in one (then the fields below are set; without one,
    /// `position` and `count` are 0).
    pub collection: Option<String>,
    /// The record's position in it, from 1.
    pub position: usize,
    /// How many records the collection holds.
    pub count: usize,
    /// The record before it.
    pub previous: Option<RecordSummary>,
    /// The record after it.
    pub next: Option<RecordSummary>,
}

/// An archival file (archive, fond, opis, delo) and how many records it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivalFile {
    /// The file's key, as [`ArchivalRef::file_key`](crate::model::ArchivalRef::file_key)
    /// writes it: `RGASPI f. 558, op. 11, d. 334`.
    pub key: String,
    /// The archive (`RGASPI`).
    pub archive: String,
    /// Fond, opis and delo where given.
    pub fond: Option<String>,
    /// See `fond`.
    pub opis: Option<String>,
    /// See `fond`.
    pub delo: Option<String>,
    /// How many records it holds.
    pub records: usize,
}

/// How many records fall in one year, and in each of its months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// Records dated in it (any precision).
    pub count: usize,
    /// `months[0]`: dated to the year only; `months[m]`: dated in month `m` (1-12).
    pub months: [usize; 13],
}

/// Records' types and collections, by id.
pub type TypesAndCollections = HashMap<String, (Option<String>, Option<String>)>;

/// The archival files a record is in, each with other records of it.
pub type SameFile = Vec<(ArchivalFile, Vec<RecordSummary>)>;

/// What one record contributes to the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub date: Option<String>,
    pub collection: Option<String>,
    pub sort_key: String,
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub bilingual: bool,
    /// `(key, archive, fond, opis, delo)` of each archival file, once each.
    pub files: Vec<FileParts>,
}

/// An archival file's key and parts.
pub(super) type FileParts = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Entry {
    /// The catalogue entry of a record.
    pub(super) fn of(record: &Record) -> Entry {
        let collection = record.collection().map(str::to_string);
        let mut files: Vec<FileParts> = Vec::new();
        for r in &record.archival_refs {
            if let (Some(key), Some(archive)) = (r.file_key(), &r.archive)
                && !files.iter().any(|f| f.0 == key)
            {
                files.push((
                    key,
                    archive.clone(),
                    r.fond.clone(),
                    r.opis.clone(),
                    r.delo.clone(),
                ));
            }
        }
        Entry {
            date: record.date.map(|d| d.to_string()),
            collection,
            sort_key: sort_key(record.date.as_ref(), &record.id),
            year: record.date.map(|d| d.year),
            month: record.date.and_then(|d| d.month),
            bilingual: record.text(TextRole::Transcript).is_some()
                && record.text(TextRole::Translation).is_some(),
            files,
        }
    }
}

/// The key that puts records in chronological order by byte comparison: the date's first day
/// (`yyyymmdd`), undated records after every date (`~`), then the id with its digit runs
/// compared as numbers ([`natural_key`]), then the id itself so that keys are unique.
pub(super) fn sort_key(date: Option<&PartialDate>, id: &str) -> String {
    let mut key = match date {
        Some(d) => format!("{:08} ", d.start_key()),
        None => "~ ".to_string(),
    };
    natural_key(id, &mut key);
    key.push(' ');
    key.push_str(id);
    key
}

/// Appends `s` to `out` so that byte order compares runs of ASCII digits as numbers: each run
/// loses its leading zeros and is preceded by its length in two digits (`d9` → `d019`,
/// `d10` → `d0210`). Digits stay digits, so the order against other characters is unchanged.
pub(super) fn natural_key(s: &str, out: &mut String) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < s.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let digits = s[start..i].trim_start_matches('0');
            out.push_str(&format!("{:02}", digits.len().min(99)));
            out.push_str(digits);
        } else {
            let c = s[i..].chars().next().expect("inside the string");
            out.push(c);
            i += c.len_utf8();
        }
    }
}

/// The order of archival files: archive, fond, opis, delo, each a [`natural_key`], separated
/// by a tab (below every character of a part, so a shorter part sorts first).
fn file_order_key(parts: &FileParts) -> String {
    let mut key = String::new();
    for (i, part) in [
        Some(&parts.1),
        parts.2.as_ref(),
        parts.3.as_ref(),
        parts.4.as_ref(),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            key.push('\t');
        }
        natural_key(part.map_or("", |p| p.as_str()), &mut key);
    }
    key
}

/// A record's catalogue columns as stored before a change.
pub(super) struct OldEntry {
    pub collection: Option<String>,
    /// `None` only if the entry is missing (then there is nothing to take out).
    pub sort_key: Option<String>,
    pub year: Option<i32>,
    pub month: Option<u8>,
}

/// The catalogue changes of one import, applied at the end of its transaction.
#[derive(Default)]
pub(super) struct Maintenance {
    /// Collections changed: the smallest sort key from which positions moved (none if only
    /// a record's summary changed) and how many records they gained (or lost).
    collections: BTreeMap<String, (Option<String>, i64)>,
    /// Archival files that gained or lost records, and how many more they hold.
    files: BTreeMap<String, i64>,
}

impl Maintenance {
    /// Replaces `record`'s catalogue entry (`old`, if it had one) by `new`, written at change
    /// `seq`: its catalogue row, its chronology counts and its file rows. Positions are set
    /// by [`Maintenance::finish`].
    pub(super) fn replace(
        &mut self,
        tx: &Transaction<'_>,
        record: &Record,
        seq: u64,
        old: Option<&OldEntry>,
        new: &Entry,
    ) -> Result<(), StoreError> {
        let id = record.id.as_str();
        let ctx = |what: &str| format!("{what} of `{id}` in the catalogue");
        tx.prepare_cached(UPSERT)
            .context("preparing the catalogue")?
            .execute(params![
                id,
                seq as i64,
                record.title,
                new.date,
                record.doc_type,
                new.collection,
                new.sort_key,
                new.year,
                new.month,
                new.bilingual
            ])
            .context(&ctx("writing the entry"))?;
        let stays = old.is_some_and(|o| {
            o.collection == new.collection && o.sort_key.as_deref() == Some(&new.sort_key)
        });
        if stays {
            if let Some(c) = &new.collection {
                self.touch_collection(c, None, 0);
            }
        } else {
            if let Some(OldEntry {
                collection: Some(c),
                sort_key: Some(key),
                ..
            }) = old
            {
                self.touch_collection(c, Some(key), -1);
            }
            if let Some(c) = &new.collection {
                self.touch_collection(c, Some(&new.sort_key), 1);
            }
        }
        if let Some(old) = old {
            if let Some(year) = old.year {
                tx.prepare_cached(
                    "UPDATE chronology SET records = records - 1 WHERE year = ?1 AND month = ?2",
                )
                .context("preparing chronology")?
                .execute(params![year, old.month.unwrap_or(0)])
                .context(&ctx("uncounting the old date"))?;
            }
            let mut old_files = tx
                .prepare_cached("DELETE FROM file_records WHERE id = ?1 RETURNING file_key")
                .context("preparing file rows")?;
            let keys = old_files
                .query_map([id], |r| r.get::<_, String>(0))
                .context(&ctx("removing the archival files"))?;
            for key in keys {
                *self
                    .files
                    .entry(key.context(&ctx("removing the archival files"))?)
                    .or_default() -= 1;
            }
        }
        if let Some(year) = new.year {
            tx.prepare_cached(
                "INSERT INTO chronology (year, month, records) VALUES (?1, ?2, 1)
                 ON CONFLICT (year, month) DO UPDATE SET records = records + 1",
            )
            .context("preparing chronology")?
            .execute(params![year, new.month.unwrap_or(0)])
            .context(&ctx("counting the date"))?;
        }
        for parts in &new.files {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO file_records (file_key, sort_key, id) VALUES (?1, ?2, ?3)",
            )
            .context("preparing file rows")?
            .execute(params![parts.0, new.sort_key, id])
            .context(&ctx("adding the archival files"))?;
            tx.prepare_cached(
                "INSERT INTO files (key, archive, fond, opis, delo, order_key, records)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0) ON CONFLICT (key) DO NOTHING",
            )
            .context("preparing files")?
            .execute(params![
                parts.0,
                parts.1,
                parts.2,
                parts.3,
                parts.4,
                file_order_key(parts)
            ])
            .context(&ctx("adding the archival files"))?;
            *self.files.entry(parts.0.clone()).or_default() += 1;
        }
        Ok(())
    }

    fn touch_collection(&mut self, name: &str, moved: Option<&str>, delta: i64) {
        let entry = self.collections.entry(name.to_string()).or_default();
        entry.1 += delta;
        if let Some(key) = moved
            && entry.0.as_deref().is_none_or(|min| key < min)
        {
            entry.0 = Some(key.to_string());
        }
    }

    /// Counts the collections that changed, dates them and marks where their positions
    /// went out of date (see [`Store::settle_catalogue`]); recounts the files and the
    /// chronology.
    pub(super) fn finish(self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        for (name, (moved, delta)) in &self.collections {
            let ctx = format!("counting collection `{name}`");
            let date = |sql: &str| -> Result<Option<String>, StoreError> {
                tx.prepare_cached(sql)
                    .context("preparing collections")?
                    .query_row([name], |r| r.get(0))
                    .optional()
                    .context(&ctx)
            };
            let (first, last) = (date(FIRST_DATE)?, date(LAST_DATE)?);
            tx.prepare_cached(COUNT_COLLECTION)
                .context("preparing collections")?
                .execute(params![name, delta, first, last, moved])
                .context(&ctx)?;
            tx.prepare_cached("DELETE FROM collections WHERE name = ?1 AND records <= 0")
                .context("preparing collections")?
                .execute([name])
                .context(&ctx)?;
        }
        for (key, delta) in &self.files {
            let ctx = format!("counting archival file `{key}`");
            tx.prepare_cached("UPDATE files SET records = records + ?2 WHERE key = ?1")
                .context("preparing files")?
                .execute(params![key, delta])
                .context(&ctx)?;
            tx.prepare_cached("DELETE FROM files WHERE key = ?1 AND records <= 0")
                .context("preparing files")?
                .execute([key])
                .context(&ctx)?;
        }
        tx.prepare_cached("DELETE FROM chronology WHERE records <= 0")
            .context("preparing chronology")?
            .execute([])
            .context("counting dates")?;
        Ok(())
    }
}

/// A record's collection, position and count, the summaries of the records before and after
/// it in sort-key order, its sort key and whether its position is out of date: every step a
/// search in a primary key or in `catalogue_by_collection_order`.
const NEIGHBOURS: &str = "SELECT r.collection, r.pos, c.records,
        p.id, p.title, p.date, p.doc_type, n.id, n.title, n.date, n.doc_type,
        r.sort_key, r.sort_key >= c.dirty_from
    FROM catalogue r
    LEFT JOIN collections c ON c.name = r.collection
    LEFT JOIN catalogue p ON p.id = (SELECT id FROM catalogue WHERE collection = r.collection
        AND sort_key < r.sort_key ORDER BY sort_key DESC LIMIT 1)
    LEFT JOIN catalogue n ON n.id = (SELECT id FROM catalogue WHERE collection = r.collection
        AND sort_key > r.sort_key ORDER BY sort_key LIMIT 1)
    WHERE r.id = ?1";
/// A record's position by counting (while its collection awaits renumbering).
const POSITION: &str = "SELECT count(*) + 1 FROM catalogue WHERE collection = ?1 AND sort_key < ?2";
/// Counts a changed collection: `?2` records more, its dates, and where its positions went
/// out of date (the smaller of the old and the new place).
const COUNT_COLLECTION: &str =
    "INSERT INTO collections (name, records, first_date, last_date, dirty_from)
    VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET
    records = records + excluded.records, first_date = excluded.first_date,
    last_date = excluded.last_date,
    dirty_from = CASE WHEN dirty_from IS NULL THEN excluded.dirty_from
        WHEN excluded.dirty_from IS NULL THEN dirty_from
        ELSE min(dirty_from, excluded.dirty_from) END";

/// Writes a record's entry; a record that stays in its collection keeps its position until
/// the collection is renumbered.
const UPSERT: &str = "INSERT INTO catalogue (id, seq, title, date, doc_type, collection, sort_key,
        year, month, bilingual)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, title = excluded.title,
        date = excluded.date, doc_type = excluded.doc_type, collection = excluded.collection,
        sort_key = excluded.sort_key,
        pos = CASE WHEN collection IS excluded.collection THEN pos END,
        year = excluded.year, month = excluded.month, bilingual = excluded.bilingual";

/// The columns of a [`RecordSummary`], for `SELECT`.
macro_rules! summary {
    () => {
        "catalogue.id, catalogue.title, catalogue.date, catalogue.doc_type"
    };
}

/// A page of a collection, from the position after `offset`.
const COLLECTION_PAGE: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM catalogue WHERE collection = ?1 AND pos > ?2 ORDER BY pos LIMIT ?3"
);
/// A page of a collection awaiting renumbering, by sort key.
const COLLECTION_PAGE_UNSETTLED: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM catalogue WHERE collection = ?1 ORDER BY sort_key LIMIT ?3 OFFSET ?2"
);
/// The record (no row: unknown) and its archival files (a row of NULLs: none).
const SAME_FILE_FILES: &str = "SELECT f.key, f.archive, f.fond, f.opis, f.delo, f.records
    FROM catalogue r LEFT JOIN file_records fr ON fr.id = r.id
    LEFT JOIN files f ON f.key = fr.file_key
    WHERE r.id = ?1 ORDER BY f.order_key";
/// The first records of a file but one.
const SAME_FILE_OTHERS: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM file_records fr JOIN catalogue ON catalogue.id = fr.id
    WHERE fr.file_key = ?1 AND fr.id <> ?2 ORDER BY fr.sort_key LIMIT ?3"
);
/// Every record of a file.
const FILE_RECORDS: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM file_records fr JOIN catalogue ON catalogue.id = fr.id
    WHERE fr.file_key = ?1 ORDER BY fr.sort_key"
);
/// The latest changes.
const RECENT: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM catalogue ORDER BY seq DESC LIMIT ?1"
);
/// The latest changes with original and translation.
const NOTABLE: &str = concat!(
    "SELECT ",
    summary!(),
    " FROM catalogue WHERE bilingual = 1 ORDER BY seq DESC LIMIT ?1"
);
/// The position of the last record of a collection before a sort key.
const ORDER_BASE: &str = "SELECT pos FROM catalogue WHERE collection = ?1 AND sort_key < ?2
    ORDER BY sort_key DESC LIMIT 1";
/// A record's type and collection.
const TYPE_AND_COLLECTION: &str = "SELECT id, doc_type, collection FROM catalogue
    WHERE id IN (SELECT value FROM json_each(?1))";
/// Renumbers a collection from a sort key on, writing only the positions that changed.
const RENUMBER: &str = "WITH n AS (SELECT id, ?3 + row_number() OVER (ORDER BY sort_key) AS p
        FROM catalogue WHERE collection = ?1 AND sort_key >= ?2)
    UPDATE catalogue SET pos = n.p FROM n WHERE catalogue.id = n.id AND catalogue.pos IS NOT n.p";
/// The date of a collection's first dated record.
const FIRST_DATE: &str = "SELECT date FROM catalogue WHERE collection = ?1 AND sort_key < '~'
    ORDER BY sort_key LIMIT 1";
/// The date of a collection's last dated record.
const LAST_DATE: &str = "SELECT date FROM catalogue WHERE collection = ?1 AND sort_key < '~'
    ORDER BY sort_key DESC LIMIT 1";

fn summary(row: &Row<'_>) -> rusqlite::Result<RecordSummary> {
    Ok(RecordSummary {
        id: row.get(0)?,
        title: row.get(1)?,
        date: parse_date(row.get::<_, Option<String>>(2)?),
        doc_type: row.get(3)?,
    })
}

fn parse_date(date: Option<String>) -> Option<PartialDate> {
    date.and_then(|d| d.parse().ok())
}

fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn summaries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    ctx: &str,
) -> Result<Vec<RecordSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).context(ctx)?;
    let rows = stmt.query_map(params, summary).context(ctx)?;
    rows.collect::<Result<_, _>>().context(ctx)
}

fn archival_file(row: &Row<'_>) -> rusqlite::Result<ArchivalFile> {
    Ok(ArchivalFile {
        key: row.get(0)?,
        archive: row.get(1)?,
        fond: row.get(2)?,
        opis: row.get(3)?,
        delo: row.get(4)?,
        records: row.get::<_, i64>(5)? as usize,
    })
}

impl Store {
    /// Renumbers every collection an import changed, from the first place that moved (the
    /// rows before it keep their positions; only positions that changed are written), in one
    /// transaction; returns how many collections. [`Store::commit_file`] leaves this to the end
    /// of an import so that a collection imported file by file is renumbered once, not once
    /// per file; until then reads are exact but count instead of looking positions up.
    pub fn settle_catalogue(&mut self) -> Result<usize, StoreError> {
        let tx = self
            .writer()?
            .transaction()
            .context("starting to renumber collections")?;
        let dirty: Vec<(String, String)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT name, dirty_from FROM collections WHERE dirty_from IS NOT NULL",
                )
                .context("preparing ordering")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .context("listing collections to renumber")?;
            rows.collect::<Result<_, _>>()
                .context("listing collections to renumber")?
        };
        for (name, from) in &dirty {
            let ctx = format!("ordering collection `{name}`");
            let base: i64 = tx
                .prepare_cached(ORDER_BASE)
                .context("preparing ordering")?
                .query_row(params![name, from], |r| r.get(0))
                .optional()
                .context(&ctx)?
                .unwrap_or(0);
            tx.prepare_cached(RENUMBER)
                .context("preparing ordering")?
                .execute(params![name, from, base])
                .context(&ctx)?;
            tx.prepare_cached("UPDATE collections SET dirty_from = NULL WHERE name = ?1")
                .context("preparing ordering")?
                .execute([name])
                .context(&ctx)?;
        }
        tx.commit().context("committing renumbered collections")?;
        Ok(dirty.len())
    }

    /// Rewrites the whole catalogue (entries, collections, archival files, chronology) from
    /// the current records, in one transaction, then renumbers the collections; returns how
    /// many records. The catalogue is derived from the records: this undoes any damage to it
    /// (`fonds reindex` runs it).
    pub fn rebuild_catalogue(&mut self) -> Result<u64, StoreError> {
        let tx = self
            .writer()?
            .transaction()
            .context("starting to rebuild the catalogue")?;
        tx.execute_batch(
            "DELETE FROM catalogue; DELETE FROM collections; DELETE FROM files;
             DELETE FROM file_records; DELETE FROM chronology;",
        )
        .context("clearing the catalogue")?;
        let mut maintenance = Maintenance::default();
        let mut records = 0;
        {
            let mut stmt = tx
                .prepare("SELECT id, seq, json FROM records ORDER BY id")
                .context("preparing a scan")?;
            let mut rows = stmt.query([]).context("scanning records")?;
            while let Some(row) = rows.next().context("scanning records")? {
                let id: String = row.get(0).context("scanning records")?;
                let seq: i64 = row.get(1).context("scanning records")?;
                let json: String = row.get(2).context("scanning records")?;
                let record = super::parse_record(&id, &json)?;
                maintenance.replace(&tx, &record, seq as u64, None, &Entry::of(&record))?;
                records += 1;
            }
        }
        maintenance.finish(&tx)?;
        tx.commit().context("committing the rebuilt catalogue")?;
        self.settle_catalogue()?;
        Ok(records)
    }

    /// What is wrong with the catalogue entry of `record`, stored at change `seq`, if anything:
    /// missing, or not what the record makes (positions in collections are not compared: they
    /// are counted, and renumbered after every import). For `verify`, which reads every record
    /// once and asks this of the intact ones.
    pub(super) fn entry_disagreement(
        conn: &rusqlite::Connection,
        record: &Record,
        seq: i64,
    ) -> rusqlite::Result<Option<String>> {
        let row = conn
            .prepare_cached(
                "SELECT seq, title, date, doc_type, collection, sort_key, year, month, bilingual
                 FROM catalogue WHERE id = ?1",
            )?
            .query_row([&record.id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    (r.get::<_, Option<i32>>(6)?, r.get::<_, Option<u8>>(7)?),
                    r.get::<_, bool>(8)?,
                ))
            })
            .optional()?;
        let Some((c_seq, title, date, doc_type, collection, sort_key, year_month, bilingual)) = row
        else {
            return Ok(Some(
                "missing (the record is kept); `fonds reindex` rebuilds the catalogue from the records"
                    .into(),
            ));
        };
        let e = Entry::of(record);
        let differ: Vec<&str> = [
            (c_seq != seq, "change sequence"),
            (title != record.title, "title"),
            (date != e.date, "date"),
            (doc_type != record.doc_type, "type"),
            (collection != e.collection, "collection"),
            (sort_key != e.sort_key, "sort key"),
            (year_month != (e.year, e.month), "year and month"),
            (bilingual != e.bilingual, "bilingual"),
        ]
        .into_iter()
        .filter_map(|(differs, what)| differs.then_some(what))
        .collect();
        Ok((!differ.is_empty()).then(|| {
            format!(
                "it differs from its record in: {}; `fonds reindex` rebuilds the catalogue from the records",
                differ.join(", ")
            )
        }))
    }

    /// What the catalogue holds beyond its records' entries that is wrong, as `(what, problem)`:
    /// entries whose record is missing, and counts (by date, collection, archival file) that do
    /// not match the entries.
    pub(super) fn catalogue_leftovers(
        conn: &rusqlite::Connection,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let ctx = "comparing the catalogue with the records";
        let mut found = Vec::new();
        let mut stmt = conn
            .prepare(
                "SELECT id FROM catalogue WHERE id NOT IN (SELECT id FROM records) ORDER BY id",
            )
            .context(ctx)?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0)).context(ctx)?;
        for id in ids {
            found.push((
                format!("catalogue entry {}", id.context(ctx)?),
                "its record is missing: it was deleted outside Fonds; re-import its source file to restore it"
                    .to_string(),
            ));
        }
        // The counts kept beside the entries: dates, collections, archival files.
        for (table, counted, kept) in [
            (
                "chronology",
                "SELECT year, coalesce(month, 0), count(*) FROM catalogue WHERE year IS NOT NULL GROUP BY 1, 2",
                "SELECT year, month, records FROM chronology",
            ),
            (
                "collections",
                "SELECT collection, 0, count(*) FROM catalogue WHERE collection IS NOT NULL GROUP BY 1",
                "SELECT name, 0, records FROM collections",
            ),
            (
                "files",
                "SELECT file_key, 0, count(*) FROM file_records GROUP BY 1",
                "SELECT key, 0, records FROM files",
            ),
        ] {
            let differ: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM (SELECT * FROM ({counted} EXCEPT {kept})
                         UNION ALL SELECT * FROM ({kept} EXCEPT {counted}))"
                    ),
                    [],
                    |r| r.get(0),
                )
                .context(ctx)?;
            if differ > 0 {
                found.push((
                    format!("catalogue {table}"),
                    format!(
                        "{differ} of its counts do not match the entries; `fonds reindex` rebuilds the catalogue from the records"
                    ),
                ));
            }
        }
        Ok(found)
    }

    /// The ids of every catalogue entry.
    pub fn catalogue_ids(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare("SELECT id FROM catalogue")
            .context("listing the catalogue")?;
        let ids = stmt
            .query_map([], |r| r.get(0))
            .context("listing the catalogue")?
            .collect::<Result<_, _>>()
            .context("listing the catalogue")?;
        Ok(ids)
    }

    /// Every collection, by name.
    pub fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        let conn = self.reader()?;
        let ctx = "listing collections";
        let mut stmt = conn
            .prepare_cached(
                "SELECT name, records, first_date, last_date FROM collections ORDER BY name",
            )
            .context(ctx)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Collection {
                    name: r.get(0)?,
                    records: r.get::<_, i64>(1)? as usize,
                    first_date: parse_date(r.get(2)?),
                    last_date: parse_date(r.get(3)?),
                })
            })
            .context(ctx)?;
        rows.collect::<Result<_, _>>().context(ctx)
    }

    /// How many records a collection holds, and a page of them in chronological order;
    /// `None` for an unknown collection.
    pub fn collection_records(
        &self,
        name: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<(usize, Vec<RecordSummary>)>, StoreError> {
        let conn = self.reader()?;
        let ctx = format!("reading collection `{name}`");
        let tx = conn.unchecked_transaction().context(&ctx)?;
        let found: Option<(i64, bool)> = tx
            .prepare_cached(
                "SELECT records, dirty_from IS NOT NULL FROM collections WHERE name = ?1",
            )
            .context(&ctx)?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .context(&ctx)?;
        let Some((count, dirty)) = found else {
            return Ok(None);
        };
        let page = summaries(
            &tx,
            if dirty {
                COLLECTION_PAGE_UNSETTLED
            } else {
                COLLECTION_PAGE
            },
            params![name, sql_limit(offset), sql_limit(limit)],
            &ctx,
        )?;
        tx.commit().context(&ctx)?;
        Ok(Some((count as usize, page)))
    }

    /// A record's place in its collection and the records before and after it; `None` for an
    /// unknown id.
    pub fn neighbours(&self, id: &str) -> Result<Option<Neighbours>, StoreError> {
        let conn = self.reader()?;
        let ctx = format!("reading the neighbours of `{id}`");
        // One statement, so one read transaction and one snapshot.
        let mut stmt = conn.prepare_cached(NEIGHBOURS).context(&ctx)?;
        let mut rows = stmt.query([id]).context(&ctx)?;
        let Some(row) = rows.next().context(&ctx)? else {
            return Ok(None);
        };
        let side = |at: usize| -> rusqlite::Result<Option<RecordSummary>> {
            Ok(match row.get::<_, Option<String>>(at)? {
                None => None,
                Some(id) => Some(RecordSummary {
                    id,
                    title: row.get(at + 1)?,
                    date: parse_date(row.get(at + 2)?),
                    doc_type: row.get(at + 3)?,
                }),
            })
        };
        let read = || -> rusqlite::Result<Neighbours> {
            let collection: Option<String> = row.get(0)?;
            let pos: Option<i64> = row.get(1)?;
            let unsettled = row.get::<_, Option<bool>>(12)?.unwrap_or(false);
            Ok(match collection {
                Some(name) => Neighbours {
                    position: match pos {
                        Some(pos) if !unsettled => pos as usize,
                        // An import is renumbering this part of the collection: count.
                        _ => conn
                            .prepare_cached(POSITION)?
                            .query_row(params![name, row.get::<_, String>(11)?], |r| {
                                r.get::<_, i64>(0)
                            })? as usize,
                    },
                    collection: Some(name),
                    count: row.get::<_, Option<i64>>(2)?.unwrap_or(0) as usize,
                    previous: side(3)?,
                    next: side(7)?,
                },
                None => Neighbours {
                    collection: None,
                    position: 0,
                    count: 0,
                    previous: None,
                    next: None,
                },
            })
        };
        read().map(Some).context(&ctx)
    }

    /// The archival files a record is in, each with up to `limit` of its other records in
    /// chronological order; `None` for an unknown id.
    pub fn same_file(&self, id: &str, limit: usize) -> Result<Option<SameFile>, StoreError> {
        let conn = self.reader()?;
        let ctx = format!("reading the archival files of `{id}`");
        // The record and its files in one statement (no row: no such record; a row of NULLs:
        // in no file), then each file's first records: a lookup each.
        let files: Vec<Option<ArchivalFile>> = {
            let mut stmt = conn.prepare_cached(SAME_FILE_FILES).context(&ctx)?;
            let rows = stmt
                .query_map([id], |r| {
                    Ok(match r.get::<_, Option<String>>(0)? {
                        None => None,
                        Some(_) => Some(archival_file(r)?),
                    })
                })
                .context(&ctx)?;
            rows.collect::<Result<_, _>>().context(&ctx)?
        };
        if files.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for file in files.into_iter().flatten() {
            let others = summaries(
                &conn,
                SAME_FILE_OTHERS,
                params![file.key, id, sql_limit(limit)],
                &ctx,
            )?;
            out.push((file, others));
        }
        Ok(Some(out))
    }

    /// Every archival file, by archive, fond, opis and delo (numbers as numbers).
    pub fn archival_files(&self) -> Result<Vec<ArchivalFile>, StoreError> {
        let conn = self.reader()?;
        let ctx = "listing archival files";
        let mut stmt = conn
            .prepare_cached(
                "SELECT key, archive, fond, opis, delo, records FROM files ORDER BY order_key",
            )
            .context(ctx)?;
        let rows = stmt.query_map([], archival_file).context(ctx)?;
        rows.collect::<Result<_, _>>().context(ctx)
    }

    /// The records of one archival file, chronological; `None` for an unknown key.
    pub fn file_records(&self, key: &str) -> Result<Option<Vec<RecordSummary>>, StoreError> {
        let conn = self.reader()?;
        let ctx = format!("reading archival file `{key}`");
        let known = conn
            .prepare_cached("SELECT 1 FROM files WHERE key = ?1")
            .context(&ctx)?
            .query_row([key], |_| Ok(()))
            .optional()
            .context(&ctx)?
            .is_some();
        if !known {
            return Ok(None);
        }
        summaries(&conn, FILE_RECORDS, [key], &ctx).map(Some)
    }

    /// Dated records by year and month, oldest first.
    pub fn chronology(&self) -> Result<Vec<YearCount>, StoreError> {
        let conn = self.reader()?;
        let ctx = "reading the chronology";
        let mut stmt = conn
            .prepare_cached("SELECT year, month, records FROM chronology ORDER BY year, month")
            .context(ctx)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i32>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .context(ctx)?;
        let mut years: Vec<YearCount> = Vec::new();
        for row in rows {
            let (year, month, n) = row.context(ctx)?;
            if years.last().is_none_or(|y| y.year != year) {
                years.push(YearCount {
                    year,
                    count: 0,
                    months: [0; 13],
                });
            }
            let y = years.last_mut().expect("pushed above");
            y.count += n as usize;
            y.months[month.clamp(0, 12) as usize] += n as usize;
        }
        Ok(years)
    }

    /// The records most recently added or changed, newest first.
    pub fn recent(&self, limit: usize) -> Result<Vec<RecordSummary>, StoreError> {
        let conn = self.reader()?;
        summaries(&conn, RECENT, [sql_limit(limit)], "listing recent records")
    }

    /// The type and collection of each of `ids` that is in the archive (a search page shows
    /// them beside its hits), by id.
    pub fn types_and_collections(&self, ids: &[&str]) -> Result<TypesAndCollections, StoreError> {
        let ctx = "reading types and collections";
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(TYPE_AND_COLLECTION).context(ctx)?;
        let list = serde_json::to_string(ids).expect("strings serialize");
        let rows = stmt
            .query_map([list], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .context(ctx)?;
        let out: TypesAndCollections = rows.collect::<Result<_, _>>().context(ctx)?;
        Ok(out)
    }

    /// Records with both an original and a translation, most recently added or changed first.
    pub fn notable(&self, limit: usize) -> Result<Vec<RecordSummary>, StoreError> {
        let conn = self.reader()?;
        summaries(
            &conn,
            NOTABLE,
            [sql_limit(limit)],
            "listing records with original and translation",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement a page or an import runs per record is a search in an index: no
    /// statement scans a table or an index whole, whatever the archive's size.
    #[test]
    fn catalogue_statements_only_search_indexes() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.reader().unwrap();
        for sql in [
            NEIGHBOURS,
            COLLECTION_PAGE,
            SAME_FILE_FILES,
            SAME_FILE_OTHERS,
            FILE_RECORDS,
            RECENT,
            NOTABLE,
            ORDER_BASE,
            RENUMBER,
            COUNT_COLLECTION,
            POSITION,
            COLLECTION_PAGE_UNSETTLED,
            FIRST_DATE,
            LAST_DATE,
            TYPE_AND_COLLECTION,
            "SELECT json FROM records WHERE id = ?1",
            UPSERT,
        ] {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            // Parameters left unbound: the plan does not depend on them.
            let mut rows = stmt.raw_query();
            let mut plan: Vec<String> = Vec::new();
            while let Some(row) = rows.next().unwrap() {
                plan.push(row.get(3).unwrap());
            }
            for step in &plan {
                // The renumbering scans its own window of one collection (`n`), nothing else;
                // a walk in an index's order that stops at a LIMIT reads only that many.
                let scans_its_window = step == "SCAN n"
                    || step.starts_with("SCAN (subquery-")
                    || step.starts_with("CO-ROUTINE");
                let walks_to_limit = step.contains("USING INDEX") && sql.contains("LIMIT");
                // A list of ids passed as one JSON parameter is read whole, and only it.
                let reads_its_parameter = step.starts_with("SCAN json_each VIRTUAL TABLE");
                assert!(
                    !step.starts_with("SCAN")
                        || scans_its_window
                        || walks_to_limit
                        || reads_its_parameter,
                    "{sql}\n{}",
                    plan.join("\n")
                );
                // Only the record's own few files are sorted.
                let sorts_own_files = sql == SAME_FILE_FILES;
                assert!(
                    !step.contains("TEMP B-TREE") || sorts_own_files,
                    "{sql}\n{}",
                    plan.join("\n")
                );
            }
        }
    }

    fn dated(id: &str, date: &str) -> Record {
        Record {
            id: id.into(),
            title: format!("Document {id}"),
            date: date.parse().ok(),
            source: crate::model::Source {
                name: "Foreign Relations of the United States".into(),
                collection: Some("Volume".into()),
                ..Default::default()
            },
            ..Record::default()
        }
    }

    /// Checks every record's neighbours and position and every page against `order`.
    fn assert_order(store: &Store, order: &[&str]) {
        let (count, page) = store.collection_records("Volume", 0, 100).unwrap().unwrap();
        assert_eq!(count, order.len());
        assert_eq!(
            page.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            order
        );
        let (_, tail) = store.collection_records("Volume", 2, 2).unwrap().unwrap();
        assert_eq!(
            tail.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            order[2..4.min(order.len())]
        );
        for (i, id) in order.iter().enumerate() {
            let n = store.neighbours(id).unwrap().unwrap();
            assert_eq!((n.position, n.count), (i + 1, order.len()), "{id}");
            assert_eq!(
                n.previous.map(|s| s.id),
                i.checked_sub(1).map(|p| order[p].to_string())
            );
            assert_eq!(
                n.next.map(|s| s.id),
                order.get(i + 1).map(|s| s.to_string())
            );
        }
    }

    #[test]
    fn a_collection_imported_file_by_file_reads_right_before_and_after_renumbering() {
        let mut store = Store::open_in_memory().unwrap();
        let file = |n: usize| SourceFileOwned(format!("f{n}"));
        let records = [
            dated("d5", "1894-05-01"),
            dated("d1", "1894-01-25"),
            dated("d10", "1894-03-07"),
            dated("d9", "1894-03-07"),
            dated("d27", ""),
            dated("d2", "1894-02-01"),
        ];
        for (n, r) in records.iter().enumerate() {
            let f = file(n);
            store
                .commit_file(f.file(), std::slice::from_ref(r))
                .unwrap();
        }
        let expected = ["d1", "d2", "d9", "d10", "d5", "d27"];
        assert_order(&store, &expected);
        assert_eq!(store.settle_catalogue().unwrap(), 1);
        assert_order(&store, &expected);
        assert_eq!(store.settle_catalogue().unwrap(), 0, "settled once");

        // d5 redated before everything; d9 leaves the collection.
        let mut moved = dated("d5", "1893-12-01");
        moved.title = "Redated".into();
        let mut gone = dated("d9", "1894-03-07");
        gone.source.collection = Some("Another volume".into());
        let f = file(99);
        store.commit_file(f.file(), &[moved, gone]).unwrap();
        let expected = ["d5", "d1", "d2", "d10", "d27"];
        assert_order(&store, &expected);
        store.settle_catalogue().unwrap();
        assert_order(&store, &expected);
        assert_eq!(store.neighbours("d9").unwrap().unwrap().count, 1);
        assert_eq!(
            store.collection_records("Volume", 0, 1).unwrap().unwrap().1[0].title,
            "Redated"
        );
    }

    /// A source file's bytes and name, for committing.
    struct SourceFileOwned(String);

    impl SourceFileOwned {
        fn file(&self) -> super::super::SourceFile<'_> {
            super::super::SourceFile {
                path: &self.0,
                bytes: self.0.as_bytes(),
                sha256: &self.0,
                importer: "jsonl",
            }
        }
    }

    #[test]
    fn digit_runs_sort_as_numbers_and_undated_records_last() {
        let key = |date: &str, id: &str| sort_key(date.parse().ok().as_ref(), id);
        let mut ids = [
            key("", "frus1894Nicaragua-d2"),
            key("1894-02-01", "frus1894Nicaragua-d10"),
            key("1894-02-01", "frus1894Nicaragua-d9"),
            key("1894-02-01", "frus1894Nicaragua-d09"),
            key("1894", "frus1894Nicaragua-d100"),
            key("1893-12-31", "frus1894Nicaragua-d100"),
        ];
        ids.sort();
        let order: Vec<&str> = ids.iter().map(|k| k.rsplit(' ').next().unwrap()).collect();
        assert_eq!(
            order,
            [
                "frus1894Nicaragua-d100",
                "frus1894Nicaragua-d100",
                "frus1894Nicaragua-d09",
                "frus1894Nicaragua-d9",
                "frus1894Nicaragua-d10",
                "frus1894Nicaragua-d2",
            ]
        );
        // "1894" is its first day, 1894-01-01: before February.
        assert!(ids[1].starts_with("18940101 "));
    }

    #[test]
    fn archival_files_sort_by_archive_then_numbers() {
        let parts = |a: &str, f: &str, o: Option<&str>, d: &str| -> FileParts {
            (
                String::new(),
                a.into(),
                Some(f.into()),
                o.map(Into::into),
                Some(d.into()),
            )
        };
        let mut keys = [
            parts("RGASPI", "558", Some("11"), "334"),
            parts("RGASPI", "558", Some("11"), "62"),
            parts("RGASPI", "17", Some("162"), "1"),
            parts("APRF", "45", Some("1"), "334"),
            parts("BArch", "B 136", None, "59748"),
        ]
        .map(|p| (file_order_key(&p), p.1, p.4.unwrap()));
        keys.sort();
        let order: Vec<(&str, &str)> = keys
            .iter()
            .map(|(_, a, d)| (a.as_str(), d.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("APRF", "334"),
                ("BArch", "59748"),
                ("RGASPI", "1"),
                ("RGASPI", "62"),
                ("RGASPI", "334")
            ]
        );
    }
}
