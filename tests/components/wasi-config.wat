;; A component reading `wasi:config/store@0.2.0-rc.1`, written by hand for
;; the tests of `wasmtime-wasi-config` and of `wasmtime run -S config`. Its
;; root exports forward to the imports and unwrap their `ok` results (an
;; `err` traps: the host never reports one):
;;   get(key: string) -> option<string>
;;   get-all() -> list<tuple<string, string>>
(component $C
  (import "wasi:config/store@0.2.0-rc.1" (instance $store
    (type $e (variant (case "upstream" string) (case "io" string)))
    (export "error" (type $error (eq $e)))
    (export "get" (func (param "key" string) (result (result (option string) (error $error)))))
    (export "get-all" (func (result (result (list (tuple string string)) (error $error)))))))

  ;; Memory and a bump allocator that grows the memory when needed.
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $old-size i32) (param $align i32)
        (param $size i32) (result i32)
      (local $p i32) (local $end i32)
      (local.set $p (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $p) (local.get $size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $end) (i32.const 16))
                                                (i32.const 1)))
                          (i32.const -1))
                (then unreachable))))
      (global.set $bump (local.get $end))
      (if (local.get $old)
        (then (memory.copy (local.get $p) (local.get $old)
                (select (local.get $old-size) (local.get $size)
                  (i32.lt_u (local.get $old-size) (local.get $size))))))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))

  (core func $get (canon lower (func $store "get") (memory $mem) (realloc $realloc)))
  (core func $get-all (canon lower (func $store "get-all") (memory $mem) (realloc $realloc)))

  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "get" (func $get (param i32 i32 i32)))
    (import "host" "get-all" (func $get-all (param i32)))
    ;; result<option<string>, error> at 16: the option at 20.
    (func (export "get") (param i32 i32) (result i32)
      (call $get (local.get 0) (local.get 1) (i32.const 16))
      (if (i32.load8_u (i32.const 16)) (then unreachable))
      (i32.const 20))
    ;; result<list<..>, error> at 32: the list at 36.
    (func (export "get-all") (result i32)
      (call $get-all (i32.const 32))
      (if (i32.load8_u (i32.const 32)) (then unreachable))
      (i32.const 36)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance (export "get" (func $get)) (export "get-all" (func $get-all))))))

  (func (export "get") (param "key" string) (result (option string))
    (canon lift (core func $i "get") (memory $mem) (realloc $realloc)))
  (func (export "get-all") (result (list (tuple string string)))
    (canon lift (core func $i "get-all") (memory $mem))))
