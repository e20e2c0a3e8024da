//! WASI 0.2 `wasi:filesystem`: the generated host traits called directly
//! on a `WasiCtxView` whose context pre-opens a fresh temporary directory
//! (`<tmp>/sandbox`, guest name `/sandbox`) next to `<tmp>/outside`,
//! which holds a secret the guest must never reach.

use std::path::PathBuf;
use wasmtime::component::{Resource, ResourceTable};
use wasmtime_wasi::p2::bindings::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::bindings::filesystem::types::{
    DescriptorFlags, DescriptorType, ErrorCode, Host as _, HostDescriptor,
    HostDirectoryEntryStream, NewTimestamp, OpenFlags, PathFlags,
};
use wasmtime_wasi::p2::filesystem::Descriptor;
use wasmtime_wasi::p2::{FsError, StreamError};
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder, WasiCtxView};

struct Env {
    ctx: WasiCtx,
    table: ResourceTable,
    root: PathBuf,
}

impl Env {
    /// A context pre-opening `<root>/sandbox` with these permissions.
    fn new(name: &str, dir_perms: DirPerms, file_perms: FilePerms) -> Env {
        let root = std::env::temp_dir().join(format!("wasi-p2-fs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("sandbox/sub")).unwrap();
        std::fs::create_dir_all(root.join("outside")).unwrap();
        std::fs::write(root.join("outside/secret.txt"), "secret").unwrap();
        std::fs::write(root.join("sandbox/hello.txt"), "hello, world").unwrap();
        let ctx = WasiCtxBuilder::new()
            .preopened_dir(root.join("sandbox"), "/sandbox", dir_perms, file_perms)
            .unwrap()
            .build();
        Env {
            ctx,
            table: ResourceTable::new(),
            root,
        }
    }

    fn rw(name: &str) -> Env {
        Env::new(name, DirPerms::all(), FilePerms::all())
    }

    fn view(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }

    fn sandbox(&self) -> PathBuf {
        self.root.join("sandbox")
    }

    /// The pre-opened directory.
    fn preopen(&mut self) -> Resource<Descriptor> {
        let mut dirs = self.view().get_directories().unwrap();
        assert_eq!(dirs.len(), 1);
        let (dir, name) = dirs.pop().unwrap();
        assert_eq!(name, "/sandbox");
        dir
    }

    fn open(
        &mut self,
        dir: &Resource<Descriptor>,
        path: &str,
        oflags: OpenFlags,
        flags: DescriptorFlags,
    ) -> Result<Resource<Descriptor>, ErrorCode> {
        let r = self.view().open_at(
            b(dir),
            PathFlags::SYMLINK_FOLLOW,
            path.into(),
            oflags,
            flags,
        );
        r.map_err(code)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A borrow of `r`, as a guest passes it.
fn b(r: &Resource<Descriptor>) -> Resource<Descriptor> {
    Resource::new_borrow(r.rep())
}

/// The error code of a failed call (panics on a trap).
fn code(err: FsError) -> ErrorCode {
    err.downcast().expect("an error code, not a trap")
}

fn err<T: std::fmt::Debug>(r: Result<T, FsError>) -> ErrorCode {
    code(r.expect_err("the call should fail"))
}

fn rw() -> DescriptorFlags {
    DescriptorFlags::READ | DescriptorFlags::WRITE
}

fn no_oflags() -> OpenFlags {
    OpenFlags::empty()
}

fn secret_intact(env: &Env) {
    assert_eq!(
        std::fs::read_to_string(env.root.join("outside/secret.txt")).unwrap(),
        "secret"
    );
    let names: Vec<_> = std::fs::read_dir(env.root.join("outside"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["secret.txt"]);
}

#[test]
fn preopens_and_flags() {
    let mut env = Env::rw("preopens");
    let dir = env.preopen();
    let mut v = env.view();
    assert_eq!(v.get_type(b(&dir)).unwrap(), DescriptorType::Directory);
    assert_eq!(
        v.get_flags(b(&dir)).unwrap(),
        DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY
    );
    let stat = v.stat(b(&dir)).unwrap();
    assert_eq!(stat.type_, DescriptorType::Directory);
    assert!(stat.data_modification_timestamp.is_some());

    let mut ro = Env::new("preopens-ro", DirPerms::READ, FilePerms::READ);
    let dir = ro.preopen();
    assert_eq!(ro.view().get_flags(b(&dir)).unwrap(), DescriptorFlags::READ);
}

#[test]
fn open_write_read_stat() {
    let mut env = Env::rw("open-write-read");
    let dir = env.preopen();
    let f = env.open(&dir, "new.txt", OpenFlags::CREATE, rw()).unwrap();
    let mut v = env.view();
    assert_eq!(v.write(b(&f), b"hello".to_vec(), 0).unwrap(), 5);
    assert_eq!(v.write(b(&f), b"!".to_vec(), 7).unwrap(), 1);
    assert_eq!(
        v.read(b(&f), 100, 0).unwrap(),
        (b"hello\0\0!".to_vec(), false)
    );
    assert_eq!(v.read(b(&f), 2, 1).unwrap(), (b"el".to_vec(), false));
    assert_eq!(v.read(b(&f), 100, 8).unwrap(), (Vec::new(), true));
    let stat = v.stat(b(&f)).unwrap();
    assert_eq!(stat.type_, DescriptorType::RegularFile);
    assert_eq!((stat.size, stat.link_count), (8, 1));
    assert_eq!(v.get_type(b(&f)).unwrap(), DescriptorType::RegularFile);
    assert_eq!(v.get_flags(b(&f)).unwrap(), rw());
    let at = v
        .stat_at(b(&dir), PathFlags::empty(), "new.txt".into())
        .unwrap();
    assert_eq!((at.type_, at.size), (DescriptorType::RegularFile, 8));
    v.set_size(b(&f), 2).unwrap();
    v.sync_data(b(&f)).unwrap();
    v.sync(b(&f)).unwrap();
    v.sync(b(&dir)).unwrap();
    v.advise(
        b(&f),
        0,
        0,
        wasmtime_wasi::p2::bindings::filesystem::types::Advice::Sequential,
    )
    .unwrap();
    HostDescriptor::drop(&mut v, f).unwrap();
    assert_eq!(std::fs::read(env.sandbox().join("new.txt")).unwrap(), b"he");

    // Exclusive creation of an existing file, a missing file, a file
    // opened as a directory, a directory opened for writing.
    assert_eq!(
        env.open(
            &dir,
            "new.txt",
            OpenFlags::CREATE | OpenFlags::EXCLUSIVE,
            rw()
        )
        .unwrap_err(),
        ErrorCode::Exist
    );
    assert_eq!(
        env.open(&dir, "missing.txt", no_oflags(), DescriptorFlags::READ)
            .unwrap_err(),
        ErrorCode::NoEntry
    );
    assert_eq!(
        env.open(
            &dir,
            "hello.txt",
            OpenFlags::DIRECTORY,
            DescriptorFlags::READ
        )
        .unwrap_err(),
        ErrorCode::NotDirectory
    );
    assert_eq!(
        env.open(
            &dir,
            "sub",
            OpenFlags::DIRECTORY | OpenFlags::CREATE,
            DescriptorFlags::READ
        )
        .unwrap_err(),
        ErrorCode::Invalid
    );
    assert_eq!(
        env.open(&dir, "sub", no_oflags(), rw()).unwrap_err(),
        ErrorCode::IsDirectory
    );

    // Truncation empties the file; a directory opened without the flag
    // is a directory descriptor all the same.
    let t = env
        .open(
            &dir,
            "hello.txt",
            OpenFlags::TRUNCATE,
            DescriptorFlags::WRITE,
        )
        .unwrap();
    assert_eq!(env.view().stat(b(&t)).unwrap().size, 0);
    assert_eq!(std::fs::read(env.sandbox().join("hello.txt")).unwrap(), b"");
    let sub = env
        .open(&dir, "sub", no_oflags(), DescriptorFlags::READ)
        .unwrap();
    let mut v = env.view();
    assert_eq!(v.get_type(b(&sub)).unwrap(), DescriptorType::Directory);
    // Directory operations on a file, file operations on a directory.
    assert_eq!(err(v.read_directory(b(&t))), ErrorCode::NotDirectory);
    assert_eq!(err(v.read(b(&sub), 1, 0)), ErrorCode::BadDescriptor);
    assert_eq!(err(v.read_via_stream(b(&sub), 0)), ErrorCode::IsDirectory);
    assert_eq!(
        err(v.write_via_stream(b(&sub), 0)),
        ErrorCode::BadDescriptor
    );
}

#[test]
fn sync_flags() {
    let mut env = Env::rw("sync-flags");
    let dir = env.preopen();
    let f = env
        .open(
            &dir,
            "hello.txt",
            no_oflags(),
            DescriptorFlags::WRITE | DescriptorFlags::FILE_INTEGRITY_SYNC,
        )
        .unwrap();
    let flags = env.view().get_flags(b(&f)).unwrap();
    assert_eq!(
        flags,
        DescriptorFlags::WRITE | DescriptorFlags::FILE_INTEGRITY_SYNC
    );
    // The host opened it with `O_SYNC`.
    let fdinfo = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            (target == env.sandbox().join("hello.txt")).then(|| e.file_name())
        })
        .map(|fd| {
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.to_str().unwrap())).unwrap()
        })
        .collect::<Vec<_>>();
    let synced = fdinfo.iter().any(|info| {
        info.lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|f| {
                u32::from_str_radix(f.trim(), 8).unwrap() & libc::O_SYNC as u32
                    == libc::O_SYNC as u32
            })
            .unwrap_or(false)
    });
    assert!(synced, "{fdinfo:?}");
    let f = env
        .open(
            &dir,
            "hello.txt",
            no_oflags(),
            DescriptorFlags::READ | DescriptorFlags::DATA_INTEGRITY_SYNC,
        )
        .unwrap();
    let flags = env.view().get_flags(b(&f)).unwrap();
    assert_eq!(
        flags,
        DescriptorFlags::READ | DescriptorFlags::DATA_INTEGRITY_SYNC
    );
}

