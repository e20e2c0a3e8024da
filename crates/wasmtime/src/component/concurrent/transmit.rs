//! Streams and futures inside the store: the shared state of each one (a
//! *transmit*: its two ends, the copy that waits for its peer, the host
//! producer or consumer on one side) and the copies between ends.
//!
//! A copy follows the canonical ABI: the first side to arrive (a guest
//! `stream.read` or `stream.write` with a buffer in its linear memory)
//! waits as the transmit's *pending* copy; the second side moves
//! `min(remaining, remaining)` elements from the writer's buffer to the
//! reader's, through the element type (lifted from the writer's memory and
//! lowered into the reader's, or copied bytewise for numbers), and both
//! sides learn the outcome as a copy result: `COMPLETED`, `DROPPED` or
//! `CANCELLED` with the count of elements in the bits above the low four.
//! The waiting side hears it as an event (`STREAM_READ`, `STREAM_WRITE`,
//! `FUTURE_READ`, `FUTURE_WRITE`).
//!
//! When the host holds the writable end (a [`StreamProducer`] given to
//! [`StreamReader::new`]) or reads the readable end (a [`StreamConsumer`]
//! given to [`StreamReader::pipe`]), the guest's copy waits as the pending
//! copy and the host side is polled: at once, and then by the event loop
//! until it answers.
//!
//! Simplification: a waiting copy is finished by the first copy that moves
//! elements into or out of it (the spec lets it collect more until its
//! event is delivered).
//!
//! [`StreamProducer`]: super::StreamProducer
//! [`StreamConsumer`]: super::StreamConsumer
//! [`StreamReader::new`]: super::StreamReader::new
//! [`StreamReader::pipe`]: super::StreamReader::pipe

use super::streams::{ErasedConsumer, ErasedProducer, StreamResult};
use super::{drive_until, Waitable, Waiter, BLOCKED};
use crate::component::abi::{Cx, Options};
use crate::store::StoreOpaque;
use anyhow::{anyhow, bail, ensure, Result};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::task::Poll;
use wasmtime_environ::component::InterfaceType;

/// Copy results (low four bits of a copy's answer and event payload).
pub(crate) const COPY_COMPLETED: u32 = 0;
pub(crate) const COPY_DROPPED: u32 = 1;
pub(crate) const COPY_CANCELLED: u32 = 2;

/// Event codes of copies.
pub(crate) const EVENT_STREAM_READ: u32 = 2;
pub(crate) const EVENT_STREAM_WRITE: u32 = 3;
pub(crate) const EVENT_FUTURE_READ: u32 = 4;
pub(crate) const EVENT_FUTURE_WRITE: u32 = 5;

/// Most elements one copy may name.
const MAX_LENGTH: u32 = (1 << 28) - 1;

/// The copy state of a guest's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CopyState {
    /// No copy in progress.
    Idle,
    /// A read or write was started and its event not yet delivered.
    Copying,
    /// The other end was dropped (or a future's value went through): no
    /// more copies.
    Done,
}

/// A guest's handle to one end of a stream or future.
pub(crate) struct End {
    pub(crate) transmit: usize,
    pub(crate) readable: bool,
    pub(crate) future: bool,
    pub(crate) payload: Option<InterfaceType>,
    pub(crate) state: CopyState,
    /// The finished copy's event not yet delivered: event code, payload,
    /// and whether the end is done afterwards.
    pub(crate) event: Option<(u32, u32, bool)>,
    pub(crate) set: Option<u32>,
}

impl End {
    fn what(&self) -> &'static str {
        match (self.future, self.readable) {
            (false, true) => "the readable end of a stream",
            (false, false) => "the writable end of a stream",
            (true, true) => "the readable end of a future",
            (true, false) => "the writable end of a future",
        }
    }
}

/// A guest buffer of a read or write.
pub(crate) struct GuestBuf {
    pub(crate) ty: Option<InterfaceType>,
    pub(crate) opts: Arc<Options>,
    pub(crate) ptr: u32,
    pub(crate) len: u32,
    pub(crate) progress: u32,
}

impl GuestBuf {
    pub(crate) fn remain(&self) -> u32 {
        self.len - self.progress
    }

    pub(crate) fn elem_size(&self) -> u32 {
        self.ty.as_ref().map_or(0, |t| t.size())
    }

    /// Where the next element goes (or comes from).
    pub(crate) fn cursor(&self) -> u32 {
        self.ptr + self.progress * self.elem_size()
    }
}

