;; Nested handlers: a suspension skips the resumes that do not handle its
;; tag and reaches an outer one; resuming the captured continuation
;; resumes the whole chain.

(module
  ;; Every continuation here takes the answer to its last question (the
  ;; first resume passes a dummy).
  (type $f (func (param i32) (result i32)))
  (type $k (cont $f))
  (tag $inner (param i32) (result i32))
  (tag $outer (param i32) (result i32))

  ;; Asks the outer handler, then the inner one; returns both answers
  ;; combined.
  (func $leaf (param i32) (result i32)
    (local $a i32)
    (local.set $a (suspend $outer (i32.const 1)))
    (i32.add
      (i32.mul (local.get $a) (i32.const 100))
      (suspend $inner (i32.const 2))))
  (elem declare func $leaf $middle)

  ;; Runs the leaf, answering $inner questions with question + 40.
  (func $middle (param i32) (result i32)
    (local $k (ref null $k))
    (local $v i32)
    (local.set $k (cont.new $k (ref.func $leaf)))
    (loop $l (result i32)
      (block $on_inner (result i32 (ref $k))
        (return (resume $k (on $inner $on_inner) (local.get $v) (local.get $k))))
      (local.set $k)
      (local.set $v (i32.add (i32.const 40)))
      (br $l)))

  ;; Runs the middle, answering $outer questions with question + 6.
  (global $outer_seen (mut i32) (i32.const 0))
  (func (export "run") (result i32)
    (local $k (ref null $k))
    (local $v i32)
    (local.set $k (cont.new $k (ref.func $middle)))
    (loop $l (result i32)
      (block $on_outer (result i32 (ref $k))
        (return (resume $k (on $outer $on_outer) (local.get $v) (local.get $k))))
      (local.set $k)
      (global.set $outer_seen (i32.add (global.get $outer_seen) (i32.const 1)))
      (local.set $v (i32.add (i32.const 6)))
      (br $l)))
  (func (export "outer-seen") (result i32) (global.get $outer_seen))

  ;; The same tag handled at both levels: the innermost handler wins.
  (func $leaf2 (param i32) (result i32)
    (suspend $inner (i32.const 5)))
  (func $middle2 (param i32) (result i32)
    (block $on (result i32 (ref $k))
      (return (resume $k (on $inner $on) (i32.const 0) (cont.new $k (ref.func $leaf2)))))
    (drop)
    (i32.add (i32.const 1000)))
  (elem declare func $leaf2 $middle2)
  (func (export "innermost") (result i32)
    (block $on (result i32 (ref $k))
      (return (resume $k (on $inner $on) (i32.const 0) (cont.new $k (ref.func $middle2)))))
    (drop)
    (i32.add (i32.const 2000)))
)

;; leaf asks outer 1 -> 7; asks inner 2 -> 42; returns 7*100 + 42.
(assert_return (invoke "run") (i32.const 742))
(assert_return (invoke "outer-seen") (i32.const 1))
(assert_return (invoke "innermost") (i32.const 1005))
