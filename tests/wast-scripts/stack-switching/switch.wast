;; Symmetric transfers with `switch`, handled by `(on $tag switch)`.

(module
  (rec
    (type $f (func (param i32 (ref $k))))
    (type $k (cont $f)))
  (tag $sw)
  (global $log (mut i32) (i32.const 0))

  ;; Appends its digit to the log, then hands n-1 to the other side until
  ;; n reaches 0.
  (func $side (param $digit i32) (param $n i32) (param $other (ref $k))
    (loop $l
      (global.set $log
        (i32.add (i32.mul (global.get $log) (i32.const 10)) (local.get $digit)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (switch $k $sw (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $l)))
  (func $one (type $f) (param $n i32) (param $other (ref $k))
    (call $side (i32.const 1) (local.get $n) (local.get $other)))
  (func $two (type $f) (param $n i32) (param $other (ref $k))
    (call $side (i32.const 2) (local.get $n) (local.get $other)))
  (elem declare func $one $two)

  (func (export "pingpong") (param $n i32) (result i32)
    (global.set $log (i32.const 0))
    (resume $k (on $sw switch)
      (local.get $n)
      (cont.new $k (ref.func $two))
      (cont.new $k (ref.func $one)))
    (global.get $log))

  ;; Many round trips: the log wraps, so count instead.
  (global $count (mut i32) (i32.const 0))
  (func $counter (type $f) (param $n i32) (param $other (ref $k))
    (loop $l
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (switch $k $sw (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $l)))
  (elem declare func $counter)
  (func (export "many") (param $n i32) (result i32)
    (global.set $count (i32.const 0))
    (resume $k (on $sw switch)
      (local.get $n)
      (cont.new $k (ref.func $counter))
      (cont.new $k (ref.func $counter)))
    (global.get $count))

  ;; Switching to a null continuation traps.
  (func $to_null (type $f) (param $n i32) (param $other (ref $k))
    (switch $k $sw (i32.const 0) (ref.null $k))
    (drop)
    (drop))
  (elem declare func $to_null)
  (func (export "switch-null")
    (resume $k (on $sw switch)
      (i32.const 0) (cont.new $k (ref.func $two)) (cont.new $k (ref.func $to_null))))

  ;; Without a switch handler the tag is unhandled.
  (func (export "switch-unhandled")
    (resume $k
      (i32.const 1)
      (cont.new $k (ref.func $two))
      (cont.new $k (ref.func $one))))
)

(assert_return (invoke "pingpong" (i32.const 4)) (i32.const 12121))
(assert_return (invoke "pingpong" (i32.const 0)) (i32.const 1))
(assert_return (invoke "many" (i32.const 10000)) (i32.const 10001))
(assert_trap (invoke "switch-null") "null reference")
(assert_trap (invoke "switch-unhandled") "unhandled tag")
