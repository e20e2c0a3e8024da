//! Executable code: laying out compiled functions, patching relocations and
//! mapping the result read/execute, plus lookups from a program counter back
//! to a function, a trap site or a wasm bytecode offset.

use crate::mmap::{round_up_to_page_size, Mmap};
use anyhow::{bail, Context, Result};
use std::ops::Range;
use wasmtime_environ::{
    relocation_size, CodeParts, DefinedFuncIndex, ExceptionSite, LibCall, Relocation,
    RelocationKind, RelocationTarget, StackMap, TrapSite,
};

pub use wasmtime_environ::{CodeBuilder, FunctionLayout};

/// Finished, executable code for a set of functions.
#[derive(Debug)]
pub struct CodeMemory {
    mmap: Mmap,
    text_len: usize,
    funcs: Vec<FunctionLayout>,
    /// `(text offset, site)`, sorted by offset.
    traps: Vec<(u32, TrapSite)>,
    /// `(function, relocation)`, kept so the code can be serialized.
    relocations: Vec<(u32 /* function */, Relocation)>,
    /// `(text offset of the return address, handlers)`, sorted.
    exception_sites: Vec<(u32, ExceptionSite)>,
    /// Stack maps of calls, by text offset of the return address, sorted.
    stack_maps: Vec<StackMap>,
}

impl CodeMemory {
    /// Maps the text of `builder`, applies every relocation and makes it
    /// executable.
    ///
    /// `resolve_wasm` maps the target of a [`RelocationTarget::Wasm`]
    /// relocation to the append index of that function's body.
    pub fn new(
        builder: CodeBuilder,
        resolve_wasm: impl Fn(DefinedFuncIndex) -> u32,
    ) -> Result<CodeMemory> {
        let (text, parts) = builder.into_parts();
        CodeMemory::map(&text, parts, resolve_wasm)
    }

    /// As [`CodeMemory::new`], for a text and layout read back from an
    /// artifact: `parts` is [checked](CodeParts::check) against `text`
    /// first (a failure is reported as a corrupted artifact), and `text` is
    /// copied straight into the executable mapping.
    pub fn from_parts(
        text: &[u8],
        parts: CodeParts,
        resolve_wasm: impl Fn(DefinedFuncIndex) -> u32,
    ) -> Result<CodeMemory> {
        parts
            .check(text.len())
            .context("precompiled module is corrupted")?;
        CodeMemory::map(text, parts, resolve_wasm)
    }

    fn map(
        text: &[u8],
        parts: CodeParts,
        resolve_wasm: impl Fn(DefinedFuncIndex) -> u32,
    ) -> Result<CodeMemory> {
        let CodeParts {
            functions: funcs,
            relocations,
            traps,
            exception_sites,
            stack_maps,
        } = parts;
        // Always map at least one page so that every code object has a
        // distinct, non-null address range.
        let mapped = round_up_to_page_size(text.len().max(1)).context("code too large")?;
        let mmap = Mmap::accessible_reserved(mapped, mapped)?;
        // SAFETY: the mapping is fresh, writable and at least `text.len()`
        // bytes long, and we own it exclusively.
        let buf = unsafe { std::slice::from_raw_parts_mut(mmap.as_mut_ptr(), text.len()) };
        buf.copy_from_slice(text);
        let base = mmap.as_ptr() as usize;

        for (func_index, reloc) in &relocations {
            let func = &funcs[*func_index as usize];
            let target = match reloc.target {
                RelocationTarget::Wasm(i) => {
                    let idx = resolve_wasm(i);
                    let Some(f) = funcs.get(idx as usize) else {
                        bail!("relocation to function {i:?} resolved to missing body {idx}");
                    };
                    base + f.start as usize
                }
                RelocationTarget::LibCall(l) => libcall_address(l),
            };
            if reloc.offset as u64 + relocation_size(reloc.kind) > func.len as u64 {
                bail!(
                    "relocation at offset {:#x} is outside its function of {:#x} bytes",
                    reloc.offset,
                    func.len
                );
            }
            let site_offset = func.start as usize + reloc.offset as usize;
            let site = base + site_offset;
            match reloc.kind {
                RelocationKind::PcRel4 => {
                    let delta = (target as i64)
                        .wrapping_add(reloc.addend)
                        .wrapping_sub(site as i64);
                    let delta = i32::try_from(delta).with_context(|| {
                        format!("PC-relative relocation out of range: {delta:#x}")
                    })?;
                    buf[site_offset..site_offset + 4].copy_from_slice(&delta.to_le_bytes());
                }
                RelocationKind::Abs8 => {
                    let value = (target as u64).wrapping_add(reloc.addend as u64);
                    buf[site_offset..site_offset + 8].copy_from_slice(&value.to_le_bytes());
                }
                // Code for another architecture is refused before it gets
                // here (`Module::deserialize` checks the target).
                other @ (RelocationKind::Arm64Call
                | RelocationKind::RiscvCallPlt
                | RelocationKind::S390xPcRel32Dbl) => {
                    bail!(
                        "relocation {other:?} is for code of another architecture than this host's"
                    )
                }
            }
        }

        mmap.make_executable(0..mapped)?;
        Ok(CodeMemory {
            mmap,
            text_len: text.len(),
            funcs,
            traps,
            relocations,
            exception_sites,
            stack_maps,
        })
    }

