//! Semver-compatible name matching: an import or export named
//! `ns:pkg/iface@0.2.9` is satisfied by `ns:pkg/iface@0.2.12`, as in
//! Wasmtime.

use std::collections::BTreeMap;

/// The definition for import `name`: the one of that exact name, or else,
/// for a versioned name (`ns:pkg/iface@1.2.3`), the definition of the same
/// name with the highest semver-compatible version (same major version;
/// for 0.x, same minor; prereleases match only exactly), as Wasmtime's
/// linker resolves `wasi:cli/environment@0.2.9` to a `@0.2.12` host.
pub(crate) fn lookup<'a, D>(map: &'a BTreeMap<String, D>, name: &str) -> Option<&'a D> {
    if let Some(d) = map.get(name) {
        return Some(d);
    }
    find(map.iter().map(|(k, d)| (k.as_str(), d)), name)
}

/// The value of the entry named `name`, or of the highest
/// semver-compatible version of it (see [`lookup`]).
pub(crate) fn find<'a, V>(
    entries: impl IntoIterator<Item = (&'a str, V)>,
    name: &str,
) -> Option<V> {
    let (base, version) = name.split_once('@')?;
    let want = parse_version(version)?;
    entries
        .into_iter()
        .filter_map(|(k, d)| {
            if k == name {
                return Some(((u64::MAX, 0, 0), d));
            }
            let (b, v) = k.split_once('@')?;
            let have = parse_version(v)?;
            let compatible = b == base
                && match (want.0, want.1) {
                    (0, 0) => have == want,
                    (0, minor) => have.0 == 0 && have.1 == minor,
                    (major, _) => have.0 == major,
                };
            compatible.then_some((have, d))
        })
        .max_by_key(|(v, _)| *v)
        .map(|(_, d)| d)
}

/// `major.minor.patch` without prerelease or build parts.
fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let patch = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((major, minor, patch))
}
