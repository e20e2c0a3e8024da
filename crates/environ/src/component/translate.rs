//! Reading a component binary into a [`ComponentTranslation`]: the core
//! modules it embeds, how their instances are wired together, which core
//! functions are lifted to component exports and which component imports
//! are lowered into core functions.
//!
//! Translation has two passes. The first validates the whole binary with
//! wasmparser's validator, payload by payload, keeping the type information
//! of the root component and of every nested component. The second
//! ([`inline`](super::inline)) walks the root component's sections and
//! *inlines* nested components: instantiating a nested component
//! translates its sections again, with its imports bound to the
//! instantiation's arguments, so the result is one flat list of core
//! instances, lowerings and lifted functions that the runtime instantiates
//! in order.
//!
//! Supported: core modules, core instances (instantiated or built from
//! exports), aliases (of core and component instance exports, and outer
//! aliases of types, modules and components), `canon lift`/`canon lower`
//! with any string encoding, the resource builtins, function, instance and
//! resource imports, core module imports (at the root or in imported
//! instances), instantiation of imported modules, nested components and
//! their instantiation, and exports of functions, instances, types and core
//! modules. Component start functions, value
//! imports, the async and threading builtins are refused with an error
//! naming them.

use super::inline::Inliner;
use super::modules::{CoreModuleType, ModuleDef};
use super::types::{ComponentFuncType, InterfaceType};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use wasmparser::types::Types;
use wasmparser::{
    FuncValidatorAllocations, Parser, Payload, ValidPayload, Validator, WasmFeatures,
};

/// A core item of a component's index spaces.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoreDef {
    /// An export of a core instance.
    Export {
        /// The core instance.
        instance: u32,
        /// The export's name.
        name: String,
    },
    /// A lowered component function (index into
    /// [`ComponentTranslation::lowerings`]).
    Lowered(u32),
    /// A canonical builtin (index into [`ComponentTranslation::builtins`]).
    Builtin(u32),
}

/// A canonical builtin function of the component.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Builtin {
    /// `resource.new`: a new owned handle for a representation.
    ResourceNew(u32),
    /// `resource.drop`: drops a handle (calling the destructor of an owned
    /// one).
    ResourceDrop(u32),
    /// `resource.rep`: the representation behind a handle.
    ResourceRep(u32),
    /// `task.return`: delivers the result of the current async-lifted
    /// task (the result type, and the options its values are lifted with).
    TaskReturn {
        /// The result type (`None` for a function without a result).
        result: Option<InterfaceType>,
        /// Memory and string encoding of the flattened result.
        options: CanonOptions,
    },
    /// `task.cancel`: acknowledges the cancellation of the current task.
    TaskCancel,
    /// `context.get` of an `i32` slot.
    ContextGet(u32),
    /// `context.set` of an `i32` slot.
    ContextSet(u32),
    /// `backpressure.inc`.
    BackpressureInc,
    /// `backpressure.dec`.
    BackpressureDec,
    /// `thread.yield` (the former `yield`).
    Yield,
    /// `waitable-set.new`.
    WaitableSetNew,
    /// `waitable-set.wait`, writing the event's payload to this memory.
    WaitableSetWait(CoreDef),
    /// `waitable-set.poll`, writing the event's payload to this memory.
    WaitableSetPoll(CoreDef),
    /// `waitable-set.drop`.
    WaitableSetDrop,
    /// `waitable.join`.
    WaitableJoin,
    /// `subtask.drop`.
    SubtaskDrop,
    /// `subtask.cancel` (`true`: the `async` form, which may return
    /// `BLOCKED`).
    SubtaskCancel(bool),
    /// A stream or future builtin (`stream.new`, `future.read`, ...).
    Transmit {
        /// Which operation.
        op: TransmitOp,
        /// `future` (else `stream`).
        future: bool,
        /// The element type (`None` for `stream`/`future` without one).
        payload: Option<InterfaceType>,
        /// The options of a read or write (memory, realloc, encoding,
        /// `async`); `None` for the other operations.
        options: Option<CanonOptions>,
    },
    /// `error-context.new`, reading the message with these options.
    ErrorContextNew(CanonOptions),
    /// `error-context.debug-message`, writing the message with these
    /// options.
    ErrorContextDebugMessage(CanonOptions),
    /// `error-context.drop`.
    ErrorContextDrop,
}

/// The operation of a [`Builtin::Transmit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TransmitOp {
    /// `.new`: both ends, in the current instance.
    New,
    /// `.read` into a buffer.
    Read,
    /// `.write` from a buffer.
    Write,
    /// `.cancel-read` (`true`: the `async` form).
    CancelRead(bool),
    /// `.cancel-write` (`true`: the `async` form).
    CancelWrite(bool),
    /// `.drop-readable`.
    DropReadable,
    /// `.drop-writable`.
    DropWritable,
}

