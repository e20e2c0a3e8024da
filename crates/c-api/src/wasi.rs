//! `wasi.h`: WASI preview 1 settings for a store (`wasi_config_t`).

use crate::ffi::{cstr_arg, slice, Finalizer, ForeignData};
use crate::wasm_byte_vec_t;
use anyhow::Result;
use std::ffi::{c_char, c_void};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime_wasi::cli::{IsTerminal, StdinStream, StdoutStream};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtx, WasiCtxBuilder};

/// Where a guest's standard input comes from.
enum Input {
    Closed,
    Inherit,
    File(File),
    Bytes(Vec<u8>),
}

/// Where a guest's standard output or error goes.
enum Output {
    Discard,
    Inherit,
    File(File),
    Custom(Arc<CustomOutput>),
}

/// A C callback receiving output bytes.
struct CustomOutput {
    callback: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize,
    data: ForeignData,
}

/// WASI settings, applied to a store by `wasmtime_context_set_wasi`.
pub struct wasi_config_t {
    args: Vec<String>,
    inherit_args: bool,
    env: Vec<(String, String)>,
    inherit_env: bool,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    preopens: Vec<(PathBuf, String, bool)>,
    inherit_network: bool,
    allow_ip_name_lookup: bool,
}

struct FileIn(File);
struct FileOut(File);

impl IsTerminal for FileIn {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for FileIn {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }
}

impl IsTerminal for FileOut {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for FileOut {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        (&self.0).write_all(buf)
    }
}

/// A shared [`CustomOutput`]: the WASI preview 1 and 0.2 contexts of one
/// store write to the same callback.
struct SharedOutput(Arc<CustomOutput>);

impl IsTerminal for SharedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for SharedOutput {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf)
    }
}

impl CustomOutput {
    fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            // SAFETY: the embedder's callback, called as its signature says.
            let n = unsafe { (self.callback)(self.data.data, buf.as_ptr(), buf.len()) };
            let Ok(n) = usize::try_from(n) else {
                return Err(io::Error::other("the output callback reported an error"));
            };
            if n == 0 || n > buf.len() {
                return Err(io::Error::other("the output callback wrote no bytes"));
            }
            buf = &buf[n..];
        }
        Ok(())
    }
}

impl wasi_config_t {
    /// Builds the preview 1 context.
    /// Applies the settings to `b`. Files are duplicated so that one
    /// configuration can set up both the preview 1 and the 0.2 context.
    fn configure(&self, b: &mut WasiCtxBuilder) -> Result<()> {
        let this = self;
        if this.inherit_args {
            b.args(&std::env::args().collect::<Vec<_>>());
        } else {
            b.args(&this.args);
        }
        if this.inherit_env {
            b.envs(&std::env::vars().collect::<Vec<_>>());
        } else {
            b.envs(&this.env);
        }
        match &this.stdin {
            Input::Closed => {}
            Input::Inherit => {
                b.inherit_stdin();
            }
            Input::File(f) => {
                b.stdin(FileIn(f.try_clone()?));
            }
            Input::Bytes(bytes) => {
                b.stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(bytes.clone()));
            }
        }
        for (out, is_err) in [(&this.stdout, false), (&this.stderr, true)] {
            match (out, is_err) {
                (Output::Discard, _) => {}
                (Output::Inherit, false) => {
                    b.inherit_stdout();
                }
                (Output::Inherit, true) => {
                    b.inherit_stderr();
                }
                (Output::File(f), false) => {
                    b.stdout(FileOut(f.try_clone()?));
                }
                (Output::File(f), true) => {
                    b.stderr(FileOut(f.try_clone()?));
                }
                (Output::Custom(c), false) => {
                    b.stdout(SharedOutput(c.clone()));
                }
                (Output::Custom(c), true) => {
                    b.stderr(SharedOutput(c.clone()));
                }
            }
        }
        for (host, guest, mutable) in &this.preopens {
            let (dir, file) = if *mutable {
                (DirPerms::all(), FilePerms::all())
            } else {
                (DirPerms::READ, FilePerms::READ)
            };
            b.preopened_dir(host, guest, dir, file)?;
        }
        if this.inherit_network {
            b.inherit_network();
        }
        b.allow_ip_name_lookup(this.allow_ip_name_lookup);
        Ok(())
    }

    /// Builds the preview 1 context and the WASI 0.2 context (for
    /// components) of a store.
    pub(crate) fn into_contexts(self) -> Result<(WasiP1Ctx, WasiCtx)> {
        let mut p1 = WasiCtxBuilder::new();
        self.configure(&mut p1)?;
        let mut p2 = WasiCtxBuilder::new();
        self.configure(&mut p2)?;
        Ok((p1.build_p1(), p2.build()))
    }
}

/// Empty settings: no arguments, environment, streams or directories.
#[no_mangle]
pub extern "C" fn wasi_config_new() -> Box<wasi_config_t> {
    Box::new(wasi_config_t {
        args: Vec::new(),
        inherit_args: false,
        env: Vec::new(),
        inherit_env: false,
        stdin: Input::Closed,
        stdout: Output::Discard,
        stderr: Output::Discard,
        preopens: Vec::new(),
        inherit_network: false,
        allow_ip_name_lookup: false,
    })
}

/// Frees settings not given to a store.
#[no_mangle]
pub extern "C" fn wasi_config_delete(_config: Option<Box<wasi_config_t>>) {}

/// Gives the guest the host's network.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_network(config: &mut wasi_config_t) {
    config.inherit_network = true;
}

