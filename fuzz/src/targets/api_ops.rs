//! The `api_ops` target: a sequence of embedding-API operations on a
//! [`Store`] and the memories, tables and globals created in it, checked
//! against a simple model of their sizes and contents.
//!
//! Every operation either succeeds with the modelled result or, when the
//! model says it is out of range (past a maximum, the store's limits, or an
//! object's end; a wrong type; an immutable global), fails with an error.
//! A panic, an unexpected success or an unexpected error is a divergence.

use crate::Outcome;
use arbitrary::{Arbitrary, Unstructured};
use std::cell::RefCell;
use wasmtime::{
    Config, Engine, ExternRef, Global, GlobalType, Memory, MemoryType, Mutability, Ref, RefType,
    Store, StoreLimits, StoreLimitsBuilder, Table, TableType, Val, ValType,
};

/// The store's limit on a memory's size, in 64 KiB pages.
const MEMORY_LIMIT_PAGES: u64 = 16;
/// The store's limit on a table's length.
const TABLE_LIMIT: u64 = 1000;
/// At most this many objects of each kind are created per input.
const MAX_OBJECTS: usize = 8;
const PAGE: u64 = 65536;
/// At most this many operations per input.
pub const MAX_OPS: usize = 200;

/// One operation. Indices select among the objects created so far (modulo
/// their count); sizes are small so that the model stays cheap.
#[derive(Arbitrary, Debug)]
pub enum Op {
    /// `Memory::new` (32- or 64-bit).
    NewMemory {
        /// Minimum size (pages or elements).
        min: u8,
        /// Maximum size, if any.
        max: Option<u8>,
        /// Whether the memory is 64-bit.
        is64: bool,
    },
    /// `Memory::grow`; a `delta` of 255 stands for a huge request.
    MemoryGrow {
        /// Which object (modulo the number created).
        which: u8,
        /// How much to grow by.
        delta: u8,
    },
    /// `Memory::read`.
    MemoryRead {
        /// Which object (modulo the number created).
        which: u8,
        /// Byte offset.
        offset: u32,
        /// Length.
        len: u8,
    },
    /// `Memory::write`.
    MemoryWrite {
        /// Which object (modulo the number created).
        which: u8,
        /// Byte offset.
        offset: u32,
        /// The bytes to write.
        bytes: [u8; 5],
    },
    /// `Memory::size` and `Memory::data_size`.
    MemorySize {
        /// Which object (modulo the number created).
        which: u8,
    },
    /// `Table::new` of externrefs (initialised with `init`) or null funcrefs.
    NewTable {
        /// Minimum size (pages or elements).
        min: u16,
        /// Maximum size, if any.
        max: Option<u16>,
        /// Whether the table holds externrefs (else funcrefs).
        externs: bool,
        /// The externref payload to fill with; `None` for null.
        init: Option<u16>,
    },
    /// `Table::grow`.
    TableGrow {
        /// Which object (modulo the number created).
        which: u8,
        /// How much to grow by.
        delta: u16,
        /// The externref payload to fill with; `None` for null.
        init: Option<u16>,
    },
    /// `Table::get`.
    TableGet {
        /// Which object (modulo the number created).
        which: u8,
        /// Element index.
        index: u16,
    },
    /// `Table::set`.
    TableSet {
        /// Which object (modulo the number created).
        which: u8,
        /// Element index.
        index: u16,
        /// The externref payload to store; `None` for null.
        val: Option<u16>,
    },
    /// `Table::fill`.
    TableFill {
        /// Which object (modulo the number created).
        which: u8,
        /// First element.
        dst: u16,
        /// Length.
        len: u16,
        /// The externref payload to store; `None` for null.
        val: Option<u16>,
    },
    /// `Global::new`.
    NewGlobal {
        /// The value type.
        ty: GlobalKind,
        /// Whether the global is mutable.
        mutable: bool,
        /// The value, as bits.
        bits: u64,
    },
    /// `Global::get`.
    GlobalGet {
        /// Which object (modulo the number created).
        which: u8,
    },
    /// `Global::set`, with a value of the wrong type when `wrong_type`.
    GlobalSet {
        /// Which object (modulo the number created).
        which: u8,
        /// The value, as bits.
        bits: u64,
        /// Whether to pass a value of another type.
        wrong_type: bool,
    },
    /// `Store::set_fuel` then `Store::get_fuel`.
    Fuel {
        /// The fuel to set.
        amount: u64,
    },
}

/// The value types globals are created with.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalKind {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `externref`.
    ExternRef,
}

/// Modelled table contents: `None` for null, `Some(id)` for an externref
/// holding `id`.
type Slot = Option<u16>;

