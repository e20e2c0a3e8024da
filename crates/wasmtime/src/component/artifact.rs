//! Precompiled components: the artifact format of
//! [`Component::serialize`] and [`Engine::precompile_component`].
//!
//! An artifact is a small container: a magic string, the component's
//! translation (postcard, with a CRC-32 over it), then the artifact of each
//! embedded core module in order (each the same ELF file
//! [`Module::serialize`](crate::Module::serialize) writes, which carries and
//! checks the engine's settings). All lengths are little-endian `u64`s and
//! every one is checked against the bytes that remain.

use super::compiled::ComponentInner;
use super::Component;
use crate::{Engine, Module};
use anyhow::{bail, ensure, Context, Result};
use std::path::Path;
use std::sync::Arc;
use wasmtime_environ::component::{translate_component, ComponentTranslation};

/// The first bytes of every component artifact.
pub(crate) const MAGIC: &[u8] = b"\0wasmtime-component-v1\0";

fn write(translation: &ComponentTranslation, modules: &[Vec<u8>]) -> Result<Vec<u8>> {
    let t = postcard::to_allocvec(translation).context("failed to encode the component")?;
    let mut out = MAGIC.to_vec();
    out.extend((t.len() as u64).to_le_bytes());
    out.extend(crc32fast::hash(&t).to_le_bytes());
    out.extend(&t);
    out.extend((modules.len() as u64).to_le_bytes());
    for m in modules {
        out.extend((m.len() as u64).to_le_bytes());
        out.extend(m);
    }
    Ok(out)
}

/// A cursor over an artifact's bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        ensure!(self.0.len() >= n, "precompiled component is truncated");
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn len(&mut self) -> Result<usize> {
        let n = u64::from_le_bytes(self.take(8)?.try_into().unwrap());
        usize::try_from(n).context("precompiled component is truncated")
    }
}

/// Reads the container: the translation and each module's artifact.
fn read(bytes: &[u8]) -> Result<(ComponentTranslation, Vec<&[u8]>)> {
    let mut r = Reader(
        bytes
            .strip_prefix(MAGIC)
            .context("bytes are not a precompiled component")?,
    );
    let t_len = r.len()?;
    let crc = u32::from_le_bytes(r.take(4)?.try_into().unwrap());
    let t = r.take(t_len)?;
    ensure!(
        crc32fast::hash(t) == crc,
        "precompiled component is corrupted (checksum mismatch)"
    );
    let translation: ComponentTranslation =
        postcard::from_bytes(t).context("precompiled component is corrupted")?;
    let count = r.len()?;
    ensure!(
        count == translation.modules.len(),
        "precompiled component is corrupted (module count)"
    );
    let mut modules = Vec::new();
    for _ in 0..count {
        let n = r.len()?;
        modules.push(r.take(n)?);
    }
    ensure!(r.0.is_empty(), "precompiled component has trailing bytes");
    Ok((translation, modules))
}

impl Component {
    /// Serializes the component to an artifact that
    /// [`Component::deserialize`] loads into an engine with the same
    /// configuration.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let modules = self
            .inner
            .modules
            .iter()
            .map(Module::serialize)
            .collect::<Result<Vec<_>>>()?;
        write(&self.inner.translation, &modules)
    }

    /// Loads a component from an artifact of [`Component::serialize`] or
    /// [`Engine::precompile_component`], without compiling. Corrupted,
    /// truncated or mismatched artifacts (another version, other engine
    /// settings) are errors.
    ///
    /// # Safety
    ///
    /// As for [`Module::deserialize`]: the bytes become executable code, so
    /// they must come from a trusted source.
    pub unsafe fn deserialize(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Component> {
        let (translation, artifacts) = read(bytes.as_ref())?;
        let modules = artifacts
            .into_iter()
            .zip(&translation.modules)
            .map(|(a, range)| {
                // SAFETY: per this function's contract.
                let module = unsafe { Module::deserialize(engine, a) }?;
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
                core_plan: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Like [`Component::deserialize`], reading the artifact from a file.
    ///
    /// # Safety
    ///
    /// As for [`Component::deserialize`].
    pub unsafe fn deserialize_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Component> {
        let path = path.as_ref();
        let bytes = crate::module::map_file(path)?;
        // SAFETY: per this function's contract.
        unsafe { Component::deserialize(engine, &bytes[..]) }
            .with_context(|| format!("failed deserialization for: {}", path.display()))
    }
}

impl Engine {
    /// Compiles the component `bytes` (binary, or text with the `wat`
    /// feature) to an artifact that [`Component::deserialize`] loads.
    pub fn precompile_component(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        #[cfg(feature = "wat")]
        let bytes = &crate::wat_compat::parse_bytes(bytes)?;
        if wasmparser::Parser::is_core_wasm(bytes) {
            bail!("expected a component, found a core module (use `precompile_module`)");
        }
        let translation = translate_component(bytes, self.config().features)?;
        let modules = translation
            .modules
            .iter()
            .map(|range| self.precompile_module(&bytes[range.clone()]))
            .collect::<Result<Vec<_>>>()?;
        write(&translation, &modules)
    }
}

/// Whether `bytes` look like a component artifact.
pub(crate) fn is_precompiled_component(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}
