//! Frame-pointer stack walking over wasm frames.
//!
//! Compiled wasm code keeps frame pointers, so each frame starts with the
//! saved caller frame pointer at `[fp]` and the return address at `[fp + 8]`.
//! A walk starts at a wasm program counter and its frame pointer (from a
//! signal context, or from `VMStoreContext::LAST_WASM_EXIT_PC/FP` when a
//! host function fails) and stops at the frame pointer of the host-to-wasm
//! entry trampoline (`VMStoreContext::LAST_WASM_ENTRY_FP`).

/// Upper bound on the number of frames a walk visits (returned or counted).
pub const MAX_FRAMES: usize = 100_000;

/// The result of a frame walk: the first frames' program counters and how
/// many older frames were only counted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FrameWalk {
    /// Program counters of the innermost frames, innermost first.
    pub pcs: Vec<usize>,
    /// Frames beyond the cap that were counted but not recorded.
    pub omitted: usize,
}

/// Walks the frame-pointer chain and returns the program counters of at
/// most `max_frames` frames, innermost first, and the number of older
/// frames left out. With `max_frames == 0` nothing is read. See
/// [`walk_frames_into`] for the walk itself.
///
/// # Safety
///
/// As for [`walk_frames_into`].
pub unsafe fn walk_frames(pc: usize, fp: usize, entry_fp: usize, max_frames: usize) -> FrameWalk {
    let mut pcs = vec![0; max_frames.min(MAX_FRAMES)];
    // SAFETY: forwarded from the caller.
    let (len, omitted) = unsafe { walk_frames_into(pc, fp, entry_fp, &mut pcs) };
    pcs.truncate(len);
    FrameWalk { pcs, omitted }
}

/// Walks the frame-pointer chain, writing the program counters of the
/// innermost `out.len()` frames to `out`, and returns how many it wrote and
/// how many older frames it only counted. It neither allocates nor takes
/// locks, so the signal handler can call it. With an empty `out` nothing is
/// read.
///
/// The first frame is `pc`. Then, as long as `fp` is not `entry_fp`, the
/// return address at `fp + 8` is taken and `fp` becomes the saved frame
/// pointer at `fp`. The walk also stops (without reading) at a null or
/// misaligned frame pointer, at a frame pointer that does not move towards
/// older frames (higher addresses), at one that went past a non-zero
/// `entry_fp`, and after [`MAX_FRAMES`] frames. The last return address
/// before `entry_fp` leads into the entry trampoline and is not counted as
/// a left-out frame.
///
/// # Safety
///
/// Every frame pointer reached from `fp` before the walk stops must point to
/// a readable 16-byte frame record, i.e. `fp` must be the frame pointer of a
/// live frame whose callers up to `entry_fp` (or to a null saved frame
/// pointer) all maintain frame pointers.
pub unsafe fn walk_frames_into(
    pc: usize,
    fp: usize,
    entry_fp: usize,
    out: &mut [usize],
) -> (usize, usize) {
    if out.is_empty() {
        return (0, 0);
    }
    out[0] = pc;
    let mut len = 1;
    let mut omitted = 0;
    let mut seen = 1;
    let mut fp = fp;
    while seen < MAX_FRAMES {
        if fp == entry_fp && omitted > 0 {
            // The last return address read leads into the entry trampoline,
            // not into a wasm frame: it does not count as a left-out frame.
            omitted -= 1;
        }
        if fp == 0 || fp == entry_fp || !fp.is_multiple_of(8) {
            break;
        }
        if entry_fp != 0 && fp > entry_fp {
            break;
        }
        // SAFETY: the caller guarantees `fp` is a readable frame record of a
        // live frame; it is non-null and aligned (checked above).
        let (next_pc, next_fp) = unsafe {
            let record = fp as *const usize;
            (record.add(1).read(), record.read())
        };
        if len < out.len() {
            out[len] = next_pc;
            len += 1;
        } else {
            omitted += 1;
        }
        seen += 1;
        if next_fp <= fp {
            break;
        }
        fp = next_fp;
    }
    (len, omitted)
}

/// The backtrace of the wasm frames below the most recent exit from wasm to
/// the host: walks from `LAST_WASM_EXIT_PC`/`LAST_WASM_EXIT_FP` up to
/// `LAST_WASM_ENTRY_FP` of `store_context`. Empty if no exit was recorded.
///
/// # Safety
///
/// `store_context` must point to a readable `VMStoreContext` whose exit
/// fields describe a wasm frame that is still live (e.g. called from a host
/// function invoked by wasm), with the entry frame pointer of the same
/// activation; see [`walk_frames`].
pub unsafe fn walk_from_exit(store_context: *const u8, max_frames: usize) -> FrameWalk {
    use wasmtime_environ::store_context::*;
    // SAFETY: the caller guarantees `store_context` is a readable
    // `VMStoreContext`; the fields are usize-sized and aligned.
    let (pc, fp, entry_fp) = unsafe {
        let field = |offset: u32| store_context.add(offset as usize).cast::<usize>().read();
        (
            field(LAST_WASM_EXIT_PC),
            field(LAST_WASM_EXIT_FP),
            field(LAST_WASM_ENTRY_FP),
        )
    };
    if pc == 0 {
        return FrameWalk::default();
    }
    // SAFETY: per the caller's guarantee, `fp` is a live wasm frame.
    unsafe { walk_frames(pc, fp, entry_fp, max_frames) }
}

