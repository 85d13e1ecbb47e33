//! The syntax tree of `test` items: rows given to the sources and expectations about the
//! outputs, as written.

use super::{Ident, Literal, StringLit};
use crate::span::Span;

/// `test NAME as_of @DATE { rows... expectations... }`: a unit test of the file's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct TestDecl {
    /// The test's name (what `segc test --filter` matches).
    pub name: Ident,
    /// The evaluation date (a date literal).
    pub as_of: Literal,
    /// Rows and expectations, in the order written.
    pub clauses: Vec<TestClause>,
}

/// One clause of a test body.
#[derive(Debug, Clone, PartialEq)]
pub struct TestClause {
    /// What the clause says.
    pub kind: TestClauseKind,
    /// The whole clause.
    pub span: Span,
}

/// The kinds of test clause.
#[derive(Debug, Clone, PartialEq)]
pub enum TestClauseKind {
    /// `customers [ { customer_id: 1, ... } ... ]`: the rows of a source.
    Rows {
        /// The source.
        source: Ident,
        /// Its rows, in order.
        rows: Vec<TestRow>,
    },
    /// `orders from csv "orders.csv"`: the rows of a source in a small file next to the rules.
    File {
        /// The source.
        source: Ident,
        /// The file's format (`csv`).
        format: Ident,
        /// The file, relative to the rule file's folder.
        path: StringLit,
    },
    /// `expect NAME = ...`, `expect NAME contains [...]`, `expect NAME excludes [...]`.
    Expect(Expectation),
}

/// `{ column: value, ... }`: one row of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRow {
    /// The columns given, in the order written.
    pub fields: Vec<RowField>,
    /// The whole row, braces included.
    pub span: Span,
}

/// `column: value` in a row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowField {
    /// The column.
    pub column: Ident,
    /// Its value (a literal; numbers may be negative).
    pub value: Literal,
}

/// What a test expects of one segment, tiers item, score or KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The segment, tiers item, split, score or KPI.
    pub target: Ident,
    /// `=`, `contains` or `excludes`.
    pub op: ExpectOp,
    /// Where the operator stands.
    pub op_span: Span,
    /// The expected value.
    pub value: Expected,
}

/// How an expectation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectOp {
    /// `=`: exactly (a segment's members are exactly the keys listed).
    Equals,
    /// `contains`: the segment has these members (and maybe others).
    Contains,
    /// `excludes`: none of these keys is a member.
    Excludes,
}

impl ExpectOp {
    /// The operator as written.
    pub fn text(self) -> &'static str {
        match self {
            ExpectOp::Equals => "=",
            ExpectOp::Contains => "contains",
            ExpectOp::Excludes => "excludes",
        }
    }
}

/// The right side of an expectation.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A single value: a KPI's value (`= 50%`).
    Value(Literal),
    /// `[1, 2, 3]`: keys of members.
    List {
        /// The keys.
        items: Vec<Literal>,
        /// The brackets and what is inside.
        span: Span,
    },
    /// `{ 1: gold, 2: null }`: a value per key (tiers, scores) or per group (KPIs).
    Map {
        /// The entries, in order.
        entries: Vec<ExpectEntry>,
        /// The braces and what is inside.
        span: Span,
    },
}

/// `key: value` in an expectation's map.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectEntry {
    /// A member's key, or a KPI's group (a segment or tier name).
    pub key: ExpectPart,
    /// A tier name, a score, a KPI value, or `null`.
    pub value: ExpectPart,
    /// The whole entry.
    pub span: Span,
}

/// One side of an entry: a literal or a name.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectPart {
    /// A literal: a key, a number, `null`.
    Value(Literal),
    /// A name: a tier, a segment.
    Name(Ident),
}

impl ExpectPart {
    /// Where the part stands.
    pub fn span(&self) -> Span {
        match self {
            ExpectPart::Value(l) => l.span,
            ExpectPart::Name(n) => n.span,
        }
    }
}
