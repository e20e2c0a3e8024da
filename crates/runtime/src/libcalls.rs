//! The builtin functions compiled code calls, generated from the single
//! list in `wasmtime_environ::foreach_builtin_function!`.

use crate::instance::Instance;
use crate::vmcontext::VMContext;
use crate::vmstore::VMStore;
use std::time::Duration;
use wasmtime_environ::{
    foreach_builtin_function, DataIndex, ElemIndex, EntityRef, MemoryIndex, TableIndex, Trap,
    TypeIndex,
};

/// Implementations, one per builtin, taking the calling instance.
mod impls {
    use super::*;
    use crate::shared_memory::{SharedMemory, WaitResult};

    /// Maps the outcome of a grow to the builtin's result: the old size,
    /// -1 for failure, -2 for an error now pending in the store.
    fn grow_result(store: Option<&mut (dyn VMStore + '_)>, r: anyhow::Result<Option<u64>>) -> u64 {
        match r {
            Ok(Some(old)) => old,
            Ok(None) => -1i64 as u64,
            Err(e) => match store {
                Some(store) => {
                    store.set_pending_error(e);
                    -2i64 as u64
                }
                None => -1i64 as u64,
            },
        }
    }

    pub fn memory_grow(instance: &mut Instance, memory: u32, delta: u64) -> u64 {
        // SAFETY: a builtin runs while the host code owning the store is
        // suspended in a call into wasm.
        let mut store = unsafe { instance.vmstore() };
        let r = instance.memory_grow(MemoryIndex::from_u32(memory), delta, store.as_deref_mut());
        grow_result(store, r)
    }

    pub fn out_of_fuel(instance: &mut Instance) -> bool {
        // SAFETY: as in `memory_grow`.
        match unsafe { instance.vmstore() } {
            Some(store) => match store.out_of_fuel() {
                Ok(()) => true,
                Err(e) => {
                    store.set_pending_error(e);
                    false
                }
            },
            None => false,
        }
    }

    pub fn new_epoch(instance: &mut Instance) -> bool {
        // SAFETY: as in `memory_grow`.
        match unsafe { instance.vmstore() } {
            Some(store) => match store.new_epoch() {
                Ok(()) => true,
                Err(e) => {
                    store.set_pending_error(e);
                    false
                }
            },
            None => false,
        }
    }

    pub fn memory_copy(
        instance: &mut Instance,
        dst_mem: u32,
        dst: u64,
        src_mem: u32,
        src: u64,
        len: u64,
    ) -> bool {
        instance.memory_copy(
            MemoryIndex::from_u32(dst_mem),
            dst,
            MemoryIndex::from_u32(src_mem),
            src,
            len,
        )
    }

    pub fn memory_fill(instance: &mut Instance, memory: u32, dst: u64, val: u32, len: u64) -> bool {
        instance.memory_fill(MemoryIndex::from_u32(memory), dst, val as u8, len)
    }

    pub fn memory_init(
        instance: &mut Instance,
        memory: u32,
        data: u32,
        dst: u64,
        src: u32,
        len: u32,
    ) -> bool {
        instance.memory_init(
            MemoryIndex::from_u32(memory),
            DataIndex::from_u32(data),
            dst,
            src,
            len,
        )
    }

    pub fn data_drop(instance: &mut Instance, data: u32) {
        instance.data_drop(DataIndex::from_u32(data))
    }

    pub fn table_grow(instance: &mut Instance, table: u32, delta: u64, init: u64) -> u64 {
        // SAFETY: as in `memory_grow`.
        let mut store = unsafe { instance.vmstore() };
        let r = instance.table_grow(
            TableIndex::from_u32(table),
            delta,
            init,
            store.as_deref_mut(),
        );
        grow_result(store, r)
    }

    pub fn table_fill(instance: &mut Instance, table: u32, dst: u64, val: u64, len: u64) -> bool {
        instance
            .table(TableIndex::from_u32(table))
            .fill(dst, val, len)
    }

    pub fn table_copy(
        instance: &mut Instance,
        dst_table: u32,
        src_table: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> bool {
        instance.table_copy(
            TableIndex::from_u32(dst_table),
            TableIndex::from_u32(src_table),
            dst,
            src,
            len,
        )
    }

    pub fn table_init(
        instance: &mut Instance,
        table: u32,
        elem: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> bool {
        instance.table_init(
            TableIndex::from_u32(table),
            ElemIndex::from_u32(elem),
            dst,
            src,
            len,
        )
    }

    pub fn elem_drop(instance: &mut Instance, elem: u32) {
        instance.elem_drop(ElemIndex::new(elem as usize))
    }

    pub fn is_subtype(instance: &mut Instance, actual: u32, expected: u32) -> u32 {
        // SAFETY: as in `memory_grow`.
        match unsafe { instance.vmstore() } {
            Some(store) => u32::from(store.is_subtype(actual, expected)),
            None => u32::from(actual == expected),
        }
    }

    /// Makes a GC builtin's error pending in the store; returns `fail`.
    fn gc_result<T>(instance: &mut Instance, r: anyhow::Result<T>, fail: T) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                // SAFETY: as in `memory_grow`.
                if let Some(store) = unsafe { instance.vmstore() } {
                    store.set_pending_error(e);
                }
                fail
            }
        }
    }

