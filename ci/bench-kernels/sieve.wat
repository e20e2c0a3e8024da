;; Sieve of Eratosthenes below N = 10,000,000, one byte per number in linear
;; memory (153 pages). `run` clears the array, sieves, and returns the number
;; of primes below N: 664579.
(module
  (memory 153)
  (func (export "run") (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    ;; all candidates start as "prime" (0); 0 and 1 are not.
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 10000000))
    (i32.store8 (i32.const 0) (i32.const 1))
    (i32.store8 (i32.const 1) (i32.const 1))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.gt_u (i32.mul (local.get $i) (local.get $i)) (i32.const 10000000)))
        (if (i32.eqz (i32.load8_u (local.get $i)))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $inner_done
              (loop $inner
                (br_if $inner_done (i32.ge_u (local.get $j) (i32.const 10000000)))
                (i32.store8 (local.get $j) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 0))
    (loop $count_loop
      (local.set $count
        (i32.add (local.get $count) (i32.eqz (i32.load8_u (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $count_loop (i32.lt_u (local.get $i) (i32.const 10000000))))
    (local.get $count)))
