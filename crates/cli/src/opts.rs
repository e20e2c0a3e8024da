//! Options shared by the subcommands (`-O`, `-W`, `-C`, `-D`) and building
//! a [`wasmtime::Config`] from them. Each group is declared once with
//! [`option_group!`]: the declaration is the parser, the `help` listing
//! and the list of the reference CLI's keys this runtime refuses.

use crate::flags::{option_group, OptValue, Setting};
use anyhow::{bail, Result};
use clap::Args;
use std::time::Duration;
use wasmtime::{Config, OptLevel};

/// The `-O opt-level=...` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptLevelArg {
    /// `0`: no optimizations.
    None,
    /// `1` or `2`: optimize for speed.
    Speed,
    /// `s`: optimize for speed and size.
    SpeedAndSize,
}

impl OptValue for OptLevelArg {
    const SYNTAX: &'static str = "=0|1|2|s";
    fn parse(value: Option<&str>) -> Result<Self> {
        Ok(match value {
            Some("0") => OptLevelArg::None,
            Some("1") | Some("2") => OptLevelArg::Speed,
            Some("s") => OptLevelArg::SpeedAndSize,
            Some(other) => {
                bail!("unknown optimization level `{other}`, only 0,1,2,s accepted")
            }
            None => bail!("a value is required"),
        })
    }
}

impl OptLevelArg {
    fn to_wasmtime(self) -> OptLevel {
        match self {
            OptLevelArg::None => OptLevel::None,
            OptLevelArg::Speed => OptLevel::Speed,
            OptLevelArg::SpeedAndSize => OptLevel::SpeedAndSize,
        }
    }
}

/// A `y|n|auto` value, for host features that may be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnabledArg(pub wasmtime::Enabled);

impl OptValue for EnabledArg {
    const SYNTAX: &'static str = "[=y|n|auto]";
    fn parse(value: Option<&str>) -> Result<Self> {
        Ok(EnabledArg(match value {
            None | Some("y") | Some("yes") | Some("true") => wasmtime::Enabled::Yes,
            Some("n") | Some("no") | Some("false") => wasmtime::Enabled::No,
            Some("auto") => wasmtime::Enabled::Auto,
            Some(other) => bail!("invalid value `{other}`: expected y, n or auto"),
        }))
    }
}

/// The `-O regalloc-algorithm=...` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegallocArg(pub wasmtime::RegallocAlgorithm);

impl OptValue for RegallocArg {
    const SYNTAX: &'static str = "=backtracking|single-pass";
    fn parse(value: Option<&str>) -> Result<Self> {
        Ok(RegallocArg(match value {
            Some("backtracking") => wasmtime::RegallocAlgorithm::Backtracking,
            Some("single-pass") => wasmtime::RegallocAlgorithm::SinglePass,
            Some(other) => {
                bail!("unknown register allocator `{other}`: expected backtracking or single-pass")
            }
            None => bail!("a value is required"),
        }))
    }
}

/// The `-C compiler=...` choice: `cranelift` (optimizing) or `winch` (the
/// fast tier: Cranelift without optimisations, single-pass register
/// allocation; see `wasmtime::Strategy::Winch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompilerArg(pub wasmtime::Strategy);

impl OptValue for CompilerArg {
    const SYNTAX: &'static str = "=cranelift|winch";
    fn parse(value: Option<&str>) -> Result<Self> {
        match value {
            Some("cranelift") => Ok(CompilerArg(wasmtime::Strategy::Cranelift)),
            Some("winch") => Ok(CompilerArg(wasmtime::Strategy::Winch)),
            Some(other) => {
                bail!("unknown compiler `{other}`: only `cranelift` and `winch` are accepted")
            }
            None => bail!("a value is required"),
        }
    }
}

/// The `-C collector=...` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectorArg(wasmtime::Collector);

impl OptValue for CollectorArg {
    const SYNTAX: &'static str = "=drc|null|copying";
    fn parse(value: Option<&str>) -> Result<Self> {
        Ok(CollectorArg(match value {
            Some("drc") => wasmtime::Collector::DeferredReferenceCounting,
            Some("null") => wasmtime::Collector::Null,
            Some("copying") => wasmtime::Collector::Copying,
            Some(other) => {
                bail!("unknown collector `{other}`: only `drc`, `null` and `copying` are accepted")
            }
            None => bail!("a value is required"),
        }))
    }
}

