//! The engine's type registry: iso-recursive canonicalization of every
//! type the engine sees, and subtyping between the registered types.
//!
//! A type is identified by its recursion group's structure and its position
//! in the group. A group's key is its list of `sub` types with references
//! into the group written as `WasmTypeRef::RecGroup(position)` and every
//! other reference as the engine id it names, so structurally equal groups
//! of different modules (or made by the embedding API) get the same ids.
//! Each registered type is also kept in its resolved form, where every
//! reference is an engine id; that is the form the API and the runtime use.

use std::collections::HashMap;
use std::sync::Arc;
use wasmtime_environ::{
    EntityRef as _, Module, TypeIndex, VMSharedTypeIndex, WasmFuncType, WasmSubType, WasmTypeRef,
};

/// One registered type.
struct Entry {
    /// The resolved type (references are engine ids).
    ty: Arc<WasmSubType>,
    /// The function type, if it is one (shared by `FuncType`s).
    func: Option<Arc<WasmFuncType>>,
    /// Its declared supertypes, nearest last (so the chain's length is the
    /// type's subtyping depth).
    supertypes: Box<[VMSharedTypeIndex]>,
}

/// Every type an engine registered.
#[derive(Default)]
pub(crate) struct TypeRegistry {
    groups: HashMap<Box<[WasmSubType]>, VMSharedTypeIndex, rustc_hash::FxBuildHasher>,
    entries: Vec<Entry>,
}

impl TypeRegistry {
    /// Registers one recursion group given by its key (references into the
    /// group as `RecGroup`, the others as engine ids) and returns the id of
    /// its first type; the others follow in order.
    fn register_group(&mut self, key: Box<[WasmSubType]>) -> VMSharedTypeIndex {
        if let Some(first) = self.groups.get(&key) {
            return *first;
        }
        let first = self.entries.len() as u32;
        let mut resolve = |r: WasmTypeRef| match r {
            WasmTypeRef::RecGroup(i) => WasmTypeRef::Engine(VMSharedTypeIndex(first + i)),
            other => other,
        };
        for sub in key.iter() {
            let ty = sub.map_all_type_refs(&mut resolve);
            let supertypes = match ty.supertype {
                Some(WasmTypeRef::Engine(s)) => match self.entries.get(s.0 as usize) {
                    Some(e) => e.supertypes.iter().copied().chain([s]).collect(),
                    None => Box::default(),
                },
                _ => Box::default(),
            };
            let func = ty.as_func().map(|f| Arc::new(f.clone()));
            self.entries.push(Entry {
                ty: Arc::new(ty),
                func,
                supertypes,
            });
        }
        let id = VMSharedTypeIndex(first);
        self.groups.insert(key, id);
        id
    }

    /// Registers a type that refers to no type of its own group (a group
    /// of one, as the embedding API makes them).
    pub(crate) fn register_single(&mut self, ty: WasmSubType) -> VMSharedTypeIndex {
        self.register_group(vec![ty].into_boxed_slice())
    }

    /// Registers every type of `module`, group by group, returning the
    /// engine id of each module type index.
    pub(crate) fn register_module(&mut self, module: &Module) -> Vec<VMSharedTypeIndex> {
        let mut ids: Vec<VMSharedTypeIndex> = Vec::with_capacity(module.types.len());
        for group in &module.rec_groups {
            let start = group.start.index();
            let end = start + group.len as usize;
            let key: Box<[WasmSubType]> = (start..end)
                .map(|i| {
                    module.types[TypeIndex::new(i)].map_all_type_refs(&mut |r| match r {
                        WasmTypeRef::Module(j) if j.index() >= start && j.index() < end => {
                            WasmTypeRef::RecGroup((j.index() - start) as u32)
                        }
                        WasmTypeRef::Module(j) => match ids.get(j.index()) {
                            Some(id) => WasmTypeRef::Engine(*id),
                            // Validation rules out forward references
                            // outside the group.
                            None => WasmTypeRef::Module(j),
                        },
                        other => other,
                    })
                })
                .collect();
            let first = self.register_group(key);
            ids.extend((0..group.len).map(|i| VMSharedTypeIndex(first.0 + i)));
        }
        ids
    }

    /// The resolved type of `id`.
    pub(crate) fn sub_type(&self, id: VMSharedTypeIndex) -> Arc<WasmSubType> {
        self.entries[id.0 as usize].ty.clone()
    }

    /// The function type of `id`; panics if it is not one.
    pub(crate) fn func(&self, id: VMSharedTypeIndex) -> Arc<WasmFuncType> {
        self.entries[id.0 as usize]
            .func
            .clone()
            .expect("a registered function type")
    }

    /// Whether `sub` is `sup` or has it among its declared supertypes.
    pub(crate) fn is_subtype(&self, sub: VMSharedTypeIndex, sup: VMSharedTypeIndex) -> bool {
        sub == sup
            || self
                .entries
                .get(sub.0 as usize)
                .is_some_and(|e| e.supertypes.contains(&sup))
    }

    /// Subtyping between two canonical type references.
    pub(crate) fn is_subtype_ref(&self, sub: WasmTypeRef, sup: WasmTypeRef) -> bool {
        match (sub, sup) {
            (WasmTypeRef::Engine(a), WasmTypeRef::Engine(b)) => self.is_subtype(a, b),
            (a, b) => a == b,
        }
    }
}
