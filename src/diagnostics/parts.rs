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

/// What kind of name was not found or was declared twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameKind {
    /// A data source.
    Source,
    /// A column of a source.
    Column,
    /// A `let` value.
    Let,
    /// A segment.
    Segment,
    /// Anything an expression can name: a column, a `let`, a segment or `as_of`.
    Value,
    /// A reader option of a source.
    Option,
    /// A score.
    Score,
    /// A tiers item.
    Tiers,
    /// One tier of a tiers item.
    Tier,
    /// A KPI.
    Kpi,
}

/// Where a value of the wrong type was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Context {
    /// The condition of segment `name`.
    SegmentCondition(String),
    /// An operand of `and`, `or` or `not`.
    Logic(&'static str),
    /// The condition of an `if`.
    IfCondition,
    /// An operand of an arithmetic operator.
    Arithmetic(&'static str),
    /// The condition of a tier or of a score rule (`"tier"`, `"score rule"`).
    Rule(&'static str),
    /// The `where` clause of an aggregate.
    Filter(&'static str),
    /// The `by` clause of `first` or `last`.
    Order(&'static str),
    /// Argument `index` (0-based) of function `name`.
    Argument {
        /// Function name.
        function: String,
        /// 0-based position.
        index: usize,
    },
    /// A duration was expected (e.g. right of `date - ...`).
    Duration,
}

/// What is wrong with a `--var` argument (E0801).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarProblem {
    /// No `=`.
    NoEquals,
    /// The name before `=` is not a variable name.
    BadName,
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
    /// `||` for `or`.
    DoublePipe,
    /// `≥`, `≤`, `≠`.
    UnicodeOperator,
    /// A name with letters outside ASCII.
    NonAsciiName,
    /// `2026-12-31`: dates take a leading `@`.
    BareDate,
}

/// What is wrong with type arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeArgumentProblem {
    /// The type takes no arguments.
    Unexpected,
    /// The type needs arguments (`decimal` without precision, `enum` without values).
    Missing,
    /// `decimal` precision or scale out of range.
    DecimalRange,
    /// A non-string enum value.
    EnumValueNotString,
    /// An enum value given twice.
    DuplicateEnumValue(String),
    /// Not two integers for decimal.
    DecimalShape,
}

/// A secondary label: a span with an optional short text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: Option<String>,
}
