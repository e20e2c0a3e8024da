// Internal: Caller, Func and TypedFunc class definitions and the traits
// that map C++ types to wasm types for Func::wrap and Func::typed (the
// trait specializations and Func's out-of-line members are in func.hh).

#ifndef WASMTIME_DETAIL_FUNC_HH
#define WASMTIME_DETAIL_FUNC_HH

#include <algorithm>
#include <array>
#include <tuple>
#include <wasmtime/detail/store.hh>
#include <wasmtime/extern_declare.hh>
#include <wasmtime/span.hh>
#include <wasmtime/trap.hh>
#include <wasmtime/types/func.hh>

namespace wasmtime {

class Val;

/// The store and instance a host function was called from.
class Caller {
  friend class Func;
  friend class Store;
  wasmtime_caller_t *ptr;
  Caller(wasmtime_caller_t *ptr) : ptr(ptr) {}

public:
  /// An export of the calling instance by name (memories, typically).
  std::optional<Extern> get_export(std::string_view name);
  /// The caller's store.
  Store::Context context() { return this; }
};

namespace detail {

/// Maps a C++ type to one wasm value type. Specialized for `int32_t`,
/// `uint32_t`, `int64_t`, `uint64_t`, `float`, `double`, `V128`,
/// `std::optional<Func>`, `std::optional<ExternRef>` and
/// `std::optional<AnyRef>`; `valid` is false for everything else.
template <typename T> struct WasmType {
  /// Not a wasm type.
  static const bool valid = false;
};

/// Maps a C++ type to a list of wasm value types: one `WasmType`, a
/// `std::tuple` of them, or `std::monostate` for none.
template <typename T> struct WasmTypeList {
  /// Whether `T` maps to wasm types.
  static const bool valid = WasmType<T>::valid;
  /// Number of wasm values.
  static const size_t size = 1;
  /// Do the wasm types equal `types`?
  static bool matches(ValType::ListRef types) {
    return types.size() == 1 && WasmType<T>::valtype() == *types.begin();
  }
  /// Writes `t` into raw slot 0.
  static void store(Store::Context cx, wasmtime_val_raw_t *slots, const T &t) {
    WasmType<T>::store(cx, slots, t);
  }
  /// Reads raw slot 0.
  static T load(Store::Context cx, wasmtime_val_raw_t *slots) {
    return WasmType<T>::load(cx, slots);
  }
  /// The wasm types.
  static std::vector<ValType> types() { return {WasmType<T>::valtype()}; }
};

/// How a host function's return value becomes wasm results (or a trap).
template <typename R> struct WasmHostRet {
  /// The wasm results.
  using Results = WasmTypeList<R>;
  /// Calls `f(args...)` and stores its value.
  template <typename F, typename... A>
  static std::optional<Trap> invoke(F &f, Caller cx, wasmtime_val_raw_t *raw,
                                    A &&...args) {
    Results::store(cx, raw, f(std::forward<A>(args)...));
    return std::nullopt;
  }
};

/// Describes a host callable `F` (function pointer, lambda or functor whose
/// parameters are wasm types, optionally preceded by `Caller`).
template <typename F, typename = void> struct WasmHostFunc;

} // namespace detail

template <typename Params, typename Results> class TypedFunc;

/// A wasm or host function of some store (a small handle; copying it does
/// not copy the function).
class Func {
  friend class Val;
  friend class Instance;
  friend class Linker;
  template <typename Params, typename Results> friend class TypedFunc;

  wasmtime_func_t func;

  template <typename F>
  static wasm_trap_t *raw_callback(void *env, wasmtime_caller_t *caller,
                                   const wasmtime_val_t *args, size_t nargs,
                                   wasmtime_val_t *results, size_t nresults);

  template <typename F>
  static wasm_trap_t *raw_callback_unchecked(void *env, wasmtime_caller_t *caller,
                                             wasmtime_val_raw_t *slots,
                                             size_t nslots) {
    (void)nslots;
    std::optional<Trap> trap = detail::WasmHostFunc<F>::invoke(
        *static_cast<F *>(env), Caller(caller), slots);
    if (trap)
      return trap->capi_release();
    return nullptr;
  }