option_group! {
    /// Settings given with `-O`, each `None` when not given.
    pub struct OptimizeOptions {
        flag: 'O', long: "optimize", title: "optimize",
        /// Optimization level of generated code (0 none, 1 and 2 speed, s
        /// speed and size; default: 2).
        "opt-level" => opt_level: Option<OptLevelArg>,
        /// Whether linear memories may move in the host's address space
        /// when they grow past their reservation (default: yes).
        "memory-may-move" => memory_may_move: Option<bool>,
        /// Bytes of virtual memory reserved for each linear memory
        /// (default: 4 GiB on 64-bit hosts).
        ///
        /// A memory whose maximum fits in its reservation never moves, and
        /// with a large enough guard region needs no explicit bounds checks.
        "memory-reservation" => memory_reservation: Option<u64>,
        /// Bytes of guard region after each linear memory (default: 32 MiB).
        "memory-guard-size" => memory_guard_size: Option<u64>,
        /// Use the pooling instance allocator, which reserves slots for
        /// instances, memories and tables when the engine is created,
        /// instead of allocating them on demand.
        ///
        /// The `pooling-*` keys size the pools; they only take effect with
        /// this option on.
        "pooling-allocator" => pooling_allocator: Option<bool>,
        /// Bytes at the start of each pooled linear memory slot that stay
        /// resident (reset in place) between instances (default: 0).
        "pooling-memory-keep-resident" => pooling_memory_keep_resident: Option<usize>,
        /// Bytes at the start of each pooled table slot that stay resident
        /// (reset in place) between instances (default: 0).
        "pooling-table-keep-resident" => pooling_table_keep_resident: Option<usize>,
        /// Initialize linear memories from copy-on-write images of their
        /// data segments when possible (default: yes).
        "memory-init-cow" => memory_init_cow: Option<bool>,
        /// Maximum number of core instances alive at once in the pooling
        /// allocator (default: 1000).
        "pooling-total-core-instances" => pooling_total_core_instances: Option<u32>,
        /// Maximum number of linear memories alive at once in the pooling
        /// allocator (default: 1000).
        "pooling-total-memories" => pooling_total_memories: Option<u32>,
        /// Maximum number of tables alive at once in the pooling allocator
        /// (default: 1000).
        "pooling-total-tables" => pooling_total_tables: Option<u32>,
        /// Maximum size, in bytes, of each linear memory in the pooling
        /// allocator (default: 4 GiB).
        "pooling-max-memory-size" => pooling_max_memory_size: Option<usize>,
        /// Maximum number of elements of each table in the pooling
        /// allocator (default: 20000).
        "pooling-table-elements" => pooling_table_elements: Option<usize>,
        /// Maximum size, in bytes, of a core instance's runtime state in the
        /// pooling allocator (default: 1 MiB).
        "pooling-max-core-instance-size" => pooling_max_core_instance_size: Option<usize>,
        /// Maximum number of tables a module may define, with the pooling
        /// allocator (default: 1).
        "pooling-max-tables-per-module" => pooling_max_tables_per_module: Option<u32>,
        /// Maximum number of linear memories a module may define, with the
        /// pooling allocator (default: 1).
        "pooling-max-memories-per-module" => pooling_max_memories_per_module: Option<u32>,
        /// Use guard pages and host signal handlers to catch out-of-bounds
        /// accesses and other traps (default: yes); with `n`, compiled code
        /// checks explicitly.
        "signals-based-traps" => signals_based_traps: Option<bool>,
        /// Cranelift's register allocator (default: backtracking).
        "regalloc-algorithm" => regalloc_algorithm: Option<RegallocArg>,
        /// Whether funcref tables may be initialized lazily (default: yes;
        /// this runtime initializes them at instantiation either way, which
        /// no wasm program can tell apart).
        "table-lazy-init" => table_lazy_init: Option<bool>,
        /// Initial data spanning at most this many bytes always gets a
        /// copy-on-write image (default: 16 MiB).
        "memory-guaranteed-dense-image-size" => memory_guaranteed_dense_image_size: Option<u64>,
        /// Use the PAGEMAP_SCAN ioctl to reset kept-resident pool slots
        /// (default: auto, when the kernel has it).
        "pooling-pagemap-scan" => pooling_pagemap_scan: Option<EnabledArg>,
        /// Released pool slots kept warm for reuse (default: 100; accepted,
        /// this allocator reuses any free slot).
        "pooling-max-unused-warm-slots" => pooling_max_unused_warm_slots: Option<u32>,
        /// Pool slots decommitted together (default: 1; accepted, this
        /// allocator resets each slot on release).
        "pooling-decommit-batch-size" => pooling_decommit_batch_size: Option<usize>,
        /// Async stacks alive at once in the pool (default: 1000).
        "pooling-total-stacks" => pooling_total_stacks: Option<u32>,
        /// GC heaps alive at once in the pool, one per store that allocates
        /// GC objects (default: 1000).
        "pooling-total-gc-heaps" => pooling_total_gc_heaps: Option<u32>,
        /// Bytes of a returned async stack kept resident (accepted; see
        /// `PoolingAllocationConfig::async_stack_keep_resident`).
        "pooling-async-stack-keep-resident" => pooling_async_stack_keep_resident: Option<usize>,
        /// Use memory protection keys to pack pooled memories (default: n;
        /// `y` fails where the host lacks them, and where it has them, since
        /// this runtime does not pack slots with them yet).
        "pooling-memory-protection-keys" => pooling_memory_protection_keys: Option<EnabledArg>,
        /// The most memory protection keys to use (default: 16).
        "pooling-max-memory-protection-keys" => pooling_max_memory_protection_keys: Option<usize>,
        /// Place a guard region before each linear memory too (default:
        /// yes).
        "guard-before-linear-memory" => guard_before_linear_memory: Option<bool>,
        /// Bytes reserved beyond a memory's new size when it must move to
        /// grow (default: 2 GiB).
        "memory-reservation-for-growth" => memory_reservation_for_growth: Option<u64>,
        /// DEPRECATED: use `-O memory-reservation-for-growth=N` instead.
        "dynamic-memory-reserved-for-growth" => dynamic_memory_reserved_for_growth: Option<u64>,
        /// DEPRECATED: use `-O memory-guard-size=N` instead.
        "dynamic-memory-guard-size" => dynamic_memory_guard_size: Option<u64>,
        /// DEPRECATED: use `-O memory-guard-size=N` instead.
        "static-memory-guard-size" => static_memory_guard_size: Option<u64>,
        /// DEPRECATED: use `-O memory-may-move=n` instead.
        "static-memory-forced" => static_memory_forced: Option<bool>,
        /// DEPRECATED: use `-O memory-reservation=N` instead.
        "static-memory-maximum-size" => static_memory_maximum_size: Option<u64>,
    }
    unsupported {
        "gc-heap-may-move", "gc-heap-reservation", "gc-heap-reservation-for-growth",
        "gc-heap-guard-size", "gc-heap-initial-size", "gc-zeal-alloc-counter"
            => "the GC heap has no such settings in this runtime",
        "pooling-total-component-instances", "pooling-max-component-instance-size",
        "pooling-max-core-instances-per-component", "pooling-max-memories-per-component",
        "pooling-max-tables-per-component" => "per-component pooling limits are not implemented yet",
    }
}

