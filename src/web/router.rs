//! The one route table, grouped by who calls it: readers (HTML), programs (JSON), assets.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use super::routes::{api, assets, browse, documents, fallback, home, method_not_allowed, search};
use super::{AppState, WebConfig};
use crate::archive::Archive;

/// What pages may load: only this server's own style sheet and script; no frames, no plugins.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The application: every route over one shared archive.
pub fn router(archive: Arc<Archive>, config: WebConfig) -> Router {
    let state = AppState {
        archive,
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
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(on_panic))
}

/// A handler that panicked answers 500 with the error's JSON (the panic is logged), instead of
/// dropping the connection.
fn on_panic(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    eprintln!("error: a request handler panicked");
    super::routes::ApiError(super::WebError::Internal).into_response()
}
