//! Compiles the C helpers: setjmp/longjmp wrappers used by the trap
//! handlers, and the GDB JIT interface symbols (`gdb_jit.c`).

fn main() {
    println!("cargo:rerun-if-changed=src/helpers.c");
    println!("cargo:rerun-if-changed=src/gdb_jit.c");
    cc::Build::new()
        .file("src/helpers.c")
        .file("src/gdb_jit.c")
        .warnings(true)
        .compile("wasmtime-runtime-helpers");
}
