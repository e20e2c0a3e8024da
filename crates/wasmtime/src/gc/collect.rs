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
use std::sync::{Arc, Mutex, Weak};
use wasmtime_environ::{
    gc_header, gc_ref, VMSharedTypeIndex, WasmCompositeType, WasmHierarchy, WasmStorageType,
    WasmValType,
};
use wasmtime_runtime::gc_heap::TraceInfo;

/// The reference words the host holds through `Rooted` handles, in
/// creation order. A `RootScope` (and each host function call) truncates
/// it to its length at the start when it ends, unrooting what was made
/// inside. Also the words of `OwnedRooted` handles, each rooted while its
/// token lives.
#[derive(Default)]
pub(crate) struct HostRoots(Mutex<Roots>);

#[derive(Default)]
struct Roots {
    /// `(word, id)`, LIFO.
    lifo: Vec<(u64, u64)>,
    /// The id of the next LIFO root (ids are never reused).
    next_id: u64,
    /// `(token, word)` of the owned roots.
    owned: Vec<(Weak<()>, u64)>,
}

/// Which LIFO root keeps a `Rooted` handle's reference alive: the handle
/// is usable while that entry is still in place.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RootId {
    index: usize,
    id: u64,
}

impl HostRoots {
    fn lock(&self) -> std::sync::MutexGuard<'_, Roots> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Roots `word` if it names a heap object or a host value.
    pub(crate) fn push(&self, word: u64) -> Option<RootId> {
        if !needs_root(word) {
            return None;
        }
        let mut roots = self.lock();
        let id = roots.next_id;
        roots.next_id += 1;
        roots.lifo.push((word, id));
        Some(RootId {
            index: roots.lifo.len() - 1,
            id,
        })
    }

    /// Whether the LIFO root `root` is still in place.
    pub(crate) fn is_live(&self, root: RootId) -> bool {
        self.lock()
            .lifo
            .get(root.index)
            .is_some_and(|(_, id)| *id == root.id)
    }

    /// Roots `word` for as long as the returned token (or a clone) lives.
    pub(crate) fn push_owned(&self, word: u64) -> Arc<()> {
        let token = Arc::new(());
        if needs_root(word) {
            self.lock().owned.push((Arc::downgrade(&token), word));
        }
        token
    }

    /// The number of LIFO roots.
    pub(crate) fn len(&self) -> usize {
        self.lock().lifo.len()
    }

    /// Unroots every LIFO root after the first `len`.
    pub(crate) fn truncate(&self, len: usize) {
        self.lock().lifo.truncate(len);
    }

    /// Every rooted word (dropping the owned roots whose tokens died).
    fn snapshot(&self) -> Vec<u64> {
        let mut roots = self.lock();
        roots.owned.retain(|(token, _)| token.strong_count() > 0);
        let mut words: Vec<u64> = roots.lifo.iter().map(|(w, _)| *w).collect();
        words.extend(roots.owned.iter().map(|(_, w)| *w));
        words
    }
}

/// Whether `word` is a heap object or a host value (not null, not i31).
fn needs_root(word: u64) -> bool {
    word != 0 && word & gc_ref::I31_TAG == 0
}

/// Whether a value of storage type `s` is a GC reference word.
pub(crate) fn is_gc_storage(s: &WasmStorageType) -> bool {
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
        WasmCompositeType::Func(_) | WasmCompositeType::Cont(_) => return None,
    };
    (!info.struct_refs.is_empty() || info.array_of_refs).then(|| Arc::new(info))
}

impl StoreOpaque {
    /// Roots `word` for the host (see [`HostRoots`]).
    pub(crate) fn root_word(&self, word: u64) -> Option<RootId> {
        self.host_roots.push(word)
    }

    /// Fails if `root` (of a `Rooted` handle) was unrooted.
    pub(crate) fn check_rooted(&self, root: Option<RootId>) -> anyhow::Result<()> {
        match root {
            Some(r) if !self.host_roots.is_live(r) => anyhow::bail!(
                "use of a `Rooted` GC reference after its root scope ended \
                 (keep it in an `OwnedRooted` to use it longer)"
            ),
            _ => Ok(()),
        }
    }

    /// Collects the GC heap and the host values of unreachable
    /// `externref`s; nothing with the null collector.
    pub(crate) fn collect_garbage(&mut self) {
        if self.engine.config().collector == Collector::Null {
            return;
        }
        // The frames of suspended stack-switching continuations are not
        // walked for roots yet, so nothing is collected while one is live
        // (allocation grows the heap or fails with `GcHeapOutOfMemory`).
        if self.conts.live() > 0 {
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

    /// As [`StoreOpaque::collect_garbage`], with `pinned` words rooted
    /// too (the operands of a host-side allocation).
    pub(crate) fn collect_garbage_pinning(&mut self, pinned: &[u64]) {
        let len = self.host_roots.len();
        for &word in pinned {
            self.host_roots.push(word);
        }
        self.collect_garbage();
        self.host_roots.truncate(len);
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
