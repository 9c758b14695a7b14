//! A reference to an archival unit: archive, fond, opis, delo and folios, with the raw text.

use serde::{Deserialize, Serialize};

/// Where a document sits in an archive, as in "RGASPI, f. 558, op. 11, d. 334, l. 85".
///
/// `raw` always holds the reference as the source wrote it; the parsed parts are filled where
/// they could be recognised (a FRUS "File No. 861.51/131" keeps only its raw form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivalRef {
    /// The archive, by its usual (Latin-script) abbreviation: `RGASPI`, `APRF`, `AVPRF`, `BArch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    /// Fond (record group), e.g. `558`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fond: Option<String>,
    /// Opis (inventory / series), e.g. `11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opis: Option<String>,
    /// Delo (file), e.g. `334`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delo: Option<String>,
    /// Folios (listy) or pages, normalised without leading zeros: `85`, `99-103`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folios: Option<String>,
    /// The reference exactly as written in the source.
    pub raw: String,
}