  template <typename F> static void raw_finalize(void *env) {
    delete static_cast<F *>(env);
  }

public:
  /// Wraps a C function handle.
  Func(wasmtime_func_t func) : func(func) {}

  /// A host function of type `ty` calling `f(caller, params, results)`,
  /// which fills `results` and returns success or a Trap.
  template <typename F,
            std::enable_if_t<
                std::is_invocable_r_v<Result<std::monostate, Trap>, F, Caller,
                                      Span<const Val>, Span<Val>>,
                bool> = true>
  Func(Store::Context cx, const FuncType &ty, F f) : func({}) {
    wasmtime_func_new(cx.ptr, ty.ptr.get(), &Func::raw_callback<F>,
                      new F(std::move(f)), &Func::raw_finalize<F>, &func);
  }

  /// A host function whose wasm type follows from `f`'s C++ signature.
  template <typename F,
            std::enable_if_t<detail::WasmHostFunc<F>::Params::valid, bool> = true,
            std::enable_if_t<detail::WasmHostFunc<F>::Results::valid, bool> = true>
  static Func wrap(Store::Context cx, F f) {
    using Host = detail::WasmHostFunc<F>;
    FuncType ty =
        FuncType::from_iters(Host::Params::types(), Host::Results::types());
    wasmtime_func_t made;
    wasmtime_func_new_unchecked(cx.ptr, ty.ptr.get(),
                                &Func::raw_callback_unchecked<F>,
                                new F(std::move(f)), &Func::raw_finalize<F>,
                                &made);
    return made;
  }

  /// Calls the function with the values in [begin, end).
  template <typename I>
  TrapResult<std::vector<Val>> call(Store::Context cx, const I &begin,
                                    const I &end) const;
  /// Calls the function with `params`.
  TrapResult<std::vector<Val>> call(Store::Context cx,
                                    const std::vector<Val> &params) const;
  /// Calls the function with `params`.
  TrapResult<std::vector<Val>>
  call(Store::Context cx, const std::initializer_list<Val> &params) const;

  /// The function's type.
  FuncType type(Store::Context cx) const {
    return wasmtime_func_type(cx.ptr, &func);
  }

  /// A statically typed view, if `Params` and `Results` match the type.
  template <typename Params, typename Results,
            std::enable_if_t<detail::WasmTypeList<Params>::valid, bool> = true,
            std::enable_if_t<detail::WasmTypeList<Results>::valid, bool> = true>
  Result<TypedFunc<Params, Results>, Trap> typed(Store::Context cx) const {
    FuncType ty = type(cx);
    if (!detail::WasmTypeList<Params>::matches(ty->params()) ||
        !detail::WasmTypeList<Results>::matches(ty->results()))
      return Trap("static type for this function does not match actual type");
    return TypedFunc<Params, Results>(*this);
  }

  /// The C handle.
  const wasmtime_func_t &capi() const { return func; }
};

/// A function whose parameter and result types are known statically;
/// calls skip the dynamic type checks.
template <typename Params, typename Results> class TypedFunc {
  friend class Func;
  Func f;
  TypedFunc(Func func) : f(func) {}

public:
  /// Calls the function.
  TrapResult<Results> call(Store::Context cx, const Params &params) const {
    constexpr size_t slots = std::max(detail::WasmTypeList<Params>::size,
                                      detail::WasmTypeList<Results>::size);
    // At least one slot so the pointer handed to C is never null.
    std::array<wasmtime_val_raw_t, slots == 0 ? 1 : slots> storage{};
    detail::WasmTypeList<Params>::store(cx, storage.data(), params);
    wasm_trap_t *trap = nullptr;
    wasmtime_error_t *error = wasmtime_func_call_unchecked(
        cx.capi(), &f.func, storage.data(), slots, &trap);
    if (error != nullptr)
      return TrapError(Error(error));
    if (trap != nullptr)
      return TrapError(Trap(trap));
    return detail::WasmTypeList<Results>::load(cx, storage.data());
  }

  /// The underlying function.
  const Func &func() const { return f; }
};

} // namespace wasmtime

#endif // WASMTIME_DETAIL_FUNC_HH
