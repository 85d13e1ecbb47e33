//! Bugs in segc (`E09xx`): what the checker accepted and a later stage could not handle.

use super::codes::Code::*;
use super::describe::{Describe, Description};
use crate::span::Span;

/// A bug in segc, reported with the place it was met at.
#[derive(Debug, Clone, PartialEq)]
pub enum InternalDiagnostic {
    /// The plan builder (or a stage after the checker) refused what the checker accepted.
    PlanFailed {
        /// What was being lowered.
        span: Span,
        /// The engine's message.
        message: String,
    },
}

impl InternalDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        match self {
            InternalDiagnostic::PlanFailed { span, message } => d
                .code(E0901)
                .message(|| format!("internal error while building the plan: {message}"))
                .at(*span)
                .help(|| "this is a bug in segc; please report it with the rule file"),
        }
    }

    /// This problem with `r` applied to the engine's message (which may quote a path).
    pub(crate) fn map_texts(self, r: impl Fn(String) -> String) -> Self {
        match self {
            InternalDiagnostic::PlanFailed { span, message } => InternalDiagnostic::PlanFailed {
                span,
                message: r(message),
            },
        }
    }
}
