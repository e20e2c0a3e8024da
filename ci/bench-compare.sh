#!/usr/bin/env bash
# Compares our `wasmtime` CLI with a reference Wasmtime CLI on the kernels of
# ci/bench-kernels/ and on compile time.
#
# Reference: $WASMTIME_REF if set, else a `wasmtime` on PATH (that is not our
# own target/release/wasmtime). Without one, the script says so and exits 0.
#
# For each kernel both CLIs run `run --invoke run FILE.wat` RUNS times
# (interleaved; default 5), and the script prints the median wall-clock time
# of each and the ratio ours/reference. Their printed checksums must agree.
# Since each run includes process start-up, compilation and instantiation,
# it also times a trivial module (`startup`) and prints a second ratio with
# that start-up time subtracted from both sides ("net").
#
# Compile time: both CLIs `run` a large generated module (~3000 functions,
# written by `cargo bench --bench core -- --emit-module`) with `--invoke run`,
# a trivial export; that time is dominated by compilation. Both CLIs run
# with their on-disk compilation cache off (`-C cache=n`), or every run
# after the first would load the cached artifact instead of compiling.
#
# Usage: ci/bench-compare.sh            (env: RUNS=N, WASMTIME_REF=PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
OURS=$ROOT/target/release/wasmtime

# --- find the reference CLI ------------------------------------------------
REF=${WASMTIME_REF:-}
if [[ -z $REF ]]; then
    while IFS= read -r cand; do
        if [[ $(realpath "$cand") != $(realpath -m "$OURS") ]]; then
            REF=$cand
            break
        fi
    done < <(type -ap wasmtime || true)
fi
if [[ -z $REF ]]; then
    echo "bench-compare: no reference wasmtime CLI found (set WASMTIME_REF or put one on PATH);"
    echo "bench-compare: install one outside the repo with: cargo install wasmtime-cli --locked"
    exit 0
fi
echo "reference: $REF ($("$REF" --version 2>/dev/null || echo 'unknown version'))"

# --- build ours and the generated module -----------------------------------
if ! cargo build --release -p wasmtime-cli; then
    echo "bench-compare: building our CLI (cargo build --release -p wasmtime-cli) failed"
    exit 1
fi
echo "ours:      $OURS ($("$OURS" --version 2>/dev/null || echo 'unknown version'))"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cargo bench --bench core -- --emit-module "$TMP/big.wasm"
printf '(module (func (export "run") (result i32) i32.const 0))\n' > "$TMP/startup.wat"

# Both CLIs may cache compiled code; switch that off (ours always can).
OURS_FLAGS=(-C cache=n)
REF_FLAGS=()
if "$REF" run -C cache=n --invoke run "$TMP/startup.wat" > /dev/null 2>&1; then
    REF_FLAGS=(-C cache=n)
fi

# --- timing helpers ----------------------------------------------------------
# now_ns: wall clock in nanoseconds, without forking.
now_ns() {
    local t=${EPOCHREALTIME/./}
    echo "$t"000
}

