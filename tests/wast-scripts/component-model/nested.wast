;; Imports from the host at the root and from instances; components
;; nested in components, instantiated more than once, with functions passed
;; down and exports passed up. (Imports of instances that export instances,
;; such as the host's `host` `nested` `return-four`, are not supported yet.)

(component
  (import "host-return-two" (func $two (result u32)))
  (import "host" (instance $host
    (export "return-three" (func (result u32)))
    (export "return-hi" (func (result string)))))
  (alias export $host "return-three" (func $three))
  (core func $two (canon lower (func $two)))
  (core func $three (canon lower (func $three)))
  (core func $four (canon lower (func $two)))
  (core module $m
    (import "" "two" (func $two (result i32)))
    (import "" "three" (func $three (result i32)))
    (import "" "four" (func $four (result i32)))
    (func (export "sum") (result i32)
      (i32.add (call $two) (i32.add (call $three) (call $four)))))
  (core instance $i (instantiate $m
    (with "" (instance
      (export "two" (func $two))
      (export "three" (func $three))
      (export "four" (func $four))))))
  (func (export "sum") (result u32) (canon lift (core func $i "sum")))
)
(assert_return (invoke "sum") (u32.const 7))

;; A missing import is a link error naming it.
(assert_unlinkable
  (component (import "host-return-nine" (func (result u32))))
  "host-return-nine")
;; An import of the wrong type is a link error too.
(assert_unlinkable
  (component (import "host-return-two" (func (result string))))
  "host-return-two")

(component $outer
  ;; An adder whose increment is a function import.
  (component $adder
    (import "inc" (func $inc (result u32)))
    (core func $inc (canon lower (func $inc)))
    (core module $m
      (import "" "inc" (func $inc (result i32)))
      (global $n (mut i32) (i32.const 0))
      (func (export "step") (result i32)
        (global.set $n (i32.add (global.get $n) (call $inc)))
        (global.get $n)))
    (core instance $i (instantiate $m (with "" (instance (export "inc" (func $inc))))))
    (func (export "step") (result u32) (canon lift (core func $i "step"))))
  ;; Constants to feed the adders.
  (component $consts
    (core module $m
      (func (export "one") (result i32) (i32.const 1))
      (func (export "ten") (result i32) (i32.const 10)))
    (core instance $i (instantiate $m))
    (func (export "one") (result u32) (canon lift (core func $i "one")))
    (func (export "ten") (result u32) (canon lift (core func $i "ten"))))
  (instance $consts (instantiate $consts))
  (instance $by-one (instantiate $adder (with "inc" (func $consts "one"))))
  (instance $by-ten (instantiate $adder (with "inc" (func $consts "ten"))))
  (export "by-one" (func $by-one "step"))
  (export "by-ten" (func $by-ten "step"))
  ;; An instance of exports, re-exported.
  (instance $both (export "one" (func $by-one "step")) (export "ten" (func $by-ten "step")))
  (export "both" (instance $both))
)
(assert_return (invoke "by-one") (u32.const 1))
(assert_return (invoke "by-one") (u32.const 2))
(assert_return (invoke "by-ten") (u32.const 10))
(assert_return (invoke "by-one") (u32.const 3))
(assert_return (invoke "by-ten") (u32.const 20))

;; Components reached through outer aliases and instantiated deeper than
;; where they are defined: each one's own outer aliases still refer to the
;; components around its definition.
(component
  (component $counter
    (core module $m
      (global $n (mut i32) (i32.const 0))
      (func (export "bump") (global.set $n (i32.add (global.get $n) (i32.const 1))))
      (func (export "n") (result i32) (global.get $n)))
    (core instance $i (instantiate $m))
    (func (export "bump") (canon lift (core func $i "bump")))
    (func (export "n") (result u32) (canon lift (core func $i "n"))))
  (component $tree
    (import "bump" (func $bump))
    (component $leaf
      (import "bump" (func $bump))
      (core func $b (canon lower (func $bump)))
      (core module $m (import "" "b" (func $b)) (start $b))
      (core instance (instantiate $m (with "" (instance (export "b" (func $b)))))))
    (component $pair
      (import "bump" (func $bump))
      (instance (instantiate $leaf (with "bump" (func $bump))))
      (instance (instantiate $leaf (with "bump" (func $bump)))))
    (component $quad
      (import "bump" (func $bump))
      (instance (instantiate $pair (with "bump" (func $bump))))
      (instance (instantiate $pair (with "bump" (func $bump)))))
    (instance (instantiate $quad (with "bump" (func $bump))))
    (instance (instantiate $leaf (with "bump" (func $bump)))))
  (instance $c (instantiate $counter))
  (instance (instantiate $tree (with "bump" (func $c "bump"))))
  (export "n" (func $c "n"))
)
(assert_return (invoke "n") (u32.const 5))
