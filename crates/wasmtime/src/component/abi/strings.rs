//! Strings across the canonical ABI: storing them with `realloc` in the
//! order of the canonical ABI's `store_string` (the worst-case size first,
//! then shrinking), loading them with their bounds and length checked, and
//! the UTF-8 strings an adapter between two guests copies only once the
//! callee's `realloc` has succeeded ([`PendingString`]).

use super::{units, Cx, UTF16_TAG};
use crate::Memory;
use anyhow::{anyhow, ensure, Result};
use std::borrow::Cow;
use wasmtime_environ::component::StringEncoding;

/// A UTF-8 string in a guest's memory that an adapter has lifted but not
/// copied yet; the placeholder value passed on is an empty string.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PendingString {
    pub(super) memory: Memory,
    pub(super) ptr: u32,
    pub(super) len: u32,
}

impl Cx<'_> {
    /// [`Cx::realloc`] for a string's bytes.
    fn string_realloc(&mut self, old: u32, old_size: u32, align: u32, size: u32) -> Result<u32> {
        self.allocating_string = true;
        let r = self.realloc(old, old_size, align, size);
        self.allocating_string = false;
        r
    }

    /// Copies `s` into the guest's memory in its encoding, allocating
    /// with `realloc` the way the canonical ABI's `store_string` does:
    /// the worst-case size first (so a `realloc` that fails does so before
    /// any transcoding), then shrinking to the size used.
    pub(crate) fn store_string(&mut self, s: &str) -> Result<(u32, u32)> {
        if self.adapter {
            if let Some(p) = self.pending_strings.pop() {
                let content = move |cx: &mut Self| -> Result<Cow<'static, str>> {
                    let bytes = &p.memory.data_in(cx.store)[p.ptr as usize..][..p.len as usize];
                    let s = std::str::from_utf8(bytes)
                        .map_err(|_| anyhow!("invalid utf-8 sequence in a string"))?;
                    Ok(Cow::Owned(s.to_string()))
                };
                return self.store_string_from(p.len as usize, content);
            }
        }
        self.store_string_from(s.len(), |_| Ok(Cow::Borrowed(s)))
    }

    /// [`Cx::store_string`] of a string of `bytes` UTF-8 bytes, whose
    /// content `content` gives once the first `realloc` has succeeded.
    fn store_string_from<'s>(
        &mut self,
        bytes: usize,
        content: impl FnOnce(&mut Self) -> Result<Cow<'s, str>>,
    ) -> Result<(u32, u32)> {
        let adapter = self.adapter;
        let too_large = || match adapter {
            true => anyhow::Error::new(crate::Trap::StringOutOfBounds),
            false => anyhow!("string length of {bytes} too large to copy into wasm"),
        };
        let byte_len = u32::try_from(bytes)
            .ok()
            .filter(|n| *n <= MAX_STRING_BYTES)
            .ok_or_else(too_large)?;
        match self.opts.encoding {
            StringEncoding::Utf8 => {
                let ptr = self.string_realloc(0, 0, 1, byte_len)?;
                let s = content(self)?;
                self.write(ptr, s.as_bytes())?;
                Ok((ptr, byte_len))
            }
            StringEncoding::Utf16 => {
                let size = byte_len
                    .checked_mul(2)
                    .filter(|n| *n <= MAX_STRING_BYTES)
                    .ok_or_else(too_large)?;
                let mut ptr = self.string_realloc(0, 0, 2, size)?;
                let s = content(self)?;
                let units = encode_utf16(&s);
                let used = (units.len() * 2) as u32;
                self.write(ptr, &units_le_bytes(&units))?;
                if used < size {
                    ptr = self.string_realloc(ptr, size, 2, used)?;
                }
                Ok((ptr, units.len() as u32))
            }
            StringEncoding::CompactUtf16 => {
                // Latin-1 first, in at most one byte per UTF-8 byte.
                let mut ptr = self.string_realloc(0, 0, 2, byte_len)?;
                let s = content(self)?;
                let latin1: Option<Vec<u8>> =
                    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
                if let Some(latin1) = latin1 {
                    self.write(ptr, &latin1)?;
                    let used = latin1.len() as u32;
                    if used < byte_len {
                        ptr = self.string_realloc(ptr, byte_len, 2, used)?;
                    }
                    return Ok((ptr, used));
                }
                // Some character needs UTF-16: grow to the worst case.
                let size = byte_len
                    .checked_mul(2)
                    .filter(|n| *n <= MAX_STRING_BYTES)
                    .ok_or_else(too_large)?;
                ptr = self.string_realloc(ptr, byte_len, 2, size)?;
                let units = encode_utf16(&s);
                let used = (units.len() * 2) as u32;
                self.write(ptr, &units_le_bytes(&units))?;
                if used < size {
                    ptr = self.string_realloc(ptr, size, 2, used)?;
                }
                Ok((ptr, units.len() as u32 | UTF16_TAG))
            }
        }
    }

    pub(crate) fn load_string(&mut self, ptr: u32, len: u32) -> Result<String> {
        let (utf16, len) = match self.opts.encoding {
            StringEncoding::Utf8 => (false, len),
            StringEncoding::Utf16 => (true, len),
            StringEncoding::CompactUtf16 => (len & UTF16_TAG != 0, len & !UTF16_TAG),
        };
        let byte_len = match utf16 {
            true => (len as usize).checked_mul(2),
            false => Some(len as usize),
        };
        let range = byte_len
            .filter(|n| *n <= MAX_STRING_BYTES as usize)
            .and_then(|n| self.range(ptr, n).ok())
            .ok_or_else(|| self.string_out_of_bounds())?;
        if self.opts.encoding == StringEncoding::Utf8 {
            if self.defer_strings {
                let memory = self.opts.memory.ok_or_else(|| anyhow!("no memory"))?;
                self.pending_strings
                    .push(PendingString { memory, ptr, len });
                return Ok(String::new());
            }
            let bytes = &self.memory()?[range];
            return std::str::from_utf8(bytes)
                .map(str::to_string)
                .map_err(|_| anyhow!("invalid utf-8 sequence in a string"));
        }
        // Both UTF-16 encodings align strings to 2, Latin-1 ones too.
        ensure!(ptr.is_multiple_of(2), "string pointer not aligned to 2");
        let bytes = &self.memory()?[range];
        if !utf16 {
            return Ok(units::string_from_latin1(bytes));
        }
        units::string_from_utf16le(bytes)
            .ok_or_else(|| anyhow!("invalid utf-16 sequence in a string"))
    }

    /// The error for a string outside the memory: in an adapter between
    /// two guests Wasmtime's trap, for the host Wasmtime's message.
    fn string_out_of_bounds(&self) -> anyhow::Error {
        if self.adapter {
            anyhow::Error::new(crate::Trap::StringOutOfBounds)
        } else {
            anyhow!("string pointer/length out of bounds of memory")
        }
    }
}

/// The most bytes a string may take in memory (in any encoding).
const MAX_STRING_BYTES: u32 = (1 << 31) - 1;

/// `s` as UTF-16 code units.
fn encode_utf16(s: &str) -> Vec<u16> {
    let mut units = Vec::with_capacity(s.len());
    units.extend(s.encode_utf16());
    units
}

/// UTF-16 code units as little-endian bytes.
fn units_le_bytes(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_le_bytes()).collect()
}
