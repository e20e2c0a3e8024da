//! `wasmtime/async.h`.
//!
//! The futures returned here are Rust futures of the embedding API
//! (`Func::call_async`, `Linker::instantiate_async`, ...) polled with a
//! no-op waker: `wasmtime_call_future_poll` returns false while the wasm
//! fiber is suspended (a fuel or epoch yield, or an async host function
//! whose continuation is not done yet) and true once the call finished.
//! Async host functions call their C callback on the wasm fiber, then poll
//! its continuation once per poll of the outer future. Custom stack
//! creators are not supported (their finalizer runs at once).

use crate::ffi::{handle_result, slice, slice_mut, str_arg, Finalizer, ForeignData};
use crate::func::{c_slots, call_error, read_results, unroot_all, wasmtime_caller_t};
use crate::instance::instantiated;
use crate::wfunc::trap_into_error;
use crate::{
    wasm_config_t, wasm_functype_t, wasm_trap_t, wasmtime_context_t, wasmtime_error_t,
    wasmtime_func_t, wasmtime_instance_pre_t, wasmtime_instance_t, wasmtime_linker_t,
    wasmtime_module_t, wasmtime_val_t,
};
use std::ffi::{c_char, c_void};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use wt::Val;

/// Fuel between async yields (async calls here never suspend).
#[no_mangle]
pub extern "C" fn wasmtime_context_fuel_async_yield_interval(
    mut cx: wasmtime_context_t<'_>,
    interval: u64,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        cx.fuel_async_yield_interval((interval != 0).then_some(interval)),
        |()| {},
    )
}

/// Sets the epoch deadline to yield and then continue `delta` ticks later.
#[no_mangle]
pub extern "C" fn wasmtime_context_epoch_deadline_async_yield_and_update(
    mut cx: wasmtime_context_t<'_>,
    delta: u64,
) -> Option<Box<wasmtime_error_t>> {
    cx.epoch_deadline_async_yield_and_update(delta);
    None
}

/// The continuation of an async host function.
#[repr(C)]
pub struct wasmtime_async_continuation_t {
    /// Polled until it returns true.
    pub callback: Option<unsafe extern "C" fn(*mut c_void) -> bool>,
    /// Passed to `callback`.
    pub env: *mut c_void,
    /// Frees `env`.
    pub finalizer: Finalizer,
}

/// `wasmtime_func_async_callback_t`.
pub type wasmtime_func_async_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t<'_>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap_ret: *mut Option<Box<wasm_trap_t>>,
    continuation_ret: *mut wasmtime_async_continuation_t,
);

/// A call in progress: a future polled by `wasmtime_call_future_poll`.
pub struct wasmtime_call_future_t {
    fut: Option<Pin<Box<dyn Future<Output = ()> + 'static>>>,
}

/// Advances the call; true once it has finished.
#[no_mangle]
pub extern "C" fn wasmtime_call_future_poll(future: &mut wasmtime_call_future_t) -> bool {
    let Some(fut) = future.fut.as_mut() else {
        return true;
    };
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(()) => {
            future.fut = None;
            true
        }
        Poll::Pending => false,
    }
}

/// Frees a future. A call dropped before it finished is cancelled: its
/// fiber is unwound and the store stays usable.
#[no_mangle]
pub extern "C" fn wasmtime_call_future_delete(_future: Option<Box<wasmtime_call_future_t>>) {}

/// Erases the lifetime of a call's future.
///
/// # Safety
///
/// The C contract of the async API: the store and every pointer given to
/// the call outlive the future.
pub(crate) unsafe fn deferred<'a>(
    fut: impl Future<Output = ()> + 'a,
) -> Box<wasmtime_call_future_t> {
    let fut: Pin<Box<dyn Future<Output = ()> + 'a>> = Box::pin(fut);
    // SAFETY: guaranteed by the caller; only the lifetime is changed.
    let fut: Pin<Box<dyn Future<Output = ()> + 'static>> = unsafe { std::mem::transmute(fut) };
    Box::new(wasmtime_call_future_t { fut: Some(fut) })
}

/// Starts a call of `func`; results, trap and error are written when the
/// future completes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_call_async<'a>(
    mut cx: wasmtime_context_t<'a>,
    func: &'a wasmtime_func_t,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap_ret: &'a mut Option<Box<wasm_trap_t>>,
    error_ret: &'a mut Option<Box<wasmtime_error_t>>,
) -> Box<wasmtime_call_future_t> {
    // SAFETY: C contract: the buffers live until the future completes.
    let (args, results) = unsafe { (slice(args, nargs), slice_mut(results, nresults)) };
    let fut = async move {
        let outcome = async {
            let f = func
                .to_func()
                .ok_or_else(|| anyhow::anyhow!("cannot call a null funcref"))?;
            let params = args
                .iter()
                .map(|a| a.to_val())
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut rets = vec![Val::I32(0); results.len()];
            f.call_async(&mut cx, &params, &mut rets).await?;
            Ok::<_, anyhow::Error>(rets)
        }
        .await;
        match outcome {
            Ok(rets) => {
                for (slot, v) in results.iter_mut().zip(&rets) {
                    *slot = wasmtime_val_t::from_val_rooted(&mut cx, v);
                }
            }
            Err(e) => *error_ret = call_error(e, trap_ret),
        }
    };
    // SAFETY: C contract of the async API.
    unsafe { deferred(fut) }
}

