// wasmtime::TableType: element type and limits of a table.

#ifndef WASMTIME_TYPES_TABLE_HH
#define WASMTIME_TYPES_TABLE_HH

#include <wasmtime/detail/valtype.hh>

namespace wasmtime {

/// The type of a table.
class TableType {
  friend class Table;
  std::unique_ptr<wasm_tabletype_t,
                  detail::HandleDeleter<wasm_tabletype_t, wasm_tabletype_delete>>
      ptr;

public:
  /// A borrowed view of a table type.
  class Ref {
    friend class TableType;
    const wasm_tabletype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_tabletype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const TableType &ty) : Ref(ty.ptr.get()) {}
    /// Minimum number of elements.
    uint32_t min() const { return wasm_tabletype_limits(ptr)->min; }
    /// Maximum number of elements, if bounded.
    std::optional<uint32_t> max() const {
      uint32_t max = wasm_tabletype_limits(ptr)->max;
      if (max == wasm_limits_max_default)
        return std::nullopt;
      return max;
    }
    /// Element type.
    ValType::Ref element() const { return wasm_tabletype_element(ptr); }
  };

private:
  Ref ref;
  TableType(wasm_tabletype_t *raw) : ptr(raw), ref(raw) {}
  static wasm_tabletype_t *make(ValType ty, uint32_t min, uint32_t max) {
    wasm_limits_t limits = {min, max};
    return wasm_tabletype_new(ty.ptr.release(), &limits);
  }

public:
  /// A table of `ty` with at least `min` elements, no maximum.
  TableType(ValType ty, uint32_t min)
      : TableType(make(std::move(ty), min, wasm_limits_max_default)) {}
  /// A table of `ty` with `min` to `max` elements.
  TableType(ValType ty, uint32_t min, uint32_t max)
      : TableType(make(std::move(ty), min, max)) {}
  /// Copies a borrowed type.
  TableType(Ref other) : TableType(wasm_tabletype_copy(other.ptr)) {}
  /// Copies.
  TableType(const TableType &other)
      : TableType(wasm_tabletype_copy(other.ptr.get())) {}
  /// Copies.
  TableType &operator=(const TableType &other) {
    ptr.reset(wasm_tabletype_copy(other.ptr.get()));
    ref = ptr.get();
    return *this;
  }
  ~TableType() = default;
  /// Moves.
  TableType(TableType &&other) = default;
  /// Moves.
  TableType &operator=(TableType &&other) = default;

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_TABLE_HH
