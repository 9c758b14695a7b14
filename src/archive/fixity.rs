//! `verify`: the fixity of everything the archive keeps, read back and checked.
//!
//! Where `check` only compares the index with the store (ids and content hashes), `verify`
//! reads everything: SQLite's integrity check over every page, every source file's bytes
//! re-hashed against the SHA-256 they were kept under, every record revision re-read and
//! re-hashed, every record's provenance checked to name bytes the store holds, and then the
//! index against the store, its files read back against their checksums.

use std::time::Instant;

use super::{Archive, CheckReport};
use crate::error::Result;
use crate::store::{Damage, StoreFixity};

/// What `verify` found.
#[derive(Debug, serde::Serialize)]
pub struct VerifyReport {
    /// What reading the store back found.
    #[serde(flatten)]
    pub store: StoreFixity,
    /// The index against the store.
    pub index: CheckReport,
    /// Why the index could not be compared with the store, if it could not.
    pub index_error: Option<String>,
    /// How long it took.
    pub seconds: f64,
}

impl VerifyReport {
    /// Whether everything kept is intact: SQLite's check passes, no source or record is
    /// damaged, every record's source bytes are held, and no record the index holds is
    /// missing from the store (Fonds never deletes one: such a record was lost). (An index out of step is not damage to
    /// what is kept: `reindex` rebuilds it; see [`VerifyReport::index_agrees`].)
    pub fn is_intact(&self) -> bool {
        self.store.sqlite.is_empty()
            && self.store.damage.is_empty()
            && self.store.unheld_sources.is_empty()
            && self.index.orphans.is_empty()
    }

    /// Whether the index agrees with the store.
    pub fn index_agrees(&self) -> bool {
        self.index_error.is_none() && self.index.is_consistent()
    }

    /// Every damaged thing.
    pub fn damage(&self) -> &[Damage] {
        &self.store.damage
    }
}

impl Archive {
    /// [`Archive::check`], and every index file read back against its checksum.
    fn check_with_files(&self) -> Result<CheckReport> {
        let mut report = self.check()?;
        report.damaged_files = self
            .index()?
            .damaged_files()?
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        Ok(report)
    }

    /// Verifies the fixity of the whole archive (see the module doc). `on_progress` is told of
    /// every source and record read. Damage is reported, never raised: only a store that cannot
    /// be opened at all is an error.
    pub fn verify(&self, on_progress: impl FnMut(u64)) -> Result<VerifyReport> {
        let started = Instant::now();
        let store = self.store.verify(on_progress)?;
        let (index, index_error) = match self.check_with_files() {
            Ok(report) => (report, None),
            // The store's fixity is reported whatever the index's state (an index that cannot
            // be used, and cannot be rebuilt here, is one more finding).
            Err(e) => (CheckReport::default(), Some(e.to_string())),
        };
        Ok(VerifyReport {
            store,
            index,
            index_error,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
