//! [`FieldMap`]: the headers or trailers behind a `wasi:http/types.fields`.

use crate::WasiHttpHooks;
use http::{HeaderMap, HeaderName, HeaderValue};

/// Why a change to a [`FieldMap`] was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldError {
    /// The name or a value is not valid HTTP syntax.
    InvalidSyntax,
    /// The embedder forbids the guest from setting this header.
    Forbidden,
    /// These fields belong to a request or response and can no longer be
    /// changed.
    Immutable,
    /// The fields would grow beyond the context's size limit.
    SizeExceeded,
}

/// HTTP fields (headers or trailers), which a guest can change only
/// while they are mutable, and only within a size limit.
#[derive(Debug, Clone)]
pub struct FieldMap {
    map: HeaderMap,
    mutable: bool,
    size: usize,
    limit: usize,
}

fn entry_size(name: &HeaderName, value: &HeaderValue) -> usize {
    name.as_str().len() + value.len()
}

impl FieldMap {
    /// Empty mutable fields that may hold up to `limit` bytes of names
    /// and values.
    pub fn new_mutable(limit: usize) -> FieldMap {
        FieldMap {
            map: HeaderMap::new(),
            mutable: true,
            size: 0,
            limit,
        }
    }

    /// Immutable fields holding `map` (headers received by the host).
    pub fn new_immutable(map: HeaderMap) -> FieldMap {
        let size = map.iter().map(|(n, v)| entry_size(n, v)).sum();
        FieldMap {
            map,
            mutable: false,
            size,
            limit: usize::MAX,
        }
    }

    /// Whether the guest may change these fields.
    pub fn is_mutable(&self) -> bool {
        self.mutable
    }

    /// Makes these fields immutable (they now belong to a message).
    pub fn set_immutable(&mut self) {
        self.mutable = false;
    }

    /// The headers.
    pub fn map(&self) -> &HeaderMap {
        &self.map
    }

    /// A mutable copy.
    pub fn clone_mutable(&self) -> FieldMap {
        FieldMap {
            mutable: true,
            ..self.clone()
        }
    }

    fn check(&self, hooks: &mut dyn WasiHttpHooks, name: &str) -> Result<HeaderName, FieldError> {
        if !self.mutable {
            return Err(FieldError::Immutable);
        }
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| FieldError::InvalidSyntax)?;
        if hooks.is_forbidden_header(&name) {
            return Err(FieldError::Forbidden);
        }
        Ok(name)
    }

    fn value(value: &[u8]) -> Result<HeaderValue, FieldError> {
        HeaderValue::from_bytes(value).map_err(|_| FieldError::InvalidSyntax)
    }

    /// Adds `value` to the values of `name`.
    pub fn append(
        &mut self,
        hooks: &mut dyn WasiHttpHooks,
        name: &str,
        value: &[u8],
    ) -> Result<(), FieldError> {
        let name = self.check(hooks, name)?;
        let value = Self::value(value)?;
        let size = entry_size(&name, &value);
        if self.size + size > self.limit {
            return Err(FieldError::SizeExceeded);
        }
        self.size += size;
        self.map.append(name, value);
        Ok(())
    }

    /// Replaces the values of `name` by `values`.
    pub fn set(
        &mut self,
        hooks: &mut dyn WasiHttpHooks,
        name: &str,
        values: &[Vec<u8>],
    ) -> Result<(), FieldError> {
        let name = self.check(hooks, name)?;
        let values = values
            .iter()
            .map(|v| Self::value(v))
            .collect::<Result<Vec<_>, _>>()?;
        let old: usize = self
            .map
            .get_all(&name)
            .iter()
            .map(|v| entry_size(&name, v))
            .sum();
        let new: usize = values.iter().map(|v| entry_size(&name, v)).sum();
        if self.size - old + new > self.limit {
            return Err(FieldError::SizeExceeded);
        }
        self.size = self.size - old + new;
        self.map.remove(&name);
        for value in values {
            self.map.append(name.clone(), value);
        }
        Ok(())
    }

    /// Removes `name`, returning its values.
    pub fn remove(
        &mut self,
        hooks: &mut dyn WasiHttpHooks,
        name: &str,
    ) -> Result<Vec<Vec<u8>>, FieldError> {
        let name = self.check(hooks, name)?;
        let values = self.get(name.as_str());
        let removed: usize = values.iter().map(|v| name.as_str().len() + v.len()).sum();
        self.size -= removed;
        self.map.remove(&name);
        Ok(values)
    }

    /// The values of `name` (none for an invalid name).
    pub fn get(&self, name: &str) -> Vec<Vec<u8>> {
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => self
                .map
                .get_all(&name)
                .iter()
                .map(|v| v.as_bytes().to_vec())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Whether `name` has values.
    pub fn has(&self, name: &str) -> bool {
        HeaderName::from_bytes(name.as_bytes()).is_ok_and(|n| self.map.contains_key(&n))
    }

    /// Every name and value, in order.
    pub fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.map
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect()
    }
}

