;;! component_model_more_async_builtins = true

;; Guest-to-guest subtasks that stay pending, and task cancellation.
;;
;; `$slow` lifts `add` and `spin` with `async` and a callback:
;; - `add(v)` yields once, then returns `v + 1000`; if it is cancelled
;;   while yielding it calls `task.cancel`.
;; - `spin(mode)` yields until it is cancelled; then, by `mode`:
;;   0 calls `task.cancel`, 1 returns 7 with `task.return`, 2 yields once
;;   more before `task.cancel` (so an `async` cancel is `BLOCKED`), 3 calls
;;   `task.cancel` twice (a trap).
;; `$caller` lowers both with `async` and reports what it saw.

(component
  (component $slow
    (core module $m
      (import "" "task.return" (func $task-return (param i32)))
      (import "" "task.cancel" (func $task-cancel))
      (import "" "context.get" (func $context-get (result i32)))
      (import "" "context.set" (func $context-set (param i32)))
      ;; context slot 0: the argument; high bit set once cancelled.
      (func (export "add") (param $v i32) (result i32)
        (call $context-set (local.get $v))
        (i32.const 1)) ;; YIELD
      (func (export "add-cb") (param $event i32) (param i32 i32) (result i32)
        (if (i32.eq (local.get $event) (i32.const 6)) ;; TASK_CANCELLED
          (then (call $task-cancel) (return (i32.const 0))))
        (call $task-return (i32.add (call $context-get) (i32.const 1000)))
        (i32.const 0)) ;; EXIT
      (func (export "spin") (param $mode i32) (result i32)
        (call $context-set (local.get $mode))
        (i32.const 1))
      (func (export "spin-cb") (param $event i32) (param i32 i32) (result i32)
        (local $mode i32)
        (local.set $mode (call $context-get))
        ;; mode 2, after the cancellation: one more yield, then cancel.
        (if (i32.eq (local.get $mode) (i32.const 0x8000_0002))
          (then (call $task-cancel) (return (i32.const 0))))
        (if (i32.ne (local.get $event) (i32.const 6))
          (then (return (i32.const 1))))
        (if (i32.eq (local.get $mode) (i32.const 1))
          (then (call $task-return (i32.const 7)) (return (i32.const 0))))
        (if (i32.eq (local.get $mode) (i32.const 2))
          (then
            (call $context-set (i32.const 0x8000_0002))
            (return (i32.const 1))))
        (if (i32.eq (local.get $mode) (i32.const 3))
          (then (call $task-cancel)))
        (call $task-cancel)
        (i32.const 0))
      (func (export "uncancelled") (result i32)
        (call $task-cancel)
        (i32.const 0))
      (func (export "noop-cb") (param i32 i32 i32) (result i32)
        (i32.const 0)))
    (core func $task-return (canon task.return (result u32)))
    (core func $task-cancel (canon task.cancel))
    (core func $context-get (canon context.get i32 0))
    (core func $context-set (canon context.set i32 0))
    (core instance $i (instantiate $m
      (with "" (instance
        (export "task.return" (func $task-return))
        (export "task.cancel" (func $task-cancel))
        (export "context.get" (func $context-get))
        (export "context.set" (func $context-set))))))
    (func (export "add") async (param "v" u32) (result u32)
      (canon lift (core func $i "add") async (callback (core func $i "add-cb"))))
    (func (export "spin") async (param "mode" u32) (result u32)
      (canon lift (core func $i "spin") async (callback (core func $i "spin-cb"))))
    (func (export "uncancelled") async (result u32)
      (canon lift (core func $i "uncancelled") async (callback (core func $i "noop-cb")))))

  (component $caller
    (import "slow" (instance $slow
      (export "add" (func async (param "v" u32) (result u32)))
      (export "spin" (func async (param "mode" u32) (result u32)))
      (export "uncancelled" (func async (result u32)))))
    (core module $libc (memory (export "memory") 1))
    (core instance $libc (instantiate $libc))
    (core func $add (canon lower (func $slow "add") async (memory (core memory $libc "memory"))))
    (core func $spin (canon lower (func $slow "spin") async (memory (core memory $libc "memory"))))
    (core func $uncancelled (canon lower (func $slow "uncancelled") async (memory (core memory $libc "memory"))))
    (core func $cancel (canon subtask.cancel))
    (core func $cancel-async (canon subtask.cancel async))
    (core func $drop (canon subtask.drop))
    (core func $ws-new (canon waitable-set.new))
    (core func $join (canon waitable.join))
    (core func $task-return (canon task.return (result u32)))
    (core module $m
      (import "libc" "memory" (memory 1))
      (import "" "add" (func $add (param i32 i32) (result i32)))
      (import "" "spin" (func $spin (param i32 i32) (result i32)))
      (import "" "uncancelled" (func $uncancelled (param i32) (result i32)))
      (import "" "cancel" (func $cancel (param i32) (result i32)))
      (import "" "cancel-async" (func $cancel-async (param i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "ws.new" (func $ws-new (result i32)))
      (import "" "join" (func $join (param i32 i32)))
      (import "" "task.return" (func $task-return (param i32)))
      (global $sub (mut i32) (i32.const 0))

      ;; Starts a subtask from `ret` (which must say STARTED) and waits for
      ;; it in a new set: the callback code to return.
      (func $wait-for (param $ret i32) (result i32)
        (local $set i32)
        (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1))
          (then unreachable))
        (global.set $sub (i32.shr_u (local.get $ret) (i32.const 4)))
        (local.set $set (call $ws-new))
        (call $join (global.get $sub) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4)))) ;; WAIT

      ;; add-later(v): awaits the pending `add(v)`; returns its result.
      (func (export "add-later") (param $v i32) (result i32)
        (call $wait-for (call $add (local.get $v) (i32.const 64))))
      ;; Its callback: the subtask event must name the subtask and RETURNED.
      (func (export "add-later-cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
        (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))
        (if (i32.ne (local.get $h) (global.get $sub)) (then unreachable))
        (if (i32.ne (local.get $state) (i32.const 2)) (then unreachable))
        (call $drop (local.get $h))
        (call $task-return (i32.load (i32.const 64)))
        (i32.const 0))

      ;; cancel-sync(mode): starts `spin(mode)` and cancels it
      ;; synchronously; returns the state `subtask.cancel` gave, plus 100
      ;; times the result the callee returned (if any).
      (func (export "cancel-sync") (param $mode i32) (result i32)
        (local $ret i32)
        (local $state i32)
        (i32.store (i32.const 64) (i32.const 0))
        (local.set $ret (call $spin (local.get $mode) (i32.const 64)))
        (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1))
          (then unreachable))
        (local.set $state (call $cancel (i32.shr_u (local.get $ret) (i32.const 4))))
        (call $drop (i32.shr_u (local.get $ret) (i32.const 4)))
        (call $task-return
          (i32.add (local.get $state) (i32.mul (i32.load (i32.const 64)) (i32.const 100))))
        (i32.const 0))

      ;; cancel-async(mode): an `async` cancel that may be BLOCKED; then
      ;; waits for the subtask's resolution. Returns 10 * (1 if BLOCKED)
      ;; + the final state.
      (func (export "cancel-async") (param $mode i32) (result i32)
        (local $ret i32)
        (local $state i32)
        (local $set i32)
        (local.set $ret (call $spin (local.get $mode) (i32.const 64)))
        (global.set $sub (i32.shr_u (local.get $ret) (i32.const 4)))
        (local.set $state (call $cancel-async (global.get $sub)))
        (if (i32.ne (local.get $state) (i32.const -1))
          (then
            (call $drop (global.get $sub))
            (call $task-return (local.get $state))
            (return (i32.const 0))))
        (local.set $set (call $ws-new))
        (call $join (global.get $sub) (local.get $set))
        (i32.or (i32.const 2) (i32.shl (local.get $set) (i32.const 4))))
      (func (export "cancel-async-cb") (param $event i32) (param $h i32) (param $state i32) (result i32)
        (if (i32.ne (local.get $event) (i32.const 1)) (then unreachable))
        (call $join (local.get $h) (i32.const 0))
        (call $drop (local.get $h))
        (call $task-return (i32.add (i32.const 10) (local.get $state)))
        (i32.const 0))

      ;; drop-early: dropping a pending subtask is a trap.
      (func (export "drop-early") (result i32)
        (local $ret i32)
        (local.set $ret (call $spin (i32.const 0) (i32.const 64)))
        (call $drop (i32.shr_u (local.get $ret) (i32.const 4)))
        (i32.const 0))

      ;; call-uncancelled: the callee calls `task.cancel` uncancelled.
      (func (export "call-uncancelled") (result i32)
        (drop (call $uncancelled (i32.const 64)))
        (i32.const 0))

      (func (export "noop-cb") (param i32 i32 i32) (result i32)
        (i32.const 0)))
    (core instance $i (instantiate $m
      (with "libc" (instance $libc))
      (with "" (instance
        (export "add" (func $add))
        (export "spin" (func $spin))
        (export "uncancelled" (func $uncancelled))
        (export "cancel" (func $cancel))
        (export "cancel-async" (func $cancel-async))
        (export "drop" (func $drop))
        (export "ws.new" (func $ws-new))
        (export "join" (func $join))
        (export "task.return" (func $task-return))))))
    (func (export "add-later") async (param "v" u32) (result u32)
      (canon lift (core func $i "add-later") async (callback (core func $i "add-later-cb"))))
    (func (export "cancel-sync") async (param "mode" u32) (result u32)
      (canon lift (core func $i "cancel-sync") async (callback (core func $i "noop-cb"))))
    (func (export "cancel-async") async (param "mode" u32) (result u32)
      (canon lift (core func $i "cancel-async") async (callback (core func $i "cancel-async-cb"))))
    (func (export "drop-early") async (result u32)
      (canon lift (core func $i "drop-early") async (callback (core func $i "noop-cb"))))
    (func (export "call-uncancelled") async (result u32)
      (canon lift (core func $i "call-uncancelled") async (callback (core func $i "noop-cb")))))

  (instance $slow (instantiate $slow))
  (instance $caller (instantiate $caller (with "slow" (instance $slow))))
  (export "add-later" (func $caller "add-later"))
  (export "cancel-sync" (func $caller "cancel-sync"))
  (export "cancel-async" (func $caller "cancel-async"))
  (export "drop-early" (func $caller "drop-early"))
  (export "call-uncancelled" (func $caller "call-uncancelled")))

;; The callee yields, so the caller gets a subtask and waits for its event.
(assert_return (invoke "add-later" (u32.const 5)) (u32.const 1005))
(assert_return (invoke "add-later" (u32.const 0)) (u32.const 1000))
;; A synchronous cancel: CANCELLED_BEFORE_RETURNED (4), or RETURNED (2)
;; with the value the callee returned when it was cancelled.
(assert_return (invoke "cancel-sync" (u32.const 0)) (u32.const 4))
(assert_return (invoke "cancel-sync" (u32.const 1)) (u32.const 702))
;; An async cancel resolved at once (4), or BLOCKED then resolved by an
;; event (10 + 4).
(assert_return (invoke "cancel-async" (u32.const 0)) (u32.const 4))
(assert_return (invoke "cancel-async" (u32.const 2)) (u32.const 14))
;; Misuse.
(assert_trap (invoke "cancel-sync" (u32.const 3)) "`task.cancel` called after the task returned")
(assert_trap (invoke "drop-early") "cannot drop a subtask which has not yet resolved")
(assert_trap (invoke "call-uncancelled") "was not cancelled")
