;; A WASI 0.3 command. Its async (callback-lifted) `run` of
;; `wasi:cli/run@0.3.0` writes "hello from p3\n" to stdout through a
;; `stream<u8>` handed to `wasi:cli/stdout.write-via-stream`, waiting for
;; the write if it does not complete at once, checks that a random u64 is
;; not zero, then drops its ends and returns `ok`.
;; The root export `exit` exits with code 7 through `wasi:cli/exit`; `sleep`
;; (async, callback-lifted) calls the async `wait-for` of
;; `wasi:clocks/monotonic-clock` (lowered async, so it becomes a subtask)
;; and returns the monotonic time that passed, in nanoseconds.
(component $C
  (import "wasi:cli/types@0.3.0" (instance $types
    (type $ec (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type (eq $ec)))))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (alias outer $C $error-code (type $ec))
    (export "error-code" (type $e (eq $ec)))
    (type $r (result (error $e)))
    (type $f (future $r))
    (type $s (stream u8))
    (export "write-via-stream" (func (param "data" $s) (result $f)))))
  (import "wasi:random/random@0.3.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "now" (func (result u64)))
    (export "wait-for" (func async (param "how-long" u64)))))
  (import "wasi:cli/exit@0.3.0" (instance $exit
    (type $status (result))
    (export "exit" (func (param "status" $status)))
    (export "exit-with-code" (func (param "status-code" u8)))))

  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))

  (type $s (stream u8))
  (type $r (result (error $error-code)))
  (type $f (future $r))
  (type $run-result (result))
  (core func $stream.new (canon stream.new $s))
  (core func $stream.write (canon stream.write $s async (memory (core memory $libc "memory"))))
  (core func $stream.drop-writable (canon stream.drop-writable $s))
  (core func $future.drop-readable (canon future.drop-readable $f))
  (core func $write-via-stream (canon lower (func $stdout "write-via-stream")))
  (core func $random (canon lower (func $random "get-random-u64")))
  (core func $now (canon lower (func $clock "now")))
  (core func $wait-for (canon lower (func $clock "wait-for") async))
  (core func $exit (canon lower (func $exit "exit-with-code")))
  (core func $set.new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $subtask.drop (canon subtask.drop))
  (core func $return-run (canon task.return (result $run-result)))
  (core func $return-u64 (canon task.return (result u64)))

  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "random" (func $random (result i64)))
    (import "" "now" (func $now (result i64)))
    (import "" "wait-for" (func $wait-for (param i64) (result i32)))
    (import "" "exit" (func $exit (param i32)))
    (import "" "set.new" (func $set.new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (import "" "return-run" (func $return-run (param i32)))
    (import "" "return-u64" (func $return-u64 (param i64)))
    (data (i32.const 100) "hello from p3\n")
    (global $w (mut i32) (i32.const 0))
    (global $fut (mut i32) (i32.const 0))
    (global $t0 (mut i64) (i64.const 0))

    ;; Drops the stream's writable end and the result future, and returns
    ;; `ok` (or `err` if the random number was zero).
    (func $finish (result i32)
      (call $stream.drop-writable (global.get $w))
      (call $future.drop-readable (global.get $fut))
      (call $return-run (i64.eqz (call $random)))
      (i32.const 0))

    (func (export "run") (result i32)
      (local $rw i64) (local $status i32) (local $set i32)
      (local.set $rw (call $stream.new))
      (global.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
      (global.set $fut (call $write-via-stream (i32.wrap_i64 (local.get $rw))))
      (local.set $status (call $stream.write (global.get $w) (i32.const 100) (i32.const 14)))
      (if (i32.ne (local.get $status) (i32.const -1))
        (then
          ;; Completed at once: all 14 bytes went through.
          (if (i32.ne (local.get $status) (i32.const 0xe0)) (then unreachable))
          (return (call $finish))))
      (local.set $set (call $set.new))
      (call $join (global.get $w) (local.get $set))
      ;; WAIT on the set.
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))

    ;; The write's event (STREAM_WRITE = 3): all bytes written.
    (func (export "run-cb") (param $event i32) (param $handle i32) (param $status i32) (result i32)
      (if (i32.ne (local.get $event) (i32.const 3)) (then unreachable))
      (if (i32.ne (local.get $status) (i32.const 0xe0)) (then unreachable))
      (call $join (global.get $w) (i32.const 0))
      (call $finish))

    (func (export "exit") (call $exit (i32.const 7)))

    (func (export "sleep") (result i32)
      (local $st i32) (local $set i32)
      (global.set $t0 (call $now))
      (local.set $st (call $wait-for (i64.const 5000000)))
      ;; RETURNED (2) at once: done.
      (if (i32.eq (i32.and (local.get $st) (i32.const 0xf)) (i32.const 2))
        (then
          (call $return-u64 (i64.sub (call $now) (global.get $t0)))
          (return (i32.const 0))))
      (local.set $set (call $set.new))
      (call $join (i32.shr_u (local.get $st) (i32.const 4)) (local.get $set))
      (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))

    ;; The subtask's event (SUBTASK = 1) with state RETURNED (2).
    (func (export "sleep-cb") (param $event i32) (param $handle i32) (param $state i32) (result i32)
      (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))
      (if (i32.ne (local.get $state) (i32.const 2)) (then unreachable))
      (call $join (local.get $handle) (i32.const 0))
      (call $subtask.drop (local.get $handle))
      (call $return-u64 (i64.sub (call $now) (global.get $t0)))
      (i32.const 0)))

  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "future.drop-readable" (func $future.drop-readable))
      (export "write-via-stream" (func $write-via-stream))
      (export "random" (func $random))
      (export "now" (func $now))
      (export "wait-for" (func $wait-for))
      (export "exit" (func $exit))
      (export "set.new" (func $set.new))
      (export "join" (func $join))
      (export "subtask.drop" (func $subtask.drop))
      (export "return-run" (func $return-run))
      (export "return-u64" (func $return-u64))))))

  (func $run async (result $run-result)
    (canon lift (core func $i "run") async (callback (core func $i "run-cb"))))
  (instance $run-instance (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run-instance))
  (func (export "exit") (canon lift (core func $i "exit")))
  (func (export "sleep") async (result u64)
    (canon lift (core func $i "sleep") async (callback (core func $i "sleep-cb"))))
)
