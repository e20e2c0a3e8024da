//! Types of component items seen by the embedder: [`ComponentFunc`], the
//! types of core modules ([`Module`]) and the value types [`Type`] with
//! their compound parts.

pub use super::component_type::{Component, ComponentExtern, ComponentInstance, ComponentItem};
use super::matching::extern_type;
use super::ResourceType;
use crate::{Engine, ExternType};
use std::sync::Arc;
use wasmtime_environ::component::{ComponentFuncType, CoreModuleType, InterfaceType};

/// The type of a component function (given to host functions defined with
/// [`LinkerInstance::func_new`](super::LinkerInstance::func_new), and
/// returned by [`Func::ty`](super::Func::ty)).
#[derive(Clone, Debug)]
pub struct ComponentFunc {
    pub(crate) ty: Arc<ComponentFuncType>,
    resources: Arc<[ResourceType]>,
}

impl ComponentFunc {
    pub(crate) fn new(ty: Arc<ComponentFuncType>, resources: Arc<[ResourceType]>) -> Self {
        ComponentFunc { ty, resources }
    }

    /// The parameters: names and types, in order.
    pub fn params(&self) -> impl ExactSizeIterator<Item = (&str, Type)> + '_ {
        self.ty
            .params
            .iter()
            .map(|(n, t)| (n.as_str(), Type::new(t, &self.resources)))
    }

    /// The result type, if any (zero or one).
    pub fn results(&self) -> impl ExactSizeIterator<Item = Type> + '_ {
        self.ty.result.iter().map(|t| Type::new(t, &self.resources))
    }

    /// The names of the parameters, in order.
    pub fn param_names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.ty.params.iter().map(|(n, _)| n.as_str())
    }

    /// Whether the function returns a value.
    pub fn has_result(&self) -> bool {
        self.ty.result.is_some()
    }

    /// Whether the function is `async`.
    pub fn is_async(&self) -> bool {
        self.ty.is_async
    }

    /// Checks that the function has parameters `Params` and results
    /// `Return` (as [`Func::typed`](super::Func::typed) would), for
    /// generated bindings.
    #[doc(hidden)]
    pub fn typecheck<Params, Return>(&self, _instance: &InstanceType<'_>) -> anyhow::Result<()>
    where
        Params: super::ComponentNamedList + super::Lower,
        Return: super::ComponentNamedList + super::Lift,
    {
        super::typed::typecheck_func::<Params, Return>(&self.ty)
    }
}

/// The type of a core module that a component imports or exports: the
/// module type the component declares for it.
#[derive(Clone, Debug)]
pub struct Module(ModuleSource);

#[derive(Clone, Debug)]
enum ModuleSource {
    /// A type the component declares (for an imported module).
    Declared(Arc<CoreModuleType>),
    /// The type of a module the component embeds: the module's own.
    Compiled(crate::Module),
}

impl Module {
    pub(crate) fn declared(ty: &CoreModuleType) -> Module {
        Module(ModuleSource::Declared(Arc::new(ty.clone())))
    }

    pub(crate) fn compiled(module: &crate::Module) -> Module {
        Module(ModuleSource::Compiled(module.clone()))
    }

    /// The module's imports: `(module, name)` and type, in order.
    pub fn imports<'a>(
        &'a self,
        engine: &'a Engine,
    ) -> impl ExactSizeIterator<Item = ((&'a str, &'a str), ExternType)> + 'a {
        let items: Vec<_> = match &self.0 {
            ModuleSource::Declared(ty) => ty
                .imports
                .iter()
                .map(|(m, n, t)| ((m.as_str(), n.as_str()), extern_type(engine, t)))
                .collect(),
            ModuleSource::Compiled(m) => m
                .imports()
                .map(|i| ((i.module(), i.name()), i.ty()))
                .collect(),
        };
        items.into_iter()
    }

    /// The module's exports: name and type, in order.
    pub fn exports<'a>(
        &'a self,
        engine: &'a Engine,
    ) -> impl ExactSizeIterator<Item = (&'a str, ExternType)> + 'a {
        let items: Vec<_> = match &self.0 {
            ModuleSource::Declared(ty) => ty
                .exports
                .iter()
                .map(|(n, t)| (n.as_str(), extern_type(engine, t)))
                .collect(),
            ModuleSource::Compiled(m) => m.exports().map(|e| (e.name(), e.ty())).collect(),
        };
        items.into_iter()
    }
}

