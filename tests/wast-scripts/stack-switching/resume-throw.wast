;; resume_throw, and exceptions crossing continuation boundaries.

(module
  (type $f (func (result i32)))
  (type $k (cont $f))
  (tag $yield)
  (tag $exn (param i32))

  ;; Catches $exn at its suspension point: returns payload + 100, or -1
  ;; when resumed normally.
  (func $catcher (result i32)
    (block $h (result i32)
      (try_table (catch $exn $h)
        (suspend $yield))
      (return (i32.const -1)))
    (i32.add (i32.const 100)))
  ;; Does not catch.
  (func $plain (result i32)
    (suspend $yield)
    (i32.const 1))
  ;; Throws by itself.
  (func $thrower (result i32)
    (throw $exn (i32.const 33)))
  (elem declare func $catcher $plain $thrower)

  (func $suspended (param $f (ref $f)) (result (ref $k))
    (block $on (result (ref $k))
      (resume $k (on $yield $on) (cont.new $k (local.get $f)))
      (unreachable)))

  (func (export "caught-inside") (result i32)
    (resume_throw $k $exn (i32.const 5) (call $suspended (ref.func $catcher))))

  (func (export "resumed-normally") (result i32)
    (resume $k (call $suspended (ref.func $catcher))))

  ;; Uncaught inside: the exception leaves the resume.
  (func (export "escapes") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $exn $h)
        (resume_throw $k $exn (i32.const 7) (call $suspended (ref.func $plain))))
      (return))
    (i32.add (i32.const 1000)))

  ;; A fresh continuation: nothing inside can catch it.
  (func (export "fresh") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $exn $h)
        (resume_throw $k $exn (i32.const 9) (cont.new $k (ref.func $catcher))))
      (return))
    (i32.add (i32.const 2000)))

  ;; An exception thrown by the continuation itself.
  (func (export "thrown-inside") (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $exn $h)
        (resume $k (cont.new $k (ref.func $thrower))))
      (return))
    (i32.add (i32.const 3000)))

  ;; Nobody catches: the host sees the exception.
  (func (export "uncaught") (result i32)
    (resume_throw $k $exn (i32.const 1) (call $suspended (ref.func $plain))))

  ;; resume_throw_ref throws an existing exception object.
  (func (export "throw-ref") (result i32)
    (resume_throw_ref $k
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (throw $exn (i32.const 11)))
        (unreachable))
      (call $suspended (ref.func $catcher))))
  (func (export "throw-ref-null") (result i32)
    (resume_throw_ref $k (ref.null exn) (call $suspended (ref.func $catcher))))

  ;; The continuation is consumed by resume_throw.
  (func (export "consumed") (result i32)
    (local $k (ref null $k))
    (local.set $k (call $suspended (ref.func $catcher)))
    (drop (resume_throw $k $exn (i32.const 5) (local.get $k)))
    (resume $k (local.get $k)))
)

(assert_return (invoke "caught-inside") (i32.const 105))
(assert_return (invoke "resumed-normally") (i32.const -1))
(assert_return (invoke "escapes") (i32.const 1007))
(assert_return (invoke "fresh") (i32.const 2009))
(assert_return (invoke "thrown-inside") (i32.const 3033))
(assert_exception (invoke "uncaught"))
(assert_return (invoke "throw-ref") (i32.const 111))
(assert_trap (invoke "throw-ref-null") "null reference")
(assert_trap (invoke "consumed") "continuation already consumed")
