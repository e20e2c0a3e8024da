;; A component using `wasi:keyvalue@0.2.0-draft` (`store`, `atomics`,
;; `batch`), written by hand for the tests of `wasmtime-wasi-keyvalue` and
;; of `wasmtime run -S keyvalue`. It holds at most one open bucket: `open`
;; opens one (dropping the previous one), `close` drops it, and every other
;; export first opens the bucket "" when none is held. The root exports
;; mirror the bucket's functions, with the WIT `error` turned into a string
;; (`no-such-store`, `access-denied`, or the text of `other`):
;;   open(identifier: string) -> result<_, string>
;;   close()
;;   get(key: string) -> result<option<list<u8>>, string>
;;   set(key: string, value: list<u8>) -> result<_, string>
;;   delete(key: string) -> result<_, string>
;;   exists(key: string) -> result<bool, string>
;;   list-keys(cursor: option<u64>) -> result<tuple<list<string>, option<u64>>, string>
;;   increment(key: string, delta: u64) -> result<u64, string>
;;   get-many(keys: list<string>) -> result<list<option<tuple<string, list<u8>>>>, string>
;;   set-many(key-values: list<tuple<string, list<u8>>>) -> result<_, string>
;;   delete-many(keys: list<string>) -> result<_, string>
(component $C
  (import "wasi:keyvalue/store@0.2.0-draft" (instance $store
    (export "bucket" (type $bucket (sub resource)))
    (type $e (variant (case "no-such-store") (case "access-denied") (case "other" string)))
    (export "error" (type $error (eq $e)))
    (type $kr (record (field "keys" (list string)) (field "cursor" (option u64))))
    (export "key-response" (type $key-response (eq $kr)))
    (export "open" (func (param "identifier" string)
      (result (result (own $bucket) (error $error)))))
    (export "[method]bucket.get" (func (param "self" (borrow $bucket)) (param "key" string)
      (result (result (option (list u8)) (error $error)))))
    (export "[method]bucket.set" (func (param "self" (borrow $bucket)) (param "key" string)
      (param "value" (list u8)) (result (result (error $error)))))
    (export "[method]bucket.delete" (func (param "self" (borrow $bucket)) (param "key" string)
      (result (result (error $error)))))
    (export "[method]bucket.exists" (func (param "self" (borrow $bucket)) (param "key" string)
      (result (result bool (error $error)))))
    (export "[method]bucket.list-keys" (func (param "self" (borrow $bucket))
      (param "cursor" (option u64)) (result (result $key-response (error $error)))))))
  (alias export $store "bucket" (type $bucket))
  (alias export $store "error" (type $error))
  (import "wasi:keyvalue/atomics@0.2.0-draft" (instance $atomics
    (alias outer $C $bucket (type $b))
    (export "bucket" (type $b' (eq $b)))
    (alias outer $C $error (type $e))
    (export "error" (type $e' (eq $e)))
    (export "increment" (func (param "bucket" (borrow $b')) (param "key" string)
      (param "delta" u64) (result (result u64 (error $e')))))))
  (import "wasi:keyvalue/batch@0.2.0-draft" (instance $batch
    (alias outer $C $bucket (type $b))
    (export "bucket" (type $b' (eq $b)))
    (alias outer $C $error (type $e))
    (export "error" (type $e' (eq $e)))
    (export "get-many" (func (param "bucket" (borrow $b')) (param "keys" (list string))
      (result (result (list (option (tuple string (list u8)))) (error $e')))))
    (export "set-many" (func (param "bucket" (borrow $b'))
      (param "key-values" (list (tuple string (list u8)))) (result (result (error $e')))))
    (export "delete-many" (func (param "bucket" (borrow $b')) (param "keys" (list string))
      (result (result (error $e')))))))

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

  (core func $open (canon lower (func $store "open") (memory $mem) (realloc $realloc)))
  (core func $get (canon lower (func $store "[method]bucket.get") (memory $mem) (realloc $realloc)))
  (core func $set (canon lower (func $store "[method]bucket.set") (memory $mem) (realloc $realloc)))
  (core func $delete (canon lower (func $store "[method]bucket.delete") (memory $mem) (realloc $realloc)))
  (core func $exists (canon lower (func $store "[method]bucket.exists") (memory $mem) (realloc $realloc)))
  (core func $list-keys (canon lower (func $store "[method]bucket.list-keys") (memory $mem) (realloc $realloc)))
  (core func $drop (canon resource.drop $bucket))
  (core func $increment (canon lower (func $atomics "increment") (memory $mem) (realloc $realloc)))
  (core func $get-many (canon lower (func $batch "get-many") (memory $mem) (realloc $realloc)))
  (core func $set-many (canon lower (func $batch "set-many") (memory $mem) (realloc $realloc)))
  (core func $delete-many (canon lower (func $batch "delete-many") (memory $mem) (realloc $realloc)))

  ;; Each import's result goes to 64 ($R); an error is rewritten as a
  ;; result<_, string> at 128 ($OUT), with the string as far from the start
  ;; as the export's payload is.
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "host" "open" (func $open (param i32 i32 i32)))
    (import "host" "get" (func $get (param i32 i32 i32 i32)))
    (import "host" "set" (func $set (param i32 i32 i32 i32 i32 i32)))
    (import "host" "delete" (func $delete (param i32 i32 i32 i32)))
    (import "host" "exists" (func $exists (param i32 i32 i32 i32)))
    (import "host" "list-keys" (func $list-keys (param i32 i32 i64 i32)))
    (import "host" "drop" (func $drop (param i32)))
    (import "host" "increment" (func $increment (param i32 i32 i32 i64 i32)))
    (import "host" "get-many" (func $get-many (param i32 i32 i32 i32)))
    (import "host" "set-many" (func $set-many (param i32 i32 i32 i32)))
    (import "host" "delete-many" (func $delete-many (param i32 i32 i32 i32)))
    (data (i32.const 256) "no-such-store")
    (data (i32.const 272) "access-denied")
    (global $b (mut i32) (i32.const 0))

    ;; The error variant at $err as result<_, string> at 128, payload at
    ;; 128 + $off.
    (func $err (param $err i32) (param $off i32) (result i32)
      (local $at i32)
      (local.set $at (i32.add (i32.const 128) (local.get $off)))
      (i32.store8 (i32.const 128) (i32.const 1))
      (block $other
        (block $denied
          (block $none
            (br_table $none $denied $other (i32.load8_u (local.get $err))))
          (i32.store (local.get $at) (i32.const 256))
          (i32.store offset=4 (local.get $at) (i32.const 13))
          (return (i32.const 128)))
        (i32.store (local.get $at) (i32.const 272))
        (i32.store offset=4 (local.get $at) (i32.const 13))
        (return (i32.const 128)))
      (i32.store (local.get $at) (i32.load offset=4 (local.get $err)))
      (i32.store offset=4 (local.get $at) (i32.load offset=8 (local.get $err)))
      (i32.const 128))

    ;; The held bucket, opening "" when there is none.
    (func $bucket (result i32)
      (if (i32.eqz (global.get $b))
        (then
          (call $open (i32.const 0) (i32.const 0) (i32.const 64))
          (if (i32.load8_u (i32.const 64)) (then unreachable))
          (global.set $b (i32.load (i32.const 68)))))
      (global.get $b))

    (func $close (export "close")
      (if (global.get $b) (then (call $drop (global.get $b)) (global.set $b (i32.const 0)))))

    (func (export "open") (param i32 i32) (result i32)
      (call $close)
      (call $open (local.get 0) (local.get 1) (i32.const 64))
      (if (i32.load8_u (i32.const 64))
        (then (return (call $err (i32.const 68) (i32.const 4)))))
      (global.set $b (i32.load (i32.const 68)))
      (i32.store8 (i32.const 128) (i32.const 0))
      (i32.const 128))

    ;; Results whose payload is at 4 (errors at 68) or at 8 (errors at 72).
    (func $done4 (result i32)
      (if (result i32) (i32.load8_u (i32.const 64))
        (then (call $err (i32.const 68) (i32.const 4)))
        (else (i32.const 64))))
    (func $done8 (result i32)
      (if (result i32) (i32.load8_u (i32.const 64))
        (then (call $err (i32.const 72) (i32.const 8)))
        (else (i32.const 64))))

    (func (export "get") (param i32 i32) (result i32)
      (call $get (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4))
    (func (export "set") (param i32 i32 i32 i32) (result i32)
      (call $set (call $bucket) (local.get 0) (local.get 1) (local.get 2) (local.get 3)
        (i32.const 64))
      (call $done4))
    (func (export "delete") (param i32 i32) (result i32)
      (call $delete (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4))
    (func (export "exists") (param i32 i32) (result i32)
      (call $exists (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4))
    (func (export "list-keys") (param i32 i64) (result i32)
      (call $list-keys (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done8))
    (func (export "increment") (param i32 i32 i64) (result i32)
      (call $increment (call $bucket) (local.get 0) (local.get 1) (local.get 2) (i32.const 64))
      (call $done8))
    (func (export "get-many") (param i32 i32) (result i32)
      (call $get-many (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4))
    (func (export "set-many") (param i32 i32) (result i32)
      (call $set-many (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4))
    (func (export "delete-many") (param i32 i32) (result i32)
      (call $delete-many (call $bucket) (local.get 0) (local.get 1) (i32.const 64))
      (call $done4)))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "open" (func $open)) (export "get" (func $get)) (export "set" (func $set))
      (export "delete" (func $delete)) (export "exists" (func $exists))
      (export "list-keys" (func $list-keys)) (export "drop" (func $drop))
      (export "increment" (func $increment)) (export "get-many" (func $get-many))
      (export "set-many" (func $set-many)) (export "delete-many" (func $delete-many))))))

  (type $error-text (result (error string)))
  (func (export "open") (param "identifier" string) (result $error-text)
    (canon lift (core func $i "open") (memory $mem) (realloc $realloc)))
  (func (export "close") (canon lift (core func $i "close")))
  (func (export "get") (param "key" string) (result (result (option (list u8)) (error string)))
    (canon lift (core func $i "get") (memory $mem) (realloc $realloc)))
  (func (export "set") (param "key" string) (param "value" (list u8)) (result $error-text)
    (canon lift (core func $i "set") (memory $mem) (realloc $realloc)))
  (func (export "delete") (param "key" string) (result $error-text)
    (canon lift (core func $i "delete") (memory $mem) (realloc $realloc)))
  (func (export "exists") (param "key" string) (result (result bool (error string)))
    (canon lift (core func $i "exists") (memory $mem) (realloc $realloc)))
  (func (export "list-keys") (param "cursor" (option u64))
    (result (result (tuple (list string) (option u64)) (error string)))
    (canon lift (core func $i "list-keys") (memory $mem) (realloc $realloc)))
  (func (export "increment") (param "key" string) (param "delta" u64)
    (result (result u64 (error string)))
    (canon lift (core func $i "increment") (memory $mem) (realloc $realloc)))
  (func (export "get-many") (param "keys" (list string))
    (result (result (list (option (tuple string (list u8)))) (error string)))
    (canon lift (core func $i "get-many") (memory $mem) (realloc $realloc)))
  (func (export "set-many") (param "key-values" (list (tuple string (list u8))))
    (result $error-text)
    (canon lift (core func $i "set-many") (memory $mem) (realloc $realloc)))
  (func (export "delete-many") (param "keys" (list string)) (result $error-text)
    (canon lift (core func $i "delete-many") (memory $mem) (realloc $realloc))))
