//! The host's side of streams and futures, in Wasmtime 48's shape: the
//! host creates a stream ([`StreamReader::new`]) with a [`StreamProducer`]
//! that fills the guest's reads, or reads a guest's stream with a
//! [`StreamConsumer`] ([`StreamReader::pipe`]); futures likewise with
//! [`FutureProducer`] and [`FutureConsumer`]. A producer writes into a
//! [`Destination`] (items through a [`WriteBuffer`], or for `stream<u8>`
//! straight into the guest's memory with [`Destination::as_direct`]); a
//! consumer reads from a [`Source`] (into a [`ReadBuffer`], or for
//! `stream<u8>` straight from the guest's memory with
//! [`Source::as_direct`]). Byte streams thus move without an element-wise
//! step.
//!
//! Producers and consumers are polled when a guest's copy waits for them:
//! at once when the guest reads or writes, then by the store's event loop
//! until they answer. A guest write to a host consumer that returns
//! `Pending` blocks until the consumer reads (backpressure).

use super::accessor::typed_store;
pub use super::buffers::{
    Destination, DirectDestination, DirectSource, ReadBuffer, Source, VecBuffer, WriteBuffer,
};
use super::transmit::{drop_end, GuestBuf, Holder, Transmit};
use super::{AsAccessor, Waiter};
use crate::component::abi::Cx;
use crate::component::typed::{ComponentType, Lift, Lower};
use crate::component::values::{FutureAny, StreamAny};
use crate::component::Val;
use crate::store::{StoreId, StoreOpaque};
use crate::{AsContextMut, StoreContextMut};
use anyhow::{anyhow, bail, ensure, Result};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use wasmtime_environ::component::InterfaceType;
use wasmtime_runtime::vmcontext::ValRaw;

/// How a producer's or consumer's poll ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StreamResult {
    /// Items went through (possibly none); more may follow.
    Completed,
    /// The operation was cut short because `finish` was set.
    Cancelled,
    /// This side is done: no more items will follow.
    Dropped,
}

/// The host's writer of a stream a guest reads: asked for items whenever
/// the guest reads.
pub trait StreamProducer<D>: Send + 'static {
    /// The element type.
    type Item;
    /// The buffer it hands items over in.
    type Buffer: WriteBuffer<Self::Item> + Default;

    /// Writes items into `destination` (or leaves them in its buffer) and
    /// says how it went; `Pending` (with a waker registered) when none are
    /// ready. `finish` asks it to answer now: the guest cancels its read.
    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        destination: Destination<'a, Self::Item, Self::Buffer>,
        finish: bool,
    ) -> Poll<Result<StreamResult>>;
}

impl<T: Unpin + Send + Sync + 'static, D> StreamProducer<D> for Vec<T> {
    type Item = T;
    type Buffer = VecBuffer<T>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: StoreContextMut<'a, D>,
        mut destination: Destination<'a, T, VecBuffer<T>>,
        _: bool,
    ) -> Poll<Result<StreamResult>> {
        destination.set_buffer(std::mem::take(self.get_mut()).into());
        Poll::Ready(Ok(StreamResult::Dropped))
    }
}

/// The host's reader of a stream a guest writes: offered the guest's items
/// whenever it writes.
pub trait StreamConsumer<D>: Send + 'static {
    /// The element type.
    type Item;

    /// Reads items from `source` and says how it went; `Pending` (with a
    /// waker registered) to leave the guest's write waiting. `finish` asks
    /// it to answer now: the guest cancels its write.
    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, Self::Item>,
        finish: bool,
    ) -> Poll<Result<StreamResult>>;
}

/// The host's writer of a future a guest reads.
pub trait FutureProducer<D>: Send + 'static {
    /// The value type.
    type Item;

    /// The value when ready; `Ok(None)` gives up (only when `finish`).
    fn poll_produce(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        finish: bool,
    ) -> Poll<Result<Option<Self::Item>>>;
}

