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
