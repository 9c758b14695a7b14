//! Handlers, following the URLs: each parses its request, asks the archive, returns a view.

pub mod api;
pub mod assets;
pub mod browse;
pub mod documents;
pub mod home;
pub mod search;

use askama::Template;
use axum::http::{Uri, header};
use axum::response::{Html, IntoResponse, Response};

use super::error::WebError;
use super::views::error::ErrorPage;

/// An error answered as an HTML page.
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let heading = match &self.0 {
            WebError::NotFound { .. } => "Not found",
            WebError::BadRequest { .. } => "That request cannot be answered",
            WebError::MethodNotAllowed { .. } => "Only reading is allowed here",
            WebError::UriTooLong { .. } => "That address is too long",
            WebError::HeadersTooLarge { .. } => "That request's headers are too large",
            WebError::BodyTooLarge { .. } => "That request is too large",
            WebError::Unavailable { .. } => "The archive is busy",
            WebError::Internal => "Something went wrong",
        };
        let page = ErrorPage::new(status, heading, &self.0.to_string());
        let response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.0.to_string()).into_response(),
        };
        with_retry_after(response, &self.0)
    }
}

/// `Retry-After` on the answer to an error that passes (503).
fn with_retry_after(mut response: Response, e: &WebError) -> Response {
    if let Some(seconds) = e.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    response
}

/// An error for a request to `path`: JSON under `/api/` (and for `/openapi.json`), a page
/// elsewhere.
pub fn error_for(path: &str, e: WebError) -> Response {
    if path.starts_with("/api/") || path == "/api" || path == "/openapi.json" {
        ApiError(e).into_response()
    } else {
        PageError(e).into_response()
    }
}

/// An error answered as JSON: `{"error": {"code", "message"}}`.
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let response = (
            self.0.status(),
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            ],
            self.0.to_json().to_string(),
        )
            .into_response();
        with_retry_after(response, &self.0)
    }
}

/// A rendered page, or the error its template hit.
pub fn render(template: &impl Template) -> Result<Html<String>, PageError> {
    template.render().map(Html).map_err(|e| {
        eprintln!("error: rendering a page: {e}");
        PageError(WebError::Internal)
    })
}

/// Any other URL: a JSON 404 under `/api/`, a friendly page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    let what = WebError::NotFound {
        what: format!("`{}`", uri.path()),
    };
    error_for(uri.path(), what)
}

/// A known URL asked with another method than GET or HEAD: 405, as JSON under `/api/`.
pub async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> Response {
    let e = WebError::MethodNotAllowed {
        method: method.to_string(),
    };
    error_for(uri.path(), e)
}

/// A path parameter, or the error for a path the router could not take apart (a segment
/// that is not UTF-8 once decoded).
pub fn path_param(
    extracted: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<String, WebError> {
    extracted
        .map(|axum::extract::Path(p)| p)
        .map_err(|e| WebError::parameter(e.body_text()))
}
