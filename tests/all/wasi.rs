//! WASI preview 1 through the embedding API: the C programs in
//! `tests/wasi-programs` with captured output, sandbox escapes, and
//! hostile arguments from hand-written modules.

use std::path::{Path, PathBuf};
use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{DirPerms, FilePerms, I32Exit, WasiCtxBuilder};

pub(crate) fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wasi-programs")
        .join(format!("{name}.wasm"))
}

/// What a guest run produced.
struct Run {
    stdout: String,
    stderr: String,
    /// `Ok(None)` for a normal return, `Ok(Some(code))` for `proc_exit`.
    exit: wasmtime::Result<Option<i32>>,
}

/// Runs `module`'s `_start` with `configure` applied to the builder and
/// stdout/stderr captured.
fn run_module(module: &Module, configure: impl FnOnce(&mut WasiCtxBuilder)) -> Run {
    let engine = module.engine();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let stderr = MemoryOutputPipe::new(1 << 20);
    let mut builder = WasiCtxBuilder::new();
    builder.stdout(stdout.clone()).stderr(stderr.clone());
    configure(&mut builder);
    let mut store = Store::new(engine, builder.build_p1());
    let mut linker: Linker<WasiP1Ctx> = Linker::new(engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let exit = (|| {
        let instance = linker.instantiate(&mut store, module)?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        match start.call(&mut store, ()) {
            Ok(()) => Ok(None),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(Some(exit.0)),
                None => Err(e),
            },
        }
    })();
    Run {
        stdout: String::from_utf8_lossy(&stdout.contents()).into_owned(),
        stderr: String::from_utf8_lossy(&stderr.contents()).into_owned(),
        exit,
    }
}

fn run(name: &str, configure: impl FnOnce(&mut WasiCtxBuilder)) -> Run {
    let engine = Engine::default();
    let module = Module::from_file(&engine, program(name)).unwrap();
    run_module(&module, configure)
}

/// A fresh empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasi-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn hello_output_is_captured() {
    let r = run("hello", |_| {});
    assert_eq!(r.exit.unwrap(), None);
    assert_eq!(r.stdout, "Hello, world!\n");
    assert_eq!(r.stderr, "");
}

#[test]
fn arguments() {
    let r = run("args", |b| {
        b.args(&["prog", "one", "two words", ""]);
    });
    assert_eq!(r.exit.unwrap(), None);
    assert_eq!(
        r.stdout,
        "argc=4\nargv[0]=prog\nargv[1]=one\nargv[2]=two words\nargv[3]=\n"
    );
}

#[test]
fn environment() {
    let r = run("env", |b| {
        b.arg("env").arg("B").arg("MISSING");
        b.env("B", "two=2").env("A", "1").env("EMPTY", "");
    });
    assert_eq!(r.exit.unwrap(), None);
    assert_eq!(
        r.stdout,
        "count=3\nA=1\nB=two=2\nEMPTY=\ngetenv(B)=two=2\ngetenv(MISSING)=(null)\n"
    );
}

#[test]
fn exit_codes() {
    for code in [0, 1, 7, 125] {
        let r = run("exit", |b| {
            b.arg("exit").arg(code.to_string());
        });
        assert_eq!(r.exit.unwrap(), Some(code), "exit({code})");
        assert_eq!(r.stdout, format!("exiting with {code}\n"));
    }
    // Outside [0, 126) the reference reports an error, not an exit.
    let r = run("exit", |b| {
        b.arg("exit").arg("200");
    });
    let err = r.exit.unwrap_err();
    assert!(err.downcast_ref::<I32Exit>().is_none());
    assert!(
        format!("{err:#}").contains("invalid exit status"),
        "{err:#}"
    );
}

