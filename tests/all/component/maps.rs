//! `map<K, V>` and fixed-length `list<T, N>` values (behind
//! `Config::wasm_component_model_map` and
//! `Config::wasm_component_model_fixed_length_lists`): round trips through
//! core values and linear memory, their types, and wrong values refused.

use super::abi_values::echo_component;
use wasmtime::component::types::Type;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, Store};

fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_component_model_map(true);
    config.wasm_component_model_fixed_length_lists(true);
    Engine::new(&config).unwrap()
}

/// Calls `run` of [`echo_component`] with each value, checking that the
/// host import and the caller both see it unchanged; returns the type of
/// `run`'s parameter.
fn round_trip(ty: &str, flat: &[&str], values: &[Val]) -> Type {
    let engine = engine();
    let component = echo_component(&engine, ty, flat);
    let mut linker: Linker<Vec<Val>> = Linker::new(&engine);
    linker
        .root()
        .func_new("echo", |mut store, _ty, params, results| {
            store.data_mut().push(params[0].clone());
            results[0] = params[0].clone();
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    for v in values {
        let mut out = [Val::Bool(false)];
        run.call(&mut store, std::slice::from_ref(v), &mut out)
            .unwrap_or_else(|e| panic!("{ty}: {v:?}: {e:?}"));
        assert_eq!(&out[0], v, "{ty}");
        assert_eq!(store.data().last(), Some(v), "{ty}: the host saw the value");
    }
    let ty = run.ty(&store).params().next().unwrap().1;
    ty
}

fn s(x: &str) -> Val {
    Val::String(x.to_string())
}

#[test]
fn maps_round_trip_with_their_entries_in_order() {
    let maps = [
        Val::Map(vec![]),
        Val::Map(vec![(s("one"), Val::U32(1)), (s("two"), Val::U32(2))]),
        // Entries keep their order, and a repeated key is passed as is.
        Val::Map(vec![
            (s("b"), Val::U32(1)),
            (s("a"), Val::U32(2)),
            (s("b"), Val::U32(3)),
        ]),
    ];
    let ty = round_trip("(map string u32)", &["i32", "i32"], &maps);
    let Type::Map(m) = ty else { panic!("{ty:?}") };
    assert_eq!((m.key(), m.value()), (Type::String, Type::U32));
    // A map inside a record, with compound values.
    round_trip(
        "(record (field \"m\" (map u8 (list string))) (field \"n\" u64))",
        &["i32", "i32", "i64"],
        &[Val::Record(vec![
            (
                "m".into(),
                Val::Map(vec![(Val::U8(7), Val::List(vec![s("x"), s("yz")]))]),
            ),
            ("n".into(), Val::U64(u64::MAX)),
        ])],
    );
}

#[test]
fn fixed_length_lists_are_inline() {
    let ty = round_trip(
        "(list u16 3)",
        &["i32", "i32", "i32"],
        &[Val::FixedLengthList(vec![
            Val::U16(1),
            Val::U16(2),
            Val::U16(65535),
        ])],
    );
    let Type::FixedLengthList(l) = ty else {
        panic!("{ty:?}")
    };
    assert_eq!((l.ty(), l.len()), (Type::U16, 3));
    // One flat value: passed and returned directly.
    round_trip(
        "(list f64 1)",
        &["f64"],
        &[Val::FixedLengthList(vec![Val::Float64(2.5)])],
    );
    // Strings inside, in a tuple.
    round_trip(
        "(tuple (list string 2) u8)",
        &["i32", "i32", "i32", "i32", "i32"],
        &[Val::Tuple(vec![
            Val::FixedLengthList(vec![s("a"), s("bcd")]),
            Val::U8(9),
        ])],
    );
}

#[test]
fn wrong_values_and_disabled_features_are_errors() {
    let engine = engine();
    let component = echo_component(&engine, "(list u32 2)", &["i32", "i32"]);
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_new("echo", |_, _, params, results| {
            results[0] = params[0].clone();
            Ok(())
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::Bool(false)];
    let err = run
        .call(
            &mut store,
            &[Val::FixedLengthList(vec![Val::U32(1)])],
            &mut out,
        )
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("expected a fixed-length list of 2 values, found 1"),
        "{err:?}"
    );
    let err = run
        .call(
            &mut store,
            &[Val::List(vec![Val::U32(1), Val::U32(2)])],
            &mut out,
        )
        .unwrap_err();
    assert!(format!("{err:?}").contains("type mismatch"), "{err:?}");

    // Without the features, such components do not validate.
    let plain = Engine::default();
    for ty in ["(map string u32)", "(list u32 2)"] {
        let wat = format!(r#"(component (type $t {ty}) (import "f" (func (param "x" $t))))"#);
        assert!(Component::new(&plain, &wat).is_err(), "{ty}");
        assert!(Component::new(&engine, &wat).is_ok(), "{ty}");
    }
}

/// `HashMap<K, V>` stands for `map<K, V>` and `[T; N]` for `list<T, N>` in
/// the typed API, both ways (a typed host function and a typed export).
#[test]
fn typed_maps_and_arrays() {
    use std::collections::HashMap;
    let engine = engine();

    let component = echo_component(&engine, "(map string u32)", &["i32", "i32"]);
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("echo", |_, (m,): (HashMap<String, u32>,)| Ok((m,)))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<(HashMap<String, u32>,), (HashMap<String, u32>,)>(&mut store, "run")
        .unwrap();
    let m: HashMap<String, u32> = [("a".to_string(), 1), ("b".to_string(), 2)].into();
    assert_eq!(run.call(&mut store, (m.clone(),)).unwrap().0, m);
    let err = instance
        .get_typed_func::<(HashMap<String, u64>,), (HashMap<String, u32>,)>(&mut store, "run")
        .unwrap_err();
    assert!(format!("{err:?}").contains("map value"), "{err:?}");

    let component = echo_component(&engine, "(list u16 3)", &["i32", "i32", "i32"]);
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("echo", |_, (a,): ([u16; 3],)| Ok(([a[2], a[1], a[0]],)))
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance
        .get_typed_func::<([u16; 3],), ([u16; 3],)>(&mut store, "run")
        .unwrap();
    assert_eq!(run.call(&mut store, ([1, 2, 3],)).unwrap().0, [3, 2, 1]);
    assert!(instance
        .get_typed_func::<([u16; 2],), ([u16; 3],)>(&mut store, "run")
        .is_err());
}
