//! Checks the metadata of compiled code: trap tables, relocations, address
//! maps, and errors for invalid or unsupported input.

use wasmtime_cranelift::{CompilerConfig, CraneliftCompiler};
use wasmtime_environ::wasmparser::WasmFeatures;
use wasmtime_environ::*;

fn compiler() -> CraneliftCompiler {
    CraneliftCompiler::new(&CompilerConfig {
        enable_verifier: true,
        ..CompilerConfig::default()
    })
    .unwrap()
}

fn features() -> WasmFeatures {
    WasmFeatures::WASM2 - WasmFeatures::SIMD
}

/// Compiles every defined function of `wat`.
fn compile_all(
    features: WasmFeatures,
    tunables: &Tunables,
    wat: &str,
) -> WasmResult<Vec<CompiledFunction>> {
    let wasm = wat::parse_str(wat).unwrap();
    let translation = translate_module(features, &wasm)?;
    let module = &translation.module;
    let offsets = VMOffsets::new(module);
    let compiler = compiler();
    translation
        .function_bodies
        .into_iter()
        .map(|(i, body)| compiler.compile_function(module, &offsets, tunables, i, body))
        .collect()
}

fn traps(f: &CompiledFunction) -> Vec<Trap> {
    f.traps
        .iter()
        .filter_map(|t| match t.trap {
            TrapSite::Wasm(t) => Some(t),
            TrapSite::HostError | TrapSite::Exception => None,
        })
        .collect()
}

fn assert_well_formed(f: &CompiledFunction) {
    assert!(f.alignment.is_power_of_two());
    assert!(f
        .traps
        .windows(2)
        .all(|w| w[0].code_offset <= w[1].code_offset));
    assert!(f
        .traps
        .iter()
        .all(|t| (t.code_offset as usize) < f.body.len()));
    assert!(f.address_map.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(f
        .address_map
        .iter()
        .all(|(c, _)| (*c as usize) < f.body.len()));
    for r in &f.relocations {
        let size = wasmtime_environ::relocation_size(r.kind) as usize;
        assert!(r.offset as usize + size <= f.body.len());
    }
}

const MODULE: &str = r#"
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "imp" (func $imp (param i32) (result i32)))
  (table 4 funcref)
  (memory 1)
  (func $callee (param i32) (result i32) local.get 0)
  (func $caller (param i32) (result i32)
    local.get 0
    call $callee
    call $imp)
  (func $div (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func $unreachable unreachable)
  (func $load (param i32) (result i32)
    local.get 0
    i32.load offset=16)
  (func $indirect (param i32) (result i32)
    i32.const 7
    local.get 0
    call_indirect (type $t))
  (func $table_get (param i32) (result funcref)
    local.get 0
    table.get 0)
  (func $trunc (param f64) (result i32)
    local.get 0
    i32.trunc_f64_s)
)
"#;

#[test]
fn traps_and_relocations() {
    let funcs = compile_all(features(), &Tunables::default(), MODULE).unwrap();
    assert_eq!(funcs.len(), 8);
    for f in &funcs {
        assert_well_formed(f);
    }
    let [callee, caller, div, unreachable, load, indirect, table_get, trunc] = &funcs[..] else {
        unreachable!()
    };

    // A leaf function without a frame has no stack check and no traps.
    assert!(callee.relocations.is_empty());

    // The direct call to a defined function is a relocation; the call to
    // the import goes through its funcref (no relocation).
    assert_eq!(caller.relocations.len(), 1);
    let r = caller.relocations[0];
    assert_eq!(
        r.target,
        RelocationTarget::Wasm(DefinedFuncIndex::from_u32(0))
    );
    assert_eq!(r.kind, RelocationKind::PcRel4);
    assert_eq!(r.addend, -4);
    // It has a frame, hence a stack-limit check.
    assert!(traps(caller).contains(&Trap::StackOverflow));
    assert!(!caller.address_map.is_empty());

    let div_traps = traps(div);
    assert!(
        div_traps.contains(&Trap::IntegerDivisionByZero),
        "{div_traps:?}"
    );
    assert!(div_traps.contains(&Trap::IntegerOverflow), "{div_traps:?}");

    assert_eq!(traps(unreachable), [Trap::UnreachableCodeReached]);

    // With the default guard region the load needs no explicit check: the
    // load itself is the trapping instruction.
    assert_eq!(traps(load), [Trap::MemoryOutOfBounds]);

    let indirect_traps = traps(indirect);
    for t in [
        Trap::TableOutOfBounds,
        Trap::IndirectCallToNull,
        Trap::BadSignature,
    ] {
        assert!(
            indirect_traps.contains(&t),
            "{t:?} missing: {indirect_traps:?}"
        );
    }

    assert_eq!(traps(table_get), [Trap::TableOutOfBounds]);

    let trunc_traps = traps(trunc);
    assert!(
        trunc_traps.contains(&Trap::BadConversionToInteger),
        "{trunc_traps:?}"
    );
    assert!(
        trunc_traps.contains(&Trap::IntegerOverflow),
        "{trunc_traps:?}"
    );
}

