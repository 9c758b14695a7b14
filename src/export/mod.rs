//! Pure renderers of a record for citing and sharing: citations, Highwire meta tags, schema.org JSON-LD.

pub mod citation;
pub mod highwire;
pub mod schema_org;

#[cfg(test)]
mod corpus;
