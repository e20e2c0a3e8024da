//! Streams between two components of a composition: each has its own
//! memory, and the readable end moves from one's table to the other's
//! through the adapter between them.

use super::async_streams::{engine, COMPLETED};
use wasmtime::component::{Component, Linker};
use wasmtime::Store;

/// `caller.run(n)` writes bytes 1..=5 into a new stream, passes the
/// readable end to `callee.consume(s, n)` (another component of the
/// composition, with its own memory), which reads `n` bytes synchronously
/// and returns `count << 16 | sum`; `run` then returns that plus the
/// outcome of its write (`<< 24`).
const COMPOSED: &str = r#"(component
  (component $callee
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (type $s (stream u8))
    (core func $read (canon stream.read $s (memory (core memory $libc "memory"))))
    (core func $drop (canon stream.drop-readable $s))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "read" (func $read (param i32 i32 i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "consume") (param $s i32) (param $n i32) (result i32)
        (local $r i32) (local $i i32) (local $sum i32)
        (local.set $r (call $read (local.get $s) (i32.const 500) (local.get $n)))
        (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 0)) (then unreachable))
        (local.set $r (i32.shr_u (local.get $r) (i32.const 4)))
        (block $done (loop $l
          (br_if $done (i32.ge_u (local.get $i) (local.get $r)))
          (local.set $sum (i32.add (local.get $sum)
            (i32.load8_u (i32.add (i32.const 500) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
        (call $drop (local.get $s))
        (i32.or (i32.shl (local.get $r) (i32.const 16)) (local.get $sum))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance (export "read" (func $read)) (export "drop" (func $drop))))))
    (func (export "consume") async (param "s" $s) (param "n" u32) (result u32)
      (canon lift (core func $i "consume"))))
  (instance $callee (instantiate $callee))
  (component $caller
    (type $s (stream u8))
    (import "consume" (func $consume async (param "s" $s) (param "n" u32) (result u32)))
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (core func $consume (canon lower (func $consume)))
    (core func $new (canon stream.new $s))
    (core func $write (canon stream.write $s async (memory (core memory $libc "memory"))))
    (core func $cancel-write (canon stream.cancel-write $s))
    (core func $drop-w (canon stream.drop-writable $s))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "consume" (func $consume (param i32 i32) (result i32)))
      (import "" "new" (func $new (result i64)))
      (import "" "write" (func $write (param i32 i32 i32) (result i32)))
      (import "" "cancel-write" (func $cancel-write (param i32) (result i32)))
      (import "" "drop-w" (func $drop-w (param i32)))
      (data (i32.const 16) "\01\02\03\04\05")
      (func (export "run") (param $n i32) (result i32)
        (local $both i64) (local $w i32) (local $got i32) (local $wrote i32)
        (local.set $both (call $new))
        (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $both) (i64.const 32))))
        (if (i32.ne (call $write (local.get $w) (i32.const 16) (i32.const 5)) (i32.const -1))
          (then unreachable))
        (local.set $got (call $consume (i32.wrap_i64 (local.get $both)) (local.get $n)))
        (local.set $wrote (call $cancel-write (local.get $w)))
        (call $drop-w (local.get $w))
        (i32.or (local.get $got) (i32.shl (local.get $wrote) (i32.const 24)))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance
        (export "consume" (func $consume))
        (export "new" (func $new))
        (export "write" (func $write))
        (export "cancel-write" (func $cancel-write))
        (export "drop-w" (func $drop-w))))))
    (func (export "run") async (param "n" u32) (result u32) (canon lift (core func $i "run"))))
  (instance $caller (instantiate $caller (with "consume" (func $callee "consume"))))
  (export "run" (func $caller "run"))
)"#;

