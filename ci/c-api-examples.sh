#!/usr/bin/env bash
# Local only: builds Wasmtime 48's own C examples (examples/*.c of the
# release-48.0.0 tag, read straight from a bare mirror of the Wasmtime
# repository, never copied into this repository) against our headers and
# library, runs each, and reports which pass.
#
#   ci/c-api-examples.sh [MIRROR_GIT_DIR]
#
# The default mirror is /work/.mirror/bytecodealliance+wasmtime/repo. The
# WASI example loads target/wasm32-wasip1/debug/wasi.wasm; our
# tests/wasi-programs/hello.wasm stands in for it.
set -uo pipefail
cd "$(dirname "$0")/.."
mirror="${1:-/work/.mirror/bytecodealliance+wasmtime/repo}"
git_show() { git --git-dir="$mirror" show "release-48.0.0:$1"; }
cargo build --quiet -p wasmtime-c-api || exit 1
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib_dir="$target_dir/debug"
work="$target_dir/c-api-examples"
rm -rf "$work" && mkdir -p "$work/examples/wasip1" "$work/target/wasm32-wasip1/debug"
for f in $(git --git-dir="$mirror" ls-tree --name-only release-48.0.0 examples/ | grep -E '\.(c|wat)$'); do
  git_show "$f" > "$work/$f"
done
git_show examples/wasip1/main.c > "$work/examples/wasip1/main.c"
cp tests/wasi-programs/hello.wasm "$work/target/wasm32-wasip1/debug/wasi.wasm"
passed=() failed=()
for src in "$work"/examples/*.c "$work/examples/wasip1/main.c"; do
  name="${src#"$work/examples/"}"; name="${name%.c}"; name="${name//\//-}"
  exe="$work/$name"
  if ! gcc -std=c11 -D_GNU_SOURCE -g -Icrates/c-api/include "$src" -o "$exe" \
      -L"$lib_dir" -lwasmtime -lpthread -Wl,-rpath,"$lib_dir" 2> "$exe.build.log"; then
    failed+=("$name (build: $(grep -m1 -o 'error: .*' "$exe.build.log"))")
    continue
  fi
  if (cd "$work" && timeout 60 "$exe" > "$exe.log" 2>&1); then
    passed+=("$name")
  else
    failed+=("$name (run: $(tail -1 "$exe.log"))")
  fi
done
echo "passed (${#passed[@]}): ${passed[*]}"
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "c-api examples: ${#passed[@]} passed, ${#failed[@]} failed"
