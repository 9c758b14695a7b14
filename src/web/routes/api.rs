//! `/api/…` and `/openapi.json`: the JSON API, for programs.

use std::collections::BTreeMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{ApiError, path_param};
use crate::index::{FacetCount, Hit};
use crate::model::PartialDate;
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::params::{MAX_OFFSET, SearchParams};
use crate::web::views::collection_href;

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

fn json(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

/// `/api/documents/{id}`: the record in Fonds' JSON record format, as `fonds show --json`.
pub async fn document(
    State(app): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(id)?;
    app.work(move |app| {
        let record = app.archive.get(&id)?.ok_or_else(|| WebError::NotFound {
            what: format!("the document `{id}`"),
        })?;
        Ok(json(record.to_json_line()))
    })
    .await?
}

/// The answer of `/api/search`: `fonds search --json`'s shape and the cursor of the next page.
#[derive(Serialize)]
struct SearchAnswer<'a> {
    total: usize,
    hits: &'a [Hit],
    facets: &'a BTreeMap<String, Vec<FacetCount>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    next_cursor: Option<String>,
}

/// `/api/search`: hits, total, facets and `next_cursor` (pass it as `cursor` for the next
/// page; `null` on the last).
pub async fn search(
    State(app): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = SearchParams::parse_strict(raw.as_deref())?;
    app.work(move |app| search_answer(app, &params)).await?
}

/// The answer of `/api/search` for `params`, searched and serialized on a worker.
fn search_answer(app: &AppState, params: &SearchParams) -> Result<Response, ApiError> {
    let results = app
        .archive
        .search(&params.request(params.limit, params.offset))?;
    let end = params.offset + results.hits.len();
    let next_cursor = (end < results.total && end <= MAX_OFFSET && !results.hits.is_empty())
        .then(|| end.to_string());
    let answer = SearchAnswer {
        total: results.total,
        hits: &results.hits,
        facets: &results.facets,
        warnings: &results.warnings,
        next_cursor,
    };
    Ok(json(
        serde_json::to_string(&answer).expect("search results serialize"),
    ))
}

/// A collection in `/api/collections`.
#[derive(Serialize)]
struct CollectionAnswer<'a> {
    name: &'a str,
    records: usize,
    first_date: Option<PartialDate>,
    last_date: Option<PartialDate>,
    href: String,
}

/// `/api/collections`: every collection, by name, with its count and dates.
pub async fn collections(State(app): State<AppState>) -> Result<Response, ApiError> {
    app.work(collections_answer).await?
}

/// The answer of `/api/collections`, read and serialized on a worker.
fn collections_answer(app: &AppState) -> Result<Response, ApiError> {
    let collections = app.archive.collections()?;
    let list: Vec<CollectionAnswer> = collections
        .iter()
        .map(|c| CollectionAnswer {
            name: &c.name,
            records: c.records,
            first_date: c.first_date,
            last_date: c.last_date,
            href: collection_href(&c.name),
        })
        .collect();
    Ok(json(serde_json::json!({ "collections": list }).to_string()))
}

/// `/openapi.json`: the API's description.
pub async fn openapi() -> Response {
    json(OPENAPI.to_string())
}
