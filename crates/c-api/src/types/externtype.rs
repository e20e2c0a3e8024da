//! Extern types (the kinds of importable/exportable items), import types
//! and export types of `wasm.h`.

use super::{
    wasm_functype_t, wasm_globaltype_t, wasm_memorytype_t, wasm_tabletype_t, wasm_tagtype_t,
    CFuncType, CGlobalType, CMemoryType, CTableType,
};
use crate::wasm_name_t;
use wt::ExternType;

/// What an extern type describes.
#[derive(Clone)]
pub(crate) enum CExternType {
    Func(CFuncType),
    Global(CGlobalType),
    Table(CTableType),
    Memory(CMemoryType),
    Tag(Box<wasm_functype_t>),
}

/// The type of an import or export.
#[repr(C)]
#[derive(Clone)]
pub struct wasm_externtype_t {
    pub(crate) which: CExternType,
}

/// `wasm_externkind_t`.
pub type wasm_externkind_t = u8;

impl wasm_externtype_t {
    pub(crate) fn new(ty: &ExternType) -> wasm_externtype_t {
        let which = match ty {
            ExternType::Func(f) => CExternType::Func(CFuncType::from_func_type(f)),
            ExternType::Global(g) => CExternType::Global(CGlobalType::from_global_type(g)),
            ExternType::Table(t) => CExternType::Table(CTableType::from_table_type(t)),
            ExternType::Memory(m) => CExternType::Memory(CMemoryType::from_memory_type(m)),
            ExternType::Tag(t) => CExternType::Tag(Box::new(wasm_functype_t::new(
                CFuncType::from_func_type(t.ty()),
            ))),
        };
        wasm_externtype_t { which }
    }
}

/// Frees an extern type.
#[no_mangle]
pub extern "C" fn wasm_externtype_delete(_ty: Option<Box<wasm_externtype_t>>) {}

/// A copy of an extern type.
#[no_mangle]
pub extern "C" fn wasm_externtype_copy(ty: &wasm_externtype_t) -> Box<wasm_externtype_t> {
    Box::new(ty.clone())
}

/// The kind (`WASM_EXTERN_*`).
#[no_mangle]
pub extern "C" fn wasm_externtype_kind(ty: &wasm_externtype_t) -> wasm_externkind_t {
    match ty.which {
        CExternType::Func(_) => 0,
        CExternType::Global(_) => 1,
        CExternType::Table(_) => 2,
        CExternType::Memory(_) => 3,
        CExternType::Tag(_) => 4,
    }
}

macro_rules! as_extern {
    ($($ty:ident $as_ext:ident $as_ext_const:ident $from_ext:ident $from_ext_const:ident;)*) => {$(
        #[doc = concat!("The `", stringify!($ty), "` viewed as an extern type.")]
        #[no_mangle]
        pub extern "C" fn $as_ext(ty: &mut $ty) -> &mut wasm_externtype_t {
            &mut ty.ext
        }

        #[doc = concat!("The `", stringify!($ty), "` viewed as an extern type.")]
        #[no_mangle]
        pub extern "C" fn $as_ext_const(ty: &$ty) -> &wasm_externtype_t {
            &ty.ext
        }

        #[doc = concat!("The extern type as a `", stringify!($ty), "`, or NULL for another kind.")]
        #[no_mangle]
        pub extern "C" fn $from_ext(ty: &mut wasm_externtype_t) -> Option<&mut $ty> {
            let p: *mut wasm_externtype_t = ty;
            // SAFETY: the kind is checked first; the wrapper is
            // `repr(transparent)` and the borrow is the caller's.
            $ty::try_from_ext(ty).map(|_| unsafe { &mut *p.cast::<$ty>() })
        }

        #[doc = concat!("The extern type as a `", stringify!($ty), "`, or NULL for another kind.")]
        #[no_mangle]
        pub extern "C" fn $from_ext_const(ty: &wasm_externtype_t) -> Option<&$ty> {
            $ty::try_from_ext(ty)
        }
    )*};
}

