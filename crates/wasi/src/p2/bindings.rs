//! Bindings generated from the WASI 0.2 WIT (`src/p2/wit`) for the world
//! `wasi:cli/command`. The items here are the asynchronous flavour:
//! the functions that wait (`pollable.block`, `poll`, the `blocking-*`
//! stream functions) return futures and `Command::call_run` is `async`;
//! [`sync`] has the same world with every function synchronous, sharing
//! all other interfaces with these.
//!
//! Host implementations are on [`WasiCtxView`](crate::WasiCtxView); add
//! them to a linker with [`add_to_linker_async`](super::add_to_linker_async)
//! or [`add_to_linker_sync`](super::add_to_linker_sync).

// Generated items carry no documentation of their own; the WIT files
// describe them.
#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        path: "src/p2/wit",
        world: "wasi:cli/command@0.2.12",
        imports: {
            "wasi:io/poll.poll": async | trappable,
            "wasi:io/poll.[method]pollable.block": async | trappable,
            "wasi:io/streams.[method]input-stream.blocking-read": async | trappable,
            "wasi:io/streams.[method]input-stream.blocking-skip": async | trappable,
            "wasi:io/streams.[method]output-stream.blocking-write-and-flush": async | trappable,
            "wasi:io/streams.[method]output-stream.blocking-write-zeroes-and-flush": async | trappable,
            "wasi:io/streams.[method]output-stream.blocking-splice": async | trappable,
            "wasi:io/streams.[method]output-stream.blocking-flush": async | trappable,
            "wasi:io/streams.[drop]input-stream": async | trappable,
            "wasi:io/streams.[drop]output-stream": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        trappable_error_type: {
            "wasi:io/streams.stream-error" => crate::p2::StreamError,
            "wasi:filesystem/types.error-code" => crate::p2::FsError,
            "wasi:sockets/network.error-code" => crate::p2::SocketError,
        },
        with: {
            "wasi:io/error.error": wasmtime::Error,
            "wasi:io/poll.pollable": crate::p2::DynPollable,
            "wasi:io/streams.input-stream": crate::p2::DynInputStream,
            "wasi:io/streams.output-stream": crate::p2::DynOutputStream,
            "wasi:cli/terminal-input.terminal-input": crate::p2::TerminalInput,
            "wasi:cli/terminal-output.terminal-output": crate::p2::TerminalOutput,
            "wasi:filesystem/types.descriptor": crate::p2::filesystem::Descriptor,
            "wasi:filesystem/types.directory-entry-stream": crate::p2::filesystem::ReaddirIterator,
            "wasi:sockets/network.network": crate::p2::Network,
            "wasi:sockets/tcp.tcp-socket": crate::p2::TcpSocket,
            "wasi:sockets/udp.udp-socket": crate::p2::UdpSocket,
            "wasi:sockets/udp.incoming-datagram-stream": crate::p2::IncomingDatagramStream,
            "wasi:sockets/udp.outgoing-datagram-stream": crate::p2::OutgoingDatagramStream,
            "wasi:sockets/ip-name-lookup.resolve-address-stream": crate::p2::ResolveAddressStream,
        },
    });
}

pub use generated::exports;
pub use generated::wasi::*;
pub use generated::{Command, CommandIndices, CommandPre};

/// The same world with synchronous functions throughout: use with
/// [`add_to_linker_sync`](super::add_to_linker_sync) and stores called
/// without `async`.
pub mod sync {
    #[allow(missing_docs)]
    mod generated {
        wasmtime::component::bindgen!({
            path: "src/p2/wit",
            world: "wasi:cli/command@0.2.12",
            imports: { default: trappable },
            trappable_error_type: {
                "wasi:io/streams.stream-error" => crate::p2::StreamError,
            },
            with: {
                "wasi:io/error": crate::p2::bindings::io::error,
                "wasi:clocks": crate::p2::bindings::clocks,
                "wasi:random": crate::p2::bindings::random,
                "wasi:cli": crate::p2::bindings::cli,
                "wasi:filesystem": crate::p2::bindings::filesystem,
                "wasi:sockets": crate::p2::bindings::sockets,
                "wasi:io/poll.pollable": crate::p2::DynPollable,
                "wasi:io/streams.input-stream": crate::p2::DynInputStream,
                "wasi:io/streams.output-stream": crate::p2::DynOutputStream,
                "wasi:io/error.error": wasmtime::Error,
            },
        });
    }

    pub use generated::exports;
    pub use generated::wasi::*;
    pub use generated::{Command, CommandIndices, CommandPre};
}
