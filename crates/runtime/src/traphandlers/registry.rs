//! The registry of compiled code: which program counters belong to wasm,
//! and what a trapping instruction at one of them means.

use crate::code_memory::CodeMemory;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use wasmtime_environ::TrapSite;

static CODE: RwLock<BTreeMap<usize, Arc<CodeMemory>>> = RwLock::new(BTreeMap::new());

thread_local! {
    /// Set while this thread holds the registry's write lock, so that a
    /// fault in that window does not deadlock the signal handler.
    pub(super) static WRITING_REGISTRY: Cell<bool> = const { Cell::new(false) };
}

fn with_registry_mut<R>(f: impl FnOnce(&mut BTreeMap<usize, Arc<CodeMemory>>) -> R) -> R {
    WRITING_REGISTRY.set(true);
    let r = {
        let mut map = CODE.write().unwrap_or_else(|e| e.into_inner());
        f(&mut map)
    };
    WRITING_REGISTRY.set(false);
    r
}

/// Registers `code` so that faults at its trap sites are reported as traps.
/// It is keyed by the start of its text ([`CodeMemory::text_range`]).
pub fn register_code(code: Arc<CodeMemory>) {
    let start = code.text_range().start;
    let old = with_registry_mut(|map| map.insert(start, code));
    drop(old);
}

/// Unregisters the code whose text starts at `start` (no-op if none).
pub fn unregister_code(start: usize) {
    let old = with_registry_mut(|map| map.remove(&start));
    drop(old);
}

/// The registered code whose text contains `pc`.
pub fn lookup_code(pc: usize) -> Option<Arc<CodeMemory>> {
    let map = CODE.read().unwrap_or_else(|e| e.into_inner());
    let (_, code) = map.range(..=pc).next_back()?;
    code.text_range().contains(&pc).then(|| code.clone())
}

/// Like `lookup_code(pc)?.lookup_trap(pc)` but without touching reference
/// counts (used from the signal handler).
pub(super) fn lookup_trap_site(pc: usize) -> Option<TrapSite> {
    let map = CODE.read().unwrap_or_else(|e| e.into_inner());
    let (_, code) = map.range(..=pc).next_back()?;
    code.lookup_trap(pc)
}
