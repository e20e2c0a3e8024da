//! Source-level backtraces: frames of a C guest built with `-g`
//! (`tests/debug-programs`) name files, lines and columns when
//! `Config::wasm_backtrace_details` is on, and function names are demangled.

use std::path::{Path, PathBuf};
use wasmtime::{Config, Engine, Linker, Module, Store, WasmBacktrace, WasmBacktraceDetails};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::WasiCtxBuilder;

pub(crate) fn debug_program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/debug-programs")
        .join(format!("{name}.wasm"))
}

/// Runs `trap.wasm` (which divides by zero) and returns its error.
fn run_trap(details: WasmBacktraceDetails) -> wasmtime::Error {
    let mut config = Config::new();
    config.wasm_backtrace_details(details);
    let engine = Engine::new(&config).unwrap();
    let module = Module::from_file(&engine, debug_program("trap")).unwrap();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().arg("trap.wasm").build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    start.call(&mut store, ()).unwrap_err()
}

#[test]
fn frames_name_source_lines() {
    let err = run_trap(WasmBacktraceDetails::Enable);
    assert_eq!(
        err.downcast_ref::<wasmtime::Trap>(),
        Some(&wasmtime::Trap::IntegerDivisionByZero)
    );
    let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
    let lines: Vec<(String, String, u32, u32)> = bt
        .frames()
        .iter()
        .take(3)
        .map(|f| {
            let s = &f.symbols()[0];
            (
                s.name().unwrap().to_string(),
                s.file().unwrap().to_string(),
                s.line().unwrap(),
                s.column().unwrap(),
            )
        })
        .collect();
    // The same files, lines and columns as Wasmtime 48 reports.
    let expected = [
        ("divide", 6, 22),
        ("compute", 12, 12),
        ("__main_argc_argv", 19, 12),
    ];
    for ((name, file, line, column), (want_name, want_line, want_col)) in lines.iter().zip(expected)
    {
        assert_eq!(name, want_name);
        assert_eq!(file, "./src/trap.c");
        assert_eq!((*line, *column), (want_line, want_col), "{name}");
    }
    assert_eq!(bt.frames()[0].module_offset(), Some(0x225));

    let text = format!("{err:?}");
    assert!(
        text.contains("0x225 - divide\n                    at ./src/trap.c:6:22\n"),
        "{text}"
    );
    // A frame without DWARF (the linker-made `_start.command_export`)
    // keeps the plain form.
    assert!(text.contains("<unknown>!_start.command_export"), "{text}");
    assert!(!text.contains("WASMTIME_BACKTRACE_DETAILS"), "{text}");
}

#[test]
fn without_details_frames_have_no_symbols_and_hint_at_the_variable() {
    let err = run_trap(WasmBacktraceDetails::Disable);
    let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
    assert!(bt.frames().iter().all(|f| f.symbols().is_empty()));
    assert_eq!(bt.frames()[0].func_name(), Some("divide"));
    // `Disable` was explicit: no hint.
    assert!(!bt.to_string().contains("WASMTIME_BACKTRACE_DETAILS"));

    // `Environment` with the variable unset (the test runner does not set
    // it): no symbols, and the display suggests the variable.
    if std::env::var_os("WASMTIME_BACKTRACE_DETAILS").is_none() {
        let err = run_trap(WasmBacktraceDetails::Environment);
        let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
        assert!(bt.frames()[0].symbols().is_empty());
        assert!(bt.to_string().ends_with(
            "\nnote: using the `WASMTIME_BACKTRACE_DETAILS=1` environment variable may show \
             more debugging information"
        ));
    }
}

#[test]
fn details_survive_serialization() {
    let mut config = Config::new();
    config.wasm_backtrace_details(WasmBacktraceDetails::Enable);
    let engine = Engine::new(&config).unwrap();
    let bytes = std::fs::read(debug_program("trap")).unwrap();
    let artifact = engine.precompile_module(&bytes).unwrap();
    // SAFETY: the artifact was just produced by this engine.
    let module = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().arg("trap.wasm").build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
    assert_eq!(bt.frames()[0].symbols()[0].line(), Some(6));
}

#[test]
fn mangled_names_are_demangled_in_displays() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (func $_ZN4core9panicking5panic17h0123456789abcdefE (export "rust") unreachable)
            (func $_ZN3foo3barEv (export "cpp") unreachable)
            (func $plain_c (export "c") unreachable))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
    for (export, shown, raw) in [
        (
            "rust",
            // Displayed as Wasmtime does: with the hash.
            "core::panicking::panic::h0123456789abcdef",
            "_ZN4core9panicking5panic17h0123456789abcdefE",
        ),
        ("cpp", "foo::bar()", "_ZN3foo3barEv"),
        ("c", "plain_c", "plain_c"),
    ] {
        let f = instance
            .get_typed_func::<(), ()>(&mut store, export)
            .unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
        // `func_name` stays raw; only the display demangles.
        assert_eq!(bt.frames()[0].func_name(), Some(raw));
        let text = bt.to_string();
        assert!(text.ends_with(&format!("<unknown>!{shown}")), "{text}");
    }
}

