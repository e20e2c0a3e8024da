//! Host-side allocations (`StructRef::new`, `ArrayRef::new`) collect the
//! GC heap when it is full instead of only growing it: the host's rooted
//! handles and the values being stored in the new object survive.

use wasmtime::*;

fn engine(collector: Collector) -> Engine {
    let mut config = Config::new();
    config.collector(collector);
    Engine::new(&config).unwrap()
}

/// Refuses to grow the GC heap past `limit`; records the largest size
/// asked for (no linear memories here: every request is the GC heap's).
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

const LIMIT: usize = 256 << 10;

fn store(engine: &Engine) -> Store<Limiter> {
    let mut store = Store::new(
        engine,
        Limiter {
            limit: LIMIT,
            max_desired: 0,
        },
    );
    store.limiter(|l| l);
    store
}

/// `struct node { v: i64, next: (ref null node) }` and `array (mut i8)`.
fn types(engine: &Engine) -> Result<(StructType, ArrayType)> {
    let node = StructType::new(
        engine,
        [
            FieldType::new(Mutability::Const, StorageType::ValType(ValType::I64)),
            // `(ref null any)`: the node type cannot name itself here.
            FieldType::new(
                Mutability::Const,
                StorageType::ValType(ValType::Ref(RefType::ANYREF)),
            ),
        ],
    )?;
    let bytes = ArrayType::new(engine, FieldType::new(Mutability::Var, StorageType::I8));
    Ok((node, bytes))
}

/// The sum of the `v` fields along a chain of nodes; an error if the chain
/// is longer than `max` nodes (a corrupted chain may loop).
fn chain_sum(store: &mut impl AsContextMut, head: &Rooted<AnyRef>, max: usize) -> Result<i64> {
    let mut scope = RootScope::new(store);
    let mut sum = 0;
    let mut at = Some(head.clone());
    let mut count = 0;
    while let Some(node) = at {
        count += 1;
        if count > max {
            anyhow::bail!("chain longer than {max} nodes");
        }
        let node = node.unwrap_struct(&scope)?;
        sum += node.field(&mut scope, 0)?.unwrap_i64();
        at = node.field(&mut scope, 1)?.unwrap_anyref().cloned();
    }
    Ok(sum)
}

/// Builds a rooted chain of 100 nodes, then allocates `rounds` short-lived
/// arrays of 200 bytes and nodes pointing into the chain, each round in
/// its own root scope. Returns the chain's sum at the end.
fn churn(collector: Collector, rounds: u32) -> Result<(i64, Store<Limiter>)> {
    let engine = engine(collector);
    let mut store = store(&engine);
    let (node_ty, bytes_ty) = types(&engine)?;
    let node = StructRefPre::new(&mut store, node_ty);
    let bytes = ArrayRefPre::new(&mut store, bytes_ty);
    // Made outside any scope: rooted until the store is dropped.
    let mut head: Option<Rooted<AnyRef>> = None;
    for v in 1..=100 {
        let n = StructRef::new(&mut store, &node, &[Val::I64(v), Val::AnyRef(head)])?;
        head = Some(n.to_anyref());
    }
    let head = head.unwrap();
    for i in 0..rounds {
        let mut scope = RootScope::new(&mut store);
        let a = ArrayRef::new(&mut scope, &bytes, &Val::I32(i as i32), 200)?;
        let n = StructRef::new(
            &mut scope,
            &node,
            &[Val::I64(-1), Val::AnyRef(Some(head.clone()))],
        )?;
        // The handles made in this round are usable until its end.
        assert_eq!(a.get(&mut scope, 199)?.unwrap_i32(), (i as i32) & 0xff);
        assert_eq!(n.field(&mut scope, 0)?.unwrap_i64(), -1);
    }
    let sum = chain_sum(&mut store, &head, 100)?;
    Ok((sum, store))
}

#[test]
fn host_allocations_far_beyond_the_limit_stay_bounded() -> Result<()> {
    // Each round allocates 216 + 32 bytes: 40,000 rounds are about 10 MiB,
    // forty times the 256 KiB limit.
    let (sum, store) = churn(Collector::Auto, 40_000)?;
    assert_eq!(sum, 5050);
    let max = store.data().max_desired;
    assert!(max <= LIMIT, "heap grew to {max}");
    Ok(())
}

