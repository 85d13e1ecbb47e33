//! A source's freshness limit as written (`fresh within 2 days by modified else warn`).

use super::Literal;
use crate::span::Span;

/// `fresh within LENGTH [by modified] [else warn]` on a source.
#[derive(Debug, Clone, PartialEq)]
pub struct FreshnessDecl {
    /// The length, a duration literal.
    pub length: Literal,
    /// `by modified`: by the data's last modification rather than the event column.
    pub by_modified: Option<Span>,
    /// `else warn`, when stale data is a warning rather than an error.
    pub warn: Option<Span>,
    /// The whole clause.
    pub span: Span,
}
