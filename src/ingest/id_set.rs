//! The record ids met in one file, kept as 16-byte hashes so that a file of millions of
//! records can be checked for duplicates in little memory.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

/// A set of ids by their 128-bit hashes, keyed at random per set: a collision is out of reach
/// by chance (about 2⁻⁸⁵ for ten million ids) and by design (the keys are secret).
#[derive(Default)]
pub(crate) struct IdSet {
    hashes: HashSet<u128>,
    keys: (RandomState, RandomState),
}

impl IdSet {
    /// Adds an id; `false` if it was already there.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        let hash =
            (u128::from(self.keys.0.hash_one(id)) << 64) | u128::from(self.keys.1.hash_one(id));
        self.hashes.insert(hash)
    }
}
