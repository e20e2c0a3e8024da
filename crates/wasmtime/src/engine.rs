//! `Engine`: compilation settings, the compiler, and engine-wide registries.

use crate::Config;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;
#[cfg(feature = "cranelift")]
use wasmtime_environ::Compiler;
#[cfg(feature = "runtime")]
use {
    crate::FuncType,
    std::collections::HashMap,
    std::sync::Mutex,
    wasmtime_environ::{VMSharedTypeIndex, WasmFuncType},
    wasmtime_runtime::code_memory::CodeMemory,
    wasmtime_runtime::instance::allocator::InstanceAllocator,
};

/// Return value of [`Engine::detect_precompiled`].
#[derive(PartialEq, Eq, Copy, Clone, Debug)]
pub enum Precompiled {
    /// The bytes look like a precompiled core wasm module.
    Module,
    /// The bytes look like a precompiled component.
    Component,
}

/// A compilation and runtime environment shared by modules and stores.
/// Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    config: Config,
    #[cfg(feature = "cranelift")]
    compiler: Box<dyn Compiler>,
    #[cfg(feature = "runtime")]
    runtime: EngineRuntime,
}

/// What only a runtime needs: type ids, host trampolines, the epoch and
/// the instance allocator.
#[cfg(feature = "runtime")]
struct EngineRuntime {
    types: Mutex<TypeRegistry>,
    /// Wasm-call entries of host functions per signature: `(code, append
    /// index)`, compiled by this engine or loaded from an artifact.
    host_trampolines: Mutex<HashMap<VMSharedTypeIndex, (Arc<CodeMemory>, u32)>>,
    epoch: std::sync::atomic::AtomicU64,
    allocator: Arc<dyn InstanceAllocator>,
    /// `Config::profiler`'s agent, told about each module's code.
    #[cfg(feature = "profiling")]
    profiler: Option<Box<dyn crate::profiling_agent::ProfilingAgent>>,
}