#[test]
fn the_null_collector_runs_out_on_host_allocations() -> Result<()> {
    let Err(err) = churn(Collector::Null, 40_000) else {
        panic!("the null collector allocated 10 MiB under a 256 KiB limit");
    };
    assert!(
        err.downcast_ref::<GcHeapOutOfMemory<()>>().is_some(),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn operands_of_a_host_allocation_are_rooted_across_its_collection() -> Result<()> {
    let engine = engine(Collector::Auto);
    let mut store = store(&engine);
    let (node_ty, _) = types(&engine)?;
    let node = StructRefPre::new(&mut store, node_ty);
    // Chains of 4,096 nodes (128 KiB, more than the first 64 KiB of the
    // heap) whose head the host keeps only as raw words (no root): while a
    // node is allocated, the previous head is reachable from nothing but
    // the new node's field value, so only the rooting of that operand
    // keeps the chain alive when the allocation finds the heap full and
    // collects. A chain freed there would be overwritten by its own next
    // nodes (allocated into the gaps).
    const LEN: i64 = 4096;
    for chain in 0..6i64 {
        let mut words: Option<(u64, u64)> = None;
        for v in 0..LEN {
            let mut scope = RootScope::new(&mut store);
            // SAFETY: the words come from `__to_words` of a reference of
            // this store, which is alive.
            let prev = words.map(|(s, r)| unsafe { AnyRef::__from_words(s, r) });
            let n = StructRef::new(
                &mut scope,
                &node,
                &[Val::I64(chain * LEN + v), Val::AnyRef(prev)],
            )?;
            words = Some(n.to_anyref().__to_words());
        }
        let (s, r) = words.unwrap();
        // SAFETY: as above.
        let head = unsafe { AnyRef::__from_words(s, r) };
        let expected: i64 = (0..LEN).map(|v| chain * LEN + v).sum();
        assert_eq!(
            chain_sum(&mut store, &head, LEN as usize)?,
            expected,
            "chain {chain}"
        );
    }
    assert!(store.data().max_desired <= LIMIT);
    Ok(())
}

/// An engine whose pooling allocator allows `total` GC heaps at once.
fn pooled_engine(total: u32) -> Engine {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_gc_heaps(total);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).unwrap()
}

/// A store of `engine` holding one struct `{ v: i64, next: anyref }` with
/// `v` = `value` (the store's first GC allocation takes its heap).
fn store_with_node(engine: &Engine, value: i64) -> Result<(Store<()>, Rooted<StructRef>)> {
    let mut store = Store::new(engine, ());
    let (node_ty, _) = types(engine)?;
    let pre = StructRefPre::new(&mut store, node_ty);
    let node = StructRef::new(&mut store, &pre, &[Val::I64(value), Val::AnyRef(None)])?;
    Ok((store, node))
}

#[test]
fn pooled_gc_heaps_are_bounded_by_total_gc_heaps() -> Result<()> {
    let engine = pooled_engine(2);
    let (mut a, node_a) = store_with_node(&engine, 1)?;
    let (mut b, node_b) = store_with_node(&engine, 2)?;
    // A third store can exist, but not allocate a GC heap.
    let Err(err) = store_with_node(&engine, 3) else {
        panic!("a third GC heap was allocated");
    };
    assert!(
        err.to_string()
            .contains("maximum concurrent limit of 2 for GC heaps reached"),
        "{err:?}"
    );
    // Stores without GC objects need no heap.
    let mut plain = Store::new(&engine, ());
    let m = Module::new(
        &engine,
        r#"(module (func (export "f") (result i32) i32.const 5))"#,
    )?;
    let f = Instance::new(&mut plain, &m, &[])?.get_typed_func::<(), i32>(&mut plain, "f")?;
    assert_eq!(f.call(&mut plain, ())?, 5);
    // Dropping a store gives its heap back; the next store reuses it and
    // sees none of the previous objects' contents.
    assert_eq!(node_a.field(&mut a, 0)?.unwrap_i64(), 1);
    drop(a);
    let (mut c, node_c) = store_with_node(&engine, 3)?;
    assert_eq!(node_c.field(&mut c, 0)?.unwrap_i64(), 3);
    assert_eq!(node_b.field(&mut b, 0)?.unwrap_i64(), 2);
    Ok(())
}

#[test]
fn pooled_gc_heap_slots_are_reused_by_wasm_allocations() -> Result<()> {
    let engine = pooled_engine(1);
    let m = Module::new(
        &engine,
        r#"(module
  (type $a (array (mut i64)))
  ;; A new array of `n` elements, its last element read before and
  ;; after writing `v` there (0 first: the slot's old contents are gone).
  (func (export "f") (param $n i32) (param $v i64) (result i64 i64)
    (local $arr (ref $a))
    (local.set $arr (array.new_default $a (local.get $n)))
    (array.get $a (local.get $arr) (i32.sub (local.get $n) (i32.const 1)))
    (array.set $a (local.get $arr) (i32.sub (local.get $n) (i32.const 1)) (local.get $v))
    (array.get $a (local.get $arr) (i32.sub (local.get $n) (i32.const 1)))))"#,
    )?;
    // Ten stores one after the other share the single GC heap slot.
    for round in 0..10i64 {
        let mut store = Store::new(&engine, ());
        let f = Instance::new(&mut store, &m, &[])?
            .get_typed_func::<(i32, i64), (i64, i64)>(&mut store, "f")?;
        assert_eq!(f.call(&mut store, (10_000, round + 100))?, (0, round + 100));
        if round == 0 {
            // While it is alive, no other store gets a heap: instantiating
            // a module with GC types takes one, as in Wasmtime.
            let mut other = Store::new(&engine, ());
            let err = Instance::new(&mut other, &m, &[]).unwrap_err();
            assert!(
                format!("{err:?}").contains("limit of 1 for GC heaps"),
                "{err:?}"
            );
        }
    }
    Ok(())
}
