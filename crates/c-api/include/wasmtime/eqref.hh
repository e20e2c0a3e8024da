// wasmtime::EqRef (a GC-proposal reference; see detail/refs.hh).

#ifndef WASMTIME_EQREF_HH
#define WASMTIME_EQREF_HH

#include <wasmtime/detail/refs.hh>
#include <wasmtime/val.hh>

#endif // WASMTIME_EQREF_HH
