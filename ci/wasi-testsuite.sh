#!/usr/bin/env bash
# Runs the public WASI test suite (github.com/WebAssembly/wasi-testsuite)
# through our `wasmtime run` and, side by side, through a reference
# `wasmtime` CLI, and prints pass/fail counts for each. Not part of CI: the
# suite is not vendored here, and the WASI 0.2 half needs `jco` from npm.
#
# Usage: ci/wasi-testsuite.sh [SUITE]
#   SUITE (or $WASI_TESTSUITE): a checkout of wasi-testsuite's
#     `prod/testsuite-base` branch (the branch holding prebuilt .wasm tests
#     and their .json specs), or a git directory (bare or not) of the suite,
#     from which `$WASI_TESTSUITE_REF` (default prod/testsuite-base) is
#     exported to a temporary directory.
# Environment:
#   WASMTIME      our CLI (default: target/debug/wasmtime, built first)
#   WASMTIME_REF  reference CLI (default /work/ref/wasmtime_cli/wasmtime;
#                 set it empty to run ours only)
#   JCO           `jco` command (default: `jco` on PATH); used as
#                 `jco new T.wasm --wasi-command` to adapt every wasip1 test
#                 module into a WASI 0.2 command component. The suite ships
#                 no prebuilt wasm32-wasip2 tests, so the wasip2 run is the
#                 wasip1 suite through the preview1-to-0.2 adapter.
#   P2_CACHE      directory to keep the adapted components in and reuse
#                 them from (default: a temporary directory)
#   FILTER        only run tests whose `lang/version/name` contains this
#   TIMEOUT       seconds per test (default 60; the suite's own is 5, but
#                 our debug build compiles slower)
#   VERBOSE=1     print the failure reason of every failing run
#   P3_PYTHON     Python >= 3.12 with `colorama` and `requests` for the
#                 suite's own runner, which runs the wasm32-wasip3 half
#                 (default: python3; the half is skipped without it)
#
# Each test runs the way the suite's runner (test-runner/wasi_test_runner
# with adapters/wasmtime.py) runs it: `wasmtime [--env K=V]... [--dir
# ROOT::/] TEST.wasm ARGS...` with stdin, stdout and stderr piped; a spec's
# `stdout`/`stderr` must be a prefix of that stream (the runner reads
# exactly that many characters) and `exit_code` (default 0) must match. The
# `root` directory is copied to a fresh temporary directory for each run,
# since tests create and remove files there.
# The wasm32-wasip3 components have specs with scripted operations
# (servers, clients, requests, signals), so they run through the suite's
# own runner (`test-runner/wasi_test_runner.py` with `adapters/wasmtime.py`,
# which adds `-Wcomponent-model-async -Sp3`), once per CLI, and the two
# JSON reports are compared test by test.
# Exit status: 1 if a test passes with the reference but fails with ours.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-${WASI_TESTSUITE:?usage: $0 SUITE (or set WASI_TESTSUITE)}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -d "$suite/tests" ]; then
  git -C "$suite" archive "${WASI_TESTSUITE_REF:-prod/testsuite-base}" \
    tests test-runner adapters | tar -x -C "$work"
  suite=$work
fi

if [ -z "${WASMTIME:-}" ]; then
  cargo build --quiet -p wasmtime-cli
  WASMTIME=$PWD/target/debug/wasmtime
fi
ref=${WASMTIME_REF-/work/ref/wasmtime_cli/wasmtime}

