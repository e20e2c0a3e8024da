#!/usr/bin/env bash
# Rebuilds the committed guests of the debugging tests from src/*.c, keeping
# their DWARF (-g, no optimisation so that every function and local stays;
# source paths recorded relative to this folder).
# Needs Debian's toolchain: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
set -euo pipefail
cd "$(dirname "$0")"
for src in src/*.c; do
    name=$(basename "$src" .c)
    clang --target=wasm32-wasi --sysroot=/usr -g -O0 -fdebug-prefix-map="$PWD"=. -Wall -Werror -o "$name.wasm" "$src"
    echo "built $name.wasm"
done
