//! DWARF expressions of wasm producers, and their native counterparts.
//!
//! A wasm expression speaks of wasm locals and globals
//! (`DW_OP_WASM_location`), of the frame base (itself a wasm expression,
//! usually a local holding the shadow-stack frame pointer) and of
//! addresses in linear memory. [`WasmExpr::parse`] splits one into plain
//! DWARF code and those wasm parts; [`WasmExpr::native`] writes the native
//! expression for one stretch of code, given where each wasm local and the
//! vmctx are held there (registers or frame slots, from Cranelift's
//! value-label ranges). Linear-memory addresses become host addresses by
//! adding the memory's base, read through the vmctx.

use gimli::constants as dw;
use gimli::write::{EndianVec, Writer};
use gimli::{Encoding, Operation, Reader, ReaderOffset};
use std::collections::HashMap;
use wasmtime_environ::{ValueLoc, VMCTX_VALUE_LABEL};

/// Where a value of the instance is found from the vmctx: in the vmctx at
/// an offset, or behind a pointer stored in the vmctx at an offset (an
/// import).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmPlace {
    /// At `vmctx + offset`.
    Inline(u32),
    /// At `*(vmctx + offset) + 0`.
    Behind(u32),
}

/// What the expressions need to know about the module's instance layout.
#[derive(Clone, Debug, Default)]
pub struct VmLayout {
    /// Where the base pointer of memory 0 is (`None` without memory).
    pub memory_base: Option<VmPlace>,
    /// Whether memory 0 is a 64-bit memory (addresses are not masked to
    /// 32 bits).
    pub memory64: bool,
    /// Where each global's value is, by global index.
    pub globals: Vec<VmPlace>,
}

/// One part of a wasm expression.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    /// DWARF operations that mean the same natively, copied.
    Code(Vec<u8>),
    /// Push the value of a wasm local.
    Local(u32),
    /// Push the value of a wasm global.
    Global(u32),
    /// Pop a linear-memory address, push the `size` bytes there.
    Deref(u8),
}

/// What a wasm expression describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The variable is a wasm local, held as is.
    Local(u32),
    /// The expression computes the variable's value (`DW_OP_stack_value`).
    Value,
    /// The expression computes the variable's address in linear memory.
    Memory,
    /// The variable is made of pieces (`DW_OP_piece`), each described by
    /// its own expression or unavailable.
    Pieces,
}

/// A parsed wasm expression.
#[derive(Clone, Debug)]
pub struct WasmExpr {
    parts: Vec<Part>,
    /// What the expression describes.
    pub kind: Kind,
    /// With [`Kind::Pieces`]: each piece's expression (`None` where the
    /// piece is unavailable) and size in bytes.
    pieces: Vec<(Option<WasmExpr>, u64)>,
}

/// Why an expression cannot be rewritten (the variable is left without
/// a location).
#[derive(Debug)]
pub struct Unsupported;

impl From<gimli::Error> for Unsupported {
    fn from(_: gimli::Error) -> Unsupported {
        Unsupported
    }
}

