//! Collecting diagnostics while a stage keeps going.

use super::{Diagnostic, Severity};

/// Collects diagnostics while a stage keeps going.
#[derive(Debug, Default, Clone)]
pub struct Sink {
    items: Vec<Diagnostic>,
}

impl Sink {
    /// An empty sink.
    pub fn new() -> Self {
        Sink::default()
    }

    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Whether any recorded diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity() == Severity::Error)
    }

    /// The recorded diagnostics, in order of discovery.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Takes the recorded diagnostics, sorted by position (then by code) for stable output.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        // Each key once (the sort is stable all the same): a key costs a `describe`.
        self.items
            .sort_by_cached_key(|d| (d.primary_span().map(|s| s.start), d.code()));
        self.items
    }

    /// Appends every diagnostic of `other`.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }
}
