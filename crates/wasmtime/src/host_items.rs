//! Instances of code-free modules that hold one host-created item each
//! (`Memory::new`, `Table::new`, `Global::new`, `Tag::new`): every item
//! lives in some instance of its store.

use crate::store::{StoreInstance, StoreOpaque};
use anyhow::Result;
use wasmtime_runtime::instance::{Imports, InstanceAllocationRequest, InstanceHandle};

/// Creates an instance of a module with no code that defines one host
/// item (a memory, table or global made with `Memory::new` etc.).
pub(crate) fn host_instance(
    store: &mut StoreOpaque,
    module: wasmtime_environ::Module,
) -> Result<usize> {
    host_instance_with_types(store, module, &[])
}

/// As `host_instance`, with the engine-wide ids of the module's types
/// (needed for tags).
pub(crate) fn host_instance_with_types(
    store: &mut StoreOpaque,
    module: wasmtime_environ::Module,
    type_ids: &[wasmtime_environ::VMSharedTypeIndex],
) -> Result<usize> {
    store.reserve_resources(&module, false)?;
    // Kept with the instance: its vmctx points at these ids.
    let type_ids: Box<[wasmtime_environ::VMSharedTypeIndex]> = type_ids.into();
    let index = store.instances.len();
    let tunables = store.engine().config().tunables.clone();
    let store_ptr = store as *mut StoreOpaque as *mut u8;
    let handle = InstanceHandle::new(InstanceAllocationRequest {
        module: std::sync::Arc::new(module),
        tunables: &tunables,
        imports: Imports::default(),
        store_context: &mut *store.vm_store_context,
        type_ids: if type_ids.is_empty() {
            std::ptr::NonNull::dangling().as_ptr()
        } else {
            type_ids.as_ptr()
        },
        functions: &[],
        func_refs: std::sync::Arc::new(wasmtime_runtime::instance::ModuleFuncRefs::empty()),
        builtins: wasmtime_runtime::libcalls::builtin_array(),
        store: store_ptr,
        host_id: index,
        // Host-defined items never come from the pool, as in Wasmtime.
        allocator: &wasmtime_runtime::instance::allocator::OnDemandInstanceAllocator,
        memory_images: None,
    })?;
    store.push_instance(StoreInstance {
        handle,
        _type_ids: (!type_ids.is_empty()).then_some(type_ids),
    });
    Ok(index)
}
