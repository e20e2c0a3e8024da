//! The async side of a store's configuration: yielding to the executor on
//! fuel and epoch deadlines. Configuring either makes the store require
//! the `*_async` entry points (`Func::call_async`, `Instance::new_async`,
//! ...), as in Wasmtime.

use super::{LimiterInner, Store, StoreContextMut, StoreOpaque, UpdateDeadline};
use anyhow::{ensure, Result};
use std::num::NonZeroU64;

impl StoreOpaque {
    fn fuel_async_yield_interval(&mut self, interval: Option<u64>) -> Result<()> {
        ensure!(
            self.engine.config().tunables.consume_fuel,
            "fuel is not configured in this store"
        );
        ensure!(
            interval != Some(0),
            "fuel_async_yield_interval must not be 0"
        );
        self.async_required = true;
        self.fuel_yield_interval = interval.and_then(NonZeroU64::new);
        // Spread the fuel over the counter and the reserve anew.
        let fuel = self.get_fuel()?;
        self.set_fuel(fuel)
    }
}

/// An async call hook, installed with [`Store::call_hook_async`]: called on
/// every transition between host and wasm code, it may wait (the wasm's
/// fiber is suspended meanwhile). Implement it with
/// `#[async_trait::async_trait]`.
#[cfg(feature = "call-hook")]
#[async_trait::async_trait]
pub trait CallHookHandler<T>: Send {
    /// Handles the transition `ch`; an error is raised as
    /// [`Store::call_hook`] describes.
    async fn handle_call_event(&self, t: StoreContextMut<'_, T>, ch: crate::CallHook)
        -> Result<()>;
}

impl<T> Store<T> {
    /// Installs an async resource limiter, returned by `limiter` from the
    /// store's data (see [`ResourceLimiterAsync`](crate::ResourceLimiterAsync)).
    /// The store then requires the `*_async` entry points.
    pub fn limiter_async(
        &mut self,
        limiter: impl (FnMut(&mut T) -> &mut dyn crate::ResourceLimiterAsync) + Send + Sync + 'static,
    ) {
        self.inner.opaque.async_required = true;
        self.inner.limiter = Some(LimiterInner::Async(Box::new(limiter)));
    }

    /// Installs an async call hook (see [`CallHookHandler`]). The store
    /// then requires the `*_async` entry points.
    #[cfg(feature = "call-hook")]
    #[allow(clippy::implied_bounds_in_impls)] // Wasmtime 48's exact signature
    pub fn call_hook_async(&mut self, hook: impl CallHookHandler<T> + Send + Sync + 'static) {
        self.inner.opaque.async_required = true;
        self.inner.opaque.has_call_hook = true;
        self.inner.call_hook = Some(super::CallHookInner::Async(Box::new(hook)));
    }

    /// Makes wasm yield to the async executor each time it has consumed
    /// `interval` units of fuel (`None`: never), then go on while fuel
    /// remains. Running out of fuel altogether still traps.
    ///
    /// The store then requires the `*_async` entry points.
    ///
    /// Errors if fuel is not enabled or `interval` is `Some(0)`.
    pub fn fuel_async_yield_interval(&mut self, interval: Option<u64>) -> Result<()> {
        self.inner.opaque.fuel_async_yield_interval(interval)
    }

    /// The older form of [`Store::fuel_async_yield_interval`]: gives the
    /// store `injection_count * fuel_to_inject` fuel, yielding each time
    /// `fuel_to_inject` of it has been consumed.
    ///
    /// # Panics
    ///
    /// Panics if fuel is not enabled or `fuel_to_inject` is 0.
    #[deprecated(note = "use `Store::set_fuel` and `Store::fuel_async_yield_interval`")]
    pub fn out_of_fuel_async_yield(&mut self, injection_count: u64, fuel_to_inject: u64) {
        let opaque = &mut self.inner.opaque;
        opaque
            .set_fuel(injection_count.saturating_mul(fuel_to_inject))
            .and_then(|()| opaque.fuel_async_yield_interval(Some(fuel_to_inject)))
            .expect("fuel must be enabled and `fuel_to_inject` non-zero");
    }

    /// When wasm reaches the epoch deadline, yield to the async executor,
    /// then go on with a new deadline `delta` ticks after the current
    /// epoch.
    ///
    /// The store then requires the `*_async` entry points.
    pub fn epoch_deadline_async_yield_and_update(&mut self, delta: u64) {
        self.inner.opaque.async_required = true;
        self.epoch_deadline_callback(move |_| Ok(UpdateDeadline::Yield(delta)));
    }
}

impl<T> StoreContextMut<'_, T> {
    /// See [`Store::fuel_async_yield_interval`].
    pub fn fuel_async_yield_interval(&mut self, interval: Option<u64>) -> Result<()> {
        self.0.opaque.fuel_async_yield_interval(interval)
    }

    /// See [`Store::epoch_deadline_async_yield_and_update`].
    pub fn epoch_deadline_async_yield_and_update(&mut self, delta: u64) {
        self.0.opaque.async_required = true;
        self.0.epoch_callback = Some(Box::new(move |_| Ok(UpdateDeadline::Yield(delta))));
    }
}
