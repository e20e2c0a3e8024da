//! Stores: `wasm_store_t` of `wasm.h` and `wasmtime_store_t` /
//! `wasmtime_context_t` of `wasmtime/store.h`.

use crate::ffi::{handle_result, Finalizer, ForeignData};
use crate::{wasi_config_t, wasm_engine_t, wasmtime_error_t};
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::sync::Arc;
use wt::{
    AsContextMut, Store, StoreContext, StoreContextMut, StoreLimits, StoreLimitsBuilder,
    UpdateDeadline,
};

/// The host data of every store made by the C API.
pub struct StoreData {
    /// The embedder's pointer (`wasmtime_context_get_data`) and finalizer.
    pub(crate) foreign: ForeignData,
    /// WASI state set by `wasmtime_context_set_wasi`.
    pub(crate) wasi: Option<wasmtime_wasi::p1::WasiP1Ctx>,
    /// The WASI 0.2 context for components, set with `wasi`.
    pub(crate) wasi_p2: Option<wasmtime_wasi::WasiCtx>,
    /// The resource table of WASI 0.2 (streams, descriptors, ...).
    pub(crate) wasi_table: wasmtime_wasi::ResourceTable,
    /// The `wasi:http` context, set by `wasmtime_context_set_wasi_http`.
    pub(crate) wasi_http: Option<wasmtime_wasi_http::WasiHttpCtx>,
    /// Limits set by `wasmtime_store_limiter`.
    pub(crate) limits: StoreLimits,
}

impl StoreData {
    fn new(data: *mut c_void, finalizer: Finalizer) -> StoreData {
        StoreData {
            foreign: ForeignData { data, finalizer },
            wasi: None,
            wasi_p2: None,
            wasi_table: Default::default(),
            wasi_http: None,
            limits: StoreLimits::default(),
        }
    }
}

/// `wasmtime_context_t *`: an exclusive borrow of a store's insides.
pub type wasmtime_context_t<'a> = StoreContextMut<'a, StoreData>;
/// `const wasmtime_context_t *`.
pub type wasmtime_context_const_t<'a> = StoreContext<'a, StoreData>;

/// A store of `wasmtime.h`.
pub struct wasmtime_store_t {
    pub(crate) store: Store<StoreData>,
}

/// A store shared by the `wasm.h` objects created in it.
pub(crate) struct StoreCell(UnsafeCell<Store<StoreData>>);

// SAFETY: `wasm.h` objects may move between threads; the C API's contract
// is that a store is used by one thread at a time.
unsafe impl Send for StoreCell {}
// SAFETY: as above.
unsafe impl Sync for StoreCell {}

impl StoreCell {
    /// The store's context.
    ///
    /// The `wasm.h` API reaches its store through its objects, so this
    /// hands out an exclusive borrow from a shared handle: the C contract
    /// (one thread at a time, no reentrant use of the same object while a
    /// call on it runs) is what keeps the borrows apart.
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn context(&self) -> StoreContextMut<'_, StoreData> {
        // SAFETY: see above.
        unsafe { &mut *self.0.get() }.as_context_mut()
    }
}

/// A store of `wasm.h`.
pub struct wasm_store_t {
    pub(crate) store: Arc<StoreCell>,
}

/// A new store in `engine`.
#[no_mangle]
pub extern "C" fn wasm_store_new(engine: &wasm_engine_t) -> Box<wasm_store_t> {
    let store = Store::new(&engine.engine, StoreData::new(std::ptr::null_mut(), None));
    Box::new(wasm_store_t {
        store: Arc::new(StoreCell(UnsafeCell::new(store))),
    })
}

/// Frees a store handle (objects created in it keep it alive).
#[no_mangle]
pub extern "C" fn wasm_store_delete(_store: Option<Box<wasm_store_t>>) {}

/// A new store in `engine` with the embedder's `data` and its `finalizer`
/// (run when the store is deleted).
#[no_mangle]
pub extern "C" fn wasmtime_store_new(
    engine: &wasm_engine_t,
    data: *mut c_void,
    finalizer: Finalizer,
) -> Box<wasmtime_store_t> {
    Box::new(wasmtime_store_t {
        store: Store::new(&engine.engine, StoreData::new(data, finalizer)),
    })
}

/// The store's context.
#[no_mangle]
pub extern "C" fn wasmtime_store_context(store: &mut wasmtime_store_t) -> wasmtime_context_t<'_> {
    store.store.as_context_mut()
}

/// Frees a store and everything in it.
#[no_mangle]
pub extern "C" fn wasmtime_store_delete(_store: Option<Box<wasmtime_store_t>>) {}

/// Installs resource limits; a negative value keeps that limit's default.
#[no_mangle]
pub extern "C" fn wasmtime_store_limiter(
    store: &mut wasmtime_store_t,
    memory_size: i64,
    table_elements: i64,
    instances: i64,
    tables: i64,
    memories: i64,
) {
    let mut b = StoreLimitsBuilder::new();
    if let Ok(n) = usize::try_from(memory_size) {
        b = b.memory_size(n);
    }
    if let Ok(n) = usize::try_from(table_elements) {
        b = b.table_elements(n);
    }
    if let Ok(n) = usize::try_from(instances) {
        b = b.instances(n);
    }
    if let Ok(n) = usize::try_from(tables) {
        b = b.tables(n);
    }
    if let Ok(n) = usize::try_from(memories) {
        b = b.memories(n);
    }
    store.store.data_mut().limits = b.build();
    store.store.limiter(|d| &mut d.limits);
}

