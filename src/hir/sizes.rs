//! Size expectations: the size a segment or a tier must have (`expect size between 2% and
//! 10%`), judged by `segc run` from the members it counted.

use super::{SegmentId, TiersId};
use crate::ast::BinaryOp;
use crate::span::Span;

/// One `expect` clause of a segment or a tier arm.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeExpectation {
    /// Whose size is expected.
    pub subject: SizeSubject,
    /// What is measured: a count, or a share of the population or of a segment.
    pub measure: SizeMeasure,
    /// The range the measure must be in (a share between 0 and 1).
    pub range: SizeRange,
    /// Whether a broken expectation is an error (`else error`) rather than a warning.
    pub is_error: bool,
    /// The clause in canonical words, without `expect` (`size between 2% and 10% of clients`).
    pub text: String,
    /// The whole clause.
    pub span: Span,
}

/// The segment or tier an expectation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeSubject {
    /// A segment.
    Segment(SegmentId),
    /// The `arm`-th tier of a tiers item.
    Tier {
        /// The tiers item.
        tiers: TiersId,
        /// The arm's index.
        arm: usize,
    },
}

/// What an expectation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeMeasure {
    /// The number of members.
    Members,
    /// The members as a share of the population.
    ShareOfPopulation,
    /// The members as a share of a segment's members.
    ShareOf(SegmentId),
}

/// The values an expectation admits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeRange {
    /// `OP X`
    Compare(BinaryOp, f64),
    /// `between LOW and HIGH`, both included.
    Between(f64, f64),
}

impl SizeRange {
    /// Whether `x` is in the range.
    pub fn admits(self, x: f64) -> bool {
        match self {
            SizeRange::Compare(op, bound) => match op {
                BinaryOp::Lt => x < bound,
                BinaryOp::LtEq => x <= bound,
                BinaryOp::Gt => x > bound,
                BinaryOp::GtEq => x >= bound,
                BinaryOp::Eq => x == bound,
                BinaryOp::NotEq => x != bound,
                // The grammar only gives comparisons.
                _ => true,
            },
            SizeRange::Between(low, high) => low <= x && x <= high,
        }
    }

    /// The range's low bound and whether it is admitted, `None` when unbounded or a `!=`.
    pub fn lowest(self) -> Option<(f64, bool)> {
        match self {
            SizeRange::Compare(BinaryOp::GtEq | BinaryOp::Eq, x) => Some((x, true)),
            SizeRange::Compare(BinaryOp::Gt, x) => Some((x, false)),
            SizeRange::Between(low, _) => Some((low, true)),
            _ => None,
        }
    }

    /// The range's high bound and whether it is admitted, `None` when unbounded or a `!=`.
    pub fn highest(self) -> Option<(f64, bool)> {
        match self {
            SizeRange::Compare(BinaryOp::LtEq | BinaryOp::Eq, x) => Some((x, true)),
            SizeRange::Compare(BinaryOp::Lt, x) => Some((x, false)),
            SizeRange::Between(_, high) => Some((high, true)),
            _ => None,
        }
    }

    /// Whether every value this range admits is above every value `other` admits: a size in
    /// this range can never be at most a size in `other`.
    pub fn above(self, other: SizeRange) -> bool {
        match (self.lowest(), other.highest()) {
            (Some((low, low_in)), Some((high, high_in))) => {
                low > high || (low == high && !(low_in && high_in))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_admit_their_values() {
        let at_least = SizeRange::Compare(BinaryOp::GtEq, 0.2);
        assert!(at_least.admits(0.2) && !at_least.admits(0.19));
        let between = SizeRange::Between(10.0, 20.0);
        assert!(between.admits(10.0) && between.admits(20.0) && !between.admits(20.5));
        assert!(SizeRange::Compare(BinaryOp::NotEq, 0.0).admits(3.0));
    }

    #[test]
    fn a_range_is_above_another_only_when_they_cannot_meet() {
        let at_most = |x| SizeRange::Compare(BinaryOp::LtEq, x);
        let at_least = |x| SizeRange::Compare(BinaryOp::GtEq, x);
        assert!(at_least(0.2).above(at_most(0.1)));
        // They meet at 0.1: a size of 0.1 satisfies both.
        assert!(!at_least(0.1).above(at_most(0.1)));
        assert!(SizeRange::Compare(BinaryOp::Gt, 0.1).above(at_most(0.1)));
        assert!(at_least(0.1).above(SizeRange::Compare(BinaryOp::Lt, 0.1)));
        assert!(SizeRange::Between(5.0, 9.0).above(SizeRange::Compare(BinaryOp::Eq, 4.0)));
        // Unbounded or `!=` ranges are above nothing.
        assert!(!at_most(0.5).above(at_most(0.1)));
        assert!(!SizeRange::Compare(BinaryOp::NotEq, 9.0).above(at_most(0.1)));
    }
}
