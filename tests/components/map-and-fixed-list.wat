;; A component with a fixed-length list and a map in its exports (for the
;; CLI's `--invoke` test): `swap` exchanges two `u32`s, `echo-map` returns its map.
(component
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (core module $m
    (import "libc" "memory" (memory 1))
    (func (export "swap") (param i32 i32) (result i32)
      (i32.store (i32.const 512) (local.get 1))
      (i32.store (i32.const 516) (local.get 0))
      (i32.const 512))
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 512) (local.get 0))
      (i32.store (i32.const 516) (local.get 1))
      (i32.const 512)))
  (core instance $i (instantiate $m (with "libc" (instance $libc))))
  (func (export "swap") (param "l" (list u32 2)) (result (list u32 2))
    (canon lift (core func $i "swap") (memory (core memory $libc "memory"))))
  (func (export "echo-map") (param "m" (map string u32)) (result (map string u32))
    (canon lift (core func $i "echo") (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc")))))