#[test]
fn streams() {
    use wasmtime_wasi::p2::bindings::sync::io::streams::{HostInputStream, HostOutputStream};
    let mut env = Env::rw("streams");
    let dir = env.preopen();
    let f = env.open(&dir, "hello.txt", no_oflags(), rw()).unwrap();
    let mut v = env.view();

    // Reading from offset 7 on, in pieces, to the end.
    let input = v.read_via_stream(b(&f), 7).unwrap();
    assert_eq!(
        HostInputStream::read(&mut v, Resource::new_borrow(input.rep()), 3).unwrap(),
        b"wor"
    );
    assert_eq!(
        HostInputStream::read(&mut v, Resource::new_borrow(input.rep()), 100).unwrap(),
        b"ld"
    );
    assert!(matches!(
        HostInputStream::read(&mut v, Resource::new_borrow(input.rep()), 100),
        Err(StreamError::Closed)
    ));
    HostInputStream::drop(&mut v, input).unwrap();

    // Overwriting at an offset, then appending.
    let out = v.write_via_stream(b(&f), 7).unwrap();
    assert!(v.check_write(Resource::new_borrow(out.rep())).unwrap() >= 5);
    HostOutputStream::write(&mut v, Resource::new_borrow(out.rep()), b"WASI!".to_vec()).unwrap();
    v.blocking_write_and_flush(Resource::new_borrow(out.rep()), b"?".to_vec())
        .unwrap();
    HostOutputStream::drop(&mut v, out).unwrap();
    let app = v.append_via_stream(b(&f)).unwrap();
    v.blocking_write_and_flush(Resource::new_borrow(app.rep()), b" end".to_vec())
        .unwrap();
    HostOutputStream::drop(&mut v, app).unwrap();
    assert_eq!(
        std::fs::read_to_string(env.sandbox().join("hello.txt")).unwrap(),
        "hello, WASI!? end"
    );

    // The stream keeps working after its descriptor is dropped.
    let mut v = env.view();
    let input = v.read_via_stream(b(&f), 0).unwrap();
    HostDescriptor::drop(&mut v, f).unwrap();
    assert_eq!(
        HostInputStream::read(&mut v, Resource::new_borrow(input.rep()), 5).unwrap(),
        b"hello"
    );
}

