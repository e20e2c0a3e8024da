// wasmtime::ArrayRef (a GC-proposal reference; see detail/refs.hh).

#ifndef WASMTIME_ARRAYREF_HH
#define WASMTIME_ARRAYREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

#endif // WASMTIME_ARRAYREF_HH