    pub fn gc_alloc(instance: &mut Instance, ty: u32, len: u32) -> u64 {
        let r = instance.gc_alloc(TypeIndex::from_u32(ty), len, true);
        gc_result(instance, r, 0)
    }

    pub fn array_new_data(
        instance: &mut Instance,
        ty: u32,
        data: u32,
        offset: u32,
        len: u32,
    ) -> u64 {
        let r = instance.array_new_data(
            TypeIndex::from_u32(ty),
            DataIndex::from_u32(data),
            offset,
            len,
        );
        gc_result(instance, r, 0)
    }

    pub fn array_new_elem(
        instance: &mut Instance,
        ty: u32,
        elem: u32,
        offset: u32,
        len: u32,
    ) -> u64 {
        let r = instance.array_new_elem(
            TypeIndex::from_u32(ty),
            ElemIndex::from_u32(elem),
            offset,
            len,
        );
        gc_result(instance, r, 0)
    }

    pub fn array_init_data(
        instance: &mut Instance,
        ty: u32,
        array: u64,
        dst: u32,
        data: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let r = instance
            .array_init_data(
                TypeIndex::from_u32(ty),
                array,
                dst,
                DataIndex::from_u32(data),
                src,
                len,
            )
            .map(|()| true);
        gc_result(instance, r, false)
    }

    pub fn array_init_elem(
        instance: &mut Instance,
        ty: u32,
        array: u64,
        dst: u32,
        elem: u32,
        src: u32,
        len: u32,
    ) -> bool {
        let r = instance
            .array_init_elem(
                TypeIndex::from_u32(ty),
                array,
                dst,
                ElemIndex::from_u32(elem),
                src,
                len,
            )
            .map(|()| true);
        gc_result(instance, r, false)
    }

    pub fn array_copy(
        instance: &mut Instance,
        dst: u64,
        dst_index: u32,
        src: u64,
        src_index: u32,
        len: u32,
        size: u32,
    ) -> bool {
        let r = instance
            .array_copy(dst, dst_index, src, src_index, len, size)
            .map(|()| true);
        gc_result(instance, r, false)
    }

    pub fn exn_alloc(instance: &mut Instance, tag: u32, len: u32) -> u64 {
        instance.alloc_exn(tag, len) as u64
    }

    pub fn cont_new(instance: &mut Instance, func: u64, nparams: u32, nresults: u32) -> u64 {
        crate::cont::cont_new(instance, func, nparams, nresults)
    }

    pub fn cont_bind(instance: &mut Instance, cont: u64, buf: u64, nargs: u32) -> u64 {
        // SAFETY: compiled code passes a buffer of `nargs` slots.
        unsafe { crate::cont::bind(instance, cont, buf as usize as *const _, nargs) }
    }

