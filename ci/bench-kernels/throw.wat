;; Exception throw/catch: `run` throws 20000 exceptions, each from three
;; frames below the `try_table` that catches it, and returns the sum of the
;; payloads, sum(i for i < 20000) = 199990000. Time per throw = time / 20000.
(module
  (tag $e (param i64))
  (func $throw (param i64) (throw $e (local.get 0)))
  (func $mid (param i64) (call $throw (local.get 0)))
  (func $top (param i64) (call $mid (local.get 0)))
  (func (export "run") (result i64)
    (local $i i64) (local $sum i64)
    (loop $l
      (block $h (result i64)
        (try_table (catch $e $h)
          (call $top (local.get $i)))
        (unreachable))
      (local.set $sum (i64.add (local.get $sum)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 20000))))
    (local.get $sum)))
