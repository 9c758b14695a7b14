//! Accepting and driving connections: the connection cap, the header and idle timeouts, and graceful shutdown.
//!
//! Each connection takes a place from a semaphore of `cap` places before it is accepted, so
//! that past the cap new connections wait in the kernel's listen queue, and the ones already
//! accepted are never starved of descriptors or time. Each is served by hyper's HTTP/1
//! connection with a header-read timeout (its clock starts when the connection is ready for a
//! request: when it opens and after each answer) and a bounded read buffer, under a watchdog
//! that closes it when no byte has moved for the idle timeout while none of its requests is
//! being worked on. On Ctrl-C or SIGTERM the listener is closed, every connection is asked to
//! finish its answer in progress and close, and the server waits for them at most one request
//! budget.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use super::limits::{Limits, MAX_READ_BUFFER};

/// The length of the kernel's queue of connections not yet accepted (the kernel may lower it
/// to `net.core.somaxconn`). Past the cap, new connections wait here.
const BACKLOG: u32 = 4096;

/// Binds `addr` (a socket address or `host:port`) with a listen queue of [`BACKLOG`].
pub async fn bind(addr: &str) -> io::Result<TcpListener> {
    let mut last = None;
    for address in tokio::net::lookup_host(addr).await? {
        let socket = if address.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As std's listeners do on Unix: a restarted server can bind while old connections
        // linger in TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(address).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{addr}` names no address to listen on"),
        )
    }))
}

/// Serves `app` on `listener`, at most `cap` connections at once, until `shutdown` resolves;
/// then lets the connections finish (at most `limits.request_timeout`) and returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    cap: usize,
    shutdown: impl Future<Output = ()>,
) {
    let places = Arc::new(Semaphore::new(cap));
    let (stop, stopping) = watch::channel(false);
    let limits = Arc::new(limits);
    let mut shutdown = pin!(shutdown);
    let mut last_complaint: Option<Instant> = None;
    loop {
        let place = tokio::select! {
            biased;
            () = &mut shutdown => break,
            place = Arc::clone(&places).acquire_owned() => {
                place.expect("the connection semaphore is never closed")
            }
        };
        let stream = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_per_connection(&e) => continue,
                Err(e) => {
                    // Out of descriptors or memory: wait rather than spin; say so once a second.
                    if last_complaint.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                        eprintln!("error: accepting a connection: {e}; retrying");
                        last_complaint = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection(
            stream,
            app.clone(),
            Arc::clone(&limits),
            place,
            stopping.clone(),
        ));
    }
    drop(listener);
    stop.send_replace(true);
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.request_timeout, places.acquire_many(all))
        .await
        .is_err()
    {
        let open = cap - places.available_permits();
        eprintln!("note: {open} connections were still open at shutdown; they are closed");
    }
}

/// Errors of one connection that went away before it was accepted: the listener is fine.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Serves one connection until it closes, times out, goes idle, or the server stops. `_place`
/// is its place under the cap, given back when this returns.
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Arc<Limits>,
    _place: OwnedSemaphorePermit,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = {
        let activity = Arc::clone(&activity);
        service_fn(move |request: hyper::Request<Incoming>| {
            let working = Working::start(&activity);
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(working);
                response
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_READ_BUFFER)
        .keep_alive(true);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut idle = pin!(activity.idle_for(limits.idle_timeout));
    let mut asked_to_stop = false;
    loop {
        tokio::select! {
            // An error here is the client's doing (a reset, a malformed request, the header
            // timeout); hyper has answered what can be answered.
            _ = conn.as_mut() => break,
            // Dropping the connection closes the socket.
            () = idle.as_mut() => break,
            _ = stopping.changed(), if !asked_to_stop => {
                asked_to_stop = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved a byte, and whether one of its requests is being worked on.
struct Activity {
    /// Tokio's clock, which tests can pause.
    opened: tokio::time::Instant,
    /// Milliseconds from `opened` to the last byte read or written.
    last: AtomicU64,
    /// Requests of this connection in a handler.
    working: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            opened: tokio::time::Instant::now(),
            last: AtomicU64::new(0),
            working: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    fn quiet(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.opened.elapsed().saturating_sub(last)
    }

    /// Resolves once nothing has moved for `limit` while no request is being worked on. (A
    /// handler's time is bounded by the request budget, not by this.)
    async fn idle_for(&self, limit: Duration) {
        loop {
            let quiet = self.quiet();
            if quiet < limit {
                tokio::time::sleep(limit - quiet).await;
            } else if self.working.load(Ordering::Relaxed) > 0 {
                tokio::time::sleep(limit).await;
            } else {
                return;
            }
        }
    }
}

/// A request of a connection in its handler; its end counts as activity.
struct Working(Arc<Activity>);

impl Working {
    fn start(activity: &Arc<Activity>) -> Working {
        activity.working.fetch_add(1, Ordering::Relaxed);
        Working(Arc::clone(activity))
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.touch();
        self.0.working.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A stream that notes in its [`Activity`] every byte it moves.
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_waits_while_a_request_is_worked_on() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let activity = Arc::new(Activity::new());
            let limit = Duration::from_millis(100);
            // Nothing moves and nothing is worked on: idle after the limit.
            let started = tokio::time::Instant::now();
            activity.idle_for(limit).await;
            assert!(started.elapsed() >= limit);
            // A request in its handler keeps the connection from being idle.
            let working = Working::start(&activity);
            let idle = tokio::time::timeout(limit * 3, activity.idle_for(limit)).await;
            assert!(idle.is_err(), "idle while a request was worked on");
            // Its end counts as activity: idle a whole limit after it.
            drop(working);
            let ended = tokio::time::Instant::now();
            activity.idle_for(limit).await;
            assert!(ended.elapsed() >= limit);
        });
    }
}
