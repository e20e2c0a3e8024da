//! The buffers of host stream producers and consumers: [`WriteBuffer`]
//! and [`ReadBuffer`] (with [`VecBuffer`]), and the views of a guest's
//! buffer a producer writes into ([`Destination`], [`DirectDestination`])
//! or a consumer reads from ([`Source`], [`DirectSource`]).

use super::transmit::GuestBuf;
use crate::component::abi::Cx;
use crate::component::typed::Lift;
use crate::{AsContextMut, StoreContextMut};
use anyhow::{bail, Result};
use std::marker::PhantomData;

/// Items a producer hands over, taken from the front.
pub trait WriteBuffer<T>: Send + Sync + 'static {
    /// The items not handed over yet.
    fn remaining(&self) -> &[T];
    /// Forgets the first `count` remaining items (they were handed over).
    fn skip(&mut self, count: usize);
}

/// Where a consumer puts the items it reads.
pub trait ReadBuffer<T>: Send + Sync + 'static {
    /// Appends items.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I);
    /// How many more items it takes.
    fn remaining_capacity(&self) -> usize;
}

impl<T: Send + Sync + 'static> WriteBuffer<T> for Option<T> {
    fn remaining(&self) -> &[T] {
        self.as_slice()
    }

    fn skip(&mut self, count: usize) {
        if count > 0 {
            *self = None;
        }
    }
}

impl<T: Send + Sync + 'static> ReadBuffer<T> for Option<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        if self.is_none() {
            *self = iter.into_iter().next();
        }
    }

    fn remaining_capacity(&self) -> usize {
        usize::from(self.is_none())
    }
}

impl<T: Send + Sync + 'static> ReadBuffer<T> for Vec<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        Extend::extend(self, iter)
    }

    fn remaining_capacity(&self) -> usize {
        self.capacity() - self.len()
    }
}

/// A [`WriteBuffer`] over a `Vec<T>`.
#[derive(Debug)]
pub struct VecBuffer<T> {
    buffer: Vec<T>,
    offset: usize,
}

impl<T> Default for VecBuffer<T> {
    fn default() -> Self {
        VecBuffer {
            buffer: Vec::new(),
            offset: 0,
        }
    }
}

impl<T> From<Vec<T>> for VecBuffer<T> {
    fn from(buffer: Vec<T>) -> Self {
        VecBuffer { buffer, offset: 0 }
    }
}

impl<T> VecBuffer<T> {
    /// An empty buffer with room for `capacity` items.
    pub fn with_capacity(capacity: usize) -> Self {
        Vec::with_capacity(capacity).into()
    }

    /// Empties the buffer, keeping its allocation.
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.offset = 0;
    }
}

impl<T: Send + Sync + 'static> WriteBuffer<T> for VecBuffer<T> {
    fn remaining(&self) -> &[T] {
        &self.buffer[self.offset..]
    }

    fn skip(&mut self, count: usize) {
        self.offset = (self.offset + count).min(self.buffer.len());
    }
}

/// The guest's read buffer a producer writes into.
pub struct Destination<'a, T, B> {
    pub(super) buffer: &'a mut B,
    pub(super) guest: &'a mut GuestBuf,
    pub(super) _marker: PhantomData<fn() -> T>,
}

impl<'a, T, B> Destination<'a, T, B> {
    /// Reborrows, so the destination can be used again.
    pub fn reborrow(&mut self) -> Destination<'_, T, B> {
        Destination {
            buffer: &mut *self.buffer,
            guest: &mut *self.guest,
            _marker: PhantomData,
        }
    }

    /// Takes the buffer out, leaving an empty one.
    pub fn take_buffer(&mut self) -> B
    where
        B: Default,
    {
        std::mem::take(self.buffer)
    }

    /// Sets the items to deliver (after anything written directly); what
    /// the reader has no room for now stays for its next read.
    pub fn set_buffer(&mut self, buffer: B) {
        *self.buffer = buffer;
    }

    /// How many more items the reader takes now (always known: the reader
    /// is a guest). Zero for a zero-length read, which only waits for the
    /// stream to be ready.
    pub fn remaining(&self, _store: impl AsContextMut) -> Option<usize> {
        Some(self.guest.remain() as usize)
    }
}

impl<'a, B> Destination<'a, u8, B> {
    /// The guest's read buffer itself, for writing bytes in place.
    /// (`capacity` is for host readers, which this implementation does not
    /// pair with host producers.)
    pub fn as_direct<D>(
        self,
        store: StoreContextMut<'a, D>,
        capacity: usize,
    ) -> DirectDestination<'a, D> {
        let _ = capacity;
        DirectDestination {
            guest: self.guest,
            store,
        }
    }
}

