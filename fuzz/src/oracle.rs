//! The oracle: runs a module in `wasmi` and reports in [`crate::compare`]'s
//! terms.

use crate::compare::{CallOutcome, ExportKind, Runner, SetupError, TrapKind, ValKind, Value};
use wasmi::{Config, Engine, Extern, Instance, Module, Store, Val};

/// A module instantiated in `wasmi`.
pub struct WasmiRunner {
    store: Store<()>,
    instance: Instance,
    exports: Vec<(String, ExportKind)>,
}

/// The `wasmi` configuration used by the differential target: the proposals
/// the generator emits, with fuel metering.
fn config() -> Config {
    let mut config = Config::default();
    config
        .consume_fuel(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(false)
        .wasm_tail_call(true)
        .wasm_memory64(true)
        .wasm_multi_memory(true)
        .wasm_extended_const(true)
        .wasm_custom_page_sizes(false)
        .wasm_wide_arithmetic(false);
    config
}

fn trap_kind(code: wasmi::TrapCode) -> CallOutcome {
    use wasmi::TrapCode as C;
    let kind = match code {
        C::OutOfFuel => return CallOutcome::OutOfFuel,
        C::StackOverflow => return CallOutcome::StackOverflow,
        C::UnreachableCodeReached => TrapKind::Unreachable,
        C::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        C::TableOutOfBounds => TrapKind::TableOutOfBounds,
        C::IndirectCallToNull => TrapKind::IndirectCallToNull,
        C::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        C::IntegerOverflow => TrapKind::IntegerOverflow,
        C::BadConversionToInteger => TrapKind::BadConversionToInteger,
        C::BadSignature => TrapKind::BadSignature,
        C::GrowthOperationLimited => TrapKind::Other("growth operation limited"),
    };
    CallOutcome::Trap(kind)
}

/// Translates a wasmi error. Bulk table and memory operators report their
/// failures as table/memory errors rather than trap codes in wasmi 1.x.
fn error_outcome(error: &wasmi::Error) -> CallOutcome {
    use wasmi::errors::{ErrorKind, FuelError, MemoryError, TableError};
    if let Some(code) = error.as_trap_code() {
        return trap_kind(code);
    }
    match error.kind() {
        ErrorKind::Table(TableError::OutOfFuel { .. })
        | ErrorKind::Memory(MemoryError::OutOfFuel { .. })
        | ErrorKind::Fuel(FuelError::OutOfFuel { .. }) => CallOutcome::OutOfFuel,
        ErrorKind::Table(
            TableError::InitOutOfBounds
            | TableError::FillOutOfBounds
            | TableError::SetOutOfBounds
            | TableError::CopyOutOfBounds,
        ) => CallOutcome::Trap(TrapKind::TableOutOfBounds),
        ErrorKind::Memory(MemoryError::OutOfBoundsAccess) => {
            CallOutcome::Trap(TrapKind::MemoryOutOfBounds)
        }
        _ => CallOutcome::Error(error.to_string()),
    }
}

fn value(v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(r) => Value::FuncRef { null: r.is_null() },
        Val::ExternRef(r) => Value::ExternRef { null: r.is_null() },
    }
}

fn to_val(v: &Value) -> Val {
    match *v {
        Value::I32(x) => Val::I32(x),
        Value::I64(x) => Val::I64(x),
        Value::F32(x) => Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => Val::F64(wasmi::F64::from_bits(x)),
        Value::V128(x) => Val::V128(wasmi::V128::from(x)),
        Value::FuncRef { .. } => Val::FuncRef(wasmi::Ref::Null),
        Value::ExternRef { .. } => Val::ExternRef(wasmi::Ref::Null),
    }
}

fn kind(ty: &wasmi::ValType) -> ValKind {
    match ty {
        wasmi::ValType::I32 => ValKind::I32,
        wasmi::ValType::I64 => ValKind::I64,
        wasmi::ValType::F32 => ValKind::F32,
        wasmi::ValType::F64 => ValKind::F64,
        wasmi::ValType::V128 => ValKind::V128,
        wasmi::ValType::FuncRef => ValKind::FuncRef,
        wasmi::ValType::ExternRef => ValKind::ExternRef,
    }
}

impl WasmiRunner {
    fn func(&self, name: &str) -> wasmi::Func {
        self.instance
            .get_func(&self.store, name)
            .expect("exported function")
    }
}

impl Runner for WasmiRunner {
    const NAME: &'static str = "wasmi";

    fn instantiate(wasm: &[u8], fuel: u64) -> Result<Self, SetupError> {
        let engine = Engine::new(&config());
        let module =
            Module::new(&engine, wasm).map_err(|e| SetupError::Compile(format!("{e:#}")))?;
        let mut store = Store::new(&engine, ());
        store.set_fuel(fuel).expect("fuel is enabled");
        let instance = Instance::new(&mut store, &module, &[])
            .map_err(|e| SetupError::Instantiate(error_outcome(&e)))?;
        let exports = module
            .exports()
            .map(|e| {
                let kind = match e.ty() {
                    wasmi::ExternType::Func(_) => ExportKind::Func,
                    wasmi::ExternType::Memory(_) => ExportKind::Memory,
                    wasmi::ExternType::Global(_) => ExportKind::Global,
                    wasmi::ExternType::Table(_) => ExportKind::Table,
                };
                (e.name().to_string(), kind)
            })
            .collect();
        Ok(WasmiRunner {
            store,
            instance,
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
            .iter()
            .map(kind)
            .collect()
    }

    fn call(&mut self, name: &str, args: &[Value], fuel: u64) -> CallOutcome {
        let func = self.func(name);
        let ty = func.ty(&self.store);
        let args: Vec<Val> = args.iter().map(to_val).collect();
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default(*t)).collect();
        self.store.set_fuel(fuel).expect("fuel is enabled");
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => CallOutcome::Returned(results.iter().map(value).collect()),
            Err(e) => error_outcome(&e),
        }
    }

    fn memory(&self, name: &str) -> &[u8] {
        match self.instance.get_export(&self.store, name) {
            Some(Extern::Memory(m)) => m.data(&self.store),
            _ => &[],
        }
    }

    fn global(&mut self, name: &str) -> Value {
        let global = self
            .instance
            .get_global(&self.store, name)
            .expect("exported global");
        value(&global.get(&self.store))
    }

    fn table_size(&self, name: &str) -> u64 {
        self.instance
            .get_table(&self.store, name)
            .map_or(0, |t| t.size(&self.store))
    }
}
