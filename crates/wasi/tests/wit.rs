//! Parses the WIT trees that the WASI 0.2/0.3 and wasi-http host bindings
//! are generated from, and checks that the expected packages and worlds are
//! present with the expected shape.

use std::path::PathBuf;
use wit_parser::{Function, Interface, Resolve, Stability, World, WorldItem, WorldKey};

const P2: &str = "src/p2/wit";
const P3: &str = "src/p3/wit";
const HTTP_P2: &str = "../wasi-http/wit";
const HTTP_P3: &str = "../wasi-http/src/p3/wit";

/// Loads one WIT root (a directory with a `deps/` folder) relative to this
/// crate. `all_features` switches on every `@unstable` feature gate.
fn load(rel: &str, all_features: bool) -> Resolve {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut resolve = Resolve::new();
    resolve.all_features = all_features;
    resolve
        .push_path(&dir)
        .unwrap_or_else(|e| panic!("failed to parse {}: {e:?}", dir.display()));
    resolve
}

/// The sorted names (`ns:name@version`) of every package in `resolve`.
fn packages(resolve: &Resolve) -> Vec<String> {
    let mut names: Vec<String> = resolve
        .packages
        .iter()
        .map(|(_, p)| p.name.to_string())
        .collect();
    names.sort();
    names
}

/// Finds a world by its full id, such as `wasi:cli/command@0.2.12`.
fn world<'a>(resolve: &'a Resolve, id: &str) -> &'a World {
    resolve
        .worlds
        .iter()
        .map(|(_, w)| w)
        .find(|w| {
            let pkg = &resolve.packages[w.package.expect("world without package")].name;
            let full = match &pkg.version {
                Some(v) => format!("{}:{}/{}@{v}", pkg.namespace, pkg.name, w.name),
                None => format!("{}:{}/{}", pkg.namespace, pkg.name, w.name),
            };
            full == id
        })
        .unwrap_or_else(|| panic!("world `{id}` not found"))
}

/// Finds an interface by its full id, such as `wasi:io/poll@0.2.12`.
fn interface<'a>(resolve: &'a Resolve, id: &str) -> &'a Interface {
    resolve
        .interfaces
        .iter()
        .find(|(iid, _)| resolve.id_of(*iid).as_deref() == Some(id))
        .map(|(_, i)| i)
        .unwrap_or_else(|| panic!("interface `{id}` not found"))
}

/// Finds a function (`name`, or `[method]resource.name` etc.) in an interface.
fn function<'a>(resolve: &'a Resolve, iface: &str, name: &str) -> &'a Function {
    interface(resolve, iface)
        .functions
        .get(name)
        .unwrap_or_else(|| panic!("function `{name}` not found in `{iface}`"))
}

/// Names of a world's imports or exports, as `Resolve::name_world_key`
/// spells them.
fn keys(resolve: &Resolve, items: &wit_parser::IndexMap<WorldKey, WorldItem>) -> Vec<String> {
    items.keys().map(|k| resolve.name_world_key(k)).collect()
}

/// Asserts a world's import count, its exact export list, and that every
/// name in `must_import` is among its imports.
fn check_world(
    resolve: &Resolve,
    id: &str,
    imports: usize,
    exports: &[&str],
    must_import: &[&str],
) {
    let w = world(resolve, id);
    let imported = keys(resolve, &w.imports);
    assert_eq!(imported.len(), imports, "imports of `{id}`: {imported:?}");
    assert_eq!(keys(resolve, &w.exports), exports, "exports of `{id}`");
    for name in must_import {
        assert!(
            imported.iter().any(|i| i == name),
            "`{id}` does not import `{name}`: {imported:?}"
        );
    }
}

fn since(stability: &Stability) -> String {
    match stability {
        Stability::Stable { since, .. } => since.to_string(),
        other => panic!("expected a stable item, found {other:?}"),
    }
}

fn unstable_feature(stability: &Stability) -> &str {
    match stability {
        Stability::Unstable { feature, .. } => feature,
        other => panic!("expected an unstable item, found {other:?}"),
    }
}

