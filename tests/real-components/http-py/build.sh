#!/bin/sh
# Builds http-py.wasm, a wasi:http/proxy component written in Python, with
# componentize-py (`pip install componentize-py`). The output is not
# committed; the `serve` tests skip when it is missing.
set -e
cd "$(dirname "$0")"
WIT=../../../crates/wasi-http/wit
rm -rf bindings
componentize-py -d "$WIT" -w wasi:http/proxy@0.2.12 bindings bindings
componentize-py -d "$WIT" -w wasi:http/proxy@0.2.12 componentize -p bindings -p . app -o http-py.wasm
echo "built $(pwd)/http-py.wasm"
