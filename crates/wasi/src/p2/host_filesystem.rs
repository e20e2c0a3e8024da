//! `wasi:filesystem/types` and `wasi:filesystem/preopens` for
//! [`WasiCtxView`]. The functions are synchronous in both flavours (see
//! [`filesystem`](super::filesystem)); permissions are checked before any
//! system call, and paths are resolved by `cap-std`.

use super::bindings::filesystem::preopens;
use super::bindings::filesystem::types::{
    self, Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    Filesize, MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use super::filesystem::{
    descriptor_stat, descriptor_type, error_code, metadata_hash, read_at, Descriptor, Dir, File,
    FileInputStream, FileOutputStream, FsResult, OpenMode, ReaddirIterator,
};
use super::io::{DynInputStream, DynOutputStream};
use super::FsError;
use crate::p1::DirDesc;
use crate::{DirPerms, FilePerms, WasiCtxView};
use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
};
use cap_std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use wasmtime::component::Resource;

impl preopens::Host for WasiCtxView<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Resource<Descriptor>, String)>> {
        let mut dirs = Vec::with_capacity(self.ctx.preopens.len());
        for (desc, name) in &self.ctx.preopens {
            let dir = Descriptor::Dir(Dir::preopen(desc.clone()));
            dirs.push((self.table.push(dir)?, name.clone()));
        }
        Ok(dirs)
    }
}

impl types::Host for WasiCtxView<'_> {
    fn convert_error_code(&mut self, err: FsError) -> wasmtime::Result<ErrorCode> {
        err.downcast()
    }

    fn filesystem_error_code(
        &mut self,
        err: Resource<wasmtime::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        let err = self.table.get(&err)?;
        if let Some(code) = err.downcast_ref::<ErrorCode>() {
            return Ok(Some(*code));
        }
        // The file streams report the host's I/O errors.
        Ok(err.downcast_ref::<std::io::Error>().map(error_code))
    }
}

/// Whether path resolution follows a final symbolic link.
fn follow(flags: PathFlags) -> bool {
    flags.contains(PathFlags::SYMLINK_FOLLOW)
}

/// A `datetime` as a host time: `invalid` for nanoseconds out of range,
/// `overflow` for a time the host cannot represent.
fn system_time(seconds: u64, nanoseconds: u32) -> Result<SystemTime, ErrorCode> {
    if nanoseconds >= 1_000_000_000 {
        return Err(ErrorCode::Invalid);
    }
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::new(seconds, nanoseconds))
        .ok_or(ErrorCode::Overflow)
}

/// A `new-timestamp` for `set-times-at` (`None`: leave unchanged).
fn time_spec(t: NewTimestamp) -> Result<Option<cap_fs_ext::SystemTimeSpec>, ErrorCode> {
    Ok(match t {
        NewTimestamp::NoChange => None,
        NewTimestamp::Now => Some(cap_fs_ext::SystemTimeSpec::SymbolicNow),
        NewTimestamp::Timestamp(t) => Some(cap_fs_ext::SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(system_time(t.seconds, t.nanoseconds)?),
        )),
    })
}

/// A `new-timestamp` for `futimens`, for `set-times`.
fn timespec(t: NewTimestamp) -> Result<rustix::fs::Timespec, ErrorCode> {
    Ok(match t {
        NewTimestamp::NoChange => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        NewTimestamp::Now => rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_NOW,
        },
        NewTimestamp::Timestamp(t) => {
            if t.nanoseconds >= 1_000_000_000 {
                return Err(ErrorCode::Invalid);
            }
            rustix::fs::Timespec {
                tv_sec: i64::try_from(t.seconds).map_err(|_| ErrorCode::Overflow)?,
                tv_nsec: t.nanoseconds.into(),
            }
        }
    })
}

/// Fails with `not-permitted` unless `a` and `b` have the same
/// permissions, so that renaming or linking cannot move an object to
/// where it may be used in more ways (as in Wasmtime).
fn same_perms(a: &Dir, b: &Dir) -> Result<(), ErrorCode> {
    if a.desc.perms != b.desc.perms || a.desc.file_perms != b.desc.file_perms {
        return Err(ErrorCode::NotPermitted);
    }
    Ok(())
}

impl WasiCtxView<'_> {
    fn descriptor(&self, fd: &Resource<Descriptor>) -> FsResult<&Descriptor> {
        Ok(self.table.get(fd)?)
    }

    fn file(&self, fd: &Resource<Descriptor>) -> FsResult<&File> {
        Ok(self.descriptor(fd)?.file()?)
    }

    fn dir(&self, fd: &Resource<Descriptor>) -> FsResult<&Dir> {
        Ok(self.descriptor(fd)?.dir()?)
    }
}

