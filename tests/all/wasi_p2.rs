//! WASI 0.2: a command component run through the generated `Command`
//! bindings with `p2::add_to_linker_sync` and `add_to_linker_async`,
//! writing to a captured stdout, reading the clocks, and exiting.

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

struct State {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// A command whose `run` writes "hello from p2\n" to stdout, checks that
/// the monotonic clock moves and a random u64 is not always zero, and then
/// (for argument `exit`) exits with code 3 through `wasi:cli/exit`.
const COMMAND: &str = include_str!("../components/p2-hello.wat");

fn store(engine: &Engine) -> (Store<State>, MemoryOutputPipe) {
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = WasiCtxBuilder::new().stdout(stdout.clone()).build();
    let store = Store::new(
        engine,
        State {
            ctx,
            table: ResourceTable::new(),
        },
    );
    (store, stdout)
}

#[test]
fn command_runs_with_sync_bindings() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMMAND).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let (mut store, stdout) = store(&engine);
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    let result = command.wasi_cli_run().call_run(&mut store).unwrap();
    assert_eq!(result, Ok(()));
    assert_eq!(&stdout.contents()[..], b"hello from p2\n");
    // Every resource the guest got was dropped again.
    assert!(store.data().table.is_empty());
}

#[test]
fn exit_with_code_is_an_i32_exit() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMMAND).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let (mut store, _) = store(&engine);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let exit = instance
        .get_typed_func::<(), (Result<(), ()>,)>(&mut store, "exit")
        .unwrap();
    let err = exit.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<I32Exit>().map(|e| e.0),
        Some(3),
        "{err:?}"
    );
}

#[tokio::test]
async fn command_runs_with_async_bindings() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMMAND).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
    let (mut store, stdout) = store(&engine);
    let command =
        wasmtime_wasi::p2::bindings::Command::instantiate_async(&mut store, &component, &linker)
            .await
            .unwrap();
    let result = command.wasi_cli_run().call_run(&mut store).await.unwrap();
    assert_eq!(result, Ok(()));
    assert_eq!(&stdout.contents()[..], b"hello from p2\n");
}

#[test]
fn missing_interfaces_are_named_at_instantiation() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
          (import "wasi:nonexistent/thing@0.2.0" (instance (export "f" (func)))))"#,
    )
    .unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let err = linker.instantiate_pre(&component).err().unwrap();
    assert!(
        err.to_string().contains("wasi:nonexistent/thing@0.2.0"),
        "{err}"
    );
}
