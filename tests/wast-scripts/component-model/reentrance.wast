;; Calls through an adapter between a component instance and itself, its
;; ancestors or its descendants trap: they would re-enter an instance.
;; Siblings may call each other.

(component
  (component $child
    (core module $m (func (export "seven") (result i32) (i32.const 7)))
    (core instance $i (instantiate $m))
    (func (export "seven") (result u32) (canon lift (core func $i "seven"))))
  (instance $child (instantiate $child))
  (core func $seven (canon lower (func $child "seven")))
  (core module $m
    (import "" "seven" (func $seven (result i32)))
    (func (export "call-child") (result i32) (call $seven)))
  (core instance $i (instantiate $m (with "" (instance (export "seven" (func $seven))))))
  (func (export "call-child") (result u32) (canon lift (core func $i "call-child")))
)
(assert_trap (invoke "call-child") "cannot enter component instance")

(component
  (component $child
    (core module $m (func (export "seven") (result i32) (i32.const 7)))
    (core instance $i (instantiate $m))
    (func (export "seven") (result u32) (canon lift (core func $i "seven"))))
  (component $sibling
    (import "seven" (func $seven (result u32)))
    (core func $seven (canon lower (func $seven)))
    (core module $m
      (import "" "seven" (func $seven (result i32)))
      (func (export "twice") (result i32) (i32.add (call $seven) (call $seven))))
    (core instance $i (instantiate $m (with "" (instance (export "seven" (func $seven))))))
    (func (export "twice") (result u32) (canon lift (core func $i "twice"))))
  (instance $child (instantiate $child))
  (instance $sibling (instantiate $sibling (with "seven" (func $child "seven"))))
  (export "twice" (func $sibling "twice"))
)
(assert_return (invoke "twice") (u32.const 14))

;; A function lowered into its own instance, called from a start function.
(assert_trap
  (component
    (core module $m (func (export "f")))
    (core instance $m (instantiate $m))
    (func $f (canon lift (core func $m "f")))
    (core func $g (canon lower (func $f)))
    (core module $n (import "" "g" (func $g)) (start $g))
    (core instance (instantiate $n (with "" (instance (export "g" (func $g))))))
  )
  "cannot enter component instance")

;; A readable end that joined a waitable set cannot be lifted.
(component
  (type $ft (future u8))
  (core func $new (canon future.new $ft))
  (core func $set-new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core module $m
    (import "" "new" (func $new (result i64)))
    (import "" "set-new" (func $set-new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (func (export "f") (result i32) (local $r i32)
      (local.set $r (i32.wrap_i64 (call $new)))
      (call $join (local.get $r) (call $set-new))
      (local.get $r)))
  (core instance $i (instantiate $m (with "" (instance
    (export "new" (func $new)) (export "set-new" (func $set-new)) (export "join" (func $join))))))
  (func (export "f") async (result $ft) (canon lift (core func $i "f")))
)
(assert_trap (invoke "f") "cannot lift future while it's in a waitable set")
