//! Maps addresses of the wasm DWARF (offsets into the code section's
//! contents) to native addresses of the compiled functions, through each
//! function's address map.

use super::NativeFunction;
use std::ops::Range;
use wasmtime_environ::ValueLabelRange;

/// One instruction run of a compiled function: native `[start, end)` came
/// from the wasm instruction at `wasm` (code-section relative).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Run {
    pub(crate) native: (u64, u64),
    pub(crate) wasm: u64,
}

/// One compiled wasm function.
#[derive(Debug)]
pub(crate) struct FuncMap {
    /// The body's wasm range, code-section relative.
    pub(crate) wasm: Range<u64>,
    /// The native code's address range.
    pub(crate) native: Range<u64>,
    /// The runs in code order; the first is the prologue (wasm address of
    /// the body's start).
    pub(crate) runs: Vec<Run>,
    /// The runs sorted by wasm address (then native address).
    pub(crate) runs_by_wasm: Vec<Run>,
    /// Where the wasm locals and the vmctx live, offsets relative to
    /// `native.start`, sorted by label and start.
    pub(crate) value_labels: Vec<ValueLabelRange>,
}

/// Every compiled wasm function, sorted by wasm start.
#[derive(Debug)]
pub(crate) struct AddressTransform {
    pub(crate) funcs: Vec<FuncMap>,
    /// Indices into `funcs` sorted by native start.
    by_native: Vec<usize>,
}

impl AddressTransform {
    /// Builds the maps; `code_section_offset` is the module offset of the
    /// code section's contents (DWARF addresses count from there).
    pub(crate) fn new(funcs: &[NativeFunction<'_>], code_section_offset: u64) -> AddressTransform {
        let mut out: Vec<FuncMap> = funcs
            .iter()
            .filter_map(|f| {
                let body = f.wasm_body.as_ref()?;
                let wasm = body.start.checked_sub(code_section_offset)?
                    ..body.end.checked_sub(code_section_offset)?;
                let len = f.native.end - f.native.start;
                let mut runs = Vec::with_capacity(f.address_map.len() + 1);
                let first = f.address_map.first().map_or(len, |&(c, _)| u64::from(c));
                if first > 0 {
                    runs.push(Run {
                        native: (f.native.start, f.native.start + first.min(len)),
                        wasm: wasm.start,
                    });
                }
                for (i, &(code, w)) in f.address_map.iter().enumerate() {
                    let end = f
                        .address_map
                        .get(i + 1)
                        .map_or(len, |&(c, _)| u64::from(c))
                        .min(len);
                    let start = u64::from(code).min(end);
                    let Some(w) = u64::from(w).checked_sub(code_section_offset) else {
                        continue;
                    };
                    if start < end {
                        runs.push(Run {
                            native: (f.native.start + start, f.native.start + end),
                            wasm: w,
                        });
                    }
                }
                let mut value_labels = f.value_labels.to_vec();
                value_labels.sort_by_key(|r| (r.label, r.start));
                let mut runs_by_wasm = runs.clone();
                runs_by_wasm.sort_by_key(|r| (r.wasm, r.native.0));
                Some(FuncMap {
                    wasm,
                    native: f.native.clone(),
                    runs,
                    runs_by_wasm,
                    value_labels,
                })
            })
            .collect();
        out.sort_by_key(|f| f.wasm.start);
        let mut by_native: Vec<usize> = (0..out.len()).collect();
        by_native.sort_by_key(|&i| out[i].native.start);
        AddressTransform {
            funcs: out,
            by_native,
        }
    }

    /// The function whose body contains wasm address `addr` (its end
    /// included, for the end of a range).
    fn function(&self, addr: u64) -> Option<&FuncMap> {
        let i = self.funcs.partition_point(|f| f.wasm.start <= addr);
        let f = self.funcs.get(i.checked_sub(1)?)?;
        (addr <= f.wasm.end).then_some(f)
    }

    /// The function whose native code contains `addr`.
    pub(crate) fn function_at_native(&self, addr: u64) -> Option<&FuncMap> {
        let i = self
            .by_native
            .partition_point(|&i| self.funcs[i].native.start <= addr);
        let f = &self.funcs[*self.by_native.get(i.checked_sub(1)?)?];
        f.native.contains(&addr).then_some(f)
    }

    /// The native address of the code generated for wasm address `addr`:
    /// the function's start for its body's start, its end for the body's
    /// end, else the lowest code of the first instruction at or after
    /// `addr`.
    pub(crate) fn address(&self, addr: u64) -> Option<u64> {
        let f = self.function(addr)?;
        if addr == f.wasm.start {
            return Some(f.native.start);
        }
        if addr == f.wasm.end {
            return Some(f.native.end);
        }
        let next = f
            .runs
            .iter()
            .filter(|r| r.wasm >= addr)
            .map(|r| r.wasm)
            .min()?;
        f.runs
            .iter()
            .filter(|r| r.wasm == next)
            .map(|r| r.native.0)
            .min()
    }

    /// The native ranges of the code generated for the wasm range
    /// `[begin, end)`, sorted and merged.
    pub(crate) fn ranges(&self, begin: u64, end: u64) -> Vec<Range<u64>> {
        let mut out: Vec<Range<u64>> = Vec::new();
        let first = self.funcs.partition_point(|f| f.wasm.end <= begin);
        for f in self.funcs[first..]
            .iter()
            .take_while(|f| f.wasm.start < end)
        {
            if begin <= f.wasm.start && f.wasm.end <= end {
                out.push(f.native.clone());
                continue;
            }
            let first = f.runs_by_wasm.partition_point(|r| r.wasm < begin);
            for r in f.runs_by_wasm[first..].iter().take_while(|r| r.wasm < end) {
                out.push(r.native.0..r.native.1);
            }
        }
        out.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform() -> AddressTransform {
        let map = [(4, 110), (8, 120), (12, 110), (16, 130)];
        let funcs = [NativeFunction {
            name: "f".into(),
            wasm_body: Some(100..140),
            native: 1000..1020,
            address_map: &map,
            value_labels: &[],
            frame_info: &[],
        }];
        AddressTransform::new(&funcs, 10)
    }

    #[test]
    fn addresses_map_to_the_first_code_of_an_instruction() {
        let t = transform();
        assert_eq!(t.address(90), Some(1000));
        assert_eq!(t.address(130), Some(1020));
        assert_eq!(t.address(100), Some(1004));
        assert_eq!(t.address(101), Some(1008));
        assert_eq!(t.address(131), None);
    }

    #[test]
    fn ranges_gather_scattered_code() {
        let t = transform();
        assert_eq!(t.ranges(100, 101), vec![1004..1008, 1012..1016]);
        assert_eq!(t.ranges(90, 130), vec![1000..1020]);
        assert_eq!(t.ranges(105, 125), vec![1008..1012, 1016..1020]);
        assert!(t.ranges(200, 300).is_empty());
    }
}
