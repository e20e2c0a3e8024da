//! `Module`: a compiled WebAssembly module.

use crate::trap::FrameInfo;
use crate::types::{ExportType, ExternType, ImportType};
use crate::Engine;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use wasmtime_environ::{
    CompiledFunction, DefinedFuncIndex, EntityRef, FunctionBodyData, Module as EnvModule,
    PrimaryMap, VMOffsets, VMSharedTypeIndex,
};
use wasmtime_runtime::code_memory::{CodeBuilder, CodeMemory};
use wasmtime_runtime::cow::ModuleMemoryImages;
use wasmtime_runtime::vmcontext::VMArrayCallFunction;

/// A compiled WebAssembly module, ready to be instantiated. Cheap to clone
/// and shareable across threads.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    engine: Engine,
    module: Arc<EnvModule>,
    code: Arc<CodeMemory>,
    /// Append index → defined function, for function bodies only.
    body_owner: Vec<Option<DefinedFuncIndex>>,
    /// Engine-wide ids of the module's types.
    type_ids: Box<[VMSharedTypeIndex]>,
    /// Entry points passed to each instantiation.
    entries: Vec<(VMArrayCallFunction, *const u8)>,
    /// Copy-on-write images of the memories' initial contents, built on
    /// first instantiation (`None` inside: no memory can use one).
    memory_images: OnceLock<Option<Arc<ModuleMemoryImages>>>,
}

// SAFETY: the raw pointers point into the immutable, shared code memory.
unsafe impl Send for ModuleInner {}
// SAFETY: as above.
unsafe impl Sync for ModuleInner {}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        wasmtime_runtime::traphandlers::unregister_code(self.code.text().as_ptr() as usize);
    }
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

