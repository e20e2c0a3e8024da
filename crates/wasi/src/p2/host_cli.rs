//! `wasi:cli`, `wasi:clocks` and `wasi:random` for [`WasiCtxView`].

use super::bindings::cli::{
    environment, exit, stderr, stdin, stdout, terminal_input, terminal_output, terminal_stderr,
    terminal_stdin, terminal_stdout,
};
use super::bindings::clocks::{monotonic_clock, wall_clock};
use super::bindings::random::{insecure, insecure_seed, random};
use super::io::{DynInputStream, DynOutputStream, DynPollable, Pollable};
use super::stdio::{StdinReader, StdoutWriter, TerminalInput, TerminalOutput};
use crate::{I32Exit, WasiCtxView};
use cap_rand::RngCore;
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime};
use wasmtime::component::Resource;
use wasmtime::Result;

impl environment::Host for WasiCtxView<'_> {
    fn get_environment(&mut self) -> Result<Vec<(String, String)>> {
        Ok(self.ctx.env.clone())
    }
    fn get_arguments(&mut self) -> Result<Vec<String>> {
        Ok(self.ctx.args.clone())
    }
    fn initial_cwd(&mut self) -> Result<Option<String>> {
        Ok(None)
    }
}

impl exit::Host for WasiCtxView<'_> {
    fn exit(&mut self, status: Result<(), ()>) -> Result<()> {
        Err(I32Exit(if status.is_ok() { 0 } else { 1 }).into())
    }
    fn exit_with_code(&mut self, code: u8) -> Result<()> {
        Err(I32Exit(code.into()).into())
    }
}

impl stdin::Host for WasiCtxView<'_> {
    fn get_stdin(&mut self) -> Result<Resource<DynInputStream>> {
        let stream: DynInputStream = Box::new(StdinReader(self.ctx.stdin.clone()));
        Ok(self.table.push(stream)?)
    }
}

impl stdout::Host for WasiCtxView<'_> {
    fn get_stdout(&mut self) -> Result<Resource<DynOutputStream>> {
        let stream: DynOutputStream = Box::new(StdoutWriter(self.ctx.stdout.clone()));
        Ok(self.table.push(stream)?)
    }
}

impl stderr::Host for WasiCtxView<'_> {
    fn get_stderr(&mut self) -> Result<Resource<DynOutputStream>> {
        let stream: DynOutputStream = Box::new(StdoutWriter(self.ctx.stderr.clone()));
        Ok(self.table.push(stream)?)
    }
}

impl terminal_input::Host for WasiCtxView<'_> {}
impl terminal_input::HostTerminalInput for WasiCtxView<'_> {
    fn drop(&mut self, r: Resource<TerminalInput>) -> Result<()> {
        self.table.delete(r)?;
        Ok(())
    }
}
impl terminal_output::Host for WasiCtxView<'_> {}
impl terminal_output::HostTerminalOutput for WasiCtxView<'_> {
    fn drop(&mut self, r: Resource<TerminalOutput>) -> Result<()> {
        self.table.delete(r)?;
        Ok(())
    }
}

impl terminal_stdin::Host for WasiCtxView<'_> {
    fn get_terminal_stdin(&mut self) -> Result<Option<Resource<TerminalInput>>> {
        Ok(match self.ctx.stdin.is_terminal() {
            true => Some(self.table.push(TerminalInput)?),
            false => None,
        })
    }
}

impl terminal_stdout::Host for WasiCtxView<'_> {
    fn get_terminal_stdout(&mut self) -> Result<Option<Resource<TerminalOutput>>> {
        Ok(match self.ctx.stdout.is_terminal() {
            true => Some(self.table.push(TerminalOutput)?),
            false => None,
        })
    }
}

impl terminal_stderr::Host for WasiCtxView<'_> {
    fn get_terminal_stderr(&mut self) -> Result<Option<Resource<TerminalOutput>>> {
        Ok(match self.ctx.stderr.is_terminal() {
            true => Some(self.table.push(TerminalOutput)?),
            false => None,
        })
    }
}

/// The origin of `monotonic-clock` instants: the first use in the process.
static START: LazyLock<Instant> = LazyLock::new(Instant::now);

pub(crate) fn monotonic_now() -> u64 {
    u64::try_from(START.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// A timer: ready once the deadline (nanoseconds on the monotonic clock)
/// has passed.
struct Deadline(u64);

#[async_trait::async_trait]
impl Pollable for Deadline {
    async fn ready(&mut self) {
        let now = monotonic_now();
        if self.0 > now {
            tokio::time::sleep(Duration::from_nanos(self.0 - now)).await;
        }
    }
}

impl WasiCtxView<'_> {
    fn deadline_pollable(&mut self, deadline: u64) -> Result<Resource<DynPollable>> {
        let timer = self.table.push(Deadline(deadline))?;
        super::subscribe(self.table, timer)
    }
}

impl monotonic_clock::Host for WasiCtxView<'_> {
    fn now(&mut self) -> Result<u64> {
        Ok(monotonic_now())
    }
    fn resolution(&mut self) -> Result<u64> {
        Ok(1)
    }
    fn subscribe_instant(&mut self, when: u64) -> Result<Resource<DynPollable>> {
        self.deadline_pollable(when)
    }
    fn subscribe_duration(&mut self, duration: u64) -> Result<Resource<DynPollable>> {
        let deadline = monotonic_now().saturating_add(duration);
        self.deadline_pollable(deadline)
    }
}

impl wall_clock::Host for WasiCtxView<'_> {
    fn now(&mut self) -> Result<wall_clock::Datetime> {
        let since = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Ok(wall_clock::Datetime {
            seconds: since.as_secs(),
            nanoseconds: since.subsec_nanos(),
        })
    }
    fn resolution(&mut self) -> Result<wall_clock::Datetime> {
        Ok(wall_clock::Datetime {
            seconds: 0,
            nanoseconds: 1,
        })
    }
}

fn bytes(rng: &mut (dyn RngCore + Send + Sync), len: u64) -> Result<Vec<u8>> {
    // A guest may not make the host allocate without bound.
    if len > 64 * 1024 * 1024 {
        wasmtime::bail!("too many random bytes requested: {len}");
    }
    let mut buf = vec![0; len as usize];
    rng.fill_bytes(&mut buf);
    Ok(buf)
}

impl random::Host for WasiCtxView<'_> {
    fn get_random_bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        bytes(&mut *self.ctx.random, len)
    }
    fn get_random_u64(&mut self) -> Result<u64> {
        Ok(self.ctx.random.next_u64())
    }
}

impl insecure::Host for WasiCtxView<'_> {
    fn get_insecure_random_bytes(&mut self, len: u64) -> Result<Vec<u8>> {
        bytes(&mut *self.ctx.insecure_random, len)
    }
    fn get_insecure_random_u64(&mut self) -> Result<u64> {
        Ok(self.ctx.insecure_random.next_u64())
    }
}

impl insecure_seed::Host for WasiCtxView<'_> {
    fn insecure_seed(&mut self) -> Result<(u64, u64)> {
        let seed = self.ctx.insecure_random_seed;
        Ok((seed as u64, (seed >> 64) as u64))
    }
}