/// The type of a component's instance, as
/// [`InstancePre::instance_type`](super::InstancePre::instance_type) gives
/// it to generated bindings.
#[doc(hidden)]
pub struct InstanceType<'a> {
    _component: &'a super::Component,
}

impl<'a> InstanceType<'a> {
    pub(crate) fn new(component: &'a super::Component) -> Self {
        InstanceType {
            _component: component,
        }
    }
}

/// A compound type with the resource types its handles refer to.
#[derive(Clone, Debug)]
struct Compound {
    ty: Arc<InterfaceType>,
    resources: Arc<[ResourceType]>,
}

impl Compound {
    fn child(&self, ty: &InterfaceType) -> Type {
        Type::new(ty, &self.resources)
    }
}

impl PartialEq for Compound {
    fn eq(&self, other: &Self) -> bool {
        self.ty == other.ty
    }
}

impl Eq for Compound {}

/// The type of a component-level value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Type {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    Float32,
    Float64,
    Char,
    String,
    List(List),
    Record(Record),
    Tuple(Tuple),
    Variant(Variant),
    Enum(Enum),
    Option(OptionType),
    Result(ResultType),
    Flags(Flags),
    Own(ResourceType),
    Borrow(ResourceType),
    Future(FutureType),
    Stream(StreamType),
    ErrorContext,
    Map(Map),
    FixedLengthList(FixedLengthList),
}

macro_rules! compound {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(Compound);
    )*};
}

compound! {
    /// A `list<T>` type.
    List;
    /// A `record` type.
    Record;
    /// A `tuple` type.
    Tuple;
    /// A `variant` type.
    Variant;
    /// An `enum` type.
    Enum;
    /// An `option<T>` type.
    OptionType;
    /// A `result<T, E>` type.
    ResultType;
    /// A `flags` type.
    Flags;
    /// A `future<T>` type.
    FutureType;
    /// A `stream<T>` type.
    StreamType;
    /// A `map<K, V>` type.
    Map;
    /// A `list<T, N>` type.
    FixedLengthList;
}

/// A field of a [`Record`].
#[derive(Clone, Debug)]
pub struct Field<'a> {
    /// The field's name.
    pub name: &'a str,
    /// The field's type.
    pub ty: Type,
}

/// A case of a [`Variant`].
#[derive(Clone, Debug)]
pub struct Case<'a> {
    /// The case's name.
    pub name: &'a str,
    /// The case's payload type, if any.
    pub ty: Option<Type>,
}

impl Type {
    pub(crate) fn new(ty: &InterfaceType, resources: &Arc<[ResourceType]>) -> Type {
        use InterfaceType as I;
        let compound = || Compound {
            ty: Arc::new(ty.clone()),
            resources: resources.clone(),
        };
        match ty {
            I::Bool => Type::Bool,
            I::S8 => Type::S8,
            I::U8 => Type::U8,
            I::S16 => Type::S16,
            I::U16 => Type::U16,
            I::S32 => Type::S32,
            I::U32 => Type::U32,
            I::S64 => Type::S64,
            I::U64 => Type::U64,
            I::Float32 => Type::Float32,
            I::Float64 => Type::Float64,
            I::Char => Type::Char,
            I::String => Type::String,
            I::List(_) => Type::List(List(compound())),
            I::Record(_) => Type::Record(Record(compound())),
            I::Tuple(_) => Type::Tuple(Tuple(compound())),
            I::Variant(_) => Type::Variant(Variant(compound())),
            I::Enum(_) => Type::Enum(Enum(compound())),
            I::Option(_) => Type::Option(OptionType(compound())),
            I::Result { .. } => Type::Result(ResultType(compound())),
            I::Flags(_) => Type::Flags(Flags(compound())),
            I::Own(i) => Type::Own(resources[*i as usize]),
            I::Borrow(i) => Type::Borrow(resources[*i as usize]),
            I::Future(_) => Type::Future(FutureType(compound())),
            I::Stream(_) => Type::Stream(StreamType(compound())),
            I::ErrorContext => Type::ErrorContext,
            I::Map(..) => Type::Map(Map(compound())),
            I::FixedLengthList(..) => Type::FixedLengthList(FixedLengthList(compound())),
        }
    }
}

