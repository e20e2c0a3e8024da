//! Runtime support for our Wasmtime implementation.
//!
//! This crate owns everything that exists while wasm runs: executable code
//! memory, linear memories with guard pages, tables, the per-instance
//! `VMContext`, the builtin functions compiled code calls, and the signal
//! handlers that turn a faulting instruction back into a `Trap` for the host.
//! It knows nothing about Cranelift: it consumes the `CompiledFunction`s and
//! layouts defined in `wasmtime-environ`.

/// Assembly that opens a frame (so frame-pointer walks stay intact) and
/// saves every register a SystemV callee may clobber (`rax`, `rcx`, `rdx`,
/// `rsi`, `rdi`, `r8`-`r11`, `xmm0`-`xmm15`; the others are callee-saved),
/// as a callee with Cranelift's `PreserveAll` convention must. Entered with
/// `rsp = 8 mod 16`, it leaves `rsp` 16-byte aligned for a call: rbp and 9
/// registers, then 264 bytes (16 xmm slots + 8 padding). The saved `rdi`
/// is at `[rbp - 40]`. Used by the register-preserving builtin trampolines
/// and the `throw_ref` stub; `restore_caller_saved_and_return!` undoes it.
macro_rules! save_caller_saved {
    () => {
        concat!(
            "push rbp\n",
            "mov rbp, rsp\n",
            "push rax\n",
            "push rcx\n",
            "push rdx\n",
            "push rsi\n",
            "push rdi\n",
            "push r8\n",
            "push r9\n",
            "push r10\n",
            "push r11\n",
            "sub rsp, 264\n",
            "movdqu [rsp], xmm0\n",
            "movdqu [rsp + 16], xmm1\n",
            "movdqu [rsp + 32], xmm2\n",
            "movdqu [rsp + 48], xmm3\n",
            "movdqu [rsp + 64], xmm4\n",
            "movdqu [rsp + 80], xmm5\n",
            "movdqu [rsp + 96], xmm6\n",
            "movdqu [rsp + 112], xmm7\n",
            "movdqu [rsp + 128], xmm8\n",
            "movdqu [rsp + 144], xmm9\n",
            "movdqu [rsp + 160], xmm10\n",
            "movdqu [rsp + 176], xmm11\n",
            "movdqu [rsp + 192], xmm12\n",
            "movdqu [rsp + 208], xmm13\n",
            "movdqu [rsp + 224], xmm14\n",
            "movdqu [rsp + 240], xmm15\n",
        )
    };
}

/// The inverse of [`save_caller_saved!`], ending with `ret`.
macro_rules! restore_caller_saved_and_return {
    () => {
        concat!(
            "movdqu xmm0, [rsp]\n",
            "movdqu xmm1, [rsp + 16]\n",
            "movdqu xmm2, [rsp + 32]\n",
            "movdqu xmm3, [rsp + 48]\n",
            "movdqu xmm4, [rsp + 64]\n",
            "movdqu xmm5, [rsp + 80]\n",
            "movdqu xmm6, [rsp + 96]\n",
            "movdqu xmm7, [rsp + 112]\n",
            "movdqu xmm8, [rsp + 128]\n",
            "movdqu xmm9, [rsp + 144]\n",
            "movdqu xmm10, [rsp + 160]\n",
            "movdqu xmm11, [rsp + 176]\n",
            "movdqu xmm12, [rsp + 192]\n",
            "movdqu xmm13, [rsp + 208]\n",
            "movdqu xmm14, [rsp + 224]\n",
            "movdqu xmm15, [rsp + 240]\n",
            "add rsp, 264\n",
            "pop r11\n",
            "pop r10\n",
            "pop r9\n",
            "pop r8\n",
            "pop rdi\n",
            "pop rsi\n",
            "pop rdx\n",
            "pop rcx\n",
            "pop rax\n",
            "pop rbp\n",
            "ret\n",
        )
    };
}

pub mod backtrace;
pub mod code_memory;
pub mod cont;
pub mod cow;
pub mod entry;
pub mod exception;
pub mod exn_arena;
pub mod fiber;
pub mod gc_heap;
pub mod gc_roots;
pub mod gdb_jit;
pub mod instance;
pub mod libcalls;
pub mod memory;
pub mod mmap;
pub mod mpk;
pub mod pagemap;
pub mod shared_memory;
pub mod table;
pub mod traphandlers;
pub mod vmcontext;
pub mod vmstore;
