use super::*;
use std::cell::Cell;

#[test]
fn suspends_and_resumes() {
    let log = Cell::new(0);
    let mut fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), |s| {
        for i in 1..=3 {
            log.set(i);
            // SAFETY: called on this fiber.
            unsafe { s.suspend() };
        }
        log.set(10);
    });
    assert!(!fiber.started());
    for i in 1..=3 {
        assert_eq!(fiber.resume(), FiberStatus::Suspended);
        assert_eq!(log.get(), i);
    }
    assert_eq!(fiber.resume(), FiberStatus::Done);
    assert_eq!(log.get(), 10);
    assert!(fiber.into_stack().is_some());
}

#[test]
fn panics_reach_the_resumer() {
    let mut fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), |_| panic!("boom"));
    let err = std::panic::catch_unwind(AssertUnwindSafe(|| fiber.resume())).unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
    assert!(fiber.done());
}

#[test]
fn resumes_on_another_thread() {
    let mut fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), |s| {
        let first = std::thread::current().id();
        // SAFETY: called on this fiber.
        unsafe { s.suspend() };
        assert_ne!(std::thread::current().id(), first);
    });
    struct SendFiber(Fiber<'static>);
    // SAFETY: the body only uses thread-safe values.
    unsafe impl Send for SendFiber {}
    let mut f = SendFiber(fiber);
    assert_eq!(f.0.resume(), FiberStatus::Suspended);
    let f = std::thread::spawn(move || {
        let mut f = f;
        assert_eq!(f.0.resume(), FiberStatus::Done);
        f
    })
    .join()
    .unwrap();
    assert!(f.0.done());
    fiber = f.0;
    drop(fiber);
}

#[test]
fn a_suspended_fiber_keeps_its_stack() {
    let mut fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), |s| {
        // SAFETY: called on this fiber.
        unsafe { s.suspend() };
    });
    assert_eq!(fiber.resume(), FiberStatus::Suspended);
    assert!(fiber.into_stack().is_none());
}

#[test]
fn a_body_never_started_is_dropped() {
    use std::rc::Rc;
    let owned = Rc::new(());
    let held = owned.clone();
    let fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), move |_| drop(held));
    assert_eq!(Rc::strong_count(&owned), 2);
    assert!(fiber.into_stack().is_some());
    assert_eq!(Rc::strong_count(&owned), 1);
    let held = owned.clone();
    drop(Fiber::new(FiberStack::new(64 * 1024).unwrap(), move |_| {
        drop(held)
    }));
    assert_eq!(Rc::strong_count(&owned), 1);
}

#[test]
fn large_bodies_run_and_stay_off_the_stack_top() {
    let big = [7u8; 4096];
    let sum = Cell::new(0u32);
    let mut fiber = Fiber::new(FiberStack::new(64 * 1024).unwrap(), |_| {
        sum.set(big.iter().map(|&b| u32::from(b)).sum());
    });
    assert_eq!(fiber.resume(), FiberStatus::Done);
    assert_eq!(sum.get(), 7 * 4096);
}
