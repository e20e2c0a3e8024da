#!/usr/bin/env bash
# Local only: runs the test suite of the Python binding (`wasmtime` 48.0.0
# from PyPI, with its bundled `_libwasmtime.so` replaced by our
# libwasmtime.so) against our C API. The tests come from a bare mirror of
# the wasmtime-py repository (never copied into this repository). Needs
# pip and pytest. PYTEST_ARGS picks the tests (default: all of `tests`,
# component model tests included).
#
#   ci/c-api-python.sh [WASMTIME_PY_MIRROR_GIT_DIR]
#   PYTEST_ARGS=tests/component ci/c-api-python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mirror="${1:-/work/.mirror/bytecodealliance+wasmtime-py/repo}"
cargo build --quiet -p wasmtime-c-api
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
work="$target_dir/c-api-python"
rm -rf "$work" && mkdir -p "$work/pkg"
pip download --quiet --no-deps wasmtime==48.0.0 -d "$work"
python3 -m zipfile -e "$work"/wasmtime-48.0.0-*.whl "$work/pkg"
cp "$target_dir/debug/libwasmtime.so" "$work/pkg/wasmtime/linux-x86_64/_libwasmtime.so"
git --git-dir="$mirror" archive HEAD tests | tar x -C "$work/pkg"
cd "$work/pkg"
PYTHONPATH=. python3 -m pytest -q ${PYTEST_ARGS:-tests}
