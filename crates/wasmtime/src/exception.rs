//! Exception handling in the embedding API: `Tag`, `TagType`, `ExnRef`,
//! host-created exceptions (`ExnType`, `ExnRefPre`, `ExnRef::new`, thrown with
//! `Store::throw`) and the `ThrownException` error of an exception that
//! escaped wasm.

use crate::host_items::host_instance_with_types;
use crate::store::{StoreId, StoreOpaque};
use crate::{
    AsContext, AsContextMut, Engine, FieldType, FuncType, Mutability, Ref, RefType, Rooted,
    StorageType, Val, ValType,
};
use anyhow::{bail, Result};
use wasmtime_environ::{EntityIndex, EntityRef, Export, TagIndex, TypeIndex};
use wasmtime_runtime::exception::{exn_len, exn_tag, exn_value_ptr};
use wasmtime_runtime::vmcontext::ValRaw;

/// The type of a tag: a function type whose parameters are the payload
/// (its results must be empty).
#[derive(Clone, Debug)]
pub struct TagType {
    ty: FuncType,
}

impl TagType {
    /// A tag type with the parameters of `ty` as payload.
    pub fn new(ty: FuncType) -> TagType {
        TagType { ty }
    }

    /// The function type.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// Tag types match when their function types are the same type.
    pub(crate) fn matches(&self, other: &TagType) -> bool {
        FuncType::eq(&self.ty, &other.ty)
    }
}

impl std::fmt::Display for TagType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(tag {})", self.ty)
    }
}

/// A WebAssembly tag (exception handling proposal).
#[derive(Copy, Clone, Debug)]
pub struct Tag {
    pub(crate) store: StoreId,
    pub(crate) instance: usize,
    pub(crate) index: TagIndex,
}

impl Tag {
    pub(crate) fn from_parts(store: StoreId, instance: usize, index: TagIndex) -> Tag {
        Tag {
            store,
            instance,
            index,
        }
    }

    /// Creates a tag owned by the host.
    pub fn new(mut store: impl AsContextMut, ty: &TagType) -> Result<Tag> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        if !Engine::same(ty.ty().engine(), store.engine()) {
            bail!("tag type does not belong to the store's engine");
        }
        if ty.ty().results().len() != 0 {
            bail!("tag types must not have results");
        }
        let mut m = wasmtime_environ::Module::default();
        let t = m
            .types
            .push(wasmtime_environ::WasmSubType::func(ty.ty().wasm().clone()));
        m.rec_groups
            .push(wasmtime_environ::RecGroupRange { start: t, len: 1 });
        m.tags.push(t);
        m.exports.push(Export {
            name: String::new(),
            index: EntityIndex::Tag(TagIndex::new(0)),
        });
        let type_ids = [ty.ty().type_index()];
        let instance = host_instance_with_types(store, m, &type_ids)?;
        Ok(Tag::from_parts(store.id(), instance, TagIndex::new(0)))
    }

    pub(crate) fn check(&self, store: &StoreOpaque) -> Result<()> {
        if store.id() != self.store {
            bail!("tag used with the wrong store");
        }
        Ok(())
    }

    /// The identity the runtime compares.
    pub(crate) fn identity(&self, store: &StoreOpaque) -> usize {
        assert!(store.id() == self.store, "tag used with the wrong store");
        store.instances[self.instance]
            .handle
            .instance()
            .tag_identity(self.index.as_u32())
    }

    pub(crate) fn ty_in(&self, store: &StoreOpaque) -> Result<TagType> {
        self.check(store)?;
        let instance = store.instances[self.instance].handle.instance();
        let module = instance.module();
        let ty: TypeIndex = module.tags[self.index];
        Ok(TagType::new(
            store.engine().func_type_of(instance.type_id(ty)),
        ))
    }

    /// The tag's type.
    pub fn ty(&self, store: impl AsContext) -> TagType {
        self.ty_in(store.as_context().opaque())
            .expect("tag used with the wrong store")
    }

    /// Whether `a` and `b` are the same tag.
    pub fn eq(a: &Tag, b: &Tag, store: impl AsContext) -> bool {
        let store = store.as_context();
        a.identity(store.opaque()) == b.identity(store.opaque())
    }

    /// Finds the tag with runtime identity `identity` in `store`.
    pub(crate) fn from_identity(store: &StoreOpaque, identity: usize) -> Option<Tag> {
        for (i, inst) in store.instances.iter().enumerate() {
            let instance = inst.handle.instance();
            let module = instance.module();
            for (index, _) in module.tags.iter().skip(module.num_imported_tags) {
                if instance.tag_identity(index.as_u32()) == identity {
                    return Some(Tag::from_parts(store.id(), i, index));
                }
            }
        }
        None
    }
}

