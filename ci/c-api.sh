#!/usr/bin/env bash
# Builds the C API library (crates/c-api) and runs the C test programs in
# tests/c-api against it, compiled by gcc with our headers.
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
if [ "${ASAN:-0}" = 1 ]; then
  flags+=(-fsanitize=address -fno-omit-frame-pointer)
  # Wasm code runs on the same stack with guard pages; ASan must not
  # install its own SIGSEGV handler over the runtime's trap handler.
  export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
passed=0
for test in wasm_h wasmtime_h wasi stubs; do
  gcc "${flags[@]}" "tests/c-api/$test.c" -o "$out/$test" -L"$lib_dir" -lwasmtime -Wl,-rpath,"$lib_dir"
  "$out/$test" tests/wasi-programs
  passed=$((passed + 1))
done
# The static library links too (with the system libraries Rust needs).
gcc "${flags[@]}" tests/c-api/wasm_h.c -o "$out/wasm_h_static" "$lib_dir/libwasmtime.a" -lpthread -ldl -lm
"$out/wasm_h_static" > /dev/null
echo "c-api tests: $((passed + 1)) passed, 0 failed"
