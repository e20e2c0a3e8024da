//! Scalar numeric operators: integer and float comparisons, arithmetic,
//! conversions (trapping and saturating), reinterpretations, sign
//! extension and wide arithmetic.

use super::FuncState;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type};
use wasmparser::Operator;
use wasmtime_environ::WasmResult;

macro_rules! unop {
    ($s:ident, $m:ident) => {{
        let x = $s.pop();
        let v = $s.b.ins().$m(x);
        $s.push(v);
    }};
}

macro_rules! binop {
    ($s:ident, $m:ident) => {{
        let (x, y) = $s.pop2();
        let v = $s.b.ins().$m(x, y);
        $s.push(v);
    }};
}

macro_rules! icmp {
    ($s:ident, $cc:ident) => {{
        let (x, y) = $s.pop2();
        let c = $s.b.ins().icmp(IntCC::$cc, x, y);
        let v = $s.b.ins().uextend(I32, c);
        $s.push(v);
    }};
}

macro_rules! fcmp {
    ($s:ident, $cc:ident) => {{
        let (x, y) = $s.pop2();
        let c = $s.b.ins().fcmp(FloatCC::$cc, x, y);
        let v = $s.b.ins().uextend(I32, c);
        $s.push(v);
    }};
}

/// Integer division or remainder, with explicit checks in front when
/// traps may not fault (see `func/traps.rs`).
macro_rules! div {
    ($s:ident, $m:ident, $signed_div:expr) => {{
        let (x, y) = $s.pop2();
        $s.division_checks(x, y, $signed_div);
        let v = $s.b.ins().$m(x, y);
        $s.push(v);
    }};
}

/// A trapping float-to-integer conversion.
macro_rules! trunc {
    ($s:ident, $ty:expr, $signed:expr) => {{
        let x = $s.pop();
        let v = $s.trapping_fcvt(x, $ty, $signed);
        $s.push(v);
    }};
}

macro_rules! conv {
    ($s:ident, $m:ident, $ty:expr) => {{
        let x = $s.pop();
        let v = $s.b.ins().$m($ty, x);
        $s.push(v);
    }};
}

macro_rules! sext {
    ($s:ident, $from:expr, $to:expr) => {{
        let x = $s.pop();
        let n = $s.b.ins().ireduce($from, x);
        let v = $s.b.ins().sextend($to, n);
        $s.push(v);
    }};
}

