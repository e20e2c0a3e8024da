//! `wasi:keyvalue` (`store`, `atomics`, `batch`) driven by a component: the
//! hand-written `tests/components/wasi-keyvalue.wat` mirrors the bucket's
//! functions as root exports (errors as strings), holding one bucket that
//! it opens with identifier "" when none is open.

use wasmtime::component::{
    Component, ComponentNamedList, Instance, Lift, Linker, Lower, ResourceTable,
};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_keyvalue::{WasiKeyValue, WasiKeyValueCtx, WasiKeyValueCtxBuilder};

const COMPONENT: &str = include_str!("../../../tests/components/wasi-keyvalue.wat");

struct Host {
    table: ResourceTable,
    keyvalue: WasiKeyValueCtx,
}

type Res<T> = Result<T, String>;
/// What `get-many` returns: an entry or `none` per key.
type Entries = Vec<Option<(String, Vec<u8>)>>;

struct Guest {
    store: Store<Host>,
    instance: Instance,
}

impl Guest {
    fn new(data: &[(&str, &str)]) -> Guest {
        let ctx = WasiKeyValueCtxBuilder::new()
            .in_memory_data(data.iter().map(|(k, v)| (*k, v.as_bytes())))
            .build();
        Guest::with_ctx(ctx)
    }

    fn with_ctx(keyvalue: WasiKeyValueCtx) -> Guest {
        let engine = Engine::default();
        let component = Component::new(&engine, COMPONENT).unwrap();
        let mut linker = Linker::<Host>::new(&engine);
        wasmtime_wasi_keyvalue::add_to_linker(&mut linker, |h: &mut Host| {
            WasiKeyValue::new(&h.keyvalue, &mut h.table)
        })
        .unwrap();
        let host = Host {
            table: ResourceTable::new(),
            keyvalue,
        };
        let mut store = Store::new(&engine, host);
        let instance = linker.instantiate(&mut store, &component).unwrap();
        Guest { store, instance }
    }

    fn call<P, R>(&mut self, name: &str, params: P) -> R
    where
        P: ComponentNamedList + Lower,
        R: ComponentNamedList + Lift,
    {
        let f = self
            .instance
            .get_typed_func::<P, R>(&mut self.store, name)
            .unwrap();
        f.call(&mut self.store, params).unwrap()
    }

    fn open(&mut self, id: &str) -> Res<()> {
        self.call::<(&str,), (Res<()>,)>("open", (id,)).0
    }
    fn close(&mut self) {
        self.call::<(), ()>("close", ())
    }
    fn get(&mut self, key: &str) -> Res<Option<Vec<u8>>> {
        self.call::<(&str,), (Res<Option<Vec<u8>>>,)>("get", (key,))
            .0
    }
    fn set(&mut self, key: &str, value: &[u8]) -> Res<()> {
        self.call::<(&str, &[u8]), (Res<()>,)>("set", (key, value))
            .0
    }
    fn delete(&mut self, key: &str) -> Res<()> {
        self.call::<(&str,), (Res<()>,)>("delete", (key,)).0
    }
    fn exists(&mut self, key: &str) -> Res<bool> {
        self.call::<(&str,), (Res<bool>,)>("exists", (key,)).0
    }
    fn list_keys(&mut self, cursor: Option<u64>) -> Res<(Vec<String>, Option<u64>)> {
        self.call::<(Option<u64>,), (Res<(Vec<String>, Option<u64>)>,)>("list-keys", (cursor,))
            .0
    }
    fn increment(&mut self, key: &str, delta: u64) -> Res<u64> {
        self.call::<(&str, u64), (Res<u64>,)>("increment", (key, delta))
            .0
    }
    fn get_many(&mut self, keys: &[&str]) -> Res<Entries> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        self.call::<(Vec<String>,), (Res<Entries>,)>("get-many", (keys,))
            .0
    }
    fn set_many(&mut self, pairs: &[(&str, &[u8])]) -> Res<()> {
        let pairs: Vec<(String, Vec<u8>)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        self.call::<(Vec<(String, Vec<u8>)>,), (Res<()>,)>("set-many", (pairs,))
            .0
    }
    fn delete_many(&mut self, keys: &[&str]) -> Res<()> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        self.call::<(Vec<String>,), (Res<()>,)>("delete-many", (keys,))
            .0
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn only_the_empty_identifier_opens() {
    let mut g = Guest::new(&[]);
    assert_eq!(g.open("redis://x"), Err("no-such-store".to_string()));
    assert_eq!(g.open("default"), Err("no-such-store".to_string()));
    assert_eq!(g.open(""), Ok(()));
}

