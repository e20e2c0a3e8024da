//! Translation of the SIMD (`v128`) and relaxed SIMD operators.
//!
//! Every `v128` value on the operand stack, in locals, block parameters,
//! globals and signatures has the one CLIF type [`V128`] (`i8x16`). An
//! operator bitcasts its operands to the lane type it works on and its
//! result back to `i8x16`; such bitcasts cost nothing on x86 and Cranelift
//! folds chains of them.
//!
//! Several operators are emitted in the exact shape the x86 backend
//! pattern-matches to one instruction (`pmaddwd` for dot products and
//! pairwise additions, `minps`/`maxps` for `pmin`/`pmax`, `cvttpd2dq` for the
//! `f64x2` truncations). Relaxed operators use the x86-specific CLIF
//! instructions unless `Tunables::relaxed_simd_deterministic` asks for the
//! deterministic semantics of the relaxed SIMD specification.

use super::{heap, FuncState};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_codegen::isa::TargetIsa;
use wasmparser::{MemArg, Operator};
use wasmtime_environ::WasmResult;

/// The CLIF type of every `v128` value crossing an operator boundary.
pub(crate) const V128: Type = I8X16;

/// Flags for bitcasts between vector types (they may change the lane count,
/// which requires a byte order).
fn lanes() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

/// Whether Cranelift is generating x86 code (the relaxed operators then use
/// the x86 instructions' semantics unless deterministic results are asked).
fn is_x86(isa: &dyn TargetIsa) -> bool {
    isa.name() == "x64"
}

