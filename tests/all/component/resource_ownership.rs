//! Ownership of resource handles the host holds: a `ResourceAny` names a
//! handle in its store, and once that handle is dropped or moved into a
//! guest every copy of it is stale; an owned `Resource<T>` moves into a
//! guest once. No destructor ever runs twice.

use super::resources::{guest_instance, host_linker, Counter, Host, HOST_RESOURCE};
use std::sync::atomic::Ordering;
use wasmtime::component::{Component, Instance, Linker, Resource, ResourceAny, Val};
use wasmtime::{Engine, Store};

fn make(store: &mut Store<()>, instance: &Instance, v: u32) -> ResourceAny {
    let make = instance.get_func(&mut *store, "make").unwrap();
    let mut out = [Val::Bool(false)];
    make.call(&mut *store, &[Val::U32(v)], &mut out).unwrap();
    let Val::Resource(r) = out[0].clone() else {
        panic!("make returns a resource")
    };
    r
}

#[test]
fn a_handle_dropped_twice_runs_its_destructor_once() {
    let engine = Engine::default();
    let (mut store, instance, drops) = guest_instance(&engine);
    let seven = make(&mut store, &instance, 7);
    let copy = seven;
    seven.resource_drop(&mut store).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    let err = copy.resource_drop(&mut store).unwrap_err();
    assert!(err.to_string().contains("already de-allocated"), "{err}");
    assert_eq!(drops.load(Ordering::SeqCst), 7);
    // A handle made later does not revive the stale copy, even though it
    // may reuse the slot.
    let eight = make(&mut store, &instance, 8);
    assert!(copy.resource_drop(&mut store).is_err());
    eight.resource_drop(&mut store).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 15);
}

#[test]
fn a_handle_moved_into_a_guest_is_stale() {
    let engine = Engine::default();
    let (mut store, instance, drops) = guest_instance(&engine);
    let consume = instance.get_func(&mut store, "consume").unwrap();
    let get = instance.get_func(&mut store, "get").unwrap();
    let five = make(&mut store, &instance, 5);
    let mut out = [Val::Bool(false)];
    consume
        .call(&mut store, &[Val::Resource(five)], &mut out)
        .unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    // Moving it again, lending it, or dropping it: all errors, no
    // destructor.
    let err = consume
        .call(&mut store, &[Val::Resource(five)], &mut out)
        .unwrap_err();
    assert!(err.to_string().contains("already de-allocated"), "{err}");
    assert!(get
        .call(&mut store, &[Val::Resource(five)], &mut out)
        .is_err());
    assert!(five.resource_drop(&mut store).is_err());
    assert_eq!(drops.load(Ordering::SeqCst), 5);
    // The instance is still usable.
    let six = make(&mut store, &instance, 6);
    get.call(&mut store, &[Val::Resource(six)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(6));
    six.resource_drop(&mut store).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 11);
}

#[test]
fn a_borrow_is_not_lowered_as_own_and_is_dropped_once() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Host::default());
    let r = store.data_mut().table.push(Counter(1)).unwrap();
    let borrow =
        ResourceAny::try_from_resource(Resource::<Counter>::new_borrow(r.rep()), &mut store)
            .unwrap();
    assert!(!borrow.owned());
    // Dropping a borrow runs no destructor and ends it.
    borrow.resource_drop(&mut store).unwrap();
    assert!(borrow.resource_drop(&mut store).is_err());
    assert_eq!(store.data().table.get(&r).unwrap().0, 1);

    let (mut gstore, instance, drops) = guest_instance(&engine);
    let consume = instance.get_func(&mut gstore, "consume").unwrap();
    let nine = make(&mut gstore, &instance, 9);
    let lent = {
        let typed: Resource<Counter> = Resource::new_borrow(0);
        ResourceAny::try_from_resource(typed, &mut gstore).unwrap()
    };
    let mut out = [Val::Bool(false)];
    let err = consume
        .call(&mut gstore, &[Val::Resource(lent)], &mut out)
        .unwrap_err();
    assert!(
        err.to_string().contains("mismatched resource types"),
        "{err}"
    );
    nine.resource_drop(&mut gstore).unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 9);
}

