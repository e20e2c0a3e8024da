// wasmtime::MemoryType: the type of a linear memory (limits in pages,
// 32/64-bit index, shared, page size).

#ifndef WASMTIME_TYPES_MEMORY_HH
#define WASMTIME_TYPES_MEMORY_HH

#include <wasmtime/error.hh>

namespace wasmtime {

/// The type of a linear memory.
class MemoryType {
  friend class Memory;
  std::unique_ptr<wasm_memorytype_t,
                  detail::HandleDeleter<wasm_memorytype_t, wasm_memorytype_delete>>
      ptr;

public:
  /// A borrowed view of a memory type.
  class Ref {
    friend class MemoryType;
    const wasm_memorytype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_memorytype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const MemoryType &ty) : Ref(ty.ptr.get()) {}

    /// Minimum size in pages.
    uint64_t min() const { return wasmtime_memorytype_minimum(ptr); }
    /// Maximum size in pages, if bounded.
    std::optional<uint64_t> max() const {
      uint64_t pages = 0;
      if (!wasmtime_memorytype_maximum(ptr, &pages))
        return std::nullopt;
      return pages;
    }
    /// True for memory64 (64-bit indices).
    bool is_64() const { return wasmtime_memorytype_is64(ptr); }
    /// True for shared memories.
    bool is_shared() const { return wasmtime_memorytype_isshared(ptr); }
    /// Page size in bytes.
    uint64_t page_size() const { return wasmtime_memorytype_page_size(ptr); }
    /// log2 of the page size.
    uint8_t page_size_log2() const {
      return wasmtime_memorytype_page_size_log2(ptr);
    }
  };

private:
  Ref ref;
  MemoryType(wasm_memorytype_t *raw) : ptr(raw), ref(raw) {}

  static wasm_memorytype_t *make(uint64_t min, std::optional<uint64_t> max,
                                 bool is_64) {
    wasm_memorytype_t *raw = nullptr;
    wasmtime_error_t *error = wasmtime_memorytype_new(
        min, max.has_value(), max.value_or(0), is_64, false, 16, &raw);
    if (error != nullptr) {
      // Only impossible limits (min above max) get here; the constructors
      // cannot return an error, so report it as Result::unwrap would.
      std::fprintf(stderr, "error: %s\n", Error(error).message().c_str());
      std::abort();
    }
    return raw;
  }

public:
  /// A 32-bit memory of at least `min` pages, no maximum.
  explicit MemoryType(uint32_t min) : MemoryType(make(min, std::nullopt, false)) {}
  /// A 32-bit memory of `min` to `max` pages.
  MemoryType(uint32_t min, uint32_t max) : MemoryType(make(min, max, false)) {}
  /// A 64-bit memory of at least `min` pages, no maximum.
  static MemoryType New64(uint64_t min) {
    return MemoryType(make(min, std::nullopt, true));
  }
  /// A 64-bit memory of `min` to `max` pages.
  static MemoryType New64(uint64_t min, uint64_t max) {
    return MemoryType(make(min, max, true));
  }

  /// Copies a borrowed type.
  MemoryType(Ref other) : MemoryType(wasm_memorytype_copy(other.ptr)) {}
  /// Copies.
  MemoryType(const MemoryType &other)
      : MemoryType(wasm_memorytype_copy(other.ptr.get())) {}
  /// Copies.
  MemoryType &operator=(const MemoryType &other) {
    ptr.reset(wasm_memorytype_copy(other.ptr.get()));
    ref = ptr.get();
    return *this;
  }
  ~MemoryType() = default;
  /// Moves.
  MemoryType(MemoryType &&other) = default;
  /// Moves.
  MemoryType &operator=(MemoryType &&other) = default;

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }

  /// Builds a memory type field by field; `build` checks the combination.
  class Builder {
    uint64_t min_ = 0;
    std::optional<uint64_t> max_;
    bool memory64_ = false;
    bool shared_ = false;
    uint8_t page_size_log2_ = 16;

  public:
    Builder() = default;
    /// Minimum pages.
    Builder &min(uint64_t min) {
      min_ = min;
      return *this;
    }
    /// Maximum pages (none: unbounded).
    Builder &max(std::optional<uint64_t> max) {
      max_ = max;
      return *this;
    }
    /// 64-bit indices.
    Builder &memory64(bool enable) {
      memory64_ = enable;
      return *this;
    }
    /// Shared between threads.
    Builder &shared(bool enable) {
      shared_ = enable;
      return *this;
    }
    /// log2 of the page size (16 or, with custom page sizes, 0).
    Builder &page_size_log2(uint8_t log2) {
      page_size_log2_ = log2;
      return *this;
    }
    /// The memory type, or an error for an invalid combination.
    Result<MemoryType> build() const {
      wasm_memorytype_t *raw = nullptr;
      wasmtime_error_t *error = wasmtime_memorytype_new(
          min_, max_.has_value(), max_.value_or(0), memory64_, shared_,
          page_size_log2_, &raw);
      if (error != nullptr)
        return Error(error);
      return MemoryType(raw);
    }
  };
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_MEMORY_HH