impl<T, E, D, Fut> FutureProducer<D> for Fut
where
    E: Into<anyhow::Error>,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
{
    type Item = T;

    fn poll_produce(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: StoreContextMut<D>,
        finish: bool,
    ) -> Poll<Result<Option<T>>> {
        match self.poll(cx) {
            Poll::Ready(Ok(v)) => Poll::Ready(Ok(Some(v))),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
            Poll::Pending if finish => Poll::Ready(Ok(None)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The host's reader of a future a guest writes.
pub trait FutureConsumer<D>: Send + 'static {
    /// The value type.
    type Item;

    /// Reads the value from `source` (with [`Source::read`] into an
    /// `Option`).
    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, Self::Item>,
        finish: bool,
    ) -> Poll<Result<()>>;
}

/// A producer with its store type erased, as the transmit keeps it.
pub(crate) trait ErasedProducer: Send {
    /// Fills `buf` (a guest's pending read).
    fn produce(
        &mut self,
        store: &mut StoreOpaque,
        waiter: Waiter,
        buf: &mut GuestBuf,
        finish: bool,
    ) -> Result<Poll<StreamResult>>;
}

/// A consumer with its store type erased.
pub(crate) trait ErasedConsumer: Send {
    /// Reads from `buf` (a guest's pending write).
    fn consume(
        &mut self,
        store: &mut StoreOpaque,
        waiter: Waiter,
        buf: &mut GuestBuf,
        finish: bool,
    ) -> Result<Poll<StreamResult>>;
}

struct HostProducer<D, P: StreamProducer<D>> {
    producer: Pin<Box<P>>,
    buffer: P::Buffer,
    ended: bool,
    _marker: PhantomData<fn() -> D>,
}

impl<D: 'static, P> HostProducer<D, P>
where
    P: StreamProducer<D>,
    P::Item: Lower,
{
    /// Lowers buffered items into the guest's buffer.
    fn deliver(&mut self, store: &mut StoreOpaque, buf: &mut GuestBuf) -> Result<()> {
        let items = self.buffer.remaining();
        let n = items.len().min(buf.remain() as usize);
        if n == 0 {
            return Ok(());
        }
        if let Some(ty) = &buf.ty {
            let opts = buf.opts.clone();
            let mut cx = Cx::new(store, &opts);
            P::Item::store_list(&items[..n], &mut cx, ty, buf.cursor())?;
        }
        self.buffer.skip(n);
        buf.progress += n as u32;
        Ok(())
    }

    fn outcome(&self, base: StreamResult) -> StreamResult {
        if self.ended && self.buffer.remaining().is_empty() {
            StreamResult::Dropped
        } else if self.ended {
            StreamResult::Completed
        } else {
            base
        }
    }
}

impl<D: 'static, P> ErasedProducer for HostProducer<D, P>
where
    P: StreamProducer<D>,
    P::Item: Lower,
{
    fn produce(
        &mut self,
        store: &mut StoreOpaque,
        waiter: Waiter,
        buf: &mut GuestBuf,
        finish: bool,
    ) -> Result<Poll<StreamResult>> {
        self.deliver(store, buf)?;
        if buf.progress > 0 || self.ended {
            return Ok(Poll::Ready(self.outcome(StreamResult::Completed)));
        }
        let polled = {
            // SAFETY: the transmit was made in this store, whose data type
            // is `D` (checked by `StreamReader::new`); `store` is unused
            // while the context lives.
            let ctx = unsafe { typed_store::<D>(store) };
            let destination = Destination {
                buffer: &mut self.buffer,
                guest: &mut *buf,
                _marker: PhantomData,
            };
            let mut args = Some((ctx, destination));
            let producer = self.producer.as_mut();
            let mut producer = Some(producer);
            let once = std::future::poll_fn(move |cx| match (args.take(), producer.take()) {
                (Some((ctx, dst)), Some(p)) => p.poll_produce(cx, ctx, dst, finish),
                _ => Poll::Ready(Err(anyhow!("internal error: producer polled twice"))),
            });
            waiter.poll(pin!(once))?
        };
        match polled {
            Poll::Ready(Ok(r)) => {
                if r == StreamResult::Dropped {
                    self.ended = true;
                }
                self.deliver(store, buf)?;
                Ok(Poll::Ready(self.outcome(r)))
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => {
                self.deliver(store, buf)?;
                Ok(Poll::Pending)
            }
        }
    }
}

struct HostConsumer<D, C> {
    consumer: Pin<Box<C>>,
    _marker: PhantomData<fn() -> D>,
}

impl<D: 'static, C: StreamConsumer<D>> ErasedConsumer for HostConsumer<D, C> {
    fn consume(
        &mut self,
        store: &mut StoreOpaque,
        waiter: Waiter,
        buf: &mut GuestBuf,
        finish: bool,
    ) -> Result<Poll<StreamResult>> {
        // SAFETY: as in `HostProducer::produce`.
        let ctx = unsafe { typed_store::<D>(store) };
        let source = Source {
            guest: buf,
            _marker: PhantomData,
        };
        let mut args = Some((ctx, source));
        let mut consumer = Some(self.consumer.as_mut());
        let once = std::future::poll_fn(move |cx| match (args.take(), consumer.take()) {
            (Some((ctx, src)), Some(c)) => c.poll_consume(cx, ctx, src, finish),
            _ => Poll::Ready(Err(anyhow!("internal error: consumer polled twice"))),
        });
        match waiter.poll(pin!(once))? {
            Poll::Ready(r) => r.map(Poll::Ready),
            Poll::Pending => Ok(Poll::Pending),
        }
    }
}

/// Registers a transmit whose writer is `producer`, with the readable end
/// held by the host.
fn new_transmit<D: 'static, P>(
    store: &mut StoreContextMut<'_, D>,
    future: bool,
    producer: P,
) -> usize
where
    P: StreamProducer<D>,
    P::Item: Lower,
{
    let mut t = Transmit::new(future, Holder::Host, Holder::Host);
    t.producer = Some(Box::new(HostProducer {
        producer: Box::pin(producer),
        buffer: P::Buffer::default(),
        ended: false,
        _marker: PhantomData,
    }));
    store.opaque().concurrent.transmits.insert(t)
}

/// Attaches `consumer` to the host-held readable end `id`.
fn set_consumer<D: 'static, C: StreamConsumer<D>>(
    store: &mut StoreContextMut<'_, D>,
    owner: StoreId,
    id: usize,
    consumer: C,
) -> Result<()> {
    let opaque = store.opaque();
    ensure!(
        owner == opaque.id(),
        "stream or future used with a store other than its own"
    );
    let t = opaque.concurrent.transmits.get(id)?;
    ensure!(
        t.reader == Holder::Host && t.consumer.is_none(),
        "the readable end was already passed on, piped or closed"
    );
    ensure!(
        t.producer.is_none(),
        "piping a host-created stream or future to the host is not supported yet"
    );
    t.consumer = Some(Box::new(HostConsumer {
        consumer: Box::pin(consumer),
        _marker: PhantomData,
    }));
    Ok(())
}

