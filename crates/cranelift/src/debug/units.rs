//! The debugging information entries, converted unit by unit: code
//! addresses and ranges are rewritten for native code, everything else
//! (types, names, files, scopes) is copied.

use super::address::AddressTransform;
use super::expr::{VmLayout, WasmExpr};
use super::locals::{Scope, UnitTypes};
use super::{lines, locals};
use gimli::constants as dw;
use gimli::write::{
    self, Address, AttributeValue, ConvertResult, ConvertUnit, ConvertUnitEntry, Range, RangeList,
    UnitEntryId,
};
use gimli::{Encoding, Reader};
use std::rc::Rc;

/// Converts every unit of `read` into `out`.
pub(crate) fn convert<R: Reader<Offset = usize>>(
    read: &gimli::Dwarf<R>,
    out: &mut write::Dwarf,
    at: &AddressTransform,
    vm: &VmLayout,
) -> ConvertResult<()> {
    let mut units = out.convert(read)?;
    while let Some((mut unit, root)) = units.read_unit()? {
        let encoding = Encoding {
            address_size: 8,
            ..unit.read_unit.encoding()
        };
        unit.unit.set_encoding(encoding);
        lines::convert(&mut unit, encoding, at)?;
        let mut types = UnitTypes::default();
        // The enclosing scopes of the entry being converted: depth, wasm
        // code ranges (inherited when an entry has none) and frame base.
        let mut scopes: Vec<ScopeInfo> = Vec::new();
        let root_id = unit.unit.root();
        let info = convert_entry(&mut unit, root_id, &root, at, vm, &mut types, None)?;
        scopes.push(ScopeInfo {
            depth: root.depth,
            ..info
        });
        let mut entry = root;
        while let Some(id) = unit.read_entry(&mut entry)? {
            let Some(id) = id else { continue };
            while scopes.last().is_some_and(|s| s.depth >= entry.depth) {
                scopes.pop();
            }
            if locals::is_pointer_tag(entry.tag) {
                locals::add_wasm_pointer_type(&mut unit, id, &entry, &mut types, vm);
                continue;
            }
            let id = unit.add_entry(Some(id), &entry);
            let info = convert_entry(&mut unit, id, &entry, at, vm, &mut types, scopes.last())?;
            if entry.has_children() {
                scopes.push(ScopeInfo {
                    depth: entry.depth,
                    ..info
                });
            }
        }
    }
    Ok(())
}

/// What the children of an entry inherit from it.
struct ScopeInfo {
    depth: isize,
    /// Wasm code ranges of the innermost scope with code.
    ranges: Rc<Vec<(u64, u64)>>,
    /// Frame base of the innermost function.
    frame_base: Option<Rc<WasmExpr>>,
}

/// The wasm code range(s) an entry covers.
enum HighPc {
    Address(u64),
    Length(u64),
}