/// Opens `path` beneath `d` as `open-at` asks, after checking that `d`'s
/// permissions allow it.
fn open_at(
    d: &Dir,
    path_flags: PathFlags,
    path: &str,
    oflags: OpenFlags,
    flags: DescriptorFlags,
) -> FsResult<Descriptor> {
    let create = oflags.contains(OpenFlags::CREATE);
    let exclusive = oflags.contains(OpenFlags::EXCLUSIVE);
    let truncate = oflags.contains(OpenFlags::TRUNCATE);
    let directory = oflags.contains(OpenFlags::DIRECTORY);
    let write = flags.contains(DescriptorFlags::WRITE);
    if directory && (create || exclusive || truncate) {
        return Err(ErrorCode::Invalid.into());
    }
    // Opening anything needs a readable directory; opening for a change
    // needs a mutable one and writable files.
    d.check_read()?;
    if create || truncate || write {
        d.check_mutate()?;
        if !d.desc.file_perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }
    }
    let child = |dir: cap_std::fs::Dir| {
        let mut mode = OpenMode::READ;
        if flags.contains(DescriptorFlags::MUTATE_DIRECTORY)
            && d.desc.perms.contains(DirPerms::MUTATE)
        {
            mode |= OpenMode::WRITE;
        }
        Descriptor::Dir(Dir {
            desc: Arc::new(DirDesc {
                dir,
                perms: d.desc.perms,
                file_perms: d.desc.file_perms,
            }),
            mode,
        })
    };
    if directory {
        let dir = if follow(path_flags) {
            d.cap().open_dir(path)
        } else {
            d.cap().open_dir_nofollow(path)
        }?;
        if write {
            return Err(ErrorCode::IsDirectory.into());
        }
        return Ok(child(dir));
    }

    let mut mode = OpenMode::empty();
    let mut opts = OpenOptions::new();
    opts.maybe_dir(true);
    if flags.contains(DescriptorFlags::READ) || !write {
        // Without `write`, open for reading, so that the host lets us open
        // the file at all.
        opts.read(true);
        mode |= OpenMode::READ;
    }
    if write || create || truncate {
        opts.write(true);
        mode |= OpenMode::WRITE;
    }
    if create && exclusive {
        opts.create_new(true);
    } else if create {
        opts.create(true);
    }
    opts.truncate(truncate);
    opts.follow(if follow(path_flags) {
        FollowSymlinks::Yes
    } else {
        FollowSymlinks::No
    });
    for (flag, bit) in [
        (DescriptorFlags::FILE_INTEGRITY_SYNC, OpenMode::SYNC),
        (DescriptorFlags::DATA_INTEGRITY_SYNC, OpenMode::DSYNC),
        (DescriptorFlags::REQUESTED_WRITE_SYNC, OpenMode::RSYNC),
    ] {
        if flags.contains(flag) {
            mode |= bit;
        }
    }
    opts.sync(mode.contains(OpenMode::SYNC));
    opts.dsync(mode.contains(OpenMode::DSYNC));
    opts.rsync(mode.contains(OpenMode::RSYNC));

    let file = d.cap().open_with(path, &opts)?.into_std();
    if file.metadata()?.is_dir() {
        return Ok(child(cap_std::fs::Dir::from_std_file(file)));
    }
    Ok(Descriptor::File(File {
        file: Arc::new(file),
        perms: d.desc.file_perms,
        mode,
    }))
}

