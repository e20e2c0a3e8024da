//! The standard `spectest` host module that the official test suite imports.

use wasmtime::{
    Global, GlobalType, Linker, Memory, MemoryType, Mutability, Ref, RefType, Result, SharedMemory,
    Store, Table, TableType, Val, ValType,
};

/// Defines every item of the `spectest` module in `linker`, creating the
/// globals, table and memory inside `store`.
///
/// The `print*` functions do nothing: the test suite only needs them to
/// exist with the right signatures.
pub(crate) fn define<T: 'static>(linker: &mut Linker<T>, store: &mut Store<T>) -> Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;

    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), value)?;
        linker.define(&*store, "spectest", name, global)?;
    }

    let table = Table::new(
        &mut *store,
        TableType::new(RefType::FUNCREF, 10, Some(20)),
        Ref::Func(None),
    )?;
    linker.define(&*store, "spectest", "table", table)?;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define(&*store, "spectest", "memory", memory)?;

    // The threads proposal's tests import a shared memory, when the engine
    // can create one.
    if let Ok(shared) = SharedMemory::new(store.engine(), MemoryType::shared(1, 1)) {
        linker.define(&*store, "spectest", "shared_memory", shared)?;
    }
    Ok(())
}