/// Allows name lookups (`ip-name-lookup`).
#[no_mangle]
pub extern "C" fn wasi_config_allow_ip_name_lookup(config: &mut wasi_config_t, enable: bool) {
    config.allow_ip_name_lookup = enable;
}

/// Sets the arguments; false if one is not UTF-8.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_argv(
    config: &mut wasi_config_t,
    argc: usize,
    argv: *const *const c_char,
) -> bool {
    // SAFETY: C contract: `argc` strings at `argv`.
    let args = unsafe { slice(argv, argc) }
        .iter()
        // SAFETY: each is a NUL-terminated string.
        .map(|a| unsafe { cstr_arg(*a) }.map(str::to_string))
        .collect::<Result<Vec<_>>>();
    match args {
        Ok(args) => {
            config.args = args;
            config.inherit_args = false;
            true
        }
        Err(_) => false,
    }
}

/// Uses the host process's arguments.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_argv(config: &mut wasi_config_t) {
    config.inherit_args = true;
}

/// Sets the environment; false if a name or value is not UTF-8.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_env(
    config: &mut wasi_config_t,
    envc: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) -> bool {
    // SAFETY: C contract: `envc` strings at each of `names` and `values`.
    let (names, values) = unsafe { (slice(names, envc), slice(values, envc)) };
    let env = names
        .iter()
        .zip(values)
        // SAFETY: each is a NUL-terminated string.
        .map(|(n, v)| unsafe { Ok((cstr_arg(*n)?.to_string(), cstr_arg(*v)?.to_string())) })
        .collect::<Result<Vec<_>>>();
    match env {
        Ok(env) => {
            config.env = env;
            config.inherit_env = false;
            true
        }
        Err(_) => false,
    }
}

/// Uses the host process's environment.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_env(config: &mut wasi_config_t) {
    config.inherit_env = true;
}

unsafe fn open(path: *const c_char, write: bool) -> Option<File> {
    // SAFETY: C contract: a NUL-terminated path.
    let path = unsafe { cstr_arg(path) }.ok()?;
    if write {
        File::create(path).ok()
    } else {
        File::open(path).ok()
    }
}

/// Reads standard input from the file at `path`; false if it cannot be opened.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_file(
    config: &mut wasi_config_t,
    path: *const c_char,
) -> bool {
    // SAFETY: C contract: a NUL-terminated path.
    match unsafe { open(path, false) } {
        Some(f) => {
            config.stdin = Input::File(f);
            true
        }
        None => false,
    }
}

/// Reads standard input from `binary` (whose bytes are taken).
#[no_mangle]
pub extern "C" fn wasi_config_set_stdin_bytes(
    config: &mut wasi_config_t,
    binary: &mut wasm_byte_vec_t,
) {
    config.stdin = Input::Bytes(binary.take());
}

/// Uses the host's standard input.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdin(config: &mut wasi_config_t) {
    config.stdin = Input::Inherit;
}

/// Writes standard output to the file at `path` (created or truncated).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdout_file(
    config: &mut wasi_config_t,
    path: *const c_char,
) -> bool {
    // SAFETY: C contract: a NUL-terminated path.
    match unsafe { open(path, true) } {
        Some(f) => {
            config.stdout = Output::File(f);
            true
        }
        None => false,
    }
}

/// Uses the host's standard output.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stdout(config: &mut wasi_config_t) {
    config.stdout = Output::Inherit;
}

/// Sends standard output to `callback` (which returns the bytes it took,
/// or a negative value for an error).
#[no_mangle]
pub extern "C" fn wasi_config_set_stdout_custom(
    config: &mut wasi_config_t,
    callback: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize,
    data: *mut c_void,
    finalizer: Finalizer,
) {
    config.stdout = Output::Custom(Arc::new(CustomOutput {
        callback,
        data: ForeignData { data, finalizer },
    }));
}

/// Writes standard error to the file at `path` (created or truncated).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stderr_file(
    config: &mut wasi_config_t,
    path: *const c_char,
) -> bool {
    // SAFETY: C contract: a NUL-terminated path.
    match unsafe { open(path, true) } {
        Some(f) => {
            config.stderr = Output::File(f);
            true
        }
        None => false,
    }
}

/// Uses the host's standard error.
#[no_mangle]
pub extern "C" fn wasi_config_inherit_stderr(config: &mut wasi_config_t) {
    config.stderr = Output::Inherit;
}

/// Sends standard error to `callback` (as `wasi_config_set_stdout_custom`).
#[no_mangle]
pub extern "C" fn wasi_config_set_stderr_custom(
    config: &mut wasi_config_t,
    callback: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> isize,
    data: *mut c_void,
    finalizer: Finalizer,
) {
    config.stderr = Output::Custom(Arc::new(CustomOutput {
        callback,
        data: ForeignData { data, finalizer },
    }));
}

/// Gives the guest the host directory `host_path` as `guest_path`,
/// writable when `fs_mutable`; false if a path is not UTF-8. A missing
/// directory is reported when the settings are applied to a store.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_preopen_dir(
    config: &mut wasi_config_t,
    host_path: *const c_char,
    guest_path: *const c_char,
    fs_mutable: bool,
) -> bool {
    // SAFETY: C contract: NUL-terminated paths.
    let (Ok(host), Ok(guest)) = (unsafe { cstr_arg(host_path) }, unsafe {
        cstr_arg(guest_path)
    }) else {
        return false;
    };
    if !std::path::Path::new(host).is_dir() {
        return false;
    }
    config
        .preopens
        .push((PathBuf::from(host), guest.to_string(), fs_mutable));
    true
}
