//! Collection of the GC heap (slice 3 of issue 18): precise roots from
//! stack maps, globals, tables and host handles; a heap that stays bounded
//! while wasm allocates far more than its limit; externrefs dropped once
//! only unreachable wasm state held them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wasmtime::*;

fn engine(collector: Collector) -> Engine {
    let mut config = Config::new();
    config.wasm_gc(true).collector(collector);
    Engine::new(&config).unwrap()
}

/// Records the largest size the GC heap asked to grow to (the modules
/// below have no linear memory, so every request is the GC heap's).
struct Limiter {
    limit: usize,
    max_desired: usize,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, _: usize, desired: usize, _: Option<usize>) -> Result<bool> {
        if desired > self.limit {
            return Ok(false);
        }
        self.max_desired = self.max_desired.max(desired);
        Ok(true)
    }

    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool> {
        Ok(true)
    }
}

const CHURN: &str = r#"
(module
  (type $node (struct (field $v i64) (field $next (ref null $node))))
  (type $bytes (array (mut i8)))
  (type $refs (array (mut (ref null $node))))
  (global $keep (mut (ref null $node)) (ref.null $node))

  ;; A short-lived node (and a short-lived array) per call.
  (func $mk (param $v i64) (param $next (ref null $node)) (result (ref $node))
    (drop (array.new_default $bytes (i32.const 200)))
    (struct.new $node (local.get $v) (local.get $next)))

  ;; `n` rounds: each makes garbage through calls while a chain of 8 nodes
  ;; lives only in a local (stack roots across calls), every 64th round
  ;; keeps a node in the global list (global roots) and a pointer array
  ;; (object fields traced). Returns the sum over the local chain, checked
  ;; each round.
  (func (export "churn") (param $n i32) (result i64)
    (local $i i32) (local $local (ref null $node)) (local $j i64) (local $sum i64)
    (local $arr (ref null $refs))
    (local.set $arr (array.new_default $refs (i32.const 4)))
    ;; the local chain 1..8
    (local.set $j (i64.const 1))
    (loop $build
      (local.set $local (call $mk (local.get $j) (local.get $local)))
      (local.set $j (i64.add (local.get $j) (i64.const 1)))
      (br_if $build (i64.le_u (local.get $j) (i64.const 8))))
    (loop $round
      ;; garbage
      (drop (call $mk (i64.const -1) (ref.null $node)))
      (drop (call $mk (i64.const -2) (call $mk (i64.const -3) (ref.null $node))))
      (array.set $refs (local.get $arr) (i32.and (local.get $i) (i32.const 3))
        (call $mk (i64.extend_i32_u (local.get $i)) (ref.null $node)))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 63)))
        (then (global.set $keep (call $mk (i64.const 1) (global.get $keep)))))
      ;; the local chain must still sum to 36
      (local.set $sum (call $sum (local.get $local)))
      (if (i64.ne (local.get $sum) (i64.const 36)) (then (unreachable)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $i) (local.get $n))))
    ;; the array's last four nodes: n-4 .. n-1
    (i64.add (local.get $sum)
      (i64.add
        (i64.add (struct.get $node $v (array.get $refs (local.get $arr) (i32.const 0)))
                 (struct.get $node $v (array.get $refs (local.get $arr) (i32.const 1))))
        (i64.add (struct.get $node $v (array.get $refs (local.get $arr) (i32.const 2)))
                 (struct.get $node $v (array.get $refs (local.get $arr) (i32.const 3)))))))

  (func $sum (param $p (ref null $node)) (result i64)
    (local $s i64)
    (block $done
      (loop $l
        (br_if $done (ref.is_null (local.get $p)))
        (local.set $s (i64.add (local.get $s) (struct.get $node $v (local.get $p))))
        (local.set $p (struct.get $node $next (local.get $p)))
        (br $l)))
    (local.get $s))

  (func (export "kept") (result i64) (call $sum (global.get $keep)))
)
"#;

const LIMIT: usize = 1 << 20;

fn churn(collector: Collector, rounds: i32) -> Result<(i64, i64, usize, Store<Limiter>)> {
    let engine = engine(collector);
    let module = Module::new(&engine, CHURN)?;
    let mut store = Store::new(
        &engine,
        Limiter {
            limit: LIMIT,
            max_desired: 0,
        },
    );
    store.limiter(|l| l);
    let instance = Instance::new(&mut store, &module, &[])?;
    let churn = instance.get_typed_func::<i32, i64>(&mut store, "churn")?;
    let kept = instance.get_typed_func::<(), i64>(&mut store, "kept")?;
    let result = churn.call(&mut store, rounds)?;
    let kept = kept.call(&mut store, ())?;
    let max = store.data().max_desired;
    Ok((result, kept, max, store))
}

