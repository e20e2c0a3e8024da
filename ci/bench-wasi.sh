#!/usr/bin/env bash
# WASI benchmarks against the reference `wasmtime` CLI (a script, not a
# timed test):
#   1. process start-to-exit of tests/wasi-programs/hello.wasm (median of N runs)
#   2. a guest copying a 100 MB file through fd_read/fd_write (copy.wasm)
# Usage: ci/bench-wasi.sh [REFERENCE_WASMTIME]   (default: ~/.cargo/bin/wasmtime)
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${1:-$HOME/.cargo/bin/wasmtime}
OURS=target/release/wasmtime
RUNS=${RUNS:-30}
cargo build --quiet --release -p wasmtime-cli
if [ ! -x "$REF" ]; then
    echo "reference wasmtime not found at $REF" >&2
    exit 1
fi

# Median wall time in milliseconds of RUNS runs of "$@".
median_ms() {
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" > /dev/null
        t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a/b}'; }

HELLO=tests/wasi-programs/hello.wasm
# Both CLIs keep compiled code in an on-disk cache by default; the first
# runs warm the page cache and fill the compilation caches. `-C cache=n`
# compiles on every run.
"$OURS" run "$HELLO" > /dev/null
"$REF" run "$HELLO" > /dev/null
for flags in "" "-C cache=n"; do
    # shellcheck disable=SC2086
    ours=$(median_ms "$OURS" run $flags "$HELLO")
    # shellcheck disable=SC2086
    ref=$(median_ms "$REF" run $flags "$HELLO")
    echo "hello start-to-exit ${flags:-(default cache)} (median of $RUNS): ours ${ours} ms, reference ${ref} ms, ratio $(ratio "$ours" "$ref")"
done

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
head -c $((100 * 1024 * 1024)) /dev/urandom > "$DIR/in.bin"
COPY=tests/wasi-programs/copy.wasm
RUNS=${COPY_RUNS:-5}
mbps() { awk -v ms="$1" 'BEGIN {printf "%.0f", 100 / (ms / 1000)}'; }
"$OURS" run --dir "$DIR::/d" "$COPY" /d/in.bin /d/out.bin
"$REF" run --dir "$DIR::/d" "$COPY" /d/in.bin /d/out.bin
for flags in "" "-C cache=n"; do
    rm -f "$DIR/out.bin"
    # shellcheck disable=SC2086
    ours=$(median_ms "$OURS" run $flags --dir "$DIR::/d" "$COPY" /d/in.bin /d/out.bin)
    cmp "$DIR/in.bin" "$DIR/out.bin"
    rm -f "$DIR/out.bin"
    # shellcheck disable=SC2086
    ref=$(median_ms "$REF" run $flags --dir "$DIR::/d" "$COPY" /d/in.bin /d/out.bin)
    cmp "$DIR/in.bin" "$DIR/out.bin"
    echo "copy 100 MB ${flags:-(default cache)} (median of $RUNS): ours ${ours} ms ($(mbps "$ours") MB/s), reference ${ref} ms ($(mbps "$ref") MB/s), time ratio $(ratio "$ours" "$ref")"
done
