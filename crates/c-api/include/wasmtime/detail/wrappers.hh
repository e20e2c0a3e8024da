// Internal building blocks shared by the C++ classes of <wasmtime.hh>.
//
// Part of this project's independent, header-only C++17 layer over the
// Wasmtime 48 C API. Every class wraps one C handle; the macros below give
// the handle-owning classes their common members (`Raw`, `capi()`,
// `capi_release()`, `from_capi`) with the same meaning as in Wasmtime.

#ifndef WASMTIME_DETAIL_WRAPPERS_HH
#define WASMTIME_DETAIL_WRAPPERS_HH

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <wasi.h>
#include <wasmtime.h>

namespace wasmtime {
namespace detail {

// Deletes an owned C handle with the C API's matching `*_delete`.
template <typename T, void (*Delete)(T *)> struct HandleDeleter {
  void operator()(T *handle) const {
    if (handle != nullptr)
      Delete(handle);
  }
};

// Copies the bytes of a C byte vector into a string.
inline std::string bytes_to_string(const wasm_byte_vec_t &bytes) {
  return std::string(bytes.data, bytes.size);
}

} // namespace detail
} // namespace wasmtime

// A class that owns one heap-allocated C object of type `prefix##_t`,
// deleted with `prefix##_delete`. Movable, not copyable.
#define WASMTIME_CXX_OWNED_HANDLE(Class, prefix)                               \
public:                                                                        \
  /** The C type this class owns. */                                           \
  using Raw = prefix##_t;                                                      \
                                                                               \
private:                                                                       \
  std::unique_ptr<Raw, ::wasmtime::detail::HandleDeleter<Raw, prefix##_delete>> \
      ptr;                                                                     \
                                                                               \
public:                                                                        \
  /** Adopts `raw`; this object deletes it. */                                 \
  explicit Class(Raw *raw) : ptr(raw) {}                                       \
  ~Class() = default;                                                          \
  /** Moves ownership out of `other`. */                                       \
  Class(Class &&other) = default;                                              \
  /** Moves ownership out of `other`. */                                       \
  Class &operator=(Class &&other) = default;                                   \
  /** The owned C object. */                                                   \
  const Raw *capi() const { return ptr.get(); }                                \
  /** The owned C object. */                                                   \
  Raw *capi() { return ptr.get(); }                                            \
  /** Gives up ownership and returns the C object. */                          \
  Raw *capi_release() { return ptr.release(); }                                \
  /** Views a borrowed C pointer as this class (no ownership change). */       \
  static const Class *from_capi(Raw *const *capi) {                            \
    static_assert(sizeof(Class) == sizeof(void *));                            \
    return reinterpret_cast<const Class *>(capi);                              \
  }

// As above, plus copying through the C function `clone_fn`.
#define WASMTIME_CXX_CLONED_HANDLE(Class, prefix, clone_fn)                    \
  WASMTIME_CXX_OWNED_HANDLE(Class, prefix)                                     \
public:                                                                        \
  /** Copies through the C API's clone function. */                           \
  Class(const Class &other)                                                    \
      : ptr(other.ptr ? clone_fn(other.ptr.get()) : nullptr) {}                \
  /** Copies through the C API's clone function. */                           \
  Class &operator=(const Class &other) {                                       \
    if (this != &other)                                                        \
      ptr.reset(other.ptr ? clone_fn(other.ptr.get()) : nullptr);             \
    return *this;                                                              \
  }

// As WASMTIME_CXX_CLONED_HANDLE with `prefix##_clone`, plus `==`/`!=`
// through the C function `prefix##_equal`.
#define WASMTIME_CXX_COMPARED_HANDLE(Class, prefix)                            \
  WASMTIME_CXX_CLONED_HANDLE(Class, prefix, prefix##_clone)                    \
public:                                                                        \
  /** True when both describe the same thing (per the C API). */               \
  bool operator==(const Class &other) const {                                  \
    return prefix##_equal(ptr.get(), other.ptr.get());                         \
  }                                                                            \
  /** The negation of `==`. */                                                 \
  bool operator!=(const Class &other) const { return !(*this == other); }

// A GC reference held by value (`prefix##_t`): copies clone the root,
// destruction unroots it, a moved-from object holds null.
#define WASMTIME_CXX_GC_REF(Class, prefix)                                     \
public:                                                                        \
  /** The C value type this class holds. */                                    \
  using Raw = prefix##_t;                                                      \
                                                                               \
private:                                                                       \
  Raw raw;                                                                     \
                                                                               \
public:                                                                        \
  /** Adopts the rooted reference `raw`. */                                    \
  explicit Class(Raw raw) : raw(raw) {}                                        \
  /** Roots another copy of `other`'s reference. */                            \
  Class(const Class &other) { prefix##_clone(&other.raw, &raw); }             \
  /** Roots another copy of `other`'s reference. */                            \
  Class &operator=(const Class &other) {                                       \
    if (this != &other) {                                                      \
      prefix##_unroot(&raw);                                                   \
      prefix##_clone(&other.raw, &raw);                                        \
    }                                                                          \
    return *this;                                                              \
  }                                                                            \
  /** Takes `other`'s reference, leaving it null. */                           \
  Class(Class &&other) : raw(other.raw) { prefix##_set_null(&other.raw); }    \
  /** Takes `other`'s reference, leaving it null. */                           \
  Class &operator=(Class &&other) {                                            \
    if (this != &other) {                                                      \
      prefix##_unroot(&raw);                                                   \
      raw = other.raw;                                                         \
      prefix##_set_null(&other.raw);                                           \
    }                                                                          \
    return *this;                                                              \
  }                                                                            \
  ~Class() { prefix##_unroot(&raw); }                                          \
  /** The held C value. */                                                     \
  const Raw *capi() const { return &raw; }                                     \
  /** The held C value. */                                                     \
  Raw *capi() { return &raw; }

// A top-of-hierarchy GC reference that also converts to the raw 32-bit
// form used by unchecked calls.
#define WASMTIME_CXX_TOP_GC_REF(Class, prefix)                                 \
  WASMTIME_CXX_GC_REF(Class, prefix)                                           \
  /** Hands this reference over as a raw value; this object becomes null. */   \
  uint32_t take_raw(Store::Context cx) {                                       \
    uint32_t bits = prefix##_to_raw(cx.capi(), &raw);                          \
    prefix##_set_null(&raw);                                                   \
    return bits;                                                               \
  }                                                                            \
  /** The raw value of this reference; this object keeps its root. */          \
  uint32_t borrow_raw(Store::Context cx) const {                               \
    return prefix##_to_raw(cx.capi(), &raw);                                   \
  }

#endif // WASMTIME_DETAIL_WRAPPERS_HH
