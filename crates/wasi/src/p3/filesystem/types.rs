//! The types of `wasi:filesystem/types@0.3.0`, and their conversions from
//! the WASI 0.2 implementation's types, which the 0.3 host functions
//! reuse (the file operations are the same; only the shapes differ).

use crate::p2::bindings::filesystem::types as p2;
use crate::p2::FsError;
use crate::p3::clocks::Instant;
use wasmtime::component::{flags, ComponentType, Lift, Lower};

/// Declares [`ErrorCode`] with its WIT names, and its conversion from the
/// WASI 0.2 code of the same name.
macro_rules! error_codes {
    ($($rust:ident = $wit:tt,)*) => {
        /// `wasi:filesystem/types.error-code`.
        #[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
        #[component(variant)]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $wit, "`")]
                #[component(name = $wit)]
                $rust,
            )*
            /// Any other error, with an optional description.
            #[component(name = "other")]
            Other(Option<String>),
        }

        impl From<p2::ErrorCode> for ErrorCode {
            fn from(code: p2::ErrorCode) -> ErrorCode {
                match code {
                    $(p2::ErrorCode::$rust => ErrorCode::$rust,)*
                    p2::ErrorCode::WouldBlock => ErrorCode::Other(Some("would-block".into())),
                }
            }
        }
    };
}

error_codes! {
Access = "access",
Already = "already",
BadDescriptor = "bad-descriptor",
Busy = "busy",
Deadlock = "deadlock",
Quota = "quota",
Exist = "exist",
FileTooLarge = "file-too-large",
IllegalByteSequence = "illegal-byte-sequence",
InProgress = "in-progress",
Interrupted = "interrupted",
Invalid = "invalid",
Io = "io",
IsDirectory = "is-directory",
Loop = "loop",
TooManyLinks = "too-many-links",
MessageSize = "message-size",
NameTooLong = "name-too-long",
NoDevice = "no-device",
NoEntry = "no-entry",
NoLock = "no-lock",
InsufficientMemory = "insufficient-memory",
InsufficientSpace = "insufficient-space",
NotDirectory = "not-directory",
NotEmpty = "not-empty",
NotRecoverable = "not-recoverable",
Unsupported = "unsupported",
NoTty = "no-tty",
NoSuchDevice = "no-such-device",
Overflow = "overflow",
NotPermitted = "not-permitted",
Pipe = "pipe",
ReadOnly = "read-only",
InvalidSeek = "invalid-seek",
TextFileBusy = "text-file-busy",
CrossDevice = "cross-device",}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ErrorCode {}

/// A WASI 0.2 error as a 0.3 result: the error code, or the trap.
pub(crate) fn from_p2<T>(r: Result<T, FsError>) -> wasmtime::Result<Result<T, ErrorCode>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => Ok(Err(e.downcast()?.into())),
    }
}

/// `wasi:filesystem/types.descriptor-type`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum DescriptorType {
    /// A block device.
    #[component(name = "block-device")]
    BlockDevice,
    /// A character device.
    #[component(name = "character-device")]
    CharacterDevice,
    /// A directory.
    #[component(name = "directory")]
    Directory,
    /// A named pipe.
    #[component(name = "fifo")]
    Fifo,
    /// A symbolic link.
    #[component(name = "symbolic-link")]
    SymbolicLink,
    /// A regular file.
    #[component(name = "regular-file")]
    RegularFile,
    /// A socket.
    #[component(name = "socket")]
    Socket,
    /// Something else, perhaps described.
    #[component(name = "other")]
    Other(Option<String>),
}

impl From<p2::DescriptorType> for DescriptorType {
    fn from(t: p2::DescriptorType) -> Self {
        use p2::DescriptorType as T;
        match t {
            T::BlockDevice => DescriptorType::BlockDevice,
            T::CharacterDevice => DescriptorType::CharacterDevice,
            T::Directory => DescriptorType::Directory,
            T::Fifo => DescriptorType::Fifo,
            T::SymbolicLink => DescriptorType::SymbolicLink,
            T::RegularFile => DescriptorType::RegularFile,
            T::Socket => DescriptorType::Socket,
            T::Unknown => DescriptorType::Other(None),
        }
    }
}

flags! {
    /// `wasi:filesystem/types.descriptor-flags`.
    DescriptorFlags {
        #[component(name = "read")]
        const READ;
        #[component(name = "write")]
        const WRITE;
        #[component(name = "file-integrity-sync")]
        const FILE_INTEGRITY_SYNC;
        #[component(name = "data-integrity-sync")]
        const DATA_INTEGRITY_SYNC;
        #[component(name = "requested-write-sync")]
        const REQUESTED_WRITE_SYNC;
        #[component(name = "mutate-directory")]
        const MUTATE_DIRECTORY;
    }
}

flags! {
    /// `wasi:filesystem/types.path-flags`.
    PathFlags {
        #[component(name = "symlink-follow")]
        const SYMLINK_FOLLOW;
    }
}

flags! {
    /// `wasi:filesystem/types.open-flags`.
    OpenFlags {
        #[component(name = "create")]
        const CREATE;
        #[component(name = "directory")]
        const DIRECTORY;
        #[component(name = "exclusive")]
        const EXCLUSIVE;
        #[component(name = "truncate")]
        const TRUNCATE;
    }
}

