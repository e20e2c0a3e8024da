//! Maps and fixed-length lists across the canonical ABI: a `map<K, V>` is
//! stored as a list of `tuple<K, V>` entries, a `list<T, N>` inline.

use super::Cx;
use crate::component::Val;
use anyhow::{ensure, Result};
use wasmtime_environ::component::InterfaceType;

impl Cx<'_> {
    /// Stores a map's entries as a list of `tuple<K, V>`.
    pub(super) fn store_map(
        &mut self,
        ty: &InterfaceType,
        entries: &[(Val, Val)],
    ) -> Result<(u32, u32)> {
        let entry = ty.map_entry().expect("a map type");
        let items: Vec<Val> = entries
            .iter()
            .map(|(k, v)| Val::Tuple(vec![k.clone(), v.clone()]))
            .collect();
        self.store_list(&entry, &items)
    }

    /// Loads a map's entries from a list of `tuple<K, V>`.
    pub(super) fn load_map(&mut self, ty: &InterfaceType, ptr: u32, len: u32) -> Result<Val> {
        let entry = ty.map_entry().expect("a map type");
        let entries = self.load_list(&entry, ptr, len)?;
        Ok(Val::Map(
            entries
                .into_iter()
                .map(|e| match e {
                    Val::Tuple(mut kv) if kv.len() == 2 => {
                        let v = kv.pop().expect("two values");
                        (kv.pop().expect("two values"), v)
                    }
                    _ => unreachable!("a map entry lifts as a pair"),
                })
                .collect(),
        ))
    }
}

/// A fixed-length list value must have exactly the type's length.
pub(super) fn check_fixed_len(n: u32, items: &[Val]) -> Result<()> {
    ensure!(
        items.len() == n as usize,
        "expected a fixed-length list of {n} values, found {}",
        items.len()
    );
    Ok(())
}