impl From<FieldMap> for HeaderMap {
    fn from(fields: FieldMap) -> HeaderMap {
        fields.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_and_invalid_headers_are_refused() {
        let hooks = crate::default_hooks();
        let mut f = FieldMap::new_mutable(1024);
        assert_eq!(f.append(hooks, "x-ok", b"1"), Ok(()));
        for name in [
            "host",
            "Connection",
            "transfer-encoding",
            "upgrade",
            "keep-alive",
            "http2-settings",
            "proxy-authorization",
        ] {
            assert_eq!(
                f.append(hooks, name, b"v"),
                Err(FieldError::Forbidden),
                "{name}"
            );
            assert_eq!(
                f.set(hooks, name, &[b"v".to_vec()]),
                Err(FieldError::Forbidden)
            );
        }
        assert_eq!(
            f.append(hooks, "bad name", b"v"),
            Err(FieldError::InvalidSyntax)
        );
        assert_eq!(
            f.append(hooks, "x-a", b"a\nb"),
            Err(FieldError::InvalidSyntax)
        );
        assert_eq!(f.get("x-ok"), vec![b"1".to_vec()]);
        assert!(!f.has("host"));
    }

    #[test]
    fn set_append_remove_and_immutability() {
        let hooks = crate::default_hooks();
        let mut f = FieldMap::new_mutable(1024);
        f.append(hooks, "x-a", b"1").unwrap();
        f.append(hooks, "X-A", b"2").unwrap();
        assert_eq!(f.get("x-a"), vec![b"1".to_vec(), b"2".to_vec()]);
        f.set(hooks, "x-a", &[b"3".to_vec()]).unwrap();
        assert_eq!(f.entries(), vec![("x-a".to_string(), b"3".to_vec())]);
        assert_eq!(f.remove(hooks, "x-a").unwrap(), vec![b"3".to_vec()]);
        assert!(!f.has("x-a"));
        assert_eq!(f.size, 0);
        f.set_immutable();
        assert_eq!(f.append(hooks, "x-b", b"1"), Err(FieldError::Immutable));
        let mut copy = f.clone_mutable();
        assert_eq!(copy.append(hooks, "x-b", b"1"), Ok(()));
    }

    #[test]
    fn size_limit() {
        let hooks = crate::default_hooks();
        let mut f = FieldMap::new_mutable(10);
        f.append(hooks, "x-a", b"1234").unwrap();
        assert_eq!(
            f.append(hooks, "x-b", b"1234"),
            Err(FieldError::SizeExceeded)
        );
        f.set(hooks, "x-a", &[b"12345".to_vec()]).unwrap();
        assert_eq!(
            f.set(hooks, "x-a", &[b"12345678".to_vec()]),
            Err(FieldError::SizeExceeded)
        );
    }
}
