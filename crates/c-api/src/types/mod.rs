//! The type descriptors of `wasm.h`: value, function, global, table,
//! memory and tag types (externs, imports and exports in `externtype`;
//! Wasmtime's richer value types in `wasmtime`).

mod externtype;
mod gc;
mod wasmtime;

pub use externtype::*;
pub use gc::*;
pub use wasmtime::*;

use crate::wasm_valtype_vec_t;
use std::cell::OnceCell;
use wt::{Engine, FuncType, GlobalType, MemoryType, Mutability, RefType, TableType, ValType};

/// `wasm_valkind_t`.
pub type wasm_valkind_t = u8;
/// `wasm_mutability_t`.
pub type wasm_mutability_t = u8;

pub(crate) const WASM_I32: wasm_valkind_t = 0;
pub(crate) const WASM_I64: wasm_valkind_t = 1;
pub(crate) const WASM_F32: wasm_valkind_t = 2;
pub(crate) const WASM_F64: wasm_valkind_t = 3;
/// Not in `wasm.h`'s enum: the kind reported for `v128` (Wasmtime's
/// `WASMTIME_V128`).
pub(crate) const WASM_V128: wasm_valkind_t = 4;
pub(crate) const WASM_EXTERNREF: wasm_valkind_t = 128;
pub(crate) const WASM_FUNCREF: wasm_valkind_t = 129;

/// A value type.
#[derive(Clone)]
pub struct wasm_valtype_t {
    pub(crate) ty: ValType,
}

/// Minimum and maximum of a table or memory (`max` of `u32::MAX`: none).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct wasm_limits_t {
    /// The minimum.
    pub min: u32,
    /// The maximum, or `0xffffffff` for none.
    pub max: u32,
}

impl wasm_limits_t {
    pub(crate) fn max(&self) -> Option<u32> {
        (self.max != u32::MAX).then_some(self.max)
    }

    fn of(min: u64, max: Option<u64>) -> wasm_limits_t {
        wasm_limits_t {
            min: u32::try_from(min).unwrap_or(u32::MAX),
            max: max.map_or(u32::MAX, |m| u32::try_from(m).unwrap_or(u32::MAX)),
        }
    }
}

pub(crate) fn valkind(ty: &ValType) -> wasm_valkind_t {
    match ty {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::V128 => WASM_V128,
        ValType::Ref(r) if r.heap_type().is_extern() => WASM_EXTERNREF,
        ValType::Ref(_) => WASM_FUNCREF,
    }
}

/// A valtype vector that frees its elements when dropped.
pub(crate) struct OwnedValtypes(pub(crate) wasm_valtype_vec_t);

impl Drop for OwnedValtypes {
    fn drop(&mut self) {
        drop(self.0.take());
    }
}

fn valtypes(tys: &[ValType]) -> OwnedValtypes {
    OwnedValtypes(wasm_valtype_vec_t::from_vec(
        tys.iter()
            .map(|ty| Some(Box::new(wasm_valtype_t { ty: ty.clone() })))
            .collect(),
    ))
}

/// A function type before it is bound to an engine.
pub(crate) struct CFuncType {
    pub(crate) params: Vec<ValType>,
    pub(crate) results: Vec<ValType>,
    params_cache: OnceCell<OwnedValtypes>,
    results_cache: OnceCell<OwnedValtypes>,
}

impl Clone for CFuncType {
    fn clone(&self) -> Self {
        CFuncType::new(self.params.clone(), self.results.clone())
    }
}

impl CFuncType {
    pub(crate) fn new(params: Vec<ValType>, results: Vec<ValType>) -> CFuncType {
        CFuncType {
            params,
            results,
            params_cache: OnceCell::new(),
            results_cache: OnceCell::new(),
        }
    }

    pub(crate) fn from_func_type(ty: &FuncType) -> CFuncType {
        CFuncType::new(ty.params().collect(), ty.results().collect())
    }

    /// The type for `engine`.
    pub(crate) fn func_type(&self, engine: &Engine) -> FuncType {
        FuncType::new(
            engine,
            self.params.iter().cloned(),
            self.results.iter().cloned(),
        )
    }
}

