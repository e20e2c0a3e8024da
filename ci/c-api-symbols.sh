#!/usr/bin/env bash
# Local only: lists every function declared in Wasmtime 48's C headers
# (release-48.0.0 of a bare Wasmtime mirror) that our libwasmtime.so does
# not export: first with the feature set our wasmtime/conf.h declares (the
# goal is none missing), then with every feature macro defined (the
# component model and wasi-http C APIs are later slices).
#
#   ci/c-api-symbols.sh [MIRROR_GIT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
mirror="${1:-/work/.mirror/bytecodealliance+wasmtime/repo}"
cargo build --quiet -p wasmtime-c-api
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
work="$target_dir/c-api-symbols"
rm -rf "$work" && mkdir -p "$work/include"
for f in $(git --git-dir="$mirror" ls-tree -r --name-only release-48.0.0 crates/c-api/include | grep '\.h\(\.in\)\?$'); do
  rel="${f#crates/c-api/include/}"
  mkdir -p "$work/include/$(dirname "$rel")"
  git --git-dir="$mirror" show "release-48.0.0:$f" > "$work/include/$rel"
done
sed 's/#cmakedefine/#define/' "$work/include/wasmtime/conf.h.in" > "$work/include/wasmtime/conf.h"
echo '#include <wasmtime.h>' > "$work/all.c"
nm -D --defined-only "$target_dir/debug/libwasmtime.so" | awk '{print $3}' | sort -u > "$work/exported.txt"
# Function prototypes the headers declare (`static inline` helpers and the
# header's own `inline` assertion function excluded).
declared() {
  gcc -I"$work/include" -aux-info "$work/aux.txt" -c "$work/all.c" -o "$work/all.o"
  grep -v '^/\* /usr' "$work/aux.txt" | grep -v ' static \| inline ' | grep -o '[a-z_0-9]* (' | sed 's/ (//' | grep '^was' | sort -u
}
cp crates/c-api/include/wasmtime/conf.h "$work/include/wasmtime/conf.h"
declared > "$work/declared-ours.txt"
sed 's/#cmakedefine/#define/' "$work/include/wasmtime/conf.h.in" > "$work/include/wasmtime/conf.h"
declared > "$work/declared-all.txt"
comm -23 "$work/declared-ours.txt" "$work/exported.txt" > "$work/missing-ours.txt"
comm -23 "$work/declared-all.txt" "$work/exported.txt" > "$work/missing-all.txt"
echo "with our features: $(wc -l < "$work/declared-ours.txt") declared, $(wc -l < "$work/missing-ours.txt") missing"
cat "$work/missing-ours.txt"
echo "with every feature: $(wc -l < "$work/declared-all.txt") declared, $(wc -l < "$work/missing-all.txt") missing" \
  "($(grep -c component "$work/missing-all.txt" || true) of the component model API)"
grep -v component "$work/missing-all.txt" || true
test ! -s "$work/missing-ours.txt"
