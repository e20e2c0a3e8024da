//! Where a function with loops should start, so its innermost loops span as
//! few instruction-fetch lines as possible.
//!
//! Cranelift does not align loop headers, so where a small loop falls
//! relative to the [`CODE_LINE`]-byte lines the front end fetches and
//! caches decides its speed: a loop body of 70-odd bytes spread over three
//! lines runs about a third slower than the same body in two, more than the
//! whole cost of an epoch or fuel check. We cannot pad inside a function,
//! but we can choose where it starts modulo [`CODE_LINE`];
//! [`wasmtime_environ::CodeBuilder`] honours the choice.
//!
//! Finding the loops in the machine code: the translator reports the wasm
//! byte range of every innermost loop. A loop's header is the first branch
//! target whose instruction comes from inside that range (hoisted code
//! before it is not a branch target), and its body runs from there for as
//! long as the instructions keep coming from inside the range; the cold
//! paths Cranelift moves to the end of the function are not part of it.
//!
//! (Cranelift's own `bb_edges` cannot be used for the branch sources: with
//! cold blocks, whose emission order differs from their numbering, it pairs
//! edges with the wrong block starts. Its branch targets are right.)

use std::ops::Range;
use wasmtime_environ::CODE_LINE;

/// Half a line: instruction fetch windows on some cores, used to break
/// ties between starts that cover the same number of lines.
const FETCH_WINDOW: u32 = CODE_LINE / 2;

/// One instruction's (or run of instructions') code range and the wasm
/// offset it was translated from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceRange {
    /// Code offsets, relative to the function.
    pub code: (u32, u32),
    /// The wasm byte offset.
    pub wasm: u32,
}

/// The code ranges of the loops with wasm byte ranges `loops`, given the
/// function's `sources` (sorted by code offset) and the code offsets of
/// its branch targets.
pub(crate) fn loop_code_ranges(
    loops: &[Range<u32>],
    sources: &[SourceRange],
    branch_targets: &[u32],
) -> Vec<Range<u32>> {
    let mut targets = branch_targets.to_vec();
    targets.sort_unstable();
    targets.dedup();
    let source_at = |offset: u32| {
        let i = sources.partition_point(|s| s.code.1 <= offset);
        sources.get(i).filter(|s| s.code.0 <= offset)
    };
    let mut out = Vec::new();
    for wasm in loops {
        let Some(head) = targets
            .iter()
            .copied()
            .find(|&t| source_at(t).is_some_and(|s| wasm.contains(&s.wasm)))
        else {
            continue;
        };
        let first = sources.partition_point(|s| s.code.1 <= head);
        let end = sources[first..]
            .iter()
            .take_while(|s| wasm.contains(&s.wasm))
            .last()
            .map_or(head, |s| s.code.1);
        if end > head {
            out.push(head..end);
        }
    }
    out
}

/// The preferred `start % CODE_LINE` of a function whose innermost loops
/// occupy the code ranges `loops`, when its start must be a multiple of
/// `step`: the start that has them cover the fewest lines (then the fewest
/// fetch windows, then the smallest). `None` without loops, or when `step`
/// leaves no choice.
pub(crate) fn preferred_line_offset(loops: &[Range<u32>], step: u32) -> Option<u32> {
    if step == 0 || step >= CODE_LINE || loops.is_empty() {
        return None;
    }
    let covered = |unit: u32, shift: u32| -> u32 {
        loops
            .iter()
            .map(|r| (r.end - 1 + shift) / unit - (r.start + shift) / unit + 1)
            .sum()
    };
    (0..CODE_LINE).step_by(step as usize).min_by_key(|&shift| {
        (
            covered(CODE_LINE, shift),
            covered(FETCH_WINDOW, shift),
            shift,
        )
    })
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one loop is a list of loops
mod tests {
    use super::*;

    fn lines(r: &Range<u32>, shift: u32) -> u32 {
        (r.end - 1 + shift) / CODE_LINE - (r.start + shift) / CODE_LINE + 1
    }

    #[test]
    fn no_loops_no_preference() {
        assert_eq!(preferred_line_offset(&[], 16), None);
        let one = [0x10..0x30];
        assert_eq!(preferred_line_offset(&one, 64), None);
        assert_eq!(preferred_line_offset(&one, 0), None);
    }

    #[test]
    fn a_loop_is_moved_to_the_start_of_a_line() {
        // 75 bytes at 0x3f cover three lines as placed, two when shifted.
        let r = 0x3f..0x8a;
        assert_eq!(lines(&r, 0), 3);
        let shift = preferred_line_offset(std::slice::from_ref(&r), 16).unwrap();
        assert_eq!(lines(&r, shift), 2);
        // 60 bytes at 0x30 fit one line only starting 16 bytes later.
        assert_eq!(preferred_line_offset(&[0x30..0x6c], 16), Some(16));
    }

    fn src(start: u32, end: u32, wasm: u32) -> SourceRange {
        SourceRange {
            code: (start, end),
            wasm,
        }
    }

    #[test]
    fn loops_are_found_from_their_wasm_ranges() {
        // wasm: loop at 20..40. Code: 0x00 prologue (wasm 10), 0x08 an
        // instruction hoisted out of the loop (wasm 25), the header at 0x10
        // (wasm 20), the body to 0x50 (wasm 22..39), code after the loop
        // (wasm 41), and the loop's cold path at the end (wasm 20).
        let sources = [
            src(0x00, 0x08, 10),
            src(0x08, 0x10, 25),
            src(0x10, 0x20, 20),
            src(0x20, 0x40, 22),
            src(0x40, 0x50, 39),
            src(0x50, 0x60, 41),
            src(0x60, 0x70, 20),
        ];
        let targets = [0x10, 0x50, 0x60, 0x10];
        assert_eq!(
            loop_code_ranges(&[20..40], &sources, &targets),
            vec![0x10..0x50]
        );
        // A loop whose code was all removed, or has no branch target.
        assert!(loop_code_ranges(&[100..120], &sources, &targets).is_empty());
        assert!(loop_code_ranges(&[20..40], &sources, &[0x50]).is_empty());
    }
}
