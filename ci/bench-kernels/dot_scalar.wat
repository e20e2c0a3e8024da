;; Dot product of two i16 vectors of 8192 elements, repeated 30000 times,
;; written with scalar operators only (the baseline of dot_simd.wat, which
;; computes the same thing with v128 operators). a[i] = i * 7919 and
;; b[i] = i * 31 + 5, both truncated to i16, set up inside `run`. Returns the
;; wrapping i32 sum of all products (zero-extended to i64) as the checksum.
;; Layout: a at 0, b at 16384 (32 KiB in all, so it stays in L1/L2).
(module
  (memory 1)
  (func $init
    (local $i i32)
    (loop $l
      (i32.store16 (i32.shl (local.get $i) (i32.const 1))
        (i32.mul (local.get $i) (i32.const 7919)))
      (i32.store16 offset=16384 (i32.shl (local.get $i) (i32.const 1))
        (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 5)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 8192)))))
  (func (export "run") (result i64)
    (local $rep i32) (local $p i32) (local $acc i32)
    (call $init)
    (loop $reps
      (local.set $p (i32.const 0))
      (loop $l
        (local.set $acc (i32.add (local.get $acc)
          (i32.mul (i32.load16_s (local.get $p))
                   (i32.load16_s offset=16384 (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br_if $l (i32.lt_u (local.get $p) (i32.const 16384))))
      (local.set $rep (i32.add (local.get $rep) (i32.const 1)))
      (br_if $reps (i32.lt_u (local.get $rep) (i32.const 30000))))
    (i64.extend_i32_u (local.get $acc))))
