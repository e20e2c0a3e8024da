//! The result of running a script: counts and the failures.

use std::fmt;

/// The outcome of running one `.wast` script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WastReport {
    /// How many directives behaved as the script expected.
    pub passed: usize,
    /// One entry per directive that did not behave as expected, formatted as
    /// `file:line:col: what went wrong`.
    pub failed: Vec<String>,
    /// Directives that were rejected or trapped as expected, but whose error
    /// text does not contain the message the script expects. These are
    /// counted as passed; the list is informational.
    pub message_mismatches: Vec<String>,
}

impl WastReport {
    /// Whether every directive passed.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
    }

    /// Adds the counts and lists of `other` to this report.
    pub fn merge(&mut self, other: WastReport) {
        self.passed += other.passed;
        self.failed.extend(other.failed);
        self.message_mismatches.extend(other.message_mismatches);
    }
}

impl fmt::Display for WastReport {
    /// Writes the one-line summary `N passed, N failed` (plus the number of
    /// message mismatches when there are any).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed.len())?;
        if !self.message_mismatches.is_empty() {
            write!(f, " ({} message mismatches)", self.message_mismatches.len())?;
        }
        Ok(())
    }
}
