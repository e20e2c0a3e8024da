//! The stack-switching proposal's type descriptor: continuation types.
//! A continuation type `(cont $ft)` names the function type of the
//! continuations it describes; like function types it is registered with
//! an engine.

use super::*;
use wasmtime_environ::{WasmCompositeType, WasmSubType};

/// A continuation type: the type of continuations that take the
/// parameters and produce the results of one function type.
#[derive(Debug, Clone)]
pub struct ContType {
    engine: Engine,
    index: VMSharedTypeIndex,
    ty: Arc<WasmSubType>,
}

impl ContType {
    pub(crate) fn from_registered(engine: &Engine, index: VMSharedTypeIndex) -> ContType {
        ContType {
            engine: engine.clone(),
            index,
            ty: engine.sub_type_of(index),
        }
    }

    /// The engine this type is registered with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The function type of the continuations of this type, if it is
    /// registered (always, for types that come from a module).
    pub fn func_type(&self) -> Option<FuncType> {
        match &self.ty.composite {
            WasmCompositeType::Cont(WasmTypeRef::Engine(i)) => Some(self.engine.func_type_of(*i)),
            _ => Option::None,
        }
    }

    /// Whether this type is a subtype of `other` (continuation types have
    /// no declared subtyping here: the same registered type).
    ///
    /// # Panics
    ///
    /// Panics if the two types belong to different engines.
    pub fn matches(&self, other: &ContType) -> bool {
        assert!(
            Engine::same(&self.engine, &other.engine),
            "continuation types of different engines"
        );
        self.index == other.index || self.engine.is_subtype(self.index, other.index)
    }

    pub(crate) fn type_index(&self) -> VMSharedTypeIndex {
        self.index
    }
}

impl PartialEq for ContType {
    fn eq(&self, other: &Self) -> bool {
        Engine::same(&self.engine, &other.engine) && self.index == other.index
    }
}

impl Eq for ContType {}

impl std::hash::Hash for ContType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl fmt::Display for ContType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.ty.composite)
    }
}