#[test]
fn stdin_is_read() {
    let input = "the quick brown\nfox\n\n  jumps";
    let r = run("stdin", |b| {
        b.stdin(MemoryInputPipe::new(input));
    });
    assert_eq!(r.exit.unwrap(), None);
    let words = input.split_whitespace().count();
    let lines = input.matches('\n').count();
    assert_eq!(
        r.stdout,
        format!(
            "{}lines={lines} words={words} bytes={}\n",
            input.to_uppercase(),
            input.len()
        )
    );
    // With no stdin configured, input is empty.
    let r = run("stdin", |_| {});
    assert_eq!(r.stdout, "lines=0 words=0 bytes=0\n");
}

#[test]
fn clocks_and_random() {
    let r = run("clocks", |_| {});
    assert_eq!(r.exit.unwrap(), None);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    for line in lines {
        assert!(line.ends_with(": yes"), "{line}");
    }
}

#[test]
fn sieve_matches_a_host_computation() {
    let n = 200_000usize;
    let mut composite = vec![false; n];
    let (mut count, mut last) = (0, 0);
    for i in 2..n {
        if !composite[i] {
            count += 1;
            last = i;
            let mut j = i * i;
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    let r = run("sieve", |b| {
        b.arg("sieve").arg(n.to_string());
    });
    assert_eq!(r.exit.unwrap(), None);
    assert_eq!(
        r.stdout,
        format!("primes below {n}: {count}, largest {last}\n")
    );
}

#[test]
fn sort_matches_a_host_computation() {
    let n = 50_000usize;
    let mut s: u64 = 88172645463325252;
    let mut v: Vec<u64> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        })
        .collect();
    v.sort();
    let sum = v
        .iter()
        .fold(0u64, |acc, x| acc.wrapping_mul(31).wrapping_add(*x));
    let r = run("sort", |b| {
        b.arg("sort").arg(n.to_string());
    });
    assert_eq!(r.exit.unwrap(), None);
    assert_eq!(
        r.stdout,
        format!(
            "sorted {n} numbers, min {}, max {}, checksum {sum}\n",
            v[0],
            v[n - 1]
        )
    );
}

