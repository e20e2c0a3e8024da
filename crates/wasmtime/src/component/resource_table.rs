//! [`ResourceTable`]: the host's table of resource values, addressed by
//! typed [`Resource`] handles, with parent/child links so that an entry
//! cannot be deleted while entries derived from it (a stream of a file, a
//! pollable of a stream) still exist.

use super::Resource;
use std::any::Any;
use std::collections::BTreeSet;

/// The host's table of resource values: entries of any type, addressed by
/// typed [`Resource`] handles whose representation is the entry's index.
#[derive(Default)]
pub struct ResourceTable {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
}

struct Entry {
    value: Box<dyn Any + Send>,
    parent: Option<u32>,
    children: BTreeSet<u32>,
}

impl std::fmt::Debug for ResourceTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceTable")
            .field("entries", &(self.entries.len() - self.free.len()))
            .finish()
    }
}

/// An error of a [`ResourceTable`] operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceTableError {
    /// The table is full.
    Full,
    /// No entry at the handle's index.
    NotPresent,
    /// The entry is of another type.
    WrongType,
    /// The entry still has children and cannot be deleted.
    HasChildren,
}

impl std::fmt::Display for ResourceTableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResourceTableError::Full => "resource table has no free keys",
            ResourceTableError::NotPresent => "resource not present",
            ResourceTableError::WrongType => "resource is of another type than requested",
            ResourceTableError::HasChildren => "resource has children",
        })
    }
}

impl std::error::Error for ResourceTableError {}

impl ResourceTable {
    /// An empty table.
    pub fn new() -> ResourceTable {
        ResourceTable::default()
    }

    /// An empty table with room for `capacity` entries.
    pub fn with_capacity(capacity: usize) -> ResourceTable {
        ResourceTable {
            entries: Vec::with_capacity(capacity),
            free: Vec::new(),
        }
    }

    /// Whether the table holds no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == self.free.len()
    }

    fn insert(&mut self, entry: Entry) -> Result<u32, ResourceTableError> {
        match self.free.pop() {
            Some(i) => {
                self.entries[i as usize] = Some(entry);
                Ok(i)
            }
            None => {
                let i = u32::try_from(self.entries.len()).map_err(|_| ResourceTableError::Full)?;
                self.entries.push(Some(entry));
                Ok(i)
            }
        }
    }

    /// Adds `entry`, returning an owned handle to it.
    pub fn push<T: Send + 'static>(&mut self, entry: T) -> Result<Resource<T>, ResourceTableError> {
        let index = self.insert(Entry {
            value: Box::new(entry),
            parent: None,
            children: BTreeSet::new(),
        })?;
        Ok(Resource::new_own(index))
    }

    /// Adds `entry` as a child of `parent`, which then cannot be deleted
    /// before the child.
    pub fn push_child<T: Send + 'static, U: 'static>(
        &mut self,
        entry: T,
        parent: &Resource<U>,
    ) -> Result<Resource<T>, ResourceTableError> {
        let parent_rep = parent.rep();
        self.entry(parent_rep)?;
        let index = self.insert(Entry {
            value: Box::new(entry),
            parent: Some(parent_rep),
            children: BTreeSet::new(),
        })?;
        self.entry_mut(parent_rep)?.children.insert(index);
        Ok(Resource::new_own(index))
    }

    fn entry(&self, rep: u32) -> Result<&Entry, ResourceTableError> {
        self.entries
            .get(rep as usize)
            .and_then(|e| e.as_ref())
            .ok_or(ResourceTableError::NotPresent)
    }

    fn entry_mut(&mut self, rep: u32) -> Result<&mut Entry, ResourceTableError> {
        self.entries
            .get_mut(rep as usize)
            .and_then(|e| e.as_mut())
            .ok_or(ResourceTableError::NotPresent)
    }

    /// The entry of `resource`.
    pub fn get<T: Any + Sized>(&self, resource: &Resource<T>) -> Result<&T, ResourceTableError> {
        self.entry(resource.rep())?
            .value
            .downcast_ref()
            .ok_or(ResourceTableError::WrongType)
    }

    /// The entry of `resource`, mutably.
    pub fn get_mut<T: Any + Sized>(
        &mut self,
        resource: &Resource<T>,
    ) -> Result<&mut T, ResourceTableError> {
        self.entry_mut(resource.rep())?
            .value
            .downcast_mut()
            .ok_or(ResourceTableError::WrongType)
    }

    /// The entry at index `rep`, of whatever type.
    pub fn get_any_mut(&mut self, rep: u32) -> Result<&mut dyn Any, ResourceTableError> {
        Ok(&mut *self.entry_mut(rep)?.value)
    }

    /// Removes the entry of `resource` and returns it. An entry with
    /// children cannot be removed.
    pub fn delete<T: Any + Sized>(
        &mut self,
        resource: Resource<T>,
    ) -> Result<T, ResourceTableError> {
        let rep = resource.rep();
        let entry = self.entry(rep)?;
        if !entry.value.is::<T>() {
            return Err(ResourceTableError::WrongType);
        }
        if !entry.children.is_empty() {
            return Err(ResourceTableError::HasChildren);
        }
        let entry = self.entries[rep as usize].take().unwrap();
        self.free.push(rep);
        if let Some(parent) = entry.parent {
            if let Ok(p) = self.entry_mut(parent) {
                p.children.remove(&rep);
            }
        }
        Ok(*entry.value.downcast::<T>().unwrap())
    }

    /// The children of `parent`, mutably, as `dyn Any`.
    pub fn iter_children<T: 'static>(
        &mut self,
        parent: &Resource<T>,
    ) -> Result<impl Iterator<Item = &mut (dyn Any + Send)>, ResourceTableError> {
        let children = self.entry(parent.rep())?.children.clone();
        Ok(self
            .entries
            .iter_mut()
            .enumerate()
            .filter(move |(i, _)| children.contains(&(*i as u32)))
            .filter_map(|(_, e)| e.as_mut().map(|e| &mut *e.value)))
    }

    /// The entries at the keys of `map`, each with its value from `map`
    /// (an error for keys without an entry), all borrowed at once.
    pub fn iter_entries<'a, T: 'a>(
        &'a mut self,
        map: std::collections::BTreeMap<u32, T>,
    ) -> impl Iterator<Item = (Result<&'a mut dyn Any, ResourceTableError>, T)> + 'a {
        let mut slots: std::collections::BTreeMap<u32, &'a mut (dyn Any + Send)> = self
            .entries
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| map.contains_key(&(*i as u32)))
            .filter_map(|(i, e)| e.as_mut().map(|e| (i as u32, &mut *e.value)))
            .collect();
        map.into_iter().map(move |(k, v)| {
            let entry = slots
                .remove(&k)
                .map(|e| e as &mut dyn Any)
                .ok_or(ResourceTableError::NotPresent);
            (entry, v)
        })
    }
}
