//! Compiles the C helpers (setjmp/longjmp wrappers) used by the trap handlers.

fn main() {
    println!("cargo:rerun-if-changed=src/helpers.c");
    cc::Build::new()
        .file("src/helpers.c")
        .warnings(true)
        .compile("wasmtime-runtime-helpers");
}
