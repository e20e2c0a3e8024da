//! WASI preview 1 (`wasi_snapshot_preview1`): the per-store context
//! [`WasiP1Ctx`] and [`add_to_linker_sync`], which defines every function
//! of the module in a [`wasmtime::Linker`].
//!
//! Every pointer and length from the guest is checked against its memory
//! (`EFAULT` when out of bounds), every descriptor against the table
//! (`EBADF`), and every flag set and enumeration value against the spec
//! (`EINVAL`). Paths are resolved by `cap-std` beneath a directory
//! descriptor, so a guest cannot name anything outside its pre-opens.

use crate::cli::{StdinStream, StdoutStream};
use crate::errno::*;
use crate::mem::GuestMemory;
use crate::{DirPerms, FilePerms, I32Exit};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec,
};
use cap_rand::RngCore;
use cap_std::fs::{Dir, OpenOptions};
use rustix::event::PollFlags;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use wasmtime::{Caller, Extern, Linker};

type R<T = ()> = Result<T, Errno>;

/// The name of the module whose functions [`add_to_linker_sync`] defines.
const MODULE: &str = "wasi_snapshot_preview1";

// Rights (`rights` bit set).
const FD_DATASYNC: u64 = 1 << 0;
const FD_READ: u64 = 1 << 1;
const FD_SEEK: u64 = 1 << 2;
const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
const FD_SYNC: u64 = 1 << 4;
const FD_TELL: u64 = 1 << 5;
const FD_WRITE: u64 = 1 << 6;
const FD_ADVISE: u64 = 1 << 7;
const FD_ALLOCATE: u64 = 1 << 8;
const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
const PATH_CREATE_FILE: u64 = 1 << 10;
const PATH_LINK_SOURCE: u64 = 1 << 11;
const PATH_LINK_TARGET: u64 = 1 << 12;
const PATH_OPEN: u64 = 1 << 13;
const FD_READDIR: u64 = 1 << 14;
const PATH_READLINK: u64 = 1 << 15;
const PATH_RENAME_SOURCE: u64 = 1 << 16;
const PATH_RENAME_TARGET: u64 = 1 << 17;
const PATH_FILESTAT_GET: u64 = 1 << 18;
const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
const FD_FILESTAT_GET: u64 = 1 << 21;
const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
const PATH_SYMLINK: u64 = 1 << 24;
const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
const PATH_UNLINK_FILE: u64 = 1 << 26;
const POLL_FD_READWRITE: u64 = 1 << 27;
const SOCK_SHUTDOWN: u64 = 1 << 28;
const SOCK_ACCEPT: u64 = 1 << 29;
const RIGHTS_ALL: u64 = (1 << 30) - 1;

// `filetype`.
const FILETYPE_UNKNOWN: u8 = 0;
const FILETYPE_BLOCK_DEVICE: u8 = 1;
const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const FILETYPE_DIRECTORY: u8 = 3;
const FILETYPE_REGULAR_FILE: u8 = 4;
const FILETYPE_SOCKET_STREAM: u8 = 6;
const FILETYPE_SYMBOLIC_LINK: u8 = 7;

// `fdflags`.
const FDFLAGS_APPEND: u16 = 1;
const FDFLAGS_DSYNC: u16 = 2;
const FDFLAGS_NONBLOCK: u16 = 4;
const FDFLAGS_RSYNC: u16 = 8;
const FDFLAGS_SYNC: u16 = 16;
const FDFLAGS_ALL: u16 = 31;

// `oflags`.
const OFLAGS_CREAT: u16 = 1;
const OFLAGS_DIRECTORY: u16 = 2;
const OFLAGS_EXCL: u16 = 4;
const OFLAGS_TRUNC: u16 = 8;

// `lookupflags`.
const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

// `fstflags`.
const FST_ATIM: u16 = 1;
const FST_ATIM_NOW: u16 = 2;
const FST_MTIM: u16 = 4;
const FST_MTIM_NOW: u16 = 8;

// `eventtype`.
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;

// `eventrwflags`.
const EVENTRWFLAGS_FD_READWRITE_HANGUP: u16 = 1;

const DIRENT_SIZE: u32 = 24;

/// An open file.
pub(crate) struct FileDesc {
    file: std::fs::File,
    position: u64,
    append: bool,
    nonblock: bool,
    read: bool,
    write: bool,
    sync_flags: u16,
    perms: FilePerms,
}

/// An open directory with the permissions it was granted.
pub(crate) struct DirDesc {
    pub(crate) dir: Dir,
    pub(crate) perms: DirPerms,
    pub(crate) file_perms: FilePerms,
}

/// One entry of the descriptor table.
pub(crate) enum Descriptor {
    Stdin(Arc<dyn StdinStream>),
    Stdout(Arc<dyn StdoutStream>),
    Stderr(Arc<dyn StdoutStream>),
    File(FileDesc),
    /// A directory, with its guest name when it is a pre-open.
    Dir(DirDesc, Option<String>),
    TcpListener(std::net::TcpListener),
    TcpStream(std::net::TcpStream),
}

/// The state of WASI preview 1 for one store: arguments, environment, the
/// descriptor table and a random number generator. Made by
/// [`WasiCtxBuilder::build_p1`](crate::WasiCtxBuilder::build_p1).
pub struct WasiP1Ctx {
    args: Vec<String>,
    env: Vec<(String, String)>,
    table: Vec<Option<Descriptor>>,
    rng: cap_rand::rngs::StdRng,
}

