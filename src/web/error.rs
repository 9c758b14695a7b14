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
    /// The request's target is longer than the server reads.
    #[error("the address is {length} bytes long; at most {limit} are read")]
    UriTooLong {
        /// Its length in bytes.
        length: usize,
        /// The most allowed.
        limit: usize,
    },
    /// The request's header fields together are larger than the server reads.
    #[error("the request's header fields take {size} bytes; at most {limit} are read")]
    HeadersTooLarge {
        /// Their size in bytes (names, values and line ends).
        size: usize,
        /// The most allowed.
        limit: usize,
    },
    /// The request's body is larger than the server reads.
    #[error("the request's body is {size} bytes; at most {limit} are read")]
    BodyTooLarge {
        /// Its size in bytes (its `Content-Length`).
        size: u64,
        /// The most allowed.
        limit: usize,
    },
    /// The server cannot answer now: the index is being rebuilt, every worker is taken, or the
    /// answer took longer than its time budget. Clients are told when to try again.
    #[error("{message}")]
    Unavailable {
        /// What is going on.
        message: String,
        /// Seconds after which a retry may succeed (`Retry-After`).
        retry_after: u64,
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
            WebError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            WebError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            WebError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
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
            WebError::UriTooLong { .. } => "uri_too_long",
            WebError::HeadersTooLarge { .. } => "headers_too_large",
            WebError::BodyTooLarge { .. } => "body_too_large",
            WebError::Unavailable { .. } => "unavailable",
            WebError::Internal => "internal",
        }
    }

    /// The seconds a client should wait before trying again (`Retry-After`), for errors that
    /// pass.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            WebError::Unavailable { retry_after, .. } => Some(*retry_after),
            _ => None,
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
                retry_after: 5,
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

    #[test]
    fn limits_have_their_own_statuses_and_unavailable_says_when_to_retry() {
        let e = WebError::UriTooLong {
            length: 9000,
            limit: 8192,
        };
        assert_eq!((e.status().as_u16(), e.code()), (414, "uri_too_long"));
        assert_eq!(
            e.to_string(),
            "the address is 9000 bytes long; at most 8192 are read"
        );
        let e = WebError::HeadersTooLarge {
            size: 20000,
            limit: 16384,
        };
        assert_eq!((e.status().as_u16(), e.code()), (431, "headers_too_large"));
        let e = WebError::BodyTooLarge {
            size: 1 << 20,
            limit: 65536,
        };
        assert_eq!((e.status().as_u16(), e.code()), (413, "body_too_large"));
        assert_eq!(e.retry_after(), None);
        let e = WebError::Unavailable {
            message: "busy".into(),
            retry_after: 3,
        };
        assert_eq!((e.status().as_u16(), e.retry_after()), (503, Some(3)));
    }
}
