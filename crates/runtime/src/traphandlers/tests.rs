//! Tests of trap handling with hand-written machine code.

use super::registry::lookup_trap_site;
use super::*;
use crate::code_memory::CodeBuilder;
use crate::code_memory::CodeMemory;
use crate::mmap::Mmap;
use std::cell::RefCell;
use std::sync::Arc;
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
