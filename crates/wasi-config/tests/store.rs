//! `wasi:config/store` driven by a component: the hand-written
//! `tests/components/wasi-config.wat` forwards its root exports `get` and
//! `get-all` to the imported interface, so each test sets variables on the
//! host and reads them back through the guest.

use wasmtime::component::{
    Component, ComponentNamedList, Instance, Lift, Linker, Lower, ResourceTable,
};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};

const COMPONENT: &str = include_str!("../../../tests/components/wasi-config.wat");

struct Host {
    vars: WasiConfigVariables,
}

struct Guest {
    store: Store<Host>,
    instance: Instance,
}

impl Guest {
    fn new(vars: WasiConfigVariables) -> Guest {
        let engine = Engine::default();
        let component = Component::new(&engine, COMPONENT).unwrap();
        let mut linker = Linker::<Host>::new(&engine);
        wasmtime_wasi_config::add_to_linker(&mut linker, |h: &mut Host| WasiConfig::from(&h.vars))
            .unwrap();
        let mut store = Store::new(&engine, Host { vars });
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

    fn get(&mut self, key: &str) -> Option<String> {
        self.call::<(&str,), (Option<String>,)>("get", (key,)).0
    }

    fn get_all(&mut self) -> Vec<(String, String)> {
        self.call::<(), (Vec<(String, String)>,)>("get-all", ()).0
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn get_reads_variables_and_none_for_missing_ones() {
    let mut g = Guest::new(WasiConfigVariables::from_iter([
        ("hello", "world"),
        ("empty", ""),
    ]));
    assert_eq!(g.get("hello").as_deref(), Some("world"));
    assert_eq!(g.get("empty").as_deref(), Some(""));
    assert_eq!(g.get("missing"), None);
    // Names are case-sensitive.
    assert_eq!(g.get("HELLO"), None);
}

#[test]
fn get_all_lists_every_variable_by_name() {
    let mut vars = WasiConfigVariables::new();
    vars.insert("b", "2").insert("a", "1");
    vars.insert(String::from("c"), String::from("3"));
    // A later value for a name replaces the earlier one.
    vars.insert("a", "one");
    let mut g = Guest::new(vars);
    assert_eq!(g.get_all(), pairs(&[("a", "one"), ("b", "2"), ("c", "3")]));
}

#[test]
fn no_variables_reads_as_empty() {
    let mut g = Guest::new(WasiConfigVariables::default());
    assert_eq!(g.get_all(), Vec::new());
    assert_eq!(g.get("anything"), None);
}

#[test]
fn host_changes_between_calls_are_seen() {
    let mut g = Guest::new(WasiConfigVariables::from_iter([("k", "v1")]));
    assert_eq!(g.get("k").as_deref(), Some("v1"));
    g.store.data_mut().vars.insert("k", "v2");
    assert_eq!(g.get("k").as_deref(), Some("v2"));
}

#[test]
fn from_iter_keeps_the_last_duplicate() {
    let vars: WasiConfigVariables = vec![
        ("x".to_string(), "1".to_string()),
        ("x".to_string(), "2".to_string()),
    ]
    .into_iter()
    .collect();
    let mut g = Guest::new(vars);
    assert_eq!(g.get_all(), pairs(&[("x", "2")]));
}

#[test]
fn unlinked_interface_fails_instantiation() {
    let engine = Engine::default();
    let component = Component::new(&engine, COMPONENT).unwrap();
    let linker = Linker::<Host>::new(&engine);
    let mut store = Store::new(
        &engine,
        Host {
            vars: WasiConfigVariables::new(),
        },
    );
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("wasi:config/store@0.2.0-rc.1"), "{text}");
}

/// The setup of the crate docs: WASI 0.2 and `wasi:config` in one linker,
/// the guest called asynchronously.
struct WasiHost {
    table: ResourceTable,
    wasi: WasiCtx,
    vars: WasiConfigVariables,
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
    wasmtime_wasi_config::add_to_linker(&mut linker, |h: &mut WasiHost| WasiConfig::new(&h.vars))?;
    let host = WasiHost {
        table: ResourceTable::new(),
        wasi: WasiCtx::builder().build(),
        vars: WasiConfigVariables::from_iter([("region", "eu")]),
    };
    let mut store = Store::new(&engine, host);
    let instance = linker.instantiate_async(&mut store, &component).await?;
    let get = instance.get_typed_func::<(&str,), (Option<String>,)>(&mut store, "get")?;
    let (value,) = get.call_async(&mut store, ("region",)).await?;
    assert_eq!(value.as_deref(), Some("eu"));
    Ok(())
}