/// A guest copy waiting for its peer.
pub(crate) struct Pending {
    pub(crate) instance: usize,
    pub(crate) handle: u32,
    pub(crate) write: bool,
    pub(crate) buf: GuestBuf,
}

/// Who holds an end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A guest's table.
    Guest,
    /// The host (a reader value, a producer or a consumer).
    Host,
    /// Nobody: dropped.
    Gone,
}

/// The shared state of a stream or future.
pub(crate) struct Transmit {
    pub(crate) future: bool,
    /// One of the ends was dropped.
    pub(crate) dropped: bool,
    pub(crate) pending: Option<Pending>,
    pub(crate) reader: Holder,
    pub(crate) writer: Holder,
    pub(crate) producer: Option<Box<dyn ErasedProducer>>,
    pub(crate) consumer: Option<Box<dyn ErasedConsumer>>,
}

impl Transmit {
    pub(crate) fn new(future: bool, reader: Holder, writer: Holder) -> Transmit {
        Transmit {
            future,
            dropped: false,
            pending: None,
            reader,
            writer,
            producer: None,
            consumer: None,
        }
    }
}

/// The store's streams, futures and error contexts.
#[derive(Default)]
pub(crate) struct Transmits {
    /// By id; ids are never reused, so a stale handle value of the host
    /// finds nothing rather than another stream.
    map: BTreeMap<usize, Transmit>,
    next: usize,
    /// Debug messages of error contexts (kept for the store's life).
    pub(crate) error_contexts: Vec<String>,
}

impl Transmits {
    pub(crate) fn insert(&mut self, t: Transmit) -> usize {
        let id = self.next;
        self.next += 1;
        self.map.insert(id, t);
        id
    }

    pub(crate) fn get(&mut self, id: usize) -> Result<&mut Transmit> {
        self.map
            .get_mut(&id)
            .ok_or_else(|| anyhow!("the stream or future was closed"))
    }

    /// Frees `id` when neither end is held any more.
    fn collect(&mut self, id: usize) {
        if let Some(t) = self.map.get(&id) {
            if t.reader == Holder::Gone && t.writer == Holder::Gone {
                self.map.remove(&id);
            }
        }
    }

    /// Whether a guest copy waits for a host producer or consumer.
    pub(crate) fn host_work(&self) -> bool {
        self.map
            .values()
            .any(|t| t.pending.is_some() && (t.producer.is_some() || t.consumer.is_some()))
    }
}

fn end_mut(store: &mut StoreOpaque, instance: usize, handle: u32) -> Result<&mut End> {
    match store.component_instances[instance]
        .concurrent
        .waitables
        .get(handle)
        .map_err(|e| anyhow!("wasm trap: {e}"))?
    {
        Waitable::End(e) => Ok(e),
        _ => bail!("wasm trap: handle {handle} is not a stream or future end"),
    }
}

/// Records the outcome of the copy of end `handle` of `instance`.
fn finish(store: &mut StoreOpaque, p: &Pending, result: u32) -> Result<()> {
    let end = end_mut(store, p.instance, p.handle)?;
    let done = result == COPY_DROPPED || (end.future && result == COPY_COMPLETED);
    let code = match (end.future, end.readable) {
        (false, true) => EVENT_STREAM_READ,
        (false, false) => EVENT_STREAM_WRITE,
        (true, true) => EVENT_FUTURE_READ,
        (true, false) => EVENT_FUTURE_WRITE,
    };
    let payload = if end.future {
        result
    } else {
        result | (p.buf.progress << 4)
    };
    end.event = Some((code, payload, done));
    Ok(())
}

/// Moves `n` elements from `src` to `dst` (both guest buffers).
fn copy_elements(
    store: &mut StoreOpaque,
    src: &mut GuestBuf,
    dst: &mut GuestBuf,
    n: u32,
) -> Result<()> {
    if let (Some(sty), Some(dty)) = (&src.ty, &dst.ty) {
        let size = sty.size();
        let (from, to) = (src.cursor(), dst.cursor());
        if sty.is_plain_number() {
            let bytes = (n * size) as usize;
            let data = {
                let mut cx = Cx::new(store, &src.opts);
                let range = cx.range(from, bytes)?;
                cx.memory()?[range].to_vec()
            };
            Cx::new(store, &dst.opts).write(to, &data)?;
        } else {
            for i in 0..n {
                let v = Cx::new(store, &src.opts).load(sty, from + i * size)?;
                Cx::new(store, &dst.opts).store(dty, &v, to + i * size)?;
            }
        }
    }
    src.progress += n;
    dst.progress += n;
    Ok(())
}

