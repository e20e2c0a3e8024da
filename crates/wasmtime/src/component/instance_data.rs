//! What a store keeps of each component instance ([`InstanceData`]) and
//! the tree of its exports ([`ExportItem`]).

use super::resources::HandleTable;
use super::{Func, ResourceType};
use crate::store::StoreOpaque;
use anyhow::Result;
use std::sync::Arc;

/// What the store keeps of an instance: its exports, resource types,
/// destructors of the resources it defines, and its handles.
pub(crate) struct InstanceData {
    pub(crate) exports: Vec<(String, ExportItem)>,
    /// The id of the instantiated component (see `ComponentInner::id`).
    pub(crate) component: u64,
    /// The instantiated component (for the types of its exports).
    pub(crate) inner: Arc<super::compiled::ComponentInner>,
    /// The `InstancePre<T>` it was instantiated from, for
    /// [`Instance::instance_pre`](super::Instance::instance_pre).
    pub(crate) pre: Option<Box<dyn std::any::Any + Send + Sync>>,
    pub(crate) resource_types: Arc<[ResourceType]>,
    /// Per resource type: the runtime instance (see
    /// `ComponentTranslation::instance_count`) that defines it, or `None`
    /// for an imported one.
    pub(crate) defined: Vec<Option<u32>>,
    pub(crate) dtors: Vec<Option<crate::Func>>,
    /// One handle table per runtime instance (grown on first use).
    pub(crate) handles: Vec<HandleTable>,
    /// Cleared while one of the instance's exports runs: the component
    /// model forbids re-entering an instance.
    pub(crate) may_enter: bool,
    /// Per runtime instance: set while it may not call imports or most
    /// builtins (during `post-return`). Grown on first use.
    pub(crate) cannot_leave: Vec<bool>,
    /// Waitables and backpressure (component-model async).
    #[cfg(feature = "component-model-async")]
    pub(crate) concurrent: super::concurrent::InstanceConcurrent,
}

impl InstanceData {
    /// Runs `f` as a call into instance `index`, refusing (with
    /// `Trap::CannotEnterComponent`) if the instance is already running.
    pub(crate) fn enter<R>(
        store: &mut StoreOpaque,
        index: usize,
        f: impl FnOnce(&mut StoreOpaque) -> Result<R>,
    ) -> Result<R> {
        if !store.component_instances[index].may_enter {
            return Err(anyhow::Error::new(crate::Trap::CannotEnterComponent));
        }
        store.component_instances[index].may_enter = false;
        let result = f(store);
        store.component_instances[index].may_enter = true;
        result
    }

    /// Whether runtime instance `sub` may call imports and builtins.
    pub(crate) fn may_leave(&self, sub: u32) -> bool {
        !self
            .cannot_leave
            .get(sub as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Sets whether runtime instance `sub` may call imports and builtins.
    pub(crate) fn set_may_leave(&mut self, sub: u32, may: bool) {
        let sub = sub as usize;
        if self.cannot_leave.len() <= sub {
            self.cannot_leave.resize(sub + 1, false);
        }
        self.cannot_leave[sub] = !may;
    }

    /// Fails with `Trap::CannotLeaveComponent` unless runtime instance
    /// `sub` of instance `index` may call imports and builtins.
    pub(crate) fn check_may_leave(store: &StoreOpaque, index: usize, sub: u32) -> Result<()> {
        if store.component_instances[index].may_leave(sub) {
            Ok(())
        } else {
            Err(anyhow::Error::new(crate::Trap::CannotLeaveComponent))
        }
    }

    /// The destructor of resource `index` of this instance, if it has one.
    pub(crate) fn dtor(&self, index: u32) -> Option<crate::Func> {
        self.dtors.get(index as usize).copied().flatten()
    }

    /// Whether runtime instance `sub` of this instance defines the
    /// resource type `ty`.
    pub(crate) fn defines(&self, ty: ResourceType, sub: u32) -> bool {
        self.resource_types
            .iter()
            .zip(&self.defined)
            .any(|(t, defined)| *defined == Some(sub) && *t == ty)
    }
}

/// An export of an instance, resolved at instantiation.
#[derive(Clone)]
pub(crate) enum ExportItem {
    /// A lifted (or re-exported) function.
    Func(Func),
    /// An instance of named exports.
    Instance(Vec<(String, ExportItem)>),
    /// A resource type.
    Resource(ResourceType),
    /// A core module.
    Module(crate::Module),
    /// Another type.
    Type,
}
