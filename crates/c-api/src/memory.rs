//! Memories: `wasm_memory_*` (`wasm.h`), `wasmtime/memory.h` and
//! `wasmtime/sharedmemory.h`.

use crate::ffi::handle_result;
use crate::{
    wasm_engine_t, wasm_extern_t, wasm_memory_t, wasm_memorytype_t, wasm_store_t,
    wasmtime_context_const_t, wasmtime_context_t, wasmtime_error_t, wasmtime_memory_t, CMemoryType,
};
use wt::{Extern, Memory, SharedMemory};

fn memory_of(m: &wasm_memory_t) -> &Memory {
    match &m.ext.which {
        Extern::Memory(m) => m,
        _ => unreachable!("wasm_memory_t of another kind"),
    }
}

/// A memory of type `ty`, or NULL on error.
#[no_mangle]
pub extern "C" fn wasm_memory_new(
    store: &wasm_store_t,
    ty: &wasm_memorytype_t,
) -> Option<Box<wasm_memory_t>> {
    let mut cx = store.store.context();
    let memory = Memory::new(&mut cx, ty.inner().ty.clone()).ok()?;
    Some(wasm_extern_t::boxed(&store.store, Extern::Memory(memory)))
}

/// The memory's type.
#[no_mangle]
pub extern "C" fn wasm_memory_type(m: &wasm_memory_t) -> Box<wasm_memorytype_t> {
    let ty = memory_of(m).ty(m.ext.store.context());
    Box::new(wasm_memorytype_t::new(CMemoryType::from_memory_type(&ty)))
}

/// The memory's bytes (valid until it grows).
#[no_mangle]
pub extern "C" fn wasm_memory_data(m: &mut wasm_memory_t) -> *mut u8 {
    memory_of(m).data_ptr(m.ext.store.context())
}

/// The memory's size in bytes.
#[no_mangle]
pub extern "C" fn wasm_memory_data_size(m: &wasm_memory_t) -> usize {
    memory_of(m).data_size(m.ext.store.context())
}

/// The memory's size in pages.
#[no_mangle]
pub extern "C" fn wasm_memory_size(m: &wasm_memory_t) -> u32 {
    u32::try_from(memory_of(m).size(m.ext.store.context())).unwrap_or(u32::MAX)
}

/// Grows the memory by `delta` pages; false on failure.
#[no_mangle]
pub extern "C" fn wasm_memory_grow(m: &mut wasm_memory_t, delta: u32) -> bool {
    let memory = *memory_of(m);
    memory.grow(m.ext.store.context(), u64::from(delta)).is_ok()
}

/// A memory of type `ty`.
#[no_mangle]
pub extern "C" fn wasmtime_memory_new(
    mut cx: wasmtime_context_t<'_>,
    ty: &wasm_memorytype_t,
    ret: &mut wasmtime_memory_t,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(Memory::new(&mut cx, ty.inner().ty.clone()), |m| {
        *ret = wasmtime_memory_t::from_memory(&m)
    })
}

/// The memory's type.
#[no_mangle]
pub extern "C" fn wasmtime_memory_type(
    cx: wasmtime_context_const_t<'_>,
    m: &wasmtime_memory_t,
) -> Box<wasm_memorytype_t> {
    let ty = m.to_memory().ty(cx);
    Box::new(wasm_memorytype_t::new(CMemoryType::from_memory_type(&ty)))
}

/// The memory's bytes (valid until it grows).
#[no_mangle]
pub extern "C" fn wasmtime_memory_data(
    cx: wasmtime_context_t<'_>,
    m: &wasmtime_memory_t,
) -> *mut u8 {
    m.to_memory().data_ptr(cx)
}

/// The memory's size in bytes.
#[no_mangle]
pub extern "C" fn wasmtime_memory_data_size(
    cx: wasmtime_context_const_t<'_>,
    m: &wasmtime_memory_t,
) -> usize {
    m.to_memory().data_size(cx)
}

/// The memory's size in pages.
#[no_mangle]
pub extern "C" fn wasmtime_memory_size(
    cx: wasmtime_context_const_t<'_>,
    m: &wasmtime_memory_t,
) -> u64 {
    m.to_memory().size(cx)
}

/// Grows the memory by `delta` pages; writes the old size in pages.
#[no_mangle]
pub extern "C" fn wasmtime_memory_grow(
    mut cx: wasmtime_context_t<'_>,
    m: &wasmtime_memory_t,
    delta: u64,
    prev_size: &mut u64,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(m.to_memory().grow(&mut cx, delta), |p| *prev_size = p)
}

/// The page size in bytes.
#[no_mangle]
pub extern "C" fn wasmtime_memory_page_size(
    cx: wasmtime_context_t<'_>,
    m: &wasmtime_memory_t,
) -> u64 {
    m.to_memory().page_size(cx)
}

/// The base-2 logarithm of the page size.
#[no_mangle]
pub extern "C" fn wasmtime_memory_page_size_log2(
    cx: wasmtime_context_t<'_>,
    m: &wasmtime_memory_t,
) -> u8 {
    m.to_memory().page_size_log2(cx)
}

/// A memory shared between stores and threads.
#[derive(Clone)]
pub struct wasmtime_sharedmemory_t {
    pub(crate) memory: SharedMemory,
}

/// A shared memory of type `ty` (which must be shared).
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_new(
    engine: &wasm_engine_t,
    ty: &wasm_memorytype_t,
    ret: &mut std::mem::MaybeUninit<Option<Box<wasmtime_sharedmemory_t>>>,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(
        SharedMemory::new(&engine.engine, ty.inner().ty.clone()),
        |memory| {
            ret.write(Some(Box::new(wasmtime_sharedmemory_t { memory })));
        },
    )
}

/// Frees a shared memory handle.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_delete(_m: Option<Box<wasmtime_sharedmemory_t>>) {}

/// Another handle to the same shared memory.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_clone(
    m: &wasmtime_sharedmemory_t,
) -> Box<wasmtime_sharedmemory_t> {
    Box::new(m.clone())
}

/// The shared memory's type.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_type(
    m: &wasmtime_sharedmemory_t,
) -> Box<wasm_memorytype_t> {
    Box::new(wasm_memorytype_t::new(CMemoryType::from_memory_type(
        &m.memory.ty(),
    )))
}

/// The shared memory's bytes (they never move).
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_data(m: &wasmtime_sharedmemory_t) -> *mut u8 {
    m.memory.data().as_ptr().cast_mut().cast::<u8>()
}

/// The shared memory's size in bytes.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_data_size(m: &wasmtime_sharedmemory_t) -> usize {
    m.memory.data_size()
}

/// The shared memory's size in pages.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_size(m: &wasmtime_sharedmemory_t) -> u64 {
    m.memory.size()
}

/// Grows the shared memory by `delta` pages; writes the old size.
#[no_mangle]
pub extern "C" fn wasmtime_sharedmemory_grow(
    m: &wasmtime_sharedmemory_t,
    delta: u64,
    prev_size: &mut u64,
) -> Option<Box<wasmtime_error_t>> {
    handle_result(m.memory.grow(delta), |p| *prev_size = p)
}
