#!/usr/bin/env bash
# The whole test suite: README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --all-targets
# The spec suite again with the pooling instance allocator.
WAST_POOLING=1 cargo test -p wasmtime-tests --test wast
cargo test --workspace --doc
cargo run --quiet --example hello
test "$(cargo run --quiet -p wasmtime-cli -- run --invoke fib examples/fib.wat 20)" = 6765
test "$(cargo run --quiet -p wasmtime-cli -- run tests/wasi-programs/hello.wasm)" = "Hello, world!"
echo "examples: 3 passed, 0 failed"
# Runtime-only build (no Cranelift): runs an artifact from `wasmtime compile`.
cargo build --quiet -p wasmtime --no-default-features --features runtime
cargo check --quiet -p wasmtime --no-default-features --features runtime,cranelift
cargo run --quiet -p wasmtime-cli -- compile crates/wasmtime/examples/double.wat -o target/double.cwasm
test "$(cargo run --quiet -p wasmtime --no-default-features --features runtime,signals-based-traps \
  --example run_precompiled -- target/double.cwasm quad 10)" = 45
echo "runtime-only: 1 passed, 0 failed"
