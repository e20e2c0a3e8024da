#!/usr/bin/env bash
# Local only: runs the test suite of the Python binding (`wasmtime` 48.0.0
# from PyPI, with its bundled `_libwasmtime.so` replaced by our
# libwasmtime.so) against our C API. The tests are those of the same
# release, read from its source distribution on PyPI (never copied into
# this repository); with a directory argument they come from there instead
# (for example a wasmtime-py checkout's `tests`). Needs pip, curl and
# pytest. PYTEST_ARGS picks the tests (default: all of `tests`, component
# model tests included).
#
#   ci/c-api-python.sh [TESTS_DIR]
#   PYTEST_ARGS=tests/component ci/c-api-python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tests_dir="${1:-}"
cargo build --quiet -p wasmtime-c-api
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
work="$target_dir/c-api-python"
rm -rf "$work" && mkdir -p "$work/pkg"
pip download --quiet --no-deps wasmtime==48.0.0 -d "$work"
python3 -m zipfile -e "$work"/wasmtime-48.0.0-*.whl "$work/pkg"
cp "$target_dir/debug/libwasmtime.so" "$work/pkg/wasmtime/linux-x86_64/_libwasmtime.so"
if [ -z "$tests_dir" ]; then
  # pip cannot fetch the sdist without building it (its metadata does not
  # build), so its address comes from the package index page pip reads.
  url="$(curl -sSf https://pypi.org/simple/wasmtime/ |
    grep -o 'https://[^"#]*/wasmtime-48\.0\.0\.tar\.gz' | head -1)"
  curl -sSfL "$url" -o "$work/sdist.tar.gz"
  tar xzf "$work/sdist.tar.gz" -C "$work"
  tests_dir="$work/wasmtime-48.0.0/tests"
fi
cp -r "$tests_dir" "$work/pkg/tests"
cd "$work/pkg"
PYTHONPATH=. python3 -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-tests}
