//! The compilation cache of `wasmtime run`: on by default (`-C cache=n`
//! turns it off, `-C cache-config=FILE` picks its configuration), and a
//! broken cache (a directory that cannot be created, entries that cannot be
//! written, corrupted or foreign entries) never fails a run nor runs the
//! wrong code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn program(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/wasi-programs")
        .join(format!("{name}.wasm"))
        .to_string_lossy()
        .into_owned()
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wasmtime-cli-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary with `home` as its only source of cache settings: the
/// default cache lives in `home/cache/wasmtime-ours`, the default
/// configuration file would be `home/config/wasmtime/config.toml`.
fn wasmtime(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmtime"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("failed to start the wasmtime binary")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `.cwasm` entries in a cache directory, sorted.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache.join("modules"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn assert_hello(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}, stderr: {}",
        o.status,
        err(o)
    );
    assert_eq!(out(o), "Hello, world!\n");
}

#[test]
fn cache_is_on_by_default_and_reused() {
    let home = temp_dir("default");
    let cache = home.join("cache/wasmtime-ours");
    let hello = program("hello");
    assert_hello(&wasmtime(&home, &["run", &hello]));
    let first = entries(&cache);
    assert_eq!(first.len(), 1, "one entry after the first run");
    let bytes = std::fs::read(&first[0]).unwrap();
    // A second run uses (and keeps) the same entry; so does the shorthand.
    assert_hello(&wasmtime(&home, &["run", &hello]));
    assert_hello(&wasmtime(&home, &[&hello]));
    assert_eq!(entries(&cache), first);
    assert_eq!(std::fs::read(&first[0]).unwrap(), bytes);
    // Different settings are a different entry.
    assert_hello(&wasmtime(&home, &["run", "-O", "opt-level=0", &hello]));
    assert_eq!(entries(&cache).len(), 2);
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn cache_n_writes_nothing() {
    let home = temp_dir("off");
    let hello = program("hello");
    for flags in [
        &["-C", "cache=n"][..],
        &["-Ccache=no"],
        &["--codegen", "cache=false"],
    ] {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.push(&hello);
        assert_hello(&wasmtime(&home, &args));
    }
    assert!(
        !home.join("cache").exists(),
        "no cache directory was created"
    );
    // The last flag wins.
    assert_hello(&wasmtime(
        &home,
        &["run", "-C", "cache=n", "-C", "cache=y", &hello],
    ));
    assert_eq!(entries(&home.join("cache/wasmtime-ours")).len(), 1);
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn cache_config_file() {
    let home = temp_dir("config");
    let store = home.join("elsewhere");
    let file = home.join("my-cache.toml");
    std::fs::write(
        &file,
        format!("[cache]\ndirectory = \"{}\"\n", store.display()),
    )
    .unwrap();
    let hello = program("hello");
    let flag = format!("cache-config={}", file.display());
    assert_hello(&wasmtime(&home, &["run", "-C", &flag, &hello]));
    assert_eq!(entries(&store).len(), 1);
    assert!(!home.join("cache").exists());

    // The default configuration file is read when present.
    let default_file = home.join("config/wasmtime/config.toml");
    std::fs::create_dir_all(default_file.parent().unwrap()).unwrap();
    let store2 = home.join("from-default-file");
    std::fs::write(
        &default_file,
        format!("[cache]\ndirectory = \"{}\"\n", store2.display()),
    )
    .unwrap();
    assert_hello(&wasmtime(&home, &["run", &hello]));
    assert_eq!(entries(&store2).len(), 1);

    // As in the reference CLI, a configuration file that cannot be read or
    // parsed is an error, reported on one line.
    for bad in [
        format!("cache-config={}", home.join("missing.toml").display()),
        {
            let f = home.join("bad.toml");
            std::fs::write(&f, "[cache]\nno-such-key = 1\n").unwrap();
            format!("cache-config={}", f.display())
        },
    ] {
        let o = wasmtime(&home, &["run", "-C", &bad, &hello]);
        assert_eq!(o.status.code(), Some(1), "{bad}: {}", err(&o));
        assert!(err(&o).contains("config file"), "{}", err(&o));
        assert_eq!(err(&o).trim_end().lines().count(), 1, "{}", err(&o));
        assert_eq!(out(&o), "");
    }
    // Unknown -C keys and missing values are usage errors.
    for bad in ["no-such-option=1", "cache=maybe", "cache-config"] {
        let o = wasmtime(&home, &["run", "-C", bad, &hello]);
        assert_eq!(o.status.code(), Some(2), "-C {bad}: {}", err(&o));
    }
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn unusable_cache_directory_falls_back_to_compiling() {
    let home = temp_dir("unusable");
    let hello = program("hello");
    // The cache directory cannot be created: a file is in the way.
    std::fs::write(home.join("cache"), b"not a directory").unwrap();
    assert_hello(&wasmtime(&home, &["run", &hello]));
    assert_eq!(err(&wasmtime(&home, &["run", &hello])), "");

    // The directory exists but the entry cannot be written (a directory
    // holds its name): the run compiles and succeeds, every time.
    std::fs::remove_file(home.join("cache")).unwrap();
    assert_hello(&wasmtime(&home, &["run", &hello]));
    let cache = home.join("cache/wasmtime-ours");
    let entry = entries(&cache).pop().expect("one entry");
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap();
    for _ in 0..2 {
        let o = wasmtime(&home, &["run", &hello]);
        assert_hello(&o);
        assert_eq!(err(&o), "");
    }
    assert!(entry.is_dir());
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn corrupt_entries_are_recompiled() {
    let home = temp_dir("corrupt");
    let hello = program("hello");
    assert_hello(&wasmtime(&home, &["run", &hello]));
    let cache = home.join("cache/wasmtime-ours");
    let entry = entries(&cache).pop().expect("one entry");
    let good = std::fs::read(&entry).unwrap();
    let flipped = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 0x01;
        b
    };
    for (what, bad) in [
        ("empty", Vec::new()),
        ("garbage", b"\x7fELF garbage".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("bit flip in the header", flipped(20)),
        ("bit flip in the middle", flipped(good.len() / 2)),
        ("bit flip at the end", flipped(good.len() - 1)),
    ] {
        std::fs::write(&entry, &bad).unwrap();
        let o = wasmtime(&home, &["run", &hello]);
        assert!(o.status.success(), "{what}: {}", err(&o));
        assert_eq!(out(&o), "Hello, world!\n", "{what}");
        // The entry was replaced by a good one.
        assert_eq!(std::fs::read(&entry).unwrap(), good, "{what}");
    }
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn foreign_entry_is_never_run() {
    // Fill the cache with two programs, then put one program's (valid)
    // entry under the other's name: running the other must still run its
    // own code.
    let home = temp_dir("foreign");
    let hello = program("hello");
    let exit = program("exit");
    let cache = home.join("cache/wasmtime-ours");
    assert_hello(&wasmtime(&home, &["run", &hello]));
    let hello_entry = entries(&cache).pop().unwrap();
    let o = wasmtime(&home, &["run", &exit, "7"]);
    let exit_code = o.status.code();
    let exit_out = out(&o);
    let exit_entry = entries(&cache)
        .into_iter()
        .find(|e| *e != hello_entry)
        .expect("a second entry");
    let hello_bytes = std::fs::read(&hello_entry).unwrap();
    let exit_bytes = std::fs::read(&exit_entry).unwrap();

    std::fs::write(&exit_entry, &hello_bytes).unwrap();
    let o = wasmtime(&home, &["run", &exit, "7"]);
    assert_eq!(o.status.code(), exit_code, "{}", err(&o));
    assert_eq!(out(&o), exit_out);
    assert_ne!(out(&o), "Hello, world!\n");
    assert_eq!(std::fs::read(&exit_entry).unwrap(), exit_bytes);

    std::fs::write(&hello_entry, &exit_bytes).unwrap();
    assert_hello(&wasmtime(&home, &["run", &hello]));
    assert_eq!(std::fs::read(&hello_entry).unwrap(), hello_bytes);

    // An entry of the same module from an engine with other settings.
    let o0 = wasmtime(&home, &["run", "-O", "opt-level=0", &hello]);
    assert_hello(&o0);
    let other = entries(&cache)
        .into_iter()
        .find(|e| *e != hello_entry && *e != exit_entry)
        .expect("a third entry");
    std::fs::copy(&other, &hello_entry).unwrap();
    assert_hello(&wasmtime(&home, &["run", &hello]));
    assert_eq!(std::fs::read(&hello_entry).unwrap(), hello_bytes);
    std::fs::remove_dir_all(&home).unwrap();
}