impl FuncState<'_, '_, '_> {
    /// `v` viewed as a vector of type `ty`.
    fn as_vec(&mut self, v: Value, ty: Type) -> Value {
        if self.b.func.dfg.value_type(v) == ty {
            v
        } else {
            self.b.ins().bitcast(ty, lanes(), v)
        }
    }

    /// Pops a `v128` and views it as `ty`.
    fn pop_vec(&mut self, ty: Type) -> Value {
        let v = self.pop();
        self.as_vec(v, ty)
    }

    fn pop2_vec(&mut self, ty: Type) -> (Value, Value) {
        let y = self.pop_vec(ty);
        let x = self.pop_vec(ty);
        (x, y)
    }

    fn pop3_vec(&mut self, ty: Type) -> (Value, Value, Value) {
        let z = self.pop_vec(ty);
        let (x, y) = self.pop2_vec(ty);
        (x, y, z)
    }

    /// Pushes vector `v` as a `v128`.
    fn push_vec(&mut self, v: Value) {
        let v = self.as_vec(v, V128);
        self.push(v);
    }

    /// A vector constant of type `ty` from little-endian bytes.
    fn vconst(&mut self, ty: Type, bytes: &[u8; 16]) -> Value {
        let handle = self
            .b
            .func
            .dfg
            .constants
            .insert(ConstantData::from(bytes.to_vec()));
        self.b.ins().vconst(ty, handle)
    }

    /// Pops the index of a memory access and computes (address, offset).
    fn simd_addr(&mut self, memarg: &MemArg, size: u32) -> WasmResult<(Value, i32)> {
        let index = self.pop();
        self.heap_addr(memarg, index, size)
    }

    /// Relaxed operators use their deterministic semantics.
    fn deterministic(&self) -> bool {
        self.env.tunables.relaxed_simd_deterministic || !is_x86(self.env.isa)
    }

    /// `fma` as relaxed `madd` may compute it: fused when deterministic
    /// (the specification's deterministic semantics) or when the host has
    /// native FMA, else an unfused multiply and add.
    fn relaxed_fma(&mut self, a: Value, b: Value, c: Value) -> Value {
        if self.deterministic() || self.env.isa.has_native_fma() {
            self.b.ins().fma(a, b, c)
        } else {
            let m = self.b.ins().fmul(a, b);
            self.b.ins().fadd(m, c)
        }
    }

    /// Signed 8-bit products of `a` and `b`, summed pairwise into 16 bits
    /// (wrapping): the deterministic relaxed dot product.
    fn dot_i8x16_signed(&mut self, a: Value, b: Value) -> Value {
        let (lo, hi) = self.mul_halves(a, b);
        self.b.ins().iadd_pairwise(lo, hi)
    }

    /// The products of the low and of the high halves of `a` and `b`,
    /// sign-extended to twice the lane width.
    fn mul_halves(&mut self, a: Value, b: Value) -> (Value, Value) {
        let al = self.b.ins().swiden_low(a);
        let bl = self.b.ins().swiden_low(b);
        let lo = self.b.ins().imul(al, bl);
        let ah = self.b.ins().swiden_high(a);
        let bh = self.b.ins().swiden_high(b);
        let hi = self.b.ins().imul(ah, bh);
        (lo, hi)
    }

    /// Adds adjacent lanes of `v` into lanes of twice the width (signed).
    fn extadd_pairwise_s(&mut self, v: Value) -> Value {
        let lo = self.b.ins().swiden_low(v);
        let hi = self.b.ins().swiden_high(v);
        self.b.ins().iadd_pairwise(lo, hi)
    }

    /// Translates `op` if it is a SIMD or relaxed SIMD operator; returns
    /// whether it was one.
    pub(super) fn translate_simd(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        macro_rules! un {
            ($ty:expr, $m:ident) => {{
                let x = self.pop_vec($ty);
                let v = self.b.ins().$m(x);
                self.push_vec(v);
            }};
        }
        macro_rules! bin {
            ($ty:expr, $m:ident) => {{
                let (x, y) = self.pop2_vec($ty);
                let v = self.b.ins().$m(x, y);
                self.push_vec(v);
            }};
        }
        macro_rules! icmp {
            ($ty:expr, $cc:ident) => {{
                let (x, y) = self.pop2_vec($ty);
                let v = self.b.ins().icmp(IntCC::$cc, x, y);
                self.push_vec(v);
            }};
        }
        macro_rules! fcmp {
            ($ty:expr, $cc:ident) => {{
                let (x, y) = self.pop2_vec($ty);
                let v = self.b.ins().fcmp(FloatCC::$cc, x, y);
                self.push_vec(v);
            }};
        }
        macro_rules! shift {
            ($ty:expr, $m:ident) => {{
                let amount = self.pop();
                let x = self.pop_vec($ty);
                let v = self.b.ins().$m(x, amount);
                self.push_vec(v);
            }};
        }
        macro_rules! splat {
            ($ty:expr, $narrow:expr) => {{
                let mut x = self.pop();
                if let Some(n) = $narrow {
                    x = self.b.ins().ireduce(n, x);
                }
                let v = self.b.ins().splat($ty, x);
                self.push_vec(v);
            }};
        }
        macro_rules! widen {
            ($ty:expr, $m:ident) => {{
                let x = self.pop_vec($ty);
                let v = self.b.ins().$m(x);
                self.push_vec(v);
            }};
        }
        macro_rules! extmul {
            ($ty:expr, $widen:ident) => {{
                let (x, y) = self.pop2_vec($ty);
                let x = self.b.ins().$widen(x);
                let y = self.b.ins().$widen(y);
                let v = self.b.ins().imul(x, y);
                self.push_vec(v);
            }};
        }
        macro_rules! extract {
            ($ty:expr, $lane:expr, $ext:ident) => {{
                let x = self.pop_vec($ty);
                let v = self.b.ins().extractlane(x, *$lane);
                let v = self.b.ins().$ext(I32, v);
                self.push(v);
            }};
            ($ty:expr, $lane:expr) => {{
                let x = self.pop_vec($ty);
                let v = self.b.ins().extractlane(x, *$lane);
                self.push(v);
            }};
        }
        macro_rules! replace {
            ($ty:expr, $lane:expr, $narrow:expr) => {{
                let mut val = self.pop();
                let x = self.pop_vec($ty);
                if let Some(n) = $narrow {
                    val = self.b.ins().ireduce(n, val);
                }
                let v = self.b.ins().insertlane(x, val, *$lane);
                self.push_vec(v);
            }};
        }
        macro_rules! load_ext {
            ($memarg:expr, $m:ident) => {{
                let (addr, off) = self.simd_addr($memarg, 8)?;
                let v = self.b.ins().$m(heap(), addr, off);
                self.push_vec(v);
            }};
        }
        macro_rules! load_splat {
            ($memarg:expr, $scalar:expr, $vec:expr, $size:expr) => {{
                let (addr, off) = self.simd_addr($memarg, $size)?;
                let x = self.b.ins().load($scalar, heap(), addr, off);
                let v = self.b.ins().splat($vec, x);
                self.push_vec(v);
            }};
        }
        macro_rules! load_zero {
            ($memarg:expr, $scalar:expr, $vec:expr, $size:expr) => {{
                let (addr, off) = self.simd_addr($memarg, $size)?;
                let x = self.b.ins().load($scalar, heap(), addr, off);
                let v = self.b.ins().scalar_to_vector($vec, x);
                self.push_vec(v);
            }};
        }
        macro_rules! load_lane {
            ($memarg:expr, $lane:expr, $scalar:expr, $vec:expr, $size:expr) => {{
                let x = self.pop_vec($vec);
                let (addr, off) = self.simd_addr($memarg, $size)?;
                let val = self.b.ins().load($scalar, heap(), addr, off);
                let v = self.b.ins().insertlane(x, val, *$lane);
                self.push_vec(v);
            }};
        }
        macro_rules! store_lane {
            ($memarg:expr, $lane:expr, $vec:expr, $size:expr) => {{
                let x = self.pop_vec($vec);
                let (addr, off) = self.simd_addr($memarg, $size)?;
                let val = self.b.ins().extractlane(x, *$lane);
                self.b.ins().store(heap(), val, addr, off);
            }};
        }

        match op {
            // Memory.
            Operator::V128Load { memarg } => {
                let (addr, off) = self.simd_addr(memarg, 16)?;
                let v = self.b.ins().load(V128, heap(), addr, off);
                self.push(v);
            }
            Operator::V128Store { memarg } => {
                let v = self.pop_vec(V128);
                let (addr, off) = self.simd_addr(memarg, 16)?;
                self.b.ins().store(heap(), v, addr, off);
            }
            Operator::V128Load8x8S { memarg } => load_ext!(memarg, sload8x8),
            Operator::V128Load8x8U { memarg } => load_ext!(memarg, uload8x8),
            Operator::V128Load16x4S { memarg } => load_ext!(memarg, sload16x4),
            Operator::V128Load16x4U { memarg } => load_ext!(memarg, uload16x4),
            Operator::V128Load32x2S { memarg } => load_ext!(memarg, sload32x2),
            Operator::V128Load32x2U { memarg } => load_ext!(memarg, uload32x2),
            Operator::V128Load8Splat { memarg } => load_splat!(memarg, I8, I8X16, 1),
            Operator::V128Load16Splat { memarg } => load_splat!(memarg, I16, I16X8, 2),
            Operator::V128Load32Splat { memarg } => load_splat!(memarg, I32, I32X4, 4),
            Operator::V128Load64Splat { memarg } => load_splat!(memarg, I64, I64X2, 8),
            Operator::V128Load32Zero { memarg } => load_zero!(memarg, I32, I32X4, 4),
            Operator::V128Load64Zero { memarg } => load_zero!(memarg, I64, I64X2, 8),
            Operator::V128Load8Lane { memarg, lane } => load_lane!(memarg, lane, I8, I8X16, 1),
            Operator::V128Load16Lane { memarg, lane } => load_lane!(memarg, lane, I16, I16X8, 2),
            Operator::V128Load32Lane { memarg, lane } => load_lane!(memarg, lane, I32, I32X4, 4),
            Operator::V128Load64Lane { memarg, lane } => load_lane!(memarg, lane, I64, I64X2, 8),
            Operator::V128Store8Lane { memarg, lane } => store_lane!(memarg, lane, I8X16, 1),
            Operator::V128Store16Lane { memarg, lane } => store_lane!(memarg, lane, I16X8, 2),
            Operator::V128Store32Lane { memarg, lane } => store_lane!(memarg, lane, I32X4, 4),
            Operator::V128Store64Lane { memarg, lane } => store_lane!(memarg, lane, I64X2, 8),

            // Constants, lanes and shuffles.
            Operator::V128Const { value } => {
                let v = self.vconst(V128, value.bytes());
                self.push(v);
            }
            Operator::I8x16Shuffle { lanes } => {
                let (x, y) = self.pop2_vec(I8X16);
                let mask = self
                    .b
                    .func
                    .dfg
                    .immediates
                    .push(ConstantData::from(lanes.to_vec()));
                let v = self.b.ins().shuffle(x, y, mask);
                self.push_vec(v);
            }
            Operator::I8x16Swizzle => bin!(I8X16, swizzle),
            Operator::I8x16Splat => splat!(I8X16, Some(I8)),
            Operator::I16x8Splat => splat!(I16X8, Some(I16)),
            Operator::I32x4Splat => splat!(I32X4, None::<Type>),
            Operator::I64x2Splat => splat!(I64X2, None::<Type>),
            Operator::F32x4Splat => splat!(F32X4, None::<Type>),
            Operator::F64x2Splat => splat!(F64X2, None::<Type>),
            Operator::I8x16ExtractLaneS { lane } => extract!(I8X16, lane, sextend),
            Operator::I8x16ExtractLaneU { lane } => extract!(I8X16, lane, uextend),
            Operator::I16x8ExtractLaneS { lane } => extract!(I16X8, lane, sextend),
            Operator::I16x8ExtractLaneU { lane } => extract!(I16X8, lane, uextend),
            Operator::I32x4ExtractLane { lane } => extract!(I32X4, lane),
            Operator::I64x2ExtractLane { lane } => extract!(I64X2, lane),
            Operator::F32x4ExtractLane { lane } => extract!(F32X4, lane),
            Operator::F64x2ExtractLane { lane } => extract!(F64X2, lane),
            Operator::I8x16ReplaceLane { lane } => replace!(I8X16, lane, Some(I8)),
            Operator::I16x8ReplaceLane { lane } => replace!(I16X8, lane, Some(I16)),
            Operator::I32x4ReplaceLane { lane } => replace!(I32X4, lane, None::<Type>),
            Operator::I64x2ReplaceLane { lane } => replace!(I64X2, lane, None::<Type>),
            Operator::F32x4ReplaceLane { lane } => replace!(F32X4, lane, None::<Type>),
            Operator::F64x2ReplaceLane { lane } => replace!(F64X2, lane, None::<Type>),

            // Integer comparisons.
            Operator::I8x16Eq => icmp!(I8X16, Equal),
            Operator::I8x16Ne => icmp!(I8X16, NotEqual),
            Operator::I8x16LtS => icmp!(I8X16, SignedLessThan),
            Operator::I8x16LtU => icmp!(I8X16, UnsignedLessThan),
            Operator::I8x16GtS => icmp!(I8X16, SignedGreaterThan),
            Operator::I8x16GtU => icmp!(I8X16, UnsignedGreaterThan),
            Operator::I8x16LeS => icmp!(I8X16, SignedLessThanOrEqual),
            Operator::I8x16LeU => icmp!(I8X16, UnsignedLessThanOrEqual),
            Operator::I8x16GeS => icmp!(I8X16, SignedGreaterThanOrEqual),
            Operator::I8x16GeU => icmp!(I8X16, UnsignedGreaterThanOrEqual),
            Operator::I16x8Eq => icmp!(I16X8, Equal),
            Operator::I16x8Ne => icmp!(I16X8, NotEqual),
            Operator::I16x8LtS => icmp!(I16X8, SignedLessThan),
            Operator::I16x8LtU => icmp!(I16X8, UnsignedLessThan),
            Operator::I16x8GtS => icmp!(I16X8, SignedGreaterThan),
            Operator::I16x8GtU => icmp!(I16X8, UnsignedGreaterThan),
            Operator::I16x8LeS => icmp!(I16X8, SignedLessThanOrEqual),
            Operator::I16x8LeU => icmp!(I16X8, UnsignedLessThanOrEqual),
            Operator::I16x8GeS => icmp!(I16X8, SignedGreaterThanOrEqual),
            Operator::I16x8GeU => icmp!(I16X8, UnsignedGreaterThanOrEqual),
            Operator::I32x4Eq => icmp!(I32X4, Equal),
            Operator::I32x4Ne => icmp!(I32X4, NotEqual),
            Operator::I32x4LtS => icmp!(I32X4, SignedLessThan),
            Operator::I32x4LtU => icmp!(I32X4, UnsignedLessThan),
            Operator::I32x4GtS => icmp!(I32X4, SignedGreaterThan),
            Operator::I32x4GtU => icmp!(I32X4, UnsignedGreaterThan),
            Operator::I32x4LeS => icmp!(I32X4, SignedLessThanOrEqual),
            Operator::I32x4LeU => icmp!(I32X4, UnsignedLessThanOrEqual),
            Operator::I32x4GeS => icmp!(I32X4, SignedGreaterThanOrEqual),
            Operator::I32x4GeU => icmp!(I32X4, UnsignedGreaterThanOrEqual),
            Operator::I64x2Eq => icmp!(I64X2, Equal),
            Operator::I64x2Ne => icmp!(I64X2, NotEqual),
            Operator::I64x2LtS => icmp!(I64X2, SignedLessThan),
            Operator::I64x2GtS => icmp!(I64X2, SignedGreaterThan),
            Operator::I64x2LeS => icmp!(I64X2, SignedLessThanOrEqual),
            Operator::I64x2GeS => icmp!(I64X2, SignedGreaterThanOrEqual),

            // Float comparisons.
            Operator::F32x4Eq => fcmp!(F32X4, Equal),
            Operator::F32x4Ne => fcmp!(F32X4, NotEqual),
            Operator::F32x4Lt => fcmp!(F32X4, LessThan),
            Operator::F32x4Gt => fcmp!(F32X4, GreaterThan),
            Operator::F32x4Le => fcmp!(F32X4, LessThanOrEqual),
            Operator::F32x4Ge => fcmp!(F32X4, GreaterThanOrEqual),
            Operator::F64x2Eq => fcmp!(F64X2, Equal),
            Operator::F64x2Ne => fcmp!(F64X2, NotEqual),
            Operator::F64x2Lt => fcmp!(F64X2, LessThan),
            Operator::F64x2Gt => fcmp!(F64X2, GreaterThan),
            Operator::F64x2Le => fcmp!(F64X2, LessThanOrEqual),
            Operator::F64x2Ge => fcmp!(F64X2, GreaterThanOrEqual),

            // Bitwise operators.
            Operator::V128Not => un!(V128, bnot),
            Operator::V128And => bin!(V128, band),
            Operator::V128AndNot => bin!(V128, band_not),
            Operator::V128Or => bin!(V128, bor),
            Operator::V128Xor => bin!(V128, bxor),
            Operator::V128Bitselect => {
                let (x, y, c) = self.pop3_vec(V128);
                let v = self.b.ins().bitselect(c, x, y);
                self.push(v);
            }
            Operator::V128AnyTrue => {
                let x = self.pop_vec(V128);
                let t = self.b.ins().vany_true(x);
                let v = self.b.ins().uextend(I32, t);
                self.push(v);
            }
            Operator::I8x16AllTrue
            | Operator::I16x8AllTrue
            | Operator::I32x4AllTrue
            | Operator::I64x2AllTrue => {
                let ty = match op {
                    Operator::I8x16AllTrue => I8X16,
                    Operator::I16x8AllTrue => I16X8,
                    Operator::I32x4AllTrue => I32X4,
                    _ => I64X2,
                };
                let x = self.pop_vec(ty);
                let t = self.b.ins().vall_true(x);
                let v = self.b.ins().uextend(I32, t);
                self.push(v);
            }
            Operator::I8x16Bitmask
            | Operator::I16x8Bitmask
            | Operator::I32x4Bitmask
            | Operator::I64x2Bitmask => {
                let ty = match op {
                    Operator::I8x16Bitmask => I8X16,
                    Operator::I16x8Bitmask => I16X8,
                    Operator::I32x4Bitmask => I32X4,
                    _ => I64X2,
                };
                let x = self.pop_vec(ty);
                let v = self.b.ins().vhigh_bits(I32, x);
                self.push(v);
            }

            // Integer arithmetic.
            Operator::I8x16Abs => un!(I8X16, iabs),
            Operator::I16x8Abs => un!(I16X8, iabs),
            Operator::I32x4Abs => un!(I32X4, iabs),
            Operator::I64x2Abs => un!(I64X2, iabs),
            Operator::I8x16Neg => un!(I8X16, ineg),
            Operator::I16x8Neg => un!(I16X8, ineg),
            Operator::I32x4Neg => un!(I32X4, ineg),
            Operator::I64x2Neg => un!(I64X2, ineg),
            Operator::I8x16Popcnt => un!(I8X16, popcnt),
            Operator::I8x16Add => bin!(I8X16, iadd),
            Operator::I16x8Add => bin!(I16X8, iadd),
            Operator::I32x4Add => bin!(I32X4, iadd),
            Operator::I64x2Add => bin!(I64X2, iadd),
            Operator::I8x16Sub => bin!(I8X16, isub),
            Operator::I16x8Sub => bin!(I16X8, isub),
            Operator::I32x4Sub => bin!(I32X4, isub),
            Operator::I64x2Sub => bin!(I64X2, isub),
            Operator::I16x8Mul => bin!(I16X8, imul),
            Operator::I32x4Mul => bin!(I32X4, imul),
            Operator::I64x2Mul => bin!(I64X2, imul),
            Operator::I8x16AddSatS => bin!(I8X16, sadd_sat),
            Operator::I8x16AddSatU => bin!(I8X16, uadd_sat),
            Operator::I8x16SubSatS => bin!(I8X16, ssub_sat),
            Operator::I8x16SubSatU => bin!(I8X16, usub_sat),
            Operator::I16x8AddSatS => bin!(I16X8, sadd_sat),
            Operator::I16x8AddSatU => bin!(I16X8, uadd_sat),
            Operator::I16x8SubSatS => bin!(I16X8, ssub_sat),
            Operator::I16x8SubSatU => bin!(I16X8, usub_sat),
            Operator::I8x16MinS => bin!(I8X16, smin),
            Operator::I8x16MinU => bin!(I8X16, umin),
            Operator::I8x16MaxS => bin!(I8X16, smax),
            Operator::I8x16MaxU => bin!(I8X16, umax),
            Operator::I16x8MinS => bin!(I16X8, smin),
            Operator::I16x8MinU => bin!(I16X8, umin),
            Operator::I16x8MaxS => bin!(I16X8, smax),
            Operator::I16x8MaxU => bin!(I16X8, umax),
            Operator::I32x4MinS => bin!(I32X4, smin),
            Operator::I32x4MinU => bin!(I32X4, umin),
            Operator::I32x4MaxS => bin!(I32X4, smax),
            Operator::I32x4MaxU => bin!(I32X4, umax),
            Operator::I8x16AvgrU => bin!(I8X16, avg_round),
            Operator::I16x8AvgrU => bin!(I16X8, avg_round),
            Operator::I16x8Q15MulrSatS => bin!(I16X8, sqmul_round_sat),
            Operator::I8x16Shl => shift!(I8X16, ishl),
            Operator::I8x16ShrS => shift!(I8X16, sshr),
            Operator::I8x16ShrU => shift!(I8X16, ushr),
            Operator::I16x8Shl => shift!(I16X8, ishl),
            Operator::I16x8ShrS => shift!(I16X8, sshr),
            Operator::I16x8ShrU => shift!(I16X8, ushr),
            Operator::I32x4Shl => shift!(I32X4, ishl),
            Operator::I32x4ShrS => shift!(I32X4, sshr),
            Operator::I32x4ShrU => shift!(I32X4, ushr),
            Operator::I64x2Shl => shift!(I64X2, ishl),
            Operator::I64x2ShrS => shift!(I64X2, sshr),
            Operator::I64x2ShrU => shift!(I64X2, ushr),

            // Narrowing, widening, pairwise and extended multiplication.
            Operator::I8x16NarrowI16x8S => bin!(I16X8, snarrow),
            Operator::I8x16NarrowI16x8U => bin!(I16X8, unarrow),
            Operator::I16x8NarrowI32x4S => bin!(I32X4, snarrow),
            Operator::I16x8NarrowI32x4U => bin!(I32X4, unarrow),
            Operator::I16x8ExtendLowI8x16S => widen!(I8X16, swiden_low),
            Operator::I16x8ExtendHighI8x16S => widen!(I8X16, swiden_high),
            Operator::I16x8ExtendLowI8x16U => widen!(I8X16, uwiden_low),
            Operator::I16x8ExtendHighI8x16U => widen!(I8X16, uwiden_high),
            Operator::I32x4ExtendLowI16x8S => widen!(I16X8, swiden_low),
            Operator::I32x4ExtendHighI16x8S => widen!(I16X8, swiden_high),
            Operator::I32x4ExtendLowI16x8U => widen!(I16X8, uwiden_low),
            Operator::I32x4ExtendHighI16x8U => widen!(I16X8, uwiden_high),
            Operator::I64x2ExtendLowI32x4S => widen!(I32X4, swiden_low),
            Operator::I64x2ExtendHighI32x4S => widen!(I32X4, swiden_high),
            Operator::I64x2ExtendLowI32x4U => widen!(I32X4, uwiden_low),
            Operator::I64x2ExtendHighI32x4U => widen!(I32X4, uwiden_high),
            Operator::I16x8ExtAddPairwiseI8x16S | Operator::I32x4ExtAddPairwiseI16x8S => {
                let ty = if matches!(op, Operator::I16x8ExtAddPairwiseI8x16S) {
                    I8X16
                } else {
                    I16X8
                };
                let x = self.pop_vec(ty);
                let v = self.extadd_pairwise_s(x);
                self.push_vec(v);
            }
            Operator::I16x8ExtAddPairwiseI8x16U | Operator::I32x4ExtAddPairwiseI16x8U => {
                let ty = if matches!(op, Operator::I16x8ExtAddPairwiseI8x16U) {
                    I8X16
                } else {
                    I16X8
                };
                let x = self.pop_vec(ty);
                let lo = self.b.ins().uwiden_low(x);
                let hi = self.b.ins().uwiden_high(x);
                let v = self.b.ins().iadd_pairwise(lo, hi);
                self.push_vec(v);
            }
            Operator::I32x4DotI16x8S => {
                let (x, y) = self.pop2_vec(I16X8);
                let (lo, hi) = self.mul_halves(x, y);
                let v = self.b.ins().iadd_pairwise(lo, hi);
                self.push_vec(v);
            }
            Operator::I16x8ExtMulLowI8x16S => extmul!(I8X16, swiden_low),
            Operator::I16x8ExtMulHighI8x16S => extmul!(I8X16, swiden_high),
            Operator::I16x8ExtMulLowI8x16U => extmul!(I8X16, uwiden_low),
            Operator::I16x8ExtMulHighI8x16U => extmul!(I8X16, uwiden_high),
            Operator::I32x4ExtMulLowI16x8S => extmul!(I16X8, swiden_low),
            Operator::I32x4ExtMulHighI16x8S => extmul!(I16X8, swiden_high),
            Operator::I32x4ExtMulLowI16x8U => extmul!(I16X8, uwiden_low),
            Operator::I32x4ExtMulHighI16x8U => extmul!(I16X8, uwiden_high),
            Operator::I64x2ExtMulLowI32x4S => extmul!(I32X4, swiden_low),
            Operator::I64x2ExtMulHighI32x4S => extmul!(I32X4, swiden_high),
            Operator::I64x2ExtMulLowI32x4U => extmul!(I32X4, uwiden_low),
            Operator::I64x2ExtMulHighI32x4U => extmul!(I32X4, uwiden_high),

            // Float arithmetic. Cranelift's vector fmin/fmax, nearest and
            // friends have the wasm semantics.
            Operator::F32x4Ceil => un!(F32X4, ceil),
            Operator::F32x4Floor => un!(F32X4, floor),
            Operator::F32x4Trunc => un!(F32X4, trunc),
            Operator::F32x4Nearest => un!(F32X4, nearest),
            Operator::F32x4Abs => un!(F32X4, fabs),
            Operator::F32x4Neg => un!(F32X4, fneg),
            Operator::F32x4Sqrt => un!(F32X4, sqrt),
            Operator::F32x4Add => bin!(F32X4, fadd),
            Operator::F32x4Sub => bin!(F32X4, fsub),
            Operator::F32x4Mul => bin!(F32X4, fmul),
            Operator::F32x4Div => bin!(F32X4, fdiv),
            Operator::F32x4Min => bin!(F32X4, fmin),
            Operator::F32x4Max => bin!(F32X4, fmax),
            Operator::F64x2Ceil => un!(F64X2, ceil),
            Operator::F64x2Floor => un!(F64X2, floor),
            Operator::F64x2Trunc => un!(F64X2, trunc),
            Operator::F64x2Nearest => un!(F64X2, nearest),
            Operator::F64x2Abs => un!(F64X2, fabs),
            Operator::F64x2Neg => un!(F64X2, fneg),
            Operator::F64x2Sqrt => un!(F64X2, sqrt),
            Operator::F64x2Add => bin!(F64X2, fadd),
            Operator::F64x2Sub => bin!(F64X2, fsub),
            Operator::F64x2Mul => bin!(F64X2, fmul),
            Operator::F64x2Div => bin!(F64X2, fdiv),
            Operator::F64x2Min => bin!(F64X2, fmin),
            Operator::F64x2Max => bin!(F64X2, fmax),
            // `pmin(a, b) = b < a ? b : a` and `pmax(a, b) = a < b ? b : a`,
            // in the operand order the x86 backend turns into `minp*`/`maxp*`.
            Operator::F32x4PMin | Operator::F64x2PMin => {
                let ty = if matches!(op, Operator::F32x4PMin) {
                    F32X4
                } else {
                    F64X2
                };
                let (a, b) = self.pop2_vec(ty);
                let v = self.pmin(ty, a, b);
                self.push_vec(v);
            }
            Operator::F32x4PMax | Operator::F64x2PMax => {
                let ty = if matches!(op, Operator::F32x4PMax) {
                    F32X4
                } else {
                    F64X2
                };
                let (a, b) = self.pop2_vec(ty);
                let v = self.pmax(ty, a, b);
                self.push_vec(v);
            }

            // Conversions.
            Operator::I32x4TruncSatF32x4S => {
                let x = self.pop_vec(F32X4);
                let v = self.b.ins().fcvt_to_sint_sat(I32X4, x);
                self.push_vec(v);
            }
            Operator::I32x4TruncSatF32x4U | Operator::I32x4RelaxedTruncF32x4U => {
                let x = self.pop_vec(F32X4);
                let v = self.b.ins().fcvt_to_uint_sat(I32X4, x);
                self.push_vec(v);
            }
            Operator::I32x4TruncSatF64x2SZero => {
                let x = self.pop_vec(F64X2);
                let wide = self.b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = self.vconst(I64X2, &[0; 16]);
                let v = self.b.ins().snarrow(wide, zero);
                self.push_vec(v);
            }
            Operator::I32x4TruncSatF64x2UZero | Operator::I32x4RelaxedTruncF64x2UZero => {
                let x = self.pop_vec(F64X2);
                let wide = self.b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = self.vconst(I64X2, &[0; 16]);
                let v = self.b.ins().uunarrow(wide, zero);
                self.push_vec(v);
            }
            Operator::F32x4ConvertI32x4S => {
                let x = self.pop_vec(I32X4);
                let v = self.b.ins().fcvt_from_sint(F32X4, x);
                self.push_vec(v);
            }
            Operator::F32x4ConvertI32x4U => {
                let x = self.pop_vec(I32X4);
                let v = self.b.ins().fcvt_from_uint(F32X4, x);
                self.push_vec(v);
            }
            Operator::F64x2ConvertLowI32x4S => {
                let x = self.pop_vec(I32X4);
                let w = self.b.ins().swiden_low(x);
                let v = self.b.ins().fcvt_from_sint(F64X2, w);
                self.push_vec(v);
            }
            Operator::F64x2ConvertLowI32x4U => {
                let x = self.pop_vec(I32X4);
                let w = self.b.ins().uwiden_low(x);
                let v = self.b.ins().fcvt_from_uint(F64X2, w);
                self.push_vec(v);
            }
            Operator::F32x4DemoteF64x2Zero => un!(F64X2, fvdemote),
            Operator::F64x2PromoteLowF32x4 => un!(F32X4, fvpromote_low),

            // Relaxed SIMD.
            Operator::I8x16RelaxedSwizzle => {
                let (x, y) = self.pop2_vec(I8X16);
                let v = if self.deterministic() || !self.env.isa.has_x86_pshufb_lowering() {
                    self.b.ins().swizzle(x, y)
                } else {
                    self.b.ins().x86_pshufb(x, y)
                };
                self.push_vec(v);
            }
            Operator::I32x4RelaxedTruncF32x4S => {
                let x = self.pop_vec(F32X4);
                let v = if self.deterministic() {
                    self.b.ins().fcvt_to_sint_sat(I32X4, x)
                } else {
                    self.b.ins().x86_cvtt2dq(I32X4, x)
                };
                self.push_vec(v);
            }
            Operator::I32x4RelaxedTruncF64x2SZero => {
                let x = self.pop_vec(F64X2);
                let wide = if self.deterministic() {
                    self.b.ins().fcvt_to_sint_sat(I64X2, x)
                } else {
                    self.b.ins().x86_cvtt2dq(I64X2, x)
                };
                let zero = self.vconst(I64X2, &[0; 16]);
                let v = self.b.ins().snarrow(wide, zero);
                self.push_vec(v);
            }
            Operator::F32x4RelaxedMadd
            | Operator::F64x2RelaxedMadd
            | Operator::F32x4RelaxedNmadd
            | Operator::F64x2RelaxedNmadd => {
                let ty = match op {
                    Operator::F32x4RelaxedMadd | Operator::F32x4RelaxedNmadd => F32X4,
                    _ => F64X2,
                };
                let (mut a, b, c) = self.pop3_vec(ty);
                if matches!(
                    op,
                    Operator::F32x4RelaxedNmadd | Operator::F64x2RelaxedNmadd
                ) {
                    a = self.b.ins().fneg(a);
                }
                let v = self.relaxed_fma(a, b, c);
                self.push_vec(v);
            }
            Operator::I8x16RelaxedLaneselect
            | Operator::I16x8RelaxedLaneselect
            | Operator::I32x4RelaxedLaneselect
            | Operator::I64x2RelaxedLaneselect => {
                let ty = match op {
                    Operator::I8x16RelaxedLaneselect => I8X16,
                    Operator::I16x8RelaxedLaneselect => I16X8,
                    Operator::I32x4RelaxedLaneselect => I32X4,
                    _ => I64X2,
                };
                let (x, y, mask) = self.pop3_vec(ty);
                let v = if self.deterministic() || !self.env.isa.has_blendv_lowering(ty) {
                    self.b.ins().bitselect(mask, x, y)
                } else {
                    self.b.ins().blendv(mask, x, y)
                };
                self.push_vec(v);
            }
            Operator::F32x4RelaxedMin
            | Operator::F64x2RelaxedMin
            | Operator::F32x4RelaxedMax
            | Operator::F64x2RelaxedMax => {
                let ty = match op {
                    Operator::F32x4RelaxedMin | Operator::F32x4RelaxedMax => F32X4,
                    _ => F64X2,
                };
                let is_min = matches!(op, Operator::F32x4RelaxedMin | Operator::F64x2RelaxedMin);
                let (a, b) = self.pop2_vec(ty);
                let v = match (self.deterministic(), is_min) {
                    (true, true) => self.b.ins().fmin(a, b),
                    (true, false) => self.b.ins().fmax(a, b),
                    // x86 `minps a, b` is `a < b ? a : b`, i.e. `pmin(b, a)`.
                    (false, true) => self.pmin(ty, b, a),
                    (false, false) => self.pmax(ty, b, a),
                };
                self.push_vec(v);
            }
            Operator::I16x8RelaxedQ15mulrS => {
                let (x, y) = self.pop2_vec(I16X8);
                let v = if self.deterministic() || !self.env.isa.has_x86_pmulhrsw_lowering() {
                    self.b.ins().sqmul_round_sat(x, y)
                } else {
                    self.b.ins().x86_pmulhrsw(x, y)
                };
                self.push_vec(v);
            }
            Operator::I16x8RelaxedDotI8x16I7x16S => {
                let (x, y) = self.pop2_vec(I8X16);
                let v = self.relaxed_dot16(x, y);
                self.push_vec(v);
            }
            Operator::I32x4RelaxedDotI8x16I7x16AddS => {
                let acc = self.pop_vec(I32X4);
                let (x, y) = self.pop2_vec(I8X16);
                let sum = if self.deterministic() || !self.env.isa.has_x86_pmaddubsw_lowering() {
                    // Exact sums of four signed products each.
                    let (lo, hi) = self.mul_halves(x, y);
                    let lo = self.extadd_pairwise_s(lo);
                    let hi = self.extadd_pairwise_s(hi);
                    self.b.ins().iadd_pairwise(lo, hi)
                } else {
                    let dot = self.b.ins().x86_pmaddubsw(x, y);
                    self.extadd_pairwise_s(dot)
                };
                let v = self.b.ins().iadd(sum, acc);
                self.push_vec(v);
            }

            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `b < a ? b : a` lane-wise.
    fn pmin(&mut self, ty: Type, a: Value, b: Value) -> Value {
        let lt = self.b.ins().fcmp(FloatCC::LessThan, b, a);
        let mask = self.as_vec(lt, ty);
        self.b.ins().bitselect(mask, b, a)
    }

    /// `a < b ? b : a` lane-wise.
    fn pmax(&mut self, ty: Type, a: Value, b: Value) -> Value {
        let lt = self.b.ins().fcmp(FloatCC::LessThan, a, b);
        let mask = self.as_vec(lt, ty);
        self.b.ins().bitselect(mask, b, a)
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s`: `pmaddubsw` (second operand
    /// signed, first unsigned, saturating) or, deterministically, signed
    /// products summed pairwise.
    fn relaxed_dot16(&mut self, x: Value, y: Value) -> Value {
        if self.deterministic() || !self.env.isa.has_x86_pmaddubsw_lowering() {
            self.dot_i8x16_signed(x, y)
        } else {
            self.b.ins().x86_pmaddubsw(x, y)
        }
    }
}
