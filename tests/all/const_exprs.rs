//! WebAssembly 3.0 constant expressions: `global.get` of module-defined
//! immutable globals (with extended-const arithmetic) in global
//! initializers, data and element offsets and element items; and the GC
//! constructs that stay rejected although validation uses wasmparser's GC
//! flag for that rule.

use wasmtime::*;

/// Instantiates `wat` with one imported `i32` global holding `base`.
fn instantiate(wat: &str, base: i32) -> Result<(Store<()>, Instance)> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, wat)?;
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I32, Mutability::Const),
        Val::I32(base),
    )?;
    let instance = Instance::new(&mut store, &module, &[g.into()])?;
    Ok((store, instance))
}

#[test]
fn globals_read_earlier_defined_globals_in_order() -> Result<()> {
    let wat = r#"(module
        (import "" "base" (global $base i32))
        (global $a i32 (i32.add (global.get $base) (i32.const 5)))
        (global $b i32 (i32.mul (global.get $a) (global.get $a)))
        (global $c i32 (i32.sub (global.get $b) (global.get $base)))
        (global $w i64 (i64.const 40))
        (global $x i64 (i64.add (global.get $w) (i64.mul (global.get $w) (i64.const 3))))
        (global $m (mut i32) (global.get $c))
        (global (export "a") i32 (global.get $a))
        (global (export "b") i32 (global.get $b))
        (global (export "c") i32 (global.get $c))
        (global (export "x") i64 (global.get $x))
        (func (export "m") (result i32) global.get $m))"#;
    for base in [0, 7, -3, i32::MAX] {
        let (mut store, instance) = instantiate(wat, base)?;
        let a = base.wrapping_add(5);
        let b = a.wrapping_mul(a);
        let c = b.wrapping_sub(base);
        let get = |store: &mut Store<()>, name: &str| {
            instance
                .get_global(&mut *store, name)
                .unwrap()
                .get(&mut *store)
        };
        assert_eq!(get(&mut store, "a").i32(), Some(a));
        assert_eq!(get(&mut store, "b").i32(), Some(b));
        assert_eq!(get(&mut store, "c").i32(), Some(c));
        assert_eq!(get(&mut store, "x").i64(), Some(40 + 40 * 3));
        let m = instance.get_typed_func::<(), i32>(&mut store, "m")?;
        assert_eq!(m.call(&mut store, ())?, c);
    }
    Ok(())
}

#[test]
fn data_and_elem_offsets_read_defined_globals() -> Result<()> {
    let wat = r#"(module
        (import "" "base" (global $base i32))
        (memory (export "mem") 1)
        (table (export "t") 16 funcref)
        (global $off i32 (i32.mul (global.get $base) (i32.const 2)))
        (global $eoff i32 (i32.add (global.get $base) (i32.const 1)))
        (global $f funcref (ref.func $seven))
        (func $seven (result i32) i32.const 7)
        (func $nine (result i32) i32.const 9)
        (data (global.get $off) "\2a\2b")
        (data (i32.add (global.get $off) (i32.const 8)) "\2c")
        (elem (table 0) (global.get $eoff) funcref (global.get $f) (ref.func $nine))
        (func (export "call") (param i32) (result i32)
            local.get 0 call_indirect (result i32)))"#;
    for base in [0, 3, 5] {
        let (mut store, instance) = instantiate(wat, base)?;
        let mem = instance.get_memory(&mut store, "mem").unwrap();
        let off = (base * 2) as usize;
        let data = mem.data(&store);
        assert_eq!(&data[off..off + 2], &[0x2a, 0x2b]);
        assert_eq!(data[off + 8], 0x2c);
        // Nothing else was written.
        let written = data.iter().filter(|b| **b != 0).count();
        assert_eq!(written, 3);
        let call = instance.get_typed_func::<i32, i32>(&mut store, "call")?;
        assert_eq!(call.call(&mut store, base + 1)?, 7);
        assert_eq!(call.call(&mut store, base + 2)?, 9);
        let err = call.call(&mut store, base).unwrap_err();
        assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::IndirectCallToNull));
    }
    // An offset computed from defined globals is still bounds-checked.
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module (memory 1)
            (global $o i32 (i32.const 65535))
            (global $p i32 (i32.add (global.get $o) (i32.const 1)))
            (data (global.get $p) "x"))"#,
    )?;
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::MemoryOutOfBounds));
    Ok(())
}

