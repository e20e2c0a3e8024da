//! Compiles the C helper: the GDB JIT interface symbols (`gdb_jit.c`).

fn main() {
    println!("cargo:rerun-if-changed=src/gdb_jit.c");
    cc::Build::new()
        .file("src/gdb_jit.c")
        .warnings(true)
        .compile("wasmtime-runtime-helpers");
}
