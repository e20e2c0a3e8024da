//! Turning hardware faults in compiled wasm code into trap records.
//!
//! Wasm code traps by faulting: `ud2` (SIGILL) for explicit traps and stack
//! overflow, guard-page accesses (SIGSEGV/SIGBUS) for out-of-bounds memory,
//! and `div` (SIGFPE) for division traps. The process-wide signal handler
//! installed by [`init_traps`] checks whether the faulting thread is inside
//! [`catch_traps`] and whether the faulting instruction is a known trap site
//! of registered code ([`register_code`]); if so it records a [`TrapRecord`]
//! and `siglongjmp`s back into `catch_traps`, which returns it as an error.
//! Every other fault is passed on to the handler that was installed before
//! ours (or to the default action, which kills the process).
//!
//! The jump point itself is set in C (`helpers.c`), since Rust code must not
//! call `setjmp` directly.

use crate::backtrace::{walk_frames_into, FrameWalk, MAX_FRAMES};
use crate::code_memory::CodeMemory;
use crate::mmap::{host_page_size, Mmap};
use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Once, RwLock};
use wasmtime_environ::{store_context, TrapSite};

extern "C" {
    fn wasmtime_setjmp(
        jmp_buf_out: *mut *const u8,
        body: extern "C" fn(*mut u8),
        payload: *mut u8,
    ) -> libc::c_int;
    fn wasmtime_longjmp(jmp_buf: *const u8) -> !;
}

/// What the signal handler recorded about a trap in wasm code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapRecord {
    /// Address of the faulting instruction.
    pub pc: usize,
    /// Frame pointer (RBP) at the fault.
    pub fp: usize,
    /// The trap site of the faulting instruction.
    pub site: TrapSite,
    /// Program counters of the wasm frames, innermost first (starting with
    /// `pc`), walked up to `VMStoreContext::LAST_WASM_ENTRY_FP` and capped at
    /// the activation's `max_frames` (the rest only counted).
    pub backtrace: FrameWalk,
    /// The faulting data address, for SIGSEGV and SIGBUS.
    pub faulting_addr: Option<usize>,
}

// ---------------------------------------------------------------------------
// Code registry

static CODE: RwLock<BTreeMap<usize, Arc<CodeMemory>>> = RwLock::new(BTreeMap::new());

thread_local! {
    /// Set while this thread holds the registry's write lock, so that a
    /// fault in that window does not deadlock the signal handler.
    static WRITING_REGISTRY: Cell<bool> = const { Cell::new(false) };
}

fn with_registry_mut<R>(f: impl FnOnce(&mut BTreeMap<usize, Arc<CodeMemory>>) -> R) -> R {
    WRITING_REGISTRY.set(true);
    let r = {
        let mut map = CODE.write().unwrap_or_else(|e| e.into_inner());
        f(&mut map)
    };
    WRITING_REGISTRY.set(false);
    r
}

/// Registers `code` so that faults at its trap sites are reported as traps.
/// It is keyed by the start of its text ([`CodeMemory::text_range`]).
pub fn register_code(code: Arc<CodeMemory>) {
    let start = code.text_range().start;
    let old = with_registry_mut(|map| map.insert(start, code));
    drop(old);
}

/// Unregisters the code whose text starts at `start` (no-op if none).
pub fn unregister_code(start: usize) {
    let old = with_registry_mut(|map| map.remove(&start));
    drop(old);
}

/// The registered code whose text contains `pc`.
pub fn lookup_code(pc: usize) -> Option<Arc<CodeMemory>> {
    let map = CODE.read().unwrap_or_else(|e| e.into_inner());
    let (_, code) = map.range(..=pc).next_back()?;
    code.text_range().contains(&pc).then(|| code.clone())
}

/// Like `lookup_code(pc)?.lookup_trap(pc)` but without touching reference
/// counts (used from the signal handler).
fn lookup_trap_site(pc: usize) -> Option<TrapSite> {
    let map = CODE.read().unwrap_or_else(|e| e.into_inner());
    let (_, code) = map.range(..=pc).next_back()?;
    code.lookup_trap(pc)
}

// ---------------------------------------------------------------------------
// Activations

