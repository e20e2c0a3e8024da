//! Streams, futures and error contexts: copies between the host and a
//! guest in both directions (between two components of a composition:
//! `async_stream_composition.rs`), partial copies, cancellation, dropping an end while the other waits, error
//! context messages, and misuse as clear errors.

use super::LIBC;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime::component::{
    Component, Destination, FutureConsumer, FutureReader, Linker, Source, StreamConsumer,
    StreamProducer, StreamReader, StreamResult, Val,
};
use wasmtime::{Config, Engine, Store, StoreContextMut};

/// An engine with synchronous stream copies and error contexts (both off
/// by default, as in Wasmtime 48).
pub(super) fn engine() -> Engine {
    let mut config = Config::new();
    config.wasm_component_model_more_async_builtins(true);
    config.wasm_component_model_error_context(true);
    Engine::new(&config).unwrap()
}

/// Copy results.
pub(super) const COMPLETED: u32 = 0;
const DROPPED: u32 = 1;
const CANCELLED: u32 = 2;

/// A component with every stream (`stream<u8>`), future (`future<u32>`)
/// and error-context builtin imported into a core module, whose
/// synchronously lifted export `run(x: u32) -> u32` runs `body` (`$s.*`,
/// `$f.*`, `$e.*` are in scope; `$x` is the parameter). `extra` adds core
/// functions and component exports.
fn kit(body: &str, extra_core: &str, extra_exports: &str) -> String {
    format!(
        r#"(component
  {LIBC}
  (type $s (stream u8))
  (type $f (future u32))
  (core func $s.new (canon stream.new $s))
  (core func $s.read (canon stream.read $s async (memory (core memory $libc "memory"))))
  (core func $s.read-sync (canon stream.read $s (memory (core memory $libc "memory"))))
  (core func $s.write (canon stream.write $s async (memory (core memory $libc "memory"))))
  (core func $s.cancel-read (canon stream.cancel-read $s))
  (core func $s.cancel-write (canon stream.cancel-write $s))
  (core func $s.drop-readable (canon stream.drop-readable $s))
  (core func $s.drop-writable (canon stream.drop-writable $s))
  (core func $f.new (canon future.new $f))
  (core func $f.read (canon future.read $f async (memory (core memory $libc "memory"))))
  (core func $f.read-sync (canon future.read $f (memory (core memory $libc "memory"))))
  (core func $f.write (canon future.write $f async (memory (core memory $libc "memory"))))
  (core func $f.drop-writable (canon future.drop-writable $f))
  (core func $e.new (canon error-context.new (memory (core memory $libc "memory"))))
  (core func $e.debug (canon error-context.debug-message (memory (core memory $libc "memory"))
    (realloc (core func $libc "realloc"))))
  (core func $e.drop (canon error-context.drop))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "s.new" (func $s.new (result i64)))
    (import "" "s.read" (func $s.read (param i32 i32 i32) (result i32)))
    (import "" "s.read-sync" (func $s.read-sync (param i32 i32 i32) (result i32)))
    (import "" "s.write" (func $s.write (param i32 i32 i32) (result i32)))
    (import "" "s.cancel-read" (func $s.cancel-read (param i32) (result i32)))
    (import "" "s.cancel-write" (func $s.cancel-write (param i32) (result i32)))
    (import "" "s.drop-readable" (func $s.drop-readable (param i32)))
    (import "" "s.drop-writable" (func $s.drop-writable (param i32)))
    (import "" "f.new" (func $f.new (result i64)))
    (import "" "f.read" (func $f.read (param i32 i32) (result i32)))
    (import "" "f.read-sync" (func $f.read-sync (param i32 i32) (result i32)))
    (import "" "f.write" (func $f.write (param i32 i32) (result i32)))
    (import "" "f.drop-writable" (func $f.drop-writable (param i32)))
    (import "" "e.new" (func $e.new (param i32 i32) (result i32)))
    (import "" "e.debug" (func $e.debug (param i32 i32)))
    (import "" "e.drop" (func $e.drop (param i32)))
    (global $r (mut i32) (i32.const 0))
    (global $w (mut i32) (i32.const 0))
    (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a")
    (data (i32.const 32) "oops")
    (func $split (param i64)
      (global.set $r (i32.wrap_i64 (local.get 0)))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get 0) (i64.const 32)))))
    (func (export "run") (param $x i32) (result i32) {body})
    {extra_core})
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "s.new" (func $s.new))
      (export "s.read" (func $s.read))
      (export "s.read-sync" (func $s.read-sync))
      (export "s.write" (func $s.write))
      (export "s.cancel-read" (func $s.cancel-read))
      (export "s.cancel-write" (func $s.cancel-write))
      (export "s.drop-readable" (func $s.drop-readable))
      (export "s.drop-writable" (func $s.drop-writable))
      (export "f.new" (func $f.new))
      (export "f.read" (func $f.read))
      (export "f.read-sync" (func $f.read-sync))
      (export "f.write" (func $f.write))
      (export "f.drop-writable" (func $f.drop-writable))
      (export "e.new" (func $e.new))
      (export "e.debug" (func $e.debug))
      (export "e.drop" (func $e.drop))))))
  (func (export "run") async (param "x" u32) (result u32) (canon lift (core func $i "run")))
  {extra_exports}
)"#
    )
}