/// A resource type the component uses (`own`/`borrow` refer to these by
/// index).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ResourceDef {
    /// Imported: the import and the path to the type inside it.
    Imported {
        /// Index into [`ComponentTranslation::imports`].
        import: u32,
        /// Names inside the imported instance (empty for a type import).
        path: Vec<String>,
    },
    /// Defined by this component, with an optional destructor.
    Defined {
        /// The destructor, a core function taking the representation.
        dtor: Option<CoreDef>,
        /// The runtime instance that defines it (see
        /// [`ComponentTranslation::instance_count`]).
        instance: u32,
    },
}

/// How a core instance comes about.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoreInstanceDef {
    /// Instantiating a module (embedded or imported) with named argument
    /// instances.
    Instantiate {
        /// The module.
        module: ModuleDef,
        /// Import module name -> core instance.
        args: Vec<(String, u32)>,
    },
    /// A bag of existing core items.
    FromExports(Vec<(String, CoreDef)>),
}

/// The string encoding of canonical options.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StringEncoding {
    /// UTF-8 (the default).
    Utf8,
    /// UTF-16.
    Utf16,
    /// Latin-1 or UTF-16, tagged per string.
    CompactUtf16,
}

/// The canonical options of a lift or lower.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CanonOptions {
    /// The linear memory strings and lists live in.
    pub memory: Option<CoreDef>,
    /// The `realloc` function that allocates in it.
    pub realloc: Option<CoreDef>,
    /// The function to call after the results of a lifted call are read.
    pub post_return: Option<CoreDef>,
    /// How strings are encoded.
    pub string_encoding: StringEncoding,
    /// The `async` option: an async lift (results through `task.return`)
    /// or an async lower (the call returns a subtask status).
    pub async_: bool,
    /// The `callback` option of an async lift: the core function the
    /// event loop calls with each event (without it, an async lift is
    /// *stackful*).
    pub callback: Option<Box<CoreDef>>,
    /// The runtime instance whose handle tables the lift, lower or builtin
    /// uses (see [`ComponentTranslation::instance_count`]).
    pub instance: u32,
}

/// A function of the component's function index space.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ComponentFuncDef {
    /// An imported function: the import and the export path inside it
    /// (empty for a function import, the function's name for an instance
    /// import).
    Import {
        /// Index into [`ComponentTranslation::imports`].
        import: u32,
        /// Names inside the imported instance.
        path: Vec<String>,
    },
    /// A core function lifted with canonical options.
    Lifted {
        /// The core function.
        core: CoreDef,
        /// Its component type.
        ty: ComponentFuncType,
        /// How values cross.
        options: CanonOptions,
    },
}

/// A component function lowered into a core function.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lowering {
    /// The component function (index into [`ComponentTranslation::funcs`]).
    pub func: u32,
    /// Its type.
    pub ty: ComponentFuncType,
    /// How values cross.
    pub options: CanonOptions,
}

/// The type of a component import.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ImportType {
    /// A function.
    Func(ComponentFuncType),
    /// An instance of named functions, resource types, core modules and
    /// instances.
    Instance(InstanceImport),
    /// A resource type.
    Resource,
    /// A core module of the declared type.
    Module(CoreModuleType),
}

/// The exports of an imported instance's type that need a definition
/// (type exports other than resources need none).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InstanceImport {
    /// Functions, by name.
    pub funcs: Vec<(String, ComponentFuncType)>,
    /// Resource types, by name.
    pub resources: Vec<String>,
    /// Core modules, by name, with their declared types.
    pub modules: Vec<(String, CoreModuleType)>,
    /// Instances, by name.
    pub instances: Vec<(String, InstanceImport)>,
    /// Resource types bounded `(eq ...)` to an earlier resource (our index
    /// of it): the linker need not define them, but a definition it has
    /// must be that resource.
    pub eq_resources: Vec<(String, u32)>,
}

impl InstanceImport {
    /// The nested instance at `path` (names of instance exports).
    pub fn at(&self, path: &[String]) -> Option<&InstanceImport> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self
                .instances
                .iter()
                .find(|(n, _)| n == first)
                .and_then(|(_, i)| i.at(rest)),
        }
    }

    /// Whether nothing in it (or in its instances) needs a definition, so
    /// that the host need not provide it.
    pub fn is_empty(&self) -> bool {
        self.funcs.is_empty()
            && self.resources.is_empty()
            && self.modules.is_empty()
            && self.instances.iter().all(|(_, i)| i.is_empty())
    }
}

impl ImportType {
    /// For an instance import, the nested instance at `path`.
    pub fn instance_at(&self, path: &[String]) -> Option<&InstanceImport> {
        match self {
            ImportType::Instance(i) => i.at(path),
            _ => None,
        }
    }
}