/// One active `catch_traps` call on this thread. Lives on the stack of
/// `catch_traps`; the innermost one is published in `ACTIVATION`.
struct Activation {
    /// The `sigjmp_buf` of this call, set by `wasmtime_setjmp` (null until
    /// then).
    jmp_buf: Cell<*const u8>,
    store_context: *mut u8,
    /// Most frames a trap's backtrace records (0: none).
    max_frames: usize,
    prev: *const Activation,
    /// The trap, once recorded (by the signal handler or `raise_impl`);
    /// its frames are in the thread's [`FRAMES`] buffer.
    trap: Cell<Option<RawTrap>>,
}

/// A trap as recorded where nothing may allocate (in the signal handler):
/// plain values, with the backtrace's program counters in [`FRAMES`].
#[derive(Clone, Copy)]
struct RawTrap {
    pc: usize,
    fp: usize,
    site: TrapSite,
    faulting_addr: Option<usize>,
    /// Program counters written to the frame buffer.
    frames: usize,
    /// Older frames only counted.
    omitted: usize,
}

impl Activation {
    /// Walks the trapping frames into the thread's frame buffer and records
    /// the trap. Allocates nothing and takes no lock.
    ///
    /// # Safety
    ///
    /// `fp` must be the frame pointer of a live wasm frame of this
    /// activation (see [`walk_frames_into`]).
    unsafe fn record(&self, pc: usize, fp: usize, site: TrapSite, faulting_addr: Option<usize>) {
        let (buf, cap) = FRAMES.try_with(|f| f.get()).unwrap_or((ptr::null_mut(), 0));
        let len = self.max_frames.min(cap);
        let (frames, omitted) = if len == 0 || buf.is_null() {
            (0, 0)
        } else {
            // SAFETY: `catch_traps` made the buffer hold at least
            // `max_frames` (capped) entries before running wasm, and only
            // this thread uses it; `fp` is live per the caller.
            unsafe {
                let out = std::slice::from_raw_parts_mut(buf, len);
                walk_frames_into(pc, fp, self.entry_fp(), out)
            }
        };
        self.trap.set(Some(RawTrap {
            pc,
            fp,
            site,
            faulting_addr,
            frames,
            omitted,
        }));
    }
}

impl Activation {
    /// The frame pointer of the trampoline that last entered wasm in this
    /// activation's store (where frame walks stop), or 0 without a store.
    fn entry_fp(&self) -> usize {
        if self.store_context.is_null() {
            return 0;
        }
        // SAFETY: `catch_traps`' contract: a non-null store context is a
        // readable `VMStoreContext`.
        unsafe {
            self.store_context
                .add(store_context::LAST_WASM_ENTRY_FP as usize)
                .cast::<usize>()
                .read()
        }
    }
}

