//! Continuations of the stack-switching proposal, on the fibers of
//! [`crate::fiber`].
//!
//! Each continuation runs its function on a fiber stack of its own (from
//! the store's instance allocator). A continuation reference (`contref`)
//! is one word: the continuation's slot in the store's [`ContStore`] and
//! the slot's generation, `((slot + 1) << 32) | generation`. Every resume,
//! `cont.bind` and finish bumps the generation, so a reference can be used
//! once: a stale one traps with `ContinuationAlreadyConsumed`.
//!
//! The instructions are builtins (`cont_new`, `cont_bind`, `cont_resume`,
//! `cont_resume_throw`, `cont_suspend`, `cont_switch`) that exchange values
//! with compiled code through a buffer of 16-byte slots in its frame:
//!
//! * `resume` switches to the continuation's fiber and waits for a
//!   message: it returned (results), it suspended with a tag (payload), it
//!   asked to switch to another continuation, it trapped, or an exception
//!   escaped it. A suspension is matched against the resume's handler
//!   table (tag identities, resolved through the resuming instance). A
//!   match hands the payload and a new reference to the suspended
//!   continuation to the handler's label; a `switch` handler resumes the
//!   target in place. Without a match the resume forwards the message to
//!   its own resumer (when it runs in a continuation itself) and passes
//!   the answer back down, so a suspended chain of continuations behaves
//!   as one; at the outermost level an unmatched tag traps with
//!   `UnhandledTag`.
//! * Every continuation runs inside its own `catch_traps`, so a trap or an
//!   uncaught exception ends only that fiber; the resume then raises it in
//!   its own frame (the trap as a pending error with the continuation's
//!   backtrace, the exception by rethrowing it).
//! * Store fields that describe the running stack (stack limit, entry and
//!   exit frame records) are saved and restored around every switch.
//!
//! Each switch costs a builtin call and a fiber switch (tens of
//! nanoseconds), more than Wasmtime's inline `stack_switch`.

use crate::fiber::{Fiber, FiberStack};
use crate::instance::Instance;
use crate::traphandlers::{catch_traps, TrapRecord};
use crate::vmcontext::{VMFuncRef, VMStoreContext, ValRaw};
use crate::vmstore::VMStore;
use wasmtime_environ::{Trap, TrapSite};

/// Builtin result: the continuation returned; its results are in the
/// buffer.
pub const RETURNED: i32 = -1;
/// Builtin result: an error is pending in the store; the code traps with
/// `TrapSite::HostError`.
pub const FAILED: i32 = -2;
/// Builtin result: rethrow the exception object in the buffer's slot 0.
pub const THROW: i32 = -3;

/// Room kept on a continuation's stack below its stack limit for host
/// frames (builtins, host functions).
const HOST_STACK_RESERVE: usize = 32 * 1024;

/// What a continuation's fiber tells its resumer when it switches back.
#[derive(Debug)]
enum Up {
    /// The function returned; its results are in `io`.
    Returned,
    /// `suspend` of the tag with this identity; the payload is in `io`.
    Suspend(usize),
    /// `switch` through the tag with this identity to the continuation
    /// `target`; the target's arguments (without the switcher's own
    /// continuation) are in `io`.
    Switch(usize, u64),
    /// A trap; its record, or `None` when an error is already pending.
    Trapped(Option<Box<TrapRecord>>),
    /// An exception escaped the function.
    Exception(usize),
}

