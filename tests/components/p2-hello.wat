;; A WASI 0.2 command: `run` writes "hello from p2\n" to stdout, checks
;; that the monotonic clock moves and random numbers are not all zero;
;; the root export `exit` exits with code 3 through `wasi:cli/exit`.
(component $C
  (import "wasi:io/error@0.2.12" (instance $error (export "error" (type (sub resource)))))
  (alias export $error "error" (type $error-type))
  (import "wasi:io/streams@0.2.12" (instance $streams
    (alias outer $C $error-type (type $err))
    (export "error" (type $e (eq $err)))
    (export "output-stream" (type $os (sub resource)))
    (type $se (variant (case "last-operation-failed" (own $e)) (case "closed")))
    (export "stream-error" (type $se' (eq $se)))
    (type $r (result (error $se')))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result $r)))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.12" (instance $stdout
    (alias outer $C $output-stream (type $os))
    (export "output-stream" (type $os' (eq $os)))
    (export "get-stdout" (func (result (own $os'))))))
  (import "wasi:clocks/monotonic-clock@0.2.3" (instance $clock
    (export "now" (func (result u64)))))
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:cli/exit@0.2.12" (instance $exit
    (type $status (result))
    (export "exit" (func (param "status" $status)))
    (export "exit-with-code" (func (param "status-code" u8)))))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory (core memory $libc "memory"))))
  (core func $drop-os (canon resource.drop $output-stream))
  (core func $now (canon lower (func $clock "now")))
  (core func $random (canon lower (func $random "get-random-u64")))
  (core func $exit (canon lower (func $exit "exit-with-code")))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "get-stdout" (func $get-stdout (result i32)))
    (import "host" "write" (func $write (param i32 i32 i32 i32)))
    (import "host" "drop" (func $drop (param i32)))
    (import "host" "now" (func $now (result i64)))
    (import "host" "random" (func $random (result i64)))
    (import "host" "exit" (func $exit (param i32)))
    (data (i32.const 100) "hello from p2\n")
    (func (export "run") (result i32)
      (local $h i32) (local $t0 i64) (local $r i64)
      (local.set $t0 (call $now))
      (local.set $h (call $get-stdout))
      (call $write (local.get $h) (i32.const 100) (i32.const 14) (i32.const 200))
      (call $drop (local.get $h))
      ;; The write's result: 0 for ok.
      (if (i32.load8_u (i32.const 200)) (then (return (i32.const 1))))
      (if (i64.lt_u (call $now) (local.get $t0)) (then (return (i32.const 1))))
      (local.set $r (i64.or (call $random) (call $random)))
      (if (i64.eqz (local.get $r)) (then (return (i32.const 1))))
      (i32.const 0))
    (func (export "exit") (result i32) (call $exit (i32.const 3)) (unreachable)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "get-stdout" (func $get-stdout)) (export "write" (func $write))
      (export "drop" (func $drop-os)) (export "now" (func $now))
      (export "random" (func $random)) (export "exit" (func $exit))))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.12" (instance $run))
  (func (export "exit") (result (result)) (canon lift (core func $i "exit"))))
