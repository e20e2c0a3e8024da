#!/usr/bin/env bash
# Local only: builds Wasmtime 48's own C++ programs against our
# <wasmtime.hh> and libwasmtime, runs them and reports which pass:
#   - the C++ examples (examples/*.cc, examples/wasip1/main.cc);
#   - the GoogleTest files of crates/c-api/tests (each file built as its
#     own test binary with gtest_main; needs libgtest-dev).
# The sources are read from the release-48.0.0 tag of a bare mirror of the
# Wasmtime repository into the target directory, never into this
# repository.
#
#   ci/c-api-examples-cc.sh [MIRROR_GIT_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
mirror="${1:-/work/.mirror/bytecodealliance+wasmtime/repo}"
git_show() { git --git-dir="$mirror" show "release-48.0.0:$1"; }
cargo build --quiet -p wasmtime-c-api || exit 1
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
lib_dir="$target_dir/debug"
work="$target_dir/c-api-examples-cc"
rm -rf "$work" && mkdir -p "$work/examples/wasip1" "$work/target/wasm32-wasip1/debug" "$work/tests/component"
for f in $(git --git-dir="$mirror" ls-tree --name-only release-48.0.0 examples/ | grep -E '\.(cc|wat)$'); do
  git_show "$f" > "$work/$f"
done
git_show examples/wasip1/main.cc > "$work/examples/wasip1/main.cc"
cp tests/wasi-programs/hello.wasm "$work/target/wasm32-wasip1/debug/wasi.wasm"
for f in $(git --git-dir="$mirror" ls-tree -r --name-only release-48.0.0 crates/c-api/tests/ | grep -E '\.(cc|h)$'); do
  git_show "$f" > "$work/tests/${f#crates/c-api/tests/}"
done
# tests/component/values.cc uses C++20's std::format, which GCC 12's
# libstdc++ lacks: it is built as C++20 with a small stand-in for the one
# formatting call it makes (each "{}" replaced by the next argument).
cat > "$work/tests/component/format_stand_in.h" <<'CC'
#include <initializer_list>
#include <string>
#include <string_view>
template <typename... A>
std::string format_stand_in(std::string_view fmt, const A &...args) {
  std::initializer_list<std::string_view> parts{std::string_view(args)...};
  auto next = parts.begin();
  std::string out;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt.compare(i, 2, "{}") == 0 && next != parts.end()) {
      out += *next++;
      i++;
    } else {
      out += fmt[i];
    }
  }
  return out;
}
CC
if ! echo '#include <format>' | g++ -std=c++20 -x c++ -fsyntax-only - 2> /dev/null; then
  sed -i -e 's|#include <format>|#include "format_stand_in.h"|' -e 's|std::format(|format_stand_in(|' \
    "$work/tests/component/values.cc"
fi
cxx=(g++ -std=c++17 -g -Icrates/c-api/include)
link=(-L"$lib_dir" -lwasmtime -lpthread -Wl,-rpath,"$lib_dir")
passed=() failed=()
build_and_run() { # NAME SOURCE [EXTRA LINK FLAGS...]
  local name="$1" src="$2"; shift 2
  local exe="$work/bin-$name" std=()
  # Wasmtime builds its tests as C++20; ours are C++17 unless they need it.
  grep -q -E '#include <(span|format)>|format_stand_in' "$src" && std=(-std=c++20)
  if ! "${cxx[@]}" "${std[@]}" "$src" -o "$exe" "${link[@]}" "$@" 2> "$exe.build.log"; then
    failed+=("$name (build: $(grep -m1 -o 'error: .*' "$exe.build.log" | cut -c1-150))")
    return
  fi
  if (cd "$work" && timeout 120 "$exe" > "$exe.log" 2>&1); then
    passed+=("$name")
  else
    failed+=("$name (run: $(grep -m1 -E '^\[  FAILED  \]|error|Assertion' "$exe.log" || tail -1 "$exe.log"))")
  fi
}
for src in "$work"/examples/*.cc "$work/examples/wasip1/main.cc"; do
  name="${src#"$work/examples/"}"; name="${name%.cc}"; name="example-${name//\//-}"
  build_and_run "$name" "$src"
done
examples_passed=${#passed[@]} examples_failed=${#failed[@]}
if [ -e /usr/include/gtest/gtest.h ]; then
  for src in "$work"/tests/*.cc "$work"/tests/component/*.cc; do
    name="${src#"$work/tests/"}"; name="${name%.cc}"; name="test-${name//\//-}"
    case "$name" in test-double-include-*) continue ;; esac
    build_and_run "$name" "$src" -lgtest -lgtest_main
  done
  # Two files including <wasmtime.hh> link into one program (every function
  # the headers define is inline).
  build_and_run test-double-include "$work/tests/double-include-a.cc" \
    "$work/tests/double-include-b.cc" -lgtest -lgtest_main
else
  echo "libgtest-dev is not installed: skipping Wasmtime's C++ tests"
fi
echo "passed (${#passed[@]}): ${passed[*]}"
for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "c-api C++ examples: $examples_passed passed, $examples_failed failed"
echo "c-api C++ examples and test files: ${#passed[@]} passed, ${#failed[@]} failed"
