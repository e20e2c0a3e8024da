//! `wasi:filesystem@0.3.0`: `types` (the `descriptor` resource) and
//! `preopens`, on the store's [`WasiCtx`](crate::WasiCtx).
//!
//! The operations are those of WASI 0.2 (the same [`Descriptor`]s in the
//! same [`ResourceTable`](wasmtime::component::ResourceTable), the same
//! sandboxing: every path is resolved by `cap-std` beneath a pre-opened
//! directory, with its [`DirPerms`](crate::DirPerms) and
//! [`FilePerms`](crate::FilePerms)), with 0.3's shapes: file contents and
//! directory listings are streams with a result future, timestamps are
//! system-clock instants, and `error-code` has an `other` case. They
//! finish at once (file system calls are synchronous, as in WASI 0.2), so
//! even the `async` functions never leave a guest waiting.

mod types;

pub use self::types::{
    Advice, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry, ErrorCode,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};

use self::types::from_p2;
use super::streams::{outcome, ByteSink, ByteSource, Outcome, ReadProducer, WriteConsumer};
use crate::p2::bindings::filesystem::types::{self as p2, HostDescriptor as D};
pub use crate::p2::filesystem::Descriptor;
use crate::p2::filesystem::{error_code, read_at, Dir};
use crate::p2::FsError;
use crate::WasiView;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use wasmtime::component::{FutureReader, Linker, Resource, ResourceType, StreamReader};
use wasmtime::StoreContextMut;

type ResultFuture = FutureReader<Result<(), ErrorCode>>;

/// The `error-code` of a host I/O error.
fn io_code(err: &io::Error) -> ErrorCode {
    error_code(err).into()
}

/// A file read from an offset on.
struct FileSource {
    file: Arc<std::fs::File>,
    offset: u64,
}

impl ByteSource for FileSource {
    fn read_chunk(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let bytes = read_at(&self.file, max, self.offset)?;
        self.offset += bytes.len() as u64;
        Ok(bytes.to_vec())
    }
}

/// A file written from an offset on, or appended to (`offset: None`).
struct FileSink {
    file: Arc<std::fs::File>,
    offset: Option<u64>,
}

impl ByteSink for FileSink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.offset {
            None => crate::p2::filesystem::append(&self.file, data),
            Some(offset) => {
                self.file.write_all_at(data, *offset)?;
                *offset += data.len() as u64;
                Ok(())
            }
        }
    }
}

/// A future already holding `value`.
fn ready_future<T: WasiView + 'static>(
    store: &mut StoreContextMut<'_, T>,
    value: Result<(), ErrorCode>,
) -> wasmtime::Result<ResultFuture> {
    FutureReader::new(store, std::future::ready(Ok::<_, wasmtime::Error>(value)))
}

/// The future of a stream's outcome.
fn outcome_future<T: WasiView + 'static>(
    store: &mut StoreContextMut<'_, T>,
    rx: tokio::sync::oneshot::Receiver<Result<(), ErrorCode>>,
) -> wasmtime::Result<ResultFuture> {
    FutureReader::new(
        store,
        async move { Ok::<_, wasmtime::Error>(outcome(rx).await) },
    )
}

/// The file behind `fd` if it may be read (`is-directory` for a
/// directory), or the error code.
fn readable_file<T: WasiView>(
    store: &mut StoreContextMut<'_, T>,
    fd: &Resource<Descriptor>,
) -> wasmtime::Result<Result<Arc<std::fs::File>, ErrorCode>> {
    let view = store.data_mut().ctx();
    Ok(match view.table.get(fd)? {
        Descriptor::Dir(_) => Err(ErrorCode::IsDirectory),
        Descriptor::File(f) => match f.check_read() {
            Ok(()) => Ok(f.file.clone()),
            Err(e) => Err(e.into()),
        },
    })
}

/// The file behind `fd` if it may be written, or the error code.
fn writable_file<T: WasiView>(
    store: &mut StoreContextMut<'_, T>,
    fd: &Resource<Descriptor>,
) -> wasmtime::Result<Result<Arc<std::fs::File>, ErrorCode>> {
    let view = store.data_mut().ctx();
    Ok(match view.table.get(fd)? {
        Descriptor::Dir(_) => Err(ErrorCode::IsDirectory),
        Descriptor::File(f) => match f.check_write() {
            Ok(()) => Ok(f.file.clone()),
            Err(e) => Err(e.into()),
        },
    })
}

