//! Shared linear memories (threads proposal) and the parking lot behind
//! `memory.atomic.wait*` / `memory.atomic.notify`.
//!
//! A shared memory is reference counted and may be used by instances of
//! several stores on several OS threads at once. It never moves: its whole
//! maximum is reserved up front, so its base address is fixed for life and
//! only its length changes. The canonical `VMMemoryDefinition` lives in the
//! shared state; importers point at it directly. The instance that defines
//! the memory keeps an inline copy in its `VMContext` (compiled code reads a
//! defined memory there), which is registered as a *mirror* and updated on
//! every grow.

use crate::memory::LinearMemory;
use crate::vmcontext::VMMemoryDefinition;
use anyhow::{bail, Result};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use wasmtime_environ::{Memory, MemoryStyle, Trap};

/// Outcome of `memory.atomic.wait*`, with the values wasm sees.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitResult {
    /// Woken by a notify (0).
    Ok = 0,
    /// The value in memory did not match the expected one (1).
    Mismatch = 1,
    /// The timeout expired (2).
    TimedOut = 2,
}

/// A reference-counted shared linear memory.
#[derive(Clone)]
pub struct SharedMemory(Arc<SharedMemoryInner>);

struct SharedMemoryInner {
    ty: Memory,
    /// The mapping plus the mirrors of the definition (the inline copy in
    /// the defining instance's `VMContext`), under one lock so grows are
    /// serialized and every mirror is updated.
    state: Mutex<SharedState>,
    /// The canonical definition; boxed so its address is stable. Its length
    /// is updated atomically.
    def: Box<VMMemoryDefinition>,
    spot: ParkingSpot,
}

struct SharedState {
    memory: LinearMemory,
    mirrors: Vec<usize>,
}

// SAFETY: the definition's base is immutable and its length is only written
// with atomic stores under the state lock; the mapping is owned.
unsafe impl Send for SharedMemoryInner {}
// SAFETY: as above; all mutation goes through the mutex or atomics.
unsafe impl Sync for SharedMemoryInner {}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedMemory")
            .field("ty", &self.0.ty)
            .field("byte_size", &self.byte_size())
            .finish()
    }
}

impl SharedMemory {
    /// Creates a shared memory of type `ty` (which must be `shared` and have
    /// a maximum). The whole maximum is reserved, so it never moves.
    pub fn new(ty: &Memory, style: &MemoryStyle) -> Result<SharedMemory> {
        if !ty.shared {
            bail!("memory type is not shared");
        }
        if ty.maximum.is_none() {
            bail!("shared memories must have a maximum size");
        }
        let memory = LinearMemory::new(ty, style)?;
        let def = Box::new(VMMemoryDefinition {
            base: memory.base(),
            current_length: memory.byte_size() as u64,
        });
        Ok(SharedMemory(Arc::new(SharedMemoryInner {
            ty: *ty,
            state: Mutex::new(SharedState {
                memory,
                mirrors: Vec::new(),
            }),
            def,
            spot: ParkingSpot::default(),
        })))
    }

    /// The memory's type (with its declared minimum).
    pub fn ty(&self) -> &Memory {
        &self.0.ty
    }

    /// Whether two handles refer to the same memory.
    pub fn same(a: &SharedMemory, b: &SharedMemory) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The canonical definition that importers point at.
    pub fn vmmemory_ptr(&self) -> *mut VMMemoryDefinition {
        &*self.0.def as *const VMMemoryDefinition as *mut VMMemoryDefinition
    }

    fn length(&self) -> &AtomicU64 {
        // SAFETY: the field is an aligned u64 that lives as long as `self`;
        // every access to it after creation is atomic.
        unsafe { AtomicU64::from_ptr(std::ptr::addr_of!(self.0.def.current_length) as *mut u64) }
    }

    /// Start of the contents (never changes).
    pub fn base(&self) -> *mut u8 {
        self.0.def.base
    }

    /// Current size in bytes.
    pub fn byte_size(&self) -> usize {
        self.length().load(Ordering::SeqCst) as usize
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.byte_size() as u64 >> self.0.ty.page_size_log2
    }

    /// Registers an inline copy of the definition to keep current.
    ///
    /// # Safety
    /// `def` must stay valid until [`SharedMemory::unregister_mirror`].
    pub unsafe fn register_mirror(&self, def: *mut VMMemoryDefinition) {
        let mut state = self.0.state.lock().unwrap();
        // SAFETY: the caller guarantees `def` is valid; the length is
        // written atomically because other threads may grow concurrently.
        unsafe {
            (*def).base = self.base();
            AtomicU64::from_ptr(std::ptr::addr_of_mut!((*def).current_length))
                .store(state.memory.byte_size() as u64, Ordering::SeqCst);
        }
        state.mirrors.push(def as usize);
    }

    /// Stops updating `def`.
    pub fn unregister_mirror(&self, def: *mut VMMemoryDefinition) {
        let mut state = self.0.state.lock().unwrap();
        state.mirrors.retain(|m| *m != def as usize);
    }

    /// Grows by `delta_pages`, returning the old size in pages, or `None`
    /// if the memory cannot grow that much.
    pub fn grow(&self, delta_pages: u64, limit_bytes: Option<u64>) -> Option<u64> {
        let mut state = self.0.state.lock().unwrap();
        let old = state.memory.grow(delta_pages, limit_bytes)?;
        debug_assert_eq!(state.memory.base(), self.base());
        let len = state.memory.byte_size() as u64;
        self.length().store(len, Ordering::SeqCst);
        for m in &state.mirrors {
            // SAFETY: registered mirrors are valid until unregistered, which
            // takes this lock.
            unsafe {
                AtomicU64::from_ptr(std::ptr::addr_of_mut!(
                    (*(*m as *mut VMMemoryDefinition)).current_length
                ))
                .store(len, Ordering::SeqCst)
            };
        }
        Some(old)
    }

