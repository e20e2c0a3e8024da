#!/usr/bin/env bash
# Builds the real-toolchain components that `tests/all/component/real.rs`
# loads, into tests/real-components/out/ (not committed: they are big).
# Each component is built only if its tools are installed; the others are
# skipped with a message.
#
# Tools (as tested):
#   - clang 14 for wasm32-wasi: Debian `clang lld wasi-libc libclang-rt-dev-wasm32`
#   - jco 1.35 (`npm install @bytecodealliance/jco`), for `jco new`
#   - componentize-js 0.23 (`npm install @bytecodealliance/componentize-js`)
#   - componentize-py 0.25 (`pip install componentize-py`)
# Set NODE_MODULES to the node_modules directory holding jco and
# componentize-js if it is not ./node_modules or on PATH.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/out"
mkdir -p "$out"
node_modules="${NODE_MODULES:-$PWD/node_modules}"
export PATH="$node_modules/.bin:$PATH"

# 1. C hello world: a preview-1 command module, adapted by `jco new` into a
#    WASI 0.2 command component (wit-component + the preview-1 adapter).
if command -v clang >/dev/null && command -v jco >/dev/null; then
    clang --target=wasm32-wasi --sysroot=/usr -O2 "$here/c/hello.c" -o "$out/c-hello.wasm"
    jco new "$out/c-hello.wasm" --wasi-command -o "$out/c-hello.component.wasm"
    echo "built $out/c-hello.component.wasm"
else
    echo "skipping the C component: clang (wasm32-wasi) or jco not found"
fi

# 2. Python: the `hello` world of wit/hello.wit.
if command -v componentize-py >/dev/null; then
    (cd "$here/py" && componentize-py -d ../wit -w hello componentize app \
        -o "$out/py-hello.component.wasm")
    echo "built $out/py-hello.component.wasm"
else
    echo "skipping the Python component: componentize-py not found"
fi

# 3. JavaScript: the same world, with componentize-js (through its API:
#    `jco componentize` fails to read the WIT directory in jco 1.35), and
#    its WASI-using features disabled so that the component imports
#    nothing.
if command -v node >/dev/null && [ -d "$node_modules/@bytecodealliance/componentize-js" ]; then
    script="$node_modules/../componentize-hello.mjs"
    cat >"$script" <<'EOF'
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';
const [src, wit, world, out] = process.argv.slice(2);
const { component } = await componentize({
  sourcePath: src,
  witPath: wit,
  worldName: world,
  disableFeatures: ['random', 'stdio', 'clocks', 'http', 'fetch-event'],
});
await writeFile(out, component);
EOF
    node "$script" "$here/js/app.js" "$here/wit" hello "$out/js-hello.component.wasm"
    rm -f "$script"
    echo "built $out/js-hello.component.wasm"
else
    echo "skipping the JavaScript component: node or componentize-js not found"
fi
