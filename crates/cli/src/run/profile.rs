//! `wasmtime run --profile=STRATEGY`: `perfmap` and `jitdump` announce the
//! compiled code to perf (`Config::profiler`); `guest[,PATH[,INTERVAL]]`
//! samples the wasm stack from epoch callbacks with a `GuestProfiler` and
//! writes a Firefox Profiler profile to PATH (default
//! `wasmtime-guest-profile.json`, every 10ms by default), as the reference
//! CLI does.

use anyhow::{bail, Context as _, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::{Config, GuestProfiler, Module, ProfilingStrategy, Store, UpdateDeadline};

/// A parsed `--profile` value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Profile {
    /// `perfmap`.
    PerfMap,
    /// `jitdump`.
    JitDump,
    /// `guest[,PATH[,INTERVAL]]`.
    Guest {
        /// Where the profile is written.
        path: String,
        /// Time between samples.
        interval: Duration,
    },
}

impl Profile {
    /// Parses `perfmap`, `jitdump` or `guest[,PATH[,INTERVAL]]` (INTERVAL
    /// like `10ms`, `1s` or a number of milliseconds).
    pub(crate) fn parse(s: &str) -> Result<Profile> {
        let mut parts = s.split(',');
        let profile = match parts.next().unwrap_or("") {
            "perfmap" => Profile::PerfMap,
            "jitdump" => Profile::JitDump,
            "guest" => {
                let path = parts
                    .next()
                    .filter(|p| !p.is_empty())
                    .unwrap_or("wasmtime-guest-profile.json")
                    .to_string();
                let interval = match parts.next() {
                    Some(i) => parse_interval(i)?,
                    None => Duration::from_millis(10),
                };
                Profile::Guest { path, interval }
            }
            "vtune" => bail!("the VTune profiler is not supported by this runtime"),
            other => bail!("unknown profiling strategy `{other}` (expected perfmap, jitdump or guest[,PATH[,INTERVAL]])"),
        };
        if parts.next().is_some() {
            bail!("too many parts in `--profile={s}`");
        }
        Ok(profile)
    }

    /// Applies the engine side.
    pub(crate) fn apply(&self, config: &mut Config) {
        match self {
            Profile::PerfMap => config.profiler(ProfilingStrategy::PerfMap),
            Profile::JitDump => config.profiler(ProfilingStrategy::JitDump),
            Profile::Guest { .. } => config.epoch_interruption(true),
        };
    }
}

fn parse_interval(s: &str) -> Result<Duration> {
    let (number, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "ms"),
    };
    let n: u64 = number
        .parse()
        .with_context(|| format!("invalid profiling interval `{s}`"))?;
    Ok(match unit {
        "ns" => Duration::from_nanos(n),
        "us" => Duration::from_micros(n),
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        _ => bail!("invalid profiling interval `{s}` (units: ns, us, ms, s)"),
    })
}

/// A running guest profile: the profiler (shared with the store's epoch
/// callback) and the thread that ticks the epoch.
pub(crate) struct GuestSampling {
    profiler: Arc<Mutex<Option<GuestProfiler>>>,
    done: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
    path: String,
}

impl GuestSampling {
    /// Starts sampling `store`, which runs `module` (named `name`).
    pub(crate) fn start<T: 'static>(
        store: &mut Store<T>,
        module: &Module,
        name: &str,
        path: &str,
        interval: Duration,
    ) -> Result<GuestSampling> {
        let engine = store.engine().clone();
        let profiler = GuestProfiler::new(
            &engine,
            name,
            interval,
            [(name.to_string(), module.clone())],
        )?;
        let profiler = Arc::new(Mutex::new(Some(profiler)));
        let shared = profiler.clone();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |cx| {
            let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(p) = guard.as_mut() {
                p.sample(&cx, interval);
            }
            Ok(UpdateDeadline::Continue(1))
        });
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let ticker = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(interval);
                engine.increment_epoch();
            }
        });
        Ok(GuestSampling {
            profiler,
            done,
            ticker: Some(ticker),
            path: path.to_string(),
        })
    }

    /// Stops sampling and writes the profile.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        let profiler = self
            .profiler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(profiler) = profiler {
            let file = std::fs::File::create(&self.path)
                .with_context(|| format!("failed to create the profile `{}`", self.path))?;
            profiler.finish(std::io::BufWriter::new(file))?;
            eprintln!("Profile written to: {}", self.path);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strategies() {
        assert_eq!(Profile::parse("perfmap").unwrap(), Profile::PerfMap);
        assert_eq!(Profile::parse("jitdump").unwrap(), Profile::JitDump);
        assert_eq!(
            Profile::parse("guest").unwrap(),
            Profile::Guest {
                path: "wasmtime-guest-profile.json".into(),
                interval: Duration::from_millis(10)
            }
        );
        assert_eq!(
            Profile::parse("guest,out.json,2ms").unwrap(),
            Profile::Guest {
                path: "out.json".into(),
                interval: Duration::from_millis(2)
            }
        );
        assert!(Profile::parse("vtune").is_err());
        assert!(Profile::parse("bogus").is_err());
        assert!(Profile::parse("guest,a,1x").is_err());
    }
}
