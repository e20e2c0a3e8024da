// Internal: the ValType class on its own, so FuncType and the GC type
// classes can use it before HeapType/RefType (types/val.hh) exist.

#ifndef WASMTIME_DETAIL_VALTYPE_HH
#define WASMTIME_DETAIL_VALTYPE_HH

#include <wasmtime/engine.hh>

namespace wasmtime {

class RefType;

/// The type of a wasm value: a number type, `v128` or a reference type.
class ValType {
  friend class TableType;
  friend class GlobalType;
  friend class FuncType;
  friend class ExnType;
  friend class StorageType;

  std::unique_ptr<wasm_valtype_t,
                  detail::HandleDeleter<wasm_valtype_t, wasm_valtype_delete>>
      ptr;

public:
  /// A borrowed view of a value type (one pointer, so lists of C value
  /// types can be viewed as arrays of it).
  class Ref {
    friend class ValType;
    const wasm_valtype_t *ptr;

  public:
    /// Views `ptr` (not owned).
    Ref(const wasm_valtype_t *ptr) : ptr(ptr) {}
    /// Views an owned type.
    Ref(const ValType &ty) : Ref(ty.ptr.get()) {}
    /// Structural equality.
    bool operator==(const Ref &other) const {
      return wasmtime_wasm_valtype_equal(ptr, other.ptr);
    }
  };

  /// A borrowed view of a C list of value types.
  class ListRef {
    const wasm_valtype_vec_t *list;

  public:
    /// Views `list` (not owned).
    ListRef(const wasm_valtype_vec_t *list) : list(list) {}
    /// Iterates over the types.
    typedef const Ref *iterator;
    /// First type.
    iterator begin() const {
      static_assert(sizeof(Ref) == sizeof(wasm_valtype_t *));
      return reinterpret_cast<const Ref *>(list->data);
    }
    /// One past the last type.
    iterator end() const { return begin() + list->size; }
    /// Number of types.
    size_t size() const { return list->size; }
  };

private:
  Ref ref;
  // The same type in the richer `wasmtime_valtype_t` form, kept so that
  // `as_ref` can hand out a view of it.
  wasmtime_valtype_t rich;

  // Adopts an owned C value type.
  ValType(wasm_valtype_t *raw) : ptr(raw), ref(raw), rich{} {
    wasmtime_valtype_new(raw, &rich);
  }

  // Builds from the rich form (abstract heap types only: no engine).
  static ValType from_rich(const wasmtime_valtype_t &ty) {
    return ValType(wasmtime_valtype_to_wasm(nullptr, &ty));
  }

public:
  /// Copies a borrowed type.
  ValType(Ref other) : ValType(wasm_valtype_copy(other.ptr)) {}
  /// Copies.
  ValType(const ValType &other) : ValType(wasm_valtype_copy(other.ptr.get())) {}
  /// Copies.
  ValType &operator=(const ValType &other) {
    if (this != &other) {
      ptr.reset(wasm_valtype_copy(other.ptr.get()));
      ref = ptr.get();
      wasmtime_valtype_delete(&rich);
      wasmtime_valtype_clone(&other.rich, &rich);
    }
    return *this;
  }
  /// Moves; `other` is left as a placeholder that must only be destroyed
  /// or assigned to.
  ValType(ValType &&other)
      : ptr(std::move(other.ptr)), ref(ptr.get()), rich(other.rich) {
    other.ref = nullptr;
    other.rich.kind = WASMTIME_VALTYPE_KIND_I32;
  }
  /// Moves (see the move constructor).
  ValType &operator=(ValType &&other) {
    if (this != &other) {
      wasmtime_valtype_delete(&rich);
      ptr = std::move(other.ptr);
      ref = ptr.get();
      rich = other.rich;
      other.ref = nullptr;
      other.rich.kind = WASMTIME_VALTYPE_KIND_I32;
    }
    return *this;
  }
  ~ValType() { wasmtime_valtype_delete(&rich); }

  /// `i32`.
  static ValType i32() { return ValType(wasm_valtype_new(WASM_I32)); }
  /// `i64`.
  static ValType i64() { return ValType(wasm_valtype_new(WASM_I64)); }
  /// `f32`.
  static ValType f32() { return ValType(wasm_valtype_new(WASM_F32)); }
  /// `f64`.
  static ValType f64() { return ValType(wasm_valtype_new(WASM_F64)); }
  /// `v128`.
  static ValType v128() { return ValType(wasmtime_wasm_valtype_v128()); }
  /// `funcref`.
  static ValType funcref() { return ValType(wasm_valtype_new(WASM_FUNCREF)); }
  /// `externref`.
  static ValType externref() {
    return ValType(wasm_valtype_new(WASM_EXTERNREF));
  }
  /// `anyref`.
  static ValType anyref();
  /// `exnref`.
  static ValType exnref();
  /// The reference type `ref_type` (concrete heap types need `engine`).
  ValType(const Engine &engine, const RefType &ref_type);

  /// Accessors of this type.
  Ref *operator->() { return &ref; }
  /// Accessors of this type.
  Ref *operator*() { return &ref; }

  /// Structural equality.
  bool operator==(const Ref &other) const {
    return wasmtime_wasm_valtype_equal(ptr.get(), other.ptr);
  }
  /// Structural equality.
  bool operator==(const ValType &other) const {
    return wasmtime_wasm_valtype_equal(ptr.get(), other.ptr.get());
  }

  /// This type as a `wasmtime_valtype_t`.
  const wasmtime_valtype_t *wasmtime_capi() const { return &rich; }
  /// This type as a `wasm_valtype_t`.
  const wasm_valtype_t *capi() const { return ptr.get(); }

  /// Is it `i32`?
  bool is_i32() const { return rich.kind == WASMTIME_VALTYPE_KIND_I32; }
  /// Is it `i64`?
  bool is_i64() const { return rich.kind == WASMTIME_VALTYPE_KIND_I64; }
  /// Is it `f32`?
  bool is_f32() const { return rich.kind == WASMTIME_VALTYPE_KIND_F32; }
  /// Is it `f64`?
  bool is_f64() const { return rich.kind == WASMTIME_VALTYPE_KIND_F64; }
  /// Is it `v128`?
  bool is_v128() const { return rich.kind == WASMTIME_VALTYPE_KIND_V128; }
  /// The reference type, or null for number and vector types.
  const RefType *as_ref() const;
};

} // namespace wasmtime

#endif // WASMTIME_DETAIL_VALTYPE_HH