impl WasmExpr {
    /// Parses `expr`; `DW_OP_fbreg` is replaced by `frame_base` (a parsed
    /// frame-base expression) plus the offset.
    pub fn parse<R: Reader>(
        expr: &gimli::Expression<R>,
        encoding: Encoding,
        frame_base: Option<&WasmExpr>,
    ) -> Result<WasmExpr, Unsupported> {
        let mut parts = Vec::new();
        let mut stack_value = false;
        let mut pieces = Vec::new();
        let mut ops = expr.clone().operations(encoding);
        let bytes = expr.0.to_slice()?;
        loop {
            let start = ops.offset_from(expr).into_u64() as usize;
            let Some(op) = ops.next()? else { break };
            let end = ops.offset_from(expr).into_u64() as usize;
            if let Operation::Piece {
                size_in_bits,
                bit_offset: None,
            } = op
            {
                if size_in_bits % 8 != 0 {
                    return Err(Unsupported);
                }
                let piece = if parts.is_empty() {
                    None
                } else {
                    let parts = std::mem::take(&mut parts);
                    Some(WasmExpr::whole(parts, std::mem::take(&mut stack_value))?)
                };
                pieces.push((piece, size_in_bits / 8));
                continue;
            }
            if stack_value {
                return Err(Unsupported); // Something after DW_OP_stack_value.
            }
            match op {
                Operation::WasmLocal { index } => parts.push(Part::Local(index)),
                Operation::WasmGlobal { index } => parts.push(Part::Global(index)),
                Operation::StackValue => stack_value = true,
                Operation::FrameOffset { offset } => {
                    let base = frame_base.ok_or(Unsupported)?;
                    parts.extend(base.parts.iter().cloned());
                    let mut code = Code::new();
                    code.op(dw::DW_OP_consts);
                    code.sleb(offset);
                    code.op(dw::DW_OP_plus);
                    parts.push(Part::Code(code.0.into_vec()));
                }
                Operation::Deref {
                    size, space: false, ..
                } => parts.push(Part::Deref(size)),
                // Operations on values only, which mean the same natively.
                Operation::Drop
                | Operation::Pick { .. }
                | Operation::Swap
                | Operation::Rot
                | Operation::Abs
                | Operation::And
                | Operation::Div
                | Operation::Minus
                | Operation::Mod
                | Operation::Mul
                | Operation::Neg
                | Operation::Not
                | Operation::Or
                | Operation::Plus
                | Operation::PlusConstant { .. }
                | Operation::Shl
                | Operation::Shr
                | Operation::Shra
                | Operation::Xor
                | Operation::Eq
                | Operation::Ge
                | Operation::Gt
                | Operation::Le
                | Operation::Lt
                | Operation::Ne
                | Operation::UnsignedConstant { .. }
                | Operation::SignedConstant { .. }
                | Operation::Nop => {
                    let raw = bytes.get(start..end).ok_or(Unsupported)?;
                    match parts.last_mut() {
                        Some(Part::Code(code)) => code.extend_from_slice(raw),
                        _ => parts.push(Part::Code(raw.to_vec())),
                    }
                }
                // Operand-stack values, pieces, branches (whose targets
                // would move), addresses of data and the rest.
                _ => return Err(Unsupported),
            }
        }
        if pieces.is_empty() {
            return WasmExpr::whole(parts, stack_value);
        }
        if !parts.is_empty() || pieces.iter().all(|p| p.0.is_none()) {
            return Err(Unsupported); // Operations after the last piece.
        }
        Ok(WasmExpr {
            parts: Vec::new(),
            kind: Kind::Pieces,
            pieces,
        })
    }

    /// An expression without pieces.
    fn whole(parts: Vec<Part>, stack_value: bool) -> Result<WasmExpr, Unsupported> {
        let kind = match (parts.as_slice(), stack_value) {
            ([Part::Local(n)], _) => Kind::Local(*n),
            ([], _) => return Err(Unsupported),
            (_, true) => Kind::Value,
            (_, false) => Kind::Memory,
        };
        Ok(WasmExpr {
            parts,
            kind,
            pieces: Vec::new(),
        })
    }

