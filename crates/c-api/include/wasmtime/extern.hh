// Conversions between wasmtime::Extern and the C `wasmtime_extern_t`, and
// Caller::get_export.

#ifndef WASMTIME_EXTERN_HH
#define WASMTIME_EXTERN_HH

#include <wasmtime/extern_declare.hh>
#include <wasmtime/func.hh>
#include <wasmtime/global.hh>
#include <wasmtime/memory.hh>
#include <wasmtime/table.hh>
#include <wasmtime/tag.hh>

namespace wasmtime {
namespace detail {

/// The C++ view of a C extern.
inline Extern cvt_extern(const wasmtime_extern_t &e) {
  switch (e.kind) {
  case WASMTIME_EXTERN_FUNC:
    return Func(e.of.func);
  case WASMTIME_EXTERN_GLOBAL:
    return Global(e.of.global);
  case WASMTIME_EXTERN_MEMORY:
    return Memory(e.of.memory);
  case WASMTIME_EXTERN_TABLE:
    return Table(e.of.table);
  case WASMTIME_EXTERN_TAG:
    return Tag(e.of.tag);
  }
  // Shared memories have no C++ class in Wasmtime 48 either.
  std::fprintf(stderr, "wasmtime: unsupported extern kind %d\n", int(e.kind));
  std::abort();
}

/// The C form of a C++ extern.
inline void cvt_extern(const Extern &e, wasmtime_extern_t &raw) {
  raw = wasmtime_extern_t{};
  std::visit(
      [&raw](const auto &item) {
        using T = std::decay_t<decltype(item)>;
        if constexpr (std::is_same_v<T, Func>) {
          raw.kind = WASMTIME_EXTERN_FUNC;
          raw.of.func = item.capi();
        } else if constexpr (std::is_same_v<T, Global>) {
          raw.kind = WASMTIME_EXTERN_GLOBAL;
          raw.of.global = item.capi();
        } else if constexpr (std::is_same_v<T, Memory>) {
          raw.kind = WASMTIME_EXTERN_MEMORY;
          raw.of.memory = item.capi();
        } else if constexpr (std::is_same_v<T, Table>) {
          raw.kind = WASMTIME_EXTERN_TABLE;
          raw.of.table = item.capi();
        } else {
          raw.kind = WASMTIME_EXTERN_TAG;
          raw.of.tag = item.capi();
        }
      },
      e);
}

} // namespace detail

inline std::optional<Extern> Caller::get_export(std::string_view name) {
  wasmtime_extern_t item;
  if (!wasmtime_caller_export_get(ptr, name.data(), name.size(), &item))
    return std::nullopt;
  return detail::cvt_extern(item);
}

} // namespace wasmtime

#endif // WASMTIME_EXTERN_HH
