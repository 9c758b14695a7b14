//! The facet counter: one pass over the matching documents' facet ordinals, all facets at once.
//!
//! A searcher's segments number their facet values each in their own dictionary. Decoding the
//! values a query touched (thousands of authors and recipients in a large result) into strings
//! on every query was a fifth of a search page's time, so a [`FacetDictionary`] is built once
//! per searcher generation: every value of every segment, decoded once and numbered across
//! segments. A query then only counts ordinals, maps them to those numbers and reads the
//! values' names from the dictionary.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::results::FacetCount;
use super::schema::names;

/// What separates the parts of an encoded facet (tantivy's `FACET_SEP_BYTE`).
const FACET_SEP: char = '\0';

/// At most this many values of the `author` and `recipient` facets are returned (the largest):
/// a large archive has thousands of correspondents.
pub(crate) const MAX_PEOPLE: usize = 20;

/// What one exact facet path counts towards.
#[derive(Debug)]
enum Counts {
    /// `kind\0value`: one value of one facet.
    Value { kind: String, value: String },
    /// `decade\0D\0Y`: a year, and its decade.
    Year { decade: String, year: String },
    /// An inner node of the facet tree, or a path of another shape: nothing.
    Nothing,
}

/// Every facet value of one searcher generation, numbered across its segments.
pub(crate) struct FacetDictionary {
    /// The searcher generation it was built for.
    generation: u64,
    /// Per segment: facet ordinal → global number.
    segments: HashMap<SegmentId, Vec<u32>>,
    /// By global number: what the value counts towards.
    values: Vec<Counts>,
}

impl FacetDictionary {
    /// Reads every segment's facet dictionary of `searcher`.
    pub fn build(searcher: &Searcher) -> tantivy::Result<FacetDictionary> {
        let mut numbers: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut values = Vec::new();
        let mut segments = HashMap::new();
        for segment in searcher.segment_readers() {
            let reader = segment.facet_reader(names::FACETS)?;
            let mut map = Vec::with_capacity(reader.num_facets());
            let mut stream = reader.facet_dict().stream()?;
            while stream.advance() {
                let key = stream.key();
                let number = match numbers.get(key) {
                    Some(&n) => n,
                    None => {
                        let n = values.len() as u32;
                        values.push(counts_of(key));
                        numbers.insert(key.to_vec(), n);
                        n
                    }
                };
                map.push(number);
            }
            segments.insert(segment.segment_id(), map);
        }
        Ok(FacetDictionary {
            generation: searcher.generation().generation_id(),
            segments,
            values,
        })
    }

    /// The searcher generation it describes.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

fn counts_of(encoded: &[u8]) -> Counts {
    let Ok(text) = std::str::from_utf8(encoded) else {
        return Counts::Nothing;
    };
    let parts: Vec<&str> = text.split(FACET_SEP).collect();
    match parts.as_slice() {
        ["decade", decade, year] => Counts::Year {
            decade: decade.to_string(),
            year: year.to_string(),
        },
        [kind, value] if *kind != "decade" => Counts::Value {
            kind: kind.to_string(),
            value: value.to_string(),
        },
        _ => Counts::Nothing,
    }
}

/// Counts every facet value of the matching documents (`tantivy`'s `FacetCollector` needs one
/// registration per level; this counts the exact values once and rolls decades up from years).
pub(crate) struct FacetCounter {
    dictionary: Arc<FacetDictionary>,
}

impl FacetCounter {
    /// A counter over the values of `dictionary` (of the searcher it will run on).
    pub fn new(dictionary: Arc<FacetDictionary>) -> FacetCounter {
        FacetCounter { dictionary }
    }
}

pub(crate) struct SegmentFacetCounter {
    reader: FacetReader,
    counts: Vec<u64>,
    dictionary: Arc<FacetDictionary>,
    segment: SegmentId,
}

/// Global value number → how many matching documents have it, sorted by number.
pub(crate) type FacetTally = Vec<(u32, u64)>;

impl Collector for FacetCounter {
    type Fruit = FacetTally;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let facets = reader.facet_reader(names::FACETS)?;
        let counts = vec![0; facets.num_facets()];
        Ok(SegmentFacetCounter {
            reader: facets,
            counts,
            dictionary: Arc::clone(&self.dictionary),
            segment: reader.segment_id(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetTally>) -> tantivy::Result<FacetTally> {
        let mut all: FacetTally = fruits.into_iter().flatten().collect();
        all.sort_unstable_by_key(|(n, _)| *n);
        let mut merged: FacetTally = Vec::with_capacity(all.len());
        for (n, c) in all {
            match merged.last_mut() {
                Some((last, count)) if *last == n => *count += c,
                _ => merged.push((n, c)),
            }
        }
        Ok(merged)
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
        let Some(map) = self.dictionary.segments.get(&self.segment) else {
            return Vec::new();
        };
        self.counts
            .iter()
            .zip(map)
            .filter(|(count, _)| **count > 0)
            .map(|(count, number)| (*number, *count))
            .collect()
    }
}

/// Groups the counted values into the result's facets: `type`, `lang`, `archive`,
/// `collection`, `author` and `recipient` by count (largest first, ties by value; authors and
/// recipients cut to the [`MAX_PEOPLE`] largest), `decade` and `year` chronologically.
pub(crate) fn group(
    dictionary: &FacetDictionary,
    tally: &FacetTally,
) -> BTreeMap<String, Vec<FacetCount>> {
    let mut kinds: BTreeMap<&str, Vec<(&str, u64)>> = BTreeMap::new();
    let mut decades: BTreeMap<&str, u64> = BTreeMap::new();
    let mut years: Vec<(&str, u64)> = Vec::new();
    for &(number, count) in tally {
        match dictionary.values.get(number as usize) {
            Some(Counts::Value { kind, value }) => {
                kinds.entry(kind).or_default().push((value, count));
            }
            Some(Counts::Year { decade, year }) => {
                *decades.entry(decade).or_default() += count;
                years.push((year, count));
            }
            Some(Counts::Nothing) | None => {}
        }
    }
    let by_count = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    let owned = |v: Vec<(&str, u64)>| -> Vec<FacetCount> {
        v.into_iter()
            .map(|(value, count)| FacetCount {
                value: value.to_string(),
                count,
            })
            .collect()
    };
    let mut groups = BTreeMap::new();
    for (kind, mut values) in kinds {
        if (kind == "author" || kind == "recipient") && values.len() > MAX_PEOPLE {
            values.select_nth_unstable_by(MAX_PEOPLE - 1, by_count);
            values.truncate(MAX_PEOPLE);
        }
        values.sort_unstable_by(by_count);
        groups.insert(kind.to_string(), owned(values));
    }
    if !decades.is_empty() {
        groups.insert("decade".to_string(), owned(decades.into_iter().collect()));
        years.sort_unstable_by(|a, b| a.0.cmp(b.0));
        // One year can be in the tally once per decade path; they are the same year.
        let mut merged: Vec<(&str, u64)> = Vec::with_capacity(years.len());
        for (y, c) in years {
            match merged.last_mut() {
                Some((last, count)) if *last == y => *count += c,
                _ => merged.push((y, c)),
            }
        }
        groups.insert("year".to_string(), owned(merged));
    }
    groups
}
