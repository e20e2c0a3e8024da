//! WASI 0.3 sockets: a component creates a TCP socket with
//! `wasi:sockets/types@0.3.0` and binds it to 127.0.0.1; binding is
//! denied (`access-denied`) unless the context allows the network, as in
//! WASI 0.2.

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

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

/// A component whose export `bind() -> u32` creates an IPv4 TCP socket,
/// binds it to 127.0.0.1:0 and returns `(is-err << 4) | error-case` of the
/// bind (`0xf00 | case` if creating failed).
const COMPONENT: &str = r#"(component $C
  (import "wasi:sockets/types@0.3.0" (instance $types
    (export "tcp-socket" (type $s (sub resource)))
    (type $ec (variant (case "access-denied") (case "not-supported")
      (case "invalid-argument") (case "out-of-memory") (case "timeout")
      (case "invalid-state") (case "address-not-bindable") (case "address-in-use")
      (case "remote-unreachable") (case "connection-refused") (case "connection-broken")
      (case "connection-reset") (case "connection-aborted") (case "datagram-too-large")
      (case "other" (option string))))
    (export "error-code" (type $e (eq $ec)))
    (type $fam (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type $fam' (eq $fam)))
    (type $v4 (tuple u8 u8 u8 u8))
    (export "ipv4-address" (type $v4' (eq $v4)))
    (type $v6 (tuple u16 u16 u16 u16 u16 u16 u16 u16))
    (export "ipv6-address" (type $v6' (eq $v6)))
    (type $sa4 (record (field "port" u16) (field "address" $v4')))
    (export "ipv4-socket-address" (type $sa4' (eq $sa4)))
    (type $sa6 (record (field "port" u16) (field "flow-info" u32) (field "address" $v6')
      (field "scope-id" u32)))
    (export "ipv6-socket-address" (type $sa6' (eq $sa6)))
    (type $sa (variant (case "ipv4" $sa4') (case "ipv6" $sa6')))
    (export "ip-socket-address" (type $sa' (eq $sa)))
    (type $create-result (result (own $s) (error $e)))
    (export "[static]tcp-socket.create" (func (param "address-family" $fam')
      (result $create-result)))
    (type $bind-result (result (error $e)))
    (export "[method]tcp-socket.bind" (func (param "self" (borrow $s))
      (param "local-address" $sa') (result $bind-result)))))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core func $create (canon lower (func $types "[static]tcp-socket.create")
    (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core func $bind (canon lower (func $types "[method]tcp-socket.bind")
    (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "create" (func $create (param i32 i32)))
    (import "" "bind" (func $bind (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
    (func (export "bind") (result i32)
      (call $create (i32.const 0) (i32.const 16))
      (if (i32.load8_u (i32.const 16))
        (then (return (i32.or (i32.const 0xf00) (i32.load8_u (i32.const 20))))))
      ;; self, ipv4, port 0, 127.0.0.1, six unused slots, result at 32.
      (call $bind (i32.load (i32.const 20)) (i32.const 0) (i32.const 0)
        (i32.const 127) (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
        (i32.const 32))
      (i32.or
        (i32.shl (i32.load8_u (i32.const 32)) (i32.const 4))
        (select (i32.load8_u (i32.const 36)) (i32.const 0) (i32.load8_u (i32.const 32))))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "create" (func $create))
      (export "bind" (func $bind))))))
  (func (export "bind") (result u32) (canon lift (core func $i "bind")))
)"#;

fn bind(ctx: WasiCtx) -> u32 {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p3::add_to_linker(&mut linker).unwrap();
    let mut store = Store::new(
        &engine,
        State {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance
        .get_typed_func::<(), (u32,)>(&mut store, "bind")
        .unwrap();
    f.call(&mut store, ()).unwrap().0
}

#[test]
fn binding_is_denied_without_network_access() {
    // access-denied is case 0.
    assert_eq!(bind(WasiCtxBuilder::new().build()), 1 << 4);
}

#[test]
fn binding_works_with_inherited_network() {
    assert_eq!(bind(WasiCtxBuilder::new().inherit_network().build()), 0);
}

#[test]
fn tcp_can_be_disallowed() {
    let ctx = WasiCtxBuilder::new()
        .inherit_network()
        .allow_tcp(false)
        .build();
    assert_eq!(bind(ctx), 0xf00);
}
