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

/// The runtime that sockets register with and background work runs on:
/// the caller's when it is a multi-threaded one (its workers keep driving
/// the sockets' readiness while a host function blocks), ours otherwise.
/// A current-thread runtime is not used: a synchronous host function
/// blocks its only thread, and sockets registered with it would never
/// become ready.
pub(crate) fn io_handle() -> tokio::runtime::Handle {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            handle
        }
        _ => RUNTIME.handle().clone(),
    }
}

/// Runs `f` inside the context of a Tokio runtime whose reactor keeps
/// running while host functions block: the caller's if it is a
/// multi-threaded runtime, otherwise a shared one of this crate. Tokio
/// sockets created (or first polled) by `f` register with that reactor,
/// whether or not the caller is on a Tokio runtime.
pub fn with_ambient_tokio_runtime<R>(f: impl FnOnce() -> R) -> R {
    let handle = io_handle();
    let _guard = handle.enter();
    f()
}

/// Polls `future` once; if it is not ready yet, blocks on it with
/// [`in_tokio`]. For futures that are nearly always ready at once (the
/// embedder's socket address checks, a fresh socket's first readiness).
pub(crate) fn now_or_block<F: Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    let mut future = std::pin::pin!(future);
    let waker = std::task::Waker::noop();
    let polled = with_ambient_tokio_runtime(|| {
        future
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
    });
    match polled {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => in_tokio(future),
    }
}