option_group! {
    /// Settings given with `-W`, each `None` when not given.
    pub struct WasmOptions {
        flag: 'W', long: "wasm", title: "wasm",
        /// Canonicalize the NaN results of float operations, for
        /// deterministic execution.
        "nan-canonicalization" => nan_canonicalization: Option<bool>,
        /// Run with N units of fuel, trapping when it runs out.
        ///
        /// Most instructions consume one unit; `nop`, `drop`, `block` and
        /// `loop` consume none.
        "fuel" => fuel: Option<u64>,
        /// Instrument code to check an epoch counter at function entries and
        /// loop headers, trapping with `interrupt` once the deadline passes.
        ///
        /// As in the reference CLI the store's deadline is the current epoch
        /// unless `timeout` sets one, so without `timeout` wasm is
        /// interrupted at its first check.
        "epoch-interruption" => epoch_interruption: Option<bool>,
        /// Maximum stack, in bytes, wasm may use before a stack overflow
        /// trap.
        "max-wasm-stack" => max_wasm_stack: Option<usize>,
        /// Size, in bytes, of the stacks async calls run on (default: 2 MiB,
        /// or `max-wasm-stack` plus 512 KiB when that is given).
        "async-stack-size" => async_stack_size: Option<usize>,
        /// Zero async stacks before reusing them.
        "async-stack-zeroing" => async_stack_zeroing: Option<bool>,
        /// Allow unknown exports when running commands.
        ///
        /// It only concerns components; core modules may export anything,
        /// so for them this option changes nothing.
        "unknown-exports-allow" => unknown_exports_allow: Option<bool>,
        /// Define the main module's imports that nothing provides as
        /// functions that trap when called.
        "unknown-imports-trap" => unknown_imports_trap: Option<bool>,
        /// Define the main module's imports that nothing provides with
        /// default values: functions returning zeros (and null references),
        /// zero globals, fresh memories and tables of the minimum size.
        "unknown-imports-default" => unknown_imports_default: Option<bool>,
        /// Maximum size, in bytes, a linear memory may reach.
        ///
        /// Growing past it makes `memory.grow` return -1 (or trap, with
        /// `trap-on-grow-failure`); a module whose memory starts larger
        /// fails to instantiate.
        "max-memory-size" => max_memory_size: Option<usize>,
        /// Maximum number of elements a table may reach.
        "max-table-elements" => max_table_elements: Option<usize>,
        /// Maximum number of instances that may be created in the store.
        "max-instances" => max_instances: Option<usize>,
        /// Maximum number of tables that may be created in the store.
        "max-tables" => max_tables: Option<usize>,
        /// Maximum number of linear memories that may be created in the
        /// store.
        "max-memories" => max_memories: Option<usize>,
        /// Make a failed `memory.grow` or `table.grow` trap instead of
        /// returning -1.
        "trap-on-grow-failure" => trap_on_grow_failure: Option<bool>,
        /// Maximum execution time of wasm code (1, 2s, 100ms, ...); after
        /// it the guest is interrupted.
        "timeout" => timeout: Option<Duration>,
        /// Turn every proposal below on (or off); the individual keys
        /// override it.
        "all-proposals" => all_proposals: Option<bool>,
        /// The bulk memory operations proposal.
        "bulk-memory" => bulk_memory: Option<bool>,
        /// The multi-memory proposal.
        "multi-memory" => multi_memory: Option<bool>,
        /// The multi-value proposal.
        "multi-value" => multi_value: Option<bool>,
        /// The reference types proposal.
        "reference-types" => reference_types: Option<bool>,
        /// The fixed-width SIMD proposal.
        "simd" => simd: Option<bool>,
        /// The relaxed SIMD proposal.
        "relaxed-simd" => relaxed_simd: Option<bool>,
        /// Give relaxed SIMD instructions their deterministic,
        /// host-independent results.
        "relaxed-simd-deterministic" => relaxed_simd_deterministic: Option<bool>,
        /// The tail call proposal.
        "tail-call" => tail_call: Option<bool>,
        /// The threads proposal (atomics and shared memory types).
        "threads" => threads: Option<bool>,
        /// Allow creating `shared` memories.
        "shared-memory" => shared_memory: Option<bool>,
        /// The 64-bit memory proposal.
        "memory64" => memory64: Option<bool>,
        /// The typed function references proposal.
        "function-references" => function_references: Option<bool>,
        /// The GC proposal.
        "gc" => gc: Option<bool>,
        /// The custom page sizes proposal.
        "custom-page-sizes" => custom_page_sizes: Option<bool>,
        /// The wide arithmetic proposal.
        "wide-arithmetic" => wide_arithmetic: Option<bool>,
        /// The extended constant expressions proposal.
        "extended-const" => extended_const: Option<bool>,
        /// The exception handling proposal.
        "exceptions" => exceptions: Option<bool>,
        /// The stack-switching proposal (continuations).
        "stack-switching" => stack_switching: Option<bool>,
        /// The branch-hinting proposal: lay out code as the
        /// `metadata.code.branch_hint` section suggests (not implied by
        /// `all-proposals`).
        "branch-hinting" => branch_hinting: Option<bool>,
        /// Enables the component model (default: yes).
        "component-model" => component_model: Option<bool>,
        /// Component-model async (default: yes).
        "component-model-async" => component_model_async: Option<bool>,
        /// The further async builtins of the component model.
        "component-model-more-async-builtins" => component_model_more_async_builtins: Option<bool>,
        /// Stackful async lifts.
        "component-model-async-stackful" => component_model_async_stackful: Option<bool>,
        /// The `error-context` type and builtins.
        "component-model-error-context" => component_model_error_context: Option<bool>,
        /// Map support in the component model.
        "component-model-map" => component_model_map: Option<bool>,
        /// Fixed-length lists in the component model.
        "component-model-fixed-length-lists" => component_model_fixed_length_lists: Option<bool>,
    }
    unsupported {
        "wmemcheck" => "memory error checking is not implemented",
        "shared-everything-threads" => "this proposal is not implemented",
        "component-model-threading", "component-model-gc",
        "component-model-memory64", "component-model-implements" => "these component-model extensions are not implemented yet",
        "gc-support", "concurrency-support"
            => "these runtime subsystems cannot be switched here",
    }
}

