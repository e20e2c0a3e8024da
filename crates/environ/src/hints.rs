//! Branch hints: the `metadata.code.branch_hint` custom section of the
//! [branch-hinting proposal](https://github.com/WebAssembly/branch-hinting),
//! read when [`Tunables::branch_hinting`] is on.
//!
//! The section lists, per function, the byte offsets of some `if` and
//! `br_if` instructions (from the start of the function body, i.e. its
//! local declarations) and whether each branch is likely taken. Hints are
//! advisory: they only steer code layout and never change what a module
//! does, and a custom section never makes a module invalid. So, as in
//! Wasmtime:
//!
//! * a section that cannot be decoded (a truncated vector, a hint whose
//!   length byte is not 1 or whose value byte is not 0 or 1, trailing
//!   bytes) is dropped as a whole, never partly applied, and the module
//!   compiles as if it had none;
//! * an entry for a function that is imported or does not exist is unused,
//!   and of two entries for the same function the first counts;
//! * a hint whose offset is not that of an `if` or `br_if` is unused;
//! * of several well-formed sections, the last one counts.
//!
//! The proposal also asks for functions and offsets in increasing order.
//! Wasmtime looks hints up with a cursor that only moves forward, so it
//! skips a hint that follows a larger offset; here every hint is found by
//! its offset whatever the order (the first of equal offsets counts).
//! Either way the difference is only in code layout.
//!
//! [`Tunables::branch_hinting`]: crate::Tunables::branch_hinting

use crate::FuncIndex;
use std::collections::HashMap;
use wasmparser::BranchHintSectionReader;

/// One branch hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BranchHint {
    /// Byte offset of the hinted instruction from the start of its function
    /// body (the local declarations, after the body's size).
    pub offset: u32,
    /// Whether the branch is likely taken: for `if`, the condition is
    /// likely true (the `then` arm runs); for `br_if`, the branch is likely
    /// taken rather than falling through.
    pub taken: bool,
}

/// The branch hints of one function, sorted by offset, at most one per
/// offset. Empty when the module has none for it or branch hinting is off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchHints {
    hints: Vec<BranchHint>,
}

impl BranchHints {
    /// Collects `hints` in any order; of several hints for one offset the
    /// first is kept.
    pub fn new(hints: impl IntoIterator<Item = BranchHint>) -> BranchHints {
        let mut hints: Vec<BranchHint> = hints.into_iter().collect();
        // Stable, so the first of equal offsets stays first.
        hints.sort_by_key(|h| h.offset);
        hints.dedup_by_key(|h| h.offset);
        BranchHints { hints }
    }

    /// Whether there are no hints.
    pub fn is_empty(&self) -> bool {
        self.hints.is_empty()
    }

    /// The number of hints.
    pub fn len(&self) -> usize {
        self.hints.len()
    }

    /// The hints, by increasing offset.
    pub fn iter(&self) -> impl Iterator<Item = BranchHint> + '_ {
        self.hints.iter().copied()
    }

    /// Whether the branch of the instruction at body offset `offset` is
    /// likely taken, if a hint says so.
    pub fn taken(&self, offset: u32) -> Option<bool> {
        self.hints
            .binary_search_by_key(&offset, |h| h.offset)
            .ok()
            .map(|i| self.hints[i].taken)
    }
}

/// Decodes a whole `metadata.code.branch_hint` section into the hints of
/// each function it names (the first entry of a function counts), or
/// `None` if any part of it is malformed.
pub(crate) fn decode_branch_hints(
    section: BranchHintSectionReader<'_>,
) -> Option<HashMap<FuncIndex, BranchHints>> {
    let mut out = HashMap::new();
    for func in section {
        let func = func.ok()?;
        // Decode every hint even of an entry that is not used, so that a
        // malformed hint anywhere drops the section.
        let hints = func
            .hints
            .into_iter()
            .map(|h| {
                h.map(|h| BranchHint {
                    offset: h.func_offset,
                    taken: h.taken,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        out.entry(FuncIndex::from_u32(func.func))
            .or_insert_with(|| BranchHints::new(hints));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> BranchHintSectionReader<'_> {
        BranchHintSectionReader::new(wasmparser::BinaryReader::new(bytes, 0)).unwrap()
    }

    #[test]
    fn lookup_by_offset_in_any_order() {
        let h = |offset, taken| BranchHint { offset, taken };
        let hints = BranchHints::new([h(9, true), h(3, false), h(9, false)]);
        assert_eq!(hints.len(), 2);
        assert_eq!(hints.taken(3), Some(false));
        assert_eq!(hints.taken(9), Some(true));
        assert_eq!(hints.taken(4), None);
    }

    #[test]
    fn decodes_and_keeps_first_entry_of_a_function() {
        // Two entries for function 1: {5: taken}, then {5: not taken}.
        let bytes = [2, 1, 1, 5, 1, 1, 1, 1, 5, 1, 0];
        let map = decode_branch_hints(reader(&bytes)).unwrap();
        assert_eq!(map[&FuncIndex::from_u32(1)].taken(5), Some(true));
    }

    #[test]
    fn malformed_sections_are_dropped_whole() {
        // Length byte 2 instead of 1.
        assert!(decode_branch_hints(reader(&[1, 0, 1, 0, 2, 1])).is_none());
        // Value byte 2.
        assert!(decode_branch_hints(reader(&[1, 0, 1, 0, 1, 2])).is_none());
        // A good entry, then a truncated one.
        assert!(decode_branch_hints(reader(&[2, 0, 1, 0, 1, 1, 1, 1])).is_none());
        // A malformed hint in a second entry for an already seen function.
        assert!(decode_branch_hints(reader(&[2, 0, 0, 0, 1, 0, 1, 7])).is_none());
    }
}
