// wasmtime::ExportType: one export of a module (name and type).

#ifndef WASMTIME_TYPES_EXPORT_HH
#define WASMTIME_TYPES_EXPORT_HH

#include <wasmtime/detail/wrappers.hh>

namespace wasmtime {

/// An export of a module.
class ExportType {
  WASMTIME_CXX_CLONED_HANDLE(ExportType, wasm_exporttype, wasm_exporttype_copy)

public:
  /// A borrowed view of an export.
  class Ref {
    friend class ExternType;
    const wasm_exporttype_t *ptr;
    const wasm_externtype_t *raw_type() const { return wasm_exporttype_type(ptr); }

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_exporttype_t *ptr) : ptr(ptr) {}
    /// The export's name.
    std::string_view name() const {
      const wasm_name_t *name = wasm_exporttype_name(ptr);
      return std::string_view(name->data, name->size);
    }
  };

  /// A view of this export.
  Ref ref() const { return Ref(ptr.get()); }

  /// An owned list of exports, iterated as `Ref`s.
  class List {
    friend class Module;
    wasm_exporttype_vec_t list;

  public:
    /// An empty list.
    List() : list{0, nullptr} {}
    List(const List &) = delete;
    List &operator=(const List &) = delete;
    /// Takes `other`'s exports.
    List(List &&other) noexcept : list(other.list) { other.list = {0, nullptr}; }
    /// Swaps with `other`.
    List &operator=(List &&other) noexcept {
      std::swap(list, other.list);
      return *this;
    }
    ~List() {
      if (list.data != nullptr)
        wasm_exporttype_vec_delete(&list);
    }
    /// Iterates over the exports.
    typedef const Ref *iterator;
    /// First export.
    iterator begin() const {
      static_assert(sizeof(Ref) == sizeof(wasm_exporttype_t *));
      return reinterpret_cast<const Ref *>(list.data);
    }
    /// One past the last export.
    iterator end() const { return begin() + list.size; }
    /// Number of exports.
    size_t size() const { return list.size; }
  };
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_EXPORT_HH
