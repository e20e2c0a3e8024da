//! `wasi:cli@0.3.0`: `environment`, `exit`, the standard streams (`stdin`,
//! `stdout`, `stderr` as `stream<u8>` with a result future) and the
//! terminal interfaces, on the store's [`WasiCtx`](crate::WasiCtx).

use super::streams::{outcome, ByteSink, ByteSource, Outcome, ReadProducer, WriteConsumer};
use crate::cli::{StdinStream, StdoutStream};
use crate::p2::{TerminalInput, TerminalOutput};
use crate::{I32Exit, WasiView};
use std::io;
use std::sync::Arc;
use wasmtime::component::{
    ComponentType, FutureReader, Lift, Linker, Lower, Resource, ResourceType, StreamReader,
};
use wasmtime::StoreContextMut;

/// `wasi:cli/types.error-code`: why a standard stream stopped.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(enum)]
#[repr(u8)]
pub enum ErrorCode {
    /// An I/O error in the underlying stream.
    #[component(name = "io")]
    Io,
    /// The data could not be encoded or decoded.
    #[component(name = "illegal-byte-sequence")]
    IllegalByteSequence,
    /// The reader on the other end has gone away.
    #[component(name = "pipe")]
    Pipe,
}

impl ErrorCode {
    fn of(err: &io::Error) -> ErrorCode {
        match err.kind() {
            io::ErrorKind::BrokenPipe => ErrorCode::Pipe,
            io::ErrorKind::InvalidData => ErrorCode::IllegalByteSequence,
            _ => ErrorCode::Io,
        }
    }
}

/// Standard input as a byte source.
struct StdinSource(Arc<dyn StdinStream>);

impl ByteSource for StdinSource {
    fn read_chunk(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; max];
        loop {
            match self.0.read(&mut buf) {
                Ok(n) => {
                    buf.truncate(n);
                    return Ok(buf);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Standard output or error as a byte sink.
struct StdoutSink(Arc<dyn StdoutStream>);

impl ByteSink for StdoutSink {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.0.write_all(data)
    }
}

type StreamResultFuture = FutureReader<Result<(), ErrorCode>>;

/// Pipes the guest's `data` stream into `out`, and returns the future of
/// how it ended.
fn write_via_stream<T: WasiView + 'static>(
    mut store: StoreContextMut<'_, T>,
    data: StreamReader<u8>,
    out: Arc<dyn StdoutStream>,
) -> wasmtime::Result<StreamResultFuture> {
    let (tx, rx) = Outcome::new();
    data.pipe(
        &mut store,
        WriteConsumer::new(StdoutSink(out), tx, ErrorCode::of),
    )?;
    FutureReader::new(&mut store, async move {
        Ok::<_, wasmtime::Error>(outcome(rx).await)
    })
}

/// Defines every `wasi:cli@0.3.0` interface in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut env = linker.instance("wasi:cli/environment@0.3.0")?;
    env.func_wrap(
        "get-environment",
        |mut store: StoreContextMut<'_, T>, (): ()| Ok((store.data_mut().ctx().ctx.env.clone(),)),
    )?;
    env.func_wrap(
        "get-arguments",
        |mut store: StoreContextMut<'_, T>, (): ()| Ok((store.data_mut().ctx().ctx.args.clone(),)),
    )?;
    env.func_wrap("get-initial-cwd", |_: StoreContextMut<'_, T>, (): ()| {
        Ok((None::<String>,))
    })?;

    let mut exit = linker.instance("wasi:cli/exit@0.3.0")?;
    exit.func_wrap(
        "exit",
        |_: StoreContextMut<'_, T>, (status,): (Result<(), ()>,)| -> wasmtime::Result<()> {
            Err(I32Exit(if status.is_ok() { 0 } else { 1 }).into())
        },
    )?;
    exit.func_wrap(
        "exit-with-code",
        |_: StoreContextMut<'_, T>, (code,): (u8,)| -> wasmtime::Result<()> {
            Err(I32Exit(code.into()).into())
        },
    )?;

    linker.instance("wasi:cli/types@0.3.0")?;

    linker.instance("wasi:cli/stdin@0.3.0")?.func_wrap(
        "read-via-stream",
        |mut store: StoreContextMut<'_, T>, (): ()| {
            let stdin = store.data_mut().ctx().ctx.stdin.clone();
            let (tx, rx) = Outcome::new();
            let producer = ReadProducer::new(StdinSource(stdin), true, tx, ErrorCode::of);
            let stream = StreamReader::new(&mut store, producer)?;
            let future: StreamResultFuture = FutureReader::new(&mut store, async move {
                Ok::<_, wasmtime::Error>(outcome(rx).await)
            })?;
            Ok(((stream, future),))
        },
    )?;
    linker.instance("wasi:cli/stdout@0.3.0")?.func_wrap(
        "write-via-stream",
        |mut store: StoreContextMut<'_, T>, (data,): (StreamReader<u8>,)| {
            let out = store.data_mut().ctx().ctx.stdout.clone();
            Ok((write_via_stream(store, data, out)?,))
        },
    )?;
    linker.instance("wasi:cli/stderr@0.3.0")?.func_wrap(
        "write-via-stream",
        |mut store: StoreContextMut<'_, T>, (data,): (StreamReader<u8>,)| {
            let out = store.data_mut().ctx().ctx.stderr.clone();
            Ok((write_via_stream(store, data, out)?,))
        },
    )?;

    linker.instance("wasi:cli/terminal-input@0.3.0")?.resource(
        "terminal-input",
        ResourceType::host::<TerminalInput>(),
        |mut store: StoreContextMut<'_, T>, rep| {
            store
                .data_mut()
                .ctx()
                .table
                .delete(Resource::<TerminalInput>::new_own(rep))?;
            Ok(())
        },
    )?;
    linker
        .instance("wasi:cli/terminal-output@0.3.0")?
        .resource(
            "terminal-output",
            ResourceType::host::<TerminalOutput>(),
            |mut store: StoreContextMut<'_, T>, rep| {
                store
                    .data_mut()
                    .ctx()
                    .table
                    .delete(Resource::<TerminalOutput>::new_own(rep))?;
                Ok(())
            },
        )?;
    linker
        .instance("wasi:cli/terminal-stdin@0.3.0")?
        .func_wrap(
            "get-terminal-stdin",
            |mut store: StoreContextMut<'_, T>, (): ()| {
                let view = store.data_mut().ctx();
                Ok((match view.ctx.stdin.is_terminal() {
                    true => Some(view.table.push(TerminalInput)?),
                    false => None,
                },))
            },
        )?;
    for (iface, func, stderr) in [
        (
            "wasi:cli/terminal-stdout@0.3.0",
            "get-terminal-stdout",
            false,
        ),
        (
            "wasi:cli/terminal-stderr@0.3.0",
            "get-terminal-stderr",
            true,
        ),
    ] {
        linker.instance(iface)?.func_wrap(
            func,
            move |mut store: StoreContextMut<'_, T>, (): ()| {
                let view = store.data_mut().ctx();
                let out = if stderr {
                    &view.ctx.stderr
                } else {
                    &view.ctx.stdout
                };
                Ok((match out.is_terminal() {
                    true => Some(view.table.push(TerminalOutput)?),
                    false => None,
                },))
            },
        )?;
    }
    Ok(())
}
