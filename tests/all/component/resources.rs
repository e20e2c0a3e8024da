//! Resources: host resource types with a `ResourceTable`, guest-defined
//! resources with destructors, own/borrow transfer and handle checks.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use wasmtime::component::{
    Component, Instance, Linker, Resource, ResourceAny, ResourceTable, ResourceType, Val,
};
use wasmtime::{Engine, Store};

pub(super) struct Counter(pub(super) u32);

#[derive(Default)]
pub(super) struct Host {
    pub(super) table: ResourceTable,
    pub(super) dropped: Vec<u32>,
}

pub(super) const HOST_RESOURCE: &str = r#"(component
  (import "counter" (type $c (sub resource)))
  (import "make" (func $make (param "start" u32) (result (own $c))))
  (import "bump" (func $bump (param "c" (borrow $c)) (result u32)))
  (core func $make (canon lower (func $make)))
  (core func $bump (canon lower (func $bump)))
  (core func $drop (canon resource.drop $c))
  (core module $m
    (import "host" "make" (func $make (param i32) (result i32)))
    (import "host" "bump" (func $bump (param i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (func (export "run") (result i32)
      (local $h i32) (local $r i32)
      (local.set $h (call $make (i32.const 10)))
      (drop (call $bump (local.get $h)))
      (local.set $r (call $bump (local.get $h)))
      (call $drop (local.get $h))
      (local.get $r))
    (func (export "keep") (result i32) (call $make (i32.const 5)))
    (func (export "use") (param i32) (result i32)
      (local $r i32)
      (local.set $r (call $bump (local.get 0)))
      (call $drop (local.get 0))
      (local.get $r))
    (func (export "leak") (param i32) (result i32) (call $bump (local.get 0)))
    (func (export "bad-handle") (result i32) (call $bump (i32.const 99))))
  (core instance $i (instantiate $m (with "host" (instance
    (export "make" (func $make)) (export "bump" (func $bump)) (export "drop" (func $drop))))))
  (func (export "run") (result u32) (canon lift (core func $i "run")))
  (func (export "keep") (result (own $c)) (canon lift (core func $i "keep")))
  (func (export "use") (param "c" (borrow $c)) (result u32) (canon lift (core func $i "use")))
  (func (export "leak") (param "c" (borrow $c)) (result u32) (canon lift (core func $i "leak")))
  (func (export "bad-handle") (result u32) (canon lift (core func $i "bad-handle"))))"#;

pub(super) fn host_linker(engine: &Engine) -> Linker<Host> {
    let mut linker: Linker<Host> = Linker::new(engine);
    let mut root = linker.root();
    root.resource(
        "counter",
        ResourceType::host::<Counter>(),
        |mut store, rep| {
            let counter = store
                .data_mut()
                .table
                .delete(Resource::<Counter>::new_own(rep))?;
            store.data_mut().dropped.push(counter.0);
            Ok(())
        },
    )
    .unwrap();
    root.func_new("make", |mut store, _, params, results| {
        let Val::U32(start) = params[0] else {
            unreachable!()
        };
        let r = store.data_mut().table.push(Counter(start))?;
        results[0] = Val::Resource(ResourceAny::try_from_resource(r, &mut store)?);
        Ok(())
    })
    .unwrap();
    root.func_new("bump", |mut store, _, params, results| {
        let Val::Resource(any) = params[0] else {
            unreachable!()
        };
        assert!(!any.owned());
        let r: Resource<Counter> = any.try_into_resource(&mut store)?;
        let counter = store.data_mut().table.get_mut(&r)?;
        counter.0 += 1;
        results[0] = Val::U32(counter.0);
        Ok(())
    })
    .unwrap();
    linker
}

#[test]
fn host_resources_cross_as_own_and_borrow() {
    let engine = Engine::default();
    let component = Component::new(&engine, HOST_RESOURCE).unwrap();
    let linker = host_linker(&engine);
    let mut store = Store::new(&engine, Host::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let mut out = [Val::Bool(false)];

    // The guest makes, borrows and drops a counter: the host destructor runs.
    let run = instance.get_func(&mut store, "run").unwrap();
    run.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(12));
    assert_eq!(store.data().dropped, vec![12]);

    // An owned handle returned to the host, lent back to the guest.
    let keep = instance.get_func(&mut store, "keep").unwrap();
    keep.call(&mut store, &[], &mut out).unwrap();
    let Val::Resource(own) = out[0].clone() else {
        panic!()
    };
    assert!(own.owned());
    assert_eq!(own.ty(), ResourceType::host::<Counter>());
    // Converting it to a typed handle takes it out of the store's table.
    let typed = own.try_into_resource::<Counter>(&mut store).unwrap();
    let borrow =
        ResourceAny::try_from_resource(Resource::<Counter>::new_borrow(typed.rep()), &mut store)
            .unwrap();
    let use_ = instance.get_func(&mut store, "use").unwrap();
    use_.call(&mut store, &[Val::Resource(borrow)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(6));
    // A guest that keeps a lent borrow past the call is an error.
    let leak = instance.get_func(&mut store, "leak").unwrap();
    let err = leak
        .call(&mut store, &[Val::Resource(borrow)], &mut out)
        .unwrap_err();
    assert!(
        err.to_string().contains("borrow handles still remain"),
        "{err}"
    );
    // Dropping the host's own handle runs the host destructor.
    assert!(own.resource_drop(&mut store).is_err());
    let own = ResourceAny::try_from_resource(typed, &mut store).unwrap();
    own.resource_drop(&mut store).unwrap();
    assert_eq!(store.data().dropped, vec![12, 7]);
    assert!(store.data().table.is_empty());

    // A handle the guest does not hold is a trap, not a crash.
    let bad = instance.get_func(&mut store, "bad-handle").unwrap();
    let err = bad.call(&mut store, &[], &mut out).unwrap_err();
    assert!(
        format!("{err:?}").contains("unknown handle index"),
        "{err:?}"
    );
    // Passing a resource of another type is an error.
    let other =
        ResourceAny::try_from_resource(Resource::<String>::new_borrow(0), &mut store).unwrap();
    assert!(use_
        .call(&mut store, &[Val::Resource(other)], &mut out)
        .is_err());
}

#[test]
fn missing_resource_definitions_are_link_errors() {
    let engine = Engine::default();
    let component = Component::new(&engine, HOST_RESOURCE).unwrap();
    let mut linker: Linker<Host> = Linker::new(&engine);
    let mut store = Store::new(&engine, Host::default());
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(err.to_string().contains("counter"), "{err}");
    linker
        .root()
        .func_new("counter", |_, _, _, _| Ok(()))
        .unwrap();
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(err.to_string().contains("wrong type"), "{err}");
}

pub(super) const GUEST_RESOURCE: &str = r#"(component
  (import "note-drop" (func $note (param "v" u32)))
  (core func $note (canon lower (func $note)))
  (core module $d
    (import "" "note" (func $note (param i32)))
    (func (export "dtor") (param i32) (call $note (local.get 0))))
  (core instance $d (instantiate $d (with "" (instance (export "note" (func $note))))))
  (alias core export $d "dtor" (core func $dtor))
  (type $r (resource (rep i32) (dtor (core func $dtor))))
  (core func $new (canon resource.new $r))
  (core func $rep (canon resource.rep $r))
  (core func $drop (canon resource.drop $r))
  (core module $m
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "rep" (func $rep (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
    (func (export "get") (param i32) (result i32) (local.get 0))
    (func (export "consume") (param i32) (result i32)
      (local $v i32)
      (local.set $v (call $rep (local.get 0)))
      (call $drop (local.get 0))
      (local.get $v)))
  (core instance $i (instantiate $m (with "" (instance
    (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
  (export $R "r" (type $r))
  (func (export "make") (param "v" u32) (result (own $R)) (canon lift (core func $i "make")))
  (func (export "get") (param "x" (borrow $R)) (result u32) (canon lift (core func $i "get")))
  (func (export "consume") (param "x" (own $R)) (result u32) (canon lift (core func $i "consume"))))"#;

/// An instance of `GUEST_RESOURCE` whose destructor adds each dropped
/// value to the returned counter.
pub(super) fn guest_instance(engine: &Engine) -> (Store<()>, Instance, Arc<AtomicU32>) {
    let component = Component::new(engine, GUEST_RESOURCE).unwrap();
    let drops = Arc::new(AtomicU32::new(0));
    let mut linker: Linker<()> = Linker::new(engine);
    let d = drops.clone();
    linker
        .root()
        .func_new("note-drop", move |_, _, params, _| {
            let Val::U32(v) = params[0] else {
                unreachable!()
            };
            d.fetch_add(v, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    (store, instance, drops)
}

#[test]
fn guest_resources_and_their_destructors() {
    let engine = Engine::default();
    let (mut store, instance, drops) = guest_instance(&engine);
    let make = instance.get_func(&mut store, "make").unwrap();
    let get = instance.get_func(&mut store, "get").unwrap();
    let consume = instance.get_func(&mut store, "consume").unwrap();
    let mut out = [Val::Bool(false)];
    make.call(&mut store, &[Val::U32(7)], &mut out).unwrap();
    let Val::Resource(seven) = out[0].clone() else {
        panic!()
    };
    assert!(seven.owned());
    // Borrowing its own resource, the guest receives the representation.
    let borrowed = Val::Resource(seven);
    get.call(&mut store, &[borrowed], &mut out).unwrap();
    assert_eq!(out[0], Val::U32(7));
    // Giving it back: the guest drops it and its destructor runs.
    consume
        .call(&mut store, &[Val::Resource(seven)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(7));
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    // The host drops one: the guest's destructor runs.
    make.call(&mut store, &[Val::U32(9)], &mut out).unwrap();
    let Val::Resource(nine) = out[0].clone() else {
        panic!()
    };
    nine.resource_drop(&mut store).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 16);
}

#[test]
fn resource_tables_check_types_and_presence() {
    let mut table = ResourceTable::new();
    let a = table.push(1u32).unwrap();
    let b = table.push(String::from("x")).unwrap();
    assert_eq!(*table.get(&a).unwrap(), 1);
    *table.get_mut(&a).unwrap() += 1;
    let wrong = Resource::<String>::new_own(a.rep());
    assert!(table.get(&wrong).is_err());
    assert_eq!(table.delete(a).unwrap(), 2);
    assert!(table.get(&Resource::<u32>::new_own(0)).is_err());
    assert_eq!(table.delete(b).unwrap(), "x");
    assert!(table.is_empty());
}

#[test]
fn typed_signatures_carry_resources() {
    let engine = Engine::default();
    let component = Component::new(&engine, HOST_RESOURCE).unwrap();
    let mut linker: Linker<Host> = Linker::new(&engine);
    let mut root = linker.root();
    root.resource(
        "counter",
        ResourceType::host::<Counter>(),
        |mut store, rep| {
            let c = store
                .data_mut()
                .table
                .delete(Resource::<Counter>::new_own(rep))?;
            store.data_mut().dropped.push(c.0);
            Ok(())
        },
    )
    .unwrap();
    root.func_wrap("make", |mut store, (start,): (u32,)| {
        Ok((store.data_mut().table.push(Counter(start))?,))
    })
    .unwrap();
    root.func_wrap("bump", |mut store, (c,): (Resource<Counter>,)| {
        assert!(!c.owned());
        let counter = store.data_mut().table.get_mut(&c)?;
        counter.0 += 1;
        Ok((counter.0,))
    })
    .unwrap();
    let mut store = Store::new(&engine, Host::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), (12,));
    assert_eq!(store.data().dropped, vec![12]);
    let keep = instance
        .get_typed_func::<(), (Resource<Counter>,)>(&mut store, "keep")
        .unwrap();
    let (own,) = keep.call(&mut store, ()).unwrap();
    assert!(own.owned());
    let use_ = instance
        .get_typed_func::<(Resource<Counter>,), (u32,)>(&mut store, "use")
        .unwrap();
    let borrow = Resource::<Counter>::new_borrow(own.rep());
    assert_eq!(use_.call(&mut store, (borrow,)).unwrap(), (6,));
    // ResourceAny works in typed signatures too.
    let keep_any = instance
        .get_typed_func::<(), (ResourceAny,)>(&mut store, "keep")
        .unwrap();
    let (any,) = keep_any.call(&mut store, ()).unwrap();
    assert_eq!(any.ty(), ResourceType::host::<Counter>());
    any.resource_drop(&mut store).unwrap();
    // A resource of another host type is refused.
    let wrong = Resource::<String>::new_borrow(0);
    let use_wrong = instance
        .get_typed_func::<(Resource<String>,), (u32,)>(&mut store, "use")
        .unwrap();
    assert!(use_wrong.call(&mut store, (wrong,)).is_err());
    // Typed signatures still check the shape: a string is no handle.
    assert!(instance
        .get_typed_func::<(String,), (u32,)>(&mut store, "use")
        .is_err());
}

#[test]
fn unknown_resource_imports_can_be_stubbed() {
    let engine = Engine::default();
    let component = Component::new(&engine, HOST_RESOURCE).unwrap();
    let mut linker: Linker<Host> = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let mut store = Store::new(&engine, Host::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    // The stubbed `make` traps with a message naming it.
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    let err = run.call(&mut store, &[], &mut out).unwrap_err();
    assert!(
        format!("{err:?}").contains("unknown import: `make`"),
        "{err:?}"
    );
}

#[test]
fn exported_resource_types_are_found() {
    let engine = Engine::default();
    let component = Component::new(&engine, GUEST_RESOURCE).unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let ty = instance
        .get_resource(&mut store, "r")
        .expect("exported resource");
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::Bool(false)];
    make.call(&mut store, &[Val::U32(1)], &mut out).unwrap();
    let Val::Resource(r) = out[0].clone() else {
        panic!()
    };
    assert_eq!(r.ty(), ty);
    assert_ne!(ty, ResourceType::host::<Counter>());
    assert!(instance.get_resource(&mut store, "make").is_none());
    assert!(instance.get_func(&mut store, "r").is_none());
    // A second instance's resource type is another type.
    let other = linker.instantiate(&mut store, &component).unwrap();
    assert_ne!(other.get_resource(&mut store, "r"), Some(ty));
}

/// A root type import bounded `(eq ...)` to an earlier resource import
/// needs no definition, and one the linker has must be that resource.
#[test]
fn root_eq_resource_imports_are_checked() {
    struct A;
    struct B;
    let engine = Engine::default();
    let component = Component::new(
        &engine,
        r#"(component
             (import "a" (type $a (sub resource)))
             (import "b" (type $b (eq $a))))"#,
    )
    .unwrap();
    let linker_with = |b: Option<ResourceType>| {
        let mut linker: Linker<()> = Linker::new(&engine);
        let mut root = linker.root();
        root.resource("a", ResourceType::host::<A>(), |_, _| Ok(()))
            .unwrap();
        if let Some(b) = b {
            root.resource("b", b, |_, _| Ok(())).unwrap();
        }
        linker
    };
    assert!(linker_with(None).instantiate_pre(&component).is_ok());
    let same = ResourceType::host::<A>();
    assert!(linker_with(Some(same)).instantiate_pre(&component).is_ok());
    let err = linker_with(Some(ResourceType::host::<B>()))
        .instantiate_pre(&component)
        .err()
        .expect("a different resource must be refused");
    let text = format!("{err:#}");
    assert!(text.contains("component imports resource `b`"), "{text}");
    assert!(text.contains("mismatched resource types"), "{text}");
}
