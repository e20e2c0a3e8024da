//! `Module`: a compiled WebAssembly module.

use crate::trap::FrameInfo;
use crate::types::{ExportType, ExternType, ImportType};
use crate::Engine;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use wasmtime_environ::{DefinedFuncIndex, EntityRef, Module as EnvModule, VMSharedTypeIndex};
use wasmtime_runtime::code_memory::CodeMemory;
use wasmtime_runtime::cow::ModuleMemoryImages;
use wasmtime_runtime::vmcontext::VMArrayCallFunction;

mod artifacts;
#[cfg(feature = "cranelift")]
mod native_debug;
pub(crate) use artifacts::map_file;

/// A compiled WebAssembly module, ready to be instantiated. Cheap to clone
/// and shareable across threads.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    /// The code's registration with debuggers (`Config::debug_info`);
    /// first so that it is dropped before the code is unmapped.
    #[cfg(feature = "cranelift")]
    _debug_registration: Option<wasmtime_runtime::gdb_jit::GdbJitImageRegistration>,
    engine: Engine,
    module: Arc<EnvModule>,
    code: Arc<CodeMemory>,
    /// Append index → defined function, for function bodies only.
    body_owner: Vec<Option<DefinedFuncIndex>>,
    /// Engine-wide ids of the module's types.
    type_ids: Box<[VMSharedTypeIndex]>,
    /// Entry points passed to each instantiation.
    entries: Vec<(VMArrayCallFunction, *const u8)>,
    /// The funcrefs and function-index segments each instantiation stamps
    /// out (see [`wasmtime_runtime::instance::ModuleFuncRefs`]).
    func_refs: Arc<wasmtime_runtime::instance::ModuleFuncRefs>,
    /// Copy-on-write images of the memories' initial contents, built on
    /// first instantiation (`None` inside: no memory can use one).
    memory_images: OnceLock<Option<Arc<ModuleMemoryImages>>>,
    /// Where the module's bytes start in the binary it came from: 0 for a
    /// module compiled on its own, the core module's position for one
    /// embedded in a component, so that backtraces report offsets into the
    /// component binary as the reference does.
    wasm_offset_base: AtomicUsize,
    /// The DWARF reader of backtraces, built on first use (only for modules
    /// compiled with `Config::wasm_backtrace_details` and carrying DWARF).
    #[cfg(feature = "addr2line")]
    symbolizer: OnceLock<Option<crate::symbolize::Symbolizer>>,
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
    #[cfg(feature = "cranelift")]
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        #[cfg(feature = "wat")]
        let bytes = crate::wat_compat::parse_bytes(bytes)?;
        Module::from_binary(engine, &bytes)
    }

    /// Compiles a module from a file in the binary or text format.
    #[cfg(feature = "cranelift")]
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

    /// Builds a module from its description and mapped code (body of defined
    /// function `i` at append index `2i`, its array entry at `2i + 1`).
    pub(crate) fn from_parts(
        engine: &Engine,
        module: Arc<EnvModule>,
        code: Arc<CodeMemory>,
    ) -> Result<Module> {
        let n = module.num_defined_funcs();
        if code.num_functions() != 2 * n {
            anyhow::bail!(
                "code has {} functions, expected {} for {n} defined functions",
                code.num_functions(),
                2 * n
            );
        }
        wasmtime_runtime::traphandlers::register_code(code.clone());
        let type_ids: Box<[VMSharedTypeIndex]> = engine.register_module_types(&module).into();
        let entries: Vec<(VMArrayCallFunction, *const u8)> = (0..n as u32)
            .map(|i| {
                // SAFETY: the array entry was compiled with exactly the
                // `VMArrayCallFunction` signature.
                let array_call: VMArrayCallFunction = unsafe {
                    std::mem::transmute::<*const u8, VMArrayCallFunction>(code.func_ptr(2 * i + 1))
                };
                (array_call, code.func_ptr(2 * i))
            })
            .collect();
        for i in 0..n as u32 {
            let index = module.func_index(DefinedFuncIndex::from_u32(i));
            let name = || {
                let mut name = String::new();
                let _ = crate::symbolize::write_func_name(
                    &mut name,
                    module.func_names.get(&index).map(String::as_str),
                    index.as_u32(),
                );
                name
            };
            for (append, kind) in [(2 * i, ""), (2 * i + 1, "array_call ")] {
                let range = code.func_range(append);
                let base = code.text_range().start;
                let bytes = &code.text()[range.start - base..range.end - base];
                engine.register_profiled_function(&|| format!("{kind}{}", name()), bytes);
            }
        }
        #[cfg(feature = "cranelift")]
        let _debug_registration = if engine.config().debug_info {
            Some(native_debug::register(&module, &code)?)
        } else {
            None
        };
        let func_refs = Arc::new(wasmtime_runtime::instance::ModuleFuncRefs::new(
            &module, &type_ids, &entries,
        ));
        let body_owner = (0..2 * n)
            .map(|a| (a % 2 == 0).then(|| DefinedFuncIndex::new(a / 2)))
            .collect();
        Ok(Module {
            inner: Arc::new(ModuleInner {
                #[cfg(feature = "cranelift")]
                _debug_registration,
                engine: engine.clone(),
                module,
                code,
                body_owner,
                type_ids,
                entries,
                func_refs,
                memory_images: OnceLock::new(),
                wasm_offset_base: AtomicUsize::new(0),
                #[cfg(feature = "addr2line")]
                symbolizer: OnceLock::new(),
            }),
        })
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The range of host addresses holding the module's compiled machine
    /// code (the text of its functions and trampolines).
    pub fn image_range(&self) -> std::ops::Range<*const u8> {
        self.inner.code.text().as_ptr_range()
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
            ty: ExternType::from_entity(
                &self.inner.engine,
                &self.inner.type_ids,
                &m.type_of(i.index),
            ),
        })
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        let m = &self.inner.module;
        m.exports.iter().map(move |e| ExportType {
            name: &e.name,
            ty: ExternType::from_entity(
                &self.inner.engine,
                &self.inner.type_ids,
                &m.type_of(e.index),
            ),
        })
    }

    /// The type of export `name`.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        let m = &self.inner.module;
        let index = m.export(name)?;
        Some(ExternType::from_entity(
            &self.inner.engine,
            &self.inner.type_ids,
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

    pub(crate) fn func_refs(&self) -> &Arc<wasmtime_runtime::instance::ModuleFuncRefs> {
        &self.inner.func_refs
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
                let dense_span = usize::try_from(
                    self.inner
                        .engine
                        .config()
                        .tunables
                        .memory_guaranteed_dense_image_size,
                )
                .unwrap_or(usize::MAX);
                ModuleMemoryImages::new(&self.inner.module, dense_span)
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
    /// Records that this module's bytes start at `base` in the binary they
    /// were taken from (a component), for backtrace offsets.
    pub(crate) fn set_wasm_offset_base(&self, base: usize) {
        self.inner.wasm_offset_base.store(base, Ordering::Relaxed);
    }

    pub(crate) fn frame_info(&self, pc: usize) -> Option<FrameInfo> {
        let (append, _) = self.inner.code.lookup_function(pc)?;
        let def = (*self.inner.body_owner.get(append as usize)?)?;
        let index = self.inner.module.func_index(def);
        let wasm_offset = self.inner.code.lookup_wasm_offset(pc);
        let body_start = self.inner.module.func_body_offsets.get(def).copied();
        Some(FrameInfo::new(
            self.clone(),
            index.as_u32(),
            self.inner.module.func_names.get(&index).cloned(),
            wasm_offset.map(|o| o as usize + self.inner.wasm_offset_base.load(Ordering::Relaxed)),
            wasm_offset
                .zip(body_start)
                .and_then(|(o, start)| o.checked_sub(start))
                .map(|o| o as usize),
            wasm_offset
                .map(|o| self.symbols(o.into()))
                .unwrap_or_default(),
        ))
    }

    /// The source frames of the instruction at module-relative offset
    /// `offset`, from the module's DWARF (empty without it).
    fn symbols(&self, offset: u64) -> Vec<crate::symbolize::FrameSymbol> {
        #[cfg(feature = "addr2line")]
        if let Some(dwarf) = &self.inner.module.debug_info {
            let symbolizer = self
                .inner
                .symbolizer
                .get_or_init(|| crate::symbolize::Symbolizer::new(dwarf));
            if let Some(symbolizer) = symbolizer {
                return symbolizer.frames(offset);
            }
        }
        let _ = offset;
        Vec::new()
    }

    /// Whether the module has DWARF that was not kept (a backtrace then
    /// mentions `WASMTIME_BACKTRACE_DETAILS`).
    pub(crate) fn has_unparsed_debuginfo(&self) -> bool {
        self.inner.module.has_dwarf && self.inner.module.debug_info.is_none()
    }
}

/// The append index of defined function `def`'s body (its array entry
/// follows it).
pub(crate) fn resolve_body(def: DefinedFuncIndex) -> u32 {
    2 * def.as_u32()
}
