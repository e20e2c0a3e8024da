//! Functions of `wasmtime/func.h`: host functions with a caller, checked
//! and unchecked calls, raw funcrefs.

use crate::ffi::{slice, slice_mut, str_arg, Finalizer, ForeignData};
use crate::wfunc::trap_into_error;
use crate::{
    wasm_functype_t, wasm_trap_t, wasmtime_context_const_t, wasmtime_context_t, wasmtime_error_t,
    wasmtime_extern_t, wasmtime_func_t, wasmtime_val_raw_t, wasmtime_val_t, CFuncType, StoreData,
};
use anyhow::{anyhow, bail, Result};
use std::ffi::{c_char, c_void};
use wt::{AsContextMut, Caller, Func, Trap, Val, ValRaw};

/// The caller of a host function: gives access to its store and exports.
pub struct wasmtime_caller_t<'a> {
    pub(crate) caller: Caller<'a, StoreData>,
}

/// `wasmtime_func_callback_t`.
pub type wasmtime_func_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t<'_>,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
) -> Option<Box<wasm_trap_t>>;

/// `wasmtime_func_unchecked_callback_t`.
pub type wasmtime_func_unchecked_callback_t = unsafe extern "C" fn(
    env: *mut c_void,
    caller: *mut wasmtime_caller_t<'_>,
    args_and_results: *mut wasmtime_val_raw_t,
    num_args_and_results: usize,
) -> Option<Box<wasm_trap_t>>;

/// The Rust closure behind a checked C host function.
pub(crate) fn checked_host(
    callback: wasmtime_func_callback_t,
    env: ForeignData,
) -> impl Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static {
    move |mut caller, params, results| {
        let mut vals = c_slots(&mut caller, params, results.len());
        let (args, rets) = vals.split_at_mut(params.len());
        let mut caller = wasmtime_caller_t { caller };
        // SAFETY: the embedder's callback, called as its signature says.
        let trap = unsafe {
            callback(
                env.ptr(),
                &mut caller,
                args.as_ptr(),
                args.len(),
                rets.as_mut_ptr(),
                rets.len(),
            )
        };
        unroot_all(args);
        if let Some(trap) = trap {
            unroot_all(rets);
            return Err(trap_into_error(*trap));
        }
        read_results(results, rets)
    }
}

/// The C values handed to a host callback: its parameters (rooted until
/// the callback returns, when the runtime releases them), then one
/// default slot per result.
pub(crate) fn c_slots(
    mut cx: impl wt::AsContextMut,
    params: &[Val],
    nresults: usize,
) -> Vec<wasmtime_val_t> {
    params
        .iter()
        .map(|p| wasmtime_val_t::from_val_rooted(&mut cx, p))
        .chain((0..nresults).map(|_| wasmtime_val_t::default()))
        .collect()
}

/// Reads the results a host callback wrote into its C slots, then
/// releases their roots: the results belong to the runtime once written.
pub(crate) fn read_results(results: &mut [Val], rets: &mut [wasmtime_val_t]) -> Result<()> {
    let read = results
        .iter_mut()
        .zip(rets.iter())
        .try_for_each(|(out, r)| r.to_val().map(|v| *out = v));
    unroot_all(rets);
    read
}

/// Releases the roots of C values the runtime owns (results a host
/// callback wrote before it trapped, too).
pub(crate) fn unroot_all(vals: &mut [wasmtime_val_t]) {
    vals.iter_mut().for_each(|v| crate::wasmtime_val_unroot(v));
}

