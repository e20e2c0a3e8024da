//! Placeholder library target of the test package; everything lives in `tests/`, `examples/` and `benches/`.
