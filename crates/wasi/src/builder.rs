//! `WasiCtxBuilder`: configures what a guest sees.

use crate::cli::{self, ClosedInput, Sink, StdinStream, StdoutStream};
use crate::p1::{Descriptor, DirDesc, WasiP1Ctx};
use crate::{DirPerms, FilePerms, Socket, WasiCtx};
use anyhow::{Context as _, Result};
use std::path::Path;
use std::sync::Arc;

/// Builds the per-store WASI state: arguments, environment, standard
/// streams and pre-opened directories.
///
/// Defaults as in Wasmtime: stdin is closed, stdout and stderr discard
/// their output, no arguments, no environment, no pre-opens.
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Arc<dyn StdinStream>,
    stdout: Arc<dyn StdoutStream>,
    stderr: Arc<dyn StdoutStream>,
    preopens: Vec<(DirDesc, String)>,
    sockets: std::collections::BTreeMap<u32, Descriptor>,
    insecure_random_seed: u128,
    socket_addr_check: crate::sockets::SocketAddrCheck,
    allow_ip_name_lookup: bool,
    allow_tcp: bool,
    allow_udp: bool,
    built: bool,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with the defaults described on the type.
    pub fn new() -> Self {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: Arc::new(ClosedInput),
            stdout: Arc::new(Sink),
            stderr: Arc::new(Sink),
            preopens: Vec::new(),
            sockets: std::collections::BTreeMap::new(),
            insecure_random_seed: {
                let mut rng = cap_rand::thread_rng(cap_rand::ambient_authority());
                cap_rand::Rng::random::<u128>(&mut rng)
            },
            socket_addr_check: crate::sockets::SocketAddrCheck::Deny,
            allow_ip_name_lookup: false,
            allow_tcp: true,
            allow_udp: true,
            built: false,
        }
    }

    /// Sets the guest's standard input.
    pub fn stdin(&mut self, stdin: impl StdinStream + 'static) -> &mut Self {
        self.stdin = Arc::new(stdin);
        self
    }

    /// Sets the guest's standard output.
    pub fn stdout(&mut self, stdout: impl StdoutStream + 'static) -> &mut Self {
        self.stdout = Arc::new(stdout);
        self
    }

    /// Sets the guest's standard error.
    pub fn stderr(&mut self, stderr: impl StdoutStream + 'static) -> &mut Self {
        self.stderr = Arc::new(stderr);
        self
    }

    /// The guest reads the host process's standard input.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin(cli::stdin())
    }

    /// The guest writes to the host process's standard output.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout(cli::stdout())
    }

    /// The guest writes to the host process's standard error.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr(cli::stderr())
    }

    /// All three standard streams are the host process's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// Appends arguments (the first one is the program name by convention).
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Appends one argument.
    pub fn arg(&mut self, arg: impl AsRef<str>) -> &mut Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// Appends the host process's arguments (those that are UTF-8).
    pub fn inherit_args(&mut self) -> &mut Self {
        self.args
            .extend(std::env::args_os().filter_map(|a| a.into_string().ok()));
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> &mut Self {
        self.env
            .push((key.as_ref().to_string(), value.as_ref().to_string()));
        self
    }

    /// Sets several environment variables.
    pub fn envs(&mut self, env: &[(impl AsRef<str>, impl AsRef<str>)]) -> &mut Self {
        for (k, v) in env {
            self.env(k, v);
        }
        self
    }

    /// Passes the host process's environment (the UTF-8 variables).
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
                self.env.push((k, v));
            }
        }
        self
    }

    /// Accepted for compatibility: host calls always block the current
    /// thread in this implementation.
    pub fn allow_blocking_current_thread(&mut self, _enable: bool) -> &mut Self {
        self
    }

    /// Gives the guest the host directory `host_path` under the name
    /// `guest_path`. `dir_perms` limits what may be done to the directory
    /// tree itself, `file_perms` what may be done to files opened in it.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl AsRef<str>,
        dir_perms: DirPerms,
        file_perms: FilePerms,
    ) -> Result<&mut Self> {
        let host_path = host_path.as_ref();
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .with_context(|| format!("failed to open directory '{}'", host_path.display()))?;
        self.preopens.push((
            DirDesc {
                dir,
                perms: dir_perms,
                file_perms,
            },
            guest_path.as_ref().to_string(),
        ));
        Ok(self)
    }

    /// Gives the guest `socket` as descriptor `fd` (as `wasi-common`'s
    /// `WasiCtxBuilder::preopened_socket` does; Wasmtime's own preview-1
    /// context has no sockets). Pre-opened directories take the lowest
    /// descriptors from 3 up that no socket holds.
    ///
    /// wasi-libc looks for pre-opened directories from descriptor 3 up and
    /// stops at the first descriptor that is not one, so give sockets
    /// numbers above the directories' (the CLI's `-S tcplisten` does).
    /// Fails for descriptors 0-2 (the standard streams), descriptors of
    /// 65536 and above, a descriptor given twice, and a socket that cannot
    /// be made blocking.
    pub fn preopened_socket(&mut self, fd: u32, socket: impl Into<Socket>) -> Result<&mut Self> {
        if fd < 3 {
            anyhow::bail!("descriptor {fd} is a standard stream and cannot hold a socket");
        }
        if fd >= 1 << 16 {
            anyhow::bail!("descriptor {fd} is too large for a pre-opened socket");
        }
        if self.sockets.contains_key(&fd) {
            anyhow::bail!("descriptor {fd} already holds a pre-opened socket");
        }
        let desc = match socket.into() {
            Socket::TcpListener(l) => {
                l.set_nonblocking(false)?;
                Descriptor::TcpListener(l)
            }
            Socket::TcpStream(s) => {
                s.set_nonblocking(false)?;
                Descriptor::TcpStream(s)
            }
        };
        self.sockets.insert(fd, desc);
        Ok(self)
    }

    /// Sets the value `wasi:random/insecure-seed` returns.
    pub fn insecure_random_seed(&mut self, seed: u128) -> &mut Self {
        self.insecure_random_seed = seed;
        self
    }

    /// Lets WASI 0.2 guests use sockets on any address (TCP and UDP as
    /// [`allow_tcp`](Self::allow_tcp) and [`allow_udp`](Self::allow_udp)
    /// say). Off by default: binding, connecting, listening and sending
    /// fail with `access-denied`. Replaces an earlier
    /// [`socket_addr_check`](Self::socket_addr_check).
    pub fn inherit_network(&mut self) -> &mut Self {
        self.socket_addr_check = crate::sockets::SocketAddrCheck::Allow;
        self
    }

    /// Lets WASI 0.2 guests use the socket addresses that `check`
    /// accepts: it is called with each address before it is bound,
    /// listened on, connected or sent to, and with the address of each
    /// accepted client and received datagram (which are dropped when it
    /// returns `false`). Replaces an earlier
    /// [`inherit_network`](Self::inherit_network).
    pub fn socket_addr_check<F>(&mut self, check: F) -> &mut Self
    where
        F: Fn(
                std::net::SocketAddr,
                crate::sockets::SocketAddrUse,
            )
                -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send + Sync>>
            + Send
            + Sync
            + 'static,
    {
        self.socket_addr_check = crate::sockets::SocketAddrCheck::Custom(Arc::new(check));
        self
    }

    /// Lets WASI 0.2 guests resolve host names. Off by default.
    pub fn allow_ip_name_lookup(&mut self, enable: bool) -> &mut Self {
        self.allow_ip_name_lookup = enable;
        self
    }

    /// Whether TCP sockets are allowed (given network access). On by
    /// default.
    pub fn allow_tcp(&mut self, enable: bool) -> &mut Self {
        self.allow_tcp = enable;
        self
    }

    /// Whether UDP sockets are allowed (given network access). On by
    /// default.
    pub fn allow_udp(&mut self, enable: bool) -> &mut Self {
        self.allow_udp = enable;
        self
    }

    /// Finishes the WASI 0.2 context (for components). Panics if called
    /// twice, as in Wasmtime.
    pub fn build(&mut self) -> WasiCtx {
        if self.built {
            panic!("WasiCtxBuilder::build can only be called once");
        }
        self.built = true;
        let authority = cap_rand::ambient_authority();
        let seed = self.insecure_random_seed;
        WasiCtx {
            args: std::mem::take(&mut self.args),
            env: std::mem::take(&mut self.env),
            stdin: self.stdin.clone(),
            stdout: self.stdout.clone(),
            stderr: self.stderr.clone(),
            preopens: std::mem::take(&mut self.preopens)
                .into_iter()
                .map(|(d, n)| (Arc::new(d), n))
                .collect(),
            random: Box::new(cap_rand::std_rng_from_os_rng(authority)),
            insecure_random: Box::new(
                <cap_rand::rngs::StdRng as cap_rand::SeedableRng>::seed_from_u64(
                    seed as u64 ^ (seed >> 64) as u64,
                ),
            ),
            insecure_random_seed: seed,
            socket_addr_check: self.socket_addr_check.clone(),
            allow_ip_name_lookup: self.allow_ip_name_lookup,
            allow_tcp: self.allow_tcp,
            allow_udp: self.allow_udp,
        }
    }

    /// Finishes the preview-1 context. Panics if called twice, as in
    /// Wasmtime.
    pub fn build_p1(&mut self) -> WasiP1Ctx {
        if self.built {
            panic!("WasiCtxBuilder::build_p1 can only be called once");
        }
        self.built = true;
        let mut table: Vec<Option<Descriptor>> = vec![
            Some(Descriptor::Stdin(self.stdin.clone())),
            Some(Descriptor::Stdout(self.stdout.clone())),
            Some(Descriptor::Stderr(self.stderr.clone())),
        ];
        let sockets = std::mem::take(&mut self.sockets);
        for (dir, name) in std::mem::take(&mut self.preopens) {
            while sockets.contains_key(&(table.len() as u32)) {
                table.push(None);
            }
            table.push(Some(Descriptor::Dir(dir, Some(name))));
        }
        for (fd, socket) in sockets {
            let fd = fd as usize;
            if table.len() <= fd {
                table.resize_with(fd + 1, || None);
            }
            table[fd] = Some(socket);
        }
        WasiP1Ctx::new(
            std::mem::take(&mut self.args),
            std::mem::take(&mut self.env),
            table,
        )
    }
}
