//! The bundled corpus's records, read with the real importers, for the renderers' tests.

use std::sync::OnceLock;

use crate::ingest;
use crate::model::Record;

/// The files the tests read, by name and bytes.
const FILES: &[(&str, &[u8])] = &[
    (
        "wcda-pages/000_2d287dbd93c7e576.txt",
        include_bytes!("../../corpus/wcda-pages/000_2d287dbd93c7e576.txt"),
    ),
    (
        "wcda-pages/001_6ac3a21e3d46086e.txt",
        include_bytes!("../../corpus/wcda-pages/001_6ac3a21e3d46086e.txt"),
    ),
    (
        "frus/frus1894Nicaragua.xml",
        include_bytes!("../../corpus/frus/frus1894Nicaragua.xml"),
    ),
];

/// The record with this id, as the importers read it from the bundled corpus.
pub(crate) fn record(id: &str) -> Record {
    static ALL: OnceLock<Vec<Record>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        FILES
            .iter()
            .flat_map(|(name, bytes)| {
                let format =
                    ingest::detect(name, bytes).unwrap_or_else(|| panic!("{name}: no format"));
                ingest::parse(format, name, bytes)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .records
            })
            .collect()
    });
    all.iter()
        .find(|r| r.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("no record `{id}` in the bundled corpus"))
}
