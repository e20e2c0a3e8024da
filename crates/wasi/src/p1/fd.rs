//! The `fd_*` functions.

use super::*;

#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    pub(super) fn fd_advise(
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

    pub(super) fn fd_allocate(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        _offset: i64,
        _len: i64,
    ) -> R {
        // As in Wasmtime: preview 1 has no way to allocate on every host.
        self.file(fd)?;
        Err(ENOTSUP)
    }

    pub(super) fn fd_close(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        let slot = self.table.get_mut(fd as u32 as usize).ok_or(EBADF)?;
        slot.take().ok_or(EBADF)?;
        Ok(())
    }

    pub(super) fn fd_datasync(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        match self.get(fd)? {
            Descriptor::File(f) => f.file.sync_data().map_err(io_err),
            Descriptor::Dir(d, _) => rustix::fs::fdatasync(&d.dir).map_err(rustix_err),
            _ => Err(EBADF),
        }
    }

    pub(super) fn fd_sync(&mut self, _m: &mut GuestMemory<'_>, fd: i32) -> R {
        match self.get(fd)? {
            Descriptor::File(f) => f.file.sync_all().map_err(io_err),
            Descriptor::Dir(d, _) => rustix::fs::fsync(&d.dir).map_err(rustix_err),
            _ => Err(EBADF),
        }
    }

    pub(super) fn fd_fdstat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
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

    pub(super) fn fd_fdstat_set_flags(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        flags: i32,
    ) -> R {
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

    pub(super) fn fd_fdstat_set_rights(
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

    pub(super) fn fd_filestat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
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

    pub(super) fn fd_filestat_set_size(
        &mut self,
        _m: &mut GuestMemory<'_>,
        fd: i32,
        size: i64,
    ) -> R {
        let f = self.file(fd)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(EPERM);
        }
        if size < 0 {
            return Err(EINVAL);
        }
        f.file.set_len(size as u64).map_err(io_err)
    }

    pub(super) fn fd_filestat_set_times(
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

    pub(super) fn fd_read(
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

    pub(super) fn fd_pread(
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

    pub(super) fn fd_write(
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

    pub(super) fn fd_pwrite(
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

    pub(super) fn fd_prestat_get(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
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

    pub(super) fn fd_prestat_dir_name(
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

    pub(super) fn fd_readdir(
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

    pub(super) fn fd_renumber(&mut self, _m: &mut GuestMemory<'_>, fd: i32, to: i32) -> R {
        self.get(fd)?;
        self.get(to)?;
        if fd != to {
            let desc = self.table[fd as u32 as usize].take();
            self.table[to as u32 as usize] = desc;
        }
        Ok(())
    }

    pub(super) fn fd_seek(
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

    pub(super) fn fd_tell(&mut self, m: &mut GuestMemory<'_>, fd: i32, out: i32) -> R {
        let pos = self.seekable(fd)?.position;
        m.put_u64(out as u32, pos)
    }
}
