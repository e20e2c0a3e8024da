//! `Component::component_type` (imports and exports with their types) and
//! `Component::image_range`.

use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::Component;
use wasmtime::Engine;

const COMPONENT: &str = r#"(component
  (import "f" (func (param "x" u32) (result string)))
  (import "host" (instance
    (export "r" (type (sub resource)))
    (export "g" (func))))
  (import "res" (type (sub resource)))
  (core module $m (func (export "run") (result i32) i32.const 1))
  (core instance $i (instantiate $m))
  (func $run (result u32) (canon lift (core func $i "run")))
  (export "run" (func $run))
  (type $rec (record (field "a" u8) (field "b" (list string))))
  (export "rec" (type $rec))
  (instance $api (export "run2" (func $run)))
  (export "api" (instance $api)))"#;

fn names<'a>(items: impl Iterator<Item = (&'a str, impl Sized)>) -> Vec<&'a str> {
    items.map(|(n, _)| n).collect()
}

#[test]
fn component_type_lists_imports_and_exports() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let ty = component.component_type();

    assert_eq!(names(ty.imports(&engine)), ["f", "host", "res"]);
    let ComponentItem::ComponentFunc(f) = ty.get_import(&engine, "f").unwrap().ty else {
        panic!("`f` is not a function")
    };
    let params: Vec<_> = f.params().map(|(n, t)| (n.to_string(), t)).collect();
    assert_eq!(params, [("x".to_string(), Type::U32)]);
    assert_eq!(f.results().collect::<Vec<_>>(), [Type::String]);

    let ComponentItem::ComponentInstance(host) = ty.get_import(&engine, "host").unwrap().ty else {
        panic!("`host` is not an instance")
    };
    assert_eq!(names(host.exports(&engine)), ["r", "g"]);
    let ComponentItem::Resource(r) = host.get_export(&engine, "r").unwrap().ty else {
        panic!("`r` is not a resource")
    };
    assert!(matches!(
        host.get_export(&engine, "g").unwrap().ty,
        ComponentItem::ComponentFunc(_)
    ));
    let ComponentItem::Resource(res) = ty.get_import(&engine, "res").unwrap().ty else {
        panic!("`res` is not a resource")
    };
    assert_ne!(r, res);
    assert!(ty.get_import(&engine, "missing").is_none());

    assert_eq!(names(ty.exports(&engine)), ["run", "rec", "api"]);
    let ComponentItem::ComponentFunc(run) = ty.get_export(&engine, "run").unwrap().ty else {
        panic!("`run` is not a function")
    };
    assert_eq!(run.params().len(), 0);
    assert_eq!(run.results().collect::<Vec<_>>(), [Type::U32]);
    let ComponentItem::Type(Type::Record(rec)) = ty.get_export(&engine, "rec").unwrap().ty else {
        panic!("`rec` is not a record type")
    };
    let fields: Vec<_> = rec.fields().map(|f| f.name.to_string()).collect();
    assert_eq!(fields, ["a", "b"]);
    let ComponentItem::ComponentInstance(api) = ty.get_export(&engine, "api").unwrap().ty else {
        panic!("`api` is not an instance")
    };
    assert_eq!(names(api.exports(&engine)), ["run2"]);
    let extern_ = api.get_export(&engine, "run2").unwrap();
    assert!(matches!(extern_.ty, ComponentItem::ComponentFunc(_)));
    assert_eq!(extern_.implements, None);
    assert!(!extern_.is_implements("run2"));
    assert!(ty.get_export(&engine, "missing").is_none());
}

#[test]
fn image_range_covers_the_compiled_code() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let range = component.image_range();
    assert!(!range.start.is_null());
    assert!(range.start < range.end);
    let empty = Component::new(&engine, "(component)").unwrap();
    assert!(empty.image_range().is_empty());
    // A core module has its own range.
    let module = wasmtime::Module::new(&engine, "(module (func (export \"f\")))").unwrap();
    let m = module.image_range();
    assert!(m.start < m.end);
}
