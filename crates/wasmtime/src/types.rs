//! Type descriptions of the embedding API: value and reference types here,
//! the types of functions, globals, tables, memories, imports and exports
//! in `externs`.

use crate::Engine;
use std::fmt;
use std::sync::Arc;
use wasmtime_environ::EntityRef as _;
use wasmtime_environ::{
    EntityType, Global as EnvGlobal, Memory as EnvMemory, Module as EnvModule, Table as EnvTable,
    VMSharedTypeIndex, WasmFuncType, WasmHeapType, WasmRefType, WasmTypeRef, WasmValType,
};

mod cont;
mod externs;
mod gc;
pub use cont::*;
pub use externs::*;
pub use gc::*;

/// `ty` of `module` with module type indices replaced by engine ids.
pub(crate) fn canonical_ref(engine: &Engine, module: &EnvModule, ty: WasmRefType) -> WasmRefType {
    if !matches!(ty.heap.type_ref(), Some(WasmTypeRef::Module(_))) {
        return ty;
    }
    let ids = engine.register_module_types(module);
    ty.map_type_refs(&mut |i| WasmTypeRef::Engine(ids[i.index()]))
}

/// `ty` of `module` with module type indices replaced by engine ids.
pub(crate) fn canonical_val(engine: &Engine, module: &EnvModule, ty: WasmValType) -> WasmValType {
    match ty {
        WasmValType::Ref(r) => WasmValType::Ref(canonical_ref(engine, module, r)),
        other => other,
    }
}

/// Whether a global is mutable.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// Whether `sub` matches `sup` (canonical types), using the registry of
/// the engine one of them names a concrete type of; concrete types of two
/// different engines never match.
fn wasm_ref_matches(sub: &RefType, sup: &RefType) -> bool {
    // Concrete exception types have no canonical form of their own (they
    // stand for `exn` there): between two of them only their payload
    // signatures decide, and `exn` itself is not one of them.
    match (&sub.heap_type, &sup.heap_type) {
        (HeapType::ConcreteExn(a), HeapType::ConcreteExn(b)) => {
            return (!sub.nullable || sup.nullable)
                && Engine::same(a.engine(), b.engine())
                && a.matches(b);
        }
        (HeapType::Exn, HeapType::ConcreteExn(_)) => return false,
        _ => {}
    }
    let engine = sub
        .heap_type
        .concrete_engine()
        .or(sup.heap_type.concrete_engine());
    if let (Some(a), Some(b)) = (
        sub.heap_type.concrete_engine(),
        sup.heap_type.concrete_engine(),
    ) {
        if !Engine::same(a, b) {
            return false;
        }
    }
    match engine {
        Some(e) => e.ref_matches(&sub.to_wasm(), &sup.to_wasm()),
        None => sub
            .to_wasm()
            .is_subtype_of_with(&sup.to_wasm(), &mut |a, b| a == b),
    }
}

/// A heap type (the target of a reference): the abstract types of the
/// internal (`any`), function, extern and exception hierarchies, and
/// concrete function, struct and array types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any external (host) value.
    Extern,
    /// No external value.
    NoExtern,
    /// Any function.
    Func,
    /// Functions of one concrete type.
    ConcreteFunc(FuncType),
    /// No function (the bottom of the function hierarchy).
    NoFunc,
    /// Any internal value: the top of the GC hierarchy.
    Any,
    /// Values `ref.eq` compares: i31s, structs and arrays.
    Eq,
    /// Unboxed 31-bit integers.
    I31,
    /// Any array.
    Array,
    /// Arrays of one concrete type.
    ConcreteArray(ArrayType),
    /// Any struct.
    Struct,
    /// Structs of one concrete type.
    ConcreteStruct(StructType),
    /// Any exception object.
    Exn,
    /// No exception object.
    NoExn,
    /// Exception objects of one concrete exception type.
    ConcreteExn(crate::ExnType),
    /// No internal value (the bottom of the GC hierarchy).
    None,
    /// Continuations of one concrete continuation type (stack-switching
    /// proposal).
    ConcreteCont(ContType),
    /// Any continuation.
    Cont,
    /// No continuation (the bottom of the continuation hierarchy).
    NoCont,
}

impl From<FuncType> for HeapType {
    fn from(f: FuncType) -> HeapType {
        HeapType::ConcreteFunc(f)
    }
}

impl From<StructType> for HeapType {
    fn from(s: StructType) -> HeapType {
        HeapType::ConcreteStruct(s)
    }
}