option_group! {
    /// Settings given with `-C`, each `None` when not given.
    pub struct CodegenOptions {
        flag: 'C', long: "codegen", title: "codegen",
        /// The compiler: `cranelift` (optimizing, the default) or `winch`
        /// (the fast tier).
        "compiler" => compiler: Option<CompilerArg>,
        /// The garbage collector of the GC proposal: `drc`, `null` or
        /// `copying`.
        "collector" => collector: Option<CollectorArg>,
        /// Run Cranelift's IR verifier on every function (slow).
        "cranelift-debug-verifier" => cranelift_debug_verifier: Option<bool>,
        /// Reuse compiled code from the on-disk cache (default: yes).
        "cache" => cache: Option<bool>,
        /// The cache's configuration file (default: the user's default
        /// configuration file if it exists).
        "cache-config" => cache_config: Option<String>,
        /// Compile functions in parallel (default: yes).
        "parallel-compilation" => parallel_compilation: Option<bool>,
        /// Set a Cranelift setting (a shared or ISA setting, as listed by
        /// `wasmtime settings`); without `=val` a boolean setting is
        /// turned on. An unknown setting fails when the engine is created.
        "cranelift-<KEY>" => cranelift: Vec<Setting>,
    }
    unsupported {
        "native-unwind-info"
            => "native unwind information for debuggers and profilers is not generated yet (debugging and profiling support)",
        "inlining" => "Wasmtime's cross-function inlining is not implemented (compiler performance work)",
        "metadata-for-internal-asserts", "metadata-for-gc-heap-corruption"
            => "this metadata serves the GC heap's internal checks (the GC proposal is not implemented)",
    }
}

