//! What a name resolves to in a `Linker`, shared with `InstancePre`
//! (which keeps the resolved definitions of a module's imports).

use crate::func::HostFuncRaw;
use crate::{Extern, FuncType};
use std::sync::Arc;

/// A definition: an item of some store, or a host function not yet
/// created in any store (it is instantiated per store on use).
pub(crate) enum Definition<T> {
    /// An existing item.
    Extern(Extern),
    /// A host function of this type, created in a store when used.
    HostFunc(FuncType, Arc<HostFuncRaw<T>>),
}

impl<T> Clone for Definition<T> {
    fn clone(&self) -> Self {
        match self {
            Definition::Extern(e) => Definition::Extern(e.clone()),
            Definition::HostFunc(t, f) => Definition::HostFunc(t.clone(), f.clone()),
        }
    }
}
