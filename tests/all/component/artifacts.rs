//! Precompiled components: `Component::serialize`/`deserialize`,
//! `Engine::precompile_component`, detection, and damaged artifacts.

use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Engine, Precompiled, Store};

const WAT: &str = r#"(component
  (core module $m (func (export "f") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3))))
  (core instance $i (instantiate $m))
  (func (export "triple") (param "x" u32) (result u32) (canon lift (core func $i "f"))))"#;

fn call(engine: &Engine, component: &Component) -> Val {
    let linker: Linker<()> = Linker::new(engine);
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, component).unwrap();
    let f = instance.get_func(&mut store, "triple").unwrap();
    let mut out = [Val::Bool(false)];
    f.call(&mut store, &[Val::U32(14)], &mut out).unwrap();
    out[0].clone()
}

#[test]
fn serialized_components_load_and_run() {
    let engine = Engine::default();
    let component = Component::new(&engine, WAT).unwrap();
    let bytes = component.serialize().unwrap();
    assert_eq!(
        Engine::detect_precompiled(&bytes),
        Some(Precompiled::Component)
    );
    // SAFETY: produced just above by this library.
    let loaded = unsafe { Component::deserialize(&engine, &bytes) }.unwrap();
    assert_eq!(call(&engine, &loaded), Val::U32(42));
    let precompiled = engine.precompile_component(WAT.as_bytes()).unwrap();
    // SAFETY: as above.
    let loaded = unsafe { Component::deserialize(&engine, &precompiled) }.unwrap();
    assert_eq!(call(&engine, &loaded), Val::U32(42));
    assert!(engine.precompile_component(b"(module)").is_err());
}

#[test]
fn damaged_artifacts_are_errors() {
    let engine = Engine::default();
    let bytes = Component::new(&engine, WAT).unwrap().serialize().unwrap();
    for cut in [10, 40, bytes.len() - 1] {
        // SAFETY: damaged on purpose; deserialize must reject it.
        let result = unsafe { Component::deserialize(&engine, &bytes[..cut]) };
        assert!(result.is_err(), "cut {cut}");
    }
    let mut flipped = bytes.clone();
    let at = flipped.len() / 3;
    flipped[at] ^= 0x55;
    // SAFETY: as above.
    assert!(unsafe { Component::deserialize(&engine, &flipped) }.is_err());
    let mut extra = bytes.clone();
    extra.push(0);
    // SAFETY: as above.
    assert!(unsafe { Component::deserialize(&engine, &extra) }.is_err());
    // Another engine configuration is refused.
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    let other = Engine::new(&config).unwrap();
    // SAFETY: as above.
    let err = unsafe { Component::deserialize(&other, &bytes) }.unwrap_err();
    assert!(
        format!("{err:?}").contains("fuel") || format!("{err:?}").contains("setting"),
        "{err:?}"
    );
}

/// A trap's frames in a component's core module report offsets into the
/// component binary (as the reference does), also after a round trip
/// through `serialize`/`deserialize`: the module here starts at byte 10,
/// so `unreachable` at module offset 0x1e is reported at 0x28.
#[test]
fn component_backtrace_offsets_count_from_the_component_start() {
    const TRAP: &str = r#"(component
  (core module $m (func $boom (export "f") unreachable))
  (core instance $i (instantiate $m))
  (func (export "boom") (canon lift (core func $i "f"))))"#;
    let engine = Engine::default();
    let offsets = |component: &Component| {
        let linker: Linker<()> = Linker::new(&engine);
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, component).unwrap();
        let f = instance.get_func(&mut store, "boom").unwrap();
        let err = f.call(&mut store, &[], &mut []).unwrap_err();
        let bt = err.downcast_ref::<wasmtime::WasmBacktrace>().unwrap();
        bt.frames()
            .iter()
            .map(|f| (f.func_name().map(str::to_string), f.module_offset()))
            .collect::<Vec<_>>()
    };
    let want = vec![(Some("boom".to_string()), Some(0x28))];
    let component = Component::new(&engine, TRAP).unwrap();
    assert_eq!(offsets(&component), want);
    let bytes = component.serialize().unwrap();
    // SAFETY: produced just above by this library.
    let loaded = unsafe { Component::deserialize(&engine, &bytes) }.unwrap();
    assert_eq!(offsets(&loaded), want);
}