/// Checks a guest buffer: its length, alignment and bounds.
fn check_buffer(store: &mut StoreOpaque, buf: &GuestBuf) -> Result<()> {
    ensure!(
        buf.len <= MAX_LENGTH,
        "wasm trap: stream read/write count too large ({} elements)",
        buf.len
    );
    if let Some(ty) = &buf.ty {
        if buf.len > 0 {
            ensure!(
                buf.ptr.is_multiple_of(ty.align()),
                "wasm trap: buffer pointer {:#x} is not aligned to {}",
                buf.ptr,
                ty.align()
            );
            let bytes = u64::from(buf.len) * u64::from(ty.size());
            let mut cx = Cx::new(store, &buf.opts);
            let size = cx.memory()?.len() as u64;
            ensure!(
                u64::from(buf.ptr) + bytes <= size,
                "wasm trap: buffer {:#x} + {bytes:#x} is out of bounds of memory",
                buf.ptr
            );
        }
    }
    Ok(())
}

/// `stream.read`/`write`, `future.read`/`write` by `instance` on `handle`:
/// the copy result, or `BLOCKED`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn guest_copy(
    store: &mut StoreOpaque,
    instance: usize,
    handle: u32,
    write: bool,
    future: bool,
    payload: &Option<InterfaceType>,
    opts: &Arc<Options>,
    ptr: u32,
    len: u32,
) -> Result<u32> {
    let end = end_mut(store, instance, handle)?;
    let op = match (future, write) {
        (false, false) => "stream.read",
        (false, true) => "stream.write",
        (true, false) => "future.read",
        (true, true) => "future.write",
    };
    ensure!(
        end.readable != write && end.future == future,
        "wasm trap: `{op}` on handle {handle}, which is {}",
        end.what()
    );
    ensure!(
        end.payload == *payload,
        "wasm trap: `{op}` of another element type than handle {handle}'s"
    );
    let state = end.state;
    let tid = end.transmit;
    let reader_gone = matches!(
        store.concurrent.transmits.get(tid).map(|t| &t.reader),
        Ok(Holder::Gone)
    );
    let end = end_mut(store, instance, handle)?;
    match state {
        CopyState::Idle => {}
        CopyState::Copying => bail!(
            "wasm trap: cannot have concurrent operations active on a future/stream (`{op}` on \
             handle {handle}: a copy is already in progress)"
        ),
        CopyState::Done if op == "future.read" => bail!(
            "wasm trap: cannot read from future after previous read succeeded (handle {handle})"
        ),
        CopyState::Done if op == "future.write" && reader_gone => {
            bail!(
                "wasm trap: cannot write after being notified that the readable end dropped \
                 (`future.write` on handle {handle})"
            )
        }
        CopyState::Done if op == "future.write" => bail!(
            "wasm trap: cannot write to future after previous write succeeded or readable end \
             dropped (handle {handle})"
        ),
        CopyState::Done if op.ends_with("read") => bail!(
            "wasm trap: cannot read after being notified that the writable end dropped (`{op}` \
             on handle {handle}; or the future's value already went through)"
        ),
        CopyState::Done => bail!(
            "wasm trap: cannot write after being notified that the readable end dropped (`{op}` \
             on handle {handle}; or the future's value already went through)"
        ),
    }
    ensure!(
        end.set.is_none() || opts.async_,
        "wasm trap: waitable cannot be used synchronously while added to a waitable set \
         (`{op}` on handle {handle})"
    );
    let tid = end.transmit;
    let buf = GuestBuf {
        ty: payload.clone(),
        opts: opts.clone(),
        ptr,
        len,
        progress: 0,
    };
    check_buffer(store, &buf)?;
    end_mut(store, instance, handle)?.state = CopyState::Copying;
    let me = Pending {
        instance,
        handle,
        write,
        buf,
    };
    start_copy(store, tid, me)?;
    if end_mut(store, instance, handle)?.event.is_none() {
        if opts.async_ {
            return Ok(BLOCKED);
        }
        let waiter = Waiter::of(store);
        drive_until(store, waiter, true, |s| {
            Ok(end_mut(s, instance, handle)?.event.is_some())
        })?;
    }
    take_end_event(store, instance, handle)
}

/// Delivers the event of end `handle` (it has one): its payload.
fn take_end_event(store: &mut StoreOpaque, instance: usize, handle: u32) -> Result<u32> {
    let end = end_mut(store, instance, handle)?;
    let (_, payload, done) = end.event.take().expect("an event");
    end.state = if done {
        CopyState::Done
    } else {
        CopyState::Idle
    };
    Ok(payload)
}

