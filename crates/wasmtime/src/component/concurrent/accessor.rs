//! [`Accessor`]: access to a store from futures the store's event loop
//! polls (the closure of [`StoreContextMut::run_concurrent`], concurrent
//! host functions), and the entry points that use it:
//! `run_concurrent`, [`Func::call_concurrent`] and
//! [`TypedFunc::call_concurrent`].
//!
//! While the loop polls such a future, a thread-local pointer names the
//! store; [`Accessor::with`] lends it out for the length of a closure.

use super::{
    drive_until, poll_task, poll_task_exit, poll_task_returned, spawn_task, val_start, Start,
    Waiter,
};
use crate::component::abi::Cx;
use crate::component::typed::{internal, ComponentNamedList, Lift, Lower};
use crate::component::{Func, HasData, HasSelf, TypedFunc, Val};
use crate::store::{StoreId, StoreInner, StoreOpaque};
use crate::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut};
use anyhow::{anyhow, Result};
use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::task::Poll;
use wasmtime_environ::component::{ComponentFuncType, MAX_FLAT_PARAMS};
use wasmtime_runtime::vmcontext::ValRaw;

thread_local! {
    /// The store whose event loop is polling a future on this thread.
    static CURRENT: Cell<*mut StoreOpaque> = const { Cell::new(ptr::null_mut()) };
}

/// Puts the previous thread-local store pointer back.
struct Restore(*mut StoreOpaque);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Runs `f` (which polls a future) with `store` reachable by accessors.
pub(crate) fn with_store<R>(store: &mut StoreOpaque, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|c| c.replace(store));
    let _restore = Restore(prev);
    f()
}

/// The typed store of an opaque one (for host producers and consumers of
/// streams, which are polled with the store they were made for).
///
/// # Safety
///
/// `store` must be the `StoreOpaque` of a `StoreInner<D>`, and not be
/// used while the result lives.
pub(crate) unsafe fn typed_store<'a, D: 'static>(
    store: &'a mut StoreOpaque,
) -> StoreContextMut<'a, D> {
    // SAFETY: `StoreInner<D>` is `repr(C)` with its `StoreOpaque` first,
    // and the caller guarantees the data type.
    StoreContextMut(unsafe { &mut *(store as *mut StoreOpaque).cast::<StoreInner<D>>() })
}

/// Mutable access to a store (and its data projected by `D`), lent by
/// [`Accessor::with`].
pub struct Access<'a, T: 'static, D: HasData + ?Sized = HasSelf<T>> {
    store: StoreContextMut<'a, T>,
    get_data: fn(&mut T) -> D::Data<'_>,
}

impl<'a, T: 'static, D: HasData + ?Sized> Access<'a, T, D> {
    /// An access from its parts.
    pub fn new(store: StoreContextMut<'a, T>, get_data: fn(&mut T) -> D::Data<'_>) -> Self {
        Access { store, get_data }
    }

    /// The store's data.
    pub fn data_mut(&mut self) -> &mut T {
        self.store.data_mut()
    }

    /// The projected data.
    pub fn get(&mut self) -> D::Data<'_> {
        (self.get_data)(self.store.data_mut())
    }

    /// The projection from `T` to `D::Data`.
    pub fn getter(&self) -> fn(&mut T) -> D::Data<'_> {
        self.get_data
    }
}

impl<T: 'static, D: HasData + ?Sized> AsContext for Access<'_, T, D> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        self.store.as_context()
    }
}

impl<T: 'static, D: HasData + ?Sized> AsContextMut for Access<'_, T, D> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        self.store.as_context_mut()
    }
}

/// The right to use a store from a future that its event loop polls: a
/// concurrent host function's future, or the closure given to
/// [`StoreContextMut::run_concurrent`]. It holds no borrow (so it is
/// `Send` and `Sync` whatever `T` is); [`Accessor::with`] reaches the
/// store while the loop polls the future.
pub struct Accessor<T: 'static, D: HasData + ?Sized = HasSelf<T>> {
    store: StoreId,
    get_data: fn(&mut T) -> D::Data<'_>,
}

