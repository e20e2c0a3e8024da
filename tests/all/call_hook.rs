//! `Store::call_hook`: transitions between host and wasm code.

use std::sync::{Arc, Mutex};
use wasmtime::*;

const MODULE: &str = r#"(module
    (import "" "host" (func $host (param i32) (result i32)))
    (func (export "run") (param i32) (result i32)
        local.get 0
        call $host
        i32.const 1
        i32.add)
    (func (export "plain") (result i32) i32.const 7))"#;

fn setup(
    hook: impl FnMut(StoreContextMut<'_, Vec<CallHook>>, CallHook) -> Result<()> + Send + Sync + 'static,
) -> Result<(Store<Vec<CallHook>>, Instance)> {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE)?;
    let mut store = Store::new(&engine, Vec::new());
    store.call_hook(hook);
    let host = Func::wrap(&mut store, |x: i32| x * 2);
    let instance = Instance::new(&mut store, &module, &[host.into()])?;
    Ok((store, instance))
}

#[test]
fn hook_sees_every_transition_in_order() -> Result<()> {
    let (mut store, instance) = setup(|mut s, kind| {
        s.data_mut().push(kind);
        Ok(())
    })?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    store.data_mut().clear();
    assert_eq!(run.call(&mut store, 5)?, 11);
    assert_eq!(
        *store.data(),
        [
            CallHook::CallingWasm,
            CallHook::CallingHost,
            CallHook::ReturningFromHost,
            CallHook::ReturningFromWasm,
        ]
    );
    assert!(CallHook::CallingHost.entering_host());
    assert!(CallHook::ReturningFromWasm.entering_host());
    assert!(CallHook::CallingWasm.exiting_host());
    assert!(CallHook::ReturningFromHost.exiting_host());
    assert!(!CallHook::CallingWasm.entering_host());
    Ok(())
}

#[test]
fn error_when_calling_host_is_raised_from_the_import() -> Result<()> {
    let (mut store, instance) = setup(|mut s, kind| {
        s.data_mut().push(kind);
        if kind == CallHook::CallingHost {
            bail!("no host calls allowed");
        }
        Ok(())
    })?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    store.data_mut().clear();
    let err = run.call(&mut store, 5).unwrap_err();
    assert!(
        format!("{err:?}").contains("no host calls allowed"),
        "{err:?}"
    );
    // The error travels back to the host, still reported on the way out.
    assert_eq!(
        *store.data(),
        [
            CallHook::CallingWasm,
            CallHook::CallingHost,
            CallHook::ReturningFromWasm
        ]
    );
    // Wasm not calling the host still works.
    let plain = instance.get_typed_func::<(), i32>(&mut store, "plain")?;
    assert_eq!(plain.call(&mut store, ())?, 7);
    Ok(())
}

#[test]
fn error_when_returning_from_wasm_replaces_the_result() -> Result<()> {
    let count = Arc::new(Mutex::new(0));
    let c = count.clone();
    let (mut store, instance) = setup(move |_, kind| {
        if kind == CallHook::ReturningFromWasm {
            *c.lock().unwrap() += 1;
            bail!("result rejected");
        }
        Ok(())
    })?;
    let plain = instance.get_typed_func::<(), i32>(&mut store, "plain")?;
    let err = plain.call(&mut store, ()).unwrap_err();
    assert!(err.to_string().contains("result rejected"));
    assert_eq!(*count.lock().unwrap(), 1);
    Ok(())
}

#[test]
fn error_when_calling_wasm_prevents_the_call() -> Result<()> {
    let (mut store, instance) = setup(|mut s, kind| {
        if kind == CallHook::CallingWasm {
            bail!("not now");
        }
        s.data_mut().push(kind);
        Ok(())
    })?;
    let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
    store.data_mut().clear();
    assert!(run.call(&mut store, 1).is_err());
    assert!(store.data().is_empty(), "wasm must not have run");
    Ok(())
}