impl types::HostDescriptor for WasiCtxView<'_> {
    fn read_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynInputStream>> {
        let f = match self.descriptor(&fd)? {
            Descriptor::File(f) => f,
            Descriptor::Dir(_) => return Err(ErrorCode::IsDirectory.into()),
        };
        f.check_read()?;
        let stream: DynInputStream = Box::new(FileInputStream::new(f, offset));
        Ok(self.table.push(stream)?)
    }

    fn write_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynOutputStream>> {
        let f = self.file(&fd)?;
        f.check_write()?;
        let stream: DynOutputStream = Box::new(FileOutputStream::write_at(f, offset));
        Ok(self.table.push(stream)?)
    }

    fn append_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
    ) -> FsResult<Resource<DynOutputStream>> {
        let f = self.file(&fd)?;
        f.check_write()?;
        let stream: DynOutputStream = Box::new(FileOutputStream::append(f));
        Ok(self.table.push(stream)?)
    }

    fn advise(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
        length: Filesize,
        advice: Advice,
    ) -> FsResult<()> {
        use rustix::fs::Advice as A;
        let f = self.file(&fd)?;
        let advice = match advice {
            Advice::Normal => A::Normal,
            Advice::Sequential => A::Sequential,
            Advice::Random => A::Random,
            Advice::WillNeed => A::WillNeed,
            Advice::DontNeed => A::DontNeed,
            Advice::NoReuse => A::NoReuse,
        };
        rustix::fs::fadvise(&*f.file, offset, std::num::NonZeroU64::new(length), advice)?;
        Ok(())
    }

    fn sync_data(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        self.descriptor(&fd)?
            .with_fd(|fd| rustix::fs::fdatasync(fd))?;
        Ok(())
    }

    fn get_flags(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorFlags> {
        let desc = self.descriptor(&fd)?;
        let mut flags = DescriptorFlags::empty();
        match desc {
            Descriptor::File(f) => {
                // What was asked for at `open-at` (and given, at least).
                for (bit, flag) in [
                    (OpenMode::SYNC, DescriptorFlags::FILE_INTEGRITY_SYNC),
                    (OpenMode::DSYNC, DescriptorFlags::DATA_INTEGRITY_SYNC),
                    (OpenMode::RSYNC, DescriptorFlags::REQUESTED_WRITE_SYNC),
                ] {
                    if f.mode.contains(bit) {
                        flags |= flag;
                    }
                }
                if f.mode.contains(OpenMode::READ) {
                    flags |= DescriptorFlags::READ;
                }
                if f.mode.contains(OpenMode::WRITE) {
                    flags |= DescriptorFlags::WRITE;
                }
            }
            Descriptor::Dir(d) => {
                if d.mode.contains(OpenMode::READ) {
                    flags |= DescriptorFlags::READ;
                }
                if d.mode.contains(OpenMode::WRITE) {
                    flags |= DescriptorFlags::MUTATE_DIRECTORY;
                }
            }
        }
        Ok(flags)
    }

    fn get_type(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorType> {
        let desc = self.descriptor(&fd)?;
        Ok(match desc {
            Descriptor::File(_) => descriptor_type(desc.metadata()?.file_type()),
            Descriptor::Dir(_) => DescriptorType::Directory,
        })
    }

    fn set_size(&mut self, fd: Resource<Descriptor>, size: Filesize) -> FsResult<()> {
        let f = self.file(&fd)?;
        if !f.perms.contains(FilePerms::WRITE) {
            return Err(ErrorCode::NotPermitted.into());
        }
        f.file.set_len(size)?;
        Ok(())
    }

    fn set_times(
        &mut self,
        fd: Resource<Descriptor>,
        atim: NewTimestamp,
        mtim: NewTimestamp,
    ) -> FsResult<()> {
        let desc = self.descriptor(&fd)?;
        match desc {
            Descriptor::File(f) if !f.perms.contains(FilePerms::WRITE) => {
                return Err(ErrorCode::NotPermitted.into())
            }
            Descriptor::File(_) => {}
            Descriptor::Dir(d) => d.check_mutate()?,
        }
        let times = rustix::fs::Timestamps {
            last_access: timespec(atim)?,
            last_modification: timespec(mtim)?,
        };
        desc.with_fd(|fd| rustix::fs::futimens(fd, &times))?;
        Ok(())
    }

    fn read(
        &mut self,
        fd: Resource<Descriptor>,
        length: Filesize,
        offset: Filesize,
    ) -> FsResult<(Vec<u8>, bool)> {
        let f = self.file(&fd)?;
        f.check_read()?;
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        let bytes = read_at(&f.file, len, offset)?;
        let end = bytes.is_empty() && len > 0;
        Ok((bytes.to_vec(), end))
    }

    fn write(
        &mut self,
        fd: Resource<Descriptor>,
        buffer: Vec<u8>,
        offset: Filesize,
    ) -> FsResult<Filesize> {
        let f = self.file(&fd)?;
        f.check_write()?;
        loop {
            match f.file.write_at(&buffer, offset) {
                Ok(n) => return Ok(n as Filesize),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn read_directory(&mut self, fd: Resource<Descriptor>) -> FsResult<Resource<ReaddirIterator>> {
        let d = self.dir(&fd)?;
        d.check_read()?;
        let entries = ReaddirIterator::new(d.cap())?;
        Ok(self.table.push(entries)?)
    }

    fn sync(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        self.descriptor(&fd)?.with_fd(|fd| rustix::fs::fsync(fd))?;
        Ok(())
    }

    fn create_directory_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        let d = self.dir(&fd)?;
        d.check_mutate()?;
        d.cap().create_dir(&path)?;
        Ok(())
    }

    fn stat(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorStat> {
        Ok(descriptor_stat(&self.descriptor(&fd)?.metadata()?))
    }

    fn stat_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
    ) -> FsResult<DescriptorStat> {
        let d = self.dir(&fd)?;
        d.check_read()?;
        let meta = if follow(path_flags) {
            d.cap().metadata(&path)
        } else {
            d.cap().symlink_metadata(&path)
        }?;
        Ok(descriptor_stat(&meta))
    }

    fn set_times_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
        atim: NewTimestamp,
        mtim: NewTimestamp,
    ) -> FsResult<()> {
        let d = self.dir(&fd)?;
        d.check_mutate()?;
        let (atim, mtim) = (time_spec(atim)?, time_spec(mtim)?);
        if follow(path_flags) {
            d.cap().set_times(&path, atim, mtim)
        } else {
            d.cap().set_symlink_times(&path, atim, mtim)
        }?;
        Ok(())
    }

    fn link_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path_flags: PathFlags,
        old_path: String,
        new_descriptor: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        let old = self.dir(&fd)?;
        old.check_mutate()?;
        let new = self.dir(&new_descriptor)?;
        new.check_mutate()?;
        if follow(old_path_flags) {
            // Linking the target of a symbolic link is not supported, as
            // in Wasmtime.
            return Err(ErrorCode::Invalid.into());
        }
        same_perms(old, new)?;
        old.cap().hard_link(&old_path, new.cap(), &new_path)?;
        Ok(())
    }

    fn open_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
        open_flags: OpenFlags,
        flags: DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        let d = self.dir(&fd)?;
        let opened = open_at(d, path_flags, &path, open_flags, flags)?;
        Ok(self.table.push(opened)?)
    }

    fn readlink_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<String> {
        let d = self.dir(&fd)?;
        d.check_read()?;
        // `cap-std` refuses to return an absolute target.
        let target = d.cap().read_link(&path)?;
        target
            .into_os_string()
            .into_string()
            .map_err(|_| ErrorCode::IllegalByteSequence.into())
    }

    fn remove_directory_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        let d = self.dir(&fd)?;
        d.check_mutate()?;
        d.cap().remove_dir(&path)?;
        Ok(())
    }

    fn rename_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: String,
        new_descriptor: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        let old = self.dir(&fd)?;
        old.check_mutate()?;
        let new = self.dir(&new_descriptor)?;
        new.check_mutate()?;
        same_perms(old, new)?;
        old.cap().rename(&old_path, new.cap(), &new_path)?;
        Ok(())
    }

    fn symlink_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: String,
        new_path: String,
    ) -> FsResult<()> {
        let d = self.dir(&fd)?;
        d.check_mutate()?;
        if old_path.starts_with('/') {
            // An absolute target could never be followed in the sandbox
            // (and could mislead other programs); `cap-std` refuses it too.
            return Err(ErrorCode::NotPermitted.into());
        }
        d.cap().symlink(&old_path, &new_path)?;
        Ok(())
    }

    fn unlink_file_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        let d = self.dir(&fd)?;
        d.check_mutate()?;
        d.cap().remove_file_or_symlink(&path)?;
        Ok(())
    }

    fn is_same_object(
        &mut self,
        fd: Resource<Descriptor>,
        other: Resource<Descriptor>,
    ) -> wasmtime::Result<bool> {
        use cap_std::fs::MetadataExt;
        let a = self.table.get(&fd)?.metadata()?;
        let b = self.table.get(&other)?.metadata()?;
        Ok(a.dev() == b.dev() && a.ino() == b.ino())
    }

    fn metadata_hash(&mut self, fd: Resource<Descriptor>) -> FsResult<MetadataHashValue> {
        let (lower, upper) = metadata_hash(&self.descriptor(&fd)?.metadata()?);
        Ok(MetadataHashValue { lower, upper })
    }

    fn metadata_hash_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
    ) -> FsResult<MetadataHashValue> {
        let d = self.dir(&fd)?;
        let meta = if follow(path_flags) {
            d.cap().metadata(&path)
        } else {
            d.cap().symlink_metadata(&path)
        }?;
        let (lower, upper) = metadata_hash(&meta);
        Ok(MetadataHashValue { lower, upper })
    }

    fn drop(&mut self, fd: Resource<Descriptor>) -> wasmtime::Result<()> {
        self.table.delete(fd)?;
        Ok(())
    }
}

impl types::HostDirectoryEntryStream for WasiCtxView<'_> {
    fn read_directory_entry(
        &mut self,
        stream: Resource<ReaddirIterator>,
    ) -> FsResult<Option<DirectoryEntry>> {
        self.table.get_mut(&stream)?.next_entry()
    }

    fn drop(&mut self, stream: Resource<ReaddirIterator>) -> wasmtime::Result<()> {
        self.table.delete(stream)?;
        Ok(())
    }
}
