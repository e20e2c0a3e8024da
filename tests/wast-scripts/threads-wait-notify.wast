;; `thread` / `wait` directives: two threads share one memory through
;; `(shared (module $Mem))`. $T1 waits on address 0 until $T2 has stored a
;; value and notified it; both then add to a counter with an atomic RMW.
;; The main script checks the memory once both threads are joined.

(module $Mem
  (memory (export "shared") 1 1 shared))

(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32)
      (local $r i32)
      ;; Wait (up to ~10 s) while the flag at 0 is still 0: "not-equal" (1)
      ;; if $T2 already stored it, otherwise "ok" (0) once notified.
      (local.set $r (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 10_000_000_000)))
      (drop (i32.atomic.rmw.add (i32.const 8) (i32.const 1)))
      ;; 2 = timed out: report failure.
      (i32.ne (local.get $r) (i32.const 2))))
  (assert_return (invoke "run") (i32.const 1)))

(thread $T2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run")
      (i32.atomic.store (i32.const 0) (i32.const 42))
      (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
      (drop (i32.atomic.rmw.add (i32.const 8) (i32.const 1)))))
  (invoke "run"))

(wait $T1)
(wait $T2)

(register "Mem" $Mem)
(module
  (memory (import "Mem" "shared") 1 1 shared)
  (func (export "flag") (result i32) (i32.atomic.load (i32.const 0)))
  (func (export "count") (result i32) (i32.atomic.load (i32.const 8))))
(assert_return (invoke "flag") (i32.const 42))
(assert_return (invoke "count") (i32.const 2))