/// A component export.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ExportDef {
    /// A function (index into [`ComponentTranslation::funcs`]).
    Func(u32),
    /// An instance of named exports.
    Instance(Vec<(String, ExportDef)>),
    /// A resource type (index into [`ComponentTranslation::resources`]).
    Resource(u32),
    /// A core module.
    Module(ModuleDef),
    /// Another type (nothing to look up at run time): a value type, or
    /// `None` for function, instance and component types.
    Type(Option<InterfaceType>),
}

/// What a component is made of; see the [module docs](self).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ComponentTranslation {
    /// Byte ranges of the embedded core modules, in module index order.
    pub modules: Vec<Range<usize>>,
    /// Core instances in index order (instantiation order).
    pub core_instances: Vec<CoreInstanceDef>,
    /// Lowered component functions.
    pub lowerings: Vec<Lowering>,
    /// The component function index space.
    pub funcs: Vec<ComponentFuncDef>,
    /// Imports, by name.
    pub imports: Vec<(String, ImportType)>,
    /// Exports, by name.
    pub exports: Vec<(String, ExportDef)>,
    /// Type imports of the root bounded `(eq ...)` to an earlier resource
    /// (our index of it): they need no definition, but one the linker has
    /// must be that resource.
    pub root_eq_resources: Vec<(String, u32)>,
    /// Canonical builtins.
    pub builtins: Vec<Builtin>,
    /// Per builtin: the runtime instance it belongs to.
    pub builtin_instances: Vec<u32>,
    /// How many runtime component instances an instantiation makes: the
    /// root (0) and then each inlined instantiation of a nested component,
    /// in order. Each has its own handle tables, as in the component
    /// model, even though they share one `Instance` of the embedding API.
    pub instance_count: u32,
    /// Per runtime instance: the runtime instance that instantiated it
    /// (`None` for the root).
    pub instance_parents: Vec<Option<u32>>,
    /// The resource types, in order of appearance.
    pub resources: Vec<ResourceDef>,
}

impl ComponentTranslation {
    /// Whether runtime instance `a` is `b` or one of its ancestors, or the
    /// other way around: a call between them through an adapter would
    /// re-enter an instance.
    pub fn instances_related(&self, a: u32, b: u32) -> bool {
        let is_ancestor = |anc: u32, mut of: u32| loop {
            if anc == of {
                return true;
            }
            match self.instance_parents.get(of as usize).copied().flatten() {
                Some(p) => of = p,
                None => return false,
            }
        };
        is_ancestor(a, b) || is_ancestor(b, a)
    }
}

/// The wasmparser features a component is validated with: `core` (the
/// engine's) plus the component model.
pub fn component_features(core: WasmFeatures) -> WasmFeatures {
    core | WasmFeatures::COMPONENT_MODEL
}

/// The component-model async features a [`WasmFeatures`] may carry.
pub const ASYNC_FEATURES: WasmFeatures = WasmFeatures::CM_ASYNC
    .union(WasmFeatures::CM_MORE_ASYNC_BUILTINS)
    .union(WasmFeatures::CM_ASYNC_STACKFUL)
    .union(WasmFeatures::CM_ERROR_CONTEXT);

/// Validates and reads `bytes`.
pub fn translate_component(bytes: &[u8], features: WasmFeatures) -> Result<ComponentTranslation> {
    let statics = validate(bytes, features).context("failed to validate the component")?;
    Inliner::new(bytes, &statics).run()
}

/// What validation learns: the types of the root component and of each
/// nested component (by the offset of its first byte).
pub(crate) struct Statics {
    pub(crate) root: Types,
    pub(crate) components: HashMap<usize, (Range<usize>, Types)>,
}

/// The first pass: validates `bytes` payload by payload (function bodies
/// included), keeping the types of every component.
fn validate(bytes: &[u8], features: WasmFeatures) -> Result<Statics> {
    let mut validator = Validator::new_with_features(component_features(features));
    let mut allocs = FuncValidatorAllocations::default();
    // Open nested modules (`None`) and components (their byte range).
    let mut open: Vec<Option<Range<usize>>> = Vec::new();
    let mut components = HashMap::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        let opens = match &payload {
            Payload::ModuleSection { .. } => Some(None),
            Payload::ComponentSection {
                unchecked_range, ..
            } => Some(Some(
                unchecked_range.start as usize..unchecked_range.end as usize,
            )),
            _ => None,
        };
        match validator.payload(&payload)? {
            ValidPayload::Ok | ValidPayload::Parser(_) => {}
            ValidPayload::Func(func, body) => {
                let mut func = func.into_validator(std::mem::take(&mut allocs));
                func.validate(&body)?;
                allocs = func.into_allocations();
            }
            ValidPayload::End(types) => match open.pop() {
                None => {
                    return Ok(Statics {
                        root: types,
                        components,
                    })
                }
                Some(None) => {}
                Some(Some(range)) => {
                    components.insert(range.start, (range, types));
                }
            },
        }
        if let Some(o) = opens {
            open.push(o);
        }
    }
    anyhow::bail!("unexpected end of the component binary")
}
