//! The one route table, grouped by who calls it: readers (HTML), programs (JSON), assets.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use super::limits::{self, MAX_BODY};
use super::routes::{api, assets, browse, documents, fallback, home, method_not_allowed, search};
use super::workers::Workers;
use super::{AppState, WebConfig};
use crate::archive::Archive;

/// What pages may load: only this server's own style sheet and script; no frames, no plugins.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The application: every route over one shared archive. Handlers hand their archive work to
/// a pool of `config.limits.workers` threads; every request is held to the size limits and to
/// the time budget `config.limits.request_timeout`.
pub fn router(archive: Arc<Archive>, config: WebConfig) -> Router {
    let budget = config.limits.request_timeout;
    let state = AppState {
        archive,
        workers: Arc::new(Workers::new(config.limits.workers)),
        config: Arc::new(config),
    };
    Router::new()
        // Readers: server-rendered pages that work without JavaScript.
        .route("/", get(home::page))
        .route("/search", get(search::page))
        .route("/documents/{id}", get(documents::page))
        .route("/browse", get(browse::index))
        .route("/browse/dates", get(browse::dates))
        .route("/browse/collections", get(browse::collections))
        .route("/browse/collections/{name}", get(browse::collection))
        .route("/browse/files", get(browse::files))
        .route("/browse/files/{key}", get(browse::file))
        // Programs: JSON, described by /openapi.json.
        .route("/api/documents/{id}", get(api::document))
        .route("/api/search", get(api::search))
        .route("/api/collections", get(api::collections))
        .route("/openapi.json", get(api::openapi))
        // Assets.
        .route("/assets/fonds.css", get(assets::css))
        .route("/assets/fonds.js", get(assets::js))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        // Inside out: what a handler may read, its panics, its time budget, the sizes refused
        // before it runs, and the security headers on every answer, refusals included.
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::custom(on_panic))
        .layer(middleware::from_fn_with_state(budget, limits::budget))
        .layer(middleware::from_fn(limits::sizes))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
}

/// A handler that panicked answers 500 with the error's JSON (the panic is logged), instead of
/// dropping the connection.
fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    eprintln!("error: a request handler panicked");
    super::routes::ApiError(super::WebError::Internal).into_response()
}
