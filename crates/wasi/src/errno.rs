//! WASI preview-1 error numbers and the mapping from host I/O errors.

use std::io;

/// A WASI `errno` value.
pub(crate) type Errno = u16;

macro_rules! errnos {
    ($($name:ident = $v:expr,)*) => { $(#[allow(dead_code)] pub(crate) const $name: Errno = $v;)* };
}

errnos! {
    SUCCESS = 0, E2BIG = 1, EACCES = 2, EADDRINUSE = 3, EADDRNOTAVAIL = 4, EAFNOSUPPORT = 5,
    EAGAIN = 6, EALREADY = 7, EBADF = 8, EBADMSG = 9, EBUSY = 10, ECANCELED = 11, ECHILD = 12,
    ECONNABORTED = 13, ECONNREFUSED = 14, ECONNRESET = 15, EDEADLK = 16, EDESTADDRREQ = 17,
    EDOM = 18, EDQUOT = 19, EEXIST = 20, EFAULT = 21, EFBIG = 22, EHOSTUNREACH = 23, EIDRM = 24,
    EILSEQ = 25, EINPROGRESS = 26, EINTR = 27, EINVAL = 28, EIO = 29, EISCONN = 30, EISDIR = 31,
    ELOOP = 32, EMFILE = 33, EMLINK = 34, EMSGSIZE = 35, EMULTIHOP = 36, ENAMETOOLONG = 37,
    ENETDOWN = 38, ENETRESET = 39, ENETUNREACH = 40, ENFILE = 41, ENOBUFS = 42, ENODEV = 43,
    ENOENT = 44, ENOEXEC = 45, ENOLCK = 46, ENOLINK = 47, ENOMEM = 48, ENOMSG = 49,
    ENOPROTOOPT = 50, ENOSPC = 51, ENOSYS = 52, ENOTCONN = 53, ENOTDIR = 54, ENOTEMPTY = 55,
    ENOTRECOVERABLE = 56, ENOTSOCK = 57, ENOTSUP = 58, ENOTTY = 59, ENXIO = 60, EOVERFLOW = 61,
    EOWNERDEAD = 62, EPERM = 63, EPIPE = 64, EPROTO = 65, EPROTONOSUPPORT = 66, EPROTOTYPE = 67,
    ERANGE = 68, EROFS = 69, ESPIPE = 70, ESRCH = 71, ESTALE = 72, ETIMEDOUT = 73, ETXTBSY = 74,
    EXDEV = 75, ENOTCAPABLE = 76,
}

/// Maps a host error to the WASI errno a guest sees.
pub(crate) fn from_io(err: &io::Error) -> Errno {
    if let Some(code) = err.raw_os_error() {
        return from_raw(code);
    }
    match err.kind() {
        // cap-std reports attempts to leave a sandbox this way.
        io::ErrorKind::PermissionDenied => EPERM,
        io::ErrorKind::NotFound => ENOENT,
        io::ErrorKind::AlreadyExists => EEXIST,
        io::ErrorKind::InvalidInput => EINVAL,
        io::ErrorKind::InvalidData => EILSEQ,
        io::ErrorKind::WouldBlock => EAGAIN,
        io::ErrorKind::Interrupted => EINTR,
        io::ErrorKind::Unsupported => ENOTSUP,
        io::ErrorKind::OutOfMemory => ENOMEM,
        io::ErrorKind::BrokenPipe => EPIPE,
        io::ErrorKind::NotADirectory => ENOTDIR,
        io::ErrorKind::IsADirectory => EISDIR,
        io::ErrorKind::DirectoryNotEmpty => ENOTEMPTY,
        io::ErrorKind::TimedOut => ETIMEDOUT,
        _ => EIO,
    }
}

/// Maps a host `errno` number.
pub(crate) fn from_raw(code: i32) -> Errno {
    use libc::*;
    match code {
        E2BIG => self::E2BIG,
        EACCES => self::EACCES,
        EADDRINUSE => self::EADDRINUSE,
        EADDRNOTAVAIL => self::EADDRNOTAVAIL,
        EAFNOSUPPORT => self::EAFNOSUPPORT,
        EAGAIN => self::EAGAIN,
        EALREADY => self::EALREADY,
        EBADF => self::EBADF,
        EBADMSG => self::EBADMSG,
        EBUSY => self::EBUSY,
        ECANCELED => self::ECANCELED,
        ECHILD => self::ECHILD,
        ECONNABORTED => self::ECONNABORTED,
        ECONNREFUSED => self::ECONNREFUSED,
        ECONNRESET => self::ECONNRESET,
        EDEADLK => self::EDEADLK,
        EDESTADDRREQ => self::EDESTADDRREQ,
        EDOM => self::EDOM,
        EDQUOT => self::EDQUOT,
        EEXIST => self::EEXIST,
        EFAULT => self::EFAULT,
        EFBIG => self::EFBIG,
        EHOSTUNREACH => self::EHOSTUNREACH,
        EIDRM => self::EIDRM,
        EILSEQ => self::EILSEQ,
        EINPROGRESS => self::EINPROGRESS,
        EINTR => self::EINTR,
        EINVAL => self::EINVAL,
        EIO => self::EIO,
        EISCONN => self::EISCONN,
        EISDIR => self::EISDIR,
        ELOOP => self::ELOOP,
        EMFILE => self::EMFILE,
        EMLINK => self::EMLINK,
        EMSGSIZE => self::EMSGSIZE,
        EMULTIHOP => self::EMULTIHOP,
        ENAMETOOLONG => self::ENAMETOOLONG,
        ENETDOWN => self::ENETDOWN,
        ENETRESET => self::ENETRESET,
        ENETUNREACH => self::ENETUNREACH,
        ENFILE => self::ENFILE,
        ENOBUFS => self::ENOBUFS,
        ENODEV => self::ENODEV,
        ENOENT => self::ENOENT,
        ENOEXEC => self::ENOEXEC,
        ENOLCK => self::ENOLCK,
        ENOLINK => self::ENOLINK,
        ENOMEM => self::ENOMEM,
        ENOMSG => self::ENOMSG,
        ENOPROTOOPT => self::ENOPROTOOPT,
        ENOSPC => self::ENOSPC,
        ENOSYS => self::ENOSYS,
        ENOTCONN => self::ENOTCONN,
        ENOTDIR => self::ENOTDIR,
        ENOTEMPTY => self::ENOTEMPTY,
        ENOTRECOVERABLE => self::ENOTRECOVERABLE,
        ENOTSOCK => self::ENOTSOCK,
        ENOTSUP => self::ENOTSUP,
        ENOTTY => self::ENOTTY,
        ENXIO => self::ENXIO,
        EOVERFLOW => self::EOVERFLOW,
        EOWNERDEAD => self::EOWNERDEAD,
        EPERM => self::EPERM,
        EPIPE => self::EPIPE,
        EPROTO => self::EPROTO,
        EPROTONOSUPPORT => self::EPROTONOSUPPORT,
        EPROTOTYPE => self::EPROTOTYPE,
        ERANGE => self::ERANGE,
        EROFS => self::EROFS,
        ESPIPE => self::ESPIPE,
        ESRCH => self::ESRCH,
        ESTALE => self::ESTALE,
        ETIMEDOUT => self::ETIMEDOUT,
        ETXTBSY => self::ETXTBSY,
        EXDEV => self::EXDEV,
        _ => self::EIO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_host_errors() {
        assert_eq!(from_io(&io::Error::from_raw_os_error(libc::ENOENT)), ENOENT);
        assert_eq!(from_io(&io::Error::from_raw_os_error(libc::ELOOP)), ELOOP);
        assert_eq!(from_io(&io::Error::from_raw_os_error(libc::EXDEV)), EXDEV);
        assert_eq!(
            from_io(&io::Error::new(io::ErrorKind::PermissionDenied, "escape")),
            EPERM
        );
        assert_eq!(from_io(&io::Error::other("x")), EIO);
    }
}
