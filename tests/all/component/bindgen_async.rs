//! `bindgen!` for WIT `async` functions and the `store` flag, in Wasmtime
//! 48's shapes: store-access host functions go in `HostWithStore<T>` (and
//! `Host{Resource}WithStore<T>`) traits implemented by the `HasData` type,
//! WIT `async` functions get an `&Accessor<T, Self>` and become concurrent
//! host functions, a `store` function gets an `Access<T, Self>`, a
//! destructor marked `async | store` is defined with `resource_concurrent`,
//! and exports marked `async | store` (or WIT `async`) are called with
//! `call_concurrent` through an `Accessor`.

use super::LIBC;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::{Access, Accessor, Component, HasData, Linker, Resource};
use wasmtime::{Engine, Store};

mod bindings {
    wasmtime::component::bindgen!({
        inline: "
            package test:cc;

            interface host {
                resource thing {
                    constructor(v: u32);
                    get: func() -> u32;
                    slow-get: async func() -> u32;
                }
                slow-double: async func(x: u32) -> u32;
                count: func() -> u32;
            }

            world w {
                import host;
                import log: func(msg: string);
                export run: async func(x: u32) -> u32;
                export plain: func(x: u32) -> u32;
            }
        ",
        imports: {
            "test:cc/host.count": store,
            "test:cc/host.[drop]thing": async | store,
        },
        exports: { "plain": async | store },
    });
}

use bindings::test::cc::host::{Host, HostThing, HostThingWithStore, HostWithStore, Thing};

#[derive(Default)]
struct Ctx {
    /// `count` calls and finished `slow-double` calls.
    calls: u32,
    /// Reps of dropped things.
    dropped: Vec<u32>,
    log: Vec<String>,
}

/// The `HasData` type whose store functions are implemented.
struct Cc;

impl HasData for Cc {
    type Data<'a> = &'a mut Ctx;
}

/// A future that is pending once (waking itself) and then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl HostWithStore<Ctx> for Cc {
    async fn slow_double(accessor: &Accessor<Ctx, Self>, x: u32) -> u32 {
        YieldOnce(false).await;
        accessor.with(|mut access| access.get().calls += 1);
        x * 2
    }

    fn count(mut host: Access<'_, Ctx, Self>) -> u32 {
        let ctx = host.get();
        ctx.calls += 1;
        ctx.calls
    }
}

impl HostThingWithStore<Ctx> for Cc {
    async fn slow_get(accessor: &Accessor<Ctx, Self>, self_: Resource<Thing>) -> u32 {
        YieldOnce(false).await;
        accessor.with(|_| self_.rep())
    }

    async fn drop(accessor: &Accessor<Ctx, Self>, rep: Resource<Thing>) -> wasmtime::Result<()> {
        YieldOnce(false).await;
        accessor.with(|mut access| access.get().dropped.push(rep.rep()));
        Ok(())
    }
}

impl HostThing for Ctx {
    fn new(&mut self, v: u32) -> Resource<Thing> {
        Resource::new_own(v)
    }

    fn get(&mut self, self_: Resource<Thing>) -> u32 {
        self_.rep()
    }
}

impl Host for Ctx {}

impl bindings::WImports for Ctx {
    fn log(&mut self, msg: String) {
        self.log.push(msg);
    }
}

/// `run(x)` lowers `slow-double` asynchronously and waits for its subtask
/// (callback-lifted), then returns its result plus `count()`; `plain(x)`
/// makes a thing of `x` and drops it, returning `x + count()`.
fn guest() -> String {
    format!(
        r#"(component
  (import "test:cc/host" (instance $host
    (export "thing" (type $thing (sub resource)))
    (export "[constructor]thing" (func (param "v" u32) (result (own $thing))))
    (export "slow-double" (func async (param "x" u32) (result u32)))
    (export "count" (func (result u32)))))
  (alias export $host "thing" (type $thing))
  {LIBC}
  (core func $slow-double (canon lower (func $host "slow-double") async (memory (core memory $libc "memory"))))
  (core func $count (canon lower (func $host "count")))
  (core func $new (canon lower (func $host "[constructor]thing")))
  (core func $drop (canon resource.drop $thing))
  (core func $task-return (canon task.return (result u32)))
  (core func $ws-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "slow-double" (func $slow-double (param i32 i32) (result i32)))
    (import "" "count" (func $count (result i32)))
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "ws.new" (func $ws-new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    (func (export "run") (param $x i32) (result i32)
      (local $ret i32) (local $set i32)
      (local.set $ret (call $slow-double (local.get $x) (i32.const 64)))
      (if (i32.eq (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 2))
        (then
          (call $task-return (i32.add (i32.load (i32.const 64)) (call $count)))
          (return (i32.const 0))))
      (local.set $set (call $ws-new))
      (call $join (i32.shr_u (local.get $ret) (i32.const 4)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
    (func (export "run-cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
      (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))
      (if (i32.ne (local.get $state) (i32.const 2)) (then unreachable))
      (call $join (local.get $h) (i32.const 0))
      (call $subtask-drop (local.get $h))
      ;; 1000 marks the path through the subtask event.
      (call $task-return
        (i32.add (i32.const 1000) (i32.add (i32.load (i32.const 64)) (call $count))))
      (i32.const 0))
    (func (export "plain") (param $x i32) (result i32)
      (call $drop (call $new (local.get $x)))
      (i32.add (local.get $x) (call $count))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "slow-double" (func $slow-double))
      (export "count" (func $count))
      (export "new" (func $new))
      (export "drop" (func $drop))
      (export "task.return" (func $task-return))
      (export "ws.new" (func $ws-new))
      (export "join" (func $join))
      (export "subtask.drop" (func $subtask-drop))))))
  (func (export "run") async (param "x" u32) (result u32)
    (canon lift (core func $i "run") async (callback (core func $i "run-cb"))))
  (func (export "plain") (param "x" u32) (result u32)
    (canon lift (core func $i "plain"))))"#
    )
}

#[tokio::test]
async fn wit_async_functions_and_store_access() {
    let engine = Engine::default();
    let component = Component::new(&engine, guest()).unwrap();
    let mut linker = Linker::<Ctx>::new(&engine);
    bindings::W::add_to_linker::<Ctx, Cc>(&mut linker, |c| c).unwrap();
    let mut store = Store::new(&engine, Ctx::default());
    let w = bindings::W::instantiate_async(&mut store, &component, &linker)
        .await
        .unwrap();
    // `slow-double` is pending once, so `run` gets a subtask and its
    // callback sees the result: 1000 + 2 * 21 + count() (= 2: the
    // finished `slow-double` counted one call).
    let r = store
        .run_concurrent(async |accessor| w.call_run(accessor, 21).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r, 1000 + 42 + 2);
    assert_eq!(store.data().calls, 2);
    // `plain` through `call_concurrent` (`exports: { "plain": async |
    // store }`): the thing's destructor runs through `resource_concurrent`.
    let r = store
        .run_concurrent(async |accessor| w.call_plain(accessor, 5).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r, 5 + 3);
    assert_eq!(store.data().dropped, [5]);
    assert!(store.data().log.is_empty());
}