#[test]
fn read_directory() {
    let mut env = Env::rw("readdir");
    std::fs::write(env.sandbox().join("sub/inner.txt"), "x").unwrap();
    std::os::unix::fs::symlink("hello.txt", env.sandbox().join("link")).unwrap();
    let dir = env.preopen();
    let mut v = env.view();
    let stream = v.read_directory(b(&dir)).unwrap();
    let mut entries = Vec::new();
    while let Some(e) = v
        .read_directory_entry(Resource::new_borrow(stream.rep()))
        .unwrap()
    {
        entries.push((e.name, e.type_));
    }
    HostDirectoryEntryStream::drop(&mut v, stream).unwrap();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        entries,
        [
            ("hello.txt".to_string(), DescriptorType::RegularFile),
            ("link".to_string(), DescriptorType::SymbolicLink),
            ("sub".to_string(), DescriptorType::Directory),
        ]
    );
}

#[test]
fn rename_link_symlink_unlink() {
    let mut env = Env::rw("rename");
    let dir = env.preopen();
    let sandbox = env.sandbox();
    let mut v = env.view();
    v.create_directory_at(b(&dir), "made".into()).unwrap();
    assert!(sandbox.join("made").is_dir());
    assert_eq!(
        err(v.create_directory_at(b(&dir), "made".into())),
        ErrorCode::Exist
    );
    v.rename_at(
        b(&dir),
        "hello.txt".into(),
        b(&dir),
        "made/moved.txt".into(),
    )
    .unwrap();
    assert!(!sandbox.join("hello.txt").exists());
    assert_eq!(
        std::fs::read_to_string(sandbox.join("made/moved.txt")).unwrap(),
        "hello, world"
    );
    v.symlink_at(b(&dir), "made/moved.txt".into(), "link".into())
        .unwrap();
    assert_eq!(
        v.readlink_at(b(&dir), "link".into()).unwrap(),
        "made/moved.txt"
    );
    assert_eq!(
        v.stat_at(b(&dir), PathFlags::empty(), "link".into())
            .unwrap()
            .type_,
        DescriptorType::SymbolicLink
    );
    assert_eq!(
        v.stat_at(b(&dir), PathFlags::SYMLINK_FOLLOW, "link".into())
            .unwrap()
            .size,
        12
    );
    v.link_at(
        b(&dir),
        PathFlags::empty(),
        "made/moved.txt".into(),
        b(&dir),
        "hard.txt".into(),
    )
    .unwrap();
    assert_eq!(
        v.stat_at(b(&dir), PathFlags::empty(), "hard.txt".into())
            .unwrap()
            .link_count,
        2
    );
    assert_eq!(
        err(v.link_at(
            b(&dir),
            PathFlags::SYMLINK_FOLLOW,
            "link".into(),
            b(&dir),
            "x".into()
        )),
        ErrorCode::Invalid
    );
    // Hashes and identity: a hard link is the same object.
    let h1 = v
        .metadata_hash_at(b(&dir), PathFlags::empty(), "hard.txt".into())
        .unwrap();
    let h2 = v
        .metadata_hash_at(b(&dir), PathFlags::SYMLINK_FOLLOW, "link".into())
        .unwrap();
    let h3 = v
        .metadata_hash_at(b(&dir), PathFlags::empty(), "link".into())
        .unwrap();
    assert_eq!((h1.lower, h1.upper), (h2.lower, h2.upper));
    assert_ne!(h1.lower, h3.lower);
    let _ = v;
    let a = env
        .open(&dir, "hard.txt", no_oflags(), DescriptorFlags::READ)
        .unwrap();
    let c = env
        .open(&dir, "made/moved.txt", no_oflags(), DescriptorFlags::READ)
        .unwrap();
    let mut v = env.view();
    assert!(v.is_same_object(b(&a), b(&c)).unwrap());
    assert!(!v.is_same_object(b(&a), b(&dir)).unwrap());
    let ha = v.metadata_hash(b(&a)).unwrap();
    assert_eq!((ha.lower, ha.upper), (h1.lower, h1.upper));

    // Removal.
    assert_eq!(
        err(v.remove_directory_at(b(&dir), "made".into())),
        ErrorCode::NotEmpty
    );
    assert_eq!(
        err(v.unlink_file_at(b(&dir), "made".into())),
        ErrorCode::IsDirectory
    );
    v.unlink_file_at(b(&dir), "link".into()).unwrap();
    v.unlink_file_at(b(&dir), "made/moved.txt".into()).unwrap();
    v.remove_directory_at(b(&dir), "made".into()).unwrap();
    assert!(!sandbox.join("made").exists() && !sandbox.join("link").exists());
    assert!(sandbox.join("hard.txt").exists());
    assert_eq!(
        err(v.unlink_file_at(b(&dir), "made".into())),
        ErrorCode::NoEntry
    );
}

