//! The program file a command runs: read into memory, or mapped when it is
//! a precompiled artifact, so that loading a large `.cwasm` reads its pages
//! from the page cache instead of copying the whole file first.

use anyhow::{Context, Result};
use std::io::Read;
use std::ops::Deref;

/// First bytes of a precompiled module (an ELF file).
const ELF_MAGIC: &[u8] = b"\x7fELF";
/// First bytes of a precompiled component.
const COMPONENT_MAGIC: &[u8] = b"\0wasmtime-component-v1\0";

/// The contents of a program file.
pub(crate) enum Input {
    /// Read into memory (text, binary wasm, or anything not mappable).
    Read(Vec<u8>),
    /// Mapped read-only (a precompiled artifact).
    Mapped(memmap2::Mmap),
}

impl Deref for Input {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Input::Read(v) => v,
            Input::Mapped(m) => m,
        }
    }
}

impl AsRef<[u8]> for Input {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Input {
    /// Opens `path`: a file that starts like a precompiled artifact is
    /// mapped, anything else is read.
    pub(crate) fn open(path: &str) -> Result<Input> {
        let read = || std::fs::read(path).with_context(|| format!("failed to read `{path}`"));
        let Ok(mut file) = std::fs::File::open(path) else {
            return read().map(Input::Read);
        };
        let mut head = [0u8; 24];
        let n = file.read(&mut head).unwrap_or(0);
        let head = &head[..n];
        let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
        if !regular || !(head.starts_with(ELF_MAGIC) || head.starts_with(COMPONENT_MAGIC)) {
            return read().map(Input::Read);
        }
        // SAFETY: the mapping is read-only and private. Precompiled
        // artifacts are only loaded with `--allow-precompiled`, whose user
        // vouches for the file, which includes not rewriting it while this
        // command loads it (as with Wasmtime's own `deserialize_file`).
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => Ok(Input::Mapped(map)),
            Err(_) => read().map(Input::Read),
        }
    }
}
