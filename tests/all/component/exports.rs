//! `Instance::get_export` and `Component::get_export` give the exported
//! item's `types::ComponentItem` (as in Wasmtime 48) with its index.

use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

const WAT: &str = r#"(component
  (type $r (resource (rep i32)))
  (type $point (record (field "x" u32) (field "y" u32)))
  (export $r2 "r" (type $r))
  (export "point" (type $point))
  (core module $m (func (export "f") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $f (param "a" u32) (result u32) (canon lift (core func $i "f")))
  (instance $api (export "f" (func $f)))
  (export "api" (instance $api))
)"#;

#[test]
fn get_export_gives_types_component_item() {
    let engine = Engine::default();
    let component = Component::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();

    // The instance's view: resource types are the instance's own.
    let (item, index) = instance.get_export(&mut store, None, "r").unwrap();
    let ComponentItem::Resource(r) = item else {
        panic!("`r` is not a resource: {item:?}")
    };
    assert_eq!(Some(r), instance.get_resource(&mut store, &index));
    let (item, _) = instance.get_export(&mut store, None, "point").unwrap();
    let ComponentItem::Type(Type::Record(rec)) = item else {
        panic!("`point` is not a record: {item:?}")
    };
    assert_eq!(rec.fields().map(|f| f.name).collect::<Vec<_>>(), ["x", "y"]);
    let (item, api) = instance.get_export(&mut store, None, "api").unwrap();
    let ComponentItem::ComponentInstance(api_ty) = item else {
        panic!("`api` is not an instance: {item:?}")
    };
    assert!(api_ty.get_export(&engine, "f").is_some());
    let (item, f) = instance.get_export(&mut store, Some(&api), "f").unwrap();
    let ComponentItem::ComponentFunc(fty) = item else {
        panic!("`f` is not a function: {item:?}")
    };
    assert_eq!(fty.param_names().collect::<Vec<_>>(), ["a"]);
    assert!(instance.get_func(&mut store, &f).is_some());
    assert!(instance.get_export(&mut store, None, "nope").is_none());

    // The component's view: the same indices, placeholder resources.
    let (item, f2) = component.get_export(Some(&api), "f").unwrap();
    assert!(matches!(item, ComponentItem::ComponentFunc(_)));
    assert!(instance.get_func(&mut store, &f2).is_some());
    let (item, _) = component.get_export(None, String::from("r")).unwrap();
    let ComponentItem::Resource(placeholder) = item else {
        panic!("`r` is not a resource: {item:?}")
    };
    assert_ne!(placeholder, r);
    // An index is its own lookup.
    let again = component.get_export_index(None, &index).unwrap();
    assert_eq!(instance.get_resource(&mut store, &again), Some(r));
}
