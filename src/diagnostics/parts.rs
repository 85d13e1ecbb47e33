//! The small types that diagnostics are made of.

use serde::Serialize;

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; does not stop anything.
    Warning,
    /// The rules cannot be compiled or run.
    Error,
}

/// Which exit code a problem leads to: problems in the rules (1) or in the environment (2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The rule file is wrong (or does not match the data it declares).
    Rules,
    /// Files, paths, arguments or variables given to the command are wrong.
    Environment,
}

/// A secondary label: a span with an optional short text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: Option<String>,
}
