//! Copy-on-write memory images.
//!
//! When every active data segment of a defined memory has a constant
//! offset and lies within the memory's minimum size, the memory's initial
//! contents are known before instantiation. They are then written once, page
//! aligned, into a `memfd` (an anonymous in-memory file), and every instance
//! maps that file `MAP_PRIVATE` over the start of its linear memory instead
//! of copying the segments: instantiation costs one `mmap` (or nothing, when
//! a pooling slot still holds the image), and pages are copied lazily by the
//! kernel on first write. `madvise(MADV_DONTNEED)` on a private file mapping
//! drops the written copies, which is how pooling slots are reset.
//!
//! When the zero bytes around the data are few (at most
//! [`MAX_ZERO_EXTENSION`]), the file is sized to the memory's whole initial
//! size and mapped over all of it, the zeros being holes of the file: the
//! memory's accessible part is then one mapping instead of two or three
//! (anonymous zeros before and after the data), which makes the
//! `madvise` resetting a pooling slot markedly cheaper (the kernel walks
//! one VMA).

use crate::mmap::host_page_size;
use anyhow::{bail, Context, Result};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use wasmtime_environ::{ConstOp, DataKind, DefinedMemoryIndex, EntityRef, Module, PrimaryMap};

/// Largest span (first to last initialised page) of a memory image. Bigger,
/// sparser initial contents are copied segment by segment instead.
pub const MAX_IMAGE_SPAN: usize = 1 << 30;

/// The default of the span up to which a memory always gets an image;
/// above it the segments must cover at least half of the span
/// (`Tunables::memory_guaranteed_dense_image_size`).
pub const DENSE_IMAGE_SPAN: usize = 16 << 20;

/// Largest number of zero bytes (before and after the data together) an
/// image's mapping is extended by so that it covers the memory's whole
/// initial size. Zero pages of the file are holes: they cost memory (once
/// per module, shared by all instances) only when read.
pub const MAX_ZERO_EXTENSION: usize = 4 << 20;

/// The initial contents of one linear memory, in a memfd.
#[derive(Debug)]
pub struct MemoryImage {
    file: File,
    /// Offset in the linear memory of the image's first byte (page aligned).
    offset: usize,
    /// Length of the image (page aligned, non-zero).
    len: usize,
    /// Offset in the linear memory of the first page holding data (page
    /// aligned, at least `offset`); the image is zero outside
    /// `data_offset..data_offset + data_len`.
    data_offset: usize,
    /// Length of the data part (page aligned, non-zero).
    data_len: usize,
    /// A read-only shared mapping of the data part of the file (the same
    /// page-cache pages the copy-on-write mappings start from), used to
    /// restore modified pages by copying.
    contents: std::ptr::NonNull<u8>,
}

// SAFETY: `contents` is a read-only mapping owned by the image and never
// written; the file is an ordinary descriptor.
unsafe impl Send for MemoryImage {}
// SAFETY: as above, shared access is read-only.
unsafe impl Sync for MemoryImage {}

impl Drop for MemoryImage {
    fn drop(&mut self) {
        // SAFETY: `contents` is a mapping of `data_len` bytes created in
        // `new` and only borrowed through `&self`.
        unsafe { libc::munmap(self.contents.as_ptr().cast(), self.data_len) };
    }
}

impl MemoryImage {
    /// Offset in the linear memory where the image starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Length of the image in bytes (a whole number of host pages).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the image is empty (never the case for a built image).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Offset in the linear memory of [`MemoryImage::contents`]; the image
    /// is zero elsewhere.
    pub fn contents_offset(&self) -> usize {
        self.data_offset
    }

    /// The image's data bytes, for linear memory offsets
    /// `contents_offset()..contents_offset() + contents().len()` (a part of
    /// `offset()..offset() + len()`, whose other bytes are zero).
    pub fn contents(&self) -> &[u8] {
        // SAFETY: a live read-only mapping of `data_len` bytes, unmapped
        // only on drop; the memfd is never written after `new`.
        unsafe { std::slice::from_raw_parts(self.contents.as_ptr(), self.data_len) }
    }