/// What a resumer tells a suspended fiber.
#[derive(Debug, Clone, Copy)]
enum Down {
    /// Go on; the values are in `io`.
    Values,
    /// Throw this exception object at the suspension point.
    Throw(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Created, never resumed.
    Fresh,
    /// Suspended (or forwarding a suspension).
    Suspended,
    /// Running, or waiting for a continuation it resumed.
    Running,
}

/// One continuation.
struct Continuation {
    fiber: Option<Fiber<'static>>,
    func_ref: *const VMFuncRef,
    nparams: usize,
    nresults: usize,
    /// Values bound by `cont.bind`, in front of those of the next resume.
    bound: Vec<ValRaw>,
    /// The values crossing the current switch, either way.
    io: Vec<ValRaw>,
    up: Option<Up>,
    down: Down,
    state: State,
    /// How many values the next resume must supply in total (bound ones
    /// included).
    expects: usize,
    /// The stack limit while it runs.
    stack_limit: usize,
}

/// A slot of the store's continuation table.
#[derive(Default)]
struct Slot {
    generation: u32,
    cont: Option<Box<Continuation>>,
}

/// The continuations of one store.
#[derive(Default)]
pub struct ContStore {
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Continuations running (or waiting for the one they resumed),
    /// innermost last, since the current entry from the host.
    running: Vec<u32>,
    /// Backtrace frames a trap in a continuation records.
    max_frames: usize,
    /// Stacks of finished continuations waiting to be handed back to the
    /// allocator.
    spare: Vec<FiberStack>,
}

impl ContStore {
    /// An empty table whose continuations record up to `max_frames`
    /// frames of a trap's backtrace.
    pub fn new(max_frames: usize) -> ContStore {
        ContStore {
            max_frames,
            ..ContStore::default()
        }
    }

    /// Called when the host enters wasm: continuations running now cannot
    /// be suspended to from the new entry (host frames lie in between).
    /// Returns what [`ContStore::leave_host`] restores.
    #[inline]
    pub fn enter_host(&mut self) -> Vec<u32> {
        if self.running.is_empty() {
            return Vec::new();
        }
        std::mem::take(&mut self.running)
    }

    /// Undoes [`ContStore::enter_host`].
    #[inline]
    pub fn leave_host(&mut self, saved: Vec<u32>) {
        if saved.is_empty() && self.running.is_empty() {
            return;
        }
        self.running = saved;
    }

    /// Number of live continuations (created and not finished).
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.cont.is_some()).count()
    }

    /// Takes the stacks of finished continuations, to return them to the
    /// allocator.
    pub fn take_spare_stacks(&mut self) -> Vec<FiberStack> {
        std::mem::take(&mut self.spare)
    }

    /// Removes every continuation and returns their stacks. Suspended
    /// continuations are abandoned: their frames are wasm frames and this
    /// module's, which own nothing that needs dropping.
    pub fn clear(&mut self) -> Vec<FiberStack> {
        let mut stacks = self.take_spare_stacks();
        for slot in &mut self.slots {
            if let Some(mut c) = slot.cont.take() {
                if let Some(f) = c.fiber.take() {
                    // SAFETY: see above; nothing runs on these stacks now
                    // (the store is being torn down outside wasm).
                    if let Some(s) = unsafe { f.abandon() } {
                        stacks.push(s);
                    }
                }
            }
        }
        self.running.clear();
        stacks
    }

    fn insert(&mut self, cont: Box<Continuation>) -> u64 {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot::default());
                (self.slots.len() - 1) as u32
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.cont = Some(cont);
        encode(index, slot.generation)
    }

    /// The continuation `r` names, if the reference is current; consumes
    /// the reference (bumps the generation).
    fn take_ref(&mut self, r: u64) -> Result<(u32, *mut Continuation), Trap> {
        if r == 0 {
            return Err(Trap::NullReference);
        }
        let index = ((r >> 32) as u32).wrapping_sub(1);
        let slot = self
            .slots
            .get_mut(index as usize)
            .ok_or(Trap::ContinuationAlreadyConsumed)?;
        match &mut slot.cont {
            Some(c) if slot.generation == r as u32 && c.state != State::Running => {
                slot.generation = slot.generation.wrapping_add(1);
                Ok((index, &mut **c))
            }
            _ => Err(Trap::ContinuationAlreadyConsumed),
        }
    }

    /// The continuation in slot `index`.
    fn cont_ptr(&mut self, index: u32) -> Option<*mut Continuation> {
        self.slots
            .get_mut(index as usize)?
            .cont
            .as_mut()
            .map(|c| &mut **c as *mut Continuation)
    }

    /// Whether `r` is a current reference to a continuation that may be
    /// resumed.
    fn can_resume(&self, r: u64) -> bool {
        let index = ((r >> 32) as u32).wrapping_sub(1);
        self.slots.get(index as usize).is_some_and(|s| {
            s.generation == r as u32 && s.cont.as_ref().is_some_and(|c| c.state != State::Running)
        })
    }

    /// A fresh reference to the continuation in `index`.
    fn current_ref(&self, index: u32) -> u64 {
        encode(index, self.slots[index as usize].generation)
    }

    /// Frees the slot of a finished continuation.
    fn finish(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        if let Some(mut c) = slot.cont.take() {
            if let Some(f) = c.fiber.take() {
                if let Some(s) = f.into_stack() {
                    self.spare.push(s);
                }
            }
        }
        self.free.push(index);
    }
}

