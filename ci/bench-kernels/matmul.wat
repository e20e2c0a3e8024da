;; Dense f64 matrix multiply, C = A * B with N = 200 (row-major, naive
;; i-j-k order), repeated 5 times. A[i][j] = (i + 2j) mod 7 - 3,
;; B[i][j] = (3i + j) mod 5 - 1, both set up inside `run`. Returns the sum
;; of C[idx] * (idx & 15) over the flat index idx (an exact integer in
;; f64) as an i64 checksum.
;; Layout: A at 0, B at 320000, C at 640000 (960000 bytes, 15 pages).
(module
  (memory 15)
  (func (export "run") (result i64)
    (local $i i32) (local $j i32) (local $k i32) (local $rep i32)
    (local $acc f64) (local $sum f64)
    (local $arow i32) (local $bcol i32)
    ;; initialise A and B
    (loop $ii
      (local.set $j (i32.const 0))
      (loop $jj
        (f64.store
          (i32.shl (i32.add (i32.mul (local.get $i) (i32.const 200)) (local.get $j)) (i32.const 3))
          (f64.convert_i32_s (i32.sub
            (i32.rem_u (i32.add (local.get $i) (i32.shl (local.get $j) (i32.const 1))) (i32.const 7))
            (i32.const 3))))
        (f64.store offset=320000
          (i32.shl (i32.add (i32.mul (local.get $i) (i32.const 200)) (local.get $j)) (i32.const 3))
          (f64.convert_i32_s (i32.sub
            (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 3)) (local.get $j)) (i32.const 5))
            (i32.const 1))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $jj (i32.lt_u (local.get $j) (i32.const 200))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $ii (i32.lt_u (local.get $i) (i32.const 200))))
    (loop $reps
      (local.set $i (i32.const 0))
      (loop $li
        (local.set $j (i32.const 0))
        (loop $lj
          (local.set $acc (f64.const 0))
          (local.set $k (i32.const 0))
          ;; byte offsets of A[i][0] and B[0][j]
          (local.set $arow (i32.mul (local.get $i) (i32.const 1600)))
          (local.set $bcol (i32.shl (local.get $j) (i32.const 3)))
          (loop $lk
            (local.set $acc
              (f64.add (local.get $acc)
                (f64.mul
                  (f64.load (local.get $arow))
                  (f64.load offset=320000 (local.get $bcol)))))
            (local.set $arow (i32.add (local.get $arow) (i32.const 8)))
            (local.set $bcol (i32.add (local.get $bcol) (i32.const 1600)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $lk (i32.lt_u (local.get $k) (i32.const 200))))
          (f64.store offset=640000
            (i32.shl (i32.add (i32.mul (local.get $i) (i32.const 200)) (local.get $j)) (i32.const 3))
            (local.get $acc))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $lj (i32.lt_u (local.get $j) (i32.const 200))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $li (i32.lt_u (local.get $i) (i32.const 200))))
      (local.set $rep (i32.add (local.get $rep) (i32.const 1)))
      (br_if $reps (i32.lt_u (local.get $rep) (i32.const 5))))
    ;; checksum: sum of C[idx] * (idx & 15)
    (local.set $i (i32.const 0))
    (loop $s
      (local.set $sum (f64.add (local.get $sum)
        (f64.mul (f64.load offset=640000 (local.get $i))
          (f64.convert_i32_u (i32.and (i32.shr_u (local.get $i) (i32.const 3)) (i32.const 15))))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $s (i32.lt_u (local.get $i) (i32.const 320000))))
    (i64.trunc_f64_s (local.get $sum))))
