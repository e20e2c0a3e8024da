// wasmtime::wat2wasm: the WebAssembly text format to binary.

#ifndef WASMTIME_WAT_HH
#define WASMTIME_WAT_HH

#include <wasmtime/error.hh>
#include <wasmtime/span.hh>

namespace wasmtime {

#ifdef WASMTIME_FEATURE_WAT
/// Parses `wat` (text format) into a binary module, or an error naming the
/// parse failure.
inline Result<std::vector<uint8_t>> wat2wasm(std::string_view wat) {
  wasm_byte_vec_t bytes;
  wasmtime_error_t *error = wasmtime_wat2wasm(wat.data(), wat.size(), &bytes);
  if (error != nullptr)
    return Error(error);
  const uint8_t *first = reinterpret_cast<const uint8_t *>(bytes.data);
  std::vector<uint8_t> wasm(first, first + bytes.size);
  wasm_byte_vec_delete(&bytes);
  return wasm;
}
#endif // WASMTIME_FEATURE_WAT

} // namespace wasmtime

#endif // WASMTIME_WAT_HH
