//! The target an engine compiles for (`Config::target`, by default the
//! host) and how it shows in artifacts: the ELF machine and byte order of
//! the object written by `Engine::precompile_module`, checked again by
//! `Module::deserialize` before anything else.

use anyhow::{bail, Result};
use target_lexicon::{Architecture, Triple};

/// The triple of the host this crate was built for.
pub(crate) fn host() -> Triple {
    Triple::host()
}

/// The ELF machine and byte order of artifacts for `triple`.
pub(crate) fn object_arch(triple: &Triple) -> Result<(object::Architecture, object::Endianness)> {
    use object::{Architecture as A, Endianness as E};
    Ok(match triple.architecture {
        Architecture::X86_64 => (A::X86_64, E::Little),
        Architecture::Aarch64(_) => (A::Aarch64, E::Little),
        Architecture::Riscv64(_) => (A::Riscv64, E::Little),
        Architecture::S390x => (A::S390x, E::Big),
        _ => bail!("cannot write artifacts for target `{triple}`"),
    })
}

/// A short name of an ELF machine: the architecture part of a triple for
/// the ones we produce.
pub(crate) fn arch_name(arch: object::Architecture) -> String {
    use object::Architecture as A;
    match arch {
        A::X86_64 => "x86_64".into(),
        A::Aarch64 => "aarch64".into(),
        A::Riscv64 => "riscv64".into(),
        A::S390x => "s390x".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Checks that an artifact whose ELF header says `machine` (`recorded` is
/// the target its settings name, if readable) holds code for `engine`'s
/// target `ours`. The message names both architectures.
pub(crate) fn check_artifact_arch(
    machine: object::Architecture,
    recorded: Option<&str>,
    ours: &Triple,
) -> Result<()> {
    let expected = object_arch(ours).ok().map(|(a, _)| a);
    if expected == Some(machine) {
        return Ok(());
    }
    let theirs = arch_name(machine);
    let theirs = match recorded {
        Some(t) => format!("'{theirs}' (target '{t}')"),
        None => format!("'{theirs}'"),
    };
    bail!(
        "Module was compiled for architecture {theirs}, but this engine is for architecture \
         '{}' (target '{ours}'); it cannot be loaded here",
        ours.architecture
    )
}

/// Checks that code compiled for `target` can run on this host (as in
/// Wasmtime: the triples must be equal).
pub(crate) fn check_native(target: &Triple) -> Result<()> {
    let host = host();
    if *target != host {
        bail!(
            "compilation settings are not compatible with the native host: target '{target}' \
             specified in the configuration does not match the host '{host}'"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn machines_and_messages() {
        let t = |s: &str| Triple::from_str(s).unwrap();
        let (a, e) = object_arch(&t("s390x-unknown-linux-gnu")).unwrap();
        assert_eq!(
            (a, e),
            (object::Architecture::S390x, object::Endianness::Big)
        );
        let (a, _) = object_arch(&t("riscv64gc-unknown-linux-gnu")).unwrap();
        assert_eq!(a, object::Architecture::Riscv64);
        assert!(object_arch(&t("i686-unknown-linux-gnu")).is_err());
        let x86 = t("x86_64-unknown-linux-gnu");
        assert!(check_artifact_arch(object::Architecture::X86_64, None, &x86).is_ok());
        let err = check_artifact_arch(
            object::Architecture::Aarch64,
            Some("aarch64-unknown-linux-gnu"),
            &x86,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("'aarch64'") && err.contains("'x86_64'"),
            "{err}"
        );
        assert!(check_native(&host()).is_ok());
        let err = check_native(&t("s390x-unknown-linux-gnu")).unwrap_err();
        assert!(err.to_string().contains("does not match the host"), "{err}");
    }
}
