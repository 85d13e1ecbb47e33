//! Checked `test` items: rows typed against the declared columns, expectations resolved to the
//! outputs and KPIs they name.

use chrono::{NaiveDate, NaiveDateTime};

use super::{KpiGroup, KpiId, LetId, Program, ScoreId, SegmentId, SourceId, TiersId};
use crate::span::Span;

/// A checked test.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleTest {
    /// Its name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// The whole item.
    pub item: Span,
    /// The evaluation date.
    pub as_of: NaiveDate,
    /// The rows of each source given; the other sources are empty.
    pub data: Vec<TestData>,
    /// What is expected, in the order written.
    pub expectations: Vec<Expectation>,
}

/// The rows of one source in a test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestData {
    /// The source.
    pub source: SourceId,
    /// Where the rows are written.
    pub span: Span,
    /// The rows.
    pub rows: TestRows,
}

/// Rows written in the test, or a file to read them from.
#[derive(Debug, Clone, PartialEq)]
pub enum TestRows {
    /// One value per declared column (in declaration order) per row.
    Inline(Vec<Vec<RowValue>>),
    /// A CSV file with a header line, relative to the rule file's folder.
    Csv {
        /// The path as written.
        path: String,
        /// The path literal.
        span: Span,
    },
}

/// A value of a row, of its column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum RowValue {
    /// No value.
    Null,
    /// An `int` (also a `float` or `decimal` column given an integer).
    Int(i64),
    /// A `float` value.
    Float(f64),
    /// A `decimal(p, s)` value, as an integer of `s` digits after the point.
    Decimal(i128),
    /// A `string` or `enum` value.
    Text(String),
    /// A `bool`.
    Bool(bool),
    /// A `date`.
    Date(NaiveDate),
    /// A `timestamp`.
    Timestamp(NaiveDateTime),
}

/// A population key in an expectation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// An integer key.
    Int(i64),
    /// A text key.
    Text(String),
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Int(i) => write!(f, "{i}"),
            Key::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// One expectation of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The whole `expect` clause.
    pub span: Span,
    /// What is expected.
    pub kind: ExpectationKind,
}

/// How the members of a segment are compared with the keys listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberCheck {
    /// The members are exactly these keys.
    Exactly,
    /// These keys are members.
    Contains,
    /// None of these keys is a member.
    Excludes,
}

/// A number expected, and how far the value may be from it (half a unit of the last digit
/// written: `903.58` accepts 903.575 to 903.585).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approx {
    /// The number (a fraction for a percentage: 0.5 for `50%`).
    pub value: f64,
    /// The tolerance.
    pub tolerance: f64,
    /// Whether it was written as a percentage (shown so).
    pub percent: bool,
}

impl Approx {
    /// Whether `found` is the number expected.
    pub fn accepts(&self, found: f64) -> bool {
        (found - self.value).abs() <= self.tolerance + f64::EPSILON * self.value.abs().max(1.0)
    }
}

/// The value of an `output let` expected of a member: a number within the precision written,
/// or exactly a text, enum, boolean, date or timestamp (`null`: [`RowValue::Null`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedValue {
    /// A number (`None`: null).
    Number(Option<Approx>),
    /// Any other value, typed like the `let`.
    Exact(RowValue),
}

/// What an expectation compares.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectationKind {
    /// The members of a segment.
    Members {
        /// The segment.
        segment: SegmentId,
        /// How they are compared.
        check: MemberCheck,
        /// The keys listed.
        keys: Vec<Key>,
    },
    /// The tier of some members (`None`: no tier).
    Tiers {
        /// The tiers item or split.
        tiers: TiersId,
        /// Each key's tier.
        expected: Vec<(Key, Option<String>)>,
    },
    /// The score of some members.
    Score {
        /// The score.
        score: ScoreId,
        /// Each key's score (`None`: null).
        expected: Vec<(Key, Option<Approx>)>,
    },
    /// The value of an `output let` for some members.
    Value {
        /// The `let`.
        value: LetId,
        /// Each key's value.
        expected: Vec<(Key, ExpectedValue)>,
    },
    /// A KPI's value for some of its groups (`None`: no data).
    Kpi {
        /// The KPI.
        kpi: KpiId,
        /// The group (an index into the KPI's groups) and its value.
        expected: Vec<(usize, Option<Approx>)>,
    },
}

impl Program {
    /// A KPI group's name in tests and their reports: its segment, its tier, or the
    /// population source.
    pub fn group_name<'p>(&'p self, group: &'p KpiGroup) -> &'p str {
        match group {
            KpiGroup::Population => &self.population().name,
            KpiGroup::Segment(id) => &self.segments[id.0].name,
            KpiGroup::Tier { tier, .. } => tier,
        }
    }
}