// SAFETY: a store's continuations (and the raw pointers their fibers
// hold) are only used by the thread running that store's wasm, which owns
// the store exclusively meanwhile; moving the store between calls moves
// them along, as fibers of async calls move between threads.
unsafe impl Send for ContStore {}
// SAFETY: shared references only read counts.
unsafe impl Sync for ContStore {}

fn encode(index: u32, generation: u32) -> u64 {
    ((u64::from(index) + 1) << 32) | u64::from(generation)
}

/// The store of `instance` with its continuations.
///
/// # Safety
/// As [`Instance::vmstore`]: only from builtins.
unsafe fn store_of(instance: &Instance) -> Option<*mut dyn VMStore> {
    // SAFETY: per the caller.
    unsafe { instance.vmstore().map(|s| s as *mut dyn VMStore) }
}

/// Makes `trap` pending in the store; returns [`FAILED`].
fn fail(store: *mut dyn VMStore, trap: Trap) -> i32 {
    // SAFETY: builtins hold the only use of the store.
    unsafe { (*store).set_pending_error(anyhow::Error::new(trap)) };
    FAILED
}

fn conts(store: *mut dyn VMStore) -> *mut ContStore {
    // SAFETY: builtins hold the only use of the store.
    unsafe { (*store).continuations() }
}

/// `cont.new`: a continuation of `func_ref` (a function of `nparams`
/// parameters and `nresults` results); 0 with an error pending.
pub fn cont_new(instance: &mut Instance, func_ref: u64, nparams: u32, nresults: u32) -> u64 {
    // SAFETY: called from a builtin.
    let Some(store) = (unsafe { store_of(instance) }) else {
        return 0;
    };
    if func_ref == 0 {
        fail(store, Trap::NullReference);
        return 0;
    }
    // SAFETY: as above.
    let stack = match unsafe { (*store).allocate_cont_stack() } {
        Ok(s) => s,
        Err(e) => {
            // SAFETY: as above.
            unsafe { (*store).set_pending_error(e) };
            return 0;
        }
    };
    let bottom = stack.bottom();
    let top = stack.top();
    let limit = if top - bottom > 2 * HOST_STACK_RESERVE {
        bottom + HOST_STACK_RESERVE
    } else {
        bottom + (top - bottom) / 2
    };
    let ctx = instance.store_context().cast_mut();
    let conts = conts(store);
    let mut cont = Box::new(Continuation {
        fiber: None,
        func_ref: func_ref as usize as *const VMFuncRef,
        nparams: nparams as usize,
        nresults: nresults as usize,
        bound: Vec::new(),
        io: Vec::new(),
        up: None,
        down: Down::Values,
        state: State::Fresh,
        expects: nparams as usize,
        stack_limit: limit,
    });
    let cptr: *mut Continuation = &mut *cont;
    // SAFETY: the store's continuation table outlives its continuations.
    let max_frames = unsafe { (*conts).max_frames };
    let fiber = Fiber::new(stack, move |_suspend| {
        // SAFETY: the continuation is boxed in its slot while its fiber
        // runs; the store context is the store's, alive for the run.
        unsafe { run(cptr, ctx, max_frames) }
    });
    cont.fiber = Some(fiber);
    // SAFETY: as above.
    unsafe { (*conts).insert(cont) }
}

