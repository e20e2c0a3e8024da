//! Core dumps of a store taken when wasm traps (`Config::coredump_on_trap`),
//! and their serialization in the tool-conventions wasm coredump format: a
//! wasm module with a `core` custom section (process), `coremodules`,
//! `coreinstances`, one `corestack` per thread, and the memories, their
//! contents and the globals as ordinary sections.

use crate::store::{StoreOpaque, Stored};
use crate::trap::WasmBacktrace;
use crate::{
    AsContextMut, FrameInfo, Global, HeapType, Instance, Memory, Module, Mutability, Val, ValType,
};
use std::collections::HashMap;
use std::fmt;
use wasmtime_environ::{DefinedMemoryIndex, EntityRef, GlobalIndex, MemoryIndex};
use wasmtime_runtime::instance::MemoryOwner;

/// The state of a store when wasm trapped: the trapping stack, and the
/// modules, instances, memories and globals of the store. Attached to the
/// trap's error when [`Config::coredump_on_trap`](crate::Config::coredump_on_trap)
/// is on: `err.downcast_ref::<WasmCoreDump>()`.
///
/// Memories and globals are handles into the store: their contents are
/// read when the dump is [serialized](WasmCoreDump::serialize), so serialize
/// before running the store's wasm again.
pub struct WasmCoreDump {
    name: String,
    modules: Vec<Module>,
    instances: Vec<Instance>,
    /// Per instance (same order): its memories and globals as indices into
    /// `memories` and `globals`.
    instance_items: Vec<(Vec<u32>, Vec<u32>)>,
    memories: Vec<Memory>,
    globals: Vec<Global>,
    backtrace: WasmBacktrace,
}

impl WasmCoreDump {
    /// Records `store`'s instances and what they own, with the trap's
    /// backtrace.
    pub(crate) fn new(store: &mut StoreOpaque, backtrace: WasmBacktrace) -> WasmCoreDump {
        let id = store.id();
        let modules = store.modules.clone();
        let mut instances = Vec::new();
        let mut instance_items = Vec::new();
        let mut memories = Vec::new();
        let mut memory_index: HashMap<(usize, DefinedMemoryIndex), u32> = HashMap::new();
        let mut globals = Vec::new();
        for i in 0..store.instances.len() {
            // Host-made items (memories, globals created by the embedder)
            // live in instances without a module of their own.
            if store.instances[i]._type_ids.is_some() {
                continue;
            }
            let env = store.instances[i].handle.instance().module().clone();
            let mut own_memories = Vec::new();
            for m in 0..env.memories.len() {
                let owner = store.instances[i]
                    .handle
                    .instance_mut()
                    .memory_owner(MemoryIndex::new(m));
                // Shared memories belong to no store and are left out.
                if let MemoryOwner::Instance(owner, d) = owner {
                    let key = (owner.host_id(), d);
                    let index = *memory_index.entry(key).or_insert_with(|| {
                        memories.push(Memory::from_parts(id, key.0, d));
                        memories.len() as u32 - 1
                    });
                    own_memories.push(index);
                }
            }
            let mut own_globals = Vec::new();
            for g in 0..env.globals.len() {
                globals.push(Global::from_parts(id, i, GlobalIndex::new(g)));
                own_globals.push(globals.len() as u32 - 1);
            }
            instances.push(Instance(Stored {
                store: id,
                index: i,
            }));
            instance_items.push((own_memories, own_globals));
        }
        WasmCoreDump {
            name: String::from("store_name"),
            modules,
            instances,
            instance_items,
            memories,
            globals,
            backtrace,
        }
    }

