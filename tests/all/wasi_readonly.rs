//! Read-only pre-opens (`DirPerms::READ` with `FilePerms::READ`): every
//! way of writing through them fails with the errno Wasmtime gives (EPERM
//! for a refused mutation or open, EBADF for writing a file opened for
//! reading), and nothing on disk changes. The same program against a
//! writable pre-open succeeds, so the refusals come from the permissions.

use std::path::{Path, PathBuf};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{DirPerms, FilePerms, I32Exit, WasiCtxBuilder};

/// Creates `<tmp>/<name>/{ro,rw}` with the files `readonly.c` expects.
fn setup(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = std::env::temp_dir().join(format!("wasi-readonly-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (ro, rw) = (root.join("ro"), root.join("rw"));
    std::fs::create_dir_all(ro.join("sub")).unwrap();
    std::fs::create_dir_all(ro.join("empty")).unwrap();
    std::fs::create_dir_all(&rw).unwrap();
    std::fs::write(ro.join("file.txt"), "original\n").unwrap();
    std::fs::write(rw.join("src.txt"), "source\n").unwrap();
    (root, ro, rw)
}

/// Every file and directory under `root` with its contents and mtime.
fn snapshot(root: &Path) -> Vec<(PathBuf, Option<Vec<u8>>, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let contents = if meta.is_dir() {
                stack.push(path.clone());
                None
            } else {
                Some(std::fs::read(&path).unwrap())
            };
            out.push((path, contents, meta.modified().unwrap()));
        }
    }
    out.sort();
    out
}

fn run_readonly_program(
    ro: &Path,
    rw: &Path,
    dir_perms: DirPerms,
    file_perms: FilePerms,
) -> String {
    let engine = Engine::default();
    let module = Module::from_file(
        &engine,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi-programs/readonly.wasm"),
    )
    .unwrap();
    let stdout = MemoryOutputPipe::new(1 << 16);
    let ctx = WasiCtxBuilder::new()
        .stdout(stdout.clone())
        .preopened_dir(ro, "/ro", dir_perms, file_perms)
        .unwrap()
        .preopened_dir(rw, "/rw", DirPerms::all(), FilePerms::all())
        .unwrap()
        .build_p1();
    let mut store = Store::new(&engine, ctx);
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    if let Err(e) = start.call(&mut store, ()) {
        assert_eq!(e.downcast_ref::<I32Exit>().map(|e| e.0), Some(0), "{e:?}");
    }
    String::from_utf8(stdout.contents().to_vec()).unwrap()
}

/// The program's lines, with the result each call must give when `/ro`
/// is read-only and when it is writable.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("read", "original", "original"),
    ("open O_WRONLY", "EPERM", "ok"),
    ("open O_RDWR", "EPERM", "ok"),
    ("open O_APPEND", "EPERM", "ok"),
    ("open O_CREAT", "EPERM", "ok"),
    ("open O_CREAT|O_RDONLY", "EPERM", "ok"),
    ("mkdir", "EPERM", "ok"),
    ("mkdirat in an opened subdirectory", "EPERM", "ok"),
    ("symlink", "EPERM", "ok"),
    ("link", "EPERM", "ok"),
    ("link out of /ro", "EPERM", "ok"),
    ("link into /ro", "EPERM", "ok"),
    ("utimensat", "EPERM", "ok"),
    ("futimens on the directory", "EPERM", "ok"),
    // Through a descriptor opened for reading: the file permissions
    // refuse set-size and set-times; writes fail as on any read-only
    // descriptor. (Writable: truncating a descriptor open for reading is
    // the host's EINVAL.)
    ("ftruncate", "EPERM", "EINVAL"),
    ("futimens", "EPERM", "ok"),
    ("write", "EBADF", "EBADF"),
    ("pwrite", "EBADF", "EBADF"),
    ("truncate", "EPERM", "ok"),
    ("open O_TRUNC", "EPERM", "ok"),
    ("rename", "EPERM", "ok"),
    ("rename into /ro", "EPERM", "ok"),
    ("rename out of /ro", "EPERM", "ok"),
    ("unlink", "EPERM", "ok"),
    ("rmdir", "EPERM", "ok"),
];

fn expected(writable: bool) -> String {
    EXPECTED
        .iter()
        .map(|(what, ro, rw)| format!("{what}: {}\n", if writable { rw } else { ro }))
        .collect()
}

#[test]
fn read_only_preopen_refuses_every_write() {
    let (root, ro, rw) = setup("ro");
    let ro_before = snapshot(&ro);
    let rw_before = snapshot(&rw);
    let out = run_readonly_program(&ro, &rw, DirPerms::READ, FilePerms::READ);
    assert_eq!(out, expected(false));
    assert_eq!(snapshot(&ro), ro_before, "the read-only tree changed");
    assert_eq!(snapshot(&rw), rw_before, "nothing moved into or out of /ro");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn read_only_directory_refuses_writes_even_with_writable_files() {
    // As in Wasmtime, without `DirPerms::MUTATE` no file is opened for
    // writing, even when the file permissions would allow writes.
    let (root, ro, rw) = setup("ro-files-rw");
    let contents = |root: &Path| {
        snapshot(root)
            .into_iter()
            .map(|(p, c, _)| (p, c))
            .collect::<Vec<_>>()
    };
    let before = contents(&ro);
    let out = run_readonly_program(&ro, &rw, DirPerms::READ, FilePerms::all());
    for line in out.lines() {
        if line.starts_with("open ") || line.starts_with("truncate") {
            assert!(line.ends_with("EPERM"), "{line}");
        }
    }
    // The file permissions allow setting times and sizes through a
    // descriptor opened for reading (as in Wasmtime); the tree's names and
    // contents stay the same.
    assert!(out.contains("futimens: ok\n"), "{out}");
    assert_eq!(contents(&ro), before);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_same_program_writes_through_a_writable_preopen() {
    let (root, ro, rw) = setup("rw");
    let out = run_readonly_program(&ro, &rw, DirPerms::all(), FilePerms::all());
    assert_eq!(out, expected(true));
    assert!(rw.join("stolen.txt").exists() && ro.join("src.txt").exists());
    assert!(!ro.join("empty").exists() && ro.join("sub/x").is_dir());
    std::fs::remove_dir_all(&root).unwrap();
}