    /// The value labels (wasm locals, and [`VMCTX_VALUE_LABEL`] when the
    /// instance is needed) whose locations the native expression needs.
    pub fn labels(&self, pointer: bool) -> Vec<u32> {
        if self.kind == Kind::Pieces {
            let mut out: Vec<u32> = self
                .pieces
                .iter()
                .filter_map(|p| p.0.as_ref())
                .flat_map(|p| p.labels(false))
                .collect();
            out.sort_unstable();
            out.dedup();
            return out;
        }
        let mut out: Vec<u32> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Local(n) => Some(*n),
                _ => None,
            })
            .collect();
        let needs_vmctx = pointer
            || self.kind == Kind::Memory
            || self
                .parts
                .iter()
                .any(|p| matches!(p, Part::Global(_) | Part::Deref(_)));
        if needs_vmctx {
            out.push(VMCTX_VALUE_LABEL);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The native expression where the labels are at `locs`. A `pointer`
    /// variable (its type a pointer into linear memory) gets the host
    /// address its wasm pointer stands for, as a value (null stays null).
    pub fn native(
        &self,
        locs: &HashMap<u32, ValueLoc>,
        vm: &VmLayout,
        pointer: bool,
    ) -> Result<Vec<u8>, Unsupported> {
        let mut code = Code::new();
        if self.kind == Kind::Pieces {
            // Pieces are never rebased as pointers.
            for (piece, size) in &self.pieces {
                if let Some(p) = piece {
                    code.raw(&p.native(locs, vm, false)?);
                }
                code.op(dw::DW_OP_piece);
                code.uleb(*size);
            }
            return Ok(code.0.into_vec());
        }
        if let (Kind::Local(n), false) = (self.kind, pointer) {
            // The local itself is the variable: a register or a slot.
            match *locs.get(&n).ok_or(Unsupported)? {
                ValueLoc::Reg(r) => code.reg(r),
                ValueLoc::CfaOffset(off) => code.frame_slot(off),
            }
            return Ok(code.0.into_vec());
        }
        for part in &self.parts {
            match part {
                Part::Code(c) => code.raw(c),
                Part::Local(n) => code.load(*locs.get(n).ok_or(Unsupported)?),
                Part::Global(g) => {
                    let place = *vm.globals.get(*g as usize).ok_or(Unsupported)?;
                    code.vmctx(locs)?;
                    code.place(place);
                }
                Part::Deref(size) => {
                    code.host_address(locs, vm)?;
                    code.op(dw::DW_OP_deref_size);
                    code.u8(*size);
                }
            }
        }
        match (self.kind, pointer) {
            (Kind::Pieces, _) => return Err(Unsupported),
            (Kind::Memory, false) => code.host_address(locs, vm)?,
            (Kind::Local(_) | Kind::Value, false) => code.op(dw::DW_OP_stack_value),
            (kind, true) => {
                if kind == Kind::Memory {
                    // The variable is a wasm pointer stored in memory.
                    code.host_address(locs, vm)?;
                    code.op(dw::DW_OP_deref_size);
                    code.u8(if vm.memory64 { 8 } else { 4 });
                }
                code.mask(vm);
                // Null stays null; any other address gets the base added.
                code.op(dw::DW_OP_dup);
                code.op(dw::DW_OP_bra);
                code.u16(3);
                code.op(dw::DW_OP_skip);
                let skip_at = code.0.len();
                code.u16(0);
                let add_from = code.0.len();
                code.memory_base(locs, vm)?;
                code.op(dw::DW_OP_plus);
                let len = u16::try_from(code.0.len() - add_from).map_err(|_| Unsupported)?;
                code.0
                    .write_at(skip_at, &len.to_le_bytes())
                    .map_err(|_| Unsupported)?;
                code.op(dw::DW_OP_stack_value);
            }
        }
        Ok(code.0.into_vec())
    }
}

/// A native expression being written.
struct Code(EndianVec<gimli::LittleEndian>);

impl Code {
    fn new() -> Code {
        Code(EndianVec::new(gimli::LittleEndian))
    }

    // Writing to a vector cannot fail.
    fn u8(&mut self, v: u8) {
        let _ = self.0.write_u8(v);
    }

    fn u16(&mut self, v: u16) {
        let _ = self.0.write_u16(v);
    }

    fn op(&mut self, op: gimli::DwOp) {
        self.u8(op.0);
    }

    fn uleb(&mut self, v: u64) {
        let _ = self.0.write_uleb128(v);
    }

    fn sleb(&mut self, v: i64) {
        let _ = self.0.write_sleb128(v);
    }

    fn raw(&mut self, bytes: &[u8]) {
        let _ = self.0.write(bytes);
    }

    /// `DW_OP_regN`: the value is the register.
    fn reg(&mut self, r: u16) {
        if r < 32 {
            self.u8(dw::DW_OP_reg0.0 + r as u8);
        } else {
            self.op(dw::DW_OP_regx);
            self.uleb(r.into());
        }
    }

