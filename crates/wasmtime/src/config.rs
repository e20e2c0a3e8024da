//! `Config`: the knobs used to create an `Engine`.

use std::num::NonZeroUsize;
use wasmtime_environ::wasmparser::WasmFeatures;
use wasmtime_environ::Tunables;

/// Cranelift optimisation level.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptLevel {
    /// No optimisation.
    None,
    /// Optimise for speed (the default).
    Speed,
    /// Optimise for speed and size.
    SpeedAndSize,
}

/// Compilation strategy: the optimizing tier or the fast one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// Pick the default (Cranelift, optimizing).
    Auto,
    /// Cranelift, optimizing (with [`Config::cranelift_opt_level`]).
    Cranelift,
    /// The fast tier, under the name of Wasmtime's baseline compiler: the
    /// same translation through Cranelift with no optimisations and the
    /// single-pass register allocator. It compiles several times faster
    /// and runs slower code; every feature the optimizing tier has works
    /// (traps, fuel, epochs, exceptions, SIMD, GC). An explicit
    /// [`Config::cranelift_regalloc_algorithm`] still applies.
    Winch,
}

/// A three-way switch for host features that may be missing (memory
/// protection keys, `PAGEMAP_SCAN`).
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
pub enum Enabled {
    /// Use the feature if the host has it.
    Auto,
    /// Use the feature; creating the engine fails if the host lacks it.
    Yes,
    /// Never use the feature.
    No,
}

/// Cranelift's register allocation algorithm.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Hash)]
#[non_exhaustive]
pub enum RegallocAlgorithm {
    /// Backtracking with range splitting: better code, slower compilation
    /// (the default).
    Backtracking,
    /// One pass in linear time: faster compilation, more spills and moves.
    SinglePass,
}

/// Default of [`Config::async_stack_size`].
const DEFAULT_ASYNC_STACK_SIZE: usize = 2 << 20;

/// The embedder's stack creator, in a `Config`.
#[cfg(all(feature = "async", feature = "runtime"))]
#[derive(Clone)]
pub(crate) struct HostStackCreator(pub(crate) std::sync::Arc<dyn crate::StackCreator>);

#[cfg(all(feature = "async", feature = "runtime"))]
impl std::fmt::Debug for HostStackCreator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StackCreator")
    }
}

/// Global configuration for an [`Engine`](crate::Engine).
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) features: WasmFeatures,
    pub(crate) tunables: Tunables,
    pub(crate) opt_level: OptLevel,
    pub(crate) verifier: bool,
    pub(crate) nan_canonicalization: bool,
    pub(crate) max_wasm_stack: usize,
    pub(crate) parallel_compilation: bool,
    pub(crate) allocation_strategy: crate::InstanceAllocationStrategy,
    pub(crate) memory_init_cow: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) interruptable: bool,
    pub(crate) shared_memory: bool,
    pub(crate) wasm_backtrace_max_frames: Option<NonZeroUsize>,
    pub(crate) debug_info: bool,
    /// The details setting came from `WASMTIME_BACKTRACE_DETAILS`, so a
    /// backtrace of a module with unread DWARF mentions the variable.
    pub(crate) wasm_backtrace_details_env_used: bool,
    /// `Config::coredump_on_trap`.
    pub(crate) coredump_on_trap: bool,
    /// `Config::profiler`.
    #[cfg(feature = "profiling")]
    pub(crate) profiler: crate::ProfilingStrategy,
    /// Extra Cranelift settings: `(name, None)` enables a boolean setting,
    /// `(name, Some(value))` sets one.
    pub(crate) cranelift_flags: Vec<(String, Option<String>)>,
    pub(crate) regalloc_algorithm: Option<RegallocAlgorithm>,
    /// `Config::strategy`.
    pub(crate) strategy: Strategy,
    pub(crate) table_lazy_init: bool,
    /// `Config::target`; `None` for the host (CPU features detected).
    pub(crate) target: Option<target_lexicon::Triple>,
    /// Usable bytes of each async call's stack.
    pub(crate) async_stack_size: usize,
    /// Whether reused async stacks are zeroed first.
    pub(crate) async_stack_zeroing: bool,
    /// `Config::with_host_stack`.
    #[cfg(all(feature = "async", feature = "runtime"))]
    pub(crate) stack_creator: Option<HostStackCreator>,
    #[cfg(feature = "cache")]
    pub(crate) cache: Option<crate::Cache>,
    /// `Config::collector`.
    pub(crate) collector: Collector,
}

