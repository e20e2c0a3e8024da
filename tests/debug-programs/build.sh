#!/usr/bin/env bash
# Rebuilds the committed guests of the debugging tests from src/*.c, keeping
# their DWARF (-g; source paths recorded relative to this folder). trap.c
# is built without optimisation so that every function and local stays;
# locals.c with -O1 so that its scalars live in wasm locals.
# Needs Debian's toolchain: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
set -euo pipefail
cd "$(dirname "$0")"
for src in src/*.c; do
    name=$(basename "$src" .c)
    opt=-O0
    [ "$name" = locals ] && opt=-O1
    clang --target=wasm32-wasi --sysroot=/usr -g "$opt" -fdebug-prefix-map="$PWD"=. -Wall -Werror -o "$name.wasm" "$src"
    echo "built $name.wasm"
done
