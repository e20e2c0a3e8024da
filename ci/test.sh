#!/usr/bin/env bash
# The whole test suite: README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
# The spec suite again with the pooling instance allocator.
WAST_POOLING=1 cargo test -p wasmtime-tests --test wast
# And without signal handlers (explicit checks for every trap; the runner
# also checks that no signal handler was installed), with fuel and epoch
# instrumentation on.
WAST_SIGNALS=0 WAST_FUEL_EPOCHS=1 cargo test -p wasmtime-tests --test wast
# And with the fast tier (`Strategy::Winch`: no optimisations, single-pass
# register allocation).
WAST_COMPILER=winch cargo test -p wasmtime-tests --test wast
cargo test --workspace --doc
cargo run --quiet --example hello
test "$(cargo run --quiet -p wasmtime-cli -- run --invoke fib examples/fib.wat 20)" = 6765
test "$(cargo run --quiet -p wasmtime-cli -- run tests/wasi-programs/hello.wasm)" = "Hello, world!"
# A downstream project written for Wasmtime 48 (`wasmtime = "48"` from
# crates.io) switched to these crates with `[patch.crates-io]` alone.
test "$(CARGO_TARGET_DIR=target cargo run --quiet --manifest-path tests/wasmtime48-compat/Cargo.toml | tail -1)" = ok
echo "examples: 4 passed, 0 failed"
# The C API: C test programs against libwasmtime.so/.a, plain and under
# AddressSanitizer (with leak checks).
./ci/c-api.sh
ASAN=1 ./ci/c-api.sh
# Feature combinations of the `wasmtime` crate: each feature alone on top of
# `runtime` or `cranelift` (cargo check only), then a compile-only build
# (no `wasmtime-runtime`) precompiles a module that a runtime-only build (no
# Cranelift) runs.
for features in runtime cranelift cranelift,wat cranelift,cache cranelift,parallel-compilation \
  cranelift,signals-based-traps runtime,cache runtime,wat runtime,pooling-allocator \
  runtime,call-hook runtime,signals-based-traps runtime,threads runtime,memory-protection-keys \
  runtime,async runtime,component-model runtime,component-model-async runtime,cranelift cranelift,all-arch \
  runtime,addr2line runtime,coredump runtime,profiling cranelift,demangle; do
  cargo check --quiet -p wasmtime --no-default-features --features "$features"
done
if cargo tree -p wasmtime --no-default-features --features cranelift -e normal | grep -q wasmtime-runtime; then
  echo "compile-only build depends on wasmtime-runtime"; exit 1
fi
cargo run --quiet -p wasmtime --no-default-features --features cranelift,wat,signals-based-traps \
  --example precompile -- crates/wasmtime/examples/double.wat target/double-compile-only.cwasm
test "$(cargo run --quiet -p wasmtime --no-default-features --features runtime,signals-based-traps \
  --example run_precompiled -- target/double-compile-only.cwasm quad 10)" = 45
cargo run --quiet -p wasmtime-cli -- compile crates/wasmtime/examples/double.wat -o target/double.cwasm
# The CLI compiles with the default proposals, threads among them, so the
# runtime-only build that loads its artifact needs the `threads` feature.
test "$(cargo run --quiet -p wasmtime --no-default-features --features runtime,signals-based-traps,threads \
  --example run_precompiled -- target/double.cwasm quad 10)" = 45
echo "feature builds: 2 passed, 0 failed"
