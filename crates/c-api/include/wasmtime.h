/*
 * Everything of the Wasmtime C API in one include: the standard wasm.h plus the wasmtime_* extensions.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_API_H
#define WASMTIME_API_H

#include <wasi.h>
#include <wasmtime/conf.h>

#include <wasmtime/anyref.h>
#include <wasmtime/arrayref.h>
#include <wasmtime/async.h>
#include <wasmtime/component.h>
#include <wasmtime/config.h>
#include <wasmtime/engine.h>
#include <wasmtime/eqref.h>
#include <wasmtime/error.h>
#include <wasmtime/exnref.h>
#include <wasmtime/extern.h>
#include <wasmtime/externref.h>
#include <wasmtime/func.h>
#include <wasmtime/global.h>
#include <wasmtime/instance.h>
#include <wasmtime/linker.h>
#include <wasmtime/memory.h>
#include <wasmtime/module.h>
#include <wasmtime/profiling.h>
#include <wasmtime/sharedmemory.h>
#include <wasmtime/store.h>
#include <wasmtime/structref.h>
#include <wasmtime/table.h>
#include <wasmtime/tag.h>
#include <wasmtime/trap.h>
#include <wasmtime/types.h>
#include <wasmtime/val.h>
#include <wasmtime/wat.h>

#define WASMTIME_VERSION "48.0.0"

#define WASMTIME_VERSION_MAJOR 48

#define WASMTIME_VERSION_MINOR 0

#define WASMTIME_VERSION_PATCH 0

#endif