/// Starts copy `me` on transmit `tid`: meets the pending copy of the other
/// end, a host producer or consumer, or waits.
fn start_copy(store: &mut StoreOpaque, tid: usize, me: Pending) -> Result<()> {
    let t = store.concurrent.transmits.get(tid)?;
    if t.dropped {
        return finish(store, &me, COPY_DROPPED);
    }
    let host_peer = if me.write {
        t.consumer.is_some()
    } else {
        t.producer.is_some()
    };
    if host_peer {
        t.pending = Some(me);
        poll_host_side(store, tid, false)?;
        return Ok(());
    }
    let Some(mut other) = t.pending.take() else {
        t.pending = Some(me);
        return Ok(());
    };
    let mut me = me;
    if other.instance == me.instance && !me.buf.ty.as_ref().is_none_or(|t| t.is_plain_number()) {
        bail!(
            "wasm trap: cannot read from and write to intra-component future/stream with \
             non-numeric payload"
        );
    }
    if other.buf.remain() > 0 {
        if me.buf.remain() > 0 {
            let n = me.buf.remain().min(other.buf.remain());
            let (src, dst) = if me.write {
                (&mut me.buf, &mut other.buf)
            } else {
                (&mut other.buf, &mut me.buf)
            };
            copy_elements(store, src, dst, n)?;
            finish(store, &other, COPY_COMPLETED)?;
        } else {
            store.concurrent.transmits.get(tid)?.pending = Some(other);
        }
        finish(store, &me, COPY_COMPLETED)
    } else if me.write && me.buf.len == 0 && other.buf.len == 0 {
        store.concurrent.transmits.get(tid)?.pending = Some(other);
        finish(store, &me, COPY_COMPLETED)
    } else {
        finish(store, &other, COPY_COMPLETED)?;
        store.concurrent.transmits.get(tid)?.pending = Some(me);
        Ok(())
    }
}

/// Polls the host producer or consumer of transmit `tid` for its pending
/// guest copy; whether the copy finished.
pub(crate) fn poll_host_side(
    store: &mut StoreOpaque,
    tid: usize,
    finish_now: bool,
) -> Result<bool> {
    let waiter = Waiter::of(store);
    let t = store.concurrent.transmits.get(tid)?;
    let Some(mut pending) = t.pending.take() else {
        return Ok(false);
    };
    let outcome = if pending.write {
        match t.consumer.take() {
            Some(mut c) => {
                let r = c.consume(store, waiter, &mut pending.buf, finish_now);
                store.concurrent.transmits.get(tid)?.consumer = Some(c);
                r
            }
            None => Ok(Poll::Pending),
        }
    } else {
        match t.producer.take() {
            Some(mut p) => {
                let r = p.produce(store, waiter, &mut pending.buf, finish_now);
                store.concurrent.transmits.get(tid)?.producer = Some(p);
                r
            }
            None => Ok(Poll::Pending),
        }
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            store.concurrent.transmits.get(tid)?.pending = Some(pending);
            return Err(e);
        }
    };
    let moved = pending.buf.progress > 0;
    let result = match outcome {
        Poll::Pending if !moved => {
            store.concurrent.transmits.get(tid)?.pending = Some(pending);
            return Ok(false);
        }
        Poll::Pending | Poll::Ready(StreamResult::Completed) => COPY_COMPLETED,
        Poll::Ready(StreamResult::Cancelled) if moved => COPY_COMPLETED,
        Poll::Ready(StreamResult::Cancelled) => COPY_CANCELLED,
        Poll::Ready(StreamResult::Dropped) => {
            // The host side ended: the guest sees the end dropped (after
            // the elements that went through now, if any).
            let t = store.concurrent.transmits.get(tid)?;
            t.dropped = true;
            if pending.write {
                t.consumer = None;
                t.reader = Holder::Gone;
            } else {
                t.producer = None;
                t.writer = Holder::Gone;
            }
            if moved {
                COPY_COMPLETED
            } else {
                COPY_DROPPED
            }
        }
    };
    finish(store, &pending, result)?;
    Ok(true)
}

/// Polls every host producer and consumer a guest copy waits for;
/// whether any copy finished.
pub(crate) fn poll_host_transmits(store: &mut StoreOpaque) -> Result<bool> {
    let mut any = false;
    let ids: Vec<usize> = store
        .concurrent
        .transmits
        .map
        .iter()
        .filter(|(_, t)| t.pending.is_some() && (t.producer.is_some() || t.consumer.is_some()))
        .map(|(i, _)| *i)
        .collect();
    for tid in ids {
        any |= poll_host_side(store, tid, false)?;
    }
    Ok(any)
}