/// The Rust closure behind an unchecked C host function.
pub(crate) fn unchecked_host(
    callback: wasmtime_func_unchecked_callback_t,
    env: ForeignData,
    result_types: Vec<wt::ValType>,
) -> impl Fn(Caller<'_, StoreData>, &[Val], &mut [Val]) -> Result<()> + Send + Sync + 'static {
    move |mut caller, params, results| {
        let mut raw = vec![wasmtime_val_raw_t { v128: [0; 16] }; params.len().max(results.len())];
        for (slot, v) in raw.iter_mut().zip(params) {
            *slot = wasmtime_val_raw_t::from_val(&mut caller, v)?;
        }
        let mut c_caller = wasmtime_caller_t { caller };
        // SAFETY: the embedder's callback, called as its signature says.
        let trap = unsafe { callback(env.ptr(), &mut c_caller, raw.as_mut_ptr(), raw.len()) };
        if let Some(trap) = trap {
            return Err(trap_into_error(*trap));
        }
        let mut caller = c_caller.caller;
        for ((out, slot), ty) in results.iter_mut().zip(&raw).zip(&result_types) {
            *out = slot.to_val(&mut caller, ty);
        }
        Ok(())
    }
}

/// A host function of type `ty` calling `callback` with `env`.
#[no_mangle]
pub extern "C" fn wasmtime_func_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasm_functype_t,
    callback: wasmtime_func_callback_t,
    env: *mut c_void,
    finalizer: Finalizer,
    ret: &mut wasmtime_func_t,
) {
    let fty = ty.inner().func_type(cx.engine());
    let f = Func::new(
        &mut cx,
        fty,
        checked_host(
            callback,
            ForeignData {
                data: env,
                finalizer,
            },
        ),
    );
    *ret = wasmtime_func_t::from_func(&f);
}

/// A host function of type `ty` whose callback reads and writes raw slots.
#[no_mangle]
pub extern "C" fn wasmtime_func_new_unchecked(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasm_functype_t,
    callback: wasmtime_func_unchecked_callback_t,
    env: *mut c_void,
    finalizer: Finalizer,
    ret: &mut wasmtime_func_t,
) {
    let fty = ty.inner().func_type(cx.engine());
    let results = ty.inner().results.clone();
    let f = Func::new(
        &mut cx,
        fty,
        unchecked_host(
            callback,
            ForeignData {
                data: env,
                finalizer,
            },
            results,
        ),
    );
    *ret = wasmtime_func_t::from_func(&f);
}

/// The function's type.
#[no_mangle]
pub extern "C" fn wasmtime_func_type(
    cx: wasmtime_context_const_t<'_>,
    func: &wasmtime_func_t,
) -> Option<Box<wasm_functype_t>> {
    let f = func.to_func()?;
    Some(Box::new(wasm_functype_t::new(CFuncType::from_func_type(
        &f.ty(cx),
    ))))
}

/// Splits a failed call into a trap (wasm traps) or an error (the rest).
#[cold]
pub(crate) fn call_error(
    err: anyhow::Error,
    trap_ret: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    if err.is::<Trap>() {
        // `*trap_ret` is an output only: whatever the caller left in it is
        // overwritten, never freed.
        std::mem::forget(trap_ret.replace(Box::new(wasm_trap_t::new(err))));
        None
    } else {
        Some(Box::new(err.into()))
    }
}

/// Calls the function. NULL and no trap: success; NULL and `*trap` set:
/// wasm trapped; otherwise an error (bad arguments, host errors).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_call(
    mut cx: wasmtime_context_t<'_>,
    func: &wasmtime_func_t,
    args: *const wasmtime_val_t,
    nargs: usize,
    results: *mut wasmtime_val_t,
    nresults: usize,
    trap_ret: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: `nargs` values at `args`.
    let args = unsafe { slice(args, nargs) };
    // SAFETY: C contract: `nresults` writable slots at `results`.
    let results = unsafe { slice_mut(results, nresults) };
    // The results' temporary roots end with this scope; each result
    // handed to C gets an owned root.
    let mut scope = wt::RootScope::new(&mut cx);
    // Small calls keep their values on the stack.
    let mut small_params: [Val; 8] = std::array::from_fn(|_| Val::I32(0));
    let mut small_rets: [Val; 8] = std::array::from_fn(|_| Val::I32(0));
    let (mut large_params, mut large_rets) = (Vec::new(), Vec::new());
    let params = vals_buffer(&mut small_params, &mut large_params, args.len());
    let rets = vals_buffer(&mut small_rets, &mut large_rets, results.len());
    let outcome = (|| {
        let f = func
            .to_func()
            .ok_or_else(|| anyhow!("cannot call a null funcref"))?;
        for (p, a) in params.iter_mut().zip(args) {
            *p = a.to_val()?;
        }
        f.call(&mut scope, params, rets)
    })();
    match outcome {
        Ok(()) => {
            for (slot, v) in results.iter_mut().zip(rets.iter()) {
                *slot = wasmtime_val_t::from_val_rooted(&mut scope, v);
            }
            None
        }
        Err(e) => call_error(e, trap_ret),
    }
}

