//! Native profiler integration (`Config::profiler`): as each module's code
//! is published, its functions are announced to `perf` through a perf map
//! file (`/tmp/perf-PID.map`) or a jitdump file (`./jit-PID.dump`, read by
//! `perf inject --jit`).

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Which native profiler learns about compiled wasm code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProfilingStrategy {
    /// No profiler (the default).
    #[default]
    None,
    /// Append `START SIZE NAME` lines to `/tmp/perf-PID.map` for every
    /// function, which `perf report` reads to name JIT code.
    PerfMap,
    /// Write code-load records (with the machine code) to `jit-PID.dump` in
    /// the current directory, for `perf record -k mono` + `perf inject --jit`.
    JitDump,
    /// Intel VTune: not supported by this runtime (`Engine::new` fails).
    VTune,
}

impl crate::Config {
    /// Announces compiled code to a native profiler. Code published before
    /// is not announced retroactively; [`ProfilingStrategy::VTune`] makes
    /// [`Engine::new`](crate::Engine::new) fail.
    pub fn profiler(&mut self, profiler: ProfilingStrategy) -> &mut Self {
        self.profiler = profiler;
        self
    }
}

/// Receives the address, size and name of each published function.
pub(crate) trait ProfilingAgent: Send + Sync {
    fn register_function(&self, name: &str, code: &[u8]);
}

/// The agent for `strategy`, if any.
pub(crate) fn new_agent(strategy: ProfilingStrategy) -> Result<Option<Box<dyn ProfilingAgent>>> {
    Ok(match strategy {
        ProfilingStrategy::None => None,
        ProfilingStrategy::PerfMap => Some(Box::new(PerfMap::new()?)),
        ProfilingStrategy::JitDump => Some(Box::new(JitDump::new()?)),
        ProfilingStrategy::VTune => {
            bail!("the VTune profiler is not supported by this runtime (use PerfMap or JitDump)")
        }
    })
}

/// `/tmp/perf-PID.map`, shared by every engine of the process.
struct PerfMap {
    file: &'static Mutex<Option<File>>,
}

static PERF_MAP: Mutex<Option<File>> = Mutex::new(None);

impl PerfMap {
    fn new() -> Result<PerfMap> {
        let mut file = PERF_MAP.lock().unwrap_or_else(|e| e.into_inner());
        if file.is_none() {
            let path = format!("/tmp/perf-{}.map", std::process::id());
            *file = Some(
                File::options()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .with_context(|| format!("failed to open the perf map `{path}`"))?,
            );
        }
        Ok(PerfMap { file: &PERF_MAP })
    }
}

impl ProfilingAgent for PerfMap {
    fn register_function(&self, name: &str, code: &[u8]) {
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(file) = file.as_mut() {
            // One line per function, written whole so that a reader never
            // sees half a line; names lose any line breaks.
            let name = name.replace(['\n', '\r'], " ");
            let line = format!("{:x} {:x} {name}\n", code.as_ptr() as usize, code.len());
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// A jitdump file (the format of the Linux perf tools'
/// `tools/perf/Documentation/jitdump-specification.txt`).
struct JitDump {
    state: Mutex<JitDumpState>,
}

struct JitDumpState {
    file: File,
    /// Keeps the file mapped executable: `perf record` notices the mapping
    /// of a `jit-PID.dump` file and `perf inject --jit` then reads it.
    _marker: memmap2::Mmap,
    code_index: u64,
}

const JITDUMP_MAGIC: u32 = 0x4A69_5444;
const JIT_CODE_LOAD: u32 = 0;
const EM_X86_64: u32 = 62;

/// `CLOCK_MONOTONIC` in nanoseconds, the clock `perf record -k mono` uses.
fn monotonic_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl JitDump {
    fn new() -> Result<JitDump> {
        let path = format!("jit-{}.dump", std::process::id());
        let mut file = File::options()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("failed to create the jitdump file `{path}`"))?;
        let mut header = Vec::with_capacity(40);
        header.extend_from_slice(&JITDUMP_MAGIC.to_ne_bytes());
        header.extend_from_slice(&1u32.to_ne_bytes()); // version
        header.extend_from_slice(&40u32.to_ne_bytes()); // header size
        header.extend_from_slice(&EM_X86_64.to_ne_bytes());
        header.extend_from_slice(&0u32.to_ne_bytes()); // padding
        header.extend_from_slice(&std::process::id().to_ne_bytes());
        header.extend_from_slice(&monotonic_nanos().to_ne_bytes());
        header.extend_from_slice(&0u64.to_ne_bytes()); // flags
        file.write_all(&header)?;
        file.flush()?;
        let marker = crate::profiling_agent::map_marker(&file)?;
        Ok(JitDump {
            state: Mutex::new(JitDumpState {
                file,
                _marker: marker,
                code_index: 0,
            }),
        })
    }
}

/// Maps the first page of the jitdump file readable and executable.
fn map_marker(file: &File) -> Result<memmap2::Mmap> {
    // SAFETY: the mapping is private and only kept, never read through;
    // the file is ours and only appended to.
    let map = unsafe { memmap2::MmapOptions::new().len(4096).map_exec(file) }
        .context("failed to map the jitdump file")?;
    Ok(map)
}

impl ProfilingAgent for JitDump {
    fn register_function(&self, name: &str, code: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let index = state.code_index;
        state.code_index += 1;
        let addr = code.as_ptr() as u64;
        let body_len = 4 + 4 + 8 + 8 + 8 + 8 + name.len() + 1 + code.len();
        let total = 16 + body_len;
        let mut record = Vec::with_capacity(total);
        record.extend_from_slice(&JIT_CODE_LOAD.to_ne_bytes());
        record.extend_from_slice(&(total as u32).to_ne_bytes());
        record.extend_from_slice(&monotonic_nanos().to_ne_bytes());
        record.extend_from_slice(&std::process::id().to_ne_bytes());
        // SAFETY: `gettid` has no preconditions.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u32;
        record.extend_from_slice(&tid.to_ne_bytes());
        record.extend_from_slice(&addr.to_ne_bytes()); // vma
        record.extend_from_slice(&addr.to_ne_bytes()); // code address
        record.extend_from_slice(&(code.len() as u64).to_ne_bytes());
        record.extend_from_slice(&index.to_ne_bytes());
        record.extend_from_slice(name.as_bytes());
        record.push(0);
        record.extend_from_slice(code);
        let _ = state.file.write_all(&record);
    }
}
