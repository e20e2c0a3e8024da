// wasmtime::Config (an owned `wasm_config_t`: features, compilation and
// memory settings), PoolAllocationConfig and the setting enums.

#ifndef WASMTIME_CONFIG_HH
#define WASMTIME_CONFIG_HH

#include <wasmtime/error.hh>
#include <wasmtime/types/memory.hh>

namespace wasmtime {

/// Which code generator compiles wasm.
enum class Strategy {
  /// Let Wasmtime pick (Cranelift here).
  Auto = WASMTIME_STRATEGY_AUTO,
  /// The optimizing Cranelift backend.
  Cranelift = WASMTIME_STRATEGY_CRANELIFT,
  /// The baseline Winch backend (not available in this implementation).
  Winch = WASMTIME_STRATEGY_WINCH,
};

/// Cranelift's optimization level.
enum class OptLevel {
  /// No optimizations.
  None = WASMTIME_OPT_LEVEL_NONE,
  /// Optimize for speed.
  Speed = WASMTIME_OPT_LEVEL_SPEED,
  /// Optimize for speed and code size.
  SpeedAndSize = WASMTIME_OPT_LEVEL_SPEED_AND_SIZE,
};

/// Which profiler integration to emit data for.
enum class ProfilingStrategy {
  /// None.
  None = WASMTIME_PROFILING_STRATEGY_NONE,
  /// Linux `perf` jitdump files.
  Jitdump = WASMTIME_PROFILING_STRATEGY_JITDUMP,
  /// Intel VTune.
  Vtune = WASMTIME_PROFILING_STRATEGY_VTUNE,
  /// Linux `perf` map files.
  Perfmap = WASMTIME_PROFILING_STRATEGY_PERFMAP,
};

/// Cranelift's register allocator (an unscoped enum, as in Wasmtime).
enum RegallocAlgorithm {
  /// The optimizing backtracking allocator.
  Backtracking = WASMTIME_REGALLOC_BACKTRACKING,
  /// The fast single-pass allocator.
  SinglePass = WASMTIME_REGALLOC_SINGLE_PASS,
};

// Defines `void NAME(TYPE v)` forwarding to the C setter `FN(ptr, v)`.
#define WASMTIME_CXX_SETTER(NAME, TYPE, FN)                                    \
  /** Sets this option (see the C function of the same name). */               \
  void NAME(TYPE value) { FN(ptr.get(), value); }

#ifdef WASMTIME_FEATURE_POOLING_ALLOCATOR
/// Limits of the pooling instance allocator.
class PoolAllocationConfig {
  WASMTIME_CXX_OWNED_HANDLE(PoolAllocationConfig,
                            wasmtime_pooling_allocation_config)

#define WASMTIME_CXX_POOL_SETTER(NAME, TYPE)                                   \
  WASMTIME_CXX_SETTER(NAME, TYPE, wasmtime_pooling_allocation_config_##NAME##_set)

public:
  /// The default limits.
  PoolAllocationConfig() : ptr(wasmtime_pooling_allocation_config_new()) {}

  WASMTIME_CXX_POOL_SETTER(max_unused_warm_slots, uint32_t)
  WASMTIME_CXX_POOL_SETTER(decommit_batch_size, size_t)
#ifdef WASMTIME_FEATURE_ASYNC
  WASMTIME_CXX_POOL_SETTER(async_stack_keep_resident, size_t)
#endif
  WASMTIME_CXX_POOL_SETTER(linear_memory_keep_resident, size_t)
  WASMTIME_CXX_POOL_SETTER(table_keep_resident, size_t)
  WASMTIME_CXX_POOL_SETTER(total_component_instances, uint32_t)
  WASMTIME_CXX_POOL_SETTER(max_component_instance_size, size_t)
  WASMTIME_CXX_POOL_SETTER(max_core_instances_per_component, uint32_t)
  WASMTIME_CXX_POOL_SETTER(max_memories_per_component, uint32_t)
  WASMTIME_CXX_POOL_SETTER(max_tables_per_component, uint32_t)
  WASMTIME_CXX_POOL_SETTER(total_memories, uint32_t)
  WASMTIME_CXX_POOL_SETTER(total_tables, uint32_t)
#ifdef WASMTIME_FEATURE_ASYNC
  WASMTIME_CXX_POOL_SETTER(total_stacks, uint32_t)
#endif
  WASMTIME_CXX_POOL_SETTER(total_core_instances, uint32_t)
  WASMTIME_CXX_POOL_SETTER(max_core_instance_size, size_t)
  WASMTIME_CXX_POOL_SETTER(max_tables_per_module, uint32_t)
  WASMTIME_CXX_POOL_SETTER(table_elements, size_t)
  WASMTIME_CXX_POOL_SETTER(max_memories_per_module, uint32_t)
  WASMTIME_CXX_POOL_SETTER(max_memory_size, size_t)
  WASMTIME_CXX_POOL_SETTER(total_gc_heaps, uint32_t)
#undef WASMTIME_CXX_POOL_SETTER
};
#endif // WASMTIME_FEATURE_POOLING_ALLOCATOR

/// Settings for an Engine. Consumed by `Engine(Config)`.
class Config {
  WASMTIME_CXX_OWNED_HANDLE(Config, wasm_config)

#define WASMTIME_CXX_CONFIG_SETTER(NAME, TYPE)                                 \
  WASMTIME_CXX_SETTER(NAME, TYPE, wasmtime_config_##NAME##_set)

public:
  /// The default settings.
  Config() : ptr(wasm_config_new()) {}

  WASMTIME_CXX_CONFIG_SETTER(debug_info, bool)
  WASMTIME_CXX_CONFIG_SETTER(epoch_interruption, bool)
  WASMTIME_CXX_CONFIG_SETTER(consume_fuel, bool)
  WASMTIME_CXX_CONFIG_SETTER(max_wasm_stack, size_t)
#ifdef WASMTIME_FEATURE_THREADS
  WASMTIME_CXX_CONFIG_SETTER(wasm_threads, bool)
#endif
  WASMTIME_CXX_CONFIG_SETTER(shared_memory, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_tail_call, bool)
#ifdef WASMTIME_FEATURE_GC
  WASMTIME_CXX_CONFIG_SETTER(wasm_reference_types, bool)
#endif
  WASMTIME_CXX_CONFIG_SETTER(wasm_simd, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_relaxed_simd, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_relaxed_simd_deterministic, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_bulk_memory, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_multi_value, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_multi_memory, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_memory64, bool)
#ifdef WASMTIME_FEATURE_GC
  WASMTIME_CXX_CONFIG_SETTER(wasm_gc, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_function_references, bool)
#endif
  WASMTIME_CXX_CONFIG_SETTER(wasm_wide_arithmetic, bool)
#ifdef WASMTIME_FEATURE_GC
  WASMTIME_CXX_CONFIG_SETTER(wasm_exceptions, bool)
#endif
  WASMTIME_CXX_CONFIG_SETTER(wasm_custom_page_sizes, bool)
#ifdef WASMTIME_FEATURE_COMPONENT_MODEL
  WASMTIME_CXX_CONFIG_SETTER(wasm_component_model, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_component_model_map, bool)
  WASMTIME_CXX_CONFIG_SETTER(concurrency_support, bool)
#endif
#ifdef WASMTIME_FEATURE_COMPONENT_MODEL_ASYNC
  WASMTIME_CXX_CONFIG_SETTER(wasm_component_model_async, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_component_model_more_async_builtins, bool)
  WASMTIME_CXX_CONFIG_SETTER(wasm_component_model_async_stackful, bool)
#endif
#ifdef WASMTIME_FEATURE_PARALLEL_COMPILATION
  WASMTIME_CXX_CONFIG_SETTER(parallel_compilation, bool)
#endif

#ifdef WASMTIME_FEATURE_COMPILER
  /// The code generator.
  void strategy(Strategy s) {
    wasmtime_config_strategy_set(ptr.get(), static_cast<wasmtime_strategy_t>(s));
  }
  WASMTIME_CXX_CONFIG_SETTER(cranelift_debug_verifier, bool)
  WASMTIME_CXX_CONFIG_SETTER(cranelift_nan_canonicalization, bool)
  /// Cranelift's optimization level.
  void cranelift_opt_level(OptLevel level) {
    wasmtime_config_cranelift_opt_level_set(
        ptr.get(), static_cast<wasmtime_opt_level_t>(level));
  }
  /// Turns on the boolean Cranelift setting `flag`.
  void cranelift_flag_enable(const std::string &flag) {
    wasmtime_config_cranelift_flag_enable(ptr.get(), flag.c_str());
  }
  /// Sets the Cranelift setting `flag` to `value`.
  void cranelift_flag_set(const std::string &flag, const std::string &value) {
    wasmtime_config_cranelift_flag_set(ptr.get(), flag.c_str(), value.c_str());
  }
  /// Cranelift's register allocator.
  void cranelift_regalloc_algorithm(RegallocAlgorithm algorithm) {
    wasmtime_config_cranelift_regalloc_algorithm_set(
        ptr.get(), static_cast<wasmtime_regalloc_algorithm_t>(algorithm));
  }
#endif // WASMTIME_FEATURE_COMPILER

  /// The profiler to emit data for.
  void profiler(ProfilingStrategy profiler) {
    wasmtime_config_profiler_set(
        ptr.get(), static_cast<wasmtime_profiling_strategy_t>(profiler));
  }
  WASMTIME_CXX_CONFIG_SETTER(memory_reservation, uint64_t)
  WASMTIME_CXX_CONFIG_SETTER(memory_reservation_for_growth, uint64_t)
  WASMTIME_CXX_CONFIG_SETTER(memory_guard_size, uint64_t)
  WASMTIME_CXX_CONFIG_SETTER(memory_may_move, bool)
  WASMTIME_CXX_CONFIG_SETTER(memory_init_cow, bool)
  WASMTIME_CXX_CONFIG_SETTER(native_unwind_info, bool)
  WASMTIME_CXX_CONFIG_SETTER(macos_use_mach_ports, bool)
  WASMTIME_CXX_CONFIG_SETTER(signals_based_traps, bool)
#undef WASMTIME_CXX_CONFIG_SETTER

#ifdef WASMTIME_FEATURE_CACHE
  /// Turns on the compilation cache with its default configuration file.
  Result<std::monostate> cache_load_default() { return load_cache(nullptr); }
  /// Turns on the compilation cache configured by the TOML file `path`.
  Result<std::monostate> cache_load(const std::string &path) {
    return load_cache(path.c_str());
  }

private:
  Result<std::monostate> load_cache(const char *path) {
    if (wasmtime_error_t *error =
            wasmtime_config_cache_config_load(ptr.get(), path))
      return Error(error);
    return std::monostate();
  }

public:
#endif // WASMTIME_FEATURE_CACHE

  /// Lets the host allocate linear memories. `T` must provide
  /// `Result<T::Memory> new_memory(MemoryType::Ref ty, size_t minimum,
  /// size_t maximum, size_t reserved_size_in_bytes, size_t
  /// guard_size_in_bytes)`; `T::Memory` must provide `uint8_t
  /// *get_memory(size_t *byte_size, size_t *byte_capacity)` and
  /// `Result<std::monostate> grow_memory(size_t new_size)`.
  template <typename T> void host_memory_creator(T creator) {
    wasmtime_memory_creator_t raw{};
    raw.env = new T(std::move(creator));
    raw.new_memory = &MemoryCreatorGlue<T>::new_memory;
    raw.finalizer = &MemoryCreatorGlue<T>::template drop<T>;
    wasmtime_config_host_memory_creator_set(ptr.get(), &raw);
  }

#ifdef WASMTIME_FEATURE_POOLING_ALLOCATOR
  /// Allocates instances from pools with these limits.
  void pooling_allocation_strategy(const PoolAllocationConfig &config) {
    wasmtime_pooling_allocation_strategy_set(ptr.get(), config.capi());
  }
#endif

private:
  // C callbacks that forward to a host memory creator `T` and its memories.
  template <typename T> struct MemoryCreatorGlue {
    using Mem = typename T::Memory;

    template <typename U> static void drop(void *env) {
      delete static_cast<U *>(env);
    }

    static uint8_t *get(void *env, size_t *size, size_t *capacity) {
      return static_cast<Mem *>(env)->get_memory(size, capacity);
    }

    static wasmtime_error_t *grow(void *env, size_t new_size) {
      Result<std::monostate> grown = static_cast<Mem *>(env)->grow_memory(new_size);
      if (!grown)
        return grown.err().capi_release();
      return nullptr;
    }

    static wasmtime_error_t *new_memory(void *env, const wasm_memorytype_t *ty,
                                        size_t minimum, size_t maximum,
                                        size_t reserved, size_t guard,
                                        wasmtime_linear_memory_t *out) {
      Result<Mem> made = static_cast<T *>(env)->new_memory(
          MemoryType::Ref(ty), minimum, maximum, reserved, guard);
      if (!made)
        return made.err().capi_release();
      out->env = new Mem(made.ok());
      out->get_memory = &get;
      out->grow_memory = &grow;
      out->finalizer = &drop<Mem>;
      return nullptr;
    }
  };
};

#undef WASMTIME_CXX_SETTER

} // namespace wasmtime

#endif // WASMTIME_CONFIG_HH
