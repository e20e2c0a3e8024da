;;! component_model_async = true

;; Re-exports of imports and blocking from synchronous tasks.

;; The root component cannot export what it imports as a function, alone
;; or inside an imported instance (Wasmtime 48 refuses both).
(assert_invalid
  (component
    (import "host-return-two" (func $f (result u32)))
    (export "two" (func $f)))
  "component export `two` is a reexport of an imported function which is not implemented")
(assert_invalid
  (component
    (import "host" (instance $h (export "return-three" (func (result u32)))))
    (export "h" (instance $h)))
  "component export `return-three` is a reexport of an imported function which is not implemented")

;; A nested component may pass on an imported function and an imported
;; instance; the outer component calls both through its own lowering.
(component
  (import "host-return-two" (func $two (result u32)))
  (import "host" (instance $host (export "return-three" (func (result u32)))))
  (component $pass
    (import "f" (func $f (result u32)))
    (import "i" (instance $i (export "return-three" (func (result u32)))))
    (export "g" (func $f))
    (export "j" (instance $i))
  )
  (instance $p (instantiate $pass
    (with "f" (func $two))
    (with "i" (instance $host))))
  (alias export $p "j" (instance $j))
  (core func $g (canon lower (func $p "g")))
  (core func $three (canon lower (func $j "return-three")))
  (core module $m
    (import "" "g" (func $g (result i32)))
    (import "" "three" (func $three (result i32)))
    (func (export "sum") (result i32)
      (i32.add (call $g) (call $three))))
  (core instance $i (instantiate $m
    (with "" (instance (export "g" (func $g)) (export "three" (func $three))))))
  (func (export "sum") (result u32) (canon lift (core func $i "sum")))
)
(assert_return (invoke "sum") (u32.const 5))

;; A synchronous call of an `async` function from a task that may not
;; block traps; from an `async` function it runs.
(component
  (component $callee
    (core module $m
      (import "" "task.return" (func $ret (param i32)))
      (func (export "cb") (param i32 i32 i32) (result i32) i32.const 0)
      (func (export "work") (param i32) (result i32)
        (call $ret (i32.add (local.get 0) (i32.const 1)))
        i32.const 0))
    (core func $ret (canon task.return (result u32)))
    (core instance $i (instantiate $m
      (with "" (instance (export "task.return" (func $ret))))))
    (func (export "work") async (param "x" u32) (result u32)
      (canon lift (core func $i "work") async (callback (core func $i "cb"))))
  )
  (component $caller
    (import "work" (func $work async (param "x" u32) (result u32)))
    (core func $work (canon lower (func $work)))
    (core module $m
      (import "" "work" (func $work (param i32) (result i32)))
      (func (export "call") (result i32) (call $work (i32.const 41))))
    (core instance $i (instantiate $m (with "" (instance (export "work" (func $work))))))
    (func (export "sync-call") (result u32) (canon lift (core func $i "call")))
    (func (export "async-call") async (result u32) (canon lift (core func $i "call")))
  )
  (instance $callee (instantiate $callee))
  (instance $a (instantiate $caller (with "work" (func $callee "work"))))
  (instance $b (instantiate $caller (with "work" (func $callee "work"))))
  (export "async-call" (func $a "async-call"))
  (export "sync-call" (func $b "sync-call"))
)
(assert_return (invoke "async-call") (u32.const 42))
(assert_trap (invoke "sync-call") "cannot block a synchronous task before returning")

;; An instance nested in an imported instance: its function is lowered
;; through an alias of the nested instance.
(component
  (import "host" (instance $host
    (export "nested" (instance (export "return-four" (func (result u32)))))))
  (alias export $host "nested" (instance $nested))
  (core func $four (canon lower (func $nested "return-four")))
  (core module $m
    (import "" "four" (func $four (result i32)))
    (func (export "four") (result i32) (call $four)))
  (core instance $i (instantiate $m (with "" (instance (export "four" (func $four))))))
  (func (export "four") (result u32) (canon lift (core func $i "four")))
)
(assert_return (invoke "four") (u32.const 4))

;; Instances with nothing to define need no definition, nested or not.
(component
  (import "not-defined" (instance))
  (import "not-defined-either" (instance (export "x" (instance (export "y" (instance))))))
)

;; A resource bounded `(eq ...)` to another in an instance import must be
;; that resource when the linker defines it.
(component
  (import "host" (instance
    (export "resource1" (type $r (sub resource)))
    (export "resource1-again" (type (eq $r))))))
(assert_unlinkable
  (component
    (import "host" (instance
      (export "resource2" (type $r (sub resource)))
      (export "resource1" (type (eq $r))))))
  "mismatched resource types")
