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

mod externs;
pub use externs::*;

/// `ty` of `module` with module type indices replaced by engine ids.
pub(crate) fn canonical_ref(engine: &Engine, module: &EnvModule, ty: WasmRefType) -> WasmRefType {
    if !matches!(ty.heap, WasmHeapType::ConcreteFunc(WasmTypeRef::Module(_))) {
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

/// A heap type (the target of a reference): the abstract types of the
/// function and extern hierarchies, and concrete function types (function
/// references proposal).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// No function (the bottom of the function hierarchy).
    NoFunc,
    /// Any external (host) value.
    Extern,
    /// No external value.
    NoExtern,
    /// Functions of one concrete type.
    ConcreteFunc(FuncType),
    /// Any exception object.
    Exn,
    /// No exception object.
    NoExn,
}

impl HeapType {
    /// Whether every concrete type this names is registered with `engine`
    /// (type ids are per engine: another engine's id may name another
    /// type here).
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        match self {
            HeapType::ConcreteFunc(f) => Engine::same(f.engine(), engine),
            _ => true,
        }
    }

    /// True for `func`, `nofunc` and concrete function types.
    pub fn is_func(&self) -> bool {
        !self.is_extern() && !self.is_exn()
    }

    /// True for `exn` and `noexn`.
    pub fn is_exn(&self) -> bool {
        matches!(self, HeapType::Exn | HeapType::NoExn)
    }

    /// True for `extern` and `noextern`.
    pub fn is_extern(&self) -> bool {
        matches!(self, HeapType::Extern | HeapType::NoExtern)
    }

    /// The concrete function type, if this is one.
    pub fn as_concrete_func(&self) -> Option<&FuncType> {
        match self {
            HeapType::ConcreteFunc(f) => Some(f),
            _ => None,
        }
    }

    /// Whether every value of `self` is a value of `other`.
    pub fn matches(&self, other: &HeapType) -> bool {
        self.to_wasm().is_func() == other.to_wasm().is_func()
            && wasmtime_environ::WasmRefType {
                nullable: false,
                heap: self.to_wasm(),
            }
            .is_subtype_of(&wasmtime_environ::WasmRefType {
                nullable: false,
                heap: other.to_wasm(),
            })
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
        }
    }

    /// Converts a canonical heap type; `this` is the function type a
    /// `RecSelf` reference stands for.
    pub(crate) fn from_wasm(
        heap: WasmHeapType,
        engine: &Engine,
        this: Option<&FuncType>,
    ) -> HeapType {
        match heap {
            WasmHeapType::Func => HeapType::Func,
            WasmHeapType::NoFunc => HeapType::NoFunc,
            WasmHeapType::Extern => HeapType::Extern,
            WasmHeapType::NoExtern => HeapType::NoExtern,
            WasmHeapType::Exn => HeapType::Exn,
            WasmHeapType::NoExn => HeapType::NoExn,
            WasmHeapType::ConcreteFunc(WasmTypeRef::Engine(i)) => {
                HeapType::ConcreteFunc(engine.func_type_of(i))
            }
            WasmHeapType::ConcreteFunc(WasmTypeRef::RecSelf) => match this {
                Some(f) => HeapType::ConcreteFunc(f.clone()),
                None => HeapType::Func,
            },
            // Module-level indices never reach the API (they are
            // canonicalized first); `func` is the safe approximation.
            WasmHeapType::ConcreteFunc(WasmTypeRef::Module(_)) => HeapType::Func,
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
            HeapType::Exn => "exn",
            HeapType::NoExn => "noexn",
        })
    }
}

/// A reference type: nullability plus heap type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    nullable: bool,
    heap_type: HeapType,
}

impl RefType {
    /// See [`HeapType::comes_from_same_engine`].
    pub(crate) fn comes_from_same_engine(&self, engine: &Engine) -> bool {
        self.heap_type.comes_from_same_engine(engine)
    }

    /// `funcref`.
    pub const FUNCREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Func,
    };
    /// `externref`.
    pub const EXTERNREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Extern,
    };

    /// `exnref`.
    pub const EXNREF: RefType = RefType {
        nullable: true,
        heap_type: HeapType::Exn,
    };

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
        self.to_wasm().is_subtype_of(&other.to_wasm())
    }

    pub(crate) fn to_wasm(&self) -> WasmRefType {
        WasmRefType {
            nullable: self.nullable,
            heap: self.heap_type.to_wasm(),
        }
    }

    pub(crate) fn from_wasm(ty: WasmRefType, engine: &Engine, this: Option<&FuncType>) -> RefType {
        RefType {
            nullable: ty.nullable,
            heap_type: HeapType::from_wasm(ty.heap, engine, this),
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.nullable, &self.heap_type) {
            (true, HeapType::Func) => f.write_str("funcref"),
            (true, HeapType::Extern) => f.write_str("externref"),
            (true, HeapType::Exn) => f.write_str("exnref"),
            (true, h) => write!(f, "(ref null {h})"),
            (false, h) => write!(f, "(ref {h})"),
        }
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

    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FUNCREF);
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::EXTERNREF);

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

    /// Whether values of `self` are values of `other` (subtyping).
    pub fn matches(&self, other: &ValType) -> bool {
        self.to_wasm().is_subtype_of(&other.to_wasm())
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
    pub(crate) fn from_wasm(ty: WasmValType, engine: &Engine, this: Option<&FuncType>) -> ValType {
        match ty {
            WasmValType::I32 => ValType::I32,
            WasmValType::I64 => ValType::I64,
            WasmValType::F32 => ValType::F32,
            WasmValType::F64 => ValType::F64,
            WasmValType::V128 => ValType::V128,
            WasmValType::Ref(r) => ValType::Ref(RefType::from_wasm(r, engine, this)),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_wasm().fmt(f)
    }
}
