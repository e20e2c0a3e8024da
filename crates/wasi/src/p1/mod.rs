//! WASI preview 1 (`wasi_snapshot_preview1`): the per-store context
//! [`WasiP1Ctx`] and [`add_to_linker_sync`], which defines every function
//! of the module in a [`wasmtime::Linker`] (and [`add_to_linker_async`],
//! which defines them as async host functions).
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
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt};
use cap_rand::RngCore;
use cap_std::fs::{Dir, OpenOptions};
use rustix::event::PollFlags;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use wasmtime::{Caller, Extern, Linker};

/// The name of the module whose functions [`add_to_linker_sync`] defines.
const MODULE: &str = "wasi_snapshot_preview1";

/// Calls `$define! { immediate { ... } waiting { ... } }` with every
/// `wasi_snapshot_preview1` function but `proc_exit`, each implemented by
/// the [`WasiP1Ctx`] method of its name, `ctx.name(&mut mem, args...)`.
/// The `waiting` ones may wait (for time to pass, or a descriptor to be
/// ready); the `immediate` ones complete at once. Shared by
/// [`add_to_linker_sync`] and [`add_to_linker_async`].
macro_rules! wasi_functions {
    ($define:ident) => {
        $define! {
            immediate {
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
                proc_raise(sig: i32);
                random_get(buf: i32, len: i32);
                sock_accept(fd: i32, flags: i32, out: i32);
                sock_recv(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out_len: i32, out_flags: i32);
                sock_send(fd: i32, iovs: i32, iovs_len: i32, flags: i32, out: i32);
                sock_shutdown(fd: i32, how: i32);
            }
            waiting {
                poll_oneoff(subs: i32, events: i32, count: i32, out: i32);
                sched_yield();
            }
        }
    };
}

mod abi;
mod args_clock;
mod fd;
mod host;
mod linker_async;
mod path;
mod poll;
mod sock;

use abi::*;
use host::*;
pub use linker_async::add_to_linker_async;

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
        ($($group:ident { $($name:ident($($arg:ident: $ty:ty),*);)* })*) => {$($(
            linker.func_wrap(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, T>, $($arg: $ty),*| -> anyhow::Result<i32> {
                    let (mem, data) = memory_and_data(&mut caller)?;
                    let mut mem = GuestMemory(mem);
                    Ok(errno_code(f(data).$name(&mut mem, $($arg),*)))
                },
            )?;
        )*)*};
    }
    wasi_functions!(define);
    define_proc_exit(linker)
}

/// Defines `proc_exit`, the same for sync and async linkers: it unwinds the
/// guest with [`I32Exit`].
fn define_proc_exit<T: Send + 'static>(linker: &mut Linker<T>) -> anyhow::Result<()> {
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

/// The errno a WASI function returns for `result`.
fn errno_code(result: R) -> i32 {
    match result {
        Ok(()) => SUCCESS as i32,
        Err(errno) => errno as i32,
    }
}

/// The calling instance's `memory` export and the store's data.
fn memory_and_data<'a, T: 'static>(
    caller: &'a mut Caller<'_, T>,
) -> anyhow::Result<(&'a mut [u8], &'a mut T)> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory.data_and_store_mut(caller)),
        _ => anyhow::bail!("missing required memory export"),
    }
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

    pub(super) fn get(&self, fd: i32) -> R<&Descriptor> {
        self.table
            .get(fd as u32 as usize)
            .and_then(Option::as_ref)
            .ok_or(EBADF)
    }

    pub(super) fn get_mut(&mut self, fd: i32) -> R<&mut Descriptor> {
        self.table
            .get_mut(fd as u32 as usize)
            .and_then(Option::as_mut)
            .ok_or(EBADF)
    }

    pub(super) fn file(&self, fd: i32) -> R<&FileDesc> {
        match self.get(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(EBADF),
        }
    }

    pub(super) fn file_mut(&mut self, fd: i32) -> R<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            _ => Err(EBADF),
        }
    }

    pub(super) fn seekable(&mut self, fd: i32) -> R<&mut FileDesc> {
        match self.get_mut(fd)? {
            Descriptor::File(f) => Ok(f),
            Descriptor::Stdin(_) | Descriptor::Stdout(_) | Descriptor::Stderr(_) => Err(ESPIPE),
            Descriptor::TcpStream(_) | Descriptor::TcpListener(_) => Err(ESPIPE),
            Descriptor::Dir(..) => Err(EBADF),
        }
    }

    pub(super) fn dir(&self, fd: i32) -> R<&DirDesc> {
        match self.get(fd)? {
            Descriptor::Dir(d, _) => Ok(d),
            Descriptor::File(_) => Err(ENOTDIR),
            _ => Err(EBADF),
        }
    }

    pub(super) fn mutable_dir(&self, fd: i32) -> R<&DirDesc> {
        let d = self.dir(fd)?;
        if !d.perms.contains(DirPerms::MUTATE) {
            return Err(EPERM);
        }
        Ok(d)
    }

    pub(super) fn push(&mut self, desc: Descriptor) -> R<u32> {
        if let Some(i) = self.table.iter().position(Option::is_none) {
            self.table[i] = Some(desc);
            return Ok(i as u32);
        }
        let i = u32::try_from(self.table.len()).map_err(|_| EMFILE)?;
        self.table.push(Some(desc));
        Ok(i)
    }

    pub(super) fn strings_sizes(
        m: &mut GuestMemory<'_>,
        items: &[Vec<u8>],
        count: i32,
        size: i32,
    ) -> R {
        let total: usize = items.iter().map(|s| s.len() + 1).sum();
        let total = u32::try_from(total).map_err(|_| EOVERFLOW)?;
        m.check(count as u32, 4)?;
        m.check(size as u32, 4)?;
        m.put_u32(count as u32, items.len() as u32)?;
        m.put_u32(size as u32, total)
    }

    pub(super) fn strings_get(
        m: &mut GuestMemory<'_>,
        items: &[Vec<u8>],
        ptrs: i32,
        buf: i32,
    ) -> R {
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

    pub(super) fn arg_bytes(&self) -> Vec<Vec<u8>> {
        self.args.iter().map(|a| a.as_bytes().to_vec()).collect()
    }

    pub(super) fn env_bytes(&self) -> Vec<Vec<u8>> {
        self.env
            .iter()
            .map(|(k, v)| format!("{k}={v}").into_bytes())
            .collect()
    }
}
