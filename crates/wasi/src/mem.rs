//! Bounds-checked access to a guest's linear memory. Every pointer and
//! length a guest passes goes through here: an out-of-bounds range gives
//! `EFAULT` instead of touching host memory.

use crate::errno::{Errno, EFAULT, EILSEQ};

/// A guest memory for the duration of one WASI call.
pub(crate) struct GuestMemory<'a>(pub(crate) &'a mut [u8]);

type R<T> = Result<T, Errno>;

impl GuestMemory<'_> {
    fn range(&self, ptr: u32, len: u64) -> R<std::ops::Range<usize>> {
        let start = ptr as u64;
        let end = start.checked_add(len).ok_or(EFAULT)?;
        if end > self.0.len() as u64 {
            return Err(EFAULT);
        }
        Ok(start as usize..end as usize)
    }

    /// The bytes `[ptr, ptr + len)`.
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> R<&[u8]> {
        let r = self.range(ptr, len as u64)?;
        Ok(&self.0[r])
    }

    /// The bytes `[ptr, ptr + len)`, mutably.
    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> R<&mut [u8]> {
        let r = self.range(ptr, len as u64)?;
        Ok(&mut self.0[r])
    }

    /// Checks that `[ptr, ptr + len)` is inside memory (for arrays whose
    /// size is `count * elem`, computed in 64 bits so it cannot wrap).
    pub(crate) fn check(&self, ptr: u32, len: u64) -> R<()> {
        self.range(ptr, len).map(|_| ())
    }

    pub(crate) fn read<const N: usize>(&self, ptr: u32) -> R<[u8; N]> {
        let r = self.range(ptr, N as u64)?;
        Ok(self.0[r].try_into().expect("range has length N"))
    }

    pub(crate) fn write(&mut self, ptr: u32, bytes: &[u8]) -> R<()> {
        let r = self.range(ptr, bytes.len() as u64)?;
        self.0[r].copy_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn u8(&self, ptr: u32) -> R<u8> {
        Ok(self.read::<1>(ptr)?[0])
    }
    pub(crate) fn u16(&self, ptr: u32) -> R<u16> {
        Ok(u16::from_le_bytes(self.read(ptr)?))
    }
    pub(crate) fn u32(&self, ptr: u32) -> R<u32> {
        Ok(u32::from_le_bytes(self.read(ptr)?))
    }
    pub(crate) fn u64(&self, ptr: u32) -> R<u64> {
        Ok(u64::from_le_bytes(self.read(ptr)?))
    }
    pub(crate) fn put_u32(&mut self, ptr: u32, v: u32) -> R<()> {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn put_u64(&mut self, ptr: u32, v: u64) -> R<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A UTF-8 string of `len` bytes at `ptr` (`EILSEQ` if not UTF-8).
    pub(crate) fn str(&self, ptr: u32, len: u32) -> R<String> {
        let bytes = self.slice(ptr, len)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| EILSEQ)
    }

    /// Reads an array of `count` iovecs (`{ptr: u32, len: u32}`) at
    /// `iovs`, checking each buffer lies inside memory.
    pub(crate) fn iovecs(&self, iovs: u32, count: u32) -> R<Vec<(u32, u32)>> {
        self.check(iovs, count as u64 * 8)?;
        let mut out = Vec::with_capacity(count.min(1024) as usize);
        for i in 0..count {
            let at = iovs + i * 8;
            let buf = self.u32(at)?;
            let len = self.u32(at + 4)?;
            self.check(buf, len as u64)?;
            out.push((buf, len));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_efault() {
        let mut bytes = vec![0u8; 16];
        let mut m = GuestMemory(&mut bytes);
        assert!(m.put_u32(12, 7).is_ok());
        assert_eq!(m.u32(12), Ok(7));
        assert_eq!(m.put_u32(13, 7), Err(EFAULT));
        assert_eq!(m.u64(u32::MAX), Err(EFAULT));
        assert_eq!(m.slice(0, 17).err(), Some(EFAULT));
        assert_eq!(m.slice(16, 0).map(|s| s.len()), Ok(0));
        assert_eq!(m.iovecs(8, u32::MAX).err(), Some(EFAULT));
        m.write(0, &[0xff, 0xfe]).unwrap();
        assert_eq!(m.str(0, 2), Err(EILSEQ));
    }
}
