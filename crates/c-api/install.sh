#!/usr/bin/env bash
# Builds libwasmtime with cargo and installs it into a prefix:
#   PREFIX/lib/libwasmtime.so, PREFIX/lib/libwasmtime.a
#   PREFIX/include/{wasm.h,wasi.h,wasmtime.h,wasmtime.hh,wasmtime/...}
#   PREFIX/lib/pkgconfig/wasmtime.pc        (pkg-config --cflags --libs wasmtime)
#   PREFIX/lib/cmake/wasmtime/wasmtime{Config,ConfigVersion}.cmake
#                                           (find_package(wasmtime))
#
#   crates/c-api/install.sh PREFIX [--release]
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 PREFIX [--release]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
profile=debug cargo_flags=()
if [ "${2:-}" = --release ]; then profile=release cargo_flags=(--release); fi
cd "$here/../.."
cargo build --quiet -p wasmtime-c-api "${cargo_flags[@]}"
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
mkdir -p "$prefix/lib/pkgconfig" "$prefix/lib/cmake/wasmtime" "$prefix/include"
install -m 755 "$target_dir/$profile/libwasmtime.so" "$prefix/lib/"
install -m 644 "$target_dir/$profile/libwasmtime.a" "$prefix/lib/"
cp -R "$here/include/." "$prefix/include/"
fill() { sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@MAJOR@|${version%%.*}|g" "$1" > "$2"; }
fill "$here/wasmtime.pc.in" "$prefix/lib/pkgconfig/wasmtime.pc"
fill "$here/cmake/wasmtimeConfig.cmake.in" "$prefix/lib/cmake/wasmtime/wasmtimeConfig.cmake"
fill "$here/cmake/wasmtimeConfigVersion.cmake.in" "$prefix/lib/cmake/wasmtime/wasmtimeConfigVersion.cmake"
echo "installed wasmtime $version ($profile) into $prefix"
