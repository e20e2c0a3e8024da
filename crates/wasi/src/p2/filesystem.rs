//! The values behind `wasi:filesystem` resources: [`Descriptor`] (an open
//! [`File`] or [`Dir`]), [`ReaddirIterator`] behind
//! `directory-entry-stream`, and the file streams of `read-via-stream`,
//! `write-via-stream` and `append-via-stream`.
//!
//! Every path a guest gives is resolved by `cap-std` beneath a directory
//! descriptor, which itself descends from a pre-opened directory: `..`
//! leading above it, absolute paths and symbolic links that point outside
//! fail (with `not-permitted`), so a guest cannot reach anything outside
//! its pre-opens. The pre-open's [`DirPerms`] and [`FilePerms`] are
//! inherited by everything opened beneath it and checked before the host
//! is asked to do anything.
//!
//! File I/O is synchronous: host functions and the file streams do their
//! system calls on the calling thread (as Wasmtime does with
//! `allow_blocking_current_thread`), so a file stream is always ready,
//! and a write to one is complete when `write` returns.
//!
//! Errors follow Wasmtime: a permission the pre-open lacks is
//! `not-permitted`; reading or writing a file not opened for it is
//! `bad-descriptor`; reading a directory as a stream is `is-directory`;
//! host `errno` values map to the code of the same meaning. Unlike
//! Wasmtime, the sync flags of `open-at` are honoured (the file is opened
//! with `O_SYNC`) rather than refused as `unsupported`, and `get-flags`
//! reports them; the status-change timestamp of `stat` is `ctime`.

use super::bindings::clocks::wall_clock::Datetime;
use super::bindings::filesystem::types::{
    DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
};
use super::io::{InputStream, OutputStream, Pollable, StreamError, StreamResult};
use super::FsError;
use crate::p1::DirDesc;
use crate::{DirPerms, FilePerms};
use bytes::{Bytes, BytesMut};
use cap_std::fs::{FileTypeExt, Metadata, MetadataExt};
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// The result of a `wasi:filesystem` operation.
pub type FsResult<T> = Result<T, FsError>;

/// The most bytes one `read` (of a descriptor or a file stream) returns,
/// so that a guest cannot make the host allocate without bound.
pub(crate) const MAX_READ: usize = 64 * 1024;

/// How many bytes a file output stream accepts at once.
const WRITE_BUDGET: usize = 1024 * 1024;

bitflags::bitflags! {
    /// How a descriptor was opened: what the guest asked for (and was
    /// allowed), reported back by `get-flags`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct OpenMode: u8 {
        /// Opened for reading (`read`).
        const READ = 0b1;
        /// Opened for writing (`write`; `mutate-directory` on a directory).
        const WRITE = 0b10;
        /// `file-integrity-sync` was asked for (and the file opened with
        /// `O_SYNC`).
        const SYNC = 0b100;
        /// `data-integrity-sync` was asked for (`cap-std`, through
        /// `rustix`, opens such files with `O_SYNC` too, which is
        /// stronger, so the flags cannot be read back from the host).
        const DSYNC = 0b1000;
        /// `requested-write-sync` was asked for (`O_RSYNC`, which is
        /// `O_SYNC` on Linux).
        const RSYNC = 0b1_0000;
    }
}

/// The value behind a `descriptor` resource.
pub enum Descriptor {
    /// An open file (or other non-directory).
    File(File),
    /// An open directory.
    Dir(Dir),
}

/// An open file with the permissions of the pre-open it was opened from.
pub struct File {
    pub(crate) file: Arc<std::fs::File>,
    pub(crate) perms: FilePerms,
    pub(crate) mode: OpenMode,
}

/// An open directory: a `cap-std` directory (shared with the pre-open it
/// is, if it is one) with its permissions.
pub struct Dir {
    pub(crate) desc: Arc<DirDesc>,
    pub(crate) mode: OpenMode,
}

impl Descriptor {
    /// The file, or `bad-descriptor` for a directory.
    pub(crate) fn file(&self) -> Result<&File, ErrorCode> {
        match self {
            Descriptor::File(f) => Ok(f),
            Descriptor::Dir(_) => Err(ErrorCode::BadDescriptor),
        }
    }

    /// The directory, or `not-directory` for a file.
    pub(crate) fn dir(&self) -> Result<&Dir, ErrorCode> {
        match self {
            Descriptor::Dir(d) => Ok(d),
            Descriptor::File(_) => Err(ErrorCode::NotDirectory),
        }
    }

