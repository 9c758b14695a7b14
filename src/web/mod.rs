//! The web reader and JSON API: `fonds serve`, server-rendered pages over one shared [`Archive`].
//!
//! The route table is in `router.rs`; `routes/` follows the URLs (handlers parse the request,
//! call the archive, return a view); `views/` turns records and results into what the askama
//! templates in `templates/` show; `error.rs` maps every error to one HTTP status, as an HTML
//! page or as JSON `{"error": {"code", "message"}}` under `/api/`. The URLs are a contract:
//! `/`, `/search`, `/documents/{id}`, `/browse/…`, `/api/…`, `/openapi.json`.
//!
//! Nothing slow runs on the async threads: archive reads, searches and rendering go to a
//! bounded pool of blocking threads (`workers.rs`), within a time budget per request
//! (`limits.rs`); connections are accepted under a cap and timed out (`server.rs`) so that
//! slow or stalled clients cannot starve the others.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::archive::Archive;

mod descriptors;
mod error;
mod limits;
mod markup;
mod params;
mod router;
mod routes;
mod server;
mod views;
mod workers;

pub use error::WebError;
pub use limits::Limits;
pub use markup::path_segment;
pub use router::router;

/// How the server presents itself, and what it allows.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The public address of the archive, without a trailing slash (`https://archive.example.org`),
    /// used in citations, canonical links and metadata.
    pub base_url: String,
    /// Timeouts, the time budget, the connection cap and the number of workers.
    pub limits: Limits,
}

/// What every handler shares: the archive, the configuration and the worker pool.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) archive: Arc<Archive>,
    pub(crate) config: Arc<WebConfig>,
    pub(crate) workers: Arc<workers::Workers>,
}

impl AppState {
    /// Runs `job` with this state on the worker pool, off the async threads: 503 when the pool
    /// is full (see [`workers::Workers::run`]).
    pub(crate) async fn work<T: Send + 'static>(
        &self,
        job: impl FnOnce(&AppState) -> T + Send + 'static,
    ) -> Result<T, WebError> {
        let app = self.clone();
        self.workers.run(move || job(&app)).await
    }
}

/// Binds `addr`, calls `on_bound` with the address actually bound (port 0 picks a free one), and
/// serves the archive until the process gets Ctrl-C or SIGTERM. `base_url` (when `None`,
/// `http://` and the bound address) is the archive's public address.
///
/// The soft open-file limit is first raised to the hard one, and the connection cap lowered
/// (with a note on stderr) if it would not leave 256 descriptors free for the store and the
/// index.
pub fn serve(
    archive: Archive,
    addr: &str,
    base_url: Option<String>,
    limits: Limits,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let open_files = descriptors::raise();
    let cap = descriptors::connection_cap(limits.max_connections, open_files);
    if let (true, Some(open_files)) = (cap < limits.max_connections, open_files) {
        eprintln!(
            "note: at most {cap} connections at once, not {}: the open-file limit is              {open_files} (raise it with `ulimit -n`)",
            limits.max_connections
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Query parsing and rendering recurse; give them the main thread's room, not 2 MiB.
        .thread_stack_size(8 << 20)
        .build()?;
    let served = runtime.block_on(async move {
        let listener = server::bind(addr).await?;
        let bound = listener.local_addr()?;
        let base_url = base_url
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| format!("http://{bound}"));
        let archive = Arc::new(archive);
        keep_index_fresh(Arc::downgrade(&archive));
        let app = router(
            archive,
            WebConfig {
                base_url,
                limits: limits.clone(),
            },
        );
        on_bound(bound);
        server::run(listener, app, limits, cap, shutdown_signal()).await;
        Ok(())
    });
    // A job whose request gave up may still be running on a worker: do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    served
}

/// Looks after the archive's index while the server runs, on a thread of its own: once a second,
/// it switches to an index generation another process made live, and repairs an index that
/// does not fit the store (a killed import left it behind, it was damaged) when no other
/// process is writing. Requests never wait for it.
fn keep_index_fresh(archive: std::sync::Weak<Archive>) {
    let spawned = std::thread::Builder::new()
        .name("fonds-index".into())
        .spawn(move || {
            while let Some(archive) = archive.upgrade() {
                if let Err(e) = archive.maintain() {
                    eprintln!("error: looking after the index: {e}");
                }
                drop(archive);
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        eprintln!("error: the index will not be looked after: {e}");
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
