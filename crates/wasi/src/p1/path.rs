//! The `path_*` functions, resolved by `cap-std` beneath a directory
//! descriptor.

use super::*;

#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    pub(super) fn path_create_directory(
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

    pub(super) fn path_filestat_get(
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

    pub(super) fn path_filestat_set_times(
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

    pub(super) fn path_link(
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

    pub(super) fn path_open(
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

    pub(super) fn path_readlink(
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

    pub(super) fn path_remove_directory(
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

    pub(super) fn path_rename(
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

    pub(super) fn path_symlink(
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

    pub(super) fn path_unlink_file(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        path: i32,
        len: i32,
    ) -> R {
        let path = m.str(path as u32, len as u32)?;
        let d = self.mutable_dir(fd)?;
        d.dir.remove_file(&path).map_err(io_err)
    }
}
