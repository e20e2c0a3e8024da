//! Externs: `wasm_extern_t` of `wasm.h` (with its function, global, table
//! and memory views) and `wasmtime_extern_t` of `wasmtime/extern.h` with
//! the handle structs stored in it.

use crate::store::StoreCell;
use crate::{
    wasm_externtype_t, wasmtime_context_const_t, wasmtime_func_t, wasmtime_sharedmemory_t,
};
use std::sync::Arc;
use wt::{Extern, Global, Memory, Table, Tag};

/// An item of a store (function, global, table or memory), `wasm.h` style.
#[derive(Clone)]
pub struct wasm_extern_t {
    pub(crate) store: Arc<StoreCell>,
    pub(crate) which: Extern,
}

/// Frees an extern handle.
#[no_mangle]
pub extern "C" fn wasm_extern_delete(_e: Option<Box<wasm_extern_t>>) {}

/// A copy of an extern handle.
#[no_mangle]
pub extern "C" fn wasm_extern_copy(e: &wasm_extern_t) -> Box<wasm_extern_t> {
    Box::new(e.clone())
}

/// The kind (`WASM_EXTERN_*`; shared memories count as memories).
#[no_mangle]
pub extern "C" fn wasm_extern_kind(e: &wasm_extern_t) -> u8 {
    match e.which {
        Extern::Func(_) => 0,
        Extern::Global(_) => 1,
        Extern::Table(_) => 2,
        Extern::Memory(_) | Extern::SharedMemory(_) => 3,
        Extern::Tag(_) => 4,
    }
}

/// The type of an extern.
#[no_mangle]
pub extern "C" fn wasm_extern_type(e: &wasm_extern_t) -> Box<wasm_externtype_t> {
    Box::new(wasm_externtype_t::new(&e.which.ty(e.store.context())))
}

macro_rules! extern_view {
    ($($ty:ident($variant:ident): $as_ext:ident $as_ext_const:ident $ext_as:ident $ext_as_const:ident $delete:ident $copy:ident;)*) => {$(
        #[doc = concat!("A `wasm.h` `", stringify!($ty), "`: an extern of one kind.")]
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $ty {
            pub(crate) ext: wasm_extern_t,
        }

        impl $ty {
            fn try_from_ext(e: &wasm_extern_t) -> Option<&$ty> {
                match e.which {
                    Extern::$variant(_) => {
                        let p: *const wasm_extern_t = e;
                        // SAFETY: `repr(transparent)` wrapper; the kind matches.
                        Some(unsafe { &*p.cast::<$ty>() })
                    }
                    _ => None,
                }
            }
        }

        #[doc = concat!("The `", stringify!($ty), "` as an extern.")]
        #[no_mangle]
        pub extern "C" fn $as_ext(v: &mut $ty) -> &mut wasm_extern_t {
            &mut v.ext
        }

        #[doc = concat!("The `", stringify!($ty), "` as an extern.")]
        #[no_mangle]
        pub extern "C" fn $as_ext_const(v: &$ty) -> &wasm_extern_t {
            &v.ext
        }

        #[doc = concat!("The extern as a `", stringify!($ty), "`, or NULL for another kind.")]
        #[no_mangle]
        pub extern "C" fn $ext_as(e: &mut wasm_extern_t) -> Option<&mut $ty> {
            let p: *mut wasm_extern_t = e;
            // SAFETY: kind checked first; `repr(transparent)` wrapper.
            $ty::try_from_ext(e).map(|_| unsafe { &mut *p.cast::<$ty>() })
        }

        #[doc = concat!("The extern as a `", stringify!($ty), "`, or NULL for another kind.")]
        #[no_mangle]
        pub extern "C" fn $ext_as_const(e: &wasm_extern_t) -> Option<&$ty> {
            $ty::try_from_ext(e)
        }

        #[doc = concat!("Frees a `", stringify!($ty), "` handle.")]
        #[no_mangle]
        pub extern "C" fn $delete(_v: Option<Box<$ty>>) {}

        #[doc = concat!("A copy of a `", stringify!($ty), "` handle.")]
        #[no_mangle]
        pub extern "C" fn $copy(v: &$ty) -> Box<$ty> {
            Box::new(v.clone())
        }
    )*};
}

