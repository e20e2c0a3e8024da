//! One module shared by many threads, each with its own store.

use wasmtime::*;

#[test]
fn eight_threads_share_one_module() -> Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "h" "id" (func $id (result i32)))
            (memory 1)
            (func $fib (param i32) (result i32)
                local.get 0 i32.const 2 i32.lt_u
                if (result i32) local.get 0
                else local.get 0 i32.const 1 i32.sub call $fib
                     local.get 0 i32.const 2 i32.sub call $fib i32.add end)
            (func (export "run") (param i32) (result i32)
                (i32.store (i32.const 0) (call $id))
                (i32.add (call $fib (local.get 0)) (i32.load (i32.const 0))))
            (func (export "trap") unreachable))"#,
    )?;
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let engine = engine.clone();
            let module = module.clone();
            std::thread::spawn(move || -> Result<()> {
                let mut linker = Linker::new(&engine);
                linker.func_wrap("h", "id", |caller: Caller<'_, i32>| *caller.data())?;
                let mut store = Store::new(&engine, t * 1000);
                let instance = linker.instantiate(&mut store, &module)?;
                let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
                let trap = instance.get_typed_func::<(), ()>(&mut store, "trap")?;
                for i in 0..50 {
                    assert_eq!(run.call(&mut store, 20)?, 6765 + t * 1000);
                    if i % 10 == 0 {
                        assert!(trap.call(&mut store, ()).is_err());
                    }
                }
                Ok(())
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread panicked")?;
    }
    Ok(())
}

#[test]
fn engine_and_module_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Engine>();
    check::<Module>();
    fn send<T: Send>() {}
    send::<Store<()>>();
}
