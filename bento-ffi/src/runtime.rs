//! The one tokio runtime every `AsyncBentoClient` runs its calls on, and [`spawn`], which runs
//! one call there and is awaited by the foreign language's event loop.
//!
//! uniffi polls an exported `async fn` from the foreign side (Python's asyncio, Kotlin
//! coroutines, Swift tasks), not from inside a tokio runtime, while reqwest's futures need a
//! tokio reactor. So each call is a task on this runtime and the exported future only awaits
//! its `JoinHandle`, which any executor can poll. Dropping that future — a cancelled asyncio
//! task or coroutine — aborts the task, and with it the request: its connection is closed.
//!
//! One runtime for the process, with two worker threads: the calls are I/O-bound (a hundred
//! concurrent awaits cost one call's time), and the blocking `BentoClient` keeps its own I/O
//! thread, so neither can starve the other.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

use crate::error::BentoError;

/// A value that belongs to the process that made it. A child forked after it was made (Python's
/// `multiprocessing` on Linux) has none of the parent's threads, so the child makes its own; the
/// parent's is forgotten, never dropped there (dropping a runtime would wait for threads, and a
/// client's pool would close connections, that exist only in the parent).
pub(crate) struct PerProcess<T>(Mutex<Option<(u32, T)>>);

impl<T> PerProcess<T> {
    pub(crate) const fn empty() -> Self {
        PerProcess(Mutex::new(None))
    }

    pub(crate) fn new(value: T) -> Self {
        PerProcess(Mutex::new(Some((std::process::id(), value))))
    }

    /// `read` of this process's value; `make` makes it first when this process has none.
    pub(crate) fn get<R>(
        &self,
        make: impl FnOnce() -> Result<T, BentoError>,
        read: impl FnOnce(&T) -> R,
    ) -> Result<R, BentoError> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let pid = std::process::id();
        match &*slot {
            Some((made_by, value)) if *made_by == pid => return Ok(read(value)),
            _ => {}
        }
        let value = make()?;
        let out = read(&value);
        if let Some(old) = slot.replace((pid, value)) {
            std::mem::forget(old);
        }
        Ok(out)
    }
}

/// This process's runtime, started on first use.
static RUNTIME: PerProcess<Runtime> = PerProcess::empty();

/// The shared runtime's handle (see [`PerProcess`] for a forked child).
pub(crate) fn handle() -> Result<Handle, BentoError> {
    RUNTIME.get(
        || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("bento-async")
                .enable_all()
                .build()
                .map_err(|e| BentoError::Internal {
                    message: format!("cannot start the async runtime: {e}"),
                })
        },
        |runtime| runtime.handle().clone(),
    )
}

/// Aborts the task when the future awaiting it is dropped (the foreign task was cancelled).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `call` on the shared runtime and waits for it. A panic in it is caught by the runtime
/// and becomes `BentoError::Internal`; dropping the returned future aborts the call.
pub(crate) async fn spawn<T: Send + 'static>(
    call: impl Future<Output = Result<T, BentoError>> + Send + 'static,
) -> Result<T, BentoError> {
    let mut task = AbortOnDrop(handle()?.spawn(call));
    match (&mut task.0).await {
        Ok(result) => result,
        Err(e) => match e.try_into_panic() {
            Ok(payload) => Err(BentoError::from_panic(&*payload)),
            // Only an abort (ours, once nobody awaits) or a runtime shutdown ends a task so.
            Err(_) => Err(BentoError::Internal {
                message: "the call's task was cancelled".to_owned(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    fn block_on<F: Future>(future: F) -> F::Output {
        // A runtime of the test's own, like a foreign event loop: not the shared one.
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("test runtime")
            .block_on(future)
    }

    #[test]
    fn a_panic_in_a_call_is_an_internal_error() {
        let out = block_on(spawn(async {
            if true {
                panic!("boom at user@example.com");
            }
            Ok(())
        }));
        match out {
            Err(BentoError::Internal { message }) => {
                assert!(message.contains("boom"), "{message}");
                assert!(!message.contains("user@example.com"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dropping_the_future_aborts_the_call() {
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = SetOnDrop(dropped.clone());
        let call = spawn(async move {
            let _flag = flag;
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        });
        block_on(async {
            // Polled once (the task starts), then given up, as a cancelled foreign task is.
            let _ = tokio::time::timeout(Duration::from_millis(50), call).await;
        });
        for _ in 0..200 {
            if dropped.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the task kept running after its future was dropped");
    }

    #[test]
    fn results_come_back() {
        assert_eq!(block_on(spawn(async { Ok(7) })).ok(), Some(7));
        let err = block_on(spawn(async { Err::<(), _>(BentoError::invalid("f", "r")) }));
        assert!(matches!(err, Err(BentoError::InvalidInput { .. })));
    }
}
