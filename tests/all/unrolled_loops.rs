//! Small innermost loops, which are translated as several copies of their
//! body (see `crates/cranelift/src/func/unroll.rs`) except at optimization
//! level `none`: every loop shape computes what it computes unoptimized,
//! with and without fuel and epochs; fuel is charged per operator exactly;
//! and running out of fuel or reaching the deadline inside such a loop
//! still traps.

use wasmtime::*;

/// Loops of every shape the unrolling handles: each export takes an `i32`
/// (an iteration count, tried with every remainder modulo the copy count)
/// and returns an `i32` or `i64`.
const LOOPS: &str = r#"(module
  (memory 1)
  ;; do-while: `br_if 0` ends the body.
  (func (export "count_down") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (i32.const 0))))
    (local.get $acc))
  ;; while: the exit test first, `br 0` at the end.
  (func (export "while") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $i) (local.get $i))
        (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  ;; A loop with a result: the value left by the last iteration.
  (func (export "loop_result") (param $n i32) (result i32)
    (loop $l (result i32)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (i32.add (local.get $n) (i32.const 1000))
      (br_if $l (i32.gt_s (local.get $n) (i32.const 0)))))
  ;; Loop parameters: two values carried around by `br`, results out.
  (func (export "params") (param $n i32) (result i32)
    (i32.const 0) (i32.const 1)
    (loop $l (param i32 i32) (result i32 i32)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if 1 (i32.lt_s (local.get $n) (i32.const 0)))
      ;; (a, b) -> (b, a + b) mod 2^32
      (call $swap_add)
      (br $l))
    (i32.xor))
  (func $swap_add (param i32 i32) (result i32 i32)
    (local.get 1) (i32.add (local.get 0) (local.get 1)))
  ;; Inline version of `params` (no call, so it is unrolled).
  (func (export "params_inline") (param $n i32) (result i32)
    (local $a i32) (local $b i32)
    (i32.const 0) (i32.const 1)
    (loop $l (param i32 i32) (result i32 i32)
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if 1 (i32.lt_s (local.get $n) (i32.const 0)))
      (local.set $b)
      (local.set $a)
      (local.get $b)
      (i32.add (local.get $a) (local.get $b))
      (br $l))
    (i32.xor))
  ;; `br_table` choosing between the loop, the exit and an inner block.
  (func (export "table") (param $n i32) (result i32)
    (local $acc i32)
    (block $out
      (loop $l
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (block $odd
          (br_table $l $odd $out
            (select (i32.const 2)
              (i32.and (local.get $n) (i32.const 1))
              (i32.lt_s (local.get $n) (i32.const 0)))))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (br $l)))
    (local.get $acc))
  ;; Nested `if`/`else` and a `br` from inside it back to the loop; the
  ;; body falls off its end (leaving the loop) once $n reaches 0.
  (func (export "nested") (param $n i32) (result i32)
    (local $acc i32)
    (loop $l
      (if (i32.and (local.get $n) (i32.const 1))
        (then (local.set $acc (i32.add (local.get $acc) (i32.const 3))))
        (else (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (if (i32.gt_s (local.get $n) (i32.const 0))
        (then (br $l))))
    (local.get $acc))
  ;; SIMD accumulators, as in the dot-product kernel.
  (func (export "simd") (param $n i32) (result i64)
    (local $v v128) (local $i i32)
    (loop $l
      (local.set $v (i64x2.add (local.get $v) (i64x2.splat (i64.extend_i32_u (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))))
)"#;

fn engine(fuel: bool, epochs: bool) -> Engine {
    let mut config = Config::new();
    config.consume_fuel(fuel).epoch_interruption(epochs);
    Engine::new(&config).unwrap()
}

/// An engine that does not unroll loops.
fn unoptimized_engine() -> Engine {
    let mut config = Config::new();
    config.cranelift_opt_level(OptLevel::None);
    Engine::new(&config).unwrap()
}

fn store(engine: &Engine, fuel: bool, epochs: bool) -> Store<()> {
    let mut store = Store::new(engine, ());
    if fuel {
        store.set_fuel(u64::MAX).unwrap();
    }
    if epochs {
        store.set_epoch_deadline(1);
    }
    store
}

/// Every export on every count from 1 to 17 (every remainder modulo up
/// to eight copies, over two rounds), on `engine`.
fn results(engine: &Engine, fuel: bool, epochs: bool) -> Result<Vec<(String, i32, i64)>> {
    let engine = engine.clone();
    let module = Module::new(&engine, LOOPS)?;
    let mut store = store(&engine, fuel, epochs);
    let instance = Instance::new(&mut store, &module, &[])?;
    let mut out = Vec::new();
    for export in module.exports() {
        let Some(func) = instance.get_func(&mut store, export.name()) else {
            continue;
        };
        for n in 1..=17 {
            let mut result = [Val::I32(0)];
            func.call(&mut store, &[Val::I32(n)], &mut result)?;
            let v = match result[0] {
                Val::I32(v) => i64::from(v),
                Val::I64(v) => v,
                ref other => panic!("unexpected result {other:?}"),
            };
            out.push((export.name().to_string(), n, v));
        }
    }
    Ok(out)
}

#[test]
fn every_loop_shape_computes_the_same_as_without_unrolling() -> Result<()> {
    let plain = results(&unoptimized_engine(), false, false)?;
    // The unoptimized results are right (spot checks against Rust).
    let get = |name: &str, n: i32| {
        plain
            .iter()
            .find(|(e, m, _)| e == name && *m == n)
            .map(|r| r.2)
            .unwrap()
    };
    assert_eq!(get("count_down", 5), 55);
    assert_eq!(get("while", 9), 36);
    assert_eq!(get("loop_result", 3), 1000);
    // `br_if 1` returns the top value, b of the pair (a, b) -> (b, a + b).
    assert_eq!(get("params", 7), 21);
    assert_eq!(get("params_inline", 7), 21);
    assert_eq!(get("table", 6), 5 + 3 + 1);
    assert_eq!(get("simd", 4), 2 * (1 + 2 + 3));
    for (fuel, epochs) in [(false, false), (true, false), (false, true), (true, true)] {
        assert_eq!(
            results(&engine(fuel, epochs), fuel, epochs)?,
            plain,
            "fuel: {fuel}, epochs: {epochs}"
        );
    }
    Ok(())
}

#[test]
fn fuel_is_charged_per_operator_in_every_copy() -> Result<()> {
    // `count_down`: entry 1; each iteration 13 operators (`loop` is free);
    // after the loop `local.get` 1 (the final `end` is free).
    let engine = engine(true, false);
    let module = Module::new(&engine, LOOPS)?;
    let mut store = store(&engine, true, false);
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, "count_down")?;
    for n in 1..=17u64 {
        store.set_fuel(1_000)?;
        f.call(&mut store, n as i32)?;
        assert_eq!(1_000 - store.get_fuel()?, 1 + 13 * n + 1, "n = {n}");
    }
    Ok(())
}

#[test]
fn running_out_of_fuel_inside_an_unrolled_loop_traps() -> Result<()> {
    let engine = engine(true, false);
    let module = Module::new(&engine, LOOPS)?;
    let mut store = store(&engine, true, false);
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, "while")?;
    store.set_fuel(500)?;
    let err = f.call(&mut store, 1_000_000).unwrap_err();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::OutOfFuel));
    assert_eq!(store.get_fuel()?, 0);
    store.set_fuel(10_000)?;
    assert_eq!(f.call(&mut store, 10)?, 45, "the store is usable again");
    Ok(())
}

#[test]
fn the_epoch_deadline_stops_an_unrolled_loop() -> Result<()> {
    let engine = engine(false, true);
    let module = Module::new(&engine, LOOPS)?;
    let mut store = store(&engine, false, true);
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<i32, i64>(&mut store, "simd")?;
    // Counting to 2^31 takes seconds; the other thread's tick stops it.
    let ticker = engine.clone();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        ticker.increment_epoch();
    });
    let err = f.call(&mut store, i32::MAX).unwrap_err();
    handle.join().unwrap();
    assert_eq!(err.downcast_ref::<Trap>(), Some(&Trap::Interrupt));
    Ok(())
}