    /// The layout of every function, in append order.
    pub fn functions(&self) -> &[FunctionLayout] {
        &self.funcs
    }

    /// The exception sites, as `(text offset of the return address, site)`
    /// sorted by offset.
    pub fn exception_sites(&self) -> &[(u32, ExceptionSite)] {
        &self.exception_sites
    }

    /// The stack maps of calls (text offsets), sorted by return address.
    pub fn stack_maps(&self) -> &[StackMap] {
        &self.stack_maps
    }

    /// The stack map of the call whose return address is `pc`, if GC
    /// references are live across it.
    pub fn lookup_stack_map(&self, pc: usize) -> Option<&StackMap> {
        let off = self.text_offset(pc)?;
        let i = self
            .stack_maps
            .binary_search_by_key(&off, |m| m.ret_addr)
            .ok()?;
        Some(&self.stack_maps[i])
    }

    /// The relocations applied to the text, as `(function, relocation)`.
    pub fn relocations(&self) -> &[(u32, Relocation)] {
        &self.relocations
    }

    /// The trap sites, as `(text offset, site)` sorted by offset.
    pub fn traps(&self) -> &[(u32, TrapSite)] {
        &self.traps
    }

    /// The executable text (all function bodies with padding).
    pub fn text(&self) -> &[u8] {
        // SAFETY: the first `text_len` bytes of the mapping are readable
        // (read/execute) and never written after `finish`.
        unsafe { std::slice::from_raw_parts(self.mmap.as_ptr(), self.text_len) }
    }

    /// Absolute address range of the text.
    pub fn text_range(&self) -> Range<usize> {
        let start = self.mmap.as_ptr() as usize;
        start..start + self.text_len
    }

    /// Number of function bodies.
    pub fn num_functions(&self) -> usize {
        self.funcs.len()
    }

    /// Address of the body with append index `index`.
    ///
    /// # Panics
    ///
    /// Panics if `index` is out of range.
    pub fn func_ptr(&self, index: u32) -> *const u8 {
        self.mmap
            .as_ptr()
            .wrapping_add(self.funcs[index as usize].start as usize)
    }

    /// Absolute address range of the body with append index `index`.
    ///
    /// # Panics
    ///
    /// Panics if `index` is out of range.
    pub fn func_range(&self, index: u32) -> Range<usize> {
        let f = &self.funcs[index as usize];
        let start = self.mmap.as_ptr() as usize + f.start as usize;
        start..start + f.len as usize
    }

    fn text_offset(&self, pc: usize) -> Option<u32> {
        let off = pc.checked_sub(self.mmap.as_ptr() as usize)?;
        if off < self.text_len {
            u32::try_from(off).ok()
        } else {
            None
        }
    }

    /// The function containing `pc`, as `(append index, offset of pc within
    /// the function)`.
    pub fn lookup_function(&self, pc: usize) -> Option<(u32, u32)> {
        let off = self.text_offset(pc)?;
        let i = self
            .funcs
            .partition_point(|f| f.start <= off)
            .checked_sub(1)?;
        let f = &self.funcs[i];
        let within = off - f.start;
        (within < f.len).then_some((i as u32, within))
    }

    /// The trap site of the instruction at exactly `pc`, if it has one.
    pub fn lookup_trap(&self, pc: usize) -> Option<TrapSite> {
        let off = self.text_offset(pc)?;
        let i = self.traps.binary_search_by_key(&off, |t| t.0).ok()?;
        Some(self.traps[i].1)
    }

    /// The exception handlers of the call whose return address is `pc`.
    pub fn lookup_exception_site(&self, pc: usize) -> Option<&ExceptionSite> {
        let off = self.text_offset(pc)?;
        let i = self
            .exception_sites
            .binary_search_by_key(&off, |t| t.0)
            .ok()?;
        Some(&self.exception_sites[i].1)
    }

    /// The wasm bytecode offset of the instruction at `pc`: the address-map
    /// entry of its function with the greatest code offset `<=` pc's.
    pub fn lookup_wasm_offset(&self, pc: usize) -> Option<u32> {
        let (func, off) = self.lookup_function(pc)?;
        let map = &self.funcs[func as usize].address_map;
        let i = map.partition_point(|e| e.0 <= off).checked_sub(1)?;
        Some(map[i].1)
    }
}

