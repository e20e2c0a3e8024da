//! [`add_to_linker_async`]: the `wasi_snapshot_preview1` functions as
//! async host functions, for stores driven by `call_async` and
//! `instantiate_async`.
//!
//! The functions that complete at once run inside their future as in the
//! sync linker. The ones that wait do not block the thread when they wait
//! for time to pass: `poll_oneoff` on clock subscriptions only awaits a
//! tokio timer, and `sched_yield` yields to the executor once.

use super::poll::PollPlan;
use super::*;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Defines every `wasi_snapshot_preview1` function in `linker` as an async
/// host function. `f` projects the store's data to its [`WasiP1Ctx`].
///
/// The functions can only be called from wasm run with
/// [`TypedFunc::call_async`](wasmtime::TypedFunc::call_async),
/// [`Func::call_async`](wasmtime::Func::call_async) or
/// [`Linker::instantiate_async`](wasmtime::Linker::instantiate_async); a
/// call through a synchronous `call` fails with an error.
///
/// A `poll_oneoff` call that only waits for clocks (a guest's `sleep`) and
/// `sched_yield` give the thread back to the executor while they wait. The
/// sleep uses `tokio::time::sleep` when it runs inside a tokio runtime
/// (which must then have its timers enabled, as with
/// `Builder::enable_all`); outside one it sleeps the thread. Waiting on
/// host descriptors (stdin, sockets) still blocks the thread, as in
/// [`add_to_linker_sync`].
///
/// Like [`add_to_linker_sync`], the functions use the calling instance's
/// exported `memory`.
///
/// ```no_run
/// use wasmtime::{Engine, Linker, Module, Store};
/// use wasmtime_wasi::p1::WasiP1Ctx;
/// use wasmtime_wasi::WasiCtxBuilder;
///
/// struct MyState {
///     wasi: WasiP1Ctx,
/// }
///
/// async fn run(engine: &Engine, module: &Module) -> wasmtime::Result<()> {
///     let mut linker: Linker<MyState> = Linker::new(engine);
///     wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s: &mut MyState| &mut s.wasi)?;
///     let wasi = WasiCtxBuilder::new().inherit_stdio().build_p1();
///     let mut store = Store::new(engine, MyState { wasi });
///     let instance = linker.instantiate_async(&mut store, module).await?;
///     let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
///     start.call_async(&mut store, ()).await?;
///     Ok(())
/// }
/// ```
pub fn add_to_linker_async<T: Send + 'static>(
    linker: &mut Linker<T>,
    f: impl Fn(&mut T) -> &mut WasiP1Ctx + Copy + Send + Sync + 'static,
) -> anyhow::Result<()> {
    macro_rules! define {
        (
            immediate { $($name:ident($($arg:ident: $ty:ty),*);)* }
            waiting { $($wname:ident($($warg:ident: $wty:ty),*);)* }
        ) => {
            $(linker.func_wrap_async(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, ($($arg,)*): ($($ty,)*)| {
                    Box::new(async move {
                        let (mem, data) = memory_and_data(&mut caller)?;
                        let mut mem = GuestMemory(mem);
                        anyhow::Ok(errno_code(f(data).$name(&mut mem, $($arg),*)))
                    })
                },
            )?;)*
            $(linker.func_wrap_async(
                MODULE,
                stringify!($wname),
                move |caller: Caller<'_, T>, ($($warg,)*): ($($wty,)*)| {
                    Box::new(waiting::$wname(caller, f, $($warg),*))
                },
            )?;)*
        };
    }
    wasi_functions!(define);
    define_proc_exit(linker)
}

/// The async forms of the functions in the `waiting` group of
/// `wasi_functions!`, one of the same name for each.
mod waiting {
    use super::*;

    /// `poll_oneoff`: as in the sync linker, but a wait on clocks alone is
    /// awaited instead of slept.
    pub(super) async fn poll_oneoff<T: 'static>(
        mut caller: Caller<'_, T>,
        f: impl Fn(&mut T) -> &mut WasiP1Ctx,
        subs: i32,
        events: i32,
        count: i32,
        out: i32,
    ) -> anyhow::Result<i32> {
        let plan: PollPlan = {
            let (mem, data) = memory_and_data(&mut caller)?;
            match f(data).poll_start(&mut GuestMemory(mem), subs, events, count, out) {
                Ok(plan) => plan,
                Err(errno) => return Ok(errno as i32),
            }
        };
        if let Some(t) = plan.sleep {
            sleep(t, plan.deadline).await;
        }
        // The memory is looked up again after the wait; nothing else could
        // use the store meanwhile, as this future holds the caller.
        let (mem, data) = memory_and_data(&mut caller)?;
        Ok(errno_code(f(data).poll_finish(&mut GuestMemory(mem), plan)))
    }

    /// `sched_yield`: gives the thread back to the executor once.
    pub(super) async fn sched_yield<T>(
        _caller: Caller<'_, T>,
        _f: impl Fn(&mut T) -> &mut WasiP1Ctx,
    ) -> anyhow::Result<i32> {
        YieldOnce(false).await;
        Ok(SUCCESS as i32)
    }
}

/// Waits `nanos` nanoseconds, until the monotonic clock reaches `deadline`:
/// on a tokio timer inside a tokio runtime, else by sleeping the thread.
async fn sleep(nanos: u64, deadline: u64) {
    if tokio::runtime::Handle::try_current().is_err() {
        std::thread::sleep(Duration::from_nanos(nanos));
        return;
    }
    let mut left = nanos;
    while left > 0 {
        tokio::time::sleep(Duration::from_nanos(left)).await;
        // A tokio timer counts in milliseconds; make sure that the whole
        // wait has passed on the clock `poll_oneoff` checks.
        left = match clock_now(1) {
            Ok(now) => deadline.saturating_sub(now),
            Err(_) => 0,
        };
    }
}

/// A future that is pending once (waking itself at once), then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
