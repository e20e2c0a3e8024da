//! Engines (`wasm.h`, `wasmtime/engine.h`).

use crate::wasm_config_t;
use wt::Engine;

/// A compilation environment shared by stores and modules.
#[derive(Clone)]
pub struct wasm_engine_t {
    pub(crate) engine: Engine,
}

/// An engine with the default configuration.
#[no_mangle]
pub extern "C" fn wasm_engine_new() -> Box<wasm_engine_t> {
    Box::new(wasm_engine_t {
        engine: Engine::default(),
    })
}

/// An engine with `config` (consumed), or NULL if the configuration is
/// invalid (the reason is printed to stderr).
#[no_mangle]
pub extern "C" fn wasm_engine_new_with_config(
    config: Box<wasm_config_t>,
) -> Option<Box<wasm_engine_t>> {
    match Engine::new(&config.config) {
        Ok(engine) => Some(Box::new(wasm_engine_t { engine })),
        Err(e) => {
            eprintln!("failed to create an engine: {e:#}");
            None
        }
    }
}

/// Frees an engine handle (the engine lives while stores or modules use it).
#[no_mangle]
pub extern "C" fn wasm_engine_delete(_engine: Option<Box<wasm_engine_t>>) {}

/// Another handle to the same engine.
#[no_mangle]
pub extern "C" fn wasmtime_engine_clone(engine: &wasm_engine_t) -> Box<wasm_engine_t> {
    Box::new(engine.clone())
}

/// Advances the engine's epoch by one.
#[no_mangle]
pub extern "C" fn wasmtime_engine_increment_epoch(engine: &wasm_engine_t) {
    engine.engine.increment_epoch();
}

/// Whether the engine runs Pulley bytecode: never here (native code only).
#[no_mangle]
pub extern "C" fn wasmtime_engine_is_pulley(_engine: &wasm_engine_t) -> bool {
    false
}
