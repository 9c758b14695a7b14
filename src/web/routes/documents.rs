//! `/documents/{id}`: a document's page.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Html;

use super::{PageError, path_param, render};
use crate::archive::RecordSummary;
use crate::model::Record;
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::views::Item;
use crate::web::views::document::DocumentPage;

/// The most enclosures a page lists.
const MAX_ENCLOSURES: usize = 100;

/// The records printed inside this one: the FRUS importer names an enclosure without an id of
/// its own `<host>-enc<k>`, from 1, and records its host in `extra.enclosed_in`.
fn enclosures(app: &AppState, record: &Record) -> Result<Vec<RecordSummary>, crate::Error> {
    let mut found = Vec::new();
    if record.provenance.importer != "frus-tei" {
        return Ok(found);
    }
    for k in 1..=MAX_ENCLOSURES {
        let Some(e) = app.archive.get(&format!("{}-enc{k}", record.id))? else {
            break;
        };
        if e.extra.get("enclosed_in").map(String::as_str) != Some(record.id.as_str()) {
            break;
        }
        found.push(RecordSummary {
            id: e.id,
            title: e.title,
            date: e.date,
            doc_type: e.doc_type,
        });
    }
    Ok(found)
}

/// How many other documents of each archival file the page lists.
const SAME_FILE: usize = 10;

/// A document's page; an unknown id is a friendly 404.
pub async fn page(
    State(app): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let id = path_param(id)?;
    app.work(move |app| document_page(app, id)).await?
}

/// The page of the document `id`, read and rendered on a worker.
fn document_page(app: &AppState, id: String) -> Result<Html<String>, PageError> {
    let record = app.archive.get(&id)?.ok_or_else(|| WebError::NotFound {
        what: format!("the document `{id}`"),
    })?;
    let neighbours = app.archive.neighbours(&id)?;
    let files = app.archive.same_file(&id, SAME_FILE)?;
    let enclosures = enclosures(app, &record)?;
    let mut page = DocumentPage::new(&record, &neighbours, &files, &app.config.base_url);
    page.enclosures = enclosures.iter().map(Item::of).collect();
    render(&page)
}
