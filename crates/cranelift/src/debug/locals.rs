//! Variables and pointer types for native debuggers.
//!
//! Locations: a wasm variable's `DW_AT_location` (an expression or a
//! location list, over wasm code) becomes a native location list. Each
//! wasm range maps to native code; that code is cut where the wasm locals
//! the expression reads, or the vmctx it needs for linear memory and
//! globals, move between registers and frame slots (Cranelift's
//! value-label ranges), and each piece gets the native expression for
//! those places (`expr.rs`). `DW_OP_fbreg` is replaced by the enclosing
//! function's frame base, so `DW_AT_frame_base` itself is dropped. Code
//! where a needed value is not held anywhere is left out: the debugger
//! shows the variable as optimized out there.
//!
//! Pointers: a wasm pointer is a 32-bit offset into linear memory, which a
//! native debugger cannot follow. Pointer types become 4-byte structures
//! `WebAssemblyPtr { __ptr }` (so structures and arrays holding pointers
//! keep their layout), and a variable whose own type is a pointer gets a
//! native pointer type and the host address its wasm pointer stands for
//! as its value, so that `p->field`, `*p` and `p[i]` work in the debugger.

use super::address::{AddressTransform, FuncMap};
use super::expr::{Kind, VmLayout, WasmExpr};
use gimli::constants as dw;
use gimli::write::{
    Address, AttributeValue, ConvertResult, ConvertUnit, ConvertUnitEntry, Expression, Location,
    LocationList, UnitEntryId,
};
use gimli::{Reader, UnitOffset};
use std::collections::HashMap;
use wasmtime_environ::ValueLoc;

/// Per-unit state: the synthetic types made so far.
#[derive(Default)]
pub(crate) struct UnitTypes {
    /// The native pointer type made for each wasm pointer type.
    host_pointers: HashMap<usize, UnitEntryId>,
    /// The unsigned integer type of `WebAssemblyPtr::__ptr`.
    offset_type: Option<UnitEntryId>,
}

/// Whether `tag` is a pointer-like type (a wasm address in memory).
pub(crate) fn is_pointer_tag(tag: gimli::DwTag) -> bool {
    matches!(
        tag,
        dw::DW_TAG_pointer_type | dw::DW_TAG_reference_type | dw::DW_TAG_rvalue_reference_type
    )
}

/// Adds wasm pointer type `entry` (reserved as `id`) as the structure
/// `WebAssemblyPtr { __ptr: u32 }` (`u64` for a 64-bit memory).
pub(crate) fn add_wasm_pointer_type<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    id: UnitEntryId,
    entry: &ConvertUnitEntry<'_, R>,
    types: &mut UnitTypes,
    vm: &VmLayout,
) {
    let size: u8 = if vm.memory64 { 8 } else { 4 };
    let parent = entry.parent.unwrap_or(unit.unit.root());
    unit.unit
        .add_reserved(id, parent, dw::DW_TAG_structure_type);
    let e = unit.unit.get_mut(id);
    e.set(
        dw::DW_AT_name,
        AttributeValue::String(b"WebAssemblyPtr".to_vec()),
    );
    e.set(dw::DW_AT_byte_size, AttributeValue::Data1(size));
    let offset_type = *types.offset_type.get_or_insert_with(|| {
        let root = unit.unit.root();
        let t = unit.unit.add(root, dw::DW_TAG_base_type);
        let e = unit.unit.get_mut(t);
        let name: &[u8] = if size == 8 { b"u64" } else { b"u32" };
        e.set(dw::DW_AT_name, AttributeValue::String(name.to_vec()));
        e.set(
            dw::DW_AT_encoding,
            AttributeValue::Encoding(dw::DW_ATE_unsigned),
        );
        e.set(dw::DW_AT_byte_size, AttributeValue::Data1(size));
        t
    });
    let member = unit.unit.add(id, dw::DW_TAG_member);
    let m = unit.unit.get_mut(member);
    m.set(dw::DW_AT_name, AttributeValue::String(b"__ptr".to_vec()));
    m.set(dw::DW_AT_type, AttributeValue::UnitRef(offset_type));
    m.set(dw::DW_AT_data_member_location, AttributeValue::Udata(0));
}

