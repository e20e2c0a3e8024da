//! `wasi:random@0.3.0`: `random`, `insecure` and `insecure-seed`, from the
//! generators of the store's [`WasiCtx`](crate::WasiCtx).

use crate::WasiView;
use cap_rand::RngCore;
use wasmtime::component::Linker;
use wasmtime::StoreContextMut;

/// At most this many bytes per call, so a guest cannot make the host
/// allocate without bound.
const MAX_BYTES: u64 = 64 * 1024 * 1024;

fn bytes(rng: &mut (dyn RngCore + Send + Sync), len: u64) -> wasmtime::Result<Vec<u8>> {
    if len > MAX_BYTES {
        wasmtime::bail!("too many random bytes requested: {len}");
    }
    let mut buf = vec![0; len as usize];
    rng.fill_bytes(&mut buf);
    Ok(buf)
}

/// Defines `wasi:random@0.3.0` in `linker`.
pub fn add_to_linker<T: WasiView + 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    let mut random = linker.instance("wasi:random/random@0.3.0")?;
    random.func_wrap(
        "get-random-bytes",
        |mut store: StoreContextMut<'_, T>, (len,): (u64,)| {
            Ok((bytes(&mut *store.data_mut().ctx().ctx.random, len)?,))
        },
    )?;
    random.func_wrap(
        "get-random-u64",
        |mut store: StoreContextMut<'_, T>, (): ()| {
            Ok((store.data_mut().ctx().ctx.random.next_u64(),))
        },
    )?;
    let mut insecure = linker.instance("wasi:random/insecure@0.3.0")?;
    insecure.func_wrap(
        "get-insecure-random-bytes",
        |mut store: StoreContextMut<'_, T>, (len,): (u64,)| {
            Ok((bytes(
                &mut *store.data_mut().ctx().ctx.insecure_random,
                len,
            )?,))
        },
    )?;
    insecure.func_wrap(
        "get-insecure-random-u64",
        |mut store: StoreContextMut<'_, T>, (): ()| {
            Ok((store.data_mut().ctx().ctx.insecure_random.next_u64(),))
        },
    )?;
    linker
        .instance("wasi:random/insecure-seed@0.3.0")?
        .func_wrap(
            "get-insecure-seed",
            |mut store: StoreContextMut<'_, T>, (): ()| {
                let seed = store.data_mut().ctx().ctx.insecure_random_seed;
                Ok(((seed as u64, (seed >> 64) as u64),))
            },
        )?;
    Ok(())
}