/// The body of a continuation's fiber.
///
/// # Safety
/// `cont` is the live continuation whose fiber this is; `ctx` its store's
/// context.
unsafe fn run(cont: *mut Continuation, ctx: *mut VMStoreContext, max_frames: usize) {
    // SAFETY: per the caller; the resumer has saved its own store fields.
    unsafe {
        (*ctx).stack_limit = (*cont).stack_limit;
        let f = *(*cont).func_ref;
        let mut args = std::mem::take(&mut (*cont).io);
        args.resize(
            (*cont).nparams.max((*cont).nresults).max(1),
            ValRaw::default(),
        );
        let array_call = f.array_call;
        let mut ok = true;
        let result = catch_traps(ctx.cast(), max_frames, || {
            if let Some(call) = array_call {
                ok = call(f.vmctx, std::ptr::null_mut(), args.as_mut_ptr(), args.len());
            }
        });
        (*cont).up = Some(match result {
            Ok(()) if ok => {
                args.truncate((*cont).nresults);
                (*cont).io = args;
                Up::Returned
            }
            Ok(()) => Up::Trapped(None),
            Err(record) if record.site == TrapSite::Exception => {
                match crate::exception::take_uncaught() {
                    Some(exn) => Up::Exception(exn),
                    None => Up::Trapped(Some(record)),
                }
            }
            Err(record) => Up::Trapped(Some(record)),
        });
    }
}

/// Store fields that describe the running stack.
struct StackFields {
    limit: usize,
    entry_fp: usize,
    exit_fp: usize,
    exit_pc: usize,
}

impl StackFields {
    /// # Safety
    /// `ctx` must be the live store context.
    unsafe fn save(ctx: *mut VMStoreContext) -> StackFields {
        // SAFETY: per the caller.
        unsafe {
            StackFields {
                limit: (*ctx).stack_limit,
                entry_fp: (*ctx).last_wasm_entry_fp,
                exit_fp: (*ctx).last_wasm_exit_fp,
                exit_pc: (*ctx).last_wasm_exit_pc,
            }
        }
    }

    /// # Safety
    /// As [`StackFields::save`].
    unsafe fn restore(&self, ctx: *mut VMStoreContext) {
        // SAFETY: per the caller.
        unsafe {
            (*ctx).stack_limit = self.limit;
            (*ctx).last_wasm_entry_fp = self.entry_fp;
            (*ctx).last_wasm_exit_fp = self.exit_fp;
            (*ctx).last_wasm_exit_pc = self.exit_pc;
        }
    }
}

/// A resume's handler table: per handler, a word `tag | kind << 32` (kind
/// 0: `on $tag $label`, 1: `on $tag switch`).
struct Handlers<'a> {
    instance: &'a Instance,
    words: &'a [u64],
}

impl Handlers<'_> {
    /// The index of the first handler of `kind` for the tag `identity`.
    fn find(&self, identity: usize, kind: u64) -> Option<usize> {
        self.words
            .iter()
            .position(|w| w >> 32 == kind && self.instance.tag_identity(*w as u32) == identity)
    }
}