/// The type of an exception object: the signature of its payload (the
/// parameters of a tag's function type). Tags are per instance; the type
/// is shared by every tag with that signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExnType {
    func_ty: FuncType,
}

impl ExnType {
    /// An exception type whose payload has the types `fields`.
    pub fn new(engine: &Engine, fields: impl IntoIterator<Item = ValType>) -> Result<ExnType> {
        Ok(ExnType {
            func_ty: FuncType::new(engine, fields, []),
        })
    }

    /// The exception type of the tag type `tag` (whose function type must
    /// have no results).
    pub fn from_tag_type(tag: &TagType) -> Result<ExnType> {
        if tag.ty().results().len() != 0 {
            bail!("Cannot create an exception type from a tag type with results in the signature");
        }
        Ok(ExnType {
            func_ty: tag.ty().clone(),
        })
    }

    /// The tag type matching this exception type.
    pub fn tag_type(&self) -> TagType {
        TagType::new(self.func_ty.clone())
    }

    /// Field type `i`, if there is one.
    pub fn field(&self, i: usize) -> Option<FieldType> {
        self.func_ty
            .param(i)
            .map(|t| FieldType::new(Mutability::Const, StorageType::ValType(t)))
    }

    /// The field types, in order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldType> + '_ {
        self.func_ty
            .params()
            .map(|t| FieldType::new(Mutability::Const, StorageType::ValType(t)))
    }

    /// The engine this type belongs to.
    pub fn engine(&self) -> &Engine {
        self.func_ty.engine()
    }

    /// Whether `self` and `other` are the same exception type (there is no
    /// subtyping between exception types).
    pub fn matches(&self, other: &ExnType) -> bool {
        self.func_ty.matches(&other.func_ty)
    }
}

impl std::fmt::Display for ExnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(exn {}", self.func_ty)?;
        for field in self.fields() {
            write!(f, " (field {field})")?;
        }
        f.write_str(")")
    }
}

/// An allocator of exception objects of one [`ExnType`] in one store (see
/// [`ExnRef::new`]).
pub struct ExnRefPre {
    store: StoreId,
    ty: ExnType,
}

impl ExnRefPre {
    /// An allocator for exceptions of type `ty` in `store`.
    ///
    /// # Panics
    ///
    /// Panics if `ty` was not created with the same [`Engine`] as `store`
    /// (type ids are per engine).
    pub fn new(mut store: impl AsContextMut, ty: ExnType) -> ExnRefPre {
        let mut ctx = store.as_context_mut();
        assert!(
            Engine::same(ty.engine(), ctx.opaque().engine()),
            "exception type used with a store of another engine"
        );
        ExnRefPre {
            store: ctx.opaque().id(),
            ty,
        }
    }
}

/// A reference to an exception object.
#[derive(Clone, Debug)]
pub struct ExnRef {
    pub(crate) store: StoreId,
    pub(crate) raw: usize,
}

