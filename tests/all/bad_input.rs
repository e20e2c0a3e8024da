//! Bad input gets a clear error, never a panic, crash or hang: malformed and
//! invalid modules, and a mutation fuzzer over valid modules.

use wasmtime::*;

#[test]
fn malformed_and_invalid_modules_are_errors_with_offsets() {
    let engine = Engine::default();
    let err = Module::new(&engine, b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
    assert!(format!("{err:?}").contains("offset"), "{err:?}");
    let invalid = wat::parse_str(r#"(module (func (result i32) i64.const 0))"#).unwrap();
    let err = Module::new(&engine, &invalid).unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("type mismatch") && text.contains("offset"),
        "{text}"
    );
    assert!(Module::new(&engine, "(module (func (oops)))").is_err());
    assert!(Module::new(&engine, b"").is_err());
    let simd = wat::parse_str(r#"(module (func (result v128) v128.const i64x2 0 0))"#).unwrap();
    let mut config = Config::new();
    config.wasm_simd(false).wasm_relaxed_simd(false);
    let no_simd = Engine::new(&config).unwrap();
    let err = Module::new(&no_simd, &simd).unwrap_err();
    assert!(
        format!("{err:?}").to_lowercase().contains("simd"),
        "a disabled SIMD proposal is named: {err:?}"
    );
}

/// Seed modules exercising most of the language. Every mutant that
/// validates is run with fuel, so loops and recursion terminate.
const SEEDS: &[&str] = &[
    r#"(module
        (memory 1)
        (func $spin (export "spin") (param i32) (result i32)
            (loop $l (result i32)
                (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 0)))
                (local.get 0)))
        (func (export "rec") (param i32) (result i32)
            (if (result i32) (local.get 0)
                (then (call 1 (i32.sub (local.get 0) (i32.const 1))))
                (else (i32.load (i32.const 0))))))
    "#,
    r#"(module
        (import "env" "f" (func $f (param i32) (result i32)))
        (import "env" "g" (global $g (mut i32)))
        (memory (export "m") 1 2)
        (table 4 funcref)
        (data (i32.const 8) "hello")
        (elem (i32.const 0) $a $b)
        (func $a (param i32) (result i32) local.get 0 i32.const 3 i32.mul)
        (func $b (param i32) (result i32) local.get 0 call $a call $f i32.const 1 i32.add)
        (func (export "run") (param i32) (result i32)
            (i32.store (i32.const 0) (call $b (local.get 0)))
            (global.set $g (i32.load (i32.const 0)))
            (block (result i32) (i32.div_u (global.get $g) (local.get 0)))))
    "#,
    r#"(module
        (global $x (mut i64) (i64.const 5))
        (func (export "f") (param f64 f32) (result i64 f64)
            (i64.trunc_sat_f64_s (local.get 0))
            (f64.add (local.get 0) (f64.promote_f32 (local.get 1))))
        (func (export "g") (result i64)
            (if (result i64) (i64.eqz (global.get $x))
                (then (i64.const 1))
                (else (i64.extend32_s (i64.const 0xffffffff))))))
    "#,
    r#"(module
        (memory 1)
        (table $t 3 externref)
        (data $d "abcdef")
        (elem $e func 0 1)
        (table $ft 2 funcref)
        (func (param externref) (result i32)
            (table.set $t (i32.const 1) (local.get 0))
            (memory.init $d (i32.const 0) (i32.const 1) (i32.const 4))
            (memory.copy (i32.const 10) (i32.const 0) (i32.const 4))
            (memory.fill (i32.const 20) (i32.const 7) (i32.const 10))
            (table.init $ft $e (i32.const 0) (i32.const 0) (i32.const 2))
            (data.drop $d)
            (ref.is_null (table.get $t (i32.const 1))))
        (func (export "go") (result i32) (call 0 (ref.null extern)))
        (func (export "br") (param i32) (result i32)
            (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 1))) (return (i32.const 2)))
            (i32.const 3)))
    "#,
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut m = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        match rng.below(4) {
            0 => {
                let i = rng.below(m.len());
                m[i] = rng.next() as u8;
            }
            1 => {
                let i = rng.below(m.len());
                m[i] ^= 1 << rng.below(8);
            }
            2 => {
                let i = rng.below(m.len() + 1);
                m.insert(i, rng.next() as u8);
            }
            _ => {
                let i = 8 + rng.below(m.len().saturating_sub(8).max(1));
                m.truncate(i);
            }
        }
        if m.is_empty() {
            m.push(0);
        }
    }
    m
}