    /// The wasm frames of the trap, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        self.backtrace.frames()
    }

    /// The modules instantiated in the store.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The store's instances.
    pub fn instances(&self) -> &[Instance] {
        &self.instances
    }

    /// The globals of the store's instances (an imported global appears
    /// once per instance that has it).
    pub fn globals(&self) -> &[Global] {
        &self.globals
    }

    /// The store's memories (shared memories are left out).
    pub fn memories(&self) -> &[Memory] {
        &self.memories
    }

    /// Encodes the dump in the wasm coredump format, naming the process
    /// `name`. The memories' contents and the globals' values are read
    /// from `store` now.
    pub fn serialize(&self, mut store: impl AsContextMut, name: &str) -> Vec<u8> {
        let mut store = store.as_context_mut();
        let mut dump = wasm_encoder::Module::new();
        dump.section(&wasm_encoder::CoreDumpSection::new(name));

        let mut memory_section = wasm_encoder::MemorySection::new();
        let mut data = wasm_encoder::DataSection::new();
        for (index, memory) in self.memories.iter().enumerate() {
            let ty = memory.ty(&store);
            memory_section.memory(wasm_encoder::MemoryType {
                minimum: memory.size(&store),
                maximum: ty.maximum(),
                memory64: ty.is_64(),
                shared: false,
                page_size_log2: None,
            });
            // Only the non-zero parts of each 4 KiB chunk are written.
            const CHUNK: usize = 4096;
            for (i, chunk) in memory.data(&store).chunks(CHUNK).enumerate() {
                let Some(first) = chunk.iter().position(|b| *b != 0) else {
                    continue;
                };
                let last = chunk.iter().rposition(|b| *b != 0).unwrap_or(first);
                let offset = (i * CHUNK + first) as u64;
                let offset = if ty.is_64() {
                    wasm_encoder::ConstExpr::i64_const(offset as i64)
                } else {
                    wasm_encoder::ConstExpr::i32_const(offset as u32 as i32)
                };
                data.active(index as u32, &offset, chunk[first..=last].iter().copied());
            }
        }
        dump.section(&memory_section);

        let mut global_section = wasm_encoder::GlobalSection::new();
        for global in &self.globals {
            let ty = global.ty(&store);
            let (val_type, init) = global_value(ty.content(), global.get(&mut store));
            global_section.global(
                wasm_encoder::GlobalType {
                    val_type,
                    mutable: ty.mutability() == Mutability::Var,
                    shared: false,
                },
                &init,
            );
        }
        dump.section(&global_section);
        dump.section(&data);

        let mut module_sec = wasm_encoder::CoreDumpModulesSection::new();
        for (i, module) in self.modules.iter().enumerate() {
            match module.name() {
                Some(name) => module_sec.module(name),
                None => module_sec.module(format!("<anonymous-module-{i}>")),
            };
        }
        dump.section(&module_sec);

        let module_index = |module: &Module| {
            self.modules
                .iter()
                .position(|m| Module::same(m, module))
                .unwrap_or(0) as u32
        };
        let mut instance_sec = wasm_encoder::CoreDumpInstancesSection::new();
        let mut instance_modules = Vec::new();
        for (instance, (memories, globals)) in self.instances.iter().zip(&self.instance_items) {
            let module = instance.module(&store).clone();
            instance_sec.instance(
                module_index(&module),
                memories.iter().copied(),
                globals.iter().copied(),
            );
            instance_modules.push(module);
        }
        dump.section(&instance_sec);

        let mut stack = wasm_encoder::CoreDumpStackSection::new("main");
        for frame in self.frames() {
            // The frame's instance: the first one of its module.
            let instance = instance_modules
                .iter()
                .position(|m| Module::same(m, frame.module()))
                .unwrap_or(0) as u32;
            let offset = frame
                .func_offset()
                .and_then(|o| u32::try_from(o).ok())
                .unwrap_or(0);
            // Locals and operand stacks are not recovered from optimized
            // code: both are written empty.
            stack.frame(instance, frame.func_index(), offset, [], []);
        }
        dump.section(&stack);
        dump.finish()
    }
}

/// A global's type and value as a coredump global.
fn global_value(ty: &ValType, value: Val) -> (wasm_encoder::ValType, wasm_encoder::ConstExpr) {
    use wasm_encoder::{ConstExpr, ValType as V};
    match value {
        Val::I32(x) => (V::I32, ConstExpr::i32_const(x)),
        Val::I64(x) => (V::I64, ConstExpr::i64_const(x)),
        Val::F32(x) => (V::F32, ConstExpr::f32_const(f32::from_bits(x).into())),
        Val::F64(x) => (V::F64, ConstExpr::f64_const(f64::from_bits(x).into())),
        Val::V128(x) => (V::V128, ConstExpr::v128_const(x.as_u128() as i128)),
        // References cannot be written as values: each becomes a null of
        // its hierarchy's top type.
        _ => {
            let heap = match ty {
                ValType::Ref(r) => r.heap_type().top(),
                _ => HeapType::Extern,
            };
            let heap = match heap {
                HeapType::Func => wasm_encoder::HeapType::FUNC,
                HeapType::Any => wasm_encoder::HeapType::ANY,
                HeapType::Exn => wasm_encoder::HeapType::Abstract {
                    shared: false,
                    ty: wasm_encoder::AbstractHeapType::Exn,
                },
                _ => wasm_encoder::HeapType::EXTERN,
            };
            (
                V::Ref(wasm_encoder::RefType {
                    nullable: true,
                    heap_type: heap,
                }),
                ConstExpr::ref_null(heap),
            )
        }
    }
}

impl fmt::Display for WasmCoreDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wasm coredump generated while executing {}:", self.name)?;
        writeln!(f, "modules:")?;
        for module in &self.modules {
            writeln!(f, "  {}", module.name().unwrap_or("<module>"))?;
        }
        writeln!(f, "instances:")?;
        for instance in &self.instances {
            writeln!(f, "  {instance:?}")?;
        }
        writeln!(f, "memories:")?;
        for memory in &self.memories {
            writeln!(f, "  {memory:?}")?;
        }
        writeln!(f, "globals:")?;
        for global in &self.globals {
            writeln!(f, "  {global:?}")?;
        }
        writeln!(f, "backtrace:")?;
        write!(f, "{}", self.backtrace)
    }
}

impl fmt::Debug for WasmCoreDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<wasm core dump>")
    }
}
