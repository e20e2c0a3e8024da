//! Finding the pages of a range that were written, with Linux's
//! `PAGEMAP_SCAN` ioctl on `/proc/self/pagemap` (Linux 6.7 and later).
//!
//! The pooling allocator uses it to reset a slot's kept-resident prefix by
//! copying back only the pages an instance modified. A page was modified
//! exactly when its page-table entry maps a private anonymous page: a page
//! never touched has no entry, a page only read maps the shared zero page
//! (anonymous memory) or the page cache (a copy-on-write image), and the
//! first write replaces either by a private copy. Swapped-out private pages
//! are reported too. Where the ioctl is missing (older kernels, no
//! `/proc`), or in a child process after `fork` (the descriptor would
//! describe the parent), [`scan`] returns `None` and callers reset the whole
//! prefix instead.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

// Page categories (`PAGE_IS_*` in `linux/fs.h`).
const PAGE_IS_FILE: u64 = 1 << 2;
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_SWAPPED: u64 = 1 << 4;
const PAGE_IS_PFNZERO: u64 = 1 << 5;

/// `struct page_region` of `linux/fs.h`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// `struct pm_scan_arg` of `linux/fs.h`.
#[repr(C)]
#[derive(Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// `PAGEMAP_SCAN` = `_IOWR('f', 16, struct pm_scan_arg)`.
const PAGEMAP_SCAN: u64 =
    (3 << 30) | ((std::mem::size_of::<PmScanArg>() as u64) << 16) | ((b'f' as u64) << 8) | 16;

/// Regions reported per scan; a scan with more modified runs stops early
/// and the caller discards the unscanned rest another way.
pub const MAX_REGIONS: usize = 32;

/// Set in a child process after `fork`.
static FORKED: AtomicBool = AtomicBool::new(false);

extern "C" fn after_fork_in_child() {
    // Only an atomic store: async-signal-safe.
    FORKED.store(true, Ordering::Relaxed);
}

fn pagemap() -> Option<&'static File> {
    static PAGEMAP: OnceLock<Option<File>> = OnceLock::new();
    if FORKED.load(Ordering::Relaxed) {
        return None;
    }
    PAGEMAP
        .get_or_init(|| {
            let file = File::open("/proc/self/pagemap").ok()?;
            // SAFETY: the handler only stores to an atomic.
            if unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) } != 0 {
                return None;
            }
            // Probe: an empty scan succeeds only if the ioctl exists.
            let mut arg = PmScanArg {
                size: std::mem::size_of::<PmScanArg>() as u64,
                ..PmScanArg::default()
            };
            // SAFETY: an empty range with no output vector; the kernel only
            // reads and writes `arg`.
            let rc = unsafe { libc::ioctl(file.as_raw_fd(), PAGEMAP_SCAN as _, &mut arg) };
            (rc >= 0).then_some(file)
        })
        .as_ref()
}

/// Whether [`scan`] can work in this process.
pub fn available() -> bool {
    pagemap().is_some()
}

/// The result of a [`scan`].
#[derive(Debug)]
pub struct Scan {
    regions: [PageRegion; MAX_REGIONS],
    count: usize,
    /// Offset from the start of the scanned range at which scanning stopped
    /// (the range's length if it was scanned completely).
    pub scanned: usize,
}

impl Scan {
    /// The modified runs found, as (offset, length) from the range's start.
    pub fn regions(&self, base: *const u8) -> impl Iterator<Item = (usize, usize)> + '_ {
        let base = base as u64;
        self.regions[..self.count]
            .iter()
            .map(move |r| ((r.start - base) as usize, (r.end - r.start) as usize))
    }
}

/// Scans `[base, base + len)` for modified pages, stopping once
/// `max_bytes` of them were found or [`MAX_REGIONS`] runs were reported.
/// Returns `None` if the scan is not possible here.
///
/// Every modified page below `scanned` is inside a reported run.
pub fn scan(base: *const u8, len: usize, max_bytes: usize) -> Option<Scan> {
    let file = pagemap()?;
    let page = crate::mmap::host_page_size();
    let mut out = Scan {
        regions: [PageRegion::default(); MAX_REGIONS],
        count: 0,
        scanned: 0,
    };
    let mut arg = PmScanArg {
        size: std::mem::size_of::<PmScanArg>() as u64,
        start: base as u64,
        end: base as u64 + len as u64,
        vec: out.regions.as_mut_ptr() as u64,
        vec_len: MAX_REGIONS as u64,
        max_pages: (max_bytes / page).max(1) as u64,
        // Interesting: neither the zero page nor a file page, and either
        // present or swapped out.
        category_inverted: PAGE_IS_PFNZERO | PAGE_IS_FILE,
        category_mask: PAGE_IS_PFNZERO | PAGE_IS_FILE,
        category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
        return_mask: 0,
        ..PmScanArg::default()
    };
    // SAFETY: `vec` points at `MAX_REGIONS` writable `page_region`s; the
    // kernel only reads page tables of the given range and writes `arg`
    // and `vec`.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), PAGEMAP_SCAN as _, &mut arg) };
    if rc < 0 {
        return None;
    }
    out.count = (rc as usize).min(MAX_REGIONS);
    let walk_end = arg.walk_end.clamp(arg.start, arg.end);
    out.scanned = (walk_end - arg.start) as usize;
    let in_range = out.regions[..out.count]
        .iter()
        .all(|r| arg.start <= r.start && r.start <= r.end && r.end <= walk_end);
    in_range.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmap::Mmap;

    #[test]
    fn finds_written_pages_only() {
        if !available() {
            return;
        }
        let page = crate::mmap::host_page_size();
        let m = Mmap::accessible_reserved(16 * page, 16 * page).unwrap();
        let p = m.as_mut_ptr();
        // SAFETY: inside the accessible mapping.
        unsafe {
            let _ = std::ptr::read_volatile(p.add(page));
            std::ptr::write_volatile(p.add(3 * page + 5), 1);
            std::ptr::write_volatile(p.add(4 * page), 1);
            std::ptr::write_volatile(p.add(9 * page), 1);
        }
        let s = scan(p, 16 * page, 16 * page).unwrap();
        let found: Vec<_> = s.regions(p).collect();
        assert_eq!(found, vec![(3 * page, 2 * page), (9 * page, page)]);
        assert_eq!(s.scanned, 16 * page);
        // A budget of one page stops after the first page found.
        let s = scan(p, 16 * page, page).unwrap();
        assert_eq!(s.regions(p).collect::<Vec<_>>(), vec![(3 * page, page)]);
        assert!(s.scanned < 9 * page);
    }
}
