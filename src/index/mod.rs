//! The full-text index (tantivy): schema, analyzers, queries, snippets, facets; derived, rebuildable.

pub mod analyzer;
