//! Detection of x86 memory protection keys (MPK, Linux "pku").
//!
//! Only detection lives here: this runtime does not yet use protection keys
//! to pack pooled memories more densely (see
//! `PoolingAllocationConfig::memory_protection_keys`).

/// Whether this CPU and kernel support memory protection keys: the CPU
/// reports PKU and the OS has enabled it (CPUID leaf 7, ECX bits 3 and 4),
/// and the kernel hands out a key (`pkey_alloc`, which is given back).
pub fn is_supported() -> bool {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let leaf7 = std::arch::x86_64::__cpuid_count(7, 0);
        let pku = leaf7.ecx & (1 << 3) != 0;
        let ospke = leaf7.ecx & (1 << 4) != 0;
        if !(pku && ospke) {
            return false;
        }
        // SAFETY: `pkey_alloc(0, 0)` only allocates a key (or fails); the
        // key is freed right away and never used.
        unsafe {
            let key = libc::syscall(libc::SYS_pkey_alloc, 0usize, 0usize);
            if key < 0 {
                return false;
            }
            libc::syscall(libc::SYS_pkey_free, key as usize);
        }
        true
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detection_matches_the_cpu_flags() {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let flags_have_pku = cpuinfo
            .lines()
            .filter(|l| l.starts_with("flags"))
            .any(|l| l.split_whitespace().any(|f| f == "pku"));
        // The kernel lists `pku` only when the CPU has it and it is enabled.
        if !flags_have_pku {
            assert!(!super::is_supported());
        }
    }
}
