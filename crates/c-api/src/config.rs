//! `wasm_config_t` (`wasm.h`) and its `wasmtime/config.h` setters.

use crate::ffi::{cstr_arg, handle_result};
use crate::wasmtime_error_t;
use std::ffi::{c_char, c_void};
use wt::{
    Config, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig, RegallocAlgorithm,
};

/// Engine settings, consumed by `wasm_engine_new_with_config`.
pub struct wasm_config_t {
    pub(crate) config: Config,
}

/// The default settings.
#[no_mangle]
pub extern "C" fn wasm_config_new() -> Box<wasm_config_t> {
    Box::new(wasm_config_t {
        config: Config::default(),
    })
}

/// Frees settings that were not given to an engine.
#[no_mangle]
pub extern "C" fn wasm_config_delete(_config: Option<Box<wasm_config_t>>) {}

/// Declares `wasmtime_config_*_set` functions that forward a bool to a
/// `Config` method.
macro_rules! bool_setters {
    ($($c:ident => $method:ident,)*) => {$(
        #[doc = concat!("Sets `Config::", stringify!($method), "`.")]
        #[no_mangle]
        pub extern "C" fn $c(config: &mut wasm_config_t, enable: bool) {
            config.config.$method(enable);
        }
    )*};
}

bool_setters! {
    wasmtime_config_debug_info_set => debug_info,
    wasmtime_config_consume_fuel_set => consume_fuel,
    wasmtime_config_epoch_interruption_set => epoch_interruption,
    wasmtime_config_wasm_threads_set => wasm_threads,
    wasmtime_config_shared_memory_set => shared_memory,
    wasmtime_config_wasm_tail_call_set => wasm_tail_call,
    wasmtime_config_wasm_reference_types_set => wasm_reference_types,
    wasmtime_config_wasm_function_references_set => wasm_function_references,
    wasmtime_config_wasm_gc_set => wasm_gc,
    wasmtime_config_wasm_simd_set => wasm_simd,
    wasmtime_config_wasm_relaxed_simd_set => wasm_relaxed_simd,
    wasmtime_config_wasm_relaxed_simd_deterministic_set => relaxed_simd_deterministic,
    wasmtime_config_wasm_bulk_memory_set => wasm_bulk_memory,
    wasmtime_config_wasm_multi_value_set => wasm_multi_value,
    wasmtime_config_wasm_multi_memory_set => wasm_multi_memory,
    wasmtime_config_wasm_memory64_set => wasm_memory64,
    wasmtime_config_wasm_wide_arithmetic_set => wasm_wide_arithmetic,
    wasmtime_config_wasm_branch_hinting_set => wasm_branch_hinting,
    wasmtime_config_wasm_exceptions_set => wasm_exceptions,
    wasmtime_config_wasm_custom_page_sizes_set => wasm_custom_page_sizes,
    wasmtime_config_parallel_compilation_set => parallel_compilation,
    wasmtime_config_cranelift_debug_verifier_set => cranelift_debug_verifier,
    wasmtime_config_cranelift_nan_canonicalization_set => cranelift_nan_canonicalization,
    wasmtime_config_memory_may_move_set => memory_may_move,
    wasmtime_config_signals_based_traps_set => signals_based_traps,
    wasmtime_config_memory_init_cow_set => memory_init_cow,
    wasmtime_config_wasm_component_model_set => wasm_component_model,
    wasmtime_config_wasm_component_model_async_set => wasm_component_model_async,
    wasmtime_config_wasm_component_model_more_async_builtins_set => wasm_component_model_more_async_builtins,
    wasmtime_config_wasm_component_model_async_stackful_set => wasm_component_model_async_stackful,
    wasmtime_config_wasm_component_model_map_set => wasm_component_model_map,
}

/// GC support: `false` turns the GC proposal off; `true` changes nothing
/// (the proposal's own setting, on by default, applies).
#[no_mangle]
pub extern "C" fn wasmtime_config_gc_support_set(config: &mut wasm_config_t, enable: bool) {
    if !enable {
        config.config.wasm_gc(false);
    }
}

/// The stack-switching proposal: not implemented; enabling it is ignored.
#[no_mangle]
pub extern "C" fn wasmtime_config_wasm_stack_switching_set(
    _config: &mut wasm_config_t,
    _enable: bool,
) {
}

/// Native unwind info is always emitted by this runtime; accepted for
/// compatibility.
#[no_mangle]
pub extern "C" fn wasmtime_config_native_unwind_info_set(
    _config: &mut wasm_config_t,
    _enable: bool,
) {
}