#[test]
fn files_and_directories() {
    let dir = temp_dir("files");
    let r = run("files", |b| {
        b.arg("files").arg("work");
        b.preopened_dir(&dir, "work", DirPerms::all(), FilePerms::all())
            .unwrap();
    });
    assert_eq!(r.exit.unwrap(), None, "{}", r.stderr);
    let expected = "\
fopen for writing: ok
stat: ok
size=11 regular=1
read 11 bytes: hello file
write appended: ok
size after append=16
lseek to 6 -> 6
read at 6: file
tell -> 10
lseek end-5 -> 11
pwrite at 0: ok
pread 10 at 0: 10 HELLO file
tell after pread/pwrite -> 11
ftruncate to 5: ok
size after truncate=5
lseek to -1 fails: Invalid argument
mkdir sub: ok
mkdir sub again fails: File exists
rename data.txt to sub/c.txt: ok
stat old name: No such file or directory
symlink sub/link -> c.txt: ok
readlink: c.txt
lstat is link: 1
stat through link: size=5 regular=1
link sub/hard -> sub/c.txt: ok
nlink=2
utimensat: ok
atime=1000000000 mtime=1234567890.000000500
opendir: ok
entries: . .. a.txt b.txt c.txt hard link
rmdir non-empty: Directory not empty
open missing: No such file or directory
open dir for writing: Is a directory
O_CREAT|O_EXCL on existing: File exists
unlink a.txt: ok
unlink b.txt: ok
unlink c.txt: ok
unlink hard: ok
unlink link: ok
rmdir sub: ok
stat removed dir: No such file or directory
";
    assert_eq!(r.stdout, expected);
    // The program cleaned up after itself on the host too.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every listed entry of a directory tree with file contents, to compare
/// before and after a guest ran.
fn snapshot(root: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Option<Vec<u8>>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.push((rel, None));
                walk(root, &p, out);
            } else if meta.file_type().is_symlink() {
                out.push((
                    rel,
                    Some(
                        std::fs::read_link(&p)
                            .unwrap()
                            .into_os_string()
                            .into_encoded_bytes(),
                    ),
                ));
            } else {
                out.push((rel, Some(std::fs::read(&p).unwrap())));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn sandbox_escapes_fail_and_change_nothing_outside() {
    let root = temp_dir("escape");
    let sandbox = root.join("sandbox");
    let ro = root.join("ro");
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::create_dir_all(&ro).unwrap();
    std::fs::write(root.join("outside.txt"), "secret\n").unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
    std::fs::write(ro.join("existing.txt"), "data\n").unwrap();
    std::os::unix::fs::symlink(root.join("outside.txt"), sandbox.join("hostlink")).unwrap();

    let outside_before: Vec<_> = snapshot(&root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("sandbox"))
        .collect();

    let r = run("escape", |b| {
        b.args(&["escape", "sandbox", "ro"]);
        b.preopened_dir(&sandbox, "sandbox", DirPerms::all(), FilePerms::all())
            .unwrap();
        b.preopened_dir(&ro, "ro", DirPerms::READ, FilePerms::READ)
            .unwrap();
    });
    assert_eq!(r.exit.unwrap(), None, "{}", r.stderr);
    let denied = "denied (Operation not permitted)";
    let expected: Vec<String> = [
        ("open ../outside.txt", denied),
        ("open /etc/passwd", "denied (Capabilities insufficient)"),
        ("create ../created.txt", denied),
        ("mkdir ../newdir", denied),
        ("rename inside.txt to ../moved.txt", denied),
        ("link inside.txt to ../linked.txt", denied),
        ("unlink ../outside.txt", denied),
        ("open sub/../../outside.txt", denied),
        ("symlink evil -> ../outside.txt (creation)", "ALLOWED"),
        ("open evil for reading", denied),
        ("open evil for writing", denied),
        ("stat evil", denied),
        ("symlink abs -> /etc/passwd", denied),
        ("symlink evildir -> ..", "ALLOWED"),
        ("open evildir/outside.txt", denied),
        ("create evildir/created.txt", denied),
        ("open hostlink", denied),
        ("readlink hostlink", denied),
        ("raw path_open ..", denied),
        ("raw path_open ../outside.txt", denied),
        ("raw path_open /etc/passwd", denied),
        ("raw path_open inside.txt", "ALLOWED"),
        ("rename a/b to moved_b", "ALLOWED"),
        ("raw path_open ../../outside.txt from moved dir", denied),
        ("raw path_open .. from moved dir", denied),
        ("read ro/existing.txt", "ALLOWED"),
        ("write ro/existing.txt", denied),
        ("truncate ro/existing.txt", denied),
        ("create ro/new.txt", denied),
        ("unlink ro/existing.txt", denied),
        ("mkdir ro/dir", denied),
        ("rename ro/existing.txt", denied),
        ("symlink in ro", denied),
    ]
    .iter()
    .map(|(what, result)| format!("{what}: {result}"))
    .collect();
    let got: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(got, expected);

    // Nothing outside the writable pre-open changed: the outside file, the
    // read-only tree, and no new entries next to them.
    let outside_after: Vec<_> = snapshot(&root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("sandbox"))
        .collect();
    assert_eq!(outside_before, outside_after);
    assert_eq!(
        std::fs::read(root.join("outside.txt")).unwrap(),
        b"secret\n"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A module importing a WASI function, exporting memory, and calling the
/// function with the given arguments from `run`, returning the errno.
fn call_module(import: &str, params: &str, args: &str) -> String {
    format!(
        r#"(module
          (import "wasi_snapshot_preview1" "{import}" (func $f (param {params}) (result i32)))
          (memory (export "memory") 1)
          (data (i32.const 100) "sandbox")
          (func (export "run") (result i32) {args} call $f))"#
    )
}

fn errno_of(import: &str, params: &str, args: &str) -> i32 {
    let engine = Engine::default();
    let module = Module::new(&engine, call_module(import, params, args)).unwrap();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let dir = temp_dir(&format!("errno-{import}"));
    std::fs::write(dir.join("f.txt"), "x").unwrap();
    let ctx = WasiCtxBuilder::new()
        .args(&["a", "b"])
        .preopened_dir(&dir, "sandbox", DirPerms::all(), FilePerms::all())
        .unwrap()
        .build_p1();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance
        .get_typed_func::<(), i32>(&mut store, "run")
        .unwrap();
    let errno = f.call(&mut store, ()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    errno
}

const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ENOSYS: i32 = 52;
const ENOTDIR: i32 = 54;
const ENOTSUP: i32 = 58;

#[test]
fn bad_pointers_are_efault() {
    let i32x2 = "i32 i32";
    // Results written past the end of memory (one page = 65536 bytes).
    assert_eq!(
        errno_of("args_sizes_get", i32x2, "i32.const 65534 i32.const 0"),
        EFAULT
    );
    assert_eq!(
        errno_of("args_sizes_get", i32x2, "i32.const 0 i32.const -1"),
        EFAULT
    );
    assert_eq!(
        errno_of("args_get", i32x2, "i32.const 65532 i32.const 0"),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "clock_time_get",
            "i32 i64 i32",
            "i32.const 0 i64.const 0 i32.const 65529"
        ),
        EFAULT
    );
    assert_eq!(
        errno_of("random_get", i32x2, "i32.const 65000 i32.const 537"),
        EFAULT
    );
    assert_eq!(
        errno_of("random_get", i32x2, "i32.const -1 i32.const -1"),
        EFAULT
    );
    // iovec arrays and their buffers out of bounds.
    let rw = "i32 i32 i32 i32";
    assert_eq!(
        errno_of(
            "fd_write",
            rw,
            "i32.const 1 i32.const 65532 i32.const 1 i32.const 0"
        ),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "fd_write",
            rw,
            "i32.const 1 i32.const 0 i32.const 0x20000000 i32.const 0"
        ),
        EFAULT
    );
    // iovec {ptr=0x10000, len=1} stored at 0: its buffer is out of bounds.
    assert_eq!(
        errno_of("fd_write", rw, "(i32.store (i32.const 0) (i32.const 0x10000)) (i32.store (i32.const 4) (i32.const 1)) i32.const 1 i32.const 0 i32.const 1 i32.const 16"),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "fd_read",
            rw,
            "i32.const 0 i32.const 0 i32.const 1 i32.const -4"
        ),
        EFAULT
    );
    // Path strings out of bounds.
    assert_eq!(
        errno_of(
            "path_create_directory",
            "i32 i32 i32",
            "i32.const 3 i32.const 65530 i32.const 100"
        ),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "path_unlink_file",
            "i32 i32 i32",
            "i32.const 3 i32.const -1 i32.const 2"
        ),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "fd_prestat_dir_name",
            "i32 i32 i32",
            "i32.const 3 i32.const 65535 i32.const 100"
        ),
        EFAULT
    );
    assert_eq!(
        errno_of(
            "poll_oneoff",
            rw,
            "i32.const 65500 i32.const 0 i32.const 2 i32.const 200"
        ),
        EFAULT
    );
}