/// A global type.
#[derive(Clone)]
pub(crate) struct CGlobalType {
    pub(crate) content: wasm_valtype_t,
    pub(crate) mutability: Mutability,
}

impl CGlobalType {
    pub(crate) fn from_global_type(ty: &GlobalType) -> CGlobalType {
        CGlobalType {
            content: wasm_valtype_t {
                ty: ty.content().clone(),
            },
            mutability: ty.mutability(),
        }
    }

    pub(crate) fn global_type(&self) -> GlobalType {
        GlobalType::new(self.content.ty.clone(), self.mutability)
    }
}

/// A table type.
#[derive(Clone)]
pub(crate) struct CTableType {
    pub(crate) ty: TableType,
    pub(crate) element: wasm_valtype_t,
    pub(crate) limits: wasm_limits_t,
}

impl CTableType {
    pub(crate) fn from_table_type(ty: &TableType) -> CTableType {
        CTableType {
            element: wasm_valtype_t {
                ty: ValType::Ref(ty.element().clone()),
            },
            limits: wasm_limits_t::of(ty.minimum(), ty.maximum()),
            ty: ty.clone(),
        }
    }
}

/// A memory type.
#[derive(Clone)]
pub(crate) struct CMemoryType {
    pub(crate) ty: MemoryType,
    pub(crate) limits: wasm_limits_t,
}

impl CMemoryType {
    pub(crate) fn from_memory_type(ty: &MemoryType) -> CMemoryType {
        CMemoryType {
            limits: wasm_limits_t::of(ty.minimum(), ty.maximum()),
            ty: ty.clone(),
        }
    }
}

/// Declares the `wasm.h` type struct `$name` as a view of
/// `wasm_externtype_t` whose kind is `$variant`, and its `delete`/`copy`.
macro_rules! extern_subtype {
    ($name:ident, $variant:ident, $inner:ty, $delete:ident, $copy:ident) => {
        #[doc = concat!("A `wasm.h` `", stringify!($name), "` (an extern type of one kind).")]
        #[repr(transparent)]
        #[derive(Clone)]
        pub struct $name {
            pub(crate) ext: wasm_externtype_t,
        }

        impl $name {
            pub(crate) fn new(inner: $inner) -> $name {
                $name {
                    ext: wasm_externtype_t {
                        which: CExternType::$variant(inner),
                    },
                }
            }

            pub(crate) fn inner(&self) -> &$inner {
                match &self.ext.which {
                    CExternType::$variant(t) => t,
                    _ => unreachable!(concat!(stringify!($name), " of another kind")),
                }
            }

            pub(crate) fn try_from_ext(ext: &wasm_externtype_t) -> Option<&$name> {
                match &ext.which {
                    CExternType::$variant(_) => {
                        let p: *const wasm_externtype_t = ext;
                        // SAFETY: `$name` is a `repr(transparent)` wrapper of
                        // `wasm_externtype_t`, and the kind matches.
                        Some(unsafe { &*p.cast::<$name>() })
                    }
                    _ => None,
                }
            }
        }

        #[doc = concat!("Frees a `", stringify!($name), "`.")]
        #[no_mangle]
        pub extern "C" fn $delete(_ty: Option<Box<$name>>) {}

        #[doc = concat!("A copy of a `", stringify!($name), "`.")]
        #[no_mangle]
        pub extern "C" fn $copy(ty: &$name) -> Box<$name> {
            Box::new(ty.clone())
        }
    };
}

extern_subtype!(
    wasm_functype_t,
    Func,
    CFuncType,
    wasm_functype_delete,
    wasm_functype_copy
);
extern_subtype!(
    wasm_globaltype_t,
    Global,
    CGlobalType,
    wasm_globaltype_delete,
    wasm_globaltype_copy
);
extern_subtype!(
    wasm_tabletype_t,
    Table,
    CTableType,
    wasm_tabletype_delete,
    wasm_tabletype_copy
);
extern_subtype!(
    wasm_memorytype_t,
    Memory,
    CMemoryType,
    wasm_memorytype_delete,
    wasm_memorytype_copy
);
extern_subtype!(
    wasm_tagtype_t,
    Tag,
    Box<wasm_functype_t>,
    wasm_tagtype_delete,
    wasm_tagtype_copy
);