/// Defines every `wasi_snapshot_preview1` function in `linker`. `f`
/// projects the store's data to its [`WasiP1Ctx`].
///
/// The functions use the calling instance's exported `memory`; a call from
/// an instance without one fails with an error (a trap for the guest).
pub fn add_to_linker_sync<T: Send + 'static>(
    linker: &mut Linker<T>,
    f: impl Fn(&mut T) -> &mut WasiP1Ctx + Copy + Send + Sync + 'static,
) -> anyhow::Result<()> {
    macro_rules! define {
        ($($name:ident($($arg:ident: $ty:ty),*);)*) => {$(
            linker.func_wrap(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> anyhow::Result<i32> {
                    let (mem, data) = memory_and_data(&mut caller)?;
                    let mut mem = GuestMemory(mem);
                    let ctx = f(data);
                    Ok(match ctx.$name(&mut mem, $($arg),*) {
                        Ok(()) => SUCCESS as i32,
                        Err(errno) => errno as i32,
                    })
                },
            )?;
        )*};
    }
    define! {
        args_get(argv: i32, buf: i32);
        args_sizes_get(count: i32, size: i32);
        environ_get(environ: i32, buf: i32);
        environ_sizes_get(count: i32, size: i32);
        clock_res_get(id: i32, out: i32);
        clock_time_get(id: i32, precision: i64, out: i32);
        fd_advise(fd: i32, offset: i64, len: i64, advice: i32);
        fd_allocate(fd: i32, offset: i64, len: i64);
        fd_close(fd: i32);
        fd_datasync(fd: i32);
        fd_fdstat_get(fd: i32, out: i32);
        fd_fdstat_set_flags(fd: i32, flags: i32);
        fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64);
        fd_filestat_get(fd: i32, out: i32);
        fd_filestat_set_size(fd: i32, size: i64);
        fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32);
        fd_pread(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32);
        fd_prestat_get(fd: i32, out: i32);
        fd_prestat_dir_name(fd: i32, path: i32, path_len: i32);
        fd_pwrite(fd: i32, iovs: i32, iovs_len: i32, offset: i64, out: i32);
        fd_read(fd: i32, iovs: i32, iovs_len: i32, out: i32);
        fd_readdir(fd: i32, buf: i32, buf_len: i32, cookie: i64, out: i32);
        fd_renumber(fd: i32, to: i32);
        fd_seek(fd: i32, offset: i64, whence: i32, out: i32);
        fd_sync(fd: i32);
        fd_tell(fd: i32, out: i32);
        fd_write(fd: i32, iovs: i32, iovs_len: i32, out: i32);
        path_create_directory(fd: i32, path: i32, path_len: i32);
        path_filestat_get(fd: i32, flags: i32, path: i32, path_len: i32, out: i32);
        path_filestat_set_times(fd: i32, flags: i32, path: i32, path_len: i32, atim: i64, mtim: i64, fst: i32);
        path_link(old_fd: i32, old_flags: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32);
        path_open(fd: i32, dirflags: i32, path: i32, path_len: i32, oflags: i32, base: i64, inheriting: i64, fdflags: i32, out: i32);
        path_readlink(fd: i32, path: i32, path_len: i32, buf: i32, buf_len: i32, out: i32);
        path_remove_directory(fd: i32, path: i32, path_len: i32);
        path_rename(fd: i32, old_path: i32, old_len: i32, new_fd: i32, new_path: i32, new_len: i32);
        path_symlink(old_path: i32, old_len: i32, fd: i32, new_path: i32, new_len: i32);
        path_unlink_file(fd: i32, path: i32, path_len: i32);
        poll_oneoff(subs: i32, events: i32, count: i32, out: i32);
        proc_raise(sig: i32);
        sched_yield();
        random_get(buf: i32, len: i32);
        sock_accept(fd: i32, flags: i32, out: i32);
        sock_recv(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32, out_flags: i32);
        sock_send(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out: i32);
        sock_shutdown(fd: i32, how: i32);
    }
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_caller: Caller<'_, T>, status: i32| -> anyhow::Result<()> {
            // As in Wasmtime: statuses outside [0, 126) are not valid exit
            // codes for a process and are reported as an error instead.
            let status = status as u32;
            if status < 126 {
                Err(I32Exit(status as i32).into())
            } else {
                Err(anyhow::anyhow!(
                    "exit with invalid exit status outside of [0..126)"
                ))
            }
        },
    )?;
    Ok(())
}

/// The calling instance's `memory` export and the store's data.
fn memory_and_data<'a, T>(
    caller: &'a mut Caller<'_, T>,
) -> anyhow::Result<(&'a mut [u8], &'a mut T)> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory.data_and_store_mut(caller)),
        _ => anyhow::bail!("missing required memory export"),
    }
}

fn io_err(e: std::io::Error) -> Errno {
    from_io(&e)
}

fn rustix_err(e: rustix::io::Errno) -> Errno {
    from_raw(e.raw_os_error())
}

/// `fdstat`/`filestat` contents, before serialization.
struct Stat {
    dev: u64,
    ino: u64,
    filetype: u8,
    nlink: u64,
    size: u64,
    atim: u64,
    mtim: u64,
    ctim: u64,
}