/// Converts the attributes of `entry` into new entry `id`; `parent` is
/// what the enclosing scopes hand down. Returns what its children inherit.
fn convert_entry<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    id: UnitEntryId,
    entry: &ConvertUnitEntry<'_, R>,
    at: &AddressTransform,
    vm: &VmLayout,
    types: &mut UnitTypes,
    parent: Option<&ScopeInfo>,
) -> ConvertResult<ScopeInfo> {
    let read_unit = entry.read_unit;
    let mut location = None;
    let mut frame_base = None;
    let mut low = None;
    let mut high = None;
    let mut wasm_ranges: Option<Vec<(u64, u64)>> = None;
    let convert_address = |a: u64| at.address(a).map(Address::Constant);
    for attr in &entry.attrs {
        match attr.name() {
            dw::DW_AT_low_pc => low = read_unit.attr_address(attr.value()).ok().flatten(),
            dw::DW_AT_high_pc => {
                high = match attr.value() {
                    gimli::AttributeValue::Addr(_) | gimli::AttributeValue::DebugAddrIndex(_) => {
                        read_unit
                            .attr_address(attr.value())
                            .ok()
                            .flatten()
                            .map(HighPc::Address)
                    }
                    v => v.udata_value().map(HighPc::Length),
                }
            }
            dw::DW_AT_ranges => {
                if let Ok(Some(offset)) = read_unit.attr_ranges_offset(attr.value()) {
                    let mut list = Vec::new();
                    if let Ok(mut iter) = read_unit.ranges(offset) {
                        while let Ok(Some(r)) = iter.next() {
                            list.push((r.begin, r.end));
                        }
                    }
                    wasm_ranges = Some(list);
                }
            }
            // Converted below, once the scope is known.
            dw::DW_AT_location => location = Some(attr),
            dw::DW_AT_frame_base => frame_base = Some(attr),
            // Positions inside code that are not needed to debug; dropped
            // rather than mapped imprecisely.
            dw::DW_AT_GNU_locviews
            | dw::DW_AT_entry_pc
            | dw::DW_AT_call_return_pc
            | dw::DW_AT_call_pc
            | dw::DW_AT_GNU_entry_view => {}
            name => {
                // A value that cannot be converted (a malformed or unusual
                // attribute) is dropped; the rest of the entry stays.
                if let Ok(value) = unit.convert_attribute_value(read_unit, attr, &convert_address) {
                    unit.unit.get_mut(id).set(name, value);
                }
            }
        }
    }

    let own: Option<Vec<(u64, u64)>> = match (low, high, wasm_ranges) {
        (_, _, Some(list)) => Some(list),
        (Some(low), Some(HighPc::Length(len)), None) => Some(vec![(low, low.saturating_add(len))]),
        (Some(low), Some(HighPc::Address(high)), None) => Some(vec![(low, high)]),
        (Some(low), None, None) => {
            // A single address (a label, or a unit's base).
            if let Some(a) = at.address(low) {
                let e = unit.unit.get_mut(id);
                e.set(
                    dw::DW_AT_low_pc,
                    AttributeValue::Address(Address::Constant(a)),
                );
            }
            None
        }
        _ => None,
    };
    if let Some(wasm) = &own {
        set_native_ranges(unit, id, entry, at, wasm);
    }
    let ranges = match (own, parent) {
        (Some(own), _) => Rc::new(own),
        (None, Some(p)) => p.ranges.clone(),
        (None, None) => Rc::new(Vec::new()),
    };
    // A function's frame base is folded into its variables' locations
    // (`DW_OP_fbreg`), so the attribute itself is not kept.
    let frame_base = match frame_base.map(|a| a.value()) {
        Some(gimli::AttributeValue::Exprloc(e)) => WasmExpr::parse(&e, read_unit.encoding(), None)
            .ok()
            .map(Rc::new),
        Some(_) => None,
        None => parent.and_then(|p| p.frame_base.clone()),
    };
    if let Some(attr) = location {
        let scope = Scope {
            at,
            vm,
            ranges: &ranges,
            frame_base: frame_base.as_deref(),
        };
        locals::convert_location(unit, id, entry, attr, &scope, types)?;
    }
    Ok(ScopeInfo {
        depth: entry.depth,
        ranges,
        frame_base,
    })
}

/// Gives entry `id` the native code ranges of its wasm ranges.
fn set_native_ranges<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    id: UnitEntryId,
    entry: &ConvertUnitEntry<'_, R>,
    at: &AddressTransform,
    wasm: &[(u64, u64)],
) {
    let mut native: Vec<std::ops::Range<u64>> = Vec::new();
    for &(b, e) in wasm {
        native.extend(at.ranges(b, e));
    }
    native.sort_by_key(|r| r.start);
    let is_unit = entry.tag == dw::DW_TAG_compile_unit;
    if native.len() == 1 && !is_unit {
        let r = &native[0];
        let e = unit.unit.get_mut(id);
        e.set(
            dw::DW_AT_low_pc,
            AttributeValue::Address(Address::Constant(r.start)),
        );
        e.set(dw::DW_AT_high_pc, AttributeValue::Udata(r.end - r.start));
    } else if !native.is_empty() || is_unit {
        let list = RangeList(
            native
                .iter()
                .map(|r| Range::StartEnd {
                    begin: Address::Constant(r.start),
                    end: Address::Constant(r.end),
                })
                .collect(),
        );
        let list = unit.unit.ranges.add(list);
        let e = unit.unit.get_mut(id);
        if is_unit {
            e.set(
                dw::DW_AT_low_pc,
                AttributeValue::Address(Address::Constant(0)),
            );
        }
        e.set(dw::DW_AT_ranges, AttributeValue::RangeListRef(list));
    }
}