extern_view! {
    wasm_func_t(Func): wasm_func_as_extern wasm_func_as_extern_const wasm_extern_as_func wasm_extern_as_func_const wasm_func_delete wasm_func_copy;
    wasm_global_t(Global): wasm_global_as_extern wasm_global_as_extern_const wasm_extern_as_global wasm_extern_as_global_const wasm_global_delete wasm_global_copy;
    wasm_table_t(Table): wasm_table_as_extern wasm_table_as_extern_const wasm_extern_as_table wasm_extern_as_table_const wasm_table_delete wasm_table_copy;
    wasm_memory_t(Memory): wasm_memory_as_extern wasm_memory_as_extern_const wasm_extern_as_memory wasm_extern_as_memory_const wasm_memory_delete wasm_memory_copy;
}

impl wasm_extern_t {
    pub(crate) fn boxed<T>(store: &Arc<StoreCell>, which: Extern) -> Box<T> {
        let ext = wasm_extern_t {
            store: store.clone(),
            which,
        };
        // SAFETY: every `T` used here is a `repr(transparent)` view of
        // `wasm_extern_t` whose kind matches `which` (checked by callers).
        unsafe { Box::from_raw(Box::into_raw(Box::new(ext)).cast::<T>()) }
    }
}

/// The first word pair of table, memory and tag handles.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_handle_head_t {
    /// The store's id.
    pub store_id: u64,
    /// Private.
    pub __private1: u32,
}

/// A table handle of `wasmtime.h`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_table_t {
    /// Store id and first private word.
    pub head: wasmtime_handle_head_t,
    /// Private.
    pub __private2: u32,
}

/// A memory handle of `wasmtime.h`.
pub type wasmtime_memory_t = wasmtime_table_t;
/// A tag handle of `wasmtime.h`.
pub type wasmtime_tag_t = wasmtime_table_t;

/// A global handle of `wasmtime.h`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_global_t {
    /// The store's id.
    pub store_id: u64,
    /// Private.
    pub __private1: u32,
    /// Private.
    pub __private2: u32,
    /// Private.
    pub __private3: u32,
}

macro_rules! entity_handle {
    ($($rust:ident: $from:ident $to:ident;)*) => {$(
        impl wasmtime_table_t {
            pub(crate) fn $from(v: &$rust) -> wasmtime_table_t {
                let (store_id, bits) = v.__to_words();
                wasmtime_table_t {
                    head: wasmtime_handle_head_t {
                        store_id,
                        __private1: (bits >> 32) as u32,
                    },
                    __private2: bits as u32,
                }
            }

            pub(crate) fn $to(self) -> $rust {
                let bits = (u64::from(self.head.__private1) << 32) | u64::from(self.__private2);
                // SAFETY: handles come from the matching `from_*` (C
                // contract: used with their live store).
                unsafe { $rust::__from_words(self.head.store_id, bits) }
            }
        }
    )*};
}

entity_handle! {
    Table: from_table to_table;
    Memory: from_memory to_memory;
    Tag: from_tag to_tag;
}

impl wasmtime_global_t {
    pub(crate) fn from_global(g: &Global) -> wasmtime_global_t {
        let (store_id, bits) = g.__to_words();
        wasmtime_global_t {
            store_id,
            __private1: (bits >> 32) as u32,
            __private2: bits as u32,
            __private3: 0,
        }
    }

    pub(crate) fn to_global(self) -> Global {
        let bits = (u64::from(self.__private1) << 32) | u64::from(self.__private2);
        // SAFETY: handles come from `from_global` (C contract: used with
        // their live store).
        unsafe { Global::__from_words(self.store_id, bits) }
    }
}

/// The payload of a `wasmtime_extern_t`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasmtime_extern_union_t {
    /// A function.
    pub func: wasmtime_func_t,
    /// A global.
    pub global: wasmtime_global_t,
    /// A table.
    pub table: wasmtime_table_t,
    /// A memory.
    pub memory: wasmtime_memory_t,
    /// A shared memory (owned by the extern).
    pub sharedmemory: *mut wasmtime_sharedmemory_t,
    /// A tag.
    pub tag: wasmtime_tag_t,
}