impl Module {
    /// Compiles a module from the binary or (with the `wat` feature) text
    /// format.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        #[cfg(feature = "wat")]
        let bytes = wat::parse_bytes(bytes)?;
        Module::from_binary(engine, &bytes)
    }

    /// Compiles a module from a file in the binary or text format.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
        Module::new(engine, bytes)
            .with_context(|| format!("failed to compile `{}`", path.display()))
    }

    /// Validates a binary module without compiling it.
    pub fn validate(engine: &Engine, binary: &[u8]) -> Result<()> {
        wasmtime_environ::validate(engine.config().features, binary)?;
        Ok(())
    }

    /// Compiles a module from the binary format.
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        let translation = wasmtime_environ::translate_module(engine.config().features, binary)?;
        let module = Arc::new(translation.module);
        let offsets = VMOffsets::new(&module);
        let tunables = &engine.config().tunables;
        let compiler = engine.compiler();
        let bodies: Vec<(DefinedFuncIndex, FunctionBodyData<'_>)> =
            translation.function_bodies.into_iter().collect();

        let compile_one = |(index, body): (DefinedFuncIndex, FunctionBodyData<'_>)| -> Result<(CompiledFunction, CompiledFunction)> {
            let func = compiler.compile_function(&module, &offsets, tunables, index, body)?;
            let entry = compiler.compile_array_to_wasm_trampoline(&module, index)?;
            Ok((func, entry))
        };
        #[cfg(feature = "parallel-compilation")]
        let compiled: Vec<_> = if engine.config().parallel_compilation && !is_small_module(&bodies)
        {
            use rayon::prelude::*;
            bodies
                .into_par_iter()
                .map(compile_one)
                .collect::<Result<_>>()?
        } else {
            bodies.into_iter().map(compile_one).collect::<Result<_>>()?
        };
        #[cfg(not(feature = "parallel-compilation"))]
        let compiled: Vec<_> = bodies.into_iter().map(compile_one).collect::<Result<_>>()?;

        let mut builder = CodeBuilder::new();
        let mut funcs = PrimaryMap::new();
        let mut body_owner = Vec::new();
        for (i, (body, entry)) in compiled.iter().enumerate() {
            let b = builder.append(body);
            let e = builder.append(entry);
            funcs.push((b, e));
            body_owner.resize(e as usize + 1, None);
            body_owner[b as usize] = Some(DefinedFuncIndex::new(i));
        }
        let code = Arc::new(builder.finish(|f| funcs[f].0)?);
        wasmtime_runtime::traphandlers::register_code(code.clone());
        let type_ids: Box<[VMSharedTypeIndex]> = engine.register_module_types(&module).into();
        let entries = funcs
            .values()
            .map(|(b, e)| {
                // SAFETY: the array entry was compiled with exactly the
                // `VMArrayCallFunction` signature.
                let array_call: VMArrayCallFunction = unsafe {
                    std::mem::transmute::<*const u8, VMArrayCallFunction>(code.func_ptr(*e))
                };
                (array_call, code.func_ptr(*b))
            })
            .collect();
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                module,
                code,
                body_owner,
                type_ids,
                entries,
                memory_images: OnceLock::new(),
            }),
        })
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from the name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.module.name.as_deref()
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        let m = &self.inner.module;
        m.imports.iter().map(move |i| ImportType {
            module: &i.module,
            name: &i.field,
            ty: ExternType::from_entity(&self.inner.engine, m, &m.type_of(i.index)),
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let m = &self.inner.module;
        m.exports.iter().map(move |e| ExportType {
            name: &e.name,
            ty: ExternType::from_entity(&self.inner.engine, m, &m.type_of(e.index)),
        })
    }

    /// The type of export `name`.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        let m = &self.inner.module;
        let index = m.export(name)?;
        Some(ExternType::from_entity(
            &self.inner.engine,
            m,
            &m.type_of(index),
        ))
    }

    pub(crate) fn env_module(&self) -> &Arc<EnvModule> {
        &self.inner.module
    }

    pub(crate) fn type_ids(&self) -> &[VMSharedTypeIndex] {
        &self.inner.type_ids
    }

    pub(crate) fn entries(&self) -> &[(VMArrayCallFunction, *const u8)] {
        &self.inner.entries
    }

    /// The module's memory images, built on first use when
    /// `Config::memory_init_cow` is on. Building fails softly: without an
    /// image, segments are copied.
    pub(crate) fn memory_images(&self) -> Option<&ModuleMemoryImages> {
        if !self.inner.engine.config().memory_init_cow {
            return None;
        }
        self.inner
            .memory_images
            .get_or_init(|| {
                ModuleMemoryImages::new(&self.inner.module)
                    .ok()
                    .flatten()
                    .map(Arc::new)
            })
            .as_deref()
    }

    pub(crate) fn same(a: &Module, b: &Module) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// Frame information for a pc inside this module's code.
    pub(crate) fn frame_info(&self, pc: usize) -> Option<FrameInfo> {
        let (append, offset) = self.inner.code.lookup_function(pc)?;
        let def = (*self.inner.body_owner.get(append as usize)?)?;
        let index = self.inner.module.func_index(def);
        Some(FrameInfo::new(
            self.clone(),
            index.as_u32(),
            self.inner.module.func_names.get(&index).cloned(),
            self.inner.code.lookup_wasm_offset(pc).map(|o| o as usize),
            Some(offset as usize),
        ))
    }
}

/// Modules whose function bodies total fewer bytes than this are compiled
/// on the calling thread: for them, starting the thread pool and handing
/// out work costs more than the parallelism saves.
#[cfg(feature = "parallel-compilation")]
const SERIAL_COMPILE_MAX_BYTES: usize = 64 * 1024;

/// Whether a module is small enough to compile serially (see
/// [`SERIAL_COMPILE_MAX_BYTES`]).
#[cfg(feature = "parallel-compilation")]
fn is_small_module(bodies: &[(DefinedFuncIndex, FunctionBodyData<'_>)]) -> bool {
    bodies.len() < 2
        || bodies
            .iter()
            .map(|(_, b)| b.body.as_bytes().len())
            .sum::<usize>()
            < SERIAL_COMPILE_MAX_BYTES
}
