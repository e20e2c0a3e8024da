//! Rust definitions of the structures compiled code reads and writes. Their
//! layouts are checked at compile time against the offsets defined once in
//! `wasmtime_environ` (see the `const _: () = ...` assertions below).

use std::any::Any;
use std::sync::atomic::AtomicU64;
use wasmtime_environ::{
    store_context, vm_func_ref, vm_host_func_context, vm_memory_definition, vm_table_definition,
    VMSharedTypeIndex,
};

/// Opaque marker type for a `VMContext` (the real size depends on the module).
#[repr(C, align(16))]
pub struct VMContext {
    _marker: std::marker::PhantomPinned,
}

impl VMContext {
    pub(crate) fn new() -> Self {
        VMContext {
            _marker: std::marker::PhantomPinned,
        }
    }
}

/// Either a `VMContext` or a `VMArrayCallHostFuncContext`; compiled code
/// treats both as an opaque callee context.
#[repr(C)]
pub struct VMOpaqueContext {
    _marker: std::marker::PhantomPinned,
}

/// Signature of a function's array-call entry point.
///
/// Arguments are read from, and results written to, `len` 16-byte slots.
/// Returns false when a host function failed; the error is then pending in
/// the store.
pub type VMArrayCallFunction =
    unsafe extern "C" fn(*mut VMOpaqueContext, *mut VMOpaqueContext, *mut ValRaw, usize) -> bool;

/// A linear memory's base and current length, as compiled code sees them.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory.
    pub base: *mut u8,
    /// Current size in bytes.
    pub current_length: u64,
}

/// A table's element array and current length.
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    /// Start of the element array (8 bytes per element).
    pub base: *mut u64,
    /// Current number of elements.
    pub current_elements: u64,
}

/// Storage for one global value.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct VMGlobalDefinition {
    storage: [u8; 16],
}

impl VMGlobalDefinition {
    /// Reads the value as raw bits.
    pub fn get_raw(&self) -> ValRaw {
        ValRaw::from_bytes(self.storage)
    }

    /// Writes raw bits.
    pub fn set_raw(&mut self, val: ValRaw) {
        self.storage = val.to_bytes();
    }
}

/// The callable representation of a function: what a `funcref` points to.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct VMFuncRef {
    /// Array-call entry point.
    pub array_call: Option<VMArrayCallFunction>,
    /// Wasm-call entry point (`CallConv::Tail`), null until known.
    pub wasm_call: *const u8,
    /// The callee context passed to either entry point.
    pub vmctx: *mut VMOpaqueContext,
    /// Engine-wide signature id.
    pub type_index: VMSharedTypeIndex,
    _pad: u32,
}

impl VMFuncRef {
    /// Creates a funcref.
    pub fn new(
        array_call: VMArrayCallFunction,
        wasm_call: *const u8,
        vmctx: *mut VMOpaqueContext,
        type_index: VMSharedTypeIndex,
    ) -> Self {
        VMFuncRef {
            array_call: Some(array_call),
            wasm_call,
            vmctx,
            type_index,
            _pad: 0,
        }
    }

    /// An all-zero funcref (used for slots that are filled in later).
    pub fn empty() -> Self {
        VMFuncRef {
            array_call: None,
            wasm_call: std::ptr::null(),
            vmctx: std::ptr::null_mut(),
            type_index: VMSharedTypeIndex::RESERVED,
            _pad: 0,
        }
    }
}

// SAFETY: a VMFuncRef is plain data; the pointers it holds are only
// dereferenced by code that owns the store they belong to.
unsafe impl Send for VMFuncRef {}
// SAFETY: as above.
unsafe impl Sync for VMFuncRef {}

/// Per-store state shared with compiled code.
#[repr(C)]
#[derive(Debug)]
pub struct VMStoreContext {
    /// Lowest address the wasm stack may reach.
    pub stack_limit: usize,
    /// Fuel consumed (negative remaining fuel).
    pub fuel_consumed: i64,
    /// Epoch deadline.
    pub epoch_deadline: u64,
    /// Frame pointer of the last wasm frame that exited to the host.
    pub last_wasm_exit_fp: usize,
    /// Return address into wasm of the last exit to the host.
    pub last_wasm_exit_pc: usize,
    /// Frame pointer of the last host-to-wasm entry trampoline.
    pub last_wasm_entry_fp: usize,
    /// The epoch counter compared with `epoch_deadline`.
    pub epoch_ptr: *const AtomicU64,
    /// The embedding store, for builtins (never read by compiled code).
    pub store: crate::vmstore::VMStorePtr,
    /// Result of the last register-preserving builtin (see
    /// `store_context::BUILTIN_STATUS`).
    pub builtin_status: u64,
    /// Base address of the store's GC heap (null before its first object).
    pub gc_heap_base: *mut u8,
    /// Accessible bytes of the GC heap.
    pub gc_heap_bound: usize,
    /// The store's GC heap, for builtins (never read by compiled code).
    pub gc_heap: *mut crate::gc_heap::GcHeap,
    /// The older wasm activations of this store still on the stack (wasm
    /// that called the host that called wasm again), oldest first: each
    /// one's last exit (pc, frame pointer) and entry frame pointer, saved
    /// by `entry::call_wasm`, so the collector finds their roots (never
    /// read by compiled code).
    pub saved_activations: Vec<(usize, usize, usize)>,
}

