//! `args_*`, `environ_*` and `clock_*`.

use super::*;

#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    pub(super) fn args_get(&mut self, m: &mut GuestMemory<'_>, argv: i32, buf: i32) -> R {
        Self::strings_get(m, &self.arg_bytes(), argv, buf)
    }

    pub(super) fn args_sizes_get(&mut self, m: &mut GuestMemory<'_>, count: i32, size: i32) -> R {
        Self::strings_sizes(m, &self.arg_bytes(), count, size)
    }

    pub(super) fn environ_get(&mut self, m: &mut GuestMemory<'_>, environ: i32, buf: i32) -> R {
        Self::strings_get(m, &self.env_bytes(), environ, buf)
    }

    pub(super) fn environ_sizes_get(
        &mut self,
        m: &mut GuestMemory<'_>,
        count: i32,
        size: i32,
    ) -> R {
        Self::strings_sizes(m, &self.env_bytes(), count, size)
    }

    pub(super) fn clock_res_get(&mut self, m: &mut GuestMemory<'_>, id: i32, out: i32) -> R {
        let clock = match id as u32 {
            0 => rustix::time::ClockId::Realtime,
            1 => rustix::time::ClockId::Monotonic,
            2 | 3 => return Err(EBADF),
            _ => return Err(EINVAL),
        };
        let ts = rustix::time::clock_getres(clock);
        m.put_u64(out as u32, nanos(ts.tv_sec, ts.tv_nsec).max(1))
    }

    pub(super) fn clock_time_get(
        &mut self,
        m: &mut GuestMemory<'_>,
        id: i32,
        _precision: i64,
        out: i32,
    ) -> R {
        let now = clock_now(id as u32)?;
        m.put_u64(out as u32, now)
    }
}
