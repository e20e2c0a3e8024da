//! Engine-neutral records of what an execution did, and their comparison.
//!
//! Both runners ([`crate::oracle`] and [`crate::ours`]) translate their
//! engine's values, traps and exports into these types so that
//! [`crate::targets::differential`] can compare them field by field.

use std::fmt;

/// A WebAssembly value in a form both engines can produce.
///
/// Floats are kept as bits; references only as "null or not", since the
/// identity of a reference cannot be compared across engines.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as its bits.
    F32(u32),
    /// An `f64`, as its bits.
    F64(u64),
    /// A `v128`, as its bits.
    V128(u128),
    /// A `funcref`; `true` when null.
    FuncRef {
        /// Whether the reference is null.
        null: bool,
    },
    /// An `externref`; `true` when null.
    ExternRef {
        /// Whether the reference is null.
        null: bool,
    },
}

impl Value {
    /// Whether two values are equal, with any NaN equal to any other NaN of
    /// the same width (NaN payloads are not specified to be deterministic).
    pub fn same_as(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
            }
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::V128(a), Value::V128(b)) => a == b,
            (Value::FuncRef { null: a }, Value::FuncRef { null: b }) => a == b,
            (Value::ExternRef { null: a }, Value::ExternRef { null: b }) => a == b,
            _ => false,
        }
    }
}

/// The type of a parameter, as far as argument generation cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValKind {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `v128`.
    V128,
    /// A nullable `funcref`.
    FuncRef,
    /// A nullable `externref`.
    ExternRef,
    /// A type the comparison does not drive (non-nullable or typed references).
    Other,
}

/// A trap, in the vocabulary both engines share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    /// `unreachable` executed.
    Unreachable,
    /// Out-of-bounds linear memory access.
    MemoryOutOfBounds,
    /// Out-of-bounds table access (including `call_indirect` past the end).
    TableOutOfBounds,
    /// `call_indirect` through a null entry.
    IndirectCallToNull,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Integer overflow (`INT_MIN / -1`, or a float too large for the integer).
    IntegerOverflow,
    /// NaN converted to an integer.
    BadConversionToInteger,
    /// `call_indirect` signature mismatch.
    BadSignature,
    /// A null reference dereferenced.
    NullReference,
    /// Misaligned atomic access.
    HeapMisaligned,
    /// Any other trap; its name is kept for the report.
    Other(&'static str),
}

/// How one call (or the start function during instantiation) ended.
#[derive(Clone, Debug)]
pub enum CallOutcome {
    /// Returned these values.
    Returned(Vec<Value>),
    /// Trapped.
    Trap(TrapKind),
    /// Ran out of fuel: the engines charge differently, so comparison stops.
    OutOfFuel,
    /// Ran out of stack: the engines' limits differ, so comparison stops.
    StackOverflow,
    /// A resource request the host cannot even represent (a `table.grow`
    /// whose byte size overflows): Wasmtime, and so our engine, fail the
    /// call, where the specification (and wasmi) return -1. Comparison
    /// stops.
    HostLimit,
    /// Failed in another way (message kept for the report).
    Error(String),
}

impl CallOutcome {
    /// Whether this outcome ends the comparison of the module without being
    /// a divergence (fuel or stack exhausted, or a host limit).
    pub fn stops_comparison(&self) -> bool {
        matches!(
            self,
            CallOutcome::OutOfFuel | CallOutcome::StackOverflow | CallOutcome::HostLimit
        )
    }

    /// Whether two outcomes agree (values compared with [`Value::same_as`]).
    pub fn same_as(&self, other: &CallOutcome) -> bool {
        match (self, other) {
            (CallOutcome::Returned(a), CallOutcome::Returned(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (CallOutcome::Trap(a), CallOutcome::Trap(b)) => traps_agree(*a, *b),
            _ => false,
        }
    }
}

/// Whether two trap kinds count as the same trap.
///
/// `call_indirect` on an index past the table's end is reported as an
/// out-of-bounds table access by one engine and as an undefined element by
/// another in some versions; both describe the same failure.
fn traps_agree(a: TrapKind, b: TrapKind) -> bool {
    use TrapKind::*;
    a == b
        || matches!(
            (a, b),
            (TableOutOfBounds, IndirectCallToNull) | (IndirectCallToNull, TableOutOfBounds)
        )
}

/// What kind of item an export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
    /// A table.
    Table,
    /// A tag or anything else.
    Other,
}

/// Why a runner could not produce a live instance.
#[derive(Debug)]
pub enum SetupError {
    /// The engine rejected the module at compile/validation time.
    Compile(String),
    /// Instantiation failed, or its start function did not return.
    Instantiate(CallOutcome),
}

/// One engine's view of an instantiated module, driven call by call.
pub trait Runner: Sized {
    /// The engine's name, for reports.
    const NAME: &'static str;

    /// Compiles and instantiates `wasm` with no imports, giving the start
    /// function (if any) `fuel` units of fuel.
    fn instantiate(wasm: &[u8], fuel: u64) -> Result<Self, SetupError>;

    /// The instance's exports, in module order.
    fn exports(&self) -> Vec<(String, ExportKind)>;

    /// The parameter types of exported function `name`.
    fn params(&self, name: &str) -> Vec<ValKind>;

    /// Calls exported function `name` with `args` and `fuel` units of fuel.
    fn call(&mut self, name: &str, args: &[Value], fuel: u64) -> CallOutcome;

    /// The bytes of exported memory `name`.
    fn memory(&self, name: &str) -> &[u8];

    /// The value of exported global `name`.
    fn global(&mut self, name: &str) -> Value;

    /// The size of exported table `name`.
    fn table_size(&self, name: &str) -> u64;
}

/// A difference between the engines, with enough context to debug it.
#[derive(Debug)]
pub struct Divergence {
    /// Where in the run it was seen (e.g. `call "f3"`).
    pub at: String,
    /// What differed.
    pub what: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.at, self.what)
    }
}

/// Describes the first byte where two memories differ, or their sizes.
pub fn memory_difference(a: &[u8], b: &[u8]) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("sizes {} vs {}", a.len(), b.len()));
    }
    if a == b {
        return None;
    }
    let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
    Some(format!(
        "first difference at byte {i}: {:#04x} vs {:#04x}",
        a[i], b[i]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nans_are_equal_regardless_of_payload() {
        let a = Value::F32(0x7fc0_0000);
        let b = Value::F32(0xffc0_0001);
        assert!(a.same_as(&b));
        assert!(!Value::F32(0).same_as(&Value::F32(0x8000_0000)));
        assert!(Value::F64(0x7ff8_0000_0000_0000).same_as(&Value::F64(0x7ff0_0000_0000_0001)));
    }

    #[test]
    fn memory_difference_reports_first_byte() {
        assert_eq!(memory_difference(&[1, 2], &[1, 2]), None);
        assert!(memory_difference(&[1, 2], &[1, 3])
            .unwrap()
            .contains("byte 1"));
        assert!(memory_difference(&[1], &[1, 3]).unwrap().contains("sizes"));
    }
}
