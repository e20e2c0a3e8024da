// wasmtime::ExternType: the type of an import or export, as a variant of
// the borrowed type views.

#ifndef WASMTIME_TYPES_EXTERN_HH
#define WASMTIME_TYPES_EXTERN_HH

#include <wasmtime/types/export.hh>
#include <wasmtime/types/func.hh>
#include <wasmtime/types/global.hh>
#include <wasmtime/types/import.hh>
#include <wasmtime/types/memory.hh>
#include <wasmtime/types/table.hh>
#include <wasmtime/types/tag.hh>

namespace wasmtime {

/// Namespace-like holder of the extern type variant and its conversions.
class ExternType {
  friend class ExportType;
  friend class ImportType;

public:
  /// A borrowed view of one kind of extern type.
  typedef std::variant<FuncType::Ref, GlobalType::Ref, TableType::Ref,
                       MemoryType::Ref, TagType::Ref>
      Ref;

  /// The type of an import.
  static Ref from_import(ImportType::Ref ty) { return view(ty.raw_type()); }
  /// The type of an export.
  static Ref from_export(ExportType::Ref ty) { return view(ty.raw_type()); }

private:
  static Ref view(const wasm_externtype_t *ty) {
    switch (wasm_externtype_kind(ty)) {
    case WASM_EXTERN_FUNC:
      return FuncType::Ref(wasm_externtype_as_functype_const(ty));
    case WASM_EXTERN_GLOBAL:
      return GlobalType::Ref(wasm_externtype_as_globaltype_const(ty));
    case WASM_EXTERN_TABLE:
      return TableType::Ref(wasm_externtype_as_tabletype_const(ty));
    case WASM_EXTERN_MEMORY:
      return MemoryType::Ref(wasm_externtype_as_memorytype_const(ty));
    case WASM_EXTERN_TAG:
      return TagType::Ref(wasm_externtype_as_tagtype_const(ty));
    }
    // The C API reports no other kinds.
    std::abort();
  }
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_EXTERN_HH
