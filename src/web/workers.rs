//! The worker pool: archive reads, searches and rendering, off the async threads, a bounded number at a time.
//!
//! A handler hands its synchronous work to [`Workers::run`]. At most `threads` jobs run at once,
//! each on one of tokio's blocking threads; at most `queue` more wait for a turn. A job that
//! finds the queue full is refused at once with 503 (`Retry-After: 1`) rather than queued
//! without bound. A waiting job whose request runs out of time (the budget in
//! [`limits`](super::limits)) is dropped before it starts; a running one cannot be stopped (a
//! thread cannot be cancelled), so it runs to its end in the background and keeps its turn
//! meanwhile: the pool never runs more than `threads` jobs, however many requests gave up.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::error::WebError;

/// How many jobs may wait for a turn, per thread.
pub const QUEUE_PER_THREAD: usize = 64;

/// The bounded pool of blocking work.
#[derive(Debug)]
pub struct Workers {
    /// Turns to run: one per thread.
    running: Arc<Semaphore>,
    /// Places in the pool, running or waiting: `threads + queue`.
    admitted: Arc<Semaphore>,
}

impl Workers {
    /// A pool running at most `threads` jobs at once, with `threads * QUEUE_PER_THREAD` more
    /// waiting.
    pub fn new(threads: usize) -> Workers {
        let threads = threads.max(1);
        Workers {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads + threads * QUEUE_PER_THREAD)),
        }
    }

    /// The default number of threads: the machine's cores, and at least 4, so that one slow
    /// page cannot take the only turn on a small machine.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .max(4)
    }

    /// Runs `job` on a blocking thread once it has a turn, and returns what it returned.
    ///
    /// [`WebError::Unavailable`] when the pool is full. A panic in the job is resumed here, so
    /// that the router's panic layer answers it as before.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WebError> {
        let place = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| WebError::Unavailable {
                message: "the server is answering as many requests as it can; try again in a \
                          second"
                    .into(),
                retry_after: 1,
            })?;
        let turn = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .expect("the pool's semaphores are never closed");
        let handle = tokio::task::spawn_blocking(move || {
            // Held until the job ends, even if its request has given up.
            let _held = (place, turn);
            job()
        });
        match handle.await {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => {
                eprintln!("error: a worker job was cancelled: {e}");
                Err(WebError::Internal)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn jobs_run_off_the_async_threads_and_return_their_value() {
        runtime().block_on(async {
            let workers = Workers::new(2);
            let (on_async, on_job) = (
                std::thread::current().id(),
                workers.run(|| std::thread::current().id()).await.unwrap(),
            );
            assert_ne!(on_async, on_job);
        });
    }

    #[test]
    fn a_full_pool_refuses_at_once_and_a_running_job_keeps_its_turn() {
        runtime().block_on(async {
            let workers = Arc::new(Workers::new(1));
            let capacity = 1 + QUEUE_PER_THREAD;
            // One job holds the only turn until released.
            let (release, wait) = mpsc::channel::<()>();
            let hog = tokio::spawn({
                let workers = Arc::clone(&workers);
                async move { workers.run(move || wait.recv().unwrap()).await }
            });
            while workers.running.available_permits() > 0 {
                tokio::task::yield_now().await;
            }
            // The queue fills: those jobs wait, none runs.
            let mut queued = Vec::new();
            for _ in 1..capacity {
                let workers = Arc::clone(&workers);
                queued.push(tokio::spawn(async move { workers.run(|| 7).await }));
            }
            while workers.admitted.available_permits() > 0 {
                tokio::task::yield_now().await;
            }
            // One more is refused at once, saying when to retry.
            let refused = tokio::time::timeout(Duration::from_secs(1), workers.run(|| 0))
                .await
                .expect("a full pool answers at once");
            assert_eq!(refused.unwrap_err().retry_after(), Some(1));
            // A request that gives up while waiting frees its place; the running job keeps its turn.
            queued.pop().unwrap().abort();
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(workers.admitted.available_permits(), 1);
            hog.abort();
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(workers.running.available_permits(), 0);
            // Released, it ends, and the queued jobs run.
            release.send(()).unwrap();
            for job in queued {
                assert_eq!(job.await.unwrap().unwrap(), 7);
            }
            assert_eq!(workers.running.available_permits(), 1);
        });
    }
}
