// wasmtime::Func, TypedFunc and Caller: calling wasm functions and
// defining host functions, dynamically typed (Val) or statically typed
// (C++ types mapped through detail::WasmType).

#ifndef WASMTIME_FUNC_HH
#define WASMTIME_FUNC_HH

#include <wasmtime/detail/func.hh>
#include <wasmtime/detail/refs.hh>
#include <wasmtime/detail/val.hh>

namespace wasmtime {
namespace detail {

// Number types: stored in the raw slot's field of the same wasm type.
#define WASMTIME_CXX_NUMBER_TYPE(CXX, VALTYPE, FIELD)                          \
  template <> struct WasmType<CXX> {                                           \
    static const bool valid = true;                                            \
    static ValType valtype() { return ValType::VALTYPE(); }                    \
    static void store(Store::Context, wasmtime_val_raw_t *slot,                \
                      const CXX &value) {                                      \
      slot->FIELD = value;                                                     \
    }                                                                          \
    static CXX load(Store::Context, wasmtime_val_raw_t *slot) {                \
      return static_cast<CXX>(slot->FIELD);                                    \
    }                                                                          \
  };
WASMTIME_CXX_NUMBER_TYPE(int32_t, i32, i32)
WASMTIME_CXX_NUMBER_TYPE(uint32_t, i32, i32)
WASMTIME_CXX_NUMBER_TYPE(int64_t, i64, i64)
WASMTIME_CXX_NUMBER_TYPE(uint64_t, i64, i64)
WASMTIME_CXX_NUMBER_TYPE(float, f32, f32)
WASMTIME_CXX_NUMBER_TYPE(double, f64, f64)
#undef WASMTIME_CXX_NUMBER_TYPE

/// `funcref`: a nullable function.
template <> struct WasmType<std::optional<Func>> {
  /// A wasm type.
  static const bool valid = true;
  /// `funcref`.
  static ValType valtype() { return ValType::funcref(); }
  /// Writes the raw funcref (null pointer for none).
  static void store(Store::Context cx, wasmtime_val_raw_t *slot,
                    const std::optional<Func> &func) {
    slot->funcref = func ? wasmtime_func_to_raw(cx.capi(), &func->capi()) : nullptr;
  }
  /// Reads a raw funcref.
  static std::optional<Func> load(Store::Context cx, wasmtime_val_raw_t *slot) {
    if (slot->funcref == nullptr)
      return std::nullopt;
    wasmtime_func_t func;
    wasmtime_func_from_raw(cx.capi(), slot->funcref, &func);
    return Func(func);
  }
};

/// No values.
template <> struct WasmTypeList<std::monostate> {
  /// Valid.
  static const bool valid = true;
  /// No values.
  static const size_t size = 0;
  /// Matches an empty list.
  static bool matches(ValType::ListRef types) { return types.size() == 0; }
  /// Nothing to write.
  static void store(Store::Context, wasmtime_val_raw_t *, const std::monostate &) {}
  /// Nothing to read.
  static std::monostate load(Store::Context, wasmtime_val_raw_t *) {
    return std::monostate();
  }
  /// No types.
  static std::vector<ValType> types() { return {}; }
};

/// One value per tuple element, in order.
template <typename... T> struct WasmTypeList<std::tuple<T...>> {
  /// Valid if every element is a wasm type.
  static const bool valid = (WasmType<T>::valid && ...);
  /// Number of values.
  static const size_t size = sizeof...(T);
  /// Do the element types equal `types`?
  static bool matches(ValType::ListRef types) {
    if (types.size() != size)
      return false;
    const ValType::Ref *it = types.begin();
    return ((WasmType<T>::valtype() == *it++) && ...);
  }
  /// Writes the elements into consecutive slots.
  static void store(Store::Context cx, wasmtime_val_raw_t *slots,
                    const std::tuple<T...> &values) {
    store_each(cx, slots, values, std::index_sequence_for<T...>());
  }
  /// Reads consecutive slots.
  static std::tuple<T...> load(Store::Context cx, wasmtime_val_raw_t *slots) {
    return load_each(cx, slots, std::index_sequence_for<T...>());
  }
  /// The element types.
  static std::vector<ValType> types() { return {WasmType<T>::valtype()...}; }

private:
  template <size_t... I>
  static void store_each(Store::Context cx, wasmtime_val_raw_t *slots,
                         const std::tuple<T...> &values,
                         std::index_sequence<I...>) {
    (void)cx;
    (void)slots;
    (WasmType<T>::store(cx, &slots[I], std::get<I>(values)), ...);
  }
  template <size_t... I>
  static std::tuple<T...> load_each(Store::Context cx, wasmtime_val_raw_t *slots,
                                    std::index_sequence<I...>) {
    (void)cx;
    (void)slots;
    return std::tuple<T...>(WasmType<T>::load(cx, &slots[I])...);
  }
};

/// A host function returning nothing.
template <> struct WasmHostRet<void> {
  /// No results.
  using Results = WasmTypeList<std::tuple<>>;
  /// Calls `f(args...)`.
  template <typename F, typename... A>
  static std::optional<Trap> invoke(F &f, Caller, wasmtime_val_raw_t *,
                                    A &&...args) {
    f(std::forward<A>(args)...);
    return std::nullopt;
  }
};

/// A host function returning `std::monostate`: no results.
template <> struct WasmHostRet<std::monostate> : public WasmHostRet<void> {};

/// A host function that may trap.
template <typename R> struct WasmHostRet<Result<R, Trap>> {
  /// The results of the success value.
  using Results = WasmTypeList<R>;
  /// Calls `f(args...)`; stores its value or returns its trap.
  template <typename F, typename... A>
  static std::optional<Trap> invoke(F &f, Caller cx, wasmtime_val_raw_t *raw,
                                    A &&...args) {
    Result<R, Trap> outcome = f(std::forward<A>(args)...);
    if (!outcome)
      return outcome.err();
    Results::store(cx, raw, outcome.ok_ref());
    return std::nullopt;
  }
};

/// A plain function signature `R(A...)`.
template <typename R, typename... A> struct WasmHostFunc<R (*)(A...)> {
  /// The wasm parameters.
  using Params = WasmTypeList<std::tuple<A...>>;
  /// The wasm results.
  using Results = typename WasmHostRet<R>::Results;
  /// Loads the parameters from `raw`, calls `f` and stores the results.
  template <typename F>
  static std::optional<Trap> invoke(F &f, Caller cx, wasmtime_val_raw_t *raw) {
    std::tuple<A...> params = Params::load(cx, raw);
    return std::apply(
        [&](auto &...p) { return WasmHostRet<R>::invoke(f, cx, raw, p...); },
        params);
  }
};

/// A signature whose first parameter is the Caller.
template <typename R, typename... A>
struct WasmHostFunc<R (*)(Caller, A...)> : public WasmHostFunc<R (*)(A...)> {
  /// Loads the parameters, calls `f(caller, params...)`, stores the results.
  template <typename F>
  static std::optional<Trap> invoke(F &f, Caller cx, wasmtime_val_raw_t *raw) {
    std::tuple<A...> params = WasmTypeList<std::tuple<A...>>::load(cx, raw);
    return std::apply(
        [&](auto &...p) { return WasmHostRet<R>::invoke(f, cx, raw, cx, p...); },
        params);
  }
};

/// Member call operators (lambdas, functors) reduce to plain signatures.
template <typename R, typename C, typename... A>
struct WasmHostFunc<R (C::*)(A...)> : public WasmHostFunc<R (*)(A...)> {};
template <typename R, typename C, typename... A>
struct WasmHostFunc<R (C::*)(A...) const> : public WasmHostFunc<R (*)(A...)> {};
template <typename R, typename C, typename... A>
struct WasmHostFunc<R (C::*)(Caller, A...)>
    : public WasmHostFunc<R (*)(Caller, A...)> {};
template <typename R, typename C, typename... A>
struct WasmHostFunc<R (C::*)(Caller, A...) const>
    : public WasmHostFunc<R (*)(Caller, A...)> {};

/// Any class with a (non-overloaded) call operator.
template <typename T>
struct WasmHostFunc<T, std::void_t<decltype(&T::operator())>>
    : public WasmHostFunc<decltype(&T::operator())> {};

} // namespace detail

template <typename F>
inline wasm_trap_t *Func::raw_callback(void *env, wasmtime_caller_t *caller,
                                       const wasmtime_val_t *args, size_t nargs,
                                       wasmtime_val_t *results,
                                       size_t nresults) {
  static_assert(sizeof(Val) == sizeof(wasmtime_val_t));
  static_assert(alignof(Val) == alignof(wasmtime_val_t));
  // Val is laid out as wasmtime_val_t, so the C arrays can be viewed as
  // arrays of Val; the results start as i32 zeros owned by the caller.
  Span<const Val> params(reinterpret_cast<const Val *>(args), nargs);
  Span<Val> outs(reinterpret_cast<Val *>(results), nresults);
  Result<std::monostate, Trap> outcome =
      (*static_cast<F *>(env))(Caller(caller), params, outs);
  if (!outcome)
    return outcome.err().capi_release();
  return nullptr;
}

template <typename I>
inline TrapResult<std::vector<Val>>
Func::call(Store::Context cx, const I &begin, const I &end) const {
  std::vector<wasmtime_val_t> args;
  for (I it = begin; it != end; ++it)
    args.push_back(it->val);
  size_t nresults = type(cx)->results().size();
  std::vector<wasmtime_val_t> results(nresults);
  wasm_trap_t *trap = nullptr;
  wasmtime_error_t *error = wasmtime_func_call(
      cx.ptr, &func, args.data(), args.size(), results.data(), nresults, &trap);
  if (error != nullptr)
    return TrapError(Error(error));
  if (trap != nullptr)
    return TrapError(Trap(trap));
  // The Vals adopt the results (and the roots of any references in them).
  std::vector<Val> out;
  out.reserve(nresults);
  for (const wasmtime_val_t &result : results)
    out.push_back(Val(result));
  return out;
}

inline TrapResult<std::vector<Val>>
Func::call(Store::Context cx, const std::vector<Val> &params) const {
  return call(cx, params.begin(), params.end());
}

inline TrapResult<std::vector<Val>>
Func::call(Store::Context cx, const std::initializer_list<Val> &params) const {
  return call(cx, params.begin(), params.end());
}

} // namespace wasmtime

#include <wasmtime/extern.hh>
#include <wasmtime/store.hh>
#include <wasmtime/val.hh>

#endif // WASMTIME_FUNC_HH
