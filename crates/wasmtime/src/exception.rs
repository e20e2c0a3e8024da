//! Exception handling in the embedding API: `Tag`, `TagType`, `ExnRef` and
//! the `ThrownException` error of an exception that escaped wasm.

use crate::instance::host_instance;
use crate::store::{StoreId, StoreOpaque};
use crate::{AsContext, AsContextMut, FuncType, Ref, RefType, Rooted, Val, ValType};
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

    pub(crate) fn matches(&self, other: &TagType) -> bool {
        self.ty.params().eq(other.ty.params()) && self.ty.results().eq(other.ty.results())
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
    store: StoreId,
    instance: usize,
    index: TagIndex,
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
        if ty.ty().results().len() != 0 {
            bail!("tag types must not have results");
        }
        let mut m = wasmtime_environ::Module::default();
        let t = m.types.push((*ty.ty().wasm()).clone());
        m.tags.push(t);
        m.exports.push(Export {
            name: String::new(),
            index: EntityIndex::Tag(TagIndex::new(0)),
        });
        let type_ids = [ty.ty().type_index()];
        let instance = crate::instance::host_instance_with_types(store, m, &type_ids)?;
        let _ = host_instance;
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
            store.engine().func_type(module.types[ty].clone()),
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

/// A reference to an exception object.
#[derive(Clone, Debug)]
pub struct ExnRef {
    store: StoreId,
    raw: usize,
}

impl ExnRef {
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
