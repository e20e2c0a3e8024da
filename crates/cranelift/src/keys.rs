//! Keys by which code generation marks what it puts in the IR, so that the
//! compiled-function output (`finish.rs`) can recognise it without
//! depending on the translator or the trampolines.

/// Namespace of `UserExternalName`s that name defined wasm functions
/// (the index is the `DefinedFuncIndex`).
pub(crate) const WASM_FUNC_NAMESPACE: u32 = 0;

/// Key of the stack slot where functions with handlers keep their `vmctx`.
pub(crate) const VMCTX_SLOT_KEY: u64 = 0x0076_6d63_7478; // "vmctx"
