// wasmtime::Error (an owned `wasmtime_error_t`) and wasmtime::Result<T, E>,
// the success-or-error value every fallible call returns.

#ifndef WASMTIME_ERROR_HH
#define WASMTIME_ERROR_HH

#include <ostream>
#include <wasmtime/detail/wrappers.hh>

namespace wasmtime {

class Trace;

/// An error from Wasmtime: a message, maybe a WASI exit status and a wasm
/// backtrace.
class Error {
  WASMTIME_CXX_OWNED_HANDLE(Error, wasmtime_error)

public:
  /// A new error carrying `s` as its message.
  Error(const std::string &s) : ptr(wasmtime_error_new(s.c_str())) {}

  /// The error's message (with its causes, as the C API formats them).
  std::string message() const {
    wasm_byte_vec_t bytes;
    wasmtime_error_message(ptr.get(), &bytes);
    std::string text = detail::bytes_to_string(bytes);
    wasm_byte_vec_delete(&bytes);
    return text;
  }

  /// The exit status if this error is a WASI `proc_exit`.
  std::optional<int32_t> i32_exit() const {
    int32_t status = 0;
    if (!wasmtime_error_exit_status(ptr.get(), &status))
      return std::nullopt;
    return status;
  }

  /// The wasm frames active when the error happened (maybe empty).
  Trace trace() const;
};

/// Writes the error's message.
inline std::ostream &operator<<(std::ostream &os, const Error &e) {
  return os << e.message();
}

/// Either a `T` (success) or an `E` (failure).
template <typename T, typename E = Error> class [[nodiscard]] Result {
  std::variant<T, E> value;

public:
  /// A successful result.
  Result(T t) : value(std::in_place_index<0>, std::move(t)) {}
  /// A failed result.
  Result(E e) : value(std::in_place_index<1>, std::move(e)) {}

  /// True on success.
  explicit operator bool() const { return value.index() == 0; }

  /// Moves the error out (throws std::bad_variant_access on success).
  E &&err() { return std::get<1>(std::move(value)); }
  /// Moves the error out (throws std::bad_variant_access on success).
  const E &&err() const { return std::get<1>(std::move(value)); }
  /// Moves the value out (throws std::bad_variant_access on failure).
  T &&ok() { return std::get<0>(std::move(value)); }
  /// Moves the value out (throws std::bad_variant_access on failure).
  const T &&ok() const { return std::get<0>(std::move(value)); }
  /// The value, in place.
  T &ok_ref() { return std::get<0>(value); }
  /// The value, in place.
  const T &ok_ref() const { return std::get<0>(value); }
  /// The error, in place.
  E &err_ref() { return std::get<1>(value); }
  /// The error, in place.
  const E &err_ref() const { return std::get<1>(value); }

  /// The value; on failure prints the error's message and aborts.
  T unwrap() {
    if (value.index() != 0) {
      std::fprintf(stderr, "error: %s\n", err_ref().message().c_str());
      std::abort();
    }
    return ok();
  }
};

} // namespace wasmtime

#include <wasmtime/trap.hh>

#endif // WASMTIME_ERROR_HH
