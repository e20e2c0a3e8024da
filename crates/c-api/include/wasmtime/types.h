/*
 * Wasmtime C API: declarations of the "types" topic.
 *
 * Part of this project's independent implementation of the Wasmtime 48 C API
 * (crates/c-api); the declarations match Wasmtime 48 so that programs and
 * bindings written for it build and link unchanged.
 */

#ifndef WASMTIME_TYPES_H
#define WASMTIME_TYPES_H

#include <wasmtime/types/arrayref.h>
#include <wasmtime/types/exnref.h>
#include <wasmtime/types/structref.h>
#include <wasmtime/types/val.h>

#endif