/// Mach ports exist only on macOS; accepted and ignored.
#[no_mangle]
pub extern "C" fn wasmtime_config_macos_use_mach_ports_set(
    _config: &mut wasm_config_t,
    _enable: bool,
) {
}

/// Sets `Config::max_wasm_stack`.
#[no_mangle]
pub extern "C" fn wasmtime_config_max_wasm_stack_set(config: &mut wasm_config_t, size: usize) {
    config.config.max_wasm_stack(size);
}

/// Sets `Config::async_stack_size`.
#[no_mangle]
pub extern "C" fn wasmtime_config_async_stack_size_set(config: &mut wasm_config_t, size: usize) {
    config.config.async_stack_size(size);
}

/// Sets `Config::memory_reservation`.
#[no_mangle]
pub extern "C" fn wasmtime_config_memory_reservation_set(config: &mut wasm_config_t, bytes: u64) {
    config.config.memory_reservation(bytes);
}

/// Sets `Config::memory_guard_size`.
#[no_mangle]
pub extern "C" fn wasmtime_config_memory_guard_size_set(config: &mut wasm_config_t, bytes: u64) {
    config.config.memory_guard_size(bytes);
}

/// Sets `Config::memory_reservation_for_growth`.
#[no_mangle]
pub extern "C" fn wasmtime_config_memory_reservation_for_growth_set(
    config: &mut wasm_config_t,
    bytes: u64,
) {
    config.config.memory_reservation_for_growth(bytes);
}

/// Selects the compiler; Cranelift is the only one, so every value means
/// Cranelift.
#[no_mangle]
pub extern "C" fn wasmtime_config_strategy_set(config: &mut wasm_config_t, _strategy: u8) {
    config.config.strategy(wt::Strategy::Cranelift);
}

/// Sets Cranelift's optimization level (`WASMTIME_OPT_LEVEL_*`).
#[no_mangle]
pub extern "C" fn wasmtime_config_cranelift_opt_level_set(config: &mut wasm_config_t, level: u8) {
    config.config.cranelift_opt_level(match level {
        0 => OptLevel::None,
        2 => OptLevel::SpeedAndSize,
        _ => OptLevel::Speed,
    });
}

/// Sets Cranelift's register allocator (`WASMTIME_REGALLOC_*`).
#[no_mangle]
pub extern "C" fn wasmtime_config_cranelift_regalloc_algorithm_set(
    config: &mut wasm_config_t,
    algo: u8,
) {
    config.config.cranelift_regalloc_algorithm(match algo {
        1 => RegallocAlgorithm::SinglePass,
        _ => RegallocAlgorithm::Backtracking,
    });
}

/// Selects a profiler: none is built in, so every value means none.
#[no_mangle]
pub extern "C" fn wasmtime_config_profiler_set(_config: &mut wasm_config_t, _strategy: u8) {}

/// Loads the compilation cache settings from the TOML file at `path`
/// (NULL: the default file).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_cache_config_load(
    config: &mut wasm_config_t,
    path: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    let result = if path.is_null() {
        config.config.cache_config_load_default().map(|_| ())
    } else {
        // SAFETY: C contract: a NUL-terminated string.
        unsafe { cstr_arg(path) }.and_then(|p| config.config.cache_config_load(p).map(|_| ()))
    };
    handle_result(result, |()| {})
}

/// Sets the compilation target (a target triple).
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_target_set(
    config: &mut wasm_config_t,
    target: *const c_char,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: C contract: a NUL-terminated string.
    let result = unsafe { cstr_arg(target) }.and_then(|t| config.config.target(t).map(|_| ()));
    handle_result(result, |()| {})
}

/// Enables a Cranelift boolean setting.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_cranelift_flag_enable(
    config: &mut wasm_config_t,
    flag: *const c_char,
) {
    // SAFETY: C contract: a NUL-terminated string.
    if let Ok(flag) = unsafe { cstr_arg(flag) } {
        // SAFETY: the C API passes Cranelift settings through unchecked,
        // as Wasmtime does; the engine validates them when it is created.
        unsafe { config.config.cranelift_flag_enable(flag) };
    }
}

/// Sets a Cranelift setting to a value.
#[no_mangle]
pub unsafe extern "C" fn wasmtime_config_cranelift_flag_set(
    config: &mut wasm_config_t,
    key: *const c_char,
    value: *const c_char,
) {
    // SAFETY: C contract: NUL-terminated strings.
    if let (Ok(key), Ok(value)) = unsafe { (cstr_arg(key), cstr_arg(value)) } {
        // SAFETY: as in `wasmtime_config_cranelift_flag_enable`.
        unsafe { config.config.cranelift_flag_set(key, value) };
    }
}

