#!/usr/bin/env bash
# The whole test suite: README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p wasmtime-environ -p wasmtime-runtime -p wasmtime -p wasmtime-wast --all-targets
cargo test -p wasmtime-cranelift --lib --test compile_spec
cargo test -p wasmtime-tests --test all --test wast
cargo test -p wasmtime --doc
cargo run --quiet --example hello
