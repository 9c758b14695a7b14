//! `/browse/…`: the chronology, collections and archival files.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Html;

use super::{PageError, path_param, render};
use crate::web::AppState;
use crate::web::error::WebError;
use crate::web::params::{MAX_OFFSET, number};
use crate::web::views::browse::{BrowsePage, CollectionsPage, DatesPage, FilesPage, ListPage};
use crate::web::views::collection_href;

/// Documents per page of a collection.
const PAGE_SIZE: usize = 50;

/// `/browse`: the ways to browse.
pub async fn index(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    app.work(|app| {
        render(&BrowsePage {
            collections: app.archive.collections()?.len(),
            files: app.archive.archival_files()?.len(),
            years: app.archive.chronology()?.len(),
        })
    })
    .await?
}

/// `/browse/dates`: the chronology by year and month.
pub async fn dates(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    app.work(|app| render(&DatesPage::new(&app.archive.chronology()?)))
        .await?
}

/// `/browse/collections`: every collection.
pub async fn collections(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    app.work(|app| render(&CollectionsPage::new(&app.archive.collections()?)))
        .await?
}

/// `/browse/collections/{name}?page=N`: a collection's documents in chronological order.
pub async fn collection(
    State(app): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, PageError> {
    let name = path_param(name)?;
    let page = page_param(raw.as_deref())?;
    app.work(move |app| collection_page(app, name, page))
        .await?
}

/// The `page`th page of the collection `name`, read and rendered on a worker.
fn collection_page(app: &AppState, name: String, page: usize) -> Result<Html<String>, PageError> {
    let offset = (page - 1) * PAGE_SIZE;
    let (total, records) = app
        .archive
        .collection_records(&name, offset, PAGE_SIZE)
        .map_err(|e| match e {
            crate::Error::NotFound { .. } => WebError::NotFound {
                what: format!("the collection `{name}`"),
            },
            e => e.into(),
        })?;
    render(&ListPage::collection(
        &name,
        total,
        offset,
        PAGE_SIZE,
        &records,
        &collection_href(&name),
    ))
}

/// `/browse/files`: every archival file, by archive.
pub async fn files(State(app): State<AppState>) -> Result<Html<String>, PageError> {
    app.work(|app| render(&FilesPage::new(&app.archive.archival_files()?)))
        .await?
}

/// `/browse/files/{key}`: the documents of one archival file.
pub async fn file(
    State(app): State<AppState>,
    key: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, PageError> {
    let key = path_param(key)?;
    app.work(move |app| file_page(app, key)).await?
}

/// The page of the archival file `key`, read and rendered on a worker.
fn file_page(app: &AppState, key: String) -> Result<Html<String>, PageError> {
    let records = app.archive.file_records(&key).map_err(|e| match e {
        crate::Error::NotFound { .. } => WebError::NotFound {
            what: format!("the archival file `{key}`"),
        },
        e => e.into(),
    })?;
    render(&ListPage::file(&key, &records))
}

/// The `page` parameter (from 1).
fn page_param(raw: Option<&str>) -> Result<usize, WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
    match pairs.iter().rev().find(|(k, _)| k == "page") {
        Some((_, v)) if !v.trim().is_empty() => number("page", v.trim(), 1, MAX_OFFSET / PAGE_SIZE),
        _ => Ok(1),
    }
}
