// wasmtime::ImportType: one import of a module (module name, field name,
// type).

#ifndef WASMTIME_TYPES_IMPORT_HH
#define WASMTIME_TYPES_IMPORT_HH

#include <wasmtime/detail/wrappers.hh>

namespace wasmtime {

/// An import of a module.
class ImportType {
  WASMTIME_CXX_CLONED_HANDLE(ImportType, wasm_importtype, wasm_importtype_copy)

public:
  /// A borrowed view of an import.
  class Ref {
    friend class ExternType;
    const wasm_importtype_t *ptr;
    const wasm_externtype_t *raw_type() const { return wasm_importtype_type(ptr); }

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_importtype_t *ptr) : ptr(ptr) {}
    /// The module name of the import.
    std::string_view module() const {
      const wasm_name_t *name = wasm_importtype_module(ptr);
      return std::string_view(name->data, name->size);
    }
    /// The field name of the import.
    std::string_view name() const {
      const wasm_name_t *name = wasm_importtype_name(ptr);
      return std::string_view(name->data, name->size);
    }
  };

  /// A view of this import.
  Ref ref() const { return Ref(ptr.get()); }

  /// An owned list of imports, iterated as `Ref`s.
  class List {
    friend class Module;
    wasm_importtype_vec_t list;

  public:
    /// An empty list.
    List() : list{0, nullptr} {}
    List(const List &) = delete;
    List &operator=(const List &) = delete;
    /// Takes `other`'s imports.
    List(List &&other) noexcept : list(other.list) { other.list = {0, nullptr}; }
    /// Swaps with `other`.
    List &operator=(List &&other) noexcept {
      std::swap(list, other.list);
      return *this;
    }
    ~List() {
      if (list.data != nullptr)
        wasm_importtype_vec_delete(&list);
    }
    /// Iterates over the imports.
    typedef const Ref *iterator;
    /// First import.
    iterator begin() const {
      static_assert(sizeof(Ref) == sizeof(wasm_importtype_t *));
      return reinterpret_cast<const Ref *>(list.data);
    }
    /// One past the last import.
    iterator end() const { return begin() + list.size; }
    /// Number of imports.
    size_t size() const { return list.size; }
  };
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_IMPORT_HH
