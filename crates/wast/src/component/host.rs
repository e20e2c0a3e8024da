//! What component scripts import from the host, under the names the
//! component-model test scripts use: functions returning constants
//! (`host-return-two`, `host` instance `return-three`, nested instance
//! `nested` with `return-four`, `return-hi`), concurrent functions that
//! complete after a yield (`host-echo-u32`, `return-two-slowly`,
//! `echo-slowly`) or never (`never-return`), and the resource type
//! `resource1` (also as `resource1-again`) with a constructor, static
//! functions counting its drops, and methods checking how handles arrive;
//! plus `resource2`, and the core module `simple-module` (`f` returning
//! 101, global `g` of 100).
//!
//! Also [`block_on`], which drives a call's future on this thread.

use anyhow::{bail, Result};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use wasmtime::component::{Linker, Resource, ResourceType};

/// The host type of `resource1`.
struct Resource1;

/// The host type of `resource2`.
struct Resource2;

/// Drops of `resource1` handles seen by its destructor.
#[derive(Default)]
struct Drops {
    count: AtomicU32,
    last: AtomicU32,
}

/// A future that is pending once (waking itself) and then ready: a host
/// function that completes only after the guest had a chance to run.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Defines the host imports of component scripts in `linker`.
pub(crate) fn define_host<T: 'static>(linker: &mut Linker<T>) -> Result<()> {
    let engine = linker.engine().clone();
    let mut root = linker.root();
    root.func_wrap("host-return-two", |_, (): ()| Ok((2u32,)))?;
    root.func_wrap_concurrent("host-echo-u32", |_, (v,): (u32,)| {
        Box::pin(async move {
            YieldOnce(false).await;
            Ok((v,))
        })
    })?;

    let mut host = linker.instance("host")?;
    host.func_wrap("return-three", |_, (): ()| Ok((3u32,)))?;
    host.func_wrap("return-hi", |_, (): ()| Ok(("hi".to_string(),)))?;
    // `s32`, as Wasmtime's runner defines it.
    host.func_wrap_concurrent("return-two-slowly", |_, (): ()| {
        Box::pin(async move {
            YieldOnce(false).await;
            Ok((2i32,))
        })
    })?;
    host.func_wrap_concurrent("echo-slowly", |_, (v,): (u32,)| {
        Box::pin(async move {
            YieldOnce(false).await;
            Ok((v,))
        })
    })?;
    host.func_wrap_concurrent("never-return", |_, (): ()| {
        Box::pin(std::future::pending::<Result<()>>())
    })?;

    let drops = Arc::new(Drops::default());
    let counter = drops.clone();
    host.resource(
        "resource1",
        ResourceType::host::<Resource1>(),
        move |_, rep| {
            counter.count.fetch_add(1, Ordering::SeqCst);
            counter.last.store(rep, Ordering::SeqCst);
            Ok(())
        },
    )?;
    host.resource(
        "resource1-again",
        ResourceType::host::<Resource1>(),
        |_, rep| bail!("`resource1-again` handle {rep} dropped through its second name"),
    )?;
    host.resource(
        "resource2",
        ResourceType::host::<Resource2>(),
        |_, _| Ok(()),
    )?;
    host.func_wrap("[constructor]resource1", |_, (rep,): (u32,)| {
        Ok((Resource::<Resource1>::new_own(rep),))
    })?;
    host.func_wrap(
        "[static]resource1.assert",
        |_, (r, rep): (Resource<Resource1>, u32)| {
            if r.rep() != rep {
                bail!("resource1.assert: representation {} is not {rep}", r.rep());
            }
            Ok(())
        },
    )?;
    let counter = drops.clone();
    host.func_wrap("[static]resource1.last-drop", move |_, (): ()| {
        Ok((counter.last.load(Ordering::SeqCst),))
    })?;
    let counter = drops;
    host.func_wrap("[static]resource1.drops", move |_, (): ()| {
        Ok((counter.count.load(Ordering::SeqCst),))
    })?;
    host.func_wrap(
        "[method]resource1.simple",
        |_, (r, rep): (Resource<Resource1>, u32)| {
            if r.owned() || r.rep() != rep {
                bail!("resource1.simple: expected a borrow of {rep}, got {r:?}");
            }
            Ok(())
        },
    )?;
    host.func_wrap(
        "[method]resource1.take-borrow",
        |_, (a, b): (Resource<Resource1>, Resource<Resource1>)| {
            if a.owned() || b.owned() {
                bail!("resource1.take-borrow: expected two borrows");
            }
            Ok(())
        },
    )?;
    host.func_wrap(
        "[method]resource1.take-own",
        |_, (a, b): (Resource<Resource1>, Resource<Resource1>)| {
            if a.owned() || !b.owned() {
                bail!("resource1.take-own: expected a borrow and an owned handle");
            }
            Ok(())
        },
    )?;
    host.func_wrap_concurrent(
        "[method]resource1.never-return",
        |_, (_r,): (Resource<Resource1>,)| Box::pin(std::future::pending::<Result<()>>()),
    )?;
    host.instance("nested")?
        .func_wrap("return-four", |_, (): ()| Ok((4u32,)))?;
    // A core module whose export `f` returns 101 and global `g` is 100.
    let module = wasmtime::Module::new(
        &engine,
        r#"(module
             (global (export "g") i32 (i32.const 100))
             (func (export "f") (result i32) (i32.const 101)))"#,
    )?;
    host.module("simple-module", &module)?;
    Ok(())
}

/// Wakes by setting a flag and unparking the waiting thread.
struct ThreadWaker {
    woken: AtomicBool,
    thread: std::thread::Thread,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on this thread. Everything a script's
/// calls wait for is woken from this thread while it is polled, so a
/// future that is pending without having been woken can never finish:
/// that is reported as a deadlock (and the call is dropped, which cancels
/// it).
pub(crate) fn block_on<R>(future: impl Future<Output = Result<R>>) -> Result<R> {
    let state = Arc::new(ThreadWaker {
        woken: AtomicBool::new(false),
        thread: std::thread::current(),
    });
    let waker = Waker::from(state.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        state.woken.store(false, Ordering::SeqCst);
        if let Poll::Ready(r) = future.as_mut().poll(&mut cx) {
            return r;
        }
        if !state.woken.load(Ordering::SeqCst) {
            bail!(
                "wasm trap: deadlock detected: event loop cannot make further progress \
                 (the call waits for an event that nothing can deliver)"
            );
        }
    }
}
