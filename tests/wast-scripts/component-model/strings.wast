;; Strings in every encoding the canonical ABI knows (utf8, utf16,
;; latin1+utf16): passed in from the host, returned to it, and passed
;; between two components through an adapter that transcodes.

(component $strings
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p
        (i32.and
          (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      ;; A real realloc keeps the old contents (the canonical ABI shrinks
      ;; a worst-case allocation after transcoding).
      (if (local.get 0)
        (then
          (memory.copy (local.get $p) (local.get 0)
            (select (local.get 1) (local.get 3) (i32.lt_u (local.get 1) (local.get 3))))))
      (local.get $p))
    (data (i32.const 100) "h\00i\00")
    (data (i32.const 110) "caf\e9")
    (data (i32.const 120) "\3d\d8\00\de")
    (data (i32.const 130) "\00\d8")
    (data (i32.const 140) "\ff\fe")
    (func $ret (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.const 16))
    (func (export "echo") (param i32 i32) (result i32)
      (call $ret (local.get 0) (local.get 1)))
    ;; The code units the guest received, for checking what it was given.
    (func (export "units") (param i32 i32) (result i32) (local.get 1))
    (func (export "utf16-hi") (result i32) (call $ret (i32.const 100) (i32.const 2)))
    (func (export "latin1-cafe") (result i32) (call $ret (i32.const 110) (i32.const 4)))
    (func (export "tagged-emoji") (result i32)
      (call $ret (i32.const 120) (i32.or (i32.const 2) (i32.const 0x80000000))))
    (func (export "lone-surrogate") (result i32) (call $ret (i32.const 130) (i32.const 1)))
    (func (export "bad-utf8") (result i32) (call $ret (i32.const 140) (i32.const 2)))
    (func (export "out-of-bounds") (result i32) (call $ret (i32.const 65530) (i32.const 100)))
    (func (export "misaligned") (result i32) (call $ret (i32.const 101) (i32.const 1)))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "echo8") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
  (func (export "echo16") (param "s" string) (result string)
    (canon lift (core func $i "echo") string-encoding=utf16 (memory $mem) (realloc $realloc)))
  (func (export "echo-compact") (param "s" string) (result string)
    (canon lift (core func $i "echo") string-encoding=latin1+utf16 (memory $mem)
      (realloc $realloc)))
  (func (export "units8") (param "s" string) (result u32)
    (canon lift (core func $i "units") (memory $mem) (realloc $realloc)))
  (func (export "units16") (param "s" string) (result u32)
    (canon lift (core func $i "units") string-encoding=utf16 (memory $mem) (realloc $realloc)))
  (func (export "units-compact") (param "s" string) (result u32)
    (canon lift (core func $i "units") string-encoding=latin1+utf16 (memory $mem)
      (realloc $realloc)))
  (func (export "utf16-hi") (result string)
    (canon lift (core func $i "utf16-hi") string-encoding=utf16 (memory $mem)))
  (func (export "latin1-cafe") (result string)
    (canon lift (core func $i "latin1-cafe") string-encoding=latin1+utf16 (memory $mem)))
  (func (export "tagged-emoji") (result string)
    (canon lift (core func $i "tagged-emoji") string-encoding=latin1+utf16 (memory $mem)))
  (func (export "lone-surrogate") (result string)
    (canon lift (core func $i "lone-surrogate") string-encoding=utf16 (memory $mem)))
  (func (export "bad-utf8") (result string)
    (canon lift (core func $i "bad-utf8") (memory $mem)))
  (func (export "out-of-bounds") (result string)
    (canon lift (core func $i "out-of-bounds") (memory $mem)))
  (func (export "misaligned") (result string)
    (canon lift (core func $i "misaligned") string-encoding=utf16 (memory $mem)))
)