/// Closes the host-held readable end `id`.
fn close(store: &mut StoreOpaque, owner: StoreId, id: usize) -> Result<()> {
    ensure!(
        owner == store.id(),
        "stream or future used with a store other than its own"
    );
    let t = store.concurrent.transmits.get(id)?;
    ensure!(
        t.reader == Holder::Host && t.consumer.is_none(),
        "the readable end was already passed on, piped or closed"
    );
    drop_end(store, id, true)
}

/// The readable end of a `stream<T>`, held by the host: made with
/// [`StreamReader::new`] (then passed to a guest), or received from a
/// guest (then read with [`StreamReader::pipe`]).
pub struct StreamReader<T> {
    store: StoreId,
    id: usize,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for StreamReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReader")
            .field("id", &self.id)
            .finish()
    }
}

impl<T> StreamReader<T> {
    /// A new stream whose items come from `producer`.
    pub fn new<S: AsContextMut>(
        mut store: S,
        producer: impl StreamProducer<S::Data, Item = T>,
    ) -> Result<Self>
    where
        T: Lower + Lift + Send + Sync + 'static,
    {
        let mut ctx = store.as_context_mut();
        let id = new_transmit(&mut ctx, false, producer);
        Ok(StreamReader {
            store: ctx.opaque().id(),
            id,
            _marker: PhantomData,
        })
    }

