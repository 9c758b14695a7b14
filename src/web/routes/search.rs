//! `/search`: the search page, with facets, date range, sorting and pages.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::render;
use crate::web::AppState;
use crate::web::params::{PAGE_SIZE, SearchParams};
use crate::web::views::search::SearchPage;

/// The search page. A parameter or query that cannot be used is explained on the page, with
/// status 400; the form stays filled in.
pub async fn page(State(app): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    match app.work(move |app| search_page(app, raw)).await {
        Ok(response) => response,
        Err(e) => super::PageError(e).into_response(),
    }
}

/// The search page, searched and rendered on a worker.
fn search_page(app: &AppState, raw: Option<String>) -> Response {
    let params = match SearchParams::parse(raw.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            let q = raw_q(raw.as_deref());
            return failed(
                StatusCode::BAD_REQUEST,
                &SearchPage::failed(&SearchParams::default(), &q, e.to_string()),
            );
        }
    };
    let request = params.request(PAGE_SIZE, (params.page - 1) * PAGE_SIZE);
    match app.archive.search(&request) {
        Ok(results) => {
            let ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
            let details = match app.archive.types_and_collections(&ids) {
                Ok(d) => d,
                Err(e) => return super::PageError::from(e).into_response(),
            };
            match render(&SearchPage::new(&params, &results, &details)) {
                Ok(html) => html.into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => {
            let e = crate::web::WebError::from(e);
            failed(
                e.status(),
                &SearchPage::failed(&params, &params.q, e.to_string()),
            )
        }
    }
}

fn failed(status: StatusCode, page: &SearchPage) -> Response {
    match render(page) {
        Ok(Html(html)) => (status, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The `q` of a query string that did not parse as a whole, to keep it in the form.
fn raw_q(raw: Option<&str>) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v)
        .unwrap_or_default()
}
