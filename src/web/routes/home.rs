//! `/`: the home page.

use axum::extract::State;
use axum::response::Html;

use super::{PageError, render};
use crate::index::SearchRequest;
use crate::web::AppState;
use crate::web::views::home::HomePage;

/// The home page.
pub async fn page(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    app.work(home_page).await?
}

/// The home page, read and rendered on a worker.
fn home_page(app: &AppState) -> Result<Html<String>, PageError> {
    let all = app.archive.search(&SearchRequest {
        limit: 0,
        facets: true,
        ..SearchRequest::default()
    })?;
    let recent = app.archive.recent(8)?;
    let notable = app.archive.notable(8)?;
    let collections = app.archive.collections()?;
    render(&HomePage::new(
        &all,
        &recent,
        &notable,
        &collections,
        &app.config.base_url,
    ))
}