impl FuncState<'_, '_, '_> {
    /// Translates a scalar numeric operator; false if `op` is none.
    pub(super) fn translate_numeric(&mut self, op: &Operator<'_>) -> WasmResult<bool> {
        match op {
            // Integer comparisons.
            Operator::I32Eqz | Operator::I64Eqz => {
                let x = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, x, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            Operator::I32Eq | Operator::I64Eq => icmp!(self, Equal),
            Operator::I32Ne | Operator::I64Ne => icmp!(self, NotEqual),
            Operator::I32LtS | Operator::I64LtS => icmp!(self, SignedLessThan),
            Operator::I32LtU | Operator::I64LtU => icmp!(self, UnsignedLessThan),
            Operator::I32GtS | Operator::I64GtS => icmp!(self, SignedGreaterThan),
            Operator::I32GtU | Operator::I64GtU => icmp!(self, UnsignedGreaterThan),
            Operator::I32LeS | Operator::I64LeS => icmp!(self, SignedLessThanOrEqual),
            Operator::I32LeU | Operator::I64LeU => icmp!(self, UnsignedLessThanOrEqual),
            Operator::I32GeS | Operator::I64GeS => icmp!(self, SignedGreaterThanOrEqual),
            Operator::I32GeU | Operator::I64GeU => icmp!(self, UnsignedGreaterThanOrEqual),

            // Float comparisons.
            Operator::F32Eq | Operator::F64Eq => fcmp!(self, Equal),
            Operator::F32Ne | Operator::F64Ne => fcmp!(self, NotEqual),
            Operator::F32Lt | Operator::F64Lt => fcmp!(self, LessThan),
            Operator::F32Gt | Operator::F64Gt => fcmp!(self, GreaterThan),
            Operator::F32Le | Operator::F64Le => fcmp!(self, LessThanOrEqual),
            Operator::F32Ge | Operator::F64Ge => fcmp!(self, GreaterThanOrEqual),

            // Integer arithmetic. Cranelift's division and remainder have
            // the wasm trapping behavior (including `srem INT_MIN, -1 == 0`),
            // and its shifts and rotates mask the amount like wasm.
            Operator::I32Clz | Operator::I64Clz => unop!(self, clz),
            Operator::I32Ctz | Operator::I64Ctz => unop!(self, ctz),
            Operator::I32Popcnt | Operator::I64Popcnt => unop!(self, popcnt),
            Operator::I32Add | Operator::I64Add => binop!(self, iadd),
            Operator::I32Sub | Operator::I64Sub => binop!(self, isub),
            Operator::I32Mul | Operator::I64Mul => binop!(self, imul),
            Operator::I32DivS | Operator::I64DivS => div!(self, sdiv, true),
            Operator::I32DivU | Operator::I64DivU => div!(self, udiv, false),
            Operator::I32RemS | Operator::I64RemS => div!(self, srem, false),
            Operator::I32RemU | Operator::I64RemU => div!(self, urem, false),
            Operator::I32And | Operator::I64And => binop!(self, band),
            Operator::I32Or | Operator::I64Or => binop!(self, bor),
            Operator::I32Xor | Operator::I64Xor => binop!(self, bxor),
            Operator::I32Shl | Operator::I64Shl => binop!(self, ishl),
            Operator::I32ShrS | Operator::I64ShrS => binop!(self, sshr),
            Operator::I32ShrU | Operator::I64ShrU => binop!(self, ushr),
            Operator::I32Rotl | Operator::I64Rotl => binop!(self, rotl),
            Operator::I32Rotr | Operator::I64Rotr => binop!(self, rotr),

            // Float arithmetic. Cranelift's fmin/fmax/nearest follow wasm.
            Operator::F32Abs | Operator::F64Abs => unop!(self, fabs),
            Operator::F32Neg | Operator::F64Neg => unop!(self, fneg),
            Operator::F32Ceil | Operator::F64Ceil => unop!(self, ceil),
            Operator::F32Floor | Operator::F64Floor => unop!(self, floor),
            Operator::F32Trunc | Operator::F64Trunc => unop!(self, trunc),
            Operator::F32Nearest | Operator::F64Nearest => unop!(self, nearest),
            Operator::F32Sqrt | Operator::F64Sqrt => unop!(self, sqrt),
            Operator::F32Add | Operator::F64Add => binop!(self, fadd),
            Operator::F32Sub | Operator::F64Sub => binop!(self, fsub),
            Operator::F32Mul | Operator::F64Mul => binop!(self, fmul),
            Operator::F32Div | Operator::F64Div => binop!(self, fdiv),
            Operator::F32Min | Operator::F64Min => binop!(self, fmin),
            Operator::F32Max | Operator::F64Max => binop!(self, fmax),
            Operator::F32Copysign | Operator::F64Copysign => binop!(self, fcopysign),

            // Conversions.
            Operator::I32WrapI64 => conv!(self, ireduce, I32),
            Operator::I64ExtendI32S => conv!(self, sextend, I64),
            Operator::I64ExtendI32U => conv!(self, uextend, I64),
            Operator::I32TruncF32S | Operator::I32TruncF64S => trunc!(self, I32, true),
            Operator::I32TruncF32U | Operator::I32TruncF64U => trunc!(self, I32, false),
            Operator::I64TruncF32S | Operator::I64TruncF64S => trunc!(self, I64, true),
            Operator::I64TruncF32U | Operator::I64TruncF64U => trunc!(self, I64, false),
            Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => {
                conv!(self, fcvt_to_sint_sat, I32)
            }
            Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => {
                conv!(self, fcvt_to_uint_sat, I32)
            }
            Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => {
                conv!(self, fcvt_to_sint_sat, I64)
            }
            Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => {
                conv!(self, fcvt_to_uint_sat, I64)
            }
            Operator::F32ConvertI32S | Operator::F32ConvertI64S => {
                conv!(self, fcvt_from_sint, F32)
            }
            Operator::F32ConvertI32U | Operator::F32ConvertI64U => {
                conv!(self, fcvt_from_uint, F32)
            }
            Operator::F64ConvertI32S | Operator::F64ConvertI64S => {
                conv!(self, fcvt_from_sint, F64)
            }
            Operator::F64ConvertI32U | Operator::F64ConvertI64U => {
                conv!(self, fcvt_from_uint, F64)
            }
            Operator::F32DemoteF64 => conv!(self, fdemote, F32),
            Operator::F64PromoteF32 => conv!(self, fpromote, F64),
            Operator::I32ReinterpretF32 => self.bitcast(I32),
            Operator::I64ReinterpretF64 => self.bitcast(I64),
            Operator::F32ReinterpretI32 => self.bitcast(F32),
            Operator::F64ReinterpretI64 => self.bitcast(F64),

            // Sign extension.
            Operator::I32Extend8S => sext!(self, I8, I32),
            Operator::I32Extend16S => sext!(self, I16, I32),
            Operator::I64Extend8S => sext!(self, I8, I64),
            Operator::I64Extend16S => sext!(self, I16, I64),
            Operator::I64Extend32S => sext!(self, I32, I64),

            // Wide arithmetic.
            Operator::I64Add128 => self.translate_wide_add_sub(false),
            Operator::I64Sub128 => self.translate_wide_add_sub(true),
            Operator::I64MulWideS => self.translate_mul_wide(true),
            Operator::I64MulWideU => self.translate_mul_wide(false),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn bitcast(&mut self, ty: Type) {
        let x = self.pop();
        let v = self.b.ins().bitcast(ty, MemFlagsData::new(), x);
        self.push(v);
    }
}
