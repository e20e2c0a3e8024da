//! The async half of the component model C API
//! (`WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC`): calls and instantiation as
//! `wasmtime_call_future_t`s (see `crate::async_`), and async host
//! functions whose C callback hands back a continuation.

use super::compiled::{
    vals_of, wasmtime_component_func_t, wasmtime_component_instance_t, wasmtime_component_t,
    write_vals,
};
use super::linker::{wasmtime_component_linker_instance_t, wasmtime_component_linker_t};
use super::types::wasmtime_component_func_type_t;
use super::val::wasmtime_component_val_t;
use crate::async_::{deferred, wasmtime_async_continuation_t, wasmtime_call_future_t};
use crate::ffi::{handle_result, slice, slice_mut, str_arg, Finalizer, ForeignData};
use crate::{wasmtime_context_t, wasmtime_error_t};
use anyhow::Result;
use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::task::Poll;
use wt::component::Val;

/// Starts a call of `func`; the results (or `*error_ret`) are written when
/// the future completes.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_func_call_async<'a>(
    func: &'a wasmtime_component_func_t,
    mut cx: wasmtime_context_t<'a>,
    args: *const wasmtime_component_val_t,
    args_size: usize,
    results: *mut wasmtime_component_val_t,
    results_size: usize,
    error_ret: &'a mut Option<Box<wasmtime_error_t>>,
) -> Box<wasmtime_call_future_t> {
    // SAFETY: C contract: the buffers live until the future completes.
    let (args, results) = unsafe { (slice(args, args_size), slice_mut(results, results_size)) };
    let fut = async move {
        let outcome = async {
            let params = vals_of(args)?;
            let f = func.to_func();
            let mut rets = vec![Val::Bool(false); results.len()];
            f.call_async(&mut cx, &params, &mut rets).await?;
            write_vals(results, &rets)
        }
        .await;
        if let Err(e) = outcome {
            *error_ret = Some(Box::new(e.into()));
        }
    };
    // SAFETY: C contract of the async API.
    unsafe { deferred(fut) }
}

/// Starts instantiating `component`; the instance (or `*error_ret`) is
/// written when the future completes.
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_instantiate_async<'a>(
    linker: &'a wasmtime_component_linker_t,
    mut cx: wasmtime_context_t<'a>,
    component: &'a wasmtime_component_t,
    instance_out: &'a mut wasmtime_component_instance_t,
    error_ret: &'a mut Option<Box<wasmtime_error_t>>,
) -> Box<wasmtime_call_future_t> {
    let fut = async move {
        match linker
            .linker
            .instantiate_async(&mut cx, &component.component)
            .await
        {
            Ok(instance) => {
                *instance_out = wasmtime_component_instance_t::from_instance(instance);
            }
            Err(e) => *error_ret = Some(Box::new(e.into())),
        }
    };
    // SAFETY: C contract of the async API.
    unsafe { deferred(fut) }
}

/// The C callback of an async host component function.
pub type wasmtime_component_func_async_callback_t = unsafe extern "C" fn(
    *mut c_void,
    wasmtime_context_t<'_>,
    &wasmtime_component_func_type_t,
    *mut wasmtime_component_val_t,
    usize,
    *mut wasmtime_component_val_t,
    usize,
    &mut Option<Box<wasmtime_error_t>>,
    &mut wasmtime_async_continuation_t,
);

/// C values held across a suspension of an async host function.
struct CVals(Vec<wasmtime_component_val_t>);

// SAFETY: C API values (and the resource handles they own) may be used
// from any thread, as for every value handed to the C API.
unsafe impl Send for CVals {}

/// Defines the async host function `name`: `callback` runs on the wasm
/// fiber and may hand back a continuation, polled once per poll of the
/// call until it reports completion; then the results are read.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_component_linker_instance_add_func_async(
    linker_instance: &mut wasmtime_component_linker_instance_t,
    name: *const c_char,
    name_len: usize,
    callback: wasmtime_component_func_async_callback_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Option<Box<wasmtime_error_t>> {
    let env = Arc::new(ForeignData { data, finalizer });
    // SAFETY: C contract: `name_len` bytes at `name`.
    let result = unsafe { str_arg(name, name_len) }.and_then(|name| {
        linker_instance
            .instance
            .func_new_async(name, move |cx, ty, args, results| {
                let env = env.clone();
                Box::new(async move {
                    let converted: Result<Vec<_>> = args
                        .iter()
                        .map(wasmtime_component_val_t::from_val)
                        .collect();
                    let mut c_args = CVals(converted?);
                    let mut c_rets =
                        CVals((0..results.len()).map(|_| Default::default()).collect());
                    let mut error = None;
                    let continuation = {
                        let mut cont = wasmtime_async_continuation_t {
                            callback: None,
                            env: std::ptr::null_mut(),
                            finalizer: None,
                        };
                        let ty = wasmtime_component_func_type_t { ty };
                        // SAFETY: the embedder's callback, called with its
                        // data and buffers of the lengths passed.
                        unsafe {
                            callback(
                                env.ptr(),
                                cx,
                                &ty,
                                c_args.0.as_mut_ptr(),
                                c_args.0.len(),
                                c_rets.0.as_mut_ptr(),
                                c_rets.0.len(),
                                &mut error,
                                &mut cont,
                            )
                        };
                        let cont_env = ForeignData {
                            data: cont.env,
                            finalizer: cont.finalizer,
                        };
                        cont.callback.map(|callback| (callback, cont_env))
                    };
                    if let Some((poll, cont_env)) = continuation {
                        std::future::poll_fn(|_| {
                            // SAFETY: the embedder's continuation, called
                            // with its own environment.
                            if unsafe { poll(cont_env.ptr()) } {
                                Poll::Ready(())
                            } else {
                                Poll::Pending
                            }
                        })
                        .await;
                    }
                    if let Some(error) = error {
                        return Err(error.error);
                    }
                    for (slot, v) in results.iter_mut().zip(vals_of(&c_rets.0)?) {
                        *slot = v;
                    }
                    Ok(())
                })
            })
    });
    handle_result(result, |()| {})
}

/// Defines every WASI 0.2 interface for async use (calls through
/// `wasmtime_component_func_call_async`).
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_add_wasip2_async(
    linker: &mut wasmtime_component_linker_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        wasmtime_wasi::p2::add_to_linker_async(&mut linker.linker),
        |()| {},
    )
}

/// Defines the `wasi:http` 0.2 interfaces for async use (after
/// `wasmtime_component_linker_add_wasip2_async`).
#[no_mangle]
pub extern "C" fn wasmtime_component_linker_add_wasi_http_async(
    linker: &mut wasmtime_component_linker_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker.linker),
        |()| {},
    )
}