/// An item of a store, `wasmtime.h` style.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasmtime_extern_t {
    /// `WASMTIME_EXTERN_*`.
    pub kind: u8,
    /// The payload.
    pub of: wasmtime_extern_union_t,
}

impl wasmtime_extern_t {
    /// The C form of `e` (a shared memory is copied into a new owned handle).
    pub(crate) fn from_extern(e: Extern) -> wasmtime_extern_t {
        let (kind, of) = match e {
            Extern::Func(f) => (
                0,
                wasmtime_extern_union_t {
                    func: wasmtime_func_t::from_func(&f),
                },
            ),
            Extern::Global(g) => (
                1,
                wasmtime_extern_union_t {
                    global: wasmtime_global_t::from_global(&g),
                },
            ),
            Extern::Table(t) => (
                2,
                wasmtime_extern_union_t {
                    table: wasmtime_table_t::from_table(&t),
                },
            ),
            Extern::Memory(m) => (
                3,
                wasmtime_extern_union_t {
                    memory: wasmtime_table_t::from_memory(&m),
                },
            ),
            Extern::SharedMemory(m) => (
                4,
                wasmtime_extern_union_t {
                    sharedmemory: Box::into_raw(Box::new(wasmtime_sharedmemory_t { memory: m })),
                },
            ),
            Extern::Tag(t) => (
                5,
                wasmtime_extern_union_t {
                    tag: wasmtime_table_t::from_tag(&t),
                },
            ),
        };
        wasmtime_extern_t { kind, of }
    }

    /// The Rust form.
    pub(crate) fn to_extern(self) -> anyhow::Result<Extern> {
        // SAFETY: each arm reads the field its kind names.
        Ok(unsafe {
            match self.kind {
                0 => Extern::Func(
                    self.of
                        .func
                        .to_func()
                        .ok_or_else(|| anyhow::anyhow!("null function in wasmtime_extern_t"))?,
                ),
                1 => Extern::Global(self.of.global.to_global()),
                2 => Extern::Table(self.of.table.to_table()),
                3 => Extern::Memory(self.of.memory.to_memory()),
                4 => match self.of.sharedmemory.as_ref() {
                    Some(m) => Extern::SharedMemory(m.memory.clone()),
                    None => anyhow::bail!("null shared memory in wasmtime_extern_t"),
                },
                5 => Extern::Tag(self.of.tag.to_tag()),
                k => anyhow::bail!("unknown wasmtime_extern_t kind {k}"),
            }
        })
    }
}

/// Frees what an extern owns (a shared memory handle).
#[no_mangle]
pub extern "C" fn wasmtime_extern_delete(e: &mut wasmtime_extern_t) {
    if e.kind == 4 {
        // SAFETY: this kind holds an owned shared memory made by `Box::into_raw`.
        let p = unsafe { e.of.sharedmemory };
        if !p.is_null() {
            // SAFETY: as above.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// The type of an extern, or NULL if the handle is not valid.
#[no_mangle]
pub extern "C" fn wasmtime_extern_type(
    cx: wasmtime_context_const_t<'_>,
    e: &wasmtime_extern_t,
) -> Option<Box<wasm_externtype_t>> {
    let e = e.to_extern().ok()?;
    Some(Box::new(wasm_externtype_t::new(&e.ty(cx))))
}

// The layouts `wasmtime/extern.h` declares (64-bit targets): table, memory
// and tag handles keep their second private word after the padded
// (store id, first word) pair.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<wasmtime_table_t>() == 24 && offset_of!(wasmtime_table_t, __private2) == 16);
    assert!(
        size_of::<wasmtime_global_t>() == 24 && offset_of!(wasmtime_global_t, __private3) == 16
    );
    assert!(size_of::<wasmtime_extern_union_t>() == 24);
    assert!(size_of::<wasmtime_extern_t>() == 32 && offset_of!(wasmtime_extern_t, of) == 8);
    assert!(size_of::<crate::wasmtime_instance_t>() == 16);
};