/// A host memory creator (`wasmtime_memory_creator_t`).
#[repr(C)]
pub struct wasmtime_memory_creator_t {
    /// Passed to `new_memory`.
    pub env: *mut c_void,
    /// Creates a memory.
    pub new_memory: *mut c_void,
    /// Frees `env`.
    pub finalizer: crate::ffi::Finalizer,
}

/// Host-provided linear memories are not supported: the creator's
/// finalizer runs at once and memories stay the runtime's own.
#[no_mangle]
pub extern "C" fn wasmtime_config_host_memory_creator_set(
    _config: &mut wasm_config_t,
    creator: &wasmtime_memory_creator_t,
) {
    drop(crate::ffi::ForeignData {
        data: creator.env,
        finalizer: creator.finalizer,
    });
}

/// Settings of the pooling instance allocator.
pub struct wasmtime_pooling_allocation_config_t {
    pub(crate) config: PoolingAllocationConfig,
}

/// Default pooling settings.
#[no_mangle]
pub extern "C" fn wasmtime_pooling_allocation_config_new(
) -> Box<wasmtime_pooling_allocation_config_t> {
    Box::new(wasmtime_pooling_allocation_config_t {
        config: PoolingAllocationConfig::default(),
    })
}

/// Frees pooling settings.
#[no_mangle]
pub extern "C" fn wasmtime_pooling_allocation_config_delete(
    _config: Option<Box<wasmtime_pooling_allocation_config_t>>,
) {
}

/// Uses the pooling allocator with `pooling`'s settings.
#[no_mangle]
pub extern "C" fn wasmtime_pooling_allocation_strategy_set(
    config: &mut wasm_config_t,
    pooling: &wasmtime_pooling_allocation_config_t,
) {
    config
        .config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling.config.clone()));
}

macro_rules! pooling_setters {
    ($($c:ident($ty:ty) => $method:ident,)*) => {$(
        #[doc = concat!("Sets `PoolingAllocationConfig::", stringify!($method), "`.")]
        #[no_mangle]
        pub extern "C" fn $c(config: &mut wasmtime_pooling_allocation_config_t, value: $ty) {
            config.config.$method(value);
        }
    )*};
}

pooling_setters! {
    wasmtime_pooling_allocation_config_max_unused_warm_slots_set(u32) => max_unused_warm_slots,
    wasmtime_pooling_allocation_config_decommit_batch_size_set(usize) => decommit_batch_size,
    wasmtime_pooling_allocation_config_async_stack_keep_resident_set(usize) => async_stack_keep_resident,
    wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(usize) => linear_memory_keep_resident,
    wasmtime_pooling_allocation_config_table_keep_resident_set(usize) => table_keep_resident,
    wasmtime_pooling_allocation_config_total_memories_set(u32) => total_memories,
    wasmtime_pooling_allocation_config_total_tables_set(u32) => total_tables,
    wasmtime_pooling_allocation_config_total_stacks_set(u32) => total_stacks,
    wasmtime_pooling_allocation_config_total_gc_heaps_set(u32) => total_gc_heaps,
    wasmtime_pooling_allocation_config_total_core_instances_set(u32) => total_core_instances,
    wasmtime_pooling_allocation_config_max_core_instance_size_set(usize) => max_core_instance_size,
    wasmtime_pooling_allocation_config_max_tables_per_module_set(u32) => max_tables_per_module,
    wasmtime_pooling_allocation_config_table_elements_set(usize) => table_elements,
    wasmtime_pooling_allocation_config_max_memories_per_module_set(u32) => max_memories_per_module,
    wasmtime_pooling_allocation_config_max_memory_size_set(usize) => max_memory_size,
}

macro_rules! pooling_ignored {
    ($($c:ident($ty:ty),)*) => {$(
        /// A pooling limit for a feature this runtime does not pool
        /// (component instances): accepted and ignored.
        #[no_mangle]
        pub extern "C" fn $c(_config: &mut wasmtime_pooling_allocation_config_t, _value: $ty) {}
    )*};
}

pooling_ignored! {
    wasmtime_pooling_allocation_config_total_component_instances_set(u32),
    wasmtime_pooling_allocation_config_max_component_instance_size_set(usize),
    wasmtime_pooling_allocation_config_max_core_instances_per_component_set(u32),
    wasmtime_pooling_allocation_config_max_memories_per_component_set(u32),
    wasmtime_pooling_allocation_config_max_tables_per_component_set(u32),
}