/// `stream.cancel-read`/`-write`, `future.cancel-read`/`-write`.
pub(crate) fn guest_cancel(
    store: &mut StoreOpaque,
    instance: usize,
    handle: u32,
    write: bool,
    future: bool,
    async_: bool,
) -> Result<u32> {
    let end = end_mut(store, instance, handle)?;
    let kind = if future { "future" } else { "stream" };
    let op = if write { "cancel-write" } else { "cancel-read" };
    ensure!(
        end.readable != write && end.future == future,
        "wasm trap: `{kind}.{op}` on handle {handle}, which is {}",
        end.what()
    );
    ensure!(
        end.state == CopyState::Copying,
        "wasm trap: `{kind}.{op}` on handle {handle}: no copy is in progress"
    );
    ensure!(
        end.set.is_none() || async_,
        "wasm trap: waitable cannot be used synchronously while added to a waitable set \
         (`{kind}.{op}` on handle {handle})"
    );
    if end.event.is_none() {
        let tid = end.transmit;
        // A host side gets one last chance to answer.
        poll_host_side(store, tid, true)?;
        if end_mut(store, instance, handle)?.event.is_none() {
            let t = store.concurrent.transmits.get(tid)?;
            let pending = t
                .pending
                .take_if(|p| p.instance == instance && p.handle == handle)
                .ok_or_else(|| anyhow!("internal error: a copy in progress is not pending"))?;
            finish(store, &pending, COPY_CANCELLED)?;
        }
    }
    take_end_event(store, instance, handle)
}

/// `stream.drop-readable`/`-writable`, `future.drop-readable`/`-writable`.
pub(crate) fn guest_drop(
    store: &mut StoreOpaque,
    instance: usize,
    handle: u32,
    readable: bool,
    future: bool,
    payload: &Option<InterfaceType>,
) -> Result<()> {
    let end = end_mut(store, instance, handle)?;
    let kind = if future { "future" } else { "stream" };
    let which = if readable { "readable" } else { "writable" };
    ensure!(
        end.readable == readable && end.future == future && end.payload == *payload,
        "wasm trap: `{kind}.drop-{which}` on handle {handle}, which is {}",
        end.what()
    );
    ensure!(
        end.state != CopyState::Copying,
        "wasm trap: cannot drop handle {handle} while a copy is in progress"
    );
    ensure!(
        !(future && !readable && end.state != CopyState::Done),
        "wasm trap: cannot drop future write end without first writing a value (handle {handle})"
    );
    let tid = end.transmit;
    store.component_instances[instance]
        .concurrent
        .waitables
        .remove(handle)?;
    drop_end(store, tid, readable)
}

/// One end of transmit `tid` goes away: a waiting copy of the other end
/// learns it, and the transmit is freed once both ends are gone.
pub(crate) fn drop_end(store: &mut StoreOpaque, tid: usize, readable: bool) -> Result<()> {
    let t = store.concurrent.transmits.get(tid)?;
    t.dropped = true;
    if readable {
        t.reader = Holder::Gone;
    } else {
        t.writer = Holder::Gone;
    }
    // A host producer or consumer has nobody left to serve; it is dropped
    // (after the store is free again, since its `Drop` may be anything).
    let producer = t.producer.take();
    let consumer = t.consumer.take();
    if producer.is_some() {
        t.writer = Holder::Gone;
    }
    if consumer.is_some() {
        t.reader = Holder::Gone;
    }
    let pending = t.pending.take();
    if let Some(p) = pending {
        finish(store, &p, COPY_DROPPED)?;
    }
    store.concurrent.transmits.collect(tid);
    drop((producer, consumer));
    Ok(())
}

/// `stream.new`/`future.new` in `instance`: both ends, packed as the spec
/// says (readable in the low 32 bits, writable in the high).
pub(crate) fn guest_new(
    store: &mut StoreOpaque,
    instance: usize,
    future: bool,
    payload: &Option<InterfaceType>,
) -> Result<u64> {
    let tid =
        store
            .concurrent
            .transmits
            .insert(Transmit::new(future, Holder::Guest, Holder::Guest));
    let w = &mut store.component_instances[instance].concurrent.waitables;
    let end = |readable| {
        Waitable::End(End {
            transmit: tid,
            readable,
            future,
            payload: payload.clone(),
            state: CopyState::Idle,
            event: None,
            set: None,
        })
    };
    let r = w.insert(end(true))?;
    let wr = w.insert(end(false))?;
    Ok(u64::from(r) | (u64::from(wr) << 32))
}