fn run_body(body: &str) -> anyhow::Result<u32> {
    let engine = engine();
    let component = Component::new(&engine, kit(body, "", ""))?;
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine).instantiate(&mut store, &component)?;
    let run = instance.get_typed_func::<(u32,), (u32,)>(&mut store, "run")?;
    Ok(run.call(&mut store, (0,))?.0)
}

fn assert_traps(body: &str, message: &str) {
    let err = run_body(body).unwrap_err();
    assert!(format!("{err:?}").contains(message), "{message}: {err:?}");
}

#[test]
fn copies_within_one_instance_complete_partially_and_report_counts() {
    // Write 10 bytes (blocked: no reader yet), then read 4 of them: the
    // read completes with 4, and so does the write.
    let body = r#"
      (call $split (call $s.new))
      (if (i32.ne (call $s.write (global.get $w) (i32.const 0) (i32.const 10)) (i32.const -1))
        (then unreachable))
      (if (i32.ne (call $s.read (global.get $r) (i32.const 100) (i32.const 4)) (i32.const 0x40))
        (then unreachable))
      (if (i32.ne (i32.load (i32.const 100)) (i32.const 0x04030201)) (then unreachable))
      ;; The write's outcome is waiting: cancelling returns it.
      (call $s.cancel-write (global.get $w))"#;
    assert_eq!(run_body(body).unwrap(), COMPLETED | (4 << 4));
}

#[test]
fn cancelling_a_blocked_read_reports_cancelled() {
    let body = r#"
      (call $split (call $s.new))
      (if (i32.ne (call $s.read (global.get $r) (i32.const 100) (i32.const 4)) (i32.const -1))
        (then unreachable))
      (call $s.cancel-read (global.get $r))"#;
    assert_eq!(run_body(body).unwrap(), CANCELLED);
}

#[test]
fn dropping_the_writer_while_a_read_waits_reports_dropped() {
    let body = r#"
      (call $split (call $s.new))
      (drop (call $s.read (global.get $r) (i32.const 100) (i32.const 4)))
      (call $s.drop-writable (global.get $w))
      (i32.add
        (i32.mul (call $s.cancel-read (global.get $r)) (i32.const 16))
        ;; After DROPPED the end is done: a new read is an error, so only
        ;; dropping it is left.
        (block (result i32) (call $s.drop-readable (global.get $r)) (i32.const 0)))"#;
    assert_eq!(run_body(body).unwrap(), DROPPED * 16);
    // A write after the reader went away is DROPPED at once.
    let body = r#"
      (call $split (call $s.new))
      (call $s.drop-readable (global.get $r))
      (call $s.write (global.get $w) (i32.const 0) (i32.const 3))"#;
    assert_eq!(run_body(body).unwrap(), DROPPED);
}

