// wasmtime::FuncType: parameter and result types of a function.

#ifndef WASMTIME_TYPES_FUNC_HH
#define WASMTIME_TYPES_FUNC_HH

#include <initializer_list>
#include <wasmtime/detail/valtype.hh>

namespace wasmtime {

/// The signature of a function.
class FuncType {
  friend class Func;
  friend class Linker;
  friend class TagType;
  friend class HeapType;

  std::unique_ptr<wasm_functype_t,
                  detail::HandleDeleter<wasm_functype_t, wasm_functype_delete>>
      ptr;

public:
  /// A borrowed view of a function type.
  class Ref {
    friend class FuncType;
    const wasm_functype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_functype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const FuncType &ty) : Ref(ty.ptr.get()) {}
    /// Parameter types.
    ValType::ListRef params() const { return wasm_functype_params(ptr); }
    /// Result types.
    ValType::ListRef results() const { return wasm_functype_results(ptr); }
  };

private:
  Ref ref;
  FuncType(wasm_functype_t *raw) : ptr(raw), ref(raw) {}

  // Moves the value types of `types` into a new C vector.
  template <typename I> static wasm_valtype_vec_t to_vec(I types) {
    wasm_valtype_vec_t vec;
    wasm_valtype_vec_new_uninitialized(&vec, types.size());
    size_t i = 0;
    for (auto ty : types)
      vec.data[i++] = ty.ptr.release();
    return vec;
  }

public:
  /// The type `[params] -> [results]`.
  FuncType(std::initializer_list<ValType> params,
           std::initializer_list<ValType> results)
      : FuncType(from_iters(params, results)) {}
  /// Copies a borrowed type.
  FuncType(Ref other) : FuncType(wasm_functype_copy(other.ptr)) {}
  /// Copies.
  FuncType(const FuncType &other)
      : FuncType(wasm_functype_copy(other.ptr.get())) {}
  /// Copies.
  FuncType &operator=(const FuncType &other) {
    ptr.reset(wasm_functype_copy(other.ptr.get()));
    ref = ptr.get();
    return *this;
  }
  ~FuncType() = default;
  /// Moves.
  FuncType(FuncType &&other) = default;
  /// Moves.
  FuncType &operator=(FuncType &&other) = default;

  /// The type with parameters and results taken from two containers of
  /// `ValType` (anything with `size()` and iteration).
  template <typename P, typename R>
  static FuncType from_iters(P params, R results) {
    wasm_valtype_vec_t param_vec = to_vec(params);
    wasm_valtype_vec_t result_vec = to_vec(results);
    return FuncType(wasm_functype_new(&param_vec, &result_vec));
  }

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }

  /// Gives up ownership and returns the C type.
  wasm_functype_t *capi_release() {
    ref = nullptr;
    return ptr.release();
  }
};

} // namespace wasmtime

#endif // WASMTIME_TYPES_FUNC_HH
