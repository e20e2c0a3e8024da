//! The on-disk compilation cache: misses compile and store an entry, hits
//! load it, a corrupted entry is ignored and replaced, and different
//! settings use different entries.

use std::path::{Path, PathBuf};
use wasmtime::*;

const WAT: &str = r#"(module
    (func (export "f") (param i32) (result i32)
        local.get 0 i32.const 3 i32.mul i32.const 1 i32.add))"#;

fn cache_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wasmtime-ours-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("modules"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn call(engine: &Engine, module: &Module, x: i32) -> Result<i32> {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[])?;
    instance
        .get_typed_func::<i32, i32>(&mut store, "f")?
        .call(&mut store, x)
}

fn config_with(cache: &Cache) -> Config {
    let mut config = Config::new();
    config.cache(Some(cache.clone()));
    config
}

#[test]
fn miss_then_hit() -> Result<()> {
    let dir = cache_dir("hit");
    let cache = Cache::new(CacheConfig::new().with_directory(&dir).clone())?;
    assert_eq!(cache.directory(), &dir);
    let engine = Engine::new(&config_with(&cache))?;

    let first = Module::new(&engine, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 1));
    assert_eq!(entries(&dir).len(), 1);
    assert_eq!(call(&engine, &first, 5)?, 16);

    let second = Module::new(&engine, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (1, 1));
    assert_eq!(call(&engine, &second, 7)?, 22);

    // A new engine with the same settings shares the entry.
    let engine2 = Engine::new(&config_with(&cache))?;
    let third = Module::new(&engine2, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (2, 1));
    assert_eq!(call(&engine2, &third, -1)?, -2);
    assert_eq!(entries(&dir).len(), 1);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn corrupt_entry_is_recompiled() -> Result<()> {
    let dir = cache_dir("corrupt");
    let cache = Cache::new(CacheConfig::new().with_directory(&dir).clone())?;
    let engine = Engine::new(&config_with(&cache))?;
    Module::new(&engine, WAT)?;
    let entry = entries(&dir).pop().expect("one entry");
    let good = std::fs::read(&entry)?;

    for bad in [b"garbage".to_vec(), good[..good.len() / 2].to_vec(), {
        let mut b = good.clone();
        let n = b.len();
        b[n - 40] ^= 0xff;
        b
    }] {
        std::fs::write(&entry, &bad)?;
        let misses = cache.cache_misses();
        let module = Module::new(&engine, WAT)?;
        assert_eq!(cache.cache_misses(), misses + 1);
        assert_eq!(call(&engine, &module, 2)?, 7);
        // The entry was rewritten and is usable again.
        let hits = cache.cache_hits();
        Module::new(&engine, WAT)?;
        assert_eq!(cache.cache_hits(), hits + 1);
    }
    assert_eq!(entries(&dir), [entry]);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn settings_and_bytes_are_part_of_the_key() -> Result<()> {
    let dir = cache_dir("key");
    let cache = Cache::new(CacheConfig::new().with_directory(&dir).clone())?;
    let engine = Engine::new(&config_with(&cache))?;
    Module::new(&engine, WAT)?;
    let mut config = config_with(&cache);
    config.cranelift_opt_level(OptLevel::None);
    let other = Engine::new(&config)?;
    let module = Module::new(&other, WAT)?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 2));
    assert_eq!(call(&other, &module, 1)?, 4);
    Module::new(&engine, WAT.replace("i32.const 3", "i32.const 4"))?;
    assert_eq!((cache.cache_hits(), cache.cache_misses()), (0, 3));
    assert_eq!(entries(&dir).len(), 3);
    // No temporary files are left behind.
    assert!(entries(&dir)
        .iter()
        .all(|p| p.extension().is_some_and(|e| e == "cwasm")));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn config_file_and_errors() -> Result<()> {
    let dir = cache_dir("file");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("config.toml");
    let cache_path = dir.join("store");
    std::fs::write(
        &file,
        format!(
            "[cache]\nenabled = true\ndirectory = \"{}\"\n",
            cache_path.display()
        ),
    )?;
    let mut config = Config::new();
    config.cache_config_load(&file)?;
    let engine = Engine::new(&config)?;
    Module::new(&engine, WAT)?;
    assert_eq!(entries(&cache_path).len(), 1);
    assert_eq!(Cache::from_file(Some(&file))?.directory(), &cache_path);

    std::fs::write(&file, "[cache]\nno-such-setting = 1\n")?;
    assert!(Cache::from_file(Some(&file)).is_err());
    assert!(Cache::from_file(Some(&dir.join("missing.toml"))).is_err());
    assert!(Cache::new(CacheConfig::new().with_directory("relative").clone()).is_err());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[test]
fn foreign_entry_is_a_miss() -> Result<()> {
    // A valid entry of another module, stored under this module's name, is
    // rejected before it is loaded: the module's own code runs.
    let dir = cache_dir("foreign");
    let cache = Cache::new(CacheConfig::new().with_directory(&dir).clone())?;
    let engine = Engine::new(&config_with(&cache))?;
    let other_wat = WAT.replace("i32.const 3", "i32.const 5");
    Module::new(&engine, WAT)?;
    let mine = entries(&dir).pop().expect("one entry");
    Module::new(&engine, &other_wat)?;
    let theirs = entries(&dir)
        .into_iter()
        .find(|e| *e != mine)
        .expect("a second entry");
    let mine_bytes = std::fs::read(&mine)?;
    std::fs::copy(&theirs, &mine)?;
    let (hits, misses) = (cache.cache_hits(), cache.cache_misses());
    let module = Module::new(&engine, WAT)?;
    assert_eq!(
        (cache.cache_hits(), cache.cache_misses()),
        (hits, misses + 1)
    );
    assert_eq!(call(&engine, &module, 5)?, 16);
    assert_eq!(std::fs::read(&mine)?, mine_bytes);
    // A bare artifact (as `Module::serialize` writes it) is not an entry
    // either, even for the right module.
    std::fs::write(&mine, module.serialize()?)?;
    let misses = cache.cache_misses();
    Module::new(&engine, WAT)?;
    assert_eq!(cache.cache_misses(), misses + 1);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
