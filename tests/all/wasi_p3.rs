//! WASI 0.3: a command component (`tests/components/p3-hello.wat`) run
//! through `p3::bindings::Command` and `p3::add_to_linker`: its async `run`
//! writes to a captured stdout through a `stream<u8>`, a root export exits
//! through `wasi:cli/exit@0.3.0`, and another waits with the async
//! `wait-for` of `wasi:clocks@0.3.0`.

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::p3::bindings::{Command, CommandPre};
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

const COMMAND: &str = include_str!("../components/p3-hello.wat");

fn setup() -> (Store<State>, Component, Linker<State>, MemoryOutputPipe) {
    let engine = Engine::default();
    let component = Component::new(&engine, COMMAND).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p3::add_to_linker(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = WasiCtxBuilder::new().stdout(stdout.clone()).build();
    let store = Store::new(
        &engine,
        State {
            ctx,
            table: ResourceTable::new(),
        },
    );
    (store, component, linker, stdout)
}

#[tokio::test]
async fn command_writes_stdout_through_a_stream() {
    let (mut store, component, linker, stdout) = setup();
    let command = Command::instantiate_async(&mut store, &component, &linker)
        .await
        .unwrap();
    let result = store
        .run_concurrent(async |store| command.wasi_cli_run().call_run(store).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result, Ok(()));
    assert_eq!(&stdout.contents()[..], b"hello from p3\n");
}

#[tokio::test]
async fn exit_with_code_is_an_i32_exit() {
    let (mut store, component, linker, _) = setup();
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let exit = instance
        .get_typed_func::<(), ()>(&mut store, "exit")
        .unwrap();
    let err = exit.call_async(&mut store, ()).await.unwrap_err();
    assert_eq!(err.downcast_ref::<I32Exit>(), Some(&I32Exit(7)));
}

#[tokio::test]
async fn wait_for_suspends_the_task_for_the_duration() {
    let (mut store, component, linker, _) = setup();
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let sleep = instance
        .get_typed_func::<(), (u64,)>(&mut store, "sleep")
        .unwrap();
    let (elapsed,) = store
        .run_concurrent(async |store| sleep.call_concurrent(store, ()).await)
        .await
        .unwrap()
        .unwrap();
    assert!(elapsed >= 5_000_000, "waited only {elapsed} ns");
}

#[test]
fn a_component_without_the_p3_run_export_is_not_a_p3_command() {
    let (mut store, _, linker, _) = setup();
    let engine = store.engine().clone();
    let component = Component::new(&engine, "(component)").unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let err = Command::new(&mut store, &instance).err().unwrap();
    assert!(
        err.to_string().contains("wasi:cli/run@0.3.0"),
        "unexpected error: {err}"
    );
}

#[tokio::test]
async fn command_pre_instantiates_many_times_from_one_lookup() {
    let (mut store, component, linker, stdout) = setup();
    let pre = CommandPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    assert!(wasmtime::Engine::same(pre.engine(), store.engine()));
    for _ in 0..2 {
        let command = pre.clone().instantiate_async(&mut store).await.unwrap();
        let result = store
            .run_concurrent(async |store| command.wasi_cli_run().call_run(store).await)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(result, Ok(()));
    }
    assert_eq!(&stdout.contents()[..], b"hello from p3\nhello from p3\n");
}

#[test]
fn command_pre_of_a_component_without_run_is_an_error() {
    let (store, _, linker, _) = setup();
    let component = Component::new(store.engine(), "(component)").unwrap();
    let pre = linker.instantiate_pre(&component).unwrap();
    let err = CommandPre::new(pre).err().unwrap();
    assert!(
        err.to_string().contains("wasi:cli/run@0.3.0"),
        "unexpected error: {err}"
    );
}
