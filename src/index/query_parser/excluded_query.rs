//! The excluded clauses of a query (`-word`, `NOT "a phrase"`), shielded from a tantivy bug.
//!
//! tantivy 0.27's `Exclude` asks the scorer of an excluded clause whether it holds the first
//! document of the other clauses (`seek_danger(doc)`), and that document may come before the
//! one the excluded scorer already stands on. `PhraseScorer` asserts that this never happens,
//! so a debug build (the tests, `cargo run`) panicked on `Stalin -"x stalin"` whenever the
//! phrase's first document came after Stalin's; release builds answered correctly, the check
//! being only a debug assertion. Found by the `query` fuzz target (docs/RELIABILITY.md).
//!
//! [`guard_exclusions`] wraps every excluded clause of a query in an [`ExcludedQuery`], whose
//! scorer answers `seek_danger` by the `DocSet` trait's own method: it only seeks forward, and
//! answers "not here" for a document behind it, which is what the contract asks. Scores are
//! untouched (an excluded clause has none).

use tantivy::query::{BooleanQuery, EnableScoring, Explanation, Occur, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// A query matching what its inner query matches, whose scorer never forwards `seek_danger`.
#[derive(Debug)]
pub(crate) struct ExcludedQuery(Box<dyn Query>);

impl Clone for ExcludedQuery {
    fn clone(&self) -> Self {
        ExcludedQuery(self.0.box_clone())
    }
}

struct ExcludedWeight(Box<dyn Weight>);

struct ExcludedScorer(Box<dyn Scorer>);

impl Query for ExcludedQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExcludedWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

impl Weight for ExcludedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ExcludedScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// Everything but `seek_danger`, which stays the trait's: seek only when behind the target.
impl DocSet for ExcludedScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ExcludedScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// `query` with the query of every `MustNot` clause, at any depth of boolean queries, wrapped
/// in an [`ExcludedQuery`]. Boosts must have been pushed down to the leaves first
/// (`BoostQuery` does not show what it holds): see `query_parser::push_boosts_down`.
pub(crate) fn guard_exclusions(query: Box<dyn Query>) -> Box<dyn Query> {
    let Some(boolean) = query.downcast_ref::<BooleanQuery>() else {
        return query;
    };
    let clauses = boolean
        .clauses()
        .iter()
        .map(|(occur, sub)| {
            let sub = guard_exclusions(sub.box_clone());
            match occur {
                Occur::MustNot => (
                    Occur::MustNot,
                    Box::new(ExcludedQuery(sub)) as Box<dyn Query>,
                ),
                occur => (*occur, sub),
            }
        })
        .collect();
    Box::new(BooleanQuery::with_minimum_required_clauses(
        clauses,
        boolean.get_minimum_number_should_match(),
    ))
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, IndexWriter, doc};

    use super::super::push_boosts_down;
    use super::guard_exclusions;

    /// Documents where the excluded phrase first occurs after the first document of the
    /// other clause: `stalin` in 0, the phrase `x stalin` in 1, both words apart in 2.
    fn count(query: &str, guarded: bool) -> usize {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for body in ["stalin", "x stalin", "stalin x"] {
            writer.add_document(doc!(text => body)).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut parser = QueryParser::for_index(&index, vec![text]);
        parser.set_conjunction_by_default();
        // As `FondsQueryParser::build` does.
        let ast = push_boosts_down(tantivy::query_grammar::parse_query(query).unwrap());
        let mut query = parser.build_query_from_user_input_ast(ast).unwrap();
        if guarded {
            query = guard_exclusions(query);
        }
        searcher.search(&query, &Count).unwrap()
    }

    #[test]
    fn an_excluded_phrase_met_after_the_first_match_is_searched() {
        assert_eq!(count("stalin -\"x stalin\"", true), 2);
        assert_eq!(count("stalin -\"stalin x\" -\"x stalin\"", true), 1);
        // Under a boost, and in a group of its own.
        assert_eq!(count("(stalin -\"x stalin\")^2", true), 2);
        assert_eq!(count("(stalin (stalin -\"x stalin\"))^0.5", true), 2);
    }

    /// What the guard is for: unguarded, tantivy's debug assertion fires. When a tantivy
    /// release mends it, this test fails, and the guard can go.
    #[test]
    #[cfg(debug_assertions)]
    fn unguarded_tantivy_panics_on_it() {
        let outcome = std::panic::catch_unwind(|| count("stalin -\"x stalin\"", false));
        assert!(outcome.is_err(), "tantivy no longer needs the guard");
    }
}