(assert_return (invoke "echo8" (str.const "a☃😀")) (str.const "a☃😀"))
(assert_return (invoke "echo16" (str.const "a☃😀")) (str.const "a☃😀"))
(assert_return (invoke "echo-compact" (str.const "café")) (str.const "café"))
(assert_return (invoke "echo-compact" (str.const "a☃😀")) (str.const "a☃😀"))
(assert_return (invoke "echo16" (str.const "")) (str.const ""))
;; utf8 counts bytes, utf16 code units; latin1+utf16 counts latin1 bytes
;; when every character fits, else utf16 units with the high bit set.
(assert_return (invoke "units8" (str.const "a☃😀")) (u32.const 8))
(assert_return (invoke "units16" (str.const "a☃😀")) (u32.const 4))
(assert_return (invoke "units-compact" (str.const "café")) (u32.const 4))
(assert_return (invoke "units-compact" (str.const "a☃")) (u32.const 0x80000002))
(assert_return (invoke "utf16-hi") (str.const "hi"))
(assert_return (invoke "latin1-cafe") (str.const "café"))
(assert_return (invoke "tagged-emoji") (str.const "😀"))
(assert_trap (invoke "lone-surrogate") "utf-16")
(assert_trap (invoke "bad-utf8") "utf-8")
(assert_trap (invoke "out-of-bounds") "out of bounds")
(assert_trap (invoke "misaligned") "aligned")

;; A utf8 caller and callees in the other encodings: the adapter between
;; them transcodes in both directions.
(component $composed
  (component $callee16
    (core module $m
      (memory (export "memory") 1)
      (global $bump (mut i32) (i32.const 4096))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p
          (i32.and
            (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
            (i32.sub (i32.const 0) (local.get 2))))
        (global.set $bump (i32.add (local.get $p) (local.get 3)))
        (if (local.get 0)
          (then
            (memory.copy (local.get $p) (local.get 0)
              (select (local.get 1) (local.get 3) (i32.lt_u (local.get 1) (local.get 3))))))
        (local.get $p))
      (func (export "echo") (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 0))
        (i32.store (i32.const 20) (local.get 1))
        (i32.const 16)))
    (core instance $i (instantiate $m))
    (func (export "echo16") (param "s" string) (result string)
      (canon lift (core func $i "echo") string-encoding=utf16
        (memory (core memory $i "memory")) (realloc (core func $i "realloc"))))
    (func (export "echo-compact") (param "s" string) (result string)
      (canon lift (core func $i "echo") string-encoding=latin1+utf16
        (memory (core memory $i "memory")) (realloc (core func $i "realloc")))))
  (instance $callee (instantiate $callee16))

  (component $caller
    (import "echo16" (func $echo16 (param "s" string) (result string)))
    (import "echo-compact" (func $echo-compact (param "s" string) (result string)))
    (core module $libc
      (memory (export "memory") 1)
      (global $bump (mut i32) (i32.const 4096))
      (func (export "realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32)
        (local.set $p
          (i32.and
            (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
            (i32.sub (i32.const 0) (local.get 2))))
        (global.set $bump (i32.add (local.get $p) (local.get 3)))
        (if (local.get 0)
          (then
            (memory.copy (local.get $p) (local.get 0)
              (select (local.get 1) (local.get 3) (i32.lt_u (local.get 1) (local.get 3))))))
        (local.get $p)))
    (core instance $libc (instantiate $libc))
    (core func $echo16 (canon lower (func $echo16) (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc"))))
    (core func $echo-compact (canon lower (func $echo-compact) (memory (core memory $libc "memory"))
      (realloc (core func $libc "realloc"))))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "echo16" (func $echo16 (param i32 i32 i32)))
      (import "" "echo-compact" (func $echo-compact (param i32 i32 i32)))
      ;; Calls both callees, each with the previous answer, and returns the
      ;; last (ptr, len).
      (func (export "run") (param i32 i32) (result i32)
        (call $echo16 (local.get 0) (local.get 1) (i32.const 32))
        (call $echo-compact (i32.load (i32.const 32)) (i32.load (i32.const 36)) (i32.const 40))
        (i32.const 40)))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance (export "echo16" (func $echo16))
                         (export "echo-compact" (func $echo-compact))))))
    (func (export "run") (param "s" string) (result string)
      (canon lift (core func $i "run") (memory (core memory $libc "memory"))
        (realloc (core func $libc "realloc")))))
  (instance $caller (instantiate $caller
    (with "echo16" (func $callee "echo16"))
    (with "echo-compact" (func $callee "echo-compact"))))
  (export "run" (func $caller "run"))
)

(assert_return (invoke "run" (str.const "")) (str.const ""))
(assert_return (invoke "run" (str.const "plain ascii")) (str.const "plain ascii"))
(assert_return (invoke "run" (str.const "café")) (str.const "café"))
(assert_return (invoke "run" (str.const "snow ☃ and 😀")) (str.const "snow ☃ and 😀"))