impl From<ArrayType> for HeapType {
    fn from(a: ArrayType) -> HeapType {
        HeapType::ConcreteArray(a)
    }
}

impl From<crate::ExnType> for HeapType {
    fn from(e: crate::ExnType) -> HeapType {
        HeapType::ConcreteExn(e)
    }
}

impl From<ContType> for HeapType {
    fn from(c: ContType) -> HeapType {
        HeapType::ConcreteCont(c)
    }
}

impl HeapType {
    /// The engine of the concrete type this names, if any.
    fn concrete_engine(&self) -> Option<&Engine> {
        match self {
            HeapType::ConcreteFunc(f) => Some(f.engine()),
            HeapType::ConcreteStruct(s) => Some(s.engine()),
            HeapType::ConcreteArray(a) => Some(a.engine()),
            HeapType::ConcreteCont(c) => Some(c.engine()),
            HeapType::ConcreteExn(e) => Some(e.engine()),
            _ => Option::None,
        }
    }

    /// Whether every concrete type this names is registered with `engine`
    /// (type ids are per engine: another engine's id may name another
    /// type here).
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        self.concrete_engine()
            .is_none_or(|e| Engine::same(e, engine))
    }

    /// The hierarchy this type belongs to.
    pub(crate) fn hierarchy(&self) -> wasmtime_environ::WasmHierarchy {
        self.to_wasm().hierarchy()
    }

    /// True for `extern`.
    pub fn is_extern(&self) -> bool {
        matches!(self, HeapType::Extern)
    }

    /// True for `func`.
    pub fn is_func(&self) -> bool {
        matches!(self, HeapType::Func)
    }

    /// True for `nofunc`.
    pub fn is_no_func(&self) -> bool {
        matches!(self, HeapType::NoFunc)
    }

    /// True for `any`.
    pub fn is_any(&self) -> bool {
        matches!(self, HeapType::Any)
    }

    /// True for `i31`.
    pub fn is_i31(&self) -> bool {
        matches!(self, HeapType::I31)
    }

    /// True for `none`.
    pub fn is_none(&self) -> bool {
        matches!(self, HeapType::None)
    }

    /// True for `exn`.
    pub fn is_exn(&self) -> bool {
        matches!(self, HeapType::Exn)
    }

    /// True for `noexn`.
    pub fn is_no_exn(&self) -> bool {
        matches!(self, HeapType::NoExn)
    }

    /// True for `cont`.
    pub fn is_cont(&self) -> bool {
        matches!(self, HeapType::Cont)
    }

    /// True for `nocont`.
    pub fn is_no_cont(&self) -> bool {
        matches!(self, HeapType::NoCont)
    }

    /// True for a concrete continuation type.
    pub fn is_concrete_cont(&self) -> bool {
        matches!(self, HeapType::ConcreteCont(_))
    }

    /// The concrete continuation type, if this is one.
    pub fn as_concrete_cont(&self) -> Option<&ContType> {
        match self {
            HeapType::ConcreteCont(c) => Some(c),
            _ => Option::None,
        }
    }

    /// The concrete continuation type; panics otherwise.
    pub fn unwrap_concrete_cont(&self) -> &ContType {
        self.as_concrete_cont()
            .expect("not a concrete continuation type")
    }

    /// True for the abstract (non-concrete) heap types.
    pub fn is_abstract(&self) -> bool {
        !self.is_concrete()
    }

    /// True for concrete function, struct and array types.
    pub fn is_concrete(&self) -> bool {
        self.concrete_engine().is_some()
    }

    /// True for a concrete exception type.
    pub fn is_concrete_exn(&self) -> bool {
        matches!(self, HeapType::ConcreteExn(_))
    }

    /// The concrete exception type, if this is one.
    pub fn as_concrete_exn(&self) -> Option<&crate::ExnType> {
        match self {
            HeapType::ConcreteExn(e) => Some(e),
            _ => Option::None,
        }
    }

    /// The concrete exception type; panics if this is not one.
    pub fn unwrap_concrete_exn(&self) -> &crate::ExnType {
        self.as_concrete_exn()
            .expect("HeapType::unwrap_concrete_exn on a non-concrete-exn type")
    }

    /// True for a concrete function type.
    pub fn is_concrete_func(&self) -> bool {
        matches!(self, HeapType::ConcreteFunc(_))
    }

    /// The concrete function type, if this is one.
    pub fn as_concrete_func(&self) -> Option<&FuncType> {
        match self {
            HeapType::ConcreteFunc(f) => Some(f),
            _ => Option::None,
        }
    }

    /// The concrete function type; panics otherwise.
    pub fn unwrap_concrete_func(&self) -> &FuncType {
        self.as_concrete_func()
            .expect("not a concrete function type")
    }

    /// True for a concrete array type.
    pub fn is_concrete_array(&self) -> bool {
        matches!(self, HeapType::ConcreteArray(_))
    }

    /// The concrete array type, if this is one.
    pub fn as_concrete_array(&self) -> Option<&ArrayType> {
        match self {
            HeapType::ConcreteArray(a) => Some(a),
            _ => Option::None,
        }
    }

    /// The concrete array type; panics otherwise.
    pub fn unwrap_concrete_array(&self) -> &ArrayType {
        self.as_concrete_array().expect("not a concrete array type")
    }

    /// True for a concrete struct type.
    pub fn is_concrete_struct(&self) -> bool {
        matches!(self, HeapType::ConcreteStruct(_))
    }

    /// The concrete struct type, if this is one.
    pub fn as_concrete_struct(&self) -> Option<&StructType> {
        match self {
            HeapType::ConcreteStruct(s) => Some(s),
            _ => Option::None,
        }
    }

    /// The concrete struct type; panics otherwise.
    pub fn unwrap_concrete_struct(&self) -> &StructType {
        self.as_concrete_struct()
            .expect("not a concrete struct type")
    }

    /// The top type of this type's hierarchy.
    pub fn top(&self) -> HeapType {
        match self.to_wasm().top() {
            WasmHeapType::Any => HeapType::Any,
            WasmHeapType::Func => HeapType::Func,
            WasmHeapType::Extern => HeapType::Extern,
            WasmHeapType::Cont => HeapType::Cont,
            _ => HeapType::Exn,
        }
    }

    /// True for `any`, `func`, `extern`, `exn` and `cont`.
    pub fn is_top(&self) -> bool {
        matches!(
            self,
            HeapType::Any | HeapType::Func | HeapType::Extern | HeapType::Exn | HeapType::Cont
        )
    }

    /// The bottom type of this type's hierarchy.
    pub fn bottom(&self) -> HeapType {
        match self.to_wasm().bottom() {
            WasmHeapType::None => HeapType::None,
            WasmHeapType::NoFunc => HeapType::NoFunc,
            WasmHeapType::NoExtern => HeapType::NoExtern,
            WasmHeapType::NoCont => HeapType::NoCont,
            _ => HeapType::NoExn,
        }
    }

    /// True for `none`, `nofunc`, `noextern`, `noexn` and `nocont`.
    pub fn is_bottom(&self) -> bool {
        matches!(
            self,
            HeapType::None
                | HeapType::NoFunc
                | HeapType::NoExtern
                | HeapType::NoExn
                | HeapType::NoCont
        )
    }

    /// Whether every value of `self` is a value of `other` (subtyping,
    /// with declared supertypes of concrete types).
    pub fn matches(&self, other: &HeapType) -> bool {
        wasm_ref_matches(
            &RefType::new(false, self.clone()),
            &RefType::new(false, other.clone()),
        )
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &HeapType, b: &HeapType) -> bool {
        a.matches(b) && b.matches(a)
    }

    pub(crate) fn to_wasm(&self) -> WasmHeapType {
        match self {
            HeapType::Func => WasmHeapType::Func,
            HeapType::NoFunc => WasmHeapType::NoFunc,
            HeapType::Extern => WasmHeapType::Extern,
            HeapType::NoExtern => WasmHeapType::NoExtern,
            HeapType::ConcreteFunc(f) => WasmHeapType::ConcreteFunc(WasmTypeRef::Engine(f.index)),
            HeapType::Exn => WasmHeapType::Exn,
            HeapType::NoExn => WasmHeapType::NoExn,
            // Canonical types have no concrete exception types (exception
            // references in wasm are all `exnref`).
            HeapType::ConcreteExn(_) => WasmHeapType::Exn,
            HeapType::Any => WasmHeapType::Any,
            HeapType::Eq => WasmHeapType::Eq,
            HeapType::I31 => WasmHeapType::I31,
            HeapType::Array => WasmHeapType::Array,
            HeapType::Struct => WasmHeapType::Struct,
            HeapType::None => WasmHeapType::None,
            HeapType::ConcreteStruct(s) => {
                WasmHeapType::ConcreteStruct(WasmTypeRef::Engine(s.type_index()))
            }
            HeapType::ConcreteArray(a) => {
                WasmHeapType::ConcreteArray(WasmTypeRef::Engine(a.type_index()))
            }
            HeapType::Cont => WasmHeapType::Cont,
            HeapType::NoCont => WasmHeapType::NoCont,
            HeapType::ConcreteCont(c) => {
                WasmHeapType::ConcreteCont(WasmTypeRef::Engine(c.type_index()))
            }
        }
    }

    /// Converts a canonical heap type (references are engine ids).
    pub(crate) fn from_wasm(heap: WasmHeapType, engine: &Engine) -> HeapType {
        match heap {
            WasmHeapType::Func => HeapType::Func,
            WasmHeapType::NoFunc => HeapType::NoFunc,
            WasmHeapType::Extern => HeapType::Extern,
            WasmHeapType::NoExtern => HeapType::NoExtern,
            WasmHeapType::Exn => HeapType::Exn,
            WasmHeapType::NoExn => HeapType::NoExn,
            WasmHeapType::Any => HeapType::Any,
            WasmHeapType::Eq => HeapType::Eq,
            WasmHeapType::I31 => HeapType::I31,
            WasmHeapType::Struct => HeapType::Struct,
            WasmHeapType::Array => HeapType::Array,
            WasmHeapType::None => HeapType::None,
            WasmHeapType::ConcreteFunc(WasmTypeRef::Engine(i)) => {
                HeapType::ConcreteFunc(engine.func_type_of(i))
            }
            WasmHeapType::ConcreteStruct(WasmTypeRef::Engine(i)) => {
                HeapType::ConcreteStruct(StructType::from_registered(engine, i))
            }
            WasmHeapType::ConcreteArray(WasmTypeRef::Engine(i)) => {
                HeapType::ConcreteArray(ArrayType::from_registered(engine, i))
            }
            WasmHeapType::Cont => HeapType::Cont,
            WasmHeapType::NoCont => HeapType::NoCont,
            WasmHeapType::ConcreteCont(WasmTypeRef::Engine(i)) => {
                HeapType::ConcreteCont(ContType::from_registered(engine, i))
            }
            WasmHeapType::ConcreteCont(_) => HeapType::Cont,
            // Module-level or group-relative references never reach the
            // API (the registry resolves them); the abstract supertype is
            // the safe approximation.
            WasmHeapType::ConcreteFunc(_) => HeapType::Func,
            WasmHeapType::ConcreteStruct(_) => HeapType::Struct,
            WasmHeapType::ConcreteArray(_) => HeapType::Array,
        }
    }
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeapType::Func => "func",
            HeapType::NoFunc => "nofunc",
            HeapType::Extern => "extern",
            HeapType::NoExtern => "noextern",
            HeapType::ConcreteFunc(t) => return write!(f, "{t}"),
            HeapType::ConcreteStruct(t) => return write!(f, "{t}"),
            HeapType::ConcreteArray(t) => return write!(f, "{t}"),
            HeapType::ConcreteCont(t) => return write!(f, "{t}"),
            HeapType::ConcreteExn(_) => "(exn concrete)",
            HeapType::Cont => "cont",
            HeapType::NoCont => "nocont",
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
            HeapType::Any => "any",
            HeapType::Eq => "eq",
            HeapType::I31 => "i31",
            HeapType::Array => "array",
            HeapType::Struct => "struct",
            HeapType::None => "none",
        })
    }
}

