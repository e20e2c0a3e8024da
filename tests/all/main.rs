//! Integration tests grouped by feature.
