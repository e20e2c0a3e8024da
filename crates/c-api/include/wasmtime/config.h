/*
 * Wasmtime C API: declarations of the "config" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_CONFIG_H
#define WASMTIME_CONFIG_H

#include <wasm.h>
#include <wasmtime/conf.h>
#include <wasmtime/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t wasmtime_strategy_t;

enum wasmtime_strategy_enum {

  WASMTIME_STRATEGY_AUTO,

  WASMTIME_STRATEGY_CRANELIFT,

  WASMTIME_STRATEGY_WINCH,
};

typedef uint8_t wasmtime_opt_level_t;

enum wasmtime_opt_level_enum {

  WASMTIME_OPT_LEVEL_NONE,

  WASMTIME_OPT_LEVEL_SPEED,

  WASMTIME_OPT_LEVEL_SPEED_AND_SIZE,
};

typedef uint8_t wasmtime_profiling_strategy_t;

enum wasmtime_profiling_strategy_enum {

  WASMTIME_PROFILING_STRATEGY_NONE,

  WASMTIME_PROFILING_STRATEGY_JITDUMP,

  WASMTIME_PROFILING_STRATEGY_VTUNE,

  WASMTIME_PROFILING_STRATEGY_PERFMAP,
};

typedef uint8_t wasmtime_regalloc_algorithm_t;

enum wasmtime_regalloc_algorithm_enum {

  WASMTIME_REGALLOC_BACKTRACKING,

  WASMTIME_REGALLOC_SINGLE_PASS,
};

// Declares the setter `wasmtime_config_<name>_set` of one engine setting;
// settings this runtime lacks are accepted and ignored where Wasmtime's
// defaults are kept (see crates/c-api/src/config.rs for each).
#define WASMTIME_CONFIG_PROP(ret, name, ty)                                    \
  WASM_API_EXTERN ret wasmtime_config_##name##_set(wasm_config_t *, ty);

WASMTIME_CONFIG_PROP(void, debug_info, bool)

WASMTIME_CONFIG_PROP(void, consume_fuel, bool)

WASMTIME_CONFIG_PROP(void, epoch_interruption, bool)

WASMTIME_CONFIG_PROP(void, max_wasm_stack, size_t)

#ifdef WASMTIME_FEATURE_THREADS

WASMTIME_CONFIG_PROP(void, wasm_threads, bool)

#endif

WASMTIME_CONFIG_PROP(void, shared_memory, bool)

WASMTIME_CONFIG_PROP(void, wasm_tail_call, bool)

#ifdef WASMTIME_FEATURE_GC

WASMTIME_CONFIG_PROP(void, wasm_reference_types, bool)

WASMTIME_CONFIG_PROP(void, wasm_function_references, bool)

WASMTIME_CONFIG_PROP(void, wasm_gc, bool)

#endif

WASMTIME_CONFIG_PROP(void, gc_support, bool)

WASMTIME_CONFIG_PROP(void, wasm_simd, bool)

WASMTIME_CONFIG_PROP(void, wasm_relaxed_simd, bool)

WASMTIME_CONFIG_PROP(void, wasm_relaxed_simd_deterministic, bool)

WASMTIME_CONFIG_PROP(void, wasm_bulk_memory, bool)

WASMTIME_CONFIG_PROP(void, wasm_multi_value, bool)

WASMTIME_CONFIG_PROP(void, wasm_multi_memory, bool)

WASMTIME_CONFIG_PROP(void, wasm_memory64, bool)

WASMTIME_CONFIG_PROP(void, wasm_wide_arithmetic, bool)

WASMTIME_CONFIG_PROP(void, wasm_branch_hinting, bool)

#ifdef WASMTIME_FEATURE_GC

WASMTIME_CONFIG_PROP(void, wasm_exceptions, bool)

#endif

WASMTIME_CONFIG_PROP(void, wasm_custom_page_sizes, bool)

#ifdef WASMTIME_FEATURE_COMPILER

WASMTIME_CONFIG_PROP(void, wasm_stack_switching, bool)

WASMTIME_CONFIG_PROP(void, strategy, wasmtime_strategy_t)

#endif

#ifdef WASMTIME_FEATURE_PARALLEL_COMPILATION

WASMTIME_CONFIG_PROP(void, parallel_compilation, bool)

#endif

#ifdef WASMTIME_FEATURE_COMPILER

WASMTIME_CONFIG_PROP(void, cranelift_debug_verifier, bool)

WASMTIME_CONFIG_PROP(void, cranelift_nan_canonicalization, bool)

WASMTIME_CONFIG_PROP(void, cranelift_opt_level, wasmtime_opt_level_t)

WASMTIME_CONFIG_PROP(void, cranelift_regalloc_algorithm,
                     wasmtime_regalloc_algorithm_t)

#endif

WASMTIME_CONFIG_PROP(void, profiler, wasmtime_profiling_strategy_t)

WASMTIME_CONFIG_PROP(void, memory_may_move, bool)

WASMTIME_CONFIG_PROP(void, memory_reservation, uint64_t)

WASMTIME_CONFIG_PROP(void, memory_guard_size, uint64_t)

WASMTIME_CONFIG_PROP(void, memory_reservation_for_growth, uint64_t)

WASMTIME_CONFIG_PROP(void, native_unwind_info, bool)

#ifdef WASMTIME_FEATURE_CACHE

/// Loads the compilation cache settings from the TOML file at `path`
/// (NULL: the default file).
WASM_API_EXTERN wasmtime_error_t *
wasmtime_config_cache_config_load(wasm_config_t *, const char *);

#endif

WASMTIME_CONFIG_PROP(wasmtime_error_t *, target, const char *)

#ifdef WASMTIME_FEATURE_COMPILER

/// Enables a Cranelift boolean setting.
WASM_API_EXTERN void wasmtime_config_cranelift_flag_enable(wasm_config_t *,
                                                           const char *);

/// Sets a Cranelift setting to a value.
WASM_API_EXTERN void wasmtime_config_cranelift_flag_set(wasm_config_t *,
                                                        const char *key,
                                                        const char *value);

#endif

WASMTIME_CONFIG_PROP(void, macos_use_mach_ports, bool)

WASMTIME_CONFIG_PROP(void, signals_based_traps, bool)

typedef uint8_t *(*wasmtime_memory_get_callback_t)(void *env, size_t *byte_size,
                                                   size_t *byte_capacity);

typedef wasmtime_error_t *(*wasmtime_memory_grow_callback_t)(void *env,
                                                             size_t new_size);

typedef struct wasmtime_linear_memory {

  void *env;

  wasmtime_memory_get_callback_t get_memory;

  wasmtime_memory_grow_callback_t grow_memory;

  void (*finalizer)(void *);
} wasmtime_linear_memory_t;

typedef wasmtime_error_t *(*wasmtime_new_memory_callback_t)(
    void *env, const wasm_memorytype_t *ty, size_t minimum, size_t maximum,
    size_t reserved_size_in_bytes, size_t guard_size_in_bytes,
    wasmtime_linear_memory_t *memory_ret);

typedef struct wasmtime_memory_creator {

  void *env;

  wasmtime_new_memory_callback_t new_memory;

  void (*finalizer)(void *);
} wasmtime_memory_creator_t;

/// Host-provided linear memories are not supported: the creator's
/// finalizer runs at once and memories stay the runtime's own.
WASM_API_EXTERN void
wasmtime_config_host_memory_creator_set(wasm_config_t *,
                                        wasmtime_memory_creator_t *);

WASMTIME_CONFIG_PROP(void, memory_init_cow, bool)

#ifdef WASMTIME_FEATURE_POOLING_ALLOCATOR

typedef struct wasmtime_pooling_allocation_config_t
    wasmtime_pooling_allocation_config_t;

/// Default pooling settings.
WASM_API_EXTERN wasmtime_pooling_allocation_config_t *
wasmtime_pooling_allocation_config_new();

/// Frees pooling settings.
WASM_API_EXTERN void wasmtime_pooling_allocation_config_delete(
    wasmtime_pooling_allocation_config_t *);

// Declares the setter of one pooling allocator limit.
#define WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(name, ty)                      \
  WASM_API_EXTERN void wasmtime_pooling_allocation_config_##name##_set(        \
      wasmtime_pooling_allocation_config_t *, ty);

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_unused_warm_slots, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(decommit_batch_size, size_t)

#ifdef WASMTIME_FEATURE_ASYNC

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(async_stack_keep_resident, size_t)
#endif

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(linear_memory_keep_resident, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(table_keep_resident, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_component_instances, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_component_instance_size, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_core_instances_per_component,
                                        uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_memories_per_component, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_tables_per_component, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_memories, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_tables, uint32_t)

#ifdef WASMTIME_FEATURE_ASYNC

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_stacks, uint32_t)
#endif

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_core_instances, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_core_instance_size, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_tables_per_module, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(table_elements, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_memories_per_module, uint32_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(max_memory_size, size_t)

WASMTIME_POOLING_ALLOCATION_CONFIG_PROP(total_gc_heaps, uint32_t)

/// Uses the pooling allocator with `pooling`'s settings.
WASM_API_EXTERN void wasmtime_pooling_allocation_strategy_set(
    wasm_config_t *, const wasmtime_pooling_allocation_config_t *);

#endif

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

WASMTIME_CONFIG_PROP(void, wasm_component_model, bool)

WASMTIME_CONFIG_PROP(void, concurrency_support, bool)

WASMTIME_CONFIG_PROP(void, wasm_component_model_map, bool)

#endif

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC

WASMTIME_CONFIG_PROP(void, wasm_component_model_async, bool)

WASMTIME_CONFIG_PROP(void, wasm_component_model_more_async_builtins, bool)

WASMTIME_CONFIG_PROP(void, wasm_component_model_async_stackful, bool)

#endif

#ifdef __cplusplus
}
#endif

#endif
