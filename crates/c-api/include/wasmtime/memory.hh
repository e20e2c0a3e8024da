// wasmtime::Memory: a linear memory of some store.

#ifndef WASMTIME_MEMORY_HH
#define WASMTIME_MEMORY_HH

#include <wasmtime/detail/store.hh>
#include <wasmtime/span.hh>
#include <wasmtime/types/memory.hh>

namespace wasmtime {

/// A linear memory (a small handle into its store).
class Memory {
  friend class Instance;
  wasmtime_memory_t memory;

public:
  /// Wraps a C memory handle.
  Memory(wasmtime_memory_t memory) : memory(memory) {}

  /// A new host memory of type `ty`.
  static Result<Memory> create(Store::Context cx, const MemoryType &ty) {
    wasmtime_memory_t made;
    if (wasmtime_error_t *error = wasmtime_memory_new(cx.ptr, ty.ptr.get(), &made))
      return Error(error);
    return Memory(made);
  }
  /// The memory's type as declared.
  MemoryType type(Store::Context cx) const {
    return wasmtime_memory_type(cx.ptr, &memory);
  }
  /// Size in pages.
  uint64_t size(Store::Context cx) const {
    return wasmtime_memory_size(cx.ptr, &memory);
  }
  /// The memory's bytes; valid until the memory grows or the store dies.
  Span<uint8_t> data(Store::Context cx) const {
    return Span<uint8_t>(wasmtime_memory_data(cx.ptr, &memory),
                         wasmtime_memory_data_size(cx.ptr, &memory));
  }
  /// Grows by `delta` pages; returns the previous size in pages.
  Result<uint64_t> grow(Store::Context cx, uint64_t delta) const {
    uint64_t previous = 0;
    if (wasmtime_error_t *error =
            wasmtime_memory_grow(cx.ptr, &memory, delta, &previous))
      return Error(error);
    return previous;
  }
  /// Page size in bytes.
  uint64_t page_size(Store::Context cx) const {
    return wasmtime_memory_page_size(cx.ptr, &memory);
  }
  /// log2 of the page size.
  uint8_t page_size_log2(Store::Context cx) const {
    return wasmtime_memory_page_size_log2(cx.ptr, &memory);
  }
  /// The C handle.
  const wasmtime_memory_t &capi() const { return memory; }
};

} // namespace wasmtime

#endif // WASMTIME_MEMORY_HH