    /// `DW_OP_bregN offset`: pushes the register plus `offset`.
    fn breg(&mut self, r: u16, offset: i64) {
        if r < 32 {
            self.u8(dw::DW_OP_breg0.0 + r as u8);
        } else {
            self.op(dw::DW_OP_bregx);
            self.uleb(r.into());
        }
        self.sleb(offset);
    }

    /// Pushes the address of the frame slot at `cfa_offset` from the
    /// canonical frame address. Compiled wasm keeps frame pointers, and
    /// the CFA is 16 bytes above the frame pointer (saved frame pointer
    /// and return address) on every supported target.
    fn frame_slot(&mut self, cfa_offset: i64) {
        self.breg(frame_pointer_register(), 16 + cfa_offset);
    }

    /// Pushes the value held at `loc`.
    fn load(&mut self, loc: ValueLoc) {
        match loc {
            ValueLoc::Reg(r) => self.breg(r, 0),
            ValueLoc::CfaOffset(off) => {
                self.frame_slot(off);
                self.op(dw::DW_OP_deref);
            }
        }
    }

    fn vmctx(&mut self, locs: &HashMap<u32, ValueLoc>) -> Result<(), Unsupported> {
        self.load(*locs.get(&VMCTX_VALUE_LABEL).ok_or(Unsupported)?);
        Ok(())
    }

    /// With the vmctx pushed, replaces it by the 8 bytes at `place`.
    fn place(&mut self, place: VmPlace) {
        match place {
            VmPlace::Inline(off) => {
                self.op(dw::DW_OP_plus_uconst);
                self.uleb(off.into());
                self.op(dw::DW_OP_deref);
            }
            VmPlace::Behind(off) => {
                self.op(dw::DW_OP_plus_uconst);
                self.uleb(off.into());
                self.op(dw::DW_OP_deref);
                self.op(dw::DW_OP_deref);
            }
        }
    }

    /// Keeps the low 32 bits of a wasm32 address.
    fn mask(&mut self, vm: &VmLayout) {
        if !vm.memory64 {
            self.op(dw::DW_OP_const4u);
            let _ = self.0.write_u32(0xffff_ffff);
            self.op(dw::DW_OP_and);
        }
    }

    fn memory_base(
        &mut self,
        locs: &HashMap<u32, ValueLoc>,
        vm: &VmLayout,
    ) -> Result<(), Unsupported> {
        let place = vm.memory_base.ok_or(Unsupported)?;
        self.vmctx(locs)?;
        self.place(place);
        Ok(())
    }

    /// Replaces the wasm address on the stack by its host address.
    fn host_address(
        &mut self,
        locs: &HashMap<u32, ValueLoc>,
        vm: &VmLayout,
    ) -> Result<(), Unsupported> {
        self.mask(vm);
        self.memory_base(locs, vm)?;
        self.op(dw::DW_OP_plus);
        Ok(())
    }
}