    /// Reads the stream (written by a guest) with `consumer`.
    pub fn pipe<S: AsContextMut>(
        self,
        mut store: S,
        consumer: impl StreamConsumer<S::Data, Item = T>,
    ) -> Result<()>
    where
        T: 'static,
    {
        set_consumer(&mut store.as_context_mut(), self.store, self.id, consumer)
    }

    /// Drops the readable end (the writer sees `DROPPED`).
    pub fn close(&mut self, mut store: impl AsContextMut) -> Result<()> {
        close(store.as_context_mut().opaque(), self.store, self.id)
    }

    /// As [`close`](Self::close), through an accessor.
    pub fn close_with(&mut self, accessor: impl AsAccessor) -> Result<()> {
        accessor.as_accessor().with(|mut a| self.close(&mut a))
    }

    /// As an untyped [`StreamAny`].
    pub fn try_into_stream_any(self, _store: impl AsContextMut) -> Result<StreamAny> {
        Ok(StreamAny {
            store: self.store,
            id: self.id,
        })
    }

    /// From an untyped [`StreamAny`] (its element type is checked when it
    /// is passed to a guest).
    pub fn try_from_stream_any(stream: StreamAny) -> Result<Self> {
        Ok(StreamReader {
            store: stream.store,
            id: stream.id,
            _marker: PhantomData,
        })
    }
}

/// The readable end of a `future<T>`, held by the host: made with
/// [`FutureReader::new`] (then passed to a guest), or received from a
/// guest (then read with [`FutureReader::pipe`]).
pub struct FutureReader<T> {
    store: StoreId,
    id: usize,
    _marker: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for FutureReader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FutureReader")
            .field("id", &self.id)
            .finish()
    }
}

/// A future producer as a stream producer of one item.
struct OneItem<P>(Pin<Box<P>>);

