//! `Config::signals_based_traps(false)` with no signal handler at all: each
//! scenario runs in a child process (this test binary again) whose SIGSEGV,
//! SIGBUS, SIGILL and SIGFPE dispositions are reset to the default, so any
//! trap left to the hardware kills the child instead of being caught.

use std::process::Command;
use wasmtime::*;

const CHILD_ENV: &str = "WASMTIME_EXPLICIT_TRAPS_CHILD";

/// In the parent: runs test `name` (a `tests/all` path) in a child process
/// and asserts that it passed. Returns false. In the child: resets the
/// fault signals to their default action and returns true, so the caller
/// runs the scenario.
fn in_child(name: &str) -> bool {
    if std::env::var_os(CHILD_ENV).is_some() {
        for sig in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE] {
            // SAFETY: resetting a signal disposition to SIG_DFL; no handler
            // of ours runs concurrently in this fresh single-test process.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        return true;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} failed in the child ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("1 passed"), "{name} did not run:\n{stdout}");
    false
}

/// In the child: asserts that the fault signals still have their default
/// action (no engine installed a handler).
fn assert_no_fault_handlers() {
    for sig in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE] {
        // SAFETY: reads the current disposition only.
        let action = unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            old.sa_sigaction
        };
        assert_eq!(action, libc::SIG_DFL, "signal {sig} has a handler");
    }
}

fn engine(f: impl FnOnce(&mut Config)) -> Engine {
    let mut config = Config::new();
    config.signals_based_traps(false);
    f(&mut config);
    Engine::new(&config).unwrap()
}

fn trap_of<T: std::fmt::Debug>(r: Result<T>) -> Trap {
    let err = r.expect_err("expected a trap");
    *err.downcast_ref::<Trap>()
        .unwrap_or_else(|| panic!("not a trap: {err:?}"))
}

const TRAPS: &str = r#"(module
    (import "host" "reenter" (func $reenter (param i32)))
    (import "host" "shared" (memory $s 1 1 shared))
    (memory $m 1 1)
    (memory $m64 i64 1)
    (memory $p 3 (pagesize 1))
    (table $t 2 funcref)
    (table $t64 i64 2 funcref)
    (type $v (func))
    (type $i (func (param i32)))
    (tag $e)
    (elem declare func $f)
    (func $f)
    (func (export "v128_load") (result v128) i32.const 65521 v128.load)
    (func (export "v128_store") i32.const 65535 v128.const i64x2 0 0 v128.store offset=1)
    (func (export "load_lane") (result v128)
        i32.const 65535 v128.const i64x2 0 0 v128.load16_lane 0)
    (func (export "store_lane")
        i32.const 65529 v128.const i64x2 0 0 v128.store64_lane 1)
    (func (export "load_splat") (result v128) i32.const -1 v128.load32_splat)
    (func (export "load_zero") (result v128) i32.const 65532 v128.load64_zero)
    (func (export "atomic_misaligned") (result i32)
        i32.const 2 i32.atomic.load $s)
    (func (export "atomic_oob") (result i32)
        i32.const 65536 i32.const 1 i32.atomic.rmw.add $s)
    (func (export "atomic_cmpxchg_oob") (result i64)
        i32.const 65528 i64.const 0 i64.const 1 i64.atomic.rmw.cmpxchg $s offset=8)
    (func (export "wait_unshared") (result i32)
        i32.const 0 i32.const 0 i64.const 0 memory.atomic.wait32 $m)
    (func (export "wait_oob") (result i32)
        i32.const 65536 i32.const 0 i64.const 0 memory.atomic.wait32 $s)
    (func (export "memory_copy") i32.const 1 i32.const 0 i32.const 65536 memory.copy $m $m)
    (func (export "memory_fill") i32.const 65535 i32.const 0 i32.const 2 memory.fill $m)
    (func (export "memory64_oob") (result i32)
        i64.const 0xffff_ffff_ffff_fff0 i32.load $m64 offset=0x20)
    (func (export "memory64_huge_offset") (result i64)
        i64.const 8 i64.load $m64 offset=0xffff_ffff_ffff_fffc)
    (func (export "pagesize_oob") (result i32) i32.const 2 i32.load16_u $p)
    (func (export "table_get") (result funcref) i32.const 2 table.get $t)
    (func (export "table64_get") (result funcref) i64.const 2 table.get $t64)
    (func (export "table_copy") i32.const 1 i32.const 0 i32.const 2 table.copy $t $t)
    (func (export "table_fill") i32.const 1 ref.null func i32.const 2 table.fill $t)
    (func (export "bad_signature")
        i32.const 0 ref.func $f table.set $t
        i32.const 7 i32.const 0 call_indirect $t (type $i))
    (func (export "call_ref_null") ref.null $v call_ref $v)
    (func (export "as_non_null") ref.null func ref.as_non_null drop)
    (func (export "throw_ref_null") ref.null exn throw_ref)
    (func (export "uncaught") throw $e)
    (func (export "trunc") (result i64) f32.const -1 i64.trunc_f32_u)
    (func (export "div") (result i64) i64.const 1 i64.const 0 i64.div_s)
    (func $recurse (export "recurse") (param i32)
        local.get 0 i32.const 1 i32.add call $reenter)
)"#;

