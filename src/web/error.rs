//! Web errors: user errors apart from internal ones, each with one HTTP status and a stable code.

use axum::http::StatusCode;

use crate::error::Error;
use crate::index::IndexError;

/// Everything a request can fail with, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// No document (or collection, archival file, page) by that name.
    #[error("{what} was not found")]
    NotFound {
        /// What was asked for, for the message: "document `x`".
        what: String,
    },
    /// A parameter the client sent cannot be used: a malformed date, an unknown sort, a query
    /// that names no field the archive has.
    #[error("{message}")]
    BadRequest {
        /// A stable, machine-readable code: `invalid_query`, `invalid_parameter`.
        code: &'static str,
        /// What is wrong and how to put it right.
        message: String,
    },
    /// The URL exists but not for this method (the API and the pages only answer GET and HEAD).
    #[error("{method} is not allowed here; use GET")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
    },
    /// The archive is busy (its index is being rebuilt by another process).
    #[error("{message}")]
    Unavailable {
        /// What is going on.
        message: String,
    },
    /// The archive failed; the details are logged, not shown.
    #[error("the archive could not answer; the error has been logged")]
    Internal,
}

impl WebError {
    /// A parameter error.
    pub fn parameter(message: impl Into<String>) -> WebError {
        WebError::BadRequest {
            code: "invalid_parameter",
            message: message.into(),
        }
    }

    /// The HTTP status of this error: the one table from error to status.
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound { .. } => StatusCode::NOT_FOUND,
            WebError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            WebError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients can match on.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotFound { .. } => "not_found",
            WebError::BadRequest { code, .. } => code,
            WebError::MethodNotAllowed { .. } => "method_not_allowed",
            WebError::Unavailable { .. } => "unavailable",
            WebError::Internal => "internal",
        }
    }

    /// The body of a JSON error response: `{"error": {"code", "message"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}})
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> WebError {
        match e {
            Error::NotFound { id } => WebError::NotFound {
                what: format!("`{id}`"),
            },
            Error::Index(IndexError::Query { query, message }) => WebError::BadRequest {
                code: "invalid_query",
                message: format!("cannot search for `{query}`: {message}"),
            },
            Error::Index(IndexError::Locked { .. } | IndexError::Unusable { .. })
            | Error::Lock(_) => WebError::Unavailable {
                message: "the index is being rebuilt; try again in a moment".into(),
            },
            e @ (Error::Ingest(_)
            | Error::Store(_)
            | Error::Index(_)
            | Error::NoArchive { .. }
            | Error::Io { .. }) => {
                eprintln!("error: {e}");
                WebError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_are_4xx_and_name_the_thing() {
        let e = WebError::from(Error::NotFound {
            id: "wcda-1".into(),
        });
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.to_json(),
            serde_json::json!({"error": {"code": "not_found", "message": "`wcda-1` was not found"}})
        );
        let e = WebError::from(Error::Index(IndexError::Query {
            query: "auther:x".into(),
            message: "no field `auther`".into(),
        }));
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(e.code(), "invalid_query");
    }
}
