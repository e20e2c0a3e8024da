//! The `Config` knobs of debugging and profiling: source-level backtrace
//! details, core dumps on trap and the native profiler integration.

use crate::Config;

/// Whether backtraces name source files and lines, read from the module's
/// DWARF (`Config::wasm_backtrace_details`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum WasmBacktraceDetails {
    /// Keep modules' DWARF and symbolize backtrace frames with it.
    Enable,
    /// Do not keep DWARF: frames show function names and offsets only.
    Disable,
    /// Enable when the `WASMTIME_BACKTRACE_DETAILS` environment variable is
    /// `1` at the time of the call (the default).
    Environment,
}

impl Config {
    /// Chooses whether modules compiled by this engine keep their DWARF
    /// sections so that each backtrace frame lists source file, line and
    /// column ([`FrameInfo::symbols`](crate::FrameInfo::symbols)). Off
    /// unless enabled here or by `WASMTIME_BACKTRACE_DETAILS=1` (the
    /// default is [`WasmBacktraceDetails::Environment`]); when off, nothing
    /// is kept and traps cost nothing more.
    pub fn wasm_backtrace_details(&mut self, details: WasmBacktraceDetails) -> &mut Self {
        self.wasm_backtrace_details_env_used = false;
        self.tunables.parse_wasm_debuginfo = match details {
            WasmBacktraceDetails::Enable => true,
            WasmBacktraceDetails::Disable => false,
            WasmBacktraceDetails::Environment => {
                self.wasm_backtrace_details_env_used = true;
                std::env::var("WASMTIME_BACKTRACE_DETAILS").is_ok_and(|v| v == "1")
            }
        };
        self
    }
}

impl Config {
    /// Attaches a [`WasmCoreDump`](crate::WasmCoreDump) of the store to the
    /// error of every wasm trap (`err.downcast_ref::<WasmCoreDump>()`), for
    /// post-mortem debugging. Off by default; costs nothing until a trap.
    pub fn coredump_on_trap(&mut self, enable: bool) -> &mut Self {
        self.coredump_on_trap = enable;
        self
    }
}