# Adapt the wasip1 modules into WASI 0.2 components, next to their specs.
jco=${JCO:-jco}
p2=${P2_CACHE:-$work/p2}
if command -v "${jco%% *}" >/dev/null 2>&1; then
  for dir in "$suite"/tests/*/testsuite/wasm32-wasip1; do
    lang=$(basename "$(dirname "$(dirname "$dir")")")
    out=$p2/$lang/wasm32-wasip2
    mkdir -p "$out"
    # The specs and test directories, then the adapted modules.
    tar -C "$dir" --exclude='*.wasm' -c . | tar -C "$out" -x
    for m in "$dir"/*.wasm; do
      [ -n "${P2_CACHE:-}" ] && [ -s "$out/$(basename "$m")" ] && continue
      $jco new "$m" --wasi-command -o "$out/$(basename "$m")" >/dev/null
    done
  done
else
  echo "warning: '$jco' not found; skipping wasm32-wasip2" >&2
fi

status=0
python3 - "$suite" "$p2" "$WASMTIME" "$ref" <<'PY' || status=$?
import json, os, shutil, subprocess, sys, tempfile
from pathlib import Path

suite, p2, ours, ref = sys.argv[1:5]
timeout = float(os.environ.get("TIMEOUT", "60"))
name_filter = os.environ.get("FILTER", "")
verbose = os.environ.get("VERBOSE") == "1"
runtimes = [("ours", ours)] + ([("reference", ref)] if ref else [])

dirs = []  # (lang, version, path)
for d in sorted(Path(suite).glob("tests/*/testsuite/wasm32-wasip1")):
    dirs.append((d.parent.parent.name, "wasm32-wasip1", d))
for d in sorted(Path(p2).glob("*/wasm32-wasip2")):
    dirs.append((d.parent.name, "wasm32-wasip2", d))


def run_one(wasmtime, test, spec):
    """Runs one test; returns (None on success or a failure reason,
    (exit code, stdout, stderr))."""
    argv = [wasmtime]
    for k, v in spec.get("env", {}).items():
        argv += ["--env", f"{k}={v}"]
    with tempfile.TemporaryDirectory() as tmp:
        if spec.get("root"):
            root = Path(tmp) / "root"
            shutil.copytree(test.parent / spec["root"], root, symlinks=True)
            argv += ["--dir", f"{root}::/"]
        argv += [str(test)] + spec.get("args", [])
        try:
            p = subprocess.run(argv, stdin=subprocess.PIPE, capture_output=True,
                               text=True, errors="replace", timeout=timeout,
                               cwd=tmp)
        except subprocess.TimeoutExpired:
            return "timeout", None
    seen = (p.returncode, p.stdout, p.stderr)
    fails = []
    for stream, got in (("stdout", p.stdout), ("stderr", p.stderr)):
        want = spec.get(stream)
        if want is not None and got[:len(want)] != want:
            fails.append(f"{stream}: expected {want!r}, got {got[:200]!r}")
    want = spec.get("exit_code", 0)
    if p.returncode != want:
        fails.append(f"exit code: expected {want}, got {p.returncode}")
    if fails:
        tail = (p.stderr.strip().splitlines() or [""])[-1][:300]
        return "; ".join(fails) + (f" [stderr: {tail}]" if tail else ""), seen
    return None, seen


def differences(a, b):
    """What differs between two runs' (exit code, stdout, stderr)."""
    if a is None or b is None:
        return [] if a == b else ["one run timed out"]
    out = []
    if a[0] != b[0]:
        out.append(f"exit code {a[0]} vs {b[0]}")
    if a[1] != b[1]:
        out.append(f"stdout {a[1][:120]!r} vs {b[1][:120]!r}")
    # Trap and error reports name host internals; compare their first line.
    if a[2].splitlines()[:1] != b[2].splitlines()[:1]:
        out.append(f"stderr {a[2][:120]!r} vs {b[2][:120]!r}")
    return out


counts = {}  # (runtime, version) -> [pass, fail]
regressions = 0
differing = 0
for lang, version, d in dirs:
    for test in sorted(d.glob("*.wasm")):
        name = f"{lang}/{version}/{test.stem}"
        if name_filter not in name:
            continue
        cfg = test.with_suffix(".json")
        spec = json.loads(cfg.read_text()) if cfg.exists() else {}
        if "operations" in spec or "proposals" in spec or "servers" in spec:
            print(f"SKIP  {name} (non-legacy spec)")
            continue
        results, seen = {}, {}
        for rt, exe in runtimes:
            results[rt], seen[rt] = run_one(exe, test, spec)
            c = counts.setdefault((rt, version), [0, 0])
            c[results[rt] is not None] += 1
        if len(seen) == 2:
            diff = differences(seen["ours"], seen["reference"])
            if diff:
                differing += 1
                print(f"DIFF  {name} (ours vs reference): " + "; ".join(diff))
        verdicts = " ".join(f"{rt}={'ok' if r is None else 'FAIL'}"
                            for rt, r in results.items())
        if all(r is None for r in results.values()):
            print(f"PASS  {name}")
            continue
        print(f"FAIL  {name} ({verdicts})")
        if results["ours"] is not None and results.get("reference", "") is None:
            regressions += 1
        if verbose:
            for rt, r in results.items():
                if r is not None:
                    print(f"        {rt}: {r}")