impl<D, P> StreamProducer<D> for OneItem<P>
where
    P: FutureProducer<D>,
    P::Item: Send + Sync + 'static,
{
    type Item = P::Item;
    type Buffer = Option<P::Item>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        mut destination: Destination<'a, P::Item, Option<P::Item>>,
        finish: bool,
    ) -> Poll<Result<StreamResult>> {
        match self.get_mut().0.as_mut().poll_produce(cx, store, finish) {
            Poll::Ready(Ok(Some(v))) => {
                destination.set_buffer(Some(v));
                Poll::Ready(Ok(StreamResult::Completed))
            }
            Poll::Ready(Ok(None)) => Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A future consumer as a stream consumer.
struct OneRead<C>(Pin<Box<C>>);

impl<D, C: FutureConsumer<D>> StreamConsumer<D> for OneRead<C> {
    type Item = C::Item;

    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, C::Item>,
        finish: bool,
    ) -> Poll<Result<StreamResult>> {
        match self
            .get_mut()
            .0
            .as_mut()
            .poll_consume(cx, store, source, finish)
        {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(StreamResult::Completed)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> FutureReader<T> {
    /// A new future whose value comes from `producer` (any
    /// `Future<Output = Result<T, E>>` is one).
    pub fn new<S: AsContextMut>(
        mut store: S,
        producer: impl FutureProducer<S::Data, Item = T>,
    ) -> Result<Self>
    where
        T: Lower + Lift + Send + Sync + 'static,
    {
        let mut ctx = store.as_context_mut();
        let id = new_transmit(&mut ctx, true, OneItem(Box::pin(producer)));
        Ok(FutureReader {
            store: ctx.opaque().id(),
            id,
            _marker: PhantomData,
        })
    }

    /// Reads the future (written by a guest) with `consumer`.
    pub fn pipe<S: AsContextMut>(
        self,
        mut store: S,
        consumer: impl FutureConsumer<S::Data, Item = T> + Unpin,
    ) -> Result<()>
    where
        T: Lift + 'static,
    {
        set_consumer(
            &mut store.as_context_mut(),
            self.store,
            self.id,
            OneRead(Box::pin(consumer)),
        )
    }

    /// Drops the readable end.
    pub fn close(&mut self, mut store: impl AsContextMut) -> Result<()> {
        close(store.as_context_mut().opaque(), self.store, self.id)
    }

    /// As [`close`](Self::close), through an accessor.
    pub fn close_with(&mut self, accessor: impl AsAccessor) -> Result<()> {
        accessor.as_accessor().with(|mut a| self.close(&mut a))
    }

    /// As an untyped [`FutureAny`].
    pub fn try_into_future_any(self, _store: impl AsContextMut) -> Result<FutureAny> {
        Ok(FutureAny {
            store: self.store,
            id: self.id,
        })
    }

    /// From an untyped [`FutureAny`].
    pub fn try_from_future_any(future: FutureAny) -> Result<Self> {
        Ok(FutureReader {
            store: future.store,
            id: future.id,
            _marker: PhantomData,
        })
    }
}

fn payload_check<T: ComponentType>(what: &str, payload: &Option<Box<InterfaceType>>) -> Result<()> {
    match payload {
        Some(p) => T::typecheck(p),
        None => bail!("type mismatch: expected a {what} with a payload, found one without"),
    }
}

impl<T: ComponentType> ComponentType for StreamReader<T> {
    fn ty() -> InterfaceType {
        InterfaceType::Stream(Some(Box::new(T::ty())))
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Stream(p) => payload_check::<T>("stream", p),
            other => bail!("type mismatch: expected a stream, found {other:?}"),
        }
    }
}

impl<T: ComponentType> ComponentType for FutureReader<T> {
    fn ty() -> InterfaceType {
        InterfaceType::Future(Some(Box::new(T::ty())))
    }

    fn typecheck(ty: &InterfaceType) -> Result<()> {
        match ty {
            InterfaceType::Future(p) => payload_check::<T>("future", p),
            other => bail!("type mismatch: expected a future, found {other:?}"),
        }
    }
}

impl<T: ComponentType> Lower for StreamReader<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        let v = Val::Stream(StreamAny {
            store: self.store,
            id: self.id,
        });
        cx.lower_flat(ty, &v, out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        let v = Val::Stream(StreamAny {
            store: self.store,
            id: self.id,
        });
        cx.store(ty, &v, ptr)
    }
}

impl<T: ComponentType> Lower for FutureReader<T> {
    fn lower_flat(&self, cx: &mut Cx<'_>, ty: &InterfaceType, out: &mut Vec<ValRaw>) -> Result<()> {
        let v = Val::Future(FutureAny {
            store: self.store,
            id: self.id,
        });
        cx.lower_flat(ty, &v, out)
    }

    fn store(&self, cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<()> {
        let v = Val::Future(FutureAny {
            store: self.store,
            id: self.id,
        });
        cx.store(ty, &v, ptr)
    }
}

fn stream_of<T>(v: Val) -> Result<StreamReader<T>> {
    match v {
        Val::Stream(s) => StreamReader::try_from_stream_any(s),
        other => bail!("type mismatch: expected a stream, found {}", other.desc()),
    }
}

fn future_of<T>(v: Val) -> Result<FutureReader<T>> {
    match v {
        Val::Future(f) => FutureReader::try_from_future_any(f),
        other => bail!("type mismatch: expected a future, found {}", other.desc()),
    }
}

impl<T: ComponentType> Lift for StreamReader<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        stream_of(cx.lift_flat(ty, src)?)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        stream_of(cx.load(ty, ptr)?)
    }
}

impl<T: ComponentType> Lift for FutureReader<T> {
    fn lift_flat(
        cx: &mut Cx<'_>,
        ty: &InterfaceType,
        src: &mut dyn Iterator<Item = ValRaw>,
    ) -> Result<Self> {
        future_of(cx.lift_flat(ty, src)?)
    }

    fn load(cx: &mut Cx<'_>, ty: &InterfaceType, ptr: u32) -> Result<Self> {
        future_of(cx.load(ty, ptr)?)
    }
}