#[test]
fn wasi_p2() {
    let r = load(P2, true);
    assert_eq!(
        packages(&r),
        [
            "wasi:cli@0.2.12",
            "wasi:clocks@0.2.12",
            "wasi:filesystem@0.2.12",
            "wasi:io@0.2.12",
            "wasi:random@0.2.12",
            "wasi:sockets@0.2.12",
            "wasmtime:wasi",
        ]
    );
    check_world(
        &r,
        "wasi:io/imports@0.2.12",
        3,
        &[],
        &["wasi:io/streams@0.2.12"],
    );
    check_world(
        &r,
        "wasi:clocks/imports@0.2.12",
        4,
        &[],
        &["wasi:clocks/timezone@0.2.12"],
    );
    check_world(&r, "wasi:random/imports@0.2.12", 3, &[], &[]);
    check_world(
        &r,
        "wasi:filesystem/imports@0.2.12",
        6,
        &[],
        &["wasi:filesystem/preopens@0.2.12"],
    );
    check_world(
        &r,
        "wasi:sockets/imports@0.2.12",
        11,
        &[],
        &["wasi:sockets/tcp@0.2.12"],
    );
    let cli = [
        "wasi:cli/environment@0.2.12",
        "wasi:cli/exit@0.2.12",
        "wasi:cli/terminal-stderr@0.2.12",
        "wasi:io/streams@0.2.12",
        "wasi:filesystem/types@0.2.12",
        "wasi:sockets/ip-name-lookup@0.2.12",
        "wasi:random/insecure-seed@0.2.12",
    ];
    check_world(&r, "wasi:cli/imports@0.2.12", 28, &[], &cli);
    check_world(
        &r,
        "wasi:cli/command@0.2.12",
        28,
        &["wasi:cli/run@0.2.12"],
        &cli,
    );
    check_world(&r, "wasmtime:wasi/bindings", 28, &[], &cli);
    assert_eq!(r.worlds.len(), 8);

    // Gates and signatures of a few individual items.
    assert_eq!(
        since(&function(&r, "wasi:cli/exit@0.2.12", "exit-with-code").stability),
        "0.2.12"
    );
    assert_eq!(
        since(&function(&r, "wasi:cli/exit@0.2.12", "exit").stability),
        "0.2.0"
    );
    let f = function(&r, "wasi:sockets/network@0.2.12", "network-error-code");
    assert_eq!(unstable_feature(&f.stability), "network-error-code");
    let f = function(
        &r,
        "wasi:io/streams@0.2.12",
        "[method]output-stream.blocking-splice",
    );
    assert_eq!(f.params.len(), 3);
    let f = function(
        &r,
        "wasi:sockets/udp@0.2.12",
        "[method]outgoing-datagram-stream.check-send",
    );
    assert!(f.stability.is_unknown(), "check-send carries no gate");
    assert_eq!(
        interface(&r, "wasi:filesystem/types@0.2.12")
            .functions
            .len(),
        29
    );
    assert_eq!(interface(&r, "wasi:sockets/tcp@0.2.12").functions.len(), 28);

    // Without the unstable features the timezone import disappears.
    let r = load(P2, false);
    check_world(&r, "wasi:clocks/imports@0.2.12", 3, &[], &[]);
    check_world(
        &r,
        "wasi:cli/command@0.2.12",
        27,
        &["wasi:cli/run@0.2.12"],
        &cli,
    );
}

#[test]
fn wasi_p3() {
    let r = load(P3, true);
    assert_eq!(
        packages(&r),
        [
            "wasi:cli@0.3.0",
            "wasi:clocks@0.3.0",
            "wasi:filesystem@0.3.0",
            "wasi:random@0.3.0",
            "wasi:sockets@0.3.0",
            "wasmtime:wasi",
        ]
    );
    check_world(
        &r,
        "wasi:clocks/imports@0.3.0",
        4,
        &[],
        &["wasi:clocks/system-clock@0.3.0"],
    );
    check_world(&r, "wasi:random/imports@0.3.0", 3, &[], &[]);
    check_world(
        &r,
        "wasi:filesystem/imports@0.3.0",
        4,
        &[],
        &["wasi:filesystem/preopens@0.3.0"],
    );
    check_world(
        &r,
        "wasi:sockets/imports@0.3.0",
        3,
        &[],
        &["wasi:sockets/ip-name-lookup@0.3.0"],
    );
    let cli = [
        "wasi:cli/types@0.3.0",
        "wasi:cli/stdin@0.3.0",
        "wasi:clocks/monotonic-clock@0.3.0",
        "wasi:filesystem/types@0.3.0",
        "wasi:sockets/types@0.3.0",
        "wasi:random/random@0.3.0",
    ];
    check_world(&r, "wasi:cli/imports@0.3.0", 22, &[], &cli);
    check_world(
        &r,
        "wasi:cli/command@0.3.0",
        22,
        &["wasi:cli/run@0.3.0"],
        &cli,
    );
    assert_eq!(r.worlds.len(), 6, "the p3 root package declares no world");

    // 0.3 uses async functions, streams and futures.
    assert!(function(&r, "wasi:cli/run@0.3.0", "run").kind.is_async());
    assert!(
        function(&r, "wasi:clocks/monotonic-clock@0.3.0", "wait-for")
            .kind
            .is_async()
    );
    assert!(!function(&r, "wasi:cli/stdin@0.3.0", "read-via-stream")
        .kind
        .is_async());
    assert!(
        function(&r, "wasi:sockets/types@0.3.0", "[method]tcp-socket.connect")
            .kind
            .is_async()
    );
    assert!(
        function(&r, "wasi:filesystem/types@0.3.0", "[method]descriptor.stat")
            .kind
            .is_async()
    );
    let f = function(&r, "wasi:clocks/timezone@0.3.0", "iana-id");
    assert_eq!(unstable_feature(&f.stability), "clocks-timezone");
    assert_eq!(
        since(&function(&r, "wasi:random/random@0.3.0", "get-random-u64").stability),
        "0.3.0"
    );
    assert_eq!(
        interface(&r, "wasi:filesystem/types@0.3.0").functions.len(),
        25
    );

    let r = load(P3, false);
    check_world(
        &r,
        "wasi:cli/command@0.3.0",
        21,
        &["wasi:cli/run@0.3.0"],
        &cli,
    );
}

