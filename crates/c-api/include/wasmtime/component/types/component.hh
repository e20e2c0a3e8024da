// The component types of the component C++ API (wasmtime::component::ComponentType,
// with ComponentItem): defined together in <wasmtime/detail/component_items.hh>.

#ifndef WASMTIME_COMPONENT_TYPES_COMPONENT_HH
#define WASMTIME_COMPONENT_TYPES_COMPONENT_HH

#include <wasmtime/detail/component_items.hh>

#endif // WASMTIME_COMPONENT_TYPES_COMPONENT_HH