/// `len` values: the first of `small` if it has room, else `large` grown
/// to `len`.
fn vals_buffer<'a>(small: &'a mut [Val], large: &'a mut Vec<Val>, len: usize) -> &'a mut [Val] {
    if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, Val::I32(0));
        large
    }
}

/// Calls the function with raw slots holding the arguments on entry and
/// the results on return.
///
/// Numbers and vectors have the same raw layout here and in the runtime:
/// when every parameter and result is one and the slots are 16-byte
/// aligned (the runtime's slot alignment), the slots go to the function
/// as they are (the runtime checks their count). This fast path is kept
/// apart from the rest, which is out of line.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_call_unchecked(
    mut cx: wasmtime_context_t<'_>,
    func: &wasmtime_func_t,
    args_and_results: *mut wasmtime_val_raw_t,
    len: usize,
    trap_ret: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    const _: () =
        assert!(std::mem::size_of::<wasmtime_val_raw_t>() == std::mem::size_of::<ValRaw>());
    let slots = args_and_results.cast::<ValRaw>();
    if let Some(f) = func.to_func() {
        if len == 0 || (!slots.is_null() && slots.is_aligned()) {
            let raw: *mut [ValRaw] = if len == 0 {
                &mut []
            } else {
                std::ptr::slice_from_raw_parts_mut(slots, len)
            };
            // SAFETY: C contract: `len` initialized slots (aligned, as
            // checked) holding the parameters, used by nothing else during
            // the call; only functions of numbers and vectors are called.
            match unsafe { f.__call_unchecked_numeric(&mut cx, raw) } {
                Some(Ok(())) => return None,
                Some(Err(e)) => return call_error(e, trap_ret),
                None => {}
            }
        }
    }
    // SAFETY: as the caller's contract.
    unsafe { call_unchecked_slow(cx, func, args_and_results, len, trap_ret) }
}

/// `wasmtime_func_call_unchecked` for functions with references, slots
/// that are not 16-byte aligned, and null funcrefs.
///
/// # Safety
///
/// As `wasmtime_func_call_unchecked`.
#[inline(never)]
unsafe fn call_unchecked_slow(
    mut cx: wasmtime_context_t<'_>,
    func: &wasmtime_func_t,
    args_and_results: *mut wasmtime_val_raw_t,
    len: usize,
    trap_ret: &mut Option<Box<wasm_trap_t>>,
) -> Option<Box<wasmtime_error_t>> {
    let outcome = (|| {
        let f = func
            .to_func()
            .ok_or_else(|| anyhow!("cannot call a null funcref"))?;
        if f.__numeric_only(&cx) {
            // SAFETY: C contract: `len` slots at `args_and_results` holding
            // the parameters, all numbers or vectors.
            return unsafe { call_numeric_unaligned(&mut cx, &f, args_and_results, len) };
        }
        // SAFETY: C contract: `len` slots at `args_and_results`.
        let slots = unsafe { slice_mut(args_and_results, len) };
        let ty = f.ty(&cx);
        if slots.len() < ty.params().len().max(ty.results().len()) {
            bail!("too few raw slots for the function's parameters and results");
        }
        let params: Vec<Val> = ty
            .params()
            .zip(slots.iter())
            .map(|(t, s)| s.to_val(&mut cx, &t))
            .collect();
        let mut rets = vec![Val::I32(0); ty.results().len()];
        f.call(&mut cx, &params, &mut rets)?;
        for (slot, v) in slots.iter_mut().zip(&rets) {
            *slot = wasmtime_val_raw_t::from_val(&mut cx, v)?;
        }
        Ok(())
    })();
    match outcome {
        Ok(()) => None,
        Err(e) => call_error(e, trap_ret),
    }
}

