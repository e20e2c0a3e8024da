//! The builtin functions: runtime routines that compiled code calls through
//! the `VMContext`'s builtin table. The list below is the single source of
//! truth; the compiler derives call signatures from it and the runtime fills
//! the table from it.

/// Invokes `$mac!` with the list of builtins.
///
/// Each entry reads `name(param: kind, ...) -> kind;` where a kind is one of
/// `vmctx` (the caller's `*mut VMContext`), `i32`, `i64` (also used for
/// references, which are pointer-sized), or `bool` (returned as `i8`: 1 for
/// success, 0 when the operation must trap). A builtin returning `bool` never
/// unwinds itself; the compiled code checks the result and traps with the
/// code documented on the entry, so every trap leaves wasm through the same
/// signal-handler path.
///
/// The result kind `status` marks the cold-path checks that sit in loop
/// headers (fuel, epochs): it is a `bool` too, but the compiled code calls
/// such a builtin through a runtime trampoline that preserves every register
/// (Cranelift's `PreserveAll` convention) and receives no result: the
/// trampoline writes it to the store context's `BUILTIN_STATUS` field, which
/// the code reads after the call. A call that clobbers nothing does not
/// force the loop's live values (notably floats, which SystemV never
/// preserves) out of registers.
#[macro_export]
macro_rules! foreach_builtin_function {
    ($mac:ident) => {
        $mac! {
            /// `memory.grow`: returns the old size in pages, -1 when the growth
            /// fails or the store's limiter denies it, or -2 when the limiter
            /// raised an error (pending in the store; the code then traps
            /// with `TrapSite::HostError`).
            memory_grow(vmctx: vmctx, memory: i32, delta: i64) -> i64;
            /// `memory.copy`; false traps with `MemoryOutOfBounds`.
            memory_copy(vmctx: vmctx, dst_memory: i32, dst: i64, src_memory: i32, src: i64, len: i64) -> bool;
            /// `memory.fill`; false traps with `MemoryOutOfBounds`.
            memory_fill(vmctx: vmctx, memory: i32, dst: i64, val: i32, len: i64) -> bool;
            /// `memory.init`; false traps with `MemoryOutOfBounds`.
            memory_init(vmctx: vmctx, memory: i32, data: i32, dst: i64, src: i32, len: i32) -> bool;
            /// `data.drop`.
            data_drop(vmctx: vmctx, data: i32) -> void;
            /// `table.grow`: returns the old size, -1 or -2 as for `memory_grow`.
            table_grow(vmctx: vmctx, table: i32, delta: i64, init: i64) -> i64;
            /// `table.fill`; false traps with `TableOutOfBounds`.
            table_fill(vmctx: vmctx, table: i32, dst: i64, val: i64, len: i64) -> bool;
            /// `table.copy`; false traps with `TableOutOfBounds`.
            table_copy(vmctx: vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> bool;
            /// `table.init`; false traps with `TableOutOfBounds`.
            table_init(vmctx: vmctx, table: i32, elem: i32, dst: i64, src: i64, len: i64) -> bool;
            /// `elem.drop`.
            elem_drop(vmctx: vmctx, elem: i32) -> void;
            /// Fuel ran out (the store context's fuel counter reached zero):
            /// the store may refuel from its reserve; false means the error
            /// (`Trap::OutOfFuel`) is pending and the code traps with
            /// `TrapSite::HostError`.
            out_of_fuel(vmctx: vmctx) -> status;
            /// The epoch deadline was reached: the store's callback may set a
            /// new deadline; false means an error (`Trap::Interrupt` or the
            /// callback's) is pending and the code traps with
            /// `TrapSite::HostError`.
            new_epoch(vmctx: vmctx) -> status;
            /// `memory.atomic.notify` at `index + offset`: the number of
            /// waiters woken, or `-trap_code` (a `Trap::to_u8`) to trap.
            memory_atomic_notify(vmctx: vmctx, memory: i32, index: i64, offset: i64, count: i32) -> i64;
            /// `memory.atomic.wait32` (timeout in ns, negative = none): 0 ok,
            /// 1 mismatch, 2 timed out, or `-trap_code`.
            memory_atomic_wait32(vmctx: vmctx, memory: i32, index: i64, offset: i64, expected: i32, timeout: i64) -> i64;
            /// Allocates an exception object of tag `tag` with `len` values;
            /// returns its address (compiled code fills the values).
            exn_alloc(vmctx: vmctx, tag: i32, len: i32) -> i64;
            /// Throws the exception object `exn`: resumes at the matching
            /// handler, or returns after making it pending (the caller then
            /// traps with `TrapSite::Exception`). Reached through a stub
            /// that passes the caller's return address and frame pointer.
            throw_ref(vmctx: vmctx, exn: i64) -> void;
            /// `memory.atomic.wait64`, as `memory_atomic_wait32`.
            memory_atomic_wait64(vmctx: vmctx, memory: i32, index: i64, offset: i64, expected: i64, timeout: i64) -> i64;
            /// Raises the trap `site` (a `TrapSite::to_u8`) without a signal:
            /// never returns, but unwinds to the host like the signal
            /// handler does. Used instead of trapping instructions when
            /// `Tunables::signals_based_traps` is off. Reached through a stub
            /// that passes the caller's return address and frame pointer.
            raise_trap(vmctx: vmctx, site: i32) -> void;
            /// Whether registered type `actual` is `expected` or one of its
            /// declared subtypes (engine type ids; 1 if so, else 0): the
            /// slow path of `call_indirect` and of casts to non-final
            /// function types.
            is_subtype(vmctx: vmctx, actual: i32, expected: i32) -> i32;
            /// Allocates a zeroed GC object of module type `ty` (a struct
            /// type, or an array type with `len` elements) with its header
            /// written; returns its reference, or 0 when an error (a trap,
            /// or the heap's limit) is pending and the code traps with
            /// `TrapSite::HostError`.
            gc_alloc(vmctx: vmctx, ty: i32, len: i32) -> i64;
            /// `array.new_data`: a new array of type `ty` from `len`
            /// elements of data segment `data` at byte `offset`; 0 as for
            /// `gc_alloc`.
            array_new_data(vmctx: vmctx, ty: i32, data: i32, offset: i32, len: i32) -> i64;
            /// `array.new_elem`: a new array of type `ty` from `len` items
            /// of element segment `elem` at `offset`; 0 as for `gc_alloc`.
            array_new_elem(vmctx: vmctx, ty: i32, elem: i32, offset: i32, len: i32) -> i64;
            /// `array.init_data` on the non-null array `array` of type
            /// `ty`; false: a trap is pending (`TrapSite::HostError`).
            array_init_data(vmctx: vmctx, ty: i32, array: i64, dst: i32, data: i32, src: i32, len: i32) -> bool;
            /// `array.init_elem`, as `array_init_data`.
            array_init_elem(vmctx: vmctx, ty: i32, array: i64, dst: i32, elem: i32, src: i32, len: i32) -> bool;
            /// `array.copy` between non-null arrays, elements of `size`
            /// bytes; false: a trap is pending (`TrapSite::HostError`).
            array_copy(vmctx: vmctx, dst: i64, dst_index: i32, src: i64, src_index: i32, len: i32, size: i32) -> bool;
            /// `cont.new` (stack switching): a continuation of the function
            /// `func` (`nparams` parameters, `nresults` results); 0 when an
            /// error is pending (`TrapSite::HostError`).
            cont_new(vmctx: vmctx, func: i64, nparams: i32, nresults: i32) -> i64;
            /// `cont.bind`: binds the `nargs` values at `buf` (16-byte
            /// slots) to continuation `cont`; its new reference, or 0 as
            /// for `cont_new`.
            cont_bind(vmctx: vmctx, cont: i64, buf: i64, nargs: i32) -> i64;
            /// `resume` with the `nargs` values at `buf` (`cap` slots) and
            /// `nhandlers` handler words at `handlers`: -1 returned
            /// (results in `buf`), -2 error pending, -3 rethrow the
            /// exception in `buf[0]`, else the index of the matched
            /// handler (payload and continuation in `buf`).
            cont_resume(vmctx: vmctx, cont: i64, buf: i64, nargs: i32, cap: i32, handlers: i64, nhandlers: i32) -> i32;
            /// `resume_throw` of exception object `exn`, results as for
            /// `cont_resume`.
            cont_resume_throw(vmctx: vmctx, cont: i64, exn: i64, buf: i64, cap: i32, handlers: i64, nhandlers: i32) -> i32;
            /// `suspend` of tag `tag` with the `nargs` values at `buf`: 0
            /// with the `nresults` resume values in `buf`, -2 or -3 as for
            /// `cont_resume`.
            cont_suspend(vmctx: vmctx, tag: i32, buf: i64, nargs: i32, cap: i32, nresults: i32) -> i32;
            /// `switch` to the non-null continuation `cont` through tag
            /// `tag`, otherwise as `cont_suspend`.
            cont_switch(vmctx: vmctx, tag: i32, cont: i64, buf: i64, nargs: i32, cap: i32, nresults: i32) -> i32;
        }
    };
}

/// Index of a builtin in the `VMContext`'s builtin function table.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct BuiltinFunctionIndex(u32);

macro_rules! declare_indices {
    ($( $(#[$attr:meta])* $name:ident( $($pname:ident: $param:ident),* ) -> $result:ident; )*) => {
        #[allow(non_upper_case_globals)]
        impl BuiltinFunctionIndex {
            declare_indices!(@consts 0u32; $($(#[$attr])* $name)*);

            /// Number of builtins.
            pub const COUNT: u32 = [$(stringify!($name)),*].len() as u32;

            /// The builtin's name.
            pub fn name(self) -> &'static str {
                [$(stringify!($name)),*][self.0 as usize]
            }

            /// The builtin's parameter kinds (see [`foreach_builtin_function!`]).
            pub fn params(self) -> &'static [BuiltinKind] {
                const P: &[&[BuiltinKind]] = &[$(&[$(BuiltinKind::$param),*]),*];
                P[self.0 as usize]
            }

            /// The builtin's result kind.
            pub fn result(self) -> BuiltinKind {
                [$(BuiltinKind::$result),*][self.0 as usize]
            }
        }
    };
    (@consts $n:expr; $(#[$attr:meta])* $name:ident $($rest:tt)*) => {
        $(#[$attr])*
        pub const $name: BuiltinFunctionIndex = BuiltinFunctionIndex($n);
        declare_indices!(@consts $n + 1; $($rest)*);
    };
    (@consts $n:expr;) => {};
}

foreach_builtin_function!(declare_indices);

impl BuiltinFunctionIndex {
    /// Creates an index from a raw number.
    pub const fn from_u32(i: u32) -> Self {
        BuiltinFunctionIndex(i)
    }

    /// The raw number, i.e. the slot in the builtin table.
    pub const fn index(self) -> u32 {
        self.0
    }

    /// Iterates over every builtin.
    pub fn all() -> impl Iterator<Item = BuiltinFunctionIndex> {
        (0..Self::COUNT).map(BuiltinFunctionIndex)
    }
}

/// The kind of a builtin parameter or result.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum BuiltinKind {
    /// The caller's `*mut VMContext`.
    vmctx,
    /// A 32-bit integer.
    i32,
    /// A 64-bit integer or a reference.
    i64,
    /// Success flag returned as a byte: 0 means trap.
    bool,
    /// Success flag (1) or trap (0) that a register-preserving trampoline
    /// writes to the store context (results only; see
    /// [`foreach_builtin_function!`]).
    status,
    /// No result.
    void,
}