thread_local! {
    static ACTIVATION: Cell<*const Activation> = const { Cell::new(ptr::null()) };
    /// This thread's frame buffer for trap backtraces (pointer, length):
    /// const-initialised with no destructor, so the signal handler may read
    /// it. It only grows, and only outside wasm (in `catch_traps`), so it
    /// is valid whenever wasm traps.
    static FRAMES: Cell<(*mut usize, usize)> = const { Cell::new((ptr::null_mut(), 0)) };
    /// The storage behind [`FRAMES`].
    static FRAME_STORAGE: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Makes this thread's frame buffer hold at least `len` entries.
fn reserve_frames(len: usize) {
    let len = len.min(MAX_FRAMES);
    if FRAMES.get().1 >= len {
        return;
    }
    FRAME_STORAGE.with_borrow_mut(|storage| {
        storage.resize(len, 0);
        FRAMES.set((storage.as_mut_ptr(), storage.len()));
    });
}

struct Payload<F> {
    body: Option<F>,
    panic: Option<Box<dyn Any + Send>>,
}

extern "C" fn call_body<F: FnOnce()>(payload: *mut u8) {
    // SAFETY: `payload` is the `Payload<F>` that `catch_traps` passed to
    // `wasmtime_setjmp`, which is alive and not otherwise borrowed until
    // `wasmtime_setjmp` returns.
    let payload = unsafe { &mut *payload.cast::<Payload<F>>() };
    if let Some(body) = payload.body.take() {
        // Panics must not unwind through the C frame of `wasmtime_setjmp`;
        // they are resumed once it has returned.
        if let Err(e) = panic::catch_unwind(AssertUnwindSafe(body)) {
            payload.panic = Some(e);
        }
    }
}

/// Runs `body`, turning a trap in registered wasm code on this thread into
/// `Err`. Calls nest: a host function called from wasm may call
/// `catch_traps` again, and a trap is delivered to the innermost call.
///
/// A trap's backtrace records at most `max_frames` frames (none with 0)
/// and counts the rest.
///
/// Panics in `body` are propagated once `catch_traps` has cleaned up.
///
/// # Safety
///
/// * `store_context` must be null or point to a `VMStoreContext` whose
///   `LAST_WASM_ENTRY_FP` stays readable during the call and is, whenever
///   wasm traps, the frame pointer of the entry trampoline of the trapping
///   wasm activation (or zero), so the backtrace walk only reads live frames.
/// * When wasm traps, the frames between `body` and the trap are abandoned
///   with `siglongjmp`: destructors of values live in those frames (in
///   `body`, in wasm, or in host functions wasm called) do not run. `body`
///   must only call into wasm with nothing else to clean up.
pub unsafe fn catch_traps<F>(
    store_context: *mut u8,
    max_frames: usize,
    body: F,
) -> Result<(), Box<TrapRecord>>
where
    F: FnOnce(),
{
    // The signal handlers are installed per process by `init_traps` (an
    // engine with signal-based traps calls it); once they are, each thread
    // needs an alternate stack for them, set up on its first call here.
    thread_local!(static THREAD_READY: Cell<bool> = const { Cell::new(false) });
    if !THREAD_READY.get() && signal_handlers_installed() {
        ensure_alt_stack();
        THREAD_READY.set(true);
    }

    // Growing the frame buffer moves it: only here, never while this
    // thread's wasm can trap into an older activation that saw it (those
    // record through `FRAMES`, read at trap time).
    reserve_frames(max_frames);

    let activation = Activation {
        jmp_buf: Cell::new(ptr::null()),
        store_context,
        max_frames,
        prev: ACTIVATION.get(),
        trap: Cell::new(None),
    };

    /// Restores the previous activation, also if `wasmtime_setjmp` returned
    /// early through a trap.
    struct Restore(*const Activation);
    impl Drop for Restore {
        fn drop(&mut self) {
            ACTIVATION.set(self.0);
        }
    }

    let mut payload = Payload {
        body: Some(body),
        panic: None,
    };
    let ok = {
        let _restore = Restore(activation.prev);
        ACTIVATION.set(&activation);
        // SAFETY: `call_body::<F>` expects a `Payload<F>`, which is what we
        // pass; `activation.jmp_buf` is a valid place for the C code to
        // publish its jump buffer, and `activation` outlives the call (it
        // is unpublished by `_restore` right after).
        unsafe {
            wasmtime_setjmp(
                activation.jmp_buf.as_ptr(),
                call_body::<F>,
                ptr::from_mut(&mut payload).cast(),
            )
        }
    };
    if let Some(e) = payload.panic.take() {
        panic::resume_unwind(e);
    }
    if ok != 0 {
        return Ok(());
    }
    let raw = activation
        .trap
        .take()
        .expect("longjmp without a recorded trap");
    let (buf, _) = FRAMES.get();
    let pcs = if raw.frames == 0 {
        Vec::new()
    } else {
        // SAFETY: the trap wrote `raw.frames` entries to this thread's
        // buffer, which has not changed since (only `catch_traps` grows it,
        // and none ran after the trap).
        unsafe { std::slice::from_raw_parts(buf, raw.frames) }.to_vec()
    };
    Err(Box::new(TrapRecord {
        pc: raw.pc,
        fp: raw.fp,
        site: raw.site,
        backtrace: FrameWalk {
            pcs,
            omitted: raw.omitted,
        },
        faulting_addr: raw.faulting_addr,
    }))
}

/// Whether this thread is currently inside [`catch_traps`].
pub fn in_catch_traps() -> bool {
    !ACTIVATION.get().is_null()
}

// ---------------------------------------------------------------------------
// Traps raised without signals

std::arch::global_asm!(
    ".text",
    ".p2align 4",
    ".globl wasmtime_rt_raise_stub",
    "wasmtime_rt_raise_stub:",
    // The builtin `raise_trap(vmctx, site)`: pass the caller's return
    // address and frame pointer along to `raise_impl(vmctx, site, pc, fp)`.
    "mov rdx, [rsp]",
    "mov rcx, rbp",
    "jmp {raise_impl}",
    raise_impl = sym raise_impl,
);

/// The address compiled code calls for the `raise_trap` builtin.
pub(crate) const RAISE_STUB: *const () = wasmtime_rt_raise_stub as *const ();

unsafe extern "C" {
    fn wasmtime_rt_raise_stub();
}

/// Records trap `site` raised by compiled code (whose call returns to `pc`,
/// in the frame `fp`) and unwinds to the innermost [`catch_traps`], exactly
/// as the signal handler does for a faulting instruction.
///
/// # Safety
///
/// Only called by the stub, from compiled wasm code (or a wasm-to-host
/// trampoline) running inside `catch_traps`, so `fp` is a live frame of the
/// current activation.
unsafe extern "C" fn raise_impl(_vmctx: *mut u8, site: u32, pc: usize, fp: usize) -> ! {
    let activation = ACTIVATION.get();
    let site = u8::try_from(site).ok().and_then(TrapSite::from_u8);
    if activation.is_null() || site.is_none() {
        // Compiled code only runs inside `catch_traps` and passes valid
        // sites; anything else is a bug that must not continue.
        std::process::abort();
    }
    // SAFETY: a published activation stays alive until its `catch_traps`
    // returns, which cannot happen before we jump back into it.
    let activation = unsafe { &*activation };
    let jmp_buf = activation.jmp_buf.get();
    if jmp_buf.is_null() {
        std::process::abort();
    }
    // The call instruction itself, so that address lookups find the
    // trapping operator (the return address may start the next one).
    let pc = pc - 1;
    // SAFETY: `fp` is the frame pointer of the calling wasm frame, per
    // `catch_traps`' contract.
    unsafe { activation.record(pc, fp, site.unwrap(), None) };
    // SAFETY: `jmp_buf` belongs to the innermost `catch_traps` of this
    // thread, whose `wasmtime_setjmp` frame is live; nothing with a
    // destructor is live in this frame.
    unsafe { wasmtime_longjmp(jmp_buf) }
}

// ---------------------------------------------------------------------------
// Signal handlers

const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The actions installed before ours, in `SIGNALS` order. Written once
/// inside `init_traps` (by `sigaction` itself), then only read.
struct PreviousActions(UnsafeCell<[libc::sigaction; 4]>);

// SAFETY: written only during the one-time initialisation, before which the
// zeroed contents (SIG_DFL) are valid; afterwards only read.
unsafe impl Sync for PreviousActions {}

// SAFETY: an all-zero `sigaction` is valid (SIG_DFL, empty mask, no flags).
static PREVIOUS: PreviousActions = PreviousActions(UnsafeCell::new(unsafe { std::mem::zeroed() }));

static INIT: Once = Once::new();

/// Whether [`init_traps`] installed the signal handlers in this process.
pub fn signal_handlers_installed() -> bool {
    INIT.is_completed()
}

/// Installs the trap signal handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE
/// (once per process; later calls do nothing). Previously installed
/// handlers keep receiving every fault that is not a wasm trap.
pub fn init_traps() {
    INIT.call_once(|| {
        for (i, signum) in SIGNALS.iter().enumerate() {
            // SAFETY: we install a handler with the signature SA_SIGINFO
            // requires; the previous action is written into its slot of
            // `PREVIOUS`, which nothing else writes.
            let rc = unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = trap_handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let slot = PREVIOUS.0.get().cast::<libc::sigaction>().add(i);
                libc::sigaction(*signum, &action, slot)
            };
            assert_eq!(
                rc,
                0,
                "failed to install handler for signal {signum}: {}",
                std::io::Error::last_os_error()
            );
        }
    });
}

