//! Types of component items seen by the embedder.

use std::sync::Arc;
use wasmtime_environ::component::ComponentFuncType;

/// The type of a component function (given to host functions defined with
/// [`LinkerInstance::func_new`](super::LinkerInstance::func_new)).
#[derive(Clone, Debug)]
pub struct ComponentFunc(pub(crate) Arc<ComponentFuncType>);

impl ComponentFunc {
    /// The names of the parameters, in order.
    pub fn param_names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.params.iter().map(|(n, _)| n.as_str())
    }

    /// Whether the function returns a value.
    pub fn has_result(&self) -> bool {
        self.0.result.is_some()
    }

    /// Whether the function is `async`.
    pub fn is_async(&self) -> bool {
        self.0.is_async
    }
}