    pub fn cont_resume(
        instance: &mut Instance,
        cont: u64,
        buf: u64,
        nargs: u32,
        cap: u32,
        handlers: u64,
        nhandlers: u32,
    ) -> u32 {
        // SAFETY: compiled code passes a buffer of `cap` slots holding
        // `nargs` values and `nhandlers` handler words.
        unsafe {
            crate::cont::resume(
                instance,
                cont,
                0,
                buf as usize as *mut _,
                nargs,
                cap,
                handlers as usize as *const u64,
                nhandlers,
            ) as u32
        }
    }

    pub fn cont_resume_throw(
        instance: &mut Instance,
        cont: u64,
        exn: u64,
        buf: u64,
        cap: u32,
        handlers: u64,
        nhandlers: u32,
    ) -> u32 {
        // SAFETY: as in `cont_resume`; `exn` is a live exception object.
        unsafe {
            crate::cont::resume(
                instance,
                cont,
                exn as usize,
                buf as usize as *mut _,
                0,
                cap,
                handlers as usize as *const u64,
                nhandlers,
            ) as u32
        }
    }

    pub fn cont_suspend(
        instance: &mut Instance,
        tag: u32,
        buf: u64,
        nargs: u32,
        cap: u32,
        nresults: u32,
    ) -> u32 {
        // SAFETY: compiled code passes a buffer of `cap` slots holding
        // `nargs` values.
        unsafe {
            crate::cont::suspend(
                instance,
                tag,
                0,
                buf as usize as *mut _,
                nargs,
                cap,
                nresults,
            ) as u32
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn cont_switch(
        instance: &mut Instance,
        tag: u32,
        cont: u64,
        buf: u64,
        nargs: u32,
        cap: u32,
        nresults: u32,
    ) -> u32 {
        // SAFETY: as in `cont_suspend`; compiled code checked `cont` for
        // null.
        unsafe {
            crate::cont::suspend(
                instance,
                tag,
                cont,
                buf as usize as *mut _,
                nargs,
                cap,
                nresults,
            ) as u32
        }
    }

    /// Never called: the builtin table points `raise_trap` at the assembly
    /// stub in `crate::traphandlers`.
    pub fn raise_trap(_instance: &mut Instance, _site: u32) {
        std::process::abort()
    }

    /// Never called: the builtin table points `throw_ref` at the assembly
    /// stub in `crate::exception`.
    pub fn throw_ref(_instance: &mut Instance, _exn: u64) {
        std::process::abort()
    }

    /// Encodes an atomic builtin's outcome: the value, or `-trap_code`.
    fn status(r: Result<u64, Trap>) -> u64 {
        match r {
            Ok(v) => v,
            Err(t) => (-i64::from(t.to_u8())) as u64,
        }
    }

    fn timeout(ns: u64) -> Option<Duration> {
        // A negative timeout means "forever".
        (ns as i64 >= 0).then(|| Duration::from_nanos(ns))
    }

    /// Checks an atomic access of `size` bytes to a non-shared memory.
    fn check_unshared(
        instance: &Instance,
        memory: MemoryIndex,
        addr: Option<u64>,
        size: u64,
    ) -> Result<(), Trap> {
        let addr = addr.ok_or(Trap::MemoryOutOfBounds)?;
        if !addr.is_multiple_of(size) {
            return Err(Trap::HeapMisaligned);
        }
        let (_, len) = instance.memory_slice(memory);
        match addr.checked_add(size) {
            Some(end) if end <= len as u64 => Ok(()),
            _ => Err(Trap::MemoryOutOfBounds),
        }
    }

    pub fn memory_atomic_notify(
        instance: &mut Instance,
        memory: u32,
        index: u64,
        offset: u64,
        count: u32,
    ) -> u64 {
        let memory = MemoryIndex::from_u32(memory);
        let addr = index.checked_add(offset);
        status(match instance.shared_memory(memory) {
            Some(shared) => match addr {
                Some(addr) => shared.atomic_notify(addr, count).map(u64::from),
                None => Err(Trap::MemoryOutOfBounds),
            },
            // Nobody can wait on an unshared memory.
            None => check_unshared(instance, memory, addr, 4).map(|()| 0),
        })
    }

    /// `memory.atomic.wait{32,64}` of `size` bytes: waits with `wait` on a
    /// shared memory; on an unshared one, checks the address then traps.
    fn atomic_wait(
        instance: &mut Instance,
        memory: u32,
        index: u64,
        offset: u64,
        size: u64,
        wait: impl FnOnce(&SharedMemory, u64) -> Result<WaitResult, Trap>,
    ) -> u64 {
        let memory = MemoryIndex::from_u32(memory);
        let addr = index.checked_add(offset);
        status(match instance.shared_memory(memory) {
            Some(shared) => match addr {
                Some(addr) => wait(&shared, addr).map(|r| r as u64),
                None => Err(Trap::MemoryOutOfBounds),
            },
            None => check_unshared(instance, memory, addr, size)
                .and(Err(Trap::AtomicWaitNonSharedMemory)),
        })
    }

    pub fn memory_atomic_wait32(
        instance: &mut Instance,
        memory: u32,
        index: u64,
        offset: u64,
        expected: u32,
        timeout_ns: u64,
    ) -> u64 {
        atomic_wait(instance, memory, index, offset, 4, |shared, addr| {
            shared.atomic_wait32(addr, expected, timeout(timeout_ns))
        })
    }

    pub fn memory_atomic_wait64(
        instance: &mut Instance,
        memory: u32,
        index: u64,
        offset: u64,
        expected: u64,
        timeout_ns: u64,
    ) -> u64 {
        atomic_wait(instance, memory, index, offset, 8, |shared, addr| {
            shared.atomic_wait64(addr, expected, timeout(timeout_ns))
        })
    }
}

macro_rules! rust_type {
    (vmctx) => { *mut VMContext };
    (i32) => { u32 };
    (i64) => { u64 };
    (bool) => { bool };
    (status) => { bool };
    (void) => { () };
}

/// The builtin table's entry for a builtin with result kind `$result`: the
/// register-preserving trampoline for `status` builtins, the throw stub for
/// `throw_ref` and the raise stub for `raise_trap` (which need their
/// caller's return address and frame pointer),
/// else the generated entry point.
macro_rules! table_entry {
    (status, $name:ident) => {
        preserve_all::$name as *const ()
    };
    ($result:ident, throw_ref) => {
        crate::exception::THROW_STUB
    };
    ($result:ident, raise_trap) => {
        crate::traphandlers::RAISE_STUB
    };
    ($result:ident, gc_alloc) => {
        gc_exit::gc_alloc as *const ()
    };
    ($result:ident, array_new_data) => {
        gc_exit::array_new_data as *const ()
    };
    ($result:ident, array_new_elem) => {
        gc_exit::array_new_elem as *const ()
    };
    ($result:ident, $name:ident) => {
        entry::$name as *const ()
    };
}

/// A stub for a builtin that may collect the GC heap: records the calling
/// wasm frame as the store context's last exit (`[rsp]` is the return
/// address into it, `rbp` still its frame pointer) so the collector can
/// walk the wasm stack (`crate::gc_roots`), then jumps to the entry point
/// with the arguments untouched (it uses only `r10`/`r11`, which carry no
/// arguments in the System V convention).
macro_rules! gc_exit_stub {
    ($($name:ident)*) => {
        /// Exit-recording stubs of the builtins that may collect.
        mod gc_exit {
            $(
                // SAFETY: the body saves two values to the store context
                // the vmctx in `rdi` points at (compiled code passes its
                // own live vmctx) and tail-jumps to the entry point with
                // the stack and argument registers as it received them.
                #[unsafe(naked)]
                pub unsafe extern "C" fn $name() {
                    core::arch::naked_asm!(
                        "mov r10, [rdi + {store_context}]",
                        "mov r11, [rsp]",
                        "mov [r10 + {exit_pc}], r11",
                        "mov [r10 + {exit_fp}], rbp",
                        "jmp {entry}",
                        entry = sym super::entry::$name,
                        store_context = const wasmtime_environ::vmctx::STORE_CONTEXT,
                        exit_pc = const wasmtime_environ::store_context::LAST_WASM_EXIT_PC,
                        exit_fp = const wasmtime_environ::store_context::LAST_WASM_EXIT_FP,
                    )
                }
            )*
        }
    };
}

gc_exit_stub!(gc_alloc array_new_data array_new_elem);

/// For a `status` builtin, a trampoline with Cranelift's `PreserveAll`
/// convention on x86_64 (`rdi` = vmctx): it saves every register the
/// SystemV entry point may clobber (`rax`, `rcx`, `rdx`, `rsi`, `rdi`,
/// `r8`-`r11`, `xmm0`-`xmm15`; the others are callee-saved), calls the entry
/// point, stores its result in the store context's `BUILTIN_STATUS` field
/// and restores them all. The frame pointer is pushed first so
/// frame-pointer walks stay intact, and the calling wasm frame is recorded
/// as the store context's last exit (`LAST_WASM_EXIT_PC`/`FP`).
macro_rules! preserve_all_trampoline {
    (status, $name:ident) => {
        // SAFETY: the body is a complete function in assembly: it keeps the
        // stack balanced and 16-byte aligned at the call, restores every
        // register it saved, and is only called by compiled code with the
        // convention described above, with its own live vmctx.
        #[unsafe(naked)]
        pub unsafe extern "C" fn $name(_vmctx: *mut VMContext) {
            // Entry: rsp = 8 mod 16. After rbp and 9 registers: 0 mod 16;
            // 264 bytes (16 xmm slots + 8 padding) keep it 16-byte aligned
            // at the call.
            core::arch::naked_asm!(
                save_caller_saved!(),
                // Record the calling wasm frame as the store's last exit
                // (`[rbp + 8]` returns into it, `[rbp]` is its frame
                // pointer) so that host code run by the builtin (an epoch
                // callback sampling a guest profile, say) can walk the wasm
                // stack as it does from a host function. rax and rcx are
                // saved above; rdi still holds the vmctx.
                "mov rax, [rdi + {store_context}]",
                "mov rcx, [rbp + 8]",
                "mov [rax + {exit_pc}], rcx",
                "mov rcx, [rbp]",
                "mov [rax + {exit_fp}], rcx",
                "call {entry}",
                // The saved rdi (vmctx) -> store context -> status.
                "mov rdi, [rbp - 40]",
                "mov rdi, [rdi + {store_context}]",
                "movzx eax, al",
                "mov [rdi + {status}], rax",
                restore_caller_saved_and_return!(),
                entry = sym super::entry::$name,
                store_context = const wasmtime_environ::vmctx::STORE_CONTEXT,
                status = const wasmtime_environ::store_context::BUILTIN_STATUS,
                exit_pc = const wasmtime_environ::store_context::LAST_WASM_EXIT_PC,
                exit_fp = const wasmtime_environ::store_context::LAST_WASM_EXIT_FP,
            )
        }
    };
    ($result:ident, $name:ident) => {};
}

macro_rules! define_builtins {
    ($( $(#[$attr:meta])* $name:ident( vmctx: vmctx $(, $pname:ident: $param:ident)* ) -> $result:ident; )*) => {
        /// `extern "C"` entry points called by compiled code.
        #[allow(dead_code)]
        mod entry {
            use super::*;
            $(
                pub unsafe extern "C" fn $name(vmctx: *mut VMContext $(, $pname: rust_type!($param))*) -> rust_type!($result) {
                    // A panic must never unwind into compiled code.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        // SAFETY: compiled code passes its own live vmctx.
                        let instance = unsafe { Instance::from_vmctx(vmctx) };
                        impls::$name(instance $(, $pname)*)
                    }));
                    match result {
                        Ok(r) => r,
                        Err(_) => std::process::abort(),
                    }
                }
            )*
        }

        /// Register-preserving trampolines for the `status` builtins.
        mod preserve_all {
            use super::*;
            $(preserve_all_trampoline!($result, $name);)*
        }

        static BUILTINS: BuiltinArray = BuiltinArray([
            $(table_entry!($result, $name),)*
        ]);
    };
}

foreach_builtin_function!(define_builtins);

struct BuiltinArray([*const (); wasmtime_environ::BuiltinFunctionIndex::COUNT as usize]);

// SAFETY: the array holds immutable function pointers.
unsafe impl Sync for BuiltinArray {}

/// The table of builtin function pointers stored in every `VMContext`.
pub fn builtin_array() -> *const usize {
    BUILTINS.0.as_ptr().cast()
}
