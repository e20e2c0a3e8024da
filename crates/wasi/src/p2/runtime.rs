//! Running the host's futures from synchronous host functions: on the
//! Tokio runtime the caller is in, or on a shared one of our own.

use std::future::Future;
use std::sync::LazyLock;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("wasi-p2-io")
        .build()
        .expect("failed to start the Tokio runtime for WASI")
});

/// Runs `future` to completion, blocking the current thread. Inside a
/// multi-threaded Tokio runtime the thread is handed over first
/// (`block_in_place`); elsewhere the shared runtime drives it.
pub fn in_tokio<F: Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(future))
        }
        // A current-thread runtime cannot be blocked on from within; leave
        // its context and use ours.
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| RUNTIME.block_on(future))
                .join()
                .expect("WASI host future panicked")
        }),
        Err(_) => RUNTIME.block_on(future),
    }
}