/// Copies the flags named in `pairs` from one flags type to another.
macro_rules! convert_flags {
    ($from:ty => $to:ty: $($name:ident),*) => {
        impl From<$from> for $to {
            fn from(f: $from) -> $to {
                let mut out = <$to>::empty();
                $(if f.contains(<$from>::$name) { out |= <$to>::$name; })*
                out
            }
        }
    };
}

convert_flags!(DescriptorFlags => p2::DescriptorFlags: READ, WRITE, FILE_INTEGRITY_SYNC,
    DATA_INTEGRITY_SYNC, REQUESTED_WRITE_SYNC, MUTATE_DIRECTORY);
convert_flags!(p2::DescriptorFlags => DescriptorFlags: READ, WRITE, FILE_INTEGRITY_SYNC,
    DATA_INTEGRITY_SYNC, REQUESTED_WRITE_SYNC, MUTATE_DIRECTORY);
convert_flags!(PathFlags => p2::PathFlags: SYMLINK_FOLLOW);
convert_flags!(OpenFlags => p2::OpenFlags: CREATE, DIRECTORY, EXCLUSIVE, TRUNCATE);

/// `wasi:filesystem/types.descriptor-stat`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(record)]
pub struct DescriptorStat {
    /// The type of the object.
    #[component(name = "type")]
    pub type_: DescriptorType,
    /// How many hard links point at it.
    #[component(name = "link-count")]
    pub link_count: u64,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last read.
    #[component(name = "data-access-timestamp")]
    pub data_access_timestamp: Option<Instant>,
    /// When its data last changed.
    #[component(name = "data-modification-timestamp")]
    pub data_modification_timestamp: Option<Instant>,
    /// When its status last changed.
    #[component(name = "status-change-timestamp")]
    pub status_change_timestamp: Option<Instant>,
}

fn instant(t: Option<crate::p2::bindings::clocks::wall_clock::Datetime>) -> Option<Instant> {
    let t = t?;
    Some(Instant {
        seconds: i64::try_from(t.seconds).ok()?,
        nanoseconds: t.nanoseconds,
    })
}

impl From<p2::DescriptorStat> for DescriptorStat {
    fn from(s: p2::DescriptorStat) -> Self {
        DescriptorStat {
            type_: s.type_.into(),
            link_count: s.link_count,
            size: s.size,
            data_access_timestamp: instant(s.data_access_timestamp),
            data_modification_timestamp: instant(s.data_modification_timestamp),
            status_change_timestamp: instant(s.status_change_timestamp),
        }
    }
}

/// `wasi:filesystem/types.new-timestamp`.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(variant)]
pub enum NewTimestamp {
    /// Leave the timestamp as it is.
    #[component(name = "no-change")]
    NoChange,
    /// Set it to the current time.
    #[component(name = "now")]
    Now,
    /// Set it to this instant.
    #[component(name = "timestamp")]
    Timestamp(Instant),
}

impl NewTimestamp {
    /// As a WASI 0.2 timestamp; an instant before the epoch is `invalid`.
    pub(crate) fn to_p2(self) -> Result<p2::NewTimestamp, FsError> {
        Ok(match self {
            NewTimestamp::NoChange => p2::NewTimestamp::NoChange,
            NewTimestamp::Now => p2::NewTimestamp::Now,
            NewTimestamp::Timestamp(t) => {
                p2::NewTimestamp::Timestamp(crate::p2::bindings::clocks::wall_clock::Datetime {
                    seconds: u64::try_from(t.seconds).map_err(|_| p2::ErrorCode::Invalid)?,
                    nanoseconds: t.nanoseconds,
                })
            }
        })
    }
}

/// `wasi:filesystem/types.directory-entry`.
#[derive(ComponentType, Lift, Lower, Clone, Debug, PartialEq, Eq)]
#[component(record)]
pub struct DirectoryEntry {
    /// The entry's type.
    #[component(name = "type")]
    pub type_: DescriptorType,
    /// The entry's name.
    pub name: String,
}

/// `wasi:filesystem/types.advice`.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(enum)]
#[repr(u8)]
pub enum Advice {
    /// No particular pattern.
    #[component(name = "normal")]
    Normal,
    /// Sequential access.
    #[component(name = "sequential")]
    Sequential,
    /// Random access.
    #[component(name = "random")]
    Random,
    /// Needed soon.
    #[component(name = "will-need")]
    WillNeed,
    /// Not needed soon.
    #[component(name = "dont-need")]
    DontNeed,
    /// Accessed once.
    #[component(name = "no-reuse")]
    NoReuse,
}

impl From<Advice> for p2::Advice {
    fn from(a: Advice) -> p2::Advice {
        match a {
            Advice::Normal => p2::Advice::Normal,
            Advice::Sequential => p2::Advice::Sequential,
            Advice::Random => p2::Advice::Random,
            Advice::WillNeed => p2::Advice::WillNeed,
            Advice::DontNeed => p2::Advice::DontNeed,
            Advice::NoReuse => p2::Advice::NoReuse,
        }
    }
}

/// `wasi:filesystem/types.metadata-hash-value`.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug, PartialEq, Eq)]
#[component(record)]
pub struct MetadataHashValue {
    /// The low 64 bits.
    pub lower: u64,
    /// The high 64 bits.
    pub upper: u64,
}
