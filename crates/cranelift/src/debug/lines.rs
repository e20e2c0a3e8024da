//! Line programs for native code: each compiled function gets one sequence
//! whose rows follow its machine code, each row carrying the source
//! position of the wasm instruction the code came from.

use super::address::AddressTransform;
use gimli::write::{Address, ConvertLineSequenceEnd, ConvertResult, ConvertUnit, LineRow};
use gimli::{Encoding, Reader};

/// Replaces the unit's line program by one for native addresses.
pub(crate) fn convert<R: Reader<Offset = usize>>(
    unit: &mut ConvertUnit<'_, R>,
    encoding: Encoding,
    at: &AddressTransform,
) -> ConvertResult<()> {
    let Some(mut program) = unit.read_line_program(Some(encoding), None)? else {
        return Ok(());
    };
    // Every row of the wasm program with its wasm address, and where each
    // sequence ends (a row only holds until its sequence's end).
    let mut rows: Vec<(u64, u64, LineRow)> = Vec::new();
    while let Some(seq) = program.read_sequence()? {
        let Some(start) = seq.start else { continue };
        let end = match seq.end {
            ConvertLineSequenceEnd::Length(len) => start.saturating_add(len),
            ConvertLineSequenceEnd::Address(a) => a,
        };
        for row in seq.rows {
            rows.push((start.saturating_add(row.address_offset), end, row));
        }
    }
    rows.sort_by_key(|r| r.0);
    let lookup = |wasm: u64| -> Option<&LineRow> {
        let i = rows.partition_point(|r| r.0 <= wasm);
        let (_, end, row) = rows.get(i.checked_sub(1)?)?;
        (wasm < *end).then_some(row)
    };

    for f in &at.funcs {
        let first = rows.partition_point(|r| r.0 < f.wasm.start);
        if rows.get(first).is_none_or(|r| r.0 >= f.wasm.end) && lookup(f.wasm.start).is_none() {
            continue; // No line of this unit covers the function.
        }
        let mut began = false;
        let mut last = None;
        for run in &f.runs {
            let Some(row) = lookup(run.wasm) else {
                continue;
            };
            let key = (row.file, row.line, row.column);
            if last == Some(key) {
                continue;
            }
            if !began {
                program.begin_sequence(Some(Address::Constant(f.native.start)));
                began = true;
            }
            let new_line = last.is_none_or(|(file, line, _)| (file, line) != (row.file, row.line));
            last = Some(key);
            let mut row = *row;
            // The wasm row that starts a statement often belongs to an
            // instruction without code of its own (a `local.get`), so the
            // first code of each new line starts a statement, or debuggers
            // would find no place to break on it.
            row.is_statement |= new_line;
            row.address_offset = run.native.0 - f.native.start;
            row.op_index = 0;
            program.generate_row(row);
        }
        if began {
            program.end_sequence(f.native.end - f.native.start);
        }
    }
    let (program, files) = program.program();
    unit.set_line_program(program, files);
    Ok(())
}