#[test]
fn futures_within_one_instance() {
    let body = r#"
      (call $split (call $f.new))
      (i32.store (i32.const 200) (i32.const 77))
      (if (i32.ne (call $f.write (global.get $w) (i32.const 200)) (i32.const -1))
        (then unreachable))
      (if (i32.ne (call $f.read (global.get $r) (i32.const 300)) (i32.const 0))
        (then unreachable))
      (i32.load (i32.const 300))"#;
    assert_eq!(run_body(body).unwrap(), 77);
}

#[test]
fn misuse_is_a_clear_error() {
    // Reading the writable end.
    assert_traps(
        "(call $split (call $s.new)) (call $s.read (global.get $w) (i32.const 0) (i32.const 1))",
        "which is the writable end of a stream",
    );
    // A second read while the first waits.
    assert_traps(
        "(call $split (call $s.new))
         (drop (call $s.read (global.get $r) (i32.const 0) (i32.const 1)))
         (call $s.read (global.get $r) (i32.const 0) (i32.const 1))",
        "a copy is already in progress",
    );
    // Dropping an end while its read waits.
    assert_traps(
        "(call $split (call $s.new))
         (drop (call $s.read (global.get $r) (i32.const 0) (i32.const 1)))
         (call $s.drop-readable (global.get $r)) (i32.const 0)",
        "while a copy is in progress",
    );
    // Cancelling when nothing is in progress.
    assert_traps(
        "(call $split (call $s.new)) (call $s.cancel-read (global.get $r))",
        "no copy is in progress",
    );
    // A future's writer dropped before it wrote.
    assert_traps(
        "(call $split (call $f.new)) (call $f.drop-writable (global.get $w)) (i32.const 0)",
        "without first writing a value",
    );
    // A buffer beyond the memory.
    assert_traps(
        "(call $split (call $s.new)) (call $s.read (global.get $r) (i32.const 65530) (i32.const 100))",
        "out of bounds",
    );
    // Unknown handles.
    assert_traps(
        "(call $s.read (i32.const 9) (i32.const 0) (i32.const 1))",
        "unknown waitable handle 9",
    );
    // A synchronous read nothing will ever satisfy.
    assert_traps(
        "(call $split (call $s.new)) (call $s.read-sync (global.get $r) (i32.const 0) (i32.const 1))",
        "deadlock",
    );
}

#[test]
fn error_context_debug_messages() {
    // `run` makes an error context from "oops" and returns its debug
    // message's length; `msg` returns the message itself.
    let body = r#"
      (call $e.debug (call $e.new (i32.const 32) (i32.const 4)) (i32.const 400))
      (i32.load (i32.const 404))"#;
    assert_eq!(run_body(body).unwrap(), 4);
    let extra_core = r#"
      (func (export "make") (result i32) (call $e.new (i32.const 32) (i32.const 4)))
      (func (export "describe") (param i32) (result i32)
        (call $e.debug (local.get 0) (i32.const 400))
        (call $e.drop (local.get 0))
        (i32.const 400))"#;
    let extra_exports = r#"
      (func (export "make") (result error-context) (canon lift (core func $i "make")))
      (func (export "describe") (param "e" error-context) (result string)
        (canon lift (core func $i "describe") (memory (core memory $libc "memory"))))"#;
    let engine = engine();
    let component =
        Component::new(&engine, kit("(i32.const 0)", extra_core, extra_exports)).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let make = instance.get_func(&mut store, "make").unwrap();
    let mut out = [Val::Bool(false)];
    make.call(&mut store, &[], &mut out).unwrap();
    let Val::ErrorContext(e) = out[0].clone() else {
        panic!("not an error context: {:?}", out[0]);
    };
    assert_eq!(e.debug_message(&store).unwrap(), "oops");
    let describe = instance.get_func(&mut store, "describe").unwrap();
    describe
        .call(&mut store, &[Val::ErrorContext(e)], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::String("oops".into()));
    // Values of other types are refused.
    let err = describe
        .call(&mut store, &[Val::U32(1)], &mut out)
        .unwrap_err();
    assert!(format!("{err:?}").contains("type mismatch"), "{err:?}");
}