/// Asserts that `wat` fails to compile with `engine`, with a message
/// containing `needle`.
fn rejects(engine: &Engine, wat: &str, needle: &str) {
    match Module::new(engine, wat) {
        Ok(_) => panic!("module was accepted: {wat}"),
        Err(e) => {
            let msg = format!("{e:?}");
            assert!(msg.contains(needle), "`{msg}` lacks `{needle}` for {wat}");
        }
    }
}

#[test]
fn const_exprs_still_reject_what_3_0_forbids() {
    let engine = Engine::default();
    // Mutable globals, later globals and the global itself stay invalid.
    rejects(
        &engine,
        "(module (global $m (mut i32) (i32.const 1)) (global i32 (global.get $m)))",
        "mutable global",
    );
    rejects(
        &engine,
        "(module (global i32 (global.get 1)) (global i32 (i32.const 1)))",
        "global",
    );
    rejects(&engine, "(module (global i32 (global.get 0)))", "global");
    // Without extended-const, arithmetic is not constant.
    let mut config = Config::new();
    config.wasm_extended_const(false);
    let no_ext = Engine::new(&config).unwrap();
    rejects(
        &no_ext,
        "(module (global $a i32 (i32.const 1)) (global i32 (i32.add (global.get $a) (i32.const 1))))",
        "constant expression required",
    );
}

#[test]
fn gc_constructs_are_rejected_without_gc() {
    let mut config = Config::new();
    config.wasm_gc(false);
    let engine = Engine::new(&config).unwrap();
    let cases = [
        ("(module (type (struct (field i32))))", "gc"),
        ("(module (type (array i8)))", "gc"),
        ("(module (type (sub (func))))", "gc"),
        ("(module (rec (type (func)) (type (func))))", "gc"),
        ("(module (global anyref (ref.null any)))", "gc"),
        ("(module (global eqref (ref.null eq)))", "gc"),
        ("(module (global i31ref (ref.null i31)))", "gc"),
        ("(module (global (ref null none) (ref.null none)))", "gc"),
        (
            "(module (global (ref null nofunc) (ref.null nofunc)))",
            "gc",
        ),
        ("(module (table 1 anyref))", "gc"),
        ("(module (import \"\" \"g\" (global structref)))", "gc"),
        ("(module (func (param arrayref)))", "gc"),
        ("(module (func (local i31ref)))", "gc"),
        ("(module (elem anyref))", "gc"),
        (
            "(module (global externref (extern.convert_any (ref.null any))))",
            "gc",
        ),
        (
            "(module (func (result i32) i32.const 1 ref.i31 i31.get_s))",
            "gc",
        ),
        (
            "(module (func (param funcref funcref) (result i32) local.get 0 local.get 1 ref.eq))",
            "gc",
        ),
        (
            "(module (func (param funcref) (result i32) local.get 0 ref.test funcref))",
            "gc",
        ),
        // A function type referring to itself needs GC's recursive types.
        (
            "(module (type $t (func (param (ref null $t)))))",
            "GC proposal is disabled",
        ),
    ];
    for (wat, needle) in cases {
        rejects(&engine, wat, needle);
        // Validation alone agrees with compilation.
        assert!(
            Module::validate(&engine, &wat::parse_str(wat).unwrap()).is_err(),
            "validated: {wat}"
        );
    }
    // With GC enabled the types and heap-free operators are accepted.
    let mut config = Config::new();
    config.wasm_gc(true);
    let gc = Engine::new(&config).unwrap();
    Module::new(&gc, "(module (rec (type (func)) (type (sub (func)))))").unwrap();
    Module::new(&gc, "(module (global i31ref (ref.i31 (i32.const 1))))").unwrap();
}

#[test]
fn concrete_reference_types_need_function_references() {
    let mut config = Config::new();
    config.wasm_gc(false).wasm_function_references(false);
    let engine = Engine::new(&config).unwrap();
    let wat = "(module (type $f (func)) (global (ref null $f) (ref.null $f)))";
    rejects(&engine, wat, "function references");
    rejects(
        &engine,
        "(module (type $f (func)) (table 1 (ref null $f)))",
        "function references",
    );
    assert!(Module::new(&Engine::default(), wat).is_ok());
}