/// Which garbage collector manages the GC heap of each store
/// (`Config::collector`).
///
/// Only the null collector exists so far (objects live as long as their
/// store), so every choice gets it; the choice is recorded for the
/// collecting heaps to come.
#[non_exhaustive]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Collector {
    /// Let the engine choose (the copying collector).
    #[default]
    Auto,
    /// Deferred reference counting: counts for heap references, a stack
    /// scan at collection time; cycles are kept until the store is dropped.
    DeferredReferenceCounting,
    /// Allocate until the heap is full, never collect.
    Null,
    /// A copying (semi-space) collector.
    Copying,
}

/// Default of [`Config::wasm_backtrace_max_frames`].
const DEFAULT_WASM_BACKTRACE_MAX_FRAMES: NonZeroUsize = NonZeroUsize::new(20).unwrap();

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

macro_rules! feature_toggles {
    ($($(#[$m:meta])* $name:ident => $flag:ident,)*) => {
        $(
            $(#[$m])*
            pub fn $name(&mut self, enable: bool) -> &mut Self {
                self.features.set(WasmFeatures::$flag, enable);
                self
            }
        )*
    };
}

impl Config {
    /// The default configuration: WebAssembly 2.0 (with SIMD), relaxed SIMD, the
    /// proposals Wasmtime enables by default that this engine implements
    /// (see [`Config::default_proposals`]), optimised code, 4 GiB memory
    /// reservations with a 32 MiB guard region.
    pub fn new() -> Config {
        let features = WasmFeatures::WASM2
            | WasmFeatures::MUTABLE_GLOBAL
            | WasmFeatures::SIMD
            | WasmFeatures::RELAXED_SIMD
            | Config::default_proposals();
        let tunables = Tunables {
            signals_based_traps: cfg!(feature = "signals-based-traps"),
            ..Tunables::default()
        };
        let mut config = Config {
            features,
            tunables,
            opt_level: OptLevel::Speed,
            strategy: Strategy::Auto,
            verifier: cfg!(debug_assertions),
            nan_canonicalization: false,
            max_wasm_stack: wasmtime_environ::DEFAULT_MAX_WASM_STACK,
            parallel_compilation: true,
            allocation_strategy: crate::InstanceAllocationStrategy::OnDemand,
            memory_init_cow: true,
            epoch_interruption: false,
            interruptable: false,
            shared_memory: false,
            wasm_backtrace_max_frames: Some(DEFAULT_WASM_BACKTRACE_MAX_FRAMES),
            debug_info: false,
            wasm_backtrace_details_env_used: false,
            coredump_on_trap: false,
            #[cfg(feature = "profiling")]
            profiler: crate::ProfilingStrategy::None,
            cranelift_flags: Vec::new(),
            regalloc_algorithm: None,
            table_lazy_init: true,
            target: None,
            async_stack_size: DEFAULT_ASYNC_STACK_SIZE,
            async_stack_zeroing: false,
            #[cfg(all(feature = "async", feature = "runtime"))]
            stack_creator: None,
            #[cfg(feature = "cache")]
            cache: None,
            collector: Collector::Auto,
        };
        config.wasm_backtrace_details(crate::WasmBacktraceDetails::Environment);
        config
    }

    /// The post-2.0 proposals on by default, as in Wasmtime 48 (whose
    /// default `wasmtime` CLI accepts each of them without `-W` flags):
    /// tail calls, multi-memory, extended constant expressions, memory64 and
    /// function references, threads (creating shared memories also needs
    /// `Config::shared_memory`) and exception handling. Custom page sizes
    /// and wide arithmetic are off.
    /// Without the `threads` Cargo feature the threads proposal is off.
    fn default_proposals() -> WasmFeatures {
        let threads = if cfg!(feature = "threads") {
            WasmFeatures::THREADS
        } else {
            WasmFeatures::empty()
        };
        WasmFeatures::TAIL_CALL
            | WasmFeatures::EXTENDED_CONST
            | WasmFeatures::MULTI_MEMORY
            | WasmFeatures::MEMORY64
            | WasmFeatures::FUNCTION_REFERENCES
            | threads
            | WasmFeatures::EXCEPTIONS
            | WasmFeatures::COMPONENT_MODEL
            | WasmFeatures::CM_ASYNC
            | WasmFeatures::GC
    }

    feature_toggles! {
        /// Enables the SIMD proposal (`v128`). Enabled by default. On x86_64
        /// it needs SSE3, SSSE3 and SSE4.1: `Engine::new` fails otherwise.
        wasm_simd => SIMD,
        /// Enables the relaxed SIMD proposal. Enabled by default; see
        /// [`Config::relaxed_simd_deterministic`].
        wasm_relaxed_simd => RELAXED_SIMD,
        /// Enables multi-value blocks and functions.
        wasm_multi_value => MULTI_VALUE,
        /// Enables bulk memory operations.
        wasm_bulk_memory => BULK_MEMORY,
        /// Enables reference types.
        wasm_reference_types => REFERENCE_TYPES,
        /// Enables multiple memories.
        wasm_multi_memory => MULTI_MEMORY,
        /// Enables tail calls.
        wasm_tail_call => TAIL_CALL,
        /// Enables the threads proposal: shared memories and atomic
        /// operators (on by default).
        wasm_threads => THREADS,
        /// Enables 64-bit memories.
        wasm_memory64 => MEMORY64,
        /// Enables extended constant expressions.
        wasm_extended_const => EXTENDED_CONST,
        /// Enables function references.
        wasm_function_references => FUNCTION_REFERENCES,
        /// Enables the GC proposal. Enabled by default (as in Wasmtime 47 and
        /// later); objects live in a per-store heap collected by
        /// [`Config::collector`].
        wasm_gc => GC,
        /// Enables exception handling: tags, `throw`, `throw_ref`,
        /// `try_table`, `exnref` (on by default).
        wasm_exceptions => EXCEPTIONS,
        /// Enables the stack-switching proposal: continuation types,
        /// `cont.new`, `cont.bind`, `resume`, `resume_throw`, `suspend`
        /// and `switch` (off by default). Continuations run on stacks of
        /// [`Config::async_stack_size`] bytes from the instance allocator.
        wasm_stack_switching => STACK_SWITCHING,
        /// Enables custom page sizes.
        wasm_custom_page_sizes => CUSTOM_PAGE_SIZES,
        /// Enables wide arithmetic.
        wasm_wide_arithmetic => WIDE_ARITHMETIC,
        /// Enables sign-extension operators.
        wasm_sign_extension => SIGN_EXTENSION,
        /// Enables non-trapping float-to-int conversions.
        wasm_nontrapping_float_to_int_conversion => SATURATING_FLOAT_TO_INT,
        /// Enables the component model: [`Component`](crate::component::Component)s
        /// may be compiled (on by default, as in Wasmtime).
        wasm_component_model => COMPONENT_MODEL,
        /// Enables component-model async (on by default, as in Wasmtime
        /// 48): `async` lifts with a `callback`, `async` lowers, tasks,
        /// waitable sets, subtasks, backpressure, streams and futures.
        wasm_component_model_async => CM_ASYNC,
        /// Enables the further async builtins of the component model, such
        /// as synchronous `stream.read`/`write` (off by default).
        wasm_component_model_more_async_builtins => CM_MORE_ASYNC_BUILTINS,
        /// The same as `wasm_component_model_more_async_builtins` (an
        /// earlier name kept by this implementation).
        wasm_component_model_async_builtins => CM_MORE_ASYNC_BUILTINS,
        /// Enables stackful async lifts (`async` without `callback`; off by
        /// default).
        wasm_component_model_async_stackful => CM_ASYNC_STACKFUL,
        /// Enables the `error-context` type and builtins (off by default).
        wasm_component_model_error_context => CM_ERROR_CONTEXT,
        /// Enables the component model's `map<K, V>` type (off by default;
        /// [`Val::Map`](crate::component::Val::Map)).
        wasm_component_model_map => CM_MAP,
        /// Enables fixed-length lists `list<T, N>` in the component model
        /// (off by default;
        /// [`Val::FixedLengthList`](crate::component::Val::FixedLengthList)).
        wasm_component_model_fixed_length_lists => CM_FIXED_LENGTH_LISTS,
    }

    /// Chooses the garbage collector of the GC proposal (default
    /// [`Collector::Auto`]).
    pub fn collector(&mut self, collector: Collector) -> &mut Self {
        self.collector = collector;
        self
    }

    /// Whether shared memories may be created, by [`SharedMemory::new`] or
    /// by instantiating a module that defines one (off by default, as in
    /// Wasmtime).
    ///
    /// [`SharedMemory::new`]: crate::SharedMemory::new
    pub fn shared_memory(&mut self, enable: bool) -> &mut Self {
        self.shared_memory = enable;
        self
    }

    /// Gives the relaxed SIMD operators the deterministic semantics of the
    /// specification (the same results on every host) instead of the
    /// host's fastest lowering. Disabled by default.
    pub fn relaxed_simd_deterministic(&mut self, enable: bool) -> &mut Self {
        self.tunables.relaxed_simd_deterministic = enable;
        self
    }

    /// Enables the [branch-hinting] proposal: the `metadata.code.branch_hint`
    /// custom section is read and, for each hinted `if` and `br_if`, the
    /// unlikely successor is laid out after the function's hot code.
    /// Hints are advisory: they never change what a module does, and a
    /// malformed section is ignored rather than rejected. Disabled by
    /// default (and not implied by other proposals), as in Wasmtime.
    ///
    /// [branch-hinting]: https://github.com/WebAssembly/branch-hinting
    pub fn wasm_branch_hinting(&mut self, enable: bool) -> &mut Self {
        self.tunables.branch_hinting = enable;
        self
    }

    /// Selects the compilation strategy (see [`Strategy`]).
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Self {
        self.strategy = strategy;
        self
    }

    /// Sets Cranelift's optimisation level.
    pub fn cranelift_opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.opt_level = level;
        self
    }

    /// Enables Cranelift's IR verifier (slow; on by default in debug builds).
    pub fn cranelift_debug_verifier(&mut self, enable: bool) -> &mut Self {
        self.verifier = enable;
        self
    }

    /// Turns on the boolean Cranelift setting `flag` (a shared setting such
    /// as `enable_verifier`, or an ISA setting such as `has_avx`).
    /// `Engine::new` fails if there is no such setting.
    ///
    /// # Safety
    ///
    /// Cranelift settings are not checked for consistency with the rest of
    /// the configuration: a setting that changes the generated code's ABI
    /// or assumptions (say, an ISA extension the host lacks) can make the
    /// compiled code misbehave, as in Wasmtime.
    pub unsafe fn cranelift_flag_enable(&mut self, flag: &str) -> &mut Self {
        self.cranelift_flags.push((flag.to_string(), None));
        self
    }

    /// Sets the Cranelift setting `name` to `value` (shared or ISA
    /// setting). `Engine::new` fails if there is no such setting or the
    /// value does not fit it.
    ///
    /// # Safety
    ///
    /// As for [`Config::cranelift_flag_enable`].
    pub unsafe fn cranelift_flag_set(&mut self, name: &str, value: &str) -> &mut Self {
        self.cranelift_flags
            .push((name.to_string(), Some(value.to_string())));
        self
    }

    /// Sets the target triple code is compiled for (by default the host).
    ///
    /// With a target other than the host's, the engine cross-compiles:
    /// [`Engine::precompile_module`](crate::Engine::precompile_module)
    /// writes an artifact for that target, while
    /// [`Module::new`](crate::Module::new) and `Module::deserialize` fail,
    /// since the code cannot run here. Architectures other than the host's
    /// need the `all-arch` Cargo feature (`Engine::new` fails without it).
    ///
    /// No CPU features are detected for a configured target, even if it is
    /// the host's: the code uses Cranelift's defaults for the triple, plus
    /// what [`Config::cranelift_flag_enable`] and
    /// [`Config::cranelift_flag_set`] add (e.g. `has_v` for SIMD on
    /// riscv64).
    ///
    /// # Errors
    ///
    /// Fails if `target` is not a target triple.
    pub fn target(&mut self, target: &str) -> anyhow::Result<&mut Self> {
        let triple: target_lexicon::Triple = target
            .parse()
            .map_err(|e| anyhow::anyhow!("invalid target triple `{target}`: {e}"))?;
        self.target = Some(triple);
        Ok(self)
    }

    /// Chooses Cranelift's register allocator (default: backtracking).
    pub fn cranelift_regalloc_algorithm(&mut self, algo: RegallocAlgorithm) -> &mut Self {
        self.regalloc_algorithm = Some(algo);
        self
    }

    /// Whether funcref tables may be initialised lazily (default on, as in
    /// Wasmtime). Accepted for compatibility: this runtime initialises every
    /// table element at instantiation, which wasm cannot tell apart from
    /// lazy initialisation, so the setting changes no result.
    pub fn table_lazy_init(&mut self, enable: bool) -> &mut Self {
        self.table_lazy_init = enable;
        self
    }

    /// Whether each linear memory also gets an inaccessible guard region
    /// (of [`Config::memory_guard_size`] bytes) before its start (default
    /// on, as in Wasmtime): defense in depth against host bugs, since wasm
    /// addresses never go below a memory's base. With signals-based traps
    /// off there are no guard regions at all.
    pub fn guard_before_linear_memory(&mut self, enable: bool) -> &mut Self {
        self.tunables.guard_before_linear_memory = enable;
        self
    }

    /// Bytes of address space reserved beyond a memory's new size when it
    /// must move to grow (default 2 GiB, as in Wasmtime on 64-bit hosts),
    /// so that growing further does not move it again. Only memories that
    /// may move are affected (see [`Config::memory_may_move`]).
    pub fn memory_reservation_for_growth(&mut self, bytes: u64) -> &mut Self {
        self.tunables.memory_reservation_for_growth = bytes;
        self
    }

    /// Memories whose initial data spans at most this many bytes always get
    /// a copy-on-write image, however sparse the data (default 16 MiB, as
    /// in Wasmtime); larger spans need data over at least half of them.
    pub fn memory_guaranteed_dense_image_size(&mut self, size_in_bytes: u64) -> &mut Self {
        self.tunables.memory_guaranteed_dense_image_size = size_in_bytes;
        self
    }

    /// Canonicalises NaN results of float operations for determinism.
    pub fn cranelift_nan_canonicalization(&mut self, enable: bool) -> &mut Self {
        self.nan_canonicalization = enable;
        self
    }

    /// Bytes of virtual memory reserved for each linear memory. A memory
    /// whose maximum fits never moves and, with a large enough reservation
    /// and guard, needs no explicit bounds checks.
    pub fn memory_reservation(&mut self, bytes: u64) -> &mut Self {
        self.tunables.memory_reservation = bytes;
        self
    }

    /// Bytes of guard region after each linear memory.
    pub fn memory_guard_size(&mut self, bytes: u64) -> &mut Self {
        self.tunables.memory_guard_size = bytes;
        self
    }

    /// Whether memories may be moved to grow past their reservation.
    pub fn memory_may_move(&mut self, enable: bool) -> &mut Self {
        self.tunables.memory_may_move = enable;
        self
    }

    /// Whether traps may be implemented with signal handlers (guard pages).
    pub fn signals_based_traps(&mut self, enable: bool) -> &mut Self {
        self.tunables.signals_based_traps = enable;
        self
    }

    /// The most wasm frames a backtrace records when wasm traps or a host
    /// function fails (default 20, as in Wasmtime). Older frames are only
    /// counted: the backtrace says how many were left out. `None` records
    /// no backtrace at all.
    pub fn wasm_backtrace_max_frames(&mut self, limit: Option<NonZeroUsize>) -> &mut Self {
        self.wasm_backtrace_max_frames = limit;
        self
    }

    /// Whether errors out of wasm carry a backtrace: `false` is
    /// `wasm_backtrace_max_frames(None)`; `true` restores the default
    /// limit if backtraces were off and otherwise keeps the limit.
    #[deprecated = "use `wasm_backtrace_max_frames` instead"]
    pub fn wasm_backtrace(&mut self, enable: bool) -> &mut Self {
        if !enable {
            self.wasm_backtrace_max_frames = None;
        } else if self.wasm_backtrace_max_frames.is_none() {
            self.wasm_backtrace_max_frames = Some(DEFAULT_WASM_BACKTRACE_MAX_FRAMES);
        }
        self
    }

    /// Describes compiled code to native debuggers (gdb, lldb) attached to
    /// the process: each module's DWARF is rewritten for the addresses of
    /// its native code and registered, with a symbol per function, through
    /// GDB's JIT interface while the module lives, so that breakpoints on
    /// source lines, stepping and backtraces with source lines work. The
    /// module's DWARF is then kept (as with
    /// [`Config::wasm_backtrace_details`]). Off by default; when off
    /// nothing is built or registered. Compiled code is the same either
    /// way. Needs the `cranelift` feature to take effect.
    pub fn debug_info(&mut self, enable: bool) -> &mut Self {
        self.debug_info = enable;
        self
    }

    /// Maximum stack, in bytes, wasm code may use before trapping with
    /// `Trap::StackOverflow`.
    pub fn max_wasm_stack(&mut self, size: usize) -> &mut Self {
        self.max_wasm_stack = size;
        self
    }

    /// Accepted for compatibility: async support needs no switch (a store
    /// is used asynchronously by calling its `*_async` entry points).
    #[doc(hidden)]
    #[deprecated(note = "no longer has any effect")]
    #[cfg(feature = "async")]
    pub fn async_support(&mut self, _enable: bool) -> &mut Self {
        self
    }

    /// Usable size, in bytes, of the native stack each async call
    /// (`Func::call_async`, `Instance::new_async`, ...) runs on; 2 MiB by
    /// default. Wasm gets at most `max_wasm_stack` of it; the rest is for
    /// the host functions it calls. [`Engine::new`](crate::Engine::new)
    /// fails if it is smaller than [`Config::max_wasm_stack`].
    #[cfg(feature = "async")]
    pub fn async_stack_size(&mut self, size: usize) -> &mut Self {
        self.async_stack_size = size;
        self
    }

    /// Zero an async stack before reusing it for another call, so that no
    /// data of one call is left on the stack for the next (off by default).
    #[cfg(feature = "async")]
    pub fn async_stack_zeroing(&mut self, enable: bool) -> &mut Self {
        self.async_stack_zeroing = enable;
        self
    }

    /// Allocate async stacks with `stack_creator` instead of the runtime's
    /// own allocation.
    #[cfg(all(feature = "async", feature = "runtime"))]
    pub fn with_host_stack(
        &mut self,
        stack_creator: std::sync::Arc<dyn crate::StackCreator>,
    ) -> &mut Self {
        self.stack_creator = Some(HostStackCreator(stack_creator));
        self
    }

    /// Compiles functions in parallel (feature `parallel-compilation`).
    pub fn parallel_compilation(&mut self, enable: bool) -> &mut Self {
        self.parallel_compilation = enable;
        self
    }

    /// Selects how instances are allocated: on demand (the default) or
    /// from pools reserved when the engine is created (feature
    /// `pooling-allocator`).
    pub fn allocation_strategy(
        &mut self,
        strategy: impl Into<crate::InstanceAllocationStrategy>,
    ) -> &mut Self {
        self.allocation_strategy = strategy.into();
        self
    }

    /// Initialises linear memories from copy-on-write images of their data
    /// segments (a memfd mapped privately) when the segments allow it,
    /// instead of copying the segments at every instantiation. On by
    /// default.
    pub fn memory_init_cow(&mut self, enable: bool) -> &mut Self {
        self.memory_init_cow = enable;
        self
    }

    /// Instruments compiled code to consume fuel (see
    /// [`Store::set_fuel`](crate::Store::set_fuel)): wasm traps with
    /// [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) when its store's fuel runs
    /// out. Off by default.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.tunables.consume_fuel = enable;
        self
    }

    /// Instruments compiled code to check, at every function entry and loop
    /// header, whether the engine's epoch
    /// ([`Engine::increment_epoch`](crate::Engine::increment_epoch)) reached
    /// the store's deadline
    /// ([`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)).
    /// Off by default.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self.tunables.epoch_interruption = enable || self.interruptable;
        self
    }

    /// Makes stores hand out [`InterruptHandle`](crate::InterruptHandle)s
    /// ([`Store::interrupt_handle`](crate::Store::interrupt_handle)) that stop
    /// running wasm at its next function entry or loop header. Uses the same
    /// instrumentation as [`Config::epoch_interruption`], with which it
    /// cannot be combined. Off by default.
    pub fn interruptable(&mut self, enable: bool) -> &mut Self {
        self.interruptable = enable;
        self.tunables.epoch_interruption = enable || self.epoch_interruption;
        self
    }

    /// Sets the on-disk compilation cache (feature `cache`); `None`, the
    /// default, disables it. With a cache, `Module::new` loads a previous
    /// compilation of the same bytes under the same settings instead of
    /// compiling.
    #[cfg(feature = "cache")]
    pub fn cache(&mut self, cache: Option<crate::Cache>) -> &mut Self {
        self.cache = cache;
        self
    }

    /// Enables the cache with the configuration file at `path` (the API of
    /// earlier Wasmtime versions; same as
    /// `config.cache(Some(Cache::from_file(Some(path))?))`).
    #[cfg(feature = "cache")]
    pub fn cache_config_load(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> anyhow::Result<&mut Self> {
        self.cache = Some(crate::Cache::from_file(Some(path.as_ref()))?);
        Ok(self)
    }

    /// Enables the cache with the default configuration file, or the default
    /// settings if there is none (the API of earlier Wasmtime versions; same
    /// as `config.cache(Some(Cache::from_file(None)?))`).
    #[cfg(feature = "cache")]
    pub fn cache_config_load_default(&mut self) -> anyhow::Result<&mut Self> {
        self.cache = Some(crate::Cache::from_file(None)?);
        Ok(self)
    }
}
