//! Bindings generated from `wit/` for the world `wasi:http/proxy@0.2.12`.
//! `wasi:io`, `wasi:clocks`, `wasi:random` and `wasi:cli` are those of
//! [`wasmtime_wasi::p2::bindings`]; the `wasi:http/types` resources are
//! the types of [`crate::p2::types`] and [`crate::p2::body`]. The items
//! here call the `incoming-handler` export with `async`; [`sync`] calls it
//! without.

// Generated items carry no documentation of their own; the WIT files
// describe them.
#[allow(missing_docs)]
mod generated {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "wasi:http/proxy@0.2.12",
        imports: { default: trappable },
        exports: { default: async },
        require_store_data_send: true,
        with: {
            // The synchronous `wasi:io` (the same resource types as the
            // asynchronous one): `Proxy::add_to_linker` then works for any
            // store; `add_to_linker_async` defines the asynchronous one.
            "wasi:io/error": wasmtime_wasi::p2::bindings::io::error,
            "wasi:io/poll": wasmtime_wasi::p2::bindings::sync::io::poll,
            "wasi:io/streams": wasmtime_wasi::p2::bindings::sync::io::streams,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:random": wasmtime_wasi::p2::bindings::random,
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            "wasi:http/types.fields": crate::FieldMap,
            "wasi:http/types.request-options": crate::RequestOptions,
            "wasi:http/types.incoming-request": crate::p2::types::HostIncomingRequest,
            "wasi:http/types.outgoing-request": crate::p2::types::HostOutgoingRequest,
            "wasi:http/types.response-outparam": crate::p2::types::HostResponseOutparam,
            "wasi:http/types.incoming-response": crate::p2::types::HostIncomingResponse,
            "wasi:http/types.outgoing-response": crate::p2::types::HostOutgoingResponse,
            "wasi:http/types.future-incoming-response": crate::p2::types::HostFutureIncomingResponse,
            "wasi:http/types.incoming-body": crate::p2::body::HostIncomingBody,
            "wasi:http/types.outgoing-body": crate::p2::body::HostOutgoingBody,
            "wasi:http/types.future-trailers": crate::p2::body::HostFutureTrailers,
        },
        trappable_error_type: {
            "wasi:http/types.error-code" => crate::HttpError,
        },
    });
}

pub use generated::exports;
pub use generated::wasi::*;
pub use generated::{Proxy, ProxyIndices, ProxyPre};

/// The same world whose `incoming-handler` export is called without
/// `async`; the imports are shared with the parent module.
pub mod sync {
    #[allow(missing_docs)]
    mod generated {
        wasmtime::component::bindgen!({
            path: "wit",
            world: "wasi:http/proxy@0.2.12",
            imports: { default: trappable },
            require_store_data_send: true,
            with: {
                "wasi:http": crate::p2::bindings::http,
                "wasi:io/error": wasmtime_wasi::p2::bindings::io::error,
            "wasi:io/poll": wasmtime_wasi::p2::bindings::sync::io::poll,
            "wasi:io/streams": wasmtime_wasi::p2::bindings::sync::io::streams,
                "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
                "wasi:random": wasmtime_wasi::p2::bindings::random,
                "wasi:cli": wasmtime_wasi::p2::bindings::cli,
            },
        });
    }

    pub use generated::exports;
    pub use generated::{Proxy, ProxyIndices, ProxyPre};
}