/// The embedder's data pointer.
#[no_mangle]
pub extern "C" fn wasmtime_context_get_data(cx: wasmtime_context_const_t<'_>) -> *mut c_void {
    cx.data().foreign.data
}

/// Replaces the embedder's data pointer (the finalizer stays the original
/// one and receives the new pointer).
#[no_mangle]
pub extern "C" fn wasmtime_context_set_data(mut cx: wasmtime_context_t<'_>, data: *mut c_void) {
    cx.data_mut().foreign.data = data;
}

/// Collects garbage: GC objects and `externref`s that neither wasm nor a
/// rooted host handle reaches are freed (their finalizers run).
#[no_mangle]
pub extern "C" fn wasmtime_context_gc(
    mut cx: wasmtime_context_t<'_>,
) -> Option<Box<wasmtime_error_t>> {
    cx.gc(None);
    None
}

/// Sets the fuel left (fuel must be enabled in the config).
#[no_mangle]
pub extern "C" fn wasmtime_context_set_fuel(
    mut cx: wasmtime_context_t<'_>,
    fuel: u64,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(cx.set_fuel(fuel), |()| {})
}

/// The fuel left.
#[no_mangle]
pub extern "C" fn wasmtime_context_get_fuel(
    cx: wasmtime_context_const_t<'_>,
    fuel: &mut u64,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(cx.get_fuel(), |f| *fuel = f)
}

/// Gives the store its WASI state (consumes `wasi`, also on error).
#[no_mangle]
pub extern "C" fn wasmtime_context_set_wasi(
    mut cx: wasmtime_context_t<'_>,
    wasi: Box<wasi_config_t>,
) -> Option<Box<wasmtime_error_t>> {
    handle_result((*wasi).into_contexts(), |(p1, p2)| {
        let data = cx.data_mut();
        data.wasi = Some(p1);
        data.wasi_p2 = Some(p2);
    })
}

/// Sets the epoch deadline to `ticks` after the current epoch.
#[no_mangle]
pub extern "C" fn wasmtime_context_set_epoch_deadline(mut cx: wasmtime_context_t<'_>, ticks: u64) {
    cx.set_epoch_deadline(ticks);
}

/// `wasmtime_update_deadline_kind_t`.
pub type wasmtime_update_deadline_kind_t = u8;

/// The C epoch-deadline callback.
pub type EpochCallback = unsafe extern "C" fn(
    wasmtime_context_t<'_>,
    *mut c_void,
    *mut u64,
    *mut wasmtime_update_deadline_kind_t,
) -> Option<Box<wasmtime_error_t>>;

/// Installs the callback run when wasm reaches the epoch deadline.
#[no_mangle]
pub extern "C" fn wasmtime_store_epoch_deadline_callback(
    store: &mut wasmtime_store_t,
    func: EpochCallback,
    data: *mut c_void,
    finalizer: Finalizer,
) {
    let foreign = ForeignData { data, finalizer };
    store.store.epoch_deadline_callback(move |cx| {
        let mut delta = 0u64;
        let mut kind: wasmtime_update_deadline_kind_t = 0;
        // SAFETY: the embedder's callback, called as its signature says.
        let err = unsafe { func(cx, foreign.ptr(), &mut delta, &mut kind) };
        if let Some(err) = err {
            return Err(err.error);
        }
        Ok(match kind {
            1 => UpdateDeadline::Yield(delta),
            _ => UpdateDeadline::Continue(delta),
        })
    });
}

impl wasmtime_wasi_http::WasiHttpView for StoreData {
    /// The store's `wasi:http` context (a default one if
    /// `wasmtime_context_set_wasi_http` was not called), sharing the WASI
    /// 0.2 resource table so bodies can be WASI streams.
    fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
        wasmtime_wasi_http::WasiHttpCtxView {
            hooks: wasmtime_wasi_http::default_hooks(),
            table: &mut self.wasi_table,
            ctx: self.wasi_http.get_or_insert_with(Default::default),
        }
    }
}

/// Gives the store a fresh `wasi:http` context (default settings) for
/// components linked with `wasmtime_component_linker_add_wasi_http`.
#[no_mangle]
pub extern "C" fn wasmtime_context_set_wasi_http(mut cx: wasmtime_context_t<'_>) {
    cx.data_mut().wasi_http = Some(wasmtime_wasi_http::WasiHttpCtx::new());
}

impl wasmtime_wasi::WasiView for StoreData {
    /// The store's WASI 0.2 context; a store without WASI settings gets an
    /// empty context (no arguments, environment, stdio or files), as if
    /// `wasi_config_new()` had been applied.
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        let ctx = self
            .wasi_p2
            .get_or_insert_with(|| wasmtime_wasi::WasiCtxBuilder::new().build());
        wasmtime_wasi::WasiCtxView {
            ctx,
            table: &mut self.wasi_table,
        }
    }
}
