//! The machine-level stack switch (x86-64, System V).
//!
//! A suspended side of a fiber (the fiber itself, or the code that resumed
//! it) is represented by one saved stack pointer. Below it on that stack
//! lie the callee-saved registers and the return address of the
//! [`wasmtime_rt_fiber_switch`] call that suspended it, so switching is:
//! push the callee-saved registers, save the stack pointer, load the other
//! side's stack pointer, pop its registers and return into it.
//!
//! A new fiber's stack is prepared ([`initial_stack_pointer`]) to look as if
//! it had suspended itself just before its first instruction: the
//! "registers" it pops hold the entry function and its argument, and the
//! "return address" is [`wasmtime_rt_fiber_start`], which calls the entry
//! function with that argument.

/// Callee-saved registers the switch saves on the suspended side's stack.
const SAVED_REGISTERS: usize = 6;

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wasmtime_rt_fiber_switch",
    ".type wasmtime_rt_fiber_switch, @function",
    "wasmtime_rt_fiber_switch:",
    // rdi: where to save this side's stack pointer;
    // rsi: the stack pointer of the side to run.
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov [rdi], rsp",
    "mov rsp, rsi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size wasmtime_rt_fiber_switch, . - wasmtime_rt_fiber_switch",
    "",
    ".p2align 4",
    ".globl wasmtime_rt_fiber_start",
    ".type wasmtime_rt_fiber_start, @function",
    "wasmtime_rt_fiber_start:",
    ".cfi_startproc",
    // The outermost frame of a fiber: unwinders and debuggers stop here.
    ".cfi_undefined rip",
    // rbx: the entry function's argument; r12: the entry function, which
    // never returns (it switches away for the last time instead).
    "xor ebp, ebp",
    "mov rdi, rbx",
    "call r12",
    "ud2",
    ".cfi_endproc",
    ".size wasmtime_rt_fiber_start, . - wasmtime_rt_fiber_start",
);

unsafe extern "C" {
    /// Saves the running side's stack pointer to `*save_sp` and continues
    /// the side suspended at `load_sp`.
    pub(super) fn wasmtime_rt_fiber_switch(save_sp: *mut usize, load_sp: usize);
    fn wasmtime_rt_fiber_start();
}

/// Prepares a fresh stack whose highest usable address is `top` (16-byte
/// aligned) so that switching to the returned stack pointer runs
/// `entry(arg)` on it.
///
/// # Safety
///
/// `top` must be the 16-byte aligned end of a writable stack of at least a
/// page, owned by the caller and not in use.
pub(super) unsafe fn initial_stack_pointer(
    top: *mut u8,
    entry: unsafe extern "C" fn(*mut u8) -> !,
    arg: *mut u8,
) -> usize {
    debug_assert_eq!(top as usize % 16, 0);
    // Layout, from the returned stack pointer upwards: r15, r14, r13, r12
    // (entry), rbx (arg), rbp (0), the return address (the start
    // trampoline), two padding words. After `ret` pops the return address
    // the stack pointer is `top - 16`, 16-byte aligned as
    // `wasmtime_rt_fiber_start` needs for its `call`.
    let words = SAVED_REGISTERS + 3;
    let sp = top.cast::<usize>().wrapping_sub(words);
    let values = [
        0,
        0,
        0,
        entry as usize,
        arg as usize,
        0,
        wasmtime_rt_fiber_start as *const () as usize,
        0,
        0,
    ];
    // SAFETY: the `words` slots below `top` lie inside the caller's stack.
    unsafe {
        for (i, v) in values.iter().enumerate() {
            sp.add(i).write(*v);
        }
    }
    sp as usize
}