#[test]
fn single_entries_round_trip() {
    let mut g = Guest::new(&[("greeting", "hi")]);
    assert_eq!(g.get("greeting"), Ok(Some(b"hi".to_vec())));
    assert_eq!(g.exists("greeting"), Ok(true));
    assert_eq!(g.get("other"), Ok(None));
    assert_eq!(g.exists("other"), Ok(false));

    assert_eq!(g.set("other", &[0, 255, 7]), Ok(()));
    assert_eq!(g.get("other"), Ok(Some(vec![0, 255, 7])));
    assert_eq!(g.set("other", b""), Ok(()));
    assert_eq!(g.get("other"), Ok(Some(Vec::new())));
    assert_eq!(g.exists("other"), Ok(true));

    assert_eq!(g.delete("greeting"), Ok(()));
    assert_eq!(g.get("greeting"), Ok(None));
    assert_eq!(g.exists("greeting"), Ok(false));
    // Deleting a missing key is not an error.
    assert_eq!(g.delete("greeting"), Ok(()));
}

#[test]
fn every_open_starts_from_the_preset_data() {
    let mut g = Guest::new(&[("k", "preset")]);
    assert_eq!(g.set("k", b"changed"), Ok(()));
    assert_eq!(g.set("new", b"1"), Ok(()));
    assert_eq!(g.get("k"), Ok(Some(b"changed".to_vec())));
    // A new bucket is a new copy of the context's data.
    assert_eq!(g.open(""), Ok(()));
    assert_eq!(g.get("k"), Ok(Some(b"preset".to_vec())));
    assert_eq!(g.exists("new"), Ok(false));
    // So is the one opened after `close`.
    assert_eq!(g.set("k", b"again"), Ok(()));
    g.close();
    assert_eq!(g.get("k"), Ok(Some(b"preset".to_vec())));
}

#[test]
fn list_keys_pages_from_the_cursor() {
    let mut g = Guest::new(&[("c", "3"), ("a", "1"), ("b", "2")]);
    // One page with every key (sorted), and no further cursor.
    assert_eq!(g.list_keys(None), Ok((strings(&["a", "b", "c"]), None)));
    assert_eq!(g.list_keys(Some(0)), Ok((strings(&["a", "b", "c"]), None)));
    assert_eq!(g.list_keys(Some(2)), Ok((strings(&["c"]), None)));
    assert_eq!(g.list_keys(Some(3)), Ok((Vec::new(), None)));
    // A cursor past the end is an empty page, never a failure.
    assert_eq!(g.list_keys(Some(u64::MAX)), Ok((Vec::new(), None)));
    assert_eq!(g.delete_many(&["a", "b", "c"]), Ok(()));
    assert_eq!(g.list_keys(None), Ok((Vec::new(), None)));
}

#[test]
fn increment_counts_in_decimal_text() {
    let mut g = Guest::new(&[("n", "10")]);
    assert_eq!(g.increment("n", 5), Ok(15));
    assert_eq!(g.get("n"), Ok(Some(b"15".to_vec())));
    assert_eq!(g.increment("n", 0), Ok(15));
    // A missing key starts from zero.
    assert_eq!(g.increment("fresh", 7), Ok(7));
    assert_eq!(g.get("fresh"), Ok(Some(b"7".to_vec())));
}