#[test]
fn set_times() {
    let mut env = Env::rw("times");
    let dir = env.preopen();
    let f = env
        .open(&dir, "hello.txt", no_oflags(), DescriptorFlags::WRITE)
        .unwrap();
    let mut v = env.view();
    let t = |seconds| {
        NewTimestamp::Timestamp(wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime {
            seconds,
            nanoseconds: 5,
        })
    };
    v.set_times_at(
        b(&dir),
        PathFlags::SYMLINK_FOLLOW,
        "hello.txt".into(),
        t(1_000_000_000),
        t(1_100_000_000),
    )
    .unwrap();
    let stat = v.stat(b(&f)).unwrap();
    assert_eq!(stat.data_access_timestamp.unwrap().seconds, 1_000_000_000);
    let mtime = stat.data_modification_timestamp.unwrap();
    assert_eq!((mtime.seconds, mtime.nanoseconds), (1_100_000_000, 5));
    v.set_times(b(&f), NewTimestamp::NoChange, t(1_200_000_000))
        .unwrap();
    let stat = v.stat(b(&f)).unwrap();
    assert_eq!(stat.data_access_timestamp.unwrap().seconds, 1_000_000_000);
    assert_eq!(
        stat.data_modification_timestamp.unwrap().seconds,
        1_200_000_000
    );
    v.set_times(b(&dir), NewTimestamp::Now, NewTimestamp::Now)
        .unwrap();
    let bad = NewTimestamp::Timestamp(wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime {
        seconds: 1,
        nanoseconds: 1_000_000_000,
    });
    assert_eq!(
        err(v.set_times(b(&f), bad, NewTimestamp::NoChange)),
        ErrorCode::Invalid
    );
}

