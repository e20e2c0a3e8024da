//! Precompiled artifacts: `Module::serialize`, `Module::deserialize[_file]`,
//! `Engine::precompile_module`, `Engine::detect_precompiled`, and rejection
//! of artifacts that do not match or are damaged.

use std::path::PathBuf;
use wasmtime::*;

const WAT: &str = r#"(module $ser
    (import "host" "double" (func $double (param i32) (result i32)))
    (memory (export "mem") 1)
    (data (i32.const 16) "hello")
    (global $g (mut i32) (i32.const 7))
    (table 2 funcref)
    (elem (i32.const 0) $sq $fail)
    (type $t (func (param i32) (result i32)))
    (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
    (func $fail (param i32) (result i32) unreachable)
    (func (export "run") (param i32) (result i32)
        ;; double(x) + table[0](x) + g + mem[16]
        local.get 0 call $double
        local.get 0 i32.const 0 call_indirect (type $t)
        i32.add
        global.get $g i32.add
        i32.const 16 i32.load8_u i32.add)
    (func (export "indirect") (param i32 i32) (result i32)
        local.get 1 local.get 0 call_indirect (type $t))
    (func (export "floor") (param f64) (result f64) local.get 0 f64.floor)
)"#;

fn run(engine: &Engine, module: &Module, x: i32) -> Result<i32> {
    let mut linker = Linker::new(engine);
    linker.func_wrap("host", "double", |x: i32| x * 2)?;
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, module)?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    run.call(&mut store, x)
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wasmtime-ours-{}-{name}", std::process::id()))
}

#[test]
fn round_trip_runs_like_the_original() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT)?;
    let bytes = module.serialize()?;
    // SAFETY: the bytes were just produced by `serialize`.
    let loaded = unsafe { Module::deserialize(&engine, &bytes)? };
    for x in [0, 3, -5, 1000] {
        assert_eq!(run(&engine, &loaded, x)?, run(&engine, &module, x)?);
    }
    assert_eq!(loaded.name(), Some("ser"));
    let exports: Vec<_> = loaded.exports().map(|e| e.name().to_string()).collect();
    assert_eq!(exports, ["mem", "run", "indirect", "floor"]);
    assert_eq!(loaded.imports().len(), 1);

    // Traps, trap codes and backtraces survive the round trip.
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |x: i32| x * 2)?;
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &loaded)?;
    let indirect = instance.get_typed_func::<(i32, i32), i32>(&mut store, "indirect")?;
    assert_eq!(indirect.call(&mut store, (0, 9))?, 81);
    let err = indirect.call(&mut store, (1, 9)).unwrap_err();
    assert_eq!(
        err.downcast_ref::<Trap>(),
        Some(&Trap::UnreachableCodeReached)
    );
    let trace = err.downcast_ref::<WasmBacktrace>().expect("backtrace");
    assert!(trace.frames().iter().any(|f| f.func_name() == Some("fail")));
    let err = indirect.call(&mut store, (5, 9)).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::TableOutOfBounds));
    // Libcall relocations are patched again on load.
    let floor = instance.get_typed_func::<f64, f64>(&mut store, "floor")?;
    assert_eq!(floor.call(&mut store, -2.5)?, -3.0);

    // A module can be serialized again after deserialization.
    let again = loaded.serialize()?;
    // SAFETY: produced by `serialize`.
    let twice = unsafe { Module::deserialize(&engine, &again)? };
    assert_eq!(run(&engine, &twice, 4)?, run(&engine, &module, 4)?);
    Ok(())
}

#[test]
fn precompile_module_and_detect() -> Result<()> {
    let engine = Engine::default();
    let bytes = engine.precompile_module(WAT.as_bytes())?;
    assert_eq!(
        Engine::detect_precompiled(&bytes),
        Some(Precompiled::Module)
    );
    assert_eq!(Engine::detect_precompiled(WAT.as_bytes()), None);
    let wasm = wat::parse_str(WAT)?;
    assert_eq!(Engine::detect_precompiled(&wasm), None);
    assert_eq!(Engine::detect_precompiled(&[]), None);
    // SAFETY: produced by `precompile_module`.
    let module = unsafe { Module::deserialize(&engine, &bytes)? };
    let compiled = Module::new(&engine, WAT)?;
    assert_eq!(run(&engine, &module, 11)?, run(&engine, &compiled, 11)?);

    // Another engine with the same configuration accepts it too.
    let other = Engine::new(&Config::new())?;
    // SAFETY: as above.
    let module = unsafe { Module::deserialize(&other, &bytes)? };
    assert_eq!(run(&other, &module, 2)?, run(&engine, &compiled, 2)?);
    Ok(())
}

