//! What the server allows a connection and a request: timeouts, sizes, the time budget, and the middleware that enforces the per-request ones.
//!
//! Per connection (enforced in [`server`](super::server)): a header timeout, an idle timeout
//! and a cap on connections. Per request (enforced here, before any handler): the target's
//! length (414), the header fields' size (431), the body's size (413), and a time budget for
//! the whole answer (503 with `Retry-After`). Each refusal goes through [`WebError`], so it is
//! a page for readers and `{"error": …}` under `/api/`.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use super::error::WebError;
use super::routes::error_for;

/// The longest request target (path and query) read: longer is 414.
pub const MAX_URI: usize = 8 * 1024;
/// The most bytes of header fields read (each name, value and line end): more is 431.
pub const MAX_HEADERS: usize = 16 * 1024;
/// The largest request body read: larger is 413. Every route is GET or HEAD today; OAI-PMH's
/// POST of a form needs a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// The most a connection's read buffer holds: a request head larger than this is refused by
/// the HTTP parser itself (a bare 431) before it reaches the checks above. It also bounds the
/// memory a connection takes while it sends its head.
pub const MAX_READ_BUFFER: usize = 64 * 1024;

/// The limits of `fonds serve`, as the operator may set them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most connections open at once; more wait in the kernel's queue. Lowered at start to
    /// fit under the process's open-file limit.
    pub max_connections: usize,
    /// How long a client may take to send a request's head, from the moment its connection is
    /// ready for one: when it opens, or when the previous answer was sent (so a kept-alive
    /// connection waiting idle is closed after this too).
    pub header_timeout: Duration,
    /// How long a connection may stay with no byte moving either way while the server is not
    /// working on one of its requests: a client that stops reading its answer, or stops
    /// sending its body, is closed after this.
    pub idle_timeout: Duration,
    /// The time budget of one request, from its head to its answer: past it the client gets
    /// 503 with `Retry-After`.
    pub request_timeout: Duration,
    /// How many requests' archive work (reads, searches, rendering) runs at once.
    pub workers: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            workers: super::workers::Workers::default_threads(),
        }
    }
}

/// Refuses a request whose target, header fields or declared body is too large, before it is
/// routed.
pub async fn sizes(request: Request, next: Next) -> Response {
    match too_large(&request) {
        Some(e) => error_for(request.uri().path(), e),
        None => next.run(request).await,
    }
}

/// What is too large in `request`, if anything.
fn too_large(request: &Request) -> Option<WebError> {
    let uri = request.uri();
    let length = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_URI {
        return Some(WebError::UriTooLong {
            length,
            limit: MAX_URI,
        });
    }
    let size: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + 2 + value.len() + 2)
        .sum();
    if size > MAX_HEADERS {
        return Some(WebError::HeadersTooLarge {
            size,
            limit: MAX_HEADERS,
        });
    }
    // A body sent without a length (chunked) is held to the same limit by axum's
    // `DefaultBodyLimit` when a handler reads it.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(size) if size > MAX_BODY as u64 => Some(WebError::BodyTooLarge {
            size,
            limit: MAX_BODY,
        }),
        _ => None,
    }
}

/// Answers 503 with `Retry-After` when the request is not answered within its budget. The
/// handler's future is dropped: work still waiting for a worker never starts.
pub async fn budget(State(budget): State<Duration>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    match tokio::time::timeout(budget, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let seconds = budget.as_secs_f64();
            error_for(
                &path,
                WebError::Unavailable {
                    message: format!(
                        "this request took longer than the {seconds} s the server gives one; \
                         try again later"
                    ),
                    retry_after: budget.as_secs().max(1),
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(target: &str, headers: &[(&str, String)]) -> Request {
        let mut r = Request::builder().uri(target);
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        r.body(Body::empty()).unwrap()
    }

    #[test]
    fn each_limit_is_refused_just_past_it_and_not_before() {
        let at = format!("/search?q={}", "x".repeat(MAX_URI - 10));
        assert_eq!(at.len(), MAX_URI);
        assert_eq!(too_large(&request(&at, &[])), None);
        assert_eq!(
            too_large(&request(&format!("{at}y"), &[])),
            Some(WebError::UriTooLong {
                length: MAX_URI + 1,
                limit: MAX_URI
            })
        );
        // "x-big: " + value + CRLF.
        let value = "v".repeat(MAX_HEADERS - 9);
        assert_eq!(too_large(&request("/", &[("x-big", value.clone())])), None);
        assert!(matches!(
            too_large(&request("/", &[("x-big", value + "v")])),
            Some(WebError::HeadersTooLarge { size, .. }) if size == MAX_HEADERS + 1
        ));
        let length = |n: usize| [("content-length", n.to_string())];
        assert_eq!(too_large(&request("/", &length(MAX_BODY))), None);
        assert!(matches!(
            too_large(&request("/", &length(MAX_BODY + 1))),
            Some(WebError::BodyTooLarge { size, .. }) if size == MAX_BODY as u64 + 1
        ));
    }
}