    /// The metadata of the open object.
    pub(crate) fn metadata(&self) -> io::Result<Metadata> {
        match self {
            Descriptor::File(f) => Metadata::from_file(&f.file),
            Descriptor::Dir(d) => d.desc.dir.dir_metadata(),
        }
    }

    /// Calls `f` with a file descriptor of the open object that system
    /// calls such as `fsync` and `futimens` accept. `cap-std` holds
    /// directories as `O_PATH` descriptors, which they reject, so a
    /// directory is opened again (as `.`, beneath itself) for reading.
    pub(crate) fn with_fd<R>(
        &self,
        f: impl FnOnce(std::os::fd::BorrowedFd<'_>) -> rustix::io::Result<R>,
    ) -> io::Result<R> {
        use cap_fs_ext::OpenOptionsMaybeDirExt;
        use std::os::fd::AsFd;
        match self {
            Descriptor::File(file) => Ok(f(file.file.as_fd())?),
            Descriptor::Dir(d) => {
                let mut opts = cap_std::fs::OpenOptions::new();
                opts.read(true).maybe_dir(true);
                let dir = d.desc.dir.open_with(".", &opts)?;
                Ok(f(dir.as_fd())?)
            }
        }
    }
}

impl File {
    /// Fails with `not-permitted` unless the pre-open allows writing files,
    /// and with `bad-descriptor` unless this one was opened for writing.
    pub(crate) fn check_write(&self) -> Result<(), ErrorCode> {
        if !self.perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted);
        }
        if !self.mode.contains(OpenMode::WRITE) {
            return Err(ErrorCode::BadDescriptor);
        }
        Ok(())
    }

    /// The same for reading.
    pub(crate) fn check_read(&self) -> Result<(), ErrorCode> {
        if !self.perms.contains(FilePerms::READ) {
            return Err(ErrorCode::NotPermitted);
        }
        if !self.mode.contains(OpenMode::READ) {
            return Err(ErrorCode::BadDescriptor);
        }
        Ok(())
    }
}

impl Dir {
    /// A pre-opened directory, with the mode its permissions give.
    pub(crate) fn preopen(desc: Arc<DirDesc>) -> Dir {
        let mut mode = OpenMode::empty();
        if desc.perms.contains(DirPerms::READ) {
            mode |= OpenMode::READ;
        }
        if desc.perms.contains(DirPerms::MUTATE) {
            mode |= OpenMode::WRITE;
        }
        Dir { desc, mode }
    }

    /// The `cap-std` directory.
    pub(crate) fn cap(&self) -> &cap_std::fs::Dir {
        &self.desc.dir
    }

    /// Fails with `not-permitted` unless the directory may be read
    /// (listed, and looked into).
    pub(crate) fn check_read(&self) -> Result<(), ErrorCode> {
        if self.desc.perms.contains(DirPerms::READ) {
            Ok(())
        } else {
            Err(ErrorCode::NotPermitted)
        }
    }

    /// Fails with `not-permitted` unless entries may be created, removed,
    /// renamed or changed.
    pub(crate) fn check_mutate(&self) -> Result<(), ErrorCode> {
        if self.desc.perms.contains(DirPerms::MUTATE) {
            Ok(())
        } else {
            Err(ErrorCode::NotPermitted)
        }
    }
}

/// The `error-code` for a host I/O error: the `errno` if there is one
/// (as Wasmtime maps them, plus the codes Wasmtime leaves as `io`, such
/// as `cross-device` and `read-only`), otherwise by kind. `cap-std`
/// reports attempts to leave a sandbox as `PermissionDenied` without an
/// `errno`, which is `not-permitted`.
pub(crate) fn error_code(err: &io::Error) -> ErrorCode {
    if let Some(code) = err.raw_os_error().and_then(errno_code) {
        return code;
    }
    match err.kind() {
        io::ErrorKind::NotFound => ErrorCode::NoEntry,
        io::ErrorKind::PermissionDenied => ErrorCode::NotPermitted,
        io::ErrorKind::AlreadyExists => ErrorCode::Exist,
        io::ErrorKind::InvalidInput => ErrorCode::Invalid,
        _ => ErrorCode::Io,
    }
}