#[test]
fn deserialize_file_maps_the_artifact() -> Result<()> {
    let engine = Engine::default();
    let path = temp_path("file.cwasm");
    std::fs::write(&path, engine.precompile_module(WAT.as_bytes())?)?;
    assert_eq!(
        Engine::detect_precompiled_file(&path)?,
        Some(Precompiled::Module)
    );
    // SAFETY: the file was just written by `precompile_module` and is not
    // changed while it is loaded.
    let module = unsafe { Module::deserialize_file(&engine, &path) };
    std::fs::remove_file(&path)?;
    let module = module?;
    assert_eq!(run(&engine, &module, 6)?, 12 + 36 + 7 + b'h' as i32);

    // SAFETY: a missing file only produces an error.
    let err = unsafe { Module::deserialize_file(&engine, temp_path("missing.cwasm")) };
    assert!(err.is_err());
    Ok(())
}

fn load_err(engine: &Engine, bytes: &[u8]) -> String {
    // SAFETY: the bytes are checked and rejected before anything runs.
    match unsafe { Module::deserialize(engine, bytes) } {
        Ok(_) => panic!("artifact was accepted"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn mismatched_settings_are_rejected_by_name() -> Result<()> {
    let bytes = Engine::default().precompile_module(WAT.as_bytes())?;

    let mut config = Config::new();
    config.cranelift_opt_level(OptLevel::None);
    let err = load_err(&Engine::new(&config)?, &bytes);
    assert!(err.contains("opt_level"), "{err}");

    let mut config = Config::new();
    config.memory_reservation(1 << 20);
    let err = load_err(&Engine::new(&config)?, &bytes);
    assert!(err.contains("memory_reservation"), "{err}");

    let mut config = Config::new();
    config.signals_based_traps(false);
    let err = load_err(&Engine::new(&config)?, &bytes);
    assert!(err.contains("signals_based_traps"), "{err}");

    let mut config = Config::new();
    // Multi-memory is on by default, so turning it off changes the features.
    config.wasm_multi_memory(false);
    let err = load_err(&Engine::new(&config)?, &bytes);
    assert!(
        err.contains("features") && err.contains("MULTI_MEMORY"),
        "{err}"
    );

    // The verifier does not change the generated code.
    let mut config = Config::new();
    config.cranelift_debug_verifier(!cfg!(debug_assertions));
    // SAFETY: produced by `precompile_module`.
    unsafe { Module::deserialize(&Engine::new(&config)?, &bytes)? };
    Ok(())
}

#[test]
fn damaged_or_foreign_bytes_are_rejected() -> Result<()> {
    let engine = Engine::default();
    let bytes = engine.precompile_module(WAT.as_bytes())?;

    // Not an artifact at all.
    assert!(load_err(&engine, &[]).contains("not a precompiled module"));
    let wasm = wat::parse_str(WAT)?;
    assert!(load_err(&engine, &wasm).contains("not a precompiled module"));
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    load_err(&engine, &random);
    let mut elf_random = random.clone();
    elf_random[..bytes.len().min(64)].copy_from_slice(&bytes[..64]);
    load_err(&engine, &elf_random);

    // A plain ELF file: this test executable.
    let exe = std::fs::read(std::env::current_exe()?)?;
    let err = load_err(&engine, &exe);
    assert!(err.contains(".wasmtime.engine"), "{err}");
    assert_eq!(Engine::detect_precompiled(&exe), None);

    // Another version.
    let marker = b"wasmtime-ours ";
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("version string");
    let mut other = bytes.clone();
    other[at + marker.len()] ^= 1;
    let err = load_err(&engine, &other);
    assert!(err.contains("incompatible version"), "{err}");

    // Truncated anywhere.
    for len in [0, 4, 16, 63, 64, 200, bytes.len() / 2, bytes.len() - 1] {
        load_err(&engine, &bytes[..len]);
    }

    // Any single corrupted byte past the ELF header is caught (most by
    // the checksum, some by the ELF parser).
    let mut rejected = 0;
    let step = (bytes.len() / 97).max(1);
    for i in (64..bytes.len()).step_by(step) {
        let mut corrupt = bytes.clone();
        corrupt[i] ^= 0x5a;
        // SAFETY: see `load_err`; a corruption that only touches bytes
        // outside every section (padding) may load and behave identically.
        match unsafe { Module::deserialize(&engine, &corrupt) } {
            Err(_) => rejected += 1,
            Ok(m) => assert_eq!(run(&engine, &m, 3)?, 6 + 9 + 7 + b'h' as i32),
        }
    }
    assert!(rejected > 0);

    // The original still loads.
    // SAFETY: produced by `precompile_module`.
    unsafe { Module::deserialize(&engine, &bytes)? };
    Ok(())
}
