//! Problems with literals (`E06xx`): durations, percentages and patterns that are well formed
//! but mean nothing.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean};
use crate::span::Span;

/// A problem with a literal's value.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralDiagnostic {
    /// A duration with an unknown unit.
    UnknownUnit {
        /// The unit word.
        unit: String,
        /// Where.
        span: Span,
        /// Close units or keywords.
        candidates: Vec<String>,
    },
    /// A fractional amount of months or years (`1.5 months`).
    FractionalCalendarUnit {
        /// The literal.
        span: Span,
    },
    /// A duration beyond what can be represented (about 290,000 years).
    DurationTooLong {
        /// The literal.
        span: Span,
    },
    /// A `matches` pattern that is not a valid regular expression.
    InvalidRegex {
        /// The pattern literal.
        span: Span,
        /// What the regex parser says.
        message: String,
    },
    /// A percentage outside 0%..100%.
    PercentOutOfRange {
        /// The literal.
        span: Span,
    },
}

impl LiteralDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use LiteralDiagnostic::*;
        match self {
            UnknownUnit {
                unit,
                span,
                candidates,
            } => d
                .code(E0601)
                .message(|| format!("unknown duration unit `{unit}`"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "units are minutes, hours, days, weeks, months and years (a date moved by hours or minutes becomes a timestamp)"
                            .into()
                    })
                }),
            FractionalCalendarUnit { span } => d
                .code(E0602)
                .message(|| "months and years must be whole numbers")
                .at(*span)
                .help(|| "use days for fractions of a month"),
            PercentOutOfRange { span } => d
                .code(E0603)
                .message(|| "a percentage must be between 0% and 100%")
                .at(*span)
                .help(|| "a percentage is a share of a whole"),
            InvalidRegex { span, message } => d
                .code(E0604)
                .message(|| format!("invalid regular expression: {message}"))
                .at(*span)
                .help(|| {
                    "patterns use Rust regex syntax; inside a string a backslash is doubled, e.g. \"\\\\.fr$\""
                }),
            DurationTooLong { span } => d
                .code(E0605)
                .message(|| "this duration is too long")
                .at(*span)
                .help(|| "durations reach about 290,000 years; dates range over years 1 to 9999"),
        }
    }
}
