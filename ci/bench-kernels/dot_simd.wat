;; The dot product of dot_scalar.wat (same data, same checksum) with SIMD:
;; `i32x4.dot_i16x8_s` on 8 lanes at a time, two accumulators, and one
;; horizontal sum at the end (wrapping i32 sums agree modulo 2^32).
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
    (local $rep i32) (local $p i32) (local $v0 v128) (local $v1 v128)
    (call $init)
    (loop $reps
      (local.set $p (i32.const 0))
      (loop $l
        (local.set $v0 (i32x4.add (local.get $v0)
          (i32x4.dot_i16x8_s (v128.load (local.get $p))
                             (v128.load offset=16384 (local.get $p)))))
        (local.set $v1 (i32x4.add (local.get $v1)
          (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $p))
                             (v128.load offset=16400 (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br_if $l (i32.lt_u (local.get $p) (i32.const 16384))))
      (local.set $rep (i32.add (local.get $rep) (i32.const 1)))
      (br_if $reps (i32.lt_u (local.get $rep) (i32.const 30000))))
    (local.set $v0 (i32x4.add (local.get $v0) (local.get $v1)))
    (i64.extend_i32_u
      (i32.add
        (i32.add (i32x4.extract_lane 0 (local.get $v0)) (i32x4.extract_lane 1 (local.get $v0)))
        (i32.add (i32x4.extract_lane 2 (local.get $v0)) (i32x4.extract_lane 3 (local.get $v0)))))))
