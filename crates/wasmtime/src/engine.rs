//! `Engine`: compilation settings, the compiler, and engine-wide registries.

use crate::{Config, FuncType};
use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime_environ::{Compiler, VMSharedTypeIndex, WasmFuncType};
use wasmtime_runtime::code_memory::{CodeBuilder, CodeMemory};

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
            (F::GC, "GC"),
            (F::THREADS, "threads"),
            (F::EXCEPTIONS, "exception handling"),
            (F::MEMORY64, "memory64"),
            (F::TAIL_CALL, "tail calls"),
            (F::FUNCTION_REFERENCES, "function references"),
        ];
        if features.contains(F::RELAXED_SIMD) && !features.contains(F::SIMD) {
            anyhow::bail!("cannot disable the simd proposal but enable the relaxed simd proposal");
        }
        for (flag, name) in unsupported {
            if features.contains(flag) {
                anyhow::bail!("the {name} proposal is not supported by this engine yet");
            }
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
        if features.intersects(F::SIMD | F::RELAXED_SIMD) {
            compiler
                .check_simd_support()
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                compiler: Box::new(compiler),
                types: Mutex::new(TypeRegistry::default()),
                host_trampolines: Mutex::new(HashMap::new()),
                epoch: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
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

    /// A registered function type.
    pub(crate) fn func_type(&self, ty: WasmFuncType) -> FuncType {
        let index = self.register_type(&ty);
        self.func_type_of(index)
    }

    /// The function type of a registered id.
    pub(crate) fn func_type_of(&self, index: VMSharedTypeIndex) -> FuncType {
        let reg = self.inner.types.lock().unwrap();
        FuncType::from_registered(reg.types[index.0 as usize].clone(), index)
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