fn dummy_import(store: &mut Store<StoreLimits>, ty: &ExternType) -> Result<Extern> {
    Ok(match ty {
        ExternType::Func(f) => {
            let results: Vec<ValType> = f.results().collect();
            Func::new(&mut *store, f.clone(), move |_, _, out| {
                for (o, t) in out.iter_mut().zip(&results) {
                    *o = default_val(t);
                }
                Ok(())
            })
            .into()
        }
        ExternType::Global(g) => {
            Global::new(&mut *store, g.clone(), default_val(g.content()))?.into()
        }
        ExternType::Table(t) => Table::new(
            &mut *store,
            TableType::new(
                t.element().clone(),
                t.minimum() as u32,
                t.maximum().map(|m| m as u32),
            ),
            if t.element().heap_type() == &HeapType::Func {
                Ref::Func(None)
            } else {
                Ref::Extern(None)
            },
        )?
        .into(),
        ExternType::Memory(m) => Memory::new(
            &mut *store,
            MemoryType::new(m.minimum() as u32, m.maximum().map(|m| m as u32)),
        )?
        .into(),
        ExternType::Tag(t) => Tag::new(&mut *store, t)?.into(),
    })
}

fn default_val(t: &ValType) -> Val {
    match t {
        ValType::I32 => Val::I32(1),
        ValType::I64 => Val::I64(1),
        ValType::F32 => Val::F32(1f32.to_bits()),
        ValType::F64 => Val::F64(1f64.to_bits()),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
}

#[test]
fn ten_thousand_mutated_modules() -> Result<()> {
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config)?;
    let seeds: Vec<Vec<u8>> = SEEDS.iter().map(|s| wat::parse_str(s).unwrap()).collect();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut valid, mut ran, mut calls, mut out_of_fuel) = (0, 0, 0, 0);
    for i in 0..10_000 {
        let wasm = mutate(&mut rng, &seeds[i % seeds.len()]);
        let Ok(module) = Module::new(&engine, &wasm) else {
            continue;
        };
        valid += 1;
        // Fuel bounds the time and the limiter the memory every mutant may
        // use, so each one that instantiates is run.
        let limits = StoreLimitsBuilder::new()
            .memory_size(64 * 65536)
            .table_elements(10_000)
            .build();
        let mut store = Store::new(&engine, limits);
        store.limiter(|l| l);
        store.set_fuel(100_000)?;
        let imports: Vec<Extern> = module
            .imports()
            .map(|i| dummy_import(&mut store, &i.ty()))
            .collect::<Result<_>>()?;
        let Ok(instance) = Instance::new(&mut store, &module, &imports) else {
            continue;
        };
        ran += 1;
        let funcs: Vec<Func> = instance
            .exports(&mut store)
            .filter_map(|e| e.into_func())
            .collect();
        for f in funcs {
            let ty = f.ty(&store);
            let params: Vec<Val> = ty.params().map(|t| default_val(&t)).collect();
            let mut results: Vec<Val> = ty.results().map(|t| default_val(&t)).collect();
            if let Err(e) = f.call(&mut store, &params, &mut results) {
                if e.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
                    out_of_fuel += 1;
                    store.set_fuel(100_000)?;
                }
            }
            calls += 1;
        }
    }
    println!(
        "{valid} of 10000 mutants validated, {ran} instantiated, {calls} calls made, \
         {out_of_fuel} stopped by fuel"
    );
    assert!(
        out_of_fuel > 0,
        "no mutant looped: the loop seed is not exercised"
    );
    assert!(
        valid > 500,
        "too few valid mutants ({valid}): the mutator is too destructive"
    );
    assert!(ran > 100 && calls > 100, "too few runs ({ran}, {calls})");
    Ok(())
}

/// Names in the (unvalidated) name section for functions or locals that do
/// not exist are ignored, never a panic.
#[test]
fn name_section_indices_out_of_range_are_ignored() -> Result<()> {
    let engine = Engine::default();
    let header = b"\0asm\x01\0\0\0".as_slice();
    // Function names: one mapping for function index u32::MAX.
    let func_names = [
        header,
        b"\x00\x0e\x04name\x01\x07\x01\xff\xff\xff\xff\x0f\x00",
    ]
    .concat();
    // Local names for function u32::MAX, and for local u32::MAX of
    // function 0 (which does not exist either).
    let local_names = [
        header,
        b"\x00\x10\x04name\x02\x09\x01\xff\xff\xff\xff\x0f\x01\x00\x00",
    ]
    .concat();
    let local_index = [
        header,
        b"\x00\x10\x04name\x02\x09\x01\x00\x01\xff\xff\xff\xff\x0f\x00",
    ]
    .concat();
    for bytes in [func_names, local_names, local_index] {
        Module::new(&engine, &bytes)?;
    }
    // A real function with an out-of-range name next to a valid one keeps
    // the valid name.
    let module = Module::new(&engine, r#"(module (func $real (export "f") unreachable))"#)?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<(), ()>(&mut store, "f")?;
    let err = f.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:?}").contains("real"), "{err:?}");
    Ok(())
}
