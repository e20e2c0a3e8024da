#!/usr/bin/env bash
# Rebuilds the committed .wasm test programs from src/*.c with Debian's
# toolchain. Needs: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
set -euo pipefail
cd "$(dirname "$0")"
for src in src/*.c; do
    name=$(basename "$src" .c)
    clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror -Wl,--strip-debug -o "$name.wasm" "$src"
    echo "built $name.wasm"
done
