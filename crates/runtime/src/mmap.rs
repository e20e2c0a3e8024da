//! Anonymous memory mappings with page-granular protection changes.
//!
//! [`Mmap`] owns a private anonymous mapping. A mapping starts out either
//! fully inaccessible (a pure address-space reservation) or with an
//! accessible prefix, and individual page ranges can later be made
//! read/write or read/execute. The mapping is released when the value is
//! dropped.
//!
//! The safe API never hands out references into the mapping: callers work
//! with raw pointers and are responsible for only touching pages they made
//! accessible.

use anyhow::{bail, Result};
use std::ops::Range;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The host's virtual memory page size in bytes (cached after the first call).
pub fn host_page_size() -> usize {
    static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
    let cached = PAGE_SIZE.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    // SAFETY: `sysconf` has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let size = if size <= 0 { 4096 } else { size as usize };
    PAGE_SIZE.store(size, Ordering::Relaxed);
    size
}

/// Rounds `n` up to a multiple of the host page size, or `None` on overflow.
pub fn round_up_to_page_size(n: usize) -> Option<usize> {
    let page = host_page_size();
    Some(n.checked_add(page - 1)? & !(page - 1))
}

/// An owned, page-aligned, private anonymous memory mapping.
#[derive(Debug)]
pub struct Mmap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: `Mmap` owns its mapping exclusively, like a `Box<[u8]>`; the
// mapping is not tied to the thread that created it.
unsafe impl Send for Mmap {}
// SAFETY: the safe API of `Mmap` only exposes raw pointers and protection
// changes (which are atomic system calls), so sharing it is sound.
unsafe impl Sync for Mmap {}

impl Mmap {
    /// An empty mapping (no address space; `as_ptr` is dangling).
    pub fn new() -> Mmap {
        Mmap {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    /// Reserves `len` bytes (rounded up to whole pages) of inaccessible
    /// address space (`PROT_NONE`, `MAP_NORESERVE`).
    pub fn reserve(len: usize) -> Result<Mmap> {
        let Some(len) = round_up_to_page_size(len) else {
            bail!("mapping size {len:#x} overflows");
        };
        if len == 0 {
            return Ok(Mmap::new());
        }
        // SAFETY: a fresh anonymous mapping at a kernel-chosen address
        // cannot alias any existing Rust object.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            bail!(
                "failed to reserve {len:#x} bytes of address space: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(Mmap {
            ptr: NonNull::new(ptr.cast::<u8>()).expect("mmap returned null"),
            len,
        })
    }

    /// Reserves `reserved` bytes and makes the first `accessible` bytes
    /// readable and writable (both rounded up to whole pages).
    pub fn accessible_reserved(accessible: usize, reserved: usize) -> Result<Mmap> {
        if accessible > reserved {
            bail!("accessible size {accessible:#x} exceeds reserved size {reserved:#x}");
        }
        let mmap = Mmap::reserve(reserved)?;
        if accessible > 0 {
            mmap.make_accessible(0, accessible)?;
        }
        Ok(mmap)
    }

