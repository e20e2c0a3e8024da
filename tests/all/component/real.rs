//! Components built by real toolchains (clang + jco's preview-1 adapter,
//! componentize-py, componentize-js): they must compile, instantiate with
//! every import stubbed by `define_unknown_imports_as_traps`, and run the
//! exports that need no WASI; the C command also runs for real with
//! `wasmtime_wasi::p2::add_to_linker_sync`.
//!
//! The components are too big to commit; `tests/real-components/build.sh`
//! builds them into `tests/real-components/out/` when the tools are
//! installed. Each test skips (with a message) when its file is missing.

use std::path::PathBuf;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Instance, Linker, Val};
use wasmtime::{Engine, Store};

/// The built component `name`, if `build.sh` has made it.
fn built(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/real-components/out")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!(
                "skipping: `{}` not built (run tests/real-components/build.sh)",
                path.display()
            );
            None
        }
    }
}

/// Compiles `bytes`.
fn compile(bytes: &[u8]) -> Component {
    Component::new(&Engine::default(), bytes).unwrap()
}

/// Instantiates `component` with every import a trap, except those
/// `define` defines.
fn instantiate(
    component: &Component,
    define: impl FnOnce(&mut Linker<()>),
) -> (Store<()>, Instance) {
    let engine = component.engine();
    let mut linker: Linker<()> = Linker::new(engine);
    define(&mut linker);
    linker.define_unknown_imports_as_traps(component).unwrap();
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, component).unwrap();
    (store, instance)
}

/// Calls the `hello` and `example:hello/greet#greet` exports of the
/// `tests/real-components/wit/hello.wit` world.
fn check_hello_world(store: &mut Store<()>, instance: &Instance) {
    let hello = instance.get_func(&mut *store, "hello").unwrap();
    let mut out = [Val::Bool(false)];
    hello
        .call(&mut *store, &[Val::String("World".into())], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::String("Hello, World!".into()));

    let (item, iface) = instance
        .get_export(&mut *store, None, "example:hello/greet")
        .unwrap();
    assert!(matches!(item, ComponentItem::ComponentInstance(_)));
    let (item, index) = instance
        .get_export(&mut *store, Some(&iface), "greet")
        .unwrap();
    let ComponentItem::ComponentFunc(ty) = item else {
        panic!("`greet` is not a function")
    };
    assert_eq!(ty.param_names().collect::<Vec<_>>(), ["name", "times"]);
    let greet = instance.get_func(&mut *store, &index).unwrap();
    greet
        .call(
            &mut *store,
            &[Val::String("wasm".into()), Val::U32(2)],
            &mut out,
        )
        .unwrap();
    assert_eq!(
        out[0],
        Val::Record(vec![
            ("text".into(), Val::String("hi wasm hi wasm".into())),
            ("count".into(), Val::U32(2)),
        ])
    );
}

#[test]
fn c_hello_world_command() {
    let Some(bytes) = built("c-hello.component.wasm") else {
        return;
    };
    let component = compile(&bytes);
    let (mut store, instance) = instantiate(&component, |_| {});
    // The command's `run` writes to stdout through stubbed WASI imports:
    // it must trap naming the first one it calls.
    let run_iface = ["0.2.0", "0.2.3", "0.2.6", "0.2.12"]
        .iter()
        .find_map(|v| instance.get_export_index(&mut store, None, &format!("wasi:cli/run@{v}")))
        .expect("a `wasi:cli/run` export");
    let run = instance
        .get_export_index(&mut store, Some(&run_iface), "run")
        .unwrap();
    let run = instance.get_func(&mut store, &run).unwrap();
    let mut out = [Val::Bool(false)];
    let err = run.call(&mut store, &[], &mut out).unwrap_err();
    assert!(format!("{err:?}").contains("unknown import"), "{err:?}");
}

#[test]
fn python_hello_world() {
    let Some(bytes) = built("py-hello.component.wasm") else {
        return;
    };
    let component = compile(&bytes);
    // Without WASI, the first call traps in the Python runtime's
    // initialization, which reads the environment.
    let (mut store, instance) = instantiate(&component, |_| {});
    let hello = instance.get_func(&mut store, "hello").unwrap();
    let mut out = [Val::Bool(false)];
    let err = hello
        .call(&mut store, &[Val::String("World".into())], &mut out)
        .unwrap_err();
    let err = format!("{err:?}");
    assert!(
        err.contains("unknown import: `wasi:cli/environment@"),
        "{err}"
    );
    assert!(err.contains("#get-environment"), "{err}");
    // With an empty environment (and arguments) and random bytes it runs.
    // (The WASI version depends on componentize-py's; defining unused
    // instances is harmless.)
    let (mut store, instance) = instantiate(&component, |linker| {
        for patch in 0..=12 {
            let name = format!("wasi:random/random@0.2.{patch}");
            let mut random = linker.instance(&name).unwrap();
            random
                .func_new("get-random-bytes", |_, _, params, results| {
                    let Val::U64(n) = params[0] else {
                        unreachable!()
                    };
                    results[0] = Val::List((0..n).map(|i| Val::U8(i as u8)).collect());
                    Ok(())
                })
                .unwrap();
            random
                .func_new("get-random-u64", |_, _, _, results| {
                    results[0] = Val::U64(4);
                    Ok(())
                })
                .unwrap();
            let name = format!("wasi:cli/environment@0.2.{patch}");
            let mut env = linker.instance(&name).unwrap();
            for func in ["get-environment", "get-arguments"] {
                env.func_new(func, |_, _, _, results| {
                    results[0] = Val::List(Vec::new());
                    Ok(())
                })
                .unwrap();
            }
        }
    });
    check_hello_world(&mut store, &instance);
}

#[test]
fn javascript_hello_world() {
    let Some(bytes) = built("js-hello.component.wasm") else {
        return;
    };
    let component = compile(&bytes);
    let (mut store, instance) = instantiate(&component, |_| {});
    check_hello_world(&mut store, &instance);
}

/// The store data of a component run with the real WASI 0.2 host.
struct WasiState {
    ctx: wasmtime_wasi::WasiCtx,
    table: wasmtime::component::ResourceTable,
}

impl wasmtime_wasi::WasiView for WasiState {
    fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
        wasmtime_wasi::WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

#[test]
fn c_hello_world_command_with_wasi() {
    let Some(bytes) = built("c-hello.component.wasm") else {
        return;
    };
    let component = compile(&bytes);
    let engine = component.engine();
    let mut linker: Linker<WasiState> = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(1 << 16);
    // A pre-open, so that wasi-libc's start-up lists one.
    let dir = std::env::temp_dir();
    let ctx = wasmtime_wasi::WasiCtxBuilder::new()
        .stdout(stdout.clone())
        .preopened_dir(
            &dir,
            "/tmp",
            wasmtime_wasi::DirPerms::READ,
            wasmtime_wasi::FilePerms::READ,
        )
        .unwrap()
        .build();
    let mut store = Store::new(
        engine,
        WasiState {
            ctx,
            table: wasmtime::component::ResourceTable::new(),
        },
    );
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .unwrap();
    let status = command.wasi_cli_run().call_run(&mut store).unwrap();
    assert_eq!(status, Ok(()));
    assert_eq!(
        String::from_utf8(stdout.contents().to_vec()).unwrap(),
        "Hello, world!\n"
    );
}
