//! The jump point of `catch_traps` (x86-64 System V), in assembly: a
//! trap handler resumes the innermost `catch_traps` by jumping back into
//! `wasmtime_rt_setjmp`, which then returns 0.
//!
//! `wasmtime_rt_setjmp(out, body, payload)` saves the callee-saved
//! registers on its own stack, publishes the stack pointer through `*out`
//! as the jump buffer, calls `body(payload)` and returns 1.
//! `wasmtime_rt_longjmp(buf)` switches to that stack pointer, pops the
//! saved registers and returns 0 from `wasmtime_rt_setjmp`. This is
//! `sigsetjmp(buf, 0)`/`siglongjmp` without the signal mask (the trap
//! handlers run with `SA_NODEFER` and change no mask) and without libc's
//! pointer mangling, which made it a visible part of every call into wasm.
//! The frames between the jump point and the trap are abandoned; the
//! callers' contracts (`catch_traps`) ensure they own nothing to drop.

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wasmtime_rt_setjmp",
    ".type wasmtime_rt_setjmp,@function",
    "wasmtime_rt_setjmp:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "push rbx",
    ".cfi_offset rbx, -24",
    "push r12",
    ".cfi_offset r12, -32",
    "push r13",
    ".cfi_offset r13, -40",
    "push r14",
    ".cfi_offset r14, -48",
    "push r15",
    ".cfi_offset r15, -56",
    // Six pushes after the call's return address: one more word keeps the
    // stack 16-byte aligned at the call below.
    "sub rsp, 8",
    "mov [rdi], rsp",
    "mov rdi, rdx",
    "call rsi",
    "mov eax, 1",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size wasmtime_rt_setjmp, .-wasmtime_rt_setjmp",
    ".p2align 4",
    ".globl wasmtime_rt_longjmp",
    ".type wasmtime_rt_longjmp,@function",
    "wasmtime_rt_longjmp:",
    "mov rsp, rdi",
    "xor eax, eax",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size wasmtime_rt_longjmp, .-wasmtime_rt_longjmp",
);

extern "C" {
    /// Saves a jump point, publishes it through `jmp_buf_out`, runs
    /// `body(payload)` and returns 1; returns 0 when a trap handler jumps
    /// back to the jump point with [`wasmtime_longjmp`].
    #[link_name = "wasmtime_rt_setjmp"]
    pub(super) fn wasmtime_setjmp(
        jmp_buf_out: *mut *const u8,
        body: extern "C" fn(*mut u8),
        payload: *mut u8,
    ) -> libc::c_int;

    /// Resumes the jump point `jmp_buf` of a live [`wasmtime_setjmp`]
    /// frame on this thread.
    #[link_name = "wasmtime_rt_longjmp"]
    pub(super) fn wasmtime_longjmp(jmp_buf: *const u8) -> !;
}