/// `sum(s)` reads `s` four bytes at a time (synchronously) until it is
/// dropped: `reads << 16 | sum`.
const SUM_EXPORT: (&str, &str) = (
    r#"
      (func (export "sum") (param $s i32) (result i32)
        (local $r i32) (local $sum i32) (local $reads i32) (local $i i32)
        (block $end (loop $l
          (local.set $r (call $s.read-sync (local.get $s) (i32.const 600) (i32.const 4)))
          (br_if $end (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)))
          (local.set $reads (i32.add (local.get $reads) (i32.const 1)))
          (local.set $r (i32.shr_u (local.get $r) (i32.const 4)))
          (local.set $i (i32.const 0))
          (block $done (loop $m
            (br_if $done (i32.ge_u (local.get $i) (local.get $r)))
            (local.set $sum (i32.add (local.get $sum)
              (i32.load8_u (i32.add (i32.const 600) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $m)))
          (br $l)))
        (call $s.drop-readable (local.get $s))
        (i32.or (i32.shl (local.get $reads) (i32.const 16)) (local.get $sum)))
      (func (export "get") (param $f i32) (result i32)
        (if (i32.ne (call $f.read-sync (local.get $f) (i32.const 700)) (i32.const 0))
          (then unreachable))
        (i32.load (i32.const 700)))"#,
    r#"
      (func (export "sum") async (param "s" $s) (result u32) (canon lift (core func $i "sum")))
      (func (export "get") async (param "f" $f) (result u32) (canon lift (core func $i "get")))"#,
);

#[test]
fn host_streams_and_futures_read_by_a_guest() {
    let engine = engine();
    let component =
        Component::new(&engine, kit("(i32.const 0)", SUM_EXPORT.0, SUM_EXPORT.1)).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let sum = instance
        .get_typed_func::<(StreamReader<u8>,), (u32,)>(&mut store, "sum")
        .unwrap();
    let s = StreamReader::new(&mut store, (1..=10u8).collect::<Vec<_>>()).unwrap();
    // 10 bytes in reads of 4, 4 and 2.
    assert_eq!(sum.call(&mut store, (s,)).unwrap(), ((3 << 16) | 55,));
    let get = instance
        .get_typed_func::<(FutureReader<u32>,), (u32,)>(&mut store, "get")
        .unwrap();
    let f = FutureReader::new(&mut store, async { Ok::<_, anyhow::Error>(42u32) }).unwrap();
    assert_eq!(get.call(&mut store, (f,)).unwrap(), (42,));
    // The dynamically typed call sees the stream type, and the end can be
    // passed only once.
    let func = instance.get_func(&mut store, "sum").unwrap();
    let ty = func.ty(&store);
    assert!(matches!(
        ty.params().next().unwrap().1,
        wasmtime::component::types::Type::Stream(ref s) if s.ty() == Some(wasmtime::component::types::Type::U8)
    ));
    let s = StreamReader::new(&mut store, vec![7u8])
        .unwrap()
        .try_into_stream_any(&mut store)
        .unwrap();
    let mut out = [Val::Bool(false)];
    func.call(&mut store, &[Val::Stream(s.clone())], &mut out)
        .unwrap();
    assert_eq!(out[0], Val::U32((1 << 16) | 7));
    let err = func
        .call(&mut store, &[Val::Stream(s)], &mut out)
        .unwrap_err();
    assert!(format!("{err:?}").contains("closed"), "{err:?}");
}

/// Produces `total` bytes (0, 1, 2, ...) written directly into the guest's
/// buffer, at most three per poll, returning `Pending` (and waking itself)
/// every other poll; always `Pending` when `stuck`.
struct Bytes {
    next: u8,
    total: u8,
    pend: bool,
    stuck: bool,
}

impl<D: 'static> StreamProducer<D> for Bytes {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<'a, D>,
        destination: Destination<'a, u8, Option<u8>>,
        _finish: bool,
    ) -> Poll<anyhow::Result<StreamResult>> {
        let me = self.get_mut();
        me.pend = !me.pend;
        if me.pend || me.stuck {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if me.next == me.total {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let mut direct = destination.as_direct(store, 0);
        let room = direct.remaining();
        let n = room.len().min(3).min(usize::from(me.total - me.next));
        for (i, b) in room[..n].iter_mut().enumerate() {
            *b = me.next + i as u8;
        }
        direct.mark_written(n);
        me.next += n as u8;
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

#[tokio::test]
async fn a_guest_read_blocks_until_the_host_produces() {
    let engine = engine();
    let component =
        Component::new(&engine, kit("(i32.const 0)", SUM_EXPORT.0, SUM_EXPORT.1)).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let sum = instance
        .get_typed_func::<(StreamReader<u8>,), (u32,)>(&mut store, "sum")
        .unwrap();
    let producer = Bytes {
        next: 0,
        total: 10,
        pend: false,
        stuck: false,
    };
    let s = StreamReader::new(&mut store, producer).unwrap();
    // Bytes 0..10 in chunks of at most three: 4 reads.
    let (r,) = sum.call_async(&mut store, (s,)).await.unwrap();
    assert_eq!(r, (4 << 16) | 45);
    // A synchronous call cannot wait for the producer.
    let producer = Bytes {
        next: 0,
        total: 10,
        pend: false,
        stuck: true,
    };
    let s = StreamReader::new(&mut store, producer).unwrap();
    let err = sum.call(&mut store, (s,)).unwrap_err();
    assert!(format!("{err:?}").contains("synchronous call"), "{err:?}");
}

/// Collects bytes written by a guest, at most `chunk` per poll; `Pending`
/// while `open` is false.
struct Collect {
    got: Arc<Mutex<Vec<u8>>>,
    chunk: usize,
    open: Arc<Mutex<bool>>,
}

impl<D: 'static> StreamConsumer<D> for Collect {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        source: Source<'_, u8>,
        _finish: bool,
    ) -> Poll<anyhow::Result<StreamResult>> {
        if !*self.open.lock().unwrap() {
            return Poll::Pending;
        }
        let mut direct = source.as_direct(store);
        let n = direct.remaining().len().min(self.chunk);
        self.got
            .lock()
            .unwrap()
            .extend_from_slice(&direct.remaining()[..n]);
        direct.mark_read(n);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

/// Reads a guest's future into `got`.
struct Take(Arc<Mutex<Option<u32>>>);

impl<D: 'static> FutureConsumer<D> for Take {
    type Item = u32;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<D>,
        mut source: Source<'_, u32>,
        _finish: bool,
    ) -> Poll<anyhow::Result<()>> {
        let mut value = None;
        source.read(store, &mut value)?;
        *self.0.lock().unwrap() = value;
        Poll::Ready(Ok(()))
    }
}

/// `produce()` writes bytes 1..=10 into a new stream (blocked) and returns
/// its readable end; `outcome()` cancels the write (returning its outcome
/// if it already finished). `promise()` writes 99 into a new future.
const PRODUCE_EXPORT: (&str, &str) = (
    r#"
      (func (export "produce") (result i32)
        (call $split (call $s.new))
        (if (i32.ne (call $s.write (global.get $w) (i32.const 0) (i32.const 10)) (i32.const -1))
          (then unreachable))
        (global.get $r))
      (func (export "outcome") (result i32) (call $s.cancel-write (global.get $w)))
      (func (export "promise") (result i32)
        (call $split (call $f.new))
        (i32.store (i32.const 200) (i32.const 99))
        (if (i32.ne (call $f.write (global.get $w) (i32.const 200)) (i32.const -1))
          (then unreachable))
        (global.get $r))"#,
    r#"
      (func (export "produce") async (result $s) (canon lift (core func $i "produce")))
      (func (export "outcome") async (result u32) (canon lift (core func $i "outcome")))
      (func (export "promise") async (result $f) (canon lift (core func $i "promise")))"#,
);

#[tokio::test]
async fn the_host_reads_what_a_guest_writes_with_backpressure() {
    let engine = engine();
    let component = Component::new(
        &engine,
        kit("(i32.const 0)", PRODUCE_EXPORT.0, PRODUCE_EXPORT.1),
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let produce = instance
        .get_typed_func::<(), (StreamReader<u8>,)>(&mut store, "produce")
        .unwrap();
    let outcome = instance
        .get_typed_func::<(), (u32,)>(&mut store, "outcome")
        .unwrap();

    // Nobody reads: the write stays blocked, and cancelling it reports
    // CANCELLED with nothing written.
    let (s,) = produce.call_async(&mut store, ()).await.unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let open = Arc::new(Mutex::new(false));
    s.pipe(
        &mut store,
        Collect {
            got: got.clone(),
            chunk: 4,
            open: open.clone(),
        },
    )
    .unwrap();
    store.run_concurrent(async |_| ()).await.unwrap();
    assert!(got.lock().unwrap().is_empty());
    assert_eq!(
        outcome.call_async(&mut store, ()).await.unwrap(),
        (CANCELLED,)
    );

    // The host reads four bytes: the guest's write completes with 4.
    let (s,) = produce.call_async(&mut store, ()).await.unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    *open.lock().unwrap() = true;
    s.pipe(
        &mut store,
        Collect {
            got: got.clone(),
            chunk: 4,
            open: open.clone(),
        },
    )
    .unwrap();
    let seen = got.clone();
    store
        .run_concurrent(async move |_| {
            std::future::poll_fn(|cx| {
                if seen.lock().unwrap().len() == 4 {
                    Poll::Ready(())
                } else {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await
        })
        .await
        .unwrap();
    assert_eq!(*got.lock().unwrap(), [1, 2, 3, 4]);
    assert_eq!(
        outcome.call_async(&mut store, ()).await.unwrap(),
        (COMPLETED | (4 << 4),)
    );

    // A future written by the guest.
    let promise = instance
        .get_typed_func::<(), (FutureReader<u32>,)>(&mut store, "promise")
        .unwrap();
    let (f,) = promise.call_async(&mut store, ()).await.unwrap();
    let value = Arc::new(Mutex::new(None));
    f.pipe(&mut store, Take(value.clone())).unwrap();
    let seen = value.clone();
    store
        .run_concurrent(async move |_| {
            std::future::poll_fn(|cx| {
                if seen.lock().unwrap().is_some() {
                    Poll::Ready(())
                } else {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
            .await
        })
        .await
        .unwrap();
    assert_eq!(*value.lock().unwrap(), Some(99));
}

#[test]
fn stream_types_are_checked() {
    let engine = engine();
    let component =
        Component::new(&engine, kit("(i32.const 0)", SUM_EXPORT.0, SUM_EXPORT.1)).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &component)
        .unwrap();
    let err = instance
        .get_typed_func::<(StreamReader<u32>,), (u32,)>(&mut store, "sum")
        .unwrap_err();
    assert!(format!("{err:?}").contains("type mismatch"), "{err:?}");
    let err = instance
        .get_typed_func::<(FutureReader<u32>,), (u32,)>(&mut store, "sum")
        .unwrap_err();
    assert!(format!("{err:?}").contains("expected a future"), "{err:?}");
}

/// The host function `numbers()` returns a stream it made; the guest's
/// `total()` reads it: `first byte + (result << 8)`.
const IMPORTS_A_STREAM: &str = r#"(component
  (type $s (stream u8))
  (import "numbers" (func $numbers (result $s)))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $numbers (canon lower (func $numbers)))
  (core func $read (canon stream.read $s (memory (core memory $libc "memory"))))
  (core func $drop (canon stream.drop-readable $s))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "numbers" (func $numbers (result i32)))
    (import "" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "total") (result i32)
      (local $s i32) (local $r i32)
      (local.set $s (call $numbers))
      (local.set $r (call $read (local.get $s) (i32.const 0) (i32.const 100)))
      (call $drop (local.get $s))
      (i32.add (i32.load8_u (i32.const 0)) (i32.shl (local.get $r) (i32.const 8)))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "numbers" (func $numbers))
      (export "read" (func $read))
      (export "drop" (func $drop))))))
  (func (export "total") async (result u32) (canon lift (core func $i "total")))
)"#;