#[test]
fn address_map_points_into_the_module() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let funcs = compile_all(features(), &Tunables::default(), MODULE).unwrap();
    for f in &funcs {
        for &(_, wasm_offset) in &f.address_map {
            assert!((wasm_offset as usize) < wasm.len());
        }
    }
    // The `unreachable` trap maps to the `unreachable` opcode (0x00).
    let f = &funcs[3];
    let trap_offset = f.traps[0].code_offset;
    let (_, wasm_offset) = f
        .address_map
        .iter()
        .rev()
        .find(|(code, _)| *code <= trap_offset)
        .copied()
        .expect("trap has a source location");
    assert_eq!(wasm[wasm_offset as usize], 0x00);
}

#[test]
fn explicit_bounds_checks() {
    let tunables = Tunables {
        signals_based_traps: false,
        memory_guard_size: 0,
        ..Tunables::default()
    };
    let funcs = compile_all(features(), &tunables, MODULE).unwrap();
    // The explicit check traps with the heap trap code too (besides the
    // explicit stack-limit check at entry).
    let load_traps = traps(&funcs[4]);
    assert!(load_traps.contains(&Trap::MemoryOutOfBounds));
    assert!(load_traps
        .iter()
        .all(|t| matches!(t, Trap::MemoryOutOfBounds | Trap::StackOverflow)));
}

#[test]
fn trampolines() {
    let wasm = wat::parse_str(MODULE).unwrap();
    let translation = translate_module(features(), &wasm).unwrap();
    let module = &translation.module;
    let compiler = compiler();

    let entry = compiler
        .compile_array_to_wasm_trampoline(
            module,
            &Tunables::default(),
            DefinedFuncIndex::from_u32(1),
        )
        .unwrap();
    assert_well_formed(&entry);
    assert_eq!(entry.relocations.len(), 1);
    assert_eq!(
        entry.relocations[0].target,
        RelocationTarget::Wasm(DefinedFuncIndex::from_u32(1))
    );

    let exit = compiler
        .compile_wasm_to_array_trampoline(
            module.func_type_at(TypeIndex::from_u32(0)),
            &Tunables::default(),
        )
        .unwrap();
    assert_well_formed(&exit);
    assert!(exit.relocations.is_empty());
    assert!(exit.traps.iter().any(|t| t.trap == TrapSite::HostError));

    // Many results (more than fit in registers) still compile.
    let ty = WasmFuncType::new(vec![WasmValType::I64; 20], vec![WasmValType::F64; 20]);
    compiler
        .compile_wasm_to_array_trampoline(&ty, &Tunables::default())
        .unwrap();
}

#[test]
fn invalid_bodies_are_errors() {
    // Type error inside a body: only found while compiling the body.
    let err = compile_all(
        features(),
        &Tunables::default(),
        "(module (func (result i32) i64.const 1))",
    )
    .unwrap_err();
    assert!(
        matches!(err, WasmError::InvalidWebAssembly { .. }),
        "{err:?}"
    );
}

#[test]
fn simd_compiles_to_vector_code() {
    let funcs = compile_all(
        WasmFeatures::WASM2,
        &Tunables::default(),
        "(module (func (param v128 v128) (result v128)
            local.get 0 local.get 1 i32x4.add))",
    )
    .unwrap();
    // A vector add is a handful of bytes, not a loop over lanes or a call.
    assert!(!funcs.is_empty());
    assert!(funcs[0].relocations.is_empty(), "no libcalls");
}

#[test]
fn fingerprint_names_target_and_settings() {
    let fp = compiler().fingerprint();
    assert!(fp.contains(std::env::consts::ARCH), "{fp}");
    assert!(fp.contains("opt_level"), "{fp}");
    assert!(fp.contains("preserve_frame_pointers"), "{fp}");
    // This crate's side of the ABI (calling convention, trampolines,
    // builtin conventions) is part of it too.
    assert!(fp.contains(";cranelift_abi="), "{fp}");
    let other = CraneliftCompiler::new(&CompilerConfig {
        opt_level: wasmtime_cranelift::OptLevel::None,
        ..CompilerConfig::default()
    })
    .unwrap()
    .fingerprint();
    assert_ne!(fp, other);
}