/// Writes the guest's `data` to `fd` (at `offset`, or appending).
fn write_stream<T: WasiView + 'static>(
    mut store: StoreContextMut<'_, T>,
    fd: Resource<Descriptor>,
    data: StreamReader<u8>,
    offset: Option<u64>,
) -> wasmtime::Result<ResultFuture> {
    match writable_file(&mut store, &fd)? {
        Ok(file) => {
            let (tx, rx) = Outcome::new();
            data.pipe(
                &mut store,
                WriteConsumer::new(FileSink { file, offset }, tx, io_code),
            )?;
            outcome_future(&mut store, rx)
        }
        Err(code) => {
            let mut data = data;
            data.close(&mut store)?;
            ready_future(&mut store, Err(code))
        }
    }
}

/// Defines `wasi:filesystem@0.3.0` in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut inst = linker.instance("wasi:filesystem/types@0.3.0")?;
    inst.resource(
        "descriptor",
        ResourceType::host::<Descriptor>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store
                .data_mut()
                .ctx()
                .table
                .delete(Resource::<Descriptor>::new_own(rep))?;
            Ok(())
        },
    )?;

    inst.func_wrap(
        "[method]descriptor.read-via-stream",
        |mut store: StoreContextMut<'_, T>, (fd, offset): (Resource<Descriptor>, u64)| {
            let (tx, rx) = Outcome::new();
            let file = readable_file(&mut store, &fd)?;
            let (stream, future) = match file {
                Ok(file) => {
                    let source = FileSource { file, offset };
                    let producer = ReadProducer::new(source, false, tx, io_code);
                    let stream = StreamReader::new(&mut store, producer)?;
                    (stream, outcome_future(&mut store, rx)?)
                }
                Err(code) => {
                    drop(tx);
                    let stream = StreamReader::new(&mut store, Vec::<u8>::new())?;
                    (stream, ready_future(&mut store, Err(code))?)
                }
            };
            Ok(((stream, future),))
        },
    )?;
    inst.func_wrap(
        "[method]descriptor.write-via-stream",
        |store: StoreContextMut<'_, T>,
         (fd, data, offset): (Resource<Descriptor>, StreamReader<u8>, u64)| {
            Ok((write_stream(store, fd, data, Some(offset))?,))
        },
    )?;
    inst.func_wrap(
        "[method]descriptor.append-via-stream",
        |store: StoreContextMut<'_, T>, (fd, data): (Resource<Descriptor>, StreamReader<u8>)| {
            Ok((write_stream(store, fd, data, None)?,))
        },
    )?;
    inst.func_wrap(
        "[method]descriptor.read-directory",
        |mut store: StoreContextMut<'_, T>, (fd,): (Resource<Descriptor>,)| {
            let listing = {
                let mut view = store.data_mut().ctx();
                list_directory(&mut view, fd)?
            };
            let (entries, result) = match listing {
                Ok((entries, result)) => (entries, result),
                Err(code) => (Vec::new(), Err(code)),
            };
            let stream = StreamReader::new(&mut store, entries)?;
            let future = ready_future(&mut store, result)?;
            Ok(((stream, future),))
        },
    )?;

    add_methods(&mut inst)?;

    linker
        .instance("wasi:filesystem/preopens@0.3.0")?
        .func_wrap(
            "get-directories",
            |mut store: StoreContextMut<'_, T>, (): ()| {
                let view = store.data_mut().ctx();
                let mut dirs = Vec::with_capacity(view.ctx.preopens.len());
                for (desc, name) in &view.ctx.preopens {
                    let dir = Descriptor::Dir(Dir::preopen(desc.clone()));
                    dirs.push((view.table.push(dir)?, name.clone()));
                }
                Ok((dirs,))
            },
        )?;
    Ok(())
}

/// The entries of the directory `fd` up to the first error, and that
/// error (or the reason it cannot be listed at all).
#[allow(clippy::type_complexity)]
fn list_directory(
    view: &mut crate::WasiCtxView<'_>,
    fd: Resource<Descriptor>,
) -> wasmtime::Result<Result<(Vec<DirectoryEntry>, Result<(), ErrorCode>), ErrorCode>> {
    let iter = match from_p2(D::read_directory(view, fd))? {
        Ok(iter) => iter,
        Err(code) => return Ok(Err(code)),
    };
    let mut entries = Vec::new();
    let result = loop {
        match from_p2(view.table.get_mut(&iter)?.next_entry())? {
            Ok(Some(e)) => entries.push(DirectoryEntry {
                type_: e.type_.into(),
                name: e.name,
            }),
            Ok(None) => break Ok(()),
            Err(code) => break Err(code),
        }
    };
    view.table.delete(iter)?;
    Ok(Ok((entries, result)))
}

