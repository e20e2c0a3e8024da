//! Making modules from bytes: compiling (through the compilation cache when
//! one is configured) and serializing to and loading from `.cwasm`
//! artifacts. Kept apart from the module itself so that the artifact
//! format (`crate::serialization`), which builds modules, and the module
//! do not import each other.

#[cfg(feature = "cranelift")]
use super::resolve_body;
use super::Module;
use crate::Engine;
use anyhow::{Context, Result};
use std::path::Path;
#[cfg(feature = "cranelift")]
use std::sync::Arc;
#[cfg(feature = "cranelift")]
use wasmtime_runtime::code_memory::CodeMemory;

impl Module {
    /// Compiles a module from the binary format. With the `cache` feature
    /// and [`Config::cache`](crate::Config::cache) set, a previous
    /// compilation with the same bytes and settings is loaded from disk.
    #[cfg(feature = "cranelift")]
    pub fn from_binary(engine: &Engine, binary: &[u8]) -> Result<Module> {
        engine.check_compatible_with_native_host()?;
        #[cfg(feature = "cache")]
        if let Some(cache) = &engine.config().cache {
            return crate::cache::load_or_compile(engine, cache, binary);
        }
        Module::compile_uncached(engine, binary)
    }

    #[cfg(feature = "cranelift")]
    pub(crate) fn compile_uncached(engine: &Engine, binary: &[u8]) -> Result<Module> {
        let compiled = crate::compile::compile(engine, binary)?;
        let code = Arc::new(CodeMemory::new(compiled.code, resolve_body)?);
        Module::from_parts(engine, Arc::new(compiled.module), code)
    }

    /// Serializes this module to an artifact that
    /// [`Module::deserialize`] can load into an engine with the same
    /// configuration (see [`Engine::precompile_module`]).
    #[cfg(feature = "cranelift")]
    pub fn serialize(&self) -> Result<Vec<u8>> {
        crate::serialization::serialize(
            &self.inner.engine,
            &self.inner.module,
            crate::serialization::CodeView::of_memory(&self.inner.code),
        )
    }

    /// Loads a module from an artifact produced by [`Module::serialize`] or
    /// [`Engine::precompile_module`], without compiling.
    ///
    /// The artifact is rejected with an error if it is not one (random
    /// bytes, another ELF file), if it is truncated or corrupted (every
    /// offset and length is checked, and a checksum covers the contents),
    /// or if it was produced by another version or with different engine
    /// settings (compiler flags, target CPU features, tunables, wasm
    /// features); the error names what differs.
    ///
    /// # Safety
    ///
    /// The bytes are turned into executable code. An artifact crafted to
    /// pass the checks (a forged checksum) can run arbitrary machine code, so
    /// only pass bytes from a trusted source, e.g. produced by this library.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        crate::serialization::deserialize(engine, bytes.as_ref())
    }

    /// Like [`Module::deserialize`], reading the artifact from a file (which
    /// is memory-mapped while it is read).
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`]; the file must also not change while
    /// this function runs.
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let map = map_file(path)?;
        crate::serialization::deserialize(engine, &map)
            .with_context(|| format!("failed deserialization for: {}", path.display()))
    }
}

/// Maps the file at `path` read-only, so that loading an artifact reads
/// its pages straight from the page cache instead of copying the whole file
/// first.
///
/// Callers must not let the mapping outlive a load, and must only use it
/// where the file is vouched not to change meanwhile (the contract of the
/// `deserialize_file` functions).
pub(crate) fn map_file(path: &Path) -> Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("failed to open `{}`", path.display()))?;
    // SAFETY: the mapping is read-only and private; the callers' contract
    // (above) guarantees the file does not change while it is read.
    unsafe { memmap2::Mmap::map(&file) }
        .with_context(|| format!("failed to map `{}`", path.display()))
}
