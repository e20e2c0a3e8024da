// Internal: the Store class and Store::Context (finished in store.hh once
// Caller and ExnRef exist).

#ifndef WASMTIME_DETAIL_STORE_HH
#define WASMTIME_DETAIL_STORE_HH

#include <any>
#include <type_traits>
#include <wasmtime/engine.hh>
#include <wasmtime/error.hh>
#include <wasmtime/wasi.hh>

namespace wasmtime {

class Caller;
class ExnRef;
class Trap;

/// What to do after an epoch-deadline callback returns.
enum class DeadlineKind {
  /// Keep running with the new deadline.
  Continue = WASMTIME_UPDATE_DEADLINE_CONTINUE,
  /// Yield to the async caller, then keep running.
  Yield = WASMTIME_UPDATE_DEADLINE_YIELD,
};

/// A collection of wasm instances and host objects, with one `std::any`
/// of host data. Everything made in a store lives until the store dies.
class Store {
  WASMTIME_CXX_OWNED_HANDLE(Store, wasmtime_store)

  // Frees the store's host data (a heap `std::any`, maybe null).
  static void drop_data(void *data) { delete static_cast<std::any *>(data); }

public:
  /// An empty store using `engine`.
  explicit Store(Engine &engine)
      : ptr(wasmtime_store_new(engine.capi(), nullptr, &Store::drop_data)) {}

  /// A borrowed handle to a store, passed to every operation on objects
  /// inside it. Made implicitly from a `Store` or a `Caller`.
  class Context {
    friend class Global;
    friend class Table;
    friend class Memory;
    friend class Func;
    friend class Instance;
    friend class Linker;
    friend class Val;
    friend class Store;
    friend class Tag;
    wasmtime_context_t *ptr;

  public:
    /// Wraps a C context.
    explicit Context(wasmtime_context_t *ptr) : ptr(ptr) {}
    /// The context of `store`.
    Context(Store &store) : Context(wasmtime_store_context(store.ptr.get())) {}
    /// The context of `*store`.
    Context(Store *store) : Context(*store) {}
    /// The context of the store a host function was called in.
    Context(Caller &caller);
    /// The context of the store a host function was called in.
    Context(Caller *caller);

#ifdef WASMTIME_FEATURE_GC
    /// Runs a garbage collection.
    Result<std::monostate> gc() { return check(wasmtime_context_gc(ptr)); }
#endif

    /// Sets the fuel left (needs `Config::consume_fuel`).
    Result<std::monostate> set_fuel(uint64_t fuel) {
      return check(wasmtime_context_set_fuel(ptr, fuel));
    }
    /// The fuel left (needs `Config::consume_fuel`).
    Result<uint64_t> get_fuel() const {
      uint64_t fuel = 0;
      if (wasmtime_error_t *error = wasmtime_context_get_fuel(ptr, &fuel))
        return Error(error);
      return fuel;
    }

    /// Replaces the store's host data.
    void set_data(std::any data) const {
      drop_data(wasmtime_context_get_data(ptr));
      wasmtime_context_set_data(ptr, new std::any(std::move(data)));
    }
    /// The store's host data (an empty `std::any` until `set_data`).
    std::any &get_data() const {
      void *data = wasmtime_context_get_data(ptr);
      if (data == nullptr) {
        data = new std::any();
        wasmtime_context_set_data(ptr, data);
      }
      return *static_cast<std::any *>(data);
    }

#ifdef WASMTIME_FEATURE_WASI
    /// Gives the store a WASI context (consumes `config`).
    Result<std::monostate> set_wasi(WasiConfig config) {
      return check(wasmtime_context_set_wasi(ptr, config.capi_release()));
    }
#endif

    /// Sets the epoch deadline `ticks_beyond_current` increments ahead.
    void set_epoch_deadline(uint64_t ticks_beyond_current) {
      wasmtime_context_set_epoch_deadline(ptr, ticks_beyond_current);
    }

#ifdef WASMTIME_FEATURE_GC
    /// Makes `exn` the pending exception; return the result from a host
    /// function to throw it into wasm.
    inline Trap throw_exception(ExnRef exn);
    /// Takes the pending exception, if any.
    inline std::optional<ExnRef> take_exception();
    /// Is an exception pending?
    inline bool has_exception();
#endif

    /// The C context.
    const wasmtime_context_t *capi() const { return ptr; }
    /// The C context.
    wasmtime_context_t *capi() { return ptr; }

  private:
    static Result<std::monostate> check(wasmtime_error_t *error) {
      if (error != nullptr)
        return Error(error);
      return std::monostate();
    }
  };

  /// Limits what wasm in this store may allocate; negative means no limit.
  void limiter(int64_t memory_size, int64_t table_elements, int64_t instances,
               int64_t tables, int64_t memories) {
    wasmtime_store_limiter(ptr.get(), memory_size, table_elements, instances,
                           tables, memories);
  }

  /// Calls `f(context, delta)` when wasm reaches the epoch deadline; it sets
  /// `delta` (the next deadline) and returns what to do, or an error to
  /// trap.
  template <typename F,
            std::enable_if_t<std::is_invocable_r_v<Result<DeadlineKind>, F,
                                                   Context, uint64_t &>,
                             bool> = true>
  void epoch_deadline_callback(F &&f) {
    using Fn = std::decay_t<F>;
    wasmtime_store_epoch_deadline_callback(
        ptr.get(), &Store::on_epoch_deadline<Fn>, new Fn(std::forward<F>(f)),
        &Store::drop_callback<Fn>);
  }

  /// This store's context.
  Context context() { return this; }

#ifdef WASMTIME_FEATURE_GC
  /// Runs a garbage collection.
  Result<std::monostate> gc() { return context().gc(); }
#endif

private:
  template <typename F> static void drop_callback(void *data) {
    delete static_cast<F *>(data);
  }

  template <typename F>
  static wasmtime_error_t *on_epoch_deadline(wasmtime_context_t *cx, void *data,
                                             uint64_t *delta,
                                             wasmtime_update_deadline_kind_t *kind) {
    Result<DeadlineKind> outcome = (*static_cast<F *>(data))(Context(cx), *delta);
    if (!outcome)
      return outcome.err().capi_release();
    *kind = static_cast<wasmtime_update_deadline_kind_t>(outcome.ok());
    return nullptr;
  }
};

} // namespace wasmtime

#endif // WASMTIME_DETAIL_STORE_HH
