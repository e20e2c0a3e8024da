//! Decoding UTF-16 and Latin-1 strings from linear memory quickly: a
//! string of a billion code units must not take a per-unit loop of
//! unoptimized code.

/// The string whose UTF-16 code units are the little-endian `bytes`;
/// `None` if they are not valid UTF-16.
pub(super) fn string_from_utf16le(bytes: &[u8]) -> Option<String> {
    if cfg!(target_endian = "little") {
        // SAFETY: every bit pattern is a valid `u16`, and `align_to` only
        // puts correctly aligned, whole `u16`s in the middle slice; on a
        // little-endian host their values are the little-endian units.
        let (head, units, tail) = unsafe { bytes.align_to::<u16>() };
        if head.is_empty() && tail.is_empty() {
            return String::from_utf16(units).ok();
        }
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// The string whose Latin-1 characters are `bytes`: runs of ASCII are
/// copied as they are, chunk by chunk, and only chunks with other bytes
/// are converted byte by byte.
pub(super) fn string_from_latin1(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.chunks(4096) {
        if chunk.is_ascii() {
            out.extend_from_slice(chunk);
            continue;
        }
        for &b in chunk {
            let mut buf = [0; 2];
            out.extend_from_slice(char::from(b).encode_utf8(&mut buf).as_bytes());
        }
    }
    String::from_utf8(out).expect("Latin-1 characters encode as UTF-8")
}

#[cfg(test)]
mod tests {
    use super::string_from_utf16le;

    #[test]
    fn decodes_aligned_and_unaligned_input() {
        let bytes = [0u8, b'h', 0, b'i', 0, 0x3d, 0xd8, 0x00, 0xde];
        assert_eq!(
            string_from_utf16le(&bytes[1..]).as_deref(),
            Some("hi\u{1f600}")
        );
        let mut owned = bytes[1..].to_vec();
        owned.shrink_to_fit();
        assert_eq!(string_from_utf16le(&owned).as_deref(), Some("hi\u{1f600}"));
        assert_eq!(string_from_utf16le(&[0x00, 0xd8]), None);
    }

    #[test]
    fn decodes_latin1() {
        use super::string_from_latin1;
        assert_eq!(string_from_latin1(b"caf\xe9"), "caf\u{e9}");
        let mut long = vec![b'a'; 5000];
        long[4999] = 0xff;
        let s = string_from_latin1(&long);
        assert_eq!(s.chars().count(), 5000);
        assert!(s.ends_with("a\u{ff}"));
    }
}
