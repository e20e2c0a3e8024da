//! On-disk compilation cache (feature `cache`): `Module::new` looks up an
//! artifact keyed by a SHA-256 of the module bytes, the engine's settings,
//! this library's version and the running build's identity, and stores one
//! after compiling.

use crate::serialization::{EngineSettings, VERSION};
use crate::Engine;
#[cfg(all(feature = "runtime", feature = "cranelift"))]
use crate::Module;
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

/// Configuration of the compilation cache: where entries live.
#[derive(Debug, Clone, Default)]
pub struct CacheConfig {
    directory: Option<PathBuf>,
}

/// Keys accepted (and ignored) in a configuration file's `[cache]` table,
/// for compatibility with Wasmtime's files: they tune Wasmtime's background
/// cleanup worker, which this implementation does not have.
const IGNORED_KEYS: &[&str] = &[
    "enabled",
    "worker-event-queue-size",
    "baseline-compression-level",
    "optimized-compression-level",
    "optimized-compression-usage-counter-threshold",
    "cleanup-interval",
    "optimizing-compression-task-timeout",
    "allowed-clock-drift-for-files-from-future",
    "file-count-soft-limit",
    "files-total-size-soft-limit",
    "file-count-limit-percent-if-deleting",
    "files-total-size-limit-percent-if-deleting",
];

impl CacheConfig {
    /// The default configuration: entries in `$XDG_CACHE_HOME/wasmtime-ours`
    /// (or `$HOME/.cache/wasmtime-ours`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads the configuration from a TOML file with a `[cache]` table
    /// (`directory = "/abs/path"`; Wasmtime's other keys are accepted and
    /// ignored). `None` reads the default file,
    /// `$XDG_CONFIG_HOME/wasmtime/config.toml` (or
    /// `$HOME/.config/wasmtime/config.toml`), if it exists, and otherwise
    /// uses the defaults.
    pub fn from_file(config_file: Option<&Path>) -> Result<Self> {
        let (path, required) = match config_file {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_path() {
                Some(p) => (p, false),
                None => return Ok(Self::new()),
            },
        };
        if !required && !path.exists() {
            return Ok(Self::new());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("failed to read config file: {}", path.display()))?;
        Self::parse(&text)
            .with_context(|| format!("failed to parse config file: {}", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let mut config = Self::new();
        let mut table = String::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                table = name.trim().to_string();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                bail!("line {}: expected `key = value`", n + 1);
            };
            let (key, value) = (key.trim(), value.trim());
            if table != "cache" {
                bail!("line {}: unknown table `{table}`", n + 1);
            }
            if key == "directory" {
                let Some(dir) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
                    bail!("line {}: `directory` must be a string", n + 1);
                };
                config.directory = Some(PathBuf::from(dir));
            } else if !IGNORED_KEYS.contains(&key) {
                bail!("line {}: unknown cache setting `{key}`", n + 1);
            }
        }
        Ok(config)
    }

    /// The cache directory, if one was set.
    pub fn directory(&self) -> Option<&PathBuf> {
        self.directory.as_ref()
    }

    /// Sets the cache directory (must be absolute).
    pub fn with_directory(&mut self, directory: impl Into<PathBuf>) -> &mut Self {
        self.directory = Some(directory.into());
        self
    }
}

fn env_dir(var: &str, home_suffix: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(d) if Path::new(&d).is_absolute() => Some(PathBuf::from(d)),
        _ => std::env::var_os("HOME").map(|h| Path::new(&h).join(home_suffix)),
    }
}

fn default_config_path() -> Option<PathBuf> {
    env_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("wasmtime").join("config.toml"))
}

/// An enabled compilation cache; pass it to
/// [`Config::cache`](crate::Config::cache). Cheap to clone (clones share
/// their hit and miss counters).
#[derive(Debug, Clone)]
pub struct Cache {
    directory: PathBuf,
    state: Arc<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl Cache {
    /// Enables a cache with `config`, creating its directory.
    pub fn new(config: CacheConfig) -> Result<Self> {
        let directory = match config.directory {
            Some(d) => d,
            None => env_dir("XDG_CACHE_HOME", ".cache")
                .context("no cache directory: set one or define $HOME")?
                .join("wasmtime-ours"),
        };
        if !directory.is_absolute() {
            bail!(
                "cache directory must be an absolute path: `{}`",
                directory.display()
            );
        }
        let modules = directory.join("modules");
        std::fs::create_dir_all(&modules)
            .with_context(|| format!("failed to create cache directory `{}`", modules.display()))?;
        Ok(Cache {
            directory,
            state: Arc::default(),
        })
    }

    /// Loads the configuration from a file (see [`CacheConfig::from_file`])
    /// and enables the cache.
    pub fn from_file(path: Option<&Path>) -> Result<Self> {
        Self::new(CacheConfig::from_file(path)?)
    }

    /// The cache directory.
    pub fn directory(&self) -> &PathBuf {
        &self.directory
    }

    /// Number of compilations answered from the cache so far.
    pub fn cache_hits(&self) -> usize {
        self.state.hits.load(SeqCst)
    }

    /// Number of compilations not found in the cache (or whose entry was
    /// unusable) so far.
    pub fn cache_misses(&self) -> usize {
        self.state.misses.load(SeqCst)
    }

    /// The key of `binary` compiled by `engine`: a SHA-256 of this
    /// library's version, the running build's identity ([`build_id`]),
    /// the engine's settings and the bytes.
    fn key(engine: &Engine, binary: &[u8]) -> [u8; 32] {
        Self::key_for_build(engine, binary, &build_id())
    }

    fn key_for_build(engine: &Engine, binary: &[u8], build: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(VERSION.as_bytes());
        h.update([0]);
        h.update((build.len() as u64).to_le_bytes());
        h.update(build.as_bytes());
        let settings = postcard::to_allocvec(&EngineSettings::of(engine)).unwrap_or_default();
        h.update((settings.len() as u64).to_le_bytes());
        h.update(&settings);
        h.update(binary);
        h.finalize().into()
    }

    fn entry_path(&self, key: &[u8; 32]) -> PathBuf {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        self.directory.join("modules").join(format!("{hex}.cwasm"))
    }
}

/// The identity of the running build: the modification time and size of
/// the executable, as Wasmtime keys its cache for builds from a source
/// checkout. The version string alone does not change when the compiler's
/// code does, so without this a rebuilt compiler would load the entries
/// (code and metadata) of the previous build.
fn build_id() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| build_id_of(&exe))
        .unwrap_or_else(|| "no-exe".to_string())
}

