//! `bindgen!`: host traits and `add_to_linker` for imports, `Guest`
//! structs for exports, and WIT types as Rust types, driven through a
//! component whose exports forward to its imports (so every value crosses
//! the generated code both ways).

use super::LIBC;
use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store};

mod sync_bindings {
    wasmtime::component::bindgen!({
        inline: "
            package test:bg;

            interface host {
                record point { x: s32, y: s32 }
                enum color { red, green }
                flags perms { read, write }
                variant shape { circle(u32), nothing }
                type err = u32;
                resource counter {
                    constructor(start: u32);
                    bump: func(n: u32) -> u32;
                }
                scale: func(p: point, k: s32) -> point;
                name: func(c: color) -> string;
                check: func(x: u32) -> result<u32, err>;
                perms-of: func(p: perms) -> perms;
                area: func(s: shape) -> u32;
                make: func(start: u32) -> counter;
                bump: func(c: borrow<counter>, n: u32) -> u32;
            }

            interface api {
                use host.{point, color, perms, shape, err, counter};
                scale: func(p: point, k: s32) -> point;
                name: func(c: color) -> string;
                check: func(x: u32) -> result<u32, err>;
                perms-of: func(p: perms) -> perms;
                area: func(s: shape) -> u32;
                make: func(start: u32) -> counter;
                bump: func(c: borrow<counter>, n: u32) -> u32;
            }

            world forwarder {
                import host;
                import log: func(msg: string);
                export api;
                export version: func() -> u32;
            }
        ",
        trappable_error_type: { "test:bg/host.err" => super::MyErr },
    });
}

