//! Traps and wasm backtraces as the embedder sees them.

use crate::store::{PendingError, StoreOpaque};
use crate::symbolize::{write_demangled, write_func_name, FrameSymbol};
use crate::Module;
use std::fmt;
pub use wasmtime_environ::Trap;
use wasmtime_environ::TrapSite;
use wasmtime_runtime::backtrace::FrameWalk;
use wasmtime_runtime::traphandlers::TrapRecord;

/// Description of one frame of a [`WasmBacktrace`].
#[derive(Clone, Debug)]
pub struct FrameInfo {
    module: Module,
    func_index: u32,
    func_name: Option<String>,
    module_offset: Option<usize>,
    func_offset: Option<usize>,
    symbols: Vec<FrameSymbol>,
}

impl FrameInfo {
    pub(crate) fn new(
        module: Module,
        func_index: u32,
        func_name: Option<String>,
        module_offset: Option<usize>,
        func_offset: Option<usize>,
        symbols: Vec<FrameSymbol>,
    ) -> FrameInfo {
        FrameInfo {
            module,
            func_index,
            func_name,
            module_offset,
            func_offset,
            symbols,
        }
    }

    /// The source-level frames of this frame's instruction (innermost
    /// first when functions were inlined), from the module's DWARF. Empty
    /// unless the module was compiled with
    /// [`Config::wasm_backtrace_details`](crate::Config::wasm_backtrace_details)
    /// enabled and has DWARF covering the instruction.
    pub fn symbols(&self) -> &[FrameSymbol] {
        &self.symbols
    }

    /// Index of the function in its module's function index space.
    pub fn func_index(&self) -> u32 {
        self.func_index
    }

    /// The function's name from the name section, if any.
    pub fn func_name(&self) -> Option<&str> {
        self.func_name.as_deref()
    }

    /// The module the frame belongs to.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// Byte offset of the instruction in the original module, if known.
    pub fn module_offset(&self) -> Option<usize> {
        self.module_offset
    }

    /// Byte offset of the instruction from the start of its function's
    /// body in the module (as Wasmtime counts it: from the body's locals
    /// declaration), if known.
    pub fn func_offset(&self) -> Option<usize> {
        self.func_offset
    }
}

/// The wasm frames active when an error happened, innermost first. It is
/// attached to trap errors as context: `err.downcast_ref::<WasmBacktrace>()`.
#[derive(Clone, Debug)]
pub struct WasmBacktrace {
    frames: Vec<FrameInfo>,
    /// Older frames left out by `Config::wasm_backtrace_max_frames`.
    omitted: usize,
    /// Some frame's module has DWARF that `WASMTIME_BACKTRACE_DETAILS=1`
    /// would have kept.
    hint_details_env: bool,
}

impl WasmBacktrace {
    /// The frames, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }

    /// How many older frames were left out because of
    /// [`Config::wasm_backtrace_max_frames`](crate::Config::wasm_backtrace_max_frames).
    pub fn omitted_frames(&self) -> usize {
        self.omitted
    }

    /// Appends the frames of `outer` (the frames that resumed the
    /// continuation these frames ran in), within `max` frames in all.
    fn append_outer(&mut self, outer: &WasmBacktrace, max: usize) {
        for frame in &outer.frames {
            if self.frames.len() < max {
                self.frames.push(frame.clone());
            } else {
                self.omitted += 1;
            }
        }
        self.omitted += outer.omitted;
        self.hint_details_env |= outer.hint_details_env;
    }

    pub(crate) fn from_walk(store: &StoreOpaque, walk: &FrameWalk) -> WasmBacktrace {
        let mut frames = Vec::new();
        let env_used = store.engine().config().wasm_backtrace_details_env_used;
        let mut hint_details_env = false;
        for (i, pc) in walk.pcs.iter().enumerate() {
            // Return addresses point after the call; look up the call itself.
            let pc = if i == 0 { *pc } else { pc.wrapping_sub(1) };
            if let Some(frame) = store.modules.iter().find_map(|m| m.frame_info(pc)) {
                hint_details_env |= env_used
                    && cfg!(feature = "addr2line")
                    && frame.module.has_unparsed_debuginfo();
                frames.push(frame);
            }
        }
        WasmBacktrace {
            frames,
            omitted: walk.omitted,
            hint_details_env,
        }
    }
}