impl ExnRef {
    /// Creates an exception object of `tag` with payload `fields`, to be
    /// thrown with [`Store::throw`](crate::Store::throw) (or passed to wasm
    /// as an `exnref`).
    ///
    /// # Errors
    ///
    /// If `allocator` or `tag` belong to another store, if the tag's type
    /// is not the allocator's exception type, or if `fields` do not match
    /// its field types.
    pub fn new(
        mut store: impl AsContextMut,
        allocator: &ExnRefPre,
        tag: &Tag,
        fields: &[Val],
    ) -> Result<Rooted<ExnRef>> {
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        if allocator.store != store.id() || !Engine::same(allocator.ty.engine(), store.engine()) {
            bail!("attempted to use a `ExnRefPre` with the wrong store");
        }
        tag.check(store)?;
        let tag_ty = tag.ty_in(store)?;
        if tag_ty.ty().type_index() != allocator.ty.func_ty.type_index() {
            bail!("incorrect signature for tag when creating exception object");
        }
        let expected = allocator.ty.fields().len();
        if fields.len() != expected {
            bail!("expected {expected} fields, got {}", fields.len());
        }
        let mut raws = Vec::with_capacity(fields.len());
        for (i, (ty, val)) in allocator.ty.func_ty.params().zip(fields).enumerate() {
            if !val.matches_in(store, &ty) {
                bail!("field type mismatch: field {i} expects a value of type `{ty}`");
            }
            raws.push(val.to_raw(store)?);
        }
        let identity = tag.identity(store);
        let instance = store.instances[tag.instance].handle.instance_mut();
        let raw = instance.alloc_exn_for_identity(identity, fields.len() as u32);
        // The host holds it: never recycled while the store lives.
        wasmtime_runtime::exception::expose(raw);
        for (i, v) in raws.into_iter().enumerate() {
            // SAFETY: the object was just allocated with `fields.len()`
            // 16-byte value slots.
            unsafe { *(exn_value_ptr(raw, i) as *mut ValRaw) = v };
        }
        Ok(Rooted::new(ExnRef {
            store: store.id(),
            raw,
        }))
    }

    pub(crate) fn from_raw(store: &StoreOpaque, raw: u64) -> Option<Rooted<ExnRef>> {
        (raw != 0).then(|| {
            wasmtime_runtime::exception::expose(raw as usize);
            Rooted::new(ExnRef {
                store: store.id(),
                raw: raw as usize,
            })
        })
    }

    pub(crate) fn to_raw(&self, store: &StoreOpaque) -> Result<u64> {
        if store.id() != self.store {
            bail!("exception reference used with the wrong store");
        }
        Ok(self.raw as u64)
    }

    /// The exception's type (the signature of its tag).
    pub fn ty(&self, store: impl AsContext) -> Result<ExnType> {
        let store = store.as_context();
        let tag = self.tag(&store)?;
        ExnType::from_tag_type(&tag.ty(&store))
    }

    /// The exception's tag.
    pub fn tag(&self, store: impl AsContext) -> Result<Tag> {
        let store = store.as_context();
        let store = store.opaque();
        if store.id() != self.store {
            bail!("exception reference used with the wrong store");
        }
        // SAFETY: exception objects live as long as their store.
        let identity = unsafe { exn_tag(self.raw) };
        Tag::from_identity(store, identity)
            .ok_or_else(|| anyhow::anyhow!("the exception's tag is not in this store"))
    }

    /// The exception's payload values.
    pub fn fields(&self, mut store: impl AsContextMut) -> Result<Vec<Val>> {
        let tag = self.tag(&store)?;
        let ty = tag.ty(&store);
        let mut ctx = store.as_context_mut();
        let store = ctx.opaque();
        // SAFETY: exception objects live as long as their store.
        let len = unsafe { exn_len(self.raw) };
        let mut out = Vec::with_capacity(len);
        for (i, t) in ty.ty().params().enumerate().take(len) {
            // SAFETY: the object has `len` 16-byte value slots.
            let raw = unsafe { *(exn_value_ptr(self.raw, i) as *const ValRaw) };
            out.push(Val::from_raw(store, raw, &t));
        }
        Ok(out)
    }

