//! `Engine`: compilation settings, the compiler, and engine-wide registries.

use crate::{Config, FuncType};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime_environ::EntityRef as _;
use wasmtime_environ::{Compiler, VMSharedTypeIndex, WasmFuncType};
use wasmtime_runtime::code_memory::{CodeBuilder, CodeMemory};
use wasmtime_runtime::instance::allocator::InstanceAllocator;

/// A compilation and runtime environment shared by modules and stores.
/// Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    config: Config,
    compiler: Box<dyn Compiler>,
    types: Mutex<TypeRegistry>,
    host_trampolines: Mutex<HashMap<VMSharedTypeIndex, Arc<CodeMemory>>>,
    epoch: std::sync::atomic::AtomicU64,
    allocator: Arc<dyn InstanceAllocator>,
}

#[derive(Default)]
struct TypeRegistry {
    map: HashMap<Arc<WasmFuncType>, VMSharedTypeIndex>,
    types: Vec<Arc<WasmFuncType>>,
}

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

    /// Creates an engine with `config`.
    pub fn new(config: &Config) -> Result<Engine> {
        let features = config.features;
        use wasmtime_environ::wasmparser::WasmFeatures as F;
        let unsupported = [
            (F::SIMD, "SIMD"),
            (F::RELAXED_SIMD, "relaxed SIMD"),
            (F::GC, "GC"),
        ];
        for (flag, name) in unsupported {
            if features.contains(flag) {
                anyhow::bail!("the {name} proposal is not supported by this engine yet");
            }
        }
        if config.interruptable && config.epoch_interruption {
            anyhow::bail!(
                "`Config::interruptable` and `Config::epoch_interruption` cannot be enabled together"
            );
        }
        let compiler_config = wasmtime_cranelift::CompilerConfig {
            opt_level: match config.opt_level {
                crate::OptLevel::None => wasmtime_cranelift::OptLevel::None,
                crate::OptLevel::Speed => wasmtime_cranelift::OptLevel::Speed,
                crate::OptLevel::SpeedAndSize => wasmtime_cranelift::OptLevel::SpeedAndSize,
            },
            enable_verifier: config.verifier,
            nan_canonicalization: config.nan_canonicalization,
        };
        let compiler = wasmtime_cranelift::CraneliftCompiler::new(&compiler_config)
            .map_err(|e| anyhow::anyhow!("failed to create compiler: {e}"))?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                compiler: Box::new(compiler),
                types: Mutex::new(TypeRegistry::default()),
                host_trampolines: Mutex::new(HashMap::new()),
                epoch: std::sync::atomic::AtomicU64::new(0),
                allocator: config.build_allocator()?,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The instance allocator chosen by `Config::allocation_strategy`.
    pub(crate) fn allocator(&self) -> &dyn InstanceAllocator {
        &*self.inner.allocator
    }

    pub(crate) fn compiler(&self) -> &dyn Compiler {
        &*self.inner.compiler
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Increments the epoch counter (see `Config::epoch_interruption`).
    pub fn increment_epoch(&self) {
        self.inner
            .epoch
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The current epoch.
    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn epoch_ptr(&self) -> *const std::sync::atomic::AtomicU64 {
        &self.inner.epoch
    }

    /// Registers a function type, returning its engine-wide id.
    pub(crate) fn register_type(&self, ty: &WasmFuncType) -> VMSharedTypeIndex {
        let mut reg = self.inner.types.lock().unwrap();
        if let Some(i) = reg.map.get(ty) {
            return *i;
        }
        let index = VMSharedTypeIndex(reg.types.len() as u32);
        let ty = Arc::new(ty.clone());
        reg.types.push(ty.clone());
        reg.map.insert(ty, index);
        index
    }

    /// Registers every function type of `module`, in order, returning the
    /// engine-wide id of each. Types naming other types (`(ref $t)`) are
    /// canonicalized first: an earlier type becomes its engine id, the type
    /// itself (a self-recursive type) `RecSelf`, so structurally equal
    /// types of different modules get the same id and different ones never
    /// do.
    pub(crate) fn register_module_types(
        &self,
        module: &wasmtime_environ::Module,
    ) -> Vec<VMSharedTypeIndex> {
        use wasmtime_environ::{TypeIndex, WasmTypeRef};
        let mut ids: Vec<VMSharedTypeIndex> = Vec::with_capacity(module.types.len());
        for (i, ty) in module.types.iter() {
            let mut canon = |j: TypeIndex| match ids.get(j.index()) {
                Some(id) if j != i => WasmTypeRef::Engine(*id),
                _ => WasmTypeRef::RecSelf,
            };
            let params: Vec<_> = ty
                .params
                .iter()
                .map(|t| t.map_type_refs(&mut canon))
                .collect();
            let results: Vec<_> = ty
                .results
                .iter()
                .map(|t| t.map_type_refs(&mut canon))
                .collect();
            let id = self.register_type(&WasmFuncType::new(params, results));
            ids.push(id);
        }
        ids
    }

    /// A registered function type.
    pub(crate) fn func_type(&self, ty: WasmFuncType) -> FuncType {
        let index = self.register_type(&ty);
        self.func_type_of(index)
    }

    /// The function type of a registered id.
    pub(crate) fn func_type_of(&self, index: VMSharedTypeIndex) -> FuncType {
        let reg = self.inner.types.lock().unwrap();
        FuncType::from_registered(reg.types[index.0 as usize].clone(), index, self.clone())
    }

    /// The wasm-call entry for host functions of type `ty`, compiled once per
    /// engine and signature.
    pub(crate) fn host_trampoline(&self, ty: &FuncType) -> Result<*const u8> {
        let mut cache = self.inner.host_trampolines.lock().unwrap();
        if let Some(code) = cache.get(&ty.type_index()) {
            return Ok(code.func_ptr(0));
        }
        let compiled = self
            .compiler()
            .compile_wasm_to_array_trampoline(ty.wasm())?;
        let mut builder = CodeBuilder::new();
        builder.append(&compiled);
        let code = Arc::new(builder.finish(|_| unreachable!("trampolines call no wasm"))?);
        wasmtime_runtime::traphandlers::register_code(code.clone());
        let ptr = code.func_ptr(0);
        cache.insert(ty.type_index(), code);
        Ok(ptr)
    }
}