/// If the type at `offset` is (through typedefs and qualifiers) a wasm
/// pointer type, the native pointer type standing for it.
fn host_pointer_type<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    offset: UnitOffset,
    types: &mut UnitTypes,
) -> Option<UnitEntryId> {
    let read_unit = unit.read_unit;
    let mut offset = offset;
    for _ in 0..16 {
        let entry = ConvertUnitEntry::read(read_unit, offset).ok()?;
        let next = match entry.attr_value(dw::DW_AT_type) {
            Some(gimli::AttributeValue::UnitRef(o)) => Some(o),
            _ => None,
        };
        match entry.tag {
            dw::DW_TAG_typedef
            | dw::DW_TAG_const_type
            | dw::DW_TAG_volatile_type
            | dw::DW_TAG_restrict_type
            | dw::DW_TAG_atomic_type => offset = next?,
            tag if is_pointer_tag(tag) => {
                if let Some(&id) = types.host_pointers.get(&offset.0) {
                    return Some(id);
                }
                let pointee = match next {
                    Some(o) => Some(unit.convert_unit_ref(o).ok()?),
                    None => None,
                };
                let root = unit.unit.root();
                let id = unit.unit.add(root, tag);
                if let Some(p) = pointee {
                    unit.unit
                        .get_mut(id)
                        .set(dw::DW_AT_type, AttributeValue::UnitRef(p));
                }
                types.host_pointers.insert(offset.0, id);
                return Some(id);
            }
            _ => return None,
        }
    }
    None
}

/// What a variable's location needs from its surroundings.
pub(crate) struct Scope<'s> {
    /// The module's code map.
    pub(crate) at: &'s AddressTransform,
    /// How linear memory and globals are reached.
    pub(crate) vm: &'s VmLayout,
    /// The wasm code ranges of the innermost enclosing scope with code.
    pub(crate) ranges: &'s [(u64, u64)],
    /// The enclosing function's frame base, if it has one.
    pub(crate) frame_base: Option<&'s WasmExpr>,
}

/// Converts the `DW_AT_location` of variable or parameter `entry` (new
/// entry `id`) into a native location list, and gives a pointer variable
/// its native pointer type. Leaves the variable without location when
/// nothing can be expressed.
pub(crate) fn convert_location<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    id: UnitEntryId,
    entry: &ConvertUnitEntry<'_, R>,
    attr: &gimli::read::Attribute<R>,
    scope: &Scope<'_>,
    types: &mut UnitTypes,
) -> ConvertResult<()> {
    let (at, vm) = (scope.at, scope.vm);
    let read_unit = entry.read_unit;
    let encoding = read_unit.encoding();
    // (wasm range, expression) pairs.
    let mut pieces: Vec<((u64, u64), gimli::Expression<R>)> = Vec::new();
    match attr.value() {
        gimli::AttributeValue::Exprloc(e) => {
            pieces.extend(scope.ranges.iter().map(|r| (*r, e.clone())));
        }
        value => {
            let Ok(Some(offset)) = read_unit.attr_locations_offset(value) else {
                return Ok(());
            };
            let Ok(mut iter) = read_unit.locations(offset) else {
                return Ok(());
            };
            while let Ok(Some(l)) = iter.next() {
                pieces.push(((l.range.begin, l.range.end), l.data));
            }
        }
    }
    let host_pointer = match entry.attr_value(dw::DW_AT_type) {
        Some(gimli::AttributeValue::UnitRef(t)) => host_pointer_type(unit, t, types),
        _ => None,
    };
    let pointer = host_pointer.is_some();
    let mut list: Vec<(u64, u64, Vec<u8>)> = Vec::new();
    for ((begin, end), e) in pieces {
        let Ok(wasm) = WasmExpr::parse(&e, encoding, scope.frame_base) else {
            continue;
        };
        if pointer && wasm.kind == Kind::Pieces {
            continue; // A pointer in pieces cannot be rebased.
        }
        let labels = wasm.labels(pointer);
        for range in at.ranges(begin, end) {
            // A merged range may span adjacent functions.
            let mut start = range.start;
            while let Some(f) = at.function_at_native(start).filter(|_| start < range.end) {
                let end = range.end.min(f.native.end);
                for (a, b, locs) in segments(f, &labels, start, end) {
                    let Ok(code) = wasm.native(&locs, vm, pointer) else {
                        continue;
                    };
                    match list.last_mut() {
                        Some(last) if last.1 == a && last.2 == code => last.1 = b,
                        _ => list.push((a, b, code)),
                    }
                }
                start = end;
            }
        }
    }
    if list.is_empty() {
        return Ok(());
    }
    list.sort_by_key(|l| l.0);
    let locations = LocationList(
        list.into_iter()
            .map(|(a, b, code)| Location::StartLength {
                begin: Address::Constant(a),
                length: b - a,
                data: Expression::raw(code),
            })
            .collect(),
    );
    let list_id = unit.unit.locations.add(locations);
    let e = unit.unit.get_mut(id);
    e.set(dw::DW_AT_location, AttributeValue::LocationListRef(list_id));
    if let Some(t) = host_pointer {
        e.set(dw::DW_AT_type, AttributeValue::UnitRef(t));
    }
    Ok(())
}