#[test]
fn host_functions_return_streams() {
    let engine = engine();
    let component = Component::new(&engine, IMPORTS_A_STREAM).unwrap();
    let mut linker: Linker<()> = Linker::new(&engine);
    linker
        .root()
        .func_wrap("numbers", |mut store, (): ()| {
            Ok((StreamReader::new(&mut store, vec![5u8, 6, 7])?,))
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let total = instance
        .get_typed_func::<(), (u32,)>(&mut store, "total")
        .unwrap();
    assert_eq!(total.call(&mut store, ()).unwrap(), (5 + ((3 << 4) << 8),));
}

/// `drain(s)` (callback-lifted) reads `s` asynchronously, waiting for
/// `STREAM_READ` events in a waitable set whenever a read blocks, and
/// returns how many bytes it read once the writer is gone.
const DRAIN: &str = r#"(component
  (type $s (stream u8))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $read (canon stream.read $s async (memory (core memory $libc "memory"))))
  (core func $drop-r (canon stream.drop-readable $s))
  (core func $ret (canon task.return (result u32)))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "" "drop-r" (func $drop-r (param i32)))
    (import "" "ret" (func $ret (param i32)))
    (import "" "set-new" (func $set-new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (global $total (mut i32) (i32.const 0))
    (global $s (mut i32) (i32.const 0))
    (global $set (mut i32) (i32.const 0))
    ;; Counts a copy result; 1 when the stream ended.
    (func $account (param $r i32) (result i32)
      (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1))
        (then (return (i32.const 1))))
      (global.set $total (i32.add (global.get $total) (i32.shr_u (local.get $r) (i32.const 4))))
      (i32.const 0))
    ;; Finishes the task.
    (func $done (result i32)
      (call $drop-r (global.get $s))
      (call $ret (global.get $total))
      (i32.const 0))
    ;; Reads until a read blocks (WAIT on the set) or the stream ends.
    (func $pump (result i32)
      (local $r i32)
      (loop $l
        (local.set $r (call $read (global.get $s) (i32.const 0) (i32.const 100)))
        (if (i32.eq (local.get $r) (i32.const -1))
          (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
        (if (call $account (local.get $r)) (then (return (call $done))))
        (br $l))
      unreachable)
    (func (export "drain") (param i32) (result i32)
      (global.set $total (i32.const 0))
      (global.set $s (local.get 0))
      (global.set $set (call $set-new))
      (call $join (local.get 0) (global.get $set))
      (call $pump))
    (func (export "cb") (param $code i32) (param $h i32) (param $p i32) (result i32)
      (if (i32.ne (local.get $code) (i32.const 2)) (then unreachable))
      (if (i32.ne (local.get $h) (global.get $s)) (then unreachable))
      (if (call $account (local.get $p)) (then (return (call $done))))
      (call $pump)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "read" (func $read))
      (export "drop-r" (func $drop-r))
      (export "ret" (func $ret))
      (export "set-new" (func $set-new))
      (export "join" (func $join))))))
  (func (export "drain") async (param "s" $s) (result u32)
    (canon lift (core func $i "drain") async (callback (core func $i "cb"))))
)"#;

#[tokio::test]
async fn a_callback_task_waits_for_stream_events() {
    let engine = engine();
    let component = Component::new(&engine, DRAIN).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_async(&mut store, &component)
        .await
        .unwrap();
    let drain = instance
        .get_typed_func::<(StreamReader<u8>,), (u32,)>(&mut store, "drain")
        .unwrap();
    let bytes = |total| Bytes {
        next: 0,
        total,
        pend: false,
        stuck: false,
    };
    // Through `call_async`, and through `call_concurrent` in the loop.
    let s = StreamReader::new(&mut store, bytes(10)).unwrap();
    assert_eq!(drain.call_async(&mut store, (s,)).await.unwrap(), (10,));
    let s = StreamReader::new(&mut store, bytes(25)).unwrap();
    let r = store
        .run_concurrent(async move |acc| drain.call_concurrent(acc, (s,)).await)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r, (25,));
}