/// The `error-code` of a host `errno` value, if it has one.
fn errno_code(errno: i32) -> Option<ErrorCode> {
    use libc::*;
    Some(match errno {
        EACCES => ErrorCode::Access,
        EAGAIN => ErrorCode::WouldBlock,
        EALREADY => ErrorCode::Already,
        EBADF => ErrorCode::BadDescriptor,
        EBUSY => ErrorCode::Busy,
        EDEADLK => ErrorCode::Deadlock,
        EDQUOT => ErrorCode::Quota,
        EEXIST => ErrorCode::Exist,
        EFBIG => ErrorCode::FileTooLarge,
        EILSEQ => ErrorCode::IllegalByteSequence,
        EINPROGRESS => ErrorCode::InProgress,
        EINTR => ErrorCode::Interrupted,
        EINVAL => ErrorCode::Invalid,
        EIO => ErrorCode::Io,
        EISDIR => ErrorCode::IsDirectory,
        ELOOP => ErrorCode::Loop,
        EMLINK => ErrorCode::TooManyLinks,
        EMSGSIZE => ErrorCode::MessageSize,
        ENAMETOOLONG => ErrorCode::NameTooLong,
        ENODEV => ErrorCode::NoDevice,
        ENOENT => ErrorCode::NoEntry,
        ENOLCK => ErrorCode::NoLock,
        ENOMEM => ErrorCode::InsufficientMemory,
        ENOSPC => ErrorCode::InsufficientSpace,
        ENOTDIR => ErrorCode::NotDirectory,
        ENOTEMPTY => ErrorCode::NotEmpty,
        ENOTRECOVERABLE => ErrorCode::NotRecoverable,
        ENOTSUP | ENOSYS => ErrorCode::Unsupported,
        ENOTTY => ErrorCode::NoTty,
        ENXIO => ErrorCode::NoSuchDevice,
        EOVERFLOW => ErrorCode::Overflow,
        EPERM => ErrorCode::NotPermitted,
        EPIPE => ErrorCode::Pipe,
        EROFS => ErrorCode::ReadOnly,
        ESPIPE => ErrorCode::InvalidSeek,
        ETXTBSY => ErrorCode::TextFileBusy,
        EXDEV => ErrorCode::CrossDevice,
        _ => return None,
    })
}

impl From<io::Error> for FsError {
    fn from(err: io::Error) -> Self {
        error_code(&err).into()
    }
}

impl From<rustix::io::Errno> for FsError {
    fn from(err: rustix::io::Errno) -> Self {
        io::Error::from(err).into()
    }
}

/// The `descriptor-type` of a file type.
pub(crate) fn descriptor_type(ft: cap_std::fs::FileType) -> DescriptorType {
    if ft.is_dir() {
        DescriptorType::Directory
    } else if ft.is_symlink() {
        DescriptorType::SymbolicLink
    } else if ft.is_file() {
        DescriptorType::RegularFile
    } else if ft.is_block_device() {
        DescriptorType::BlockDevice
    } else if ft.is_char_device() {
        DescriptorType::CharacterDevice
    } else if ft.is_fifo() {
        DescriptorType::Fifo
    } else if ft.is_socket() {
        DescriptorType::Socket
    } else {
        DescriptorType::Unknown
    }
}

/// A timestamp as a `datetime`; `None` before the epoch.
fn datetime(sec: i64, nsec: i64) -> Option<Datetime> {
    Some(Datetime {
        seconds: u64::try_from(sec).ok()?,
        nanoseconds: u32::try_from(nsec).ok().filter(|n| *n < 1_000_000_000)?,
    })
}

/// The `descriptor-stat` of `meta`. The status-change timestamp is the
/// inode's `ctime`.
pub(crate) fn descriptor_stat(meta: &Metadata) -> DescriptorStat {
    DescriptorStat {
        type_: descriptor_type(meta.file_type()),
        link_count: meta.nlink(),
        size: meta.len(),
        data_access_timestamp: datetime(meta.atime(), meta.atime_nsec()),
        data_modification_timestamp: datetime(meta.mtime(), meta.mtime_nsec()),
        status_change_timestamp: datetime(meta.ctime(), meta.ctime_nsec()),
    }
}

/// The `metadata-hash-value` of an object: two 64-bit hashes of its
/// device and inode numbers (so equal exactly for the same object).
pub(crate) fn metadata_hash(meta: &Metadata) -> (u64, u64) {
    use std::hash::{Hash, Hasher};
    let hash = |salt: u64| {
        let mut h = std::hash::DefaultHasher::new();
        (salt, meta.dev(), meta.ino()).hash(&mut h);
        h.finish()
    };
    (hash(0), hash(0x5741_5349_2d66_7321))
}