option_group! {
    /// Settings given with `-D`, each `None` when not given; the
    /// reference's other keys get a clear error.
    pub struct DebugOptions {
        flag: 'D', long: "debug", title: "debug",
        /// Describe compiled guests to native debuggers (gdb, lldb): the
        /// guest's DWARF for native code, registered through GDB's JIT
        /// interface.
        "debug-info" => debug_info: Option<bool>,
        /// The most wasm frames a trap's backtrace shows (default 20).
        "max-backtrace" => max_backtrace: Option<usize>,
        /// On a trap, write a core dump (wasm coredump format) to this file.
        "coredump" => coredump: Option<String>,
    }
    unsupported {
        "guest-debug", "debugger", "arg", "inherit-stdin", "inherit-stdout", "inherit-stderr"
            => "guest debugging is not implemented",
        "address-map" => "the wasm address map is always generated",
        "logging", "log-to-files" => "this runtime has no logging",
        "symbols" => "`.cwasm` symbols cannot be configured here",
    }
}

impl DebugOptions {
    /// Applies these options to `config`.
    pub fn apply(&self, config: &mut Config) {
        if let Some(on) = self.debug_info {
            config.debug_info(on);
        }
        if let Some(frames) = self.max_backtrace {
            config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(frames));
        }
        if self.coredump.is_some() {
            config.coredump_on_trap(true);
        }
    }
}

