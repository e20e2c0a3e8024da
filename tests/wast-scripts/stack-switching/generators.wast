;; Generators: a producer suspends with each value, a consumer resumes it
;; until it returns.

(module
  (type $gen_f (func))
  (type $gen (cont $gen_f))
  (tag $yield (param i64))

  ;; Yields n, n-1, ..., 1.
  (func $countdown (param $n i64)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (suspend $yield (local.get $n))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l))))
  (elem declare func $countdown)

  (type $cd_f (func (param i64)))
  (type $cd (cont $cd_f))

  ;; Sums what the countdown from n yields.
  (func (export "sum") (param $n i64) (result i64)
    (local $k (ref null $gen))
    (local $acc i64)
    (local.set $k
      (cont.bind $cd $gen (local.get $n) (cont.new $cd (ref.func $countdown))))
    (block $finished
      (loop $next
        (block $on_yield (result i64 (ref $gen))
          (resume $gen (on $yield $on_yield) (local.get $k))
          (br $finished))
        (local.set $k)
        (local.set $acc (i64.add (local.get $acc)))
        (br $next)))
    (local.get $acc))

  ;; Counts how many values were yielded.
  (func (export "count") (param $n i64) (result i32)
    (local $k (ref null $gen))
    (local $c i32)
    (local.set $k
      (cont.bind $cd $gen (local.get $n) (cont.new $cd (ref.func $countdown))))
    (block $finished
      (loop $next
        (block $on_yield (result i64 (ref $gen))
          (resume $gen (on $yield $on_yield) (local.get $k))
          (br $finished))
        (local.set $k)
        (drop)
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (local.get $c))
)

(assert_return (invoke "sum" (i64.const 0)) (i64.const 0))
(assert_return (invoke "sum" (i64.const 10)) (i64.const 55))
(assert_return (invoke "sum" (i64.const 1000)) (i64.const 500500))
(assert_return (invoke "count" (i64.const 3000)) (i32.const 3000))

;; Values flow both ways: the consumer answers each yield.
(module
  (type $f (func (param i32) (result i32)))
  (type $k (cont $f))
  (tag $ask (param i32) (result i32))

  ;; Asks three times, each time with the previous answer plus one; returns
  ;; the last answer times ten.
  (func $asker (param $x i32) (result i32)
    (local.set $x (suspend $ask (i32.add (local.get $x) (i32.const 1))))
    (local.set $x (suspend $ask (i32.add (local.get $x) (i32.const 1))))
    (local.set $x (suspend $ask (i32.add (local.get $x) (i32.const 1))))
    (i32.mul (local.get $x) (i32.const 10)))
  (elem declare func $asker)

  ;; Doubles every question.
  (func (export "run") (param $x i32) (result i32)
    (local $k (ref null $k))
    (local $v i32)
    (local.set $k (cont.new $k (ref.func $asker)))
    (local.set $v (local.get $x))
    (loop $l (result i32)
      (block $on_ask (result i32 (ref $k))
        (resume $k (on $ask $on_ask) (local.get $v) (local.get $k))
        (return))
      (local.set $k)
      (local.set $v (i32.mul (i32.const 2)))
      (br $l)))
)

;; 1 -> ask 2 -> 4 -> ask 5 -> 10 -> ask 11 -> 22 -> 220
(assert_return (invoke "run" (i32.const 1)) (i32.const 220))

;; Every value type crosses a switch.
(module
  (type $f (func (param i32 i64 f32 f64) (result i32 i64 f32 f64)))
  (type $k (cont $f))
  (tag $t (param i32 i64 f32 f64) (result i32 i64 f32 f64))
  (func $echo (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (suspend $t (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (elem declare func $echo)
  (func (export "roundtrip") (result i32 i64 f32 f64)
    (local $k (ref null $k))
    (block $on_t (result i32 i64 f32 f64 (ref $k))
      (resume $k (on $t $on_t)
        (i32.const 7) (i64.const -8) (f32.const 1.5) (f64.const -2.25)
        (cont.new $k (ref.func $echo)))
      (unreachable))
    (local.set $k)
    ;; Resume with the same values incremented by the handler's choice:
    ;; here simply passed back.
    (resume $k (local.get $k)))
)

(assert_return (invoke "roundtrip")
  (i32.const 7) (i64.const -8) (f32.const 1.5) (f64.const -2.25))
