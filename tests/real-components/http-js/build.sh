#!/bin/sh
# Builds http-js.wasm, a wasi:http/proxy component written in JavaScript,
# with componentize-js 0.23 (`npm install @bytecodealliance/componentize-js`;
# set NODE_MODULES to the node_modules holding it if it is not ./node_modules).
# The output is not committed; the `serve` tests skip when it is missing.
#
# componentize-js's engine exports `wasi:http/incoming-handler@0.2.10`, so
# the proxy world is given at that version: a copy of our WIT with the
# package versions (and `@since` gates past it) set to 0.2.10.
set -e
cd "$(dirname "$0")"
bin="${NODE_MODULES:-$PWD/node_modules}/.bin/componentize-js"
wit="$(mktemp -d)"
cp -r ../../../crates/wasi-http/wit/. "$wit"
find "$wit" -name '*.wit' -exec sed -i -E \
    -e 's/@0\.2\.1[0-9]/@0.2.10/g' \
    -e 's/@since\(version = 0\.2\.1[0-9]\)/@since(version = 0.2.10)/g' {} +
"$bin" app.js --wit "$wit" -n wasi:http/proxy@0.2.10 -o http-js.wasm
rm -rf "$wit"
echo "built $(pwd)/http-js.wasm"