impl fmt::Display for WasmBacktrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error while executing at wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            let name = frame.module.name().unwrap_or("<unknown>");
            write!(f, "  {i:>3}: ")?;
            if let Some(offset) = frame.module_offset {
                write!(f, "{offset:#8x} - ")?;
            }
            let raw_name = |f: &mut fmt::Formatter<'_>| {
                write_func_name(f, frame.func_name(), frame.func_index)
            };
            if frame.symbols.is_empty() {
                write!(f, "{name}!")?;
                raw_name(f)?;
            }
            // With DWARF, each source frame (inlined ones first) gets a
            // line with its name and one with its location.
            for (j, symbol) in frame.symbols.iter().enumerate() {
                if j > 0 {
                    write!(f, "\n                - ")?;
                }
                match symbol.name() {
                    Some(name) => write_demangled(f, name)?,
                    None if j == 0 => raw_name(f)?,
                    None => f.write_str("<inlined function>")?,
                }
                if let Some(file) = symbol.file() {
                    write!(f, "\n                    at {file}")?;
                    if let Some(line) = symbol.line() {
                        write!(f, ":{line}")?;
                        if let Some(column) = symbol.column() {
                            write!(f, ":{column}")?;
                        }
                    }
                }
            }
            if i + 1 < self.frames.len() {
                writeln!(f)?;
            }
        }
        match self.omitted {
            0 => {}
            1 => write!(f, "\n  ... 1 more frame not shown")?,
            n => write!(f, "\n  ... {n} more frames not shown")?,
        }
        if self.hint_details_env {
            write!(
                f,
                "\nnote: using the `WASMTIME_BACKTRACE_DETAILS=1` environment variable may show \
                 more debugging information"
            )?;
        }
        Ok(())
    }
}

/// Turns the outcome of a failed call into the error the embedder sees.
pub(crate) fn trap_error(store: &mut StoreOpaque, record: Option<TrapRecord>) -> anyhow::Error {
    let backtrace = record
        .as_ref()
        .map(|r| WasmBacktrace::from_walk(store, &r.backtrace));
    let error = match record.as_ref().map(|r| r.site) {
        Some(TrapSite::Wasm(trap)) => anyhow::Error::new(trap),
        Some(TrapSite::Exception) => {
            if let Some(exn) = wasmtime_runtime::exception::take_uncaught() {
                store.pending_exception = Some(exn as u64);
            }
            anyhow::Error::new(crate::ThrownException)
        }
        Some(TrapSite::HostError) | None => match store.take_pending() {
            Some(PendingError::Error(e)) => e,
            Some(PendingError::Panic(payload)) => std::panic::resume_unwind(payload),
            None => anyhow::anyhow!("host function failed without an error"),
        },
    };
    // The interrupt API of `Config::interruptable` reports its trap as the
    // error's message (`to_string()` contains "wasm trap: interrupt"), as
    // that API always did, so no backtrace is layered on top of it.
    if store.interrupt.is_some() && error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return error;
    }
    // A trap in a continuation (stack switching) reaches its resumer as a
    // pending error with the continuation's frames: the resumer's frames
    // continue that backtrace.
    let merge = std::mem::take(&mut store.cont_trap_pending)
        && matches!(
            record.as_ref().map(|r| r.site),
            Some(TrapSite::HostError) | None
        );
    let mut error = error;
    if merge {
        if let (Some(bt), Some(inner)) = (&backtrace, error.downcast_mut::<WasmBacktrace>()) {
            inner.append_outer(bt, store.max_backtrace_frames);
            return error;
        }
    }
    let error = match &backtrace {
        Some(bt) if !bt.frames.is_empty() => error.context(bt.clone()),
        _ => error,
    };
    #[cfg(feature = "coredump")]
    if store.engine().config().coredump_on_trap && error.downcast_ref::<Trap>().is_some() {
        let backtrace = backtrace.unwrap_or(WasmBacktrace {
            frames: Vec::new(),
            omitted: 0,
            hint_details_env: false,
        });
        return error.context(crate::WasmCoreDump::new(store, backtrace));
    }
    error
}