/// Switches to `cont`'s fiber (with `down` and its values in `io`) and
/// returns its message. The caller has checked that it may run.
///
/// # Safety
/// `cont` is live and not running; `ctx` is its store's context; called
/// from a builtin.
unsafe fn switch_to(
    conts: *mut ContStore,
    ctx: *mut VMStoreContext,
    index: u32,
    cont: *mut Continuation,
    down: Down,
) -> Up {
    // SAFETY: per the caller. Only raw pointers live across the switch.
    unsafe {
        (*cont).down = down;
        (*cont).state = State::Running;
        (*conts).running.push(index);
        let saved = StackFields::save(ctx);
        if let Some(f) = (*cont).fiber.as_mut() {
            f.resume();
        }
        saved.restore(ctx);
        (*conts).running.pop();
        (*cont).state = State::Suspended;
        (*cont).up.take().unwrap_or(Up::Trapped(None))
    }
}

/// Suspends the running continuation `cont` (this code runs on its fiber)
/// with `up`; returns its resumer's answer.
///
/// # Safety
/// `cont` is the continuation whose fiber runs this; `ctx` its store's.
unsafe fn suspend_self(ctx: *mut VMStoreContext, cont: *mut Continuation, up: Up) -> Down {
    // SAFETY: per the caller.
    unsafe {
        (*cont).up = Some(up);
        let saved = StackFields::save(ctx);
        let handle = (*cont)
            .fiber
            .as_ref()
            .map(|f| f.suspend_handle())
            .unwrap_or(std::ptr::null());
        if !handle.is_null() {
            (*handle).suspend();
        }
        saved.restore(ctx);
        (*cont).down
    }
}

/// Copies `src` into the builtin buffer `buf` of `cap` slots at `at`;
/// false if it does not fit.
///
/// # Safety
/// `buf` must have `cap` writable slots.
unsafe fn write_buf(buf: *mut ValRaw, cap: usize, at: usize, src: &[ValRaw]) -> bool {
    if at + src.len() > cap {
        return false;
    }
    // SAFETY: per the caller, within `cap`.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buf.add(at), src.len()) };
    true
}