/// Reads up to `len` bytes at `offset`, retrying when interrupted.
pub(crate) fn read_at(file: &std::fs::File, len: usize, offset: u64) -> io::Result<Bytes> {
    let mut buf = BytesMut::zeroed(len.min(MAX_READ));
    loop {
        match file.read_at(&mut buf, offset) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf.freeze());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes all of `data` at the end of `file`, whatever its cursor: with
/// `pwritev2(RWF_APPEND)`, or where the kernel lacks it, by switching the
/// open file to `O_APPEND` for the write.
pub(crate) fn append(file: &std::fs::File, mut data: &[u8]) -> io::Result<()> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    use rustix::io::{pwritev2, Errno, ReadWriteFlags};
    while !data.is_empty() {
        let n = match pwritev2(file, &[io::IoSlice::new(data)], 0, ReadWriteFlags::APPEND) {
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(Errno::NOSYS | Errno::NOTSUP | Errno::INVAL) => {
                let old = fcntl_getfl(file)?;
                fcntl_setfl(file, old | OFlags::APPEND)?;
                let result = rustix::io::write(file, data);
                fcntl_setfl(file, old)?;
                result?
            }
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        data = &data[n..];
    }
    Ok(())
}

/// The `input-stream` of `read-via-stream`: reads the file from an offset
/// on, synchronously.
pub(crate) struct FileInputStream {
    file: Arc<std::fs::File>,
    position: u64,
    closed: bool,
}

impl FileInputStream {
    pub(crate) fn new(file: &File, position: u64) -> Self {
        FileInputStream {
            file: file.file.clone(),
            position,
            closed: false,
        }
    }
}

#[async_trait::async_trait]
impl Pollable for FileInputStream {
    async fn ready(&mut self) {}
}

impl InputStream for FileInputStream {
    fn read(&mut self, size: usize) -> StreamResult<Bytes> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if size == 0 {
            return Ok(Bytes::new());
        }
        match read_at(&self.file, size, self.position) {
            Ok(bytes) if bytes.is_empty() => {
                self.closed = true;
                Err(StreamError::Closed)
            }
            Ok(bytes) => {
                self.position += bytes.len() as u64;
                Ok(bytes)
            }
            Err(e) => {
                self.closed = true;
                Err(StreamError::LastOperationFailed(e.into()))
            }
        }
    }
}

/// Where a file output stream writes.
enum OutputMode {
    /// At this offset, which advances.
    Position(u64),
    /// At the end of the file.
    Append,
}

/// The `output-stream` of `write-via-stream` and `append-via-stream`:
/// each write is done (completely) when it is made.
pub(crate) struct FileOutputStream {
    file: Arc<std::fs::File>,
    mode: OutputMode,
    closed: bool,
}

impl FileOutputStream {
    pub(crate) fn write_at(file: &File, position: u64) -> Self {
        FileOutputStream {
            file: file.file.clone(),
            mode: OutputMode::Position(position),
            closed: false,
        }
    }

    pub(crate) fn append(file: &File) -> Self {
        FileOutputStream {
            file: file.file.clone(),
            mode: OutputMode::Append,
            closed: false,
        }
    }
}

#[async_trait::async_trait]
impl Pollable for FileOutputStream {
    async fn ready(&mut self) {}
}

impl OutputStream for FileOutputStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        if bytes.len() > WRITE_BUDGET {
            return Err(StreamError::trap("write exceeded the permitted budget"));
        }
        let result = match &mut self.mode {
            OutputMode::Position(p) => self.file.write_all_at(&bytes, *p).map(|()| {
                *p += bytes.len() as u64;
            }),
            OutputMode::Append => append(&self.file, &bytes),
        };
        result.map_err(|e| {
            self.closed = true;
            StreamError::LastOperationFailed(e.into())
        })
    }

    fn flush(&mut self) -> StreamResult<()> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        if self.closed {
            return Err(StreamError::Closed);
        }
        Ok(WRITE_BUDGET)
    }
}

/// The value behind a `directory-entry-stream` resource: the entries of a
/// directory, read when the stream was made.
pub struct ReaddirIterator {
    entries: std::vec::IntoIter<FsResult<DirectoryEntry>>,
}

impl ReaddirIterator {
    /// Lists `dir` (without `.` and `..`).
    pub(crate) fn new(dir: &cap_std::fs::Dir) -> io::Result<ReaddirIterator> {
        let entries = dir
            .entries()?
            .map(|entry| -> FsResult<DirectoryEntry> {
                let entry = entry?;
                let type_ = descriptor_type(entry.file_type()?);
                let name = entry
                    .file_name()
                    .into_string()
                    .map_err(|_| FsError::from(ErrorCode::IllegalByteSequence))?;
                Ok(DirectoryEntry { type_, name })
            })
            .collect::<Vec<_>>();
        Ok(ReaddirIterator {
            entries: entries.into_iter(),
        })
    }

    /// The next entry, or `None` at the end.
    pub(crate) fn next_entry(&mut self) -> FsResult<Option<DirectoryEntry>> {
        self.entries.next().transpose()
    }
}