impl List {
    /// The element type.
    pub fn ty(&self) -> Type {
        match &*self.0.ty {
            InterfaceType::List(t) => self.0.child(t),
            _ => unreachable!(),
        }
    }
}

impl Record {
    /// The fields, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = Field<'_>> {
        let fields: &[(String, InterfaceType)] = match &*self.0.ty {
            InterfaceType::Record(f) => f,
            _ => &[],
        };
        fields.iter().map(|(name, t)| Field {
            name,
            ty: self.0.child(t),
        })
    }
}

impl Tuple {
    /// The element types, in order.
    pub fn types(&self) -> impl ExactSizeIterator<Item = Type> + '_ {
        let types: &[InterfaceType] = match &*self.0.ty {
            InterfaceType::Tuple(t) => t,
            _ => &[],
        };
        types.iter().map(|t| self.0.child(t))
    }
}

impl Variant {
    /// The cases, in order.
    pub fn cases(&self) -> impl ExactSizeIterator<Item = Case<'_>> {
        let cases: &[(String, Option<InterfaceType>)] = match &*self.0.ty {
            InterfaceType::Variant(c) => c,
            _ => &[],
        };
        cases.iter().map(|(name, t)| Case {
            name,
            ty: t.as_ref().map(|t| self.0.child(t)),
        })
    }
}

impl Enum {
    /// The case names, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        let names: &[String] = match &*self.0.ty {
            InterfaceType::Enum(n) => n,
            _ => &[],
        };
        names.iter().map(String::as_str)
    }
}

impl OptionType {
    /// The payload type.
    pub fn ty(&self) -> Type {
        match &*self.0.ty {
            InterfaceType::Option(t) => self.0.child(t),
            _ => unreachable!(),
        }
    }
}

impl ResultType {
    /// The `ok` payload type, if any.
    pub fn ok(&self) -> Option<Type> {
        match &*self.0.ty {
            InterfaceType::Result { ok, .. } => ok.as_deref().map(|t| self.0.child(t)),
            _ => None,
        }
    }

    /// The `err` payload type, if any.
    pub fn err(&self) -> Option<Type> {
        match &*self.0.ty {
            InterfaceType::Result { err, .. } => err.as_deref().map(|t| self.0.child(t)),
            _ => None,
        }
    }
}

impl Flags {
    /// The flag names, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        let names: &[String] = match &*self.0.ty {
            InterfaceType::Flags(n) => n,
            _ => &[],
        };
        names.iter().map(String::as_str)
    }
}

impl FutureType {
    /// The payload type (`None` for a `future` without one).
    pub fn ty(&self) -> Option<Type> {
        match &*self.0.ty {
            InterfaceType::Future(t) => t.as_deref().map(|t| self.0.child(t)),
            _ => None,
        }
    }
}

impl StreamType {
    /// The element type (`None` for a `stream` without one).
    pub fn ty(&self) -> Option<Type> {
        match &*self.0.ty {
            InterfaceType::Stream(t) => t.as_deref().map(|t| self.0.child(t)),
            _ => None,
        }
    }
}

impl Map {
    /// The key type.
    pub fn key(&self) -> Type {
        match &*self.0.ty {
            InterfaceType::Map(k, _) => self.0.child(k),
            _ => unreachable!(),
        }
    }

    /// The value type.
    pub fn value(&self) -> Type {
        match &*self.0.ty {
            InterfaceType::Map(_, v) => self.0.child(v),
            _ => unreachable!(),
        }
    }
}

impl FixedLengthList {
    /// The element type.
    pub fn ty(&self) -> Type {
        match &*self.0.ty {
            InterfaceType::FixedLengthList(t, _) => self.0.child(t),
            _ => unreachable!(),
        }
    }

    /// The number of elements.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u32 {
        match &*self.0.ty {
            InterfaceType::FixedLengthList(_, n) => *n,
            _ => 0,
        }
    }
}
