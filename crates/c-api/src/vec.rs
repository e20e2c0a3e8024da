//! The `wasm_*_vec_t` types of `wasm.h` and their five functions each
//! (`new_empty`, `new_uninitialized`, `new`, `copy`, `delete`).

use crate::{
    wasm_exporttype_t, wasm_extern_t, wasm_externtype_t, wasm_frame_t, wasm_functype_t,
    wasm_globaltype_t, wasm_importtype_t, wasm_memorytype_t, wasm_tabletype_t, wasm_tagtype_t,
    wasm_val_t, wasm_valtype_t,
};

macro_rules! declare_vecs {
    ($($vec:ident($elem:ty) $new_empty:ident $new_uninit:ident $new:ident $copy:ident $delete:ident;)*) => {$(
        #[doc = concat!("A vector of `", stringify!($elem), "` owned by its holder.")]
        #[repr(C)]
        pub struct $vec {
            /// Number of elements.
            pub size: usize,
            /// The elements (null when empty).
            pub data: *mut $elem,
        }

        impl $vec {
            /// Replaces the contents (the old ones are not freed).
            /// Empty vectors get a dangling non-null pointer, as Wasmtime's
            /// do (bindings dereference `data` even when `size` is 0).
            pub(crate) fn set(&mut self, elems: Vec<$elem>) {
                let elems = elems.into_boxed_slice();
                self.size = elems.len();
                self.data = Box::into_raw(elems).cast::<$elem>();
            }

            /// A vector holding `elems`.
            #[allow(dead_code)]
            pub(crate) fn from_vec(elems: Vec<$elem>) -> $vec {
                let mut out = $vec { size: 0, data: std::ptr::null_mut() };
                out.set(elems);
                out
            }

            /// The elements.
            pub(crate) fn as_slice(&self) -> &[$elem] {
                // SAFETY: `data`/`size` describe the vector's elements (C
                // contract for vectors built by the caller).
                unsafe { crate::ffi::slice(self.data, self.size) }
            }

            /// Takes the elements out, leaving the vector empty.
            pub(crate) fn take(&mut self) -> Vec<$elem> {
                if self.data.is_null() || self.size == 0 {
                    // Nothing was allocated for an empty vector.
                    self.size = 0;
                    self.data = std::ptr::null_mut();
                    return Vec::new();
                }
                let slice = std::ptr::slice_from_raw_parts_mut(self.data, self.size);
                self.size = 0;
                self.data = std::ptr::null_mut();
                // SAFETY: non-empty vectors passed to `delete`/`take` were
                // allocated by `set` as a boxed slice of this length.
                unsafe { Box::from_raw(slice) }.into_vec()
            }
        }

        #[doc = concat!("Makes `out` an empty `", stringify!($vec), "` (null `data`, as in Wasmtime).")]
        #[no_mangle]
        pub extern "C" fn $new_empty(out: &mut $vec) {
            out.size = 0;
            out.data = std::ptr::null_mut();
        }

        #[doc = concat!("Makes `out` a `", stringify!($vec), "` of `size` default (zero or null) elements.")]
        #[no_mangle]
        pub extern "C" fn $new_uninit(out: &mut $vec, size: usize) {
            out.set((0..size).map(|_| <$elem>::default()).collect());
        }

        #[doc = concat!("Makes `out` a `", stringify!($vec), "` owning the `size` elements at `ptr`.")]
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: &mut $vec, size: usize, ptr: *const $elem) {
            // SAFETY: C contract: `ptr` holds `size` elements whose
            // ownership moves into the vector.
            let elems = unsafe { crate::ffi::slice(ptr, size) }
                .iter()
                // SAFETY: each element is read once and then owned here.
                .map(|e| unsafe { std::ptr::read(e) })
                .collect();
            out.set(elems);
        }

        #[doc = concat!("Makes `out` a deep copy of `src`.")]
        #[no_mangle]
        pub extern "C" fn $copy(out: &mut $vec, src: &$vec) {
            out.set(src.as_slice().to_vec());
        }

        #[doc = concat!("Frees the elements of `v`, leaving it empty.")]
        #[no_mangle]
        pub extern "C" fn $delete(v: Option<&mut $vec>) {
            if let Some(v) = v {
                drop(v.take());
            }
        }
    )*};
}