    /// The payload value `index`.
    pub fn field(&self, store: impl AsContextMut, index: usize) -> Result<Val> {
        self.fields(store)?
            .into_iter()
            .nth(index)
            .ok_or_else(|| anyhow::anyhow!("exception field index {index} out of bounds"))
    }
}

impl From<Rooted<ExnRef>> for Ref {
    fn from(e: Rooted<ExnRef>) -> Ref {
        Ref::Exn(Some(e))
    }
}

/// The error of a call whose wasm threw an exception that nothing caught;
/// the exception itself is pending in the store
/// ([`Store::take_pending_exception`](crate::Store::take_pending_exception)).
#[derive(Debug, Clone, Copy)]
pub struct ThrownException;

impl std::fmt::Display for ThrownException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("thrown Wasm exception")
    }
}

impl std::error::Error for ThrownException {}

#[allow(dead_code)]
fn _types(_: ValType, _: RefType) {}

// The exception side of the store's API lives here, so that the store
// itself does not depend on exception objects.

impl<T: 'static> crate::Store<T> {
    /// Takes the exception that wasm threw and nothing caught (the call
    /// that returned a [`ThrownException`](crate::ThrownException) error
    /// left it here).
    pub fn take_pending_exception(&mut self) -> Option<crate::Rooted<crate::ExnRef>> {
        let ctx = AsContextMut::as_context_mut(self).0;
        let raw = ctx.opaque.pending_exception.take()?;
        crate::ExnRef::from_raw(&ctx.opaque, raw)
    }

    /// Whether an exception is pending (see
    /// [`Store::take_pending_exception`]).
    pub fn has_pending_exception(&self) -> bool {
        AsContext::as_context(self)
            .0
            .opaque
            .pending_exception
            .is_some()
    }

    /// Throws `exception` from the host: it becomes the store's pending
    /// exception and the returned error is [`ThrownException`](crate::ThrownException).
    /// A host function that returns this error (converted into its error
    /// type) throws the exception into the calling wasm, where a
    /// `try_table` can catch it; otherwise it reaches the host-to-wasm
    /// call, which returns the error with the exception still pending. A
    /// previously pending exception is replaced. Always returns `Err`
    /// (a plain error, with nothing made pending, if `exception` belongs to
    /// another store).
    pub fn throw<R>(&mut self, exception: crate::Rooted<crate::ExnRef>) -> crate::Result<R> {
        AsContextMut::as_context_mut(self).0.opaque.throw(exception)
    }
}

impl StoreOpaque {
    /// Makes `exception` pending (see [`Store::throw`]). An exception of
    /// another store is not made pending: that is a plain error.
    pub(crate) fn throw<R>(&mut self, exception: crate::Rooted<crate::ExnRef>) -> crate::Result<R> {
        let raw = exception.to_raw(self)?;
        self.pending_exception = Some(raw);
        Err(crate::ThrownException.into())
    }
}

impl<T: 'static> crate::StoreContextMut<'_, T> {
    /// Same as [`Store::throw`].
    pub fn throw<R>(&mut self, exception: crate::Rooted<crate::ExnRef>) -> crate::Result<R> {
        self.0.opaque.throw(exception)
    }
    /// Same as [`Store::take_pending_exception`].
    pub fn take_pending_exception(&mut self) -> Option<crate::Rooted<crate::ExnRef>> {
        let raw = self.0.opaque.pending_exception.take()?;
        crate::ExnRef::from_raw(&self.0.opaque, raw)
    }
    /// Same as [`Store::has_pending_exception`].
    pub fn has_pending_exception(&self) -> bool {
        self.0.opaque.pending_exception.is_some()
    }
}
