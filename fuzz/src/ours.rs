//! Runs a module in this workspace's `wasmtime` crate and reports in
//! [`crate::compare`]'s terms.

use crate::compare::{CallOutcome, ExportKind, Runner, SetupError, TrapKind, ValKind, Value};
use std::cell::RefCell;
use wasmtime::{
    Config, Engine, Extern, ExternType, HeapType, Instance, Module, Store, Trap, Val, ValType,
};

/// A module instantiated in our engine.
pub struct OurRunner {
    store: Store<()>,
    externs: Vec<(String, Extern)>,
    exports: Vec<(String, ExportKind)>,
}

/// The engine configuration of the differential target: default features
/// (a superset of what the generator emits), fuel metering, no parallel
/// compilation (the driver already runs one input per core).
pub fn differential_config() -> Config {
    let mut config = Config::new();
    config.consume_fuel(true).parallel_compilation(false);
    config
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// The thread's engine for the differential target (created once: an
/// embedder compiles many modules with one engine).
fn engine() -> Engine {
    ENGINE.with(|e| {
        e.borrow_mut()
            .get_or_insert_with(|| Engine::new(&differential_config()).expect("engine"))
            .clone()
    })
}

/// Translates an error from a call or an instantiation.
pub fn error_outcome(error: &anyhow::Error) -> CallOutcome {
    let Some(trap) = error.downcast_ref::<Trap>() else {
        let text = format!("{error:#}");
        if text.contains("overflow calculating table allocation size") {
            return CallOutcome::HostLimit;
        }
        return CallOutcome::Error(text);
    };
    let kind = match trap {
        Trap::OutOfFuel => return CallOutcome::OutOfFuel,
        Trap::StackOverflow => return CallOutcome::StackOverflow,
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds => TrapKind::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapKind::IndirectCallToNull,
        Trap::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::BadConversionToInteger => TrapKind::BadConversionToInteger,
        Trap::BadSignature => TrapKind::BadSignature,
        Trap::NullReference => TrapKind::NullReference,
        Trap::HeapMisaligned => TrapKind::HeapMisaligned,
        Trap::Interrupt => TrapKind::Other("interrupt"),
        Trap::AtomicWaitNonSharedMemory => TrapKind::Other("atomic wait on non-shared memory"),
        #[allow(unreachable_patterns)]
        _ => TrapKind::Other("unknown trap"),
    };
    CallOutcome::Trap(kind)
}

/// Translates one of our values.
pub fn value(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(r) => Value::FuncRef { null: r.is_none() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_none() },
        // Exceptions and GC references are not generated for the
        // differential target.
        Val::ExnRef(r) => Value::ExternRef { null: r.is_none() },
        Val::AnyRef(r) => Value::ExternRef { null: r.is_none() },
        Val::ContRef(r) => Value::FuncRef { null: r.is_none() },
    }
}

fn to_val(v: &Value) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(x),
        Value::F64(x) => Val::F64(x),
        Value::V128(x) => Val::V128(x.into()),
        Value::FuncRef { .. } => Val::FuncRef(None),
        Value::ExternRef { .. } => Val::ExternRef(None),
    }
}

/// The argument-generation kind of one of our types.
pub fn kind(ty: &ValType) -> ValKind {
    match ty {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        ValType::F32 => ValKind::F32,
        ValType::F64 => ValKind::F64,
        ValType::V128 => ValKind::V128,
        ValType::Ref(r) if r.is_nullable() => match r.heap_type() {
            HeapType::Func => ValKind::FuncRef,
            HeapType::Extern => ValKind::ExternRef,
            _ => ValKind::Other,
        },
        ValType::Ref(_) => ValKind::Other,
    }
}

/// The comparison's kind of one of our exports.
pub fn export_kind(ty: &ExternType) -> ExportKind {
    match ty {
        ExternType::Func(_) => ExportKind::Func,
        ExternType::Memory(_) => ExportKind::Memory,
        ExternType::Global(_) => ExportKind::Global,
        ExternType::Table(_) => ExportKind::Table,
        ExternType::Tag(_) => ExportKind::Other,
    }
}

impl OurRunner {
    fn get(&self, name: &str) -> Option<&Extern> {
        self.externs.iter().find(|(n, _)| n == name).map(|(_, e)| e)
    }

    fn func(&self, name: &str) -> wasmtime::Func {
        match self.get(name) {
            Some(Extern::Func(f)) => *f,
            _ => panic!("no exported function {name:?}"),
        }
    }
}

impl Runner for OurRunner {
    const NAME: &'static str = "ours";

    fn instantiate(wasm: &[u8], fuel: u64) -> Result<Self, SetupError> {
        let engine = engine();
        let module =
            Module::new(&engine, wasm).map_err(|e| SetupError::Compile(format!("{e:#}")))?;
        let mut store = Store::new(&engine, ());
        store.set_fuel(fuel).expect("fuel is enabled");
        let instance = Instance::new(&mut store, &module, &[])
            .map_err(|e| SetupError::Instantiate(error_outcome(&e)))?;
        let externs: Vec<(String, Extern)> = instance
            .exports(&mut store)
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        let exports = module
            .exports()
            .map(|e| (e.name().to_string(), export_kind(&e.ty())))
            .collect();
        Ok(OurRunner {
            store,
            externs,
            exports,
        })
    }

    fn exports(&self) -> Vec<(String, ExportKind)> {
        self.exports.clone()
    }

    fn params(&self, name: &str) -> Vec<ValKind> {
        self.func(name)
            .ty(&self.store)
            .params()
            .map(|t| kind(&t))
            .collect()
    }

    fn call(&mut self, name: &str, args: &[Value], fuel: u64) -> CallOutcome {
        let func = self.func(name);
        let ty = func.ty(&self.store);
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut results: Vec<Val> = ty.results().map(|_| Val::I32(0)).collect();
        self.store.set_fuel(fuel).expect("fuel is enabled");
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => CallOutcome::Returned(results.iter().map(value).collect()),
            Err(e) => error_outcome(&e),
        }
    }

    fn memory(&self, name: &str) -> &[u8] {
        match self.get(name) {
            Some(Extern::Memory(m)) => m.data(&self.store),
            _ => &[],
        }
    }

    fn global(&mut self, name: &str) -> Value {
        match self.get(name).cloned() {
            Some(Extern::Global(g)) => value(&g.get(&mut self.store)),
            _ => panic!("no exported global {name:?}"),
        }
    }

    fn table_size(&self, name: &str) -> u64 {
        match self.get(name) {
            Some(Extern::Table(t)) => t.size(&self.store),
            _ => 0,
        }
    }
}
