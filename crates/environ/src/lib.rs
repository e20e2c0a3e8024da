//! Module translation for our Wasmtime implementation.
//!
//! This crate parses and validates WebAssembly with `wasmparser` and produces a
//! [`ModuleTranslation`]: a [`Module`] describing types, imports, exports,
//! functions, tables, memories, globals and segments, plus the function bodies
//! left for a compiler. It also owns the single definition of everything the
//! compiler and the runtime must agree on:
//!
//! * the `VMContext` layout ([`VMOffsets`]) and the per-store
//!   `VMStoreContext` layout ([`store_context`]),
//! * the list of builtin functions that compiled code calls into the runtime
//!   ([`foreach_builtin_function!`], [`BuiltinFunctionIndex`]),
//! * the trap codes ([`Trap`]) carried from machine code to the embedder,
//! * the compiler interface ([`Compiler`], [`CompiledFunction`]).
//!
//! It deliberately does not depend on Cranelift.

mod builtins;
mod code;
mod compile;
pub mod component;
mod decode;
mod encoding;
mod gc_guard;
mod gc_types;
mod hints;
mod module;
pub mod serde_packed;
mod translate;
mod trap;
mod tunables;
mod types;
mod vmoffsets;

pub use builtins::*;
pub use code::*;
pub use compile::*;
pub use decode::*;
pub use gc_types::*;
pub use hints::*;
pub use module::*;
pub use translate::*;
pub use trap::*;
pub use tunables::*;
pub use types::*;
pub use vmoffsets::*;

pub use cranelift_entity::{self as entity, EntityRef, PrimaryMap};
pub use wasmparser;

/// WebAssembly page size in bytes (64 KiB).
pub const WASM_PAGE_SIZE: u64 = 0x1_0000;

/// Maximum number of pages a 32-bit linear memory may have.
pub const WASM32_MAX_PAGES: u64 = 1 << 16;

/// The default size of the virtual reservation for a 32-bit linear memory.
pub const DEFAULT_MEMORY_RESERVATION: u64 = 1 << 32;

/// The default size of the guard region after a linear memory.
pub const DEFAULT_MEMORY_GUARD_SIZE: u64 = 32 << 20;

/// The default extra reservation of a memory that moves to grow (2 GiB),
/// as in Wasmtime on 64-bit hosts.
pub const DEFAULT_MEMORY_RESERVATION_FOR_GROWTH: u64 = 2 << 30;

/// The default maximum stack usage of wasm code (512 KiB), as in Wasmtime.
pub const DEFAULT_MAX_WASM_STACK: usize = 512 * 1024;

/// A fingerprint of the ABI between compiled code and the runtime: the
/// `VMContext`/`VMStoreContext` layouts (and the exception object's), the
/// builtin list (with their signatures), the trap codes and the libcall and
/// relocation lists, hashed from the very files that define them, so that
/// any change to one of them changes the fingerprint without a hand-kept
/// version number. Precompiled artifacts and cache entries record it and are
/// refused when it differs. (The compiler adds the fingerprint of its own
/// side of the conventions to its settings.)
pub const ABI_FINGERPRINT: u64 = source_fingerprint(&[
    include_str!("vmoffsets.rs"),
    include_str!("builtins.rs"),
    include_str!("trap.rs"),
    include_str!("compile.rs"),
]);

/// FNV-1a (64-bit) over `parts`, usable in constants: how the ABI
/// fingerprints hash the source files that define a convention.
pub const fn source_fingerprint(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut p = 0;
    while p < parts.len() {
        let bytes = parts[p].as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
            i += 1;
        }
        p += 1;
    }
    hash
}
