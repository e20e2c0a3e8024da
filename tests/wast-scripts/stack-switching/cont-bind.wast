;; cont.bind on fresh and on suspended continuations.

(module
  (type $f3 (func (param i32 i32 i32) (result i32)))
  (type $f1 (func (param i32) (result i32)))
  (type $f0 (func (result i32)))
  (type $k3 (cont $f3))
  (type $k1 (cont $f1))
  (type $k0 (cont $f0))
  (tag $pair (result i32 i32))

  ;; 100a + 10b + c
  (func $digits (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.add
      (i32.add (i32.mul (local.get $a) (i32.const 100))
               (i32.mul (local.get $b) (i32.const 10)))
      (local.get $c)))
  (elem declare func $digits $sub)

  ;; Binding two of three arguments, then resuming with the last.
  (func (export "fresh") (result i32)
    (resume $k1 (i32.const 3)
      (cont.bind $k3 $k1 (i32.const 1) (i32.const 2)
        (cont.new $k3 (ref.func $digits)))))

  ;; Binding in two steps, down to no arguments at all.
  (func (export "twice") (result i32)
    (resume $k0
      (cont.bind $k1 $k0 (i32.const 9)
        (cont.bind $k3 $k1 (i32.const 7) (i32.const 8)
          (cont.new $k3 (ref.func $digits))))))

  ;; A suspended continuation expecting two values: bind the first.
  (func $sub (result i32)
    (i32.sub (suspend $pair)))
  (type $p2 (func (param i32 i32) (result i32)))
  (type $kp2 (cont $p2))
  (func (export "suspended") (result i32)
    (local $k (ref null $kp2))
    (block $on (result (ref $kp2))
      (resume $k0 (on $pair $on) (cont.new $k0 (ref.func $sub)))
      (unreachable))
    (local.set $k)
    (resume $k1 (i32.const 8) (cont.bind $kp2 $k1 (i32.const 50) (local.get $k))))

  ;; The reference given to cont.bind is consumed.
  (func (export "bind-consumes") (result i32)
    (local $k (ref null $k3))
    (local.set $k (cont.new $k3 (ref.func $digits)))
    (drop (cont.bind $k3 $k1 (i32.const 1) (i32.const 2) (local.get $k)))
    (resume $k3 (i32.const 1) (i32.const 2) (i32.const 3) (local.get $k)))

  (func (export "bind-null") (result i32)
    (resume $k1 (i32.const 1)
      (cont.bind $k3 $k1 (i32.const 1) (i32.const 2) (ref.null $k3))))
)

(assert_return (invoke "fresh") (i32.const 123))
(assert_return (invoke "twice") (i32.const 789))
(assert_return (invoke "suspended") (i32.const 42))
(assert_trap (invoke "bind-consumes") "continuation already consumed")
(assert_trap (invoke "bind-null") "null reference")
