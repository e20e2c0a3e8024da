//! Component-model byte streams: 16 MiB through a `stream<u8>` in 64 KiB
//! copies, host to guest (a producer writing straight into the guest's
//! read buffer) and guest to host (a consumer reading straight from the
//! guest's write buffer); baseline: copying the same 16 MiB between two
//! host buffers in 64 KiB pieces.

use super::{median_of, selected, Opts, Row};
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};
use wasmtime::component::{
    Component, Destination, Linker, Source, StreamConsumer, StreamProducer, StreamReader,
    StreamResult,
};
use wasmtime::{Config, Engine, Store, StoreContextMut};

const TOTAL: usize = 16 << 20;
const CHUNK: u32 = 64 << 10;

/// `sink(s)` reads `s` in 64 KiB reads until it ends; `start()` makes a
/// stream and returns its readable end; `pump(n)` writes `n` chunks of
/// 64 KiB into it and drops it.
const WAT: &str = r#"(component
  (type $s (stream u8))
  (core module $libc (memory (export "memory") 2))
  (core instance $libc (instantiate $libc))
  (core func $new (canon stream.new $s))
  (core func $read (canon stream.read $s (memory (core memory $libc "memory"))))
  (core func $write (canon stream.write $s (memory (core memory $libc "memory"))))
  (core func $drop-r (canon stream.drop-readable $s))
  (core func $drop-w (canon stream.drop-writable $s))
  (core module $m
    (import "libc" "memory" (memory 2))
    (import "" "new" (func $new (result i64)))
    (import "" "read" (func $read (param i32 i32 i32) (result i32)))
    (import "" "write" (func $write (param i32 i32 i32) (result i32)))
    (import "" "drop-r" (func $drop-r (param i32)))
    (import "" "drop-w" (func $drop-w (param i32)))
    (global $w (mut i32) (i32.const 0))
    (func (export "sink") (param $s i32) (result i32)
      (local $r i32) (local $total i32)
      (block $end (loop $l
        (local.set $r (call $read (local.get $s) (i32.const 0) (i32.const 65536)))
        (br_if $end (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)))
        (local.set $total (i32.add (local.get $total) (i32.shr_u (local.get $r) (i32.const 4))))
        (br $l)))
      (call $drop-r (local.get $s))
      (local.get $total))
    (func (export "start") (result i32)
      (local $both i64)
      (local.set $both (call $new))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $both) (i64.const 32))))
      (i32.wrap_i64 (local.get $both)))
    (func (export "pump") (param $n i32)
      (block $end (loop $l
        (br_if $end (i32.eqz (local.get $n)))
        (drop (call $write (global.get $w) (i32.const 0) (i32.const 65536)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (call $drop-w (global.get $w))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "new" (func $new))
      (export "read" (func $read))
      (export "write" (func $write))
      (export "drop-r" (func $drop-r))
      (export "drop-w" (func $drop-w))))))
  (func (export "sink") async (param "s" $s) (result u32) (canon lift (core func $i "sink")))
  (func (export "start") (result $s) (canon lift (core func $i "start")))
  (func (export "pump") async (param "n" u32) (canon lift (core func $i "pump")))
)"#;

/// Writes `left` bytes (from `data`) straight into the guest's buffers.
struct Producer {
    data: Vec<u8>,
    left: usize,
}

impl StreamProducer<()> for Producer {
    type Item = u8;
    type Buffer = Option<u8>;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<'a, ()>,
        dst: Destination<'a, u8, Option<u8>>,
        _: bool,
    ) -> Poll<anyhow::Result<StreamResult>> {
        let me = self.get_mut();
        if me.left == 0 {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        let mut direct = dst.as_direct(store, 0);
        let room = direct.remaining();
        let n = room.len().min(me.left);
        room[..n].copy_from_slice(&me.data[..n]);
        direct.mark_written(n);
        me.left -= n;
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

/// Copies what the guest writes into `into` (reused between chunks).
struct Consumer {
    into: Vec<u8>,
}

impl StreamConsumer<()> for Consumer {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        store: StoreContextMut<()>,
        src: Source<'_, u8>,
        _: bool,
    ) -> Poll<anyhow::Result<StreamResult>> {
        let me = self.get_mut();
        let mut direct = src.as_direct(store);
        let bytes = direct.remaining();
        let n = bytes.len().min(me.into.len());
        me.into[..n].copy_from_slice(&bytes[..n]);
        black_box(&me.into);
        direct.mark_read(n);
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

pub(crate) fn bench_streams(opts: &Opts, rows: &mut Vec<Row>) {
    let names = [
        "stream<u8> host->guest 16 MiB, 64 KiB copies",
        "stream<u8> guest->host 16 MiB, 64 KiB copies",
    ];
    if !names.iter().any(|n| selected(opts, n)) {
        return;
    }
    let mut config = Config::new();
    config.wasm_component_model_more_async_builtins(true);
    let engine = Engine::new(&config).unwrap();
    let component = Component::new(&engine, WAT).unwrap();
    let pre = Linker::new(&engine).instantiate_pre(&component).unwrap();
    let data = vec![7u8; CHUNK as usize];

    let baseline = median_of(opts.samples, || {
        let mut dst = vec![0u8; CHUNK as usize];
        for _ in 0..TOTAL / CHUNK as usize {
            dst.copy_from_slice(black_box(&data));
            black_box(&dst);
        }
    })
    .as_secs_f64();

    let host_to_guest = median_of(opts.samples, || {
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate(&mut store).unwrap();
        let sink = instance
            .get_typed_func::<(StreamReader<u8>,), (u32,)>(&mut store, "sink")
            .unwrap();
        let producer = Producer {
            data: data.clone(),
            left: TOTAL,
        };
        let s = StreamReader::new(&mut store, producer).unwrap();
        let (n,) = sink.call(&mut store, (s,)).unwrap();
        assert_eq!(n as usize, TOTAL);
    })
    .as_secs_f64();

    let guest_to_host = median_of(opts.samples, || {
        let mut store = Store::new(&engine, ());
        let instance = pre.instantiate(&mut store).unwrap();
        let start = instance
            .get_typed_func::<(), (StreamReader<u8>,)>(&mut store, "start")
            .unwrap();
        let pump = instance
            .get_typed_func::<(u32,), ()>(&mut store, "pump")
            .unwrap();
        let (s,) = start.call(&mut store, ()).unwrap();
        let consumer = Consumer {
            into: vec![0; CHUNK as usize],
        };
        s.pipe(&mut store, consumer).unwrap();
        pump.call(&mut store, (TOTAL as u32 / CHUNK,)).unwrap();
    })
    .as_secs_f64();

    for (name, time) in names.iter().zip([host_to_guest, guest_to_host]) {
        rows.push(Row {
            name: name.to_string(),
            time,
            baseline_name: "copying the 16 MiB between host buffers in 64 KiB pieces",
            baseline,
        });
    }
}