/// The model of one global: its type, mutability and value (as bits, or the
/// externref id).
struct GlobalModel {
    global: Global,
    kind: GlobalKind,
    /// Whether the global is mutable.
    mutable: bool,
    /// The value, as bits.
    bits: Option<u64>,
}

struct State {
    store: Store<StoreLimits>,
    memories: Vec<(Memory, Vec<u8>, u64)>,
    tables: Vec<(Table, Vec<Slot>, u64, bool)>,
    globals: Vec<GlobalModel>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn engine() -> Engine {
    ENGINE.with(|e| {
        e.borrow_mut()
            .get_or_insert_with(|| {
                let mut config = Config::new();
                config.consume_fuel(true).parallel_compilation(false);
                Engine::new(&config).expect("engine")
            })
            .clone()
    })
}

/// Runs the target on one input.
pub fn run_one(data: &[u8]) -> Outcome {
    let ops = ops(data);
    if ops.is_empty() {
        return Outcome::Skipped;
    }
    match run_ops(&ops) {
        Ok(()) => Outcome::Pass,
        Err(e) => Outcome::Divergence(e),
    }
}

/// The operations an input decodes to: one after another until the bytes
/// run out (at most [`MAX_OPS`]).
pub fn ops(data: &[u8]) -> Vec<Op> {
    let mut u = Unstructured::new(data);
    let mut ops = Vec::new();
    while !u.is_empty() && ops.len() < MAX_OPS {
        match u.arbitrary() {
            Ok(op) => ops.push(op),
            Err(_) => break,
        }
    }
    ops
}

/// Checks that `result` is `Ok` exactly when `expect_ok`.
fn check<T, E: std::fmt::Debug>(
    op: &Op,
    result: Result<T, E>,
    expect_ok: bool,
) -> Result<Option<T>, String> {
    match (result, expect_ok) {
        (Ok(v), true) => Ok(Some(v)),
        (Err(_), false) => Ok(None),
        (Ok(_), false) => Err(format!("{op:?} succeeded; the model expects an error")),
        (Err(e), true) => Err(format!("{op:?} failed: {e:?}; the model expects success")),
    }
}

fn pick<T>(items: &mut [T], which: u8) -> Option<&mut T> {
    if items.is_empty() {
        return None;
    }
    let i = usize::from(which) % items.len();
    items.get_mut(i)
}

fn extern_val(store: &mut Store<StoreLimits>, slot: Slot) -> Ref {
    match slot {
        None => Ref::Extern(None),
        Some(id) => Ref::Extern(Some(ExternRef::new(store, id).expect("externref"))),
    }
}

fn read_slot(store: &Store<StoreLimits>, r: &Ref) -> Result<Slot, String> {
    match r {
        Ref::Extern(None) | Ref::Func(None) => Ok(None),
        Ref::Extern(Some(e)) => {
            let data = e.data(store).map_err(|e| e.to_string())?;
            let id = data.and_then(|d| d.downcast_ref::<u16>()).copied();
            id.map(Some)
                .ok_or_else(|| "externref lost its data".to_string())
        }
        other => Err(format!("unexpected reference {other:?}")),
    }
}

fn global_val(store: &mut Store<StoreLimits>, kind: GlobalKind, bits: u64) -> Val {
    match kind {
        GlobalKind::I32 => Val::I32(bits as i32),
        GlobalKind::I64 => Val::I64(bits as i64),
        GlobalKind::F32 => Val::F32(bits as u32),
        GlobalKind::F64 => Val::F64(bits),
        GlobalKind::ExternRef => {
            Val::ExternRef(Some(ExternRef::new(store, bits as u16).expect("externref")))
        }
    }
}

fn modelled_bits(kind: GlobalKind, bits: u64) -> u64 {
    match kind {
        GlobalKind::I32 | GlobalKind::F32 => bits & 0xffff_ffff,
        GlobalKind::ExternRef => bits & 0xffff,
        GlobalKind::I64 | GlobalKind::F64 => bits,
    }
}

fn observed_bits(store: &Store<StoreLimits>, v: &Val) -> Result<u64, String> {
    Ok(match v {
        Val::I32(x) => u64::from(*x as u32),
        Val::I64(x) => *x as u64,
        Val::F32(x) => u64::from(*x),
        Val::F64(x) => *x,
        Val::ExternRef(r) => {
            let slot = read_slot(store, &Ref::Extern(r.clone()))?;
            u64::from(slot.ok_or("null externref global")?)
        }
        other => return Err(format!("unexpected global value {other:?}")),
    })
}

fn val_type(kind: GlobalKind) -> ValType {
    match kind {
        GlobalKind::I32 => ValType::I32,
        GlobalKind::I64 => ValType::I64,
        GlobalKind::F32 => ValType::F32,
        GlobalKind::F64 => ValType::F64,
        GlobalKind::ExternRef => ValType::EXTERNREF,
    }
}

/// Runs `ops` against a fresh store, checking each against the model.
pub fn run_ops(ops: &[Op]) -> Result<(), String> {
    let limits = StoreLimitsBuilder::new()
        .memory_size((MEMORY_LIMIT_PAGES * PAGE) as usize)
        .table_elements(TABLE_LIMIT as usize)
        .build();
    let mut s = State {
        store: Store::new(&engine(), limits),
        memories: Vec::new(),
        tables: Vec::new(),
        globals: Vec::new(),
    };
    s.store.limiter(|l| l);
    for op in ops {
        step(&mut s, op)?;
    }
    Ok(())
}

fn step(s: &mut State, op: &Op) -> Result<(), String> {
    match *op {
        Op::NewMemory { min, max, is64 } => {
            if s.memories.len() >= MAX_OBJECTS {
                return Ok(());
            }
            let (min, max) = (u64::from(min % 20), max.map(|m| u64::from(m % 24)));
            let ty = if is64 {
                MemoryType::new64(min, max)
            } else {
                MemoryType::new(min as u32, max.map(|m| m as u32))
            };
            let ok = max.is_none_or(|m| min <= m) && min <= MEMORY_LIMIT_PAGES;
            if let Some(m) = check(op, Memory::new(&mut s.store, ty), ok)? {
                let limit = max.unwrap_or(u64::MAX).min(MEMORY_LIMIT_PAGES);
                s.memories.push((m, vec![0; (min * PAGE) as usize], limit));
            }
        }
        Op::MemoryGrow { which, delta } => {
            let Some((m, model, limit)) = pick(&mut s.memories, which) else {
                return Ok(());
            };
            let delta = if delta == 255 {
                1 << 40
            } else {
                u64::from(delta % 8)
            };
            let pages = model.len() as u64 / PAGE;
            let ok = pages + delta <= *limit;
            if let Some(old) = check(op, m.grow(&mut s.store, delta), ok)? {
                if old != pages {
                    return Err(format!("{op:?} returned old size {old}, model {pages}"));
                }
                model.resize(((pages + delta) * PAGE) as usize, 0);
            }
        }
        Op::MemoryRead { which, offset, len } => {
            let Some((m, model, _)) = pick(&mut s.memories, which) else {
                return Ok(());
            };
            let offset = offset as usize % (model.len() + 16);
            let mut buf = vec![0; usize::from(len)];
            let ok = offset + buf.len() <= model.len();
            if check(op, m.read(&s.store, offset, &mut buf), ok)?.is_some()
                && buf[..] != model[offset..offset + buf.len()]
            {
                return Err(format!("{op:?} read {buf:?}, model differs"));
            }
        }
        Op::MemoryWrite {
            which,
            offset,
            bytes,
        } => {
            let Some((m, model, _)) = pick(&mut s.memories, which) else {
                return Ok(());
            };
            let offset = offset as usize % (model.len() + 16);
            let ok = offset + bytes.len() <= model.len();
            if check(op, m.write(&mut s.store, offset, &bytes), ok)?.is_some() {
                model[offset..offset + bytes.len()].copy_from_slice(&bytes);
            }
            if m.data(&s.store) != &model[..] {
                return Err(format!("{op:?}: memory contents differ from the model"));
            }
        }
        Op::MemorySize { which } => {
            let Some((m, model, _)) = pick(&mut s.memories, which) else {
                return Ok(());
            };
            let (size, bytes) = (m.size(&s.store), m.data_size(&s.store));
            if size * PAGE != model.len() as u64 || bytes != model.len() {
                return Err(format!(
                    "{op:?}: size {size} pages / {bytes} bytes, model {} bytes",
                    model.len()
                ));
            }
        }
        Op::NewTable {
            min,
            max,
            externs,
            init,
        } => {
            if s.tables.len() >= MAX_OBJECTS {
                return Ok(());
            }
            let (min, max) = (u64::from(min % 1200), max.map(|m| u64::from(m % 1200)));
            let (elem, init) = if externs {
                (RefType::EXTERNREF, init)
            } else {
                (RefType::FUNCREF, None)
            };
            let val = if externs {
                extern_val(&mut s.store, init)
            } else {
                Ref::Func(None)
            };
            let ty = TableType::new(elem, min as u32, max.map(|m| m as u32));
            let ok = max.is_none_or(|m| min <= m) && min <= TABLE_LIMIT;
            if let Some(t) = check(op, Table::new(&mut s.store, ty, val), ok)? {
                let limit = max.unwrap_or(u64::MAX).min(TABLE_LIMIT);
                s.tables.push((t, vec![init; min as usize], limit, externs));
            }
        }
        Op::TableGrow { which, delta, init } => {
            let Some((t, model, limit, externs)) = pick(&mut s.tables, which) else {
                return Ok(());
            };
            let init = if *externs { init } else { None };
            let val = if *externs {
                extern_val(&mut s.store, init)
            } else {
                Ref::Func(None)
            };
            let delta = u64::from(delta % 300);
            let len = model.len() as u64;
            let ok = len + delta <= *limit;
            if let Some(old) = check(op, t.grow(&mut s.store, delta, val), ok)? {
                if old != len {
                    return Err(format!("{op:?} returned old size {old}, model {len}"));
                }
                model.resize((len + delta) as usize, init);
            }
            if t.size(&s.store) != model.len() as u64 {
                return Err(format!(
                    "{op:?}: size {} vs model {}",
                    t.size(&s.store),
                    model.len()
                ));
            }
        }
        Op::TableGet { which, index } => {
            let Some((t, model, _, _)) = pick(&mut s.tables, which) else {
                return Ok(());
            };
            let got = t.get(&mut s.store, u64::from(index));
            match (got, model.get(usize::from(index))) {
                (None, None) => {}
                (Some(r), Some(expected)) => {
                    let slot = read_slot(&s.store, &r)?;
                    if slot != *expected {
                        return Err(format!("{op:?}: got {slot:?}, model {expected:?}"));
                    }
                }
                (got, expected) => {
                    return Err(format!("{op:?}: got {got:?}, model {expected:?}"));
                }
            }
        }
        Op::TableSet { which, index, val } => {
            let Some((t, model, _, externs)) = pick(&mut s.tables, which) else {
                return Ok(());
            };
            let slot = if *externs { val } else { None };
            let r = if *externs {
                extern_val(&mut s.store, slot)
            } else {
                Ref::Func(None)
            };
            let ok = usize::from(index) < model.len();
            if check(op, t.set(&mut s.store, u64::from(index), r), ok)?.is_some() {
                model[usize::from(index)] = slot;
            }
        }
        Op::TableFill {
            which,
            dst,
            len,
            val,
        } => {
            let Some((t, model, _, externs)) = pick(&mut s.tables, which) else {
                return Ok(());
            };
            let slot = if *externs { val } else { None };
            let r = if *externs {
                extern_val(&mut s.store, slot)
            } else {
                Ref::Func(None)
            };
            let (dst, len) = (usize::from(dst % 1100), usize::from(len % 64));
            let ok = dst + len <= model.len();
            let result = t.fill(&mut s.store, dst as u64, r, len as u64);
            if check(op, result, ok)?.is_some() {
                model[dst..dst + len].fill(slot);
            }
        }
        Op::NewGlobal { ty, mutable, bits } => {
            if s.globals.len() >= MAX_OBJECTS {
                return Ok(());
            }
            let val = global_val(&mut s.store, ty, bits);
            let mutability = if mutable {
                Mutability::Var
            } else {
                Mutability::Const
            };
            let gty = GlobalType::new(val_type(ty), mutability);
            let global =
                Global::new(&mut s.store, gty, val).map_err(|e| format!("{op:?}: {e:?}"))?;
            s.globals.push(GlobalModel {
                global,
                kind: ty,
                mutable,
                bits: Some(modelled_bits(ty, bits)),
            });
        }
        Op::GlobalGet { which } => {
            let Some(g) = pick(&mut s.globals, which) else {
                return Ok(());
            };
            let v = g.global.get(&mut s.store);
            let got = observed_bits(&s.store, &v)?;
            if Some(got) != g.bits {
                return Err(format!("{op:?}: got {got:#x}, model {:?}", g.bits));
            }
        }
        Op::GlobalSet {
            which,
            bits,
            wrong_type,
        } => {
            let Some(g) = pick(&mut s.globals, which) else {
                return Ok(());
            };
            let kind = if wrong_type {
                match g.kind {
                    GlobalKind::I32 => GlobalKind::I64,
                    _ => GlobalKind::I32,
                }
            } else {
                g.kind
            };
            let val = global_val(&mut s.store, kind, bits);
            let ok = g.mutable && !wrong_type;
            if check(op, g.global.set(&mut s.store, val), ok)?.is_some() {
                g.bits = Some(modelled_bits(kind, bits));
            }
        }
        Op::Fuel { amount } => {
            s.store
                .set_fuel(amount)
                .map_err(|e| format!("{op:?}: {e:?}"))?;
            let got = s.store.get_fuel().map_err(|e| format!("{op:?}: {e:?}"))?;
            if got != amount {
                return Err(format!("{op:?}: get_fuel returned {got}"));
            }
        }
    }
    Ok(())
}
