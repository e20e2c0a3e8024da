// The component-model part of the C++ API: every `wasmtime/component/*.hh`
// (classes in namespace wasmtime::component). Each declares nothing unless
// <wasmtime/conf.h> defines WASMTIME_FEATURE_COMPONENT_MODEL.

#ifndef WASMTIME_COMPONENT_HH
#define WASMTIME_COMPONENT_HH

#include <wasmtime/component/component.hh>
#include <wasmtime/component/func.hh>
#include <wasmtime/component/instance.hh>
#include <wasmtime/component/linker.hh>
#include <wasmtime/component/types.hh>
#include <wasmtime/component/val.hh>

#endif // WASMTIME_COMPONENT_HH