    /// Maps the image copy-on-write over `[base + offset, base + offset +
    /// len)`, read/write, replacing whatever was mapped there.
    ///
    /// # Safety
    /// The range must lie inside a mapping the caller owns and nobody may
    /// hold references into it.
    pub unsafe fn map_at(&self, base: *mut u8) -> Result<()> {
        // SAFETY: the caller guarantees the target range is its own mapping;
        // MAP_FIXED replaces exactly that range.
        let ptr = unsafe {
            libc::mmap(
                base.add(self.offset).cast(),
                self.len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                self.file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            bail!(
                "failed to map a memory image: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(())
    }

    /// An image of `len` bytes mapped at `offset`, holding `contents` at
    /// `data_offset` and zeros elsewhere (all page aligned).
    fn new(contents: &[u8], data_offset: usize, offset: usize, len: usize) -> Result<MemoryImage> {
        debug_assert!(offset <= data_offset && data_offset + contents.len() <= offset + len);
        // SAFETY: the name is a valid C string; the flags are valid.
        let fd = unsafe { libc::memfd_create(c"wasm-memory-image".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            bail!("memfd_create failed: {}", std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that we now own.
        let file = unsafe { File::from_raw_fd(fd) };
        // Only the data is written: the rest of the file stays holes.
        let file_data_offset = data_offset - offset;
        file.set_len(len as u64)
            .context("failed to size a memory image")?;
        file.write_all_at(contents, file_data_offset as u64)
            .context("failed to write a memory image")?;
        // SAFETY: a fresh read-only shared mapping of the file at a
        // kernel-chosen address.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                contents.len(),
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                file_data_offset as libc::off_t,
            )
        };
        if ptr == libc::MAP_FAILED {
            bail!(
                "failed to map a memory image: {}",
                std::io::Error::last_os_error()
            );
        }
        Ok(MemoryImage {
            file,
            offset,
            len,
            data_offset,
            data_len: contents.len(),
            contents: std::ptr::NonNull::new(ptr.cast()).context("null mapping")?,
        })
    }
}

/// The images of a module's defined memories (`None` where the memory is
/// initialised by copying its segments, or has no data).
#[derive(Debug, Default)]
pub struct ModuleMemoryImages {
    images: PrimaryMap<DefinedMemoryIndex, Option<Arc<MemoryImage>>>,
    /// Per data segment: whether it is an active segment whose bytes are
    /// in an image (so instantiation does not copy it).
    imaged_data: Box<[bool]>,
    /// Whether every active data segment is in an image.
    all_active_imaged: bool,
}

impl ModuleMemoryImages {
    /// Builds the images of `module`'s defined memories. Memories whose
    /// segments are not all at constant, in-bounds offsets, or whose span
    /// is too large and sparse, get no image. Returns `None` if no memory
    /// gets one.
    ///
    /// Spans of initial data up to `dense_span` bytes always get an image;
    /// larger ones need segments over at least half of the span.
    pub fn new(module: &Module, dense_span: usize) -> Result<Option<ModuleMemoryImages>> {
        let page = host_page_size();
        let mut images = PrimaryMap::new();
        let mut any = false;
        for ty in module.memories.values().skip(module.num_imported_memories) {
            let defined = DefinedMemoryIndex::new(images.len());
            let image = if ty.shared {
                None
            } else {
                Self::build_one(
                    module,
                    defined,
                    ty.minimum.saturating_mul(ty.page_size()),
                    page,
                    dense_span,
                )?
            };
            any |= image.is_some();
            images.push(image.map(Arc::new));
        }
        if !any {
            return Ok(None);
        }
        let mut all_active_imaged = true;
        let imaged_data = module
            .data
            .values()
            .map(|seg| match &seg.kind {
                DataKind::Active { memory, .. } => {
                    let imaged = module
                        .defined_memory_index(*memory)
                        .is_some_and(|d| images[d].is_some());
                    all_active_imaged &= imaged;
                    imaged
                }
                DataKind::Passive => false,
            })
            .collect();
        Ok(Some(ModuleMemoryImages {
            images,
            imaged_data,
            all_active_imaged,
        }))
    }

    fn build_one(
        module: &Module,
        defined: DefinedMemoryIndex,
        min_bytes: u64,
        page: usize,
        dense_span: usize,
    ) -> Result<Option<MemoryImage>> {
        let target = module.memory_index(defined);
        let mut segments = Vec::new();
        for (_, seg) in module.data.iter() {
            let DataKind::Active { memory, offset } = &seg.kind else {
                continue;
            };
            if *memory != target {
                continue;
            }
            let start = match offset.ops.as_slice() {
                [ConstOp::I32Const(v)] => *v as u32 as u64,
                [ConstOp::I64Const(v)] => *v as u64,
                _ => return Ok(None),
            };
            match start.checked_add(seg.data.len() as u64) {
                Some(end) if end <= min_bytes => {}
                _ => return Ok(None),
            }
            if !seg.data.is_empty() {
                segments.push((start as usize, &seg.data[..]));
            }
        }
        let Some(lo) = segments.iter().map(|(s, _)| *s).min() else {
            return Ok(None);
        };
        let hi = segments
            .iter()
            .map(|(s, d)| s + d.len())
            .max()
            .unwrap_or(lo);
        let lo = lo & !(page - 1);
        let hi = (hi + page - 1) & !(page - 1);
        let span = hi - lo;
        let covered: usize = segments.iter().map(|(_, d)| d.len()).sum();
        if span > MAX_IMAGE_SPAN || (span > dense_span && covered < span / 2) {
            return Ok(None);
        }
        let mut contents = vec![0u8; span];
        for (start, data) in segments {
            contents[start - lo..start - lo + data.len()].copy_from_slice(data);
        }
        // Map the zeros around the data too (as file holes) when they are
        // few, so the whole initial memory is one mapping.
        let end = usize::try_from(min_bytes)
            .ok()
            .and_then(|b| b.checked_add(page - 1))
            .map(|b| b & !(page - 1))
            .unwrap_or(hi);
        let (offset, len) = if end >= hi && lo + (end - hi) <= MAX_ZERO_EXTENSION {
            (0, end)
        } else {
            (lo, span)
        };
        Ok(Some(MemoryImage::new(&contents, lo, offset, len)?))
    }

    /// The image of defined memory `index`, if it has one.
    pub fn get(&self, index: DefinedMemoryIndex) -> Option<&Arc<MemoryImage>> {
        self.images.get(index)?.as_ref()
    }

    /// Per data segment of the module: whether it is an active segment
    /// already in an image.
    pub fn imaged_data(&self) -> &[bool] {
        &self.imaged_data
    }

    /// Whether every active data segment of the module is in an image, so
    /// that instantiation copies no data at all.
    pub fn all_active_imaged(&self) -> bool {
        self.all_active_imaged
    }
}