#[test]
fn every_trap_without_any_signal_handler() {
    if !in_child("explicit_traps::every_trap_without_any_signal_handler") {
        return;
    }
    for pooling in [false, true] {
        let engine = engine(|c| {
            c.shared_memory(true).wasm_custom_page_sizes(true);
            if pooling {
                let mut pool = PoolingAllocationConfig::default();
                pool.max_memories_per_module(3).max_tables_per_module(2);
                c.allocation_strategy(pool);
            }
        });
        let module = Module::new(&engine, TRAPS).unwrap();
        let mut store = Store::new(&engine, ());
        // Recursion that goes through the host at every level.
        let reenter = Func::wrap(
            &mut store,
            |mut caller: Caller<'_, ()>, depth: i32| -> Result<()> {
                let f = caller.get_export("recurse").unwrap().into_func().unwrap();
                f.typed::<i32, ()>(&caller)?.call(&mut caller, depth)
            },
        );
        let shared = SharedMemory::new(&engine, MemoryType::shared(1, 1)).unwrap();
        let imports = [reenter.into(), shared.into()];
        let instance = Instance::new(&mut store, &module, &imports).unwrap();
        let expected = [
            ("v128_load", Trap::MemoryOutOfBounds),
            ("v128_store", Trap::MemoryOutOfBounds),
            ("load_lane", Trap::MemoryOutOfBounds),
            ("store_lane", Trap::MemoryOutOfBounds),
            ("load_splat", Trap::MemoryOutOfBounds),
            ("load_zero", Trap::MemoryOutOfBounds),
            ("atomic_misaligned", Trap::HeapMisaligned),
            ("atomic_oob", Trap::MemoryOutOfBounds),
            ("atomic_cmpxchg_oob", Trap::MemoryOutOfBounds),
            ("wait_unshared", Trap::AtomicWaitNonSharedMemory),
            ("wait_oob", Trap::MemoryOutOfBounds),
            ("memory_copy", Trap::MemoryOutOfBounds),
            ("memory_fill", Trap::MemoryOutOfBounds),
            ("memory64_oob", Trap::MemoryOutOfBounds),
            ("memory64_huge_offset", Trap::MemoryOutOfBounds),
            ("pagesize_oob", Trap::MemoryOutOfBounds),
            ("table_get", Trap::TableOutOfBounds),
            ("table64_get", Trap::TableOutOfBounds),
            ("table_copy", Trap::TableOutOfBounds),
            ("table_fill", Trap::TableOutOfBounds),
            ("bad_signature", Trap::BadSignature),
            ("call_ref_null", Trap::NullReference),
            ("as_non_null", Trap::NullReference),
            ("throw_ref_null", Trap::NullReference),
            ("trunc", Trap::IntegerOverflow),
            ("div", Trap::IntegerDivisionByZero),
        ];
        for _ in 0..2 {
            for (name, trap) in expected {
                let f = instance.get_func(&mut store, name).unwrap();
                let mut results = vec![Val::I32(0); f.ty(&store).results().len()];
                let err = f.call(&mut store, &[], &mut results).expect_err(name);
                assert_eq!(err.downcast_ref::<Trap>(), Some(&trap), "{name}: {err:?}");
            }
            let f = instance.get_func(&mut store, "uncaught").unwrap();
            let err = f.call(&mut store, &[], &mut []).unwrap_err();
            assert!(err.is::<ThrownException>(), "{err:?}");
            store.take_pending_exception().unwrap();
            let recurse = instance
                .get_typed_func::<i32, ()>(&mut store, "recurse")
                .unwrap();
            assert_eq!(trap_of(recurse.call(&mut store, 0)), Trap::StackOverflow);
        }
    }
    assert_no_fault_handlers();
}