unsafe extern "C" fn trap_handler(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo and ucontext to SA_SIGINFO
    // handlers.
    if let Some(jmp_buf) = unsafe { handle_wasm_trap(signum, info, context) } {
        // SAFETY: `jmp_buf` belongs to the innermost `catch_traps` of this
        // thread, whose `wasmtime_setjmp` frame is still live. Nothing with
        // a destructor is live in this frame.
        unsafe { wasmtime_longjmp(jmp_buf) }
    }
    // SAFETY: as above; we are forwarding our own arguments.
    unsafe { chain_to_previous(signum, info, context) }
}

/// If the fault is a trap in registered wasm code inside `catch_traps`,
/// records it in the activation and returns the jump buffer to resume at.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn handle_wasm_trap(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> Option<*const u8> {
    let activation = ACTIVATION.try_with(|a| a.get()).ok()?;
    if activation.is_null() || WRITING_REGISTRY.try_with(|w| w.get()).unwrap_or(true) {
        return None;
    }
    // SAFETY: a published activation stays alive until its `catch_traps`
    // returns, which cannot happen while this thread runs the handler.
    let activation = unsafe { &*activation };
    let jmp_buf = activation.jmp_buf.get();
    if jmp_buf.is_null() {
        return None;
    }
    // SAFETY: on x86_64 Linux the third handler argument is a `ucontext_t`.
    let (pc, fp) = unsafe {
        let gregs = &(*context.cast::<libc::ucontext_t>()).uc_mcontext.gregs;
        (
            gregs[libc::REG_RIP as usize] as usize,
            gregs[libc::REG_RBP as usize] as usize,
        )
    };
    let site = lookup_trap_site(pc)?;
    let faulting_addr = match signum {
        // SAFETY: SIGSEGV and SIGBUS carry a fault address.
        libc::SIGSEGV | libc::SIGBUS => Some(unsafe { (*info).si_addr() } as usize),
        _ => None,
    };
    // SAFETY: `fp` is the frame pointer of a wasm frame (compiled with frame
    // pointers) of this activation, per the contract of `catch_traps`.
    unsafe { activation.record(pc, fp, site, faulting_addr) };
    Some(jmp_buf)
}

