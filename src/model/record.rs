//! The archival record: one document with everything its source holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ArchivalRef, PartialDate, Text};

/// Where a record was published before it came to Fonds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The publishing archive or edition: "Wilson Center Digital Archive",
    /// "Foreign Relations of the United States".
    pub name: String,
    /// The record's page at the source, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The source's own identifier of the record (WCDA record id, FRUS document id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// When the source first published the record (ISO 8601 date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded: Option<String>,
    /// The collection or volume the record belongs to at the source, by its title
    /// ("Foreign Relations of the United States, 1894, Nicaragua (Mosquito Territory)").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
}

/// Where Fonds got the record from: the file, its SHA-256 and the importer that read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The source file's name as imported (its path relative to what was given to `import`).
    pub source_file: String,
    /// The SHA-256 of the source file's bytes, lowercase hex. The bytes are kept in the store.
    pub sha256: String,
    /// The importer that read it: `wcda-page`, `frus-tei`, `wcda-json`, `csv`, `jsonl`.
    pub importer: String,
    /// Where in the file the record was found: an element id or path, a line number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// For a record imported from JSON Lines (an export, a hand-made file): the source it says
    /// it was first read from. A claim: `fonds verify` proves it when the store holds bytes
    /// with that SHA-256 (an export made with `--with-sources` carries them). Always the first
    /// source, however many exports and imports the record went through since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<Box<Provenance>>,
}

impl Provenance {
    /// Whether it names any source at all.
    pub fn is_empty(&self) -> bool {
        self.source_file.is_empty() && self.sha256.is_empty() && self.importer.is_empty()
    }

    /// The provenance of a record read from JSON Lines: the JSON Lines file itself (`file`,
    /// its SHA-256, `line`), deriving from the first source the record claims (its own
    /// `derived_from` if it has one, else what it names; nothing if it names nothing).
    pub fn of_json_lines(claimed: Provenance, file: &str, sha256: &str, line: usize) -> Provenance {
        let first = match claimed.derived_from {
            Some(first) => Some(first),
            None if claimed.is_empty() => None,
            None => Some(Box::new(claimed)),
        };
        Provenance {
            source_file: file.to_string(),
            sha256: sha256.to_string(),
            importer: "jsonl".into(),
            locator: Some(format!("line {line}")),
            derived_from: first,
        }
    }
}

/// One archival document, holding every field its source holds.
///
/// Lists keep the source's order; names are kept as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable, URL-safe identifier: `wcda-134278`, `frus1894Nicaragua-d1`.
    pub id: String,
    /// The document's title.
    pub title: String,
    /// When the document was written, with its precision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<PartialDate>,
    /// Kind of document: Telegram, Letter, Memorandum, Record of Conversation…
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    /// The source's summary or abstract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Languages of the original, ISO 639-1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Authors or senders, as written (pseudonyms kept: `Filippov [Stalin]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Recipients, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// Where the document was written (a dateline's place), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_written: Option<String>,
    /// Original security classification ("Secret", "Совершенно секретно").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// The texts: transcripts of the original and translations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<Text>,
    /// Archival references, parsed, with the raw form kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub archival_refs: Vec<ArchivalRef>,
    /// The citation the source recommends, as it gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// Rights statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    /// The publishing source.
    #[serde(default)]
    pub source: Source,
    /// Subjects, as the source lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Places the document is about, as the source lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
    /// People and organisations the document is about, as the source lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<String>,
    /// Credits and acknowledgements: contributors, donors, funders, as the source words them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<String>,
    /// Any further field of the source that has no place above, by the source's own name,
    /// so that nothing the source holds is lost.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub extra: BTreeMap<String, String>,
    /// Where Fonds got this record from.
    #[serde(default)]
    pub provenance: Provenance,
}

/// Reads `extra` refusing a key written twice, which a map would keep silently (the last).
fn unique_keys<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct Unique;
    impl<'de> serde::de::Visitor<'de> for Unique {
        type Value = BTreeMap<String, String>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of strings")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, value)) = map.next_entry::<String, String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{key}` appears twice: which value is meant?"
                    )));
                }
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique)
}

impl Record {
    /// The record in Fonds' JSON record format, on one line.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a Record always serializes")
    }

    /// The record in Fonds' JSON record format, indented for reading.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Record always serializes")
    }

    /// The record's content without its provenance, as one JSON line: what decides whether a
    /// re-import changed the record.
    pub fn content_json(&self) -> String {
        let mut content = self.clone();
        content.provenance = Provenance::default();
        content.to_json_line()
    }

    /// The collection the record came in, as the catalogue and the `collection` search facet
    /// name it: its `source.collection`, else its `source.name` (trimmed), else none.
    pub fn collection(&self) -> Option<&str> {
        self.source
            .collection
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .or_else(|| Some(self.source.name.trim()).filter(|n| !n.is_empty()))
    }

    /// The first text with the given role, if any.
    pub fn text(&self, role: super::TextRole) -> Option<&Text> {
        self.texts.iter().find(|t| t.role == role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_are_omitted_and_order_is_fixed() {
        let r = Record {
            id: "x-1".into(),
            title: "T".into(),
            date: "1950-07".parse().ok(),
            doc_type: Some("Telegram".into()),
            ..Record::default()
        };
        assert_eq!(
            r.to_json_line(),
            r#"{"id":"x-1","title":"T","date":"1950-07","type":"Telegram","source":{"name":""},"provenance":{"source_file":"","sha256":"","importer":""}}"#
        );
        let back: Record = serde_json::from_str(&r.to_json_line()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn a_key_twice_in_extra_is_refused() {
        let err =
            serde_json::from_str::<Record>(r#"{"id":"a","title":"T","extra":{"k":"1","k":"2"}}"#)
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("the key `k` appears twice"), "{err}");
        let ok: Record =
            serde_json::from_str(r#"{"id":"a","title":"T","extra":{"k":"1","l":"2"}}"#).unwrap();
        assert_eq!(ok.extra.len(), 2);
    }
}