/// With signal-based traps on, a failing host function, a limiter error
/// and a failing builtin (`table.init`/`memory.init` out of bounds) are
/// raised by a direct call into the runtime, never by a deliberate illegal
/// instruction: the child runs with SIGILL back at its default action
/// (which would kill it) after the engine installed its handlers.
#[test]
fn host_and_builtin_failures_never_fault() {
    if !in_child("explicit_traps::host_and_builtin_failures_never_fault") {
        return;
    }
    struct DenyGrowth;
    impl ResourceLimiter for DenyGrowth {
        fn memory_growing(&mut self, current: usize, _: usize, _: Option<usize>) -> Result<bool> {
            if current > 0 {
                anyhow::bail!("no more memory");
            }
            Ok(true)
        }
        fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> Result<bool> {
            Ok(true)
        }
    }
    let mut config = Config::new();
    config.signals_based_traps(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
            (import "host" "fail" (func $fail))
            (memory 1)
            (table 1 funcref)
            (elem $e func $f)
            (data $d "abc")
            (func $f)
            (func (export "host") call $fail)
            (func (export "grow") (result i32) (memory.grow (i32.const 1)))
            (func (export "table_init") (table.init $e (i32.const 1) (i32.const 0) (i32.const 1)))
            (func (export "memory_init") (memory.init $d (i32.const 65535) (i32.const 0) (i32.const 3))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, DenyGrowth);
    store.limiter(|s| s as &mut dyn ResourceLimiter);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "fail", || -> Result<()> {
            anyhow::bail!("host failure")
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    // From here on a `ud2` would kill the process.
    // SAFETY: resets SIGILL's disposition in this single-test child.
    unsafe {
        libc::signal(libc::SIGILL, libc::SIG_DFL);
    }
    let host = instance
        .get_typed_func::<(), ()>(&mut store, "host")
        .unwrap();
    let err = host.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:?}").contains("host failure"), "{err:?}");
    let grow = instance
        .get_typed_func::<(), i32>(&mut store, "grow")
        .unwrap();
    let err = grow.call(&mut store, ()).unwrap_err();
    assert!(format!("{err:?}").contains("no more memory"), "{err:?}");
    let table_init = instance
        .get_typed_func::<(), ()>(&mut store, "table_init")
        .unwrap();
    assert_eq!(
        trap_of(table_init.call(&mut store, ())),
        Trap::TableOutOfBounds
    );
    let memory_init = instance
        .get_typed_func::<(), ()>(&mut store, "memory_init")
        .unwrap();
    assert_eq!(
        trap_of(memory_init.call(&mut store, ())),
        Trap::MemoryOutOfBounds
    );
}