/// Cuts native `[start, end)` of function `f` where one of `labels` moves;
/// returns the pieces where every label is held somewhere, with the place
/// of each.
fn segments(
    f: &FuncMap,
    labels: &[u32],
    start: u64,
    end: u64,
) -> Vec<(u64, u64, HashMap<u32, ValueLoc>)> {
    let base = f.native.start;
    // The ranges of each label that overlap `[start, end)`, in absolute
    // addresses.
    type Places = Vec<(u64, u64, ValueLoc)>;
    let ranges: Vec<(u32, Places)> = labels
        .iter()
        .map(|&label| {
            let first = f.value_labels.partition_point(|r| r.label < label);
            let list = f.value_labels[first..]
                .iter()
                .take_while(|r| r.label == label)
                .map(|r| (base + u64::from(r.start), base + u64::from(r.end), r.loc))
                .filter(|&(a, b, _)| a < end && start < b)
                .collect();
            (label, list)
        })
        .collect();
    let mut cuts = vec![start, end];
    for (_, list) in &ranges {
        for &(a, b, _) in list {
            cuts.extend([a, b].into_iter().filter(|&c| start < c && c < end));
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    'pieces: for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut locs = HashMap::new();
        for (label, list) in &ranges {
            // Ranges of a label may overlap (a value in two places):
            // take the first.
            match list.iter().find(|&&(s, e, _)| s <= a && a < e) {
                Some(&(_, _, loc)) => {
                    locs.insert(*label, loc);
                }
                None => continue 'pieces,
            }
        }
        out.push((a, b, locs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_environ::ValueLabelRange;

    #[test]
    fn segments_follow_the_values_between_places() {
        let r = |label, start, end, loc| ValueLabelRange {
            label,
            start,
            end,
            loc,
        };
        let f = FuncMap {
            wasm: 0..10,
            native: 100..200,
            runs: Vec::new(),
            runs_by_wasm: Vec::new(),
            value_labels: vec![
                r(1, 0, 40, ValueLoc::Reg(3)),
                r(1, 40, 80, ValueLoc::CfaOffset(-24)),
                r(7, 10, 60, ValueLoc::Reg(5)),
            ],
        };
        let s = segments(&f, &[1, 7], 100, 200);
        let spans: Vec<(u64, u64)> = s.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(spans, vec![(110, 140), (140, 160)]);
        assert_eq!(s[0].2[&1], ValueLoc::Reg(3));
        assert_eq!(s[1].2[&1], ValueLoc::CfaOffset(-24));
        assert_eq!(s[1].2[&7], ValueLoc::Reg(5));
        // Without labels the whole range is one piece.
        assert_eq!(segments(&f, &[], 120, 130).len(), 1);
    }
}