print()
for version in ("wasm32-wasip1", "wasm32-wasip2"):
    for rt, _ in runtimes:
        if (rt, version) in counts:
            ok, bad = counts[(rt, version)]
            print(f"{version:14} {rt:10} {ok:4} passed {bad:4} failed")
print(f"failing with ours but passing with the reference: {regressions}")
print(f"runs whose exit code or output differ from the reference: {differing}")
sys.exit(1 if regressions else 0)
PY

# WASI 0.3: the wasm32-wasip3 components, through the suite's own runner
# (their specs script servers, clients and signals) with its wasmtime
# adapter, which adds `-Wcomponent-model-async -Sp3` (and `,http`,
# `,inherit-network`, or `serve` for the HTTP service tests).
p3py=${P3_PYTHON:-python3}
if [ -d "$suite/test-runner" ] && [[ "rust/wasm32-wasip3" == *"${FILTER:-}"* ]] &&
  "$p3py" -c 'import sys, colorama, requests; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  for rt in ours reference; do
    exe=$WASMTIME
    if [ $rt = reference ]; then
      [ -n "$ref" ] || continue
      exe=$ref
    fi
    # The runner reads the test files relative to its directory.
    (cd "$suite" && WASMTIME=$exe "$p3py" test-runner/wasi_test_runner.py \
      -t tests/*/testsuite/wasm32-wasip3 -r adapters/wasmtime.py \
      --json-output-location "$work/p3-$rt.json" --disable-colors \
      >"$work/p3-$rt.log" 2>&1) || true
  done
  python3 - "$work" <<'PY' || status=$?
import json, os, sys
work = sys.argv[1]
verbose = os.environ.get("VERBOSE") == "1"
runs = {}
for rt in ("ours", "reference"):
    path = os.path.join(work, f"p3-{rt}.json")
    if os.path.exists(path):
        runs[rt] = {t["name"]: t for r in json.load(open(path))["results"]
                    for t in r["tests"]}
    elif rt == "ours":
        print(open(os.path.join(work, "p3-ours.log")).read()[-3000:])
        sys.exit(1)
regressions = 0
for name in sorted(runs["ours"]):
    verdicts = {rt: runs[rt].get(name, {}).get("outcome", "-") for rt in runs}
    if all(v == "pass" for v in verdicts.values()):
        print(f"PASS  rust/wasm32-wasip3/{name}")
        continue
    print(f"FAIL  rust/wasm32-wasip3/{name} (" +
          " ".join(f"{rt}={v}" for rt, v in verdicts.items()) + ")")
    if verdicts["ours"] != "pass" and verdicts.get("reference") == "pass":
        regressions += 1
    if verbose and verdicts["ours"] != "pass":
        for f in runs["ours"][name]["failures"]:
            print("        ours: " + f.strip().replace("\n", "\n        ")[:600])
print()
for rt, tests in runs.items():
    ok = sum(t["outcome"] == "pass" for t in tests.values())
    print(f"wasm32-wasip3  {rt:10} {ok:4} passed {len(tests) - ok:4} failed")
print(f"wasip3 failing with ours but passing with the reference: {regressions}")
sys.exit(1 if regressions else 0)
PY
else
  echo "warning: skipping wasm32-wasip3 (needs the suite's test-runner and" \
    "\$P3_PYTHON >= 3.12 with colorama and requests)" >&2
fi
exit $status
