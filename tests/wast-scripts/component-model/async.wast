;;! component_model_async_stackful = true

;; Component-model async in scripts: a stackful async export lowers a
;; concurrent host function asynchronously, waits for its subtask in a
;; waitable set and returns with `task.return`; a call that can never
;; finish is reported as a deadlock.

(component
  (import "host-echo-u32" (func $echo async (param "v" u32) (result u32)))
  (import "host" (instance $host (export "never-return" (func async))))
  (alias export $host "never-return" (func $never))
  (core module $libc (memory (export "memory") 1))
  (core instance $libc (instantiate $libc))
  (core func $echo-async (canon lower (func $echo) async (memory (core memory $libc "memory"))))
  (core func $never-async (canon lower (func $never) async))
  (core func $task-return (canon task.return (result u32)))
  (core func $ws-new (canon waitable-set.new))
  (core func $ws-wait (canon waitable-set.wait (memory (core memory $libc "memory"))))
  (core func $join (canon waitable.join))
  (core func $subtask-drop (canon subtask.drop))
  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "echo" (func $echo (param i32 i32) (result i32)))
    (import "" "never" (func $never (result i32)))
    (import "" "task.return" (func $task-return (param i32)))
    (import "" "ws.new" (func $ws-new (result i32)))
    (import "" "ws.wait" (func $ws-wait (param i32 i32) (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "subtask.drop" (func $subtask-drop (param i32)))
    ;; Waits until subtask `st` has returned.
    (func $await (param $st i32)
      (local $set i32)
      (local.set $set (call $ws-new))
      (call $join (local.get $st) (local.get $set))
      (loop $wait
        ;; Event 1 is a subtask's progress; its payload 2 means returned.
        (if (i32.ne (call $ws-wait (local.get $set) (i32.const 200)) (i32.const 1))
          (then unreachable))
        (br_if $wait (i32.ne (i32.load (i32.const 204)) (i32.const 2))))
      (call $subtask-drop (local.get $st)))
    (func (export "add-one") (param $v i32)
      (local $ret i32)
      (local.set $ret (call $echo (local.get $v) (i32.const 100)))
      ;; Unless it returned at once, the status comes with a subtask handle.
      (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 2))
        (then (call $await (i32.shr_u (local.get $ret) (i32.const 4)))))
      (call $task-return (i32.add (i32.load (i32.const 100)) (i32.const 1))))
    (func (export "hang")
      (call $await (i32.shr_u (call $never) (i32.const 4)))
      (call $task-return (i32.const 0))))
  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "echo" (func $echo-async))
      (export "never" (func $never-async))
      (export "task.return" (func $task-return))
      (export "ws.new" (func $ws-new))
      (export "ws.wait" (func $ws-wait))
      (export "join" (func $join))
      (export "subtask.drop" (func $subtask-drop))))))
  (func (export "add-one") async (param "v" u32) (result u32)
    (canon lift (core func $i "add-one") async))
  (func (export "hang") async (result u32)
    (canon lift (core func $i "hang") async))
)

(assert_return (invoke "add-one" (u32.const 41)) (u32.const 42))
(assert_return (invoke "add-one" (u32.const 0)) (u32.const 1))
(assert_trap (invoke "hang") "deadlock detected")
