//! Host-side helpers of the preview-1 functions: error and time
//! conversions, `fdstat`/`filestat` serialization, metadata lookups.

use super::abi::*;
use crate::errno::*;
use crate::mem::GuestMemory;
use cap_fs_ext::SystemTimeSpec;
use std::os::unix::fs::FileExt;

pub(super) fn io_err(e: std::io::Error) -> Errno {
    from_io(&e)
}

pub(super) fn rustix_err(e: rustix::io::Errno) -> Errno {
    from_raw(e.raw_os_error())
}

/// `fdstat`/`filestat` contents, before serialization.
pub(super) struct Stat {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) filetype: u8,
    pub(super) nlink: u64,
    pub(super) size: u64,
    pub(super) atim: u64,
    pub(super) mtim: u64,
    pub(super) ctim: u64,
}

pub(super) fn nanos(sec: i64, nsec: i64) -> u64 {
    if sec < 0 {
        return 0;
    }
    (sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nsec as u64)
}

/// Builds a [`Stat`] from the metadata of `std` or of `cap-std`, whose
/// `FileTypeExt`/`MetadataExt` traits (imported by the caller) name the
/// same methods.
macro_rules! stat_from_metadata {
    ($m:expr) => {{
        let m = $m;
        let ft = m.file_type();
        Stat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: filetype(
                ft.is_dir(),
                ft.is_file(),
                ft.is_symlink(),
                ft.is_block_device(),
                ft.is_char_device(),
                ft.is_socket(),
            ),
            nlink: m.nlink(),
            size: m.size(),
            atim: nanos(m.atime(), m.atime_nsec()),
            mtim: nanos(m.mtime(), m.mtime_nsec()),
            ctim: nanos(m.ctime(), m.ctime_nsec()),
        }
    }};
}

impl Stat {
    pub(super) fn from_std(m: &std::fs::Metadata) -> Stat {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        stat_from_metadata!(m)
    }

    pub(super) fn from_cap(m: &cap_std::fs::Metadata) -> Stat {
        use cap_std::fs::{FileTypeExt, MetadataExt};
        stat_from_metadata!(m)
    }

    pub(super) fn write(&self, m: &mut GuestMemory<'_>, ptr: u32) -> R {
        let mut b = [0u8; 64];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        m.write(ptr, &b)
    }
}

pub(super) fn filetype(
    dir: bool,
    file: bool,
    link: bool,
    block: bool,
    chr: bool,
    sock: bool,
) -> u8 {
    if dir {
        FILETYPE_DIRECTORY
    } else if file {
        FILETYPE_REGULAR_FILE
    } else if link {
        FILETYPE_SYMBOLIC_LINK
    } else if block {
        FILETYPE_BLOCK_DEVICE
    } else if chr {
        FILETYPE_CHARACTER_DEVICE
    } else if sock {
        FILETYPE_SOCKET_STREAM
    } else {
        FILETYPE_UNKNOWN
    }
}

pub(super) fn write_fdstat(
    m: &mut GuestMemory<'_>,
    ptr: u32,
    ft: u8,
    flags: u16,
    base: u64,
    inh: u64,
) -> R {
    let mut b = [0u8; 24];
    b[0] = ft;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inh.to_le_bytes());
    m.write(ptr, &b)
}

/// A `timestamp` + `fstflags` pair as a `timespec` for `futimens`.
pub(super) fn timespec(flags: u16, set: u16, now: u16, ts: u64) -> R<rustix::fs::Timespec> {
    if flags & set != 0 && flags & now != 0 {
        return Err(EINVAL);
    }
    Ok(if flags & now != 0 {
        rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        }
    } else if flags & set != 0 {
        rustix::fs::Timespec {
            tv_sec: (ts / 1_000_000_000) as i64,
            tv_nsec: (ts % 1_000_000_000) as _,
        }
    } else {
        rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        }
    })
}

/// A `timestamp` + `fstflags` pair as a `cap-std` time specification.
pub(super) fn time_spec(flags: u16, set: u16, now: u16, ts: u64) -> R<Option<SystemTimeSpec>> {
    if flags & set != 0 && flags & now != 0 {
        return Err(EINVAL);
    }
    Ok(if flags & now != 0 {
        Some(SystemTimeSpec::SymbolicNow)
    } else if flags & set != 0 {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ts);
        Some(SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(t),
        ))
    } else {
        None
    })
}

pub(super) fn clock_now(id: u32) -> R<u64> {
    let clock = match id {
        0 => rustix::time::ClockId::Realtime,
        1 => rustix::time::ClockId::Monotonic,
        2 | 3 => return Err(EBADF),
        _ => return Err(EINVAL),
    };
    let ts = rustix::time::clock_gettime(clock);
    Ok(nanos(ts.tv_sec, ts.tv_nsec))
}

pub(super) fn lookup_flags(flags: i32) -> R<bool> {
    let flags = flags as u32;
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(EINVAL);
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

pub(super) fn stdio_stat(tty: bool) -> Stat {
    Stat {
        dev: 0,
        ino: 0,
        filetype: if tty {
            FILETYPE_CHARACTER_DEVICE
        } else {
            FILETYPE_UNKNOWN
        },
        nlink: 0,
        size: 0,
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

pub(super) fn fd_metadata(
    fd: &impl std::os::fd::AsFd,
) -> Result<std::fs::Metadata, rustix::io::Errno> {
    let owned = fd
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| rustix::io::Errno::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO)))?;
    std::fs::File::from(owned)
        .metadata()
        .map_err(|e| rustix::io::Errno::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO)))
}

/// Writes `buf` at `pos`, retrying short writes; returns the bytes written
/// (fewer only if a later attempt failed after some progress).
pub(super) fn write_at(file: &std::fs::File, buf: &[u8], pos: u64) -> R<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.write_at(&buf[done..], pos + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if done == 0 => return Err(io_err(e)),
            Err(_) => break,
        }
    }
    Ok(done)
}
