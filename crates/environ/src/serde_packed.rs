//! Compact serde encodings for the large arrays of artifact metadata.
//!
//! Serde's default encoding of a `Box<[u8]>` or a `Vec<(u32, u32)>` is a
//! sequence that the deserializer rebuilds one element at a time. For a
//! module with megabytes of data segments or a million address-map entries
//! that loop is most of the time spent loading an artifact. These encodings
//! write the same values as one byte string, which a binary format such as
//! postcard reads back with one copy. Use them with
//! `#[serde(with = "wasmtime_environ::serde_packed::bytes")]` (or
//! `u32_pairs`).

use serde::de::{Error, SeqAccess, Visitor};
use serde::{Deserializer, Serializer};
use std::fmt;

/// Reads a byte string (or, from formats that write bytes as a sequence,
/// a sequence of bytes) into a `Vec<u8>`.
struct ByteVisitor;

impl<'de> Visitor<'de> for ByteVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a byte string")
    }

    fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// A `Box<[u8]>` as one byte string.
pub mod bytes {
    use super::*;

    /// Writes `v` as a byte string.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    /// Reads a byte string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<[u8]>, D::Error> {
        Ok(d.deserialize_bytes(ByteVisitor)?.into_boxed_slice())
    }
}

/// A `Vec<(u32, u32)>` as one byte string of little-endian `u32`s, each
/// pair's first element first.
pub mod u32_pairs {
    use super::*;

    /// Writes `v` as a byte string of `8 * v.len()` bytes.
    pub fn serialize<S: Serializer>(v: &[(u32, u32)], s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(v.len() * 8);
        for (a, b) in v {
            bytes.extend_from_slice(&a.to_le_bytes());
            bytes.extend_from_slice(&b.to_le_bytes());
        }
        s.serialize_bytes(&bytes)
    }

    /// Reads a byte string written by [`serialize`]; a length that is not
    /// a multiple of 8 is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u32, u32)>, D::Error> {
        let bytes = d.deserialize_bytes(ByteVisitor)?;
        if bytes.len() % 8 != 0 {
            return Err(D::Error::custom(format!(
                "packed u32 pairs of {} bytes (not a multiple of 8)",
                bytes.len()
            )));
        }
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        Ok(bytes
            .chunks_exact(8)
            .map(|c| (word(&c[..4]), word(&c[4..])))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Both {
        #[serde(with = "super::bytes")]
        data: Box<[u8]>,
        #[serde(with = "super::u32_pairs")]
        map: Vec<(u32, u32)>,
    }

    #[test]
    fn round_trips_through_postcard() {
        let v = Both {
            data: vec![1, 2, 255].into_boxed_slice(),
            map: vec![(0, 7), (u32::MAX, 3)],
        };
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(postcard::from_bytes::<Both>(&bytes).unwrap(), v);
    }

    #[test]
    fn a_truncated_pair_list_is_an_error() {
        #[derive(serde::Serialize)]
        struct Raw {
            #[serde(with = "super::bytes")]
            data: Box<[u8]>,
            #[serde(with = "super::bytes")]
            map: Box<[u8]>,
        }
        let raw = Raw {
            data: Box::new([]),
            map: vec![0; 7].into_boxed_slice(),
        };
        let bytes = postcard::to_allocvec(&raw).unwrap();
        let err = postcard::from_bytes::<Both>(&bytes).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}