#[test]
fn streams_between_two_components_of_a_composition() {
    let engine = engine();
    let component = Component::new(&engine, COMPOSED).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let run = instance
        .get_typed_func::<(u32,), (u32,)>(&mut store, "run")
        .unwrap();
    // All five bytes.
    let (r,) = run.call(&mut store, (5,)).unwrap();
    assert_eq!(r, (5 << 16) | 15 | ((COMPLETED | (5 << 4)) << 24));
    // A partial read: three of five.
    let (r,) = run.call(&mut store, (3,)).unwrap();
    assert_eq!(r, (3 << 16) | 6 | ((COMPLETED | (3 << 4)) << 24));
}

/// The other direction: `callee.make()` writes bytes 10..=13 into a new
/// stream and returns its readable end; `caller.run()` reads them from its
/// own memory and asks `callee.status()` for the write's outcome. Returns
/// `sum | read result << 8 | write result << 16`.
const RETURNED_STREAM: &str = r#"(component
  (component $callee
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (type $s (stream u8))
    (core func $new (canon stream.new $s))
    (core func $write (canon stream.write $s async (memory (core memory $libc "memory"))))
    (core func $cancel-write (canon stream.cancel-write $s))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "new" (func $new (result i64)))
      (import "" "write" (func $write (param i32 i32 i32) (result i32)))
      (import "" "cancel-write" (func $cancel-write (param i32) (result i32)))
      (global $w (mut i32) (i32.const 0))
      (data (i32.const 40) "\0a\0b\0c\0d")
      (func (export "make") (result i32)
        (local $both i64)
        (local.set $both (call $new))
        (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $both) (i64.const 32))))
        (if (i32.ne (call $write (global.get $w) (i32.const 40) (i32.const 4)) (i32.const -1))
          (then unreachable))
        (i32.wrap_i64 (local.get $both)))
      (func (export "status") (result i32) (call $cancel-write (global.get $w))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance
        (export "new" (func $new))
        (export "write" (func $write))
        (export "cancel-write" (func $cancel-write))))))
    (func (export "make") async (result $s) (canon lift (core func $i "make")))
    (func (export "status") async (result u32) (canon lift (core func $i "status"))))
  (instance $callee (instantiate $callee))
  (component $caller
    (type $s (stream u8))
    (import "make" (func $make async (result $s)))
    (import "status" (func $status async (result u32)))
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (core func $make (canon lower (func $make)))
    (core func $status (canon lower (func $status)))
    (core func $read (canon stream.read $s async (memory (core memory $libc "memory"))))
    (core func $drop-r (canon stream.drop-readable $s))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "make" (func $make (result i32)))
      (import "" "status" (func $status (result i32)))
      (import "" "read" (func $read (param i32 i32 i32) (result i32)))
      (import "" "drop-r" (func $drop-r (param i32)))
      (func (export "run") (result i32)
        (local $s i32) (local $r i32) (local $sum i32)
        (local.set $s (call $make))
        (local.set $r (call $read (local.get $s) (i32.const 100) (i32.const 10)))
        (call $drop-r (local.get $s))
        (local.set $sum (i32.add
          (i32.add (i32.load8_u (i32.const 100)) (i32.load8_u (i32.const 101)))
          (i32.add (i32.load8_u (i32.const 102)) (i32.load8_u (i32.const 103)))))
        (i32.or (local.get $sum)
          (i32.or (i32.shl (local.get $r) (i32.const 8))
            (i32.shl (call $status) (i32.const 16))))))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance
        (export "make" (func $make))
        (export "status" (func $status))
        (export "read" (func $read))
        (export "drop-r" (func $drop-r))))))
    (func (export "run") async (result u32) (canon lift (core func $i "run"))))
  (instance $caller (instantiate $caller
    (with "make" (func $callee "make"))
    (with "status" (func $callee "status"))))
  (export "run" (func $caller "run"))
)"#;

#[test]
fn a_component_returns_a_stream_another_reads() {
    let engine = engine();
    let component = Component::new(&engine, RETURNED_STREAM).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let run = instance
        .get_typed_func::<(), (u32,)>(&mut store, "run")
        .unwrap();
    let done = COMPLETED | (4 << 4);
    assert_eq!(
        run.call(&mut store, ()).unwrap(),
        (46 | (done << 8) | (done << 16),)
    );
}
