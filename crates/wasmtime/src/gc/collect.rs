//! Collection of a store's GC heap (`Store::gc`, and allocations of
//! compiled code that find the heap full): gathers the roots and runs the
//! heap's mark-and-sweep collector (`wasmtime_runtime::gc_heap`), then
//! drops the host values of the `externref`s nothing reaches any more.
//!
//! Roots: the GC reference words in the stack slots named by the stack
//! maps of the wasm frames of the store's activations
//! (`wasmtime_runtime::gc_roots`), every instance's globals, tables,
//! evaluated element segments and exception values, and the words the
//! host holds through `Rooted` handles ([`HostRoots`]).

use crate::store::StoreOpaque;
use crate::Collector;
use std::sync::{Arc, Mutex};
use wasmtime_environ::{
    gc_header, gc_ref, VMSharedTypeIndex, WasmCompositeType, WasmHierarchy, WasmStorageType,
    WasmValType,
};
use wasmtime_runtime::gc_heap::TraceInfo;

/// The reference words the host holds through `Rooted` handles, in
/// creation order. A `RootScope` (and each host function call) truncates
/// it to its length at the start when it ends, unrooting what was made
/// inside.
#[derive(Default)]
pub(crate) struct HostRoots(Mutex<Vec<u64>>);

impl HostRoots {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u64>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Roots `word` if it names a heap object or a host value.
    pub(crate) fn push(&self, word: u64) {
        if needs_root(word) {
            self.lock().push(word);
        }
    }

    /// The number of roots.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Unroots everything rooted after the first `len`.
    pub(crate) fn truncate(&self, len: usize) {
        self.lock().truncate(len);
    }

    fn snapshot(&self) -> Vec<u64> {
        self.lock().clone()
    }
}

/// Whether `word` is a heap object or a host value (not null, not i31).
fn needs_root(word: u64) -> bool {
    word != 0 && word & gc_ref::I31_TAG == 0
}

/// Whether a value of storage type `s` is a GC reference word.
fn is_gc_storage(s: &WasmStorageType) -> bool {
    matches!(s, WasmStorageType::Val(WasmValType::Ref(r))
        if matches!(r.heap.hierarchy(), WasmHierarchy::Any | WasmHierarchy::Extern))
}

/// Where the references are in objects of registered type `id`.
fn trace_info(engine: &crate::Engine, id: u32) -> Option<Arc<TraceInfo>> {
    let ty = engine.sub_type_of(VMSharedTypeIndex(id));
    let info = match &ty.composite {
        WasmCompositeType::Struct(s) => {
            let (offsets, _) = gc_header::struct_layout(s);
            TraceInfo {
                struct_refs: s
                    .fields
                    .iter()
                    .zip(offsets)
                    .filter(|(f, _)| is_gc_storage(&f.element))
                    .map(|(_, off)| off)
                    .collect(),
                array_of_refs: false,
            }
        }
        WasmCompositeType::Array(a) => TraceInfo {
            struct_refs: Vec::new(),
            array_of_refs: is_gc_storage(&a.0.element),
        },
        WasmCompositeType::Func(_) => return None,
    };
    (!info.struct_refs.is_empty() || info.array_of_refs).then(|| Arc::new(info))
}

impl StoreOpaque {
    /// Roots `word` for the host (see [`HostRoots`]).
    pub(crate) fn root_word(&self, word: u64) {
        self.host_roots.push(word);
    }

    /// Collects the GC heap and the host values of unreachable
    /// `externref`s; nothing with the null collector.
    pub(crate) fn collect_garbage(&mut self) {
        if self.engine.config().collector == Collector::Null {
            return;
        }
        let mut roots: Vec<u64> = Vec::new();
        // SAFETY: this runs on the thread of the store's activations,
        // either from the host with no wasm running or from a call that
        // wasm made (a host function or an allocating builtin), which
        // recorded its exit (see `visit_stack_roots`).
        // SAFETY: the slots are in live, suspended wasm frames (readable).
        unsafe {
            wasmtime_runtime::gc_roots::visit_stack_roots(&self.vm_store_context, &mut |slot| {
                roots.push(slot.read())
            });
        }
        for instance in &self.instances {
            instance
                .handle
                .instance()
                .visit_gc_roots(&mut |w| roots.push(w));
        }
        roots.extend(self.host_roots.snapshot());

        let engine = self.engine.clone();
        let mut live = vec![false; self.externrefs.len()];
        self.gc_heap.collect(
            &mut roots.into_iter(),
            &mut |id| trace_info(&engine, id),
            &mut |slot| {
                if let Some(l) = live.get_mut(slot) {
                    *l = true;
                }
            },
        );
        let opaque = &mut *self;
        opaque.vm_store_context.update_gc_heap(&opaque.gc_heap);
        // Host values are dropped last: their destructors are host code.
        let mut dead = Vec::new();
        for (slot, live) in live.into_iter().enumerate() {
            if !live {
                if let Some(value) = self.externrefs[slot].take() {
                    self.externref_free.push(slot);
                    dead.push(value);
                }
            }
        }
        drop(dead);
    }

    /// Stores `value` as a host value; returns its reference word.
    pub(crate) fn new_externref(&mut self, value: Box<dyn std::any::Any + Send + Sync>) -> u64 {
        let slot = match self.externref_free.pop() {
            Some(slot) => {
                self.externrefs[slot] = Some(value);
                slot
            }
            None => {
                self.externrefs.push(Some(value));
                self.externrefs.len() - 1
            }
        };
        gc_ref::from_host_index(slot)
    }
}
