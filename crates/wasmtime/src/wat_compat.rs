//! Text-format compatibility with Wasmtime 48, whose `wat` accepts the
//! legacy component index syntax (`(memory $i "m")`, `(realloc (func $f))`)
//! by default. The `wat` this crate uses rejects that syntax unless the
//! environment variable `WAST_STRICT_COMPONENT_INDICES` is `0` when the
//! parser first reads it (once per process). A constructor run at program
//! start, before `main` and before any other thread exists, sets the
//! variable, has the parser read it, and removes it again: the process
//! environment (which WASI guests may inherit) is left as it was. An
//! embedder who sets the variable keeps their choice.

/// A component in the legacy syntax, parsed once to make the parser read
/// the variable.
const PROBE: &str = r#"(component
  (core module $m (memory (export "m") 1) (func (export "f") (param i32 i32)))
  (core instance $i (instantiate $m))
  (func (param "s" string) (canon lift (core func $i "f") (memory $i "m"))))"#;

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static ACCEPT_LEGACY_COMPONENT_INDICES: extern "C" fn() = accept_legacy_component_indices;

extern "C" fn accept_legacy_component_indices() {
    const VAR: &str = "WAST_STRICT_COMPONENT_INDICES";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    // Changing the environment is only sound while no other thread reads
    // it: this runs from `.init_array`, before `main`.
    std::env::set_var(VAR, "0");
    let _ = wat::parse_str(PROBE);
    std::env::remove_var(VAR);
}

/// `wat::parse_bytes`, for every text-parsing entry point of this crate:
/// referring to the constructor here keeps it linked into every program
/// that parses text.
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, wat::Error> {
    #[cfg(target_os = "linux")]
    std::hint::black_box(&ACCEPT_LEGACY_COMPONENT_INDICES);
    wat::parse_bytes(bytes)
}
