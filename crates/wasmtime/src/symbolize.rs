//! Source locations and readable names for backtrace frames: the module's
//! DWARF (kept by `Config::wasm_backtrace_details`) read with addr2line, and
//! Rust/C++ symbol demangling.

use std::fmt;

/// One source-level frame of a wasm frame: with inlining, one wasm frame
/// maps to several of these, innermost first.
#[derive(Clone, Debug)]
pub struct FrameSymbol {
    pub(crate) name: Option<String>,
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u32>,
    pub(crate) column: Option<u32>,
}

impl FrameSymbol {
    /// The function's (possibly mangled) name from the DWARF.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The source file, as the producer recorded it.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The 1-based source line.
    pub fn line(&self) -> Option<u32> {
        self.line
    }

    /// The 1-based source column.
    pub fn column(&self) -> Option<u32> {
        self.column
    }
}

/// Writes `name` demangled if it is a Rust or C++ (Itanium) symbol, as is
/// otherwise.
pub(crate) fn write_demangled(f: &mut impl fmt::Write, name: &str) -> fmt::Result {
    #[cfg(feature = "demangle")]
    {
        if let Ok(rust) = rustc_demangle::try_demangle(name) {
            return write!(f, "{rust}");
        }
        let options = cpp_demangle::DemangleOptions::default();
        if let Ok(Ok(text)) = cpp_demangle::Symbol::new(name).map(|s| s.demangle(&options)) {
            return f.write_str(&text);
        }
    }
    f.write_str(name)
}

/// Writes a frame's function: its demangled name, or `<wasm function N>`.
pub(crate) fn write_func_name(
    f: &mut impl fmt::Write,
    name: Option<&str>,
    index: u32,
) -> fmt::Result {
    match name {
        Some(name) => write_demangled(f, name),
        None => write!(f, "<wasm function {index}>"),
    }
}

#[cfg(feature = "addr2line")]
pub(crate) use dwarf::Symbolizer;

#[cfg(feature = "addr2line")]
mod dwarf {
    use super::FrameSymbol;
    use std::sync::{Arc, Mutex};
    use wasmtime_environ::WasmDwarf;

    type Reader = gimli::EndianArcSlice<gimli::LittleEndian>;

    /// An addr2line context over one module's DWARF, built on a module's
    /// first symbolized backtrace and kept with the module.
    pub(crate) struct Symbolizer {
        context: Mutex<addr2line::Context<Reader>>,
        code_section_offset: u64,
    }

    impl Symbolizer {
        /// Parses the DWARF's unit headers; `None` if it is malformed.
        pub(crate) fn new(dwarf: &WasmDwarf) -> Option<Symbolizer> {
            let load = |id: gimli::SectionId| -> Result<Reader, gimli::Error> {
                let bytes: Arc<[u8]> = dwarf.section(id.name()).into();
                Ok(gimli::EndianArcSlice::new(bytes, gimli::LittleEndian))
            };
            let sections = gimli::Dwarf::load(load).ok()?;
            let context = addr2line::Context::from_dwarf(sections).ok()?;
            Some(Symbolizer {
                context: Mutex::new(context),
                code_section_offset: dwarf.code_section_offset,
            })
        }

        /// The source frames of the instruction at module-relative offset
        /// `module_offset`, innermost first (empty when the DWARF does
        /// not cover it).
        pub(crate) fn frames(&self, module_offset: u64) -> Vec<FrameSymbol> {
            let mut out = Vec::new();
            let Some(address) = module_offset.checked_sub(self.code_section_offset) else {
                return out;
            };
            let context = match self.context.lock() {
                Ok(c) => c,
                Err(poisoned) => poisoned.into_inner(),
            };
            let Ok(mut frames) = context.find_frames(address).skip_all_loads() else {
                return out;
            };
            while let Ok(Some(frame)) = frames.next() {
                let location = frame.location.as_ref();
                out.push(FrameSymbol {
                    name: frame
                        .function
                        .as_ref()
                        .and_then(|n| n.raw_name().ok())
                        .map(|n| n.into_owned()),
                    file: location.and_then(|l| l.file).map(str::to_string),
                    line: location.and_then(|l| l.line),
                    column: location.and_then(|l| l.column),
                });
            }
            out
        }
    }
}