#[cfg(feature = "runtime")]
use crate::type_registry::TypeRegistry;

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(&Config::default()).expect("default configuration must be valid")
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// The WebAssembly features this engine accepts (for tools such as the
    /// spec-script runner, which must decode modules exactly as the engine
    /// does).
    #[doc(hidden)]
    pub fn wasm_features(&self) -> wasmtime_environ::wasmparser::WasmFeatures {
        self.config().features
    }

    /// Whether [`Config::wasm_branch_hinting`] is on.
    pub fn get_wasm_branch_hinting(&self) -> bool {
        self.config().tunables.branch_hinting
    }

    /// Creates an engine with `config`.
    pub fn new(config: &Config) -> Result<Engine> {
        let features = config.features;
        use wasmtime_environ::wasmparser::WasmFeatures as F;
        if config.tunables.signals_based_traps && !cfg!(feature = "signals-based-traps") {
            anyhow::bail!(
                "signals-based traps were requested but the `signals-based-traps` feature is disabled"
            );
        }
        if features.contains(F::THREADS) && !cfg!(feature = "threads") {
            anyhow::bail!(
                "support for threads was disabled at compile time (the `threads` feature)"
            );
        }
        if features.contains(F::RELAXED_SIMD) && !features.contains(F::SIMD) {
            anyhow::bail!("cannot disable the simd proposal but enable the relaxed simd proposal");
        }
        if features.contains(F::GC) && !features.contains(F::FUNCTION_REFERENCES) {
            anyhow::bail!(
                "the gc proposal cannot be enabled without the function-references proposal"
            );
        }
        // The process-wide trap signal handlers, only for engines that rely
        // on them: without signal-based traps compiled code raises every
        // trap explicitly and nothing is installed.
        #[cfg(all(feature = "runtime", feature = "signals-based-traps"))]
        if config.tunables.signals_based_traps {
            wasmtime_runtime::traphandlers::init_traps();
        }
        #[cfg(feature = "async")]
        if config.max_wasm_stack > config.async_stack_size {
            anyhow::bail!("max_wasm_stack size cannot exceed the async_stack_size");
        }
        if config.interruptable && config.epoch_interruption {
            anyhow::bail!(
                "`Config::interruptable` and `Config::epoch_interruption` cannot be enabled together"
            );
        }
        #[cfg(feature = "cranelift")]
        let fast_tier = config.strategy == crate::Strategy::Winch;
        #[cfg(feature = "cranelift")]
        let compiler_config = wasmtime_cranelift::CompilerConfig {
            opt_level: match config.opt_level {
                _ if fast_tier => wasmtime_cranelift::OptLevel::None,
                crate::OptLevel::None => wasmtime_cranelift::OptLevel::None,
                crate::OptLevel::Speed => wasmtime_cranelift::OptLevel::Speed,
                crate::OptLevel::SpeedAndSize => wasmtime_cranelift::OptLevel::SpeedAndSize,
            },
            enable_verifier: config.verifier,
            nan_canonicalization: config.nan_canonicalization,
            extra_flags: config
                .regalloc_algorithm
                .or(fast_tier.then_some(crate::RegallocAlgorithm::SinglePass))
                .map(|algo| {
                    let value = match algo {
                        crate::RegallocAlgorithm::Backtracking => "backtracking",
                        crate::RegallocAlgorithm::SinglePass => "single_pass",
                    };
                    ("regalloc_algorithm".to_string(), Some(value.to_string()))
                })
                .into_iter()
                .chain(config.cranelift_flags.iter().cloned())
                .collect(),
            target: config.target.clone(),
        };
        #[cfg(feature = "cranelift")]
        let compiler = wasmtime_cranelift::CraneliftCompiler::new(&compiler_config)
            .map_err(|e| anyhow::anyhow!("failed to create compiler: {e}"))?;
        #[cfg(feature = "cranelift")]
        if features.intersects(F::SIMD | F::RELAXED_SIMD) {
            compiler
                .check_simd_support()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: {
                    // Debug info for native debuggers is made from the
                    // module's DWARF, so it must be kept.
                    let mut config = config.clone();
                    config.tunables.parse_wasm_debuginfo |= config.debug_info;
                    config.tunables.generate_native_debuginfo = config.debug_info;
                    config
                },
                #[cfg(feature = "cranelift")]
                compiler: Box::new(compiler),
                #[cfg(feature = "runtime")]
                runtime: EngineRuntime {
                    types: Mutex::new(TypeRegistry::default()),
                    host_trampolines: Mutex::new(HashMap::new()),
                    epoch: std::sync::atomic::AtomicU64::new(0),
                    allocator: config.build_allocator()?,
                    #[cfg(feature = "profiling")]
                    profiler: crate::profiling_agent::new_agent(config.profiler)?,
                },
            }),
        })
    }

    /// Announces `code` as function `name` to the configured profiler.
    #[cfg(feature = "runtime")]
    pub(crate) fn register_profiled_function(&self, name: &dyn Fn() -> String, code: &[u8]) {
        #[cfg(feature = "profiling")]
        if let Some(agent) = &self.inner.runtime.profiler {
            agent.register_function(&name(), code);
        }
        let _ = (name, code);
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The target triple this engine compiles for (`Config::target`, by
    /// default the host).
    pub(crate) fn target(&self) -> target_lexicon::Triple {
        self.config()
            .target
            .clone()
            .unwrap_or_else(crate::target::host)
    }

    /// Fails unless this engine's code can run on this host (its target is
    /// the host's), as `Module::new` and `Module::deserialize` require.
    #[cfg(feature = "runtime")]
    pub(crate) fn check_compatible_with_native_host(&self) -> Result<()> {
        crate::target::check_native(&self.target())
    }

    #[cfg(feature = "cranelift")]
    pub(crate) fn compiler(&self) -> &dyn Compiler {
        &*self.inner.compiler
    }

    /// Checks whether `bytes` look like a precompiled artifact produced by
    /// [`Module::serialize`](crate::Module::serialize) or
    /// [`Engine::precompile_module`]. This does not validate the artifact;
    /// [`Module::deserialize`](crate::Module::deserialize) does.
    pub fn detect_precompiled(bytes: &[u8]) -> Option<Precompiled> {
        #[cfg(feature = "component-model")]
        if crate::component::is_precompiled_component(bytes) {
            return Some(Precompiled::Component);
        }
        crate::serialization::detect_precompiled(bytes)
    }

    /// Like [`Engine::detect_precompiled`], on the contents of a file.
    pub fn detect_precompiled_file(path: impl AsRef<Path>) -> Result<Option<Precompiled>> {
        let path = path.as_ref();
        // Mapped where possible (an artifact's header is at its start, but
        // a module's ELF section table is at its end); read otherwise,
        // e.g. from a pipe.
        #[cfg(feature = "runtime")]
        if let Ok(map) = crate::module::map_file(path) {
            return Ok(Engine::detect_precompiled(&map));
        }
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        Ok(Engine::detect_precompiled(&bytes))
    }

    /// Compiles `bytes` (binary, or text with the `wat` feature) to an
    /// artifact that [`Module::deserialize`](crate::Module::deserialize) can
    /// load in an engine with the same configuration, without compiling.
    #[cfg(feature = "cranelift")]
    pub fn precompile_module(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        #[cfg(feature = "wat")]
        let bytes = &crate::wat_compat::parse_bytes(bytes)?;
        let compiled = crate::compile::compile(self, bytes)?;
        crate::serialization::serialize(
            self,
            &compiled.module,
            crate::serialization::CodeView::of_builder(&compiled.code),
        )
    }

    /// A value that hashes the same for two engines exactly when artifacts
    /// produced by one can be loaded by the other (version, compiler
    /// settings, tunables and WebAssembly features).
    #[cfg(feature = "cranelift")]
    pub fn precompile_compatibility_hash(&self) -> impl std::hash::Hash + '_ {
        crate::serialization::EngineSettings::of(self)
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

#[cfg(feature = "runtime")]
impl Engine {
    /// The instance allocator chosen by `Config::allocation_strategy`.
    pub(crate) fn allocator(&self) -> &dyn InstanceAllocator {
        &*self.inner.runtime.allocator
    }

    /// Increments the epoch counter (see `Config::epoch_interruption`).
    pub fn increment_epoch(&self) {
        self.inner
            .runtime
            .epoch
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The current epoch.
    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner
            .runtime
            .epoch
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn epoch_ptr(&self) -> *const std::sync::atomic::AtomicU64 {
        &self.inner.runtime.epoch
    }

    /// Registers a function type (a final type without supertype in a
    /// group of its own), returning its engine-wide id.
    pub(crate) fn register_type(&self, ty: &WasmFuncType) -> VMSharedTypeIndex {
        self.register_sub_type(wasmtime_environ::WasmSubType::func(ty.clone()))
    }

    /// Registers a type whose references are engine ids, in a recursion
    /// group of its own.
    pub(crate) fn register_sub_type(&self, ty: wasmtime_environ::WasmSubType) -> VMSharedTypeIndex {
        self.inner.runtime.types.lock().unwrap().register_single(ty)
    }

    /// Registers every type of `module`, recursion group by recursion
    /// group (iso-recursive canonicalization, see `type_registry`),
    /// returning the engine-wide id of each type index.
    pub(crate) fn register_module_types(
        &self,
        module: &wasmtime_environ::Module,
    ) -> Vec<VMSharedTypeIndex> {
        self.inner
            .runtime
            .types
            .lock()
            .unwrap()
            .register_module(module)
    }

    /// The resolved description of a registered type.
    pub(crate) fn sub_type_of(
        &self,
        index: VMSharedTypeIndex,
    ) -> Arc<wasmtime_environ::WasmSubType> {
        self.inner.runtime.types.lock().unwrap().sub_type(index)
    }

    /// Whether registered type `sub` is `sup` or declares it, directly or
    /// not, as a supertype.
    pub(crate) fn is_subtype(&self, sub: VMSharedTypeIndex, sup: VMSharedTypeIndex) -> bool {
        self.inner
            .runtime
            .types
            .lock()
            .unwrap()
            .is_subtype(sub, sup)
    }

    /// Reference subtyping between canonical types of this engine.
    pub(crate) fn ref_matches(
        &self,
        sub: &wasmtime_environ::WasmRefType,
        sup: &wasmtime_environ::WasmRefType,
    ) -> bool {
        let reg = self.inner.runtime.types.lock().unwrap();
        sub.is_subtype_of_with(sup, &mut |a, b| reg.is_subtype_ref(a, b))
    }

    /// A registered function type.
    pub(crate) fn func_type(&self, ty: WasmFuncType) -> FuncType {
        let index = self.register_type(&ty);
        self.func_type_of(index)
    }

    /// The function type of a registered id.
    pub(crate) fn func_type_of(&self, index: VMSharedTypeIndex) -> FuncType {
        let f = self.inner.runtime.types.lock().unwrap().func(index);
        FuncType::from_registered(f, index, self.clone())
    }

    /// The wasm-call entry for host functions of type `ty`, compiled once per
    /// engine and signature.
    pub(crate) fn host_trampoline(&self, ty: &FuncType) -> Result<*const u8> {
        #[cfg_attr(not(feature = "cranelift"), allow(unused_mut))]
        let mut cache = self.inner.runtime.host_trampolines.lock().unwrap();
        if let Some((code, index)) = cache.get(&ty.type_index()) {
            return Ok(code.func_ptr(*index));
        }
        #[cfg(feature = "cranelift")]
        {
            self.check_compatible_with_native_host()?;
            let compiled = self
                .compiler()
                .compile_wasm_to_array_trampoline(ty.wasm(), &self.config().tunables)?;
            let mut builder = wasmtime_environ::CodeBuilder::new();
            builder.append(&compiled);
            let code = Arc::new(CodeMemory::new(builder, |_| {
                unreachable!("trampolines call no wasm")
            })?);
            wasmtime_runtime::traphandlers::register_code(code.clone());
            let ptr = code.func_ptr(0);
            cache.insert(ty.type_index(), (code, 0));
            Ok(ptr)
        }
        #[cfg(not(feature = "cranelift"))]
        anyhow::bail!(
            "no wasm-to-host trampoline for {}: this build has no compiler and no \
             loaded module uses that function type",
            ty.wasm()
        )
    }

    /// Offers the wasm-call entries of a loaded artifact (`code` function
    /// `index` for each type) to host functions. Returns true if any was
    /// new, i.e. if `code` must stay alive and registered.
    pub(crate) fn add_host_trampolines(
        &self,
        code: &Arc<CodeMemory>,
        entries: impl IntoIterator<Item = (VMSharedTypeIndex, u32)>,
    ) -> bool {
        let mut cache = self.inner.runtime.host_trampolines.lock().unwrap();
        let mut used = false;
        for (ty, index) in entries {
            cache.entry(ty).or_insert_with(|| {
                used = true;
                (code.clone(), index)
            });
        }
        used
    }
}
