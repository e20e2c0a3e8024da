;; Tail-call-heavy kernel: the Collatz step counts of 1..300000, computed
;; by two functions that `return_call` each other once per step (~3.3e7
;; tail calls), summed. Needs the tail-call proposal (on by default).
(module
  ;; $even/$odd: n is the current value, steps the count so far.
  (func $step (param $n i64) (param $steps i64) (result i64)
    (if (result i64) (i64.le_u (local.get $n) (i64.const 1))
      (then (local.get $steps))
      (else
        (if (result i64) (i64.eqz (i64.and (local.get $n) (i64.const 1)))
          (then (return_call $even (local.get $n) (local.get $steps)))
          (else (return_call $odd (local.get $n) (local.get $steps)))))))
  (func $even (param $n i64) (param $steps i64) (result i64)
    (return_call $step
      (i64.shr_u (local.get $n) (i64.const 1))
      (i64.add (local.get $steps) (i64.const 1))))
  (func $odd (param $n i64) (param $steps i64) (result i64)
    (return_call $step
      (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1))
      (i64.add (local.get $steps) (i64.const 1))))
  (func (export "run") (result i64)
    (local $i i64) (local $sum i64)
    (local.set $i (i64.const 1))
    (loop $l
      (local.set $sum (i64.add (local.get $sum) (call $step (local.get $i) (i64.const 0))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.le_u (local.get $i) (i64.const 300000))))
    (local.get $sum)))