mod async_bindings {
    wasmtime::component::bindgen!({
        inline: "
            package test:bga;
            interface host {
                resource counter { bump: func(n: u32) -> u32; }
                make: func(start: u32) -> counter;
                bump: func(c: borrow<counter>, n: u32) -> u32;
            }
            world small {
                import host;
                import log: func(msg: string);
                export version: func() -> u32;
            }
        ",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

/// A Rust error that host functions return for `err`.
#[derive(Debug)]
pub struct MyErr(u32);

use sync_bindings::test::bg::host::{self, Color, Counter, Perms, Point, Shape};

#[derive(Default)]
struct State {
    table: ResourceTable,
    log: Vec<String>,
    dropped: Vec<u32>,
}

struct CounterData(u32);

impl host::HostCounter for State {
    fn new(&mut self, start: u32) -> Resource<Counter> {
        let r = self.table.push(CounterData(start)).unwrap();
        Resource::new_own(r.rep())
    }
    fn bump(&mut self, c: Resource<Counter>, n: u32) -> u32 {
        let data: &mut CounterData = self.table.get_mut(&Resource::new_borrow(c.rep())).unwrap();
        data.0 += n;
        data.0
    }
    fn drop(&mut self, c: Resource<Counter>) -> wasmtime::Result<()> {
        let data: CounterData = self.table.delete(Resource::new_own(c.rep()))?;
        self.dropped.push(data.0);
        Ok(())
    }
}

impl host::Host for State {
    fn scale(&mut self, p: Point, k: i32) -> Point {
        Point {
            x: p.x * k,
            y: p.y * k,
        }
    }
    fn name(&mut self, c: Color) -> String {
        format!("{c:?}-{}", c.name())
    }
    fn check(&mut self, x: u32) -> Result<u32, MyErr> {
        if x < 10 {
            Ok(x * 2)
        } else {
            Err(MyErr(x))
        }
    }
    fn perms_of(&mut self, p: Perms) -> Perms {
        p | Perms::WRITE
    }
    fn area(&mut self, s: Shape) -> u32 {
        match s {
            Shape::Circle(r) => 3 * r * r,
            Shape::Nothing => 0,
        }
    }
    fn make(&mut self, start: u32) -> Resource<Counter> {
        host::HostCounter::new(self, start)
    }
    fn bump(&mut self, c: Resource<Counter>, n: u32) -> u32 {
        host::HostCounter::bump(self, c, n)
    }
    fn convert_err(&mut self, err: MyErr) -> wasmtime::Result<u32> {
        if err.0 == 666 {
            wasmtime::bail!("trap for 666");
        }
        Ok(err.0 + 1000)
    }
}

impl sync_bindings::ForwarderImports for State {
    fn log(&mut self, msg: String) {
        self.log.push(msg);
    }
}

/// The forwarding component: each `api` export calls the `host` import of
/// the same name, `version` logs "v1" and returns 1.
fn forwarder() -> String {
    format!(
        r#"(component
  (import "test:bg/host" (instance $host
    (type $point' (record (field "x" s32) (field "y" s32)))
    (export "point" (type $point (eq $point')))
    (type $color' (enum "red" "green"))
    (export "color" (type $color (eq $color')))
    (type $perms' (flags "read" "write"))
    (export "perms" (type $perms (eq $perms')))
    (type $shape' (variant (case "circle" u32) (case "nothing")))
    (export "shape" (type $shape (eq $shape')))
    (type $err' u32)
    (export "err" (type $err (eq $err')))
    (export "counter" (type $counter (sub resource)))
    (export "[constructor]counter" (func (param "start" u32) (result (own $counter))))
    (export "[method]counter.bump" (func (param "self" (borrow $counter)) (param "n" u32) (result u32)))
    (export "scale" (func (param "p" $point) (param "k" s32) (result $point)))
    (export "name" (func (param "c" $color) (result string)))
    (type $res (result u32 (error $err)))
    (export "check" (func (param "x" u32) (result $res)))
    (export "perms-of" (func (param "p" $perms) (result $perms)))
    (export "area" (func (param "s" $shape) (result u32)))
    (export "make" (func (param "start" u32) (result (own $counter))))
    (export "bump" (func (param "c" (borrow $counter)) (param "n" u32) (result u32)))))
  (import "log" (func $log (param "msg" string)))
  (alias export $host "point" (type $point))
  (alias export $host "color" (type $color))
  (alias export $host "perms" (type $perms))
  (alias export $host "shape" (type $shape))
  (alias export $host "err" (type $err))
  (alias export $host "counter" (type $counter))
  {LIBC}
  (core func $scale (canon lower (func $host "scale") (memory (core memory $libc "memory"))))
  (core func $name (canon lower (func $host "name") (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core func $check (canon lower (func $host "check") (memory (core memory $libc "memory"))))
  (core func $perms-of (canon lower (func $host "perms-of")))
  (core func $area (canon lower (func $host "area")))
  (core func $make (canon lower (func $host "make")))
  (core func $bump (canon lower (func $host "bump")))
  (core func $log (canon lower (func $log) (memory (core memory $libc "memory"))))
  (core func $drop (canon resource.drop $counter))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "drop" (func $drop (param i32)))
    (import "host" "scale" (func $scale (param i32 i32 i32 i32)))
    (import "host" "name" (func $name (param i32 i32)))
    (import "host" "check" (func $check (param i32 i32)))
    (import "host" "perms-of" (func $perms-of (param i32) (result i32)))
    (import "host" "area" (func $area (param i32 i32) (result i32)))
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "bump" (func $bump (param i32 i32) (result i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (data (i32.const 200) "v1")
    (func (export "scale") (param i32 i32 i32) (result i32)
      (call $scale (local.get 0) (local.get 1) (local.get 2) (i32.const 64)) (i32.const 64))
    (func (export "name") (param i32) (result i32)
      (call $name (local.get 0) (i32.const 64)) (i32.const 64))
    (func (export "check") (param i32) (result i32)
      (call $check (local.get 0) (i32.const 64)) (i32.const 64))
    (func (export "perms-of") (param i32) (result i32) (call $perms-of (local.get 0)))
    (func (export "area") (param i32 i32) (result i32) (call $area (local.get 0) (local.get 1)))
    (func (export "make") (param i32) (result i32) (call $make (local.get 0)))
    ;; A borrowed handle must be dropped before the export returns.
    (func (export "bump") (param i32 i32) (result i32)
      (call $bump (local.get 0) (local.get 1)) (call $drop (local.get 0)))
    (func (export "version") (result i32)
      (call $log (i32.const 200) (i32.const 2)) (i32.const 1)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "scale" (func $scale)) (export "name" (func $name)) (export "check" (func $check))
      (export "perms-of" (func $perms-of)) (export "area" (func $area)) (export "make" (func $make))
      (export "bump" (func $bump)) (export "log" (func $log)) (export "drop" (func $drop))))))
  (func $scale' (param "p" $point) (param "k" s32) (result $point)
    (canon lift (core func $i "scale") (memory (core memory $libc "memory"))))
  (func $name' (param "c" $color) (result string)
    (canon lift (core func $i "name") (memory (core memory $libc "memory"))))
  (type $res (result u32 (error $err)))
  (func $check' (param "x" u32) (result $res)
    (canon lift (core func $i "check") (memory (core memory $libc "memory"))))
  (func $perms-of' (param "p" $perms) (result $perms) (canon lift (core func $i "perms-of")))
  (func $area' (param "s" $shape) (result u32) (canon lift (core func $i "area")))
  (func $make' (param "start" u32) (result (own $counter)) (canon lift (core func $i "make")))
  (func $bump' (param "c" (borrow $counter)) (param "n" u32) (result u32) (canon lift (core func $i "bump")))
  (instance $api
    (export "point" (type $point)) (export "color" (type $color)) (export "perms" (type $perms))
    (export "shape" (type $shape)) (export "err" (type $err)) (export "counter" (type $counter))
    (export "scale" (func $scale')) (export "name" (func $name')) (export "check" (func $check'))
    (export "perms-of" (func $perms-of')) (export "area" (func $area')) (export "make" (func $make'))
    (export "bump" (func $bump')))
  (export "test:bg/api" (instance $api))
  (func (export "version") (result u32) (canon lift (core func $i "version"))))"#
    )
}

fn setup() -> (Store<State>, sync_bindings::Forwarder) {
    let engine = Engine::default();
    let component = Component::new(&engine, forwarder()).unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    sync_bindings::Forwarder::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).unwrap();
    let mut store = Store::new(&engine, State::default());
    let bindings = sync_bindings::Forwarder::instantiate(&mut store, &component, &linker).unwrap();
    (store, bindings)
}

#[test]
fn records_enums_flags_variants_round_trip() {
    let (mut store, b) = setup();
    let api = b.test_bg_api();
    let p = api
        .call_scale(&mut store, Point { x: 2, y: -3 }, 5)
        .unwrap();
    assert_eq!((p.x, p.y), (10, -15));
    assert_eq!(
        api.call_name(&mut store, Color::Green).unwrap(),
        "green-green"
    );
    assert_eq!(
        api.call_perms_of(&mut store, Perms::READ).unwrap(),
        Perms::READ | Perms::WRITE
    );
    assert_eq!(api.call_area(&mut store, Shape::Circle(2)).unwrap(), 12);
    assert_eq!(api.call_area(&mut store, Shape::Nothing).unwrap(), 0);
    assert_eq!(b.call_version(&mut store).unwrap(), 1);
    assert_eq!(store.data().log, ["v1"]);
}

#[test]
fn trappable_error_types_convert_or_trap() {
    let (mut store, b) = setup();
    let api = b.test_bg_api();
    assert_eq!(api.call_check(&mut store, 4).unwrap(), Ok(8));
    // The host's `MyErr(12)` is converted to the WIT error 1012.
    assert_eq!(api.call_check(&mut store, 12).unwrap(), Err(1012));
    // A conversion that fails traps the guest.
    let err = api.call_check(&mut store, 666).unwrap_err();
    assert!(format!("{err:?}").contains("trap for 666"), "{err:?}");
}

#[test]
fn host_resources_through_generated_traits() {
    let (mut store, b) = setup();
    let api = b.test_bg_api();
    let c = api.call_make(&mut store, 5).unwrap();
    assert_eq!(
        api.call_bump(&mut store, Resource::new_borrow(c.rep()), 3)
            .unwrap(),
        8
    );
    assert_eq!(
        api.call_bump(&mut store, Resource::new_borrow(c.rep()), 1)
            .unwrap(),
        9
    );
    host::HostCounter::drop(store.data_mut(), c).unwrap();
    assert_eq!(store.data().dropped, [9]);
}

#[test]
fn export_indices_are_per_component_and_checked() {
    let engine = Engine::default();
    let component = Component::new(&engine, forwarder()).unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    sync_bindings::Forwarder::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).unwrap();
    let pre =
        sync_bindings::ForwarderPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    // One `Pre` instantiates into several stores.
    for i in 0..3 {
        let mut store = Store::new(&engine, State::default());
        let b = pre.instantiate(&mut store).unwrap();
        assert_eq!(
            b.test_bg_api()
                .call_area(&mut store, Shape::Circle(i))
                .unwrap(),
            3 * i * i
        );
        // `new` finds the same exports from an existing instance.
        let inst = pre.instance_pre().instantiate(&mut store).unwrap();
        let again = sync_bindings::Forwarder::new(&mut store, &inst).unwrap();
        assert_eq!(again.call_version(&mut store).unwrap(), 1);
    }
    // A component without the world's exports is refused with a clear error.
    let empty = Component::new(&engine, "(component)").unwrap();
    let pre = Linker::<State>::new(&engine)
        .instantiate_pre(&empty)
        .unwrap();
    let err = sync_bindings::ForwarderPre::new(pre).err().unwrap();
    assert!(
        err.to_string()
            .contains("no exported instance named `test:bg/api`"),
        "{err}"
    );
}

#[test]
fn missing_host_implementation_is_an_instantiation_error() {
    let engine = Engine::default();
    let component = Component::new(&engine, forwarder()).unwrap();
    let mut linker: Linker<State> = Linker::new(&engine);
    // Only the interface, not the world's `log`.
    host::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s).unwrap();
    let mut store = Store::new(&engine, State::default());
    let err = sync_bindings::Forwarder::instantiate(&mut store, &component, &linker)
        .err()
        .unwrap();
    assert!(format!("{err:?}").contains("log"), "{err:?}");
}

mod async_impl {
    use super::async_bindings::test::bga::host::{self, Counter};
    use super::*;

    #[derive(Default)]
    pub struct AsyncState {
        pub table: ResourceTable,
        pub log: Vec<String>,
    }

    impl host::HostCounter for AsyncState {
        async fn bump(&mut self, c: Resource<Counter>, n: u32) -> wasmtime::Result<u32> {
            tokio::task::yield_now().await;
            let v: &mut u32 = self.table.get_mut(&Resource::new_borrow(c.rep()))?;
            *v += n;
            Ok(*v)
        }
        async fn drop(&mut self, c: Resource<Counter>) -> wasmtime::Result<()> {
            let _: u32 = self.table.delete(Resource::new_own(c.rep()))?;
            Ok(())
        }
    }

    impl host::Host for AsyncState {
        async fn make(&mut self, start: u32) -> wasmtime::Result<Resource<Counter>> {
            let r = self.table.push(start)?;
            Ok(Resource::new_own(r.rep()))
        }
        async fn bump(&mut self, c: Resource<Counter>, n: u32) -> wasmtime::Result<u32> {
            host::HostCounter::bump(self, c, n).await
        }
    }

    impl super::async_bindings::SmallImports for AsyncState {
        async fn log(&mut self, msg: String) -> wasmtime::Result<()> {
            tokio::task::yield_now().await;
            self.log.push(msg);
            Ok(())
        }
    }
}

#[tokio::test]
async fn async_imports_and_exports() {
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        format!(
            r#"(component
  (import "test:bga/host" (instance $host
    (export "counter" (type $counter (sub resource)))
    (export "[method]counter.bump" (func (param "self" (borrow $counter)) (param "n" u32) (result u32)))
    (export "make" (func (param "start" u32) (result (own $counter))))
    (export "bump" (func (param "c" (borrow $counter)) (param "n" u32) (result u32)))))
  (import "log" (func $log (param "msg" string)))
  (alias export $host "counter" (type $counter))
  {LIBC}
  (core func $make (canon lower (func $host "make")))
  (core func $bump (canon lower (func $host "[method]counter.bump")))
  (core func $drop (canon resource.drop $counter))
  (core func $log (canon lower (func $log) (memory (core memory $libc "memory"))))
  (core module $m
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "bump" (func $bump (param i32 i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (import "libc" "memory" (memory 1))
    (data (i32.const 200) "hello")
    (func (export "version") (result i32)
      (local $h i32) (local $r i32)
      (call $log (i32.const 200) (i32.const 5))
      (local.set $h (call $make (i32.const 40)))
      (local.set $r (call $bump (local.get $h) (i32.const 2)))
      (call $drop (local.get $h))
      (local.get $r)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance (export "make" (func $make)) (export "bump" (func $bump))
      (export "drop" (func $drop)) (export "log" (func $log))))))
  (func (export "version") (result u32) (canon lift (core func $i "version"))))"#
        ),
    )
    .unwrap();
    let mut linker: Linker<async_impl::AsyncState> = Linker::new(&engine);
    async_bindings::Small::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).unwrap();
    let mut store = Store::new(&engine, async_impl::AsyncState::default());
    let b = async_bindings::Small::instantiate_async(&mut store, &component, &linker)
        .await
        .unwrap();
    assert_eq!(b.call_version(&mut store).await.unwrap(), 42);
    assert_eq!(store.data().log, ["hello"]);
    assert!(store.data().table.is_empty());
}