/// The resumes: `cont_resume` (`exn == 0`) and `cont_resume_throw`.
/// Returns [`RETURNED`] (results in `buf`), [`FAILED`], [`THROW`] (object
/// in `buf[0]`) or the index of the `on $tag $label` handler that matched
/// (payload, then the continuation's new reference, in `buf`).
///
/// # Safety
/// Called from a builtin: `buf` has `cap` slots holding `nargs` values;
/// `handlers` has `nhandlers` words.
#[allow(clippy::too_many_arguments)]
pub unsafe fn resume(
    instance: &mut Instance,
    contref: u64,
    exn: usize,
    buf: *mut ValRaw,
    nargs: u32,
    cap: u32,
    handlers: *const u64,
    nhandlers: u32,
) -> i32 {
    // SAFETY: called from a builtin.
    let Some(store) = (unsafe { store_of(instance) }) else {
        return FAILED;
    };
    let ctx = instance.store_context().cast_mut();
    let conts = conts(store);
    let cap = cap as usize;
    // SAFETY: per the caller.
    let words = unsafe { std::slice::from_raw_parts(handlers, nhandlers as usize) };
    let table = Handlers { instance, words };
    // SAFETY: as above.
    let (mut index, mut cont) = match unsafe { (*conts).take_ref(contref) } {
        Ok(c) => c,
        Err(t) => return fail(store, t),
    };
    let mut down = if exn != 0 {
        Down::Throw(exn)
    } else {
        // SAFETY: per the caller, `buf` holds `nargs` values.
        let args = unsafe { std::slice::from_raw_parts(buf, nargs as usize) };
        // SAFETY: `cont` is live (just taken).
        unsafe {
            if (*cont).bound.len() + args.len() != (*cont).expects {
                return fail(store, Trap::CastFailure);
            }
            let mut io = std::mem::take(&mut (*cont).bound);
            io.extend_from_slice(args);
            (*cont).io = io;
        }
        Down::Values
    };
    loop {
        // SAFETY: `cont` is live and suspended or fresh.
        unsafe {
            if (*cont).state == State::Fresh {
                if let Down::Throw(e) = down {
                    // Nothing inside can catch it: it escapes right here.
                    (*conts).finish(index);
                    *buf = ValRaw::u64(e as u64);
                    return THROW;
                }
            }
        }
        // SAFETY: as above.
        let up = unsafe { switch_to(conts, ctx, index, cont, down) };
        // Hand finished stacks back while the store is at hand.
        // SAFETY: builtins hold the only use of the store.
        unsafe {
            for s in (*conts).take_spare_stacks() {
                (*store).deallocate_cont_stack(s);
            }
        }
        match up {
            Up::Returned => {
                // SAFETY: `cont` is live until `finish`.
                let io = unsafe { std::mem::take(&mut (*cont).io) };
                // SAFETY: as above and per the caller.
                unsafe {
                    (*conts).finish(index);
                    for s in (*conts).take_spare_stacks() {
                        (*store).deallocate_cont_stack(s);
                    }
                    if !write_buf(buf, cap, 0, &io) {
                        return fail(store, Trap::CastFailure);
                    }
                }
                return RETURNED;
            }
            Up::Trapped(record) => {
                // SAFETY: as above.
                unsafe {
                    (*conts).finish(index);
                    for s in (*conts).take_spare_stacks() {
                        (*store).deallocate_cont_stack(s);
                    }
                    if let Some(record) = record {
                        (*store).set_pending_trap(*record);
                    }
                }
                return FAILED;
            }
            Up::Exception(e) => {
                // SAFETY: as above.
                unsafe {
                    (*conts).finish(index);
                    *buf = ValRaw::u64(e as u64);
                }
                return THROW;
            }
            Up::Suspend(tag) => {
                if let Some(h) = table.find(tag, 0) {
                    // SAFETY: `cont` is live (suspended now).
                    unsafe {
                        let payload = std::mem::take(&mut (*cont).io);
                        let r = (*conts).current_ref(index);
                        if !write_buf(buf, cap, 0, &payload)
                            || !write_buf(buf, cap, payload.len(), &[ValRaw::u64(r)])
                        {
                            return fail(store, Trap::CastFailure);
                        }
                    }
                    return h as i32;
                }
                // SAFETY: as above.
                match unsafe { forward(store, ctx, conts, cont, Up::Suspend(tag)) } {
                    Ok(d) => down = d,
                    Err(code) => return code,
                }
            }
            Up::Switch(tag, target) => {
                if table.find(tag, 1).is_some() {
                    // SAFETY: `cont` is live (suspended now); `target` is
                    // checked like any resumed reference.
                    unsafe {
                        let mut args = std::mem::take(&mut (*cont).io);
                        let r = (*conts).current_ref(index);
                        let (ti, tc) = match (*conts).take_ref(target) {
                            Ok(t) => t,
                            Err(t) => return fail(store, t),
                        };
                        args.push(ValRaw::u64(r));
                        let mut io = std::mem::take(&mut (*tc).bound);
                        io.extend_from_slice(&args);
                        if io.len() != (*tc).expects {
                            return fail(store, Trap::CastFailure);
                        }
                        (*tc).io = io;
                        index = ti;
                        cont = tc;
                        down = Down::Values;
                    }
                    continue;
                }
                // SAFETY: as above.
                match unsafe { forward(store, ctx, conts, cont, Up::Switch(tag, target)) } {
                    Ok(d) => down = d,
                    Err(code) => return code,
                }
            }
        }
    }
}