    /// The largest size in pages the memory may reach.
    pub fn maximum_pages(&self) -> u64 {
        self.0.state.lock().unwrap().memory.maximum_pages()
    }

    fn validate_addr(&self, addr: u64, size: u64) -> Result<*mut u8, Trap> {
        if !addr.is_multiple_of(size) {
            return Err(Trap::HeapMisaligned);
        }
        match addr.checked_add(size) {
            Some(end) if end <= self.byte_size() as u64 => {
                Ok(self.base().wrapping_add(addr as usize))
            }
            _ => Err(Trap::MemoryOutOfBounds),
        }
    }

    /// `memory.atomic.notify`: wakes up to `count` waiters on `addr`.
    pub fn atomic_notify(&self, addr: u64, count: u32) -> Result<u32, Trap> {
        self.validate_addr(addr, 4)?;
        Ok(self.0.spot.notify(addr, count))
    }

    /// `memory.atomic.wait32`: blocks while the value at `addr` equals
    /// `expected`, until notified or `timeout` passes.
    pub fn atomic_wait32(
        &self,
        addr: u64,
        expected: u32,
        timeout: Option<Duration>,
    ) -> Result<WaitResult, Trap> {
        let ptr = self.validate_addr(addr, 4)?;
        // SAFETY: the address is in bounds and 4-aligned; shared memory is
        // only accessed atomically or racily by wasm, as the spec allows.
        let cell = unsafe { AtomicU32::from_ptr(ptr.cast()) };
        Ok(self
            .0
            .spot
            .wait(addr, || cell.load(Ordering::SeqCst) == expected, timeout))
    }

    /// `memory.atomic.wait64`, as [`SharedMemory::atomic_wait32`].
    pub fn atomic_wait64(
        &self,
        addr: u64,
        expected: u64,
        timeout: Option<Duration>,
    ) -> Result<WaitResult, Trap> {
        let ptr = self.validate_addr(addr, 8)?;
        // SAFETY: as in `atomic_wait32`, with 8-byte alignment.
        let cell = unsafe { AtomicU64::from_ptr(ptr.cast()) };
        Ok(self
            .0
            .spot
            .wait(addr, || cell.load(Ordering::SeqCst) == expected, timeout))
    }
}

/// Waiters parked on addresses of one memory.
#[derive(Default)]
struct ParkingSpot {
    waiters: Mutex<HashMap<u64, VecDeque<Arc<Waiter>>>>,
}

#[derive(Default)]
struct Waiter {
    notified: Mutex<bool>,
    cond: Condvar,
}

impl ParkingSpot {
    /// Parks the calling thread on `addr` if `validate` (run under the lock
    /// that notifiers take) holds.
    fn wait(
        &self,
        addr: u64,
        validate: impl FnOnce() -> bool,
        timeout: Option<Duration>,
    ) -> WaitResult {
        let deadline = timeout.map(|t| Instant::now().checked_add(t));
        let waiter = Arc::new(Waiter::default());
        {
            let mut map = self.waiters.lock().unwrap();
            if !validate() {
                return WaitResult::Mismatch;
            }
            map.entry(addr).or_default().push_back(waiter.clone());
        }
        let mut notified = waiter.notified.lock().unwrap();
        loop {
            if *notified {
                return WaitResult::Ok;
            }
            match deadline {
                // No timeout, or one too far away to represent.
                None | Some(None) => notified = waiter.cond.wait(notified).unwrap(),
                Some(Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    notified = waiter
                        .cond
                        .wait_timeout(notified, deadline - now)
                        .unwrap()
                        .0;
                }
            }
        }
        drop(notified);
        // Timed out: leave the queue, unless a notifier got us first.
        let mut map = self.waiters.lock().unwrap();
        if *waiter.notified.lock().unwrap() {
            return WaitResult::Ok;
        }
        if let Some(q) = map.get_mut(&addr) {
            q.retain(|w| !Arc::ptr_eq(w, &waiter));
            if q.is_empty() {
                map.remove(&addr);
            }
        }
        WaitResult::TimedOut
    }

    /// Wakes up to `count` waiters on `addr` in FIFO order.
    fn notify(&self, addr: u64, count: u32) -> u32 {
        let mut map = self.waiters.lock().unwrap();
        let Some(q) = map.get_mut(&addr) else {
            return 0;
        };
        let mut woken = 0;
        while woken < count {
            let Some(w) = q.pop_front() else { break };
            *w.notified.lock().unwrap() = true;
            w.cond.notify_one();
            woken += 1;
        }
        if q.is_empty() {
            map.remove(&addr);
        }
        woken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parking_spot_wakes_and_times_out() {
        let spot = Arc::new(ParkingSpot::default());
        assert_eq!(spot.wait(0, || false, None), WaitResult::Mismatch);
        assert_eq!(
            spot.wait(0, || true, Some(Duration::from_millis(10))),
            WaitResult::TimedOut
        );
        assert_eq!(spot.notify(0, 1), 0);
        let s2 = spot.clone();
        let t = std::thread::spawn(move || s2.wait(8, || true, None));
        // Wait until the thread is parked, then wake it.
        let mut woken = 0;
        while woken == 0 {
            std::thread::sleep(Duration::from_millis(1));
            woken = spot.notify(8, 5);
        }
        assert_eq!(woken, 1);
        assert_eq!(t.join().unwrap(), WaitResult::Ok);
    }
}