/// Values of the C side held across a suspension of an async host
/// function.
struct CValues(Vec<wasmtime_val_t>);

// SAFETY: C API values (and the host data they point at) may be used from
// any thread, as for every value handed to the C API.
unsafe impl Send for CValues {}

/// Defines `module::name` as an async host function.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_linker_define_async_func(
    linker: &mut wasmtime_linker_t,
    module: *const c_char,
    module_len: usize,
    name: *const c_char,
    name_len: usize,
    ty: &wasm_functype_t,
    cb: wasmtime_func_async_callback_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let env = std::sync::Arc::new(ForeignData { data, finalizer });
    // SAFETY: C contract: the lengths match the buffers.
    let names =
        unsafe { str_arg(module, module_len).and_then(|m| Ok((m, str_arg(name, name_len)?))) };
    let result = names.and_then(|(m, n)| {
        let fty = ty.inner().func_type(linker.linker.engine());
        linker
            .linker
            .func_new_async(m, n, fty, move |mut caller, params, results| {
                let env = env.clone();
                Box::new(async move {
                    let nparams = params.len();
                    let mut vals = CValues(c_slots(&mut caller, params, results.len()));
                    let mut trap = None;
                    let continuation = {
                        let mut cont = wasmtime_async_continuation_t {
                            callback: None,
                            env: std::ptr::null_mut(),
                            finalizer: None,
                        };
                        let (args, rets) = vals.0.split_at_mut(nparams);
                        let mut caller = wasmtime_caller_t { caller };
                        // SAFETY: the embedder's callback, called as its
                        // signature says.
                        unsafe {
                            cb(
                                env.ptr(),
                                &mut caller,
                                args.as_ptr(),
                                args.len(),
                                rets.as_mut_ptr(),
                                rets.len(),
                                &mut trap,
                                &mut cont,
                            )
                        };
                        let env = ForeignData {
                            data: cont.env,
                            finalizer: cont.finalizer,
                        };
                        cont.callback.map(|callback| (callback, env))
                    };
                    if let Some((callback, cont_env)) = continuation {
                        // Each poll of the wasm call polls the continuation
                        // once; while it is not done the wasm fiber stays
                        // suspended.
                        std::future::poll_fn(|_| {
                            // SAFETY: the embedder's continuation, called
                            // with its own environment.
                            if unsafe { callback(cont_env.ptr()) } {
                                Poll::Ready(())
                            } else {
                                Poll::Pending
                            }
                        })
                        .await;
                    }
                    unroot_all(&mut vals.0[..nparams]);
                    if let Some(trap) = trap {
                        unroot_all(&mut vals.0[nparams..]);
                        return Err(trap_into_error(*trap));
                    }
                    read_results(results, &mut vals.0[nparams..])
                })
            })
            .map(|_| ())
    });
    handle_result(result, |()| {})
}

/// Starts instantiating `module` with the linker's definitions.
#[no_mangle]
pub extern "C" fn wasmtime_linker_instantiate_async<'a>(
    linker: &'a wasmtime_linker_t,
    mut cx: wasmtime_context_t<'a>,
    module: &'a wasmtime_module_t,
    instance: &'a mut wasmtime_instance_t,
    trap_ret: &'a mut Option<Box<wasm_trap_t>>,
    error_ret: &'a mut Option<Box<wasmtime_error_t>>,
) -> Box<wasmtime_call_future_t> {
    let fut = async move {
        let result = linker
            .linker
            .instantiate_async(&mut cx, &module.module)
            .await;
        *error_ret = instantiated(result, instance, trap_ret);
    };
    // SAFETY: C contract of the async API.
    unsafe { deferred(fut) }
}

/// Starts instantiating a pre-instantiated module.
#[no_mangle]
pub extern "C" fn wasmtime_instance_pre_instantiate_async<'a>(
    pre: &'a wasmtime_instance_pre_t,
    mut cx: wasmtime_context_t<'a>,
    instance: &'a mut wasmtime_instance_t,
    trap_ret: &'a mut Option<Box<wasm_trap_t>>,
    error_ret: &'a mut Option<Box<wasmtime_error_t>>,
) -> Box<wasmtime_call_future_t> {
    let fut = async move {
        let result = pre.pre.instantiate_async(&mut cx).await;
        *error_ret = instantiated(result, instance, trap_ret);
    };
    // SAFETY: C contract of the async API.
    unsafe { deferred(fut) }
}

/// A host stack creator (`wasmtime_stack_creator_t`).
#[repr(C)]
pub struct wasmtime_stack_creator_t {
    /// Passed to `new_stack`.
    pub env: *mut c_void,
    /// Creates a stack.
    pub new_stack: *mut c_void,
    /// Frees `env`.
    pub finalizer: Finalizer,
}

/// Host-provided stacks are not supported: the finalizer runs at once and
/// stacks stay the runtime's own.
#[no_mangle]
pub extern "C" fn wasmtime_config_host_stack_creator_set(
    _config: &mut wasm_config_t,
    creator: &wasmtime_stack_creator_t,
) {
    drop(ForeignData {
        data: creator.env,
        finalizer: creator.finalizer,
    });
}
