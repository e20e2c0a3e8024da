//! What every instantiation of a module writes into its funcref slots and
//! tables, worked out once per module.
//!
//! A `VMFuncRef` is the same for every instance of a module except for its
//! `vmctx` field, and a table element that a segment of function indices
//! sets is always `vmctx + offset of that function's funcref`. Big modules
//! (tens of thousands of functions, tables of thousands of elements, as in
//! interpreters compiled to wasm) are instantiated per request by servers,
//! so these are precomputed here and instantiation only stamps them out.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::vmcontext::{VMArrayCallFunction, VMFuncRef, VMOpaqueContext};
use wasmtime_environ::{ElemIndex, ElementItems, EntityRef, Module, VMOffsets, VMSharedTypeIndex};

/// A defined function's funcref without its `vmctx`, and where it goes.
#[derive(Clone, Copy)]
struct FuncRefTemplate {
    /// The slot's offset in the vmctx.
    offset: u32,
    type_index: VMSharedTypeIndex,
    array_call: VMArrayCallFunction,
    wasm_call: *const u8,
}

/// The funcrefs and function-index segments of one module, precomputed for
/// its instantiations.
pub struct ModuleFuncRefs {
    /// Unique in the process (never 0): names these funcrefs as a pool
    /// slot's tenant.
    id: u64,
    /// The funcrefs compiled code may address directly
    /// ([`Module::inline_func_refs`]): filled at instantiation.
    eager: Box<[FuncRefTemplate]>,
    /// One bit per defined function, set for those in `eager`.
    eager_bits: Box<[u64]>,
    /// Per element segment of function indices: the vmctx offset of each
    /// item's funcref (`None` for segments of expressions).
    elem_offsets: Box<[Option<Box<[u32]>>]>,
}

// SAFETY: the raw pointers are entry points into immutable code that the
// owner of this value keeps mapped.
unsafe impl Send for ModuleFuncRefs {}
// SAFETY: as above; nothing here is mutated after construction.
unsafe impl Sync for ModuleFuncRefs {}

impl ModuleFuncRefs {
    /// Precomputes `module`'s funcrefs: `type_ids` are the engine-wide ids
    /// of its types, `functions` the `(array_call, wasm_call)` entry points
    /// of its defined functions.
    pub fn new(
        module: &Module,
        type_ids: &[VMSharedTypeIndex],
        functions: &[(VMArrayCallFunction, *const u8)],
    ) -> ModuleFuncRefs {
        let offsets = VMOffsets::new(module);
        let defined = module.functions.len() - module.num_imported_funcs;
        let mut eager_bits = vec![0u64; defined.div_ceil(64)].into_boxed_slice();
        let eager = module
            .inline_func_refs()
            .into_iter()
            .filter(|def| def.index() < functions.len())
            .map(|def| {
                eager_bits[def.index() / 64] |= 1 << (def.index() % 64);
                let index = module.func_index(def);
                let (array_call, wasm_call) = functions[def.index()];
                FuncRefTemplate {
                    offset: offsets.func_ref(index),
                    type_index: type_ids[module.functions[index].index()],
                    array_call,
                    wasm_call,
                }
            })
            .collect();
        let elem_offsets = module
            .elements
            .values()
            .map(|seg| match &seg.items {
                ElementItems::Functions(fs) => {
                    Some(fs.iter().map(|f| offsets.func_ref(*f)).collect())
                }
                ElementItems::Expressions(_) => None,
            })
            .collect();
        ModuleFuncRefs {
            id: next_id(),
            eager,
            eager_bits,
            elem_offsets,
        }
    }

    /// Funcrefs of a module without defined functions or segments.
    pub fn empty() -> ModuleFuncRefs {
        ModuleFuncRefs {
            id: next_id(),
            eager: Box::new([]),
            eager_bits: Box::new([]),
            elem_offsets: Box::new([]),
        }
    }

    /// Unique in the process and never 0: what a pool slot records as its
    /// tenant once these funcrefs are written in it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// One bit per defined function: set for the funcrefs that
    /// [`ModuleFuncRefs::fill_eager`] fills.
    pub(crate) fn eager_bits(&self) -> &[u64] {
        &self.eager_bits
    }

    /// Fills the eager funcref slots of the vmctx at `vmctx`.
    ///
    /// # Safety
    /// `vmctx` must be the context of an instance of the module these
    /// were computed for, laid out by its `VMOffsets`.
    pub(crate) unsafe fn fill_eager(&self, vmctx: *mut u8) {
        let opaque = vmctx.cast::<VMOpaqueContext>();
        for t in self.eager.iter() {
            // SAFETY: the offset is a funcref slot of this module's vmctx
            // (caller's contract).
            unsafe {
                vmctx
                    .add(t.offset as usize)
                    .cast::<VMFuncRef>()
                    .write(VMFuncRef::new(
                        t.array_call,
                        t.wasm_call,
                        opaque,
                        t.type_index,
                    ))
            };
        }
    }

    /// The vmctx offsets of the funcrefs of element segment `elem`'s items,
    /// if it is a segment of function indices.
    pub(crate) fn elem_offsets(&self, elem: ElemIndex) -> Option<&[u32]> {
        self.elem_offsets.get(elem.index())?.as_deref()
    }
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
