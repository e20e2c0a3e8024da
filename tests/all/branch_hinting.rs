//! The branch-hinting proposal (`Config::wasm_branch_hinting`): hints in the
//! `metadata.code.branch_hint` section only move code around, so a hinted
//! module computes exactly what it computes without hints, whichever way
//! the hints point and however the engine is configured; a malformed
//! section is ignored, never an error; and artifacts compiled with hints
//! load into engines without them. (That the hints do move the unlikely
//! code after the hot path is checked on the machine code, in
//! `crates/cranelift/tests/branch_hints.rs`.)

use wasmtime::*;

/// Functions with hinted `if`s and `br_if`s of every shape the translator
/// handles: with and without `else`, with block parameters and results,
/// `br_if` out of blocks (with values) and back to loops (plain and
/// unrolled ones), nested. `H0`..`H5` are replaced by hint annotations (or
/// nothing). Each export maps an `i32` to an `i32`.
const HINTED: &str = r#"(module
  (memory 1)
  (func (export "if_else") (param $x i32) (result i32)
    local.get $x
    H0
    if (result i32)
      (i32.mul (local.get $x) (i32.const 3))
    else
      (i32.sub (i32.const 100) (local.get $x))
    end)
  (func (export "if_no_else") (param $x i32) (result i32)
    (local $acc i32)
    (local.set $acc (i32.const 5))
    (i32.and (local.get $x) (i32.const 1))
    H1
    if
      (local.set $acc (i32.add (local.get $acc) (local.get $x)))
    end
    local.get $acc)
  (func (export "if_params") (param $x i32) (result i32)
    (i32.const 7)
    (i32.gt_s (local.get $x) (i32.const 10))
    H2
    if (param i32) (result i32)
      (i32.add (local.get $x))
    else
      (i32.mul (local.get $x))
    end)
  (func (export "br_if_values") (param $x i32) (result i32)
    (block $out (result i32)
      (i32.const 1000)
      (i32.lt_u (local.get $x) (i32.const 4))
      H3
      br_if $out
      drop
      (i32.add (local.get $x) (i32.const 2000))))
  ;; A small loop (unrolled by the translator) with a hinted `if` inside
  ;; and a hinted back edge.
  (func (export "count") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (loop $l
        (i32.and (local.get $n) (i32.const 3))
        H4
        if
          (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        else
          (local.set $acc (i32.xor (local.get $acc) (i32.const 0x55)))
        end
        (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
        H5
        br_if $l))
    local.get $acc)
  ;; A loop too big to unroll, carrying a value on its back edge.
  (func (export "big_loop") (param $n i32) (result i32)
    (local $i i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.store (i32.const 0) (local.get $i))
      (i32.add (i32.load (i32.const 0)))
      (i32.mul (i32.const 3))
      (i32.add (i32.const 1))
      (i32.rotl (i32.const 5))
      (i32.xor (i32.const 0x1234))
      (i32.sub (local.get $i))
      (i32.add (i32.load8_u (i32.const 1)))
      (i32.mul (i32.const 7))
      (i32.add (i32.load16_u (i32.const 0)))
      (i32.rotr (i32.const 3))
      (i32.xor (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (i32.lt_s (local.get $i) (local.get $n))
      H3
      br_if $l))
)"#;

const EXPORTS: &[&str] = &[
    "if_else",
    "if_no_else",
    "if_params",
    "br_if_values",
    "count",
    "big_loop",
];

/// `HINTED` with hint `i` replaced by "likely taken" when bit `i` of `bits`
/// is set and "unlikely" otherwise; or without hints.
fn module_text(bits: Option<u32>) -> String {
    let mut text = HINTED.to_string();
    for i in 0..6 {
        let hint = match bits {
            Some(bits) => format!("(@metadata.code.branch_hint \"\\{:02x}\")", (bits >> i) & 1),
            None => String::new(),
        };
        text = text.replace(&format!("H{i}"), &hint);
    }
    text
}

fn engine(hints: bool, configure: impl FnOnce(&mut Config)) -> Result<Engine> {
    let mut config = Config::new();
    config.wasm_branch_hinting(hints);
    configure(&mut config);
    Engine::new(&config)
}

/// Every export's result for each input (`fuel`: the engine consumes fuel
/// and epochs are on).
fn results(engine: &Engine, fuel: bool, wasm: &[u8]) -> Result<Vec<i32>> {
    let module = Module::new(engine, wasm)?;
    let mut store = Store::new(engine, ());
    if fuel {
        store.set_fuel(u64::MAX)?;
        store.set_epoch_deadline(u64::MAX / 2);
    }
    let instance = Instance::new(&mut store, &module, &[])?;
    let mut out = Vec::new();
    for name in EXPORTS {
        let f = instance.get_typed_func::<i32, i32>(&mut store, name)?;
        for x in [-3, 0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 17, 33, 100] {
            out.push(f.call(&mut store, x)?);
        }
    }
    Ok(out)
}

#[test]
fn off_by_default() -> Result<()> {
    assert!(!Engine::default().get_wasm_branch_hinting());
    assert!(engine(true, |_| {})?.get_wasm_branch_hinting());
    Ok(())
}

#[test]
fn hints_do_not_change_results() -> Result<()> {
    let expected = results(&engine(false, |_| {})?, false, module_text(None).as_bytes())?;
    // (name, whether it consumes fuel, how to configure it)
    type Variant = (&'static str, bool, fn(&mut Config));
    let configs: [Variant; 3] = [
        ("default", false, |_| {}),
        ("fuel and epochs", true, |c| {
            c.consume_fuel(true).epoch_interruption(true);
        }),
        ("unoptimized", false, |c| {
            c.cranelift_opt_level(OptLevel::None);
        }),
    ];
    for (name, fuel, configure) in configs {
        let on = engine(true, configure)?;
        let off = engine(false, configure)?;
        // Every hint likely, every hint unlikely, and mixed.
        for bits in [0, 0b11_1111, 0b10_1010, 0b01_0101, 0b00_1100] {
            let text = module_text(Some(bits));
            let wasm = text.as_bytes();
            assert_eq!(results(&on, fuel, wasm)?, expected, "{name}, {bits:#b}");
            assert_eq!(
                results(&off, fuel, wasm)?,
                expected,
                "{name} off, {bits:#b}"
            );
        }
    }
    Ok(())
}

/// A function whose body (at offset 0 from the body start: the local
/// declarations) has an `if` at body offset 3, after `local.get 0`.
fn with_section(section: &str) -> String {
    format!(
        r#"(module
          {section}
          (import "env" "f" (func))
          (func (export "f") (param i32) (result i32)
            local.get 0
            if (result i32)
              i32.const 10
            else
              i32.const 20
            end))"#
    )
}

fn custom(bytes: &str) -> String {
    format!(r#"(@custom "metadata.code.branch_hint" (after code) "{bytes}")"#)
}

/// Malformed or nonsensical sections: each must be accepted and ignored
/// (as Wasmtime does), with the flag on and off.
#[test]
fn malformed_sections_are_ignored() -> Result<()> {
    // Function 1 is the defined one (function 0 is imported); its `if` is
    // at body offset 3 (1 byte of local declarations, `local.get 0`).
    let sections = [
        // Well-formed, for reference: the `if` is unlikely.
        custom(r"\01\01\01\03\01\00"),
        // Hint length byte 2 (the misc_testsuite case).
        custom(r"\01\01\01\03\02\00"),
        // Hint value byte 2.
        custom(r"\01\01\01\03\01\02"),
        // Truncated: two functions announced, one present.
        custom(r"\02\01\01\03\01\00"),
        // Trailing bytes after the last function.
        custom(r"\01\01\01\03\01\00\ff"),
        // A hint count larger than the hints present.
        custom(r"\01\01\05\03\01\00"),
        // Not even a vector count.
        custom(r"\ff\ff\ff\ff\ff\ff"),
        // Empty.
        custom(""),
        // Valid bytes, invalid meaning: the imported function, a function
        // that does not exist, an offset that is not an `if`, offsets and
        // functions out of order, a function listed twice.
        custom(r"\01\00\01\03\01\01"),
        custom(r"\01\07\01\03\01\01"),
        custom(r"\01\01\01\01\01\01"),
        custom(r"\01\01\02\03\01\01\01\01\00"),
        custom(r"\02\01\01\03\01\01\01\01\03\01\00"),
        // Two sections, the second malformed.
        format!("{} {}", custom(r"\01\01\01\03\01\01"), custom(r"\01\01")),
    ];
    for hints in [true, false] {
        let engine = engine(hints, |_| {})?;
        for section in &sections {
            let text = with_section(section);
            let wasm = wat::parse_str(&text)?;
            Module::validate(&engine, &wasm)?;
            let module = Module::new(&engine, &wasm)?;
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            linker.func_wrap("env", "f", || {})?;
            let instance = linker.instantiate(&mut store, &module)?;
            let f = instance.get_typed_func::<i32, i32>(&mut store, "f")?;
            assert_eq!(f.call(&mut store, 0)?, 20, "{section}");
            assert_eq!(f.call(&mut store, 1)?, 10, "{section}");
            assert_eq!(f.call(&mut store, -1)?, 10, "{section}");
        }
    }
    Ok(())
}

/// Hints change only the layout, so an artifact compiled with them loads
/// into an engine without them and the other way round (as in Wasmtime).
#[test]
fn artifacts_load_either_way() -> Result<()> {
    let text = module_text(Some(0b10_1010));
    let on = engine(true, |_| {})?;
    let off = engine(false, |_| {})?;
    for (from, to) in [(&on, &off), (&off, &on)] {
        let bytes = from.precompile_module(text.as_bytes())?;
        // SAFETY: the bytes were just produced by `precompile_module`.
        let module = unsafe { Module::deserialize(to, &bytes)? };
        let mut store = Store::new(to, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let f = instance.get_typed_func::<i32, i32>(&mut store, "if_else")?;
        assert_eq!(f.call(&mut store, 3)?, 9);
        assert_eq!(f.call(&mut store, 0)?, 100);
    }
    Ok(())
}