/// Frees a value type.
#[no_mangle]
pub extern "C" fn wasm_valtype_delete(_ty: Option<Box<wasm_valtype_t>>) {}

/// A copy of a value type.
#[no_mangle]
pub extern "C" fn wasm_valtype_copy(ty: &wasm_valtype_t) -> Box<wasm_valtype_t> {
    Box::new(ty.clone())
}

/// The value type of kind `kind`, or NULL for an unknown kind.
#[no_mangle]
pub extern "C" fn wasm_valtype_new(kind: wasm_valkind_t) -> Option<Box<wasm_valtype_t>> {
    let ty = match kind {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        WASM_V128 => ValType::V128,
        WASM_EXTERNREF => ValType::EXTERNREF,
        WASM_FUNCREF => ValType::FUNCREF,
        _ => return None,
    };
    Some(Box::new(wasm_valtype_t { ty }))
}

/// The kind of a value type.
#[no_mangle]
pub extern "C" fn wasm_valtype_kind(ty: &wasm_valtype_t) -> wasm_valkind_t {
    valkind(&ty.ty)
}

/// The `v128` value type.
#[no_mangle]
pub extern "C" fn wasmtime_wasm_valtype_v128() -> Box<wasm_valtype_t> {
    Box::new(wasm_valtype_t { ty: ValType::V128 })
}

/// Whether two value types are the same type.
#[no_mangle]
pub extern "C" fn wasmtime_wasm_valtype_equal(a: &wasm_valtype_t, b: &wasm_valtype_t) -> bool {
    a.ty.matches(&b.ty) && b.ty.matches(&a.ty)
}

fn take_valtypes(v: &mut wasm_valtype_vec_t) -> Vec<ValType> {
    v.take().into_iter().flatten().map(|t| t.ty).collect()
}

/// A function type; takes ownership of both vectors' elements.
#[no_mangle]
pub extern "C" fn wasm_functype_new(
    params: &mut wasm_valtype_vec_t,
    results: &mut wasm_valtype_vec_t,
) -> Box<wasm_functype_t> {
    let params = take_valtypes(params);
    let results = take_valtypes(results);
    Box::new(wasm_functype_t::new(CFuncType::new(params, results)))
}

/// The parameter types (owned by the function type).
#[no_mangle]
pub extern "C" fn wasm_functype_params(ty: &wasm_functype_t) -> &wasm_valtype_vec_t {
    let f = ty.inner();
    &f.params_cache.get_or_init(|| valtypes(&f.params)).0
}

/// The result types (owned by the function type).
#[no_mangle]
pub extern "C" fn wasm_functype_results(ty: &wasm_functype_t) -> &wasm_valtype_vec_t {
    let f = ty.inner();
    &f.results_cache.get_or_init(|| valtypes(&f.results)).0
}

/// A global type; takes ownership of `content`.
#[no_mangle]
pub extern "C" fn wasm_globaltype_new(
    content: Box<wasm_valtype_t>,
    mutability: wasm_mutability_t,
) -> Option<Box<wasm_globaltype_t>> {
    let mutability = match mutability {
        0 => Mutability::Const,
        1 => Mutability::Var,
        _ => return None,
    };
    Some(Box::new(wasm_globaltype_t::new(CGlobalType {
        content: *content,
        mutability,
    })))
}

/// The content type of a global type.
#[no_mangle]
pub extern "C" fn wasm_globaltype_content(ty: &wasm_globaltype_t) -> &wasm_valtype_t {
    &ty.inner().content
}

/// `WASM_CONST` or `WASM_VAR`.
#[no_mangle]
pub extern "C" fn wasm_globaltype_mutability(ty: &wasm_globaltype_t) -> wasm_mutability_t {
    match ty.inner().mutability {
        Mutability::Const => 0,
        Mutability::Var => 1,
    }
}

