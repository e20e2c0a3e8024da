//! WASI 0.3 filesystem: a component opens paths beneath its pre-opened
//! directory with `wasi:filesystem/types@0.3.0` `open-at` (an `async`
//! function, lowered synchronously here); `..` out of the pre-open and
//! absolute paths fail with `not-permitted`, as in WASI 0.2.

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

struct State {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// The cases of `wasi:filesystem/types@0.3.0.error-code`, in order.
const ERROR_CODES: &[&str] = &[
    "access",
    "already",
    "bad-descriptor",
    "busy",
    "deadlock",
    "quota",
    "exist",
    "file-too-large",
    "illegal-byte-sequence",
    "in-progress",
    "interrupted",
    "invalid",
    "io",
    "is-directory",
    "loop",
    "too-many-links",
    "message-size",
    "name-too-long",
    "no-device",
    "no-entry",
    "no-lock",
    "insufficient-memory",
    "insufficient-space",
    "not-directory",
    "not-empty",
    "not-recoverable",
    "unsupported",
    "no-tty",
    "no-such-device",
    "overflow",
    "not-permitted",
    "pipe",
    "read-only",
    "invalid-seek",
    "text-file-busy",
    "cross-device",
];

/// A component whose export `open(path: string) -> u32` opens `path`
/// beneath its first pre-open for reading and returns
/// `(is-err << 8) | error-case` (0 when the file opened).
fn component() -> String {
    let cases: String = ERROR_CODES
        .iter()
        .map(|c| format!("(case \"{c}\")"))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        r#"(component $C
  (import "wasi:filesystem/types@0.3.0" (instance $types
    (export "descriptor" (type $d (sub resource)))
    (type $ec (variant {cases} (case "other" (option string))))
    (export "error-code" (type $e (eq $ec)))
    (type $pf (flags "symlink-follow"))
    (export "path-flags" (type $pf' (eq $pf)))
    (type $of (flags "create" "directory" "exclusive" "truncate"))
    (export "open-flags" (type $of' (eq $of)))
    (type $df (flags "read" "write" "file-integrity-sync" "data-integrity-sync"
      "requested-write-sync" "mutate-directory"))
    (export "descriptor-flags" (type $df' (eq $df)))
    (type $r (result (own $d) (error $e)))
    (export "[method]descriptor.open-at" (func async (param "self" (borrow $d))
      (param "path-flags" $pf') (param "path" string) (param "open-flags" $of')
      (param "flags" $df') (result $r)))))
  (alias export $types "descriptor" (type $descriptor))
  (import "wasi:filesystem/preopens@0.3.0" (instance $preopens
    (alias outer $C $descriptor (type $d))
    (export "descriptor" (type $d' (eq $d)))
    (type $l (list (tuple (own $d') string)))
    (export "get-directories" (func (result $l)))))
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core func $get-directories (canon lower (func $preopens "get-directories")
    (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core func $open-at (canon lower (func $types "[method]descriptor.open-at")
    (memory (core memory $libc "memory")) (realloc (core func $libc "realloc"))))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "get-directories" (func $get-directories (param i32)))
    (import "" "open-at" (func $open-at (param i32 i32 i32 i32 i32 i32 i32)))
    (func (export "open") (param $path i32) (param $len i32) (result i32)
      (call $get-directories (i32.const 16))
      ;; The first pre-open's descriptor, then open-at (read) into 32..
      (call $open-at (i32.load (i32.load (i32.const 16))) (i32.const 0)
        (local.get $path) (local.get $len) (i32.const 0) (i32.const 1) (i32.const 32))
      (i32.or
        (i32.shl (i32.load8_u (i32.const 32)) (i32.const 8))
        (select (i32.load8_u (i32.const 36)) (i32.const 0) (i32.load8_u (i32.const 32))))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "get-directories" (func $get-directories))
      (export "open-at" (func $open-at))))))
  (func (export "open") (param "path" string) (result u32)
    (canon lift (core func $i "open") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc"))))
)"#
    )
}

fn open(path: &str) -> u32 {
    let dir = tempfile_dir();
    std::fs::write(dir.join("a.txt"), "hi").unwrap();
    let engine = Engine::default();
    let component = Component::new(&engine, component()).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p3::add_to_linker(&mut linker).unwrap();
    let ctx = WasiCtxBuilder::new()
        .preopened_dir(&dir, "/", DirPerms::all(), FilePerms::all())
        .unwrap()
        .build();
    let mut store = Store::new(
        &engine,
        State {
            ctx,
            table: ResourceTable::new(),
        },
    );
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance
        .get_typed_func::<(&str,), (u32,)>(&mut store, "open")
        .unwrap();
    let (r,) = f.call(&mut store, (path,)).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wasi-p3-fs-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn not_permitted() -> u32 {
    let case = ERROR_CODES.iter().position(|c| *c == "not-permitted");
    (1 << 8) | case.unwrap() as u32
}

#[test]
fn files_beneath_the_preopen_open() {
    assert_eq!(open("a.txt"), 0);
    assert_eq!(open("./a.txt"), 0);
}

#[test]
fn missing_files_are_no_entry() {
    let case = ERROR_CODES.iter().position(|c| *c == "no-entry").unwrap();
    assert_eq!(open("b.txt"), (1 << 8) | case as u32);
}

#[test]
fn paths_out_of_the_preopen_are_not_permitted() {
    assert_eq!(open("../a.txt"), not_permitted());
    assert_eq!(open("/etc/passwd"), not_permitted());
}
