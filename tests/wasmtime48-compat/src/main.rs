//! Embedding code in the style of Wasmtime 48's documentation and examples,
//! unchanged: it must build against this repository's crates through
//! `[patch.crates-io]` and print `ok` when everything behaved.

use std::num::NonZeroUsize;
use wasmtime::*;
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::WasiCtx;

struct MyState {
    name: String,
    count: usize,
}

fn host_calls() -> Result<()> {
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .wasm_backtrace_max_frames(NonZeroUsize::new(10))
        .debug_info(false);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "hello" (func $hello (param i32)))
            (memory (export "memory") 1)
            (func (export "run") (param i32) (result i32)
                local.get 0 call $hello
                local.get 0 i32.const 2 i32.mul))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "hello", |mut caller: Caller<'_, MyState>, n: i32| {
        let memory = caller.get_export("memory").and_then(Extern::into_memory);
        assert!(memory.is_some());
        caller.data_mut().count += n as usize;
        println!("hello {} from {}", n, caller.data().name);
    })?;
    let mut store = Store::new(
        &engine,
        MyState {
            name: "wasm".to_string(),
            count: 0,
        },
    );
    store.set_fuel(10_000)?;
    let instance = linker.instantiate(&mut store, &module)?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    assert_eq!(run.call(&mut store, 21)?, 42);
    assert_eq!(store.data().count, 21);
    assert!(store.get_fuel()? < 10_000);
    let default = linker.get_default(&mut store, "")?;
    default.call(&mut store, &[], &mut [])?;
    Ok(())
}

fn traps() -> Result<()> {
    let mut store = Store::<()>::default();
    let module = Module::new(store.engine(), "(module (func (export \"f\") unreachable))")?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_func(&mut store, "f").expect("export");
    let err = f.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::UnreachableCodeReached));
    assert!(err.downcast_ref::<WasmBacktrace>().is_some());
    Ok(())
}

fn wasi() -> Result<()> {
    let engine = Engine::default();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx)?;
    let wasi = WasiCtx::builder().inherit_stdio().arg("compat").build_p1();
    let mut store = Store::new(&engine, wasi);
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasi_snapshot_preview1" "args_sizes_get"
                (func $sizes (param i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "_start")
                (drop (call $sizes (i32.const 0) (i32.const 4)))
                (if (i32.ne (i32.load (i32.const 0)) (i32.const 1)) (then unreachable))))"#,
    )?;
    linker.module(&mut store, "", &module)?;
    linker
        .get_default(&mut store, "")?
        .typed::<(), ()>(&store)?
        .call(&mut store, ())?;
    Ok(())
}

fn main() -> Result<()> {
    host_calls()?;
    traps()?;
    wasi()?;
    println!("ok");
    Ok(())
}