/// A table type; takes ownership of `element` (which must be a reference
/// type: NULL otherwise).
#[no_mangle]
pub extern "C" fn wasm_tabletype_new(
    element: Box<wasm_valtype_t>,
    limits: &wasm_limits_t,
) -> Option<Box<wasm_tabletype_t>> {
    let ValType::Ref(r) = &element.ty else {
        return None;
    };
    let ty = TableType::new(r.clone(), limits.min, limits.max());
    Some(Box::new(wasm_tabletype_t::new(
        CTableType::from_table_type(&ty),
    )))
}

/// The element type of a table type.
#[no_mangle]
pub extern "C" fn wasm_tabletype_element(ty: &wasm_tabletype_t) -> &wasm_valtype_t {
    &ty.inner().element
}

/// The limits of a table type.
#[no_mangle]
pub extern "C" fn wasm_tabletype_limits(ty: &wasm_tabletype_t) -> &wasm_limits_t {
    &ty.inner().limits
}

/// A 32-bit memory type with 64 KiB pages.
#[no_mangle]
pub extern "C" fn wasm_memorytype_new(limits: &wasm_limits_t) -> Box<wasm_memorytype_t> {
    let ty = MemoryType::new(limits.min, limits.max());
    Box::new(wasm_memorytype_t::new(CMemoryType::from_memory_type(&ty)))
}

/// The limits of a memory type (in pages, clamped to 32 bits).
#[no_mangle]
pub extern "C" fn wasm_memorytype_limits(ty: &wasm_memorytype_t) -> &wasm_limits_t {
    &ty.inner().limits
}

/// A memory type with every property; NULL in `*ret` and an error if the
/// combination is invalid.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_memorytype_new(
    min: u64,
    max_present: bool,
    max: u64,
    is_64: bool,
    shared: bool,
    page_size_log2: u8,
    ret: &mut std::mem::MaybeUninit<Option<Box<wasm_memorytype_t>>>,
) -> Option<Box<crate::wasmtime_error_t>> {
    let result = MemoryType::builder()
        .min(min)
        .max(max_present.then_some(max))
        .memory64(is_64)
        .shared(shared)
        .page_size_log2(page_size_log2)
        .build();
    crate::ffi::handle_result(result, |ty| {
        ret.write(Some(Box::new(wasm_memorytype_t::new(
            CMemoryType::from_memory_type(&ty),
        ))));
    })
}

/// The minimum size in pages.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_minimum(ty: &wasm_memorytype_t) -> u64 {
    ty.inner().ty.minimum()
}

/// Whether there is a maximum; writes it if so.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_maximum(ty: &wasm_memorytype_t, max: &mut u64) -> bool {
    match ty.inner().ty.maximum() {
        Some(m) => {
            *max = m;
            true
        }
        None => false,
    }
}

/// Whether the memory is 64-bit.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_is64(ty: &wasm_memorytype_t) -> bool {
    ty.inner().ty.is_64()
}

/// Whether the memory is shared.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_isshared(ty: &wasm_memorytype_t) -> bool {
    ty.inner().ty.is_shared()
}

/// The page size in bytes.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_page_size(ty: &wasm_memorytype_t) -> u64 {
    ty.inner().ty.page_size()
}

/// The base-2 logarithm of the page size.
#[no_mangle]
pub extern "C" fn wasmtime_memorytype_page_size_log2(ty: &wasm_memorytype_t) -> u8 {
    ty.inner().ty.page_size_log2()
}

/// A tag type with the parameters of `functype` (consumed).
#[no_mangle]
pub extern "C" fn wasm_tagtype_new(functype: Box<wasm_functype_t>) -> Box<wasm_tagtype_t> {
    Box::new(wasm_tagtype_t::new(functype))
}

/// The function type of a tag type.
#[no_mangle]
pub extern "C" fn wasm_tagtype_functype(ty: &wasm_tagtype_t) -> &wasm_functype_t {
    ty.inner()
}

#[allow(dead_code)]
pub(crate) fn ref_of(ty: &ValType) -> Option<RefType> {
    ty.as_ref().cloned()
}
