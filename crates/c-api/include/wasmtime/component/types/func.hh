// wasmtime::component::FuncType: the parameters and result of a component
// function.
//
// Part of this project's header-only C++17 layer over the component C API;
// the class and its methods are those of Wasmtime 48's C++ API.

#ifndef WASMTIME_COMPONENT_TYPES_FUNC_HH
#define WASMTIME_COMPONENT_TYPES_FUNC_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL

#include <wasmtime/component/types/func.h>
#include <wasmtime/component/types/val.hh>

namespace wasmtime {
namespace component {

/// The type of a component function.
class FuncType {
  WASMTIME_CXX_CLONED_HANDLE(FuncType, wasmtime_component_func_type,
                             wasmtime_component_func_type_clone)

public:
  /// How many parameters the function takes.
  size_t param_count() const {
    return wasmtime_component_func_type_param_count(capi());
  }

  /// Whether the function is `async`.
  bool async() const { return wasmtime_component_func_type_async(capi()); }

  /// The name and type of parameter `nth`, or nothing past the end.
  std::optional<std::pair<std::string_view, ValType>>
  param_nth(size_t nth) const {
    const char *data = nullptr;
    size_t len = 0;
    wasmtime_component_valtype_t out;
    if (!wasmtime_component_func_type_param_nth(capi(), nth, &data, &len, &out))
      return std::nullopt;
    return std::make_pair(std::string_view(data, len), ValType(std::move(out)));
  }

  /// The result type, if the function returns a value.
  std::optional<ValType> result() const {
    return detail::maybe_valtype([&](wasmtime_component_valtype_t *out) {
      return wasmtime_component_func_type_result(capi(), out);
    });
  }
};

} // namespace component
} // namespace wasmtime

#endif // WASMTIME_FEATURE_COMPONENT_MODEL

#endif // WASMTIME_COMPONENT_TYPES_FUNC_HH