/// Options every subcommand accepts.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonOptions {
    /// Optimization and memory settings, as comma-separated KEY[=VAL]
    /// pairs; `-O help` lists them.
    #[arg(
        short = 'O',
        long = "optimize",
        value_name = "KEY[=VAL[,..]]",
        value_parser = OptimizeOptions::clap_parse
    )]
    optimize_flags: Vec<OptimizeOptions>,

    /// WebAssembly features, limits and run-time checks, as comma-separated
    /// KEY[=VAL] pairs; `-W help` lists them.
    #[arg(
        short = 'W',
        long = "wasm",
        value_name = "KEY[=VAL[,..]]",
        value_parser = WasmOptions::clap_parse
    )]
    wasm_flags: Vec<WasmOptions>,

    /// Code generation settings (compilation cache, parallelism), as
    /// comma-separated KEY[=VAL] pairs; `-C help` lists them.
    #[arg(
        short = 'C',
        long = "codegen",
        value_name = "KEY[=VAL[,..]]",
        value_parser = CodegenOptions::clap_parse
    )]
    codegen_flags: Vec<CodegenOptions>,

    /// Debugging settings, as comma-separated KEY[=VAL] pairs; `-D help`
    /// lists them (none is supported yet).
    #[arg(
        short = 'D',
        long = "debug",
        value_name = "KEY[=VAL[,..]]",
        value_parser = DebugOptions::clap_parse
    )]
    debug_flags: Vec<DebugOptions>,
}

fn merged<T: Default + Clone>(flags: &[T], merge: fn(&mut T, &T)) -> T {
    let mut out = T::default();
    for f in flags {
        merge(&mut out, f);
    }
    out
}

impl CommonOptions {
    /// All `-O` flags merged (later flags win).
    pub fn optimize(&self) -> OptimizeOptions {
        merged(&self.optimize_flags, OptimizeOptions::merge)
    }

    /// All `-W` flags merged (later flags win).
    pub fn wasm(&self) -> WasmOptions {
        merged(&self.wasm_flags, WasmOptions::merge)
    }

    /// All `-C` flags merged (later flags win).
    pub fn codegen(&self) -> CodegenOptions {
        merged(&self.codegen_flags, CodegenOptions::merge)
    }

    /// The engine configuration these options describe.
    pub fn config(&self) -> Result<Config> {
        self.config_with_pooling_default(None)
    }

    /// The engine configuration, with `pooling_default` deciding whether
    /// the pooling allocator is used when `-O pooling-allocator` is not
    /// given (`serve` turns it on where the address space allows).
    pub fn config_with_pooling_default(&self, pooling_default: Option<bool>) -> Result<Config> {
        self.config_with_defaults(pooling_default, None)
    }

    /// [`CommonOptions::config_with_pooling_default`], and with
    /// `keep_resident_default` as `-O pooling-memory-keep-resident` unless
    /// the flags set it.
    pub fn config_with_defaults(
        &self,
        pooling_default: Option<bool>,
        keep_resident_default: Option<usize>,
    ) -> Result<Config> {
        let mut config = Config::new();
        let mut optimize = self.optimize();
        optimize.pooling_allocator = optimize.pooling_allocator.or(pooling_default);
        optimize.pooling_memory_keep_resident = optimize
            .pooling_memory_keep_resident
            .or(keep_resident_default);
        optimize.apply(&mut config)?;
        self.wasm().apply(&mut config)?;
        self.codegen().apply(&mut config)?;
        self.debug().apply(&mut config);
        Ok(config)
    }

    /// All `-D` flags merged (later flags win).
    pub fn debug(&self) -> DebugOptions {
        merged(&self.debug_flags, DebugOptions::merge)
    }
}

