// wasmtime::Table: a table of references of some store.

#ifndef WASMTIME_TABLE_HH
#define WASMTIME_TABLE_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/detail/val.hh>
#include <wasmtime/types/table.hh>

namespace wasmtime {

/// A table (a small handle into its store).
class Table {
  friend class Instance;
  wasmtime_table_t table;

public:
  /// Wraps a C table handle.
  Table(wasmtime_table_t table) : table(table) {}

  /// A new host table of type `ty`, every element `init`.
  static Result<Table> create(Store::Context cx, const TableType &ty,
                              const Val &init) {
    wasmtime_table_t made;
    if (wasmtime_error_t *error =
            wasmtime_table_new(cx.ptr, ty.ptr.get(), &init.val, &made))
      return Error(error);
    return Table(made);
  }
  /// The table's type as declared.
  TableType type(Store::Context cx) const {
    return wasmtime_table_type(cx.ptr, &table);
  }
  /// Number of elements.
  uint64_t size(Store::Context cx) const {
    return wasmtime_table_size(cx.ptr, &table);
  }
  /// The element at `idx`, or nothing if out of bounds.
  std::optional<Val> get(Store::Context cx, uint64_t idx) const {
    Val out;
    if (!wasmtime_table_get(cx.ptr, &table, idx, &out.val))
      return std::nullopt;
    return std::optional<Val>(std::move(out));
  }
  /// Writes `val` at `idx`.
  Result<std::monostate> set(Store::Context cx, uint64_t idx,
                             const Val &val) const {
    if (wasmtime_error_t *error =
            wasmtime_table_set(cx.ptr, &table, idx, &val.val))
      return Error(error);
    return std::monostate();
  }
  /// Adds `delta` elements set to `init`; returns the previous size.
  Result<uint64_t> grow(Store::Context cx, uint64_t delta,
                        const Val &init) const {
    uint64_t previous = 0;
    if (wasmtime_error_t *error =
            wasmtime_table_grow(cx.ptr, &table, delta, &init.val, &previous))
      return Error(error);
    return previous;
  }
  /// The C handle.
  const wasmtime_table_t &capi() const { return table; }
};

} // namespace wasmtime

#include <wasmtime/val.hh>

#endif // WASMTIME_TABLE_HH