    fn check_range(&self, offset: usize, len: usize) -> Result<usize> {
        if !offset.is_multiple_of(host_page_size()) {
            bail!("offset {offset:#x} is not page aligned");
        }
        let Some(len) = round_up_to_page_size(len) else {
            bail!("length {len:#x} overflows");
        };
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(len),
            _ => bail!(
                "range {offset:#x}+{len:#x} is outside the mapping of {:#x} bytes",
                self.len
            ),
        }
    }

    fn protect(&self, offset: usize, len: usize, prot: libc::c_int) -> Result<()> {
        let len = self.check_range(offset, len)?;
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range was checked to lie within our own mapping, and
        // the safe API hands out no references into it.
        let rc = unsafe { libc::mprotect(self.ptr.as_ptr().add(offset).cast(), len, prot) };
        if rc != 0 {
            bail!(
                "mprotect({offset:#x}+{len:#x}) failed: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// Makes `len` bytes (rounded up to whole pages) at page-aligned
    /// `offset` readable and writable.
    pub fn make_accessible(&self, offset: usize, len: usize) -> Result<()> {
        self.protect(offset, len, libc::PROT_READ | libc::PROT_WRITE)
    }

    /// Discards the contents of `len` bytes (rounded up to whole pages) at
    /// page-aligned `offset` and makes them inaccessible again, as after
    /// [`Mmap::reserve`] (they read as zero once made accessible).
    pub fn decommit(&self, offset: usize, len: usize) -> Result<()> {
        let len = self.check_range(offset, len)?;
        if len == 0 {
            return Ok(());
        }
        // SAFETY: the range was checked to lie within our own mapping; the
        // safe API hands out no references into it, and callers discard
        // only pages nothing uses any more (private anonymous pages then
        // read as zero).
        let rc = unsafe {
            libc::madvise(
                self.ptr.as_ptr().add(offset).cast(),
                len,
                libc::MADV_DONTNEED,
            )
        };
        if rc != 0 {
            bail!(
                "madvise({offset:#x}+{len:#x}) failed: {}",
                std::io::Error::last_os_error()
            );
        }
        self.protect(offset, len, libc::PROT_NONE)
    }

    /// Makes the pages of `range` (page-aligned start) readable and
    /// executable, and no longer writable.
    pub fn make_executable(&self, range: Range<usize>) -> Result<()> {
        if range.end < range.start {
            bail!("invalid range {range:?}");
        }
        self.protect(
            range.start,
            range.end - range.start,
            libc::PROT_READ | libc::PROT_EXEC,
        )
    }

    /// Makes the pages of `range` (page-aligned start) read-only.
    pub fn make_readonly(&self, range: Range<usize>) -> Result<()> {
        if range.end < range.start {
            bail!("invalid range {range:?}");
        }
        self.protect(range.start, range.end - range.start, libc::PROT_READ)
    }

    /// Start of the mapping.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// Start of the mapping, for writing.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Size of the mapping in bytes (a multiple of the page size).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the mapping is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for Mmap {
    fn default() -> Self {
        Mmap::new()
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        // SAFETY: we own this mapping and nothing can reference it once the
        // owner is dropped.
        let rc = unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
        debug_assert_eq!(rc, 0, "munmap failed: {}", std::io::Error::last_os_error());
    }
}

/// Test helper: whether the byte at `addr` can be read, checked without
/// touching it (the kernel reports `EFAULT` when copying from it into a pipe).
#[cfg(test)]
pub(crate) fn is_readable(addr: *const u8) -> bool {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid two-element array for `pipe` to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: `write` validates the user pointer itself and fails with
    // EFAULT instead of faulting; the descriptors are ours to close.
    let n = unsafe {
        let n = libc::write(fds[1], addr.cast(), 1);
        libc::close(fds[0]);
        libc::close(fds[1]);
        n
    };
    n == 1
}

/// Test helper: whether the byte at `addr` can be written (checked with a
/// pipe read into it, which writes the byte that was just read from it).
#[cfg(test)]
pub(crate) fn is_writable(addr: *mut u8) -> bool {
    if !is_readable(addr) {
        return false;
    }
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid two-element array for `pipe` to fill.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the byte is readable; the kernel validates the destination and
    // fails with EFAULT instead of faulting. The byte is written back with
    // its own value.
    let n = unsafe {
        let old = std::ptr::read_volatile(addr);
        assert_eq!(libc::write(fds[1], (&old as *const u8).cast(), 1), 1);
        let n = libc::read(fds[0], addr.cast(), 1);
        libc::close(fds[0]);
        libc::close(fds[1]);
        n
    };
    n == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_sane() {
        let p = host_page_size();
        assert!(p.is_power_of_two() && p >= 4096);
        assert_eq!(round_up_to_page_size(1), Some(p));
        assert_eq!(round_up_to_page_size(p), Some(p));
        assert_eq!(round_up_to_page_size(0), Some(0));
        assert_eq!(round_up_to_page_size(usize::MAX), None);
    }

    #[test]
    fn reserve_and_protect() {
        let p = host_page_size();
        let m = Mmap::reserve(4 * p + 1).unwrap();
        assert_eq!(m.len(), 5 * p);
        assert!(!is_readable(m.as_ptr()));
        m.make_accessible(p, p).unwrap();
        assert!(!is_readable(m.as_ptr()));
        // SAFETY: the second page is read/write.
        unsafe {
            let q = m.as_mut_ptr().add(p);
            assert_eq!(*q, 0);
            *q = 7;
            assert_eq!(*q, 7);
        }
        assert!(is_writable(m.as_mut_ptr().wrapping_add(p)));
        assert!(!is_readable(m.as_ptr().wrapping_add(2 * p)));
        m.make_readonly(p..2 * p).unwrap();
        assert!(is_readable(m.as_ptr().wrapping_add(p)));
        assert!(!is_writable(m.as_mut_ptr().wrapping_add(p)));
        assert!(m.make_accessible(1, 1).is_err());
        assert!(m.make_accessible(4 * p, 2 * p).is_err());
        assert!(m.make_accessible(0, usize::MAX).is_err());
    }

    #[test]
    fn accessible_reserved_and_empty() {
        let p = host_page_size();
        let m = Mmap::accessible_reserved(p, 3 * p).unwrap();
        assert!(is_writable(m.as_mut_ptr()));
        assert!(!is_readable(m.as_ptr().wrapping_add(p)));
        assert!(Mmap::accessible_reserved(2 * p, p).is_err());
        let e = Mmap::reserve(0).unwrap();
        assert!(e.is_empty());
        e.make_accessible(0, 0).unwrap();
        assert!(Mmap::reserve(usize::MAX).is_err());
        assert!(Mmap::reserve(1 << 62).is_err());
    }
}