/// Runs `trap.wasm` with core dumps on and returns the error and the store.
fn run_trap_with_coredump() -> (wasmtime::Error, Store<WasiP1Ctx>) {
    let mut config = Config::new();
    config.coredump_on_trap(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::from_file(&engine, debug_program("trap")).unwrap();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().arg("trap.wasm").build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    let err = start.call(&mut store, ()).unwrap_err();
    (err, store)
}

#[test]
fn coredump_is_attached_and_serializes_in_the_standard_format() {
    use wasmparser::{Parser, Payload};
    let (err, mut store) = run_trap_with_coredump();
    // The backtrace stays attached next to the dump.
    assert!(err.downcast_ref::<WasmBacktrace>().is_some());
    let dump = err.downcast_ref::<wasmtime::WasmCoreDump>().unwrap();
    assert_eq!(dump.frames()[0].func_name(), Some("divide"));
    assert_eq!(dump.instances().len(), 1);
    assert_eq!(dump.modules().len(), 1);
    assert_eq!(dump.memories().len(), 1);
    assert!(!dump.globals().is_empty());
    assert!(format!("{err:?}").contains("wasm coredump generated while executing store_name:"));

    let bytes = dump.serialize(&mut store, "trap.wasm");
    let mut sections = Vec::new();
    let mut memories = 0;
    let mut data_bytes = 0;
    let mut stack_frames = None;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            Payload::CustomSection(s) => {
                sections.push(s.name().to_string());
                if s.name() == "corestack" {
                    stack_frames = Some(parse_corestack(s.data()));
                }
            }
            Payload::MemorySection(m) => memories += m.count(),
            Payload::DataSection(d) => {
                for seg in d {
                    data_bytes += seg.unwrap().data.len();
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        sections,
        ["core", "coremodules", "coreinstances", "corestack"]
    );
    assert_eq!(memories, 1);
    // The guest printed through its stack and heap: memory is not all zero.
    assert!(data_bytes > 0);
    // The trapping frame comes first: function `divide`, index 2 in this
    // build (0 and 1 are imports), at a non-zero offset in its body.
    let (thread, frames) = stack_frames.unwrap();
    assert_eq!(thread, "main");
    let divide = dump.frames()[0].func_index();
    assert_eq!(frames[0].0, 0, "instance");
    assert_eq!(frames[0].1, divide);
    assert!(frames[0].2 > 0 && frames[0].2 < 0x100, "{:#x}", frames[0].2);
    assert_eq!(frames.len(), dump.frames().len());
}

/// Decodes a `corestack` section: thread name and (instance, function,
/// code offset) of each frame.
fn parse_corestack(data: &[u8]) -> (String, Vec<(u32, u32, u32)>) {
    let mut reader = wasmparser::BinaryReader::new(data, 0);
    assert_eq!(reader.read_u8().unwrap(), 0);
    let thread = reader.read_string().unwrap().to_string();
    let count = reader.read_var_u32().unwrap();
    let mut frames = Vec::new();
    for _ in 0..count {
        assert_eq!(reader.read_u8().unwrap(), 0);
        let instance = reader.read_var_u32().unwrap();
        let func = reader.read_var_u32().unwrap();
        let offset = reader.read_var_u32().unwrap();
        let locals = reader.read_var_u32().unwrap();
        let stack = reader.read_var_u32().unwrap();
        assert_eq!((locals, stack), (0, 0));
        frames.push((instance, func, offset));
    }
    assert!(reader.eof());
    (thread, frames)
}

#[test]
fn no_coredump_unless_configured() {
    let err = run_trap(WasmBacktraceDetails::Disable);
    assert!(err.downcast_ref::<wasmtime::WasmCoreDump>().is_none());
}

/// `Config::debug_info` (native debuggers): modules with and without DWARF
/// compile, load from artifacts, run and are dropped (registering and
/// unregistering their debug images); the DWARF is kept, so traps name
/// source lines even with backtrace details disabled.
#[test]
fn debug_info_modules_load_run_and_keep_source_lines() {
    let mut config = Config::new();
    config.debug_info(true);
    config.wasm_backtrace_details(WasmBacktraceDetails::Disable);
    let engine = Engine::new(&config).unwrap();
    let bytes = std::fs::read(debug_program("trap")).unwrap();
    let artifact = engine.precompile_module(&bytes).unwrap();
    for round in 0..4 {
        let module = if round % 2 == 0 {
            Module::new(&engine, &bytes).unwrap()
        } else {
            // SAFETY: the artifact was just produced by this engine.
            unsafe { Module::deserialize(&engine, &artifact) }.unwrap()
        };
        let mut store = Store::new(&engine, WasiCtxBuilder::new().arg("trap.wasm").build_p1());
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
        p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .unwrap();
        let err = start.call(&mut store, ()).unwrap_err();
        let bt = err.downcast_ref::<WasmBacktrace>().unwrap();
        assert_eq!(bt.frames()[0].func_name(), Some("divide"));
        assert_eq!(bt.frames()[0].symbols()[0].line(), Some(6), "round {round}");
    }
    let plain = Module::new(
        &engine,
        r#"(module (func (export "f") (result i32) i32.const 7))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &plain, &[]).unwrap();
    let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
    assert_eq!(f.call(&mut store, ()).unwrap(), 7);
}
