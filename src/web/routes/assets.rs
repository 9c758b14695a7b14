//! `/assets/…`: the style sheet and the small script that enhances pages (copy buttons).

use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = include_str!("../assets/fonds.css");
const JS: &str = include_str!("../assets/fonds.js");

/// The style sheet.
pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

/// The script.
pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}