#[test]
fn increment_failures_are_other_errors() {
    let mut g = Guest::new(&[
        ("text", "ten"),
        ("max", "18446744073709551615"),
        ("negative", "-1"),
    ]);
    assert_eq!(
        g.increment("text", 1),
        Err("invalid digit found in string".to_string())
    );
    assert_eq!(
        g.increment("negative", 1),
        Err("invalid digit found in string".to_string())
    );
    assert_eq!(
        g.increment("max", 1),
        Err("overflow incrementing value".to_string())
    );
    // A failed increment leaves the value alone.
    assert_eq!(g.get("max"), Ok(Some(b"18446744073709551615".to_vec())));
    assert_eq!(g.increment("max", 0), Ok(u64::MAX));
    assert_eq!(g.set("bytes", &[0xff]), Ok(()));
    assert_eq!(
        g.increment("bytes", 1),
        Err("invalid utf-8 sequence of 1 bytes from index 0".to_string())
    );
    assert_eq!(g.set("empty", b""), Ok(()));
    assert_eq!(
        g.increment("empty", 1),
        Err("cannot parse integer from empty string".to_string())
    );
}

#[test]
fn batches_act_on_many_keys() {
    let mut g = Guest::new(&[("a", "1"), ("b", "2")]);
    assert_eq!(
        g.get_many(&["b", "missing", "a", "b"]),
        Ok(vec![
            Some(("b".to_string(), b"2".to_vec())),
            None,
            Some(("a".to_string(), b"1".to_vec())),
            Some(("b".to_string(), b"2".to_vec())),
        ])
    );
    assert_eq!(g.get_many(&[]), Ok(Vec::new()));
    assert_eq!(
        g.set_many(&[("x", b"10"), ("a", b"new"), ("x", b"11")]),
        Ok(())
    );
    assert_eq!(g.get("a"), Ok(Some(b"new".to_vec())));
    // The last pair for a key wins.
    assert_eq!(g.get("x"), Ok(Some(b"11".to_vec())));
    assert_eq!(g.delete_many(&["a", "nothing", "x"]), Ok(()));
    assert_eq!(g.list_keys(None), Ok((strings(&["b"]), None)));
}

#[test]
fn builder_replaces_earlier_data() {
    let ctx = WasiKeyValueCtx::builder()
        .in_memory_data([("old", "1")])
        .in_memory_data(vec![("new".to_string(), vec![2u8])])
        .build();
    let mut g = Guest::with_ctx(ctx);
    assert_eq!(g.list_keys(None), Ok((strings(&["new"]), None)));
    assert_eq!(g.get("new"), Ok(Some(vec![2])));
}

#[test]
fn closing_frees_the_bucket() {
    let mut g = Guest::new(&[]);
    assert_eq!(g.open(""), Ok(()));
    assert_eq!(g.set("k", b"v"), Ok(()));
    assert!(!g.store.data().table.is_empty());
    g.close();
    // Dropping the guest's handle removed the bucket from the table.
    assert!(g.store.data().table.is_empty());
}

#[test]
fn unlinked_interfaces_fail_instantiation() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let linker = Linker::<Host>::new(&engine);
    let mut store = Store::new(
        &engine,
        Host {
            table: ResourceTable::new(),
            keyvalue: WasiKeyValueCtxBuilder::new().build(),
        },
    );
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("wasi:keyvalue/store@0.2.0-draft"), "{text}");
}

/// The setup of the crate docs and of `wasmtime run`: WASI 0.2 and
/// `wasi:keyvalue` sharing one resource table, the guest called
/// asynchronously.
struct WasiHost {
    table: ResourceTable,
    wasi: WasiCtx,
    keyvalue: WasiKeyValueCtx,
}

impl WasiView for WasiHost {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

#[tokio::test]
async fn works_next_to_wasi_p2_async() -> anyhow::Result<()> {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT)?;
    let mut linker = Linker::<WasiHost>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_keyvalue::add_to_linker(&mut linker, |h: &mut WasiHost| {
        WasiKeyValue::new(&h.keyvalue, &mut h.table)
    })?;
    let host = WasiHost {
        table: ResourceTable::new(),
        wasi: WasiCtx::builder().build(),
        keyvalue: WasiKeyValueCtxBuilder::new()
            .in_memory_data([("visits", "41")])
            .build(),
    };
    let mut store = Store::new(&engine, host);
    let instance = linker.instantiate_async(&mut store, &component).await?;
    let inc = instance.get_typed_func::<(&str, u64), (Res<u64>,)>(&mut store, "increment")?;
    let (value,) = inc.call_async(&mut store, ("visits", 1)).await?;
    assert_eq!(value, Ok(42));
    Ok(())
}
