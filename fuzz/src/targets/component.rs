//! The `component` target: mutated component binaries (seeded from a few
//! hand-written components that use strings, lists, records, variants,
//! imports and resources) must compile or fail cleanly; those that compile
//! are instantiated with every import defined as a trap, and each root
//! export is called once with default arguments and a little fuel.
//!
//! Errors are expected; panics are not. Accepting a component that
//! `wasmparser`'s validator rejects is a divergence.

use crate::generators;
use crate::Outcome;
use arbitrary::Unstructured;
use std::cell::RefCell;
use wasmtime::component::types::Type;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, Store};

const FUEL: u64 = 10_000;

const LIBC: &str = r#"
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))"#;

/// The seed components, in the text format.
fn seeds() -> Vec<String> {
    vec![
        format!(
            r#"(component {LIBC}
  (type $r' (record (field "a" u8) (field "b" string) (field "c" (list u16))))
  (import "r" (type $r (eq $r')))
  (import "echo" (func $echo (param "v" $r) (result $r)))
  (core func $echo (canon lower (func $echo) (memory (core memory $libc "memory"))
    (realloc (core func $libc "realloc"))))
  (core module $m
    (import "host" "echo" (func $echo (param i32 i32 i32 i32 i32 i32)))
    (func (export "run") (param i32 i32 i32 i32 i32) (result i32)
      (call $echo (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (i32.const 256))
      (i32.const 256)))
  (core instance $i (instantiate $m (with "host" (instance (export "echo" (func $echo))))))
  (func (export "run") (param "v" $r) (result $r)
    (canon lift (core func $i "run") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc")))))"#
        ),
        format!(
            r#"(component {LIBC}
  (type $v' (variant (case "none") (case "num" u64) (case "text" string) (case "f" f32)))
  (export $v "v" (type $v'))
  (core module $m
    (import "libc" "memory" (memory 1))
    (func (export "pick") (param i32) (result i32)
      (i32.store8 (i32.const 64) (local.get 0))
      (i64.store (i32.const 72) (i64.const 7))
      (i32.const 64))
    (func (export "greet") (param i32 i32) (result i32)
      (i32.store (i32.const 128) (local.get 0))
      (i32.store (i32.const 132) (local.get 1))
      (i32.const 128)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))))
  (func (export "pick") (param "n" u8) (result $v)
    (canon lift (core func $i "pick") (memory (core memory $libc "memory"))))
  (func (export "greet") (param "s" string) (result string)
    (canon lift (core func $i "greet") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc")))))"#
        ),
        r#"(component
  (core module $d (func (export "dtor") (param i32)))
  (core instance $d (instantiate $d))
  (alias core export $d "dtor" (core func $dtor))
  (type $r (resource (rep i32) (dtor (core func $dtor))))
  (core func $new (canon resource.new $r))
  (core func $rep (canon resource.rep $r))
  (core func $drop (canon resource.drop $r))
  (core module $m
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "rep" (func $rep (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "cycle") (param i32) (result i32)
      (local $h i32)
      (local.set $h (call $new (local.get 0)))
      (call $drop (call $new (i32.const 1)))
      (call $rep (local.get $h))))
  (core instance $i (instantiate $m (with "" (instance
    (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop))))))
  (func (export "cycle") (param "x" u32) (result u32) (canon lift (core func $i "cycle"))))"#
            .to_string(),
    ]
}

thread_local! {
    static STATE: RefCell<Option<(Engine, Vec<Vec<u8>>)>> = const { RefCell::new(None) };
}

fn state() -> (Engine, Vec<Vec<u8>>) {
    STATE.with(|s| {
        s.borrow_mut()
            .get_or_insert_with(|| {
                let mut config = Config::new();
                config.consume_fuel(true).parallel_compilation(false);
                let engine = Engine::new(&config).expect("engine");
                let seeds = seeds()
                    .iter()
                    .map(|w| wat::parse_str(w).expect("seed component"))
                    .collect();
                (engine, seeds)
            })
            .clone()
    })
}

/// The component bytes the target derives from `data`.
pub fn module(data: &[u8]) -> Option<Vec<u8>> {
    let (_, seeds) = state();
    let mut u = Unstructured::new(data);
    let mut wasm = seeds[u.choose_index(seeds.len()).ok()?].clone();
    if u.ratio(7u8, 8u8).ok()? {
        generators::mutate(&mut wasm, &mut u).ok()?;
    }
    Some(wasm)
}

/// A default value of `ty`, if it has one without resources.
fn default_val(ty: &Type) -> Option<Val> {
    Some(match ty {
        Type::Bool => Val::Bool(false),
        Type::S8 => Val::S8(0),
        Type::U8 => Val::U8(1),
        Type::S16 => Val::S16(0),
        Type::U16 => Val::U16(0),
        Type::S32 => Val::S32(0),
        Type::U32 => Val::U32(3),
        Type::S64 => Val::S64(0),
        Type::U64 => Val::U64(0),
        Type::Float32 => Val::Float32(0.0),
        Type::Float64 => Val::Float64(0.0),
        Type::Char => Val::Char('x'),
        Type::String => Val::String("fuzz".into()),
        Type::List(l) => Val::List(vec![default_val(&l.ty())?]),
        Type::Record(r) => Val::Record(
            r.fields()
                .map(|f| Some((f.name.to_string(), default_val(&f.ty)?)))
                .collect::<Option<_>>()?,
        ),
        Type::Tuple(t) => Val::Tuple(t.types().map(|t| default_val(&t)).collect::<Option<_>>()?),
        Type::Variant(v) => {
            let case = v.cases().next()?;
            let payload = match &case.ty {
                Some(t) => Some(Box::new(default_val(t)?)),
                None => None,
            };
            Val::Variant(case.name.to_string(), payload)
        }
        Type::Enum(e) => Val::Enum(e.names().next()?.to_string()),
        Type::Option(o) => Val::Option(Some(Box::new(default_val(&o.ty())?))),
        Type::Result(r) => Val::Result(Ok(match r.ok() {
            Some(t) => Some(Box::new(default_val(&t)?)),
            None => None,
        })),
        Type::Flags(f) => Val::Flags(f.names().take(1).map(str::to_string).collect()),
        // An empty map has no entries to get wrong; fixed-length lists
        // need their length, which the generator leaves out.
        Type::Map(_) => Val::Map(Vec::new()),
        Type::FixedLengthList(_) => return None,
        Type::Own(_) | Type::Borrow(_) => return None,
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => return None,
    })
}

/// The seed components in the binary format.
pub fn seed_components() -> Vec<Vec<u8>> {
    state().1
}

/// Runs one input.
pub fn run_one(data: &[u8]) -> Outcome {
    let Some(wasm) = module(data) else {
        return Outcome::Skipped;
    };
    run_component(&wasm).0
}

/// Runs one component; also returns how many export calls succeeded.
pub fn run_component(wasm: &[u8]) -> (Outcome, usize) {
    let (engine, _) = state();
    let valid = wasmparser::Validator::new_with_features(
        engine.wasm_features() | wasmparser::WasmFeatures::COMPONENT_MODEL,
    )
    .validate_all(wasm)
    .is_ok();
    let component = match Component::from_binary(&engine, wasm) {
        Ok(c) => c,
        Err(_) => return (Outcome::Pass, 0),
    };
    if !valid {
        return (
            Outcome::Divergence("accepted a component the validator rejects".into()),
            0,
        );
    }
    let mut linker: Linker<()> = Linker::new(&engine);
    if linker.define_unknown_imports_as_traps(&component).is_err() {
        return (Outcome::Pass, 0);
    }
    let mut store = Store::new(&engine, ());
    store.set_fuel(FUEL).expect("fuel");
    let Ok(instance) = linker.instantiate(&mut store, &component) else {
        return (Outcome::Pass, 0);
    };
    let mut ok = 0;
    for name in ["run", "pick", "greet", "cycle"] {
        let Some(func) = instance.get_func(&mut store, name) else {
            continue;
        };
        let ty = func.ty(&store);
        let Some(params) = ty
            .params()
            .map(|(_, t)| default_val(&t))
            .collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let mut results: Vec<Val> = ty.results().map(|_| Val::Bool(false)).collect();
        let _ = store.set_fuel(FUEL);
        if func.call(&mut store, &params, &mut results).is_ok() {
            ok += 1;
        }
    }
    (Outcome::Pass, ok)
}