#[test]
fn wasi_http_p2() {
    let r = load(HTTP_P2, true);
    assert_eq!(
        packages(&r),
        [
            "wasi:cli@0.2.12",
            "wasi:clocks@0.2.12",
            "wasi:filesystem@0.2.12",
            "wasi:http@0.2.12",
            "wasi:io@0.2.12",
            "wasi:random@0.2.12",
            "wasi:sockets@0.2.12",
            "wasmtime:wasi-http",
        ]
    );
    let imports = [
        "wasi:http/types@0.2.12",
        "wasi:http/outgoing-handler@0.2.12",
        "wasi:cli/stdout@0.2.12",
        "wasi:io/poll@0.2.12",
        "wasi:random/random@0.2.12",
    ];
    check_world(&r, "wasi:http/imports@0.2.12", 11, &[], &imports);
    let handler = ["wasi:http/incoming-handler@0.2.12"];
    check_world(&r, "wasi:http/proxy@0.2.12", 11, &handler, &imports);
    check_world(&r, "wasmtime:wasi-http/bindings", 11, &handler, &imports);
    check_world(
        &r,
        "wasi:cli/command@0.2.12",
        28,
        &["wasi:cli/run@0.2.12"],
        &[],
    );

    let f = function(
        &r,
        "wasi:http/types@0.2.12",
        "[method]response-outparam.send-informational",
    );
    assert_eq!(
        unstable_feature(&f.stability),
        "informational-outbound-responses"
    );
    let f = function(
        &r,
        "wasi:http/types@0.2.12",
        "[static]response-outparam.set",
    );
    assert_eq!(since(&f.stability), "0.2.0");
    let types = interface(&r, "wasi:http/types@0.2.12");
    let field_key = &r.types[types.types["field-key"]];
    match &field_key.stability {
        Stability::Stable { since, deprecated } => {
            assert_eq!(since.to_string(), "0.2.0");
            assert_eq!(
                deprecated.as_ref().map(|v| v.to_string()).as_deref(),
                Some("0.2.2")
            );
        }
        other => panic!("unexpected stability of field-key: {other:?}"),
    }
    assert_eq!(
        since(&r.types[types.types["field-name"]].stability),
        "0.2.1"
    );
    assert_eq!(types.functions.len(), 52);
    assert!(!load(HTTP_P2, false).interfaces.iter().any(|(_, i)| {
        i.functions
            .contains_key("[method]response-outparam.send-informational")
    }));
}

#[test]
fn wasi_http_p3() {
    let r = load(HTTP_P3, true);
    assert_eq!(
        packages(&r),
        [
            "wasi:cli@0.3.0",
            "wasi:clocks@0.3.0",
            "wasi:filesystem@0.3.0",
            "wasi:http@0.3.0",
            "wasi:random@0.3.0",
            "wasi:sockets@0.3.0",
            "wasmtime:wasi-http",
        ]
    );
    let imports = [
        "wasi:http/types@0.3.0",
        "wasi:http/client@0.3.0",
        "wasi:cli/stderr@0.3.0",
        "wasi:random/insecure-seed@0.3.0",
        // Last, so that `imports[..4]` below leaves out the gated import.
        "wasi:clocks/timezone@0.3.0",
    ];
    let handler = ["wasi:http/handler@0.3.0"];
    check_world(&r, "wasi:http/service@0.3.0", 13, &handler, &imports);
    check_world(&r, "wasmtime:wasi-http/bindings", 13, &handler, &imports);
    let mut middleware = imports.to_vec();
    middleware.push("wasi:http/handler@0.3.0");
    check_world(&r, "wasi:http/middleware@0.3.0", 14, &handler, &middleware);
    check_world(
        &r,
        "wasi:cli/command@0.3.0",
        22,
        &["wasi:cli/run@0.3.0"],
        &[],
    );

    assert!(function(&r, "wasi:http/handler@0.3.0", "handle")
        .kind
        .is_async());
    assert!(function(&r, "wasi:http/client@0.3.0", "send")
        .kind
        .is_async());
    let f = function(&r, "wasi:http/types@0.3.0", "[static]request.new");
    assert_eq!(f.params.len(), 4);
    assert!(f.stability.is_unknown(), "resource members carry no gate");

    let r = load(HTTP_P3, false);
    check_world(&r, "wasi:http/service@0.3.0", 12, &handler, &imports[..4]);
}
