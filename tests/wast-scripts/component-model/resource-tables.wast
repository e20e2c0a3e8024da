;; Handle tables are per component instance, also for nested components
;; inlined into one `Instance`; owned handles lent as borrows cannot move;
;; destructors work during later start functions.

;; One nested component, instantiated twice: each instantiation numbers
;; its handles from 1 in its own table.
(component
  (component $c
    (type $t (resource (rep i32)))
    (core func $new (canon resource.new $t))
    (core func $drop (canon resource.drop $t))
    (core module $m
      (import "r" "new" (func $new (param i32) (result i32)))
      (import "r" "drop" (func $drop (param i32)))
      (func (export "make") (result i32) (call $new (i32.const 7)))
      (func (export "free") (param i32) (call $drop (local.get 0)))
    )
    (core instance $i (instantiate $m
      (with "r" (instance (export "new" (func $new)) (export "drop" (func $drop))))
    ))
    (func (export "make") (result u32) (canon lift (core func $i "make")))
    (func (export "free") (param "h" u32) (canon lift (core func $i "free")))
  )
  (instance $a (instantiate $c))
  (instance $b (instantiate $c))
  (export "make-a" (func $a "make"))
  (export "free-a" (func $a "free"))
  (export "make-b" (func $b "make"))
  (export "free-b" (func $b "free"))
)
(assert_return (invoke "make-a") (u32.const 1))
(assert_return (invoke "make-a") (u32.const 2))
(assert_return (invoke "make-b") (u32.const 1))
(assert_return (invoke "free-a" (u32.const 2)))
(assert_return (invoke "free-a" (u32.const 1)))
(assert_return (invoke "free-b" (u32.const 1)))
;; (A trap leaves the instance unusable, so it comes last.)
(assert_trap (invoke "free-b" (u32.const 1)) "unknown handle index 1")

;; A destructor defined by an earlier core instance runs when a later core
;; instance's start function drops a handle.
(component
  (core module $counter
    (global $n (mut i32) (i32.const 0))
    (func (export "dtor") (param i32)
      (global.set $n (i32.add (global.get $n) (local.get 0))))
    (func (export "n") (result i32) (global.get $n))
  )
  (core instance $counter (instantiate $counter))
  (type $t (resource (rep i32) (dtor (core func $counter "dtor"))))
  (core func $new (canon resource.new $t))
  (core func $drop (canon resource.drop $t))
  (core module $user
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (import "c" "n" (func $n (result i32)))
    (func $start
      (call $drop (call $new (i32.const 40)))
      (if (i32.ne (call $n) (i32.const 40)) (then (unreachable))))
    (start $start)
  )
  (core instance (instantiate $user
    (with "r" (instance (export "new" (func $new)) (export "drop" (func $drop))))
    (with "c" (instance $counter))
  ))
)

;; Dropping a handle with the `resource.drop` of another resource type.
(component
  (type $x (resource (rep i32)))
  (type $y (resource (rep i32)))
  (core func $new-x (canon resource.new $x))
  (core func $drop-y (canon resource.drop $y))
  (core module $m
    (import "r" "new-x" (func $new (param i32) (result i32)))
    (import "r" "drop-y" (func $drop (param i32)))
    (func (export "f") (call $drop (call $new (i32.const 1))))
  )
  (core instance $i (instantiate $m
    (with "r" (instance (export "new-x" (func $new-x)) (export "drop-y" (func $drop-y))))
  ))
  (func (export "f") (canon lift (core func $i "f")))
)
(assert_trap (invoke "f")
  "handle index 1 used with the wrong type, expected guest-defined resource but found a different guest-defined resource")

;; An owned handle cannot be passed as `own` while the same call borrows
;; it; the borrow ends with the call, and the handle can move afterwards.
;; (Three sibling components: a parent may not call into its children.)
(component
  (component $owner
    (type $t (resource (rep i32)))
    (core func $new (canon resource.new $t))
    (core module $m
      (import "r" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 3)))
    )
    (core instance $i (instantiate $m (with "r" (instance (export "new" (func $new))))))
    (export $t' "t" (type $t))
    (func (export "make") (result (own $t')) (canon lift (core func $i "make")))
  )
  (component $taker
    (import "t" (type $t (sub resource)))
    (core func $drop (canon resource.drop $t))
    (core module $m
      (import "r" "drop" (func $drop (param i32)))
      (func (export "take") (param i32 i32)
        (call $drop (local.get 0))
        (call $drop (local.get 1)))
    )
    (core instance $i (instantiate $m
      (with "r" (instance (export "drop" (func $drop))))
    ))
    (func (export "take") (param "b" (borrow $t)) (param "o" (own $t))
      (canon lift (core func $i "take")))
  )
  (component $user
    (import "t" (type $t (sub resource)))
    (import "make" (func $make (result (own $t))))
    (import "take" (func $take (param "b" (borrow $t)) (param "o" (own $t))))
    (core func $make (canon lower (func $make)))
    (core func $take (canon lower (func $take)))
    (core module $m
      (import "r" "make" (func $make (result i32)))
      (import "r" "take" (func $take (param i32 i32)))
      (func (export "same") (local $h i32)
        (local.set $h (call $make))
        (call $take (local.get $h) (local.get $h)))
      (func (export "other") (local $a i32)
        (local.set $a (call $make))
        (call $take (local.get $a) (call $make))
        (call $take (call $make) (local.get $a)))
    )
    (core instance $i (instantiate $m
      (with "r" (instance (export "make" (func $make)) (export "take" (func $take))))
    ))
    (func (export "same") (canon lift (core func $i "same")))
    (func (export "other") (canon lift (core func $i "other")))
  )
  (instance $owner (instantiate $owner))
  (instance $taker (instantiate $taker (with "t" (type $owner "t"))))
  (instance $user (instantiate $user
    (with "t" (type $owner "t"))
    (with "make" (func $owner "make"))
    (with "take" (func $taker "take"))
  ))
  (export "same" (func $user "same"))
  (export "other" (func $user "other"))
)
(assert_return (invoke "other"))
(assert_trap (invoke "same") "cannot remove owned resource while borrowed")