/// A suspension (or switch) of `child` that the resume running in the
/// current continuation does not handle: passes it to this continuation's
/// resumer, and hands the answer down to `child` (its `io` then holds the
/// values). At the outermost level the tag is unhandled.
///
/// # Safety
/// Called from `resume` with `child` suspended.
unsafe fn forward(
    store: *mut dyn VMStore,
    ctx: *mut VMStoreContext,
    conts: *mut ContStore,
    child: *mut Continuation,
    up: Up,
) -> Result<Down, i32> {
    // SAFETY: per the caller.
    unsafe {
        let Some(&me) = (*conts).running.last() else {
            return Err(fail(store, Trap::UnhandledTag));
        };
        let Some(mine) = (&mut *conts).cont_ptr(me) else {
            return Err(fail(store, Trap::UnhandledTag));
        };
        (*mine).io = std::mem::take(&mut (*child).io);
        (*mine).expects = (*child).expects;
        let down = suspend_self(ctx, mine, up);
        (*child).io = std::mem::take(&mut (*mine).io);
        Ok(down)
    }
}

/// `suspend` (`target == 0`) and `switch` from the running continuation:
/// the payload (`nargs` values) is in `buf`; on return the resumer's
/// values are there ([`RETURNED`] is not used: 0 means go on), or
/// [`FAILED`] / [`THROW`].
///
/// # Safety
/// Called from a builtin with `buf` of `cap` slots holding `nargs` values.
pub unsafe fn suspend(
    instance: &mut Instance,
    tag: u32,
    target: u64,
    buf: *mut ValRaw,
    nargs: u32,
    cap: u32,
    nresults: u32,
) -> i32 {
    // SAFETY: called from a builtin.
    let Some(store) = (unsafe { store_of(instance) }) else {
        return FAILED;
    };
    let ctx = instance.store_context().cast_mut();
    let conts = conts(store);
    let identity = instance.tag_identity(tag);
    // SAFETY: the running list names live continuations.
    unsafe {
        let Some(&me) = (*conts).running.last() else {
            return fail(store, Trap::UnhandledTag);
        };
        let Some(mine) = (&mut *conts).cont_ptr(me) else {
            return fail(store, Trap::UnhandledTag);
        };
        if target != 0 {
            // Check the target before leaving (a stale one traps here).
            if !(&*conts).can_resume(target) {
                return fail(store, Trap::ContinuationAlreadyConsumed);
            }
        }
        let args = std::slice::from_raw_parts(buf, nargs as usize);
        (*mine).io = args.to_vec();
        (*mine).expects = nresults as usize;
        let up = if target != 0 {
            Up::Switch(identity, target)
        } else {
            Up::Suspend(identity)
        };
        match suspend_self(ctx, mine, up) {
            Down::Values => {
                let io = std::mem::take(&mut (*mine).io);
                if io.len() != nresults as usize || !write_buf(buf, cap as usize, 0, &io) {
                    return fail(store, Trap::CastFailure);
                }
                0
            }
            Down::Throw(e) => {
                *buf = ValRaw::u64(e as u64);
                THROW
            }
        }
    }
}

/// `cont.bind`: a new reference to `contref`'s continuation with the
/// `nargs` values in `buf` bound in front of its next arguments; 0 with
/// an error pending.
///
/// # Safety
/// Called from a builtin with `buf` holding `nargs` values.
pub unsafe fn bind(instance: &mut Instance, contref: u64, buf: *const ValRaw, nargs: u32) -> u64 {
    // SAFETY: called from a builtin.
    let Some(store) = (unsafe { store_of(instance) }) else {
        return 0;
    };
    let conts = conts(store);
    // SAFETY: the table is the store's; `cont` is live once taken.
    unsafe {
        let (index, cont) = match (*conts).take_ref(contref) {
            Ok(c) => c,
            Err(t) => {
                fail(store, t);
                return 0;
            }
        };
        let args = std::slice::from_raw_parts(buf, nargs as usize);
        if (*cont).bound.len() + args.len() > (*cont).expects {
            fail(store, Trap::CastFailure);
            return 0;
        }
        (*cont).bound.extend_from_slice(args);
        (*conts).current_ref(index)
    }
}
