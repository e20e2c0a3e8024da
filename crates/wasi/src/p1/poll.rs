//! `poll_oneoff` and the rest of the scheduling functions
//! (`proc_raise`, `sched_yield`, `random_get`).

use super::*;

/// One `poll_oneoff` subscription, read from the guest.
enum Sub {
    Clock {
        deadline: u64,
    },
    Ready {
        nbytes: u64,
    },
    Failed {
        errno: Errno,
    },
    WaitStdin,
    /// A socket, polled for readability (`read`) or writability.
    WaitSocket {
        fd: i32,
        read: bool,
    },
}

/// A `poll_oneoff` call between its two halves
/// ([`WasiP1Ctx::poll_start`] and [`WasiP1Ctx::poll_finish`]).
pub(super) struct PollPlan {
    /// `(userdata, tag, subscription)` for each subscription.
    parsed: Vec<(u64, u8, Sub)>,
    /// What polling the host descriptors saw, if any were polled.
    revents: Option<Vec<Option<PollFlags>>>,
    /// Nanoseconds still to wait when the call waits on clocks only.
    pub(super) sleep: Option<u64>,
    /// The earliest clock deadline (monotonic nanoseconds): the end of
    /// `sleep`.
    pub(super) deadline: u64,
    events: u32,
    out: u32,
}