/// Passes a fault that is not a wasm trap to the previously installed
/// action.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn chain_to_previous(
    signum: libc::c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let Some(i) = SIGNALS.iter().position(|s| *s == signum) else {
        return;
    };
    // SAFETY: `PREVIOUS` is only written during `init_traps`, which ran
    // before our handler could be invoked.
    let previous = unsafe { &*PREVIOUS.0.get().cast::<libc::sigaction>().add(i) };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // A fault cannot be ignored: restore the default action and return.
        // The faulting instruction runs again and kills the process as if
        // we had never been installed. A signal sent by another process
        // does not recur by itself, so raise it again.
        // SAFETY: resetting a signal to its default action and raising it
        // are async-signal-safe; the handler is not blocked (SA_NODEFER).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signum, &action, ptr::null_mut());
            if (*info).si_code <= 0 {
                libc::raise(signum);
            }
        }
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO action's handler has this signature.
        unsafe {
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(signum, info, context);
        }
    } else {
        // SAFETY: a plain action's handler takes just the signal number.
        unsafe {
            let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            f(signum);
        }
    }
}

// ---------------------------------------------------------------------------
// Alternate signal stacks

/// Size of the per-thread alternate signal stack (plus a guard page).
pub const ALT_STACK_SIZE: usize = 64 * 1024;

/// This thread's alternate signal stack, if we installed one.
struct AltStack {
    mmap: Option<Mmap>,
}

impl AltStack {
    fn install() -> AltStack {
        // SAFETY: querying the current alternate stack has no preconditions.
        let current = unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            current
        };
        if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= ALT_STACK_SIZE {
            // Big enough already (or we are running on it).
            return AltStack { mmap: None };
        }
        let page = host_page_size();
        // The guard page is at the bottom (stacks grow down).
        let Ok(mmap) = Mmap::reserve(page + ALT_STACK_SIZE) else {
            return AltStack { mmap: None };
        };
        if mmap.make_accessible(page, ALT_STACK_SIZE).is_err() {
            return AltStack { mmap: None };
        }
        let stack = libc::stack_t {
            ss_sp: mmap.as_mut_ptr().wrapping_add(page).cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: `stack` describes readable and writable memory that stays
        // mapped until `Drop` disables the alternate stack.
        let rc = unsafe { libc::sigaltstack(&stack, ptr::null_mut()) };
        if rc != 0 {
            // E.g. EPERM when called while running on the current one.
            return AltStack { mmap: None };
        }
        AltStack { mmap: Some(mmap) }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let Some(mmap) = self.mmap.take() else {
            return;
        };
        let ours = mmap.as_ptr().wrapping_add(host_page_size());
        // SAFETY: if the current alternate stack is still ours, disable it
        // before unmapping its memory; otherwise the memory is unused.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_sp.cast_const() == ours.cast()
            {
                let disable = libc::stack_t {
                    ss_sp: ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: 0,
                };
                libc::sigaltstack(&disable, ptr::null_mut());
            }
        }
        drop(mmap);
    }
}

