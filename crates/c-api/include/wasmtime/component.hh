// The component-model part of the C++ API.
//
// As in a Wasmtime build without the component model, this header declares
// nothing unless <wasmtime/conf.h> defines WASMTIME_FEATURE_COMPONENT_MODEL,
// which this library does not yet do (its component C API is still a set of
// stubs). The C++ component classes (`wasmtime::component::Component`,
// `Linker`, `Instance`, `Func`, `Val`, ...) are to come with that C API.

#ifndef WASMTIME_COMPONENT_HH
#define WASMTIME_COMPONENT_HH

#include <wasmtime/conf.h>

#ifdef WASMTIME_FEATURE_COMPONENT_MODEL
#error "the component-model C++ classes are not implemented yet"
#endif

#endif // WASMTIME_COMPONENT_HH
