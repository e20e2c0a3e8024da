;; Context slots and the may-leave rule of synchronous calls: `post-return`
;; shares its call's context slots but may not call imports or builtins
;; other than the exempt ones; a `realloc` the host calls to pass arguments
;; has context slots of its own.

(component
  (type $t (resource (rep i32)))
  (core func $new (canon resource.new $t))
  (core func $rep (canon resource.rep $t))
  (core func $get (canon context.get i32 0))
  (core func $set (canon context.set i32 0))
  (core module $m
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "rep" (func $rep (param i32) (result i32)))
    (import "" "get" (func $get (result i32)))
    (import "" "set" (func $set (param i32)))
    (global $h (mut i32) (i32.const 0))
    (func (export "f") (result i32)
      (global.set $h (call $new (i32.const 9)))
      (call $set (i32.const 77))
      (i32.const 1))
    ;; context.get and resource.rep are allowed in post-return
    (func (export "f-post") (param i32)
      (if (i32.ne (call $get) (i32.const 77)) (then (unreachable)))
      (if (i32.ne (call $rep (global.get $h)) (i32.const 9)) (then (unreachable))))
    (func (export "g") (result i32) (i32.const 2))
    ;; resource.new is not
    (func (export "g-post") (param i32)
      (drop (call $new (i32.const 1))))
  )
  (core instance $i (instantiate $m
    (with "" (instance
      (export "new" (func $new))
      (export "rep" (func $rep))
      (export "get" (func $get))
      (export "set" (func $set))))
  ))
  (func (export "f") (result u32)
    (canon lift (core func $i "f") (post-return (core func $i "f-post"))))
  (func (export "g") (result u32)
    (canon lift (core func $i "g") (post-return (core func $i "g-post"))))
)
(assert_return (invoke "f") (u32.const 1))
(assert_trap (invoke "g") "cannot leave component instance")

(component
  (core func $get (canon context.get i32 0))
  (core func $set (canon context.set i32 0))
  (core module $libc
    (import "" "get" (func $get (result i32)))
    (import "" "set" (func $set (param i32)))
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.ne (call $get) (i32.const 0)) (then (unreachable)))
      (call $set (i32.const 5))
      (i32.const 64))
  )
  (core instance $libc (instantiate $libc
    (with "" (instance (export "get" (func $get)) (export "set" (func $set))))
  ))
  (core module $m
    (import "" "get" (func $get (result i32)))
    (import "" "mem" (memory 1))
    (func (export "len") (param i32 i32) (result i32)
      (if (i32.ne (call $get) (i32.const 0)) (then (unreachable)))
      (local.get 1))
  )
  (core instance $i (instantiate $m
    (with "" (instance (export "get" (func $get)) (export "mem" (memory $libc "memory"))))
  ))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $i "len")
      (memory $libc "memory") (realloc (func $libc "realloc"))))
)
(assert_return (invoke "len" (str.const "abc")) (u32.const 3))

;; While the host lowers arguments, the instance may not leave: a
;; `realloc` calling `resource.new` traps.
(component
  (type $t (resource (rep i32)))
  (core func $new (canon resource.new $t))
  (core module $libc
    (import "" "new" (func $new (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (drop (call $new (i32.const 1)))
      (i32.const 64))
  )
  (core instance $libc (instantiate $libc (with "" (instance (export "new" (func $new))))))
  (core module $m (func (export "len") (param i32 i32) (result i32) (local.get 1)))
  (core instance $i (instantiate $m))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $i "len")
      (memory $libc "memory") (realloc (func $libc "realloc"))))
)
(assert_trap (invoke "len" (str.const "abc")) "cannot leave component instance")
