//! `wasmtime/async.h`.
//!
//! Slice 1 of the C API runs "async" calls to completion on their first
//! poll: `wasmtime_func_call_async` and the async instantiations return a
//! future whose first `wasmtime_call_future_poll` performs the whole call
//! synchronously and reports completion, and async host functions run
//! their continuation until it reports completion. Yields (fuel or epoch)
//! inside such calls therefore do not suspend. Custom stack creators are
//! not supported (their finalizer runs at once).

use crate::ffi::{handle_result, slice, slice_mut, str_arg, Finalizer, ForeignData};
use crate::func::{call_error, wasmtime_caller_t};
use crate::instance::instantiated;
use crate::wfunc::trap_into_error;
use crate::{
    wasm_config_t, wasm_functype_t, wasm_trap_t, wasmtime_context_t, wasmtime_error_t,
    wasmtime_func_t, wasmtime_instance_pre_t, wasmtime_instance_t, wasmtime_linker_t,
    wasmtime_module_t, wasmtime_val_t,
};
use std::ffi::{c_char, c_void};
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

/// A call in progress; here it completes on its first poll.
pub struct wasmtime_call_future_t {
    run: Option<Box<dyn FnOnce() + 'static>>,
}

/// Advances the call; true once it has finished (here: at the first poll).
#[no_mangle]
pub extern "C" fn wasmtime_call_future_poll(future: &mut wasmtime_call_future_t) -> bool {
    if let Some(run) = future.run.take() {
        run();
    }
    true
}

/// Frees a future (a call never polled does not run).
#[no_mangle]
pub extern "C" fn wasmtime_call_future_delete(_future: Option<Box<wasmtime_call_future_t>>) {}

/// Erases the lifetime of a deferred call.
///
/// # Safety
///
/// The C contract of the async API: the store and every pointer given to
/// the call outlive the future.
unsafe fn deferred<'a>(run: Box<dyn FnOnce() + 'a>) -> Box<wasmtime_call_future_t> {
    // SAFETY: guaranteed by the caller; only the lifetime is changed.
    let run: Box<dyn FnOnce() + 'static> = unsafe { std::mem::transmute(run) };
    Box::new(wasmtime_call_future_t { run: Some(run) })
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
    let run = Box::new(move || {
        let outcome = (|| {
            let f = func
                .to_func()
                .ok_or_else(|| anyhow::anyhow!("cannot call a null funcref"))?;
            let params = args
                .iter()
                .map(|a| a.to_val())
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut rets = vec![Val::I32(0); results.len()];
            f.call(&mut cx, &params, &mut rets)?;
            Ok(rets)
        })();
        match outcome {
            Ok(rets) => {
                for (slot, v) in results.iter_mut().zip(&rets) {
                    *slot = wasmtime_val_t::from_val(v);
                }
            }
            Err(e) => *error_ret = call_error(e, trap_ret),
        }
    });
    // SAFETY: C contract of the async API.
    unsafe { deferred(run) }
}

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
    let env = ForeignData { data, finalizer };
    // SAFETY: C contract: the lengths match the buffers.
    let names =
        unsafe { str_arg(module, module_len).and_then(|m| Ok((m, str_arg(name, name_len)?))) };
    let result = names.and_then(|(m, n)| {
        let fty = ty.inner().func_type(linker.linker.engine());
        linker
            .linker
            .func_new(m, n, fty, move |caller, params, results| {
                let mut vals: Vec<wasmtime_val_t> = params
                    .iter()
                    .map(wasmtime_val_t::from_val)
                    .chain((0..results.len()).map(|_| wasmtime_val_t::default()))
                    .collect();
                let (args, rets) = vals.split_at_mut(params.len());
                let mut caller = wasmtime_caller_t { caller };
                let mut trap = None;
                let mut cont = wasmtime_async_continuation_t {
                    callback: None,
                    env: std::ptr::null_mut(),
                    finalizer: None,
                };
                // SAFETY: the embedder's callback, called as its signature says.
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
                if let Some(callback) = cont.callback {
                    let cont_env = ForeignData {
                        data: cont.env,
                        finalizer: cont.finalizer,
                    };
                    // SAFETY: the embedder's continuation, polled until done.
                    while !unsafe { callback(cont_env.data) } {
                        std::thread::yield_now();
                    }
                }
                if let Some(trap) = trap {
                    return Err(trap_into_error(*trap));
                }
                for (out, r) in results.iter_mut().zip(rets.iter()) {
                    *out = r.to_val()?;
                }
                Ok(())
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
    let run = Box::new(move || {
        *error_ret = instantiated(
            linker.linker.instantiate(&mut cx, &module.module),
            instance,
            trap_ret,
        );
    });
    // SAFETY: C contract of the async API.
    unsafe { deferred(run) }
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
    let run = Box::new(move || {
        *error_ret = instantiated(pre.pre.instantiate(&mut cx), instance, trap_ret);
    });
    // SAFETY: C contract of the async API.
    unsafe { deferred(run) }
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
