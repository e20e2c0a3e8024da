//! The fuzz targets. Each has a `run_one(&[u8]) -> Outcome` entry point that
//! the stable driver (and a cargo-fuzz wrapper, where nightly exists) calls.

pub mod api_ops;
pub mod component;
pub mod differential;
pub mod instantiate;