fn nanos(sec: i64, nsec: i64) -> u64 {
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
    fn from_std(m: &std::fs::Metadata) -> Stat {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        stat_from_metadata!(m)
    }

    fn from_cap(m: &cap_std::fs::Metadata) -> Stat {
        use cap_std::fs::{FileTypeExt, MetadataExt};
        stat_from_metadata!(m)
    }

    fn write(&self, m: &mut GuestMemory<'_>, ptr: u32) -> R {
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

fn filetype(dir: bool, file: bool, link: bool, block: bool, chr: bool, sock: bool) -> u8 {
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

fn write_fdstat(m: &mut GuestMemory<'_>, ptr: u32, ft: u8, flags: u16, base: u64, inh: u64) -> R {
    let mut b = [0u8; 24];
    b[0] = ft;
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[8..16].copy_from_slice(&base.to_le_bytes());
    b[16..24].copy_from_slice(&inh.to_le_bytes());
    m.write(ptr, &b)
}

/// A `timestamp` + `fstflags` pair as a `timespec` for `futimens`.
fn timespec(flags: u16, set: u16, now: u16, ts: u64) -> R<rustix::fs::Timespec> {
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
fn time_spec(flags: u16, set: u16, now: u16, ts: u64) -> R<Option<SystemTimeSpec>> {
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

fn clock_now(id: u32) -> R<u64> {
    let clock = match id {
        0 => rustix::time::ClockId::Realtime,
        1 => rustix::time::ClockId::Monotonic,
        2 | 3 => return Err(EBADF),
        _ => return Err(EINVAL),
    };
    let ts = rustix::time::clock_gettime(clock);
    Ok(nanos(ts.tv_sec, ts.tv_nsec))
}

// The methods take the WASI functions' parameters one for one.
#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    pub(crate) fn new(
        args: Vec<String>,
        env: Vec<(String, String)>,
        table: Vec<Option<Descriptor>>,
    ) -> WasiP1Ctx {
        WasiP1Ctx {
            args,
            env,
            table,
            rng: cap_rand::std_rng_from_os_rng(cap_rand::ambient_authority()),
        }
    }

    fn get(&self, fd: i32) -> R<&Descriptor> {
        self.table
            .get(fd as u32 as usize)
            .and_then(Option::as_ref)
            .ok_or(EBADF)
    }

    fn get_mut(&mut self, fd: i32) -> R<&mut Descriptor> {
        self.table
            .get_mut(fd as u32 as usize)
            .and_then(Option::as_mut)
            .ok_or(EBADF)
    }

    fn file(&self, fd: i32) -> R<&FileDesc> {
        match self.get(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(EBADF),
        }
    }

    fn file_mut(&mut self, fd: i32) -> R<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(EBADF),
        }
    }

    fn seekable(&mut self, fd: i32) -> R<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            Descriptor::Stdin(_) | Descriptor::Stdout(_) | Descriptor::Stderr(_) => Err(ESPIPE),
            Descriptor::TcpStream(_) | Descriptor::TcpListener(_) => Err(ESPIPE),
            Descriptor::Dir(..) => Err(EBADF),
        }
    }

    fn dir(&self, fd: i32) -> R<&DirDesc> {
        match self.get(fd)? {
            Descriptor::Dir(d, _) => Ok(d),
            Descriptor::File(_) => Err(ENOTDIR),
            _ => Err(EBADF),
        }
    }

    fn mutable_dir(&self, fd: i32) -> R<&DirDesc> {
        let d = self.dir(fd)?;
        if !d.perms.contains(DirPerms::MUTATE) {
            return Err(EPERM);
        }
        Ok(d)
    }

    /// `poll(2)` on the host descriptors behind `poll_oneoff`
    /// subscriptions: `what` maps a subscription to `(guest fd, read)`, with
    /// `None` for the host's stdin, or `None` when it waits on nothing.
    /// Returns, per subscription, the events seen (`None`: not ready), or
    /// `None` when no subscription waits on a host descriptor. `timeout`
    /// in nanoseconds, `None` for no limit.
    fn poll_host_fds<S>(
        &self,
        subs: &[(u64, u8, S)],
        timeout: Option<u64>,
        what: impl Fn(&S) -> Option<(Option<i32>, bool)>,
    ) -> R<Option<Vec<Option<PollFlags>>>> {
        use std::os::fd::AsFd;
        let mut owners = Vec::new();
        let mut fds = Vec::new();
        for (i, (_, _, sub)) in subs.iter().enumerate() {
            let Some((fd, read)) = what(sub) else {
                continue;
            };
            let host = match fd {
                None => crate::cli::Stdin.host_fd().ok_or(EBADF)?,
                Some(fd) => match self.get(fd)? {
                    Descriptor::TcpStream(s) => s.as_fd(),
                    Descriptor::TcpListener(l) => l.as_fd(),
                    _ => return Err(EBADF),
                },
            };
            let flags = if read { PollFlags::IN } else { PollFlags::OUT };
            fds.push(rustix::event::PollFd::from_borrowed_fd(host, flags));
            owners.push(i);
        }
        if fds.is_empty() {
            return Ok(None);
        }
        let ts = timeout.map(|t| rustix::time::Timespec {
            tv_sec: (t / 1_000_000_000) as i64,
            tv_nsec: (t % 1_000_000_000) as _,
        });
        loop {
            match rustix::event::poll(&mut fds, ts.as_ref()) {
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(rustix_err(e)),
            }
        }
        let mut seen = vec![None; subs.len()];
        for (fd, i) in fds.iter().zip(owners) {
            let events = fd.revents();
            if !events.is_empty() {
                seen[i] = Some(events);
            }
        }
        Ok(Some(seen))
    }

    /// The `nbytes` of a ready socket event: bytes waiting to be read on a
    /// stream, 1 on a listener (a connection to accept), 0 for writing.
    fn socket_ready_bytes(&self, fd: i32, read: bool) -> u64 {
        match self.get(fd) {
            Ok(Descriptor::TcpStream(s)) if read => {
                rustix::io::ioctl_fionread(s).map_or(0, u64::from)
            }
            Ok(Descriptor::TcpListener(_)) if read => 1,
            _ => 0,
        }
    }

    fn push(&mut self, desc: Descriptor) -> R<u32> {
        if let Some(i) = self.table.iter().position(Option::is_none) {
            self.table[i] = Some(desc);
            return Ok(i as u32);
        }
        let i = u32::try_from(self.table.len()).map_err(|_| EMFILE)?;
        self.table.push(Some(desc));
        Ok(i)
    }

    fn strings_sizes(m: &mut GuestMemory<'_>, items: &[Vec<u8>], count: i32, size: i32) -> R {
        let total: usize = items.iter().map(|s| s.len() + 1).sum();
        let total = u32::try_from(total).map_err(|_| EOVERFLOW)?;
        m.check(count as u32, 4)?;
        m.check(size as u32, 4)?;
        m.put_u32(count as u32, items.len() as u32)?;
        m.put_u32(size as u32, total)
    }

    fn strings_get(m: &mut GuestMemory<'_>, items: &[Vec<u8>], ptrs: i32, buf: i32) -> R {
        let (mut ptrs, mut buf) = (ptrs as u32, buf as u32);
        for item in items {
            m.put_u32(ptrs, buf)?;
            m.write(buf, item)?;
            let end = buf.checked_add(item.len() as u32).ok_or(EFAULT)?;
            m.write(end, &[0])?;
            ptrs = ptrs.checked_add(4).ok_or(EFAULT)?;
            buf = end.checked_add(1).ok_or(EFAULT)?;
        }
        Ok(())
    }

    fn arg_bytes(&self) -> Vec<Vec<u8>> {
        self.args.iter().map(|a| a.as_bytes().to_vec()).collect()
    }

    fn env_bytes(&self) -> Vec<Vec<u8>> {
        self.env
            .iter()
            .map(|(k, v)| format!("{k}={v}").into_bytes())
            .collect()
    }

    fn args_get(&mut self, m: &mut GuestMemory<'_>, argv: i32, buf: i32) -> R {
        Self::strings_get(m, &self.arg_bytes(), argv, buf)
    }

    fn args_sizes_get(&mut self, m: &mut GuestMemory<'_>, count: i32, size: i32) -> R {
        Self::strings_sizes(m, &self.arg_bytes(), count, size)
    }

    fn environ_get(&mut self, m: &mut GuestMemory<'_>, environ: i32, buf: i32) -> R {
        Self::strings_get(m, &self.env_bytes(), environ, buf)
    }

    fn environ_sizes_get(&mut self, m: &mut GuestMemory<'_>, count: i32, size: i32) -> R {
        Self::strings_sizes(m, &self.env_bytes(), count, size)
    }

    fn clock_res_get(&mut self, m: &mut GuestMemory<'_>, id: i32, out: i32) -> R {
        let clock = match id as u32 {
            0 => rustix::time::ClockId::Realtime,
            1 => rustix::time::ClockId::Monotonic,
            2 | 3 => return Err(EBADF),
            _ => return Err(EINVAL),
        };
        let ts = rustix::time::clock_getres(clock);
        m.put_u64(out as u32, nanos(ts.tv_sec, ts.tv_nsec).max(1))
    }

    fn clock_time_get(&mut self, m: &mut GuestMemory<'_>, id: i32, _precision: i64, out: i32) -> R {
        let now = clock_now(id as u32)?;
        m.put_u64(out as u32, now)
    }

    fn fd_advise(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        offset: i64,
        len: i64,
        advice: i32,
    ) -> R {
        use rustix::fs::Advice;
        let advice = match advice as u32 {
            0 => Advice::Normal,
            1 => Advice::Sequential,
            2 => Advice::Random,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            5 => Advice::NoReuse,
            _ => return Err(EINVAL),
        };
        let f = self.file(fd)?;
        rustix::fs::fadvise(
            &f.file,
            offset as u64,
            std::num::NonZeroU64::new(len as u64),
            advice,
        )
        .map_err(rustix_err)
    }

    fn fd_allocate(&mut self, _m: &mut GuestMemory<'_>, fd: i32, _offset: i64, _len: i64) -> R {
        // As in Wasmtime: preview 1 has no way to allocate on every host.
        self.file(fd)?;
        Err(ENOTSUP)
    }

    fn fd_close(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        let slot = self.table.get_mut(fd as u32 as usize).ok_or(EBADF)?;
        slot.take().ok_or(EBADF)?;
        Ok(())
    }

    fn fd_datasync(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        match self.get(fd)? {
            Descriptor::File(f) => f.file.sync_data().map_err(io_err),
            Descriptor::Dir(d, _) => rustix::fs::fdatasync(&d.dir).map_err(rustix_err),
            _ => Err(EBADF),
        }
    }

    fn fd_sync(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        match self.get(fd)? {
            Descriptor::File(f) => f.file.sync_all().map_err(io_err),
            Descriptor::Dir(d, _) => rustix::fs::fsync(&d.dir).map_err(rustix_err),
            _ => Err(EBADF),
        }
    }

    fn fd_fdstat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
        let out = out as u32;
        let tty = |t: bool| {
            if t {
                FILETYPE_CHARACTER_DEVICE
            } else {
                FILETYPE_UNKNOWN
            }
        };
        match self.get(fd)? {
            Descriptor::Stdin(s) => write_fdstat(m, out, tty(s.is_terminal()), 0, FD_READ, FD_READ),
            Descriptor::Stdout(s) | Descriptor::Stderr(s) => {
                write_fdstat(m, out, tty(s.is_terminal()), 0, FD_WRITE, FD_WRITE)
            }
            Descriptor::Dir(_, Some(_)) => {
                let base = PATH_CREATE_DIRECTORY
                    | PATH_CREATE_FILE
                    | PATH_LINK_SOURCE
                    | PATH_LINK_TARGET
                    | PATH_OPEN
                    | FD_READDIR
                    | PATH_READLINK
                    | PATH_RENAME_SOURCE
                    | PATH_RENAME_TARGET
                    | PATH_SYMLINK
                    | PATH_REMOVE_DIRECTORY
                    | PATH_UNLINK_FILE
                    | PATH_FILESTAT_GET
                    | PATH_FILESTAT_SET_TIMES
                    | FD_FILESTAT_GET
                    | FD_FILESTAT_SET_TIMES;
                let inh = base
                    | FD_DATASYNC
                    | FD_READ
                    | FD_SEEK
                    | FD_FDSTAT_SET_FLAGS
                    | FD_SYNC
                    | FD_TELL
                    | FD_WRITE
                    | FD_ADVISE
                    | FD_ALLOCATE
                    | FD_FILESTAT_GET
                    | FD_FILESTAT_SET_SIZE
                    | FD_FILESTAT_SET_TIMES
                    | POLL_FD_READWRITE;
                write_fdstat(m, out, FILETYPE_DIRECTORY, 0, base, inh)
            }
            Descriptor::Dir(_, None) => {
                let base = RIGHTS_ALL
                    & !(FD_SEEK | FD_FILESTAT_SET_SIZE | PATH_FILESTAT_SET_SIZE | FD_WRITE);
                write_fdstat(m, out, FILETYPE_DIRECTORY, 0, base, base)
            }
            Descriptor::File(f) => {
                let meta = f.file.metadata().map_err(io_err)?;
                let ft = Stat::from_std(&meta).filetype;
                let mut base = RIGHTS_ALL;
                if !f.read {
                    base &= !(FD_READ | FD_READDIR);
                }
                if !f.write {
                    base &= !FD_WRITE;
                }
                let mut flags = f.sync_flags;
                if f.append {
                    flags |= FDFLAGS_APPEND;
                }
                if f.nonblock {
                    flags |= FDFLAGS_NONBLOCK;
                }
                write_fdstat(m, out, ft, flags, base, base)
            }
            Descriptor::TcpListener(_) => {
                let base = SOCK_ACCEPT | POLL_FD_READWRITE | FD_FDSTAT_SET_FLAGS | FD_FILESTAT_GET;
                write_fdstat(m, out, FILETYPE_SOCKET_STREAM, 0, base, 0)
            }
            Descriptor::TcpStream(_) => {
                let base = FD_READ
                    | FD_WRITE
                    | SOCK_SHUTDOWN
                    | POLL_FD_READWRITE
                    | FD_FDSTAT_SET_FLAGS
                    | FD_FILESTAT_GET;
                write_fdstat(m, out, FILETYPE_SOCKET_STREAM, 0, base, 0)
            }
        }
    }

    fn fd_fdstat_set_flags(&mut self, _m: &mut GuestMemory<'_>, fd: i32, flags: i32) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !FDFLAGS_ALL != 0 {
            return Err(EINVAL);
        }
        let f = self.file_mut(fd)?;
        // Only APPEND and NONBLOCK can change, as in Wasmtime.
        if flags & (FDFLAGS_DSYNC | FDFLAGS_SYNC | FDFLAGS_RSYNC) != 0 {
            return Err(EINVAL);
        }
        f.append = flags & FDFLAGS_APPEND != 0;
        f.nonblock = flags & FDFLAGS_NONBLOCK != 0;
        Ok(())
    }

    fn fd_fdstat_set_rights(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        base: i64,
        inh: i64,
    ) -> R {
        if (base as u64 | inh as u64) & !RIGHTS_ALL != 0 {
            return Err(EINVAL);
        }
        self.get(fd)?;
        Err(ENOTSUP)
    }

    fn fd_filestat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
        let stat = match self.get(fd)? {
            Descriptor::Stdin(s) => stdio_stat(s.is_terminal()),
            Descriptor::Stdout(s) | Descriptor::Stderr(s) => stdio_stat(s.is_terminal()),
            Descriptor::File(f) => Stat::from_std(&f.file.metadata().map_err(io_err)?),
            Descriptor::Dir(d, _) => Stat::from_cap(&d.dir.dir_metadata().map_err(io_err)?),
            Descriptor::TcpListener(s) => Stat::from_std(&fd_metadata(s).map_err(rustix_err)?),
            Descriptor::TcpStream(s) => Stat::from_std(&fd_metadata(s).map_err(rustix_err)?),
        };
        stat.write(m, out as u32)
    }

    fn fd_filestat_set_size(&mut self, _m: &mut GuestMemory<'_>, fd: i32, size: i64) -> R {
        let f = self.file(fd)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(EPERM);
        }
        if size < 0 {
            return Err(EINVAL);
        }
        f.file.set_len(size as u64).map_err(io_err)
    }

    fn fd_filestat_set_times(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        atim: i64,
        mtim: i64,
        flags: i32,
    ) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !0xf != 0 {
            return Err(EINVAL);
        }
        let times = rustix::fs::Timestamps {
            last_access: timespec(flags, FST_ATIM, FST_ATIM_NOW, atim as u64)?,
            last_modification: timespec(flags, FST_MTIM, FST_MTIM_NOW, mtim as u64)?,
        };
        match self.get(fd)? {
            Descriptor::File(f) => {
                if !f.perms.contains(FilePerms::WRITE) {
                    return Err(EPERM);
                }
                rustix::fs::futimens(&f.file, &times).map_err(rustix_err)
            }
            Descriptor::Dir(d, _) => {
                if !d.perms.contains(DirPerms::MUTATE) {
                    return Err(EPERM);
                }
                // Relative to the directory itself: its descriptor may be
                // an `O_PATH` one, which `futimens` refuses.
                rustix::fs::utimensat(&d.dir, ".", &times, rustix::fs::AtFlags::empty())
                    .map_err(rustix_err)
            }
            _ => Err(EBADF),
        }
    }

    fn fd_read(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        out: i32,
    ) -> R {
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        // Like Wasmtime, one call fills (at most) the first non-empty buffer.
        let (ptr, len) = iovs.iter().copied().find(|(_, l)| *l > 0).unwrap_or((0, 0));
        let n = match self.get_mut(fd)? {
            Descriptor::File(f) => {
                let buf = m.slice_mut(ptr, len)?;
                let n = f.file.read_at(buf, f.position).map_err(io_err)?;
                f.position = f.position.checked_add(n as u64).ok_or(EOVERFLOW)?;
                n
            }
            Descriptor::Stdin(s) => s.read(m.slice_mut(ptr, len)?).map_err(io_err)?,
            Descriptor::TcpStream(s) => s.read(m.slice_mut(ptr, len)?).map_err(io_err)?,
            _ => return Err(EBADF),
        };
        m.put_u32(out as u32, n as u32)
    }

    fn fd_pread(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        offset: i64,
        out: i32,
    ) -> R {
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        let (ptr, len) = iovs.iter().copied().find(|(_, l)| *l > 0).unwrap_or((0, 0));
        let n = match self.get(fd)? {
            Descriptor::File(f) => f
                .file
                .read_at(m.slice_mut(ptr, len)?, offset as u64)
                .map_err(io_err)?,
            Descriptor::Stdin(_) => return Err(ESPIPE),
            _ => return Err(EBADF),
        };
        m.put_u32(out as u32, n as u32)
    }

    fn fd_write(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        out: i32,
    ) -> R {
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        let mut total: u64 = 0;
        match self.get_mut(fd)? {
            Descriptor::File(f) => {
                if f.append {
                    f.position = f.file.metadata().map_err(io_err)?.len();
                }
                for (ptr, len) in iovs {
                    let buf = m.slice(ptr, len)?;
                    let n = write_at(&f.file, buf, f.position)?;
                    f.position += n as u64;
                    total += n as u64;
                    if n < buf.len() {
                        break;
                    }
                }
            }
            Descriptor::Stdout(s) | Descriptor::Stderr(s) => {
                for (ptr, len) in iovs {
                    let buf = m.slice(ptr, len)?;
                    if buf.is_empty() {
                        continue;
                    }
                    s.write_all(buf).map_err(io_err)?;
                    total += buf.len() as u64;
                }
            }
            Descriptor::TcpStream(s) => {
                for (ptr, len) in iovs {
                    let buf = m.slice(ptr, len)?;
                    let n = s.write(buf).map_err(io_err)?;
                    total += n as u64;
                    if n < buf.len() {
                        break;
                    }
                }
            }
            _ => return Err(EBADF),
        }
        m.put_u32(out as u32, u32::try_from(total).map_err(|_| EOVERFLOW)?)
    }

    fn fd_pwrite(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        offset: i64,
        out: i32,
    ) -> R {
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        let mut total: u64 = 0;
        match self.get(fd)? {
            Descriptor::File(f) => {
                let mut pos = offset as u64;
                for (ptr, len) in iovs {
                    let buf = m.slice(ptr, len)?;
                    let n = write_at(&f.file, buf, pos)?;
                    pos += n as u64;
                    total += n as u64;
                    if n < buf.len() {
                        break;
                    }
                }
            }
            Descriptor::Stdout(_) | Descriptor::Stderr(_) => return Err(ESPIPE),
            _ => return Err(EBADF),
        }
        m.put_u32(out as u32, u32::try_from(total).map_err(|_| EOVERFLOW)?)
    }

    fn fd_prestat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
        match self.get(fd)? {
            Descriptor::Dir(_, Some(name)) => {
                let len = u32::try_from(name.len()).map_err(|_| EOVERFLOW)?;
                let mut b = [0u8; 8];
                b[4..8].copy_from_slice(&len.to_le_bytes());
                m.write(out as u32, &b)
            }
            _ => Err(EBADF),
        }
    }

    fn fd_prestat_dir_name(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        path: i32,
        path_len: i32,
    ) -> R {
        match self.get(fd)? {
            Descriptor::Dir(_, Some(name)) => {
                if name.len() > path_len as u32 as usize {
                    return Err(ENAMETOOLONG);
                }
                m.write(path as u32, name.as_bytes())
            }
            _ => Err(ENOTDIR),
        }
    }

    fn fd_readdir(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        buf: i32,
        buf_len: i32,
        cookie: i64,
        out: i32,
    ) -> R {
        let (buf, buf_len) = (buf as u32, buf_len as u32);
        m.check(buf, buf_len as u64)?;
        m.check(out as u32, 4)?;
        let d = self.dir(fd)?;
        let self_ino = {
            use cap_std::fs::MetadataExt;
            d.dir.dir_metadata().map_err(io_err)?.ino()
        };
        let mut entries: Vec<(u64, u8, Vec<u8>)> = vec![
            (self_ino, FILETYPE_DIRECTORY, b".".to_vec()),
            (self_ino, FILETYPE_DIRECTORY, b"..".to_vec()),
        ];
        for entry in d.dir.entries().map_err(io_err)? {
            use cap_std::fs::{FileTypeExt, MetadataExt};
            let entry = entry.map_err(io_err)?;
            let ft = entry.file_type().map_err(io_err)?;
            let ino = entry.metadata().map(|m| m.ino()).unwrap_or(0);
            let ty = filetype(
                ft.is_dir(),
                ft.is_file(),
                ft.is_symlink(),
                ft.is_block_device(),
                ft.is_char_device(),
                ft.is_socket(),
            );
            entries.push((ino, ty, entry.file_name().as_bytes().to_vec()));
        }
        let mut at = buf;
        let mut cap = buf_len;
        for (i, (ino, ty, name)) in entries.iter().enumerate().skip(cookie as u64 as usize) {
            let mut head = [0u8; DIRENT_SIZE as usize];
            head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            head[8..16].copy_from_slice(&ino.to_le_bytes());
            head[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
            head[20] = *ty;
            let n = cap.min(DIRENT_SIZE);
            m.write(at, &head[..n as usize])?;
            at += n;
            cap -= n;
            if cap == 0 {
                break;
            }
            let n = cap.min(name.len() as u32);
            m.write(at, &name[..n as usize])?;
            at += n;
            cap -= n;
            if cap == 0 {
                break;
            }
        }
        m.put_u32(out as u32, buf_len - cap)
    }

    fn fd_renumber(&mut self, _m: &mut GuestMemory<'_>, fd: i32, to: i32) -> R {
        self.get(fd)?;
        self.get(to)?;
        if fd != to {
            let desc = self.table[fd as u32 as usize].take();
            self.table[to as u32 as usize] = desc;
        }
        Ok(())
    }

    fn fd_seek(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        offset: i64,
        whence: i32,
        out: i32,
    ) -> R {
        m.check(out as u32, 8)?;
        let f = self.seekable(fd)?;
        let pos = match whence as u32 {
            0 if offset >= 0 => offset as u64,
            1 => f.position.checked_add_signed(offset).ok_or(EINVAL)?,
            2 => {
                let size = f.file.metadata().map_err(io_err)?.len();
                size.checked_add_signed(offset).ok_or(EINVAL)?
            }
            _ => return Err(EINVAL),
        };
        f.position = pos;
        m.put_u64(out as u32, pos)
    }

    fn fd_tell(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
        let pos = self.seekable(fd)?.position;
        m.put_u64(out as u32, pos)
    }

    fn path_create_directory(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        path: i32,
        len: i32,
    ) -> R {
        let path = m.str(path as u32, len as u32)?;
        let d = self.mutable_dir(fd)?;
        d.dir.create_dir(path).map_err(io_err)
    }

    fn path_filestat_get(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        flags: i32,
        path: i32,
        len: i32,
        out: i32,
    ) -> R {
        let follow = lookup_flags(flags)?;
        let path = m.str(path as u32, len as u32)?;
        let d = self.dir(fd)?;
        let meta = if follow {
            d.dir.metadata(&path)
        } else {
            d.dir.symlink_metadata(&path)
        }
        .map_err(io_err)?;
        Stat::from_cap(&meta).write(m, out as u32)
    }

    fn path_filestat_set_times(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        flags: i32,
        path: i32,
        len: i32,
        atim: i64,
        mtim: i64,
        fst: i32,
    ) -> R {
        let follow = lookup_flags(flags)?;
        let fst = u16::try_from(fst as u32).map_err(|_| EINVAL)?;
        if fst & !0xf != 0 {
            return Err(EINVAL);
        }
        let atime = time_spec(fst, FST_ATIM, FST_ATIM_NOW, atim as u64)?;
        let mtime = time_spec(fst, FST_MTIM, FST_MTIM_NOW, mtim as u64)?;
        let path = m.str(path as u32, len as u32)?;
        let d = self.mutable_dir(fd)?;
        if follow {
            d.dir.set_times(&path, atime, mtime)
        } else {
            d.dir.set_symlink_times(&path, atime, mtime)
        }
        .map_err(io_err)
    }

    fn path_link(
        &mut self,
        m: &mut GuestMemory<'_>,
        old_fd: i32,
        old_flags: i32,
        old_path: i32,
        old_len: i32,
        new_fd: i32,
        new_path: i32,
        new_len: i32,
    ) -> R {
        if lookup_flags(old_flags)? {
            // Following a symlink for the source is not supported, as in
            // Wasmtime.
            return Err(EINVAL);
        }
        let old_path = m.str(old_path as u32, old_len as u32)?;
        let new_path = m.str(new_path as u32, new_len as u32)?;
        // Both directories must allow mutation, as in Wasmtime.
        let src = self.mutable_dir(old_fd)?;
        let dst = self.mutable_dir(new_fd)?;
        src.dir
            .hard_link(&old_path, &dst.dir, &new_path)
            .map_err(io_err)
    }

    fn path_open(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        dirflags: i32,
        path: i32,
        len: i32,
        oflags: i32,
        base: i64,
        inheriting: i64,
        fdflags: i32,
        out: i32,
    ) -> R {
        let follow = lookup_flags(dirflags)?;
        let oflags = u16::try_from(oflags as u32).map_err(|_| EINVAL)?;
        let fdflags = u16::try_from(fdflags as u32).map_err(|_| EINVAL)?;
        let (base, inheriting) = (base as u64, inheriting as u64);
        if oflags & !0xf != 0
            || fdflags & !FDFLAGS_ALL != 0
            || (base | inheriting) & !RIGHTS_ALL != 0
        {
            return Err(EINVAL);
        }
        let path = m.str(path as u32, len as u32)?;
        m.check(out as u32, 4)?;
        let d = self.dir(fd)?;
        let read = base & (FD_READ | FD_READDIR) != 0;
        let write =
            base & (FD_WRITE | FD_ALLOCATE | FD_FILESTAT_SET_SIZE) != 0 && base & FD_WRITE != 0;
        let create = oflags & OFLAGS_CREAT != 0;
        let excl = oflags & OFLAGS_EXCL != 0;
        let trunc = oflags & OFLAGS_TRUNC != 0;
        let directory = oflags & OFLAGS_DIRECTORY != 0;

        if !d.perms.contains(DirPerms::READ) {
            return Err(EPERM);
        }
        // As in Wasmtime, a directory without `MUTATE` refuses every open
        // that could change a file, whatever the file permissions say.
        if (create || trunc || write) && !d.perms.contains(DirPerms::MUTATE) {
            return Err(EPERM);
        }
        // Creating opens the file for writing (as in Wasmtime), so it needs
        // the write permission too.
        if (write || create) && !d.file_perms.contains(FilePerms::WRITE) {
            return Err(EPERM);
        }
        if directory {
            if create || excl || trunc {
                return Err(EINVAL);
            }
            if write {
                return Err(EISDIR);
            }
            let dir = if follow {
                d.dir.open_dir(&path)
            } else {
                d.dir.open_dir_nofollow(&path)
            }
            .map_err(io_err)?;
            let desc = DirDesc {
                dir,
                perms: d.perms,
                file_perms: d.file_perms,
            };
            let new = self.push(Descriptor::Dir(desc, None))?;
            return m.put_u32(out as u32, new);
        }

        let mut opts = OpenOptions::new();
        opts.read(read || !write);
        opts.write(write);
        if create && excl {
            opts.create_new(true).write(true);
        } else if create {
            opts.create(true).write(true);
        }
        if trunc {
            // Truncating needs write access at the OS level.
            opts.truncate(true).write(true);
        }
        opts.maybe_dir(true);
        opts.follow(if follow {
            FollowSymlinks::Yes
        } else {
            FollowSymlinks::No
        });
        if fdflags & FDFLAGS_APPEND != 0 && !write {
            // Appending without write access is meaningless; the OS
            // would reject it later anyway.
        }
        let file = d.dir.open_with(&path, &opts).map_err(io_err)?;
        let file = file.into_std();
        let meta = file.metadata().map_err(io_err)?;
        let (perms, file_perms) = (d.perms, d.file_perms);
        let desc = if meta.is_dir() {
            if write {
                return Err(EISDIR);
            }
            Descriptor::Dir(
                DirDesc {
                    dir: Dir::from_std_file(file),
                    perms,
                    file_perms,
                },
                None,
            )
        } else {
            Descriptor::File(FileDesc {
                file,
                position: 0,
                append: fdflags & FDFLAGS_APPEND != 0,
                nonblock: fdflags & FDFLAGS_NONBLOCK != 0,
                read: read || !write,
                write: write || trunc || create,
                sync_flags: fdflags & (FDFLAGS_DSYNC | FDFLAGS_RSYNC | FDFLAGS_SYNC),
                perms: file_perms,
            })
        };
        let new = self.push(desc)?;
        m.put_u32(out as u32, new)
    }

    fn path_readlink(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        path: i32,
        len: i32,
        buf: i32,
        buf_len: i32,
        out: i32,
    ) -> R {
        let path = m.str(path as u32, len as u32)?;
        m.check(buf as u32, buf_len as u32 as u64)?;
        m.check(out as u32, 4)?;
        let d = self.dir(fd)?;
        let target = d.dir.read_link(&path).map_err(io_err)?;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(buf_len as u32 as usize);
        m.write(buf as u32, &bytes[..n])?;
        m.put_u32(out as u32, n as u32)
    }

    fn path_remove_directory(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        path: i32,
        len: i32,
    ) -> R {
        let path = m.str(path as u32, len as u32)?;
        let d = self.mutable_dir(fd)?;
        d.dir.remove_dir(&path).map_err(io_err)
    }

    fn path_rename(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        old_path: i32,
        old_len: i32,
        new_fd: i32,
        new_path: i32,
        new_len: i32,
    ) -> R {
        let old_path = m.str(old_path as u32, old_len as u32)?;
        let new_path = m.str(new_path as u32, new_len as u32)?;
        let src = self.mutable_dir(fd)?;
        let dst = self.mutable_dir(new_fd)?;
        src.dir
            .rename(&old_path, &dst.dir, &new_path)
            .map_err(io_err)
    }

    fn path_symlink(
        &mut self,
        m: &mut GuestMemory<'_>,
        old_path: i32,
        old_len: i32,
        fd: i32,
        new_path: i32,
        new_len: i32,
    ) -> R {
        let old_path = m.str(old_path as u32, old_len as u32)?;
        let new_path = m.str(new_path as u32, new_len as u32)?;
        let d = self.mutable_dir(fd)?;
        if old_path.starts_with('/') {
            // An absolute target could never be followed inside a sandbox.
            return Err(EPERM);
        }
        d.dir.symlink(&old_path, &new_path).map_err(io_err)
    }

    fn path_unlink_file(&mut self, m: &mut GuestMemory<'_>, fd: i32, path: i32, len: i32) -> R {
        let path = m.str(path as u32, len as u32)?;
        let d = self.mutable_dir(fd)?;
        d.dir.remove_file(&path).map_err(io_err)
    }

    fn poll_oneoff(
        &mut self,
        m: &mut GuestMemory<'_>,
        subs: i32,
        events: i32,
        count: i32,
        out: i32,
    ) -> R {
        let (subs, events, count) = (subs as u32, events as u32, count as u32);
        if count == 0 {
            return Err(EINVAL);
        }
        m.check(subs, count as u64 * 48)?;
        m.check(events, count as u64 * 32)?;
        m.check(out as u32, 4)?;

        enum Sub {
            Clock {
                deadline: u64,
            },
            Ready {
                nbytes: u64,
            },
            Failed {
                errno: Errno,
            },
            WaitStdin,
            /// A socket, polled for readability (`read`) or writability.
            WaitSocket {
                fd: i32,
                read: bool,
            },
        }
        let now = clock_now(1)?;
        let mut parsed = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = subs + i * 48;
            let userdata = m.u64(at)?;
            let tag = m.u8(at + 8)?;
            let sub = match tag {
                EVENTTYPE_CLOCK => {
                    let id = m.u32(at + 16)?;
                    let timeout = m.u64(at + 24)?;
                    let flags = m.u16(at + 40)?;
                    if flags & !1 != 0 {
                        return Err(EINVAL);
                    }
                    let abstime = flags & 1 != 0;
                    match id {
                        0 | 1 => {
                            let deadline = if !abstime {
                                now.saturating_add(timeout)
                            } else if id == 1 {
                                timeout
                            } else {
                                let real = clock_now(0)?;
                                now.saturating_add(timeout.saturating_sub(real))
                            };
                            Sub::Clock { deadline }
                        }
                        2 | 3 => Sub::Failed { errno: EBADF },
                        _ => return Err(EINVAL),
                    }
                }
                EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                    let fd = m.u32(at + 16)? as i32;
                    let reading = tag == EVENTTYPE_FD_READ;
                    match (self.get(fd), reading) {
                        (Err(errno), _) => Sub::Failed { errno },
                        (Ok(Descriptor::File(f)), true) => {
                            let size = f.file.metadata().map(|m| m.len()).unwrap_or(0);
                            Sub::Ready {
                                nbytes: size.saturating_sub(f.position),
                            }
                        }
                        (Ok(Descriptor::File(_)), false) => Sub::Ready { nbytes: 0 },
                        (Ok(Descriptor::Stdin(s)), true) => match s.ready_bytes() {
                            Some(n) => Sub::Ready { nbytes: n },
                            None => Sub::WaitStdin,
                        },
                        (Ok(Descriptor::Stdout(_) | Descriptor::Stderr(_)), false) => {
                            Sub::Ready { nbytes: 0 }
                        }
                        (Ok(Descriptor::TcpStream(_) | Descriptor::TcpListener(_)), read) => {
                            Sub::WaitSocket { fd, read }
                        }
                        (Ok(_), _) => Sub::Failed { errno: EBADF },
                    }
                }
                _ => return Err(EINVAL),
            };
            parsed.push((userdata, tag, sub));
        }

        let immediate = parsed
            .iter()
            .any(|(_, _, s)| matches!(s, Sub::Ready { .. } | Sub::Failed { .. }));
        let deadline = parsed
            .iter()
            .filter_map(|(_, _, s)| match s {
                Sub::Clock { deadline } => Some(*deadline),
                _ => None,
            })
            .min();
        // What the host can wait on: the host's stdin and sockets. With an
        // event already due, they are only sampled (zero timeout).
        let timeout = if immediate {
            Some(0)
        } else {
            deadline.map(|d| d.saturating_sub(now))
        };
        let revents = self.poll_host_fds(&parsed, timeout, |s| match s {
            Sub::WaitStdin => Some((None, true)),
            Sub::WaitSocket { fd, read } => Some((Some(*fd), *read)),
            _ => None,
        })?;
        if revents.is_none() && !immediate {
            if let Some(t) = timeout {
                std::thread::sleep(std::time::Duration::from_nanos(t));
            }
        }
        let now = clock_now(1)?;
        let mut written = 0u32;
        for (i, (userdata, tag, sub)) in parsed.iter().enumerate() {
            let polled = revents.as_ref().and_then(|r| r[i]);
            let hangup = polled.is_some_and(|f| f.contains(PollFlags::HUP));
            let (errno, nbytes) = match sub {
                Sub::Clock { deadline } if *deadline <= now => (SUCCESS, 0),
                Sub::Clock { .. } => continue,
                Sub::Ready { nbytes } => (SUCCESS, *nbytes),
                Sub::Failed { errno } => (*errno, 0),
                Sub::WaitStdin | Sub::WaitSocket { .. } if polled.is_none() => continue,
                Sub::WaitStdin => (SUCCESS, 1),
                Sub::WaitSocket { fd, read } => (SUCCESS, self.socket_ready_bytes(*fd, *read)),
            };
            let mut b = [0u8; 32];
            b[0..8].copy_from_slice(&userdata.to_le_bytes());
            b[8..10].copy_from_slice(&errno.to_le_bytes());
            b[10] = *tag;
            b[16..24].copy_from_slice(&nbytes.to_le_bytes());
            if hangup {
                b[24..26].copy_from_slice(&EVENTRWFLAGS_FD_READWRITE_HANGUP.to_le_bytes());
            }
            m.write(events + written * 32, &b)?;
            written += 1;
        }
        m.put_u32(out as u32, written)
    }

    fn proc_raise(&mut self, _m: &mut GuestMemory<'_>, _sig: i32) -> R {
        Err(ENOSYS)
    }

    fn sched_yield(&mut self, _m: &mut GuestMemory<'_>) -> R {
        std::thread::yield_now();
        Ok(())
    }

    fn random_get(&mut self, m: &mut GuestMemory<'_>, buf: i32, len: i32) -> R {
        let buf = m.slice_mut(buf as u32, len as u32)?;
        self.rng.fill_bytes(buf);
        Ok(())
    }

    fn sock_accept(&mut self, m: &mut GuestMemory<'_>, fd: i32, flags: i32, out: i32) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !FDFLAGS_NONBLOCK != 0 {
            return Err(EINVAL);
        }
        m.check(out as u32, 4)?;
        let stream = match self.get(fd)? {
            Descriptor::TcpListener(l) => l.accept().map_err(io_err)?.0,
            // accept(2) on a socket that is not listening.
            Descriptor::TcpStream(_) => return Err(EINVAL),
            _ => return Err(ENOTSOCK),
        };
        stream
            .set_nonblocking(flags & FDFLAGS_NONBLOCK != 0)
            .map_err(io_err)?;
        let new = self.push(Descriptor::TcpStream(stream))?;
        m.put_u32(out as u32, new)
    }

    fn sock_recv(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        flags: i32,
        out_len: i32,
        out_flags: i32,
    ) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !3 != 0 {
            return Err(EINVAL);
        }
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out_len as u32, 4)?;
        m.check(out_flags as u32, 2)?;
        let stream = match self.get_mut(fd)? {
            Descriptor::TcpStream(s) => s,
            Descriptor::TcpListener(_) => return Err(ENOTCONN),
            _ => return Err(ENOTSOCK),
        };
        let (ptr, len) = iovs.iter().copied().find(|(_, l)| *l > 0).unwrap_or((0, 0));
        let buf = m.slice_mut(ptr, len)?;
        let n = if flags & 1 != 0 {
            stream.peek(buf).map_err(io_err)?
        } else if flags & 2 != 0 {
            let mut got = 0;
            while got < buf.len() {
                match stream.read(&mut buf[got..]).map_err(io_err)? {
                    0 => break,
                    n => got += n,
                }
            }
            got
        } else {
            stream.read(buf).map_err(io_err)?
        };
        m.put_u32(out_len as u32, n as u32)?;
        m.write(out_flags as u32, &0u16.to_le_bytes())
    }

    fn sock_send(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        flags: i32,
        out: i32,
    ) -> R {
        if flags != 0 {
            return Err(EINVAL);
        }
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        let stream = match self.get_mut(fd)? {
            Descriptor::TcpStream(s) => s,
            Descriptor::TcpListener(_) => return Err(ENOTCONN),
            _ => return Err(ENOTSOCK),
        };
        let mut total = 0u32;
        for (ptr, len) in iovs {
            let buf = m.slice(ptr, len)?;
            let n = stream.write(buf).map_err(io_err)?;
            total += n as u32;
            if n < buf.len() {
                break;
            }
        }
        m.put_u32(out as u32, total)
    }

    fn sock_shutdown(&mut self, _m: &mut GuestMemory<'_>, fd: i32, how: i32) -> R {
        let how = match how as u32 {
            1 => std::net::Shutdown::Read,
            2 => std::net::Shutdown::Write,
            3 => std::net::Shutdown::Both,
            _ => return Err(EINVAL),
        };
        match self.get(fd)? {
            Descriptor::TcpStream(s) => s.shutdown(how).map_err(io_err),
            Descriptor::TcpListener(_) => Err(ENOTCONN),
            _ => Err(ENOTSOCK),
        }
    }
}

fn lookup_flags(flags: i32) -> R<bool> {
    let flags = flags as u32;
    if flags & !LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(EINVAL);
    }
    Ok(flags & LOOKUP_SYMLINK_FOLLOW != 0)
}

fn stdio_stat(tty: bool) -> Stat {
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

fn fd_metadata(fd: &impl std::os::fd::AsFd) -> Result<std::fs::Metadata, rustix::io::Errno> {
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
fn write_at(file: &std::fs::File, buf: &[u8], pos: u64) -> R<usize> {
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
