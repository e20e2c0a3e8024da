//! `GuestProfiler`: a sampling profiler of the wasm stack whose output
//! loads in the Firefox Profiler (processed profile format, written with
//! the fxprof-processed-profile crate). The embedder decides when to
//! sample, typically from an epoch deadline callback, as Wasmtime's CLI
//! does for `--profile=guest`.

use crate::store::StoreOpaque;
use crate::symbolize::write_func_name;
use crate::{AsContext, CallHook, Engine, Module};
use anyhow::Result;
use fxprof_processed_profile::{
    CategoryHandle, CpuDelta, Frame, FrameFlags, FrameInfo, Profile, ReferenceTimestamp,
    SamplingInterval, Timestamp,
};
use std::time::{Duration, Instant};

/// Collects samples of a store's wasm stack over time.
pub struct GuestProfiler {
    profile: Profile,
    modules: Vec<Module>,
    process: fxprof_processed_profile::ProcessHandle,
    thread: fxprof_processed_profile::ThreadHandle,
    start: Instant,
}

impl std::fmt::Debug for GuestProfiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestProfiler").finish_non_exhaustive()
    }
}

impl GuestProfiler {
    /// A profiler named `module_name` for samples taken about every
    /// `interval`, attributing frames to `modules` (name and module; frames
    /// of other modules are left out).
    ///
    /// # Panics
    ///
    /// If a module belongs to another engine.
    pub fn new(
        engine: &Engine,
        module_name: &str,
        interval: Duration,
        modules: impl IntoIterator<Item = (String, Module)>,
    ) -> Result<GuestProfiler> {
        let modules: Vec<Module> = modules
            .into_iter()
            .map(|(_, m)| {
                assert!(
                    Engine::same(m.engine(), engine),
                    "GuestProfiler given a module of another engine"
                );
                m
            })
            .collect();
        let reference = ReferenceTimestamp::from(std::time::SystemTime::now());
        let mut profile = Profile::new(module_name, reference, SamplingInterval::from(interval));
        let zero = Timestamp::from_nanos_since_reference(0);
        let process = profile.add_process(module_name, std::process::id(), zero);
        let thread = profile.add_thread(process, 0, zero, true);
        Ok(GuestProfiler {
            profile,
            modules,
            process,
            thread,
            start: Instant::now(),
        })
    }

    fn now(&self) -> Timestamp {
        let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        Timestamp::from_nanos_since_reference(nanos)
    }

    /// Records the wasm stack of `store` as it is now, with `delta` of CPU
    /// time since the previous sample. Call it from host code running
    /// under wasm (an epoch deadline callback or a host function); with no
    /// wasm on the stack the sample is empty.
    pub fn sample(&mut self, store: impl AsContext, delta: Duration) {
        let now = self.now();
        let names = self.stack(&store.as_context().0.opaque);
        let frames: Vec<FrameInfo> = names
            .iter()
            .rev()
            .map(|name| FrameInfo {
                frame: Frame::Label(self.profile.intern_string(name)),
                category_pair: CategoryHandle::OTHER.into(),
                flags: FrameFlags::empty(),
            })
            .collect();
        let stack = self
            .profile
            .intern_stack_frames(self.thread, frames.into_iter());
        self.profile
            .add_sample(self.thread, now, stack, CpuDelta::from(delta), 1);
    }

    /// For use as a call hook: samples the stack when wasm calls the host,
    /// so time in host functions is attributed to their wasm callers.
    pub fn call_hook(&mut self, store: impl AsContext, kind: CallHook) {
        if kind == CallHook::CallingHost {
            self.sample(store, Duration::ZERO);
        }
    }

    /// The names of the profiled wasm functions on `store`'s stack,
    /// innermost first.
    fn stack(&self, store: &StoreOpaque) -> Vec<String> {
        let context = &*store.vm_store_context as *const _ as *const u8;
        // SAFETY: the store context is live (we hold the store), and this
        // runs on the thread of any activation of the store.
        let walk = unsafe { wasmtime_runtime::backtrace::walk_from_exit_checked(context, 1000) };
        let mut names = Vec::new();
        for (i, pc) in walk.pcs.iter().enumerate() {
            let pc = if i == 0 { *pc } else { pc.wrapping_sub(1) };
            if let Some(frame) = self.modules.iter().find_map(|m| m.frame_info(pc)) {
                let mut name = String::new();
                let _ = write_func_name(&mut name, frame.func_name(), frame.func_index());
                names.push(name);
            }
        }
        names
    }

    /// Ends the profile and writes it as JSON (the Firefox Profiler's
    /// processed format) to `output`.
    pub fn finish(mut self, output: impl std::io::Write) -> Result<()> {
        let now = self.now();
        self.profile.set_thread_end_time(self.thread, now);
        self.profile.set_process_end_time(self.process, now);
        serde_json::to_writer(output, &self.profile)?;
        Ok(())
    }
}