/// Defines a `[method]descriptor.NAME` whose body (an
/// `Result<_, FsError>` computed from the WASI 0.2 implementation on the
/// context view `$v`) runs at once.
macro_rules! method {
    ($inst:ident, $name:literal, |$v:ident $(, $arg:ident: $ty:ty)*| $body:expr) => {
        $inst.func_wrap(
            concat!("[method]descriptor.", $name),
            |mut store: StoreContextMut<'_, T>, (fd, $($arg,)*): (Resource<Descriptor>, $($ty,)*)| {
                let mut view = store.data_mut().ctx();
                let $v = &mut view;
                let r: Result<_, FsError> = $body(fd);
                Ok((from_p2(r)?,))
            },
        )?;
    };
}

/// The methods that map one to one onto WASI 0.2's.
fn add_methods<T: WasiView + 'static>(
    inst: &mut wasmtime::component::LinkerInstance<'_, T>,
) -> wasmtime::Result<()> {
    method!(
        inst,
        "advise",
        |v, offset: u64, len: u64, advice: Advice| {
            |fd| D::advise(v, fd, offset, len, advice.into())
        }
    );
    method!(inst, "sync-data", |v| |fd| D::sync_data(v, fd));
    method!(inst, "sync", |v| |fd| D::sync(v, fd));
    method!(inst, "get-flags", |v| {
        |fd| D::get_flags(v, fd).map(DescriptorFlags::from)
    });
    method!(inst, "get-type", |v| {
        |fd| D::get_type(v, fd).map(DescriptorType::from)
    });
    method!(inst, "set-size", |v, size: u64| |fd| D::set_size(
        v, fd, size
    ));
    method!(inst, "set-times", |v, a: NewTimestamp, m: NewTimestamp| {
        |fd| D::set_times(v, fd, a.to_p2()?, m.to_p2()?)
    });
    method!(inst, "create-directory-at", |v, path: String| {
        |fd| D::create_directory_at(v, fd, path)
    });
    method!(inst, "stat", |v| |fd| D::stat(v, fd)
        .map(DescriptorStat::from));
    method!(inst, "stat-at", |v, pf: PathFlags, path: String| {
        |fd| D::stat_at(v, fd, pf.into(), path).map(DescriptorStat::from)
    });
    method!(
        inst,
        "set-times-at",
        |v, pf: PathFlags, path: String, a: NewTimestamp, m: NewTimestamp| {
            |fd| D::set_times_at(v, fd, pf.into(), path, a.to_p2()?, m.to_p2()?)
        }
    );
    method!(inst, "link-at", |v,
                              pf: PathFlags,
                              old: String,
                              new_fd: Resource<Descriptor>,
                              new: String| {
        |fd| D::link_at(v, fd, pf.into(), old, new_fd, new)
    });
    method!(
        inst,
        "open-at",
        |v, pf: PathFlags, path: String, of: OpenFlags, df: DescriptorFlags| {
            |fd| D::open_at(v, fd, pf.into(), path, of.into(), df.into())
        }
    );
    method!(inst, "readlink-at", |v, path: String| |fd| D::readlink_at(
        v, fd, path
    ));
    method!(inst, "remove-directory-at", |v, path: String| {
        |fd| D::remove_directory_at(v, fd, path)
    });
    method!(
        inst,
        "rename-at",
        |v, old: String, new_fd: Resource<Descriptor>, new: String| {
            |fd| D::rename_at(v, fd, old, new_fd, new)
        }
    );
    method!(inst, "symlink-at", |v, old: String, new: String| {
        |fd| D::symlink_at(v, fd, old, new)
    });
    method!(inst, "unlink-file-at", |v, path: String| |fd| {
        D::unlink_file_at(v, fd, path)
    });
    method!(inst, "metadata-hash", |v| {
        |fd| {
            D::metadata_hash(v, fd).map(|h: p2::MetadataHashValue| MetadataHashValue {
                lower: h.lower,
                upper: h.upper,
            })
        }
    });
    method!(
        inst,
        "metadata-hash-at",
        |v, pf: PathFlags, path: String| {
            |fd| {
                D::metadata_hash_at(v, fd, pf.into(), path).map(|h: p2::MetadataHashValue| {
                    MetadataHashValue {
                        lower: h.lower,
                        upper: h.upper,
                    }
                })
            }
        }
    );
    inst.func_wrap(
        "[method]descriptor.is-same-object",
        |mut store: StoreContextMut<'_, T>,
         (fd, other): (Resource<Descriptor>, Resource<Descriptor>)| {
            let mut view = store.data_mut().ctx();
            Ok((D::is_same_object(&mut view, fd, other)?,))
        },
    )?;
    Ok(())
}
