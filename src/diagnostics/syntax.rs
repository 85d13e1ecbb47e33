//! Syntax problems (`E01xx`): text that does not follow the grammar, literals that cannot be
//! read, items nested too deeply.

use super::codes::Code::*;
use super::describe::{Describe, Description, did_you_mean, one_of};
use crate::span::Span;

/// A syntax problem.
#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxDiagnostic {
    /// The text does not follow the grammar.
    Unexpected {
        /// Where parsing stopped.
        span: Span,
        /// What would have been accepted there, in words.
        expected: Vec<&'static str>,
        /// What was found (`None` at the end of the item).
        found: Option<String>,
        /// Keywords close to what was found (`adn` → `and`).
        candidates: Vec<String>,
        /// A likely cause recognised from the text, if any.
        hint: Option<SyntaxHint>,
    },
    /// A string literal is not closed on its line.
    UnterminatedString {
        /// From the opening quote to the end of the line.
        span: Span,
    },
    /// A number does not fit 64 bits.
    NumberTooLarge {
        /// The literal.
        span: Span,
    },
    /// `@...` is not a valid date or timestamp.
    InvalidDate {
        /// The literal.
        span: Span,
        /// The literal text.
        text: String,
    },
    /// A backslash escape that is not `\"`, `\\`, `\n` or `\t`.
    InvalidEscape {
        /// The escape.
        span: Span,
        /// The escape text.
        escape: String,
    },
    /// A chunk of text that does not start with an item keyword.
    StrayText {
        /// The first word.
        found: String,
        /// Where it stands.
        span: Span,
        /// Item keywords close to it.
        candidates: Vec<String>,
    },
    /// An item nested too deeply to be compiled safely.
    TooDeep {
        /// The item.
        span: Span,
    },
}

/// Mistakes recognised in syntax errors, from habits of other languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxHint {
    /// `=` where `==` was meant.
    SingleEquals,
    /// `in ("a", "b")`: lists take brackets.
    ParenthesisedList,
    /// `'FR'`: strings take double quotes.
    SingleQuotes,
    /// `&&` for `and`.
    DoubleAmpersand,
    /// `||` (text concatenation) for `or`.
    DoublePipe,
    /// Score points computed with an operator, without parentheses.
    PointsInParentheses,
    /// `≥`, `≤`, `≠`.
    UnicodeOperator,
    /// A name with letters outside ASCII.
    NonAsciiName,
    /// `2026-12-31`: dates take a leading `@`.
    BareDate,
}

impl SyntaxDiagnostic {
    /// Everything this problem says, for the part `d` asks for.
    pub(super) fn describe(&self, d: Describe) -> Description {
        use SyntaxDiagnostic::*;
        match self {
            Unexpected {
                span,
                expected,
                found,
                candidates,
                hint,
            } => d
                .code(E0101)
                .message(|| {
                    let found = match found {
                        Some(text) => format!("found `{text}`"),
                        None => "found the end of the item".to_string(),
                    };
                    if expected.is_empty() {
                        format!("unexpected text: {found}")
                    } else {
                        format!("expected {}, {found}", one_of(expected))
                    }
                })
                .at(*span)
                .primary_label(|| {
                    (!expected.is_empty()).then(|| format!("expected {}", one_of(expected)))
                })
                .help(|| {
                    did_you_mean(candidates)
                        .or_else(|| hint.map(|h| h.help().to_string()))
                        .or_else(|| {
                            found
                                .as_ref()
                                .filter(|word| crate::words::RESERVED_WORDS.contains(&word.as_str()))
                                .map(|word| format!(
                                    "`{word}` is a reserved word; a column named like it is written in backquotes: `{word}`"
                                ))
                        })
                }),
            UnterminatedString { span } => d
                .code(E0102)
                .message(|| "this string is not closed")
                .at(*span)
                .help(|| "add the closing `\"` on the same line"),
            NumberTooLarge { span } => d
                .code(E0103)
                .message(|| "this number is too large")
                .at(*span)
                .help(|| "integers range up to 9223372036854775807"),
            InvalidDate { span, text } => d
                .code(E0104)
                .message(|| format!("`{text}` is not a valid date or timestamp"))
                .at(*span)
                .help(|| "write dates as @YYYY-MM-DD and timestamps as @YYYY-MM-DDTHH:MM:SS"),
            InvalidEscape { span, escape } => d
                .code(E0105)
                .message(|| format!("unknown escape `{escape}` in string"))
                .at(*span)
                .help(|| "valid escapes are \\\", \\\\, \\n and \\t"),
            StrayText {
                found,
                span,
                candidates,
            } => d
                .code(E0106)
                .message(|| format!("`{found}` does not start an item"))
                .at(*span)
                .help(|| {
                    did_you_mean(candidates).unwrap_or_else(|| {
                        "items start with `source`, `population`, `let`, `segment`, `score`, `tiers`, `split` or `kpi` at the start of a line"
                            .into()
                    })
                }),
            TooDeep { span } => d
                .code(E0108)
                .message(|| "this item is nested too deeply")
                .at(*span)
                .help(|| {
                    "split it into `let` definitions; parentheses nest at most 64 deep and expressions 256"
                }),
        }
    }
}

impl SyntaxHint {
    /// What to write instead.
    fn help(self) -> &'static str {
        match self {
            SyntaxHint::SingleEquals => {
                "compare with `==`; a single `=` only follows a declared name"
            }
            SyntaxHint::ParenthesisedList => "lists take brackets: `x in [\"a\", \"b\"]`",
            SyntaxHint::SingleQuotes => "strings take double quotes: \"FR\"",
            SyntaxHint::DoubleAmpersand => "write `and`",
            SyntaxHint::DoublePipe => "`||` joins texts; for either condition, write `or`",
            SyntaxHint::UnicodeOperator => "write `>=`, `<=` or `!=`",
            SyntaxHint::PointsInParentheses => {
                "points computed with an operator go in parentheses: `+ (spend_12m / 100) when ...`"
            }
            SyntaxHint::NonAsciiName => {
                "bare names are ASCII letters, digits and `_`; write other names in backquotes: `café`"
            }
            SyntaxHint::BareDate => "dates start with `@`: `@2026-12-31`",
        }
    }
}
