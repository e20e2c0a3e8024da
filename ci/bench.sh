#!/usr/bin/env bash
# Core performance benchmarks of our `wasmtime` crate: compile time, host<->wasm
# call overheads and the compute kernels of ci/bench-kernels/, each as a ratio
# against a baseline measured in the same process (see benches/core/main.rs).
#
# Usage: ci/bench.sh [FILTER] [--quick]
#   FILTER   only rows whose name contains FILTER (e.g. `kernel`, `call`)
#   --quick  3 samples per row instead of 11
# To compare against the reference Wasmtime CLI, see ci/bench-compare.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench core --no-run
cargo bench --bench core -- "$@"