#[test]
fn an_owned_typed_resource_moves_into_a_guest_once() {
    // A component that takes an owned counter and drops it.
    const TAKE: &str = r#"(component
      (import "counter" (type $c (sub resource)))
      (core func $drop (canon resource.drop $c))
      (core module $m
        (import "" "drop" (func $drop (param i32)))
        (func (export "take") (param i32) (call $drop (local.get 0))))
      (core instance $i (instantiate $m (with "" (instance (export "drop" (func $drop))))))
      (func (export "take") (param "c" (own $c)) (canon lift (core func $i "take"))))"#;
    let engine = Engine::default();
    let component = Component::new(&engine, TAKE).unwrap();
    // `host_linker` defines `counter` with a destructor that records the
    // dropped count; TAKE ignores its other functions.
    let mut linker = host_linker(&engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let mut store = Store::new(&engine, Host::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let take = instance
        .get_typed_func::<(&Resource<Counter>,), ()>(&mut store, "take")
        .unwrap();
    let r = store.data_mut().table.push(Counter(3)).unwrap();
    take.call(&mut store, (&r,)).unwrap();
    assert_eq!(store.data().dropped, vec![3]);
    let err = take.call(&mut store, (&r,)).unwrap_err();
    assert!(err.to_string().contains("already consumed"), "{err}");
    assert!(ResourceAny::try_from_resource(r, &mut store).is_err());
    assert_eq!(store.data().dropped, vec![3]);
}

#[test]
fn converting_a_handle_back_takes_it_out_of_the_store() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Host::default());
    let r = store.data_mut().table.push(Counter(4)).unwrap();
    let rep = r.rep();
    let any = ResourceAny::try_from_resource(r, &mut store).unwrap();
    let copy = any;
    let back: Resource<Counter> = any.try_into_resource(&mut store).unwrap();
    assert_eq!(back.rep(), rep);
    assert!(back.owned());
    assert!(copy.try_into_resource::<Counter>(&mut store).is_err());
    assert!(copy.resource_drop(&mut store).is_err());
    // Of the wrong type, the handle stays where it is.
    let any = ResourceAny::try_from_resource(back, &mut store).unwrap();
    assert!(any.try_into_resource::<String>(&mut store).is_err());
    assert!(any.try_into_resource::<Counter>(&mut store).is_ok());
}

#[derive(Default)]
struct LendHost {
    table: wasmtime::component::ResourceTable,
    held: Option<ResourceAny>,
    drop_error: Option<String>,
    dropped: Vec<u32>,
}

#[test]
fn an_owned_handle_lent_to_a_call_cannot_be_dropped_during_it() {
    let engine = Engine::default();
    let component = Component::new(&engine, HOST_RESOURCE).unwrap();
    let mut linker: Linker<LendHost> = Linker::new(&engine);
    let mut root = linker.root();
    root.resource(
        "counter",
        wasmtime::component::ResourceType::host::<Counter>(),
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
    root.func_new("make", |_, _, _, _| unreachable!()).unwrap();
    // While the guest borrows the host's handle, the host tries to drop it.
    root.func_new("bump", |mut store, _, params, results| {
        let held = store.data().held.expect("a held handle");
        if let Err(e) = held.resource_drop(&mut store) {
            store.data_mut().drop_error = Some(e.to_string());
        }
        let Val::Resource(any) = params[0] else {
            unreachable!()
        };
        let r: Resource<Counter> = any.try_into_resource(&mut store)?;
        let counter = store.data_mut().table.get_mut(&r)?;
        counter.0 += 1;
        results[0] = Val::U32(counter.0);
        Ok(())
    })
    .unwrap();
    let mut store = Store::new(&engine, LendHost::default());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let r = store.data_mut().table.push(Counter(1)).unwrap();
    let held = ResourceAny::try_from_resource(r, &mut store).unwrap();
    store.data_mut().held = Some(held);
    let use_ = instance.get_func(&mut store, "use").unwrap();
    let mut out = [Val::Bool(false)];
    use_.call(&mut store, &[Val::Resource(held)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32(2));
    let err = store.data_mut().drop_error.take().expect("drop refused");
    assert!(err.contains("while borrowed"), "{err}");
    assert!(store.data().dropped.is_empty());
    // After the call the lend is over: the handle drops, once.
    held.resource_drop(&mut store).unwrap();
    assert_eq!(store.data().dropped, vec![2]);

    // A call that fails still ends its lends.
    let r = store.data_mut().table.push(Counter(5)).unwrap();
    let held = ResourceAny::try_from_resource(r, &mut store).unwrap();
    let leak = instance.get_func(&mut store, "leak").unwrap();
    store.data_mut().held = Some(held);
    assert!(leak
        .call(&mut store, &[Val::Resource(held)], &mut out)
        .is_err());
    held.resource_drop(&mut store).unwrap();
    assert_eq!(store.data().dropped, vec![2, 6]);
}
