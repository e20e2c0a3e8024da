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

/// Polls a future to completion on this thread (no executor needed for
/// futures that wake themselves).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[allow(deprecated)]
fn async_calls() -> Result<()> {
    let mut config = Config::new();
    config.async_support(true).consume_fuel(true);
    let engine = Engine::new(&config)?;
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "next" (func $next (param i32) (result i32)))
            (func (export "f") (param i32) (result i32) (call $next (local.get 0))))"#,
    )?;
    let mut linker = Linker::new(&engine);
    linker.func_wrap_async("host", "next", |_caller: Caller<'_, ()>, (x,): (i32,)| {
        Box::new(async move { x + 1 })
    })?;
    let mut store = Store::new(&engine, ());
    store.set_fuel(1_000_000)?;
    store.fuel_async_yield_interval(Some(1_000))?;
    let instance = block_on(linker.instantiate_async(&mut store, &module))?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, "f")?;
    assert_eq!(block_on(f.call_async(&mut store, 41))?, 42);
    Ok(())
}

#[allow(deprecated)]
fn components() -> Result<()> {
    use wasmtime::component::{
        Component, ComponentType, Lift, Linker, Lower, ResourceTable, Val,
    };

    #[derive(ComponentType, Lift, Lower, Debug, PartialEq, Clone)]
    #[component(record)]
    struct Point {
        x: u32,
        y: u32,
    }

    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
            (type $p' (record (field "x" u32) (field "y" u32)))
            (import "p" (type $p (eq $p')))
            (import "double" (func $double (param "v" u32) (result u32)))
            (core func $double (canon lower (func $double)))
            (core module $m
              (import "host" "double" (func $double (param i32) (result i32)))
              (func (export "sum") (param i32 i32) (result i32)
                (call $double (i32.add (local.get 0) (local.get 1)))))
            (core instance $i (instantiate $m (with "host" (instance (export "double" (func $double))))))
            (func (export "sum") (param "p" $p) (result u32) (canon lift (core func $i "sum"))))"#,
    )?;
    let mut linker = Linker::<ResourceTable>::new(&engine);
    linker.root().func_new("double", |_store, _ty, params, results| {
        let Val::U32(v) = params[0] else { unreachable!() };
        results[0] = Val::U32(v * 2);
        Ok(())
    })?;
    let mut store = Store::new(&engine, ResourceTable::new());
    let instance = linker.instantiate(&mut store, &component)?;
    let sum = instance.get_typed_func::<(Point,), (u32,)>(&mut store, "sum")?;
    let (r,) = sum.call(&mut store, (Point { x: 1, y: 20 },))?;
    sum.post_return(&mut store)?;
    assert_eq!(r, 42);
    let func = instance.get_func(&mut store, "sum").expect("export");
    let mut results = [Val::U32(0)];
    func.call(
        &mut store,
        &[Val::Record(vec![
            ("x".into(), Val::U32(2)),
            ("y".into(), Val::U32(3)),
        ])],
        &mut results,
    )?;
    func.post_return(&mut store)?;
    assert_eq!(results[0], Val::U32(10));
    let bytes = component.serialize()?;
    // SAFETY: the artifact was produced just above by this engine.
    let _again = unsafe { Component::deserialize(&engine, &bytes)? };
    Ok(())
}

mod hello_bindings {
    wasmtime::component::bindgen!({
        inline: "
            package example:host;
            world hello {
                import name: func() -> string;
                export greet: func() -> string;
            }
        ",
    });
}

/// `bindgen!` and WASI 0.2 as Wasmtime 48's documentation uses them.
fn bindgen_and_wasi_p2() -> Result<()> {
    use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
    use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

    struct MyState {
        name: String,
        ctx: WasiCtx,
        table: ResourceTable,
    }
    impl hello_bindings::HelloImports for MyState {
        fn name(&mut self) -> String {
            self.name.clone()
        }
    }
    impl WasiView for MyState {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView { ctx: &mut self.ctx, table: &mut self.table }
        }
    }

    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
            (import "name" (func $name (result string)))
            (core module $libc
              (memory (export "memory") 1)
              (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024)))
            (core instance $libc (instantiate $libc))
            (core func $name (canon lower (func $name)
              (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
            (core module $m
              (import "host" "name" (func $name (param i32)))
              (func (export "greet") (result i32) (call $name (i32.const 16)) (i32.const 16)))
            (core instance $i (instantiate $m (with "host" (instance (export "name" (func $name))))))
            (func (export "greet") (result string)
              (canon lift (core func $i "greet") (memory (core memory $libc "memory")))))"#,
    )?;
    let mut linker = Linker::new(&engine);
    hello_bindings::Hello::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let state = MyState {
        name: "wasm".to_string(),
        ctx: WasiCtxBuilder::new().inherit_stdio().build(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, state);
    let hello = hello_bindings::Hello::instantiate(&mut store, &component, &linker)?;
    assert_eq!(hello.call_greet(&mut store)?, "wasm");
    Ok(())
}

fn main() -> Result<()> {
    host_calls()?;
    traps()?;
    wasi()?;
    async_calls()?;
    components()?;
    bindgen_and_wasi_p2()?;
    println!("ok");
    Ok(())
}
