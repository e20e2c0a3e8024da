;; Used by ci/test.sh: compiled with `wasmtime compile`, then run by the
;; `run_precompiled` example built without Cranelift.
(module
  (import "host" "double" (func $double (param i32) (result i32)))
  (memory 1)
  (data (i32.const 0) "\05")
  (func (export "quad") (param i32) (result i32)
    local.get 0 call $double call $double
    ;; plus the byte at address 0, to use memory and data segments too
    i32.const 0 i32.load8_u i32.add))