impl VMStoreContext {
    /// Publishes the GC heap's current base and bound to compiled code.
    pub fn update_gc_heap(&mut self, heap: &crate::gc_heap::GcHeap) {
        self.gc_heap_base = heap.base();
        self.gc_heap_bound = heap.bound();
    }
}

impl Default for VMStoreContext {
    fn default() -> Self {
        VMStoreContext {
            stack_limit: usize::MAX,
            fuel_consumed: 0,
            epoch_deadline: 0,
            last_wasm_exit_fp: 0,
            last_wasm_exit_pc: 0,
            last_wasm_entry_fp: 0,
            epoch_ptr: std::ptr::null(),
            store: None,
            builtin_status: 0,
            gc_heap_base: std::ptr::null_mut(),
            gc_heap_bound: 0,
            gc_heap: std::ptr::null_mut(),
            saved_activations: Vec::new(),
        }
    }
}

/// The context of a host function: the `vmctx` of its `VMFuncRef`.
#[repr(C)]
pub struct VMArrayCallHostFuncContext {
    magic: u32,
    _pad: [u32; 3],
    /// The host function's funcref; `vmctx` points back at this context.
    pub func_ref: VMFuncRef,
    /// Embedder data (the closure and anything it needs).
    pub host_state: Box<dyn Any + Send + Sync>,
}

impl VMArrayCallHostFuncContext {
    /// Allocates a context whose funcref points at itself.
    pub fn new(
        array_call: VMArrayCallFunction,
        wasm_call: *const u8,
        type_index: VMSharedTypeIndex,
        host_state: Box<dyn Any + Send + Sync>,
    ) -> Box<Self> {
        let mut ctx = Box::new(VMArrayCallHostFuncContext {
            magic: vm_host_func_context::MAGIC_VALUE,
            _pad: [0; 3],
            func_ref: VMFuncRef::new(array_call, wasm_call, std::ptr::null_mut(), type_index),
            host_state,
        });
        ctx.func_ref.vmctx = (&mut *ctx as *mut Self).cast();
        ctx
    }

    /// Whether `ptr`, a funcref's `vmctx`, is a host function's context
    /// (rather than an instance's `VMContext`).
    ///
    /// # Safety
    /// `ptr` must be the `vmctx` of a live funcref.
    pub unsafe fn is_host_context(ptr: *mut VMOpaqueContext) -> bool {
        // SAFETY: both kinds of context start with a 4-byte magic value.
        unsafe { *(ptr as *const u32) == vm_host_func_context::MAGIC_VALUE }
    }

    /// Recovers the context from a funcref's `vmctx`.
    ///
    /// # Safety
    /// `ptr` must point at a live `VMArrayCallHostFuncContext`.
    pub unsafe fn from_opaque<'a>(ptr: *mut VMOpaqueContext) -> &'a VMArrayCallHostFuncContext {
        // SAFETY: guaranteed by the caller.
        let ctx = unsafe { &*(ptr as *const VMArrayCallHostFuncContext) };
        debug_assert_eq!(ctx.magic, vm_host_func_context::MAGIC_VALUE);
        ctx
    }
}

/// A raw wasm value in a 16-byte slot: the representation shared by the
/// array calling convention, globals and the embedding API.
#[repr(C, align(16))]
#[derive(Copy, Clone)]
pub union ValRaw {
    i32: i32,
    i64: i64,
    f32: u32,
    f64: u64,
    v128: [u8; 16],
    bytes: [u8; 16],
}

impl std::fmt::Debug for ValRaw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ValRaw({:#x})", self.get_v128())
    }
}

impl Default for ValRaw {
    fn default() -> Self {
        ValRaw { bytes: [0; 16] }
    }
}

