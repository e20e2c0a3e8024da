//! Profiling: `Config::profiler` announces compiled functions to perf
//! (perf map and jitdump files) and `GuestProfiler` samples the wasm stack
//! into a Firefox Profiler profile.

use std::time::Duration;
use wasmtime::{
    Config, Engine, GuestProfiler, Instance, Module, ProfilingStrategy, Store, UpdateDeadline,
};

const HOT: &str = r#"(module
  (func $hot_loop (export "run") (param i32) (result i32)
    (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (call $helper (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))
    (local.get 1))
  (func $helper (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 3))))"#;

#[test]
fn perf_map_names_every_function() {
    let mut config = Config::new();
    config.profiler(ProfilingStrategy::PerfMap);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, HOT).unwrap();
    let path = format!("/tmp/perf-{}.map", std::process::id());
    let map = std::fs::read_to_string(&path).unwrap();
    let mut names = Vec::new();
    for line in map.lines() {
        let mut parts = line.splitn(3, ' ');
        let start = usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
        let size = usize::from_str_radix(parts.next().unwrap(), 16).unwrap();
        assert!(start != 0 && size != 0, "{line}");
        names.push(parts.next().unwrap().to_string());
    }
    for name in ["hot_loop", "helper", "array_call hot_loop"] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }
    drop(module);
}

#[test]
fn jitdump_records_code_loads() {
    let mut config = Config::new();
    config.profiler(ProfilingStrategy::JitDump);
    let engine = Engine::new(&config).unwrap();
    let _module = Module::new(&engine, HOT).unwrap();
    let path = format!("jit-{}.dump", std::process::id());
    let bytes = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let u32_at = |o: usize| u32::from_ne_bytes(bytes[o..o + 4].try_into().unwrap());
    assert_eq!(u32_at(0), 0x4A69_5444, "magic");
    assert_eq!(u32_at(4), 1, "version");
    assert_eq!(u32_at(8), 40, "header size");
    // Walk the records: each a JIT_CODE_LOAD (id 0) naming a function.
    let mut offset = 40;
    let mut names = Vec::new();
    while offset < bytes.len() {
        assert_eq!(u32_at(offset), 0, "record id");
        let size = u32_at(offset + 4) as usize;
        let name_start = offset + 16 + 40;
        let name_end = name_start + bytes[name_start..].iter().position(|b| *b == 0).unwrap();
        names.push(String::from_utf8(bytes[name_start..name_end].to_vec()).unwrap());
        let code_size = u64::from_ne_bytes(bytes[offset + 40..offset + 48].try_into().unwrap());
        assert_eq!(
            size,
            16 + 40 + names.last().unwrap().len() + 1 + code_size as usize
        );
        offset += size;
    }
    assert_eq!(offset, bytes.len());
    assert!(names.iter().any(|n| n == "hot_loop"), "{names:?}");
    assert!(names.iter().any(|n| n == "helper"), "{names:?}");
}

#[test]
fn vtune_is_a_clear_error() {
    let mut config = Config::new();
    config.profiler(ProfilingStrategy::VTune);
    let err = Engine::new(&config).unwrap_err();
    assert!(err.to_string().contains("VTune"), "{err}");
}

#[test]
fn guest_profile_names_the_sampled_functions() {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, HOT).unwrap();
    let profiler = GuestProfiler::new(
        &engine,
        "hot",
        Duration::from_millis(1),
        [("hot".to_string(), module.clone())],
    )
    .unwrap();
    let mut store = Store::new(&engine, Some(profiler));
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut cx| {
        let mut profiler = cx.data_mut().take().unwrap();
        profiler.sample(&cx, Duration::from_millis(1));
        *cx.data_mut() = Some(profiler);
        Ok(UpdateDeadline::Continue(1))
    });
    // Ticks every millisecond while the guest runs.
    let ticker = {
        let engine = engine.clone();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        let handle = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                engine.increment_epoch();
            }
        });
        (done, handle)
    };
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let start = std::time::Instant::now();
    // Run until a few samples are in (each call is a few ms).
    while start.elapsed() < Duration::from_millis(300) {
        run.call(&mut store, 3_000_000).unwrap();
    }
    ticker.0.store(true, std::sync::atomic::Ordering::Relaxed);
    ticker.1.join().unwrap();
    let profiler = store.data_mut().take().unwrap();
    let mut json = Vec::new();
    profiler.finish(&mut json).unwrap();
    let profile: serde_json::Value = serde_json::from_slice(&json).unwrap();
    // The processed format: a meta object and threads with samples; the
    // function names are in the (shared or per-thread) string table.
    assert!(profile["meta"].is_object());
    let text = String::from_utf8(json).unwrap();
    assert!(text.contains("\"hot_loop\""), "{text}");
    let thread = &profile["threads"][0];
    let samples = &thread["samples"];
    let count = samples["length"]
        .as_u64()
        .or_else(|| samples["stack"].as_array().map(|a| a.len() as u64))
        .unwrap_or(0);
    assert!(count > 0, "{samples}");
}
