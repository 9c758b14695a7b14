//! The error page: what went wrong, in words, and where to go from there.

use askama::Template;

use super::super::markup::clean;

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The status line: "404 Not Found".
    pub status: String,
    /// The heading.
    pub heading: String,
    /// What went wrong.
    pub message: String,
}

impl ErrorPage {
    /// The page for an error.
    pub fn new(status: axum::http::StatusCode, heading: &str, message: &str) -> ErrorPage {
        ErrorPage {
            status: status.to_string(),
            heading: heading.to_string(),
            message: clean(message),
        }
    }
}
