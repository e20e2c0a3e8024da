//! The store's table of resource handles held by the host as
//! [`ResourceAny`](super::ResourceAny) values.
//!
//! A `ResourceAny` is a small copyable value; what it owns lives here. Each
//! slot has a generation, bumped whenever the slot is emptied, so a copy of
//! a handle that was already dropped or moved into a guest names a slot
//! whose generation no longer matches and every further use of it is an
//! error: a destructor never runs twice and an owned handle is never given
//! to two guests.

use super::ResourceType;
use anyhow::{bail, Result};

/// Where a host-held handle lives in [`HostHandles`]: the slot and the
/// generation the slot had when the handle was put there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct HostIndex {
    index: u32,
    generation: u32,
}

/// A handle the host holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostHandle {
    /// The resource's type.
    pub(crate) ty: ResourceType,
    /// Its representation.
    pub(crate) rep: u32,
    /// Owned (`own`) rather than borrowed (`borrow`).
    pub(crate) own: bool,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    generation: u32,
    handle: Option<HostHandle>,
    /// How many calls in progress borrow this owned handle: it cannot be
    /// removed (dropped or moved) until they return.
    lends: u32,
}

/// The host-held handles of one store.
#[derive(Default)]
pub(crate) struct HostHandles {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl HostHandles {
    /// Puts `handle` in a free slot.
    pub(crate) fn insert(&mut self, handle: HostHandle) -> Result<HostIndex> {
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.handle = Some(handle);
            slot.lends = 0;
            return Ok(HostIndex {
                index,
                generation: slot.generation,
            });
        }
        let Ok(index) = u32::try_from(self.slots.len()) else {
            bail!("too many resource handles held by the host");
        };
        self.slots.push(Slot {
            generation: 0,
            handle: Some(handle),
            lends: 0,
        });
        Ok(HostIndex {
            index,
            generation: 0,
        })
    }

    /// The handle at `idx`; an error if it was dropped or moved since.
    pub(crate) fn get(&self, idx: HostIndex) -> Result<HostHandle> {
        match self.slots.get(idx.index as usize) {
            Some(Slot {
                generation,
                handle: Some(handle),
                ..
            }) if *generation == idx.generation => Ok(*handle),
            _ => bail!("host-owned resource was already de-allocated"),
        }
    }

    /// Takes the handle at `idx` out of the table; an error if it was
    /// dropped or moved since.
    pub(crate) fn remove(&mut self, idx: HostIndex) -> Result<HostHandle> {
        let handle = self.get(idx)?;
        let slot = &mut self.slots[idx.index as usize];
        if slot.lends > 0 {
            bail!("cannot remove owned resource while borrowed");
        }
        slot.handle = None;
        // A slot whose generation would wrap is retired rather than reused,
        // so no old index can ever match a new handle.
        if let Some(next) = slot.generation.checked_add(1) {
            slot.generation = next;
            self.free.push(idx.index);
        }
        Ok(handle)
    }

    /// The handle at `idx`, lent to a call: an owned one cannot be removed
    /// until [`HostHandles::end_lend`] (borrows are not counted).
    pub(crate) fn lend(&mut self, idx: HostIndex) -> Result<(HostHandle, bool)> {
        let handle = self.get(idx)?;
        if !handle.own {
            return Ok((handle, false));
        }
        let slot = &mut self.slots[idx.index as usize];
        slot.lends = slot
            .lends
            .checked_add(1)
            .ok_or_else(|| anyhow::anyhow!("too many borrows of one resource"))?;
        Ok((handle, true))
    }

    /// Ends a lend of [`HostHandles::lend`].
    pub(crate) fn end_lend(&mut self, idx: HostIndex) {
        if let Some(slot) = self.slots.get_mut(idx.index as usize) {
            if slot.generation == idx.generation && slot.handle.is_some() {
                slot.lends = slot.lends.saturating_sub(1);
            }
        }
    }

    /// How many handles the host holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.handle.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(rep: u32) -> HostHandle {
        HostHandle {
            ty: ResourceType::host::<u8>(),
            rep,
            own: true,
        }
    }

    #[test]
    fn a_removed_index_is_stale_even_after_its_slot_is_reused() {
        let mut table = HostHandles::default();
        let a = table.insert(handle(1)).unwrap();
        assert_eq!(table.remove(a).unwrap().rep, 1);
        assert!(table.remove(a).is_err());
        let b = table.insert(handle(2)).unwrap();
        assert_ne!(a, b);
        assert!(table.get(a).is_err());
        assert_eq!(table.get(b).unwrap().rep, 2);
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn a_lent_handle_cannot_be_removed_until_the_lend_ends() {
        let mut table = HostHandles::default();
        let a = table.insert(handle(1)).unwrap();
        assert!(table.lend(a).unwrap().1);
        assert!(table.lend(a).unwrap().1);
        assert!(table.remove(a).is_err());
        table.end_lend(a);
        assert!(table.remove(a).is_err());
        table.end_lend(a);
        assert_eq!(table.remove(a).unwrap().rep, 1);
    }
}