/// A reference type: nullability plus heap type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap_type: HeapType,
}

macro_rules! ref_consts {
    ($($(#[$m:meta])* $name:ident = $heap:ident;)*) => {
        impl RefType {
            $(
                $(#[$m])*
                pub const $name: RefType = RefType {
                    nullable: true,
                    heap_type: HeapType::$heap,
                };
            )*
        }
        impl ValType {
            $(
                $(#[$m])*
                pub const $name: ValType = ValType::Ref(RefType::$name);
            )*
        }
    };
}

ref_consts! {
    /// `externref`.
    EXTERNREF = Extern;
    /// `nullexternref`.
    NULLEXTERNREF = NoExtern;
    /// `funcref`.
    FUNCREF = Func;
    /// `nullfuncref`.
    NULLFUNCREF = NoFunc;
    /// `anyref`.
    ANYREF = Any;
    /// `eqref`.
    EQREF = Eq;
    /// `i31ref`.
    I31REF = I31;
    /// `arrayref`.
    ARRAYREF = Array;
    /// `structref`.
    STRUCTREF = Struct;
    /// `nullref`.
    NULLREF = None;
    /// `exnref`.
    EXNREF = Exn;
    /// `nullexnref`.
    NULLEXNREF = NoExn;
    /// `contref`.
    CONTREF = Cont;
    /// `nullcontref`.
    NULLCONTREF = NoCont;
}

impl RefType {
    /// See [`HeapType::comes_from_same_engine`].
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        self.heap_type.comes_from_same_engine(engine)
    }

    /// Creates a reference type.
    pub fn new(nullable: bool, heap_type: HeapType) -> RefType {
        RefType {
            nullable,
            heap_type,
        }
    }

    /// Whether null is a value of this type.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// The heap type.
    pub fn heap_type(&self) -> &HeapType {
        &self.heap_type
    }

    /// Whether every value of `self` is a value of `other`.
    pub fn matches(&self, other: &RefType) -> bool {
        wasm_ref_matches(self, other)
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &RefType, b: &RefType) -> bool {
        a.matches(b) && b.matches(a)
    }

    pub(crate) fn to_wasm(&self) -> WasmRefType {
        WasmRefType {
            nullable: self.nullable,
            heap: self.heap_type.to_wasm(),
        }
    }

    pub(crate) fn from_wasm(ty: WasmRefType, engine: &Engine) -> RefType {
        RefType {
            nullable: ty.nullable,
            heap_type: HeapType::from_wasm(ty.heap, engine),
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.heap_type.is_concrete() {
            return match self.nullable {
                true => write!(f, "(ref null {})", self.heap_type),
                false => write!(f, "(ref {})", self.heap_type),
            };
        }
        self.to_wasm().fmt(f)
    }
}

/// A WebAssembly value type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// See [`HeapType::comes_from_same_engine`].
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        match self {
            ValType::Ref(r) => r.comes_from_same_engine(engine),
            _ => true,
        }
    }

    /// True for i32, i64, f32, f64.
    pub fn is_num(&self) -> bool {
        matches!(
            self,
            ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64
        )
    }

    /// True for references.
    pub fn is_ref(&self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// The reference type, if this is one.
    pub fn as_ref(&self) -> Option<&RefType> {
        match self {
            ValType::Ref(r) => Some(r),
            _ => None,
        }
    }

    /// True if this is `funcref`.
    pub fn is_funcref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.to_wasm() == WasmRefType::FUNCREF)
    }

    /// True if this is `externref`.
    pub fn is_externref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.to_wasm() == WasmRefType::EXTERNREF)
    }

    /// True if this is `anyref`.
    pub fn is_anyref(&self) -> bool {
        matches!(self, ValType::Ref(r) if r.to_wasm() == WasmRefType::ANYREF)
    }

    /// The reference type; panics otherwise.
    pub fn unwrap_ref(&self) -> &RefType {
        self.as_ref().expect("not a reference type")
    }

    /// Whether values of `self` are values of `other` (subtyping).
    pub fn matches(&self, other: &ValType) -> bool {
        match (self, other) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            (a, b) => a == b,
        }
    }

    /// Whether `a` and `b` are the same type.
    #[allow(clippy::should_implement_trait)] // Wasmtime\'s API name
    pub fn eq(a: &ValType, b: &ValType) -> bool {
        a.matches(b) && b.matches(a)
    }

    pub(crate) fn to_wasm(&self) -> WasmValType {
        match self {
            ValType::I32 => WasmValType::I32,
            ValType::I64 => WasmValType::I64,
            ValType::F32 => WasmValType::F32,
            ValType::F64 => WasmValType::F64,
            ValType::V128 => WasmValType::V128,
            ValType::Ref(r) => WasmValType::Ref(r.to_wasm()),
        }
    }

    /// Converts a canonical value type (see [`HeapType::from_wasm`]).
    pub(crate) fn from_wasm(ty: WasmValType, engine: &Engine) -> ValType {
        match ty {
            WasmValType::I32 => ValType::I32,
            WasmValType::I64 => ValType::I64,
            WasmValType::F32 => ValType::F32,
            WasmValType::F64 => ValType::F64,
            WasmValType::V128 => ValType::V128,
            WasmValType::Ref(r) => ValType::Ref(RefType::from_wasm(r, engine)),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}
