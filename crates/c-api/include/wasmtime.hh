/*
 * The C++ API of Wasmtime 48: a header-only C++17 layer over the C API
 * (wasmtime.h) in namespace `wasmtime`.
 *
 * Part of this project's independent implementation (crates/c-api). The
 * classes, methods and their semantics follow Wasmtime 48's <wasmtime.hh>
 * so that C++ programs written for it build unchanged; the code is this
 * project's own. Link with -lwasmtime.
 */

#ifndef WASMTIME_HH
#define WASMTIME_HH

#include <wasmtime/anyref.hh>
#include <wasmtime/arrayref.hh>
#include <wasmtime/config.hh>
#include <wasmtime/engine.hh>
#include <wasmtime/eqref.hh>
#include <wasmtime/error.hh>
#include <wasmtime/exnref.hh>
#include <wasmtime/extern.hh>
#include <wasmtime/externref.hh>
#include <wasmtime/func.hh>
#include <wasmtime/global.hh>
#include <wasmtime/instance.hh>
#include <wasmtime/linker.hh>
#include <wasmtime/memory.hh>
#include <wasmtime/module.hh>
#include <wasmtime/store.hh>
#include <wasmtime/structref.hh>
#include <wasmtime/table.hh>
#include <wasmtime/tag.hh>
#include <wasmtime/trap.hh>
#include <wasmtime/types.hh>
#include <wasmtime/val.hh>
#include <wasmtime/wasi.hh>
#include <wasmtime/wat.hh>

#endif // WASMTIME_HH