fn build_id_of(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{}.{:09}-{}",
        mtime.as_secs(),
        mtime.subsec_nanos(),
        meta.len()
    ))
}

/// The first bytes of every cache entry.
const ENTRY_MAGIC: &[u8; 16] = b"wasmtime-ours-c1";
/// Entry layout: `ENTRY_MAGIC`, the entry's key, the SHA-256 of the
/// artifact, the artifact (`Module::serialize`).
const ENTRY_HEADER: usize = ENTRY_MAGIC.len() + 32 + 32;

/// Wraps an artifact into a cache entry for `key`.
fn encode_entry(key: &[u8; 32], artifact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ENTRY_HEADER + artifact.len());
    out.extend_from_slice(ENTRY_MAGIC);
    out.extend_from_slice(key);
    out.extend_from_slice(&Sha256::digest(artifact));
    out.extend_from_slice(artifact);
    out
}

/// The artifact inside a cache entry, if the entry was written for `key`
/// and its artifact is intact. This is checked before anything of the
/// artifact is parsed, so a corrupted file, or a well-formed entry of
/// another module (say, copied over this one's name), is never loaded.
fn decode_entry<'a>(key: &[u8; 32], entry: &'a [u8]) -> Option<&'a [u8]> {
    if entry.len() < ENTRY_HEADER || &entry[..16] != ENTRY_MAGIC || &entry[16..48] != key {
        return None;
    }
    let artifact = &entry[ENTRY_HEADER..];
    (Sha256::digest(artifact).as_slice() == &entry[48..80]).then_some(artifact)
}

/// Returns the cached compilation of `binary`, or compiles it and stores
/// the result. An unreadable or rejected entry counts as a miss and is
/// replaced; a cache that cannot be read or written only costs speed.
#[cfg(all(feature = "runtime", feature = "cranelift"))]
pub(crate) fn load_or_compile(engine: &Engine, cache: &Cache, binary: &[u8]) -> Result<Module> {
    let key = Cache::key(engine, binary);
    let path = cache.entry_path(&key);
    if let Ok(bytes) = std::fs::read(&path) {
        if let Some(artifact) = decode_entry(&key, &bytes) {
            // SAFETY: the entry was written by `store` below for exactly
            // these bytes and settings (its key matches) and is unchanged
            // since (its SHA-256 matches); the artifact checks (structure,
            // version, checksum, settings) still run before it is mapped.
            if let Ok(module) = unsafe { Module::deserialize(engine, artifact) } {
                cache.state.hits.fetch_add(1, SeqCst);
                return Ok(module);
            }
        }
    }
    cache.state.misses.fetch_add(1, SeqCst);
    let module = Module::compile_uncached(engine, binary)?;
    if let Ok(bytes) = module.serialize() {
        let _ = store(&path, &encode_entry(&key, &bytes));
    }
    Ok(module)
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same
/// directory, then renamed over `path`.
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let tmp = path.with_extension(format!(
        "tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, SeqCst)
    ));
    let result = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_the_build() {
        let engine = Engine::default();
        let key = |build: &str| Cache::key_for_build(&engine, b"\0asm\x01\0\0\0", build);
        assert_eq!(key("1"), key("1"));
        assert_ne!(key("1"), key("2"));
        // The identity follows the executable file: a rebuild (new mtime
        // or size) gets a new one.
        let path = std::env::temp_dir().join(format!("wasmtime-build-id-{}", std::process::id()));
        std::fs::write(&path, b"build").unwrap();
        let set = |secs: u64| {
            let f = std::fs::File::options().write(true).open(&path).unwrap();
            f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
                .unwrap();
        };
        set(1_000_000);
        let first = build_id_of(&path).unwrap();
        assert_eq!(build_id_of(&path).unwrap(), first);
        set(2_000_000);
        let second = build_id_of(&path).unwrap();
        assert_ne!(first, second);
        std::fs::write(&path, b"rebuilt").unwrap();
        set(2_000_000);
        assert_ne!(build_id_of(&path).unwrap(), second);
        std::fs::remove_file(&path).unwrap();
        assert!(!build_id().is_empty() && build_id() != "no-exe");
    }

    #[test]
    fn parse_config() {
        let c = CacheConfig::parse(
            "# comment\n[cache]\nenabled = true\ndirectory = \"/tmp/x\"\ncleanup-interval = \"1h\"\n",
        )
        .unwrap();
        assert_eq!(c.directory(), Some(&PathBuf::from("/tmp/x")));
        assert!(CacheConfig::parse("[cache]\nbogus = 1\n").is_err());
        assert!(CacheConfig::parse("[other]\na = 1\n").is_err());
        assert!(CacheConfig::parse("[cache]\ndirectory = 3\n").is_err());
    }
}
