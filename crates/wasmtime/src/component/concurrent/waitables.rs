//! An instance's table of waitables: waitable sets, subtasks, stream and
//! future ends and error contexts, with handles from 1, and the events
//! pending on them.

use super::{transmit, Subtask, Waitable, EVENT_SUBTASK};
use anyhow::{anyhow, bail, Result};

/// An instance's table of waitables, indices from 1.
#[derive(Default)]
pub(crate) struct Waitables {
    slots: Vec<Option<Waitable>>,
    free: Vec<u32>,
}

impl Waitables {
    pub(crate) fn insert(&mut self, w: Waitable) -> Result<u32> {
        if let Some(i) = self.free.pop() {
            self.slots[i as usize - 1] = Some(w);
            return Ok(i);
        }
        if self.slots.len() >= (1 << 28) - 1 {
            bail!("the instance's table of waitables is full");
        }
        self.slots.push(Some(w));
        Ok(self.slots.len() as u32)
    }

    pub(crate) fn get(&mut self, i: u32) -> Result<&mut Waitable> {
        i.checked_sub(1)
            .and_then(|i| self.slots.get_mut(i as usize))
            .and_then(|s| s.as_mut())
            .ok_or_else(|| anyhow!("unknown waitable handle {i}"))
    }

    pub(crate) fn subtask(&mut self, i: u32) -> Result<&mut Subtask> {
        match self.get(i)? {
            Waitable::Subtask(s) => Ok(s),
            _ => bail!("handle {i} is not a subtask"),
        }
    }

    pub(crate) fn check_set(&mut self, i: u32) -> Result<()> {
        match self.get(i)? {
            Waitable::Set => Ok(()),
            _ => bail!("handle {i} is not a waitable set"),
        }
    }

    /// The set a subtask or stream/future end joined.
    pub(crate) fn joined(&mut self, i: u32) -> Result<&mut Option<u32>> {
        match self.get(i)? {
            Waitable::Subtask(s) => Ok(&mut s.set),
            Waitable::End(e) => Ok(&mut e.set),
            _ => bail!("handle {i} is not a subtask or a stream or future end"),
        }
    }

    pub(crate) fn remove(&mut self, i: u32) -> Result<Waitable> {
        self.get(i)?;
        self.free.push(i);
        Ok(self.slots[i as usize - 1].take().unwrap())
    }

    /// Waitables that joined set `set`.
    pub(crate) fn members(&self, set: u32) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(i, w)| match w {
                Some(Waitable::Subtask(s)) if s.set == Some(set) => Some(i as u32 + 1),
                Some(Waitable::End(e)) if e.set == Some(set) => Some(i as u32 + 1),
                _ => None,
            })
    }

    pub(crate) fn set_has_members(&self, set: u32) -> bool {
        self.members(set).next().is_some()
    }

    pub(crate) fn has_pending(&self, i: u32) -> bool {
        match &self.slots[i as usize - 1] {
            Some(Waitable::Subtask(s)) => s.pending,
            Some(Waitable::End(e)) => e.event.is_some(),
            _ => false,
        }
    }

    /// Takes the next pending event of set `set`: `(code, handle,
    /// payload)`.
    pub(crate) fn take_event(&mut self, set: u32) -> Option<(u32, u32, u32)> {
        let i = self.members(set).find(|&i| self.has_pending(i))?;
        match &mut self.slots[i as usize - 1] {
            Some(Waitable::Subtask(s)) => {
                s.pending = false;
                Some((EVENT_SUBTASK, i, s.state))
            }
            Some(Waitable::End(e)) => {
                let (code, payload, done) = e.event.take()?;
                e.state = if done {
                    transmit::CopyState::Done
                } else {
                    transmit::CopyState::Idle
                };
                Some((code, i, payload))
            }
            _ => None,
        }
    }

    pub(crate) fn has_event(&self, set: u32) -> bool {
        self.members(set).any(|i| self.has_pending(i))
    }
}
