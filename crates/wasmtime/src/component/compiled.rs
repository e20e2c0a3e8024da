//! [`Component`]: a compiled component — its translation and its core
//! modules, each compiled with Cranelift.

use super::core_plan::CorePlan;
use crate::{Engine, Module};
use anyhow::{Context, Result};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use wasmtime_environ::component::{translate_component, ComponentTranslation};

/// A compiled WebAssembly component, ready to be instantiated any number of
/// times with a [`Linker`](super::Linker).
#[derive(Clone)]
pub struct Component {
    pub(crate) inner: Arc<ComponentInner>,
}

pub(crate) struct ComponentInner {
    /// Unique among the process's components: export indices name it.
    pub(crate) id: u64,
    pub(crate) engine: Engine,
    pub(crate) translation: ComponentTranslation,
    pub(crate) modules: Vec<Module>,
    /// Where instantiation finds each core item, worked out on first use.
    pub(crate) core_plan: OnceLock<CorePlan>,
}

impl Component {
    /// Compiles a component from the binary or (with the `wat` feature)
    /// text format.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Component> {
        let bytes = bytes.as_ref();
        #[cfg(feature = "wat")]
        let bytes = crate::wat_compat::parse_bytes(bytes)?;
        Component::from_binary(engine, &bytes)
    }

    /// Compiles a component from a file in the binary or text format.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Component> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        Component::new(engine, bytes)
            .with_context(|| format!("failed to compile `{}`", path.display()))
    }

    /// Compiles a component from its binary format.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Component> {
        if !engine
            .config()
            .features
            .contains(wasmparser::WasmFeatures::COMPONENT_MODEL)
        {
            anyhow::bail!("cannot compile a component: the component model is disabled (`Config::wasm_component_model`)");
        }
        if wasmparser::Parser::is_core_wasm(binary) {
            anyhow::bail!("expected a component, found a core module (use `Module` for it)");
        }
        let translation = translate_component(binary, engine.config().features)?;
        let modules = translation
            .modules
            .iter()
            .enumerate()
            .map(|(i, range)| {
                let module =
                    Module::from_binary(engine, &binary[range.clone()]).with_context(|| {
                        format!("failed to compile core module {i} of the component")
                    })?;
                module.set_wasm_offset_base(range.start);
                Ok(module)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Component {
            inner: Arc::new(ComponentInner {
                id: ComponentInner::next_id(),
                engine: engine.clone(),
                translation,
                modules,
                core_plan: OnceLock::new(),
            }),
        })
    }

    /// The engine the component was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The component's type: its imports and exports. Resource types in it
    /// are placeholders (each equal only to itself), since every
    /// instantiation makes new ones for the resources the component
    /// defines.
    pub fn component_type(&self) -> super::types::Component {
        super::types::Component::new(self.inner.clone())
    }

    /// The range of host addresses holding the component's compiled code.
    ///
    /// Each core module of the component is compiled and mapped on its
    /// own, so this is the smallest range covering all of them (it may
    /// include unrelated memory between them); an empty range at null for
    /// a component without core modules.
    pub fn image_range(&self) -> Range<*const u8> {
        let ranges = self.inner.modules.iter().map(|m| m.image_range());
        let start = ranges.clone().map(|r| r.start).min();
        let end = ranges.map(|r| r.end).max();
        match (start, end) {
            (Some(start), Some(end)) => start..end,
            _ => std::ptr::null()..std::ptr::null(),
        }
    }
}

impl ComponentInner {
    /// The component's core plan (computed by the first instantiation).
    pub(crate) fn core_plan(&self) -> Result<&CorePlan> {
        if let Some(plan) = self.core_plan.get() {
            return Ok(plan);
        }
        let plan = CorePlan::new(&self.engine, &self.translation, &self.modules)?;
        Ok(self.core_plan.get_or_init(|| plan))
    }

    /// A fresh component id.
    pub(crate) fn next_id() -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed)
    }
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component").finish_non_exhaustive()
    }
}