#[test]
fn allocating_ten_times_the_limit_stays_bounded() -> Result<()> {
    // Each round allocates 4 nodes and 4 arrays of 216 bytes (about 1 KiB);
    // 12,000 rounds are about 12 MiB, ten times the 1 MiB limit.
    let rounds = 12_000;
    let (result, kept, max, _store) = churn(Collector::Auto, rounds)?;
    let n = i64::from(rounds);
    assert_eq!(result, 36 + (n - 4) + (n - 3) + (n - 2) + (n - 1));
    // One node kept every 64 rounds, each with value 1.
    assert_eq!(kept, (n + 63) / 64);
    assert!(max <= LIMIT, "heap grew to {max}");
    Ok(())
}

#[test]
fn the_null_collector_runs_out_on_the_same_loop() -> Result<()> {
    let Err(err) = churn(Collector::Null, 12_000) else {
        panic!("the null collector ran the loop without running out");
    };
    assert!(
        err.downcast_ref::<GcHeapOutOfMemory<()>>().is_some(),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn every_collector_choice_but_null_collects() -> Result<()> {
    for c in [Collector::DeferredReferenceCounting, Collector::Auto] {
        let (result, _, max, _) = churn(c, 5_000)?;
        assert_eq!(result, 36 + 4 * 5_000 - 10);
        assert!(max <= LIMIT);
    }
    Ok(())
}

/// Host data that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

const EXTERNS: &str = r#"
(module
  (import "host" "collect" (func $collect))
  (table $t (export "t") 2 externref)
  (global $g (export "g") (mut externref) (ref.null extern))
  (type $box (struct (field externref)))
  (global $boxed (mut (ref null $box)) (ref.null $box))
  (func (export "put") (param externref externref externref)
    (table.set $t (i32.const 0) (local.get 0))
    (global.set $g (local.get 1))
    (global.set $boxed (struct.new $box (local.get 2))))
  (func (export "clear")
    (table.set $t (i32.const 0) (ref.null extern))
    (global.set $g (ref.null extern))
    (global.set $boxed (ref.null $box)))
  ;; Moves table slot 1 into a local, collects (the local is then its
  ;; only holder), and puts it back.
  (func (export "hold")
    (local $x externref)
    (local.set $x (table.get $t (i32.const 1)))
    (table.set $t (i32.const 1) (ref.null extern))
    (call $collect)
    (table.set $t (i32.const 1) (local.get $x)))
)
"#;

#[test]
fn externrefs_are_dropped_once_unreachable() -> Result<()> {
    let engine = engine(Collector::Auto);
    let module = Module::new(&engine, EXTERNS)?;
    let mut store = Store::new(&engine, ());
    let collect = Func::wrap(&mut store, |mut caller: Caller<'_, ()>| {
        caller.as_context_mut().gc(None);
    });
    let instance = Instance::new(&mut store, &module, &[collect.into()])?;
    let put = instance.get_typed_func::<(
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
        Option<Rooted<ExternRef>>,
    ), ()>(&mut store, "put")?;
    let clear = instance.get_typed_func::<(), ()>(&mut store, "clear")?;
    let hold = instance.get_typed_func::<(), ()>(&mut store, "hold")?;

    let drops = Arc::new(AtomicUsize::new(0));
    {
        let mut scope = RootScope::new(&mut store);
        let a = ExternRef::new(&mut scope, Counted(drops.clone()))?;
        let b = ExternRef::new(&mut scope, Counted(drops.clone()))?;
        let c = ExternRef::new(&mut scope, Counted(drops.clone()))?;
        put.call(&mut scope, (Some(a), Some(b), Some(c)))?;
    }
    // Held by the table, the global and a struct in a global.
    store.gc(None);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    clear.call(&mut store, ())?;
    store.gc(None);
    assert_eq!(drops.load(Ordering::SeqCst), 3);

    // Held only by a wasm local while the host collects.
    let table = instance.get_table(&mut store, "t").unwrap();
    {
        let mut scope = RootScope::new(&mut store);
        let d = ExternRef::new(&mut scope, Counted(drops.clone()))?;
        table.set(&mut scope, 1, Ref::Extern(Some(d)))?;
    }
    hold.call(&mut store, ())?;
    assert_eq!(drops.load(Ordering::SeqCst), 3);
    {
        let mut scope = RootScope::new(&mut store);
        let back = table.get(&mut scope, 1).unwrap();
        let back = back.unwrap_extern().expect("non-null").clone();
        assert!(back.data(&scope)?.unwrap().is::<Counted>());
    }
    table.set(&mut store, 1, Ref::Extern(None))?;
    store.gc(None);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
    Ok(())
}

#[test]
fn externref_data_mut() -> Result<()> {
    let engine = engine(Collector::Auto);
    let mut store = Store::new(&engine, ());
    let r = ExternRef::new(&mut store, 1u32)?;
    *r.data_mut(&mut store)?
        .unwrap()
        .downcast_mut::<u32>()
        .unwrap() += 41;
    assert_eq!(r.data(&store)?.unwrap().downcast_ref::<u32>(), Some(&42));
    Ok(())
}

#[test]
fn rooted_handles_end_with_their_scope() -> Result<()> {
    let engine = engine(Collector::Auto);
    let mut store = Store::new(&engine, ());
    let ty = StructType::new(
        &engine,
        [FieldType::new(
            Mutability::Var,
            StorageType::ValType(ValType::I64),
        )],
    )?;
    let pre = StructRefPre::new(&mut store, ty);
    let (ext, obj) = {
        let mut scope = RootScope::new(&mut store);
        let ext = ExternRef::new(&mut scope, 5u32)?;
        let obj = StructRef::new(&mut scope, &pre, &[Val::I64(9)])?;
        assert_eq!(obj.field(&mut scope, 0)?.unwrap_i64(), 9);
        assert!(ext.data(&scope)?.is_some());
        (ext, obj)
    };
    // Unrooted: using them is an error, not a read of freed memory.
    store.gc(None);
    let err = ext.data(&store).unwrap_err();
    assert!(err.to_string().contains("root scope"), "{err}");
    assert!(obj.field(&mut store, 0).is_err());
    // Handles made outside any scope stay rooted.
    let top = ExternRef::new(&mut store, 6u32)?;
    store.gc(None);
    assert_eq!(top.data(&store)?.unwrap().downcast_ref::<u32>(), Some(&6));
    Ok(())
}

#[test]
fn owned_rooted_outlives_scopes() -> Result<()> {
    let engine = engine(Collector::Auto);
    let mut store = Store::new(&engine, ());
    let drops = Arc::new(AtomicUsize::new(0));
    let owned = {
        let mut scope = RootScope::new(&mut store);
        let r = ExternRef::new(&mut scope, Counted(drops.clone()))?;
        r.to_owned_rooted(&mut scope)?
    };
    store.gc(None);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    {
        let mut scope = RootScope::new(&mut store);
        let r = owned.clone().to_rooted(&mut scope);
        assert!(r.data(&scope)?.unwrap().is::<Counted>());
    }
    drop(owned);
    store.gc(None);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    Ok(())
}

const NESTED: &str = r#"
(module
  (type $node (struct (field $v i64) (field $next (ref null $node))))
  (import "host" "reenter" (func $reenter))
  ;; Holds a chain in a local across a host call that re-enters wasm,
  ;; whose allocations collect (roots of the outer activation).
  (func (export "outer") (result i64)
    (local $p (ref null $node))
    (local.set $p (struct.new $node (i64.const 40)
      (struct.new $node (i64.const 2) (ref.null $node))))
    (call $reenter)
    (i64.add (struct.get $node $v (local.get $p))
             (struct.get $node $v (struct.get $node $next (local.get $p)))))
  (func (export "garbage") (param $n i32)
    (loop $l
      (drop (struct.new $node (i64.const -7) (struct.new $node (i64.const -9) (ref.null $node))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
)
"#;

#[test]
fn roots_of_outer_activations_survive() -> Result<()> {
    let engine = engine(Collector::Auto);
    let module = Module::new(&engine, NESTED)?;
    let mut store = Store::new(
        &engine,
        Limiter {
            limit: 256 << 10,
            max_desired: 0,
        },
    );
    store.limiter(|l| l);
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "reenter", |mut caller: Caller<'_, Limiter>| {
        let garbage = caller
            .get_export("garbage")
            .and_then(|e| e.into_func())
            .expect("garbage export");
        let garbage = garbage.typed::<i32, ()>(&caller)?;
        // About 3 MiB of short-lived nodes under a 256 KiB limit.
        garbage.call(&mut caller, 50_000)
    })?;
    let instance = linker.instantiate(&mut store, &module)?;
    let outer = instance.get_typed_func::<(), i64>(&mut store, "outer")?;
    assert_eq!(outer.call(&mut store, ())?, 42);
    assert!(store.data().max_desired <= 256 << 10);
    Ok(())
}
