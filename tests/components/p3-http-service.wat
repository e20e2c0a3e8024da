;; A `wasi:http/service@0.3.0` component, written by hand. Its async
;; (callback-lifted) `handle` of `wasi:http/handler@0.3.0` reads the
;; request's path: for `/trap` it traps; for `/echo` it takes the request's
;; body (`consume-body`, answering its `res` future with `ok`), reads it to
;; its end and answers with it; otherwise it drops the request and answers
;; "hello from a p3 service\n" (24 bytes). The answer is a response with
;; empty headers, a `stream<u8>` body and a trailers future, status 203:
;; it returns the response (`task.return`) and only then writes the body
;; and the trailers (`ok(none)`), waiting whenever the host is not reading
;; or writing yet.
(component $C
  (import "wasi:http/types@0.3.0" (instance $types
    (export "fields" (type $fields (sub resource)))
    (export "request" (type $request (sub resource)))
    (export "response" (type $response (sub resource)))
    (type $dns0 (record (field "rcode" (option string)) (field "info-code" (option u16))))
    (export "DNS-error-payload" (type $dns (eq $dns0)))
    (type $tls0 (record (field "alert-id" (option u8)) (field "alert-message" (option string))))
    (export "TLS-alert-received-payload" (type $tls (eq $tls0)))
    (type $fsp0 (record (field "field-name" (option string)) (field "field-size" (option u32))))
    (export "field-size-payload" (type $fsp (eq $fsp0)))
    (type $ec0 (variant
      (case "DNS-timeout")
      (case "DNS-error" $dns)
      (case "destination-not-found")
      (case "destination-unavailable")
      (case "destination-IP-prohibited")
      (case "destination-IP-unroutable")
      (case "connection-refused")
      (case "connection-terminated")
      (case "connection-timeout")
      (case "connection-read-timeout")
      (case "connection-write-timeout")
      (case "connection-limit-reached")
      (case "TLS-protocol-error")
      (case "TLS-certificate-error")
      (case "TLS-alert-received" $tls)
      (case "HTTP-request-denied")
      (case "HTTP-request-length-required")
      (case "HTTP-request-body-size" (option u64))
      (case "HTTP-request-method-invalid")
      (case "HTTP-request-URI-invalid")
      (case "HTTP-request-URI-too-long")
      (case "HTTP-request-header-section-size" (option u32))
      (case "HTTP-request-header-size" (option $fsp))
      (case "HTTP-request-trailer-section-size" (option u32))
      (case "HTTP-request-trailer-size" $fsp)
      (case "HTTP-response-incomplete")
      (case "HTTP-response-header-section-size" (option u32))
      (case "HTTP-response-header-size" $fsp)
      (case "HTTP-response-body-size" (option u64))
      (case "HTTP-response-trailer-section-size" (option u32))
      (case "HTTP-response-trailer-size" $fsp)
      (case "HTTP-response-transfer-coding" (option string))
      (case "HTTP-response-content-coding" (option string))
      (case "HTTP-response-timeout")
      (case "HTTP-upgrade-failed")
      (case "HTTP-protocol-error")
      (case "loop-detected")
      (case "configuration-error")
      (case "internal-error" (option string))))
    (export "error-code" (type $ec (eq $ec0)))
    (export "[constructor]fields" (func (result (own $fields))))
    (export "[method]request.get-path-with-query"
      (func (param "self" (borrow $request)) (result (option string))))
    (export "[static]request.consume-body"
      (func (param "this" (own $request)) (param "res" (future (result (error $ec))))
            (result (tuple (stream u8) (future (result (option (own $fields)) (error $ec)))))))
    (export "[static]response.new"
      (func (param "headers" (own $fields))
            (param "contents" (option (stream u8)))
            (param "trailers" (future (result (option (own $fields)) (error $ec))))
            (result (tuple (own $response) (future (result (error $ec)))))))
    (export "[method]response.set-status-code"
      (func (param "self" (borrow $response)) (param "status-code" u16) (result (result))))))
  (alias export $types "fields" (type $fields))
  (alias export $types "request" (type $request))
  (alias export $types "response" (type $response))
  (alias export $types "error-code" (type $error-code))
  (type $s (stream u8))
  (type $tr (future (result (option (own $fields)) (error $error-code))))
  (type $sent (future (result (error $error-code))))
  (type $handle-result (result (own $response) (error $error-code)))

  ;; Memory and a bump allocator.
  (core module $libc
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 4096))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and
        (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p)))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))

  (core func $fields.new (canon lower (func $types "[constructor]fields")))
  (core func $get-path (canon lower (func $types "[method]request.get-path-with-query")
    (memory $mem) (realloc $realloc)))
  (core func $response.new (canon lower (func $types "[static]response.new") (memory $mem)))
  (core func $set-status (canon lower (func $types "[method]response.set-status-code")))
  (core func $request.drop (canon resource.drop $request))
  (core func $stream.new (canon stream.new $s))
  (core func $stream.write (canon stream.write $s async (memory $mem)))
  (core func $stream.drop-writable (canon stream.drop-writable $s))
  (core func $future.new (canon future.new $tr))
  (core func $future.write (canon future.write $tr async (memory $mem)))
  (core func $future.drop-writable (canon future.drop-writable $tr))
  (core func $sent.drop (canon future.drop-readable $sent))
  (core func $set.new (canon waitable-set.new))
  (core func $join (canon waitable.join))
  (core func $consume (canon lower (func $types "[static]request.consume-body") (memory $mem)))
  (core func $stream.read (canon stream.read $s async (memory $mem)))
  (core func $stream.drop-readable (canon stream.drop-readable $s))
  (core func $sent.new (canon future.new $sent))
  (core func $sent.write (canon future.write $sent async (memory $mem)))
  (core func $sent.drop-writable (canon future.drop-writable $sent))
  (core func $trailers.drop-readable (canon future.drop-readable $tr))
  (core func $task.return (canon task.return (result $handle-result) (memory $mem)))

  (core module $m
    (import "libc" "memory" (memory 1))
    (import "" "fields.new" (func $fields.new (result i32)))
    (import "" "get-path" (func $get-path (param i32 i32)))
    (import "" "response.new" (func $response.new (param i32 i32 i32 i32 i32)))
    (import "" "set-status" (func $set-status (param i32 i32) (result i32)))
    (import "" "request.drop" (func $request.drop (param i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
    (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
    (import "" "sent.drop" (func $sent.drop (param i32)))
    (import "" "set.new" (func $set.new (result i32)))
    (import "" "join" (func $join (param i32 i32)))
    (import "" "task.return"
      (func $task.return (param i32 i32 i32 i64 i32 i32 i32 i32)))
    (import "" "consume" (func $consume (param i32 i32 i32)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
    (import "" "sent.new" (func $sent.new (result i64)))
    (import "" "sent.write" (func $sent.write (param i32 i32) (result i32)))
    (import "" "sent.drop-writable" (func $sent.drop-writable (param i32)))
    (import "" "trailers.drop-readable" (func $trailers.drop-readable (param i32)))
    (data (i32.const 100) "hello from a p3 service\n")
    ;; Bytes 512..576 stay zero: `ok(none)` for the trailers future, `ok`
    ;; for the `res` future. An echoed body goes to 8192 (the allocator's
    ;; strings start at 4096).
    (global $ws (mut i32) (i32.const 0))
    (global $wf (mut i32) (i32.const 0))
    (global $rs (mut i32) (i32.const 0))
    (global $set (mut i32) (i32.const 0))
    (global $body-ptr (mut i32) (i32.const 100))
    (global $body-len (mut i32) (i32.const 24))
    ;; 1: writing the body; 2: writing the trailers; 3: reading the
    ;; request's body.
    (global $state (mut i32) (i32.const 0))

    ;; WAIT (2) on the task's waitable set, with `h` joined to it.
    (func $wait (param $h i32) (result i32)
      (call $join (local.get $h) (global.get $set))
      (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))

    (func $write-trailers (result i32)
      (global.set $state (i32.const 2))
      (if (i32.eq (call $future.write (global.get $wf) (i32.const 512)) (i32.const -1))
        (then (return (call $wait (global.get $wf)))))
      (call $future.drop-writable (global.get $wf))
      ;; EXIT
      (i32.const 0))

    (func $write-body (result i32)
      (global.set $state (i32.const 1))
      (if (i32.eq (call $stream.write (global.get $ws) (global.get $body-ptr)
                                      (global.get $body-len))
                  (i32.const -1))
        (then (return (call $wait (global.get $ws)))))
      (call $stream.drop-writable (global.get $ws))
      (call $write-trailers))

    ;; Answers with the body at $body-ptr.
    (func $respond (result i32)
      (local $s i64) (local $f i64) (local $resp i32)
      (local.set $s (call $stream.new))
      (local.set $f (call $future.new))
      (global.set $ws (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
      (global.set $wf (i32.wrap_i64 (i64.shr_u (local.get $f) (i64.const 32))))
      ;; response.new(fields, some(stream), trailers) -> (response, sent) at 32
      (call $response.new (call $fields.new) (i32.const 1)
        (i32.wrap_i64 (local.get $s)) (i32.wrap_i64 (local.get $f)) (i32.const 32))
      (local.set $resp (i32.load (i32.const 32)))
      (call $sent.drop (i32.load (i32.const 36)))
      (if (call $set-status (local.get $resp) (i32.const 203)) (then unreachable))
      ;; ok(response)
      (call $task.return (i32.const 0) (local.get $resp)
        (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
      (call $write-body))

    ;; Reads the request's body on to its end, then answers with it.
    (func $read (result i32)
      (local $st i32)
      (global.set $state (i32.const 3))
      (loop $again
        (local.set $st (call $stream.read (global.get $rs)
          (i32.add (global.get $body-ptr) (global.get $body-len)) (i32.const 1024)))
        (if (i32.eq (local.get $st) (i32.const -1))
          (then (return (call $wait (global.get $rs)))))
        (global.set $body-len
          (i32.add (global.get $body-len) (i32.shr_u (local.get $st) (i32.const 4))))
        ;; COMPLETED (0): read on; DROPPED (1): the body has ended.
        (br_if $again (i32.eqz (i32.and (local.get $st) (i32.const 0xf)))))
      (call $stream.drop-readable (global.get $rs))
      (call $respond))

    (func $echo (param $req i32) (result i32)
      (local $r i64) (local $w i32)
      (local.set $r (call $sent.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $r) (i64.const 32))))
      ;; consume-body(request, res) -> (stream, trailers) at 48
      (call $consume (local.get $req) (i32.wrap_i64 (local.get $r)) (i32.const 48))
      ;; The host reads `res` as soon as it has it: the write completes.
      (if (i32.eq (call $sent.write (local.get $w) (i32.const 512)) (i32.const -1))
        (then unreachable))
      (call $sent.drop-writable (local.get $w))
      (call $trailers.drop-readable (i32.load (i32.const 52)))
      (global.set $rs (i32.load (i32.const 48)))
      (global.set $body-ptr (i32.const 8192))
      (global.set $body-len (i32.const 0))
      (call $read))

    (func (export "handle") (param $req i32) (result i32)
      (global.set $set (call $set.new))
      ;; option<string> at 16: tag, then pointer and length.
      (call $get-path (local.get $req) (i32.const 16))
      (if (i32.and (i32.load8_u (i32.const 16))
                   (i32.eq (i32.load (i32.const 24)) (i32.const 5)))
        (then
          ;; "/trap"
          (if (i32.eq (i32.load8_u offset=1 (i32.load (i32.const 20))) (i32.const 116))
            (then unreachable))
          ;; "/echo"
          (if (i32.eq (i32.load8_u offset=1 (i32.load (i32.const 20))) (i32.const 101))
            (then (return (call $echo (local.get $req)))))))
      (call $request.drop (local.get $req))
      (global.set $body-ptr (i32.const 100))
      (global.set $body-len (i32.const 24))
      (call $respond))

    ;; A copy finished (STREAM_WRITE = 3 in state 1, FUTURE_WRITE = 5 in
    ;; state 2, STREAM_READ = 2 in state 3): go on with the next step. Any
    ;; other event: wait on.
    (func (export "handle-cb") (param $event i32) (param $handle i32) (param $status i32)
      (result i32)
      (if (i32.ne (local.get $event)
                  (select (i32.const 2)
                          (i32.add (i32.const 1) (i32.shl (global.get $state) (i32.const 1)))
                          (i32.eq (global.get $state) (i32.const 3))))
        (then (return (i32.or (i32.const 2) (i32.shl (global.get $set) (i32.const 4))))))
      (call $join (local.get $handle) (i32.const 0))
      (if (i32.eq (global.get $state) (i32.const 3))
        (then
          (global.set $body-len
            (i32.add (global.get $body-len) (i32.shr_u (local.get $status) (i32.const 4))))
          (if (i32.eq (i32.and (local.get $status) (i32.const 0xf)) (i32.const 1))
            (then
              (call $stream.drop-readable (global.get $rs))
              (return (call $respond))))
          (return (call $read))))
      (if (i32.eq (global.get $state) (i32.const 1))
        (then
          (call $stream.drop-writable (global.get $ws))
          (return (call $write-trailers))))
      (call $future.drop-writable (global.get $wf))
      (i32.const 0)))

  (core instance $i (instantiate $m
    (with "libc" (instance $libc))
    (with "" (instance
      (export "fields.new" (func $fields.new))
      (export "get-path" (func $get-path))
      (export "response.new" (func $response.new))
      (export "set-status" (func $set-status))
      (export "request.drop" (func $request.drop))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "future.new" (func $future.new))
      (export "future.write" (func $future.write))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "sent.drop" (func $sent.drop))
      (export "set.new" (func $set.new))
      (export "join" (func $join))
      (export "task.return" (func $task.return))
      (export "consume" (func $consume))
      (export "stream.read" (func $stream.read))
      (export "stream.drop-readable" (func $stream.drop-readable))
      (export "sent.new" (func $sent.new))
      (export "sent.write" (func $sent.write))
      (export "sent.drop-writable" (func $sent.drop-writable))
      (export "trailers.drop-readable" (func $trailers.drop-readable))))))

  (func $handle async (param "request" (own $request)) (result $handle-result)
    (canon lift (core func $i "handle") async (callback (core func $i "handle-cb"))
      (memory $mem) (realloc $realloc)))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/handler@0.3.0" (instance $handler)))
