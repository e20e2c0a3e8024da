//! `bindgen!` with `stream<T>` and `future<T>` in WIT: they become
//! `StreamReader<T>` and `FutureReader<T>` in host traits, records and
//! aliases, and a guest's stream end passes through a generated host
//! function and back.

use wasmtime::component::{Component, FutureReader, HasSelf, Linker, StreamReader};
use wasmtime::{Engine, Store};

mod bindings {
    wasmtime::component::bindgen!({
        inline: "
            package test:st;
            interface host {
                record chunked { body: stream<u8>, done: future<u32> }
                type bytes = stream<u8>;
                echo: func(s: bytes) -> bytes;
                split: func(c: chunked) -> option<stream<u8>>;
                pending: func(f: future<string>) -> list<future<string>>;
            }
            world streams {
                import host;
            }
        ",
    });
}

use bindings::test::st::host::{self, Bytes, Chunked};

/// Counts the calls of each host function.
#[derive(Default)]
struct State {
    echoed: u32,
}

impl host::Host for State {
    fn echo(&mut self, s: Bytes) -> Bytes {
        self.echoed += 1;
        s
    }
    fn split(&mut self, c: Chunked) -> Option<StreamReader<u8>> {
        let Chunked { body, done } = c;
        let _: FutureReader<u32> = done;
        Some(body)
    }
    fn pending(&mut self, f: FutureReader<String>) -> Vec<FutureReader<String>> {
        vec![f]
    }
}

#[test]
fn stream_types_become_readers_and_cross_generated_functions() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (type $s (stream u8))
             (import "test:st/host" (instance $host
               (export "echo" (func (param "s" (stream u8)) (result (stream u8))))))
             (alias export $host "echo" (func $echo))
             (core func $echo (canon lower (func $echo)))
             (core func $new (canon stream.new $s))
             (core func $drop-r (canon stream.drop-readable $s))
             (core func $drop-w (canon stream.drop-writable $s))
             (core module $m
               (import "" "echo" (func $echo (param i32) (result i32)))
               (import "" "new" (func $new (result i64)))
               (import "" "drop-r" (func $drop-r (param i32)))
               (import "" "drop-w" (func $drop-w (param i32)))
               ;; Sends the readable end of a new stream through the host
               ;; and drops what comes back (a handle of this instance
               ;; again) and the writable end.
               (func (export "run") (result i32)
                 (local $pair i64)
                 (local $back i32)
                 (local.set $pair (call $new))
                 (local.set $back (call $echo (i32.wrap_i64 (local.get $pair))))
                 (call $drop-r (local.get $back))
                 (call $drop-w (i32.wrap_i64 (i64.shr_u (local.get $pair) (i64.const 32))))
                 (local.get $back)))
             (core instance $i (instantiate $m
               (with "" (instance
                 (export "echo" (func $echo))
                 (export "new" (func $new))
                 (export "drop-r" (func $drop-r))
                 (export "drop-w" (func $drop-w))))))
             (func (export "run") (result u32) (canon lift (core func $i "run"))))"#,
    )
    .unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    bindings::Streams::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).unwrap();
    let mut store = Store::new(&engine, State::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    let (back,) = run.call(&mut store, ()).unwrap();
    assert_ne!(back, 0);
    assert_eq!(store.data().echoed, 1);
}

#[test]
fn stream_element_types_are_checked_at_link_time() {
    // A component importing `echo` with another stream element type does
    // not link with the generated host function.
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "test:st/host" (instance
               (export "echo" (func (param "s" (stream u32)) (result (stream u32)))))))"#,
    )
    .unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    bindings::Streams::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).unwrap();
    let mut store = Store::new(&engine, State::default());
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(format!("{err:?}").contains("echo"), "{err:?}");
}