# run_once CLI FILE OUTFILE [FLAGS...]: runs `CLI run FLAGS --invoke run FILE`,
# stdout to OUTFILE; prints the elapsed ns, or FAIL.
run_once() {
    local cli=$1 file=$2 out=$3
    shift 3
    local t0 t1
    t0=$(now_ns)
    if ! "$cli" run "$@" --invoke run "$file" > "$out" 2> "$out.err"; then
        echo FAIL
        return
    fi
    t1=$(now_ns)
    echo $((t1 - t0))
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ms() { awk -v n="$1" 'BEGIN { if (n == "nan") print "n/a"; else printf "%.2f ms", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'; }

declare -A OUR_MED REF_MED STATUS

# bench NAME FILE: runs both CLIs RUNS times (after one warm-up each).
bench() {
    local name=$1 file=$2
    local ours=() refs=() t out_ours out_ref
    out_ours="$TMP/$name.ours.out"
    out_ref="$TMP/$name.ref.out"
    STATUS[$name]=ok
    run_once "$OURS" "$file" "$out_ours" "${OURS_FLAGS[@]}" > /dev/null
    run_once "$REF" "$file" "$out_ref" "${REF_FLAGS[@]}" > /dev/null
    for ((i = 0; i < RUNS; i++)); do
        t=$(run_once "$OURS" "$file" "$out_ours" "${OURS_FLAGS[@]}")
        if [[ $t == FAIL ]]; then
            STATUS[$name]="our CLI failed: $(head -c 300 "$out_ours.err" | tr '\n' ' ')"
        else
            ours+=("$t")
        fi
        t=$(run_once "$REF" "$file" "$out_ref" "${REF_FLAGS[@]}")
        if [[ $t == FAIL ]]; then
            STATUS[$name]="reference failed: $(head -c 300 "$out_ref.err" | tr '\n' ' ')"
        else
            refs+=("$t")
        fi
    done
    OUR_MED[$name]=$( ((${#ours[@]})) && printf '%s\n' "${ours[@]}" | median || echo nan)
    REF_MED[$name]=$( ((${#refs[@]})) && printf '%s\n' "${refs[@]}" | median || echo nan)
    if [[ ${STATUS[$name]} == ok ]] && ! cmp -s "$out_ours" "$out_ref"; then
        STATUS[$name]="results differ: ours '$(tr '\n' ' ' < "$out_ours")' vs reference '$(tr '\n' ' ' < "$out_ref")'"
    fi
}

KERNELS=()
for f in ci/bench-kernels/*.wat; do
    KERNELS+=("$(basename "$f" .wat)")
done

echo "running each case $RUNS times per CLI (interleaved, after a warm-up run)..."
bench startup "$TMP/startup.wat"
for k in "${KERNELS[@]}"; do
    bench "$k" "ci/bench-kernels/$k.wat"
done
bench compile "$TMP/big.wasm"

# --- report ------------------------------------------------------------------
S_OURS=${OUR_MED[startup]}
S_REF=${REF_MED[startup]}
echo
printf '%-10s %12s %12s %10s %12s %8s  %s\n' case ours reference ours/ref "net ours/ref" target status
printf '%s\n' "--------------------------------------------------------------------------------------"
for name in startup "${KERNELS[@]}" compile; do
    o=${OUR_MED[$name]}
    r=${REF_MED[$name]}
    net=n/a
    if [[ $name != startup ]]; then
        net=$(awk -v o="$o" -v r="$r" -v so="$S_OURS" -v sr="$S_REF" 'BEGIN {
            if (o == "nan" || r == "nan" || so == "nan" || sr == "nan" || r - sr <= 0) print "n/a";
            else printf "%.2fx", (o - so) / (r - sr) }')
    fi
    case $name in
        startup) limit= ;;
        compile) limit=1.20 ;;
        throw) limit=1.50 ;;
        *) limit=1.10 ;;
    esac
    verdict=$(awk -v o="$o" -v r="$r" -v l="$limit" 'BEGIN {
        if (l == "") print "-"; else if (o == "nan" || r == "nan" || r <= 0) print "n/a";
        else if (o / r <= l + 0) print "met"; else print "MISSED" }')
    printf '%-10s %12s %12s %10s %12s %8s  %s\n' "$name" "$(ms "$o")" "$(ms "$r")" "$(ratio "$o" "$r")" "$net" "$verdict" "${STATUS[$name]}"
done
echo
echo "median wall-clock time of \`run --invoke run FILE\` per CLI; net = with the"
echo "start-up time (the \`startup\` row: a trivial module) subtracted from both."
echo "compile = running a generated ~3000-function module's trivial export."
echo "target (on ours/ref): every kernel within 1.10x of the reference (throw: 1.50x); compile within 1.20x."

# SIMD speed-up: the scalar twin of the SIMD dot product against it, per CLI
# (net of start-up, as both run the same kind of module).
if [[ -n ${OUR_MED[dot_simd]:-} && -n ${OUR_MED[dot_scalar]:-} ]]; then
    speedup() {
        awk -v sc="$1" -v si="$2" -v s="$3" 'BEGIN {
            if (sc == "nan" || si == "nan" || s == "nan" || si - s <= 0) print "n/a";
            else printf "%.2fx", (sc - s) / (si - s) }'
    }
    ours_x=$(speedup "${OUR_MED[dot_scalar]}" "${OUR_MED[dot_simd]}" "$S_OURS")
    ref_x=$(speedup "${REF_MED[dot_scalar]}" "${REF_MED[dot_simd]}" "$S_REF")
    verdict=$(awk -v x="${ours_x%x}" 'BEGIN { if (x == "n/a") print "n/a"; else if (x + 0 >= 3) print "met"; else print "MISSED" }')
    echo "SIMD speed-up (net dot_scalar / dot_simd): ours $ours_x, reference $ref_x; target >= 3x: $verdict"
fi
