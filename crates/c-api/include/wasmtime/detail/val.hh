// Internal: V128, ValKind and the Val class (its reference constructors
// and accessors are in val.hh).

#ifndef WASMTIME_DETAIL_VAL_HH
#define WASMTIME_DETAIL_VAL_HH

#include <wasmtime/detail/func.hh>

namespace wasmtime {

class ExternRef;
class AnyRef;
class ExnRef;

/// A 128-bit SIMD value as 16 little-endian bytes.
struct V128 {
  /// The bytes.
  wasmtime_v128 v128;
  /// All zeros.
  V128() : v128{} {}
  /// A copy of `v`.
  V128(const wasmtime_v128 &v) : v128{} { std::memcpy(v128, v, sizeof(v128)); }
};

/// The kind of value a Val holds.
enum class ValKind {
  /// `i32`.
  I32 = WASMTIME_I32,
  /// `i64`.
  I64 = WASMTIME_I64,
  /// `f32`.
  F32 = WASMTIME_F32,
  /// `f64`.
  F64 = WASMTIME_F64,
  /// `v128`.
  V128 = WASMTIME_V128,
  /// `funcref`.
  FuncRef = WASMTIME_FUNCREF,
  /// `externref`.
  ExternRef = WASMTIME_EXTERNREF,
  /// `anyref`.
  AnyRef = WASMTIME_ANYREF,
  /// `exnref`.
  ExnRef = WASMTIME_EXNREF,
};

/// A wasm value of any type. Layout-compatible with `wasmtime_val_t`;
/// references in it are rooted while the Val lives.
class Val {
  friend class Global;
  friend class Table;
  friend class Func;

  wasmtime_val_t val;

  Val() : val{} { val.kind = WASMTIME_I32; }

  [[noreturn]] static void wrong_kind() {
    std::fprintf(stderr, "wasmtime::Val: accessed as the wrong kind\n");
    std::abort();
  }

public:
  /// Adopts the C value `val` (and any root it holds).
  Val(wasmtime_val_t val) : val(val) {}
  /// An `i32`.
  Val(int32_t i32) : val{} {
    val.kind = WASMTIME_I32;
    val.of.i32 = i32;
  }
  /// An `i64`.
  Val(int64_t i64) : val{} {
    val.kind = WASMTIME_I64;
    val.of.i64 = i64;
  }
  /// An `f32`.
  Val(float f32) : val{} {
    val.kind = WASMTIME_F32;
    val.of.f32 = f32;
  }
  /// An `f64`.
  Val(double f64) : val{} {
    val.kind = WASMTIME_F64;
    val.of.f64 = f64;
  }
  /// A `v128`.
  Val(const V128 &v128) : val{} {
    val.kind = WASMTIME_V128;
    std::memcpy(val.of.v128, v128.v128, sizeof(val.of.v128));
  }
  /// A `funcref` (null if empty).
  Val(std::optional<Func> func);
  /// A non-null `funcref`.
  Val(Func func);
#ifdef WASMTIME_FEATURE_GC
  /// An `externref` (null if empty).
  Val(std::optional<ExternRef> ptr);
  /// A non-null `externref`.
  Val(ExternRef ptr);
  /// An `anyref` (null if empty).
  Val(std::optional<AnyRef> ptr);
  /// A non-null `anyref`.
  Val(AnyRef ptr);
  /// An `exnref` (null if empty).
  Val(std::optional<ExnRef> ptr);
  /// A non-null `exnref`.
  Val(ExnRef ptr);
#endif

  /// Copies (roots the reference again).
  Val(const Val &other) { wasmtime_val_clone(&other.val, &val); }
  /// Copies (roots the reference again).
  Val &operator=(const Val &other) {
    if (this != &other) {
      wasmtime_val_unroot(&val);
      wasmtime_val_clone(&other.val, &val);
    }
    return *this;
  }
  /// Moves (`other` becomes i32 0).
  Val(Val &&other) : val(other.val) {
    other.val = wasmtime_val_t{};
    other.val.kind = WASMTIME_I32;
  }
  /// Moves (`other` becomes i32 0).
  Val &operator=(Val &&other) {
    if (this != &other) {
      wasmtime_val_unroot(&val);
      val = other.val;
      other.val = wasmtime_val_t{};
      other.val.kind = WASMTIME_I32;
    }
    return *this;
  }
  ~Val() { wasmtime_val_unroot(&val); }

  /// The kind of value held.
  ValKind kind() const {
    switch (val.kind) {
    case WASMTIME_I32:
    case WASMTIME_I64:
    case WASMTIME_F32:
    case WASMTIME_F64:
    case WASMTIME_V128:
    case WASMTIME_FUNCREF:
    case WASMTIME_EXTERNREF:
    case WASMTIME_ANYREF:
    case WASMTIME_EXNREF:
      return static_cast<ValKind>(val.kind);
    }
    wrong_kind();
  }

  /// The `i32` (aborts for other kinds).
  int32_t i32() const {
    if (val.kind != WASMTIME_I32)
      wrong_kind();
    return val.of.i32;
  }
  /// The `i64` (aborts for other kinds).
  int64_t i64() const {
    if (val.kind != WASMTIME_I64)
      wrong_kind();
    return val.of.i64;
  }
  /// The `f32` (aborts for other kinds).
  float f32() const {
    if (val.kind != WASMTIME_F32)
      wrong_kind();
    return val.of.f32;
  }
  /// The `f64` (aborts for other kinds).
  double f64() const {
    if (val.kind != WASMTIME_F64)
      wrong_kind();
    return val.of.f64;
  }
  /// The `v128` (aborts for other kinds).
  V128 v128() const {
    if (val.kind != WASMTIME_V128)
      wrong_kind();
    return V128(val.of.v128);
  }
#ifdef WASMTIME_FEATURE_GC
  /// The `externref`, empty if null (aborts for other kinds).
  std::optional<ExternRef> externref() const;
  /// The `anyref`, empty if null (aborts for other kinds).
  std::optional<AnyRef> anyref() const;
  /// The `exnref`, empty if null (aborts for other kinds).
  std::optional<ExnRef> exnref() const;
#endif
  /// The `funcref`, empty if null (aborts for other kinds).
  std::optional<Func> funcref() const;

  /// The C type this class is laid out as.
  using Raw = wasmtime_val_t;
  /// The C value.
  const Raw *capi() const { return &val; }
  /// The C value.
  Raw *capi() { return &val; }
};

} // namespace wasmtime

#endif // WASMTIME_DETAIL_VAL_HH