/// Calls a function whose parameters and results are all numbers or
/// vectors through an aligned copy of the caller's slots (C aligns them
/// to 8 bytes only).
///
/// # Safety
///
/// `slots` points at `len` initialized slots (or is null with `len` 0)
/// holding the parameters.
unsafe fn call_numeric_unaligned(
    cx: &mut wasmtime_context_t<'_>,
    f: &Func,
    slots: *mut wasmtime_val_raw_t,
    len: usize,
) -> Result<()> {
    if slots.is_null() {
        // SAFETY: no slots; the runtime checks the count.
        return unsafe { f.call_unchecked(cx, &mut [] as *mut [ValRaw]) };
    }
    let mut small = [std::mem::MaybeUninit::<ValRaw>::uninit(); 8];
    let mut large = Vec::new();
    let buf: &mut [std::mem::MaybeUninit<ValRaw>] = if len <= small.len() {
        &mut small[..len]
    } else {
        large.resize(len, std::mem::MaybeUninit::uninit());
        &mut large
    };
    for (i, slot) in buf.iter_mut().enumerate() {
        // SAFETY: slot `i` < `len` is readable (per the caller), maybe
        // not 16-byte aligned.
        slot.write(unsafe { slots.add(i).cast::<ValRaw>().read_unaligned() });
    }
    let raw = std::ptr::slice_from_raw_parts_mut(buf.as_mut_ptr().cast::<ValRaw>(), len);
    // SAFETY: `buf` holds `len` initialized, aligned slots.
    unsafe { f.call_unchecked(&mut *cx, raw)? };
    for (i, slot) in buf.iter().enumerate() {
        // SAFETY: as above, back into the caller's slots.
        unsafe {
            slots
                .add(i)
                .cast::<ValRaw>()
                .write_unaligned(slot.assume_init())
        };
    }
    Ok(())
}

/// Looks up an export of the calling instance by name.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_caller_export_get(
    caller: &mut wasmtime_caller_t<'_>,
    name: *const c_char,
    name_len: usize,
    item: &mut std::mem::MaybeUninit<wasmtime_extern_t>,
) -> bool {
    // SAFETY: C contract: `name_len` bytes at `name`.
    let Ok(name) = (unsafe { str_arg(name, name_len) }) else {
        return false;
    };
    match caller.caller.get_export(name) {
        Some(e) => {
            item.write(wasmtime_extern_t::from_extern(e));
            true
        }
        None => false,
    }
}

/// The caller's store context.
#[no_mangle]
pub extern "C" fn wasmtime_caller_context<'a>(
    caller: &'a mut wasmtime_caller_t<'_>,
) -> wasmtime_context_t<'a> {
    caller.caller.as_context_mut()
}

/// The function whose raw funcref is `raw` (null: a null funcref).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_func_from_raw(
    mut cx: wasmtime_context_t<'_>,
    raw: *mut c_void,
    ret: &mut wasmtime_func_t,
) {
    // SAFETY: C contract: `raw` came from this store.
    let f = unsafe { Func::from_raw(&mut cx, raw) };
    *ret = f
        .as_ref()
        .map_or(wasmtime_func_t::NULL, wasmtime_func_t::from_func);
}

/// The raw funcref of a function.
#[no_mangle]
pub extern "C" fn wasmtime_func_to_raw(
    mut cx: wasmtime_context_t<'_>,
    func: &wasmtime_func_t,
) -> *mut c_void {
    func.to_func()
        .map_or(std::ptr::null_mut(), |f| f.to_raw(&mut cx))
}