/// Direct access to a guest's read buffer of a `stream<u8>`.
pub struct DirectDestination<'a, D: 'static> {
    guest: &'a mut GuestBuf,
    store: StoreContextMut<'a, D>,
}

impl<D: 'static> DirectDestination<'_, D> {
    /// The bytes of the guest's buffer not written yet.
    pub fn remaining(&mut self) -> &mut [u8] {
        let (start, len) = (self.guest.cursor() as usize, self.guest.remain() as usize);
        // The buffer was checked against the memory when the read began,
        // and memories never shrink.
        match self.guest.opts.memory {
            Some(m) => &mut m.data_mut(&mut self.store)[start..start + len],
            None => &mut [],
        }
    }

    /// Records that the first `count` bytes of [`remaining`](Self::remaining)
    /// were written.
    ///
    /// # Panics
    ///
    /// If `count` is more than what remains.
    pub fn mark_written(&mut self, count: usize) {
        assert!(
            count <= self.guest.remain() as usize,
            "marked more bytes written than remain"
        );
        self.guest.progress += count as u32;
    }
}

impl<D: 'static> std::io::Write for DirectDestination<'_, D> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let dst = self.remaining();
        let n = dst.len().min(buf.len());
        dst[..n].copy_from_slice(&buf[..n]);
        self.mark_written(n);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The guest's write buffer a consumer reads from.
pub struct Source<'a, T> {
    pub(super) guest: &'a mut GuestBuf,
    pub(super) _marker: PhantomData<fn() -> T>,
}

impl<'a, T> Source<'a, T> {
    /// Reborrows, so the source can be used again.
    pub fn reborrow(&mut self) -> Source<'_, T> {
        Source {
            guest: &mut *self.guest,
            _marker: PhantomData,
        }
    }

    /// Moves as many items as `buffer` takes (and the guest wrote) into
    /// it, lifting them from the guest's memory.
    pub fn read<B, S: AsContextMut>(&mut self, mut store: S, buffer: &mut B) -> Result<()>
    where
        T: Lift + 'static,
        B: ReadBuffer<T>,
    {
        let n = (self.guest.remain() as usize).min(buffer.remaining_capacity()) as u32;
        if n == 0 {
            return Ok(());
        }
        let items = match &self.guest.ty {
            Some(ty) => {
                let opts = self.guest.opts.clone();
                let mut ctx = store.as_context_mut();
                let mut cx = Cx::new(ctx.opaque(), &opts);
                T::load_list(&mut cx, ty, self.guest.cursor(), n)?
            }
            None => bail!("a stream without an element type has no items to read"),
        };
        buffer.extend(items);
        self.guest.progress += n;
        Ok(())
    }

    /// How many items the guest's write still offers.
    pub fn remaining(&self, _store: impl AsContextMut) -> usize {
        self.guest.remain() as usize
    }
}

impl<'a> Source<'a, u8> {
    /// The guest's write buffer itself, for reading bytes in place.
    pub fn as_direct<D>(self, store: StoreContextMut<'a, D>) -> DirectSource<'a, D> {
        DirectSource {
            guest: self.guest,
            store,
        }
    }
}

/// Direct access to a guest's write buffer of a `stream<u8>`.
pub struct DirectSource<'a, D: 'static> {
    guest: &'a mut GuestBuf,
    store: StoreContextMut<'a, D>,
}

impl<D: 'static> DirectSource<'_, D> {
    /// The bytes of the guest's buffer not read yet.
    pub fn remaining(&mut self) -> &[u8] {
        let (start, len) = (self.guest.cursor() as usize, self.guest.remain() as usize);
        match self.guest.opts.memory {
            Some(m) => &m.data(&self.store)[start..start + len],
            None => &[],
        }
    }

    /// Records that the first `count` bytes of [`remaining`](Self::remaining)
    /// were read.
    ///
    /// # Panics
    ///
    /// If `count` is more than what remains.
    pub fn mark_read(&mut self, count: usize) {
        assert!(
            count <= self.guest.remain() as usize,
            "marked more bytes read than remain"
        );
        self.guest.progress += count as u32;
    }
}

impl<D: 'static> std::io::Read for DirectSource<'_, D> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let src = self.remaining();
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        self.mark_read(n);
        Ok(n)
    }
}