#[test]
fn bad_descriptors_and_flags() {
    assert_eq!(errno_of("fd_close", "i32", "i32.const 99"), EBADF);
    assert_eq!(errno_of("fd_close", "i32", "i32.const -1"), EBADF);
    assert_eq!(
        errno_of(
            "fd_write",
            "i32 i32 i32 i32",
            "i32.const 42 i32.const 0 i32.const 0 i32.const 16"
        ),
        EBADF
    );
    assert_eq!(
        errno_of(
            "fd_read",
            "i32 i32 i32 i32",
            "i32.const 3 i32.const 0 i32.const 0 i32.const 16"
        ),
        EBADF
    );
    assert_eq!(
        errno_of(
            "fd_seek",
            "i32 i64 i32 i32",
            "i32.const 3 i64.const 0 i32.const 0 i32.const 16"
        ),
        EBADF
    );
    assert_eq!(
        errno_of("fd_renumber", "i32 i32", "i32.const 3 i32.const 77"),
        EBADF
    );
    assert_eq!(
        errno_of("fd_prestat_get", "i32 i32", "i32.const 1 i32.const 16"),
        EBADF
    );
    assert_eq!(
        errno_of(
            "fd_prestat_dir_name",
            "i32 i32 i32",
            "i32.const 1 i32.const 16 i32.const 10"
        ),
        ENOTDIR
    );
    assert_eq!(
        errno_of(
            "clock_time_get",
            "i32 i64 i32",
            "i32.const 9 i64.const 0 i32.const 16"
        ),
        EINVAL
    );
    assert_eq!(
        errno_of("clock_res_get", "i32 i32", "i32.const 2 i32.const 16"),
        EBADF
    );
    assert_eq!(
        errno_of(
            "poll_oneoff",
            "i32 i32 i32 i32",
            "i32.const 0 i32.const 64 i32.const 0 i32.const 200"
        ),
        EINVAL
    );
    assert_eq!(errno_of("proc_raise", "i32", "i32.const 6"), ENOSYS);
    assert_eq!(errno_of("sched_yield", "", ""), 0);
    assert_eq!(
        errno_of(
            "fd_fdstat_set_rights",
            "i32 i64 i64",
            "i32.const 3 i64.const 0 i64.const 0"
        ),
        ENOTSUP
    );
    assert_eq!(
        errno_of(
            "fd_fdstat_set_rights",
            "i32 i64 i64",
            "i32.const 3 i64.const -1 i64.const 0"
        ),
        EINVAL
    );
    // path_open(dirfd 3, lookup flags 0x10 (unknown), "sandbox"...).
    let open = "i32 i32 i32 i32 i32 i64 i64 i32 i32";
    assert_eq!(errno_of("path_open", open, "i32.const 3 i32.const 16 i32.const 100 i32.const 1 i32.const 0 i64.const 0 i64.const 0 i32.const 0 i32.const 16"), EINVAL);
    // Unknown oflags bit.
    assert_eq!(errno_of("path_open", open, "i32.const 3 i32.const 0 i32.const 100 i32.const 1 i32.const 64 i64.const 0 i64.const 0 i32.const 0 i32.const 16"), EINVAL);
    // A file descriptor (stdout) used as a directory.
    assert_eq!(errno_of("path_open", open, "i32.const 1 i32.const 0 i32.const 100 i32.const 1 i32.const 0 i64.const 0 i64.const 0 i32.const 0 i32.const 16"), EBADF);
    // Invalid whence and DSYNC on set_flags (on stdout: not a file).
    assert_eq!(
        errno_of("fd_fdstat_set_flags", "i32 i32", "i32.const 1 i32.const 1"),
        EBADF
    );
    assert_eq!(
        errno_of(
            "fd_seek",
            "i32 i64 i32 i32",
            "i32.const 1 i64.const 0 i32.const 0 i32.const 16"
        ),
        70
    );
    assert_eq!(
        errno_of(
            "sock_accept",
            "i32 i32 i32",
            "i32.const 3 i32.const 0 i32.const 16"
        ),
        57
    );
    assert_eq!(
        errno_of("sock_shutdown", "i32 i32", "i32.const 1 i32.const 9"),
        EINVAL
    );
}

#[test]
fn module_without_memory_gets_an_error_not_a_crash() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
          (import "wasi_snapshot_preview1" "sched_yield" (func $f (result i32)))
          (func (export "_start") call $f drop))"#,
    )
    .unwrap();
    let r = run_module(&module, |_| {});
    let err = r.exit.unwrap_err();
    assert!(format!("{err:#}").contains("memory"), "{err:#}");
}

#[test]
fn memory_output_pipe_capacity_is_enforced() {
    let engine = Engine::default();
    let module = Module::from_file(&engine, program("hello")).unwrap();
    let stdout = MemoryOutputPipe::new(5);
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |cx| cx).unwrap();
    let ctx = WasiCtxBuilder::new().stdout(stdout.clone()).build_p1();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    // printf's write fails with EIO; the program itself still returns.
    let _ = start.call(&mut store, ());
    assert!(stdout.contents().len() <= 5);
}
