//! Locations of variables. Wasm producers describe them with wasm
//! locations (`DW_OP_WASM_location`: a wasm local, global or operand) or
//! linear-memory addresses, which mean nothing to a native debugger; until
//! they are rewritten into native expressions (through Cranelift's
//! value-label ranges and the instance's memory base) they are left out,
//! so debuggers show such variables as optimized out instead of reading
//! wrong memory.

use super::address::AddressTransform;
use gimli::write::{AttributeValue, ConvertUnit, ConvertUnitEntry};
use gimli::Reader;

/// The native location of a `DW_AT_location` or `DW_AT_frame_base`, if it
/// can be expressed; `None` drops the attribute.
pub(crate) fn convert_location<R: Reader<Offset = usize>>(
    _unit: &mut ConvertUnit<'_, R>,
    _entry: &ConvertUnitEntry<'_, R>,
    _attr: &gimli::read::Attribute<R>,
    _at: &AddressTransform,
) -> Option<AttributeValue> {
    None
}