impl OptimizeOptions {
    /// Applies these options to `config`.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(level) = self.opt_level {
            config.cranelift_opt_level(level.to_wasmtime());
        }
        // The deprecated spellings lose to the current ones.
        if let Some(bytes) = self.memory_reservation.or(self.static_memory_maximum_size) {
            config.memory_reservation(bytes);
        }
        if let Some(bytes) = self
            .memory_guard_size
            .or(self.static_memory_guard_size)
            .or(self.dynamic_memory_guard_size)
        {
            config.memory_guard_size(bytes);
        }
        if let Some(may_move) = self
            .memory_may_move
            .or(self.static_memory_forced.map(|forced| !forced))
        {
            config.memory_may_move(may_move);
        }
        if let Some(on) = self.memory_init_cow {
            config.memory_init_cow(on);
        }
        if let Some(on) = self.signals_based_traps {
            config.signals_based_traps(on);
        }
        if let Some(RegallocArg(algo)) = self.regalloc_algorithm {
            config.cranelift_regalloc_algorithm(algo);
        }
        if let Some(on) = self.table_lazy_init {
            config.table_lazy_init(on);
        }
        if let Some(on) = self.guard_before_linear_memory {
            config.guard_before_linear_memory(on);
        }
        if let Some(bytes) = self
            .memory_reservation_for_growth
            .or(self.dynamic_memory_reserved_for_growth)
        {
            config.memory_reservation_for_growth(bytes);
        }
        if let Some(bytes) = self.memory_guaranteed_dense_image_size {
            config.memory_guaranteed_dense_image_size(bytes);
        }
        if self.pooling_allocator == Some(true) {
            let mut pool = wasmtime::PoolingAllocationConfig::new();
            if let Some(n) = self.pooling_total_core_instances {
                pool.total_core_instances(n);
            }
            if let Some(n) = self.pooling_total_memories {
                pool.total_memories(n);
            }
            if let Some(n) = self.pooling_total_stacks {
                pool.total_stacks(n);
            }
            if let Some(n) = self.pooling_total_gc_heaps {
                pool.total_gc_heaps(n);
            }
            if let Some(n) = self.pooling_async_stack_keep_resident {
                pool.async_stack_keep_resident(n);
            }
            if let Some(n) = self.pooling_total_tables {
                pool.total_tables(n);
            }
            if let Some(n) = self.pooling_max_memory_size {
                pool.max_memory_size(n);
            }
            if let Some(n) = self.pooling_table_elements {
                pool.table_elements(n);
            }
            if let Some(n) = self.pooling_max_core_instance_size {
                pool.max_core_instance_size(n);
            }
            if let Some(n) = self.pooling_max_tables_per_module {
                pool.max_tables_per_module(n);
            }
            if let Some(n) = self.pooling_max_memories_per_module {
                pool.max_memories_per_module(n);
            }
            if let Some(n) = self.pooling_memory_keep_resident {
                pool.linear_memory_keep_resident(n);
            }
            if let Some(n) = self.pooling_table_keep_resident {
                pool.table_keep_resident(n);
            }
            if let Some(EnabledArg(on)) = self.pooling_pagemap_scan {
                pool.pagemap_scan(on);
            }
            if let Some(n) = self.pooling_max_unused_warm_slots {
                pool.max_unused_warm_slots(n);
            }
            if let Some(n) = self.pooling_decommit_batch_size {
                pool.decommit_batch_size(n);
            }
            if let Some(EnabledArg(on)) = self.pooling_memory_protection_keys {
                pool.memory_protection_keys(on);
            }
            if let Some(n) = self.pooling_max_memory_protection_keys {
                pool.max_memory_protection_keys(n);
            }
            config.allocation_strategy(pool);
        }
        Ok(())
    }
}

