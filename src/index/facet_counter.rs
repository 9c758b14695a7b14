//! The facet counter: one pass over the matching documents' facet ordinals, all facets at once.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;

use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::results::FacetCount;
use super::schema::names;

/// Counts every facet value of the matching documents (`tantivy`'s `FacetCollector` needs one
/// registration per level; this counts the exact values once and rolls decades up from years).
pub(crate) struct FacetCounter;

pub(crate) struct SegmentFacetCounter {
    reader: FacetReader,
    counts: Vec<u64>,
}

/// Exact facet, in its encoded form (parts separated by `\0`) → count.
pub(crate) type FacetTally = HashMap<String, u64>;

impl Collector for FacetCounter {
    type Fruit = FacetTally;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let reader = reader.facet_reader(names::FACETS)?;
        let counts = vec![0; reader.num_facets()];
        Ok(SegmentFacetCounter { reader, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        let mut fruits = fruits.into_iter();
        let mut total = fruits.next().unwrap_or_default();
        for fruit in fruits {
            for (path, count) in fruit {
                *total.entry(path).or_default() += count;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetTally;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for ord in self.reader.facet_ords(doc) {
            self.counts[ord as usize] += 1;
        }
    }

    fn harvest(self) -> FacetTally {
        let ords: Vec<u64> = (0..self.counts.len() as u64)
            .filter(|&ord| self.counts[ord as usize] > 0)
            .collect();
        let mut tally = FacetTally::new();
        // One pass over the dictionary for every ordinal seen (authors and recipients make
        // thousands; looking each up alone decodes a dictionary block each time).
        let mut counts = ords.iter().map(|&ord| self.counts[ord as usize]);
        let _ = self
            .reader
            .facet_dict()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                let count = counts.next().unwrap_or(0);
                if let Ok(encoded) = std::str::from_utf8(bytes) {
                    tally.insert(encoded.to_string(), count);
                }
            });
        tally
    }
}

/// What separates the parts of an encoded facet (tantivy's `FACET_SEP_BYTE`).
const FACET_SEP: char = '\0';

/// At most this many values of the `author` and `recipient` facets are returned (the largest):
/// a large archive has thousands of correspondents.
pub(crate) const MAX_PEOPLE: usize = 20;

/// Groups exact facet paths into the result's facets: `type`, `lang`, `archive`,
/// `collection`, `author` and `recipient` by count (largest first, ties by value; authors and
/// recipients cut to the [`MAX_PEOPLE`] largest), `decade` and `year` chronologically.
pub(crate) fn group(tally: FacetTally) -> BTreeMap<String, Vec<FacetCount>> {
    let mut groups: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (encoded, count) in tally {
        let parts: Vec<&str> = encoded.split(FACET_SEP).collect();
        match parts.as_slice() {
            ["decade", decade, year] => {
                *groups
                    .entry("decade".into())
                    .or_default()
                    .entry(decade.to_string())
                    .or_default() += count;
                *groups
                    .entry("year".into())
                    .or_default()
                    .entry(year.to_string())
                    .or_default() += count;
            }
            [kind, value] => {
                *groups
                    .entry(kind.to_string())
                    .or_default()
                    .entry(value.to_string())
                    .or_default() += count;
            }
            _ => {}
        }
    }
    groups
        .into_iter()
        .map(|(kind, values)| {
            let mut counts: Vec<FacetCount> = values
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect();
            if kind != "decade" && kind != "year" {
                counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            }
            if kind == "author" || kind == "recipient" {
                counts.truncate(MAX_PEOPLE);
            }
            (kind, counts)
        })
        .collect()
}