#[allow(missing_docs)]
impl ValRaw {
    fn from_bytes(bytes: [u8; 16]) -> Self {
        ValRaw { bytes }
    }
    fn to_bytes(self) -> [u8; 16] {
        // SAFETY: every bit pattern is a valid byte array.
        unsafe { self.bytes }
    }
    pub fn i32(v: i32) -> Self {
        let mut r = ValRaw::default();
        r.i32 = v;
        r
    }
    pub fn i64(v: i64) -> Self {
        let mut r = ValRaw::default();
        r.i64 = v;
        r
    }
    pub fn u32(v: u32) -> Self {
        Self::i32(v as i32)
    }
    pub fn u64(v: u64) -> Self {
        Self::i64(v as i64)
    }
    pub fn f32(bits: u32) -> Self {
        Self::i32(bits as i32)
    }
    pub fn f64(bits: u64) -> Self {
        Self::i64(bits as i64)
    }
    pub fn v128(v: u128) -> Self {
        ValRaw {
            v128: v.to_le_bytes(),
        }
    }
    /// A reference (funcref pointer or externref handle).
    pub fn reference(v: u64) -> Self {
        Self::i64(v as i64)
    }
    pub fn get_i32(&self) -> i32 {
        // SAFETY: all fields are plain integers.
        unsafe { self.i32 }
    }
    pub fn get_i64(&self) -> i64 {
        // SAFETY: all fields are plain integers.
        unsafe { self.i64 }
    }
    pub fn get_u32(&self) -> u32 {
        self.get_i32() as u32
    }
    pub fn get_u64(&self) -> u64 {
        self.get_i64() as u64
    }
    pub fn get_f32(&self) -> u32 {
        // SAFETY: all fields are plain integers.
        unsafe { self.f32 }
    }
    pub fn get_f64(&self) -> u64 {
        // SAFETY: all fields are plain integers.
        unsafe { self.f64 }
    }
    pub fn get_v128(&self) -> u128 {
        // SAFETY: all fields are plain integers.
        u128::from_le_bytes(unsafe { self.v128 })
    }
    pub fn get_reference(&self) -> u64 {
        self.get_u64()
    }
}

// Layout checks against the single definition in wasmtime-environ.
const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<ValRaw>() == 16);
    assert!(offset_of!(VMMemoryDefinition, base) == vm_memory_definition::BASE as usize);
    assert!(
        offset_of!(VMMemoryDefinition, current_length)
            == vm_memory_definition::CURRENT_LENGTH as usize
    );
    assert!(size_of::<VMMemoryDefinition>() == vm_memory_definition::SIZE as usize);
    assert!(offset_of!(VMTableDefinition, base) == vm_table_definition::BASE as usize);
    assert!(
        offset_of!(VMTableDefinition, current_elements)
            == vm_table_definition::CURRENT_ELEMENTS as usize
    );
    assert!(size_of::<VMTableDefinition>() == vm_table_definition::SIZE as usize);
    assert!(
        size_of::<VMGlobalDefinition>() == wasmtime_environ::vm_global_definition::SIZE as usize
    );
    assert!(offset_of!(VMFuncRef, array_call) == vm_func_ref::ARRAY_CALL as usize);
    assert!(offset_of!(VMFuncRef, wasm_call) == vm_func_ref::WASM_CALL as usize);
    assert!(offset_of!(VMFuncRef, vmctx) == vm_func_ref::VMCTX as usize);
    assert!(offset_of!(VMFuncRef, type_index) == vm_func_ref::TYPE_INDEX as usize);
    assert!(size_of::<VMFuncRef>() == vm_func_ref::SIZE as usize);
    assert!(offset_of!(VMStoreContext, stack_limit) == store_context::STACK_LIMIT as usize);
    assert!(offset_of!(VMStoreContext, fuel_consumed) == store_context::FUEL_CONSUMED as usize);
    assert!(offset_of!(VMStoreContext, epoch_deadline) == store_context::EPOCH_DEADLINE as usize);
    assert!(
        offset_of!(VMStoreContext, last_wasm_exit_fp) == store_context::LAST_WASM_EXIT_FP as usize
    );
    assert!(
        offset_of!(VMStoreContext, last_wasm_exit_pc) == store_context::LAST_WASM_EXIT_PC as usize
    );
    assert!(
        offset_of!(VMStoreContext, last_wasm_entry_fp)
            == store_context::LAST_WASM_ENTRY_FP as usize
    );
    assert!(offset_of!(VMStoreContext, epoch_ptr) == store_context::EPOCH_PTR as usize);
    assert!(offset_of!(VMStoreContext, store) == store_context::STORE as usize);
    assert!(offset_of!(VMStoreContext, builtin_status) == store_context::BUILTIN_STATUS as usize);
    assert!(offset_of!(VMStoreContext, gc_heap_base) == store_context::GC_HEAP_BASE as usize);
    assert!(offset_of!(VMStoreContext, gc_heap_bound) == store_context::GC_HEAP_BOUND as usize);
    assert!(offset_of!(VMStoreContext, gc_heap) == store_context::GC_HEAP as usize);
    assert!(size_of::<VMStoreContext>() == store_context::SIZE as usize);
    assert!(offset_of!(VMArrayCallHostFuncContext, magic) == vm_host_func_context::MAGIC as usize);
    assert!(
        offset_of!(VMArrayCallHostFuncContext, func_ref) == vm_host_func_context::FUNC_REF as usize
    );
};

/// A tag's runtime identity: its address is what tags are compared by.
#[derive(Debug)]
#[repr(C)]
pub struct VMTagDefinition {
    /// The engine-wide type of the tag's function type.
    pub type_index: VMSharedTypeIndex,
}
