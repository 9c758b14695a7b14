//! `/documents/{id}`: a document's page.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Html;

use super::{PageError, bad_path, render};
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::views::document::DocumentPage;

/// How many other documents of each archival file the page lists.
const SAME_FILE: usize = 10;

/// A document's page; an unknown id is a friendly 404.
pub async fn page(
    State(app): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let Path(id) = id.map_err(|e| bad_path(e.body_text()))?;
    let record = app.archive.get(&id)?.ok_or_else(|| WebError::NotFound {
        what: format!("the document `{id}`"),
    })?;
    let neighbours = app.archive.neighbours(&id).ok();
    let files = app.archive.same_file(&id, SAME_FILE)?;
    render(&DocumentPage::new(
        &record,
        neighbours.as_ref(),
        &files,
        &app.config.base_url,
    ))
}