// SAFETY: an accessor holds only a store id and a function pointer; the
// store is reached through the polling thread's pointer.
unsafe impl<T, D: HasData + ?Sized> Send for Accessor<T, D> {}
// SAFETY: as above.
unsafe impl<T, D: HasData + ?Sized> Sync for Accessor<T, D> {}

/// Anything that names an [`Accessor`] (it, or a reference to one).
pub trait AsAccessor {
    /// The store's data type.
    type Data: 'static;
    /// The accessor's projection.
    type AccessorData: HasData + ?Sized;
    /// The accessor.
    fn as_accessor(&self) -> &Accessor<Self::Data, Self::AccessorData>;
}

impl<A: AsAccessor + ?Sized> AsAccessor for &A {
    type Data = A::Data;
    type AccessorData = A::AccessorData;
    fn as_accessor(&self) -> &Accessor<A::Data, A::AccessorData> {
        A::as_accessor(self)
    }
}

impl<T: 'static, D: HasData + ?Sized> AsAccessor for Accessor<T, D> {
    type Data = T;
    type AccessorData = D;
    fn as_accessor(&self) -> &Accessor<T, D> {
        self
    }
}

impl<T: 'static> Accessor<T> {
    pub(crate) fn new(store: StoreId) -> Self {
        Accessor {
            store,
            get_data: |t| t,
        }
    }
}

impl<T: 'static, D: HasData + ?Sized> Accessor<T, D> {
    /// Runs `fun` with mutable access to the store.
    ///
    /// # Panics
    ///
    /// Panics when called outside a poll by the store's event loop (for
    /// instance from `Drop`, or from another store's future), or from
    /// within another `with`.
    pub fn with<R>(&self, fun: impl FnOnce(Access<'_, T, D>) -> R) -> R {
        let ptr = CURRENT.with(|c| c.replace(ptr::null_mut()));
        let _restore = Restore(ptr);
        assert!(
            !ptr.is_null(),
            "`Accessor::with` called outside a poll by the store's event loop (or recursively)"
        );
        // SAFETY: the pointer was set by `with_store` for the duration of a
        // poll by this store's loop, which does not use the store
        // meanwhile; it was cleared above so no second access exists.
        let opaque = unsafe { &mut *ptr };
        assert!(
            opaque.id() == self.store,
            "`Accessor::with` used with a store other than its own"
        );
        // SAFETY: `StoreInner<T>` is `repr(C)` with its `StoreOpaque`
        // first, and the store this accessor was made for (same id) has
        // data of type `T`.
        let inner = unsafe { &mut *ptr.cast::<StoreInner<T>>() };
        fun(Access {
            store: StoreContextMut(inner),
            get_data: self.get_data,
        })
    }

    /// The projection from `T` to `D::Data`.
    pub fn getter(&self) -> fn(&mut T) -> D::Data<'_> {
        self.get_data
    }

    /// This accessor with another projection.
    pub fn with_getter<D2: HasData + ?Sized>(
        &self,
        get_data: fn(&mut T) -> D2::Data<'_>,
    ) -> Accessor<T, D2> {
        Accessor {
            store: self.store,
            get_data,
        }
    }
}

/// A pointer that may cross to the fiber; see `run_concurrent`.
struct SendPtr<P>(P);
// SAFETY: only used while the future that owns the pointee is polled; if
// the pointee is not `Send`, neither is that future, so it never moves to
// another thread.
unsafe impl<P> Send for SendPtr<P> {}

impl<T: Send + 'static> Store<T> {
    /// As [`StoreContextMut::run_concurrent`].
    pub async fn run_concurrent<R>(
        &mut self,
        fun: impl AsyncFnOnce(&Accessor<T>) -> R,
    ) -> Result<R> {
        self.as_context_mut().run_concurrent(fun).await
    }
}

