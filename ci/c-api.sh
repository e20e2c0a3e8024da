#!/usr/bin/env bash
# Builds the C API library (crates/c-api) and runs the C and C++ test
# programs in tests/c-api against it, compiled by gcc/g++ with our headers;
# then installs the library into a temporary prefix and builds a small C
# program through pkg-config and through CMake's find_package(wasmtime).
#
#   ci/c-api.sh            # debug build, plain gcc
#   ASAN=1 ci/c-api.sh     # the test programs under AddressSanitizer (+ leak checks)
#
# Under ASAN=1 the test programs are instrumented and LeakSanitizer checks
# the whole process at exit, so leaks of objects our library hands out
# (and does not take back) are reported too; the Rust library itself is
# not instrumented.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p wasmtime-c-api
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib_dir="$target_dir/debug"
out="$target_dir/c-api-tests"
mkdir -p "$out"
flags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -Icrates/c-api/include)
cxxflags=(-std=c++17 -Wall -Wextra -Werror -g -Icrates/c-api/include)
if [ "${ASAN:-0}" = 1 ]; then
  flags+=(-fsanitize=address -fno-omit-frame-pointer)
  cxxflags+=(-fsanitize=address -fno-omit-frame-pointer)
  # Wasm code runs on the same stack with guard pages; ASan must not
  # install its own SIGSEGV handler over the runtime's trap handler.
  export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
passed=0
for test in wasm_h wasm_h_extra wasmtime_h wasi stubs gc_roots gc_objects headers_extra config component component_types component_modules component_maps; do
  gcc "${flags[@]}" "tests/c-api/$test.c" -o "$out/$test" -L"$lib_dir" -lwasmtime -Wl,-rpath,"$lib_dir"
  "$out/$test" tests/wasi-programs
  passed=$((passed + 1))
done
# The C++ API (<wasmtime.hh>).
for test in cpp_api component_cpp; do
  g++ "${cxxflags[@]}" "tests/c-api/$test.cc" -o "$out/$test" -L"$lib_dir" -lwasmtime -lpthread -Wl,-rpath,"$lib_dir"
  "$out/$test" tests/wasi-programs
  passed=$((passed + 1))
done
# The static library links too (with the system libraries Rust needs).
gcc "${flags[@]}" tests/c-api/wasm_h.c -o "$out/wasm_h_static" "$lib_dir/libwasmtime.a" -lpthread -ldl -lm
"$out/wasm_h_static" > /dev/null
passed=$((passed + 1))
# Installed into a prefix, the library is found by pkg-config and by
# CMake's find_package (skipped under ASAN=1: nothing there is instrumented).
if [ "${ASAN:-0}" != 1 ]; then
  for tool in pkg-config cmake g++; do
    command -v "$tool" > /dev/null || { echo "ci/c-api.sh needs $tool (.ci/run installs it)" >&2; exit 1; }
  done
  prefix="$out/prefix" && rm -rf "$prefix"
  crates/c-api/install.sh "$prefix" > /dev/null
  hello="$out/installed-hello.c"
  cat > "$hello" <<'C'
#include <stdio.h>
#include <string.h>
#include <wasmtime.h>
int main(void) {
  wasm_engine_t *engine = wasm_engine_new();
  wasmtime_store_t *store = wasmtime_store_new(engine, NULL, NULL);
  wasmtime_module_t *module = NULL;
  wasm_byte_vec_t wasm;
  const char *wat = "(module (func (export \"f\") (result i32) i32.const 42))";
  if (wasmtime_wat2wasm(wat, strlen(wat), &wasm) != NULL) return 1;
  if (wasmtime_module_new(engine, (uint8_t *)wasm.data, wasm.size, &module) != NULL) return 1;
  wasm_byte_vec_delete(&wasm);
  wasmtime_instance_t instance;
  wasm_trap_t *trap = NULL;
  if (wasmtime_instance_new(wasmtime_store_context(store), module, NULL, 0, &instance, &trap) != NULL || trap) return 1;
  wasmtime_extern_t f;
  if (!wasmtime_instance_export_get(wasmtime_store_context(store), &instance, "f", 1, &f)) return 1;
  wasmtime_val_t result;
  if (wasmtime_func_call(wasmtime_store_context(store), &f.of.func, NULL, 0, &result, 1, &trap) != NULL || trap) return 1;
  printf("%d\n", result.of.i32);
  wasmtime_module_delete(module);
  wasmtime_store_delete(store);
  wasm_engine_delete(engine);
  return 0;
}
C
  # pkg-config, dynamic and (--static) static linking.
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  test "$(pkg-config --modversion wasmtime)" = "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
  gcc -std=c11 -Wall -Werror "$hello" -o "$out/installed-hello-pc" $(pkg-config --cflags --libs wasmtime) -Wl,-rpath,"$prefix/lib"
  test "$("$out/installed-hello-pc")" = 42
  gcc -std=c11 -Wall -Werror "$hello" -o "$out/installed-hello-pc-static" $(pkg-config --cflags wasmtime) \
    "$prefix/lib/libwasmtime.a" $(pkg-config --libs-only-other --static wasmtime) -lpthread -ldl -lm
  test "$("$out/installed-hello-pc-static")" = 42
  # CMake: find_package(wasmtime 48) and the imported target.
  cmake_dir="$out/installed-cmake" && rm -rf "$cmake_dir" && mkdir -p "$cmake_dir/src"
  cp "$hello" "$cmake_dir/src/hello.c"
  cp tests/c-api/cpp_api.cc "$cmake_dir/src/cpp_api.cc"
  cat > "$cmake_dir/src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.12)
project(uses_wasmtime C CXX)
find_package(wasmtime 48 REQUIRED)
add_executable(hello hello.c)
target_link_libraries(hello PRIVATE wasmtime::wasmtime)
add_executable(cpp_api cpp_api.cc)
target_link_libraries(cpp_api PRIVATE wasmtime-cpp)
CMAKE
  cmake -S "$cmake_dir/src" -B "$cmake_dir/build" -DCMAKE_PREFIX_PATH="$prefix" > "$cmake_dir/configure.log"
  cmake --build "$cmake_dir/build" > "$cmake_dir/build.log"
  test "$("$cmake_dir/build/hello")" = 42
  "$cmake_dir/build/cpp_api" tests/wasi-programs > /dev/null
  passed=$((passed + 3))
fi
echo "c-api tests: $passed passed, 0 failed"
