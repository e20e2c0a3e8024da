// wasmtime::GlobalType: content type and mutability of a global.

#ifndef WASMTIME_TYPES_GLOBAL_HH
#define WASMTIME_TYPES_GLOBAL_HH

#include <wasmtime/detail/valtype.hh>

namespace wasmtime {

/// The type of a global.
class GlobalType {
  friend class Global;
  std::unique_ptr<wasm_globaltype_t,
                  detail::HandleDeleter<wasm_globaltype_t, wasm_globaltype_delete>>
      ptr;

public:
  /// A borrowed view of a global type.
  class Ref {
    friend class GlobalType;
    const wasm_globaltype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_globaltype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const GlobalType &ty) : Ref(ty.ptr.get()) {}
    /// Can the global be written?
    bool is_mutable() const { return wasm_globaltype_mutability(ptr) == WASM_VAR; }
    /// Type of the value.
    ValType::Ref content() const { return wasm_globaltype_content(ptr); }
  };

private:
  Ref ref;
  GlobalType(wasm_globaltype_t *raw) : ptr(raw), ref(raw) {}

public:
  /// A global holding `ty`, mutable if `mut`.
  GlobalType(ValType ty, bool mut)
      : GlobalType(wasm_globaltype_new(
            ty.ptr.release(),
            static_cast<wasm_mutability_t>(mut ? WASM_VAR : WASM_CONST))) {}
  /// Copies a borrowed type.
  GlobalType(Ref other) : GlobalType(wasm_globaltype_copy(other.ptr)) {}
  /// Copies.
  GlobalType(const GlobalType &other)
      : GlobalType(wasm_globaltype_copy(other.ptr.get())) {}
  /// Copies.
  GlobalType &operator=(const GlobalType &other) {
    ptr.reset(wasm_globaltype_copy(other.ptr.get()));
    ref = ptr.get();
    return *this;
  }
  ~GlobalType() = default;
  /// Moves.
  GlobalType(GlobalType &&other) = default;
  /// Moves.
  GlobalType &operator=(GlobalType &&other) = default;

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_GLOBAL_HH