#[test]
fn sandbox_escapes_fail() {
    let mut env = Env::rw("escapes");
    let sandbox = env.sandbox();
    let outside = env.root.join("outside");
    // Links placed by the host that lead outside.
    std::os::unix::fs::symlink("../outside/secret.txt", sandbox.join("rel-link")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), sandbox.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("../outside", sandbox.join("dir-link")).unwrap();
    let dir = env.preopen();
    let secret_abs = outside.join("secret.txt").to_str().unwrap().to_string();

    for path in [
        "../outside/secret.txt",
        "sub/../../outside/secret.txt",
        "..",
        "/etc/passwd",
        secret_abs.as_str(),
        "rel-link",
        "abs-link",
        "dir-link/secret.txt",
    ] {
        for oflags in [no_oflags(), OpenFlags::CREATE] {
            assert_eq!(
                env.open(&dir, path, oflags, DescriptorFlags::READ)
                    .unwrap_err(),
                ErrorCode::NotPermitted,
                "open {path}"
            );
        }
        let mut v = env.view();
        assert_eq!(
            err(v.stat_at(b(&dir), PathFlags::SYMLINK_FOLLOW, path.into())),
            ErrorCode::NotPermitted,
            "stat {path}"
        );
        assert_eq!(
            err(v.metadata_hash_at(b(&dir), PathFlags::SYMLINK_FOLLOW, path.into())),
            ErrorCode::NotPermitted,
            "hash {path}"
        );
    }
    assert_eq!(
        env.open(
            &dir,
            "dir-link",
            OpenFlags::DIRECTORY,
            DescriptorFlags::READ
        )
        .unwrap_err(),
        ErrorCode::NotPermitted
    );
    // A subdirectory is a sandbox of its own.
    let sub = env
        .open(&dir, "sub", OpenFlags::DIRECTORY, DescriptorFlags::READ)
        .unwrap();
    assert_eq!(
        env.open(
            &sub,
            "../../outside/secret.txt",
            no_oflags(),
            DescriptorFlags::READ
        )
        .unwrap_err(),
        ErrorCode::NotPermitted
    );

    let mut v = env.view();
    // Reading an absolute link's target is refused; a relative one is
    // just text.
    assert_eq!(
        err(v.readlink_at(b(&dir), "abs-link".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        v.readlink_at(b(&dir), "rel-link".into()).unwrap(),
        "../outside/secret.txt"
    );
    assert_eq!(
        err(v.readlink_at(b(&dir), "../outside".into())),
        ErrorCode::NotPermitted
    );
    // Mutations that would reach outside.
    assert_eq!(
        err(v.rename_at(
            b(&dir),
            "hello.txt".into(),
            b(&dir),
            "../outside/stolen.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.rename_at(
            b(&dir),
            "hello.txt".into(),
            b(&dir),
            "dir-link/stolen.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.rename_at(
            b(&dir),
            "../outside/secret.txt".into(),
            b(&dir),
            "mine.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.rename_at(b(&dir), secret_abs.clone(), b(&dir), "mine.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.link_at(
            b(&dir),
            PathFlags::empty(),
            "../outside/secret.txt".into(),
            b(&dir),
            "mine.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.link_at(
            b(&dir),
            PathFlags::empty(),
            "hello.txt".into(),
            b(&dir),
            "../outside/hello.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.symlink_at(b(&dir), "/etc/passwd".into(), "passwd".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.symlink_at(b(&dir), "x".into(), "../outside/x".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.create_directory_at(b(&dir), "../outside/new".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.create_directory_at(b(&dir), "dir-link/new".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.unlink_file_at(b(&dir), "../outside/secret.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.unlink_file_at(b(&dir), "dir-link/secret.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.remove_directory_at(b(&dir), "../outside".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.set_times_at(
            b(&dir),
            PathFlags::SYMLINK_FOLLOW,
            "rel-link".into(),
            NewTimestamp::Now,
            NewTimestamp::Now
        )),
        ErrorCode::NotPermitted
    );
    // A symlink the guest makes to outside is created but leads nowhere.
    v.symlink_at(b(&dir), "../outside/secret.txt".into(), "mine".into())
        .unwrap();
    let _ = v;
    assert_eq!(
        env.open(&dir, "mine", no_oflags(), DescriptorFlags::READ)
            .unwrap_err(),
        ErrorCode::NotPermitted
    );
    // Without following, a link is not opened through.
    let nofollow = env.view().open_at(
        b(&dir),
        PathFlags::empty(),
        "rel-link".into(),
        no_oflags(),
        DescriptorFlags::READ,
    );
    assert_eq!(err(nofollow), ErrorCode::Loop);
    secret_intact(&env);
    assert!(sandbox.join("hello.txt").exists());
}

#[test]
fn read_only_preopen() {
    let mut env = Env::new("readonly", DirPerms::READ, FilePerms::READ);
    let dir = env.preopen();
    let sandbox = env.sandbox();
    for (oflags, flags) in [
        (OpenFlags::CREATE, DescriptorFlags::READ),
        (OpenFlags::TRUNCATE, DescriptorFlags::READ),
        (no_oflags(), DescriptorFlags::WRITE),
        (no_oflags(), rw()),
    ] {
        assert_eq!(
            env.open(&dir, "hello.txt", oflags, flags).unwrap_err(),
            ErrorCode::NotPermitted
        );
    }
    let f = env
        .open(&dir, "hello.txt", no_oflags(), DescriptorFlags::READ)
        .unwrap();
    let mut v = env.view();
    assert_eq!(v.read(b(&f), 5, 0).unwrap().0, b"hello");
    assert_eq!(
        err(v.write(b(&f), b"x".to_vec(), 0)),
        ErrorCode::NotPermitted
    );
    assert_eq!(err(v.write_via_stream(b(&f), 0)), ErrorCode::NotPermitted);
    assert_eq!(err(v.append_via_stream(b(&f))), ErrorCode::NotPermitted);
    assert_eq!(err(v.set_size(b(&f), 0)), ErrorCode::NotPermitted);
    assert_eq!(
        err(v.set_times(b(&f), NewTimestamp::Now, NewTimestamp::Now)),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.set_times(b(&dir), NewTimestamp::Now, NewTimestamp::Now)),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.create_directory_at(b(&dir), "d".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.unlink_file_at(b(&dir), "hello.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.remove_directory_at(b(&dir), "sub".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.rename_at(b(&dir), "hello.txt".into(), b(&dir), "x".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.symlink_at(b(&dir), "hello.txt".into(), "l".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.link_at(
            b(&dir),
            PathFlags::empty(),
            "hello.txt".into(),
            b(&dir),
            "l".into()
        )),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.set_times_at(
            b(&dir),
            PathFlags::empty(),
            "hello.txt".into(),
            NewTimestamp::Now,
            NewTimestamp::Now
        )),
        ErrorCode::NotPermitted
    );
    // Subdirectories inherit the permissions.
    let _ = v;
    let sub = env
        .open(
            &dir,
            "sub",
            OpenFlags::DIRECTORY,
            DescriptorFlags::READ | DescriptorFlags::MUTATE_DIRECTORY,
        )
        .unwrap();
    let mut v = env.view();
    assert_eq!(v.get_flags(b(&sub)).unwrap(), DescriptorFlags::READ);
    assert_eq!(
        err(v.create_directory_at(b(&sub), "d".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.join("hello.txt")).unwrap(),
        "hello, world"
    );
    assert!(!sandbox.join("d").exists() && !sandbox.join("sub/d").exists());
}

#[test]
fn descriptor_open_mode_and_unreadable_dir() {
    // A writable pre-open: a file opened only for reading cannot be
    // written (bad-descriptor, as the host's EBADF), and vice versa.
    let mut env = Env::rw("open-mode");
    let dir = env.preopen();
    let r = env
        .open(&dir, "hello.txt", no_oflags(), DescriptorFlags::READ)
        .unwrap();
    let w = env
        .open(&dir, "hello.txt", no_oflags(), DescriptorFlags::WRITE)
        .unwrap();
    let mut v = env.view();
    assert_eq!(
        err(v.write(b(&r), b"x".to_vec(), 0)),
        ErrorCode::BadDescriptor
    );
    assert_eq!(err(v.write_via_stream(b(&r), 0)), ErrorCode::BadDescriptor);
    assert_eq!(err(v.read(b(&w), 1, 0)), ErrorCode::BadDescriptor);
    assert_eq!(err(v.read_via_stream(b(&w), 0)), ErrorCode::BadDescriptor);

    // A directory that may be changed but not read.
    let mut env = Env::new("mutate-only", DirPerms::MUTATE, FilePerms::all());
    let dir = env.preopen();
    assert_eq!(
        env.open(&dir, "hello.txt", no_oflags(), DescriptorFlags::READ)
            .unwrap_err(),
        ErrorCode::NotPermitted
    );
    let mut v = env.view();
    assert_eq!(err(v.read_directory(b(&dir))), ErrorCode::NotPermitted);
    assert_eq!(
        err(v.stat_at(b(&dir), PathFlags::empty(), "hello.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.readlink_at(b(&dir), "hello.txt".into())),
        ErrorCode::NotPermitted
    );
}

#[test]
fn rename_between_preopens_with_other_permissions() {
    let root = std::env::temp_dir().join(format!("wasi-p2-fs-{}-two", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for d in ["a", "b", "c"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("a/f.txt"), "f").unwrap();
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(root.join("a"), "a", DirPerms::all(), FilePerms::all())
        .unwrap()
        .preopened_dir(root.join("b"), "b", DirPerms::all(), FilePerms::READ)
        .unwrap()
        .preopened_dir(root.join("c"), "c", DirPerms::all(), FilePerms::all())
        .unwrap()
        .build();
    let mut ctx = ctx;
    let mut table = ResourceTable::new();
    let mut v = WasiCtxView {
        ctx: &mut ctx,
        table: &mut table,
    };
    let dirs = v.get_directories().unwrap();
    let names: Vec<_> = dirs.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let (a, bb, c) = (&dirs[0].0, &dirs[1].0, &dirs[2].0);
    assert_eq!(
        err(v.rename_at(b(a), "f.txt".into(), b(bb), "f.txt".into())),
        ErrorCode::NotPermitted
    );
    assert_eq!(
        err(v.link_at(
            b(a),
            PathFlags::empty(),
            "f.txt".into(),
            b(bb),
            "f.txt".into()
        )),
        ErrorCode::NotPermitted
    );
    v.rename_at(b(a), "f.txt".into(), b(c), "g.txt".into())
        .unwrap();
    assert!(root.join("c/g.txt").exists() && !root.join("a/f.txt").exists());
    assert!(!root.join("b/f.txt").exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn filesystem_error_code() {
    let mut env = Env::rw("error-code");
    let mut v = env.view();
    let io = std::io::Error::from_raw_os_error(libc::ENOENT);
    let e = v.table.push(wasmtime::Error::from(io)).unwrap();
    assert_eq!(
        v.filesystem_error_code(Resource::new_borrow(e.rep()))
            .unwrap(),
        Some(ErrorCode::NoEntry)
    );
    let other = v
        .table
        .push(wasmtime::format_err!("not an I/O error"))
        .unwrap();
    assert_eq!(
        v.filesystem_error_code(Resource::new_borrow(other.rep()))
            .unwrap(),
        None
    );
    let xdev = std::io::Error::from_raw_os_error(libc::EXDEV);
    let e = v.table.push(wasmtime::Error::from(xdev)).unwrap();
    assert_eq!(
        v.filesystem_error_code(Resource::new_borrow(e.rep()))
            .unwrap(),
        Some(ErrorCode::CrossDevice)
    );
    // `convert_error_code` gives the code back, and traps stay traps.
    let fs_err: FsError = ErrorCode::Loop.into();
    assert_eq!(v.convert_error_code(fs_err).unwrap(), ErrorCode::Loop);
    assert!(v
        .convert_error_code(FsError::trap(wasmtime::format_err!("boom")))
        .is_err());
}
