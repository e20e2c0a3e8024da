//! The async forms of creating and growing memories and tables: the same
//! operations run on a fiber, so that an async resource limiter
//! ([`ResourceLimiterAsync`](crate::ResourceLimiterAsync)) can wait before
//! deciding.

use super::{Memory, Table};
use crate::fiber::on_fiber_in;
use crate::{AsContextMut, MemoryType, Ref, TableType};
use anyhow::Result;

impl Memory {
    /// As [`Memory::new`], for stores with an async resource limiter.
    pub async fn new_async(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        on_fiber_in(&mut store.as_context_mut(), move |store| {
            Memory::new_in(store, ty)
        })
        .await?
    }

    /// As [`Memory::grow`], for stores with an async resource limiter.
    pub async fn grow_async(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let memory = *self;
        on_fiber_in(&mut store.as_context_mut(), move |store| {
            memory.grow_in(store, delta)
        })
        .await?
    }
}

impl Table {
    /// As [`Table::new`], for stores with an async resource limiter.
    pub async fn new_async(
        mut store: impl AsContextMut,
        ty: TableType,
        init: Ref,
    ) -> Result<Table> {
        on_fiber_in(&mut store.as_context_mut(), move |store| {
            Table::new_in(store, ty, init)
        })
        .await?
    }

    /// As [`Table::grow`], for stores with an async resource limiter.
    pub async fn grow_async(
        &self,
        mut store: impl AsContextMut,
        delta: u64,
        init: Ref,
    ) -> Result<u64> {
        let table = *self;
        on_fiber_in(&mut store.as_context_mut(), move |store| {
            table.grow_in(store, delta, init)
        })
        .await?
    }
}