/// The DWARF number of the frame-pointer register of the host.
fn frame_pointer_register() -> u16 {
    use target_lexicon::Architecture as A;
    match target_lexicon::HOST.architecture {
        A::Aarch64(_) => 29,
        A::Riscv64(_) => 8,
        A::S390x => 11,
        _ => 6, // x86_64: rbp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8], base: Option<&WasmExpr>) -> Result<WasmExpr, Unsupported> {
        let encoding = Encoding {
            format: gimli::Format::Dwarf32,
            version: 4,
            address_size: 4,
        };
        let expr = gimli::Expression(gimli::EndianSlice::new(bytes, gimli::LittleEndian));
        WasmExpr::parse(&expr, encoding, base)
    }

    const LOCAL_2_VALUE: &[u8] = &[0xed, 0x00, 0x02, 0x9f];

    fn vm() -> VmLayout {
        VmLayout {
            memory_base: Some(VmPlace::Inline(0x40)),
            memory64: false,
            globals: vec![VmPlace::Inline(0x60)],
        }
    }

    #[test]
    fn a_lone_local_is_its_register_or_slot() {
        let e = parse(LOCAL_2_VALUE, None).unwrap();
        assert_eq!(e.kind, Kind::Local(2));
        assert_eq!(e.labels(false), vec![2]);
        let mut locs = HashMap::new();
        locs.insert(2, ValueLoc::Reg(3));
        assert_eq!(e.native(&locs, &vm(), false).unwrap(), vec![0x53]);
        locs.insert(2, ValueLoc::CfaOffset(-24));
        // DW_OP_breg6 -8 on x86_64.
        assert_eq!(e.native(&locs, &vm(), false).unwrap()[1..], [0x78]);
        assert!(e.native(&HashMap::new(), &vm(), false).is_err());
    }

    #[test]
    fn frame_base_offsets_become_host_addresses() {
        let base = parse(LOCAL_2_VALUE, None).unwrap();
        // DW_OP_fbreg +16
        let e = parse(&[0x91, 0x10], Some(&base)).unwrap();
        assert_eq!(e.kind, Kind::Memory);
        assert_eq!(e.labels(false), vec![2, VMCTX_VALUE_LABEL]);
        let mut locs = HashMap::new();
        locs.insert(2, ValueLoc::Reg(3));
        locs.insert(VMCTX_VALUE_LABEL, ValueLoc::Reg(5));
        let code = e.native(&locs, &vm(), false).unwrap();
        let expected = [
            0x73, 0x00, // breg3 0: the frame pointer local
            0x11, 0x10, 0x22, // consts 16, plus
            0x0c, 0xff, 0xff, 0xff, 0xff, 0x1a, // const4u mask, and
            0x75, 0x00, 0x23, 0x40, 0x06, // breg5 0 (vmctx), plus_uconst 0x40, deref
            0x22, // plus
        ];
        assert_eq!(code, expected);
        assert!(parse(&[0x91, 0x10], None).is_err());
    }

    #[test]
    fn pointers_are_rebased_unless_null() {
        let e = parse(LOCAL_2_VALUE, None).unwrap();
        assert_eq!(e.labels(true), vec![2, VMCTX_VALUE_LABEL]);
        let mut locs = HashMap::new();
        locs.insert(2, ValueLoc::Reg(3));
        locs.insert(VMCTX_VALUE_LABEL, ValueLoc::Reg(5));
        let code = e.native(&locs, &vm(), true).unwrap();
        assert_eq!(code.last(), Some(&0x9f));
        // dup; bra +3; skip +N where N covers the base addition.
        let dup = code.iter().position(|&b| b == 0x12).unwrap();
        assert_eq!(code[dup + 1..dup + 4], [0x28, 3, 0]);
        assert_eq!(code[dup + 4], 0x2f);
        let skip = u16::from_le_bytes([code[dup + 5], code[dup + 6]]) as usize;
        assert_eq!(dup + 7 + skip, code.len() - 1);
    }

    #[test]
    fn pieces_are_translated_one_by_one() {
        // An unavailable 4-byte piece, then local 9 as a 4-byte piece.
        let e = parse(&[0x93, 0x04, 0xed, 0x00, 0x09, 0x9f, 0x93, 0x04], None).unwrap();
        assert_eq!(e.kind, Kind::Pieces);
        assert_eq!(e.labels(true), vec![9]);
        let mut locs = HashMap::new();
        locs.insert(9, ValueLoc::Reg(3));
        // piece 4; reg3; piece 4
        assert_eq!(
            e.native(&locs, &vm(), true).unwrap(),
            vec![0x93, 0x04, 0x53, 0x93, 0x04]
        );
        // Operations after the last piece, or nothing but unavailable
        // pieces, are refused.
        assert!(parse(&[0xed, 0x00, 0x09, 0x93, 0x04, 0x30], None).is_err());
        assert!(parse(&[0x93, 0x04], None).is_err());
    }

    #[test]
    fn operand_stack_and_branches_are_unsupported() {
        assert!(parse(&[0xed, 0x02, 0x00, 0x9f], None).is_err());
        assert!(parse(&[0x2f, 0x00, 0x00], None).is_err());
        assert!(parse(&[], None).is_err());
    }
}
