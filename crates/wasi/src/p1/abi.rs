//! The preview-1 ABI's flag and enumeration values, as the WASI
//! `wasi_snapshot_preview1` witx defines them.

use crate::errno::Errno;

/// The result of a preview-1 function: a value or an `errno`.
pub(super) type R<T = ()> = Result<T, Errno>;

// Rights (`rights` bit set).
pub(super) const FD_DATASYNC: u64 = 1 << 0;
pub(super) const FD_READ: u64 = 1 << 1;
pub(super) const FD_SEEK: u64 = 1 << 2;
pub(super) const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub(super) const FD_SYNC: u64 = 1 << 4;
pub(super) const FD_TELL: u64 = 1 << 5;
pub(super) const FD_WRITE: u64 = 1 << 6;
pub(super) const FD_ADVISE: u64 = 1 << 7;
pub(super) const FD_ALLOCATE: u64 = 1 << 8;
pub(super) const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
pub(super) const PATH_CREATE_FILE: u64 = 1 << 10;
pub(super) const PATH_LINK_SOURCE: u64 = 1 << 11;
pub(super) const PATH_LINK_TARGET: u64 = 1 << 12;
pub(super) const PATH_OPEN: u64 = 1 << 13;
pub(super) const FD_READDIR: u64 = 1 << 14;
pub(super) const PATH_READLINK: u64 = 1 << 15;
pub(super) const PATH_RENAME_SOURCE: u64 = 1 << 16;
pub(super) const PATH_RENAME_TARGET: u64 = 1 << 17;
pub(super) const PATH_FILESTAT_GET: u64 = 1 << 18;
pub(super) const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
pub(super) const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
pub(super) const FD_FILESTAT_GET: u64 = 1 << 21;
pub(super) const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
pub(super) const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
pub(super) const PATH_SYMLINK: u64 = 1 << 24;
pub(super) const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
pub(super) const PATH_UNLINK_FILE: u64 = 1 << 26;
pub(super) const POLL_FD_READWRITE: u64 = 1 << 27;
pub(super) const SOCK_SHUTDOWN: u64 = 1 << 28;
pub(super) const SOCK_ACCEPT: u64 = 1 << 29;
pub(super) const RIGHTS_ALL: u64 = (1 << 30) - 1;

// `filetype`.
pub(super) const FILETYPE_UNKNOWN: u8 = 0;
pub(super) const FILETYPE_BLOCK_DEVICE: u8 = 1;
pub(super) const FILETYPE_CHARACTER_DEVICE: u8 = 2;
pub(super) const FILETYPE_DIRECTORY: u8 = 3;
pub(super) const FILETYPE_REGULAR_FILE: u8 = 4;
pub(super) const FILETYPE_SOCKET_STREAM: u8 = 6;
pub(super) const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// `fdflags`.
pub(super) const FDFLAGS_APPEND: u16 = 1;
pub(super) const FDFLAGS_DSYNC: u16 = 2;
pub(super) const FDFLAGS_NONBLOCK: u16 = 4;
pub(super) const FDFLAGS_RSYNC: u16 = 8;
pub(super) const FDFLAGS_SYNC: u16 = 16;
pub(super) const FDFLAGS_ALL: u16 = 31;

// `oflags`.
pub(super) const OFLAGS_CREAT: u16 = 1;
pub(super) const OFLAGS_DIRECTORY: u16 = 2;
pub(super) const OFLAGS_EXCL: u16 = 4;
pub(super) const OFLAGS_TRUNC: u16 = 8;

// `lookupflags`.
pub(super) const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// `fstflags`.
pub(super) const FST_ATIM: u16 = 1;
pub(super) const FST_ATIM_NOW: u16 = 2;
pub(super) const FST_MTIM: u16 = 4;
pub(super) const FST_MTIM_NOW: u16 = 8;

// `eventtype`.
pub(super) const EVENTTYPE_CLOCK: u8 = 0;
pub(super) const EVENTTYPE_FD_READ: u8 = 1;
pub(super) const EVENTTYPE_FD_WRITE: u8 = 2;

// `eventrwflags`.
pub(super) const EVENTRWFLAGS_FD_READWRITE_HANGUP: u16 = 1;

pub(super) const DIRENT_SIZE: u32 = 24;