impl<T: Send + 'static> StoreContextMut<'_, T> {
    /// Runs the store's event loop until the future of `fun` finishes:
    /// the guest tasks it starts with [`Func::call_concurrent`] run
    /// concurrently (on one fiber), with the host futures they wait for.
    pub async fn run_concurrent<R>(
        mut self,
        fun: impl AsyncFnOnce(&Accessor<T>) -> R,
    ) -> Result<R> {
        let accessor = Accessor::new(self.0.opaque.id());
        let user = std::pin::pin!(fun(&accessor));
        // SAFETY: the pinned future is never moved; it lives in this frame
        // until the fiber below is done.
        let user: *mut (dyn Future<Output = R> + '_) = unsafe { user.get_unchecked_mut() };
        let user = SendPtr(user);
        let work = move |store: &mut StoreOpaque| -> Result<SendPtr<R>> {
            let user = user;
            let waiter = Waiter::of(store);
            let mut out = None;
            drive_until(store, waiter, false, |s| {
                // SAFETY: see above; only this fiber polls it, while the
                // enclosing future is polled.
                let fut = unsafe { Pin::new_unchecked(&mut *user.0) };
                match with_store(s, || waiter.poll(fut))? {
                    Poll::Ready(r) => {
                        out = Some(r);
                        Ok(true)
                    }
                    Poll::Pending => Ok(false),
                }
            })?;
            Ok(SendPtr(out.expect("finished")))
        };
        let r = crate::fiber::on_fiber_in(&mut self, work).await??;
        Ok(r.0)
    }
}

impl Func {
    /// Calls the function as a new task of the store's event loop (inside
    /// [`StoreContextMut::run_concurrent`]); several calls run
    /// concurrently. Completes when the task has finished.
    pub async fn call_concurrent(
        self,
        accessor: impl AsAccessor<Data: Send>,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<()> {
        let accessor = accessor.as_accessor();
        let id = accessor.with(|mut a| {
            let mut ctx = a.as_context_mut();
            let store = ctx.opaque();
            let start = val_start(store, self, params.to_vec());
            spawn_task(store, self, start, false)
        });
        let out = std::future::poll_fn(|cx| {
            accessor.with(|mut a| poll_task(a.as_context_mut().opaque(), id, cx))
        })
        .await?;
        let vals = out
            .downcast::<Vec<Val>>()
            .map_err(|_| anyhow!("internal error: unexpected task result"))?;
        for (slot, v) in results.iter_mut().zip(*vals) {
            *slot = v;
        }
        Ok(())
    }
}

impl<Params, Return> TypedFunc<Params, Return>
where
    Params: ComponentNamedList + Lower + Send + 'static,
    Return: ComponentNamedList + Lift + Send + 'static,
{
    /// As [`Func::call_concurrent`], with static types.
    pub async fn call_concurrent(
        self,
        accessor: impl AsAccessor<Data: Send>,
        params: Params,
    ) -> Result<Return> {
        let accessor = accessor.as_accessor();
        let func = *self.func();
        let id = accessor.with(|mut a| {
            let mut ctx = a.as_context_mut();
            let store = ctx.opaque();
            let start = typed_start(store, self, params);
            spawn_task(store, func, start, false)
        });
        let out = std::future::poll_fn(|cx| {
            accessor.with(|mut a| poll_task(a.as_context_mut().opaque(), id, cx))
        })
        .await?;
        out.downcast::<Return>()
            .map(|b| *b)
            .map_err(|_| anyhow!("internal error: unexpected task result"))
    }
}

impl<Params, Return> TypedFunc<Params, Return>
where
    Params: ComponentNamedList + Lower + Send + 'static,
    Return: ComponentNamedList + Lift + Send + 'static,
{
    /// As [`TypedFunc::call_concurrent`], but completes as soon as the
    /// task has returned its result (`task.return`): the task may run on
    /// in the store's event loop (say, writing a stream it returned), and
    /// [`TaskExit::block`] waits for its end. An embedder such as an HTTP
    /// server sends a response head this way while the guest still writes
    /// the body.
    pub async fn call_concurrent_returned(
        self,
        accessor: impl AsAccessor<Data: Send>,
        params: Params,
    ) -> Result<(Return, TaskExit)> {
        let accessor = accessor.as_accessor();
        let func = *self.func();
        let id = accessor.with(|mut a| {
            let mut ctx = a.as_context_mut();
            let store = ctx.opaque();
            let start = typed_start(store, self, params);
            spawn_task(store, func, start, false)
        });
        let out = std::future::poll_fn(|cx| {
            accessor.with(|mut a| poll_task_returned(a.as_context_mut().opaque(), id, cx))
        })
        .await;
        let out = match out {
            Ok(out) => out,
            Err(e) => {
                // The task has ended (it failed); free it.
                let exit = TaskExit { id };
                let _ = exit.block(accessor).await;
                return Err(e);
            }
        };
        let ret = out
            .downcast::<Return>()
            .map(|b| *b)
            .map_err(|_| anyhow!("internal error: unexpected task result"))?;
        Ok((ret, TaskExit { id }))
    }
}

/// A guest task that has returned its result but may still be running
/// (from [`TypedFunc::call_concurrent_returned`]). Its slot in the store
/// is freed by [`TaskExit::block`], or with the store.
#[derive(Debug)]
pub struct TaskExit {
    id: usize,
}

impl TaskExit {
    /// Waits (inside [`StoreContextMut::run_concurrent`]) until the task
    /// has finished; its failure after it returned, if any (a trap).
    pub async fn block(self, accessor: impl AsAccessor) -> Result<()> {
        let accessor = accessor.as_accessor();
        std::future::poll_fn(|cx| {
            accessor.with(|mut a| poll_task_exit(a.as_context_mut().opaque(), self.id, cx))
        })
        .await
    }
}

/// How a statically typed call starts.
pub(crate) fn typed_start<Params, Return>(
    store: &mut StoreOpaque,
    func: TypedFunc<Params, Return>,
    params: Params,
) -> Start
where
    Params: ComponentNamedList + Lower + Send + 'static,
    Return: ComponentNamedList + Lift + Send + 'static,
{
    let data = func.func().data(store);
    if !data.options.async_ {
        return Start::Sync(Box::new(move |store| {
            Ok(Box::new(func.call_impl(store, params)?) as Box<dyn Any + Send>)
        }));
    }
    let ty = data.ty.clone();
    let ty2 = data.ty.clone();
    Start::Async {
        lower: Box::new(move |cx: &mut Cx<'_>| lower_typed(cx, &ty, &params)),
        lift: Box::new(move |cx: &mut Cx<'_>, args: &[ValRaw]| {
            Ok(Box::new(lift_typed::<Return>(cx, &ty2, args)?) as Box<dyn Any + Send>)
        }),
    }
}

/// Lowers the parameters of a statically typed call of an export of type
/// `ty` (flat, or through `realloc` beyond 16 core values).
pub(crate) fn lower_typed<Params: ComponentNamedList + Lower>(
    cx: &mut Cx<'_>,
    ty: &ComponentFuncType,
    params: &Params,
) -> Result<Vec<ValRaw>> {
    let mut raw = Vec::new();
    let mut types = ty.params.iter().map(|(_, t)| t);
    match ty.flat_params_len() {
        Some(_) => params.lower_fields_flat(cx, &mut types, &mut raw)?,
        None => {
            let (align, size) = internal::tuple_layout(ty.params.iter().map(|(_, t)| t));
            let ptr = cx.realloc(0, 0, align, size)?;
            params.store_fields(cx, &mut types, ptr)?;
            raw.push(ValRaw::u32(ptr));
        }
    }
    Ok(raw)
}

/// Lifts what `task.return` passes (`args`) as the result of an export of
/// type `ty`.
pub(crate) fn lift_typed<Return: ComponentNamedList + Lift>(
    cx: &mut Cx<'_>,
    ty: &ComponentFuncType,
    args: &[ValRaw],
) -> Result<Return> {
    let mut types = ty.result.iter();
    let flat = ty.result.as_ref().map_or(0, |t| t.flat_count());
    if flat <= MAX_FLAT_PARAMS {
        Return::lift_fields_flat(cx, &mut types, &mut args.iter().copied())
    } else {
        Return::load_fields(cx, &mut types, args.first().map_or(0, |a| a.get_u32()))
    }
}