pub(crate) use declare_vecs;

declare_vecs! {
    wasm_byte_vec_t(u8) wasm_byte_vec_new_empty wasm_byte_vec_new_uninitialized wasm_byte_vec_new wasm_byte_vec_copy wasm_byte_vec_delete;
    wasm_valtype_vec_t(Option<Box<wasm_valtype_t>>) wasm_valtype_vec_new_empty wasm_valtype_vec_new_uninitialized wasm_valtype_vec_new wasm_valtype_vec_copy wasm_valtype_vec_delete;
    wasm_functype_vec_t(Option<Box<wasm_functype_t>>) wasm_functype_vec_new_empty wasm_functype_vec_new_uninitialized wasm_functype_vec_new wasm_functype_vec_copy wasm_functype_vec_delete;
    wasm_globaltype_vec_t(Option<Box<wasm_globaltype_t>>) wasm_globaltype_vec_new_empty wasm_globaltype_vec_new_uninitialized wasm_globaltype_vec_new wasm_globaltype_vec_copy wasm_globaltype_vec_delete;
    wasm_tabletype_vec_t(Option<Box<wasm_tabletype_t>>) wasm_tabletype_vec_new_empty wasm_tabletype_vec_new_uninitialized wasm_tabletype_vec_new wasm_tabletype_vec_copy wasm_tabletype_vec_delete;
    wasm_memorytype_vec_t(Option<Box<wasm_memorytype_t>>) wasm_memorytype_vec_new_empty wasm_memorytype_vec_new_uninitialized wasm_memorytype_vec_new wasm_memorytype_vec_copy wasm_memorytype_vec_delete;
    wasm_tagtype_vec_t(Option<Box<wasm_tagtype_t>>) wasm_tagtype_vec_new_empty wasm_tagtype_vec_new_uninitialized wasm_tagtype_vec_new wasm_tagtype_vec_copy wasm_tagtype_vec_delete;
    wasm_externtype_vec_t(Option<Box<wasm_externtype_t>>) wasm_externtype_vec_new_empty wasm_externtype_vec_new_uninitialized wasm_externtype_vec_new wasm_externtype_vec_copy wasm_externtype_vec_delete;
    wasm_importtype_vec_t(Option<Box<wasm_importtype_t>>) wasm_importtype_vec_new_empty wasm_importtype_vec_new_uninitialized wasm_importtype_vec_new wasm_importtype_vec_copy wasm_importtype_vec_delete;
    wasm_exporttype_vec_t(Option<Box<wasm_exporttype_t>>) wasm_exporttype_vec_new_empty wasm_exporttype_vec_new_uninitialized wasm_exporttype_vec_new wasm_exporttype_vec_copy wasm_exporttype_vec_delete;
    wasm_val_vec_t(wasm_val_t) wasm_val_vec_new_empty wasm_val_vec_new_uninitialized wasm_val_vec_new wasm_val_vec_copy wasm_val_vec_delete;
    wasm_frame_vec_t(Option<Box<wasm_frame_t>>) wasm_frame_vec_new_empty wasm_frame_vec_new_uninitialized wasm_frame_vec_new wasm_frame_vec_copy wasm_frame_vec_delete;
    wasm_extern_vec_t(Option<Box<wasm_extern_t>>) wasm_extern_vec_new_empty wasm_extern_vec_new_uninitialized wasm_extern_vec_new wasm_extern_vec_copy wasm_extern_vec_delete;
}

impl wasm_byte_vec_t {
    /// A vector holding a copy of `bytes`.
    pub(crate) fn from_bytes(bytes: &[u8]) -> wasm_byte_vec_t {
        wasm_byte_vec_t::from_vec(bytes.to_vec())
    }
}

impl Default for wasm_byte_vec_t {
    fn default() -> Self {
        wasm_byte_vec_t {
            size: 0,
            data: std::ptr::null_mut(),
        }
    }
}

impl Clone for wasm_byte_vec_t {
    fn clone(&self) -> Self {
        wasm_byte_vec_t::from_bytes(self.as_slice())
    }
}

/// A name: a byte vector (not NUL-terminated unless stated).
pub type wasm_name_t = wasm_byte_vec_t;
/// A trap message: a byte vector.
pub type wasm_message_t = wasm_byte_vec_t;
