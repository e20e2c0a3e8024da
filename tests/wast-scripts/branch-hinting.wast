;; Branch hints (run with `Config::wasm_branch_hinting` on, see tests/wast.rs):
;; they only steer code layout, so each function must compute the same
;; whichever way its hints point, and a malformed hint section is ignored.

;; The same function hinted three ways: a three-way classification with an
;; `if` inside a loop that ends in a `br_if`.
(module
  (func (export "likely") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      local.get $n
      i32.eqz
      (@metadata.code.branch_hint "\00")
      br_if $done
      (loop $l
        (i32.rem_u (local.get $n) (i32.const 3))
        (@metadata.code.branch_hint "\01")
        if
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        else
          (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
        end
        (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
        (@metadata.code.branch_hint "\01")
        br_if $l))
    local.get $acc)

  (func (export "unlikely") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      local.get $n
      i32.eqz
      (@metadata.code.branch_hint "\01")
      br_if $done
      (loop $l
        (i32.rem_u (local.get $n) (i32.const 3))
        (@metadata.code.branch_hint "\00")
        if
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        else
          (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
        end
        (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
        (@metadata.code.branch_hint "\00")
        br_if $l))
    local.get $acc)

  (func (export "plain") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      local.get $n
      i32.eqz
      br_if $done
      (loop $l
        (i32.rem_u (local.get $n) (i32.const 3))
        if
          (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        else
          (local.set $acc (i32.add (local.get $acc) (i32.const 100)))
        end
        (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
        br_if $l))
    local.get $acc)

  ;; A `br_if` carrying a value out of a block, hinted either way.
  (func (export "pick") (param $x i32) (result i32)
    (block $b (result i32)
      (i32.const 1)
      (i32.and (local.get $x) (i32.const 1))
      (@metadata.code.branch_hint "\01")
      br_if $b
      drop
      (block $c (result i32)
        (i32.const 2)
        (i32.and (local.get $x) (i32.const 2))
        (@metadata.code.branch_hint "\00")
        br_if $c
        drop
        (i32.const 3)))))

(assert_return (invoke "likely" (i32.const 0)) (i32.const 0))
(assert_return (invoke "unlikely" (i32.const 0)) (i32.const 0))
(assert_return (invoke "plain" (i32.const 0)) (i32.const 0))
(assert_return (invoke "likely" (i32.const 1)) (i32.const 1))
(assert_return (invoke "unlikely" (i32.const 1)) (i32.const 1))
(assert_return (invoke "plain" (i32.const 1)) (i32.const 1))
(assert_return (invoke "likely" (i32.const 3)) (i32.const 102))
(assert_return (invoke "unlikely" (i32.const 3)) (i32.const 102))
(assert_return (invoke "plain" (i32.const 3)) (i32.const 102))
(assert_return (invoke "likely" (i32.const 10)) (i32.const 307))
(assert_return (invoke "unlikely" (i32.const 10)) (i32.const 307))
(assert_return (invoke "plain" (i32.const 10)) (i32.const 307))
(assert_return (invoke "likely" (i32.const 31)) (i32.const 1021))
(assert_return (invoke "unlikely" (i32.const 31)) (i32.const 1021))
(assert_return (invoke "plain" (i32.const 31)) (i32.const 1021))

(assert_return (invoke "pick" (i32.const 0)) (i32.const 3))
(assert_return (invoke "pick" (i32.const 1)) (i32.const 1))
(assert_return (invoke "pick" (i32.const 2)) (i32.const 2))
(assert_return (invoke "pick" (i32.const 3)) (i32.const 1))

;; A hint section whose only hint has value byte 7 (neither 0 nor 1): the
;; module is still valid, the section is dropped.
(module
  (@custom "metadata.code.branch_hint" (before code) "\01\00\01\03\01\07")
  (func (export "f") (param i32) (result i32)
    local.get 0
    if (result i32)
      i32.const 1
    else
      i32.const 2
    end))

(assert_return (invoke "f" (i32.const 0)) (i32.const 2))
(assert_return (invoke "f" (i32.const 5)) (i32.const 1))

;; Hints on instructions that are not `if` or `br_if` (here `local.get`
;; and `i32.const`) are not used.
(module
  (@custom "metadata.code.branch_hint" (after code) "\01\00\02\01\01\00\03\01\01")
  (func (export "g") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add))

(assert_return (invoke "g" (i32.const 41)) (i32.const 42))
