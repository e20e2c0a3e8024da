#!/usr/bin/env bash
# Local only: runs Wasmtime 48's own component-model `.wast` scripts
# (tests/misc_testsuite/component-model of the release-48.0.0 tree, read
# straight from a bare mirror of the Wasmtime repository into a scratch
# directory, never copied into this repository) through our
# `wasmtime wast` with the `-W` flags each script's `;;! key = value` header
# names (a flag we do not implement makes the whole script fail), and prints
# per-script and total directive counts.
#
#   ci/component-wast-ref.sh [MIRROR_GIT_DIR] [-v]
#
# The default mirror is /work/.mirror/bytecodealliance+wasmtime/repo. `-v`
# also prints each failing directive. Each script gets 60 s.
set -uo pipefail
cd "$(dirname "$0")/.."
mirror=/work/.mirror/bytecodealliance+wasmtime/repo
verbose=0
for arg in "$@"; do
  case "$arg" in
    -v) verbose=1 ;;
    *) mirror="$arg" ;;
  esac
done
rev=release-48.0.0
cargo build --quiet -p wasmtime-cli || exit 1
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
wasmtime="$target_dir/debug/wasmtime"
work="$target_dir/component-wast-ref"
rm -rf "$work" && mkdir -p "$work"
files=$(git --git-dir="$mirror" ls-tree -r --name-only "$rev" tests/misc_testsuite/component-model | grep '\.wast$')
flags_of() {
  grep -h '^;;!' "$1" | sed 's/;;! *//' | grep -v hogs_memory |
    awk -F' *= *' '{k=$1; gsub("_","-",k); v=($2=="true"||$2=="yes")?"y":"n"; printf "-W %s=%s ", k, v}'
}
total_pass=0 total_fail=0 clean=0 scripts=0
for f in $files; do
  out="$work/${f//\//_}"
  git --git-dir="$mirror" show "$rev:$f" > "$out"
  name="${f#tests/misc_testsuite/component-model/}"
  scripts=$((scripts + 1))
  log="$out.log"
  # shellcheck disable=SC2046
  timeout 60 "$wasmtime" wast $(flags_of "$out") "$out" > "$log" 2>&1
  rc=$?
  line=$(grep -m1 -E ': ([0-9]+ passed|error:)' "$log")
  pass=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
  fail=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
  if [ -z "$pass" ]; then
    pass=0; fail=1
    [ $rc -eq 124 ] && line="timeout"
  fi
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
  [ "$fail" = 0 ] && clean=$((clean + 1))
  printf '%-60s %4s passed %4s failed\n' "$name" "$pass" "$fail"
  if [ "$verbose" = 1 ] && [ "$fail" != 0 ]; then
    grep -E '^  FAIL|error:|timeout' "$log" | cut -c1-300 | sed 's/^/    /'
    [ $rc -eq 124 ] && echo "    (timed out)"
  fi
done
echo "scripts: $scripts, fully passing: $clean; directives: $total_pass passed, $total_fail failed"