impl WasmOptions {
    /// Applies the engine side of these options to `config` (the store
    /// side — fuel amount, timer, limits, unknown imports — is set up by
    /// `run`).
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        type Toggle = fn(&mut Config, bool) -> &mut Config;
        let proposals: [(Option<bool>, Toggle); 23] = [
            (self.bulk_memory, Config::wasm_bulk_memory),
            (self.multi_memory, Config::wasm_multi_memory),
            (self.multi_value, Config::wasm_multi_value),
            (self.reference_types, Config::wasm_reference_types),
            (self.simd, Config::wasm_simd),
            (self.relaxed_simd, Config::wasm_relaxed_simd),
            (self.tail_call, Config::wasm_tail_call),
            (self.threads, Config::wasm_threads),
            (self.memory64, Config::wasm_memory64),
            (self.function_references, Config::wasm_function_references),
            (self.gc, Config::wasm_gc),
            (self.custom_page_sizes, Config::wasm_custom_page_sizes),
            (self.wide_arithmetic, Config::wasm_wide_arithmetic),
            (self.extended_const, Config::wasm_extended_const),
            (self.exceptions, Config::wasm_exceptions),
            (self.stack_switching, Config::wasm_stack_switching),
            (self.component_model, Config::wasm_component_model),
            (
                self.component_model_async,
                Config::wasm_component_model_async,
            ),
            (
                self.component_model_more_async_builtins,
                Config::wasm_component_model_async_builtins,
            ),
            (
                self.component_model_async_stackful,
                Config::wasm_component_model_async_stackful,
            ),
            (
                self.component_model_error_context,
                Config::wasm_component_model_error_context,
            ),
            (self.component_model_map, Config::wasm_component_model_map),
            (
                self.component_model_fixed_length_lists,
                Config::wasm_component_model_fixed_length_lists,
            ),
        ];
        for (on, toggle) in proposals {
            if let Some(on) = on.or(self.all_proposals) {
                toggle(config, on);
            }
        }
        if let Some(on) = self.shared_memory.or(self.all_proposals) {
            config.shared_memory(on);
        }
        // Not implied by `all-proposals`, as in the reference.
        if let Some(on) = self.branch_hinting {
            config.wasm_branch_hinting(on);
        }
        if let Some(on) = self.relaxed_simd_deterministic {
            config.relaxed_simd_deterministic(on);
        }
        if let Some(on) = self.nan_canonicalization {
            config.cranelift_nan_canonicalization(on);
        }
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(bytes);
            // As in the reference CLI: room for host frames beyond the
            // wasm stack unless the async stack size is given.
            if self.async_stack_size.is_none() {
                config.async_stack_size(bytes.saturating_add(512 << 10));
            }
        }
        if let Some(bytes) = self.async_stack_size {
            config.async_stack_size(bytes);
        }
        if let Some(on) = self.async_stack_zeroing {
            config.async_stack_zeroing(on);
        }
        if self.fuel.is_some() {
            config.consume_fuel(true);
        }
        if let Some(on) = self.epoch_interruption {
            config.epoch_interruption(on);
        }
        if self.timeout.is_some() {
            config.epoch_interruption(true);
        }
        Ok(())
    }
}

impl CodegenOptions {
    /// Applies these options to `config`. The compilation cache is on
    /// unless `cache=n`, as in the reference CLI. A configuration file that
    /// cannot be read or parsed is an error (as in the reference); a cache
    /// directory that cannot be created only turns the cache off, and
    /// entries that cannot be read or written are compiled again, so a
    /// broken cache never fails a run.
    pub fn apply(&self, config: &mut Config) -> Result<()> {
        if let Some(CompilerArg(strategy)) = self.compiler {
            config.strategy(strategy);
        }
        if let Some(CollectorArg(c)) = self.collector {
            config.collector(c);
        }
        if let Some(on) = self.parallel_compilation {
            config.parallel_compilation(on);
        }
        if let Some(on) = self.cranelift_debug_verifier {
            config.cranelift_debug_verifier(on);
        }
        for setting in &self.cranelift {
            // SAFETY: as with Wasmtime's `-C cranelift-KEY`, the user takes
            // responsibility for settings that change what compiled code
            // may assume about the host.
            unsafe {
                match &setting.value {
                    Some(value) => config.cranelift_flag_set(&setting.name, value),
                    None => config.cranelift_flag_enable(&setting.name),
                };
            }
        }
        if self.cache != Some(false) {
            let file = self.cache_config.as_deref().map(std::path::Path::new);
            let cache_config = wasmtime::CacheConfig::from_file(file).anyhow()?;
            if let Ok(cache) = wasmtime::Cache::new(cache_config) {
                config.cache(Some(cache));
            }
        }
        Ok(())
    }
}

/// Turns a `wasmtime` result into an `anyhow` one (the identity while
/// `wasmtime::Error` is `anyhow::Error`), so `anyhow::Context` applies.
pub trait IntoAnyhow<T> {
    /// Converts the error type.
    fn anyhow(self) -> Result<T>;
}

impl<T, E> IntoAnyhow<T> for std::result::Result<T, E>
where
    anyhow::Error: From<E>,
{
    fn anyhow(self) -> Result<T> {
        self.map_err(anyhow::Error::from)
    }
}