extern "C" fn floor_f32(x: f32) -> f32 {
    x.floor()
}
extern "C" fn floor_f64(x: f64) -> f64 {
    x.floor()
}
extern "C" fn ceil_f32(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    x.trunc()
}
extern "C" fn nearest_f32(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    x.round_ties_even()
}
extern "C" fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// Address of the `extern "C"` function implementing `libcall`.
pub fn libcall_address(libcall: LibCall) -> usize {
    match libcall {
        LibCall::FloorF32 => floor_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::FloorF64 => floor_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::CeilF32 => ceil_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::CeilF64 => ceil_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::TruncF32 => trunc_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::TruncF64 => trunc_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::NearestF32 => nearest_f32 as extern "C" fn(f32) -> f32 as usize,
        LibCall::NearestF64 => nearest_f64 as extern "C" fn(f64) -> f64 as usize,
        LibCall::FmaF32 => fma_f32 as extern "C" fn(f32, f32, f32) -> f32 as usize,
        LibCall::FmaF64 => fma_f64 as extern "C" fn(f64, f64, f64) -> f64 as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_environ::{
        CompiledFunction, EntityRef, Trap, TrapInformation, CODE_PADDING as PADDING,
    };

    fn func(body: &[u8]) -> CompiledFunction {
        CompiledFunction {
            body: body.to_vec(),
            alignment: 1,
            ..Default::default()
        }
    }

    #[test]
    fn call_simple_function() {
        let mut b = CodeBuilder::new();
        assert_eq!(b.append(&func(&[0x90])), 0);
        // mov eax, 42; ret
        assert_eq!(b.append(&func(&[0xb8, 42, 0, 0, 0, 0xc3])), 1);
        let code = CodeMemory::new(b, |_| unreachable!()).unwrap();
        assert_eq!(code.func_range(1).start - code.text_range().start, 16);
        assert_eq!(code.func_range(1).len(), 6);
        assert_eq!(code.text()[1], PADDING);
        // SAFETY: body 1 is `mov eax, 42; ret`, a valid SysV function
        // returning an i32, and `code` outlives the call.
        let r = unsafe {
            let f: extern "C" fn() -> i32 = std::mem::transmute(code.func_ptr(1));
            f()
        };
        assert_eq!(r, 42);
    }

    #[test]
    fn pc_relative_call_relocation() {
        let mut b = CodeBuilder::new();
        // sub rsp, 8; call rel32; add rsp, 8; ret
        let mut caller = func(&[
            0x48, 0x83, 0xec, 0x08, 0xe8, 0, 0, 0, 0, 0x48, 0x83, 0xc4, 0x08, 0xc3,
        ]);
        caller.relocations.push(Relocation {
            offset: 5,
            kind: RelocationKind::PcRel4,
            target: RelocationTarget::Wasm(DefinedFuncIndex::new(7)),
            addend: -4,
        });
        caller.alignment = 64;
        b.append(&func(&[0xc3]));
        // mov eax, 42; ret
        let callee = b.append(&func(&[0xb8, 42, 0, 0, 0, 0xc3]));
        let caller_idx = b.append(&caller);
        let code = CodeMemory::new(b, |i| {
            assert_eq!(i.index(), 7);
            callee
        })
        .unwrap();
        assert_eq!(code.func_ptr(caller_idx) as usize % 64, 0);
        // SAFETY: the caller body is a valid SysV function returning i32.
        let r = unsafe {
            let f: extern "C" fn() -> i32 = std::mem::transmute(code.func_ptr(caller_idx));
            f()
        };
        assert_eq!(r, 42);
    }

    #[test]
    fn bad_relocations_are_errors() {
        let mut b = CodeBuilder::new();
        let mut f = func(&[0xe8, 0, 0]);
        f.relocations.push(Relocation {
            offset: 1,
            kind: RelocationKind::PcRel4,
            target: RelocationTarget::Wasm(DefinedFuncIndex::new(0)),
            addend: -4,
        });
        b.append(&f);
        assert!(CodeMemory::new(b, |_| 0).is_err());

        let mut b = CodeBuilder::new();
        let mut f = func(&[0xe8, 0, 0, 0, 0]);
        f.relocations.push(Relocation {
            offset: 1,
            kind: RelocationKind::PcRel4,
            target: RelocationTarget::Wasm(DefinedFuncIndex::new(0)),
            addend: -4,
        });
        b.append(&f);
        assert!(CodeMemory::new(b, |_| 5).is_err());
    }

    fn call_libcall_f64(libcall: LibCall, x: f64) -> f64 {
        let mut b = CodeBuilder::new();
        // movabs rax, imm64; jmp rax
        let mut f = func(&[0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xe0]);
        f.relocations.push(Relocation {
            offset: 2,
            kind: RelocationKind::Abs8,
            target: RelocationTarget::LibCall(libcall),
            addend: 0,
        });
        b.append(&f);
        let code = CodeMemory::new(b, |_| unreachable!()).unwrap();
        // SAFETY: the body tail-calls an `extern "C" fn(f64) -> f64`.
        unsafe {
            let f: extern "C" fn(f64) -> f64 = std::mem::transmute(code.func_ptr(0));
            f(x)
        }
    }

    #[test]
    fn abs8_libcall_relocation() {
        assert_eq!(call_libcall_f64(LibCall::FloorF64, 2.5), 2.0);
        assert_eq!(call_libcall_f64(LibCall::CeilF64, 2.5), 3.0);
        assert_eq!(call_libcall_f64(LibCall::NearestF64, 2.5), 2.0);
        assert_eq!(call_libcall_f64(LibCall::NearestF64, 3.5), 4.0);
        assert_eq!(call_libcall_f64(LibCall::TruncF64, -2.7), -2.0);
    }

    #[test]
    fn math_libcalls() {
        assert_eq!(nearest_f32(-0.5).to_bits(), (-0.0f32).to_bits());
        assert_eq!(nearest_f64(0.5), 0.0);
        assert_eq!(nearest_f32(1.5), 2.0);
        assert!(floor_f32(f32::NAN).is_nan());
        assert_eq!(ceil_f32(-0.5).to_bits(), (-0.0f32).to_bits());
        assert_eq!(trunc_f32(2.9), 2.0);
        assert_eq!(floor_f64(-0.5), -1.0);
        assert_eq!(ceil_f64(0.1), 1.0);
        assert_eq!(trunc_f64(-0.9).to_bits(), (-0.0f64).to_bits());
        // 0.1 * 10 - 1 is exactly representable only with a fused multiply-add.
        assert_ne!(fma_f64(0.1, 10.0, -1.0), 0.0);
        assert_eq!(fma_f32(2.0, 3.0, 1.0), 7.0);
    }

    #[test]
    fn lookups() {
        let mut b = CodeBuilder::new();
        let mut f0 = func(&[0x90; 10]);
        f0.traps.push(TrapInformation {
            code_offset: 3,
            trap: TrapSite::Wasm(Trap::MemoryOutOfBounds),
        });
        f0.address_map = vec![(0, 100), (2, 105), (6, 110)];
        let mut f1 = func(&[0x90; 20]);
        f1.traps.push(TrapInformation {
            code_offset: 0,
            trap: TrapSite::HostError,
        });
        f1.traps.push(TrapInformation {
            code_offset: 19,
            trap: TrapSite::Wasm(Trap::UnreachableCodeReached),
        });
        f1.address_map = vec![(4, 7)];
        b.append(&f0);
        b.append(&f1);
        b.append(&func(&[]));
        assert_eq!(b.len(), 3);
        let code = CodeMemory::new(b, |_| 0).unwrap();
        let s0 = code.func_range(0).start;
        let s1 = code.func_range(1).start;
        assert_eq!(s1 - s0, 16);
        assert_eq!(code.lookup_function(s0), Some((0, 0)));
        assert_eq!(code.lookup_function(s0 + 9), Some((0, 9)));
        assert_eq!(code.lookup_function(s0 + 10), None);
        assert_eq!(code.lookup_function(s0 - 1), None);
        assert_eq!(code.lookup_function(s1 + 19), Some((1, 19)));
        assert_eq!(code.lookup_function(s1 + 20), None);
        assert_eq!(code.lookup_function(0), None);
        assert_eq!(
            code.lookup_trap(s0 + 3),
            Some(TrapSite::Wasm(Trap::MemoryOutOfBounds))
        );
        assert_eq!(code.lookup_trap(s0 + 4), None);
        assert_eq!(code.lookup_trap(s1), Some(TrapSite::HostError));
        assert_eq!(
            code.lookup_trap(s1 + 19),
            Some(TrapSite::Wasm(Trap::UnreachableCodeReached))
        );
        assert_eq!(code.lookup_wasm_offset(s0), Some(100));
        assert_eq!(code.lookup_wasm_offset(s0 + 3), Some(105));
        assert_eq!(code.lookup_wasm_offset(s0 + 9), Some(110));
        assert_eq!(code.lookup_wasm_offset(s1 + 3), None);
        assert_eq!(code.lookup_wasm_offset(s1 + 4), Some(7));
        assert_eq!(code.lookup_wasm_offset(s1 + 30), None);
    }

    #[test]
    fn empty_code() {
        let code = CodeMemory::new(CodeBuilder::new(), |_| 0).unwrap();
        assert!(code.text().is_empty());
        assert_eq!(code.num_functions(), 0);
        assert_eq!(code.lookup_function(code.text_range().start), None);
    }

    #[test]
    fn is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<CodeMemory>();
        check::<Mmap>();
    }
}
