//! Frames of synchronous calls, and whether the running call may block
//! (Wasmtime 48's rule), checked by every operation that would wait.

use super::Frame;
use crate::store::StoreOpaque;
use anyhow::Result;

/// Fails with Wasmtime's trap `cannot block a synchronous task before
/// returning` unless the innermost running call may block: a call of an
/// `async`-typed function, or a task that has returned or was cancelled.
/// Code the host runs outside any call may block.
pub(crate) fn check_blocking(store: &mut StoreOpaque) -> Result<()> {
    let may_block = match store.concurrent.current.last() {
        None => true,
        Some(Frame::Sync(_, may_block)) => *may_block,
        Some(Frame::Task(id)) => {
            let id = *id;
            let task = store.concurrent.task(id);
            task.func.ty.is_async || task.returned || task.cancelled
        }
    };
    if may_block {
        Ok(())
    } else {
        Err(anyhow::Error::new(crate::Trap::CannotBlockSyncTask))
    }
}

/// Runs `f`, the core code of a synchronous call, as a frame of its own
/// (for `context.get`/`context.set`); `may_block`: the function's type is
/// `async`.
pub(crate) fn sync_frame<R>(
    store: &mut StoreOpaque,
    may_block: bool,
    f: impl FnOnce(&mut StoreOpaque) -> R,
) -> R {
    store
        .concurrent
        .current
        .push(Frame::Sync([0; 2], may_block));
    let r = f(store);
    store.concurrent.current.pop();
    r
}