as_extern! {
    wasm_functype_t wasm_functype_as_externtype wasm_functype_as_externtype_const wasm_externtype_as_functype wasm_externtype_as_functype_const;
    wasm_globaltype_t wasm_globaltype_as_externtype wasm_globaltype_as_externtype_const wasm_externtype_as_globaltype wasm_externtype_as_globaltype_const;
    wasm_tabletype_t wasm_tabletype_as_externtype wasm_tabletype_as_externtype_const wasm_externtype_as_tabletype wasm_externtype_as_tabletype_const;
    wasm_memorytype_t wasm_memorytype_as_externtype wasm_memorytype_as_externtype_const wasm_externtype_as_memorytype wasm_externtype_as_memorytype_const;
    wasm_tagtype_t wasm_tagtype_as_externtype wasm_tagtype_as_externtype_const wasm_externtype_as_tagtype wasm_externtype_as_tagtype_const;
}

/// An import: module name, item name and type.
#[derive(Clone)]
pub struct wasm_importtype_t {
    pub(crate) module: wasm_name_t,
    pub(crate) name: wasm_name_t,
    pub(crate) ty: wasm_externtype_t,
}

/// An export: name and type.
#[derive(Clone)]
pub struct wasm_exporttype_t {
    pub(crate) name: wasm_name_t,
    pub(crate) ty: wasm_externtype_t,
}

impl Drop for wasm_importtype_t {
    fn drop(&mut self) {
        drop(self.module.take());
        drop(self.name.take());
    }
}

impl Drop for wasm_exporttype_t {
    fn drop(&mut self) {
        drop(self.name.take());
    }
}

impl wasm_importtype_t {
    pub(crate) fn new(module: &str, name: &str, ty: &ExternType) -> wasm_importtype_t {
        wasm_importtype_t {
            module: wasm_name_t::from_bytes(module.as_bytes()),
            name: wasm_name_t::from_bytes(name.as_bytes()),
            ty: wasm_externtype_t::new(ty),
        }
    }
}

impl wasm_exporttype_t {
    pub(crate) fn new(name: &str, ty: &ExternType) -> wasm_exporttype_t {
        wasm_exporttype_t {
            name: wasm_name_t::from_bytes(name.as_bytes()),
            ty: wasm_externtype_t::new(ty),
        }
    }
}

/// Frees an import type.
#[no_mangle]
pub extern "C" fn wasm_importtype_delete(_ty: Option<Box<wasm_importtype_t>>) {}

/// A copy of an import type.
#[no_mangle]
pub extern "C" fn wasm_importtype_copy(ty: &wasm_importtype_t) -> Box<wasm_importtype_t> {
    Box::new(ty.clone())
}

/// An import type; takes ownership of the names and the type.
#[no_mangle]
pub extern "C" fn wasm_importtype_new(
    module: &mut wasm_name_t,
    name: &mut wasm_name_t,
    ty: Box<wasm_externtype_t>,
) -> Box<wasm_importtype_t> {
    Box::new(wasm_importtype_t {
        module: wasm_name_t::from_vec(module.take()),
        name: wasm_name_t::from_vec(name.take()),
        ty: *ty,
    })
}

/// The module name of an import.
#[no_mangle]
pub extern "C" fn wasm_importtype_module(ty: &wasm_importtype_t) -> &wasm_name_t {
    &ty.module
}

/// The item name of an import.
#[no_mangle]
pub extern "C" fn wasm_importtype_name(ty: &wasm_importtype_t) -> &wasm_name_t {
    &ty.name
}

/// The type of an import.
#[no_mangle]
pub extern "C" fn wasm_importtype_type(ty: &wasm_importtype_t) -> &wasm_externtype_t {
    &ty.ty
}

/// Frees an export type.
#[no_mangle]
pub extern "C" fn wasm_exporttype_delete(_ty: Option<Box<wasm_exporttype_t>>) {}

/// A copy of an export type.
#[no_mangle]
pub extern "C" fn wasm_exporttype_copy(ty: &wasm_exporttype_t) -> Box<wasm_exporttype_t> {
    Box::new(ty.clone())
}

/// An export type; takes ownership of the name and the type.
#[no_mangle]
pub extern "C" fn wasm_exporttype_new(
    name: &mut wasm_name_t,
    ty: Box<wasm_externtype_t>,
) -> Box<wasm_exporttype_t> {
    Box::new(wasm_exporttype_t {
        name: wasm_name_t::from_vec(name.take()),
        ty: *ty,
    })
}

/// The name of an export.
#[no_mangle]
pub extern "C" fn wasm_exporttype_name(ty: &wasm_exporttype_t) -> &wasm_name_t {
    &ty.name
}

/// The type of an export.
#[no_mangle]
pub extern "C" fn wasm_exporttype_type(ty: &wasm_exporttype_t) -> &wasm_externtype_t {
    &ty.ty
}