#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    /// `poll(2)` on the host descriptors behind `poll_oneoff`
    /// subscriptions: `what` maps a subscription to `(guest fd, read)`, with
    /// `None` for the host's stdin, or `None` when it waits on nothing.
    /// Returns, per subscription, the events seen (`None`: not ready), or
    /// `None` when no subscription waits on a host descriptor. `timeout`
    /// in nanoseconds, `None` for no limit.
    pub(super) fn poll_host_fds<S>(
        &self,
        subs: &[(u64, u8, S)],
        timeout: Option<u64>,
        what: impl Fn(&S) -> Option<(Option<i32>, bool)>,
    ) -> R<Option<Vec<Option<PollFlags>>>> {
        use std::os::fd::AsFd;
        let mut owners = Vec::new();
        let mut fds = Vec::new();
        for (i, (_, _, sub)) in subs.iter().enumerate() {
            let Some((fd, read)) = what(sub) else {
                continue;
            };
            let host = match fd {
                None => crate::cli::Stdin.host_fd().ok_or(EBADF)?,
                Some(fd) => match self.get(fd)? {
                    Descriptor::TcpStream(s) => s.as_fd(),
                    Descriptor::TcpListener(l) => l.as_fd(),
                    _ => return Err(EBADF),
                },
            };
            let flags = if read { PollFlags::IN } else { PollFlags::OUT };
            fds.push(rustix::event::PollFd::from_borrowed_fd(host, flags));
            owners.push(i);
        }
        if fds.is_empty() {
            return Ok(None);
        }
        let ts = timeout.map(|t| rustix::time::Timespec {
            tv_sec: (t / 1_000_000_000) as i64,
            tv_nsec: (t % 1_000_000_000) as _,
        });
        loop {
            match rustix::event::poll(&mut fds, ts.as_ref()) {
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(rustix_err(e)),
            }
        }
        let mut seen = vec![None; subs.len()];
        for (fd, i) in fds.iter().zip(owners) {
            let events = fd.revents();
            if !events.is_empty() {
                seen[i] = Some(events);
            }
        }
        Ok(Some(seen))
    }

    /// The `nbytes` of a ready socket event: bytes waiting to be read on a
    /// stream, 1 on a listener (a connection to accept), 0 for writing.
    pub(super) fn socket_ready_bytes(&self, fd: i32, read: bool) -> u64 {
        match self.get(fd) {
            Ok(Descriptor::TcpStream(s)) if read => {
                rustix::io::ioctl_fionread(s).map_or(0, u64::from)
            }
            Ok(Descriptor::TcpListener(_)) if read => 1,
            _ => 0,
        }
    }

    pub(super) fn poll_oneoff(
        &mut self,
        m: &mut GuestMemory<'_>,
        subs: i32,
        events: i32,
        count: i32,
        out: i32,
    ) -> R {
        let plan = self.poll_start(m, subs, events, count, out)?;
        if let Some(t) = plan.sleep {
            std::thread::sleep(std::time::Duration::from_nanos(t));
        }
        self.poll_finish(m, plan)
    }

    /// The first half of `poll_oneoff`: reads and checks the subscriptions
    /// and polls the host descriptors among them. What is left to wait for
    /// is in [`PollPlan::sleep`]; [`WasiP1Ctx::poll_finish`] then writes the
    /// events.
    pub(super) fn poll_start(
        &mut self,
        m: &mut GuestMemory<'_>,
        subs: i32,
        events: i32,
        count: i32,
        out: i32,
    ) -> R<PollPlan> {
        let (subs, events, count) = (subs as u32, events as u32, count as u32);
        if count == 0 {
            return Err(EINVAL);
        }
        m.check(subs, count as u64 * 48)?;
        m.check(events, count as u64 * 32)?;
        m.check(out as u32, 4)?;

        let now = clock_now(1)?;
        let mut parsed = Vec::with_capacity(count as usize);
        for i in 0..count {
            let at = subs + i * 48;
            let userdata = m.u64(at)?;
            let tag = m.u8(at + 8)?;
            let sub = match tag {
                EVENTTYPE_CLOCK => {
                    let id = m.u32(at + 16)?;
                    let timeout = m.u64(at + 24)?;
                    let flags = m.u16(at + 40)?;
                    if flags & !1 != 0 {
                        return Err(EINVAL);
                    }
                    let abstime = flags & 1 != 0;
                    match id {
                        0 | 1 => {
                            let deadline = if !abstime {
                                now.saturating_add(timeout)
                            } else if id == 1 {
                                timeout
                            } else {
                                let real = clock_now(0)?;
                                now.saturating_add(timeout.saturating_sub(real))
                            };
                            Sub::Clock { deadline }
                        }
                        2 | 3 => Sub::Failed { errno: EBADF },
                        _ => return Err(EINVAL),
                    }
                }
                EVENTTYPE_FD_READ | EVENTTYPE_FD_WRITE => {
                    let fd = m.u32(at + 16)? as i32;
                    let reading = tag == EVENTTYPE_FD_READ;
                    match (self.get(fd), reading) {
                        (Err(errno), _) => Sub::Failed { errno },
                        (Ok(Descriptor::File(f)), true) => {
                            let size = f.file.metadata().map(|m| m.len()).unwrap_or(0);
                            Sub::Ready {
                                nbytes: size.saturating_sub(f.position),
                            }
                        }
                        (Ok(Descriptor::File(_)), false) => Sub::Ready { nbytes: 0 },
                        (Ok(Descriptor::Stdin(s)), true) => match s.ready_bytes() {
                            Some(n) => Sub::Ready { nbytes: n },
                            None => Sub::WaitStdin,
                        },
                        (Ok(Descriptor::Stdout(_) | Descriptor::Stderr(_)), false) => {
                            Sub::Ready { nbytes: 0 }
                        }
                        (Ok(Descriptor::TcpStream(_) | Descriptor::TcpListener(_)), read) => {
                            Sub::WaitSocket { fd, read }
                        }
                        (Ok(_), _) => Sub::Failed { errno: EBADF },
                    }
                }
                _ => return Err(EINVAL),
            };
            parsed.push((userdata, tag, sub));
        }

        let immediate = parsed
            .iter()
            .any(|(_, _, s)| matches!(s, Sub::Ready { .. } | Sub::Failed { .. }));
        let deadline = parsed
            .iter()
            .filter_map(|(_, _, s)| match s {
                Sub::Clock { deadline } => Some(*deadline),
                _ => None,
            })
            .min();
        // What the host can wait on: the host's stdin and sockets. With an
        // event already due, they are only sampled (zero timeout).
        let timeout = if immediate {
            Some(0)
        } else {
            deadline.map(|d| d.saturating_sub(now))
        };
        let revents = self.poll_host_fds(&parsed, timeout, |s| match s {
            Sub::WaitStdin => Some((None, true)),
            Sub::WaitSocket { fd, read } => Some((Some(*fd), *read)),
            _ => None,
        })?;
        let sleep = match timeout {
            Some(t) if revents.is_none() && !immediate => Some(t),
            _ => None,
        };
        Ok(PollPlan {
            parsed,
            revents,
            sleep,
            deadline: deadline.unwrap_or(now),
            events,
            out: out as u32,
        })
    }

    /// The second half of `poll_oneoff`, after the wait: writes an event
    /// for every subscription that is ready and their count.
    pub(super) fn poll_finish(&self, m: &mut GuestMemory<'_>, plan: PollPlan) -> R {
        let PollPlan {
            parsed,
            revents,
            events,
            out,
            ..
        } = plan;
        let now = clock_now(1)?;
        let mut written = 0u32;
        for (i, (userdata, tag, sub)) in parsed.iter().enumerate() {
            let polled = revents.as_ref().and_then(|r| r[i]);
            let hangup = polled.is_some_and(|f| f.contains(PollFlags::HUP));
            let (errno, nbytes) = match sub {
                Sub::Clock { deadline } if *deadline <= now => (SUCCESS, 0),
                Sub::Clock { .. } => continue,
                Sub::Ready { nbytes } => (SUCCESS, *nbytes),
                Sub::Failed { errno } => (*errno, 0),
                Sub::WaitStdin | Sub::WaitSocket { .. } if polled.is_none() => continue,
                Sub::WaitStdin => (SUCCESS, 1),
                Sub::WaitSocket { fd, read } => (SUCCESS, self.socket_ready_bytes(*fd, *read)),
            };
            let mut b = [0u8; 32];
            b[0..8].copy_from_slice(&userdata.to_le_bytes());
            b[8..10].copy_from_slice(&errno.to_le_bytes());
            b[10] = *tag;
            b[16..24].copy_from_slice(&nbytes.to_le_bytes());
            if hangup {
                b[24..26].copy_from_slice(&EVENTRWFLAGS_FD_READWRITE_HANGUP.to_le_bytes());
            }
            m.write(events + written * 32, &b)?;
            written += 1;
        }
        m.put_u32(out, written)
    }

    pub(super) fn proc_raise(&mut self, _m: &mut GuestMemory<'_>, _sig: i32) -> R {
        Err(ENOSYS)
    }

    pub(super) fn sched_yield(&mut self, _m: &mut GuestMemory<'_>) -> R {
        std::thread::yield_now();
        Ok(())
    }

    pub(super) fn random_get(&mut self, m: &mut GuestMemory<'_>, buf: i32, len: i32) -> R {
        let buf = m.slice_mut(buf as u32, len as u32)?;
        self.rng.fill_bytes(buf);
        Ok(())
    }
}
