;; Traps in components: guest traps, traps in post-return, errors in
;; arguments, and what the instance accepts afterwards; malformed and
;; invalid components.

(component $t
  (core module $m
    (memory (export "memory") 1)
    (global $posts (mut i32) (i32.const 0))
    (func (export "unreachable") unreachable)
    (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
    (func (export "ok") (result i32) (i32.const 1))
    (func (export "count-post") (param i32)
      (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
    (func (export "posts") (result i32) (global.get $posts))
    (func (export "trap-post") (param i32) unreachable)
    (func (export "bad-pointer") (result i32) (i32.const 65528)))
  (core instance $i (instantiate $m))
  (func (export "unreachable") (canon lift (core func $i "unreachable")))
  (func (export "div") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "div")))
  (func (export "with-post") (result u32)
    (canon lift (core func $i "ok") (post-return (core func $i "count-post"))))
  (func (export "posts") (result u32) (canon lift (core func $i "posts")))
  (func (export "trap-in-post") (result u32)
    (canon lift (core func $i "ok") (post-return (core func $i "trap-post"))))
  (func (export "bad-pointer") (result (tuple u64 u64))
    (canon lift (core func $i "bad-pointer") (memory (core memory $i "memory"))))
)
(assert_trap (invoke "unreachable") "unreachable")
(assert_return (invoke "div" (u32.const 10) (u32.const 3)) (u32.const 3))
(assert_trap (invoke "div" (u32.const 1) (u32.const 0)) "integer divide by zero")
(assert_return (invoke "with-post") (u32.const 1))
(assert_return (invoke "with-post") (u32.const 1))
(assert_return (invoke "posts") (u32.const 2))
(assert_trap (invoke "trap-in-post") "unreachable")
(assert_trap (invoke "bad-pointer") "out of bounds")

;; A trap during instantiation (a start function).
(assert_trap
  (component
    (core module $m (func $start unreachable) (start $start))
    (core instance (instantiate $m)))
  "unreachable")

;; Malformed: not even a component binary, or text that does not parse.
(assert_malformed
  (component binary "\00asm" "\0d\00\01\00" "\ff")
  "")
(assert_malformed
  (component quote "(core module (func (i32.bogus)))")
  "unknown operator")

;; Invalid: well-formed but failing validation.
(assert_invalid
  (component
    (core module $m (func (export "f") (param i32)))
    (core instance $i (instantiate $m))
    (func (export "f") (canon lift (core func $i "f"))))
  "type mismatch")
(assert_invalid
  (component (export "x" (func 0)))
  "func index out of bounds")
(assert_invalid
  (component
    (core module $m (func (export "f") (result i32) (i32.const 0)))
    (core instance $i (instantiate $m))
    (func (export "f") (result string) (canon lift (core func $i "f"))))
  "canonical option `memory` is required")
