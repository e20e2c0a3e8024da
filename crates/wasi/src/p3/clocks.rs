//! `wasi:clocks@0.3.0`: `monotonic-clock` (with the async `wait-until` and
//! `wait-for`, which suspend only the calling task) and `system-clock`.

use crate::p2::host_cli::monotonic_now;
use crate::WasiView;
use std::time::{Duration, SystemTime};
use wasmtime::component::{ComponentType, Lift, Linker, Lower};
use wasmtime::StoreContextMut;

/// `wasi:clocks/system-clock.instant`: seconds and nanoseconds since the
/// Unix epoch.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(record)]
pub struct Instant {
    /// Whole seconds (negative before the epoch).
    pub seconds: i64,
    /// Nanoseconds within the second, below 1,000,000,000.
    pub nanoseconds: u32,
}

/// The system clock's reading now.
pub(crate) fn system_now() -> Instant {
    match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => Instant {
            seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanoseconds: d.subsec_nanos(),
        },
        Err(e) => {
            // Before the epoch: floor to whole seconds.
            let d = e.duration();
            let mut seconds = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let mut nanoseconds = d.subsec_nanos();
            if nanoseconds > 0 {
                seconds -= 1;
                nanoseconds = 1_000_000_000 - nanoseconds;
            }
            Instant {
                seconds,
                nanoseconds,
            }
        }
    }
}

/// Sleeps until the monotonic clock reads `deadline` (nanoseconds).
async fn sleep_until(deadline: u64) {
    let now = monotonic_now();
    if deadline > now {
        tokio::time::sleep(Duration::from_nanos(deadline - now)).await;
    }
}

/// Defines `wasi:clocks@0.3.0` in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    linker.instance("wasi:clocks/types@0.3.0")?;
    let mut mono = linker.instance("wasi:clocks/monotonic-clock@0.3.0")?;
    mono.func_wrap("now", |_: StoreContextMut<'_, T>, (): ()| {
        Ok((monotonic_now(),))
    })?;
    mono.func_wrap("get-resolution", |_: StoreContextMut<'_, T>, (): ()| {
        Ok((1u64,))
    })?;
    mono.func_wrap_concurrent("wait-until", |_, (when,): (u64,)| {
        Box::pin(async move {
            sleep_until(when).await;
            Ok(())
        })
    })?;
    mono.func_wrap_concurrent("wait-for", |_, (how_long,): (u64,)| {
        Box::pin(async move {
            sleep_until(monotonic_now().saturating_add(how_long)).await;
            Ok(())
        })
    })?;
    let mut system = linker.instance("wasi:clocks/system-clock@0.3.0")?;
    system.func_wrap("now", |_: StoreContextMut<'_, T>, (): ()| {
        Ok((system_now(),))
    })?;
    system.func_wrap("get-resolution", |_: StoreContextMut<'_, T>, (): ()| {
        Ok((1u64,))
    })?;
    Ok(())
}