/// Like [`walk_from_exit`], for host code that cannot be sure the exit
/// record belongs to the current activation (a profiler sampling from an
/// epoch callback or a host function): walks only when the recorded frame
/// pointer lies on the live part of this thread's stack, between the
/// caller's own stack frame and the activation's entry frame, so a stale
/// record yields no frames instead of reads of dead memory.
///
/// # Safety
///
/// `store_context` must point to a readable `VMStoreContext`, and this
/// must run on the thread (and stack) of the store's current wasm
/// activation, if any.
pub unsafe fn walk_from_exit_checked(store_context: *const u8, max_frames: usize) -> FrameWalk {
    use wasmtime_environ::store_context::*;
    // SAFETY: the caller guarantees `store_context` is readable.
    let (pc, fp, entry_fp) = unsafe {
        let field = |offset: u32| store_context.add(offset as usize).cast::<usize>().read();
        (
            field(LAST_WASM_EXIT_PC),
            field(LAST_WASM_EXIT_FP),
            field(LAST_WASM_ENTRY_FP),
        )
    };
    let here = &pc as *const usize as usize;
    if pc == 0 || entry_fp == 0 || fp <= here || fp > entry_fp {
        return FrameWalk::default();
    }
    // SAFETY: every frame pointer the walk follows increases and stays at
    // or below `entry_fp`, and the first is above this frame: all reads
    // fall in the live stack between here and the entry frame.
    unsafe { walk_frames(pc, fp, entry_fp, max_frames) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a fake stack of frame records: frame `i` lives at `base + 32*i`
    /// and returns to pc `1000 + i`.
    fn fake_stack(frames: usize) -> Vec<usize> {
        let mut stack = vec![0usize; frames * 4 + 4];
        let base = stack.as_ptr() as usize;
        for i in 0..frames {
            stack[i * 4] = base + (i + 1) * 32; // saved fp
            stack[i * 4 + 1] = 1000 + i; // return address
        }
        stack
    }

    #[test]
    fn walk_to_entry() {
        let stack = fake_stack(5);
        let base = stack.as_ptr() as usize;
        // SAFETY: every frame record in the chain lies within `stack`.
        let pcs = unsafe { walk_frames(1, base, base + 3 * 32, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1, 1000, 1001, 1002]);
        // SAFETY: as above.
        let pcs = unsafe { walk_frames(1, base, base, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1]);
    }

    #[test]
    fn stops_on_bad_frames() {
        let mut stack = fake_stack(5);
        let base = stack.as_ptr() as usize;
        stack[2 * 4] = 0; // frame 2's saved fp is null
                          // SAFETY: every frame record in the chain lies within `stack`.
        let pcs = unsafe { walk_frames(1, base, 0, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1, 1000, 1001, 1002]);
        stack[2 * 4] = base + 3 * 32 + 1; // misaligned
                                          // SAFETY: as above.
        let pcs = unsafe { walk_frames(1, base, 0, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1, 1000, 1001, 1002]);
        stack[2 * 4] = base; // loops back
                             // SAFETY: as above.
        let pcs = unsafe { walk_frames(1, base, 0, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1, 1000, 1001, 1002]);
        stack[2 * 4] = base + 3 * 32;
        // Went past the entry frame without hitting it.
        // SAFETY: as above.
        let pcs = unsafe { walk_frames(1, base, base + 2 * 32 + 8, MAX_FRAMES).pcs };
        assert_eq!(pcs, vec![1, 1000, 1001, 1002]);
        // SAFETY: nothing is read from a null frame pointer.
        assert_eq!(unsafe { walk_frames(5, 0, 0, MAX_FRAMES) }.pcs, vec![5]);
    }

    #[test]
    fn from_exit() {
        use wasmtime_environ::store_context::*;
        let stack = fake_stack(5);
        let base = stack.as_ptr() as usize;
        let mut ctx = [0usize; SIZE as usize / 8];
        // SAFETY: `ctx` is a zeroed store context.
        assert!(unsafe { walk_from_exit(ctx.as_ptr().cast(), MAX_FRAMES) }
            .pcs
            .is_empty());
        ctx[LAST_WASM_EXIT_PC as usize / 8] = 77;
        ctx[LAST_WASM_EXIT_FP as usize / 8] = base + 32;
        ctx[LAST_WASM_ENTRY_FP as usize / 8] = base + 3 * 32;
        // SAFETY: every frame record in the chain lies within `stack`.
        let pcs = unsafe { walk_from_exit(ctx.as_ptr().cast(), MAX_FRAMES) }.pcs;
        assert_eq!(pcs, vec![77, 1001, 1002]);
    }

    #[test]
    fn capped() {
        let n = MAX_FRAMES + 10;
        let stack = fake_stack(n);
        let base = stack.as_ptr() as usize;
        // SAFETY: every frame record in the chain lies within `stack`.
        let walk = unsafe { walk_frames(1, base, 0, MAX_FRAMES) };
        assert_eq!(walk.pcs.len(), MAX_FRAMES);
        // A small cap records the innermost frames and counts the rest.
        let stack = fake_stack(50);
        let base = stack.as_ptr() as usize;
        // SAFETY: as above.
        let walk = unsafe { walk_frames(1, base, base + 30 * 32, 20) };
        assert_eq!(walk.pcs.len(), 20);
        assert_eq!(walk.pcs[19], 1018);
        // 31 return addresses, the last of them into the entry trampoline.
        assert_eq!(walk.omitted, 10);
        // SAFETY: nothing is read with a cap of zero.
        assert_eq!(unsafe { walk_frames(1, 8, 0, 0) }, FrameWalk::default());
    }
}