thread_local! {
    static ALT_STACK: RefCell<Option<AltStack>> = const { RefCell::new(None) };
}

/// Makes sure this thread has an alternate signal stack of at least
/// [`ALT_STACK_SIZE`] bytes for the trap handler (installing one the first
/// time; it is removed and freed when the thread exits).
pub fn ensure_alt_stack() {
    let _ = ALT_STACK.try_with(|slot| {
        if slot.borrow().is_none() {
            *slot.borrow_mut() = Some(AltStack::install());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_memory::CodeBuilder;
    use std::sync::OnceLock;
    use wasmtime_environ::{CompiledFunction, Trap, TrapInformation};

    /// `trampoline(store_context, arg, callee) -> i32`: records its frame
    /// pointer as `LAST_WASM_ENTRY_FP` and calls `callee(store_context, arg)`.
    /// push rbp; mov rbp, rsp; mov [rdi+0x28], rbp; call rdx; pop rbp; ret
    const TRAMPOLINE: &[u8] = &[
        0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0x6f, 0x28, 0xff, 0xd2, 0x5d, 0xc3,
    ];
    const TRAMPOLINE_RET: usize = 10;
    /// push rbp; mov rbp, rsp; ud2
    const UD2: &[u8] = &[0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b];
    /// push rbp; mov rbp, rsp; mov eax, [rsi]; pop rbp; ret
    const LOAD: &[u8] = &[0x55, 0x48, 0x89, 0xe5, 0x8b, 0x06, 0x5d, 0xc3];
    /// push rbp; mov rbp, rsp; xor ecx, ecx; cdq; idiv ecx; pop rbp; ret
    const DIV: &[u8] = &[
        0x55, 0x48, 0x89, 0xe5, 0x31, 0xc9, 0x99, 0xf7, 0xf9, 0x5d, 0xc3,
    ];
    /// push rbp; mov rbp, rsp; call rsi; ud2
    const CALL_THEN_UD2: &[u8] = &[0x55, 0x48, 0x89, 0xe5, 0xff, 0xd6, 0x0f, 0x0b];

    const F_TRAMPOLINE: u32 = 0;
    const F_UD2: u32 = 1;
    const F_LOAD: u32 = 2;
    const F_DIV: u32 = 3;
    const F_CALL_THEN_UD2: u32 = 4;

    fn func(body: &[u8], traps: &[(u32, Trap)]) -> CompiledFunction {
        CompiledFunction {
            body: body.to_vec(),
            alignment: 16,
            traps: traps
                .iter()
                .map(|(code_offset, trap)| TrapInformation {
                    code_offset: *code_offset,
                    trap: TrapSite::Wasm(*trap),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn build_code() -> Arc<CodeMemory> {
        let mut b = CodeBuilder::new();
        assert_eq!(b.append(&func(TRAMPOLINE, &[])), F_TRAMPOLINE);
        assert_eq!(
            b.append(&func(UD2, &[(4, Trap::UnreachableCodeReached)])),
            F_UD2
        );
        assert_eq!(
            b.append(&func(LOAD, &[(4, Trap::MemoryOutOfBounds)])),
            F_LOAD
        );
        assert_eq!(
            b.append(&func(DIV, &[(7, Trap::IntegerDivisionByZero)])),
            F_DIV
        );
        assert_eq!(
            b.append(&func(CALL_THEN_UD2, &[(6, Trap::StackOverflow)])),
            F_CALL_THEN_UD2
        );
        Arc::new(CodeMemory::new(b, |_| unreachable!()).unwrap())
    }

    /// Code shared by the tests, registered for the whole process.
    fn code() -> &'static Arc<CodeMemory> {
        static CODE: OnceLock<Arc<CodeMemory>> = OnceLock::new();
        CODE.get_or_init(|| {
            let code = build_code();
            register_code(code.clone());
            code
        })
    }

    /// A fake `VMStoreContext`.
    struct Store([usize; store_context::SIZE as usize / 8]);

    impl Store {
        fn new() -> Store {
            Store([0; store_context::SIZE as usize / 8])
        }
        fn ptr(&mut self) -> *mut u8 {
            self.0.as_mut_ptr().cast()
        }
    }

    /// Calls `callee(store, arg)` through the trampoline inside `catch_traps`.
    fn call(code: &CodeMemory, callee: u32, arg: usize) -> Result<i32, Box<TrapRecord>> {
        init_traps();
        let mut store = Store::new();
        let store = store.ptr();
        let mut result = 0;
        let callee = code.func_ptr(callee);
        // SAFETY: the trampoline has the declared SysV signature, `callee`
        // is one of the test functions (which keep frame pointers), and the
        // store context is valid for the whole call; the body owns nothing
        // that needs dropping.
        unsafe {
            let tramp: extern "C" fn(*mut u8, usize, *const u8) -> i32 =
                std::mem::transmute(code.func_ptr(F_TRAMPOLINE));
            catch_traps(store, 100, || result = tramp(store, arg, callee))?;
        }
        Ok(result)
    }

    fn assert_trap(
        code: &CodeMemory,
        r: Result<i32, Box<TrapRecord>>,
        func: u32,
        offset: usize,
        trap: Trap,
    ) -> Box<TrapRecord> {
        let record = r.unwrap_err();
        let pc = code.func_ptr(func) as usize + offset;
        assert_eq!(record.site, TrapSite::Wasm(trap));
        assert_eq!(record.pc, pc);
        assert_eq!(
            record.backtrace.pcs,
            vec![pc, code.func_ptr(F_TRAMPOLINE) as usize + TRAMPOLINE_RET]
        );
        assert_ne!(record.fp, 0);
        record
    }

    #[test]
    fn registry() {
        let code = build_code();
        let range = code.text_range();
        assert!(lookup_code(range.start).is_none());
        register_code(code.clone());
        assert!(Arc::ptr_eq(&lookup_code(range.start).unwrap(), &code));
        assert!(Arc::ptr_eq(&lookup_code(range.end - 1).unwrap(), &code));
        assert!(lookup_code(range.end).is_none_or(|c| !Arc::ptr_eq(&c, &code)));
        unregister_code(range.start);
        assert!(lookup_code(range.start).is_none());
    }

    #[test]
    fn unreachable_trap_repeatedly() {
        let code = code();
        for _ in 0..10 {
            let r = call(code, F_UD2, 0);
            let record = assert_trap(code, r, F_UD2, 4, Trap::UnreachableCodeReached);
            assert_eq!(record.faulting_addr, None);
            assert!(!in_catch_traps());
        }
    }

    #[test]
    fn memory_fault_trap() {
        let code = code();
        let guard = Mmap::reserve(1).unwrap();
        let addr = guard.as_ptr() as usize;
        for _ in 0..3 {
            let r = call(code, F_LOAD, addr + 8);
            let record = assert_trap(code, r, F_LOAD, 4, Trap::MemoryOutOfBounds);
            assert_eq!(record.faulting_addr, Some(addr + 8));
        }
        // A readable address does not trap.
        let value = 0x1234_5678u32;
        assert_eq!(
            call(code, F_LOAD, ptr::from_ref(&value) as usize).unwrap(),
            0x1234_5678
        );
    }

    #[test]
    fn division_trap() {
        let code = code();
        let r = call(code, F_DIV, 0);
        assert_trap(code, r, F_DIV, 7, Trap::IntegerDivisionByZero);
    }

    thread_local! {
        static INNER: RefCell<Vec<Result<i32, Box<TrapRecord>>>> = const { RefCell::new(Vec::new()) };
    }

    extern "C" fn host_calls_wasm() {
        let code = code();
        let r = call(code, F_UD2, 0);
        let depth_ok = in_catch_traps();
        INNER.with(|i| i.borrow_mut().push(r));
        INNER.with(|i| i.borrow_mut().push(Ok(depth_ok as i32)));
    }

    #[test]
    fn nested_activations() {
        let code = code();
        let host = host_calls_wasm as extern "C" fn() as usize;
        for _ in 0..3 {
            let r = call(code, F_CALL_THEN_UD2, host);
            assert_trap(code, r, F_CALL_THEN_UD2, 6, Trap::StackOverflow);
            let inner = INNER.with(|i| std::mem::take(&mut *i.borrow_mut()));
            assert_eq!(inner.len(), 2);
            let mut inner = inner.into_iter();
            assert_trap(
                code,
                inner.next().unwrap(),
                F_UD2,
                4,
                Trap::UnreachableCodeReached,
            );
            // The outer activation was still active inside the host function.
            assert_eq!(inner.next().unwrap().unwrap(), 1);
            assert!(!in_catch_traps());
        }
    }

    #[test]
    fn panics_propagate() {
        let r = panic::catch_unwind(|| {
            // SAFETY: no wasm runs.
            unsafe { catch_traps(ptr::null_mut(), 100, || panic!("boom")) }
        });
        assert!(r.is_err());
        assert!(!in_catch_traps());
        // SAFETY: no wasm runs.
        assert!(unsafe { catch_traps(ptr::null_mut(), 100, || {}) }.is_ok());
    }

    #[test]
    fn concurrent_traps() {
        let threads: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let own = build_code();
                    register_code(own.clone());
                    let guard = Mmap::reserve(1).unwrap();
                    for i in 0..200 {
                        let code = if (i + t) % 2 == 0 { code() } else { &own };
                        let r = call(code, F_UD2, 0);
                        assert_trap(code, r, F_UD2, 4, Trap::UnreachableCodeReached);
                        let r = call(code, F_LOAD, guard.as_ptr() as usize);
                        assert_trap(code, r, F_LOAD, 4, Trap::MemoryOutOfBounds);
                        let r = call(code, F_DIV, 0);
                        assert_trap(code, r, F_DIV, 7, Trap::IntegerDivisionByZero);
                    }
                    unregister_code(own.text_range().start);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }

    #[test]
    fn unregistered_code_is_not_a_trap_site() {
        // Same bytes, but not registered: must not be treated as a trap.
        // Checked without faulting, via the lookup the handler uses.
        let code = build_code();
        let pc = code.func_ptr(F_UD2) as usize + 4;
        assert_eq!(lookup_trap_site(pc), None);
        assert_eq!(
            code.lookup_trap(pc),
            Some(TrapSite::Wasm(Trap::UnreachableCodeReached))
        );
    }

    /// Runs `f` in a forked child and returns how the child ended.
    fn in_child(f: fn()) -> libc::c_int {
        init_traps();
        // Make sure the shared code is registered before forking, so the
        // child never needs the registry's write lock.
        code();
        // SAFETY: the child only runs `f` (which allocates nothing that
        // other threads could have locked) and then exits without
        // returning into the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            f();
            // SAFETY: leaving the child immediately is always fine.
            unsafe { libc::_exit(0) };
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let mut status = 0;
            // SAFETY: waiting for our own child.
            let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if rc == pid {
                return status;
            }
            if std::time::Instant::now() > deadline {
                // SAFETY: killing our own child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("child process hung");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    fn killed_by(status: libc::c_int) -> Option<libc::c_int> {
        libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status))
    }

    fn read_guard_page() {
        let guard = Mmap::reserve(1).unwrap();
        // SAFETY: deliberately faults (in a child process).
        unsafe { ptr::read_volatile(guard.as_ptr()) };
    }

    #[test]
    fn host_fault_outside_catch_traps_crashes() {
        let status = in_child(read_guard_page);
        assert_eq!(killed_by(status), Some(libc::SIGSEGV));
    }

    #[test]
    fn host_fault_inside_catch_traps_crashes() {
        let status = in_child(|| {
            // SAFETY: deliberately faults in host code (in a child process).
            let _ = unsafe { catch_traps(ptr::null_mut(), 100, read_guard_page) };
        });
        assert_eq!(killed_by(status), Some(libc::SIGSEGV));
    }

    #[test]
    fn host_illegal_instruction_crashes() {
        let status = in_child(|| {
            // SAFETY: deliberately executes ud2 in host code (in a child).
            let _ = unsafe { catch_traps(ptr::null_mut(), 100, || std::arch::asm!("ud2")) };
        });
        assert_eq!(killed_by(status), Some(libc::SIGILL));
    }

    #[test]
    fn host_stack_overflow_crashes() {
        #[inline(never)]
        #[allow(unconditional_recursion)]
        fn recurse(n: u64) -> u64 {
            let buf = std::hint::black_box([n; 64]);
            recurse(buf[3] + 1) + buf[5]
        }
        let status = in_child(|| {
            // SAFETY: deliberately overflows the host stack (in a child).
            let _ = unsafe {
                catch_traps(ptr::null_mut(), 100, || {
                    std::hint::black_box(recurse(0));
                })
            };
        });
        // Rust's own handler reports the overflow and aborts.
        let sig = killed_by(status);
        assert!(
            sig == Some(libc::SIGABRT) || sig == Some(libc::SIGSEGV),
            "{status:#x}"
        );
    }
}
