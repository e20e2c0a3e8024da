//! Functions of `wasm.h`: `wasm_func_new[_with_env]`, `wasm_func_call` and
//! friends.

use crate::ffi::{Finalizer, ForeignData};
use crate::{
    wasm_extern_t, wasm_func_t, wasm_functype_t, wasm_store_t, wasm_trap_t, wasm_val_t,
    wasm_val_vec_t, CFuncType,
};
use std::ffi::c_void;
use wt::{Extern, Func, Val};

/// `wasm_func_callback_t`.
pub type wasm_func_callback_t = unsafe extern "C" fn(
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>>;

/// `wasm_func_callback_with_env_t`.
pub type wasm_func_callback_with_env_t = unsafe extern "C" fn(
    env: *mut c_void,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>>;

/// The error a trap from a host callback becomes.
pub(crate) fn trap_into_error(trap: wasm_trap_t) -> anyhow::Error {
    match std::sync::Arc::try_unwrap(trap.error) {
        Ok(e) => e,
        Err(shared) => anyhow::anyhow!("{shared:?}"),
    }
}

fn create(
    store: &wasm_store_t,
    ty: &wasm_functype_t,
    call: impl Fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> Option<Box<wasm_trap_t>>
        + Send
        + Sync
        + 'static,
) -> Box<wasm_func_t> {
    let mut cx = store.store.context();
    let fty = ty.inner().func_type(cx.engine());
    let func = Func::new(&mut cx, fty, move |_caller, params, results| {
        let args = wasm_val_vec_t::from_vec(params.iter().map(wasm_val_t::from_val).collect());
        let mut rets =
            wasm_val_vec_t::from_vec((0..results.len()).map(|_| wasm_val_t::default()).collect());
        let trap = call(&args, &mut rets);
        crate::wasm_val_vec_delete(Some(&mut { args }));
        let outcome = match trap {
            Some(trap) => Err(trap_into_error(*trap)),
            None => rets
                .as_slice()
                .iter()
                .zip(results.iter_mut())
                .try_for_each(|(r, out)| {
                    *out = r.to_val()?;
                    Ok(())
                }),
        };
        crate::wasm_val_vec_delete(Some(&mut rets));
        outcome
    });
    wasm_extern_t::boxed(&store.store, Extern::Func(func))
}

/// A host function of type `ty` calling `callback`.
#[no_mangle]
pub extern "C" fn wasm_func_new(
    store: &wasm_store_t,
    ty: &wasm_functype_t,
    callback: wasm_func_callback_t,
) -> Box<wasm_func_t> {
    create(store, ty, move |args, results| {
        // SAFETY: the embedder's callback, called as its signature says.
        unsafe { callback(args, results) }
    })
}

/// A host function of type `ty` calling `callback` with `env`; `finalizer`
/// runs on `env` when the store is freed.
#[no_mangle]
pub extern "C" fn wasm_func_new_with_env(
    store: &wasm_store_t,
    ty: &wasm_functype_t,
    callback: wasm_func_callback_with_env_t,
    env: *mut c_void,
    finalizer: Finalizer,
) -> Box<wasm_func_t> {
    let env = ForeignData {
        data: env,
        finalizer,
    };
    create(store, ty, move |args, results| {
        // SAFETY: the embedder's callback, called as its signature says.
        unsafe { callback(env.ptr(), args, results) }
    })
}

fn func_of(f: &wasm_func_t) -> &Func {
    match &f.ext.which {
        Extern::Func(f) => f,
        _ => unreachable!("wasm_func_t of another kind"),
    }
}

/// The function's type.
#[no_mangle]
pub extern "C" fn wasm_func_type(f: &wasm_func_t) -> Box<wasm_functype_t> {
    let ty = func_of(f).ty(f.ext.store.context());
    Box::new(wasm_functype_t::new(CFuncType::from_func_type(&ty)))
}

/// The number of parameters.
#[no_mangle]
pub extern "C" fn wasm_func_param_arity(f: &wasm_func_t) -> usize {
    func_of(f).ty(f.ext.store.context()).params().len()
}

/// The number of results.
#[no_mangle]
pub extern "C" fn wasm_func_result_arity(f: &wasm_func_t) -> usize {
    func_of(f).ty(f.ext.store.context()).results().len()
}

/// Calls the function; `results` must already have the result count.
/// Returns NULL, or a trap for any failure.
#[no_mangle]
pub extern "C" fn wasm_func_call(
    f: &wasm_func_t,
    args: &wasm_val_vec_t,
    results: &mut wasm_val_vec_t,
) -> Option<Box<wasm_trap_t>> {
    let mut cx = f.ext.store.context();
    let func = func_of(f);
    let outcome = (|| {
        let params = args
            .as_slice()
            .iter()
            .map(|v| v.to_val())
            .collect::<anyhow::Result<Vec<_>>>()?;
        let n = func.ty(&cx).results().len();
        if results.size != n {
            anyhow::bail!("expected {n} result slots, got {}", results.size);
        }
        let mut rets = vec![Val::I32(0); n];
        func.call(&mut cx, &params, &mut rets)?;
        Ok(rets)
    })();
    match outcome {
        Ok(rets) => {
            // SAFETY: `results` holds `size` slots (checked above), which
            // the call fills.
            let slots = unsafe { crate::ffi::slice_mut(results.data, results.size) };
            for (slot, v) in slots.iter_mut().zip(&rets) {
                *slot = wasm_val_t::from_val(v);
            }
            None
        }
        Err(e) => Some(Box::new(wasm_trap_t::new(e))),
    }
}
