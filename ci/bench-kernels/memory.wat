;; Memory-bound loop over 16 MiB buffers: `run` fills a 16 MiB source with
;; an i64 pattern, then 8 times copies it word by word into a second 16 MiB
;; buffer (adding the pass number) and sums the copy. Returns the wrapping
;; sum as an i64 checksum. Source at 0, destination at 16 MiB (512 pages).
(module
  (memory 512)
  (func (export "run") (result i64)
    (local $i i32) (local $pass i64) (local $sum i64)
    ;; fill: src[i] = i * 0x9E3779B97F4A7C15 (as 2M i64 words)
    (loop $fill
      (i64.store (local.get $i)
        (i64.mul (i64.extend_i32_u (local.get $i)) (i64.const 0x9E3779B97F4A7C15)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 16777216))))
    (loop $passes
      ;; copy with a twist
      (local.set $i (i32.const 0))
      (loop $copy
        (i64.store offset=16777216 (local.get $i)
          (i64.add (i64.load (local.get $i)) (local.get $pass)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br_if $copy (i32.lt_u (local.get $i) (i32.const 16777216))))
      ;; sum the copy
      (local.set $i (i32.const 0))
      (loop $sumloop
        (local.set $sum (i64.add (local.get $sum) (i64.load offset=16777216 (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br_if $sumloop (i32.lt_u (local.get $i) (i32.const 16777216))))
      (local.set $pass (i64.add (local.get $pass) (i64.const 1)))
      (br_if $passes (i64.lt_u (local.get $pass) (i64.const 8))))
    (local.get $sum)))
