// wasmtime::StructRef (a GC-proposal reference; see detail/refs.hh).

#ifndef WASMTIME_STRUCTREF_HH
#define WASMTIME_STRUCTREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

#endif // WASMTIME_STRUCTREF_HH
