//! The `sock_*` functions.

use super::*;

#[allow(clippy::too_many_arguments)]
impl WasiP1Ctx {
    pub(super) fn sock_accept(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        flags: i32,
        out: i32,
    ) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !FDFLAGS_NONBLOCK != 0 {
            return Err(EINVAL);
        }
        m.check(out as u32, 4)?;
        let stream = match self.get(fd)? {
            Descriptor::TcpListener(l) => l.accept().map_err(io_err)?.0,
            // accept(2) on a socket that is not listening.
            Descriptor::TcpStream(_) => return Err(EINVAL),
            _ => return Err(ENOTSOCK),
        };
        stream
            .set_nonblocking(flags & FDFLAGS_NONBLOCK != 0)
            .map_err(io_err)?;
        let new = self.push(Descriptor::TcpStream(stream))?;
        m.put_u32(out as u32, new)
    }

    pub(super) fn sock_recv(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        flags: i32,
        out_len: i32,
        out_flags: i32,
    ) -> R {
        let flags = u16::try_from(flags as u32).map_err(|_| EINVAL)?;
        if flags & !3 != 0 {
            return Err(EINVAL);
        }
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out_len as u32, 4)?;
        m.check(out_flags as u32, 2)?;
        let stream = match self.get_mut(fd)? {
            Descriptor::TcpStream(s) => s,
            Descriptor::TcpListener(_) => return Err(ENOTCONN),
            _ => return Err(ENOTSOCK),
        };
        let (ptr, len) = iovs.iter().copied().find(|(_, l)| *l > 0).unwrap_or((0, 0));
        let buf = m.slice_mut(ptr, len)?;
        let n = if flags & 1 != 0 {
            stream.peek(buf).map_err(io_err)?
        } else if flags & 2 != 0 {
            let mut got = 0;
            while got < buf.len() {
                match stream.read(&mut buf[got..]).map_err(io_err)? {
                    0 => break,
                    n => got += n,
                }
            }
            got
        } else {
            stream.read(buf).map_err(io_err)?
        };
        m.put_u32(out_len as u32, n as u32)?;
        m.write(out_flags as u32, &0u16.to_le_bytes())
    }

    pub(super) fn sock_send(
        &mut self,
        m: &mut GuestMemory<'_>,
        fd: i32,
        iovs: i32,
        iovs_len: i32,
        flags: i32,
        out: i32,
    ) -> R {
        if flags != 0 {
            return Err(EINVAL);
        }
        let iovs = m.iovecs(iovs as u32, iovs_len as u32)?;
        m.check(out as u32, 4)?;
        let stream = match self.get_mut(fd)? {
            Descriptor::TcpStream(s) => s,
            Descriptor::TcpListener(_) => return Err(ENOTCONN),
            _ => return Err(ENOTSOCK),
        };
        let mut total = 0u32;
        for (ptr, len) in iovs {
            let buf = m.slice(ptr, len)?;
            let n = stream.write(buf).map_err(io_err)?;
            total += n as u32;
            if n < buf.len() {
                break;
            }
        }
        m.put_u32(out as u32, total)
    }

    pub(super) fn sock_shutdown(&mut self, _m: &mut GuestMemory<'_>, fd: i32, how: i32) -> R {
        let how = match how as u32 {
            1 => std::net::Shutdown::Read,
            2 => std::net::Shutdown::Write,
            3 => std::net::Shutdown::Both,
            _ => return Err(EINVAL),
        };
        match self.get(fd)? {
            Descriptor::TcpStream(s) => s.shutdown(how).map_err(io_err),
            Descriptor::TcpListener(_) => Err(ENOTCONN),
            _ => Err(ENOTSOCK),
        }
    }
}
